/* SPDX-License-Identifier: MIT */
/* IORING_OP_EPOLL_CTL and IORING_OP_EPOLL_WAIT (ops/epoll.c). */
#ifndef RINGER_ENGINE_OPS_EPOLL_H
#define RINGER_ENGINE_OPS_EPOLL_H

#include <sys/epoll.h>

#include "engine/engine.h"

struct epoll_ctl_state {
	int epfd; /* sqe->fd, a plain fd (the op takes no file) */
	int op; /* sqe->len: EPOLL_CTL_ADD, _DEL, _MOD */
	int fd; /* sqe->off, as an int */
	struct epoll_event event; /* *sqe->addr, copied at prep (not for DEL) */
};
REQ_DATA_CHECK(struct epoll_ctl_state);

struct epoll_wait_state {
	struct epoll_event *events; /* sqe->addr: where the events go */
	int maxevents; /* sqe->len */
};
REQ_DATA_CHECK(struct epoll_wait_state);

int epoll_ctl_prep(struct req *req, const struct io_uring_sqe *sqe);
int epoll_ctl_issue(struct req *req, unsigned issue_flags);
int epoll_wait_prep(struct req *req, const struct io_uring_sqe *sqe);
int epoll_wait_issue(struct req *req, unsigned issue_flags);

#endif /* RINGER_ENGINE_OPS_EPOLL_H */
