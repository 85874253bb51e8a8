/* SPDX-License-Identifier: MIT */
/*
 * Socket ops (ops/net.c): SOCKET, BIND, LISTEN, CONNECT, ACCEPT, SHUTDOWN,
 * and URING_CMD on a socket.
 */
#ifndef RINGER_ENGINE_OPS_NET_H
#define RINGER_ENGINE_OPS_NET_H

#include "engine/engine.h"

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
