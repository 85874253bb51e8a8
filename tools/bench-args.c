/* SPDX-License-Identifier: MIT */
/*
 * ringer-bench: the command line (options, backends, sweeps) and what
 * follows from it.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ringer-bench.h"
#include "ringer-cli.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ringer-bench [options] [FILE]\n"
		"       ringer-bench net [options]   (the network mode: 'net --help')\n"
		"Runs the same I/O workload through each backend in turn and compares them.\n"
		"Without FILE a temporary file of --size bytes is created and removed.\n"
		"FILE must exist (a regular file or a block device): it is never created\n"
		"or grown, and --size may only use less of it.  Writes (-w) to FILE\n"
		"overwrite its data: they need --write-ok.\n"
		"\n"
		"  -b, --backends LIST     comma-separated, or 'all' (default): kernel,user,\n"
		"                          trace,liburing,preload,psync,pool,posixaio,libaio\n"
		"                          (trace: user with every request traced to\n"
		"                          RINGER_BENCH_TRACE, default /dev/null)\n"
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
		"  -w, --write             write (to FILE only with --write-ok)\n"
		"      --write-ok          allow -w to overwrite FILE's data\n"
		"  -D, --direct            O_DIRECT\n"
		"  -f, --fixed-buffers     registered buffers (READ_FIXED/WRITE_FIXED)\n"
		"  -R, --registered-files  registered file (IOSQE_FIXED_FILE)\n"
		"  -P, --sqpoll            IORING_SETUP_SQPOLL\n"
		"  -I, --iopoll            IORING_SETUP_IOPOLL (needs --direct)\n"
		"  -N, --nop               NOP requests (ring backends only)\n"
		"  -t, --threads N         submitting threads, a ring each (default 1)\n"
		"      --pool-threads N    threads of the pool backend (default min(depth, 4 x "
		"CPUs) x threads)\n"
		"  -T, --runtime SEC       seconds per backend, more than 0 and at most 3600\n"
		"                          (default 3; fractions allowed)\n"
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
		"      --sqpoll-idle SEC   CPU time an SQPOLL ring's threads take over SEC s\n"
		"                          (more than 0, at most 600) without work after one\n"
		"                          NOP, per ring backend, and whether\n"
		"                          IORING_SQ_NEED_WAKEUP is set then\n"
		"      --no-fork           run the backends in this process (for profilers);\n"
		"                          by default each runs in a child, so that a crash or\n"
		"                          a hang is reported in its row and the rest still run\n"
		"  -q, --quiet             no live line per second\n"
		"  -h, --help              this text\n"
		"      --version           the version\n"
		"Ring-only options (-f -R -P -I) are ignored by psync, pool, posixaio, libaio.\n"
		"RINGER_BACKEND (kernel, user, auto) is not read: -b names the backends, and\n"
		"kernel and user are ringer's two.  The exit status is 0 when every table had\n"
		"a backend with figures, 1 when none ran (or FILE is refused), 2 on bad usage.\n");
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

int find_backend(const char *name)
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
			bad_args("unknown backend", tok);
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

int bad_args(const char *msg, const char *arg)
{
	return ringer_cli_bad("ringer-bench", msg, arg);
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
	OPT_SQPOLL_IDLE,
	OPT_WRITE_OK,
	OPT_VERSION,
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
	{ "sqpoll-idle", required_argument, NULL, OPT_SQPOLL_IDLE },
	{ "rounds", required_argument, NULL, OPT_ROUNDS },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "write-ok", no_argument, NULL, OPT_WRITE_OK },
	{ NULL, 0, NULL, 0 },
};

/* 0 to run, 1 to exit 0 (help), 2 for bad arguments (already reported). */
int parse_args(struct opts *o, int argc, char **argv)
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
				return 2;
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
				return bad_args("bad runtime (seconds, more than 0, at most 3600)",
						optarg);
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
		case OPT_SQPOLL_IDLE:
			errno = 0;
			o->sqpoll_idle = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o->sqpoll_idle > 0) ||
			    o->sqpoll_idle > 600)
				return bad_args(
					"bad --sqpoll-idle (seconds, more than 0, at most 600)",
					optarg);
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
		case OPT_VERSION:
			ringer_cli_version("ringer-bench");
			return 1;
		case OPT_WRITE_OK:
			o->write_ok = 1;
			break;
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
	if (o->file && c->mode == MODE_WRITE && !o->write_ok) {
		fprintf(stderr,
			"ringer-bench: -w overwrites the data of %s; add --write-ok to allow it, "
			"or give no FILE to write to a temporary file\n",
			o->file);
		return 2;
	}
	return 0;
}

/* Batches and pool size follow the depth unless given. */
void derive(struct opts *o)
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

void apply_sweep(struct opts *o, unsigned v)
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
