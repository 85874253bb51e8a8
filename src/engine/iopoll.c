// SPDX-License-Identifier: MIT
/*
 * IOPOLL rings (IORING_SETUP_IOPOLL): reads and writes complete only when
 * someone polls for them, i.e. inside io_uring_enter(GETEVENTS) (or in the SQ
 * poller thread on an SQPOLL ring), as on the kernel.
 *
 * A user-space engine has no device to poll, so "polling" is doing the I/O:
 * at submit an iopoll-able read or write is only checked (the file must be
 * O_DIRECT, else -EOPNOTSUPP as the kernel says) and parked on the ring's
 * iopoll list.  At the end of the submit call the parked requests go to the
 * device through native AIO, on a context of the ring's own that nothing but
 * a polling pass reaps (aio.c); a pass, in the thread that enters with
 * GETEVENTS, takes their completions with io_getevents, runs what AIO did
 * not take with blocking calls, and posts the CQEs.  This
 * design (rather than issuing to workers and parking their completions)
 * keeps the kernel's rule that the reaper does the polling work, costs no
 * thread switch per I/O, and makes "no CQE without GETEVENTS" hold by
 * construction.
 *
 * The list is a lock-free LIFO stack: submitters push with a release CAS,
 * a reaper takes the whole stack with one acquire exchange (so two reapers
 * never run the same request) and reverses it into submission order.
 */
#include <errno.h>
#include <fcntl.h>

#include "engine/aio.h"
#include "engine/cancel.h"
#include "engine/engine.h"
#include "engine/sys.h"

static void park(struct ring *r, struct req *req)
{
	struct req *head = atomic_load_explicit(&r->iopoll_list, memory_order_relaxed);

	do {
		req->list_next = head;
		/* release: the request's fields are visible to the reaper that takes it */
	} while (!atomic_compare_exchange_weak_explicit(&r->iopoll_list, &head, req,
							memory_order_release,
							memory_order_relaxed));
}

/*
 * Called by req_issue() for every request of an IOPOLL ring; true when the
 * request was taken (parked, or completed with the kernel's refusal).
 */
bool iopoll_queue(struct req *req)
{
	const struct op_def *def = &op_defs[req->opcode];
	struct ring *r = req->ring;
	int ret;

	if (!def->iopoll_queue)
		return false; /* NOP and friends complete normally */
	/* the file, the buffer, then the refusal of a buffered file */
	ret = def->iopoll_prep(req);
	if (ret) {
		req->res = ret;
		req_complete(req);
		return true;
	}
	park(r, req);
	return true;
}

static struct req *take_all(struct ring *r)
{
	/* acquire: pairs with the release CAS of iopoll_queue() */
	struct req *l = atomic_exchange_explicit(&r->iopoll_list, NULL, memory_order_acquire);
	struct req *fifo = NULL;

	while (l) {
		struct req *nxt = l->list_next;

		l->list_next = fifo;
		fifo = l;
		l = nxt;
	}
	return fifo;
}

/*
 * The end of a submit call: send what was parked to the device (native AIO,
 * aio.c), as the kernel issues IOPOLL I/O at submit.  What AIO does not
 * take stays parked for the next polling pass.
 */
void iopoll_issue(struct ring *r)
{
	struct req *back;

	if (!atomic_load_explicit(&r->iopoll_list, memory_order_relaxed))
		return;
	pthread_mutex_lock(&r->iopoll_lock);
	back = aio_iopoll_issue(r, take_all(r));
	pthread_mutex_unlock(&r->iopoll_lock);
	while (back) {
		struct req *nxt = back->list_next;

		park(r, back);
		back = nxt;
	}
}

/*
 * One polling pass: send what is parked, run what AIO does not take with
 * blocking calls, then take completions from AIO, waiting for up to want of
 * them in all (0: take what is there).  Returns how many completed (each
 * posts its CQE unless CQE_SKIP hides it).
 */
int iopoll_reap(struct ring *r, unsigned want)
{
	struct req *req;
	int n = 0;

	/* one pass at a time: the pass owns the ring's IOPOLL AIO context */
	pthread_mutex_lock(&r->iopoll_lock);
	req = aio_iopoll_issue(r, take_all(r));
	while (req) {
		struct req *nxt = req->list_next;

		req->list_next = NULL;
		/* blocking is fine: this thread is the poller (ISSUE_F_WORKER) */
		req_issue(req, ISSUE_F_WORKER | ISSUE_F_IOPOLL);
		n++;
		req = nxt;
	}
	n += aio_iopoll_reap(r, (unsigned)n >= want ? 0 : want - (unsigned)n);
	pthread_mutex_unlock(&r->iopoll_lock);
	return n;
}

/*
 * io_uring_enter(GETEVENTS) on an IOPOLL ring (not SQPOLL): the kernel's
 * io_iopoll_check.  Returns at once if the CQ already holds events; else polls
 * until min(min_complete, cq_entries) requests completed or nothing is left
 * in flight.  min_complete 0 polls once and never blocks.  A timeout given
 * with EXT_ARG is not used, as on the kernel.
 */
int iopoll_getevents(struct ring *r, unsigned min)
{
	unsigned nr = 0;

	if (min > r->cq_entries)
		min = r->cq_entries;
	cq_flush_overflow(r);
	/* acquire: our own published tail; the head is the application's */
	if (io_uring_smp_load_acquire(r->cq_tail) != io_uring_smp_load_acquire(r->cq_head))
		return 0;
	do {
		int n = iopoll_reap(r, min - nr);

		if (!n)
			break; /* nothing in flight: the kernel does not wait either */
		nr += (unsigned)n;
	} while (nr < min);
	return 0;
}

/* Teardown (the ring is dying): what was never polled completes as cancelled. */
void iopoll_cancel_all(struct ring *r)
{
	req_cancel_list(take_all(r));
}
