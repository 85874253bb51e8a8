// SPDX-License-Identifier: MIT
/*
 * IORING_OP_WAITID (the kernel's io_uring/waitid.c): waitid(2) as a request.
 *
 * Each look is waitid(2) with WNOHANG added, so it never blocks: a child in
 * a state the request waits for completes it (res 0, the siginfo fields
 * written to infop as the kernel writes them), nothing completes a WNOHANG
 * request with 0 and a zeroed siginfo, and an error (-ECHILD, -EINVAL,
 * -EBADF) completes it at once.  A request without WNOHANG that finds
 * nothing waits as a timer in the ring's reactor and looks again: after
 * 1 ms, then at doubling intervals up to 16 ms.  The kernel's request is
 * woken by the child's state change itself; the engine's sees it on its
 * next look (a child gone to another waiter meanwhile, leaving none,
 * completes it with -ECHILD where the kernel's would go on waiting).
 *
 * Who completes an armed request: the look that finds something, under the
 * ring's waitid lock; or a canceller, which takes it off its list under that
 * lock once reactor_cancel() said the look will not run, or else marks it
 * cancelled and lets the running look complete it with -ECANCELED.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "engine/cancel.h"
#include "engine/sys.h"
#include "engine/ops/waitid.h"

#define FIRST_LOOK_NS 1000000ULL
#define MAX_LOOK_NS 16000000ULL

/* The armed WAITIDs of a ring (ring->waitid). */
struct waitid_ctx {
	pthread_mutex_t lock;
	struct req *armed; /* list_next/list_prev */
};

int waitid_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct waitid_state *w = req_data(req, struct waitid_state);

	if (sqe->addr || sqe->buf_index || sqe->addr3 || sqe->waitid_flags)
		return -EINVAL;
	w->which = (int)sqe->len;
	w->id = sqe->fd;
	w->options = (int)sqe->file_index;
	w->infop = sqe->addr2;
	w->interval_ns = FIRST_LOOK_NS;
	w->cancelled = false;
	return 0;
}

/*
 * The fields the kernel writes, as it writes them: signo, errno, code, pid,
 * uid, status; the rest of infop is left alone.  0 or -EFAULT.
 */
static int write_info(uint64_t infop, const siginfo_t *si)
{
	siginfo_t *u = (siginfo_t *)(uintptr_t)infop;
	int head[3] = { si->si_signo, 0, si->si_code };
	int tail[3] = { si->si_pid, (int)si->si_uid, si->si_status };

	if (!infop)
		return 0;
	if (umem_write(u, head, sizeof(head)) || umem_write(&u->si_pid, tail, sizeof(tail)))
		return -EFAULT;
	return 0;
}

/* One look: true when the request is done (w's result in *res). */
static bool look(struct waitid_state *w, int *res)
{
	siginfo_t si;
	int r;

	memset(&si, 0, sizeof(si));
	r = sys_waitid(w->which, w->id, &si, w->options | WNOHANG);
	/* the kernel writes nothing when the arguments are refused (it has not
	 * waited yet), zeroes for -ECHILD */
	if (r == -EINVAL || r == -EBADF) {
		*res = r;
		return true;
	}
	if (r == 0 && !si.si_pid && !(w->options & WNOHANG))
		return false;
	*res = write_info(w->infop, &si) ? -EFAULT : r;
	return true;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void waitid_look(struct reactor_entry *e, uint32_t revents);

/* ctx->lock held: the next look, later.  0 or -errno. */
static int arm_next(struct req *req)
{
	struct waitid_state *w = req_data(req, struct waitid_state);
	uint64_t at = mono_ns() + w->interval_ns;

	if (w->interval_ns < MAX_LOOK_NS)
		w->interval_ns *= 2;
	req->rent.fd = -1;
	req->rent.fn = waitid_look;
	return req_arm_timer(req, CLOCK_MONOTONIC, at);
}

/* The reactor: time for an armed request's next look. */
static void waitid_look(struct reactor_entry *e, uint32_t revents)
{
	struct req *req = (struct req *)((char *)e - offsetof(struct req, rent));
	struct waitid_state *w = req_data(req, struct waitid_state);
	struct waitid_ctx *ctx = atomic_load_explicit(&req->ring->waitid, memory_order_acquire);
	int res = 0;

	engine_thread_ctx = CTX_REACTOR;
	pthread_mutex_lock(&ctx->lock);
	if (w->cancelled) {
		res = -ECANCELED;
	} else if (!look(w, &res)) {
		res = arm_next(req);
		if (!res) {
			pthread_mutex_unlock(&ctx->lock);
			return;
		}
	}
	req_list_del(&ctx->armed, req);
	pthread_mutex_unlock(&ctx->lock);
	req->res = res;
	req->cflags = 0;
	req_complete(req);
}

/* ring_family_ctx() initialises the lock, its first member */
_Static_assert(offsetof(struct waitid_ctx, lock) == 0, "waitid_ctx: the lock first");

static struct waitid_ctx *ctx_get(struct ring *r)
{
	return ring_family_ctx(r, &r->waitid, sizeof(struct waitid_ctx));
}

int waitid_issue(struct req *req, unsigned issue_flags)
{
	struct waitid_state *w = req_data(req, struct waitid_state);
	struct waitid_ctx *ctx;
	int res;

	if (look(w, &res)) {
		req->res = res;
		return ISSUE_DONE;
	}
	ctx = ctx_get(req->ring);
	if (!ctx) {
		req->res = atomic_load(&req->ring->dying) ? -ECANCELED : -ENOMEM;
		return ISSUE_DONE;
	}
	pthread_mutex_lock(&ctx->lock);
	req_list_add(&ctx->armed, req);
	res = arm_next(req);
	if (res)
		req_list_del(&ctx->armed, req);
	pthread_mutex_unlock(&ctx->lock);
	if (!res)
		return ISSUE_QUEUED;
	req->res = res;
	return ISSUE_DONE;
}

/* cancel_armed(), ctx->lock held */
static int cancel_take(struct req *req, void *arg)
{
	struct waitid_ctx *ctx = arg;
	struct waitid_state *w = req_data(req, struct waitid_state);

	if (w->cancelled)
		return -1; /* a cancellation found it already */
	if (reactor_cancel(req->ring->reactor, &req->rent)) {
		req_list_del(&ctx->armed, req);
		return 1;
	}
	/* its look runs, waiting for the lock: it completes it */
	w->cancelled = true;
	return 0;
}

int waitid_cancel(struct ring *ring, const struct cancel_data *cd)
{
	struct waitid_ctx *ctx = atomic_load_explicit(&ring->waitid, memory_order_acquire);

	if (!ctx)
		return -ENOENT;
	return cancel_armed(&ctx->lock, &ctx->armed, cd, cancel_take, ctx);
}

void waitid_release(struct ring *ring)
{
	struct waitid_ctx *ctx = atomic_exchange_explicit(&ring->waitid, NULL, memory_order_acq_rel);

	/* the reactor's teardown completed what was armed: the list is stale */
	if (!ctx)
		return;
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
}
