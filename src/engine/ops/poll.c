// SPDX-License-Identifier: MIT
/*
 * IORING_OP_POLL_ADD and IORING_OP_POLL_REMOVE (the kernel's poll.c).
 *
 * One-shot: a poll(2) with no timeout at issue; if nothing is ready the
 * request waits in the reactor.  MULTI: the fd goes into a private
 * edge-triggered epoll set and the reactor waits on that set, so each new
 * readiness edge posts one CQE with IORING_CQE_F_MORE (re-arming a level
 * poll would post the same readiness forever).  Armed polls sit on
 * ring->polls (poll_lock) so that POLL_REMOVE can find them by user_data.
 *
 * res is the ready mask restricted to the requested events plus
 * POLLERR | POLLHUP | POLLNVAL | POLLRDHUP, as the kernel reports it.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include "engine/engine.h"
#include "engine/sys.h"

#define POLL_UNMASK (POLLERR | POLLHUP | POLLNVAL | POLLRDHUP)

static uint32_t parse_events(const struct io_uring_sqe *sqe)
{
	/* little-endian host: poll32_events needs no swap; poll(2) bits only */
	return sqe->poll32_events & 0xffff;
}

int poll_add_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	uint32_t flags = sqe->len;

	req->poll.epfd = -1;
	if (sqe->addr || sqe->off || sqe->buf_index)
		return -EINVAL;
	if (flags & ~IORING_POLL_ADD_MULTI)
		return -EINVAL;
	if ((flags & IORING_POLL_ADD_MULTI) && (req->flags & REQ_F_CQE_SKIP))
		return -EINVAL;
	req->poll.events = parse_events(sqe);
	req->poll.multi = flags & IORING_POLL_ADD_MULTI;
	req->poll.cancelled = false;
	return 0;
}

void poll_cleanup(struct req *req)
{
	if (req->poll.epfd >= 0)
		sys_close(req->poll.epfd);
	req->poll.epfd = -1;
}

/* poll_lock held */
static void poll_link(struct ring *r, struct req *req)
{
	req->list_prev = NULL;
	req->list_next = r->polls;
	if (r->polls)
		r->polls->list_prev = req;
	r->polls = req;
	req->flags |= REQ_F_POLL_ARMED;
}

/* poll_lock held */
static void poll_unlink(struct ring *r, struct req *req)
{
	if (!(req->flags & REQ_F_POLL_ARMED))
		return;
	if (req->list_prev)
		req->list_prev->list_next = req->list_next;
	else
		r->polls = req->list_next;
	if (req->list_next)
		req->list_next->list_prev = req->list_prev;
	req->list_next = req->list_prev = NULL;
	req->flags &= ~REQ_F_POLL_ARMED;
}

static uint32_t interest(struct req *req)
{
	return req->poll.events | POLL_UNMASK;
}

/* Complete a poll request: inline batch in the submitting thread, else now. */
static void poll_complete(struct req *req, int32_t res)
{
	req->res = res;
	req->cflags = 0;
	req_complete(req);
}

static void poll_fire(struct reactor_entry *e, uint32_t revents)
{
	struct req *req = (struct req *)((char *)e - offsetof(struct req, rent));
	struct ring *r = req->ring;
	uint32_t mask;

	engine_thread_ctx = CTX_REACTOR;
	pthread_mutex_lock(&r->poll_lock);
	if (!req->poll.multi) {
		poll_unlink(r, req);
		pthread_mutex_unlock(&r->poll_lock);
		mask = revents & interest(req);
		poll_complete(req, (int32_t)(mask ? mask : revents));
		return;
	}
	if (req->poll.cancelled) {
		poll_unlink(r, req);
		pthread_mutex_unlock(&r->poll_lock);
		poll_complete(req, -ECANCELED);
		return;
	}
	for (;;) {
		struct epoll_event ev;
		int n = sys_epoll_wait(req->poll.epfd, &ev, 1, 0);

		if (n == -EINTR)
			continue;
		if (n <= 0)
			break;
		mask = ev.events & interest(req);
		if (!mask)
			break;
		if (!cq_post(r, req->user_data, (int32_t)mask, IORING_CQE_F_MORE, false)) {
			/* the CQ is full: a multishot ends with a final CQE (it overflows) */
			poll_unlink(r, req);
			pthread_mutex_unlock(&r->poll_lock);
			poll_complete(req, (int32_t)mask);
			return;
		}
		break;
	}
	req->rent.fd = req->poll.epfd;
	req->rent.fn = poll_fire;
	if (req_arm_poll(req, POLLIN)) {
		poll_unlink(r, req);
		pthread_mutex_unlock(&r->poll_lock);
		poll_complete(req, -ECANCELED);
		return;
	}
	pthread_mutex_unlock(&r->poll_lock);
}

static int poll_arm_multi(struct req *req)
{
	struct ring *r = req->ring;
	struct epoll_event ev = { .events = interest(req) | EPOLLET };
	int ret;

	if (req->poll.epfd < 0) {
		req->poll.epfd = sys_fd_move_high(sys_epoll_create1(EPOLL_CLOEXEC));
		if (req->poll.epfd < 0)
			return req->poll.epfd;
		req->flags |= REQ_F_NEED_CLEANUP;
		/* the set watches a file, not a number: the request holds it */
		req_hold_file(req);
		ret = sys_epoll_ctl(req->poll.epfd, EPOLL_CTL_ADD, req->rfd, &ev);
		if (ret == -EPERM)
			return 1; /* not pollable (a regular file): a one-shot result, see below */
		if (ret)
			return ret;
	}
	pthread_mutex_lock(&r->poll_lock);
	poll_link(r, req);
	req->rent.fd = req->poll.epfd;
	req->rent.fn = poll_fire;
	/* the first edge (readiness now) is picked up by the reactor right away */
	ret = req_arm_poll(req, POLLIN);
	if (ret)
		poll_unlink(r, req);
	pthread_mutex_unlock(&r->poll_lock);
	return ret;
}

int poll_add_issue(struct req *req, unsigned issue_flags)
{
	struct ring *r = req->ring;
	struct pollfd pfd;
	int ret = req_resolve_file(req);

	if (ret) {
		req->res = ret;
		return ISSUE_DONE;
	}
	if (req->poll.multi) {
		ret = poll_arm_multi(req);
		if (ret < 0) {
			req->res = ret;
			return ISSUE_DONE;
		}
		if (!ret)
			return ISSUE_QUEUED;
		/* the kernel ends a multishot poll on a file without poll support at once */
		req->poll.multi = false;
	}
	pfd.fd = req->rfd;
	pfd.events = (short)(req->poll.events | POLLRDHUP);
	pfd.revents = 0;
	do
		ret = sys_poll(&pfd, 1, 0);
	while (ret == -EINTR);
	if (ret < 0) {
		req->res = ret;
		return ISSUE_DONE;
	}
	if (pfd.revents & POLLNVAL) {
		req->res = -EBADF;
		return ISSUE_DONE;
	}
	if (pfd.revents & interest(req)) {
		req->res = (int32_t)(pfd.revents & interest(req));
		return ISSUE_DONE;
	}
	pthread_mutex_lock(&r->poll_lock);
	poll_link(r, req);
	req->rent.fd = req->rfd;
	req->rent.fn = poll_fire;
	ret = req_arm_poll(req, req->poll.events | POLLRDHUP);
	if (ret)
		poll_unlink(r, req);
	pthread_mutex_unlock(&r->poll_lock);
	if (ret) {
		req->res = ret;
		return ISSUE_DONE;
	}
	return ISSUE_QUEUED;
}

int poll_remove_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	uint32_t flags = sqe->len;

	if (sqe->buf_index || sqe->splice_fd_in)
		return -EINVAL;
	if (flags & ~(IORING_POLL_UPDATE_EVENTS | IORING_POLL_UPDATE_USER_DATA |
		      IORING_POLL_ADD_MULTI))
		return -EINVAL;
	if (flags == IORING_POLL_ADD_MULTI)
		return -EINVAL;
	req->poll.target = sqe->addr;
	req->poll.upd_flags = flags;
	req->poll.new_user_data = sqe->off;
	if (!(flags & IORING_POLL_UPDATE_USER_DATA) && sqe->off)
		return -EINVAL;
	if (flags & IORING_POLL_UPDATE_EVENTS)
		req->poll.new_events = parse_events(sqe);
	else if (sqe->poll32_events)
		return -EINVAL;
	req->poll.epfd = -1;
	return 0;
}

int poll_remove_issue(struct req *req, unsigned issue_flags)
{
	struct ring *r = req->ring;
	uint32_t upd = req->poll.upd_flags;
	struct req *t;
	bool disarmed;

	pthread_mutex_lock(&r->poll_lock);
	for (t = r->polls; t; t = t->list_next)
		if (t->user_data == req->poll.target && t->opcode == IORING_OP_POLL_ADD)
			break;
	if (!t) {
		pthread_mutex_unlock(&r->poll_lock);
		req->res = -ENOENT;
		return ISSUE_DONE;
	}
	disarmed = reactor_cancel(r->reactor, &t->rent);
	if (!disarmed) {
		/* it is firing right now */
		if (t->poll.multi && !(upd & (IORING_POLL_UPDATE_EVENTS |
					      IORING_POLL_UPDATE_USER_DATA)))
			t->poll.cancelled = true;
		pthread_mutex_unlock(&r->poll_lock);
		req->res = -EALREADY;
		return ISSUE_DONE;
	}
	poll_unlink(r, t);
	pthread_mutex_unlock(&r->poll_lock);

	if (upd & (IORING_POLL_UPDATE_EVENTS | IORING_POLL_UPDATE_USER_DATA)) {
		if (upd & IORING_POLL_UPDATE_EVENTS) {
			t->poll.events = req->poll.new_events;
			t->poll.multi = upd & IORING_POLL_ADD_MULTI;
		}
		if (upd & IORING_POLL_UPDATE_USER_DATA)
			t->user_data = req->poll.new_user_data;
		poll_cleanup(t);
		t->flags &= ~REQ_F_NEED_CLEANUP;
		req_issue(t, ISSUE_F_NONBLOCK); /* re-armed with the new values */
	} else {
		/* after the remover's own CQE, as the kernel's task work posts it */
		t->res = -ECANCELED;
		t->cflags = 0;
		req_complete_deferred(t);
	}
	req->res = 0;
	return ISSUE_DONE;
}

/* Teardown, after the reactor is gone: anything still on the poll list. */
void poll_cancel_all(struct ring *r)
{
	for (;;) {
		struct req *t;

		pthread_mutex_lock(&r->poll_lock);
		t = r->polls;
		if (t)
			poll_unlink(r, t);
		pthread_mutex_unlock(&r->poll_lock);
		if (!t)
			break;
		poll_complete(t, -ECANCELED);
	}
}
