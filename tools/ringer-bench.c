/* SPDX-License-Identifier: MIT */
/*
 * ringer-bench: every way to do asynchronous I/O on Linux, side by side.
 *
 * One process run drives the same workload (same offsets, same block size,
 * same depth, same time) through each backend in turn and prints one table:
 * IOPS, bandwidth, CPU time, context switches, calls per I/O, latency
 * percentiles, and the ratio of each backend to a baseline.  Figures from
 * separate runs on a shared machine are not comparable; ratios from one run
 * are what the project's performance claims rest on.
 */
#include <ctype.h>
#include <errno.h>
#include <link.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ringer.h"
#include "bench.h"
#include "bench-sync.h"

enum backend_kind {
	KIND_RING, /* an io_uring API */
	KIND_SYNC, /* psync, pool, posixaio, libaio */
};

struct backend {
	const char *name;
	enum backend_kind kind;
	void (*fn)(struct worker *w);
	int ring_backend; /* for ringer_ring_worker */
	const char *missing; /* why it was not built in, or NULL */
};

static struct backend backends[] = {
	{ "kernel", KIND_RING, ringer_ring_worker, RINGER_BACKEND_KERNEL, NULL },
	{ "user", KIND_RING, ringer_ring_worker, RINGER_BACKEND_USER, NULL },
#ifdef HAVE_LIBURING
	{ "liburing", KIND_RING, lu_ring_worker, 0, NULL },
#else
	{ "liburing", KIND_RING, NULL, 0, "built without liburing (no liburing.a)" },
#endif
	/*
	 * The liburing loop again, unmodified, in a child re-exec'd under the
	 * seccomp shim with RINGER_BACKEND=user: the engine through the trap.
	 */
#if defined(HAVE_LIBURING) && defined(RINGER_PRELOAD_PATH)
	{ "preload", KIND_RING, lu_ring_worker, 0, NULL },
#elif defined(HAVE_LIBURING)
	{ "preload", KIND_RING, NULL, 0, "built without the preload shim" },
#else
	{ "preload", KIND_RING, NULL, 0, "built without liburing (no liburing.a)" },
#endif
	{ "psync", KIND_SYNC, psync_worker, 0, NULL },
	{ "pool", KIND_SYNC, psync_worker, 0, NULL },
	{ "posixaio", KIND_SYNC, posixaio_worker, 0, NULL },
#ifdef HAVE_LIBAIO
	{ "libaio", KIND_SYNC, libaio_worker, 0, NULL },
#else
	{ "libaio", KIND_SYNC, NULL, 0, "built without libaio" },
#endif
};
#define NR_BACKENDS (sizeof(backends) / sizeof(backends[0]))

enum status { ST_OK, ST_NA, ST_ERR };

struct result {
	const struct backend *be;
	enum status status;
	char reason[160];
	double secs;
	uint64_t ios, calls;
	double usr, sys;
	long ctxsw;
	double p50, p99, p999; /* microseconds */
	struct hist *hist; /* merged over threads and rounds */
	double round_iops[100]; /* IOPS of each round, for the spread */
	unsigned nrounds;
};

struct opts {
	struct bench_cfg cfg;
	int sb_set, cb_set, pool_set, size_set;
	double runtime;
	const char *file;
	const char *baseline;
	const char *json;
	const char *csv;
	const char *sweep_key;
	unsigned sweep_vals[64];
	unsigned nsweep;
	int sel[NR_BACKENDS];
	int quiet;
	int mem;
	int costs;
	int no_fork;
	unsigned rounds;
};

static int stop_flag;
static char tmp_path[PATH_MAX];

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ringer-bench [options] [FILE]\n"
		"Runs the same I/O workload through each backend in turn and compares them.\n"
		"Without FILE a temporary file of --size bytes is created and removed.\n"
		"\n"
		"  -b, --backends LIST     comma-separated, or 'all' (default): kernel,user,\n"
		"                          liburing,preload,psync,pool,posixaio,libaio\n"
		"                          (preload: the liburing loop under libringer-preload.so\n"
		"                          with RINGER_BACKEND=user; RINGER_PRELOAD_LIB overrides\n"
		"                          the shim's path)\n"
		"  -d, --depth N           I/Os in flight per thread (default 32)\n"
		"  -s, --submit-batch N    I/Os prepared per submit call (default min(32, depth))\n"
		"  -c, --complete-batch N  completions waited for when full (default min(32, "
		"depth))\n"
		"  -B, --bs SIZE           block size (default 4k; k, m, g suffixes)\n"
		"  -r, --rand              random offsets (default)\n"
		"      --seq               sequential offsets\n"
		"      --read              read (default)\n"
		"  -w, --write             write\n"
		"  -D, --direct            O_DIRECT\n"
		"  -f, --fixed-buffers     registered buffers (READ_FIXED/WRITE_FIXED)\n"
		"  -R, --registered-files  registered file (IOSQE_FIXED_FILE)\n"
		"  -P, --sqpoll            IORING_SETUP_SQPOLL\n"
		"  -I, --iopoll            IORING_SETUP_IOPOLL (needs --direct)\n"
		"  -N, --nop               NOP requests (ring backends only)\n"
		"  -t, --threads N         submitting threads, a ring each (default 1)\n"
		"      --pool-threads N    threads of the pool backend (default min(depth, 4 x "
		"CPUs) x threads)\n"
		"  -T, --runtime SEC       seconds per backend (default 3; fractions allowed)\n"
		"      --rounds N          split each backend's runtime in N slices, the backends\n"
		"                          interleaved A B C C B A ... (default 1)\n"
		"  -S, --size SIZE         file size (default: FILE's size, else 256m)\n"
		"      --baseline NAME     backend the ratios are relative to (default kernel)\n"
		"      --json FILE         write the results as JSON\n"
		"      --csv FILE          write the results as CSV (one line per backend and "
		"run)\n"
		"      --sweep KEY=V,V,..  repeat the comparison for each value of KEY\n"
		"                          (depth, bs, threads, batch)\n"
		"      --mem               resident memory added by a 4096-entry ring per ring\n"
		"                          backend (after a burst of reads), instead of a run\n"
		"      --costs             CPU cost of a system call, a cached pread, a memcpy\n"
		"      --no-fork           run the backends in this process (for profilers);\n"
		"                          by default each runs in a child, so that a crash or\n"
		"                          a hang is reported in its row and the rest still run\n"
		"  -q, --quiet             no live line per second\n"
		"  -h, --help              this text\n"
		"Ring-only options (-f -R -P -I) are ignored by psync, pool, posixaio, libaio.\n");
}

static int parse_u64(const char *s, uint64_t *out, int suffixes)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	if (suffixes && *end) {
		unsigned shift;

		switch (tolower((unsigned char)*end)) {
		case 'k':
			shift = 10;
			break;
		case 'm':
			shift = 20;
			break;
		case 'g':
			shift = 30;
			break;
		default:
			return -1;
		}
		if (v > (ULLONG_MAX >> shift))
			return -1;
		v <<= shift;
		end++;
		if (tolower((unsigned char)*end) == 'i')
			end++;
		if (tolower((unsigned char)*end) == 'b')
			end++;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static int parse_uint(const char *s, unsigned *out, int suffixes, uint64_t max)
{
	uint64_t v;

	if (parse_u64(s, &v, suffixes) || v == 0 || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int find_backend(const char *name)
{
	for (unsigned i = 0; i < NR_BACKENDS; i++)
		if (!strcmp(backends[i].name, name))
			return (int)i;
	return -1;
}

static int parse_backends(struct opts *o, const char *arg)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	int ok = 1;

	memset(o->sel, 0, sizeof(o->sel));
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int i;

		if (!strcmp(tok, "all")) {
			for (i = 0; i < (int)NR_BACKENDS; i++)
				o->sel[i] = 1;
			continue;
		}
		i = find_backend(tok);
		if (i < 0) {
			fprintf(stderr, "ringer-bench: unknown backend '%s'\n", tok);
			ok = 0;
			break;
		}
		o->sel[i] = 1;
	}
	free(copy);
	return ok ? 0 : -1;
}

static int parse_sweep(struct opts *o, const char *arg)
{
	static char key[16];
	const char *eq = strchr(arg, '=');
	char *copy, *tok, *save = NULL;
	int ok = 1;

	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(key))
		return -1;
	memcpy(key, arg, (size_t)(eq - arg));
	key[eq - arg] = 0;
	if (strcmp(key, "depth") && strcmp(key, "bs") && strcmp(key, "threads") &&
	    strcmp(key, "batch"))
		return -1;
	o->sweep_key = key;
	o->nsweep = 0;
	copy = strdup(eq + 1);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned v;

		if (o->nsweep == sizeof(o->sweep_vals) / sizeof(o->sweep_vals[0]) ||
		    parse_uint(tok, &v, !strcmp(key, "bs"), 1u << 30)) {
			ok = 0;
			break;
		}
		o->sweep_vals[o->nsweep++] = v;
	}
	free(copy);
	return ok && o->nsweep ? 0 : -1;
}

static int bad_args(const char *msg, const char *arg)
{
	if (msg)
		fprintf(stderr, "ringer-bench: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
	usage(stderr);
	return 2;
}

enum {
	OPT_SEQ = 256,
	OPT_READ,
	OPT_POOL,
	OPT_BASELINE,
	OPT_JSON,
	OPT_CSV,
	OPT_SWEEP,
	OPT_MEM,
	OPT_ROUNDS,
	OPT_COSTS,
	OPT_NO_FORK,
};

static const struct option long_opts[] = {
	{ "backends", required_argument, NULL, 'b' },
	{ "depth", required_argument, NULL, 'd' },
	{ "submit-batch", required_argument, NULL, 's' },
	{ "complete-batch", required_argument, NULL, 'c' },
	{ "bs", required_argument, NULL, 'B' },
	{ "rand", no_argument, NULL, 'r' },
	{ "seq", no_argument, NULL, OPT_SEQ },
	{ "read", no_argument, NULL, OPT_READ },
	{ "write", no_argument, NULL, 'w' },
	{ "direct", no_argument, NULL, 'D' },
	{ "fixed-buffers", no_argument, NULL, 'f' },
	{ "registered-files", no_argument, NULL, 'R' },
	{ "sqpoll", no_argument, NULL, 'P' },
	{ "iopoll", no_argument, NULL, 'I' },
	{ "nop", no_argument, NULL, 'N' },
	{ "threads", required_argument, NULL, 't' },
	{ "pool-threads", required_argument, NULL, OPT_POOL },
	{ "runtime", required_argument, NULL, 'T' },
	{ "size", required_argument, NULL, 'S' },
	{ "baseline", required_argument, NULL, OPT_BASELINE },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "csv", required_argument, NULL, OPT_CSV },
	{ "sweep", required_argument, NULL, OPT_SWEEP },
	{ "mem", no_argument, NULL, OPT_MEM },
	{ "costs", no_argument, NULL, OPT_COSTS },
	{ "no-fork", no_argument, NULL, OPT_NO_FORK },
	{ "rounds", required_argument, NULL, OPT_ROUNDS },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* 0 to run, 1 to exit 0 (help), 2 for bad arguments (already reported). */
static int parse_args(struct opts *o, int argc, char **argv)
{
	struct bench_cfg *c = &o->cfg;
	uint64_t v;
	char *end;
	int opt;

	memset(o, 0, sizeof(*o));
	c->mode = MODE_READ;
	c->random = 1;
	c->depth = 32;
	c->bs = 4096;
	c->threads = 1;
	o->runtime = 3;
	o->rounds = 1;
	o->baseline = "kernel";
	for (unsigned i = 0; i < NR_BACKENDS; i++)
		o->sel[i] = 1;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":b:d:s:c:B:rwDfRPINt:T:S:qh", long_opts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'b':
			if (parse_backends(o, optarg))
				return bad_args(NULL, NULL);
			break;
		case 'd':
			if (parse_uint(optarg, &c->depth, 0, 4096))
				return bad_args("bad depth (1..4096)", optarg);
			break;
		case 's':
			if (parse_uint(optarg, &c->submit_batch, 0, 4096))
				return bad_args("bad submit batch", optarg);
			o->sb_set = 1;
			break;
		case 'c':
			if (parse_uint(optarg, &c->complete_batch, 0, 4096))
				return bad_args("bad complete batch", optarg);
			o->cb_set = 1;
			break;
		case 'B':
			if (parse_uint(optarg, &c->bs, 1, 64u << 20))
				return bad_args("bad block size (1..64m)", optarg);
			break;
		case 'r':
			c->random = 1;
			break;
		case OPT_SEQ:
			c->random = 0;
			break;
		case OPT_READ:
			if (c->mode != MODE_NOP)
				c->mode = MODE_READ;
			break;
		case 'w':
			if (c->mode != MODE_NOP)
				c->mode = MODE_WRITE;
			break;
		case 'D':
			c->direct = 1;
			break;
		case 'f':
			c->fixed_bufs = 1;
			break;
		case 'R':
			c->reg_files = 1;
			break;
		case 'P':
			c->sqpoll = 1;
			break;
		case 'I':
			c->iopoll = 1;
			break;
		case 'N':
			c->mode = MODE_NOP;
			break;
		case 't':
			if (parse_uint(optarg, &c->threads, 0, 256))
				return bad_args("bad thread count (1..256)", optarg);
			break;
		case OPT_POOL:
			if (parse_uint(optarg, &c->pool_threads, 0, 1024))
				return bad_args("bad pool thread count (1..1024)", optarg);
			o->pool_set = 1;
			break;
		case 'T':
			errno = 0;
			o->runtime = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o->runtime > 0) ||
			    o->runtime > 3600)
				return bad_args("bad runtime (seconds, 0..3600)", optarg);
			break;
		case 'S':
			if (parse_u64(optarg, &v, 1) || !v)
				return bad_args("bad size", optarg);
			c->file_size = v;
			o->size_set = 1;
			break;
		case OPT_BASELINE:
			if (find_backend(optarg) < 0)
				return bad_args("unknown baseline backend", optarg);
			o->baseline = optarg;
			break;
		case OPT_JSON:
			o->json = optarg;
			break;
		case OPT_CSV:
			o->csv = optarg;
			break;
		case OPT_SWEEP:
			if (parse_sweep(o, optarg))
				return bad_args("bad sweep (depth|bs|threads|batch=V,V,...)",
						optarg);
			break;
		case OPT_MEM:
			o->mem = 1;
			break;
		case OPT_COSTS:
			o->costs = 1;
			break;
		case OPT_NO_FORK:
			o->no_fork = 1;
			break;
		case OPT_ROUNDS:
			if (parse_uint(optarg, &o->rounds, 0, 100))
				return bad_args("bad rounds (1..100)", optarg);
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case ':':
			return bad_args("option needs a value", argv[optind - 1]);
		default:
			return bad_args("unknown option", argv[optind - 1]);
		}
	}
	if (optind < argc)
		o->file = argv[optind++];
	if (optind < argc)
		return bad_args("more than one FILE", argv[optind]);
	if (c->direct && c->bs % 512)
		return bad_args("O_DIRECT needs a block size multiple of 512", NULL);
	if (c->iopoll && !c->direct && c->mode != MODE_NOP)
		return bad_args("--iopoll needs --direct", NULL);
	return 0;
}

/* Batches and pool size follow the depth unless given. */
static void derive(struct opts *o)
{
	struct bench_cfg *c = &o->cfg;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if (!o->sb_set)
		c->submit_batch = 32;
	if (!o->cb_set)
		c->complete_batch = 32;
	if (c->submit_batch > c->depth)
		c->submit_batch = c->depth;
	if (c->complete_batch > c->depth)
		c->complete_batch = c->depth;
	if (!o->pool_set) {
		unsigned cap = (unsigned)(ncpu > 0 ? 4 * ncpu : 8);

		c->pool_threads = (c->depth < cap ? c->depth : cap) * c->threads;
	}
}

/*
 * The file: FILE as given (created if absent), or a temporary one that is
 * unlinked as soon as it is open.  Fresh bytes are written (not a sparse
 * hole, which reads as zero pages without touching storage).
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

static int open_file(struct opts *o, int *fd_out)
{
	struct bench_cfg *c = &o->cfg;
	struct stat st;
	int fd, ret;

	if (o->file) {
		fd = open(o->file, O_RDWR | O_CREAT, 0644);
		if (fd < 0 && c->mode == MODE_READ)
			fd = open(o->file, O_RDONLY);
		if (fd < 0) {
			fprintf(stderr, "ringer-bench: %s: %s\n", o->file, strerror(errno));
			return -1;
		}
	} else {
		const char *dir = getenv("TMPDIR");

		snprintf(tmp_path, sizeof(tmp_path), "%s/ringer-bench.XXXXXX",
			 dir && *dir ? dir : "/tmp");
		fd = mkstemp(tmp_path);
		if (fd < 0) {
			fprintf(stderr, "ringer-bench: %s: %s\n", tmp_path, strerror(errno));
			return -1;
		}
		unlink(tmp_path); /* removed when closed, even on a crash */
		if (!o->size_set)
			c->file_size = 256ull << 20;
	}
	if (fstat(fd, &st) < 0) {
		perror("ringer-bench: fstat");
		close(fd);
		return -1;
	}
	if (S_ISREG(st.st_mode)) {
		if (!o->size_set)
			c->file_size = (uint64_t)st.st_size;
		if (!c->file_size)
			c->file_size = 256ull << 20;
		if ((uint64_t)st.st_size < c->file_size) {
			ret = fill(fd, (uint64_t)st.st_size, c->file_size);
			if (ret) {
				fprintf(stderr, "ringer-bench: filling the file: %s\n",
					strerror(-ret));
				close(fd);
				return -1;
			}
			fsync(fd);
		}
	} else {
		off_t end = lseek(fd, 0, SEEK_END);

		if (!o->size_set || (end > 0 && (uint64_t)end < c->file_size))
			c->file_size = end > 0 ? (uint64_t)end : 0;
	}
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

static double hist_pct(const struct hist *h, double p)
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

static void sleep_secs(double s)
{
	struct timespec ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void set_na(struct result *r, const char *fmt, const char *arg)
{
	r->status = ST_NA;
	snprintf(r->reason, sizeof(r->reason), fmt, arg);
}

/*
 * One slice of a backend's run, added to r.  r->be and r->hist are set by
 * the caller; a backend found n/a or failed in an earlier slice is skipped.
 */
static void run_backend(const struct opts *o, int base_fd, const struct backend *be,
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

/* What a child running one slice of a backend sends back, then its histogram. */
struct slice {
	int status;
	char reason[160];
	double secs, usr, sys;
	uint64_t ios, calls;
	long ctxsw;
	unsigned nrounds; /* 0 or 1 */
	double round_iops;
};

/* Read n bytes before the deadline (ns, CLOCK_MONOTONIC): 0, -1 EOF/error, -2 late. */
static int read_until(int fd, void *buf, size_t n, uint64_t deadline)
{
	char *p = buf;

	while (n) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t t = now_ns();
		ssize_t r;
		int ret;

		if (t >= deadline)
			return -2;
		ret = poll(&pfd, 1, (int)((deadline - t) / 1000000 + 1));
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			return -1;
		if (!ret)
			continue;
		r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t r = write(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* waitpid with a deadline (ns, CLOCK_MONOTONIC); kills the child past it. */
static int reap_child(pid_t pid, uint64_t deadline, int *killed)
{
	int st = 0;

	*killed = 0;
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid || (r < 0 && errno != EINTR))
			return st;
		if (now_ns() >= deadline && !*killed) {
			kill(pid, SIGKILL);
			*killed = 1;
		}
		sleep_secs(0.005);
	}
}

/* The child's report: a struct slice, then its histogram. */
static int send_slice(int fd, const struct result *cr)
{
	struct slice sl;

	memset(&sl, 0, sizeof(sl));
	sl.status = cr->status;
	memcpy(sl.reason, cr->reason, sizeof(sl.reason));
	sl.secs = cr->secs;
	sl.usr = cr->usr;
	sl.sys = cr->sys;
	sl.ios = cr->ios;
	sl.calls = cr->calls;
	sl.ctxsw = cr->ctxsw;
	sl.nrounds = cr->nrounds;
	sl.round_iops = cr->nrounds ? cr->round_iops[0] : 0;
	fflush(stdout);
	return write_all(fd, &sl, sizeof(sl)) || write_all(fd, cr->hist, sizeof(*cr->hist));
}

static const char *preload_lib(void)
{
	const char *env = getenv("RINGER_PRELOAD_LIB");

	if (env && *env)
		return env;
#ifdef RINGER_PRELOAD_PATH
	return RINGER_PRELOAD_PATH;
#else
	return "libringer-preload.so";
#endif
}

/* A sanitizer runtime this process is linked with: it must lead LD_PRELOAD. */
static int find_san_rt(struct dl_phdr_info *info, size_t size, void *data)
{
	const char *base = strrchr(info->dlpi_name, '/');

	(void)size;
	base = base ? base + 1 : info->dlpi_name;
	if (!strncmp(base, "libasan.so", 10) || !strncmp(base, "libtsan.so", 10) ||
	    !strncmp(base, "libubsan.so", 11)) {
		snprintf(data, PATH_MAX, "%s", info->dlpi_name);
		return 1;
	}
	return 0;
}

/*
 * The preload backend's child: exec this binary again with the shim in
 * LD_PRELOAD (it installs its seccomp filter at load time, so it cannot be
 * added to a running process) and RINGER_BACKEND=user.  The new image runs
 * only the liburing loop, on the same workload (struct bench_cfg, passed in
 * hex: it is the same binary, hence the same layout) and the same file
 * descriptor, and reports down the inherited pipe as a forked child does.
 * Returns only on failure, with cr set n/a.
 */
static void exec_preload(const struct opts *o, int base_fd, int pipe_fd, double runtime,
			 struct result *cr)
{
	static char san[PATH_MAX];
	char arg[64 + 2 * sizeof(struct bench_cfg)], *pre;
	const unsigned char *cfg = (const unsigned char *)&o->cfg;
	const char *old = getenv("LD_PRELOAD");
	size_t len, n;

	/* exec keeps only descriptors without close-on-exec */
	if (fcntl(pipe_fd, F_SETFD, 0) || (base_fd >= 0 && fcntl(base_fd, F_SETFD, 0)))
		return set_na(cr, "fcntl: %s", strerror(errno));
	len = (size_t)snprintf(arg, sizeof(arg), "--preload-child=%d:%d:%d:%.6f:", pipe_fd,
			       base_fd, o->quiet, runtime);
	for (n = 0; n < sizeof(o->cfg); n++)
		len += (size_t)snprintf(arg + len, sizeof(arg) - len, "%02x", cfg[n]);
	san[0] = 0;
	dl_iterate_phdr(find_san_rt, san);
	n = strlen(san) + strlen(preload_lib()) + (old ? strlen(old) : 0) + 3;
	pre = malloc(n);
	if (!pre)
		return set_na(cr, "%s", "out of memory");
	snprintf(pre, n, "%s%s%s%s%s", san, san[0] ? ":" : "", preload_lib(),
		 old && *old ? ":" : "", old && *old ? old : "");
	if (setenv("LD_PRELOAD", pre, 1) || setenv("RINGER_BACKEND", "user", 1)) {
		free(pre);
		return set_na(cr, "%s", "setenv failed");
	}
	free(pre);
	fflush(stdout);
	execl("/proc/self/exe", "ringer-bench", arg, (char *)NULL);
	set_na(cr, "exec /proc/self/exe: %s", strerror(errno));
}

/* --preload-child=PIPE:FD:QUIET:RUNTIME:CFG: the re-exec'd image's whole job. */
static int preload_child(const char *spec)
{
	struct opts o;
	struct result cr;
	double runtime;
	unsigned char *cfg = (unsigned char *)&o.cfg;
	int pipe_fd, base_fd, quiet, pos = 0, ret;

	memset(&o, 0, sizeof(o));
	memset(&cr, 0, sizeof(cr));
	if (sscanf(spec, "%d:%d:%d:%lf:%n", &pipe_fd, &base_fd, &quiet, &runtime, &pos) != 4 ||
	    !pos || strlen(spec + pos) != 2 * sizeof(o.cfg))
		return 2;
	for (size_t i = 0; i < sizeof(o.cfg); i++) {
		unsigned v;

		if (sscanf(spec + pos + 2 * i, "%2x", &v) != 1)
			return 2;
		cfg[i] = (unsigned char)v;
	}
	o.quiet = quiet;
	setvbuf(stdout, NULL, _IOLBF, 0);
	cr.be = &backends[find_backend("preload")];
	cr.hist = calloc(1, sizeof(*cr.hist));
	if (!cr.hist)
		return 1;
	run_backend(&o, base_fd, cr.be, &cr, runtime);
	ret = send_slice(pipe_fd, &cr) ? 1 : 0;
	free(cr.hist);
	return ret;
}

/*
 * One slice of a backend in a child process, so that an executor that
 * crashes or hangs (the user engine is young) costs its own row and not the
 * whole table.  The child gets the runtime plus 30 s to report and 30 s more
 * to exit; its getrusage(RUSAGE_SELF) covers exactly the backend's threads.
 */
static void run_isolated(const struct opts *o, int base_fd, const struct backend *be,
			 struct result *r, double runtime)
{
	const uint64_t grace = 30000000000ull;
	struct slice sl;
	struct hist *h;
	uint64_t deadline;
	int p[2], st, killed, ret;
	pid_t pid;

	if (r->status == ST_OK && be->fn && !strcmp(be->name, "preload")) {
		if (o->no_fork)
			return set_na(r, "%s", "runs in a re-exec'd child (not with --no-fork)");
		if (access(preload_lib(), R_OK))
			return set_na(r, "shim not found: %s", preload_lib());
	}
	if (o->no_fork || r->status != ST_OK) {
		run_backend(o, base_fd, be, r, runtime);
		return;
	}
	h = calloc(1, sizeof(*h));
	if (!h || pipe2(p, O_CLOEXEC)) {
		free(h);
		set_na(r, "%s", "out of memory or descriptors");
		return;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		free(h);
		set_na(r, "%s", "fork failed");
		return;
	}
	if (!pid) {
		struct result cr;

		close(p[0]);
		memset(&cr, 0, sizeof(cr));
		cr.be = be;
		cr.hist = h;
		if (!strcmp(be->name, "preload"))
			exec_preload(o, base_fd, p[1], runtime, &cr);
		else
			run_backend(o, base_fd, be, &cr, runtime);
		_exit(send_slice(p[1], &cr) ? 1 : 0);
	}
	close(p[1]);
	deadline = now_ns() + (uint64_t)(runtime * 1e9) + grace;
	ret = read_until(p[0], &sl, sizeof(sl), deadline);
	if (!ret)
		ret = read_until(p[0], h, sizeof(*h), deadline);
	close(p[0]);
	st = reap_child(pid, ret == -2 ? 0 : now_ns() + grace, &killed);
	if (ret) {
		r->status = ST_ERR;
		if (ret == -2)
			snprintf(r->reason, sizeof(r->reason),
				 "hung: no result 30 s after its runtime (killed)");
		else if (WIFSIGNALED(st))
			snprintf(r->reason, sizeof(r->reason), "crashed: signal %d (%s)",
				 WTERMSIG(st), strsignal(WTERMSIG(st)));
		else
			snprintf(r->reason, sizeof(r->reason), "child exited %d without a result",
				 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	} else {
		if (killed)
			fprintf(stderr, "ringer-bench: %s: teardown hung for 30 s, killed\n",
				be->name);
		if (sl.status != ST_OK) {
			r->status = (enum status)sl.status;
			memcpy(r->reason, sl.reason, sizeof(r->reason));
			r->reason[sizeof(r->reason) - 1] = 0;
		}
		r->secs += sl.secs;
		r->usr += sl.usr;
		r->sys += sl.sys;
		r->ios += sl.ios;
		r->calls += sl.calls;
		r->ctxsw += sl.ctxsw;
		if (sl.nrounds && r->nrounds < 100)
			r->round_iops[r->nrounds++] = sl.round_iops;
		for (unsigned b = 0; b < HIST_BUCKETS; b++)
			r->hist->b[b] += h->b[b];
		r->hist->count += h->count;
	}
	free(h);
}

/* Machine description, for the table header and the JSON. */
static char cpu_model[128] = "unknown";
static char kernel_rel[256] = "unknown";
static long ncpus;

static void machine_info(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	struct utsname u;
	char line[256];

	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "model name", 10)) {
			char *p = strchr(line, ':');

			if (p) {
				p++;
				while (*p == ' ' || *p == '\t')
					p++;
				p[strcspn(p, "\n")] = 0;
				snprintf(cpu_model, sizeof(cpu_model), "%s", p);
			}
			break;
		}
	}
	if (f)
		fclose(f);
	if (!uname(&u))
		snprintf(kernel_rel, sizeof(kernel_rel), "%s %s", u.sysname, u.release);
	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
}

static const char *mode_name(const struct bench_cfg *c)
{
	if (c->mode == MODE_NOP)
		return "nop";
	if (c->mode == MODE_READ)
		return c->random ? "randread" : "read";
	return c->random ? "randwrite" : "write";
}

static void describe(const struct opts *o, char *buf, size_t len)
{
	const struct bench_cfg *c = &o->cfg;

	snprintf(buf, len,
		 "%s bs=%u depth=%u batch=%u/%u threads=%u%s%s%s%s%s%s runtime=%.1fs rounds=%u",
		 mode_name(c), c->bs, c->depth, c->submit_batch, c->complete_batch, c->threads,
		 c->direct ? " O_DIRECT" : "", c->mode != MODE_NOP && !c->direct ? " buffered" : "",
		 c->fixed_bufs ? " fixed-buffers" : "", c->reg_files ? " registered-files" : "",
		 c->sqpoll ? " sqpoll" : "", c->iopoll ? " iopoll" : "", o->runtime, o->rounds);
}

/* Relative standard deviation of the per-round IOPS, in percent. */
static double spread_of(const struct result *r)
{
	double mean = 0, var = 0;

	if (r->nrounds < 2)
		return 0;
	for (unsigned i = 0; i < r->nrounds; i++)
		mean += r->round_iops[i];
	mean /= r->nrounds;
	for (unsigned i = 0; i < r->nrounds; i++)
		var += (r->round_iops[i] - mean) * (r->round_iops[i] - mean);
	var /= r->nrounds - 1;
	return mean > 0 ? 100.0 * sqrt(var) / mean : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Median over rounds of this backend's IOPS over the baseline's in the same
 * round: the rounds are interleaved, so each pair ran close in time and the
 * median resists the load spikes of a shared machine.  0 when not defined.
 */
static double paired_ratio(const struct result *r, const struct result *base)
{
	double q[100];
	unsigned n = 0;

	if (!base || r->nrounds != base->nrounds || r->nrounds < 2)
		return 0;
	for (unsigned i = 0; i < r->nrounds; i++)
		if (base->round_iops[i] > 0)
			q[n++] = r->round_iops[i] / base->round_iops[i];
	if (!n)
		return 0;
	qsort(q, n, sizeof(q[0]), cmp_double);
	return n % 2 ? q[n / 2] : (q[n / 2 - 1] + q[n / 2]) / 2;
}

/* CPU time (all threads of the process, user + system) per I/O, in us. */
static double cpu_per_io(const struct result *r)
{
	return r->status == ST_OK && r->ios ? (r->usr + r->sys) * 1e6 / (double)r->ios : 0;
}

static double iops_of(const struct result *r)
{
	return r->status == ST_OK && r->secs > 0 ? (double)r->ios / r->secs : 0;
}

static const struct result *baseline_of(const struct opts *o, const struct result *rs, unsigned nr)
{
	for (unsigned i = 0; i < nr; i++)
		if (!strcmp(rs[i].be->name, o->baseline) && rs[i].status == ST_OK && rs[i].ios)
			return &rs[i];
	return NULL;
}

static void print_table(const struct opts *o, const struct result *rs, unsigned nr)
{
	const struct bench_cfg *c = &o->cfg;
	const struct result *base = baseline_of(o, rs, nr);
	char desc[256];

	describe(o, desc, sizeof(desc));
	printf("\n== %s", desc);
	if (c->mode != MODE_NOP)
		printf(" file=%s (%llu MiB)", o->file ? o->file : "(temporary)",
		       (unsigned long long)(c->file_size >> 20));
	printf("\n%-9s %10s %5s %9s %7s %7s %8s %8s %7s %8s %8s %9s %7s %7s\n", "backend", "IOPS",
	       "+-%", "MiB/s", "usr s", "sys s", "ctxsw", "calls/IO", "cpu/IO", "p50 us", "p99 us",
	       "p99.9 us", "ratio", "med");
	for (unsigned i = 0; i < nr; i++) {
		const struct result *r = &rs[i];
		double iops = iops_of(r);

		if (r->status == ST_NA) {
			printf("%-9s n/a: %s\n", r->be->name, r->reason);
			continue;
		}
		if (r->status == ST_ERR) {
			printf("%-9s error: %s\n", r->be->name, r->reason);
			continue;
		}
		printf("%-9s %10.0f %5.1f %9.1f %7.2f %7.2f %8ld %8.3f %7.3f %8.1f %8.1f %9.1f",
		       r->be->name, iops, spread_of(r),
		       c->mode == MODE_NOP ? 0.0 : iops * c->bs / 1048576.0, r->usr, r->sys,
		       r->ctxsw, r->ios ? (double)r->calls / (double)r->ios : 0.0, cpu_per_io(r),
		       r->p50, r->p99, r->p999);
		if (base)
			printf(" %6.2fx", iops / iops_of(base));
		else
			printf(" %7s", "-");
		if (paired_ratio(r, base) > 0)
			printf(" %6.2fx", paired_ratio(r, base));
		else
			printf(" %7s", "-");
		printf("\n");
	}
	if (base)
		printf("ratio = IOPS / IOPS of %s; ", o->baseline);
	else
		printf("ratio: the baseline %s did not run; ", o->baseline);
	printf("med = median of the per-round ratios;\n"
	       "+-%% = relative std. deviation of the per-round IOPS;\n"
	       "calls/IO = io_uring_submit* calls (ring backends) or I/O calls (others) "
	       "per I/O;\n"
	       "cpu/IO = CPU us (user + system, all threads) per I/O.\n");
	fflush(stdout);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void json_run(FILE *f, const struct opts *o, const struct result *rs, unsigned nr, int first)
{
	const struct bench_cfg *c = &o->cfg;
	const struct result *base = baseline_of(o, rs, nr);

	fprintf(f,
		"%s\n    {\n      \"workload\": {\"mode\": \"%s\", \"bs\": %u, "
		"\"depth\": %u, \"submit_batch\": %u, \"complete_batch\": %u, "
		"\"threads\": %u, \"pool_threads\": %u, \"direct\": %s, "
		"\"fixed_buffers\": %s, \"registered_files\": %s, \"sqpoll\": %s, "
		"\"iopoll\": %s, \"runtime_s\": %.3f, \"rounds\": %u, \"file_size\": %llu, "
		"\"file\": ",
		first ? "" : ",", mode_name(c), c->bs, c->depth, c->submit_batch, c->complete_batch,
		c->threads, c->pool_threads, c->direct ? "true" : "false",
		c->fixed_bufs ? "true" : "false", c->reg_files ? "true" : "false",
		c->sqpoll ? "true" : "false", c->iopoll ? "true" : "false", o->runtime, o->rounds,
		(unsigned long long)(c->mode == MODE_NOP ? 0 : c->file_size));
	if (o->file)
		json_str(f, o->file);
	else
		fprintf(f, "null");
	fprintf(f, "},\n      \"baseline\": ");
	json_str(f, o->baseline);
	fprintf(f, ",\n      \"results\": [");
	for (unsigned i = 0; i < nr; i++) {
		const struct result *r = &rs[i];
		double iops = iops_of(r);

		fprintf(f, "%s\n        {\"backend\": ", i ? "," : "");
		json_str(f, r->be->name);
		fprintf(f, ", \"status\": \"%s\"",
			r->status == ST_OK   ? "ok"
			: r->status == ST_NA ? "n/a"
					     : "error");
		if (r->status != ST_OK) {
			fprintf(f, ", \"reason\": ");
			json_str(f, r->reason);
			fprintf(f, "}");
			continue;
		}
		fprintf(f,
			", \"seconds\": %.3f, \"ios\": %llu, \"iops\": %.1f, "
			"\"mib_s\": %.2f, \"usr_s\": %.3f, \"sys_s\": %.3f, "
			"\"ctxsw\": %ld, \"calls_per_io\": %.4f, \"cpu_us_per_io\": %.4f, "
			"\"lat_p50_us\": %.2f, "
			"\"lat_p99_us\": %.2f, \"lat_p999_us\": %.2f, \"iops_rsd_pct\": %.2f, "
			"\"round_iops\": [",
			r->secs, (unsigned long long)r->ios, iops,
			c->mode == MODE_NOP ? 0.0 : iops * c->bs / 1048576.0, r->usr, r->sys,
			r->ctxsw, r->ios ? (double)r->calls / (double)r->ios : 0.0, cpu_per_io(r),
			r->p50, r->p99, r->p999, spread_of(r));
		for (unsigned k = 0; k < r->nrounds; k++)
			fprintf(f, "%s%.1f", k ? ", " : "", r->round_iops[k]);
		fprintf(f, "], \"ratio\": ");
		if (base)
			fprintf(f, "%.4f", iops / iops_of(base));
		else
			fprintf(f, "null");
		fprintf(f, ", \"ratio_median_of_rounds\": ");
		if (paired_ratio(r, base) > 0)
			fprintf(f, "%.4f", paired_ratio(r, base));
		else
			fprintf(f, "null");
		/* > 1: fewer CPU seconds per I/O than the baseline */
		fprintf(f, ", \"cpu_ratio\": ");
		if (base && cpu_per_io(r) > 0)
			fprintf(f, "%.4f}", cpu_per_io(base) / cpu_per_io(r));
		else
			fprintf(f, "null}");
	}
	fprintf(f, "\n      ]\n    }");
}

static void csv_run(FILE *f, const struct opts *o, const struct result *rs, unsigned nr)
{
	const struct bench_cfg *c = &o->cfg;
	const struct result *base = baseline_of(o, rs, nr);

	for (unsigned i = 0; i < nr; i++) {
		const struct result *r = &rs[i];
		double iops = iops_of(r);

		fprintf(f, "%s,%u,%u,%u,%u,%u,%s,%s,", mode_name(c), c->direct, c->bs, c->depth,
			c->submit_batch, c->threads, r->be->name,
			r->status == ST_OK   ? "ok"
			: r->status == ST_NA ? "n/a"
					     : "error");
		if (r->status != ST_OK) {
			fprintf(f, ",,,,,,,,,,\n");
			continue;
		}
		fprintf(f, "%.1f,%.2f,%.3f,%.3f,%ld,%.4f,%.2f,%.2f,%.2f,", iops,
			c->mode == MODE_NOP ? 0.0 : iops * c->bs / 1048576.0, r->usr, r->sys,
			r->ctxsw, r->ios ? (double)r->calls / (double)r->ios : 0.0, r->p50, r->p99,
			r->p999);
		if (base)
			fprintf(f, "%.4f", iops / iops_of(base));
		fprintf(f, ",%.4f\n", cpu_per_io(r));
	}
}

static uint64_t rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long size = 0, res = 0;

	if (f) {
		if (fscanf(f, "%lu %lu", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

static long proc_threads(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	long n = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %ld", &n) == 1)
			break;
	if (f)
		fclose(f);
	return n;
}

/* Queue `entries` 4 KiB reads of fd at once and reap them all. */
static int mem_burst(struct io_uring *ring, int fd, char *buf, unsigned entries, long *max_threads)
{
	struct io_uring_cqe *cqe;
	unsigned i, done = 0;
	long t;
	int ret;

	for (i = 0; i < entries; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

		if (!sqe)
			break;
		/* one buffer for all: the data is not looked at */
		io_uring_prep_read(sqe, fd, buf, 4096, (uint64_t)i * 4096);
	}
	ret = io_uring_submit(ring);
	t = proc_threads();
	if (t > *max_threads)
		*max_threads = t;
	while (ret >= 0 && done < i) {
		ret = io_uring_wait_cqe(ring, &cqe);
		if (!ret) {
			if (cqe->res < 0)
				ret = cqe->res;
			io_uring_cqe_seen(ring, cqe);
			done++;
		}
	}
	return ret < 0 ? ret : 0;
}

/*
 * --mem: resident memory a 4096-entry ring adds, with its executor busy:
 * 4096 cached reads queued at once, then (where the filesystem takes
 * O_DIRECT) 4096 O_DIRECT reads, which the user engine hands to its workers.
 * Measured from /proc/self/statm before setup and after the reads, the ring
 * still open; the thread count is the highest seen right after a submit.
 */
static int mem_report(int fd)
{
	static const enum ringer_backend bes[] = { RINGER_BACKEND_KERNEL, RINGER_BACKEND_USER };
	const unsigned entries = 4096;
	char path[64], *buf;
	int dfd;

	if (posix_memalign((void **)&buf, 4096, 4096))
		return 1;
	memset(buf, 0, 4096);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	dfd = open(path, O_RDONLY | O_DIRECT);
	printf("\n== resident memory of a %u-entry ring after %u queued cached 4 KiB reads%s\n",
	       entries, entries, dfd >= 0 ? " and as many O_DIRECT reads" : "");
	for (unsigned b = 0; b < 2; b++) {
		const char *name = ringer_backend_name(bes[b]);
		struct io_uring ring;
		struct io_uring_params p;
		uint64_t before = rss_bytes(), after;
		long threads0 = proc_threads(), threads = threads0;
		int ret;

		memset(&p, 0, sizeof(p));
		ret = ringer_queue_init_backend(entries, &ring, &p, bes[b]);
		if (ret < 0) {
			printf("%-9s n/a: io_uring_queue_init: %s\n", name, strerror(-ret));
			continue;
		}
		ret = mem_burst(&ring, fd, buf, entries, &threads);
		if (!ret && dfd >= 0)
			ret = mem_burst(&ring, dfd, buf, entries, &threads);
		after = rss_bytes();
		if (ret < 0)
			printf("%-9s error: %s\n", name, strerror(-ret));
		else
			printf("%-9s %8.2f MiB resident added, %ld threads added\n", name,
			       (double)(after - before) / 1048576.0, threads - threads0);
		io_uring_queue_exit(&ring);
	}
	if (dfd >= 0)
		close(dfd);
	free(buf);
	return 0;
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * --costs: the prices that bound every backend here, in CPU time of this
 * thread (not wall time: on a shared machine the wall clock counts other
 * sessions' slices), best of 5 rounds: a system call that does nothing, a
 * cached 4 KiB pread (the user engine's unit of work for a cached read),
 * and a 4 KiB memcpy (what the copy itself costs).
 */
static int costs_report(int fd)
{
	const unsigned n = 200000;
	double best[3] = { 1e9, 1e9, 1e9 };
	char *buf, *src;

	if (posix_memalign((void **)&buf, 4096, 4096) || posix_memalign((void **)&src, 4096, 4096))
		return 1;
	memset(src, 1, 4096);
	for (int r = 0; r < 5; r++) {
		uint64_t t = cpu_ns();
		double v;

		for (unsigned i = 0; i < n; i++)
			syscall(SYS_getppid);
		v = (double)(cpu_ns() - t) / n;
		best[0] = v < best[0] ? v : best[0];
		t = cpu_ns();
		for (unsigned i = 0; i < n; i++)
			if (pread(fd, buf, 4096, (off_t)(i % 16) * 4096) != 4096)
				return 1;
		v = (double)(cpu_ns() - t) / n;
		best[1] = v < best[1] ? v : best[1];
		t = cpu_ns();
		for (unsigned i = 0; i < n; i++) {
			memcpy(buf, src, 4096);
			__asm__ volatile("" : : "r"(buf) : "memory");
		}
		v = (double)(cpu_ns() - t) / n;
		best[2] = v < best[2] ? v : best[2];
	}
	printf("\n== CPU cost per call (best of 5 x %u, CLOCK_THREAD_CPUTIME_ID)\n", n);
	printf("system call (getppid)      %8.0f ns\n", best[0]);
	printf("pread 4 KiB, page cache    %8.0f ns\n", best[1]);
	printf("memcpy 4 KiB               %8.0f ns\n", best[2]);
	free(buf);
	free(src);
	return 0;
}

static void apply_sweep(struct opts *o, unsigned v)
{
	struct bench_cfg *c = &o->cfg;

	if (!strcmp(o->sweep_key, "depth"))
		c->depth = v;
	else if (!strcmp(o->sweep_key, "bs"))
		c->bs = v;
	else if (!strcmp(o->sweep_key, "threads"))
		c->threads = v;
	else if (!strcmp(o->sweep_key, "batch")) {
		c->submit_batch = c->complete_batch = v;
		o->sb_set = o->cb_set = 1;
	}
}

int main(int argc, char **argv)
{
	struct opts o;
	struct result rs[NR_BACKENDS];
	FILE *json = NULL, *csv = NULL;
	unsigned nruns, run;
	int fd = -1, ret;
	struct opts base;

	if (argc == 2 && !strncmp(argv[1], "--preload-child=", 16))
		return preload_child(argv[1] + 16);
	ret = parse_args(&o, argc, argv);
	if (ret)
		return ret == 1 ? 0 : ret;
	if (o.sweep_key && !strcmp(o.sweep_key, "bs") && o.cfg.direct)
		for (unsigned i = 0; i < o.nsweep; i++)
			if (o.sweep_vals[i] % 512)
				return bad_args("O_DIRECT needs block sizes multiple of 512", NULL);
	machine_info();
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ringer-bench: %s, %ld CPUs, %s\n", cpu_model, ncpus, kernel_rel);

	if (o.cfg.mode != MODE_NOP || o.mem || o.costs) {
		if ((o.mem || o.costs) && !o.size_set && !o.file) {
			o.cfg.file_size = 16ull << 20;
			o.size_set = 1;
		}
		if (open_file(&o, &fd))
			return 1;
	}
	if (o.mem || o.costs) {
		ret = o.costs ? costs_report(fd) : 0;
		if (!ret && o.mem)
			ret = mem_report(fd);
		close(fd);
		return ret;
	}
	if (o.sweep_key && !o.csv) {
		o.csv = "ringer-bench-sweep.csv";
		printf("sweep results also in %s\n", o.csv);
	}
	if (o.json) {
		json = fopen(o.json, "w");
		if (!json) {
			fprintf(stderr, "ringer-bench: %s: %s\n", o.json, strerror(errno));
			return 1;
		}
		fprintf(json, "{\n  \"machine\": {\"cpu\": ");
		json_str(json, cpu_model);
		fprintf(json, ", \"cpus\": %ld, \"kernel\": ", ncpus);
		json_str(json, kernel_rel);
		fprintf(json, "},\n  \"runs\": [");
	}
	if (o.csv) {
		csv = fopen(o.csv, "w");
		if (!csv) {
			fprintf(stderr, "ringer-bench: %s: %s\n", o.csv, strerror(errno));
			return 1;
		}
		fprintf(csv, "mode,direct,bs,depth,batch,threads,backend,status,iops,mib_s,"
			     "usr_s,sys_s,ctxsw,calls_per_io,p50_us,p99_us,p999_us,ratio,"
			     "cpu_us_per_io\n");
	}

	base = o;
	nruns = o.sweep_key ? o.nsweep : 1;
	for (run = 0; run < nruns; run++) {
		static unsigned written;
		unsigned nr = 0;
		char desc[256];

		o = base;
		if (o.sweep_key) {
			apply_sweep(&o, o.sweep_vals[run]);
			if (o.cfg.bs > o.cfg.file_size) {
				fprintf(stderr, "ringer-bench: bs %u larger than the file\n",
					o.cfg.bs);
				continue;
			}
		}
		derive(&o);
		describe(&o, desc, sizeof(desc));
		printf("\n-- %s\n", desc);
		for (unsigned i = 0; i < NR_BACKENDS; i++) {
			if (!o.sel[i])
				continue;
			memset(&rs[nr], 0, sizeof(rs[nr]));
			rs[nr].be = &backends[i];
			rs[nr].hist = calloc(1, sizeof(struct hist));
			if (!rs[nr].hist) {
				perror("ringer-bench");
				return 1;
			}
			nr++;
		}
		/*
		 * Rounds interleave the backends in A B C C B A order, so that a
		 * drift of the shared machine's load hits them all alike.
		 */
		for (unsigned rd = 0; rd < o.rounds; rd++)
			for (unsigned k = 0; k < nr; k++) {
				unsigned j = rd % 2 ? nr - 1 - k : k;

				run_isolated(&o, fd, rs[j].be, &rs[j], o.runtime / o.rounds);
			}
		for (unsigned k = 0; k < nr; k++) {
			rs[k].p50 = hist_pct(rs[k].hist, 0.50);
			rs[k].p99 = hist_pct(rs[k].hist, 0.99);
			rs[k].p999 = hist_pct(rs[k].hist, 0.999);
		}
		print_table(&o, rs, nr);
		if (json)
			json_run(json, &o, rs, nr, written++ == 0);
		if (csv)
			csv_run(csv, &o, rs, nr);
		for (unsigned k = 0; k < nr; k++)
			free(rs[k].hist);
	}
	if (json) {
		fprintf(json, "\n  ]\n}\n");
		fclose(json);
	}
	if (csv)
		fclose(csv);
	if (fd >= 0)
		close(fd);
	return 0;
}
