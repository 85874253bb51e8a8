// SPDX-License-Identifier: MIT
/*
 * Native Linux AIO as a completion source (a service, beside wq.c and
 * reactor.c): ops hand it a request's I/O as an iocb, and it completes the
 * request through one path, its opcode's aio_complete hook (opdef.c).
 *
 * Reads and writes at an offset on regular files and block devices come
 * here (ops/rw.c), every iocb with RWF_NOWAIT (io_submit, raw system calls):
 *  - buffered: a page-cache hit completes inside io_submit, so a submit batch
 *    of cached reads costs one system call, as on the kernel's io_uring; a
 *    miss says -EAGAIN and a worker does it blocking, as io-wq does;
 *  - O_DIRECT: the I/O goes to the device with the whole queue depth in
 *    flight and no thread per I/O (docs/PERFORMANCE.md).
 *
 * The completions are read from the AIO ring in user space (the kernel's
 * struct aio_ring, mapped at the context's address), by whoever holds
 * reap_lock:
 *  - the submitter, right after io_submit (the synchronous completions);
 *  - a thread waiting in cq_wait() (aio_wait_events()): it sleeps in io_getevents
 *    and completes what the device finishes itself, with no hand-off between
 *    threads (the kernel runs completions in the waiting task as well);
 *  - the reaper thread, when nobody waits there (an application polling the
 *    CQ ring, or waiting on its registered eventfd): it sleeps on an eventfd
 *    that O_DIRECT completions signal (IOCB_FLAG_RESFD); buffered ones are
 *    done inside io_submit and need nobody woken.
 *
 * Besides, an IOPOLL ring's own context, reaped only by polling passes
 * (aio_iopoll_*()), and a process-wide one for zero-length probes
 * (aio_probe()).
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>

#include "engine/aio.h"
#include "engine/fdhint.h"
#include "engine/sys.h"
#include "engine/thread.h"

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

struct ring_aio {
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
	 * exit), as the kernel's plugged batch does */
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

static bool aio_ours(const struct ring_aio *a)
{
	return gen_current(a->gen);
}

/* Events of a ring's AIO context: one per SQ entry, up to 4096. */
static unsigned aio_nr_events(const struct ring *r)
{
	/* relaxed: RESIZE_RINGS may change it meanwhile (resize.c) */
	unsigned n = __atomic_load_n(&r->sq_entries, __ATOMIC_RELAXED);

	return n < 4096 ? n : 4096;
}

/* The one way out of the service: the request's op completes it. */
static void aio_complete(struct req *req, long res)
{
	op_defs[req->opcode].aio_complete(req, res);
}

static bool reap_trylock(struct ring_aio *a)
{
	int unlocked = 0;

	/* acquire: pairs with the release in reap_unlock(), the previous
	 * holder's view of the event ring (its head) is ours */
	return atomic_compare_exchange_strong_explicit(&a->reap_lock, &unlocked, 1,
						       memory_order_acquire, memory_order_relaxed);
}

/* reap_lock held: up to max events out of the ring (user space), or 0 */
static long fetch_events(struct ring_aio *a, struct io_event *ev, long max)
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

static void complete_events(struct ring_aio *a, const struct io_event *ev, long n)
{
	for (long i = 0; i < n; i++) {
		/* acq_rel: pairs with the release increment in aio_submit(), the
		 * request's state is ours (the kernel orders it too, but TSan
		 * cannot see through io_submit); release for the exit check */
		atomic_fetch_sub_explicit(&a->inflight, 1, memory_order_acq_rel);
		aio_complete((struct req *)(uintptr_t)ev[i].data, (long)ev[i].res);
	}
}

/* reap_lock held: complete everything in the ring; the number completed */
static long reap_locked(struct ring_aio *a)
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
static void reap_unlock(struct ring_aio *a)
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
static void aio_reap(struct ring_aio *a)
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
	struct ring_aio *a = arg;

	/* not a worker: an EVENTFD_ASYNC eventfd is not signalled, as for the
	 * kernel's O_DIRECT completions */
	engine_thread_ctx = CTX_REACTOR;
	for (;;) {
		/* acquire: pairs with the release store of stop in aio_destroy() */
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
static struct ring_aio *aio_create(struct ring *r)
{
	struct ring_aio *a = calloc(1, sizeof(*a));
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

static struct ring_aio *aio_get(struct ring *r)
{
	/* acquire: pairs with the release store below, the context is set up;
	 * only teardown clears it, when no submitter can be here */
	struct ring_aio *a = atomic_load_explicit(&r->aio, memory_order_acquire);

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
static void aio_flush_locked(struct ring_aio *a)
{
	unsigned n = a->nr_pend, done = 0;

	a->nr_pend = 0;
	if (n == 1 && !(a->pend_ptr[0]->aio_flags & IOCB_FLAG_RESFD)) {
		/* one buffered request: a preadv2 costs less than io_submit
		 * (depth-1 reads), and its result is handled as the event's */
		struct iocb *cb = a->pend_ptr[0];
		struct req *req = (struct req *)(uintptr_t)cb->aio_data;
		bool vectored = cb->aio_lio_opcode == IOCB_CMD_PREADV ||
				cb->aio_lio_opcode == IOCB_CMD_PWRITEV;
		bool write = cb->aio_lio_opcode == IOCB_CMD_PWRITEV ||
			     cb->aio_lio_opcode == IOCB_CMD_PWRITE;
		struct iovec one = { (void *)(uintptr_t)cb->aio_buf, (size_t)cb->aio_nbytes };
		const struct iovec *iov = vectored ? (const struct iovec *)(uintptr_t)cb->aio_buf : &one;
		int nr = vectored ? (int)cb->aio_nbytes : 1;
		ssize_t res = write ? sys_pwritev2((int)cb->aio_fildes, iov, nr,
						   (off_t)cb->aio_offset, RWF_NOWAIT)
				    : sys_preadv2((int)cb->aio_fildes, iov, nr, (off_t)cb->aio_offset,
						  RWF_NOWAIT);

		atomic_fetch_sub_explicit(&a->inflight, 1, memory_order_relaxed);
		aio_complete(req, res);
		return;
	}
	while (done < n) {
		long ret = sys_io_submit(a->ctx, (long)(n - done), &a->pend_ptr[done]);

		if (ret <= 0) {
			struct req *req = (struct req *)(uintptr_t)a->pend_ptr[done]->aio_data;

			/* not taken (no NOWAIT support, context full...): the
			 * blocking path does it, with the same result */
			atomic_fetch_sub_explicit(&a->inflight, 1, memory_order_relaxed);
			fdhint_nowait_result(req->rfd, true);
			req_punt_wq(req);
			done++;
		} else {
			done += (unsigned)ret;
		}
	}
	/* cached reads are complete already: post them with this batch */
	aio_reap(a);
}

void aio_flush(struct ring *r)
{
	struct ring_aio *a = atomic_load_explicit(&r->aio, memory_order_relaxed);
	struct submit_state *st = engine_submit_state;

	/* what the flush completes may gather again: that sets it anew */
	if (st && st->ring == r)
		st->aio_pending = false;
	if (a && a->nr_pend)
		aio_flush_locked(a);
}

bool aio_submit(struct req *req, const struct iocb *io, bool direct)
{
	struct submit_state *st = engine_submit_state;
	struct ring_aio *a;
	struct iocb cb, *cbp = &cb;

	a = aio_get(req->ring);
	if (!a)
		return false;
	if (st && st->ring == req->ring) {
		/* the submitting thread: gathered, sent by submit_state_end() */
		if (a->nr_pend == AIO_BATCH)
			aio_flush_locked(a);
		cbp = a->pend_ptr[a->nr_pend++];
		st->aio_pending = true;
	}
	*cbp = *io;
	cbp->aio_data = (uintptr_t)req;
	if (direct) {
		/* the device completes it later: the reaper must hear of it */
		cbp->aio_flags = IOCB_FLAG_RESFD;
		cbp->aio_resfd = (uint32_t)a->efd;
	}
	/* buffered: done inside io_submit, no wake-up for anyone (an eventfd
	 * signal per completion would cost the reaper a wake-up per batch) */
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
int aio_wait_events(struct ring *r, unsigned want, int64_t timeout_ns, const sigset_t *mask)
{
	struct ring_aio *a = atomic_load_explicit(&r->aio, memory_order_acquire);
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

void aio_destroy(struct ring *r)
{
	struct ring_aio *a;

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
 * A zero-length read or write through native AIO (ops/rw.c says why): flags
 * are the iocb's RWF_* bits, off its offset.  0: it ran, its result in *res;
 * -errno: io_submit refused the flags (kiocb_set_rw_flags()); 1: cannot
 * tell (no AIO, or AIO's own refusal).  One context for the process, made
 * on first use (again in a forked child), one probe at a time.
 */
static pthread_mutex_t zero_lock = PTHREAD_MUTEX_INITIALIZER;
static char zero_buf[1] __attribute__((aligned(4096)));
static aio_context_t zero_ctx;
static unsigned zero_gen;

int aio_probe(int fd, bool write, int flags, int64_t off, long *res)
{
	struct iocb cb, *cbp = &cb;
	struct io_event ev;
	long ret;

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
	cb.aio_fildes = (uint32_t)fd;
	/* nothing is moved: a valid address, aligned for an O_DIRECT file */
	cb.aio_buf = (uintptr_t)zero_buf;
	cb.aio_offset = off;
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

/*
 * IOPOLL rings (iopoll.c): the reads and writes parked by a submit call go
 * to the device at its end, in one io_submit on the ring's own AIO context
 * (no eventfd, no reaper thread: nobody reaps it but a polling pass), as the
 * kernel issues IOPOLL I/O at submit.  A polling pass takes completions from
 * it with io_getevents and posts their CQEs, so CQEs still appear only
 * inside a pass.  What AIO does not take (the op's iopoll_iocb hook says
 * no, io_submit refuses) is handed back: the pass runs it with blocking
 * calls.  The op's aio_complete hook sees the ring is IOPOLL.
 */

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

struct req *aio_iopoll_issue(struct ring *r, struct req *list)
{
	struct iocb cb[AIO_BATCH], *cbs[AIO_BATCH];
	struct req *back = NULL;
	unsigned n = 0;
	bool aio;

	/*
	 * A polling pass with nothing parked makes no AIO context: io_destroy
	 * waits for an RCU grace period, which a ring that never
	 * did I/O would otherwise pay at close.
	 */
	if (!list)
		return NULL;
	aio = iopoll_aio_ok(r);
	while (list) {
		struct req *req = list;
		struct iocb io;

		list = req->list_next;
		req->list_next = NULL;
		if (!aio || !op_defs[req->opcode].iopoll_iocb(req, &io)) {
			req->list_next = back;
			back = req;
			continue;
		}
		if (n == AIO_BATCH) {
			iopoll_submit(r, cbs, n, &back);
			n = 0;
		}
		cb[n] = io;
		cb[n].aio_data = (uintptr_t)req;
		cbs[n] = &cb[n];
		n++;
	}
	if (n)
		iopoll_submit(r, cbs, n, &back);
	return back;
}

int aio_iopoll_reap(struct ring *r, unsigned want)
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
		aio_complete((struct req *)(uintptr_t)ev[i].data, (long)ev[i].res);
	}
	return got > 0 ? (int)got : 0;
}

void aio_iopoll_destroy(struct ring *r)
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
