/* SPDX-License-Identifier: MIT */
/*
 * errno fidelity of reads and writes: which error the kernel
 * reports when a request is wrong in more than one way, and the RWF_* checks
 * that do not depend on the length.  Every expected value was probed on
 * Linux 6.18; the kernel run of this program checks them again.
 *
 * The kernel's order for READ/WRITE (io_read/io_write -> io_rw_init_file ->
 * rw_verify_area): the fd (-EBADF), the fixed buffer (-EFAULT), the file's
 * direction (-EBADF), the RWF_* flags (-EOPNOTSUPP, -EINVAL), the IOPOLL
 * refusal of a buffered file (-EOPNOTSUPP), RWF_HIPRI without IOPOLL
 * (-EINVAL), then the offset (-EINVAL below -1).
 */
#include "harness.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/magic.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/vfs.h>

#define RWF_UNKNOWN 0x80000000
#define RWF_UNKNOWN_LOW 0x200 /* the first bit above 6.18's RWF_SUPPORTED */
#define RWF_NOAPPEND_ 0x20
#define RWF_ATOMIC_ 0x40
#define RWF_DONTCACHE_ 0x80

static struct io_uring ring;

/* One SQE: opcode, fd, addr, len, off, rw_flags, buf_index; its result. */
static int rw1(uint8_t op, int fd, void *addr, unsigned len, __u64 off, unsigned rw_flags,
	       unsigned buf_index)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);
	struct test_cqe c = { 0 };

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = op;
	sqe->fd = fd;
	sqe->addr = (uintptr_t)addr;
	sqe->len = len;
	sqe->off = off;
	sqe->rw_flags = (int)rw_flags;
	sqe->buf_index = (__u16)buf_index;
	sqe->user_data = 0xe770;
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ_U(c.user_data, 0xe770);
	return c.res;
}

/* A temporary file with 16 bytes, opened again read-only and write-only. */
struct files {
	int rw, ro, wo;
};

static struct files open_files(void)
{
	const char *path;
	struct files f;

	f.rw = test_tmpfile_with("0123456789abcdef", 16, &path);
	f.ro = open(path, O_RDONLY | O_CLOEXEC);
	f.wo = open(path, O_WRONLY | O_CLOEXEC);
	REQUIRE_GE(f.ro, 0);
	REQUIRE_GE(f.wo, 0);
	return f;
}

static void close_files(struct files *f)
{
	close(f->rw);
	close(f->ro);
	close(f->wo);
}

/* Unknown RWF_* bits are refused whatever the length, 0 included. */
TEST(unknown_rwf_bits_any_length)
{
	static const unsigned bad[] = { RWF_UNKNOWN, RWF_UNKNOWN_LOW };
	static const uint8_t ops[] = { IORING_OP_READ, IORING_OP_WRITE };
	struct files f;
	char buf[16];
	int p[2];

	test_ring_init(8, &ring, 0);
	f = open_files();
	REQUIRE_SYS(pipe(p));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(ops); j++) {
			CHECK_EQ(rw1(ops[j], f.rw, buf, 0, 0, bad[i], 0), -EOPNOTSUPP);
			CHECK_EQ(rw1(ops[j], f.rw, buf, 8, 0, bad[i], 0), -EOPNOTSUPP);
			CHECK_EQ(rw1(ops[j], f.rw, buf, 0, -1ULL, bad[i], 0), -EOPNOTSUPP);
			CHECK_EQ(rw1(ops[j], ops[j] == IORING_OP_READ ? p[0] : p[1], buf, 0, 0,
				     bad[i], 0),
				 -EOPNOTSUPP);
		}
		/* no iovec at all */
		CHECK_EQ(rw1(IORING_OP_READV, f.rw, NULL, 0, 0, bad[i], 0), -EOPNOTSUPP);
		CHECK_EQ(rw1(IORING_OP_WRITEV, f.rw, NULL, 0, 0, bad[i], 0), -EOPNOTSUPP);
	}
	/* RWF_APPEND with RWF_NOAPPEND, RWF_ATOMIC on a read: refused at length 0 too */
	CHECK_EQ(rw1(IORING_OP_READ, f.rw, buf, 0, 0, RWF_APPEND | RWF_NOAPPEND_, 0), -EINVAL);
	CHECK_EQ(rw1(IORING_OP_WRITE, f.rw, buf, 0, 0, RWF_APPEND | RWF_NOAPPEND_, 0), -EINVAL);
	CHECK_EQ(rw1(IORING_OP_READ, f.rw, buf, 8, 0, RWF_APPEND | RWF_NOAPPEND_, 0), -EINVAL);
	CHECK_EQ(rw1(IORING_OP_READ, f.rw, buf, 0, 0, RWF_ATOMIC_, 0), -EOPNOTSUPP);
	CHECK_EQ(rw1(IORING_OP_READ, p[0], buf, 0, 0, RWF_ATOMIC_, 0), -EOPNOTSUPP);
	/* the bits 6.18 knows, at length 0 on a regular file: fine */
	CHECK_EQ(rw1(IORING_OP_READ, f.rw, buf, 0, 0, RWF_DSYNC | RWF_SYNC, 0), 0);
	CHECK_EQ(rw1(IORING_OP_WRITE, f.rw, buf, 0, 0, RWF_APPEND, 0), 0);
	close(p[0]);
	close(p[1]);
	close_files(&f);
	io_uring_queue_exit(&ring);
}

/* Two faults in one request: the one the kernel checks first wins. */
TEST(check_order_plain)
{
	struct files f;
	char buf[16];

	test_ring_init(8, &ring, 0);
	f = open_files();
	/* the fd before the offset and the flags */
	CHECK_EQ(rw1(IORING_OP_READ, -1, buf, 8, -2ULL, 0, 0), -EBADF);
	CHECK_EQ(rw1(IORING_OP_READ, 9999, buf, 8, 0, RWF_UNKNOWN, 0), -EBADF);
	CHECK_EQ(rw1(IORING_OP_READ, -1, buf, 8, 0, RWF_HIPRI, 0), -EBADF);
	/* the direction before the flags, RWF_HIPRI and the offset */
	CHECK_EQ(rw1(IORING_OP_READ, f.wo, buf, 8, -2ULL, 0, 0), -EBADF);
	CHECK_EQ(rw1(IORING_OP_WRITE, f.ro, buf, 8, -2ULL, 0, 0), -EBADF);
	CHECK_EQ(rw1(IORING_OP_READ, f.wo, buf, 8, 0, RWF_UNKNOWN, 0), -EBADF);
	CHECK_EQ(rw1(IORING_OP_READ, f.wo, buf, 8, 0, RWF_HIPRI, 0), -EBADF);
	CHECK_EQ(rw1(IORING_OP_WRITE, f.ro, buf, 0, 0, RWF_APPEND | RWF_NOAPPEND_, 0), -EBADF);
	/* the flags before the offset */
	CHECK_EQ(rw1(IORING_OP_READ, f.rw, buf, 8, -2ULL, RWF_UNKNOWN, 0), -EOPNOTSUPP);
	CHECK_EQ(rw1(IORING_OP_READ, f.rw, buf, 0, -2ULL, RWF_APPEND | RWF_NOAPPEND_, 0),
		 -EINVAL);
	CHECK_EQ(rw1(IORING_OP_WRITE, f.rw, buf, 8, -2ULL, RWF_UNKNOWN, 0), -EOPNOTSUPP);
	/* a bad buffer address is caught before the file (at prep) */
	CHECK_EQ(rw1(IORING_OP_READ, f.wo, (void *)0xffffffffffff0000ULL, 8, 0, 0, 0), -EFAULT);
	close_files(&f);
	io_uring_queue_exit(&ring);
}

/* READ_FIXED/WRITE_FIXED: the registered buffer is checked before the file's mode. */
TEST(check_order_fixed)
{
	struct files f;
	struct iovec iov;
	char *b = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	REQUIRE_TRUE(b != MAP_FAILED);
	test_ring_init(8, &ring, 0);
	f = open_files();
	iov.iov_base = b;
	iov.iov_len = 4096;
	REQUIRE_EQ(io_uring_register_buffers(&ring, &iov, 1), 0);
	CHECK_EQ(rw1(IORING_OP_READ_FIXED, f.wo, b, 8, 0, 0, 5), -EFAULT);
	CHECK_EQ(rw1(IORING_OP_WRITE_FIXED, f.ro, b, 8, 0, 0, 5), -EFAULT);
	CHECK_EQ(rw1(IORING_OP_READ_FIXED, f.wo, b + 4096, 8, 0, 0, 0), -EFAULT);
	/* but the fd comes first */
	CHECK_EQ(rw1(IORING_OP_READ_FIXED, -1, b, 8, 0, 0, 5), -EBADF);
	CHECK_EQ(rw1(IORING_OP_READ_FIXED, 9999, b, 8, 0, 0, 5), -EBADF);
	/* the buffer before the flags and the offset */
	CHECK_EQ(rw1(IORING_OP_READ_FIXED, f.rw, b, 8, -2ULL, 0, 5), -EFAULT);
	CHECK_EQ(rw1(IORING_OP_READ_FIXED, f.rw, b, 8, 0, RWF_UNKNOWN, 5), -EFAULT);
	/* a good buffer: then the direction, then the flags */
	CHECK_EQ(rw1(IORING_OP_READ_FIXED, f.wo, b, 8, 0, RWF_UNKNOWN, 0), -EBADF);
	CHECK_EQ(rw1(IORING_OP_READ_FIXED, f.rw, b, 8, -2ULL, RWF_UNKNOWN, 0), -EOPNOTSUPP);
	CHECK_EQ(rw1(IORING_OP_READ_FIXED, f.rw, b, 8, 0, 0, 0), 8);
	CHECK_MEM(b, "01234567", 8);
	close_files(&f);
	io_uring_queue_exit(&ring);
	munmap(b, 4096);
}

/*
 * An IOPOLL ring refuses a buffered file (-EOPNOTSUPP), but only after the
 * fd, the fixed buffer, the file's direction and the RWF_* flags.
 */
TEST(check_order_iopoll)
{
	struct files f;
	struct iovec iov;
	char *b = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int p[2];

	REQUIRE_TRUE(b != MAP_FAILED);
	test_ring_init(8, &ring, IORING_SETUP_IOPOLL);
	f = open_files();
	REQUIRE_SYS(pipe(p));
	iov.iov_base = b;
	iov.iov_len = 4096;
	REQUIRE_EQ(io_uring_register_buffers(&ring, &iov, 1), 0);
	CHECK_EQ(rw1(IORING_OP_READ, -1, b, 8, 0, 0, 0), -EBADF);
	CHECK_EQ(rw1(IORING_OP_READ, f.rw, (void *)0xffffffffffff0000ULL, 8, 0, 0, 0), -EFAULT);
	CHECK_EQ(rw1(IORING_OP_READ_FIXED, f.rw, b, 8, 0, 0, 3), -EFAULT);
	CHECK_EQ(rw1(IORING_OP_READ, f.wo, b, 8, 0, 0, 0), -EBADF);
	CHECK_EQ(rw1(IORING_OP_WRITE, f.ro, b, 8, 0, 0, 0), -EBADF);
	CHECK_EQ(rw1(IORING_OP_READ, f.rw, b, 8, 0, RWF_APPEND | RWF_NOAPPEND_, 0), -EINVAL);
	CHECK_EQ(rw1(IORING_OP_READ, f.rw, b, 8, 0, RWF_UNKNOWN, 0), -EOPNOTSUPP);
	/* the refusal itself, before the offset; on a pipe too */
	CHECK_EQ(rw1(IORING_OP_READ, f.rw, b, 8, -2ULL, 0, 0), -EOPNOTSUPP);
	CHECK_EQ(rw1(IORING_OP_READ, f.rw, b, 0, 0, 0, 0), -EOPNOTSUPP);
	CHECK_EQ(rw1(IORING_OP_READ, p[0], b, 8, -2ULL, 0, 0), -EOPNOTSUPP);
	close(p[0]);
	close(p[1]);
	close_files(&f);
	io_uring_queue_exit(&ring);
	munmap(b, 4096);
}

/*
 * Offsets on streams: a pipe ignores any offset from -1 up, a socket takes
 * only 0 and -1 (sock_read_iter/sock_write_iter: -ESPIPE, even at length 0
 * and with nothing to read); below -1 is -EINVAL for both.
 */
TEST(stream_offsets)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM };
	char buf[8];
	struct iovec iov = { buf, sizeof(buf) };
	int p[2], s[2];

	test_ring_init(8, &ring, 0);
	REQUIRE_SYS(pipe(p));
	CHECK_EQ(rw1(IORING_OP_WRITE, p[1], "pipedata", 8, 5, 0, 0), 8);
	CHECK_EQ(rw1(IORING_OP_READ, p[0], buf, 4, 5, 0, 0), 4);
	CHECK_EQ(rw1(IORING_OP_READV, p[0], &iov, 1, 12345, 0, 0), 4);
	CHECK_EQ(rw1(IORING_OP_READ, p[0], buf, 0, 7, 0, 0), 0);
	CHECK_EQ(rw1(IORING_OP_WRITE, p[1], "x", 1, -2ULL, 0, 0), -EINVAL);
	close(p[0]);
	close(p[1]);
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		REQUIRE_SYS(socketpair(AF_UNIX, types[i], 0, s));
		/* nothing to read: refused at once, not waited for */
		CHECK_EQ(rw1(IORING_OP_READ, s[0], buf, 8, 5, 0, 0), -ESPIPE);
		CHECK_EQ(rw1(IORING_OP_WRITE, s[1], "sockdata", 8, 5, 0, 0), -ESPIPE);
		CHECK_EQ(rw1(IORING_OP_WRITEV, s[1], &iov, 1, 1, 0, 0), -ESPIPE);
		CHECK_EQ(rw1(IORING_OP_WRITE, s[1], "sockdata", 8, 0, 0, 0), 8);
		CHECK_EQ(rw1(IORING_OP_WRITE, s[1], "sockdata", 8, -1ULL, 0, 0), 8);
		/* data waiting: still refused, and left in the socket */
		CHECK_EQ(rw1(IORING_OP_READ, s[0], buf, 8, 4096, 0, 0), -ESPIPE);
		CHECK_EQ(rw1(IORING_OP_READV, s[0], &iov, 1, 8, 0, 0), -ESPIPE);
		CHECK_EQ(rw1(IORING_OP_READ, s[0], buf, 0, 5, 0, 0), -ESPIPE);
		CHECK_EQ(rw1(IORING_OP_READ, s[0], buf, 8, -2ULL, 0, 0), -EINVAL);
		CHECK_EQ(rw1(IORING_OP_READ, s[0], buf, 8, 0, 0, 0), 8);
		CHECK_EQ(rw1(IORING_OP_READ, s[0], buf, 8, -1ULL, 0, 0), 8);
		close(s[0]);
		close(s[1]);
	}
	io_uring_queue_exit(&ring);
}

/* rw1() with SQE flags (IOSQE_ASYNC). */
static int rw1_async(uint8_t op, int fd, void *addr, unsigned len, __u64 off, unsigned rw_flags)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);
	struct test_cqe c = { 0 };

	io_uring_prep_rw(op, sqe, fd, addr, len, off);
	sqe->rw_flags = (int)rw_flags;
	sqe->flags = IOSQE_ASYNC;
	sqe->user_data = 0xa5c;
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ_U(c.user_data, 0xa5c);
	return c.res;
}

/*
 * A socket at an offset other than 0 and -1 with RWF_NOWAIT and nothing to
 * move: sock_read_iter()/sock_write_iter() still say -ESPIPE, inline and
 * from io-wq (fuzzer, seed 6 batch 367: a linked IOSQE_ASYNC READ).
 */
TEST(socket_offset_nowait_zero_length)
{
	char buf[8];
	int s[2];

	test_ring_init(8, &ring, 0);
	REQUIRE_SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, s));
	CHECK_EQ(rw1(IORING_OP_READ, s[0], buf, 0, 5, RWF_NOWAIT, 0), -ESPIPE);
	CHECK_EQ(rw1_async(IORING_OP_READ, s[0], buf, 0, 5, RWF_NOWAIT), -ESPIPE);
	CHECK_EQ(rw1_async(IORING_OP_WRITE, s[1], buf, 0, 5, RWF_NOWAIT), -ESPIPE);
	CHECK_EQ(rw1_async(IORING_OP_READ, s[0], buf, 0, 0, RWF_NOWAIT), 0);
	CHECK_EQ(rw1_async(IORING_OP_READ, s[0], buf, 0, -1ULL, RWF_NOWAIT), 0);
	close(s[0]);
	close(s[1]);
	io_uring_queue_exit(&ring);
}

static bool fd_on(int fd, long magic)
{
	struct statfs sfs;

	return fstatfs(fd, &sfs) == 0 && sfs.f_type == magic;
}

/*
 * RWF_NOWAIT on a buffered write to ext4: io_uring answers -EAGAIN at submit
 * (the file system cannot write buffered without blocking), whatever the
 * length; with IOSQE_ASYNC io-wq drops the flag and writes.  A cold read
 * with RWF_NOWAIT and IOSQE_ASYNC reads too.
 */
TEST(nowait_buffered_ext4)
{
	char buf[4096], back[4096];
	int fd;

	test_ring_init(8, &ring, 0);
	fd = test_tmpfile(NULL);
	if (!fd_on(fd, EXT4_SUPER_MAGIC)) {
		close(fd);
		io_uring_queue_exit(&ring);
		SKIP_CASE(SKIP_ENVIRONMENT, "the temporary directory is not on ext4");
	}
	test_fill_random(buf, sizeof(buf), 3);
	CHECK_EQ(rw1(IORING_OP_WRITE, fd, buf, 8, 0, RWF_NOWAIT, 0), -EAGAIN);
	CHECK_EQ(rw1(IORING_OP_WRITE, fd, buf, 0, 0, RWF_NOWAIT, 0), -EAGAIN);
	CHECK_EQ(rw1(IORING_OP_WRITE, fd, buf, 8, -1ULL, RWF_NOWAIT, 0), -EAGAIN);
	CHECK_EQ(rw1(IORING_OP_WRITEV, fd, NULL, 0, 0, RWF_NOWAIT, 0), -EAGAIN);
	/* io_write()'s -EAGAIN comes before the offset check */
	CHECK_EQ(rw1(IORING_OP_WRITE, fd, buf, 8, -2ULL, RWF_NOWAIT, 0), -EAGAIN);
	CHECK_EQ(pread(fd, back, 8, 0), 0); /* nothing was written */
	/* a chain left open at the end of a submit goes to io-wq: written */
	{
		struct io_uring_sqe *sqe = test_get_sqe(&ring);
		struct test_cqe c = { 0 };

		io_uring_prep_write(sqe, fd, buf, 8, 0);
		sqe->rw_flags = RWF_NOWAIT;
		sqe->flags = IOSQE_IO_LINK;
		sqe->user_data = 0x11c;
		CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
		CHECK_EQ(c.res, 8);
	}
	CHECK_EQ(rw1_async(IORING_OP_WRITE, fd, buf, sizeof(buf), 0, RWF_NOWAIT), 4096);
	CHECK_EQ(rw1_async(IORING_OP_WRITE, fd, buf, 0, 0, RWF_NOWAIT), 0);
	REQUIRE_SYS(fsync(fd));
	REQUIRE_SYS(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED));
	memset(back, 0, sizeof(back));
	CHECK_EQ(rw1_async(IORING_OP_READ, fd, back, sizeof(back), 0, RWF_NOWAIT), 4096);
	CHECK_MEM(back, buf, sizeof(back));
	/* reads take RWF_NOWAIT at submit: a cached read, and length 0 */
	CHECK_EQ(rw1(IORING_OP_READ, fd, back, 8, 0, RWF_NOWAIT, 0), 8);
	CHECK_EQ(rw1(IORING_OP_READ, fd, back, 0, 0, RWF_NOWAIT, 0), 0);
	close(fd);
	io_uring_queue_exit(&ring);
}

/* A file that does not take RWF_NOWAIT at all (tmpfs): -EOPNOTSUPP, any length, any path. */
TEST(nowait_refused_tmpfs)
{
	char path[] = "/dev/shm/ringer-errno-XXXXXX", buf[8] = "tmpfsdat";
	int fd = mkstemp(path);

	if (fd < 0 || !fd_on(fd, TMPFS_MAGIC)) {
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		SKIP_CASE(SKIP_ENVIRONMENT, "no tmpfs at /dev/shm");
	}
	unlink(path);
	test_ring_init(8, &ring, 0);
	CHECK_EQ(rw1(IORING_OP_WRITE, fd, buf, 8, 0, RWF_NOWAIT, 0), -EOPNOTSUPP);
	CHECK_EQ(rw1(IORING_OP_WRITE, fd, buf, 0, 0, RWF_NOWAIT, 0), -EOPNOTSUPP);
	CHECK_EQ(rw1(IORING_OP_READ, fd, buf, 0, 0, RWF_NOWAIT, 0), -EOPNOTSUPP);
	CHECK_EQ(rw1_async(IORING_OP_WRITE, fd, buf, 8, 0, RWF_NOWAIT), -EOPNOTSUPP);
	/* the flags before the offset */
	CHECK_EQ(rw1(IORING_OP_WRITE, fd, buf, 8, -2ULL, RWF_NOWAIT, 0), -EOPNOTSUPP);
	CHECK_EQ(rw1(IORING_OP_READ, fd, buf, 8, -2ULL, RWF_NOWAIT, 0), -EOPNOTSUPP);
	CHECK_EQ(rw1_async(IORING_OP_READ, fd, buf, 8, 0, RWF_NOWAIT), -EOPNOTSUPP);
	CHECK_EQ(rw1(IORING_OP_WRITE, fd, buf, 0, 0, RWF_DONTCACHE_, 0), -EOPNOTSUPP);
	CHECK_EQ(rw1(IORING_OP_WRITE, fd, buf, 8, 0, 0, 0), 8);
	close(fd);
	io_uring_queue_exit(&ring);
}

/* Flags the file does not take are refused at length 0 as at any length. */
TEST(file_flags_at_length_zero)
{
	const char *path;
	char buf[8];
	int fd, ro, nul, p[2], s[2];

	test_ring_init(8, &ring, 0);
	fd = test_tmpfile_with("0123456789", 10, &path);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	REQUIRE_GE(ro, 0);
	REQUIRE_GE(nul, 0);
	REQUIRE_SYS(pipe(p));
	REQUIRE_SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, s));
	/* no atomic writes on a buffered file, a pipe or a socket */
	CHECK_EQ(rw1(IORING_OP_WRITE, fd, buf, 0, 0, RWF_ATOMIC_, 0), -EOPNOTSUPP);
	CHECK_EQ(rw1(IORING_OP_WRITE, p[1], buf, 0, 0, RWF_ATOMIC_, 0), -EOPNOTSUPP);
	CHECK_EQ(rw1(IORING_OP_WRITE, s[0], buf, 0, 0, RWF_ATOMIC_, 0), -EOPNOTSUPP);
	/* no uncached I/O on a pipe or a socket */
	CHECK_EQ(rw1(IORING_OP_READ, p[0], buf, 0, 0, RWF_DONTCACHE_, 0), -EOPNOTSUPP);
	CHECK_EQ(rw1(IORING_OP_WRITE, p[1], buf, 0, 0, RWF_DONTCACHE_, 0), -EOPNOTSUPP);
	CHECK_EQ(rw1(IORING_OP_WRITE, s[0], buf, 0, 0, RWF_DONTCACHE_, 0), -EOPNOTSUPP);
	/* what they take is fine at length 0 */
	CHECK_EQ(rw1(IORING_OP_WRITE, p[1], buf, 0, 0, RWF_NOWAIT, 0), 0);
	CHECK_EQ(rw1(IORING_OP_READ, s[1], buf, 0, 0, RWF_NOWAIT, 0), 0);
	CHECK_EQ(rw1(IORING_OP_WRITE, s[0], buf, 0, 0, RWF_NOWAIT, 0), 0);
	CHECK_EQ(rw1(IORING_OP_WRITE, p[1], buf, 0, 0, RWF_NOAPPEND_, 0), 0);
	/* a character device and a socket at an offset: the flags first */
	CHECK_EQ(rw1(IORING_OP_WRITE, nul, buf, 0, 0, RWF_DONTCACHE_, 0), -EOPNOTSUPP);
	CHECK_EQ(rw1(IORING_OP_WRITE, nul, buf, 0, 0, RWF_ATOMIC_, 0), -EOPNOTSUPP);
	CHECK_EQ(rw1(IORING_OP_WRITE, nul, buf, 0, 0, RWF_NOWAIT, 0), 0);
	CHECK_EQ(rw1(IORING_OP_WRITE, s[0], "sockdata", 8, 36, RWF_DONTCACHE_, 0), -EOPNOTSUPP);
	/* the file's direction before the flags */
	CHECK_EQ(rw1(IORING_OP_WRITE, ro, buf, 0, 0, RWF_DONTCACHE_, 0), -EBADF);
	CHECK_EQ(rw1(IORING_OP_WRITE, ro, buf, 0, 0, RWF_NOWAIT, 0), -EBADF);
	/* and at length 8 the same refusals */
	CHECK_EQ(rw1(IORING_OP_WRITE, p[1], "pipedata", 8, 0, RWF_DONTCACHE_, 0), -EOPNOTSUPP);
	CHECK_EQ(rw1(IORING_OP_WRITE, fd, "filedata", 8, 0, RWF_ATOMIC_, 0), -EOPNOTSUPP);
	close(ro);
	close(nul);
	close(p[0]);
	close(p[1]);
	close(s[0]);
	close(s[1]);
	close(fd);
	io_uring_queue_exit(&ring);
}

/* IORING_REGISTER_QUERY's header and its OPCODES answer (Linux 6.18). */
struct query_hdr {
	__u64 next_entry, query_data;
	__u32 query_op, size;
	__s32 result;
	__u32 resv[3];
};

struct query_opcode {
	__u32 nr_request_opcodes, nr_register_opcodes;
	__u64 feature_flags, ring_setup_flags, enter_flags, sqe_flags;
	__u32 nr_query_opcodes, pad;
};

static int query(int fd, struct query_hdr *h, void *data, __u32 size, __u32 op)
{
	memset(h, 0, sizeof(*h));
	memset(data, 0xee, size);
	h->query_data = (uintptr_t)data;
	h->size = size;
	h->query_op = op;
	return io_uring_register(fd, IORING_REGISTER_QUERY, h, 0);
}

/* QUERY's answer describes the rings this backend makes: their features, the probe. */
static void check_query_describes(const struct query_opcode *q, unsigned features,
				  struct io_uring *ring)
{
	struct io_uring_probe *probe = io_uring_get_probe_ring(ring);

	CHECK_EQ_U(q->feature_flags, features);
	CHECK_EQ_U(q->sqe_flags, 0x7f);
	CHECK_EQ_U(q->enter_flags & 0xf, 0xf); /* GETEVENTS, SQ_WAKEUP, SQ_WAIT, EXT_ARG */
	CHECK_EQ_U(q->nr_query_opcodes, 1);
	REQUIRE_TRUE(probe);
	CHECK_EQ_U(q->nr_request_opcodes, probe->last_op + 1U);
	io_uring_free_probe(probe);
}

/*
 * io_uring_register(-1, QUERY): no ring needed; the answer goes to the
 * buffer, malformed headers are answered in their result field.
 */
TEST(register_blind_query)
{
	unsigned char data[64], data2[64];
	struct query_opcode *q = (struct query_opcode *)data;
	struct query_hdr h, h2;

	test_ring_init(4, &ring, 0);
	CHECK_EQ(query(-1, &h, data, sizeof(data), 0), 0);
	CHECK_EQ(h.result, 0);
	CHECK_EQ_U(h.size, sizeof(*q));
	check_query_describes(q, ring.features, &ring);
	for (size_t i = sizeof(*q); i < sizeof(data); i++)
		CHECK_EQ(data[i], 0); /* the rest of the buffer is cleared */
	/* a short buffer gets what fits */
	memset(data, 0xee, sizeof(data));
	CHECK_EQ(query(-1, &h, data, 8, 0), 0);
	CHECK_EQ(h.result, 0);
	CHECK_EQ_U(h.size, 8);
	CHECK_GT(q->nr_request_opcodes, IORING_OP_READ);
	CHECK_EQ(data[8], 0xee);
	/* on a ring fd: the same answer */
	CHECK_EQ(query(ring.ring_fd, &h, data, sizeof(data), 0), 0);
	CHECK_EQ(h.result, 0);
	check_query_describes(q, ring.features, &ring);
	/* two headers in a chain */
	query(-1, &h2, data2, sizeof(data2), 0);
	query(-1, &h, data, sizeof(data), 5);
	h.next_entry = (uintptr_t)&h2;
	CHECK_EQ(io_uring_register(-1, IORING_REGISTER_QUERY, &h, 0), 0);
	CHECK_EQ(h.result, -EOPNOTSUPP); /* an unknown query: answered in the header */
	CHECK_EQ_U(h.size, 0);
	CHECK_EQ(data[0], 0); /* ...and its buffer cleared */
	CHECK_EQ(h2.result, 0);
	CHECK_EQ_U(h2.size, sizeof(*q));
	/* malformed headers */
	query(-1, &h, data, sizeof(data), 0);
	h.resv[1] = 1;
	CHECK_EQ(io_uring_register(-1, IORING_REGISTER_QUERY, &h, 0), 0);
	CHECK_EQ(h.result, -EINVAL);
	query(-1, &h, data, sizeof(data), 0);
	h.result = 3;
	CHECK_EQ(io_uring_register(-1, IORING_REGISTER_QUERY, &h, 0), 0);
	CHECK_EQ(h.result, -EINVAL);
	query(-1, &h, data, 0, 0);
	CHECK_EQ(io_uring_register(-1, IORING_REGISTER_QUERY, &h, 0), 0);
	CHECK_EQ(h.result, -EINVAL);
	/* what the call itself refuses */
	CHECK_ERRNO(io_uring_register(-1, IORING_REGISTER_QUERY, &h, 1), -EINVAL);
	CHECK_ERRNO(io_uring_register(-1, IORING_REGISTER_QUERY, (void *)8, 0), -EFAULT);
	CHECK_ERRNO(io_uring_register(-1, IORING_REGISTER_QUERY, NULL, 0), 0);
	CHECK_ERRNO(io_uring_register(-1, IORING_REGISTER_QUERY | IORING_REGISTER_USE_REGISTERED_RING,
				      NULL, 0),
		    0);
	/* other opcodes need a ring */
	CHECK_ERRNO(io_uring_register(-1, IORING_REGISTER_PROBE, NULL, 0), -EINVAL);
	CHECK_ERRNO(io_uring_register(-1, IORING_REGISTER_BUFFERS, NULL, 0), -EINVAL);
	CHECK_ERRNO(io_uring_register(-1, IORING_REGISTER_LAST + 5, NULL, 0), -EINVAL);
	io_uring_queue_exit(&ring);
}

static void msg_sqe(struct io_uring_sqe *sqe, int fd, __u64 ud, unsigned len)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_MSG_RING;
	sqe->fd = fd;
	sqe->off = ud;
	sqe->len = len;
	sqe->addr = IORING_MSG_DATA;
}

/* io_uring_register(-1, SEND_MSG_RING): a CQE posted to a ring, from no ring. */
TEST(register_blind_send_msg_ring)
{
	struct io_uring_sqe sqe;
	struct test_cqe c[2];
	struct io_uring disabled;
	int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	REQUIRE_GE(null_fd, 0);
	test_ring_init(4, &ring, 0);
	msg_sqe(&sqe, ring.ring_fd, 0xb11d, 77);
	CHECK_ERRNO(io_uring_register(-1, IORING_REGISTER_SEND_MSG_RING, &sqe, 1), 0);
	msg_sqe(&sqe, ring.ring_fd, 0xb11e, 0);
	sqe.msg_ring_flags = IORING_MSG_RING_FLAGS_PASS;
	sqe.file_index = 0x40;
	CHECK_ERRNO(io_uring_register(-1, IORING_REGISTER_SEND_MSG_RING, &sqe, 1), 0);
	REQUIRE_EQ(test_reap(&ring, c, 2, 1000), 2);
	CHECK_EQ_U(c[0].user_data, 0xb11d);
	CHECK_EQ(c[0].res, 77);
	CHECK_EQ_U(c[0].flags, 0);
	CHECK_EQ_U(c[1].user_data, 0xb11e);
	CHECK_EQ(c[1].res, 0);
	CHECK_EQ_U(c[1].flags, 0x40);
	/* refusals: the SQE first, then the target, then the message's fields */
	msg_sqe(&sqe, -1, 1, 1);
	CHECK_ERRNO(io_uring_register(-1, IORING_REGISTER_SEND_MSG_RING, &sqe, 1), -EBADF);
	msg_sqe(&sqe, null_fd, 1, 1);
	CHECK_ERRNO(io_uring_register(-1, IORING_REGISTER_SEND_MSG_RING, &sqe, 1), -EBADFD);
	msg_sqe(&sqe, ring.ring_fd, 1, 1);
	sqe.file_index = 3;
	CHECK_ERRNO(io_uring_register(-1, IORING_REGISTER_SEND_MSG_RING, &sqe, 1), -EINVAL);
	msg_sqe(&sqe, ring.ring_fd, 1, 1);
	sqe.addr3 = 5;
	CHECK_ERRNO(io_uring_register(-1, IORING_REGISTER_SEND_MSG_RING, &sqe, 1), -EINVAL);
	msg_sqe(&sqe, -1, 1, 1);
	sqe.addr = 1; /* IORING_MSG_SEND_FD needs a source ring: before the target */
	CHECK_ERRNO(io_uring_register(-1, IORING_REGISTER_SEND_MSG_RING, &sqe, 1), -EINVAL);
	msg_sqe(&sqe, -1, 1, 1);
	sqe.flags = IOSQE_ASYNC;
	CHECK_ERRNO(io_uring_register(-1, IORING_REGISTER_SEND_MSG_RING, &sqe, 1), -EINVAL);
	msg_sqe(&sqe, -1, 1, 1);
	sqe.opcode = IORING_OP_NOP;
	CHECK_ERRNO(io_uring_register(-1, IORING_REGISTER_SEND_MSG_RING, &sqe, 1), -EINVAL);
	CHECK_ERRNO(io_uring_register(-1, IORING_REGISTER_SEND_MSG_RING, &sqe, 2), -EINVAL);
	CHECK_ERRNO(io_uring_register(-1, IORING_REGISTER_SEND_MSG_RING, NULL, 1), -EINVAL);
	CHECK_ERRNO(io_uring_register(-1, IORING_REGISTER_SEND_MSG_RING, (void *)8, 1), -EFAULT);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	/* a ring not enabled yet */
	test_ring_init(4, &disabled, IORING_SETUP_R_DISABLED);
	msg_sqe(&sqe, disabled.ring_fd, 1, 1);
	CHECK_ERRNO(io_uring_register(-1, IORING_REGISTER_SEND_MSG_RING, &sqe, 1), -EBADFD);
	io_uring_queue_exit(&disabled);
	io_uring_queue_exit(&ring);
	close(null_fd);
}

/* Refuse io_uring as a container profile does (-ENOSYS for the three calls). */
static void refuse_io_uring(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 425, 0, 2),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 427, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(f), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		_exit(3);
}

/*
 * Where the kernel refuses io_uring, the library's auto backend runs rings
 * on the engine, and the blind opcodes are answered by the engine too:
 * QUERY describes the engine's rings, a message reaches one.
 */
TEST(register_blind_kernel_refuses)
{
	pid_t pid = fork();
	int status;

	REQUIRE_GE(pid, 0);
	if (!pid) {
		unsigned char data[64];
		struct query_opcode *q = (struct query_opcode *)data;
		struct io_uring_sqe sqe;
		struct io_uring_cqe *cqe;
		struct query_hdr h;

		refuse_io_uring();
		ringer_set_backend(RINGER_BACKEND_AUTO);
		if (syscall(__NR_io_uring_register, -1, IORING_REGISTER_QUERY, NULL, 0) != -1 ||
		    errno != ENOSYS)
			_exit(4); /* the filter is not in place */
		test_ring_init(4, &ring, 0);
		if (ringer_ring_backend(&ring) != RINGER_BACKEND_USER)
			_exit(5);
		CHECK_EQ(query(-1, &h, data, sizeof(data), 0), 0);
		CHECK_EQ(h.result, 0);
		check_query_describes(q, ring.features, &ring);
		msg_sqe(&sqe, ring.ring_fd, 0xdead, 9);
		CHECK_ERRNO(io_uring_register(-1, IORING_REGISTER_SEND_MSG_RING, &sqe, 1), 0);
		CHECK_EQ(test_wait_cqe_ms(&ring, &cqe, 1000), 0);
		CHECK_EQ_U(cqe ? cqe->user_data : 0, 0xdead);
		msg_sqe(&sqe, 0, 1, 1); /* stdin: not a ring */
		CHECK_ERRNO(io_uring_register(-1, IORING_REGISTER_SEND_MSG_RING, &sqe, 1), -EBADFD);
		io_uring_queue_exit(&ring);
		fflush(stdout);
		_exit(harness_case_failures ? 1 : 0);
	}
	REQUIRE_EQ(waitpid(pid, &status, 0), pid);
	REQUIRE_TRUE(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
}

/*
 * A directory has read() but no read_iter(): io_uring's loop ignores the
 * flags any file takes (-EISDIR as for a plain read), preadv2 refuses them
 * all; the flags a directory does not take are still refused.
 */
TEST(directory_reads)
{
	static const unsigned taken[] = { RWF_DSYNC, RWF_SYNC, RWF_NOAPPEND_, 0x100 };
	char buf[16];
	int d = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	REQUIRE_GE(d, 0);
	test_ring_init(8, &ring, 0);
	for (size_t i = 0; i < ARRAY_SIZE(taken); i++) {
		CHECK_EQ(rw1(IORING_OP_READ, d, buf, 8, 0, taken[i], 0), -EISDIR);
		CHECK_EQ(rw1(IORING_OP_READ, d, buf, 8, -1ULL, taken[i], 0), -EISDIR);
		CHECK_EQ(rw1(IORING_OP_READ, d, buf, 0, 0, taken[i], 0), 0);
	}
	CHECK_EQ(rw1(IORING_OP_READ, d, buf, 8, 0, 0, 0), -EISDIR);
	CHECK_EQ(rw1(IORING_OP_READ, d, buf, 8, 0, RWF_NOWAIT, 0), -EOPNOTSUPP);
	CHECK_EQ(rw1(IORING_OP_READ, d, buf, 0, 0, RWF_NOWAIT, 0), -EOPNOTSUPP);
	CHECK_EQ(rw1(IORING_OP_READ, d, buf, 8, 0, RWF_DONTCACHE_, 0), -EOPNOTSUPP);
	CHECK_EQ(rw1(IORING_OP_READ, d, buf, 0, 0, RWF_DONTCACHE_, 0), -EOPNOTSUPP);
	close(d);
	io_uring_queue_exit(&ring);
}

/* IOSQE_BUFFER_SELECT on a closed fd: -EBADF before any buffer is looked for. */
TEST(buffer_select_bad_fd)
{
	struct io_uring_sqe *sqe;
	struct test_cqe c = { 0 };

	test_ring_init(8, &ring, 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, 9999, NULL, 64, 0);
	sqe->flags = IOSQE_BUFFER_SELECT;
	sqe->buf_group = 1;
	sqe->user_data = 0xb5;
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ(c.res, -EBADF);
	io_uring_queue_exit(&ring);
}

/* READV with IOSQE_BUFFER_SELECT reads its one iovec at prep: a bad iovec
 * address is -EFAULT, before the fd and before any buffer is looked for. */
TEST(buffer_select_readv_iovec_read_at_prep)
{
	struct iovec iov = { NULL, 64 };
	int f = test_tmpfile_with("0123456789abcdef", 16, NULL);

	test_ring_init(8, &ring, 0);
	for (unsigned i = 0; i < 4; i++) {
		struct io_uring_sqe *sqe = test_get_sqe(&ring);
		struct test_cqe c = { 0 };
		int fd = i & 1 ? 9999 : f;
		void *addr = i & 2 ? (void *)&iov : NULL;

		io_uring_prep_readv(sqe, fd, addr, 1, 0);
		sqe->flags = IOSQE_BUFFER_SELECT;
		sqe->buf_group = 1;
		sqe->user_data = 0xb6;
		CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
		if (!(i & 2))
			CHECK_EQ(c.res, -EFAULT);
		else
			CHECK_EQ(c.res, i & 1 ? -EBADF : -ENOBUFS);
	}
	io_uring_queue_exit(&ring);
	close(f);
}

/* SYNC_FILE_RANGE on a ring fd: its arguments are checked before the file's type. */
TEST(sync_file_range_ring_fd_args)
{
	struct io_uring_sqe *sqe;
	struct test_cqe c = { 0 };
	static const struct {
		__u64 off;
		unsigned len, flags;
		int res;
	} cases[] = {
		{ 4096, 0, 0, -ESPIPE },
		{ 4096, 0, 0x8, -EINVAL },
		{ -3ULL, 100, 0, -EINVAL },
		{ (1ULL << 63) - 10, 100, 0, -EINVAL },
	};

	test_ring_init(8, &ring, 0);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		sqe = test_get_sqe(&ring);
		io_uring_prep_sync_file_range(sqe, ring.ring_fd, cases[i].len, cases[i].off,
					      (int)cases[i].flags);
		sqe->user_data = i;
		CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
		CHECK_EQ(c.res, cases[i].res);
	}
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(unknown_rwf_bits_any_length),
		TEST_ENTRY(check_order_plain),
		TEST_ENTRY(check_order_fixed),
		TEST_ENTRY(check_order_iopoll),
		TEST_ENTRY(stream_offsets),
		TEST_ENTRY(socket_offset_nowait_zero_length),
		TEST_ENTRY(nowait_buffered_ext4),
		TEST_ENTRY(nowait_refused_tmpfs),
		TEST_ENTRY(file_flags_at_length_zero),
		TEST_ENTRY(directory_reads),
		TEST_ENTRY(buffer_select_bad_fd),
		TEST_ENTRY(buffer_select_readv_iovec_read_at_prep),
		TEST_ENTRY(sync_file_range_ring_fd_args),
		TEST_ENTRY(register_blind_query),
		TEST_ENTRY(register_blind_send_msg_ring),
		TEST_ENTRY(register_blind_kernel_refuses),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
