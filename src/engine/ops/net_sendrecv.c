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
 * with data that arrives between the two calls.  A TCP receive run from the
 * reactor's event that took less than it asked (the queue emptied) reads
 * the FIN from that event instead, without a system call (nonempty()).
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

#include "engine/cancel.h"
#include "engine/kbuf.h"
#include "engine/ops/net.h"
#include "engine/ops/net_sendrecv.h"
#include "engine/sys.h"
#include "engine/trace.h"

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
	sr->bundle_held = false;
}

static void one_buffer(struct sr_state *sr, uint64_t addr, uint32_t len)
{
	sr->fast_iov[0].iov_base = (void *)(uintptr_t)addr;
	sr->fast_iov[0].iov_len = len;
	sr->msg.msg_iov = sr->fast_iov;
	sr->msg.msg_iovlen = 1;
}

/*
 * SEND's and RECV's one buffer, checked at prep as the kernel's
 * io_sendmsg_prep()/io_recvmsg_prep() do, before the file is looked at: a
 * length above INT_MAX, then (no provided buffer) import_ubuf()'s
 * access_ok(), which refuses a range past the user address space even for
 * 0 bytes.
 */
static int check_buffer(struct req *req, uint64_t addr, uint32_t len)
{
	if (len > INT_MAX)
		return -EINVAL;
	if (!(req->flags & REQ_F_BUFFER_SELECT) && !user_range_ok(addr, len))
		return -EFAULT;
	return 0;
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
	for (size_t i = 0; i < nr; i++) {
		if ((ssize_t)iov[i].iov_len < 0)
			return -EINVAL;
		/* __import_iovec()'s access_ok() on each segment, at prep; a
		 * provided or registered buffer replaces the program's */
		if (!(req->flags & REQ_F_BUFFER_SELECT) && !(sr->flags & IORING_RECVSEND_FIXED_BUF) &&
		    !user_range_ok((uintptr_t)iov[i].iov_base, iov[i].iov_len))
			return -EFAULT;
	}
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
	if (sr->fixed && sr->fx_buf) {
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
	int ret;

	prep_common(req, sqe, true);
	if (sr->flags & ~SEND_FLAGS)
		return -EINVAL;
	/* a bundle without provided buffers posts a CQE with F_MORE and then
	 * one more: not reproduced (a documented divergence) */
	if ((sr->flags & IORING_RECVSEND_BUNDLE) && !(req->flags & REQ_F_BUFFER_SELECT))
		return -EINVAL;
	if (!(sr->flags & IORING_SEND_VECTORIZED)) {
		ret = check_buffer(req, sqe->addr, sqe->len);
		if (ret)
			return ret;
	}
	ret = send_setup(req, sqe);
	sr->send_max = sqe->len;
	sr->send_cflags = 0;
	return ret;
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
	ret = check_buffer(req, sqe->addr, sqe->len);
	if (ret)
		return ret;
	/* IORING_RECVSEND_BUNDLE without provided buffers: a plain receive */
	one_buffer(sr, sqe->addr, sqe->len);
	sr->sel_len = sqe->len;
	/* a multishot RECV's limit on all its receives together */
	sr->mshot_left = (sr->flags & IORING_RECV_MULTISHOT) ? sqe->optlen : 0;
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
	if (!sr->send && (sr->flags & IORING_RECV_MULTISHOT)) {
		/* io_recvmsg_mshot_prep(): the header must not overflow an int */
		if ((int)m.msg_namelen < 0 ||
		    (uint64_t)sizeof(struct io_uring_recvmsg_out) + m.msg_namelen +
				    m.msg_controllen >
			    INT_MAX)
			return -EOVERFLOW;
		sr->namelen = m.msg_namelen;
		sr->controllen = (uint32_t)m.msg_controllen;
	}
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
	/* sqe->len is the kernel's int sr->len there too: negative is -EINVAL */
	if (sqe->len > INT_MAX)
		return -EINVAL;
	sr->umsg = (struct msghdr *)(uintptr_t)sqe->addr;
	ret = copy_msghdr(req, sqe);
	if (ret)
		return ret;
	/* with a provided buffer, the one iovec's length caps what it takes */
	sr->sel_len = sr->msg.msg_iovlen ? (uint32_t)sr->fast_iov[0].iov_len : 0;
	sr->mshot_left = 0;
	return 0;
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

/*
 * What the reactor reported for the socket whose receive this thread runs
 * now from sr_ready() (0: none, an inline issue): nonempty() reads the FIN
 * from it instead of asking the socket again.
 */
static _Thread_local uint32_t ready_revents ENGINE_TLS;

static void sr_ready(struct reactor_entry *e, uint32_t revents)
{
	struct req *req = (struct req *)((char *)e - offsetof(struct req, rent));

	engine_thread_ctx = CTX_REACTOR;
	req_sr(req)->polled = true;
	/* revents is never 0 for an fd's readiness (poll bits only) */
	ready_revents = revents;
	req_issue(req, ISSUE_F_NONBLOCK); /* req may be gone after it */
	ready_revents = 0;
}

/*
 * Wait in the reactor for the socket to be readable (RECV*) or writable
 * (SEND*).  drained: the request just saw it not ready (-EAGAIN, a stream
 * receive that emptied the queue), which, once it has waited there before
 * on a number it holds, lets the reactor re-arm it without a system call.
 */
static int sr_arm_to(struct req *req, bool drained)
{
	struct sr_state *sr = req_sr(req);
	/* a TCP receive also waits for the FIN and urgent data, which then
	 * come in revents for nonempty(); both make the socket readable too
	 * (POLLIN at EOF; urgent data is read past, or ends in -EAGAIN once),
	 * so they add no wake-up of their own */
	uint32_t events = !sr->send && sr->sock_type == SOCK_STREAM &&
					  (sr->sock_family == AF_INET || sr->sock_family == AF_INET6)
				  ? POLLIN | POLLRDHUP | POLLPRI
				  : op_events(req);
	int ret;

	/* a hang-up or error the event reported is a state, not an edge that
	 * comes again: the end of the stream (or the error) is still to be
	 * read, so the arming must look at the socket */
	if (ready_revents & (POLLHUP | POLLRDHUP | POLLERR))
		drained = false;
	req->rent.rearm = drained && sr->polled && req->rent.fd == req->rfd &&
			  ((req->flags & REQ_F_FD_HELD) || req->file);
	/* a multishot RECV* is found by a cancellation even while the reactor
	 * runs it, as the kernel's: its next arming then gives -ECANCELED */
	ret = (sr->flags & IORING_RECV_MULTISHOT) ? ready_arm_mshot(req, sr_ready, events)
						  : req_arm_ready_events(req, sr_ready, events);

	if (ret) {
		req->res = ret;
		return ISSUE_DONE;
	}
	return ISSUE_QUEUED;
}

static int sr_arm(struct req *req)
{
	return sr_arm_to(req, true);
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

/*
 * A send that needs nothing of the socket's type: no MSG_WAITALL retry, no
 * zero-copy check, no poll before the first try, no provided buffers.  Its
 * sendmsg() answers -ENOTSOCK for another file itself, as the kernel's
 * sock_from_file() would, so the socket need not be asked anything first.
 */
static bool plain_send(struct req *req)
{
	const struct sr_state *sr = req_sr(req);

	return sr->send && !sr->zc && !(sr->msg_flags & MSG_WAITALL) &&
	       !(sr->flags & IORING_RECVSEND_POLL_FIRST) && !(req->flags & REQ_F_BUFFER_SELECT);
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

/*
 * IORING_CQE_F_SOCK_NONEMPTY after a receive (see the top of the file).
 * short_read: the receive took less than it asked for, which on TCP means
 * it emptied the queue, unless urgent data stopped it at its mark (POLLPRI,
 * and the kernel's hint counts the bytes past the mark, where SIOCINQ says
 * 0), more came since (POLLIN) or the FIN is in (POLLRDHUP): one poll()
 * tells all three, so the queue length itself need not be read.
 */
static uint32_t nonempty(struct req *req, bool short_read)
{
	struct sr_state *sr = req_sr(req);
	struct pollfd pfd = { .fd = req->rfd, .events = POLLRDHUP };
	bool inet = sr->sock_family == AF_INET || sr->sock_family == AF_INET6;
	int inq = 0;

	if (sr->sock_type != SOCK_STREAM)
		return 0;
	if (inet && short_read) {
		/* Run from the reactor's event (sr_arm() asked for these): the
		 * FIN was in when it was reported; urgent data may have stopped
		 * the receive at its mark, which only the socket tells.  Data
		 * that came after the receive counts for the next one (its
		 * readiness wakes the reactor again), as data that comes after
		 * the kernel's tcp_inq_hint() does. */
		if (ready_revents & POLLRDHUP)
			return IORING_CQE_F_SOCK_NONEMPTY;
		if (ready_revents && !(ready_revents & POLLPRI))
			return 0;
		pfd.events = POLLIN | POLLPRI | POLLRDHUP;
		if (sys_poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLIN | POLLPRI | POLLRDHUP)))
			return IORING_CQE_F_SOCK_NONEMPTY;
		return 0;
	}
	if (sys_ioctl_int(req->rfd, SIOCINQ, &inq) < 0)
		return 0;
	if (inq > 0)
		return IORING_CQE_F_SOCK_NONEMPTY;
	if (inet && sys_poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLRDHUP))
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


/*
 * A multishot RECVMSG's receive into the buffer at buf (len bytes): struct
 * io_uring_recvmsg_out, the source address (sr->namelen bytes kept for it),
 * the control messages (sr->controllen), then the payload; the kernel's
 * io_recvmsg_multishot().  The result counts the room kept for the address
 * and the control messages whatever they used, and the payload received.
 * A payload of 0 bytes ends the multishot (*empty), as a receive of 0 does.
 */
static ssize_t recvmsg_mshot(struct req *req, char *buf, size_t len, int flags, bool *empty)
{
	struct sr_state *sr = req_sr(req);
	size_t hdrlen = sizeof(struct io_uring_recvmsg_out) + sr->namelen + sr->controllen;
	struct io_uring_recvmsg_out out;
	struct sockaddr_storage addr;
	struct iovec iov = { .iov_base = buf + hdrlen, .iov_len = len - hdrlen };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t ret;
	size_t copy;

	if (sr->namelen) {
		m.msg_name = &addr;
		m.msg_namelen = sizeof(addr);
	}
	if (sr->controllen) {
		m.msg_control = buf + sizeof(out) + sr->namelen;
		m.msg_controllen = sr->controllen;
	}
	ret = sys_recvmsg(req->rfd, &m, flags);
	if (ret < 0)
		return ret;
	*empty = ret == 0;
	out.namelen = sr->namelen ? m.msg_namelen : 0;
	out.controllen = sr->controllen ? (uint32_t)m.msg_controllen : 0;
	out.payloadlen = (uint32_t)ret;
	out.flags = (uint32_t)m.msg_flags;
	if ((size_t)ret > iov.iov_len)
		ret = (ssize_t)iov.iov_len; /* MSG_TRUNC asked: the full length */
	copy = out.namelen < sr->namelen ? out.namelen : sr->namelen;
	if (umem_write(buf, &out, sizeof(out)) ||
	    (copy && umem_write(buf + sizeof(out), &addr, copy)))
		return -EFAULT;
	return (ssize_t)hdrlen + ret;
}

/* iovecs a bundle fills at most (the kernel's PEEK_MAX_IMPORT) */
#define BUNDLE_IOVS 256

/* a bundle's iovec array, made once per request: NULL without memory */
static struct iovec *bundle_iovs(struct req *req)
{
	struct sr_state *sr = req_sr(req);

	if (!sr->iov_alloc) {
		sr->iov_alloc = malloc(BUNDLE_IOVS * sizeof(*sr->iov_alloc));
		if (sr->iov_alloc)
			req->flags |= REQ_F_NEED_CLEANUP;
	}
	return sr->iov_alloc;
}

/*
 * A transfer that moved less than it must (the kernel's "ret < min_ret"):
 * nothing there (-EAGAIN) waits for readiness unless the program said
 * MSG_DONTWAIT; a MSG_WAITALL stream transfer counts what moved and waits
 * for the rest.  The issue result to return then, else -1: the request
 * fails for its links and completes with what it has.
 */
static int short_transfer(struct req *req, ssize_t ret, int flags, bool user_nowait)
{
	struct sr_state *sr = req_sr(req);

	if (ret == -EAGAIN && !user_nowait)
		return sr_arm(req);
	if (ret > 0 && net_retry(sr, flags)) {
		sr->done += (uint32_t)ret;
		iov_advance(&sr->msg, (size_t)ret);
		return sr_arm(req);
	}
	req_set_fail(req);
	return -1;
}

/* The result with what the earlier rounds of a MSG_WAITALL retry moved. */
static ssize_t with_done(const struct sr_state *sr, ssize_t ret)
{
	if (ret >= 0)
		return ret + (ssize_t)sr->done;
	return sr->done ? (ssize_t)sr->done : ret;
}

/*
 * A multishot bundle RECV whose round received sqe->len bytes or more
 * (IORING_RECV_MSHOT_CAP): no second round into the same CQE, and the next
 * receive waits its turn behind others (a requeue) even with more queued.
 */
static bool mshot_capped(const struct sr_state *sr, ssize_t ret)
{
	return (sr->flags & IORING_RECV_MULTISHOT) && sr->sel_len && ret >= (ssize_t)sr->sel_len;
}

/*
 * A bundle receive's one buffer where the kernel's runs without the ring's
 * lock (io-wq, IO_URING_F_UNLOCKED): io_recv_buf_select() takes one buffer
 * there (io_buffer_select()), len bytes of it at most (0: all of it), and
 * commits a ring's head at once (io_should_commit()); an entry at address 0
 * is no buffer (-ENOBUFS, committed all the same).  sel_lock held.  1, or
 * -ENOBUFS without a group or a buffer; *empty: it was the group's last.
 */
static int bundle_select_one(struct req *req, size_t len, bool *empty)
{
	struct sr_state *sr = req_sr(req);
	void *addr;
	int ret;

	*empty = kbuf_one_left(req);
	ret = kbuf_select(req, &len, &addr, true);
	if (ret)
		return ret;
	if (!addr) {
		kbuf_recycle(req);
		return -ENOBUFS;
	}
	sr->iov_alloc[0].iov_base = addr;
	sr->iov_alloc[0].iov_len = len;
	return 1;
}

/* a bundle's result, with IORING_CQE_F_SOCK_NONEMPTY from its last receive */
static ssize_t bundle_done(struct req *req, ssize_t ret, uint32_t *cflags)
{
	if (ret >= 0)
		*cflags |= nonempty(req, false);
	return ret;
}

/*
 * IORING_RECVSEND_BUNDLE (io_recv_buf_select() and io_recv_finish()): a
 * receive into consecutive provided buffers (kbuf_peek()), and, when it
 * filled them all, the socket says more is queued and the group did not run
 * out, once more into the next ones for what is queued.  The CQE names the
 * first buffer; each round moves the ring's head past the buffers it used;
 * IORING_CQE_F_BUF_MORE and IORING_CQE_F_SOCK_NONEMPTY are the last
 * round's.  A second round that fails (no buffer, an error) fails the
 * request with what the first received, commits its own buffers by 0
 * bytes (a legacy one is consumed, an incremental ring's says F_BUF_MORE)
 * and leaves out F_SOCK_NONEMPTY, as the kernel's.  unlocked (a worker's
 * issue, io-wq's in the kernel): one buffer per round (bundle_select_one()).
 * A multishot one whose first round reached sqe->len stops there
 * (IORING_RECV_MSHOT_CAP).  The bytes, or -errno (-EAGAIN: nothing there,
 * no buffer held); *empty: the group ran out, which ends a multishot.
 *
 * MSG_WAITALL on a stream or seqpacket socket (io_net_retry()): a first
 * receive short of the buffers taken commits them and goes on in them, as
 * the kernel's, until they are full (-EINPROGRESS: wait for more; the
 * buffers are held, sr->bundle_held); the CQE names the first and counts
 * every byte.  An end before (EOF, an error) reports what came, *failed.
 * The kernel's commits only the buffers the first receive filled, and
 * hands the others out again while it fills them: not copied (engine.h).
 */
static ssize_t bundle_recv(struct req *req, int flags, bool unlocked, uint32_t *cflags, bool *empty,
			   bool *failed)
{
	struct sr_state *sr = req_sr(req);
	pthread_mutex_t *sel_lock = &req->ring->kbuf_sel_lock;
	size_t max_len = sr->sel_len;
	ssize_t total = 0;

	*failed = false;
	if (sr->mshot_left && (!max_len || sr->mshot_left < max_len))
		max_len = sr->mshot_left;
	if (!bundle_iovs(req))
		return -ENOMEM;
	for (int round = 0; round < 2; round++) {
		size_t want = 0, left;
		unsigned nbufs = 0;
		uint32_t f;
		bool partial = false;
		ssize_t ret;
		int n, inq = 0;

		if (sr->bundle_held) {
			want = iov_left(&sr->msg);
			do {
				sr->msg.msg_flags = 0;
				ret = sys_recvmsg(req->rfd, &sr->msg, flags);
			} while (ret == -EINTR);
			if (ret == -EAGAIN && !(sr->msg_flags & MSG_DONTWAIT))
				return ret;
			if (ret > 0 && (size_t)ret < want) {
				sr->done += (uint32_t)ret;
				iov_advance(&sr->msg, (size_t)ret);
				return -EINPROGRESS;
			}
			sr->bundle_held = false;
			*cflags = sr->held_cflags;
			*failed = ret <= 0;
			total = with_done(sr, ret);
			sr->done = 0;
			if (ret <= 0)
				return bundle_done(req, total, cflags);
			goto more;
		}
		pthread_mutex_lock(sel_lock);
		if (!round && kbuf_selected(req)) {
			/* committed by bundle_select_one() on an issue that
			 * found nothing to receive: still the request's, as an
			 * io-wq retry receives into the buffer it took */
			n = 1;
			*empty = sr->sel_empty;
		} else if (unlocked) {
			n = bundle_select_one(req, max_len, empty);
			sr->sel_empty = *empty;
		} else {
			n = kbuf_peek(req, sr->iov_alloc, BUNDLE_IOVS, max_len, &partial, empty);
		}
		if (n < 0) {
			pthread_mutex_unlock(sel_lock);
			if (!round)
				return n;
			*cflags &= ~IORING_CQE_F_BUF_MORE;
			*failed = true;
			return total;
		}
		sr->msg.msg_iov = sr->iov_alloc;
		sr->msg.msg_iovlen = (size_t)n;
		for (int i = 0; i < n; i++)
			want += sr->iov_alloc[i].iov_len;
		do {
			sr->msg.msg_flags = 0;
			ret = sys_recvmsg(req->rfd, &sr->msg, flags);
		} while (ret == -EINTR);
		if (ret <= 0 && round) {
			/* its buffers committed by 0 bytes, as the kernel's */
			f = kbuf_put_bufs(req, 0, 0);
			pthread_mutex_unlock(sel_lock);
			*cflags = (*cflags & ~IORING_CQE_F_BUF_MORE) | (f & IORING_CQE_F_BUF_MORE);
			*failed = ret < 0;
			return ret < 0 ? total : bundle_done(req, total, cflags);
		}
		if (ret <= 0) {
			/* a committed buffer waits with the request, or is
			 * named by its CQE, whatever the result */
			if (ret == -EAGAIN && !(sr->msg_flags & MSG_DONTWAIT))
				kbuf_recycle_unused(req, true);
			else if (req->buf_sel == KBUF_SEL_RING_COMMITTED ||
				 req->buf_sel == KBUF_SEL_RING_COMMITTED_MORE)
				*cflags = kbuf_put(req, (int)ret);
			else
				kbuf_recycle(req);
			pthread_mutex_unlock(sel_lock);
			return bundle_done(req, ret, cflags);
		}
		/* the buffers the bytes landed in (io_bundle_nbufs()); a
		 * datagram cut by MSG_TRUNC reports more than they hold */
		if (!round && (size_t)ret < want && (flags & MSG_WAITALL) && net_retry(sr, flags)) {
			/* short: every buffer taken is the request's now */
			sr->held_cflags = kbuf_put_bufs(req, (int)want, (unsigned)n);
			pthread_mutex_unlock(sel_lock);
			sr->bundle_held = true;
			sr->done = (uint32_t)ret;
			iov_advance(&sr->msg, (size_t)ret);
			return -EINPROGRESS;
		}
		for (left = (size_t)ret; left && nbufs < (unsigned)n; nbufs++)
			left -= left < sr->iov_alloc[nbufs].iov_len ? left
								    : sr->iov_alloc[nbufs].iov_len;
		f = kbuf_put_bufs(req, (int)ret, nbufs);
		pthread_mutex_unlock(sel_lock);
		if (!round)
			*cflags = f;
		else
			*cflags = (*cflags & ~IORING_CQE_F_BUF_MORE) | (f & IORING_CQE_F_BUF_MORE);
		total += ret;
more:
		if (partial || *empty || (size_t)ret < want || sr->sock_type != SOCK_STREAM ||
		    mshot_capped(sr, total) || sys_ioctl_int(req->rfd, SIOCINQ, &inq) < 0 ||
		    inq <= 1)
			break;
		max_len = (size_t)inq;
	}
	return bundle_done(req, total, cflags);
}

/*
 * SEND with IOSQE_BUFFER_SELECT (io_send(), io_send_select_buffer()): the
 * data is in provided buffers, taken and committed before the send (a
 * waiting send keeps them): one buffer, sqe->len at most (a longer ring
 * buffer is cut), or with IORING_RECVSEND_BUNDLE every one the group has up
 * to sqe->len bytes, sent whole or failing.  A bundle that leaves buffers
 * posts its CQE with IORING_CQE_F_MORE and goes on with all the rest
 * (io_send_finish()); the CQE names the first buffer of its round.
 */
static int send_buffered(struct req *req)
{
	struct sr_state *sr = req_sr(req);
	bool bundle = sr->flags & IORING_RECVSEND_BUNDLE;
	bool user_nowait = sr->msg_flags & MSG_DONTWAIT;
	int flags = (sr->msg_flags & ~ENGINE_MSG_CMSG_COMPAT) | MSG_DONTWAIT | MSG_NOSIGNAL;

	for (;;) {
		size_t min_ret = 0;
		uint32_t cflags;
		ssize_t ret = 0;

		if (!sr->send_cflags) {
			struct iovec *iov = sr->fast_iov;
			size_t len = 0;
			bool partial, empty;
			unsigned nr = 1;
			int n;

			if (bundle) {
				iov = bundle_iovs(req);
				if (!iov) {
					req->res = -ENOMEM;
					return ISSUE_DONE;
				}
				nr = BUNDLE_IOVS;
			}
			/* peeked and committed as one step: no receive holding
			 * the head uncommitted, no other send, between them */
			pthread_mutex_lock(&req->ring->kbuf_sel_lock);
			n = kbuf_peek(req, iov, nr, sr->send_max ? sr->send_max : INT_MAX, &partial,
				      &empty);
			if (n < 0) {
				pthread_mutex_unlock(&req->ring->kbuf_sel_lock);
				req_set_fail(req);
				req->res = n;
				return ISSUE_DONE;
			}
			for (int i = 0; i < n; i++)
				len += iov[i].iov_len;
			sr->send_cflags = kbuf_put_bufs(req, (int)len, (unsigned)n);
			pthread_mutex_unlock(&req->ring->kbuf_sel_lock);
			sr->sel_empty = empty;
			sr->msg.msg_iov = iov;
			sr->msg.msg_iovlen = (size_t)n;
		}
		if ((flags & MSG_WAITALL) || bundle)
			min_ret = iov_left(&sr->msg);
		do
			ret = sys_sendmsg(req->rfd, &sr->msg, flags);
		while (ret == -EINTR);
		if (ret < (ssize_t)min_ret) {
			int st = short_transfer(req, ret, flags, user_nowait);

			if (st >= 0)
				return st;
		}
		ret = with_done(sr, ret);
		cflags = sr->send_cflags;
		sr->send_cflags = 0;
		sr->done = 0;
		if (!bundle || ret <= 0 || sr->sel_empty ||
		    !req_post_more(req, (int32_t)ret, cflags | IORING_CQE_F_MORE)) {
			req->res = (int32_t)ret;
			req->cflags = cflags;
			return ISSUE_DONE;
		}
		sr->send_max = 0; /* the rounds after the first take all there is */
	}
}

/* A receive into sr->msg: its msg_flags are read back for RECVMSG and for
 * MSG_WAITALL (a truncation fails it) only; the others need the bytes. */
static ssize_t sr_recv(struct req *req, int flags)
{
	struct sr_state *sr = req_sr(req);

	if (sr->umsg || (flags & MSG_WAITALL))
		return sys_recvmsg(req->rfd, &sr->msg, flags);
	return sys_recv_data(req->rfd, &sr->msg, flags);
}

/* the kernel's MULTISHOT_MAX_RETRY: receives in a row before others get a turn */
#define MSHOT_MAX_RETRY 32

/*
 * RECV and RECVMSG with IOSQE_BUFFER_SELECT (io_recv(), io_recvmsg()): the
 * buffer is taken right before each receive (-ENOBUFS, failing, when the
 * group has none, data or not) and given back when the socket had nothing
 * and the request waits in the reactor.  A ring's head is committed at the
 * CQE, by what the receive used, except in a worker (io_should_commit()).
 * A multishot one posts a CQE with IORING_CQE_F_MORE per receive and goes
 * on: at once while the socket may hold more (SOCK_NONEMPTY, or a socket
 * that does not tell), else after waiting for it; it ends, without F_MORE,
 * on an error, EOF (res 0), an empty group, its total limit reached, or a
 * full CQ.
 */
static int recv_buffered(struct req *req, unsigned issue_flags)
{
	struct sr_state *sr = req_sr(req);
	bool mshot = sr->flags & IORING_RECV_MULTISHOT;
	bool bundle = sr->flags & IORING_RECVSEND_BUNDLE;
	bool user_nowait = sr->msg_flags & MSG_DONTWAIT;
	int flags = (sr->msg_flags & ~ENGINE_MSG_CMSG_COMPAT) | MSG_DONTWAIT;
	/* where the kernel's runs in io-wq: a worker, or every issue of an
	 * IOSQE_ASYNC one (its wake-up queues it to io-wq again); not a
	 * multishot one (io-wq arms its poll: it receives from task work,
	 * locked) */
	bool unlocked =
		!mshot && ((issue_flags & ISSUE_F_WORKER) || (req->flags & REQ_F_ASYNC_ASKED));
	/* io-wq commits a ring's head at selection (io_should_commit()) */
	bool commit = unlocked;
	pthread_mutex_t *sel_lock = &req->ring->kbuf_sel_lock;
	unsigned loops = 0;

	for (;;) {
		size_t len = sr->sel_len, min_ret = 0;
		bool finished, retry, empty = false;
		size_t asked = 0; /* what the receive asked for, when it tells */
		uint32_t cflags = 0;
		void *addr;
		ssize_t ret = 0;

		bool locked = false;

		if (bundle) {
			bool out_of_bufs = false, failed;

			ret = bundle_recv(req, flags, unlocked, &cflags, &out_of_bufs, &failed);
			if (ret == -EINPROGRESS || (ret == -EAGAIN && !user_nowait))
				return sr_arm(req);
			if (ret < 0 || failed)
				req_set_fail(req);
			finished = ret <= 0 || out_of_bufs;
			goto post;
		}
		/* a request holds its buffer across a MSG_WAITALL retry */
		if (!kbuf_selected(req)) {
			/* a committing selection, too, waits for a receive that
			 * holds the head uncommitted, then lets go at once */
			pthread_mutex_lock(sel_lock);
			ret = kbuf_select(req, &len, &addr, commit);
			/* an entry (or a legacy buffer) at address 0 is no
			 * buffer for the kernel either: -ENOBUFS, nothing
			 * committed that was not; RECVMSG's CQE names the
			 * buffer (io_recvmsg() returns without letting it go),
			 * RECV's only when committed (io_recv() gives back
			 * what it can: a legacy one goes back to its group) */
			if (!ret && !addr) {
				if (sr->umsg || (req->buf_sel != KBUF_SEL_RING &&
						 req->buf_sel != KBUF_SEL_LEGACY))
					cflags = kbuf_put(req, -ENOBUFS);
				else
					kbuf_recycle(req);
				ret = -ENOBUFS;
			}
			if (commit)
				pthread_mutex_unlock(sel_lock);
			else
				locked = true;
			if (!ret && mshot && sr->umsg &&
			    len < sizeof(struct io_uring_recvmsg_out) + sr->namelen + sr->controllen) {
				kbuf_recycle_unused(req, true);
				ret = -EFAULT;
			}
			if (!ret) {
				sr->fast_iov[0].iov_base = addr;
				sr->fast_iov[0].iov_len = len;
				sr->msg.msg_iov = sr->fast_iov;
				sr->msg.msg_iovlen = 1;
			}
		}
		if (!ret) {
			asked = mshot && sr->umsg ? 0 : iov_left(&sr->msg);
			if (flags & MSG_WAITALL)
				min_ret = asked;
			do {
				sr->msg.msg_flags = 0;
				if (mshot && sr->umsg) {
					ret = recvmsg_mshot(req, sr->fast_iov[0].iov_base,
							    sr->fast_iov[0].iov_len, flags, &empty);
				} else {
					ret = sr_recv(req, flags);
					if (ret >= 0 && sr->umsg) {
						int err = recvmsg_copy_out(sr);

						if (err)
							ret = err;
					}
				}
			} while (ret == -EINTR);
			if (ret < (ssize_t)min_ret) {
				int st;

				if (ret == -EAGAIN && !user_nowait) {
					kbuf_recycle_unused(req, true);
					if (locked)
						pthread_mutex_unlock(sel_lock);
				} else if (ret > 0 && locked && net_retry(sr, flags)) {
					/* a MSG_WAITALL retry waits for the rest
					 * holding its buffer: committed, so that no
					 * other request takes it meanwhile (and it
					 * holds no lock when it comes back) */
					kbuf_commit(req, len);
					pthread_mutex_unlock(sel_lock);
					locked = false;
				}
				st = short_transfer(req, ret, flags, user_nowait);
				if (st >= 0)
					return st;
			} else if ((flags & MSG_WAITALL) &&
				   (sr->msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
				req_set_fail(req);
			}
		} else {
			req_set_fail(req);
		}
		finished = ret <= 0 || empty;
		if (ret >= 0)
			cflags = nonempty(req, (size_t)ret < asked);
		if (ret <= 0 && !sr->done)
			kbuf_recycle_unused(req, true); /* nothing received: not consumed */
		ret = with_done(sr, ret);
post:
		if (ret > 0 && mshot && sr->mshot_left) {
			sr->mshot_left -= ret < sr->mshot_left ? (uint32_t)ret : sr->mshot_left;
			if (!sr->mshot_left)
				finished = true;
		}
		if (!bundle)
			cflags |= kbuf_put(req, (int)ret);
		if (locked)
			pthread_mutex_unlock(sel_lock);
		if (!mshot || finished ||
		    !req_post_more(req, (int32_t)ret, cflags | IORING_CQE_F_MORE)) {
			req->res = (int32_t)ret;
			req->cflags = cflags;
			return ISSUE_DONE;
		}
		sr->done = 0;
		/* a RECVMSG's iovec capped its first receive only; the later
		 * ones fill their whole buffer (io_mshot_prep_retry()), where a
		 * RECV's len caps every one */
		if (sr->umsg)
			sr->sel_len = 0;
		/* more may be there (or the socket does not tell): try again,
		 * MSHOT_MAX_RETRY more times at most */
		retry = (cflags & IORING_CQE_F_SOCK_NONEMPTY) || sr->sock_type != SOCK_STREAM;
		if (retry && loops++ < MSHOT_MAX_RETRY && !(bundle && mshot_capped(sr, ret)))
			continue;
		/* The kernel's would wait, or requeue: issued inline, as at
		 * submit, its MSG_DONTWAIT makes that -EAGAIN, final
		 * (REQ_F_NOWAIT); from io-wq or its poll it waits. */
		if (user_nowait && !sr->polled && !(issue_flags & ISSUE_F_WORKER) &&
		    !(req->flags & REQ_F_ASYNC_ASKED)) {
			req_set_fail(req);
			req->res = -EAGAIN;
			req->cflags = 0;
			return ISSUE_DONE;
		}
		/* a requeue: it may still hold more */
		return retry ? sr_arm_to(req, false) : sr_arm(req);
	}
}

/*
 * A receive on a file that is no socket, as ACCEPT's (accept_nonsocket()):
 * a multishot receive issued from io-wq waits for readiness before the
 * kernel looks at the socket, and so does RECV (not RECVMSG, which looks at
 * the socket first) with IORING_RECVSEND_POLL_FIRST; a file without a poll
 * method cannot be waited on: -EAGAIN for POLL_FIRST, -EBADFD for the
 * multishot one (found by the fuzzer on 6.18).  Woken, or neither: -ENOTSOCK.
 */
static int sr_nonsocket(struct req *req, unsigned issue_flags)
{
	struct sr_state *sr = req_sr(req);
	bool mshot = !sr->send && (sr->flags & IORING_RECV_MULTISHOT);
	bool worker = !(issue_flags & ISSUE_F_NONBLOCK);
	bool poll_first = req->opcode == IORING_OP_RECV && (sr->flags & IORING_RECVSEND_POLL_FIRST);
	int ret = -ENOTSOCK;

	if (sr->polled || !(poll_first || (mshot && worker)))
		ret = -ENOTSOCK;
	else if (poll_first && ((sr->msg_flags & MSG_DONTWAIT) ||
				poll_first_in_worker(req, issue_flags, mshot)))
		ret = -EAGAIN;
	else if (sys_fd_can_poll(req->rfd) == 0)
		ret = mshot ? -EBADFD : -EAGAIN;
	else
		return sr_arm(req);
	return returned_error(req, ret);
}

int sr_issue(struct req *req, unsigned issue_flags)
{
	struct sr_state *sr = req_sr(req);
	bool user_nowait = sr->msg_flags & MSG_DONTWAIT;
	int flags = (sr->msg_flags & ~ENGINE_MSG_CMSG_COMPAT) | MSG_DONTWAIT;
	size_t min_ret = 0, asked = 0;
	ssize_t ret;

	ret = req_resolve_file(req);
	if (!ret && !plain_send(req))
		ret = learn_socket(req);
	if (ret == -ENOTSOCK)
		return sr_nonsocket(req, issue_flags);
	if (ret) {
		req->res = (int32_t)ret;
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
		if (user_nowait ||
		    poll_first_in_worker(req, issue_flags, sr->flags & IORING_RECV_MULTISHOT))
			return returned_error(req, -EAGAIN);
		return sr_arm(req);
	}
	if (req->flags & REQ_F_BUFFER_SELECT)
		return sr->send ? send_buffered(req) : recv_buffered(req, issue_flags);
	if (sr->fixed) {
		ret = zc_fixed(req);
		if (ret) {
			req->res = (int32_t)ret;
			return ISSUE_DONE;
		}
	}
	for (;;) {
		asked = iov_left(&sr->msg);
		if (flags & MSG_WAITALL)
			min_ret = asked;
		if (sr->send) {
			ret = sys_sendmsg(req->rfd, &sr->msg, flags | MSG_NOSIGNAL);
		} else {
			sr->msg.msg_flags = 0;
			ret = sr_recv(req, flags);
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
		int st = short_transfer(req, ret, flags, user_nowait);

		if (st >= 0)
			return st;
	} else if (!sr->send && (flags & MSG_WAITALL) &&
		   (sr->msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		req_set_fail(req);
	}
	ret = with_done(sr, ret);
	req->res = (int32_t)ret;
	if (!sr->send && ret >= 0)
		req->cflags = nonempty(req, (size_t)(ret - (ssize_t)sr->done) < asked);
	return ISSUE_DONE;
}
