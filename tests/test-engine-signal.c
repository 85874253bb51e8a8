// SPDX-License-Identifier: MIT
/*
 * Waiting and signals: a handled signal ends
 * a wait on an empty CQ with -EINTR, even for an SA_RESTART handler; with a
 * CQE present the wait gives 0; a non-zero submit count wins over the
 * interruption; a signal blocked by the enter's sigmask does not interrupt
 * (the wait times out).  Runs on both backends.
 */
#include <signal.h>
#include <sys/time.h>

#include "raw.h"

static volatile sig_atomic_t hits;

static void on_alarm(int sig)
{
	hits++;
}

/* a sanitizer runtime may deliver the handler a little after the syscall */
static void wait_hits(int n)
{
	for (int i = 0; i < 200 && hits < n; i++)
		usleep(1000);
}

/*
 * SIGALRM after ms, then every ms until disarmed: a wait that starts after
 * the first one (a loaded machine) is still interrupted, instead of hanging.
 */
static void arm_alarm(int ms)
{
	struct itimerval it = { .it_value = { .tv_sec = 0, .tv_usec = ms * 1000 } };

	it.it_interval = it.it_value;
	setitimer(ITIMER_REAL, &it, NULL);
}

static void disarm_alarm(void)
{
	struct itimerval it = { 0 };

	setitimer(ITIMER_REAL, &it, NULL);
}

TEST(signals_end_waits)
{
	struct sigaction sa;
	struct raw_ring r;
	struct io_uring_cqe c;
	int ret, before;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	raw_skip_if_refused(raw_ring_init(&r, 8, NULL));

	arm_alarm(30);
	ret = raw_enter(r.fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0);
	disarm_alarm();
	CHECK_EQ(ret, -EINTR);
	wait_hits(1);
	CHECK_MSG(hits >= 1, "%d signals handled", (int)hits);

	/* one CQE present, wait for 3: the signal ends the wait with 0 */
	raw_nop(&r, 1, 0);
	CHECK_EQ(raw_submit(&r, 1, 0, 0), 1);
	before = hits;
	arm_alarm(30);
	ret = raw_enter(r.fd, 0, 3, IORING_ENTER_GETEVENTS, NULL, 0);
	disarm_alarm();
	CHECK_EQ(ret, 0);
	wait_hits(before + 1);
	CHECK_MSG(hits > before, "no signal handled");
	CHECK_MSG(raw_pop(&r, &c), "cqe");

	/* submit 1, wait for 3: the count wins */
	raw_nop(&r, 2, 0);
	before = hits;
	arm_alarm(30);
	ret = raw_submit(&r, 1, 3, IORING_ENTER_GETEVENTS);
	disarm_alarm();
	CHECK_EQ(ret, 1);
	wait_hits(before + 1);
	CHECK_MSG(hits > before, "no signal handled");
	CHECK_MSG(raw_pop(&r, &c), "cqe");

	/* SIGALRM blocked by the enter's mask: the wait runs to its timeout */
	{
		struct io_uring_getevents_arg ea;
		struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = 100 * 1000000 };
		sigset_t m;
		uint64_t kmask;

		sigemptyset(&m);
		sigaddset(&m, SIGALRM);
		memcpy(&kmask, &m, sizeof(kmask));
		memset(&ea, 0, sizeof(ea));
		ea.sigmask = (uintptr_t)&kmask;
		ea.sigmask_sz = 8;
		ea.ts = (uintptr_t)&ts;
		before = hits;
		arm_alarm(20);
		ret = raw_enter(r.fd, 0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &ea,
			      sizeof(ea));
		disarm_alarm();
		CHECK_EQ(ret, -ETIME);
		/* the pending signal is delivered once the caller's mask is back */
		wait_hits(before + 1);
		CHECK_MSG(hits > before, "no signal handled");
		/* and a bad sigmask pointer when the call waits: -EFAULT */
		ea.sigmask = 8;
		CHECK_EQ(raw_enter(r.fd, 0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &ea,
				 sizeof(ea)),
			 -EFAULT);
	}
	raw_ring_exit(&r);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(signals_end_waits),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
