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
 * mask.  Completions are taken at every enter (poll_aio_run()), as the
 * kernel runs its task work there, and by a waiter thread sleeping in
 * io_getevents while AIO polls are in flight.  (No IOCB_FLAG_RESFD: with an
 * eventfd to signal, the kernel completes some polls from a workqueue, after
 * the waker, and an enter right after the wake-up would not see them.)
 * Without AIO (io_setup refused, a forked child) one-shot polls wait in the
 * reactor (poll(2)).
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
 * that POLL_REMOVE finds one by user_data without a walk; an AIO poll's token says, under poll_lock, whether its
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
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/cancel.h"
#include "engine/ops/poll.h"
#include "engine/sys.h"
#include "engine/thread.h"

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
	req_poll(req)->multi = flags & IORING_POLL_ADD_MULTI;
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

/* poll_lock held: the reactor watches the mset while requests wait in it */
static int mset_arm(struct ring *r, struct poll_mset *m)
{
	int ret;

	if (m->armed || !m->nr_wait)
		return 0;
	m->rent.fd = m->epfd;
	m->rent.events = POLLIN;
	m->rent.fn = mset_fire;
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
	return mset_arm(r, m);
}

/* poll_lock held */
static void poll_link(struct ring *r, struct req *req)
{
	struct req **b = &r->poll_hash[hash_of(req->user_data)];

	req->list_prev = NULL;
	req->list_next = r->polls;
	if (r->polls)
		r->polls->list_prev = req;
	r->polls = req;
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
	if (req->list_prev)
		req->list_prev->list_next = req->list_next;
	else
		r->polls = req->list_next;
	if (req->list_next)
		req->list_next->list_prev = req->list_prev;
	req->list_next = req->list_prev = NULL;
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

/* ---- AIO polls ------------------------------------------------------------ */

#define PA_REAP_MAX 32
#define PA_HOLD_NS 1000000L /* the waiter leaves events to an enter this long */
#define PA_RING_MAGIC 0xa10a10a1U

/* The header of the kernel's AIO event ring (fs/aio.c struct aio_ring),
 * mapped at the context's address: read to tell whether events wait. */
struct pa_ring_hdr {
	unsigned id, nr, head, tail, magic, compat_features, incompat_features, header_length;
};

/*
 * One AIO poll in flight.  Who owns it when:
 * - armed (submitted, its event not yet taken out of the AIO ring): the
 *   request, through req_poll(req)->tok; POLL_REMOVE may abandon it (req = NULL,
 *   io_cancel) but never frees it, since its event is still to come;
 * - its event taken out by the waiter (pa_waiter(), local array): the
 *   waiter alone; it may look at the token (poll_lock) until it puts the
 *   event in pa->held;
 * - its event in pa->held, or taken by an enter's pa_reap(): whoever holds
 *   reap_lock and handles it (pa_event_one()), which frees it (a one-shot,
 *   an abandoned one, a multishot that ends) or submits it again (a
 *   multishot re-armed: armed again, as above);
 * - teardown: pa_destroy() frees what is left once the context is destroyed
 *   and the waiter joined (no event can come any more).
 * Frees and req changes are under poll_lock.
 */
struct poll_tok {
	struct iocb cb;
	struct req *req; /* NULL: abandoned (POLL_REMOVE, update), poll_lock */
	struct poll_tok *next, *prev; /* pa->toks */
};

struct poll_aio {
	struct ring *ring;
	aio_context_t ctx;
	const struct pa_ring_hdr *hdr; /* NULL: a layout we do not know */
	unsigned gen; /* fork generation that made it */
	atomic_uint nr_toks; /* tokens in flight; written under poll_lock */
	struct poll_tok *toks; /* poll_lock */
	/* The waiter thread, while tokens are in flight (poll_lock): it
	 * sleeps in io_getevents.  exited: it left for idleness, to be joined. */
	pthread_t thread;
	bool running, exited, stop;
	/* events handled (pa_event()), under reap_lock: an enter waits until
	 * every event in the ring when it looked is, including those the
	 * waiter has taken out but not yet handled */
	atomic_uint_least64_t handled;
	unsigned ring_nr; /* events in the ring (hdr->nr) */
	/* events the waiter took out and has not handled yet (reap_lock):
	 * whoever reaps first handles them */
	struct io_event held[PA_REAP_MAX];
	unsigned nr_held;
	/* held while events are taken and handled: an enter that finds an
	 * event being handled waits until it is (a multishot armed again), as
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

/* async_lock held */
static struct poll_aio *pa_create(struct ring *r)
{
	struct poll_aio *pa = calloc(1, sizeof(*pa));
	const struct pa_ring_hdr *hdr;
	/*
	 * Polls armed at once before io_submit says EAGAIN; the rest wait in
	 * the reactor, which poll(2)s them all at each wake-up.  Armed polls
	 * are not bounded by the CQ (liburing's poll-many arms 5000 on a
	 * 1024-entry CQ): four per CQE, up to 4096.  The kernel charges about
	 * twice that to the system-wide fs.aio-max-nr (65536 by default); a
	 * context refused leaves the ring's polls to the reactor.
	 */
	unsigned nr = r->cq_entries < 16 ? 64 : r->cq_entries > 1024 ? 4096 : 4 * r->cq_entries;

	if (!pa)
		return NULL;
	pthread_once(&pa_fork_once, pa_fork_hook);
	pa->ring = r;
	pthread_mutex_init(&pa->reap_lock, NULL);
	pa->gen = atomic_load_explicit(&pa_fork_gen, memory_order_relaxed);
	if (sys_io_setup(nr, &pa->ctx) < 0)
		goto fail;
	hdr = (const struct pa_ring_hdr *)(uintptr_t)pa->ctx;
	if (hdr->magic == PA_RING_MAGIC && hdr->incompat_features == 0 &&
	    hdr->header_length == 32 && hdr->nr) {
		pa->hdr = hdr;
		pa->ring_nr = hdr->nr;
	}
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

static void *pa_waiter(void *arg);

/* poll_lock held: the waiter runs while tokens are in flight */
static void pa_watch(struct ring *r, struct poll_aio *pa)
{
	if (pa->running || pa->stop)
		return;
	if (pa->exited) {
		/* it has let go of poll_lock for good: the join is immediate */
		pthread_join(pa->thread, NULL);
		pa->exited = false;
	}
	if (engine_thread_create(&pa->thread, NULL, pa_waiter, pa) == 0)
		pa->running = true;
	/* else: the polls complete at the next enter that reaps */
}

/* poll_lock held: send req's AIO poll (its token again, or a new one);
 * 0 or -errno from io_submit (-EINVAL: the file has no poll support) */
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

static int pa_submit(struct req *req, struct poll_aio *pa)
{
	struct ring *r = req->ring;
	struct poll_tok *tok = req_poll(req)->tok;
	int ret;

	if (!tok && poll_needs_own_task(req->rfd))
		return -EAGAIN; /* the reactor's way */
	if (!tok) {
		tok = calloc(1, sizeof(*tok));
		if (!tok)
			return -ENOMEM;
		tok->cb.aio_data = (uintptr_t)tok;
		tok->cb.aio_lio_opcode = IOCB_CMD_POLL;
		tok->cb.aio_fildes = (uint32_t)req->rfd;
		/* POLLERR and POLLHUP are always reported (the kernel adds them) */
		tok->cb.aio_buf = (req_poll(req)->events | POLLRDHUP) & 0xffff;
		/* no IOCB_FLAG_RESFD: with an eventfd to signal, the kernel
		 * completes some of them from a workqueue, later, instead of in
		 * the waker */
		tok->req = req;
		tok->next = pa->toks;
		if (pa->toks)
			pa->toks->prev = tok;
		pa->toks = tok;
		atomic_store_explicit(&pa->nr_toks,
				      atomic_load_explicit(&pa->nr_toks, memory_order_relaxed) + 1,
				      memory_order_relaxed);
		req_poll(req)->tok = tok;
	}
	/* counted before: its completion may be taken by another thread as
	 * soon as poll_lock is dropped */
	req_count_async(req);
	ret = tok_submit(pa, tok);
	if (ret) {
		tok_free(pa, tok);
		req_poll(req)->tok = NULL;
		return ret;
	}
	pa_watch(r, pa);
	return 0;
}

/*
 * Arm a one-shot req as an AIO poll: 0 armed (it is on the poll list), 1 the
 * file has no poll support and nothing asked for is ready (the kernel's
 * -EINVAL), -EBADF, or another -errno: wait some other way.
 */
static int pa_arm(struct req *req, struct poll_aio *pa)
{
	struct ring *r = req->ring;
	int ret;

	pthread_mutex_lock(&r->poll_lock);
	ret = pa_submit(req, pa);
	if (!ret)
		poll_link(r, req);
	pthread_mutex_unlock(&r->poll_lock);
	return ret == -EINVAL ? 1 : ret;
}

/* poll_lock held, tok is req's: it ends; the caller completes req */
static void pa_end(struct ring *r, struct poll_aio *pa, struct req *req)
{
	tok_free(pa, req_poll(req)->tok);
	req_poll(req)->tok = NULL;
	poll_unlink(r, req);
}

static bool multi_event(struct req *req, uint32_t mask, bool from_aio, int32_t *final);

/* One AIO poll completed with res: the waker's mask, or what a look found. */
static void pa_event_one(struct ring *r, struct poll_aio *pa, struct poll_tok *tok, long res)
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
	if (req_poll(req)->multi) {
		int32_t final;
		bool end = multi_event(req, mask, true, &final);

		pthread_mutex_unlock(&r->poll_lock);
		if (end)
			poll_complete(req, final);
		return;
	}
	pa_end(r, pa, req);
	pthread_mutex_unlock(&r->poll_lock);
	poll_complete(req, (int32_t)(mask ? mask : (uint32_t)res));
}

/* reap_lock held: handle an event taken out of the ring */
static void pa_event(struct ring *r, struct poll_aio *pa, struct poll_tok *tok, long res)
{
	pa_event_one(r, pa, tok, res);
	/* release: pairs with the acquire loads in poll_aio_run(), what the
	 * handling posted is visible to an enter that sees the count */
	atomic_fetch_add_explicit(&pa->handled, 1, memory_order_release);
}

/* Complete the AIO polls in the event ring. */
static void pa_reap(struct ring *r, struct poll_aio *pa)
{
	struct io_event ev[PA_REAP_MAX];
	long n;

	pthread_mutex_lock(&pa->reap_lock);
	for (unsigned i = 0; i < pa->nr_held; i++)
		pa_event(r, pa, (struct poll_tok *)(uintptr_t)pa->held[i].data, (long)pa->held[i].res);
	pa->nr_held = 0;
	do {
		struct timespec zero = { 0, 0 };

		n = sys_io_getevents(pa->ctx, 0, PA_REAP_MAX, ev, &zero, NULL);
		for (long i = 0; i < n; i++)
			pa_event(r, pa, (struct poll_tok *)(uintptr_t)ev[i].data, (long)ev[i].res);
	} while (n == PA_REAP_MAX);
	pthread_mutex_unlock(&pa->reap_lock);
}

/* Is one of these events a multishot poll's?  Only for events the caller
 * alone holds (taken out of the ring, not yet in pa->held): their tokens
 * cannot be freed meanwhile. */
static bool held_multi(struct ring *r, const struct io_event *ev, long n)
{
	bool multi = false;

	pthread_mutex_lock(&r->poll_lock);
	for (long i = 0; i < n && !multi; i++) {
		const struct poll_tok *tok = (const struct poll_tok *)(uintptr_t)ev[i].data;

		multi = tok->req && req_poll(tok->req)->multi;
	}
	pthread_mutex_unlock(&r->poll_lock);
	return multi;
}

/* The waiter: completes the AIO polls when nobody enters; leaves after a
 * second with none in flight (a quiet ring holds no thread). */
static void *pa_waiter(void *arg)
{
	struct poll_aio *pa = arg;
	struct ring *r = pa->ring;

	pthread_setname_np(pthread_self(), "ringer-pollaio");
	engine_thread_ctx = CTX_REACTOR;
	for (;;) {
		struct io_event ev[PA_REAP_MAX];
		struct timespec ts = { 1, 0 };
		long n = sys_io_getevents(pa->ctx, 1, PA_REAP_MAX, ev, &ts, NULL);

		if (n > 0) {
			bool waited, multi;

			/*
			 * Look at the tokens now, while the events are only in
			 * ev: nobody else can handle them, so none of these
			 * tokens can be freed (a token is freed by handling its
			 * event, or by pa_destroy() after it joined us).  Once
			 * they are in pa->held, an enter's pa_reap() may handle
			 * them at any moment and free the tokens (a one-shot's,
			 * an abandoned one's, a multishot that ends): from then
			 * on ev[i].data must not be dereferenced here.
			 */
			multi = held_multi(r, ev, n);
			pthread_mutex_lock(&pa->reap_lock);
			memcpy(pa->held, ev, (size_t)n * sizeof(ev[0]));
			pa->nr_held = (unsigned)n;
			pthread_mutex_unlock(&pa->reap_lock);
			/*
			 * The kernel completes a poll in the submitter's task
			 * (its task work, at its next system call): a program
			 * that writes to a pipe and reads it back before it
			 * enters sees its multishot poll re-armed with the pipe
			 * empty.  For a multishot poll, unless the program
			 * sleeps in cq_wait() (it wants the CQE now), leave the
			 * events a moment to its next enter, which handles them.
			 */
			pthread_mutex_lock(&r->cq_lock);
			waited = r->waiters != NULL;
			pthread_mutex_unlock(&r->cq_lock);
			if (!waited && multi) {
				struct timespec pause = { 0, PA_HOLD_NS };

				nanosleep(&pause, NULL);
			}
			pa_reap(r, pa);
			continue;
		}
		pthread_mutex_lock(&r->poll_lock);
		/* -EINVAL: the context is destroyed (teardown) */
		if (pa->stop || n == -EINVAL ||
		    (n == 0 && !atomic_load_explicit(&pa->nr_toks, memory_order_relaxed))) {
			pa->running = false;
			pa->exited = true;
			pthread_mutex_unlock(&r->poll_lock);
			break;
		}
		pthread_mutex_unlock(&r->poll_lock);
		if (n < 0 && n != -EINTR) {
			struct timespec pause = { 0, 1000000 };

			nanosleep(&pause, NULL); /* a failing call (a fault test): no spin */
		}
	}
	return NULL;
}

void poll_aio_run(struct ring *r)
{
	/* acquire: pairs with the release store in pa_get() */
	struct poll_aio *pa = atomic_load_explicit(&r->poll_aio, memory_order_acquire);
	uint64_t done, target;
	unsigned tail;

	if (!pa || !atomic_load_explicit(&pa->nr_toks, memory_order_relaxed) || !pa_ours(pa))
		return;
	if (!pa->hdr) {
		pa_reap(r, pa);
		return;
	}
	/*
	 * The ring's tail counts the events posted (modulo its size), handled
	 * counts those handled; fewer than a ring's worth are in flight.  Read
	 * handled first: it cannot then exceed what the tail read after
	 * counts, so target is exactly the events posted by then.  acquire:
	 * pairs with the release increments in pa_event(), and (the tail) with
	 * the kernel's write of the event before the tail.
	 */
	done = atomic_load_explicit(&pa->handled, memory_order_acquire);
	tail = io_uring_smp_load_acquire(&pa->hdr->tail);
	target = done + (tail + pa->ring_nr - (unsigned)(done % pa->ring_nr)) % pa->ring_nr;
	while (atomic_load_explicit(&pa->handled, memory_order_acquire) < target) {
		/* ours to take, or the waiter's (taken out, being handled) */
		pa_reap(r, pa);
		if (atomic_load_explicit(&pa->handled, memory_order_acquire) >= target)
			break;
		sched_yield();
	}
}

/* Teardown, the reactor gone: cancel the AIO polls, free their tokens. */
static void pa_destroy(struct ring *r)
{
	/* acquire: pairs with the release store in pa_get() */
	struct poll_aio *pa = atomic_load_explicit(&r->poll_aio, memory_order_acquire);
	struct poll_tok *tok;
	bool join;

	if (!pa)
		return;
	pthread_mutex_lock(&r->poll_lock);
	pa->stop = true;
	join = pa->running || pa->exited;
	pthread_mutex_unlock(&r->poll_lock);
	/* cancels what is armed and waits for it; the waiter's io_getevents
	 * then fails: no event is reaped after */
	if (pa_ours(pa))
		sys_io_destroy(pa->ctx);
	if (join && pa_ours(pa))
		pthread_join(pa->thread, NULL);
	pthread_mutex_lock(&r->poll_lock);
	while ((tok = pa->toks)) {
		if (tok->req)
			req_poll(tok->req)->tok = NULL;
		tok_free(pa, tok);
	}
	pthread_mutex_unlock(&r->poll_lock);
	/* only now: the waiter, until joined, could still find it */
	atomic_store_explicit(&r->poll_aio, NULL, memory_order_relaxed);
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

/* ---- the reactor's way (no AIO) ---------------------------------------------- */

/* Is something asked for ready now? */
static bool level_ready(struct req *req)
{
	struct pollfd pfd = { .fd = req->rfd, .events = (short)(req_poll(req)->events | POLLRDHUP) };
	int ret;

	do
		ret = sys_poll(&pfd, 1, 0);
	while (ret == -EINTR);
	return ret > 0 && (pfd.revents & interest(req));
}

/*
 * poll_lock held: a multishot poll waits for its next wake-up.  The kernel's
 * stays on the wait queue and posts a CQE per wake-up.  With the file not
 * ready, an AIO poll is that: it completes from the next wake-up, even one
 * whose readiness is gone by the time anyone looks.  With the file still
 * ready (the program has not consumed what the last CQE announced), an AIO
 * poll would complete at once for the readiness already reported: then the
 * edge-triggered epoll set waits for the next wake-up, after the edges it
 * holds already (discard: they are the wake-up just reported) are dropped.
 * 0, or -errno: the caller ends the request.
 */
static int multi_wait(struct req *req, bool discard)
{
	struct ring *r = req->ring;
	struct poll_aio *pa = pa_get(r);

	if (pa && !level_ready(req)) {
		int ret = pa_submit(req, pa);

		if (!ret || ret == -EBADF)
			return ret;
	}
	if (req_poll(req)->tok) {
		/* it exists while tokens do (pa_destroy()) */
		tok_free(atomic_load_explicit(&r->poll_aio, memory_order_relaxed), req_poll(req)->tok);
		req_poll(req)->tok = NULL;
	}
	if (discard) {
		struct epoll_event ev;
		int n;

		do
			n = sys_epoll_wait(req_poll(req)->epfd, &ev, 1, 0);
		while (n > 0 || n == -EINTR);
	}
	return mset_wait(req);
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
		if (!cq_post(r, req->user_data, (int32_t)mask, IORING_CQE_F_MORE, false))
			goto end;
		/* and that CQE signalled the eventfd: a wake-up by the ring */
		if (req_poll(req)->own_evfd && evfd_signal_count(r) != snap)
			goto end;
		req_poll(req)->evfd_snap = snap;
	}
	ret = multi_wait(req, from_aio);
	if (!ret)
		return false;
	*final = ret == -EBADF ? -EBADF : -ECANCELED;
end:
	if (req_poll(req)->tok) {
		tok_free(atomic_load_explicit(&r->poll_aio, memory_order_relaxed), req_poll(req)->tok);
		req_poll(req)->tok = NULL;
	}
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
	mset_arm(r, m);
	pthread_mutex_unlock(&r->poll_lock);
	while ((req = done)) {
		done = req->list_next;
		req->list_next = NULL;
		poll_complete(req, req->res);
	}
}

static int poll_arm_multi(struct req *req)
{
	struct ring *r = req->ring;
	struct epoll_event ev = { .events = interest(req) | EPOLLET };
	int ret;

	if (req_poll(req)->epfd < 0) {
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
	ret = multi_wait(req, false);
	if (ret) {
		if (req_poll(req)->tok) {
			tok_free(atomic_load_explicit(&r->poll_aio, memory_order_relaxed),
				 req_poll(req)->tok);
			req_poll(req)->tok = NULL;
		}
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
	struct poll_aio *pa;
	struct pollfd pfd;
	int ret = req_resolve_file(req);

	if (ret) {
		req->res = ret;
		return ISSUE_DONE;
	}
	pa = req_poll(req)->multi ? NULL : pa_get(r);
	if (req_poll(req)->multi) {
		ret = poll_arm_multi(req);
		if (ret < 0) {
			req->res = ret;
			return ISSUE_DONE;
		}
		if (!ret)
			return ISSUE_QUEUED;
		/* the kernel ends a multishot poll on a file without poll support at once */
		req_poll(req)->multi = false;
	}
	pfd.fd = req->rfd;
	pfd.events = (short)(req_poll(req)->events | POLLRDHUP);
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
	if (pa && !req_poll(req)->multi) {
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
	if (req_poll(t)->tok) {
		struct poll_aio *pa = atomic_load_explicit(&r->poll_aio, memory_order_relaxed);
		struct io_event ev;

		/* abandoned under poll_lock: its event, now or after the cancel,
		 * only frees the token */
		req_poll(t)->tok->req = NULL;
		sys_io_cancel(pa->ctx, &req_poll(t)->tok->cb, &ev);
		req_poll(t)->tok = NULL;
		disarmed = true;
	} else if (req_poll(t)->mwait) {
		/* its events are handled under poll_lock: never firing now */
		disarmed = true;
	} else {
		disarmed = reactor_cancel(r->reactor, &t->rent);
	}
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
		if (upd & IORING_POLL_UPDATE_EVENTS) {
			req_poll(t)->events = req_poll(req)->new_events;
			req_poll(t)->multi = upd & IORING_POLL_ADD_MULTI;
		}
		if (upd & IORING_POLL_UPDATE_USER_DATA)
			t->user_data = req_poll(req)->new_user_data;
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
	struct poll_mset *m;

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
