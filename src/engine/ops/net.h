/* SPDX-License-Identifier: MIT */
/*
 * Socket ops (ops/net.c): SOCKET, BIND, LISTEN, CONNECT, ACCEPT, SHUTDOWN,
 * and URING_CMD on a socket.
 */
#ifndef RINGER_ENGINE_OPS_NET_H
#define RINGER_ENGINE_OPS_NET_H

#include "engine/engine.h"

/*
 * A poll-first request (IORING_ACCEPT_POLL_FIRST, IORING_RECVSEND_POLL_FIRST)
 * that a worker issues without IOSQE_ASYNC: the head of a chain a submit
 * left open, or a link of one that a worker ran.  io-wq issues those
 * blocking, without arming poll, and the op's "not polled yet" -EAGAIN is
 * their result (io_wq_submit_work(); probed on 6.18): no wait, no attempt.
 * A multishot one is not issued there: io-wq arms its poll.
 */
static inline bool poll_first_in_worker(const struct req *req, unsigned issue_flags,
					bool multishot)
{
	return (issue_flags & ISSUE_F_WORKER) &&
	       !(req->flags & (REQ_F_FORCE_ASYNC | REQ_F_ASYNC_ASKED)) && !multishot;
}

/*
 * End req with err as the kernel's handler returns it (REQ_F_ERR_RETURNED):
 * the "not polled yet" -EAGAIN, and a non-socket's answer before the socket
 * is looked at.
 */
static inline int returned_error(struct req *req, int err)
{
	req->flags |= REQ_F_ERR_RETURNED;
	req->res = err;
	return ISSUE_DONE;
}

struct socket_state {
	int domain, type, protocol;
	unsigned file_slot; /* sqe->file_index: 0, a slot + 1, or ALLOC */
};
REQ_DATA_CHECK(struct socket_state);

/* BIND and CONNECT: the address copied at prep (the kernel's
 * move_addr_to_kernel()), malloc'd: a sockaddr_storage does not fit */
struct addr_state {
	void *addr;
	unsigned addr_len;
	bool in_progress; /* CONNECT: EINPROGRESS seen */
	bool seen_econnaborted;
};
REQ_DATA_CHECK(struct addr_state);

struct listen_state {
	int backlog;
};
REQ_DATA_CHECK(struct listen_state);

struct accept_state {
	void *addr; /* the program's: accept4(2) writes them itself */
	unsigned *addr_len;
	int flags; /* SOCK_CLOEXEC, SOCK_NONBLOCK */
	unsigned iou_flags; /* IORING_ACCEPT_* */
	unsigned file_slot;
	bool polled; /* the reactor found it ready: POLL_FIRST done */
	int domain; /* the listener's family, once known (0: not yet) */
};
REQ_DATA_CHECK(struct accept_state);

struct shutdown_state {
	int how;
};
REQ_DATA_CHECK(struct shutdown_state);

int socket_prep(struct req *req, const struct io_uring_sqe *sqe);
int socket_issue(struct req *req, unsigned issue_flags);
int bind_prep(struct req *req, const struct io_uring_sqe *sqe);
int bind_issue(struct req *req, unsigned issue_flags);
int listen_prep(struct req *req, const struct io_uring_sqe *sqe);
int listen_issue(struct req *req, unsigned issue_flags);
int connect_prep(struct req *req, const struct io_uring_sqe *sqe);
int connect_issue(struct req *req, unsigned issue_flags);
void addr_cleanup(struct req *req);
int accept_prep(struct req *req, const struct io_uring_sqe *sqe);
int accept_issue(struct req *req, unsigned issue_flags);
int shutdown_prep(struct req *req, const struct io_uring_sqe *sqe);
int shutdown_issue(struct req *req, unsigned issue_flags);
int net_ring_file(struct req *req);

#endif /* RINGER_ENGINE_OPS_NET_H */
