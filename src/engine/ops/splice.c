// SPDX-License-Identifier: MIT
/*
 * IORING_OP_SPLICE and TEE (the kernel's io_uring/splice.c).
 *
 * The kernel forces both to io-wq and blocks there in do_splice()/do_tee()
 * until the pipe has data or room.  A worker of the engine cannot be
 * interrupted (a cancellation, the ring's teardown), so it never blocks on a
 * pipe: it splices with SPLICE_F_NONBLOCK, and when that says -EAGAIN where
 * the kernel's call would have waited, the request waits in the reactor for
 * the side that is not ready (the in file readable, the out file writable),
 * then goes back to a worker.  A cancellation finds it there (cancel.c);
 * one that finds it running in the worker marks it, and it ends instead of
 * waiting (-ERESTARTSYS, as the kernel's interrupted worker).
 * With data or room at hand, the non-blocking call moves what the blocking
 * one would.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>

#include "engine/cancel.h"
#include "engine/ops/splice.h"
#include "engine/sys.h"

#ifndef SPLICE_F_MOVE
#define SPLICE_F_MOVE 1
#define SPLICE_F_NONBLOCK 2
#define SPLICE_F_MORE 4
#define SPLICE_F_GIFT 8
#endif
#define SPLICE_F_ALL (SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT)
/*
 * What the kernel's splice ends with when a cancellation signals the worker
 * blocked in it (6.18 hands the kernel-internal code to the CQE: probed).
 */
#define ERESTARTSYS 512

/*
 * The kernel's prep reads no other field: addr3, buf_index, __pad2 are
 * ignored (probed on 6.18); ioprio is refused by the core.
 */
static int prep_common(struct req *req, const struct io_uring_sqe *sqe, bool tee)
{
	struct splice_state *sp = req_data(req, struct splice_state);

	sp->len = sqe->len;
	sp->flags = sqe->splice_flags;
	if (sp->flags & ~(SPLICE_F_FD_IN_FIXED | SPLICE_F_ALL))
		return -EINVAL;
	sp->fd_in = sqe->splice_fd_in;
	sp->rfd_in = -1;
	sp->file_in = NULL;
	sp->held_in = false;
	sp->tee = tee;
	sp->ring_out = sp->ring_in = false;
	return 0;
}

int splice_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct splice_state *sp = req_data(req, struct splice_state);

	sp->off_in = (int64_t)sqe->splice_off_in;
	sp->off_out = (int64_t)sqe->off;
	return prep_common(req, sqe, false);
}

int tee_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct splice_state *sp = req_data(req, struct splice_state);

	if (sqe->splice_off_in || sqe->off)
		return -EINVAL;
	sp->off_in = sp->off_out = -1;
	return prep_common(req, sqe, true);
}

void splice_cleanup(struct req *req)
{
	struct splice_state *sp = req_data(req, struct splice_state);

	if (sp->file_in)
		req_put_rsrc(req, &sp->file_in->node);
	else if (sp->held_in)
		sys_close(sp->rfd_in);
	sp->file_in = NULL;
	sp->held_in = false;
	sp->rfd_in = -1;
}

/* a file fget() gives: an open fd, not O_PATH */
static bool names_file(int fd)
{
	int fl = sys_fcntl(fd, F_GETFL, 0);

	return fl >= 0 && !(fl & O_PATH);
}

/*
 * The in file, looked up when the request is issued (in a worker) as the
 * kernel's io_splice_get_file(): a slot of the fixed table with
 * SPLICE_F_FD_IN_FIXED, else a number, held (a duplicate) until the end.
 */
static int resolve_in(struct req *req)
{
	struct splice_state *sp = req_data(req, struct splice_state);
	int fd;

	if (sp->flags & SPLICE_F_FD_IN_FIXED) {
		struct rfile *f = sp->fd_in < 0 ? NULL : rsrc_get_file(req->ring, (unsigned)sp->fd_in);

		if (!f)
			return -EBADF;
		sp->file_in = f;
		sp->rfd_in = f->fd;
	} else {
		if (sp->fd_in < 0)
			return -EBADF;
		if (!names_file(sp->fd_in))
			return -EBADF;
		fd = sys_dup_high(sp->fd_in);
		if (fd >= 0) {
			sp->rfd_in = fd;
			sp->held_in = true;
		} else if (fd == -EMFILE) {
			/* no room for a duplicate (RLIMIT_NOFILE): by number, as
			 * req_hold_file() goes on */
			sp->rfd_in = sp->fd_in;
		} else {
			return -EBADF;
		}
	}
	req->flags |= REQ_F_NEED_CLEANUP;
	sp->ring_in = !sp->file_in && engine_fd_names_ring(sp->fd_in);
	return 0;
}

/* The out fd names a ring: a file as any other until bytes are to move. */
int splice_ring_file(struct req *req)
{
	req_data(req, struct splice_state)->ring_out = true;
	req->rfd = req->fd;
	return 0;
}

/* open for reading (or writing): the kernel's FMODE_READ/FMODE_WRITE */
static bool fd_mode_ok(int fd, bool write)
{
	int fl = sys_fcntl(fd, F_GETFL, 0), acc;

	if (fl < 0 || (fl & O_PATH))
		return false;
	acc = fl & O_ACCMODE;
	return acc == O_RDWR || acc == (write ? O_WRONLY : O_RDONLY);
}

static bool fd_nonblock(int fd)
{
	int fl = sys_fcntl(fd, F_GETFL, 0);

	return fl >= 0 && (fl & O_NONBLOCK);
}

/* an O_NONBLOCK pipe: do_splice()/do_tee() make the whole call non-blocking */
static bool pipe_nonblock(int fd)
{
	struct stat st;

	return fd_nonblock(fd) && !sys_fstat(fd, &st) && S_ISFIFO(st.st_mode);
}

static void splice_ready(struct reactor_entry *e, uint32_t revents)
{
	struct req *req = (struct req *)((char *)e - offsetof(struct req, rent));

	engine_thread_ctx = CTX_REACTOR;
	req_punt_wq(req); /* the splice itself may read a file: a worker's job */
}

enum { WAIT_ARMED, WAIT_RETRY, WAIT_FINAL };

/* wait in the reactor for events on fd (the in or the out file) */
static int arm_wait(struct req *req, int fd, uint32_t events)
{
	int ret;

	req->rent.fd = fd;
	req->ready_fn = splice_ready;
	ret = ready_arm_interruptible(req, events);
	if (ret) {
		req->res = ret == -EINTR ? -ERESTARTSYS : ret;
		return WAIT_FINAL;
	}
	return WAIT_ARMED;
}

/*
 * A blocking socket as the out file: the kernel's worker blocks in its send
 * whatever the flags say (SPLICE_F_NONBLOCK is the pipe's), where the
 * engine's could not be interrupted.  When it has no room at the start,
 * the request waits in the reactor for it instead.  (One that fills up in
 * the middle of the splice still blocks the worker.)
 */
static bool socket_full(struct req *req)
{
	struct pollfd pfd = { .fd = req->rfd, .events = POLLOUT };
	struct stat st;

	if (sys_fstat(req->rfd, &st) || !S_ISSOCK(st.st_mode) || fd_nonblock(req->rfd))
		return false;
	return sys_poll(&pfd, 1, 0) == 0;
}

/*
 * The non-blocking call said -EAGAIN.  Where the kernel's blocking call
 * would wait (the program asked for no SPLICE_F_NONBLOCK, neither pipe is
 * O_NONBLOCK: do_splice() adds the flag for either, and the file that is
 * not ready is not O_NONBLOCK), wait in the reactor: WAIT_ARMED.  WAIT_FINAL: req->res is the result.
 * WAIT_RETRY: both sides are ready by now, call again.
 */
static int wait_ready(struct req *req)
{
	struct splice_state *sp = req_data(req, struct splice_state);
	struct pollfd pfd[2] = { { .fd = sp->rfd_in, .events = POLLIN },
				 { .fd = req->rfd, .events = POLLOUT } };
	int fd, ret;
	uint32_t events;

	if ((sp->flags & SPLICE_F_NONBLOCK) || pipe_nonblock(sp->rfd_in) ||
	    pipe_nonblock(req->rfd))
		return WAIT_FINAL;
	ret = sys_poll(pfd, 2, 0);
	if (ret < 0)
		return WAIT_FINAL;
	if (!pfd[0].revents) {
		fd = sp->rfd_in;
		events = POLLIN;
	} else if (!pfd[1].revents) {
		fd = req->rfd;
		events = POLLOUT;
	} else {
		return WAIT_RETRY;
	}
	if (fd_nonblock(fd))
		return WAIT_FINAL;
	return arm_wait(req, fd, events);
}

int splice_issue(struct req *req, unsigned issue_flags)
{
	struct splice_state *sp = req_data(req, struct splice_state);
	unsigned flags = (sp->flags & ~SPLICE_F_FD_IN_FIXED) | SPLICE_F_NONBLOCK;
	unsigned tries = 0;
	ssize_t ret;

	if (issue_flags & ISSUE_F_NONBLOCK)
		return ISSUE_AGAIN;
	/* cancelled while a worker ran it, then woken to go on: it ends */
	if (req_interrupted(req)) {
		ret = -ERESTARTSYS;
		goto done;
	}
	/* the out file first (io_assign_file()), then the in file */
	ret = req_resolve_file(req);
	if (!ret && !req->file && !sp->ring_out && !names_file(req->rfd))
		ret = -EBADF; /* a number that names no file (fget()) */
	if (!ret && sp->rfd_in < 0)
		ret = resolve_in(req);
	if (ret || !sp->len)
		goto done;
	/* do_splice() checks the files' modes first; splice(2) checks the
	 * offsets on pipes (-ESPIPE) before it */
	if (!sp->tee && (!fd_mode_ok(sp->rfd_in, false) || !fd_mode_ok(req->rfd, true))) {
		ret = -EBADF;
		goto done;
	}
	/* do_splice()/do_tee() find no splice method on a ring's file */
	if (sp->ring_in || sp->ring_out) {
		ret = -EINVAL;
		goto done;
	}
	if (!sp->tee && socket_full(req)) {
		if (arm_wait(req, req->rfd, POLLOUT) == WAIT_ARMED)
			return ISSUE_QUEUED; /* req may be gone already */
		ret = req->res;
		goto done;
	}
	for (;;) {
		if (sp->tee)
			ret = sys_tee(sp->rfd_in, req->rfd, sp->len, flags);
		else
			ret = sys_splice(sp->rfd_in, sp->off_in == -1 ? NULL : &sp->off_in,
					 req->rfd, sp->off_out == -1 ? NULL : &sp->off_out,
					 sp->len, flags);
		if (ret != -EAGAIN)
			break;
		req->res = (int32_t)ret;
		switch (wait_ready(req)) {
		case WAIT_ARMED:
			return ISSUE_QUEUED; /* req may be gone already */
		case WAIT_RETRY:
			/* ready again between the call and the look: bounded */
			if (++tries < 100)
				continue;
			break;
		default:
			break;
		}
		ret = req->res;
		break;
	}
done:
	/* a short splice fails the request: its links are cancelled */
	if (ret != (ssize_t)sp->len)
		req_set_fail(req);
	req->res = (int32_t)ret;
	return ISSUE_DONE;
}
