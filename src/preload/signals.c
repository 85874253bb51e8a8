/* SPDX-License-Identifier: MIT */
/*
 * The signal calls the shim wraps for the program: sigaction(SIGSYS) is
 * recorded instead of passed on, SIGSYS is taken out of the masks a program
 * sets.  Built without sanitizer instrumentation: a sanitizer runtime calls
 * these while it initializes, before it can run instrumented code.
 */
#include <dlfcn.h>
#include <errno.h>
#include <spawn.h>
#include <string.h>
#include <ucontext.h>

#include "preload/preload.h"

#define EXPORT	   __attribute__((visibility("default")))
#define active	   ringer_preload_active
#define app_lock   ringer_preload_app_lock
#define app_sigsys ringer_preload_app_sigsys

typedef int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);
typedef int (*sigmask_fn)(int, const sigset_t *, sigset_t *);

typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
			const posix_spawnattr_t *, char *const[], char *const[]);

static sigaction_fn next_sigaction_fn;
static sigmask_fn next_pthread_sigmask, next_sigprocmask;
static int (*next_swapcontext)(ucontext_t *, const ucontext_t *);
static int (*next_setcontext)(const ucontext_t *);
static spawn_fn next_posix_spawn, next_posix_spawnp;
static int (*next_sigsuspend)(const sigset_t *);

/*
 * The functions we wrap, looked up once at load: not on a call path, which
 * may be a signal handler (dlsym is not async-signal-safe).
 */
void ringer_preload_signals_init(void)
{
	next_sigaction_fn = (sigaction_fn)dlsym(RTLD_NEXT, "sigaction");
	next_pthread_sigmask = (sigmask_fn)dlsym(RTLD_NEXT, "pthread_sigmask");
	next_sigprocmask = (sigmask_fn)dlsym(RTLD_NEXT, "sigprocmask");
	next_swapcontext = dlsym(RTLD_NEXT, "swapcontext");
	next_setcontext = dlsym(RTLD_NEXT, "setcontext");
	next_posix_spawn = (spawn_fn)dlsym(RTLD_NEXT, "posix_spawn");
	next_posix_spawnp = (spawn_fn)dlsym(RTLD_NEXT, "posix_spawnp");
	next_sigsuspend = dlsym(RTLD_NEXT, "sigsuspend");
}

/* A call before our constructor (another library's): look everything up now. */
#define NEXT(fn) (next_##fn ? next_##fn : (ringer_preload_signals_init(), next_##fn))

static sigaction_fn next_sigaction(void)
{
	/* Called before our constructor (by another library's): look it up now. */
	if (!next_sigaction_fn)
		ringer_preload_signals_init();
	return next_sigaction_fn;
}

/*
 * Set the whole mask, SIGSYS included, through the shim's own call site (an
 * rt_sigprocmask of the program's would be trapped and lose SIGSYS).
 */
static void raw_block(const sigset_t *set, sigset_t *old)
{
	ringer_preload_setmask_all(set, old);
}

/*
 * sigaction(SIGSYS) is recorded, not passed on: the kernel's SIGSYS
 * disposition must stay our handler.  (Raw rt_sigaction(SIGSYS) calls are
 * made to succeed without effect by the filter; see docs/PRELOAD.md.)
 */
EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (sig == SIGSYS && active) {
		struct sigaction prev;
		sigset_t all, saved;

		/*
		 * Every signal blocked while the lock is held: the SIGSYS
		 * handler takes it to read the action (chain()).
		 */
		sigfillset(&all);
		raw_block(&all, &saved);
		pthread_mutex_lock(&app_lock);
		prev = app_sigsys;
		if (act) {
			app_sigsys = *act;
			ringer_preload_app_sigsys_changed();
		}
		pthread_mutex_unlock(&app_lock);
		raw_block(&saved, NULL);
		if (old)
			*old = prev;
		return 0;
	}
	if (act && active && sigismember(&act->sa_mask, SIGSYS)) {
		/* the handler's mask, applied while it runs: SIGSYS stays deliverable */
		struct sigaction copy = *act;

		sigdelset(&copy.sa_mask, SIGSYS);
		return next_sigaction()(sig, &copy, old);
	}
	return next_sigaction()(sig, act, old);
}

EXPORT int __sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	return sigaction(sig, act, old);
}

/* signal() with glibc's BSD semantics, so SIGSYS goes through the wrapper above. */
EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
	struct sigaction act, old;

	if (sig <= 0 || sig >= NSIG || handler == SIG_ERR) {
		errno = EINVAL;
		return SIG_ERR;
	}
	memset(&act, 0, sizeof(act));
	act.sa_handler = handler;
	sigemptyset(&act.sa_mask);
	sigaddset(&act.sa_mask, sig);
	act.sa_flags = SA_RESTART;
	if (sigaction(sig, &act, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

EXPORT sighandler_t bsd_signal(int sig, sighandler_t handler)
{
	return signal(sig, handler);
}

/*
 * A thread with SIGSYS blocked would be killed by our trap (the kernel
 * unblocks a forced signal and resets it to the default action), so SIGSYS
 * is taken out of the masks the program sets.  While the shim is active the
 * call goes through its own call site (ringer_preload_sigmask(), sigsys.c);
 * like glibc's, it leaves glibc's internal signals (SIGCANCEL 32, SIGSETXID
 * 33) alone.
 */
static int set_mask(sigmask_fn next, int how, const sigset_t *set, sigset_t *old)
{
	sigset_t copy;

	if (!active)
		return next(how, set, old) ? errno : 0;
	if (set) {
		copy = *set;
		((unsigned long *)(void *)&copy)[0] &= ~(3UL << 31);
		set = &copy;
	}
	return -ringer_preload_sigmask(how, set, old);
}

EXPORT int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	int saved = errno, err;

	if (!next_pthread_sigmask)
		ringer_preload_signals_init();
	if (!active)
		return next_pthread_sigmask(how, set, old);
	err = set_mask(next_pthread_sigmask, how, set, old);
	errno = saved;
	return err;
}

EXPORT int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	int err;

	if (!next_sigprocmask)
		ringer_preload_signals_init();
	err = set_mask(next_sigprocmask, how, set, old);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

/*
 * The other calls that set a mask a thread may then run io_uring under: a
 * context's (swapcontext, setcontext: glibc sets it with an internal
 * rt_sigprocmask), a spawned child's (POSIX_SPAWN_SETSIGMASK, set in the
 * child before its trapped execve), and the temporary masks of the waits,
 * which the handlers run out of them start with.  SIGSYS is taken out; a
 * context's mask is edited in place (the program's own structure).
 */
static const sigset_t *mask_copy(const sigset_t *set, sigset_t *copy)
{
	if (!active || !set || !sigismember(set, SIGSYS))
		return set;
	*copy = *set;
	sigdelset(copy, SIGSYS);
	return copy;
}

static void context_mask(const ucontext_t *ucp)
{
	if (active && ucp && sigismember(&ucp->uc_sigmask, SIGSYS))
		sigdelset(&((ucontext_t *)ucp)->uc_sigmask, SIGSYS);
}

EXPORT int swapcontext(ucontext_t *oucp, const ucontext_t *ucp)
{
	context_mask(ucp);
	return NEXT(swapcontext)(oucp, ucp);
}

EXPORT int setcontext(const ucontext_t *ucp)
{
	context_mask(ucp);
	return NEXT(setcontext)(ucp);
}

static const posix_spawnattr_t *spawn_attr(const posix_spawnattr_t *attr,
					   posix_spawnattr_t *copy)
{
	sigset_t mask;
	short flags;

	if (!active || !attr || posix_spawnattr_getflags(attr, &flags) ||
	    !(flags & POSIX_SPAWN_SETSIGMASK) || posix_spawnattr_getsigmask(attr, &mask) ||
	    !sigismember(&mask, SIGSYS))
		return attr;
	*copy = *attr;
	sigdelset(&mask, SIGSYS);
	posix_spawnattr_setsigmask(copy, &mask);
	return copy;
}

EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
		       const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	posix_spawnattr_t copy;

	return NEXT(posix_spawn)(pid, path, fa, spawn_attr(attr, &copy), argv, envp);
}

EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	posix_spawnattr_t copy;

	return NEXT(posix_spawnp)(pid, file, fa, spawn_attr(attr, &copy), argv, envp);
}

EXPORT int sigsuspend(const sigset_t *mask)
{
	sigset_t copy;

	return NEXT(sigsuspend)(mask_copy(mask, &copy));
}

/*
 * The masked waits (ppoll, __ppoll_chk, pselect, epoll_pwait, epoll_pwait2)
 * are wrapped by src/lib/pollwrap.c, for ring fds; they ask this for their
 * mask (the library's default keeps it as it is).
 */
const sigset_t *ringer__wait_mask(const sigset_t *mask, sigset_t *copy)
{
	return mask_copy(mask, copy);
}
