/* SPDX-License-Identifier: MIT */
/*
 * Provided buffers (kbuf.c, the kernel's io_uring/kbuf.c): the legacy groups
 * of PROVIDE_BUFFERS/REMOVE_BUFFERS and the buffer rings of
 * IORING_REGISTER_PBUF_RING, and the selection API the ops with
 * IOSQE_BUFFER_SELECT use (op_def.buffer_select).
 *
 * The core sets req->buf_group from sqe->buf_group at submit when the SQE
 * has IOSQE_BUFFER_SELECT.  An op then:
 *  - kbuf_select() right before its transfer: the buffer's address, *len
 *    clipped to the buffer's size (a *len of 0 takes the whole buffer);
 *    -ENOBUFS when the group does not exist or is empty, as the kernel;
 *  - kbuf_put() when it completes (or posts a multishot CQE) with res: the
 *    buffer is consumed (a ring's head committed as the kernel's rule says,
 *    res bytes of an incremental ring's buffer), and the CQE flags are
 *    returned: IORING_CQE_F_BUFFER | bid << IORING_CQE_BUFFER_SHIFT, plus
 *    IORING_CQE_F_BUF_MORE when an incremental ring's buffer has room left;
 *    0 when the request holds no buffer;
 *  - kbuf_recycle() when it goes back to wait (the reactor) without having
 *    used the buffer: a legacy buffer returns to the head of its group, a
 *    ring buffer not committed yet stays at the ring's head.
 * A request holds at most one buffer (req->buf_sel); kbuf_select() while it
 * holds one gives that one again.  The core releases a buffer still held when
 * the request is freed (kbuf_recycle()).  Thread-safe: the ring's kbuf_lock.
 */
#ifndef RINGER_ENGINE_KBUF_H
#define RINGER_ENGINE_KBUF_H

#include <sys/uio.h>

#include "engine/engine.h"

/* req->buf_sel: what the request holds */
enum {
	KBUF_SEL_NONE = 0,
	KBUF_SEL_LEGACY = 1, /* a PROVIDE_BUFFERS buffer, taken off its group */
	KBUF_SEL_RING = 2, /* a ring buffer, its head not committed yet */
	KBUF_SEL_RING_COMMITTED = 3, /* a ring buffer, its head committed at selection */
	/* committed at selection, and the incremental ring's buffer keeps
	 * bytes: the CQE says IORING_CQE_F_BUF_MORE */
	KBUF_SEL_RING_COMMITTED_MORE = 4,
};

/*
 * Select a buffer of req->buf_group: 0 with *addr and *len set, or -ENOBUFS.
 * commit: a ring buffer's head is committed now (KBUF_SEL_RING_COMMITTED),
 * as the kernel's io_should_commit() says: the op runs in a worker
 * (IO_URING_F_UNLOCKED) or its file cannot be polled (a regular file);
 * otherwise the head moves at kbuf_put(), by what the op used.
 */
int kbuf_select(struct req *req, size_t *len, void **addr, bool commit);
/*
 * The group holds one buffer (what kbuf_select() would take is its last):
 * the kernel's REQ_F_BL_EMPTY of a single selection, asked before it.
 */
bool kbuf_one_left(struct req *req);
/*
 * A ring buffer kbuf_select() took uncommitted: its head committed now, by
 * len bytes (the length kbuf_select() gave), as a committing selection's.
 */
void kbuf_commit(struct req *req, size_t len);
/*
 * IORING_RECVSEND_BUNDLE (the kernel's io_buffers_peek()): up to nr buffers
 * from the head into iov, max_len bytes together (0: the first buffer,
 * alone); a ring buffer longer than what is left is cut when it is the
 * first (its length in the ring too), else left out (*partial for both, on
 * a ring that is not incremental).  *empty: no buffer left after these.  A
 * legacy group gives one.  The count, -ENOENT without the group, -ENOBUFS
 * when it is empty.  A ring's head moves at kbuf_put_bufs().
 */
int kbuf_peek(struct req *req, struct iovec *iov, unsigned nr, size_t max_len, bool *partial,
	      bool *empty);
/* ... and its end: nbufs ring buffers used, len bytes (incremental: by
 * bytes); the CQE flags, naming the first buffer. */
unsigned kbuf_put_bufs(struct req *req, int len, unsigned nbufs);
/* The request ends (or posts a CQE) with res: the CQE flags of its buffer. */
unsigned kbuf_put(struct req *req, int res);
/* The request waits again without having used its buffer: give it back. */
void kbuf_recycle(struct req *req);
/*
 * kbuf_recycle() of a buffer the request did not consume: a ring buffer
 * whose head is not committed, and a legacy one when legacy (not when a
 * worker will retry with it); a committed ring buffer stays the request's,
 * as the kernel's io_kbuf_recycle().
 */
static inline void kbuf_recycle_unused(struct req *req, bool legacy)
{
	if (req->buf_sel == KBUF_SEL_RING || (legacy && req->buf_sel == KBUF_SEL_LEGACY))
		kbuf_recycle(req);
}
static inline bool kbuf_selected(const struct req *req)
{
	return req->buf_sel != KBUF_SEL_NONE;
}

/* register.c: IORING_REGISTER_PBUF_RING, UNREGISTER_PBUF_RING, PBUF_STATUS */
int kbuf_register_ring(struct ring *ring, const void *arg, unsigned nr_args);
int kbuf_unregister_ring(struct ring *ring, const void *arg, unsigned nr_args);
int kbuf_ring_status(struct ring *ring, void *arg, unsigned nr_args);
/*
 * mmap(2) of the ring fd at IORING_OFF_PBUF_RING | bgid << IORING_OFF_PBUF_SHIFT:
 * a new fd (close it after mapping) of the IOU_PBUF_RING_MMAP ring of bgid,
 * whose file offset 0 is the ring; -ENOMEM when bgid has no such ring.
 */
int kbuf_mmap_fd(struct ring *ring, unsigned bgid);
/* ring teardown: every group freed */
void kbuf_free_all(struct ring *ring);

/* opdef.c: PROVIDE_BUFFERS and REMOVE_BUFFERS */
int provide_buffers_prep(struct req *req, const struct io_uring_sqe *sqe);
int remove_buffers_prep(struct req *req, const struct io_uring_sqe *sqe);
int kbuf_manage_issue(struct req *req, unsigned issue_flags);

#endif /* RINGER_ENGINE_KBUF_H */
