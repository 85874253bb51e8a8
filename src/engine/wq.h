/* SPDX-License-Identifier: MIT */
/*
 * The engine's worker pool, modelled on the kernel's io-wq: requests that
 * would block the submitting thread (buffered I/O that missed the page cache,
 * O_DIRECT, fsync, ...) are handed to it as work items.
 *
 * Contract:
 *  - two classes of workers: bounded (regular files and block devices: their
 *    work finishes in bounded time) and unbounded (anything else), each with
 *    its own cap (wq_create(), wq_set_max_workers());
 *  - workers are created lazily, never more than there is queued work, spin
 *    briefly for new work before sleeping (a hand-off to a spinning worker
 *    is far cheaper than a futex wake-up), and exit after being idle a while;
 *  - WQ_WORK_HASHED items with the same hash_key run one at a time, in
 *    enqueue order (serialized writes to one file);
 *  - fn runs in a worker thread; the wq never touches the item after fn
 *    has been called (fn may free it).
 * All functions are thread-safe.
 */
#ifndef RINGER_ENGINE_WQ_H
#define RINGER_ENGINE_WQ_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

struct ringer_wq;

#define WQ_WORK_UNBOUND 1U /* run on the unbounded class */
#define WQ_WORK_HASHED 2U /* serialize with other items of this hash_key */

struct wq_work {
	struct wq_work *next; /* owned by the wq while queued */
	void (*fn)(struct wq_work *work);
	unsigned flags; /* WQ_WORK_* */
	uint64_t hash_key;
};

/* Create a pool; 0 or -errno.  No thread starts until work is queued. */
int wq_create(struct ringer_wq **out, unsigned max_bounded, unsigned max_unbounded);

/* Queue work; a worker picks it up.  Never fails (may run it on a new thread). */
void wq_enqueue(struct ringer_wq *wq, struct wq_work *work);

/*
 * From the fn of a WQ_WORK_HASHED item: take up to max items queued behind
 * it (its hash_key), in enqueue order, into out.  They are the caller's to
 * run now, in that order, before fn returns: the wq forgets them (neither
 * runs nor cancels them), and the key stays active until fn returns, so
 * items of the key queued meanwhile still wait behind them.  How many.
 */
unsigned wq_take_hashed(struct ringer_wq *wq, uint64_t key, struct wq_work **out, unsigned max);

/*
 * Remove a queued item before it starts.  true: it was removed and fn will
 * never run; false: it is running or has run (or was never queued).
 */
bool wq_cancel(struct ringer_wq *wq, struct wq_work *work);

/*
 * Remove every queued item for which match(work, data) is true, calling
 * cancelled(work) for each (outside the wq's locks).  Returns how many.
 */
unsigned wq_cancel_match(struct ringer_wq *wq,
			 bool (*match)(struct wq_work *work, void *data), void *data,
			 void (*cancelled)(struct wq_work *work));

/*
 * IORING_REGISTER_IOWQ_MAX_WORKERS semantics: values[0] bounded cap,
 * values[1] unbounded cap; 0 leaves a cap unchanged; the old caps are written
 * back.  0 or -errno.
 */
int wq_set_max_workers(struct ringer_wq *wq, unsigned values[2]);

/*
 * IORING_REGISTER_IOWQ_AFF semantics: workers started from now on run on
 * the CPUs of mask (NULL, or an empty mask: where the thread that starts
 * them runs); running workers keep theirs, as the kernel's do.
 */
void wq_set_cpu_mask(struct ringer_wq *wq, const cpu_set_t *mask);

/* Number of worker threads alive now (for tests and leak checks). */
unsigned wq_nr_workers(struct ringer_wq *wq);

/* Number of workers idle now, waiting for work (for tests: a test that needs
 * "the worker went idle" waits for this instead of sleeping). */
unsigned wq_nr_idle(struct ringer_wq *wq);

/*
 * Tear down: waits for running items to finish, calls cancelled(work) for
 * every item still queued (may be NULL to drop them), joins every worker and
 * frees the pool.  No item is queued after this starts.  Not from fn.
 */
void wq_destroy(struct ringer_wq *wq, void (*cancelled)(struct wq_work *work));

#endif /* RINGER_ENGINE_WQ_H */
