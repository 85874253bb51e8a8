/* SPDX-License-Identifier: MIT */
/* IORING_OP_FIXED_FD_INSTALL (ops/fd_install.c). */
#ifndef RINGER_ENGINE_OPS_FD_INSTALL_H
#define RINGER_ENGINE_OPS_FD_INSTALL_H

#include "engine/engine.h"

struct fd_install_state {
	bool cloexec;
};
REQ_DATA_CHECK(struct fd_install_state);

int fd_install_prep(struct req *req, const struct io_uring_sqe *sqe);
int fd_install_issue(struct req *req, unsigned issue_flags);

#endif /* RINGER_ENGINE_OPS_FD_INSTALL_H */
