/* SPDX-License-Identifier: MIT */
/*
 * Waiting in io_uring_enter(): EXT_ARG's min_wait_usec (IORING_FEAT_MIN_TIMEOUT),
 * IORING_ENTER_ABS_TIMER on the clock IORING_REGISTER_CLOCK chooses, and the
 * library's calls over them (io_uring_wait_cqes_min_timeout(),
 * io_uring_submit_and_wait_min_timeout(), io_uring_register_clock()).
 *
 * What the kernel does with a minimum wait: it waits up to min_wait for
 * min_complete CQEs (a shorter timeout is stretched to it); then it returns
 * if there is no timeout, or a CQE was posted since the wait began, or the
 * CQ holds one; otherwise it waits for the first CQE until the timeout.
 *
 * Timing checks have generous lower bounds and upper bounds of seconds (far
 * below the 20 s timeouts that tell the behaviours apart).  A SIGALRM
 * watchdog turns a wait that never ends into -EINTR.
 */
#include "harness.h"

#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

#define MS 1000000ULL

static struct io_uring ring;
static int pipefd[2];
static char rbuf[8];

static void on_alarm(int sig)
{
	(void)sig;
}

/* A wait that does not end by itself is interrupted within sec seconds
 * (a repeating timer: every such wait of the case is). */
static void watchdog(unsigned sec)
{
	struct itimerval it = { .it_value.tv_sec = sec, .it_interval.tv_sec = sec };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART: enter returns -EINTR */
	REQUIRE_SYS(sigaction(SIGALRM, &sa, NULL));
	REQUIRE_SYS(setitimer(ITIMER_REAL, &it, NULL));
}

static void watchdog_off(void)
{
	struct itimerval it = { 0 };

	setitimer(ITIMER_REAL, &it, NULL);
}

static int enter_wait(unsigned min_complete, unsigned min_wait_usec,
		      const struct __kernel_timespec *ts, unsigned flags)
{
	struct io_uring_getevents_arg arg = {
		.sigmask_sz = 8,
		.min_wait_usec = min_wait_usec,
		.ts = (__u64)(uintptr_t)ts,
	};

	return io_uring_enter2(ring.ring_fd, 0, min_complete,
			       IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG | flags,
			       (sigset_t *)&arg, sizeof(arg));
}

/* enter_wait(), checked to answer want: how long it took (ns) */
static uint64_t timed_wait(unsigned min_complete, unsigned min_wait_usec,
			   const struct __kernel_timespec *ts, unsigned flags, int want)
{
	uint64_t t0 = test_now_ns();

	CHECK_ERRNO(enter_wait(min_complete, min_wait_usec, ts, flags), want);
	return test_now_ns() - t0;
}

/* a wait that lasted at least min_ns and ended by itself (not at the 20 s
 * timeouts the cases give, nor the watchdog) */
static void check_took(uint64_t dt, uint64_t min_ns)
{
	CHECK_GE(dt, min_ns);
	CHECK_LT(dt, 5000 * MS);
}

static void queue_nop(__u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, user_data);
}

/* A read of the pipe: its CQE comes when the writer thread writes. */
static void arm_pipe_read(void)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_read(sqe, pipefd[0], rbuf, 1, 0);
	io_uring_sqe_set_data64(sqe, 7);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
}

static void *writer(void *arg)
{
	test_sleep_ms((unsigned)(uintptr_t)arg);
	if (write(pipefd[1], "x", 1) != 1)
		abort();
	return NULL;
}

static void start_writer(pthread_t *th, unsigned after_ms)
{
	REQUIRE_EQ(pthread_create(th, NULL, writer, (void *)(uintptr_t)after_ms), 0);
}

static void setup(unsigned flags)
{
	test_ring_init(8, &ring, flags);
	REQUIRE_SYS(pipe(pipefd));
}

static void teardown(void)
{
	watchdog_off();
	io_uring_queue_exit(&ring);
	close(pipefd[0]);
	close(pipefd[1]);
}

static struct __kernel_timespec ms_ts(unsigned ms)
{
	struct __kernel_timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000LL };

	return ts;
}

TEST(min_timeout_feature)
{
	setup(0);
	CHECK_MSG(ring.features & IORING_FEAT_MIN_TIMEOUT, "features %#x", ring.features);
	teardown();
}

/* min_wait without a timeout: a timeout of its own */
TEST(min_wait_alone_times_out)
{
	setup(0);
	watchdog(10);
	check_took(timed_wait(1, 100000, NULL, 0, -ETIME), 90 * MS);
	/* the same with a CQE there (fewer than asked for): 0 */
	queue_nop(1);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	CHECK_GE(timed_wait(2, 100000, NULL, 0, 0), 90 * MS);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 1);
	teardown();
}

/* CQEs in the CQ (fewer than min_complete) when min_wait ends: return */
TEST(min_wait_returns_with_cqes)
{
	struct __kernel_timespec ts = ms_ts(20000);

	setup(0);
	watchdog(10);
	queue_nop(1);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	check_took(timed_wait(2, 100000, &ts, 0, 0), 90 * MS);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 1);
	teardown();
}

/* nothing by the end of min_wait: the first CQE after it ends the wait */
TEST(min_wait_then_first_cqe)
{
	struct __kernel_timespec ts = ms_ts(20000);
	uint64_t dt;
	pthread_t th;

	setup(0);
	watchdog(10);
	arm_pipe_read();
	start_writer(&th, 300);
	dt = timed_wait(3, 50000, &ts, 0, 0);
	pthread_join(th, NULL);
	check_took(dt, 250 * MS);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 1);
	teardown();
}

/* a CQE before min_wait ends, fewer than asked: the wait lasts min_wait */
TEST(min_wait_holds_after_early_cqe)
{
	struct __kernel_timespec ts = ms_ts(20000);
	uint64_t dt;
	pthread_t th;

	setup(0);
	watchdog(10);
	arm_pipe_read();
	start_writer(&th, 20);
	dt = timed_wait(2, 300000, &ts, 0, 0);
	pthread_join(th, NULL);
	check_took(dt, 280 * MS);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 1);
	teardown();
}

/* min_complete reached: no waiting for min_wait */
TEST(min_wait_count_reached_early)
{
	struct __kernel_timespec ts = ms_ts(20000);
	pthread_t th;

	setup(0);
	watchdog(10);
	arm_pipe_read();
	start_writer(&th, 50);
	CHECK_LT(timed_wait(1, 8000000, &ts, 0, 0), 5000 * MS);
	pthread_join(th, NULL);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 1);
	/* and with them there already, no wait at all */
	queue_nop(2);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	CHECK_LT(timed_wait(2, 8000000, &ts, 0, 0), 5000 * MS);
	teardown();
}

static void *writer_us(void *arg)
{
	struct timespec d = { 0, (long)(uintptr_t)arg * 1000 };

	nanosleep(&d, NULL);
	if (write(pipefd[1], "x", 1) != 1)
		abort();
	return NULL;
}

/*
 * The CQE races the end of min_wait (posted just before, during or just after
 * the switch to waiting for the first CQE): it is never missed, the wait ends
 * with it, not at a later wake-up or the timeout.
 */
TEST(min_wait_end_races_cqe)
{
	struct __kernel_timespec ts = ms_ts(20000);
	unsigned slow = 0;

	setup(0);
	watchdog(30);
	for (unsigned i = 0; i < 200 && !test_case_failed(); i++) {
		unsigned us = 500 + (i % 20) * 50;
		pthread_t th;
		uint64_t dt;

		arm_pipe_read();
		REQUIRE_EQ(pthread_create(&th, NULL, writer_us, (void *)(uintptr_t)us), 0);
		dt = timed_wait(2, 1000, &ts, 0, 0);
		pthread_join(th, NULL);
		CHECK_EQ_U(io_uring_cq_ready(&ring), 1);
		io_uring_cq_advance(&ring, io_uring_cq_ready(&ring));
		/* a missed CQE costs a second's sleep slice, or the 20 s timeout;
		 * a loaded machine may stall a few iterations as long */
		if (dt > 900 * MS)
			slow++;
	}
	CHECK_LT(slow, 10U);
	teardown();
}

/* a timeout shorter than min_wait is stretched to it */
TEST(min_wait_outlasts_short_timeout)
{
	struct __kernel_timespec ts = ms_ts(50);

	setup(0);
	watchdog(10);
	CHECK_GE(timed_wait(1, 250000, &ts, 0, -ETIME), 240 * MS);
	/* a zero timeout too */
	ts = ms_ts(0);
	CHECK_GE(timed_wait(1, 100000, &ts, 0, -ETIME), 90 * MS);
	teardown();
}

/* nothing at all: the timeout ends it, not min_wait */
TEST(min_wait_then_timeout)
{
	struct __kernel_timespec ts = ms_ts(300);

	setup(0);
	watchdog(10);
	check_took(timed_wait(2, 50000, &ts, 0, -ETIME), 290 * MS);
	teardown();
}

/* SQPOLL rings wait the same way */
TEST(min_wait_sqpoll)
{
	struct __kernel_timespec ts = ms_ts(20000);

	setup(IORING_SETUP_SQPOLL);
	watchdog(10);
	CHECK_GE(timed_wait(1, 100000, NULL, 0, -ETIME), 90 * MS);
	queue_nop(1);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	check_took(timed_wait(2, 100000, &ts, 0, 0), 90 * MS);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 1);
	teardown();
}

static int register_clock(unsigned clockid, unsigned resv2, unsigned nr)
{
	struct io_uring_clock_register reg = { .clockid = clockid };

	reg.__resv[2] = resv2;
	return io_uring_register(ring.ring_fd, IORING_REGISTER_CLOCK, &reg, nr);
}

TEST(register_clock_errors)
{
	setup(0);
	CHECK_ERRNO(register_clock(CLOCK_BOOTTIME, 0, 0), 0);
	CHECK_ERRNO(register_clock(CLOCK_MONOTONIC, 0, 0), 0);
	CHECK_ERRNO(register_clock(CLOCK_BOOTTIME, 0, 1), -EINVAL);
	CHECK_ERRNO(register_clock(CLOCK_BOOTTIME, 1, 0), -EINVAL);
	CHECK_ERRNO(register_clock(CLOCK_REALTIME, 0, 0), -EINVAL);
	CHECK_ERRNO(register_clock(CLOCK_MONOTONIC_RAW, 0, 0), -EINVAL);
	CHECK_ERRNO(register_clock(CLOCK_TAI, 0, 0), -EINVAL);
	CHECK_ERRNO(io_uring_register(ring.ring_fd, IORING_REGISTER_CLOCK, NULL, 0), -EINVAL);
	CHECK_ERRNO(io_uring_register(ring.ring_fd, IORING_REGISTER_CLOCK, (void *)8, 0), -EFAULT);
	teardown();
}

static struct __kernel_timespec clock_in_ms(clockid_t clock, unsigned ms)
{
	struct timespec now;
	struct __kernel_timespec ts;

	clock_gettime(clock, &now);
	ts.tv_sec = now.tv_sec + ms / 1000;
	ts.tv_nsec = now.tv_nsec + (ms % 1000) * 1000000LL;
	if (ts.tv_nsec >= 1000000000LL) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000LL;
	}
	return ts;
}

TEST(abs_timer_monotonic)
{
	struct __kernel_timespec ts = clock_in_ms(CLOCK_MONOTONIC, 150);
	uint64_t t0 = test_now_ns();

	setup(0);
	watchdog(10);
	CHECK_ERRNO(enter_wait(1, 0, &ts, IORING_ENTER_ABS_TIMER), -ETIME);
	CHECK_GE(test_now_ns() - t0, 140 * MS);
	/* in the past now: at once */
	CHECK_LT(timed_wait(1, 0, &ts, IORING_ENTER_ABS_TIMER, -ETIME), 5000 * MS);
	/* with a min_wait, on the same clock (relative to the start) */
	ts = clock_in_ms(CLOCK_MONOTONIC, 50);
	CHECK_GE(timed_wait(1, 200000, &ts, IORING_ENTER_ABS_TIMER, -ETIME), 190 * MS);
	teardown();
}

TEST(abs_timer_boottime)
{
	struct timespec mono, boot;
	struct __kernel_timespec ts;

	setup(0);
	watchdog(10);
	REQUIRE_ERRNO(register_clock(CLOCK_BOOTTIME, 0, 0), 0);
	ts = clock_in_ms(CLOCK_BOOTTIME, 150);
	CHECK_GE(timed_wait(1, 0, &ts, IORING_ENTER_ABS_TIMER, -ETIME), 140 * MS);
	/*
	 * After a suspend the clocks differ: then a MONOTONIC time a second
	 * ahead is long past on BOOTTIME.  (Where they do not, nothing tells
	 * them apart.)
	 */
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	if (boot.tv_sec - mono.tv_sec > 10) {
		ts = clock_in_ms(CLOCK_MONOTONIC, 8000);
		CHECK_LT(timed_wait(1, 0, &ts, IORING_ENTER_ABS_TIMER, -ETIME), 5000 * MS);
	}
	/* relative timeouts measure the same on either clock */
	ts = ms_ts(100);
	CHECK_GE(timed_wait(1, 0, &ts, 0, -ETIME), 90 * MS);
	teardown();
}

TEST(library_min_timeout_calls)
{
	struct __kernel_timespec ts = ms_ts(20000);
	struct io_uring_clock_register clk = { .clockid = CLOCK_BOOTTIME };
	struct io_uring_cqe *cqe = NULL;
	uint64_t t0, dt;
	int ret;

	setup(0);
	watchdog(10);
	/* a NOP already there, two asked for: back after the minimum */
	queue_nop(11);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	t0 = test_now_ns();
	CHECK_ERRNO(io_uring_wait_cqes_min_timeout(&ring, &cqe, 2, &ts, 100000, NULL), 0);
	dt = test_now_ns() - t0;
	check_took(dt, 90 * MS);
	REQUIRE_TRUE(cqe != NULL);
	CHECK_EQ_U(cqe->user_data, 11);
	io_uring_cqe_seen(&ring, cqe);

	/* submitted by the call, then the same */
	queue_nop(12);
	cqe = NULL;
	t0 = test_now_ns();
	ret = io_uring_submit_and_wait_min_timeout(&ring, &cqe, 2, &ts, 100000, NULL);
	dt = test_now_ns() - t0;
	CHECK_GE(ret, 0);
	check_took(dt, 90 * MS);
	REQUIRE_TRUE(cqe != NULL);
	CHECK_EQ_U(cqe->user_data, 12);
	io_uring_cqe_seen(&ring, cqe);

	/* min_wait alone: -ETIME after it */
	t0 = test_now_ns();
	CHECK_ERRNO(io_uring_wait_cqes_min_timeout(&ring, &cqe, 1, NULL, 100000, NULL), -ETIME);
	CHECK_GE(test_now_ns() - t0, 90 * MS);

	CHECK_ERRNO(io_uring_register_clock(&ring, &clk), 0);
	clk.clockid = CLOCK_REALTIME;
	CHECK_ERRNO(io_uring_register_clock(&ring, &clk), -EINVAL);
	teardown();
}

static volatile sig_atomic_t usr1_seen;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_seen++;
}

/* The handler's count once n have run: under ThreadSanitizer a handler runs
 * at the next interception point, a little after the call returned. */
static int usr1_count(int n)
{
	for (int i = 0; i < 1000 && usr1_seen < n; i++)
		test_sleep_ms(1);
	return usr1_seen;
}

/*
 * The sigmask of the waiting calls replaces the thread's during the wait: a
 * SIGUSR1 pending but blocked is delivered then, and ends the wait (-EINTR);
 * without a sigmask it stays blocked and the wait runs out.
 */
TEST(wait_sigmask)
{
	struct __kernel_timespec ts = ms_ts(200), long_ts = ms_ts(20000);
	struct io_uring_cqe *cqe = NULL;
	sigset_t block, old, open_set;
	struct sigaction sa;
	uint64_t t0;

	setup(0);
	watchdog(10);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	REQUIRE_SYS(sigaction(SIGUSR1, &sa, NULL));
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	REQUIRE_EQ(pthread_sigmask(SIG_BLOCK, &block, &old), 0);
	sigemptyset(&open_set);
	usr1_seen = 0;
	REQUIRE_EQ(pthread_kill(pthread_self(), SIGUSR1), 0);

	/* no sigmask: still blocked, the time runs out */
	CHECK_ERRNO(io_uring_wait_cqes(&ring, &cqe, 1, &ts, NULL), -ETIME);
	CHECK_EQ(usr1_seen, 0);
	/* with one: delivered at once */
	t0 = test_now_ns();
	CHECK_ERRNO(io_uring_wait_cqes(&ring, &cqe, 1, &long_ts, &open_set), -EINTR);
	CHECK_LT(test_now_ns() - t0, 5000 * MS);
	CHECK_EQ(usr1_count(1), 1);
	/* untimed, and through the other calls */
	REQUIRE_EQ(pthread_kill(pthread_self(), SIGUSR1), 0);
	CHECK_ERRNO(io_uring_wait_cqes(&ring, &cqe, 1, NULL, &open_set), -EINTR);
	CHECK_EQ(usr1_count(2), 2);
	REQUIRE_EQ(pthread_kill(pthread_self(), SIGUSR1), 0);
	CHECK_ERRNO(io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &long_ts, &open_set), -EINTR);
	CHECK_EQ(usr1_count(3), 3);
	REQUIRE_EQ(pthread_kill(pthread_self(), SIGUSR1), 0);
	CHECK_ERRNO(io_uring_wait_cqes_min_timeout(&ring, &cqe, 1, &long_ts, 100000, &open_set),
		    -EINTR);
	CHECK_EQ(usr1_count(4), 4);
	REQUIRE_EQ(pthread_kill(pthread_self(), SIGUSR1), 0);
	CHECK_ERRNO(
		io_uring_submit_and_wait_min_timeout(&ring, &cqe, 1, &long_ts, 100000, &open_set),
		-EINTR);
	CHECK_EQ(usr1_count(5), 5);
	/* the thread's mask is its own again */
	REQUIRE_EQ(pthread_sigmask(SIG_SETMASK, NULL, &open_set), 0);
	CHECK_TRUE(sigismember(&open_set, SIGUSR1));
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	signal(SIGUSR1, SIG_DFL);
	teardown();
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(min_timeout_feature),
		TEST_ENTRY(min_wait_alone_times_out),
		TEST_ENTRY(min_wait_returns_with_cqes),
		TEST_ENTRY(min_wait_then_first_cqe),
		TEST_ENTRY(min_wait_holds_after_early_cqe),
		TEST_ENTRY(min_wait_count_reached_early),
		TEST_ENTRY(min_wait_end_races_cqe),
		TEST_ENTRY(min_wait_outlasts_short_timeout),
		TEST_ENTRY(min_wait_then_timeout),
		TEST_ENTRY(min_wait_sqpoll),
		TEST_ENTRY(register_clock_errors),
		TEST_ENTRY(abs_timer_monotonic),
		TEST_ENTRY(abs_timer_boottime),
		TEST_ENTRY(library_min_timeout_calls),
		TEST_ENTRY(wait_sigmask),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
