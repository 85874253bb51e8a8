// SPDX-License-Identifier: MIT
/* IORING_OP_STATX: always runs in a worker (the kernel's statx.c). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/api.h"
#include "engine/ops/statx.h"
#include "engine/sys.h"

int statx_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct statx_state *sx = req_data(req, struct statx_state);
	int ret;

	if (sqe->buf_index || sqe->splice_fd_in)
		return -EINVAL;
	/* the dfd is a path lookup's base, never a fixed file */
	if (req->flags & REQ_F_FIXED_FILE)
		return -EBADF;
	sx->dfd = sqe->fd;
	sx->mask = sqe->len;
	sx->flags = (int)sqe->statx_flags;
	sx->buffer = (void *)(uintptr_t)sqe->addr2;
	ret = copy_user_path((const char *)(uintptr_t)sqe->addr, sx->flags & AT_EMPTY_PATH,
			     &sx->path);
	if (ret)
		return ret;
	req->flags |= REQ_F_NEED_CLEANUP;
	return 0;
}

int statx_issue(struct req *req, unsigned issue_flags)
{
	struct statx_state *sx = req_data(req, struct statx_state);

	/* the statx's own error is the result but no failure (links go on) */
	req->res = sys_statx(sx->dfd, sx->path, sx->flags, sx->mask, sx->buffer);
	if (req->res < 0)
		req->flags |= REQ_F_QUIET_RES;
	return ISSUE_DONE;
}

void statx_cleanup(struct req *req)
{
	struct statx_state *sx = req_data(req, struct statx_state);

	free(sx->path);
	sx->path = NULL;
}
