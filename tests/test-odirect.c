/* SPDX-License-Identifier: MIT */
/*
 * O_DIRECT reads and writes: data verified at depth 32, the end of file, a
 * misaligned buffer, links after a short and a full read, and teardown with
 * reads in flight.  On the user engine this is the native-AIO path.
 */
#include "harness.h"

#include <stdlib.h>
#include <unistd.h>

#define BLK 4096
#define NBLK 256
/* not a multiple of the block size: the last block is short */
#define FILE_SIZE ((size_t)NBLK * BLK + 1024)

static char *data; /* the file's contents */
static const char *path;
static char *buf; /* NBLK + 1 aligned blocks */

/* The file, opened O_DIRECT; exits 77 where the filesystem refuses O_DIRECT. */
static int open_direct(int flags)
{
	int fd = open(path, flags | O_DIRECT);

	if (fd < 0 && errno == EINVAL) {
		printf("# %s: the filesystem refuses O_DIRECT: skip\n", path);
		exit(TEST_SKIP);
	}
	REQUIRE_SYS(fd);
	return fd;
}

static void reap(struct io_uring *ring, int *res, unsigned n, unsigned max_ud)
{
	struct io_uring_cqe *cqe;

	for (unsigned i = 0; i < n; i++) {
		REQUIRE_EQ(test_wait_cqe_ms(ring, &cqe, 5000), 0);
		REQUIRE_TRUE(cqe->user_data < max_ud);
		res[cqe->user_data] = cqe->res;
		io_uring_cqe_seen(ring, cqe);
	}
}

TEST(random_reads_verified)
{
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	int fd = open_direct(O_RDONLY);

	test_ring_init(64, &ring, 0);
	for (unsigned round = 0; round < 50; round++) {
		for (unsigned i = 0; i < 32; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			off_t off = (off_t)((i * 37 + round * 11) % NBLK) * BLK;

			io_uring_prep_read(sqe, fd, buf + i * BLK, BLK, (__u64)off);
			sqe->user_data = (__u64)off << 8 | i;
		}
		REQUIRE_EQ(io_uring_submit(&ring), 32);
		for (unsigned i = 0; i < 32; i++) {
			REQUIRE_EQ(test_wait_cqe_ms(&ring, &cqe, 5000), 0);
			CHECK_EQ(cqe->res, BLK);
			CHECK_MEM(buf + (cqe->user_data & 0xff) * BLK, data + (cqe->user_data >> 8),
				  BLK);
			io_uring_cqe_seen(&ring, cqe);
		}
	}
	io_uring_queue_exit(&ring);
	close(fd);
}

TEST(eof_misalignment_and_links)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	int res[7], fd = open_direct(O_RDONLY);

	test_ring_init(8, &ring, 0);
	/* a read crossing EOF is short, and a short read breaks its link */
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, buf, 2 * BLK, (__u64)NBLK * BLK);
	sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = 1;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->user_data = 2;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, buf, BLK, (__u64)(NBLK + 40) * BLK);
	sqe->user_data = 3;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, buf + 1, BLK, 0);
	sqe->user_data = 4;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, buf, BLK, BLK);
	sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = 5;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->user_data = 6;
	REQUIRE_EQ(io_uring_submit(&ring), 6);
	reap(&ring, res, 6, 7);
	CHECK_EQ(res[1], 1024);
	CHECK_EQ(res[2], -ECANCELED);
	CHECK_EQ(res[3], 0);
	CHECK_EQ(res[4], -EINVAL);
	CHECK_EQ(res[5], BLK);
	CHECK_EQ(res[6], 0);
	io_uring_queue_exit(&ring);
	close(fd);
}

TEST(writes_verified)
{
	struct io_uring ring;
	char *back = NULL;
	int res[32], fd = open_direct(O_RDWR);

	/* the read-back goes through the O_DIRECT fd too: aligned */
	REQUIRE_EQ(posix_memalign((void **)&back, BLK, BLK), 0);
	test_ring_init(32, &ring, 0);
	for (unsigned i = 0; i < 32; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		test_fill_random(buf + i * BLK, BLK, 1000 + i);
		io_uring_prep_write(sqe, fd, buf + i * BLK, BLK, (__u64)(i * 3) * BLK);
		sqe->user_data = i;
	}
	REQUIRE_EQ(io_uring_submit(&ring), 32);
	reap(&ring, res, 32, 32);
	for (unsigned i = 0; i < 32; i++) {
		CHECK_EQ(res[i], BLK);
		REQUIRE_EQ(pread(fd, back, BLK, (off_t)(i * 3) * BLK), BLK);
		CHECK_MEM(back, buf + i * BLK, BLK);
		/* keep the file's known contents for the other cases */
		memcpy(data + (size_t)(i * 3) * BLK, back, BLK);
	}
	io_uring_queue_exit(&ring);
	close(fd);
	free(back);
}

TEST(teardown_with_reads_in_flight)
{
	struct io_uring ring;
	int fd = open_direct(O_RDONLY), fds;

	fds = test_count_fds();
	test_ring_init(32, &ring, 0);
	for (unsigned i = 0; i < 32; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		io_uring_prep_read(sqe, fd, buf + i * BLK, BLK, (__u64)i * BLK);
	}
	REQUIRE_EQ(io_uring_submit(&ring), 32);
	io_uring_queue_exit(&ring);
	CHECK_EQ(test_count_fds(), fds);
	close(fd);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(random_reads_verified),
		TEST_ENTRY(eof_misalignment_and_links),
		TEST_ENTRY(writes_verified),
		TEST_ENTRY(teardown_with_reads_in_flight),
	};
	int fd;

	data = malloc(FILE_SIZE);
	if (!data || posix_memalign((void **)&buf, BLK, (NBLK + 1) * BLK)) {
		printf("out of memory\n");
		return TEST_FAIL;
	}
	test_fill_random(data, FILE_SIZE, 42);
	fd = test_tmpfile_with(data, FILE_SIZE, &path);
	fsync(fd);
	close(fd);
	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
