// SPDX-License-Identifier: MIT
/*
 * io_uring_enter: submit, then wait (the kernel's io_uring_enter, non-SQPOLL).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/aio.h"
#include "engine/engine.h"
#include "engine/reactor.h"
#include "engine/sys.h"

/* -EBADF for a closed fd, -EOPNOTSUPP for an open fd that is no engine ring */
int engine_bad_ring_fd(int fd)
{
	return sys_fcntl(fd, F_GETFD, 0) < 0 ? -EBADF : -EOPNOTSUPP;
}

struct wait_args {
	bool has_ts;
	struct timespec ts;
	unsigned min_wait_usec; /* wait at least this long for min_complete */
	const void *sig; /* user sigset, read only if the wait sleeps */
	size_t sigsz;
};

/* EXT_ARG_REG: the argument is the offset of a struct io_uring_reg_wait in the wait region */
static int get_reg_wait(struct ring *r, const void *arg, size_t argsz, struct wait_args *w)
{
	struct io_uring_reg_wait rw;
	int ret;

	if (argsz != sizeof(rw))
		return -EINVAL;
	ret = mem_region_wait_arg(r, (uintptr_t)arg, &rw); /* region.c */
	if (ret)
		return ret;
	if (rw.flags & ~(uint32_t)IORING_REG_WAIT_TS)
		return -EINVAL;
	if (rw.flags & IORING_REG_WAIT_TS) {
		w->has_ts = true;
		w->ts.tv_sec = (time_t)rw.ts.tv_sec;
		w->ts.tv_nsec = (long)rw.ts.tv_nsec;
	}
	w->min_wait_usec = rw.min_wait_usec;
	w->sig = (const void *)(uintptr_t)rw.sigmask;
	w->sigsz = rw.sigmask_sz;
	return 0;
}

static int get_ext_arg(struct ring *r, unsigned flags, const void *arg, size_t argsz,
		       struct wait_args *w)
{
	struct io_uring_getevents_arg ea;
	struct __kernel_timespec kts;

	memset(w, 0, sizeof(*w));
	if (!(flags & IORING_ENTER_EXT_ARG)) {
		w->sig = arg;
		w->sigsz = argsz;
		return 0;
	}
	if (flags & IORING_ENTER_EXT_ARG_REG)
		return get_reg_wait(r, arg, argsz, w);
	if (argsz != sizeof(ea))
		return -EINVAL;
	if (umem_read(&ea, arg, sizeof(ea)))
		return -EFAULT;
	if (ea.ts) {
		if (umem_read(&kts, (const void *)(uintptr_t)ea.ts, sizeof(kts)))
			return -EFAULT;
		w->has_ts = true;
		w->ts.tv_sec = (time_t)kts.tv_sec;
		w->ts.tv_nsec = (long)kts.tv_nsec;
	}
	w->min_wait_usec = ea.min_wait_usec;
	w->sig = (const void *)(uintptr_t)ea.sigmask;
	w->sigsz = ea.sigmask_sz;
	return 0;
}

/* SINGLE_ISSUER: is the caller the ring's submitter task? */
static bool is_submitter(struct ring *r)
{
	/* relaxed: set before the ring was enabled (acquire of disabled) */
	return atomic_load_explicit(&r->submitter_tid, memory_order_relaxed) == engine_gettid();
}

RINGER_API int ringer_enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags,
			    const void *arg, size_t argsz)
{
	struct ring *r;
	int ret = 0, submitted = 0;

	if (flags & ~ENGINE_ENTER_FLAGS)
		return -EINVAL;
	if (flags & IORING_ENTER_REGISTERED_RING) {
		r = ring_get_registered((unsigned)fd);
		if (!r)
			return (unsigned)fd < 16 ? -EBADF : -EINVAL; /* as the kernel's table */
	} else {
		r = ring_get(fd);
		if (!r)
			return ring_inherited_enter_error(fd, to_submit, flags);
	}
	if (atomic_load_explicit(&r->disabled, memory_order_acquire)) {
		ret = -EBADFD;
		goto out;
	}
	if (r->flags & IORING_SETUP_SQPOLL) {
		/* the poller submits; enter wakes it or waits for SQ room (sqpoll.c) */
		submitted = sqpoll_enter(r, to_submit, flags);
		if (submitted < 0) {
			ret = submitted;
			goto out;
		}
	} else if (to_submit) {
		/* the reactor leaves what becomes ready meanwhile to this
		 * enter, which runs it after its submission (reactor.h) */
		struct ringer_reactor *reactor =
			(flags & IORING_ENTER_GETEVENTS) ? ring_busy_reactor(r) : NULL;

		if ((r->flags & IORING_SETUP_SINGLE_ISSUER) && !is_submitter(r)) {
			ret = -EEXIST;
			goto out;
		}
		if (reactor)
			reactor_submit_begin(reactor);
		pthread_mutex_lock(&r->submit_lock);
		submitted = submit_sqes(r, to_submit);
		pthread_mutex_unlock(&r->submit_lock);
		if (reactor)
			reactor_submit_end(reactor);
		if (r->flags & IORING_SETUP_IOPOLL)
			iopoll_issue(r); /* to the device now; completions in a pass */
		if (submitted != (int)to_submit) {
			ret = submitted; /* short: no wait (GETEVENTS not honoured) */
			goto out;
		}
	}
	/* AIO polls that fired: their CQEs now, as the kernel's task work */
	aio_poll_run(r);
	if (flags & IORING_ENTER_GETEVENTS) {
		struct wait_args w;
		int ret2;

		bool iopoll = (r->flags & IORING_SETUP_IOPOLL) && !(r->flags & IORING_SETUP_SQPOLL);

		ret2 = get_ext_arg(r, flags, arg, argsz, &w);
		/* only the submitter task runs a DEFER_TASKRUN ring's completions */
		if (!ret2 && (r->flags & IORING_SETUP_DEFER_TASKRUN) && !is_submitter(r))
			ret2 = -EEXIST;
		/* the reactor's ready work, before the CQ is looked at (cq_wait()
		 * runs it itself, or sleeps in the reactor) */
		if (ret2 || iopoll)
			ring_run_reactor(r);
		if (!ret2 && iopoll)
			ret2 = iopoll_getevents(r, min_complete); /* iopoll.c */
		else if (!ret2) {
			/* not when a timeout or signal mask may end the wait early */
			if ((r->flags & IORING_SETUP_SQPOLL) && !w.has_ts && !w.sig &&
			    !w.min_wait_usec)
				sqpoll_wait_spin(r, min_complete);
			ret2 = cq_wait(r, min_complete, w.has_ts ? &w.ts : NULL,
				       flags & IORING_ENTER_ABS_TIMER, w.min_wait_usec, w.sig,
				       w.sigsz);
		}
		ret = to_submit ? submitted : ret2;
		/* the requests this ran are freed: IORING_SQ_TASKRUN may go off */
		cq_taskrun_update(r);
	} else {
		ret = submitted;
	}
out:
	ring_put(r);
	return ret;
}
