// SPDX-License-Identifier: MIT
/*
 * Big rings on the raw interface: 128-byte SQEs (IORING_SETUP_SQE128),
 * 32-byte CQEs (IORING_SETUP_CQE32) and rings of 16-byte slots where a
 * 32-byte CQE takes two (IORING_SETUP_CQE_MIXED): their layout, NOPs that
 * post 32-byte CQEs (IORING_NOP_CQE32), the backlog, SQPOLL.  Runs on both
 * backends; the expected values are what Linux 6.18 gives.
 */
#include <fcntl.h>
#include <sys/socket.h>

#include "raw.h"

/* a CQE as the program reads it: 16 bytes, and the next 16 when it is big */
struct cqe32 {
	uint64_t user_data;
	int32_t res;
	uint32_t flags;
	uint64_t big[2];
};

/* the CQ's slot i (16-byte units, two per entry on a CQE32 ring) */
static struct io_uring_cqe *cq_slot(struct raw_ring *r, unsigned i)
{
	return &r->cqes[(i & r->cq_mask) << raw_cqe_shift(r)];
}

/* Every byte of the CQEs made garbage: what the ring posts must overwrite it. */
static void scribble_cq(struct raw_ring *r)
{
	memset(r->cqes, 0xab, (r->p.cq_entries * 16) << raw_cqe_shift(r));
}

/*
 * Pop the CQE at the head: a CQE32 ring's entries are 32 bytes; on a
 * CQE_MIXED ring one with IORING_CQE_F_32 takes two slots.  0: none.
 */
static int pop32(struct raw_ring *r, struct cqe32 *out)
{
	unsigned head = *r->cq_head;
	struct io_uring_cqe *c;
	unsigned n = 1;

	if (head == io_uring_smp_load_acquire(r->cq_tail))
		return 0;
	c = cq_slot(r, head);
	out->user_data = c->user_data;
	out->res = c->res;
	out->flags = c->flags;
	out->big[0] = out->big[1] = 0;
	if ((r->p.flags & IORING_SETUP_CQE32) || (c->flags & IORING_CQE_F_32)) {
		out->big[0] = c->big_cqe[0];
		out->big[1] = c->big_cqe[1];
	}
	if (!(r->p.flags & IORING_SETUP_CQE32) && (c->flags & IORING_CQE_F_32))
		n = 2;
	io_uring_smp_store_release(r->cq_head, head + n);
	return 1;
}

static struct io_uring_sqe *nop32(struct raw_ring *r, uint64_t ud, uint64_t x1, uint64_t x2)
{
	struct io_uring_sqe *sqe = raw_nop(r, ud, 0);

	sqe->nop_flags = IORING_NOP_CQE32;
	sqe->off = x1;
	sqe->addr = x2;
	return sqe;
}

static void check_cqe(const struct cqe32 *c, uint64_t ud, int res, unsigned flags, uint64_t x1,
		      uint64_t x2)
{
	CHECK_EQ_U(c->user_data, ud);
	CHECK_EQ(c->res, res);
	CHECK_EQ_U(c->flags, flags);
	CHECK_EQ_U(c->big[0], x1);
	CHECK_EQ_U(c->big[1], x2);
}

static int ring_with(struct raw_ring *r, unsigned entries, unsigned flags, unsigned cq)
{
	struct io_uring_params p = { .flags = flags, .cq_entries = cq };

	if (cq)
		p.flags |= IORING_SETUP_CQSIZE;
	return raw_skip_if_refused(raw_ring_init(r, entries, &p));
}

/* The kernel's sizes: a CQE32 ring's rings are twice the 16-byte ones. */
TEST(layout)
{
	static const unsigned sizes[][2] = {
		{ 1, 2 }, { 4, 8 }, { 8, 16 }, { 8, 64 }, { 2, 1024 }
	};
	static const unsigned flags[] = { 0, IORING_SETUP_CQE32, IORING_SETUP_CQE_MIXED,
					  IORING_SETUP_SQE128,
					  IORING_SETUP_SQE128 | IORING_SETUP_CQE32 };
	struct raw_ring r;

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (size_t f = 0; f < ARRAY_SIZE(flags); f++) {
			unsigned plain = (64 + 16 * sizes[i][1] + 63) & ~63U;
			unsigned big = (2 * (64 + 16 * sizes[i][1]) + 63) & ~63U;

			REQUIRE_EQ(ring_with(&r, sizes[i][0], flags[f], sizes[i][1]), 0);
			CHECK_EQ_U(r.p.cq_entries, sizes[i][1]);
			CHECK_EQ_U(r.p.cq_off.cqes, 64);
			CHECK_EQ_U(r.p.sq_off.array, (flags[f] & IORING_SETUP_CQE32) ? big : plain);
			raw_ring_exit(&r);
		}
	}
	/* one or the other */
	CHECK_ERRNO(ring_with(&r, 4, IORING_SETUP_CQE32 | IORING_SETUP_CQE_MIXED, 0), -EINVAL);
	/* a CQE_MIXED CQ of one slot could not hold a 32-byte CQE: -EOVERFLOW,
	 * after the check of the CQ against the SQ */
	CHECK_ERRNO(ring_with(&r, 1, IORING_SETUP_CQE_MIXED, 1), -EOVERFLOW);
	CHECK_ERRNO(ring_with(&r, 1, IORING_SETUP_CQE_MIXED | IORING_SETUP_CLAMP, 1), -EOVERFLOW);
	CHECK_ERRNO(ring_with(&r, 2, IORING_SETUP_CQE_MIXED, 1), -EINVAL);
	REQUIRE_EQ(ring_with(&r, 1, IORING_SETUP_CQE32, 1), 0);
	raw_ring_exit(&r);
	REQUIRE_EQ(ring_with(&r, 1, IORING_SETUP_CQE_MIXED, 0), 0);
	CHECK_EQ_U(r.p.cq_entries, 2);
	raw_ring_exit(&r);
}

/* Every CQE of a CQE32 ring is 32 bytes: zeros after a plain one. */
TEST(cqe32_nops)
{
	struct raw_ring r;
	struct cqe32 c;
	struct io_uring_sqe *sqe;

	REQUIRE_EQ(ring_with(&r, 8, IORING_SETUP_CQE32, 0), 0);
	scribble_cq(&r);
	raw_nop(&r, 1, 0);
	nop32(&r, 2, 0x1111, 0x2222);
	sqe = nop32(&r, 3, 0x3333, 0x4444);
	sqe->nop_flags |= IORING_NOP_INJECT_RESULT;
	sqe->len = 5;
	nop32(&r, 4, 5, 6)->flags = IOSQE_ASYNC;
	/* failing its file check: the result is the error, the CQE still big */
	sqe = nop32(&r, 5, 7, 8);
	sqe->nop_flags |= IORING_NOP_FILE;
	sqe->fd = -1;
	/* cancelled before it ran: a plain CQE */
	sqe = raw_nop(&r, 6, IOSQE_IO_LINK);
	sqe->nop_flags = IORING_NOP_INJECT_RESULT;
	sqe->len = (unsigned)-EIO;
	nop32(&r, 7, 9, 10);
	CHECK_EQ(raw_submit(&r, 7, 7, IORING_ENTER_GETEVENTS), 7);
	/* the async one comes when its worker is done: anywhere among the
	 * rest, which keep their order */
	for (unsigned i = 0, next = 0; i < 7; i++) {
		static const struct {
			uint64_t ud;
			int32_t res;
			uint64_t big1, big2;
		} want[] = {
			{ 1, 0, 0, 0 },	     { 2, 0, 0x1111, 0x2222 }, { 3, 5, 0x3333, 0x4444 },
			{ 5, -EBADF, 7, 8 }, { 6, -EIO, 0, 0 },	       { 7, -ECANCELED, 0, 0 },
		};

		REQUIRE_EQ(pop32(&r, &c), 1);
		if (c.user_data == 4) {
			check_cqe(&c, 4, 0, 0, 5, 6);
			continue;
		}
		REQUIRE_TRUE(next < ARRAY_SIZE(want));
		check_cqe(&c, want[next].ud, want[next].res, 0, want[next].big1, want[next].big2);
		next++;
	}
	CHECK_EQ(pop32(&r, &c), 0);
	raw_ring_exit(&r);
}

/* NOP_CQE32 wants 32-byte CQEs: -EINVAL on a ring of 16-byte ones. */
TEST(cqe32_nop_needs_big_cqes)
{
	struct raw_ring r;
	struct cqe32 c;

	REQUIRE_EQ(ring_with(&r, 4, IORING_SETUP_SQE128, 0), 0);
	nop32(&r, 1, 1, 2);
	CHECK_EQ(raw_submit(&r, 1, 1, IORING_ENTER_GETEVENTS), 1);
	REQUIRE_EQ(pop32(&r, &c), 1);
	check_cqe(&c, 1, -EINVAL, 0, 0, 0);
	raw_ring_exit(&r);
}

/* The backlog keeps the second halves. */
TEST(cqe32_overflow)
{
	struct raw_ring r;
	struct cqe32 c;

	REQUIRE_EQ(ring_with(&r, 4, IORING_SETUP_CQE32, 0), 0);
	for (unsigned k = 0; k < 3; k++) {
		for (unsigned j = 0; j < 4; j++) {
			if (j & 1)
				raw_nop(&r, 10 + 4 * k + j, 0);
			else
				nop32(&r, 10 + 4 * k + j, 100 + 4 * k + j, ~0ULL - j);
		}
		CHECK_EQ(raw_submit(&r, 4, 0, 0), 4);
	}
	CHECK_EQ_U(*r.cq_tail - *r.cq_head, 8);
	CHECK_TRUE(*r.sq_flags & IORING_SQ_CQ_OVERFLOW);
	for (unsigned i = 0; i < 12; i++) {
		if (i == 8)
			CHECK_EQ(raw_enter(r.fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0), 0);
		REQUIRE_EQ(pop32(&r, &c), 1);
		if (i & 1)
			check_cqe(&c, 10 + i, 0, 0, 0, 0);
		else
			check_cqe(&c, 10 + i, 0, 0, 100 + i, ~0ULL - (i & 3));
	}
	CHECK_EQ(pop32(&r, &c), 0);
	CHECK_FALSE(*r.sq_flags & IORING_SQ_CQ_OVERFLOW);
	raw_ring_exit(&r);
}

/* 128-byte SQEs: each index names 128 bytes; the second half is not read by a NOP. */
TEST(sqe128_nops)
{
	struct raw_ring r;
	struct cqe32 c;

	REQUIRE_EQ(ring_with(&r, 4, IORING_SETUP_SQE128, 0), 0);
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned i = 0; i < 4; i++) {
			struct io_uring_sqe *sqe = raw_nop(&r, 100 * round + i, 0);

			/* garbage in the second half, where the next 64-byte SQE would be */
			memset((char *)sqe + 64, 0xff, 64);
		}
		CHECK_EQ(raw_submit(&r, 4, 4, IORING_ENTER_GETEVENTS), 4);
		for (unsigned i = 0; i < 4; i++) {
			REQUIRE_EQ(pop32(&r, &c), 1);
			check_cqe(&c, 100 * round + i, 0, 0, 0, 0);
		}
	}
	raw_ring_exit(&r);
}

/* SQE128 with CQE32, and a URING_CMD in a 128-byte SQE (its command area is 80 bytes). */
TEST(sqe128_cqe32)
{
	struct raw_ring r;
	struct io_uring_sqe *sqe;
	struct cqe32 c;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC), sv[2];
	int val = 0;

	REQUIRE_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	REQUIRE_EQ(ring_with(&r, 4, IORING_SETUP_SQE128 | IORING_SETUP_CQE32, 0), 0);
	scribble_cq(&r);
	nop32(&r, 1, 3, 4);
	sqe = raw_sqe(&r);
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = null;
	sqe->user_data = 2;
	memset(sqe->cmd, 0x5a, 80);
	sqe = raw_sqe(&r);
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = sv[0];
	sqe->user_data = 3;
	sqe->cmd_op = SOCKET_URING_OP_GETSOCKOPT;
	sqe->level = SOL_SOCKET;
	sqe->optname = SO_TYPE;
	sqe->optlen = sizeof(val);
	sqe->optval = (uintptr_t)&val;
	CHECK_EQ(raw_submit(&r, 3, 3, IORING_ENTER_GETEVENTS), 3);
	REQUIRE_EQ(pop32(&r, &c), 1);
	check_cqe(&c, 1, 0, 0, 3, 4);
	REQUIRE_EQ(pop32(&r, &c), 1);
	check_cqe(&c, 2, 0, 0, 0, 0);
	REQUIRE_EQ(pop32(&r, &c), 1);
	check_cqe(&c, 3, sizeof(val), 0, 0, 0);
	CHECK_EQ(val, SOCK_STREAM);
	raw_ring_exit(&r);
	close(null);
	close(sv[0]);
	close(sv[1]);
}

/* CQE_MIXED: a 32-byte CQE takes two slots and says so (IORING_CQE_F_32). */
TEST(mixed_nops)
{
	struct raw_ring r;
	struct cqe32 c;

	REQUIRE_EQ(ring_with(&r, 4, IORING_SETUP_CQE_MIXED, 0), 0);
	scribble_cq(&r);
	raw_nop(&r, 1, 0);
	nop32(&r, 2, 0x1111, 0x2222);
	raw_nop(&r, 3, 0);
	CHECK_EQ(raw_submit(&r, 3, 3, IORING_ENTER_GETEVENTS), 3);
	CHECK_EQ_U(*r.cq_tail, 4);
	REQUIRE_EQ(pop32(&r, &c), 1);
	check_cqe(&c, 1, 0, 0, 0, 0);
	REQUIRE_EQ(pop32(&r, &c), 1);
	check_cqe(&c, 2, 0, IORING_CQE_F_32, 0x1111, 0x2222);
	CHECK_EQ_U(*r.cq_head, 3);
	REQUIRE_EQ(pop32(&r, &c), 1);
	check_cqe(&c, 3, 0, 0, 0, 0);
	CHECK_EQ(pop32(&r, &c), 0);

	/* tail at 7, the last slot: a filler, then the CQE at the start */
	for (unsigned i = 0; i < 3; i++)
		raw_nop(&r, 10 + i, 0);
	CHECK_EQ(raw_submit(&r, 3, 3, IORING_ENTER_GETEVENTS), 3);
	nop32(&r, 13, 5, 6);
	raw_nop(&r, 14, 0);
	CHECK_EQ(raw_submit(&r, 2, 2, IORING_ENTER_GETEVENTS), 2);
	CHECK_EQ_U(*r.cq_tail, 11);
	for (unsigned i = 0; i < 3; i++) {
		REQUIRE_EQ(pop32(&r, &c), 1);
		check_cqe(&c, 10 + i, 0, 0, 0, 0);
	}
	CHECK_EQ_U(*r.cq_head, 7);
	REQUIRE_EQ(pop32(&r, &c), 1);
	CHECK_EQ_U(c.user_data, 0);
	CHECK_EQ(c.res, 0);
	CHECK_EQ_U(c.flags, IORING_CQE_F_SKIP);
	REQUIRE_EQ(pop32(&r, &c), 1);
	check_cqe(&c, 13, 0, IORING_CQE_F_32, 5, 6);
	REQUIRE_EQ(pop32(&r, &c), 1);
	check_cqe(&c, 14, 0, 0, 0, 0);
	CHECK_EQ(pop32(&r, &c), 0);
	raw_ring_exit(&r);
}

/*
 * A full CQE_MIXED ring: a 32-byte CQE needs two free slots in a row (three
 * with the filler at the end), else it and what follows go to the backlog.
 * (No 16-byte CQE follows one in the backlog here: Linux 6.18 lets it
 * into the free slot, past the backlog, engine.h.)
 */
TEST(mixed_overflow)
{
	struct raw_ring r;
	struct cqe32 c;

	REQUIRE_EQ(ring_with(&r, 4, IORING_SETUP_CQE_MIXED, 0), 0);
	/* three big ones: 6 slots; then 3 small: the third overflows */
	for (unsigned i = 0; i < 3; i++)
		nop32(&r, 20 + i, 20 + i, 0);
	CHECK_EQ(raw_submit(&r, 3, 0, 0), 3);
	for (unsigned i = 0; i < 3; i++)
		raw_nop(&r, 30 + i, 0);
	CHECK_EQ(raw_submit(&r, 3, 0, 0), 3);
	CHECK_EQ_U(*r.cq_tail, 8);
	CHECK_TRUE(*r.sq_flags & IORING_SQ_CQ_OVERFLOW);
	/* the backlog goes in once there is room; then one slot is free,
	 * not at the end: a big one does not fit */
	REQUIRE_EQ(pop32(&r, &c), 1);
	check_cqe(&c, 20, 0, IORING_CQE_F_32, 20, 0);
	CHECK_EQ(raw_enter(r.fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0), 0);
	CHECK_EQ_U(*r.cq_tail, 9);
	CHECK_FALSE(*r.sq_flags & IORING_SQ_CQ_OVERFLOW);
	nop32(&r, 40, 40, 41);
	CHECK_EQ(raw_submit(&r, 1, 0, 0), 1);
	CHECK_EQ_U(*r.cq_tail, 9);
	CHECK_TRUE(*r.sq_flags & IORING_SQ_CQ_OVERFLOW);
	for (unsigned i = 0; i < 2; i++) {
		REQUIRE_EQ(pop32(&r, &c), 1);
		check_cqe(&c, 21 + i, 0, IORING_CQE_F_32, 21 + i, 0);
	}
	/* head 6, tail 9: 40 goes to slots 1-2, then 41 to 3 */
	CHECK_EQ(raw_enter(r.fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0), 0);
	CHECK_EQ_U(*r.cq_tail, 11);
	CHECK_FALSE(*r.sq_flags & IORING_SQ_CQ_OVERFLOW);
	raw_nop(&r, 41, 0);
	CHECK_EQ(raw_submit(&r, 1, 0, 0), 1);
	CHECK_EQ_U(*r.cq_tail, 12);
	for (unsigned i = 0; i < 3; i++) {
		REQUIRE_EQ(pop32(&r, &c), 1);
		check_cqe(&c, 30 + i, 0, 0, 0, 0);
	}
	REQUIRE_EQ(pop32(&r, &c), 1);
	check_cqe(&c, 40, 0, IORING_CQE_F_32, 40, 41);
	REQUIRE_EQ(pop32(&r, &c), 1);
	check_cqe(&c, 41, 0, 0, 0, 0);
	CHECK_EQ(pop32(&r, &c), 0);

	/* tail at 12 (slot 4): 3 small to reach slot 7; the program keeps
	 * 5 slots: the filler, then the big one at 0 and 1 fill the ring */
	for (unsigned i = 0; i < 3; i++)
		raw_nop(&r, 50 + i, 0);
	CHECK_EQ(raw_submit(&r, 3, 0, 0), 3);
	io_uring_smp_store_release(r.cq_head, 10);
	nop32(&r, 53, 53, 54);
	CHECK_EQ(raw_submit(&r, 1, 0, 0), 1);
	raw_nop(&r, 54, 0);
	CHECK_EQ(raw_submit(&r, 1, 0, 0), 1);
	CHECK_EQ_U(*r.cq_tail, 18);
	CHECK_TRUE(*r.sq_flags & IORING_SQ_CQ_OVERFLOW);
	CHECK_EQ_U(cq_slot(&r, 15)->flags, IORING_CQE_F_SKIP);
	CHECK_EQ_U(cq_slot(&r, 16)->user_data, 53);
	CHECK_EQ_U(cq_slot(&r, 16)->flags, IORING_CQE_F_32);
	CHECK_EQ_U(cq_slot(&r, 16)->big_cqe[1], 54);
	io_uring_smp_store_release(r.cq_head, 18);
	CHECK_EQ(raw_enter(r.fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0), 0);
	REQUIRE_EQ(pop32(&r, &c), 1);
	check_cqe(&c, 54, 0, 0, 0, 0);
	CHECK_EQ(pop32(&r, &c), 0);
	raw_ring_exit(&r);
}

/* SQPOLL's submissions post the same big CQEs. */
TEST(sqpoll_big)
{
	static const unsigned flags[] = { IORING_SETUP_CQE32 | IORING_SETUP_SQE128,
					  IORING_SETUP_CQE_MIXED };
	struct raw_ring r;
	struct cqe32 c;

	for (size_t f = 0; f < ARRAY_SIZE(flags); f++) {
		REQUIRE_EQ(ring_with(&r, 4, flags[f] | IORING_SETUP_SQPOLL, 0), 0);
		raw_nop(&r, 1, 0);
		nop32(&r, 2, 7, 8);
		raw_publish(&r);
		for (unsigned n = 0; n < 2; n++) {
			CHECK_GE(raw_enter(r.fd, 0, 1,
					   IORING_ENTER_GETEVENTS | IORING_ENTER_SQ_WAKEUP, NULL,
					   0),
				 0);
			REQUIRE_EQ(pop32(&r, &c), 1);
			if (n == 0)
				check_cqe(&c, 1, 0, 0, 0, 0);
			else
				check_cqe(&c, 2, 0,
					  (flags[f] & IORING_SETUP_CQE_MIXED) ? IORING_CQE_F_32 : 0,
					  7, 8);
		}
		raw_ring_exit(&r);
	}
}

/* DEFER_TASKRUN: a worker's 32-byte CQE waits for the submitter whole. */
TEST(defer_taskrun_big)
{
	static const unsigned flags[] = { IORING_SETUP_CQE32, IORING_SETUP_CQE_MIXED };
	struct raw_ring r;
	struct cqe32 c;

	for (size_t f = 0; f < ARRAY_SIZE(flags); f++) {
		REQUIRE_EQ(ring_with(&r, 4,
				     flags[f] | IORING_SETUP_SINGLE_ISSUER |
					     IORING_SETUP_DEFER_TASKRUN,
				     0),
			   0);
		nop32(&r, 1, 11, 12)->flags = IOSQE_ASYNC;
		nop32(&r, 2, 13, 14);
		CHECK_EQ(raw_submit(&r, 2, 2, IORING_ENTER_GETEVENTS), 2);
		REQUIRE_EQ(pop32(&r, &c), 1);
		check_cqe(&c, 2, 0, (flags[f] & IORING_SETUP_CQE_MIXED) ? IORING_CQE_F_32 : 0, 13,
			  14);
		/* the worker's: posted when the submitter enters for it */
		CHECK_GE(raw_enter(r.fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0), 0);
		REQUIRE_EQ(pop32(&r, &c), 1);
		check_cqe(&c, 1, 0, (flags[f] & IORING_SETUP_CQE_MIXED) ? IORING_CQE_F_32 : 0, 11,
			  12);
		raw_ring_exit(&r);
	}
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(layout),
		TEST_ENTRY(cqe32_nops),
		TEST_ENTRY(cqe32_nop_needs_big_cqes),
		TEST_ENTRY(cqe32_overflow),
		TEST_ENTRY(sqe128_nops),
		TEST_ENTRY(sqe128_cqe32),
		TEST_ENTRY(mixed_nops),
		TEST_ENTRY(mixed_overflow),
		TEST_ENTRY(sqpoll_big),
		TEST_ENTRY(defer_taskrun_big),
	};

	raw_skip_program_if_refused();
	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
