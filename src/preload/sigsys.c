/* SPDX-License-Identifier: MIT */
/*
 * The SIGSYS handler: a trap of ours is served (serve.c, rings.c, fdtrap.c,
 * exec.c), any other SIGSYS goes to the program's own disposition; and
 * SIGSYS never blocked in the masks the shim passes to the kernel.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <ucontext.h>
#include <unistd.h>

#include "engine/api.h"
#include "preload/preload.h"

#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1 /* si_code of a seccomp trap */
#endif

/* --- SIGSYS never blocked ------------------------------------------------- */

/*
 * A seccomp trap in a thread that blocks SIGSYS kills the process (the
 * kernel unblocks a forced signal and resets it to the default action).  So
 * no mask a program sets may hold SIGSYS: the exported wrappers of the libc
 * calls that set one take it out (signals.c), and so does the re-issued
 * io_uring_enter of a kernel ring (its wait's mask).  The calls are not
 * trapped: a trap in an exec'd program before the shim's constructor has
 * installed the handler (a library constructor creating a thread, a
 * sanitizer runtime installing its handlers) would kill it.
 */
#define SIGBIT(sig) (1ULL << ((sig) - 1))
#define KSIGSET_SIZE 8 /* the kernel's sigset_t on x86_64 */

static uint64_t no_sigsys(uint64_t mask)
{
	return mask & ~SIGBIT(SIGSYS);
}

/* Copy from the program's memory, 0 or -EFAULT, async-signal-safe. */
static int peek(void *dst, long src, size_t len)
{
	struct iovec local = { dst, len }, remote = { (void *)src, len };
	long ret;

	if (!src)
		return -EFAULT;
	ret = sys(SYS_process_vm_readv, sys(SYS_getpid, 0, 0, 0, 0, 0, 0), (long)&local, 1,
		  (long)&remote, 1, 0);
	if (ret == (long)len)
		return 0;
	if (ret == -EPERM || ret == -ENOSYS) {
		/* process_vm_* refused (a container profile): as glibc would touch it */
		memcpy(dst, (const void *)src, len);
		return 0;
	}
	return -EFAULT;
}

/*
 * A mask argument for the kernel: a copy without SIGSYS in *buf, or the
 * program's own pointer when the kernel will refuse it anyway (wrong size,
 * unreadable), so the error and its order stay the kernel's.
 */
static long mask_arg(long ptr, long size, uint64_t *buf)
{
	if (!ptr || size != KSIGSET_SIZE || peek(buf, ptr, sizeof(*buf)))
		return ptr;
	*buf = no_sigsys(*buf);
	return (long)buf;
}

/*
 * The argument of an io_uring_enter that waits, with its signal mask (a
 * sigset_t, or IORING_ENTER_EXT_ARG's) copied without SIGSYS into *ea and
 * *buf: the mask applies during the wait, to the handlers run out of it too.
 */
long enter_arg(long flags, long arg, long argsz, struct io_uring_getevents_arg *ea,
		      uint64_t *buf)
{
	if (!arg || !(flags & IORING_ENTER_GETEVENTS))
		return arg;
	if (!(flags & IORING_ENTER_EXT_ARG))
		return mask_arg(arg, argsz, buf);
	if (!(flags & IORING_ENTER_EXT_ARG_REG) && argsz == sizeof(*ea) &&
	    !peek(ea, arg, sizeof(*ea)) && ea->sigmask &&
	    mask_arg((long)ea->sigmask, ea->sigmask_sz, buf) == (long)buf) {
		ea->sigmask = (uint64_t)(uintptr_t)buf;
		return (long)ea;
	}
	return arg;
}

void ringer_preload_setmask_all(const sigset_t *set, sigset_t *old)
{
	sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)set, (long)old, KSIGSET_SIZE, 0, 0);
}

/* The shim's own sigprocmask for the exported wrappers: no trap (signals.c). */
int ringer_preload_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	uint64_t buf;
	long ret;

	if (!shim_stub)
		return -ENOSYS;
	ret = sys(SYS_rt_sigprocmask, how, mask_arg((long)set, KSIGSET_SIZE, &buf), (long)old,
		  KSIGSET_SIZE, 0, 0);
	return (int)ret;
}

/* --- SIGSYS -------------------------------------------------------------- */

bool ringer_preload_resume_ok;

/* preload.c: restores the FPU state and the registers of gregs, never returns. */
void ringer_preload_resume(const greg_t *gregs, const void *fpstate, uint64_t rfbm)
	__attribute__((noreturn));

/* ringer_preload_resume's register offsets are glibc's gregs indices. */
_Static_assert(REG_R8 == 0 && REG_R15 == 7 && REG_RDI == 8 && REG_RSI == 9 && REG_RBP == 10 &&
		       REG_RBX == 11 && REG_RDX == 12 && REG_RAX == 13 && REG_RCX == 14 &&
		       REG_RSP == 15 && REG_RIP == 16 && REG_EFL == 17,
	       "gregs layout");

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31) /* the kernel's sigaltstack flag */
#endif
#define RESUME_COPY	  (17 * 8) /* bytes ringer_preload_resume copies below the red zone */
#define UC_FP_XSTATE_FLAG 0x1 /* uc_flags: the frame's FPU area is in XSAVE format */
#define SW_BYTES_OFFSET	  464 /* struct _fpx_sw_bytes in the FXSAVE area's software bytes */

/*
 * The end of a trap of ours.  The kernel's rt_sigreturn restores the
 * registers, the FPU state, the signal mask and the alternate stack from the
 * frame, and costs a round trip into the kernel, as much as the trap's own
 * entry.  Here only the registers and the FPU state can differ from the
 * frame's: the handler is SA_NODEFER with an empty sa_mask, so the mask it
 * runs with is the frame's (whatever changes it in between, a wait's mask,
 * lock_rings(), a program's handler run on top, puts it back), and it runs on
 * the interrupted code's stack.  So they are restored here, in user space,
 * and the kernel's return is kept where more may differ: an FPU area in
 * another format than XSAVE's, an alternate stack the delivery disarmed
 * (SS_AUTODISARM), a shadow stack or a sanitizer (ringer_preload_resume_ok),
 * and any SIGSYS that is not ours (the program's
 * handler may edit the frame's mask).
 */
static void resume(ucontext_t *uc)
{
	const char *fp = (const char *)uc->uc_mcontext.fpregs;
	struct _fpx_sw_bytes sw;
	uint32_t magic2;

	if (!ringer_preload_resume_ok || !(uc->uc_flags & UC_FP_XSTATE_FLAG) || !fp ||
	    (uc->uc_stack.ss_flags & SS_AUTODISARM))
		return;
	memcpy(&sw, fp + SW_BYTES_OFFSET, sizeof(sw));
	if (sw.magic1 != FP_XSTATE_MAGIC1 || sw.extended_size < sizeof(magic2))
		return;
	memcpy(&magic2, fp + sw.extended_size - sizeof(magic2), sizeof(magic2));
	if (magic2 != FP_XSTATE_MAGIC2)
		return;
	/*
	 * ringer_preload_resume copies the registers to just below the red
	 * zone, into the FPU area above them, read by then: never over them.
	 */
	if ((uintptr_t)uc->uc_mcontext.gregs[REG_RSP] - 128 - RESUME_COPY <
	    (uintptr_t)&uc->uc_mcontext.gregs[REG_EFL + 1])
		return;
	ringer_preload_resume(uc->uc_mcontext.gregs, fp, sw.xstate_bv);
}

/* A SIGSYS that is not ours: what the program asked for. */
static void chain(int sig, siginfo_t *si, void *uc)
{
	struct sigaction app;
	sigset_t old;

	/* The wrapper holds the lock with every signal blocked: no re-entry on this thread. */
	pthread_mutex_lock(&ringer_preload_app_lock);
	app = ringer_preload_app_sigsys;
	if ((app.sa_flags & SA_RESETHAND) && app.sa_handler != SIG_DFL &&
	    app.sa_handler != SIG_IGN) {
		ringer_preload_app_sigsys.sa_handler = SIG_DFL;
		ringer_preload_app_sigsys.sa_flags &= ~SA_SIGINFO;
	}
	pthread_mutex_unlock(&ringer_preload_app_lock);
	if (app.sa_handler == SIG_IGN && si->si_code != SYS_SECCOMP)
		return;
	if (app.sa_handler == SIG_DFL || app.sa_handler == SIG_IGN) {
		/*
		 * The default action (a core dump), as without the shim: a
		 * seccomp trap cannot be ignored.  Reinstate SIG_DFL and let
		 * the signal come again, unblocked.
		 */
		struct ksigaction dfl = { .handler = SIG_DFL };
		sigset_t set;

		sys(SYS_rt_sigaction, SIGSYS, (long)&dfl, 0, 8, 0, 0);
		sigemptyset(&set);
		sigaddset(&set, SIGSYS);
		sys(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&set, 0, _NSIG / 8, 0, 0);
		sys(SYS_tgkill, sys(SYS_getpid, 0, 0, 0, 0, 0, 0),
		    sys(SYS_gettid, 0, 0, 0, 0, 0, 0), SIGSYS, 0, 0, 0);
		return;
	}
	/*
	 * The program's sa_mask while its handler runs, as the kernel would
	 * apply it; never SIGSYS, which would make our next trap fatal.
	 */
	sigdelset(&app.sa_mask, SIGSYS);
	sys(SYS_rt_sigprocmask, SIG_BLOCK, (long)&app.sa_mask, (long)&old, _NSIG / 8, 0, 0);
	if (app.sa_flags & SA_SIGINFO)
		app.sa_sigaction(sig, si, uc);
	else
		app.sa_handler(sig);
	sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&old, 0, _NSIG / 8, 0, 0);
}

/*
 * How many traps this thread is serving.  A close, read or write trapped
 * while it serves one (the engine's work in an enter, a ring's teardown) is
 * the engine's or the shim's own, as one in the engine's own threads
 * (engine_own_thread()): made as it was, never taken for the program's
 * close or I/O on a ring.  Initial-exec: no allocation in the handler.
 */
/* A trapped call's name, for RINGER_PRELOAD_DEBUG's lines. */
static const char *call_name(int nr)
{
	switch (nr) {
	case NR_SETUP:
		return "io_uring_setup";
	case NR_ENTER:
		return "io_uring_enter";
	case NR_REGISTER:
		return "io_uring_register";
	case SYS_execve:
		return "execve";
	case SYS_execveat:
		return "execveat";
	case SYS_close:
		return "close";
	case SYS_read:
		return "read";
	case SYS_write:
		return "write";
	case SYS_readv:
		return "readv";
	case SYS_writev:
		return "writev";
	case SYS_pread64:
		return "pread64";
	case SYS_pwrite64:
		return "pwrite64";
	case SYS_preadv:
		return "preadv";
	case SYS_pwritev:
		return "pwritev";
	case SYS_preadv2:
		return "preadv2";
	case SYS_pwritev2:
		return "pwritev2";
	case SYS_mmap:
		return "mmap";
	default:
		return "unknown system call";
	}
}

static _Thread_local unsigned serving __attribute__((tls_model("initial-exec")));

void on_sigsys(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	int saved_errno = errno;
	long a[6], ret;

	if (si->si_code != SYS_SECCOMP || si->si_errno != (int)TRAP_COOKIE) {
		chain(sig, si, ucv);
		errno = saved_errno;
		return;
	}
	if ((uintptr_t)si->si_call_addr == shim_stub_ip) {
		/*
		 * Our own site trapped: a filter from an earlier program
		 * allows another stub address (see map_stub).  We cannot reach
		 * the kernel: say so.
		 */
		g[REG_RAX] = -ENOSYS;
		errno = saved_errno;
		resume(uc);
		return;
	}
	atomic_fetch_add_explicit(&n_traps, 1, memory_order_relaxed);
	a[0] = g[REG_RDI];
	a[1] = g[REG_RSI];
	a[2] = g[REG_RDX];
	a[3] = g[REG_R10];
	a[4] = g[REG_R8];
	a[5] = g[REG_R9];
	serving++;
	switch (si->si_syscall) {
	case NR_SETUP:
		ret = do_setup(a[0], a[1], (uintptr_t)si->si_call_addr);
		break;
	case NR_ENTER:
		ret = do_enter(a[0], a[1], a[2], a[3], a[4], a[5]);
		break;
	case NR_REGISTER:
		ret = do_register(a[0], a[1], a[2], a[3]);
		break;
	case SYS_execve:
	case SYS_execveat:
		ret = do_exec(si->si_syscall, a);
		break;
	case SYS_close:
		ret = serving > 1 || engine_own_thread() ? sys(SYS_close, a[0], 0, 0, 0, 0, 0)
							  : do_close(a[0]);
		break;
	case SYS_read:
	case SYS_write:
	case SYS_readv:
	case SYS_writev:
	case SYS_pread64:
	case SYS_pwrite64:
	case SYS_preadv:
	case SYS_pwritev:
	case SYS_preadv2:
	case SYS_pwritev2:
		ret = serving > 1 || engine_own_thread()
			      ? sys(si->si_syscall, a[0], a[1], a[2], a[3], a[4], a[5])
			      : do_rw(si->si_syscall, a);
		break;
	case SYS_mmap:
		ret = do_mmap(a);
		break;
	default:
		ret = -ENOSYS;
		break;
	}
	serving--;
	if (shim_debug)
		say("ringer-preload: pid %d: %s(%ld, %#lx, %#lx, %#lx) = %ld\n",
		    (int)sys(SYS_getpid, 0, 0, 0, 0, 0, 0), call_name(si->si_syscall), a[0],
		    (unsigned long)a[1], (unsigned long)a[2], (unsigned long)a[3], ret);
	g[REG_RAX] = ret;
	errno = saved_errno;
	resume(uc);
}

