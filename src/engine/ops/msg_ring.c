// SPDX-License-Identifier: MIT
/*
 * IORING_OP_MSG_RING's family (the kernel's msg_ring.c): a CQE posted to
 * another ring (IORING_MSG_DATA), or a registered file of the source ring
 * installed in the target's file table (IORING_MSG_SEND_FD); and its
 * synchronous form, IORING_REGISTER_SEND_MSG_RING (a DATA message sent
 * without a source ring, the SQE as the register call's argument).
 *
 * The target is an engine ring of this process, named by fd (the program's
 * number, an alias under the preload shim).  The message is sent inline, at
 * issue: the target's CQ and file table have their own locks (cq_lock,
 * rsrc_lock), so no ring's submit lock is taken, and two rings messaging
 * each other cannot deadlock.  A kernel ring cannot be reached from the
 * engine: -EOPNOTSUPP (a divergence, engine.h); an fd that is no ring at all
 * is -EBADFD, as on the kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/sys.h"
#include "engine/ops/msg_ring.h"

#define MSG_RING_FLAGS (IORING_MSG_RING_CQE_SKIP | IORING_MSG_RING_FLAGS_PASS)

int msg_ring_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct msg_ring_state *msg = req_data(req, struct msg_ring_state);

	if (sqe->buf_index || sqe->personality)
		return -EINVAL;
	msg->user_data = sqe->off;
	msg->len = sqe->len;
	msg->cmd = (uint32_t)sqe->addr;
	msg->src_fd = (uint32_t)sqe->addr3;
	msg->dst_fd = sqe->file_index;
	msg->flags = sqe->msg_ring_flags;
	msg->engine_target = false;
	msg->target = NULL;
	if (msg->flags & ~MSG_RING_FLAGS)
		return -EINVAL;
	return 0;
}

/* req_resolve_file() met an engine ring: the target, looked up at issue */
int msg_ring_ring_file(struct req *req)
{
	req_data(req, struct msg_ring_state)->engine_target = true;
	req->rfd = req->fd;
	return 0;
}

/*
 * The request goes to a worker (IOSQE_ASYNC): the target ring is taken
 * here, in the thread that submitted it.  A worker looking the number up
 * later would race the program's own close() of it, which the program
 * ordered after the submission, not after the worker.
 */
void msg_ring_hold(struct req *req)
{
	struct msg_ring_state *msg = req_data(req, struct msg_ring_state);

	if (msg->target || req->rfd >= 0 || (req->flags & REQ_F_FIXED_FILE) ||
	    !engine_fd_names_ring(req->fd))
		return;
	msg->target = ring_get_polled(req->fd);
	if (msg->target)
		req->flags |= REQ_F_NEED_CLEANUP;
}

void msg_ring_cleanup(struct req *req)
{
	struct msg_ring_state *msg = req_data(req, struct msg_ring_state);

	if (msg->target)
		ring_put(msg->target);
	msg->target = NULL;
}

static int msg_data(struct req *req, struct ring *t)
{
	struct msg_ring_state *msg = req_data(req, struct msg_ring_state);
	uint32_t cflags = 0;

	/* CQE_SKIP is SEND_FD's: a DATA message is its CQE */
	if (msg->src_fd || (msg->flags & ~IORING_MSG_RING_FLAGS_PASS))
		return -EINVAL;
	if (!(msg->flags & IORING_MSG_RING_FLAGS_PASS) && msg->dst_fd)
		return -EINVAL;
	/* acquire: pairs with ENABLE_RINGS' release; a disabled ring takes no CQE */
	if (atomic_load_explicit(&t->disabled, memory_order_acquire))
		return -EBADFD;
	if (msg->flags & IORING_MSG_RING_FLAGS_PASS)
		cflags = msg->dst_fd;
	/* the target overflows like any completion; false: no memory for it */
	return cq_post_remote(t, msg->user_data, (int32_t)msg->len, cflags) ? 0 : -EOVERFLOW;
}

static int msg_send_fd(struct req *req, struct ring *t)
{
	struct msg_ring_state *msg = req_data(req, struct msg_ring_state);
	struct rfile *f, *nf;
	int ret;

	if (msg->len)
		return -EINVAL;
	if (t == req->ring)
		return -EINVAL;
	if (atomic_load_explicit(&t->disabled, memory_order_acquire))
		return -EBADFD;
	f = rsrc_get_file(req->ring, msg->src_fd);
	if (!f)
		return -EBADF;
	/* the two tables share the open file, as the kernel's share a struct
	 * file, each in its own slot resource (a tag is the source slot's) */
	ret = rsrc_file_new(f->fd, &nf);
	rfile_put(f);
	if (ret)
		return ret;
	f = nf;
	ret = rsrc_file_install(t, f, msg->dst_fd);
	if (ret < 0) {
		rfile_put(f);
		return ret;
	}
	if (msg->flags & IORING_MSG_RING_CQE_SKIP)
		return ret;
	/* the file stays installed when the CQE cannot be posted: the
	 * sender learns it from -EOVERFLOW, as on the kernel */
	return cq_post_remote(t, msg->user_data, ret, 0) ? ret : -EOVERFLOW;
}

/* The fd names no engine ring: not a file, a kernel ring, or another file. */
static int not_engine_ring(struct req *req)
{
	char link[64];

	if (!req->file && sys_fcntl(req->rfd, F_GETFD, 0) < 0)
		return -EBADF;
	if (!sys_fd_link(req->rfd, link, sizeof(link)) && !strcmp(link, "anon_inode:[io_uring]"))
		return -EOPNOTSUPP; /* a kernel ring: out of the engine's reach */
	return -EBADFD;
}

int msg_ring_issue(struct req *req, unsigned issue_flags)
{
	struct msg_ring_state *msg = req_data(req, struct msg_ring_state);
	struct ring *t = NULL;
	int ret;

	if (msg->target) {
		/* held by msg_ring_hold(): a reference of our own for the put below */
		t = msg->target;
		atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
		goto send;
	}
	ret = req_resolve_file(req);
	if (ret) {
		req->res = ret;
		return ISSUE_DONE;
	}
	if (msg->engine_target)
		t = ring_get_polled(req->fd);
	if (!t) {
		/* the ring's fd closed since it was resolved: what close() left */
		req->res = msg->engine_target ? -EBADF : not_engine_ring(req);
		return ISSUE_DONE;
	}
send:
	switch (msg->cmd) {
	case IORING_MSG_DATA:
		req->res = msg_data(req, t);
		break;
	case IORING_MSG_SEND_FD:
		req->res = msg_send_fd(req, t);
		break;
	default:
		req->res = -EINVAL;
		break;
	}
	ring_put(t);
	return ISSUE_DONE;
}

/*
 * A CQE (user_data = off, res = len, flags from file_index with FLAGS_PASS)
 * posted to the ring sqe.fd names.
 */
int msg_ring_sync(const void *arg, unsigned nr)
{
	struct io_uring_sqe sqe;
	struct ring *t;
	uint32_t cflags = 0;
	int ret;

	if (!arg || nr != 1)
		return -EINVAL;
	if (umem_read(&sqe, arg, sizeof(sqe)))
		return -EFAULT;
	if (sqe.flags || sqe.opcode != IORING_OP_MSG_RING)
		return -EINVAL;
	if (sqe.buf_index || sqe.personality || sqe.addr != IORING_MSG_DATA)
		return -EINVAL;
	t = ring_get_current(sqe.fd);
	if (!t)
		return sys_fcntl(sqe.fd, F_GETFD, 0) < 0 ? -EBADF : -EBADFD;
	if (sqe.addr3 || (sqe.msg_ring_flags & ~IORING_MSG_RING_FLAGS_PASS) ||
	    (!(sqe.msg_ring_flags & IORING_MSG_RING_FLAGS_PASS) && sqe.file_index))
		ret = -EINVAL;
	else if (atomic_load_explicit(&t->disabled, memory_order_acquire))
		ret = -EBADFD;
	else {
		if (sqe.msg_ring_flags & IORING_MSG_RING_FLAGS_PASS)
			cflags = sqe.file_index;
		ret = cq_post_remote(t, sqe.off, (int32_t)sqe.len, cflags) ? 0 : -EOVERFLOW;
	}
	ring_put(t);
	return ret;
}
