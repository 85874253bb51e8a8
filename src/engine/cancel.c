// SPDX-License-Identifier: MIT
/*
 * Cancellation in one place (the kernel's io_uring/cancel.c): the matching
 * rule (cancel_match(): POLL_REMOVE finds its poll with it, ops/poll.c), the
 * one search a cancellation by key makes (cancel_requests(): ASYNC_CANCEL,
 * SYNC_CANCEL, TIMEOUT_REMOVE, link timeouts), and the teardown of a ring,
 * which completes every request still alive with -ECANCELED, wherever it
 * waits.
 *
 * Where cancel_requests() looks, in the kernel's order (io_try_cancel()):
 *  - the worker pool: queued matches are dequeued (wq_cancel_match());
 *    one a worker runs (its run slot, ring->wq_running) cannot be stopped;
 *  - the armed polls (poll_cancel(), ops/poll.c);
 *  - requests waiting in the reactor for their file's readiness
 *    (ring->ready_reqs, req_arm_ready(): the kernel's FAST_POLL, which it
 *    keeps with the polls);
 *  - then each family's list, through its <family>_cancel() (cancel.h).
 * Not found, as on the kernel: I/O at the device (native AIO), requests on
 * the drain list or not yet issued in a chain, requests done.
 *
 * Where a request waits, and who cancels it at teardown:
 *  - queued in the worker pool: wq_destroy() hands it back (a running one
 *    finishes; its links are cancelled, the ring is dying);
 *  - in the reactor (polls, reads on empty pipes, WAITIDs' next looks):
 *    reactor_destroy();
 *  - a futex wait (ops/futex.c): futex_cancel_all() wakes its helper;
 *  - an armed poll (ops/poll.c): its AIO poll cancelled with the context
 *    (aio_poll_destroy()), then poll_cancel_all();
 *  - native AIO at the device (aio.c): waited for, it ends in bounded time;
 *  - on the defer list (drain): completed here;
 *  - parked on an IOPOLL ring, never polled (iopoll.c), or at the device
 *    through the IOPOLL AIO context: iopoll_cancel_all(), aio_iopoll_destroy().
 */
#include <errno.h>
#include <fcntl.h>
#include <time.h>

#include "engine/aio.h"
#include "engine/cancel.h"
#include "engine/ops/futex.h"
#include "engine/ops/poll.h"
#include "engine/ops/waitid.h"
#include "engine/ops/timeout.h"
#include "engine/sys.h"

/* What a request shows a cancellation (a worker's run slot keeps a copy). */
struct cancel_key {
	struct ring *ring;
	uint64_t user_data;
	int fd, rfd;
	uint8_t opcode;
	bool fixed;
};

/*
 * Does the request's file match cd's?  The kernel compares files: the same
 * file under another number (a dup()), or registered as a fixed file, is
 * the same key.  The engine's descriptors are its own duplicates, so it asks
 * kcmp(KCMP_FILE).  A request of an op with a file that has not resolved it
 * yet (queued for a worker) is matched by number; so is everything where
 * kcmp is refused (no CONFIG_KCMP, a seccomp filter).
 */
static bool key_file_match(const struct cancel_key *k, const struct cancel_data *cd)
{
	bool fixed = cd->flags & IORING_ASYNC_CANCEL_FD_FIXED;
	int ret;

	if (!op_defs[k->opcode].needs_file)
		return false; /* no file: the kernel's NULL never matches */
	if (k->rfd >= 0 && cd->file >= 0) {
		if (k->rfd == cd->file)
			return true;
		ret = sys_kcmp_files(k->rfd, cd->file);
		if (ret >= 0)
			return ret == 0;
	}
	return k->fd == cd->fd && k->fixed == fixed;
}

static bool key_match(const struct cancel_key *k, const struct cancel_data *cd)
{
	unsigned keys = IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_OP | IORING_ASYNC_CANCEL_ANY;
	bool by_user_data = (cd->flags & IORING_ASYNC_CANCEL_USERDATA) || !(cd->flags & keys);

	if (k->ring != cd->ring)
		return false;
	if (cd->flags & IORING_ASYNC_CANCEL_ANY)
		return true;
	if ((cd->flags & IORING_ASYNC_CANCEL_FD) && !key_file_match(k, cd))
		return false;
	if ((cd->flags & IORING_ASYNC_CANCEL_OP) && k->opcode != cd->opcode)
		return false;
	return !by_user_data || k->user_data == cd->data;
}

bool cancel_match(const struct req *req, const struct cancel_data *cd)
{
	struct cancel_key k = {
		.ring = req->ring,
		.user_data = req->user_data,
		.fd = req->fd,
		.rfd = req->rfd,
		.opcode = req->opcode,
		.fixed = req->flags & REQ_F_FIXED_FILE,
	};

	return key_match(&k, cd);
}

/* ---- running in a worker ------------------------------------------------- */

/* cancel_lock held: req leaves ring->wq_pending */
static void pending_unlink(struct ring *r, struct req *req)
{
	req_list_del(&r->wq_pending, req);
	req->wq_pending = false;
}

void wq_pending_add(struct req *req)
{
	struct ring *r = req->ring;

	pthread_mutex_lock(&r->cancel_lock);
	req->wq_cancel = false;
	req->wq_pending = true;
	req_list_add(&r->wq_pending, req);
	pthread_mutex_unlock(&r->cancel_lock);
}

bool run_slot_begin(struct run_slot *slot, struct req *req)
{
	struct ring *r = req->ring;

	pthread_mutex_lock(&r->cancel_lock);
	if (req->wq_pending)
		pending_unlink(r, req);
	if (req->wq_cancel) {
		/* cancelled while it waited for this worker */
		pthread_mutex_unlock(&r->cancel_lock);
		return false;
	}
	/* off wq_pending: no cancellation reads req itself from here (the
	 * slot's copy), so the worker may write its flags */
	slot->ring = r;
	slot->req = req;
	slot->user_data = req->user_data;
	slot->fd = req->fd;
	slot->rfd = req->rfd;
	slot->opcode = req->opcode;
	slot->fixed = req->flags & REQ_F_FIXED_FILE;
	slot->prev = NULL;
	slot->next = r->wq_running;
	if (slot->next)
		slot->next->prev = slot;
	r->wq_running = slot;
	pthread_mutex_unlock(&r->cancel_lock);
	req->flags |= REQ_F_WQ_RAN;
	return true;
}

void run_slot_end(struct run_slot *slot)
{
	struct ring *r = slot->ring;

	pthread_mutex_lock(&r->cancel_lock);
	if (slot->prev)
		slot->prev->next = slot->next;
	else
		r->wq_running = slot->next;
	if (slot->next)
		slot->next->prev = slot->prev;
	pthread_mutex_unlock(&r->cancel_lock);
}

void run_slot_forget(struct req *req)
{
	struct ring *r = req->ring;

	/* a request punted again may be in two slots: its old worker's, not
	 * yet ended, and the new one's */
	pthread_mutex_lock(&r->cancel_lock);
	for (struct run_slot *s = r->wq_running; s; s = s->next)
		if (s->req == req)
			s->req = NULL;
	pthread_mutex_unlock(&r->cancel_lock);
}

/*
 * cancel_lock held: does a worker run a match of cd now?  Each is marked
 * interrupted, as the kernel signals the io-wq worker that runs it: an op
 * that is about to wait again (a splice on a pipe) ends instead.
 */
static bool running_match(struct ring *r, const struct cancel_data *cd)
{
	bool found = false;

	for (struct run_slot *s = r->wq_running; s; s = s->next) {
		struct cancel_key k = { .ring = r, .user_data = s->user_data, .fd = s->fd,
					.rfd = s->rfd, .opcode = s->opcode, .fixed = s->fixed };

		if (s->req && key_match(&k, cd)) {
			s->req->interrupted = true;
			found = true;
		}
	}
	return found;
}

bool req_interrupted(struct req *req)
{
	struct ring *r = req->ring;
	bool ret;

	pthread_mutex_lock(&r->cancel_lock);
	ret = req->interrupted;
	pthread_mutex_unlock(&r->cancel_lock);
	return ret;
}

/* ---- waiting for readiness in the reactor (FAST_POLL) ---------------------- */

/* ready_lock held */
static void ready_unlink(struct ring *r, struct req *req)
{
	req_list_del(&r->ready_reqs, req);
	req->flags &= ~REQ_F_READY_ARMED;
}

/* ready_lock held: req joins ring->ready_reqs, where cancellations look */
static void ready_link(struct ring *r, struct req *req)
{
	req_list_add(&r->ready_reqs, req);
	req->flags |= REQ_F_READY_ARMED;
}

/*
 * The reactor runs the op's fn: req is off the list first (a cancellation
 * that found it there and could not disarm it answers -EALREADY).  A
 * multishot request (REQ_F_READY_MSHOT) stays on it while its fn runs: a
 * cancellation marks it there (ready_cancel()), and it ends at its next
 * arming (ready_arm_mshot()), or unlinks itself when it ends on its own
 * (req_ready_mshot_end()).
 */
static void ready_fire(struct reactor_entry *e, uint32_t revents)
{
	struct req *req = (struct req *)((char *)e - offsetof(struct req, rent));
	struct ring *r = req->ring;

	pthread_mutex_lock(&r->ready_lock);
	if ((req->flags & REQ_F_READY_ARMED) && !(req->flags & REQ_F_READY_MSHOT))
		ready_unlink(r, req);
	pthread_mutex_unlock(&r->ready_lock);
	req->ready_fn(e, revents);
}

void req_ready_mshot_end(struct req *req)
{
	struct ring *r = req->ring;

	if (!(req->flags & REQ_F_READY_MSHOT))
		return;
	pthread_mutex_lock(&r->ready_lock);
	if (req->flags & REQ_F_READY_ARMED)
		ready_unlink(r, req);
	req->flags &= ~REQ_F_READY_MSHOT;
	pthread_mutex_unlock(&r->ready_lock);
}

int ready_arm_mshot(struct req *req, reactor_fn fn, uint32_t events)
{
	struct ring *r = req->ring;
	int ret;

	/* under ready_lock: the request may be on ring->ready_reqs (its fn
	 * runs), where ready_cancel() reads its flags and entry */
	pthread_mutex_lock(&r->ready_lock);
	req->rent.fn = ready_fire;
	req->rent.fd = req->rfd;
	req->ready_fn = fn;
	/* a multishot request io-wq arms runs from task work from then on,
	 * not again in io-wq (submit.c, next_issue()) */
	req->flags = (req->flags | REQ_F_READY_MSHOT) & ~REQ_F_ASYNC_ASKED;
	/* lock order: ready_lock before async_lock before cancel_lock */
	ret = req_interrupted(req) ? -ECANCELED : req_arm_poll(req, events);
	if (!ret && !(req->flags & REQ_F_READY_ARMED))
		ready_link(r, req);
	if (ret) {
		/* it ends here: off the list (it may still be on it from its fn) */
		if (req->flags & REQ_F_READY_ARMED)
			ready_unlink(r, req);
		req->flags &= ~REQ_F_READY_MSHOT;
	}
	pthread_mutex_unlock(&r->ready_lock);
	return ret;
}

/*
 * With interruptible, for a request a worker runs, which a cancellation may
 * have found running (req->interrupted) just before it got on
 * ring->ready_reqs, where that cancellation looks next: checked once it is
 * on the list, both under ready_lock, so either the cancellation finds it
 * there, or it sees the mark here and does not wait: -EINTR (the caller
 * ends it).  When the reactor fires at once instead, the worker that runs
 * it next sees the mark.
 */
static int arm_listed(struct req *req, uint32_t events, bool interruptible)
{
	struct ring *r = req->ring;
	int ret;

	req->rent.fn = ready_fire;
	/* held across the arming: ready_fire() cannot run before req is on
	 * the list, nor a cancellation find it before it is armed */
	pthread_mutex_lock(&r->ready_lock);
	ret = req_arm_poll(req, events);
	if (!ret) {
		ready_link(r, req);
		/* lock order: ready_lock before async_lock before cancel_lock */
		if (interruptible && req_interrupted(req) &&
		    reactor_cancel(r->reactor, &req->rent)) {
			ready_unlink(r, req);
			ret = -EINTR;
		}
	}
	pthread_mutex_unlock(&r->ready_lock);
	return ret;
}

int ready_arm(struct req *req, uint32_t events)
{
	return arm_listed(req, events, false);
}

int ready_arm_interruptible(struct req *req, uint32_t events)
{
	return arm_listed(req, events, true);
}

/* Cancel matches among the requests waiting for readiness: as a family's. */
static int ready_cancel(struct ring *r, const struct cancel_data *cd)
{
	bool all = cd->flags & (IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_ANY);
	struct req *done = NULL, *req, *nxt;
	bool busy = false;
	int nr = 0;

	pthread_mutex_lock(&r->ready_lock);
	for (req = r->ready_reqs; req; req = nxt) {
		nxt = req->list_next;
		if (!cancel_match(req, cd))
			continue;
		/* armed entries exist: r->reactor was set before they were
		 * armed, under ready_lock (ready_arm()) */
		if (!reactor_cancel(r->reactor, &req->rent)) {
			bool marked = false;

			if (req->flags & REQ_F_READY_MSHOT) {
				/* a multishot one in its fn: it ends at its
				 * next arming; found, as the kernel's */
				pthread_mutex_lock(&r->cancel_lock);
				marked = !req->interrupted;
				req->interrupted = true;
				pthread_mutex_unlock(&r->cancel_lock);
			}
			if (marked)
				nr++;
			else
				busy = true; /* ready_fire() is on its way */
		} else {
			ready_unlink(r, req);
			req->list_next = done;
			done = req;
			nr++;
		}
		if (!all)
			break;
	}
	pthread_mutex_unlock(&r->ready_lock);
	req_cancel_deferred(done);
	return nr ? nr : busy ? -EALREADY : 0;
}

/* ---- queued for a worker ------------------------------------------------- */

struct wq_match_data {
	const struct cancel_data *cd;
	unsigned max, nr;
	struct req *done;
};

/* under the wq's lock: true takes work off the queue */
static bool wq_match(struct wq_work *work, void *data)
{
	struct wq_match_data *m = data;
	struct req *req = (struct req *)((char *)work - offsetof(struct req, work));

	if (m->nr >= m->max || !cancel_match(req, m->cd))
		return false;
	m->nr++;
	/* on wq_pending (list_next), on no task-work list: tw_next is free */
	req->tw_next = m->done;
	m->done = req;
	return true;
}

/*
 * Requests handed to the worker pool and not started yet: those still
 * queued are taken off the queue and complete now; one already in a
 * worker's hand is marked, and its worker completes it -ECANCELED
 * (run_slot_begin()), as io-wq's IO_WQ_WORK_CANCEL.  What that counts is
 * the kernel's (io_wq_cancel_cb() under io_try_cancel()): without ALL, 1
 * when one was found, else a running match makes *busy (-EALREADY unless a
 * later list has one); with ALL every such match goes, and they count as
 * one, or as none when a match is running too.
 */
static int wq_cancel_reqs(struct ring *r, const struct cancel_data *cd, bool *busy)
{
	bool all = cd->flags & (IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_ANY);
	struct wq_match_data m = { .cd = cd, .max = all ? ~0U : 1 };
	struct req *done = NULL, *req, *nxt;
	bool running = false;

	/* held across: teardown takes r->wq under it, then destroys it */
	pthread_mutex_lock(&r->async_lock);
	if (r->wq && !atomic_load_explicit(&r->dying, memory_order_relaxed))
		wq_cancel_match(r->wq, wq_match, &m, NULL);
	pthread_mutex_unlock(&r->async_lock);

	pthread_mutex_lock(&r->cancel_lock);
	for (req = m.done; req; req = nxt) {
		nxt = req->tw_next;
		req->tw_next = NULL;
		pending_unlink(r, req);
		req->list_next = done;
		done = req;
	}
	/* in a worker's hand: nobody writes them until it takes cancel_lock */
	for (req = r->wq_pending; req && m.nr < m.max; req = req->list_next) {
		if (req->wq_cancel || !cancel_match(req, cd))
			continue;
		req->wq_cancel = true;
		m.nr++;
	}
	if (!m.nr || all)
		running = running_match(r, cd);
	pthread_mutex_unlock(&r->cancel_lock);
	req_cancel_deferred(done);
	if (!all) {
		*busy = running;
		return (int)m.nr;
	}
	return m.nr && !running ? 1 : 0;
}

/* ---- the one path ---------------------------------------------------------- */

/* FD: the file cd->fd names (held in *f for a fixed one), or -EBADF */
static int resolve_key_file(struct ring *r, struct cancel_data *cd, struct rfile **f)
{
	cd->file = -1;
	if (!(cd->flags & IORING_ASYNC_CANCEL_FD))
		return 0;
	if (cd->flags & IORING_ASYNC_CANCEL_FD_FIXED) {
		if (cd->fd < 0)
			return -EBADF;
		*f = rsrc_get_file(r, (unsigned)cd->fd);
		if (!*f)
			return -EBADF;
		cd->file = (*f)->fd;
		return 0;
	}
	if (cd->fd < 0 || sys_fcntl(cd->fd, F_GETFD, 0) < 0)
		return -EBADF;
	cd->file = cd->fd;
	return 0;
}

/*
 * The families' lists, after the worker queue, in the kernel's order.
 * counts: the kernel's search answers a single match found there with the
 * count its io_cancel_remove() returns (1), where the others answer 0.
 */
static const struct {
	int (*cancel)(struct ring *ring, const struct cancel_data *cd);
	bool counts;
} families[] = {
	{ poll_cancel, false },
	{ ready_cancel, false },
	{ waitid_cancel, true },
	{ futex_cancel, true },
	{ timeout_cancel, false },
};

/* cancel_requests(); *counted: without ALL, the match came from a list whose
 * kernel search answers 1 */
static int search(struct ring *r, const struct cancel_data *key, bool *counted)
{
	bool all = key->flags & (IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_ANY);
	struct cancel_data cd = *key;
	struct rfile *f = NULL;
	bool busy = false;
	int nr, ret;

	*counted = false;
	ret = resolve_key_file(r, &cd, &f);
	if (ret)
		return ret;
	nr = wq_cancel_reqs(r, &cd, &busy);
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]) && (all || !nr); i++) {
		ret = families[i].cancel(r, &cd);
		if (ret == -EALREADY) {
			busy = true;
		} else if (ret > 0) {
			nr += ret;
			*counted = families[i].counts;
		}
	}
	if (f)
		rfile_put(f);
	return nr ? nr : busy ? -EALREADY : -ENOENT;
}

int cancel_requests(struct ring *r, const struct cancel_data *cd)
{
	bool counted;

	return search(r, cd, &counted);
}

int cancel_result(struct ring *r, const struct cancel_data *cd)
{
	bool all = cd->flags & (IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_ANY);
	bool counted;
	int ret = search(r, cd, &counted);

	if (all)
		return ret == -ENOENT || ret == -EALREADY ? 0 : ret;
	if (ret > 0)
		return counted ? ret : 0;
	return ret;
}

/* ---- IORING_REGISTER_SYNC_CANCEL ------------------------------------------ */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* one search, as the submitter's (the kernel's uring_lock) */
static int sync_search(struct ring *r, const struct cancel_data *cd)
{
	int ret;

	pthread_mutex_lock(&r->submit_lock);
	ret = cancel_result(r, cd);
	pthread_mutex_unlock(&r->submit_lock);
	return ret;
}

/*
 * The kernel's io_sync_cancel(): one search; a match running in a worker
 * (-EALREADY) is searched for again as requests complete until it is gone
 * (then 0), or until the timeout (relative, CLOCK_MONOTONIC; -1/-1: none)
 * passes: -ETIME.  The engine searches again every millisecond rather than
 * at each completion.
 */
int sync_cancel(struct ring *r, const void *arg, unsigned nr_args)
{
	struct io_uring_sync_cancel_reg sc;
	struct cancel_data cd = { .ring = r };
	uint64_t deadline = UINT64_MAX;
	int ret;

	if (!arg || nr_args != 1)
		return -EINVAL;
	if (umem_read(&sc, arg, sizeof(sc)))
		return -EFAULT;
	if (sc.flags & ~CANCEL_FLAGS)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(sc.pad); i++)
		if (sc.pad[i])
			return -EINVAL;
	for (size_t i = 0; i < sizeof(sc.pad2) / sizeof(sc.pad2[0]); i++)
		if (sc.pad2[i])
			return -EINVAL;
	cd.data = sc.addr;
	cd.fd = sc.fd;
	cd.flags = sc.flags;
	cd.opcode = sc.opcode;
	ret = sync_search(r, &cd);
	if (ret != -EALREADY)
		return ret;
	if (sc.timeout.tv_sec != -1 || sc.timeout.tv_nsec != -1) {
		uint64_t ns = sc.timeout.tv_sec < 0 ? 0 : (uint64_t)sc.timeout.tv_sec * 1000000000ULL;

		if (sc.timeout.tv_nsec > 0)
			ns += (uint64_t)sc.timeout.tv_nsec;
		deadline = mono_ns() + ns;
	}
	for (;;) {
		uint64_t now = mono_ns();
		struct timespec ts = { 0, 1000000 };

		if (now >= deadline)
			return -ETIME;
		if (deadline - now < 1000000)
			ts.tv_nsec = (long)(deadline - now);
		if (nanosleep(&ts, NULL) < 0 && errno == EINTR)
			return -EINTR; /* a signal, as the kernel's wait */
		ret = sync_search(r, &cd);
		if (ret != -EALREADY)
			break;
	}
	return ret == -ENOENT || ret > 0 ? 0 : ret;
}

static void wq_cancelled(struct wq_work *work)
{
	struct req *req = (struct req *)((char *)work - offsetof(struct req, work));

	pthread_mutex_lock(&req->ring->cancel_lock);
	if (req->wq_pending)
		pending_unlink(req->ring, req);
	pthread_mutex_unlock(&req->ring->cancel_lock);
	req->res = -ECANCELED;
	req_complete(req);
}

static void reactor_cancelled(struct reactor_entry *e)
{
	struct req *req = (struct req *)((char *)e - offsetof(struct req, rent));

	if (poll_mset_cancelled(e))
		return; /* the ring's own entry: its polls end in poll_cancel_all() */
	if (timeout_disarmed(e))
		return; /* a timeout: off the ring's timeout lists, ended */
	if (req->flags & REQ_F_READY_ARMED) {
		pthread_mutex_lock(&req->ring->ready_lock);
		ready_unlink(req->ring, req);
		pthread_mutex_unlock(&req->ring->ready_lock);
	}
	if (req->flags & REQ_F_POLL_ARMED)
		poll_disarmed(req);
	req->res = -ECANCELED;
	req->cflags = 0;
	req_complete(req);
}

void req_cancel_deferred(struct req *req)
{
	while (req) {
		struct req *nxt = req->list_next;

		req->list_next = NULL;
		req->res = -ECANCELED;
		req->cflags = 0;
		req_complete_deferred(req);
		req = nxt;
	}
}

int cancel_family_done(const struct cancel_data *cd, struct req *done, int n)
{
	req_cancel_deferred(done);
	if (n && (cd->flags & IORING_ASYNC_CANCEL_ALL))
		return 1;
	return n ? n : -ENOENT;
}

int cancel_armed(pthread_mutex_t *lock, struct req **armed, const struct cancel_data *cd,
		 int (*take)(struct req *req, void *arg), void *arg)
{
	bool all = cd->flags & (IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_ANY);
	struct req *req, *nxt, *done = NULL;
	int n = 0, ret;

	pthread_mutex_lock(lock);
	for (req = *armed; req; req = nxt) {
		nxt = req->list_next;
		if (!cancel_match(req, cd))
			continue;
		ret = take(req, arg);
		if (ret < 0)
			continue;
		if (ret) {
			req->list_next = done;
			done = req;
		}
		n++;
		if (!all)
			break;
	}
	pthread_mutex_unlock(lock);
	return cancel_family_done(cd, done, n);
}

void req_cancel_list(struct req *req)
{
	while (req) {
		struct req *nxt = req->list_next;

		req->list_next = NULL;
		req->res = -ECANCELED;
		req_complete(req);
		req = nxt;
	}
}

void ring_cancel_all(struct ring *r)
{
	struct ringer_wq *wq;
	struct ringer_reactor *reactor;
	struct req *req;

	pthread_mutex_lock(&r->async_lock);
	atomic_store_explicit(&r->dying, true, memory_order_release);
	wq = r->wq;
	reactor = r->reactor;
	pthread_mutex_unlock(&r->async_lock);

	/* RINGER_FAULTS: completions held back complete now (links cancelled) */
	faults_ring_gone(r);
	/* futex waits first: their helpers complete requests, whose links
	 * may go to the workers or the reactor, torn down next */
	futex_cancel_all(r);
	/* workers finish what runs (their links are cancelled: dying), queued work is cancelled */
	if (wq)
		wq_destroy(wq, wq_cancelled);
	/* then whatever waits for readiness: polls, reads on empty pipes */
	pthread_mutex_lock(&r->async_lock);
	r->reactor_closing = true;
	pthread_mutex_unlock(&r->async_lock);
	if (reactor)
		reactor_destroy(reactor, reactor_cancelled);
	/* it cancelled the armed WAITIDs (timers of its own) */
	waitid_release(r);
	pthread_mutex_lock(&r->async_lock);
	r->wq = NULL;
	r->reactor = NULL;
	r->reactor_closing = false; /* a ring struct is used again */
	pthread_mutex_unlock(&r->async_lock);

	/* the AIO polls' context and waiter: no event comes after */
	aio_poll_destroy(r);
	poll_cancel_all(r);
	/* O_DIRECT at the device completes in bounded time: wait for it */
	aio_destroy(r);

	pthread_mutex_lock(&r->defer_lock);
	req = r->defer_head;
	r->defer_head = r->defer_tail = NULL;
	r->nr_deferred = 0;
	pthread_mutex_unlock(&r->defer_lock);
	req_cancel_list(req);
	/* every thread that could free a request has been joined (wq, reactor)
	 * and dying sends later frees (IOPOLL leftovers) straight to free() */
	req_cache_free(r);
	/* IOPOLL: parked requests never polled, then what is at the device */
	iopoll_cancel_all(r);
	aio_iopoll_destroy(r);
}
