// SPDX-License-Identifier: MIT
/*
 * IORING_OP_PIPE (Linux 6.16; the kernel's io_uring/openclose.c): pipe2(2)
 * as a request, its two ends as descriptors of the program or, direct, in
 * two slots of the ring's fixed file table.  It never blocks: issued inline.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "engine/ops/pipe.h"
#include "engine/sys.h"

#ifndef O_NOTIFICATION_PIPE
#define O_NOTIFICATION_PIPE O_EXCL
#endif

/* Only fd, off and addr3 are checked (probed on 6.18: len, buf_index,
 * __pad2 and IOSQE_FIXED_FILE are ignored; ioprio is the core's). */
int pipe_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct pipe_state *p = req_data(req, struct pipe_state);

	if (sqe->fd || sqe->off || sqe->addr3)
		return -EINVAL;
	p->fds = (int *)(uintptr_t)sqe->addr;
	p->flags = (int)sqe->pipe_flags;
	if (p->flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT | O_NOTIFICATION_PIPE))
		return -EINVAL;
	p->file_slot = sqe->file_index;
	return 0;
}

/* rsrc_fd_install(), answering the slot index in both forms */
static int install(struct ring *r, int fd, unsigned slot)
{
	int ret = rsrc_fd_install(r, fd, slot);

	if (ret < 0)
		return ret;
	return slot == IORING_FILE_INDEX_ALLOC ? ret : (int)(slot - 1);
}

/*
 * As the kernel's io_pipe_fixed(): the read end at the slot (or a free
 * one), the write end at the next (or another free one); whatever fails
 * after the first is installed empties the slots filled (what they held
 * before is gone).
 */
static int pipe_fixed(struct req *req, int pfd[2])
{
	struct pipe_state *p = req_data(req, struct pipe_state);
	int fds[2] = { -1, -1 }, ret;
	unsigned slot = p->file_slot;

	ret = install(req->ring, pfd[0], slot);
	if (ret < 0) {
		sys_close(pfd[1]);
		return ret;
	}
	fds[0] = ret;
	if (slot != IORING_FILE_INDEX_ALLOC)
		slot++;
	ret = install(req->ring, pfd[1], slot);
	if (ret < 0)
		goto err;
	fds[1] = ret;
	if (!umem_write(p->fds, fds, sizeof(fds)))
		return 0;
	ret = -EFAULT;
err:
	rsrc_file_remove(req->ring, (unsigned)fds[0]);
	if (fds[1] != -1)
		rsrc_file_remove(req->ring, (unsigned)fds[1]);
	return ret;
}

int pipe_issue(struct req *req, unsigned issue_flags)
{
	struct pipe_state *p = req_data(req, struct pipe_state);
	int pfd[2], ret;

	if (p->file_slot) {
		/* a slot has no close-on-exec (the kernel checks it after
		 * making the pipe: a failure to make it comes first) */
		ret = sys_pipe2(pfd, p->flags | O_CLOEXEC);
		if (!ret && (p->flags & O_CLOEXEC)) {
			sys_close(pfd[0]);
			sys_close(pfd[1]);
			ret = -EINVAL;
		} else if (!ret) {
			ret = pipe_fixed(req, pfd);
		}
	} else {
		ret = sys_pipe2(pfd, p->flags);
		/* the kernel installs the numbers only once it could write them */
		if (!ret && umem_write(p->fds, pfd, sizeof(pfd))) {
			sys_close(pfd[0]);
			sys_close(pfd[1]);
			ret = -EFAULT;
		}
	}
	req->res = ret;
	if (ret < 0)
		req_set_fail(req);
	return ISSUE_DONE;
}
