/* SPDX-License-Identifier: MIT */
/* FGETXATTR, GETXATTR, FSETXATTR, SETXATTR (ops/xattr.c). */
#ifndef RINGER_ENGINE_OPS_XATTR_H
#define RINGER_ENGINE_OPS_XATTR_H

#include "engine/engine.h"

struct xattr_state {
	char *name; /* copied at prep (REQ_F_NEED_CLEANUP), as the next two */
	char *path; /* GETXATTR, SETXATTR */
	void *kvalue; /* SET: the value copied at prep */
	void *value; /* GET: the program's buffer */
	uint32_t size;
	int flags;
};
REQ_DATA_CHECK(struct xattr_state);

int fgetxattr_prep(struct req *req, const struct io_uring_sqe *sqe);
int getxattr_prep(struct req *req, const struct io_uring_sqe *sqe);
int fsetxattr_prep(struct req *req, const struct io_uring_sqe *sqe);
int setxattr_prep(struct req *req, const struct io_uring_sqe *sqe);
int fgetxattr_issue(struct req *req, unsigned issue_flags);
int getxattr_issue(struct req *req, unsigned issue_flags);
int fsetxattr_issue(struct req *req, unsigned issue_flags);
int setxattr_issue(struct req *req, unsigned issue_flags);
void xattr_cleanup(struct req *req);

#endif /* RINGER_ENGINE_OPS_XATTR_H */
