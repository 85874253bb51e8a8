// SPDX-License-Identifier: MIT
/*
 * IORING_OP_NOP: completes with 0, or with the injected result, after the
 * checks its test flags ask for (Linux 6.18, probed): FILE looks the fd up
 * (in the fixed table with FIXED_FILE or IOSQE_FIXED_FILE: -EBADF),
 * FIXED_BUFFER looks buf_index up in the registered buffers (-EFAULT); the
 * first failing check gives the result.  TW completes through task work on
 * the kernel: the same CQE, at the same time.  CQE32 posts a 32-byte CQE
 * whose second half is sqe->off and sqe->addr; it needs a CQE32 or
 * CQE_MIXED ring (-EINVAL on others).
 */
#include <errno.h>
#include <fcntl.h>

#include "engine/sys.h"
#include "engine/ops/nop.h"

#define NOP_FLAGS                                                              \
	(IORING_NOP_INJECT_RESULT | IORING_NOP_FILE | IORING_NOP_FIXED_FILE |   \
	 IORING_NOP_FIXED_BUFFER | IORING_NOP_TW | IORING_NOP_CQE32)

int nop_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct nop_state *nop = req_data(req, struct nop_state);

	nop->flags = sqe->nop_flags;
	if (nop->flags & ~NOP_FLAGS)
		return -EINVAL;
	if (nop->flags & IORING_NOP_CQE32) {
		if (!(req->ring->flags & (IORING_SETUP_CQE32 | IORING_SETUP_CQE_MIXED)))
			return -EINVAL;
		nop->extra1 = sqe->off;
		nop->extra2 = sqe->addr;
	}
	nop->res = (nop->flags & IORING_NOP_INJECT_RESULT) ? (int32_t)sqe->len : 0;
	nop->buf_index = sqe->buf_index;
	return 0;
}

/* IORING_NOP_FILE: is req->fd a file (fixed: a slot of the table)? */
static bool nop_file_ok(struct req *req, unsigned flags)
{
	struct rfile *f;

	if (!(flags & IORING_NOP_FIXED_FILE) && !(req->flags & REQ_F_FIXED_FILE))
		return req->fd >= 0 && sys_fcntl(req->fd, F_GETFD, 0) >= 0;
	f = rsrc_get_file(req->ring, (unsigned)req->fd);
	if (!f)
		return false;
	rfile_put(f);
	return true;
}

/* IORING_NOP_FIXED_BUFFER: is buf_index a registered buffer? */
static bool nop_buf_ok(struct req *req, unsigned idx)
{
	struct rbuf *b = rsrc_get_buf(req->ring, idx);

	if (!b)
		return false;
	rsrc_node_put(&b->node);
	return true;
}

int nop_issue(struct req *req, unsigned issue_flags)
{
	struct nop_state *nop = req_data(req, struct nop_state);

	if ((nop->flags & IORING_NOP_FILE) && !nop_file_ok(req, nop->flags))
		req->res = -EBADF;
	else if ((nop->flags & IORING_NOP_FIXED_BUFFER) && !nop_buf_ok(req, nop->buf_index))
		req->res = -EFAULT;
	else
		req->res = nop->res;
	if (nop->flags & IORING_NOP_CQE32) {
		req->flags |= REQ_F_CQE32;
		req->big_cqe[0] = nop->extra1;
		req->big_cqe[1] = nop->extra2;
	}
	return ISSUE_DONE;
}
