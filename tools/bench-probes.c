/* SPDX-License-Identifier: MIT */
/*
 * ringer-bench: the probes that are not a comparison run: --mem (resident
 * memory a ring adds) and --costs (what a system call, a cached pread and a
 * memcpy cost here).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ringer.h"
#include "ringer-bench.h"

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
int mem_report(int fd)
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
int costs_report(int fd)
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
