// SPDX-License-Identifier: MIT
/*
 * IORING_OP_FUTEX_WAIT, FUTEX_WAKE and FUTEX_WAITV (the kernel's
 * io_uring/futex.c), on the kernel's own futexes: the engine's waits are real
 * waiters in the kernel's futex queues, so a wake from anywhere (futex(2),
 * another ring, another process for a shared futex) finds them and counts
 * them, as it finds the kernel's io_uring waits.
 *
 * FUTEX_WAKE is the futex_wake(2) system call: the same checks and result.
 *
 * A wait is checked at issue by the kernel itself: futex_wait(2) (waitv for
 * FUTEX_WAITV) with a deadline already past gives the kernel's -EAGAIN,
 * -EFAULT, -EINVAL; -ETIMEDOUT means the values matched.  Then a helper
 * thread of the ring waits for the wake, blocked in futex_waitv(2) on the
 * request's futexes plus a word of its own, the cancel word, which
 * cancellation sets and wakes.  So each armed wait holds a thread (idle
 * helpers are reused, and leave after a second with nothing to do); the
 * kernel's hold none.
 *
 * No wake is lost to the hand-off: issue returns only once the helper is
 * queued in the kernel (FUTEX_CMP_REQUEUE of the cancel word onto itself
 * counts the waiters queued there, moving none; the cancel word is the last
 * entry the helper queues).  A program that submits a wait and then wakes
 * the futex finds the wait queued, as on the kernel.
 *
 * futex_waitv(2) knows no bitset: a FUTEX_WAIT whose mask is not
 * FUTEX_BITSET_MATCH_ANY, and a FUTEX_WAITV of 128 entries (no room for the
 * cancel word), wait instead in futex_wait(2)/futex_waitv(2) slices of 50 ms,
 * and look at the cancel word between them (helper_sleeping() tells issue when
 * the first slice is queued).
 *
 * A cancelled wait leaves the kernel's futex queue before the cancel
 * completes, as the kernel's; a sliced one at the end of its slice.
 *
 * Where the engine differs: the helper's futex_waitv(2) checks the values
 * again when it queues; a value changed between the check at issue and
 * then (and, for the sliced waits, between two slices) completes the wait
 * as woken (res 0, or the index of the changed entry) where the kernel would
 * wait for a wake.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "engine/cancel.h"
#include "engine/sys.h"
#include "engine/thread.h"
#include "engine/ops/futex.h"

#define SLICE_NS 50000000ULL /* a sliced wait looks at its cancel word this often */
#define HELPER_IDLE_S 1 /* an idle helper leaves after this long */
#define CANCELLED (-0x7fffffff - 1) /* helper_wait(): the cancel word was set */

/* The armed waits of a ring and their helpers (ring->futex). */
struct futex_ctx {
	pthread_mutex_t lock;
	struct req *armed; /* list_next/list_prev; on it = not yet completed */
	struct futex_helper *helpers; /* every helper not yet joined */
	bool stop; /* teardown: no more arming */
};

struct futex_helper {
	struct futex_helper *next;
	struct futex_ctx *ctx;
	pthread_t thread;
	pthread_cond_t cv;
	_Atomic pid_t tid;
	/* under ctx->lock */
	bool has_job, idle, exited;
	unsigned pinned; /* issuers looking at it: it must not leave */
	struct req *req; /* the armed request; NULL once completed or cancelled */
	unsigned seq; /* jobs given */
	/* the job, written under ctx->lock before has_job */
	bool sliced, vector;
	unsigned nr; /* the request's entries in v (the cancel word follows) */
	uint64_t uaddr, val, mask;
	uint32_t flags;
	struct futex_waitv v[FX_WAITV_MAX + 1];
	/* set (release) and woken by a canceller under ctx->lock; read by the
	 * helper when its wait returns; reset by the helper under ctx->lock */
	atomic_uint cancel;
	atomic_uint in_wait; /* in (or entering) its futex wait */
	atomic_uint seq_done; /* jobs finished (release: issue sees it) */
};

/* An absolute CLOCK_MONOTONIC deadline that has passed: a check, no wait. */
static const struct timespec past_deadline = { 0, 0 };

int futex_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct futex_state *st = req_data(req, struct futex_state);
	uint32_t flags = (uint32_t)sqe->fd;

	if (sqe->len || sqe->futex_flags || sqe->buf_index || sqe->file_index)
		return -EINVAL;
	/* only 32-bit futexes exist (as in 6.18); value and mask are 32 bits */
	if ((flags & ~FX2_VALID_MASK) || (flags & FX2_SIZE_MASK) != FX2_SIZE_U32)
		return -EINVAL;
	if (sqe->addr2 > UINT32_MAX || sqe->addr3 > UINT32_MAX)
		return -EINVAL;
	st->uaddr = sqe->addr;
	st->val = sqe->addr2;
	st->mask = sqe->addr3;
	st->flags = flags;
	st->nr = 1;
	st->vec = NULL;
	st->helper = NULL;
	return 0;
}

int futexv_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct futex_state *st = req_data(req, struct futex_state);
	const struct futex_waitv *uv = (const void *)(uintptr_t)sqe->addr;
	struct futex_waitv *vec;
	unsigned i, nr = sqe->len;

	/* no flags nor mask for the vector: each entry has its own flags */
	if (sqe->fd || sqe->buf_index || sqe->file_index || sqe->addr2 || sqe->futex_flags ||
	    sqe->addr3)
		return -EINVAL;
	if (!nr || nr > FX_WAITV_MAX)
		return -EINVAL;
	vec = malloc(nr * sizeof(*vec));
	if (!vec)
		return -ENOMEM;
	/* copied now, entry by entry, checked as the kernel parses them: the
	 * array may change once the SQE is consumed */
	for (i = 0; i < nr; i++) {
		struct futex_waitv *w = &vec[i];

		if (umem_read(w, &uv[i], sizeof(*w))) {
			free(vec);
			return -EFAULT;
		}
		if ((w->flags & ~FX2_VALID_MASK) || w->__reserved ||
		    (w->flags & FX2_SIZE_MASK) != FX2_SIZE_U32 || w->val > UINT32_MAX) {
			free(vec);
			return -EINVAL;
		}
	}
	st->nr = nr;
	st->vec = vec;
	st->helper = NULL;
	req->flags |= REQ_F_NEED_CLEANUP;
	return 0;
}

void futex_cleanup(struct req *req)
{
	struct futex_state *st = req_data(req, struct futex_state);

	free(st->vec);
	st->vec = NULL;
}

int futex_wake_issue(struct req *req, unsigned issue_flags)
{
	struct futex_state *st = req_data(req, struct futex_state);

	/* the kernel passes the count on as an int, as futex_wake(2) takes it */
	req->res = (int32_t)sys_futex_wake((void *)(uintptr_t)st->uaddr, st->mask, (int)st->val,
					   st->flags);
	return ISSUE_DONE;
}

/* ring_family_ctx() initialises the lock, its first member */
_Static_assert(offsetof(struct futex_ctx, lock) == 0, "futex_ctx: the lock first");

static struct futex_ctx *ctx_get(struct ring *r)
{
	return ring_family_ctx(r, &r->futex, sizeof(struct futex_ctx));
}

/* The first entry whose value is no longer the expected one, or -1. */
static int first_changed(struct futex_helper *t)
{
	for (unsigned i = 0; i < t->nr; i++) {
		uint32_t now;

		if (umem_read(&now, (const void *)(uintptr_t)t->v[i].uaddr, sizeof(now)) ||
		    now != (uint32_t)t->v[i].val)
			return (int)i;
	}
	return -1;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The helper's wait: the woken entry's index (0 for FUTEX_WAIT), -errno, or CANCELLED. */
static int helper_wait(struct futex_helper *t)
{
	for (;;) {
		long r;

		if (t->sliced) {
			uint64_t end = mono_ns() + SLICE_NS;
			struct timespec ts = { (time_t)(end / 1000000000ULL),
					       (long)(end % 1000000000ULL) };

			if (atomic_load_explicit(&t->cancel, memory_order_acquire))
				return CANCELLED;
			atomic_store_explicit(&t->in_wait, 1, memory_order_relaxed);
			if (t->vector)
				r = sys_futex_waitv(t->v, t->nr, 0, &ts, CLOCK_MONOTONIC);
			else
				r = sys_futex_wait((void *)(uintptr_t)t->uaddr, t->val, t->mask,
						   t->flags, &ts, CLOCK_MONOTONIC);
			atomic_store_explicit(&t->in_wait, 0, memory_order_relaxed);
		} else {
			atomic_store_explicit(&t->in_wait, 1, memory_order_relaxed);
			r = sys_futex_waitv(t->v, t->nr + 1, 0, NULL, 0);
			/* release: out of the kernel's queues (disarm() waits) */
			atomic_store_explicit(&t->in_wait, 0, memory_order_release);
		}
		/* acquire: pairs with the canceller's release store */
		if (atomic_load_explicit(&t->cancel, memory_order_acquire))
			return CANCELLED;
		if (r >= 0 && r < (long)t->nr)
			return (int)r;
		if (r == -EAGAIN) {
			int i = first_changed(t);

			if (i >= 0)
				return i;
			continue; /* changed and back: wait again */
		}
		if (r >= 0 || r == -ETIMEDOUT || r == -EINTR)
			continue; /* the cancel word woken without a cancel, a slice's end */
		return (int)r;
	}
}

static void *helper_main(void *arg)
{
	struct futex_helper *t = arg;
	struct futex_ctx *ctx = t->ctx;

	engine_thread_ctx = CTX_REACTOR;
	atomic_store_explicit(&t->tid, (pid_t)syscall(SYS_gettid), memory_order_relaxed);
	pthread_mutex_lock(&ctx->lock);
	for (;;) {
		struct timespec until;
		struct req *req;
		int res;

		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += HELPER_IDLE_S;
		while (!t->has_job && !ctx->stop) {
			if (pthread_cond_timedwait(&t->cv, &ctx->lock, &until) == ETIMEDOUT &&
			    !t->has_job && !t->pinned)
				goto out;
		}
		if (!t->has_job)
			goto out;
		pthread_mutex_unlock(&ctx->lock);

		res = helper_wait(t);

		pthread_mutex_lock(&ctx->lock);
		/* still armed: ours to complete; else a canceller completed it */
		req = t->req;
		t->req = NULL;
		if (req)
			req_list_del(&ctx->armed, req);
		t->has_job = false;
		t->idle = true;
		atomic_store_explicit(&t->cancel, 0, memory_order_relaxed);
		/* release: the job's end before issue's look at it */
		atomic_store_explicit(&t->seq_done, t->seq, memory_order_release);
		if (req) {
			pthread_mutex_unlock(&ctx->lock);
			/*
			 * A wake from a request of this ring (FUTEX_WAKE) came
			 * from a submit call, which posts its CQEs as it ends:
			 * the waker's CQE comes first, as the kernel's, whose
			 * woken wait completes in task work after the submit.
			 */
			pthread_mutex_lock(&req->ring->submit_lock);
			pthread_mutex_unlock(&req->ring->submit_lock);
			req->res = res == CANCELLED ? -ECANCELED : res;
			req->cflags = 0;
			req_complete(req);
			pthread_mutex_lock(&ctx->lock);
		}
	}
out:
	t->exited = true;
	t->idle = false;
	pthread_mutex_unlock(&ctx->lock);
	return NULL;
}

/* Is the sliced helper asleep in its wait?  (The kernel's view: its state.) */
static bool helper_sleeping(struct futex_helper *t)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	if (!atomic_load_explicit(&t->in_wait, memory_order_relaxed))
		return false;
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat",
		 (int)atomic_load_explicit(&t->tid, memory_order_relaxed));
	fd = sys_open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true; /* no /proc: do not wait for what cannot be seen */
	n = sys_read(fd, buf, sizeof(buf) - 1);
	sys_close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the state follows the command name */
	return p && p[1] == ' ' && p[2] == 'S' && atomic_load(&t->in_wait);
}

/*
 * Return once t's job is queued in the kernel (or over): a wake the program
 * makes after its submit must find the wait.
 */
static void wait_queued(struct futex_helper *t, unsigned seq)
{
	uint64_t give_up = mono_ns() + 1000000000ULL;

	for (;;) {
		/* acquire: pairs with the helper's release of seq_done */
		if (atomic_load_explicit(&t->seq_done, memory_order_acquire) == seq)
			return;
		if (t->sliced) {
			if (helper_sleeping(t))
				return;
		} else {
			/* waiters on the cancel word, moved onto itself: the
			 * helper queues it last.  -EAGAIN: cancelled already */
			if (sys_futex((uint32_t *)&t->cancel, FUTEX_CMP_REQUEUE_PRIVATE, 0, 1,
				      (uint32_t *)&t->cancel, 0) != 0)
				return;
		}
		if (mono_ns() > give_up)
			return;
		sched_yield();
	}
}

/* ctx->lock held: the helpers that left, off the list (joined by the caller) */
static struct futex_helper *helpers_exited(struct futex_ctx *ctx)
{
	struct futex_helper **pp = &ctx->helpers, *t, *dead = NULL;

	while ((t = *pp)) {
		if (t->exited && !t->pinned) {
			*pp = t->next;
			t->next = dead;
			dead = t;
		} else {
			pp = &t->next;
		}
	}
	return dead;
}

static void helpers_join(struct futex_helper *t)
{
	while (t) {
		struct futex_helper *nxt = t->next;

		pthread_join(t->thread, NULL);
		pthread_cond_destroy(&t->cv);
		free(t);
		t = nxt;
	}
}

static struct futex_helper *helper_new(struct futex_ctx *ctx)
{
	struct futex_helper *t = calloc(1, sizeof(*t));
	pthread_condattr_t ca;

	if (!t)
		return NULL;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cv, &ca);
	pthread_condattr_destroy(&ca);
	t->ctx = ctx;
	return t;
}

/*
 * Hand req to a helper, which waits for the futexes of t->v (from v, nr
 * entries) and completes it.  0, or -errno (the request completes with it).
 */
static int futex_arm(struct req *req, const struct futex_waitv *v, unsigned nr, bool sliced)
{
	struct futex_state *st = req_data(req, struct futex_state);
	struct futex_ctx *ctx = ctx_get(req->ring);
	struct futex_helper *t, *dead;
	bool fresh = false;
	unsigned seq;

	if (!ctx)
		return atomic_load(&req->ring->dying) ? -ECANCELED : -ENOMEM;
	pthread_mutex_lock(&ctx->lock);
	if (ctx->stop) {
		pthread_mutex_unlock(&ctx->lock);
		return -ECANCELED;
	}
	dead = helpers_exited(ctx);
	for (t = ctx->helpers; t && !t->idle; t = t->next)
		;
	if (!t) {
		t = helper_new(ctx);
		if (!t) {
			pthread_mutex_unlock(&ctx->lock);
			helpers_join(dead);
			return -ENOMEM;
		}
		fresh = true;
	}
	memcpy(t->v, v, nr * sizeof(*v));
	t->nr = nr;
	t->sliced = sliced;
	t->vector = st->vec != NULL;
	t->uaddr = st->uaddr;
	t->val = st->val;
	t->mask = st->mask;
	t->flags = st->flags;
	/* the cancel word: 0 until cancelled, private to this process */
	t->v[nr] = (struct futex_waitv){ .val = 0, .uaddr = (uintptr_t)&t->cancel,
					 .flags = FX2_SIZE_U32 | FX2_PRIVATE };
	t->req = req;
	t->has_job = true;
	t->idle = false;
	t->pinned++;
	seq = ++t->seq;
	st->helper = t;
	req_count_async(req);
	req_list_add(&ctx->armed, req);
	if (fresh) {
		if (engine_thread_create(&t->thread, NULL, helper_main, t)) {
			req_list_del(&ctx->armed, req);
			pthread_mutex_unlock(&ctx->lock);
			pthread_cond_destroy(&t->cv);
			free(t);
			helpers_join(dead);
			return -ENOMEM; /* no thread: as the kernel without memory */
		}
		t->next = ctx->helpers;
		ctx->helpers = t;
	} else {
		pthread_cond_signal(&t->cv);
	}
	pthread_mutex_unlock(&ctx->lock);
	helpers_join(dead);

	wait_queued(t, seq);
	pthread_mutex_lock(&ctx->lock);
	t->pinned--;
	pthread_mutex_unlock(&ctx->lock);
	return 0;
}

int futex_wait_issue(struct req *req, unsigned issue_flags)
{
	struct futex_state *st = req_data(req, struct futex_state);
	struct futex_waitv v;
	long r;

	do
		r = sys_futex_wait((void *)(uintptr_t)st->uaddr, st->val, st->mask, st->flags,
				   &past_deadline, CLOCK_MONOTONIC);
	while (r == -EINTR);
	if (r == -ETIMEDOUT) {
		v = (struct futex_waitv){ .val = st->val, .uaddr = st->uaddr, .flags = st->flags };
		r = futex_arm(req, &v, 1, st->mask != FUTEX_BITSET_MATCH_ANY);
		if (!r)
			return ISSUE_QUEUED;
	}
	/* 0: a wake came while the check was queued, as it would the wait */
	req->res = (int32_t)r;
	return ISSUE_DONE;
}

int futexv_wait_issue(struct req *req, unsigned issue_flags)
{
	struct futex_state *st = req_data(req, struct futex_state);
	long r;

	do
		r = sys_futex_waitv(st->vec, st->nr, 0, &past_deadline, CLOCK_MONOTONIC);
	while (r == -EINTR);
	if (r == -ETIMEDOUT) {
		r = futex_arm(req, st->vec, st->nr, st->nr == FX_WAITV_MAX);
		if (!r)
			return ISSUE_QUEUED;
	}
	req->res = (int32_t)r;
	return ISSUE_DONE;
}

/* ctx->lock held: take req from its helper, and make the helper stop waiting */
static void disarm(struct futex_ctx *ctx, struct req *req)
{
	struct futex_helper *t = req_data(req, struct futex_state)->helper;

	req_list_del(&ctx->armed, req);
	t->req = NULL;
	/* release: the helper that sees the word set sees the request taken */
	atomic_store_explicit(&t->cancel, 1, memory_order_release);
	/* under the lock: the helper cannot be reused (and the word reset)
	 * before this wake */
	sys_futex((uint32_t *)&t->cancel, FUTEX_WAKE_PRIVATE, 1, 0, NULL, 0);
	/*
	 * The kernel's cancel takes the wait off the futex's queue: a wake
	 * after the cancel's CQE must not count it.  The helper leaves every
	 * queue as its futex_waitv(2) returns (it needs no lock for that);
	 * a sliced wait leaves at the end of its slice (not waited for).
	 */
	if (!t->sliced)
		while (atomic_load_explicit(&t->in_wait, memory_order_acquire))
			sched_yield();
}

/* cancel_armed(): a match is always taken from its helper */
static int cancel_take(struct req *req, void *ctx)
{
	disarm(ctx, req);
	return 1;
}

int futex_cancel(struct ring *ring, const struct cancel_data *cd)
{
	struct futex_ctx *ctx = atomic_load_explicit(&ring->futex, memory_order_acquire);

	if (!ctx)
		return -ENOENT;
	return cancel_armed(&ctx->lock, &ctx->armed, cd, cancel_take, ctx);
}

void futex_cancel_all(struct ring *ring)
{
	struct futex_ctx *ctx = atomic_exchange_explicit(&ring->futex, NULL, memory_order_acq_rel);
	struct futex_helper *t, *helpers;
	struct req *done = NULL;

	if (!ctx)
		return;
	pthread_mutex_lock(&ctx->lock);
	ctx->stop = true;
	while (ctx->armed) {
		struct req *req = ctx->armed;

		disarm(ctx, req);
		req->list_next = done;
		done = req;
	}
	for (t = ctx->helpers; t; t = t->next)
		pthread_cond_signal(&t->cv);
	helpers = ctx->helpers;
	ctx->helpers = NULL;
	pthread_mutex_unlock(&ctx->lock);
	req_cancel_list(done);
	helpers_join(helpers);
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
}
