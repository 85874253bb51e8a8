// SPDX-License-Identifier: MIT
/*
 * AIO polls (IOCB_CMD_POLL) as a completion source, beside aio.c: a poll
 * that waits on a file's wait queue and completes in the waker's context
 * with the waker's mask (why POLL_ADD wants that: ops/poll.c).
 *
 * One AIO context per ring, created on first use.  An op arms a request's
 * poll (aio_poll_arm()) and gets a token; the service completes it through
 * one path, its opcode's aio_poll_event hook (opdef.c), called under
 * poll_lock.  Completions are taken at every enter (aio_poll_run()), as
 * the kernel runs its task work there, and by a waiter thread sleeping in
 * io_getevents while polls are in flight.  (No IOCB_FLAG_RESFD: with an
 * eventfd to signal, the kernel completes some polls from a workqueue,
 * after the waker, and an enter right after the wake-up would not see
 * them.)  No context (io_setup refused, a forked child): the op waits
 * some other way.
 */
#include <errno.h>
#include <linux/aio_abi.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/aio.h"
#include "engine/sys.h"
#include "engine/thread.h"

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
 *   request, through its op's pointer (slot); POLL_REMOVE may abandon it
 *   (aio_poll_cancel(): req = NULL, io_cancel) but never frees it, since its
 *   event is still to come;
 * - its event taken out by the waiter (pa_waiter(), local array): the
 *   waiter alone; it may look at the token (poll_lock) until it puts the
 *   event in pa->held;
 * - its event in pa->held, or taken by an enter's pa_reap(): whoever holds
 *   reap_lock and handles it (pa_event_one()), which frees it (a one-shot,
 *   an abandoned one, a multishot that ends) or submits it again (a
 *   multishot re-armed: armed again, as above);
 * - teardown: aio_poll_destroy() frees what is left once the context is destroyed
 *   and the waiter joined (no event can come any more).
 * Frees and req changes are under poll_lock.
 */
struct aio_poll_tok {
	struct iocb cb;
	struct req *req; /* NULL: abandoned (aio_poll_cancel()), poll_lock */
	/* the op's pointer to this token (while req is set), cleared when the
	 * token goes; multi: armed as a multishot poll (poll_lock) */
	struct aio_poll_tok **slot;
	bool multi;
	struct aio_poll_tok *next, *prev; /* pa->toks */
};

struct poll_aio {
	struct ring *ring;
	aio_context_t ctx;
	const struct pa_ring_hdr *hdr; /* NULL: a layout we do not know */
	unsigned gen; /* fork generation that made it */
	atomic_uint nr_toks; /* tokens in flight; written under poll_lock */
	struct aio_poll_tok *toks; /* poll_lock */
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
	unsigned cq = __atomic_load_n(&r->cq_entries, __ATOMIC_RELAXED); /* resize.c */
	unsigned nr = cq < 16 ? 64 : cq > 1024 ? 4096 : 4 * cq;

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

/* The ring's AIO poll context, or NULL: the op waits some other way. */
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

/* poll_lock held: the token goes, and its request's pointer to it */
static void tok_free(struct poll_aio *pa, struct aio_poll_tok *tok)
{
	if (tok->req)
		*tok->slot = NULL;
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
static int tok_submit(struct poll_aio *pa, struct aio_poll_tok *tok)
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

int aio_poll_arm(struct req *req, struct aio_poll_tok **slot, uint32_t events, bool multi)
{
	struct ring *r = req->ring;
	/* aio_poll_ready() said yes: it exists until teardown */
	struct poll_aio *pa = atomic_load_explicit(&r->poll_aio, memory_order_relaxed);
	struct aio_poll_tok *tok = *slot;
	int ret;

	if (!tok) {
		tok = calloc(1, sizeof(*tok));
		if (!tok)
			return -ENOMEM;
		tok->cb.aio_data = (uintptr_t)tok;
		tok->cb.aio_lio_opcode = IOCB_CMD_POLL;
		tok->cb.aio_fildes = (uint32_t)req->rfd;
		/* POLLERR and POLLHUP are always reported (the kernel adds them) */
		tok->cb.aio_buf = events & 0xffff;
		/* no IOCB_FLAG_RESFD: with an eventfd to signal, the kernel
		 * completes some of them from a workqueue, later, instead of in
		 * the waker */
		tok->req = req;
		tok->slot = slot;
		tok->next = pa->toks;
		if (pa->toks)
			pa->toks->prev = tok;
		pa->toks = tok;
		atomic_store_explicit(&pa->nr_toks,
				      atomic_load_explicit(&pa->nr_toks, memory_order_relaxed) + 1,
				      memory_order_relaxed);
		*slot = tok;
	}
	tok->multi = multi;
	/* counted before: its completion may be taken by another thread as
	 * soon as poll_lock is dropped */
	req_count_async(req);
	ret = tok_submit(pa, tok);
	if (ret) {
		tok_free(pa, tok);
		return ret;
	}
	pa_watch(r, pa);
	return 0;
}

void aio_poll_free(struct ring *r, struct aio_poll_tok *tok)
{
	/* it exists while tokens do (aio_poll_destroy()) */
	tok_free(atomic_load_explicit(&r->poll_aio, memory_order_relaxed), tok);
}

void aio_poll_cancel(struct ring *r, struct aio_poll_tok *tok)
{
	struct poll_aio *pa = atomic_load_explicit(&r->poll_aio, memory_order_relaxed);
	struct io_event ev;

	/* abandoned under poll_lock: its event, now or after the cancel,
	 * only frees the token */
	*tok->slot = NULL;
	tok->req = NULL;
	sys_io_cancel(pa->ctx, &tok->cb, &ev);
}

/* One AIO poll completed with res: the waker's mask, or what a look found. */
static void pa_event_one(struct ring *r, struct poll_aio *pa, struct aio_poll_tok *tok, long res)
{
	struct req *req;
	bool end;

	pthread_mutex_lock(&r->poll_lock);
	req = tok->req;
	if (!req) {
		tok_free(pa, tok); /* abandoned: its request is gone */
		pthread_mutex_unlock(&r->poll_lock);
		return;
	}
	end = op_defs[req->opcode].aio_poll_event(req, res);
	pthread_mutex_unlock(&r->poll_lock);
	/* after poll_lock: a linked request issued from there may arm a poll */
	if (end)
		req_complete(req);
}

/* reap_lock held: handle an event taken out of the ring */
static void pa_event(struct ring *r, struct poll_aio *pa, struct aio_poll_tok *tok, long res)
{
	pa_event_one(r, pa, tok, res);
	/* release: pairs with the acquire loads in aio_poll_run(), what the
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
		pa_event(r, pa, (struct aio_poll_tok *)(uintptr_t)pa->held[i].data,
			 (long)pa->held[i].res);
	pa->nr_held = 0;
	do {
		struct timespec zero = { 0, 0 };

		n = sys_io_getevents(pa->ctx, 0, PA_REAP_MAX, ev, &zero, NULL);
		for (long i = 0; i < n; i++)
			pa_event(r, pa, (struct aio_poll_tok *)(uintptr_t)ev[i].data,
				 (long)ev[i].res);
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
		const struct aio_poll_tok *tok = (const struct aio_poll_tok *)(uintptr_t)ev[i].data;

		multi = tok->req && tok->multi;
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
			 * event, or by aio_poll_destroy() after it joined us).  Once
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

bool aio_poll_ready(struct ring *r)
{
	return pa_get(r) != NULL;
}

void aio_poll_run(struct ring *r)
{
	/* acquire: pairs with the release store in pa_get() */
	struct poll_aio *pa = atomic_load_explicit(&r->poll_aio, memory_order_acquire);
	uint64_t done, target;
	unsigned tail;
	int ctx = engine_thread_ctx;

	if (!pa || !atomic_load_explicit(&pa->nr_toks, memory_order_relaxed) || !pa_ours(pa))
		return;
	/* the events are completed as the waiter thread completes them
	 * (CTX_REACTOR): the kernel's task work, which on a DEFER_TASKRUN
	 * ring comes after the CQEs queued before it (cq.c) */
	engine_thread_ctx = CTX_REACTOR;
	if (!pa->hdr) {
		pa_reap(r, pa);
		engine_thread_ctx = ctx;
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
	engine_thread_ctx = ctx;
}

/* Teardown, the reactor gone: cancel the AIO polls, free their tokens. */
void aio_poll_destroy(struct ring *r)
{
	/* acquire: pairs with the release store in pa_get() */
	struct poll_aio *pa = atomic_load_explicit(&r->poll_aio, memory_order_acquire);
	struct aio_poll_tok *tok;
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
	while ((tok = pa->toks))
		tok_free(pa, tok);
	pthread_mutex_unlock(&r->poll_lock);
	/* only now: the waiter, until joined, could still find it */
	atomic_store_explicit(&r->poll_aio, NULL, memory_order_relaxed);
	pthread_mutex_destroy(&pa->reap_lock);
	free(pa);
}
