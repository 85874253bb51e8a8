// SPDX-License-Identifier: MIT
/*
 * The path operations (the kernel's io_uring/fs.c): RENAMEAT, UNLINKAT,
 * MKDIRAT, SYMLINKAT, LINKAT.  Always run in a worker (force_async), as the
 * kernel forces them to io-wq at prep.
 *
 * Prep copies the path strings, as the kernel's getname() does, so the
 * program may reuse its buffers once the SQE is submitted; a bad pointer
 * (-EFAULT), an empty name (-ENOENT) or a name of PATH_MAX bytes or more
 * (-ENAMETOOLONG) fails the request at prep, which breaks its links.
 * The call's own error at issue does not fail the request (the kernel
 * sets the result without req_set_fail(), probed on 6.18): links after it
 * run and CQE_SKIP_SUCCESS hides its CQE.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "engine/api.h"
#include "engine/ops/fs.h"
#include "engine/sys.h"

static int fs_prep_names(struct req *req, uint64_t oldaddr, bool old_empty_ok, uint64_t newaddr)
{
	struct fs_state *fs = req_data(req, struct fs_state);
	int ret;

	fs->oldpath = NULL;
	fs->newpath = NULL;
	if (oldaddr != UINT64_MAX) {
		ret = copy_user_path((const char *)(uintptr_t)oldaddr, old_empty_ok, &fs->oldpath);
		if (ret)
			return ret;
	}
	ret = copy_user_path((const char *)(uintptr_t)newaddr, false, &fs->newpath);
	if (ret) {
		free(fs->oldpath);
		fs->oldpath = NULL;
		return ret;
	}
	req->flags |= REQ_F_NEED_CLEANUP;
	return 0;
}

void fs_cleanup(struct req *req)
{
	struct fs_state *fs = req_data(req, struct fs_state);

	free(fs->oldpath);
	free(fs->newpath);
	fs->oldpath = NULL;
	fs->newpath = NULL;
}

/* the call's error is the result, not a failure (see above) */
static int fs_done(struct req *req, int ret)
{
	req->res = ret;
	if (ret < 0)
		req->flags |= REQ_F_QUIET_RES;
	return ISSUE_DONE;
}

int renameat_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct fs_state *fs = req_data(req, struct fs_state);

	if (sqe->buf_index || sqe->splice_fd_in)
		return -EINVAL;
	if (req->flags & REQ_F_FIXED_FILE)
		return -EBADF;
	fs->old_dfd = sqe->fd;
	fs->new_dfd = (int)sqe->len;
	fs->flags = sqe->rename_flags;
	return fs_prep_names(req, sqe->addr, false, sqe->addr2);
}

int renameat_issue(struct req *req, unsigned issue_flags)
{
	struct fs_state *fs = req_data(req, struct fs_state);

	if (issue_flags & ISSUE_F_NONBLOCK)
		return ISSUE_AGAIN;
	return fs_done(
		req, sys_renameat2(fs->old_dfd, fs->oldpath, fs->new_dfd, fs->newpath, fs->flags));
}

int unlinkat_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct fs_state *fs = req_data(req, struct fs_state);

	if (sqe->off || sqe->len || sqe->buf_index || sqe->splice_fd_in)
		return -EINVAL;
	if (req->flags & REQ_F_FIXED_FILE)
		return -EBADF;
	fs->new_dfd = sqe->fd;
	fs->flags = sqe->unlink_flags;
	if (fs->flags & ~AT_REMOVEDIR)
		return -EINVAL;
	return fs_prep_names(req, UINT64_MAX, false, sqe->addr);
}

int unlinkat_issue(struct req *req, unsigned issue_flags)
{
	struct fs_state *fs = req_data(req, struct fs_state);

	if (issue_flags & ISSUE_F_NONBLOCK)
		return ISSUE_AGAIN;
	return fs_done(req, sys_unlinkat(fs->new_dfd, fs->newpath, (int)fs->flags));
}

int mkdirat_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct fs_state *fs = req_data(req, struct fs_state);

	if (sqe->off || sqe->rw_flags || sqe->buf_index || sqe->splice_fd_in)
		return -EINVAL;
	if (req->flags & REQ_F_FIXED_FILE)
		return -EBADF;
	fs->new_dfd = sqe->fd;
	fs->flags = sqe->len; /* the mode */
	return fs_prep_names(req, UINT64_MAX, false, sqe->addr);
}

int mkdirat_issue(struct req *req, unsigned issue_flags)
{
	struct fs_state *fs = req_data(req, struct fs_state);

	if (issue_flags & ISSUE_F_NONBLOCK)
		return ISSUE_AGAIN;
	return fs_done(req, sys_mkdirat(fs->new_dfd, fs->newpath, (mode_t)fs->flags));
}

int symlinkat_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct fs_state *fs = req_data(req, struct fs_state);

	if (sqe->len || sqe->rw_flags || sqe->buf_index || sqe->splice_fd_in)
		return -EINVAL;
	if (req->flags & REQ_F_FIXED_FILE)
		return -EBADF;
	fs->new_dfd = sqe->fd;
	return fs_prep_names(req, sqe->addr, false, sqe->addr2);
}

int symlinkat_issue(struct req *req, unsigned issue_flags)
{
	struct fs_state *fs = req_data(req, struct fs_state);

	if (issue_flags & ISSUE_F_NONBLOCK)
		return ISSUE_AGAIN;
	return fs_done(req, sys_symlinkat(fs->oldpath, fs->new_dfd, fs->newpath));
}

int linkat_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct fs_state *fs = req_data(req, struct fs_state);

	if (sqe->buf_index || sqe->splice_fd_in)
		return -EINVAL;
	if (req->flags & REQ_F_FIXED_FILE)
		return -EBADF;
	fs->old_dfd = sqe->fd;
	fs->new_dfd = (int)sqe->len;
	fs->flags = sqe->hardlink_flags; /* linkat() checks them, at issue as the kernel */
	return fs_prep_names(req, sqe->addr, fs->flags & AT_EMPTY_PATH, sqe->addr2);
}

int linkat_issue(struct req *req, unsigned issue_flags)
{
	struct fs_state *fs = req_data(req, struct fs_state);

	if (issue_flags & ISSUE_F_NONBLOCK)
		return ISSUE_AGAIN;
	return fs_done(req, sys_linkat(fs->old_dfd, fs->oldpath, fs->new_dfd, fs->newpath,
				       (int)fs->flags));
}
