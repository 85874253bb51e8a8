/* SPDX-License-Identifier: MIT */
/*
 * CQ overflow with IORING_FEAT_NODROP: the backlog, IORING_SQ_CQ_OVERFLOW,
 * what flushes and what does not, order preserved.
 */
#include "harness.h"

static struct io_uring ring;

static void init_8_8(void)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = 8;
	test_ring_init_params(8, &ring, &p);
	REQUIRE_EQ_U(ring.cq.ring_entries, 8);
	REQUIRE_TRUE(p.features & IORING_FEAT_NODROP);
}

static void queue_nops(__u64 first, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = test_get_sqe(&ring);

		io_uring_prep_nop(sqe);
		io_uring_sqe_set_data64(sqe, first + i);
	}
}

static unsigned sq_flags(void)
{
	return IO_URING_READ_ONCE(*ring.sq.kflags);
}

/*
 * Consume what the CQ shows, without any system call (so nothing flushes
 * the backlog behind the test's back), checking user_data in order.
 */
static unsigned consume_expect(__u64 *next, __u64 step_to)
{
	struct io_uring_cqe *cqe;
	unsigned head, n = 0;

	io_uring_for_each_cqe(&ring, head, cqe) {
		CHECK_EQ_U(cqe->user_data, *next);
		CHECK_EQ(cqe->res, 0);
		n++;
		*next = (*next + 1 == step_to) ? 999 : *next + 1;
	}
	io_uring_cq_advance(&ring, n);
	return n;
}

TEST(overflow_backlog_and_flag)
{
	__u64 next = 0;

	init_8_8();
	queue_nops(0, 8);
	CHECK_EQ(io_uring_submit(&ring), 8);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 8);
	CHECK_EQ_U(sq_flags() & IORING_SQ_CQ_OVERFLOW, 0);
	/* the CQ is full: these 8 go to the backlog, submission still succeeds */
	queue_nops(8, 8);
	CHECK_EQ(io_uring_submit(&ring), 8);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 8);
	CHECK_EQ_U(sq_flags() & IORING_SQ_CQ_OVERFLOW, IORING_SQ_CQ_OVERFLOW);
	/* nothing was lost, so the overflow counter stays 0 */
	CHECK_EQ_U(*ring.cq.koverflow, 0);
	/* a plain enter does not flush */
	CHECK_ERRNO(io_uring_enter(ring.ring_fd, 0, 0, 0, NULL), 0);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 8);
	/* a new completion queues behind the backlog */
	queue_nops(999, 1);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 8);

	CHECK_EQ_U(consume_expect(&next, 16), 8);
	CHECK_EQ_U(next, 8);
	/* reaping alone flushes nothing */
	CHECK_EQ_U(io_uring_cq_ready(&ring), 0);
	CHECK_EQ_U(sq_flags() & IORING_SQ_CQ_OVERFLOW, IORING_SQ_CQ_OVERFLOW);
	/* GETEVENTS flushes what fits, in the original order */
	CHECK_ERRNO(io_uring_enter(ring.ring_fd, 0, 0, IORING_ENTER_GETEVENTS, NULL), 0);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 8);
	CHECK_EQ_U(sq_flags() & IORING_SQ_CQ_OVERFLOW, IORING_SQ_CQ_OVERFLOW);
	CHECK_EQ_U(consume_expect(&next, 16), 8);
	CHECK_EQ_U(next, 999);
	CHECK_ERRNO(io_uring_enter(ring.ring_fd, 0, 0, IORING_ENTER_GETEVENTS, NULL), 0);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 1);
	/* the backlog is empty: the flag is gone */
	CHECK_EQ_U(sq_flags() & IORING_SQ_CQ_OVERFLOW, 0);
	CHECK_EQ_U(consume_expect(&next, 16), 1);
	CHECK_EQ_U(*ring.cq.koverflow, 0);
	io_uring_queue_exit(&ring);
}

TEST(overflow_drained_by_library_waits)
{
	struct test_cqe c[24];

	init_8_8();
	queue_nops(0, 8);
	CHECK_EQ(io_uring_submit(&ring), 8);
	queue_nops(8, 8);
	CHECK_EQ(io_uring_submit(&ring), 8);
	queue_nops(16, 8);
	CHECK_EQ(io_uring_submit(&ring), 8);
	/* io_uring_wait_cqe*() flush the backlog when the CQ runs dry */
	CHECK_EQ_U(test_reap(&ring, c, 24, 5000), 24);
	for (int i = 0; i < 24; i++)
		CHECK_EQ_U(c[i].user_data, i);
	CHECK_EQ_U(sq_flags() & IORING_SQ_CQ_OVERFLOW, 0);
	CHECK_TRUE(test_cq_empty_for(&ring, 10));
	io_uring_queue_exit(&ring);
}

TEST(overflow_with_async_completions)
{
	char buf[8][4];
	struct test_cqe c[16];
	int p[2];

	init_8_8();
	REQUIRE_SYS(pipe(p));
	/* 8 reads that wait for data, then a full CQ, then the data */
	for (int i = 0; i < 8; i++) {
		struct io_uring_sqe *sqe = test_get_sqe(&ring);

		io_uring_prep_read(sqe, p[0], buf[i], 1, 0);
		io_uring_sqe_set_data64(sqe, 100 + i);
		io_uring_sqe_set_flags(sqe, i < 7 ? IOSQE_IO_LINK : 0);
	}
	CHECK_EQ(io_uring_submit(&ring), 8);
	queue_nops(0, 8);
	CHECK_EQ(io_uring_submit(&ring), 8);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 8);
	REQUIRE_EQ(write(p[1], "abcdefgh", 8), 8);
	/* the reads complete into the backlog, after the NOPs, in chain order */
	CHECK_EQ_U(test_reap(&ring, c, 16, 5000), 16);
	for (int i = 0; i < 8; i++)
		CHECK_EQ_U(c[i].user_data, i);
	for (int i = 0; i < 8; i++) {
		CHECK_EQ_U(c[8 + i].user_data, 100 + i);
		CHECK_EQ(c[8 + i].res, 1);
		CHECK_EQ(buf[i][0], "abcdefgh"[i]);
	}
	close(p[0]);
	close(p[1]);
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(overflow_backlog_and_flag),
		TEST_ENTRY(overflow_drained_by_library_waits),
		TEST_ENTRY(overflow_with_async_completions),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
