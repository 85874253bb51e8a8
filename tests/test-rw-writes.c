/* SPDX-License-Identifier: MIT */
/*
 * Buffered writes to a regular file in a burst: the user engine hands a
 * file's writes to one worker, which takes every one queued for the file at
 * once and sends adjacent ones in one call (src/engine/submit.c,
 * src/engine/ops/rw.c), yet each request must get its own result, as on the
 * kernel, which runs them one by one in io-wq: adjacent writes, a write cut
 * short by RLIMIT_FSIZE in the middle of a run (the rest fail -EFBIG), an
 * unreadable buffer in the middle of a run, linked writes, an O_APPEND file,
 * a cancellation racing queued writes, and an fd number closed and opened
 * again between two writes of one submit call.  The file is in the working
 * directory (an ext4 file takes no nonblocking buffered write: every write
 * goes to a worker there).  The cancellation's count is what its race
 * gives; each write's result must match the file's bytes either way.
 */
#include "harness.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#define BLK 4096
#define NW 32

static char *src; /* NW blocks, each its own pattern */

static int new_file(int flags)
{
	const char *path;
	int fd = test_tmpfile(&path);

	if (flags) {
		close(fd);
		fd = open(path, O_RDWR | flags);
		REQUIRE_SYS(fd);
	}
	return fd;
}

static struct io_uring_sqe *prep_write(struct io_uring *ring, int fd, const void *p,
				       unsigned len, __u64 off, __u64 ud)
{
	struct io_uring_sqe *sqe = test_get_sqe(ring);

	io_uring_prep_write(sqe, fd, p, len, off);
	sqe->user_data = ud;
	return sqe;
}

/* Submit the queued SQEs and reap n CQEs into c[ud] (user_data 0..n-1). */
static void submit_reap_by_ud(struct io_uring *ring, struct test_cqe *c, unsigned n)
{
	struct test_cqe got[NW + 1];

	test_submit_reap(ring, got, n);
	for (unsigned i = 0; i < n; i++) {
		REQUIRE_TRUE(got[i].user_data < n);
		c[got[i].user_data] = got[i];
	}
}

/* Block i of the file holds src's block i. */
static void check_block(int fd, unsigned i, const char *want)
{
	char b[BLK];

	REQUIRE_EQ(pread(fd, b, BLK, (off_t)i * BLK), BLK);
	CHECK_MEM(b, want, BLK);
}

/* NW adjacent writes in one submit: each its own CQE and its bytes. */
TEST(adjacent_writes)
{
	struct io_uring ring;
	struct test_cqe c[NW];
	int fd = new_file(0);

	test_ring_init(64, &ring, 0);
	for (int round = 0; round < 3; round++) {
		for (unsigned i = 0; i < NW; i++)
			prep_write(&ring, fd, src + (size_t)i * BLK, BLK, (__u64)i * BLK, i);
		submit_reap_by_ud(&ring, c, NW);
		for (unsigned i = 0; i < NW; i++)
			CHECK_EQ(c[i].res, BLK);
	}
	for (unsigned i = 0; i < NW; i++)
		check_block(fd, i, src + (size_t)i * BLK);
	io_uring_queue_exit(&ring);
	close(fd);
}

/*
 * RLIMIT_FSIZE in the middle of block 5: blocks 0-4 whole, block 5 cut
 * short (its first half), blocks 6-7 -EFBIG, in one run of adjacent writes.
 */
TEST(short_write_mid_batch)
{
	struct io_uring ring;
	struct test_cqe c[8];
	struct rlimit old, lim;
	int fd = new_file(0);

	REQUIRE_SYS(getrlimit(RLIMIT_FSIZE, &old));
	lim = old;
	lim.rlim_cur = 5 * BLK + BLK / 2;
	if (old.rlim_max != RLIM_INFINITY && old.rlim_max < lim.rlim_cur)
		SKIP_CASE(SKIP_ENVIRONMENT, "RLIMIT_FSIZE too low already");
	signal(SIGXFSZ, SIG_IGN);
	test_ring_init(16, &ring, 0);
	REQUIRE_SYS(setrlimit(RLIMIT_FSIZE, &lim));
	for (unsigned i = 0; i < 8; i++)
		prep_write(&ring, fd, src + (size_t)i * BLK, BLK, (__u64)i * BLK, i);
	submit_reap_by_ud(&ring, c, 8);
	REQUIRE_SYS(setrlimit(RLIMIT_FSIZE, &old));
	for (unsigned i = 0; i < 5; i++) {
		CHECK_EQ(c[i].res, BLK);
		check_block(fd, i, src + (size_t)i * BLK);
	}
	CHECK_EQ(c[5].res, BLK / 2);
	CHECK_EQ(c[6].res, -EFBIG);
	CHECK_EQ(c[7].res, -EFBIG);
	{
		char b[BLK];

		CHECK_EQ(pread(fd, b, BLK, 5 * BLK), BLK / 2);
		CHECK_MEM(b, src + 5 * BLK, BLK / 2);
	}
	signal(SIGXFSZ, SIG_DFL);
	io_uring_queue_exit(&ring);
	close(fd);
}

/*
 * Block 2's buffer is not readable: blocks 0, 1 and 3 are written, block 2
 * fails -EFAULT and leaves the file's bytes as they were.
 */
TEST(unreadable_buffer_mid_batch)
{
	struct io_uring ring;
	struct test_cqe c[4];
	char zero[BLK] = { 0 };
	char *bad = mmap(NULL, BLK, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = new_file(0);

	REQUIRE_TRUE(bad != MAP_FAILED);
	REQUIRE_SYS(ftruncate(fd, 4 * BLK));
	test_ring_init(16, &ring, 0);
	for (unsigned i = 0; i < 4; i++)
		prep_write(&ring, fd, i == 2 ? bad : src + (size_t)i * BLK, BLK, (__u64)i * BLK,
			   i);
	submit_reap_by_ud(&ring, c, 4);
	CHECK_EQ(c[0].res, BLK);
	CHECK_EQ(c[1].res, BLK);
	CHECK_EQ(c[2].res, -EFAULT);
	CHECK_EQ(c[3].res, BLK);
	check_block(fd, 0, src);
	check_block(fd, 1, src + BLK);
	check_block(fd, 2, zero);
	check_block(fd, 3, src + 3 * BLK);
	munmap(bad, BLK);
	io_uring_queue_exit(&ring);
	close(fd);
}

/*
 * Chains of two adjacent writes among unlinked ones: every CQE, each link's
 * after its head's, and the bytes of all.
 */
TEST(linked_writes)
{
	struct io_uring ring;
	struct test_cqe got[NW];
	int fd = new_file(0);
	int pos[NW];

	test_ring_init(64, &ring, 0);
	for (unsigned i = 0; i < NW; i++) {
		struct io_uring_sqe *sqe =
			prep_write(&ring, fd, src + (size_t)i * BLK, BLK, (__u64)i * BLK, i);

		if (i % 4 == 1) /* 1->2, 5->6, ... */
			io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK);
	}
	test_submit_reap(&ring, got, NW);
	for (unsigned i = 0; i < NW; i++) {
		REQUIRE_TRUE(got[i].user_data < NW);
		CHECK_EQ(got[i].res, BLK);
		pos[got[i].user_data] = (int)i;
	}
	for (unsigned i = 1; i < NW; i += 4)
		CHECK_LT(pos[i], pos[i + 1]);
	for (unsigned i = 0; i < NW; i++)
		check_block(fd, i, src + (size_t)i * BLK);
	io_uring_queue_exit(&ring);
	close(fd);
}

/*
 * An O_APPEND file ignores the offsets: every write appends its block, in
 * submission order as the file's writes run one at a time.
 */
TEST(append_file)
{
	struct io_uring ring;
	struct test_cqe c[NW];
	struct stat st;
	int fd = new_file(O_APPEND);

	test_ring_init(64, &ring, 0);
	for (unsigned i = 0; i < NW; i++)
		prep_write(&ring, fd, src + (size_t)i * BLK, BLK, (__u64)i * BLK, i);
	submit_reap_by_ud(&ring, c, NW);
	for (unsigned i = 0; i < NW; i++)
		CHECK_EQ(c[i].res, BLK);
	REQUIRE_SYS(fstat(fd, &st));
	CHECK_EQ(st.st_size, (off_t)NW * BLK);
	for (unsigned i = 0; i < NW; i++)
		check_block(fd, i, src + (size_t)i * BLK);
	io_uring_queue_exit(&ring);
	close(fd);
}

/*
 * A cancellation of every write on the file, submitted with them: whichever
 * it finds still queued end -ECANCELED and write nothing, the others write
 * their bytes; the cancel's CQE counts what it found as the kernel's does.
 */
TEST(cancel_queued_writes)
{
	struct io_uring ring;
	struct test_cqe got[NW + 1];
	char zero[BLK] = { 0 };
	int fd = new_file(0);
	int cancelled = 0, cancel_res = 1;

	REQUIRE_SYS(ftruncate(fd, (off_t)NW * BLK));
	test_ring_init(64, &ring, 0);
	for (unsigned i = 0; i < NW; i++)
		prep_write(&ring, fd, src + (size_t)i * BLK, BLK, (__u64)i * BLK, i);
	{
		struct io_uring_sqe *sqe = test_get_sqe(&ring);

		io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
		sqe->user_data = NW;
	}
	test_submit_reap(&ring, got, NW + 1);
	for (unsigned i = 0; i < NW + 1; i++) {
		unsigned ud = (unsigned)got[i].user_data;

		REQUIRE_TRUE(ud <= NW);
		if (ud == NW) {
			cancel_res = got[i].res;
			continue;
		}
		if (got[i].res == -ECANCELED) {
			cancelled++;
			check_block(fd, ud, zero);
		} else {
			CHECK_EQ(got[i].res, BLK);
			check_block(fd, ud, src + (size_t)ud * BLK);
		}
	}
	/* io-wq's matches count as one with ALL (none while one runs): a
	 * success when it ended any, else -ENOENT or -EALREADY */
	if (cancelled)
		CHECK_GE(cancel_res, 0);
	else
		CHECK_TRUE(cancel_res == 0 || cancel_res == -ENOENT || cancel_res == -EALREADY);
	io_uring_queue_exit(&ring);
	close(fd);
}

/*
 * One submit call: a write to fd number N, then, linked, N closed, a file
 * opened (at N, the lowest free number) and a write to N: the first write
 * lands in the first file, the last one in the second.
 */
TEST(fd_number_reused_in_one_call)
{
	const char *path_a, *path_b;
	int a = test_tmpfile(&path_a), b = test_tmpfile(&path_b), n;
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct test_cqe got[5];

	close(b);
	test_ring_init(16, &ring, 0);
	n = a;
	prep_write(&ring, n, src, BLK, 0, 0);
	prep_write(&ring, n, src + BLK, BLK, BLK, 1);
	sqe = test_get_sqe(&ring);
	io_uring_prep_close(sqe, n);
	sqe->user_data = 2;
	sqe->flags |= IOSQE_IO_LINK;
	sqe = test_get_sqe(&ring);
	io_uring_prep_openat(sqe, AT_FDCWD, path_b, O_RDWR, 0);
	sqe->user_data = 3;
	sqe->flags |= IOSQE_IO_LINK;
	prep_write(&ring, n, src + 2 * BLK, BLK, 0, 4);
	test_submit_reap(&ring, got, 5);
	for (unsigned i = 0; i < 5; i++) {
		switch (got[i].user_data) {
		case 0:
		case 1:
		case 4:
			CHECK_EQ(got[i].res, BLK);
			break;
		case 2:
			CHECK_EQ(got[i].res, 0);
			break;
		case 3:
			if (got[i].res != n)
				SKIP_CASE(SKIP_ENVIRONMENT, "the open took another number");
			break;
		default:
			FAIL("stray CQE %llu", (unsigned long long)got[i].user_data);
		}
	}
	a = open(path_a, O_RDONLY);
	b = open(path_b, O_RDONLY);
	REQUIRE_SYS(a);
	REQUIRE_SYS(b);
	check_block(a, 0, src);
	check_block(a, 1, src + BLK);
	check_block(b, 0, src + 2 * BLK);
	{
		struct stat st;

		REQUIRE_SYS(fstat(b, &st));
		CHECK_EQ(st.st_size, BLK);
	}
	close(a);
	close(b);
	close(n);
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(adjacent_writes),
		TEST_ENTRY(short_write_mid_batch),
		TEST_ENTRY(unreadable_buffer_mid_batch),
		TEST_ENTRY(linked_writes),
		TEST_ENTRY(append_file),
		TEST_ENTRY(cancel_queued_writes),
		TEST_ENTRY(fd_number_reused_in_one_call),
	};

	src = malloc((size_t)NW * BLK);
	if (!src)
		return TEST_FAIL;
	test_fill_random(src, (size_t)NW * BLK, 17);
	/* the working directory's file system, not a tmpfs */
	setenv("TMPDIR", ".", 0);
	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
