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
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>

#include "engine/engine.h"
#include "engine/sys.h"

_Thread_local int engine_thread_ctx;
_Thread_local struct submit_state *engine_submit_state;

static unsigned cq_space(struct ring *r)
{
	/*
	 * acquire: pairs with the application's release store of cq.head made
	 * after it read the CQEs, so a slot is not rewritten while being read.
	 */
	unsigned head = io_uring_smp_load_acquire(r->cq_head);
	unsigned used = r->cached_cq_tail - head;

	if (used > r->cq_entries) /* a scribbled head: treat as full */
		used = r->cq_entries;
	return r->cq_entries - used;
}

static void fill(struct ring *r, uint64_t ud, int32_t res, uint32_t cflags)
{
	struct io_uring_cqe *cqe = &r->cqes[r->cached_cq_tail & r->cq_mask];

	/* plain stores: the release store of the tail in commit() publishes them */
	cqe->user_data = ud;
	cqe->res = res;
	cqe->flags = cflags;
	r->cached_cq_tail++;
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

/* false: the CQE was not posted because it would have gone to the backlog */
static bool post_locked(struct ring *r, uint64_t ud, int32_t res, uint32_t cflags,
			bool allow_overflow)
{
	struct ocqe *o;

	if (!r->ovf_head && cq_space(r)) {
		fill(r, ud, res, cflags);
		return true;
	}
	if (!allow_overflow)
		return false;
	o = malloc(sizeof(*o));
	if (!o) {
		/* really lost: counted, and reported once by a waiting enter */
		IO_URING_WRITE_ONCE(*r->cq_overflow, IO_URING_READ_ONCE(*r->cq_overflow) + 1);
		r->cqe_dropped = true;
		return true;
	}
	o->next = NULL;
	o->cqe.user_data = ud;
	o->cqe.res = res;
	o->cqe.flags = cflags;
	if (r->ovf_tail)
		r->ovf_tail->next = o;
	else
		r->ovf_head = o;
	r->ovf_tail = o;
	if (r->ovf_head == o)
		set_sq_flag(r, IORING_SQ_CQ_OVERFLOW, true);
	return true;
}

static void commit(struct ring *r, bool posted)
{
	unsigned tail = r->cached_cq_tail;

	/* release: the CQE stores above are visible before the new tail is */
	io_uring_smp_store_release(r->cq_tail, tail);
	if (!posted)
		return;
	ring_poll_signal(r); /* pollfd.c: one load unless the ring fd is polled */
	evfd_signal(r); /* eventfd.c */
	for (struct waiter *w = r->waiters; w; w = w->next) {
		if (!w->woken && (int)(tail - w->target) >= 0) {
			uint64_t one = 1;

			w->woken = true;
			if (w->efd >= 0)
				sys_write(w->efd, &one, sizeof(one));
		}
	}
}

bool cq_post(struct ring *r, uint64_t ud, int32_t res, uint32_t cflags, bool allow_overflow)
{
	bool ok;

	pthread_mutex_lock(&r->cq_lock);
	ok = post_locked(r, ud, res, cflags, allow_overflow);
	if (ok)
		commit(r, true);
	pthread_mutex_unlock(&r->cq_lock);
	return ok;
}

void cq_post_batch(struct ring *r, const struct io_uring_cqe *cqes, unsigned n)
{
	if (!n)
		return;
	pthread_mutex_lock(&r->cq_lock);
	for (unsigned i = 0; i < n; i++)
		post_locked(r, cqes[i].user_data, cqes[i].res, cqes[i].flags, true);
	commit(r, true);
	pthread_mutex_unlock(&r->cq_lock);
}

bool cq_full_or_overflowed(struct ring *r)
{
	bool full;

	pthread_mutex_lock(&r->cq_lock);
	full = r->ovf_head || !cq_space(r);
	pthread_mutex_unlock(&r->cq_lock);
	return full;
}

static void flush_locked(struct ring *r)
{
	bool moved = false;

	while (r->ovf_head && cq_space(r)) {
		struct ocqe *o = r->ovf_head;

		fill(r, o->cqe.user_data, o->cqe.res, o->cqe.flags);
		r->ovf_head = o->next;
		if (!r->ovf_head)
			r->ovf_tail = NULL;
		free(o);
		moved = true;
	}
	if (moved) {
		commit(r, false);
		if (!r->ovf_head)
			set_sq_flag(r, IORING_SQ_CQ_OVERFLOW, false);
	}
}

void cq_flush_overflow(struct ring *r)
{
	/* unlocked peek: a backlog appearing right after is flushed by the next enter */
	pthread_mutex_lock(&r->cq_lock);
	flush_locked(r);
	pthread_mutex_unlock(&r->cq_lock);
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
	pthread_mutex_unlock(&r->cq_lock);
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
	pthread_mutex_unlock(&r->cq_lock);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
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

/* After a sleep: posters may wake w again; has the CQ reached its target? */
static bool wait_done(struct ring *r, struct waiter *w)
{
	bool done;

	pthread_mutex_lock(&r->cq_lock);
	w->woken = false;
	flush_locked(r);
	done = (int)(r->cached_cq_tail - w->target) >= 0;
	pthread_mutex_unlock(&r->cq_lock);
	return done;
}

/*
 * Wait until min_complete CQEs are in the CQ (counted from the head at the
 * start), the deadline passes (-ETIME) or a handled signal arrives (-EINTR);
 * a timeout or signal with at least one CQE present gives 0.  mask, when not
 * NULL, replaces the signal mask during the sleep (ppoll swaps it atomically,
 * and ppoll is never restarted, whatever SA_RESTART says).
 */
int cq_wait(struct ring *r, unsigned min, const struct timespec *ts, bool abs_time,
	    const void *usig, size_t usigsz)
{
	struct waiter w = { 0 };
	bool aio_wait = true;
	sigset_t set, *mask = NULL;
	int64_t deadline = 0;
	int ret = 0;
	unsigned head;

	if (min > r->cq_entries)
		min = r->cq_entries;
	if (ts) {
		deadline = ts_to_ns(ts);
		if (!abs_time)
			deadline += now_ns();
	}

	pthread_mutex_lock(&r->cq_lock);
	flush_locked(r);
	if (r->cqe_dropped) {
		r->cqe_dropped = false;
		pthread_mutex_unlock(&r->cq_lock);
		return -EBADR;
	}
	head = IO_URING_READ_ONCE(*r->cq_head);
	if (r->cached_cq_tail - head >= min) {
		pthread_mutex_unlock(&r->cq_lock);
		return 0;
	}
	if (usig) {
		/* only a wait that sleeps reads the mask: 8 bytes, the kernel's sigset */
		uint64_t bits;

		if (usigsz != sizeof(bits)) {
			pthread_mutex_unlock(&r->cq_lock);
			return -EINVAL;
		}
		if (umem_read(&bits, usig, sizeof(bits))) {
			pthread_mutex_unlock(&r->cq_lock);
			return -EFAULT;
		}
		sigemptyset(&set);
		memcpy(&set, &bits, sizeof(bits));
		mask = &set;
	}
	/* -1 without an fd to be had (RLIMIT_NOFILE): the wait must not
	 * fail for that (the kernel's needs no fd), it sleeps in ticks */
	w.efd = efd_get(r);
	w.target = head + min;
	w.next = r->waiters;
	if (w.next)
		w.next->prev = &w;
	r->waiters = &w;
	pthread_mutex_unlock(&r->cq_lock);

	for (;;) {
		struct pollfd pfd = { .fd = w.efd, .events = POLLIN };
		/* at most a second per sleep: a lost wake-up (a failed eventfd
		 * write, e.g. an injected fault) costs a delay, never a hang */
		struct timespec rel = { .tv_sec = 1, .tv_nsec = 0 };
		uint64_t cnt;
		int n;

		int64_t left = INT64_MAX;

		if (ts) {
			left = deadline - now_ns();
			if (left <= 0) {
				ret = -ETIME;
				break;
			}
			if (left < 1000000000LL) {
				rel.tv_sec = 0;
				rel.tv_nsec = left;
			}
		}
		if (w.efd < 0 && (rel.tv_sec || rel.tv_nsec > WAIT_TICK_NS)) {
			rel.tv_sec = 0;
			rel.tv_nsec = WAIT_TICK_NS;
		}
		if (aio_wait) {
			/*
			 * Only AIO outstanding: sleep in io_getevents and complete
			 * it in this thread (ops/rw.c), no hand-off.  woken set:
			 * posters skip our eventfd meanwhile; cleared, under
			 * cq_lock, before the tail is looked at again.
			 */
			unsigned need;

			pthread_mutex_lock(&r->cq_lock);
			w.woken = true;
			need = w.target - r->cached_cq_tail;
			pthread_mutex_unlock(&r->cq_lock);
			if ((int)need <= 0)
				n = 1;
			else
				n = rw_aio_wait(r, need, left, mask);
			if (wait_done(r, &w))
				break;
			if (n != -EAGAIN)
				continue;
			aio_wait = false; /* until the next wake-up */
		}
		n = sys_ppoll(&pfd, 1, &rel, mask);
		if (n < 0) {
			if (n == -EINTR) {
				ret = -EINTR;
				break;
			}
			if (n != -EAGAIN && n != -ENOMEM) {
				ret = n;
				break;
			}
		}
		if (n > 0 && w.efd >= 0)
			sys_read(w.efd, &cnt, sizeof(cnt));
		aio_wait = true;
		if (wait_done(r, &w))
			break;
	}

	pthread_mutex_lock(&r->cq_lock);
	if (w.prev)
		w.prev->next = w.next;
	else
		r->waiters = w.next;
	if (w.next)
		w.next->prev = w.prev;
	if (w.efd >= 0) {
		uint64_t cnt;

		sys_read(w.efd, &cnt, sizeof(cnt)); /* leave it reset for the next user */
		efd_put(r, w.efd);
	}
	if (ret < 0 && IO_URING_READ_ONCE(*r->cq_head) != r->cached_cq_tail)
		ret = 0;
	pthread_mutex_unlock(&r->cq_lock);
	return ret;
}

void cq_wake_all(struct ring *r)
{
	pthread_mutex_lock(&r->cq_lock);
	for (struct waiter *w = r->waiters; w; w = w->next) {
		uint64_t one = 1;

		if (w->efd >= 0)
			sys_write(w->efd, &one, sizeof(one));
	}
	pthread_mutex_unlock(&r->cq_lock);
}
