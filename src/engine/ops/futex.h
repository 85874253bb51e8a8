/* SPDX-License-Identifier: MIT */
/* FUTEX_WAIT, FUTEX_WAKE, FUTEX_WAITV (ops/futex.c). */
#ifndef RINGER_ENGINE_OPS_FUTEX_H
#define RINGER_ENGINE_OPS_FUTEX_H

#include "engine/engine.h"

struct cancel_data;
struct futex_waitv;
struct futex_helper;

/* the futex2 flags (linux/futex.h of 6.7+; the build machine's may be older) */
#define FX2_SIZE_MASK 0x03U
#define FX2_SIZE_U32 0x02U
#define FX2_NUMA 0x04U
#define FX2_MPOL 0x08U
#define FX2_PRIVATE 128U
#define FX2_VALID_MASK (FX2_SIZE_MASK | FX2_NUMA | FX2_MPOL | FX2_PRIVATE)
#define FX_WAITV_MAX 128U /* entries of one futex_waitv call */

struct futex_state {
	uint64_t uaddr;
	uint64_t val; /* WAIT: the expected value; WAKE: how many to wake */
	uint64_t mask; /* addr3: the bitset */
	uint32_t flags; /* futex2 flags (sqe->fd) */
	uint32_t nr; /* WAITV: entries in vec */
	struct futex_waitv *vec; /* WAITV: the copy taken at prep (REQ_F_NEED_CLEANUP) */
	struct futex_helper *helper; /* armed: the thread that waits for it */
};
REQ_DATA_CHECK(struct futex_state);

int futex_prep(struct req *req, const struct io_uring_sqe *sqe);
int futexv_prep(struct req *req, const struct io_uring_sqe *sqe);
int futex_wait_issue(struct req *req, unsigned issue_flags);
int futexv_wait_issue(struct req *req, unsigned issue_flags);
int futex_wake_issue(struct req *req, unsigned issue_flags);
void futex_cleanup(struct req *req);

/*
 * Cancel the armed waits cd names (every match with IORING_ASYNC_CANCEL_ALL
 * or _ANY, else the first): each completes with -ECANCELED after the
 * current submit batch.  Returns how many (1 with ALL, as the kernel counts
 * them), or -ENOENT.
 */
int futex_cancel(struct ring *ring, const struct cancel_data *cd);
/* Teardown: complete every armed wait with -ECANCELED, join the helpers. */
void futex_cancel_all(struct ring *ring);

#endif /* RINGER_ENGINE_OPS_FUTEX_H */
