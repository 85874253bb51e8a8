// SPDX-License-Identifier: MIT
/*
 * The SQ poller (IORING_SETUP_SQPOLL): a thread that consumes the SQ of one
 * or more rings (shared with IORING_SETUP_ATTACH_WQ, like the kernel's
 * io_sq_data) as soon as their tails move, so the application submits
 * without entering.  After sq_thread_idle ms without work it sets
 * IORING_SQ_NEED_WAKEUP and sleeps until an enter with IORING_ENTER_SQ_WAKEUP.
 *
 * Idle strategy (this runs on machines with two cores, where a thread that
 * spins flat out takes half the machine from the application): after the
 * last piece of work the poller spins with a pause instruction for
 * SPIN_NS, then calls sched_yield() until YIELD_NS, then sleeps with an
 * exponential backoff from SLEEP_MIN_NS to SLEEP_MAX_NS between looks at the
 * tails, until the idle time is over.  A busy application keeps it in the
 * spin phase (pickup in well under a microsecond); an application that pauses
 * costs at most one SLEEP_MAX_NS of latency and a few thousand cheap wakeups
 * a second instead of a full core.
 *
 * Locks: sqd_global orders attach/detach against each other and against
 * enter's lookups of ring->sqd; sqd->lock holds the ring list and is held by
 * the poller during a pass; sqd->wait_lock with wait_cond puts the poller to
 * sleep, with space_cond it parks SQ_WAIT callers.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "engine/engine.h"
#include "engine/sys.h"
#include "engine/thread.h"

/*
 * ThreadSanitizer cannot pair the program's release store of the SQ tail
 * with the poller's acquire load: the two map the ring at two addresses (as
 * for the CQ tail, ringer.h).  A TSan build of libringer releases this as
 * it publishes a tail (lib/queue.c) and the poller acquires it after its
 * load, so what the program did before an SQE (made the socket a receive
 * names) is seen as ordered before the poller's issue of it.  Defined in
 * every build; other builds pay nothing.
 */
char ringer__tsan_sq_sync;
#ifdef RINGER__TSAN_CQ
void __tsan_acquire(void *addr);
#endif

/* acquire: pairs with the application's release store of the tail */
static unsigned load_sq_tail(struct ring *r)
{
	unsigned tail = io_uring_smp_load_acquire(r->sq_tail);

#ifdef RINGER__TSAN_CQ
	__tsan_acquire(&ringer__tsan_sq_sync);
#endif
	return tail;
}

#define SPIN_NS 50000LL /* pause-spin this long after the last work */
#define YIELD_NS 200000LL /* then sched_yield() until this */
#define SLEEP_MIN_NS 20000LL /* then sleep, doubling from this... */
#define SLEEP_MAX_NS 500000LL /* ...up to this, between looks at the tails */
#define CAP_ENTRIES 8 /* per ring and pass when the poller serves several rings */
#define WAIT_SPIN_NS 100000LL /* a waiter polls the CQ at most this long */

struct sq_data {
	int refs; /* attached rings + enter calls using it, under sqd_global */
	pthread_mutex_t lock;
	struct ring **rings; /* under lock */
	unsigned nr, cap;
	unsigned idle_ms; /* the largest of the rings' sq_thread_idle */
	pthread_t thread;
	bool joined;

	pthread_mutex_t wait_lock;
	pthread_cond_t wait_cond; /* the sleeping poller */
	pthread_cond_t space_cond; /* SQ_WAIT callers */
	bool wake; /* under wait_lock: an SQ_WAKEUP (or attach/detach) since the last sleep */
	bool named; /* under wait_lock: the poller wears its name (sqd_create waits) */
	bool stop; /* under both locks */
	atomic_uint space_waiters;
};

static pthread_mutex_t sqd_global = PTHREAD_MUTEX_INITIALIZER;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sq_flag(struct ring *r, bool on)
{
	/*
	 * seq_cst: with the fence in go_to_sleep() this store is ordered before
	 * the poller's re-read of the tails (see there).
	 */
	if (on)
		atomic_fetch_or_explicit((_Atomic unsigned *)r->sq_flags, IORING_SQ_NEED_WAKEUP,
					 memory_order_seq_cst);
	else
		atomic_fetch_and_explicit((_Atomic unsigned *)r->sq_flags, ~IORING_SQ_NEED_WAKEUP,
					  memory_order_seq_cst);
}

static bool sq_pending(struct ring *r)
{
	/* the poller is the only one moving cached_sq_head of an SQPOLL ring */
	return io_uring_smp_load_acquire(r->sq_tail) != r->cached_sq_head;
}

/* One look at one ring: submit what its tail exposes, poll its IOPOLL list. */
static int sq_pass(struct ring *r, bool capped)
{
	unsigned n;
	int work = 0;

	if (atomic_load_explicit(&r->disabled, memory_order_acquire) ||
	    atomic_load_explicit(&r->dying, memory_order_acquire))
		return 0;
	pthread_mutex_lock(&r->submit_lock);
	n = load_sq_tail(r) - r->cached_sq_head;
	if (n) {
		if (capped && n > CAP_ENTRIES)
			n = CAP_ENTRIES;
		/* relaxed: submit_sqes()'s release of the SQ head orders it
		 * before a waiter sees the SQ empty (sqpoll_wait_spin()) */
		atomic_store_explicit(&r->sqp_busy, true, memory_order_relaxed);
		atomic_store_explicit(&r->sqp_cpu, sched_getcpu(), memory_order_relaxed);
		submit_sqes(r, n);
		/* release: the pass's CQEs are seen before the flag goes off */
		atomic_store_explicit(&r->sqp_busy, false, memory_order_release);
		work = 1;
	}
	pthread_mutex_unlock(&r->submit_lock);
	if (r->flags & IORING_SETUP_IOPOLL)
		work |= iopoll_reap(r, 0) > 0;
	return work;
}

static void wake_space_waiters(struct sq_data *sqd)
{
	/*
	 * seq_cst fence: the head store of the pass is ordered before the read
	 * of space_waiters; a waiter increments it before re-reading the head
	 * under wait_lock, so either it sees the new head or we see it waiting.
	 */
	io_uring_smp_mb();
	if (!atomic_load_explicit(&sqd->space_waiters, memory_order_relaxed))
		return;
	pthread_mutex_lock(&sqd->wait_lock);
	pthread_cond_broadcast(&sqd->space_cond);
	pthread_mutex_unlock(&sqd->wait_lock);
}

static void backoff(int64_t since_work, unsigned *sleeps)
{
	if (since_work < SPIN_NS) {
		for (int i = 0; i < 64; i++)
			arch_cpu_relax();
	} else if (since_work < YIELD_NS) {
		sched_yield();
	} else {
		int64_t ns = SLEEP_MIN_NS << (*sleeps < 5 ? *sleeps : 5);
		struct timespec ts;

		if (ns > SLEEP_MAX_NS)
			ns = SLEEP_MAX_NS;
		(*sleeps)++;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)ns;
		nanosleep(&ts, NULL);
	}
}

/*
 * Set NEED_WAKEUP everywhere, then sleep unless a tail moved.  The
 * application stores its tail, issues a full barrier and reads the flags;
 * we store the flags, issue a full barrier and read the tails: one of the two
 * sides sees the other's store, so an SQE is never left behind a sleeping
 * poller.  Called and returns with sqd->lock held.
 */
static void go_to_sleep(struct sq_data *sqd)
{
	bool pending = false;

	for (unsigned i = 0; i < sqd->nr; i++)
		sq_flag(sqd->rings[i], true);
	io_uring_smp_mb();
	for (unsigned i = 0; i < sqd->nr && !pending; i++) {
		struct ring *r = sqd->rings[i];

		pending = !atomic_load_explicit(&r->disabled, memory_order_acquire) &&
			  sq_pending(r);
		if (r->flags & IORING_SETUP_IOPOLL)
			pending |= atomic_load_explicit(&r->iopoll_list, memory_order_relaxed) != NULL;
	}
	if (!pending) {
		pthread_mutex_unlock(&sqd->lock);
		pthread_mutex_lock(&sqd->wait_lock);
		while (!sqd->wake && !sqd->stop)
			pthread_cond_wait(&sqd->wait_cond, &sqd->wait_lock);
		sqd->wake = false;
		pthread_mutex_unlock(&sqd->wait_lock);
		pthread_mutex_lock(&sqd->lock);
	}
	for (unsigned i = 0; i < sqd->nr; i++)
		sq_flag(sqd->rings[i], false);
}

static void *sq_thread(void *arg)
{
	struct sq_data *sqd = arg;
	/* a poller that never had work sleeps at once, as 6.18's does (probed) */
	int64_t last = now_ns() - (int64_t)sqd->idle_ms * 1000000LL;
	unsigned sleeps = 0;
	char name[16];

	/*
	 * The kernel's name for its poller (tools and tests find it by it).
	 * Named by itself, with prctl: naming another thread goes through
	 * /proc/self/task/TID/comm, and the /proc dentries that creates cost
	 * milliseconds of the parent's wait(2) when the process exits
	 * (proc_flush_pid), which programs that fork a child per ring pay on
	 * every child.  (Wearing the name in the creating thread instead gave
	 * it to any thread created meanwhile, a sanitizer's among them.)
	 */
	snprintf(name, sizeof(name), "iou-sqp-%d", (int)getpid());
	prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
	pthread_mutex_lock(&sqd->wait_lock);
	sqd->named = true;
	pthread_cond_broadcast(&sqd->space_cond);
	pthread_mutex_unlock(&sqd->wait_lock);

	pthread_mutex_lock(&sqd->lock);
	while (!sqd->stop) {
		bool capped = sqd->nr > 1;
		int work = 0;
		int64_t now;

		for (unsigned i = 0; i < sqd->nr; i++)
			work |= sq_pass(sqd->rings[i], capped);
		if (work) {
			pthread_mutex_unlock(&sqd->lock);
			wake_space_waiters(sqd);
			last = now_ns();
			sleeps = 0;
			pthread_mutex_lock(&sqd->lock);
			continue;
		}
		now = now_ns();
		if (now - last >= (int64_t)sqd->idle_ms * 1000000LL) {
			go_to_sleep(sqd);
			last = now_ns();
			sleeps = 0;
			continue;
		}
		/* let attach/detach in between passes */
		pthread_mutex_unlock(&sqd->lock);
		backoff(now - last, &sleeps);
		pthread_mutex_lock(&sqd->lock);
	}
	pthread_mutex_unlock(&sqd->lock);
	return NULL;
}

static void sqd_wake(struct sq_data *sqd)
{
	pthread_mutex_lock(&sqd->wait_lock);
	sqd->wake = true;
	pthread_cond_signal(&sqd->wait_cond);
	pthread_mutex_unlock(&sqd->wait_lock);
}

/* Drop a reference; the last one (the poller already joined) frees it. */
static void sqd_put_locked(struct sq_data *sqd)
{
	if (--sqd->refs)
		return;
	free(sqd->rings);
	pthread_mutex_destroy(&sqd->lock);
	pthread_mutex_destroy(&sqd->wait_lock);
	pthread_cond_destroy(&sqd->wait_cond);
	pthread_cond_destroy(&sqd->space_cond);
	free(sqd);
}

static unsigned idle_of(const struct io_uring_params *p)
{
	return p->sq_thread_idle ? p->sq_thread_idle : 1000; /* 0 means one second */
}

/* Setup-time checks, before anything is allocated (the kernel's -E values). */
int sqpoll_check_params(const struct io_uring_params *p)
{
	if ((p->flags & IORING_SETUP_SQ_AFF) && !(p->flags & IORING_SETUP_SQPOLL))
		return -EINVAL;
	if (p->flags & IORING_SETUP_ATTACH_WQ) {
		int fd = (int)p->wq_fd;

		if (sys_fcntl(fd, F_GETFD, 0) < 0)
			return -ENXIO;
		if (!engine_fd_is_ring(fd))
			return -EINVAL; /* not a ring of this engine */
	}
	if ((p->flags & IORING_SETUP_SQPOLL) && (p->flags & IORING_SETUP_SQ_AFF) &&
	    !(p->flags & IORING_SETUP_ATTACH_WQ)) {
		cpu_set_t set;

		/* a CPU out of range, offline or not ours: the kernel says EINVAL */
		if (p->sq_thread_cpu >= CPU_SETSIZE)
			return -EINVAL;
		if (sched_getaffinity(0, sizeof(set), &set) < 0 ||
		    !CPU_ISSET(p->sq_thread_cpu, &set))
			return -EINVAL;
	}
	return 0;
}

static int rings_add(struct sq_data *sqd, struct ring *r)
{
	if (sqd->nr == sqd->cap) {
		unsigned cap = sqd->cap ? 2 * sqd->cap : 4;
		struct ring **n = realloc(sqd->rings, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		sqd->rings = n;
		sqd->cap = cap;
	}
	sqd->rings[sqd->nr++] = r;
	return 0;
}

static int sqd_create(struct ring *r, const struct io_uring_params *p, struct sq_data **out)
{
	struct sq_data *sqd = calloc(1, sizeof(*sqd));
	pthread_attr_t attr;
	int ret;

	if (!sqd)
		return -ENOMEM;
	sqd->refs = 1;
	sqd->idle_ms = idle_of(p);
	pthread_mutex_init(&sqd->lock, NULL);
	pthread_mutex_init(&sqd->wait_lock, NULL);
	pthread_cond_init(&sqd->wait_cond, NULL);
	pthread_cond_init(&sqd->space_cond, NULL);
	if (rings_add(sqd, r)) {
		sqd_put_locked(sqd);
		return -ENOMEM;
	}
	pthread_attr_init(&attr);
	if (p->flags & IORING_SETUP_SQ_AFF) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(p->sq_thread_cpu, &set);
		pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	}
	ret = engine_thread_create(&sqd->thread, &attr, sq_thread, sqd);
	pthread_attr_destroy(&attr);
	if (ret) {
		sqd_put_locked(sqd);
		return ret == EINVAL ? -EINVAL : -ENOMEM;
	}
	/* the name is there as soon as setup returns, as the kernel's */
	pthread_mutex_lock(&sqd->wait_lock);
	while (!sqd->named)
		pthread_cond_wait(&sqd->space_cond, &sqd->wait_lock);
	pthread_mutex_unlock(&sqd->wait_lock);
	*out = sqd;
	return 0;
}

/*
 * Called at the end of a successful setup: start a poller, or join the one
 * of the ATTACH_WQ ring.  ATTACH_WQ without SQPOLL only shares the kernel's
 * io-wq, which the engine does not: nothing to do.
 */
int sqpoll_setup(struct ring *r, const struct io_uring_params *p)
{
	struct sq_data *sqd = NULL;
	int ret = 0;

	atomic_store_explicit(&r->sqd, NULL, memory_order_relaxed);
	atomic_store_explicit(&r->iopoll_list, NULL, memory_order_relaxed);
	atomic_store_explicit(&r->sqp_busy, false, memory_order_relaxed);
	atomic_store_explicit(&r->sqp_cpu, -1, memory_order_relaxed);
	if (!(p->flags & IORING_SETUP_SQPOLL))
		return 0;

	pthread_mutex_lock(&sqd_global);
	if (p->flags & IORING_SETUP_ATTACH_WQ) {
		struct ring *w = ring_get((int)p->wq_fd);

		sqd = w ? atomic_load_explicit(&w->sqd, memory_order_relaxed) : NULL;
		if (w)
			ring_put(w);
		if (!sqd) {
			ret = -EINVAL; /* the ring to attach to has no poller (probed) */
			goto out;
		}
		pthread_mutex_lock(&sqd->lock);
		ret = rings_add(sqd, r);
		if (!ret && idle_of(p) > sqd->idle_ms)
			sqd->idle_ms = idle_of(p);
		pthread_mutex_unlock(&sqd->lock);
		if (ret)
			goto out;
		sqd->refs++;
		/* a sleeping poller must come and look at the new ring's tail */
		sqd_wake(sqd);
	} else {
		ret = sqd_create(r, p, &sqd);
		if (ret)
			goto out;
	}
	atomic_store_explicit(&r->sqd, sqd, memory_order_release);
out:
	pthread_mutex_unlock(&sqd_global);
	return ret;
}

/*
 * The ring's fd is gone: the poller stops looking at it (it finishes a pass
 * in progress first).  The last ring stops and joins the thread.
 */
void sqpoll_detach(struct ring *r)
{
	struct sq_data *sqd;
	bool last;

	pthread_mutex_lock(&sqd_global);
	sqd = atomic_load_explicit(&r->sqd, memory_order_relaxed);
	if (!sqd) {
		pthread_mutex_unlock(&sqd_global);
		return;
	}
	atomic_store_explicit(&r->sqd, NULL, memory_order_relaxed);
	pthread_mutex_lock(&sqd->lock);
	for (unsigned i = 0; i < sqd->nr; i++) {
		if (sqd->rings[i] == r) {
			sqd->rings[i] = sqd->rings[--sqd->nr];
			break;
		}
	}
	last = !sqd->nr;
	if (last) {
		pthread_mutex_lock(&sqd->wait_lock);
		sqd->stop = true;
		pthread_cond_signal(&sqd->wait_cond);
		pthread_cond_broadcast(&sqd->space_cond);
		pthread_mutex_unlock(&sqd->wait_lock);
	}
	pthread_mutex_unlock(&sqd->lock);
	/* SQ_WAIT callers of this ring: its SQ will not move any more */
	pthread_mutex_lock(&sqd->wait_lock);
	pthread_cond_broadcast(&sqd->space_cond);
	pthread_mutex_unlock(&sqd->wait_lock);
	sq_flag(r, false);
	if (last && !sqd->joined) {
		pthread_join(sqd->thread, NULL);
		sqd->joined = true;
	}
	sqd_put_locked(sqd);
	pthread_mutex_unlock(&sqd_global);
}

/*
 * IORING_REGISTER_ENABLE_RINGS: the poller slept past the disabled ring; it
 * comes to look at it now and stays awake for its idle time, so SQEs
 * published without an enter are consumed (the kernel wakes it too).
 */
void sqpoll_wake(struct ring *r)
{
	struct sq_data *sqd;

	pthread_mutex_lock(&sqd_global);
	sqd = atomic_load_explicit(&r->sqd, memory_order_relaxed);
	if (sqd)
		sqd_wake(sqd);
	pthread_mutex_unlock(&sqd_global);
}

static bool sq_full(struct ring *r)
{
	/* the user-visible head, as the kernel's io_sqring_full() */
	unsigned tail = io_uring_smp_load_acquire(r->sq_tail);
	unsigned head = io_uring_smp_load_acquire(r->sq_head);

	return tail - head >= r->sq_entries;
}

/*
 * io_uring_enter on an SQPOLL ring: never submits, returns to_submit (the
 * caller then handles GETEVENTS), -EOWNERDEAD without a poller.
 */
int sqpoll_enter(struct ring *r, unsigned to_submit, unsigned flags)
{
	struct sq_data *sqd;

	if (!(flags & (IORING_ENTER_SQ_WAKEUP | IORING_ENTER_SQ_WAIT))) {
		if (!atomic_load_explicit(&r->sqd, memory_order_acquire))
			return -EOWNERDEAD;
		return (int)to_submit;
	}
	pthread_mutex_lock(&sqd_global);
	sqd = atomic_load_explicit(&r->sqd, memory_order_relaxed);
	if (sqd)
		sqd->refs++; /* the sqd outlives this call even if the ring is closed now */
	pthread_mutex_unlock(&sqd_global);
	if (!sqd)
		return -EOWNERDEAD;

	if (flags & IORING_ENTER_SQ_WAKEUP)
		sqd_wake(sqd);
	if (flags & IORING_ENTER_SQ_WAIT) {
		pthread_mutex_lock(&sqd->wait_lock);
		atomic_fetch_add_explicit(&sqd->space_waiters, 1, memory_order_seq_cst);
		/* seq_cst: the count is visible before we read the head (wake_space_waiters) */
		io_uring_smp_mb();
		while (sq_full(r) && !sqd->stop &&
		       atomic_load_explicit(&r->sqd, memory_order_relaxed) == sqd) {
			struct timespec ts;

			/* the timeout only bounds a missed corner (a ring disabled meanwhile) */
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 100000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&sqd->space_cond, &sqd->wait_lock, &ts);
		}
		atomic_fetch_sub_explicit(&sqd->space_waiters, 1, memory_order_relaxed);
		pthread_mutex_unlock(&sqd->wait_lock);
	}
	pthread_mutex_lock(&sqd_global);
	sqd_put_locked(sqd);
	pthread_mutex_unlock(&sqd_global);
	return (int)to_submit;
}

/*
 * GETEVENTS on an SQPOLL ring, before cq_wait() may sleep.  While the poller
 * has SQEs of this ring to take or is submitting them, their CQEs are
 * microseconds away: the waiter polls the CQ tail for them instead of
 * sleeping on an eventfd, which would cost the poller a write and the waiter
 * a wake-up per batch (the kernel's waiter sleeps, but a wake-up there costs
 * no system calls).  It stops once the poller has nothing of this ring's in
 * hand, whose CQEs then come from workers or the device and are worth
 * sleeping for, or after WAIT_SPIN_NS; not at all where the poller last ran
 * on the waiter's CPU.  A hint only: cq_wait() decides.
 */
void sqpoll_wait_spin(struct ring *r, unsigned min)
{
	int64_t deadline = 0;

	/* on the poller's CPU the spin would only keep it from running */
	if (atomic_load_explicit(&r->sqp_cpu, memory_order_relaxed) == sched_getcpu())
		return;
	if (min > r->cq_entries)
		min = r->cq_entries;
	for (unsigned i = 1; min; i++) {
		/* acquire: the CQEs below the tail are written */
		unsigned tail = io_uring_smp_load_acquire(r->cq_tail);

		if (tail - IO_URING_READ_ONCE(*r->cq_head) >= min)
			return;
		/*
		 * The head first, with acquire: seen empty, the SQ was emptied
		 * by a pass whose busy flag, raised before, is then seen (or
		 * its clearing, after its CQEs were posted).
		 */
		if (io_uring_smp_load_acquire(r->sq_head) == IO_URING_READ_ONCE(*r->sq_tail) &&
		    !atomic_load_explicit(&r->sqp_busy, memory_order_acquire))
			return;
		if (!(i & 63)) {
			int64_t now = now_ns();

			if (!deadline)
				deadline = now + WAIT_SPIN_NS;
			else if (now >= deadline)
				return;
		}
		arch_cpu_relax();
	}
}
