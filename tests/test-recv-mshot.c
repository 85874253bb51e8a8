/* SPDX-License-Identifier: MIT */
/*
 * RECV and RECVMSG with provided buffers: IOSQE_BUFFER_SELECT (legacy
 * groups, buffer rings, incremental rings), -ENOBUFS as 6.18 reports it, the
 * buffer given back while a receive waits for data, the CQE's buffer id;
 * IORING_RECV_MULTISHOT (a CQE per receive with IORING_CQE_F_MORE, and its
 * ends: EOF, an error, -ENOBUFS, a cancellation, the total limit in
 * sqe->optlen), RECVMSG's struct io_uring_recvmsg_out layout and the
 * io_uring_recvmsg_* helpers; IORING_RECVSEND_BUNDLE.
 */
#include <limits.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "harness.h"
#include "net-util.h"

#define NBUF 8
#define BUFSZ 128

static struct io_uring ring;
static int sv[2];
static char bufs[NBUF][BUFSZ];
static struct io_uring_buf_ring *br;

static void setup(int type)
{
	test_ring_init(16, &ring, 0);
	REQUIRE_SYS(socketpair(AF_UNIX, type, 0, sv));
	memset(bufs, 0, sizeof(bufs));
	br = NULL;
}

static void teardown(void)
{
	net_close_pair(sv);
	io_uring_queue_exit(&ring);
}

static struct test_cqe one(void)
{
	return test_submit_reap1(&ring);
}

static void provide(int idx, int len, int nr, int bgid, int bid)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_provide_buffers(sqe, bufs[idx], len, nr, bgid, bid);
	io_uring_sqe_set_data64(sqe, 99);
	REQUIRE_EQ(one().res, 0);
}

static void ring_setup(int bgid, unsigned flags)
{
	br = test_setup_buf_ring(&ring, NBUF, bgid, flags);
}

static void ring_add(int idx, int len, int bid)
{
	test_buf_ring_add1(br, NBUF, bufs[idx], (unsigned)len, (unsigned short)bid);
}

static unsigned ring_head(int bgid)
{
	return test_buf_ring_head(&ring, bgid);
}

static struct io_uring_sqe *recv_sel(int fd, size_t len, int flags, int bgid, __u64 ud)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_recv(sqe, fd, NULL, len, flags);
	io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT);
	sqe->buf_group = (__u16)bgid;
	io_uring_sqe_set_data64(sqe, ud);
	return sqe;
}

static struct io_uring_sqe *recv_mshot(int fd, size_t len, int bgid, __u64 ud)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_recv_multishot(sqe, fd, NULL, len, 0);
	io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT);
	sqe->buf_group = (__u16)bgid;
	io_uring_sqe_set_data64(sqe, ud);
	return sqe;
}

static void submit_pending(void)
{
	REQUIRE_GE(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
}

/* ---- IOSQE_BUFFER_SELECT ----------------------------------------------- */

TEST(select_legacy)
{
	struct test_cqe c = { 0 };

	setup(SOCK_STREAM);
	provide(0, BUFSZ, 2, 1, 10);
	REQUIRE_EQ(write(sv[0], "hello", 5), 5);
	recv_sel(sv[1], 0, 0, 1, 1);
	c = one();
	CHECK_EQ(c.res, 5);
	CHECK_EQ_U(c.flags, test_buf_flags(10));
	CHECK_MEM(bufs[0], "hello", 5);
	/* sqe->len caps what one receive takes */
	REQUIRE_EQ(write(sv[0], "world", 5), 5);
	recv_sel(sv[1], 3, 0, 1, 2);
	c = one();
	CHECK_EQ(c.res, 3);
	CHECK_EQ_U(c.flags, test_buf_flags(11) | IORING_CQE_F_SOCK_NONEMPTY);
	CHECK_MEM(bufs[1], "wor", 3);
	/* the group is empty now: -ENOBUFS, with data waiting */
	recv_sel(sv[1], 0, 0, 1, 3);
	c = one();
	CHECK_EQ(c.res, -ENOBUFS);
	CHECK_EQ_U(c.flags, 0);
	/* and with no group at all */
	recv_sel(sv[1], 0, 0, 5, 4);
	CHECK_EQ(one().res, -ENOBUFS);
	teardown();
}

TEST(select_empty_without_data)
{
	struct test_cqe c = { 0 };

	setup(SOCK_STREAM);
	/* no buffer and no data: -ENOBUFS at once, no wait */
	recv_sel(sv[1], 0, 0, 1, 1);
	c = one();
	CHECK_EQ(c.res, -ENOBUFS);
	ring_setup(2, 0);
	recv_sel(sv[1], 0, 0, 2, 2);
	CHECK_EQ(one().res, -ENOBUFS);
	CHECK_EQ(io_uring_free_buf_ring(&ring, br, NBUF, 2), 0);
	teardown();
}

/* a receive that waits gives its legacy buffer back: REMOVE_BUFFERS finds it */
TEST(select_legacy_waiting_gives_buffer_back)
{
	struct io_uring_sqe *sqe;
	struct test_cqe c = { 0 };

	setup(SOCK_STREAM);
	provide(0, BUFSZ, 1, 1, 3);
	recv_sel(sv[1], 0, 0, 1, 1);
	submit_pending();
	sqe = test_get_sqe(&ring);
	io_uring_prep_remove_buffers(sqe, 4, 1);
	io_uring_sqe_set_data64(sqe, 2);
	c = one();
	CHECK_EQ_U(c.user_data, 2);
	CHECK_EQ(c.res, 1);
	/* data now, no buffer: the waiting receive ends with -ENOBUFS */
	REQUIRE_EQ(write(sv[0], "x", 1), 1);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ_U(c.user_data, 1);
	CHECK_EQ(c.res, -ENOBUFS);
	/* given again, the buffer takes the byte */
	provide(0, BUFSZ, 1, 1, 4);
	recv_sel(sv[1], 0, 0, 1, 3);
	c = one();
	CHECK_EQ(c.res, 1);
	CHECK_EQ_U(c.flags, test_buf_flags(4));
	teardown();
}

TEST(select_ring)
{
	struct test_cqe c = { 0 };

	setup(SOCK_STREAM);
	ring_setup(1, 0);
	ring_add(0, BUFSZ, 100);
	ring_add(1, BUFSZ, 101);
	REQUIRE_EQ(write(sv[0], "abc", 3), 3);
	recv_sel(sv[1], 0, 0, 1, 1);
	c = one();
	CHECK_EQ(c.res, 3);
	CHECK_EQ_U(c.flags, test_buf_flags(100));
	CHECK_MEM(bufs[0], "abc", 3);
	CHECK_EQ(ring_head(1), 1);
	/* a receive that waits leaves the head alone until its data comes */
	recv_sel(sv[1], 0, 0, 1, 2);
	submit_pending();
	CHECK_EQ(ring_head(1), 1);
	REQUIRE_EQ(write(sv[0], "de", 2), 2);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ(c.res, 2);
	CHECK_EQ_U(c.flags, test_buf_flags(101));
	CHECK_MEM(bufs[1], "de", 2);
	CHECK_EQ(ring_head(1), 2);
	/* EOF takes no buffer */
	ring_add(2, BUFSZ, 102);
	close(sv[0]);
	sv[0] = -1;
	recv_sel(sv[1], 0, 0, 1, 3);
	c = one();
	CHECK_EQ(c.res, 0);
	CHECK_EQ_U(c.flags, 0);
	CHECK_EQ(ring_head(1), 2);
	CHECK_EQ(io_uring_free_buf_ring(&ring, br, NBUF, 1), 0);
	teardown();
}

/* IOSQE_ASYNC: a worker takes a ring buffer and commits the head at once
 * (io_should_commit()); the request keeps that buffer while it waits */
TEST(select_ring_async)
{
	struct test_cqe c = { 0 };

	setup(SOCK_STREAM);
	ring_setup(1, 0);
	ring_add(0, BUFSZ, 100);
	ring_add(1, BUFSZ, 101);
	recv_sel(sv[1], 0, 0, 1, 1)->flags |= IOSQE_ASYNC;
	submit_pending();
	/* (the worker may start late on a busy machine) */
	for (int i = 0; i < 200 && ring_head(1) != 1; i++)
		test_sleep_ms(10);
	CHECK_EQ(ring_head(1), 1);
	REQUIRE_EQ(write(sv[0], "abc", 3), 3);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ(c.res, 3);
	CHECK_EQ_U(c.flags, test_buf_flags(100));
	CHECK_MEM(bufs[0], "abc", 3);
	CHECK_EQ(ring_head(1), 1);
	/* and with data there at once */
	REQUIRE_EQ(write(sv[0], "de", 2), 2);
	recv_sel(sv[1], 0, 0, 1, 2)->flags |= IOSQE_ASYNC;
	c = one();
	CHECK_EQ(c.res, 2);
	CHECK_EQ_U(c.flags, test_buf_flags(101));
	CHECK_EQ(ring_head(1), 2);
	CHECK_EQ(io_uring_free_buf_ring(&ring, br, NBUF, 1), 0);
	teardown();
}

TEST(select_ring_incremental)
{
	struct test_cqe c = { 0 };

	setup(SOCK_STREAM);
	ring_setup(3, IOU_PBUF_RING_INC);
	ring_add(0, 10, 7);
	ring_add(1, BUFSZ, 8);
	REQUIRE_EQ(write(sv[0], "abcd", 4), 4);
	recv_sel(sv[1], 0, 0, 3, 1);
	c = one();
	CHECK_EQ(c.res, 4);
	CHECK_EQ_U(c.flags, test_buf_flags(7) | IORING_CQE_F_BUF_MORE);
	CHECK_MEM(bufs[0], "abcd", 4);
	CHECK_EQ(ring_head(3), 0);
	/* the rest of the buffer: 6 bytes of 8 */
	REQUIRE_EQ(write(sv[0], "efghijkl", 8), 8);
	recv_sel(sv[1], 0, 0, 3, 2);
	c = one();
	CHECK_EQ(c.res, 6);
	CHECK_EQ_U(c.flags, test_buf_flags(7) | IORING_CQE_F_SOCK_NONEMPTY);
	CHECK_MEM(bufs[0], "abcdefghij", 10);
	CHECK_EQ(ring_head(3), 1);
	recv_sel(sv[1], 0, 0, 3, 3);
	c = one();
	CHECK_EQ(c.res, 2);
	CHECK_EQ_U(c.flags, test_buf_flags(8) | IORING_CQE_F_BUF_MORE);
	CHECK_MEM(bufs[1], "kl", 2);
	CHECK_EQ(io_uring_free_buf_ring(&ring, br, NBUF, 3), 0);
	teardown();
}

TEST(select_recvmsg)
{
	struct iovec iov[2] = { { NULL, 0 }, { NULL, 0 } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 1 };
	struct io_uring_sqe *sqe;
	struct test_cqe c = { 0 };

	setup(SOCK_DGRAM);
	ring_setup(1, 0);
	ring_add(0, BUFSZ, 5);
	ring_add(1, BUFSZ, 6);
	REQUIRE_EQ(write(sv[0], "datagram", 8), 8);
	sqe = test_get_sqe(&ring);
	io_uring_prep_recvmsg(sqe, sv[1], &msg, 0);
	io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT);
	sqe->buf_group = 1;
	c = one();
	CHECK_EQ(c.res, 8);
	CHECK_EQ_U(c.flags, test_buf_flags(5));
	CHECK_MEM(bufs[0], "datagram", 8);
	/* the one iovec's length caps it: the rest of the datagram is lost */
	iov[0].iov_len = 4;
	REQUIRE_EQ(write(sv[0], "datagram", 8), 8);
	sqe = test_get_sqe(&ring);
	io_uring_prep_recvmsg(sqe, sv[1], &msg, 0);
	io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT);
	sqe->buf_group = 1;
	c = one();
	CHECK_EQ(c.res, 4);
	CHECK_EQ_U(c.flags, test_buf_flags(6));
	CHECK_EQ(msg.msg_flags, MSG_TRUNC);
	/* more than one iovec: -EINVAL */
	msg.msg_iovlen = 2;
	sqe = test_get_sqe(&ring);
	io_uring_prep_recvmsg(sqe, sv[1], &msg, 0);
	io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT);
	sqe->buf_group = 1;
	CHECK_EQ(one().res, -EINVAL);
	CHECK_EQ(io_uring_free_buf_ring(&ring, br, NBUF, 1), 0);
	teardown();
}

/* ---- IORING_RECV_MULTISHOT ---------------------------------------------- */

static struct test_cqe reap1(void)
{
	struct test_cqe c = { 0 };

	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	return c;
}

TEST(mshot_stream_until_eof)
{
	struct test_cqe c = { 0 };

	setup(SOCK_STREAM);
	ring_setup(1, 0);
	for (int i = 0; i < 4; i++)
		ring_add(i, BUFSZ, 200 + i);
	recv_mshot(sv[1], 0, 1, 7);
	submit_pending();
	for (int i = 0; i < 3; i++) {
		char msg[4] = { (char)('a' + i), (char)('a' + i), (char)('a' + i), 0 };

		REQUIRE_EQ(write(sv[0], msg, 3), 3);
		c = reap1();
		CHECK_EQ_U(c.user_data, 7);
		CHECK_EQ(c.res, 3);
		CHECK_EQ_U(c.flags, test_buf_flags(200 + i) | IORING_CQE_F_MORE);
		CHECK_MEM(bufs[i], msg, 3);
		CHECK_TRUE(test_cq_empty_for(&ring, 20));
	}
	CHECK_EQ(ring_head(1), 3);
	/* EOF ends it: res 0, no buffer, no F_MORE */
	close(sv[0]);
	sv[0] = -1;
	c = reap1();
	CHECK_EQ(c.res, 0);
	CHECK_EQ_U(c.flags, 0);
	CHECK_EQ(ring_head(1), 3);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	CHECK_EQ(io_uring_free_buf_ring(&ring, br, NBUF, 1), 0);
	teardown();
}

/* the group runs dry: -ENOBUFS ends it (when data comes with no buffer) */
/* TCP: a CQE per segment; the peer's FIN ends it (res 0, SOCK_NONEMPTY as
 * tcp_inq_hint() says once the FIN is in) */
TEST(mshot_tcp)
{
	struct test_cqe c = { 0 };

	test_ring_init(16, &ring, 0);
	memset(bufs, 0, sizeof(bufs));
	net_tcp_pair(sv);
	ring_setup(1, 0);
	for (int i = 0; i < 4; i++)
		ring_add(i, BUFSZ, i);
	recv_mshot(sv[1], 0, 1, 1);
	submit_pending();
	REQUIRE_EQ(write(sv[0], "tcp", 3), 3);
	c = reap1();
	CHECK_EQ(c.res, 3);
	CHECK_EQ_U(c.flags, test_buf_flags(0) | IORING_CQE_F_MORE);
	CHECK_MEM(bufs[0], "tcp", 3);
	REQUIRE_SYS(shutdown(sv[0], SHUT_WR));
	c = reap1();
	CHECK_EQ(c.res, 0);
	CHECK_EQ_U(c.flags & ~IORING_CQE_F_SOCK_NONEMPTY, 0);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	CHECK_EQ(io_uring_free_buf_ring(&ring, br, NBUF, 1), 0);
	teardown();
}

TEST(mshot_enobufs)
{
	struct test_cqe c = { 0 };

	setup(SOCK_STREAM);
	provide(0, BUFSZ, 2, 3, 0);
	recv_mshot(sv[1], 0, 3, 1);
	submit_pending();
	REQUIRE_EQ(write(sv[0], "one", 3), 3);
	c = reap1();
	CHECK_EQ(c.res, 3);
	CHECK_EQ_U(c.flags, test_buf_flags(0) | IORING_CQE_F_MORE);
	REQUIRE_EQ(write(sv[0], "two", 3), 3);
	c = reap1();
	CHECK_EQ(c.res, 3);
	CHECK_EQ_U(c.flags, test_buf_flags(1) | IORING_CQE_F_MORE);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	REQUIRE_EQ(write(sv[0], "three", 5), 5);
	c = reap1();
	CHECK_EQ(c.res, -ENOBUFS);
	CHECK_EQ_U(c.flags, 0);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	teardown();
}

TEST(mshot_cancel)
{
	struct io_uring_sqe *sqe;
	struct test_cqe c[2];

	setup(SOCK_STREAM);
	provide(0, BUFSZ, 2, 3, 0);
	recv_mshot(sv[1], 0, 3, 1);
	submit_pending();
	REQUIRE_EQ(write(sv[0], "one", 3), 3);
	c[0] = reap1();
	CHECK_EQ_U(c[0].flags, test_buf_flags(0) | IORING_CQE_F_MORE);
	/* waiting again (on the engine a cancellation that comes while the
	 * reactor is between the CQE and the re-arm misses it: engine.h) */
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
	CHECK_EQ_U(test_cancel_reap(&ring, 1, 2).flags, 0);
	/* the waiting one gave its buffer back: one is left */
	sqe = test_get_sqe(&ring);
	io_uring_prep_remove_buffers(sqe, 4, 3);
	CHECK_EQ(one().res, 1);
	teardown();
}

/* datagrams queued before it: a CQE each at once, then it waits */
TEST(mshot_dgram_backlog)
{
	struct test_cqe c[3];

	setup(SOCK_DGRAM);
	ring_setup(1, 0);
	for (int i = 0; i < 4; i++)
		ring_add(i, BUFSZ, i);
	REQUIRE_EQ(write(sv[0], "d1", 2), 2);
	REQUIRE_EQ(write(sv[0], "dd2", 3), 3);
	REQUIRE_EQ(write(sv[0], "ddd3", 4), 4);
	recv_mshot(sv[1], 0, 1, 1);
	test_submit_reap(&ring, c, 3);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(c[i].res, i + 2);
		CHECK_EQ_U(c[i].flags, test_buf_flags(i) | IORING_CQE_F_MORE);
	}
	CHECK_MEM(bufs[2], "ddd3", 4);
	CHECK_TRUE(test_cq_empty_for(&ring, 30));
	/* an empty datagram ends it as EOF would: res 0, no buffer, no F_MORE */
	REQUIRE_EQ(write(sv[0], "", 0), 0);
	c[0] = reap1();
	CHECK_EQ(c[0].res, 0);
	CHECK_EQ_U(c[0].flags, 0);
	CHECK_TRUE(test_cq_empty_for(&ring, 30));
	CHECK_EQ(io_uring_free_buf_ring(&ring, br, NBUF, 1), 0);
	teardown();
}

/* sqe->len caps each receive; SOCK_NONEMPTY while the socket holds more;
 * sqe->optlen caps them all together (6.18's mshot limit) */
TEST(mshot_len_and_limit)
{
	struct io_uring_sqe *sqe;
	struct test_cqe c[3];

	setup(SOCK_STREAM);
	ring_setup(1, 0);
	for (int i = 0; i < NBUF; i++)
		ring_add(i, BUFSZ, i);
	REQUIRE_EQ(write(sv[0], "0123456789", 10), 10);
	recv_mshot(sv[1], 4, 1, 1);
	test_submit_reap(&ring, c, 3);
	CHECK_EQ(c[0].res, 4);
	CHECK_EQ_U(c[0].flags, test_buf_flags(0) | IORING_CQE_F_MORE | IORING_CQE_F_SOCK_NONEMPTY);
	CHECK_EQ(c[1].res, 4);
	CHECK_EQ_U(c[1].flags, test_buf_flags(1) | IORING_CQE_F_MORE | IORING_CQE_F_SOCK_NONEMPTY);
	CHECK_EQ(c[2].res, 2);
	CHECK_EQ_U(c[2].flags, test_buf_flags(2) | IORING_CQE_F_MORE);
	CHECK_MEM(bufs[1], "4567", 4);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	sqe = test_get_sqe(&ring);
	io_uring_prep_cancel64(sqe, 1, 0);
	test_submit_reap(&ring, c, 2);
	/* a limit of 6 bytes: the receive that reaches it ends it, whole */
	REQUIRE_EQ(write(sv[0], "abcdefghij", 10), 10);
	sqe = recv_mshot(sv[1], 4, 1, 2);
	sqe->optlen = 6;
	test_submit_reap(&ring, c, 2);
	CHECK_EQ(c[0].res, 4);
	CHECK_EQ_U(c[0].flags, test_buf_flags(3) | IORING_CQE_F_MORE | IORING_CQE_F_SOCK_NONEMPTY);
	CHECK_EQ(c[1].res, 4);
	CHECK_EQ_U(c[1].flags, test_buf_flags(4) | IORING_CQE_F_SOCK_NONEMPTY);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	CHECK_EQ(io_uring_free_buf_ring(&ring, br, NBUF, 1), 0);
	teardown();
}

TEST(mshot_errors)
{
	struct msghdr msg = { 0 };
	struct io_uring_sqe *sqe;

	setup(SOCK_STREAM);
	provide(0, BUFSZ, 2, 3, 0);
	/* no provided buffers, MSG_WAITALL: -EINVAL */
	sqe = recv_mshot(sv[1], 0, 3, 1);
	sqe->flags = 0;
	CHECK_EQ(one().res, -EINVAL);
	sqe = recv_mshot(sv[1], 0, 3, 1);
	sqe->msg_flags = MSG_WAITALL;
	CHECK_EQ(one().res, -EINVAL);
	/* RECVMSG: no optlen, no bundle */
	sqe = test_get_sqe(&ring);
	io_uring_prep_recvmsg_multishot(sqe, sv[1], &msg, 0);
	io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT);
	sqe->buf_group = 3;
	sqe->optlen = 4;
	CHECK_EQ(one().res, -EINVAL);
	sqe = test_get_sqe(&ring);
	io_uring_prep_recvmsg_multishot(sqe, sv[1], &msg, 0);
	io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT);
	sqe->buf_group = 3;
	sqe->ioprio |= IORING_RECVSEND_BUNDLE;
	CHECK_EQ(one().res, -EINVAL);
	/* RECVMSG: a header (out struct, name, control) above INT_MAX,
	 * however its parts add up */
	{
		static const struct {
			int namelen;
			size_t controllen;
		} big[] = { { INT_MAX - 8, 0 }, { INT_MAX - 20, 100 }, { 16, 0x80000000ul } };

		for (unsigned i = 0; i < ARRAY_SIZE(big); i++) {
			msg.msg_namelen = (socklen_t)big[i].namelen;
			msg.msg_controllen = big[i].controllen;
			sqe = test_get_sqe(&ring);
			io_uring_prep_recvmsg_multishot(sqe, sv[1], &msg, 0);
			io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT);
			sqe->buf_group = 3;
			CHECK_EQ(one().res, -EOVERFLOW);
		}
		msg.msg_namelen = 0;
		msg.msg_controllen = 0;
	}
	/* not a socket */
	sqe = recv_mshot(ring.ring_fd, 0, 3, 1);
	CHECK_EQ(one().res, -ENOTSOCK);
	teardown();
}

/* ---- multishot RECVMSG ---------------------------------------------------- */

static void udp_pair(int *fds, struct sockaddr_in *from)
{
	struct sockaddr_in a = net_loopback_any();
	socklen_t al = sizeof(a);
	int on = 1;

	fds[0] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	fds[1] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	REQUIRE_SYS(fds[0]);
	REQUIRE_SYS(fds[1]);
	REQUIRE_SYS(bind(fds[1], (struct sockaddr *)&a, al));
	REQUIRE_SYS(getsockname(fds[1], (struct sockaddr *)&a, &al));
	REQUIRE_SYS(connect(fds[0], (struct sockaddr *)&a, al));
	al = sizeof(*from);
	REQUIRE_SYS(getsockname(fds[0], (struct sockaddr *)from, &al));
	REQUIRE_SYS(setsockopt(fds[1], IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)));
}

TEST(mshot_recvmsg_layout)
{
	struct sockaddr_in from;
	struct msghdr msg = { .msg_namelen = sizeof(struct sockaddr_in),
			      .msg_controllen = CMSG_SPACE(sizeof(struct in_pktinfo)) };
	size_t hdr = sizeof(struct io_uring_recvmsg_out) + msg.msg_namelen + msg.msg_controllen;
	struct io_uring_recvmsg_out *o;
	struct io_uring_sqe *sqe;
	struct cmsghdr *cm;
	struct sockaddr_in *name;
	struct test_cqe c[2];

	test_ring_init(16, &ring, 0);
	memset(bufs, 0, sizeof(bufs));
	udp_pair(sv, &from);
	ring_setup(1, 0);
	ring_add(0, BUFSZ, 0);
	ring_add(1, (int)hdr + 4, 1); /* room for 4 bytes of payload */
	ring_add(2, (int)hdr, 2); /* no room for payload */
	sqe = test_get_sqe(&ring);
	io_uring_prep_recvmsg_multishot(sqe, sv[1], &msg, 0);
	io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT);
	sqe->buf_group = 1;
	io_uring_sqe_set_data64(sqe, 1);
	submit_pending();
	REQUIRE_EQ(send(sv[0], "payload", 7, 0), 7);
	c[0] = reap1();
	CHECK_EQ(c[0].res, (int)hdr + 7);
	CHECK_EQ_U(c[0].flags, test_buf_flags(0) | IORING_CQE_F_MORE);
	o = io_uring_recvmsg_validate(bufs[0], c[0].res, &msg);
	REQUIRE_TRUE(o != NULL);
	CHECK_EQ_U(o->namelen, sizeof(struct sockaddr_in));
	CHECK_EQ_U(o->controllen, CMSG_SPACE(sizeof(struct in_pktinfo)));
	CHECK_EQ_U(o->payloadlen, 7);
	CHECK_EQ_U(o->flags, 0);
	name = io_uring_recvmsg_name(o);
	CHECK_EQ_U(name->sin_port, from.sin_port);
	cm = io_uring_recvmsg_cmsg_firsthdr(o, &msg);
	REQUIRE_TRUE(cm != NULL);
	CHECK_EQ(cm->cmsg_level, IPPROTO_IP);
	CHECK_EQ(cm->cmsg_type, IP_PKTINFO);
	CHECK_TRUE(io_uring_recvmsg_cmsg_nexthdr(o, &msg, cm) == NULL);
	CHECK_EQ_U(io_uring_recvmsg_payload_length(o, c[0].res, &msg), 7);
	CHECK_MEM(io_uring_recvmsg_payload(o, &msg), "payload", 7);
	/* truncated: MSG_TRUNC in the header */
	REQUIRE_EQ(send(sv[0], "truncated", 9, 0), 9);
	c[0] = reap1();
	CHECK_EQ(c[0].res, (int)hdr + 4);
	CHECK_EQ_U(c[0].flags, test_buf_flags(1) | IORING_CQE_F_MORE);
	o = (struct io_uring_recvmsg_out *)bufs[1];
	CHECK_EQ_U(o->payloadlen, 4);
	CHECK_EQ_U(o->flags, MSG_TRUNC);
	CHECK_MEM(io_uring_recvmsg_payload(o, &msg), "trun", 4);
	/* no room for any payload: a receive of 0 bytes, which ends it */
	REQUIRE_EQ(send(sv[0], "zz", 2, 0), 2);
	c[0] = reap1();
	CHECK_EQ(c[0].res, (int)hdr);
	CHECK_EQ_U(c[0].flags, test_buf_flags(2));
	CHECK_EQ_U(((struct io_uring_recvmsg_out *)bufs[2])->flags, MSG_TRUNC);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	/* a buffer smaller than the header: -EFAULT ends it, the buffer unused */
	ring_add(3, (int)hdr - 1, 3);
	sqe = test_get_sqe(&ring);
	io_uring_prep_recvmsg_multishot(sqe, sv[1], &msg, 0);
	io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT);
	sqe->buf_group = 1;
	io_uring_sqe_set_data64(sqe, 2);
	REQUIRE_EQ(send(sv[0], "x", 1, 0), 1);
	c[0] = one();
	CHECK_EQ(c[0].res, -EFAULT);
	CHECK_EQ_U(c[0].flags, 0);
	CHECK_EQ(ring_head(1), 3);
	CHECK_EQ(io_uring_free_buf_ring(&ring, br, NBUF, 1), 0);
	teardown();
}

/* no room asked for the name or control: only the header and the payload */
TEST(mshot_recvmsg_bare)
{
	struct msghdr msg = { 0 };
	struct io_uring_recvmsg_out *o;
	struct io_uring_sqe *sqe;
	struct test_cqe c = { 0 };

	setup(SOCK_DGRAM);
	provide(0, BUFSZ, 2, 3, 0);
	REQUIRE_EQ(write(sv[0], "abc", 3), 3);
	sqe = test_get_sqe(&ring);
	io_uring_prep_recvmsg_multishot(sqe, sv[1], &msg, 0);
	io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT);
	sqe->buf_group = 3;
	io_uring_sqe_set_data64(sqe, 1);
	c = one();
	CHECK_EQ(c.res, (int)sizeof(*o) + 3);
	CHECK_EQ_U(c.flags, test_buf_flags(0) | IORING_CQE_F_MORE);
	o = (struct io_uring_recvmsg_out *)bufs[0];
	CHECK_EQ_U(o->namelen, 0);
	CHECK_EQ_U(o->controllen, 0);
	CHECK_EQ_U(o->payloadlen, 3);
	CHECK_MEM(bufs[0] + sizeof(*o), "abc", 3);
	sqe = test_get_sqe(&ring);
	io_uring_prep_cancel64(sqe, 1, 0);
	{
		struct test_cqe cc[2];

		test_submit_reap(&ring, cc, 2);
		CHECK_EQ(test_find_cqe(cc, 2, 1)->res, -ECANCELED);
	}
	teardown();
}

/*
 * The msghdr's one iovec caps the first receive only (its length is the
 * request's len until the first CQE: io_mshot_prep_retry() clears it); the
 * later ones fill their whole buffer.
 */
TEST(mshot_recvmsg_iov_len_first_only)
{
	const int hdr = (int)sizeof(struct io_uring_recvmsg_out);
	struct iovec iov = { .iov_base = NULL, .iov_len = (size_t)hdr + 5 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct io_uring_sqe *sqe;
	struct test_cqe c[4];
	char data[2 * BUFSZ];

	setup(SOCK_STREAM);
	provide(0, BUFSZ, 3, 3, 0);
	test_fill_random(data, sizeof(data), 7);
	REQUIRE_EQ(write(sv[0], data, sizeof(data)), (ssize_t)sizeof(data));
	sqe = test_get_sqe(&ring);
	io_uring_prep_recvmsg_multishot(sqe, sv[1], &msg, 0);
	io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT);
	sqe->buf_group = 3;
	io_uring_sqe_set_data64(sqe, 1);
	/* 5 bytes, then a whole buffer twice, then no buffer left */
	test_submit_reap(&ring, c, 4);
	CHECK_EQ(c[0].res, hdr + 5);
	CHECK_EQ(c[1].res, BUFSZ);
	CHECK_EQ(c[2].res, BUFSZ);
	CHECK_MEM(bufs[0] + hdr, data, 5);
	CHECK_MEM(bufs[1] + hdr, data + 5, BUFSZ - hdr);
	CHECK_MEM(bufs[2] + hdr, data + 5 + BUFSZ - hdr, BUFSZ - hdr);
	CHECK_EQ(c[3].res, -ENOBUFS);
	CHECK_EQ_U(c[3].flags, 0);
	teardown();
}

/* ---- IORING_RECVSEND_BUNDLE ---------------------------------------------- */

/*
 * MSG_DONTWAIT on a multishot receive issued at submit: where it would wait
 * for more (the socket drained) it ends with -EAGAIN instead, failing its
 * links, as 6.18's (its retry is final for REQ_F_NOWAIT)
 */
TEST(mshot_dontwait_drained_ends_eagain)
{
	static const int res[] = { 4, 4, 2, -EAGAIN, -ECANCELED };
	static const unsigned flags[] = { IORING_CQE_F_MORE | IORING_CQE_F_SOCK_NONEMPTY,
					  IORING_CQE_F_MORE | IORING_CQE_F_SOCK_NONEMPTY,
					  IORING_CQE_F_MORE, 0, 0 };
	struct test_cqe c[5];
	struct io_uring_sqe *sqe;

	setup(SOCK_STREAM);
	ring_setup(1, 0);
	for (int i = 0; i < 4; i++)
		ring_add(i, 4, i);
	REQUIRE_EQ(write(sv[0], "abcdefghij", 10), 10);
	sqe = recv_mshot(sv[1], 0, 1, 1);
	sqe->msg_flags |= MSG_DONTWAIT;
	sqe->flags |= IOSQE_IO_LINK;
	io_uring_prep_nop(test_get_sqe(&ring));
	REQUIRE_EQ(test_submit_reap(&ring, c, 5), 2);
	for (int i = 0; i < 5; i++) {
		CHECK_EQ(c[i].res, res[i]);
		CHECK_EQ_U(c[i].flags & ~IORING_CQE_F_BUFFER & 0xffff, flags[i]);
	}
	CHECK_EQ(ring_head(1), 3);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	CHECK_EQ(io_uring_free_buf_ring(&ring, br, NBUF, 1), 0);
	teardown();
}

/* ... and where it would give others a turn (its 33rd receive in a row) */
TEST(mshot_dontwait_requeue_ends_eagain)
{
	char data[100];
	struct test_cqe c[34];

	setup(SOCK_STREAM);
	/* a CQ for all 34 CQEs: a full one would end it first */
	io_uring_queue_exit(&ring);
	test_ring_init(64, &ring, 0);
	provide(0, 1, 40, 1, 0);
	memset(data, 'x', sizeof(data));
	REQUIRE_EQ(write(sv[0], data, sizeof(data)), (ssize_t)sizeof(data));
	recv_mshot(sv[1], 0, 1, 1)->msg_flags |= MSG_DONTWAIT;
	REQUIRE_EQ(test_submit_reap(&ring, c, 34), 1);
	for (int i = 0; i < 33; i++) {
		CHECK_EQ(c[i].res, 1);
		CHECK_EQ_U(c[i].flags, test_buf_flags((unsigned)i) | IORING_CQE_F_MORE |
					       IORING_CQE_F_SOCK_NONEMPTY);
	}
	CHECK_EQ(c[33].res, -EAGAIN);
	CHECK_EQ_U(c[33].flags, 0);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	teardown();
}

static struct io_uring_sqe *recv_bundle(int fd, size_t len, int bgid, __u64 ud)
{
	struct io_uring_sqe *sqe = recv_sel(fd, len, 0, bgid, ud);

	sqe->ioprio |= IORING_RECVSEND_BUNDLE;
	return sqe;
}

/*
 * A bundle on a datagram socket with MSG_TRUNC: the result is the datagram's
 * whole length, more than the buffer holds; the buffer it filled is
 * consumed, and no more.
 */
TEST(bundle_dgram_trunc)
{
	char big[100];
	struct test_cqe c = { 0 };

	memset(big, 'z', sizeof(big));
	setup(SOCK_DGRAM);
	ring_setup(1, 0);
	ring_add(0, 8, 0);
	ring_add(1, 8, 1);
	REQUIRE_EQ(write(sv[0], big, sizeof(big)), (ssize_t)sizeof(big));
	recv_sel(sv[1], 0, MSG_TRUNC, 1, 1)->ioprio |= IORING_RECVSEND_BUNDLE;
	c = one();
	CHECK_EQ(c.res, (int)sizeof(big));
	CHECK_TRUE(c.flags & IORING_CQE_F_BUFFER);
	CHECK_EQ(c.flags >> IORING_CQE_BUFFER_SHIFT, 0);
	CHECK_MEM(bufs[0], big, 8);
	/* without sqe->len a bundle takes one buffer */
	CHECK_MEM(bufs[1], "\0\0\0\0\0\0\0\0", 8);
	CHECK_EQ(ring_head(1), 1);
	CHECK_EQ(io_uring_free_buf_ring(&ring, br, NBUF, 1), 0);
	teardown();
}

/*
 * A bundle fills consecutive ring buffers: with sqe->len as many whole ones
 * as that takes (a partial one only if it is the first); without, one, and
 * if it was filled and more is queued, once more as many as that needs.
 * One CQE, the first buffer's id, the head moved past every buffer used.
 */
TEST(bundle_ring)
{
	struct test_cqe c = { 0 };

	setup(SOCK_STREAM);
	ring_setup(1, 0);
	for (int i = 0; i < NBUF; i++)
		ring_add(i, 8, i);
	REQUIRE_EQ(write(sv[0], "0123456789abcdefghij", 20), 20);
	recv_bundle(sv[1], 0, 1, 1);
	c = one();
	CHECK_EQ(c.res, 16);
	CHECK_EQ_U(c.flags, test_buf_flags(0) | IORING_CQE_F_SOCK_NONEMPTY);
	CHECK_MEM(bufs[0], "01234567", 8);
	CHECK_MEM(bufs[1], "89abcdef", 8);
	CHECK_EQ(ring_head(1), 2);
	/* the 4 left, then 20 more with len 20 */
	recv_bundle(sv[1], 0, 1, 2);
	c = one();
	CHECK_EQ(c.res, 4);
	CHECK_EQ_U(c.flags, test_buf_flags(2));
	CHECK_EQ(ring_head(1), 3);
	REQUIRE_EQ(write(sv[0], "ABCDEFGHIJKLMNOPQRST", 20), 20);
	recv_bundle(sv[1], 20, 1, 3);
	c = one();
	CHECK_EQ(c.res, 16);
	CHECK_EQ_U(c.flags, test_buf_flags(3) | IORING_CQE_F_SOCK_NONEMPTY);
	CHECK_MEM(bufs[3], "ABCDEFGH", 8);
	CHECK_MEM(bufs[4], "IJKLMNOP", 8);
	CHECK_EQ(ring_head(1), 5);
	recv_bundle(sv[1], 0, 1, 4);
	c = one();
	CHECK_EQ(c.res, 4);
	CHECK_EQ_U(c.flags, test_buf_flags(5));
	CHECK_MEM(bufs[5], "QRST", 4);
	/* a bundle that waits, then takes what came */
	recv_bundle(sv[1], 0, 1, 4);
	submit_pending();
	REQUIRE_EQ(write(sv[0], "xyz", 3), 3);
	c = reap1();
	CHECK_EQ(c.res, 3);
	CHECK_EQ_U(c.flags, test_buf_flags(6));
	CHECK_EQ(ring_head(1), 7);
	CHECK_EQ(io_uring_free_buf_ring(&ring, br, NBUF, 1), 0);
	teardown();
}

TEST(bundle_errors_and_legacy)
{
	struct test_cqe c = { 0 };

	setup(SOCK_STREAM);
	REQUIRE_EQ(write(sv[0], "0123456789", 10), 10);
	/* no group: -ENOENT; an empty ring: -ENOBUFS */
	recv_bundle(sv[1], 0, 1, 1);
	CHECK_EQ(one().res, -ENOENT);
	ring_setup(1, 0);
	recv_bundle(sv[1], 0, 1, 2);
	CHECK_EQ(one().res, -ENOBUFS);
	CHECK_EQ(io_uring_free_buf_ring(&ring, br, NBUF, 1), 0);
	/* a legacy group: one buffer, and once more one if it was filled */
	provide(0, 4, 3, 2, 0);
	recv_bundle(sv[1], 0, 2, 3);
	c = one();
	CHECK_EQ(c.res, 8);
	CHECK_EQ_U(c.flags, test_buf_flags(0) | IORING_CQE_F_SOCK_NONEMPTY);
	CHECK_MEM(bufs[0], "01234567", 8);
	recv_bundle(sv[1], 8, 2, 4);
	c = one();
	CHECK_EQ(c.res, 2);
	CHECK_EQ_U(c.flags, test_buf_flags(2));
	/* RECVMSG takes no bundle */
	teardown();
}

/* a multishot bundle: a CQE per bundle, -ENOBUFS once the ring is used up */
TEST(bundle_mshot)
{
	struct test_cqe c[2];

	setup(SOCK_STREAM);
	ring_setup(1, 0);
	for (int i = 0; i < 3; i++)
		ring_add(i, 8, i);
	recv_mshot(sv[1], 0, 1, 1)->ioprio |= IORING_RECVSEND_BUNDLE;
	submit_pending();
	REQUIRE_EQ(write(sv[0], "abcdef", 6), 6);
	c[0] = reap1();
	CHECK_EQ(c[0].res, 6);
	CHECK_EQ_U(c[0].flags, test_buf_flags(0) | IORING_CQE_F_MORE);
	REQUIRE_EQ(write(sv[0], "0123456789ABCDEF", 16), 16);
	c[0] = reap1();
	CHECK_EQ(c[0].res, 16);
	CHECK_EQ_U(c[0].flags, test_buf_flags(1) | IORING_CQE_F_MORE);
	CHECK_MEM(bufs[2], "89ABCDEF", 8);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	REQUIRE_EQ(write(sv[0], "!", 1), 1);
	c[0] = reap1();
	CHECK_EQ(c[0].res, -ENOBUFS);
	CHECK_EQ_U(c[0].flags, 0);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	CHECK_EQ(io_uring_free_buf_ring(&ring, br, NBUF, 1), 0);
	teardown();
}

/* ... and ends with the CQE of a bundle that took the ring's last buffer */
TEST(bundle_mshot_last_buffer)
{
	struct test_cqe c = { 0 };

	setup(SOCK_STREAM);
	ring_setup(1, 0);
	ring_add(0, 8, 0);
	ring_add(1, 8, 1);
	recv_mshot(sv[1], 0, 1, 1)->ioprio |= IORING_RECVSEND_BUNDLE;
	submit_pending();
	REQUIRE_EQ(write(sv[0], "abcd", 4), 4);
	c = reap1();
	CHECK_EQ(c.res, 4);
	CHECK_EQ_U(c.flags, test_buf_flags(0) | IORING_CQE_F_MORE);
	REQUIRE_EQ(write(sv[0], "efgh", 4), 4);
	c = reap1();
	CHECK_EQ(c.res, 4);
	CHECK_EQ_U(c.flags, test_buf_flags(1));
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	CHECK_EQ(ring_head(1), 2);
	CHECK_EQ(io_uring_free_buf_ring(&ring, br, NBUF, 1), 0);
	teardown();
}

/* ---- SEND from provided buffers ------------------------------------------ */

static struct io_uring_sqe *send_sel(int fd, size_t len, int bgid, bool bundle, __u64 ud)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_send(sqe, fd, NULL, len, 0);
	io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT);
	sqe->buf_group = (__u16)bgid;
	if (bundle)
		sqe->ioprio |= IORING_RECVSEND_BUNDLE;
	io_uring_sqe_set_data64(sqe, ud);
	return sqe;
}

static void fill(int idx, const char *text)
{
	memcpy(bufs[idx], text, strlen(text));
	ring_add(idx, (int)strlen(text), idx);
}

TEST(send_select)
{
	char got[64] = { 0 };
	struct test_cqe c = { 0 };

	setup(SOCK_STREAM);
	/* no group: -ENOENT; an empty ring: -ENOBUFS */
	send_sel(sv[0], 0, 1, false, 1);
	CHECK_EQ(one().res, -ENOENT);
	ring_setup(1, 0);
	send_sel(sv[0], 0, 1, false, 2);
	CHECK_EQ(one().res, -ENOBUFS);
	fill(0, "hello");
	fill(1, "world!");
	send_sel(sv[0], 0, 1, false, 3);
	c = one();
	CHECK_EQ(c.res, 5);
	CHECK_EQ_U(c.flags, test_buf_flags(0));
	CHECK_EQ(ring_head(1), 1);
	/* sqe->len caps it; the buffer is used up all the same */
	send_sel(sv[0], 3, 1, false, 4);
	c = one();
	CHECK_EQ(c.res, 3);
	CHECK_EQ_U(c.flags, test_buf_flags(1));
	CHECK_EQ(ring_head(1), 2);
	REQUIRE_EQ(read(sv[1], got, sizeof(got)), 8);
	CHECK_MEM(got, "hellowor", 8);
	CHECK_EQ(io_uring_free_buf_ring(&ring, br, NBUF, 1), 0);
	/* a legacy group */
	memcpy(bufs[2], "legacy", 6);
	provide(2, 6, 1, 2, 9);
	send_sel(sv[0], 0, 2, false, 5);
	c = one();
	CHECK_EQ(c.res, 6);
	CHECK_EQ_U(c.flags, test_buf_flags(9));
	REQUIRE_EQ(read(sv[1], got, sizeof(got)), 6);
	CHECK_MEM(got, "legacy", 6);
	teardown();
}

/* a SEND bundle sends every buffer the ring has, in one CQE */
TEST(send_bundle)
{
	char got[64] = { 0 };
	struct test_cqe c[2];

	setup(SOCK_STREAM);
	ring_setup(1, 0);
	fill(0, "aaaa");
	fill(1, "bbbb");
	fill(2, "cccc");
	send_sel(sv[0], 0, 1, true, 1);
	c[0] = one();
	CHECK_EQ(c[0].res, 12);
	CHECK_EQ_U(c[0].flags, test_buf_flags(0));
	CHECK_EQ(ring_head(1), 3);
	REQUIRE_EQ(read(sv[1], got, sizeof(got)), 12);
	CHECK_MEM(got, "aaaabbbbcccc", 12);
	/* with a length: that many bytes, a CQE with F_MORE, then the rest */
	fill(3, "dddd");
	fill(4, "eeee");
	fill(5, "ffff");
	fill(6, "gggg");
	fill(7, "hhhh");
	send_sel(sv[0], 8, 1, true, 2);
	test_submit_reap(&ring, c, 2);
	CHECK_EQ(c[0].res, 8);
	CHECK_EQ_U(c[0].flags, test_buf_flags(3) | IORING_CQE_F_MORE);
	/* (the length is the first round's: the next takes all that is left) */
	CHECK_EQ(c[1].res, 12);
	CHECK_EQ_U(c[1].flags, test_buf_flags(5));
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	CHECK_EQ(ring_head(1), 8);
	REQUIRE_EQ(read(sv[1], got, sizeof(got)), 20);
	CHECK_MEM(got, "ddddeeeeffffgggghhhh", 20);
	CHECK_EQ(io_uring_free_buf_ring(&ring, br, NBUF, 1), 0);
	teardown();
}

TEST(feature_bundle)
{
	struct io_uring_params p = { 0 };

	test_ring_init_params(4, &ring, &p);
	CHECK_TRUE(p.features & IORING_FEAT_RECVSEND_BUNDLE);
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(select_legacy),
		TEST_ENTRY(select_empty_without_data),
		TEST_ENTRY(select_legacy_waiting_gives_buffer_back),
		TEST_ENTRY(select_ring),
		TEST_ENTRY(select_ring_async),
		TEST_ENTRY(select_ring_incremental),
		TEST_ENTRY(select_recvmsg),
		TEST_ENTRY(mshot_stream_until_eof),
		TEST_ENTRY(mshot_tcp),
		TEST_ENTRY(mshot_enobufs),
		TEST_ENTRY(mshot_cancel),
		TEST_ENTRY(mshot_dgram_backlog),
		TEST_ENTRY(mshot_len_and_limit),
		TEST_ENTRY(mshot_errors),
		TEST_ENTRY(mshot_dontwait_drained_ends_eagain),
		TEST_ENTRY(mshot_dontwait_requeue_ends_eagain),
		TEST_ENTRY(mshot_recvmsg_layout),
		TEST_ENTRY(mshot_recvmsg_bare),
		TEST_ENTRY(mshot_recvmsg_iov_len_first_only),
		TEST_ENTRY(bundle_ring),
		TEST_ENTRY(bundle_dgram_trunc),
		TEST_ENTRY(bundle_errors_and_legacy),
		TEST_ENTRY(bundle_mshot),
		TEST_ENTRY(bundle_mshot_last_buffer),
		TEST_ENTRY(send_select),
		TEST_ENTRY(send_bundle),
		TEST_ENTRY(feature_bundle),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
