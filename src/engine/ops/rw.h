/* SPDX-License-Identifier: MIT */
/*
 * READV, WRITEV, READ, WRITE, READ_FIXED, WRITE_FIXED, READV_FIXED,
 * WRITEV_FIXED, READ_MULTISHOT (ops/rw.c).
 */
#ifndef RINGER_ENGINE_OPS_RW_H
#define RINGER_ENGINE_OPS_RW_H

#include "engine/engine.h"

struct rw_state {
	uint64_t addr;
	uint32_t len;
	int rw_flags;
	int64_t off;
	uint16_t buf_index;
	bool write; /* the direction, set by the opcode's prep */
	bool fixed; /* *_FIXED: the memory is in a registered buffer */
	bool resolved; /* fixed buffer found / iov built */
	bool stream; /* the file is not seekable: offset ignored */
	bool polled; /* the reactor saw it ready (a file without RWF_NOWAIT) */
	bool sock; /* a stream that is a socket: an offset but 0 or -1 is -ESPIPE */
	bool mshot; /* READ_MULTISHOT: a CQE per read until it ends */
	bool can_poll; /* READ_MULTISHOT: the file was found pollable */
	bool no_nowait; /* READ_MULTISHOT: the file refused RWF_NOWAIT */
	bool sel_locked; /* holds ring->kbuf_sel_lock: a ring buffer not committed */
	unsigned nr_segs;
	struct iovec *iov; /* current segment: in fast_iov or iov_alloc */
	struct iovec *iov_alloc; /* malloc'd array, freed by rw_cleanup */
	struct iovec fast_iov[1];
	size_t total; /* bytes asked for */
	size_t done; /* bytes moved so far (continuations) */
	/* a *_FIXED request away from the submitting thread (rw.c) */
	struct rbuf *fx_buf; /* the registered buffer, a reference held */
	void *fx_copy; /* the I/O's private copy once the buffer was retired */
	struct req *fx_next, *fx_prev; /* on ring->fixed_away */
	uint8_t fx_state; /* FX_*, under rsrc_lock */
	bool fx_held; /* rw_hold_buffer() ran: look at fx_state */
	bool vec; /* READV_FIXED/WRITEV_FIXED: iov holds ranges of the buffer */
};
REQ_DATA_CHECK(struct rw_state);
#define req_rw(req) req_data(req, struct rw_state)

int rw_prep_read(struct req *req, const struct io_uring_sqe *sqe);
int rw_prep_write(struct req *req, const struct io_uring_sqe *sqe);
int rw_prep_readv(struct req *req, const struct io_uring_sqe *sqe);
int rw_prep_writev(struct req *req, const struct io_uring_sqe *sqe);
int rw_prep_read_fixed(struct req *req, const struct io_uring_sqe *sqe);
int rw_prep_write_fixed(struct req *req, const struct io_uring_sqe *sqe);
int rw_prep_readv_fixed(struct req *req, const struct io_uring_sqe *sqe);
int rw_prep_writev_fixed(struct req *req, const struct io_uring_sqe *sqe);
int rw_prep_read_mshot(struct req *req, const struct io_uring_sqe *sqe);
int rw_issue(struct req *req, unsigned issue_flags);
int rw_mshot_issue(struct req *req, unsigned issue_flags);
void rw_cleanup(struct req *req);
void rw_hold_buffer(struct req *req);
/* An IOPOLL ring's read or write at submit: its file, buffer and the kernel's
 * checks (-EOPNOTSUPP for a buffered file), 0 or -errno */
int rw_iopoll_prep(struct req *req);
bool rw_iopoll_iocb(struct req *req, struct iocb *io);
void rw_aio_complete(struct req *req, long res);
/* a worker's run of requests of one file (op_def.wq_batch) */
void rw_wq_batch(struct req **reqs, unsigned n);

#endif /* RINGER_ENGINE_OPS_RW_H */
