/* SPDX-License-Identifier: MIT */
/* RENAMEAT, UNLINKAT, MKDIRAT, SYMLINKAT, LINKAT (ops/fs.c). */
#ifndef RINGER_ENGINE_OPS_FS_H
#define RINGER_ENGINE_OPS_FS_H

#include "engine/engine.h"

/* the paths are the engine's copies (malloc), freed by fs_cleanup() */
struct fs_state {
	char *oldpath; /* RENAMEAT, LINKAT: the old name; SYMLINKAT: the target */
	char *newpath; /* RENAMEAT, LINKAT, SYMLINKAT: the new name; else the name */
	int old_dfd;
	int new_dfd; /* the dfd of newpath (of the name alone for UNLINKAT, MKDIRAT) */
	uint32_t flags; /* rename, unlink, hardlink flags; MKDIRAT: the mode */
};
REQ_DATA_CHECK(struct fs_state);

int renameat_prep(struct req *req, const struct io_uring_sqe *sqe);
int renameat_issue(struct req *req, unsigned issue_flags);
int unlinkat_prep(struct req *req, const struct io_uring_sqe *sqe);
int unlinkat_issue(struct req *req, unsigned issue_flags);
int mkdirat_prep(struct req *req, const struct io_uring_sqe *sqe);
int mkdirat_issue(struct req *req, unsigned issue_flags);
int symlinkat_prep(struct req *req, const struct io_uring_sqe *sqe);
int symlinkat_issue(struct req *req, unsigned issue_flags);
int linkat_prep(struct req *req, const struct io_uring_sqe *sqe);
int linkat_issue(struct req *req, unsigned issue_flags);
void fs_cleanup(struct req *req);

#endif /* RINGER_ENGINE_OPS_FS_H */
