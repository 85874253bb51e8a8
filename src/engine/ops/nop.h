/* SPDX-License-Identifier: MIT */
/* NOP (ops/nop.c). */
#ifndef RINGER_ENGINE_OPS_NOP_H
#define RINGER_ENGINE_OPS_NOP_H

#include "engine/engine.h"

struct nop_state {
	int32_t res; /* the result to complete with (INJECT_RESULT) */
	uint32_t flags; /* IORING_NOP_* */
	uint16_t buf_index; /* FIXED_BUFFER: the registered buffer to look up */
	uint64_t extra1, extra2; /* CQE32: the CQE's second half */
};
REQ_DATA_CHECK(struct nop_state);

int nop_prep(struct req *req, const struct io_uring_sqe *sqe);
int nop_issue(struct req *req, unsigned issue_flags);

#endif /* RINGER_ENGINE_OPS_NOP_H */
