/* SPDX-License-Identifier: MIT */
/*
 * poll(2), ppoll, select, pselect and epoll on engine ring fds.  An engine
 * ring fd is a memfd (the program maps it): poll calls it readable forever
 * and epoll_ctl refuses it.  These wrappers, exported by libringer and by
 * the preload shim, put the ring's readiness eventfd (engine/pollfd.c) in
 * its place, and withdraw a stale readiness (a CQ the program emptied in
 * user space) before a wait, as the kernel computes readiness at poll time.
 * Calls on other fds cost a table lookup per fd and go on unchanged.
 *
 * Not covered: poll calls that bypass libc (raw system calls), and a dup()
 * of a ring fd under another number (the memfd is polled, as before).
 */
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "engine/api.h"

#define WRAP __attribute__((visibility("default")))

/*
 * The next definitions (libc's, or a sanitizer's), looked up at load: the
 * engine itself waits through these names, also in the shim's SIGSYS
 * handler, where dlsym() must not run.  A call before the constructor (from
 * another library's) looks its function up then.
 */
enum {
	F_epoll_ctl,
	F_epoll_wait,
	F_epoll_pwait,
	F_epoll_pwait2,
	F_poll,
	F_ppoll,
	F_select,
	F_pselect,
	F_close,
	F_NR,
};
static const char *const next_names[F_NR] = {
	"epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2",
	"poll",	     "ppoll",	   "select",	  "pselect",	"close",
};
static _Atomic(void *) next_fns[F_NR];

static void *next_fn(int i)
{
	void *f = atomic_load_explicit(&next_fns[i], memory_order_relaxed);

	if (!f) {
		f = dlsym(RTLD_NEXT, next_names[i]);
		atomic_store_explicit(&next_fns[i], f, memory_order_relaxed);
	}
	return f;
}

__attribute__((constructor)) static void pollwrap_init(void)
{
	for (int i = 0; i < F_NR; i++)
		next_fn(i);
}

#define NEXT(type, name) ((type)next_fn(F_##name))

/*
 * The signal mask a masked wait applies: the program's here; the preload
 * shim's definition takes SIGSYS out of it (a trap while it is blocked
 * kills the process, src/preload/signals.c).
 */
__attribute__((weak)) const sigset_t *ringer__wait_mask(const sigset_t *mask, sigset_t *copy)
{
	(void)copy;
	return mask;
}

/*
 * close(2) of an engine ring's fd: the kernel releases a ring at its last
 * close, and the number is free for another file; so the engine's table
 * lets go of it now (ringer_close()), rather than route calls on a reused
 * number to the stale ring.  Not exported by the preload shim, which sees
 * the program's closes itself (src/preload/fdtrap.c, rings.c).
 */
int ringer__close_wrapped(int fd)
{
	int (*real)(int) = NEXT(int (*)(int), close);
	int ret;

	if (fd >= 0 && ringer_is_engine_fd(fd)) {
		ret = ringer_close(fd);
		if (ret != -EBADF) {
			if (ret < 0) {
				errno = -ret;
				return -1;
			}
			return 0;
		}
	}
	if (!real)
		return (int)syscall(SYS_close, fd);
	return real(fd);
}

WRAP int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	int (*real)(int, int, int, struct epoll_event *) =
		NEXT(int (*)(int, int, int, struct epoll_event *), epoll_ctl);
	int efd = engine_poll_fd(fd);

	if (efd >= 0)
		fd = efd;
	if (!real)
		return (int)syscall(SYS_epoll_ctl, epfd, op, fd, ev);
	return real(epfd, op, fd, ev);
}

WRAP int epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	int (*real)(int, struct epoll_event *, int, int) =
		NEXT(int (*)(int, struct epoll_event *, int, int), epoll_wait);

	engine_poll_refresh_all();
	if (!real)
#ifdef SYS_epoll_wait
		return (int)syscall(SYS_epoll_wait, epfd, ev, max, timeout);
#else
		return (int)syscall(SYS_epoll_pwait, epfd, ev, max, timeout, NULL, _NSIG / 8);
#endif
	return real(epfd, ev, max, timeout);
}

WRAP int epoll_pwait(int epfd, struct epoll_event *ev, int max, int timeout,
		     const sigset_t *mask)
{
	sigset_t mask_copy;
	int (*real)(int, struct epoll_event *, int, int, const sigset_t *) =
		NEXT(int (*)(int, struct epoll_event *, int, int, const sigset_t *), epoll_pwait);

	mask = ringer__wait_mask(mask, &mask_copy);
	engine_poll_refresh_all();
	if (!real)
		return (int)syscall(SYS_epoll_pwait, epfd, ev, max, timeout, mask, _NSIG / 8);
	return real(epfd, ev, max, timeout, mask);
}

WRAP int epoll_pwait2(int epfd, struct epoll_event *ev, int max, const struct timespec *timeout,
		      const sigset_t *mask)
{
	sigset_t mask_copy;
	int (*real)(int, struct epoll_event *, int, const struct timespec *, const sigset_t *) =
		NEXT(int (*)(int, struct epoll_event *, int, const struct timespec *,
			     const sigset_t *),
		     epoll_pwait2);

	mask = ringer__wait_mask(mask, &mask_copy);
	engine_poll_refresh_all();
	if (!real)
		return (int)syscall(SYS_epoll_pwait2, epfd, ev, max, timeout, mask, _NSIG / 8);
	return real(epfd, ev, max, timeout, mask);
}

typedef int (*ppoll_fn)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);

/*
 * ppoll() with each ring fd replaced by its eventfd in a copy of fds.
 * ppoll_real: libc's, or NULL (raw system call).
 */
static int poll_rings(struct pollfd *fds, nfds_t n, const struct timespec *ts,
		      const sigset_t *mask, ppoll_fn ppoll_real, bool *had_ring)
{
	struct pollfd small[16], *copy = NULL;
	nfds_t i;
	int ret;

	*had_ring = false;
	for (i = 0; i < n; i++) {
		int efd = fds[i].fd >= 0 ? engine_poll_fd(fds[i].fd) : -1;

		if (efd < 0)
			continue;
		if (!copy) {
			copy = n <= 16 ? small : malloc(n * sizeof(*copy));
			if (!copy) {
				errno = ENOMEM;
				return -1;
			}
			memcpy(copy, fds, n * sizeof(*copy));
		}
		copy[i].fd = efd;
	}
	if (!copy)
		return 0;
	*had_ring = true;
	if (ppoll_real)
		ret = ppoll_real(copy, n, ts, mask);
	else
		ret = (int)syscall(SYS_ppoll, copy, n, ts, mask, _NSIG / 8);
	if (ret >= 0)
		for (i = 0; i < n; i++)
			fds[i].revents = copy[i].revents;
	if (copy != small)
		free(copy);
	return ret;
}

WRAP int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask)
{
	sigset_t mask_copy;
	ppoll_fn real = NEXT(ppoll_fn, ppoll);
	bool had_ring;
	int ret;

	mask = ringer__wait_mask(mask, &mask_copy);
	ret = poll_rings(fds, n, ts, mask, real, &had_ring);

	if (had_ring)
		return ret;
	if (!real)
		return (int)syscall(SYS_ppoll, fds, n, ts, mask, _NSIG / 8);
	return real(fds, n, ts, mask);
}

WRAP int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	int (*real)(struct pollfd *, nfds_t, int) = NEXT(int (*)(struct pollfd *, nfds_t, int), poll);
	struct timespec ts = { timeout / 1000, (long)(timeout % 1000) * 1000000L };
	bool had_ring;
	int ret = poll_rings(fds, n, timeout < 0 ? NULL : &ts, NULL, NEXT(ppoll_fn, ppoll),
			     &had_ring);

	if (had_ring)
		return ret;
	if (!real)
#ifdef SYS_poll
		return (int)syscall(SYS_poll, fds, n, timeout);
#else
		return (int)syscall(SYS_ppoll, fds, n, timeout < 0 ? NULL : &ts, NULL, _NSIG / 8);
#endif
	return real(fds, n, timeout);
}

/* _FORTIFY_SOURCE's entry points */
WRAP int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		abort();
	return poll(fds, n, timeout);
}

WRAP int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *ts,
		     const sigset_t *mask, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		abort();
	return ppoll(fds, n, ts, mask);
}

/* Does any fd below nfds in the three sets name an engine ring? */
static bool sets_have_ring(int nfds, fd_set *r, fd_set *w, fd_set *e)
{
	if (nfds > FD_SETSIZE)
		nfds = FD_SETSIZE;
	for (int fd = 0; fd < nfds; fd++)
		if (((r && FD_ISSET(fd, r)) || (w && FD_ISSET(fd, w)) || (e && FD_ISSET(fd, e))) &&
		    engine_poll_fd(fd) >= 0)
			return true;
	return false;
}

/*
 * select() through ppoll, with the rings' eventfds (placed above
 * FD_SETSIZE, out of a select set's reach): the kernel's POLLIN_SET,
 * POLLOUT_SET and POLLEX_SET decide the bits.
 */
static int select_as_poll(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts,
			  const sigset_t *mask)
{
	struct pollfd *pfd = calloc((size_t)nfds, sizeof(*pfd));
	nfds_t n = 0;
	int ret, count = 0;

	if (!pfd) {
		errno = ENOMEM;
		return -1;
	}
	for (int fd = 0; fd < nfds; fd++) {
		short ev = 0;

		if (r && FD_ISSET(fd, r))
			ev |= POLLIN;
		if (w && FD_ISSET(fd, w))
			ev |= POLLOUT;
		if (e && FD_ISSET(fd, e))
			ev |= POLLPRI;
		if (!ev)
			continue;
		pfd[n].fd = fd;
		pfd[n].events = ev;
		n++;
	}
	ret = ppoll(pfd, n, ts, mask);
	if (ret < 0) {
		free(pfd);
		return ret;
	}
	for (nfds_t i = 0; i < n; i++) {
		if (pfd[i].revents & POLLNVAL) {
			free(pfd);
			errno = EBADF;
			return -1;
		}
	}
	if (r)
		FD_ZERO(r);
	if (w)
		FD_ZERO(w);
	if (e)
		FD_ZERO(e);
	for (nfds_t i = 0; i < n; i++) {
		short rev = pfd[i].revents, ev = pfd[i].events;

		if ((ev & POLLIN) && (rev & (POLLIN | POLLHUP | POLLERR))) {
			FD_SET(pfd[i].fd, r);
			count++;
		}
		if ((ev & POLLOUT) && (rev & (POLLOUT | POLLERR))) {
			FD_SET(pfd[i].fd, w);
			count++;
		}
		if ((ev & POLLPRI) && (rev & POLLPRI)) {
			FD_SET(pfd[i].fd, e);
			count++;
		}
	}
	free(pfd);
	return count;
}

static int64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* select(2) as a system call; where there is none (aarch64): pselect6 */
static int raw_select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
#ifdef SYS_select
	return (int)syscall(SYS_select, nfds, r, w, e, tv);
#else
	struct timespec ts;
	int ret;

	if (tv) {
		/* normalized as the kernel's select does; negative: -EINVAL */
		ts.tv_sec = tv->tv_sec + tv->tv_usec / 1000000;
		ts.tv_nsec = (tv->tv_usec % 1000000) * 1000L;
	}
	ret = (int)syscall(SYS_pselect6, nfds, r, w, e, tv ? &ts : NULL, NULL);
	if (tv) {
		/* the time left, as select writes it back */
		tv->tv_sec = ts.tv_sec;
		tv->tv_usec = ts.tv_nsec / 1000;
	}
	return ret;
#endif
}

WRAP int select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
	int (*real)(int, fd_set *, fd_set *, fd_set *, struct timeval *) =
		NEXT(int (*)(int, fd_set *, fd_set *, fd_set *, struct timeval *), select);
	struct timespec ts;
	int64_t start, left;
	int ret;

	if (nfds <= 0 || nfds > FD_SETSIZE || !sets_have_ring(nfds, r, w, e)) {
		if (!real)
			return raw_select(nfds, r, w, e, tv);
		return real(nfds, r, w, e, tv);
	}
	if (tv && (tv->tv_sec < 0 || tv->tv_usec < 0)) {
		errno = EINVAL;
		return -1;
	}
	if (tv) {
		ts.tv_sec = tv->tv_sec + tv->tv_usec / 1000000;
		ts.tv_nsec = (tv->tv_usec % 1000000) * 1000L;
	}
	start = mono_ns();
	ret = select_as_poll(nfds, r, w, e, tv ? &ts : NULL, NULL);
	if (tv) {
		/* Linux's select writes back the time left */
		left = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec - (mono_ns() - start);
		if (left < 0)
			left = 0;
		tv->tv_sec = left / 1000000000LL;
		tv->tv_usec = (left % 1000000000LL) / 1000;
	}
	return ret;
}

WRAP int pselect(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts,
		 const sigset_t *mask)
{
	sigset_t mask_copy;
	int (*real)(int, fd_set *, fd_set *, fd_set *, const struct timespec *,
		    const sigset_t *) = NEXT(int (*)(int, fd_set *, fd_set *, fd_set *,
						     const struct timespec *, const sigset_t *),
					     pselect);

	mask = ringer__wait_mask(mask, &mask_copy);
	if (nfds <= 0 || nfds > FD_SETSIZE || !sets_have_ring(nfds, r, w, e)) {
		if (!real) {
			struct {
				const sigset_t *ss;
				size_t len;
			} m = { mask, _NSIG / 8 };

			return (int)syscall(SYS_pselect6, nfds, r, w, e, ts, &m);
		}
		return real(nfds, r, w, e, ts, mask);
	}
	return select_as_poll(nfds, r, w, e, ts, mask);
}
