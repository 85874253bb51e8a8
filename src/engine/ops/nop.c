// SPDX-License-Identifier: MIT
/* IORING_OP_NOP: completes with 0, or with the injected result. */
#include <errno.h>

#include "engine/ops/nop.h"

int nop_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	/* only INJECT_RESULT of the kernel's test flags (FILE, FIXED_BUFFER, TW, CQE32) */
	if (sqe->nop_flags & ~IORING_NOP_INJECT_RESULT)
		return -EINVAL;
	req_data(req, struct nop_state)->res = (sqe->nop_flags & IORING_NOP_INJECT_RESULT) ? (int32_t)sqe->len : 0;
	return 0;
}

int nop_issue(struct req *req, unsigned issue_flags)
{
	req->res = req_data(req, struct nop_state)->res;
	return ISSUE_DONE;
}
