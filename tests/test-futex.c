/* SPDX-License-Identifier: MIT */
/*
 * IORING_OP_FUTEX_WAIT, FUTEX_WAKE, FUTEX_WAITV: the futex2 flags the kernel
 * takes, the errors of their SQE fields, -EAGAIN on a value that differs at
 * issue, wakes from the ring and from futex(2), masks, private and shared
 * futexes, the index a FUTEX_WAITV reports, links, teardown with waits armed.
 * Expected values: Linux 6.18's.
 */
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/syscall.h>

#include "harness.h"

#define F2_U8 0x00U
#define F2_U16 0x01U
#define F2_U32 0x02U
#define F2_U64 0x03U
#define F2_NUMA 0x04U
#define F2_MPOL 0x08U
#define F2_PRIVATE 128U
#define ANY 0xffffffffULL

static struct io_uring_sqe *fx_sqe(struct io_uring *ring, __u8 op, __u32 flags, const void *addr,
				   __u64 val, __u64 mask, __u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(ring);

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = op;
	sqe->fd = (__s32)flags;
	sqe->addr = (__u64)(uintptr_t)addr;
	sqe->addr2 = val;
	sqe->addr3 = mask;
	sqe->user_data = user_data;
	return sqe;
}

static struct io_uring_sqe *waitv_sqe(struct io_uring *ring, const struct futex_waitv *v,
				      unsigned nr, __u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(ring);

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_FUTEX_WAITV;
	sqe->addr = (__u64)(uintptr_t)v;
	sqe->len = nr;
	sqe->user_data = user_data;
	return sqe;
}

/* The result of the one SQE queued (line: where, should it never come). */
static int result_at(struct io_uring *ring, int line)
{
	struct test_cqe c = { 0 };

	if (io_uring_submit(ring) != 1 || test_reap(ring, &c, 1, 5000) != 1)
		FAIL("line %d: no CQE", line);
	return c.res;
}
#define result(ring) result_at(ring, __LINE__)

static int wake(struct io_uring *ring, __u32 flags, const void *addr, __u64 nr, __u64 mask)
{
	fx_sqe(ring, IORING_OP_FUTEX_WAKE, flags, addr, nr, mask, 1);
	return result(ring);
}

static int wait_now(struct io_uring *ring, __u32 flags, const void *addr, __u64 val, __u64 mask)
{
	fx_sqe(ring, IORING_OP_FUTEX_WAIT, flags, addr, val, mask, 2);
	return result(ring);
}

static void ring_or_skip(struct io_uring *ring)
{
	test_ring_init(64, ring, 0);
}

/* Reap two CQEs and check them, in this order (a waker's before the wait it woke). */
static void reap_two(struct io_uring *ring, struct test_cqe c[2], __u64 ud0, int res0, __u64 ud1,
		     int res1)
{
	REQUIRE_EQ(test_reap(ring, c, 2, 5000), 2);
	CHECK_EQ_U(c[0].user_data, ud0);
	CHECK_EQ(c[0].res, res0);
	CHECK_EQ_U(c[1].user_data, ud1);
	CHECK_EQ(c[1].res, res1);
}

TEST(wake_flags_and_fields)
{
	struct io_uring ring;
	static uint32_t word = 5;
	static uint32_t pair[2] __attribute__((aligned(8))) = { 5, 0 };
	struct io_uring_sqe *sqe;

	ring_or_skip(&ring);
	CHECK_EQ(wake(&ring, F2_U32, &word, 1, ANY), 0);
	CHECK_EQ(wake(&ring, F2_U32 | F2_PRIVATE, &word, 1, ANY), 0);
	CHECK_EQ(wake(&ring, F2_U32, &word, 0, ANY), 0);
	CHECK_EQ(wake(&ring, F2_U32 | F2_NUMA, pair, 1, ANY), 0);
	CHECK_EQ(wake(&ring, F2_U32 | F2_NUMA, &pair[1], 1, ANY), -EINVAL);
	CHECK_EQ(wake(&ring, F2_U32 | F2_MPOL, &word, 1, ANY), 0);
	/* only 32-bit futexes; no other flag */
	CHECK_EQ(wake(&ring, F2_U8, &word, 1, ANY), -EINVAL);
	CHECK_EQ(wake(&ring, F2_U16, &word, 1, ANY), -EINVAL);
	CHECK_EQ(wake(&ring, F2_U64, &word, 1, ANY), -EINVAL);
	CHECK_EQ(wake(&ring, F2_U32 | 0x10, &word, 1, ANY), -EINVAL);
	/* mask 0 wakes nothing ever: refused; values wider than the futex */
	CHECK_EQ(wake(&ring, F2_U32, &word, 1, 0), -EINVAL);
	CHECK_EQ(wake(&ring, F2_U32, &word, 1, 0x1ffffffffULL), -EINVAL);
	CHECK_EQ(wake(&ring, F2_U32, &word, 0x100000000ULL, ANY), -EINVAL);
	/* addresses */
	CHECK_EQ(wake(&ring, F2_U32, NULL, 1, ANY), -EFAULT);
	CHECK_EQ(wake(&ring, F2_U32, (char *)&word + 1, 1, ANY), -EINVAL);
	CHECK_EQ(wake(&ring, F2_U32, (void *)0xffff800000000000ULL, 1, ANY), -EFAULT);
	/* unused fields */
	sqe = fx_sqe(&ring, IORING_OP_FUTEX_WAKE, F2_U32, &word, 1, ANY, 1);
	sqe->len = 1;
	CHECK_EQ(result(&ring), -EINVAL);
	sqe = fx_sqe(&ring, IORING_OP_FUTEX_WAKE, F2_U32, &word, 1, ANY, 1);
	sqe->futex_flags = 1;
	CHECK_EQ(result(&ring), -EINVAL);
	sqe = fx_sqe(&ring, IORING_OP_FUTEX_WAKE, F2_U32, &word, 1, ANY, 1);
	sqe->buf_index = 1;
	CHECK_EQ(result(&ring), -EINVAL);
	sqe = fx_sqe(&ring, IORING_OP_FUTEX_WAKE, F2_U32, &word, 1, ANY, 1);
	sqe->file_index = 1;
	CHECK_EQ(result(&ring), -EINVAL);
	io_uring_queue_exit(&ring);
}

TEST(wait_checks_at_issue)
{
	struct io_uring ring;
	static uint32_t word = 5;
	static uint32_t pair[2] __attribute__((aligned(8))) = { 5, 0 };
	struct io_uring_sqe *sqe;

	ring_or_skip(&ring);
	CHECK_EQ(wait_now(&ring, F2_U32, &word, 4, ANY), -EAGAIN);
	CHECK_EQ(wait_now(&ring, F2_U32 | F2_PRIVATE, &word, 4, ANY), -EAGAIN);
	CHECK_EQ(wait_now(&ring, F2_U32 | F2_NUMA, pair, 4, ANY), -EAGAIN);
	CHECK_EQ(wait_now(&ring, F2_U32 | F2_NUMA, &pair[1], 0, ANY), -EINVAL);
	CHECK_EQ(wait_now(&ring, F2_U32 | F2_MPOL, &word, 4, ANY), -EAGAIN);
	CHECK_EQ(wait_now(&ring, F2_U32, NULL, 4, ANY), -EFAULT);
	CHECK_EQ(wait_now(&ring, F2_U32, (void *)0x1000, 4, ANY), -EFAULT);
	CHECK_EQ(wait_now(&ring, F2_U32, (char *)&word + 1, 5, ANY), -EINVAL);
	CHECK_EQ(wait_now(&ring, F2_U8, &word, 5, ANY), -EINVAL);
	CHECK_EQ(wait_now(&ring, F2_U64, &word, 5, ANY), -EINVAL);
	CHECK_EQ(wait_now(&ring, F2_U32, &word, 0x100000005ULL, ANY), -EINVAL);
	CHECK_EQ(wait_now(&ring, F2_U32, &word, 5, 0), -EINVAL);
	sqe = fx_sqe(&ring, IORING_OP_FUTEX_WAIT, F2_U32, &word, 4, ANY, 2);
	sqe->len = 1;
	CHECK_EQ(result(&ring), -EINVAL);
	sqe = fx_sqe(&ring, IORING_OP_FUTEX_WAIT, F2_U32, &word, 4, ANY, 2);
	sqe->futex_flags = 1;
	CHECK_EQ(result(&ring), -EINVAL);
	io_uring_queue_exit(&ring);
}

/* A wait then a wake of the same ring: the waker's CQE first, then the wait's. */
TEST(wait_then_ring_wake)
{
	struct io_uring ring;
	static uint32_t word = 5;
	struct test_cqe c[2] = { 0 };

	ring_or_skip(&ring);
	fx_sqe(&ring, IORING_OP_FUTEX_WAIT, F2_U32, &word, 5, ANY, 10);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	fx_sqe(&ring, IORING_OP_FUTEX_WAKE, F2_U32, &word, 10, ANY, 11);
	CHECK_EQ(io_uring_submit(&ring), 1);
	reap_two(&ring, c, 11, 1, 10, 0);
	CHECK_EQ_U(c[1].flags, 0);
	io_uring_queue_exit(&ring);
}

/* The wait is queued when submit returns: futex(2) right after finds it. */
TEST(wait_woken_by_syscall)
{
	struct io_uring ring;
	static uint32_t word = 7;
	struct test_cqe c = { 0 };

	ring_or_skip(&ring);
	for (int round = 0; round < 50; round++) {
		fx_sqe(&ring, IORING_OP_FUTEX_WAIT, F2_U32 | F2_PRIVATE, &word, 7, ANY, 20);
		CHECK_EQ(io_uring_submit(&ring), 1);
		CHECK_EQ(syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 1);
		REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
		CHECK_EQ_U(c.user_data, 20);
		CHECK_EQ(c.res, 0);
	}
	/* a shared wait, woken by a shared wake */
	fx_sqe(&ring, IORING_OP_FUTEX_WAIT, F2_U32, &word, 7, ANY, 21);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_EQ(syscall(SYS_futex, &word, FUTEX_WAKE, 1, NULL, NULL, 0), 1);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ(c.res, 0);
	io_uring_queue_exit(&ring);
}

/* A private wait is not woken by a shared wake (different keys). */
TEST(private_and_shared)
{
	struct io_uring ring;
	static uint32_t word = 5;
	struct test_cqe c = { 0 };

	ring_or_skip(&ring);
	fx_sqe(&ring, IORING_OP_FUTEX_WAIT, F2_U32 | F2_PRIVATE, &word, 5, ANY, 12);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_EQ(wake(&ring, F2_U32, &word, 10, ANY), 0);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	CHECK_EQ(wake(&ring, F2_U32 | F2_PRIVATE, &word, 10, ANY), 1);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ_U(c.user_data, 12);
	CHECK_EQ(c.res, 0);
	io_uring_queue_exit(&ring);
}

/* The bitset: a wake whose mask misses the wait's does not count it. */
TEST(wait_mask)
{
	struct io_uring ring;
	static uint32_t word = 5;
	struct test_cqe c = { 0 };

	ring_or_skip(&ring);
	fx_sqe(&ring, IORING_OP_FUTEX_WAIT, F2_U32, &word, 5, 0x1, 15);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_EQ(wake(&ring, F2_U32, &word, 10, 0x2), 0);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	CHECK_EQ(wake(&ring, F2_U32, &word, 10, 0x3), 1);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ_U(c.user_data, 15);
	CHECK_EQ(c.res, 0);
	/* a masked wait queued by the time submit returns */
	fx_sqe(&ring, IORING_OP_FUTEX_WAIT, F2_U32 | F2_PRIVATE, &word, 5, 0x10, 16);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_EQ(syscall(SYS_futex, &word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0x30), 1);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ(c.res, 0);
	io_uring_queue_exit(&ring);
}

/* Many waits on one futex: a wake counts them all, each completes once. */
TEST(many_waits_one_wake)
{
	enum { N = 40 };
	struct io_uring ring;
	static uint32_t word = 9;
	struct test_cqe c[N + 1] = { 0 };
	unsigned seen = 0;

	ring_or_skip(&ring);
	for (int i = 0; i < N; i++)
		fx_sqe(&ring, IORING_OP_FUTEX_WAIT, F2_U32 | F2_PRIVATE, &word, 9, ANY, 100 + i);
	CHECK_EQ(io_uring_submit(&ring), N);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	fx_sqe(&ring, IORING_OP_FUTEX_WAKE, F2_U32 | F2_PRIVATE, &word, 1000, ANY, 99);
	CHECK_EQ(io_uring_submit(&ring), 1);
	REQUIRE_EQ(test_reap(&ring, c, N + 1, 5000), N + 1);
	CHECK_EQ_U(c[0].user_data, 99);
	CHECK_EQ(c[0].res, N);
	for (int i = 1; i <= N; i++)
		CHECK_EQ(c[i].res, 0);
	for (int u = 0; u < N; u++)
		seen += test_find_cqe(c, N + 1, 100 + u) != NULL;
	CHECK_EQ_U(seen, N);
	CHECK_TRUE(test_cq_empty_for(&ring, 10));
	io_uring_queue_exit(&ring);
}

TEST(waitv_checks)
{
	struct io_uring ring;
	static uint32_t w[3] = { 5, 0, 0 };
	static uint32_t numa[4] __attribute__((aligned(8))) = { 5, 0, 0, 0 };
	struct futex_waitv v[3] = {
		{ .val = 5, .uaddr = (uintptr_t)&w[0], .flags = F2_U32 },
		{ .val = 1, .uaddr = (uintptr_t)&w[1], .flags = F2_U32 | F2_PRIVATE },
		{ .val = 0, .uaddr = (uintptr_t)&w[2], .flags = F2_U32 },
	};
	struct io_uring_sqe *sqe;

	ring_or_skip(&ring);
	waitv_sqe(&ring, v, 3, 30);
	CHECK_EQ(result(&ring), -EAGAIN);
	v[1].val = 0;
	waitv_sqe(&ring, v, 0, 31);
	CHECK_EQ(result(&ring), -EINVAL);
	waitv_sqe(&ring, v, 129, 31);
	CHECK_EQ(result(&ring), -EINVAL);
	waitv_sqe(&ring, NULL, 3, 31);
	CHECK_EQ(result(&ring), -EFAULT);
	sqe = waitv_sqe(&ring, v, 3, 31);
	sqe->fd = F2_U32;
	CHECK_EQ(result(&ring), -EINVAL);
	sqe = waitv_sqe(&ring, v, 3, 31);
	sqe->addr2 = 1;
	CHECK_EQ(result(&ring), -EINVAL);
	sqe = waitv_sqe(&ring, v, 3, 31);
	sqe->addr3 = 1;
	CHECK_EQ(result(&ring), -EINVAL);
	sqe = waitv_sqe(&ring, v, 3, 31);
	sqe->futex_flags = 1;
	CHECK_EQ(result(&ring), -EINVAL);
	/* per entry: 32 bits only, no NUMA, reserved zero, value in range */
	v[2].flags = F2_U64;
	waitv_sqe(&ring, v, 3, 31);
	CHECK_EQ(result(&ring), -EINVAL);
	/* a NUMA futex is a pair {value, node}, aligned as the pair */
	v[2].flags = F2_U32 | F2_NUMA;
	v[2].uaddr = (uintptr_t)&numa[1];
	waitv_sqe(&ring, v, 3, 31);
	CHECK_EQ(result(&ring), -EINVAL);
	v[2].uaddr = (uintptr_t)&numa[0];
	v[2].val = 4;
	waitv_sqe(&ring, v, 3, 31);
	CHECK_EQ(result(&ring), -EAGAIN);
	v[2].val = 0;
	v[2].uaddr = (uintptr_t)&w[2];
	v[2].flags = F2_U32;
	v[2].__reserved = 1;
	waitv_sqe(&ring, v, 3, 31);
	CHECK_EQ(result(&ring), -EINVAL);
	v[2].__reserved = 0;
	v[2].val = 1ULL << 33;
	waitv_sqe(&ring, v, 3, 31);
	CHECK_EQ(result(&ring), -EINVAL);
	v[2].val = 0;
	v[2].uaddr = 0x1000;
	waitv_sqe(&ring, v, 3, 31);
	CHECK_EQ(result(&ring), -EFAULT);
	v[2].uaddr = (uintptr_t)&w[2] + 1;
	waitv_sqe(&ring, v, 3, 31);
	CHECK_EQ(result(&ring), -EINVAL);
	io_uring_queue_exit(&ring);
}

/* FUTEX_WAITV completes with the index of the futex woken. */
TEST(waitv_index)
{
	struct io_uring ring;
	static uint32_t w[3] = { 5, 0, 0 };
	struct futex_waitv v[3] = {
		{ .val = 5, .uaddr = (uintptr_t)&w[0], .flags = F2_U32 },
		{ .val = 0, .uaddr = (uintptr_t)&w[1], .flags = F2_U32 | F2_PRIVATE },
		{ .val = 0, .uaddr = (uintptr_t)&w[2], .flags = F2_U32 | F2_MPOL },
	};
	struct test_cqe c[2] = { 0 };

	ring_or_skip(&ring);
	waitv_sqe(&ring, v, 3, 32);
	CHECK_EQ(io_uring_submit(&ring), 1);
	/* the array may change once submitted: the kernel copied it */
	v[2].uaddr = 0;
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	fx_sqe(&ring, IORING_OP_FUTEX_WAKE, F2_U32, &w[2], 10, ANY, 33);
	CHECK_EQ(io_uring_submit(&ring), 1);
	reap_two(&ring, c, 33, 1, 32, 2);
	v[2].uaddr = (uintptr_t)&w[2];

	/* the private entry: a shared wake misses it, a private one wakes it */
	waitv_sqe(&ring, v, 3, 34);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_EQ(wake(&ring, F2_U32, &w[1], 10, ANY), 0);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	CHECK_EQ(syscall(SYS_futex, &w[1], FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 1);
	REQUIRE_EQ(test_reap(&ring, c, 1, 5000), 1);
	CHECK_EQ_U(c[0].user_data, 34);
	CHECK_EQ(c[0].res, 1);

	waitv_sqe(&ring, v, 3, 35);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_EQ(syscall(SYS_futex, &w[0], FUTEX_WAKE, 1, NULL, NULL, 0), 1);
	REQUIRE_EQ(test_reap(&ring, c, 1, 5000), 1);
	CHECK_EQ(c[0].res, 0);
	io_uring_queue_exit(&ring);
}

/* The largest vector the kernel takes. */
TEST(waitv_max)
{
	static uint32_t w[128];
	static struct futex_waitv v[128];
	struct io_uring ring;
	struct test_cqe c = { 0 };

	ring_or_skip(&ring);
	for (int i = 0; i < 128; i++)
		v[i] = (struct futex_waitv){ .val = 0, .uaddr = (uintptr_t)&w[i],
					     .flags = F2_U32 | F2_PRIVATE };
	waitv_sqe(&ring, v, 128, 40);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_EQ(syscall(SYS_futex, &w[127], FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 1);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ_U(c.user_data, 40);
	CHECK_EQ(c.res, 127);
	io_uring_queue_exit(&ring);
}

/* A wait that fails at issue breaks its link. */
TEST(wait_in_link)
{
	struct io_uring ring;
	static uint32_t word = 5;
	struct io_uring_sqe *sqe;
	struct test_cqe c[2] = { 0 };

	ring_or_skip(&ring);
	sqe = fx_sqe(&ring, IORING_OP_FUTEX_WAIT, F2_U32, &word, 4, ANY, 50);
	sqe->flags |= IOSQE_IO_LINK;
	sqe = test_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->user_data = 51;
	test_submit_reap(&ring, c, 2);
	CHECK_EQ_U(c[0].user_data, 50);
	CHECK_EQ(c[0].res, -EAGAIN);
	CHECK_EQ_U(c[1].user_data, 51);
	CHECK_EQ(c[1].res, -ECANCELED);

	/* a woken wait runs its link */
	sqe = fx_sqe(&ring, IORING_OP_FUTEX_WAIT, F2_U32 | F2_PRIVATE, &word, 5, ANY, 52);
	sqe->flags |= IOSQE_IO_LINK;
	sqe = test_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->user_data = 53;
	CHECK_EQ(io_uring_submit(&ring), 2);
	CHECK_EQ(syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 1);
	reap_two(&ring, c, 52, 0, 53, 0);
	io_uring_queue_exit(&ring);
}

static uint32_t race_word;
static atomic_int race_stop;

static void *race_waker(void *arg)
{
	(void)arg;
	while (!atomic_load(&race_stop)) {
		syscall(SYS_futex, &race_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
		sched_yield();
	}
	return NULL;
}

/*
 * Waits racing with wakes from another thread: each completes once, with 0
 * (woken) or -EAGAIN (never here: the value does not change).
 */
TEST(wait_races_wake)
{
	struct io_uring ring;
	pthread_t th;
	struct test_cqe c = { 0 };

	ring_or_skip(&ring);
	atomic_store(&race_stop, 0);
	REQUIRE_EQ(pthread_create(&th, NULL, race_waker, NULL), 0);
	for (int i = 0; i < 200; i++) {
		fx_sqe(&ring, IORING_OP_FUTEX_WAIT, F2_U32 | F2_PRIVATE, &race_word, 0, ANY, i);
		CHECK_EQ(io_uring_submit(&ring), 1);
		if (test_reap(&ring, &c, 1, 5000) != 1) {
			FAIL("wait %d never woken", i);
			break;
		}
		CHECK_EQ(c.res, 0);
		CHECK_EQ_U(c.user_data, (unsigned)i);
	}
	atomic_store(&race_stop, 1);
	pthread_join(th, NULL);
	CHECK_TRUE(test_cq_empty_for(&ring, 10));
	io_uring_queue_exit(&ring);
}

/* liburing 2.15's prep helpers encode what the opcodes read. */
TEST(prep_helpers)
{
	struct io_uring ring;
	static uint32_t w[2];
	struct futex_waitv v[2] = {
		{ .val = 0, .uaddr = (uintptr_t)&w[0], .flags = F2_U32 | F2_PRIVATE },
		{ .val = 0, .uaddr = (uintptr_t)&w[1], .flags = F2_U32 | F2_PRIVATE },
	};
	struct io_uring_sqe *sqe;
	struct test_cqe c[2] = { 0 };

	ring_or_skip(&ring);
	io_uring_prep_futex_wait(test_get_sqe(&ring), &w[0], 1, FUTEX_BITSET_MATCH_ANY,
				 F2_U32 | F2_PRIVATE, 0);
	CHECK_EQ(result(&ring), -EAGAIN);
	io_uring_prep_futex_wake(test_get_sqe(&ring), &w[0], 1, FUTEX_BITSET_MATCH_ANY,
				 F2_U32 | F2_PRIVATE, 0);
	CHECK_EQ(result(&ring), 0);
	/* flags (the SQE's futex_flags) must be 0 */
	io_uring_prep_futex_wake(test_get_sqe(&ring), &w[0], 1, FUTEX_BITSET_MATCH_ANY,
				 F2_U32 | F2_PRIVATE, 1);
	CHECK_EQ(result(&ring), -EINVAL);

	sqe = test_get_sqe(&ring);
	io_uring_prep_futex_wait(sqe, &w[0], 0, 0x3, F2_U32 | F2_PRIVATE, 0);
	sqe->user_data = 80;
	sqe = test_get_sqe(&ring);
	io_uring_prep_futex_waitv(sqe, v, 2, 0);
	sqe->user_data = 81;
	CHECK_EQ(io_uring_submit(&ring), 2);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	sqe = test_get_sqe(&ring);
	io_uring_prep_futex_wake(sqe, &w[1], 5, FUTEX_BITSET_MATCH_ANY, F2_U32 | F2_PRIVATE, 0);
	sqe->user_data = 82;
	CHECK_EQ(io_uring_submit(&ring), 1);
	reap_two(&ring, c, 82, 1, 81, 1);
	sqe = test_get_sqe(&ring);
	io_uring_prep_futex_wake(sqe, &w[0], 5, 0x2, F2_U32 | F2_PRIVATE, 0);
	sqe->user_data = 83;
	CHECK_EQ(io_uring_submit(&ring), 1);
	reap_two(&ring, c, 83, 1, 80, 0);
	io_uring_queue_exit(&ring);
}

/* IOSQE_ASYNC (issued by a worker) and CQE_SKIP_SUCCESS on waits. */
TEST(wait_sqe_flags)
{
	struct io_uring ring;
	static uint32_t word;
	struct io_uring_sqe *sqe;
	struct test_cqe c[2] = { 0 };

	ring_or_skip(&ring);
	sqe = fx_sqe(&ring, IORING_OP_FUTEX_WAIT, F2_U32 | F2_PRIVATE, &word, 0, ANY, 110);
	sqe->flags |= IOSQE_ASYNC;
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	/* a worker queues it when it runs: wake until a wake finds it */
	for (int i = 0; i < 5000; i++) {
		if (syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0))
			break;
		test_sleep_ms(1);
	}
	REQUIRE_EQ(test_reap(&ring, c, 1, 5000), 1);
	CHECK_EQ_U(c[0].user_data, 110);
	CHECK_EQ(c[0].res, 0);

	/* woken: success, no CQE; failed at issue: its CQE all the same */
	sqe = fx_sqe(&ring, IORING_OP_FUTEX_WAIT, F2_U32 | F2_PRIVATE, &word, 0, ANY, 111);
	sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
	sqe = fx_sqe(&ring, IORING_OP_FUTEX_WAIT, F2_U32 | F2_PRIVATE, &word, 1, ANY, 112);
	sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
	CHECK_EQ(io_uring_submit(&ring), 2);
	REQUIRE_EQ(test_reap(&ring, c, 1, 5000), 1);
	CHECK_EQ_U(c[0].user_data, 112);
	CHECK_EQ(c[0].res, -EAGAIN);
	CHECK_EQ(wake(&ring, F2_U32 | F2_PRIVATE, &word, 5, ANY), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 30));
	io_uring_queue_exit(&ring);
}

/* On an SQPOLL ring the poller issues the wait; an IOPOLL ring refuses it. */
TEST(sqpoll_and_iopoll_rings)
{
	struct io_uring ring;
	static uint32_t word;
	struct test_cqe c = { 0 };

	test_ring_init(8, &ring, IORING_SETUP_SQPOLL);
	fx_sqe(&ring, IORING_OP_FUTEX_WAIT, F2_U32 | F2_PRIVATE, &word, 0, ANY, 90);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	/* the poller queues it when it gets to it: wake until a wake finds it */
	for (int i = 0; i < 5000; i++) {
		long n = syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);

		if (n)
			break;
		test_sleep_ms(1);
	}
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ_U(c.user_data, 90);
	CHECK_EQ(c.res, 0);
	io_uring_queue_exit(&ring);

	test_ring_init(8, &ring, IORING_SETUP_IOPOLL);
	fx_sqe(&ring, IORING_OP_FUTEX_WAIT, F2_U32 | F2_PRIVATE, &word, 0, ANY, 91);
	CHECK_EQ(result(&ring), -EINVAL);
	fx_sqe(&ring, IORING_OP_FUTEX_WAKE, F2_U32 | F2_PRIVATE, &word, 1, ANY, 92);
	CHECK_EQ(result(&ring), -EINVAL);
	io_uring_queue_exit(&ring);
}

static void cancel_sqe(struct io_uring *ring, __u64 target, unsigned flags, __u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(ring);

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_ASYNC_CANCEL;
	sqe->addr = target;
	sqe->cancel_flags = flags;
	sqe->user_data = user_data;
}

/* ASYNC_CANCEL of armed waits: the kernel counts each one it took (1 for a
 * single match), and the cancel's CQE comes before the -ECANCELED. */
TEST(cancel_waits)
{
	struct io_uring ring;
	static uint32_t w[2];
	struct futex_waitv v[2] = {
		{ .val = 0, .uaddr = (uintptr_t)&w[0], .flags = F2_U32 },
		{ .val = 0, .uaddr = (uintptr_t)&w[1], .flags = F2_U32 | F2_PRIVATE },
	};
	struct test_cqe c[4] = { 0 };

	ring_or_skip(&ring);
	fx_sqe(&ring, IORING_OP_FUTEX_WAIT, F2_U32, &w[0], 0, ANY, 60);
	CHECK_EQ(io_uring_submit(&ring), 1);
	cancel_sqe(&ring, 60, 0, 99);
	test_submit_reap(&ring, c, 2);
	CHECK_EQ_U(c[0].user_data, 99);
	CHECK_EQ(c[0].res, 1);
	CHECK_EQ_U(c[1].user_data, 60);
	CHECK_EQ(c[1].res, -ECANCELED);
	/* gone: not found again, and a wake finds no waiter */
	cancel_sqe(&ring, 60, 0, 99);
	CHECK_EQ(result(&ring), -ENOENT);
	CHECK_EQ(wake(&ring, F2_U32, &w[0], 10, ANY), 0);

	/* ALL by user_data: a masked wait, a wait, a vector */
	fx_sqe(&ring, IORING_OP_FUTEX_WAIT, F2_U32, &w[0], 0, 0x5, 61);
	fx_sqe(&ring, IORING_OP_FUTEX_WAIT, F2_U32 | F2_PRIVATE, &w[1], 0, ANY, 61);
	waitv_sqe(&ring, v, 2, 61);
	CHECK_EQ(io_uring_submit(&ring), 3);
	cancel_sqe(&ring, 61, IORING_ASYNC_CANCEL_ALL, 99);
	test_submit_reap(&ring, c, 4);
	CHECK_EQ_U(c[0].user_data, 99);
	/* the kernel's count: one per pass of its search, which takes every
	 * futex match at once with ALL */
	CHECK_EQ(c[0].res, 1);
	for (int i = 1; i < 4; i++) {
		CHECK_EQ_U(c[i].user_data, 61);
		CHECK_EQ(c[i].res, -ECANCELED);
	}
	/* ANY: every armed request */
	fx_sqe(&ring, IORING_OP_FUTEX_WAIT, F2_U32, &w[0], 0, ANY, 62);
	waitv_sqe(&ring, v, 2, 63);
	CHECK_EQ(io_uring_submit(&ring), 2);
	cancel_sqe(&ring, 0, IORING_ASYNC_CANCEL_ANY, 99);
	test_submit_reap(&ring, c, 3);
	CHECK_EQ_U(c[0].user_data, 99);
	CHECK_EQ(c[0].res, 2);
	CHECK_TRUE(test_find_cqe(c, 3, 62) && test_find_cqe(c, 3, 62)->res == -ECANCELED);
	CHECK_TRUE(test_find_cqe(c, 3, 63) && test_find_cqe(c, 3, 63)->res == -ECANCELED);
	io_uring_queue_exit(&ring);
}

static uint32_t cw_word;

static void *cw_waker(void *arg)
{
	(void)arg;
	while (!atomic_load(&race_stop))
		syscall(SYS_futex, &cw_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	return NULL;
}

/* Cancel racing a wake: each wait ends once, woken (cancel -ENOENT) or
 * cancelled (cancel 1, then -ECANCELED). */
TEST(cancel_races_wake)
{
	struct io_uring ring;
	pthread_t th;
	int woken = 0, cancelled = 0;

	ring_or_skip(&ring);
	atomic_store(&race_stop, 0);
	REQUIRE_EQ(pthread_create(&th, NULL, cw_waker, NULL), 0);
	for (int i = 0; i < 200; i++) {
		struct test_cqe c[2] = { 0 };
		const struct test_cqe *wc, *cc;

		fx_sqe(&ring, IORING_OP_FUTEX_WAIT, F2_U32 | F2_PRIVATE, &cw_word, 0, ANY, 70);
		cancel_sqe(&ring, 70, 0, 71);
		CHECK_EQ(io_uring_submit(&ring), 2);
		if (test_reap(&ring, c, 2, 5000) != 2) {
			FAIL("round %d: a CQE missing", i);
			break;
		}
		wc = test_find_cqe(c, 2, 70);
		cc = test_find_cqe(c, 2, 71);
		REQUIRE_TRUE(wc && cc);
		if (wc->res == 0) {
			woken++;
			CHECK_EQ(cc->res, -ENOENT);
		} else {
			cancelled++;
			CHECK_EQ(wc->res, -ECANCELED);
			CHECK_EQ(cc->res, 1);
		}
	}
	atomic_store(&race_stop, 1);
	pthread_join(th, NULL);
	printf("# woken %d, cancelled %d\n", woken, cancelled);
	CHECK_TRUE(test_cq_empty_for(&ring, 10));
	io_uring_queue_exit(&ring);
}

/* Closing the ring while wakes come, its helpers completing waits as the
 * teardown cancels them: nothing hangs (nor, under ASan and TSan, races). */
TEST(teardown_races_wake)
{
	pthread_t th;

	atomic_store(&race_stop, 0);
	REQUIRE_EQ(pthread_create(&th, NULL, cw_waker, NULL), 0);
	for (int round = 0; round < 30; round++) {
		struct io_uring ring;

		ring_or_skip(&ring);
		for (int i = 0; i < 4; i++)
			fx_sqe(&ring, IORING_OP_FUTEX_WAIT, F2_U32 | F2_PRIVATE, &cw_word, 0, ANY, i);
		CHECK_EQ(io_uring_submit(&ring), 4);
		if (round & 1)
			test_sleep_ms(1);
		io_uring_queue_exit(&ring);
	}
	atomic_store(&race_stop, 1);
	pthread_join(th, NULL);
}

/* Closing a ring with waits armed: no hang, no thread or fd left behind. */
TEST(teardown_with_waits_armed)
{
	static uint32_t w[4];
	static struct futex_waitv v[128];
	int threads, fds;

	/* threads of earlier cases' rings (the kernel's SQPOLL thread) leave
	 * a little after their ring: let them go first */
	for (int i = 0; i < 200 && test_count_threads() > 1; i++)
		test_sleep_ms(10);
	threads = test_count_threads();
	fds = test_count_fds();
	for (int round = 0; round < 3; round++) {
		struct io_uring ring;

		ring_or_skip(&ring);
		for (int i = 0; i < 4; i++)
			fx_sqe(&ring, IORING_OP_FUTEX_WAIT, F2_U32 | (i & 1 ? F2_PRIVATE : 0),
			       &w[i], 0, i == 3 ? 0x4 : ANY, i);
		for (int i = 0; i < 128; i++)
			v[i] = (struct futex_waitv){ .val = 0, .uaddr = (uintptr_t)&w[i % 4],
						     .flags = F2_U32 };
		waitv_sqe(&ring, v, 3, 10);
		waitv_sqe(&ring, v, 128, 11);
		CHECK_EQ(io_uring_submit(&ring), 6);
		CHECK_TRUE(test_cq_empty_for(&ring, 10));
		io_uring_queue_exit(&ring);
	}
	CHECK_EQ(test_count_threads(), threads);
	CHECK_EQ(test_count_fds(), fds);
	/* (the kernel cancels the waits of a closed ring in a work item, later:
	 * a wake right after the close may still find them) */
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(wake_flags_and_fields),
		TEST_ENTRY(wait_checks_at_issue),
		TEST_ENTRY(wait_then_ring_wake),
		TEST_ENTRY(wait_woken_by_syscall),
		TEST_ENTRY(private_and_shared),
		TEST_ENTRY(wait_mask),
		TEST_ENTRY(many_waits_one_wake),
		TEST_ENTRY(waitv_checks),
		TEST_ENTRY(waitv_index),
		TEST_ENTRY(waitv_max),
		TEST_ENTRY(wait_in_link),
		TEST_ENTRY(wait_races_wake),
		TEST_ENTRY(prep_helpers),
		TEST_ENTRY(wait_sqe_flags),
		TEST_ENTRY(sqpoll_and_iopoll_rings),
		TEST_ENTRY(cancel_waits),
		TEST_ENTRY(cancel_races_wake),
		TEST_ENTRY(teardown_races_wake),
		TEST_ENTRY(teardown_with_waits_armed),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
