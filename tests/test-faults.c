/* SPDX-License-Identifier: MIT */
/*
 * RINGER_FAULTS (docs/FAULTS.md): each fault kind seen by a program, the
 * same seed giving the same injection log, bad rules refused with their
 * position.
 *
 * The rules are read when the library loads, so every case runs this
 * program again as a child (--child SCENARIO) with the environment it
 * wants, and checks what the child printed.  The faulted run is always on
 * the engine (RINGER_BACKEND=user); the run without rules is on the
 * backend under test, so on the kernel backend the kernel is the oracle of
 * what the program sees without faults.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "harness.h"

extern char **environ;

/* ---- the child's scenarios -------------------------------------------- */

#define CHUNK 4096

/* the scenario's results, printed in one write at its end: the injection
 * log on stderr goes between lines, not inside one */
static char res_line[512];

__attribute__((format(printf, 1, 2))) static void res_add(const char *fmt, ...)
{
	size_t o = strlen(res_line);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res_line + o, sizeof(res_line) - o, fmt, ap);
	va_end(ap);
}

static void pattern(unsigned char *b, size_t n, unsigned salt)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(i * 7 + salt);
}

static int ring_or_report(struct io_uring *ring, unsigned entries)
{
	int ret = io_uring_queue_init(entries, ring, 0);

	if (ret < 0)
		res_add("init=%d\n", ret);
	return ret;
}

static int one(struct io_uring *ring, struct io_uring_cqe *out)
{
	struct io_uring_cqe *cqe;
	int ret = io_uring_submit_and_wait(ring, 1);

	if (ret < 0)
		return ret;
	ret = io_uring_wait_cqe(ring, &cqe);
	if (ret < 0)
		return ret;
	*out = *cqe;
	io_uring_cqe_seen(ring, cqe);
	return 0;
}

/* three reads of CHUNK at 0 of a file of 2 CHUNKs: their results, their data right? */
static int child_read(const char *path)
{
	unsigned char want[2 * CHUNK], buf[CHUNK];
	struct io_uring ring;
	int fd = open(path, O_RDONLY), ok = 1;

	if (fd < 0 || ring_or_report(&ring, 4) < 0)
		return 1;
	pattern(want, sizeof(want), 1);
	for (int i = 0; i < 3; i++) {
		struct io_uring_cqe c;

		memset(buf, 0, sizeof(buf));
		io_uring_prep_read(io_uring_get_sqe(&ring), fd, buf, CHUNK, 0);
		if (one(&ring, &c))
			return 1;
		res_add("r%d=%d ", i + 1, c.res);
		if (c.res > 0 && memcmp(buf, want, (size_t)c.res))
			ok = 0;
		/* the bytes past a short read were not written */
		if (c.res >= 0 && c.res < CHUNK && buf[c.res] != 0)
			ok = 0;
	}
	res_add("ok=%d\n", ok);
	io_uring_queue_exit(&ring);
	close(fd);
	return 0;
}

/* a write of CHUNK to an empty file: its result and the file's size after */
static int child_write(const char *path)
{
	unsigned char buf[CHUNK];
	struct io_uring ring;
	struct io_uring_cqe c;
	struct stat st;
	int fd = open(path, O_RDWR | O_TRUNC);

	if (fd < 0 || ring_or_report(&ring, 4) < 0)
		return 1;
	pattern(buf, sizeof(buf), 3);
	io_uring_prep_write(io_uring_get_sqe(&ring), fd, buf, CHUNK, 0);
	if (one(&ring, &c) || fstat(fd, &st))
		return 1;
	res_add("res=%d size=%lld\n", c.res, (long long)st.st_size);
	io_uring_queue_exit(&ring);
	close(fd);
	return 0;
}

/* a pipe with data: a read with RWF_NOWAIT, then one without */
static int child_nowait(void)
{
	char buf[64];
	struct io_uring ring;
	struct io_uring_cqe c;
	struct io_uring_sqe *sqe;
	int p[2];

	if (pipe(p) || write(p[1], "0123456789abcdef0123456789abcdef", 32) != 32 ||
	    ring_or_report(&ring, 4) < 0)
		return 1;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, p[0], buf, 16, -1);
	sqe->rw_flags = RWF_NOWAIT;
	if (one(&ring, &c))
		return 1;
	res_add("nowait=%d ", c.res);
	io_uring_prep_read(io_uring_get_sqe(&ring), p[0], buf, 16, -1);
	if (one(&ring, &c))
		return 1;
	res_add("plain=%d\n", c.res);
	io_uring_queue_exit(&ring);
	close(p[0]);
	close(p[1]);
	return 0;
}

/*
 * NOPs 1 and 2 (linked when asked) in one submit: how many CQEs were there
 * when the submit returned, and the order they came in.
 */
static int child_order(bool linked)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	unsigned long long ud[2];
	unsigned ready;

	if (ring_or_report(&ring, 4) < 0)
		return 1;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->user_data = 1;
	if (linked)
		sqe->flags |= IOSQE_IO_LINK;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->user_data = 2;
	if (io_uring_submit(&ring) != 2)
		return 1;
	ready = io_uring_cq_ready(&ring);
	for (int i = 0; i < 2; i++) {
		struct io_uring_cqe *cqe;

		if (io_uring_wait_cqe(&ring, &cqe))
			return 1;
		ud[i] = cqe->user_data;
		io_uring_cqe_seen(&ring, cqe);
	}
	res_add("ready=%u order=%llu,%llu\n", ready, ud[0], ud[1]);
	io_uring_queue_exit(&ring);
	return 0;
}

/* 6 NOPs in one submit on a ring of CQ 16: what the CQ shows, then every CQE */
static int child_cq(void)
{
	struct io_uring ring;
	unsigned ready, flags, n = 0;
	char order[64] = "";

	if (ring_or_report(&ring, 8) < 0)
		return 1;
	for (unsigned i = 1; i <= 6; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		io_uring_prep_nop(sqe);
		sqe->user_data = i;
	}
	if (io_uring_submit(&ring) != 6)
		return 1;
	ready = io_uring_cq_ready(&ring);
	flags = IO_URING_READ_ONCE(*ring.sq.kflags);
	while (n < 6) {
		struct io_uring_cqe *cqe;
		size_t o = strlen(order);

		if (io_uring_wait_cqe(&ring, &cqe))
			break;
		snprintf(order + o, sizeof(order) - o, "%s%llu", n ? "," : "",
			 (unsigned long long)cqe->user_data);
		io_uring_cqe_seen(&ring, cqe);
		n++;
	}
	res_add("ready=%u overflow=%d got=%u order=%s\n", ready, !!(flags & IORING_SQ_CQ_OVERFLOW),
		n, order);
	io_uring_queue_exit(&ring);
	return 0;
}

/* 200 NOPs one at a time: how many failed */
static int child_many(void)
{
	struct io_uring ring;
	int failed = 0;

	if (ring_or_report(&ring, 4) < 0)
		return 1;
	for (unsigned i = 0; i < 200; i++) {
		struct io_uring_cqe c;
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		io_uring_prep_nop(sqe);
		sqe->user_data = i;
		if (one(&ring, &c))
			return 1;
		failed += c.res < 0;
	}
	res_add("failed=%d\n", failed);
	io_uring_queue_exit(&ring);
	return 0;
}

/* reads of two files, a and b, and an open of a */
static int child_path(const char *a, const char *b)
{
	char buf[16];
	struct io_uring ring;
	struct io_uring_cqe c;
	int fa = open(a, O_RDONLY), fb = open(b, O_RDONLY);

	if (fa < 0 || fb < 0 || ring_or_report(&ring, 4) < 0)
		return 1;
	io_uring_prep_read(io_uring_get_sqe(&ring), fa, buf, sizeof(buf), 0);
	if (one(&ring, &c))
		return 1;
	res_add("a=%d ", c.res);
	io_uring_prep_read(io_uring_get_sqe(&ring), fb, buf, sizeof(buf), 0);
	if (one(&ring, &c))
		return 1;
	res_add("b=%d ", c.res);
	io_uring_prep_openat(io_uring_get_sqe(&ring), AT_FDCWD, a, O_RDONLY, 0);
	if (one(&ring, &c))
		return 1;
	res_add("open=%s\n", c.res >= 0 ? "fd" : test_errname(c.res));
	if (c.res >= 0)
		close(c.res);
	io_uring_queue_exit(&ring);
	close(fa);
	close(fb);
	return 0;
}

/*
 * NOP 1 (held back by the rule), then ASYNC_CANCEL of it: the cancel's
 * result; then the ring is closed with NOP 2 held for a minute: its
 * teardown must complete it at once rather than wait
 */
static int child_cancel(void)
{
	struct io_uring ring;
	struct io_uring_cqe c;
	struct io_uring_sqe *sqe;

	if (ring_or_report(&ring, 4) < 0)
		return 1;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->user_data = 1;
	if (io_uring_submit(&ring) != 1)
		return 1;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_cancel64(sqe, 1, 0);
	sqe->user_data = 9;
	if (one(&ring, &c))
		return 1;
	res_add("cancel=%s ", test_errname(c.res) ? test_errname(c.res) : "0");
	if (one(&ring, &c))
		return 1;
	res_add("then=%llu:%d ", (unsigned long long)c.user_data, c.res);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->user_data = 2;
	if (io_uring_submit(&ring) != 1)
		return 1;
	io_uring_queue_exit(&ring);
	res_add("closed\n");
	return 0;
}

static int child_main(int argc, char **argv)
{
	const char *s = argv[2];
	int ret = 1;

	if (!strcmp(s, "read") && argc > 3)
		ret = child_read(argv[3]);
	else if (!strcmp(s, "write") && argc > 3)
		ret = child_write(argv[3]);
	else if (!strcmp(s, "nowait"))
		ret = child_nowait();
	else if (!strcmp(s, "order"))
		ret = child_order(false);
	else if (!strcmp(s, "order-linked"))
		ret = child_order(true);
	else if (!strcmp(s, "cq"))
		ret = child_cq();
	else if (!strcmp(s, "cancel"))
		ret = child_cancel();
	else if (!strcmp(s, "many"))
		ret = child_many();
	else if (!strcmp(s, "path") && argc > 4)
		ret = child_path(argv[3], argv[4]);
	else
		fprintf(stderr, "unknown scenario %s\n", s);
	printf("%s", res_line);
	fflush(stdout);
	return ret;
}

/* ---- the parent: run a scenario with an environment ------------------- */

struct run {
	char out[8192]; /* stdout and stderr together */
	int status; /* exit status, or 128 + signal */
};

static bool our_var(const char *e)
{
	static const char *const names[] = { "RINGER_FAULTS=", "RINGER_SEED=", "RINGER_FAULTS_LOG=",
					     "RINGER_BACKEND=" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strncmp(e, names[i], strlen(names[i])))
			return true;
	return false;
}

/*
 * Run this program's scenario with the environment but our variables,
 * plus env[] (NULL-terminated "NAME=VALUE"; RINGER_BACKEND is the test's
 * unless env names one); args after the scenario name: a1, a2 (or NULL).
 */
static void run_child(struct run *r, const char *const *env, const char *scenario, const char *a1,
		      const char *a2)
{
	const char *envp[256];
	char backend[64];
	size_t n = 0, got = 0;
	bool has_backend = false;
	int p[2], st;
	pid_t pid;

	for (char **e = environ; *e && n < ARRAY_SIZE(envp) - 16; e++)
		if (!our_var(*e))
			envp[n++] = *e;
	for (const char *const *e = env; *e; e++) {
		has_backend |= !strncmp(*e, "RINGER_BACKEND=", 15);
		envp[n++] = *e;
	}
	if (!has_backend) {
		snprintf(backend, sizeof(backend), "RINGER_BACKEND=%s", ringer_test_backend());
		envp[n++] = backend;
	}
	envp[n] = NULL;
	memset(r, 0, sizeof(*r));
	REQUIRE_SYS(pipe(p));
	pid = fork();
	REQUIRE_GE(pid, 0);
	if (pid == 0) {
		const char *argv[] = { "test-faults", "--child", scenario, a1, a2, NULL };

		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		execve("/proc/self/exe", (char *const *)argv, (char *const *)envp);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		ssize_t k = read(p[0], r->out + got, sizeof(r->out) - 1 - got);

		if (k <= 0)
			break;
		got += (size_t)k;
	}
	close(p[0]);
	REQUIRE_EQ(waitpid(pid, &st, 0), pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	printf("# %s%s%s: status %d\n%s", scenario, env[0] ? " with " : "", env[0] ? env[0] : "",
	       r->status, r->out);
}

static bool has(const struct run *r, const char *s)
{
	return strstr(r->out, s) != NULL;
}

#define CHECK_HAS(r, s)	  CHECK_MSG(has(r, s), "the output lacks \"%s\"", s)
#define CHECK_LACKS(r, s) CHECK_MSG(!has(r, s), "the output has \"%s\"", s)

static const char *data_file(void)
{
	unsigned char b[2 * CHUNK];
	const char *path;

	pattern(b, sizeof(b), 1);
	close(test_tmpfile_with(b, sizeof(b), &path));
	return path;
}

static const char *log_path(void)
{
	const char *path;

	close(test_tmpfile(&path));
	unlink(path); /* the log is appended to: it starts absent */
	return path;
}

static char *read_all(const char *path)
{
	static char buf[2][65536];
	static int which;
	char *b = buf[which ^= 1];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, b, sizeof(buf[0]) - 1);

	if (fd >= 0)
		close(fd);
	b[n > 0 ? n : 0] = 0;
	return b;
}

/* ---- cases ------------------------------------------------------------ */

static const char *const no_env[] = { NULL };

TEST(error_nth)
{
	const char *path = data_file();
	const char *env[] = { "RINGER_FAULTS=op=read error=EIO nth=2", "RINGER_SEED=1",
			      "RINGER_BACKEND=user", NULL };
	struct run r;

	run_child(&r, no_env, "read", path, NULL);
	CHECK_EQ(r.status, 0);
	CHECK_HAS(&r, "r1=4096 r2=4096 r3=4096 ok=1");
	run_child(&r, env, "read", path, NULL);
	CHECK_EQ(r.status, 0);
	CHECK_HAS(&r, "r1=4096 r2=-5 r3=4096 ok=1");
	CHECK_HAS(&r, "ringer-faults: rule=0 ring=");
	CHECK_HAS(&r, " seq=2 op=read fd=");
	CHECK_HAS(&r, " action=error=-EIO");
}

/* the operation is not performed: nothing reaches the file */
TEST(error_not_performed)
{
	const char *path = data_file();
	const char *env[] = { "RINGER_FAULTS=op=write error=ENOSPC", "RINGER_SEED=1",
			      "RINGER_BACKEND=user", NULL };
	const char *env_num[] = { "RINGER_FAULTS=op=write error=-4", "RINGER_SEED=1",
				  "RINGER_BACKEND=user", NULL };
	struct run r;

	run_child(&r, no_env, "write", path, NULL);
	CHECK_HAS(&r, "res=4096 size=4096");
	run_child(&r, env, "write", path, NULL);
	CHECK_HAS(&r, "res=-28 size=0");
	run_child(&r, env_num, "write", path, NULL);
	CHECK_HAS(&r, "res=-4 size=0");
	CHECK_HAS(&r, "action=error=-EINTR");
}

TEST(short_fixed_and_random)
{
	const char *path = data_file();
	const char *env[] = { "RINGER_FAULTS=op=read short=100 count=2", "RINGER_SEED=1",
			      "RINGER_BACKEND=user", NULL };
	const char *env_rand[] = { "RINGER_FAULTS=op=read short nth=3", "RINGER_SEED=7",
				   "RINGER_BACKEND=user", NULL };
	struct run r;
	const char *s;
	int r3;

	run_child(&r, env, "read", path, NULL);
	CHECK_EQ(r.status, 0);
	/* performed partially: the first 100 bytes, nothing after them */
	CHECK_HAS(&r, "r1=100 r2=100 r3=4096 ok=1");
	CHECK_HAS(&r, "action=short=100/4096");
	run_child(&r, env_rand, "read", path, NULL);
	CHECK_EQ(r.status, 0);
	s = strstr(r.out, "r3=");
	REQUIRE_TRUE(s != NULL);
	r3 = atoi(s + 3);
	CHECK_HAS(&r, "r1=4096 r2=4096");
	CHECK_HAS(&r, "ok=1");
	CHECK_GE(r3, 1);
	CHECK_LT(r3, 4096);
}

/* -EAGAIN only where the kernel can post it: a read with RWF_NOWAIT */
TEST(eagain_where_visible)
{
	const char *env[] = { "RINGER_FAULTS=op=read eagain", "RINGER_SEED=1",
			      "RINGER_BACKEND=user", NULL };
	struct run r;

	run_child(&r, no_env, "nowait", NULL, NULL);
	CHECK_HAS(&r, "nowait=16 plain=16");
	run_child(&r, env, "nowait", NULL, NULL);
	CHECK_HAS(&r, "nowait=-11 plain=16");
	CHECK_HAS(&r, "action=error=-EAGAIN");
}

/* a delayed completion: the submit returns at once, the later NOP comes first */
TEST(delay)
{
	const char *env[] = { "RINGER_FAULTS=op=nop nth=1 delay=300", "RINGER_SEED=1",
			      "RINGER_BACKEND=user", NULL };
	struct run r;

	run_child(&r, no_env, "order", NULL, NULL);
	CHECK_HAS(&r, "ready=2 order=1,2");
	run_child(&r, env, "order", NULL, NULL);
	CHECK_HAS(&r, "ready=1 order=2,1");
	CHECK_HAS(&r, "action=delay=300ms");
}

/* reordering: independent requests only */
TEST(reorder_independent)
{
	const char *env[] = { "RINGER_FAULTS=op=nop reorder nth=1", "RINGER_SEED=1",
			      "RINGER_BACKEND=user", NULL };
	const char *env_all[] = { "RINGER_FAULTS=op=nop reorder", "RINGER_SEED=1",
				  "RINGER_BACKEND=user", NULL };
	struct run r;

	/* NOP 1 waits for one CQE after it: NOP 2's */
	run_child(&r, env, "order", NULL, NULL);
	CHECK_HAS(&r, "ready=1 order=2,1");
	CHECK_HAS(&r, "action=reorder=1");
	run_child(&r, no_env, "order-linked", NULL, NULL);
	CHECK_HAS(&r, "ready=2 order=1,2");
	run_child(&r, env_all, "order-linked", NULL, NULL);
	CHECK_HAS(&r, "ready=2 order=1,2");
	CHECK_LACKS(&r, "action=reorder");
}

/* a CQ made to look 2 deep: the backlog, CQ_OVERFLOW, every CQE in order */
TEST(cq_pressure)
{
	const char *env[] = { "RINGER_FAULTS=cq=2", "RINGER_SEED=1", "RINGER_BACKEND=user", NULL };
	struct run r;

	run_child(&r, no_env, "cq", NULL, NULL);
	CHECK_HAS(&r, "ready=6 overflow=0 got=6 order=1,2,3,4,5,6");
	run_child(&r, env, "cq", NULL, NULL);
	CHECK_HAS(&r, "ready=2 overflow=1 got=6 order=1,2,3,4,5,6");
	CHECK_HAS(&r, "action=cq=2/16");
}

/* a held request is not found by a cancellation; a ring's close ends its
 * hold (rule 1 does not see NOP 1, which rule 0 took: NOP 2 is its first) */
TEST(held_cancel_and_close)
{
	const char *env[] = { "RINGER_FAULTS=op=nop nth=1 delay=200; op=nop nth=1 delay=60000",
			      "RINGER_SEED=1", "RINGER_BACKEND=user", NULL };
	struct run r;

	run_child(&r, env, "cancel", NULL, NULL);
	CHECK_EQ(r.status, 0);
	CHECK_HAS(&r, "cancel=-ENOENT then=1:0 closed");
	CHECK_HAS(&r, "action=delay=60000ms");
}

TEST(path_glob)
{
	char a[64], b[64];
	const char *env[] = { "RINGER_FAULTS=path=*/ringer-faults-pick-* error=EACCES",
			      "RINGER_SEED=1", "RINGER_BACKEND=user", NULL };
	struct run r;
	int fd;

	snprintf(a, sizeof(a), "/tmp/ringer-faults-pick-%d", (int)getpid());
	snprintf(b, sizeof(b), "/tmp/ringer-faults-leave-%d", (int)getpid());
	fd = open(a, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	REQUIRE_GE(fd, 0);
	REQUIRE_EQ(write(fd, "abc", 3), 3);
	close(fd);
	fd = open(b, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	REQUIRE_GE(fd, 0);
	REQUIRE_EQ(write(fd, "abcd", 4), 4);
	close(fd);
	run_child(&r, no_env, "path", a, b);
	CHECK_HAS(&r, "a=3 b=4 open=fd");
	run_child(&r, env, "path", a, b);
	/* the read of a's fd and the open of a's path fail; b is left alone */
	CHECK_HAS(&r, "a=-13 b=4 ");
	CHECK_HAS(&r, "open=-EACCES");
	CHECK_HAS(&r, "op=openat fd=- user_data=0x0 action=error=-EACCES");
	unlink(a);
	unlink(b);
}

/* the same seed, the same injections; the printed seed replays a run */
TEST(seed_replays)
{
	const char *lp = log_path();
	char logenv[128], first[65536];
	const char *env[] = { "RINGER_FAULTS=op=nop p=0.2 error=EIO", "RINGER_SEED=12345",
			      "RINGER_BACKEND=user", logenv, NULL };
	const char *env2[] = { "RINGER_FAULTS=op=nop p=0.2 error=EIO", "RINGER_SEED=54321",
			       "RINGER_BACKEND=user", logenv, NULL };
	const char *env_noseed[] = { "RINGER_FAULTS=op=nop p=0.2 error=EIO", "RINGER_BACKEND=user",
				     logenv, NULL };
	char seedenv[64];
	const char *env_printed[] = { "RINGER_FAULTS=op=nop p=0.2 error=EIO", seedenv,
				      "RINGER_BACKEND=user", logenv, NULL };
	struct run r;
	const char *s;

	snprintf(logenv, sizeof(logenv), "RINGER_FAULTS_LOG=%s", lp);
	run_child(&r, env, "many", NULL, NULL);
	CHECK_EQ(r.status, 0);
	snprintf(first, sizeof(first), "%s", read_all(lp));
	CHECK_TRUE(strstr(first, "ringer-faults: rule=0 ring=") != NULL);
	CHECK_TRUE(strstr(first, "action=error=-EIO") != NULL);
	unlink(lp);
	run_child(&r, env, "many", NULL, NULL);
	CHECK_MSG(!strcmp(first, read_all(lp)), "two runs with one seed logged differently");
	unlink(lp);
	run_child(&r, env2, "many", NULL, NULL);
	CHECK_MSG(strcmp(first, read_all(lp)), "two seeds logged the same injections");
	unlink(lp);

	/* no seed: one is printed on stderr, and it replays the run */
	run_child(&r, env_noseed, "many", NULL, NULL);
	s = strstr(r.out, "ringer-faults: seed=");
	REQUIRE_TRUE(s != NULL);
	snprintf(seedenv, sizeof(seedenv), "RINGER_SEED=%llu",
		 strtoull(s + strlen("ringer-faults: seed="), NULL, 10));
	snprintf(first, sizeof(first), "%s", read_all(lp));
	unlink(lp);
	run_child(&r, env_printed, "many", NULL, NULL);
	CHECK_LACKS(&r, "ringer-faults: seed=");
	CHECK_MSG(!strcmp(first, read_all(lp)), "the printed seed did not replay the run");
	unlink(lp);
}

/* a bad rule: named with its position, the ring refused */
TEST(bad_rules)
{
	static const struct {
		const char *rules, *msg;
	} bad[] = {
		{ "op=read error=EIO;op=write bogus",
		  "rule 1 \"op=write bogus\", position 28: unknown item \"bogus\"" },
		{ "op=reed error=EIO", "rule 0 \"op=reed error=EIO\", position 4: unknown opcode" },
		{ "op=read error=EWHAT", "position 15: error: \"EWHAT\" is no errno" },
		{ "op=read p=1.5 short", "position 11: p: \"1.5\" is no probability" },
		{ "op=read", "position 8: no action" },
		{ "error=EIO short", "position 11: a rule has one action" },
		{ "op=read cq=4", "cq= is a ring's" },
		{ "delay=5-2", "position 7: delay:" },
	};
	char fenv[128];
	const char *env[] = { fenv, "RINGER_BACKEND=user", NULL };
	struct run r;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(fenv, sizeof(fenv), "RINGER_FAULTS=%s", bad[i].rules);
		run_child(&r, env, "many", NULL, NULL);
		CHECK_HAS(&r, bad[i].msg);
		CHECK_HAS(&r, "init=-22");
		CHECK_LACKS(&r, "failed=");
	}
	/* empty rules are none: the program runs without faults */
	snprintf(fenv, sizeof(fenv), "RINGER_FAULTS= ; ;");
	run_child(&r, env, "many", NULL, NULL);
	CHECK_HAS(&r, "failed=0");
}

static const struct test_case cases[] = {
	TEST_ENTRY(error_nth),
	TEST_ENTRY(error_not_performed),
	TEST_ENTRY(short_fixed_and_random),
	TEST_ENTRY(eagain_where_visible),
	TEST_ENTRY(delay),
	TEST_ENTRY(reorder_independent),
	TEST_ENTRY(cq_pressure),
	TEST_ENTRY(held_cancel_and_close),
	TEST_ENTRY(path_glob),
	TEST_ENTRY(seed_replays),
	TEST_ENTRY(bad_rules),
};

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "--child"))
		return child_main(argc, argv);
	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
