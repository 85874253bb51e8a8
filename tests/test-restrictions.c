/* SPDX-License-Identifier: MIT */
/*
 * IORING_REGISTER_RESTRICTIONS on an IORING_SETUP_R_DISABLED ring: when it
 * may be registered, how its entries are checked, and what an enabled
 * restricted ring refuses (a register opcode: -EACCES from the call; an SQE
 * opcode or its flags: a CQE with -EACCES).
 */
#include "harness.h"

/* Linux 6.18's counts: the entries naming an opcode at or past them are refused. */
#define K_REGISTER_LAST (IORING_REGISTER_QUERY + 1)
#define K_OP_LAST (IORING_OP_PIPE + 1)

static int reg(struct io_uring *ring, unsigned opcode, const void *arg, unsigned nr)
{
	return io_uring_register(ring->ring_fd, opcode, arg, nr);
}

static struct io_uring_restriction sqe_op(unsigned op)
{
	return (struct io_uring_restriction){ .opcode = IORING_RESTRICTION_SQE_OP, .sqe_op = op };
}

static struct io_uring_restriction register_op(unsigned op)
{
	return (struct io_uring_restriction){ .opcode = IORING_RESTRICTION_REGISTER_OP,
					      .register_op = op };
}

static struct io_uring_restriction sqe_flags(unsigned kind, unsigned flags)
{
	return (struct io_uring_restriction){ .opcode = kind, .sqe_flags = flags };
}

/* A disabled ring with these restrictions, then enabled. */
static void restricted_ring(struct io_uring *ring, unsigned setup_flags,
			    const struct io_uring_restriction *res, unsigned nr)
{
	test_ring_init(8, ring, IORING_SETUP_R_DISABLED | setup_flags);
	REQUIRE_EQ(reg(ring, IORING_REGISTER_RESTRICTIONS, res, nr), 0);
	REQUIRE_EQ(reg(ring, IORING_REGISTER_ENABLE_RINGS, NULL, 0), 0);
}

static void queue_nop(struct io_uring *ring, unsigned opcode, unsigned flags, __u64 user_data)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	io_uring_prep_nop(sqe);
	sqe->opcode = opcode;
	sqe->flags = flags;
	sqe->user_data = user_data;
	if (opcode != IORING_OP_NOP)
		sqe->fd = -1; /* it would fail -EBADF if it ran */
}

/* The result of one SQE of this opcode and flags. */
static int one_sqe(struct io_uring *ring, unsigned opcode, unsigned flags)
{
	queue_nop(ring, opcode, flags, 7);
	return test_submit_one(ring, 7).res;
}

TEST(only_while_disabled)
{
	struct io_uring_restriction res = sqe_op(IORING_OP_NOP);
	struct io_uring ring;

	test_ring_init(8, &ring, 0);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_RESTRICTIONS, &res, 1), -EBADFD);
	io_uring_queue_exit(&ring);

	test_ring_init(8, &ring, IORING_SETUP_R_DISABLED);
	CHECK_EQ(reg(&ring, IORING_REGISTER_RESTRICTIONS, &res, 1), 0);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_RESTRICTIONS, &res, 1), -EBUSY);
	res = register_op(IORING_REGISTER_RESTRICTIONS);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_RESTRICTIONS, &res, 1), -EBUSY);
	io_uring_queue_exit(&ring);

	/* allowed to call it again once enabled: the ring is no longer disabled */
	restricted_ring(&ring, 0, &res, 1);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_RESTRICTIONS, &res, 1), -EBADFD);
	io_uring_queue_exit(&ring);
}

TEST(bad_entries)
{
	struct io_uring_restriction res[4];
	struct io_uring ring;

	test_ring_init(8, &ring, IORING_SETUP_R_DISABLED);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_RESTRICTIONS, NULL, 1), -EINVAL);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_RESTRICTIONS, NULL, 0), -EINVAL);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_RESTRICTIONS, (void *)8, 1), -EFAULT);
	res[0] = sqe_op(IORING_OP_NOP);
	res[1] = sqe_op(IORING_OP_NOP);
	res[1].opcode = IORING_RESTRICTION_LAST;
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_RESTRICTIONS, res, 2), -EINVAL);
	res[1] = sqe_op(K_OP_LAST);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_RESTRICTIONS, res, 2), -EINVAL);
	res[1] = register_op(K_REGISTER_LAST);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_RESTRICTIONS, res, 2), -EINVAL);
	/* each failure left nothing registered: a good one still goes in */
	res[1] = register_op(K_REGISTER_LAST - 1);
	res[1].resv = 1; /* the reserved fields are not looked at */
	res[1].resv2[2] = 1;
	res[2] = sqe_op(K_OP_LAST - 1);
	res[3] = sqe_flags(IORING_RESTRICTION_SQE_FLAGS_REQUIRED, 0x80);
	CHECK_EQ(reg(&ring, IORING_REGISTER_RESTRICTIONS, res, 4), 0);
	io_uring_queue_exit(&ring);
}

/* At most one entry per class value: IORING_RESTRICTION_LAST + register + SQE opcodes. */
TEST(entry_count_limit)
{
	unsigned max = IORING_RESTRICTION_LAST + K_REGISTER_LAST + K_OP_LAST;
	struct io_uring_restriction *res = calloc(max + 1, sizeof(*res));
	struct io_uring ring;

	REQUIRE_TRUE(res != NULL);
	for (unsigned i = 0; i <= max; i++)
		res[i] = sqe_op(IORING_OP_NOP);
	test_ring_init(8, &ring, IORING_SETUP_R_DISABLED);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_RESTRICTIONS, res, max + 1), -EINVAL);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_RESTRICTIONS, res, 100000), -EINVAL);
	CHECK_EQ(reg(&ring, IORING_REGISTER_RESTRICTIONS, res, max), 0);
	io_uring_queue_exit(&ring);
	free(res);
}

TEST(register_opcodes)
{
	struct io_uring_restriction res[2] = { register_op(IORING_REGISTER_PROBE),
					       register_op(IORING_REGISTER_ENABLE_RINGS) };
	struct io_uring_sync_cancel_reg sc = { 0 };
	int fd = 0;
	struct io_uring ring;

	restricted_ring(&ring, 0, res, 2);
	/* allowed: the call's own checks */
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_PROBE, NULL, 0), -EINVAL);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_ENABLE_RINGS, NULL, 0), -EBADFD);
	/* refused before any look at the arguments, ring fds and sync cancel too */
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_FILES, &fd, 1), -EACCES);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_FILES, NULL, 0), -EACCES);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_RESTRICTIONS, res, 1), -EACCES);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_RING_FDS, NULL, 0), -EACCES);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_SYNC_CANCEL, &sc, 1), -EACCES);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_QUERY, NULL, 0), -EACCES);
	/* an unknown opcode is still -EINVAL */
	CHECK_ERRNO(reg(&ring, 200, NULL, 0), -EINVAL);
	/* SQE opcodes were not named: none is allowed */
	CHECK_ERRNO(one_sqe(&ring, IORING_OP_NOP, 0), -EACCES);
	io_uring_queue_exit(&ring);
}

/* Registered with no entry: the enabled ring allows nothing. */
TEST(empty_set_allows_nothing)
{
	struct io_uring_restriction res = sqe_op(IORING_OP_NOP);
	struct io_uring ring;

	test_ring_init(8, &ring, IORING_SETUP_R_DISABLED);
	CHECK_EQ(reg(&ring, IORING_REGISTER_RESTRICTIONS, &res, 0), 0);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_RESTRICTIONS, &res, 1), -EBUSY);
	CHECK_EQ(reg(&ring, IORING_REGISTER_ENABLE_RINGS, NULL, 0), 0);
	CHECK_ERRNO(one_sqe(&ring, IORING_OP_NOP, 0), -EACCES);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_ENABLE_RINGS, NULL, 0), -EACCES);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_PROBE, NULL, 0), -EACCES);
	io_uring_queue_exit(&ring);
}

/* Disabled then enabled without restrictions: nothing is restricted. */
TEST(enabled_without_restrictions)
{
	struct io_uring ring;
	int fd = 0;

	test_ring_init(8, &ring, IORING_SETUP_R_DISABLED);
	CHECK_EQ(reg(&ring, IORING_REGISTER_ENABLE_RINGS, NULL, 0), 0);
	CHECK_EQ(one_sqe(&ring, IORING_OP_NOP, IOSQE_ASYNC), 0);
	CHECK_EQ(reg(&ring, IORING_REGISTER_FILES, &fd, 1), 0);
	io_uring_queue_exit(&ring);
}

TEST(sqe_opcodes_and_flags)
{
	struct io_uring_restriction res[5] = {
		sqe_op(IORING_OP_NOP),
		/* the last entry of a flags class counts */
		sqe_flags(IORING_RESTRICTION_SQE_FLAGS_ALLOWED, IOSQE_FIXED_FILE),
		sqe_flags(IORING_RESTRICTION_SQE_FLAGS_REQUIRED, IOSQE_ASYNC),
		sqe_flags(IORING_RESTRICTION_SQE_FLAGS_ALLOWED, IOSQE_IO_LINK),
		sqe_op(IORING_OP_READV),
	};
	struct io_uring ring;

	restricted_ring(&ring, 0, res, 5);
	CHECK_EQ(one_sqe(&ring, IORING_OP_NOP, IOSQE_ASYNC), 0);
	CHECK_EQ(one_sqe(&ring, IORING_OP_NOP, IOSQE_ASYNC | IOSQE_IO_LINK), 0);
	/* the opcode is checked before anything of the op's */
	CHECK_ERRNO(one_sqe(&ring, IORING_OP_WRITEV, IOSQE_ASYNC), -EACCES);
	CHECK_ERRNO(one_sqe(&ring, IORING_OP_READV, IOSQE_ASYNC), -EBADF);
	/* a required flag missing, a flag not allowed */
	CHECK_ERRNO(one_sqe(&ring, IORING_OP_NOP, 0), -EACCES);
	CHECK_ERRNO(one_sqe(&ring, IORING_OP_NOP, IOSQE_ASYNC | IOSQE_FIXED_FILE), -EACCES);
	CHECK_ERRNO(one_sqe(&ring, IORING_OP_NOP, IOSQE_ASYNC | IOSQE_IO_DRAIN), -EACCES);
	CHECK_ERRNO(one_sqe(&ring, IORING_OP_NOP, IOSQE_ASYNC | IOSQE_CQE_SKIP_SUCCESS), -EACCES);
	/* the generic checks come first */
	CHECK_ERRNO(one_sqe(&ring, IORING_OP_LAST, IOSQE_ASYNC), -EINVAL);
	CHECK_ERRNO(one_sqe(&ring, IORING_OP_NOP, IOSQE_ASYNC | 0x80), -EINVAL);
	CHECK_ERRNO(one_sqe(&ring, IORING_OP_NOP, IOSQE_ASYNC | IOSQE_BUFFER_SELECT), -EOPNOTSUPP);
	io_uring_queue_exit(&ring);
}

/* A refused SQE fails its link and ends the submission, as any failed init. */
TEST(refused_sqe_in_a_chain)
{
	struct io_uring_restriction res[2] = {
		sqe_op(IORING_OP_NOP),
		sqe_flags(IORING_RESTRICTION_SQE_FLAGS_ALLOWED, IOSQE_IO_LINK),
	};
	struct test_cqe c[3];
	struct io_uring ring;

	restricted_ring(&ring, 0, res, 2);
	queue_nop(&ring, IORING_OP_NOP, IOSQE_IO_LINK, 1);
	queue_nop(&ring, IORING_OP_WRITEV, IOSQE_IO_LINK, 2);
	queue_nop(&ring, IORING_OP_NOP, 0, 3);
	CHECK_EQ(test_submit_reap(&ring, c, 3), 3);
	CHECK_EQ_U(c[0].user_data, 1);
	CHECK_ERRNO(c[0].res, -ECANCELED);
	CHECK_EQ_U(c[1].user_data, 2);
	CHECK_ERRNO(c[1].res, -EACCES);
	CHECK_EQ_U(c[2].user_data, 3);
	CHECK_ERRNO(c[2].res, -ECANCELED);

	/* not in a chain: the submission stops at it */
	queue_nop(&ring, IORING_OP_WRITEV, 0, 4);
	queue_nop(&ring, IORING_OP_NOP, 0, 5);
	CHECK_EQ(test_submit_reap(&ring, c, 1), 1);
	CHECK_EQ_U(c[0].user_data, 4);
	CHECK_ERRNO(c[0].res, -EACCES);
	/* the one left behind goes with the next submission */
	CHECK_EQ(test_submit_reap(&ring, c, 1), 1);
	CHECK_EQ_U(c[0].user_data, 5);
	CHECK_EQ(c[0].res, 0);
	io_uring_queue_exit(&ring);

	/* SUBMIT_ALL goes on past it */
	restricted_ring(&ring, IORING_SETUP_SUBMIT_ALL, res, 2);
	queue_nop(&ring, IORING_OP_WRITEV, 0, 6);
	queue_nop(&ring, IORING_OP_NOP, 0, 7);
	CHECK_EQ(test_submit_reap(&ring, c, 2), 2);
	CHECK_EQ_U(c[0].user_data, 6);
	CHECK_ERRNO(c[0].res, -EACCES);
	CHECK_EQ_U(c[1].user_data, 7);
	CHECK_EQ(c[1].res, 0);
	io_uring_queue_exit(&ring);
}

/* The restrictions hold for the poller's submissions too. */
TEST(sqpoll_ring)
{
	struct io_uring_restriction res = sqe_op(IORING_OP_NOP);
	struct io_uring ring;

	restricted_ring(&ring, IORING_SETUP_SQPOLL, &res, 1);
	CHECK_EQ(one_sqe(&ring, IORING_OP_NOP, 0), 0);
	CHECK_ERRNO(one_sqe(&ring, IORING_OP_WRITEV, 0), -EACCES);
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(only_while_disabled),
		TEST_ENTRY(bad_entries),
		TEST_ENTRY(entry_count_limit),
		TEST_ENTRY(register_opcodes),
		TEST_ENTRY(empty_set_allows_nothing),
		TEST_ENTRY(enabled_without_restrictions),
		TEST_ENTRY(sqe_opcodes_and_flags),
		TEST_ENTRY(refused_sqe_in_a_chain),
		TEST_ENTRY(sqpoll_ring),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
