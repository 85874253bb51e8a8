/* SPDX-License-Identifier: MIT */
/* IORING_OP_WAITID (ops/waitid.c). */
#ifndef RINGER_ENGINE_OPS_WAITID_H
#define RINGER_ENGINE_OPS_WAITID_H

#include "engine/engine.h"

struct cancel_data;

struct waitid_state {
	int which; /* idtype: P_ALL, P_PID, P_PGID, P_PIDFD (sqe->len) */
	int id; /* sqe->fd */
	int options; /* WEXITED, WSTOPPED, WNOHANG... (sqe->file_index) */
	uint64_t infop; /* a siginfo_t, or 0 (sqe->addr2) */
	uint64_t interval_ns; /* armed: the next look is this far off */
	bool cancelled; /* under the ring's waitid lock: cancelled while its look ran */
};
REQ_DATA_CHECK(struct waitid_state);

int waitid_prep(struct req *req, const struct io_uring_sqe *sqe);
int waitid_issue(struct req *req, unsigned issue_flags);

/*
 * Cancel the armed WAITIDs cd names (every match with IORING_ASYNC_CANCEL_ALL
 * or _ANY, else the first): each completes with -ECANCELED.  Returns how
 * many (1 with ALL, as the kernel counts them), or -ENOENT.
 */
int waitid_cancel(struct ring *ring, const struct cancel_data *cd);
/* Teardown, after the reactor is gone (it cancelled the armed ones). */
void waitid_release(struct ring *ring);

#endif /* RINGER_ENGINE_OPS_WAITID_H */
