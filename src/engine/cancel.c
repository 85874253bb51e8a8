// SPDX-License-Identifier: MIT
/*
 * Cancellation in one place (the kernel's io_uring/cancel.c): the matching
 * rule (cancel_match(): POLL_REMOVE finds its poll with it, ops/poll.c), and
 * the teardown of a ring, which completes every request still alive with
 * -ECANCELED, wherever it waits.  A request cancelled by key (ASYNC_CANCEL,
 * TIMEOUT_REMOVE) is looked for in the same places, with cancel_match():
 * the worker pool's queue (wq_cancel_match()), the reactor
 * (reactor_cancel()), the armed polls (ops/poll.c).
 *
 * Where a request waits, and who cancels it at teardown:
 *  - queued in the worker pool: wq_destroy() hands it back (a running one
 *    finishes; its links are cancelled, the ring is dying);
 *  - in the reactor (polls, reads on empty pipes): reactor_destroy();
 *  - a futex wait (ops/futex.c): futex_cancel_all() wakes its helper;
 *  - an armed poll (ops/poll.c): its AIO poll cancelled with the context
 *    (aio_poll_destroy()), then poll_cancel_all();
 *  - native AIO at the device (aio.c): waited for, it ends in bounded time;
 *  - on the defer list (drain): completed here;
 *  - parked on an IOPOLL ring, never polled (iopoll.c), or at the device
 *    through the IOPOLL AIO context: iopoll_cancel_all(), aio_iopoll_destroy().
 */
#include <errno.h>

#include "engine/aio.h"
#include "engine/cancel.h"
#include "engine/ops/futex.h"
#include "engine/ops/poll.h"
#include "engine/ops/timeout.h"

bool cancel_match(const struct req *req, const struct cancel_data *cd)
{
	unsigned keys = IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_OP | IORING_ASYNC_CANCEL_ANY;
	bool by_user_data = (cd->flags & IORING_ASYNC_CANCEL_USERDATA) || !(cd->flags & keys);

	if (req->ring != cd->ring)
		return false;
	if (cd->flags & IORING_ASYNC_CANCEL_ANY)
		return true;
	if (cd->flags & IORING_ASYNC_CANCEL_FD) {
		/* by number: a plain fd, or a fixed file's index (FD_FIXED) */
		bool fixed = cd->flags & IORING_ASYNC_CANCEL_FD_FIXED;

		if (req->fd != cd->fd || !(req->flags & REQ_F_FIXED_FILE) != !fixed)
			return false;
	}
	if ((cd->flags & IORING_ASYNC_CANCEL_OP) && req->opcode != cd->opcode)
		return false;
	return !by_user_data || req->user_data == cd->data;
}

static void wq_cancelled(struct wq_work *work)
{
	struct req *req = (struct req *)((char *)work - offsetof(struct req, work));

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
	if (req->flags & REQ_F_POLL_ARMED)
		poll_disarmed(req);
	req->res = -ECANCELED;
	req->cflags = 0;
	req_complete(req);
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

	/* futex waits first: their helpers complete requests, whose links
	 * may go to the workers or the reactor, torn down next */
	futex_cancel_all(r);
	/* workers finish what runs (their links are cancelled: dying), queued work is cancelled */
	if (wq)
		wq_destroy(wq, wq_cancelled);
	/* then whatever waits for readiness: polls, reads on empty pipes */
	if (reactor)
		reactor_destroy(reactor, reactor_cancelled);
	pthread_mutex_lock(&r->async_lock);
	r->wq = NULL;
	r->reactor = NULL;
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
