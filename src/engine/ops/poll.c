// SPDX-License-Identifier: MIT
/*
 * IORING_OP_POLL_ADD and IORING_OP_POLL_REMOVE (the kernel's poll.c).
 *
 * One-shot: a poll(2) with no timeout at issue; if nothing is ready the
 * request waits as a native AIO poll (IOCB_CMD_POLL).  The kernel's io_uring
 * poll takes its result from the wake-up itself (the mask the waker passes),
 * so a pipe written and read straight back completes the polls armed on it;
 * poll(2) and epoll look at the file again when they run and would find
 * nothing.  An AIO poll is the user-space way to the same: it sits on the
 * file's wait queue and completes in the waker's context with the waker's
 * mask.  The AIO poll service (aio_poll.c, aio.h) holds the context and
 * its waiter thread, and hands each event back through poll_aio_event(),
 * the table's aio_poll_event hook.  Without AIO (io_setup refused, a forked
 * child) one-shot polls wait in the reactor (poll(2)).
 *
 * MULTI: the kernel's multishot poll stays on the wait queue and posts a CQE
 * per wake-up.  While the file is not ready the engine's waits as an AIO
 * poll, re-armed after each CQE; while it is still ready (what the last CQE
 * announced not yet consumed) an AIO poll would complete at once for the
 * readiness already reported, so it waits in a private edge-triggered epoll
 * set (multi_wait()), which waits with every other such set in the ring's
 * mset, one epoll set the reactor watches (mset_wait()).  A readiness that
 * comes and goes while it waits there is missed (a divergence); without AIO
 * it always waits there.
 *
 * Armed polls sit on ring->polls and in ring->poll_hash (poll_lock), so
 * that POLL_REMOVE finds one by user_data without a walk; an AIO poll's
 * token (req_poll(req)->tok) says, under poll_lock, that its request still
 * waits for it.
 *
 * res is the ready mask restricted to the requested events plus
 * POLLERR | POLLHUP | POLLNVAL | POLLRDHUP, as the kernel reports it.  A file
 * without poll support (regular files, directories) is always ready for
 * POLLIN/POLLOUT; asked for nothing of that, the kernel says -EINVAL.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/aio.h"
#include "engine/cancel.h"
#include "engine/ops/poll.h"
#include "engine/sys.h"
#include "engine/thread.h"
#include "engine/trace.h"

#define POLL_UNMASK (POLLERR | POLLHUP | POLLNVAL | POLLRDHUP)

static uint32_t parse_events(const struct io_uring_sqe *sqe)
{
	/* little-endian host: poll32_events needs no swap; poll(2) bits only */
	return sqe->poll32_events & 0xffff;
}

int poll_add_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	uint32_t flags = sqe->len;

	req_poll(req)->epfd = -1;
	req_poll(req)->tok = NULL;
	req_poll(req)->own_evfd = false;
	req_poll(req)->in_mset = false;
	req_poll(req)->mwait = false;
	if (sqe->addr || sqe->off || sqe->buf_index)
		return -EINVAL;
	if (flags & ~IORING_POLL_ADD_MULTI)
		return -EINVAL;
	if ((flags & IORING_POLL_ADD_MULTI) && (req->flags & REQ_F_CQE_SKIP))
		return -EINVAL;
	req_poll(req)->events = parse_events(sqe);
	/* the kernel keeps EPOLLONESHOT from poll32_events: such a poll ends
	 * at its first event, MULTI or not */
	req_poll(req)->multi = (flags & IORING_POLL_ADD_MULTI) &&
			       !(sqe->poll32_events & EPOLLONESHOT);
	req_poll(req)->cancelled = false;
	return 0;
}

void poll_cleanup(struct req *req)
{
	if (req_poll(req)->epfd >= 0)
		sys_close(req_poll(req)->epfd);
	req_poll(req)->epfd = -1;
}

static unsigned hash_of(uint64_t user_data)
{
	return (unsigned)((user_data * 0x9E3779B97F4A7C15ULL) >> 56) % POLL_HASH_SIZE;
}

/* ---- the ring's multishot set ---------------------------------------------- */

/*
 * A multishot poll whose file is still ready waits for its next wake-up in
 * its own edge-triggered epoll set (poll_state.epfd, see multi_wait()).
 * Those sets wait in turn in one epoll set per ring, the mset (data: the
 * request), one-shot: enabled (EPOLL_CTL_MOD) when the request starts to
 * wait there, reported once when its own set has an edge; and one reactor
 * entry waits on the mset for all of them.  An entry per request made the
 * reactor poll(2) every armed set at each wake-up and rebuild its array at
 * each re-arming: with thousands armed, every edge cost thousands of fds.
 * The mset's events are taken and handled under poll_lock, and a request
 * leaves it (EPOLL_CTL_DEL) under poll_lock before it can end, so an event
 * never names a request that is gone.
 */
struct poll_mset {
	struct ring *ring;
	int epfd;
	unsigned nr_wait; /* requests enabled in it */
	bool armed; /* rent is in the reactor (or its fn not yet in poll_lock) */
	bool firing; /* mset_fire() takes its events: it arms rent at the end */
	struct reactor_entry rent;
};

#define MSET_BATCH 64

static void mset_fire(struct reactor_entry *e, uint32_t revents);

/* poll_lock held: the ring's mset, created on first use; NULL: no memory
 * or no fd */
static struct poll_mset *mset_get(struct ring *r)
{
	struct poll_mset *m = r->poll_mset;

	if (m)
		return m;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->epfd = sys_fd_move_high(sys_epoll_create1(EPOLL_CLOEXEC));
	if (m->epfd < 0) {
		free(m);
		return NULL;
	}
	m->ring = r;
	r->poll_mset = m;
	return m;
}

/* poll_lock held: the reactor watches the mset while requests wait in it.
 * drained: mset_fire() just took every event the mset had, so an edge wakes
 * it for what comes next (reactor_entry.rearm: no system call). */
static int mset_arm(struct ring *r, struct poll_mset *m, bool drained)
{
	int ret;

	if (m->armed || m->firing || !m->nr_wait)
		return 0;
	m->rent.fd = m->epfd;
	m->rent.events = POLLIN;
	m->rent.fn = mset_fire;
	m->rent.rearm = drained;
	ret = ring_arm_reactor(r, &m->rent);
	if (!ret)
		m->armed = true;
	return ret;
}

/* poll_lock held: req (in the mset) leaves it; with nothing left waiting the
 * reactor lets go of it (a quiet ring holds no reactor thread) */
static void mset_leave(struct ring *r, struct req *req)
{
	struct poll_mset *m = r->poll_mset;

	sys_epoll_ctl(m->epfd, EPOLL_CTL_DEL, req_poll(req)->epfd, NULL);
	req_poll(req)->in_mset = false;
	if (!req_poll(req)->mwait)
		return;
	req_poll(req)->mwait = false;
	/* a cancel that fails finds mset_fire() on its way: it re-arms only
	 * for requests still waiting */
	if (!--m->nr_wait && m->armed && r->reactor && reactor_cancel(r->reactor, &m->rent))
		m->armed = false;
}

bool poll_mset_cancelled(struct reactor_entry *e)
{
	struct poll_mset *m;

	if (e->fn != mset_fire)
		return false;
	m = (struct poll_mset *)((char *)e - offsetof(struct poll_mset, rent));
	pthread_mutex_lock(&m->ring->poll_lock);
	m->armed = false;
	pthread_mutex_unlock(&m->ring->poll_lock);
	return true;
}

/* poll_lock held: req, linked, waits in the mset for its own set's next
 * edge (one ready now is reported at once).  0, or -errno: the caller ends
 * it (poll_unlink() takes it out). */
static int mset_wait(struct req *req)
{
	struct ring *r = req->ring;
	struct poll_mset *m = mset_get(r);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT, .data.ptr = req };
	int ret;

	if (!m)
		return -ENOMEM;
	ret = sys_epoll_ctl(m->epfd, req_poll(req)->in_mset ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
			    req_poll(req)->epfd, &ev);
	if (ret)
		return ret;
	req_poll(req)->in_mset = true;
	req_poll(req)->mwait = true;
	m->nr_wait++;
	/* before: the reactor may post its CQE as soon as poll_lock is dropped */
	req_count_async(req);
	return mset_arm(r, m, false);
}

/* poll_lock held */
static void poll_link(struct ring *r, struct req *req)
{
	struct req **b = &r->poll_hash[hash_of(req->user_data)];

	req_list_add(&r->polls, req);
	req_poll(req)->hprev = NULL;
	req_poll(req)->hnext = *b;
	if (*b)
		req_poll(*b)->hprev = req;
	*b = req;
	req->flags |= REQ_F_POLL_ARMED;
}

/* poll_lock held */
static void poll_unlink(struct ring *r, struct req *req)
{
	if (!(req->flags & REQ_F_POLL_ARMED))
		return;
	req_list_del(&r->polls, req);
	if (req_poll(req)->hprev)
		req_poll(req_poll(req)->hprev)->hnext = req_poll(req)->hnext;
	else
		r->poll_hash[hash_of(req->user_data)] = req_poll(req)->hnext;
	if (req_poll(req)->hnext)
		req_poll(req_poll(req)->hnext)->hprev = req_poll(req)->hprev;
	req_poll(req)->hnext = req_poll(req)->hprev = NULL;
	req->flags &= ~REQ_F_POLL_ARMED;
	if (req_poll(req)->in_mset)
		mset_leave(r, req);
}

void poll_disarmed(struct req *req)
{
	struct ring *r = req->ring;

	pthread_mutex_lock(&r->poll_lock);
	poll_unlink(r, req);
	pthread_mutex_unlock(&r->poll_lock);
}

static uint32_t interest(struct req *req)
{
	return req_poll(req)->events | POLL_UNMASK;
}

/* Complete a poll request: inline batch in the submitting thread, else now. */
static void poll_complete(struct req *req, int32_t res)
{
	req->res = res;
	req->cflags = 0;
	req_complete(req);
}

/* ---- AIO polls (aio_poll.c) ----------------------------------------------- */

/*
 * A signalfd's readiness is the pending signals of the task that polls it:
 * an AIO poll is looked at again from a kernel worker when woken, which has
 * none, so it would never complete (liburing's sigfd-deadlock hung).  The
 * reactor's poll(2) runs in a thread of the process and sees the signals
 * sent to the process.
 */
static bool poll_needs_own_task(int fd)
{
	char path[40], link[32];
	struct stat st;
	ssize_t n;

	/* a signalfd is an anonymous inode (no file type bits): a pipe, a
	 * socket or a file is told apart without a readlink per arming */
	if (sys_fstat(fd, &st) < 0 || (st.st_mode & S_IFMT))
		return false;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = sys_readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return false;
	link[n] = 0;
	return !strcmp(link, "anon_inode:[signalfd]");
}

/* poll_lock held, aio_poll_ready(): send req's AIO poll (its token again, or
 * a new one); 0 or -errno from io_submit (-EINVAL: the file has no poll
 * support), -EAGAIN: wait some other way */
static int aio_submit_poll(struct req *req)
{
	if (!req_poll(req)->tok && poll_needs_own_task(req->rfd))
		return -EAGAIN; /* the reactor's way */
	return aio_poll_arm(req, &req_poll(req)->tok, req_poll(req)->events | POLLRDHUP,
			    req_poll(req)->multi);
}

/*
 * Arm a one-shot req as an AIO poll: 0 armed (it is on the poll list), 1 the
 * file has no poll support and nothing asked for is ready (the kernel's
 * -EINVAL), -EBADF, or another -errno: wait some other way.
 */
static int aio_arm(struct req *req)
{
	struct ring *r = req->ring;
	int ret;

	pthread_mutex_lock(&r->poll_lock);
	ret = aio_submit_poll(req);
	if (!ret)
		poll_link(r, req);
	pthread_mutex_unlock(&r->poll_lock);
	return ret == -EINVAL ? 1 : ret;
}

/* poll_lock held: req no longer waits for its AIO poll's token */
static void aio_drop(struct req *req)
{
	if (req_poll(req)->tok)
		aio_poll_free(req->ring, req_poll(req)->tok); /* clears tok */
}

static bool multi_event(struct req *req, uint32_t mask, bool from_aio, int32_t *final);

/* The aio_poll_event hook (poll_lock held): req's AIO poll completed with
 * res, the waker's mask or what a look found.  true: it ends with req->res. */
bool poll_aio_event(struct req *req, long res)
{
	uint32_t mask = (res < 0 ? (uint32_t)POLLERR : (uint32_t)res) & interest(req);

	if (req_poll(req)->multi) {
		int32_t final;

		if (!multi_event(req, mask, true, &final))
			return false;
		req->res = final;
	} else {
		aio_drop(req);
		poll_unlink(req->ring, req);
		req->res = (int32_t)(mask ? mask : (uint32_t)res);
	}
	req->cflags = 0;
	return true;
}

/* Does fd's file have poll support (the kernel's file_can_poll)?  epoll
 * refuses a file without (EPERM). */
static bool file_can_poll(int fd)
{
	struct epoll_event ev = { .events = 0 };
	int epfd = sys_epoll_create1(EPOLL_CLOEXEC), ret;

	if (epfd < 0)
		return true; /* cannot tell: wait for it */
	ret = sys_epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
	sys_close(epfd);
	return ret != -EPERM;
}

/* ---- the reactor's way (no AIO) ---------------------------------------------- */

/* Is something asked for ready now? */
static bool level_ready(struct req *req)
{
	int revents = sys_poll_now(req->rfd, (short)(req_poll(req)->events | POLLRDHUP));

	return revents > 0 && (revents & interest(req));
}

/*
 * poll_lock held: a multishot poll waits for its next wake-up.  The kernel's
 * stays on the wait queue and posts a CQE per wake-up.  With the file not
 * ready, an AIO poll is that: it completes from the next wake-up, even one
 * whose readiness is gone by the time anyone looks.  With the file still
 * ready (the program has not consumed what the last CQE announced), an AIO
 * poll would complete at once for the readiness already reported: then the
 * edge-triggered epoll set waits for the next wake-up (its edges hold none
 * already reported: see multi_event()).
 * 0, or -errno: the caller ends the request.
 */
static int multi_wait(struct req *req)
{
	if (aio_poll_ready(req->ring) && !level_ready(req)) {
		int ret = aio_submit_poll(req);

		if (!ret || ret == -EBADF)
			return ret;
	}
	aio_drop(req);
	return mset_wait(req);
}

/* poll_lock held: drop the edges req's own set holds (it watches one file:
 * one event at most) */
static void drop_edges(struct req *req)
{
	struct epoll_event ev;
	int n;

	do
		n = sys_epoll_wait(req_poll(req)->epfd, &ev, 1, 0);
	while (n == -EINTR);
}

/*
 * poll_lock held: a multishot poll saw mask (0: nothing after all).  Post
 * its CQE with F_MORE and wait again; true when it ends instead (the caller
 * unlocks and completes it with *final; it is off the poll list).
 */
static bool multi_event(struct req *req, uint32_t mask, bool from_aio, int32_t *final)
{
	struct ring *r = req->ring;
	unsigned snap;
	int ret;

	if (req_poll(req)->cancelled) {
		*final = -ECANCELED;
		goto end;
	}
	/*
	 * The AIO poll's wake-up left an edge in the request's own set too:
	 * dropped before the CQE is posted, not after.  From the CQE on, the
	 * program may consume what it announces and make the file ready
	 * again, and that wake-up's edge is the one the set must keep (the
	 * kernel posts a CQE for it).  One before now is part of this CQE,
	 * as the kernel's poll folds wake-ups that come before it runs.
	 */
	if (from_aio)
		drop_edges(req);
	if (mask) {
		/*
		 * The kernel signals its eventfd with EPOLL_URING_WAKE, and a
		 * multishot poll woken so ends (its CQE would signal the
		 * eventfd again, forever).  The engine counts its signals: one
		 * since the poll was armed or posted its last CQE means such a
		 * wake-up.
		 */
		snap = evfd_signal_count(r);
		*final = (int32_t)mask;
		if (req_poll(req)->own_evfd && snap != req_poll(req)->evfd_snap)
			goto end;
		/* the CQ full: a multishot ends with a final CQE (it overflows) */
		if (!req_post_more(req, (int32_t)mask, IORING_CQE_F_MORE))
			goto end;
		/* and that CQE signalled the eventfd: a wake-up by the ring */
		if (req_poll(req)->own_evfd && evfd_signal_count(r) != snap)
			goto end;
		req_poll(req)->evfd_snap = snap;
	}
	ret = multi_wait(req);
	if (!ret)
		return false;
	*final = ret == -EBADF ? -EBADF : -ECANCELED;
end:
	aio_drop(req);
	poll_unlink(r, req);
	return true;
}

/* A one-shot poll waiting in the reactor is ready. */
static void poll_fire(struct reactor_entry *e, uint32_t revents)
{
	struct req *req = (struct req *)((char *)e - offsetof(struct req, rent));
	struct ring *r = req->ring;
	uint32_t mask;

	engine_thread_ctx = CTX_REACTOR;
	pthread_mutex_lock(&r->poll_lock);
	poll_unlink(r, req);
	pthread_mutex_unlock(&r->poll_lock);
	mask = revents & interest(req);
	poll_complete(req, (int32_t)(mask ? mask : revents));
}

/* poll_lock held: the mset reported req, its own set has an edge (or had:
 * 0, nothing after all).  As multi_event(). */
static bool multi_fire(struct req *req, int32_t *final)
{
	uint32_t mask = 0;

	for (;;) {
		struct epoll_event ev;
		int n = sys_epoll_wait(req_poll(req)->epfd, &ev, 1, 0);

		if (n == -EINTR)
			continue;
		if (n > 0)
			mask = ev.events & interest(req);
		break;
	}
	return multi_event(req, mask, false, final);
}

/*
 * The mset is readable: each request it reports posts its CQE and waits
 * again.  Those that end complete once poll_lock is dropped (a linked
 * request issued from there may arm a poll).
 */
static void mset_fire(struct reactor_entry *e, uint32_t revents)
{
	struct poll_mset *m = (struct poll_mset *)((char *)e - offsetof(struct poll_mset, rent));
	struct ring *r = m->ring;
	struct epoll_event evs[MSET_BATCH];
	struct req *done = NULL, *req;
	int n;

	(void)revents;
	engine_thread_ctx = CTX_REACTOR;
	pthread_mutex_lock(&r->poll_lock);
	m->armed = false;
	m->firing = true;
	do {
		n = sys_epoll_wait(m->epfd, evs, MSET_BATCH, 0);
		for (int i = 0; i < n; i++) {
			int32_t final;

			req = evs[i].data.ptr;
			/* reported once per enabling: it is waiting */
			if (!req_poll(req)->mwait)
				continue;
			req_poll(req)->mwait = false;
			m->nr_wait--;
			if (multi_fire(req, &final)) {
				/* off the poll list: list_next is free */
				req->res = final;
				req->list_next = done;
				done = req;
			}
		}
	} while (n == MSET_BATCH || n == -EINTR);
	/* fails only when the ring goes away: poll_cancel_all() ends those
	 * still waiting */
	m->firing = false;
	mset_arm(r, m, n >= 0);
	pthread_mutex_unlock(&r->poll_lock);
	while ((req = done)) {
		done = req->list_next;
		req->list_next = NULL;
		poll_complete(req, req->res);
	}
}

/*
 * 0 armed, 1 the file has no poll support, -EMFILE no fd (or memory) for the
 * ring's mset or the request's own set, another -errno: it ends with that.
 */
static int poll_arm_multi(struct req *req)
{
	struct ring *r = req->ring;
	struct epoll_event ev = { .events = interest(req) | EPOLLET };
	struct poll_mset *m;
	int ret;

	if (req_poll(req)->epfd < 0) {
		/* the mset before the request's own set: made later, when the
		 * file is still ready after a CQE, it may find no fd left */
		pthread_mutex_lock(&r->poll_lock);
		m = mset_get(r);
		pthread_mutex_unlock(&r->poll_lock);
		if (!m)
			return -EMFILE;
		req_poll(req)->own_evfd = evfd_is_registered(r, req->rfd);
		req_poll(req)->evfd_snap = evfd_signal_count(r);
		req_poll(req)->epfd = sys_fd_move_high(sys_epoll_create1(EPOLL_CLOEXEC));
		if (req_poll(req)->epfd < 0)
			return req_poll(req)->epfd;
		req->flags |= REQ_F_NEED_CLEANUP;
		/* the set watches a file, not a number: the request holds it */
		req_hold_file(req);
		ret = sys_epoll_ctl(req_poll(req)->epfd, EPOLL_CTL_ADD, req->rfd, &ev);
		if (ret == -EPERM)
			return 1; /* not pollable (a regular file): a one-shot result, see below */
		if (ret)
			return ret;
	}
	pthread_mutex_lock(&r->poll_lock);
	poll_link(r, req);
	/* ready now: the set's first edge is picked up by the reactor at once */
	ret = multi_wait(req);
	if (ret) {
		aio_drop(req);
		poll_unlink(r, req);
	}
	pthread_mutex_unlock(&r->poll_lock);
	return ret;
}

/* POLL_ADD on a ring's own fd is answered by the ring file (a memfd: ready). */
int poll_add_ring_file(struct req *req)
{
	req->rfd = req->fd;
	return 0;
}

int poll_add_issue(struct req *req, unsigned issue_flags)
{
	struct ring *r = req->ring;
	bool aio;
	int revents, ret = req_resolve_file(req);

	if (ret) {
		req->res = ret;
		return ISSUE_DONE;
	}
	if (req_poll(req)->multi) {
		ret = poll_arm_multi(req);
		/*
		 * No fd for its epoll sets (RLIMIT_NOFILE): the kernel's poll
		 * needs none, and failing it with -EMFILE is a result it never
		 * gives (a program that re-arms on it spins).  It waits as a
		 * one-shot poll instead, its CQE without IORING_CQE_F_MORE:
		 * the multishot has ended, which a program must always expect.
		 */
		if (ret == -EMFILE || ret == -ENFILE)
			ret = 1;
		if (ret < 0) {
			req->res = ret;
			return ISSUE_DONE;
		}
		if (!ret)
			return ISSUE_QUEUED;
		/* the kernel ends a multishot poll on a file without poll
		 * support at once; one without fds ends at its first CQE */
		req_poll(req)->multi = false;
	}
	aio = aio_poll_ready(r);
	revents = sys_poll_now(req->rfd, (short)(req_poll(req)->events | POLLRDHUP));
	if (revents < 0) {
		req->res = revents;
		return ISSUE_DONE;
	}
	if (revents & POLLNVAL) {
		req->res = -EBADF;
		return ISSUE_DONE;
	}
	if (revents & interest(req)) {
		req->res = (int32_t)(revents & interest(req));
		return ISSUE_DONE;
	}
	if (aio) {
		ret = aio_arm(req);
		if (ret == 0)
			return ISSUE_QUEUED;
		if (ret == 1 || ret == -EBADF) {
			req->res = ret == 1 ? -EINVAL : ret;
			return ISSUE_DONE;
		}
		/* no room in the context: the reactor's way */
	}
	if (!file_can_poll(req->rfd)) {
		/* nothing asked for can ever come: the kernel refuses it */
		req->res = -EINVAL;
		return ISSUE_DONE;
	}
	pthread_mutex_lock(&r->poll_lock);
	poll_link(r, req);
	req->rent.fd = req->rfd;
	req->rent.fn = poll_fire;
	ret = req_arm_poll(req, req_poll(req)->events | POLLRDHUP);
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
	req_poll(req)->target = sqe->addr;
	req_poll(req)->upd_flags = flags;
	req_poll(req)->new_user_data = sqe->off;
	if (!(flags & IORING_POLL_UPDATE_USER_DATA) && sqe->off)
		return -EINVAL;
	if (flags & IORING_POLL_UPDATE_EVENTS)
		req_poll(req)->new_events = parse_events(sqe);
	else if (sqe->poll32_events)
		return -EINVAL;
	req_poll(req)->epfd = -1;
	return 0;
}

/*
 * poll_lock held: the armed POLL_ADD that cd names (cancel_match()), or
 * NULL.  By user_data alone its hash chain has it; other keys walk the list.
 */
static struct req *poll_find(struct ring *r, const struct cancel_data *cd)
{
	unsigned keys = IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_OP | IORING_ASYNC_CANCEL_ANY;
	struct req *t;

	if (!(cd->flags & keys)) {
		for (t = r->poll_hash[hash_of(cd->data)]; t; t = req_poll(t)->hnext)
			if (t->opcode == IORING_OP_POLL_ADD && cancel_match(t, cd))
				return t;
		return NULL;
	}
	for (t = r->polls; t; t = t->list_next)
		if (t->opcode == IORING_OP_POLL_ADD && cancel_match(t, cd))
			return t;
	return NULL;
}

/* poll_lock held: stop t's wait; false if it is firing right now */
static bool poll_disarm(struct ring *r, struct req *t)
{
	if (req_poll(t)->tok) {
		aio_poll_cancel(r, req_poll(t)->tok); /* clears tok */
		return true;
	}
	/* in the mset its events are handled under poll_lock: never firing now */
	if (req_poll(t)->mwait)
		return true;
	return reactor_cancel(r->reactor, &t->rent);
}

/*
 * An update of a multishot poll keeps its epoll set, which watches the same
 * file: the new events replace the old (a file ready for them gives the set
 * a new edge).  A program that updates many polls often (liburing's
 * poll-mshot-update) paid a set made and closed per update.  false: no set
 * to keep, the poll is armed afresh.
 */
static bool multi_set_events(struct req *t)
{
	struct epoll_event ev = { .events = interest(t) | EPOLLET };

	if (!req_poll(t)->multi || req_poll(t)->epfd < 0)
		return false;
	return !sys_epoll_ctl(req_poll(t)->epfd, EPOLL_CTL_MOD, t->rfd, &ev);
}

int poll_remove_issue(struct req *req, unsigned issue_flags)
{
	struct ring *r = req->ring;
	uint32_t upd = req_poll(req)->upd_flags;
	struct cancel_data cd = { .ring = r, .data = req_poll(req)->target };
	struct req *t;
	bool disarmed;

	pthread_mutex_lock(&r->poll_lock);
	t = poll_find(r, &cd);
	if (!t) {
		pthread_mutex_unlock(&r->poll_lock);
		req->res = -ENOENT;
		return ISSUE_DONE;
	}
	disarmed = poll_disarm(r, t);
	if (!disarmed) {
		/* it is firing right now */
		if (req_poll(t)->multi && !(upd & (IORING_POLL_UPDATE_EVENTS |
					      IORING_POLL_UPDATE_USER_DATA)))
			req_poll(t)->cancelled = true;
		pthread_mutex_unlock(&r->poll_lock);
		req->res = -EALREADY;
		return ISSUE_DONE;
	}
	poll_unlink(r, t);
	pthread_mutex_unlock(&r->poll_lock);

	if (upd & (IORING_POLL_UPDATE_EVENTS | IORING_POLL_UPDATE_USER_DATA)) {
		/*
		 * The kernel replaces the event bits only: a multishot poll
		 * stays one and a one-shot stays one-shot, whatever the
		 * update's IORING_POLL_ADD_MULTI says.
		 */
		if (upd & IORING_POLL_UPDATE_EVENTS)
			req_poll(t)->events = req_poll(req)->new_events;
		if (upd & IORING_POLL_UPDATE_USER_DATA)
			t->user_data = req_poll(req)->new_user_data;
		if (!multi_set_events(t)) {
			poll_cleanup(t);
			t->flags &= ~REQ_F_NEED_CLEANUP;
		}
		/* re-armed at once with the new values (a removal behind it
		 * finds it); one ready now completes after the updater's own
		 * CQE, as the kernel's task work posts it, and one that cannot
		 * be re-armed is cancelled */
		if (poll_add_issue(t, ISSUE_F_NONBLOCK) == ISSUE_DONE) {
			if (t->res < 0)
				t->res = -ECANCELED;
			t->cflags = 0;
			req_complete_deferred(t);
		}
	} else {
		/* after the remover's own CQE, as the kernel's task work posts it */
		t->res = -ECANCELED;
		t->cflags = 0;
		req_complete_deferred(t);
	}
	req->res = 0;
	return ISSUE_DONE;
}

/*
 * The cancel family function of the armed polls (cancel.h).  A multishot
 * poll caught firing ends with -ECANCELED after that CQE (counted: it is
 * cancelled); a one-shot one completes with what it saw (-EALREADY).
 */
int poll_cancel(struct ring *r, const struct cancel_data *cd)
{
	unsigned keys = IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_OP | IORING_ASYNC_CANCEL_ANY;
	bool all = cd->flags & (IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_ANY);
	bool by_hash = !(cd->flags & keys), busy = false;
	struct req *done = NULL, *t, *nxt;
	int nr = 0;

	pthread_mutex_lock(&r->poll_lock);
	for (t = by_hash ? r->poll_hash[hash_of(cd->data)] : r->polls; t; t = nxt) {
		nxt = by_hash ? req_poll(t)->hnext : t->list_next;
		if (!cancel_match(t, cd) || req_poll(t)->cancelled)
			continue;
		if (poll_disarm(r, t)) {
			poll_unlink(r, t); /* list_next is free from here */
			t->list_next = done;
			done = t;
			nr++;
		} else if (req_poll(t)->multi) {
			req_poll(t)->cancelled = true;
			nr++;
		} else {
			busy = true;
		}
		if (!all)
			break;
	}
	pthread_mutex_unlock(&r->poll_lock);
	req_cancel_deferred(done);
	return nr ? nr : busy ? -EALREADY : 0;
}

/* Teardown, after the reactor is gone: anything still on the poll list. */
void poll_cancel_all(struct ring *r)
{
	struct poll_mset *m;

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
	/* every multishot left the mset with its unlink */
	pthread_mutex_lock(&r->poll_lock);
	m = r->poll_mset;
	r->poll_mset = NULL;
	pthread_mutex_unlock(&r->poll_lock);
	if (m) {
		sys_close(m->epfd);
		free(m);
	}
}
