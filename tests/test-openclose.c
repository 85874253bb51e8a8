/* SPDX-License-Identifier: MIT */
/*
 * OPENAT, OPENAT2 and CLOSE: plain descriptors and direct ones (file_index,
 * IORING_FILE_INDEX_ALLOC, CLOSE of a fixed slot); results and field checks.
 */
#include <linux/openat2.h>
#include <sys/stat.h>

#include "harness.h"

static struct io_uring ring;

static int one_result(__u64 user_data)
{
	struct test_cqe c = { 0 };

	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ_U(c.user_data, user_data);
	CHECK_EQ_U(c.flags, 0);
	return c.res;
}

static struct io_uring_sqe *openat_sqe(int dfd, const char *path, int flags, mode_t mode,
				       __u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_openat(sqe, dfd, path, flags, mode);
	io_uring_sqe_set_data64(sqe, user_data);
	return sqe;
}

static struct io_uring_sqe *openat2_sqe(int dfd, const char *path, const void *how, unsigned size,
					__u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_rw(IORING_OP_OPENAT2, sqe, dfd, path, size, (__u64)(uintptr_t)how);
	io_uring_sqe_set_data64(sqe, user_data);
	return sqe;
}

static struct io_uring_sqe *close_sqe(int fd, unsigned file_index, __u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_close(sqe, fd);
	sqe->file_index = file_index;
	io_uring_sqe_set_data64(sqe, user_data);
	return sqe;
}

/* the number the program's next open gets (lowest_free_fd() would count the engine's fds) */
static int lowest_free_fd(void)
{
	int fd = dup(0);

	close(fd);
	return fd;
}

/* fd is open on a file holding data */
static void check_reads(int fd, const char *data, size_t len)
{
	char buf[64] = { 0 };

	CHECK_EQ(pread(fd, buf, sizeof(buf), 0), (ssize_t)len);
	CHECK_MEM(buf, data, len);
}

TEST(openat_and_close)
{
	const char *path;
	int tmp, fd, nfds;

	test_ring_init(8, &ring, 0);
	tmp = test_tmpfile_with("hello", 5, &path);
	nfds = lowest_free_fd();
	openat_sqe(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0, 1);
	fd = one_result(1);
	REQUIRE_GE(fd, 0);
	check_reads(fd, "hello", 5);
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_NE(lowest_free_fd(), nfds);
	close_sqe(fd, 0, 2);
	CHECK_EQ(one_result(2), 0);
	CHECK_EQ(fcntl(fd, F_GETFD), -1);
	CHECK_EQ(errno, EBADF);
	CHECK_EQ(lowest_free_fd(), nfds);
	/* closed already */
	close_sqe(fd, 0, 3);
	CHECK_EQ(one_result(3), -EBADF);
	/* a dfd and a relative name; IOSQE_ASYNC */
	{
		char dir[256], *slash;
		int dfd;

		snprintf(dir, sizeof(dir), "%s", path);
		slash = strrchr(dir, '/');
		*slash = 0;
		dfd = open(dir, O_RDONLY | O_DIRECTORY);
		REQUIRE_GE(dfd, 0);
		openat_sqe(dfd, slash + 1, O_RDONLY, 0, 4)->flags |= IOSQE_ASYNC;
		fd = one_result(4);
		REQUIRE_GE(fd, 0);
		check_reads(fd, "hello", 5);
		CHECK_EQ(fcntl(fd, F_GETFD), 0);
		close(fd);
		close(dfd);
	}
	close(tmp);
	io_uring_queue_exit(&ring);
}

/*
 * The kernel tries an open inline first, with a cached lookup and
 * O_NONBLOCK (cleared again unless asked for): a FIFO with no writer opens
 * at once for reading, and fails -ENXIO for writing with no reader, where
 * a blocking open would wait; the file it gives is not non-blocking.  A
 * cached lookup completes before submit returns.
 */
TEST(open_tried_inline)
{
	const char *tmpdir = getenv("TMPDIR");
	char dir[256], fifo[300];
	struct open_how how = { .flags = O_WRONLY };
	struct test_cqe c = { 0 };
	const char *path;
	int tmp, rfd, wfd, fd;

	test_ring_init(8, &ring, 0);
	snprintf(dir, sizeof(dir), "%s/ringer-open-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	REQUIRE_TRUE(mkdtemp(dir) != NULL);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	REQUIRE_SYS(mkfifo(fifo, 0600));
	openat_sqe(AT_FDCWD, fifo, O_WRONLY | O_CLOEXEC, 0, 1);
	CHECK_EQ(one_result(1), -ENXIO);
	openat2_sqe(AT_FDCWD, fifo, &how, sizeof(how), 2);
	CHECK_EQ(one_result(2), -ENXIO);
	openat_sqe(AT_FDCWD, fifo, O_RDONLY | O_CLOEXEC, 0, 3);
	rfd = one_result(3);
	REQUIRE_GE(rfd, 0);
	CHECK_EQ(fcntl(rfd, F_GETFL) & O_NONBLOCK, 0);
	/* with a reader, a writer opens; O_NONBLOCK asked for stays */
	openat_sqe(AT_FDCWD, fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC, 0, 4);
	wfd = one_result(4);
	REQUIRE_GE(wfd, 0);
	CHECK_EQ(fcntl(wfd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	close(wfd);
	close(rfd);
	unlink(fifo);
	rmdir(dir);

	/* a name just looked up: done when submit returns */
	tmp = test_tmpfile_with("hello", 5, &path);
	REQUIRE_GE(tmp, 0);
	openat_sqe(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0, 5);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 1);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 2000), 1u);
	CHECK_EQ_U(c.user_data, 5);
	fd = c.res;
	REQUIRE_GE(fd, 0);
	CHECK_EQ(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	check_reads(fd, "hello", 5);
	close(fd);
	close(tmp);
	io_uring_queue_exit(&ring);
}

TEST(openat_creates)
{
	char name[300];
	const char *path;
	struct stat st;
	mode_t old = umask(0);
	int tmp, fd;

	test_ring_init(8, &ring, 0);
	tmp = test_tmpfile(&path);
	snprintf(name, sizeof(name), "%s.new", path);
	unlink(name);
	openat_sqe(AT_FDCWD, name, O_WRONLY | O_CREAT | O_EXCL, 0640, 1);
	fd = one_result(1);
	REQUIRE_GE(fd, 0);
	REQUIRE_SYS(fstat(fd, &st));
	CHECK_EQ(st.st_mode & 07777, 0640);
	CHECK_EQ(write(fd, "ab", 2), 2);
	close(fd);
	openat_sqe(AT_FDCWD, name, O_WRONLY | O_CREAT | O_EXCL, 0640, 2);
	CHECK_EQ(one_result(2), -EEXIST);
	/* O_TRUNC */
	openat_sqe(AT_FDCWD, name, O_RDWR | O_TRUNC, 0, 3);
	fd = one_result(3);
	REQUIRE_GE(fd, 0);
	REQUIRE_SYS(fstat(fd, &st));
	CHECK_EQ(st.st_size, 0);
	close(fd);
	unlink(name);
	umask(old);
	close(tmp);
	io_uring_queue_exit(&ring);
}

TEST(openat_name_copied_at_submit)
{
	const char *path;
	char name[300];
	int tmp, fd;

	test_ring_init(8, &ring, 0);
	tmp = test_tmpfile_with("xyz", 3, &path);
	snprintf(name, sizeof(name), "%s", path);
	openat_sqe(AT_FDCWD, name, O_RDONLY, 0, 1)->flags |= IOSQE_ASYNC;
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	/* the kernel took the name at submit: this one is not looked up */
	strcpy(name, "/nonexistent/ringer");
	{
		struct io_uring_cqe *cqe;

		REQUIRE_EQ(io_uring_wait_cqe(&ring, &cqe), 0);
		fd = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
	}
	REQUIRE_GE(fd, 0);
	check_reads(fd, "xyz", 3);
	close(fd);
	close(tmp);
	io_uring_queue_exit(&ring);
}

TEST(openat_errors)
{
	static char longname[PATH_MAX + 8];
	struct io_uring_sqe *sqe;
	const char *path;
	int tmp;

	test_ring_init(8, &ring, 0);
	tmp = test_tmpfile(&path);
	openat_sqe(AT_FDCWD, "/nonexistent/ringer", O_RDONLY, 0, 1);
	CHECK_EQ(one_result(1), -ENOENT);
	openat_sqe(AT_FDCWD, "", O_RDONLY, 0, 2);
	CHECK_EQ(one_result(2), -ENOENT);
	openat_sqe(AT_FDCWD, NULL, O_RDONLY, 0, 3);
	CHECK_EQ(one_result(3), -EFAULT);
	openat_sqe(AT_FDCWD, (const char *)8, O_RDONLY, 0, 4);
	CHECK_EQ(one_result(4), -EFAULT);
	memset(longname, 'a', PATH_MAX);
	openat_sqe(AT_FDCWD, longname, O_RDONLY, 0, 5);
	CHECK_EQ(one_result(5), -ENAMETOOLONG);
	openat_sqe(AT_FDCWD, path, O_RDONLY, 0, 6)->flags |= IOSQE_FIXED_FILE;
	CHECK_EQ(one_result(6), -EBADF);
	openat_sqe(AT_FDCWD, path, O_RDONLY, 0, 7)->buf_index = 1;
	CHECK_EQ(one_result(7), -EINVAL);
	/* a direct descriptor cannot be O_CLOEXEC */
	openat_sqe(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0, 8)->file_index = 1;
	CHECK_EQ(one_result(8), -EINVAL);
	openat_sqe(9999, "relative", O_RDONLY, 0, 9);
	CHECK_EQ(one_result(9), -EBADF);
	openat_sqe(AT_FDCWD, path, O_RDONLY | O_DIRECTORY, 0, 10);
	CHECK_EQ(one_result(10), -ENOTDIR);
	/* a failed open breaks its chain */
	sqe = openat_sqe(AT_FDCWD, "/nonexistent/ringer", O_RDONLY, 0, 11);
	sqe->flags |= IOSQE_IO_LINK;
	/* the cancelled open lets go of the name it took at submit */
	openat_sqe(AT_FDCWD, path, O_RDONLY, 0, 12);
	{
		struct test_cqe c[2];

		CHECK_EQ(test_submit_reap(&ring, c, 2), 2);
		CHECK_EQ(c[0].res, -ENOENT);
		CHECK_EQ(c[1].res, -ECANCELED);
	}
	close(tmp);
	io_uring_queue_exit(&ring);
}

TEST(openat2_how)
{
	struct {
		struct open_how how;
		__u64 tail;
	} big = { { .flags = O_RDONLY }, 0 };
	struct open_how how = { .flags = O_RDONLY };
	const char *path;
	int tmp, fd;

	test_ring_init(8, &ring, 0);
	tmp = test_tmpfile_with("abc", 3, &path);
	openat2_sqe(AT_FDCWD, path, &how, sizeof(how), 1);
	fd = one_result(1);
	REQUIRE_GE(fd, 0);
	check_reads(fd, "abc", 3);
	close(fd);
	/* a longer struct with a zero tail is fine, a nonzero tail is E2BIG */
	openat2_sqe(AT_FDCWD, path, &big, sizeof(big), 2);
	fd = one_result(2);
	CHECK_GE(fd, 0);
	close(fd);
	big.tail = 1;
	openat2_sqe(AT_FDCWD, path, &big, sizeof(big), 3);
	CHECK_EQ(one_result(3), -E2BIG);
	openat2_sqe(AT_FDCWD, path, &how, sizeof(how) - 1, 4);
	CHECK_EQ(one_result(4), -EINVAL);
	openat2_sqe(AT_FDCWD, path, &how, 0, 5);
	CHECK_EQ(one_result(5), -EINVAL);
	openat2_sqe(AT_FDCWD, path, (void *)8, sizeof(how), 6);
	CHECK_EQ(one_result(6), -EFAULT);
	/* openat2's own checks: unknown flags, a mode without O_CREAT, resolve bits */
	how.flags = 1ULL << 40;
	openat2_sqe(AT_FDCWD, path, &how, sizeof(how), 7);
	CHECK_EQ(one_result(7), -EINVAL);
	how = (struct open_how){ .flags = O_RDONLY, .mode = 0600 };
	openat2_sqe(AT_FDCWD, path, &how, sizeof(how), 8);
	CHECK_EQ(one_result(8), -EINVAL);
	how = (struct open_how){ .flags = O_RDONLY, .resolve = 1ULL << 60 };
	openat2_sqe(AT_FDCWD, path, &how, sizeof(how), 9);
	CHECK_EQ(one_result(9), -EINVAL);
	/* RESOLVE_BENEATH: an absolute name escapes the dfd */
	how = (struct open_how){ .flags = O_RDONLY, .resolve = RESOLVE_BENEATH };
	openat2_sqe(AT_FDCWD, path, &how, sizeof(how), 10);
	CHECK_EQ(one_result(10), -EXDEV);
	how = (struct open_how){ .flags = O_RDONLY, .resolve = RESOLVE_NO_SYMLINKS };
	openat2_sqe(AT_FDCWD, "/proc/self/exe", &how, sizeof(how), 11);
	CHECK_EQ(one_result(11), -ELOOP);
	close(tmp);
	io_uring_queue_exit(&ring);
}

TEST(close_errors)
{
	struct io_uring_sqe *sqe;
	int p[2];

	test_ring_init(8, &ring, 0);
	REQUIRE_SYS(pipe(p));
	close_sqe(-1, 0, 1);
	CHECK_EQ(one_result(1), -EBADF);
	close_sqe(p[0], 0, 2)->off = 1;
	CHECK_EQ(one_result(2), -EINVAL);
	close_sqe(p[0], 0, 3)->addr = 1;
	CHECK_EQ(one_result(3), -EINVAL);
	close_sqe(p[0], 0, 4)->len = 1;
	CHECK_EQ(one_result(4), -EINVAL);
	close_sqe(p[0], 0, 5)->rw_flags = 1;
	CHECK_EQ(one_result(5), -EINVAL);
	close_sqe(p[0], 0, 6)->buf_index = 1;
	CHECK_EQ(one_result(6), -EINVAL);
	close_sqe(p[0], 0, 7)->flags |= IOSQE_FIXED_FILE;
	CHECK_EQ(one_result(7), -EBADF);
	close_sqe(p[0], 1, 8);
	CHECK_EQ(one_result(8), -EINVAL);
	/* the ring's own fd is not closed through it */
	close_sqe(ring.ring_fd, 0, 9);
	CHECK_EQ(one_result(9), -EBADF);
	/* still open: nothing above closed it */
	CHECK_EQ(fcntl(p[0], F_GETFD), 0);
	/* linked after a NOP, with IOSQE_ASYNC */
	sqe = test_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->flags |= IOSQE_IO_LINK;
	sqe = close_sqe(p[0], 0, 10);
	sqe->flags |= IOSQE_ASYNC;
	{
		struct test_cqe c[2];

		CHECK_EQ(test_submit_reap(&ring, c, 2), 2);
		CHECK_EQ(c[1].res, 0);
	}
	CHECK_EQ(fcntl(p[0], F_GETFD), -1);
	close(p[1]);
	io_uring_queue_exit(&ring);
}

TEST(direct_open_and_close)
{
	int fds[4] = { -1, -1, -1, -1 }, tmp, nfds, slot;
	struct io_uring_sqe *sqe;
	const char *path;
	char buf[8] = { 0 };

	test_ring_init(8, &ring, 0);
	tmp = test_tmpfile_with("direct", 6, &path);
	/* no table */
	openat_sqe(AT_FDCWD, path, O_RDONLY, 0, 1)->file_index = 1;
	CHECK_EQ(one_result(1), -ENXIO);
	openat_sqe(AT_FDCWD, path, O_RDONLY, 0, 2)->file_index = IORING_FILE_INDEX_ALLOC;
	CHECK_EQ(one_result(2), -ENFILE);
	close_sqe(0, 1, 3);
	CHECK_EQ(one_result(3), -ENXIO);
	REQUIRE_EQ(io_uring_register_files(&ring, fds, 4), 0);
	nfds = lowest_free_fd();
	/* into slot 2: no fd of the program's */
	openat_sqe(AT_FDCWD, path, O_RDONLY, 0, 4)->file_index = 3;
	CHECK_EQ(one_result(4), 0);
	CHECK_EQ(lowest_free_fd(), nfds);
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, 2, buf, sizeof(buf), 0);
	sqe->flags |= IOSQE_FIXED_FILE;
	sqe->user_data = 5;
	CHECK_EQ(one_result(5), 6);
	CHECK_MEM(buf, "direct", 6);
	/* allocated: the first free slot from the hint (after slot 2) */
	openat_sqe(AT_FDCWD, path, O_RDONLY, 0, 6)->file_index = IORING_FILE_INDEX_ALLOC;
	slot = one_result(6);
	CHECK_EQ(slot, 3);
	{
		struct open_how how = { .flags = O_RDONLY };
		struct io_uring_sqe *s2 = openat2_sqe(AT_FDCWD, path, &how, sizeof(how), 7);

		s2->file_index = IORING_FILE_INDEX_ALLOC;
		CHECK_EQ(one_result(7), 0);
	}
	openat_sqe(AT_FDCWD, path, O_RDONLY, 0, 8)->file_index = IORING_FILE_INDEX_ALLOC;
	CHECK_EQ(one_result(8), 1);
	openat_sqe(AT_FDCWD, path, O_RDONLY, 0, 9)->file_index = IORING_FILE_INDEX_ALLOC;
	CHECK_EQ(one_result(9), -ENFILE);
	/* beyond the table */
	openat_sqe(AT_FDCWD, path, O_RDONLY, 0, 10)->file_index = 5;
	CHECK_EQ(one_result(10), -EINVAL);
	/* a failed open into a slot leaves the slot as it was */
	openat_sqe(AT_FDCWD, "/nonexistent/ringer", O_RDONLY, 0, 11)->file_index = 3;
	CHECK_EQ(one_result(11), -ENOENT);
	/* replacing a slot's file */
	openat_sqe(AT_FDCWD, path, O_RDONLY, 0, 12)->file_index = 3;
	CHECK_EQ(one_result(12), 0);
	CHECK_EQ(lowest_free_fd(), nfds);
	/* close the fixed slots */
	close_sqe(0, 3, 13);
	CHECK_EQ(one_result(13), 0);
	close_sqe(0, 3, 14);
	CHECK_EQ(one_result(14), -EBADF);
	close_sqe(0, 5, 15);
	CHECK_EQ(one_result(15), -EINVAL);
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, 2, buf, sizeof(buf), 0);
	sqe->flags |= IOSQE_FIXED_FILE;
	sqe->user_data = 16;
	CHECK_EQ(one_result(16), -EBADF);
	/* a closed slot is allocated again */
	openat_sqe(AT_FDCWD, path, O_RDONLY, 0, 17)->file_index = IORING_FILE_INDEX_ALLOC;
	CHECK_EQ(one_result(17), 2);
	io_uring_queue_exit(&ring);
	close(tmp);
}

static int alloc_range(unsigned off, unsigned len, unsigned resv, unsigned nr_args)
{
	struct io_uring_file_index_range range = { .off = off, .len = len, .resv = resv };
	int ret = io_uring_register((unsigned)ring.ring_fd, IORING_REGISTER_FILE_ALLOC_RANGE,
				    &range, nr_args);

	return ret;
}

static int open_alloc(const char *path, __u64 user_data)
{
	openat_sqe(AT_FDCWD, path, O_RDONLY, 0, user_data)->file_index = IORING_FILE_INDEX_ALLOC;
	return one_result(user_data);
}

/* the allocation hint follows the slot emptied last, as the kernel's */
TEST(direct_alloc_after_close)
{
	int fds[4] = { -1, -1, -1, -1 }, tmp;
	const char *path;

	test_ring_init(8, &ring, 0);
	tmp = test_tmpfile_with("x", 1, &path);
	REQUIRE_EQ(io_uring_register_files(&ring, fds, 4), 0);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(open_alloc(path, 1), i);
	close_sqe(0, 2, 2); /* slot 1 */
	CHECK_EQ(one_result(2), 0);
	close_sqe(0, 4, 3); /* slot 3 */
	CHECK_EQ(one_result(3), 0);
	CHECK_EQ(open_alloc(path, 4), 3);
	CHECK_EQ(open_alloc(path, 5), 1);
	CHECK_EQ(open_alloc(path, 6), -ENFILE);
	io_uring_queue_exit(&ring);
	close(tmp);
}

TEST(direct_alloc_range)
{
	int fds[8] = { -1, -1, -1, -1, -1, -1, -1, -1 }, tmp;
	const char *path;

	test_ring_init(8, &ring, 0);
	tmp = test_tmpfile_with("x", 1, &path);
	/* no table: only the empty range */
	CHECK_EQ(alloc_range(0, 1, 0, 0), -EINVAL);
	CHECK_EQ(alloc_range(0, 0, 0, 0), 0);
	REQUIRE_EQ(io_uring_register_files(&ring, fds, 8), 0);
	CHECK_EQ(alloc_range(0, 9, 0, 0), -EINVAL);
	CHECK_EQ(alloc_range(4, 5, 0, 0), -EINVAL);
	CHECK_EQ(alloc_range(1, 2, 1, 0), -EINVAL);
	CHECK_EQ(alloc_range(1, 2, 0, 1), -EINVAL);
	CHECK_EQ(alloc_range(0xffffffffu, 2, 0, 0), -EOVERFLOW);
	CHECK_EQ(io_uring_register((unsigned)ring.ring_fd, IORING_REGISTER_FILE_ALLOC_RANGE, NULL,
				   0),
		 -EINVAL);
	CHECK_EQ(io_uring_register((unsigned)ring.ring_fd, IORING_REGISTER_FILE_ALLOC_RANGE,
				   (void *)8, 0),
		 -EFAULT);
	CHECK_EQ(alloc_range(5, 2, 0, 0), 0);
	CHECK_EQ(open_alloc(path, 1), 5);
	CHECK_EQ(open_alloc(path, 2), 6);
	CHECK_EQ(open_alloc(path, 3), -ENFILE);
	/* a slot emptied in the range is handed out again */
	close_sqe(0, 6, 4);
	CHECK_EQ(one_result(4), 0);
	CHECK_EQ(open_alloc(path, 5), 5);
	/* slots outside the range stay usable by number */
	openat_sqe(AT_FDCWD, path, O_RDONLY, 0, 6)->file_index = 1;
	CHECK_EQ(one_result(6), 0);
	/* a new registration resets the range to the whole table */
	REQUIRE_EQ(io_uring_unregister_files(&ring), 0);
	REQUIRE_EQ(io_uring_register_files(&ring, fds, 8), 0);
	CHECK_EQ(open_alloc(path, 7), 0);
	io_uring_queue_exit(&ring);
	close(tmp);
}

/*
 * IORING_FEAT_NATIVE_WORKERS: the workers are threads of the submitting
 * process, so a request forced to one (IOSQE_ASYNC) sees the process as it
 * is when the request runs: the working directory changed after the ring
 * was set up, a descriptor opened after it, and the descriptor it opens is
 * the process's.
 */
TEST(native_workers_see_the_process)
{
	char dir[] = "/tmp/ringer-nwXXXXXX", cwd[4096];
	struct io_uring_sqe *sqe;
	struct stat st;
	int fd, p[2];
	char c = 0;

	test_ring_init(8, &ring, 0);
	REQUIRE_MSG(ring.features & IORING_FEAT_NATIVE_WORKERS, "features %#x", ring.features);
	REQUIRE_TRUE(mkdtemp(dir) != NULL);
	REQUIRE_TRUE(getcwd(cwd, sizeof(cwd)) != NULL);
	REQUIRE_SYS(chdir(dir));
	fd = open("nw", O_WRONLY | O_CREAT | O_EXCL, 0600);
	REQUIRE_GE(fd, 0);
	close(fd);
	/* a relative name, resolved in a worker against today's directory */
	openat_sqe(AT_FDCWD, "nw", O_RDONLY | O_CLOEXEC, 0, 1)->flags |= IOSQE_ASYNC;
	fd = one_result(1);
	CHECK_GE(fd, 0);
	if (fd >= 0) {
		CHECK_EQ(fstat(fd, &st), 0);
		CHECK_TRUE(S_ISREG(st.st_mode));
		close(fd);
	}
	unlink("nw");
	CHECK_EQ(chdir(cwd), 0);
	rmdir(dir);
	/* a pipe made after the setup, written by a worker */
	REQUIRE_SYS(pipe(p));
	sqe = test_get_sqe(&ring);
	io_uring_prep_write(sqe, p[1], "w", 1, 0);
	sqe->flags |= IOSQE_ASYNC;
	io_uring_sqe_set_data64(sqe, 2);
	CHECK_EQ(one_result(2), 1);
	CHECK_EQ(read(p[0], &c, 1), 1);
	CHECK_EQ(c, 'w');
	close(p[0]);
	close(p[1]);
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(openat_and_close),
		TEST_ENTRY(openat_creates),
		TEST_ENTRY(openat_name_copied_at_submit),
		TEST_ENTRY(openat_errors),
		TEST_ENTRY(openat2_how),
		TEST_ENTRY(open_tried_inline),
		TEST_ENTRY(close_errors),
		TEST_ENTRY(direct_open_and_close),
		TEST_ENTRY(direct_alloc_after_close),
		TEST_ENTRY(direct_alloc_range),
		TEST_ENTRY(native_workers_see_the_process),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
