/* SPDX-License-Identifier: MIT */
/*
 * Requests in flight off the submitting thread: an IOSQE_ASYNC read on an
 * empty pipe waits for readiness without pinning a worker (teardown cancels
 * it, and many of them do not starve the pool); the engine's own fds never
 * take a number the program may reuse; waiting, reading and a multishot poll
 * need no new fd at RLIMIT_NOFILE; a request holds its file and its registered buffer until it
 * completes, whatever the program closes, unregisters or maps meanwhile.
 */
#include "harness.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

/*
 * Run fn in a child process and wait at most ms for it: a case whose
 * failure mode is a hang (a teardown that never returns) fails instead of
 * hanging the program.  fn returns the child's exit status.
 */
static void run_in_child(int (*fn)(void), unsigned ms, const char *what)
{
	uint64_t end = test_now_ns() + (uint64_t)ms * 1000000ULL;
	int status = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	REQUIRE_GE(pid, 0);
	if (pid == 0)
		_exit(fn());
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (test_now_ns() > end) {
			printf("%s: still running after %u ms\n", what, ms);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			CHECK_TRUE(false);
			return;
		}
		test_sleep_ms(5);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == TEST_SKIP)
		SKIP_CASE(SKIP_KERNEL_REFUSES, "io_uring_queue_init in the child");
	CHECK_TRUE(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
}

/* In a child: the ring, or exit 77 where the kernel refuses io_uring. */
static int child_ring(struct io_uring *ring, unsigned entries)
{
	int ret = io_uring_queue_init(entries, ring, 0);

	if (ret == -ENOSYS || ret == -EPERM || ret == -EACCES)
		_exit(TEST_SKIP);
	return ret;
}

static void prep_async_read(struct io_uring *ring, int fd, void *buf, unsigned len,
			    __u64 user_data)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	io_uring_prep_read(sqe, fd, buf, len, 0);
	sqe->flags |= IOSQE_ASYNC;
	io_uring_sqe_set_data64(sqe, user_data);
}

static int async_read_exit_child(void)
{
	struct io_uring ring;
	char buf[8], out[16];
	int p[2];

	if (pipe(p) || child_ring(&ring, 8))
		return 2;
	prep_async_read(&ring, p[0], buf, sizeof(buf), 1);
	if (io_uring_submit(&ring) != 1)
		return 3;
	if (!test_cq_empty_for(&ring, 50))
		return 4; /* the pipe is empty: nothing to complete */
	io_uring_queue_exit(&ring);
	/* the cancelled read took nothing */
	if (write(p[1], "after", 5) != 5 || read(p[0], out, sizeof(out)) != 5)
		return 5;
	return memcmp(out, "after", 5) ? 6 : 0;
}

/* IOSQE_ASYNC read on an empty pipe: io_uring_queue_exit() returns. */
TEST(async_read_on_empty_pipe_then_exit)
{
	run_in_child(async_read_exit_child, 10000, "io_uring_queue_exit");
}

/* More ASYNC reads on empty pipes than the engine has unbound workers. */
#define NR_WAITING 40

static int async_reads_starve_child(void)
{
	struct io_uring ring;
	int p[NR_WAITING + 1][2];
	char bufs[NR_WAITING + 1][8];
	struct io_uring_cqe *cqe;
	int ret = 0;

	if (child_ring(&ring, 64))
		return 2;
	for (int i = 0; i <= NR_WAITING; i++)
		if (pipe(p[i]))
			return 3;
	for (int i = 0; i < NR_WAITING; i++)
		prep_async_read(&ring, p[i][0], bufs[i], sizeof(bufs[i]), (__u64)i);
	if (io_uring_submit(&ring) != NR_WAITING)
		return 4;
	if (!test_cq_empty_for(&ring, 50))
		return 5;
	/* one more, on a pipe that has data: it completes at once */
	if (write(p[NR_WAITING][1], "ready", 5) != 5)
		return 6;
	prep_async_read(&ring, p[NR_WAITING][0], bufs[NR_WAITING], 8, NR_WAITING);
	if (io_uring_submit(&ring) != 1)
		return 7;
	if (test_wait_cqe_ms(&ring, &cqe, 5000)) {
		printf("the ASYNC read of a ready pipe did not complete\n");
		return 8;
	}
	if (cqe->user_data != NR_WAITING || cqe->res != 5) {
		printf("cqe user_data %llu res %d\n", (unsigned long long)cqe->user_data, cqe->res);
		ret = 9;
	}
	io_uring_cqe_seen(&ring, cqe);
	/* the waiting ones complete when their data comes */
	for (int i = 0; i < NR_WAITING; i++)
		if (write(p[i][1], "x", 1) != 1)
			return 10;
	for (int i = 0; i < NR_WAITING; i++) {
		if (test_wait_cqe_ms(&ring, &cqe, 5000))
			return 11;
		if (cqe->res != 1)
			ret = 12;
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	return ret;
}

TEST(async_reads_on_empty_pipes_do_not_starve)
{
	run_in_child(async_reads_starve_child, 20000, "ASYNC reads on empty pipes");
}

/* The lowest fd number free now (the one the next open takes). */
static int lowest_free_fd(void)
{
	int fd = dup(0);

	if (fd >= 0)
		close(fd);
	return fd;
}

static struct io_uring_sqe *prep_rw(struct io_uring *ring, bool write, int fd, void *buf,
				    unsigned len, __u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(ring);

	if (write)
		io_uring_prep_write(sqe, fd, buf, len, 0);
	else
		io_uring_prep_read(sqe, fd, buf, len, 0);
	io_uring_sqe_set_data64(sqe, user_data);
	return sqe;
}

/*
 * A read waiting on an empty pipe gives the engine its readiness machinery;
 * the number the program closed last must still be a closed fd for io_uring
 * (no engine fd may have taken it): WRITE and READ on it say -EBADF.
 */
TEST(closed_number_is_not_an_engine_fd)
{
	struct io_uring ring;
	char buf[8] = "12345678", in[8];
	struct test_cqe c[2];
	int p[2], fd;

	test_ring_init(8, &ring, 0);
	REQUIRE_SYS(pipe(p));
	fd = lowest_free_fd();
	REQUIRE_GE(fd, 0);
	prep_rw(&ring, false, p[0], in, sizeof(in), 1);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	prep_rw(&ring, true, fd, buf, sizeof(buf), 2);
	prep_rw(&ring, false, fd, in, sizeof(in), 3);
	test_submit_reap(&ring, c, 2);
	CHECK_EQ(test_find_cqe(c, 2, 2) ? test_find_cqe(c, 2, 2)->res : 1, -EBADF);
	CHECK_EQ(test_find_cqe(c, 2, 3) ? test_find_cqe(c, 2, 3)->res : 1, -EBADF);
	io_uring_queue_exit(&ring);
	close(p[0]);
	close(p[1]);
}

/* Fill the fd table: dup until EMFILE, under a soft limit of at most 512. */
static int fill_fd_table(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -1;
	if (rl.rlim_cur > 512) {
		rl.rlim_cur = 512;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			return -1;
	}
	while (dup(0) >= 0)
		;
	return errno == EMFILE ? 0 : -1;
}

static int nofile_child(void)
{
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	char buf[16] = { 0 };
	int p[2], ret;

	if (child_ring(&ring, 8) || pipe(p) || fill_fd_table())
		return 2;
	/* waiting needs no new fd: the timeout expires */
	ret = test_wait_cqe_ms(&ring, &cqe, 30);
	if (ret != -ETIME) {
		printf("wait_cqe_timeout at RLIMIT_NOFILE: %d\n", ret);
		return 3;
	}
	/* a read on an empty pipe waits, and gets the data once it comes */
	prep_rw(&ring, false, p[0], buf, sizeof(buf), 7);
	if (io_uring_submit(&ring) != 1)
		return 4;
	ret = test_wait_cqe_ms(&ring, &cqe, 30);
	if (ret != -ETIME) {
		printf("read on an empty pipe at RLIMIT_NOFILE: %d (res %d)\n", ret,
		       ret ? 0 : cqe->res);
		return 5;
	}
	if (write(p[1], "later", 5) != 5)
		return 6;
	ret = test_wait_cqe_ms(&ring, &cqe, 5000);
	if (ret || cqe->user_data != 7 || cqe->res != 5 || memcmp(buf, "later", 5)) {
		printf("read at RLIMIT_NOFILE: wait %d res %d\n", ret, ret ? 0 : cqe->res);
		return 7;
	}
	io_uring_cqe_seen(&ring, cqe);
	io_uring_queue_exit(&ring);
	return 0;
}

/* At RLIMIT_NOFILE, waiting times out and a pipe read gets its data. */
TEST(wait_and_read_at_nofile_limit)
{
	run_in_child(nofile_child, 20000, "at RLIMIT_NOFILE");
}

/*
 * One readiness of a multishot POLL_ADD: its CQE says POLLIN; without
 * IORING_CQE_F_MORE the poll has ended and is armed again, as a program
 * must (liburing's poll-mshot-update does so).  0, or the step that failed.
 */
static int mshot_poll_event(struct io_uring *ring, int p[2], bool *armed)
{
	struct io_uring_cqe *cqe;
	char ch;
	int ret;

	if (!*armed) {
		io_uring_prep_poll_multishot(io_uring_get_sqe(ring), p[0], POLLIN);
		if (io_uring_submit(ring) != 1)
			return 10;
		*armed = true;
	}
	if (write(p[1], "x", 1) != 1)
		return 11;
	ret = test_wait_cqe_ms(ring, &cqe, 5000);
	if (ret || cqe->res != POLLIN) {
		printf("multishot poll at RLIMIT_NOFILE: wait %d res %d\n", ret,
		       ret ? 0 : cqe->res);
		return 12;
	}
	*armed = cqe->flags & IORING_CQE_F_MORE;
	io_uring_cqe_seen(ring, cqe);
	return read(p[0], &ch, 1) == 1 ? 0 : 13;
}

static int nofile_mshot_poll_child(void)
{
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	bool armed = false;
	int p[2], ret;

	if (child_ring(&ring, 8) || pipe(p) || fill_fd_table())
		return 2;
	/* the kernel's poll needs no fd; the engine's must not fail for one */
	for (int i = 0; i < 3; i++) {
		ret = mshot_poll_event(&ring, p, &armed);
		if (ret)
			return ret;
	}
	ret = test_wait_cqe_ms(&ring, &cqe, 30);
	if (ret != -ETIME) {
		printf("multishot poll at RLIMIT_NOFILE, a CQE too many: %d (res %d)\n", ret,
		       ret ? 0 : cqe->res);
		return 3;
	}
	io_uring_queue_exit(&ring);
	return 0;
}

/* At RLIMIT_NOFILE, a multishot poll reports each readiness (no -EMFILE). */
TEST(multishot_poll_at_nofile_limit)
{
	run_in_child(nofile_mshot_poll_child, 20000, "multishot poll at RLIMIT_NOFILE");
}

/*
 * An IOSQE_ASYNC request is issued by a worker, which resolves its fd and
 * its fixed buffer then (the kernel's io-wq does the same), and only from
 * then on holds them.  Before the program closes or unregisters anything,
 * wait (bounded, generously) until the worker has issued the read and it
 * waits: on the engine the worker has armed it in the reactor, whose thread
 * starts with that arming (worker + reactor: two threads more); on the
 * kernel the worker has armed its poll, which the ring's fdinfo lists under
 * "PollList:".  A fixed sleep was not enough on a loaded machine: the worker
 * had not run yet, and then rightly resolved the new file (or found no
 * buffer: -EFAULT); nor was waiting for an io-wq worker to sleep: a worker
 * left idle by an earlier ring of this task is asleep before it takes the
 * new work.
 */
static int kernel_polls_armed(int ring_fd)
{
	char path[64], line[256];
	bool in_list = false;
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", ring_fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "PollList:", 9))
			in_list = true;
		else if (in_list && line[0] == ' ')
			n++;
		else if (in_list)
			break;
	}
	fclose(f);
	return n;
}

static void wait_async_issued(struct io_uring *ring, int threads_before)
{
	bool user = test_backend_is("user");
	uint64_t end = test_now_ns() + 10000000000ULL;

	while (test_now_ns() < end) {
		if (user ? test_count_threads() >= threads_before + 2 :
			   kernel_polls_armed(ring->ring_fd) > 0)
			break;
		test_sleep_ms(1);
	}
}

/*
 * A read waits on an empty pipe; the program closes the read end and a new
 * pipe takes its number: the request still reads the file it was given,
 * not the new one (the kernel holds a file reference; so must the engine).
 */
static void reused_number_case(bool async)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	char buf[16] = { 0 }, out[16];
	struct test_cqe c = { 0 };
	int a[2], b[2], num, threads;

	test_ring_init(8, &ring, 0);
	REQUIRE_SYS(pipe(a));
	num = a[0];
	sqe = prep_rw(&ring, false, a[0], buf, sizeof(buf), 1);
	if (async)
		sqe->flags |= IOSQE_ASYNC;
	threads = test_count_threads();
	CHECK_EQ(io_uring_submit(&ring), 1);
	if (async)
		wait_async_issued(&ring, threads);
	CHECK_TRUE(test_cq_empty_for(&ring, 30));
	close(a[0]);
	REQUIRE_SYS(pipe2(b, O_NONBLOCK)); /* a failure must not hang the read below */
	if (b[0] != num) {
		printf("the new pipe took %d, not %d\n", b[0], num);
		CHECK_TRUE(false);
	}
	REQUIRE_EQ(write(b[1], "other", 5), 5);
	/* the new file's data is not for that request */
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
	CHECK_EQ(read(b[0], out, sizeof(out)), 5);
	CHECK_MEM(out, "other", 5);
	/* the old file's is */
	REQUIRE_EQ(write(a[1], "mine", 4), 4);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ(c.res, 4);
	CHECK_MEM(buf, "mine", 4);
	io_uring_queue_exit(&ring);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

TEST(waiting_read_keeps_its_file)
{
	reused_number_case(false);
}

TEST(waiting_async_read_keeps_its_file)
{
	reused_number_case(true);
}

/*
 * READ_FIXED waits on an empty pipe; the program unregisters the buffers,
 * unmaps the memory and maps new memory at the same address: the data the
 * read gets never lands in the new memory (the kernel's request holds the
 * registration, and with it the old pages, until it completes).  READV_FIXED
 * (vec) alike, its two ranges in the buffer.
 */
static void fixed_read_case(bool async, bool vec)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct iovec iov, vecs[2];
	struct test_cqe c = { 0 };
	size_t len = 4096;
	unsigned char *mem, *again;
	bool clean = true;
	int p[2], ret, threads;

	test_ring_init(8, &ring, 0);
	REQUIRE_SYS(pipe(p));
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE_TRUE(mem != MAP_FAILED);
	memset(mem, 'o', len);
	iov.iov_base = mem;
	iov.iov_len = len;
	REQUIRE_EQ(io_uring_register_buffers(&ring, &iov, 1), 0);
	sqe = test_get_sqe(&ring);
	vecs[0] = (struct iovec){ mem + 100, 3 };
	vecs[1] = (struct iovec){ mem, 61 };
	if (vec)
		io_uring_prep_readv_fixed(sqe, p[0], vecs, 2, 0, 0, 0);
	else
		io_uring_prep_read_fixed(sqe, p[0], mem, 64, 0, 0);
	io_uring_sqe_set_data64(sqe, 5);
	if (async)
		sqe->flags |= IOSQE_ASYNC;
	threads = test_count_threads();
	CHECK_EQ(io_uring_submit(&ring), 1);
	if (async)
		wait_async_issued(&ring, threads);
	CHECK_TRUE(test_cq_empty_for(&ring, 30));
	ret = io_uring_unregister_buffers(&ring);
	CHECK_EQ(ret, 0);
	REQUIRE_SYS(munmap(mem, len));
	again = mmap(mem, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		     -1, 0);
	REQUIRE_TRUE(again == mem);
	memset(again, 'n', len);
	REQUIRE_EQ(write(p[1], "payload", 7), 7);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ_U(c.user_data, 5);
	CHECK_EQ(c.res, 7);
	for (size_t i = 0; i < len; i++)
		clean &= again[i] == 'n';
	CHECK_TRUE(clean);
	munmap(again, len);
	io_uring_queue_exit(&ring);
	close(p[0]);
	close(p[1]);
}

TEST(fixed_read_keeps_its_buffer)
{
	fixed_read_case(false, false);
}

TEST(fixed_async_read_keeps_its_buffer)
{
	fixed_read_case(true, false);
}

TEST(vfixed_read_keeps_its_buffer)
{
	fixed_read_case(false, true);
}

TEST(vfixed_async_read_keeps_its_buffer)
{
	fixed_read_case(true, true);
}

/*
 * WRITE_FIXED waits on a full pipe; the program unregisters, unmaps and maps
 * new memory with other bytes there: the write sends what the registered
 * buffer held, not the new bytes.  WRITEV_FIXED (vec) alike, its two ranges
 * in order.
 */
static void fixed_write_case(bool vec)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct iovec iov, vecs[2];
	struct test_cqe c = { 0 };
	size_t len = 4096, filled = 0;
	unsigned char *mem, *again, junk[4096], got[64];
	int p[2], fl;

	test_ring_init(8, &ring, 0);
	REQUIRE_SYS(pipe(p));
	fl = fcntl(p[1], F_GETFL);
	REQUIRE_SYS(fcntl(p[1], F_SETFL, fl | O_NONBLOCK));
	memset(junk, 'j', sizeof(junk));
	for (;;) {
		ssize_t n = write(p[1], junk, sizeof(junk));

		if (n < 0)
			break;
		filled += (size_t)n;
	}
	REQUIRE_SYS(fcntl(p[1], F_SETFL, fl));
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE_TRUE(mem != MAP_FAILED);
	memset(mem, 'o', len);
	memset(mem + 64, 'p', 32);
	iov.iov_base = mem;
	iov.iov_len = len;
	REQUIRE_EQ(io_uring_register_buffers(&ring, &iov, 1), 0);
	sqe = test_get_sqe(&ring);
	vecs[0] = (struct iovec){ mem + 64, 32 };
	vecs[1] = (struct iovec){ mem, 32 };
	if (vec)
		io_uring_prep_writev_fixed(sqe, p[1], vecs, 2, 0, 0, 0);
	else
		io_uring_prep_write_fixed(sqe, p[1], mem, sizeof(got), 0, 0);
	io_uring_sqe_set_data64(sqe, 6);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 30));
	CHECK_EQ(io_uring_unregister_buffers(&ring), 0);
	REQUIRE_SYS(munmap(mem, len));
	again = mmap(mem, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		     -1, 0);
	REQUIRE_TRUE(again == mem);
	memset(again, 'n', len);
	/* make room: the write goes once the filler is read */
	while (filled) {
		ssize_t n = read(p[0], junk, filled < sizeof(junk) ? filled : sizeof(junk));

		REQUIRE_GT(n, 0);
		filled -= (size_t)n;
	}
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ_U(c.user_data, 6);
	CHECK_EQ(c.res, (int)sizeof(got));
	REQUIRE_EQ(read(p[0], got, sizeof(got)), (ssize_t)sizeof(got));
	memset(junk, 'o', sizeof(got));
	if (vec)
		memset(junk, 'p', 32);
	CHECK_MEM(got, junk, sizeof(got));
	munmap(again, len);
	io_uring_queue_exit(&ring);
	close(p[0]);
	close(p[1]);
}

TEST(fixed_write_keeps_its_buffer)
{
	fixed_write_case(false);
}

TEST(vfixed_write_keeps_its_buffer)
{
	fixed_write_case(true);
}

/*
 * A file without RWF_NOWAIT support (an inotify fd; a pty master alike): a
 * read of it waits for readiness, not in a blocking call, so teardown can
 * cancel it and an event completes it.
 */
static int inotify_exit_child(void)
{
	struct io_uring ring;
	char dir[] = "/tmp/ringer-inflight-XXXXXX", buf[256];
	int in;

	in = inotify_init1(IN_CLOEXEC);
	if (in < 0 || !mkdtemp(dir) || child_ring(&ring, 8))
		return 2;
	/* a directory of its own: no event comes */
	if (inotify_add_watch(in, dir, IN_CREATE) < 0)
		return 3;
	prep_rw(&ring, false, in, buf, sizeof(buf), 1);
	if (io_uring_submit(&ring) != 1)
		return 4;
	if (!test_cq_empty_for(&ring, 50))
		return 5;
	io_uring_queue_exit(&ring);
	close(in);
	rmdir(dir);
	return 0;
}

TEST(read_without_nowait_support_then_exit)
{
	run_in_child(inotify_exit_child, 10000, "io_uring_queue_exit");
}

static void inotify_read_case(bool async)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	char dir[] = "/tmp/ringer-inflight-XXXXXX", path[64], buf[512];
	struct test_cqe c = { 0 };
	int in, fd;

	REQUIRE_TRUE(mkdtemp(dir) != NULL);
	in = inotify_init1(IN_CLOEXEC);
	REQUIRE_GE(in, 0);
	REQUIRE_GE(inotify_add_watch(in, dir, IN_CREATE), 0);
	test_ring_init(8, &ring, 0);
	sqe = prep_rw(&ring, false, in, buf, sizeof(buf), 9);
	if (async)
		sqe->flags |= IOSQE_ASYNC;
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 30));
	snprintf(path, sizeof(path), "%s/f", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	REQUIRE_GE(fd, 0);
	close(fd);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ_U(c.user_data, 9);
	CHECK_GE(c.res, (int)sizeof(struct inotify_event));
	if (c.res >= (int)sizeof(struct inotify_event))
		CHECK_TRUE(((struct inotify_event *)buf)->mask & IN_CREATE);
	io_uring_queue_exit(&ring);
	close(in);
	unlink(path);
	rmdir(dir);
}

TEST(read_without_nowait_support_completes)
{
	inotify_read_case(false);
}

TEST(async_read_without_nowait_support_completes)
{
	inotify_read_case(true);
}

/*
 * Writes submitted, then the fd closed at once and its number reused by
 * another file: every write still goes to the file it named (on ext4 the
 * engine's buffered writes continue in workers, after the close).
 */
#define NR_WRITES 64

TEST(writes_keep_their_file_after_close)
{
	static char block[4096];
	struct io_uring ring;
	struct test_cqe c[NR_WRITES];
	const char *path, *path2;
	struct stat st;
	int fd, fd2, bad = 0;

	test_ring_init(NR_WRITES, &ring, 0);
	fd = test_tmpfile(&path);
	REQUIRE_GE(fd, 0);
	memset(block, 'w', sizeof(block));
	for (int i = 0; i < NR_WRITES; i++) {
		struct io_uring_sqe *sqe = test_get_sqe(&ring);

		io_uring_prep_write(sqe, fd, block, sizeof(block), (__u64)i * sizeof(block));
		io_uring_sqe_set_data64(sqe, (__u64)i);
	}
	CHECK_EQ(io_uring_submit(&ring), NR_WRITES);
	close(fd);
	fd2 = test_tmpfile(&path2);
	REQUIRE_GE(fd2, 0);
	REQUIRE_EQ(test_reap(&ring, c, NR_WRITES, 5000), NR_WRITES);
	for (int i = 0; i < NR_WRITES; i++)
		bad += c[i].res != (int)sizeof(block);
	CHECK_EQ(bad, 0);
	REQUIRE_SYS(fstat(fd2, &st));
	CHECK_EQ(st.st_size, 0);
	REQUIRE_SYS(stat(path, &st));
	CHECK_EQ(st.st_size, (long long)NR_WRITES * (long long)sizeof(block));
	close(fd2);
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(async_read_on_empty_pipe_then_exit),
		TEST_ENTRY(async_reads_on_empty_pipes_do_not_starve),
		TEST_ENTRY(closed_number_is_not_an_engine_fd),
		TEST_ENTRY(wait_and_read_at_nofile_limit),
		TEST_ENTRY(multishot_poll_at_nofile_limit),
		TEST_ENTRY(waiting_read_keeps_its_file),
		TEST_ENTRY(waiting_async_read_keeps_its_file),
		TEST_ENTRY(writes_keep_their_file_after_close),
		TEST_ENTRY(fixed_read_keeps_its_buffer),
		TEST_ENTRY(fixed_async_read_keeps_its_buffer),
		TEST_ENTRY(fixed_write_keeps_its_buffer),
		TEST_ENTRY(vfixed_read_keeps_its_buffer),
		TEST_ENTRY(vfixed_async_read_keeps_its_buffer),
		TEST_ENTRY(vfixed_write_keeps_its_buffer),
		TEST_ENTRY(read_without_nowait_support_then_exit),
		TEST_ENTRY(read_without_nowait_support_completes),
		TEST_ENTRY(async_read_without_nowait_support_completes),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
