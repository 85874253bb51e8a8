/* SPDX-License-Identifier: MIT */
/*
 * Hazard: SIGSYS blocked by a route other than sigprocmask().  A seccomp
 * trap in a thread that blocks SIGSYS kills the process, so every way a
 * program can put SIGSYS into its signal mask must leave it out while the
 * shim is active, and io_uring must keep working on each of them:
 *  - a signal handler installed with a full sa_mask, calling io_uring;
 *  - pthread_sigmask and sigprocmask blocking everything;
 *  - swapcontext to a context whose uc_sigmask is full;
 *  - posix_spawn with POSIX_SPAWN_SETSIGMASK of every signal (the child's
 *    execve is trapped);
 *  - a handler run out of sigsuspend, ppoll, pselect, epoll_pwait and
 *    io_uring_enter with a full temporary mask.
 * Each route runs in a child of its own, so a death names its route.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <ucontext.h>
#define RAW_SYSCALLS
#include "../raw.h"
#include "expect.h"

extern char **environ;

static struct raw_ring ring;
static volatile sig_atomic_t handled, sigsys_blocked;
static unsigned long long next_ud = 100;

/*
 * Did the handler run (once)?  ThreadSanitizer defers handlers to its next
 * interceptor: give it some (usleep is one) before looking.
 */
static bool handler_ran(void)
{
	for (int i = 0; i < 1000 && !handled; i++)
		usleep(1000);
	return handled == 1 && !sigsys_blocked;
}

static void on_usr1(int sig)
{
	sigset_t cur;

	(void)sig;
	/* the mask the handler runs with must let SIGSYS through */
	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	if (sigismember(&cur, SIGSYS))
		sigsys_blocked++;
#ifndef __SANITIZE_THREAD__
	/*
	 * ThreadSanitizer runs handlers deferred, and reports the engine's
	 * allocations in them as signal-unsafe: the mask check has to do there.
	 */
	raw_nop_roundtrip(&ring, next_ud++);
#endif
	handled++;
}

static void handler_full_mask(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigfillset(&sa.sa_mask);
	REQUIRE_MSG(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction");
	raise(SIGUSR1);
	REQUIRE_MSG(handler_ran(), "handler ran %d times", (int)handled);
}

/* pthread_sigmask and sigprocmask of every signal: everything else is blocked. */
static void block_all(void)
{
	sigset_t all, old, now;

	sigfillset(&all);
	REQUIRE_MSG(pthread_sigmask(SIG_SETMASK, &all, &old) == 0, "pthread_sigmask");
	raw_nop_roundtrip(&ring, next_ud++);
	REQUIRE_MSG(sigprocmask(SIG_SETMASK, &all, NULL) == 0, "sigprocmask");
	raw_nop_roundtrip(&ring, next_ud++);
	REQUIRE_MSG(pthread_sigmask(SIG_SETMASK, &old, &now) == 0, "pthread_sigmask");
	REQUIRE_MSG(sigismember(&now, SIGUSR1) && sigismember(&now, SIGINT), "not all blocked");
	/* the calls' own errors, and the mask left alone by them */
	REQUIRE_MSG(sigprocmask(99, &all, NULL) == -1 && errno == EINVAL, "sigprocmask(bad how)");
	REQUIRE_MSG(pthread_sigmask(99, &all, NULL) == EINVAL, "pthread_sigmask(bad how)");
	REQUIRE_MSG(pthread_sigmask(SIG_BLOCK, NULL, &now) == 0 && !sigismember(&now, SIGUSR1),
	      "mask changed by failed calls");
}

static ucontext_t main_ctx, full_ctx;

static void in_full_ctx(void)
{
	sigset_t cur;

	raw_nop_roundtrip(&ring, next_ud++);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	REQUIRE_MSG(sigismember(&cur, SIGUSR1), "the context's mask was not applied");
	handled++;
}

static void swapcontext_full_mask(void)
{
	static char stack[64 * 1024];

	REQUIRE_MSG(getcontext(&full_ctx) == 0, "getcontext");
	full_ctx.uc_stack.ss_sp = stack;
	full_ctx.uc_stack.ss_size = sizeof(stack);
	full_ctx.uc_link = &main_ctx;
	sigfillset(&full_ctx.uc_sigmask);
	makecontext(&full_ctx, in_full_ctx, 0);
	REQUIRE_MSG(swapcontext(&main_ctx, &full_ctx) == 0, "swapcontext");
	REQUIRE_MSG(handler_ran(), "the context did not run");
	raw_nop_roundtrip(&ring, next_ud++);
}

static void posix_spawn_full_mask(void)
{
	char *argv[] = { "true", NULL };
	posix_spawnattr_t attr;
	sigset_t all;
	int status;
	pid_t pid;

	sigfillset(&all);
	REQUIRE_MSG(posix_spawnattr_init(&attr) == 0, "spawnattr");
	REQUIRE_MSG(posix_spawnattr_setsigmask(&attr, &all) == 0, "setsigmask");
	REQUIRE_MSG(posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK) == 0, "setflags");
	REQUIRE_MSG(posix_spawnp(&pid, "true", NULL, &attr, argv, environ) == 0, "posix_spawn");
	REQUIRE_MSG(waitpid(pid, &status, 0) == pid, "waitpid");
	REQUIRE_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "spawned child: status %#x",
	      status);
	posix_spawnattr_destroy(&attr);
}

/* SIGUSR1 pending and blocked; mask: every signal but SIGUSR1. */
static void usr1_pending(sigset_t *mask)
{
	sigset_t set;

	signal(SIGUSR1, on_usr1);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR1);
	sigfillset(mask);
	sigdelset(mask, SIGUSR1);
}

static void sigsuspend_full_mask(void)
{
	sigset_t mask;

	usr1_pending(&mask);
	REQUIRE_MSG(sigsuspend(&mask) == -1 && errno == EINTR, "sigsuspend: %s", strerror(errno));
	REQUIRE_MSG(handler_ran(), "handler ran %d times", (int)handled);
}

static void ppoll_full_mask(void)
{
	struct timespec ts = { 5, 0 };
	sigset_t mask;

	usr1_pending(&mask);
	REQUIRE_MSG(ppoll(NULL, 0, &ts, &mask) == -1 && errno == EINTR, "ppoll: %s", strerror(errno));
	REQUIRE_MSG(handler_ran(), "handler ran %d times", (int)handled);
}

static void pselect_full_mask(void)
{
	struct timespec ts = { 5, 0 };
	sigset_t mask;

	usr1_pending(&mask);
	REQUIRE_MSG(pselect(0, NULL, NULL, NULL, &ts, &mask) == -1 && errno == EINTR, "pselect: %s",
	      strerror(errno));
	REQUIRE_MSG(handler_ran(), "handler ran %d times", (int)handled);
}

static void epoll_pwait_full_mask(void)
{
	struct epoll_event ev;
	sigset_t mask;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	REQUIRE_MSG(ep >= 0, "epoll_create1");
	usr1_pending(&mask);
	REQUIRE_MSG(epoll_pwait(ep, &ev, 1, 5000, &mask) == -1 && errno == EINTR, "epoll_pwait: %s",
	      strerror(errno));
	REQUIRE_MSG(handler_ran(), "handler ran %d times", (int)handled);
	close(ep);
}

/* A handler run out of io_uring_enter's wait with a full mask calls io_uring. */
static void enter_full_mask(void)
{
	sigset_t mask;
	int ret;

	usr1_pending(&mask);
	ret = raw_enter(ring.fd, 0, 1, IORING_ENTER_GETEVENTS, &mask, _NSIG / 8);
	REQUIRE_MSG(ret == -EINTR, "enter = %d", ret);
	REQUIRE_MSG(handler_ran(), "handler ran %d times", (int)handled);
}

static void enter_ext_arg_full_mask(void)
{
	struct __kernel_timespec ts = { 5, 0 };
	struct io_uring_getevents_arg ea;
	sigset_t mask;
	int ret;

	usr1_pending(&mask);
	memset(&ea, 0, sizeof(ea));
	ea.sigmask = (unsigned long)&mask;
	ea.sigmask_sz = _NSIG / 8;
	ea.ts = (unsigned long)&ts;
	ret = raw_enter(ring.fd, 0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &ea,
			sizeof(ea));
	REQUIRE_MSG(ret == -EINTR, "enter = %d", ret);
	REQUIRE_MSG(handler_ran(), "handler ran %d times", (int)handled);
}

static const struct {
	const char *name;
	void (*fn)(void);
} routes[] = {
	{ "handler with a full sa_mask", handler_full_mask },
	{ "pthread_sigmask and sigprocmask blocking everything", block_all },
	{ "swapcontext to a full mask", swapcontext_full_mask },
	{ "posix_spawn with POSIX_SPAWN_SETSIGMASK of everything", posix_spawn_full_mask },
	{ "handler out of sigsuspend with a full mask", sigsuspend_full_mask },
	{ "handler out of ppoll with a full mask", ppoll_full_mask },
	{ "handler out of pselect with a full mask", pselect_full_mask },
	{ "handler out of epoll_pwait with a full mask", epoll_pwait_full_mask },
	{ "handler out of io_uring_enter with a full mask", enter_full_mask },
	{ "handler out of io_uring_enter (EXT_ARG) with a full mask", enter_ext_arg_full_mask },
};

int main(void)
{
	int failed = 0;

	setup_or_skip(&ring, 8);
	raw_nop_roundtrip(&ring, 1);
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		int status;
		pid_t pid;

		fflush(stdout);
		pid = fork();

		REQUIRE_MSG(pid >= 0, "fork");
		if (pid == 0) {
			alarm(20);
			/* a ring of the child's own: an inherited engine ring is not its to use */
			raw_ring_exit(&ring);
			REQUIRE_MSG(raw_ring_init(&ring, 8, NULL) == 0, "child: setup");
			expect_kind(ring.fd);
			routes[i].fn();
			raw_nop_roundtrip(&ring, 2);
			raw_ring_exit(&ring);
			exit(0);
		}
		REQUIRE_MSG(waitpid(pid, &status, 0) == pid, "waitpid");
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			printf("ok: %s\n", routes[i].name);
		} else {
			printf("FAILED: %s: %s %d\n", routes[i].name,
			       WIFSIGNALED(status) ? "killed by signal" : "exit status",
			       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
			failed++;
		}
	}
	raw_ring_exit(&ring);
	if (failed)
		return 1;
	printf("sigmask: ok\n");
	return 0;
}
