/* SPDX-License-Identifier: MIT */
/*
 * Tracing of every request (docs/TRACE.md): with RINGER_TRACE=FILE in the
 * environment when the first ring is set up, each SQE the engine consumes is
 * written to FILE decoded, and each CQE it produces for it, with its result,
 * flags and latency.  ringer-trace (tools/ringer-trace.c) sets the variables.
 *
 * Off, a request's submission tests one global word (engine_hooks, faults.h)
 * for this and RINGER_FAULTS together, and its completion a flag of its own
 * (REQ_F_HOOKED): nothing else runs on the engine's paths.
 */
#ifndef RINGER_ENGINE_TRACE_H
#define RINGER_ENGINE_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/engine.h"

/* ENGINE_HOOK_TRACE (faults.h): set once, in the pthread_once of the first
 * ringer_setup(), cleared in a forked child that is not followed */
#define TRACE_ON() __builtin_expect(engine_hooks & ENGINE_HOOK_TRACE, 0)

/* ringer_setup(): read the environment, once per process image */
void trace_setup(void);
void trace_submit_slow(struct ring *r, struct req *req, const struct io_uring_sqe *sqe);
void trace_cqe_slow(struct req *req, int32_t res, uint32_t cflags, bool last);
void trace_batch_end_slow(void);

/* An SQE was consumed into req (req_init(), before its checks), which
 * tested TRACE_ON() */
static inline void trace_submit(struct ring *r, struct req *req, const struct io_uring_sqe *sqe)
{
	trace_submit_slow(r, req, sqe);
}

/* The request's last CQE (skipped or not), with its result and flags: of a
 * request traced at submission (REQ_F_HOOKED) */
static inline void trace_complete(struct req *req)
{
	if ((req->flags & REQ_F_HOOKED) && TRACE_ON())
		trace_cqe_slow(req, req->res, req->cflags, true);
}

/* A CQE of a request that goes on (multishot: F_MORE) or one after its
 * last (a zero-copy notification). */
static inline void trace_cqe(struct req *req, int32_t res, uint32_t cflags)
{
	if (TRACE_ON())
		trace_cqe_slow(req, res, cflags, false);
}

/* cq_post() of a CQE of req's that is not its last (a multishot's F_MORE),
 * no overflow allowed: false when the CQ is full */
static inline bool req_post_more(struct req *req, int32_t res, uint32_t cflags)
{
	if (!cq_post(req->ring, req->user_data, res, cflags, false))
		return false;
	trace_cqe(req, res, cflags);
	return true;
}

/* The end of a submit batch: what it traced is written out. */
static inline void trace_batch_end(void)
{
	if (TRACE_ON())
		trace_batch_end_slow();
}

#endif /* RINGER_ENGINE_TRACE_H */
