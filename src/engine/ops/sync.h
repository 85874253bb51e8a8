/* SPDX-License-Identifier: MIT */
/* FSYNC, SYNC_FILE_RANGE, FALLOCATE (ops/sync.c). */
#ifndef RINGER_ENGINE_OPS_SYNC_H
#define RINGER_ENGINE_OPS_SYNC_H

#include "engine/engine.h"

struct sync_state {
	uint64_t off;
	uint32_t len;
	uint32_t flags;
};
REQ_DATA_CHECK(struct sync_state);

struct fallocate_state {
	uint64_t off;
	uint64_t len;
	int mode;
};
REQ_DATA_CHECK(struct fallocate_state);

int fsync_prep(struct req *req, const struct io_uring_sqe *sqe);
int fsync_issue(struct req *req, unsigned issue_flags);
int sfr_prep(struct req *req, const struct io_uring_sqe *sqe);
int sfr_issue(struct req *req, unsigned issue_flags);
int sfr_ring_file(struct req *req);
int fallocate_prep(struct req *req, const struct io_uring_sqe *sqe);
int fallocate_issue(struct req *req, unsigned issue_flags);

#endif /* RINGER_ENGINE_OPS_SYNC_H */
