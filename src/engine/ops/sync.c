// SPDX-License-Identifier: MIT
/* IORING_OP_FSYNC, SYNC_FILE_RANGE and FALLOCATE: always run in a worker. */
#include <errno.h>
#include <fcntl.h>

#include "engine/ops/sync.h"
#include "engine/sys.h"

/*
 * The sync's own error is the result but no failure, as in the kernel's
 * sync.c (io_req_set_res() without req_set_fail()): links after it run, and
 * CQE_SKIP_SUCCESS hides the CQE.  So is the ring fd's answer (-EINVAL).
 * -EBADF from a plain fd number that names no file (the engine learns it
 * only from the call): the kernel fails that request before the sync,
 * loudly; FALLOCATE's -EBADF on a file not open for writing is its own.
 */
static void sync_done(struct req *req, int ret)
{
	req->res = ret;
	if (ret < 0 && !(ret == -EBADF && !req->file && sys_fcntl(req->rfd, F_GETFD, 0) < 0))
		req->flags |= REQ_F_QUIET_RES;
}

int fsync_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	if (sqe->addr || sqe->buf_index || sqe->splice_fd_in)
		return -EINVAL;
	if (sqe->fsync_flags & ~IORING_FSYNC_DATASYNC)
		return -EINVAL;
	/* 6.18 refuses a negative offset at prep (probed): the batch ends there */
	if ((int64_t)sqe->off < 0)
		return -EINVAL;
	req_data(req, struct sync_state)->flags = sqe->fsync_flags;
	req_data(req, struct sync_state)->off = sqe->off;
	req_data(req, struct sync_state)->len = sqe->len;
	return 0;
}

int fsync_issue(struct req *req, unsigned issue_flags)
{
	int ret = req_resolve_file(req);

	/*
	 * The kernel syncs [off, off+len); user space can only sync the whole
	 * file, which covers the range (a superset, same result).
	 */
	while (!ret) {
		ret = (req_data(req, struct sync_state)->flags & IORING_FSYNC_DATASYNC) ? sys_fdatasync(req->rfd)
								 : sys_fsync(req->rfd);
		if (ret != -EINTR)
			break;
		ret = 0;
	}
	sync_done(req, ret);
	return ISSUE_DONE;
}

int sfr_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	if (sqe->addr || sqe->buf_index || sqe->splice_fd_in)
		return -EINVAL;
	req_data(req, struct sync_state)->off = sqe->off;
	req_data(req, struct sync_state)->len = sqe->len;
	req_data(req, struct sync_state)->flags = sqe->sync_range_flags;
	return 0;
}

int sfr_issue(struct req *req, unsigned issue_flags)
{
	int ret = req_resolve_file(req);

	while (!ret) {
		ret = sys_sync_file_range(req->rfd, (off_t)req_data(req, struct sync_state)->off, req_data(req, struct sync_state)->len,
					  req_data(req, struct sync_state)->flags);
		if (ret != -EINTR)
			break;
		ret = 0;
	}
	sync_done(req, ret);
	return ISSUE_DONE;
}

/*
 * SYNC_FILE_RANGE on a ring's own fd: sync_file_range() checks its
 * arguments (-EINVAL) before the file's type (-ESPIPE).
 */
int sfr_ring_file(struct req *req)
{
	struct sync_state *sync = req_data(req, struct sync_state);
	int64_t end;

	if ((sync->flags & ~7U) || (int64_t)sync->off < 0 ||
	    __builtin_add_overflow((int64_t)sync->off, (int64_t)sync->len, &end))
		return -EINVAL;
	return -ESPIPE;
}

int fallocate_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct fallocate_state *fa = req_data(req, struct fallocate_state);

	if (sqe->buf_index || sqe->rw_flags || sqe->splice_fd_in)
		return -EINVAL;
	fa->off = sqe->off;
	fa->len = sqe->addr;
	fa->mode = (int)sqe->len;
	return 0;
}

int fallocate_issue(struct req *req, unsigned issue_flags)
{
	struct fallocate_state *fa = req_data(req, struct fallocate_state);
	int ret = req_resolve_file(req);

	if (!ret)
		ret = sys_fallocate(req->rfd, fa->mode, (off_t)fa->off, (off_t)fa->len);
	sync_done(req, ret);
	return ISSUE_DONE;
}
