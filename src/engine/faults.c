// SPDX-License-Identifier: MIT
/*
 * io_uring-level fault injection: RINGER_FAULTS="RULE[;RULE...]" (the
 * grammar, the actions and the determinism promise: docs/FAULTS.md).
 *
 * Rules are parsed once, at load (a constructor here, and the shim's, which
 * exits with status 2 on a bad rule), before any ring exists.  The decision
 * for a request is made in the thread that reads its SQE, under the ring's
 * submit_lock, in SQ order: each rule counts its matches per ring, and its
 * random draws are a pure function of (seed, ring ordinal, rule, match
 * number), so the same SQE stream on a ring meets the same injections
 * whatever other threads or rings do meanwhile.
 *
 * A held completion (delay, reorder) is the request itself, kept alive and
 * completed later by one thread of this file's (the kernel may take as long
 * as it likes to complete a request, so links, drains and cancellation keep
 * their meaning: the request is simply still in flight).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/faults.h"
#include "engine/ops/rw.h"
#include "engine/sys.h"
#include "engine/thread.h"
#include "engine/trace_ops.h"

int engine_faults;
unsigned engine_hooks;

#define MAX_RULES      64
#define MAX_LIST       16 /* fds or rings in one rule */
#define REORDER_CAP_MS 50 /* a reordered completion waits at most this long */

enum { ACT_NONE, ACT_ERROR, ACT_EAGAIN, ACT_SHORT, ACT_DELAY, ACT_REORDER, ACT_CQ };

struct rule {
	char *text; /* the rule as written, for the log's readers and messages */
	uint64_t ops[4]; /* opcodes it matches (bit per opcode); all when any_op */
	bool any_op;
	int fds[MAX_LIST], rings[MAX_LIST];
	unsigned nr_fds, nr_rings;
	char *path; /* fnmatch() glob, or NULL */
	uint64_t nth, every, after, count; /* 0: not given */
	double p; /* < 0: not given */
	int act;
	int err; /* ACT_ERROR: a positive errno */
	uint32_t a, b; /* SHORT: a bytes (b: random cut); DELAY: a..b ms; REORDER: a; CQ: a */
	bool random_cut;
};

static struct rule rules[MAX_RULES];
static unsigned nr_rules;
static uint64_t seed;
static int log_fd = 2;
static _Atomic(faults_trace_fn) trace_hook;
static atomic_uint ring_ordinals;

/* A ring's counters: written by its submitter under submit_lock. */
struct faults_ring {
	unsigned ordinal; /* order of the ring's setup in the process */
	bool gone; /* teardown began (faults_lock) */
	unsigned firing; /* held requests being completed now (faults_lock) */
	uint64_t matches[MAX_RULES], injected[MAX_RULES];
};

/* The rules' opcode names: the ABI's (trace_ops.h, shared with the trace
 * and ringer-trace), lowercased; made at the first use. */
static char op_names[IORING_OP_LAST][24];
static pthread_once_t op_names_once = PTHREAD_ONCE_INIT;

static void op_names_make(void)
{
	for (unsigned op = 0; op < IORING_OP_LAST; op++) {
		const char *n = trace_op_names[op];
		size_t k;

		for (k = 0; n && n[k] && k + 1 < sizeof(op_names[op]); k++)
			op_names[op][k] = (char)tolower((unsigned char)n[k]);
		op_names[op][k] = 0;
	}
}

const char *faults_op_name(unsigned op)
{
	if (op >= IORING_OP_LAST)
		return NULL;
	pthread_once(&op_names_once, op_names_make);
	return op_names[op][0] ? op_names[op] : NULL;
}

#define E(x)          \
	{             \
#x, x \
	}
static const struct {
	const char *name;
	int val;
} errnos[] = {
	E(EPERM),	 E(ENOENT),	  E(ESRCH),	   E(EINTR),	       E(EIO),
	E(ENXIO),	 E(E2BIG),	  E(ENOEXEC),	   E(EBADF),	       E(ECHILD),
	E(EAGAIN),	 E(ENOMEM),	  E(EACCES),	   E(EFAULT),	       E(EBUSY),
	E(EEXIST),	 E(EXDEV),	  E(ENODEV),	   E(ENOTDIR),	       E(EISDIR),
	E(EINVAL),	 E(ENFILE),	  E(EMFILE),	   E(ENOTTY),	       E(ETXTBSY),
	E(EFBIG),	 E(ENOSPC),	  E(ESPIPE),	   E(EROFS),	       E(EMLINK),
	E(EPIPE),	 E(ERANGE),	  E(EDEADLK),	   E(ENAMETOOLONG),    E(ENOLCK),
	E(ENOSYS),	 E(ENOTEMPTY),	  E(ELOOP),	   E(ENOMSG),	       E(ENODATA),
	E(ETIME),	 E(EOVERFLOW),	  E(EBADFD),	   E(EILSEQ),	       E(ENOTSOCK),
	E(EDESTADDRREQ), E(EMSGSIZE),	  E(EPROTOTYPE),   E(ENOPROTOOPT),     E(EPROTONOSUPPORT),
	E(EOPNOTSUPP),	 E(EAFNOSUPPORT), E(EADDRINUSE),   E(EADDRNOTAVAIL),   E(ENETDOWN),
	E(ENETUNREACH),	 E(ENETRESET),	  E(ECONNABORTED), E(ECONNRESET),      E(ENOBUFS),
	E(EISCONN),	 E(ENOTCONN),	  E(ESHUTDOWN),	   E(ETIMEDOUT),       E(ECONNREFUSED),
	E(EHOSTDOWN),	 E(EHOSTUNREACH), E(EALREADY),	   E(EINPROGRESS),     E(ESTALE),
	E(EDQUOT),	 E(ECANCELED),	  E(EOWNERDEAD),   E(ENOTRECOVERABLE), E(EREMOTEIO),
	E(EBADMSG),	 E(ENOLINK),	  E(EPROTO),	   E(ENOTUNIQ),	       E(EBADR),
	E(EKEYEXPIRED),	 E(EMEDIUMTYPE),  E(ENOMEDIUM),	   E(EUCLEAN),
};
#undef E

static const char *errno_name(int e)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].val == e)
			return errnos[i].name;
	return NULL;
}

/* ---- parsing ---------------------------------------------------------- */

struct parse {
	const char *all; /* RINGER_FAULTS */
	unsigned rule; /* index of the rule being parsed */
	const char *rule_start;
	size_t rule_len;
};

static int bad(const struct parse *ps, const char *at, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "ringer: RINGER_FAULTS: rule %u \"%.*s\", position %zu: %s\n", ps->rule,
		(int)ps->rule_len, ps->rule_start, (size_t)(at - ps->all) + 1, msg);
	return -EINVAL;
}

/* an unsigned decimal in [lo, hi] that runs up to end */
static bool parse_u64(const char *s, const char *end, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t v = 0;

	if (s == end)
		return false;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool parse_prob(const char *s, const char *end, double *out)
{
	char buf[64], *e;
	size_t n = (size_t)(end - s);
	double v;

	if (!n || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	if (buf[0] == '-' || buf[0] == '+')
		return false;
	v = strtod(buf, &e);
	if (*e || !(v >= 0.0 && v <= 1.0))
		return false;
	*out = v;
	return true;
}

static int parse_errno(const char *s, const char *end)
{
	size_t n = (size_t)(end - s);
	uint64_t v;

	if (n && *s == '-') {
		s++;
		n--;
	}
	if (parse_u64(s, end, 1, 4095, &v))
		return (int)v;
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (strlen(errnos[i].name) == n && !strncasecmp(errnos[i].name, s, n))
			return errnos[i].val;
	return 0;
}

static int parse_op(const char *s, const char *end)
{
	size_t n = (size_t)(end - s);
	uint64_t v;

	if (parse_u64(s, end, 0, IORING_OP_LAST - 1, &v))
		return (int)v;
	for (unsigned i = 0; i < IORING_OP_LAST; i++)
		if (trace_op_names[i] && strlen(trace_op_names[i]) == n &&
		    !strncasecmp(trace_op_names[i], s, n))
			return (int)i;
	return -1;
}

/* a comma-separated list of integers (fds, rings) */
static int parse_int_list(const struct parse *ps, const char *v, const char *end, int *out,
			  unsigned *nr, const char *what)
{
	while (v < end) {
		const char *c = memchr(v, ',', (size_t)(end - v));
		uint64_t x;

		if (!c)
			c = end;
		if (*nr == MAX_LIST)
			return bad(ps, v, "more than %d %s", MAX_LIST, what);
		if (!parse_u64(v, c, 0, INT_MAX, &x))
			return bad(ps, v, "%s: \"%.*s\" is not a number", what, (int)(c - v), v);
		out[(*nr)++] = (int)x;
		v = c + (c < end);
		if (c + 1 == end)
			return bad(ps, end, "%s: a comma with nothing after it", what);
	}
	return 0;
}

static char *dup_range(const char *s, const char *e)
{
	return strndup(s, (size_t)(e - s));
}

static int set_act(const struct parse *ps, struct rule *ru, const char *at, int act)
{
	if (ru->act != ACT_NONE)
		return bad(ps, at, "a rule has one action");
	ru->act = act;
	return 0;
}

/* one item: KEY=VALUE or a bare action word */
static int parse_item(const struct parse *ps, struct rule *ru, const char *s, const char *end)
{
	const char *eq = memchr(s, '=', (size_t)(end - s));
	const char *k_end = eq ? eq : end, *v = eq ? eq + 1 : end;
	size_t kl = (size_t)(k_end - s);
	uint64_t x, y;
	int ret;

#define KEY(str) (kl == sizeof(str) - 1 && !memcmp(s, str, kl))
	if (eq && v == end && !KEY("short"))
		return bad(ps, v, "\"%.*s\" wants a value", (int)kl, s);
	if (KEY("op")) {
		ru->any_op = false;
		while (v < end) {
			const char *c = memchr(v, ',', (size_t)(end - v));
			int op;

			if (!c)
				c = end;
			op = parse_op(v, c);
			if (op < 0)
				return bad(ps, v, "unknown opcode \"%.*s\"", (int)(c - v), v);
			ru->ops[op / 64] |= 1ULL << (op % 64);
			if (c + 1 == end)
				return bad(ps, end, "op: a comma with nothing after it");
			v = c + (c < end);
		}
		return 0;
	}
	if (KEY("fd"))
		return parse_int_list(ps, v, end, ru->fds, &ru->nr_fds, "fd");
	if (KEY("ring"))
		return parse_int_list(ps, v, end, ru->rings, &ru->nr_rings, "ring");
	if (KEY("path")) {
		ru->path = dup_range(v, end);
		return ru->path ? 0 : -ENOMEM;
	}
	if (KEY("nth") || KEY("every") || KEY("after") || KEY("count")) {
		if (!parse_u64(v, end, KEY("after") ? 0 : 1, UINT64_MAX, &x))
			return bad(ps, v, "%.*s: \"%.*s\" is not a number%s", (int)kl, s,
				   (int)(end - v), v, KEY("after") ? "" : " of 1 or more");
		if (KEY("nth"))
			ru->nth = x;
		else if (KEY("every"))
			ru->every = x;
		else if (KEY("after"))
			ru->after = x;
		else
			ru->count = x;
		return 0;
	}
	if (KEY("p")) {
		if (!parse_prob(v, end, &ru->p))
			return bad(ps, v, "p: \"%.*s\" is no probability in [0, 1]", (int)(end - v),
				   v);
		return 0;
	}
	if (KEY("error")) {
		int e = parse_errno(v, end);

		if (!e)
			return bad(ps, v, "error: \"%.*s\" is no errno name or number",
				   (int)(end - v), v);
		ret = set_act(ps, ru, s, e == EAGAIN ? ACT_EAGAIN : ACT_ERROR);
		ru->err = e;
		return ret;
	}
	if (KEY("eagain")) {
		if (eq)
			return bad(ps, eq, "eagain takes no value");
		ru->err = EAGAIN;
		return set_act(ps, ru, s, ACT_EAGAIN);
	}
	if (KEY("short")) {
		ret = set_act(ps, ru, s, ACT_SHORT);
		if (ret)
			return ret;
		if (!eq || v == end) {
			ru->random_cut = true;
			return 0;
		}
		if (!parse_u64(v, end, 0, UINT32_MAX, &x))
			return bad(ps, v, "short: \"%.*s\" is not a byte count", (int)(end - v), v);
		ru->a = (uint32_t)x;
		return 0;
	}
	if (KEY("delay")) {
		const char *dash = memchr(v, '-', (size_t)(end - v));

		ret = set_act(ps, ru, s, ACT_DELAY);
		if (ret)
			return ret;
		if (!dash && parse_u64(v, end, 0, 60000, &x)) {
			ru->a = ru->b = (uint32_t)x;
			return 0;
		}
		if (dash && parse_u64(v, dash, 0, 60000, &x) &&
		    parse_u64(dash + 1, end, x, 60000, &y)) {
			ru->a = (uint32_t)x;
			ru->b = (uint32_t)y;
			return 0;
		}
		return bad(ps, v, "delay: \"%.*s\" is not MS or MIN-MAX (ms, up to 60000)",
			   (int)(end - v), v);
	}
	if (KEY("reorder")) {
		ret = set_act(ps, ru, s, ACT_REORDER);
		ru->a = 1;
		if (ret || !eq)
			return ret;
		if (!parse_u64(v, end, 1, 1U << 20, &x))
			return bad(ps, v, "reorder: \"%.*s\" is not a count of 1 or more",
				   (int)(end - v), v);
		ru->a = (uint32_t)x;
		return 0;
	}
	if (KEY("cq")) {
		ret = set_act(ps, ru, s, ACT_CQ);
		if (ret)
			return ret;
		if (!parse_u64(v, end, 1, IORING_MAX_CQ_ENTRIES, &x))
			return bad(ps, v, "cq: \"%.*s\" is not a CQ size of 1 or more",
				   (int)(end - v), v);
		ru->a = (uint32_t)x;
		return 0;
	}
#undef KEY
	return bad(ps, s, "unknown item \"%.*s\"", (int)(end - s), s);
}

static int parse_rule(struct parse *ps, struct rule *ru, const char *s, const char *end)
{
	ru->any_op = true;
	ru->p = -1.0;
	ru->text = dup_range(s, end);
	if (!ru->text)
		return -ENOMEM;
	while (s < end) {
		const char *e;
		int ret;

		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		if (s == end)
			break;
		for (e = s; e < end && *e != ' ' && *e != '\t'; e++)
			;
		ret = parse_item(ps, ru, s, e);
		if (ret)
			return ret;
		s = e;
	}
	if (ru->act == ACT_NONE)
		return bad(ps, end, "no action (error=, eagain, short, delay=, reorder, cq=)");
	if (ru->act == ACT_CQ && (!ru->any_op || ru->nr_fds || ru->path || ru->nth || ru->every ||
				  ru->after || ru->count || ru->p >= 0))
		return bad(ps, ps->rule_start, "cq= is a ring's: it takes ring= only");
	if (ru->nth && ru->every)
		return bad(ps, ps->rule_start, "nth= and every= together");
	return 0;
}

static int parse_rules(const char *env)
{
	struct parse ps = { .all = env };
	const char *s = env;

	while (*s) {
		const char *end = strchr(s, ';'), *t;
		int ret;

		if (!end)
			end = s + strlen(s);
		for (t = s; t < end && (*t == ' ' || *t == '\t'); t++)
			;
		if (t < end) { /* empty rules (";;", a trailing ';') are none */
			if (nr_rules == MAX_RULES) {
				ps.rule = nr_rules;
				ps.rule_start = s;
				ps.rule_len = (size_t)(end - s);
				return bad(&ps, s, "more than %d rules", MAX_RULES);
			}
			ps.rule = nr_rules;
			ps.rule_start = s;
			ps.rule_len = (size_t)(end - s);
			ret = parse_rule(&ps, &rules[nr_rules], s, end);
			nr_rules++; /* what it holds is freed with the others */
			if (ret)
				return ret;
		}
		s = *end ? end + 1 : end;
	}
	return 0;
}

static void rules_free(void)
{
	for (unsigned i = 0; i < nr_rules; i++) {
		free(rules[i].text);
		free(rules[i].path);
	}
	memset(rules, 0, sizeof(rules));
	nr_rules = 0;
}

/* ---- the log ---------------------------------------------------------- */

static void write_all(int fd, const char *line, size_t len)
{
	while (len) {
		ssize_t n = write(fd, line, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		line += n;
		len -= (size_t)n;
	}
}

static void log_write(const char *line, size_t len)
{
	write_all(log_fd, line, len);
}

static void log_open(void)
{
	const char *name = getenv("RINGER_FAULTS_LOG");
	char path[PATH_MAX];
	size_t o = 0;
	int fd;

	if (!name || !*name)
		return;
	/* %p: the process id, for a log per process of a forking program */
	for (const char *c = name; *c && o + 24 < sizeof(path); c++) {
		if (c[0] == '%' && c[1] == 'p') {
			o += (size_t)snprintf(path + o, sizeof(path) - o, "%d", (int)getpid());
			c++;
		} else {
			path[o++] = *c;
		}
	}
	path[o] = 0;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr,
			"ringer: RINGER_FAULTS_LOG: cannot open %s: %s; logging to stderr\n", path,
			strerror(errno));
		return;
	}
	log_fd = sys_fd_move_high(fd);
}

static void log_injection(const struct faults_event *ev)
{
	char line[256], fdbuf[16];
	const char *op = ev->opcode < 0 ? "-" : faults_op_name((unsigned)ev->opcode);
	faults_trace_fn hook = atomic_load_explicit(&trace_hook, memory_order_acquire);
	char opbuf[16];
	int n;

	if (!op) {
		snprintf(opbuf, sizeof(opbuf), "%d", ev->opcode);
		op = opbuf;
	}
	snprintf(fdbuf, sizeof(fdbuf), "%d", ev->fd);
	n = snprintf(line, sizeof(line),
		     "ringer-faults: rule=%u ring=%d seq=%" PRIu64
		     " op=%s fd=%s user_data=0x%" PRIx64 " action=%s",
		     ev->rule, ev->ring, ev->seq, op, ev->fd < 0 ? "-" : fdbuf, ev->user_data,
		     ev->action);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line) - 1)
		n = (int)sizeof(line) - 2;
	line[n] = '\n';
	/* while tracing, the trace has it: stderr (the trace's usual place
	 * too) gets it once; a RINGER_FAULTS_LOG file always */
	if (!hook || log_fd != 2)
		log_write(line, (size_t)n + 1);
	line[n] = 0;
	if (hook)
		hook(ev, line);
}

void faults_set_trace_hook(faults_trace_fn fn)
{
	atomic_store_explicit(&trace_hook, fn, memory_order_release);
}

/* ---- initialisation --------------------------------------------------- */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_ret;

static uint64_t mix64(uint64_t z)
{
	/* splitmix64's finaliser: every input bit reaches every output bit */
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int read_seed(void)
{
	const char *env = getenv("RINGER_SEED");
	char line[96], *end;
	int n;

	if (env && *env) {
		errno = 0;
		seed = strtoull(env, &end, 0);
		if (errno || *end || *env == '-') {
			fprintf(stderr, "ringer: RINGER_SEED=\"%s\" is not a number\n", env);
			return -EINVAL;
		}
		return 0;
	}
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = mix64((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
			     (uint64_t)getpid());
	}
	/* decimal, below 2^53: a seed a shell or a script takes back as it is */
	seed &= (1ULL << 53) - 1;
	snprintf(line, sizeof(line), "%" PRIu64, seed);
	/* exec'd programs replay with the same seed, and do not print another */
	setenv("RINGER_SEED", line, 1);
	n = snprintf(line, sizeof(line), "ringer-faults: seed=%" PRIu64 " (RINGER_SEED)\n", seed);
	if (n > 0)
		write_all(2, line, (size_t)n);
	return 0;
}

static void do_init(void)
{
	const char *env = getenv("RINGER_FAULTS");
	int ret;

	if (!env || !*env)
		return;
	ret = parse_rules(env);
	if (!ret && !nr_rules)
		return; /* only separators: no rules */
	if (!ret)
		ret = read_seed();
	if (ret) {
		if (ret == -ENOMEM)
			fprintf(stderr, "ringer: RINGER_FAULTS: out of memory\n");
		rules_free();
		init_ret = -EINVAL;
		engine_faults = -1;
		return;
	}
	log_open();
	if (log_fd != 2) {
		/* a log file says which seed replays it */
		char line[64];
		int n = snprintf(line, sizeof(line), "ringer-faults: seed=%" PRIu64 "\n", seed);

		if (n > 0)
			log_write(line, (size_t)n);
	}
	engine_faults = 1;
	engine_hooks |= ENGINE_HOOK_FAULTS;
}

int faults_init(void)
{
	pthread_once(&init_once, do_init);
	return init_ret;
}

/* At load, before main: a library program with bad rules sees them at once. */
__attribute__((constructor)) static void faults_ctor(void)
{
	faults_init();
}

/* ---- rings ------------------------------------------------------------ */

static pthread_mutex_t faults_lock = PTHREAD_MUTEX_INITIALIZER;

static bool list_has(const int *v, unsigned n, int x)
{
	for (unsigned i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

int faults_ring_setup(struct ring *r)
{
	struct faults_ring *fr;

	if (engine_faults < 0)
		return -EINVAL;
	fr = calloc(1, sizeof(*fr));
	if (!fr)
		return -ENOMEM;
	fr->ordinal = atomic_fetch_add_explicit(&ring_ordinals, 1, memory_order_relaxed);
	r->faults = fr;
	r->fault_cq = 0;
	for (unsigned i = 0; i < nr_rules; i++) {
		struct rule *ru = &rules[i];
		char act[32];

		if (ru->act != ACT_CQ ||
		    (ru->nr_rings && !list_has(ru->rings, ru->nr_rings, r->fd)))
			continue;
		if (ru->a >= r->cq_entries)
			continue; /* no smaller than it is: nothing to inject */
		r->fault_cq = ru->a;
		snprintf(act, sizeof(act), "cq=%u/%u", ru->a, r->cq_entries);
		log_injection(&(struct faults_event){
			.rule = i, .ring = r->fd, .opcode = -1, .fd = -1, .action = act });
		break;
	}
	return 0;
}

void faults_ring_free(struct ring *r)
{
	free(r->faults);
	r->faults = NULL;
	r->fault_cq = 0;
}

/* ---- the decision ----------------------------------------------------- */

/* a draw in [0, 2^64) for the n-th match of rule on ring, purpose k */
static uint64_t draw(const struct faults_ring *fr, unsigned rule, uint64_t n, unsigned k)
{
	uint64_t z = mix64(seed ^ mix64(((uint64_t)fr->ordinal << 32) | rule));

	return mix64(z ^ mix64((n << 2) | k));
}

static bool op_is_path(unsigned op)
{
	switch (op) {
	case IORING_OP_OPENAT:
	case IORING_OP_OPENAT2:
	case IORING_OP_STATX:
	case IORING_OP_UNLINKAT:
	case IORING_OP_MKDIRAT:
	case IORING_OP_RENAMEAT:
	case IORING_OP_LINKAT:
		return true;
	}
	return false;
}

/* the request's path: the one an open (...) names, or its file's */
static bool path_matches(struct ring *r, const struct io_uring_sqe *sqe, const char *glob)
{
	char link[64], path[PATH_MAX];
	ssize_t n;
	int fd = sqe->fd;
	struct rfile *f = NULL;
	bool ok;

	if (op_is_path(sqe->opcode)) {
		char *p;

		if (copy_user_path((const char *)(uintptr_t)sqe->addr, true, &p))
			return false;
		ok = fnmatch(glob, p, 0) == 0;
		free(p);
		return ok;
	}
	if (sqe->flags & IOSQE_FIXED_FILE) {
		f = rsrc_get_file(r, (unsigned)fd);
		if (!f)
			return false;
		fd = f->fd;
	}
	if (fd < 0) {
		ok = false;
	} else {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, path, sizeof(path) - 1);
		ok = n > 0;
		if (ok) {
			path[n] = 0;
			ok = fnmatch(glob, path, 0) == 0;
		}
	}
	if (f)
		rfile_put(f);
	return ok;
}

/* the transfer's length in sqe->len, for a short one */
static bool op_has_len(unsigned op)
{
	switch (op) {
	case IORING_OP_READ:
	case IORING_OP_WRITE:
	case IORING_OP_READ_FIXED:
	case IORING_OP_WRITE_FIXED:
	case IORING_OP_SEND:
	case IORING_OP_RECV:
		return true;
	}
	return false;
}

/* READV, WRITEV: the cut is made in the iovecs prep copied */
static bool op_is_vec(unsigned op)
{
	return op == IORING_OP_READV || op == IORING_OP_WRITEV;
}

/* prep of a READV or WRITEV succeeded: at most cut bytes of its vector are
 * moved (cut 0: a random cut, made here); false when it moves no more */
static bool short_vec(struct req *req, const struct rule *ru, const struct faults_ring *fr,
		      unsigned i, uint64_t n, char *act, size_t actsz)
{
	struct rw_state *rw = req_rw(req);
	size_t total = rw->total, cut = ru->a, left;

	if (ru->random_cut) {
		if (total < 2)
			return false;
		cut = 1 + (size_t)(draw(fr, i, n, 1) % (total - 1));
	} else if (total <= cut) {
		return false;
	}
	left = cut;
	for (unsigned s = 0; s < rw->nr_segs; s++) {
		if (rw->iov[s].iov_len >= left) {
			rw->iov[s].iov_len = left;
			rw->nr_segs = s + 1;
			break;
		}
		left -= rw->iov[s].iov_len;
	}
	rw->total = cut;
	snprintf(act, actsz, "short=%zu/%zu", cut, total);
	return true;
}

/*
 * Where the kernel posts -EAGAIN in the CQE rather than retrying: a read or
 * write with RWF_NOWAIT, a send or receive with MSG_DONTWAIT (the kernel's
 * REQ_F_NOWAIT).  Everywhere else its -EAGAIN is internal (a poll armed, a
 * worker), so the rule does not apply.
 */
static bool eagain_visible(const struct io_uring_sqe *sqe)
{
	switch (sqe->opcode) {
	case IORING_OP_READ:
	case IORING_OP_READV:
	case IORING_OP_READ_FIXED:
	case IORING_OP_WRITE:
	case IORING_OP_WRITEV:
	case IORING_OP_WRITE_FIXED:
	case IORING_OP_READV_FIXED:
	case IORING_OP_WRITEV_FIXED:
		return sqe->rw_flags & RWF_NOWAIT;
	case IORING_OP_SEND:
	case IORING_OP_RECV:
	case IORING_OP_SENDMSG:
	case IORING_OP_RECVMSG:
		return sqe->msg_flags & MSG_DONTWAIT;
	}
	return false;
}

/* can the rule's action apply to this request at all? */
static bool applies(const struct rule *ru, const struct io_uring_sqe *sqe, bool in_chain)
{
	switch (ru->act) {
	case ACT_EAGAIN:
		return eagain_visible(sqe);
	case ACT_SHORT:
		if (sqe->flags & IOSQE_BUFFER_SELECT)
			return false;
		if (op_is_vec(sqe->opcode))
			return sqe->len > 0; /* the bytes are known after prep */
		if (!op_has_len(sqe->opcode))
			return false;
		return ru->random_cut ? sqe->len >= 2 : sqe->len > ru->a;
	case ACT_REORDER:
		/* independent: neither in a chain nor drained */
		return !in_chain &&
		       !(sqe->flags & (IOSQE_IO_LINK | IOSQE_IO_HARDLINK | IOSQE_IO_DRAIN));
	}
	return true;
}

static bool matches(struct ring *r, const struct rule *ru, const struct io_uring_sqe *sqe,
		    bool in_chain)
{
	unsigned op = sqe->opcode;

	if (ru->act == ACT_CQ)
		return false;
	if (!ru->any_op && (op >= 256 || !(ru->ops[op / 64] & (1ULL << (op % 64)))))
		return false;
	if (ru->nr_fds && !list_has(ru->fds, ru->nr_fds, sqe->fd))
		return false;
	if (ru->nr_rings && !list_has(ru->rings, ru->nr_rings, r->fd))
		return false;
	if (!applies(ru, sqe, in_chain))
		return false;
	return !ru->path || path_matches(r, sqe, ru->path);
}

int faults_prep(struct ring *r, struct req *req, struct io_uring_sqe *sqe, bool in_chain)
{
	struct faults_ring *fr = r->faults;
	struct faults_event ev = {
		.ring = r->fd, .opcode = sqe->opcode, .fd = sqe->fd, .user_data = sqe->user_data
	};
	const struct rule *vec_rule = NULL;
	char act[48];
	unsigned i;
	int ret;

	for (i = 0; fr && i < nr_rules; i++) {
		struct rule *ru = &rules[i];
		uint64_t n, k;

		if (!matches(r, ru, sqe, in_chain))
			continue;
		n = ++fr->matches[i];
		if (n <= ru->after)
			continue;
		k = n - ru->after;
		if ((ru->nth && k != ru->nth) || (ru->every && k % ru->every))
			continue;
		if (ru->p >= 0 && (double)(draw(fr, i, n, 0) >> 11) * 0x1p-53 >= ru->p)
			continue;
		if (ru->count && fr->injected[i] >= ru->count)
			continue;
		fr->injected[i]++;
		ev.rule = i;
		ev.seq = n;
		switch (ru->act) {
		case ACT_ERROR:
		case ACT_EAGAIN: {
			const char *nm = errno_name(ru->err);

			req->fault_kind = FAULT_ERROR;
			req->fault_val = -ru->err;
			if (nm)
				snprintf(act, sizeof(act), "error=-%s", nm);
			else
				snprintf(act, sizeof(act), "error=-%d", ru->err);
			break;
		}
		case ACT_SHORT: {
			uint32_t len = sqe->len, cut = ru->a;

			if (op_is_vec(sqe->opcode)) {
				vec_rule = ru;
				break; /* after prep */
			}
			if (ru->random_cut)
				cut = 1 + (uint32_t)(draw(fr, i, n, 1) % (len - 1));
			sqe->len = cut;
			snprintf(act, sizeof(act), "short=%u/%u", cut, len);
			break;
		}
		case ACT_DELAY: {
			uint32_t ms = ru->a;

			if (ru->b > ru->a)
				ms += (uint32_t)(draw(fr, i, n, 2) % (ru->b - ru->a + 1));
			req->fault_kind = FAULT_DELAY;
			req->fault_val = (int32_t)ms;
			snprintf(act, sizeof(act), "delay=%ums", ms);
			break;
		}
		case ACT_REORDER:
			req->fault_kind = FAULT_REORDER;
			req->fault_val = (int32_t)ru->a;
			snprintf(act, sizeof(act), "reorder=%u", ru->a);
			break;
		}
		break;
	}
	ret = op_defs[req->opcode].prep(req, sqe);
	if (!ret && vec_rule && !short_vec(req, vec_rule, fr, i, ev.seq, act, sizeof(act))) {
		fr->injected[i]--; /* no more than the cut: nothing injected */
		return 0;
	}
	if (i < nr_rules && fr) {
		if (ret) {
			req->fault_kind = FAULT_NONE; /* it fails at submit: nothing injected */
		} else {
			ev.action = act;
			log_injection(&ev);
		}
	}
	return ret;
}

bool faults_issue(struct req *req)
{
	if (req->fault_kind != FAULT_ERROR)
		return false;
	req->fault_kind = FAULT_NONE;
	req->res = req->fault_val;
	req_complete(req);
	return true;
}

/* ---- held completions ------------------------------------------------- */

struct held {
	struct held *next;
	struct req *req;
	struct ring *ring;
	int64_t deadline;
	unsigned tail; /* REORDER: released once the CQ tail passes it */
	bool reorder;
};

static struct held *held_head, *held_tail;
static pthread_cond_t held_cond; /* CLOCK_MONOTONIC */
static pthread_cond_t firing_cond;
/* the thread runs while requests are held, and ends (detached) when none are */
static bool thread_running;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static unsigned cq_tail_now(struct ring *r)
{
	/* relaxed: only a count of what was posted, no CQE is read here */
	return atomic_load_explicit((_Atomic unsigned *)r->cq_tail, memory_order_relaxed);
}

static bool due(const struct held *h, int64_t now)
{
	return h->deadline <= now || (h->reorder && (int)(cq_tail_now(h->ring) - h->tail) >= 0);
}

static void complete_held(struct held *h)
{
	int ctx = engine_thread_ctx;

	/* as the reactor completes a request: not a worker, not the submitter */
	engine_thread_ctx = CTX_REACTOR;
	req_complete(h->req);
	engine_thread_ctx = ctx;
	free(h);
}

/*
 * One held request at a time: while it completes, its ring's teardown waits
 * (firing); a completion that tears down another ring (a last reference it
 * held) finds nothing of this thread's firing there.
 */
static void *held_fn(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&faults_lock);
	while (held_head) {
		int64_t now = now_ns(), next = INT64_MAX;
		struct held **pp = &held_head, *prev = NULL, *h;
		bool polling = false;

		for (h = held_head; h; prev = h, pp = &h->next, h = h->next) {
			if (due(h, now))
				break;
			if (h->deadline < next)
				next = h->deadline;
			polling |= h->reorder;
		}
		if (h) {
			struct faults_ring *fr = h->ring->faults;

			*pp = h->next;
			if (held_tail == h)
				held_tail = prev;
			fr->firing++;
			pthread_mutex_unlock(&faults_lock);
			complete_held(h);
			pthread_mutex_lock(&faults_lock);
			fr->firing--;
			pthread_cond_broadcast(&firing_cond);
			continue;
		}
		/* a reordered completion waits for CQ tails nobody signals: look each ms */
		if (polling && next > now + 1000000)
			next = now + 1000000;
		{
			struct timespec ts = { .tv_sec = next / 1000000000,
					       .tv_nsec = next % 1000000000 };

			pthread_cond_timedwait(&held_cond, &faults_lock, &ts);
		}
	}
	thread_running = false;
	pthread_mutex_unlock(&faults_lock);
	return NULL;
}

static void fork_child(void)
{
	/* the thread is the parent's; its held requests are the parent's rings' */
	pthread_mutex_init(&faults_lock, NULL);
	held_head = held_tail = NULL;
	thread_running = false;
}

static pthread_once_t cond_once = PTHREAD_ONCE_INIT;

static void cond_init(void)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&held_cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&firing_cond, NULL);
	pthread_atfork(NULL, NULL, fork_child);
}

/* faults_lock held: the thread that completes held requests is running */
static bool thread_start(void)
{
	pthread_attr_t attr;
	pthread_t t;
	int ret;

	if (thread_running)
		return true;
	if (pthread_attr_init(&attr))
		return false;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* an engine thread: no signal of the program's runs on it */
	ret = engine_thread_create(&t, &attr, held_fn, NULL);
	pthread_attr_destroy(&attr);
	if (ret)
		return false;
	thread_running = true;
	return true;
}

bool faults_complete(struct req *req)
{
	struct ring *r = req->ring;
	int kind = req->fault_kind;
	struct held *h;

	if (kind != FAULT_DELAY && kind != FAULT_REORDER)
		return false;
	req->fault_kind = FAULT_NONE;
	if (!r->faults || atomic_load_explicit(&r->dying, memory_order_acquire))
		return false;
	h = malloc(sizeof(*h));
	if (!h)
		return false; /* no memory: complete it now */
	h->next = NULL;
	h->req = req;
	h->ring = r;
	h->reorder = kind == FAULT_REORDER;
	h->deadline = now_ns() + (int64_t)(h->reorder ? REORDER_CAP_MS : req->fault_val) * 1000000;
	h->tail = h->reorder ? cq_tail_now(r) + (unsigned)req->fault_val : 0;
	pthread_once(&cond_once, cond_init);
	pthread_mutex_lock(&faults_lock);
	if (r->faults->gone || !thread_start()) {
		pthread_mutex_unlock(&faults_lock);
		free(h);
		return false;
	}
	if (held_tail)
		held_tail->next = h;
	else
		held_head = h;
	held_tail = h;
	pthread_cond_signal(&held_cond);
	pthread_mutex_unlock(&faults_lock);
	return true;
}

void faults_ring_gone(struct ring *r)
{
	struct held *mine = NULL, **tail = &mine, **pp, *prev = NULL;

	if (!r->faults)
		return;
	pthread_once(&cond_once, cond_init);
	pthread_mutex_lock(&faults_lock);
	r->faults->gone = true;
	for (pp = &held_head; *pp;) {
		struct held *h = *pp;

		if (h->ring != r) {
			prev = h;
			pp = &h->next;
			continue;
		}
		*pp = h->next;
		if (held_tail == h)
			held_tail = prev;
		h->next = NULL;
		*tail = h;
		tail = &h->next;
	}
	while (r->faults->firing)
		pthread_cond_wait(&firing_cond, &faults_lock);
	pthread_mutex_unlock(&faults_lock);
	/* dying is set: their links are cancelled, their CQEs posted */
	while (mine) {
		struct held *nx = mine->next;

		complete_held(mine);
		mine = nx;
	}
}
