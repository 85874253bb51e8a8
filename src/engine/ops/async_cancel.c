// SPDX-License-Identifier: MIT
/*
 * IORING_OP_ASYNC_CANCEL (the kernel's cancel.c): the key from the SQE, the
 * search through cancel_requests() (engine/cancel.c), which knows where
 * requests wait.
 *
 * Results (cancel_result()): without ALL or ANY, 0 (one found and
 * cancelled: it completes with -ECANCELED after this CQE; 1 for a futex
 * wait, as the kernel answers), -ENOENT, or -EALREADY (it runs in a worker
 * and completes by itself); with ALL or ANY (ANY alone cancels every
 * request), the number cancelled, 0 for none.  An FD key that names no file
 * is -EBADF.
 */
#include <errno.h>

#include "engine/cancel.h"
#include "engine/ops/async_cancel.h"

#define req_cancel(req) req_data(req, struct async_cancel_state)

int async_cancel_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct async_cancel_state *c = req_cancel(req);

	/* len and buf_index are not looked at without OP (probed) */
	if (sqe->off || sqe->splice_fd_in)
		return -EINVAL;
	c->addr = sqe->addr;
	c->flags = sqe->cancel_flags;
	c->fd = -1;
	c->opcode = 0;
	if (c->flags & ~CANCEL_FLAGS)
		return -EINVAL;
	if (c->flags & IORING_ASYNC_CANCEL_FD) {
		if (c->flags & IORING_ASYNC_CANCEL_ANY)
			return -EINVAL;
		c->fd = sqe->fd;
	}
	if (c->flags & IORING_ASYNC_CANCEL_OP) {
		if (c->flags & IORING_ASYNC_CANCEL_ANY)
			return -EINVAL;
		c->opcode = (uint8_t)sqe->len;
	}
	return 0;
}

int async_cancel_issue(struct req *req, unsigned issue_flags)
{
	struct async_cancel_state *c = req_cancel(req);
	struct cancel_data cd = {
		.ring = req->ring,
		.data = c->addr,
		.fd = c->fd,
		.opcode = c->opcode,
		.flags = c->flags,
	};
	int ret;

	(void)issue_flags;
	/* the SQE's FIXED_FILE flag makes the FD key an index too */
	if ((cd.flags & IORING_ASYNC_CANCEL_FD) && (req->flags & REQ_F_FIXED_FILE))
		cd.flags |= IORING_ASYNC_CANCEL_FD_FIXED;
	ret = cancel_result(req->ring, &cd);
	req->res = ret;
	return ISSUE_DONE;
}
