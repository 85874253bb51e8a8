/* SPDX-License-Identifier: MIT */
/*
 * ringer-bench: the file, and one slice of a backend's run in this process:
 * its threads, the live line per second, the counts and the histogram.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ringer-bench.h"

static int stop_flag;
static char tmp_path[PATH_MAX];

/*
 * The file: a temporary one, unlinked as soon as it is open, filled with
 * fresh bytes (not a sparse hole, which reads as zero pages without touching
 * storage); or FILE as given, which is never created, grown or filled: it is
 * the user's, and only -w with --write-ok (checked with the arguments) writes
 * into it.
 */
static int fill(int fd, uint64_t from, uint64_t to)
{
	size_t chunk = 1 << 20;
	char *buf = malloc(chunk);

	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < chunk; i++)
		buf[i] = (char)(i * 131 + 7);
	while (from < to) {
		size_t n = to - from < chunk ? (size_t)(to - from) : chunk;
		ssize_t r = pwrite(fd, buf, n, (off_t)from);

		if (r <= 0) {
			free(buf);
			return r < 0 ? -errno : -EIO;
		}
		from += (uint64_t)r;
	}
	free(buf);
	return 0;
}

static int open_temp(struct opts *o)
{
	struct bench_cfg *c = &o->cfg;
	const char *dir = getenv("TMPDIR");
	int fd, ret;

	snprintf(tmp_path, sizeof(tmp_path), "%s/ringer-bench.XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(tmp_path);
	if (fd < 0) {
		fprintf(stderr, "ringer-bench: %s: %s\n", tmp_path, strerror(errno));
		return -1;
	}
	unlink(tmp_path); /* removed when closed, even on a crash */
	if (!o->size_set)
		c->file_size = 256ull << 20;
	ret = fill(fd, 0, c->file_size);
	if (ret) {
		fprintf(stderr, "ringer-bench: filling the temporary file: %s\n", strerror(-ret));
		close(fd);
		return -1;
	}
	fsync(fd);
	return fd;
}

/* FILE, refused unless it is a regular file or a block device holding
 * --size bytes (its whole size by default). */
static int open_named(struct opts *o)
{
	struct bench_cfg *c = &o->cfg;
	uint64_t have;
	struct stat st;
	int fd;

	/* stat first: opening a FIFO would block, a directory "reads" as
	 * nothing but EISDIR from every backend */
	if (stat(o->file, &st) < 0) {
		fprintf(stderr, "ringer-bench: %s: %s (FILE must exist: it is never created)\n",
			o->file, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		fprintf(stderr,
			"ringer-bench: %s: %s; FILE must be a regular file or a block device\n",
			o->file, S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
		return -1;
	}
	fd = open(o->file, c->mode == MODE_WRITE ? O_RDWR : O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "ringer-bench: %s: %s\n", o->file, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		fprintf(stderr, "ringer-bench: %s: %s\n", o->file, strerror(errno));
		close(fd);
		return -1;
	}
	if (S_ISREG(st.st_mode)) {
		have = (uint64_t)st.st_size;
	} else {
		off_t end = lseek(fd, 0, SEEK_END);

		have = end > 0 ? (uint64_t)end : 0;
	}
	if (!have) {
		fprintf(stderr,
			"ringer-bench: %s: empty; it is never grown (give no FILE for a "
			"temporary file of --size bytes)\n",
			o->file);
		close(fd);
		return -1;
	}
	if (!o->size_set) {
		c->file_size = have;
	} else if (c->file_size > have) {
		fprintf(stderr,
			"ringer-bench: %s: %llu bytes, less than --size %llu; it is never "
			"grown\n",
			o->file, (unsigned long long)have, (unsigned long long)c->file_size);
		close(fd);
		return -1;
	}
	return fd;
}

int open_file(struct opts *o, int *fd_out)
{
	struct bench_cfg *c = &o->cfg;
	int fd = o->file ? open_named(o) : open_temp(o);

	if (fd < 0)
		return -1;
	if (c->file_size < c->bs) {
		fprintf(stderr, "ringer-bench: the file (%llu bytes) is smaller than a block\n",
			(unsigned long long)c->file_size);
		close(fd);
		return -1;
	}
	*fd_out = fd;
	return 0;
}

/* The descriptor the workers use: O_DIRECT reopened when asked. */
static int io_fd(const struct opts *o, int fd, char *why, size_t whylen)
{
	char path[64];
	int dfd;

	if (!o->cfg.direct)
		return dup(fd);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	dfd = open(path, (o->cfg.mode == MODE_READ ? O_RDONLY : O_RDWR) | O_DIRECT);
	if (dfd < 0)
		snprintf(why, whylen, "O_DIRECT not supported by the filesystem (%s)",
			 strerror(errno));
	return dfd;
}

static void ru_get(struct rusage *ru)
{
	getrusage(RUSAGE_SELF, ru);
}

static double tv_secs(const struct timeval *a, const struct timeval *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_usec - a->tv_usec) / 1e6;
}

double hist_pct(const struct hist *h, double p)
{
	uint64_t want, seen = 0;

	if (!h->count)
		return 0;
	want = (uint64_t)((double)h->count * p);
	if (want >= h->count)
		want = h->count - 1;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen > want) {
			uint64_t lo = hist_lower(i), hi = hist_lower(i + 1);

			return (double)(lo + (hi - lo) / 2) / 1000.0;
		}
	}
	return 0;
}

struct thread_arg {
	struct worker *w;
	void (*fn)(struct worker *w);
};

static void *thread_main(void *arg)
{
	struct thread_arg *a = arg;

	a->fn(a->w);
	return NULL;
}

void sleep_secs(double s)
{
	struct timespec ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void set_na(struct result *r, const char *fmt, const char *arg)
{
	r->status = ST_NA;
	snprintf(r->reason, sizeof(r->reason), fmt, arg);
}

/*
 * One slice of a backend's run, added to r.  r->be and r->hist are set by
 * the caller; a backend found n/a or failed in an earlier slice is skipped.
 */
void run_backend(const struct opts *o, int base_fd, const struct backend *be,
			struct result *r, double runtime)
{
	const struct bench_cfg *c = &o->cfg;
	unsigned n = !strcmp(be->name, "pool") ? c->pool_threads : c->threads;
	pthread_barrier_t ready, done;
	struct worker *ws = NULL;
	struct thread_arg *args = NULL;
	pthread_t *tids = NULL;
	struct hist *sum = r->hist;
	struct rusage ru0, ru1;
	uint64_t t0, t1, last_ios = 0, last_calls = 0, last_t;
	unsigned started = 0, i;
	uint64_t slice_ios = 0;
	int fd = -1;

	if (r->status != ST_OK)
		return;
	if (!be->fn)
		return set_na(r, "%s", be->missing);
	if (c->mode == MODE_NOP && be->kind != KIND_RING)
		return set_na(r, "%s", "no NOP operation");
	if (c->mode != MODE_NOP) {
		fd = io_fd(o, base_fd, r->reason, sizeof(r->reason));
		if (fd < 0) {
			r->status = ST_NA;
			return;
		}
	}
	ws = aligned_alloc(64, sizeof(*ws) * n);
	args = calloc(n, sizeof(*args));
	tids = calloc(n, sizeof(*tids));
	if (!ws || !args || !tids) {
		set_na(r, "%s", "out of memory");
		goto out;
	}
	memset(ws, 0, sizeof(*ws) * n);
	stop_flag = 0;
	pthread_barrier_init(&ready, NULL, n + 1);
	pthread_barrier_init(&done, NULL, n + 1);
	for (i = 0; i < n; i++) {
		struct worker *w = &ws[i];

		w->cfg = c;
		w->id = (int)i;
		w->fd = fd;
		w->ring_backend = be->ring_backend;
		w->stop = &stop_flag;
		w->ready = &ready;
		w->done = &done;
		/* the same offset stream for every backend */
		w->rng = 0x9E3779B97F4A7C15ull * (i + 1);
		if (c->mode != MODE_NOP) {
			uint64_t blocks = c->file_size / c->bs;

			w->seq_len = blocks / n * c->bs;
			if (w->seq_len < c->bs)
				w->seq_len = c->bs;
			w->seq_start = (i * w->seq_len) % (blocks * c->bs);
			if (w->seq_start + w->seq_len > blocks * c->bs)
				w->seq_start = 0;
			w->seq_off = w->seq_start;
		}
		w->hist = calloc(1, sizeof(struct hist));
		if (!w->hist) {
			set_na(r, "%s", "out of memory");
			break;
		}
		args[i].w = w;
		args[i].fn = be->fn;
		if (pthread_create(&tids[i], NULL, thread_main, &args[i])) {
			set_na(r, "%s", "pthread_create failed");
			free(w->hist);
			w->hist = NULL;
			break;
		}
		started++;
	}
	if (started < n) {
		/* the started threads wait for n + 1 arrivals that never come */
		fprintf(stderr, "ringer-bench: could not start %u threads\n", n);
		exit(1);
	}

	pthread_barrier_wait(&ready);
	for (i = 0; i < n; i++) {
		if (ws[i].setup_err) {
			snprintf(r->reason, sizeof(r->reason), "%s%s%s", ws[i].what,
				 ws[i].what[0] ? ": " : "", strerror(-ws[i].setup_err));
			r->status = ST_NA;
			__atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
			break;
		}
	}
	ru_get(&ru0);
	t0 = last_t = now_ns();
	if (r->status == ST_OK) {
		double elapsed = 0;
		unsigned sec = 0;

		while (elapsed < runtime) {
			double step = runtime - elapsed < 1.0 ? runtime - elapsed : 1.0;
			uint64_t ios = 0, calls = 0, t;

			sleep_secs(step);
			t = now_ns();
			elapsed = (double)(t - t0) / 1e9;
			for (i = 0; i < n; i++) {
				ios += __atomic_load_n(&ws[i].ios, __ATOMIC_RELAXED);
				calls += __atomic_load_n(&ws[i].calls, __ATOMIC_RELAXED);
			}
			if (!o->quiet && step >= 0.5) {
				double dt = (double)(t - last_t) / 1e9;
				double iops = (double)(ios - last_ios) / dt;

				printf("  %-8s %3us %10.0f IOPS %9.1f MiB/s %7.2f IOs/enter\n",
				       be->name, ++sec, iops,
				       c->mode == MODE_NOP ? 0.0 : iops * c->bs / 1048576.0,
				       calls > last_calls ? (double)(ios - last_ios) /
								    (double)(calls - last_calls)
							  : 0.0);
				fflush(stdout);
			}
			last_ios = ios;
			last_calls = calls;
			last_t = t;
		}
	}
	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
	t1 = now_ns();
	pthread_barrier_wait(&done);
	ru_get(&ru1);
	for (i = 0; i < n; i++)
		pthread_join(tids[i], NULL);
	pthread_barrier_destroy(&ready);
	pthread_barrier_destroy(&done);

	for (i = 0; i < n; i++) {
		struct worker *w = &ws[i];

		r->ios += w->ios;
		slice_ios += w->ios;
		r->calls += w->calls;
		for (unsigned b = 0; b < HIST_BUCKETS; b++)
			sum->b[b] += w->hist->b[b];
		sum->count += w->hist->count;
		if (w->run_err && r->status == ST_OK) {
			r->status = ST_ERR;
			snprintf(r->reason, sizeof(r->reason), "%s: %s", w->what,
				 strerror(-w->run_err));
		}
		free(w->hist);
	}
	r->secs += (double)(t1 - t0) / 1e9;
	if (r->status == ST_OK && r->nrounds < 100 && t1 > t0)
		r->round_iops[r->nrounds++] = (double)slice_ios * 1e9 / (double)(t1 - t0);
	r->usr += tv_secs(&ru0.ru_utime, &ru1.ru_utime);
	r->sys += tv_secs(&ru0.ru_stime, &ru1.ru_stime);
	r->ctxsw += (ru1.ru_nvcsw - ru0.ru_nvcsw) + (ru1.ru_nivcsw - ru0.ru_nivcsw);
	r->p50 = hist_pct(sum, 0.50);
	r->p99 = hist_pct(sum, 0.99);
	r->p999 = hist_pct(sum, 0.999);
out:
	free(tids);
	free(args);
	free(ws);
	if (fd >= 0)
		close(fd);
}
