/* SPDX-License-Identifier: MIT */
/*
 * Native Linux AIO as a completion source (aio.c): ops hand it a request's
 * I/O as an iocb; it completes the request through the opcode's
 * aio_complete hook (opdef.c), the one path out.
 */
#ifndef RINGER_ENGINE_AIO_H
#define RINGER_ENGINE_AIO_H

#include <linux/aio_abi.h>
#include <signal.h>

#include "engine/engine.h"

/*
 * req's I/O, described by io (the service sets aio_data), to the ring's AIO
 * context, created on first use.  From the submitting thread it joins the
 * submit batch that aio_flush() sends; from another thread only direct I/O
 * goes (a lone buffered request costs less as one preadv2/pwritev2).
 * direct: the device completes it later (O_DIRECT), the reaper is woken by
 * it.  true: AIO has it, its completion ends it; false: do it another way.
 */
bool aio_submit(struct req *req, const struct iocb *io, bool direct);
/* submit_lock held: send the I/O gathered in this submit batch, and complete
 * what is done already (cached reads) */
void aio_flush(struct ring *ring);
/* the same, if this thread is submitting on ring and gathered I/O: before
 * an inline completion.  Only the submitting thread has a batch (and holds
 * submit_lock). */
static inline void aio_flush_pending(struct ring *ring)
{
	struct submit_state *st = engine_submit_state;

	if (st && st->aio_pending && st->ring == ring)
		aio_flush(ring);
}
/* cq_wait() with only AIO outstanding: 1 completed some, 0 time out,
 * -EAGAIN wait by ppoll instead */
int aio_wait_events(struct ring *ring, unsigned want, int64_t timeout_ns, const sigset_t *mask);
/* Teardown: wait for the ring's AIO I/O to complete, free the context. */
void aio_destroy(struct ring *ring);

/* IOPOLL rings (iopoll.c), under iopoll_lock: send the parked requests AIO
 * takes (their op's iopoll_iocb hook) to the device; the others are returned
 * (a polling pass runs them blocking) */
struct req *aio_iopoll_issue(struct ring *ring, struct req *list);
/* complete at least want (0: what is there) of the AIO in flight, fewer if
 * fewer are; how many completed */
int aio_iopoll_reap(struct ring *ring, unsigned want);
/* Teardown of an IOPOLL ring: its AIO context (nothing in flight any more). */
void aio_iopoll_destroy(struct ring *ring);

/*
 * AIO polls (aio_poll.c): a poll on a file's wait queue, completed with the
 * waker's mask through the opcode's aio_poll_event hook (opdef.c).
 */
struct aio_poll_tok;
/* The ring's AIO poll context is there (created on first use): false, the
 * op waits some other way (io_setup refused, a forked child). */
bool aio_poll_ready(struct ring *ring);
/*
 * poll_lock held, aio_poll_ready() said yes: send req's poll of req->rfd for
 * events (IOCB_CMD_POLL bits).  *slot is the op's pointer to the token: an
 * armed token is sent again, else a new one is set there; the service
 * clears it when the token goes (failure, aio_poll_free(),
 * aio_poll_cancel(), teardown).  multi: the poll re-arms after each event
 * (the waiter leaves such events a moment to the next enter).  0, or -errno
 * from io_submit (-EINVAL: the file has no poll support; -EAGAIN: the
 * context is full).
 */
int aio_poll_arm(struct req *req, struct aio_poll_tok **slot, uint32_t events, bool multi);
/* poll_lock held: the request no longer waits for tok, whose event has come */
void aio_poll_free(struct ring *ring, struct aio_poll_tok *tok);
/* poll_lock held: abandon tok (POLL_REMOVE): io_cancel, its event only
 * frees it */
void aio_poll_cancel(struct ring *ring, struct aio_poll_tok *tok);
/* Complete the AIO polls that fired (enter runs it, as the kernel its task
 * work). */
void aio_poll_run(struct ring *ring);
/* Teardown, the reactor gone: cancel the polls, join the waiter, free the
 * tokens and the context.  Their requests are still armed (the op ends them). */
void aio_poll_destroy(struct ring *ring);

/* A zero-length read or write of fd with RWF_* flags at off, through AIO:
 * 0 and its result in *res, -errno the flags refused, 1 cannot tell. */
int aio_probe(int fd, bool write, int flags, int64_t off, long *res);

#endif /* RINGER_ENGINE_AIO_H */
