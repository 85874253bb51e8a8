/* SPDX-License-Identifier: MIT */
/* ASYNC_CANCEL (ops/async_cancel.c). */
#ifndef RINGER_ENGINE_OPS_ASYNC_CANCEL_H
#define RINGER_ENGINE_OPS_ASYNC_CANCEL_H

#include "engine/engine.h"

struct async_cancel_state {
	uint64_t addr; /* the user_data key */
	uint32_t flags; /* IORING_ASYNC_CANCEL_* */
	int fd; /* FD: the fd or fixed index */
	uint8_t opcode; /* OP */
};
REQ_DATA_CHECK(struct async_cancel_state);

int async_cancel_prep(struct req *req, const struct io_uring_sqe *sqe);
int async_cancel_issue(struct req *req, unsigned issue_flags);

#endif /* RINGER_ENGINE_OPS_ASYNC_CANCEL_H */
