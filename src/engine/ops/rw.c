// SPDX-License-Identifier: MIT
/*
 * READV, WRITEV, READ, WRITE, READ_FIXED, WRITE_FIXED, READV_FIXED,
 * WRITEV_FIXED (the kernel's rw.c).
 *
 * prep copies what it needs (the iovec array included) out of the SQE; issue
 * then works from that copy:
 *  - a regular file or block device at an offset: native AIO with
 *    RWF_NOWAIT, one io_submit per submit batch (the AIO service, aio.c);
 *  - otherwise inline (ISSUE_F_NONBLOCK): one preadv2/pwritev2 with
 *    RWF_NOWAIT, which succeeds on page-cache hits and ready pipes/sockets;
 *  - a regular file that would block, or came up short, continues in a worker
 *    with blocking calls until the full length, EOF or an error (the kernel's
 *    retry: a short count on a regular file only means EOF or an error);
 *  - a pipe or socket reports what one attempt moved, and when nothing could
 *    move it waits for readiness in the reactor (never in a worker), even on an
 *    O_NONBLOCK pipe, unless the SQE asked RWF_NOWAIT (-EAGAIN).
 * offset -1 uses and advances the file position (preadv2 with -1 does that);
 * stream files ignore the offset.
 *
 * READ_MULTISHOT (rw_mshot_issue()) reads a pollable file into provided
 * buffers, a CQE with IORING_CQE_F_MORE per read, and waits for readiness in
 * the reactor in between, until an error, EOF, -ENOBUFS or a full CQ ends it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "engine/aio.h"
#include "engine/fdhint.h"
#include "engine/kbuf.h"
#include "engine/ops/rw.h"
#include "engine/sys.h"
#include "engine/trace.h"

#define IOPRIO_CLASS_NONE 0
#define IOPRIO_CLASS_RT 1
#define IOPRIO_CLASS_BE 2
#define IOPRIO_CLASS_IDLE 3

/* RWF_* of Linux 6.18 that the libc headers may lack */
#define ENGINE_RWF_NOAPPEND 0x20
#define ENGINE_RWF_ATOMIC 0x40
#define ENGINE_RWF_DONTCACHE 0x80
/* the RWF_* bits whose acceptance depends on the file (kiocb_set_rw_flags) */
#define RWF_FILE_DEP (RWF_NOWAIT | ENGINE_RWF_NOAPPEND | ENGINE_RWF_ATOMIC | ENGINE_RWF_DONTCACHE)
#define ENGINE_RWF_SUPPORTED 0x1ffU /* HIPRI ... DONTCACHE, NOSIGNAL */

/* ioprio_check_cap(): the class and level of a real I/O priority */
static int check_ioprio(uint16_t ioprio)
{
	unsigned cls = ioprio >> 13, level = ioprio & 0x7;

	switch (cls) {
	case IOPRIO_CLASS_RT:
		if (!engine_has_cap(23 /* CAP_SYS_NICE */) && !engine_has_cap(21 /* CAP_SYS_ADMIN */))
			return -EPERM;
		return 0;
	case IOPRIO_CLASS_BE:
	case IOPRIO_CLASS_IDLE:
		return 0;
	case IOPRIO_CLASS_NONE:
		return level ? -EINVAL : 0;
	default:
		return -EINVAL;
	}
}

/* rw_state.fx_state: a held fixed-buffer request (see fixed_copy() below) */
enum { FX_NONE = 0, FX_IDLE = 1, FX_BUSY = 2 };

static int prep_common(struct req *req, const struct io_uring_sqe *sqe, bool write)
{
	struct rw_state *rw = req_rw(req);
	int ret = check_ioprio(sqe->ioprio);

	if (ret)
		return ret;
	if (sqe->attr_type_mask) {
		if (sqe->attr_type_mask != IORING_RW_ATTR_FLAG_PI)
			return -EINVAL;
		return -EOPNOTSUPP; /* PI metadata: not in user space */
	}
	rw->addr = sqe->addr;
	rw->len = sqe->len;
	rw->off = (int64_t)sqe->off;
	rw->rw_flags = (int)sqe->rw_flags;
	rw->buf_index = sqe->buf_index;
	rw->write = write;
	rw->fixed = rw->vec = false;
	rw->iov = rw->fast_iov;
	rw->iov_alloc = NULL;
	rw->nr_segs = 0;
	rw->total = rw->done = 0;
	rw->resolved = rw->stream = rw->sock = rw->polled = false;
	rw->mshot = rw->can_poll = rw->no_nowait = rw->sel_locked = false;
	rw->fx_held = false;
	rw->fx_buf = NULL;
	rw->fx_copy = NULL;
	rw->fx_state = FX_NONE;
	return 0;
}

static int prep_single(struct req *req, const struct io_uring_sqe *sqe, bool write)
{
	struct rw_state *rw = req_rw(req);
	int ret = prep_common(req, sqe, write);

	if (ret)
		return ret;
	if (req->flags & REQ_F_BUFFER_SELECT)
		return 0;
	if (!user_range_ok(rw->addr, rw->len))
		return -EFAULT; /* outside the user address range: caught at prep */
	rw->fast_iov[0].iov_base = (void *)(uintptr_t)rw->addr;
	rw->fast_iov[0].iov_len = rw->len > ENGINE_MAX_RW_COUNT ? ENGINE_MAX_RW_COUNT : rw->len;
	rw->nr_segs = 1;
	rw->total = rw->fast_iov[0].iov_len;
	return 0;
}

static int prep_fixed(struct req *req, const struct io_uring_sqe *sqe, bool write)
{
	/* the buffer is looked up and range-checked at issue (-EFAULT there) */
	int ret = prep_common(req, sqe, write);

	req_rw(req)->fixed = true;
	return ret;
}

/*
 * The iovec array of a vectored request, rw->len entries at rw->addr, into
 * rw->iov (fast_iov or iov_alloc), the lengths checked as the kernel's
 * iovec_from_user() does, all of them before any address: 0 or -errno.
 */
static int iov_copy_in(struct req *req)
{
	struct rw_state *rw = req_rw(req);
	struct iovec *iov;

	if (rw->len > ENGINE_UIO_MAXIOV)
		return -EINVAL;
	if (!rw->len)
		return 0;
	iov = rw->len == 1 ? rw->fast_iov : malloc(sizeof(*iov) * rw->len);
	if (!iov)
		return -ENOMEM;
	if (iov != rw->fast_iov) {
		rw->iov_alloc = iov;
		req->flags |= REQ_F_NEED_CLEANUP;
	}
	rw->iov = iov;
	/* SUBMIT_STABLE: the array is copied now; a bad pointer is -EFAULT, not a crash */
	if (umem_read(iov, (const void *)(uintptr_t)rw->addr, sizeof(*iov) * rw->len))
		return -EFAULT;
	for (unsigned i = 0; i < rw->len; i++)
		if ((ssize_t)iov[i].iov_len < 0)
			return -EINVAL;
	return 0;
}

static int prep_vec(struct req *req, const struct io_uring_sqe *sqe, bool write)
{
	struct rw_state *rw = req_rw(req);
	struct iovec *iov;
	size_t total = 0;
	int ret = prep_common(req, sqe, write);

	if (ret)
		return ret;
	if (req->flags & REQ_F_BUFFER_SELECT) {
		struct iovec one;

		/* the one iovec is read now, as the kernel's prep does: its
		 * length bounds the buffer to select, and a bad address is
		 * -EFAULT before the fd is looked at */
		if (rw->len != 1)
			return -EINVAL;
		if (umem_read(&one, (const void *)(uintptr_t)rw->addr, sizeof(one)))
			return -EFAULT;
		rw->len = one.iov_len;
		return 0;
	}
	ret = iov_copy_in(req);
	if (ret || !rw->len)
		return ret;
	iov = rw->iov;
	for (unsigned i = 0; i < rw->len; i++) {
		size_t len = iov[i].iov_len;

		if (!user_range_ok((uintptr_t)iov[i].iov_base, len))
			return -EFAULT;
		if (len > ENGINE_MAX_RW_COUNT - total) {
			len = ENGINE_MAX_RW_COUNT - total;
			iov[i].iov_len = len;
		}
		total += len;
	}
	rw->nr_segs = rw->len;
	rw->total = total;
	return 0;
}

/*
 * READV_FIXED/WRITEV_FIXED (the kernel's io_prep_rwv_fixed(), 6.15+): the
 * iovec array is copied at prep, as READV's (more than UIO_MAXIOV, or a
 * negative length: -EINVAL; an unreadable array: -EFAULT); each iovec names
 * a range of the registered buffer sqe->buf_index, looked up and checked at
 * issue (resolve_fixed()).  No IOSQE_BUFFER_SELECT (the opdef row: -EOPNOTSUPP
 * at submit).  Probed on 6.18: zero vectors move nothing (0), yet the slot
 * must hold a buffer; the file's mode is looked at after the ranges.
 */
static int prep_vec_fixed(struct req *req, const struct io_uring_sqe *sqe, bool write)
{
	struct rw_state *rw = req_rw(req);
	int ret = prep_common(req, sqe, write);

	if (ret)
		return ret;
	rw->fixed = rw->vec = true;
	return iov_copy_in(req);
}

/* The opcodes' preps (opdef.c): the direction and the kind of buffer. */
int rw_prep_read(struct req *req, const struct io_uring_sqe *sqe)
{
	return prep_single(req, sqe, false);
}

int rw_prep_write(struct req *req, const struct io_uring_sqe *sqe)
{
	return prep_single(req, sqe, true);
}

int rw_prep_readv(struct req *req, const struct io_uring_sqe *sqe)
{
	return prep_vec(req, sqe, false);
}

int rw_prep_writev(struct req *req, const struct io_uring_sqe *sqe)
{
	return prep_vec(req, sqe, true);
}

/*
 * The kernel's io_read_mshot_prep(): provided buffers only, no address and
 * no length (6.18 refuses a length, even the buffers' size: probed).
 */
int rw_prep_read_mshot(struct req *req, const struct io_uring_sqe *sqe)
{
	struct rw_state *rw = req_rw(req);
	int ret;

	if (!(req->flags & REQ_F_BUFFER_SELECT))
		return -EINVAL;
	ret = prep_common(req, sqe, false);
	if (ret)
		return ret;
	if (rw->addr || rw->len)
		return -EINVAL;
	rw->mshot = true;
	return 0;
}

int rw_prep_read_fixed(struct req *req, const struct io_uring_sqe *sqe)
{
	return prep_fixed(req, sqe, false);
}

int rw_prep_write_fixed(struct req *req, const struct io_uring_sqe *sqe)
{
	return prep_fixed(req, sqe, true);
}

int rw_prep_readv_fixed(struct req *req, const struct io_uring_sqe *sqe)
{
	return prep_vec_fixed(req, sqe, false);
}

int rw_prep_writev_fixed(struct req *req, const struct io_uring_sqe *sqe)
{
	return prep_vec_fixed(req, sqe, true);
}

/*
 * Registered buffers held by requests in flight.  The kernel's request holds
 * its buffer's resource node: an unregistration does not wait for it, and the
 * request's I/O goes on in the pinned pages, never into what the program maps
 * at that address afterwards.  User space cannot pin the program's pages, so
 * a READ_FIXED or WRITE_FIXED that leaves the submitting thread (a worker,
 * the reactor) is listed on ring->fixed_away; an unregistration, or an
 * update replacing its slot, retires its buffer and gives each listed
 * request on it a private copy of its range (what the buffer holds then)
 * and its I/O goes on there: a write sends those bytes, a read's bytes land
 * where the program cannot see them, as in pages it no longer maps.  One in
 * a system call on the buffer at that moment (FX_BUSY) is waited for, up to
 * FX_WAIT_NS, else it moves to its copy when it comes back.  Requests done
 * inline never leave the submitting thread during a registration call
 * (submit_lock), and pay nothing.
 */
#define FX_WAIT_NS 1000000000LL

static void fx_unlink(struct ring *r, struct req *req)
{
	struct rw_state *rw = req_rw(req);

	if (rw->fx_prev)
		req_rw(rw->fx_prev)->fx_next = rw->fx_next;
	else
		r->fixed_away = rw->fx_next;
	if (rw->fx_next)
		req_rw(rw->fx_next)->fx_prev = rw->fx_prev;
	rw->fx_next = rw->fx_prev = NULL;
	rw->fx_state = FX_NONE;
}

/*
 * rsrc_lock held, the request not in a system call: what is left of its I/O
 * (the rest of its iovec, one range or READV_FIXED's several, in order)
 * moves to one copy of those bytes.
 */
static void fixed_copy(struct req *req)
{
	struct rw_state *rw = req_rw(req);
	size_t left = rw->total - rw->done, at = 0;
	char *copy = malloc(left ? left : 1);

	if (!copy)
		return; /* no memory: it goes on at the address (engine.h) */
	for (unsigned i = 0; i < rw->nr_segs; i++) {
		const struct iovec *v = &rw->iov[i];

		if (umem_read(copy + at, v->iov_base, v->iov_len))
			memset(copy + at, 0, v->iov_len); /* unmapped already: nothing to keep */
		at += v->iov_len;
	}
	rw->fx_copy = copy;
	rw->fast_iov[0].iov_base = copy;
	rw->fast_iov[0].iov_len = left;
	rw->iov = rw->fast_iov;
	rw->nr_segs = left ? 1 : 0;
}

void rw_hold_buffer(struct req *req)
{
	struct rw_state *rw = req_rw(req);
	struct ring *r = req->ring;

	if (!rw->resolved || rw->fx_held)
		return;
	rw->fx_held = true;
	req->flags |= REQ_F_NEED_CLEANUP;
	pthread_mutex_lock(&r->rsrc_lock);
	if (rw->fx_buf->retired) {
		fixed_copy(req); /* out of the table since it was looked up */
	} else {
		rw->fx_prev = NULL;
		rw->fx_next = r->fixed_away;
		if (rw->fx_next)
			req_rw(rw->fx_next)->fx_prev = req;
		r->fixed_away = req;
		rw->fx_state = FX_IDLE;
	}
	pthread_mutex_unlock(&r->rsrc_lock);
}

void rw_fixed_retire(struct ring *r)
{
	struct timespec pause = { 0, 50000 };
	int64_t waited = 0;

	for (;;) {
		struct req *req, *next;
		bool busy = false;

		for (req = r->fixed_away; req; req = next) {
			next = req_rw(req)->fx_next;
			if (!req_rw(req)->fx_buf->retired)
				continue;
			if (req_rw(req)->fx_state == FX_BUSY && waited < FX_WAIT_NS) {
				busy = true;
				continue;
			}
			if (req_rw(req)->fx_state == FX_BUSY) {
				/* still in its call: it copies when it comes back */
				fx_unlink(r, req);
				continue;
			}
			fx_unlink(r, req);
			fixed_copy(req);
		}
		if (!busy)
			return;
		pthread_mutex_unlock(&r->rsrc_lock);
		nanosleep(&pause, NULL);
		waited += pause.tv_nsec;
		pthread_mutex_lock(&r->rsrc_lock);
	}
}

/* Around a system call on a held request's buffer (and its accounting). */
static void fixed_io_begin(struct req *req)
{
	struct ring *r = req->ring;

	if (!req_rw(req)->fx_held)
		return;
	pthread_mutex_lock(&r->rsrc_lock);
	if (req_rw(req)->fx_state == FX_IDLE)
		req_rw(req)->fx_state = FX_BUSY;
	pthread_mutex_unlock(&r->rsrc_lock);
}

static void fixed_io_end(struct req *req)
{
	struct rw_state *rw = req_rw(req);
	struct ring *r = req->ring;

	if (!rw->fx_held)
		return;
	pthread_mutex_lock(&r->rsrc_lock);
	if (rw->fx_state == FX_BUSY)
		rw->fx_state = FX_IDLE;
	else if (rw->fx_state == FX_NONE && !rw->fx_copy && rw->fx_buf->retired)
		fixed_copy(req); /* retired while it was in its call */
	pthread_mutex_unlock(&r->rsrc_lock);
}

void rw_cleanup(struct req *req)
{
	struct rw_state *rw = req_rw(req);

	free(rw->iov_alloc);
	rw->iov_alloc = NULL;
	if (rw->fx_held) {
		pthread_mutex_lock(&req->ring->rsrc_lock);
		if (rw->fx_state != FX_NONE)
			fx_unlink(req->ring, req);
		pthread_mutex_unlock(&req->ring->rsrc_lock);
		free(rw->fx_copy);
		rw->fx_copy = NULL;
		rw->fx_held = false;
	}
	if (rw->fx_buf) {
		req_put_rsrc(req, &rw->fx_buf->node);
		rw->fx_buf = NULL;
	}
}

static bool is_reg(const struct req *req)
{
	return req->flags & REQ_F_ISREG;
}

/* One range in a registered buffer: the kernel's validate_fixed_range(). */
static bool fixed_range_ok(const struct rbuf *b, uint64_t addr, size_t len)
{
	uint64_t end;

	return !__builtin_add_overflow(addr, (uint64_t)len, &end) && addr >= b->base &&
	       end <= b->base + b->len && len <= ENGINE_MAX_RW_COUNT;
}

/*
 * READV_FIXED's iovecs (the kernel's io_import_reg_vec(), at issue): each in
 * the buffer (-EFAULT), none empty (-EFAULT, even inside it), then the
 * total at most MAX_RW_COUNT (-EINVAL).  0 or -errno.
 */
static int resolve_fixed_vec(struct req *req)
{
	struct rw_state *rw = req_rw(req);
	size_t total = 0;

	for (unsigned i = 0; i < rw->len; i++) {
		const struct iovec *v = &rw->iov[i];

		if (!fixed_range_ok(rw->fx_buf, (uintptr_t)v->iov_base, v->iov_len) || !v->iov_len)
			return -EFAULT;
		total += v->iov_len; /* 1024 lengths of at most MAX_RW_COUNT: no overflow */
	}
	if (total > ENGINE_MAX_RW_COUNT)
		return -EINVAL;
	rw->nr_segs = rw->len;
	rw->total = total;
	return 0;
}

/* The fixed buffer: looked up and range-checked before the file's mode (6.18, probed). */
static int resolve_fixed(struct req *req)
{
	struct rw_state *rw = req_rw(req);
	int ret = 0;

	if (!rw->fx_buf) {
		rw->fx_buf = rsrc_get_buf(req->ring, rw->buf_index);
		if (rw->fx_buf)
			req->flags |= REQ_F_NEED_CLEANUP; /* rw_cleanup() puts it */
	}
	if (!rw->fx_buf)
		ret = -EFAULT;
	else if (rw->vec)
		ret = resolve_fixed_vec(req);
	else if (!fixed_range_ok(rw->fx_buf, rw->addr, rw->len))
		ret = -EFAULT;
	if (ret) {
		/* a plain fd is used by number: a closed one is still -EBADF first */
		int fl = sys_fcntl(req->rfd, F_GETFL, 0);

		return fl < 0 ? fl : ret;
	}
	if (rw->vec)
		return 0;
	rw->fast_iov[0].iov_base = (void *)(uintptr_t)rw->addr;
	rw->fast_iov[0].iov_len = rw->len;
	rw->iov = rw->fast_iov;
	rw->nr_segs = 1;
	rw->total = rw->len;
	return 0;
}

static void iov_advance(struct rw_state *rw, size_t n)
{
	while (n && rw->nr_segs) {
		if (n >= rw->iov[0].iov_len) {
			n -= rw->iov[0].iov_len;
			rw->iov++;
			rw->nr_segs--;
		} else {
			rw->iov[0].iov_base = (char *)rw->iov[0].iov_base + n;
			rw->iov[0].iov_len -= n;
			n = 0;
		}
	}
}

static void learn_type(struct req *req);

/* The kernel's io_file_can_poll() (sys_fd_can_poll()): 1, 0, -EBADF. */
static int file_can_poll(struct req *req)
{
	struct rw_state *rw = req_rw(req);
	int ret;

	if (rw->can_poll)
		return 1;
	ret = sys_fd_can_poll(req->rfd);
	rw->can_poll = ret == 1;
	return ret;
}

/*
 * A ring buffer whose head moves at the CQE (not committed at selection) is
 * the request's alone only while it holds ring->kbuf_sel_lock, from the
 * selection to its kbuf_put() or recycle, as the receives do (engine.h): the
 * transfer in between never blocks (RWF_NOWAIT; a worker commits at
 * selection).  Let go before the request waits or posts a CQE.
 */
static void sel_unlock(struct req *req)
{
	struct rw_state *rw = req_rw(req);

	if (rw->sel_locked) {
		rw->sel_locked = false;
		pthread_mutex_unlock(&req->ring->kbuf_sel_lock);
	}
}

static int rw_finish(struct req *req, ssize_t err)
{
	struct rw_state *rw = req_rw(req);

	if (rw->done || err >= 0) {
		req->res = (int32_t)rw->done;
		/* a short transfer counts as a failure for links and CQE_SKIP */
		if (rw->done != rw->total)
			req_set_fail(req);
	} else {
		req->res = (int32_t)err;
		/* failed with nothing read: a ring buffer not committed goes
		 * back, unnamed (the kernel's io_read() recycles it) */
		if (req->buf_sel == KBUF_SEL_RING)
			kbuf_recycle(req);
	}
	/* a provided buffer: consumed, and named by the CQE (kbuf.h) */
	if (kbuf_selected(req))
		req->cflags |= kbuf_put(req, req->res);
	sel_unlock(req);
	return ISSUE_DONE;
}

/*
 * IOSQE_BUFFER_SELECT: take the buffer right before the transfer (the
 * kernel's io_import_rw_buffer(), after the file lookup and before the
 * file's checks).  A ring's head is committed now when the file cannot be
 * polled or a worker runs it (io_should_commit()); else at the CQE.
 */
static int rw_buffer_select(struct req *req, bool worker)
{
	struct rw_state *rw = req_rw(req);
	size_t len = rw->len;
	void *addr;
	int ret, polls;

	if (!(req->flags & REQ_F_BUFFER_SELECT) || kbuf_selected(req))
		return 0;
	learn_type(req);
	/* a stream without a poll method (/dev/null) is committed at once too;
	 * a number that names no file takes no buffer, in a worker too */
	polls = rw->stream ? file_can_poll(req) : 0;
	if (polls < 0)
		return polls;
	if (worker)
		polls = 0;
	/* a committing selection, too, waits for a request that holds the
	 * head uncommitted (it would take the same buffer) */
	pthread_mutex_lock(&req->ring->kbuf_sel_lock);
	ret = kbuf_select(req, &len, &addr, !polls);
	if (req->buf_sel == KBUF_SEL_RING)
		rw->sel_locked = true;
	else
		pthread_mutex_unlock(&req->ring->kbuf_sel_lock);
	if (ret)
		return ret;
	/* an entry at address 0 is no buffer for the kernel either
	 * (io_import_rw_buffer()): taken, and -ENOBUFS */
	if (!addr)
		return -ENOBUFS;
	/* and one outside the user range fails its import: -EFAULT before
	 * the file's mode is looked at */
	if (!user_range_ok((uintptr_t)addr, len))
		return -EFAULT;
	if (len > ENGINE_MAX_RW_COUNT)
		len = ENGINE_MAX_RW_COUNT;
	rw->fast_iov[0].iov_base = addr;
	rw->fast_iov[0].iov_len = len;
	rw->iov = rw->fast_iov;
	rw->nr_segs = 1;
	rw->total = len;
	rw->done = 0;
	return 0;
}

/*
 * The request waits (parking: in the reactor) or moves to a worker without
 * having used its buffer: a ring buffer whose head is not committed goes
 * back, and so does a legacy one that waits (the kernel's io_kbuf_recycle());
 * a committed one stays the request's.
 */
static void rw_buffer_recycle(struct req *req, bool parking)
{
	kbuf_recycle_unused(req, parking);
	sel_unlock(req);
}

/*
 * Reads and writes at an offset on regular files and block devices go to
 * native AIO (aio.c), every iocb with RWF_NOWAIT.  Anything AIO cannot take
 * as is goes the other way: offset -1, RWF_* flags, an IOPOLL ring (its own
 * context: rw_iopoll_iocb()), a fault armed on preadv2 and friends,
 * io_submit refusing.  A completion with a short count continues in a
 * worker (a short transfer on a regular file means EOF or an error); -EAGAIN
 * goes to a worker (or, on an fd that turned out to be a pipe, to the
 * reactor).
 *
 * The iocb of a request: its buffer or iovec at its offset, RWF_NOWAIT (never
 * blocks).
 */
static void prep_iocb(struct iocb *cb, struct req *req, bool write)
{
	struct rw_state *rw = req_rw(req);

	memset(cb, 0, sizeof(*cb));
	cb->aio_fildes = (uint32_t)req->rfd;
	if (rw->nr_segs == 1) {
		/* one buffer: the plain command spares the kernel copying in
		 * and walking an iovec, as io_uring's own single-buffer path */
		cb->aio_lio_opcode = write ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
		cb->aio_buf = (uintptr_t)rw->iov[0].iov_base;
		cb->aio_nbytes = rw->iov[0].iov_len;
	} else {
		cb->aio_lio_opcode = write ? IOCB_CMD_PWRITEV : IOCB_CMD_PREADV;
		cb->aio_buf = (uintptr_t)rw->iov;
		cb->aio_nbytes = rw->nr_segs;
	}
	cb->aio_offset = rw->off;
	cb->aio_rw_flags = RWF_NOWAIT;
}

/* One preadv2/pwritev2 of the request's iovec: bytes moved or -errno. */
static ssize_t rw_transfer(struct req *req, bool write, off_t off, int flags)
{
	struct rw_state *rw = req_rw(req);

	return write ? sys_pwritev2(req->rfd, rw->iov, (int)rw->nr_segs, off, flags)
		     : sys_preadv2(req->rfd, rw->iov, (int)rw->nr_segs, off, flags);
}

static bool st_is_reg(const struct stat *st)
{
	return S_ISREG(st->st_mode) || S_ISBLK(st->st_mode);
}

/* Learn whether the file is a regular file or block device (retry short transfers). */
static void learn_type(struct req *req)
{
	struct stat st;

	if (is_reg(req) || req_rw(req)->stream)
		return;
	if (sys_fstat(req->rfd, &st) < 0) {
		req_rw(req)->stream = true;
	} else if (st_is_reg(&st)) {
		req->flags |= REQ_F_ISREG;
	} else {
		req_rw(req)->stream = true;
		req_rw(req)->sock = S_ISSOCK(st.st_mode);
		req_rw(req)->can_poll = S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
	}
	fdhint_set_reg(req->rfd, is_reg(req));
}

/*
 * Account res bytes moved by one AIO (or equivalent) transfer.  True when it
 * came up short on a regular file: the rest (or EOF) is for the blocking
 * path, from the advanced offset; a stream reports what moved.
 */
static bool moved_short(struct req *req, long res)
{
	struct rw_state *rw = req_rw(req);

	if (res <= 0)
		return false;
	rw->done += (size_t)res;
	iov_advance(rw, (size_t)res);
	if (rw->done == rw->total)
		return false;
	learn_type(req);
	if (!is_reg(req))
		return false;
	rw->off += res;
	return true;
}

static void done_from_aio(struct req *req, long res)
{
	struct rw_state *rw = req_rw(req);

	if (res == -EOPNOTSUPP && rw->write && (fdhint_get(req->rfd) & FDHINT_REG)) {
		/*
		 * The file took RWF_NOWAIT (its open mode has FMODE_NOWAIT)
		 * and its write_iter refused a nonblocking buffered write: a
		 * regular file whose file system cannot (ext4), as its hint
		 * says; no fstat to tell.  Always so on that file: not a
		 * failure streak to skip AIO for (the next write learns the
		 * same from one iocb of a batch).
		 */
		req->flags |= REQ_F_ISREG;
		req_punt_wq(req);
		return;
	}
	if (res == -EAGAIN || res == -EOPNOTSUPP || res == -EINTR || res == -ESPIPE) {
		/* not done without blocking (or, -ESPIPE, a pipe read by preadv2
		 * with an offset): find out what the file really is */
		learn_type(req);
		if (rw->stream) {
			/* a stale hint: a pipe or socket waits in the reactor */
			req_issue(req, ISSUE_F_NONBLOCK);
			return;
		}
		fdhint_nowait_result(req->rfd, true);
		req_punt_wq(req);
		return;
	}
	if (res > 0)
		fdhint_nowait_result(req->rfd, false);
	if (moved_short(req, res)) {
		req_punt_wq(req); /* EOF or the rest, found by a worker */
		return;
	}
	rw_finish(req, res < 0 ? res : 0);
	req_complete(req);
}

/*
 * The RWF_* checks that do not depend on the file (kiocb_set_rw_flags()).
 * The file-dependent ones (NOWAIT, ATOMIC on writes, DONTCACHE, NOAPPEND)
 * are made by preadv2/pwritev2 itself, with the same function.
 */
static int rwf_check(int flags, bool write)
{
	if (!flags)
		return 0;
	if ((unsigned)flags & ~ENGINE_RWF_SUPPORTED)
		return -EOPNOTSUPP;
	if ((flags & RWF_APPEND) && (flags & ENGINE_RWF_NOAPPEND))
		return -EINVAL;
	if ((flags & ENGINE_RWF_ATOMIC) && !write)
		return -EOPNOTSUPP;
	return 0;
}

/*
 * The kernel's checks between the file lookup and the transfer, in its order
 * (io_rw_init_file(), then rw_verify_area(); probed on 6.18): the file is
 * open for this direction (-EBADF), the RWF_* flags, the IOPOLL refusals
 * (-EOPNOTSUPP: not O_DIRECT; RWF_HIPRI without IOPOLL: -EINVAL), then the
 * offset (-EINVAL below -1).  A plain read or write leaves the direction to
 * its system call (same -EBADF): the file's mode is only looked up when an
 * IOPOLL ring needs it or another error would otherwise win.
 */
static int rw_init_checks(struct req *req, bool write)
{
	struct rw_state *rw = req_rw(req);
	bool iopoll = req->ring->flags & IORING_SETUP_IOPOLL;
	bool hipri_refused = !iopoll && (rw->rw_flags & RWF_HIPRI);
	int flags_err = rwf_check(rw->rw_flags, write), fl;

	/* a zero-length request with file-dependent flags is checked at issue
	 * (rw_zero_length), after the file's direction */
	bool zero_dep = !rw->total && (rw->rw_flags & RWF_FILE_DEP);

	if (!flags_err && !hipri_refused && rw->off >= -1 && !iopoll && !zero_dep)
		return 0;
	fl = sys_fcntl(req->rfd, F_GETFL, 0);
	if (fl < 0)
		return fl;
	if ((fl & O_PATH) || (write && (fl & O_ACCMODE) == O_RDONLY) ||
	    (!write && (fl & O_ACCMODE) == O_WRONLY))
		return -EBADF;
	if (flags_err)
		return flags_err;
	if (iopoll && !(fl & O_DIRECT))
		return -EOPNOTSUPP; /* a buffered file cannot be polled */
	if (hipri_refused)
		return -EINVAL; /* polled I/O needs an IOPOLL ring */
	/* 6.18 refuses it on pipes too (probed); file-dependent flags first (issue) */
	if (rw->off < -1 && !(rw->rw_flags & RWF_FILE_DEP))
		return -EINVAL;
	return 0;
}

/*
 * A zero-length read or write through native AIO.  io_submit runs the same
 * kiocb_set_rw_flags() as io_uring (its refusal comes back from io_submit
 * itself), then read_iter/write_iter with an empty iterator, as io_uring does
 * for a zero-length request; preadv2/pwritev2 return 0 before either.  So it
 * tells whether the file takes the file-dependent RWF_* bits (FMODE_NOWAIT,
 * atomic writes, DONTCACHE), and what the kernel answers a zero-length
 * request with them.  Only on files where an empty transfer cannot block:
 * regular files, block devices, pipes; sockets with RWF_NOWAIT.
 *
 * 0: it ran, its result in *res; -errno: the flags were refused; 1: cannot
 * tell (another kind of file, or no AIO: aio_probe()).
 */
static int rw_zero_length(struct req *req, bool write, int flags, long *res)
{
	struct stat st;

	if (sys_fstat(req->rfd, &st) < 0)
		return 1;
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		/*
		 * Atomic writes and uncached I/O are for regular files and
		 * block devices only; a directory has no FMODE_NOWAIT either
		 * (probed on 6.18: pipes, sockets, /dev/null, an ext4 directory).
		 */
		if ((flags & (ENGINE_RWF_ATOMIC | ENGINE_RWF_DONTCACHE)) ||
		    (S_ISDIR(st.st_mode) && (flags & RWF_NOWAIT)))
			return -EOPNOTSUPP;
		if (S_ISSOCK(st.st_mode)) {
			/* sock_read_iter()/sock_write_iter(): a position
			 * other than 0 says -ESPIPE before the length */
			if (req_rw(req)->off > 0)
				return -ESPIPE;
			flags |= RWF_NOWAIT; /* sockets take it: an empty send never blocks */
		}
		else if (!S_ISFIFO(st.st_mode))
			return 1;
	}
	return aio_probe(req->rfd, write, flags,
			 req_rw(req)->off < 0 || req_rw(req)->stream ? 0 : req_rw(req)->off, res);
}

/* The file takes the file-dependent RWF_* bits of the request: 0, or -errno. */
static int rwf_file_check(struct req *req, bool write, int flags)
{
	long res;
	int ret = rw_zero_length(req, write, flags & RWF_FILE_DEP, &res);

	return ret < 0 ? ret : 0;
}

/*
 * io_write() at submit (nonblocking) with the user's RWF_NOWAIT on a regular
 * file whose file system cannot write buffered without blocking (no
 * FOP_BUFFER_WASYNC: ext4): -EAGAIN, before write_iter is called.  Here
 * write_iter is called and says -EOPNOTSUPP (ext4_buffered_write_iter); so
 * does a file that refuses RWF_NOWAIT altogether (tmpfs), which the kernel
 * reports as such.  res: what the write gave.
 */
static long nowait_write_eagain(struct req *req, bool write, bool nonblock, long res)
{
	if (res != -EOPNOTSUPP || !write || !nonblock || !(req_rw(req)->rw_flags & RWF_NOWAIT))
		return res;
	learn_type(req);
	if (!is_reg(req) || rwf_file_check(req, write, req_rw(req)->rw_flags))
		return res;
	return -EAGAIN;
}

/* The file, the fixed buffer and the checks made once per request: 0 or -errno. */
static int rw_resolve(struct req *req, bool write)
{
	struct rw_state *rw = req_rw(req);
	int ret = req_resolve_file(req);

	if (!ret && (req->flags & REQ_F_BUFFER_SELECT)) {
		/* the buffer before the file's mode and flags (6.18, probed) */
		ret = rw_buffer_select(req, engine_thread_ctx == CTX_WORKER);
		if (ret) {
			/* a plain fd is used by number: a closed one is -EBADF first */
			int fl = sys_fcntl(req->rfd, F_GETFL, 0);

			ret = fl < 0 ? fl : ret;
		}
	}
	if (!ret && rw->fixed)
		ret = resolve_fixed(req);
	if (!ret)
		ret = rw_init_checks(req, write);
	if (!ret) {
		rw->resolved = true;
		/* looked up by a worker (IOSQE_ASYNC): held from here */
		if (rw->fixed && engine_thread_ctx == CTX_WORKER)
			rw_hold_buffer(req);
	}
	return ret;
}

int rw_iopoll_prep(struct req *req)
{
	int ret = req_rw(req)->resolved ? 0 : rw_resolve(req, req_rw(req)->write);

	/* parked, not issued: the lock is not kept until the polling pass */
	sel_unlock(req);
	return ret;
}

/*
 * IOPOLL rings (iopoll.c): a parked read or write goes to the device through
 * the ring's IOPOLL AIO context (aio.c) when AIO can take it as is; a
 * polling pass runs the others (offset -1, RWF flags, a refusal, -EAGAIN,
 * a short count) with blocking calls.
 */
bool rw_iopoll_iocb(struct req *req, struct iocb *cb)
{
	struct rw_state *rw = req_rw(req);

	/* a failed resolve is found again by the blocking path */
	if ((req->flags & REQ_F_BUFFER_SELECT) ||
	    (!rw->resolved && rw_resolve(req, rw->write)) || (rw->rw_flags & ~RWF_HIPRI) ||
	    rw->off < 0 || rw->done)
		return false;
	prep_iocb(cb, req, rw->write);
	return true;
}

static void iopoll_inline(struct req *req)
{
	req_issue(req, ISSUE_F_WORKER | ISSUE_F_IOPOLL);
}

static void iopoll_done(struct req *req, long res)
{
	if (res == -EAGAIN || res == -EINTR || res == -EOPNOTSUPP || moved_short(req, res)) {
		iopoll_inline(req);
		return;
	}
	rw_finish(req, res < 0 ? res : 0);
	req_complete(req);
}

/* The end of an AIO read or write (aio.c): an IOPOLL ring's in its pass. */
void rw_aio_complete(struct req *req, long res)
{
	if (req->ring->flags & IORING_SETUP_IOPOLL)
		iopoll_done(req, res);
	else
		done_from_aio(req, res);
}

static void rw_ready(struct reactor_entry *e, uint32_t revents)
{
	struct req *req = (struct req *)((char *)e - offsetof(struct req, rent));

	engine_thread_ctx = CTX_REACTOR;
	req_rw(req)->polled = true;
	req_issue(req, ISSUE_F_NONBLOCK);
}

/* wait in the reactor for the file to be readable (READ*) or writable (WRITE*) */
static int rw_arm(struct req *req)
{
	int ret;

	rw_buffer_recycle(req, true);
	ret = req_arm_ready(req, rw_ready);

	if (ret) {
		req->res = ret;
		return ISSUE_DONE;
	}
	return ISSUE_QUEUED;
}

static int rw_issue_one(struct req *req, unsigned issue_flags);

int rw_issue(struct req *req, unsigned issue_flags)
{
	int ret = rw_issue_one(req, issue_flags);

	/* queued: the reactor or AIO has req now (it may be complete, freed
	 * and reused already); its selection lock went before it was handed on */
	if (ret == ISSUE_QUEUED)
		return ret;
	if (ret == ISSUE_AGAIN)
		rw_buffer_recycle(req, false); /* a worker selects again */
	/* a check that failed after the selection: the buffer goes back
	 * unused when the request is freed */
	sel_unlock(req);
	return ret;
}

static int rw_issue_one(struct req *req, unsigned issue_flags)
{
	struct rw_state *rw = req_rw(req);
	bool write = rw->write;
	bool nonblock = issue_flags & ISSUE_F_NONBLOCK;
	bool user_nowait = rw->rw_flags & RWF_NOWAIT;
	bool poll_first = false, loop_path = false;
	unsigned eagain_retries = 0;
	int ret;

	if (!rw->resolved) {
		ret = rw_resolve(req, write);
		/* (a buffer it took: given back or named, rw_finish()) */
		if (ret)
			return rw_finish(req, ret);
	}
	if (req->flags & REQ_F_BUFFER_SELECT) {
		ret = rw_buffer_select(req, !nonblock);
		if (ret)
			return rw_finish(req, ret);
	}
	if (nonblock && !rw->rw_flags && !rw->stream && rw->off >= 0 && !rw->done &&
	    !(req->ring->flags & IORING_SETUP_IOPOLL) && !sys_other_fault_armed()) {
		unsigned char h = fdhint_get(req->rfd);

		if (h & FDHINT_REG)
			h = fdhint_tick(req->rfd, h); /* now and then learnt again */
		if (h & FDHINT_REG) {
			if (!fdhint_skip(req->rfd, h)) {
				struct iocb cb;

				prep_iocb(&cb, req, write);
				/* a regular file's ring buffer is committed at
				 * selection: the lock is not needed past here,
				 * and req is AIO's once submitted */
				sel_unlock(req);
				if (aio_submit(req, &cb, h & FDHINT_DIRECT))
					return ISSUE_QUEUED;
			} else {
				learn_type(req);
				if (is_reg(req))
					return ISSUE_AGAIN;
			}
		}
	}
	if (nonblock)
		aio_flush_pending(req->ring); /* CQEs in submission order */
	if (user_nowait && !nonblock && !(issue_flags & ISSUE_F_IOPOLL) && !rw->done) {
		/*
		 * io-wq issues a regular file blocking: the kernel drops the
		 * RWF_NOWAIT it accepted (a cold read reads, an ext4 buffered
		 * write writes; probed).  Pipes and sockets keep it (-EAGAIN).
		 */
		learn_type(req);
		if (is_reg(req)) {
			ret = rwf_file_check(req, write, rw->rw_flags);
			if (ret)
				return rw_finish(req, ret);
			rw->rw_flags &= ~RWF_NOWAIT;
			user_nowait = false;
		}
	}
	if (rw->off < -1) {
		long res;

		/*
		 * Left by rw_init_checks() for the flags the file must take:
		 * refused flags first, then (a buffered ext4 write at submit
		 * with RWF_NOWAIT) io_write()'s -EAGAIN, then rw_verify_area().
		 */
		ret = rw_zero_length(req, write, rw->rw_flags, &res);
		if (ret < 0)
			return rw_finish(req, ret);
		if (!ret && nonblock && write && user_nowait && res == -EOPNOTSUPP &&
		    !(sys_fcntl(req->rfd, F_GETFL, 0) & O_DIRECT))
			return rw_finish(req, nowait_write_eagain(req, write, nonblock, res));
		return rw_finish(req, -EINVAL);
	}
	if ((rw->rw_flags & RWF_FILE_DEP) && !rw->total) {
		long res;

		/* nothing to move: preadv2 would not look at the flags (rw_zero_length) */
		ret = rw_zero_length(req, write, rw->rw_flags, &res);
		if (ret < 0)
			return rw_finish(req, ret);
		if (!ret)
			return rw_finish(req, nowait_write_eagain(req, write, nonblock, res));
	}
	if (!nonblock && !user_nowait && !(issue_flags & ISSUE_F_IOPOLL)) {
		/*
		 * A worker (IOSQE_ASYNC, or a punt) on a pipe or socket tries
		 * without blocking and waits for readiness in the reactor, as
		 * io-wq arms poll for pollable files: a blocking call would pin
		 * the worker until data comes, maybe never (teardown waits for
		 * running workers, and the unbound pool has a cap).
		 */
		learn_type(req);
		poll_first = rw->stream;
	}

	/* written whole together with others by a worker (rw_wq_batch()) */
	if (rw->done && rw->done == rw->total)
		return rw_finish(req, 0);
	for (;;) {
		int flags = loop_path ? rw->rw_flags & RWF_HIPRI : rw->rw_flags;
		off_t off = rw->stream ? -1 : (off_t)rw->off;
		ssize_t n;

		/* sock_read_iter()/sock_write_iter(): a position other than 0,
		 * after the flags a socket does not take */
		if (rw->sock && rw->off != 0 && rw->off != -1)
			return rw_finish(req, rw->rw_flags & (ENGINE_RWF_ATOMIC | ENGINE_RWF_DONTCACHE)
						      ? -EOPNOTSUPP
						      : -ESPIPE);

		if (nonblock || poll_first)
			flags |= RWF_NOWAIT;
		fixed_io_begin(req);
		n = rw_transfer(req, write, off, flags);
		if (n > 0) {
			/* with the iovec, before an unregistration may copy it */
			rw->done += (size_t)n;
			iov_advance(rw, (size_t)n);
		}
		fixed_io_end(req);
		if (n == -EINTR)
			continue; /* nothing moved: the kernel would restart it */
		if (n == -ESPIPE && !rw->stream) {
			/* a pipe ignores the offset; a socket's says -ESPIPE (below) */
			if (rw->off != 0 && rw->off != -1)
				learn_type(req);
			rw->stream = true;
			continue;
		}
		if (n == -EAGAIN) {
			if (user_nowait)
				return rw_finish(req, n);
			learn_type(req);
			if (rw->stream) {
				req_rearm_drained(req, rw->polled);
				return rw_arm(req);
			}
			if (nonblock) {
				fdhint_nowait_result(req->rfd, true);
				return ISSUE_AGAIN;
			}
			/* a blocking call on a regular file said EAGAIN: retry, as io-wq does */
			if (++eagain_retries < 1000)
				continue;
			return rw_finish(req, n);
		}
		if (n == -EOPNOTSUPP && nonblock && !user_nowait)
			return ISSUE_AGAIN; /* no RWF_NOWAIT support: a worker does it blocking */
		if (n == -EOPNOTSUPP && nonblock && write)
			return rw_finish(req, nowait_write_eagain(req, write, nonblock, n));
		if (n == -EOPNOTSUPP && !nonblock && !loop_path && (rw->rw_flags & ~RWF_HIPRI) &&
		    !(rw->rw_flags & RWF_FILE_DEP & ~ENGINE_RWF_NOAPPEND)) {
			/*
			 * Flags any read_iter/write_iter takes: the file has
			 * only read/write (a directory), where preadv2 refuses
			 * every flag and io_uring's loop_rw_iter() ignores them.
			 */
			loop_path = true;
			continue;
		}
		if (n == -EOPNOTSUPP && poll_first) {
			/*
			 * No RWF_NOWAIT support (inotify, a pty master): wait for
			 * readiness in the reactor first, then read blocking,
			 * here, as io-wq does after one poll: the call then
			 * finds what it waits for (teardown can cancel the wait).
			 */
			if (!rw->polled)
				return rw_arm(req);
			poll_first = false;
			continue;
		}
		if (n < 0)
			return rw_finish(req, n);

		if (nonblock && is_reg(req))
			fdhint_nowait_result(req->rfd, false);
		if (nonblock && !rw->stream && !is_reg(req) && rw->off >= 0 &&
		    !(fdhint_get(req->rfd) & FDHINT_REG))
			learn_type(req); /* seekable, yet hinted otherwise: a reused fd number */
		if (rw->off != -1 && !rw->stream)
			rw->off += n;
		if (rw->done == rw->total || n == 0 || user_nowait)
			return rw_finish(req, 0);
		/* short: a stream reports it, a regular file continues */
		learn_type(req);
		if (rw->stream)
			return rw_finish(req, 0);
		if (nonblock)
			return ISSUE_AGAIN;
	}
}

/* ---- a worker's batch of writes to one file -------------------------------- */

/* The most iovec entries of one coalesced write (a stack array). */
#define BATCH_SEGS 256

/*
 * A write whose remaining bytes a batch may send with others': plain
 * (no RWF_* flags, an offset, no provided or registered buffer), on a
 * regular file, resolved, with nothing that must see it start on its own
 * (a LINK_TIMEOUT).
 */
static bool batch_plain(struct req *req)
{
	struct rw_state *rw = req_rw(req);

	if (op_defs[req->opcode].issue != rw_issue)
		return false;
	return rw->write && rw->resolved && !rw->fixed && !rw->stream && !rw->rw_flags &&
	       rw->off >= 0 && rw->done < rw->total && rw->nr_segs && is_reg(req) &&
	       !(req->flags & (REQ_F_BUFFER_SELECT | REQ_F_ARM_LTIMEOUT)) &&
	       !atomic_load_explicit(&req->ltimeout, memory_order_relaxed) &&
	       !(req->ring->flags & IORING_SETUP_IOPOLL);
}

/* b writes where a does, through the same open file (its own duplicate) */
static bool batch_same_file(const struct req *a, const struct req *b)
{
	return a->rfd == b->rfd || sys_kcmp_files(a->rfd, b->rfd) == 0;
}

/*
 * reqs[0..n) are adjacent: one pwritev of all their remaining bytes, in
 * order, with their credentials.  Each request is credited what reached
 * its range; the rest of a request the call did not reach, or reached in
 * part, is left to its own issue, which goes on (or fails) as it would
 * have alone.  A failed call credits nothing.
 */
static void batch_write(struct req **reqs, unsigned n)
{
	struct iovec iov[BATCH_SEGS] = { 0 }; /* (GCC cannot see the loop fill it) */
	struct creds *saved = NULL;
	unsigned at = 0;
	ssize_t res;

	for (unsigned i = 0; i < n; i++) {
		const struct rw_state *rw = req_rw(reqs[i]);

		for (unsigned k = 0; k < rw->nr_segs; k++)
			iov[at++] = rw->iov[k];
	}
	if (reqs[0]->creds && creds_override(reqs[0]->creds, &saved))
		return; /* each alone, refused as it would be */
	res = sys_pwritev2(reqs[0]->rfd, iov, (int)at, (off_t)req_rw(reqs[0])->off, 0);
	creds_revert(saved);
	for (unsigned i = 0; i < n && res > 0; i++) {
		struct rw_state *rw = req_rw(reqs[i]);
		size_t k = rw->total - rw->done;

		if (k > (size_t)res)
			k = (size_t)res;
		rw->done += k;
		iov_advance(rw, k);
		rw->off += (int64_t)k;
		res -= (ssize_t)k;
	}
}

/*
 * The op's wq_batch: a worker took a run of requests of one file (writes,
 * hashed by file, submit.c).  Each maximal run of plain writes that follow
 * each other in the file goes in one call, which costs the file system a
 * fraction of what as many calls cost; each request's own issue then finds
 * its bytes written and completes, or goes on from where the call stopped.
 */
void rw_wq_batch(struct req **reqs, unsigned n)
{
	unsigned i = 0;

	if (sys_other_fault_armed())
		return; /* a test's fault is for the requests' own calls */
	while (i < n) {
		struct rw_state *rw = req_rw(reqs[i]);
		unsigned j = i + 1, segs = rw->nr_segs;
		size_t bytes = rw->total - rw->done;
		int64_t end = rw->off + (int64_t)bytes;

		if (!batch_plain(reqs[i])) {
			i++;
			continue;
		}
		for (; j < n && batch_plain(reqs[j]); j++) {
			struct rw_state *nx = req_rw(reqs[j]);
			size_t more = nx->total - nx->done;

			if (nx->off != end || segs + nx->nr_segs > BATCH_SEGS ||
			    bytes + more > ENGINE_MAX_RW_COUNT ||
			    !creds_same(reqs[i]->creds, reqs[j]->creds) ||
			    !batch_same_file(reqs[i], reqs[j]))
				break;
			segs += nx->nr_segs;
			bytes += more;
			end += (int64_t)more;
		}
		if (j - i > 1)
			batch_write(reqs + i, j - i);
		i = j;
	}
}

/* ---- READ_MULTISHOT ---------------------------------------------------------- */

/* READ_MULTISHOT needs a file it can poll: -EBADFD, or -EBADF for a bad fd */
static int mshot_can_poll(struct req *req)
{
	int ret = file_can_poll(req);

	return ret < 0 ? ret : ret ? 0 : -EBADFD;
}

#define MSHOT_READS_PER_ISSUE 64

/* What the kernel's poll of a multishot request looks at between reads. */
static bool mshot_readable(struct req *req)
{
	struct pollfd p = { .fd = req->rfd, .events = POLLIN | POLLPRI | POLLRDHUP };
	int ret;

	do
		ret = sys_poll(&p, 1, 0);
	while (ret == -EINTR);
	return ret != 0; /* an error: let the read say what it is */
}

/* The last CQE: without IORING_CQE_F_MORE; a buffer still held goes back. */
static int mshot_end(struct req *req, int res, unsigned cflags)
{
	req_ready_mshot_end(req);
	if (kbuf_selected(req))
		kbuf_recycle(req);
	sel_unlock(req);
	if (res < 0)
		req_set_fail(req);
	req->res = res;
	req->cflags = cflags;
	return ISSUE_DONE;
}

/* Wait in the reactor, the buffer back in its group: -ECANCELED when a
 * cancellation found it meanwhile (req_arm_ready_mshot()) */
static int mshot_arm(struct req *req)
{
	int ret;

	rw_buffer_recycle(req, true);
	ret = req_arm_ready_mshot(req, rw_ready);
	if (ret)
		return mshot_end(req, ret, 0);
	return ISSUE_QUEUED;
}

/* mshot_arm() after the file was seen not ready (-EAGAIN, poll) */
static int mshot_arm_drained(struct req *req)
{
	req_rearm_drained(req, req_rw(req)->polled);
	return mshot_arm(req);
}

struct nb_read {
	struct req *req;
	off_t off;
	int flags;
};

static long nb_read(int fd, void *arg)
{
	const struct nb_read *a = arg;

	return rw_transfer(a->req, false, a->off, a->flags);
}

/*
 * The kernel's io_read_mshot(): each read takes a buffer (right before it:
 * an empty group ends the request with -ENOBUFS even when nothing is there to
 * read) and posts its CQE with IORING_CQE_F_MORE; it reads again until the
 * file would block, then waits in the reactor (the buffer back in its
 * group).  EOF (res 0, no buffer), an error, or a CQE the full CQ cannot take
 * (that read's result and buffer in the last CQE) end it.  io-wq arms a
 * multishot request's poll without reading (IOSQE_ASYNC): so does a worker
 * here.
 */
int rw_mshot_issue(struct req *req, unsigned issue_flags)
{
	struct rw_state *rw = req_rw(req);
	bool nonblock = issue_flags & ISSUE_F_NONBLOCK;
	unsigned cflags, reads = 0;
	ssize_t n;
	int ret;

	ret = req_resolve_file(req);
	if (!ret)
		ret = mshot_can_poll(req);
	if (ret)
		return mshot_end(req, ret, 0);
	if (!nonblock)
		return mshot_arm(req);
	if (!rw->resolved) {
		ret = rw_resolve(req, false);
		if (ret)
			return mshot_end(req, ret, 0);
	}
	for (;;) {
		int flags = rw->rw_flags | RWF_NOWAIT;

		/* a file that never runs dry: let the reactor's other entries run */
		if (++reads > MSHOT_READS_PER_ISSUE)
			return mshot_arm(req);
		ret = rw_buffer_select(req, false);
		if (ret)
			return mshot_end(req, ret, 0);
		if (rw->sock && rw->off != 0 && rw->off != -1)
			return mshot_end(req, -ESPIPE, 0);
		if (rw->no_nowait) {
			/*
			 * No RWF_NOWAIT support: the kernel reads once poll
			 * says the file is readable (io_file_supports_nowait()),
			 * without "don't wait".  When another reader took the
			 * data between the two, its read waits in task work,
			 * holding the task, or is interrupted (-EINTR, the
			 * end; probed on 6.18 with a pty).  The reactor's
			 * thread must not wait: O_NONBLOCK on the file for the
			 * call, and an -EAGAIN waits for readiness again.
			 */
			struct nb_read a = { req, rw->stream ? -1 : (off_t)rw->off,
					     flags & ~RWF_NOWAIT };

			if (!mshot_readable(req))
				return mshot_arm_drained(req);
			n = sys_call_nonblock(req->rfd, nb_read, &a);
		} else {
			n = rw_transfer(req, false, rw->stream ? -1 : (off_t)rw->off, flags);
		}
		if (n == -EINTR)
			continue;
		if (n == -EOPNOTSUPP && (flags & RWF_NOWAIT) && !(rw->rw_flags & RWF_NOWAIT)) {
			rw->no_nowait = true;
			continue;
		}
		if (n == -EAGAIN && !(rw->rw_flags & RWF_NOWAIT))
			return mshot_arm_drained(req);
		if (n <= 0)
			return mshot_end(req, (int)n, 0);
		if (!rw->stream && rw->off != -1)
			rw->off += n;
		cflags = kbuf_put(req, (int)n);
		sel_unlock(req);
		if (!req_post_more(req, (int32_t)n, cflags | IORING_CQE_F_MORE))
			return mshot_end(req, (int)n, cflags);
		/* RWF_NOWAIT, issued at submit: the kernel's first read asks
		 * for a retry by poll (-EAGAIN), which "no wait" refuses: the
		 * end, with -EAGAIN, whatever is left to read */
		if ((rw->rw_flags & RWF_NOWAIT) && !rw->polled)
			return mshot_end(req, -EAGAIN, 0);
		/* the kernel reads again only when poll says so: with nothing
		 * there, an empty group does not end it (no -ENOBUFS) */
		if (!mshot_readable(req))
			return mshot_arm_drained(req);
	}
}
