/* SPDX-License-Identifier: MIT */
/*
 * STATX, FADVISE, MADVISE, FALLOCATE, FTRUNCATE and the xattr opcodes:
 * results, field checks,
 * which errors fail the request (cut its links) and which are only its
 * result, the path copied at submit, IOSQE_ASYNC and fixed files.
 */
#include <limits.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "harness.h"

static struct io_uring ring;

static int one_result(__u64 user_data)
{
	return test_submit_one(&ring, user_data).res;
}

/* an SQE that will carry user_data, for the case to prep */
static struct io_uring_sqe *sqe_ud(__u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_sqe_set_data64(sqe, user_data);
	return sqe;
}

/* the request, linked to a NOP: its result and the NOP's (0 or -ECANCELED) */
static void linked_results(struct io_uring_sqe *sqe, int *res, int *nop_res)
{
	struct test_cqe c[2] = { 0 };
	const struct test_cqe *a, *b;

	sqe->flags |= IOSQE_IO_LINK;
	io_uring_sqe_set_data64(sqe, 100);
	sqe = test_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, 101);
	CHECK_EQ(test_submit_reap(&ring, c, 2), 2);
	a = test_find_cqe(c, 2, 100);
	b = test_find_cqe(c, 2, 101);
	REQUIRE_TRUE(a && b);
	*res = a->res;
	*nop_res = b->res;
}

/*
 * The request's result and its linked NOP's: want, and 0 (the link goes on:
 * an error that is only the call's result) or -ECANCELED (a failed request).
 * A macro, so that a failed check names the case's line.
 */
#define CHECK_LINKED(sqe, want, want_nop)          \
	do {                                       \
		int res_, nop_;                    \
                                                   \
		linked_results(sqe, &res_, &nop_); \
		CHECK_EQ(res_, want);              \
		CHECK_EQ(nop_, want_nop);          \
	} while (0)

static struct io_uring_sqe *statx_sqe(int dfd, const char *path, int flags, unsigned mask,
				      struct statx *st, __u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_statx(sqe, dfd, path, flags, mask, st);
	io_uring_sqe_set_data64(sqe, user_data);
	return sqe;
}

static off_t file_size(int fd)
{
	struct stat st;

	REQUIRE_SYS(fstat(fd, &st));
	return st.st_size;
}

TEST(statx_results)
{
	struct statx st, want;
	char data[3000];
	const char *path;
	char buf[PATH_MAX];
	int fd;

	test_ring_init(8, &ring, 0);
	fd = test_tmpfile(&path);
	test_fill_random(data, sizeof(data), 1);
	REQUIRE_EQ(write(fd, data, sizeof(data)), (ssize_t)sizeof(data));
	REQUIRE_SYS(statx(AT_FDCWD, path, 0, STATX_ALL, &want));

	memset(&st, 0, sizeof(st));
	statx_sqe(AT_FDCWD, path, 0, STATX_ALL, &st, 1);
	CHECK_EQ(one_result(1), 0);
	CHECK_EQ_U(st.stx_size, sizeof(data));
	CHECK_EQ_U(st.stx_ino, want.stx_ino);
	CHECK_EQ_U(st.stx_mode, want.stx_mode);

	/* the path is copied at submit: the buffer may be reused at once */
	memset(&st, 0, sizeof(st));
	snprintf(buf, sizeof(buf), "%s", path);
	statx_sqe(AT_FDCWD, buf, 0, STATX_SIZE, &st, 2);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	snprintf(buf, sizeof(buf), "%s.gone", path);
	{
		struct test_cqe c = { 0 };

		CHECK_EQ(test_reap(&ring, &c, 1, 5000), 1);
		CHECK_EQ(c.res, 0);
	}
	CHECK_EQ_U(st.stx_size, sizeof(data));

	/* AT_EMPTY_PATH: the dfd itself */
	memset(&st, 0, sizeof(st));
	statx_sqe(fd, "", AT_EMPTY_PATH, STATX_SIZE, &st, 3);
	CHECK_EQ(one_result(3), 0);
	CHECK_EQ_U(st.stx_ino, want.stx_ino);

	/* IOSQE_ASYNC */
	memset(&st, 0, sizeof(st));
	statx_sqe(AT_FDCWD, path, 0, STATX_SIZE, &st, 4)->flags |= IOSQE_ASYNC;
	CHECK_EQ(one_result(4), 0);
	CHECK_EQ_U(st.stx_size, sizeof(data));

	/* the lookup's error is the result, no failure: the link goes on */
	snprintf(buf, sizeof(buf), "%s.missing", path);
	CHECK_LINKED(statx_sqe(AT_FDCWD, buf, 0, STATX_SIZE, &st, 0), -ENOENT, 0);
	/* a bad statx buffer, likewise */
	CHECK_LINKED(statx_sqe(AT_FDCWD, path, 0, STATX_SIZE, (struct statx *)8, 0), -EFAULT, 0);
	/* bad flags: the call's -EINVAL */
	statx_sqe(AT_FDCWD, path, 0x40000000, STATX_SIZE, &st, 5);
	CHECK_EQ(one_result(5), -EINVAL);
	close(fd);
	io_uring_queue_exit(&ring);
}

TEST(statx_prep_errors)
{
	struct statx st;
	char *longp;

	test_ring_init(8, &ring, 0);
	/* the path copy fails at prep: the request fails, its link is cut */
	CHECK_LINKED(statx_sqe(AT_FDCWD, "", 0, STATX_SIZE, &st, 0), -ENOENT, -ECANCELED);
	CHECK_LINKED(statx_sqe(AT_FDCWD, (const char *)8, 0, STATX_SIZE, &st, 0), -EFAULT,
		     -ECANCELED);
	longp = malloc(PATH_MAX + 10);
	REQUIRE_TRUE(longp);
	memset(longp, 'a', PATH_MAX + 9);
	longp[PATH_MAX + 9] = '\0';
	statx_sqe(AT_FDCWD, longp, 0, STATX_SIZE, &st, 1);
	CHECK_EQ(one_result(1), -ENAMETOOLONG);
	free(longp);
	/* the dfd is no fixed file; buf_index and splice_fd_in are unused */
	statx_sqe(AT_FDCWD, "/", 0, STATX_SIZE, &st, 2)->flags |= IOSQE_FIXED_FILE;
	CHECK_EQ(one_result(2), -EBADF);
	statx_sqe(AT_FDCWD, "/", 0, STATX_SIZE, &st, 3)->buf_index = 1;
	CHECK_EQ(one_result(3), -EINVAL);
	statx_sqe(AT_FDCWD, "/", 0, STATX_SIZE, &st, 4)->splice_fd_in = 1;
	CHECK_EQ(one_result(4), -EINVAL);
	/* a path ending just before an unmapped page is fine */
	{
		long pg;
		char *m = test_page_before_hole(&pg);

		memcpy(m + pg - 2, "/", 2);
		statx_sqe(AT_FDCWD, m + pg - 2, 0, STATX_SIZE, &st, 5);
		CHECK_EQ(one_result(5), 0);
		m[pg - 1] = '/';
		statx_sqe(AT_FDCWD, m + pg - 1, 0, STATX_SIZE, &st, 6);
		CHECK_EQ(one_result(6), -EFAULT);
		munmap(m, 2 * pg);
	}
	io_uring_queue_exit(&ring);
}

TEST(fadvise_op)
{
	struct io_uring_sqe *sqe;
	char data[8192];
	int fd, p[2];

	test_ring_init(8, &ring, 0);
	fd = test_tmpfile(NULL);
	test_fill_random(data, sizeof(data), 2);
	REQUIRE_EQ(write(fd, data, sizeof(data)), (ssize_t)sizeof(data));
	io_uring_prep_fadvise(sqe_ud(1), fd, 0, 4096, POSIX_FADV_WILLNEED);
	CHECK_EQ(one_result(1), 0);
	io_uring_prep_fadvise(sqe_ud(2), fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	CHECK_EQ(one_result(2), 0);
	sqe = sqe_ud(3);
	io_uring_prep_fadvise(sqe, fd, 0, 0, POSIX_FADV_DONTNEED);
	sqe->flags |= IOSQE_ASYNC;
	CHECK_EQ(one_result(3), 0);
	/* a 64-bit length in addr */
	sqe = sqe_ud(4);
	io_uring_prep_fadvise(sqe, fd, 0, 0, POSIX_FADV_NORMAL);
	sqe->addr = 1ULL << 33;
	CHECK_EQ(one_result(4), 0);
	/* a failed advice fails the request: its link is cut */
	sqe = test_get_sqe(&ring);
	io_uring_prep_fadvise(sqe, fd, 0, 0, 1000);
	CHECK_LINKED(sqe, -EINVAL, -ECANCELED);
	REQUIRE_SYS(pipe(p));
	io_uring_prep_fadvise(sqe_ud(5), p[0], 0, 0, POSIX_FADV_NORMAL);
	CHECK_EQ(one_result(5), -ESPIPE);
	close(p[0]);
	close(p[1]);
	sqe = sqe_ud(6);
	io_uring_prep_fadvise(sqe, fd, 0, 0, POSIX_FADV_NORMAL);
	sqe->buf_index = 1;
	CHECK_EQ(one_result(6), -EINVAL);
	/* a fixed file */
	REQUIRE_EQ(io_uring_register_files(&ring, &fd, 1), 0);
	sqe = sqe_ud(7);
	io_uring_prep_fadvise(sqe, 0, 0, 0, POSIX_FADV_RANDOM);
	sqe->flags |= IOSQE_FIXED_FILE;
	CHECK_EQ(one_result(7), 0);
	close(fd);
	io_uring_prep_fadvise(sqe_ud(8), 1000000, 0, 0, POSIX_FADV_NORMAL);
	CHECK_EQ(one_result(8), -EBADF);
	io_uring_queue_exit(&ring);
}

TEST(madvise_op)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct io_uring_sqe *sqe;
	char *m;

	test_ring_init(8, &ring, 0);
	m = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE_TRUE(m != MAP_FAILED);
	memset(m, 0x5a, 4 * pg);
	io_uring_prep_madvise(sqe_ud(1), m, (__u32)(4 * pg), MADV_WILLNEED);
	CHECK_EQ(one_result(1), 0);
	/* DONTNEED really drops the private pages: they read back as zeros */
	io_uring_prep_madvise(sqe_ud(2), m + pg, (__u32)pg, MADV_DONTNEED);
	CHECK_EQ(one_result(2), 0);
	CHECK_EQ(m[0], 0x5a);
	CHECK_EQ(m[pg], 0);
	CHECK_EQ(m[2 * pg - 1], 0);
	CHECK_EQ(m[2 * pg], 0x5a);
	/* a 64-bit length in off */
	sqe = sqe_ud(3);
	io_uring_prep_madvise(sqe, m, 0, MADV_DONTNEED);
	sqe->off = (__u64)(4 * pg);
	sqe->flags |= IOSQE_ASYNC;
	CHECK_EQ(one_result(3), 0);
	CHECK_EQ(m[3 * pg], 0);
	/* its error is only its result: the link goes on */
	sqe = test_get_sqe(&ring);
	io_uring_prep_madvise(sqe, m + 1, (__u32)pg, MADV_NORMAL);
	CHECK_LINKED(sqe, -EINVAL, 0);
	io_uring_prep_madvise(sqe_ud(4), m, (__u32)pg, 9999);
	CHECK_EQ(one_result(4), -EINVAL);
	sqe = sqe_ud(5);
	io_uring_prep_madvise(sqe, m, (__u32)pg, MADV_NORMAL);
	sqe->splice_fd_in = 1;
	CHECK_EQ(one_result(5), -EINVAL);
	munmap(m, 4 * pg);
	io_uring_queue_exit(&ring);
}

TEST(fallocate_op)
{
	struct io_uring_sqe *sqe;
	int fd, ro;
	const char *path;

	test_ring_init(8, &ring, 0);
	fd = test_tmpfile(&path);
	io_uring_prep_fallocate(sqe_ud(1), fd, 0, 0, 1 << 20);
	CHECK_EQ(one_result(1), 0);
	CHECK_EQ(file_size(fd), 1 << 20);
	io_uring_prep_fallocate(sqe_ud(2), fd, FALLOC_FL_KEEP_SIZE, 1 << 20, 1 << 20);
	CHECK_EQ(one_result(2), 0);
	CHECK_EQ(file_size(fd), 1 << 20);
	/* a fixed file, IOSQE_ASYNC */
	REQUIRE_EQ(io_uring_register_files(&ring, &fd, 1), 0);
	sqe = sqe_ud(3);
	io_uring_prep_fallocate(sqe, 0, 0, 0, 2 << 20);
	sqe->flags |= IOSQE_FIXED_FILE | IOSQE_ASYNC;
	CHECK_EQ(one_result(3), 0);
	CHECK_EQ(file_size(fd), 2 << 20);
	/* its own error is its result, no failure: the link goes on */
	sqe = test_get_sqe(&ring);
	io_uring_prep_fallocate(sqe, fd, 0, 0, 0);
	CHECK_LINKED(sqe, -EINVAL, 0);
	ro = open(path, O_RDONLY);
	REQUIRE_GE(ro, 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_fallocate(sqe, ro, 0, 0, 4096);
	CHECK_LINKED(sqe, -EBADF, 0);
	close(ro);
	/* a bad fd fails it */
	sqe = test_get_sqe(&ring);
	io_uring_prep_fallocate(sqe, 1000000, 0, 0, 4096);
	CHECK_LINKED(sqe, -EBADF, -ECANCELED);
	sqe = sqe_ud(4);
	io_uring_prep_fallocate(sqe, fd, 0, 0, 4096);
	sqe->rw_flags = 1;
	CHECK_EQ(one_result(4), -EINVAL);
	close(fd);
	io_uring_queue_exit(&ring);
}

TEST(ftruncate_op)
{
	struct io_uring_sqe *sqe;
	int fd, ro;
	const char *path;

	test_ring_init(8, &ring, 0);
	fd = test_tmpfile(&path);
	io_uring_prep_ftruncate(sqe_ud(1), fd, 12345);
	CHECK_EQ(one_result(1), 0);
	CHECK_EQ(file_size(fd), 12345);
	sqe = sqe_ud(2);
	io_uring_prep_ftruncate(sqe, fd, 100);
	sqe->flags |= IOSQE_ASYNC;
	CHECK_EQ(one_result(2), 0);
	CHECK_EQ(file_size(fd), 100);
	REQUIRE_EQ(io_uring_register_files(&ring, &fd, 1), 0);
	sqe = sqe_ud(3);
	io_uring_prep_ftruncate(sqe, 0, 7);
	sqe->flags |= IOSQE_FIXED_FILE;
	CHECK_EQ(one_result(3), 0);
	CHECK_EQ(file_size(fd), 7);
	/* its own error is its result, no failure */
	sqe = test_get_sqe(&ring);
	io_uring_prep_ftruncate(sqe, fd, -1);
	CHECK_LINKED(sqe, -EINVAL, 0);
	ro = open(path, O_RDONLY);
	REQUIRE_GE(ro, 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_ftruncate(sqe, ro, 0);
	CHECK_LINKED(sqe, -EINVAL, 0);
	close(ro);
	sqe = test_get_sqe(&ring);
	io_uring_prep_ftruncate(sqe, 1000000, 0);
	CHECK_LINKED(sqe, -EBADF, -ECANCELED);
	/* unused fields */
	sqe = sqe_ud(4);
	io_uring_prep_ftruncate(sqe, fd, 0);
	sqe->len = 1;
	CHECK_EQ(one_result(4), -EINVAL);
	sqe = sqe_ud(5);
	io_uring_prep_ftruncate(sqe, fd, 0);
	sqe->addr3 = 1;
	CHECK_EQ(one_result(5), -EINVAL);
	CHECK_EQ(file_size(fd), 7);
	close(fd);
	io_uring_queue_exit(&ring);
}

static int xattr_file(const char **path)
{
	int fd = test_tmpfile(path);

	if (fsetxattr(fd, "user.probe", "1", 1, 0) < 0) {
		close(fd);
		SKIP_CASE(SKIP_ENVIRONMENT, "no user xattrs on TMPDIR's file system");
	}
	return fd;
}

TEST(xattr_results)
{
	struct io_uring_sqe *sqe;
	char value[64], got[64];
	const char *path;
	char name[32], pbuf[PATH_MAX];
	int fd;

	test_ring_init(8, &ring, 0);
	fd = xattr_file(&path);
	/* FSETXATTR, then FGETXATTR: the value and its length */
	snprintf(name, sizeof(name), "user.one");
	snprintf(value, sizeof(value), "first value");
	io_uring_prep_fsetxattr(sqe_ud(1), fd, name, value, 0, 11);
	/* name and value are copied at submit: reuse them at once */
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	snprintf(name, sizeof(name), "user.two");
	snprintf(value, sizeof(value), "XXXXXXXXXXX");
	{
		struct test_cqe c = { 0 };

		CHECK_EQ(test_reap(&ring, &c, 1, 5000), 1);
		CHECK_EQ(c.res, 0);
	}
	CHECK_EQ(fgetxattr(fd, "user.one", got, sizeof(got)), 11);
	CHECK_MEM(got, "first value", 11);
	CHECK_EQ(fgetxattr(fd, "user.two", got, sizeof(got)), -1);

	memset(got, 0, sizeof(got));
	io_uring_prep_fgetxattr(sqe_ud(2), fd, "user.one", got, sizeof(got));
	CHECK_EQ(one_result(2), 11);
	CHECK_MEM(got, "first value", 11);
	/* size 0: the length only */
	io_uring_prep_fgetxattr(sqe_ud(3), fd, "user.one", NULL, 0);
	CHECK_EQ(one_result(3), 11);

	/* the path forms, the path copied at submit */
	snprintf(pbuf, sizeof(pbuf), "%s", path);
	io_uring_prep_setxattr(sqe_ud(4), "user.path", "pv", pbuf, 0, 2);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	snprintf(pbuf, sizeof(pbuf), "%s.gone", path);
	{
		struct test_cqe c = { 0 };

		CHECK_EQ(test_reap(&ring, &c, 1, 5000), 1);
		CHECK_EQ(c.res, 0);
	}
	memset(got, 0, sizeof(got));
	sqe = sqe_ud(5);
	io_uring_prep_getxattr(sqe, "user.path", got, path, sizeof(got));
	sqe->flags |= IOSQE_ASYNC;
	CHECK_EQ(one_result(5), 2);
	CHECK_MEM(got, "pv", 2);

	/* the call's own errors are only results: the link goes on */
	sqe = test_get_sqe(&ring);
	io_uring_prep_fgetxattr(sqe, fd, "user.missing", got, sizeof(got));
	CHECK_LINKED(sqe, -ENODATA, 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_fgetxattr(sqe, fd, "user.one", got, 2);
	CHECK_LINKED(sqe, -ERANGE, 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_fsetxattr(sqe, fd, "user.one", "x", XATTR_CREATE, 1);
	CHECK_LINKED(sqe, -EEXIST, 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_getxattr(sqe, "user.one", got, "/nonexistent/x", sizeof(got));
	CHECK_LINKED(sqe, -ENOENT, 0);
	/* a fixed file */
	REQUIRE_EQ(io_uring_register_files(&ring, &fd, 1), 0);
	sqe = sqe_ud(6);
	io_uring_prep_fgetxattr(sqe, 0, "user.one", got, sizeof(got));
	sqe->flags |= IOSQE_FIXED_FILE;
	CHECK_EQ(one_result(6), 11);
	/* a bad fd fails it */
	sqe = test_get_sqe(&ring);
	io_uring_prep_fgetxattr(sqe, 1000000, "user.one", got, sizeof(got));
	CHECK_LINKED(sqe, -EBADF, -ECANCELED);
	close(fd);
	io_uring_queue_exit(&ring);
}

TEST(xattr_prep_errors)
{
	struct io_uring_sqe *sqe;
	char longname[300], got[8];
	const char *path;
	int fd;

	test_ring_init(8, &ring, 0);
	fd = xattr_file(&path);
	/* the name: 1 to 255 bytes (-ERANGE), readable (-EFAULT); the prep's
	 * errors fail the request */
	sqe = test_get_sqe(&ring);
	io_uring_prep_fgetxattr(sqe, fd, "", got, sizeof(got));
	CHECK_LINKED(sqe, -ERANGE, -ECANCELED);
	memset(longname, 'a', sizeof(longname) - 1);
	memcpy(longname, "user.", 5);
	longname[sizeof(longname) - 1] = '\0';
	io_uring_prep_fsetxattr(sqe_ud(1), fd, longname, "v", 0, 1);
	CHECK_EQ(one_result(1), -ERANGE);
	io_uring_prep_fgetxattr(sqe_ud(2), fd, (const char *)8, got, sizeof(got));
	CHECK_EQ(one_result(2), -EFAULT);
	/* no more than 256 bytes of a name are read: a long one before a hole */
	{
		long pg;
		char *m = test_page_before_hole(&pg);

		memset(m, 'a', pg);
		io_uring_prep_fgetxattr(sqe_ud(10), fd, m + pg - 300, got, sizeof(got));
		CHECK_EQ(one_result(10), -ERANGE);
		munmap(m, 2 * pg);
	}
	/* a set's value is read at submit */
	io_uring_prep_fsetxattr(sqe_ud(3), fd, "user.v", (const char *)8, 0, 4);
	CHECK_EQ(one_result(3), -EFAULT);
	io_uring_prep_fsetxattr(sqe_ud(4), fd, "user.v", "v", 0, 65537);
	CHECK_EQ(one_result(4), -E2BIG);
	/* flags: a get takes none, a set CREATE or REPLACE */
	sqe = sqe_ud(5);
	io_uring_prep_fgetxattr(sqe, fd, "user.probe", got, sizeof(got));
	sqe->xattr_flags = 1;
	CHECK_EQ(one_result(5), -EINVAL);
	io_uring_prep_fsetxattr(sqe_ud(6), fd, "user.v", "v", 4, 1);
	CHECK_EQ(one_result(6), -EINVAL);
	/* the path forms: no fixed file, a readable path */
	sqe = sqe_ud(7);
	io_uring_prep_getxattr(sqe, "user.probe", got, path, sizeof(got));
	sqe->flags |= IOSQE_FIXED_FILE;
	CHECK_EQ(one_result(7), -EBADF);
	io_uring_prep_setxattr(sqe_ud(8), "user.v", "v", (const char *)8, 0, 1);
	CHECK_EQ(one_result(8), -EFAULT);
	io_uring_prep_getxattr(sqe_ud(9), "user.probe", got, "", sizeof(got));
	CHECK_EQ(one_result(9), -ENOENT);
	CHECK_EQ(fgetxattr(fd, "user.v", got, sizeof(got)), -1);
	close(fd);
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(statx_results), TEST_ENTRY(statx_prep_errors), TEST_ENTRY(fadvise_op),
		TEST_ENTRY(madvise_op),	   TEST_ENTRY(fallocate_op),	  TEST_ENTRY(ftruncate_op),
		TEST_ENTRY(xattr_results), TEST_ENTRY(xattr_prep_errors),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
