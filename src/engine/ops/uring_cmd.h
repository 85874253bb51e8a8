/* SPDX-License-Identifier: MIT */
/* IORING_OP_URING_CMD (ops/uring_cmd.c): the socket commands, /dev/null's. */
#ifndef RINGER_ENGINE_OPS_URING_CMD_H
#define RINGER_ENGINE_OPS_URING_CMD_H

#include "engine/engine.h"

/* the SQE's command fields, copied at prep (the kernel copies the SQE
 * when the command goes async; the engine always runs from this copy) */
struct uring_cmd_state {
	uint32_t cmd_op;
	uint32_t flags; /* sqe->uring_cmd_flags */
	int level, optname, optlen;
	uint64_t optval;
};
REQ_DATA_CHECK(struct uring_cmd_state);

int uring_cmd_prep(struct req *req, const struct io_uring_sqe *sqe);
int uring_cmd_issue(struct req *req, unsigned issue_flags);
int uring_cmd_ring_file(struct req *req);

#endif /* RINGER_ENGINE_OPS_URING_CMD_H */
