/* SPDX-License-Identifier: MIT */
/*
 * ringer-bench's driver, shared by its files: the backends, the options, a
 * backend's result, and what each file does for the others.
 *
 *   ringer-bench.c   the backends and main(): runs, rounds, sweeps
 *   bench-args.c     the command line
 *   bench-run.c      the file, and one slice of a backend in this process
 *   bench-isolate.c  a slice in a child (forked, or re-exec'd under the shim)
 *   bench-report.c   the table, JSON and CSV
 *   bench-probes.c   --mem and --costs
 *
 * The workers (bench-uring.c, bench-sync.c) see only bench.h.
 */
#ifndef RINGER_BENCH_DRIVER_H
#define RINGER_BENCH_DRIVER_H

#include <stdio.h>

#include "bench.h"

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

/* kernel, user, trace, liburing, preload, psync, pool, posixaio, libaio */
#define NR_BACKENDS 9
extern const struct backend backends[NR_BACKENDS];

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
	int write_ok; /* --write-ok: -w may overwrite FILE */
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
	double sqpoll_idle; /* --sqpoll-idle SEC, 0 when not asked */
	int no_fork;
	unsigned rounds;
};

/* bench-args.c: parse_args() returns 0 to run, 1 to exit 0 (help), 2 for bad
 * arguments (already reported); bad_args() reports and returns 2. */
int parse_args(struct opts *o, int argc, char **argv);
int bad_args(const char *msg, const char *arg);
int find_backend(const char *name);
void derive(struct opts *o);
void apply_sweep(struct opts *o, unsigned v);

/* bench-run.c */
int open_file(struct opts *o, int *fd_out);
void run_backend(const struct opts *o, int base_fd, const struct backend *be,
		 struct result *r, double runtime);
double hist_pct(const struct hist *h, double p);
void sleep_secs(double s);
void set_na(struct result *r, const char *fmt, const char *arg);

/* bench-isolate.c */
void run_isolated(const struct opts *o, int base_fd, const struct backend *be,
		  struct result *r, double runtime);
int preload_child(const char *spec);
const char *companion_path(const char *rel, const char *built, int mode);
/* `ringer-bench net ...`: echo servers under a loopback load (bench-net.c) */
int net_main(int argc, char **argv);

/* bench-report.c */
void machine_info(void);
void print_machine(void);
void describe(const struct opts *o, char *buf, size_t len);
void print_workload(const struct opts *o);
void print_table(const struct opts *o, const struct result *rs, unsigned nr);
void json_begin(FILE *f);
void json_run(FILE *f, const struct opts *o, const struct result *rs, unsigned nr, int first);
void json_end(FILE *f);
void csv_begin(FILE *f);
void csv_run(FILE *f, const struct opts *o, const struct result *rs, unsigned nr);

/* bench-probes.c */
int mem_report(int fd);
int costs_report(int fd);
int sqpoll_idle_report(double secs);

#endif /* RINGER_BENCH_DRIVER_H */
