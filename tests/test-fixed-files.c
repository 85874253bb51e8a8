/* SPDX-License-Identifier: MIT */
/*
 * Registered files: IOSQE_FIXED_FILE, empty and out-of-range slots, a slot
 * outliving its fd, registration and update errors.
 */
#include "harness.h"

#include <fcntl.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/stat.h>

static struct io_uring ring;

static int fixed_read(int index, void *buf, unsigned len, __u64 off)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);
	struct test_cqe c = { 0 };

	io_uring_prep_read(sqe, index, buf, len, off);
	io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE);
	io_uring_sqe_set_data64(sqe, 0xf11e);
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ_U(c.user_data, 0xf11e);
	return c.res;
}

static int fixed_write(int index, const void *buf, unsigned len, __u64 off)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);
	struct test_cqe c = { 0 };

	io_uring_prep_write(sqe, index, buf, len, off);
	io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE);
	io_uring_sqe_set_data64(sqe, 0xf11f);
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	return c.res;
}

TEST(fixed_file_io)
{
	char buf[16];
	int fds[3], a, b;

	test_ring_init(8, &ring, 0);
	a = test_tmpfile_with("aaaaaaaaaa", 10, NULL);
	b = test_tmpfile_with("bbbbbbbbbb", 10, NULL);
	fds[0] = a;
	fds[1] = -1; /* empty slot */
	fds[2] = b;
	REQUIRE_EQ(io_uring_register_files(&ring, fds, 3), 0);
	CHECK_EQ(fixed_read(0, buf, 16, 0), 10);
	CHECK_MEM(buf, "aaaaaaaaaa", 10);
	CHECK_EQ(fixed_read(2, buf, 4, 6), 4);
	CHECK_MEM(buf, "bbbb", 4);
	CHECK_EQ(fixed_write(2, "XYZ", 3, 1), 3);
	REQUIRE_EQ(pread(b, buf, 10, 0), 10);
	CHECK_MEM(buf, "bXYZbbbbbb", 10);
	/* empty slot, beyond the table, negative index */
	CHECK_EQ(fixed_read(1, buf, 4, 0), -EBADF);
	CHECK_EQ(fixed_read(3, buf, 4, 0), -EBADF);
	CHECK_EQ(fixed_read(1000, buf, 4, 0), -EBADF);
	CHECK_EQ(fixed_read(-1, buf, 4, 0), -EBADF);
	CHECK_EQ(io_uring_unregister_files(&ring), 0);
	/* no table any more */
	CHECK_EQ(fixed_read(0, buf, 4, 0), -EBADF);
	close(a);
	close(b);
	io_uring_queue_exit(&ring);
}

TEST(fixed_file_outlives_fd)
{
	char buf[16];
	int fd, fds_before;

	test_ring_init(8, &ring, 0);
	fd = test_tmpfile_with("0123456789", 10, NULL);
	REQUIRE_EQ(io_uring_register_files(&ring, &fd, 1), 0);
	fds_before = test_count_fds();
	REQUIRE_SYS(close(fd));
	CHECK_EQ(test_count_fds(), fds_before - 1);
	/* the slot holds its own reference to the file */
	CHECK_EQ(fixed_read(0, buf, 10, 0), 10);
	CHECK_MEM(buf, "0123456789", 10);
	/* the plain fd is gone */
	{
		struct io_uring_sqe *sqe = test_get_sqe(&ring);
		struct test_cqe c = { 0 };

		io_uring_prep_read(sqe, fd, buf, 4, 0);
		io_uring_sqe_set_data64(sqe, 5);
		CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
		CHECK_EQ(c.res, -EBADF);
	}
	io_uring_queue_exit(&ring);
}

TEST(fixed_file_vectored_and_fsync)
{
	char a[4] = "wxyz", b[6] = "123456", ra[4], rb[6];
	struct iovec wv[2] = { { a, 4 }, { b, 6 } }, rv[2] = { { ra, 4 }, { rb, 6 } };
	struct io_uring_sqe *sqe;
	struct test_cqe c[3];
	int fd;

	test_ring_init(8, &ring, 0);
	fd = test_tmpfile(NULL);
	REQUIRE_EQ(io_uring_register_files(&ring, &fd, 1), 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_writev(sqe, 0, wv, 2, 0);
	io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE | IOSQE_IO_LINK);
	io_uring_sqe_set_data64(sqe, 1);
	sqe = test_get_sqe(&ring);
	io_uring_prep_fsync(sqe, 0, 0);
	io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE | IOSQE_IO_LINK);
	io_uring_sqe_set_data64(sqe, 2);
	sqe = test_get_sqe(&ring);
	io_uring_prep_readv(sqe, 0, rv, 2, 0);
	io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE);
	io_uring_sqe_set_data64(sqe, 3);
	CHECK_EQ(test_submit_reap(&ring, c, 3), 3);
	CHECK_EQ(c[0].res, 10);
	CHECK_EQ(c[1].res, 0);
	CHECK_EQ(c[2].res, 10);
	CHECK_MEM(ra, a, 4);
	CHECK_MEM(rb, b, 6);
	close(fd);
	io_uring_queue_exit(&ring);
}

static int reg_files(const int *fds, unsigned nr)
{
	return io_uring_register(ring.ring_fd, IORING_REGISTER_FILES, fds, nr);
}

TEST(register_files_errors)
{
	int fd, bad[2];

	test_ring_init(8, &ring, 0);
	fd = test_tmpfile(NULL);
	CHECK_ERRNO(reg_files(NULL, 1), -EFAULT);
	CHECK_ERRNO(reg_files(&fd, 0), -EINVAL);
	bad[0] = fd;
	bad[1] = 9999;
	CHECK_ERRNO(reg_files(bad, 2), -EBADF);
	bad[1] = IORING_REGISTER_FILES_SKIP;
	CHECK_ERRNO(reg_files(bad, 2), -EBADF);
	bad[1] = ring.ring_fd; /* a ring cannot be registered */
	CHECK_ERRNO(reg_files(bad, 2), -EBADF);
	/* the failures left no table */
	CHECK_ERRNO(io_uring_register(ring.ring_fd, IORING_UNREGISTER_FILES, NULL, 0), -ENXIO);
	CHECK_ERRNO(reg_files(&fd, 1), 0);
	CHECK_ERRNO(reg_files(&fd, 1), -EBUSY);
	CHECK_ERRNO(io_uring_register(ring.ring_fd, IORING_UNREGISTER_FILES, &fd, 0), -EINVAL);
	CHECK_ERRNO(io_uring_register(ring.ring_fd, IORING_UNREGISTER_FILES, NULL, 1), -EINVAL);
	CHECK_ERRNO(io_uring_unregister_files(&ring), 0);
	CHECK_ERRNO(io_uring_unregister_files(&ring), -ENXIO);
	close(fd);
	io_uring_queue_exit(&ring);
}

TEST(register_files_rlimit)
{
	struct rlimit old, low;
	static int fds[65];

	test_ring_init(8, &ring, 0);
	REQUIRE_SYS(getrlimit(RLIMIT_NOFILE, &old));
	low = old;
	low.rlim_cur = 64;
	REQUIRE_SYS(setrlimit(RLIMIT_NOFILE, &low));
	for (int i = 0; i < 65; i++)
		fds[i] = -1;
	CHECK_ERRNO(reg_files(fds, 65), -EMFILE);
	CHECK_ERRNO(reg_files(fds, 64), 0);
	REQUIRE_SYS(setrlimit(RLIMIT_NOFILE, &old));
	io_uring_queue_exit(&ring);
}

static int files_update_raw(unsigned off, __u32 resv, const int *fds, unsigned nr)
{
	struct io_uring_files_update up;

	memset(&up, 0, sizeof(up));
	up.offset = off;
	up.resv = resv;
	up.fds = (__u64)(uintptr_t)fds;
	return io_uring_register(ring.ring_fd, IORING_REGISTER_FILES_UPDATE, &up, nr);
}

TEST(files_update)
{
	char buf[8];
	int a, b, tab[4] = { -1, -1, -1, -1 }, upd[2];

	test_ring_init(8, &ring, 0);
	a = test_tmpfile_with("aaaa", 4, NULL);
	b = test_tmpfile_with("bbbb", 4, NULL);
	/* no table yet */
	CHECK_ERRNO(io_uring_register_files_update(&ring, 0, &a, 1), -ENXIO);
	REQUIRE_EQ(io_uring_register_files(&ring, tab, 4), 0);
	CHECK_EQ(fixed_read(0, buf, 4, 0), -EBADF);
	/* install two files */
	upd[0] = a;
	upd[1] = b;
	CHECK_ERRNO(io_uring_register_files_update(&ring, 0, upd, 2), 2);
	CHECK_EQ(fixed_read(0, buf, 4, 0), 4);
	CHECK_MEM(buf, "aaaa", 4);
	CHECK_EQ(fixed_read(1, buf, 4, 0), 4);
	CHECK_MEM(buf, "bbbb", 4);
	/* SKIP counts and leaves the slot alone; -1 empties it */
	upd[0] = IORING_REGISTER_FILES_SKIP;
	upd[1] = -1;
	CHECK_ERRNO(io_uring_register_files_update(&ring, 0, upd, 2), 2);
	CHECK_EQ(fixed_read(0, buf, 4, 0), 4);
	CHECK_EQ(fixed_read(1, buf, 4, 0), -EBADF);
	/* [good, bad]: the count done before the error */
	upd[0] = b;
	upd[1] = 9999;
	CHECK_ERRNO(io_uring_register_files_update(&ring, 2, upd, 2), 1);
	CHECK_EQ(fixed_read(2, buf, 4, 0), 4);
	CHECK_MEM(buf, "bbbb", 4);
	CHECK_EQ(fixed_read(3, buf, 4, 0), -EBADF);
	/* [bad] alone: the error, and the slot it hit is left empty */
	upd[0] = 9999;
	CHECK_ERRNO(io_uring_register_files_update(&ring, 0, upd, 1), -EBADF);
	CHECK_EQ(fixed_read(0, buf, 4, 0), -EBADF);
	upd[0] = ring.ring_fd;
	CHECK_ERRNO(io_uring_register_files_update(&ring, 2, upd, 1), -EBADF);
	CHECK_EQ(fixed_read(2, buf, 4, 0), -EBADF);
	/* beyond the table, nr 0, resv */
	upd[0] = a;
	CHECK_ERRNO(io_uring_register_files_update(&ring, 4, upd, 1), -EINVAL);
	CHECK_ERRNO(io_uring_register_files_update(&ring, 3, upd, 2), -EINVAL);
	CHECK_ERRNO(files_update_raw(0, 0, upd, 0), -EINVAL);
	CHECK_ERRNO(files_update_raw(0, 1, upd, 1), -EINVAL);
	CHECK_ERRNO(files_update_raw(3, 0, upd, 1), 1);
	CHECK_EQ(fixed_read(3, buf, 4, 0), 4);
	CHECK_MEM(buf, "aaaa", 4);
	close(a);
	close(b);
	io_uring_queue_exit(&ring);
}

TEST(register_general_errors)
{
	int p[2], fd;

	test_ring_init(4, &ring, 0);
	fd = test_tmpfile(NULL);
	CHECK_ERRNO(io_uring_register(9999, IORING_REGISTER_FILES, &fd, 1), -EBADF);
	REQUIRE_SYS(pipe(p));
	CHECK_ERRNO(io_uring_register(p[0], IORING_REGISTER_FILES, &fd, 1), -EOPNOTSUPP);
	CHECK_ERRNO(io_uring_register(ring.ring_fd, IORING_REGISTER_LAST, NULL, 0), -EINVAL);
	CHECK_ERRNO(io_uring_register(ring.ring_fd, 9999, NULL, 0), -EINVAL);
	close(p[0]);
	close(p[1]);
	close(fd);
	io_uring_queue_exit(&ring);
}

/* IORING_OP_FILES_UPDATE: one request, its result */
static int update_op(int *fds, unsigned nr, __u64 offset, unsigned sqe_flags)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);
	struct test_cqe c = { 0 };

	io_uring_prep_rw(IORING_OP_FILES_UPDATE, sqe, -1, fds, nr, offset);
	sqe->flags |= sqe_flags;
	io_uring_sqe_set_data64(sqe, 0xf0da);
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ_U(c.user_data, 0xf0da);
	return c.res;
}

TEST(files_update_op)
{
	int a, b, tab[4] = { -1, -1, -1, -1 }, upd[3];
	char buf[8];

	test_ring_init(8, &ring, 0);
	a = test_tmpfile_with("aaaa", 4, NULL);
	b = test_tmpfile_with("bbbb", 4, NULL);
	upd[0] = a;
	CHECK_EQ(update_op(upd, 1, 0, 0), -ENXIO);
	CHECK_EQ(update_op(upd, 1, IORING_FILE_INDEX_ALLOC, 0), -ENXIO);
	REQUIRE_EQ(io_uring_register_files(&ring, tab, 4), 0);
	/* at an offset, as REGISTER_FILES_UPDATE; IOSQE_ASYNC */
	upd[0] = a;
	upd[1] = b;
	CHECK_EQ(update_op(upd, 2, 1, 0), 2);
	CHECK_EQ(fixed_read(1, buf, 4, 0), 4);
	CHECK_MEM(buf, "aaaa", 4);
	CHECK_EQ(fixed_read(2, buf, 4, 0), 4);
	CHECK_MEM(buf, "bbbb", 4);
	upd[0] = -1;
	CHECK_EQ(update_op(upd, 1, 2, IOSQE_ASYNC), 1);
	CHECK_EQ(fixed_read(2, buf, 4, 0), -EBADF);
	CHECK_EQ(update_op(upd, 1, 4, 0), -EINVAL);
	/* field checks */
	CHECK_EQ(update_op(upd, 0, 0, 0), -EINVAL);
	CHECK_EQ(update_op(upd, 1, 0, IOSQE_FIXED_FILE), -EINVAL);
	CHECK_EQ(update_op(NULL, 1, 0, 0), -EFAULT);
	/* allocated: the slots written back over the fds, from the hint
	 * (slot 2, emptied last), then from 0 */
	upd[0] = b;
	upd[1] = a;
	upd[2] = a;
	CHECK_EQ(update_op(upd, 3, IORING_FILE_INDEX_ALLOC, 0), 3);
	CHECK_EQ(upd[0], 2);
	CHECK_EQ(upd[1], 3);
	CHECK_EQ(upd[2], 0);
	CHECK_EQ(fixed_read(2, buf, 4, 0), 4);
	CHECK_MEM(buf, "bbbb", 4);
	CHECK_EQ(fixed_read(3, buf, 4, 0), 4);
	CHECK_MEM(buf, "aaaa", 4);
	upd[0] = a;
	CHECK_EQ(update_op(upd, 1, IORING_FILE_INDEX_ALLOC, 0), -ENFILE);
	CHECK_EQ(update_op(tab, 1, 0, 0), 1); /* slot 0 emptied */
	upd[0] = 9999;
	CHECK_EQ(update_op(upd, 1, IORING_FILE_INDEX_ALLOC, 0), -EBADF);
	close(a);
	close(b);
	io_uring_queue_exit(&ring);
}

/* field: the offset of a 64-bit SQE field to set to 1, or 0 */
static int fd_install(int slot, unsigned sqe_flags, unsigned flags, size_t field)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);
	struct test_cqe c = { 0 };
	__u64 one = 1;

	io_uring_prep_fixed_fd_install(sqe, slot, flags);
	sqe->flags = (__u8)sqe_flags;
	if (field)
		memcpy((char *)sqe + field, &one, sizeof(one));
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	return c.res;
}

/* IORING_OP_FIXED_FD_INSTALL: a direct descriptor back as a plain fd */
TEST(fixed_fd_install)
{
	struct io_uring_sqe *sqe;
	struct test_cqe c[2];
	struct stat a, b;
	int fds[3], fd, nfd, expect;

	test_ring_init(8, &ring, 0);
	fd = test_tmpfile_with("0123456789", 10, NULL);
	fds[0] = fd;
	fds[1] = -1;
	fds[2] = fd;
	REQUIRE_EQ(io_uring_register_files(&ring, fds, 3), 0);
	/* the lowest free number, O_CLOEXEC, the same open file */
	expect = dup(0);
	close(expect);
	nfd = fd_install(0, IOSQE_FIXED_FILE, 0, 0);
	CHECK_EQ(nfd, expect);
	REQUIRE_GE(nfd, 0);
	CHECK_EQ(fcntl(nfd, F_GETFD), FD_CLOEXEC);
	REQUIRE_EQ(fstat(fd, &a), 0);
	REQUIRE_EQ(fstat(nfd, &b), 0);
	CHECK_EQ_U(a.st_ino, b.st_ino);
	REQUIRE_EQ(lseek(fd, 3, SEEK_SET), 3);
	CHECK_EQ(lseek(nfd, 0, SEEK_CUR), 3);
	close(nfd);
	nfd = fd_install(2, IOSQE_FIXED_FILE | IOSQE_ASYNC, IORING_FIXED_FD_NO_CLOEXEC, 0);
	REQUIRE_GE(nfd, 0);
	CHECK_EQ(fcntl(nfd, F_GETFD), 0);
	close(nfd);
	/* errors: a plain fd, flags, unused fields, empty slots */
	CHECK_EQ(fd_install(fd, 0, 0, 0), -EBADF);
	CHECK_EQ(fd_install(fd, 0, 2, 0), -EBADF);
	CHECK_EQ(fd_install(0, IOSQE_FIXED_FILE, 2, 0), -EINVAL);
	CHECK_EQ(fd_install(0, IOSQE_FIXED_FILE, 0, offsetof(struct io_uring_sqe, off)), -EINVAL);
	CHECK_EQ(fd_install(0, IOSQE_FIXED_FILE, 0, offsetof(struct io_uring_sqe, addr3)), -EINVAL);
	CHECK_EQ(fd_install(fd, 0, 0, offsetof(struct io_uring_sqe, addr)), -EINVAL);
	CHECK_EQ(fd_install(1, IOSQE_FIXED_FILE, 0, 0), -EBADF);
	CHECK_EQ(fd_install(3, IOSQE_FIXED_FILE, 0, 0), -EBADF);
	/* a failed install breaks its chain */
	sqe = test_get_sqe(&ring);
	io_uring_prep_fixed_fd_install(sqe, 1, 0);
	sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = 1;
	sqe = test_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->user_data = 2;
	CHECK_EQ(test_submit_reap(&ring, c, 2), 2);
	CHECK_EQ(c[0].res, -EBADF);
	CHECK_EQ(c[1].res, -ECANCELED);
	CHECK_EQ(io_uring_unregister_files(&ring), 0);
	CHECK_EQ(fd_install(0, IOSQE_FIXED_FILE, 0, 0), -EBADF);
	close(fd);
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(fixed_file_io),
		TEST_ENTRY(fixed_file_outlives_fd),
		TEST_ENTRY(fixed_file_vectored_and_fsync),
		TEST_ENTRY(register_files_errors),
		TEST_ENTRY(register_files_rlimit),
		TEST_ENTRY(files_update),
		TEST_ENTRY(files_update_op),
		TEST_ENTRY(register_general_errors),
		TEST_ENTRY(fixed_fd_install),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
