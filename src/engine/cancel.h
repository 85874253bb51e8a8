/* SPDX-License-Identifier: MIT */
/*
 * Cancellation (cancel.c, the kernel's cancel.c): which requests a key
 * names, cancelling them where they wait, and the teardown of a ring's
 * requests.
 */
#ifndef RINGER_ENGINE_CANCEL_H
#define RINGER_ENGINE_CANCEL_H

#include "engine/engine.h"

/*
 * What a cancellation looks for, as an ASYNC_CANCEL SQE says it: flags are
 * IORING_ASYNC_CANCEL_* (ALL, FD, ANY, FD_FIXED, USERDATA, OP).  Without FD,
 * OP or ANY the key is user_data (data); ANY names every request; ALL asks
 * for every match rather than the first.
 */
struct cancel_data {
	struct ring *ring;
	uint64_t data; /* user_data */
	int fd; /* FD: a file's fd number (a fixed file's index with FD_FIXED) */
	uint8_t opcode; /* OP */
	unsigned flags;
	/* FD: the descriptor of the file fd names, set by cancel_requests()
	 * before it asks anyone: the families' functions see it set */
	int file;
};

/* The IORING_ASYNC_CANCEL_* flags the kernel knows. */
#define CANCEL_FLAGS                                                            \
	(IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_ANY | \
	 IORING_ASYNC_CANCEL_FD_FIXED | IORING_ASYNC_CANCEL_USERDATA |             \
	 IORING_ASYNC_CANCEL_OP)

/* Does cd name req?  With FD, cancel_requests() has resolved cd->file. */
bool cancel_match(const struct req *req, const struct cancel_data *cd);

/*
 * Cancel the requests cd names, wherever they wait, in the kernel's order
 * (io_try_cancel()): the worker queue (a running match cannot be stopped),
 * then the armed polls and the requests waiting in the reactor for their
 * file's readiness, then the families' lists (timeouts, futexes,
 * waitids...).  Without IORING_ASYNC_CANCEL_ALL or _ANY, at most one.  Each
 * cancelled request completes with -ECANCELED (or its family's result), after
 * the CQE of the request that cancels, when one in a submit batch does.
 * Returns the number cancelled (>= 1), or -ENOENT (no match), or -EALREADY
 * (a match is running and cannot be stopped: it completes by itself), or
 * -EBADF (FD names no file).
 */
int cancel_requests(struct ring *ring, const struct cancel_data *cd);

/*
 * The same search, answered as the kernel's (__io_async_cancel()): what
 * ASYNC_CANCEL and SYNC_CANCEL report.  With ALL or ANY the count (0 for
 * none, a running match not counted); else 0 for a match cancelled (1 when
 * it was a futex's or a waitid's: the kernel's search of those lists
 * answers their count), -ENOENT, -EALREADY or -EBADF.
 */
int cancel_result(struct ring *ring, const struct cancel_data *cd);

/* IORING_REGISTER_SYNC_CANCEL (register.c), without the ring's locks */
int sync_cancel(struct ring *ring, const void *arg, unsigned nr_args);

/*
 * Each family that keeps waiting requests provides, in its header:
 *
 *   int <family>_cancel(struct ring *ring, const struct cancel_data *cd);
 *
 * It cancels the matches of cd among that family's waiting requests (every
 * match with IORING_ASYNC_CANCEL_ALL or _ANY, else the first): each
 * completes with -ECANCELED (or the family's result), through
 * req_complete_deferred().  It returns how many, or -EALREADY if a match was
 * found that can no longer be cancelled; cancel_requests() calls it, in the
 * list there, and ring_cancel_all() ends what is left at teardown.
 */

/*
 * The common end of a family's cancel: done (a list_next chain, in the
 * order to complete) ends -ECANCELED after the cancel's own CQE, as the
 * kernel's task work; returns what the family answers for n matches: the
 * kernel's search counts one per call of a family's cancel, and with ALL
 * that one call takes every match (1); else n, or -ENOENT for none.
 */
int cancel_family_done(const struct cancel_data *cd, struct req *done, int n);
/*
 * A family's cancel over its armed list (list_next/list_prev, under lock),
 * as the kernel's io_cancel_remove(): the first match, or every one when cd
 * asks for all or any.  take(req, arg), lock held, ends the wait of a match:
 * 1 it took req off the list (it ends -ECANCELED after the lock is dropped,
 * in the order they were armed), 0 req's own completer ends it, -1 it is
 * ending already (not counted).  cancel_family_done()'s answer.
 */
int cancel_armed(pthread_mutex_t *lock, struct req **armed, const struct cancel_data *cd,
		 int (*take)(struct req *req, void *arg), void *arg);

/* req_arm_ready() (submit.c): wait in the reactor for events on req's file,
 * then req->ready_fn runs; on ring->ready_reqs meanwhile.  0 or -errno. */
int ready_arm(struct req *req, uint32_t events);
/* ... for a request a worker runs: -EINTR when a cancellation found it
 * running (req->interrupted), and it waits not */
int ready_arm_interruptible(struct req *req, uint32_t events);
/* a cancellation found req running in a worker (the kernel's signal) */
bool req_interrupted(struct req *req);
/* req_arm_ready_mshot() (submit.c): ready_arm() for a multishot request
 * (fn: its ready_fn), -ECANCELED when a cancellation marked it while its fn ran */
int ready_arm_mshot(struct req *req, reactor_fn fn, uint32_t events);

/*
 * The worker pool (submit.c).  wq_pending_add(): req is handed to the pool
 * (req_punt_wq(), async_lock held), on ring->wq_pending until a worker
 * starts it.  A worker runs req between run_slot_begin() and
 * run_slot_end(): a cancellation that finds it there answers -EALREADY.
 * The slot lives on the worker's stack; req_free() forgets req in it.
 * run_slot_begin() false: req was cancelled while it waited; the worker
 * completes it with -ECANCELED instead (no slot then).
 */
struct run_slot {
	struct run_slot *next, *prev; /* ring->wq_running, cancel_lock */
	struct ring *ring;
	struct req *req; /* NULL once freed (cancel_lock) */
	/* what cancel_match() looks at, taken when the worker starts */
	uint64_t user_data;
	int fd, rfd;
	uint8_t opcode;
	bool fixed;
};
void wq_pending_add(struct req *req);
bool run_slot_begin(struct run_slot *slot, struct req *req);
void run_slot_end(struct run_slot *slot);
/* req_free() of a request a worker ran (REQ_F_WQ_RAN) */
void run_slot_forget(struct req *req);

/* Complete every request of a list_next chain with -ECANCELED. */
void req_cancel_list(struct req *req);
/* The same, after the current submit batch's CQEs (req_complete_deferred()). */
void req_cancel_deferred(struct req *req);
/* Teardown: stop the ring's threads and complete, -ECANCELED, everything
 * in flight or queued; the ring's requests are all freed after it. */
void ring_cancel_all(struct ring *ring);

#endif /* RINGER_ENGINE_CANCEL_H */
