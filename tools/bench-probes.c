/* SPDX-License-Identifier: MIT */
/*
 * ringer-bench: the probes that are not a comparison run: --mem (resident
 * memory a ring adds), --costs (what a system call, a cached pread and a
 * memcpy cost here) and --sqpoll-idle (what an idle SQ poller costs).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <sys/types.h>
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

/* The threads of this process, as thread ids; at most max. */
static unsigned list_tasks(pid_t *tids, unsigned max)
{
	DIR *dir = opendir("/proc/self/task");
	struct dirent *de;
	unsigned n = 0;

	while (dir && n < max && (de = readdir(dir)))
		if (de->d_name[0] != '.')
			tids[n++] = (pid_t)atoi(de->d_name);
	if (dir)
		closedir(dir);
	return n;
}

/*
 * CPU time of one thread of this process, in ns: schedstat's run time
 * (ns), else stat's utime + stime (clock ticks).  The kernel's poller is a
 * thread of the process (iou-sqp-PID), so both backends are read alike.
 */
static uint64_t task_cpu_ns(pid_t tid, char *comm, size_t len)
{
	unsigned long long run = 0, ut = 0, st = 0;
	char path[64], buf[512], *p;
	uint64_t ns = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", (int)tid);
	f = fopen(path, "r");
	if (!f || !fgets(comm, (int)len, f))
		snprintf(comm, len, "?");
	comm[strcspn(comm, "\n")] = 0;
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", (int)tid);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%llu", &run) == 1)
			ns = run;
		fclose(f);
		if (ns)
			return ns;
	}
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	/* the fields after the command's closing parenthesis: utime is the 12th */
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) == 2)
		ns = (ut + st) * (1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK));
	fclose(f);
	return ns;
}

#define SQPOLL_IDLE_MS 100
#define MAX_TASKS      256

/*
 * --sqpoll-idle SEC: per ring backend, an SQPOLL ring (sq_thread_idle
 * SQPOLL_IDLE_MS, as the benchmark's rings) gets one NOP and then nothing
 * for SEC seconds.  The CPU time of the threads the ring added (its poller,
 * and whatever else the backend started), from their start to the end of
 * the wait, is what an idle SQPOLL ring costs; IORING_SQ_NEED_WAKEUP must
 * be set by then, since the poller has gone to sleep.
 */
int sqpoll_idle_report(double secs)
{
	static const enum ringer_backend bes[] = { RINGER_BACKEND_KERNEL, RINGER_BACKEND_USER };

	printf("\n== SQPOLL ring idle: one NOP, then %.1f s without work (sq_thread_idle %u ms)\n",
	       secs, SQPOLL_IDLE_MS);
	for (unsigned b = 0; b < 2; b++) {
		const char *name = ringer_backend_name(bes[b]);
		pid_t before[MAX_TASKS], after[MAX_TASKS];
		unsigned nb, na, added = 0;
		char names[160] = "", comm[32];
		struct io_uring_params p;
		struct io_uring_sqe *sqe;
		struct io_uring_cqe *cqe;
		struct io_uring ring;
		uint64_t cpu = 0;
		size_t len = 0;
		int ret, wakeup;

		nb = list_tasks(before, MAX_TASKS);
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_SQPOLL;
		p.sq_thread_idle = SQPOLL_IDLE_MS;
		ret = ringer_queue_init_backend(8, &ring, &p, bes[b]);
		if (ret < 0) {
			printf("%-9s n/a: io_uring_queue_init: %s\n", name, strerror(-ret));
			continue;
		}
		sqe = io_uring_get_sqe(&ring);
		io_uring_prep_nop(sqe);
		ret = io_uring_submit(&ring);
		if (ret >= 0)
			ret = io_uring_wait_cqe(&ring, &cqe);
		if (ret < 0) {
			printf("%-9s error: NOP: %s\n", name, strerror(-ret));
			io_uring_queue_exit(&ring);
			continue;
		}
		io_uring_cqe_seen(&ring, cqe);
		sleep_secs(secs);
		wakeup = !!(IO_URING_READ_ONCE(*ring.sq.kflags) & IORING_SQ_NEED_WAKEUP);
		na = list_tasks(after, MAX_TASKS);
		for (unsigned i = 0; i < na; i++) {
			unsigned j;

			for (j = 0; j < nb && before[j] != after[i]; j++)
				;
			if (j < nb)
				continue;
			cpu += task_cpu_ns(after[i], comm, sizeof(comm));
			added++;
			if (len < sizeof(names))
				len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
							len ? " " : "", comm);
		}
		printf("%-9s poller CPU %.3f ms in %.1f s, %u thread%s added (%s), "
		       "NEED_WAKEUP %s\n",
		       name, (double)cpu / 1e6, secs, added, added == 1 ? "" : "s",
		       added ? names : "none", wakeup ? "set" : "clear");
		io_uring_queue_exit(&ring);
	}
	return 0;
}
