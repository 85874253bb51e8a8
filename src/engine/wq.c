/* SPDX-License-Identifier: MIT */
/*
 * The engine's worker pool (see wq.h for the contract).
 *
 * Structure: one mutex protects everything except each worker's futex word.
 * Each class has a FIFO of runnable items and a LIFO of idle workers.  Work is
 * handed directly to an idle worker (w->work, then a release store of
 * w->state), so a worker that wakes never races others for the item and never
 * takes the lock to get it.  The most recently idled worker is picked first:
 * it is the one most likely still spinning.
 *
 * Hashed items: a node per hash_key that has an item runnable, handed off or
 * running ("active").  Further items of that key wait on the node's pending
 * list; when the active item finishes (or is cancelled) the next pending one
 * becomes runnable.  So at most one item per key is ever past the pending
 * list, which gives both mutual exclusion and enqueue order, while other keys
 * run in parallel.  The active item's fn may take the pending items
 * (wq_take_hashed()) and run them itself, as io-wq's worker takes a hashed
 * chain whole: one hand-off for a burst of writes to one file.
 *
 * Worker lifetime: created with an item in hand (never more workers than
 * work), idle after its queue runs dry, spins for WQ_SPIN_NS, sleeps on its
 * futex word, and exits after WQ_IDLE_NS without work.  An exiting worker
 * joins the workers that exited before it, then parks itself on the zombie
 * list, so at most a few exited-but-unjoined threads exist; wq_destroy()
 * joins the rest.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "engine/wq.h"
#include "engine/thread.h"

/* How long an idle worker spins before sleeping: long enough to catch the
 * next item of a burst, short enough not to starve the submitter on a small
 * machine. */
#define WQ_SPIN_NS 8000ULL
/* An idle worker exits after this long without work. */
#define WQ_IDLE_NS 1000000000ULL

#define NR_CLASSES 2 /* 0: bounded, 1: unbounded */

/* Worker futex word (w->state). */
enum {
	W_SPIN = 0, /* idle, spinning: a waker needs no system call */
	W_GO = 1, /* w->work holds its next item (NULL: exit) */
	W_SLEEP = 2, /* idle, (about to be) asleep in FUTEX_WAIT */
};

struct worker {
	struct ringer_wq *wq;
	struct worker *idle_next, *idle_prev; /* class idle list (lock) */
	struct worker *link; /* spawn list / zombie list (lock) */
	struct wq_work *work; /* written under lock before W_GO */
	_Atomic uint32_t state;
	pthread_t thread;
	unsigned cls;
};

struct wq_class {
	unsigned max; /* cap */
	unsigned nr_workers; /* alive workers of this class */
	unsigned nr_idle;
	struct wq_work *head, *tail; /* runnable FIFO */
	struct worker *idle; /* idle LIFO */
};

struct hnode {
	struct hnode *next; /* bucket chain or free cache */
	uint64_t key;
	struct wq_work *head, *tail; /* pending behind the active item */
};

struct ringer_wq {
	pthread_mutex_t lock;
	pthread_cond_t exit_cond; /* nr_threads reached 0 */
	struct wq_class cls[NR_CLASSES];
	struct hnode **buckets;
	unsigned nr_buckets; /* power of two */
	unsigned nr_nodes;
	struct hnode *node_cache;
	unsigned nr_cached;
	struct worker *zombies; /* exited, not yet joined */
	unsigned nr_threads; /* threads created and not yet parked as zombies */
	bool stopping;
	/* IORING_REGISTER_IOWQ_AFF: the CPUs a new worker runs on (lock) */
	bool has_cpu_mask;
	cpu_set_t cpu_mask;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static long futex_wait(_Atomic uint32_t *word, uint32_t val, uint64_t timeout_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(timeout_ns / 1000000000ULL),
		.tv_nsec = (long)(timeout_ns % 1000000000ULL),
	};

	return syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, val, &ts, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static inline unsigned work_class(const struct wq_work *work)
{
	return (work->flags & WQ_WORK_UNBOUND) ? 1 : 0;
}

/* ---- runnable FIFO ------------------------------------------------------ */

static void fifo_push(struct wq_work **head, struct wq_work **tail, struct wq_work *work)
{
	work->next = NULL;
	if (*tail)
		(*tail)->next = work;
	else
		*head = work;
	*tail = work;
}

static struct wq_work *fifo_pop(struct wq_work **head, struct wq_work **tail)
{
	struct wq_work *work = *head;

	if (work) {
		*head = work->next;
		if (!*head)
			*tail = NULL;
		work->next = NULL;
	}
	return work;
}

static void fifo_push_front(struct wq_work **head, struct wq_work **tail, struct wq_work *work)
{
	work->next = *head;
	*head = work;
	if (!*tail)
		*tail = work;
}

/* Unlink work from a FIFO; true if it was there. */
static bool fifo_remove(struct wq_work **head, struct wq_work **tail, struct wq_work *work)
{
	struct wq_work *prev = NULL, *cur;

	for (cur = *head; cur; prev = cur, cur = cur->next) {
		if (cur != work)
			continue;
		if (prev)
			prev->next = cur->next;
		else
			*head = cur->next;
		if (*tail == cur)
			*tail = prev;
		cur->next = NULL;
		return true;
	}
	return false;
}

/* ---- hash nodes ---------------------------------------------------------- */

static unsigned bucket_of(const struct ringer_wq *wq, uint64_t key)
{
	/* Fibonacci hashing: spreads pointers and inode numbers alike. */
	return (unsigned)((key * 0x9E3779B97F4A7C15ULL) >> 32) & (wq->nr_buckets - 1);
}

static struct hnode *node_lookup(struct ringer_wq *wq, uint64_t key)
{
	struct hnode *n;

	for (n = wq->buckets[bucket_of(wq, key)]; n; n = n->next)
		if (n->key == key)
			return n;
	return NULL;
}

/* Double the table when chains get long; on allocation failure keep going
 * with longer chains. */
static void node_table_grow(struct ringer_wq *wq)
{
	unsigned old_nr = wq->nr_buckets, i;
	struct hnode **old = wq->buckets, **nb;

	nb = calloc((size_t)old_nr * 2, sizeof(*nb));
	if (!nb)
		return;
	wq->buckets = nb;
	wq->nr_buckets = old_nr * 2;
	for (i = 0; i < old_nr; i++) {
		struct hnode *n = old[i], *next;

		for (; n; n = next) {
			unsigned b = bucket_of(wq, n->key);

			next = n->next;
			n->next = nb[b];
			nb[b] = n;
		}
	}
	free(old);
}

/* NULL only when memory is exhausted. */
static struct hnode *node_insert(struct ringer_wq *wq, uint64_t key)
{
	struct hnode *n = wq->node_cache;
	unsigned b;

	if (n) {
		wq->node_cache = n->next;
		wq->nr_cached--;
	} else {
		n = malloc(sizeof(*n));
		if (!n)
			return NULL;
	}
	n->key = key;
	n->head = n->tail = NULL;
	if (wq->nr_nodes >= wq->nr_buckets)
		node_table_grow(wq);
	b = bucket_of(wq, key);
	n->next = wq->buckets[b];
	wq->buckets[b] = n;
	wq->nr_nodes++;
	return n;
}

static void node_remove(struct ringer_wq *wq, struct hnode *node)
{
	struct hnode **pp = &wq->buckets[bucket_of(wq, node->key)];

	while (*pp != node)
		pp = &(*pp)->next;
	*pp = node->next;
	wq->nr_nodes--;
	if (wq->nr_cached < 32) {
		node->next = wq->node_cache;
		wq->node_cache = node;
		wq->nr_cached++;
	} else {
		free(node);
	}
}

/* ---- hand-off and worker creation --------------------------------------- */

/* Give work (NULL: "exit") to an idle worker already unlinked from its idle
 * list.  Called with the lock held; the wake-up system call is made under the
 * lock too, so the worker cannot exit and be freed before it. */
static void hand_off(struct worker *w, struct wq_work *work)
{
	w->work = work;
	/* Release: the worker's acquire load of W_GO must see w->work. */
	if (atomic_exchange_explicit(&w->state, W_GO, memory_order_acq_rel) == W_SLEEP)
		futex_wake(&w->state);
}

static struct worker *idle_pop(struct wq_class *c)
{
	struct worker *w = c->idle;

	if (w) {
		c->idle = w->idle_next;
		if (c->idle)
			c->idle->idle_prev = NULL;
		w->idle_next = w->idle_prev = NULL;
		c->nr_idle--;
	}
	return w;
}

static void idle_unlink(struct wq_class *c, struct worker *w)
{
	if (w->idle_prev)
		w->idle_prev->idle_next = w->idle_next;
	else
		c->idle = w->idle_next;
	if (w->idle_next)
		w->idle_next->idle_prev = w->idle_prev;
	w->idle_next = w->idle_prev = NULL;
	c->nr_idle--;
}

/*
 * Start runnable items of class ci while fewer than max workers are busy:
 * hand them to idle workers first, create workers (returned on *spawn, to be
 * started by start_workers() once the lock is dropped) only when none is idle.
 */
static void kick(struct ringer_wq *wq, unsigned ci, struct worker **spawn)
{
	struct wq_class *c = &wq->cls[ci];

	while (c->head && !wq->stopping && c->nr_workers - c->nr_idle < c->max) {
		struct wq_work *work;
		struct worker *w;

		if (c->nr_idle) {
			w = idle_pop(c);
			hand_off(w, fifo_pop(&c->head, &c->tail));
			continue;
		}
		w = calloc(1, sizeof(*w));
		if (!w)
			break; /* stays queued: the next enqueue or finishing worker retries */
		work = fifo_pop(&c->head, &c->tail);
		w->wq = wq;
		w->cls = ci;
		w->work = work;
		w->link = *spawn;
		*spawn = w;
		c->nr_workers++;
		wq->nr_threads++;
	}
}

static void *worker_main(void *arg);

static void start_workers(struct ringer_wq *wq, struct worker *spawn)
{
	while (spawn) {
		struct worker *w = spawn;
		struct wq_class *c;
		int ret;

		spawn = w->link;
		w->link = NULL;
		ret = engine_thread_create(&w->thread, NULL, worker_main, w);
		if (ret == 0)
			continue;

		/* No thread: put the item back at the front of its queue.  A
		 * worker that went idle meanwhile takes it; busy ones take it when
		 * they finish; with none at all it waits for the next
		 * wq_enqueue(), which tries to create one again (retrying here
		 * could spin on a lasting EAGAIN). */
		pthread_mutex_lock(&wq->lock);
		c = &wq->cls[w->cls];
		c->nr_workers--;
		if (--wq->nr_threads == 0)
			pthread_cond_broadcast(&wq->exit_cond);
		fifo_push_front(&c->head, &c->tail, w->work);
		while (c->head && c->nr_idle && c->nr_workers - c->nr_idle < c->max)
			hand_off(idle_pop(c), fifo_pop(&c->head, &c->tail));
		pthread_mutex_unlock(&wq->lock);
		free(w);
	}
}

/* ---- workers ------------------------------------------------------------- */

/*
 * The active item of a hashed key finished or was cancelled: make the next
 * pending item of the key runnable, or forget the key.  Lock held.  self_ci:
 * the class of the worker calling, which is about to take from its queue
 * itself (no need to wake another for it), or -1.
 */
static void hash_release(struct ringer_wq *wq, uint64_t key, struct worker **spawn, int self_ci)
{
	struct hnode *node = node_lookup(wq, key);
	struct wq_work *next;

	if (!node)
		return;
	next = fifo_pop(&node->head, &node->tail);
	if (!next) {
		node_remove(wq, node);
		return;
	}
	fifo_push(&wq->cls[work_class(next)].head, &wq->cls[work_class(next)].tail, next);
	if ((int)work_class(next) != self_ci)
		kick(wq, work_class(next), spawn);
}

/*
 * Idle: wait for a hand-off.  Returns with W_GO seen (*work set, NULL meaning
 * exit, lock not held) or, after WQ_IDLE_NS, false with the lock held and the
 * worker off the idle list.
 */
static bool wait_for_work(struct worker *w, struct wq_work **work)
{
	struct ringer_wq *wq = w->wq;
	uint64_t start = now_ns(), now;
	uint32_t expected = W_SPIN;
	unsigned i;

	/* Spin first: a burst's next item arrives within microseconds, and the
	 * submitter then needs no system call to hand it over. */
	for (i = 0;; i++) {
		if (atomic_load_explicit(&w->state, memory_order_acquire) == W_GO)
			goto got;
		arch_cpu_relax();
		if ((i & 63) == 63 && now_ns() - start >= WQ_SPIN_NS)
			break;
	}
	if (!atomic_compare_exchange_strong_explicit(&w->state, &expected, W_SLEEP,
						     memory_order_acquire, memory_order_acquire))
		goto got; /* expected == W_GO */
	for (;;) {
		now = now_ns();
		if (now - start >= WQ_IDLE_NS)
			break;
		futex_wait(&w->state, W_SLEEP, WQ_IDLE_NS - (now - start));
		if (atomic_load_explicit(&w->state, memory_order_acquire) == W_GO)
			goto got;
	}

	pthread_mutex_lock(&wq->lock);
	if (atomic_load_explicit(&w->state, memory_order_acquire) == W_GO) {
		/* Handed work between the timeout and the lock. */
		pthread_mutex_unlock(&wq->lock);
		goto got;
	}
	idle_unlink(&wq->cls[w->cls], w);
	return false;
got:
	*work = w->work;
	w->work = NULL;
	return true;
}

/* Lock held on entry, released; the thread then returns. */
static void worker_exit(struct worker *w)
{
	struct ringer_wq *wq = w->wq;
	struct worker *z, *spawn = NULL;

	/* One busy worker fewer: an idle one may now take queued work (after a
	 * cap was lowered). */
	wq->cls[w->cls].nr_workers--;
	kick(wq, w->cls, &spawn);
	z = wq->zombies;
	wq->zombies = NULL;
	pthread_mutex_unlock(&wq->lock);
	start_workers(wq, spawn);

	/* Join the workers that exited before this one so their stacks do not
	 * linger while the ring is quiet. */
	while (z) {
		struct worker *next = z->link;

		pthread_join(z->thread, NULL);
		free(z);
		z = next;
	}

	pthread_mutex_lock(&wq->lock);
	w->link = wq->zombies;
	wq->zombies = w;
	if (--wq->nr_threads == 0)
		pthread_cond_broadcast(&wq->exit_cond);
	pthread_mutex_unlock(&wq->lock);
}

/*
 * A worker takes the pool's CPU mask when it starts, as the kernel's io-wq
 * worker takes its wq's: a worker already running keeps the CPUs it has.  A
 * mask with no CPU this thread may use leaves it where it is.
 */
static void worker_set_affinity(struct ringer_wq *wq)
{
	cpu_set_t mask;
	bool has;

	pthread_mutex_lock(&wq->lock);
	has = wq->has_cpu_mask;
	if (has)
		mask = wq->cpu_mask;
	pthread_mutex_unlock(&wq->lock);
	if (has)
		(void)sched_setaffinity(0, sizeof(mask), &mask);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct ringer_wq *wq = w->wq;
	struct wq_class *c = &wq->cls[w->cls];
	struct wq_work *work = w->work;

	w->work = NULL;
	pthread_setname_np(pthread_self(), "ringer-wq");
	worker_set_affinity(wq);
	for (;;) {
		struct worker *spawn = NULL;
		bool hashed = false;
		uint64_t key = 0;

		if (work) {
			/* fn may free the item: read what we need first. */
			hashed = work->flags & WQ_WORK_HASHED;
			key = work->hash_key;
			work->fn(work);
			work = NULL;
		}

		pthread_mutex_lock(&wq->lock);
		if (hashed)
			hash_release(wq, key, &spawn, (int)w->cls);
		if (c->nr_workers > c->max) {
			/* The cap was lowered: this worker is one too many. */
			pthread_mutex_unlock(&wq->lock);
			start_workers(wq, spawn);
			pthread_mutex_lock(&wq->lock);
			worker_exit(w);
			return NULL;
		}
		work = fifo_pop(&c->head, &c->tail);
		if (work || wq->stopping) {
			pthread_mutex_unlock(&wq->lock);
			start_workers(wq, spawn);
			if (work)
				continue;
			pthread_mutex_lock(&wq->lock);
			worker_exit(w);
			return NULL;
		}

		/* Nothing runnable: go idle, at the head of the LIFO. */
		atomic_store_explicit(&w->state, W_SPIN, memory_order_relaxed);
		w->idle_prev = NULL;
		w->idle_next = c->idle;
		if (c->idle)
			c->idle->idle_prev = w;
		c->idle = w;
		c->nr_idle++;
		pthread_mutex_unlock(&wq->lock);
		start_workers(wq, spawn);

		if (!wait_for_work(w, &work)) {
			worker_exit(w); /* idle too long */
			return NULL;
		}
		if (!work) {
			pthread_mutex_lock(&wq->lock);
			worker_exit(w); /* told to exit */
			return NULL;
		}
	}
}

/* ---- API ------------------------------------------------------------------ */

int wq_create(struct ringer_wq **out, unsigned max_bounded, unsigned max_unbounded)
{
	struct ringer_wq *wq;

	if (!max_bounded || !max_unbounded)
		return -EINVAL;
	wq = calloc(1, sizeof(*wq));
	if (!wq)
		return -ENOMEM;
	wq->nr_buckets = 64;
	wq->buckets = calloc(wq->nr_buckets, sizeof(*wq->buckets));
	if (!wq->buckets) {
		free(wq);
		return -ENOMEM;
	}
	if (pthread_mutex_init(&wq->lock, NULL)) {
		free(wq->buckets);
		free(wq);
		return -ENOMEM;
	}
	if (pthread_cond_init(&wq->exit_cond, NULL)) {
		pthread_mutex_destroy(&wq->lock);
		free(wq->buckets);
		free(wq);
		return -ENOMEM;
	}
	wq->cls[0].max = max_bounded;
	wq->cls[1].max = max_unbounded;
	*out = wq;
	return 0;
}

void wq_enqueue(struct ringer_wq *wq, struct wq_work *work)
{
	unsigned ci = work_class(work);
	struct worker *spawn = NULL;

	work->next = NULL;
	pthread_mutex_lock(&wq->lock);
	if (work->flags & WQ_WORK_HASHED) {
		struct hnode *node;

		while (!(node = node_lookup(wq, work->hash_key))) {
			node = node_insert(wq, work->hash_key);
			if (node)
				goto first_of_key;
			/* Out of memory for a 40-byte node: wait for some to come back
			 * rather than break the serialization promise. */
			pthread_mutex_unlock(&wq->lock);
			usleep(1000);
			pthread_mutex_lock(&wq->lock);
		}
		/* The key is active: wait behind it. */
		fifo_push(&node->head, &node->tail, work);
		pthread_mutex_unlock(&wq->lock);
		return;
	}
first_of_key:
	fifo_push(&wq->cls[ci].head, &wq->cls[ci].tail, work);
	kick(wq, ci, &spawn);
	pthread_mutex_unlock(&wq->lock);
	start_workers(wq, spawn);
}

unsigned wq_take_hashed(struct ringer_wq *wq, uint64_t key, struct wq_work **out, unsigned max)
{
	struct hnode *node;
	unsigned n = 0;

	pthread_mutex_lock(&wq->lock);
	node = node_lookup(wq, key);
	while (node && n < max && node->head)
		out[n++] = fifo_pop(&node->head, &node->tail);
	pthread_mutex_unlock(&wq->lock);
	return n;
}

bool wq_cancel(struct ringer_wq *wq, struct wq_work *work)
{
	struct worker *spawn = NULL;
	bool found = false;
	unsigned ci;

	pthread_mutex_lock(&wq->lock);
	for (ci = 0; ci < NR_CLASSES && !found; ci++)
		found = fifo_remove(&wq->cls[ci].head, &wq->cls[ci].tail, work);
	if (found) {
		if (work->flags & WQ_WORK_HASHED)
			hash_release(wq, work->hash_key, &spawn, -1);
	} else if (work->flags & WQ_WORK_HASHED) {
		struct hnode *node = node_lookup(wq, work->hash_key);

		if (node)
			found = fifo_remove(&node->head, &node->tail, work);
	}
	pthread_mutex_unlock(&wq->lock);
	start_workers(wq, spawn);
	return found;
}

unsigned wq_cancel_match(struct ringer_wq *wq, bool (*match)(struct wq_work *work, void *data),
			 void *data, void (*cancelled)(struct wq_work *work))
{
	struct wq_work *head = NULL, *tail = NULL, *cur, *next;
	struct worker *spawn = NULL;
	unsigned nr = 0, ci, b;

	pthread_mutex_lock(&wq->lock);
	/* Pending items first, so that an item promoted below by
	 * hash_release() has already been judged. */
	for (b = 0; b < wq->nr_buckets; b++) {
		struct hnode *node;

		for (node = wq->buckets[b]; node; node = node->next) {
			struct wq_work *keep_h = NULL, *keep_t = NULL;

			for (cur = node->head; cur; cur = next) {
				next = cur->next;
				if (match(cur, data)) {
					fifo_push(&head, &tail, cur);
					nr++;
				} else {
					fifo_push(&keep_h, &keep_t, cur);
				}
			}
			node->head = keep_h;
			node->tail = keep_t;
		}
	}
	for (ci = 0; ci < NR_CLASSES; ci++) {
		struct wq_class *c = &wq->cls[ci];
		struct wq_work *runnable = c->head;
		c->head = c->tail = NULL;
		for (cur = runnable; cur; cur = next) {
			next = cur->next;
			if (!match(cur, data)) {
				fifo_push(&c->head, &c->tail, cur);
				continue;
			}
			fifo_push(&head, &tail, cur);
			nr++;
			/* Promotes the key's next pending item onto c's (or the other
			 * class's) FIFO; it was judged above. */
			if (cur->flags & WQ_WORK_HASHED)
				hash_release(wq, cur->hash_key, &spawn, -1);
		}
	}
	pthread_mutex_unlock(&wq->lock);
	start_workers(wq, spawn);

	for (cur = head; cur; cur = next) {
		next = cur->next;
		cur->next = NULL;
		if (cancelled)
			cancelled(cur);
	}
	return nr;
}

void wq_set_cpu_mask(struct ringer_wq *wq, const cpu_set_t *mask)
{
	pthread_mutex_lock(&wq->lock);
	wq->has_cpu_mask = mask && CPU_COUNT(mask);
	if (wq->has_cpu_mask)
		wq->cpu_mask = *mask;
	pthread_mutex_unlock(&wq->lock);
}

int wq_set_max_workers(struct ringer_wq *wq, unsigned values[2])
{
	struct worker *spawn = NULL;
	unsigned old[NR_CLASSES], ci;
	struct rlimit rl;
	rlim_t nproc = RLIM_INFINITY;

	for (ci = 0; ci < NR_CLASSES; ci++)
		if (values[ci] > INT_MAX)
			return -EINVAL;
	/* Like the kernel, no cap exceeds RLIMIT_NPROC. */
	if (getrlimit(RLIMIT_NPROC, &rl) == 0)
		nproc = rl.rlim_cur;

	pthread_mutex_lock(&wq->lock);
	for (ci = 0; ci < NR_CLASSES; ci++) {
		struct wq_class *c = &wq->cls[ci];

		old[ci] = c->max;
		if (!values[ci])
			continue;
		c->max = values[ci];
		if (nproc != RLIM_INFINITY && c->max > nproc)
			c->max = nproc ? (unsigned)nproc : 1;
		/* Too many now: idle ones go at once, busy ones when done. */
		while (c->nr_workers > c->max && c->nr_idle)
			hand_off(idle_pop(c), NULL);
		kick(wq, ci, &spawn);
	}
	pthread_mutex_unlock(&wq->lock);
	start_workers(wq, spawn);
	for (ci = 0; ci < NR_CLASSES; ci++)
		values[ci] = old[ci];
	return 0;
}

unsigned wq_nr_workers(struct ringer_wq *wq)
{
	unsigned nr;

	pthread_mutex_lock(&wq->lock);
	nr = wq->nr_threads;
	pthread_mutex_unlock(&wq->lock);
	return nr;
}

unsigned wq_nr_idle(struct ringer_wq *wq)
{
	unsigned nr = 0, i;

	pthread_mutex_lock(&wq->lock);
	for (i = 0; i < NR_CLASSES; i++)
		nr += wq->cls[i].nr_idle;
	pthread_mutex_unlock(&wq->lock);
	return nr;
}

/* Take every queued item off the pool and hand it to cancelled.  Lock held
 * on entry and on return, dropped around the callbacks. */
static void drain(struct ringer_wq *wq, void (*cancelled)(struct wq_work *work))
{
	struct wq_work *head = NULL, *tail = NULL, *cur, *next;
	struct hnode *node;
	unsigned ci, b;

	for (ci = 0; ci < NR_CLASSES; ci++) {
		struct wq_class *c = &wq->cls[ci];

		while ((cur = fifo_pop(&c->head, &c->tail)))
			fifo_push(&head, &tail, cur);
		while (c->nr_idle)
			hand_off(idle_pop(c), NULL);
	}
	for (b = 0; b < wq->nr_buckets; b++)
		for (node = wq->buckets[b]; node; node = node->next)
			while ((cur = fifo_pop(&node->head, &node->tail)))
				fifo_push(&head, &tail, cur);
	if (!head)
		return;
	pthread_mutex_unlock(&wq->lock);
	for (cur = head; cur; cur = next) {
		next = cur->next;
		cur->next = NULL;
		if (cancelled)
			cancelled(cur);
	}
	pthread_mutex_lock(&wq->lock);
}

void wq_destroy(struct ringer_wq *wq, void (*cancelled)(struct wq_work *work))
{
	struct worker *z;
	struct hnode *node;
	unsigned b;

	pthread_mutex_lock(&wq->lock);
	wq->stopping = true;
	drain(wq, cancelled);
	/* Running items finish; their workers then find nothing and exit. */
	while (wq->nr_threads)
		pthread_cond_wait(&wq->exit_cond, &wq->lock);
	/* A worker whose creation failed after stopping put its item back. */
	drain(wq, cancelled);
	z = wq->zombies;
	wq->zombies = NULL;
	pthread_mutex_unlock(&wq->lock);
	while (z) {
		struct worker *n = z->link;

		pthread_join(z->thread, NULL);
		free(z);
		z = n;
	}

	for (b = 0; b < wq->nr_buckets; b++) {
		for (node = wq->buckets[b]; node; node = wq->buckets[b]) {
			wq->buckets[b] = node->next;
			free(node);
		}
	}
	while ((node = wq->node_cache)) {
		wq->node_cache = node->next;
		free(node);
	}
	free(wq->buckets);
	pthread_cond_destroy(&wq->exit_cond);
	pthread_mutex_destroy(&wq->lock);
	free(wq);
}
