/* SPDX-License-Identifier: MIT */
/* FTRUNCATE (ops/truncate.c). */
#ifndef RINGER_ENGINE_OPS_TRUNCATE_H
#define RINGER_ENGINE_OPS_TRUNCATE_H

#include "engine/engine.h"

struct ftruncate_state {
	int64_t len;
};
REQ_DATA_CHECK(struct ftruncate_state);

int ftruncate_prep(struct req *req, const struct io_uring_sqe *sqe);
int ftruncate_issue(struct req *req, unsigned issue_flags);

#endif /* RINGER_ENGINE_OPS_TRUNCATE_H */
