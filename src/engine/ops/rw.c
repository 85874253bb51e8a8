// SPDX-License-Identifier: MIT
/*
 * READV, WRITEV, READ, WRITE, READ_FIXED, WRITE_FIXED (the kernel's rw.c).
 *
 * prep copies what it needs (the iovec array included) out of the SQE; issue
 * then works from that copy:
 *  - a regular file or block device at an offset: native AIO with
 *    RWF_NOWAIT, one io_submit per submit batch (see "native AIO" below);
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
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "engine/ops/rw.h"
#include "engine/sys.h"
#include "engine/thread.h"

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

/*
 * Per-fd path hint: whether the fd is a regular file or block device (native
 * AIO takes its reads and writes), whether it is O_DIRECT (its iocbs signal
 * the reaper's eventfd), and a streak of RWF_NOWAIT attempts that would have
 * blocked (skip them for a while).  Learnt with fstat and F_GETFL when the fd
 * is first seen, and again every 256 AIO requests (hint_tick); corrected
 * when a request shows the fd is a pipe or socket.  It only chooses the
 * path: every AIO iocb carries RWF_NOWAIT and what AIO cannot do right goes
 * the other way, so a stale hint after an fd number is reused costs time,
 * never a wrong result; an O_DIRECT completion under a stale buffered hint
 * is posted by a waiter, the next submitter or the reaper's 20 ms timeout.
 */
#define HINT_FDS 65536
#define HINT_KNOWN 0x80
#define HINT_REG 0x40
#define HINT_DIRECT 0x20 /* O_DIRECT: completes later, not inside io_submit */
#define HINT_FAILS 0x1f
#define HINT_SKIP_AT 8
static _Atomic unsigned char fd_hint[HINT_FDS];

static bool st_is_reg(const struct stat *st)
{
	return S_ISREG(st->st_mode) || S_ISBLK(st->st_mode);
}

static unsigned char hint_get(int fd)
{
	unsigned char h;
	struct stat st;

	if (fd < 0 || fd >= HINT_FDS)
		return 0;
	h = atomic_load_explicit(&fd_hint[fd], memory_order_relaxed);
	if (h & HINT_KNOWN)
		return h;
	h = HINT_KNOWN;
	if (sys_fstat(fd, &st) == 0 && st_is_reg(&st)) {
		int fl = sys_fcntl(fd, F_GETFL, 0);

		h |= HINT_REG;
		if (fl < 0 || (fl & O_DIRECT))
			h |= HINT_DIRECT;
	}
	atomic_store_explicit(&fd_hint[fd], h, memory_order_relaxed);
	return h;
}

/*
 * Every 256 AIO requests on an fd, its hint is learnt again: whether it is
 * O_DIRECT only shows through F_GETFL, and an fd number reused (or F_SETFL)
 * between a buffered and an O_DIRECT file would otherwise keep the old
 * answer.  Two system calls per 256 requests.
 */
static _Atomic unsigned char fd_ticks[HINT_FDS];

static void hint_tick(int fd)
{
	unsigned char t = atomic_load_explicit(&fd_ticks[fd], memory_order_relaxed);

	atomic_store_explicit(&fd_ticks[fd], (unsigned char)(t + 1), memory_order_relaxed);
	if (t == 255)
		atomic_fetch_and_explicit(&fd_hint[fd], (unsigned char)~HINT_KNOWN,
					  memory_order_relaxed);
}

/* the type of the fd was found by a request (fstat): keep it for the next */
static void hint_set_reg(int fd, bool reg)
{
	unsigned char h, n;

	if (fd < 0 || fd >= HINT_FDS)
		return;
	h = atomic_load_explicit(&fd_hint[fd], memory_order_relaxed);
	n = (unsigned char)(HINT_KNOWN | (reg ? HINT_REG | (h & HINT_DIRECT) : 0) |
			    (h & HINT_FAILS));
	if (n != h)
		atomic_store_explicit(&fd_hint[fd], n, memory_order_relaxed);
}

/* a failure streak: skip the nonblocking attempt, but retry it once decayed */
static bool hint_skip(int fd, unsigned char h)
{
	if ((h & HINT_FAILS) < HINT_SKIP_AT)
		return false;
	atomic_store_explicit(&fd_hint[fd], h - 1, memory_order_relaxed);
	return true;
}

static void hint_nowait_result(int fd, bool failed)
{
	unsigned char h, n;

	if (fd < 0 || fd >= HINT_FDS)
		return;
	h = atomic_load_explicit(&fd_hint[fd], memory_order_relaxed);
	if (failed)
		n = (h & HINT_FAILS) < HINT_FAILS ? h + 1 : h;
	else
		n = h & ~HINT_FAILS;
	if (n != h)
		atomic_store_explicit(&fd_hint[fd], n, memory_order_relaxed);
}

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
	rw->fixed = false;
	rw->iov = rw->fast_iov;
	rw->iov_alloc = NULL;
	rw->nr_segs = 0;
	rw->total = rw->done = 0;
	rw->resolved = rw->stream = rw->sock = rw->polled = false;
	rw->fx_held = false;
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
	/* SUBMIT_STABLE: the array is copied now; a bad pointer is -EFAULT, not a crash */
	if (umem_read(iov, (const void *)(uintptr_t)rw->addr, sizeof(*iov) * rw->len))
		return -EFAULT;
	for (unsigned i = 0; i < rw->len; i++) {
		size_t len = iov[i].iov_len;

		if ((ssize_t)len < 0)
			return -EINVAL;
		if (!user_range_ok((uintptr_t)iov[i].iov_base, len))
			return -EFAULT;
		if (len > ENGINE_MAX_RW_COUNT - total) {
			len = ENGINE_MAX_RW_COUNT - total;
			iov[i].iov_len = len;
		}
		total += len;
	}
	rw->iov = iov;
	rw->nr_segs = rw->len;
	rw->total = total;
	return 0;
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

int rw_prep_read_fixed(struct req *req, const struct io_uring_sqe *sqe)
{
	return prep_fixed(req, sqe, false);
}

int rw_prep_write_fixed(struct req *req, const struct io_uring_sqe *sqe)
{
	return prep_fixed(req, sqe, true);
}

/*
 * Registered buffers held by requests in flight.  The kernel's request holds
 * its buffer's resource node: an unregistration does not wait for it, and the
 * request's I/O goes on in the pinned pages, never into what the program maps
 * at that address afterwards.  User space cannot pin the program's pages, so
 * a READ_FIXED or WRITE_FIXED that leaves the submitting thread (a worker,
 * the reactor) is listed on ring->fixed_away; an unregistration gives each
 * listed request a private copy of its range (what the buffer holds then)
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

/* rsrc_lock held, the request not in a system call: its I/O moves to a copy */
static void fixed_copy(struct req *req)
{
	struct rw_state *rw = req_rw(req);
	char *copy = malloc(rw->total ? rw->total : 1);

	if (!copy)
		return; /* no memory: it goes on at the address (engine.h) */
	if (umem_read(copy, (const void *)(uintptr_t)rw->addr, rw->total))
		memset(copy, 0, rw->total); /* unmapped already: nothing to keep */
	rw->fx_copy = copy;
	rw->fast_iov[0].iov_base = copy + rw->done;
	rw->fast_iov[0].iov_len = rw->total - rw->done;
	rw->iov = rw->fast_iov;
	rw->nr_segs = rw->done < rw->total ? 1 : 0;
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
	if (rw->fx_gen != r->bufs_gen) {
		fixed_copy(req); /* unregistered since it was looked up */
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
	else if (rw->fx_state == FX_NONE && !rw->fx_copy && rw->fx_gen != r->bufs_gen)
		fixed_copy(req); /* unregistered while it was in its call */
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
}

static bool is_reg(const struct req *req)
{
	return req->flags & REQ_F_ISREG;
}

/* The fixed buffer: looked up and range-checked before the file's mode (6.18, probed). */
static int resolve_fixed(struct req *req)
{
	struct rw_state *rw = req_rw(req);
	uint64_t base, blen, end;
	int ret;

	ret = rsrc_get_buf(req->ring, rw->buf_index, &base, &blen, &rw->fx_gen);
	if (!ret && (__builtin_add_overflow(rw->addr, (uint64_t)rw->len, &end) ||
		     rw->addr < base || end > base + blen || rw->len > ENGINE_MAX_RW_COUNT))
		ret = -EFAULT;
	if (ret) {
		/* a plain fd is used by number: a closed one is still -EBADF first */
		int fl = sys_fcntl(req->rfd, F_GETFL, 0);

		return fl < 0 ? fl : ret;
	}
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
	}
	return ISSUE_DONE;
}

/*
 * Native AIO.  Reads and writes at an offset on regular files and block
 * devices go through Linux native AIO (io_submit, raw system calls), every iocb with RWF_NOWAIT:
 *  - buffered: a page-cache hit completes inside io_submit, so a submit batch
 *    of cached reads costs one system call, as on the kernel's io_uring (a
 *    preadv2 each was the engine's limit: 0.40x the kernel at depth 32); a
 *    miss says -EAGAIN and a worker does it blocking, as io-wq does;
 *  - O_DIRECT: the I/O goes to the device with the whole queue depth in
 *    flight and no thread per I/O (32 blocking workers reached 0.21x the
 *    kernel, at 50 us of CPU per read: docs/PERFORMANCE.md).
 *
 * The completions are read from the AIO ring in user space (the kernel's
 * struct aio_ring, mapped at the context's address), by whoever holds
 * reap_lock:
 *  - the submitter, right after io_submit (the synchronous completions);
 *  - a thread waiting in cq_wait() (rw_aio_wait): it sleeps in io_getevents
 *    and completes what the device finishes itself, with no hand-off between
 *    threads (the kernel runs completions in the waiting task as well);
 *  - the reaper thread, when nobody waits there (an application polling the
 *    CQ ring, or waiting on its registered eventfd): it sleeps on an eventfd
 *    that O_DIRECT completions signal (IOCB_FLAG_RESFD); buffered ones are
 *    done inside io_submit and need nobody woken.
 *
 * Anything AIO cannot take as is goes the old way: offset -1, RWF_* flags, an
 * IOPOLL ring, a fault armed on preadv2 and friends, io_submit refusing.  A
 * completion with a short count continues in a worker (a short transfer on a
 * regular file means EOF or an error); -EAGAIN goes to a worker (or, on an fd
 * that turned out to be a pipe, to the reactor).
 */
#define AIO_REAP_MAX 64
#define AIO_BATCH 64 /* iocbs gathered before an io_submit */
#define AIO_IDLE_NS 20000000L /* the reaper looks at aio->stop this often */
#define AIO_COVERED_NS 1000000L /* ...and at whether a waiter still reaps */
#define AIO_WAIT_SLICE_NS 10000000LL /* a waiter in io_getevents looks around */
#define AIO_RING_MAGIC 0xa10a10a1U

/* The kernel's struct aio_ring (fs/aio.c): the header of the event ring. */
struct aio_ring_hdr {
	unsigned id;
	unsigned nr; /* events in the ring */
	unsigned head; /* written by user space, or by io_getevents */
	unsigned tail; /* written by the kernel after the event */
	unsigned magic;
	unsigned compat_features;
	unsigned incompat_features;
	unsigned header_length;
	struct io_event events[];
};

struct rw_aio {
	aio_context_t ctx;
	struct aio_ring_hdr *ring; /* NULL: an unknown layout, io_getevents only */
	int efd; /* signalled by every completion: the reaper sleeps on it */
	unsigned gen; /* fork generation it belongs to */
	pthread_t thread;
	atomic_uint inflight; /* submitted or gathered, not yet reaped */
	atomic_bool stop;
	/*
	 * reap_lock: whoever holds it may consume events.  reap_req: someone
	 * found it held with events to reap; the holder reaps again before it
	 * lets go (reap_unlock()).  waiting: a thread in cq_wait() reaps (it
	 * holds the lock while it sleeps in io_getevents); the reaper stays off.
	 */
	atomic_int reap_lock;
	atomic_bool reap_req;
	atomic_bool waiting;
	/* iocbs of the current submit batch, under submit_lock: one io_submit
	 * per batch, so the device is notified once (a virtio doorbell is a VM
	 * exit, about 10 us here), as the kernel's plugged batch does */
	unsigned nr_pend;
	struct iocb *pend_ptr[AIO_BATCH];
	struct iocb pend[AIO_BATCH];
};

/* A fork leaves the parent's contexts behind: the child must not touch them. */
static atomic_uint fork_gen;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void aio_forked(void)
{
	atomic_fetch_add_explicit(&fork_gen, 1, memory_order_relaxed);
}

static void aio_fork_hook(void)
{
	pthread_atfork(NULL, NULL, aio_forked);
}

/* An AIO context made in fork generation gen: is it this process's? */
static bool gen_current(unsigned gen)
{
	return gen == atomic_load_explicit(&fork_gen, memory_order_relaxed);
}

static bool aio_ours(const struct rw_aio *a)
{
	return gen_current(a->gen);
}

/* Events of a ring's AIO context: one per SQ entry, up to 4096. */
static unsigned aio_nr_events(const struct ring *r)
{
	return r->sq_entries < 4096 ? r->sq_entries : 4096;
}

/* The iocb of a request: its iovec at its offset, RWF_NOWAIT (never blocks). */
static void prep_iocb(struct iocb *cb, struct req *req, bool write)
{
	struct rw_state *rw = req_rw(req);

	memset(cb, 0, sizeof(*cb));
	cb->aio_data = (uintptr_t)req;
	cb->aio_lio_opcode = write ? IOCB_CMD_PWRITEV : IOCB_CMD_PREADV;
	cb->aio_fildes = (uint32_t)req->rfd;
	cb->aio_buf = (uintptr_t)rw->iov;
	cb->aio_nbytes = rw->nr_segs;
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
	}
	hint_set_reg(req->rfd, is_reg(req));
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

static void aio_done(struct req *req, long res)
{
	struct rw_state *rw = req_rw(req);

	if (res == -EAGAIN || res == -EOPNOTSUPP || res == -EINTR || res == -ESPIPE) {
		/* not done without blocking (or, -ESPIPE, a pipe read by preadv2
		 * with an offset): find out what the file really is */
		learn_type(req);
		if (rw->stream) {
			/* a stale hint: a pipe or socket waits in the reactor */
			req_issue(req, ISSUE_F_NONBLOCK);
			return;
		}
		hint_nowait_result(req->rfd, true);
		req_punt_wq(req);
		return;
	}
	if (res > 0)
		hint_nowait_result(req->rfd, false);
	if (moved_short(req, res)) {
		req_punt_wq(req); /* EOF or the rest, found by a worker */
		return;
	}
	rw_finish(req, res < 0 ? res : 0);
	req_complete(req);
}

static bool reap_trylock(struct rw_aio *a)
{
	int unlocked = 0;

	/* acquire: pairs with the release in reap_unlock(), the previous
	 * holder's view of the event ring (its head) is ours */
	return atomic_compare_exchange_strong_explicit(&a->reap_lock, &unlocked, 1,
						       memory_order_acquire, memory_order_relaxed);
}

/* reap_lock held: up to max events out of the ring (user space), or 0 */
static long fetch_events(struct rw_aio *a, struct io_event *ev, long max)
{
	struct aio_ring_hdr *ring = a->ring;
	unsigned head, tail, nr;
	long n = 0;

	if (!ring) {
		struct timespec zero = { 0, 0 };
		long got = sys_io_getevents(a->ctx, 0, max, ev, &zero, NULL);

		return got > 0 ? got : 0;
	}
	nr = ring->nr;
	head = IO_URING_READ_ONCE(ring->head);
	/* acquire: the kernel writes the event, smp_wmb(), then the tail */
	tail = io_uring_smp_load_acquire(&ring->tail);
	if (head >= nr || tail >= nr)
		return 0;
	while (head != tail && n < max) {
		ev[n++] = ring->events[head];
		if (++head == nr)
			head = 0;
	}
	/* release: the kernel reuses the slots once it reads the new head
	 * (refilling reqs_available), after our copies above */
	io_uring_smp_store_release(&ring->head, head);
	return n;
}

static void complete_events(struct rw_aio *a, const struct io_event *ev, long n)
{
	for (long i = 0; i < n; i++) {
		/* acq_rel: pairs with the release increment in aio_submit(), the
		 * request's state is ours (the kernel orders it too, but TSan
		 * cannot see through io_submit); release for the exit check */
		atomic_fetch_sub_explicit(&a->inflight, 1, memory_order_acq_rel);
		aio_done((struct req *)(uintptr_t)ev[i].data, (long)ev[i].res);
	}
}

/* reap_lock held: complete everything in the ring; the number completed */
static long reap_locked(struct rw_aio *a)
{
	struct io_event ev[AIO_REAP_MAX];
	long total = 0, n;

	while ((n = fetch_events(a, ev, AIO_REAP_MAX)) > 0) {
		complete_events(a, ev, n);
		total += n;
	}
	return total;
}

/*
 * Let go of reap_lock; reap again for whoever found it held meanwhile.
 * The seq_cst fences: either our fence comes after the requester's and we
 * see its reap_req, or its comes after ours and its trylock sees the lock
 * free.  The exchanges make every reap_req write part of one release
 * sequence, so the one that clears it sees the requester's events.
 */
static void reap_unlock(struct rw_aio *a)
{
	for (;;) {
		atomic_store_explicit(&a->reap_lock, 0, memory_order_release);
		atomic_thread_fence(memory_order_seq_cst);
		if (!atomic_load_explicit(&a->reap_req, memory_order_relaxed) || !reap_trylock(a))
			return;
		atomic_exchange_explicit(&a->reap_req, false, memory_order_acq_rel);
		reap_locked(a);
	}
}

/* Complete what is in the event ring, here or by the current holder of reap_lock. */
static void aio_reap(struct rw_aio *a)
{
	atomic_exchange_explicit(&a->reap_req, true, memory_order_acq_rel);
	atomic_thread_fence(memory_order_seq_cst);
	if (!reap_trylock(a))
		return;
	atomic_exchange_explicit(&a->reap_req, false, memory_order_acq_rel);
	reap_locked(a);
	reap_unlock(a);
}

static void drain_efd(int efd)
{
	uint64_t cnt;

	sys_read(efd, &cnt, sizeof(cnt));
}

static void sleep_ns(long ns)
{
	struct timespec ts = { 0, ns };

	nanosleep(&ts, NULL);
}

static void *aio_reaper(void *arg)
{
	struct rw_aio *a = arg;

	/* not a worker: an EVENTFD_ASYNC eventfd is not signalled, as for the
	 * kernel's O_DIRECT completions */
	engine_thread_ctx = CTX_REACTOR;
	for (;;) {
		/* acquire: pairs with the release store of stop in rw_aio_destroy() */
		bool stop = atomic_load_explicit(&a->stop, memory_order_acquire);
		struct pollfd pfd = { .fd = a->efd, .events = POLLIN };
		struct timespec ts = { 0, stop ? AIO_COVERED_NS : AIO_IDLE_NS };

		if (stop && !atomic_load_explicit(&a->inflight, memory_order_acquire))
			break;
		if (!stop && atomic_load_explicit(&a->waiting, memory_order_relaxed)) {
			/* a waiter completes them: look again later, do not
			 * wake with every completion */
			sleep_ns(AIO_COVERED_NS);
			continue;
		}
		drain_efd(a->efd); /* before reaping: a later completion wakes the ppoll */
		aio_reap(a);
		sys_ppoll(&pfd, 1, &ts, NULL);
	}
	return NULL;
}

/* async_lock held: the ring's AIO context and reaper, or NULL (use workers) */
static struct rw_aio *aio_create(struct ring *r)
{
	struct rw_aio *a = calloc(1, sizeof(*a));
	struct aio_ring_hdr *ring;

	if (!a)
		return NULL;
	pthread_once(&fork_once, aio_fork_hook);
	a->gen = atomic_load_explicit(&fork_gen, memory_order_relaxed);
	for (unsigned i = 0; i < AIO_BATCH; i++)
		a->pend_ptr[i] = &a->pend[i];
	a->efd = sys_fd_move_high(sys_eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	if (a->efd < 0)
		goto fail_free;
	if (sys_io_setup(aio_nr_events(r), &a->ctx) < 0)
		goto fail_efd;
	/* the context is the address of its event ring; read it in place only
	 * if it is the layout we know */
	ring = (struct aio_ring_hdr *)(uintptr_t)a->ctx;
	if (ring->magic == AIO_RING_MAGIC && ring->incompat_features == 0 &&
	    ring->header_length == sizeof(*ring))
		a->ring = ring;
	if (engine_thread_create(&a->thread, NULL, aio_reaper, a))
		goto fail_ctx;
	return a;
fail_ctx:
	sys_io_destroy(a->ctx);
fail_efd:
	sys_close(a->efd);
fail_free:
	free(a);
	return NULL;
}

static struct rw_aio *aio_get(struct ring *r)
{
	/* acquire: pairs with the release store below, the context is set up;
	 * only teardown clears it, when no submitter can be here */
	struct rw_aio *a = atomic_load_explicit(&r->aio, memory_order_acquire);

	if (a)
		return aio_ours(a) ? a : NULL;
	pthread_mutex_lock(&r->async_lock);
	a = atomic_load_explicit(&r->aio, memory_order_relaxed); /* another thread's */
	if (!a && !atomic_load_explicit(&r->dying, memory_order_relaxed) && !r->aio_off) {
		a = aio_create(r);
		if (a)
			atomic_store_explicit(&r->aio, a, memory_order_release);
		else
			r->aio_off = true;
	}
	pthread_mutex_unlock(&r->async_lock);
	return a && aio_ours(a) ? a : NULL;
}

/* submit_lock held: io_submit the batch; what the kernel refuses goes to a worker */
static void aio_flush_locked(struct rw_aio *a)
{
	unsigned n = a->nr_pend, done = 0;

	a->nr_pend = 0;
	if (n == 1 && !(a->pend_ptr[0]->aio_flags & IOCB_FLAG_RESFD)) {
		/* one buffered request: a preadv2 costs less than io_submit
		 * (depth-1 reads), and its result is handled as the event's */
		struct iocb *cb = a->pend_ptr[0];
		struct req *req = (struct req *)(uintptr_t)cb->aio_data;
		ssize_t res = rw_transfer(req, cb->aio_lio_opcode == IOCB_CMD_PWRITEV,
					  (off_t)cb->aio_offset, RWF_NOWAIT);

		atomic_fetch_sub_explicit(&a->inflight, 1, memory_order_relaxed);
		aio_done(req, res);
		return;
	}
	while (done < n) {
		long ret = sys_io_submit(a->ctx, (long)(n - done), &a->pend_ptr[done]);

		if (ret <= 0) {
			struct req *req = (struct req *)(uintptr_t)a->pend_ptr[done]->aio_data;

			/* not taken (no NOWAIT support, context full...): the
			 * blocking path does it, with the same result */
			atomic_fetch_sub_explicit(&a->inflight, 1, memory_order_relaxed);
			hint_nowait_result(req->rfd, true);
			req_punt_wq(req);
			done++;
		} else {
			done += (unsigned)ret;
		}
	}
	/* cached reads are complete already: post them with this batch */
	aio_reap(a);
}

void rw_aio_flush(struct ring *r)
{
	struct rw_aio *a = atomic_load_explicit(&r->aio, memory_order_relaxed);

	if (a && a->nr_pend)
		aio_flush_locked(a);
}

void rw_aio_flush_pending(struct ring *r)
{
	struct submit_state *st = engine_submit_state;

	/* only the submitting thread has a batch (and holds submit_lock) */
	if (st && st->ring == r)
		rw_aio_flush(r);
}

/* true: the request is with AIO (or in the batch for it); its completion ends it */
static bool aio_submit(struct req *req, bool write, bool direct)
{
	struct submit_state *st = engine_submit_state;
	struct rw_aio *a;
	struct iocb cb, *cbp = &cb;

	a = aio_get(req->ring);
	if (!a)
		return false;
	if (st && st->ring == req->ring) {
		/* the submitting thread: gathered, sent by submit_state_end() */
		if (a->nr_pend == AIO_BATCH)
			aio_flush_locked(a);
		cbp = a->pend_ptr[a->nr_pend++];
	}
	prep_iocb(cbp, req, write);
	if (direct) {
		/* the device completes it later: the reaper must hear of it */
		cbp->aio_flags = IOCB_FLAG_RESFD;
		cbp->aio_resfd = (uint32_t)a->efd;
	}
	/* buffered: done inside io_submit, no wake-up for anyone (an eventfd
	 * signal per completion cost the reaper a wake-up per batch: 0.61x
	 * the kernel's cached reads instead of 0.91x) */
	/* counted first: the request may be reaped before io_submit returns.
	 * release: the request's state (written above and before) is the
	 * reaper's once its acquire decrement reads past this increment */
	atomic_fetch_add_explicit(&a->inflight, 1, memory_order_release);
	if (cbp != &cb)
		return true;
	if (!direct) {
		/* alone (a worker's or a link's): the inline preadv2 is cheaper */
		atomic_fetch_sub_explicit(&a->inflight, 1, memory_order_relaxed);
		return false;
	}
	if (sys_io_submit(a->ctx, 1L, &cbp) == 1) {
		aio_reap(a); /* a cached read is complete already */
		return true;
	}
	atomic_fetch_sub_explicit(&a->inflight, 1, memory_order_relaxed);
	return false;
}

/*
 * cq_wait() on a ring whose only outstanding work is AIO: sleep in
 * io_getevents for up to want completions (and at most timeout_ns) and
 * complete them in this thread.  1: something was completed, look at the
 * CQ; 0: the time passed; -EAGAIN: not this way (ppoll instead).
 * Other CQEs (another thread's submissions) are seen when io_getevents
 * returns, within AIO_WAIT_SLICE_NS at most.
 *
 * io_getevents says -EINTR for a signal that ran no handler too: task work
 * the kernel queues for the thread (TIF_NOTIFY_SIGNAL, e.g. from a kernel
 * io_uring ring of the same thread) interrupts it and, unlike ppoll's
 * -ERESTARTNOHAND, is not restarted.  So an -EINTR here is not the
 * program's: the wait goes on in ppoll, which reports a handled signal
 * that arrives from then on (one whose handler ran during io_getevents
 * does not end the wait early: documented in engine.h).
 */
int rw_aio_wait(struct ring *r, unsigned want, int64_t timeout_ns, const sigset_t *mask)
{
	struct rw_aio *a = atomic_load_explicit(&r->aio, memory_order_acquire);
	struct io_event ev[AIO_REAP_MAX];
	struct timespec ts;
	unsigned inflight;
	long n;

	if (!a || !aio_ours(a) || !atomic_load_explicit(&a->inflight, memory_order_relaxed) ||
	    atomic_load_explicit(&r->nr_async, memory_order_relaxed))
		return -EAGAIN;
	/* one waiter at a time sleeps in io_getevents; others wait for its CQEs */
	if (atomic_exchange_explicit(&a->waiting, true, memory_order_relaxed))
		return -EAGAIN;
	while (!reap_trylock(a))
		sched_yield(); /* the reaper or a submitter, briefly */
	n = reap_locked(a);
	/* acquire: the requests counted are ours to complete */
	inflight = atomic_load_explicit(&a->inflight, memory_order_acquire);
	if (!n && inflight) {
		if (want > inflight)
			want = inflight;
		if (want > AIO_REAP_MAX)
			want = AIO_REAP_MAX;
		if (timeout_ns > AIO_WAIT_SLICE_NS)
			timeout_ns = AIO_WAIT_SLICE_NS;
		if (timeout_ns < 0)
			timeout_ns = 0;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)timeout_ns;
		n = sys_io_getevents(a->ctx, want, AIO_REAP_MAX, ev, &ts, mask);
		if (n > 0)
			complete_events(a, ev, n);
	} else if (!inflight) {
		n = 1; /* nothing left to wait for here: look at the CQ */
	}
	reap_unlock(a);
	atomic_store_explicit(&a->waiting, false, memory_order_relaxed);
	if (n < 0)
		return -EAGAIN;
	return n > 0;
}

void rw_aio_destroy(struct ring *r)
{
	struct rw_aio *a;

	pthread_mutex_lock(&r->async_lock);
	a = atomic_exchange_explicit(&r->aio, NULL, memory_order_acquire);
	r->aio_off = false;
	pthread_mutex_unlock(&r->async_lock);
	if (!a)
		return;
	if (aio_ours(a)) {
		/* release: the reaper exits once it sees stop and nothing in flight */
		atomic_store_explicit(&a->stop, true, memory_order_release);
		pthread_join(a->thread, NULL);
		sys_io_destroy(a->ctx);
	}
	/* a forked child has neither the reaper nor the context: the parent's */
	sys_close(a->efd);
	free(a);
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
 * tell (another kind of file, or no AIO).  One context for the process,
 * made on first use (again in a forked child), one probe at a time.
 */
static pthread_mutex_t zero_lock = PTHREAD_MUTEX_INITIALIZER;
static char zero_buf[1] __attribute__((aligned(4096)));
static aio_context_t zero_ctx;
static unsigned zero_gen;

static int rw_zero_length(struct req *req, bool write, int flags, long *res)
{
	struct iocb cb, *cbp = &cb;
	struct io_event ev;
	struct stat st;
	long ret;

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
		if (S_ISSOCK(st.st_mode))
			flags |= RWF_NOWAIT; /* sockets take it: an empty send never blocks */
		else if (!S_ISFIFO(st.st_mode))
			return 1;
	}
	pthread_once(&fork_once, aio_fork_hook);
	pthread_mutex_lock(&zero_lock);
	if (!zero_ctx || !gen_current(zero_gen)) {
		zero_ctx = 0;
		if (sys_io_setup(1, &zero_ctx) < 0) {
			zero_ctx = 0;
			pthread_mutex_unlock(&zero_lock);
			return 1;
		}
		zero_gen = atomic_load_explicit(&fork_gen, memory_order_relaxed);
	}
	memset(&cb, 0, sizeof(cb));
	cb.aio_lio_opcode = write ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
	cb.aio_fildes = (uint32_t)req->rfd;
	/* nothing is moved: a valid address, aligned for an O_DIRECT file */
	cb.aio_buf = (uintptr_t)zero_buf;
	cb.aio_offset = req_rw(req)->off < 0 || req_rw(req)->stream ? 0 : req_rw(req)->off;
	cb.aio_rw_flags = flags;
	ret = sys_io_submit(zero_ctx, 1, &cbp);
	if (ret == 1) {
		do {
			ret = sys_io_getevents(zero_ctx, 1, 1, &ev, NULL, NULL);
		} while (ret == -EINTR);
		*res = ret == 1 ? (long)ev.res : 0;
		ret = 0;
	} else if (ret != -EOPNOTSUPP && ret != -EPERM) {
		ret = 1; /* not kiocb_set_rw_flags(): AIO's own refusal */
	}
	pthread_mutex_unlock(&zero_lock);
	return (int)ret;
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
		/* no provided buffers exist in the engine yet; a closed fd first */
		int fl = sys_fcntl(req->rfd, F_GETFL, 0);

		ret = fl < 0 ? fl : -ENOBUFS;
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
	return req_rw(req)->resolved ? 0 : rw_resolve(req, req_rw(req)->write);
}

/*
 * IOPOLL rings (iopoll.c): the reads and writes parked by a submit call go
 * to the device at its end, in one io_submit on the ring's own AIO context
 * (no eventfd, no reaper thread: nobody reaps it but a polling pass), as the
 * kernel issues IOPOLL I/O at submit.  A polling pass takes completions from
 * it with io_getevents and posts their CQEs, so CQEs still appear only
 * inside a pass.  What AIO does not take (offset -1, RWF flags, a refusal,
 * -EAGAIN, a short count) runs with blocking calls in the pass, as every
 * parked request did before (one at a time: about a quarter of the IOPS of
 * a non-IOPOLL ring).
 */
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

/* iopoll_lock held: send n iocbs; what AIO refuses is returned in *back */
static void iopoll_submit(struct ring *r, struct iocb **cbs, unsigned n, struct req **back)
{
	unsigned done = 0;

	while (done < n) {
		long ret = sys_io_submit((aio_context_t)r->iopoll_ctx, (long)(n - done), &cbs[done]);

		if (ret <= 0) {
			struct req *req = (struct req *)(uintptr_t)cbs[done]->aio_data;

			/* refused: the blocking path, in a pass */
			req->list_next = *back;
			*back = req;
			done++;
		} else {
			done += (unsigned)ret;
			r->iopoll_inflight += (unsigned)ret;
		}
	}
}

static bool iopoll_aio_ok(struct ring *r)
{
	/* a test's fault (on io_getevents too) gets the blocking path */
	if (sys_any_fault_armed())
		return false;
	if (!r->iopoll_ctx && !r->iopoll_ctx_failed) {
		aio_context_t ctx = 0;

		pthread_once(&fork_once, aio_fork_hook);
		if (sys_io_setup(aio_nr_events(r), &ctx) < 0) {
			r->iopoll_ctx_failed = true;
		} else {
			r->iopoll_ctx = ctx;
			r->iopoll_gen = atomic_load_explicit(&fork_gen, memory_order_relaxed);
		}
	}
	/* a forked child has the parent's ring but not its context */
	return r->iopoll_ctx && gen_current(r->iopoll_gen);
}

struct req *rw_iopoll_issue(struct ring *r, struct req *list)
{
	struct iocb cb[AIO_BATCH], *cbs[AIO_BATCH];
	struct req *back = NULL;
	unsigned n = 0;
	bool aio;

	/*
	 * A polling pass with nothing parked makes no AIO context: io_destroy
	 * waits for an RCU grace period (~30 ms), which a ring that never
	 * did I/O would otherwise pay at close.
	 */
	if (!list)
		return NULL;
	aio = iopoll_aio_ok(r);
	while (list) {
		struct req *req = list;
		struct rw_state *rw = req_rw(req);
		bool write = rw->write;

		list = req->list_next;
		req->list_next = NULL;
		if (!aio || (!rw->resolved && rw_resolve(req, write)) ||
		    (rw->rw_flags & ~RWF_HIPRI) || rw->off < 0 || rw->done) {
			/* a failed resolve is found again by the blocking path */
			req->list_next = back;
			back = req;
			continue;
		}
		if (n == AIO_BATCH) {
			iopoll_submit(r, cbs, n, &back);
			n = 0;
		}
		prep_iocb(&cb[n], req, write);
		cbs[n] = &cb[n];
		n++;
	}
	if (n)
		iopoll_submit(r, cbs, n, &back);
	return back;
}

int rw_iopoll_reap(struct ring *r, unsigned want)
{
	struct io_event ev[AIO_REAP_MAX];
	struct timespec zero = { 0, 0 };
	long got;

	if (!r->iopoll_inflight)
		return 0;
	if (want > r->iopoll_inflight)
		want = r->iopoll_inflight;
	if (want > AIO_REAP_MAX)
		want = AIO_REAP_MAX;
	do {
		/* -EINTR: the I/O is at the device, its end is near */
		got = sys_io_getevents((aio_context_t)r->iopoll_ctx, want, AIO_REAP_MAX, ev,
				       want ? NULL : &zero, NULL);
	} while (got < 0 && want);
	for (long i = 0; i < got; i++) {
		r->iopoll_inflight--;
		iopoll_done((struct req *)(uintptr_t)ev[i].data, (long)ev[i].res);
	}
	return got > 0 ? (int)got : 0;
}

void rw_iopoll_destroy(struct ring *r)
{
	bool ours = r->iopoll_ctx && gen_current(r->iopoll_gen);

	/* at the device: bounded, wait for it (the ring is dying: no CQEs) */
	while (ours && r->iopoll_inflight) {
		struct io_event ev[AIO_REAP_MAX];
		long got = sys_io_getevents((aio_context_t)r->iopoll_ctx, 1, AIO_REAP_MAX, ev,
					    NULL, NULL);

		for (long i = 0; i < got; i++) {
			struct req *req = (struct req *)(uintptr_t)ev[i].data;

			r->iopoll_inflight--;
			req->res = -ECANCELED;
			req_complete(req);
		}
	}
	r->iopoll_inflight = 0;
	if (ours)
		sys_io_destroy((aio_context_t)r->iopoll_ctx);
	r->iopoll_ctx = 0;
	r->iopoll_ctx_failed = false;
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
	int ret = req_arm_ready(req, rw_ready);

	if (ret) {
		req->res = ret;
		return ISSUE_DONE;
	}
	return ISSUE_QUEUED;
}

int rw_issue(struct req *req, unsigned issue_flags)
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
		if (ret) {
			req->res = ret;
			return ISSUE_DONE;
		}
	}
	if (nonblock && !rw->rw_flags && !rw->stream && rw->off >= 0 && !rw->done &&
	    !(req->ring->flags & IORING_SETUP_IOPOLL) && !sys_other_fault_armed()) {
		unsigned char h = hint_get(req->rfd);

		if (h & HINT_REG) {
			hint_tick(req->rfd);
			if (!hint_skip(req->rfd, h)) {
				if (aio_submit(req, write, h & HINT_DIRECT))
					return ISSUE_QUEUED;
			} else {
				learn_type(req);
				if (is_reg(req))
					return ISSUE_AGAIN;
			}
		}
	}
	if (nonblock)
		rw_aio_flush_pending(req->ring); /* CQEs in submission order */
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
			if (rw->stream)
				return rw_arm(req);
			if (nonblock) {
				hint_nowait_result(req->rfd, true);
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
			hint_nowait_result(req->rfd, false);
		if (nonblock && !rw->stream && !is_reg(req) && rw->off >= 0 &&
		    !(hint_get(req->rfd) & HINT_REG))
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
