/* SPDX-License-Identifier: MIT */
/* IORING_OP_FILES_UPDATE (ops/files_update.c). */
#ifndef RINGER_ENGINE_OPS_FILES_UPDATE_H
#define RINGER_ENGINE_OPS_FILES_UPDATE_H

#include "engine/engine.h"

struct files_update_state {
	uint64_t arg; /* the int32 fds */
	uint32_t offset; /* a slot, or IORING_FILE_INDEX_ALLOC */
	uint32_t nr;
};
REQ_DATA_CHECK(struct files_update_state);

int files_update_prep(struct req *req, const struct io_uring_sqe *sqe);
int files_update_issue(struct req *req, unsigned issue_flags);

#endif /* RINGER_ENGINE_OPS_FILES_UPDATE_H */
