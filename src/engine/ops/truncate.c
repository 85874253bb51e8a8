// SPDX-License-Identifier: MIT
/* IORING_OP_FTRUNCATE: always runs in a worker (the kernel's truncate.c). */
#include <errno.h>

#include "engine/ops/truncate.h"
#include "engine/sys.h"

int ftruncate_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	if (sqe->rw_flags || sqe->addr || sqe->len || sqe->buf_index || sqe->splice_fd_in ||
	    sqe->addr3)
		return -EINVAL;
	req_data(req, struct ftruncate_state)->len = (int64_t)sqe->off;
	return 0;
}

int ftruncate_issue(struct req *req, unsigned issue_flags)
{
	int ret = req_resolve_file(req);

	if (!ret)
		ret = sys_ftruncate(req->rfd, (off_t)req_data(req, struct ftruncate_state)->len);
	/* its own error is the result but no failure, as a sync's; a bad fd
	 * fails it before the truncate, loudly */
	req->res = ret;
	if (ret < 0 && ret != -EBADF)
		req->flags |= REQ_F_QUIET_RES;
	return ISSUE_DONE;
}
