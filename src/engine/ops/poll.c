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
 * mask.  Completions signal an eventfd the reactor waits on (IOCB_FLAG_RESFD)
 * and are also taken at every enter (poll_aio_run()), as the kernel runs its
 * task work there.  Without AIO (io_setup refused, a forked child) one-shot
 * polls wait in the reactor (poll(2)).
 *
 * MULTI: the fd goes into a private edge-triggered epoll set and the reactor
 * waits on that set, so each new readiness edge posts one CQE with
 * IORING_CQE_F_MORE, as the kernel's multishot poll stays on the wait queue
 * and fires per wake-up (an AIO poll, re-armed, would report the readiness
 * already reported).  A readiness gone again before the reactor looks is
 * missed there (a divergence).
 *
 * Armed polls sit on ring->polls (poll_lock) so that POLL_REMOVE can find
 * them by user_data; an AIO poll's token says, under poll_lock, whether its
 * request still waits for it.
 *
 * res is the ready mask restricted to the requested events plus
 * POLLERR | POLLHUP | POLLNVAL | POLLRDHUP, as the kernel reports it.  A file
 * without poll support (regular files, directories) is always ready for
 * POLLIN/POLLOUT; asked for nothing of that, the kernel says -EINVAL.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

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
	req->poll.tok = NULL;
	req->poll.own_evfd = false;
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

/* ---- AIO polls ------------------------------------------------------------ */

#define PA_REAP_MAX 32
#define PA_RING_MAGIC 0xa10a10a1U

/* The header of the kernel's AIO event ring (fs/aio.c struct aio_ring),
 * mapped at the context's address: read to tell whether events wait. */
struct pa_ring_hdr {
	unsigned id, nr, head, tail, magic, compat_features, incompat_features, header_length;
};

/* One AIO poll in flight.  Its event frees it (after io_cancel too). */
struct poll_tok {
	struct iocb cb;
	struct req *req; /* NULL: abandoned (POLL_REMOVE, update), poll_lock */
	struct poll_tok *next, *prev; /* pa->toks */
};

struct poll_aio {
	struct ring *ring;
	aio_context_t ctx;
	const struct pa_ring_hdr *hdr; /* NULL: a layout we do not know */
	int efd; /* signalled by every completion (IOCB_FLAG_RESFD) */
	unsigned gen; /* fork generation that made it */
	struct reactor_entry rent; /* the reactor's wait on efd */
	bool rent_armed; /* poll_lock */
	atomic_uint nr_toks; /* tokens in flight; written under poll_lock */
	struct poll_tok *toks; /* poll_lock */
	/* held while events are taken and handled: an enter that finds the
	 * reactor handling one waits until the multishot is armed again, as
	 * the kernel's enter returns after its task work */
	pthread_mutex_t reap_lock;
};

/* A fork leaves the context behind (its ring is not mapped in the child). */
static atomic_uint pa_fork_gen;
static pthread_once_t pa_fork_once = PTHREAD_ONCE_INIT;

static void pa_forked(void)
{
	atomic_fetch_add_explicit(&pa_fork_gen, 1, memory_order_relaxed);
}

static void pa_fork_hook(void)
{
	pthread_atfork(NULL, NULL, pa_forked);
}

static bool pa_ours(const struct poll_aio *pa)
{
	return pa->gen == atomic_load_explicit(&pa_fork_gen, memory_order_relaxed);
}

static void pa_fire(struct reactor_entry *e, uint32_t revents);

bool poll_aio_entry(const struct reactor_entry *e)
{
	return e->fn == pa_fire;
}

/* async_lock held */
static struct poll_aio *pa_create(struct ring *r)
{
	struct poll_aio *pa = calloc(1, sizeof(*pa));
	const struct pa_ring_hdr *hdr;
	/* polls armed at once before io_submit says EAGAIN (then: the reactor) */
	unsigned nr = r->cq_entries < 64 ? 64 : r->cq_entries > 1024 ? 1024 : r->cq_entries;

	if (!pa)
		return NULL;
	pthread_once(&pa_fork_once, pa_fork_hook);
	pa->ring = r;
	pthread_mutex_init(&pa->reap_lock, NULL);
	pa->gen = atomic_load_explicit(&pa_fork_gen, memory_order_relaxed);
	pa->efd = sys_fd_move_high(sys_eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	if (pa->efd < 0)
		goto fail;
	if (sys_io_setup(nr, &pa->ctx) < 0) {
		sys_close(pa->efd);
		goto fail;
	}
	hdr = (const struct pa_ring_hdr *)(uintptr_t)pa->ctx;
	if (hdr->magic == PA_RING_MAGIC && hdr->incompat_features == 0 &&
	    hdr->header_length == 32)
		pa->hdr = hdr;
	pa->rent.fd = pa->efd;
	pa->rent.events = POLLIN;
	pa->rent.fn = pa_fire;
	return pa;
fail:
	pthread_mutex_destroy(&pa->reap_lock);
	free(pa);
	return NULL;
}

/* The ring's AIO poll context, or NULL: polls wait in the reactor. */
static struct poll_aio *pa_get(struct ring *r)
{
	/* acquire: pairs with the release store below, the context is set up */
	struct poll_aio *pa = atomic_load_explicit(&r->poll_aio, memory_order_acquire);

	if (!pa) {
		pthread_mutex_lock(&r->async_lock);
		pa = atomic_load_explicit(&r->poll_aio, memory_order_relaxed);
		if (!pa && !r->poll_aio_off && !atomic_load_explicit(&r->dying, memory_order_relaxed)) {
			pa = pa_create(r);
			if (pa)
				atomic_store_explicit(&r->poll_aio, pa, memory_order_release);
			else
				r->poll_aio_off = true;
		}
		pthread_mutex_unlock(&r->async_lock);
	}
	return pa && pa_ours(pa) ? pa : NULL;
}

/* poll_lock held */
static void tok_free(struct poll_aio *pa, struct poll_tok *tok)
{
	if (tok->prev)
		tok->prev->next = tok->next;
	else
		pa->toks = tok->next;
	if (tok->next)
		tok->next->prev = tok->prev;
	atomic_store_explicit(&pa->nr_toks,
			      atomic_load_explicit(&pa->nr_toks, memory_order_relaxed) - 1,
			      memory_order_relaxed);
	free(tok);
}

/* poll_lock held: 0, or -errno from io_submit */
static int tok_submit(struct poll_aio *pa, struct poll_tok *tok)
{
	struct iocb *cb = &tok->cb;
	long ret;

	do
		ret = sys_io_submit(pa->ctx, 1, &cb);
	while (ret == -EINTR);
	return ret == 1 ? 0 : ret < 0 ? (int)ret : -EAGAIN;
}

/* poll_lock held: the reactor waits on efd while tokens are in flight */
static void pa_watch(struct ring *r, struct poll_aio *pa)
{
	if (!pa->rent_armed && atomic_load_explicit(&pa->nr_toks, memory_order_relaxed) &&
	    ring_reactor_arm(r, &pa->rent) == 0)
		pa->rent_armed = true;
}

/*
 * Arm req as an AIO poll: 0 armed (it is on the poll list), 1 the file has
 * no poll support and nothing asked for is ready (the kernel's -EINVAL),
 * -EBADF, or another -errno: wait some other way.
 */
static int pa_arm(struct req *req, struct poll_aio *pa)
{
	struct ring *r = req->ring;
	struct poll_tok *tok = calloc(1, sizeof(*tok));
	int ret;

	if (!tok)
		return -ENOMEM;
	tok->cb.aio_data = (uintptr_t)tok;
	tok->cb.aio_lio_opcode = IOCB_CMD_POLL;
	tok->cb.aio_fildes = (uint32_t)req->rfd;
	/* POLLERR and POLLHUP are always reported (the kernel adds them) */
	tok->cb.aio_buf = (req->poll.events | POLLRDHUP) & 0xffff;
	tok->cb.aio_flags = IOCB_FLAG_RESFD;
	tok->cb.aio_resfd = (uint32_t)pa->efd;
	tok->req = req;
	pthread_mutex_lock(&r->poll_lock);
	/* counted before: its completion may be taken by another thread as
	 * soon as poll_lock is dropped */
	req_count_async(req);
	ret = tok_submit(pa, tok);
	if (ret) {
		pthread_mutex_unlock(&r->poll_lock);
		free(tok);
		return ret == -EINVAL ? 1 : ret;
	}
	tok->next = pa->toks;
	if (pa->toks)
		pa->toks->prev = tok;
	pa->toks = tok;
	atomic_store_explicit(&pa->nr_toks,
			      atomic_load_explicit(&pa->nr_toks, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	req->poll.tok = tok;
	poll_link(r, req);
	pa_watch(r, pa);
	pthread_mutex_unlock(&r->poll_lock);
	return 0;
}

/* poll_lock held, tok is req's: it ends; the caller completes req */
static void pa_end(struct ring *r, struct poll_aio *pa, struct req *req)
{
	tok_free(pa, req->poll.tok);
	req->poll.tok = NULL;
	poll_unlink(r, req);
}

/* One AIO poll (one-shot) completed with res: the waker's mask, or what a
 * look found. */
static void pa_event(struct ring *r, struct poll_aio *pa, struct poll_tok *tok, long res)
{
	struct req *req;
	uint32_t mask;

	pthread_mutex_lock(&r->poll_lock);
	req = tok->req;
	if (!req) {
		tok_free(pa, tok); /* abandoned: its request is gone */
		pthread_mutex_unlock(&r->poll_lock);
		return;
	}
	mask = (res < 0 ? (uint32_t)POLLERR : (uint32_t)res) & interest(req);
	pa_end(r, pa, req);
	pthread_mutex_unlock(&r->poll_lock);
	poll_complete(req, (int32_t)(mask ? mask : (uint32_t)res));
}

/* Complete the AIO polls in the event ring. */
static void pa_reap(struct ring *r, struct poll_aio *pa)
{
	struct io_event ev[PA_REAP_MAX];
	long n;

	pthread_mutex_lock(&pa->reap_lock);
	do {
		struct timespec zero = { 0, 0 };

		n = sys_io_getevents(pa->ctx, 0, PA_REAP_MAX, ev, &zero, NULL);
		for (long i = 0; i < n; i++)
			pa_event(r, pa, (struct poll_tok *)(uintptr_t)ev[i].data, (long)ev[i].res);
	} while (n == PA_REAP_MAX);
	pthread_mutex_unlock(&pa->reap_lock);
}

/* The reactor: efd was signalled. */
static void pa_fire(struct reactor_entry *e, uint32_t revents)
{
	struct poll_aio *pa = (struct poll_aio *)((char *)e - offsetof(struct poll_aio, rent));
	struct ring *r = pa->ring;
	uint64_t cnt;

	(void)revents;
	engine_thread_ctx = CTX_REACTOR;
	/* before reaping: a completion after the reap signals it again */
	sys_read(pa->efd, &cnt, sizeof(cnt));
	pa_reap(r, pa);
	pthread_mutex_lock(&r->poll_lock);
	pa->rent_armed = false;
	pa_watch(r, pa);
	pthread_mutex_unlock(&r->poll_lock);
}

void poll_aio_run(struct ring *r)
{
	/* acquire: pairs with the release store in pa_get() */
	struct poll_aio *pa = atomic_load_explicit(&r->poll_aio, memory_order_acquire);

	if (!pa || !atomic_load_explicit(&pa->nr_toks, memory_order_relaxed) || !pa_ours(pa))
		return;
	/* the event ring is empty and nobody handles an event: nothing to do
	 * (the kernel writes the event, then the tail: a stale tail only
	 * leaves this event to the reactor) */
	if (pa->hdr && IO_URING_READ_ONCE(pa->hdr->head) == IO_URING_READ_ONCE(pa->hdr->tail) &&
	    pthread_mutex_trylock(&pa->reap_lock) == 0) {
		pthread_mutex_unlock(&pa->reap_lock);
		return;
	}
	pa_reap(r, pa);
}

/* Teardown, the reactor gone: cancel the AIO polls, free their tokens. */
static void pa_destroy(struct ring *r)
{
	struct poll_aio *pa = atomic_exchange_explicit(&r->poll_aio, NULL, memory_order_acquire);
	struct poll_tok *tok;

	if (!pa)
		return;
	/* cancels what is armed and waits for it: no event is reaped after */
	if (pa_ours(pa))
		sys_io_destroy(pa->ctx);
	pthread_mutex_lock(&r->poll_lock);
	while ((tok = pa->toks)) {
		if (tok->req)
			tok->req->poll.tok = NULL;
		tok_free(pa, tok);
	}
	pthread_mutex_unlock(&r->poll_lock);
	sys_close(pa->efd);
	pthread_mutex_destroy(&pa->reap_lock);
	free(pa);
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

/* The eventfd-id line of /proc/self/fdinfo/fd, or -1. */
static long eventfd_id(int fd)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = sys_open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -1;
	n = sys_read(f, buf, sizeof(buf) - 1);
	sys_close(f);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strstr(buf, "eventfd-id:");
	return p ? strtol(p + 11, NULL, 10) : -1;
}

/* Is fd the ring's registered eventfd (the same file)? */
static bool is_ring_evfd(struct ring *r, int fd)
{
	int evfd;
	long id;

	pthread_mutex_lock(&r->cq_lock);
	evfd = r->evfd;
	pthread_mutex_unlock(&r->cq_lock);
	if (evfd < 0)
		return false;
	id = eventfd_id(fd);
	return id >= 0 && id == eventfd_id(evfd);
}

/* ---- the reactor's way (no AIO) ---------------------------------------------- */

static void poll_fire(struct reactor_entry *e, uint32_t revents)
{
	struct req *req = (struct req *)((char *)e - offsetof(struct req, rent));
	struct ring *r = req->ring;
	uint32_t mask;
	unsigned snap;

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
		/*
		 * The kernel signals its eventfd with EPOLL_URING_WAKE, and a
		 * multishot poll woken so ends (its CQE would signal the eventfd
		 * again, forever).  The engine counts its signals: one since
		 * the poll was armed or posted its last CQE means such a wake.
		 */
		snap = atomic_load_explicit(&r->evfd_signals, memory_order_relaxed);
		if ((req->poll.own_evfd && snap != req->poll.evfd_snap) ||
		    !cq_post(r, req->user_data, (int32_t)mask, IORING_CQE_F_MORE, false)) {
			/* or the CQ is full: a multishot ends with a final CQE (it overflows) */
			poll_unlink(r, req);
			pthread_mutex_unlock(&r->poll_lock);
			poll_complete(req, (int32_t)mask);
			return;
		}
		req->poll.evfd_snap = snap;
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
		req->poll.own_evfd = is_ring_evfd(r, req->rfd);
		req->poll.evfd_snap = atomic_load_explicit(&r->evfd_signals, memory_order_relaxed);
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
	struct poll_aio *pa;
	struct pollfd pfd;
	int ret = req_resolve_file(req);

	if (ret) {
		req->res = ret;
		return ISSUE_DONE;
	}
	pa = req->poll.multi ? NULL : pa_get(r);
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
	if (pa && !req->poll.multi) {
		ret = pa_arm(req, pa);
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
	if (t->poll.tok) {
		struct poll_aio *pa = atomic_load_explicit(&r->poll_aio, memory_order_relaxed);
		struct io_event ev;

		/* abandoned under poll_lock: its event, now or after the cancel,
		 * only frees the token */
		t->poll.tok->req = NULL;
		sys_io_cancel(pa->ctx, &t->poll.tok->cb, &ev);
		t->poll.tok = NULL;
		disarmed = true;
	} else {
		disarmed = reactor_cancel(r->reactor, &t->rent);
	}
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
	pa_destroy(r);
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
