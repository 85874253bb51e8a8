// SPDX-License-Identifier: MIT
/*
 * SEND, RECV, SENDMSG, RECVMSG, SEND_ZC, SENDMSG_ZC (the kernel's io_uring/net.c).
 *
 * prep copies the SQE's fields, and for SENDMSG/RECVMSG the program's
 * msghdr and iovec array (the kernel copies them at prep too: a later
 * change by the program is not seen); every op then runs as one msghdr.
 * issue makes one sendmsg/recvmsg with MSG_DONTWAIT, as the kernel's
 * non-blocking attempt; when it would block the request waits in the
 * reactor for POLLIN/POLLOUT (the kernel's FAST_POLL), never in a worker,
 * and tries again, unless the program asked MSG_DONTWAIT (-EAGAIN).
 * IORING_RECVSEND_POLL_FIRST waits for readiness before the first try.
 *
 * MSG_WAITALL (io_net_retry()): on a SOCK_STREAM or SOCK_SEQPACKET socket a
 * short transfer counts what moved and waits for more; the result is the
 * sum; an error or EOF after some bytes reports those bytes, and a short
 * result (fewer than asked, or MSG_TRUNC/MSG_CTRUNC on a receive) fails the
 * request for links.  On other sockets one attempt decides.
 *
 * IORING_CQE_F_SOCK_NONEMPTY: the kernel sets it when the socket's recvmsg
 * reported more queued data (msg_inq), which only stream sockets fill (TCP
 * and AF_UNIX stream; TCP also says "more" once the peer's FIN arrived,
 * tcp_inq_hint()).  The engine asks SIOCINQ after the receive, and on TCP
 * with nothing queued, poll()s for POLLRDHUP: the same answer, racing only
 * with data that arrives between the two calls.
 *
 * SEND_ZC/SENDMSG_ZC copy, as a send does; the CQEs are the kernel's: once
 * prep got past the checks made before the kernel allocates the
 * notification (addr3, __pad2, IOSQE_CQE_SKIP_SUCCESS), the result CQE
 * carries IORING_CQE_F_MORE, whatever it is, and the notification
 * (IORING_CQE_F_NOTIF, res 0, or IORING_NOTIF_USAGE_ZC_COPIED with
 * IORING_SEND_ZC_REPORT_USAGE: the engine always copies) follows it, posted
 * by the cleanup hook when the request is freed (req_post_after()).  Only
 * the sockets the kernel marks SOCK_SUPPORT_ZC take them (TCP, UDP):
 * others say -EOPNOTSUPP.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ops/net_sendrecv.h"
#include "engine/sys.h"

/* the flags sqe->ioprio may carry (the kernel's SENDMSG_FLAGS, RECVMSG_FLAGS) */
#define SEND_FLAGS (IORING_RECVSEND_POLL_FIRST | IORING_RECVSEND_BUNDLE | IORING_SEND_VECTORIZED)
#define RECV_FLAGS (IORING_RECVSEND_POLL_FIRST | IORING_RECV_MULTISHOT | IORING_RECVSEND_BUNDLE)
#define ZC_FLAGS                                                                                \
	(IORING_RECVSEND_POLL_FIRST | IORING_RECVSEND_FIXED_BUF | IORING_SEND_ZC_REPORT_USAGE | \
	 IORING_SEND_VECTORIZED)
/* the kernel's own flag, never the program's (the syscalls refuse it) */
#define ENGINE_MSG_CMSG_COMPAT 0x80000000

static void prep_common(struct req *req, const struct io_uring_sqe *sqe, bool send)
{
	struct sr_state *sr = req_sr(req);

	req->cflags = 0;
	memset(&sr->msg, 0, sizeof(sr->msg));
	sr->iov_alloc = NULL;
	sr->name = NULL;
	sr->umsg = NULL;
	sr->done = 0;
	sr->flags = sqe->ioprio;
	sr->msg_flags = (int)sqe->msg_flags;
	sr->sock_type = 0;
	sr->sock_family = 0;
	sr->send = send;
	sr->polled = false;
	sr->zc = false;
	sr->zc_report = false;
	sr->fixed = false;
	sr->fx_buf = NULL;
}

static void one_buffer(struct sr_state *sr, uint64_t addr, uint32_t len)
{
	sr->fast_iov[0].iov_base = (void *)(uintptr_t)addr;
	sr->fast_iov[0].iov_len = len;
	sr->msg.msg_iov = sr->fast_iov;
	sr->msg.msg_iovlen = 1;
}

/* the program's iovec array, copied (the kernel's import_iovec()) */
static int copy_iovec(struct req *req, const struct iovec *uiov, size_t nr)
{
	struct sr_state *sr = req_sr(req);
	struct iovec *iov = sr->fast_iov;
	int ret;

	if (nr > IOV_MAX)
		return -EINVAL;
	if (nr > 1) {
		iov = malloc(nr * sizeof(*iov));
		if (!iov)
			return -ENOMEM;
		sr->iov_alloc = iov;
		req->flags |= REQ_F_NEED_CLEANUP;
	}
	ret = nr ? umem_read(iov, uiov, nr * sizeof(*iov)) : 0;
	if (ret)
		return ret;
	for (size_t i = 0; i < nr; i++)
		if ((ssize_t)iov[i].iov_len < 0)
			return -EINVAL;
	sr->msg.msg_iov = iov;
	sr->msg.msg_iovlen = nr;
	return 0;
}

void sr_cleanup(struct req *req)
{
	struct sr_state *sr = req_sr(req);

	free(sr->iov_alloc);
	sr->iov_alloc = NULL;
	free(sr->name);
	sr->name = NULL;
	if (sr->fx_buf) {
		req_put_rsrc(req, &sr->fx_buf->node);
		sr->fx_buf = NULL;
	}
	if (sr->zc) {
		sr->zc = false;
		req_post_after(req, sr->zc_report ? (int32_t)IORING_NOTIF_USAGE_ZC_COPIED : 0,
			       IORING_CQE_F_NOTIF);
	}
}

/* the kernel's io_send_setup(): the buffer (or iovec array), a destination */
static int send_setup(struct req *req, const struct io_uring_sqe *sqe)
{
	struct sr_state *sr = req_sr(req);

	if (sqe->__pad3[0])
		return -EINVAL;
	if (sqe->addr2) {
		/* sendto(): the kernel's move_addr_to_kernel(), a copy at prep */
		int ret;

		if (sqe->addr_len > sizeof(struct sockaddr_storage))
			return -EINVAL;
		if (sqe->addr_len) {
			sr->name = malloc(sqe->addr_len);
			if (!sr->name)
				return -ENOMEM;
			req->flags |= REQ_F_NEED_CLEANUP;
			ret = umem_read(sr->name, (const void *)(uintptr_t)sqe->addr2,
					sqe->addr_len);
			if (ret)
				return ret;
		}
		sr->msg.msg_name = sr->name;
		sr->msg.msg_namelen = sqe->addr_len;
	}
	if (sr->flags & IORING_SEND_VECTORIZED)
		return copy_iovec(req, (const struct iovec *)(uintptr_t)sqe->addr, sqe->len);
	one_buffer(sr, sqe->addr, sqe->len);
	return 0;
}

int sr_prep_send(struct req *req, const struct io_uring_sqe *sqe)
{
	struct sr_state *sr = req_sr(req);

	prep_common(req, sqe, true);
	if (sr->flags & ~SEND_FLAGS)
		return -EINVAL;
	/* a bundle without provided buffers posts a CQE with F_MORE and then
	 * one more: not reproduced (a documented divergence) */
	if ((sr->flags & IORING_RECVSEND_BUNDLE) && !(req->flags & REQ_F_BUFFER_SELECT))
		return -EINVAL;
	return send_setup(req, sqe);
}

/*
 * The checks io_recvmsg_prep() makes for both receives: no addr2, known
 * ioprio flags, multishot only with provided buffers and without
 * MSG_WAITALL; sqe->optlen only on a multishot RECV (its total limit).
 */
static int prep_recv_common(struct req *req, const struct io_uring_sqe *sqe)
{
	struct sr_state *sr = req_sr(req);

	prep_common(req, sqe, false);
	if (sqe->addr2)
		return -EINVAL;
	if (sr->flags & ~RECV_FLAGS)
		return -EINVAL;
	if (sr->flags & IORING_RECV_MULTISHOT) {
		if (!(req->flags & REQ_F_BUFFER_SELECT) || (sr->msg_flags & MSG_WAITALL))
			return -EINVAL;
		if (req->opcode != IORING_OP_RECV && sqe->optlen)
			return -EINVAL;
	} else if (sqe->optlen) {
		return -EINVAL;
	}
	return 0;
}

int sr_prep_recv(struct req *req, const struct io_uring_sqe *sqe)
{
	struct sr_state *sr = req_sr(req);
	int ret = prep_recv_common(req, sqe);

	if (ret)
		return ret;
	/* IORING_RECVSEND_BUNDLE without provided buffers: a plain receive */
	one_buffer(sr, sqe->addr, sqe->len);
	return 0;
}

static int copy_msghdr(struct req *req, const struct io_uring_sqe *sqe)
{
	struct sr_state *sr = req_sr(req);
	struct msghdr m;
	int ret;

	ret = umem_read(&m, (const void *)(uintptr_t)sqe->addr, sizeof(m));
	if (ret)
		return ret;
	sr->msg.msg_name = m.msg_name;
	sr->msg.msg_namelen = m.msg_name ? m.msg_namelen : 0;
	sr->msg.msg_control = m.msg_control;
	sr->msg.msg_controllen = m.msg_controllen;
	if ((req->flags & REQ_F_BUFFER_SELECT) && m.msg_iovlen > 1)
		return -EINVAL;
	return copy_iovec(req, m.msg_iov, m.msg_iovlen);
}

int sr_prep_sendmsg(struct req *req, const struct io_uring_sqe *sqe)
{
	struct sr_state *sr = req_sr(req);

	prep_common(req, sqe, true);
	if (sr->flags & ~SEND_FLAGS)
		return -EINVAL;
	if (sr->flags & IORING_RECVSEND_BUNDLE)
		return -EINVAL;
	if (sqe->addr2 || sqe->file_index)
		return -EINVAL;
	return copy_msghdr(req, sqe);
}

int sr_prep_recvmsg(struct req *req, const struct io_uring_sqe *sqe)
{
	struct sr_state *sr = req_sr(req);
	int ret = prep_recv_common(req, sqe);

	if (ret)
		return ret;
	if (sr->flags & IORING_RECVSEND_BUNDLE)
		return -EINVAL;
	sr->umsg = (struct msghdr *)(uintptr_t)sqe->addr;
	return copy_msghdr(req, sqe);
}

/* the ring's own fd is no socket */
int sr_ring_file(struct req *req)
{
	return -ENOTSOCK;
}

/* io_send_zc_prep() up to the notification: from there every CQE has F_MORE */
static int zc_prep_common(struct req *req, const struct io_uring_sqe *sqe)
{
	struct sr_state *sr = req_sr(req);

	prep_common(req, sqe, true);
	if (sqe->__pad2[0] || sqe->addr3)
		return -EINVAL;
	if (req->flags & REQ_F_CQE_SKIP)
		return -EINVAL;
	sr->zc = true;
	req->flags |= REQ_F_NEED_CLEANUP;
	req->cflags = IORING_CQE_F_MORE;
	if (sr->flags & ~ZC_FLAGS)
		return -EINVAL;
	sr->zc_report = sr->flags & IORING_SEND_ZC_REPORT_USAGE;
	return 0;
}

int sr_prep_send_zc(struct req *req, const struct io_uring_sqe *sqe)
{
	int ret = zc_prep_common(req, sqe);

	if (ret)
		return ret;
	if ((req_sr(req)->flags & IORING_RECVSEND_FIXED_BUF) &&
	    (req_sr(req)->flags & IORING_SEND_VECTORIZED))
		return -EINVAL; /* registered vectors: not in the engine */
	req_sr(req)->fixed = req_sr(req)->flags & IORING_RECVSEND_FIXED_BUF;
	req_sr(req)->fx_index = sqe->buf_index;
	return send_setup(req, sqe);
}

int sr_prep_sendmsg_zc(struct req *req, const struct io_uring_sqe *sqe)
{
	int ret = zc_prep_common(req, sqe);

	if (ret)
		return ret;
	if (sqe->addr2 || sqe->file_index)
		return -EINVAL;
	return copy_msghdr(req, sqe);
}

/* SEND_ZC with IORING_RECVSEND_FIXED_BUF: the range must lie in the
 * registered buffer (-EFAULT), looked up at issue as the kernel's */
static int zc_fixed(struct req *req)
{
	struct sr_state *sr = req_sr(req);
	uint64_t addr = (uintptr_t)sr->fast_iov[0].iov_base, len = sr->fast_iov[0].iov_len, end;

	if (sr->fx_buf)
		return 0;
	sr->fx_buf = rsrc_get_buf(req->ring, sr->fx_index);
	if (!sr->fx_buf)
		return -EFAULT;
	if (__builtin_add_overflow(addr, len, &end) || addr < sr->fx_buf->base ||
	    end > sr->fx_buf->base + sr->fx_buf->len)
		return -EFAULT;
	return 0;
}

static void sr_ready(struct reactor_entry *e, uint32_t revents)
{
	struct req *req = (struct req *)((char *)e - offsetof(struct req, rent));

	engine_thread_ctx = CTX_REACTOR;
	req_sr(req)->polled = true;
	req_issue(req, ISSUE_F_NONBLOCK);
}

/* wait in the reactor for the socket to be readable (RECV*) or writable (SEND*) */
static int sr_arm(struct req *req)
{
	int ret = req_arm_ready(req, sr_ready);

	if (ret) {
		req->res = ret;
		return ISSUE_DONE;
	}
	return ISSUE_QUEUED;
}

/* the socket's type and family, once: -ENOTSOCK for another file */
static int learn_socket(struct req *req)
{
	struct sr_state *sr = req_sr(req);
	int val;
	socklen_t len = sizeof(val);
	int ret;

	if (sr->sock_type)
		return 0;
	ret = sys_getsockopt(req->rfd, SOL_SOCKET, SO_TYPE, &val, &len);
	if (ret)
		return ret;
	sr->sock_type = (uint8_t)val;
	len = sizeof(val);
	ret = sys_getsockopt(req->rfd, SOL_SOCKET, SO_DOMAIN, &val, &len);
	if (ret)
		return ret;
	sr->sock_family = (uint8_t)val;
	return 0;
}

/* io_net_retry(): MSG_WAITALL goes on after a short transfer */
static bool net_retry(const struct sr_state *sr, int flags)
{
	return (flags & MSG_WAITALL) &&
	       (sr->sock_type == SOCK_STREAM || sr->sock_type == SOCK_SEQPACKET);
}

static size_t iov_left(const struct msghdr *msg)
{
	size_t n = 0;

	for (size_t i = 0; i < msg->msg_iovlen; i++)
		n += msg->msg_iov[i].iov_len;
	return n;
}

static void iov_advance(struct msghdr *msg, size_t n)
{
	while (n && msg->msg_iovlen) {
		struct iovec *v = msg->msg_iov;

		if (n >= v->iov_len) {
			n -= v->iov_len;
			msg->msg_iov++;
			msg->msg_iovlen--;
		} else {
			v->iov_base = (char *)v->iov_base + n;
			v->iov_len -= n;
			n = 0;
		}
	}
}

/* IORING_CQE_F_SOCK_NONEMPTY after a receive (see the top of the file) */
static uint32_t nonempty(struct req *req)
{
	struct sr_state *sr = req_sr(req);
	struct pollfd pfd = { .fd = req->rfd, .events = POLLRDHUP };
	int inq = 0;

	if (sr->sock_type != SOCK_STREAM)
		return 0;
	if (sys_ioctl_int(req->rfd, SIOCINQ, &inq) < 0)
		return 0;
	if (inq > 0)
		return IORING_CQE_F_SOCK_NONEMPTY;
	if ((sr->sock_family == AF_INET || sr->sock_family == AF_INET6) &&
	    sys_poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLRDHUP))
		return IORING_CQE_F_SOCK_NONEMPTY;
	return 0;
}

/* RECVMSG: what recvmsg(2) returns in the program's msghdr */
static int recvmsg_copy_out(struct sr_state *sr)
{
	struct msghdr *u = sr->umsg;
	int ret;

	ret = umem_write(&u->msg_flags, &sr->msg.msg_flags, sizeof(u->msg_flags));
	if (!ret && u->msg_name)
		ret = umem_write(&u->msg_namelen, &sr->msg.msg_namelen, sizeof(u->msg_namelen));
	if (!ret)
		ret = umem_write(&u->msg_controllen, &sr->msg.msg_controllen,
				 sizeof(u->msg_controllen));
	return ret;
}

int sr_issue(struct req *req, unsigned issue_flags)
{
	struct sr_state *sr = req_sr(req);
	bool user_nowait = sr->msg_flags & MSG_DONTWAIT;
	int flags = (sr->msg_flags & ~ENGINE_MSG_CMSG_COMPAT) | MSG_DONTWAIT;
	size_t min_ret = 0;
	ssize_t ret;

	(void)issue_flags;
	ret = req_resolve_file(req);
	if (!ret)
		ret = learn_socket(req);
	if (ret) {
		req->res = (int32_t)ret;
		return ISSUE_DONE;
	}
	if (req->flags & REQ_F_BUFFER_SELECT) {
		/* no provided buffers in the engine yet: what the kernel says
		 * when the group is empty (a receive) or absent (a send, a bundle) */
		req->res = sr->send || (sr->flags & IORING_RECVSEND_BUNDLE) ? -ENOENT : -ENOBUFS;
		return ISSUE_DONE;
	}
	if (sr->zc) {
		/* SOCK_SUPPORT_ZC: TCP and UDP */
		if ((sr->sock_family != AF_INET && sr->sock_family != AF_INET6) ||
		    (sr->sock_type != SOCK_STREAM && sr->sock_type != SOCK_DGRAM)) {
			req->res = -EOPNOTSUPP;
			return ISSUE_DONE;
		}
	}
	if ((sr->flags & IORING_RECVSEND_POLL_FIRST) && !sr->polled) {
		if (user_nowait) {
			req->res = -EAGAIN;
			return ISSUE_DONE;
		}
		return sr_arm(req);
	}
	if (sr->fixed) {
		ret = zc_fixed(req);
		if (ret) {
			req->res = (int32_t)ret;
			return ISSUE_DONE;
		}
	}
	for (;;) {
		if (flags & MSG_WAITALL)
			min_ret = iov_left(&sr->msg);
		if (sr->send) {
			ret = sys_sendmsg(req->rfd, &sr->msg, flags | MSG_NOSIGNAL);
		} else {
			sr->msg.msg_flags = 0;
			ret = sys_recvmsg(req->rfd, &sr->msg, flags);
			if (ret >= 0 && sr->umsg) {
				int err = recvmsg_copy_out(sr);

				if (err)
					ret = err;
			}
		}
		if (ret != -EINTR)
			break;
	}
	if (ret < (ssize_t)min_ret) {
		if (ret == -EAGAIN && !user_nowait)
			return sr_arm(req);
		if (ret > 0 && net_retry(sr, flags)) {
			sr->done += (size_t)ret;
			iov_advance(&sr->msg, (size_t)ret);
			return sr_arm(req);
		}
		req_set_fail(req);
	} else if (!sr->send && (flags & MSG_WAITALL) &&
		   (sr->msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		req_set_fail(req);
	}
	if (ret >= 0)
		ret += (ssize_t)sr->done;
	else if (sr->done)
		ret = (ssize_t)sr->done;
	req->res = (int32_t)ret;
	if (!sr->send && ret >= 0)
		req->cflags = nonempty(req);
	return ISSUE_DONE;
}
