// SPDX-License-Identifier: MIT
/*
 * timer-bench: many armed IORING_OP_TIMEOUTs, on the kernel and on the
 * engine side by side.  It measures what an event loop with many timers
 * pays:
 *  - arming: wall time to submit N absolute timeouts, their deadlines in
 *    shuffled order (a sorted insertion shows here);
 *  - pending: the process's CPU time (every thread: getrusage) over a quiet
 *    window while all N are armed and none is due;
 *  - firing: how late each CQE is reaped after its deadline (the reaping
 *    thread waits in io_uring_wait_cqe), as min / median / p99 / max and
 *    the share within 1 ms.
 *
 *   timer-bench [--timeouts N] [--spread MS] [--quiet MS] [--backend kernel|user|both]
 *
 * Deadlines are spread evenly over --spread ms, starting after the quiet
 * window.  Run it on an idle machine: lateness is scheduling latency too.
 */
#include "ringer.h"
#include "ringer-cli.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000ULL +
	       ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000ULL;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

struct result {
	double arm_ms, pending_cpu_ms, quiet_ms;
	bool overran; /* the arming ate the 200 ms margin: the quiet window saw expiries */
	double late_min_us, late_p50_us, late_p99_us, late_max_us, within_1ms;
	unsigned fired, errors;
};

static int run(enum ringer_backend backend, unsigned n, unsigned spread_ms, unsigned quiet_ms,
	       struct result *res)
{
	struct io_uring_params p;
	struct io_uring ring;
	struct __kernel_timespec *ts;
	uint64_t *deadline, t0, c0, start;
	unsigned *order;
	int64_t *late;
	int ret;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = n * 2;
	ret = ringer_queue_init_backend(n < 4096 ? n : 4096, &ring, &p, backend);
	if (ret < 0)
		return ret;
	ts = calloc(n, sizeof(*ts));
	deadline = calloc(n, sizeof(*deadline));
	order = calloc(n, sizeof(*order));
	late = calloc(n, sizeof(*late));
	if (!ts || !deadline || !order || !late) {
		io_uring_queue_exit(&ring);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++)
		order[i] = i;
	srand(1);
	for (unsigned i = n - 1; i > 0; i--) {
		unsigned j = (unsigned)rand() % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}

	/* arming: deadlines after the quiet window (and the arming itself) */
	start = now_ns() + (uint64_t)quiet_ms * 1000000ULL + 200000000ULL;
	t0 = now_ns();
	for (unsigned k = 0; k < n; k++) {
		unsigned i = order[k];
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		if (!sqe) {
			io_uring_submit(&ring);
			sqe = io_uring_get_sqe(&ring);
		}
		deadline[i] = start + (uint64_t)spread_ms * 1000000ULL * i / n;
		ts[i].tv_sec = (long long)(deadline[i] / 1000000000ULL);
		ts[i].tv_nsec = (long long)(deadline[i] % 1000000000ULL);
		io_uring_prep_timeout(sqe, &ts[i], 0, IORING_TIMEOUT_ABS);
		io_uring_sqe_set_data64(sqe, i);
	}
	io_uring_submit(&ring);
	res->arm_ms = (double)(now_ns() - t0) / 1e6;
	res->overran = now_ns() + (uint64_t)quiet_ms * 1000000ULL > start;

	/* pending: nothing is due for quiet_ms */
	t0 = now_ns();
	c0 = cpu_ns();
	{
		struct timespec q = { .tv_sec = quiet_ms / 1000,
				      .tv_nsec = (long)(quiet_ms % 1000) * 1000000L };

		nanosleep(&q, NULL);
	}
	res->pending_cpu_ms = (double)(cpu_ns() - c0) / 1e6;
	res->quiet_ms = (double)(now_ns() - t0) / 1e6;

	/* firing */
	res->fired = res->errors = 0;
	while (res->fired + res->errors < n) {
		struct io_uring_cqe *cqe;
		uint64_t t;

		ret = io_uring_wait_cqe(&ring, &cqe);
		if (ret < 0)
			break;
		t = now_ns();
		if (cqe->res == -ETIME && cqe->user_data < n) {
			late[res->fired++] = (int64_t)(t - deadline[cqe->user_data]);
		} else {
			res->errors++;
		}
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	if (res->fired) {
		unsigned in1 = 0;

		qsort(late, res->fired, sizeof(*late), cmp_i64);
		for (unsigned i = 0; i < res->fired; i++)
			in1 += late[i] <= 1000000;
		res->late_min_us = (double)late[0] / 1e3;
		res->late_p50_us = (double)late[res->fired / 2] / 1e3;
		res->late_p99_us = (double)late[(res->fired * 99) / 100] / 1e3;
		res->late_max_us = (double)late[res->fired - 1] / 1e3;
		res->within_1ms = 100.0 * in1 / res->fired;
	}
	free(ts);
	free(deadline);
	free(order);
	free(late);
	return 0;
}

static void usage(void)
{
	printf("usage: timer-bench [--timeouts N] [--spread MS] [--quiet MS]\n"
	       "                   [--backend kernel|user|both]\n"
	       "Many armed absolute timeouts, kernel and engine side by side: the cost of\n"
	       "arming them, the CPU taken while they are pending, and how late their\n"
	       "completions come.\n"
	       "\n"
	       "  --timeouts N        timeouts armed (1..16384, default 10000)\n"
	       "  --spread MS         they fall due over MS ms (default 1000)\n"
	       "  --quiet MS          after MS ms with none due (default 1000)\n"
	       "  --backend B         kernel, user or both (default both)\n"
	       "  -h, --help          this help\n"
	       "      --version       the version\n"
	       "\n"
	       "RINGER_BACKEND (kernel, user, auto) is not read: --backend names the\n"
	       "backends, each row opening its ring on that one.\n");
}

int main(int argc, char **argv)
{
	unsigned n = 10000, spread_ms = 1000, quiet_ms = 1000;
	const char *which = "both";
	static const struct {
		const char *name;
		enum ringer_backend b;
	} backends[] = { { "kernel", RINGER_BACKEND_KERNEL }, { "user", RINGER_BACKEND_USER } };

	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned long v = 0;

		if (!strcmp(opt, "-h") || !strcmp(opt, "--help")) {
			usage();
			return 0;
		}
		if (!strcmp(opt, "--version"))
			return ringer_cli_version("timer-bench");
		if (strcmp(opt, "--timeouts") && strcmp(opt, "--spread") &&
		    strcmp(opt, "--quiet") && strcmp(opt, "--backend"))
			return ringer_cli_bad("timer-bench", "unknown option", opt);
		if (!val)
			return ringer_cli_bad("timer-bench", "option needs a value", opt);
		i++;
		if (!strcmp(opt, "--backend")) {
			if (strcmp(val, "kernel") && strcmp(val, "user") && strcmp(val, "both"))
				return ringer_cli_bad("timer-bench",
						      "bad --backend (kernel, user, both)", val);
			which = val;
		} else if (!strcmp(opt, "--timeouts")) {
			if (ringer_cli_uint(val, 1, 16384, &v))
				return ringer_cli_bad("timer-bench", "bad --timeouts (1..16384)",
						      val);
			n = (unsigned)v;
		} else {
			if (ringer_cli_uint(val, 0, 3600000, &v))
				return ringer_cli_bad("timer-bench",
						      "bad milliseconds (0..3600000)", val);
			if (!strcmp(opt, "--spread"))
				spread_ms = (unsigned)v;
			else
				quiet_ms = (unsigned)v;
		}
	}
	printf("timer-bench: %u absolute timeouts, armed in shuffled order, due over %u ms "
	       "after %u quiet ms\n",
	       n, spread_ms, quiet_ms);
	printf("%-7s %9s %13s %9s %9s %9s %9s %8s %7s\n", "backend", "arm ms", "pending cpu ms",
	       "late min", "p50 us", "p99 us", "max us", "<=1ms %", "errors");
	for (size_t k = 0; k < sizeof(backends) / sizeof(backends[0]); k++) {
		struct result r;
		int ret;

		if (strcmp(which, "both") && strcmp(which, backends[k].name))
			continue;
		memset(&r, 0, sizeof(r));
		ret = run(backends[k].b, n, spread_ms, quiet_ms, &r);
		if (ret < 0) {
			printf("%-7s n/a (%s)\n", backends[k].name, strerror(-ret));
			continue;
		}
		printf("%-7s %9.2f %13.2f %9.1f %9.1f %9.1f %9.1f %8.1f %7u\n", backends[k].name,
		       r.arm_ms, r.pending_cpu_ms, r.late_min_us, r.late_p50_us, r.late_p99_us,
		       r.late_max_us, r.within_1ms, r.errors);
		if (r.overran)
			printf("%-7s (arming overran its 200 ms margin: timeouts fired in the quiet "
			       "window and their lateness counts the rest of it)\n",
			       backends[k].name);
	}
	return 0;
}
