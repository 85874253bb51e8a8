// SPDX-License-Identifier: MIT
/*
 * ringer-trace [options] -- CMD [ARGS]: strace for io_uring (docs/TRACE.md).
 *
 * CMD runs under the preload shim on the user engine, and the engine traces
 * every request (src/engine/trace.c): this program only sets the variables
 * the engine reads (RINGER_TRACE, _FORMAT, _FILTER, _PID), and gathers what
 * the engine writes.  With -o and without -c the engine appends to the file
 * itself; otherwise it writes into a FIFO of ours, which we copy to stderr or
 * sum up into the -c table.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/trace_ops.h"
#include "preload/shim_name.h"
#include "ringer-cli.h"

static const char usage_short[] =
	"usage: ringer-trace [-cfh] [-e op=NAME[,NAME]|fd=N|ring=N]... [-o FILE] [--json]\n"
	"                    [--inject RULE]... -- CMD [ARGS...]\n";

static void usage_long(void)
{
	printf("%s", usage_short);
	printf("\nRun CMD under the ringer preload shim on the user engine and trace each\n"
	       "io_uring request: the decoded SQE, then its completion (result, CQE flags,\n"
	       "latency).\n\n"
	       "  -e op=NAME[,NAME...]  only these opcodes (read, write, openat, ...)\n"
	       "  -e fd=N[,N...]        only requests on these descriptors\n"
	       "  -e ring=N[,N...]      only requests on these rings (ring fd numbers)\n"
	       "  -c                    a summary per opcode instead of the trace: count,\n"
	       "                        errors, bytes, p50/p99 latency\n"
	       "  -o FILE               write to FILE instead of stderr\n"
	       "  --json                JSON lines, one object per event\n"
	       "  -f                    follow forked children (and what they exec)\n"
	       "  --inject RULE         a fault injection rule, passed on in RINGER_FAULTS\n"
	       "  -h, --help            this help\n"
	       "  --version             the version\n\n"
	       "CMD runs with RINGER_BACKEND=user (the engine, whatever the variable said:\n"
	       "kernel, user or auto): the trace is the engine's.\n"
	       "Exit status: CMD's (128+N when a signal N killed it); 2 for a bad option.\n"
	       "See docs/TRACE.md.\n");
}

static void bad_usage(const char *msg, const char *arg)
{
	exit(ringer_cli_bad("ringer-trace", msg, arg));
}

/* -e: the class (op, fd, ring) and its values, checked here so that a
 * typing mistake is refused before CMD runs */
static int check_expr(const char *e)
{
	const char *eq = strchr(e, '=');
	const char *v;

	if (!eq || !eq[1])
		return -1;
	v = eq + 1;
	if ((size_t)(eq - e) == 2 && !strncmp(e, "op", 2)) {
		while (*v) {
			size_t n = strcspn(v, ",");
			bool ok = false;

			char *end;
			unsigned long num = strtoul(v, &end, 0);

			/* a name, or an opcode's number */
			ok = n && end == v + n && num < 256;
			for (int i = 0; i < TRACE_NR_OPS && !ok; i++)
				ok = trace_op_names[i] && strlen(trace_op_names[i]) == n &&
				     !strncasecmp(trace_op_names[i], v, n);
			if (!ok)
				return -1;
			v += n;
			if (*v == ',')
				v++;
		}
		return 0;
	}
	if (((size_t)(eq - e) == 2 && !strncmp(e, "fd", 2)) ||
	    ((size_t)(eq - e) == 4 && !strncmp(e, "ring", 4))) {
		while (*v) {
			char *end;

			strtol(v, &end, 10);
			if (end == v || (*end && *end != ','))
				return -1;
			v = *end ? end + 1 : end;
		}
		return 0;
	}
	return -1;
}

/* "a;b" + c */
static char *append(char *list, const char *item)
{
	size_t n = list ? strlen(list) : 0;
	char *s = malloc(n + strlen(item) + 2);

	if (!s) {
		perror("ringer-trace");
		exit(1);
	}
	if (list)
		sprintf(s, "%s;%s", list, item);
	else
		strcpy(s, item);
	free(list);
	return s;
}

/* The shim: RINGER_TRACE_SHIM, then the installed one beside our own
 * directory (bin/../lib...), in the configured libdir, then the one of the
 * build tree. */
static const char *find_shim(void)
{
	static char path[PATH_MAX + 64];
	const char *env = getenv("RINGER_TRACE_SHIM");
	static const char *const rel[] = {
#ifdef RINGER_TRACE_LIBDIR
		"/../" RINGER_TRACE_LIBDIR "/" SHIM_NAME,
#endif
		"/../lib/" SHIM_NAME,
		"/" SHIM_NAME,
	};
	char exe[PATH_MAX];
	ssize_t n;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = 0;
		slash = strrchr(exe, '/');
		if (slash)
			*slash = 0;
		for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			snprintf(path, sizeof(path), "%s%s", exe, rel[i]);
			if (!access(path, R_OK))
				return path;
		}
	}
#ifdef RINGER_TRACE_FULL_LIBDIR
	snprintf(path, sizeof(path), "%s/%s", RINGER_TRACE_FULL_LIBDIR, SHIM_NAME);
	if (!access(path, R_OK))
		return path;
#endif
#ifdef RINGER_PRELOAD_PATH
	if (!access(RINGER_PRELOAD_PATH, R_OK))
		return RINGER_PRELOAD_PATH;
#endif
	return NULL;
}

/* --- the summary (-c) ----------------------------------------------------- */

static struct op_stat {
	uint64_t calls, errors, bytes;
	uint64_t *lat; /* latencies of ended requests, ns */
	size_t nr_lat, cap_lat;
} stats[256];

static bool moves_bytes(unsigned op)
{
	switch (op) {
	case IORING_OP_READV:
	case IORING_OP_WRITEV:
	case IORING_OP_READ_FIXED:
	case IORING_OP_WRITE_FIXED:
	case IORING_OP_SENDMSG:
	case IORING_OP_RECVMSG:
	case IORING_OP_READ:
	case IORING_OP_WRITE:
	case IORING_OP_SEND:
	case IORING_OP_RECV:
	case IORING_OP_SPLICE:
	case IORING_OP_TEE:
	case IORING_OP_SEND_ZC:
	case IORING_OP_SENDMSG_ZC:
	case IORING_OP_READ_MULTISHOT:
	case IORING_OP_RECV_ZC:
	case IORING_OP_READV_FIXED:
	case IORING_OP_WRITEV_FIXED:
		return true;
	}
	return false;
}

/* the number after "key": in a JSON line of the engine's */
static bool json_num(const char *line, const char *key, long long *out)
{
	const char *p = strstr(line, key);

	if (!p)
		return false;
	*out = strtoll(p + strlen(key), NULL, 10);
	return true;
}

static void account(const char *line)
{
	long long op, v;
	struct op_stat *s;
	bool submit = strstr(line, "\"ev\":\"submit\"") != NULL;

	if (!json_num(line, "\"opcode\":", &op) || op < 0 || op > 255)
		return;
	s = &stats[op];
	if (submit) {
		s->calls++;
		return;
	}
	if (!json_num(line, "\"res\":", &v))
		return;
	if (v > 0 && moves_bytes((unsigned)op) && !strstr(line, "\"F_NOTIF\""))
		s->bytes += (uint64_t)v;
	if (!strstr(line, "\"last\":true"))
		return;
	if (v < 0)
		s->errors++;
	if (json_num(line, "\"latency_ns\":", &v)) {
		if (s->nr_lat == s->cap_lat) {
			size_t cap = s->cap_lat ? 2 * s->cap_lat : 256;
			uint64_t *n = realloc(s->lat, cap * sizeof(*n));

			if (!n)
				return;
			s->lat = n;
			s->cap_lat = cap;
		}
		s->lat[s->nr_lat++] = (uint64_t)v;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct_us(const struct op_stat *s, double p)
{
	size_t i;

	if (!s->nr_lat)
		return 0;
	i = (size_t)(p * (double)(s->nr_lat - 1) + 0.5);
	return (double)s->lat[i] / 1000.0;
}

static void print_summary(FILE *f)
{
	uint64_t calls = 0, errors = 0, bytes = 0;
	const char *rule =
		"------------------ --------- --------- ------------- ---------- ----------\n";

	fprintf(f, "%-18s %9s %9s %13s %10s %10s\n", "opcode", "calls", "errors", "bytes",
		"p50(us)", "p99(us)");
	fputs(rule, f);
	for (int op = 0; op < 256; op++) {
		struct op_stat *s = &stats[op];
		char name[32];

		if (!s->calls)
			continue;
		if (op < TRACE_NR_OPS && trace_op_names[op])
			snprintf(name, sizeof(name), "%s", trace_op_names[op]);
		else
			snprintf(name, sizeof(name), "UNKNOWN_%d", op);
		qsort(s->lat, s->nr_lat, sizeof(*s->lat), cmp_u64);
		fprintf(f, "%-18s %9llu %9llu %13llu %10.1f %10.1f\n", name,
			(unsigned long long)s->calls, (unsigned long long)s->errors,
			(unsigned long long)s->bytes, pct_us(s, 0.50), pct_us(s, 0.99));
		calls += s->calls;
		errors += s->errors;
		bytes += s->bytes;
	}
	fputs(rule, f);
	fprintf(f, "%-18s %9llu %9llu %13llu\n", "total", (unsigned long long)calls,
		(unsigned long long)errors, (unsigned long long)bytes);
}

/* --- running CMD ---------------------------------------------------------- */

static bool opt_summary;
static FILE *out; /* where the copied trace or the table goes */
static char pending[65536]; /* a line not yet complete */
static size_t pending_len;

static void take(const char *buf, size_t n)
{
	if (!opt_summary) {
		fwrite(buf, 1, n, out);
		return;
	}
	while (n) {
		const char *nl = memchr(buf, '\n', n);
		size_t m = nl ? (size_t)(nl - buf) : n;

		if (pending_len + m < sizeof(pending)) {
			memcpy(pending + pending_len, buf, m);
			pending_len += m;
		}
		if (!nl)
			return;
		pending[pending_len] = 0;
		account(pending);
		pending_len = 0;
		buf = nl + 1;
		n -= m + 1;
	}
}

/* read what the FIFO holds; false once it is empty */
static bool drain(int fd)
{
	char buf[65536];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n <= 0)
		return false;
	take(buf, (size_t)n);
	return true;
}

int main(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_INJECT, OPT_VERSION };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "inject", required_argument, NULL, OPT_INJECT },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	bool opt_json = false, opt_follow = false;
	const char *opt_out = NULL, *shim;
	char *filter = NULL, *faults = NULL, *preload;
	char dir[] = "/tmp/ringer-trace.XXXXXX", fifo[sizeof(dir) + 8], trace_path[PATH_MAX];
	int c, fifo_fd = -1, status;
	bool direct;
	pid_t child;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:cfhe:o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			opt_summary = true;
			break;
		case 'f':
			opt_follow = true;
			break;
		case 'h':
			usage_long();
			return 0;
		case 'e':
			if (check_expr(optarg))
				bad_usage("bad -e expression", optarg);
			filter = append(filter, optarg);
			break;
		case 'o':
			opt_out = optarg;
			break;
		case OPT_JSON:
			opt_json = true;
			break;
		case OPT_INJECT:
			if (!*optarg)
				bad_usage("empty --inject rule", NULL);
			faults = append(faults, optarg);
			break;
		case OPT_VERSION:
			return ringer_cli_version("ringer-trace");
		case ':':
			bad_usage("option needs an argument", argv[optind - 1]);
			break;
		default:
			bad_usage("unknown option", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		bad_usage("no command to run", NULL);
	shim = find_shim();
	if (!shim) {
		fprintf(stderr, "ringer-trace: cannot find %s (set RINGER_TRACE_SHIM)\n",
			SHIM_NAME);
		return 1;
	}

	out = stderr;
	direct = opt_out && !opt_summary;
	if (opt_out) {
		int fd = open(opt_out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0) {
			fprintf(stderr, "ringer-trace: %s: %s\n", opt_out, strerror(errno));
			return 1;
		}
		if (direct) {
			/* the engine appends to it: the program may chdir first */
			if (!realpath(opt_out, trace_path)) {
				fprintf(stderr, "ringer-trace: %s: %s\n", opt_out, strerror(errno));
				return 1;
			}
			close(fd);
		} else {
			out = fdopen(fd, "w");
		}
	}
	if (!direct) {
		if (!mkdtemp(dir)) {
			perror("ringer-trace: mkdtemp");
			return 1;
		}
		snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
		if (mkfifo(fifo, 0600)) {
			perror("ringer-trace: mkfifo");
			rmdir(dir);
			return 1;
		}
		/* read and write: our open does not wait for a writer, and the
		 * FIFO never reads as ended while we hold it */
		fifo_fd = open(fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fifo_fd < 0) {
			perror("ringer-trace: fifo");
			unlink(fifo);
			rmdir(dir);
			return 1;
		}
		fcntl(fifo_fd, F_SETPIPE_SZ, 1 << 20);
		snprintf(trace_path, sizeof(trace_path), "%s", fifo);
	}

	/* the environment CMD inherits */
	setenv("RINGER_BACKEND", "user", 1);
	setenv("RINGER_TRACE", trace_path, 1);
	if (opt_json || opt_summary)
		setenv("RINGER_TRACE_FORMAT", "json", 1);
	else
		unsetenv("RINGER_TRACE_FORMAT");
	if (filter)
		setenv("RINGER_TRACE_FILTER", filter, 1);
	else
		unsetenv("RINGER_TRACE_FILTER");
	unsetenv("RINGER_TRACE_PID");
	if (faults) {
		const char *old = getenv("RINGER_FAULTS");

		if (old && *old) {
			char *both = append(strdup(old), faults);

			setenv("RINGER_FAULTS", both, 1);
			free(both);
		} else {
			setenv("RINGER_FAULTS", faults, 1);
		}
	}
	/* the shim already there is left where it is: a sanitizer runtime may
	 * have to come first, as tests/preload/run.sh puts it */
	preload = getenv("LD_PRELOAD");
	if (!names_shim(preload)) {
		char *v = malloc(strlen(shim) + (preload ? strlen(preload) : 0) + 2);

		if (!v) {
			perror("ringer-trace");
			return 1;
		}
		if (preload && *preload)
			sprintf(v, "%s:%s", shim, preload);
		else
			strcpy(v, shim);
		setenv("LD_PRELOAD", v, 1);
		free(v);
	}

	fflush(NULL);
	child = fork();
	if (child < 0) {
		perror("ringer-trace: fork");
		return 1;
	}
	if (child == 0) {
		if (!opt_follow) {
			char pid[24];

			/* exec keeps the number: only this process is traced */
			snprintf(pid, sizeof(pid), "%d", (int)getpid());
			setenv("RINGER_TRACE_PID", pid, 1);
		}
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "ringer-trace: %s: %s\n", argv[optind], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	/* a terminal's ^C goes to CMD, and we report how it ended */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);

	for (;;) {
		pid_t w = waitpid(child, &status, fifo_fd < 0 ? 0 : WNOHANG);

		if (w == child)
			break;
		if (w < 0 && errno != EINTR) {
			perror("ringer-trace: waitpid");
			return 1;
		}
		if (fifo_fd >= 0) {
			struct pollfd p = { .fd = fifo_fd, .events = POLLIN };

			if (poll(&p, 1, 50) > 0)
				while (drain(fifo_fd))
					;
		}
	}
	if (fifo_fd >= 0) {
		/* what CMD wrote before it ended is in the FIFO; children that
		 * outlive it (-f) get a short while more */
		struct pollfd p = { .fd = fifo_fd, .events = POLLIN };

		do {
			while (drain(fifo_fd))
				;
		} while (poll(&p, 1, opt_follow ? 100 : 0) > 0);
		close(fifo_fd);
		unlink(fifo);
		rmdir(dir);
	}
	if (opt_summary)
		print_summary(out);
	fflush(out);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
