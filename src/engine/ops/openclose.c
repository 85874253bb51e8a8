// SPDX-License-Identifier: MIT
/*
 * IORING_OP_OPENAT, OPENAT2 and CLOSE (the kernel's openclose.c).
 *
 * An open is tried inline first, as the kernel's io_openat2(): with a
 * cached lookup only (RESOLVE_CACHED, the kernel's LOOKUP_CACHED) and
 * O_NONBLOCK, cleared again on the file unless the program asked for it.
 * So a FIFO opens at once for reading and fails -ENXIO for writing without
 * a reader, as on the kernel.  A lookup that would block (-EAGAIN) goes to
 * a worker, as do O_CREAT, O_TRUNC and O_TMPFILE opens from the start
 * (REQ_F_FORCE_ASYNC, the kernel's io_openat_force_async()).
 * A direct open (file_index) lands in the fixed file table and takes no
 * number of the program's: the engine's descriptor of it is moved above
 * sys_fd_floor().
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ops/openclose.h"
#include "engine/sys.h"

#define OPEN_HOW_SIZE_VER0 24 /* the first struct open_how: flags, mode, resolve */

/* the kernel's VALID_OPEN_FLAGS and O_PATH_FLAGS (fs/open.c) */
#define VALID_OPEN_FLAGS                                                                       \
	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC | \
	 FASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC |  \
	 O_SYNC | O_PATH | O_TMPFILE)
#define O_PATH_FLAGS (O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC)
/* opens that always block in the kernel: io-wq from the start */
#define OPEN_FORCE_ASYNC (O_TRUNC | O_CREAT | O_TMPFILE)

static int open_prep_common(struct req *req, const struct io_uring_sqe *sqe)
{
	struct open_state *open = req_data(req, struct open_state);
	int ret;

	if (sqe->buf_index)
		return -EINVAL;
	if (req->flags & REQ_F_FIXED_FILE)
		return -EBADF;
	open->dfd = sqe->fd;
	open->file_slot = sqe->file_index;
	/* the kernel takes the name before it checks the slot against O_CLOEXEC */
	ret = copy_user_path((const char *)(uintptr_t)sqe->addr, false, &open->path);
	if (ret)
		return ret;
	ret = rsrc_direct_check(open->file_slot, open->how.flags & O_CLOEXEC);
	if (ret) {
		free(open->path);
		return ret;
	}
	req->flags |= REQ_F_NEED_CLEANUP;
	if (open->how.flags & OPEN_FORCE_ASYNC)
		req->flags |= REQ_F_FORCE_ASYNC;
	return 0;
}

int openat_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct open_state *open = req_data(req, struct open_state);

	/* openat(2) itself drops unknown flags and a mode without O_CREAT */
	open->how = (struct open_how){ .flags = sqe->open_flags, .mode = sqe->len };
	open->plain = true;
	return open_prep_common(req, sqe);
}

int openat2_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct open_state *open = req_data(req, struct open_state);
	const unsigned char *how = (const void *)(uintptr_t)sqe->addr2;
	size_t len = sqe->len;

	if (len < OPEN_HOW_SIZE_VER0)
		return -EINVAL;
	/* the kernel's copy_struct_from_user(): a longer struct's tail must be zero */
	memset(&open->how, 0, sizeof(open->how));
	if (umem_read(&open->how, how, len < sizeof(open->how) ? len : sizeof(open->how)))
		return -EFAULT;
	for (size_t off = sizeof(open->how); off < len;) {
		unsigned char tail[256];
		size_t n = len - off < sizeof(tail) ? len - off : sizeof(tail);

		if (umem_read(tail, how + off, n))
			return -EFAULT;
		for (size_t i = 0; i < n; i++)
			if (tail[i])
				return -E2BIG;
		off += n;
	}
	open->plain = false;
	return open_prep_common(req, sqe);
}

/*
 * The inline try: the open_how openat(2) would build from OPENAT's flags
 * and mode (the kernel's build_open_how()), or OPENAT2's, with a cached
 * lookup and O_NONBLOCK.  The file descriptor, -EAGAIN for "needs a
 * worker", or the open's error.
 */
static int open_nonblock(const struct open_state *open)
{
	struct open_how how = open->how;
	int fd, fl;

	if (open->plain) {
		how.flags &= VALID_OPEN_FLAGS;
		how.mode &= 07777;
		if (how.flags & O_PATH)
			how.flags &= O_PATH_FLAGS;
		if (!(how.flags & (O_CREAT | O_TMPFILE)))
			how.mode = 0;
	}
	how.resolve |= RESOLVE_CACHED;
	how.flags |= O_NONBLOCK;
	fd = sys_openat2(open->dfd, open->path, &how, sizeof(how));
	if (fd == -EAGAIN && !(open->how.resolve & RESOLVE_CACHED))
		return -EAGAIN;
	/* a flag combination openat2(2) refuses where openat(2) would not:
	 * let the worker's openat(2) answer */
	if (fd == -EINVAL && open->plain)
		return -EAGAIN;
	if (fd < 0 || (open->how.flags & O_NONBLOCK))
		return fd;
	fl = sys_fcntl(fd, F_GETFL, 0);
	if (fl < 0 || sys_fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		sys_close(fd);
		return -EAGAIN;
	}
	return fd;
}

/* inline, then in a worker, where the open blocks like the kernel's
 * do_filp_open() in io-wq */
int openat_issue(struct req *req, unsigned issue_flags)
{
	struct open_state *open = req_data(req, struct open_state);
	int fd, ret;

	if (issue_flags & ISSUE_F_NONBLOCK) {
		fd = open_nonblock(open);
		if (fd == -EAGAIN)
			return ISSUE_AGAIN;
	} else if (open->plain) {
		fd = sys_openat(open->dfd, open->path, (int)open->how.flags,
				(unsigned)open->how.mode);
	} else {
		fd = sys_openat2(open->dfd, open->path, &open->how, sizeof(open->how));
	}
	free(open->path);
	open->path = NULL;
	req->flags &= ~REQ_F_NEED_CLEANUP;
	if (fd < 0 || !open->file_slot) {
		req->res = fd;
		if (fd < 0)
			req_set_fail(req);
		return ISSUE_DONE;
	}
	/* direct: the table's file, out of the program's numbers */
	ret = rsrc_fd_install(req->ring, fd, open->file_slot);
	req->res = ret;
	if (ret < 0)
		req_set_fail(req);
	return ISSUE_DONE;
}

void open_cleanup(struct req *req)
{
	free(req_data(req, struct open_state)->path);
	req_data(req, struct open_state)->path = NULL;
}

int close_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct close_state *close = req_data(req, struct close_state);

	if (sqe->off || sqe->addr || sqe->len || sqe->rw_flags || sqe->buf_index)
		return -EINVAL;
	if (req->flags & REQ_F_FIXED_FILE)
		return -EBADF;
	close->fd = sqe->fd;
	close->file_slot = sqe->file_index;
	if (close->file_slot && close->fd)
		return -EINVAL;
	return 0;
}

int close_issue(struct req *req, unsigned issue_flags)
{
	struct close_state *close = req_data(req, struct close_state);
	int ret;

	if (close->file_slot)
		ret = rsrc_file_remove(req->ring, close->file_slot - 1);
	else if (close->fd < 0 || engine_fd_names_ring(close->fd))
		ret = -EBADF; /* the kernel will not close a ring through a ring */
	else
		ret = sys_close(close->fd);
	req->res = ret;
	if (ret < 0)
		req_set_fail(req);
	return ISSUE_DONE;
}
