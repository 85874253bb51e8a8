/* SPDX-License-Identifier: MIT */
/*
 * Hazard: a program with its own SIGSYS handler.  Its handler must run for
 * every SIGSYS the shim did not cause (kill, its own seccomp trap), sigaction
 * must report it back, and io_uring must keep working through the shim.
 */
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <ucontext.h>
#define RAW_SYSCALLS
#include "../raw.h"
#include "expect.h"

static volatile sig_atomic_t got, got_code, got_nr, plain_hits;

static void on_sigsys(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	got++;
	got_code = si->si_code;
	if (si->si_code == 1 /* SYS_SECCOMP */) {
		got_nr = si->si_syscall;
		/* Our own filter's trap: answer the call with 4242. */
		uc->uc_mcontext.gregs[REG_RAX] = 4242;
	}
}

static void on_plain(int sig)
{
	plain_hits++;
}

int main(void)
{
	struct sigaction sa, old;
	struct raw_ring r;
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpriority, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP | 7),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog fprog = { .len = 4, .filter = prog };
	long ret;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	REQUIRE_MSG(sigaction(SIGSYS, &sa, NULL) == 0, "sigaction");
	REQUIRE_MSG(sigaction(SIGSYS, NULL, &old) == 0 && old.sa_sigaction == on_sigsys &&
		      (old.sa_flags & SA_SIGINFO),
	      "sigaction does not report the program's handler back");

	setup_or_skip(&r, 4);
	raw_nop_roundtrip(&r, 1);
	REQUIRE_MSG(got == 0, "the program's handler ran for a served io_uring call");

	/* A SIGSYS sent by kill reaches the program's handler. */
	REQUIRE_MSG(kill(getpid(), SIGSYS) == 0, "kill");
	REQUIRE_MSG(got == 1 && got_code == SI_USER, "kill(SIGSYS): handler ran %d times, code %d",
	      (int)got, (int)got_code);

	/* The program's own seccomp trap reaches its handler, which answers it. */
	REQUIRE_MSG(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, "no_new_privs");
	REQUIRE_MSG(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) == 0, "seccomp: %s",
	      strerror(errno));
	ret = syscall(SYS_getpriority, 0, 0);
	REQUIRE_MSG(got == 2 && got_code == 1 && got_nr == SYS_getpriority && ret == 4242,
	      "own trap: handler ran %d times, nr %d, result %ld", (int)got, (int)got_nr, ret);

	/* io_uring still works, the handler stays out of it. */
	raw_nop_roundtrip(&r, 2);
	REQUIRE_MSG(got == 2, "the program's handler ran for io_uring");

	/* signal() as well, and a handler without SA_SIGINFO. */
	REQUIRE_MSG((void *)signal(SIGSYS, on_plain) == (void *)on_sigsys,
	      "signal() did not return the previous handler");
	raise(SIGSYS);
	REQUIRE_MSG(plain_hits == 1, "signal() handler not called");
	raw_nop_roundtrip(&r, 3);
	REQUIRE_MSG(plain_hits == 1, "signal() handler ran for io_uring");

	/* Blocking SIGSYS must not make io_uring fatal. */
	{
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGSYS);
		sigprocmask(SIG_BLOCK, &set, NULL);
		raw_nop_roundtrip(&r, 4);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
	}

	raw_ring_exit(&r);
	printf("sigsys: ok\n");
	return 0;
}
