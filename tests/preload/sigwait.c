/* SPDX-License-Identifier: MIT */
/*
 * Hazard: a signal arrives while a trapped io_uring_enter waits.  The wait
 * must end with -EINTR (the CQ is empty), with or without SA_RESTART, the
 * program's handler must run during the wait (the shim's SIGSYS handler does
 * not block other signals), and a handler that itself calls io_uring while
 * the shim is mid-call must work.
 */
#include <pthread.h>
#include <sys/time.h>
#define RAW_SYSCALLS
#include "../raw.h"
#include "expect.h"

static struct raw_ring r2;
static volatile sig_atomic_t hits, nested_ok;

static void on_alarm(int sig)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe cqe;

	hits++;
#ifdef __SANITIZE_THREAD__
	/*
	 * ThreadSanitizer defers handlers to its next interceptor and runs
	 * them with every signal blocked, SIGSYS included: a trap there is
	 * fatal, as it would be for any program that blocks SIGSYS itself.
	 */
	nested_ok++;
	return;
#endif
	/* io_uring from a handler that interrupted a trapped enter */
	sqe = raw_sqe(&r2);
	sqe->opcode = IORING_OP_NOP;
	sqe->user_data = 5;
	raw_publish(&r2);
	if (raw_enter(r2.fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, _NSIG / 8) == 1 &&
	    raw_pop(&r2, &cqe) && cqe.user_data == 5)
		nested_ok++;
}

static void wait_interrupted(struct raw_ring *r, int flags)
{
	struct sigaction sa;
	/* repeating: a wait that starts after the first alarm is still interrupted */
	struct itimerval it = { .it_value = { .tv_usec = 100 * 1000 },
				.it_interval = { .tv_usec = 100 * 1000 } };
	struct itimerval off = { 0 };
	int before = hits, ret;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = flags;
	REQUIRE_MSG(sigaction(SIGALRM, &sa, NULL) == 0, "sigaction");
	REQUIRE_MSG(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer");
	ret = raw_enter(r->fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, _NSIG / 8);
	setitimer(ITIMER_REAL, &off, NULL);
	REQUIRE_MSG(ret == -EINTR, "wait with %s: %d (%s), expected -EINTR",
	      flags ? "SA_RESTART" : "no SA_RESTART", ret, ret < 0 ? strerror(-ret) : "");
	/*
	 * The handler has run by now; under ThreadSanitizer, which defers
	 * signals to its next interceptor, give it that chance.
	 */
	for (int i = 0; i < 1000 && hits == before; i++)
		usleep(1000);
	REQUIRE_MSG(hits > before, "the handler did not run");
	REQUIRE_MSG(nested_ok == hits, "io_uring inside the handler failed");
}

static void *blocker(void *arg)
{
	struct raw_ring *r = arg;

	/* Blocks in a trapped wait until the main thread's NOP completes it below. */
	return (void *)(long)raw_enter(r->fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, _NSIG / 8);
}

int main(void)
{
	struct raw_ring r;
	struct io_uring_sqe *sqe;
	pthread_t th;
	void *res;

	setup_or_skip(&r, 4);
	REQUIRE_MSG(raw_ring_init(&r2, 4, NULL) == 0, "second ring");
	alarm(0);
	wait_interrupted(&r, 0);
	wait_interrupted(&r, SA_RESTART);

	/* A thread waiting in a trapped enter is woken by a completion from another thread. */
	REQUIRE_MSG(pthread_create(&th, NULL, blocker, &r) == 0, "pthread_create");
	usleep(50 * 1000);
	sqe = raw_sqe(&r);
	sqe->opcode = IORING_OP_NOP;
	sqe->user_data = 6;
	raw_publish(&r);
	REQUIRE_MSG(raw_enter(r.fd, 1, 0, 0, NULL, 0) == 1, "submit nop");
	REQUIRE_MSG(pthread_join(th, &res) == 0 && (long)res == 0, "blocked waiter got %ld", (long)res);

	raw_ring_exit(&r2);
	raw_ring_exit(&r);
	printf("sigwait: ok\n");
	return 0;
}
