/* SPDX-License-Identifier: MIT */
/*
 * IORING_OP_TIMEOUT and IORING_OP_TIMEOUT_REMOVE: expiry on each clock,
 * relative and absolute, the completion count (which CQEs count), ETIME_SUCCESS,
 * MULTISHOT, removal and update, the prep errors, waiters woken by a
 * timeout, races of removal and counts with expiry, and teardown with
 * timeouts armed.  The expected values are Linux 6.18's.
 */
#include "harness.h"

#include <pthread.h>
#include <sys/mman.h>

static struct io_uring ring;

static struct __kernel_timespec ms_ts(long ms)
{
	struct __kernel_timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	return ts;
}

static struct io_uring_sqe *timeout(__u64 ud, struct __kernel_timespec *ts, unsigned count,
				    unsigned flags)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_timeout(sqe, ts, count, flags);
	io_uring_sqe_set_data64(sqe, ud);
	return sqe;
}

static struct io_uring_sqe *tremove(__u64 ud, __u64 target, unsigned flags)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_timeout_remove(sqe, target, flags);
	io_uring_sqe_set_data64(sqe, ud);
	return sqe;
}

static struct io_uring_sqe *tupdate(__u64 ud, __u64 target, struct __kernel_timespec *ts,
				    unsigned flags)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_timeout_update(sqe, ts, target, flags);
	io_uring_sqe_set_data64(sqe, ud);
	return sqe;
}

static struct io_uring_sqe *nop(__u64 ud, unsigned flags)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, ud);
	io_uring_sqe_set_flags(sqe, flags);
	return sqe;
}

#define CHECK_CQE(c, ud, r)                      \
	do {                                     \
		CHECK_EQ_U((c).user_data, (ud)); \
		CHECK_EQ((c).res, (r));          \
	} while (0)

/* what a CQE must say */
struct want {
	__u64 user_data;
	int res;
};

/* CHECK_CQES(c, { ud, res }, ...): c[0], c[1]... are these, in this order */
static void check_cqes(const struct test_cqe *c, const struct want *w, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		CHECK_MSG(c[i].user_data == w[i].user_data && c[i].res == w[i].res,
			  "CQE %u: user_data %llu res %d, expected %llu res %d", i,
			  (unsigned long long)c[i].user_data, c[i].res,
			  (unsigned long long)w[i].user_data, w[i].res);
}
#define CHECK_CQES(c, ...)                                  \
	check_cqes(c, (const struct want[]){ __VA_ARGS__ }, \
		   sizeof((const struct want[]){ __VA_ARGS__ }) / sizeof(struct want))

static uint64_t ms_since(uint64_t t0)
{
	return (test_now_ns() - t0) / 1000000;
}

/* One SQE prepared by the caller: its CQE's res. */
static int one_res(void)
{
	struct test_cqe c;

	test_submit_reap(&ring, &c, 1);
	return c.res;
}

TEST(prep_errors)
{
	struct __kernel_timespec ts = ms_ts(1), neg = { .tv_sec = -1 };
	struct __kernel_timespec negns = { .tv_nsec = -1 };
	struct io_uring_sqe *sqe;

	test_ring_init(8, &ring, 0);
	timeout(1, &ts, 0, 0)->len = 2;
	CHECK_EQ(one_res(), -EINVAL);
	timeout(1, &ts, 0, 0)->len = 0;
	CHECK_EQ(one_res(), -EINVAL);
	timeout(1, &ts, 0, 0)->buf_index = 1;
	CHECK_EQ(one_res(), -EINVAL);
	timeout(1, &ts, 0, 0)->splice_fd_in = 1;
	CHECK_EQ(one_res(), -EINVAL);
	timeout(1, &ts, 0, 0)->ioprio = 1;
	CHECK_EQ(one_res(), -EINVAL);
	timeout(1, &ts, 0, IORING_TIMEOUT_UPDATE);
	CHECK_EQ(one_res(), -EINVAL);
	timeout(1, &ts, 0, 1U << 20);
	CHECK_EQ(one_res(), -EINVAL);
	timeout(1, &ts, 0, IORING_TIMEOUT_BOOTTIME | IORING_TIMEOUT_REALTIME);
	CHECK_EQ(one_res(), -EINVAL);
	timeout(1, &ts, 0, IORING_TIMEOUT_MULTISHOT | IORING_TIMEOUT_ABS);
	CHECK_EQ(one_res(), -EINVAL);
	timeout(1, &neg, 0, 0);
	CHECK_EQ(one_res(), -EINVAL);
	timeout(1, &negns, 0, 0);
	CHECK_EQ(one_res(), -EINVAL);
	sqe = timeout(1, &ts, 0, 0);
	sqe->addr = 0;
	CHECK_EQ(one_res(), -EFAULT);
	sqe = timeout(1, &ts, 0, 0);
	sqe->addr = 0xffff800000000000ULL;
	CHECK_EQ(one_res(), -EFAULT);
	/* fd and FIXED_FILE are ignored: it expires */
	sqe = timeout(1, &ts, 0, 0);
	sqe->fd = 77;
	io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE);
	CHECK_EQ(one_res(), -ETIME);

	/* TIMEOUT_REMOVE */
	io_uring_sqe_set_flags(tremove(2, 1, 0), IOSQE_FIXED_FILE);
	CHECK_EQ(one_res(), -EINVAL);
	tremove(2, 1, 0)->len = 1;
	CHECK_EQ(one_res(), -EINVAL);
	tremove(2, 1, 0)->buf_index = 1;
	CHECK_EQ(one_res(), -EINVAL);
	tremove(2, 1, 0)->splice_fd_in = 1;
	CHECK_EQ(one_res(), -EINVAL);
	tremove(2, 1, IORING_TIMEOUT_ABS);
	CHECK_EQ(one_res(), -EINVAL);
	tremove(2, 1, IORING_TIMEOUT_ETIME_SUCCESS);
	CHECK_EQ(one_res(), -EINVAL);
	tupdate(2, 1, &ts, IORING_TIMEOUT_BOOTTIME);
	CHECK_EQ(one_res(), -EINVAL);
	tupdate(2, 1, &ts, IORING_TIMEOUT_MULTISHOT);
	CHECK_EQ(one_res(), -EINVAL);
	tupdate(2, 1, &neg, 0);
	CHECK_EQ(one_res(), -EINVAL);
	tupdate(2, 1, NULL, 0);
	CHECK_EQ(one_res(), -EFAULT);
	/* well-formed, nothing to find */
	tremove(2, 1, 0);
	CHECK_EQ(one_res(), -ENOENT);
	tupdate(2, 1, &ts, 0);
	CHECK_EQ(one_res(), -ENOENT);
	tupdate(2, 1, &ts, IORING_TIMEOUT_ABS);
	CHECK_EQ(one_res(), -ENOENT);
	tupdate(2, 1, &ts, IORING_LINK_TIMEOUT_UPDATE);
	CHECK_EQ(one_res(), -ENOENT);
	io_uring_queue_exit(&ring);
}

TEST(probe_lists_them)
{
	struct io_uring_probe *p;

	test_ring_init(4, &ring, 0);
	p = io_uring_get_probe_ring(&ring);
	REQUIRE_TRUE(p != NULL);
	CHECK_TRUE(io_uring_opcode_supported(p, IORING_OP_TIMEOUT));
	CHECK_TRUE(io_uring_opcode_supported(p, IORING_OP_TIMEOUT_REMOVE));
	io_uring_free_probe(p);
	io_uring_queue_exit(&ring);
}

/* A relative timeout on each clock expires after its time, not before. */
TEST(relative_expiry_each_clock)
{
	static const unsigned clocks[] = { 0, IORING_TIMEOUT_BOOTTIME, IORING_TIMEOUT_REALTIME };

	test_ring_init(8, &ring, 0);
	for (size_t i = 0; i < ARRAY_SIZE(clocks); i++) {
		struct __kernel_timespec ts = ms_ts(50);
		uint64_t t0 = test_now_ns();

		timeout(10 + i, &ts, 0, clocks[i]);
		CHECK_EQ(one_res(), -ETIME);
		CHECK_GE_U(ms_since(t0), 49);
	}
	/* tv_nsec past a second is taken as it is: 0 s + 60 ms */
	{
		struct __kernel_timespec ts = { .tv_nsec = 60000000 };
		uint64_t t0 = test_now_ns();

		timeout(20, &ts, 0, 0);
		CHECK_EQ(one_res(), -ETIME);
		CHECK_GE_U(ms_since(t0), 59);
	}
	/* zero: at once */
	{
		struct __kernel_timespec ts = { 0 };

		timeout(21, &ts, 0, 0);
		CHECK_EQ(one_res(), -ETIME);
	}
	io_uring_queue_exit(&ring);
}

static struct __kernel_timespec abs_ts(clockid_t clk, long ms_from_now)
{
	struct timespec now;
	struct __kernel_timespec ts;
	long long ns;

	clock_gettime(clk, &now);
	ns = (long long)now.tv_sec * 1000000000LL + now.tv_nsec + ms_from_now * 1000000LL;
	ts.tv_sec = ns / 1000000000LL;
	ts.tv_nsec = ns % 1000000000LL;
	return ts;
}

TEST(absolute_expiry_each_clock)
{
	static const struct {
		clockid_t clk;
		unsigned flag;
	} clocks[] = {
		{ CLOCK_MONOTONIC, 0 },
		{ CLOCK_BOOTTIME, IORING_TIMEOUT_BOOTTIME },
		{ CLOCK_REALTIME, IORING_TIMEOUT_REALTIME },
	};

	test_ring_init(8, &ring, 0);
	for (size_t i = 0; i < ARRAY_SIZE(clocks); i++) {
		struct __kernel_timespec ts = abs_ts(clocks[i].clk, 50);
		struct __kernel_timespec past = abs_ts(clocks[i].clk, -1000);
		uint64_t t0 = test_now_ns();

		timeout(1, &ts, 0, IORING_TIMEOUT_ABS | clocks[i].flag);
		CHECK_EQ(one_res(), -ETIME);
		CHECK_GE_U(ms_since(t0), 45);
		/* in the past: at once */
		t0 = test_now_ns();
		timeout(2, &past, 0, IORING_TIMEOUT_ABS | clocks[i].flag);
		CHECK_EQ(one_res(), -ETIME);
		CHECK_LT(ms_since(t0), 1000);
	}
	io_uring_queue_exit(&ring);
}

/* CQEs in the ring before the timeout do not count; later ones do, in CQ
 * order before the timeout's 0. */
TEST(count_after_arming)
{
	struct __kernel_timespec ts = ms_ts(300), long_ts = ms_ts(5000);
	struct test_cqe c[3];

	test_ring_init(8, &ring, 0);
	nop(1, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	test_sleep_ms(10);
	timeout(2, &ts, 1, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	REQUIRE_EQ(test_reap(&ring, c, 2, 2000), 2u);
	CHECK_CQES(c, { 1, 0 }, { 2, -ETIME });

	/* two later NOPs complete a count of 2; its CQE comes after theirs */
	timeout(3, &long_ts, 2, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	nop(4, 0);
	nop(5, 0);
	test_submit_reap(&ring, c, 3);
	CHECK_CQES(c, { 4, 0 }, { 5, 0 }, { 3, 0 });
	io_uring_queue_exit(&ring);
}

/* In one batch: the NOPs' CQEs are posted after the timeout is armed, in
 * either order (the batch posts at its end), and the timeout's CQE is there
 * when submit returns. */
TEST(count_same_batch)
{
	struct __kernel_timespec ts = ms_ts(5000);
	struct io_uring_cqe *cqe;
	struct test_cqe c[2];

	test_ring_init(8, &ring, 0);
	nop(1, 0);
	timeout(2, &ts, 1, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 2);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 2u);
	REQUIRE_EQ(test_reap(&ring, c, 2, 2000), 2u);
	CHECK_CQES(c, { 1, 0 }, { 2, 0 });

	timeout(3, &ts, 1, 0);
	nop(4, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 2);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 2u);
	REQUIRE_EQ(test_reap(&ring, c, 2, 2000), 2u);
	CHECK_CQES(c, { 4, 0 }, { 3, 0 });
	CHECK_EQ(io_uring_peek_cqe(&ring, &cqe), -EAGAIN);
	io_uring_queue_exit(&ring);
}

/* Which CQEs count: not another timeout's expiry or count, not a skipped
 * success; a cancelled timeout's -ECANCELED and a failure do. */
TEST(count_what_counts)
{
	struct __kernel_timespec short_ts = ms_ts(30), ts = ms_ts(5000);
	struct test_cqe c[4];

	test_ring_init(16, &ring, 0);
	/* another timeout's expiry does not count */
	timeout(1, &short_ts, 0, 0);
	timeout(2, &ts, 1, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 2);
	REQUIRE_EQ(test_reap(&ring, c, 1, 2000), 1u);
	CHECK_CQE(c[0], 1, -ETIME);
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
	/* a skipped success does not count; a failure does */
	nop(3, IOSQE_CQE_SKIP_SUCCESS);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
	nop(4, 0)->ioprio = 1; /* -EINVAL */
	test_submit_reap(&ring, c, 2);
	CHECK_CQES(c, { 4, -EINVAL }, { 2, 0 });

	/* a count timeout ending by count does not count for the next */
	timeout(5, &ts, 1, 0);
	timeout(6, &ts, 2, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 2);
	nop(7, 0);
	test_submit_reap(&ring, c, 2);
	CHECK_CQES(c, { 7, 0 }, { 5, 0 });
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
	nop(8, 0);
	test_submit_reap(&ring, c, 2);
	CHECK_CQES(c, { 8, 0 }, { 6, 0 });

	/* a removed timeout's -ECANCELED and the remover's 0 both count */
	timeout(9, &ts, 0, 0);
	timeout(10, &ts, 2, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 2);
	tremove(11, 9, 0);
	test_submit_reap(&ring, c, 3);
	CHECK_CQES(c, { 11, 0 }, { 9, -ECANCELED }, { 10, 0 });
	io_uring_queue_exit(&ring);
}

/* Several counts: each ends when its own count is reached, in target order. */
TEST(count_several)
{
	struct __kernel_timespec ts = ms_ts(5000);
	struct test_cqe c[8];

	test_ring_init(16, &ring, 0);
	timeout(13, &ts, 3, 0);
	timeout(11, &ts, 1, 0);
	timeout(12, &ts, 2, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 3);
	nop(1, 0);
	test_submit_reap(&ring, c, 2);
	CHECK_CQES(c, { 1, 0 }, { 11, 0 });
	nop(2, 0);
	test_submit_reap(&ring, c, 2);
	CHECK_CQES(c, { 2, 0 }, { 12, 0 });
	nop(3, 0);
	test_submit_reap(&ring, c, 2);
	CHECK_CQES(c, { 3, 0 }, { 13, 0 });
	io_uring_queue_exit(&ring);
}

/* CQEs held in the overflow backlog count once they enter the CQ. */
TEST(count_with_overflow)
{
	struct __kernel_timespec ts = ms_ts(5000);
	struct io_uring_params p;
	struct test_cqe c[8];
	unsigned n;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = 4;
	test_ring_init_params(4, &ring, &p);
	timeout(100, &ts, 6, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	for (int i = 0; i < 4; i++)
		nop(1 + i, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 4);
	for (int i = 0; i < 2; i++)
		nop(5 + i, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 2);
	/* 4 in the CQ, 2 backlogged: the count of 6 is not reached yet */
	CHECK_TRUE(IO_URING_READ_ONCE(*ring.sq.kflags) & IORING_SQ_CQ_OVERFLOW);
	n = test_reap(&ring, c, 7, 2000);
	CHECK_EQ_U(n, 7u);
	for (unsigned i = 0; i < 6 && i < n; i++)
		CHECK_CQE(c[i], 1 + i, 0);
	if (n == 7)
		CHECK_CQE(c[6], 100, 0);
	io_uring_queue_exit(&ring);
}

/* CQEs posted by another thread (a pipe read completing when data comes)
 * count as well; the timeout's CQE follows the read's. */
TEST(count_from_async_completion)
{
	struct __kernel_timespec ts = ms_ts(5000);
	struct io_uring_sqe *sqe;
	struct test_cqe c[2];
	char buf[4];
	int p[2];

	REQUIRE_SYS(pipe(p));
	test_ring_init(8, &ring, 0);
	timeout(1, &ts, 1, 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, p[0], buf, sizeof(buf), 0);
	io_uring_sqe_set_data64(sqe, 2);
	REQUIRE_EQ(io_uring_submit(&ring), 2);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	REQUIRE_EQ(write(p[1], "abc", 3), 3);
	REQUIRE_EQ(test_reap(&ring, c, 2, 2000), 2u);
	CHECK_CQES(c, { 2, 3 }, { 1, 0 });
	io_uring_queue_exit(&ring);
	close(p[0]);
	close(p[1]);
}

/* The count timeout expires first: -ETIME, and later CQEs leave it alone. */
TEST(count_expires)
{
	struct __kernel_timespec ts = ms_ts(20);
	struct test_cqe c[2];

	test_ring_init(8, &ring, 0);
	timeout(1, &ts, 2, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	nop(2, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	REQUIRE_EQ(test_reap(&ring, c, 2, 2000), 2u);
	CHECK_CQES(c, { 2, 0 }, { 1, -ETIME });
	nop(3, 0);
	test_submit_reap(&ring, c, 1);
	CHECK_CQE(c[0], 3, 0);
	CHECK_TRUE(test_cq_empty_for(&ring, 30));
	io_uring_queue_exit(&ring);
}

/* -ETIME breaks a chain; ETIME_SUCCESS makes it a success (links go on,
 * CQE_SKIP_SUCCESS hides it). */
TEST(etime_success_and_links)
{
	struct __kernel_timespec ts = ms_ts(10);
	struct test_cqe c[2];

	test_ring_init(8, &ring, 0);
	io_uring_sqe_set_flags(timeout(1, &ts, 0, 0), IOSQE_IO_LINK);
	nop(2, 0);
	test_submit_reap(&ring, c, 2);
	CHECK_CQES(c, { 1, -ETIME }, { 2, -ECANCELED });

	io_uring_sqe_set_flags(timeout(3, &ts, 0, IORING_TIMEOUT_ETIME_SUCCESS), IOSQE_IO_LINK);
	nop(4, 0);
	test_submit_reap(&ring, c, 2);
	CHECK_CQES(c, { 3, -ETIME }, { 4, 0 });

	io_uring_sqe_set_flags(timeout(5, &ts, 0, IORING_TIMEOUT_ETIME_SUCCESS),
			       IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS);
	nop(6, 0);
	test_submit_reap(&ring, c, 1);
	CHECK_CQE(c[0], 6, 0);

	/* without ETIME_SUCCESS a skipped timeout's -ETIME is posted */
	io_uring_sqe_set_flags(timeout(7, &ts, 0, 0), IOSQE_CQE_SKIP_SUCCESS);
	test_submit_reap(&ring, c, 1);
	CHECK_CQE(c[0], 7, -ETIME);

	/* a count reached is a success: the chain goes on */
	{
		struct __kernel_timespec long_ts = ms_ts(5000);
		struct test_cqe d[3];

		io_uring_sqe_set_flags(timeout(8, &long_ts, 1, 0), IOSQE_IO_LINK);
		nop(9, 0);
		REQUIRE_EQ(io_uring_submit(&ring), 2);
		nop(10, 0);
		test_submit_reap(&ring, d, 3);
		CHECK_CQES(d, { 10, 0 }, { 8, 0 }, { 9, 0 });
	}
	io_uring_queue_exit(&ring);
}

TEST(multishot)
{
	struct __kernel_timespec ts = ms_ts(10);
	struct test_cqe c[4];

	test_ring_init(8, &ring, 0);
	timeout(1, &ts, 3, IORING_TIMEOUT_MULTISHOT);
	test_submit_reap(&ring, c, 3);
	for (int i = 0; i < 3; i++) {
		CHECK_CQE(c[i], 1, -ETIME);
		CHECK_EQ_U(c[i].flags, i < 2 ? IORING_CQE_F_MORE : 0u);
	}
	CHECK_TRUE(test_cq_empty_for(&ring, 40));

	/* forever until removed: the removal ends it with -ECANCELED, no F_MORE */
	timeout(2, &ts, 0, IORING_TIMEOUT_MULTISHOT);
	test_submit_reap(&ring, c, 2);
	CHECK_CQE(c[0], 2, -ETIME);
	CHECK_EQ_U(c[0].flags, IORING_CQE_F_MORE);
	CHECK_CQE(c[1], 2, -ETIME);
	CHECK_EQ_U(c[1].flags, IORING_CQE_F_MORE);
	/* between firings it is armed: the removal finds it (or it is firing) */
	for (int tries = 0; tries < 100; tries++) {
		struct test_cqe r;

		tremove(3, 2, 0);
		test_submit_reap(&ring, &r, 1);
		/* a CQE of the timeout may come first */
		while (r.user_data == 2) {
			REQUIRE_EQ(test_reap(&ring, &r, 1, 2000), 1u);
		}
		CHECK_EQ_U(r.user_data, 3u);
		if (r.res == 0)
			break;
		/* firing: -EALREADY (re-armed before its CQE is seen: never
		 * missing, -ENOENT) */
		REQUIRE_EQ(r.res, -EALREADY);
	}
	/* the last CQE of ud 2: -ECANCELED, F_MORE clear */
	for (int n = 0; n < 100; n++) {
		REQUIRE_EQ(test_reap(&ring, c, 1, 2000), 1u);
		CHECK_EQ_U(c[0].user_data, 2u);
		if (!(c[0].flags & IORING_CQE_F_MORE))
			break;
	}
	REQUIRE_EQ_U(c[0].flags, 0u);
	CHECK_EQ(c[0].res, -ECANCELED);
	CHECK_TRUE(test_cq_empty_for(&ring, 40));
	io_uring_queue_exit(&ring);
}

/* A multishot CQE that does not fit the CQ ends the timeout: its last CQE
 * (no F_MORE) goes to the backlog. */
TEST(multishot_cq_full)
{
	struct __kernel_timespec ts = ms_ts(5);
	struct io_uring_params p;
	struct test_cqe c[8];
	unsigned n;
	uint64_t t0;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = 2;
	test_ring_init_params(2, &ring, &p);
	timeout(1, &ts, 0, IORING_TIMEOUT_MULTISHOT);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	/*
	 * Wait for the third expiry, the one that finds the CQ full and goes to
	 * the overflow list, rather than for a fixed time: on a loaded machine
	 * the timer's expiries may come late, and reaping before the third
	 * one would make room for it.
	 */
	t0 = test_now_ns();
	while (!io_uring_cq_has_overflow(&ring) && ms_since(t0) < 5000)
		test_sleep_ms(1);
	CHECK_TRUE(io_uring_cq_has_overflow(&ring));
	CHECK_EQ_U(io_uring_cq_ready(&ring), 2u);
	n = test_reap(&ring, c, 4, 500);
	CHECK_EQ_U(n, 3u);
	for (unsigned i = 0; i < n; i++) {
		CHECK_CQE(c[i], 1, -ETIME);
		CHECK_EQ_U(c[i].flags, i < 2 ? IORING_CQE_F_MORE : 0u);
	}
	io_uring_queue_exit(&ring);
}

TEST(remove_and_update)
{
	struct __kernel_timespec ts = ms_ts(5000), shorter = ms_ts(20);
	struct test_cqe c[3];
	uint64_t t0;

	test_ring_init(8, &ring, 0);
	timeout(1, &ts, 0, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	tremove(2, 1, 0);
	test_submit_reap(&ring, c, 2);
	CHECK_CQES(c, { 2, 0 }, { 1, -ECANCELED });
	/* in one batch, and removed twice: the second finds nothing */
	timeout(3, &ts, 0, 0);
	tremove(4, 3, 0);
	tremove(5, 3, 0);
	test_submit_reap(&ring, c, 3);
	CHECK_CQES(c, { 4, 0 }, { 5, -ENOENT }, { 3, -ECANCELED });
	/* an expired one is not found */
	timeout(6, &shorter, 0, 0);
	test_submit_reap(&ring, c, 1);
	tremove(7, 6, 0);
	CHECK_EQ(one_res(), -ENOENT);

	/* update: the new time from now; a count is dropped */
	timeout(8, &ts, 5, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	t0 = test_now_ns();
	tupdate(9, 8, &shorter, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	REQUIRE_EQ(test_reap(&ring, c, 2, 2000), 2u);
	CHECK_CQES(c, { 9, 0 }, { 8, -ETIME });
	CHECK_GE_U(ms_since(t0), 15);
	CHECK_LT(ms_since(t0), 2000);
	/* update with ABS on the timeout's own clock */
	timeout(10, &ts, 0, IORING_TIMEOUT_BOOTTIME);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	{
		struct __kernel_timespec abs = abs_ts(CLOCK_BOOTTIME, 20);

		tupdate(11, 10, &abs, IORING_TIMEOUT_ABS);
		REQUIRE_EQ(io_uring_submit(&ring), 1);
	}
	REQUIRE_EQ(test_reap(&ring, c, 2, 2000), 2u);
	CHECK_CQES(c, { 11, 0 }, { 10, -ETIME });
	/* a count dropped by the update: NOPs no longer end it */
	timeout(12, &ts, 1, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	tupdate(13, 12, &ts, 0);
	nop(14, 0);
	test_submit_reap(&ring, c, 2);
	CHECK_CQES(c, { 13, 0 }, { 14, 0 });
	CHECK_TRUE(test_cq_empty_for(&ring, 30));
	tremove(15, 12, 0);
	test_submit_reap(&ring, c, 2);
	CHECK_CQES(c, { 15, 0 }, { 12, -ECANCELED });
	io_uring_queue_exit(&ring);
}

/* A waiter for more CQEs than will come returns when a timeout ends. */
TEST(timeout_wakes_waiter)
{
	struct __kernel_timespec ts = ms_ts(30), wait_ts = ms_ts(3000);
	struct io_uring_cqe *cqe = NULL;
	uint64_t t0;
	int ret;

	test_ring_init(8, &ring, 0);
	timeout(1, &ts, 0, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	t0 = test_now_ns();
	ret = io_uring_wait_cqes(&ring, &cqe, 4, &wait_ts, NULL);
	CHECK_EQ(ret, 0);
	CHECK_LT(ms_since(t0), 1500);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 1u);
	io_uring_queue_exit(&ring);
}

/* Removals racing with expiry: each pair ends one way, consistently. */
TEST(remove_races_expiry)
{
	unsigned cancelled = 0, expired = 0, missed = 0;

	test_ring_init(64, &ring, 0);
	for (int round = 0; round < 400; round++) {
		/* 0 to 95 us: the removal comes before, during and after expiry */
		struct __kernel_timespec ts = { .tv_nsec = (round % 20) * 5000 };
		struct test_cqe c[2];
		const struct test_cqe *t, *r;

		timeout(1, &ts, 0, 0);
		REQUIRE_EQ(io_uring_submit(&ring), 1);
		tremove(2, 1, 0);
		test_submit_reap(&ring, c, 2);
		t = test_find_cqe(c, 2, 1);
		r = test_find_cqe(c, 2, 2);
		REQUIRE_TRUE(t && r);
		if (r->res == 0) {
			CHECK_EQ(t->res, -ECANCELED);
			cancelled++;
		} else if (r->res == -ENOENT) {
			CHECK_EQ(t->res, -ETIME);
			missed++;
		} else {
			CHECK_EQ(r->res, -EALREADY);
			CHECK_EQ(t->res, -ETIME);
			expired++;
		}
	}
	printf("# removed %u, already firing %u, expired before %u\n", cancelled, expired, missed);
	io_uring_queue_exit(&ring);
}

/*
 * A timed wait while a timeout expires: it returns with the timeout's CQE,
 * never 0 with the CQ empty (which the library answers with -ETIME at once)
 * for having seen the timeout end before its CQE was posted.
 */
TEST(expiry_races_waiter)
{
	struct __kernel_timespec wait_ts = ms_ts(5000);
	unsigned early = 0;

	test_ring_init(8, &ring, 0);
	for (int round = 0; round < 10000 && !early; round++) {
		/* 0 to 38 us: expiry before, during and after the wait starts */
		struct __kernel_timespec ts = { .tv_nsec = (round % 20) * 2000 };
		struct io_uring_cqe *cqe = NULL;
		int ret;

		timeout(1, &ts, 0, 0);
		REQUIRE_EQ(io_uring_submit(&ring), 1);
		ret = io_uring_wait_cqe_timeout(&ring, &cqe, &wait_ts);
		if (ret) {
			printf("# round %d: wait returned %d\n", round, ret);
			early++;
			ret = io_uring_wait_cqe_timeout(&ring, &cqe, &wait_ts);
			REQUIRE_EQ(ret, 0);
		}
		CHECK_CQE(*cqe, 1, -ETIME);
		io_uring_cqe_seen(&ring, cqe);
	}
	CHECK_EQ_U(early, 0u);
	io_uring_queue_exit(&ring);
}

/*
 * A timeout whose CQE CQE_SKIP_SUCCESS hides (ETIME_SUCCESS) still wakes a
 * waiter when it ends: the wait returns 0 with the CQ empty, so a timed
 * wait in the library says -ETIME then, not at its own deadline.
 */
TEST(skipped_timeout_wakes_waiter)
{
	struct __kernel_timespec ts = ms_ts(20), wait_ts = ms_ts(3000);
	struct io_uring_cqe *cqe = NULL;
	uint64_t t0;

	test_ring_init(8, &ring, 0);
	io_uring_sqe_set_flags(timeout(1, &ts, 0, IORING_TIMEOUT_ETIME_SUCCESS),
			       IOSQE_CQE_SKIP_SUCCESS);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	t0 = test_now_ns();
	CHECK_EQ(io_uring_wait_cqe_timeout(&ring, &cqe, &wait_ts), -ETIME);
	CHECK_GE_U(ms_since(t0), 15);
	CHECK_LT(ms_since(t0), 600);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 0u);
	io_uring_queue_exit(&ring);
}

struct poster {
	struct io_uring *ring;
	volatile int stop;
};

/* Count timeouts racing with their expiry: exactly one CQE each, 0 or -ETIME. */
TEST(count_races_expiry)
{
	unsigned by_count = 0, by_time = 0;

	test_ring_init(64, &ring, 0);
	for (int round = 0; round < 400; round++) {
		struct __kernel_timespec ts = { .tv_nsec = (round % 20) * 5000 };
		struct test_cqe c[3];
		const struct test_cqe *t;

		timeout(1, &ts, 1, 0);
		REQUIRE_EQ(io_uring_submit(&ring), 1);
		nop(2, 0);
		test_submit_reap(&ring, c, 2);
		t = test_find_cqe(c, 2, 1);
		REQUIRE_TRUE(t != NULL);
		if (t->res == 0)
			by_count++;
		else
			CHECK_EQ(t->res, -ETIME), by_time++;
		CHECK_TRUE(test_cq_empty_for(&ring, 0));
	}
	printf("# by count %u, by time %u\n", by_count, by_time);
	io_uring_queue_exit(&ring);
}

/* Timeouts armed (plain, counted, multishot, on every clock) when the ring
 * goes: no hang, nothing left behind (threads, fds). */
TEST(teardown_with_timeouts_armed)
{
	struct __kernel_timespec ts = ms_ts(60000), ms = ms_ts(1);
	int fds = test_count_fds();
	uint64_t t0;

	for (int round = 0; round < 3; round++) {
		test_ring_init(64, &ring, 0);
		for (int i = 0; i < 10; i++) {
			timeout(i, &ts, 0, 0);
			timeout(100 + i, &ts, 1 + i, IORING_TIMEOUT_BOOTTIME);
			timeout(200 + i, &ts, 0, IORING_TIMEOUT_REALTIME);
		}
		timeout(300, &ms, 0, IORING_TIMEOUT_MULTISHOT);
		REQUIRE_EQ(io_uring_submit(&ring), 31);
		test_sleep_ms(round * 5);
		t0 = test_now_ns();
		io_uring_queue_exit(&ring);
		CHECK_LT(ms_since(t0), 1000);
	}
	CHECK_EQ(test_count_fds(), fds);
}

/*
 * Reap n CQEs within ms in all.  On a kernel SQPOLL ring a timeout ending
 * wakes the waiter before the SQ thread posts its CQE, so a timed wait may
 * come back early and empty (-ETIME): wait again.
 */
static unsigned reap_within(struct test_cqe *c, unsigned n, unsigned ms)
{
	uint64_t end = test_now_ns() + (uint64_t)ms * 1000000ULL;
	unsigned got = 0;

	while (got < n && test_now_ns() < end)
		got += test_reap(&ring, c + got, n - got, 100);
	return got;
}

/* On an SQPOLL ring timeouts and counts behave alike. */
TEST(sqpoll_ring)
{
	struct __kernel_timespec ts = ms_ts(20), long_ts = ms_ts(5000);
	struct test_cqe c[2];

	test_ring_init(8, &ring, IORING_SETUP_SQPOLL);
	timeout(1, &ts, 0, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	REQUIRE_EQ(reap_within(c, 1, 5000), 1u);
	CHECK_CQE(c[0], 1, -ETIME);
	timeout(2, &long_ts, 1, 0);
	nop(3, 0);
	REQUIRE_EQ(io_uring_submit(&ring), 2);
	REQUIRE_EQ(reap_within(c, 2, 5000), 2u);
	CHECK_CQES(c, { 3, 0 }, { 2, 0 });
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(prep_errors),
		TEST_ENTRY(probe_lists_them),
		TEST_ENTRY(relative_expiry_each_clock),
		TEST_ENTRY(absolute_expiry_each_clock),
		TEST_ENTRY(count_after_arming),
		TEST_ENTRY(count_same_batch),
		TEST_ENTRY(count_what_counts),
		TEST_ENTRY(count_several),
		TEST_ENTRY(count_with_overflow),
		TEST_ENTRY(count_from_async_completion),
		TEST_ENTRY(count_expires),
		TEST_ENTRY(etime_success_and_links),
		TEST_ENTRY(multishot),
		TEST_ENTRY(multishot_cq_full),
		TEST_ENTRY(remove_and_update),
		TEST_ENTRY(timeout_wakes_waiter),
		TEST_ENTRY(remove_races_expiry),
		TEST_ENTRY(count_races_expiry),
		TEST_ENTRY(expiry_races_waiter),
		TEST_ENTRY(skipped_timeout_wakes_waiter),
		TEST_ENTRY(teardown_with_timeouts_armed),
		TEST_ENTRY(sqpoll_ring),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
