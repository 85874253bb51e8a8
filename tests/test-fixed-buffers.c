/* SPDX-License-Identifier: MIT */
/*
 * Registered buffers: READ_FIXED / WRITE_FIXED and READV_FIXED /
 * WRITEV_FIXED with the data compared, the range checks and the
 * registration errors.
 */
#include "harness.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/vfs.h>

#define BUF_SZ 8192

static struct io_uring ring;
static char *bufs[2];

static void *map_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	REQUIRE_TRUE(p != MAP_FAILED);
	return p;
}

static void setup_two_buffers(void)
{
	struct iovec iov[2];

	test_ring_init(8, &ring, 0);
	for (int i = 0; i < 2; i++) {
		bufs[i] = map_anon(BUF_SZ);
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = BUF_SZ;
	}
	REQUIRE_EQ(io_uring_register_buffers(&ring, iov, 2), 0);
}

static void teardown(void)
{
	io_uring_queue_exit(&ring);
	for (int i = 0; i < 2; i++)
		munmap(bufs[i], BUF_SZ);
}

static int fixed_op(bool write, int fd, void *addr, unsigned len, __u64 off, int index)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);
	struct test_cqe c = { 0 };

	if (write)
		io_uring_prep_write_fixed(sqe, fd, addr, len, off, index);
	else
		io_uring_prep_read_fixed(sqe, fd, addr, len, off, index);
	io_uring_sqe_set_data64(sqe, 0xf12ed);
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ_U(c.user_data, 0xf12ed);
	return c.res;
}

TEST(fixed_rw_data)
{
	char check[BUF_SZ];
	int fd;

	setup_two_buffers();
	fd = test_tmpfile(NULL);
	test_fill_random(bufs[0], BUF_SZ, 1);
	CHECK_EQ(fixed_op(true, fd, bufs[0], BUF_SZ, 0, 0), BUF_SZ);
	REQUIRE_EQ(pread(fd, check, BUF_SZ, 0), BUF_SZ);
	CHECK_MEM(check, bufs[0], BUF_SZ);
	memset(bufs[1], 0, BUF_SZ);
	CHECK_EQ(fixed_op(false, fd, bufs[1], BUF_SZ, 0, 1), BUF_SZ);
	CHECK_MEM(bufs[1], bufs[0], BUF_SZ);
	/* a sub-range of a buffer */
	memset(bufs[1], 0, BUF_SZ);
	CHECK_EQ(fixed_op(false, fd, bufs[1] + 100, 1000, 3000, 1), 1000);
	CHECK_MEM(bufs[1] + 100, bufs[0] + 3000, 1000);
	test_fill_random(bufs[1], 512, 2);
	CHECK_EQ(fixed_op(true, fd, bufs[1] + 7680, 512, 100, 1), 512);
	REQUIRE_EQ(pread(fd, check, 512, 100), 512);
	CHECK_MEM(check, bufs[1] + 7680, 512);
	/* short read at EOF */
	CHECK_EQ(fixed_op(false, fd, bufs[1], BUF_SZ, BUF_SZ - 10, 1), 10);
	close(fd);
	teardown();
}

TEST(fixed_file_position)
{
	int fd;

	setup_two_buffers();
	fd = test_tmpfile_with("0123456789", 10, NULL);
	REQUIRE_EQ(lseek(fd, 3, SEEK_SET), 3);
	CHECK_EQ(fixed_op(false, fd, bufs[0], 4, (__u64)-1, 0), 4);
	CHECK_MEM(bufs[0], "3456", 4);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 7);
	close(fd);
	teardown();
}

TEST(fixed_range_efault)
{
	int fd;

	setup_two_buffers();
	fd = test_tmpfile_with("0123456789", 10, NULL);
	/* index out of range */
	CHECK_EQ(fixed_op(false, fd, bufs[0], 4, 0, 2), -EFAULT);
	CHECK_EQ(fixed_op(true, fd, bufs[0], 4, 0, 100), -EFAULT);
	/* running past the end */
	CHECK_EQ(fixed_op(false, fd, bufs[0] + BUF_SZ - 4, 5, 0, 0), -EFAULT);
	CHECK_EQ(fixed_op(true, fd, bufs[0], BUF_SZ + 1, 0, 0), -EFAULT);
	/* below the base */
	CHECK_EQ(fixed_op(false, fd, bufs[0] - 1, 4, 0, 0), -EFAULT);
	/* another buffer's address under this index */
	CHECK_EQ(fixed_op(false, fd, bufs[1], 4, 0, 0), -EFAULT);
	/* addr + len wraps around */
	CHECK_EQ(fixed_op(false, fd, (void *)~0UL, 4, 0, 0), -EFAULT);
	/* exactly at the end: fine */
	CHECK_EQ(fixed_op(false, fd, bufs[0] + BUF_SZ - 4, 4, 0, 0), 4);
	CHECK_EQ(fixed_op(false, fd, bufs[0] + BUF_SZ, 0, 0, 0), 0);
	close(fd);
	teardown();
}

TEST(fixed_without_buffers)
{
	char buf[8];
	int fd;

	test_ring_init(8, &ring, 0);
	fd = test_tmpfile_with("0123456789", 10, NULL);
	CHECK_EQ(fixed_op(false, fd, buf, 4, 0, 0), -EFAULT);
	CHECK_EQ(fixed_op(true, fd, buf, 4, 0, 0), -EFAULT);
	close(fd);
	io_uring_queue_exit(&ring);
}

TEST(fixed_sparse_slot)
{
	struct iovec iov[2];
	char *b = map_anon(4096);
	int fd;

	test_ring_init(8, &ring, 0);
	iov[0].iov_base = NULL; /* a sparse slot */
	iov[0].iov_len = 0;
	iov[1].iov_base = b;
	iov[1].iov_len = 4096;
	REQUIRE_EQ(io_uring_register_buffers(&ring, iov, 2), 0);
	fd = test_tmpfile_with("0123456789", 10, NULL);
	CHECK_EQ(fixed_op(false, fd, b, 4, 0, 0), -EFAULT);
	CHECK_EQ(fixed_op(false, fd, b, 4, 0, 1), 4);
	CHECK_MEM(b, "0123", 4);
	/* unregistered again: no buffers */
	CHECK_EQ(io_uring_unregister_buffers(&ring), 0);
	CHECK_EQ(fixed_op(false, fd, b, 4, 0, 1), -EFAULT);
	close(fd);
	io_uring_queue_exit(&ring);
	munmap(b, 4096);
}

TEST(fixed_bad_fd)
{
	setup_two_buffers();
	CHECK_EQ(fixed_op(false, 9999, bufs[0], 4, 0, 0), -EBADF);
	teardown();
}

/* READV_FIXED / WRITEV_FIXED of nr iovecs in slot index: the result */
static int vfixed_op(bool write, int fd, const struct iovec *iov, unsigned nr, __u64 off, int flags,
		     int index, unsigned sqe_flags)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);
	struct test_cqe c = { 0 };

	if (write)
		io_uring_prep_writev_fixed(sqe, fd, iov, nr, off, flags, index);
	else
		io_uring_prep_readv_fixed(sqe, fd, iov, nr, off, flags, index);
	sqe->flags |= (__u8)sqe_flags;
	io_uring_sqe_set_data64(sqe, 0x7ec);
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ_U(c.user_data, 0x7ec);
	return c.res;
}

/* The opcodes are reported by the probe, as on the kernel (6.15+). */
TEST(vfixed_probe)
{
	struct io_uring_probe *probe;

	test_ring_init(4, &ring, 0);
	probe = io_uring_get_probe_ring(&ring);
	REQUIRE_TRUE(probe != NULL);
	CHECK_TRUE(io_uring_opcode_supported(probe, IORING_OP_READV_FIXED));
	CHECK_TRUE(io_uring_opcode_supported(probe, IORING_OP_WRITEV_FIXED));
	io_uring_free_probe(probe);
	io_uring_queue_exit(&ring);
}

/* iovecs anywhere in one registered buffer, gathered and scattered in order */
TEST(vfixed_data)
{
	struct iovec iov[3];
	char check[BUF_SZ];
	int fd;

	setup_two_buffers();
	fd = test_tmpfile(NULL);
	test_fill_random(bufs[0], BUF_SZ, 3);
	iov[0] = (struct iovec){ bufs[0] + 4096, 100 };
	iov[1] = (struct iovec){ bufs[0], 50 };
	iov[2] = (struct iovec){ bufs[0] + 8000, 192 };
	CHECK_EQ(vfixed_op(true, fd, iov, 3, 10, 0, 0, 0), 342);
	REQUIRE_EQ(pread(fd, check, 342, 10), 342);
	CHECK_MEM(check, bufs[0] + 4096, 100);
	CHECK_MEM(check + 100, bufs[0], 50);
	CHECK_MEM(check + 150, bufs[0] + 8000, 192);
	/* read back into the other buffer, split differently */
	memset(bufs[1], 0, BUF_SZ);
	iov[0] = (struct iovec){ bufs[1] + 1, 200 };
	iov[1] = (struct iovec){ bufs[1] + 7000, 142 };
	CHECK_EQ(vfixed_op(false, fd, iov, 2, 10, 0, 1, 0), 342);
	CHECK_MEM(bufs[1] + 1, check, 200);
	CHECK_MEM(bufs[1] + 7000, check + 200, 142);
	/* overlapping iovecs: the later one's bytes win on a read */
	iov[0] = (struct iovec){ bufs[1], 16 };
	iov[1] = (struct iovec){ bufs[1] + 8, 16 };
	CHECK_EQ(vfixed_op(false, fd, iov, 2, 10, 0, 1, 0), 32);
	CHECK_MEM(bufs[1], check, 8);
	CHECK_MEM(bufs[1] + 8, check + 16, 16);
	/* short at EOF: what there was */
	iov[0] = (struct iovec){ bufs[1], 300 };
	iov[1] = (struct iovec){ bufs[1] + 300, 300 };
	CHECK_EQ(vfixed_op(false, fd, iov, 2, 0, 0, 1, 0), 352);
	CHECK_EQ(vfixed_op(false, fd, iov, 2, 352, 0, 1, 0), 0);
	/* IOSQE_ASYNC: a worker does the same */
	iov[0] = (struct iovec){ bufs[1] + 100, 42 };
	CHECK_EQ(vfixed_op(false, fd, iov, 1, 10, 0, 1, IOSQE_ASYNC), 42);
	CHECK_MEM(bufs[1] + 100, check, 42);
	close(fd);
	teardown();
}

/* offset -1: the file position, used and advanced */
TEST(vfixed_file_position)
{
	struct iovec iov[2] = { { NULL, 2 }, { NULL, 3 } };
	int fd;

	setup_two_buffers();
	iov[0].iov_base = bufs[0] + 10;
	iov[1].iov_base = bufs[0];
	fd = test_tmpfile_with("0123456789", 10, NULL);
	REQUIRE_EQ(lseek(fd, 3, SEEK_SET), 3);
	CHECK_EQ(vfixed_op(false, fd, iov, 2, (__u64)-1, 0, 0, 0), 5);
	CHECK_MEM(bufs[0] + 10, "34", 2);
	CHECK_MEM(bufs[0], "567", 3);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 8);
	CHECK_EQ(vfixed_op(true, fd, iov, 2, (__u64)-1, 0, 0, 0), 5);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 13);
	close(fd);
	teardown();
}

/*
 * The checks, in the kernel's order: the iovec array is copied at prep
 * (-EFAULT, a negative length -EINVAL, more than UIO_MAXIOV -EINVAL), the
 * buffer is looked up at issue (-EFAULT), then each iovec must lie inside it
 * (-EFAULT) and not be empty (-EFAULT), then the total is bounded (-EINVAL).
 */
TEST(vfixed_errors)
{
	static struct iovec many[1025];
	struct iovec iov[2];
	int fd;

	setup_two_buffers();
	fd = test_tmpfile_with("0123456789", 10, NULL);
	iov[0] = (struct iovec){ bufs[0], 4 };
	iov[1] = (struct iovec){ bufs[0] + BUF_SZ - 4, 4 };
	CHECK_EQ(vfixed_op(false, fd, iov, 2, 0, 0, 0, 0), 8);
	/* the slot: out of range, the other buffer's memory */
	CHECK_EQ(vfixed_op(false, fd, iov, 2, 0, 0, 2, 0), -EFAULT);
	CHECK_EQ(vfixed_op(true, fd, iov, 2, 0, 0, 100, 0), -EFAULT);
	CHECK_EQ(vfixed_op(false, fd, iov, 2, 0, 0, 1, 0), -EFAULT);
	/* one iovec partly outside the buffer, or below it */
	iov[1].iov_len = 5;
	CHECK_EQ(vfixed_op(false, fd, iov, 2, 0, 0, 0, 0), -EFAULT);
	CHECK_EQ(vfixed_op(true, fd, iov, 2, 0, 0, 0, 0), -EFAULT);
	iov[1] = (struct iovec){ bufs[0] - 1, 4 };
	CHECK_EQ(vfixed_op(false, fd, iov, 2, 0, 0, 0, 0), -EFAULT);
	iov[1] = (struct iovec){ (void *)~0UL, 4 };
	CHECK_EQ(vfixed_op(false, fd, iov, 2, 0, 0, 0, 0), -EFAULT);
	/* an empty iovec, even inside the buffer */
	iov[1] = (struct iovec){ bufs[0] + 8, 0 };
	CHECK_EQ(vfixed_op(false, fd, iov, 2, 0, 0, 0, 0), -EFAULT);
	CHECK_EQ(vfixed_op(true, fd, iov, 2, 0, 0, 0, 0), -EFAULT);
	/* a negative length: refused at prep, even without a buffer */
	iov[1] = (struct iovec){ bufs[0] + 8, (size_t)-1 };
	CHECK_EQ(vfixed_op(false, fd, iov, 2, 0, 0, 100, 0), -EINVAL);
	/* no vectors: nothing to move, but the slot is still looked up */
	CHECK_EQ(vfixed_op(false, fd, iov, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(vfixed_op(true, fd, NULL, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(vfixed_op(false, fd, iov, 0, 0, 0, 2, 0), -EFAULT);
	/* the array itself */
	CHECK_EQ(vfixed_op(false, fd, NULL, 1, 0, 0, 0, 0), -EFAULT);
	CHECK_EQ(vfixed_op(false, fd, many, 1025, 0, 0, 0, 0), -EINVAL);
	for (size_t i = 0; i < 1024; i++)
		many[i] = (struct iovec){ bufs[1] + i, 1 };
	CHECK_EQ(vfixed_op(false, fd, many, 1024, 0, 0, 1, 0), 10);
	/* no IOSQE_BUFFER_SELECT */
	iov[1] = (struct iovec){ bufs[0] + 8, 2 };
	CHECK_EQ(vfixed_op(false, fd, iov, 1, 0, 0, 0, IOSQE_BUFFER_SELECT), -EOPNOTSUPP);
	/* RWF_* flags: as a plain readv */
	CHECK_EQ(vfixed_op(false, fd, iov, 2, 0, RWF_HIPRI, 0, 0), -EINVAL);
	CHECK_EQ(vfixed_op(false, fd, iov, 2, 0, 0x10000, 0, 0), -EOPNOTSUPP);
	CHECK_EQ(vfixed_op(false, fd, iov, 2, 0, RWF_NOWAIT, 0, 0), 6);
	/* the offset below -1 */
	CHECK_EQ(vfixed_op(false, fd, iov, 2, (__u64)-2, 0, 0, 0), -EINVAL);
	/* the range before the file's mode */
	{
		int wfd = open("/dev/null", O_WRONLY);

		REQUIRE_SYS(wfd);
		CHECK_EQ(vfixed_op(false, wfd, iov, 2, 0, 0, 100, 0), -EFAULT);
		CHECK_EQ(vfixed_op(false, wfd, iov, 2, 0, 0, 0, 0), -EBADF);
		close(wfd);
	}
	/* a bad fd before a bad slot */
	CHECK_EQ(vfixed_op(false, 9999, iov, 2, 0, 0, 100, 0), -EBADF);
	close(fd);
	teardown();
}

TEST(vfixed_without_buffers)
{
	struct iovec iov = { NULL, 4 };
	char buf[8];
	int fd;

	iov.iov_base = buf;
	test_ring_init(8, &ring, 0);
	fd = test_tmpfile_with("0123456789", 10, NULL);
	CHECK_EQ(vfixed_op(false, fd, &iov, 1, 0, 0, 0, 0), -EFAULT);
	CHECK_EQ(vfixed_op(true, fd, &iov, 1, 0, 0, 0, 0), -EFAULT);
	CHECK_EQ(vfixed_op(false, fd, &iov, 0, 0, 0, 0, 0), -EFAULT);
	close(fd);
	io_uring_queue_exit(&ring);
}

/* An IOPOLL ring: the ranges are checked before the file (buffered: -EOPNOTSUPP) */
TEST(vfixed_iopoll)
{
	struct iovec iov[2], reg;
	char *b = map_anon(4096);
	int fd;

	test_ring_init(8, &ring, IORING_SETUP_IOPOLL);
	reg = (struct iovec){ b, 4096 };
	REQUIRE_EQ(io_uring_register_buffers(&ring, &reg, 1), 0);
	fd = test_tmpfile_with("0123456789", 10, NULL);
	iov[0] = (struct iovec){ b, 4 };
	iov[1] = (struct iovec){ b + 4096, 1 };
	CHECK_EQ(vfixed_op(false, fd, iov, 2, 0, 0, 0, 0), -EFAULT);
	CHECK_EQ(vfixed_op(false, fd, iov, 1, 0, 0, 0, 0), -EOPNOTSUPP);
	CHECK_EQ(vfixed_op(true, fd, iov, 1, 0, 0, 0, 0), -EOPNOTSUPP);
	close(fd);
	io_uring_queue_exit(&ring);
	munmap(b, 4096);
}

/* on pipes: a read waits for data and reports what one read got */
TEST(vfixed_pipe)
{
	struct iovec iov[2];
	struct io_uring_sqe *sqe;
	struct test_cqe c = { 0 };
	int p[2];

	setup_two_buffers();
	REQUIRE_SYS(pipe(p));
	iov[0] = (struct iovec){ bufs[0] + 64, 3 };
	iov[1] = (struct iovec){ bufs[0], 10 };
	sqe = test_get_sqe(&ring);
	io_uring_prep_readv_fixed(sqe, p[0], iov, 2, 0, 0, 0);
	io_uring_sqe_set_data64(sqe, 9);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	REQUIRE_EQ(write(p[1], "abcdefg", 7), 7);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ(c.res, 7);
	CHECK_MEM(bufs[0] + 64, "abc", 3);
	CHECK_MEM(bufs[0], "defg", 4);
	memcpy(bufs[1], "xyz", 3);
	iov[0] = (struct iovec){ bufs[1], 3 };
	CHECK_EQ(vfixed_op(true, p[1], iov, 1, 0, 0, 1, 0), 3);
	{
		char got[3];

		REQUIRE_EQ(read(p[0], got, 3), 3);
		CHECK_MEM(got, "xyz", 3);
	}
	close(p[0]);
	close(p[1]);
	teardown();
}

static int reg_buffers(const struct iovec *iov, unsigned nr)
{
	return io_uring_register(ring.ring_fd, IORING_REGISTER_BUFFERS, iov, nr);
}

TEST(register_buffers_errors)
{
	static struct iovec many[16385];
	struct iovec iov;
	char *b = map_anon(8192);
	void *hole;

	test_ring_init(4, &ring, 0);
	CHECK_ERRNO(reg_buffers(NULL, 1), -EFAULT);
	iov.iov_base = b;
	iov.iov_len = 4096;
	CHECK_ERRNO(reg_buffers(&iov, 0), -EINVAL);
	CHECK_ERRNO(reg_buffers(many, 16385), -EINVAL);
	iov.iov_len = (1UL << 30) + 1;
	CHECK_ERRNO(reg_buffers(&iov, 1), -EFAULT);
	iov.iov_base = NULL;
	iov.iov_len = 4096;
	CHECK_ERRNO(reg_buffers(&iov, 1), -EFAULT);
	iov.iov_base = b;
	iov.iov_len = 0;
	CHECK_ERRNO(reg_buffers(&iov, 1), -EFAULT);
	hole = map_anon(8192);
	munmap(hole, 8192);
	iov.iov_base = hole;
	iov.iov_len = 8192;
	CHECK_ERRNO(reg_buffers(&iov, 1), -EFAULT);
	/* nothing is left registered after a failure */
	CHECK_ERRNO(io_uring_register(ring.ring_fd, IORING_UNREGISTER_BUFFERS, NULL, 0), -ENXIO);
	iov.iov_base = b;
	iov.iov_len = 8192;
	CHECK_ERRNO(reg_buffers(&iov, 1), 0);
	CHECK_ERRNO(reg_buffers(&iov, 1), -EBUSY);
	CHECK_ERRNO(io_uring_register(ring.ring_fd, IORING_UNREGISTER_BUFFERS, &iov, 0), -EINVAL);
	CHECK_ERRNO(io_uring_register(ring.ring_fd, IORING_UNREGISTER_BUFFERS, NULL, 1), -EINVAL);
	CHECK_ERRNO(io_uring_register(ring.ring_fd, IORING_UNREGISTER_BUFFERS, NULL, 0), 0);
	CHECK_ERRNO(io_uring_unregister_buffers(&ring), -ENXIO);
	/* a table of 16384 sparse slots is allowed */
	CHECK_ERRNO(reg_buffers(many, 16384), 0);
	CHECK_ERRNO(io_uring_unregister_buffers(&ring), 0);
	io_uring_queue_exit(&ring);
	munmap(b, 8192);
}

TEST(register_file_backed_buffer)
{
	struct statfs sfs;
	struct iovec iov;
	void *p;
	int fd;

	test_ring_init(4, &ring, 0);
	fd = test_tmpfile(NULL);
	REQUIRE_SYS(ftruncate(fd, 8192));
	REQUIRE_SYS(fstatfs(fd, &sfs));
	if (sfs.f_type == TMPFS_MAGIC) {
		close(fd);
		io_uring_queue_exit(&ring);
		SKIP_CASE(SKIP_ENVIRONMENT,
			  "the temporary directory is on tmpfs (shmem can be registered)");
	}
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	REQUIRE_TRUE(p != MAP_FAILED);
	/* a shared mapping of a regular file cannot be pinned */
	iov.iov_base = p;
	iov.iov_len = 8192;
	CHECK_ERRNO(reg_buffers(&iov, 1), -EFAULT);
	munmap(p, 8192);
	close(fd);
	io_uring_queue_exit(&ring);
}

/*
 * Registered buffers are pinned for writing: memory without PROT_WRITE
 * cannot be registered (-EFAULT), alone or as part of a buffer or a table.
 */
TEST(register_readonly_memory)
{
	static const int prots[] = { PROT_READ, PROT_NONE };
	struct iovec iov[2];
	char *rw = map_anon(8192);
	const char *path;
	void *p, *wo;
	int fd;

	test_ring_init(4, &ring, 0);
	for (size_t i = 0; i < ARRAY_SIZE(prots); i++) {
		p = mmap(NULL, 8192, prots[i], MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		REQUIRE_TRUE(p != MAP_FAILED);
		iov[0].iov_base = p;
		iov[0].iov_len = 8192;
		CHECK_ERRNO(reg_buffers(iov, 1), -EFAULT);
		/* a writable buffer first, the read-only one second */
		iov[1] = iov[0];
		iov[0].iov_base = rw;
		iov[0].iov_len = 4096;
		CHECK_ERRNO(reg_buffers(iov, 2), -EFAULT);
		CHECK_ERRNO(io_uring_unregister_buffers(&ring), -ENXIO);
		munmap(p, 8192);
	}
	/* one read-only page at the end of a writable buffer */
	REQUIRE_SYS(mprotect(rw + 4096, 4096, PROT_READ));
	iov[0].iov_base = rw;
	iov[0].iov_len = 8192;
	CHECK_ERRNO(reg_buffers(iov, 1), -EFAULT);
	iov[0].iov_len = 4096;
	CHECK_ERRNO(reg_buffers(iov, 1), 0);
	CHECK_ERRNO(io_uring_unregister_buffers(&ring), 0);
	/* a private read-only mapping of a file */
	fd = test_tmpfile_with("0123456789", 10, &path);
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	REQUIRE_TRUE(p != MAP_FAILED);
	iov[0].iov_base = p;
	iov[0].iov_len = 4096;
	CHECK_ERRNO(reg_buffers(iov, 1), -EFAULT);
	munmap(p, 4096);
	close(fd);
	/* write-only memory can be pinned for writing */
	wo = mmap(NULL, 4096, PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE_TRUE(wo != MAP_FAILED);
	iov[0].iov_base = wo;
	iov[0].iov_len = 4096;
	CHECK_ERRNO(reg_buffers(iov, 1), 0);
	CHECK_ERRNO(io_uring_unregister_buffers(&ring), 0);
	munmap(wo, 4096);
	munmap(rw, 8192);
	io_uring_queue_exit(&ring);
}

static char cb[4][4096];

/* READ_FIXED of 4 bytes of fd into slot idx's buffer (base): the result */
static int read_fixed_on(struct io_uring *r, int fd, int idx, void *base)
{
	struct io_uring_sqe *sqe = test_get_sqe(r);
	struct test_cqe c;

	io_uring_prep_read_fixed(sqe, fd, base, 4, 0, idx);
	CHECK_EQ(test_submit_reap(r, &c, 1), 1);
	return c.res;
}

static int clone_raw(struct io_uring *dst, struct io_uring_clone_buffers *cbuf, unsigned nr)
{
	return io_uring_register(dst->ring_fd, IORING_REGISTER_CLONE_BUFFERS, cbuf, nr);
}

/* IORING_REGISTER_CLONE_BUFFERS: another ring's buffers, whole or a range */
TEST(clone_buffers)
{
	struct iovec iov[4] = { { cb[0], 4096 }, { NULL, 0 }, { cb[2], 4096 }, { cb[3], 4096 } };
	__u64 tags[4] = { 1, 0, 3, 4 }, dtags[4] = { 11, 0, 13, 14 };
	struct io_uring src, dst;
	struct io_uring_clone_buffers c = { 0 };
	struct test_cqe cq[3];
	int fd;

	test_ring_init(8, &src, 0);
	test_ring_init(8, &dst, 0);
	fd = test_tmpfile_with("abcd", 4, NULL);
	c.src_fd = (__u32)src.ring_fd;
	CHECK_EQ(io_uring_clone_buffers(&dst, &src), -ENXIO);
	REQUIRE_EQ(io_uring_register_buffers_tags(&src, iov, tags, 4), 0);
	CHECK_EQ(clone_raw(&dst, &c, 0), -EINVAL);
	CHECK_EQ(clone_raw(&dst, &c, 2), -EINVAL);
	c.flags = 4;
	CHECK_EQ(clone_raw(&dst, &c, 1), -EINVAL);
	c.flags = 0;
	c.pad[1] = 1;
	CHECK_EQ(clone_raw(&dst, &c, 1), -EINVAL);
	c.pad[1] = 0;
	CHECK_EQ(io_uring_clone_buffers_offset(&dst, &src, 1, 0, 0, 0), -EINVAL);
	CHECK_EQ(io_uring_clone_buffers_offset(&dst, &src, 0, 0, 5, 0), -EINVAL);
	CHECK_EQ(io_uring_clone_buffers_offset(&dst, &src, 0, 3, 2, 0), -EOVERFLOW);
	c.src_fd = (__u32)fd;
	CHECK_EQ(clone_raw(&dst, &c, 1), -EOPNOTSUPP);
	c.src_fd = 9999;
	CHECK_EQ(clone_raw(&dst, &c, 1), -EBADF);
	c.src_fd = 0;
	c.flags = IORING_REGISTER_SRC_REGISTERED;
	CHECK_EQ(clone_raw(&dst, &c, 1), -EBADF);
	CHECK_EQ(io_uring_clone_buffers(&dst, &dst), -ENXIO);
	/* all of them: the same memory, the empty slot empty, no tags */
	CHECK_EQ(io_uring_clone_buffers(&dst, &src), 0);
	CHECK_TRUE(test_cq_empty_for(&dst, 0));
	CHECK_EQ(read_fixed_on(&dst, fd, 0, cb[0]), 4);
	CHECK_MEM(cb[0], "abcd", 4);
	CHECK_EQ(read_fixed_on(&dst, fd, 1, cb[0]), -EFAULT);
	CHECK_EQ(read_fixed_on(&dst, fd, 3, cb[3]), 4);
	CHECK_EQ(read_fixed_on(&dst, fd, 4, cb[0]), -EFAULT);
	CHECK_EQ(io_uring_clone_buffers(&dst, &src), -EBUSY);
	CHECK_EQ(io_uring_clone_buffers_offset(&dst, &dst, 0, 0, 0, IORING_REGISTER_DST_REPLACE),
		 0);
	/* the source's tags are its own; the clones outlive its table */
	CHECK_EQ(io_uring_unregister_buffers(&src), 0);
	CHECK_EQ_U(test_reap(&src, cq, 3, 1000), 3);
	CHECK_EQ_U(cq[0].user_data, 4);
	CHECK_EQ_U(cq[1].user_data, 3);
	CHECK_EQ_U(cq[2].user_data, 1);
	CHECK_EQ(read_fixed_on(&dst, fd, 2, cb[2]), 4);
	CHECK_TRUE(test_cq_empty_for(&dst, 0));
	/* REPLACE with offsets: dst's slots outside the range stay */
	REQUIRE_EQ(io_uring_register_buffers_tags(&src, iov, tags, 4), 0);
	CHECK_EQ(io_uring_unregister_buffers(&dst), 0);
	REQUIRE_EQ(io_uring_register_buffers_tags(&dst, iov, dtags, 4), 0);
	CHECK_EQ(io_uring_clone_buffers_offset(&dst, &src, 1, 2, 2, IORING_REGISTER_DST_REPLACE),
		 0);
	CHECK_EQ_U(test_reap(&dst, cq, 1, 1000), 1);
	CHECK_EQ_U(cq[0].user_data, 13);
	CHECK_TRUE(test_cq_empty_for(&dst, 0));
	CHECK_EQ(read_fixed_on(&dst, fd, 0, cb[0]), 4);
	CHECK_EQ(read_fixed_on(&dst, fd, 1, cb[2]), 4);
	CHECK_EQ(read_fixed_on(&dst, fd, 2, cb[3]), 4);
	CHECK_EQ(read_fixed_on(&dst, fd, 3, cb[3]), 4);
	CHECK_EQ(read_fixed_on(&dst, fd, 4, cb[3]), -EFAULT);
	/* past the end: the table grows */
	CHECK_EQ(io_uring_clone_buffers_offset(&dst, &src, 6, 0, 1, IORING_REGISTER_DST_REPLACE),
		 0);
	CHECK_TRUE(test_cq_empty_for(&dst, 0));
	CHECK_EQ(read_fixed_on(&dst, fd, 3, cb[3]), 4);
	CHECK_EQ(read_fixed_on(&dst, fd, 5, cb[0]), -EFAULT);
	CHECK_EQ(read_fixed_on(&dst, fd, 6, cb[0]), 4);
	CHECK_EQ(read_fixed_on(&dst, fd, 7, cb[0]), -EFAULT);
	CHECK_EQ(io_uring_unregister_buffers(&dst), 0);
	CHECK_EQ_U(test_reap(&dst, cq, 2, 1000), 2);
	CHECK_EQ_U(cq[0].user_data, 14);
	CHECK_EQ_U(cq[1].user_data, 11);
	/* a source named by its registered index */
	CHECK_EQ(io_uring_register_ring_fd(&src), 1);
	CHECK_EQ(io_uring_clone_buffers(&dst, &src), 0);
	CHECK_EQ(read_fixed_on(&dst, fd, 3, cb[3]), 4);
	close(fd);
	io_uring_queue_exit(&dst);
	io_uring_queue_exit(&src);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(fixed_rw_data),
		TEST_ENTRY(fixed_file_position),
		TEST_ENTRY(fixed_range_efault),
		TEST_ENTRY(fixed_without_buffers),
		TEST_ENTRY(fixed_sparse_slot),
		TEST_ENTRY(fixed_bad_fd),
		TEST_ENTRY(vfixed_probe),
		TEST_ENTRY(vfixed_data),
		TEST_ENTRY(vfixed_file_position),
		TEST_ENTRY(vfixed_errors),
		TEST_ENTRY(vfixed_without_buffers),
		TEST_ENTRY(vfixed_iopoll),
		TEST_ENTRY(vfixed_pipe),
		TEST_ENTRY(register_buffers_errors),
		TEST_ENTRY(register_file_backed_buffer),
		TEST_ENTRY(register_readonly_memory),
		TEST_ENTRY(clone_buffers),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
