/* SPDX-License-Identifier: MIT */
/* OPENAT, OPENAT2, CLOSE (ops/openclose.c). */
#ifndef RINGER_ENGINE_OPS_OPENCLOSE_H
#define RINGER_ENGINE_OPS_OPENCLOSE_H

#include <linux/openat2.h>

#include "engine/engine.h"

struct open_state {
	struct open_how how;
	char *path; /* copied at prep, as the kernel's getname() */
	int dfd;
	unsigned file_slot; /* sqe->file_index: 0, a slot + 1, or ALLOC */
	bool plain; /* OPENAT: openat(2)'s flag handling, not openat2(2)'s */
};
REQ_DATA_CHECK(struct open_state);

struct close_state {
	int fd;
	unsigned file_slot;
};
REQ_DATA_CHECK(struct close_state);

int openat_prep(struct req *req, const struct io_uring_sqe *sqe);
int openat2_prep(struct req *req, const struct io_uring_sqe *sqe);
int openat_issue(struct req *req, unsigned issue_flags);
void open_cleanup(struct req *req);
int close_prep(struct req *req, const struct io_uring_sqe *sqe);
int close_issue(struct req *req, unsigned issue_flags);

#endif /* RINGER_ENGINE_OPS_OPENCLOSE_H */
