/* SPDX-License-Identifier: MIT */
/*
 * A small test harness for ringer's test programs.
 *
 * The one assertion vocabulary of ringer's tests (test-*.c, unit-*.c, the
 * preload programs).  A test program holds several cases (TEST(name)
 * functions listed in a struct test_case table) and ends with
 * `return test_main(argc, argv, cases, n)`.  Each macro name has one
 * meaning everywhere:
 *   CHECK_*    record a failure and let the case go on;
 *   REQUIRE_*  record it and abandon the current case (what follows would
 *              only crash or report noise); outside a case (a program
 *              without cases, or main() before test_main()) end the program;
 *   FAIL(...)  an unconditional REQUIRE with a message.
 * The typed forms (_EQ, _NE, _LT, ..., _U for unsigned, _ERRNO, _TRUE,
 * _FALSE, _MEM) print the expression, both operands and file:line; the
 * _MSG forms take a printf-style message for what they cannot show.  A
 * REQUIRE failing in a thread the case started ends the program, in a
 * child it forked ends the child with status 1.  Exit status: 0 pass,
 * 1 fail, 77 skip (every case skipped, or the kernel refused io_uring on
 * RINGER_BACKEND=kernel).
 *
 * Skips are strict.  A case skips only with SKIP_CASE(why, detail), `why`
 * one of three reasons, each allowed only where it can be true:
 *   SKIP_KERNEL_REFUSES  the kernel refuses io_uring (seccomp, sysctl, no
 *                        CONFIG_IO_URING) and the case needs a kernel ring:
 *                        any backend, and the harness checks that a kernel
 *                        io_uring_setup really is refused;
 *   SKIP_KERNEL_LACKS    this kernel, or its device, cannot do what the case
 *                        tests (e.g. the disk cannot be polled): not on
 *                        RINGER_BACKEND=user, the engine has no such excuse;
 *   SKIP_ENVIRONMENT     the machine lacks what the case needs whatever the
 *                        backend (root, O_DIRECT in $TMPDIR, ...): any
 *                        backend, and then on both alike.
 * So the user run never skips a case the kernel run ran, except where both
 * skip for the machine.  A skip not allowed on this backend fails the case
 * ("not ok ... # unexpected SKIP").  Every skipped case prints a line
 *   SKIPPED CASE: <program>.<backend> <case>: <reason>: <detail>
 * and the closing line counts them; `make check` collects these lines from
 * ctest's log (tests/skipped-cases.sh), so a program that passed with some
 * cases skipped shows them in the summary instead of a bare "Passed".
 *
 * The expected values in the tests are the kernel's (Linux 6.18): the same
 * program runs on RINGER_BACKEND=kernel and =user and must see the same.
 *
 * Running one case: main() passes argc/argv to test_main(), so every program
 * takes `--list` (print the case names) and `--case NAME` (run only that
 * case; repeatable), the backend still chosen by RINGER_BACKEND:
 *   RINGER_BACKEND=user build/tests/test-rw --case short_read_at_eof
 * An unknown name exits 1 and lists the cases.
 */
#ifndef RINGER_TEST_HARNESS_H
#define RINGER_TEST_HARNESS_H

#ifndef HARNESS_WITHOUT_RINGER
#include "ringer.h"
#endif

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_PASS 0
#define TEST_FAIL 1
#define TEST_SKIP 77

struct test_case {
	const char *name;
	void (*fn)(void);
};

#define TEST(name) static void name(void)
#define TEST_ENTRY(name) { #name, name }
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Per-program state; each test program is one translation unit. */
static int harness_failures; /* failed checks in the whole program */
static int harness_case_failures; /* failed checks in the current case */
static bool harness_case_skipped;
static const char *harness_skip_reason;
static jmp_buf harness_case_jmp;
static bool harness_in_case;
static bool harness_backend_printed;

/* The backend this run asked for: the RINGER_BACKEND value, "auto" if unset. */
static inline const char *ringer_test_backend(void)
{
	const char *b = getenv("RINGER_BACKEND");

	return (b && *b) ? b : "auto";
}

static inline bool test_backend_is(const char *name)
{
	return strcmp(ringer_test_backend(), name) == 0;
}

static inline const char *test_errname(long long v)
{
	switch (v) {
	case 0: return "0";
	case -EPERM: return "-EPERM";
	case -ENOENT: return "-ENOENT";
	case -EINTR: return "-EINTR";
	case -EIO: return "-EIO";
	case -ENXIO: return "-ENXIO";
	case -EBADF: return "-EBADF";
	case -EAGAIN: return "-EAGAIN";
	case -ENOMEM: return "-ENOMEM";
	case -EACCES: return "-EACCES";
	case -EFAULT: return "-EFAULT";
	case -EBUSY: return "-EBUSY";
	case -EEXIST: return "-EEXIST";
	case -EISDIR: return "-EISDIR";
	case -EINVAL: return "-EINVAL";
	case -EMFILE: return "-EMFILE";
	case -ESPIPE: return "-ESPIPE";
	case -EPIPE: return "-EPIPE";
	case -ENOSYS: return "-ENOSYS";
	case -ETIME: return "-ETIME";
	case -EOPNOTSUPP: return "-EOPNOTSUPP";
	case -ECANCELED: return "-ECANCELED";
	case -EALREADY: return "-EALREADY";
	case -EBADFD: return "-EBADFD";
	case -EOVERFLOW: return "-EOVERFLOW";
	default: return NULL;
	}
}

/*
 * A fatal failure abandons the case by a longjmp back to test_main(), which
 * is only possible on the thread running the case, in its process.  From a
 * thread the case started it ends the program (failed); from a child the
 * case forked it ends the child with TEST_FAIL (_exit: the parent's atexit
 * work, e.g. removing temporary files, is not the child's), and the case
 * checks the child's status.
 */
static pid_t harness_case_pid;

static inline void harness_fail_mark(bool fatal)
{
	harness_failures++;
	harness_case_failures++;
	fflush(stdout);
	if (!fatal)
		return;
	if (harness_in_case && getpid() == harness_case_pid &&
	    syscall(SYS_gettid) == harness_case_pid)
		longjmp(harness_case_jmp, 1);
	if (harness_in_case && getpid() != harness_case_pid)
		_exit(TEST_FAIL);
	exit(TEST_FAIL);
}

/* Has a check of the current case (or of the program, outside a case) failed? */
static inline bool test_case_failed(void)
{
	return harness_case_failures != 0;
}

enum harness_op { H_EQ, H_NE, H_LT, H_LE, H_GT, H_GE };

static inline bool harness_cmp_s(enum harness_op op, long long a, long long b)
{
	switch (op) {
	case H_EQ: return a == b;
	case H_NE: return a != b;
	case H_LT: return a < b;
	case H_LE: return a <= b;
	case H_GT: return a > b;
	case H_GE: return a >= b;
	}
	return false;
}

static inline bool harness_cmp_u(enum harness_op op, unsigned long long a,
				 unsigned long long b)
{
	switch (op) {
	case H_EQ: return a == b;
	case H_NE: return a != b;
	case H_LT: return a < b;
	case H_LE: return a <= b;
	case H_GT: return a > b;
	case H_GE: return a >= b;
	}
	return false;
}

static const char *const harness_opname[] = { "==", "!=", "<", "<=", ">", ">=" };

/* Signed comparison; errno-like values are also shown by name. */
static inline bool harness_check_s(const char *file, int line, bool fatal, enum harness_op op,
				   const char *ea, const char *eb, long long a, long long b)
{
	const char *na, *nb;

	if (harness_cmp_s(op, a, b))
		return true;
	na = test_errname(a);
	nb = test_errname(b);
	printf("%s:%d: FAILED: %s %s %s\n", file, line, ea, harness_opname[op], eb);
	printf("    left:  %lld (0x%llx)%s%s\n", a, (unsigned long long)a, na ? " " : "",
	       na ? na : "");
	printf("    right: %lld (0x%llx)%s%s\n", b, (unsigned long long)b, nb ? " " : "",
	       nb ? nb : "");
	harness_fail_mark(fatal);
	return false;
}

/* Unsigned comparison, for user_data, counters and sizes. */
static inline bool harness_check_u(const char *file, int line, bool fatal, enum harness_op op,
				   const char *ea, const char *eb, unsigned long long a,
				   unsigned long long b)
{
	if (harness_cmp_u(op, a, b))
		return true;
	printf("%s:%d: FAILED: %s %s %s\n", file, line, ea, harness_opname[op], eb);
	printf("    left:  %llu (0x%llx)\n", a, a);
	printf("    right: %llu (0x%llx)\n", b, b);
	harness_fail_mark(fatal);
	return false;
}

static inline bool harness_check_true(const char *file, int line, bool fatal, const char *e,
				      bool v)
{
	if (v)
		return true;
	printf("%s:%d: FAILED: %s is false\n", file, line, e);
	harness_fail_mark(fatal);
	return false;
}

static inline bool harness_check_mem(const char *file, int line, bool fatal, const char *ea,
				     const char *eb, const void *a, const void *b, size_t len)
{
	const unsigned char *pa = a, *pb = b;
	size_t i;

	for (i = 0; i < len; i++)
		if (pa[i] != pb[i])
			break;
	if (i == len)
		return true;
	printf("%s:%d: FAILED: memcmp(%s, %s, %zu)\n", file, line, ea, eb, len);
	printf("    first difference at byte %zu: 0x%02x != 0x%02x\n", i, pa[i], pb[i]);
	harness_fail_mark(fatal);
	return false;
}

#define HARNESS_S(fatal, op, a, b) \
	harness_check_s(__FILE__, __LINE__, fatal, op, #a, #b, (long long)(a), (long long)(b))
#define HARNESS_U(fatal, op, a, b)                                    \
	harness_check_u(__FILE__, __LINE__, fatal, op, #a, #b,        \
			(unsigned long long)(a), (unsigned long long)(b))

/* Signed checks (ints, results, -errno). */
#define CHECK_EQ(a, b) HARNESS_S(false, H_EQ, a, b)
#define CHECK_NE(a, b) HARNESS_S(false, H_NE, a, b)
#define CHECK_LT(a, b) HARNESS_S(false, H_LT, a, b)
#define CHECK_LE(a, b) HARNESS_S(false, H_LE, a, b)
#define CHECK_GT(a, b) HARNESS_S(false, H_GT, a, b)
#define CHECK_GE(a, b) HARNESS_S(false, H_GE, a, b)
#define REQUIRE_EQ(a, b) HARNESS_S(true, H_EQ, a, b)
#define REQUIRE_NE(a, b) HARNESS_S(true, H_NE, a, b)
#define REQUIRE_GE(a, b) HARNESS_S(true, H_GE, a, b)
#define REQUIRE_GT(a, b) HARNESS_S(true, H_GT, a, b)
/* Unsigned checks (user_data, flags, counters). */
#define CHECK_EQ_U(a, b) HARNESS_U(false, H_EQ, a, b)
#define CHECK_NE_U(a, b) HARNESS_U(false, H_NE, a, b)
#define CHECK_GE_U(a, b) HARNESS_U(false, H_GE, a, b)
#define REQUIRE_EQ_U(a, b) HARNESS_U(true, H_EQ, a, b)
/* An expression that returns 0 / a count or -errno must give `err` (e.g. -EINVAL). */
#define CHECK_ERRNO(expr, err) HARNESS_S(false, H_EQ, expr, err)
#define REQUIRE_ERRNO(expr, err) HARNESS_S(true, H_EQ, expr, err)
#define CHECK_TRUE(e) harness_check_true(__FILE__, __LINE__, false, #e, !!(e))
#define CHECK_FALSE(e) harness_check_true(__FILE__, __LINE__, false, "!(" #e ")", !(e))
#define REQUIRE_TRUE(e) harness_check_true(__FILE__, __LINE__, true, #e, !!(e))
#define CHECK_MEM(a, b, len) harness_check_mem(__FILE__, __LINE__, false, #a, #b, a, b, len)
#define REQUIRE_MEM(a, b, len) harness_check_mem(__FILE__, __LINE__, true, #a, #b, a, b, len)
/*
 * A condition with a printf-style message saying what was seen, for what
 * the typed checks above cannot show (a combination of fields, a count of
 * events): CHECK_MSG records a failure and goes on, REQUIRE_MSG abandons
 * the case, FAIL always fails and abandons it.
 */
#define HARNESS_MSG(fatal, cond, ...)                                                      \
	do {                                                                               \
		if (!(cond)) {                                                             \
			printf("%s:%d: FAILED: %s: ", __FILE__, __LINE__, #cond);          \
			printf(__VA_ARGS__);                                               \
			printf("\n");                                                      \
			harness_fail_mark(fatal);                                          \
		}                                                                          \
	} while (0)
#define CHECK_MSG(cond, ...) HARNESS_MSG(false, cond, __VA_ARGS__)
#define REQUIRE_MSG(cond, ...) HARNESS_MSG(true, cond, __VA_ARGS__)
#define FAIL(...)                                                                          \
	do {                                                                               \
		printf("%s:%d: FAILED: ", __FILE__, __LINE__);                             \
		printf(__VA_ARGS__);                                                       \
		printf("\n");                                                              \
		harness_fail_mark(true);                                                   \
	} while (0)
/* A libc call that returns -1 and sets errno: must succeed. */
#define REQUIRE_SYS(expr)                                                                  \
	do {                                                                               \
		if ((expr) < 0) {                                                          \
			printf("%s:%d: FAILED: %s: %s\n", __FILE__, __LINE__, #expr,       \
			       strerror(errno));                                           \
			harness_fail_mark(true);                                           \
		}                                                                          \
	} while (0)

/* Why a case skips (see the top of this file for where each is allowed). */
enum test_skip_why { SKIP_KERNEL_REFUSES, SKIP_KERNEL_LACKS, SKIP_ENVIRONMENT };

static const char *const harness_skip_whys[] = {
	[SKIP_KERNEL_REFUSES] = "kernel refuses io_uring",
	[SKIP_KERNEL_LACKS] = "kernel limitation",
	[SKIP_ENVIRONMENT] = "machine limitation",
};

static enum test_skip_why harness_skip_why;

/* The kernel's own io_uring_setup, not the library's: refused? */
static inline bool harness_kernel_refuses(void)
{
	uint64_t p[15] = { 0 }; /* a zeroed struct io_uring_params (120 bytes) */
	long fd;

	fd = syscall(__NR_io_uring_setup, 1, p);
	if (fd >= 0) {
		close((int)fd);
		return false;
	}
	return errno == ENOSYS || errno == EPERM || errno == EACCES;
}

static inline bool harness_skip_allowed(enum test_skip_why why)
{
	switch (why) {
	case SKIP_KERNEL_REFUSES: return harness_kernel_refuses();
	case SKIP_KERNEL_LACKS: return !test_backend_is("user");
	case SKIP_ENVIRONMENT: return true;
	}
	return false;
}

/*
 * Skip the current case (it counts as neither pass nor fail), or the whole
 * program when called outside a case; a skip this backend may not take is a
 * failure.  In a child the case forked, the child ends with TEST_SKIP and
 * the case decides what its child's skip means.
 */
__attribute__((noreturn)) static inline void harness_skip(enum test_skip_why why,
							  const char *detail)
{
	harness_case_skipped = true;
	harness_skip_why = why;
	harness_skip_reason = detail;
	if (harness_in_case && getpid() == harness_case_pid &&
	    syscall(SYS_gettid) == harness_case_pid)
		longjmp(harness_case_jmp, 1);
	if (harness_in_case && getpid() != harness_case_pid) {
		printf("# a child of the case skips: %s: %s\n", harness_skip_whys[why], detail);
		fflush(stdout);
		_exit(TEST_SKIP);
	}
	printf("SKIPPED: %s.%s: %s: %s\n", program_invocation_short_name, ringer_test_backend(),
	       harness_skip_whys[why], detail);
	fflush(stdout);
	exit(harness_skip_allowed(why) ? TEST_SKIP : TEST_FAIL);
}

#define SKIP_CASE(why, detail) harness_skip(why, detail)

static inline void test_print_backend(void)
{
	if (harness_backend_printed)
		return;
	harness_backend_printed = true;
	printf("# backend: %s (RINGER_BACKEND=%s)\n", ringer_test_backend(),
	       getenv("RINGER_BACKEND") ? getenv("RINGER_BACKEND") : "unset");
	fflush(stdout);
}

/*
 * The kernel refusing io_uring (seccomp, sysctl, no CONFIG_IO_URING) is the
 * only reason a run may skip: on RINGER_BACKEND=kernel only, the user engine
 * has no such excuse.
 */
static inline void test_skip_if_refused(int err, const char *what)
{
	if (!test_backend_is("kernel"))
		return;
	if (err == -ENOSYS || err == -EPERM || err == -EACCES) {
		printf("# SKIP: the kernel refuses io_uring (%s: %s)\n", what, strerror(-err));
		fflush(stdout);
		exit(TEST_SKIP);
	}
}

/*
 * Temporary files: mkstemp in $TMPDIR (or /tmp), unlinked at exit so that
 * a test can reopen the path with other flags meanwhile.
 */
#define HARNESS_MAX_TMP 32
static char harness_tmp_paths[HARNESS_MAX_TMP][256];
static int harness_nr_tmp;

static inline void harness_unlink_tmp(void)
{
	for (int i = 0; i < harness_nr_tmp; i++)
		unlink(harness_tmp_paths[i]);
}

/* A new empty temporary file opened O_RDWR; its path in *path if non-NULL. */
static inline int test_tmpfile(const char **path)
{
	const char *dir = getenv("TMPDIR");
	char *p;
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	if (harness_nr_tmp == HARNESS_MAX_TMP) {
		printf("harness: too many temporary files\n");
		harness_fail_mark(true);
	}
	p = harness_tmp_paths[harness_nr_tmp];
	snprintf(p, sizeof(harness_tmp_paths[0]), "%s/ringer-test-XXXXXX", dir);
	fd = mkstemp(p);
	if (fd < 0) {
		printf("harness: mkstemp(%s): %s\n", p, strerror(errno));
		harness_fail_mark(true);
	}
	if (harness_nr_tmp++ == 0)
		atexit(harness_unlink_tmp);
	if (path)
		*path = p;
	return fd;
}

/* A temporary file holding `len` bytes of `data`. */
static inline int test_tmpfile_with(const void *data, size_t len, const char **path)
{
	int fd = test_tmpfile(path);

	if (pwrite(fd, data, len, 0) != (ssize_t)len) {
		printf("harness: pwrite to temporary file failed: %s\n", strerror(errno));
		harness_fail_mark(true);
	}
	return fd;
}

/* Deterministic pseudo-random bytes (xorshift64*), different per seed. */
static inline void test_fill_random(void *buf, size_t len, uint64_t seed)
{
	unsigned char *p = buf;
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 0x2545f4914f6cdd1dULL;

	for (size_t i = 0; i < len; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		p[i] = (unsigned char)((x * 0x2545f4914f6cdd1dULL) >> 56);
	}
}

/*
 * One readable, writable page followed by an inaccessible one: a name or
 * buffer laid out to end on its last byte shows whether the reader stops
 * there or faults (-EFAULT) reading on.  The second page stays mapped
 * (PROT_NONE) rather than unmapped, so that no other mapping can land in
 * the hole in the meantime (a thread the engine starts: a sanitizer maps a
 * page for each).  *pg gets the page size; munmap(m, 2 * *pg) frees both.
 */
static inline char *test_page_before_hole(long *pg)
{
	char *m;

	*pg = sysconf(_SC_PAGESIZE);
	m = mmap(NULL, 2 * *pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE_TRUE(m != MAP_FAILED);
	REQUIRE_SYS(mprotect(m + *pg, *pg, PROT_NONE));
	return m;
}

static inline int harness_count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Open fds of the process (not counting the one used to list them). */
static inline int test_count_fds(void)
{
	int n = harness_count_dir("/proc/self/fd");

	return n > 0 ? n - 1 : n;
}

/* Threads of the process. */
static inline int test_count_threads(void)
{
	return harness_count_dir("/proc/self/task");
}

static inline uint64_t test_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline void test_sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * RLIMIT_MEMLOCK accounting tests: in a child of the case (test_in_child()),
 * become a user of this process's own with a limit of bytes.  io_uring
 * charges the user, not the process: a fixed uid would share its account
 * with runs in parallel (each backend, the shim's modes) and with one that
 * just ended (the kernel gives pages back late).  The pid is the process's
 * own among those alive.
 */
static inline void test_become_memlock_user(rlim_t bytes)
{
	struct rlimit rl = { bytes, bytes };
	uid_t uid = (uid_t)100000 + (uid_t)getpid();

	REQUIRE_SYS(setrlimit(RLIMIT_MEMLOCK, &rl));
	REQUIRE_SYS(setgid(uid));
	REQUIRE_SYS(setuid(uid));
}

/*
 * Run fn as the case in a forked child, which may change what the case's
 * process must keep (its user, its limits); it needs root for that.  The
 * child's failure is the case's; its only skip, its ring refused on
 * RINGER_BACKEND=kernel, is too.
 */
static inline void test_in_root_child(void (*fn)(void))
{
	int st;
	pid_t pid;

	if (getuid() != 0)
		SKIP_CASE(SKIP_ENVIRONMENT, "needs root");
	fflush(stdout);
	pid = fork();
	REQUIRE_SYS(pid);
	if (pid == 0) {
		fn();
		fflush(stdout);
		_exit(test_case_failed() ? TEST_FAIL : TEST_PASS);
	}
	REQUIRE_EQ(waitpid(pid, &st, 0), pid);
	REQUIRE_MSG(WIFEXITED(st), "the child ended with status 0x%x", st);
	if (WEXITSTATUS(st) == TEST_SKIP)
		SKIP_CASE(SKIP_KERNEL_REFUSES, "io_uring_setup refused");
	CHECK_EQ(WEXITSTATUS(st), TEST_PASS);
}

#ifndef HARNESS_WITHOUT_RINGER
/*
 * Rings through ringer's library.  A program that does not use it (the
 * preload tests: raw system calls or the system's liburing) defines
 * HARNESS_WITHOUT_RINGER before including this file.
 */

static bool harness_ring_backend_printed;

/* Say once which backend the rings of this run really are on. */
static inline void harness_print_ring_backend(int ring_fd)
{
	int b;

	if (harness_ring_backend_printed)
		return;
	harness_ring_backend_printed = true;
	b = ringer_fd_backend(ring_fd);
	printf("# rings run on: %s\n", b == RINGER_BACKEND_KERNEL ? "kernel" :
					 b == RINGER_BACKEND_USER ? "user" : "unknown");
}

/* io_uring_queue_init_params() that must succeed (or skip, see above). */
static inline void test_ring_init_params(unsigned entries, struct io_uring *ring,
					 struct io_uring_params *p)
{
	int ret = io_uring_queue_init_params(entries, ring, p);

	test_skip_if_refused(ret, "io_uring_queue_init_params");
	if (ret < 0) {
		printf("%s:%d: FAILED: io_uring_queue_init_params(%u) = %d %s\n", __FILE__,
		       __LINE__, entries, ret, test_errname(ret) ? test_errname(ret) : "");
		harness_fail_mark(true);
	}
	harness_print_ring_backend(ring->ring_fd);
}

static inline void test_ring_init(unsigned entries, struct io_uring *ring, unsigned flags)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	p.flags = flags;
	test_ring_init_params(entries, ring, &p);
}

/* io_uring_setup() through the seam, with the same skip rule. */
static inline int test_setup_raw(unsigned entries, struct io_uring_params *p)
{
	int ret = io_uring_setup(entries, p);

	test_skip_if_refused(ret, "io_uring_setup");
	if (ret >= 0)
		harness_print_ring_backend(ret);
	return ret;
}

/* Close a ring fd made by io_uring_setup() on whichever backend made it. */
static inline void test_close_ring_fd(int fd)
{
	if (ringer_is_engine_fd(fd))
		ringer_close(fd);
	else
		close(fd);
}

/*
 * Wait for a CQE for at most `ms` milliseconds; 0 or -ETIME (or another
 * -errno).  Tests wait through this so that a missing CQE fails the case
 * instead of hanging the program.
 */
static inline int test_wait_cqe_ms(struct io_uring *ring, struct io_uring_cqe **cqe, unsigned ms)
{
	struct __kernel_timespec ts = { .tv_sec = ms / 1000,
					.tv_nsec = (long long)(ms % 1000) * 1000000LL };

	return io_uring_wait_cqe_timeout(ring, cqe, &ts);
}

/* A copy of a CQE's observable tuple. */
struct test_cqe {
	__u64 user_data;
	__s32 res;
	__u32 flags;
};

/*
 * Reap exactly n CQEs (waiting up to ms for each) into out[], in CQ order.
 * Returns how many were reaped.
 */
static inline unsigned test_reap(struct io_uring *ring, struct test_cqe *out, unsigned n,
				 unsigned ms)
{
	struct io_uring_cqe *cqe;
	unsigned i;

	for (i = 0; i < n; i++) {
		if (test_wait_cqe_ms(ring, &cqe, ms) < 0 || !cqe)
			break;
		out[i].user_data = cqe->user_data;
		out[i].res = cqe->res;
		out[i].flags = cqe->flags;
		io_uring_cqe_seen(ring, cqe);
	}
	return i;
}

/* The reaped CQE with this user_data, or NULL (for unordered completions). */
static inline const struct test_cqe *test_find_cqe(const struct test_cqe *c, unsigned n,
						   __u64 user_data)
{
	for (unsigned i = 0; i < n; i++)
		if (c[i].user_data == user_data)
			return &c[i];
	return NULL;
}

/* Check that no CQE is waiting (and none arrives within ms). */
static inline bool test_cq_empty_for(struct io_uring *ring, unsigned ms)
{
	struct io_uring_cqe *cqe = NULL;

	if (io_uring_cq_ready(ring))
		return false;
	if (!ms)
		return true;
	return test_wait_cqe_ms(ring, &cqe, ms) == -ETIME;
}

/*
 * Submit what is queued, then reap exactly n CQEs into out[] (5 s each at
 * most; fewer fails the case).  Returns io_uring_submit()'s result.
 */
static inline int test_submit_reap(struct io_uring *ring, struct test_cqe *out, unsigned n)
{
	int ret;
	unsigned got;

	memset(out, 0, n * sizeof(*out));
	ret = io_uring_submit(ring);
	got = test_reap(ring, out, n, 5000);

	if (got != n) {
		printf("harness: submit returned %d; reaped %u CQEs of %u\n", ret, got, n);
		harness_fail_mark(true);
	}
	return ret;
}

/* Submit what is queued and reap its one CQE (test_submit_reap()): the CQE. */
static inline struct test_cqe test_submit_reap1(struct io_uring *ring)
{
	struct test_cqe c;

	test_submit_reap(ring, &c, 1);
	return c;
}

/*
 * Submit what is queued and reap its one CQE, which must carry user_data
 * (a missing or stray CQE fails the case): the CQE, for its res and flags.
 */
static inline struct test_cqe test_submit_one(struct io_uring *ring, __u64 user_data)
{
	struct test_cqe c = { 0 };

	CHECK_EQ(test_submit_reap(ring, &c, 1), 1);
	CHECK_EQ_U(c.user_data, user_data);
	return c;
}

/*
 * The ring's probe lists every opcode of ops[] as supported: the check a
 * test of new opcodes ends with.  A failure names the opcode.
 */
static inline void test_check_probe_has(struct io_uring *ring, const int *ops, size_t n)
{
	struct io_uring_probe *p = io_uring_get_probe_ring(ring);

	REQUIRE_TRUE(p != NULL);
	for (size_t i = 0; i < n; i++)
		CHECK_MSG(io_uring_opcode_supported(p, ops[i]), "opcode %d is not in the probe",
			  ops[i]);
	io_uring_free_probe(p);
}

/* An SQE that must be available. */
static inline struct io_uring_sqe *test_get_sqe(struct io_uring *ring)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe) {
		printf("harness: io_uring_get_sqe() returned NULL (SQ full)\n");
		harness_fail_mark(true);
	}
	return sqe;
}

/*
 * One NOP with user_data ud through the library's submit and wait (the
 * ring's enter fd, or its registered index): its res, or -errno (-EIO for
 * a stray CQE or a short submit).
 */
static inline int test_nop_round_trip(struct io_uring *ring, __u64 ud)
{
	struct io_uring_sqe *sqe = test_get_sqe(ring);
	struct io_uring_cqe *cqe;
	int ret;

	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, ud);
	ret = io_uring_submit(ring);
	if (ret != 1)
		return ret < 0 ? ret : -EIO;
	ret = test_wait_cqe_ms(ring, &cqe, 5000);
	if (ret)
		return ret;
	ret = cqe->user_data == ud ? cqe->res : -EIO;
	io_uring_cqe_seen(ring, cqe);
	return ret;
}

/*
 * Cancel the request whose user_data is ud with an ASYNC_CANCEL carrying
 * cancel_ud, and reap both CQEs: the cancellation must find it (res 0) and
 * the request end with -ECANCELED.  The request's CQE, for its flags.
 */
static inline struct test_cqe test_cancel_reap(struct io_uring *ring, __u64 ud, __u64 cancel_ud)
{
	struct io_uring_sqe *sqe = test_get_sqe(ring);
	struct test_cqe c[2];

	io_uring_prep_cancel64(sqe, ud, 0);
	io_uring_sqe_set_data64(sqe, cancel_ud);
	test_submit_reap(ring, c, 2);
	REQUIRE_TRUE(test_find_cqe(c, 2, ud) && test_find_cqe(c, 2, cancel_ud));
	CHECK_EQ(test_find_cqe(c, 2, cancel_ud)->res, 0);
	CHECK_EQ(test_find_cqe(c, 2, ud)->res, -ECANCELED);
	return *test_find_cqe(c, 2, ud);
}

/* A CQE's flags for a request that took provided buffer bid. */
static inline __u32 test_buf_flags(unsigned bid)
{
	return IORING_CQE_F_BUFFER | (bid << IORING_CQE_BUFFER_SHIFT);
}

/*
 * A buffer ring of entries buffers as group bgid (io_uring_setup_buf_ring()),
 * which must be made; an incremental one (IOU_PBUF_RING_INC) a kernel
 * without them refuses with -EINVAL skips the case.
 */
static inline struct io_uring_buf_ring *test_setup_buf_ring(struct io_uring *ring,
							    unsigned entries, int bgid,
							    unsigned flags)
{
	struct io_uring_buf_ring *br;
	int err = 0;

	br = io_uring_setup_buf_ring(ring, entries, bgid, flags, &err);
	if (!br && err == -EINVAL && (flags & IOU_PBUF_RING_INC))
		test_skip_if_refused(-EOPNOTSUPP, "incremental buffer rings");
	REQUIRE_MSG(br != NULL, "setup_buf_ring: %d", err);
	return br;
}

/* One buffer at the tail of br (of entries buffers), visible to the ring at once. */
static inline void test_buf_ring_add1(struct io_uring_buf_ring *br, unsigned entries, void *addr,
				      unsigned len, unsigned short bid)
{
	io_uring_buf_ring_add(br, addr, len, bid, io_uring_buf_ring_mask(entries), 0);
	io_uring_buf_ring_advance(br, 1);
}

/* The head of group bgid's buffer ring (IORING_REGISTER_PBUF_STATUS), which must answer. */
static inline unsigned test_buf_ring_head(struct io_uring *ring, int bgid)
{
	uint16_t head = 0xffff;

	CHECK_EQ(io_uring_buf_ring_head(ring, bgid, &head), 0);
	return head;
}

#endif /* !HARNESS_WITHOUT_RINGER */

static inline void harness_list_cases(FILE *out, const char *indent,
				      const struct test_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s\n", indent, cases[i].name);
}

/*
 * Which cases to run: all, or those named by --case NAME (repeatable).
 * --list prints the names and exits 0; an unknown case or argument exits 1
 * naming what there is, so a typo never passes as a run of nothing.
 */
static inline void harness_select(int argc, char **argv, const struct test_case *cases,
				  size_t n, bool *run)
{
	bool any = false;

	for (size_t i = 0; i < n; i++)
		run[i] = false;
	for (int a = 1; a < argc; a++) {
		size_t i;

		if (!strcmp(argv[a], "--list")) {
			harness_list_cases(stdout, "", cases, n);
			exit(TEST_PASS);
		}
		if (strcmp(argv[a], "--case") || a + 1 == argc) {
			fprintf(stderr, "usage: %s [--list] [--case NAME]...\n",
				program_invocation_short_name);
			exit(TEST_FAIL);
		}
		a++;
		for (i = 0; i < n; i++)
			if (!strcmp(argv[a], cases[i].name))
				break;
		if (i == n) {
			fprintf(stderr, "%s: no case named '%s'; the cases are:\n",
				program_invocation_short_name, argv[a]);
			harness_list_cases(stderr, "    ", cases, n);
			exit(TEST_FAIL);
		}
		run[i] = true;
		any = true;
	}
	if (!any)
		for (size_t i = 0; i < n; i++)
			run[i] = true;
}

/* Run the cases main() was asked for; returns the exit status for main(). */
static inline int test_main(int argc, char **argv, const struct test_case *cases, size_t n)
{
	/* volatile: modified around setjmp/longjmp */
	volatile int passed = 0, failed = 0, skipped = 0;
	bool *run = calloc(n ? n : 1, sizeof(*run));

	if (!run)
		return TEST_FAIL;
	harness_select(argc, argv, cases, n, run);
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_print_backend();
	for (size_t i = 0; i < n; i++) {
		if (!run[i])
			continue;
		harness_case_failures = 0;
		harness_case_skipped = false;
		harness_skip_reason = NULL;
		harness_in_case = true;
		harness_case_pid = getpid();
		if (!setjmp(harness_case_jmp))
			cases[i].fn();
		harness_in_case = false;
		if (harness_case_failures) {
			failed++;
			printf("not ok %zu - %s\n", i + 1, cases[i].name);
		} else if (harness_case_skipped && !harness_skip_allowed(harness_skip_why)) {
			failed++;
			printf("not ok %zu - %s # unexpected SKIP on RINGER_BACKEND=%s (%s): "
			       "%s: %s\n",
			       i + 1, cases[i].name, ringer_test_backend(),
			       harness_skip_why == SKIP_KERNEL_REFUSES
				       ? "the kernel does not refuse io_uring"
				       : "the engine has no such excuse",
			       harness_skip_whys[harness_skip_why], harness_skip_reason);
		} else if (harness_case_skipped) {
			skipped++;
			printf("ok %zu - %s # SKIP %s: %s\n", i + 1, cases[i].name,
			       harness_skip_whys[harness_skip_why], harness_skip_reason);
			printf("SKIPPED CASE: %s.%s %s: %s: %s\n", program_invocation_short_name,
			       ringer_test_backend(), cases[i].name,
			       harness_skip_whys[harness_skip_why], harness_skip_reason);
		} else {
			passed++;
			printf("ok %zu - %s\n", i + 1, cases[i].name);
		}
		fflush(stdout);
	}
	printf("# %s: %d passed, %d failed, %d skipped (backend %s)\n",
	       program_invocation_short_name, passed, failed, skipped, ringer_test_backend());
	free(run);
	if (failed)
		return TEST_FAIL;
	if (!passed && skipped)
		return TEST_SKIP;
	return TEST_PASS;
}

#endif /* RINGER_TEST_HARNESS_H */
