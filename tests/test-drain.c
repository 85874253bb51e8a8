/* SPDX-License-Identifier: MIT */
/*
 * IOSQE_IO_DRAIN: a drained request starts only when every
 * request submitted before it has completed, armed polls included, and the
 * requests after it start only when it has completed.  Linux 6.18 drains on
 * the requests alive: a later request that fails at submit time completes at
 * once and is no completion of an earlier one.
 */
#include "harness.h"

#include <poll.h>

static struct io_uring ring;

static struct io_uring_sqe *nop(__u64 user_data, unsigned flags)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, user_data);
	io_uring_sqe_set_flags(sqe, flags);
	return sqe;
}

static struct io_uring_sqe *poll_in(int fd, __u64 user_data, unsigned flags)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_poll_add(sqe, fd, POLLIN);
	io_uring_sqe_set_data64(sqe, user_data);
	io_uring_sqe_set_flags(sqe, flags);
	return sqe;
}

/* [POLL_ADD on an empty pipe, NOP(DRAIN), NOP with a bad ioprio]: the bad
 * NOP fails at once; the drained NOP waits for the poll all the same. */
TEST(drain_waits_for_armed_poll)
{
	struct test_cqe c[3];
	int p[2];

	test_ring_init(8, &ring, 0);
	REQUIRE_SYS(pipe(p));
	poll_in(p[0], 1, 0);
	nop(2, IOSQE_IO_DRAIN);
	nop(3, 0)->ioprio = 1;
	CHECK_EQ(io_uring_submit(&ring), 3);
	REQUIRE_EQ(test_reap(&ring, c, 1, 5000), 1);
	CHECK_EQ_U(c[0].user_data, 3);
	CHECK_EQ(c[0].res, -EINVAL);
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
	REQUIRE_EQ(write(p[1], "x", 1), 1);
	REQUIRE_EQ(test_reap(&ring, c, 2, 5000), 2);
	CHECK_EQ_U(c[0].user_data, 1);
	CHECK_EQ(c[0].res, POLLIN);
	CHECK_EQ_U(c[1].user_data, 2);
	CHECK_EQ(c[1].res, 0);
	close(p[0]);
	close(p[1]);
	io_uring_queue_exit(&ring);
}

/* [POLL_ADD(DRAIN) on an empty pipe, NOP]: the NOP waits for the poll. */
TEST(drain_holds_later_requests)
{
	struct test_cqe c[2];
	int p[2];

	test_ring_init(8, &ring, 0);
	REQUIRE_SYS(pipe(p));
	poll_in(p[0], 1, IOSQE_IO_DRAIN);
	nop(2, 0);
	CHECK_EQ(io_uring_submit(&ring), 2);
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
	/* a later submission waits too */
	nop(3, 0);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
	REQUIRE_EQ(write(p[1], "x", 1), 1);
	REQUIRE_EQ(test_reap(&ring, c, 2, 5000), 2);
	CHECK_EQ_U(c[0].user_data, 1);
	CHECK_EQ(c[0].res, POLLIN);
	REQUIRE_EQ(test_reap(&ring, c + 1, 1, 5000), 1);
	CHECK_TRUE((c[1].user_data == 2 || c[1].user_data == 3));
	close(p[0]);
	close(p[1]);
	io_uring_queue_exit(&ring);
}

/*
 * 8 ASYNC NOPs, the 5th drained, over and over: the drained NOP is held
 * while workers complete the others, and must never be lost (it was, when
 * a completion on a worker cleared the drain state just before the
 * submitter queued it).  Bounded in time: 3 s of rounds.
 */
TEST(drain_async_nops_loop)
{
	uint64_t end = test_now_ns() + 3000000000ULL;
	unsigned rounds = 0;

	test_ring_init(16, &ring, 0);
	while (test_now_ns() < end) {
		struct test_cqe c[8];
		unsigned got;

		for (unsigned i = 0; i < 8; i++)
			nop(i, IOSQE_ASYNC | (i == 4 ? IOSQE_IO_DRAIN : 0));
		if (io_uring_submit(&ring) != 8) {
			CHECK_TRUE(false);
			break;
		}
		got = test_reap(&ring, c, 8, 2000);
		if (got != 8) {
			printf("    round %u: %u CQEs of 8\n", rounds, got);
			CHECK_EQ(got, 8);
			break;
		}
		/* the drained NOP comes after the four before it */
		for (unsigned i = 0; i < 4; i++) {
			if (c[i].user_data == 4) {
				printf("    round %u: drained NOP was CQE %u\n", rounds, i);
				CHECK_GE(i, 4);
				goto out;
			}
		}
		rounds++;
	}
out:
	printf("    %u rounds\n", rounds);
	io_uring_queue_exit(&ring);
}

/*
 * [READ(ASYNC) of 1 MiB of /dev/zero, 4 NOPs, NOP(DRAIN), n READVs] in one
 * submit, n swept from 0 to 399 over the rounds.  The four NOPs complete
 * inline, their CQEs held for the end of the submit call, while the
 * submitter preps and queues the READVs (1024 iovecs each: slow) behind the
 * drain.  The drained NOP must not start (on the worker that completes the
 * READ) and post before those four CQEs are out.  Bounded: 2 s of rounds.
 */
TEST(drain_after_inline_completions_loop)
{
	enum { MAX_AFTER = 400, MAX = 6 + MAX_AFTER };
	static struct test_cqe c[MAX];
	static struct iovec iov[1024];
	static char big[1 << 20], byte;
	uint64_t end = test_now_ns() + 2000000000ULL;
	unsigned rounds = 0;
	int null, zero;

	REQUIRE_SYS(null = open("/dev/null", O_RDONLY));
	REQUIRE_SYS(zero = open("/dev/zero", O_RDONLY));
	for (unsigned i = 0; i < 1024; i++)
		iov[i] = (struct iovec){ &byte, 1 };
	test_ring_init(4096, &ring, 0);
	while (test_now_ns() < end) {
		unsigned after = (rounds * 211) % MAX_AFTER, nr = 6 + after, got;
		struct io_uring_sqe *sqe;

		/* the last round's drain ends at a plain request that finds
		 * nothing alive: give its last frees time, then send one */
		usleep(1000);
		nop(99999, 0);
		if (io_uring_submit(&ring) != 1 || test_reap(&ring, c, 1, 2000) != 1) {
			CHECK_TRUE(false);
			break;
		}
		sqe = test_get_sqe(&ring);
		io_uring_prep_read(sqe, zero, big, sizeof(big), 0);
		io_uring_sqe_set_data64(sqe, 0);
		io_uring_sqe_set_flags(sqe, IOSQE_ASYNC);
		for (unsigned i = 1; i < 5; i++)
			nop(i, 0);
		nop(5, IOSQE_IO_DRAIN);
		for (unsigned i = 0; i < after; i++) {
			sqe = test_get_sqe(&ring);
			io_uring_prep_readv(sqe, null, iov, 1024, 0);
			io_uring_sqe_set_data64(sqe, 6 + i);
		}
		if (io_uring_submit(&ring) != (int)nr) {
			CHECK_TRUE(false);
			break;
		}
		got = test_reap(&ring, c, nr, 2000);
		if (got != nr) {
			printf("    round %u: %u CQEs of %u\n", rounds, got, nr);
			CHECK_EQ(got, nr);
			break;
		}
		/* the drained NOP comes after the five before it */
		for (unsigned i = 0; i < 5; i++) {
			if (c[i].user_data == 5) {
				printf("    round %u: drained NOP was CQE %u\n", rounds, i);
				CHECK_GE(i, 5);
				goto out;
			}
		}
		rounds++;
	}
out:
	printf("    %u rounds\n", rounds);
	io_uring_queue_exit(&ring);
	close(null);
	close(zero);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(drain_waits_for_armed_poll),
		TEST_ENTRY(drain_holds_later_requests),
		TEST_ENTRY(drain_async_nops_loop),
		TEST_ENTRY(drain_after_inline_completions_loop),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
