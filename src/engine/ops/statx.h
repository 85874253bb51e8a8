/* SPDX-License-Identifier: MIT */
/* STATX (ops/statx.c). */
#ifndef RINGER_ENGINE_OPS_STATX_H
#define RINGER_ENGINE_OPS_STATX_H

#include "engine/engine.h"

struct statx_state {
	int dfd;
	int flags;
	unsigned mask;
	char *path; /* the copy taken at prep (REQ_F_NEED_CLEANUP) */
	void *buffer; /* the program's struct statx */
};
REQ_DATA_CHECK(struct statx_state);

int statx_prep(struct req *req, const struct io_uring_sqe *sqe);
int statx_issue(struct req *req, unsigned issue_flags);
void statx_cleanup(struct req *req);

#endif /* RINGER_ENGINE_OPS_STATX_H */
