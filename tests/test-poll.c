/* SPDX-License-Identifier: MIT */
/*
 * POLL_ADD and POLL_REMOVE: ready masks, pending polls, multishot, removal,
 * field checks.
 */
#include "harness.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/resource.h>
#include <sys/eventfd.h>

#include "ringer/fault.h"

static struct io_uring ring;
static int p[2];

static void up(void)
{
	test_ring_init(8, &ring, 0);
	REQUIRE_SYS(pipe(p));
}

static void down(void)
{
	close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	io_uring_queue_exit(&ring);
}

static struct io_uring_sqe *poll_add(int fd, unsigned mask, __u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_poll_add(sqe, fd, mask);
	io_uring_sqe_set_data64(sqe, user_data);
	return sqe;
}

static int one_result(void)
{
	struct test_cqe c = { 0 };

	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ_U(c.flags, 0);
	return c.res;
}

TEST(poll_ready_masks)
{
	int fd;

	up();
	/* a writable pipe */
	poll_add(p[1], POLLOUT, 1);
	CHECK_EQ(one_result(), POLLOUT);
	/* a pipe with data */
	REQUIRE_EQ(write(p[1], "x", 1), 1);
	poll_add(p[0], POLLIN, 2);
	CHECK_EQ(one_result(), POLLIN);
	/* a regular file is always ready */
	fd = test_tmpfile(NULL);
	poll_add(fd, POLLIN | POLLOUT | POLLRDNORM, 3);
	CHECK_EQ(one_result(), POLLIN | POLLOUT | POLLRDNORM);
	close(fd);
	/* HUP is reported unasked */
	close(p[1]);
	p[1] = -1;
	REQUIRE_EQ(read(p[0], (char[1]){ 0 }, 1), 1);
	poll_add(p[0], POLLOUT, 4);
	CHECK_EQ(one_result(), POLLHUP);
	down();
}

TEST(poll_pending_until_ready)
{
	struct test_cqe c = { 0 };

	up();
	poll_add(p[0], POLLIN, 5);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
	REQUIRE_EQ(write(p[1], "x", 1), 1);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ_U(c.user_data, 5);
	CHECK_EQ(c.res, POLLIN);
	CHECK_EQ_U(c.flags, 0);
	down();
}

TEST(poll_field_checks)
{
	struct io_uring_sqe *sqe;

	up();
	sqe = poll_add(p[1], POLLOUT, 1);
	sqe->addr = 1;
	CHECK_EQ(one_result(), -EINVAL);
	sqe = poll_add(p[1], POLLOUT, 2);
	sqe->off = 1;
	CHECK_EQ(one_result(), -EINVAL);
	sqe = poll_add(p[1], POLLOUT, 3);
	sqe->buf_index = 1;
	CHECK_EQ(one_result(), -EINVAL);
	sqe = poll_add(p[1], POLLOUT, 4);
	sqe->len = IORING_POLL_ADD_LEVEL;
	CHECK_EQ(one_result(), -EINVAL);
	sqe = poll_add(p[1], POLLOUT, 5);
	sqe->ioprio = 1;
	CHECK_EQ(one_result(), -EINVAL);
	/* multishot and skip-success do not go together */
	sqe = poll_add(p[1], POLLOUT, 6);
	sqe->len = IORING_POLL_ADD_MULTI;
	sqe->flags = IOSQE_CQE_SKIP_SUCCESS;
	CHECK_EQ(one_result(), -EINVAL);
	/* ignored fields */
	sqe = poll_add(p[1], POLLOUT, 7);
	sqe->splice_fd_in = 3;
	CHECK_EQ(one_result(), POLLOUT);
	/* a bad fd */
	poll_add(9999, POLLIN, 8);
	CHECK_EQ(one_result(), -EBADF);
	down();
}

TEST(poll_remove)
{
	struct test_cqe c[2];
	struct io_uring_sqe *sqe;

	up();
	poll_add(p[0], POLLIN, 0x77);
	CHECK_EQ(io_uring_submit(&ring), 1);
	sqe = test_get_sqe(&ring);
	io_uring_prep_poll_remove(sqe, 0x77);
	io_uring_sqe_set_data64(sqe, 0x88);
	CHECK_EQ(test_submit_reap(&ring, c, 2), 1);
	/* the order of the two is not specified */
	CHECK_EQ(test_find_cqe(c, 2, 0x88) ? test_find_cqe(c, 2, 0x88)->res : 1, 0);
	CHECK_EQ(test_find_cqe(c, 2, 0x77) ? test_find_cqe(c, 2, 0x77)->res : 1, -ECANCELED);
	/* gone now */
	sqe = test_get_sqe(&ring);
	io_uring_prep_poll_remove(sqe, 0x77);
	io_uring_sqe_set_data64(sqe, 0x89);
	CHECK_EQ(one_result(), -ENOENT);
	/* a removal only finds polls */
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, p[0], (char[8]){ 0 }, 8, 0);
	io_uring_sqe_set_data64(sqe, 0x99);
	CHECK_EQ(io_uring_submit(&ring), 1);
	sqe = test_get_sqe(&ring);
	io_uring_prep_poll_remove(sqe, 0x99);
	io_uring_sqe_set_data64(sqe, 0x9a);
	CHECK_EQ(one_result(), -ENOENT);
	sqe = test_get_sqe(&ring);
	io_uring_prep_poll_remove(sqe, 0x99);
	sqe->buf_index = 1;
	io_uring_sqe_set_data64(sqe, 0x9b);
	CHECK_EQ(one_result(), -EINVAL);
	/* let the read finish */
	REQUIRE_EQ(write(p[1], "z", 1), 1);
	CHECK_EQ(test_reap(&ring, c, 1, 5000), 1);
	CHECK_EQ_U(c[0].user_data, 0x99);
	CHECK_EQ(c[0].res, 1);
	down();
}

TEST(poll_multishot)
{
	struct test_cqe c[2];
	struct io_uring_sqe *sqe;
	char buf[4];

	up();
	sqe = test_get_sqe(&ring);
	io_uring_prep_poll_multishot(sqe, p[0], POLLIN);
	io_uring_sqe_set_data64(sqe, 0x55);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	for (int i = 0; i < 3; i++) {
		/* each readiness edge posts a CQE that says more will come */
		REQUIRE_EQ(write(p[1], "m", 1), 1);
		REQUIRE_EQ(test_reap(&ring, c, 1, 5000), 1);
		CHECK_EQ_U(c[0].user_data, 0x55);
		CHECK_EQ(c[0].res, POLLIN);
		CHECK_EQ_U(c[0].flags, IORING_CQE_F_MORE);
		REQUIRE_EQ(read(p[0], buf, 1), 1);
	}
	/* removal ends it with a final CQE without F_MORE */
	sqe = test_get_sqe(&ring);
	io_uring_prep_poll_remove(sqe, 0x55);
	io_uring_sqe_set_data64(sqe, 0x56);
	CHECK_EQ(test_submit_reap(&ring, c, 2), 1);
	CHECK_EQ(test_find_cqe(c, 2, 0x56) ? test_find_cqe(c, 2, 0x56)->res : 1, 0);
	if (CHECK_TRUE(test_find_cqe(c, 2, 0x55) != NULL)) {
		CHECK_EQ(test_find_cqe(c, 2, 0x55)->res, -ECANCELED);
		CHECK_EQ_U(test_find_cqe(c, 2, 0x55)->flags, 0);
	}
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	down();
}

TEST(poll_update)
{
	struct test_cqe c[2];
	struct io_uring_sqe *sqe;

	up();
	/* a new user_data for an armed poll: it stays armed */
	poll_add(p[0], POLLIN, 0xa1);
	CHECK_EQ(io_uring_submit(&ring), 1);
	sqe = test_get_sqe(&ring);
	io_uring_prep_poll_update(sqe, 0xa1, 0xb1, 0, IORING_POLL_UPDATE_USER_DATA);
	io_uring_sqe_set_data64(sqe, 0xc1);
	CHECK_EQ(test_submit_reap(&ring, c, 1), 1);
	CHECK_EQ_U(c[0].user_data, 0xc1);
	CHECK_EQ(c[0].res, 0);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	REQUIRE_EQ(write(p[1], "u", 1), 1);
	REQUIRE_EQ(test_reap(&ring, c, 1, 5000), 1);
	CHECK_EQ_U(c[0].user_data, 0xb1);
	CHECK_EQ(c[0].res, POLLIN);
	/* new events: a POLLIN wait on the write end becomes a POLLOUT one, ready */
	poll_add(p[1], POLLIN, 0xa2);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	sqe = test_get_sqe(&ring);
	io_uring_prep_poll_update(sqe, 0xa2, 0, POLLOUT, IORING_POLL_UPDATE_EVENTS);
	io_uring_sqe_set_data64(sqe, 0xc2);
	CHECK_EQ(test_submit_reap(&ring, c, 2), 1);
	CHECK_EQ(test_find_cqe(c, 2, 0xc2) ? test_find_cqe(c, 2, 0xc2)->res : 1, 0);
	CHECK_EQ(test_find_cqe(c, 2, 0xa2) ? test_find_cqe(c, 2, 0xa2)->res : 1, POLLOUT);
	/* an update of nothing */
	sqe = test_get_sqe(&ring);
	io_uring_prep_poll_update(sqe, 0xdead, 0, POLLOUT, IORING_POLL_UPDATE_EVENTS);
	io_uring_sqe_set_data64(sqe, 0xc3);
	CHECK_EQ(one_result(), -ENOENT);
	/* field rules of the update form */
	sqe = test_get_sqe(&ring);
	io_uring_prep_poll_update(sqe, 0xdead, 0, 0, IORING_POLL_ADD_MULTI);
	io_uring_sqe_set_data64(sqe, 0xc4);
	CHECK_EQ(one_result(), -EINVAL);
	sqe = test_get_sqe(&ring);
	io_uring_prep_poll_update(sqe, 0xdead, 5, 0, IORING_POLL_UPDATE_EVENTS);
	io_uring_sqe_set_data64(sqe, 0xc5);
	CHECK_EQ(one_result(), -EINVAL);
	sqe = test_get_sqe(&ring);
	io_uring_prep_poll_update(sqe, 0xdead, 5, POLLIN, IORING_POLL_UPDATE_USER_DATA);
	io_uring_sqe_set_data64(sqe, 0xc6);
	CHECK_EQ(one_result(), -EINVAL);
	down();
}

/*
 * 32 polls on an empty pipe; one byte written and read straight back.  The
 * kernel completes each poll from the wake-up of the write (with POLLIN),
 * not from a later look at the pipe, which would find it empty.
 */
TEST(poll_transient_readiness)
{
	struct test_cqe c[32];
	char b;

	test_ring_init(64, &ring, 0);
	REQUIRE_SYS(pipe(p));
	for (int i = 0; i < 32; i++)
		poll_add(p[0], POLLIN, 100 + i);
	CHECK_EQ(io_uring_submit(&ring), 32);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	REQUIRE_EQ(write(p[1], "t", 1), 1);
	REQUIRE_EQ(read(p[0], &b, 1), 1);
	CHECK_EQ(test_reap(&ring, c, 32, 5000), 32);
	for (int i = 0; i < 32; i++) {
		CHECK_EQ(c[i].res, POLLIN);
		CHECK_EQ_U(c[i].flags, 0);
	}
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	down();
}

/*
 * A multishot poll on an empty pipe; a byte written and read straight back,
 * three times, with an enter between (liburing's multicqes_drain does this):
 * the kernel's poll stays on the wait queue and posts a CQE per wake-up.
 */
TEST(poll_multishot_transient_readiness)
{
	struct test_cqe c[3];
	char b;

	up();
	poll_add(p[0], POLLIN, 200)->len = IORING_POLL_ADD_MULTI;
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	for (int i = 0; i < 3; i++) {
		REQUIRE_EQ(write(p[1], "t", 1), 1);
		REQUIRE_EQ(read(p[0], &b, 1), 1);
		io_uring_get_events(&ring);
	}
	REQUIRE_EQ(test_reap(&ring, c, 3, 5000), 3);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ_U(c[i].user_data, 200);
		CHECK_EQ(c[i].res, POLLIN);
		CHECK_EQ_U(c[i].flags, IORING_CQE_F_MORE);
	}
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	down();
}

static void *write_later(void *arg)
{
	test_sleep_ms(20);
	if (write(*(int *)arg, "w", 1) != 1)
		abort();
	return NULL;
}

/*
 * The next wake-up of a multishot poll may come while it still posts the
 * CQE of the last one: the program has taken that CQE, read what it
 * announced and written again.  That wake-up posts a CQE of its own, as on
 * the kernel, whose poll is woken again on the wait queue.  To hold the
 * engine in that window, the poll(2) it makes right after posting fails
 * with EINTR (it retries) until the program has written again: the first
 * wake-up comes from another thread while this one sleeps, so that the
 * engine's own thread posts it.  On the kernel the fault changes nothing.
 */
TEST(poll_multishot_wakeup_while_posting)
{
	struct test_cqe c[1] = { 0 };
	pthread_t t;
	char b;

	up();
	poll_add(p[0], POLLIN, 300)->len = IORING_POLL_ADD_MULTI;
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	/* a bounded spin (seconds at most) if the fault catches another call */
	REQUIRE_EQ(ringer_fault_error("poll", EINTR, 50000000), 0);
	REQUIRE_EQ(pthread_create(&t, NULL, write_later, &p[1]), 0);
	REQUIRE_EQ(test_reap(&ring, c, 1, 5000), 1);
	CHECK_EQ(c[0].res, POLLIN);
	CHECK_EQ_U(c[0].flags, IORING_CQE_F_MORE);
	REQUIRE_EQ(read(p[0], &b, 1), 1);
	REQUIRE_EQ(write(p[1], "w", 1), 1);
	ringer_fault_reset();
	pthread_join(t, NULL);
	CHECK_EQ(test_reap(&ring, c, 1, 5000), 1);
	CHECK_EQ(c[0].res, POLLIN);
	CHECK_EQ_U(c[0].flags, IORING_CQE_F_MORE);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	down();
}

/*
 * A file without poll support (a regular file, a directory) is ready for
 * POLLIN and POLLOUT only: a poll for anything else can never complete, and
 * the kernel refuses it (-EINVAL) instead of leaving it armed.
 */
TEST(poll_events_never_reported)
{
	static const unsigned evs[] = { POLLPRI, POLLERR, POLLHUP, 0, POLLRDHUP };
	struct test_cqe c[1];
	int fds[2];

	test_ring_init(8, &ring, 0);
	fds[0] = test_tmpfile(NULL);
	fds[1] = open(".", O_RDONLY | O_DIRECTORY);
	REQUIRE_GE(fds[1], 0);
	for (int f = 0; f < 2; f++) {
		for (unsigned i = 0; i < ARRAY_SIZE(evs); i++) {
			poll_add(fds[f], evs[i], i);
			CHECK_EQ(one_result(), -EINVAL);
		}
		poll_add(fds[f], POLLPRI, 10)->len = IORING_POLL_ADD_MULTI;
		CHECK_EQ(one_result(), -EINVAL);
		poll_add(fds[f], POLLIN | POLLPRI, 11);
		CHECK_EQ(one_result(), POLLIN);
		poll_add(fds[f], POLLIN, 12)->len = IORING_POLL_ADD_MULTI;
		REQUIRE_EQ(test_submit_reap(&ring, c, 1), 1);
		CHECK_EQ(c[0].res, POLLIN);
		CHECK_EQ_U(c[0].flags, 0);
	}
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	close(fds[1]);
	io_uring_queue_exit(&ring);
}

/*
 * A multishot poll on the ring's own registered eventfd: each CQE signals
 * the eventfd, which would fire the poll again, forever.  The kernel ends
 * such a poll at the first wake-up that comes from the ring itself.
 */
TEST(poll_multishot_on_registered_eventfd)
{
	struct io_uring_sqe *sqe;
	struct test_cqe c[4];
	uint64_t v = 1;
	int efd;

	test_ring_init(8, &ring, 0);
	efd = eventfd(0, EFD_NONBLOCK);
	REQUIRE_GE(efd, 0);
	REQUIRE_EQ(io_uring_register_eventfd(&ring, efd), 0);
	poll_add(efd, POLLIN, 1)->len = IORING_POLL_ADD_MULTI;
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	/* the program's write: one CQE with F_MORE; its signal ends the poll */
	REQUIRE_EQ(write(efd, &v, sizeof(v)), (ssize_t)sizeof(v));
	REQUIRE_EQ(test_reap(&ring, c, 2, 5000), 2);
	CHECK_EQ_U(c[0].user_data, 1);
	CHECK_EQ(c[0].res, POLLIN);
	CHECK_EQ_U(c[0].flags, IORING_CQE_F_MORE);
	CHECK_EQ_U(c[1].user_data, 1);
	CHECK_EQ(c[1].res, POLLIN);
	CHECK_EQ_U(c[1].flags, 0);
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
	/* another request's CQE signals the eventfd: the poll ends at once */
	REQUIRE_EQ(read(efd, &v, sizeof(v)), (ssize_t)sizeof(v));
	poll_add(efd, POLLIN, 2)->len = IORING_POLL_ADD_MULTI;
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	sqe = test_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, 3);
	REQUIRE_EQ(test_submit_reap(&ring, c, 2), 1);
	CHECK_EQ_U(c[0].user_data, 3);
	CHECK_EQ_U(c[1].user_data, 2);
	CHECK_EQ(c[1].res, POLLIN);
	CHECK_EQ_U(c[1].flags, 0);
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
	close(efd);
	io_uring_queue_exit(&ring);
}

/* CPU time (user + system, all threads) of this process, in microseconds. */
static long long cpu_us(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return -1;
	return (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
	       ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

/* Arm n one-shot polls on the empty pipe, then remove them all, oldest
 * first or newest first, checking every CQE; the CPU time of the removals. */
static long long remove_all(struct io_uring *r, int n, bool oldest_first)
{
	struct io_uring_cqe *cqe;
	int removed = 0, ended = 0;
	long long t0;

	for (int i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = test_get_sqe(r);

		io_uring_prep_poll_add(sqe, p[0], POLLIN);
		io_uring_sqe_set_data64(sqe, (__u64)i);
		if (i % 256 == 255 || i == n - 1)
			REQUIRE_GE(io_uring_submit(r), 1);
	}
	t0 = cpu_us();
	for (int i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = test_get_sqe(r);

		io_uring_prep_poll_remove(sqe, (__u64)(oldest_first ? i : n - 1 - i));
		io_uring_sqe_set_data64(sqe, 0x100000 + (__u64)i);
		if (i % 256 == 255 || i == n - 1)
			REQUIRE_GE(io_uring_submit(r), 1);
		while (!io_uring_peek_cqe(r, &cqe)) {
			if (cqe->user_data >= 0x100000) {
				CHECK_EQ(cqe->res, 0);
				removed++;
			} else {
				CHECK_EQ(cqe->res, -ECANCELED);
				ended++;
			}
			io_uring_cqe_seen(r, cqe);
		}
	}
	while (removed + ended < 2 * n && !test_wait_cqe_ms(r, &cqe, 5000)) {
		if (cqe->user_data >= 0x100000) {
			CHECK_EQ(cqe->res, 0);
			removed++;
		} else {
			CHECK_EQ(cqe->res, -ECANCELED);
			ended++;
		}
		io_uring_cqe_seen(r, cqe);
	}
	CHECK_EQ(removed, n);
	CHECK_EQ(ended, n);
	return cpu_us() - t0;
}

/*
 * POLL_REMOVE among many armed polls costs the same whichever it names, as
 * on the kernel (which hashes armed polls by user_data): a walk of a list
 * of armed polls would make removing them oldest first quadratic, and a
 * program that updates many polls many times (liburing's poll-mshot-update)
 * would spend its time there.
 */
TEST(poll_remove_among_many)
{
	enum { NPOLL = 6000 };
	struct io_uring_params prm;
	struct io_uring many;
	struct rlimit rl;
	long long newest, oldest;

	/* the engine holds a duplicate of the file per waiting poll */
	REQUIRE_SYS(getrlimit(RLIMIT_NOFILE, &rl));
	if (rl.rlim_cur < NPOLL + 256) {
		rl.rlim_cur = rl.rlim_max < NPOLL + 256 ? rl.rlim_max : NPOLL + 256;
		REQUIRE_SYS(setrlimit(RLIMIT_NOFILE, &rl));
	}
	if (rl.rlim_cur < NPOLL + 256)
		SKIP_CASE(SKIP_ENVIRONMENT, "RLIMIT_NOFILE hard limit below 6256");
	REQUIRE_SYS(pipe(p));
	memset(&prm, 0, sizeof(prm));
	prm.flags = IORING_SETUP_CQSIZE;
	prm.cq_entries = 4 * NPOLL;
	test_ring_init_params(256, &many, &prm);
	newest = remove_all(&many, NPOLL, false);
	oldest = remove_all(&many, NPOLL, true);
	printf("# %d removals: %lld us of CPU newest first, %lld us oldest first\n", NPOLL,
	       newest, oldest);
	/* (a sanitizer build slows both alike) */
	CHECK_LT(oldest, 2 * newest + 30000);
	io_uring_queue_exit(&many);
	close(p[0]);
	close(p[1]);
}

/* CPU budgets of the cases below are for a plain build: a sanitizer's
 * instrumentation multiplies the engine's own work (ThreadSanitizer about
 * five times), not the fault they catch (a cost growing with the polls
 * armed, tens of times more). */
#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_THREAD__) || __has_feature(thread_sanitizer)
#define CPU_SLACK 8
#elif defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
#define CPU_SLACK 3
#else
#define CPU_SLACK 1
#endif

/*
 * Many multishot polls armed, readiness edges coming one pipe at a time,
 * each CQE read back before the next write: an edge costs about the same
 * however many polls wait, as on the kernel (a few ms of CPU for all the
 * edges here).  After its first CQE a multishot poll whose pipe still held
 * the byte waited in an epoll set of its own, which the engine's reactor
 * polled with every other at each wake-up, and rebuilt its array for at each
 * re-arming: 3000 polls armed, 6000 edges, 3.9-4.4 s of CPU, against
 * 0.08-0.45 s since, depending on the machine's state (liburing's
 * poll-mshot-update, 5000 polls, ran into its 60 s cap).
 */
TEST(poll_multishot_many_armed)
{
	enum { NPOLL = 3000, ROUNDS = 3 };
	static int fds[NPOLL][2];
	struct io_uring_params prm;
	struct io_uring_cqe *cqe;
	struct io_uring many;
	struct rlimit rl;
	long long t0 = 0, cpu;
	int opened;
	char ch = 'e';

	/* 2 fds per pipe, and the engine's per poll */
	REQUIRE_SYS(getrlimit(RLIMIT_NOFILE, &rl));
	if (rl.rlim_cur < 4 * NPOLL + 64) {
		rl.rlim_cur = rl.rlim_max < 4 * NPOLL + 64 ? rl.rlim_max : 4 * NPOLL + 64;
		REQUIRE_SYS(setrlimit(RLIMIT_NOFILE, &rl));
	}
	if (rl.rlim_cur < 4 * NPOLL + 64)
		SKIP_CASE(SKIP_ENVIRONMENT, "RLIMIT_NOFILE hard limit below 12064");
	memset(&prm, 0, sizeof(prm));
	prm.flags = IORING_SETUP_CQSIZE;
	prm.cq_entries = 4 * NPOLL;
	test_ring_init_params(NPOLL, &many, &prm);
	for (opened = 0; opened < NPOLL; opened++) {
		if (pipe(fds[opened]) < 0)
			break;
		fcntl(fds[opened][0], F_SETFL, O_NONBLOCK);
	}
	REQUIRE_EQ(opened, NPOLL);
	for (int i = 0; i < NPOLL; i++) {
		struct io_uring_sqe *sqe = test_get_sqe(&many);

		io_uring_prep_poll_multishot(sqe, fds[i][0], POLLIN);
		io_uring_sqe_set_data64(sqe, (__u64)i);
	}
	REQUIRE_EQ(io_uring_submit(&many), NPOLL);
	CHECK_TRUE(test_cq_empty_for(&many, 20));
	for (int r = 0; r < ROUNDS; r++) {
		/* timed from the second round: every poll has posted a CQE */
		if (r == 1)
			t0 = cpu_us();
		for (int i = 0; i < NPOLL; i++) {
			REQUIRE_EQ(write(fds[i][1], &ch, 1), 1);
			REQUIRE_EQ(test_wait_cqe_ms(&many, &cqe, 5000), 0);
			CHECK_EQ_U(cqe->user_data, (__u64)i);
			CHECK_EQ(cqe->res, POLLIN);
			CHECK_EQ_U(cqe->flags, IORING_CQE_F_MORE);
			io_uring_cqe_seen(&many, cqe);
			REQUIRE_EQ(read(fds[i][0], &ch, 1), 1);
		}
	}
	cpu = cpu_us() - t0;
	printf("# %d edges with %d multishot polls armed: %lld us of CPU\n", (ROUNDS - 1) * NPOLL,
	       NPOLL, cpu);
	CHECK_LT(cpu, 1500000 * CPU_SLACK);
	/* every one removed by its user_data: all end */
	for (int i = 0; i < NPOLL; i++) {
		struct io_uring_sqe *sqe = test_get_sqe(&many);

		io_uring_prep_poll_remove(sqe, (__u64)((i * 7) % NPOLL));
		io_uring_sqe_set_data64(sqe, 0x10000 + (__u64)i);
	}
	REQUIRE_EQ(io_uring_submit(&many), NPOLL);
	for (int got = 0, removed = 0, ended = 0; got < 2 * NPOLL; got++) {
		if (!CHECK_EQ(test_wait_cqe_ms(&many, &cqe, 5000), 0))
			break;
		if (cqe->user_data >= 0x10000) {
			CHECK_EQ(cqe->res, 0);
			removed++;
		} else {
			CHECK_EQ(cqe->res, -ECANCELED);
			CHECK_EQ_U(cqe->flags, 0);
			ended++;
		}
		io_uring_cqe_seen(&many, cqe);
		if (got == 2 * NPOLL - 1) {
			CHECK_EQ(removed, NPOLL);
			CHECK_EQ(ended, NPOLL);
		}
	}
	io_uring_queue_exit(&many);
	for (int i = 0; i < NPOLL; i++) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
}

/*
 * Thousands of one-shot polls armed on a ring with a 1024-entry CQ, then
 * completed one pipe at a time: an edge costs about the same however many
 * wait, as on the kernel.  The engine's AIO context for polls held about
 * 2000 at once (sized from the CQ, at most 1024 events asked): the rest
 * waited in the reactor, which poll(2)ed them all at each wake-up (liburing's
 * poll-many, 5000 pipes: 17-21 s against the kernel's 1.6-2.4 s).
 */
TEST(poll_oneshot_many_armed)
{
	enum { NPOLL = 4000 };
	static int fds[NPOLL][2];
	struct io_uring_cqe *cqe;
	struct io_uring many;
	struct rlimit rl;
	long long t0, cpu;
	int opened;
	char ch = 'o';

	REQUIRE_SYS(getrlimit(RLIMIT_NOFILE, &rl));
	if (rl.rlim_cur < 3 * NPOLL + 64) {
		rl.rlim_cur = rl.rlim_max < 3 * NPOLL + 64 ? rl.rlim_max : 3 * NPOLL + 64;
		REQUIRE_SYS(setrlimit(RLIMIT_NOFILE, &rl));
	}
	if (rl.rlim_cur < 3 * NPOLL + 64)
		SKIP_CASE(SKIP_ENVIRONMENT, "RLIMIT_NOFILE hard limit below 12064");
	test_ring_init(512, &many, 0);
	for (opened = 0; opened < NPOLL; opened++) {
		if (pipe(fds[opened]) < 0)
			break;
		fcntl(fds[opened][0], F_SETFL, O_NONBLOCK);
	}
	REQUIRE_EQ(opened, NPOLL);
	for (int i = 0; i < NPOLL; i++) {
		struct io_uring_sqe *sqe = test_get_sqe(&many);

		io_uring_prep_poll_add(sqe, fds[i][0], POLLIN);
		io_uring_sqe_set_data64(sqe, (__u64)i);
		if (i % 512 == 511 || i == NPOLL - 1)
			REQUIRE_GE(io_uring_submit(&many), 1);
	}
	CHECK_TRUE(test_cq_empty_for(&many, 20));
	t0 = cpu_us();
	for (int i = NPOLL - 1; i >= 0; i--) {
		REQUIRE_EQ(write(fds[i][1], &ch, 1), 1);
		REQUIRE_EQ(test_wait_cqe_ms(&many, &cqe, 5000), 0);
		CHECK_EQ_U(cqe->user_data, (__u64)i);
		CHECK_EQ(cqe->res, POLLIN);
		CHECK_EQ_U(cqe->flags, 0);
		io_uring_cqe_seen(&many, cqe);
		REQUIRE_EQ(read(fds[i][0], &ch, 1), 1);
	}
	cpu = cpu_us() - t0;
	printf("# %d one-shot polls armed, completed one at a time: %lld us of CPU\n", NPOLL,
	       cpu);
	CHECK_LT(cpu, 300000 * CPU_SLACK);
	io_uring_queue_exit(&many);
	for (int i = 0; i < NPOLL; i++) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
}

/*
 * A signalfd is ready when a signal it watches is pending for the thread
 * that looks, or for the process: a POLL_ADD on one completes when the
 * process is sent the signal (liburing's sigfd-deadlock).  A poll that is
 * looked at again from a kernel worker (a native AIO poll) never sees it.
 */
TEST(poll_signalfd)
{
	struct test_cqe c;
	sigset_t mask, old;
	int sfd;

	test_ring_init(8, &ring, 0);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	REQUIRE_SYS(pthread_sigmask(SIG_BLOCK, &mask, &old));
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	REQUIRE_GE(sfd, 0);
	poll_add(sfd, POLLIN, 0x51);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	REQUIRE_SYS(kill(getpid(), SIGUSR1));
	if (CHECK_EQ(test_reap(&ring, &c, 1, 3000), 1)) {
		CHECK_EQ_U(c.user_data, 0x51);
		CHECK_EQ(c.res, POLLIN);
	}
	{
		struct signalfd_siginfo si;

		CHECK_EQ(read(sfd, &si, sizeof(si)), (ssize_t)sizeof(si));
	}
	close(sfd);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	io_uring_queue_exit(&ring);
}

/*
 * One-shot polls completed by writes, and polls removed while armed, in a
 * loop, with the program entering at once to take the completions.  On the
 * engine these wait as AIO polls: their completions are taken by the enter
 * or by the engine's waiter thread, and whichever takes them must not touch
 * a request or token the other has already finished (AddressSanitizer
 * caught the waiter reading a freed token).  Bounded to about a second.
 */
#define RACE_PIPES 8
TEST(poll_completion_reap_race)
{
	int fds[RACE_PIPES][2];
	struct timespec t0, now;
	unsigned rounds = 0;
	bool ok = true;

	test_ring_init(64, &ring, 0);
	for (int i = 0; i < RACE_PIPES; i++)
		REQUIRE_SYS(pipe(fds[i]));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		unsigned want = RACE_PIPES + 2, got = 0;
		struct io_uring_sqe *sqe;
		char b;

		for (int i = 0; i < RACE_PIPES; i++)
			poll_add(fds[i][0], POLLIN, (__u64)i + 1);
		/* one more armed and removed: its cancel completes it */
		poll_add(fds[0][1], POLLIN, 100);
		REQUIRE_EQ(io_uring_submit(&ring), RACE_PIPES + 1);
		sqe = test_get_sqe(&ring);
		io_uring_prep_poll_remove(sqe, 100);
		io_uring_sqe_set_data64(sqe, 0);
		for (int i = 0; i < RACE_PIPES; i++)
			REQUIRE_EQ(write(fds[i][1], "x", 1), 1);
		REQUIRE_EQ(io_uring_submit(&ring), 1);
		while (got < want) {
			struct io_uring_cqe *cqe;
			int ret = io_uring_wait_cqe(&ring, &cqe);

			REQUIRE_EQ(ret, 0);
			if (cqe->user_data == 100)
				ok &= cqe->res == -ECANCELED;
			else if (cqe->user_data == 0)
				ok &= cqe->res == 0;
			else
				ok &= cqe->res == POLLIN;
			io_uring_cqe_seen(&ring, cqe);
			got++;
		}
		for (int i = 0; i < RACE_PIPES; i++)
			REQUIRE_EQ(read(fds[i][0], &b, 1), 1);
		rounds++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (ok && (now.tv_sec - t0.tv_sec) * 1000000000L + (now.tv_nsec - t0.tv_nsec) <
			       1000000000L);
	CHECK_TRUE(ok);
	CHECK_GT(rounds, 0);
	for (int i = 0; i < RACE_PIPES; i++) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(poll_ready_masks),
		TEST_ENTRY(poll_pending_until_ready),
		TEST_ENTRY(poll_field_checks),
		TEST_ENTRY(poll_remove),
		TEST_ENTRY(poll_multishot),
		TEST_ENTRY(poll_update),
		TEST_ENTRY(poll_signalfd),
		TEST_ENTRY(poll_remove_among_many),
		TEST_ENTRY(poll_transient_readiness),
		TEST_ENTRY(poll_multishot_transient_readiness),
		TEST_ENTRY(poll_multishot_wakeup_while_posting),
		TEST_ENTRY(poll_events_never_reported),
		TEST_ENTRY(poll_multishot_on_registered_eventfd),
		TEST_ENTRY(poll_completion_reap_race),
		TEST_ENTRY(poll_multishot_many_armed),
		TEST_ENTRY(poll_oneshot_many_armed),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
