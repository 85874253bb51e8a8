// SPDX-License-Identifier: MIT
/*
 * IORING_OP_EPOLL_CTL and IORING_OP_EPOLL_WAIT (the kernel's epoll.c).
 *
 * EPOLL_CTL is epoll_ctl(2) on the numbers the SQE names, with the event
 * read at prep (the kernel copies it then).  EPOLL_WAIT takes what the epoll
 * set holds now (an epoll_wait(2) with no timeout); with nothing ready it
 * waits in the reactor for its epoll fd to be readable (opdef pollin, as
 * the kernel's poll arming) and looks again, so it waits there until events
 * come, is cancelled (the reactor's matching), or the ring goes.
 *
 * An engine ring's fd in an epoll set stands for its readiness eventfd
 * (pollfd.c), as with the program's own epoll_ctl(2) through libringer.
 */
#include <errno.h>
#include <fcntl.h>

#include "engine/api.h"
#include "engine/sys.h"
#include "engine/ops/epoll.h"

int epoll_ctl_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct epoll_ctl_state *ec = req_data(req, struct epoll_ctl_state);

	if (sqe->buf_index || sqe->splice_fd_in)
		return -EINVAL;
	ec->epfd = sqe->fd;
	ec->op = (int)sqe->len;
	ec->fd = (int)sqe->off;
	/* every op but DEL carries an event, an unknown one too (-EFAULT first) */
	if (ec->op != EPOLL_CTL_DEL &&
	    umem_read(&ec->event, (const void *)(uintptr_t)sqe->addr, sizeof(ec->event)))
		return -EFAULT;
	return 0;
}

int epoll_ctl_issue(struct req *req, unsigned issue_flags)
{
	struct epoll_ctl_state *ec = req_data(req, struct epoll_ctl_state);
	int fd = engine_poll_fd(ec->fd);

	req->res = sys_epoll_ctl(ec->epfd, ec->op, fd >= 0 ? fd : ec->fd, &ec->event);
	return ISSUE_DONE;
}

int epoll_wait_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct epoll_wait_state *ew = req_data(req, struct epoll_wait_state);

	if (sqe->off || sqe->rw_flags || sqe->buf_index || sqe->splice_fd_in)
		return -EINVAL;
	ew->maxevents = (int)sqe->len;
	ew->events = (struct epoll_event *)(uintptr_t)sqe->addr;
	return 0;
}

static void epoll_ready(struct reactor_entry *e, uint32_t revents)
{
	struct req *req = (struct req *)((char *)e - offsetof(struct req, rent));

	engine_thread_ctx = CTX_REACTOR;
	req_issue(req, ISSUE_F_NONBLOCK);
}

int epoll_wait_issue(struct req *req, unsigned issue_flags)
{
	struct epoll_wait_state *ew = req_data(req, struct epoll_wait_state);
	int ret;

	ret = req_resolve_file(req);
	if (ret) {
		req->res = ret;
		return ISSUE_DONE;
	}
	/* a ring's readiness the program reaped away in user space is stale */
	engine_poll_refresh_all();
	ret = sys_epoll_wait(req->rfd, ew->events, ew->maxevents, 0);
	/* the kernel looks the file up before the arguments */
	if ((ret == -EINVAL || ret == -EFAULT) && !req->file &&
	    sys_fcntl(req->rfd, F_GETFD, 0) < 0)
		ret = -EBADF;
	if (ret != 0) {
		req->res = ret;
		return ISSUE_DONE;
	}
	ret = req_arm_ready(req, epoll_ready);
	if (ret) {
		req->res = ret;
		return ISSUE_DONE;
	}
	return ISSUE_QUEUED;
}
