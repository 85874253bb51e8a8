// SPDX-License-Identifier: MIT
/*
 * Completion: the one place CQEs are posted, from any thread.  Everything here
 * runs under ring->cq_lock; the CQEs are written, then the tail is published
 * with one release store, then the registered eventfd and the waiters are told.
 *
 * When the CQ is full the CQE goes to the overflow backlog (IORING_FEAT_NODROP):
 * IORING_SQ_CQ_OVERFLOW is set, every later CQE queues behind the backlog so
 * the global order holds, cq_overflow stays 0, and only an enter with
 * GETEVENTS (cq_flush_overflow) moves the backlog into the ring.
 *
 * IORING_SETUP_DEFER_TASKRUN: the kernel completes a request in the submitter
 * task's local task work, which only that task runs, when it enters with
 * GETEVENTS; only what completes inline while it submits reaches the CQ at
 * once.  Here a CQE posted by any other thread (a worker, the reactor or
 * AIO thread, a timer) waits on the ring's local list instead, to be posted
 * by the submitter's next enter with GETEVENTS (flush_locked()); adding the
 * first one sets IORING_SQ_TASKRUN (under TASKRUN_FLAG) and signals the
 * eventfd, as the kernel's io_req_local_work_add() does.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>

#include "engine/aio.h"
#include "engine/engine.h"
#include "engine/ops/timeout.h"
#include "engine/reactor.h"
#include "engine/sys.h"

/* What a TSan build releases as it publishes a CQ tail (ringer.h); defined in
 * every build, so that a TSan-built program links against any libringer. */
RINGER_API char ringer_tsan_cq_sync;
#ifdef RINGER__TSAN_CQ
void __tsan_release(void *addr);
#endif

_Thread_local int engine_thread_ctx;
_Thread_local struct submit_state *engine_submit_state;
/* The waiter whose wait runs reactor work in this thread now: the CQEs it
 * posts need no eventfd write to wake it. */
static _Thread_local struct waiter *running_waiter ENGINE_TLS;

/*
 * The eventfds of the waiters a post woke, written once cq_lock is let go
 * (cq_unlock()), as the kernel wakes its waiters after the completion lock:
 * a waiter woken on the poster's CPU preempts it at once, and would find
 * cq_lock still held and sleep again on the mutex.  A late write to an
 * eventfd whose waiter left meanwhile only wakes its next user once for
 * nothing; the fds stay open until the ring's teardown, which no post
 * outlives.
 */
#define WAKE_DEFER_MAX 8
static _Thread_local int wake_defer_n ENGINE_TLS;
static _Thread_local int wake_defer_efd[WAKE_DEFER_MAX] ENGINE_TLS;

static void cq_unlock(struct ring *r)
{
	uint64_t one = 1;

	pthread_mutex_unlock(&r->cq_lock);
	while (wake_defer_n)
		sys_write(wake_defer_efd[--wake_defer_n], &one, sizeof(one));
}

static unsigned cq_space(struct ring *r)
{
	/*
	 * acquire: pairs with the application's release store of cq.head made
	 * after it read the CQEs, so a slot is not rewritten while being read.
	 */
	unsigned head = io_uring_smp_load_acquire(r->cq_head);
	unsigned used = r->cached_cq_tail - head;
	unsigned entries = r->cq_entries;

	if (r->fault_cq) /* RINGER_FAULTS cq=N: a smaller CQ (0 without) */
		entries = r->fault_cq;
	if (used > entries) /* a scribbled head (or a CQ made smaller): full */
		used = entries;
	return entries - used;
}

/*
 * The CQE's place in the ring: 16-byte slots; a CQE32 ring's entries are two
 * slots each.  Plain stores: the release store of the tail in commit()
 * publishes them.
 */
static struct io_uring_cqe *slot(struct ring *r, unsigned tail)
{
	return &r->cqes[(tail & r->cq_mask) << r->cqe_shift];
}

static void fill_slot(struct io_uring_cqe *cqe, uint64_t ud, int32_t res, uint32_t cflags)
{
	cqe->user_data = ud;
	cqe->res = res;
	cqe->flags = cflags;
}

/*
 * A CQE_MIXED ring's 32-byte CQE takes two slots in a row: at the ring's
 * last slot it goes to the start, after a filler CQE (IORING_CQE_F_SKIP,
 * user_data and res 0), as the kernel's.  Does c fit now?  The filler is
 * posted first when one slot is free for it: Linux 6.18 (probed) takes that
 * slot even when the CQE then does not fit and goes to the backlog.
 */
static bool fits(struct ring *r, const struct ecqe *c)
{
	unsigned space = cq_space(r);

	if (!c->big || !(r->flags & IORING_SETUP_CQE_MIXED))
		return space != 0;
	if ((r->cached_cq_tail & r->cq_mask) == r->cq_mask && space) {
		fill_slot(slot(r, r->cached_cq_tail), 0, 0, IORING_CQE_F_SKIP);
		r->cached_cq_tail++;
		space--;
	}
	return space >= 2;
}

/* fits(r, c) said yes */
static void fill(struct ring *r, const struct ecqe *c)
{
	struct io_uring_cqe *cqe = slot(r, r->cached_cq_tail);
	bool two = false;

	if (r->flags & IORING_SETUP_CQE32) {
		/* every CQE's second half is written: zeros unless it has one */
		cqe->big_cqe[0] = c->big ? c->big_cqe[0] : 0;
		cqe->big_cqe[1] = c->big ? c->big_cqe[1] : 0;
	} else if (c->big && (r->flags & IORING_SETUP_CQE_MIXED)) {
		cqe->big_cqe[0] = c->big_cqe[0];
		cqe->big_cqe[1] = c->big_cqe[1];
		two = true;
	}
	fill_slot(cqe, c->user_data, c->res, two ? c->flags | IORING_CQE_F_32 : c->flags);
	r->cached_cq_tail += two ? 2 : 1;
}

static void set_sq_flag(struct ring *r, unsigned bit, bool on)
{
	/*
	 * relaxed: sq_flags is a hint the application polls; the CQ tail (and
	 * the backlog flush inside enter) carry the ordering that matters.
	 */
	if (on)
		atomic_fetch_or_explicit((_Atomic unsigned *)r->sq_flags, bit,
					 memory_order_relaxed);
	else
		atomic_fetch_and_explicit((_Atomic unsigned *)r->sq_flags, ~bit,
					  memory_order_relaxed);
}

/*
 * cq_lock held: a copy of c to queue (the backlog, DEFER_TASKRUN's local
 * list), or NULL when no memory is left: the CQE is then really lost,
 * counted, and reported once by a waiting enter.
 */
static struct ocqe *ocqe_new(struct ring *r, const struct ecqe *c)
{
	struct ocqe *o = malloc(sizeof(*o));

	if (!o) {
		IO_URING_WRITE_ONCE(*r->cq_overflow, IO_URING_READ_ONCE(*r->cq_overflow) + 1);
		r->cqe_dropped = true;
		return NULL;
	}
	o->next = NULL;
	o->cqe = *c;
	return o;
}

/* false: the CQE was not posted because it would have gone to the backlog */
static bool post_locked(struct ring *r, const struct ecqe *c, bool allow_overflow)
{
	struct ocqe *o;

	if (!r->ovf_head && fits(r, c)) {
		fill(r, c);
		return true;
	}
	if (!allow_overflow)
		return false;
	o = ocqe_new(r, c);
	if (!o)
		return true;
	if (r->ovf_tail)
		r->ovf_tail->next = o;
	else
		r->ovf_head = o;
	r->ovf_tail = o;
	if (r->ovf_head == o)
		set_sq_flag(r, IORING_SQ_CQ_OVERFLOW, true);
	return true;
}

/* A TIMEOUT ended (expiry or count) since w began: the kernel wakes every
 * waiter then, whatever it waits for (its cq_timeouts check). */
static bool timeout_ended(struct ring *r, const struct waiter *w)
{
	return atomic_load_explicit(&r->cq_timeouts, memory_order_relaxed) != w->nr_timeouts;
}

/*
 * cq_lock held, by whoever just posted CQEs or completed a TIMEOUT without
 * one: wake the waiters whose target the tail reached, and those a timeout
 * ended for since they began.
 *
 * Only a completer notes a timeout's end (w->timeout_over), never the waiter
 * itself: cq_timeouts goes up when a timeout is claimed, before its CQE is
 * posted (that CQE must not count for counted timeouts, ops/timeout.c), and
 * a waiter that looked at cq_timeouts in between returned 0 with the CQ
 * still empty, which a timed wait in the library answers with -ETIME.  The
 * kernel's waiter sees the end only after it ran the task work that posts
 * the CQE.  Here the timeout's own post (or its quiet end,
 * cq_timeout_ended_quietly()) comes after the claim in the completer's
 * order (same thread, or handed over under the reactor's lock), so reading
 * cq_timeouts relaxed under cq_lock sees it.
 */
static void wake_waiters(struct ring *r)
{
	/* a CQE on the local list wakes the submitter to post it */
	unsigned tail = r->cached_cq_tail + r->nr_local;

	for (struct waiter *w = r->waiters; w; w = w->next) {
		if (timeout_ended(r, w))
			w->timeout_over = true;
		if (!w->woken && ((int)(tail - w->target) >= 0 || w->timeout_over)) {
			uint64_t one = 1;

			w->woken = true;
			if (w->efd < 0 || w == running_waiter)
				continue;
			w->signalled = true;
			if (wake_defer_n < WAKE_DEFER_MAX)
				wake_defer_efd[wake_defer_n++] = w->efd;
			else
				sys_write(w->efd, &one, sizeof(one));
		}
	}
}

static void commit(struct ring *r, bool posted)
{
	unsigned tail = r->cached_cq_tail;

	/* release: the CQE stores above are visible before the new tail is */
#ifdef RINGER__TSAN_CQ
	__tsan_release(&ringer_tsan_cq_sync); /* see ringer.h */
#endif
	io_uring_smp_store_release(r->cq_tail, tail);
	if (!posted)
		return;
	ring_poll_signal(r); /* pollfd.c: one load unless the ring fd is polled */
	evfd_signal(r); /* eventfd.c */
	wake_waiters(r);
}

void cq_timeout_ended_quietly(struct ring *r)
{
	pthread_mutex_lock(&r->cq_lock);
	wake_waiters(r);
	cq_unlock(r);
}

/*
 * cq_lock held.  DEFER_TASKRUN: a CQE this thread posts waits for the
 * submitter task.  The submitter's own CQE waits too when it comes from
 * work the kernel runs as task work (a file's readiness, an AIO poll's
 * event: CTX_REACTOR) while CQEs are queued: the kernel runs its local work
 * list in order, so the request linked after one that failed in a worker,
 * issued then and completed here, must not pass its predecessor's CQE.
 */
static bool defers(struct ring *r)
{
	if (!(r->flags & IORING_SETUP_DEFER_TASKRUN))
		return false;
	if (engine_gettid() != atomic_load_explicit(&r->submitter_tid, memory_order_relaxed))
		return true;
	return engine_thread_ctx == CTX_REACTOR && r->local_head;
}

/*
 * cq_lock held, on a DEFER_TASKRUN ring with TASKRUN_FLAG: IORING_SQ_TASKRUN
 * is set while CQEs wait on the local list, as the kernel's, and also while
 * requests that complete in another thread are in flight (the documented
 * divergence, engine.h): the kernel queues the task work in the waker's
 * own system call (a write to a pipe sets the flag before it returns),
 * where the engine's worker or reactor thread may not have run yet.
 * nr_async is read under cq_lock: cq_taskrun_async() raises it before it
 * takes the lock, so an update that misses the raise precedes its set.
 */
static void taskrun_update_locked(struct ring *r)
{
	bool on;

	if ((r->flags & (IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG)) !=
	    (IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG))
		return;
	on = r->local_head || atomic_load_explicit(&r->nr_async, memory_order_relaxed) > 0;
	set_sq_flag(r, IORING_SQ_TASKRUN, on);
}

void cq_taskrun_update(struct ring *r)
{
	if ((r->flags & (IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG)) !=
	    (IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG))
		return;
	pthread_mutex_lock(&r->cq_lock);
	taskrun_update_locked(r);
	cq_unlock(r);
}

/*
 * cq_lock held: queue a CQE for the submitter (defers()).  Without
 * allow_overflow, only if it will fit the CQ behind those queued already.
 */
static bool local_add_locked(struct ring *r, const struct ecqe *c, bool allow_overflow)
{
	struct ocqe *o;

	if (!allow_overflow && (r->ovf_head || cq_space(r) <= r->nr_local))
		return false;
	o = ocqe_new(r, c);
	if (!o)
		return true;
	if (r->local_tail) {
		r->local_tail->next = o;
	} else {
		r->local_head = o;
		evfd_signal(r); /* the kernel's too: the program learns to enter */
	}
	r->local_tail = o;
	r->nr_local++;
	taskrun_update_locked(r);
	wake_waiters(r);
	return true;
}

/* cq_lock held, in the submitter: post the local list's CQEs, in order */
static void flush_local_locked(struct ring *r)
{
	while (r->local_head) {
		struct ocqe *o = r->local_head;

		post_locked(r, &o->cqe, true);
		r->local_head = o->next;
		free(o);
	}
	r->local_tail = NULL;
	r->nr_local = 0;
	taskrun_update_locked(r);
	commit(r, true);
}

static bool post_noflush(struct ring *r, const struct ecqe *c, bool allow_overflow)
{
	bool ok;

	pthread_mutex_lock(&r->cq_lock);
	if (defers(r)) {
		ok = local_add_locked(r, c, allow_overflow);
	} else {
		ok = post_locked(r, c, allow_overflow);
		if (ok)
			commit(r, true);
	}
	cq_unlock(r);
	return ok;
}

bool cq_post_noflush(struct ring *r, uint64_t ud, int32_t res, uint32_t cflags,
		     bool allow_overflow)
{
	struct ecqe c = { .user_data = ud, .res = res, .flags = cflags };

	return post_noflush(r, &c, allow_overflow);
}

bool cq_post_cqe(struct ring *r, const struct ecqe *c, bool allow_overflow)
{
	bool ok = post_noflush(r, c, allow_overflow);

	if (ok)
		timeout_cqes_posted(r);
	return ok;
}

bool cq_post(struct ring *r, uint64_t ud, int32_t res, uint32_t cflags, bool allow_overflow)
{
	struct ecqe c = { .user_data = ud, .res = res, .flags = cflags };

	return cq_post_cqe(r, &c, allow_overflow);
}


/*
 * MSG_RING's CQE in its target: on a DEFER_TASKRUN ring the kernel always
 * passes it through the target submitter's task work, from that task too,
 * so it follows the sender's own CQE.
 */
bool cq_post_remote(struct ring *r, uint64_t ud, int32_t res, uint32_t cflags)
{
	bool ok;

	if (!(r->flags & IORING_SETUP_DEFER_TASKRUN))
		return cq_post(r, ud, res, cflags, true);
	pthread_mutex_lock(&r->cq_lock);
	ok = local_add_locked(r, &(struct ecqe){ .user_data = ud, .res = res, .flags = cflags },
			      true);
	cq_unlock(r);
	return ok;
}

/*
 * The kernel frees a request io-wq completed from task work that runs
 * before its task is back in user space: a program that saw the CQE finds
 * it gone when it submits, and a request it makes then is not deferred
 * behind it (drain, submit.c).  Here the completer frees it after the
 * post, and the waiter it wakes may submit first: so the count goes up
 * with the CQE, under cq_lock after it is filled (a CQE of a request that
 * drain starts because of the count takes cq_lock too: it comes after)
 * and before the tail is published and waiters woken.  seq_cst: the
 * freeing thread's half of the drain protocol (submit.c); the drain check
 * that goes with it is req_free()'s, after.
 */
void cq_post_last(struct ring *r, const struct ecqe *c)
{
	bool local;

	pthread_mutex_lock(&r->cq_lock);
	/* DEFER_TASKRUN: it waits for the submitter as any CQE of this
	 * thread's (cq_post_noflush()), counted gone already */
	local = defers(r);
	if (local)
		local_add_locked(r, c, true);
	else
		post_locked(r, c, true);
	atomic_fetch_add_explicit(&r->nr_freed, 1, memory_order_seq_cst);
	if (!local)
		commit(r, true);
	cq_unlock(r);
	timeout_cqes_posted(r);
}

void cq_post_batch(struct ring *r, const struct ecqe *cqes, unsigned n)
{
	if (!n)
		return;
	pthread_mutex_lock(&r->cq_lock);
	if (defers(r)) {
		for (unsigned i = 0; i < n; i++)
			local_add_locked(r, &cqes[i], true);
	} else {
		unsigned i = 0;

		/* 16-byte CQEs with no backlog: as many as fit go in with one
		 * look at the head, the rest through post_locked() (to the
		 * backlog, in order) */
		if (!r->ovf_head && !(r->flags & (IORING_SETUP_CQE32 | IORING_SETUP_CQE_MIXED))) {
			unsigned space = cq_space(r), tail = r->cached_cq_tail;
			unsigned fit = n < space ? n : space, mask = r->cq_mask;
			struct io_uring_cqe *ring_cqes = r->cqes;

			for (; i < fit; i++, tail++)
				fill_slot(&ring_cqes[tail & mask], cqes[i].user_data, cqes[i].res,
					  cqes[i].flags);
			r->cached_cq_tail = tail;
		}
		for (; i < n; i++)
			post_locked(r, &cqes[i], true);
		commit(r, true);
	}
	cq_unlock(r);
	timeout_cqes_posted(r);
}

bool cq_full_or_overflowed(struct ring *r)
{
	bool full;

	pthread_mutex_lock(&r->cq_lock);
	full = r->ovf_head || !cq_space(r);
	cq_unlock(r);
	return full;
}

static void flush_locked(struct ring *r)
{
	unsigned tail = r->cached_cq_tail;
	bool moved;

	while (r->ovf_head && fits(r, &r->ovf_head->cqe)) {
		struct ocqe *o = r->ovf_head;

		fill(r, &o->cqe);
		r->ovf_head = o->next;
		if (!r->ovf_head)
			r->ovf_tail = NULL;
		free(o);
	}
	/* a filler CQE alone (fits()) moves the tail too */
	moved = r->cached_cq_tail != tail;
	if (moved) {
		commit(r, false);
		if (!r->ovf_head)
			set_sq_flag(r, IORING_SQ_CQ_OVERFLOW, false);
	}
	/* after the backlog, which holds older CQEs; only the submitter
	 * posts them (enter refuses GETEVENTS to any other task) */
	if (r->local_head && !defers(r))
		flush_local_locked(r);
}

void cq_flush_overflow(struct ring *r)
{
	pthread_mutex_lock(&r->cq_lock);
	flush_locked(r);
	cq_unlock(r);
	timeout_cqes_posted(r); /* a backlogged CQE counts once in the CQ */
}

void cq_drop_overflow(struct ring *r)
{
	pthread_mutex_lock(&r->cq_lock);
	while (r->ovf_head) {
		struct ocqe *o = r->ovf_head;

		r->ovf_head = o->next;
		free(o);
	}
	r->ovf_tail = NULL;
	while (r->local_head) {
		struct ocqe *o = r->local_head;

		r->local_head = o->next;
		free(o);
	}
	r->local_tail = NULL;
	r->nr_local = 0;
	cq_unlock(r);
}

/* Sleep slice of a waiter that could get no eventfd (RLIMIT_NOFILE). */
#define WAIT_TICK_NS 1000000L

/* Per-ring pool of eventfds the waiters sleep on (ppoll), under cq_lock. */
static int efd_get(struct ring *r)
{
	if (r->efd_pool_n)
		return r->efd_pool[--r->efd_pool_n];
	return sys_fd_move_high(sys_eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
}

static void efd_put(struct ring *r, int efd)
{
	if (r->efd_pool_n == r->efd_pool_cap) {
		unsigned cap = r->efd_pool_cap ? 2 * r->efd_pool_cap : 4;
		int *n = realloc(r->efd_pool, cap * sizeof(int));

		if (!n) {
			sys_close(efd);
			return;
		}
		r->efd_pool = n;
		r->efd_pool_cap = cap;
	}
	r->efd_pool[r->efd_pool_n++] = efd;
}

void cq_free_waiter_fds(struct ring *r)
{
	pthread_mutex_lock(&r->cq_lock);
	while (r->efd_pool_n)
		sys_close(r->efd_pool[--r->efd_pool_n]);
	free(r->efd_pool);
	r->efd_pool = NULL;
	r->efd_pool_cap = 0;
	cq_unlock(r);
}

/* Now on the ring's wait clock (IORING_REGISTER_CLOCK: MONOTONIC or BOOTTIME). */
static int64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t ts_to_ns(const struct timespec *ts)
{
	/* the kernel does not validate the value: saturate instead of overflowing */
	if (ts->tv_sec > INT64_MAX / 1000000000LL - 1)
		return INT64_MAX / 2;
	if (ts->tv_sec < -(INT64_MAX / 1000000000LL - 1))
		return -(INT64_MAX / 2);
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static int64_t wait_deadline(const struct timespec *ts, bool abs_time, int64_t start)
{
	int64_t deadline = ts_to_ns(ts);

	if (!abs_time)
		deadline += start;
	return deadline;
}

/* The sigmask argument: 8 bytes, the kernel's sigset. */
static int wait_sigmask(const void *usig, size_t usigsz, sigset_t *set)
{
	uint64_t bits;

	if (usigsz != sizeof(bits))
		return -EINVAL;
	if (umem_read(&bits, usig, sizeof(bits)))
		return -EFAULT;
	sigemptyset(set);
	memcpy(set, &bits, sizeof(bits));
	return 0;
}

/* cq_lock held: w sleeps until the CQ tail reaches target. */
static void waiter_add(struct ring *r, struct waiter *w, unsigned target)
{
	/* -1 without an fd to be had (RLIMIT_NOFILE): the wait must not
	 * fail for that (the kernel's needs no fd), it sleeps in ticks */
	if (!w->inl)
		w->efd = efd_get(r);
	w->target = target;
	w->signalled = false;
	w->nr_timeouts = atomic_load_explicit(&r->cq_timeouts, memory_order_relaxed);
	w->timeout_over = false;
	w->next = r->waiters;
	if (w->next)
		w->next->prev = w;
	r->waiters = w;
}

/*
 * cq_lock held: flush the backlog, then see whether the wait is over before
 * it starts: -EBADR for a CQE lost since the last wait (reported once), 0
 * with min CQEs in the CQ.  Otherwise read the signal mask (only a wait that
 * sleeps reads it), put w on the waiters and return 1.
 */
static int wait_begin_locked(struct ring *r, unsigned min, const void *usig, size_t usigsz,
			     sigset_t *set, sigset_t **mask, struct waiter *w)
{
	unsigned head;
	int ret;

	flush_locked(r);
	if (r->cqe_dropped) {
		r->cqe_dropped = false;
		return -EBADR;
	}
	head = IO_URING_READ_ONCE(*r->cq_head);
	if (r->cached_cq_tail - head >= min)
		return 0;
	if (usig) {
		ret = wait_sigmask(usig, usigsz, set);
		if (ret)
			return ret;
		*mask = set;
	}
	waiter_add(r, w, head + min);
	return 1;
}

/*
 * The next sleep: at most a second (a lost wake-up, e.g. a failed eventfd
 * write under an injected fault, costs a delay, never a hang), no later than
 * the deadline (timed), a tick without an eventfd.  *left: the time to the
 * deadline (INT64_MAX untimed).  -ETIME once the deadline has passed.
 */
static int sleep_slice(bool timed, int64_t deadline, clockid_t clock, bool has_efd,
		       struct timespec *rel, int64_t *left)
{
	rel->tv_sec = 1;
	rel->tv_nsec = 0;
	*left = INT64_MAX;
	if (timed) {
		*left = deadline - now_ns(clock);
		if (*left <= 0)
			return -ETIME;
		if (*left < 1000000000LL) {
			rel->tv_sec = 0;
			rel->tv_nsec = *left;
		}
	}
	if (!has_efd && (rel->tv_sec || rel->tv_nsec > WAIT_TICK_NS)) {
		rel->tv_sec = 0;
		rel->tv_nsec = WAIT_TICK_NS;
	}
	return 0;
}

/*
 * Only AIO outstanding: sleep in io_getevents and complete it in this thread
 * (aio.c), no hand-off.  woken set: posters skip our eventfd meanwhile;
 * wait_done() clears it, under cq_lock, before the tail is looked at again.
 * aio_wait_events()'s answer (-EAGAIN: sleep on the eventfd instead), or 1 when
 * the target is reached already.
 */
static int sleep_aio(struct ring *r, struct waiter *w, int64_t left, const sigset_t *mask)
{
	unsigned need;

	pthread_mutex_lock(&r->cq_lock);
	w->woken = true;
	need = w->target - r->cached_cq_tail;
	cq_unlock(r);
	if ((int)need <= 0)
		return 1;
	return aio_wait_events(r, need, left, mask);
}

/*
 * Sleep on the waiter's eventfd for rel at most.  0: woken, or the slice
 * is over; -EINTR (a handled signal) or another error ends the wait.
 */
static int sleep_efd(struct waiter *w, const struct timespec *rel, const sigset_t *mask)
{
	struct pollfd pfd = { .fd = w->efd, .events = POLLIN };
	uint64_t cnt;
	int n = sys_ppoll(&pfd, 1, rel, mask);

	if (n < 0 && n != -EAGAIN && n != -ENOMEM)
		return n;
	if (n > 0 && w->efd >= 0)
		sys_read(w->efd, &cnt, sizeof(cnt));
	return 0;
}

/*
 * Sleep in the ring's reactor (w->inl): the fd events it gets run here, as
 * the reactor thread would run them (reactor.h); the eventfd that wakes it
 * is the reactor's.  As sleep_efd().
 */
static int sleep_inline(struct waiter *w, const struct timespec *rel, const sigset_t *mask)
{
	int ctx = engine_thread_ctx, ret;

	engine_thread_ctx = CTX_REACTOR;
	running_waiter = w;
	ret = reactor_waiter_sleep(w->inl, rel, mask);
	running_waiter = NULL;
	engine_thread_ctx = ctx;
	return ret;
}

/*
 * After a sleep: posters may wake w again; has the CQ reached its target,
 * or has a completer seen a timeout end (not cq_timeouts itself: see
 * wake_waiters())?
 */
static bool wait_done(struct ring *r, struct waiter *w)
{
	bool done;

	pthread_mutex_lock(&r->cq_lock);
	/* a write that woke the sleep was read by it (sleep_efd()) */
	w->woken = false;
	w->signalled = false;
	flush_locked(r);
	done = (int)(r->cached_cq_tail - w->target) >= 0 || w->timeout_over;
	cq_unlock(r);
	timeout_cqes_posted(r);
	return done;
}

/* w leaves the waiters; a timeout or signal with CQEs present gives 0. */
static int waiter_remove(struct ring *r, struct waiter *w, int ret)
{
	pthread_mutex_lock(&r->cq_lock);
	if (w->prev)
		w->prev->next = w->next;
	else
		r->waiters = w->next;
	if (w->next)
		w->next->prev = w->prev;
	if (w->efd >= 0 && !w->inl) {
		uint64_t cnt;

		/*
		 * Leave it reset for the next user: a poster wrote it since the
		 * last wait_done(), whose sleep read what woke it.  Writes only
		 * come when woken goes from false to true, so at worst a late
		 * one wakes the next user once for nothing.
		 */
		if (w->signalled)
			sys_read(w->efd, &cnt, sizeof(cnt));
		efd_put(r, w->efd);
	}
	if (ret < 0 && IO_URING_READ_ONCE(*r->cq_head) != r->cached_cq_tail)
		ret = 0;
	cq_unlock(r);
	if (w->inl)
		reactor_waiter_release(w->inl);
	return ret;
}

/*
 * The minimum wait (EXT_ARG min_wait_usec) is over: does the wait end, or go
 * on until the first CQE?  As the kernel's min-timer: an untimed wait ends
 * (min_wait alone is a timeout), and so does one that saw a CQE posted since
 * it began or has CQEs in the CQ; otherwise it now waits for any one CQE
 * until its own timeout.  1: the wait ends (-ETIME, or 0 with CQEs).
 */
static int min_wait_over(struct ring *r, struct waiter *w, bool timed, unsigned start_tail)
{
	int over = 1;

	pthread_mutex_lock(&r->cq_lock);
	flush_locked(r);
	if (timed && r->cached_cq_tail == start_tail &&
	    r->cached_cq_tail == IO_URING_READ_ONCE(*r->cq_head)) {
		/* posters compare the tail with the target under cq_lock */
		w->target = start_tail + 1;
		over = 0;
	}
	cq_unlock(r);
	return over;
}

/*
 * A wait that will sleep (fewer than min CQEs in the CQ now; a racy look,
 * checked again under cq_lock) on a ring whose reactor has fd work armed
 * sleeps in the reactor's epoll set (w->inl): the socket that gets data
 * wakes this thread, which receives and posts the CQE itself, instead of
 * the reactor thread doing it and then waking this one.  Its first sleep
 * takes what is ready already, so the reactor's ready work does not run
 * before it (ring_run_reactor()), as it does for any other wait.
 */
static void claim_reactor(struct ring *r, unsigned min, struct waiter *w)
{
	/* acquire: as cq_space(); only a hint here */
	unsigned in_cq = io_uring_smp_load_acquire(r->cq_tail) - IO_URING_READ_ONCE(*r->cq_head);
	struct ringer_reactor *reactor;
	int efd;

	if (!min || in_cq >= min || !(reactor = ring_busy_reactor(r)))
		return;
	efd = reactor_waiter_claim(reactor);
	if (efd < 0)
		return;
	w->inl = reactor;
	w->efd = efd;
}

/*
 * Wait until min_complete CQEs are in the CQ (counted from the head at the
 * start), the deadline passes (-ETIME) or a handled signal arrives (-EINTR);
 * a timeout or signal with at least one CQE present gives 0.  mask, when not
 * NULL, replaces the signal mask during the sleep (ppoll swaps it atomically,
 * and ppoll is never restarted, whatever SA_RESTART says).  Times are on the
 * ring's clock (IORING_REGISTER_CLOCK).
 *
 * min_wait_usec (0: none): the wait first lasts up to that long for
 * min_complete CQEs, whatever ts says (a shorter ts is stretched to it),
 * then min_wait_over() decides whether it goes on.
 *
 * Each round sleeps first in io_getevents while only AIO is outstanding
 * (sleep_aio), then, when that says -EAGAIN, on the waiter's eventfd
 * (sleep_efd), and goes back to AIO after every eventfd wake-up.
 */
int cq_wait(struct ring *r, unsigned min, const struct timespec *ts, bool abs_time,
	    unsigned min_wait_usec, const void *usig, size_t usigsz)
{
	clockid_t clock = atomic_load_explicit(&r->clock_boottime, memory_order_relaxed)
				  ? CLOCK_BOOTTIME
				  : CLOCK_MONOTONIC;
	bool min_phase = min_wait_usec != 0;
	int64_t start = 0, deadline = 0, min_deadline = 0;
	struct waiter w = { 0 };
	bool aio_wait = true;
	sigset_t set, *mask = NULL;
	unsigned start_tail;
	int ret;

	if (min > r->cq_entries)
		min = r->cq_entries;
	if (faults_on() && r->fault_cq && min > r->fault_cq)
		min = r->fault_cq; /* RINGER_FAULTS cq=N: no more can be in the CQ */
	if (min_phase || (ts && !abs_time))
		start = now_ns(clock); /* an untimed wait reads no clock */
	if (ts)
		deadline = wait_deadline(ts, abs_time, start);
	if (min_phase)
		min_deadline = start + (int64_t)min_wait_usec * 1000;
	claim_reactor(r, min, &w);
	if (!w.inl)
		ring_run_reactor(r);
	pthread_mutex_lock(&r->cq_lock);
	ret = wait_begin_locked(r, min, usig, usigsz, &set, &mask, &w);
	start_tail = r->cached_cq_tail; /* after wait_begin_locked()'s flush */
	cq_unlock(r);
	timeout_cqes_posted(r);
	if (ret <= 0) {
		if (w.inl) {
			/* no sleep: the reactor's ready work, as without it */
			reactor_waiter_release(w.inl);
			ring_run_reactor(r);
		}
		return ret;
	}

	for (;;) {
		struct timespec rel;
		int64_t left;

		if (min_phase)
			ret = sleep_slice(true, min_deadline, clock, w.efd >= 0, &rel, &left);
		else
			ret = sleep_slice(ts != NULL, deadline, clock, w.efd >= 0, &rel, &left);
		if (ret && min_phase) {
			min_phase = false;
			if (min_wait_over(r, &w, ts != NULL, start_tail))
				break;
			continue;
		}
		if (ret)
			break;
		if (aio_wait) {
			int n = sleep_aio(r, &w, left, mask);

			if (wait_done(r, &w))
				break;
			if (n != -EAGAIN)
				continue;
			aio_wait = false; /* until the next wake-up */
		}
		if (w.inl)
			ret = sleep_inline(&w, &rel, mask);
		else
			ret = sleep_efd(&w, &rel, mask);
		if (ret)
			break;
		aio_wait = true;
		if (wait_done(r, &w))
			break;
	}
	return waiter_remove(r, &w, ret);
}

void cq_wake_all(struct ring *r)
{
	pthread_mutex_lock(&r->cq_lock);
	for (struct waiter *w = r->waiters; w; w = w->next) {
		uint64_t one = 1;

		if (w->efd >= 0)
			sys_write(w->efd, &one, sizeof(one));
	}
	cq_unlock(r);
}
