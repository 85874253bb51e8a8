/* SPDX-License-Identifier: MIT */
/*
 * A bundle RECV (IORING_RECVSEND_BUNDLE) with MSG_WAITALL on a stream or
 * seqpacket socket: a receive short of the buffers it took waits for more
 * and goes on in those buffers until they are full, and the CQE counts
 * every byte and names the first buffer; EOF before reports what came and
 * fails the request's links (Linux 6.18).  The ring's head after it is not
 * looked at: the kernel's commits only the buffers the first receive
 * filled (engine.h).
 *
 * Where it is issued decides how many buffers it fills: inline it takes
 * the buffers its length covers whole (a cut one ends the bundle, one
 * receive); from io-wq one buffer per receive, and once more into the next
 * while the socket holds more.  A request made while a drain is active
 * goes to io-wq as IOSQE_ASYNC does: the drained one, those behind it, and
 * the first plain one after, which ends the drain (Linux 6.18; fuzz seed
 * 23, batch 321: 128 bytes of a length of 90 in two 64-byte buffers).
 */
#include "harness.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#define BGID 5
#define NBUF 8
#define BUFSZ 4

static struct io_uring ring;
static struct io_uring_buf_ring *br;
static char bufs[NBUF][BUFSZ];
static int sv[2];

static void up(int type)
{
	test_ring_init(8, &ring, 0);
	br = test_setup_buf_ring(&ring, NBUF, BGID, 0);
	memset(bufs, 0, sizeof(bufs));
	for (unsigned i = 0; i < NBUF; i++)
		test_buf_ring_add1(br, NBUF, bufs[i], BUFSZ, (unsigned short)i);
	REQUIRE_SYS(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv));
}

static void down(void)
{
	close(sv[0]);
	close(sv[1]);
	io_uring_free_buf_ring(&ring, br, NBUF, BGID);
	io_uring_queue_exit(&ring);
}

/* a bundle RECV of len bytes with MSG_WAITALL, then (link) a NOP */
static void bundle_waitall(unsigned len, bool link)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_recv(sqe, sv[0], NULL, len, MSG_WAITALL);
	sqe->ioprio |= IORING_RECVSEND_BUNDLE;
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = BGID;
	io_uring_sqe_set_data64(sqe, 1);
	if (link) {
		sqe->flags |= IOSQE_IO_LINK;
		sqe = test_get_sqe(&ring);
		io_uring_prep_nop(sqe);
		io_uring_sqe_set_data64(sqe, 2);
	}
}

/* 6 bytes there, the receive asks 16: it waits */
static void six_of_sixteen(bool link)
{
	REQUIRE_EQ(send(sv[1], "abcdef", 6, 0), 6);
	bundle_waitall(16, link);
	CHECK_EQ(io_uring_submit(&ring), link ? 2 : 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
}

static void short_then_rest(int type)
{
	struct test_cqe c = { 0 };

	up(type);
	six_of_sixteen(false);
	REQUIRE_EQ(send(sv[1], "ghijklmnop", 10, 0), 10);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ(c.res, 16);
	CHECK_EQ_U(c.flags & ~IORING_CQE_F_SOCK_NONEMPTY, test_buf_flags(0));
	/* in the buffers it took, one after the other */
	CHECK_MEM(bufs, "abcdefghijklmnop", 16);
	down();
}

TEST(stream_short_receive_goes_on)
{
	short_then_rest(SOCK_STREAM);
}

TEST(seqpacket_short_receive_goes_on)
{
	short_then_rest(SOCK_SEQPACKET);
}

TEST(eof_after_short_reports_what_came)
{
	struct test_cqe c[2];

	up(SOCK_STREAM);
	six_of_sixteen(true);
	REQUIRE_EQ(send(sv[1], "gh", 2, 0), 2);
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
	REQUIRE_SYS(shutdown(sv[1], SHUT_WR));
	REQUIRE_EQ(test_reap(&ring, c, 2, 5000), 2);
	CHECK_EQ(c[0].user_data, 1);
	CHECK_EQ(c[0].res, 8);
	CHECK_EQ_U(c[0].flags, test_buf_flags(0));
	CHECK_MEM(bufs, "abcdefgh", 8);
	/* short of what it asked: its link fails */
	CHECK_EQ(c[1].user_data, 2);
	CHECK_EQ(c[1].res, -ECANCELED);
	down();
}

static void nop(uint64_t ud, unsigned flags)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_nop(sqe);
	sqe->flags |= flags;
	io_uring_sqe_set_data64(sqe, ud);
}

/*
 * A request io-wq completed is freed after its CQE is posted (the kernel's
 * from task work, the engine's worker right after), and a drain is over
 * only when it is: let it go before the next submit.
 */
static void settle(void)
{
	test_sleep_ms(20);
}

/* a bundle RECV of 6 bytes (4-byte buffers) and its CQE */
static int bundle_six(void)
{
	struct test_cqe c = { 0 };

	bundle_waitall(6, false);
	CHECK_EQ(io_uring_submit(&ring), 1);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	return c.res;
}

/*
 * The drain is over (its NOP completed), but the first request after it is
 * still made while it is active: from io-wq, a buffer and then the next
 * (8 bytes); it ends the drain, and the one after it is issued inline: the
 * second buffer would be cut, so one receive (4 bytes).
 */
TEST(after_drain_first_from_worker)
{
	struct test_cqe c = { 0 };

	up(SOCK_STREAM);
	REQUIRE_EQ(send(sv[1], "abcdefghijklmnopqrstuvwxyz012345", 32, 0), 32);
	nop(9, IOSQE_IO_DRAIN);
	CHECK_EQ(io_uring_submit(&ring), 1);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ(c.res, 0);
	settle();
	CHECK_EQ(bundle_six(), 8);
	CHECK_MEM(bufs, "abcdefgh", 8);
	CHECK_EQ(bundle_six(), 4);
	CHECK_MEM(bufs[2], "ijkl", 4);
	/* no drain before it: inline too */
	CHECK_EQ(bundle_six(), 4);
	down();
}

/*
 * Behind a drain that waits (for a poll): both receives made meanwhile go
 * to io-wq when the poll fires, and so does the first one made after.
 */
TEST(behind_waiting_drain_from_worker)
{
	static char data[40];
	struct io_uring_sqe *sqe;
	struct test_cqe c[4];
	int p[2];

	up(SOCK_STREAM);
	REQUIRE_SYS(pipe2(p, O_CLOEXEC));
	REQUIRE_EQ(send(sv[1], data, sizeof(data), 0), (ssize_t)sizeof(data));
	sqe = test_get_sqe(&ring);
	io_uring_prep_poll_add(sqe, p[0], POLLIN);
	io_uring_sqe_set_data64(sqe, 8);
	nop(9, IOSQE_IO_DRAIN);
	bundle_waitall(6, false);
	CHECK_EQ(io_uring_submit(&ring), 3);
	bundle_waitall(6, false);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
	REQUIRE_EQ(write(p[1], "x", 1), 1);
	REQUIRE_EQ(test_reap(&ring, c, 4, 5000), 4);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(c[i].res, c[i].user_data == 8 ? POLLIN : c[i].user_data == 9 ? 0 : 8);
	settle();
	CHECK_EQ(bundle_six(), 8);
	CHECK_EQ(bundle_six(), 4);
	close(p[0]);
	close(p[1]);
	down();
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(stream_short_receive_goes_on),
		TEST_ENTRY(seqpacket_short_receive_goes_on),
		TEST_ENTRY(eof_after_short_reports_what_came),
		TEST_ENTRY(after_drain_first_from_worker),
		TEST_ENTRY(behind_waiting_drain_from_worker),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
