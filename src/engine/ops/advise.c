// SPDX-License-Identifier: MIT
/*
 * IORING_OP_FADVISE and IORING_OP_MADVISE (the kernel's advise.c).  A failed
 * FADVISE fails the request (links after it are cut); a MADVISE's error is
 * only its result, as a sync's (6.18, probed).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>

#include "engine/ops/advise.h"
#include "engine/sys.h"

int fadvise_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct advise_state *fa = req_data(req, struct advise_state);

	if (sqe->buf_index || sqe->splice_fd_in)
		return -EINVAL;
	fa->addr = sqe->off;
	/* a 64-bit length in addr; the older 32-bit one in len */
	fa->len = sqe->addr;
	if (!fa->len)
		fa->len = sqe->len;
	fa->advice = (int)sqe->fadvise_advice;
	/* these only set the file's readahead mode; the others may do I/O */
	switch (fa->advice) {
	case POSIX_FADV_NORMAL:
	case POSIX_FADV_RANDOM:
	case POSIX_FADV_SEQUENTIAL:
		break;
	default:
		req->flags |= REQ_F_FORCE_ASYNC;
	}
	return 0;
}

int fadvise_issue(struct req *req, unsigned issue_flags)
{
	struct advise_state *fa = req_data(req, struct advise_state);
	int ret = req_resolve_file(req);

	if (!ret)
		ret = sys_fadvise(req->rfd, (off_t)fa->addr, (off_t)fa->len, fa->advice);
	req->res = ret;
	return ISSUE_DONE;
}

int madvise_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct advise_state *ma = req_data(req, struct advise_state);

	if (sqe->buf_index || sqe->splice_fd_in)
		return -EINVAL;
	ma->addr = sqe->addr;
	/* a 64-bit length in off; the older 32-bit one in len */
	ma->len = sqe->off;
	if (!ma->len)
		ma->len = sqe->len;
	ma->advice = (int)sqe->fadvise_advice;
	return 0;
}

int madvise_issue(struct req *req, unsigned issue_flags)
{
	struct advise_state *ma = req_data(req, struct advise_state);

	req->res = sys_madvise((void *)(uintptr_t)ma->addr, (size_t)ma->len, ma->advice);
	if (req->res < 0)
		req->flags |= REQ_F_QUIET_RES;
	return ISSUE_DONE;
}
