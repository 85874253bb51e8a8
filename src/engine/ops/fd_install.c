// SPDX-License-Identifier: MIT
/*
 * IORING_OP_FIXED_FD_INSTALL (the kernel's io_install_fixed_fd() in
 * openclose.c): a direct descriptor given back to the program as a plain
 * one, the lowest free number, O_CLOEXEC unless IORING_FIXED_FD_NO_CLOEXEC.
 * Only a fixed file (IOSQE_FIXED_FILE) can be installed: -EBADF otherwise,
 * checked after the SQE's unused fields (-EINVAL), as 6.18 (probed).
 */
#include <errno.h>
#include <fcntl.h>

#include "engine/ops/fd_install.h"
#include "engine/sys.h"

int fd_install_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct fd_install_state *fi = req_data(req, struct fd_install_state);

	if (sqe->off || sqe->addr || sqe->len || sqe->buf_index || sqe->splice_fd_in ||
	    sqe->addr3)
		return -EINVAL;
	if (!(req->flags & REQ_F_FIXED_FILE))
		return -EBADF;
	if (sqe->install_fd_flags & ~IORING_FIXED_FD_NO_CLOEXEC)
		return -EINVAL;
	/* the kernel installs with the task's own credentials only */
	if (req->creds)
		return -EPERM;
	fi->cloexec = !(sqe->install_fd_flags & IORING_FIXED_FD_NO_CLOEXEC);
	return 0;
}

int fd_install_issue(struct req *req, unsigned issue_flags)
{
	struct fd_install_state *fi = req_data(req, struct fd_install_state);
	int ret = req_resolve_file(req);

	if (!ret)
		ret = sys_fcntl(req->rfd, fi->cloexec ? F_DUPFD_CLOEXEC : F_DUPFD, 0);
	req->res = ret;
	if (ret < 0)
		req_set_fail(req);
	return ISSUE_DONE;
}
