/* SPDX-License-Identifier: MIT */
/*
 * IORING_OP_URING_CMD: the socket commands (SOCKET_URING_OP_SIOCINQ,
 * _SIOCOUTQ, _GETSOCKOPT, _SETSOCKOPT) over loopback TCP, UDP and AF_UNIX,
 * their errors, the SQE fields checked and not, IOSQE_ASYNC, fixed files,
 * links and IOPOLL rings; the command on files that have no handler, and
 * on /dev/null, whose handler takes anything.
 */
#include "harness.h"
#include "net-util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

static struct io_uring ring;

static void up(void)
{
	test_ring_init(16, &ring, 0);
}

static void down(void)
{
	io_uring_queue_exit(&ring);
}

static struct test_cqe run1(void)
{
	return test_submit_reap1(&ring);
}

static struct io_uring_sqe *cmd(int op, int fd, int level, int name, void *val, int len)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_cmd_sock(sqe, op, fd, level, name, val, len);
	return sqe;
}

/* one command, its result */
static int cmd1(int op, int fd, int level, int name, void *val, int len)
{
	cmd(op, fd, level, name, val, len);
	return run1().res;
}

TEST(queue_sizes_tcp_udp)
{
	struct sockaddr_in a = net_loopback_any();
	socklen_t len = sizeof(a);
	int t[2], u, l, outq = -1;

	up();
	net_tcp_pair(t);
	REQUIRE_EQ(write(t[0], "hello", 5), 5);
	/* loopback: the bytes are in the peer's queue once write returns */
	CHECK_EQ(cmd1(SOCKET_URING_OP_SIOCINQ, t[1], 0, 0, NULL, 0), 5);
	CHECK_EQ(cmd1(SOCKET_URING_OP_SIOCINQ, t[0], 0, 0, NULL, 0), 0);
	REQUIRE_EQ(ioctl(t[0], SIOCOUTQ, &outq), 0);
	CHECK_EQ(cmd1(SOCKET_URING_OP_SIOCOUTQ, t[0], 0, 0, NULL, 0), outq);
	/* the end of the stream does not change what is queued */
	REQUIRE_EQ(shutdown(t[0], SHUT_WR), 0);
	CHECK_EQ(cmd1(SOCKET_URING_OP_SIOCINQ, t[1], 0, 0, NULL, 0), 5);

	/* a listener has no queues: TCP's ioctl says EINVAL */
	l = socket(AF_INET, SOCK_STREAM, 0);
	REQUIRE_GE(l, 0);
	REQUIRE_EQ(listen(l, 1), 0);
	CHECK_EQ(cmd1(SOCKET_URING_OP_SIOCINQ, l, 0, 0, NULL, 0), -EINVAL);
	CHECK_EQ(cmd1(SOCKET_URING_OP_SIOCOUTQ, l, 0, 0, NULL, 0), -EINVAL);

	/* UDP: the size of the next datagram */
	u = socket(AF_INET, SOCK_DGRAM, 0);
	REQUIRE_GE(u, 0);
	REQUIRE_EQ(bind(u, (struct sockaddr *)&a, sizeof(a)), 0);
	REQUIRE_EQ(getsockname(u, (struct sockaddr *)&a, &len), 0);
	CHECK_EQ(cmd1(SOCKET_URING_OP_SIOCINQ, u, 0, 0, NULL, 0), 0);
	REQUIRE_EQ(sendto(u, "1234567", 7, 0, (struct sockaddr *)&a, sizeof(a)), 7);
	REQUIRE_EQ(sendto(u, "12", 2, 0, (struct sockaddr *)&a, sizeof(a)), 2);
	CHECK_EQ(cmd1(SOCKET_URING_OP_SIOCINQ, u, 0, 0, NULL, 0), 7);
	CHECK_GE(cmd1(SOCKET_URING_OP_SIOCOUTQ, u, 0, 0, NULL, 0), 0);
	close(u);
	close(l);
	close(t[0]);
	close(t[1]);
	down();
}

/* the queue commands need the protocol's ioctl: AF_UNIX has none (its
 * family answers ioctl(2)'s FIONREAD) */
TEST(queue_sizes_unix_unsupported)
{
	int s[2], d[2], n = -1;

	up();
	REQUIRE_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	REQUIRE_EQ(socketpair(AF_UNIX, SOCK_DGRAM, 0, d), 0);
	REQUIRE_EQ(write(s[0], "abc", 3), 3);
	REQUIRE_EQ(ioctl(s[1], FIONREAD, &n), 0);
	CHECK_EQ(n, 3);
	CHECK_EQ(cmd1(SOCKET_URING_OP_SIOCINQ, s[1], 0, 0, NULL, 0), -EOPNOTSUPP);
	CHECK_EQ(cmd1(SOCKET_URING_OP_SIOCOUTQ, s[0], 0, 0, NULL, 0), -EOPNOTSUPP);
	CHECK_EQ(cmd1(SOCKET_URING_OP_SIOCINQ, d[1], 0, 0, NULL, 0), -EOPNOTSUPP);
	close(s[0]);
	close(s[1]);
	close(d[0]);
	close(d[1]);
	down();
}

TEST(getsockopt_cmd)
{
	long long big;
	int t[2], s[2], val = 0, want = 0;
	socklen_t wlen = sizeof(want);
	struct linger lg;

	up();
	net_tcp_pair(t);
	REQUIRE_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	REQUIRE_EQ(getsockopt(t[1], SOL_SOCKET, SO_RCVBUF, &want, &wlen), 0);
	/* the result is the length written */
	CHECK_EQ(cmd1(SOCKET_URING_OP_GETSOCKOPT, t[1], SOL_SOCKET, SO_RCVBUF, &val, 4), 4);
	CHECK_EQ(val, want);
	big = -1;
	CHECK_EQ(cmd1(SOCKET_URING_OP_GETSOCKOPT, t[1], SOL_SOCKET, SO_RCVBUF, &big, 8), 4);
	CHECK_EQ_U((unsigned long long)big >> 32, 0xffffffffULL);
	CHECK_EQ((int)(big & 0xffffffff), want);
	big = -1;
	CHECK_EQ(cmd1(SOCKET_URING_OP_GETSOCKOPT, t[1], SOL_SOCKET, SO_RCVBUF, &big, 2), 2);
	CHECK_EQ_U((unsigned long long)big >> 16, 0xffffffffffffULL);
	CHECK_EQ(cmd1(SOCKET_URING_OP_GETSOCKOPT, t[1], SOL_SOCKET, SO_RCVBUF, &big, 0), 0);
	CHECK_EQ(cmd1(SOCKET_URING_OP_GETSOCKOPT, t[1], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)),
		 (int)sizeof(lg));
	CHECK_EQ(cmd1(SOCKET_URING_OP_GETSOCKOPT, s[0], SOL_SOCKET, SO_TYPE, &val, 4), 4);
	CHECK_EQ(val, SOCK_STREAM);
	/* errors: only SOL_SOCKET; the socket layer's own */
	CHECK_EQ(cmd1(SOCKET_URING_OP_GETSOCKOPT, t[1], SOL_SOCKET, SO_RCVBUF, &big, -1), -EINVAL);
	CHECK_EQ(cmd1(SOCKET_URING_OP_GETSOCKOPT, t[1], SOL_SOCKET, SO_RCVBUF, (void *)8, 4),
		 -EFAULT);
	CHECK_EQ(cmd1(SOCKET_URING_OP_GETSOCKOPT, t[1], SOL_SOCKET, 9999, &val, 4), -ENOPROTOOPT);
	CHECK_EQ(cmd1(SOCKET_URING_OP_GETSOCKOPT, t[1], IPPROTO_TCP, TCP_NODELAY, &val, 4),
		 -EOPNOTSUPP);
	CHECK_EQ(cmd1(SOCKET_URING_OP_GETSOCKOPT, s[0], 12345, 1, &val, 4), -EOPNOTSUPP);
	close(s[0]);
	close(s[1]);
	close(t[0]);
	close(t[1]);
	down();
}

TEST(setsockopt_cmd)
{
	int t[2], s[2], val, got = 0;
	socklen_t len = sizeof(got);

	up();
	net_tcp_pair(t);
	REQUIRE_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	/* any level */
	val = 1;
	CHECK_EQ(cmd1(SOCKET_URING_OP_SETSOCKOPT, t[0], IPPROTO_TCP, TCP_NODELAY, &val, 4), 0);
	REQUIRE_EQ(getsockopt(t[0], IPPROTO_TCP, TCP_NODELAY, &got, &len), 0);
	CHECK_EQ(got, 1);
	val = 1;
	CHECK_EQ(cmd1(SOCKET_URING_OP_SETSOCKOPT, s[0], SOL_SOCKET, SO_KEEPALIVE, &val, 4), 0);
	len = sizeof(got);
	REQUIRE_EQ(getsockopt(s[0], SOL_SOCKET, SO_KEEPALIVE, &got, &len), 0);
	CHECK_EQ(got, 1);
	CHECK_EQ(cmd1(SOCKET_URING_OP_SETSOCKOPT, t[0], SOL_SOCKET, SO_RCVBUF, &val, 2), -EINVAL);
	CHECK_EQ(cmd1(SOCKET_URING_OP_SETSOCKOPT, t[0], SOL_SOCKET, SO_RCVBUF, &val, -1), -EINVAL);
	CHECK_EQ(cmd1(SOCKET_URING_OP_SETSOCKOPT, t[0], SOL_SOCKET, SO_RCVBUF, (void *)8, 4),
		 -EFAULT);
	CHECK_EQ(cmd1(SOCKET_URING_OP_SETSOCKOPT, t[0], 12345, 1, &val, 4), -ENOPROTOOPT);
	CHECK_EQ(cmd1(SOCKET_URING_OP_SETSOCKOPT, t[0], SOL_SOCKET, 9999, &val, 4), -ENOPROTOOPT);
	CHECK_EQ(cmd1(SOCKET_URING_OP_SETSOCKOPT, s[0], IPPROTO_TCP, TCP_NODELAY, &val, 4),
		 -EOPNOTSUPP);
	close(s[0]);
	close(s[1]);
	close(t[0]);
	close(t[1]);
	down();
}

TEST(other_commands)
{
	int s[2];

	up();
	REQUIRE_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	/* TX_TIMESTAMP posts 32-byte CQEs: refused on a ring without them */
	CHECK_EQ(cmd1(SOCKET_URING_OP_TX_TIMESTAMP, s[0], 0, 0, NULL, 0), -EINVAL);
	CHECK_EQ(cmd1(SOCKET_URING_OP_TX_TIMESTAMP + 1, s[0], 0, 0, NULL, 0), -EOPNOTSUPP);
	CHECK_EQ(cmd1(99, s[0], 0, 0, NULL, 0), -EOPNOTSUPP);
	CHECK_EQ(cmd1((int)0x80000000u, s[0], 0, 0, NULL, 0), -EOPNOTSUPP);
	close(s[0]);
	close(s[1]);
	down();
}

TEST(files_without_socket_commands)
{
	char path[] = "/tmp/ringer-uring-cmd-XXXXXX";
	int f, p[2], dn;
	struct io_uring_sqe *sqe;

	up();
	f = mkstemp(path);
	REQUIRE_GE(f, 0);
	unlink(path);
	REQUIRE_EQ(pipe(p), 0);
	CHECK_EQ(cmd1(SOCKET_URING_OP_SIOCINQ, f, 0, 0, NULL, 0), -EOPNOTSUPP);
	CHECK_EQ(cmd1(SOCKET_URING_OP_GETSOCKOPT, p[0], SOL_SOCKET, SO_TYPE, NULL, 0), -EOPNOTSUPP);
	CHECK_EQ(cmd1(SOCKET_URING_OP_SIOCINQ, ring.ring_fd, 0, 0, NULL, 0), -EOPNOTSUPP);
	CHECK_EQ(cmd1(SOCKET_URING_OP_SIOCINQ, 999, 0, 0, NULL, 0), -EBADF);
	CHECK_EQ(cmd1(SOCKET_URING_OP_SIOCINQ, -1, 0, 0, NULL, 0), -EBADF);
	/* /dev/null's handler succeeds at any command, but not multishot */
	dn = open("/dev/null", O_RDWR);
	REQUIRE_GE(dn, 0);
	CHECK_EQ(cmd1(SOCKET_URING_OP_SIOCINQ, dn, 0, 0, NULL, 0), 0);
	CHECK_EQ(cmd1(99, dn, 12345, 1, (void *)8, -1), 0);
	sqe = cmd(7, dn, 0, 0, NULL, 0);
	sqe->__pad1 = 1;
	CHECK_EQ(run1().res, -EINVAL);
	close(dn);
	close(f);
	close(p[0]);
	close(p[1]);
	down();
}

TEST(sqe_fields)
{
	struct io_uring_sqe *sqe;
	int t[2];

	up();
	net_tcp_pair(t);
	REQUIRE_EQ(write(t[0], "hello", 5), 5);
	sqe = cmd(SOCKET_URING_OP_SIOCINQ, t[1], 0, 0, NULL, 0);
	sqe->__pad1 = 1;
	CHECK_EQ(run1().res, -EINVAL);
	sqe = cmd(SOCKET_URING_OP_SIOCINQ, t[1], 0, 0, NULL, 0);
	sqe->ioprio = 1;
	CHECK_EQ(run1().res, -EINVAL);
	sqe = cmd(SOCKET_URING_OP_SIOCINQ, t[1], 0, 0, NULL, 0);
	sqe->uring_cmd_flags = 1U << 2;
	CHECK_EQ(run1().res, -EINVAL);
	/* multishot goes with buffer select, both or neither, and not FIXED */
	sqe = cmd(SOCKET_URING_OP_SIOCINQ, t[1], 0, 0, NULL, 0);
	sqe->uring_cmd_flags = IORING_URING_CMD_MULTISHOT;
	CHECK_EQ(run1().res, -EINVAL);
	sqe = cmd(SOCKET_URING_OP_SIOCINQ, t[1], 0, 0, NULL, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	CHECK_EQ(run1().res, -EINVAL);
	sqe = cmd(SOCKET_URING_OP_SIOCINQ, t[1], 0, 0, NULL, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->uring_cmd_flags = IORING_URING_CMD_MULTISHOT | IORING_URING_CMD_FIXED;
	CHECK_EQ(run1().res, -EINVAL);
	/* a multishot command that fails completes */
	sqe = cmd(99, t[1], 0, 0, NULL, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->uring_cmd_flags = IORING_URING_CMD_MULTISHOT;
	CHECK_EQ(run1().res, -EOPNOTSUPP);
	/* fields the command does not use are not checked */
	sqe = cmd(SOCKET_URING_OP_SIOCINQ, t[1], 0, 0, NULL, 0);
	sqe->len = 1;
	sqe->buf_index = 3;
	sqe->addr3 = 1;
	CHECK_EQ(run1().res, 5);
	/* FIXED names a registered buffer the socket commands never use */
	sqe = cmd(SOCKET_URING_OP_SIOCINQ, t[1], 0, 0, NULL, 0);
	sqe->uring_cmd_flags = IORING_URING_CMD_FIXED;
	sqe->buf_index = 5;
	CHECK_EQ(run1().res, 5);
	close(t[0]);
	close(t[1]);
	down();
}

TEST(async_fixed_and_linked)
{
	struct io_uring_sqe *sqe;
	struct test_cqe c[3];
	int t[2], val = 0, got = 0;

	up();
	net_tcp_pair(t);
	REQUIRE_EQ(write(t[0], "hello", 5), 5);
	sqe = cmd(SOCKET_URING_OP_SIOCINQ, t[1], 0, 0, NULL, 0);
	sqe->flags |= IOSQE_ASYNC;
	CHECK_EQ(run1().res, 5);
	sqe = cmd(SOCKET_URING_OP_GETSOCKOPT, t[1], SOL_SOCKET, SO_TYPE, &val, 4);
	sqe->flags |= IOSQE_ASYNC;
	CHECK_EQ(run1().res, 4);
	CHECK_EQ(val, SOCK_STREAM);

	/* fixed files: no table, a slot, an empty slot */
	sqe = cmd(SOCKET_URING_OP_SIOCINQ, 0, 0, 0, NULL, 0);
	sqe->flags |= IOSQE_FIXED_FILE;
	CHECK_EQ(run1().res, -EBADF);
	REQUIRE_EQ(io_uring_register_files(&ring, (int[]){ t[1], -1 }, 2), 0);
	sqe = cmd(SOCKET_URING_OP_SIOCINQ, 0, 0, 0, NULL, 0);
	sqe->flags |= IOSQE_FIXED_FILE;
	CHECK_EQ(run1().res, 5);
	sqe = cmd(SOCKET_URING_OP_SIOCINQ, 1, 0, 0, NULL, 0);
	sqe->flags |= IOSQE_FIXED_FILE;
	CHECK_EQ(run1().res, -EBADF);

	/* a link: set, then read it back; a failure cancels what follows */
	val = 1;
	sqe = cmd(SOCKET_URING_OP_SETSOCKOPT, t[0], SOL_SOCKET, SO_KEEPALIVE, &val, 4);
	sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = 1;
	sqe = cmd(SOCKET_URING_OP_GETSOCKOPT, t[0], SOL_SOCKET, SO_KEEPALIVE, &got, 4);
	sqe->user_data = 2;
	test_submit_reap(&ring, c, 2);
	REQUIRE_TRUE(test_find_cqe(c, 2, 1) && test_find_cqe(c, 2, 2));
	CHECK_EQ(test_find_cqe(c, 2, 1)->res, 0);
	CHECK_EQ(test_find_cqe(c, 2, 2)->res, 4);
	CHECK_EQ(got, 1);
	sqe = cmd(SOCKET_URING_OP_GETSOCKOPT, t[0], IPPROTO_TCP, TCP_NODELAY, &got, 4);
	sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = 1;
	sqe = cmd(SOCKET_URING_OP_SIOCINQ, t[1], 0, 0, NULL, 0);
	sqe->user_data = 2;
	test_submit_reap(&ring, c, 2);
	REQUIRE_TRUE(test_find_cqe(c, 2, 1) && test_find_cqe(c, 2, 2));
	CHECK_EQ(test_find_cqe(c, 2, 1)->res, -EOPNOTSUPP);
	CHECK_EQ(test_find_cqe(c, 2, 2)->res, -ECANCELED);
	close(t[0]);
	close(t[1]);
	down();
}

/* no handler can be polled: refused when issued on an IOPOLL ring */
TEST(iopoll_ring)
{
	struct io_uring_sqe *sqe;
	int s[2], dn;

	test_ring_init(4, &ring, IORING_SETUP_IOPOLL);
	REQUIRE_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	dn = open("/dev/null", O_RDWR);
	REQUIRE_GE(dn, 0);
	CHECK_EQ(cmd1(SOCKET_URING_OP_GETSOCKOPT, s[0], SOL_SOCKET, SO_TYPE, NULL, 0), -EOPNOTSUPP);
	CHECK_EQ(cmd1(SOCKET_URING_OP_SIOCINQ, dn, 0, 0, NULL, 0), -EOPNOTSUPP);
	sqe = cmd(SOCKET_URING_OP_SIOCINQ, dn, 0, 0, NULL, 0);
	sqe->__pad1 = 1;
	CHECK_EQ(run1().res, -EINVAL);
	close(dn);
	close(s[0]);
	close(s[1]);
	down();
}

TEST(probe_reports_it)
{
	struct io_uring_probe *p;

	up();
	p = io_uring_get_probe_ring(&ring);
	REQUIRE_TRUE(p != NULL);
	CHECK_TRUE(io_uring_opcode_supported(p, IORING_OP_URING_CMD));
	io_uring_free_probe(p);
	down();
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(queue_sizes_tcp_udp),
		TEST_ENTRY(queue_sizes_unix_unsupported),
		TEST_ENTRY(getsockopt_cmd),
		TEST_ENTRY(setsockopt_cmd),
		TEST_ENTRY(other_commands),
		TEST_ENTRY(files_without_socket_commands),
		TEST_ENTRY(sqe_fields),
		TEST_ENTRY(async_fixed_and_linked),
		TEST_ENTRY(iopoll_ring),
		TEST_ENTRY(probe_reports_it),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
