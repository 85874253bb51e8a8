/* SPDX-License-Identifier: MIT */
/*
 * The connection ops: SOCKET (plain and direct), BIND, LISTEN, CONNECT,
 * ACCEPT (waiting, cancelled, IOSQE_ASYNC, direct, multishot, DONTWAIT,
 * POLL_FIRST, the SOCK_NONEMPTY hint) and SHUTDOWN, over loopback TCP and
 * AF_UNIX; their errors for bad SQE fields, bad addresses and non-sockets.
 */
#include "harness.h"
#include "net-util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>

static struct io_uring ring;

static void up(void)
{
	test_ring_init(16, &ring, 0);
}

static void down(void)
{
	io_uring_queue_exit(&ring);
}

/* one request, its CQE */
static struct test_cqe run1(void)
{
	return test_submit_reap1(&ring);
}

TEST(socket_bind_listen_connect_accept)
{
	struct sockaddr_in a = net_loopback_any(), peer;
	socklen_t plen = sizeof(peer);
	struct test_cqe c[2];
	int lfd, cfd, afd;

	up();
	io_uring_prep_socket(test_get_sqe(&ring), AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, 0);
	c[0] = run1();
	REQUIRE_GE(c[0].res, 0);
	lfd = c[0].res;
	CHECK_TRUE(fcntl(lfd, F_GETFD) & FD_CLOEXEC);
	io_uring_prep_bind(test_get_sqe(&ring), lfd, (struct sockaddr *)&a, sizeof(a));
	CHECK_EQ(run1().res, 0);
	io_uring_prep_listen(test_get_sqe(&ring), lfd, 8);
	CHECK_EQ(run1().res, 0);
	plen = sizeof(a);
	REQUIRE_EQ(getsockname(lfd, (struct sockaddr *)&a, &plen), 0);
	CHECK_NE(a.sin_port, 0);

	io_uring_prep_socket(test_get_sqe(&ring), AF_INET, SOCK_STREAM, 0, 0);
	c[0] = run1();
	REQUIRE_GE(c[0].res, 0);
	cfd = c[0].res;
	/* the connect and the accept in one submit: both complete */
	plen = sizeof(peer);
	memset(&peer, 0, sizeof(peer));
	io_uring_prep_accept(test_get_sqe(&ring), lfd, (struct sockaddr *)&peer, &plen, 0);
	io_uring_sqe_set_data64(ring.sq.sqes + ((ring.sq.sqe_tail - 1) & *ring.sq.kring_mask), 1);
	io_uring_prep_connect(test_get_sqe(&ring), cfd, (struct sockaddr *)&a, sizeof(a));
	io_uring_sqe_set_data64(ring.sq.sqes + ((ring.sq.sqe_tail - 1) & *ring.sq.kring_mask), 2);
	test_submit_reap(&ring, c, 2);
	REQUIRE_TRUE(test_find_cqe(c, 2, 1) && test_find_cqe(c, 2, 2));
	CHECK_EQ(test_find_cqe(c, 2, 2)->res, 0);
	afd = test_find_cqe(c, 2, 1)->res;
	REQUIRE_GE(afd, 0);
	CHECK_EQ(plen, sizeof(peer));
	CHECK_EQ(peer.sin_family, AF_INET);
	CHECK_EQ(peer.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	/* the accepted socket is blocking, without close-on-exec */
	CHECK_FALSE(fcntl(afd, F_GETFL) & O_NONBLOCK);
	CHECK_FALSE(fcntl(afd, F_GETFD) & FD_CLOEXEC);
	/* and the listener and client keep their blocking mode */
	CHECK_FALSE(fcntl(lfd, F_GETFL) & O_NONBLOCK);
	CHECK_FALSE(fcntl(cfd, F_GETFL) & O_NONBLOCK);
	REQUIRE_EQ(write(cfd, "ping", 4), 4);
	char buf[8];
	CHECK_EQ(read(afd, buf, sizeof(buf)), 4);
	CHECK_MEM(buf, "ping", 4);
	close(afd);
	close(cfd);
	close(lfd);
	down();
}

TEST(accept_waits_for_a_connection)
{
	struct sockaddr_in a;
	struct test_cqe c = { 0 };
	int lfd, cfd;

	up();
	lfd = net_tcp_listener(&a);
	io_uring_prep_accept(test_get_sqe(&ring), lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
	cfd = net_tcp_client(&a);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	REQUIRE_GE(c.res, 0);
	CHECK_TRUE(fcntl(c.res, F_GETFL) & O_NONBLOCK);
	CHECK_TRUE(fcntl(c.res, F_GETFD) & FD_CLOEXEC);
	CHECK_FALSE(fcntl(lfd, F_GETFL) & O_NONBLOCK);
	close(c.res);
	close(cfd);
	close(lfd);
	down();
}

TEST(accept_async_waits_too)
{
	struct sockaddr_in a;
	struct io_uring_sqe *sqe;
	struct test_cqe c;
	int lfd, cfd;

	up();
	lfd = net_tcp_listener(&a);
	sqe = test_get_sqe(&ring);
	io_uring_prep_accept(sqe, lfd, NULL, NULL, 0);
	sqe->flags |= IOSQE_ASYNC;
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
	cfd = net_tcp_client(&a);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	REQUIRE_GE(c.res, 0);
	close(c.res);
	close(cfd);
	close(lfd);
	down();
}

TEST(accept_cancelled)
{
	struct sockaddr_in a;
	struct io_uring_sqe *sqe;
	int lfd;

	up();
	lfd = net_tcp_listener(&a);
	sqe = test_get_sqe(&ring);
	io_uring_prep_accept(sqe, lfd, NULL, NULL, 0);
	io_uring_sqe_set_data64(sqe, 7);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 30));
	test_cancel_reap(&ring, 7, 8);
	close(lfd);
	down();
}

TEST(accept_dontwait_and_poll_first)
{
	struct sockaddr_in a;
	struct io_uring_sqe *sqe;
	struct test_cqe c;
	int lfd, cfd;

	up();
	lfd = net_tcp_listener(&a);
	sqe = test_get_sqe(&ring);
	io_uring_prep_accept(sqe, lfd, NULL, NULL, 0);
	sqe->ioprio |= IORING_ACCEPT_DONTWAIT;
	CHECK_EQ(run1().res, -EAGAIN);
	/* POLL_FIRST waits even with a connection there, then takes it */
	cfd = net_tcp_client(&a);
	sqe = test_get_sqe(&ring);
	io_uring_prep_accept(sqe, lfd, NULL, NULL, 0);
	sqe->ioprio |= IORING_ACCEPT_POLL_FIRST;
	CHECK_EQ(io_uring_submit(&ring), 1);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	REQUIRE_GE(c.res, 0);
	close(c.res);
	close(cfd);
	close(lfd);
	down();
}

/*
 * Connections in a listener's accept queue: TCP_INFO reports its backlog
 * in tcpi_unacked for a listening socket.
 */
static unsigned accept_queue_len(int lfd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(lfd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return 0;
	return ti.tcpi_unacked;
}

TEST(accept_sock_nonempty_hint)
{
	struct sockaddr_in a;
	struct test_cqe c;
	int lfd, cfd[2];

	up();
	lfd = net_tcp_listener(&a);
	cfd[0] = net_tcp_client(&a);
	cfd[1] = net_tcp_client(&a);
	/*
	 * Both handshakes done: both queued.  connect() may return before the
	 * loopback ACK that queues the connection is processed (in softirq,
	 * later on a loaded machine), so wait for the queue, not a fixed time.
	 */
	for (int i = 0; i < 5000 && accept_queue_len(lfd) < 2; i++)
		test_sleep_ms(1);
	REQUIRE_EQ_U(accept_queue_len(lfd), 2u);
	io_uring_prep_accept(test_get_sqe(&ring), lfd, NULL, NULL, 0);
	c = run1();
	REQUIRE_GE(c.res, 0);
	CHECK_EQ_U(c.flags & IORING_CQE_F_SOCK_NONEMPTY, IORING_CQE_F_SOCK_NONEMPTY);
	close(c.res);
	io_uring_prep_accept(test_get_sqe(&ring), lfd, NULL, NULL, 0);
	c = run1();
	REQUIRE_GE(c.res, 0);
	CHECK_EQ_U(c.flags & IORING_CQE_F_SOCK_NONEMPTY, 0);
	close(c.res);
	close(cfd[0]);
	close(cfd[1]);
	close(lfd);
	down();
}

TEST(accept_multishot)
{
	struct sockaddr_in a;
	struct io_uring_sqe *sqe;
	struct test_cqe c[4];
	int lfd, cfd[3];

	up();
	lfd = net_tcp_listener(&a);
	sqe = test_get_sqe(&ring);
	io_uring_prep_multishot_accept(sqe, lfd, NULL, NULL, 0);
	io_uring_sqe_set_data64(sqe, 5);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 30));
	for (int i = 0; i < 3; i++) {
		cfd[i] = net_tcp_client(&a);
		REQUIRE_EQ(test_reap(&ring, &c[i], 1, 5000), 1);
		CHECK_EQ_U(c[i].user_data, 5);
		REQUIRE_GE(c[i].res, 0);
		CHECK_TRUE(c[i].flags & IORING_CQE_F_MORE);
		close(c[i].res);
	}
	CHECK_FALSE(test_cancel_reap(&ring, 5, 6).flags & IORING_CQE_F_MORE);
	for (int i = 0; i < 3; i++)
		close(cfd[i]);
	close(lfd);
	down();
}

/*
 * A cancellation submitted as soon as a multishot accept's CQE is reaped,
 * while the engine's reactor may still be between that CQE and arming the
 * request again: the kernel always finds and cancels it.
 */
TEST(accept_multishot_cancel_after_cqe)
{
	struct sockaddr_in a;
	struct io_uring_sqe *sqe;
	struct test_cqe c[2];
	int lfd, cfd;

	up();
	lfd = net_tcp_listener(&a);
	for (int round = 0; round < 50; round++) {
		sqe = test_get_sqe(&ring);
		io_uring_prep_multishot_accept(sqe, lfd, NULL, NULL, 0);
		io_uring_sqe_set_data64(sqe, 5);
		REQUIRE_EQ(io_uring_submit(&ring), 1);
		cfd = net_tcp_client(&a);
		REQUIRE_EQ(test_reap(&ring, c, 1, 5000), 1);
		REQUIRE_GE(c[0].res, 0);
		CHECK_TRUE(c[0].flags & IORING_CQE_F_MORE);
		close(c[0].res);
		CHECK_FALSE(test_cancel_reap(&ring, 5, 6).flags & IORING_CQE_F_MORE);
		close(cfd);
	}
	close(lfd);
	down();
}

/* a direct socket whose slot is refused: the kernel does not fail the
 * request, so its links run and CQE_SKIP_SUCCESS hides the -EINVAL */
TEST(direct_socket_bad_slot_keeps_links)
{
	struct io_uring_sqe *sqe;
	struct test_cqe c[2];
	int fds[2] = { -1, -1 };

	up();
	REQUIRE_EQ(io_uring_register_files(&ring, fds, 2), 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_socket_direct(sqe, AF_UNIX, SOCK_STREAM, 0, 5, 0);
	sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = 1;
	sqe = test_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->user_data = 2;
	test_submit_reap(&ring, c, 2);
	REQUIRE_TRUE(test_find_cqe(c, 2, 1) && test_find_cqe(c, 2, 2));
	CHECK_EQ(test_find_cqe(c, 2, 1)->res, -EINVAL);
	CHECK_EQ(test_find_cqe(c, 2, 2)->res, 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_socket_direct(sqe, AF_UNIX, SOCK_STREAM, 0, 5, 0);
	sqe->flags |= IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
	sqe->user_data = 1;
	sqe = test_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->user_data = 2;
	test_submit_reap(&ring, c, 1);
	CHECK_EQ_U(c[0].user_data, 2);
	CHECK_EQ(c[0].res, 0);
	/* a failure to make the socket fails the request */
	sqe = test_get_sqe(&ring);
	io_uring_prep_socket_direct(sqe, 12345, SOCK_STREAM, 0, 0, 0);
	sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = 1;
	sqe = test_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->user_data = 2;
	test_submit_reap(&ring, c, 2);
	REQUIRE_TRUE(test_find_cqe(c, 2, 1) && test_find_cqe(c, 2, 2));
	CHECK_EQ(test_find_cqe(c, 2, 1)->res, -EAFNOSUPPORT);
	CHECK_EQ(test_find_cqe(c, 2, 2)->res, -ECANCELED);
	down();
}

/* the shutdown's own error does not fail the request (the kernel's
 * io_shutdown()); a file that is no socket does */
TEST(shutdown_error_keeps_links)
{
	struct io_uring_sqe *sqe;
	struct test_cqe c[2];
	int sv[2], p[2];

	up();
	REQUIRE_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	REQUIRE_EQ(pipe(p), 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_shutdown(sqe, sv[0], -1);
	sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = 1;
	sqe = test_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->user_data = 2;
	test_submit_reap(&ring, c, 2);
	REQUIRE_TRUE(test_find_cqe(c, 2, 1) && test_find_cqe(c, 2, 2));
	CHECK_EQ(test_find_cqe(c, 2, 1)->res, -EINVAL);
	CHECK_EQ(test_find_cqe(c, 2, 2)->res, 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_shutdown(sqe, sv[0], 7);
	sqe->flags |= IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
	sqe->user_data = 1;
	sqe = test_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->user_data = 2;
	test_submit_reap(&ring, c, 1);
	CHECK_EQ_U(c[0].user_data, 2);
	CHECK_EQ(c[0].res, 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_shutdown(sqe, p[0], SHUT_RD);
	sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = 1;
	sqe = test_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->user_data = 2;
	test_submit_reap(&ring, c, 2);
	REQUIRE_TRUE(test_find_cqe(c, 2, 1) && test_find_cqe(c, 2, 2));
	CHECK_EQ(test_find_cqe(c, 2, 1)->res, -ENOTSOCK);
	CHECK_EQ(test_find_cqe(c, 2, 2)->res, -ECANCELED);
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
	down();
}

TEST(direct_socket_and_accept)
{
	struct sockaddr_in a;
	struct io_uring_sqe *sqe;
	struct test_cqe c;
	int lfd, cfd, before;

	up();
	REQUIRE_EQ(io_uring_register_files_sparse(&ring, 4), 0);
	before = dup(0);
	REQUIRE_GE(before, 0);
	close(before);
	io_uring_prep_socket_direct(test_get_sqe(&ring), AF_INET, SOCK_STREAM, 0, 1, 0);
	CHECK_EQ(run1().res, 0);
	io_uring_prep_socket_direct_alloc(test_get_sqe(&ring), AF_INET, SOCK_STREAM, 0, 0);
	c = run1();
	/* the allocator goes on after the last slot installed */
	CHECK_EQ(c.res, 2);
	/* a slot has no close-on-exec */
	io_uring_prep_socket_direct(test_get_sqe(&ring), AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, 2,
				    0);
	CHECK_EQ(run1().res, -EINVAL);
	/* no descriptor of the program's was taken: the next one is free */
	CHECK_EQ(fcntl(before, F_GETFD), -1);

	lfd = net_tcp_listener(&a);
	cfd = net_tcp_client(&a);
	io_uring_prep_accept_direct(test_get_sqe(&ring), lfd, NULL, NULL, 0, 3);
	CHECK_EQ(run1().res, 0);
	/* a fixed accepted socket works: shut it down through the slot */
	sqe = test_get_sqe(&ring);
	io_uring_prep_shutdown(sqe, 3, SHUT_WR);
	sqe->flags |= IOSQE_FIXED_FILE;
	CHECK_EQ(run1().res, 0);
	char b;
	CHECK_EQ(read(cfd, &b, 1), 0);
	close(cfd);
	/* multishot direct: allocated slots only */
	sqe = test_get_sqe(&ring);
	io_uring_prep_multishot_accept(sqe, lfd, NULL, NULL, 0);
	__io_uring_set_target_fixed_file(sqe, 2);
	CHECK_EQ(run1().res, -EINVAL);
	cfd = net_tcp_client(&a);
	sqe = test_get_sqe(&ring);
	io_uring_prep_multishot_accept_direct(sqe, lfd, NULL, NULL, 0);
	io_uring_sqe_set_data64(sqe, 9);
	CHECK_EQ(io_uring_submit(&ring), 1);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	/* after slot 3, the allocator wraps to the first free one */
	CHECK_EQ(c.res, 0);
	CHECK_TRUE(c.flags & IORING_CQE_F_MORE);
	io_uring_prep_cancel64(test_get_sqe(&ring), 9, 0);
	struct test_cqe cc[2];
	test_submit_reap(&ring, cc, 2);
	CHECK_EQ(test_find_cqe(cc, 2, 9) ? test_find_cqe(cc, 2, 9)->res : 1, -ECANCELED);
	close(cfd);
	close(lfd);
	down();
}

TEST(connect_refused_and_unix)
{
	struct sockaddr_in a;
	struct sockaddr_un u = { .sun_family = AF_UNIX };
	struct test_cqe c;
	int fd, lfd, ufd;

	up();
	/* a port nobody listens on: the listener is closed first */
	lfd = net_tcp_listener(&a);
	close(lfd);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	REQUIRE_GE(fd, 0);
	io_uring_prep_connect(test_get_sqe(&ring), fd, (struct sockaddr *)&a, sizeof(a));
	CHECK_EQ(run1().res, -ECONNREFUSED);
	close(fd);

	/* AF_UNIX: an abstract name */
	snprintf(u.sun_path + 1, sizeof(u.sun_path) - 1, "ringer-net-%d", (int)getpid());
	socklen_t ulen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
				     strlen(u.sun_path + 1));
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	REQUIRE_GE(lfd, 0);
	io_uring_prep_bind(test_get_sqe(&ring), lfd, (struct sockaddr *)&u, ulen);
	CHECK_EQ(run1().res, 0);
	io_uring_prep_listen(test_get_sqe(&ring), lfd, 4);
	CHECK_EQ(run1().res, 0);
	ufd = socket(AF_UNIX, SOCK_STREAM, 0);
	io_uring_prep_connect(test_get_sqe(&ring), ufd, (struct sockaddr *)&u, ulen);
	CHECK_EQ(run1().res, 0);
	io_uring_prep_accept(test_get_sqe(&ring), lfd, NULL, NULL, 0);
	c = run1();
	REQUIRE_GE(c.res, 0);
	/* AF_UNIX tells nothing about its queue */
	CHECK_EQ_U(c.flags, 0);
	close(c.res);
	/* a second connect of a connected socket */
	io_uring_prep_connect(test_get_sqe(&ring), ufd, (struct sockaddr *)&u, ulen);
	CHECK_EQ(run1().res, -EISCONN);
	close(ufd);
	close(lfd);
	down();
}

TEST(shutdown_ends_the_stream)
{
	int sv[2];
	char b;

	up();
	REQUIRE_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	io_uring_prep_shutdown(test_get_sqe(&ring), sv[0], SHUT_WR);
	CHECK_EQ(run1().res, 0);
	CHECK_EQ(read(sv[1], &b, 1), 0);
	io_uring_prep_shutdown(test_get_sqe(&ring), sv[0], 7);
	CHECK_EQ(run1().res, -EINVAL);
	close(sv[0]);
	close(sv[1]);
	down();
}

TEST(linked_listen_accept)
{
	struct sockaddr_in a = net_loopback_any();
	struct io_uring_sqe *sqe;
	struct test_cqe c[3];
	socklen_t len = sizeof(a);
	int lfd, cfd;

	up();
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	REQUIRE_GE(lfd, 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_bind(sqe, lfd, (struct sockaddr *)&a, sizeof(a));
	io_uring_sqe_set_data64(sqe, 1);
	sqe->flags |= IOSQE_IO_LINK;
	sqe = test_get_sqe(&ring);
	io_uring_prep_listen(sqe, lfd, 4);
	io_uring_sqe_set_data64(sqe, 2);
	sqe->flags |= IOSQE_IO_LINK;
	sqe = test_get_sqe(&ring);
	io_uring_prep_accept(sqe, lfd, NULL, NULL, 0);
	io_uring_sqe_set_data64(sqe, 3);
	CHECK_EQ(io_uring_submit(&ring), 3);
	REQUIRE_EQ(test_reap(&ring, c, 2, 5000), 2);
	CHECK_EQ(c[0].res, 0);
	CHECK_EQ(c[1].res, 0);
	REQUIRE_EQ(getsockname(lfd, (struct sockaddr *)&a, &len), 0);
	cfd = net_tcp_client(&a);
	REQUIRE_EQ(test_reap(&ring, &c[2], 1, 5000), 1);
	CHECK_EQ_U(c[2].user_data, 3);
	REQUIRE_GE(c[2].res, 0);
	close(c[2].res);
	close(cfd);
	close(lfd);
	down();
}

/*
 * An ACCEPT on fd with these ioprio and SQE flags: its result, or 1 when it
 * still waits after wait_ms (then cancelled: 0 and -ECANCELED).  Callers
 * expecting a result give it seconds (one issued from io-wq may take long
 * on a loaded machine); callers expecting it to wait give it 50 ms, the
 * bounded check that no result comes.
 */
static int accept_on_for(int fd, unsigned ioprio, unsigned flags, unsigned wait_ms)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);
	struct test_cqe c = { 0 };

	io_uring_prep_accept(sqe, fd, NULL, NULL, 0);
	sqe->ioprio = ioprio;
	sqe->flags |= flags;
	io_uring_sqe_set_data64(sqe, 7);
	CHECK_EQ(io_uring_submit(&ring), 1);
	if (!test_cq_empty_for(&ring, wait_ms)) {
		test_reap(&ring, &c, 1, 1000);
		return c.res;
	}
	test_cancel_reap(&ring, 7, 8);
	return 1;
}

/* the ACCEPT's result (5 s at most; 1 if it still waits then) */
static int accept_on(int fd, unsigned ioprio, unsigned flags)
{
	return accept_on_for(fd, ioprio, flags, 5000);
}

/* the ACCEPT's result within 50 ms, or 1: for ACCEPTs that must wait */
static int accept_on_briefly(int fd, unsigned ioprio, unsigned flags)
{
	return accept_on_for(fd, ioprio, flags, 50);
}

/*
 * ACCEPT on a file that is no socket: the socket is looked at only when it
 * accepts, so POLL_FIRST, and a multishot accept issued from io-wq, wait
 * for POLLIN first; a file without ->poll answers -EAGAIN (POLL_FIRST) or
 * -EBADFD (multishot) instead.
 */
TEST(accept_nonsocket)
{
	const unsigned pf = IORING_ACCEPT_POLL_FIRST, ms = IORING_ACCEPT_MULTISHOT;
	char path[] = "/tmp/ringer-accept-XXXXXX";
	int p[2], reg;

	up();
	REQUIRE_SYS(pipe(p));
	REQUIRE_SYS(reg = mkstemp(path));
	unlink(path);
	/* pipe write end: never POLLIN */
	CHECK_EQ(accept_on(p[1], 0, 0), -ENOTSOCK);
	CHECK_EQ(accept_on(p[1], 0, IOSQE_ASYNC), -ENOTSOCK);
	CHECK_EQ(accept_on_briefly(p[1], pf, 0), 1);
	CHECK_EQ(accept_on_briefly(p[1], pf, IOSQE_ASYNC), 1);
	CHECK_EQ(accept_on(p[1], ms, 0), -ENOTSOCK);
	CHECK_EQ(accept_on_briefly(p[1], ms, IOSQE_ASYNC), 1);
	CHECK_EQ(accept_on_briefly(p[1], ms | pf, 0), 1);
	/* pipe read end with data: POLLIN at once */
	REQUIRE_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(accept_on(p[0], pf, 0), -ENOTSOCK);
	CHECK_EQ(accept_on(p[0], ms, IOSQE_ASYNC), -ENOTSOCK);
	CHECK_EQ(accept_on(p[0], ms | pf, 0), -ENOTSOCK);
	/* a regular file: no ->poll */
	CHECK_EQ(accept_on(reg, 0, IOSQE_ASYNC), -ENOTSOCK);
	CHECK_EQ(accept_on(reg, pf, 0), -EAGAIN);
	CHECK_EQ(accept_on(reg, pf, IOSQE_ASYNC), -EAGAIN);
	CHECK_EQ(accept_on(reg, ms, 0), -ENOTSOCK);
	CHECK_EQ(accept_on(reg, ms, IOSQE_ASYNC), -EBADFD);
	CHECK_EQ(accept_on(reg, ms | pf, 0), -EBADFD);
	close(reg);
	close(p[0]);
	close(p[1]);
	down();
}

TEST(errors)
{
	struct sockaddr_in a = net_loopback_any();
	struct io_uring_sqe *sqe;
	int p[2], fd;

	up();
	REQUIRE_EQ(pipe(p), 0);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	REQUIRE_GE(fd, 0);
	/* SOCKET: unknown type flags, rw_flags; an unknown family */
	io_uring_prep_socket(test_get_sqe(&ring), AF_INET, SOCK_STREAM | O_APPEND, 0, 0);
	CHECK_EQ(run1().res, -EINVAL);
	io_uring_prep_socket(test_get_sqe(&ring), AF_INET, SOCK_STREAM, 0, 1);
	CHECK_EQ(run1().res, -EINVAL);
	io_uring_prep_socket(test_get_sqe(&ring), 1234, SOCK_STREAM, 0, 0);
	CHECK_EQ(run1().res, -EAFNOSUPPORT);
	/* not a socket */
	io_uring_prep_bind(test_get_sqe(&ring), p[0], (struct sockaddr *)&a, sizeof(a));
	CHECK_EQ(run1().res, -ENOTSOCK);
	io_uring_prep_listen(test_get_sqe(&ring), p[0], 1);
	CHECK_EQ(run1().res, -ENOTSOCK);
	io_uring_prep_accept(test_get_sqe(&ring), p[0], NULL, NULL, 0);
	CHECK_EQ(run1().res, -ENOTSOCK);
	io_uring_prep_connect(test_get_sqe(&ring), p[0], (struct sockaddr *)&a, sizeof(a));
	CHECK_EQ(run1().res, -ENOTSOCK);
	io_uring_prep_shutdown(test_get_sqe(&ring), p[0], SHUT_RD);
	CHECK_EQ(run1().res, -ENOTSOCK);
	io_uring_prep_listen(test_get_sqe(&ring), 9999, 1);
	CHECK_EQ(run1().res, -EBADF);
	/* the address: too long, unreadable */
	io_uring_prep_bind(test_get_sqe(&ring), fd, (struct sockaddr *)&a, 129);
	CHECK_EQ(run1().res, -EINVAL);
	io_uring_prep_bind(test_get_sqe(&ring), fd, (struct sockaddr *)8, sizeof(a));
	CHECK_EQ(run1().res, -EFAULT);
	io_uring_prep_connect(test_get_sqe(&ring), fd, (struct sockaddr *)8, sizeof(a));
	CHECK_EQ(run1().res, -EFAULT);
	/* unused fields */
	sqe = test_get_sqe(&ring);
	io_uring_prep_bind(sqe, fd, (struct sockaddr *)&a, sizeof(a));
	sqe->len = 1;
	CHECK_EQ(run1().res, -EINVAL);
	sqe = test_get_sqe(&ring);
	io_uring_prep_listen(sqe, fd, 1);
	sqe->addr = 1;
	CHECK_EQ(run1().res, -EINVAL);
	sqe = test_get_sqe(&ring);
	io_uring_prep_accept(sqe, fd, NULL, NULL, 0);
	sqe->len = 1;
	CHECK_EQ(run1().res, -EINVAL);
	sqe = test_get_sqe(&ring);
	io_uring_prep_accept(sqe, fd, NULL, NULL, 0);
	sqe->ioprio = 1U << 5;
	CHECK_EQ(run1().res, -EINVAL);
	io_uring_prep_accept(test_get_sqe(&ring), fd, NULL, NULL, O_APPEND);
	CHECK_EQ(run1().res, -EINVAL);
	sqe = test_get_sqe(&ring);
	io_uring_prep_shutdown(sqe, fd, SHUT_RD);
	sqe->addr = 1;
	CHECK_EQ(run1().res, -EINVAL);
	/* accept on a socket that does not listen */
	io_uring_prep_accept(test_get_sqe(&ring), fd, NULL, NULL, 0);
	CHECK_EQ(run1().res, -EINVAL);
	/* shutdown of an unconnected socket */
	io_uring_prep_shutdown(test_get_sqe(&ring), fd, SHUT_RD);
	CHECK_EQ(run1().res, -ENOTCONN);
	/* on the ring's own fd */
	io_uring_prep_listen(test_get_sqe(&ring), ring.ring_fd, 1);
	CHECK_EQ(run1().res, -ENOTSOCK);
	close(fd);
	close(p[0]);
	close(p[1]);
	down();
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(socket_bind_listen_connect_accept),
		TEST_ENTRY(accept_waits_for_a_connection),
		TEST_ENTRY(accept_async_waits_too),
		TEST_ENTRY(accept_cancelled),
		TEST_ENTRY(accept_dontwait_and_poll_first),
		TEST_ENTRY(accept_sock_nonempty_hint),
		TEST_ENTRY(accept_multishot),
		TEST_ENTRY(accept_multishot_cancel_after_cqe),
		TEST_ENTRY(direct_socket_and_accept),
		TEST_ENTRY(direct_socket_bad_slot_keeps_links),
		TEST_ENTRY(shutdown_error_keeps_links),
		TEST_ENTRY(connect_refused_and_unix),
		TEST_ENTRY(shutdown_ends_the_stream),
		TEST_ENTRY(linked_listen_accept),
		TEST_ENTRY(accept_nonsocket),
		TEST_ENTRY(errors),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
