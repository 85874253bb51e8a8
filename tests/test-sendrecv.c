/* SPDX-License-Identifier: MIT */
/*
 * SEND, RECV, SENDMSG, RECVMSG on AF_UNIX socketpairs and TCP loopback:
 * data both ways, a receive that waits for data (and its cancellation,
 * IOSQE_ASYNC, fixed files), MSG_WAITALL's retry on stream sockets (and its
 * short result failing a link; none on datagram sockets), MSG_DONTWAIT and
 * IORING_RECVSEND_POLL_FIRST, IORING_CQE_F_SOCK_NONEMPTY as 6.18 sets it
 * (stream sockets; TCP also at EOF), recvmsg's msghdr results, the kernel's
 * errors for bad SQE fields and files.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>

#include "harness.h"
#include "net-util.h"

static struct io_uring ring;
static int sv[2];

static void setup(int type)
{
	test_ring_init(16, &ring, 0);
	REQUIRE_SYS(socketpair(AF_UNIX, type, 0, sv));
}

static void teardown(void)
{
	close(sv[0]);
	close(sv[1]);
	io_uring_queue_exit(&ring);
}

static struct io_uring_sqe *recv_sqe(int fd, void *buf, size_t len, int flags, __u64 ud)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_recv(sqe, fd, buf, len, flags);
	io_uring_sqe_set_data64(sqe, ud);
	return sqe;
}

static struct io_uring_sqe *send_sqe(int fd, const void *buf, size_t len, int flags, __u64 ud)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_send(sqe, fd, buf, len, flags);
	io_uring_sqe_set_data64(sqe, ud);
	return sqe;
}

static struct test_cqe one(void)
{
	return test_submit_reap1(&ring);
}

/* submitted, and still waiting after a while */
static void submit_pending(void)
{
	REQUIRE_GE(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
}

TEST(send_then_recv)
{
	char buf[32] = { 0 };
	struct test_cqe c = { 0 };

	setup(SOCK_STREAM);
	send_sqe(sv[0], "hello", 5, 0, 1);
	c = one();
	CHECK_EQ(c.res, 5);
	CHECK_EQ_U(c.flags, 0);
	recv_sqe(sv[1], buf, sizeof(buf), 0, 2);
	c = one();
	CHECK_EQ_U(c.user_data, 2);
	CHECK_EQ(c.res, 5);
	CHECK_MEM(buf, "hello", 5);
	/* nothing to move is no wait */
	send_sqe(sv[0], buf, 0, 0, 3);
	CHECK_EQ(one().res, 0);
	teardown();
}

TEST(recv_waits_for_data)
{
	char buf[32] = { 0 };
	struct test_cqe c = { 0 };

	setup(SOCK_STREAM);
	recv_sqe(sv[1], buf, sizeof(buf), 0, 1);
	submit_pending();
	REQUIRE_EQ(write(sv[0], "abc", 3), 3);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ(c.res, 3);
	CHECK_MEM(buf, "abc", 3);
	/* IOSQE_ASYNC waits the same way */
	recv_sqe(sv[1], buf, sizeof(buf), 0, 2)->flags |= IOSQE_ASYNC;
	submit_pending();
	REQUIRE_EQ(write(sv[0], "de", 2), 2);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ(c.res, 2);
	CHECK_MEM(buf, "de", 2);
	/* EOF */
	recv_sqe(sv[1], buf, sizeof(buf), 0, 3);
	submit_pending();
	shutdown(sv[0], SHUT_WR);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ(c.res, 0);
	teardown();
}

TEST(cancel_waiting_recv)
{
	char buf[8];

	setup(SOCK_STREAM);
	recv_sqe(sv[1], buf, sizeof(buf), 0, 7);
	submit_pending();
	test_cancel_reap(&ring, 7, 8);
	teardown();
}

TEST(fixed_file)
{
	char buf[8] = { 0 };
	struct test_cqe c = { 0 };

	setup(SOCK_STREAM);
	REQUIRE_EQ(io_uring_register_files(&ring, sv, 2), 0);
	send_sqe(0, "xy", 2, 0, 1)->flags |= IOSQE_FIXED_FILE;
	CHECK_EQ(one().res, 2);
	recv_sqe(1, buf, sizeof(buf), 0, 2)->flags |= IOSQE_FIXED_FILE;
	c = one();
	CHECK_EQ(c.res, 2);
	CHECK_MEM(buf, "xy", 2);
	teardown();
}

/* A receive (sqe->ioprio: ioprio) on fd of what is queued: res and flags. */
/*
 * Wait until fd, a loopback TCP socket, has received `total` bytes since
 * the connection began (and the peer's FIN, with fin): what the peer sent
 * is queued by softirq work that a loaded machine may run late, so a fixed
 * sleep is not enough.  TCP_INFO's count, not FIONREAD: that one stops at
 * an urgent mark.
 */
static void wait_tcp_in(int fd, unsigned total, bool fin)
{
	uint64_t t0 = test_now_ns();

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLRDHUP };
		struct tcp_info ti;
		socklen_t len = sizeof(ti);

		memset(&ti, 0, sizeof(ti));
		REQUIRE_SYS(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len));
		REQUIRE_SYS(poll(&pfd, 1, 0));
		if (ti.tcpi_bytes_received >= total && (!fin || (pfd.revents & POLLRDHUP)))
			return;
		if (test_now_ns() - t0 > 5000000000ULL) {
			FAIL("fd %d: %llu bytes received, want %u%s", fd,
			     (unsigned long long)ti.tcpi_bytes_received, total,
			     fin ? " and the FIN" : "");
			return;
		}
		test_sleep_ms(1);
	}
}

static void recv_expect(int fd, __u16 ioprio, __u64 ud, int res, unsigned flags)
{
	char buf[64];
	struct test_cqe c;

	recv_sqe(fd, buf, sizeof(buf), 0, ud)->ioprio = ioprio;
	c = one();
	CHECK_EQ(c.res, res);
	CHECK_EQ_U(c.flags, flags);
}

/* TCP: a receive that urgent data stops short leaves bytes behind */
static void urgent_stops_short(__u16 ioprio)
{
	int t[2];

	net_tcp_pair(t);
	REQUIRE_EQ(send(t[1], "abc", 3, 0), 3);
	REQUIRE_EQ(send(t[1], "de", 2, MSG_OOB), 2);
	REQUIRE_EQ(send(t[1], "fgh", 3, 0), 3);
	wait_tcp_in(t[0], 8, false);
	recv_expect(t[0], ioprio, 4, 4, IORING_CQE_F_SOCK_NONEMPTY);
	recv_expect(t[0], ioprio, 5, 3, 0);
	close(t[0]);
	close(t[1]);
}

TEST(sock_nonempty)
{
	char buf[64];
	struct test_cqe c = { 0 };
	int t[2];

	/* AF_UNIX stream: set while bytes remain */
	setup(SOCK_STREAM);
	REQUIRE_EQ(write(sv[0], "0123456789", 10), 10);
	REQUIRE_EQ(write(sv[0], "abcdef", 6), 6);
	recv_sqe(sv[1], buf, 4, 0, 1);
	c = one();
	CHECK_EQ(c.res, 4);
	CHECK_EQ_U(c.flags, IORING_CQE_F_SOCK_NONEMPTY);
	recv_sqe(sv[1], buf, sizeof(buf), 0, 2);
	c = one();
	CHECK_EQ(c.res, 12);
	CHECK_EQ_U(c.flags, 0);
	teardown();

	/* datagrams: never */
	setup(SOCK_DGRAM);
	REQUIRE_EQ(write(sv[0], "0123456789", 10), 10);
	REQUIRE_EQ(write(sv[0], "abcdef", 6), 6);
	recv_sqe(sv[1], buf, 4, 0, 1);
	c = one();
	CHECK_EQ(c.res, 4);
	CHECK_EQ_U(c.flags, 0);
	teardown();

	/* TCP: set while bytes remain, and once the peer's FIN is in */
	test_ring_init(16, &ring, 0);
	net_tcp_pair(t);
	REQUIRE_EQ(write(t[1], "0123456789", 10), 10);
	wait_tcp_in(t[0], 10, false);
	recv_sqe(t[0], buf, 4, 0, 1);
	c = one();
	CHECK_EQ(c.res, 4);
	CHECK_EQ_U(c.flags, IORING_CQE_F_SOCK_NONEMPTY);
	recv_sqe(t[0], buf, sizeof(buf), 0, 2);
	c = one();
	CHECK_EQ(c.res, 6);
	CHECK_EQ_U(c.flags, 0);
	REQUIRE_EQ(write(t[1], "xyz", 3), 3);
	shutdown(t[1], SHUT_WR);
	wait_tcp_in(t[0], 13, true);
	recv_sqe(t[0], buf, sizeof(buf), 0, 3);
	c = one();
	CHECK_EQ(c.res, 3);
	CHECK_EQ_U(c.flags, IORING_CQE_F_SOCK_NONEMPTY);
	close(t[0]);
	close(t[1]);

	urgent_stops_short(0);
	io_uring_queue_exit(&ring);
}

/*
 * The same hints for receives that wait for readiness first (POLL_FIRST):
 * the engine runs them from its reactor's event, which reports the FIN and
 * urgent data itself.
 */
TEST(sock_nonempty_poll_first)
{
	char buf[64];
	struct test_cqe c = { 0 };
	int t[2];

	test_ring_init(16, &ring, 0);
	/* the FIN in: set after a receive that takes all the bytes */
	net_tcp_pair(t);
	REQUIRE_EQ(write(t[1], "xyz", 3), 3);
	shutdown(t[1], SHUT_WR);
	wait_tcp_in(t[0], 3, true);
	recv_expect(t[0], IORING_RECVSEND_POLL_FIRST, 1, 3, IORING_CQE_F_SOCK_NONEMPTY);
	close(t[0]);
	close(t[1]);

	/* no FIN: clear after it */
	net_tcp_pair(t);
	REQUIRE_EQ(write(t[1], "xyz", 3), 3);
	wait_tcp_in(t[0], 3, false);
	recv_expect(t[0], IORING_RECVSEND_POLL_FIRST, 2, 3, 0);
	/* data that comes later wakes the next one */
	recv_sqe(t[0], buf, sizeof(buf), 0, 3)->ioprio = IORING_RECVSEND_POLL_FIRST;
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	test_sleep_ms(20);
	REQUIRE_EQ(write(t[1], "ab", 2), 2);
	c = one();
	CHECK_EQ(c.res, 2);
	CHECK_EQ_U(c.flags, 0);
	close(t[0]);
	close(t[1]);

	urgent_stops_short(IORING_RECVSEND_POLL_FIRST);
	io_uring_queue_exit(&ring);
}

TEST(waitall_stream)
{
	char buf[16] = { 0 };
	struct test_cqe c[2] = { 0 };
	struct io_uring_sqe *sqe;

	setup(SOCK_STREAM);
	REQUIRE_EQ(write(sv[0], "01234", 5), 5);
	recv_sqe(sv[1], buf, 10, MSG_WAITALL, 1);
	submit_pending();
	REQUIRE_EQ(write(sv[0], "56789", 5), 5);
	REQUIRE_EQ(test_reap(&ring, c, 1, 5000), 1);
	CHECK_EQ(c[0].res, 10);
	CHECK_MEM(buf, "0123456789", 10);

	/* EOF first: the bytes that came, and a failed link */
	REQUIRE_EQ(write(sv[0], "abcde", 5), 5);
	recv_sqe(sv[1], buf, 10, MSG_WAITALL, 2)->flags |= IOSQE_IO_LINK;
	sqe = test_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, 3);
	submit_pending();
	shutdown(sv[0], SHUT_WR);
	REQUIRE_EQ(test_reap(&ring, c, 2, 5000), 2);
	CHECK_EQ_U(c[0].user_data, 2);
	CHECK_EQ(c[0].res, 5);
	CHECK_MEM(buf, "abcde", 5);
	CHECK_EQ_U(c[1].user_data, 3);
	CHECK_EQ(c[1].res, -ECANCELED);
	teardown();
}

TEST(waitall_seqpacket_and_dgram)
{
	char buf[16];
	struct test_cqe c = { 0 };

	/* SOCK_SEQPACKET retries like a stream */
	setup(SOCK_SEQPACKET);
	REQUIRE_EQ(write(sv[0], "01234", 5), 5);
	recv_sqe(sv[1], buf, 10, MSG_WAITALL, 1);
	submit_pending();
	REQUIRE_EQ(write(sv[0], "56789", 5), 5);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ(c.res, 10);
	teardown();

	/* SOCK_DGRAM: one datagram */
	setup(SOCK_DGRAM);
	REQUIRE_EQ(write(sv[0], "01234", 5), 5);
	recv_sqe(sv[1], buf, 10, MSG_WAITALL, 1);
	c = one();
	CHECK_EQ(c.res, 5);
	teardown();
}

static void *drain(void *arg)
{
	size_t *total = arg;
	char buf[65536];
	ssize_t n;

	while ((n = read(sv[1], buf, sizeof(buf))) > 0)
		*total += (size_t)n;
	return NULL;
}

TEST(send_waitall_waits_for_room)
{
	size_t len = 4 << 20, got = 0;
	char *big = calloc(1, len);
	struct test_cqe c = { 0 };
	pthread_t th;

	REQUIRE_TRUE(big);
	setup(SOCK_STREAM);
	send_sqe(sv[0], big, len, MSG_WAITALL, 1);
	submit_pending();
	REQUIRE_EQ(pthread_create(&th, NULL, drain, &got), 0);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ(c.res, (int)len);
	shutdown(sv[0], SHUT_WR);
	pthread_join(th, NULL);
	CHECK_EQ((long long)got, (long long)len);
	free(big);
	teardown();
}

TEST(dontwait_and_poll_first)
{
	char buf[8];
	struct test_cqe c = { 0 };

	setup(SOCK_STREAM);
	recv_sqe(sv[1], buf, sizeof(buf), MSG_DONTWAIT, 1);
	CHECK_EQ(one().res, -EAGAIN);
	/* POLL_FIRST waits even with data there; with MSG_DONTWAIT: -EAGAIN */
	REQUIRE_EQ(write(sv[0], "q", 1), 1);
	recv_sqe(sv[1], buf, sizeof(buf), MSG_DONTWAIT, 2)->ioprio = IORING_RECVSEND_POLL_FIRST;
	CHECK_EQ(one().res, -EAGAIN);
	recv_sqe(sv[1], buf, sizeof(buf), 0, 3)->ioprio = IORING_RECVSEND_POLL_FIRST;
	c = one();
	CHECK_EQ(c.res, 1);
	send_sqe(sv[0], "r", 1, 0, 4)->ioprio = IORING_RECVSEND_POLL_FIRST;
	CHECK_EQ(one().res, 1);
	teardown();
}

TEST(sendmsg_recvmsg)
{
	char a[4], b[8], out[16] = { 0 };
	struct iovec siov[2] = { { "abc", 3 }, { "defgh", 5 } };
	struct iovec riov[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	struct msghdr sm = { .msg_iov = siov, .msg_iovlen = 2 };
	struct msghdr rm = { .msg_iov = riov, .msg_iovlen = 2 };
	struct io_uring_sqe *sqe;
	struct test_cqe c = { 0 };

	setup(SOCK_DGRAM);
	sqe = test_get_sqe(&ring);
	io_uring_prep_sendmsg(sqe, sv[0], &sm, 0);
	CHECK_EQ(one().res, 8);
	rm.msg_flags = -1;
	rm.msg_controllen = 0;
	sqe = test_get_sqe(&ring);
	io_uring_prep_recvmsg(sqe, sv[1], &rm, 0);
	c = one();
	CHECK_EQ(c.res, 8);
	memcpy(out, a, 4);
	memcpy(out + 4, b, 4);
	CHECK_MEM(out, "abcdefgh", 8);
	CHECK_EQ(rm.msg_flags, 0);
	/* a datagram longer than the buffers: MSG_TRUNC in msg_flags */
	REQUIRE_EQ(write(sv[0], "0123456789abcdef", 16), 16);
	sqe = test_get_sqe(&ring);
	io_uring_prep_recvmsg(sqe, sv[1], &rm, 0);
	c = one();
	CHECK_EQ(c.res, 12);
	CHECK_EQ(rm.msg_flags, MSG_TRUNC);
	/* the copy at prep: a later change of the msghdr is not seen */
	sqe = test_get_sqe(&ring);
	io_uring_prep_recvmsg(sqe, sv[1], &rm, 0);
	submit_pending();
	rm.msg_iovlen = 0;
	REQUIRE_EQ(write(sv[0], "xyz", 3), 3);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ(c.res, 3);
	CHECK_MEM(a, "xyz", 3);
	teardown();
}

TEST(errors)
{
	char buf[8];
	struct msghdr m = { 0 };
	struct io_uring_sqe *sqe;
	int p[2];

	setup(SOCK_STREAM);
	REQUIRE_SYS(pipe(p));
	REQUIRE_EQ(write(p[1], "x", 1), 1);
	send_sqe(p[1], "x", 1, 0, 1);
	CHECK_EQ(one().res, -ENOTSOCK);
	recv_sqe(p[0], buf, 1, 0, 1);
	CHECK_EQ(one().res, -ENOTSOCK);
	send_sqe(ring.ring_fd, "x", 1, 0, 1);
	CHECK_EQ(one().res, -ENOTSOCK);
	recv_sqe(-1, buf, 1, 0, 1);
	CHECK_EQ(one().res, -EBADF);
	/* flags a send or receive does not take */
	send_sqe(sv[0], "x", 1, 0, 1)->ioprio = IORING_RECVSEND_FIXED_BUF;
	CHECK_EQ(one().res, -EINVAL);
	recv_sqe(sv[1], buf, 1, 0, 1)->ioprio = IORING_RECVSEND_FIXED_BUF;
	CHECK_EQ(one().res, -EINVAL);
	send_sqe(sv[0], "x", 1, 0, 1)->ioprio = IORING_RECV_MULTISHOT;
	CHECK_EQ(one().res, -EINVAL);
	/* multishot needs provided buffers */
	recv_sqe(sv[1], buf, 1, 0, 1)->ioprio = IORING_RECV_MULTISHOT;
	CHECK_EQ(one().res, -EINVAL);
	/* fields a receive does not use */
	recv_sqe(sv[1], buf, 1, 0, 1)->addr2 = 1;
	CHECK_EQ(one().res, -EINVAL);
	recv_sqe(sv[1], buf, 1, 0, 1)->optlen = 1;
	CHECK_EQ(one().res, -EINVAL);
	send_sqe(sv[0], "x", 1, 0, 1)->__pad3[0] = 1;
	CHECK_EQ(one().res, -EINVAL);
	sqe = test_get_sqe(&ring);
	io_uring_prep_sendmsg(sqe, sv[0], &m, 0);
	sqe->addr2 = 1;
	CHECK_EQ(one().res, -EINVAL);
	sqe = test_get_sqe(&ring);
	io_uring_prep_recvmsg(sqe, sv[1], &m, 0);
	sqe->ioprio = IORING_RECVSEND_BUNDLE;
	CHECK_EQ(one().res, -EINVAL);
	/* bad addresses */
	sqe = test_get_sqe(&ring);
	io_uring_prep_recvmsg(sqe, sv[1], (struct msghdr *)8, 0);
	CHECK_EQ(one().res, -EFAULT);
	sqe = test_get_sqe(&ring);
	io_uring_prep_sendmsg(sqe, sv[0], (struct msghdr *)8, 0);
	CHECK_EQ(one().res, -EFAULT);
	send_sqe(sv[0], (void *)8, 1, 0, 1);
	CHECK_EQ(one().res, -EFAULT);
	REQUIRE_EQ(write(sv[0], "z", 1), 1);
	recv_sqe(sv[1], (void *)8, 1, 0, 1);
	CHECK_EQ(one().res, -EFAULT);
	/* no provided buffers */
	recv_sqe(sv[1], NULL, 1, 0, 1)->flags |= IOSQE_BUFFER_SELECT;
	CHECK_EQ(one().res, -ENOBUFS);
	close(p[0]);
	close(p[1]);
	teardown();
}

TEST(send_vectorized)
{
	struct iovec iov[2] = { { "ab", 2 }, { "cde", 3 } };
	char buf[8] = { 0 };

	setup(SOCK_STREAM);
	send_sqe(sv[0], iov, 2, 0, 1)->ioprio = IORING_SEND_VECTORIZED;
	CHECK_EQ(one().res, 5);
	REQUIRE_EQ(read(sv[1], buf, sizeof(buf)), 5);
	CHECK_MEM(buf, "abcde", 5);
	teardown();
}

/* a zero-copy send's two CQEs: the result with F_MORE, then the notification */
static void zc_expect(int res, __s32 notif_res)
{
	struct test_cqe c[2] = { 0 };

	test_submit_reap(&ring, c, 2);
	CHECK_EQ_U(c[0].user_data, 9);
	CHECK_EQ(c[0].res, res);
	CHECK_EQ_U(c[0].flags, IORING_CQE_F_MORE);
	CHECK_EQ_U(c[1].user_data, 9);
	CHECK_EQ(c[1].res, notif_res);
	CHECK_EQ_U(c[1].flags, IORING_CQE_F_NOTIF);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
}

static struct io_uring_sqe *zc_sqe(int fd, const void *buf, size_t len, unsigned zc_flags)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_send_zc(sqe, fd, buf, len, 0, zc_flags);
	io_uring_sqe_set_data64(sqe, 9);
	return sqe;
}

TEST(send_zc)
{
	static char data[4096] = "zero-copy";
	struct iovec reg = { data, sizeof(data) };
	struct iovec iov = { data, 9 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct io_uring_sqe *sqe;
	struct test_cqe c = { 0 };
	char buf[64] = { 0 };
	int t[2], p[2];

	test_ring_init(16, &ring, 0);
	net_tcp_pair(t);
	REQUIRE_SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	REQUIRE_SYS(pipe(p));
	REQUIRE_EQ(io_uring_register_buffers(&ring, &reg, 1), 0);

	zc_sqe(t[0], data, 9, 0);
	zc_expect(9, 0);
	REQUIRE_EQ(read(t[1], buf, sizeof(buf)), 9);
	CHECK_MEM(buf, "zero-copy", 9);
	/* loopback copies: the report says so */
	zc_sqe(t[0], data, 4, IORING_SEND_ZC_REPORT_USAGE);
	zc_expect(4, (__s32)IORING_NOTIF_USAGE_ZC_COPIED);
	/* a registered buffer, and a range outside it */
	sqe = zc_sqe(t[0], data, 9, IORING_RECVSEND_FIXED_BUF);
	zc_expect(9, 0);
	sqe = zc_sqe(t[0], data + 1, sizeof(data), IORING_RECVSEND_FIXED_BUF);
	zc_expect(-EFAULT, 0);
	sqe = zc_sqe(t[0], data, 9, IORING_RECVSEND_FIXED_BUF);
	sqe->buf_index = 3;
	zc_expect(-EFAULT, 0);
	/* SENDMSG_ZC */
	sqe = test_get_sqe(&ring);
	io_uring_prep_sendmsg_zc(sqe, t[0], &m, 0);
	io_uring_sqe_set_data64(sqe, 9);
	zc_expect(9, 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_sendmsg_zc(sqe, t[0], &m, 0);
	io_uring_sqe_set_data64(sqe, 9);
	sqe->addr2 = 1;
	zc_expect(-EINVAL, 0);
	/* errors after the notification exists still post it */
	zc_sqe(sv[0], data, 9, 0);
	zc_expect(-EOPNOTSUPP, 0);
	zc_sqe(p[1], data, 9, 0);
	zc_expect(-ENOTSOCK, 0);
	zc_sqe(t[0], data, 9, 1U << 6);
	zc_expect(-EINVAL, 0);
	zc_sqe(t[0], data, 9, IORING_RECV_MULTISHOT);
	zc_expect(-EINVAL, 0);
	/* ... and the ones before it do not */
	zc_sqe(t[0], data, 9, 0)->flags |= IOSQE_CQE_SKIP_SUCCESS;
	c = one();
	CHECK_EQ(c.res, -EINVAL);
	CHECK_EQ_U(c.flags, 0);
	zc_sqe(t[0], data, 9, 0)->addr3 = 1;
	c = one();
	CHECK_EQ(c.res, -EINVAL);
	CHECK_EQ_U(c.flags, 0);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	close(p[0]);
	close(p[1]);
	close(t[0]);
	close(t[1]);
	teardown();
}

TEST(probe_reports_sendrecv)
{
	struct io_uring_probe *pr;

	test_ring_init(4, &ring, 0);
	pr = io_uring_get_probe_ring(&ring);
	REQUIRE_TRUE(pr);
	CHECK_TRUE(io_uring_opcode_supported(pr, IORING_OP_SEND));
	CHECK_TRUE(io_uring_opcode_supported(pr, IORING_OP_RECV));
	CHECK_TRUE(io_uring_opcode_supported(pr, IORING_OP_SENDMSG));
	CHECK_TRUE(io_uring_opcode_supported(pr, IORING_OP_RECVMSG));
	CHECK_TRUE(io_uring_opcode_supported(pr, IORING_OP_SEND_ZC));
	CHECK_TRUE(io_uring_opcode_supported(pr, IORING_OP_SENDMSG_ZC));
	io_uring_free_probe(pr);
	io_uring_queue_exit(&ring);
}

/*
 * A buffer outside the user address range (even for 0 bytes) or a length
 * above INT_MAX: refused at prep, before the file is looked at (a pipe
 * would say -ENOTSOCK), and as a submission failure that ends a link chain.
 * The end of the range is x86-64's user limit; a provided buffer is not
 * the program's (its address is not checked, its length is).
 */
TEST(buffer_checked_at_prep)
{
	const uintptr_t top = 0x7ffffffff000ULL;
	struct test_cqe c[2];
	struct iovec iov;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	int p[2];

#if !defined(__x86_64__)
	SKIP_CASE(SKIP_ENVIRONMENT, "the user address limit probed is x86-64's");
#endif
	setup(SOCK_STREAM);
	REQUIRE_SYS(pipe(p));
	/* up to the limit: no fault, the file's answer */
	send_sqe(p[1], (void *)top, 0, 0, 1);
	CHECK_EQ(one().res, -ENOTSOCK);
	send_sqe(p[1], (void *)(top - 8), 8, 0, 1);
	CHECK_EQ(one().res, -ENOTSOCK);
	send_sqe(p[1], (void *)0x1000, INT_MAX, 0, 1);
	CHECK_EQ(one().res, -ENOTSOCK);
	send_sqe(sv[0], (void *)top, 0, 0, 1);
	CHECK_EQ(one().res, 0);
	/* past it */
	send_sqe(p[1], (void *)(top - 8), 16, 0, 1);
	CHECK_EQ(one().res, -EFAULT);
	send_sqe(p[1], (void *)0x8000000000000000ULL, 0, 0, 1);
	CHECK_EQ(one().res, -EFAULT);
	recv_sqe(p[0], (void *)(top - 8), 16, 0, 1);
	CHECK_EQ(one().res, -EFAULT);
	send_sqe(p[1], (void *)(top - 8), 16, 0, 1)->ioprio = IORING_RECVSEND_POLL_FIRST;
	CHECK_EQ(one().res, -EFAULT);
	/* a length above INT_MAX, checked first */
	send_sqe(p[1], (void *)0x1000, 0x80000000U, 0, 1);
	CHECK_EQ(one().res, -EINVAL);
	send_sqe(p[1], (void *)(top + 8), 0x80000000U, 0, 1);
	CHECK_EQ(one().res, -EINVAL);
	recv_sqe(p[0], (void *)0x1000, 0x80000000U, 0, 1);
	CHECK_EQ(one().res, -EINVAL);
	send_sqe(sv[0], (void *)0x1000, 0x80000000U, 0, 1);
	CHECK_EQ(one().res, -EINVAL);
	/* a provided buffer: the length is checked, not the address */
	recv_sqe(p[0], NULL, 0x80000000U, 0, 1)->flags |= IOSQE_BUFFER_SELECT;
	CHECK_EQ(one().res, -EINVAL);
	recv_sqe(p[0], (void *)(top + 8), 8, 0, 1)->flags |= IOSQE_BUFFER_SELECT;
	CHECK_EQ(one().res, -ENOTSOCK);
	/* SENDMSG and RECVMSG: each iovec's range (its length is clamped) */
	iov = (struct iovec){ (void *)(top + 8), 8 };
	io_uring_prep_sendmsg(test_get_sqe(&ring), p[1], &m, 0);
	CHECK_EQ(one().res, -EFAULT);
	io_uring_prep_recvmsg(test_get_sqe(&ring), p[0], &m, 0);
	CHECK_EQ(one().res, -EFAULT);
	iov = (struct iovec){ (void *)0x1000, 0x80000000U };
	io_uring_prep_sendmsg(test_get_sqe(&ring), p[1], &m, 0);
	CHECK_EQ(one().res, -ENOTSOCK);
	/* a submission failure: the chain is cancelled */
	send_sqe(p[1], (void *)(top + 8), 0, 0, 1)->flags |= IOSQE_IO_LINK;
	io_uring_prep_nop(test_get_sqe(&ring));
	CHECK_EQ(test_submit_reap(&ring, c, 2), 2);
	CHECK_EQ(c[0].res, -EFAULT);
	CHECK_EQ(c[1].res, -ECANCELED);
	close(p[0]);
	close(p[1]);
	teardown();
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(send_then_recv),
		TEST_ENTRY(recv_waits_for_data),
		TEST_ENTRY(cancel_waiting_recv),
		TEST_ENTRY(fixed_file),
		TEST_ENTRY(sock_nonempty),
		TEST_ENTRY(sock_nonempty_poll_first),
		TEST_ENTRY(waitall_stream),
		TEST_ENTRY(waitall_seqpacket_and_dgram),
		TEST_ENTRY(send_waitall_waits_for_room),
		TEST_ENTRY(dontwait_and_poll_first),
		TEST_ENTRY(sendmsg_recvmsg),
		TEST_ENTRY(errors),
		TEST_ENTRY(buffer_checked_at_prep),
		TEST_ENTRY(send_vectorized),
		TEST_ENTRY(send_zc),
		TEST_ENTRY(probe_reports_sendrecv),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
