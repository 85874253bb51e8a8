/* SPDX-License-Identifier: MIT */
/* PIPE (ops/pipe.c). */
#ifndef RINGER_ENGINE_OPS_PIPE_H
#define RINGER_ENGINE_OPS_PIPE_H

#include "engine/engine.h"

struct pipe_state {
	int *fds; /* sqe->addr: where the two descriptors (or slots) go */
	int flags; /* sqe->pipe_flags */
	unsigned file_slot; /* sqe->file_index: 0, a slot + 1, or ALLOC */
};
REQ_DATA_CHECK(struct pipe_state);

int pipe_prep(struct req *req, const struct io_uring_sqe *sqe);
int pipe_issue(struct req *req, unsigned issue_flags);

#endif /* RINGER_ENGINE_OPS_PIPE_H */
