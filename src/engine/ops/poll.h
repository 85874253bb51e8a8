/* SPDX-License-Identifier: MIT */
/* POLL_ADD, POLL_REMOVE (ops/poll.c). */
#ifndef RINGER_ENGINE_OPS_POLL_H
#define RINGER_ENGINE_OPS_POLL_H

#include "engine/engine.h"

struct aio_poll_tok;

struct poll_state {
	uint32_t events;
	bool multi;
	bool cancelled; /* POLL_REMOVE found it while it was firing */
	bool own_evfd; /* MULTI on the ring's registered eventfd */
	unsigned evfd_snap; /* its evfd_signals when armed or at its last CQE */
	int epfd; /* MULTI: an edge-triggered epoll set holding the fd */
	bool in_mset; /* MULTI: epfd is in the ring's poll_mset, poll_lock */
	bool mwait; /* MULTI: waits there (enabled in the set), poll_lock */
	struct aio_poll_tok *tok; /* armed as an AIO poll (aio_poll.c), poll_lock */
	struct req *hnext, *hprev; /* ring->poll_hash chain, poll_lock */
	uint64_t target; /* POLL_REMOVE: user_data to find */
	uint32_t upd_flags;
	uint64_t new_user_data;
	uint32_t new_events;
};
REQ_DATA_CHECK(struct poll_state);
#define req_poll(req) req_data(req, struct poll_state)

int poll_add_prep(struct req *req, const struct io_uring_sqe *sqe);
int poll_add_issue(struct req *req, unsigned issue_flags);
int poll_add_ring_file(struct req *req);
int poll_remove_prep(struct req *req, const struct io_uring_sqe *sqe);
int poll_remove_issue(struct req *req, unsigned issue_flags);
void poll_cleanup(struct req *req);
void poll_cancel_all(struct ring *ring);
struct cancel_data;
/* the family's cancel function (cancel.h): the armed polls cd names */
int poll_cancel(struct ring *ring, const struct cancel_data *cd);
/* A poll request the reactor handed back at teardown: off the armed list. */
void poll_disarmed(struct req *req);
/* Teardown: is e the ring's multishot entry the reactor handed back? */
bool poll_mset_cancelled(struct reactor_entry *e);
/* the aio_poll_event hook (aio.h): its AIO poll completed */
bool poll_aio_event(struct req *req, long res);

#endif /* RINGER_ENGINE_OPS_POLL_H */
