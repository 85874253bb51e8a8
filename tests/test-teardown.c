/* SPDX-License-Identifier: MIT */
/*
 * Teardown: io_uring_queue_exit() with requests in flight returns promptly,
 * cancelled reads leave the data they never got in the pipe, and nothing
 * leaks: fds and threads come back to their count.
 */
#include "harness.h"

#include <sys/eventfd.h>
#include <sys/mman.h>

/*
 * The kernel's io-wq workers show up in /proc/self/task and go away
 * asynchronously after the ring is gone: allow them a moment.
 */
static int threads_settle(int want)
{
	int n = test_count_threads();

	for (int i = 0; i < 200 && n != want; i++) {
		test_sleep_ms(10);
		n = test_count_threads();
	}
	return n;
}

TEST(exit_with_pending_pipe_reads)
{
	struct io_uring ring;
	char bufs[4][8], out[16];
	int p[2], fds, threads;
	uint64_t t0;

	REQUIRE_SYS(pipe(p));
	fds = test_count_fds();
	threads = test_count_threads();
	test_ring_init(8, &ring, 0);
	for (int i = 0; i < 4; i++) {
		struct io_uring_sqe *sqe = test_get_sqe(&ring);

		io_uring_prep_read(sqe, p[0], bufs[i], sizeof(bufs[i]), 0);
		io_uring_sqe_set_data64(sqe, i);
	}
	CHECK_EQ(io_uring_submit(&ring), 4);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	t0 = test_now_ns();
	io_uring_queue_exit(&ring);
	CHECK_LT(test_now_ns() - t0, 5000000000ULL);
	CHECK_EQ(test_count_fds(), fds);
	CHECK_EQ(threads_settle(threads), threads);
	/* the cancelled reads took nothing: a later write is still there */
	REQUIRE_EQ(write(p[1], "after", 5), 5);
	CHECK_EQ(read(p[0], out, sizeof(out)), 5);
	CHECK_MEM(out, "after", 5);
	close(p[0]);
	close(p[1]);
}

TEST(exit_with_registrations)
{
	struct io_uring ring;
	struct iovec iov;
	void *mem;
	int fd, efd, fds, threads;

	fd = test_tmpfile(NULL);
	efd = eventfd(0, EFD_CLOEXEC);
	REQUIRE_SYS(efd);
	mem = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE_TRUE(mem != MAP_FAILED);
	fds = test_count_fds();
	threads = test_count_threads();
	test_ring_init(8, &ring, 0);
	iov.iov_base = mem;
	iov.iov_len = 65536;
	CHECK_ERRNO(io_uring_register_buffers(&ring, &iov, 1), 0);
	CHECK_ERRNO(io_uring_register_files(&ring, &fd, 1), 0);
	CHECK_ERRNO(io_uring_register_eventfd(&ring, efd), 0);
	/* some work through all of them */
	for (int i = 0; i < 4; i++) {
		struct io_uring_sqe *sqe = test_get_sqe(&ring);

		io_uring_prep_write_fixed(sqe, 0, (char *)mem + i * 4096, 4096, i * 4096, 0);
		io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE);
		io_uring_sqe_set_data64(sqe, i);
	}
	{
		struct test_cqe c[4];

		CHECK_EQ(test_submit_reap(&ring, c, 4), 4);
		for (int i = 0; i < 4; i++)
			CHECK_EQ(c[i].res, 4096);
	}
	io_uring_queue_exit(&ring);
	CHECK_EQ(test_count_fds(), fds);
	CHECK_EQ(threads_settle(threads), threads);
	/* the fds the ring had registered are still the application's */
	CHECK_EQ(write(fd, "x", 1), 1);
	CHECK_EQ(eventfd_write(efd, 1), 0);
	munmap(mem, 65536);
	close(efd);
	close(fd);
}

TEST(many_rings_in_a_loop)
{
	int fds = test_count_fds(), threads = test_count_threads();

	for (int i = 0; i < 50; i++) {
		struct io_uring ring;
		struct io_uring_sqe *sqe;
		struct test_cqe c = { 0 };

		test_ring_init(4, &ring, 0);
		sqe = test_get_sqe(&ring);
		io_uring_prep_nop(sqe);
		io_uring_sqe_set_data64(sqe, i);
		CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
		CHECK_EQ_U(c.user_data, i);
		io_uring_queue_exit(&ring);
	}
	CHECK_EQ(test_count_fds(), fds);
	CHECK_EQ(threads_settle(threads), threads);
}

TEST(exit_with_unreaped_and_overflowed_cqes)
{
	struct io_uring ring;
	int fds = test_count_fds();

	test_ring_init(4, &ring, 0);
	/* 4 + 4 + 4 NOPs into a CQ of 8: 4 in the backlog, none reaped */
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 4; i++) {
			struct io_uring_sqe *sqe = test_get_sqe(&ring);

			io_uring_prep_nop(sqe);
			io_uring_sqe_set_data64(sqe, round * 4 + i);
		}
		CHECK_EQ(io_uring_submit(&ring), 4);
	}
	CHECK_TRUE(io_uring_cq_has_overflow(&ring));
	io_uring_queue_exit(&ring);
	CHECK_EQ(test_count_fds(), fds);
}

/*
 * ThreadSanitizer starts a background thread of its own when the program
 * first creates a thread, and keeps it: under TSan, create (and end) the
 * executor's threads once before any count is taken.
 */
static void thread_count_warm_up(void)
{
#if defined(__SANITIZE_THREAD__)
	struct io_uring ring;
	char buf[8];
	int p[2];

	if (pipe(p) < 0)
		return;
	test_ring_init(4, &ring, 0);
	io_uring_prep_read(test_get_sqe(&ring), p[0], buf, sizeof(buf), 0);
	io_uring_submit(&ring);
	io_uring_queue_exit(&ring);
	close(p[0]);
	close(p[1]);
#endif
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(exit_with_pending_pipe_reads),
		TEST_ENTRY(exit_with_registrations),
		TEST_ENTRY(many_rings_in_a_loop),
		TEST_ENTRY(exit_with_unreaped_and_overflowed_cqes),
	};

	thread_count_warm_up();
	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
