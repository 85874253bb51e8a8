// SPDX-License-Identifier: MIT
/*
 * The request trace (trace.h, docs/TRACE.md): every SQE the engine consumes
 * and every CQE it makes for it, decoded, as text lines in the manner of
 * strace or as JSON lines.
 *
 * Lines are formatted in the calling thread without a lock, then appended to
 * one process-wide buffer.  The buffer is written out (one write(2) of whole
 * lines, O_APPEND) at the end of each submit batch, when it fills, and at
 * once for a line made outside a batch (a worker's, a wait's): the buffer is
 * never left holding lines while the program runs its own code, so an exit,
 * an exec or a fork there loses or repeats nothing.  To a pipe, each write
 * is at most PIPE_BUF bytes, so that the lines of several processes sharing
 * it (ringer-trace -f) never interleave.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/api.h"
#include "engine/engine.h"
#include "engine/faults.h"
#include "engine/sys.h"
#include "engine/trace.h"
#include "engine/trace_ops.h"


static pthread_once_t trace_once = PTHREAD_ONCE_INIT;
static bool json;
static pid_t trace_pid; /* getpid(), kept: glibc no longer caches it */
static pid_t follow_pid; /* RINGER_TRACE_PID: only this process is traced */
static int64_t wall_offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC at setup */
static atomic_uint_fast64_t next_id;

/* RINGER_TRACE_FILTER: a class absent from it matches everything */
#define FILTER_MAX 16
static struct {
	bool ops_set, fds_set, rings_set;
	uint64_t ops[4];
	int fds[FILTER_MAX], nr_fds;
	int rings[FILTER_MAX], nr_rings;
} filt;

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t path_lock = PTHREAD_MUTEX_INITIALIZER; /* path_cache */
static int out_fd = -1;
static bool out_pipe;
static bool out_dead; /* the pipe's reader went away: lines are dropped */
#define OUT_CAP 65536
static char out_buf[OUT_CAP];
static size_t out_len;

/* --- output ------------------------------------------------------------- */

static void write_all(const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(out_fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EPIPE)
			out_dead = true;
		if (w <= 0)
			return; /* the lines are dropped */
		p += w;
		n -= (size_t)w;
	}
}

/* out_lock held */
static void flush_locked(void)
{
	const char *p = out_buf;
	size_t left = out_len;
	sigset_t pipe_set, old, pending;
	bool had_pipe;

	out_len = 0;
	if (out_dead)
		return;
	if (!out_pipe) {
		write_all(p, left);
		return;
	}
	/*
	 * A pipe whose reader is gone (ringer-trace ended before a child it
	 * followed) raises SIGPIPE, which would kill the program: blocked
	 * while we write, and the one our write raised taken back, unless the
	 * program had one pending already.
	 */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	had_pipe = !sigpending(&pending) && sigismember(&pending, SIGPIPE);
	while (left && !out_dead) {
		size_t n = left;

		if (n > PIPE_BUF) {
			/* whole lines only: a write up to PIPE_BUF is atomic */
			n = PIPE_BUF;
			while (n && p[n - 1] != '\n')
				n--;
			if (!n)
				n = PIPE_BUF; /* a line longer than that: as it comes */
		}
		write_all(p, n);
		p += n;
		left -= n;
	}
	if (out_dead && !had_pipe) {
		const struct timespec zero = { 0, 0 };

		sigtimedwait(&pipe_set, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void emit_line(const char *line, size_t n)
{
	pthread_mutex_lock(&out_lock);
	if (out_len + n > OUT_CAP)
		flush_locked();
	memcpy(out_buf + out_len, line, n);
	out_len += n;
	/* off a submit batch nobody would write it out soon */
	if (!engine_submit_state)
		flush_locked();
	pthread_mutex_unlock(&out_lock);
}

void trace_batch_end_slow(void)
{
	pthread_mutex_lock(&out_lock);
	if (out_len)
		flush_locked();
	pthread_mutex_unlock(&out_lock);
}

/* No thread holds one of the two locks while it takes the other. */
static void fork_prepare(void)
{
	pthread_mutex_lock(&path_lock);
	pthread_mutex_lock(&out_lock);
}

static void fork_parent(void)
{
	pthread_mutex_unlock(&out_lock);
	pthread_mutex_unlock(&path_lock);
}

static void fork_child(void)
{
	/* what the buffer holds is the parent's to write */
	out_len = 0;
	pthread_mutex_unlock(&out_lock);
	pthread_mutex_unlock(&path_lock);
	trace_pid = getpid();
	if (follow_pid && follow_pid != trace_pid)
		engine_hooks &= ~ENGINE_HOOK_TRACE;
}

__attribute__((destructor)) static void trace_fini(void)
{
	if (!TRACE_ON())
		return;
	/* a thread stopped inside a batch would hold it: drop, never hang */
	if (pthread_mutex_trylock(&out_lock))
		return;
	if (out_len)
		flush_locked();
	pthread_mutex_unlock(&out_lock);
}

/* --- setup -------------------------------------------------------------- */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int op_by_name(const char *s, size_t n)
{
	char *end;
	unsigned long v;

	for (int i = 0; i < TRACE_NR_OPS; i++)
		if (trace_op_names[i] && strlen(trace_op_names[i]) == n &&
		    !strncasecmp(trace_op_names[i], s, n))
			return i;
	v = strtoul(s, &end, 0);
	if (end == s + n && n && v < 256)
		return (int)v;
	return -1;
}

/* "op=read,write;fd=3;ring=5": 0, or -1 naming nothing it knows */
static int parse_filter(const char *f)
{
	while (*f) {
		size_t n = strcspn(f, ";");
		const char *eq = memchr(f, '=', n);
		const char *v, *end = f + n;

		if (!eq)
			return n ? -1 : 0;
		v = eq + 1;
		while (v < end) {
			size_t m = strcspn(v, ",;");
			char *e;
			long x;

			if ((size_t)(eq - f) == 2 && !strncmp(f, "op", 2)) {
				int op = op_by_name(v, m);

				if (op < 0)
					return -1;
				filt.ops_set = true;
				filt.ops[op / 64] |= 1ULL << (op % 64);
			} else {
				bool fd = (size_t)(eq - f) == 2 && !strncmp(f, "fd", 2);
				bool ring = (size_t)(eq - f) == 4 && !strncmp(f, "ring", 4);

				x = strtol(v, &e, 10);
				if ((!fd && !ring) || e != v + m || !m)
					return -1;
				if (fd && filt.nr_fds < FILTER_MAX) {
					filt.fds_set = true;
					filt.fds[filt.nr_fds++] = (int)x;
				} else if (ring && filt.nr_rings < FILTER_MAX) {
					filt.rings_set = true;
					filt.rings[filt.nr_rings++] = (int)x;
				}
			}
			v += m;
			if (v < end && *v == ',')
				v++;
		}
		f = *end ? end + 1 : end;
	}
	return 0;
}

static bool in_list(const int *l, int n, int v)
{
	for (int i = 0; i < n; i++)
		if (l[i] == v)
			return true;
	return false;
}

static bool filter_pass(unsigned op, int fd, int ring)
{
	if (filt.ops_set && !(filt.ops[op / 64] & (1ULL << (op % 64))))
		return false;
	if (filt.fds_set && !in_list(filt.fds, filt.nr_fds, fd))
		return false;
	if (filt.rings_set && !in_list(filt.rings, filt.nr_rings, ring))
		return false;
	return true;
}

static void trace_fault(const struct faults_event *ev, const char *line);

static void setup_once(void)
{
	const char *path = getenv("RINGER_TRACE");
	const char *s;
	struct timespec rt;
	struct stat st;
	int fd;

	if (!path || !*path)
		return;
	trace_pid = getpid();
	s = getenv("RINGER_TRACE_PID");
	if (s && *s) {
		follow_pid = (pid_t)atoi(s);
		if (follow_pid != trace_pid)
			return;
	}
	s = getenv("RINGER_TRACE_FORMAT");
	json = s && !strcmp(s, "json");
	s = getenv("RINGER_TRACE_FILTER");
	if (s && parse_filter(s)) {
		fprintf(stderr, "ringer: bad RINGER_TRACE_FILTER \"%s\"; not tracing\n", s);
		return;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "ringer: RINGER_TRACE: cannot open %s: %s; not tracing\n", path,
			strerror(errno));
		return;
	}
	/* above the program's numbers (sys.c), out of reach of its closes */
	if (fd < sys_fd_floor()) {
		int high = fcntl(fd, F_DUPFD_CLOEXEC, sys_fd_floor());

		if (high >= 0) {
			close(fd);
			fd = high;
		}
	}
	out_fd = fd;
	out_pipe = fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
	clock_gettime(CLOCK_REALTIME, &rt);
	wall_offset_ns = (int64_t)rt.tv_sec * 1000000000LL + rt.tv_nsec - (int64_t)mono_ns();
	pthread_atfork(fork_prepare, fork_parent, fork_child);
	engine_hooks |= ENGINE_HOOK_TRACE;
	faults_set_trace_hook(trace_fault);
}

void trace_setup(void)
{
	pthread_once(&trace_once, setup_once);
}

/* --- the line under construction ----------------------------------------- */

struct line {
	char *p, *end;
	bool first; /* no field yet at this level */
};

static void put(struct line *l, const char *s, size_t n)
{
	if (n > (size_t)(l->end - l->p))
		n = (size_t)(l->end - l->p);
	memcpy(l->p, s, n);
	l->p += n;
}

static void puts_(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

static void putc_(struct line *l, char c)
{
	if (l->p < l->end)
		*l->p++ = c;
}

static void put_u64(struct line *l, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		putc_(l, tmp[--n]);
}

static void put_s64(struct line *l, int64_t v)
{
	if (v < 0) {
		putc_(l, '-');
		put_u64(l, (uint64_t)0 - (uint64_t)v);
	} else {
		put_u64(l, (uint64_t)v);
	}
}

static void put_hex(struct line *l, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	putc_(l, '0');
	putc_(l, 'x');
	while (n)
		putc_(l, tmp[--n]);
}

/* an address: hexadecimal in text, a number in JSON */
static void put_addr(struct line *l, uint64_t v)
{
	if (json)
		put_u64(l, v);
	else
		put_hex(l, v);
}

/* digits of v, zero-padded to width */
static void put_pad(struct line *l, uint64_t v, int width)
{
	char tmp[24];

	for (int i = width - 1; i >= 0; i--) {
		tmp[i] = (char)('0' + v % 10);
		v /= 10;
	}
	put(l, tmp, (size_t)width);
}

/* a string, escaped for JSON or for a text line (C escapes), quoted */
static void put_quoted(struct line *l, const char *s, size_t n)
{
	putc_(l, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			putc_(l, '\\');
			putc_(l, (char)c);
		} else if (c == '\n') {
			puts_(l, "\\n");
		} else if (c < 0x20 || c == 0x7f) {
			char tmp[8];

			if (json)
				snprintf(tmp, sizeof(tmp), "\\u%04x", c);
			else
				snprintf(tmp, sizeof(tmp), "\\x%02x", c);
			puts_(l, tmp);
		} else {
			putc_(l, (char)c);
		}
	}
	putc_(l, '"');
}

/* the next field's name: `, name=` in a text line, `,"name":` in JSON */
static void key(struct line *l, const char *k)
{
	if (!l->first)
		puts_(l, json ? "," : ", ");
	l->first = false;
	if (json) {
		putc_(l, '"');
		puts_(l, k);
		puts_(l, "\":");
	} else {
		puts_(l, k);
		putc_(l, '=');
	}
}

static void f_u64(struct line *l, const char *k, uint64_t v)
{
	key(l, k);
	put_u64(l, v);
}

static void f_s64(struct line *l, const char *k, int64_t v)
{
	key(l, k);
	put_s64(l, v);
}

/* an address or an opaque word: hexadecimal in text, a number in JSON */
static void f_hex(struct line *l, const char *k, uint64_t v)
{
	key(l, k);
	if (json)
		put_u64(l, v);
	else
		put_hex(l, v);
}

static void f_str(struct line *l, const char *k, const char *s)
{
	key(l, k);
	put_quoted(l, s, strlen(s));
}

struct flag_name {
	uint64_t mask;
	const char *name;
};

/* names of the bits of v (a multi-bit mask matches when all its bits are
 * set); what no name covers as a hexadecimal rest */
static void put_flags(struct line *l, uint64_t v, const struct flag_name *t)
{
	bool first = true;

	if (json)
		putc_(l, '[');
	for (; t->name; t++) {
		if (!t->mask || (v & t->mask) != t->mask)
			continue;
		v &= ~t->mask;
		if (!first)
			putc_(l, json ? ',' : '|');
		first = false;
		if (json)
			putc_(l, '"');
		puts_(l, t->name);
		if (json)
			putc_(l, '"');
	}
	if (v) {
		if (!first)
			putc_(l, json ? ',' : '|');
		first = false;
		if (json)
			putc_(l, '"');
		put_hex(l, v);
		if (json)
			putc_(l, '"');
	}
	if (json)
		putc_(l, ']');
	else if (first)
		putc_(l, '0');
}

static void f_flags(struct line *l, const char *k, uint64_t v, const struct flag_name *t)
{
	key(l, k);
	put_flags(l, v, t);
}

/* one value of a set (an advice, a command): its name, or the number */
static void f_enum(struct line *l, const char *k, uint64_t v, const struct flag_name *t)
{
	key(l, k);
	for (; t->name; t++) {
		if (t->mask == v) {
			if (json)
				putc_(l, '"');
			puts_(l, t->name);
			if (json)
				putc_(l, '"');
			return;
		}
	}
	put_u64(l, v);
}

/* --- flag names ---------------------------------------------------------- */

#define N(x)          \
	{             \
		x, #x \
	}
#define NN(v, name)     \
	{               \
		v, name \
	}
#define END             \
	{               \
		0, NULL \
	}

static const struct flag_name sqe_flag_names[] = {
	NN(IOSQE_FIXED_FILE, "FIXED_FILE"),
	NN(IOSQE_IO_DRAIN, "IO_DRAIN"),
	NN(IOSQE_IO_LINK, "IO_LINK"),
	NN(IOSQE_IO_HARDLINK, "IO_HARDLINK"),
	NN(IOSQE_ASYNC, "ASYNC"),
	NN(IOSQE_BUFFER_SELECT, "BUFFER_SELECT"),
	NN(IOSQE_CQE_SKIP_SUCCESS, "CQE_SKIP_SUCCESS"),
	END,
};

static const struct flag_name cqe_flag_names[] = {
	NN(IORING_CQE_F_BUFFER, "F_BUFFER"),
	NN(IORING_CQE_F_MORE, "F_MORE"),
	NN(IORING_CQE_F_SOCK_NONEMPTY, "F_SOCK_NONEMPTY"),
	NN(IORING_CQE_F_NOTIF, "F_NOTIF"),
	NN(IORING_CQE_F_BUF_MORE, "F_BUF_MORE"),
	NN(IORING_CQE_F_SKIP, "F_SKIP"),
	NN(IORING_CQE_F_32, "F_32"),
	END,
};

/* the kernel's RWF_* (uapi linux/fs.h) */
static const struct flag_name rw_flag_names[] = {
	NN(0x01, "RWF_HIPRI"),	NN(0x02, "RWF_DSYNC"),	   NN(0x04, "RWF_SYNC"),
	NN(0x08, "RWF_NOWAIT"), NN(0x10, "RWF_APPEND"),	   NN(0x20, "RWF_NOAPPEND"),
	NN(0x40, "RWF_ATOMIC"), NN(0x80, "RWF_DONTCACHE"), END,
};

static const struct flag_name msg_flag_names[] = {
	N(MSG_OOB),	     N(MSG_PEEK),
	N(MSG_DONTROUTE),    N(MSG_CTRUNC),
	N(MSG_PROXY),	     N(MSG_TRUNC),
	N(MSG_DONTWAIT),     N(MSG_EOR),
	N(MSG_WAITALL),	     N(MSG_FIN),
	N(MSG_SYN),	     N(MSG_CONFIRM),
	N(MSG_RST),	     N(MSG_ERRQUEUE),
	N(MSG_NOSIGNAL),     N(MSG_MORE),
	N(MSG_WAITFORONE),   N(MSG_BATCH),
	N(MSG_ZEROCOPY),     N(MSG_FASTOPEN),
	N(MSG_CMSG_CLOEXEC), END,
};

static const struct flag_name open_flag_names[] = {
	N(O_WRONLY),
	N(O_RDWR),
	N(O_CREAT),
	N(O_EXCL),
	N(O_NOCTTY),
	N(O_TRUNC),
	N(O_APPEND),
	N(O_NONBLOCK),
	N(O_SYNC),
	N(O_DSYNC),
	N(O_ASYNC),
	N(O_DIRECT),
	N(O_TMPFILE),
	N(O_DIRECTORY),
	N(O_NOFOLLOW),
	N(O_NOATIME),
	N(O_CLOEXEC),
	N(O_PATH),
#if defined(__x86_64__)
	NN(0100000, "O_LARGEFILE"),
#endif
	END,
};

static const struct flag_name poll_names[] = {
	N(POLLIN),	   N(POLLPRI),	   N(POLLOUT),	    N(POLLERR),	   N(POLLHUP), N(POLLNVAL),
	N(POLLRDNORM),	   N(POLLRDBAND),  N(POLLWRNORM),   N(POLLWRBAND), N(POLLMSG), N(POLLRDHUP),
	N(EPOLLEXCLUSIVE), N(EPOLLWAKEUP), N(EPOLLONESHOT), N(EPOLLET),	   END,
};

static const struct flag_name poll_add_names[] = {
	N(IORING_POLL_ADD_MULTI),
	N(IORING_POLL_UPDATE_EVENTS),
	N(IORING_POLL_UPDATE_USER_DATA),
	N(IORING_POLL_ADD_LEVEL),
	END,
};

static const struct flag_name timeout_names[] = {
	N(IORING_TIMEOUT_ABS),	       N(IORING_TIMEOUT_UPDATE),
	N(IORING_TIMEOUT_BOOTTIME),    N(IORING_TIMEOUT_REALTIME),
	N(IORING_LINK_TIMEOUT_UPDATE), N(IORING_TIMEOUT_ETIME_SUCCESS),
	N(IORING_TIMEOUT_MULTISHOT),   END,
};

static const struct flag_name cancel_names[] = {
	N(IORING_ASYNC_CANCEL_ALL),
	N(IORING_ASYNC_CANCEL_FD),
	N(IORING_ASYNC_CANCEL_ANY),
	N(IORING_ASYNC_CANCEL_FD_FIXED),
	N(IORING_ASYNC_CANCEL_USERDATA),
	N(IORING_ASYNC_CANCEL_OP),
	END,
};

static const struct flag_name recvsend_names[] = {
	N(IORING_RECVSEND_POLL_FIRST),
	N(IORING_RECV_MULTISHOT),
	N(IORING_RECVSEND_FIXED_BUF),
	N(IORING_SEND_ZC_REPORT_USAGE),
	N(IORING_RECVSEND_BUNDLE),
	N(IORING_SEND_VECTORIZED),
	END,
};

static const struct flag_name accept_names[] = {
	N(IORING_ACCEPT_MULTISHOT),
	N(IORING_ACCEPT_DONTWAIT),
	N(IORING_ACCEPT_POLL_FIRST),
	END,
};

static const struct flag_name sock_flag_names[] = {
	N(SOCK_NONBLOCK),
	N(SOCK_CLOEXEC),
	END,
};

static const struct flag_name fsync_names[] = { N(IORING_FSYNC_DATASYNC), END };

static const struct flag_name sfr_names[] = {
	NN(1, "SYNC_FILE_RANGE_WAIT_BEFORE"),
	NN(2, "SYNC_FILE_RANGE_WRITE"),
	NN(4, "SYNC_FILE_RANGE_WAIT_AFTER"),
	END,
};

static const struct flag_name at_names[] = {
	NN(0x100, "AT_SYMLINK_NOFOLLOW"), NN(0x200, "AT_REMOVEDIR"),
	NN(0x400, "AT_SYMLINK_FOLLOW"),	  NN(0x800, "AT_NO_AUTOMOUNT"),
	NN(0x1000, "AT_EMPTY_PATH"),	  NN(0x2000, "AT_STATX_FORCE_SYNC"),
	NN(0x4000, "AT_STATX_DONT_SYNC"), END,
};

static const struct flag_name rename_names[] = {
	NN(1, "RENAME_NOREPLACE"),
	NN(2, "RENAME_EXCHANGE"),
	NN(4, "RENAME_WHITEOUT"),
	END,
};

static const struct flag_name xattr_names[] = {
	NN(1, "XATTR_CREATE"),
	NN(2, "XATTR_REPLACE"),
	END,
};

static const struct flag_name splice_names[] = {
	NN(1, "SPLICE_F_MOVE"), NN(2, "SPLICE_F_NONBLOCK"), NN(4, "SPLICE_F_MORE"),
	NN(8, "SPLICE_F_GIFT"), N(SPLICE_F_FD_IN_FIXED),    END,
};

static const struct flag_name msg_ring_names[] = {
	N(IORING_MSG_RING_CQE_SKIP),
	N(IORING_MSG_RING_FLAGS_PASS),
	END,
};

static const struct flag_name msg_ring_cmds[] = {
	N(IORING_MSG_DATA),
	N(IORING_MSG_SEND_FD),
	END,
};

static const struct flag_name nop_names[] = {
	N(IORING_NOP_INJECT_RESULT),
	N(IORING_NOP_FILE),
	N(IORING_NOP_FIXED_FILE),
	N(IORING_NOP_FIXED_BUFFER),
	N(IORING_NOP_TW),
	N(IORING_NOP_CQE32),
	END,
};

static const struct flag_name install_names[] = { N(IORING_FIXED_FD_NO_CLOEXEC), END };

static const struct flag_name uring_cmd_names[] = {
	N(IORING_URING_CMD_FIXED),
	N(IORING_URING_CMD_MULTISHOT),
	END,
};

/* futex2 flags: the size in the low two bits (FUTEX2_SIZE_*) */
static const struct flag_name futex_names[] = {
	NN(3, "FUTEX2_SIZE_U64"),
	NN(2, "FUTEX2_SIZE_U32"),
	NN(1, "FUTEX2_SIZE_U16"),
	NN(4, "FUTEX2_NUMA"),
	NN(8, "FUTEX2_MPOL"),
	NN(128, "FUTEX2_PRIVATE"),
	END,
};

static const struct flag_name waitid_opt_names[] = {
	N(WNOHANG), N(WSTOPPED), N(WEXITED), N(WCONTINUED), N(WNOWAIT), END,
};

static const struct flag_name pipe_names[] = { N(O_CLOEXEC), N(O_NONBLOCK), N(O_DIRECT), END };

static const struct flag_name fadv_names[] = {
	NN(0, "POSIX_FADV_NORMAL"),
	NN(1, "POSIX_FADV_RANDOM"),
	NN(2, "POSIX_FADV_SEQUENTIAL"),
	NN(3, "POSIX_FADV_WILLNEED"),
	NN(4, "POSIX_FADV_DONTNEED"),
	NN(5, "POSIX_FADV_NOREUSE"),
	END,
};

static const struct flag_name madv_names[] = {
	NN(0, "MADV_NORMAL"),		NN(1, "MADV_RANDOM"),	      NN(2, "MADV_SEQUENTIAL"),
	NN(3, "MADV_WILLNEED"),		NN(4, "MADV_DONTNEED"),	      NN(8, "MADV_FREE"),
	NN(9, "MADV_REMOVE"),		NN(10, "MADV_DONTFORK"),      NN(11, "MADV_DOFORK"),
	NN(12, "MADV_MERGEABLE"),	NN(13, "MADV_UNMERGEABLE"),   NN(14, "MADV_HUGEPAGE"),
	NN(15, "MADV_NOHUGEPAGE"),	NN(16, "MADV_DONTDUMP"),      NN(17, "MADV_DODUMP"),
	NN(18, "MADV_WIPEONFORK"),	NN(19, "MADV_KEEPONFORK"),    NN(20, "MADV_COLD"),
	NN(21, "MADV_PAGEOUT"),		NN(22, "MADV_POPULATE_READ"), NN(23, "MADV_POPULATE_WRITE"),
	NN(24, "MADV_DONTNEED_LOCKED"), NN(25, "MADV_COLLAPSE"),      END,
};

static const struct flag_name epoll_op_names[] = {
	NN(1, "EPOLL_CTL_ADD"),
	NN(2, "EPOLL_CTL_DEL"),
	NN(3, "EPOLL_CTL_MOD"),
	END,
};

static const struct flag_name shut_names[] = {
	NN(0, "SHUT_RD"),
	NN(1, "SHUT_WR"),
	NN(2, "SHUT_RDWR"),
	END,
};

static const struct flag_name idtype_names[] = {
	NN(0, "P_ALL"), NN(1, "P_PID"), NN(2, "P_PGID"), NN(3, "P_PIDFD"), END,
};

static const struct flag_name af_names[] = {
	NN(1, "AF_UNIX"),
	NN(2, "AF_INET"),
	NN(10, "AF_INET6"),
	NN(16, "AF_NETLINK"),
	NN(17, "AF_PACKET"),
	NN(40, "AF_VSOCK"),
	END,
};

static const struct flag_name socktype_names[] = {
	NN(1, "SOCK_STREAM"),
	NN(2, "SOCK_DGRAM"),
	NN(3, "SOCK_RAW"),
	NN(5, "SOCK_SEQPACKET"),
	N(SOCK_NONBLOCK),
	N(SOCK_CLOEXEC),
	END,
};

/* --- descriptors and memory of the program ------------------------------ */

/*
 * Paths of descriptors, by number: revalidated (the file's identity) when
 * older than PATH_TTL_NS, and dropped when the engine closes or makes that
 * number; a number the program closes and opens again on another file
 * within PATH_TTL_NS may show the old path.
 */
#define PATH_SLOTS  64
#define PATH_TTL_NS 1000000ULL
static struct path_slot {
	int fd; /* -1: empty */
	dev_t dev;
	ino_t ino;
	uint64_t checked;
	char path[120];
} path_cache[PATH_SLOTS] = { [0 ... PATH_SLOTS - 1] = { .fd = -1 } };

static void path_forget(int fd)
{
	struct path_slot *s = &path_cache[(unsigned)fd % PATH_SLOTS];

	pthread_mutex_lock(&path_lock);
	if (s->fd == fd)
		s->fd = -1;
	pthread_mutex_unlock(&path_lock);
}

/* fd's path into out (empty: none known) */
static void fd_path(int fd, char *out, size_t size, uint64_t now)
{
	struct path_slot *s = &path_cache[(unsigned)fd % PATH_SLOTS];
	char proc[40];
	struct stat st;
	ssize_t n;

	out[0] = 0;
	if (fd < 0)
		return;
	pthread_mutex_lock(&path_lock);
	if (s->fd == fd && now - s->checked < PATH_TTL_NS) {
		snprintf(out, size, "%s", s->path);
		pthread_mutex_unlock(&path_lock);
		return;
	}
	if (fstat(fd, &st)) {
		s->fd = -1;
		pthread_mutex_unlock(&path_lock);
		return;
	}
	if (s->fd == fd && s->dev == st.st_dev && s->ino == st.st_ino) {
		s->checked = now;
		snprintf(out, size, "%s", s->path);
		pthread_mutex_unlock(&path_lock);
		return;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, s->path, sizeof(s->path) - 1);
	if (n < 0) {
		s->fd = -1;
	} else {
		s->path[n] = 0;
		s->fd = fd;
		s->dev = st.st_dev;
		s->ino = st.st_ino;
		s->checked = now;
		snprintf(out, size, "%s", s->path);
	}
	pthread_mutex_unlock(&path_lock);
}

struct ev {
	struct ring *r;
	uint64_t now;
};

/* an fd and its path: `3</tmp/f>`, `fixed 3</tmp/f>` in text; in JSON the
 * number, and name_path, name_fixed */
static void f_fd(struct line *l, const struct ev *e, const char *k, int fd, bool fixed)
{
	char path[120];

	path[0] = 0;
	if (fixed) {
		struct ring *r = e->r;

		pthread_mutex_lock(&r->rsrc_lock);
		if (fd >= 0 && (unsigned)fd < r->nr_files && r->files[fd])
			fd_path(r->files[fd]->fd, path, sizeof(path), e->now);
		pthread_mutex_unlock(&r->rsrc_lock);
	} else if (fd != AT_FDCWD) {
		fd_path(fd, path, sizeof(path), e->now);
	}
	key(l, k);
	if (json) {
		put_s64(l, fd);
		if (fixed) {
			puts_(l, ",\"");
			puts_(l, k);
			puts_(l, "_fixed\":true");
		}
		if (path[0]) {
			puts_(l, ",\"");
			puts_(l, k);
			puts_(l, "_path\":");
			put_quoted(l, path, strlen(path));
		}
		return;
	}
	if (fd == AT_FDCWD && !fixed) {
		puts_(l, "AT_FDCWD");
		return;
	}
	if (fixed)
		puts_(l, "fixed ");
	put_s64(l, fd);
	if (path[0]) {
		putc_(l, '<');
		puts_(l, path);
		putc_(l, '>');
	}
}

/* a string in the program's memory, read page by page (no fault on a bad
 * pointer: umem_read()) */
static void f_path(struct line *l, const char *k, uint64_t addr)
{
	char buf[256];
	size_t n = 0;
	long pg = sysconf(_SC_PAGESIZE);

	key(l, k);
	if (!addr) {
		puts_(l, json ? "null" : "NULL");
		return;
	}
	while (n < sizeof(buf) - 1) {
		size_t chunk = (size_t)pg - (size_t)((addr + n) % (uint64_t)pg);
		void *nul;

		if (chunk > sizeof(buf) - 1 - n)
			chunk = sizeof(buf) - 1 - n;
		if (umem_read(buf + n, (const void *)(uintptr_t)(addr + n), chunk))
			break;
		nul = memchr(buf + n, 0, chunk);
		n += chunk;
		if (nul) {
			n = (size_t)((char *)nul - buf);
			put_quoted(l, buf, n);
			return;
		}
	}
	if (!n) {
		put_addr(l, addr); /* unreadable: the address */
		return;
	}
	put_quoted(l, buf, n);
	if (!json)
		puts_(l, "...");
}

static void f_timespec(struct line *l, const char *k, uint64_t addr)
{
	struct __kernel_timespec ts;

	key(l, k);
	if (!addr || umem_read(&ts, (const void *)(uintptr_t)addr, sizeof(ts))) {
		put_addr(l, addr);
		return;
	}
	puts_(l, json ? "{\"sec\":" : "{sec=");
	put_s64(l, ts.tv_sec);
	puts_(l, json ? ",\"nsec\":" : ", nsec=");
	put_s64(l, ts.tv_nsec);
	putc_(l, '}');
}

#define IOV_SHOWN 8

static void f_iovec(struct line *l, const char *k, uint64_t addr, unsigned nr)
{
	struct iovec iov[IOV_SHOWN];
	unsigned n = nr < IOV_SHOWN ? nr : IOV_SHOWN;

	key(l, k);
	if (umem_read(iov, (const void *)(uintptr_t)addr, n * sizeof(iov[0]))) {
		put_addr(l, addr);
		return;
	}
	putc_(l, '[');
	for (unsigned i = 0; i < n; i++) {
		if (i)
			puts_(l, json ? "," : ", ");
		puts_(l, json ? "{\"base\":" : "{");
		if (json)
			put_u64(l, (uintptr_t)iov[i].iov_base);
		else
			put_hex(l, (uintptr_t)iov[i].iov_base);
		puts_(l, json ? ",\"len\":" : ", ");
		put_u64(l, iov[i].iov_len);
		putc_(l, '}');
	}
	if (n < nr && !json)
		puts_(l, ", ...");
	putc_(l, ']');
}

/* a socket address in the program's memory: {AF_INET, 127.0.0.1:80} in
 * text, {"family":"AF_INET","addr":"127.0.0.1","port":80} in JSON */
static void f_sockaddr(struct line *l, const char *k, uint64_t addr, uint64_t len)
{
	struct sockaddr_storage ss;
	char host[INET6_ADDRSTRLEN + 2];
	const char *fam = NULL, *hostp = NULL;
	size_t n = len < sizeof(ss) ? (size_t)len : sizeof(ss);
	unsigned port = 0;

	memset(&ss, 0, sizeof(ss));
	if (!addr || n < sizeof(sa_family_t) || umem_read(&ss, (const void *)(uintptr_t)addr, n)) {
		f_hex(l, k, addr);
		return;
	}
	if (ss.ss_family == AF_INET && n >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;

		fam = "AF_INET";
		hostp = inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
	} else if (ss.ss_family == AF_INET6 && n >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;

		fam = "AF_INET6";
		hostp = inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
	} else if (ss.ss_family == AF_UNIX) {
		const struct sockaddr_un *un = (const struct sockaddr_un *)&ss;
		size_t plen = n - offsetof(struct sockaddr_un, sun_path);

		fam = "AF_UNIX";
		key(l, k);
		puts_(l, json ? "{\"family\":\"AF_UNIX\",\"path\":" : "{AF_UNIX, ");
		if (plen && !un->sun_path[0]) /* abstract: the name after its NUL */
			put_quoted(l, un->sun_path, plen);
		else
			put_quoted(l, un->sun_path, strnlen(un->sun_path, plen));
		putc_(l, '}');
		return;
	}
	if (!fam || !hostp) {
		f_hex(l, k, addr);
		return;
	}
	key(l, k);
	if (json) {
		puts_(l, "{\"family\":\"");
		puts_(l, fam);
		puts_(l, "\",\"addr\":\"");
		puts_(l, hostp);
		puts_(l, "\",\"port\":");
		put_u64(l, port);
		putc_(l, '}');
		return;
	}
	putc_(l, '{');
	puts_(l, fam);
	puts_(l, ", ");
	if (ss.ss_family == AF_INET6)
		putc_(l, '[');
	puts_(l, hostp);
	if (ss.ss_family == AF_INET6)
		putc_(l, ']');
	putc_(l, ':');
	put_u64(l, port);
	putc_(l, '}');
}

/* a struct msghdr: its address, iovecs and control length */
static void f_msghdr(struct line *l, const char *k, uint64_t addr)
{
	struct msghdr m;

	if (!addr || umem_read(&m, (const void *)(uintptr_t)addr, sizeof(m))) {
		f_hex(l, k, addr);
		return;
	}
	key(l, k);
	putc_(l, '{');
	l->first = true;
	if (m.msg_name && m.msg_namelen)
		f_sockaddr(l, "name", (uintptr_t)m.msg_name, m.msg_namelen);
	if (m.msg_iovlen <= UINT32_MAX)
		f_iovec(l, "iov", (uintptr_t)m.msg_iov, (unsigned)m.msg_iovlen);
	f_u64(l, "iovlen", m.msg_iovlen);
	if (m.msg_controllen)
		f_u64(l, "controllen", m.msg_controllen);
	putc_(l, '}');
	l->first = false;
}

/* --- the SQE -------------------------------------------------------------- */

static void rw_args(struct line *l, const struct ev *e, const struct io_uring_sqe *sqe,
		    bool fixed_file, bool vec, bool fixed_buf, bool sel)
{
	f_fd(l, e, "fd", sqe->fd, fixed_file);
	if (vec) {
		f_iovec(l, "iov", sqe->addr, sqe->len);
		f_u64(l, "iovcnt", sqe->len);
	} else {
		f_hex(l, "buf", sqe->addr);
		f_u64(l, "len", sqe->len);
	}
	f_s64(l, "off", (int64_t)sqe->off);
	if (sqe->rw_flags)
		f_flags(l, "rw_flags", (uint32_t)sqe->rw_flags, rw_flag_names);
	if (fixed_buf)
		f_u64(l, "buf_index", sqe->buf_index);
	if (sel)
		f_u64(l, "buf_group", sqe->buf_group);
	if (sqe->ioprio)
		f_u64(l, "ioprio", sqe->ioprio);
}

static void sr_args(struct line *l, const struct ev *e, const struct io_uring_sqe *sqe,
		    bool fixed_file, bool msg, bool sel)
{
	f_fd(l, e, "fd", sqe->fd, fixed_file);
	if (msg) {
		f_msghdr(l, "msg", sqe->addr);
	} else {
		f_hex(l, "buf", sqe->addr);
		f_u64(l, "len", sqe->len);
	}
	f_flags(l, "msg_flags", sqe->msg_flags, msg_flag_names);
	if (sqe->ioprio)
		f_flags(l, "flags", sqe->ioprio, recvsend_names);
	if (sel)
		f_u64(l, "buf_group", sqe->buf_group);
	else if (sqe->ioprio & IORING_RECVSEND_FIXED_BUF)
		f_u64(l, "buf_index", sqe->buf_index);
}

static void sqe_args(struct line *l, const struct ev *e, const struct io_uring_sqe *sqe)
{
	bool ff = sqe->flags & IOSQE_FIXED_FILE;
	bool sel = sqe->flags & IOSQE_BUFFER_SELECT;

	switch (sqe->opcode) {
	case IORING_OP_NOP:
	case IORING_OP_NOP128:
		if (sqe->nop_flags & (IORING_NOP_FILE | IORING_NOP_FIXED_FILE))
			f_fd(l, e, "fd", sqe->fd, ff || (sqe->nop_flags & IORING_NOP_FIXED_FILE));
		if (sqe->nop_flags)
			f_flags(l, "nop_flags", sqe->nop_flags, nop_names);
		if (sqe->nop_flags & IORING_NOP_INJECT_RESULT)
			f_s64(l, "result", (int32_t)sqe->len);
		break;
	case IORING_OP_READV:
	case IORING_OP_WRITEV:
		rw_args(l, e, sqe, ff, true, false, sel);
		break;
	case IORING_OP_READV_FIXED:
	case IORING_OP_WRITEV_FIXED:
		rw_args(l, e, sqe, ff, true, true, false);
		break;
	case IORING_OP_READ_FIXED:
	case IORING_OP_WRITE_FIXED:
		rw_args(l, e, sqe, ff, false, true, false);
		break;
	case IORING_OP_READ:
	case IORING_OP_WRITE:
	case IORING_OP_READ_MULTISHOT:
		rw_args(l, e, sqe, ff, false, false, sel);
		break;
	case IORING_OP_FSYNC:
		f_fd(l, e, "fd", sqe->fd, ff);
		f_flags(l, "fsync_flags", sqe->fsync_flags, fsync_names);
		if (sqe->off || sqe->len) {
			f_u64(l, "off", sqe->off);
			f_u64(l, "len", sqe->len);
		}
		break;
	case IORING_OP_POLL_ADD:
		f_fd(l, e, "fd", sqe->fd, ff);
		f_flags(l, "events", sqe->poll32_events, poll_names);
		if (sqe->len)
			f_flags(l, "flags", sqe->len, poll_add_names);
		break;
	case IORING_OP_POLL_REMOVE:
		f_hex(l, "target", sqe->addr);
		if (sqe->len) {
			f_flags(l, "flags", sqe->len, poll_add_names);
			if (sqe->len & IORING_POLL_UPDATE_USER_DATA)
				f_hex(l, "new_user_data", sqe->off);
			if (sqe->len & IORING_POLL_UPDATE_EVENTS)
				f_flags(l, "events", sqe->poll32_events, poll_names);
		}
		break;
	case IORING_OP_SYNC_FILE_RANGE:
		f_fd(l, e, "fd", sqe->fd, ff);
		f_u64(l, "off", sqe->off);
		f_u64(l, "len", sqe->len);
		f_flags(l, "flags", sqe->sync_range_flags, sfr_names);
		break;
	case IORING_OP_SENDMSG:
	case IORING_OP_RECVMSG:
	case IORING_OP_SENDMSG_ZC:
		sr_args(l, e, sqe, ff, true, sel);
		break;
	case IORING_OP_SEND:
	case IORING_OP_RECV:
	case IORING_OP_SEND_ZC:
		sr_args(l, e, sqe, ff, false, sel);
		if (sqe->addr2)
			f_sockaddr(l, "dest", sqe->addr2, sqe->addr_len);
		break;
	case IORING_OP_TIMEOUT:
		f_timespec(l, "ts", sqe->addr);
		f_u64(l, "count", sqe->off);
		f_flags(l, "flags", sqe->timeout_flags, timeout_names);
		break;
	case IORING_OP_TIMEOUT_REMOVE:
		f_hex(l, "target", sqe->addr);
		f_flags(l, "flags", sqe->timeout_flags, timeout_names);
		if (sqe->timeout_flags & IORING_TIMEOUT_UPDATE_MASK)
			f_timespec(l, "ts", sqe->addr2);
		break;
	case IORING_OP_LINK_TIMEOUT:
		f_timespec(l, "ts", sqe->addr);
		f_flags(l, "flags", sqe->timeout_flags, timeout_names);
		break;
	case IORING_OP_ACCEPT:
		f_fd(l, e, "fd", sqe->fd, ff);
		f_hex(l, "addr", sqe->addr);
		f_hex(l, "addrlen", sqe->addr2);
		f_flags(l, "accept_flags", sqe->accept_flags, sock_flag_names);
		if (sqe->ioprio)
			f_flags(l, "flags", sqe->ioprio, accept_names);
		if (sqe->file_index)
			f_u64(l, "file_index", sqe->file_index);
		break;
	case IORING_OP_ASYNC_CANCEL:
		f_flags(l, "flags", sqe->cancel_flags, cancel_names);
		if (sqe->cancel_flags & (IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_FD_FIXED))
			f_fd(l, e, "fd", sqe->fd, sqe->cancel_flags & IORING_ASYNC_CANCEL_FD_FIXED);
		if (sqe->cancel_flags & IORING_ASYNC_CANCEL_OP)
			f_str(l, "op",
			      sqe->len < TRACE_NR_OPS && trace_op_names[sqe->len]
				      ? trace_op_names[sqe->len]
				      : "?");
		f_hex(l, "target", sqe->addr);
		break;
	case IORING_OP_CONNECT:
	case IORING_OP_BIND:
		f_fd(l, e, "fd", sqe->fd, ff);
		f_sockaddr(l, "addr", sqe->addr,
			   sqe->opcode == IORING_OP_BIND ? sqe->addr2 : sqe->off);
		f_u64(l, "addrlen", sqe->opcode == IORING_OP_BIND ? sqe->addr2 : sqe->off);
		break;
	case IORING_OP_LISTEN:
		f_fd(l, e, "fd", sqe->fd, ff);
		f_u64(l, "backlog", sqe->len);
		break;
	case IORING_OP_FALLOCATE:
		f_fd(l, e, "fd", sqe->fd, ff);
		f_u64(l, "mode", sqe->len);
		f_u64(l, "off", sqe->off);
		f_u64(l, "len", sqe->addr);
		break;
	case IORING_OP_OPENAT:
		f_fd(l, e, "dfd", sqe->fd, false);
		f_path(l, "path", sqe->addr);
		f_flags(l, "flags", sqe->open_flags, open_flag_names);
		if (sqe->open_flags & (O_CREAT | O_TMPFILE))
			f_u64(l, "mode", sqe->len);
		if (sqe->file_index)
			f_u64(l, "file_index", sqe->file_index);
		break;
	case IORING_OP_OPENAT2: {
		struct {
			uint64_t flags, mode, resolve;
		} how;

		f_fd(l, e, "dfd", sqe->fd, false);
		f_path(l, "path", sqe->addr);
		if (sqe->len >= sizeof(how) &&
		    !umem_read(&how, (const void *)(uintptr_t)sqe->addr2, sizeof(how))) {
			f_flags(l, "flags", how.flags, open_flag_names);
			f_u64(l, "mode", how.mode);
			f_hex(l, "resolve", how.resolve);
		} else {
			f_hex(l, "how", sqe->addr2);
		}
		if (sqe->file_index)
			f_u64(l, "file_index", sqe->file_index);
		break;
	}
	case IORING_OP_CLOSE:
		if (sqe->file_index)
			f_u64(l, "file_index", sqe->file_index - 1);
		else
			f_fd(l, e, "fd", sqe->fd, false);
		break;
	case IORING_OP_FILES_UPDATE:
		f_hex(l, "fds", sqe->addr);
		f_u64(l, "nr", sqe->len);
		f_s64(l, "offset", (int64_t)sqe->off);
		break;
	case IORING_OP_STATX:
		f_fd(l, e, "dfd", sqe->fd, false);
		f_path(l, "path", sqe->addr);
		f_flags(l, "flags", sqe->statx_flags, at_names);
		f_hex(l, "mask", sqe->len);
		f_hex(l, "buf", sqe->addr2);
		break;
	case IORING_OP_FADVISE:
		f_fd(l, e, "fd", sqe->fd, ff);
		f_u64(l, "off", sqe->off);
		f_u64(l, "len", sqe->len);
		f_enum(l, "advice", sqe->fadvise_advice, fadv_names);
		break;
	case IORING_OP_MADVISE:
		f_hex(l, "addr", sqe->addr);
		f_u64(l, "len", sqe->len);
		f_enum(l, "advice", sqe->fadvise_advice, madv_names);
		break;
	case IORING_OP_EPOLL_CTL:
		f_fd(l, e, "epfd", sqe->fd, false);
		f_enum(l, "op", sqe->len, epoll_op_names);
		f_fd(l, e, "fd", (int)sqe->off, false);
		f_hex(l, "event", sqe->addr);
		break;
	case IORING_OP_EPOLL_WAIT:
		f_fd(l, e, "epfd", sqe->fd, ff);
		f_hex(l, "events", sqe->addr);
		f_u64(l, "maxevents", sqe->len);
		break;
	case IORING_OP_SPLICE:
	case IORING_OP_TEE:
		f_fd(l, e, "fd_in", sqe->splice_fd_in, sqe->splice_flags & SPLICE_F_FD_IN_FIXED);
		if (sqe->opcode == IORING_OP_SPLICE)
			f_s64(l, "off_in", (int64_t)sqe->splice_off_in);
		f_fd(l, e, "fd_out", sqe->fd, ff);
		if (sqe->opcode == IORING_OP_SPLICE)
			f_s64(l, "off_out", (int64_t)sqe->off);
		f_u64(l, "len", sqe->len);
		f_flags(l, "flags", sqe->splice_flags, splice_names);
		break;
	case IORING_OP_PROVIDE_BUFFERS:
		f_hex(l, "addr", sqe->addr);
		f_u64(l, "len", sqe->len);
		f_u64(l, "nbufs", (uint32_t)sqe->fd);
		f_u64(l, "bgid", sqe->buf_group);
		f_u64(l, "bid", sqe->off);
		break;
	case IORING_OP_REMOVE_BUFFERS:
		f_u64(l, "nbufs", (uint32_t)sqe->fd);
		f_u64(l, "bgid", sqe->buf_group);
		break;
	case IORING_OP_SHUTDOWN:
		f_fd(l, e, "fd", sqe->fd, ff);
		f_enum(l, "how", sqe->len, shut_names);
		break;
	case IORING_OP_RENAMEAT:
	case IORING_OP_LINKAT:
		f_fd(l, e, "olddfd", sqe->fd, false);
		f_path(l, "oldpath", sqe->addr);
		f_fd(l, e, "newdfd", (int)sqe->len, false);
		f_path(l, "newpath", sqe->addr2);
		if (sqe->opcode == IORING_OP_RENAMEAT)
			f_flags(l, "flags", sqe->rename_flags, rename_names);
		else
			f_flags(l, "flags", sqe->hardlink_flags, at_names);
		break;
	case IORING_OP_UNLINKAT:
		f_fd(l, e, "dfd", sqe->fd, false);
		f_path(l, "path", sqe->addr);
		f_flags(l, "flags", sqe->unlink_flags, at_names);
		break;
	case IORING_OP_MKDIRAT:
		f_fd(l, e, "dfd", sqe->fd, false);
		f_path(l, "path", sqe->addr);
		f_u64(l, "mode", sqe->len);
		break;
	case IORING_OP_SYMLINKAT:
		f_path(l, "target", sqe->addr);
		f_fd(l, e, "newdfd", sqe->fd, false);
		f_path(l, "linkpath", sqe->addr2);
		break;
	case IORING_OP_MSG_RING:
		f_fd(l, e, "fd", sqe->fd, ff);
		f_enum(l, "cmd", sqe->addr, msg_ring_cmds);
		if (sqe->addr == IORING_MSG_SEND_FD) {
			f_u64(l, "src_fd", sqe->addr3);
			f_u64(l, "file_index", sqe->file_index);
		} else {
			f_s64(l, "res", (int32_t)sqe->len);
		}
		f_hex(l, "target_user_data", sqe->off);
		if (sqe->msg_ring_flags)
			f_flags(l, "flags", sqe->msg_ring_flags, msg_ring_names);
		break;
	case IORING_OP_FSETXATTR:
	case IORING_OP_FGETXATTR:
	case IORING_OP_SETXATTR:
	case IORING_OP_GETXATTR:
		if (sqe->opcode == IORING_OP_SETXATTR || sqe->opcode == IORING_OP_GETXATTR)
			f_path(l, "path", sqe->addr3);
		else
			f_fd(l, e, "fd", sqe->fd, ff);
		f_path(l, "name", sqe->addr);
		f_hex(l, "value", sqe->addr2);
		f_u64(l, "size", sqe->len);
		if (sqe->xattr_flags)
			f_flags(l, "flags", sqe->xattr_flags, xattr_names);
		break;
	case IORING_OP_SOCKET:
		f_enum(l, "domain", (uint32_t)sqe->fd, af_names);
		f_flags(l, "type", sqe->off, socktype_names);
		f_u64(l, "protocol", sqe->len);
		if (sqe->file_index)
			f_u64(l, "file_index", sqe->file_index);
		break;
	case IORING_OP_URING_CMD:
	case IORING_OP_URING_CMD128:
		f_fd(l, e, "fd", sqe->fd, ff);
		f_hex(l, "cmd_op", sqe->cmd_op);
		if (sqe->uring_cmd_flags)
			f_flags(l, "flags", sqe->uring_cmd_flags, uring_cmd_names);
		break;
	case IORING_OP_WAITID:
		f_enum(l, "idtype", sqe->len, idtype_names);
		f_s64(l, "id", sqe->fd);
		f_hex(l, "infop", sqe->addr2);
		f_flags(l, "options", sqe->file_index, waitid_opt_names);
		break;
	case IORING_OP_FUTEX_WAIT:
	case IORING_OP_FUTEX_WAKE:
		f_hex(l, "futex", sqe->addr);
		if (sqe->opcode == IORING_OP_FUTEX_WAIT)
			f_u64(l, "val", sqe->addr2);
		else
			f_u64(l, "nr", sqe->addr2);
		f_hex(l, "mask", sqe->addr3);
		f_flags(l, "flags", (uint32_t)sqe->fd, futex_names);
		break;
	case IORING_OP_FUTEX_WAITV:
		f_hex(l, "waiters", sqe->addr);
		f_u64(l, "nr", sqe->len);
		break;
	case IORING_OP_FIXED_FD_INSTALL:
		f_fd(l, e, "fd", sqe->fd, true);
		f_flags(l, "flags", sqe->install_fd_flags, install_names);
		break;
	case IORING_OP_FTRUNCATE:
		f_fd(l, e, "fd", sqe->fd, ff);
		f_u64(l, "len", sqe->off);
		break;
	case IORING_OP_RECV_ZC:
		f_fd(l, e, "fd", sqe->fd, ff);
		f_u64(l, "len", sqe->len);
		if (sqe->ioprio)
			f_flags(l, "flags", sqe->ioprio, recvsend_names);
		f_u64(l, "zcrx_ifq_idx", sqe->zcrx_ifq_idx);
		break;
	case IORING_OP_PIPE:
		f_hex(l, "fds", sqe->addr);
		f_flags(l, "flags", sqe->pipe_flags, pipe_names);
		if (sqe->file_index)
			f_u64(l, "file_index", sqe->file_index);
		break;
	default:
		/* a number past the ABI's opcodes: its raw words */
		f_s64(l, "fd", sqe->fd);
		f_hex(l, "off", sqe->off);
		f_hex(l, "addr", sqe->addr);
		f_u64(l, "len", sqe->len);
		f_hex(l, "op_flags", sqe->rw_flags);
		break;
	}
	if (sqe->personality)
		f_u64(l, "personality", sqe->personality);
}

/* the event's head: time, process and thread, ring, request number */
static void head(struct line *l, const char *ev, int ring, uint64_t id, unsigned op, uint64_t now)
{
	uint64_t wall = (uint64_t)((int64_t)now + wall_offset_ns);
	uint64_t sec = wall / 1000000000ULL, us = wall % 1000000000ULL / 1000;
	uint64_t day = sec % 86400;
	const char *name = op < TRACE_NR_OPS ? trace_op_names[op] : NULL;

	if (json) {
		puts_(l, "{\"ev\":\"");
		puts_(l, ev);
		puts_(l, "\",\"time\":");
		put_u64(l, sec);
		putc_(l, '.');
		put_pad(l, us, 6);
		puts_(l, ",\"pid\":");
		put_u64(l, (uint64_t)trace_pid);
		puts_(l, ",\"tid\":");
		put_u64(l, (uint64_t)engine_gettid());
		puts_(l, ",\"ring\":");
		put_s64(l, ring);
		puts_(l, ",\"id\":");
		put_u64(l, id);
		puts_(l, ",\"op\":\"");
		if (name) {
			puts_(l, name);
		} else {
			puts_(l, "UNKNOWN_");
			put_u64(l, op);
		}
		puts_(l, "\",\"opcode\":");
		put_u64(l, op);
		return;
	}
	put_pad(l, day / 3600, 2);
	putc_(l, ':');
	put_pad(l, day / 60 % 60, 2);
	putc_(l, ':');
	put_pad(l, day % 60, 2);
	putc_(l, '.');
	put_pad(l, us, 6);
	puts_(l, " [");
	put_u64(l, (uint64_t)trace_pid);
	putc_(l, '/');
	put_u64(l, (uint64_t)engine_gettid());
	puts_(l, "] ring ");
	put_s64(l, ring);
	puts_(l, " #");
	put_u64(l, id);
	putc_(l, ' ');
	if (name) {
		puts_(l, name);
	} else {
		puts_(l, "UNKNOWN_");
		put_u64(l, op);
	}
}

static void finish(struct line *l, char *start)
{
	/* a cut line still ends as one: end leaves room for its last two */
	if (json)
		*l->p++ = '}';
	*l->p++ = '\n';
	emit_line(start, (size_t)(l->p - start));
}

/*
 * faults.c's hook: a RINGER_FAULTS injection as a line of the trace, in the
 * thread that decided it, before the request's completion line, so a
 * replayed failure shows what was done to which request.  Text:
 *   TIME [PID/TID] ring R inject rule=N op=NAME fd=F user_data=0x.. action=A
 * JSON: {"ev":"inject", time, pid, tid, ring, rule, op, fd, user_data,
 * seq, action}.  A ring's CQ-size rule has no op ("-") and fd -1.
 */
static void trace_fault(const struct faults_event *ev, const char *log_line)
{
	char buf[512];
	struct line l = { .p = buf, .end = buf + sizeof(buf) - 2, .first = true };
	uint64_t now = mono_ns(), wall = (uint64_t)((int64_t)now + wall_offset_ns);
	uint64_t sec = wall / 1000000000ULL, us = wall % 1000000000ULL / 1000, day = sec % 86400;
	const char *op = ev->opcode < 0 ? "-" : faults_op_name((unsigned)ev->opcode);

	(void)log_line;
	if (!TRACE_ON())
		return;
	if (ev->opcode >= 0 && !filter_pass((unsigned)ev->opcode, ev->fd, ev->ring))
		return;
	if (json) {
		puts_(&l, "{\"ev\":\"inject\",\"time\":");
		put_u64(&l, sec);
		putc_(&l, '.');
		put_pad(&l, us, 6);
		puts_(&l, ",\"pid\":");
		put_u64(&l, (uint64_t)trace_pid);
		puts_(&l, ",\"tid\":");
		put_u64(&l, (uint64_t)engine_gettid());
		puts_(&l, ",\"ring\":");
		put_s64(&l, ev->ring);
		puts_(&l, ",\"rule\":");
		put_u64(&l, ev->rule);
		puts_(&l, ",\"op\":\"");
		puts_(&l, op ? op : "?");
		puts_(&l, "\",\"fd\":");
		put_s64(&l, ev->fd);
		puts_(&l, ",\"user_data\":");
		put_u64(&l, ev->user_data);
		puts_(&l, ",\"seq\":");
		put_u64(&l, ev->seq);
		puts_(&l, ",\"action\":\"");
		puts_(&l, ev->action);
		putc_(&l, '"');
	} else {
		put_pad(&l, day / 3600, 2);
		putc_(&l, ':');
		put_pad(&l, day / 60 % 60, 2);
		putc_(&l, ':');
		put_pad(&l, day % 60, 2);
		putc_(&l, '.');
		put_pad(&l, us, 6);
		puts_(&l, " [");
		put_u64(&l, (uint64_t)trace_pid);
		putc_(&l, '/');
		put_u64(&l, (uint64_t)engine_gettid());
		puts_(&l, "] ring ");
		put_s64(&l, ev->ring);
		puts_(&l, " inject rule=");
		put_u64(&l, ev->rule);
		puts_(&l, " op=");
		puts_(&l, op ? op : "?");
		puts_(&l, " fd=");
		put_s64(&l, ev->fd);
		puts_(&l, " user_data=");
		put_hex(&l, ev->user_data);
		puts_(&l, " action=");
		puts_(&l, ev->action);
	}
	finish(&l, buf);
}

/* ops whose result is a new descriptor (or a direct one: file_index) */
static bool makes_fd(unsigned op)
{
	return op == IORING_OP_OPENAT || op == IORING_OP_OPENAT2 || op == IORING_OP_ACCEPT ||
	       op == IORING_OP_SOCKET || op == IORING_OP_FIXED_FD_INSTALL;
}

#define LINE_MAX_LEN 2048

void trace_submit_slow(struct ring *r, struct req *req, const struct io_uring_sqe *sqe)
{
	char buf[LINE_MAX_LEN];
	struct line l = { .p = buf, .end = buf + sizeof(buf) - 2, .first = true };
	struct ev e = { .r = r, .now = mono_ns() };

	if (!filter_pass(sqe->opcode, sqe->fd, r->fd))
		return;
	req->trace_id = atomic_fetch_add_explicit(&next_id, 1, memory_order_relaxed) + 1;
	req->flags |= REQ_F_HOOKED; /* its CQE is traced (trace_complete()) */
	req->trace_ns = e.now;
	req->trace_op = sqe->opcode;
	/* a new descriptor as the result: not a direct one (a slot) */
	req->trace_fdres = makes_fd(sqe->opcode) &&
			   (sqe->opcode == IORING_OP_FIXED_FD_INSTALL || !sqe->file_index);
	head(&l, "submit", r->fd, req->trace_id, sqe->opcode, e.now);
	if (json) {
		puts_(&l, ",\"args\":{");
		sqe_args(&l, &e, sqe);
		puts_(&l, "},\"flags\":");
		put_flags(&l, sqe->flags, sqe_flag_names);
		puts_(&l, ",\"user_data\":");
		put_u64(&l, sqe->user_data);
	} else {
		putc_(&l, '(');
		sqe_args(&l, &e, sqe);
		putc_(&l, ')');
		if (sqe->flags) {
			puts_(&l, " flags=");
			put_flags(&l, sqe->flags, sqe_flag_names);
		}
		puts_(&l, " user_data=");
		put_hex(&l, sqe->user_data);
	}
	finish(&l, buf);
}

void trace_cqe_slow(struct req *req, int32_t res, uint32_t cflags, bool last)
{
	char buf[LINE_MAX_LEN];
	struct line l = { .p = buf, .end = buf + sizeof(buf) - 2, .first = true };
	uint64_t now = mono_ns();
	bool skipped = last && (req->flags & REQ_F_CQE_SKIP) && res >= 0;
	const char *name = NULL;

	if (!req->trace_id)
		return; /* filtered out at submission */
	/* a zero-copy notification's result is a usage word, not an errno */
	if (res < 0 && res > -4096 && !(cflags & IORING_CQE_F_NOTIF))
		name = strerrorname_np(-res);
	/* the engine's own closes and new descriptors: a cached path of that
	 * number is stale */
	if (req->opcode == IORING_OP_CLOSE && res >= 0 && req->fd >= 0)
		path_forget(req->fd);
	else if (req->trace_fdres && res >= 0)
		path_forget(res);
	head(&l, "complete", req->ring->fd, req->trace_id, req->trace_op, now);
	if (json) {
		puts_(&l, ",\"res\":");
		put_s64(&l, res);
		if (name) {
			puts_(&l, ",\"error\":\"");
			puts_(&l, name);
			putc_(&l, '"');
		}
		puts_(&l, ",\"cflags\":");
		put_flags(&l, cflags & 0xffff, cqe_flag_names);
		if (cflags & IORING_CQE_F_BUFFER) {
			puts_(&l, ",\"bid\":");
			put_u64(&l, cflags >> 16);
		}
		puts_(&l, ",\"last\":");
		puts_(&l, last ? "true" : "false");
		if (skipped)
			puts_(&l, ",\"skipped\":true");
		puts_(&l, ",\"user_data\":");
		put_u64(&l, req->user_data);
		puts_(&l, ",\"latency_ns\":");
		put_u64(&l, now - req->trace_ns);
	} else {
		puts_(&l, " = ");
		if (name) {
			putc_(&l, '-');
			puts_(&l, name);
			puts_(&l, " (");
			puts_(&l, strerrordesc_np(-res));
			putc_(&l, ')');
		} else if (cflags & IORING_CQE_F_NOTIF) {
			put_hex(&l, (uint32_t)res);
			if ((uint32_t)res & IORING_NOTIF_USAGE_ZC_COPIED)
				puts_(&l, " (IORING_NOTIF_USAGE_ZC_COPIED)");
		} else {
			put_s64(&l, res);
			if (req->trace_fdres && res >= 0) {
				char path[120];

				fd_path(res, path, sizeof(path), now);
				if (path[0]) {
					putc_(&l, '<');
					puts_(&l, path);
					putc_(&l, '>');
				}
			} else if (req->opcode == IORING_OP_POLL_ADD && res > 0) {
				puts_(&l, " (");
				put_flags(&l, (uint32_t)res, poll_names);
				putc_(&l, ')');
			}
		}
		if (cflags & 0xffff) {
			puts_(&l, " cflags=");
			put_flags(&l, cflags & 0xffff, cqe_flag_names);
		}
		if (cflags & IORING_CQE_F_BUFFER) {
			puts_(&l, " bid=");
			put_u64(&l, cflags >> 16);
		}
		if (skipped)
			puts_(&l, " (cqe skipped)");
		puts_(&l, " user_data=");
		put_hex(&l, req->user_data);
		puts_(&l, " <");
		put_u64(&l, (now - req->trace_ns) / 1000000000ULL);
		putc_(&l, '.');
		put_pad(&l, (now - req->trace_ns) / 1000 % 1000000, 6);
		putc_(&l, '>');
	}
	finish(&l, buf);
}
