/* SPDX-License-Identifier: MIT */
/* FADVISE, MADVISE (ops/advise.c). */
#ifndef RINGER_ENGINE_OPS_ADVISE_H
#define RINGER_ENGINE_OPS_ADVISE_H

#include "engine/engine.h"

struct advise_state {
	uint64_t addr; /* MADVISE: the start; FADVISE: the offset */
	uint64_t len;
	int advice;
};
REQ_DATA_CHECK(struct advise_state);

int fadvise_prep(struct req *req, const struct io_uring_sqe *sqe);
int fadvise_issue(struct req *req, unsigned issue_flags);
int madvise_prep(struct req *req, const struct io_uring_sqe *sqe);
int madvise_issue(struct req *req, unsigned issue_flags);

#endif /* RINGER_ENGINE_OPS_ADVISE_H */
