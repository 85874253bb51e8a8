/* SPDX-License-Identifier: MIT */
/*
 * IORING_OP_LINK_TIMEOUT: its prep errors, the request it guards completing
 * first (-ECANCELED for the timeout) or the timeout firing first (-ETIME,
 * the request cancelled wherever it waits: the reactor, a poll, a worker's
 * queue, a TIMEOUT), CQE order, the chain around it (LINK, HARDLINK,
 * CQE_SKIP_SUCCESS), LINK_TIMEOUT_UPDATE, races of the timeout with the
 * request, and teardown with one armed.  The expected values are Linux
 * 6.18's.
 */
#include "harness.h"

#include <poll.h>

static struct io_uring ring;
static int p[2]; /* a pipe: reads of its empty read end wait */
static char buf[64];

static struct __kernel_timespec ms_ts(long ms)
{
	struct __kernel_timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	return ts;
}

static struct io_uring_sqe *with(struct io_uring_sqe *sqe, __u64 ud, unsigned flags)
{
	io_uring_sqe_set_data64(sqe, ud);
	io_uring_sqe_set_flags(sqe, flags);
	return sqe;
}

static struct io_uring_sqe *nop(__u64 ud, unsigned flags)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_nop(sqe);
	return with(sqe, ud, flags);
}

static struct io_uring_sqe *pipe_read(__u64 ud, unsigned flags)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_read(sqe, p[0], buf, 4, 0);
	return with(sqe, ud, flags);
}

static struct io_uring_sqe *ltimeout(__u64 ud, struct __kernel_timespec *ts, unsigned tflags,
				     unsigned flags)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_link_timeout(sqe, ts, tflags);
	return with(sqe, ud, flags);
}

#define CHECK_CQE(c, ud, r)                      \
	do {                                     \
		CHECK_EQ_U((c).user_data, (ud)); \
		CHECK_EQ((c).res, (r));          \
	} while (0)

/* NOP (1) guarded by a LINK_TIMEOUT (2) of ts, tflags, a NOP (3) after it:
 * the NOP's 0, the timeout's lt_res, then the second NOP's 0 */
static void nop_guarded(struct __kernel_timespec *ts, unsigned tflags, int lt_res)
{
	struct test_cqe c[3];

	nop(1, IOSQE_IO_LINK);
	ltimeout(2, ts, tflags, IOSQE_IO_LINK);
	nop(3, 0);
	test_submit_reap(&ring, c, 3);
	CHECK_CQE(c[0], 1, 0);
	CHECK_CQE(c[1], 2, lt_res);
	CHECK_CQE(c[2], 3, 0);
}

static void setup(void)
{
	REQUIRE_SYS(pipe(p));
	test_ring_init(16, &ring, 0);
}

static void teardown(void)
{
	io_uring_queue_exit(&ring);
	close(p[0]);
	close(p[1]);
}

TEST(prep_errors)
{
	struct __kernel_timespec ts = ms_ts(10), neg = { .tv_sec = -1 };
	struct test_cqe c[3];
	struct io_uring_sqe *sqe;

	setup();
	/* alone: no chain to guard */
	ltimeout(2, &ts, 0, 0);
	test_submit_reap(&ring, c, 1);
	CHECK_CQE(c[0], 2, -EINVAL);
	/* after another LINK_TIMEOUT */
	nop(1, IOSQE_IO_LINK);
	ltimeout(2, &ts, 0, IOSQE_IO_LINK);
	ltimeout(3, &ts, 0, 0);
	test_submit_reap(&ring, c, 3);
	CHECK_CQE(c[0], 1, -ECANCELED);
	CHECK_CQE(c[1], 2, -ECANCELED);
	CHECK_CQE(c[2], 3, -EINVAL);
	/* a count, a length other than 1, bad flags, a bad timespec: the
	 * chain fails at submission, nothing runs */
	for (int i = 0; i < 7; i++) {
		pipe_read(1, IOSQE_IO_LINK);
		sqe = ltimeout(2, &ts, 0, 0);
		switch (i) {
		case 0:
			sqe->off = 1;
			break;
		case 1:
			sqe->len = 2;
			break;
		case 2:
			sqe->timeout_flags = IORING_TIMEOUT_UPDATE;
			break;
		case 3:
			sqe->timeout_flags = IORING_TIMEOUT_BOOTTIME | IORING_TIMEOUT_REALTIME;
			break;
		case 4:
			sqe->timeout_flags = IORING_TIMEOUT_MULTISHOT | IORING_TIMEOUT_ABS;
			break;
		case 5:
			sqe->addr = (uintptr_t)&neg;
			break;
		case 6:
			sqe->addr = 0;
			break;
		}
		test_submit_reap(&ring, c, 2);
		CHECK_CQE(c[0], 1, -ECANCELED);
		CHECK_CQE(c[1], 2, i == 6 ? -EFAULT : -EINVAL);
	}
	/* the guarded request fails at submission: the timeout, never armed,
	 * leaves the chain and ends -ECANCELED (posted even where the failed
	 * request's CQE_SKIP_SUCCESS hides the rest of the chain) */
	for (int skip = 0; skip < 2; skip++) {
		struct test_cqe d[3];

		nop(1, IOSQE_IO_LINK | (skip ? IOSQE_CQE_SKIP_SUCCESS : 0))->ioprio = 1;
		ltimeout(2, &ts, 0, IOSQE_IO_LINK);
		nop(3, 0);
		REQUIRE_EQ(io_uring_submit(&ring), 3);
		REQUIRE_EQ(test_reap(&ring, d, skip ? 2 : 3, 2000), skip ? 2u : 3u);
		CHECK_CQE(d[0], 1, -EINVAL);
		CHECK_CQE(d[1], 2, -ECANCELED);
		if (!skip)
			CHECK_CQE(d[2], 3, -ECANCELED);
		CHECK_TRUE(test_cq_empty_for(&ring, 20));
	}
	/* a chain never spans two submissions */
	pipe_read(1, IOSQE_IO_LINK);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	ltimeout(2, &ts, 0, 0);
	test_submit_reap(&ring, c, 1);
	CHECK_CQE(c[0], 2, -EINVAL);
	REQUIRE_EQ(write(p[1], "abcd", 4), 4);
	REQUIRE_EQ(test_reap(&ring, c, 1, 2000), 1u);
	CHECK_CQE(c[0], 1, 4);
	teardown();
}

TEST(probe_lists_it)
{
	struct io_uring_probe *pr;

	test_ring_init(4, &ring, 0);
	pr = io_uring_get_probe_ring(&ring);
	REQUIRE_TRUE(pr != NULL);
	CHECK_TRUE(io_uring_opcode_supported(pr, IORING_OP_LINK_TIMEOUT));
	io_uring_free_probe(pr);
	io_uring_queue_exit(&ring);
}

/* The request completes first: the timeout ends -ECANCELED, after it and
 * before the rest of the chain. */
TEST(request_wins)
{
	struct __kernel_timespec ts = ms_ts(1000), ts500 = ms_ts(500);
	struct test_cqe c[3];

	setup();
	nop(1, IOSQE_IO_LINK);
	ltimeout(2, &ts, 0, 0);
	test_submit_reap(&ring, c, 2);
	CHECK_CQE(c[0], 1, 0);
	CHECK_CQE(c[1], 2, -ECANCELED);

	nop_guarded(&ts, 0, -ECANCELED);

	/* a read that waits, then gets its data */
	pipe_read(1, IOSQE_IO_LINK);
	ltimeout(2, &ts500, 0, IOSQE_IO_LINK);
	nop(3, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 3);
	test_sleep_ms(20);
	CHECK_TRUE(test_cq_empty_for(&ring, 0));
	REQUIRE_EQ(write(p[1], "wxyz", 4), 4);
	REQUIRE_EQ(test_reap(&ring, c, 3, 2000), 3u);
	CHECK_CQE(c[0], 1, 4);
	CHECK_CQE(c[1], 2, -ECANCELED);
	CHECK_CQE(c[2], 3, 0);
	CHECK_TRUE(test_cq_empty_for(&ring, 600));

	/* a read of a regular file (the engine's native AIO) */
	{
		static const char data[4096] = "file";
		struct io_uring_sqe *sqe = test_get_sqe(&ring);
		int fd = test_tmpfile_with(data, sizeof(data), NULL);

		REQUIRE_GE(fd, 0);
		io_uring_prep_read(sqe, fd, buf, sizeof(buf), 0);
		with(sqe, 1, IOSQE_IO_LINK);
		ltimeout(2, &ts, 0, 0);
		test_submit_reap(&ring, c, 2);
		CHECK_CQE(c[0], 1, (int)sizeof(buf));
		CHECK_CQE(c[1], 2, -ECANCELED);
		close(fd);
	}

	/* the guarded request is not the chain's head */
	nop(1, IOSQE_IO_LINK);
	nop(2, IOSQE_IO_LINK);
	ltimeout(3, &ts, 0, 0);
	test_submit_reap(&ring, c, 3);
	CHECK_CQE(c[0], 1, 0);
	CHECK_CQE(c[1], 2, 0);
	CHECK_CQE(c[2], 3, -ECANCELED);
	teardown();
}

/* The timeout fires first: -ETIME before the request's -ECANCELED, and the
 * rest of the chain is cancelled; wherever the request waits. */
TEST(timeout_wins)
{
	struct __kernel_timespec ts = ms_ts(10), long_ts = ms_ts(5000);
	struct test_cqe c[4];
	struct io_uring_sqe *sqe;

	setup();
	/* a read waiting for data in the reactor */
	pipe_read(1, IOSQE_IO_LINK);
	ltimeout(2, &ts, 0, IOSQE_IO_LINK);
	nop(3, 0);
	test_submit_reap(&ring, c, 3);
	CHECK_CQE(c[0], 2, -ETIME);
	CHECK_CQE(c[1], 1, -ECANCELED);
	CHECK_CQE(c[2], 3, -ECANCELED);
	/* ... forced to a worker */
	pipe_read(1, IOSQE_IO_LINK | IOSQE_ASYNC);
	ltimeout(2, &ts, 0, 0);
	test_submit_reap(&ring, c, 2);
	CHECK_CQE(c[0], 2, -ETIME);
	CHECK_CQE(c[1], 1, -ECANCELED);
	/* a poll */
	sqe = test_get_sqe(&ring);
	io_uring_prep_poll_add(sqe, p[0], POLLIN);
	with(sqe, 1, IOSQE_IO_LINK);
	ltimeout(2, &ts, 0, 0);
	test_submit_reap(&ring, c, 2);
	CHECK_CQE(c[0], 2, -ETIME);
	CHECK_CQE(c[1], 1, -ECANCELED);
	/* a TIMEOUT */
	sqe = test_get_sqe(&ring);
	io_uring_prep_timeout(sqe, &long_ts, 0, 0);
	with(sqe, 1, IOSQE_IO_LINK);
	ltimeout(2, &ts, 0, 0);
	test_submit_reap(&ring, c, 2);
	CHECK_CQE(c[0], 2, -ETIME);
	CHECK_CQE(c[1], 1, -ECANCELED);
	/* the guarded request is issued after its predecessor */
	nop(1, IOSQE_IO_LINK);
	pipe_read(2, IOSQE_IO_LINK);
	ltimeout(3, &ts, 0, 0);
	test_submit_reap(&ring, c, 3);
	CHECK_CQE(c[0], 1, 0);
	CHECK_CQE(c[1], 3, -ETIME);
	CHECK_CQE(c[2], 2, -ECANCELED);
	/* two guarded reads in one chain: the second is cancelled with it */
	pipe_read(1, IOSQE_IO_LINK);
	ltimeout(2, &ts, 0, IOSQE_IO_LINK);
	pipe_read(3, IOSQE_IO_LINK);
	ltimeout(4, &ts, 0, 0);
	test_submit_reap(&ring, c, 4);
	CHECK_CQE(c[0], 2, -ETIME);
	CHECK_CQE(c[1], 1, -ECANCELED);
	CHECK_CQE(c[2], 3, -ECANCELED);
	CHECK_CQE(c[3], 4, -ECANCELED);
	/* MULTISHOT and ETIME_SUCCESS change nothing for it */
	pipe_read(1, IOSQE_IO_LINK);
	ltimeout(2, &ts, IORING_TIMEOUT_MULTISHOT, 0);
	test_submit_reap(&ring, c, 2);
	CHECK_CQE(c[0], 2, -ETIME);
	CHECK_CQE(c[1], 1, -ECANCELED);
	pipe_read(1, IOSQE_IO_LINK);
	ltimeout(2, &ts, IORING_TIMEOUT_ETIME_SUCCESS, 0);
	test_submit_reap(&ring, c, 2);
	CHECK_CQE(c[0], 2, -ETIME);
	CHECK_CQE(c[1], 1, -ECANCELED);
	/* nothing was read: the cancelled reads left the data */
	REQUIRE_EQ(write(p[1], "z", 1), 1);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 1);
	teardown();
}

/*
 * The request fails as it completes (a short read of /dev/null: 0 of 8
 * bytes): the timeout ends -ECANCELED apart from the broken chain, posted
 * even when the request's CQE_SKIP_SUCCESS hides the rest's -ECANCELED.
 */
TEST(request_fails)
{
	struct __kernel_timespec ts = ms_ts(1000);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	REQUIRE_GE(null, 0);
	setup();
	for (int skip = 0; skip < 2; skip++) {
		struct io_uring_sqe *sqe = test_get_sqe(&ring);
		struct test_cqe c[3];
		unsigned n = skip ? 2 : 3;

		io_uring_prep_read(sqe, null, buf, 8, 0);
		with(sqe, 1, IOSQE_IO_LINK | (skip ? IOSQE_CQE_SKIP_SUCCESS : 0));
		ltimeout(2, &ts, 0, IOSQE_IO_LINK);
		nop(3, 0);
		REQUIRE_EQ(io_uring_submit(&ring), 3);
		REQUIRE_EQ(test_reap(&ring, c, n, 2000), n);
		CHECK_CQE(c[0], 1, 0);
		CHECK_TRUE(test_find_cqe(c, n, 2) && test_find_cqe(c, n, 2)->res == -ECANCELED);
		if (!skip)
			CHECK_TRUE(test_find_cqe(c, n, 3) &&
				   test_find_cqe(c, n, 3)->res == -ECANCELED);
		CHECK_TRUE(test_cq_empty_for(&ring, 20));
	}
	teardown();
	close(null);
}

/*
 * A timeout that has already expired when its request is issued: the
 * kernel starts its timer before it issues the request, so the timer wins
 * even over a request that completes at once.  It leaves the chain and its
 * cancel finds nothing: -ENOENT, after the request's CQE and before the
 * rest of the chain, which runs (or is cancelled by the request's failure)
 * as it would without the timeout.
 */
TEST(expired_at_issue)
{
	struct __kernel_timespec zero = { 0 }, past;
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct test_cqe c[3];
	struct timespec now;

	REQUIRE_GE(null, 0);
	REQUIRE_SYS(clock_gettime(CLOCK_MONOTONIC, &now));
	past = (struct __kernel_timespec){ .tv_sec = now.tv_sec - 1 };
	setup();
	nop_guarded(&zero, 0, -ENOENT);
	/* absolute, in the past; on another clock */
	nop_guarded(&past, IORING_TIMEOUT_ABS, -ENOENT);
	nop(1, IOSQE_IO_LINK);
	ltimeout(2, &zero, IORING_TIMEOUT_BOOTTIME, 0);
	test_submit_reap(&ring, c, 2);
	CHECK_CQE(c[0], 1, 0);
	CHECK_CQE(c[1], 2, -ENOENT);

	/* a request that fails at once: the chain after it is cancelled */
	{
		struct io_uring_sqe *sqe = test_get_sqe(&ring);

		io_uring_prep_write(sqe, null, buf, 8, 0);
		with(sqe, 1, IOSQE_IO_LINK);
		ltimeout(2, &zero, 0, IOSQE_IO_LINK);
		nop(3, 0);
		test_submit_reap(&ring, c, 3);
		CHECK_CQE(c[0], 1, -EBADF);
		CHECK_CQE(c[1], 2, -ENOENT);
		CHECK_CQE(c[2], 3, -ECANCELED);
	}

	/* CQE_SKIP_SUCCESS on the timeout hides its -ENOENT too */
	nop(1, IOSQE_IO_LINK);
	ltimeout(2, &zero, 0, IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS);
	nop(3, 0);
	test_submit_reap(&ring, c, 2);
	CHECK_CQE(c[0], 1, 0);
	CHECK_CQE(c[1], 3, 0);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));

	/* a request that waits: the timer fires at once and cancels it */
	pipe_read(1, IOSQE_IO_LINK);
	ltimeout(2, &zero, 0, IOSQE_IO_LINK);
	nop(3, 0);
	test_submit_reap(&ring, c, 3);
	CHECK_CQE(c[0], 2, -ETIME);
	CHECK_CQE(c[1], 1, -ECANCELED);
	CHECK_CQE(c[2], 3, -ECANCELED);
	teardown();
	close(null);
}

/* A HARDLINK chain goes on after the cancelled request. */
TEST(hardlink)
{
	struct __kernel_timespec ts = ms_ts(10);
	struct test_cqe c[3];

	setup();
	pipe_read(1, IOSQE_IO_HARDLINK);
	ltimeout(2, &ts, 0, IOSQE_IO_LINK);
	nop(3, 0);
	test_submit_reap(&ring, c, 3);
	CHECK_CQE(c[0], 2, -ETIME);
	CHECK_CQE(c[1], 1, -ECANCELED);
	CHECK_CQE(c[2], 3, 0);
	teardown();
}

/* CQE_SKIP_SUCCESS on the timeout hides its CQE either way; on the request
 * it hides the request's success only. */
TEST(cqe_skip)
{
	struct __kernel_timespec ts = ms_ts(10), long_ts = ms_ts(1000);
	struct test_cqe c[2];

	setup();
	nop(1, IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS);
	ltimeout(2, &long_ts, 0, 0);
	test_submit_reap(&ring, c, 1);
	CHECK_CQE(c[0], 2, -ECANCELED);
	CHECK_TRUE(test_cq_empty_for(&ring, 30));

	nop(1, IOSQE_IO_LINK);
	ltimeout(2, &long_ts, 0, IOSQE_CQE_SKIP_SUCCESS);
	test_submit_reap(&ring, c, 1);
	CHECK_CQE(c[0], 1, 0);
	CHECK_TRUE(test_cq_empty_for(&ring, 30));

	pipe_read(1, IOSQE_IO_LINK);
	ltimeout(2, &ts, 0, IOSQE_CQE_SKIP_SUCCESS);
	test_submit_reap(&ring, c, 1);
	CHECK_CQE(c[0], 1, -ECANCELED);
	CHECK_TRUE(test_cq_empty_for(&ring, 30));
	teardown();
}

/* LINK_TIMEOUT_UPDATE re-arms an armed one; removal and cancellation by
 * its user_data do not find it. */
TEST(update_and_remove)
{
	struct __kernel_timespec long_ts = ms_ts(5000), short_ts = ms_ts(10);
	struct test_cqe c[4];
	struct io_uring_sqe *sqe;
	uint64_t t0;

	setup();
	pipe_read(1, IOSQE_IO_LINK);
	ltimeout(2, &long_ts, 0, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 2);
	t0 = test_now_ns();
	sqe = test_get_sqe(&ring);
	io_uring_prep_timeout_update(sqe, &short_ts, 2, IORING_LINK_TIMEOUT_UPDATE);
	with(sqe, 3, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	REQUIRE_EQ(test_reap(&ring, c, 3, 2000), 3u);
	CHECK_CQE(c[0], 3, 0);
	CHECK_CQE(c[1], 2, -ETIME);
	CHECK_CQE(c[2], 1, -ECANCELED);
	CHECK_LT((test_now_ns() - t0) / 1000000, 2000);

	/* not found by TIMEOUT_REMOVE, ASYNC_CANCEL, or an update once gone */
	pipe_read(1, IOSQE_IO_LINK);
	ltimeout(2, &short_ts, 0, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 2);
	sqe = test_get_sqe(&ring);
	io_uring_prep_timeout_remove(sqe, 2, 0);
	with(sqe, 3, 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_cancel64(sqe, 2, 0);
	with(sqe, 4, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 2);
	REQUIRE_EQ(test_reap(&ring, c, 4, 2000), 4u);
	CHECK_CQE(c[0], 3, -ENOENT);
	CHECK_CQE(c[1], 4, -ENOENT);
	CHECK_CQE(c[2], 2, -ETIME);
	CHECK_CQE(c[3], 1, -ECANCELED);
	sqe = test_get_sqe(&ring);
	io_uring_prep_timeout_update(sqe, &short_ts, 2, IORING_LINK_TIMEOUT_UPDATE);
	with(sqe, 5, 0);
	test_submit_reap(&ring, c, 1);
	CHECK_CQE(c[0], 5, -ENOENT);
	teardown();
}

/* The data and the timeout race: exactly one wins, consistently. */
TEST(races_with_data)
{
	unsigned read_won = 0, timeout_won = 0;

	setup();
	for (int round = 0; round < 200; round++) {
		struct __kernel_timespec ts = { .tv_nsec = (round % 10) * 20000 };
		const struct test_cqe *r, *t;
		struct test_cqe c[2];

		pipe_read(1, IOSQE_IO_LINK);
		ltimeout(2, &ts, 0, 0);
		REQUIRE_EQ(io_uring_submit(&ring), 2);
		REQUIRE_EQ(write(p[1], "d", 1), 1);
		REQUIRE_EQ(test_reap(&ring, c, 2, 2000), 2u);
		r = test_find_cqe(c, 2, 1);
		t = test_find_cqe(c, 2, 2);
		REQUIRE_TRUE(r && t);
		if (r->res == 1) {
			/* the read won, or the cancel came too late */
			CHECK_TRUE(t->res == -ECANCELED || t->res == -ETIME ||
				   t->res == -EALREADY || t->res == -ENOENT);
			read_won++;
		} else {
			CHECK_EQ(r->res, -ECANCELED);
			CHECK_EQ(t->res, -ETIME);
			/* the byte is still there */
			REQUIRE_EQ(read(p[0], buf, 1), 1);
			timeout_won++;
		}
	}
	printf("# read won %u, timeout won %u\n", read_won, timeout_won);
	teardown();
}

/* On an SQPOLL ring (its thread submits): the same results.  A kernel SQPOLL
 * waiter can wake before the SQ thread posts: reap until a deadline. */
TEST(sqpoll_ring)
{
	struct __kernel_timespec ts = ms_ts(10), long_ts = ms_ts(1000);
	struct test_cqe c[3];
	unsigned got = 0;
	uint64_t end;

	REQUIRE_SYS(pipe(p));
	test_ring_init(16, &ring, IORING_SETUP_SQPOLL);
	pipe_read(1, IOSQE_IO_LINK);
	ltimeout(2, &ts, 0, IOSQE_IO_LINK);
	nop(3, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 3);
	end = test_now_ns() + 5000000000ULL;
	while (got < 3 && test_now_ns() < end)
		got += test_reap(&ring, c + got, 3 - got, 100);
	REQUIRE_EQ(got, 3u);
	CHECK_CQE(c[0], 2, -ETIME);
	CHECK_CQE(c[1], 1, -ECANCELED);
	CHECK_CQE(c[2], 3, -ECANCELED);
	nop(4, IOSQE_IO_LINK);
	ltimeout(5, &long_ts, 0, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 2);
	for (got = 0; got < 2 && test_now_ns() < end + 5000000000ULL;)
		got += test_reap(&ring, c + got, 2 - got, 100);
	REQUIRE_EQ(got, 2u);
	CHECK_CQE(c[0], 4, 0);
	CHECK_CQE(c[1], 5, -ECANCELED);
	teardown();
}

/* The ring goes with link timeouts armed: no hang, no leak. */
TEST(teardown_armed)
{
	struct __kernel_timespec ts = ms_ts(60000);
	int fds = test_count_fds();

	for (int round = 0; round < 3; round++) {
		uint64_t t0;

		setup();
		for (int i = 0; i < 4; i++) {
			pipe_read(10 * i + 1, IOSQE_IO_LINK);
			ltimeout(10 * i + 2, &ts, 0, IOSQE_IO_LINK);
			nop(10 * i + 3, 0);
		}
		REQUIRE_EQ(io_uring_submit(&ring), 12);
		test_sleep_ms(round * 5);
		t0 = test_now_ns();
		teardown();
		CHECK_LT((test_now_ns() - t0) / 1000000, 1000);
	}
	CHECK_EQ(test_count_fds(), fds);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(prep_errors),
		TEST_ENTRY(probe_lists_it),
		TEST_ENTRY(request_wins),
		TEST_ENTRY(timeout_wins),
		TEST_ENTRY(request_fails),
		TEST_ENTRY(expired_at_issue),
		TEST_ENTRY(hardlink),
		TEST_ENTRY(cqe_skip),
		TEST_ENTRY(update_and_remove),
		TEST_ENTRY(races_with_data),
		TEST_ENTRY(sqpoll_ring),
		TEST_ENTRY(teardown_armed),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
