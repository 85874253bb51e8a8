/* SPDX-License-Identifier: MIT */
/*
 * ringer-bench: the backends that are not io_uring.
 *
 *   psync     a pread/pwrite loop per thread (one I/O at a time)
 *   pool      the same loop in N threads: what a plain thread pool reaches
 *   posixaio  glibc's aio_read/aio_write + aio_suspend, depth I/Os in flight
 *   libaio    io_submit/io_getevents, depth I/Os in flight (asynchronous
 *             only with O_DIRECT: on the page cache io_submit does the copy)
 *
 * Each keeps the same workload as the ring backends (offsets from the same
 * seeded stream, same block size) and counts the calls that may enter the
 * kernel: pread/pwrite, aio_read/aio_write/aio_suspend, io_submit/io_getevents.
 */
#include <aio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_LIBAIO
#include <libaio.h>
#endif

#include "bench.h"
#include "bench-sync.h"

static char *alloc_bufs(struct worker *w, unsigned n)
{
	const struct bench_cfg *c = w->cfg;
	void *p;

	if (posix_memalign(&p, 4096, (size_t)n * c->bs)) {
		w->setup_err = -ENOMEM;
		return NULL;
	}
	memset(p, 0x5a, (size_t)n * c->bs);
	return p;
}

/* psync and pool: one blocking call per I/O. */
void psync_worker(struct worker *w)
{
	const struct bench_cfg *c = w->cfg;
	uint64_t ios = 0, t0, t1;
	char *buf = alloc_bufs(w, 1);

	pthread_barrier_wait(w->ready);
	t0 = now_ns();
	while (!w->setup_err && !worker_stopped(w)) {
		uint64_t off = worker_offset(w);
		ssize_t r;

		if (c->mode == MODE_READ)
			r = pread(w->fd, buf, c->bs, (off_t)off);
		else
			r = pwrite(w->fd, buf, c->bs, (off_t)off);
		t1 = now_ns();
		if (r != (ssize_t)c->bs) {
			worker_fail(w, r < 0 ? -errno : -EIO,
				    c->mode == MODE_READ ? "pread" : "pwrite");
			break;
		}
		hist_add(w->hist, t1 - t0, 1);
		t0 = t1;
		ios++;
		worker_store(&w->ios, ios);
		worker_store(&w->calls, ios);
	}
	pthread_barrier_wait(w->done);
	free(buf);
}

/* posixaio: glibc runs the requests on its own helper threads. */
void posixaio_worker(struct worker *w)
{
	const struct bench_cfg *c = w->cfg;
	unsigned depth = c->depth, inflight = 0, i;
	struct aiocb *cbs = calloc(depth, sizeof(*cbs));
	const struct aiocb **list = calloc(depth, sizeof(*list));
	uint64_t *t_sub = calloc(depth, sizeof(*t_sub));
	char *bufs = alloc_bufs(w, depth);
	uint64_t ios = 0, calls = 0;

	if (!cbs || !list || !t_sub)
		w->setup_err = -ENOMEM;
	pthread_barrier_wait(w->ready);
	while (!w->setup_err && !w->run_err && !worker_stopped(w)) {
		unsigned n = 0;
		uint64_t t = now_ns();

		/* refill free slots, up to a submit batch */
		for (i = 0; i < depth && n < c->submit_batch; i++) {
			struct aiocb *cb = &cbs[i];
			int r;

			if (list[i])
				continue;
			memset(cb, 0, sizeof(*cb));
			cb->aio_fildes = w->fd;
			cb->aio_buf = bufs + (size_t)i * c->bs;
			cb->aio_nbytes = c->bs;
			cb->aio_offset = (off_t)worker_offset(w);
			cb->aio_sigevent.sigev_notify = SIGEV_NONE;
			r = c->mode == MODE_READ ? aio_read(cb) : aio_write(cb);
			calls++;
			if (r) {
				worker_fail(w, -errno, "aio_read/aio_write");
				break;
			}
			list[i] = cb;
			t_sub[i] = t;
			inflight++;
			n++;
		}
		if (inflight == depth) {
			/* full: sleep until at least one completes */
			calls++;
			if (aio_suspend(list, (int)depth, NULL) && errno != EINTR) {
				worker_fail(w, -errno, "aio_suspend");
				break;
			}
		}
		t = now_ns();
		for (i = 0; i < depth; i++) {
			ssize_t r;
			int e;

			if (!list[i])
				continue;
			e = aio_error(list[i]);
			if (e == EINPROGRESS)
				continue;
			r = aio_return(&cbs[i]);
			if (r != (ssize_t)c->bs)
				worker_fail(w, e ? -e : -EIO, "aio completion");
			hist_add(w->hist, t - t_sub[i], 1);
			list[i] = NULL;
			inflight--;
			ios++;
		}
		worker_store(&w->ios, ios);
		worker_store(&w->calls, calls);
	}
	pthread_barrier_wait(w->done);
	/* the buffers must outlive the requests */
	while (inflight && list) {
		aio_suspend(list, (int)depth, NULL);
		for (i = 0; i < depth; i++) {
			if (list[i] && aio_error(list[i]) != EINPROGRESS) {
				aio_return(&cbs[i]);
				list[i] = NULL;
				inflight--;
			}
		}
	}
	free(cbs);
	free(list);
	free(t_sub);
	free(bufs);
}

#ifdef HAVE_LIBAIO
void libaio_worker(struct worker *w)
{
	const struct bench_cfg *c = w->cfg;
	unsigned depth = c->depth, inflight = 0, nfree = 0, i;
	io_context_t ctx = 0;
	struct iocb *iocbs = calloc(depth, sizeof(*iocbs));
	struct iocb **batch = calloc(depth, sizeof(*batch));
	struct io_event *ev = calloc(depth, sizeof(*ev));
	unsigned *free_slots = calloc(depth, sizeof(*free_slots));
	uint64_t *t_sub = calloc(depth, sizeof(*t_sub));
	char *bufs = alloc_bufs(w, depth);
	uint64_t ios = 0, calls = 0;
	int ret, have_ctx = 0;

	if (!iocbs || !batch || !ev || !free_slots || !t_sub) {
		w->setup_err = -ENOMEM;
	} else if (!w->setup_err) {
		ret = io_setup((int)depth, &ctx);
		if (ret < 0) {
			w->setup_err = ret;
			strcpy(w->what, "io_setup");
		} else {
			have_ctx = 1;
		}
	}
	for (i = 0; free_slots && i < depth; i++)
		free_slots[nfree++] = depth - 1 - i;
	pthread_barrier_wait(w->ready);
	while (!w->setup_err && !w->run_err && !worker_stopped(w)) {
		unsigned n = depth - inflight, wait = 0;
		uint64_t t = now_ns();

		if (n > c->submit_batch)
			n = c->submit_batch;
		for (i = 0; i < n; i++) {
			unsigned slot = free_slots[--nfree];
			struct iocb *cb = &iocbs[slot];
			void *buf = bufs + (size_t)slot * c->bs;
			long long off = (long long)worker_offset(w);

			if (c->mode == MODE_READ)
				io_prep_pread(cb, w->fd, buf, c->bs, off);
			else
				io_prep_pwrite(cb, w->fd, buf, c->bs, off);
			cb->data = (void *)(uintptr_t)slot;
			t_sub[slot] = t;
			batch[i] = cb;
		}
		if (n) {
			ret = io_submit(ctx, (long)n, batch);
			calls++;
			if (ret != (int)n) {
				worker_fail(w, ret < 0 ? ret : -EAGAIN, "io_submit");
				break;
			}
			inflight += n;
		}
		if (inflight == depth)
			wait = c->complete_batch < inflight ? c->complete_batch : inflight;
		ret = io_getevents(ctx, (long)wait, (long)depth, ev, NULL);
		calls++;
		if (ret < 0) {
			if (ret == -EINTR)
				continue;
			worker_fail(w, ret, "io_getevents");
			break;
		}
		t = now_ns();
		for (i = 0; i < (unsigned)ret; i++) {
			unsigned slot = (unsigned)(uintptr_t)ev[i].data;

			if ((long)ev[i].res != (long)c->bs)
				worker_fail(w, (long)ev[i].res < 0 ? (int)(long)ev[i].res : -EIO,
					    "libaio completion");
			hist_add(w->hist, t - t_sub[slot], 1);
			free_slots[nfree++] = slot;
		}
		inflight -= (unsigned)ret;
		ios += (unsigned)ret;
		worker_store(&w->ios, ios);
		worker_store(&w->calls, calls);
	}
	pthread_barrier_wait(w->done);
	while (have_ctx && inflight) {
		ret = io_getevents(ctx, 1, (long)depth, ev, NULL);
		if (ret < 0 && ret != -EINTR)
			break;
		if (ret > 0)
			inflight -= (unsigned)ret;
	}
	if (have_ctx)
		io_destroy(ctx);
	free(iocbs);
	free(batch);
	free(ev);
	free(free_slots);
	free(t_sub);
	free(bufs);
}
#endif
