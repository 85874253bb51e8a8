/* SPDX-License-Identifier: MIT */
/*
 * ringer-bench: each slice of a backend in a child process (a forked one,
 * or for the preload backend this binary re-exec'd under the shim), which
 * reports its counts down a pipe.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ringer-bench.h"

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

/*
 * A file ringer-bench runs or loads (the shim, an echo server): where an
 * installed ringer-bench has it, REL from the directory of this binary, when
 * that exists; else where the build tree built it (BUILT, may be NULL).  The
 * installed place first: an installed ringer-bench must not reach into a
 * build tree, and in the build tree REL leads nowhere.
 */
const char *companion_path(const char *rel, const char *built, int mode)
{
	static char paths[4][PATH_MAX];
	static unsigned next;
	char exe[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0 && rel) {
		exe[n] = 0;
		slash = strrchr(exe, '/');
		if (slash) {
			char *p = paths[next++ % 4];

			*slash = 0;
			if ((size_t)snprintf(p, PATH_MAX, "%s/%s", exe, rel) < PATH_MAX &&
			    !access(p, mode))
				return p;
		}
	}
	return built;
}

static const char *preload_lib(void)
{
	const char *env = getenv("RINGER_PRELOAD_LIB");
	const char *path = NULL;

	if (env && *env)
		return env;
#ifdef RINGER_PRELOAD_PATH
	path = companion_path(RINGER_PRELOAD_REL, RINGER_PRELOAD_PATH, R_OK);
#endif
	return path ? path : "libringer-preload.so";
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
int preload_child(const char *spec)
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
 * The trace backend's child: the engine reads RINGER_TRACE at its first ring
 * in this process (forked from one that made none), so the variable set
 * here turns the trace on.  A trace that did not start would measure the
 * engine untraced: the child then checks that its trace file is open.
 */
static void run_traced(const struct opts *o, int base_fd, const struct backend *be,
		       struct result *cr, double runtime)
{
	const char *file = getenv("RINGER_BENCH_TRACE");
	char want[PATH_MAX], link[PATH_MAX], proc[300];
	bool open_here = false;
	struct dirent *de;
	DIR *dir;

	if (!file || !*file)
		file = "/dev/null";
	unsetenv("RINGER_TRACE_PID");
	unsetenv("RINGER_TRACE_FILTER");
	unsetenv("RINGER_TRACE_FORMAT");
	if (setenv("RINGER_TRACE", file, 1))
		return set_na(cr, "%s", "setenv failed");
	run_backend(o, base_fd, be, cr, runtime);
	if (cr->status != ST_OK)
		return;
	if (!realpath(file, want))
		return set_na(cr, "trace file %s: not found", file);
	dir = opendir("/proc/self/fd");
	while (dir && !open_here && (de = readdir(dir))) {
		ssize_t n;

		snprintf(proc, sizeof(proc), "/proc/self/fd/%s", de->d_name);
		n = readlink(proc, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = 0;
		open_here = !strcmp(link, want);
	}
	if (dir)
		closedir(dir);
	if (!open_here)
		set_na(cr, "%s", "the engine did not start its trace");
}

/*
 * One slice of a backend in a child process, so that an executor that
 * crashes or hangs (the user engine is young) costs its own row and not the
 * whole table.  The child gets the runtime plus 30 s to report and 30 s more
 * to exit; its getrusage(RUSAGE_SELF) covers exactly the backend's threads.
 */
void run_isolated(const struct opts *o, int base_fd, const struct backend *be,
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
	if (r->status == ST_OK && !strcmp(be->name, "trace") && o->no_fork)
		return set_na(r, "%s", "traces in a forked child (not with --no-fork)");
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
		else if (!strcmp(be->name, "trace"))
			run_traced(o, base_fd, be, &cr, runtime);
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
