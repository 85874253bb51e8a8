/* SPDX-License-Identifier: MIT */
/* TIMEOUT, TIMEOUT_REMOVE (ops/timeout.c). */
#ifndef RINGER_ENGINE_OPS_TIMEOUT_H
#define RINGER_ENGINE_OPS_TIMEOUT_H

#include "engine/engine.h"

struct cancel_data;

struct timeout_state {
	uint64_t ns; /* the time asked for: relative, or absolute (ABS) */
	uint32_t flags; /* IORING_TIMEOUT_* */
	uint32_t off; /* completion count; MULTISHOT: repetitions (0: forever) */
	uint32_t repeats; /* MULTISHOT with a count: repetitions left */
	uint32_t target_seq; /* with a count: the sequence that completes it */
	int clock;
	bool listed; /* on one of the ring's timeout lists (timeout_lock) */
	bool by_count; /* its count was reached: it completes with 0 (timeout_lock) */
	struct req *tnext, *tprev; /* the list it is on */
	/* TIMEOUT_REMOVE */
	uint64_t target; /* user_data of the timeout to remove or update */
};
REQ_DATA_CHECK(struct timeout_state);
#define req_timeout(req) req_data(req, struct timeout_state)

int timeout_prep(struct req *req, const struct io_uring_sqe *sqe);
int timeout_issue(struct req *req, unsigned issue_flags);
int timeout_remove_prep(struct req *req, const struct io_uring_sqe *sqe);
int timeout_remove_issue(struct req *req, unsigned issue_flags);

/*
 * CQEs were posted to ring (cq.c, after cq_lock is dropped): complete the
 * timeouts whose count they reach.  Cheap while no timeout has a count.
 */
void timeout_flush(struct ring *ring);
static inline void timeout_cqes_posted(struct ring *ring)
{
	/* relaxed: an arming increments it before it reads the tail under
	 * cq_lock, a poster reads it after dropping cq_lock: one of the two
	 * sees the other's CQE or timeout (timeout.c) */
	if (atomic_load_explicit(&ring->nr_seq_timeouts, memory_order_relaxed))
		timeout_flush(ring);
}

/* The cancel path (cancel.c): the armed timeouts cd names end -ECANCELED.
 * How many (a match already firing counted with ALL), 0 for none, or
 * -EALREADY for a single match already firing. */
int timeout_cancel(struct ring *ring, const struct cancel_data *cd);
/* Teardown: the reactor handed e back; true if it was a timeout's (ended). */
bool timeout_disarmed(struct reactor_entry *e);

#endif /* RINGER_ENGINE_OPS_TIMEOUT_H */
