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
	int fd; /* FD: the request's fd number (a fixed file's index with FD_FIXED) */
	uint8_t opcode; /* OP */
	unsigned flags;
};

/* Does cd name req? */
bool cancel_match(const struct req *req, const struct cancel_data *cd);

/* Complete every request of a list_next chain with -ECANCELED. */
void req_cancel_list(struct req *req);
/* Teardown: stop the ring's threads and complete, -ECANCELED, everything
 * in flight or queued; the ring's requests are all freed after it. */
void ring_cancel_all(struct ring *ring);

#endif /* RINGER_ENGINE_CANCEL_H */
