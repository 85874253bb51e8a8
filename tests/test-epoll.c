/* SPDX-License-Identifier: MIT */
/*
 * IORING_OP_EPOLL_CTL and IORING_OP_EPOLL_WAIT: epoll_ctl(2) as a request
 * (its errors, the event read at submission), and a wait for an epoll set's
 * events that completes at once when some are ready, else when they come
 * (in another ring's CQ too), its errors, and a ring torn down with the
 * wait armed.
 */
#include <fcntl.h>
#include <sys/epoll.h>

#include "harness.h"

static struct io_uring_sqe *ctl(struct io_uring *r, int epfd, int op, int fd,
				struct epoll_event *ev, __u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(r);

	io_uring_prep_nop(sqe);
	sqe->opcode = IORING_OP_EPOLL_CTL;
	sqe->fd = epfd;
	sqe->len = (unsigned)op;
	sqe->off = (__u64)fd;
	sqe->addr = (uintptr_t)ev;
	sqe->user_data = user_data;
	return sqe;
}

static struct io_uring_sqe *ewait(struct io_uring *r, int epfd, struct epoll_event *evs,
				  unsigned max, __u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(r);

	io_uring_prep_nop(sqe);
	sqe->opcode = IORING_OP_EPOLL_WAIT;
	sqe->fd = epfd;
	sqe->len = max;
	sqe->addr = (uintptr_t)evs;
	sqe->user_data = user_data;
	return sqe;
}

/* Submit the one queued request and return its result. */
static int result(struct io_uring *r, __u64 user_data)
{
	struct test_cqe c = { 0 };

	REQUIRE_EQ(test_submit_reap(r, &c, 1), 1);
	CHECK_EQ_U(c.user_data, user_data);
	CHECK_EQ_U(c.flags, 0);
	return c.res;
}

/* How many events the epoll set reports now (the system call, no wait). */
static int ready_now(int ep)
{
	struct epoll_event evs[8];

	return epoll_wait(ep, evs, 8, 0);
}

/*
 * What most cases start with: a pipe, an epoll set (with the pipe's read
 * end in it, for ev, when ev is given) and a ring; and its end.
 */
static void open_set(struct io_uring *r, int pfd[2], int *ep, struct epoll_event *ev)
{
	REQUIRE_EQ(pipe(pfd), 0);
	*ep = epoll_create1(EPOLL_CLOEXEC);
	REQUIRE_TRUE(*ep >= 0);
	if (ev)
		REQUIRE_EQ(epoll_ctl(*ep, EPOLL_CTL_ADD, pfd[0], ev), 0);
	test_ring_init(8, r, 0);
}

static void close_set(struct io_uring *r, int pfd[2], int ep)
{
	io_uring_queue_exit(r);
	close(ep);
	close(pfd[0]);
	close(pfd[1]);
}

TEST(ctl_add_mod_del)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x1234 };
	struct io_uring r;
	int pfd[2], ep;

	open_set(&r, pfd, &ep, NULL);
	ctl(&r, ep, EPOLL_CTL_ADD, pfd[0], &ev, 1);
	CHECK_EQ(result(&r, 1), 0);
	CHECK_EQ(write(pfd[1], "x", 1), 1);
	CHECK_EQ(ready_now(ep), 1);
	ctl(&r, ep, EPOLL_CTL_ADD, pfd[0], &ev, 2);
	CHECK_EQ(result(&r, 2), -EEXIST);
	/* MOD to EPOLLOUT: a read end is never writable */
	ev.events = EPOLLOUT;
	ctl(&r, ep, EPOLL_CTL_MOD, pfd[0], &ev, 3);
	CHECK_EQ(result(&r, 3), 0);
	CHECK_EQ(ready_now(ep), 0);
	/* DEL reads no event */
	ctl(&r, ep, EPOLL_CTL_DEL, pfd[0], NULL, 4);
	CHECK_EQ(result(&r, 4), 0);
	ctl(&r, ep, EPOLL_CTL_DEL, pfd[0], NULL, 5);
	CHECK_EQ(result(&r, 5), -ENOENT);
	/* IOSQE_FIXED_FILE is not looked at (the op takes no file); from a worker */
	ev.events = EPOLLIN;
	ctl(&r, ep, EPOLL_CTL_ADD, pfd[0], &ev, 6)->flags = IOSQE_FIXED_FILE | IOSQE_ASYNC;
	CHECK_EQ(result(&r, 6), 0);
	CHECK_EQ(ready_now(ep), 1);
	/* off is read as an int: high bits are dropped */
	ctl(&r, ep, EPOLL_CTL_DEL, pfd[0], NULL, 7)->off = (1ULL << 32) | (unsigned)pfd[0];
	CHECK_EQ(result(&r, 7), 0);
	CHECK_EQ(ready_now(ep), 0);
	close_set(&r, pfd, ep);
}

TEST(ctl_errors)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct io_uring r;
	int pfd[2], ep, reg;

	REQUIRE_EQ(pipe(pfd), 0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	REQUIRE_TRUE(ep >= 0);
	reg = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	REQUIRE_TRUE(reg >= 0);
	test_ring_init(8, &r, 0);
	/* the event is read at submission: -EFAULT for every op but DEL */
	ctl(&r, ep, EPOLL_CTL_ADD, pfd[0], NULL, 1);
	CHECK_EQ(result(&r, 1), -EFAULT);
	ctl(&r, ep, 9, pfd[0], NULL, 2);
	CHECK_EQ(result(&r, 2), -EFAULT);
	ctl(&r, ep, 9, pfd[0], &ev, 3);
	CHECK_EQ(result(&r, 3), -EINVAL);
	ctl(&r, 9999, EPOLL_CTL_ADD, pfd[0], &ev, 4);
	CHECK_EQ(result(&r, 4), -EBADF);
	ctl(&r, pfd[0], EPOLL_CTL_ADD, pfd[1], &ev, 5);
	CHECK_EQ(result(&r, 5), -EINVAL);
	ctl(&r, ep, EPOLL_CTL_ADD, 9999, &ev, 6);
	CHECK_EQ(result(&r, 6), -EBADF);
	ctl(&r, ep, EPOLL_CTL_ADD, ep, &ev, 7);
	CHECK_EQ(result(&r, 7), -EINVAL);
	ctl(&r, ep, EPOLL_CTL_ADD, reg, &ev, 8);
	CHECK_EQ(result(&r, 8), -EPERM);
	ctl(&r, ep, EPOLL_CTL_ADD, pfd[0], &ev, 9)->buf_index = 1;
	CHECK_EQ(result(&r, 9), -EINVAL);
	ctl(&r, ep, EPOLL_CTL_ADD, pfd[0], &ev, 10)->splice_fd_in = 1;
	CHECK_EQ(result(&r, 10), -EINVAL);
	ctl(&r, ep, EPOLL_CTL_ADD, pfd[0], &ev, 11)->ioprio = 1;
	CHECK_EQ(result(&r, 11), -EINVAL);
	/* rw_flags is not checked */
	ctl(&r, ep, EPOLL_CTL_ADD, pfd[0], &ev, 12)->rw_flags = 1;
	CHECK_EQ(result(&r, 12), 0);
	io_uring_queue_exit(&r);
	close(reg);
	close(ep);
	close(pfd[0]);
	close(pfd[1]);
}

TEST(wait_ready_then_pending)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0xfeed }, evs[8];
	struct io_uring r;
	struct test_cqe c = { 0 };
	int pfd[2], ep;
	char byte;

	open_set(&r, pfd, &ep, &ev);
	CHECK_EQ(write(pfd[1], "x", 1), 1);
	memset(evs, 0, sizeof(evs));
	ewait(&r, ep, evs, 8, 1);
	CHECK_EQ(result(&r, 1), 1);
	CHECK_EQ_U(evs[0].events, EPOLLIN);
	CHECK_EQ_U(evs[0].data.u64, 0xfeed);
	ewait(&r, ep, evs, 8, 2)->flags = IOSQE_ASYNC;
	CHECK_EQ(result(&r, 2), 1);
	CHECK_EQ(read(pfd[0], &byte, 1), 1);
	/* nothing ready: it waits for the next event */
	memset(evs, 0, sizeof(evs));
	ewait(&r, ep, evs, 8, 3);
	CHECK_EQ(io_uring_submit(&r), 1);
	CHECK_TRUE(test_cq_empty_for(&r, 50));
	CHECK_EQ(write(pfd[1], "y", 1), 1);
	REQUIRE_EQ(test_reap(&r, &c, 1, 5000), 1);
	CHECK_EQ_U(c.user_data, 3);
	CHECK_EQ(c.res, 1);
	CHECK_EQ_U(evs[0].data.u64, 0xfeed);
	/* the epoll fd as a registered file */
	REQUIRE_EQ(io_uring_register_files(&r, &ep, 1), 0);
	ewait(&r, 0, evs, 8, 4)->flags = IOSQE_FIXED_FILE;
	CHECK_EQ(result(&r, 4), 1);
	close_set(&r, pfd, ep);
}

TEST(wait_errors)
{
	struct epoll_event ev = { .events = EPOLLIN }, evs[8];
	struct io_uring r;
	int pfd[2], ep;

	open_set(&r, pfd, &ep, &ev);
	ewait(&r, ep, evs, 0, 1);
	CHECK_EQ(result(&r, 1), -EINVAL);
	ewait(&r, ep, evs, (unsigned)-1, 2);
	CHECK_EQ(result(&r, 2), -EINVAL);
	ewait(&r, ep, evs, 1U << 30, 3);
	CHECK_EQ(result(&r, 3), -EINVAL);
	ewait(&r, pfd[0], evs, 8, 4);
	CHECK_EQ(result(&r, 4), -EINVAL);
	/* the file first */
	ewait(&r, 9999, evs, 0, 5);
	CHECK_EQ(result(&r, 5), -EBADF);
	ewait(&r, r.ring_fd, evs, 8, 6);
	CHECK_EQ(result(&r, 6), -EINVAL);
	ewait(&r, ep, evs, 8, 7)->off = 1;
	CHECK_EQ(result(&r, 7), -EINVAL);
	ewait(&r, ep, evs, 8, 8)->rw_flags = 1;
	CHECK_EQ(result(&r, 8), -EINVAL);
	ewait(&r, ep, evs, 8, 9)->buf_index = 1;
	CHECK_EQ(result(&r, 9), -EINVAL);
	ewait(&r, ep, evs, 8, 10)->splice_fd_in = 1;
	CHECK_EQ(result(&r, 10), -EINVAL);
	ewait(&r, ep, evs, 8, 11)->ioprio = 1;
	CHECK_EQ(result(&r, 11), -EINVAL);
	/* a buffer outside user space at once; an unmapped one once events come */
	ewait(&r, ep, (void *)(uintptr_t)0xffff888000000000ULL, 8, 12);
	CHECK_EQ(result(&r, 12), -EFAULT);
	CHECK_EQ(write(pfd[1], "x", 1), 1);
	ewait(&r, ep, NULL, 8, 13);
	CHECK_EQ(result(&r, 13), -EFAULT);
	/* ... and the event is still there */
	ewait(&r, ep, evs, 8, 14);
	CHECK_EQ(result(&r, 14), 1);
	/* a failed wait breaks its link */
	ewait(&r, ep, evs, 0, 15)->flags = IOSQE_IO_LINK;
	ewait(&r, ep, evs, 8, 16);
	{
		struct test_cqe c[2] = { 0 };

		REQUIRE_EQ(test_submit_reap(&r, c, 2), 2);
		CHECK_EQ(c[0].res, -EINVAL);
		CHECK_EQ_U(c[1].user_data, 16);
		CHECK_EQ(c[1].res, -ECANCELED);
	}
	close_set(&r, pfd, ep);
}

/* Two waits on one level-triggered event: both get it. */
TEST(two_waits_one_event)
{
	struct epoll_event ev = { .events = EPOLLIN }, evs[8];
	struct io_uring r;
	struct test_cqe c[2] = { 0 };
	int pfd[2], ep;

	open_set(&r, pfd, &ep, &ev);
	ewait(&r, ep, evs, 4, 1);
	ewait(&r, ep, evs + 4, 4, 2);
	CHECK_EQ(io_uring_submit(&r), 2);
	CHECK_TRUE(test_cq_empty_for(&r, 20));
	CHECK_EQ(write(pfd[1], "x", 1), 1);
	REQUIRE_EQ(test_reap(&r, c, 2, 5000), 2);
	for (__u64 ud = 1; ud <= 2; ud++) {
		const struct test_cqe *x = test_find_cqe(c, 2, ud);

		REQUIRE_TRUE(x != NULL);
		CHECK_EQ(x->res, 1);
	}
	close_set(&r, pfd, ep);
}

/*
 * A ring's fd in an epoll set (added by EPOLL_CTL): a wait on the set ends
 * when that ring has a CQE, and waits again once it is reaped.
 */
TEST(wait_for_another_ring)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0xabc }, evs[4];
	struct io_uring r, o;
	struct test_cqe c = { 0 };
	int ep;

	ep = epoll_create1(EPOLL_CLOEXEC);
	REQUIRE_TRUE(ep >= 0);
	test_ring_init(8, &r, 0);
	test_ring_init(4, &o, 0);
	ctl(&r, ep, EPOLL_CTL_ADD, o.ring_fd, &ev, 1);
	CHECK_EQ(result(&r, 1), 0);
	ewait(&r, ep, evs, 4, 2);
	CHECK_EQ(io_uring_submit(&r), 1);
	CHECK_TRUE(test_cq_empty_for(&r, 20));
	io_uring_prep_nop(test_get_sqe(&o));
	CHECK_EQ(io_uring_submit(&o), 1);
	REQUIRE_EQ(test_reap(&r, &c, 1, 5000), 1);
	CHECK_EQ_U(c.user_data, 2);
	CHECK_EQ(c.res, 1);
	CHECK_EQ_U(evs[0].data.u64, 0xabc);
	/* reaped in user space: the ring is no longer readable */
	REQUIRE_EQ(test_reap(&o, &c, 1, 1000), 1);
	ewait(&r, ep, evs, 4, 3);
	CHECK_EQ(io_uring_submit(&r), 1);
	CHECK_TRUE(test_cq_empty_for(&r, 20));
	io_uring_prep_nop(test_get_sqe(&o));
	CHECK_EQ(io_uring_submit(&o), 1);
	REQUIRE_EQ(test_reap(&r, &c, 1, 5000), 1);
	CHECK_EQ_U(c.user_data, 3);
	CHECK_EQ(c.res, 1);
	ctl(&r, ep, EPOLL_CTL_DEL, o.ring_fd, NULL, 4);
	CHECK_EQ(result(&r, 4), 0);
	io_uring_queue_exit(&o);
	io_uring_queue_exit(&r);
	close(ep);
}

/* A waiting EPOLL_WAIT is cancelled by user_data or by its epoll fd. */
TEST(cancel_waiting)
{
	struct epoll_event ev = { .events = EPOLLIN }, evs[4];
	struct io_uring r;
	struct io_uring_sqe *sqe;
	struct test_cqe c[2] = { 0 };
	const struct test_cqe *x;
	int pfd[2], ep;

	open_set(&r, pfd, &ep, &ev);
	ewait(&r, ep, evs, 4, 1);
	CHECK_EQ(io_uring_submit(&r), 1);
	sqe = test_get_sqe(&r);
	io_uring_prep_cancel64(sqe, 1, 0);
	sqe->user_data = 0x99;
	REQUIRE_EQ(test_submit_reap(&r, c, 2), 1);
	x = test_find_cqe(c, 2, 1);
	REQUIRE_TRUE(x != NULL);
	CHECK_EQ(x->res, -ECANCELED);
	x = test_find_cqe(c, 2, 0x99);
	REQUIRE_TRUE(x != NULL);
	CHECK_EQ(x->res, 0);
	/* by fd, every one (not IOSQE_ASYNC: one a worker still runs when the
	 * cancel comes cannot be cancelled, on the kernel as here) */
	ewait(&r, ep, evs, 4, 2);
	ewait(&r, ep, evs, 4, 3);
	CHECK_EQ(io_uring_submit(&r), 2);
	CHECK_TRUE(test_cq_empty_for(&r, 20));
	sqe = test_get_sqe(&r);
	io_uring_prep_cancel_fd(sqe, ep, IORING_ASYNC_CANCEL_ALL);
	sqe->user_data = 0x98;
	{
		struct test_cqe d[3] = { 0 };

		REQUIRE_EQ(test_submit_reap(&r, d, 3), 1);
		for (__u64 ud = 2; ud <= 3; ud++) {
			x = test_find_cqe(d, 3, ud);
			REQUIRE_TRUE(x != NULL);
			CHECK_EQ(x->res, -ECANCELED);
		}
		x = test_find_cqe(d, 3, 0x98);
		REQUIRE_TRUE(x != NULL);
		CHECK_EQ(x->res, 2);
	}
	/* nothing is left waiting: an event now completes nothing */
	CHECK_EQ(write(pfd[1], "x", 1), 1);
	CHECK_TRUE(test_cq_empty_for(&r, 20));
	close_set(&r, pfd, ep);
}

/*
 * An event and a cancel race for a waiting EPOLL_WAIT: exactly one wins,
 * and the two results agree (1 and -ENOENT/-EALREADY, or -ECANCELED and 0).
 */
TEST(cancel_races_event)
{
	struct epoll_event ev = { .events = EPOLLIN }, evs[4];
	struct io_uring r;
	int pfd[2], ep, won_wait = 0, won_cancel = 0;
	char byte;

	open_set(&r, pfd, &ep, &ev);
	for (int i = 0; i < 200 && !test_case_failed(); i++) {
		struct io_uring_sqe *sqe;
		struct test_cqe c[2] = { 0 };
		const struct test_cqe *w, *x;

		ewait(&r, ep, evs, 4, 1);
		REQUIRE_EQ(io_uring_submit(&r), 1);
		CHECK_EQ(write(pfd[1], "x", 1), 1);
		/* now and then the event gets a head start */
		if (i & 1)
			test_sleep_ms(1);
		sqe = test_get_sqe(&r);
		io_uring_prep_cancel64(sqe, 1, 0);
		sqe->user_data = 2;
		REQUIRE_EQ(test_submit_reap(&r, c, 2), 1);
		w = test_find_cqe(c, 2, 1);
		x = test_find_cqe(c, 2, 2);
		REQUIRE_TRUE(w && x);
		if (w->res == 1) {
			won_wait++;
			CHECK_TRUE(x->res == -ENOENT || x->res == -EALREADY);
		} else {
			won_cancel++;
			CHECK_EQ(w->res, -ECANCELED);
			CHECK_EQ(x->res, 0);
		}
		CHECK_EQ(read(pfd[0], &byte, 1), 1);
	}
	printf("# the wait won %d times, the cancel %d\n", won_wait, won_cancel);
	CHECK_TRUE(test_cq_empty_for(&r, 0));
	close_set(&r, pfd, ep);
}

/* The ring goes with waits armed: no hang, nothing left behind. */
TEST(teardown_with_wait_armed)
{
	struct epoll_event ev = { .events = EPOLLIN }, evs[4];
	struct io_uring r;
	int pfd[2], ep, fds_before;
	char byte;

	REQUIRE_EQ(pipe(pfd), 0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	REQUIRE_TRUE(ep >= 0);
	REQUIRE_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, pfd[0], &ev), 0);
	fds_before = test_count_fds();
	for (int round = 0; round < 20; round++) {
		test_ring_init(8, &r, 0);
		ewait(&r, ep, evs, 4, 1);
		ewait(&r, ep, NULL, 4, 2)->flags = IOSQE_ASYNC;
		CHECK_EQ(io_uring_submit(&r), 2);
		if (round & 1)
			test_sleep_ms(1);
		/* an event racing the teardown */
		if (round % 3 == 0)
			CHECK_EQ(write(pfd[1], "x", 1), 1);
		io_uring_queue_exit(&r);
		if (round % 3 == 0)
			CHECK_EQ(read(pfd[0], &byte, 1), 1);
	}
	CHECK_EQ(test_count_fds(), fds_before);
	close(ep);
	close(pfd[0]);
	close(pfd[1]);
}

/* liburing's helpers fill the SQEs the cases above write by hand. */
TEST(prep_helpers)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x5a }, evs[4];
	struct io_uring r;
	struct io_uring_sqe *sqe;
	int pfd[2], ep;

	open_set(&r, pfd, &ep, NULL);
	sqe = test_get_sqe(&r);
	io_uring_prep_epoll_ctl(sqe, ep, pfd[0], EPOLL_CTL_ADD, &ev);
	io_uring_sqe_set_data64(sqe, 1);
	CHECK_EQ(result(&r, 1), 0);
	CHECK_EQ(write(pfd[1], "x", 1), 1);
	memset(evs, 0, sizeof(evs));
	sqe = test_get_sqe(&r);
	io_uring_prep_epoll_wait(sqe, ep, evs, 4, 0);
	io_uring_sqe_set_data64(sqe, 2);
	CHECK_EQ(result(&r, 2), 1);
	CHECK_EQ_U(evs[0].data.u64, 0x5a);
	sqe = test_get_sqe(&r);
	io_uring_prep_epoll_ctl(sqe, ep, pfd[0], EPOLL_CTL_DEL, NULL);
	io_uring_sqe_set_data64(sqe, 3);
	CHECK_EQ(result(&r, 3), 0);
	close_set(&r, pfd, ep);
}

TEST(iopoll_ring_refuses)
{
	struct epoll_event ev = { .events = EPOLLIN }, evs[4];
	struct io_uring r;
	struct io_uring_params p;
	int ep;

	ep = epoll_create1(EPOLL_CLOEXEC);
	REQUIRE_TRUE(ep >= 0);
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_IOPOLL;
	test_ring_init_params(4, &r, &p);
	ewait(&r, ep, evs, 4, 1);
	CHECK_EQ(result(&r, 1), -EINVAL);
	ctl(&r, ep, EPOLL_CTL_ADD, 0, &ev, 2);
	CHECK_EQ(result(&r, 2), -EINVAL);
	io_uring_queue_exit(&r);
	close(ep);
}

TEST(in_probe)
{
	struct io_uring r;
	struct io_uring_probe *p;

	test_ring_init(4, &r, 0);
	p = io_uring_get_probe_ring(&r);
	REQUIRE_TRUE(p != NULL);
	CHECK_TRUE(io_uring_opcode_supported(p, IORING_OP_EPOLL_CTL));
	CHECK_TRUE(io_uring_opcode_supported(p, IORING_OP_EPOLL_WAIT));
	io_uring_free_probe(p);
	io_uring_queue_exit(&r);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(ctl_add_mod_del),
		TEST_ENTRY(ctl_errors),
		TEST_ENTRY(wait_ready_then_pending),
		TEST_ENTRY(wait_errors),
		TEST_ENTRY(two_waits_one_event),
		TEST_ENTRY(wait_for_another_ring),
		TEST_ENTRY(cancel_waiting),
		TEST_ENTRY(cancel_races_event),
		TEST_ENTRY(teardown_with_wait_armed),
		TEST_ENTRY(prep_helpers),
		TEST_ENTRY(iopoll_ring_refuses),
		TEST_ENTRY(in_probe),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
