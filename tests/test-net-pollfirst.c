/* SPDX-License-Identifier: MIT */
/*
 * IORING_ACCEPT_POLL_FIRST and IORING_RECVSEND_POLL_FIRST where the kernel
 * issues the request from io-wq without IOSQE_ASYNC: the head of a link
 * chain that a submit leaves open, and the link after a request io-wq ran.
 * io-wq then issues it blocking without arming poll, and the op's "not
 * polled yet" answer is the result: -EAGAIN, whatever the socket holds
 * (Linux 6.18).  With IOSQE_ASYNC, or as a multishot request, it waits for
 * readiness as at submit.
 */
#include "harness.h"

#include "net-util.h"

static struct io_uring ring;
static int lsn; /* a TCP listener on loopback */
static struct sockaddr_in lsn_addr;

static void up(void)
{
	test_ring_init(16, &ring, 0);
	lsn = net_tcp_listener(&lsn_addr);
}

static void down(void)
{
	close(lsn);
	io_uring_queue_exit(&ring);
}

/* a client whose connection waits in the listener's queue */
static int pending_conn(void)
{
	return net_tcp_client(&lsn_addr);
}

static struct io_uring_sqe *accept_pf(int fd, __u64 ud, unsigned sqe_flags)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_accept(sqe, fd, NULL, NULL, SOCK_CLOEXEC);
	sqe->ioprio |= IORING_ACCEPT_POLL_FIRST;
	sqe->flags |= sqe_flags;
	io_uring_sqe_set_data64(sqe, ud);
	return sqe;
}

static void nop(__u64 ud, unsigned sqe_flags)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_nop(sqe);
	sqe->flags |= sqe_flags;
	io_uring_sqe_set_data64(sqe, ud);
}

/* n CQEs of what was submitted, in order of user_data */
static void reap_sorted(struct test_cqe *c, unsigned n)
{
	REQUIRE_EQ(test_reap(&ring, c, n, 5000), n);
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j && c[j - 1].user_data > c[j].user_data; j--) {
			struct test_cqe t = c[j];

			c[j] = c[j - 1];
			c[j - 1] = t;
		}
}

/* the one SQE, the head of a chain this submit leaves open: its result */
static int open_chain_head(struct io_uring_sqe *sqe, unsigned poll_first)
{
	struct test_cqe c;

	sqe->ioprio |= poll_first;
	sqe->flags |= IOSQE_IO_LINK;
	CHECK_EQ(io_uring_submit(&ring), 1);
	reap_sorted(&c, 1);
	CHECK_EQ_U(c.flags, 0);
	return c.res;
}

/* the CQEs of an ACCEPT linked to a NOP: a connection, then the NOP's 0 */
static void accept_and_nop_done(void)
{
	struct test_cqe c[2];

	reap_sorted(c, 2);
	CHECK_GE(c[0].res, 0);
	CHECK_EQ(c[1].res, 0);
	if (c[0].res >= 0)
		close(c[0].res);
}

TEST(accept_at_open_chain_head_is_eagain)
{
	int cl, us;

	up();
	cl = pending_conn();
	CHECK_EQ(open_chain_head(accept_pf(lsn, 1, 0), 0), -EAGAIN);
	/* a unix socket that does not listen: the same, not -EINVAL */
	us = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	REQUIRE_GE(us, 0);
	CHECK_EQ(open_chain_head(accept_pf(us, 2, 0), 0), -EAGAIN);
	/* a pipe: the same, before the file is found no socket */
	{
		int p[2];

		REQUIRE_SYS(pipe(p));
		CHECK_EQ(open_chain_head(accept_pf(p[0], 3, 0), 0), -EAGAIN);
		close(p[0]);
		close(p[1]);
	}
	/* the connection is still there: a closed chain accepts it */
	accept_pf(lsn, 4, IOSQE_IO_LINK);
	nop(5, 0);
	CHECK_EQ(io_uring_submit(&ring), 2);
	accept_and_nop_done();
	close(us);
	close(cl);
	down();
}

TEST(accept_linked_after_worker_request_is_eagain)
{
	struct test_cqe c[2];
	int cl;

	up();
	cl = pending_conn();
	/* the NOP runs in io-wq (IOSQE_ASYNC), which then runs its link */
	nop(1, IOSQE_IO_LINK | IOSQE_ASYNC);
	accept_pf(lsn, 2, 0);
	CHECK_EQ(io_uring_submit(&ring), 2);
	reap_sorted(c, 2);
	CHECK_EQ(c[0].res, 0);
	CHECK_EQ(c[1].res, -EAGAIN);
	/* the head of an open chain, its successor never comes */
	nop(3, IOSQE_IO_LINK);
	accept_pf(lsn, 4, IOSQE_IO_LINK);
	CHECK_EQ(io_uring_submit(&ring), 2);
	reap_sorted(c, 2);
	CHECK_EQ(c[0].res, 0);
	CHECK_EQ(c[1].res, -EAGAIN);
	close(cl);
	down();
}

TEST(accept_async_or_multishot_waits)
{
	struct test_cqe c[2];
	int cl;

	up();
	/* IOSQE_ASYNC: io-wq arms poll, and the accept waits for a client */
	accept_pf(lsn, 1, IOSQE_IO_LINK | IOSQE_ASYNC);
	nop(2, 0);
	CHECK_EQ(io_uring_submit(&ring), 2);
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
	cl = pending_conn();
	accept_and_nop_done();
	close(cl);
	/* a multishot one at the head of an open chain: armed, it accepts */
	cl = pending_conn();
	{
		struct io_uring_sqe *sqe = test_get_sqe(&ring);

		io_uring_prep_multishot_accept(sqe, lsn, NULL, NULL, SOCK_CLOEXEC);
		sqe->ioprio |= IORING_ACCEPT_POLL_FIRST;
		sqe->flags |= IOSQE_IO_LINK;
		io_uring_sqe_set_data64(sqe, 3);
	}
	CHECK_EQ(io_uring_submit(&ring), 1);
	reap_sorted(c, 1);
	CHECK_GE(c[0].res, 0);
	CHECK_TRUE(c[0].flags & IORING_CQE_F_MORE);
	if (c[0].res >= 0)
		close(c[0].res);
	close(cl);
	down();
}

TEST(recv_send_at_open_chain_head_are_eagain)
{
	struct io_uring_sqe *sqe;
	struct iovec iov;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	char buf[16];
	int sv[2];

	up();
	REQUIRE_SYS(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	REQUIRE_EQ(write(sv[1], "hi", 2), 2);
	/* data queued and room to send: no attempt is made */
	sqe = test_get_sqe(&ring);
	io_uring_prep_recv(sqe, sv[0], buf, sizeof(buf), 0);
	CHECK_EQ(open_chain_head(sqe, IORING_RECVSEND_POLL_FIRST), -EAGAIN);
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	sqe = test_get_sqe(&ring);
	io_uring_prep_recvmsg(sqe, sv[0], &msg, 0);
	CHECK_EQ(open_chain_head(sqe, IORING_RECVSEND_POLL_FIRST), -EAGAIN);
	sqe = test_get_sqe(&ring);
	io_uring_prep_send(sqe, sv[0], "x", 1, 0);
	CHECK_EQ(open_chain_head(sqe, IORING_RECVSEND_POLL_FIRST), -EAGAIN);
	/* nothing was taken or sent */
	CHECK_EQ(read(sv[0], buf, sizeof(buf)), 2);
	close(sv[0]);
	close(sv[1]);
	down();
}

/*
 * A drained request is started by the completion of the last request before
 * it: the kernel queues it as task work (io_queue_deferred()), which issues
 * it as at submit, so poll-first arms poll, even when that completion came
 * from io-wq.  A unix socket that holds data and does not listen: the
 * ACCEPT polls, then fails -EINVAL; the RECV polls, then receives.
 */
TEST(drained_after_worker_request_polls_first)
{
	static char big[8 << 20];
	struct io_uring_sqe *sqe;
	struct test_cqe c[2];
	char buf[16];
	int sv[2], fd;

	up();
	fd = test_tmpfile(NULL);
	REQUIRE_SYS(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	REQUIRE_EQ(write(sv[1], "hi", 2), 2);
	/* a write io-wq takes a while over: it completes after the submit */
	for (int i = 0; i < 2; i++) {
		int want = i == 0 ? -EINVAL : 2;

		sqe = test_get_sqe(&ring);
		io_uring_prep_write(sqe, fd, big, sizeof(big), 0);
		sqe->flags |= IOSQE_ASYNC;
		io_uring_sqe_set_data64(sqe, 1);
		if (i == 0) {
			accept_pf(sv[0], 2, IOSQE_IO_DRAIN);
		} else {
			sqe = test_get_sqe(&ring);
			io_uring_prep_recv(sqe, sv[0], buf, sizeof(buf), 0);
			sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
			sqe->flags |= IOSQE_IO_DRAIN;
			io_uring_sqe_set_data64(sqe, 2);
		}
		CHECK_EQ(io_uring_submit(&ring), 2);
		reap_sorted(c, 2);
		CHECK_EQ(c[0].res, (int)sizeof(big));
		CHECK_EQ(c[1].res, want);
	}
	close(sv[0]);
	close(sv[1]);
	close(fd);
	down();
}

/* a RECV with POLL_FIRST of the data sv[1] wrote to sv[0], hardlinked
 * after what is queued: its result */
static int hardlinked_recv_pf(int fd, __u64 ud)
{
	unsigned n = io_uring_sq_ready(&ring);
	struct io_uring_sqe *sqe = test_get_sqe(&ring);
	static char buf[16];
	struct test_cqe c[3];

	io_uring_prep_recv(sqe, fd, buf, sizeof(buf), 0);
	sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
	io_uring_sqe_set_data64(sqe, ud);
	REQUIRE_EQ(io_uring_submit(&ring), (int)n + 1);
	reap_sorted(c, n + 1);
	return c[n].res;
}

/* the prepared sqe goes to io-wq, with a hardlink */
static void hardlink_async(struct io_uring_sqe *sqe, __u64 ud)
{
	sqe->flags |= IOSQE_IO_HARDLINK | IOSQE_ASYNC;
	io_uring_sqe_set_data64(sqe, ud);
}

/*
 * After a request io-wq ran: a success completes in io-wq, which issues the
 * hardlinked request (-EAGAIN); a failure the handler returns (any read's or
 * write's, a file that is no socket, a poll-first -EAGAIN) is failed from
 * task work, which issues it as at submit: it polls and receives.  One the
 * handler sets as its result (a NOP's injected one) stays in io-wq.  The
 * kernel's failed request holds two references, the task work's and the
 * worker's: where the worker drops the last one (the task work ran first),
 * io-wq takes the link after all and it is -EAGAIN, seen under load; the
 * engine gives the usual answer.
 */
TEST(hardlinked_after_worker_failure_polls_first)
{
	enum { READ_OK, READ_DIR, WRITE_DIR, RECV_FILE, NOP_OK, NOP_FAILED, POLL_FIRST_EAGAIN, NR };
	struct io_uring_sqe *sqe;
	char buf[16];
	int sv[2], sv2[2], fd, dir;

	up();
	fd = test_tmpfile_with("0123456789", 10, NULL);
	dir = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	REQUIRE_SYS(dir);
	REQUIRE_SYS(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	REQUIRE_SYS(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv2));
	REQUIRE_EQ(write(sv[1], "hi", 2), 2);
	for (int i = 0; i < NR; i++) {
		int want = 2, res;
		__u64 ud = 2;

		sqe = test_get_sqe(&ring);
		switch (i) {
		case READ_OK:
			io_uring_prep_read(sqe, fd, buf, 4, 0);
			want = -EAGAIN;
			break;
		case READ_DIR:
			io_uring_prep_read(sqe, dir, buf, 4, 0);
			break;
		case WRITE_DIR:
			io_uring_prep_write(sqe, dir, buf, 4, 0);
			break;
		case RECV_FILE:
			io_uring_prep_recv(sqe, fd, buf, 4, 0);
			break;
		case NOP_OK:
			io_uring_prep_nop(sqe);
			want = -EAGAIN;
			break;
		case NOP_FAILED:
			io_uring_prep_nop(sqe);
			sqe->nop_flags = IORING_NOP_INJECT_RESULT;
			sqe->len = (__u32)-EPERM;
			want = -EAGAIN;
			break;
		case POLL_FIRST_EAGAIN:
			/* a NOP in io-wq, then a poll-first RECV there */
			io_uring_prep_nop(sqe);
			hardlink_async(sqe, 1);
			sqe = test_get_sqe(&ring);
			io_uring_prep_recv(sqe, sv2[0], buf, sizeof(buf), 0);
			sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
			sqe->flags |= IOSQE_IO_HARDLINK;
			io_uring_sqe_set_data64(sqe, 2);
			ud = 3;
			break;
		}
		if (ud == 2)
			hardlink_async(sqe, 1);
		res = hardlinked_recv_pf(sv[0], ud);
		if (res == -EAGAIN && want != -EAGAIN && test_backend_is("kernel"))
			continue; /* the kernel's race above: nothing received */
		CHECK_MSG(res == want, "case %d: %d", i, res);
		if (want != -EAGAIN)
			REQUIRE_EQ(write(sv[1], "hi", 2), 2);
	}
	close(dir);
	close(fd);
	net_close_pair(sv);
	net_close_pair(sv2);
	down();
}

/*
 * IOSQE_ASYNC with poll-first: io-wq arms poll, and the request runs again
 * in io-wq once the socket is ready (at the arming or later), which then
 * issues its hardlinked request: -EAGAIN.
 */
TEST(async_woken_completes_in_worker)
{
	struct io_uring_sqe *sqe;
	struct test_cqe c[2];
	char buf[16];
	int sv[2], sv2[2], cl;

	up();
	REQUIRE_SYS(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	REQUIRE_SYS(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv2));
	REQUIRE_EQ(write(sv[1], "hi", 2), 2);
	REQUIRE_EQ(write(sv2[1], "hey", 3), 3);
	sqe = test_get_sqe(&ring);
	io_uring_prep_recv(sqe, sv2[0], buf, sizeof(buf), 0);
	sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
	hardlink_async(sqe, 1);
	CHECK_EQ(hardlinked_recv_pf(sv[0], 2), -EAGAIN);
	cl = pending_conn();
	accept_pf(lsn, 1, IOSQE_IO_HARDLINK | IOSQE_ASYNC);
	CHECK_EQ(hardlinked_recv_pf(sv[0], 2), -EAGAIN);
	/* not ready at the arming: the same */
	sqe = test_get_sqe(&ring);
	io_uring_prep_recv(sqe, sv2[0], buf, sizeof(buf), 0);
	sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
	hardlink_async(sqe, 1);
	sqe = test_get_sqe(&ring);
	io_uring_prep_recv(sqe, sv[0], buf, sizeof(buf), 0);
	sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
	io_uring_sqe_set_data64(sqe, 2);
	CHECK_EQ(io_uring_submit(&ring), 2);
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
	REQUIRE_EQ(write(sv2[1], "hey", 3), 3);
	reap_sorted(c, 2);
	CHECK_EQ(c[0].res, 3);
	CHECK_EQ(c[1].res, -EAGAIN);
	close(cl);
	net_close_pair(sv);
	net_close_pair(sv2);
	down();
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(accept_at_open_chain_head_is_eagain),
		TEST_ENTRY(accept_linked_after_worker_request_is_eagain),
		TEST_ENTRY(accept_async_or_multishot_waits),
		TEST_ENTRY(recv_send_at_open_chain_head_are_eagain),
		TEST_ENTRY(drained_after_worker_request_polls_first),
		TEST_ENTRY(hardlinked_after_worker_failure_polls_first),
		TEST_ENTRY(async_woken_completes_in_worker),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
