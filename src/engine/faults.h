/* SPDX-License-Identifier: MIT */
/*
 * io_uring-level fault injection (RINGER_FAULTS, docs/FAULTS.md): rules read
 * once from the environment decide, as each SQE is read, whether the request
 * fails without being performed, moves fewer bytes, says -EAGAIN, or has its
 * completion held back (a delay, a reordering); a rule may also make a ring's
 * CQ look smaller.  Every injection is logged, one line each.
 *
 * The engine calls in at five places: req_init() (submit.c, the decision),
 * behind faults_on(), one branch on a global that is false unless
 * RINGER_FAULTS is set; req_issue() (an error instead of the operation) and
 * req_complete() (a held completion), behind REQ_F_HOOKED, which the decision
 * sets on the request it injects into; cq_space() and cq_wait() (cq.c, the
 * CQ's apparent size, ring->fault_cq); ringer_setup() and ring_cancel_all()
 * (a ring's state).
 */
#ifndef RINGER_ENGINE_FAULTS_H
#define RINGER_ENGINE_FAULTS_H

#include <stdbool.h>
#include <stdint.h>

struct ring;
struct req;
struct io_uring_sqe;

/* > 0: rules in force; 0: RINGER_FAULTS unset or empty; < 0: rules refused.
 * Written once, by faults_init(), before any ring exists. */
extern int engine_faults;

/*
 * The hooks in force, ENGINE_HOOK_* bits: one word, so that a request's
 * submission tests it once for both (req_init()).  Written before any ring
 * exists (faults_init(), trace_setup()), and cleared in a forked child that
 * is not traced: a plain global.  A request the hooks have work for at its
 * issue or completion carries REQ_F_HOOKED (engine.h), which is what those
 * paths test.
 */
#define ENGINE_HOOK_TRACE 1U
#define ENGINE_HOOK_FAULTS 2U
extern unsigned engine_hooks;

static inline bool faults_on(void)
{
	return __builtin_expect(engine_hooks & ENGINE_HOOK_FAULTS, 0);
}

/* fault_kind of a request: what its issue or completion still has to do */
/* req_init() sets FAULT_NONE before faults_prep() decides */
enum { FAULT_NONE = 0, FAULT_ERROR = 1, FAULT_DELAY = 2, FAULT_REORDER = 3 };

/*
 * Read RINGER_FAULTS, RINGER_SEED and RINGER_FAULTS_LOG once (later calls
 * return at once).  0, or -EINVAL with a message on stderr naming the rule
 * and the character position: the shim then exits with status 2, the engine
 * refuses every ring setup with -EINVAL.
 */
int faults_init(void);

/* ringer_setup(): the ring's counters and its CQ size; 0 or -errno */
int faults_ring_setup(struct ring *r);
/* ring_cancel_all(), dying set: its held completions complete now */
void faults_ring_gone(struct ring *r);
/* ring_teardown(): the ring's state goes */
void faults_ring_free(struct ring *r);

/* req_init(): the rules look at the SQE copy (a short transfer shortens its
 * length), then the opcode's prep runs; its result */
int faults_prep(struct ring *r, struct req *req, struct io_uring_sqe *sqe, bool in_chain);
/* req_issue(): true when an injected error completed req instead */
bool faults_issue(struct req *req);
/* req_complete(): true when req's completion is held back (it is completed
 * later from the faults thread, or at the ring's teardown) */
bool faults_complete(struct req *req);

/*
 * The trace's connection: an injection as an event.  The log line is the
 * one faults writes to RINGER_FAULTS_LOG or stderr (no newline).  A hook
 * set with faults_set_trace_hook() is called for every injection, from the
 * thread that decided it, after the line is written (to RINGER_FAULTS_LOG;
 * not to stderr while a hook is set: the trace has it); NULL removes it.
 */
struct faults_event {
	unsigned rule; /* index in RINGER_FAULTS, from 0 */
	int ring; /* the ring's fd */
	int opcode; /* IORING_OP_*, -1 for a ring's CQ size */
	int fd; /* sqe->fd (a fixed file's index), -1 for none */
	uint64_t user_data;
	uint64_t seq; /* the rule's match count on this ring */
	const char *action; /* "error=-5", "short=100/4096", "delay=3ms", ... */
};
typedef void (*faults_trace_fn)(const struct faults_event *ev, const char *line);
void faults_set_trace_hook(faults_trace_fn fn);

/* The name of opcode op as in the rules (IORING_OP_* lowercased), NULL past the ABI's */
const char *faults_op_name(unsigned op);

#endif /* RINGER_ENGINE_FAULTS_H */
