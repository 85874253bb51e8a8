/* SPDX-License-Identifier: MIT */
/*
 * ringer-bench net: the network mode.  A loopback client load generator
 * against an echo server on each backend, side by side in one run:
 *
 *   kernel  examples/ringer-echo, RINGER_BACKEND=kernel (the kernel's io_uring)
 *   user    examples/ringer-echo, RINGER_BACKEND=user (the engine)
 *   shim    the same server built against liburing, unmodified, on the engine
 *           under the preload shim (LD_PRELOAD, RINGER_BACKEND=user)
 *   epoll   a plain epoll loop (level-triggered, read then write), the
 *           non-io_uring baseline
 *
 * The client is one thread on one epoll set: N connections, each with DEPTH
 * messages of SIZE bytes in flight (1: ping-pong; more: pipelined).  A
 * request is done when its SIZE bytes have come back; its latency is from
 * its send to then.  The server's CPU time (user + system, all its threads,
 * from /proc/PID/stat) over the measured window divided by the requests is
 * "CPU per request".  Each server runs in its own process, started afresh
 * for each connection count; a warm-up precedes the measured window.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ringer-bench.h"
#include "ringer-cli.h"

/* latency buckets: 1 us up to 10 ms, then 100 us up to 10 s */
#define HIST_FINE   10000
#define HIST_N	    (HIST_FINE + 99900)
#define MAX_SERVERS 4
#define MAX_ROUNDS  15

enum server_kind { SRV_KERNEL, SRV_USER, SRV_SHIM, SRV_EPOLL };
static const char *const kind_name[] = { "kernel", "user", "shim", "epoll" };

struct net_opts {
	unsigned conns[8], nconns;
	unsigned size, depth;
	double runtime, warmup;
	unsigned rounds;
	int sel[MAX_SERVERS];
	const char *json;
};

struct net_result {
	int na;
	char why[160];
	double rps, p50, p99, cpu_us;
	/* against the kernel's io_uring and the epoll loop (0: n/a) */
	double rps_krn, rps_epl, p99_krn;
};

struct nconn {
	int fd;
	unsigned inflight; /* messages sent and not yet fully echoed */
	size_t to_send; /* bytes of the current message still unsent */
	size_t rcvd; /* bytes of the oldest message received */
	uint64_t stamp[64]; /* send time of each message in flight, FIFO */
	unsigned sh, st;
};

static uint64_t net_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *echo_path(int liburing)
{
	const char *env = getenv(liburing ? "RINGER_ECHO_LIBURING" : "RINGER_ECHO");

	if (env)
		return env;
#if defined(RINGER_ECHO_LIBURING_PATH)
	if (liburing)
		return companion_path(RINGER_ECHO_LIBURING_REL, RINGER_ECHO_LIBURING_PATH, X_OK);
#endif
#if defined(RINGER_ECHO_PATH)
	if (!liburing)
		return companion_path(RINGER_ECHO_REL, RINGER_ECHO_PATH, X_OK);
#endif
	return NULL;
}

static const char *shim_path(void)
{
	const char *env = getenv("RINGER_PRELOAD_LIB");

	if (env)
		return env;
#ifdef RINGER_PRELOAD_PATH
	return companion_path(RINGER_PRELOAD_REL, RINGER_PRELOAD_PATH, R_OK);
#else
	return NULL;
#endif
}

/* The epoll baseline server: echo what comes in, keep what does not go out. */
static void epoll_server(int lfd)
{
	struct epoll_event ev, evs[256];
	static char buf[65536];
	int ep = epoll_create1(0);

	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);

		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == lfd) {
				int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
				int one = 1;

				if (c < 0)
					continue;
				setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				ev.events = EPOLLIN;
				ev.data.fd = c;
				epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				continue;
			}
			ssize_t r = read(fd, buf, sizeof(buf));

			if (r <= 0) {
				if (r < 0 && errno == EAGAIN)
					continue;
				close(fd);
				continue;
			}
			/*
			 * The client never has more than its window in flight,
			 * so the socket's send buffer takes it: one write, as
			 * a tuned epoll server does.  Should it not, the rest
			 * goes out blocking (never seen with the defaults).
			 */
			ssize_t off = write(fd, buf, (size_t)r);

			if (off < 0 && errno != EAGAIN)
				continue;
			if (off < r) {
				int fl = fcntl(fd, F_GETFL);

				if (off < 0)
					off = 0;
				fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
				while (off < r) {
					ssize_t w = write(fd, buf + off, (size_t)(r - off));

					if (w <= 0)
						break;
					off += w;
				}
				fcntl(fd, F_SETFL, fl);
			}
		}
	}
}

/* Start a server; returns its pid and sets *port, or -1 with why set. */
static pid_t start_server(enum server_kind kind, unsigned *port, char *why, size_t wlen)
{
	int pfd[2];
	char line[128];
	size_t got = 0;
	pid_t pid;

	if (pipe(pfd) < 0) {
		snprintf(why, wlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if (kind == SRV_EPOLL) {
		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t len = sizeof(sin);
		int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) ||
		    listen(lfd, 4096) || getsockname(lfd, (struct sockaddr *)&sin, &len)) {
			snprintf(why, wlen, "listen: %s", strerror(errno));
			return -1;
		}
		close(pfd[0]);
		close(pfd[1]);
		pid = fork();
		if (pid == 0) {
			epoll_server(lfd);
			_exit(0);
		}
		close(lfd);
		*port = ntohs(sin.sin_port);
		return pid;
	}

	const char *path = echo_path(kind == SRV_SHIM);
	const char *shim = shim_path();

	if (!path || access(path, X_OK)) {
		close(pfd[0]);
		close(pfd[1]);
		snprintf(why, wlen, "no %s server (build it)",
			 kind == SRV_SHIM ? "liburing echo" : "ringer-echo");
		return -1;
	}
	if (kind == SRV_SHIM && !shim) {
		close(pfd[0]);
		close(pfd[1]);
		snprintf(why, wlen, "no preload shim");
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		/* its error, if it cannot start, is the n/a reason */
		dup2(pfd[1], STDOUT_FILENO);
		if (!getenv("RINGER_BENCH_VERBOSE"))
			dup2(pfd[1], STDERR_FILENO);
		close(pfd[0]);
		close(pfd[1]);
		setenv("RINGER_BACKEND", kind == SRV_KERNEL ? "kernel" : "user", 1);
		if (kind == SRV_SHIM)
			setenv("LD_PRELOAD", shim, 1);
		execl(path, path, "-n", "4096", "-c", "8192", "-q", "4096", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	line[0] = 0;
	while (got < sizeof(line) - 1 && !memchr(line, '\n', got)) {
		ssize_t n = read(pfd[0], line + got, sizeof(line) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
		line[got] = 0;
	}
	close(pfd[0]);
	if (sscanf(line, "listening on 127.0.0.1:%u", port) != 1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		line[strcspn(line, "\n")] = 0;
		snprintf(why, wlen, "the server did not start: %s", line);
		return -1;
	}
	return pid;
}

static double proc_cpu_s(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return 0;
	}
	fclose(f);
	p = strrchr(buf, ')');
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double net_pct(const uint64_t *hist, uint64_t total, double q)
{
	uint64_t want = (uint64_t)((double)total * q), acc = 0;

	for (unsigned i = 0; i < HIST_N; i++) {
		acc += hist[i];
		if (acc > want)
			return i < HIST_FINE ? i + 0.5 : HIST_FINE + (i - HIST_FINE + 0.5) * 100;
	}
	return HIST_FINE + (HIST_N - HIST_FINE) * 100.0;
}

static int send_some(struct nconn *c, const char *msg, unsigned size, unsigned depth)
{
	while (c->to_send || c->inflight < depth) {
		if (!c->to_send) {
			c->stamp[c->st++ % 64] = net_now_ns();
			c->inflight++;
			c->to_send = size;
		}
		ssize_t n = send(c->fd, msg + (size - c->to_send), c->to_send,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		c->to_send -= (size_t)n;
	}
	return 0;
}

/* Drive the load for warmup + runtime seconds; fill r. */
static void run_load(const struct net_opts *o, unsigned nconn, pid_t server, unsigned port,
		     struct net_result *r)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons((unsigned short)port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct nconn *cs = calloc(nconn, sizeof(*cs));
	uint64_t *hist = calloc(HIST_N, sizeof(*hist));
	char *msg = malloc(o->size), *rbuf = malloc(65536);
	struct epoll_event ev, evs[512];
	uint64_t t0, tstart = 0, tend, done = 0;
	double cpu0 = 0;
	int ep = epoll_create1(EPOLL_CLOEXEC), measuring = 0;

	if (!cs || !hist || !msg || !rbuf || ep < 0) {
		r->na = 1;
		snprintf(r->why, sizeof(r->why), "out of memory");
		goto out;
	}
	memset(msg, 'x', o->size);
	for (unsigned i = 0; i < nconn; i++) {
		int one = 1;

		cs[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (cs[i].fd < 0 || connect(cs[i].fd, (struct sockaddr *)&sin, sizeof(sin))) {
			r->na = 1;
			snprintf(r->why, sizeof(r->why), "connect %u: %s", i, strerror(errno));
			nconn = i + (cs[i].fd >= 0);
			goto out;
		}
		setsockopt(cs[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
		ev.data.u32 = i;
		epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
	}
	t0 = net_now_ns();
	tend = t0 + (uint64_t)((o->warmup + o->runtime) * 1e9);
	for (;;) {
		uint64_t t = net_now_ns();

		if (!measuring && t >= t0 + (uint64_t)(o->warmup * 1e9)) {
			measuring = 1;
			tstart = t;
			cpu0 = proc_cpu_s(server);
		}
		if (t >= tend)
			break;
		int n = epoll_wait(ep, evs, 512, 100);

		for (int k = 0; k < n; k++) {
			struct nconn *c = &cs[evs[k].data.u32];

			if (evs[k].events & (EPOLLERR | EPOLLHUP)) {
				r->na = 1;
				snprintf(r->why, sizeof(r->why), "the server dropped a connection");
				goto out;
			}
			if (evs[k].events & EPOLLIN) {
				for (;;) {
					ssize_t got = recv(c->fd, rbuf, 65536, MSG_DONTWAIT);

					if (got <= 0) {
						if (got == 0 || errno != EAGAIN) {
							r->na = 1;
							snprintf(r->why, sizeof(r->why), "recv: %s",
								 got ? strerror(errno) : "EOF");
							goto out;
						}
						break;
					}
					c->rcvd += (size_t)got;
					uint64_t tn = net_now_ns();

					while (c->rcvd >= o->size && c->inflight) {
						c->rcvd -= o->size;
						c->inflight--;
						if (measuring) {
							uint64_t us =
								(tn - c->stamp[c->sh % 64]) / 1000;

							if (us >= HIST_FINE)
								us = HIST_FINE +
								     (us - HIST_FINE) / 100;
							hist[us < HIST_N ? us : HIST_N - 1]++;
							done++;
						}
						c->sh++;
					}
				}
			}
			if (send_some(c, msg, o->size, o->depth) < 0) {
				r->na = 1;
				snprintf(r->why, sizeof(r->why), "send: %s", strerror(errno));
				goto out;
			}
		}
	}
	{
		double secs = (double)(net_now_ns() - tstart) / 1e9;
		double cpu = proc_cpu_s(server) - cpu0;

		if (!done) {
			r->na = 1;
			snprintf(r->why, sizeof(r->why), "no request completed");
			goto out;
		}
		r->rps = (double)done / secs;
		r->p50 = net_pct(hist, done, 0.50);
		r->p99 = net_pct(hist, done, 0.99);
		r->cpu_us = cpu * 1e6 / (double)done;
	}
out:
	if (cs)
		for (unsigned i = 0; i < nconn; i++)
			if (cs[i].fd > 0)
				close(cs[i].fd);
	if (ep >= 0)
		close(ep);
	free(cs);
	free(hist);
	free(msg);
	free(rbuf);
}

static void stop_server(pid_t pid)
{
	kill(pid, SIGINT);
	for (int i = 0; i < 50; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void net_usage(void)
{
	printf("usage: ringer-bench net [-c CONNS,...] [-s SIZE] [-d DEPTH] [-T SECONDS]\n"
	       "                        [-w WARMUP] [-r ROUNDS] [-b kernel,user,shim,epoll]\n"
	       "                        [--json FILE]\n"
	       "An echo server on each backend under a loopback load, side by side:\n"
	       "  -c  connection counts (default 1,100,1000)\n"
	       "  -s  message size in bytes (default 64)\n"
	       "  -d  messages in flight per connection: 1 ping-pong (default), more pipelined\n"
	       "  -T  measured seconds per server and count (default 2)\n"
	       "  -w  warm-up seconds before it (default 0.3)\n"
	       "  -r  rounds (default 1): each runs every server once, the order turned by one\n"
	       "      server per round; each figure is the median over the rounds, each ratio\n"
	       "      the median of the rounds' ratios (servers run close in time compare)\n"
	       "  -b  servers (default all): kernel = ringer-echo on the kernel's io_uring,\n"
	       "      user = ringer-echo on the engine, shim = the liburing build of it on the\n"
	       "      engine under the preload shim, epoll = a plain epoll loop\n"
	       "Reports requests/s, p50/p99 latency (us), server CPU per request (us), and\n"
	       "ratios to the kernel's io_uring and to the epoll loop.\n"
	       "  -h, --help  this help;  --version  the version\n"
	       "RINGER_BACKEND (kernel, user, auto) is not read: -b names the servers.\n");
	exit(0);
}

static void net_bad(const char *what, const char *arg)
{
	exit(ringer_cli_bad("ringer-bench net", what, arg));
}

static void parse_list(const char *s, struct net_opts *o)
{
	char *dup = strdup(s), *save = NULL;

	o->nconns = 0;
	for (char *t = strtok_r(dup, ",", &save); t && o->nconns < 8;
	     t = strtok_r(NULL, ",", &save)) {
		long v = strtol(t, NULL, 10);

		if (v < 1 || v > 20000)
			net_bad("bad connection count (1..20000)", t);
		o->conns[o->nconns++] = (unsigned)v;
	}
	free(dup);
}

static void parse_backends(const char *s, struct net_opts *o)
{
	char *dup = strdup(s), *save = NULL;

	memset(o->sel, 0, sizeof(o->sel));
	for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int found = 0;

		for (int k = 0; k < MAX_SERVERS; k++)
			if (!strcmp(t, kind_name[k]) || !strcmp(t, "all"))
				o->sel[k] = found = 1;
		if (!found)
			net_bad("unknown server", t);
	}
	free(dup);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of n values (n >= 1); sorts them. */
static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * The median over the rounds of one server's figure (field: an offset into
 * struct net_result) against another's in the same round (NULL: the figure
 * itself).  Rounds where either was n/a do not count; 0 when none is left.
 */
static double round_median(struct net_result *runs, unsigned rounds, int k, int against,
			   size_t field)
{
	double v[MAX_ROUNDS];
	unsigned n = 0;

	for (unsigned i = 0; i < rounds; i++) {
		const struct net_result *a = &runs[i * MAX_SERVERS + k];
		const struct net_result *b = against < 0 ? NULL : &runs[i * MAX_SERVERS + against];
		double x = *(const double *)((const char *)a + field);

		if (a->na || (b && b->na))
			continue;
		if (b) {
			double y = *(const double *)((const char *)b + field);

			if (y <= 0)
				continue;
			x /= y;
		}
		v[n++] = x;
	}
	return n ? median(v, n) : 0;
}

static void print_ratio(double ratio)
{
	if (ratio > 0)
		printf(" %6.2fx", ratio);
	else
		printf(" %7s", "-");
}

int net_main(int argc, char **argv)
{
	static const struct option longopts[] = { { "help", no_argument, NULL, 'h' },
						  { "json", required_argument, NULL, 'j' },
						  { "version", no_argument, NULL, 'V' },
						  { NULL, 0, NULL, 0 } };
	struct net_opts o = { .conns = { 1, 100, 1000 },
			      .nconns = 3,
			      .size = 64,
			      .depth = 1,
			      .runtime = 2,
			      .warmup = 0.3,
			      .rounds = 1,
			      .sel = { 1, 1, 1, 1 } };
	struct net_result res[8][MAX_SERVERS];
	/* every round's results of one connection count */
	static struct net_result runs[MAX_ROUNDS * MAX_SERVERS];
	struct rlimit rl;
	FILE *json = NULL;
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":c:s:d:T:w:r:b:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			parse_list(optarg, &o);
			break;
		case 's':
			o.size = (unsigned)strtoul(optarg, NULL, 0);
			if (o.size < 1 || o.size > 1 << 20)
				net_bad("bad -s (1..1048576)", optarg);
			break;
		case 'd':
			o.depth = (unsigned)strtoul(optarg, NULL, 0);
			if (o.depth < 1 || o.depth > 64)
				net_bad("bad -d (1..64)", optarg);
			break;
		case 'T':
			o.runtime = strtod(optarg, NULL);
			if (!(o.runtime > 0))
				net_bad("bad -T (seconds, more than 0)", optarg);
			break;
		case 'w':
			o.warmup = strtod(optarg, NULL);
			if (!(o.warmup >= 0))
				net_bad("bad -w (seconds, 0 or more)", optarg);
			break;
		case 'r':
			o.rounds = (unsigned)strtoul(optarg, NULL, 0);
			if (o.rounds < 1 || o.rounds > MAX_ROUNDS)
				net_bad("bad -r (1..15)", optarg);
			break;
		case 'b':
			parse_backends(optarg, &o);
			break;
		case 'j':
			o.json = optarg;
			break;
		case 'h':
			net_usage();
			break;
		case 'V':
			return ringer_cli_version("ringer-bench");
		case ':':
			net_bad("option needs a value", argv[optind - 1]);
			break;
		default:
			net_bad("unknown option", argv[optind - 1]);
		}
	}
	signal(SIGPIPE, SIG_IGN);
	/* two descriptors per connection (client and server side) */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (o.json) {
		json = fopen(o.json, "w");
		if (!json) {
			fprintf(stderr, "ringer-bench net: %s: %s\n", o.json, strerror(errno));
			return 1;
		}
		fprintf(json,
			"{\"mode\":\"net\",\"size\":%u,\"depth\":%u,\"runtime\":%.3f,"
			"\"rounds\":%u,\"runs\":[",
			o.size, o.depth, o.runtime, o.rounds);
	}
	printf("ringer-bench net: echo over loopback, %u-byte messages, %s (depth %u), %.1f s "
	       "each",
	       o.size, o.depth > 1 ? "pipelined" : "ping-pong", o.depth, o.runtime);
	if (o.rounds > 1)
		printf(", %u rounds: medians", o.rounds);
	printf("\n");
	for (unsigned ci = 0; ci < o.nconns; ci++) {
		printf("\n== %u connection%s\n", o.conns[ci], o.conns[ci] > 1 ? "s" : "");
		printf("%-7s %12s %9s %9s %10s %8s %8s %8s\n", "server", "req/s", "p50 us",
		       "p99 us", "cpu us/req", "rps/krn", "rps/epl", "p99/krn");
		for (unsigned round = 0; round < o.rounds; round++) {
			for (int j = 0; j < MAX_SERVERS; j++) {
				/* each round starts one server later: none always runs
				 * first, after the same one, or last */
				int k = (int)((round + (unsigned)j) % MAX_SERVERS);
				struct net_result *r = &runs[round * MAX_SERVERS + k];
				unsigned port = 0;
				pid_t pid;

				memset(r, 0, sizeof(*r));
				if (!o.sel[k]) {
					r->na = 1;
					snprintf(r->why, sizeof(r->why), "not selected");
					continue;
				}
				fflush(stdout);
				pid = start_server((enum server_kind)k, &port, r->why,
						   sizeof(r->why));
				if (pid < 0) {
					r->na = 1;
					continue;
				}
				run_load(&o, o.conns[ci], pid, port, r);
				stop_server(pid);
			}
		}
		for (int k = 0; k < MAX_SERVERS; k++) {
			struct net_result *r = &res[ci][k];

			*r = runs[k]; /* n/a and why: the first round's */
			for (unsigned round = 1; r->na && round < o.rounds; round++)
				*r = runs[round * MAX_SERVERS + k];
			if (r->na)
				continue;
			r->rps = round_median(runs, o.rounds, k, -1, offsetof(struct net_result, rps));
			r->p50 = round_median(runs, o.rounds, k, -1, offsetof(struct net_result, p50));
			r->p99 = round_median(runs, o.rounds, k, -1, offsetof(struct net_result, p99));
			r->cpu_us = round_median(runs, o.rounds, k, -1,
						 offsetof(struct net_result, cpu_us));
			r->rps_krn = round_median(runs, o.rounds, k, SRV_KERNEL,
						  offsetof(struct net_result, rps));
			r->rps_epl = round_median(runs, o.rounds, k, SRV_EPOLL,
						  offsetof(struct net_result, rps));
			r->p99_krn = round_median(runs, o.rounds, k, SRV_KERNEL,
						  offsetof(struct net_result, p99));
		}
		for (int k = 0; k < MAX_SERVERS; k++) {
			struct net_result *r = &res[ci][k];

			if (!o.sel[k])
				continue;
			if (r->na) {
				printf("%-7s n/a: %s\n", kind_name[k], r->why);
				continue;
			}
			printf("%-7s %12.0f %9.1f %9.1f %10.2f", kind_name[k], r->rps, r->p50,
			       r->p99, r->cpu_us);
			print_ratio(r->rps_krn);
			print_ratio(r->rps_epl);
			print_ratio(r->p99_krn);
			printf("\n");
		}
		if (json)
			for (int k = 0; k < MAX_SERVERS; k++) {
				struct net_result *r = &res[ci][k];
				static int first = 1;

				if (!o.sel[k])
					continue;
				fprintf(json, "%s{\"conns\":%u,\"server\":\"%s\"", first ? "" : ",",
					o.conns[ci], kind_name[k]);
				first = 0;
				if (r->na)
					fprintf(json, ",\"na\":\"%s\"}", r->why);
				else
					fprintf(json,
						",\"rps\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f,"
						"\"cpu_us_per_req\":%.3f,\"rps_vs_kernel\":%.3f,"
						"\"rps_vs_epoll\":%.3f,\"p99_vs_kernel\":%.3f}",
						r->rps, r->p50, r->p99, r->cpu_us, r->rps_krn,
						r->rps_epl, r->p99_krn);
			}
	}
	printf("\nratios: rps/krn and p99/krn against the kernel's io_uring server, rps/epl "
	       "against the epoll loop\n");
	if (json) {
		fprintf(json, "]}\n");
		fclose(json);
	}
	return 0;
}
