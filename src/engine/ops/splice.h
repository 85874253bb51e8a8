/* SPDX-License-Identifier: MIT */
/* SPLICE and TEE (ops/splice.c). */
#ifndef RINGER_ENGINE_OPS_SPLICE_H
#define RINGER_ENGINE_OPS_SPLICE_H

#include "engine/engine.h"

struct splice_state {
	int64_t off_in, off_out; /* -1: the file's position (or a pipe) */
	uint32_t len;
	uint32_t flags; /* sqe->splice_flags */
	int fd_in; /* sqe->splice_fd_in: a number, or a slot with FD_IN_FIXED */
	int rfd_in; /* the in file once resolved (a worker's), else -1 */
	struct rfile *file_in; /* FD_IN_FIXED: the slot's file, held */
	bool held_in; /* rfd_in is the engine's duplicate */
	bool tee;
	/* a ring's fd as the out or in file: the kernel's ring file has no
	 * splice_read/splice_write (the engine's, a memfd, has) */
	bool ring_out, ring_in;
};
REQ_DATA_CHECK(struct splice_state);

int splice_prep(struct req *req, const struct io_uring_sqe *sqe);
int tee_prep(struct req *req, const struct io_uring_sqe *sqe);
int splice_issue(struct req *req, unsigned issue_flags);
void splice_cleanup(struct req *req);
int splice_ring_file(struct req *req);

#endif /* RINGER_ENGINE_OPS_SPLICE_H */
