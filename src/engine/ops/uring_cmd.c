// SPDX-License-Identifier: MIT
/*
 * IORING_OP_URING_CMD (the kernel's io_uring/uring_cmd.c and cmd_net.c): a
 * command for the file's own ->uring_cmd handler.  The engine has the two
 * handlers user space can reproduce: a socket's (SOCKET_URING_OP_SIOCINQ,
 * _SIOCOUTQ, _GETSOCKOPT, _SETSOCKOPT, as the system calls that share the
 * kernel's code) and /dev/null's (0 for any command).  Any other file is
 * one without a handler: -EOPNOTSUPP, what the kernel says for a regular
 * file or a pipe, and the engine's answer for the files whose handlers it
 * does not have (NVMe and block devices, ublk, FUSE: engine.h).
 *
 * Linux 6.18, probed: the SQE's other fields (len, addr, buf_index,
 * addr3) are not checked; a command never waits, so it completes where it
 * is issued (IOSQE_ASYNC: in a worker).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "engine/ops/uring_cmd.h"
#include "engine/sys.h"

int uring_cmd_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct uring_cmd_state *c = req_data(req, struct uring_cmd_state);
	bool bsel = req->flags & IOSQE_BUFFER_SELECT;

	if (sqe->__pad1)
		return -EINVAL;
	c->flags = sqe->uring_cmd_flags;
	if (c->flags & ~IORING_URING_CMD_MASK)
		return -EINVAL;
	/* a fixed buffer is not checked here (6.18): no socket command uses one */
	if ((c->flags & IORING_URING_CMD_FIXED) && (c->flags & IORING_URING_CMD_MULTISHOT))
		return -EINVAL;
	if (!!(c->flags & IORING_URING_CMD_MULTISHOT) != bsel)
		return -EINVAL;
	c->cmd_op = sqe->cmd_op;
	c->level = (int)sqe->level;
	c->optname = (int)sqe->optname;
	c->optlen = (int)sqe->optlen;
	c->optval = sqe->optval;
	return 0;
}

/* a ring's own file has no ->uring_cmd */
int uring_cmd_ring_file(struct req *req)
{
	return -EOPNOTSUPP;
}

/*
 * SIOCINQ and SIOCOUTQ go to the protocol's ioctl (struct proto's, not the
 * socket family's): TCP, UDP, raw, MPTCP... have one, AF_UNIX, netlink and
 * packet sockets have none (-EOPNOTSUPP, where ioctl(2) answers through the
 * family).  Only the inet families reach a protocol's from ioctl(2), and a
 * protocol without one answers ENOTTY there (an ICMP "ping" socket).
 */
static int sock_queue_ioctl(int fd, unsigned long what)
{
	unsigned len = sizeof(int);
	int domain, val = 0, ret;

	ret = sys_getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len);
	if (ret)
		return ret;
	if (domain != AF_INET && domain != AF_INET6)
		return -EOPNOTSUPP;
	ret = sys_ioctl_int(fd, what, &val);
	if (ret == -ENOTTY)
		return -EOPNOTSUPP;
	return ret ? ret : val;
}

/* the kernel's io_uring_cmd_sock() */
static int sock_cmd(struct req *req, int fd)
{
	struct uring_cmd_state *c = req_data(req, struct uring_cmd_state);
	unsigned len;
	int ret;

	switch (c->cmd_op) {
	case SOCKET_URING_OP_SIOCINQ:
		return sock_queue_ioctl(fd, SIOCINQ);
	case SOCKET_URING_OP_SIOCOUTQ:
		return sock_queue_ioctl(fd, SIOCOUTQ);
	case SOCKET_URING_OP_GETSOCKOPT:
		/* getsockopt(2)'s path, with the length in the SQE: the result
		 * is the length written */
		if (c->level != SOL_SOCKET)
			return -EOPNOTSUPP;
		len = (unsigned)c->optlen;
		ret = sys_getsockopt(fd, c->level, c->optname, (void *)(uintptr_t)c->optval, &len);
		return ret ? ret : (int)len;
	case SOCKET_URING_OP_SETSOCKOPT:
		return sys_setsockopt(fd, c->level, c->optname, (const void *)(uintptr_t)c->optval,
				      (unsigned)c->optlen);
	case SOCKET_URING_OP_TX_TIMESTAMP:
		/* the kernel refuses it on rings without 32-byte CQEs; on
		 * the others it waits for the socket's timestamps, which the
		 * engine does not do (engine.h) */
		return -EINVAL;
	default:
		return -EOPNOTSUPP;
	}
}

/* /dev/null's ->uring_cmd (drivers/char/mem.c) succeeds at everything */
static bool is_dev_null(int fd)
{
	struct stat st;

	return sys_fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 &&
	       minor(st.st_rdev) == 3;
}

int uring_cmd_issue(struct req *req, unsigned issue_flags)
{
	struct uring_cmd_state *c = req_data(req, struct uring_cmd_state);
	unsigned len = sizeof(int);
	bool sock = true;
	int type, ret = req_resolve_file(req);

	if (ret)
		goto out;
	/* a socket answers SO_TYPE; any other file ENOTSOCK */
	ret = sys_getsockopt(req->rfd, SOL_SOCKET, SO_TYPE, &type, &len);
	if (ret == -ENOTSOCK) {
		sock = false;
		ret = is_dev_null(req->rfd) ? 0 : -EOPNOTSUPP;
	}
	if (ret)
		goto out;
	/* neither handler can be polled: refused on IOPOLL rings */
	if (req->ring->flags & IORING_SETUP_IOPOLL) {
		ret = -EOPNOTSUPP;
		goto out;
	}
	ret = sock ? sock_cmd(req, req->rfd) : 0;
	/*
	 * A multishot command that succeeds: neither handler posts multishot
	 * CQEs, and the kernel (6.18) leaves the request pending for good,
	 * never completed nor cancellable.  The engine ends it (engine.h).
	 */
	if (ret >= 0 && (c->flags & IORING_URING_CMD_MULTISHOT))
		ret = -EOPNOTSUPP;
out:
	req->res = ret;
	if (ret < 0)
		req_set_fail(req);
	return ISSUE_DONE;
}
