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
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ringer.h"
#include "bench-sync.h"
#include "ringer-bench.h"

const struct backend backends[] = {
	{ "kernel", KIND_RING, ringer_ring_worker, RINGER_BACKEND_KERNEL, NULL },
	{ "user", KIND_RING, ringer_ring_worker, RINGER_BACKEND_USER, NULL },
	/* the user engine again, tracing every request (RINGER_TRACE): the
	 * cost of ringer-trace, in a forked child that sets the variable */
	{ "trace", KIND_RING, ringer_ring_worker, RINGER_BACKEND_USER, NULL },
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
_Static_assert(sizeof(backends) / sizeof(backends[0]) == NR_BACKENDS, "NR_BACKENDS");

int main(int argc, char **argv)
{
	struct opts o;
	struct result rs[NR_BACKENDS];
	FILE *json = NULL, *csv = NULL;
	unsigned nruns, run;
	int fd = -1, ret, failed = 0;
	struct opts base;

	if (argc == 2 && !strncmp(argv[1], "--preload-child=", 16))
		return preload_child(argv[1] + 16);
	/* the network mode (bench-net.c): its own options */
	if (argc >= 2 && !strcmp(argv[1], "net"))
		return net_main(argc - 1, argv + 1);
	ret = parse_args(&o, argc, argv);
	if (ret)
		return ret == 1 ? 0 : ret;
	if (o.sweep_key && !strcmp(o.sweep_key, "bs") && o.cfg.direct)
		for (unsigned i = 0; i < o.nsweep; i++)
			if (o.sweep_vals[i] % 512)
				return bad_args("O_DIRECT needs block sizes multiple of 512", NULL);
	machine_info();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (o.sqpoll_idle > 0) {
		print_machine();
		return sqpoll_idle_report(o.sqpoll_idle);
	}

	/* FILE refused (missing, empty, a directory, ...) before any output */
	if (o.cfg.mode != MODE_NOP || o.mem || o.costs) {
		if ((o.mem || o.costs) && !o.size_set && !o.file) {
			o.cfg.file_size = 16ull << 20;
			o.size_set = 1;
		}
		if (open_file(&o, &fd))
			return 1;
	}
	print_machine();
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
		json_begin(json);
	}
	if (o.csv) {
		csv = fopen(o.csv, "w");
		if (!csv) {
			fprintf(stderr, "ringer-bench: %s: %s\n", o.csv, strerror(errno));
			return 1;
		}
		csv_begin(csv);
	}

	base = o;
	nruns = o.sweep_key ? o.nsweep : 1;
	for (run = 0; run < nruns; run++) {
		static unsigned written;
		unsigned nr = 0, nok = 0;

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
		print_workload(&o);
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
		for (unsigned k = 0; k < nr; k++)
			nok += rs[k].status == ST_OK;
		if (!nok) {
			fprintf(stderr, "ringer-bench: no backend ran (%s)\n",
				nr ? "every row above is n/a or an error" : "none selected");
			failed = 1;
		}
		if (json)
			json_run(json, &o, rs, nr, written++ == 0);
		if (csv)
			csv_run(csv, &o, rs, nr);
		for (unsigned k = 0; k < nr; k++)
			free(rs[k].hist);
	}
	if (json) {
		json_end(json);
		fclose(json);
	}
	if (csv)
		fclose(csv);
	if (fd >= 0)
		close(fd);
	return failed;
}
