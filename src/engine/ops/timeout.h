/* SPDX-License-Identifier: MIT */
/* TIMEOUT, TIMEOUT_REMOVE, LINK_TIMEOUT (ops/timeout.c). */
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
	/* LINK_TIMEOUT, under timeout_lock */
	struct req *head; /* the request it guards, until it ends or fires */
	uint8_t lstate; /* LT_* (timeout.c) */
	bool busy; /* its request is being issued: ltimeout_arm_end() to come */
	bool pending; /* reached in its chain while busy: arm_end() ends it */
	bool orphan; /* taken out of the chain while busy: arm_end() ends it */
	bool expired; /* its time passed while its head was issued: -ENOENT */
	uint64_t deadline; /* from its head's issue, on its clock */
};
REQ_DATA_CHECK(struct timeout_state);
#define req_timeout(req) req_data(req, struct timeout_state)

int timeout_prep(struct req *req, const struct io_uring_sqe *sqe);
int timeout_issue(struct req *req, unsigned issue_flags);
int timeout_remove_prep(struct req *req, const struct io_uring_sqe *sqe);
int timeout_remove_issue(struct req *req, unsigned issue_flags);
int link_timeout_prep(struct req *req, const struct io_uring_sqe *sqe);
int link_timeout_issue(struct req *req, unsigned issue_flags);

/*
 * The link machinery's three calls (submit.c), for a request followed by
 * a LINK_TIMEOUT (REQ_F_ARM_LTIMEOUT): arm_begin() before it is issued
 * (from a worker: the timer is armed at once, NULL; else the timeout, to
 * give to arm_end() after the issue, which arms it unless the request has
 * completed meanwhile); ltimeout_req_done() when the request completes,
 * before its links are looked at: it may return a timeout to end with
 * ltimeout_cancelled() once the request's CQE is posted (one that was
 * never armed: the request completed without being issued).
 */
struct req *ltimeout_arm_begin(struct req *req, bool worker);
void ltimeout_arm_end(struct req *lt);
struct req *ltimeout_req_done(struct req *req);
void ltimeout_cancelled(struct req *lt);

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
