// SPDX-License-Identifier: MIT
/*
 * The connection ops of the kernel's io_uring/net.c: SOCKET, BIND, LISTEN,
 * CONNECT, ACCEPT (direct, multishot, DONTWAIT, POLL_FIRST) and SHUTDOWN.
 *
 * No socket op blocks a thread: a call that would block fails EAGAIN and
 * the request waits in the reactor for the socket's readiness (the
 * kernel's FAST_POLL), then tries again, as the kernel's io-wq does for a
 * pollable file even with IOSQE_ASYNC.  accept4(2) and connect(2) take no
 * per-call "don't wait" flag (the kernel passes O_NONBLOCK to the socket
 * layer): on a blocking socket the engine sets O_NONBLOCK on the file for
 * the call and clears it after (engine.h: a divergence).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "engine/ops/net.h"
#include "engine/sys.h"
#include "engine/trace.h"

/* the kernel's sizeof(struct sockaddr_storage) limit (move_addr_to_kernel()) */
#define ADDR_MAX 128
#define ACCEPT_IOU_FLAGS \
	(IORING_ACCEPT_MULTISHOT | IORING_ACCEPT_DONTWAIT | IORING_ACCEPT_POLL_FIRST)
#define SOCK_TYPE_MASK 0xf

static int done(struct req *req, int ret)
{
	req->res = ret;
	if (ret < 0)
		req_set_fail(req);
	return ISSUE_DONE;
}

/* ---- SOCKET ------------------------------------------------------------- */

int socket_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct socket_state *s = req_data(req, struct socket_state);
	int flags;

	if (sqe->addr || sqe->rw_flags || sqe->buf_index)
		return -EINVAL;
	s->domain = sqe->fd;
	s->type = (int)sqe->off;
	s->protocol = (int)sqe->len;
	s->file_slot = sqe->file_index;
	flags = s->type & ~SOCK_TYPE_MASK;
	if (rsrc_direct_check(s->file_slot, flags & SOCK_CLOEXEC))
		return -EINVAL;
	if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	return 0;
}

int socket_issue(struct req *req, unsigned issue_flags)
{
	struct socket_state *s = req_data(req, struct socket_state);
	int fd;

	/* a slot has no close-on-exec; the engine's own fd has it */
	fd = sys_socket(s->domain, s->type | (s->file_slot ? SOCK_CLOEXEC : 0), s->protocol);
	if (fd < 0 || !s->file_slot)
		return done(req, fd);
	/* the kernel's io_socket() does not mark a failed install failed: its
	 * links go on, and CQE_SKIP_SUCCESS hides the CQE (6.18, probed) */
	req->res = rsrc_fd_install(req->ring, fd, s->file_slot);
	if (req->res < 0)
		req->flags |= REQ_F_QUIET_RES;
	return ISSUE_DONE;
}

/* ---- BIND, LISTEN ------------------------------------------------------- */

/* the kernel's move_addr_to_kernel(), at prep */
static int addr_prep(struct req *req, uint64_t uaddr, uint64_t len)
{
	struct addr_state *a = req_data(req, struct addr_state);

	a->addr = NULL;
	a->addr_len = (unsigned)len;
	a->in_progress = a->seen_econnaborted = false;
	if ((int)len < 0 || (int)len > ADDR_MAX)
		return -EINVAL;
	if (!len)
		return 0;
	a->addr = malloc(len);
	if (!a->addr)
		return -ENOMEM;
	if (umem_read(a->addr, (const void *)(uintptr_t)uaddr, len)) {
		free(a->addr);
		a->addr = NULL;
		return -EFAULT;
	}
	req->flags |= REQ_F_NEED_CLEANUP;
	return 0;
}

void addr_cleanup(struct req *req)
{
	struct addr_state *a = req_data(req, struct addr_state);

	free(a->addr);
	a->addr = NULL;
}

static void addr_free(struct req *req)
{
	addr_cleanup(req);
	req->flags &= ~REQ_F_NEED_CLEANUP;
}

/*
 * The request's file, which must be a socket (the kernel's
 * sock_from_file(): -ENOTSOCK on any other file); its family in *domain.
 */
static int resolve_sock(struct req *req, int *domain)
{
	unsigned len = sizeof(*domain);
	int ret = req_resolve_file(req);

	if (ret)
		return ret;
	return sys_getsockopt(req->rfd, SOL_SOCKET, SO_DOMAIN, domain, &len);
}

/* a ring's own fd is no socket */
int net_ring_file(struct req *req)
{
	return -ENOTSOCK;
}

int bind_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	if (sqe->len || sqe->buf_index || sqe->rw_flags || sqe->splice_fd_in)
		return -EINVAL;
	return addr_prep(req, sqe->addr, sqe->addr2);
}

int bind_issue(struct req *req, unsigned issue_flags)
{
	struct addr_state *a = req_data(req, struct addr_state);
	int domain, ret = resolve_sock(req, &domain);

	if (!ret)
		ret = sys_bind(req->rfd, a->addr, a->addr_len);
	addr_free(req);
	return done(req, ret);
}

int listen_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	if (sqe->addr || sqe->buf_index || sqe->rw_flags || sqe->splice_fd_in || sqe->addr2)
		return -EINVAL;
	req_data(req, struct listen_state)->backlog = (int)sqe->len;
	return 0;
}

int listen_issue(struct req *req, unsigned issue_flags)
{
	int domain, ret = resolve_sock(req, &domain);

	if (!ret)
		ret = sys_listen(req->rfd, req_data(req, struct listen_state)->backlog);
	return done(req, ret);
}

/* ---- the non-blocking call on a socket ---------------------------------- */

enum nb_call { NB_CONNECT, NB_ACCEPT };

struct nb_args {
	enum nb_call call;
	const void *addr;
	unsigned len;
	void *out_addr;
	unsigned *out_len;
	int flags;
};

static long nb_do(int fd, void *arg)
{
	const struct nb_args *a = arg;

	if (a->call == NB_CONNECT)
		return sys_connect(fd, a->addr, a->len);
	return sys_accept4(fd, a->out_addr, a->out_len, a->flags);
}

/* The call as the kernel makes it from io_uring: with O_NONBLOCK. */
static int nb_call(enum nb_call call, int fd, struct nb_args *a)
{
	a->call = call;
	return (int)sys_call_nonblock(fd, nb_do, a);
}

static int wait_ready(struct req *req, reactor_fn fn)
{
	int ret = req_arm_ready(req, fn);

	if (ret)
		return done(req, ret);
	return ISSUE_QUEUED;
}

/*
 * wait_ready() for a multishot ACCEPT: a cancellation finds it even while
 * the reactor runs it (the kernel's always cancels a multishot accept), and
 * its next arming then answers -ECANCELED, which ends it.
 */
static int wait_ready_mshot(struct req *req, reactor_fn fn)
{
	int ret = req_arm_ready_mshot(req, fn);

	if (ret)
		return done(req, ret);
	return ISSUE_QUEUED;
}

/* ---- CONNECT ------------------------------------------------------------ */

int connect_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	if (sqe->len || sqe->buf_index || sqe->rw_flags || sqe->splice_fd_in)
		return -EINVAL;
	return addr_prep(req, sqe->addr, sqe->addr2);
}

static void connect_ready(struct reactor_entry *e, uint32_t revents)
{
	struct req *req = (struct req *)((char *)e - offsetof(struct req, rent));

	engine_thread_ctx = CTX_REACTOR;
	req_issue(req, ISSUE_F_NONBLOCK);
}

/* the kernel's sock_error(): the pending error, taken */
static int sock_error(int fd)
{
	int err = 0;
	unsigned len = sizeof(err);
	int ret = sys_getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);

	return ret ? ret : -err;
}

int connect_issue(struct req *req, unsigned issue_flags)
{
	struct addr_state *a = req_data(req, struct addr_state);
	struct nb_args args = { .addr = a->addr, .len = a->addr_len };
	int domain, ret;

	if (a->in_progress) {
		struct pollfd p = { .fd = req->rfd, .events = POLLOUT };

		/* as the kernel's vfs_poll() for EPOLLERR: the attempt failed */
		if (sys_poll(&p, 1, 0) > 0 && (p.revents & POLLERR)) {
			ret = sock_error(req->rfd);
			goto out;
		}
	}
	ret = resolve_sock(req, &domain);
	if (!ret)
		ret = nb_call(NB_CONNECT, req->rfd, &args);
	if (ret == -EAGAIN || ret == -EINPROGRESS || ret == -ECONNABORTED) {
		if (ret == -EINPROGRESS) {
			a->in_progress = true;
		} else if (ret == -ECONNABORTED) {
			if (a->seen_econnaborted)
				goto out;
			a->seen_econnaborted = true;
		}
		return wait_ready(req, connect_ready);
	}
	/* a second attempt after EINPROGRESS: the first one's outcome */
	if (a->in_progress && (ret == -EBADFD || ret == -EISCONN))
		ret = sock_error(req->rfd);
out:
	addr_free(req);
	return done(req, ret);
}

/* ---- ACCEPT ------------------------------------------------------------- */

int accept_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct accept_state *ac = req_data(req, struct accept_state);

	if (sqe->len || sqe->buf_index)
		return -EINVAL;
	ac->addr = (void *)(uintptr_t)sqe->addr;
	ac->addr_len = (unsigned *)(uintptr_t)sqe->addr2;
	ac->flags = (int)sqe->accept_flags;
	ac->iou_flags = sqe->ioprio;
	ac->polled = false;
	ac->domain = 0;
	if (ac->iou_flags & ~ACCEPT_IOU_FLAGS)
		return -EINVAL;
	ac->file_slot = sqe->file_index;
	if (rsrc_direct_check(ac->file_slot, ac->flags & SOCK_CLOEXEC))
		return -EINVAL;
	/* a multishot accept allocates each slot */
	if (ac->file_slot && (ac->iou_flags & IORING_ACCEPT_MULTISHOT) &&
	    ac->file_slot != IORING_FILE_INDEX_ALLOC)
		return -EINVAL;
	if (ac->flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	return 0;
}

static void accept_ready(struct reactor_entry *e, uint32_t revents)
{
	struct req *req = (struct req *)((char *)e - offsetof(struct req, rent));

	engine_thread_ctx = CTX_REACTOR;
	req_data(req, struct accept_state)->polled = true;
	req_issue(req, ISSUE_F_NONBLOCK);
}

/*
 * IORING_CQE_F_SOCK_NONEMPTY: the kernel's inet_accept() tells whether its
 * accept queue is empty after the one taken (other families tell nothing:
 * no flag, and a multishot accept tries again at once).  1 for "more
 * there", 0 for "empty", -1 for "not told".
 */
static int accept_queue_nonempty(struct req *req)
{
	struct accept_state *ac = req_data(req, struct accept_state);
	struct pollfd p = { .fd = req->rfd, .events = POLLIN };

	if (ac->domain != AF_INET && ac->domain != AF_INET6)
		return -1;
	return sys_poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

/*
 * ACCEPT on a file that is no socket.  The kernel looks at the socket only
 * when it tries to accept: before that, POLL_FIRST (at submit or in io-wq)
 * and a multishot accept issued from io-wq wait for POLLIN, and a file
 * without ->poll (regular file, directory, block device) cannot be waited
 * on: -EAGAIN for POLL_FIRST, -EBADFD for a multishot one (probed on
 * 6.18).  Woken, or without either flag: -ENOTSOCK.
 */
static int accept_nonsocket(struct req *req, unsigned issue_flags)
{
	struct accept_state *ac = req_data(req, struct accept_state);
	bool multishot = ac->iou_flags & IORING_ACCEPT_MULTISHOT;
	bool worker = !(issue_flags & ISSUE_F_NONBLOCK);
	struct stat st;

	if (ac->polled ||
	    !((ac->iou_flags & IORING_ACCEPT_POLL_FIRST) || (multishot && worker)))
		return done(req, -ENOTSOCK);
	if ((ac->iou_flags & IORING_ACCEPT_POLL_FIRST) && poll_first_in_worker(req, issue_flags, multishot))
		return returned_error(req, -EAGAIN);
	if (sys_fstat(req->rfd, &st) == 0 &&
	    (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) || S_ISBLK(st.st_mode)))
		return returned_error(req, multishot ? -EBADFD : -EAGAIN);
	return wait_ready(req, accept_ready);
}

int accept_issue(struct req *req, unsigned issue_flags)
{
	struct accept_state *ac = req_data(req, struct accept_state);
	bool multishot = ac->iou_flags & IORING_ACCEPT_MULTISHOT;
	bool nowait = ac->iou_flags & IORING_ACCEPT_DONTWAIT;
	struct nb_args args = { .out_addr = ac->addr, .out_len = ac->addr_len };
	unsigned cflags;
	int ret, more;

	if (!ac->domain) {
		ret = resolve_sock(req, &ac->domain);
		if (ret) {
			ac->domain = 0;
			if (ret == -ENOTSOCK)
				return accept_nonsocket(req, issue_flags);
			return done(req, ret);
		}
	}
	if (!ac->polled && (ac->iou_flags & IORING_ACCEPT_POLL_FIRST)) {
		if (nowait || poll_first_in_worker(req, issue_flags, multishot))
			return returned_error(req, -EAGAIN);
		return wait_ready(req, accept_ready);
	}
	/* the engine's fd of a direct socket is close-on-exec */
	args.flags = ac->flags | (ac->file_slot ? SOCK_CLOEXEC : 0);
	for (;;) {
		ret = nb_call(NB_ACCEPT, req->rfd, &args);
		if (ret == -EAGAIN && !nowait) {
			req_rearm_drained(req, ac->polled);
			return multishot ? wait_ready_mshot(req, accept_ready)
					 : wait_ready(req, accept_ready);
		}
		if (ret >= 0 && ac->file_slot)
			ret = rsrc_fd_install(req->ring, ret, ac->file_slot);
		more = ret >= 0 ? accept_queue_nonempty(req) : 0;
		cflags = more == 1 ? IORING_CQE_F_SOCK_NONEMPTY : 0;
		if (ret < 0 || !multishot ||
		    !req_post_more(req, ret, cflags | IORING_CQE_F_MORE))
			break;
		/* posted: take the next one now if there may be one, else wait
		 * (the queue was seen empty) */
		if (!more) {
			req_rearm_drained(req, ac->polled);
			return wait_ready_mshot(req, accept_ready);
		}
	}
	req->cflags = cflags;
	return done(req, ret);
}

/* ---- SHUTDOWN ----------------------------------------------------------- */

int shutdown_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	if (sqe->off || sqe->addr || sqe->rw_flags || sqe->buf_index || sqe->splice_fd_in)
		return -EINVAL;
	req_data(req, struct shutdown_state)->how = (int)sqe->len;
	return 0;
}

int shutdown_issue(struct req *req, unsigned issue_flags)
{
	int domain, ret = resolve_sock(req, &domain);

	if (ret)
		return done(req, ret);
	/* the shutdown's own error is no failure (the kernel's io_shutdown()):
	 * its links go on, and CQE_SKIP_SUCCESS hides it (6.18, probed) */
	req->res = sys_shutdown(req->rfd, req_data(req, struct shutdown_state)->how);
	if (req->res < 0)
		req->flags |= REQ_F_QUIET_RES;
	return ISSUE_DONE;
}
