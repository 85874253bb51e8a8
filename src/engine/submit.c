// SPDX-License-Identifier: MIT
/*
 * Submission: consuming the SQ (io_submit_sqes), initialising each request
 * from its SQE (io_init_req + the opcode's prep), link chains, drain, and
 * the request's way to its completion: inline in the submitting thread,
 * in a worker (wq.h) or after readiness (reactor.h).
 *
 * Within one submit call, inline completions are collected and posted at the
 * end of the batch in submission order, and link successors run after that
 * posting (the kernel's task work): so a chain [A(link), B] submitted with an
 * independent C gives CQEs A, C, B, as on the kernel.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/aio.h"
#include "engine/cancel.h"
#include "engine/engine.h"
#include "engine/kbuf.h"
#include "engine/ops/timeout.h"
#include "engine/sys.h"
#include "engine/trace.h"

enum { TW_ISSUE = 1, TW_FAIL_CHAIN = 2, TW_COMPLETE = 3 };

void req_set_fail(struct req *req)
{
	req->flags |= REQ_F_FAIL;
	if (req->flags & REQ_F_CQE_SKIP) {
		req->flags &= ~REQ_F_CQE_SKIP;
		req->flags |= REQ_F_SKIP_LINK_CQES;
	}
}

static void req_fail_link_node(struct req *req, int res)
{
	req_set_fail(req);
	req->res = res;
}

/*
 * The kernel frees requests completed inline after it has posted their
 * CQEs; the engine frees them before, while those CQEs wait in the submit
 * batch: what they let go of is put after the batch is posted, so that a
 * tag CQE a last put posts (rsrc.c) follows theirs, as on the kernel.
 */
static struct submit_state *cur_state(struct ring *r);

void req_put_rsrc(struct req *req, struct rsrc_node *node)
{
	struct submit_state *st = cur_state(req->ring);

	if (st && st->nr_puts == st->puts_cap) {
		unsigned cap = st->puts_cap ? st->puts_cap * 2 : 16;
		struct rsrc_node **v = realloc(st->puts, cap * sizeof(*v));

		if (v) {
			st->puts = v;
			st->puts_cap = cap;
		}
	}
	if (st && st->nr_puts < st->puts_cap)
		st->puts[st->nr_puts++] = node;
	else
		rsrc_node_put(node);
}

void ring_close_fd(struct ring *r, int fd)
{
	/* Not only a number that waited in the reactor: one that did not may
	 * still be in the set from an earlier file it named, and the reactor
	 * thread may take it out at any time; its lock orders that before
	 * this close. */
	if (r) {
		/* under async_lock: the reactor is not torn down meanwhile
		 * (ring_cancel_all() marks it closing first, and the set goes
		 * whole then); a dying ring's workers still finish before
		 * that, and their numbers leave the set the reactor thread
		 * still works on */
		pthread_mutex_lock(&r->async_lock);
		if (r->reactor && !r->reactor_closing)
			reactor_forget_fd(r->reactor, fd);
		pthread_mutex_unlock(&r->async_lock);
	}
	sys_close(fd);
}

void req_put_file(struct req *req)
{
	if (req->file) {
		req_put_rsrc(req, &req->file->node);
		req->file = NULL;
	}
	if (req->flags & REQ_F_FD_HELD) {
		ring_close_fd(req->ring, req->rfd);
		req->flags &= ~REQ_F_FD_HELD;
	}
}

/*
 * The kernel resolves a request's fd to a file once, when it is first
 * issued, and holds that file until the request completes.  The engine
 * works on fd numbers: inline, within one submit call, the number is the
 * file; a request that goes on to wait in a worker or in the reactor holds
 * its file with a duplicate placed high (sys.c), released at completion, so
 * a number the program closes and reuses meanwhile does not redirect its
 * I/O to another file.  Requests completed inline pay nothing for it.
 *
 * Where no fd can be had (RLIMIT_NOFILE) the request goes on by number, as
 * before: failing it would be a result the kernel never gives.
 */
void req_hold_file(struct req *req)
{
	int fd;

	if (req->rfd < 0 || req->file || (req->flags & REQ_F_FD_HELD))
		return;
	fd = sys_dup_high(req->rfd);
	if (fd < 0)
		return;
	req->rfd = fd;
	req->flags |= REQ_F_FD_HELD;
}

/* the submit call's shared duplicate goes (requests holding it keep it) */
static void hold_share_drop(struct submit_state *st)
{
	if (st->held) {
		rsrc_node_put(&st->held->node);
		st->held = NULL;
	}
}

/*
 * req_hold_file() for the writes one submit call hands to workers, one file
 * after another: those on one fd number share one duplicate (a struct rfile
 * in no table, a reference per request and one for the call), so the batch
 * costs one dup and one close, and a worker sees that they write through
 * one open file (ops/rw.c coalesces them).  The number names the same file
 * for all of them: the call gives up the share before it issues any other
 * op inline (hold_share_drop(), from req_issue(): a CLOSE or an open that
 * may reuse the number), and another thread's close meanwhile is one the
 * kernel's lookups could as well have seen after them.
 */
static void req_hold_file_shared(struct req *req, struct submit_state *st)
{
	struct rfile *f = st->held;

	if (req->rfd < 0 || req->file || (req->flags & REQ_F_FD_HELD))
		return;
	if (!f || st->held_num != req->rfd) {
		int fd = sys_dup_high(req->rfd);

		if (fd < 0)
			return; /* by number, as req_hold_file() */
		f = malloc(sizeof(*f));
		if (!f) {
			sys_close(fd);
			return; /* req_hold_file() tries alone */
		}
		atomic_init(&f->node.refs, 1);
		f->node.is_buf = false;
		f->node.tag = 0;
		f->node.ring = req->ring;
		f->fd = fd;
		hold_share_drop(st);
		st->held = f;
		st->held_num = req->rfd;
	}
	atomic_fetch_add_explicit(&f->node.refs, 1, memory_order_relaxed);
	req->file = f;
	req->rfd = f->fd;
}

/*
 * A request on a ring's own fd.  The kernel's ring file has no read, write
 * or fsync: most ops fail -EINVAL (a READ waits for the ring to be readable
 * first, here not); the op's ring_file hook says otherwise (opdef.c).
 */
static int ring_file_op(struct req *req)
{
	const struct op_def *def = &op_defs[req->opcode];

	return def->ring_file ? def->ring_file(req) : -EINVAL;
}

/* The request leaves the submitting thread: its file, and what it names by address. */
static void req_hold(struct req *req)
{
	req_hold_file(req);
	if (op_defs[req->opcode].hold)
		op_defs[req->opcode].hold(req);
}

int req_resolve_file(struct req *req)
{
	if (req->rfd >= 0)
		return 0;
	if (req->flags & REQ_F_FIXED_FILE) {
		struct rfile *f = rsrc_get_file(req->ring, (unsigned)req->fd);

		if (!f)
			return -EBADF;
		req->file = f;
		req->rfd = f->fd;
	} else {
		if (req->fd < 0)
			return -EBADF;
		if (engine_fd_names_ring(req->fd))
			return ring_file_op(req);
		req->rfd = req->fd;
		/* resolved by a worker (IOSQE_ASYNC): held from here, as the
		 * kernel's io-wq holds what it resolves */
		if (engine_thread_ctx == CTX_WORKER)
			req_hold_file(req);
	}
	return 0;
}

static struct submit_state *cur_state(struct ring *r)
{
	struct submit_state *st = engine_submit_state;

	return st && st->ring == r ? st : NULL;
}

/*
 * The request cache (the kernel's req cache): one calloc/free per request was
 * half of the engine's instructions per NOP.  A free request is linked
 * through tw_next.
 */
#define REQ_ALLOC_BATCH 16

/*
 * Clear the request's fields from res to big_cqe: the fields before res are
 * req_init()'s to set first thing, big_cqe and what follows it their users'
 * (engine.h), the op state (req_data()) the opcode's prep's.  With 16-byte
 * stores: the string instruction a memset() of this size compiles to costs
 * more to start than the whole clearing.  The empty asm keeps the compiler
 * from turning the loop back into that memset().
 */
#define REQ_CLEAR_START offsetof(struct req, res)
#define REQ_CLEAR_LEN (offsetof(struct req, big_cqe) - REQ_CLEAR_START)
_Static_assert(REQ_CLEAR_START % 8 == 0 && REQ_CLEAR_LEN % 8 == 0, "whole words");

static inline void req_clear(struct req *req)
{
	typedef uint64_t pair __attribute__((vector_size(16), aligned(8), may_alias));
	typedef uint64_t word __attribute__((aligned(8), may_alias));
	char *p = (char *)req + REQ_CLEAR_START;

#pragma GCC unroll 32
	for (size_t i = 0; i < REQ_CLEAR_LEN / 16; i++) {
		((pair *)p)[i] = (pair){ 0, 0 };
		__asm__("");
	}
	if (REQ_CLEAR_LEN % 16)
		*(word *)(p + REQ_CLEAR_LEN - 8) = 0;
}

/* submit_lock held.  A zeroed request, or NULL without memory. */
static struct req *req_alloc(struct ring *r)
{
	struct req *req = r->req_cache;

	if (!req) {
		/* acquire: pairs with the release push in req_free(), so the
		 * pushers' last writes to these requests happen before ours */
		req = atomic_exchange_explicit(&r->req_returned, NULL, memory_order_acquire);
		for (unsigned i = 0; !req && i < REQ_ALLOC_BATCH; i++) {
			struct req *n = malloc(sizeof(*n));

			if (!n)
				break;
			n->tw_next = r->req_cache;
			r->req_cache = n;
		}
		if (!req)
			req = r->req_cache;
		if (!req)
			return NULL;
	}
	r->req_cache = req->tw_next;
	/* only the submitter writes it (drain_alive() reads it) */
	atomic_store_explicit(&r->nr_allocated,
			      atomic_load_explicit(&r->nr_allocated, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	req_clear(req);
	return req;
}

static void req_freed(struct ring *r, uint64_t nr);

/* What a request holds besides itself, let go of as it is freed. */
static void req_release(struct req *req)
{
	if (req->flags & REQ_F_WQ_RAN)
		run_slot_forget(req);
	if ((req->flags & REQ_F_NEED_CLEANUP) && op_defs[req->opcode].cleanup)
		op_defs[req->opcode].cleanup(req);
	req_put_file(req);
	if (req->buf_sel)
		kbuf_recycle(req); /* a buffer no CQE reported goes back */
	if (req->creds)
		creds_put(req->creds);
	if (req->flags & REQ_F_ASYNC)
		atomic_fetch_sub_explicit(&req->ring->nr_async, 1, memory_order_relaxed);
}

void req_free(struct req *req)
{
	struct ring *r = req->ring;
	struct req *head;
	uint64_t nr;

	/* most requests hold nothing: one test of their flags and fields */
	if ((req->flags & (REQ_F_WQ_RAN | REQ_F_NEED_CLEANUP | REQ_F_FD_HELD | REQ_F_ASYNC)) ||
	    ((uintptr_t)req->file | (uintptr_t)req->creds | req->buf_sel))
		req_release(req);
	/* posted by cq_post_last(), which counted it */
	nr = (req->flags & REQ_F_DRAIN_GONE) ? 0 : 1;
	/* teardown (ring_cancel_all) empties the cache: nothing goes back then */
	if (atomic_load_explicit(&r->dying, memory_order_relaxed)) {
		free(req);
		req_freed(r, nr);
		return;
	}
	if (cur_state(r) && nr) {
		/* the submitting thread, which holds submit_lock.  Its CQE
		 * may wait in the batch: it stays alive for drain until the
		 * batch is posted (submit_state_end()) */
		req->tw_next = r->req_cache;
		r->req_cache = req;
		cur_state(r)->nr_freed_unposted++;
		return;
	}
	/* release: our writes to the request happen before the submitter reuses
	 * it (its acquire exchange in req_alloc()); only that exchange ever
	 * removes entries, so a push cannot meet ABA */
	head = atomic_load_explicit(&r->req_returned, memory_order_relaxed);
	do {
		req->tw_next = head;
	} while (!atomic_compare_exchange_weak_explicit(&r->req_returned, &head, req,
							memory_order_release,
							memory_order_relaxed));
	req_freed(r, nr);
}

static void req_list_free(struct req *req)
{
	while (req) {
		struct req *nxt = req->tw_next;

		free(req);
		req = nxt;
	}
}

/* Teardown, once no other thread can free a request of r: empty the caches. */
void req_cache_free(struct ring *r)
{
	req_list_free(r->req_cache);
	r->req_cache = NULL;
	req_list_free(atomic_exchange_explicit(&r->req_returned, NULL, memory_order_acquire));
	free(r->cqe_buf);
	r->cqe_buf = NULL;
	r->cqe_buf_cap = 0;
}

/* The request may now complete from a worker or the reactor. */
void req_count_async(struct req *req)
{
	if (!(req->flags & REQ_F_ASYNC)) {
		req->flags |= REQ_F_ASYNC;
		atomic_fetch_add_explicit(&req->ring->nr_async, 1, memory_order_relaxed);
		cq_taskrun_update(req->ring); /* IORING_SQ_TASKRUN (cq.c) */
	}
}

static void tw_add(struct submit_state *st, struct req *req, unsigned kind)
{
	req->tw_kind = kind;
	req->tw_next = NULL;
	if (st->tw_tail)
		st->tw_tail->tw_next = req;
	else
		st->tw_head = req;
	st->tw_tail = req;
}

/* The batch's CQE vector is full: false without memory for more. */
static bool batch_grow(struct cqe_vec *v)
{
	unsigned cap = v->cap ? 2 * v->cap : 32;
	struct ecqe *n = realloc(v->v, cap * sizeof(*n));

	if (!n)
		return false;
	v->v = n;
	v->cap = cap;
	return true;
}

/* The batch's next CQE slot, or NULL without memory for it. */
static inline struct ecqe *batch_next(struct submit_state *st)
{
	struct cqe_vec *v = &st->cqes;

	if (__builtin_expect(v->n == v->cap, 0) && !batch_grow(v))
		return NULL;
	return &v->v[v->n++];
}

static void batch_add_cqe(struct submit_state *st, struct ring *r, const struct ecqe *c)
{
	struct ecqe *slot = batch_next(st);

	if (slot)
		*slot = *c;
	else
		cq_post_cqe(r, c, true); /* no memory for the batch: posted directly */
}

/* req's CQE: a 32-byte one with its second half when it has one */
static void req_cqe(const struct req *req, struct ecqe *c)
{
	c->user_data = req->user_data;
	c->res = req->res;
	c->flags = req->cflags;
	c->big = req->flags & REQ_F_CQE32;
	/* the second half is read only when big (cq.c) */
	if (c->big) {
		c->big_cqe[0] = req->big_cqe[0];
		c->big_cqe[1] = req->big_cqe[1];
	}
}

void req_post_after(struct req *req, int32_t res, uint32_t cflags)
{
	struct submit_state *st = cur_state(req->ring);
	struct ecqe c = { .user_data = req->user_data, .res = res, .flags = cflags };

	trace_cqe(req, res, cflags);
	if (st)
		batch_add_cqe(st, req->ring, &c);
	else
		cq_post_cqe(req->ring, &c, true);
}

/* A request's last CQE: req_free() follows. */
static void post_req(struct req *req)
{
	struct submit_state *st;
	struct ecqe c;

	trace_complete(req);
	if (req->flags & REQ_F_CQE_SKIP)
		return;
	st = cur_state(req->ring);
	if (st) {
		struct ecqe *slot = batch_next(st);

		if (slot) {
			req_cqe(req, slot);
			return;
		}
		req_cqe(req, &c);
		cq_post_cqe(req->ring, &c, true); /* no memory for the batch */
	} else {
		req_cqe(req, &c);
		cq_post_last(req->ring, &c);
		req->flags |= REQ_F_DRAIN_GONE;
	}
}

/* Complete every member of a chain that will not run (io_req_tw_fail_links). */
static void fail_chain_now(struct req *link)
{
	while (link) {
		struct req *nxt = link->link;

		link->link = NULL;
		if (!(link->flags & REQ_F_FAIL))
			link->res = -ECANCELED;
		link->cflags = 0;
		post_req(link);
		req_free(link);
		link = nxt;
	}
}

static void fail_links(struct req *link, bool ignore_cqes)
{
	struct submit_state *st = cur_state(link->ring);

	for (struct req *l = link; l; l = l->link) {
		if (ignore_cqes)
			l->flags |= REQ_F_CQE_SKIP;
		else
			l->flags &= ~REQ_F_CQE_SKIP;
	}
	if (st)
		tw_add(st, link, TW_FAIL_CHAIN);
	else
		fail_chain_now(link);
}

/*
 * Issue req as the kernel's task work issues it, as at submit: a worker
 * here issues it nonblocking and not as a worker (a poll-first request arms
 * poll, ops/net.h), and the links after it are not the links of a request
 * io-wq ran.
 */
static void issue_as_task_work(struct req *req)
{
	int ctx = engine_thread_ctx;

	if (ctx == CTX_WORKER)
		engine_thread_ctx = CTX_REACTOR;
	req_issue(req, ISSUE_F_NONBLOCK);
	engine_thread_ctx = ctx;
}

/*
 * A request io-wq ran failed, and the kernel's handler returns that error
 * rather than setting it as the result: io-wq then fails it from task work
 * (io_req_task_queue_fail()), and so does a read's or write's io_rw_done()
 * for any failure, where a success completes in io-wq (probed on 6.18).
 */
static bool fails_as_task_work(const struct req *req)
{
	if (req->res >= 0)
		return false;
	switch (req->opcode) {
	case IORING_OP_READ:
	case IORING_OP_READV:
	case IORING_OP_READ_FIXED:
	case IORING_OP_READV_FIXED:
	case IORING_OP_WRITE:
	case IORING_OP_WRITEV:
	case IORING_OP_WRITE_FIXED:
	case IORING_OP_WRITEV_FIXED:
		return true;
	}
	/* sock_from_file() failed: returned by every socket op */
	return req->res == -ENOTSOCK || (req->flags & REQ_F_ERR_RETURNED);
}

enum { NEXT_HERE, NEXT_TASK_WORK, NEXT_WORKER };

/*
 * Where the kernel issues the request linked after req, which completes in
 * this thread: io-wq issues the link of a request it ran (io_wq_free_work()),
 * and a request that had IOSQE_ASYNC and waited for readiness runs again in
 * io-wq when woken (io_req_task_submit()), whereas the engine's reactor
 * runs it (REQ_F_ASYNC_ASKED; a multishot one lost it at its arming); but a
 * failure there that fails_as_task_work() is completed from task work.
 */
static int next_issue(const struct req *req)
{
	/* on a DEFER_TASKRUN ring (the kernel's lockless_cq) io-wq completes
	 * every request through the submitter's task work, which then issues
	 * the next link (io_req_complete_post(), probed) */
	if (engine_thread_ctx == CTX_WORKER)
		return fails_as_task_work(req) ||
				       (req->ring->flags & IORING_SETUP_DEFER_TASKRUN)
			       ? NEXT_TASK_WORK
			       : NEXT_HERE;
	if (engine_thread_ctx == CTX_REACTOR && (req->flags & REQ_F_ASYNC_ASKED) &&
	    !fails_as_task_work(req))
		return NEXT_WORKER;
	return NEXT_HERE;
}

static void queue_next(struct req *nxt, int where)
{
	struct submit_state *st = cur_state(nxt->ring);

	if (atomic_load_explicit(&nxt->ring->dying, memory_order_acquire)) {
		fail_links(nxt, false);
		return;
	}
	if (st)
		tw_add(st, nxt, TW_ISSUE);
	else if (where == NEXT_TASK_WORK)
		issue_as_task_work(nxt);
	else if (where == NEXT_WORKER)
		req_punt_wq(nxt);
	else
		req_issue(nxt, engine_thread_ctx == CTX_WORKER ? ISSUE_F_WORKER : ISSUE_F_NONBLOCK);
}

/*
 * A TIMEOUT ended (expiry or count: a success, or ETIME_SUCCESS) with its
 * CQE hidden by CQE_SKIP_SUCCESS: the kernel wakes the waiters all the same
 * (they return 0 with what is in the CQ).  After its links ran, as the
 * kernel's task work posts their CQEs before the waiter looks; in a submit
 * batch, once the batch's CQEs are posted.
 */
static void timeout_ended_quietly(struct ring *r)
{
	struct submit_state *st = cur_state(r);

	if (st)
		st->timeout_ended_quietly = true;
	else
		cq_timeout_ended_quietly(r);
}

/*
 * The end of a request: post its CQE (unless CQE_SKIP_SUCCESS hides a
 * success), then start or cancel what is linked to it, and free it.
 */
void req_complete(struct req *req)
{
	struct ring *r = req->ring;
	struct req *nxt, *lt = NULL;
	bool quiet_timeout;

	if ((req->flags & REQ_F_HOOKED) && faults_complete(req))
		return; /* RINGER_FAULTS: held back, completed later (faults.c) */
	/* its LINK_TIMEOUT, if one follows it, is disarmed first: that may
	 * change req->link, and give a timeout to end after req's CQE
	 * (ops/timeout.c) */
	if ((req->flags & REQ_F_ARM_LTIMEOUT) ||
	    atomic_load_explicit(&req->ltimeout, memory_order_relaxed))
		lt = ltimeout_req_done(req);
	nxt = req->link;
	if (req->res < 0 && !(req->flags & REQ_F_QUIET_RES))
		req_set_fail(req);
	/* a failure is never skipped, so a skipped TIMEOUT expired or was counted */
	quiet_timeout = req->opcode == IORING_OP_TIMEOUT && (req->flags & REQ_F_CQE_SKIP);
	post_req(req);
	if (lt)
		ltimeout_cancelled(lt);
	req->link = NULL;
	if (nxt) {
		if ((req->flags & REQ_F_FAIL) && !(req->flags & REQ_F_HARDLINK))
			fail_links(nxt, req->flags & REQ_F_SKIP_LINK_CQES);
		else
			queue_next(nxt, next_issue(req));
	}
	req_free(req);
	if (quiet_timeout)
		timeout_ended_quietly(r);
}

static _Thread_local bool held_on;
static _Thread_local struct req *held_head, *held_tail;

void completions_hold(void)
{
	held_on = true;
}

void completions_release(void)
{
	struct req *req = held_head;

	held_on = false;
	held_head = held_tail = NULL;
	while (req) {
		struct req *nxt = req->tw_next;

		req->tw_next = NULL;
		req_complete(req);
		req = nxt;
	}
}

/* Complete after the current submit batch is posted (or now, off the submit
 * path, unless the thread holds its completions back). */
void req_complete_deferred(struct req *req)
{
	struct submit_state *st = cur_state(req->ring);

	if (st) {
		tw_add(st, req, TW_COMPLETE);
	} else if (held_on) {
		req->tw_next = NULL;
		if (held_tail)
			held_tail->tw_next = req;
		else
			held_head = req;
		held_tail = req;
	} else {
		req_complete(req);
	}
}

/* The most requests of one file a worker takes at once (worker_batch()). */
#define WQ_BATCH_MAX 32

/*
 * A hashed request (hash_reg_file: a write to a regular file) and the
 * requests of its file queued behind it, run by this worker in order, as
 * io-wq's worker runs a hashed chain: one hand-off for the lot, and the op
 * may do their I/O together (wq_batch).  Each is claimed first (a
 * cancellation then answers -EALREADY, as for a running request), so that
 * none is cancelled once its op started its I/O.
 */
static void worker_batch(struct req *first)
{
	struct ring *r = first->ring;
	struct wq_work *works[WQ_BATCH_MAX - 1];
	struct req *reqs[WQ_BATCH_MAX], *claimed[WQ_BATCH_MAX];
	struct run_slot slots[WQ_BATCH_MAX];
	bool ok[WQ_BATCH_MAX];
	unsigned n, m = 0;

	reqs[0] = first;
	n = 1 + wq_take_hashed(r->wq, first->work.hash_key, works, WQ_BATCH_MAX - 1);
	for (unsigned i = 1; i < n; i++)
		reqs[i] = (struct req *)((char *)works[i - 1] - offsetof(struct req, work));
	for (unsigned i = 0; i < n; i++) {
		struct req *req = reqs[i];

		ok[i] = run_slot_begin(&slots[i], req);
		if (!ok[i])
			continue;
		if (req->flags & REQ_F_FORCE_ASYNC) /* it is async now */
			req->flags = (req->flags & ~REQ_F_FORCE_ASYNC) | REQ_F_ASYNC_ASKED;
		claimed[m++] = req;
	}
	if (m > 1)
		creds_batch_begin();
	if (m > 1 && !faults_on())
		op_defs[first->opcode].wq_batch(claimed, m);
	for (unsigned i = 0; i < n; i++) {
		if (!ok[i]) {
			reqs[i]->res = -ECANCELED;
			req_complete(reqs[i]);
			continue;
		}
		req_issue(reqs[i], ISSUE_F_WORKER);
		run_slot_end(&slots[i]);
	}
	if (m > 1)
		creds_batch_end();
}

static void worker_fn(struct wq_work *work)
{
	struct req *req = (struct req *)((char *)work - offsetof(struct req, work));
	struct run_slot slot;

	engine_thread_ctx = CTX_WORKER;
	if ((work->flags & WQ_WORK_HASHED) && op_defs[req->opcode].wq_batch) {
		worker_batch(req);
		return;
	}
	/* running: a cancellation answers -EALREADY (cancel.c) */
	if (!run_slot_begin(&slot, req)) {
		req->res = -ECANCELED;
		req_complete(req);
		return;
	}
	if (req->flags & REQ_F_FORCE_ASYNC) /* it is async now */
		req->flags = (req->flags & ~REQ_F_FORCE_ASYNC) | REQ_F_ASYNC_ASKED;
	req_issue(req, ISSUE_F_WORKER);
	run_slot_end(&slot);
}

static unsigned nr_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

/* async_lock held: the pool, capped at min(sq_entries, 4 x CPUs) for bounded
 * work (O_DIRECT does not come here: native AIO, aio.c) */
static int wq_new(struct ring *r)
{
	unsigned cap = 4 * nr_cpus();
	/* relaxed: RESIZE_RINGS may change it meanwhile (resize.c) */
	unsigned sq = __atomic_load_n(&r->sq_entries, __ATOMIC_RELAXED);

	if (cap > sq)
		cap = sq;
	if (wq_create(&r->wq, cap, 4 * nr_cpus()) < 0) {
		r->wq = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Make sure the ring has its worker pool (REGISTER_IOWQ_MAX_WORKERS). */
int engine_wq_get(struct ring *r)
{
	int ret = 0;

	pthread_mutex_lock(&r->async_lock);
	if (atomic_load_explicit(&r->dying, memory_order_relaxed))
		ret = -ENXIO;
	else if (!r->wq)
		ret = wq_new(r);
	pthread_mutex_unlock(&r->async_lock);
	return ret;
}

void req_punt_wq(struct req *req)
{
	struct ring *r = req->ring;

	/*
	 * IORING_FEAT_CUR_PERSONALITY: a request the submitting thread hands
	 * to a worker runs there with that thread's credentials as they are
	 * now (the kernel's io_prep_async_work()), not the worker's.
	 */
	if (!req->creds && engine_thread_ctx == CTX_APP && cur_state(r)) {
		struct submit_state *st = cur_state(r);

		/* once per submit call: the thread's credentials cannot change
		 * between its requests but by its own doing within the call,
		 * or while it issues one with a personality (read then) */
		if (creds_overridden())
			req->creds = creds_current();
		else if (!st->creds)
			st->creds = creds_current();
		if (!creds_overridden())
			req->creds = st->creds ? creds_get(st->creds) : NULL;
		if (!req->creds) {
			req->res = -ENOMEM;
			req_complete(req);
			return;
		}
	}
	/* not under async_lock: the share it replaces may close its fd */
	if (op_defs[req->opcode].hash_reg_file && (req->flags & REQ_F_ISREG) && cur_state(r))
		req_hold_file_shared(req, cur_state(r));
	pthread_mutex_lock(&r->async_lock);
	if (atomic_load_explicit(&r->dying, memory_order_relaxed)) {
		pthread_mutex_unlock(&r->async_lock);
		req->res = -ECANCELED;
		req_complete(req);
		return;
	}
	if (!r->wq && wq_new(r) < 0) {
		pthread_mutex_unlock(&r->async_lock);
		req->res = -ENOMEM;
		req_complete(req);
		return;
	}
	req_count_async(req);
	req->work.next = NULL;
	req->work.fn = worker_fn;
	req->work.flags = 0;
	req->work.hash_key = 0;
	/*
	 * One file's writes in one worker, in order (the kernel hashes them
	 * by inode).  The key is the file as the program names it: the
	 * registered file, or the fd number (a number closed and reused
	 * meanwhile only serializes two files' writes).
	 */
	if (op_defs[req->opcode].hash_reg_file && (req->flags & REQ_F_ISREG)) {
		req->work.flags |= WQ_WORK_HASHED;
		req->work.hash_key = (req->flags & REQ_F_FIXED_FILE)
					     ? (uint64_t)(uintptr_t)req->file
					     : (1ULL << 63) | (uint32_t)req->fd;
	}
	req_hold(req); /* resolved here already: the worker must get this file */
	/* bounded: work that waits for a regular file's I/O (io_prep_async_work) */
	if (op_defs[req->opcode].unbound_nonreg_file) {
		if (!(req->flags & REQ_F_ISREG))
			req->work.flags |= WQ_WORK_UNBOUND;
	} else if (!op_defs[req->opcode].force_async && !op_defs[req->opcode].bounded) {
		req->work.flags |= WQ_WORK_UNBOUND;
	}
	/* a cancellation finds it from here until a worker starts it */
	wq_pending_add(req);
	wq_enqueue(r->wq, &req->work);
	pthread_mutex_unlock(&r->async_lock);
}

/*
 * Where the reactor keeps its busy bit: IORING_SQ_TASKRUN itself, so that
 * liburing's peek enters while fd work is armed (the documented divergence,
 * engine.h), but on a DEFER_TASKRUN ring a word of its own: there the flag
 * says what the kernel's says, that CQEs wait for the submitter (cq.c).
 */
static _Atomic unsigned *reactor_busy_word(struct ring *r)
{
	if (r->flags & IORING_SETUP_DEFER_TASKRUN)
		return &r->reactor_busy;
	return (_Atomic unsigned *)r->sq_flags;
}

/*
 * Arm req->rent (fd, events and fn set by the caller) in the ring's reactor.
 * 0, or -ECANCELED when the ring is going away (the caller completes it).
 */
/* Take async_lock: 0 with the ring's reactor made and the lock held, or
 * -ECANCELED (the ring is going away) or -ENOMEM, the lock not held */
static int reactor_lock(struct ring *r)
{
	pthread_mutex_lock(&r->async_lock);
	if (atomic_load_explicit(&r->dying, memory_order_relaxed)) {
		pthread_mutex_unlock(&r->async_lock);
		return -ECANCELED;
	}
	if (!r->reactor) {
		if (reactor_create(&r->reactor) < 0) {
			r->reactor = NULL;
			pthread_mutex_unlock(&r->async_lock);
			return -ENOMEM;
		}
		/* liburing's peek enters only when it sees IORING_SQ_TASKRUN
		 * (or CQ_OVERFLOW): set while fd work is armed, on every ring
		 * but SQPOLL ones, whose task work the kernel runs in its SQ
		 * thread without the program entering (the reactor thread's
		 * part here), and whose program should not enter to submit */
		if (!(r->flags & IORING_SETUP_SQPOLL))
			reactor_set_busy_flag(r->reactor, reactor_busy_word(r),
					      IORING_SQ_TASKRUN);
	}
	return 0;
}

/*
 * An enter that gets events runs the reactor's ready work here first, as the
 * kernel runs a request's task work in the thread that enters: a receive
 * whose data came is done by the time enter looks at the CQ, even when the
 * reactor thread has not had the CPU yet.  IORING_SQ_TASKRUN is set while
 * the reactor has fd work armed: without it there is nothing to collect.
 */
struct ringer_reactor *ring_busy_reactor(struct ring *r)
{
	struct ringer_reactor *reactor;

	/* relaxed: a hint; set under the reactor's lock before anything it
	 * stands for can be collected (reactor.h) */
	if (!(atomic_load_explicit(reactor_busy_word(r), memory_order_relaxed) &
	      IORING_SQ_TASKRUN))
		return NULL;
	pthread_mutex_lock(&r->async_lock);
	reactor = r->reactor; /* freed only at teardown: our ring reference */
	pthread_mutex_unlock(&r->async_lock);
	return reactor;
}

void ring_run_reactor(struct ring *r)
{
	struct ringer_reactor *reactor = ring_busy_reactor(r);
	int ctx;

	if (!reactor)
		return;
	/* the fns complete requests as the reactor thread does (no submit
	 * state of ours, not a worker), then this thread is the app's again */
	ctx = engine_thread_ctx;
	engine_thread_ctx = CTX_REACTOR;
	reactor_run_ready(reactor);
	engine_thread_ctx = ctx;
}

int req_arm_poll(struct req *req, uint32_t events)
{
	struct ring *r = req->ring;
	int ret;

	ret = reactor_lock(r);
	if (ret)
		return ret;
	if (req->rent.fd == req->rfd && req->rfd >= 0) {
		/* it waits on its own file: hold it (not on an engine fd, e.g.
		 * a multishot poll's epoll set) */
		req_hold(req);
		req->rent.fd = req->rfd;
	}
	req->rent.events = events;
	req_count_async(req); /* before: the reactor may complete it at once */
	ret = reactor_arm(r->reactor, &req->rent);
	pthread_mutex_unlock(&r->async_lock);
	return ret;
}

uint32_t op_events(const struct req *req)
{
	const struct op_def *def = &op_defs[req->opcode];

	return (def->pollin ? POLLIN : 0U) | (def->pollout ? POLLOUT : 0U);
}

/*
 * Wait in the reactor for the op's own readiness on its file (its opdef's
 * pollin/pollout), then fn runs (the kernel's io_arm_poll_handler()); a
 * cancellation by key finds it meanwhile (cancel.c).
 */
int req_arm_ready(struct req *req, reactor_fn fn)
{
	return req_arm_ready_events(req, fn, op_events(req));
}

int req_arm_ready_events(struct req *req, reactor_fn fn, uint32_t events)
{
	req->rent.fd = req->rfd;
	req->ready_fn = fn;
	return ready_arm(req, events);
}

int req_arm_ready_mshot(struct req *req, reactor_fn fn)
{
	return ready_arm_mshot(req, fn, op_events(req));
}

void req_rearm_drained(struct req *req, bool polled)
{
	/* a number the request holds names the file it waited on; one it
	 * does not hold (out of fds for the duplicate) may name another */
	req->rent.rearm = polled && req->rent.fd == req->rfd &&
			  ((req->flags & REQ_F_FD_HELD) || req->file);
}

int ring_arm_reactor(struct ring *r, struct reactor_entry *e)
{
	int ret;

	ret = reactor_lock(r);
	if (ret)
		return ret;
	ret = reactor_arm(r->reactor, e);
	pthread_mutex_unlock(&r->async_lock);
	return ret;
}

void *ring_family_ctx(struct ring *r, _Atomic(void *) *slot, size_t size)
{
	void *ctx = atomic_load_explicit(slot, memory_order_acquire);

	if (ctx)
		return ctx;
	pthread_mutex_lock(&r->async_lock);
	ctx = atomic_load_explicit(slot, memory_order_relaxed);
	if (!ctx && !atomic_load_explicit(&r->dying, memory_order_relaxed)) {
		ctx = calloc(1, size);
		if (ctx) {
			pthread_mutex_init((pthread_mutex_t *)ctx, NULL);
			/* release: the zeroed memory and initialised lock before
			 * the pointer, for the acquire load above in other threads */
			atomic_store_explicit(slot, ctx, memory_order_release);
		}
	}
	pthread_mutex_unlock(&r->async_lock);
	return ctx;
}

int req_arm_timer(struct req *req, int clock, uint64_t deadline_ns)
{
	struct ring *r = req->ring;
	int ret;

	ret = reactor_lock(r);
	if (ret)
		return ret;
	req_count_async(req); /* before: the reactor may complete it at once */
	ret = reactor_arm_timer(r->reactor, &req->rent, clock, deadline_ns);
	pthread_mutex_unlock(&r->async_lock);
	return ret;
}

/*
 * sqe->personality: the issue runs with the registered credentials in this
 * thread, which gets its own back before it does anything else (creds.c).
 * What an op does later from the reactor or AIO runs without them.
 */
static int issue_with_creds(struct req *req, unsigned issue_flags)
{
	struct creds *saved;
	int ret = creds_override(req->creds, &saved);

	if (ret) {
		req_set_fail(req);
		req->res = ret;
		return ISSUE_DONE;
	}
	ret = op_defs[req->opcode].issue(req, issue_flags);
	creds_revert(saved);
	return ret;
}

void req_issue(struct req *req, unsigned issue_flags)
{
	const struct op_def *def = &op_defs[req->opcode];
	struct req *lt = NULL;
	int ret;

	if ((req->flags & REQ_F_HOOKED) && faults_issue(req))
		return; /* RINGER_FAULTS: an error, the operation not performed */
	if ((req->ring->flags & IORING_SETUP_IOPOLL) && !(issue_flags & ISSUE_F_IOPOLL) &&
	    iopoll_queue(req))
		return; /* parked until a GETEVENTS polls it (iopoll.c) */
	if ((issue_flags & ISSUE_F_NONBLOCK) &&
	    (def->force_async || (req->flags & REQ_F_FORCE_ASYNC))) {
		req_punt_wq(req);
		return;
	}
	if ((issue_flags & ISSUE_F_NONBLOCK) && !def->aio_batch) {
		aio_flush_pending(req->ring); /* CQEs in submission order */
		if (cur_state(req->ring))
			hold_share_drop(cur_state(req->ring));
	}
	/*
	 * A LINK_TIMEOUT follows: the kernel arms it once the request is
	 * issued and has not completed (it waits, or goes to io-wq), or when
	 * a worker starts it.  All of it is in ops/timeout.c: begin() before
	 * the issue, end() after, on the timeout alone (req may be gone).
	 */
	if (req->flags & REQ_F_ARM_LTIMEOUT)
		lt = ltimeout_arm_begin(req, issue_flags & ISSUE_F_WORKER);
	if (req->creds)
		ret = issue_with_creds(req, issue_flags);
	else
		ret = def->issue(req, issue_flags);
	if (ret == ISSUE_DONE) {
		/* a multishot request that armed with req_arm_ready_mshot()
		 * ends: off the ready list before it is freed (a no-op for
		 * any other) */
		if (req->flags & REQ_F_READY_MSHOT)
			req_ready_mshot_end(req);
		req_complete(req);
	} else if (ret == ISSUE_AGAIN)
		req_punt_wq(req);
	if (lt)
		ltimeout_arm_end(lt);
}

/*
 * Drain (the kernel's io_drain_req and io_queue_deferred, Linux 6.16+).
 * While drain_active is set every request the submitter queues goes to the
 * defer list (with its chain).  The head of the list starts when every
 * request alive is on the list, i.e. everything submitted before it has
 * completed, its CQE posted, and been freed, armed polls and running
 * workers included (a request the submitter frees while its CQE waits in the
 * submit batch counts as freed only once the batch is posted: else a drained
 * request started on a worker could post before it); so
 * does any entry behind a drained one (the requests after a drained request
 * wait for its completion).  A request that fails at submit time while
 * others are deferred is completed and freed at once: it is no completion of
 * an earlier request, since counting is on what is alive, not on CQEs.
 *
 * The protocol that keeps a deferred request from being lost:
 *  - only the submitter (submit_lock) writes drain_active, and it clears it
 *    only with the defer list empty (defer_lock held): the list is never
 *    non-empty while drain_active reads false;
 *  - a freeing thread increments nr_freed, then reads drain_active, and
 *    checks the list if it is set (req_freed());
 *  - the submitter sets drain_active before it appends (req_init), and
 *    checks the list after each append (drain_req()).
 * The increment and the read on one side, the store and the check's read of
 * nr_freed on the other are seq_cst: in their single total order, either the
 * freeing thread's read sees drain_active set (it checks, under defer_lock,
 * after or before the append: if before, the submitter's check comes later
 * and sees the increment through the lock), or its increment precedes the
 * store and thus the submitter's check.  Either way the last free before a
 * request may start is followed by a check that sees it.
 */
static uint64_t drain_alive(struct ring *r)
{
	/* seq_cst: the submitter's half of the protocol above.  It is also an
	 * acquire: the allocation of every request whose free is counted
	 * happened before that free, so the load of nr_allocated below sees
	 * it, and alive never reads less than the truth. */
	uint64_t freed = atomic_load_explicit(&r->nr_freed, memory_order_seq_cst);

	return atomic_load_explicit(&r->nr_allocated, memory_order_relaxed) - freed;
}

/* defer_lock held: everything alive is deferred. */
static bool drain_quiet(struct ring *r)
{
	return drain_alive(r) == r->nr_deferred;
}

/* nr requests were freed (req_free()), their CQEs posted. */
static void req_freed(struct ring *r, uint64_t nr)
{
	/* seq_cst, with the load below: the freeing thread's half of the
	 * protocol above */
	atomic_fetch_add_explicit(&r->nr_freed, nr, memory_order_seq_cst);
	if (atomic_load_explicit(&r->drain_active, memory_order_seq_cst))
		drain_check(r);
}

/* Start the requests of the defer list whose turn has come. */
void drain_check(struct ring *r)
{
	struct req *run = NULL, *run_tail = NULL;
	bool drain_seen = false, first = true;

	pthread_mutex_lock(&r->defer_lock);
	while (r->defer_head) {
		struct req *req = r->defer_head;

		drain_seen |= req->flags & REQ_F_IO_DRAIN;
		if ((drain_seen || first) && !drain_quiet(r))
			break;
		r->defer_head = req->list_next;
		if (!r->defer_head)
			r->defer_tail = NULL;
		r->nr_deferred -= req->defer_nr;
		req->list_next = NULL;
		if (run_tail)
			run_tail->list_next = req;
		else
			run = req;
		run_tail = req;
		first = false;
	}
	pthread_mutex_unlock(&r->defer_lock);

	while (run) {
		struct req *nxt = run->list_next;

		run->list_next = NULL;
		if (atomic_load_explicit(&r->dying, memory_order_acquire)) {
			run->res = -ECANCELED;
			req_complete(run);
		} else if (cur_state(r)) {
			tw_add(cur_state(r), run, TW_ISSUE);
		} else {
			/* the kernel's io_queue_deferred() queues it as task
			 * work, whoever freed the last request before it */
			issue_as_task_work(run);
		}
		run = nxt;
	}
}

/* submit_lock held, drain_active set: queue req (and its chain) behind the
 * requests before it. */
static void drain_req(struct ring *r, struct req *req)
{
	/* read before req is on the list: from there another thread's
	 * drain_check() may issue, complete and free it */
	bool drained = req->flags & REQ_F_IO_DRAIN;
	unsigned nr = 0;

	for (struct req *l = req; l; l = l->link)
		nr++;
	req->defer_nr = nr;
	req->list_next = NULL;
	pthread_mutex_lock(&r->defer_lock);
	if (r->defer_tail)
		r->defer_tail->list_next = req;
	else
		r->defer_head = req;
	r->defer_tail = req;
	r->nr_deferred += nr;
	pthread_mutex_unlock(&r->defer_lock);
	drain_check(r);
	if (drained)
		return;
	/* a plain request found nothing to wait for: the drain is over.  Under
	 * defer_lock, so that no check is between finding the list empty and
	 * the clearing (only the submitter appends, and it is here). */
	pthread_mutex_lock(&r->defer_lock);
	if (!r->defer_head)
		atomic_store_explicit(&r->drain_active, false, memory_order_seq_cst);
	pthread_mutex_unlock(&r->defer_lock);
}

/* io_queue_sqe_fallback: failed chains, drain, forced async. */
static void queue_fallback(struct ring *r, struct req *req)
{
	if (req->flags & REQ_F_FAIL) {
		/* nothing of a chain with a submit-time failure runs, hardlinks included */
		req->flags &= ~REQ_F_HARDLINK;
		req->flags |= REQ_F_LINK;
		req_complete(req);
	} else if (atomic_load_explicit(&r->drain_active, memory_order_acquire)) {
		drain_req(r, req);
	} else {
		req_punt_wq(req);
	}
}

/*
 * A request made while a drain is active goes to a worker when its turn
 * comes, as IOSQE_ASYNC does (the kernel's io_init_req() sets
 * REQ_F_FORCE_ASYNC for the slow path, and io_req_task_submit() hands it
 * to io-wq): the drained one, those behind it, and the first plain one
 * after it, which ends the drain (drain_req()), even when the drain is long
 * over.  Except a POLL_ADD, armed at once as before: from io-wq it is only
 * armed later, a difference in when it starts to look, which a program
 * that makes an event and takes it back at once meets.  liburing 2.3's
 * multicqes_drain does: its multishot poll, made behind the drain of the
 * round before, is not yet armed when the round's POLL_REMOVE looks (the
 * engine's -ENOENT), and the test waits forever: on the kernel every time
 * (2 of 6 CQEs), on the engine's workers some of the time; armed at once,
 * it passes.
 */
static void drain_async(struct req *req)
{
	if (req->opcode != IORING_OP_POLL_ADD)
		req->flags |= REQ_F_FORCE_ASYNC;
}

/* io_init_req: generic SQE checks, then the opcode's prep. */
static int req_init(struct ring *r, struct submit_state *st, struct req *req,
		    const struct io_uring_sqe *shared)
{
	/* room for a 128-byte SQE (IORING_SETUP_SQE128): its second half is
	 * the rest of a URING_CMD's command area */
	union {
		struct io_uring_sqe sqe;
		unsigned char bytes[128];
	} u;
	const struct io_uring_sqe *sqe = &u.sqe;
	const struct op_def *def;
	unsigned f, hooks = engine_hooks;

	/* the one copy of the SQE (IORING_FEAT_SUBMIT_STABLE) */
	if (r->sqe_shift)
		memcpy(&u, shared, sizeof(u.bytes));
	else
		memcpy(&u, shared, sizeof(u.sqe)); /* a constant size: no call */
	req->ring = r;
	req->opcode = sqe->opcode;
	req->flags = f = sqe->flags;
	req->user_data = sqe->user_data;
	req->fd = sqe->fd;
	req->ioprio = sqe->ioprio;
	req->rfd = -1;
	req->buf_sel = KBUF_SEL_NONE;
	req->buf_group = sqe->buf_group;
	if (__builtin_expect(hooks & ENGINE_HOOK_TRACE, 0)) {
		req->trace_id = 0; /* until trace_submit() numbers it */
		trace_submit(r, req, sqe);
	}

	if (sqe->opcode >= ENGINE_NR_OPS) {
		req->opcode = 0; /* a slot in the table, as the kernel's io_init_req() */
		return -EINVAL;
	}
	def = &op_defs[sqe->opcode];
	if (f & ~0x7fU)
		return -EINVAL;
	if ((f & IOSQE_BUFFER_SELECT) && !def->buffer_select)
		return -EOPNOTSUPP;
	if (f & IOSQE_CQE_SKIP_SUCCESS)
		atomic_store_explicit(&r->drain_disabled, true, memory_order_relaxed);
	if (f & IOSQE_IO_DRAIN) {
		if (atomic_load_explicit(&r->drain_disabled, memory_order_relaxed))
			return -EOPNOTSUPP;
		/* seq_cst: before any append (see drain_check()) */
		atomic_store_explicit(&r->drain_active, true, memory_order_seq_cst);
		if (st->link_head) {
			/* drain on a chain member: the whole chain drains, and so does the next */
			st->link_head->flags |= REQ_F_IO_DRAIN;
			drain_async(st->link_head);
			r->drain_next = true;
			req->flags &= ~REQ_F_IO_DRAIN;
		}
	}
	/* io_check_restriction(): after the flag checks, before the drain of the next */
	if (atomic_load_explicit(&r->restricted, memory_order_relaxed) &&
	    !ring_sqe_allowed(r, sqe->opcode, f))
		return -EACCES;
	/* relaxed: only the submitter writes drain_active */
	if (atomic_load_explicit(&r->drain_active, memory_order_relaxed))
		drain_async(req);
	if (r->drain_next && !st->link_head) {
		r->drain_next = false;
		atomic_store_explicit(&r->drain_active, true, memory_order_seq_cst);
		req->flags |= REQ_F_IO_DRAIN;
		drain_async(req);
	}
	if (sqe->ioprio && !def->ioprio)
		return -EINVAL;
	if ((r->flags & IORING_SETUP_IOPOLL) && !def->iopoll)
		return -EINVAL; /* not pollable: refused on IOPOLL rings (iopoll.c) */
	if (sqe->personality) {
		req->creds = personality_get(r, sqe->personality);
		if (!req->creds)
			return -EINVAL;
	}
	if (__builtin_expect(hooks & ENGINE_HOOK_FAULTS, 0)) {
		/* RINGER_FAULTS: may shorten the copy's length */
		int ret;

		req->fault_kind = FAULT_NONE; /* unless faults_prep() decides */
		ret = faults_prep(r, req, &u.sqe, st->link_head != NULL);

		if (req->fault_kind != FAULT_NONE)
			req->flags |= REQ_F_HOOKED; /* faults_issue(), faults_complete() */
		return ret;
	}
	return def->prep(req, sqe);
}

static int submit_fail_init(struct ring *r, struct submit_state *st, struct req *req, int ret)
{
	struct req *head = st->link_head;

	req_fail_link_node(req, ret);
	if (head && !(head->flags & REQ_F_FAIL))
		req_fail_link_node(head, -ECANCELED);
	if (!(req->flags & REQ_F_LINK_FLAGS)) {
		if (head) {
			st->link_last->link = req;
			st->link_head = NULL;
			req = head;
		}
		queue_fallback(r, req);
		return ret;
	}
	if (head)
		st->link_last->link = req;
	else
		st->link_head = req;
	st->link_last = req;
	return 0;
}

static int submit_one(struct ring *r, struct submit_state *st, struct req *req,
		      const struct io_uring_sqe *sqe)
{
	int ret = req_init(r, st, req, sqe);

	if (ret)
		return submit_fail_init(r, st, req, ret);
	if (st->link_head) {
		st->link_last->link = req;
		st->link_last = req;
		if (req->flags & REQ_F_LINK_FLAGS)
			return 0;
		/* the last member: the chain goes as one */
		req = st->link_head;
		st->link_head = NULL;
		if ((req->flags & (REQ_F_FORCE_ASYNC | REQ_F_FAIL)) ||
		    atomic_load_explicit(&r->drain_active, memory_order_acquire))
			queue_fallback(r, req);
		else
			req_issue(req, ISSUE_F_NONBLOCK);
		return 0;
	}
	if (req->flags & REQ_F_LINK_FLAGS) {
		st->link_head = st->link_last = req;
		return 0;
	}
	if ((req->flags & (REQ_F_FORCE_ASYNC | REQ_F_FAIL)) ||
	    atomic_load_explicit(&r->drain_active, memory_order_acquire))
		queue_fallback(r, req);
	else
		req_issue(req, ISSUE_F_NONBLOCK);
	return 0;
}

/* Post the batch, run the link work it produced, until nothing is left. */
static void submit_state_end(struct ring *r, struct submit_state *st)
{
	if (st->link_head) {
		/*
		 * A chain never spans two enter calls: one left open goes to a
		 * worker, as the kernel's io_submit_state_end() punts it to
		 * io-wq (so it runs blocking: RWF_NOWAIT is dropped there).
		 */
		struct req *head = st->link_head;

		st->link_head = NULL;
		queue_fallback(r, head);
	}
	for (;;) {
		struct req *tw;

		/* the batch's AIO reads and writes, in one io_submit; cached
		 * ones complete here, and may add link work */
		aio_flush(r);
		cq_post_batch(r, st->cqes.v, st->cqes.n);
		st->cqes.n = 0;
		rsrc_put_deferred(st);
		if (st->nr_freed_unposted) {
			/* their CQEs are out: a drain may start (as link work) */
			uint64_t nr = st->nr_freed_unposted;

			st->nr_freed_unposted = 0;
			req_freed(r, nr);
		}
		tw = st->tw_head;
		if (!tw)
			break;
		st->tw_head = st->tw_tail = NULL;
		while (tw) {
			struct req *nxt = tw->tw_next;

			tw->tw_next = NULL;
			if (tw->tw_kind == TW_FAIL_CHAIN)
				fail_chain_now(tw);
			else if (tw->tw_kind == TW_COMPLETE)
				req_complete(tw);
			else if (atomic_load_explicit(&r->dying, memory_order_acquire))
				fail_links(tw, false);
			else
				req_issue(tw, ISSUE_F_NONBLOCK);
			tw = nxt;
		}
	}
	if (st->timeout_ended_quietly) {
		st->timeout_ended_quietly = false;
		cq_timeout_ended_quietly(r);
	}
	/* the vector stays with the ring for the next submit call */
	r->cqe_buf = st->cqes.v;
	r->cqe_buf_cap = st->cqes.cap;
}

/*
 * Consume up to to_submit SQEs (io_submit_sqes); called with submit_lock
 * held, from enter or from the SQ poller thread (sqpoll.c).  Returns the number
 * consumed, not counting dropped invalid indexes, or -EAGAIN if none could be.
 */
int submit_sqes(struct ring *r, unsigned to_submit)
{
	struct submit_state st = { .ring = r };
	unsigned tail, avail, nr, left;
	bool nomem = false;

	/* acquire: pairs with the application's release store of sq.tail, so the
	 * SQEs and array entries it wrote before are visible here */
	tail = io_uring_smp_load_acquire(r->sq_tail);
	avail = tail - r->cached_sq_head;
	if (avail > r->sq_entries)
		avail = r->sq_entries;
	nr = to_submit < avail ? to_submit : avail;
	if (!nr)
		return 0;

	st.cqes.v = r->cqe_buf;
	st.cqes.cap = r->cqe_buf_cap;
	st.prev_state = engine_submit_state;
	engine_submit_state = &st;
	left = nr;
	while (left) {
		unsigned slot = r->cached_sq_head & r->sq_mask, idx = slot;
		struct req *req;
		int ret;

		if (r->sq_array) {
			idx = IO_URING_READ_ONCE(r->sq_array[slot]);
			if (idx >= r->sq_entries) {
				r->cached_sq_head++;
				/* only the engine writes sq_dropped */
				IO_URING_WRITE_ONCE(*r->sq_dropped,
						    IO_URING_READ_ONCE(*r->sq_dropped) + 1);
				break;
			}
		}
		req = req_alloc(r);
		if (!req) {
			nomem = true;
			break;
		}
		r->cached_sq_head++;
		ret = submit_one(r, &st, req, &r->sqes[(size_t)idx << r->sqe_shift]);
		left--;
		if (ret && !(r->flags & IORING_SETUP_SUBMIT_ALL))
			break;
	}
	/*
	 * release: the application sees the new head only after the engine is
	 * done reading the SQEs it covers (they were copied at init).  Before
	 * the batch's CQEs are posted: an SQ poller preempted right after
	 * waking the reaper would otherwise leave the SQ looking full (sqpoll.c).
	 */
	io_uring_smp_store_release(r->sq_head, r->cached_sq_head);
	submit_state_end(r, &st);
	engine_submit_state = st.prev_state;
	hold_share_drop(&st);
	if (st.creds)
		creds_put(st.creds);
	trace_batch_end();
	free(st.puts);
	if (nomem && left == nr)
		return -EAGAIN;
	return (int)(nr - left);
}
