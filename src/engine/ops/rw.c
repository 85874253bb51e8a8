// SPDX-License-Identifier: MIT
/*
 * READV, WRITEV, READ, WRITE, READ_FIXED, WRITE_FIXED (the kernel's rw.c).
 *
 * prep copies what it needs (the iovec array included) out of the SQE; issue
 * then works from that copy:
 *  - inline (ISSUE_F_NONBLOCK): one preadv2/pwritev2 with RWF_NOWAIT, which
 *    succeeds on page-cache hits and on ready pipes/sockets;
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
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/sys.h"
#include "engine/thread.h"

#define IOPRIO_CLASS_NONE 0
#define IOPRIO_CLASS_RT 1
#define IOPRIO_CLASS_BE 2
#define IOPRIO_CLASS_IDLE 3

/*
 * Per-fd path hint: skip the inline attempt (O_DIRECT files, or files whose
 * RWF_NOWAIT attempts keep failing).  It only chooses the path: both paths
 * give the same result, so a stale hint after an fd is reused costs time only.
 */
#define HINT_FDS 65536
#define HINT_KNOWN 0x80
#define HINT_SKIP 0x40
#define HINT_FAILS 0x3f
static _Atomic unsigned char fd_hint[HINT_FDS];

static bool skip_inline(int fd)
{
	unsigned char h;

	if (fd < 0 || fd >= HINT_FDS)
		return false;
	h = atomic_load_explicit(&fd_hint[fd], memory_order_relaxed);
	if (!(h & HINT_KNOWN)) {
		int fl = sys_fcntl(fd, F_GETFL, 0);

		h = HINT_KNOWN;
		if (fl >= 0 && (fl & O_DIRECT))
			h |= HINT_SKIP;
		atomic_store_explicit(&fd_hint[fd], h, memory_order_relaxed);
	}
	if (h & HINT_SKIP)
		return true;
	if ((h & HINT_FAILS) >= 8) {
		/* a failure streak: skip, but try inline again once it has decayed */
		atomic_store_explicit(&fd_hint[fd], h - 1, memory_order_relaxed);
		return true;
	}
	return false;
}

static bool hint_direct(int fd)
{
	return fd >= 0 && fd < HINT_FDS &&
	       (atomic_load_explicit(&fd_hint[fd], memory_order_relaxed) & HINT_SKIP);
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

static int prep_common(struct req *req, const struct io_uring_sqe *sqe)
{
	struct rw_state *rw = &req->rw;
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
	rw->iov = rw->fast_iov;
	rw->iov_alloc = NULL;
	rw->nr_segs = 0;
	rw->total = rw->done = 0;
	rw->resolved = rw->stream = rw->is_reg = false;
	return 0;
}

int rw_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct rw_state *rw = &req->rw;
	int ret = prep_common(req, sqe);

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

int rw_prep_fixed(struct req *req, const struct io_uring_sqe *sqe)
{
	/* the buffer is looked up and range-checked at issue (-EFAULT there) */
	return prep_common(req, sqe);
}

int rw_prep_vec(struct req *req, const struct io_uring_sqe *sqe)
{
	struct rw_state *rw = &req->rw;
	struct iovec *iov;
	size_t total = 0;
	int ret = prep_common(req, sqe);

	if (ret)
		return ret;
	if (req->flags & REQ_F_BUFFER_SELECT)
		return rw->len == 1 ? 0 : -EINVAL;
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

void rw_cleanup(struct req *req)
{
	free(req->rw.iov_alloc);
	req->rw.iov_alloc = NULL;
}

static bool is_fixed_op(struct req *req)
{
	return req->opcode == IORING_OP_READ_FIXED || req->opcode == IORING_OP_WRITE_FIXED;
}

/* -EBADF when the file is not open for this direction, else 0 (file checks first). */
static int file_mode_check(struct req *req, bool write)
{
	int fl = sys_fcntl(req->rfd, F_GETFL, 0);

	if (fl < 0)
		return fl;
	if ((fl & O_PATH) || (write && (fl & O_ACCMODE) == O_RDONLY) ||
	    (!write && (fl & O_ACCMODE) == O_WRONLY))
		return -EBADF;
	return 0;
}

static int resolve_fixed(struct req *req, bool write)
{
	struct rw_state *rw = &req->rw;
	uint64_t base, blen, end;
	int ret;

	ret = rsrc_get_buf(req->ring, rw->buf_index, &base, &blen);
	if (!ret && (__builtin_add_overflow(rw->addr, (uint64_t)rw->len, &end) ||
		     rw->addr < base || end > base + blen || rw->len > ENGINE_MAX_RW_COUNT))
		ret = -EFAULT;
	if (ret) {
		int m = file_mode_check(req, write);

		return m ? m : -EFAULT;
	}
	rw->fast_iov[0].iov_base = (void *)(uintptr_t)rw->addr;
	rw->fast_iov[0].iov_len = rw->len;
	rw->iov = rw->fast_iov;
	rw->nr_segs = 1;
	rw->total = rw->len;
	return 0;
}

/* Learn whether the file is a regular file or block device (retry short transfers). */
static void learn_type(struct req *req)
{
	struct stat st;

	if (req->rw.is_reg || req->rw.stream)
		return;
	if (sys_fstat(req->rfd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)))
		req->rw.is_reg = true;
	else
		req->rw.stream = true;
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
	struct rw_state *rw = &req->rw;

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
 * O_DIRECT reads and writes go to the device through Linux native AIO
 * (io_submit, raw system calls), and a reaper thread per ring completes them
 * (io_getevents).  Like the kernel's io_uring, this keeps a whole queue depth
 * at the device with no thread per I/O.  The alternative, more blocking
 * workers, was measured first: 32 workers on this 2-CPU machine cost about
 * 50 us of CPU and 10 context switches per 4 KiB read, and reached 0.21x the
 * kernel's IOPS once the device did 150 000 (docs/PERFORMANCE.md).
 *
 * Anything AIO cannot take as is goes the old way (a worker): io_submit
 * failing (context full, misaligned buffer...), offset -1, RWF_* flags, an
 * IOPOLL ring.  A completion with a short count continues in a worker, as a
 * short transfer on a regular file always does; -EAGAIN/-EINTR retry there.
 */
#define AIO_REAP_MAX 64
#define AIO_BATCH 64 /* iocbs gathered before an io_submit */
#define AIO_IDLE_NS 20000000L /* the reaper looks at aio->stop this often */

struct rw_aio {
	aio_context_t ctx;
	pthread_t thread;
	atomic_uint inflight;
	atomic_bool stop;
	/* iocbs of the current submit batch, under submit_lock: one io_submit
	 * per batch, so the device is notified once (a virtio doorbell is a VM
	 * exit, about 10 us here), as the kernel's plugged batch does */
	unsigned nr_pend;
	struct iocb *pend_ptr[AIO_BATCH];
	struct iocb pend[AIO_BATCH];
};

static void aio_done(struct req *req, long res)
{
	struct rw_state *rw = &req->rw;

	if (res == -EAGAIN || res == -EINTR) {
		req_punt_wq(req);
		return;
	}
	if (res > 0) {
		rw->done += (size_t)res;
		iov_advance(rw, (size_t)res);
		rw->off += res;
		if (rw->done != rw->total) {
			req_punt_wq(req); /* short: EOF or the rest, found by a worker */
			return;
		}
	}
	rw_finish(req, res < 0 ? res : 0);
	req_complete(req);
}

static void *aio_reaper(void *arg)
{
	struct rw_aio *a = arg;
	struct io_event ev[AIO_REAP_MAX];

	/* not a worker: an EVENTFD_ASYNC eventfd is not signalled, as for the
	 * kernel's O_DIRECT completions */
	engine_thread_ctx = CTX_REACTOR;
	for (;;) {
		struct timespec ts = { 0, AIO_IDLE_NS };
		long n;

		/* acquire: pairs with the release store of stop in rw_aio_destroy() */
		if (atomic_load_explicit(&a->stop, memory_order_acquire) &&
		    !atomic_load_explicit(&a->inflight, memory_order_acquire))
			break;
		n = syscall(SYS_io_getevents, a->ctx, 1L, (long)AIO_REAP_MAX, ev, &ts);
		for (long i = 0; i < n; i++) {
			/* acq_rel: see aio_submit(); release for the exit check */
			atomic_fetch_sub_explicit(&a->inflight, 1, memory_order_acq_rel);
			aio_done((struct req *)(uintptr_t)ev[i].data, (long)ev[i].res);
		}
	}
	return NULL;
}

/* async_lock held: the ring's AIO context and reaper, or NULL (use workers) */
static struct rw_aio *aio_create(struct ring *r)
{
	unsigned nr = r->sq_entries < 4096 ? r->sq_entries : 4096;
	struct rw_aio *a = calloc(1, sizeof(*a));
	int ret;

	if (!a)
		return NULL;
	for (unsigned i = 0; i < AIO_BATCH; i++)
		a->pend_ptr[i] = &a->pend[i];
	if (syscall(SYS_io_setup, nr, &a->ctx) < 0) {
		free(a);
		return NULL;
	}
	ret = engine_thread_create(&a->thread, NULL, aio_reaper, a);
	if (ret) {
		syscall(SYS_io_destroy, a->ctx);
		free(a);
		return NULL;
	}
	return a;
}

static struct rw_aio *aio_get(struct ring *r)
{
	/* acquire: pairs with the release store below, the context is set up;
	 * only teardown clears it, when no submitter can be here */
	struct rw_aio *a = atomic_load_explicit(&r->aio, memory_order_acquire);

	if (a)
		return a;
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
	return a;
}

/* submit_lock held: io_submit the batch; what the kernel refuses goes to a worker */
static void aio_flush_locked(struct rw_aio *a)
{
	unsigned n = a->nr_pend, done = 0;

	a->nr_pend = 0;
	while (done < n) {
		long ret = syscall(SYS_io_submit, a->ctx, (long)(n - done), &a->pend_ptr[done]);

		if (ret <= 0) {
			struct req *req = (struct req *)(uintptr_t)a->pend_ptr[done]->aio_data;

			/* not taken: the blocking path does it (same result) */
			atomic_fetch_sub_explicit(&a->inflight, 1, memory_order_relaxed);
			req_punt_wq(req);
			done++;
		} else {
			done += (unsigned)ret;
		}
	}
}

void rw_aio_flush(struct ring *r)
{
	struct rw_aio *a = atomic_load_explicit(&r->aio, memory_order_relaxed);

	if (a && a->nr_pend)
		aio_flush_locked(a);
}

/* true: the request is at the device (or in the batch for it); the reaper completes it */
static bool aio_submit(struct req *req, bool write)
{
	struct rw_state *rw = &req->rw;
	struct submit_state *st = engine_submit_state;
	struct rw_aio *a;
	struct iocb cb, *cbp = &cb;

	if (rw->rw_flags || rw->off < 0 || rw->done ||
	    (req->ring->flags & IORING_SETUP_IOPOLL) || !hint_direct(req->rfd))
		return false;
	a = aio_get(req->ring);
	if (!a)
		return false;
	if (st && st->ring == req->ring) {
		/* the submitting thread: gathered, sent by submit_state_end() */
		if (a->nr_pend == AIO_BATCH)
			aio_flush_locked(a);
		cbp = a->pend_ptr[a->nr_pend++];
	}
	memset(cbp, 0, sizeof(*cbp));
	cbp->aio_data = (uintptr_t)req;
	cbp->aio_lio_opcode = write ? IOCB_CMD_PWRITEV : IOCB_CMD_PREADV;
	cbp->aio_fildes = (uint32_t)req->rfd;
	cbp->aio_buf = (uintptr_t)rw->iov;
	cbp->aio_nbytes = rw->nr_segs;
	cbp->aio_offset = rw->off;
	/* counted first: the reaper may complete it before io_submit returns.
	 * release: the request's state (written above and before) is the
	 * reaper's once its acquire decrement reads past this increment; the
	 * kernel orders the two as well, but TSan cannot see through io_submit */
	atomic_fetch_add_explicit(&a->inflight, 1, memory_order_release);
	if (cbp != &cb)
		return true;
	if (syscall(SYS_io_submit, a->ctx, 1L, &cbp) == 1)
		return true;
	atomic_fetch_sub_explicit(&a->inflight, 1, memory_order_relaxed);
	return false;
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
	/* release: the reaper exits once it sees stop and nothing in flight */
	atomic_store_explicit(&a->stop, true, memory_order_release);
	pthread_join(a->thread, NULL);
	syscall(SYS_io_destroy, a->ctx);
	free(a);
}

static void rw_ready(struct reactor_entry *e, uint32_t revents)
{
	struct req *req = (struct req *)((char *)e - offsetof(struct req, rent));

	engine_thread_ctx = CTX_REACTOR;
	req_issue(req, ISSUE_F_NONBLOCK);
}

static int rw_arm(struct req *req, bool write)
{
	int ret;

	req->rent.fd = req->rfd;
	req->rent.fn = rw_ready;
	ret = req_arm_poll(req, write ? POLLOUT : POLLIN);
	if (ret) {
		req->res = ret;
		return ISSUE_DONE;
	}
	return ISSUE_QUEUED;
}

static int rw_issue(struct req *req, unsigned issue_flags, bool write)
{
	struct rw_state *rw = &req->rw;
	bool nonblock = issue_flags & ISSUE_F_NONBLOCK;
	bool user_nowait = rw->rw_flags & RWF_NOWAIT;
	unsigned eagain_retries = 0;
	int ret;

	if (!rw->resolved) {
		ret = req_resolve_file(req);
		if (!ret && (req->flags & REQ_F_BUFFER_SELECT))
			ret = -ENOBUFS; /* no provided buffers exist in the engine yet */
		if (!ret && is_fixed_op(req))
			ret = resolve_fixed(req, write);
		if (!ret && (rw->rw_flags & RWF_HIPRI) && !(rw->rw_flags & ~0xff) &&
		    !(req->ring->flags & IORING_SETUP_IOPOLL))
			ret = -EINVAL; /* polled I/O needs an IOPOLL ring */
		if (!ret && rw->off < -1)
			ret = -EINVAL; /* 6.18 refuses it on pipes too (probed) */
		if (ret) {
			req->res = ret;
			return ISSUE_DONE;
		}
		rw->resolved = true;
	}
	if (nonblock && !user_nowait && !rw->stream && skip_inline(req->rfd)) {
		learn_type(req);
		if (rw->is_reg)
			return aio_submit(req, write) ? ISSUE_QUEUED : ISSUE_AGAIN;
	}

	for (;;) {
		int flags = rw->rw_flags;
		off_t off = rw->stream ? -1 : (off_t)rw->off;
		ssize_t n;

		if (nonblock)
			flags |= RWF_NOWAIT;
		n = write ? sys_pwritev2(req->rfd, rw->iov, (int)rw->nr_segs, off, flags)
			  : sys_preadv2(req->rfd, rw->iov, (int)rw->nr_segs, off, flags);
		if (n == -EINTR)
			continue; /* nothing moved: the kernel would restart it */
		if (n == -ESPIPE && !rw->stream) {
			rw->stream = true; /* pipe, socket...: the offset is ignored */
			continue;
		}
		if (n == -EAGAIN) {
			if (user_nowait)
				return rw_finish(req, n);
			learn_type(req);
			if (rw->stream)
				return rw_arm(req, write);
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
		if (n < 0)
			return rw_finish(req, n);

		if (nonblock && rw->is_reg)
			hint_nowait_result(req->rfd, false);
		rw->done += (size_t)n;
		iov_advance(rw, (size_t)n);
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

int read_issue(struct req *req, unsigned issue_flags)
{
	return rw_issue(req, issue_flags, false);
}

int write_issue(struct req *req, unsigned issue_flags)
{
	return rw_issue(req, issue_flags, true);
}
