/* SPDX-License-Identifier: MIT */
/*
 * ringer-bench: what every backend's worker shares with the driver.
 *
 * This header includes neither ringer.h nor liburing.h: bench-uring.c is
 * compiled once against each (their io_uring_* names clash), and both copies
 * talk to the driver only through struct worker.
 */
#ifndef RINGER_BENCH_H
#define RINGER_BENCH_H

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

enum bench_mode {
	MODE_READ,
	MODE_WRITE,
	MODE_NOP,
};

/* The workload, the same for every backend of one comparison. */
struct bench_cfg {
	enum bench_mode mode;
	int random; /* random offsets, else sequential */
	int direct; /* O_DIRECT */
	int fixed_bufs; /* READ_FIXED / WRITE_FIXED on registered buffers */
	int reg_files; /* IOSQE_FIXED_FILE on a registered file */
	int sqpoll; /* IORING_SETUP_SQPOLL */
	int iopoll; /* IORING_SETUP_IOPOLL */
	unsigned depth; /* I/Os in flight per thread */
	unsigned submit_batch; /* I/Os prepared per submission */
	unsigned complete_batch; /* completions waited for when the queue is full */
	unsigned bs; /* block size in bytes */
	unsigned threads; /* submitting threads, a ring each */
	unsigned pool_threads; /* threads of the `pool` backend */
	uint64_t file_size; /* bytes of the file used */
};

/*
 * Log-linear latency histogram in nanoseconds: values below 2*SUB are exact,
 * above that each power of two is cut in SUB equal buckets (about 3% error
 * with SUB = 32).  Cheap enough to record every I/O.
 */
#define HIST_SUB_BITS 5
#define HIST_SUB      (1u << HIST_SUB_BITS)
#define HIST_BUCKETS  ((64 - HIST_SUB_BITS) * HIST_SUB)

struct hist {
	uint64_t count;
	uint64_t b[HIST_BUCKETS];
};

static inline unsigned hist_index(uint64_t v)
{
	unsigned msb, e;

	if (v < 2 * HIST_SUB)
		return (unsigned)v;
	msb = 63 - (unsigned)__builtin_clzll(v);
	e = msb - HIST_SUB_BITS;
	return e * HIST_SUB + (unsigned)(v >> e);
}

/* The lowest value a bucket holds. */
static inline uint64_t hist_lower(unsigned idx)
{
	unsigned e;

	if (idx < 2 * HIST_SUB)
		return idx;
	e = idx / HIST_SUB - 1;
	return (uint64_t)(idx - e * HIST_SUB) << e;
}

static inline void hist_add(struct hist *h, uint64_t v, uint64_t n)
{
	h->b[hist_index(v)] += n;
	h->count += n;
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: the offsets need to be spread, not unpredictable. */
static inline uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1Dull;
}

/*
 * One submitting thread of a backend.  The driver fills the inputs; the
 * worker publishes ios and calls with relaxed atomic stores (the driver only
 * reads them for the live line; the final values are read after the `done`
 * barrier, which orders them).
 */
struct worker {
	/* inputs */
	const struct bench_cfg *cfg;
	int id;
	int fd; /* -1 in NOP mode */
	int ring_backend; /* enum ringer_backend for the ringer copy */
	const int *stop; /* set by the driver when the runtime is over */
	pthread_barrier_t *ready; /* set up: the clock starts after it */
	pthread_barrier_t *done; /* measuring over: teardown comes after */
	uint64_t rng;
	uint64_t seq_off; /* next sequential offset */
	uint64_t seq_start, seq_len; /* this thread's region of the file */

	/* outputs */
	uint64_t ios; /* I/Os completed before stop */
	uint64_t calls; /* enters (ring backends) or I/O system calls */
	struct hist *hist; /* owned by the driver */
	int setup_err; /* -errno: the backend cannot run here */
	int run_err; /* -errno of a failed I/O or enter */
	char what[96]; /* which call failed */
} __attribute__((aligned(64)));

static inline void worker_store(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static inline int worker_stopped(const struct worker *w)
{
	return __atomic_load_n(w->stop, __ATOMIC_RELAXED);
}

/* The next offset of this worker's I/O stream. */
static inline uint64_t worker_offset(struct worker *w)
{
	const struct bench_cfg *c = w->cfg;
	uint64_t blocks = c->file_size / c->bs;
	uint64_t off;

	if (c->random)
		return (rng_next(&w->rng) % blocks) * c->bs;
	off = w->seq_off;
	w->seq_off += c->bs;
	if (w->seq_off + c->bs > w->seq_start + w->seq_len)
		w->seq_off = w->seq_start;
	return off;
}

static inline void worker_fail(struct worker *w, int err, const char *what)
{
	if (!w->run_err) {
		w->run_err = err;
		strncpy(w->what, what, sizeof(w->what) - 1);
	}
}

/*
 * The io_uring loop, compiled twice: against ringer (bench-uring.c as is)
 * and against Debian's liburing (BENCH_LIBURING, in its own shared object so
 * that its io_uring_* symbols never meet libringer's).
 */
void ringer_ring_worker(struct worker *w);
void lu_ring_worker(struct worker *w);

#endif /* RINGER_BENCH_H */
