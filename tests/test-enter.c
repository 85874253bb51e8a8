/* SPDX-License-Identifier: MIT */
/*
 * io_uring_enter() errors and waiting: bad flags and fds, to_submit and
 * min_complete, GETEVENTS, signals, EXT_ARG; io_uring_wait_cqe_timeout()
 * giving -ETIME.  Timing checks
 * only have generous lower bounds (never an upper bound below seconds).
 */
#include "harness.h"

#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>

static struct io_uring ring;
static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* SIGALRM interrupts system calls (no SA_RESTART). */
static void catch_alarm(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	REQUIRE_SYS(sigaction(SIGALRM, &sa, NULL));
	alarms = 0;
}

/*
 * SIGALRM every ms milliseconds (0: stop).  Repeating, so that a wait that
 * starts late (a loaded machine) is still interrupted.
 */
static void alarm_in_ms(unsigned ms)
{
	struct itimerval it;

	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_usec = (ms % 1000) * 1000;
	it.it_interval = it.it_value;
	setitimer(ITIMER_REAL, &it, NULL);
}

/*
 * The handler's count once n alarms have been handled.  The handler may run
 * a little after the interrupted call returns (ThreadSanitizer defers
 * signals to its next interception point), so give it a moment.
 */
static int alarms_seen(int n)
{
	for (int i = 0; i < 1000 && alarms < n; i++)
		test_sleep_ms(1);
	return alarms;
}

static void no_alarm(void)
{
	alarm_in_ms(0);
	signal(SIGALRM, SIG_DFL);
}

static void queue_nop(__u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, user_data);
}

static int enter_ext(unsigned to_submit, unsigned min, unsigned flags, const void *arg,
		     size_t argsz)
{
	return io_uring_enter2(ring.ring_fd, to_submit, min, flags | IORING_ENTER_EXT_ARG,
			       (sigset_t *)arg, argsz);
}

TEST(enter_bad_arguments)
{
	int p[2];

	test_ring_init(4, &ring, 0);
	CHECK_ERRNO(io_uring_enter(ring.ring_fd, 0, 0, 1u << 8, NULL), -EINVAL);
	CHECK_ERRNO(io_uring_enter(ring.ring_fd, 0, 0, 1u << 31, NULL), -EINVAL);
	CHECK_ERRNO(io_uring_enter(9999, 0, 0, 0, NULL), -EBADF);
	CHECK_ERRNO(io_uring_enter((unsigned)-1, 0, 0, 0, NULL), -EBADF);
	REQUIRE_SYS(pipe(p));
	CHECK_ERRNO(io_uring_enter(p[0], 0, 0, 0, NULL), -EOPNOTSUPP);
	CHECK_ERRNO(io_uring_enter(p[0], 1, 1, IORING_ENTER_GETEVENTS, NULL), -EOPNOTSUPP);
	close(p[0]);
	close(p[1]);
	/* SQ_WAKEUP and SQ_WAIT mean nothing without SQPOLL */
	CHECK_ERRNO(io_uring_enter(ring.ring_fd, 0, 0, IORING_ENTER_SQ_WAKEUP, NULL), 0);
	CHECK_ERRNO(io_uring_enter(ring.ring_fd, 0, 0, IORING_ENTER_SQ_WAIT, NULL), 0);
	io_uring_queue_exit(&ring);
}

TEST(disabled_ring)
{
	struct test_cqe c = { 0 };

	test_ring_init(4, &ring, IORING_SETUP_R_DISABLED);
	CHECK_ERRNO(io_uring_enter(ring.ring_fd, 0, 0, 0, NULL), -EBADFD);
	CHECK_ERRNO(io_uring_enter(ring.ring_fd, 0, 0, IORING_ENTER_GETEVENTS, NULL), -EBADFD);
	queue_nop(1);
	CHECK_ERRNO(io_uring_submit(&ring), -EBADFD);
	CHECK_ERRNO(io_uring_enable_rings(&ring), 0);
	CHECK_ERRNO(io_uring_enable_rings(&ring), -EBADFD);
	/* the SQE queued meanwhile goes now */
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ_U(c.user_data, 1);
	CHECK_EQ(c.res, 0);
	io_uring_queue_exit(&ring);
}

/* IORING_FEAT_NO_IOWAIT: the feature is reported and a wait with the flag completes */
TEST(no_iowait_wait)
{
	struct io_uring_cqe *cqe = NULL;

	test_ring_init(4, &ring, 0);
	CHECK_TRUE(ring.features & IORING_FEAT_NO_IOWAIT);
	queue_nop(3);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_EQ(io_uring_enter(ring.ring_fd, 0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_NO_IOWAIT,
				NULL),
		 0);
	REQUIRE_EQ(io_uring_peek_cqe(&ring, &cqe), 0);
	CHECK_EQ_U(cqe->user_data, 3);
	io_uring_cqe_seen(&ring, cqe);
	io_uring_queue_exit(&ring);
}

TEST(getevents_zero_never_blocks)
{
	uint64_t t0;

	test_ring_init(4, &ring, 0);
	t0 = test_now_ns();
	CHECK_ERRNO(io_uring_enter(ring.ring_fd, 0, 0, IORING_ENTER_GETEVENTS, NULL), 0);
	/* the sigmask and EXT_ARG are not read when there is no wait */
	CHECK_ERRNO(io_uring_enter2(ring.ring_fd, 0, 0, IORING_ENTER_GETEVENTS, (sigset_t *)8, 8),
		    0);
	CHECK_ERRNO(io_uring_enter2(ring.ring_fd, 0, 0, IORING_ENTER_GETEVENTS, (sigset_t *)8, 3),
		    0);
	/* nor is EXT_ARG without GETEVENTS */
	CHECK_ERRNO(enter_ext(0, 1, 0, (void *)8, 24), 0);
	CHECK_ERRNO(enter_ext(0, 1, 0, NULL, 5), 0);
	/* min_complete without GETEVENTS does not wait */
	CHECK_ERRNO(io_uring_enter(ring.ring_fd, 0, 1, 0, NULL), 0);
	CHECK_LT(test_now_ns() - t0, 2000000000ULL);
	io_uring_queue_exit(&ring);
}

TEST(ext_arg_errors)
{
	struct io_uring_getevents_arg arg;

	test_ring_init(4, &ring, 0);
	REQUIRE_TRUE(ring.features & IORING_FEAT_EXT_ARG);
	memset(&arg, 0, sizeof(arg));
	CHECK_ERRNO(enter_ext(0, 1, IORING_ENTER_GETEVENTS, &arg, 16), -EINVAL);
	CHECK_ERRNO(enter_ext(0, 1, IORING_ENTER_GETEVENTS, &arg, 32), -EINVAL);
	CHECK_ERRNO(enter_ext(0, 1, IORING_ENTER_GETEVENTS, (void *)8, 24), -EFAULT);
	arg.ts = 8; /* unreadable timespec */
	CHECK_ERRNO(enter_ext(0, 1, IORING_ENTER_GETEVENTS, &arg, 24), -EFAULT);
	io_uring_queue_exit(&ring);
}

TEST(ext_arg_timeout)
{
	struct io_uring_getevents_arg arg;
	struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = 50000000 };
	uint64_t t0, dt;

	test_ring_init(4, &ring, 0);
	memset(&arg, 0, sizeof(arg));
	arg.ts = (__u64)(uintptr_t)&ts;
	t0 = test_now_ns();
	CHECK_ERRNO(enter_ext(0, 1, IORING_ENTER_GETEVENTS, &arg, sizeof(arg)), -ETIME);
	dt = test_now_ns() - t0;
	CHECK_GE(dt, 45000000ULL);
	CHECK_LT(dt, 10000000000ULL);
	/* {0, 0} expires at once */
	ts.tv_nsec = 0;
	CHECK_ERRNO(enter_ext(0, 1, IORING_ENTER_GETEVENTS, &arg, sizeof(arg)), -ETIME);
	/* with one CQE present, a wait for 3 that times out reports 0 */
	queue_nop(1);
	CHECK_EQ(io_uring_submit(&ring), 1);
	ts.tv_nsec = 30000000;
	t0 = test_now_ns();
	CHECK_ERRNO(enter_ext(0, 3, IORING_ENTER_GETEVENTS, &arg, sizeof(arg)), 0);
	CHECK_GE(test_now_ns() - t0, 25000000ULL);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 1);
	io_uring_queue_exit(&ring);
}

TEST(wait_cqe_timeout_etime)
{
	struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = 100000000 };
	struct io_uring_cqe *cqe = (void *)1;
	uint64_t t0, dt;

	test_ring_init(4, &ring, 0);
	t0 = test_now_ns();
	CHECK_ERRNO(io_uring_wait_cqe_timeout(&ring, &cqe, &ts), -ETIME);
	dt = test_now_ns() - t0;
	CHECK_GE(dt, 90000000ULL);
	CHECK_LT(dt, 10000000000ULL);
	/* a CQE already there: at once */
	queue_nop(42);
	CHECK_EQ(io_uring_submit(&ring), 1);
	t0 = test_now_ns();
	ts.tv_sec = 5;
	REQUIRE_ERRNO(io_uring_wait_cqe_timeout(&ring, &cqe, &ts), 0);
	CHECK_EQ_U(cqe->user_data, 42);
	io_uring_cqe_seen(&ring, cqe);
	CHECK_LT(test_now_ns() - t0, 2000000000ULL);
	/* io_uring_wait_cqes() for 2 with only 1 coming: -ETIME only if none came */
	queue_nop(43);
	CHECK_EQ(io_uring_submit(&ring), 1);
	ts.tv_sec = 0;
	ts.tv_nsec = 20000000;
	CHECK_ERRNO(io_uring_wait_cqes(&ring, &cqe, 2, &ts, NULL), 0);
	CHECK_TRUE(cqe && cqe->user_data == 43);
	if (cqe)
		io_uring_cqe_seen(&ring, cqe);
	io_uring_queue_exit(&ring);
}

TEST(wait_interrupted_by_signal)
{
	struct io_uring_cqe *cqe;
	uint64_t t0;

	test_ring_init(4, &ring, 0);
	catch_alarm();
	t0 = test_now_ns();
	alarm_in_ms(50);
	CHECK_ERRNO(io_uring_enter(ring.ring_fd, 0, 1, IORING_ENTER_GETEVENTS, NULL), -EINTR);
	/* not before the signal came */
	CHECK_GE(test_now_ns() - t0, 45000000ULL);
	CHECK_GE(alarms_seen(1), 1);
	/* through the library too */
	CHECK_ERRNO(io_uring_wait_cqe(&ring, &cqe), -EINTR);
	CHECK_GE(alarms_seen(2), 2);
	no_alarm();
	io_uring_queue_exit(&ring);
}

TEST(submit_count_wins_over_eintr)
{
	int ret;

	test_ring_init(4, &ring, 0);
	catch_alarm();
	queue_nop(1);
	queue_nop(2);
	alarm_in_ms(50);
	/* 2 submitted, a wait for 3 that the signal ends: still 2 */
	ret = io_uring_submit_and_wait(&ring, 3);
	no_alarm();
	CHECK_ERRNO(ret, 2);
	CHECK_GE(alarms_seen(1), 1);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 2);
	io_uring_queue_exit(&ring);
}

TEST(interrupted_wait_with_cqe_present)
{
	int ret;

	test_ring_init(4, &ring, 0);
	catch_alarm();
	queue_nop(1);
	CHECK_EQ(io_uring_submit(&ring), 1);
	alarm_in_ms(50);
	/* one CQE there, a wait for 3 interrupted: 0, not -EINTR */
	ret = io_uring_enter(ring.ring_fd, 0, 3, IORING_ENTER_GETEVENTS, NULL);
	no_alarm();
	CHECK_ERRNO(ret, 0);
	CHECK_GE(alarms_seen(1), 1);
	io_uring_queue_exit(&ring);
}

TEST(sigmask_blocks_signal_during_wait)
{
	struct io_uring_getevents_arg arg;
	struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = 200000000 };
	sigset_t mask;
	int ret;

	test_ring_init(4, &ring, 0);
	catch_alarm();
	sigemptyset(&mask);
	sigaddset(&mask, SIGALRM);
	memset(&arg, 0, sizeof(arg));
	arg.sigmask = (__u64)(uintptr_t)&mask;
	arg.sigmask_sz = 8; /* the kernel's sigset size */
	arg.ts = (__u64)(uintptr_t)&ts;
	alarm_in_ms(30);
	ret = enter_ext(0, 1, IORING_ENTER_GETEVENTS, &arg, sizeof(arg));
	/* the alarm was held back by the mask: the wait ran to its timeout */
	CHECK_ERRNO(ret, -ETIME);
	no_alarm();
	io_uring_queue_exit(&ring);
}

TEST(sigmask_size_checked_when_waiting)
{
	sigset_t mask;
	int ret;

	test_ring_init(4, &ring, 0);
	catch_alarm();
	sigemptyset(&mask);
	alarm_in_ms(1000); /* ends the wait if the size were accepted */
	ret = io_uring_enter2(ring.ring_fd, 0, 1, IORING_ENTER_GETEVENTS, &mask, 4);
	no_alarm();
	CHECK_ERRNO(ret, -EINVAL);
	io_uring_queue_exit(&ring);
}

TEST(min_complete_clamped_to_cq_size)
{
	int ret;

	test_ring_init(8, &ring, 0);
	REQUIRE_EQ_U(ring.cq.ring_entries, 16);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 8; i++)
			queue_nop(round * 8 + i);
		CHECK_EQ(io_uring_submit(&ring), 8);
	}
	CHECK_EQ_U(io_uring_cq_ready(&ring), 16);
	catch_alarm();
	alarm_in_ms(3000); /* a wait for 100 would never end by itself */
	ret = io_uring_enter(ring.ring_fd, 0, 100, IORING_ENTER_GETEVENTS, NULL);
	no_alarm();
	CHECK_ERRNO(ret, 0);
	CHECK_EQ(alarms, 0);
	io_uring_queue_exit(&ring);
}

TEST(wait_wakes_on_async_completion)
{
	struct io_uring_cqe *cqe;
	char buf[4];
	int p[2];
	pid_t child;

	test_ring_init(4, &ring, 0);
	REQUIRE_SYS(pipe(p));
	{
		struct io_uring_sqe *sqe = test_get_sqe(&ring);

		io_uring_prep_read(sqe, p[0], buf, sizeof(buf), 0);
		io_uring_sqe_set_data64(sqe, 9);
	}
	CHECK_EQ(io_uring_submit(&ring), 1);
	child = fork();
	REQUIRE_SYS(child);
	if (child == 0) {
		test_sleep_ms(50);
		_exit(write(p[1], "ping", 4) == 4 ? 0 : 1);
	}
	/* a plain blocking wait, woken by the completion */
	REQUIRE_ERRNO(io_uring_wait_cqe(&ring, &cqe), 0);
	CHECK_EQ_U(cqe->user_data, 9);
	CHECK_EQ(cqe->res, 4);
	CHECK_MEM(buf, "ping", 4);
	io_uring_cqe_seen(&ring, cqe);
	waitpid(child, NULL, 0);
	close(p[0]);
	close(p[1]);
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(enter_bad_arguments),
		TEST_ENTRY(disabled_ring),
		TEST_ENTRY(no_iowait_wait),
		TEST_ENTRY(getevents_zero_never_blocks),
		TEST_ENTRY(ext_arg_errors),
		TEST_ENTRY(ext_arg_timeout),
		TEST_ENTRY(wait_cqe_timeout_etime),
		TEST_ENTRY(wait_interrupted_by_signal),
		TEST_ENTRY(submit_count_wins_over_eintr),
		TEST_ENTRY(interrupted_wait_with_cqe_present),
		TEST_ENTRY(sigmask_blocks_signal_during_wait),
		TEST_ENTRY(sigmask_size_checked_when_waiting),
		TEST_ENTRY(min_complete_clamped_to_cq_size),
		TEST_ENTRY(wait_wakes_on_async_completion),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
