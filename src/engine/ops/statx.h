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

/* the kernel's getname(): a path copied from the program (ops/statx.c) */
int copy_user_path(const char *upath, bool empty_ok, char **out);
/* ... reading at most max bytes (the NUL within them) */
int copy_user_string(const char *upath, size_t max, bool empty_ok, char **out);

#endif /* RINGER_ENGINE_OPS_STATX_H */
