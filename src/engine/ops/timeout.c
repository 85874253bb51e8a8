// SPDX-License-Identifier: MIT
/*
 * IORING_OP_TIMEOUT and IORING_OP_TIMEOUT_REMOVE (the kernel's timeout.c).
 *
 * A timeout waits as a timer of the ring's reactor (reactor_arm_timer(), on
 * its clock, by absolute deadline): no thread per timeout, and an armed
 * timer costs nothing until its deadline.  The reactor calls timeout_fire()
 * when it is due; that ends it with -ETIME (a multishot timeout posts -ETIME
 * with IORING_CQE_F_MORE and is armed again, relative to now, as the
 * kernel's re-started hrtimer).
 *
 * A timeout with a count (off > 0, not MULTISHOT) also ends, with 0, once
 * `off` CQEs have been posted after it was armed, counted as the kernel
 * counts them: seq = CQEs that entered the CQ ring (ring->cached_cq_tail,
 * a backlogged CQE counting when it is flushed in) minus the CQEs of
 * timeouts that ended by expiry or count (ring->cq_timeouts, bumped when
 * such a timeout is claimed, before its CQE); CQE_SKIP posts nothing, so
 * counts nothing.  Those timeouts sit on ring->timeout_seq sorted by target,
 * and every poster of CQEs calls timeout_flush() (timeout_cqes_posted(),
 * cq.c) after it dropped cq_lock.  The others sit on ring->timeout_noseq in
 * arming order: a removal looks at the counted ones first, as the kernel's
 * list has them first.
 *
 * Who ends a timeout: whoever takes it off its list under timeout_lock,
 * after reactor_cancel() said its timer will not fire (the count flush, a
 * removal, a cancel); or timeout_fire(), when the cancel came too late (a
 * removal then answers -EALREADY, as the kernel's hrtimer_try_to_cancel()).
 * A count flush runs in whatever thread posted the CQEs, which may hold its
 * own locks: there the timeout is handed to the reactor at deadline 0 and
 * completes from there (by_count); in the submitting thread it completes
 * after the batch's CQEs, as the kernel's task work.
 *
 * Lock order: timeout_lock, then async_lock / the reactor's lock, or
 * cq_lock (the tail is read under it).  Nothing is completed with
 * timeout_lock held (a CQE posted there would flush again).
 */
#include <errno.h>
#include <time.h>

#include "engine/cancel.h"
#include "engine/ops/timeout.h"
#include "engine/trace.h"

#define NSEC_PER_SEC 1000000000ULL
#define TIMEOUT_FLAGS                                                                    \
	(IORING_TIMEOUT_ABS | IORING_TIMEOUT_CLOCK_MASK | IORING_TIMEOUT_ETIME_SUCCESS | \
	 IORING_TIMEOUT_MULTISHOT)

static void timeout_fire(struct reactor_entry *e, uint32_t revents);

/* A timespec the application named: -EFAULT, -EINVAL (negative), else its
 * nanoseconds (tv_nsec past a second is accepted, as the kernel's ktime). */
static int read_ts(uint64_t uaddr, uint64_t *ns)
{
	struct __kernel_timespec ts;

	if (umem_read(&ts, (const void *)(uintptr_t)uaddr, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0)
		return -EINVAL;
	/* the kernel's ktime saturates at KTIME_MAX */
	if ((uint64_t)ts.tv_sec >= (uint64_t)INT64_MAX / NSEC_PER_SEC)
		*ns = INT64_MAX;
	else
		*ns = (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
	if (*ns > INT64_MAX)
		*ns = INT64_MAX;
	return 0;
}

static uint64_t clock_ns(int clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static uint64_t deadline_of(const struct timeout_state *t, bool abs)
{
	return abs ? t->ns : clock_ns(t->clock) + t->ns;
}

static bool counted(const struct timeout_state *t)
{
	return t->off && !(t->flags & IORING_TIMEOUT_MULTISHOT);
}

/* TIMEOUT and LINK_TIMEOUT: the kernel's __io_timeout_prep() checks. */
static int prep_common(struct req *req, const struct io_uring_sqe *sqe, bool link)
{
	struct timeout_state *t = req_timeout(req);
	uint32_t flags = sqe->timeout_flags;

	t->listed = false;
	t->by_count = false;
	t->tnext = t->tprev = NULL;
	t->head = NULL;
	t->lstate = 0;
	t->busy = t->pending = t->orphan = t->expired = false;
	if (sqe->buf_index || sqe->len != 1 || sqe->splice_fd_in)
		return -EINVAL;
	if (link && (uint32_t)sqe->off)
		return -EINVAL;
	if (flags & ~TIMEOUT_FLAGS)
		return -EINVAL;
	if ((flags & IORING_TIMEOUT_CLOCK_MASK) == IORING_TIMEOUT_CLOCK_MASK)
		return -EINVAL; /* one clock at most */
	if ((flags & IORING_TIMEOUT_MULTISHOT) && (flags & IORING_TIMEOUT_ABS))
		return -EINVAL; /* a repeating timeout is relative */
	t->flags = flags;
	t->off = (uint32_t)sqe->off;
	t->repeats = (flags & IORING_TIMEOUT_MULTISHOT) ? t->off : 0;
	t->clock = (flags & IORING_TIMEOUT_BOOTTIME)   ? CLOCK_BOOTTIME
		   : (flags & IORING_TIMEOUT_REALTIME) ? CLOCK_REALTIME
						       : CLOCK_MONOTONIC;
	return read_ts(sqe->addr, &t->ns);
}

int timeout_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	return prep_common(req, sqe, false);
}

/* ---- the lists (timeout_lock) ------------------------------------------------ */

static void list_unlink(struct req **head, struct req **tail, struct req *req)
{
	struct timeout_state *t = req_timeout(req);

	if (t->tprev)
		req_timeout(t->tprev)->tnext = t->tnext;
	else
		*head = t->tnext;
	if (t->tnext)
		req_timeout(t->tnext)->tprev = t->tprev;
	else if (tail)
		*tail = t->tprev;
	t->tnext = t->tprev = NULL;
}

static void unlink_timeout(struct ring *r, struct req *req)
{
	struct timeout_state *t = req_timeout(req);

	if (counted(t)) {
		list_unlink(&r->timeout_seq, NULL, req);
		atomic_fetch_sub_explicit(&r->nr_seq_timeouts, 1, memory_order_relaxed);
	} else {
		list_unlink(&r->timeout_noseq, &r->timeout_noseq_tail, req);
	}
	t->listed = false;
}

static void add_noseq(struct ring *r, struct req *req)
{
	struct timeout_state *t = req_timeout(req);

	t->tnext = NULL;
	t->tprev = r->timeout_noseq_tail;
	if (r->timeout_noseq_tail)
		req_timeout(r->timeout_noseq_tail)->tnext = req;
	else
		r->timeout_noseq = req;
	r->timeout_noseq_tail = req;
	t->listed = true;
}

/* The CQE sequence a count is measured in (see the top). */
static uint32_t cq_seq(struct ring *r)
{
	uint32_t tail;

	pthread_mutex_lock(&r->cq_lock);
	tail = r->cached_cq_tail;
	pthread_mutex_unlock(&r->cq_lock);
	return tail - atomic_load_explicit(&r->cq_timeouts, memory_order_relaxed);
}

/* A timeout ends by expiry or count: waiters wake (cq.c), its CQE counts not. */
static void count_timeout_end(struct ring *r)
{
	atomic_fetch_add_explicit(&r->cq_timeouts, 1, memory_order_relaxed);
}

/*
 * Counted timeouts, earliest target first.  The kernel's order: from the
 * last, go back over those that need more CQEs than this one.
 */
static void add_seq(struct ring *r, struct req *req, uint32_t seq)
{
	struct timeout_state *t = req_timeout(req);
	struct req *pos = NULL, *last = r->timeout_seq;

	t->target_seq = seq + t->off;
	while (last && req_timeout(last)->tnext)
		last = req_timeout(last)->tnext;
	for (pos = last; pos; pos = req_timeout(pos)->tprev)
		if (t->off >= req_timeout(pos)->target_seq - seq)
			break;
	/* after pos, or first */
	t->tprev = pos;
	t->tnext = pos ? req_timeout(pos)->tnext : r->timeout_seq;
	if (t->tnext)
		req_timeout(t->tnext)->tprev = req;
	if (pos)
		req_timeout(pos)->tnext = req;
	else
		r->timeout_seq = req;
	t->listed = true;
}

/* timeout_lock held: the counted timeouts the CQEs reached, claimed onto *done. */
static void flush_locked(struct ring *r, struct req **done)
{
	uint32_t seq = cq_seq(r);
	struct req *req, *next;

	/*
	 * Behind the last flush: a timeout ended by expiry is counted in
	 * cq_timeouts before its CQE is in the CQ.  The kernel's unsigned
	 * difference wraps there and ends every counted timeout with 0 (a
	 * race: tests/fuzz/divergences.h); here they wait for their CQEs.
	 */
	if ((int32_t)(seq - r->cq_last_tm_flush) < 0)
		return;
	for (req = r->timeout_seq; req; req = next) {
		struct timeout_state *t = req_timeout(req);
		uint32_t needed = t->target_seq - r->cq_last_tm_flush;
		uint32_t got = seq - r->cq_last_tm_flush;

		next = t->tnext;
		if (got < needed)
			break;
		/* its timer is firing: it ends -ETIME there */
		if (!reactor_cancel(r->reactor, &req->rent))
			continue;
		unlink_timeout(r, req);
		count_timeout_end(r);
		t->by_count = true;
		t->tnext = *done;
		*done = req;
	}
	r->cq_last_tm_flush = seq;
}

/*
 * Timeouts whose count was reached: in the submitting thread after its
 * batch's CQEs; elsewhere (a worker, the reactor, a poster holding its own
 * locks) from the reactor, at once.
 */
static void complete_by_count(struct ring *r, struct req *done)
{
	struct submit_state *st = engine_submit_state;

	while (done) {
		struct req *req = done;

		done = req_timeout(req)->tnext;
		req_timeout(req)->tnext = NULL;
		req->res = 0;
		if (st && st->ring == r) {
			req_complete_deferred(req);
			continue;
		}
		if (req_arm_timer(req, CLOCK_MONOTONIC, 0) == 0)
			continue;
		/* the reactor is going away with the ring */
		req->res = -ECANCELED;
		req_complete(req);
	}
}

void timeout_flush(struct ring *r)
{
	struct req *done = NULL;

	pthread_mutex_lock(&r->timeout_lock);
	flush_locked(r, &done);
	pthread_mutex_unlock(&r->timeout_lock);
	complete_by_count(r, done);
}

/* timeout_lock held: arm req's timer. */
static int arm(struct req *req, uint64_t deadline)
{
	req->rent.fd = -1;
	req->rent.fn = timeout_fire;
	return req_arm_timer(req, req_timeout(req)->clock, deadline);
}

int timeout_issue(struct req *req, unsigned issue_flags)
{
	struct ring *r = req->ring;
	struct timeout_state *t = req_timeout(req);
	struct req *done = NULL;
	int ret;

	pthread_mutex_lock(&r->timeout_lock);
	if (counted(t)) {
		/*
		 * Counted before the tail is read (under cq_lock): a CQE
		 * posted after that read is followed by its poster's flush,
		 * which sees this timeout (timeout_cqes_posted()).  The flush
		 * first brings the last flush point up to now.
		 */
		atomic_fetch_add_explicit(&r->nr_seq_timeouts, 1, memory_order_relaxed);
		flush_locked(r, &done);
		add_seq(r, req, r->cq_last_tm_flush);
	} else {
		add_noseq(r, req);
	}
	ret = arm(req, deadline_of(t, t->flags & IORING_TIMEOUT_ABS));
	if (ret)
		unlink_timeout(r, req);
	pthread_mutex_unlock(&r->timeout_lock);
	complete_by_count(r, done);
	if (ret) {
		req->res = ret;
		return ISSUE_DONE;
	}
	return ISSUE_QUEUED;
}

/* MULTISHOT: is this firing its last? */
static bool fire_is_last(struct timeout_state *t)
{
	if (!(t->flags & IORING_TIMEOUT_MULTISHOT))
		return true;
	if (!t->off)
		return false;
	return !(t->repeats && --t->repeats);
}

static void timeout_fire(struct reactor_entry *e, uint32_t revents)
{
	struct req *req = (struct req *)((char *)e - offsetof(struct req, rent));
	struct timeout_state *t = req_timeout(req);
	struct ring *r = req->ring;

	(void)revents;
	engine_thread_ctx = CTX_REACTOR;
	pthread_mutex_lock(&r->timeout_lock);
	if (t->by_count) {
		/* claimed by a count flush, handed here to complete (0) */
		pthread_mutex_unlock(&r->timeout_lock);
		req_complete(req);
		return;
	}
	count_timeout_end(r);
	/*
	 * MULTISHOT: the CQE and the next arming under timeout_lock, so that
	 * a removal never finds it in between (-ENOENT): the kernel's task
	 * work re-arms it before the program sees the CQE.  A CQE that does
	 * not fit the CQ ends it (the kernel's too).  It does not count for
	 * counted timeouts (cq_timeouts went up with it): no flush.
	 */
	if (!fire_is_last(t) &&
	    cq_post_noflush(r, req->user_data, -ETIME, IORING_CQE_F_MORE, false)) {
		trace_cqe(req, -ETIME, IORING_CQE_F_MORE);
		if (!arm(req, deadline_of(t, false))) {
			pthread_mutex_unlock(&r->timeout_lock);
			return;
		}
		unlink_timeout(r, req);
		pthread_mutex_unlock(&r->timeout_lock);
		req->res = -ECANCELED; /* the ring is going away */
		req_complete(req);
		return;
	}
	unlink_timeout(r, req);
	pthread_mutex_unlock(&r->timeout_lock);
	req->res = -ETIME;
	req->cflags = 0;
	if (t->flags & IORING_TIMEOUT_ETIME_SUCCESS)
		req->flags |= REQ_F_QUIET_RES; /* no failure: links go on, CQE_SKIP holds */
	req_complete(req);
}

/* ---- removal and cancellation -------------------------------------------------- */

/*
 * timeout_lock held: take the first armed timeout cd names off its list,
 * its timer stopped: 0 (*out set), -ENOENT, or -EALREADY (it is firing).
 */
static int extract(struct ring *r, const struct cancel_data *cd, struct req **out)
{
	struct req *lists[2] = { r->timeout_seq, r->timeout_noseq };

	for (int i = 0; i < 2; i++) {
		for (struct req *req = lists[i]; req; req = req_timeout(req)->tnext) {
			if (!cancel_match(req, cd))
				continue;
			if (!reactor_cancel(r->reactor, &req->rent))
				return -EALREADY;
			unlink_timeout(r, req);
			*out = req;
			return 0;
		}
	}
	return -ENOENT;
}

static void complete_cancelled(struct req *req)
{
	req_set_fail(req);
	req->res = -ECANCELED;
	req->cflags = 0;
	/* after the canceller's own CQE, as the kernel's task work */
	req_complete_deferred(req);
}

int timeout_cancel(struct ring *r, const struct cancel_data *cd)
{
	bool all = cd->flags & (IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_ANY);
	struct req *done = NULL, *done_tail = NULL;
	struct req *lists[2];
	int nr = 0;

	/* the kernel does not look at timeouts for a key by file */
	if (cd->flags & IORING_ASYNC_CANCEL_FD)
		return 0;
	pthread_mutex_lock(&r->timeout_lock);
	lists[0] = r->timeout_seq;
	lists[1] = r->timeout_noseq;
	for (int i = 0; i < 2 && (all || !nr); i++) {
		struct req *req, *next;

		for (req = lists[i]; req && (all || !nr); req = next) {
			next = req_timeout(req)->tnext;
			if (!cancel_match(req, cd))
				continue;
			if (!reactor_cancel(r->reactor, &req->rent)) {
				/* firing: it ends by itself; ALL counts it, as the kernel */
				if (!all) {
					pthread_mutex_unlock(&r->timeout_lock);
					return -EALREADY;
				}
				nr++;
				continue;
			}
			unlink_timeout(r, req);
			/* in list order */
			if (done_tail)
				req_timeout(done_tail)->tnext = req;
			else
				done = req;
			done_tail = req;
			nr++;
		}
	}
	pthread_mutex_unlock(&r->timeout_lock);
	while (done) {
		struct req *req = done;

		done = req_timeout(req)->tnext;
		req_timeout(req)->tnext = NULL;
		complete_cancelled(req);
	}
	return nr;
}

int timeout_remove_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct timeout_state *t = req_timeout(req);
	uint32_t flags = sqe->timeout_flags;

	if (req->flags & REQ_F_FIXED_FILE)
		return -EINVAL;
	if (sqe->buf_index || sqe->len || sqe->splice_fd_in)
		return -EINVAL;
	t->target = sqe->addr;
	t->flags = flags;
	if (!(flags & IORING_TIMEOUT_UPDATE_MASK))
		return flags ? -EINVAL : 0;
	if (flags & ~(IORING_TIMEOUT_UPDATE_MASK | IORING_TIMEOUT_ABS))
		return -EINVAL;
	return read_ts(sqe->off, &t->ns);
}

/* timeout_lock held: give the timeout user_data names a new time (it
 * becomes a plain timer: its count is dropped, as the kernel's off = 0).
 * *gone: the timeout, when it could not be armed again (the ring is going
 * away): the caller ends it, cancelled, once the lock is dropped. */
static int update(struct ring *r, struct req *upd, struct req **gone)
{
	struct timeout_state *u = req_timeout(upd);
	struct cancel_data cd = { .ring = r, .data = u->target };
	struct req *req;
	struct timeout_state *t;
	int ret = extract(r, &cd, &req);

	if (ret)
		return ret;
	t = req_timeout(req);
	t->off = 0;
	t->ns = u->ns;
	add_noseq(r, req);
	ret = arm(req, deadline_of(t, u->flags & IORING_TIMEOUT_ABS));
	if (ret) {
		unlink_timeout(r, req);
		*gone = req;
	}
	return 0;
}

/* ---- LINK_TIMEOUT ------------------------------------------------------------ */

/*
 * A LINK_TIMEOUT guards the request just before it in its chain (its
 * head): the kernel (6.15+) starts its timer before it issues the head, or
 * when a worker starts the head.  The engine takes the deadline there
 * (ltimeout_arm_begin()) but arms the timer only if the head does not
 * complete during its issue (ltimeout_arm_end()); a head that completes
 * there after the deadline passed is one the kernel's timer beat: the
 * timeout's cancel finds nothing to cancel and it ends -ENOENT (expired),
 * in the chain's order as below.
 * If it fires first it takes itself out of the chain, cancels its head by
 * user_data through the one cancel path (cancel_requests()) and ends with
 * -ETIME, or the cancel's -ENOENT/-EALREADY; its CQE comes before the
 * head's -ECANCELED (completions_hold()).  If the head completes first the
 * timeout ends -ECANCELED, after the head's CQE and before the rest of
 * the chain, as the kernel's: it stays in the chain (LT_DONE) and ends when
 * the chain reaches it.  Its CQE is never a failure (CQE_SKIP_SUCCESS hides
 * it), and the chain after it belongs to the head.
 *
 * States (lstate, timeout_lock):
 *   LT_IDLE     in the chain, head not issued yet;
 *   LT_ISSUING  the head is being issued (busy: the issuing thread will
 *               call ltimeout_arm_end(), so nobody else may end it);
 *   LT_ARMED    its timer is armed, on ring->ltimeouts;
 *   LT_DONE     the head completed first: it ends -ECANCELED;
 *   LT_FIRED    its timer fired.
 * The head points back to it (req->ltimeout) while it guards it, so that
 * the head's completion disarms it (ltimeout_req_done()).
 */
enum { LT_IDLE = 0, LT_ISSUING, LT_ARMED, LT_DONE, LT_FIRED };

static void ltimeout_fire(struct reactor_entry *e, uint32_t revents);

int link_timeout_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct submit_state *st = engine_submit_state;
	int ret = prep_common(req, sqe, true);

	if (ret)
		return ret;
	/* it follows a request of this batch's open chain, not another one */
	if (!st || st->ring != req->ring || !st->link_head)
		return -EINVAL;
	if (st->link_last->opcode == IORING_OP_LINK_TIMEOUT)
		return -EINVAL;
	st->link_last->flags |= REQ_F_ARM_LTIMEOUT;
	return 0;
}

static void lt_list(struct ring *r, struct req *lt)
{
	struct timeout_state *t = req_timeout(lt);

	t->tprev = NULL;
	t->tnext = r->ltimeouts;
	if (t->tnext)
		req_timeout(t->tnext)->tprev = lt;
	r->ltimeouts = lt;
	t->listed = true;
}

static void lt_unlist(struct ring *r, struct req *lt)
{
	if (req_timeout(lt)->listed) {
		list_unlink(&r->ltimeouts, NULL, lt);
		req_timeout(lt)->listed = false;
	}
}

/* timeout_lock held: its timer, at deadline on its clock */
static int lt_arm(struct ring *r, struct req *lt, uint64_t deadline)
{
	int ret;

	lt->rent.fd = -1;
	lt->rent.fn = ltimeout_fire;
	ret = req_arm_timer(lt, req_timeout(lt)->clock, deadline);
	if (!ret) {
		req_timeout(lt)->lstate = LT_ARMED;
		lt_list(r, lt);
	}
	return ret;
}

/* timeout_lock held: take lt out of its head's chain */
static void lt_detach(struct req *head, struct req *lt)
{
	head->link = lt->link;
	lt->link = NULL;
	atomic_store_explicit(&head->ltimeout, NULL, memory_order_relaxed);
	req_timeout(lt)->head = NULL;
}

static void lt_end(struct req *lt, int res)
{
	lt->res = res;
	lt->cflags = 0;
	lt->flags |= REQ_F_QUIET_RES; /* never a failure: CQE_SKIP holds */
	req_complete(lt);
}

struct req *ltimeout_arm_begin(struct req *req, bool worker)
{
	struct req *lt = req->link;
	struct timeout_state *t;
	struct ring *r = req->ring;

	req->flags &= ~REQ_F_ARM_LTIMEOUT;
	if (!lt || lt->opcode != IORING_OP_LINK_TIMEOUT)
		return NULL;
	t = req_timeout(lt);
	pthread_mutex_lock(&r->timeout_lock);
	t->head = req;
	t->deadline = deadline_of(t, t->flags & IORING_TIMEOUT_ABS);
	atomic_store_explicit(&req->ltimeout, lt, memory_order_relaxed);
	if (worker) {
		/* the kernel arms it when io-wq starts the request */
		if (lt_arm(r, lt, t->deadline)) {
			t->lstate = LT_DONE; /* the ring is going away */
			t->head = NULL;
			atomic_store_explicit(&req->ltimeout, NULL, memory_order_relaxed);
		}
		lt = NULL;
	} else {
		t->lstate = LT_ISSUING;
		t->busy = true;
	}
	pthread_mutex_unlock(&r->timeout_lock);
	return lt;
}

void ltimeout_arm_end(struct req *lt)
{
	struct timeout_state *t = req_timeout(lt);
	struct ring *r = lt->ring;
	bool end;

	pthread_mutex_lock(&r->timeout_lock);
	t->busy = false;
	if (t->lstate == LT_ISSUING && lt_arm(r, lt, t->deadline)) {
		/* the ring is going away: it ends when its chain reaches it */
		if (t->head)
			atomic_store_explicit(&t->head->ltimeout, NULL, memory_order_relaxed);
		t->head = NULL;
		t->lstate = LT_DONE;
	}
	/* the head completed during its issue: the chain reached the timeout,
	 * or the head's failure took it out of the chain */
	end = t->lstate == LT_DONE && (t->pending || t->orphan);
	pthread_mutex_unlock(&r->timeout_lock);
	if (end)
		lt_end(lt, t->expired ? -ENOENT : -ECANCELED);
}

struct req *ltimeout_req_done(struct req *req)
{
	struct ring *r = req->ring;
	struct req *lt;
	struct timeout_state *t;
	/* its failure (a negative result, or one its op marked failed: a
	 * short read) breaks the chain: the rest is cancelled (fail_links()),
	 * the timeout ends apart, as the kernel's io_disarm_next() */
	bool breaks =
		((req->res < 0 && !(req->flags & REQ_F_QUIET_RES)) || (req->flags & REQ_F_FAIL)) &&
		!(req->flags & REQ_F_HARDLINK);
	struct req *end = NULL;

	if (req->flags & REQ_F_ARM_LTIMEOUT) {
		/*
		 * Completed without being issued (a chain that failed at
		 * submission): as the kernel's io_disarm_next(), the timeout
		 * leaves the chain and ends -ECANCELED after req's CQE,
		 * before the rest of the chain.  Nobody else knows it yet.
		 */
		req->flags &= ~REQ_F_ARM_LTIMEOUT;
		lt = req->link;
		if (!lt || lt->opcode != IORING_OP_LINK_TIMEOUT)
			return NULL;
		req->link = lt->link;
		lt->link = NULL;
		return lt;
	}
	pthread_mutex_lock(&r->timeout_lock);
	lt = atomic_load_explicit(&req->ltimeout, memory_order_relaxed);
	if (!lt) {
		pthread_mutex_unlock(&r->timeout_lock);
		return NULL;
	}
	t = req_timeout(lt);
	if (t->lstate == LT_ISSUING) {
		t->lstate = LT_DONE;
		/* the kernel's timer, started before the issue, came first */
		t->expired = clock_ns(t->clock) >= t->deadline;
		if (breaks) {
			/* fail_links() would free it under its issuer's feet */
			lt_detach(req, lt);
			t->orphan = true;
		} else {
			t->head = NULL;
			atomic_store_explicit(&req->ltimeout, NULL, memory_order_relaxed);
		}
	} else if (t->lstate == LT_ARMED && reactor_cancel(r->reactor, &lt->rent)) {
		/* it ends -ECANCELED: in the chain, or apart when the chain
		 * breaks (after req's CQE, ltimeout_cancelled()) */
		lt_unlist(r, lt);
		t->lstate = LT_DONE;
		if (breaks) {
			lt_detach(req, lt);
			end = lt;
		} else {
			t->head = NULL;
			atomic_store_explicit(&req->ltimeout, NULL, memory_order_relaxed);
		}
	} else {
		/* firing: ltimeout_fire() ends it (-ETIME, no head to cancel) */
		lt_detach(req, lt);
	}
	pthread_mutex_unlock(&r->timeout_lock);
	return end;
}

void ltimeout_cancelled(struct req *lt)
{
	lt->res = -ECANCELED;
	lt->cflags = 0;
	lt->flags |= REQ_F_QUIET_RES; /* never a failure: CQE_SKIP holds */
	req_complete_deferred(lt);
}

int link_timeout_issue(struct req *lt, unsigned issue_flags)
{
	struct timeout_state *t = req_timeout(lt);
	struct ring *r = lt->ring;
	bool expired;

	(void)issue_flags;
	pthread_mutex_lock(&r->timeout_lock);
	if (t->busy) {
		/* its head's issuer ends it (ltimeout_arm_end()) */
		t->pending = true;
		pthread_mutex_unlock(&r->timeout_lock);
		return ISSUE_QUEUED;
	}
	expired = t->expired;
	pthread_mutex_unlock(&r->timeout_lock);
	/* reached in the chain: its head completed first (or as it expired) */
	lt->res = expired ? -ENOENT : -ECANCELED;
	lt->cflags = 0;
	lt->flags |= REQ_F_QUIET_RES;
	return ISSUE_DONE;
}

static void ltimeout_fire(struct reactor_entry *e, uint32_t revents)
{
	struct req *lt = (struct req *)((char *)e - offsetof(struct req, rent));
	struct timeout_state *t = req_timeout(lt);
	struct ring *r = lt->ring;
	struct cancel_data cd = { .ring = r };
	struct req *head;
	int ret;

	(void)revents;
	engine_thread_ctx = CTX_REACTOR;
	pthread_mutex_lock(&r->timeout_lock);
	lt_unlist(r, lt);
	t->lstate = LT_FIRED;
	head = t->head;
	if (head) {
		cd.data = head->user_data;
		lt_detach(head, lt);
	}
	pthread_mutex_unlock(&r->timeout_lock);
	if (!head) {
		lt_end(lt, -ETIME); /* the head completed as it fired */
		return;
	}
	/* the head's -ECANCELED (and its chain's) after this CQE */
	completions_hold();
	ret = cancel_requests(r, &cd);
	lt_end(lt, ret > 0 ? -ETIME : ret);
	completions_release();
}

/* timeout_lock held: LINK_TIMEOUT_UPDATE of the armed one named; *gone:
 * it could not be armed again (the ring is going away), to end -ECANCELED */
static int ltimeout_update(struct ring *r, struct req *upd, struct req **gone)
{
	struct timeout_state *u = req_timeout(upd);

	for (struct req *lt = r->ltimeouts; lt; lt = req_timeout(lt)->tnext) {
		struct timeout_state *t = req_timeout(lt);

		if (lt->user_data != u->target)
			continue;
		if (!reactor_cancel(r->reactor, &lt->rent))
			return -EALREADY;
		lt_unlist(r, lt);
		t->ns = u->ns;
		if (lt_arm(r, lt, deadline_of(t, u->flags & IORING_TIMEOUT_ABS))) {
			if (t->head)
				lt_detach(t->head, lt);
			t->lstate = LT_DONE;
			*gone = lt;
		}
		return 0;
	}
	return -ENOENT;
}

int timeout_remove_issue(struct req *req, unsigned issue_flags)
{
	struct timeout_state *u = req_timeout(req);
	struct ring *r = req->ring;
	struct req *t = NULL, *lt = NULL;
	int ret;

	(void)issue_flags;
	pthread_mutex_lock(&r->timeout_lock);
	if (u->flags & IORING_LINK_TIMEOUT_UPDATE) {
		ret = ltimeout_update(r, req, &lt);
	} else if (u->flags & IORING_TIMEOUT_UPDATE) {
		ret = update(r, req, &t);
	} else {
		struct cancel_data cd = { .ring = r, .data = u->target };

		ret = extract(r, &cd, &t);
	}
	pthread_mutex_unlock(&r->timeout_lock);
	if (t)
		complete_cancelled(t);
	if (lt)
		lt_end(lt, -ECANCELED);
	req->res = ret;
	return ISSUE_DONE;
}

bool timeout_disarmed(struct reactor_entry *e)
{
	struct req *req;
	struct ring *r;

	if (e->fn == ltimeout_fire) {
		/* a LINK_TIMEOUT: out of its head's chain (the head waits
		 * elsewhere and is cancelled there), ended */
		struct timeout_state *t;

		req = (struct req *)((char *)e - offsetof(struct req, rent));
		r = req->ring;
		t = req_timeout(req);
		pthread_mutex_lock(&r->timeout_lock);
		lt_unlist(r, req);
		if (t->head)
			lt_detach(t->head, req);
		t->lstate = LT_DONE;
		pthread_mutex_unlock(&r->timeout_lock);
		lt_end(req, -ECANCELED);
		return true;
	}
	if (e->fn != timeout_fire)
		return false;
	req = (struct req *)((char *)e - offsetof(struct req, rent));
	r = req->ring;
	pthread_mutex_lock(&r->timeout_lock);
	if (req_timeout(req)->listed)
		unlink_timeout(r, req);
	pthread_mutex_unlock(&r->timeout_lock);
	req->res = req_timeout(req)->by_count ? 0 : -ECANCELED;
	req->cflags = 0;
	req_complete(req);
	return true;
}
