/* SPDX-License-Identifier: MIT */
/*
 * READV, WRITEV, READ, WRITE on regular files: data compared byte for byte,
 * short reads, the file position (off = -1), and their error cases (bad fd,
 * wrong direction, bad offsets, iovec limits, unknown RWF_* flags, bad
 * buffers).
 */
#include "harness.h"

#include <sys/uio.h>

static struct io_uring ring;

static void ring_up(void)
{
	test_ring_init(8, &ring, 0);
}

/* Submit the one queued SQE and return its result. */
static int run1(__u64 user_data)
{
	struct test_cqe c = { 0 };

	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ_U(c.user_data, user_data);
	CHECK_EQ_U(c.flags, 0);
	return c.res;
}

static int do_read(int fd, void *buf, unsigned len, __u64 off)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_read(sqe, fd, buf, len, off);
	io_uring_sqe_set_data64(sqe, 0x1234);
	return run1(0x1234);
}

static int do_write(int fd, const void *buf, unsigned len, __u64 off)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_write(sqe, fd, buf, len, off);
	io_uring_sqe_set_data64(sqe, 0x5678);
	return run1(0x5678);
}

static off_t pos_of(int fd)
{
	return lseek(fd, 0, SEEK_CUR);
}

TEST(writev_readv_data)
{
	static char src[3][4000], dst[5][2400];
	struct iovec wv[3], rv[5];
	struct io_uring_sqe *sqe;
	char check[12000];
	int fd;

	ring_up();
	fd = test_tmpfile(NULL);
	for (int i = 0; i < 3; i++) {
		test_fill_random(src[i], sizeof(src[i]), 10 + i);
		wv[i].iov_base = src[i];
		wv[i].iov_len = sizeof(src[i]);
	}
	sqe = test_get_sqe(&ring);
	io_uring_prep_writev(sqe, fd, wv, 3, 0);
	io_uring_sqe_set_data64(sqe, 1);
	CHECK_EQ(run1(1), 12000);
	/* the file itself holds the bytes */
	REQUIRE_EQ(pread(fd, check, sizeof(check), 0), 12000);
	CHECK_MEM(check, src[0], 4000);
	CHECK_MEM(check + 4000, src[1], 4000);
	CHECK_MEM(check + 8000, src[2], 4000);
	/* read back through differently sized iovecs */
	for (int i = 0; i < 5; i++) {
		memset(dst[i], 0, sizeof(dst[i]));
		rv[i].iov_base = dst[i];
		rv[i].iov_len = sizeof(dst[i]);
	}
	sqe = test_get_sqe(&ring);
	io_uring_prep_readv(sqe, fd, rv, 5, 0);
	io_uring_sqe_set_data64(sqe, 2);
	CHECK_EQ(run1(2), 12000);
	for (int i = 0; i < 5; i++)
		CHECK_MEM(dst[i], check + 2400 * i, 2400);
	close(fd);
	io_uring_queue_exit(&ring);
}

TEST(write_read_data)
{
	static char src[65536], dst[65536], check[65536];
	int fd;

	ring_up();
	fd = test_tmpfile(NULL);
	test_fill_random(src, sizeof(src), 99);
	CHECK_EQ(do_write(fd, src, sizeof(src), 4096), 65536);
	REQUIRE_EQ(pread(fd, check, sizeof(check), 4096), 65536);
	CHECK_MEM(check, src, sizeof(src));
	/* the hole before it reads as zeros */
	memset(check, 0xff, 4096);
	CHECK_EQ(do_read(fd, check, 4096, 0), 4096);
	memset(dst, 0, 4096);
	CHECK_MEM(check, dst, 4096);
	CHECK_EQ(do_read(fd, dst, sizeof(dst), 4096), 65536);
	CHECK_MEM(dst, src, sizeof(src));
	/* an unaligned piece in the middle */
	memset(dst, 0, sizeof(dst));
	CHECK_EQ(do_read(fd, dst, 777, 4096 + 12345), 777);
	CHECK_MEM(dst, src + 12345, 777);
	close(fd);
	io_uring_queue_exit(&ring);
}

TEST(short_read_at_eof)
{
	char buf[64];
	struct iovec iov[2] = { { buf, 4 }, { buf + 4, 60 } };
	struct io_uring_sqe *sqe;
	int fd;

	ring_up();
	fd = test_tmpfile_with("0123456789", 10, NULL);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(do_read(fd, buf, 64, 2), 8);
	CHECK_MEM(buf, "23456789", 8);
	CHECK_EQ(do_read(fd, buf, 64, 10), 0); /* at EOF */
	CHECK_EQ(do_read(fd, buf, 64, 100), 0); /* past EOF */
	CHECK_EQ(do_read(fd, buf, 0, 0), 0); /* len 0 */
	sqe = test_get_sqe(&ring);
	io_uring_prep_readv(sqe, fd, iov, 2, 3);
	io_uring_sqe_set_data64(sqe, 3);
	CHECK_EQ(run1(3), 7);
	CHECK_MEM(buf, "3456789", 7);
	/* READV with no iovecs */
	sqe = test_get_sqe(&ring);
	io_uring_prep_readv(sqe, fd, iov, 0, 0);
	io_uring_sqe_set_data64(sqe, 4);
	CHECK_EQ(run1(4), 0);
	close(fd);
	io_uring_queue_exit(&ring);
}

TEST(offset_minus_one_uses_file_position)
{
	char buf[128];
	struct iovec iov = { buf, 3 };
	struct io_uring_sqe *sqe;
	int fd;

	ring_up();
	fd = test_tmpfile_with("abcdefghij", 10, NULL);
	REQUIRE_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(do_read(fd, buf, 4, (__u64)-1), 4);
	CHECK_MEM(buf, "abcd", 4);
	CHECK_EQ(pos_of(fd), 4);
	CHECK_EQ(do_read(fd, buf, 100, (__u64)-1), 6);
	CHECK_MEM(buf, "efghij", 6);
	CHECK_EQ(pos_of(fd), 10);
	/* an explicit offset leaves the position alone */
	CHECK_EQ(do_read(fd, buf, 2, 1), 2);
	CHECK_MEM(buf, "bc", 2);
	CHECK_EQ(pos_of(fd), 10);
	/* a write at the position moves it */
	REQUIRE_EQ(lseek(fd, 5, SEEK_SET), 5);
	CHECK_EQ(do_write(fd, "XY", 2, (__u64)-1), 2);
	CHECK_EQ(pos_of(fd), 7);
	CHECK_EQ(do_write(fd, "Z", 1, 0), 1);
	CHECK_EQ(pos_of(fd), 7);
	REQUIRE_EQ(pread(fd, buf, 10, 0), 10);
	CHECK_MEM(buf, "ZbcdeXYhij", 10);
	/* READV too */
	sqe = test_get_sqe(&ring);
	io_uring_prep_readv(sqe, fd, &iov, 1, (__u64)-1);
	io_uring_sqe_set_data64(sqe, 5);
	CHECK_EQ(run1(5), 3);
	CHECK_MEM(buf, "hij", 3);
	CHECK_EQ(pos_of(fd), 10);
	close(fd);
	io_uring_queue_exit(&ring);
}

TEST(offset_minus_two)
{
	char buf[8];
	int fd;

	ring_up();
	fd = test_tmpfile_with("abcdefghij", 10, NULL);
	CHECK_EQ(do_read(fd, buf, 4, (__u64)-2), -EINVAL);
	CHECK_EQ(do_write(fd, buf, 4, (__u64)-2), -EINVAL);
	close(fd);
	io_uring_queue_exit(&ring);
}

TEST(bad_fd_and_modes)
{
	char buf[16] = "hello";
	const char *path;
	int fd, rd, wr, dir;

	ring_up();
	fd = test_tmpfile_with("0123456789", 10, &path);
	CHECK_EQ(do_read(9999, buf, 4, 0), -EBADF);
	CHECK_EQ(do_write(9999, buf, 4, 0), -EBADF);
	CHECK_EQ(do_read(-1, buf, 4, 0), -EBADF);
	rd = open(path, O_RDONLY);
	wr = open(path, O_WRONLY);
	REQUIRE_GE(rd, 0);
	REQUIRE_GE(wr, 0);
	CHECK_EQ(do_write(rd, buf, 4, 0), -EBADF);
	CHECK_EQ(do_read(wr, buf, 4, 0), -EBADF);
	CHECK_EQ(do_read(rd, buf, 4, 0), 4);
	CHECK_EQ(do_write(wr, buf, 4, 0), 4);
	dir = open("/", O_RDONLY | O_DIRECTORY);
	REQUIRE_GE(dir, 0);
	CHECK_EQ(do_read(dir, buf, 4, 0), -EISDIR);
	close(rd);
	close(wr);
	close(dir);
	close(fd);
	io_uring_queue_exit(&ring);
}

TEST(append_ignores_offset)
{
	char buf[16];
	const char *path;
	int fd, ap;

	ring_up();
	fd = test_tmpfile_with("0123456789", 10, &path);
	ap = open(path, O_WRONLY | O_APPEND);
	REQUIRE_GE(ap, 0);
	CHECK_EQ(do_write(ap, "AB", 2, 0), 2);
	REQUIRE_EQ(pread(fd, buf, 16, 0), 12);
	CHECK_MEM(buf, "0123456789AB", 12);
	close(ap);
	close(fd);
	io_uring_queue_exit(&ring);
}

TEST(iovec_limits)
{
	static struct iovec iov[1025];
	static char buf[1025];
	struct io_uring_sqe *sqe;
	int fd;

	ring_up();
	fd = test_tmpfile(NULL);
	test_fill_random(buf, sizeof(buf), 5);
	REQUIRE_EQ(pwrite(fd, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	for (int i = 0; i < 1025; i++) {
		iov[i].iov_base = buf + i;
		iov[i].iov_len = 1;
	}
	/* UIO_MAXIOV is 1024 */
	sqe = test_get_sqe(&ring);
	io_uring_prep_readv(sqe, fd, iov, 1025, 0);
	io_uring_sqe_set_data64(sqe, 1);
	CHECK_EQ(run1(1), -EINVAL);
	sqe = test_get_sqe(&ring);
	io_uring_prep_writev(sqe, fd, iov, 1025, 0);
	io_uring_sqe_set_data64(sqe, 2);
	CHECK_EQ(run1(2), -EINVAL);
	sqe = test_get_sqe(&ring);
	io_uring_prep_writev(sqe, fd, iov, 1024, 0);
	io_uring_sqe_set_data64(sqe, 3);
	CHECK_EQ(run1(3), 1024);
	/* an iovec whose base is unmapped */
	iov[0].iov_base = (void *)8;
	iov[0].iov_len = 4;
	sqe = test_get_sqe(&ring);
	io_uring_prep_readv(sqe, fd, iov, 1, 0);
	io_uring_sqe_set_data64(sqe, 4);
	CHECK_EQ(run1(4), -EFAULT);
	close(fd);
	io_uring_queue_exit(&ring);
}

TEST(unknown_rw_flags)
{
	char buf[8];
	struct iovec iov = { buf, 4 };
	struct io_uring_sqe *sqe;
	int fd;

	ring_up();
	fd = test_tmpfile_with("0123456789", 10, NULL);
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, buf, 4, 0);
	sqe->rw_flags = 0x1000;
	io_uring_sqe_set_data64(sqe, 1);
	CHECK_EQ(run1(1), -EOPNOTSUPP);
	sqe = test_get_sqe(&ring);
	io_uring_prep_writev2(sqe, fd, &iov, 1, 0, (int)0x80000000);
	io_uring_sqe_set_data64(sqe, 2);
	CHECK_EQ(run1(2), -EOPNOTSUPP);
	/* a known flag is fine on a regular file */
	sqe = test_get_sqe(&ring);
	io_uring_prep_writev2(sqe, fd, &iov, 1, 0, RWF_DSYNC);
	io_uring_sqe_set_data64(sqe, 3);
	CHECK_EQ(run1(3), 4);
	/* HIPRI needs an IOPOLL ring */
	sqe = test_get_sqe(&ring);
	io_uring_prep_readv2(sqe, fd, &iov, 1, 0, RWF_HIPRI);
	io_uring_sqe_set_data64(sqe, 4);
	CHECK_EQ(run1(4), -EINVAL);
	close(fd);
	io_uring_queue_exit(&ring);
}

TEST(bad_buffer_is_issue_time_efault)
{
	struct test_cqe c[2];
	struct io_uring_sqe *sqe;
	int fd;

	ring_up();
	fd = test_tmpfile_with("0123456789", 10, NULL);
	/* an unmapped user address fails when copying: the batch goes on */
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, (void *)8, 4, 0);
	io_uring_sqe_set_data64(sqe, 1);
	sqe = test_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, 2);
	CHECK_EQ(test_submit_reap(&ring, c, 2), 2);
	CHECK_EQ(test_find_cqe(c, 2, 1) ? test_find_cqe(c, 2, 1)->res : 1, -EFAULT);
	CHECK_EQ(test_find_cqe(c, 2, 2) ? test_find_cqe(c, 2, 2)->res : 1, 0);
	close(fd);
	io_uring_queue_exit(&ring);
}

TEST(buf_index_ignored_and_ioprio)
{
	char buf[8];
	struct io_uring_sqe *sqe;
	int fd;

	ring_up();
	fd = test_tmpfile_with("0123456789", 10, NULL);
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, buf, 4, 0);
	sqe->buf_index = 5;
	io_uring_sqe_set_data64(sqe, 1);
	CHECK_EQ(run1(1), 4);
	/* I/O priority class 7 does not exist */
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, buf, 4, 0);
	sqe->ioprio = 7 << 13;
	io_uring_sqe_set_data64(sqe, 2);
	CHECK_EQ(run1(2), -EINVAL);
	close(fd);
	io_uring_queue_exit(&ring);
}

TEST(sqe_reuse_after_submit)
{
	char a[8] = "AAAAAAAA", b[8];
	struct io_uring_sqe *sqe;
	struct test_cqe c = { 0 };
	int fd;

	/* SUBMIT_STABLE: the SQE is copied at submission, so reusing its slot is safe */
	ring_up();
	fd = test_tmpfile(NULL);
	sqe = test_get_sqe(&ring);
	io_uring_prep_write(sqe, fd, a, 8, 0);
	io_uring_sqe_set_data64(sqe, 1);
	CHECK_EQ(io_uring_submit(&ring), 1);
	memset(sqe, 0xff, sizeof(*sqe));
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ_U(c.user_data, 1);
	CHECK_EQ(c.res, 8);
	REQUIRE_EQ(pread(fd, b, 8, 0), 8);
	CHECK_MEM(a, b, 8);
	close(fd);
	io_uring_queue_exit(&ring);
}

TEST(async_flag_same_result)
{
	char buf[16];
	struct io_uring_sqe *sqe;
	int fd;

	ring_up();
	fd = test_tmpfile_with("0123456789", 10, NULL);
	/* IOSQE_ASYNC skips the inline attempt; the result is the same */
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, buf, 16, 2);
	io_uring_sqe_set_flags(sqe, IOSQE_ASYNC);
	io_uring_sqe_set_data64(sqe, 1);
	CHECK_EQ(run1(1), 8);
	CHECK_MEM(buf, "23456789", 8);
	sqe = test_get_sqe(&ring);
	io_uring_prep_write(sqe, fd, "AB", 2, 0);
	io_uring_sqe_set_flags(sqe, IOSQE_ASYNC);
	io_uring_sqe_set_data64(sqe, 2);
	CHECK_EQ(run1(2), 2);
	REQUIRE_EQ(pread(fd, buf, 10, 0), 10);
	CHECK_MEM(buf, "AB23456789", 10);
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, 9999, buf, 4, 0);
	io_uring_sqe_set_flags(sqe, IOSQE_ASYNC);
	io_uring_sqe_set_data64(sqe, 3);
	CHECK_EQ(run1(3), -EBADF);
	close(fd);
	io_uring_queue_exit(&ring);
}

#define NBLK 256
#define BLK 16384

TEST(many_concurrent_blocks)
{
	static char src[NBLK * BLK], dst[NBLK * BLK];
	struct io_uring big;
	unsigned order[NBLK], submitted = 0, done = 0;
	bool seen[NBLK];
	int fd;

	/* 4 MiB in 16 KiB blocks, 32 in flight, in a shuffled order */
	test_ring_init(32, &big, 0);
	fd = test_tmpfile(NULL);
	test_fill_random(src, sizeof(src), 2024);
	for (unsigned i = 0; i < NBLK; i++)
		order[i] = i;
	for (unsigned i = NBLK - 1; i > 0; i--) {
		unsigned j = (i * 2654435761u) % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (int pass = 0; pass < 2; pass++) {
		bool writing = pass == 0;

		memset(seen, 0, sizeof(seen));
		submitted = done = 0;
		while (done < NBLK) {
			struct io_uring_cqe *cqe;

			while (submitted < NBLK && submitted - done < 32) {
				struct io_uring_sqe *sqe = test_get_sqe(&big);
				unsigned b = order[submitted++];

				if (writing)
					io_uring_prep_write(sqe, fd, src + (size_t)b * BLK, BLK,
							    (__u64)b * BLK);
				else
					io_uring_prep_read(sqe, fd, dst + (size_t)b * BLK, BLK,
							   (__u64)b * BLK);
				io_uring_sqe_set_data64(sqe, b);
			}
			REQUIRE_GE(io_uring_submit(&big), 0);
			REQUIRE_EQ(test_wait_cqe_ms(&big, &cqe, 5000), 0);
			if (!CHECK_LT(cqe->user_data, NBLK) || !CHECK_FALSE(seen[cqe->user_data]))
				break;
			seen[cqe->user_data] = true;
			CHECK_EQ(cqe->res, BLK);
			io_uring_cqe_seen(&big, cqe);
			done++;
		}
		CHECK_EQ_U(done, NBLK);
	}
	CHECK_MEM(dst, src, sizeof(src));
	close(fd);
	io_uring_queue_exit(&big);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(writev_readv_data),
		TEST_ENTRY(write_read_data),
		TEST_ENTRY(short_read_at_eof),
		TEST_ENTRY(offset_minus_one_uses_file_position),
		TEST_ENTRY(offset_minus_two),
		TEST_ENTRY(bad_fd_and_modes),
		TEST_ENTRY(append_ignores_offset),
		TEST_ENTRY(iovec_limits),
		TEST_ENTRY(unknown_rw_flags),
		TEST_ENTRY(bad_buffer_is_issue_time_efault),
		TEST_ENTRY(buf_index_ignored_and_ioprio),
		TEST_ENTRY(sqe_reuse_after_submit),
		TEST_ENTRY(async_flag_same_result),
		TEST_ENTRY(many_concurrent_blocks),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
