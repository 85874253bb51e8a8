/* SPDX-License-Identifier: MIT */
/*
 * NOP round trips, user_data, the SQ/CQ helpers of the library, and the
 * generic SQE checks that a NOP shows.
 */
#include "harness.h"

static struct io_uring ring_nsa;

static struct io_uring_sqe *nop(struct io_uring *ring, __u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(ring);

	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, user_data);
	return sqe;
}

/* Submit one prepared SQE alone and return its CQE result. */
static int one_result(struct io_uring *ring, __u64 user_data)
{
	struct test_cqe c = { 0 };

	CHECK_EQ(test_submit_reap(ring, &c, 1), 1);
	CHECK_EQ_U(c.user_data, user_data);
	CHECK_EQ_U(c.flags, 0);
	return c.res;
}

TEST(nop_round_trip)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	static int marker;

	test_ring_init(4, &ring, 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data(sqe, &marker);
	CHECK_EQ_U(io_uring_sq_ready(&ring), 1);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_EQ_U(io_uring_sq_ready(&ring), 0);
	REQUIRE_EQ(test_wait_cqe_ms(&ring, &cqe, 5000), 0);
	CHECK_TRUE(io_uring_cqe_get_data(cqe) == &marker);
	CHECK_EQ(cqe->res, 0);
	CHECK_EQ_U(cqe->flags, 0);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 1);
	io_uring_cqe_seen(&ring, cqe);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 0);
	io_uring_queue_exit(&ring);
}

TEST(user_data64_values)
{
	static const __u64 values[] = { 0, 1, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
					0xdeadbeefcafef00dULL, ~0ULL - 1 };
	struct io_uring ring;
	struct test_cqe c[ARRAY_SIZE(values)];

	test_ring_init(8, &ring, 0);
	for (size_t i = 0; i < ARRAY_SIZE(values); i++)
		nop(&ring, values[i]);
	CHECK_EQ(test_submit_reap(&ring, c, ARRAY_SIZE(values)), (int)ARRAY_SIZE(values));
	/* inline completions of one batch are posted in submission order */
	for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
		CHECK_EQ_U(c[i].user_data, values[i]);
		CHECK_EQ(c[i].res, 0);
		CHECK_EQ_U(io_uring_cqe_get_data64(&(struct io_uring_cqe){ .user_data = values[i] }),
			   values[i]);
	}
	io_uring_queue_exit(&ring);
}

TEST(full_sq_then_submit)
{
	struct io_uring ring;
	struct test_cqe c[8];

	test_ring_init(8, &ring, 0);
	for (int i = 0; i < 8; i++)
		nop(&ring, 100 + i);
	CHECK_EQ_U(io_uring_sq_space_left(&ring), 0);
	CHECK_TRUE(io_uring_get_sqe(&ring) == NULL);
	CHECK_EQ(test_submit_reap(&ring, c, 8), 8);
	for (int i = 0; i < 8; i++)
		CHECK_EQ_U(c[i].user_data, 100 + i);
	CHECK_EQ_U(io_uring_sq_space_left(&ring), 8);
	CHECK_TRUE(test_cq_empty_for(&ring, 0));
	io_uring_queue_exit(&ring);
}

TEST(for_each_cqe_and_advance)
{
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	unsigned head, n = 0;

	test_ring_init(8, &ring, 0);
	for (int i = 0; i < 6; i++)
		nop(&ring, 200 + i);
	CHECK_EQ(io_uring_submit_and_wait(&ring, 6), 6);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 6);
	io_uring_for_each_cqe(&ring, head, cqe) {
		CHECK_EQ_U(cqe->user_data, 200 + n);
		n++;
	}
	CHECK_EQ_U(n, 6);
	io_uring_cq_advance(&ring, n);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 0);
	io_uring_queue_exit(&ring);
}

TEST(peek_batch)
{
	struct io_uring ring;
	struct io_uring_cqe *cqes[8], *cqe;

	test_ring_init(8, &ring, 0);
	/* nothing there yet */
	CHECK_ERRNO(io_uring_peek_cqe(&ring, &cqe), -EAGAIN);
	CHECK_EQ_U(io_uring_peek_batch_cqe(&ring, cqes, 8), 0);
	for (int i = 0; i < 5; i++)
		nop(&ring, 300 + i);
	CHECK_EQ(io_uring_submit_and_wait(&ring, 5), 5);
	CHECK_EQ_U(io_uring_peek_batch_cqe(&ring, cqes, 3), 3);
	for (int i = 0; i < 3; i++)
		CHECK_EQ_U(cqes[i]->user_data, 300 + i);
	io_uring_cq_advance(&ring, 3);
	CHECK_EQ_U(io_uring_peek_batch_cqe(&ring, cqes, 8), 2);
	CHECK_EQ_U(cqes[0]->user_data, 303);
	CHECK_EQ_U(cqes[1]->user_data, 304);
	io_uring_cq_advance(&ring, 2);
	CHECK_EQ(io_uring_peek_cqe(&ring, &cqe), -EAGAIN);
	io_uring_queue_exit(&ring);
}

TEST(submit_and_wait_returns_submitted)
{
	struct io_uring ring;

	test_ring_init(8, &ring, 0);
	nop(&ring, 1);
	nop(&ring, 2);
	/* the submitted count wins over the wait result */
	CHECK_EQ(io_uring_submit_and_wait(&ring, 1), 2);
	CHECK_EQ(io_uring_submit_and_wait(&ring, 2), 0);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 2);
	io_uring_queue_exit(&ring);
}

TEST(many_nops_wrap)
{
	struct io_uring ring;
	struct test_cqe c[8];
	__u64 next = 0;
	bool ok = true;

	/* 5000 NOPs through an 8/16 ring: heads and tails wrap the masks many times */
	test_ring_init(8, &ring, 0);
	for (int round = 0; round < 625 && ok; round++) {
		for (int i = 0; i < 8; i++)
			nop(&ring, next + i);
		ok = CHECK_EQ(test_submit_reap(&ring, c, 8), 8);
		for (int i = 0; i < 8; i++)
			ok &= CHECK_EQ_U(c[i].user_data, next + i) && CHECK_EQ(c[i].res, 0);
		next += 8;
	}
	CHECK_EQ_U(*ring.sq.khead, 5000);
	CHECK_EQ_U(*ring.cq.khead, 5000);
	io_uring_queue_exit(&ring);
}

TEST(nop_ignores_fields)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;

	test_ring_init(4, &ring, 0);
	/* garbage in every field a NOP does not read */
	sqe = nop(&ring, 7);
	sqe->fd = 12345;
	sqe->addr = 0xdeadbeef;
	sqe->len = 99;
	sqe->off = 77;
	sqe->buf_index = 3;
	sqe->splice_fd_in = 5;
	sqe->addr3 = 42;
	CHECK_EQ(one_result(&ring, 7), 0);
	/* FIXED_FILE is not looked at for an op without a file */
	sqe = nop(&ring, 8);
	sqe->flags = IOSQE_FIXED_FILE;
	CHECK_EQ(one_result(&ring, 8), 0);
	/* ASYNC gives the same result */
	sqe = nop(&ring, 9);
	sqe->flags = IOSQE_ASYNC;
	CHECK_EQ(one_result(&ring, 9), 0);
	io_uring_queue_exit(&ring);
}

TEST(generic_sqe_checks)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;

	test_ring_init(4, &ring, 0);
	sqe = nop(&ring, 1);
	sqe->ioprio = 1;
	CHECK_EQ(one_result(&ring, 1), -EINVAL);
	sqe = nop(&ring, 2);
	sqe->flags = 1u << 7; /* unknown SQE flag */
	CHECK_EQ(one_result(&ring, 2), -EINVAL);
	sqe = nop(&ring, 3);
	sqe->opcode = IORING_OP_LAST;
	CHECK_EQ(one_result(&ring, 3), -EINVAL);
	sqe = nop(&ring, 4);
	sqe->opcode = 255;
	CHECK_EQ(one_result(&ring, 4), -EINVAL);
	sqe = nop(&ring, 5);
	sqe->flags = IOSQE_BUFFER_SELECT;
	CHECK_EQ(one_result(&ring, 5), -EOPNOTSUPP);
	sqe = nop(&ring, 6);
	sqe->personality = 77; /* not registered */
	CHECK_EQ(one_result(&ring, 6), -EINVAL);
	/* the ring still works */
	nop(&ring, 7);
	CHECK_EQ(one_result(&ring, 7), 0);
	io_uring_queue_exit(&ring);
}

TEST(nop_inject_result)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;

	test_ring_init(4, &ring, 0);
	sqe = nop(&ring, 1);
	sqe->nop_flags = IORING_NOP_INJECT_RESULT;
	sqe->len = (__u32)-5;
	CHECK_EQ(one_result(&ring, 1), -5);
	sqe = nop(&ring, 2);
	sqe->nop_flags = IORING_NOP_INJECT_RESULT;
	sqe->len = 1234;
	CHECK_EQ(one_result(&ring, 2), 1234);
	sqe = nop(&ring, 3);
	sqe->nop_flags = 1u << 6; /* unknown NOP flag */
	CHECK_EQ(one_result(&ring, 3), -EINVAL);
	io_uring_queue_exit(&ring);
}

/* a NOP with nop_flags set (INJECT_RESULT with len as the result) */
static struct io_uring_sqe *nop_flagged(struct io_uring *ring, __u64 user_data, __u32 flags,
					int fd, __u32 len)
{
	struct io_uring_sqe *sqe = nop(ring, user_data);

	sqe->nop_flags = flags;
	sqe->fd = fd;
	sqe->len = len;
	return sqe;
}

/*
 * The kernel's NOP test flags (6.18): FILE looks the fd up (fixed with
 * FIXED_FILE or IOSQE_FIXED_FILE), FIXED_BUFFER the buffer at buf_index;
 * the first check that fails gives the result, else the injected one.
 */
TEST(nop_test_flags)
{
	static char buf[4096];
	struct iovec iov = { buf, sizeof(buf) };
	int files[2] = { 0, 1 };
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct test_cqe c[2];

	test_ring_init(4, &ring, 0);
	nop_flagged(&ring, 1, IORING_NOP_FILE, 9999, 0);
	CHECK_EQ(one_result(&ring, 1), -EBADF);
	nop_flagged(&ring, 2, IORING_NOP_FILE, 0, 0);
	CHECK_EQ(one_result(&ring, 2), 0);
	nop_flagged(&ring, 3, IORING_NOP_FILE | IORING_NOP_INJECT_RESULT, 9999, 7);
	CHECK_EQ(one_result(&ring, 3), -EBADF);
	nop_flagged(&ring, 4, IORING_NOP_FILE | IORING_NOP_INJECT_RESULT, 0, 7);
	CHECK_EQ(one_result(&ring, 4), 7);
	/* FIXED_FILE alone looks nothing up */
	nop_flagged(&ring, 5, IORING_NOP_FIXED_FILE, 9999, 0);
	CHECK_EQ(one_result(&ring, 5), 0);
	/* no table yet */
	nop_flagged(&ring, 6, IORING_NOP_FILE | IORING_NOP_FIXED_FILE, 0, 0);
	CHECK_EQ(one_result(&ring, 6), -EBADF);
	sqe = nop_flagged(&ring, 7, IORING_NOP_FILE, 0, 0);
	sqe->flags = IOSQE_FIXED_FILE;
	CHECK_EQ(one_result(&ring, 7), -EBADF);
	sqe = nop_flagged(&ring, 8, IORING_NOP_FIXED_BUFFER, 0, 0);
	sqe->buf_index = 0;
	CHECK_EQ(one_result(&ring, 8), -EFAULT);
	nop_flagged(&ring, 9, IORING_NOP_TW, 0, 0);
	CHECK_EQ(one_result(&ring, 9), 0);
	nop_flagged(&ring, 10, IORING_NOP_TW | IORING_NOP_INJECT_RESULT, 0, (__u32)-3);
	CHECK_EQ(one_result(&ring, 10), -3);
	/* CQE32 asks for 32-byte CQEs: not this ring */
	nop_flagged(&ring, 11, IORING_NOP_CQE32, 0, 0);
	CHECK_EQ(one_result(&ring, 11), -EINVAL);
	/* the ring's own fd is a file */
	nop_flagged(&ring, 12, IORING_NOP_FILE, ring.ring_fd, 0);
	CHECK_EQ(one_result(&ring, 12), 0);

	REQUIRE_EQ(io_uring_register_files(&ring, files, 2), 0);
	REQUIRE_EQ(io_uring_register_buffers(&ring, &iov, 1), 0);
	nop_flagged(&ring, 20, IORING_NOP_FILE | IORING_NOP_FIXED_FILE, 0, 0);
	CHECK_EQ(one_result(&ring, 20), 0);
	nop_flagged(&ring, 21, IORING_NOP_FILE | IORING_NOP_FIXED_FILE, 5, 0);
	CHECK_EQ(one_result(&ring, 21), -EBADF);
	sqe = nop_flagged(&ring, 22, IORING_NOP_FILE, 1, 0);
	sqe->flags = IOSQE_FIXED_FILE;
	CHECK_EQ(one_result(&ring, 22), 0);
	sqe = nop_flagged(&ring, 23, IORING_NOP_FILE, 5, 0);
	sqe->flags = IOSQE_FIXED_FILE;
	CHECK_EQ(one_result(&ring, 23), -EBADF);
	sqe = nop_flagged(&ring, 24, IORING_NOP_FIXED_BUFFER, 0, 0);
	sqe->buf_index = 0;
	CHECK_EQ(one_result(&ring, 24), 0);
	sqe = nop_flagged(&ring, 25, IORING_NOP_FIXED_BUFFER | IORING_NOP_INJECT_RESULT, 0, 3);
	sqe->buf_index = 1;
	CHECK_EQ(one_result(&ring, 25), -EFAULT);
	/* FILE is checked before FIXED_BUFFER */
	sqe = nop_flagged(&ring, 26, IORING_NOP_FILE | IORING_NOP_FIXED_BUFFER, 9999, 0);
	sqe->buf_index = 1;
	CHECK_EQ(one_result(&ring, 26), -EBADF);
	/* the same from a worker */
	sqe = nop_flagged(&ring, 27, IORING_NOP_FILE, 9999, 0);
	sqe->flags = IOSQE_ASYNC;
	CHECK_EQ(one_result(&ring, 27), -EBADF);

	/* a failed check fails the request: its link is cancelled */
	sqe = nop_flagged(&ring, 30, IORING_NOP_FILE, 9999, 0);
	sqe->flags = IOSQE_IO_LINK;
	nop(&ring, 31);
	REQUIRE_EQ(test_submit_reap(&ring, c, 2), 2);
	CHECK_EQ_U(c[0].user_data, 30);
	CHECK_EQ(c[0].res, -EBADF);
	CHECK_EQ_U(c[1].user_data, 31);
	CHECK_EQ(c[1].res, -ECANCELED);
	io_uring_queue_exit(&ring);
}

TEST(no_sqarray_ring)
{
	struct io_uring_params p;
	struct test_cqe c[6];

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_NO_SQARRAY;
	test_ring_init_params(4, &ring_nsa, &p);
	CHECK_EQ_U(p.sq_off.array, 0);
	CHECK_TRUE(ring_nsa.sq.array == NULL);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 2; i++) {
			struct io_uring_sqe *sqe = test_get_sqe(&ring_nsa);

			io_uring_prep_nop(sqe);
			io_uring_sqe_set_data64(sqe, round * 2 + i);
		}
		CHECK_EQ(test_submit_reap(&ring_nsa, &c[round * 2], 2), 2);
	}
	for (int i = 0; i < 6; i++)
		CHECK_EQ_U(c[i].user_data, i);
	io_uring_queue_exit(&ring_nsa);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(nop_round_trip),
		TEST_ENTRY(user_data64_values),
		TEST_ENTRY(full_sq_then_submit),
		TEST_ENTRY(for_each_cqe_and_advance),
		TEST_ENTRY(peek_batch),
		TEST_ENTRY(submit_and_wait_returns_submitted),
		TEST_ENTRY(many_nops_wrap),
		TEST_ENTRY(nop_ignores_fields),
		TEST_ENTRY(generic_sqe_checks),
		TEST_ENTRY(nop_inject_result),
		TEST_ENTRY(nop_test_flags),
		TEST_ENTRY(no_sqarray_ring),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
