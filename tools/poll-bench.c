// SPDX-License-Identifier: MIT
/*
 * poll-bench: the cost of one readiness event while many fds wait, on the
 * kernel and on the engine side by side.  N eventfds each have a READ
 * waiting and stay idle; one more (the hot one) is written to, its READ's
 * CQE reaped and a READ issued again, ITERS times.  (READ rather than
 * POLL_ADD: the engine serves a POLL_ADD through AIO poll where it can; a
 * READ that would block waits in its reactor, as a RECV does.)  A reactor that rescans every
 * armed fd per event costs O(N) here; one that is told which fd is ready
 * (epoll, the kernel's wait queues) costs the same at every N.
 *
 *   poll-bench [--iters N] [--backend kernel|user|both] [ARMED...]
 *
 * ARMED defaults to 1 100 10000.  It prints, per backend and N, the wall
 * time and the process's CPU time (every thread) per event, in us.
 * RLIMIT_NOFILE is raised to fit; an N that does not fit is reported n/a.
 */
#include "ringer.h"
#include "ringer-cli.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

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

static uint64_t idle_buf, hot_buf;

static int arm(struct io_uring *ring, int fd, uint64_t data)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe) {
		int ret = io_uring_submit(ring);

		if (ret < 0)
			return ret;
		sqe = io_uring_get_sqe(ring);
		if (!sqe)
			return -EBUSY;
	}
	io_uring_prep_read(sqe, fd, data == UINT64_MAX ? &hot_buf : &idle_buf, 8, 0);
	sqe->user_data = data;
	return 0;
}

/* 0 with *wall_us and *cpu_us per event, 1 when N does not fit, -errno. */
static int run(enum ringer_backend backend, unsigned n, unsigned iters, double *wall_us,
	       double *cpu_us)
{
	struct io_uring_params p = { 0 };
	struct io_uring ring;
	struct rlimit rl;
	uint64_t one = 1, t0, c0;
	unsigned i;
	int *fd, hot, ret;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < n + 64) {
		rl.rlim_cur = n + 64;
		if (rl.rlim_max < rl.rlim_cur || setrlimit(RLIMIT_NOFILE, &rl))
			return 1;
	}
	fd = calloc(n, sizeof(*fd));
	if (!fd)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		fd[i] = -1;
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = 4096;
	ret = ringer_queue_init_backend(256, &ring, &p, backend);
	if (ret < 0) {
		free(fd);
		return ret;
	}
	hot = eventfd(0, EFD_CLOEXEC);
	ret = hot < 0 ? -errno : 0;
	for (i = 0; !ret && i < n; i++) {
		fd[i] = eventfd(0, EFD_CLOEXEC);
		ret = fd[i] < 0 ? -errno : arm(&ring, fd[i], i);
	}
	if (!ret)
		ret = arm(&ring, hot, UINT64_MAX);
	if (!ret)
		ret = io_uring_submit(&ring) < 0 ? -EIO : 0;
	t0 = now_ns();
	c0 = cpu_ns();
	for (i = 0; !ret && i < iters; i++) {
		struct io_uring_cqe *cqe;

		if (write(hot, &one, sizeof(one)) != sizeof(one)) {
			ret = -errno;
			break;
		}
		ret = io_uring_wait_cqe(&ring, &cqe);
		if (ret)
			break;
		if (cqe->user_data != UINT64_MAX || cqe->res != 8)
			ret = cqe->res < 0 ? cqe->res : -EPROTO;
		io_uring_cqe_seen(&ring, cqe);
		if (!ret)
			ret = arm(&ring, hot, UINT64_MAX);
		if (!ret)
			ret = io_uring_submit(&ring) < 0 ? -EIO : 0;
	}
	if (!ret) {
		*wall_us = (double)(now_ns() - t0) / iters / 1000.0;
		*cpu_us = (double)(cpu_ns() - c0) / iters / 1000.0;
	}
	/* Leaving the ring cancels the waiting reads. */
	io_uring_queue_exit(&ring);
	for (i = 0; i < n; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	if (hot >= 0)
		close(hot);
	free(fd);
	return ret;
}

static void usage(void)
{
	printf("usage: poll-bench [--iters N] [--backend kernel|user|both] [ARMED...]\n"
	       "The cost of one readiness event: one READ made ready and issued again\n"
	       "ITERS times while ARMED other POLL_ADDs wait idle, kernel and engine side\n"
	       "by side.\n"
	       "\n"
	       "  --iters N       events per row (default 20000)\n"
	       "  --backend B     kernel, user or both (default both)\n"
	       "  ARMED...        idle polls armed, one row each (default: 1 100 10000;\n"
	       "                  at most 32 values)\n"
	       "  -h, --help      this help\n"
	       "      --version   the version\n"
	       "\n"
	       "RINGER_BACKEND (kernel, user, auto) is not read: --backend names the\n"
	       "backends, each row opening its ring on that one.\n");
}

int main(int argc, char **argv)
{
	static const unsigned def_armed[] = { 1, 100, 10000 };
	enum ringer_backend backends[2] = { RINGER_BACKEND_KERNEL, RINGER_BACKEND_USER };
	unsigned armed[32], nr_armed = 0, nr_backends = 2, iters = 20000, b, k;
	unsigned long v;
	int i;

	for (i = 1; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
			usage();
			return 0;
		} else if (!strcmp(opt, "--version")) {
			return ringer_cli_version("poll-bench");
		} else if (!strcmp(opt, "--iters") || !strcmp(opt, "--backend")) {
			if (!val)
				return ringer_cli_bad("poll-bench", "option needs a value", opt);
			i++;
			if (opt[2] == 'i') {
				if (ringer_cli_uint(val, 1, 100000000, &v))
					return ringer_cli_bad("poll-bench", "bad --iters", val);
				iters = (unsigned)v;
			} else if (!strcmp(val, "kernel") || !strcmp(val, "user")) {
				backends[0] =
					val[0] == 'k' ? RINGER_BACKEND_KERNEL : RINGER_BACKEND_USER;
				nr_backends = 1;
			} else if (strcmp(val, "both")) {
				return ringer_cli_bad("poll-bench",
						      "bad --backend (kernel, user, both)", val);
			}
		} else if (opt[0] == '-') {
			return ringer_cli_bad("poll-bench", "unknown option", opt);
		} else if (nr_armed == 32) {
			return ringer_cli_bad("poll-bench", "more than 32 ARMED values; extra",
					      opt);
		} else {
			if (ringer_cli_uint(opt, 0, 1000000, &v))
				return ringer_cli_bad("poll-bench", "bad ARMED count (0..1000000)",
						      opt);
			armed[nr_armed++] = (unsigned)v;
		}
	}
	if (!nr_armed)
		for (k = 0; k < 3; k++)
			armed[nr_armed++] = def_armed[k];
	printf("%-8s %8s %12s %12s\n", "backend", "armed", "wall us/ev", "cpu us/ev");
	for (b = 0; b < nr_backends; b++) {
		for (k = 0; k < nr_armed; k++) {
			double wall = 0, cpu = 0;
			int ret = run(backends[b], armed[k], iters, &wall, &cpu);

			if (ret == 1)
				printf("%-8s %8u %12s %12s (RLIMIT_NOFILE)\n",
				       ringer_backend_name(backends[b]), armed[k], "n/a", "n/a");
			else if (ret < 0)
				printf("%-8s %8u %12s %12s (%s)\n", ringer_backend_name(backends[b]),
				       armed[k], "n/a", "n/a", strerror(-ret));
			else
				printf("%-8s %8u %12.2f %12.2f\n", ringer_backend_name(backends[b]),
				       armed[k], wall, cpu);
			fflush(stdout);
		}
	}
	return 0;
}
