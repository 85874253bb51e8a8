/* SPDX-License-Identifier: MIT */
/* IORING_OP_MSG_RING (ops/msg_ring.c), and its synchronous register form. */
#ifndef RINGER_ENGINE_OPS_MSG_RING_H
#define RINGER_ENGINE_OPS_MSG_RING_H

#include "engine/engine.h"

struct msg_ring_state {
	uint64_t user_data; /* sqe->off: the target CQE's user_data */
	uint32_t len; /* DATA: the target CQE's res; SEND_FD: must be 0 */
	uint32_t cmd; /* sqe->addr: IORING_MSG_DATA or IORING_MSG_SEND_FD */
	uint32_t src_fd; /* sqe->addr3: SEND_FD's slot in the source's file table */
	/* sqe->file_index: SEND_FD's target slot (from 1, or ALLOC); DATA
	 * with FLAGS_PASS: the target CQE's flags */
	uint32_t dst_fd;
	uint32_t flags; /* IORING_MSG_RING_* */
	bool engine_target; /* fd names an engine ring (msg_ring_ring_file()) */
	/* the target, held since the request left the submitting thread
	 * (msg_ring_hold()); REQ_F_NEED_CLEANUP puts it */
	struct ring *target;
};
REQ_DATA_CHECK(struct msg_ring_state);

int msg_ring_prep(struct req *req, const struct io_uring_sqe *sqe);
int msg_ring_issue(struct req *req, unsigned issue_flags);
int msg_ring_ring_file(struct req *req);
void msg_ring_hold(struct req *req);
void msg_ring_cleanup(struct req *req);

/* IORING_REGISTER_SEND_MSG_RING: the message of the SQE at arg, sent now */
int msg_ring_sync(const void *arg, unsigned nr);

#endif /* RINGER_ENGINE_OPS_MSG_RING_H */
