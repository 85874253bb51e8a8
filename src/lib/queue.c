/* SPDX-License-Identifier: MIT */
/*
 * Submission and completion: publishing SQEs, entering, waiting for CQEs.
 */
#include <errno.h>
#include <string.h>

#include "lib/lib.h"

#ifdef RINGER__TSAN_CQ
/* ringer.h's CQ annotation, the other way (engine/sqpoll.c) */
extern char ringer__tsan_sq_sync;
void __tsan_release(void *addr);
#endif

/*
 * Does submitting need an enter?  Always, except on SQPOLL rings whose poller
 * is awake: it picks the new tail up by itself.
 */
static bool sq_ring_needs_enter(struct io_uring *ring, unsigned submit, unsigned *flags)
{
	if (!submit)
		return false;
	if (!(ring->flags & IORING_SETUP_SQPOLL))
		return true;
	/*
	 * Full barrier: our tail store must be visible to the poller before
	 * we read NEED_WAKEUP.  The poller sets the flag and then re-reads the
	 * tail; with the barrier on both sides one of us sees the other, so
	 * a poller going to sleep never strands our entries.
	 */
	io_uring_smp_mb();
	if (IO_URING_READ_ONCE(*ring->sq.kflags) & IORING_SQ_NEED_WAKEUP) {
		*flags |= IORING_ENTER_SQ_WAKEUP;
		return true;
	}
	return false;
}

/* CQEs wait in the executor's overflow backlog, or task work is pending. */
static bool cq_ring_needs_flush(struct io_uring *ring)
{
	return IO_URING_READ_ONCE(*ring->sq.kflags) & (IORING_SQ_CQ_OVERFLOW | IORING_SQ_TASKRUN);
}

static bool cq_ring_needs_enter(struct io_uring *ring)
{
	return (ring->flags & IORING_SETUP_IOPOLL) || cq_ring_needs_flush(ring);
}

static unsigned enter_flags(const struct io_uring *ring)
{
	unsigned flags = 0;

	if (ring->int_flags & RINGER_INT_FLAG_REG_RING)
		flags |= IORING_ENTER_REGISTERED_RING;
	if (ring->int_flags & RINGER_INT_FLAG_NO_IOWAIT)
		flags |= IORING_ENTER_NO_IOWAIT;
	return flags;
}

int io_uring_set_iowait(struct io_uring *ring, bool enable_iowait)
{
	if (!(ring->features & IORING_FEAT_NO_IOWAIT))
		return -EOPNOTSUPP;
	if (enable_iowait)
		ring->int_flags &= (__u8)~RINGER_INT_FLAG_NO_IOWAIT;
	else
		ring->int_flags |= RINGER_INT_FLAG_NO_IOWAIT;
	return 0;
}

/*
 * Publish the SQEs handed out since the last flush; returns how many SQEs
 * the executor has not consumed yet.
 */
static unsigned flush_sq(struct io_uring *ring)
{
	struct io_uring_sq *sq = &ring->sq;
	unsigned tail = sq->sqe_tail;

	if (sq->sqe_head != tail) {
		sq->sqe_head = tail;
		/*
		 * Release: the SQE contents must be visible to the executor
		 * before it can see the new tail (it loads it with acquire).
		 */
#ifdef RINGER__TSAN_CQ
		__tsan_release(&ringer__tsan_sq_sync);
#endif
		io_uring_smp_store_release(sq->ktail, tail);
	}
	/*
	 * The executor moves the head (from its own thread with SQPOLL); a
	 * stale value only makes the count larger, which enter clamps.
	 */
	return tail - IO_URING_READ_ONCE(*sq->khead);
}

static int submit(struct io_uring *ring, unsigned submitted, unsigned wait_nr, bool getevents)
{
	bool cq_needs_enter = getevents || wait_nr || cq_ring_needs_enter(ring);
	unsigned flags = 0;

	if (sq_ring_needs_enter(ring, submitted, &flags) || cq_needs_enter) {
		if (cq_needs_enter)
			flags |= IORING_ENTER_GETEVENTS;
		flags |= enter_flags(ring);
		return ringer__ring_enter(ring, submitted, wait_nr, flags, NULL,
				     RINGER_SIGSET_SIZE);
	}
	return (int)submitted;
}

int io_uring_submit(struct io_uring *ring)
{
	return submit(ring, flush_sq(ring), 0, false);
}

int io_uring_submit_and_wait(struct io_uring *ring, unsigned wait_nr)
{
	return submit(ring, flush_sq(ring), wait_nr, false);
}

int io_uring_submit_and_get_events(struct io_uring *ring)
{
	return submit(ring, flush_sq(ring), 0, true);
}

int io_uring_get_events(struct io_uring *ring)
{
	return ringer__ring_enter(ring, 0, 0, IORING_ENTER_GETEVENTS | enter_flags(ring),
			     NULL, RINGER_SIGSET_SIZE);
}

struct get_data {
	unsigned submit;
	unsigned wait_nr;
	unsigned get_flags;
	size_t sz;
	bool has_ts;
	bool ext_arg_reg; /* arg is an offset in the registered wait region */
	void *arg;
};

/*
 * Find a CQE, submitting and entering as needed.  Returns 0 with *cqe_ptr set
 * (or NULL when nothing was asked to wait), or -errno: -EAGAIN when nothing
 * is ready and nothing was to be waited for, -ETIME when a timed wait ran out.
 */
static int get_cqe(struct io_uring *ring, struct io_uring_cqe **cqe_ptr, struct get_data *data)
{
	struct io_uring_cqe *cqe = NULL;
	bool looped = false;
	int err = 0;

	for (;;) {
		bool need_enter = false;
		unsigned flags = 0;
		unsigned nr_available;
		int ret;

		ret = __io_uring_peek_cqe(ring, &cqe, &nr_available);
		if (ret) {
			if (!err)
				err = ret;
			break;
		}
		if (!cqe && !data->wait_nr && !data->submit) {
			/*
			 * Nothing to wait for: enter only to flush a backlog
			 * (or reap IOPOLL completions), and only once.
			 */
			if (looped || !cq_ring_needs_enter(ring)) {
				if (!err)
					err = -EAGAIN;
				break;
			}
			need_enter = true;
		}
		if (data->wait_nr > nr_available || need_enter) {
			flags = IORING_ENTER_GETEVENTS | data->get_flags;
			need_enter = true;
		}
		if (sq_ring_needs_enter(ring, data->submit, &flags))
			need_enter = true;
		if (!need_enter)
			break;
		if (looped && data->has_ts) {
			/* A timed wait enters once: its time is used up. */
			struct io_uring_getevents_arg *arg = data->arg;

			if (!cqe && !err && (data->ext_arg_reg || arg->ts))
				err = -ETIME;
			break;
		}
		flags |= enter_flags(ring);
		ret = ringer__ring_enter(ring, data->submit, data->wait_nr, flags,
				    data->arg, data->sz);
		if (ret < 0) {
			if (!err)
				err = ret;
			break;
		}
		data->submit -= (unsigned)ret;
		if (cqe)
			break;
		if (!looped) {
			looped = true;
			err = ret;
		}
	}
	*cqe_ptr = cqe;
	return err;
}

int __io_uring_get_cqe(struct io_uring *ring, struct io_uring_cqe **cqe_ptr, unsigned submit,
		       unsigned wait_nr, sigset_t *sigmask)
{
	struct get_data data = {
		.submit = submit,
		.wait_nr = wait_nr,
		.sz = RINGER_SIGSET_SIZE,
		.arg = sigmask,
	};

	return get_cqe(ring, cqe_ptr, &data);
}

/*
 * Rings without IORING_FEAT_EXT_ARG: a timed wait queues a TIMEOUT request
 * that completes after ts or after wait_nr CQEs; its CQE (user_data
 * LIBURING_UDATA_TIMEOUT) is swallowed by __io_uring_peek_cqe().
 */
static int submit_timeout(struct io_uring *ring, unsigned wait_nr, struct __kernel_timespec *ts)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	int ret;

	if (!sqe) {
		ret = io_uring_submit(ring);
		if (ret < 0)
			return ret;
		sqe = io_uring_get_sqe(ring);
		if (!sqe)
			return -EAGAIN;
	}
	io_uring_prep_timeout(sqe, ts, wait_nr, 0);
	sqe->user_data = LIBURING_UDATA_TIMEOUT;
	return (int)flush_sq(ring);
}

static int wait_ext_arg(struct io_uring *ring, struct io_uring_cqe **cqe_ptr, unsigned submit,
			unsigned wait_nr, struct __kernel_timespec *ts, unsigned min_wait_usec,
			sigset_t *sigmask)
{
	struct io_uring_getevents_arg arg = {
		.sigmask = (unsigned long)sigmask,
		.sigmask_sz = RINGER_SIGSET_SIZE,
		.min_wait_usec = min_wait_usec,
		.ts = (unsigned long)ts,
	};
	struct get_data data = {
		.submit = submit,
		.wait_nr = wait_nr,
		.get_flags = IORING_ENTER_EXT_ARG,
		.sz = sizeof(arg),
		.has_ts = ts != NULL,
		.arg = &arg,
	};

	return get_cqe(ring, cqe_ptr, &data);
}

int io_uring_wait_cqes(struct io_uring *ring, struct io_uring_cqe **cqe_ptr, unsigned wait_nr,
		       struct __kernel_timespec *ts, sigset_t *sigmask)
{
	int to_submit = 0;

	if (ts) {
		if (ring->features & IORING_FEAT_EXT_ARG)
			return wait_ext_arg(ring, cqe_ptr, 0, wait_nr, ts, 0, sigmask);
		to_submit = submit_timeout(ring, wait_nr, ts);
		if (to_submit < 0)
			return to_submit;
	}
	return __io_uring_get_cqe(ring, cqe_ptr, (unsigned)to_submit, wait_nr, sigmask);
}

int io_uring_wait_cqe_timeout(struct io_uring *ring, struct io_uring_cqe **cqe_ptr,
			      struct __kernel_timespec *ts)
{
	return io_uring_wait_cqes(ring, cqe_ptr, 1, ts, NULL);
}

/*
 * The minimum wait (min_wait_usec, IORING_FEAT_MIN_TIMEOUT): enter waits at
 * least that long for wait_nr CQEs, then returns as soon as there is one.
 * Without a timeout it is a timeout of its own.  Rings without the feature
 * wait as io_uring_wait_cqes() does, as liburing's.
 */
int io_uring_wait_cqes_min_timeout(struct io_uring *ring, struct io_uring_cqe **cqe_ptr,
				   unsigned wait_nr, struct __kernel_timespec *ts,
				   unsigned min_ts_usec, sigset_t *sigmask)
{
	if (!(ring->features & IORING_FEAT_MIN_TIMEOUT))
		min_ts_usec = 0;
	return wait_ext_arg(ring, cqe_ptr, 0, wait_nr, ts, min_ts_usec, sigmask);
}

static int submit_and_wait_timeout(struct io_uring *ring, struct io_uring_cqe **cqe_ptr,
				   unsigned wait_nr, struct __kernel_timespec *ts,
				   unsigned min_wait_usec, sigset_t *sigmask)
{
	int to_submit;

	if (ts) {
		if (ring->features & IORING_FEAT_EXT_ARG)
			return wait_ext_arg(ring, cqe_ptr, flush_sq(ring), wait_nr, ts,
					    min_wait_usec, sigmask);
		to_submit = submit_timeout(ring, wait_nr, ts);
		if (to_submit < 0)
			return to_submit;
	} else {
		to_submit = (int)flush_sq(ring);
	}
	return __io_uring_get_cqe(ring, cqe_ptr, (unsigned)to_submit, wait_nr, sigmask);
}

int io_uring_submit_and_wait_timeout(struct io_uring *ring, struct io_uring_cqe **cqe_ptr,
				     unsigned wait_nr, struct __kernel_timespec *ts,
				     sigset_t *sigmask)
{
	return submit_and_wait_timeout(ring, cqe_ptr, wait_nr, ts, 0, sigmask);
}

/* As liburing's: -EINVAL without IORING_FEAT_MIN_TIMEOUT; min_wait applies
 * only with a timeout (without one this is io_uring_submit_and_wait()). */
int io_uring_submit_and_wait_min_timeout(struct io_uring *ring, struct io_uring_cqe **cqe_ptr,
					 unsigned wait_nr, struct __kernel_timespec *ts,
					 unsigned min_wait, sigset_t *sigmask)
{
	if (!(ring->features & IORING_FEAT_MIN_TIMEOUT))
		return -EINVAL;
	return submit_and_wait_timeout(ring, cqe_ptr, wait_nr, ts, min_wait, sigmask);
}

/*
 * The wait argument is entry reg_index of the region the program registered
 * with IORING_MEM_REGION_REG_WAIT_ARG: enter takes its byte offset.  Its
 * timeout, if it has one, is used up by one enter, as a timed wait's.
 */
int io_uring_submit_and_wait_reg(struct io_uring *ring, struct io_uring_cqe **cqe_ptr,
				 unsigned wait_nr, int reg_index)
{
	struct get_data data = {
		.submit = flush_sq(ring),
		.wait_nr = wait_nr,
		.get_flags = IORING_ENTER_EXT_ARG | IORING_ENTER_EXT_ARG_REG,
		.sz = sizeof(struct io_uring_reg_wait),
		.has_ts = true,
		.ext_arg_reg = true,
		.arg = (void *)((uintptr_t)reg_index * sizeof(struct io_uring_reg_wait)),
	};

	return get_cqe(ring, cqe_ptr, &data);
}

unsigned io_uring_peek_batch_cqe(struct io_uring *ring, struct io_uring_cqe **cqes, unsigned count)
{
	unsigned shift = io_uring_cqe_shift(ring);
	bool flushed = false;
	unsigned ready, head, i;

	for (;;) {
		ready = io_uring_cq_ready(ring);
		if (ready) {
			head = *ring->cq.khead;
			if (count > ready)
				count = ready;
			for (i = 0; i < count; i++)
				cqes[i] = &ring->cq.cqes[((head + i) & ring->cq.ring_mask) << shift];
			return count;
		}
		/* Empty CQ: pull in a backlog once, if there is one. */
		if (flushed || !cq_ring_needs_flush(ring))
			return 0;
		io_uring_get_events(ring);
		flushed = true;
	}
}

int __io_uring_sqring_wait(struct io_uring *ring)
{
	return ringer__ring_enter(ring, 0, 0, IORING_ENTER_SQ_WAIT | enter_flags(ring),
			     NULL, RINGER_SIGSET_SIZE);
}
