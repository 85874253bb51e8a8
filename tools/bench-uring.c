/* SPDX-License-Identifier: MIT */
/*
 * ringer-bench: the io_uring loop, written once against the liburing API and
 * compiled twice: against ringer's include/ringer.h (backends `kernel` and
 * `user`) and, with BENCH_LIBURING, against Debian's <liburing.h> (backend
 * `liburing`).  The same source on both sides is what makes `kernel` vs
 * `liburing` a measure of ringer's library overhead and nothing else.
 *
 * The loop is a careful liburing user's: prepare up to a submit batch of
 * SQEs, submit them with one call, wait (in the same call) only when the
 * queue is full, and reap every ready CQE with io_uring_for_each_cqe and one
 * io_uring_cq_advance.  Each call of io_uring_submit* counts as an enter:
 * neither library exposes a count of the system calls it really makes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#ifdef BENCH_LIBURING
#include <liburing.h>
#define RING_WORKER lu_ring_worker
#define EXPORT	    __attribute__((visibility("default")))
#else
#include "ringer.h"
#define RING_WORKER ringer_ring_worker
#define EXPORT
#endif

#include "bench.h"

static int ring_init(struct worker *w, struct io_uring *ring)
{
	const struct bench_cfg *c = w->cfg;
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	if (c->sqpoll) {
		p.flags |= IORING_SETUP_SQPOLL;
		p.sq_thread_idle = 100; /* ms: the poller never idles mid-run */
	}
	if (c->iopoll)
		p.flags |= IORING_SETUP_IOPOLL;
#ifdef BENCH_LIBURING
	return io_uring_queue_init_params(c->depth, ring, &p);
#else
	return ringer_queue_init_backend(c->depth, ring, &p, (enum ringer_backend)w->ring_backend);
#endif
}

static void prep_one(struct worker *w, struct io_uring_sqe *sqe, unsigned slot, char *buf)
{
	const struct bench_cfg *c = w->cfg;
	int fd = c->reg_files ? 0 : w->fd;
	uint64_t off;

	if (c->mode == MODE_NOP) {
		io_uring_prep_nop(sqe);
	} else {
		off = worker_offset(w);
		if (c->mode == MODE_READ && c->fixed_bufs)
			io_uring_prep_read_fixed(sqe, fd, buf, c->bs, off, (int)slot);
		else if (c->mode == MODE_READ)
			io_uring_prep_read(sqe, fd, buf, c->bs, off);
		else if (c->fixed_bufs)
			io_uring_prep_write_fixed(sqe, fd, buf, c->bs, off, (int)slot);
		else
			io_uring_prep_write(sqe, fd, buf, c->bs, off);
		if (c->reg_files)
			io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE);
	}
	io_uring_sqe_set_data64(sqe, slot);
}

struct loop {
	struct io_uring ring;
	char *bufs;
	unsigned *free_slots; /* stack of unused slots */
	unsigned nfree;
	uint64_t *t_submit; /* per slot: when its batch was submitted */
	unsigned inflight;
};

/* Reap every ready CQE; returns how many. */
static unsigned reap(struct worker *w, struct loop *l, int counting)
{
	const struct bench_cfg *c = w->cfg;
	struct io_uring_cqe *cqe;
	unsigned head, n = 0;
	uint64_t t = now_ns();
	int want = c->mode == MODE_NOP ? 0 : (int)c->bs;

	io_uring_for_each_cqe (&l->ring, head, cqe) {
		unsigned slot = (unsigned)cqe->user_data;

		if (counting && cqe->res != want)
			worker_fail(w, cqe->res < 0 ? cqe->res : -EIO,
				    cqe->res < 0 ? "completion" : "short I/O");
		if (counting)
			hist_add(w->hist, t - l->t_submit[slot], 1);
		l->free_slots[l->nfree++] = slot;
		n++;
	}
	io_uring_cq_advance(&l->ring, n);
	l->inflight -= n;
	return n;
}

static int run(struct worker *w, struct loop *l)
{
	const struct bench_cfg *c = w->cfg;
	uint64_t ios = 0, calls = 0;

	while (!worker_stopped(w) && !w->run_err) {
		unsigned n = c->depth - l->inflight, wait = 0, i;
		uint64_t t;
		int ret;

		if (n > c->submit_batch)
			n = c->submit_batch;
		for (i = 0; i < n; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&l->ring);
			unsigned slot;

			if (!sqe)
				break;
			slot = l->free_slots[--l->nfree];
			prep_one(w, sqe, slot, l->bufs + (size_t)slot * c->bs);
		}
		n = i;
		l->inflight += n;
		if (l->inflight == c->depth)
			wait = c->complete_batch < l->inflight ? c->complete_batch : l->inflight;
		t = now_ns();
		/* the slots just taken still sit above nfree on the stack */
		for (i = 0; i < n; i++)
			l->t_submit[l->free_slots[l->nfree + i]] = t;
		do {
			ret = wait ? io_uring_submit_and_wait(&l->ring, wait)
				   : io_uring_submit(&l->ring);
			calls++;
		} while (ret == -EINTR);
		if (ret < 0) {
			worker_fail(w, ret, wait ? "io_uring_submit_and_wait" : "io_uring_submit");
			break;
		}
		ios += reap(w, l, 1);
		worker_store(&w->ios, ios);
		worker_store(&w->calls, calls);
	}
	return 0;
}

/* The buffers must outlive every I/O that uses them: reap all before exit. */
static void drain(struct worker *w, struct loop *l)
{
	while (l->inflight) {
		int ret = io_uring_submit_and_wait(&l->ring, 1);

		if (ret < 0 && ret != -EINTR)
			break;
		reap(w, l, 0);
	}
}

EXPORT void RING_WORKER(struct worker *w)
{
	const struct bench_cfg *c = w->cfg;
	struct loop l;
	int ret, inited = 0;
	unsigned i;

	memset(&l, 0, sizeof(l));
	l.free_slots = calloc(c->depth, sizeof(*l.free_slots));
	l.t_submit = calloc(c->depth, sizeof(*l.t_submit));
	if (!l.free_slots || !l.t_submit) {
		w->setup_err = -ENOMEM;
		goto ready;
	}
	for (i = 0; i < c->depth; i++)
		l.free_slots[l.nfree++] = c->depth - 1 - i;
	if (c->mode != MODE_NOP) {
		if (posix_memalign((void **)&l.bufs, 4096, (size_t)c->depth * c->bs)) {
			w->setup_err = -ENOMEM;
			goto ready;
		}
		memset(l.bufs, 0x5a, (size_t)c->depth * c->bs);
	}

	ret = ring_init(w, &l.ring);
	if (ret < 0) {
		w->setup_err = ret;
		strcpy(w->what, "io_uring_queue_init");
		goto ready;
	}
	inited = 1;
	if (c->mode != MODE_NOP && c->fixed_bufs) {
		struct iovec *iov = calloc(c->depth, sizeof(*iov));

		if (!iov) {
			w->setup_err = -ENOMEM;
			goto ready;
		}
		for (i = 0; i < c->depth; i++) {
			iov[i].iov_base = l.bufs + (size_t)i * c->bs;
			iov[i].iov_len = c->bs;
		}
		ret = io_uring_register_buffers(&l.ring, iov, c->depth);
		free(iov);
		if (ret < 0) {
			w->setup_err = ret;
			strcpy(w->what, "io_uring_register_buffers");
			goto ready;
		}
	}
	if (c->mode != MODE_NOP && c->reg_files) {
		ret = io_uring_register_files(&l.ring, &w->fd, 1);
		if (ret < 0) {
			w->setup_err = ret;
			strcpy(w->what, "io_uring_register_files");
			goto ready;
		}
	}
ready:
	pthread_barrier_wait(w->ready);
	if (!w->setup_err)
		run(w, &l);
	pthread_barrier_wait(w->done);
	if (inited) {
		drain(w, &l);
		io_uring_queue_exit(&l.ring);
	}
	free(l.bufs);
	free(l.free_slots);
	free(l.t_submit);
}
