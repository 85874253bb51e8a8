/* SPDX-License-Identifier: MIT */
/*
 * A request that waits for readiness again after its file was seen not
 * ready costs the engine no epoll_ctl: the reactor's registration is
 * edge-triggered and stays, so a wake-up comes with the next edge.  Each
 * case runs an op through many rounds of "wait, ready, CQE" and checks the
 * results on both backends; on the engine it also counts the epoll_ctl calls
 * the engine made (ringer_fault_calls(), which counts while a fault is armed:
 * one that never hits is), which must not grow with the rounds.  The kernel
 * makes none of the engine's calls: its count is 0.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "harness.h"
#include "net-util.h"
#include "ringer/fault.h"

#define ROUNDS 20
/* epoll_ctl calls allowed for the whole run: the first arming, the
 * engine's numbers leaving the set at the end, a wake-up that came while
 * no entry was armed (the registration leaves, the next arming adds it) */
#define CTL_SLACK 6

static struct io_uring ring;

/* Count the engine's calls from here on: a fault armed on a call these
 * cases never make, which lets them all through. */
static void count_start(void)
{
	struct ringer_fault f = { .error = EIO, .skip = ~0u, .count = RINGER_FAULT_ALWAYS };

	ringer_fault_reset();
	REQUIRE_EQ(ringer_fault_set("symlinkat", &f), 0);
}

/* epoll_ctl calls since count_start(); the count stops */
static long count_stop(void)
{
	long n = ringer_fault_calls("epoll_ctl");

	ringer_fault_reset();
	return n;
}

/* n epoll_ctl calls: at most per_round a round (and the slack) on the engine */
static void check_ctl(long n, long per_round, const char *what)
{
	if (test_backend_is("kernel"))
		CHECK_EQ(n, 0);
	else if (test_backend_is("user"))
		CHECK_MSG(n <= per_round * ROUNDS + CTL_SLACK, "%s: %ld epoll_ctl calls for %d rounds",
			  what, n, ROUNDS);
}

/* A multishot ACCEPT posts a CQE per connection and waits again. */
static void accept_rounds(int domain)
{
	struct sockaddr_in a = net_loopback_any();
	struct sockaddr_un u = { .sun_family = AF_UNIX };
	struct io_uring_sqe *sqe;
	struct test_cqe c = { 0 };
	int lfd;
	long n;

	test_ring_init(64, &ring, 0);
	if (domain == AF_INET) {
		lfd = net_tcp_listener(&a);
	} else {
		/* abstract name: nothing to clean up */
		snprintf(u.sun_path + 1, sizeof(u.sun_path) - 1, "ringer-rearm-%d", (int)getpid());
		REQUIRE_SYS(lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
		REQUIRE_SYS(bind(lfd, (struct sockaddr *)&u, sizeof(u)));
		REQUIRE_SYS(listen(lfd, 64));
	}
	count_start();
	sqe = test_get_sqe(&ring);
	io_uring_prep_multishot_accept(sqe, lfd, NULL, NULL, SOCK_CLOEXEC);
	io_uring_sqe_set_data64(sqe, 1);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 10));
	for (int i = 0; i < ROUNDS; i++) {
		int cfd;

		if (domain == AF_INET) {
			cfd = net_tcp_client(&a);
		} else {
			REQUIRE_SYS(cfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
			REQUIRE_SYS(connect(cfd, (struct sockaddr *)&u, sizeof(u)));
		}
		REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
		CHECK_EQ(c.user_data, 1);
		CHECK_GE(c.res, 0);
		CHECK_TRUE(c.flags & IORING_CQE_F_MORE);
		if (c.res >= 0)
			close(c.res);
		close(cfd);
	}
	n = count_stop();
	check_ctl(n, 0, domain == AF_INET ? "multishot accept, TCP" : "multishot accept, unix");
	CHECK_EQ(test_cancel_reap(&ring, 1, 2).res, -ECANCELED);
	close(lfd);
	io_uring_queue_exit(&ring);
}

TEST(accept_multishot_tcp)
{
	accept_rounds(AF_INET);
}

TEST(accept_multishot_unix)
{
	accept_rounds(AF_UNIX);
}

/* A READ_MULTISHOT on a pipe posts a CQE per write and waits again. */
TEST(read_multishot_pipe)
{
	enum { BGID = 7, NBUF = 4 };
	static char bufs[NBUF][16];
	struct io_uring_buf_ring *br;
	struct io_uring_sqe *sqe;
	struct test_cqe c = { 0 };
	int p[2];
	long n;

	test_ring_init(64, &ring, 0);
	REQUIRE_SYS(pipe2(p, O_CLOEXEC));
	br = test_setup_buf_ring(&ring, NBUF, BGID, 0);
	for (unsigned i = 0; i < NBUF; i++)
		test_buf_ring_add1(br, NBUF, bufs[i], sizeof(bufs[i]), (unsigned short)i);
	count_start();
	sqe = test_get_sqe(&ring);
	io_uring_prep_read_multishot(sqe, p[0], 0, 0, BGID);
	io_uring_sqe_set_data64(sqe, 1);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 10));
	for (int i = 0; i < ROUNDS; i++) {
		unsigned bid;

		REQUIRE_EQ(write(p[1], "abc", 3), 3);
		REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
		CHECK_EQ(c.res, 3);
		REQUIRE_TRUE(c.flags & IORING_CQE_F_BUFFER);
		CHECK_TRUE(c.flags & IORING_CQE_F_MORE);
		bid = c.flags >> IORING_CQE_BUFFER_SHIFT;
		REQUIRE_TRUE(bid < NBUF);
		CHECK_MEM(bufs[bid], "abc", 3);
		/* the buffer back for a later round */
		test_buf_ring_add1(br, NBUF, bufs[bid], sizeof(bufs[bid]), (unsigned short)bid);
	}
	n = count_stop();
	check_ctl(n, 0, "multishot read");
	/* the end of the stream ends it */
	close(p[1]);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ(c.res, 0);
	CHECK_EQ_U(c.flags & IORING_CQE_F_MORE, 0);
	close(p[0]);
	REQUIRE_EQ(io_uring_free_buf_ring(&ring, br, NBUF, BGID), 0);
	io_uring_queue_exit(&ring);
}

/* A multishot POLL on a pipe whose data nobody reads: each write is a
 * wake-up, and a CQE; the engine's poll waits for the next one in its epoll
 * sets, re-armed without a call for the ring's set. */
TEST(poll_multishot_still_ready)
{
	struct io_uring_sqe *sqe;
	struct test_cqe c = { 0 };
	int p[2];
	long n;

	test_ring_init(64, &ring, 0);
	REQUIRE_SYS(pipe2(p, O_CLOEXEC));
	REQUIRE_EQ(write(p[1], "a", 1), 1);
	count_start();
	sqe = test_get_sqe(&ring);
	io_uring_prep_poll_multishot(sqe, p[0], POLLIN);
	io_uring_sqe_set_data64(sqe, 1);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ(c.res, POLLIN);
	for (int i = 0; i < ROUNDS; i++) {
		REQUIRE_EQ(write(p[1], "a", 1), 1);
		REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
		CHECK_EQ(c.user_data, 1);
		CHECK_EQ(c.res, POLLIN);
		CHECK_TRUE(c.flags & IORING_CQE_F_MORE);
	}
	n = count_stop();
	/* one per round is the poll's own set enabled again in the ring's
	 * (EPOLLONESHOT there), none for the ring's set in the reactor */
	check_ctl(n, 1, "multishot poll");
	CHECK_EQ(test_cancel_reap(&ring, 1, 2).res, -ECANCELED);
	close(p[0]);
	close(p[1]);
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(accept_multishot_tcp),
		TEST_ENTRY(accept_multishot_unix),
		TEST_ENTRY(read_multishot_pipe),
		TEST_ENTRY(poll_multishot_still_ready),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
