// SPDX-License-Identifier: MIT
/*
 * Teardown with requests in flight: reads blocked on empty pipes, one-shot
 * and multishot polls, queued file reads, registered files, buffers and an
 * eventfd.  Closing returns promptly, a cancelled pipe read consumed nothing,
 * and the thread count (/proc/self/task) and fd count (/proc/self/fd) are
 * back where they were.  Runs on both backends (the kernel's io-wq threads
 * leave asynchronously: the counts are given a moment to settle).
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <time.h>

#include "raw.h"

static long ms_since(struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

static void one_round(int round)
{
	static char big[8][65536];
	char path[] = "/tmp/ringer-td-XXXXXX";
	struct timespec t0;
	struct raw_ring r;
	int p[4][2], fd, ev, files[2];
	struct iovec reg = { big[0], sizeof(big[0]) };
	char b[8];

	CHECK_EQ(raw_ring_init(&r, 64, NULL), 0);
	fd = mkstemp(path);
	unlink(path);
	CHECK_EQ(write(fd, big, sizeof(big)), (long long)sizeof(big));
	for (int i = 0; i < 4; i++)
		CHECK_EQ(pipe(p[i]), 0);
	ev = eventfd(0, 0);
	files[0] = fd;
	files[1] = p[3][0];
	CHECK_EQ(raw_register(r.fd, IORING_REGISTER_FILES, files, 2), 0);
	CHECK_EQ(raw_register(r.fd, IORING_REGISTER_BUFFERS, &reg, 1), 0);
	CHECK_EQ(raw_register(r.fd, IORING_REGISTER_EVENTFD, &ev, 1), 0);

	/* reads on empty pipes (one through a fixed file) */
	for (int i = 0; i < 4; i++) {
		struct io_uring_sqe *s = raw_sqe(&r);

		s->opcode = IORING_OP_READ;
		s->fd = i == 3 ? 1 : p[i][0];
		s->flags = i == 3 ? IOSQE_FIXED_FILE : 0;
		s->addr = (uintptr_t)b;
		s->len = sizeof(b);
		s->user_data = 100 + i;
	}
	/* polls that never fire */
	{
		struct io_uring_sqe *s = raw_sqe(&r);

		s->opcode = IORING_OP_POLL_ADD;
		s->fd = p[0][0];
		s->poll32_events = POLLIN;
		s = raw_sqe(&r);
		s->opcode = IORING_OP_POLL_ADD;
		s->fd = p[1][0];
		s->len = IORING_POLL_ADD_MULTI;
		s->poll32_events = POLLIN;
	}
	/* file reads pushed to the workers, more than can run at once */
	for (int i = 0; i < 32; i++) {
		struct io_uring_sqe *s = raw_sqe(&r);

		s->opcode = IORING_OP_READ;
		s->fd = fd;
		s->flags = IOSQE_ASYNC;
		s->addr = (uintptr_t)big[1 + i % 7];
		s->len = 65536;
		s->user_data = 200 + i;
	}
	CHECK_EQ(raw_submit(&r, 38, 0, 0), 38);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	raw_ring_exit(&r);
	CHECK_MSG(ms_since(&t0) < 2000, "teardown took %ld ms", ms_since(&t0));

	/* a cancelled pipe read has no side effect: data written now stays */
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(write(p[i][1], "z", 1), 1);
		fcntl(p[i][0], F_SETFL, O_NONBLOCK);
	}
	usleep(10000);
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(read(p[i][0], b, sizeof(b)), 1);
		close(p[i][0]);
		close(p[i][1]);
	}
	close(fd);
	close(ev);
	(void)round;
}

TEST(rounds_leave_no_thread_or_fd)
{
	int threads, fds, t2 = 0, f2 = 0;

	/*
	 * A first round warms up what lives as long as the process (sanitizer
	 * threads); then the baseline is taken once the thread count has been
	 * steady for 100 ms: the kernel's io-wq workers of that round leave
	 * asynchronously, and one still there would inflate it.
	 */
	one_round(0);
	threads = test_count_threads();
	for (int i = 0, steady = 0; i < 200 && steady < 10; i++) {
		usleep(10000);
		t2 = test_count_threads();
		steady = t2 == threads ? steady + 1 : 0;
		threads = t2;
	}
	fds = test_count_fds();
	for (int i = 1; i < 4; i++)
		one_round(i);
	for (int i = 0; i < 200; i++) {
		t2 = test_count_threads();
		f2 = test_count_fds();
		if (t2 <= threads && f2 == fds)
			break;
		usleep(10000);
	}
	/* fewer: a worker of round 0 that outlived the 100 ms above */
	CHECK_MSG(t2 <= threads, "%d threads, %d before", t2, threads);
	CHECK_EQ(f2, fds);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(rounds_leave_no_thread_or_fd),
	};
	struct raw_ring probe;

	raw_skip_if_refused(raw_ring_init(&probe, 1, NULL));
	raw_ring_exit(&probe);
	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
