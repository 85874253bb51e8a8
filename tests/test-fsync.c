/* SPDX-License-Identifier: MIT */
/*
 * FSYNC (with IORING_FSYNC_DATASYNC) and SYNC_FILE_RANGE: results and field
 * checks.
 */
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

static struct io_uring_sqe *fsync_sqe(int fd, unsigned flags, __u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_fsync(sqe, fd, flags);
	io_uring_sqe_set_data64(sqe, user_data);
	return sqe;
}

TEST(fsync_and_fdatasync)
{
	char data[4096];
	struct io_uring_sqe *sqe;
	int fd;

	test_ring_init(8, &ring, 0);
	fd = test_tmpfile(NULL);
	test_fill_random(data, sizeof(data), 4);
	REQUIRE_EQ(write(fd, data, sizeof(data)), (ssize_t)sizeof(data));
	fsync_sqe(fd, 0, 1);
	CHECK_EQ(one_result(1), 0);
	REQUIRE_EQ(pwrite(fd, data, 100, 4096), 100);
	fsync_sqe(fd, IORING_FSYNC_DATASYNC, 2);
	CHECK_EQ(one_result(2), 0);
	/* a range */
	sqe = fsync_sqe(fd, 0, 3);
	sqe->off = 0;
	sqe->len = 4096;
	CHECK_EQ(one_result(3), 0);
	/* a read-only fd can be synced */
	{
		int ro = open("/proc/self/exe", O_RDONLY);

		REQUIRE_GE(ro, 0);
		fsync_sqe(ro, 0, 4);
		CHECK_EQ(one_result(4), 0);
		close(ro);
	}
	close(fd);
	io_uring_queue_exit(&ring);
}

TEST(fsync_field_checks)
{
	struct io_uring_sqe *sqe;
	int fd, p[2];

	test_ring_init(8, &ring, 0);
	fd = test_tmpfile_with("x", 1, NULL);
	fsync_sqe(fd, 2, 1);
	CHECK_EQ(one_result(1), -EINVAL);
	fsync_sqe(fd, 0x80000000u, 2);
	CHECK_EQ(one_result(2), -EINVAL);
	sqe = fsync_sqe(fd, 0, 3);
	sqe->addr = 1;
	CHECK_EQ(one_result(3), -EINVAL);
	sqe = fsync_sqe(fd, 0, 4);
	sqe->buf_index = 1;
	CHECK_EQ(one_result(4), -EINVAL);
	sqe = fsync_sqe(fd, 0, 5);
	sqe->splice_fd_in = 1;
	CHECK_EQ(one_result(5), -EINVAL);
	sqe = fsync_sqe(fd, 0, 6);
	sqe->ioprio = 1;
	CHECK_EQ(one_result(6), -EINVAL);
	fsync_sqe(9999, 0, 7);
	CHECK_EQ(one_result(7), -EBADF);
	REQUIRE_SYS(pipe(p));
	fsync_sqe(p[1], 0, 8);
	CHECK_EQ(one_result(8), -EINVAL);
	fsync_sqe(p[1], IORING_FSYNC_DATASYNC, 9);
	CHECK_EQ(one_result(9), -EINVAL);
	close(p[0]);
	close(p[1]);
	close(fd);
	io_uring_queue_exit(&ring);
}

TEST(sync_file_range_op)
{
	struct io_uring_sqe *sqe;
	int fd, p[2];

	test_ring_init(8, &ring, 0);
	fd = test_tmpfile_with("0123456789", 10, NULL);
	sqe = test_get_sqe(&ring);
	io_uring_prep_sync_file_range(sqe, fd, 10, 0, SYNC_FILE_RANGE_WRITE);
	io_uring_sqe_set_data64(sqe, 1);
	CHECK_EQ(one_result(1), 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_sync_file_range(sqe, fd, 0, 0,
				      SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
					      SYNC_FILE_RANGE_WAIT_AFTER);
	io_uring_sqe_set_data64(sqe, 2);
	CHECK_EQ(one_result(2), 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_sync_file_range(sqe, fd, 10, 0, 0x100);
	io_uring_sqe_set_data64(sqe, 3);
	CHECK_EQ(one_result(3), -EINVAL);
	sqe = test_get_sqe(&ring);
	io_uring_prep_sync_file_range(sqe, fd, 10, 0, 0);
	sqe->addr = 1;
	io_uring_sqe_set_data64(sqe, 4);
	CHECK_EQ(one_result(4), -EINVAL);
	REQUIRE_SYS(pipe(p));
	sqe = test_get_sqe(&ring);
	io_uring_prep_sync_file_range(sqe, p[1], 10, 0, 0);
	io_uring_sqe_set_data64(sqe, 5);
	CHECK_EQ(one_result(5), -ESPIPE);
	sqe = test_get_sqe(&ring);
	io_uring_prep_sync_file_range(sqe, 9999, 10, 0, 0);
	io_uring_sqe_set_data64(sqe, 6);
	CHECK_EQ(one_result(6), -EBADF);
	close(p[0]);
	close(p[1]);
	close(fd);
	io_uring_queue_exit(&ring);
}

/*
 * A negative offset is refused at prep: before the fd is looked at, and the
 * submit call stops after the failed SQE (counted), as for any prep failure.
 */
TEST(fsync_negative_offset)
{
	static const __u64 offs[] = { -1ULL, -2ULL, 1ULL << 63 };
	struct test_cqe c[3];
	struct io_uring_sqe *sqe;
	int fd;

	test_ring_init(8, &ring, 0);
	fd = test_tmpfile_with("x", 1, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(offs); i++) {
		sqe = fsync_sqe(fd, 0, 1);
		sqe->off = offs[i];
		CHECK_EQ(one_result(1), -EINVAL);
		sqe = fsync_sqe(fd, IORING_FSYNC_DATASYNC, 2);
		sqe->off = offs[i];
		sqe->len = 10;
		CHECK_EQ(one_result(2), -EINVAL);
		/* prep before the file: -EINVAL, not -EBADF */
		sqe = fsync_sqe(9999, 0, 3);
		sqe->off = offs[i];
		CHECK_EQ(one_result(3), -EINVAL);
	}
	/* the largest positive offset is fine */
	sqe = fsync_sqe(fd, 0, 4);
	sqe->off = (1ULL << 63) - 1;
	sqe->len = ~0U;
	CHECK_EQ(one_result(4), 0);

	/* NOP, FSYNC(off -2), NOP: the batch ends at the FSYNC */
	io_uring_prep_nop(test_get_sqe(&ring));
	io_uring_sqe_set_data64(&ring.sq.sqes[(ring.sq.sqe_tail - 1) & ring.sq.ring_mask], 10);
	sqe = fsync_sqe(fd, 0, 11);
	sqe->off = -2ULL;
	io_uring_prep_nop(test_get_sqe(&ring));
	io_uring_sqe_set_data64(&ring.sq.sqes[(ring.sq.sqe_tail - 1) & ring.sq.ring_mask], 12);
	CHECK_EQ(io_uring_submit(&ring), 2);
	REQUIRE_EQ(test_reap(&ring, c, 2, 2000), 2);
	CHECK_EQ_U(c[0].user_data, 10);
	CHECK_EQ(c[0].res, 0);
	CHECK_EQ_U(c[1].user_data, 11);
	CHECK_EQ(c[1].res, -EINVAL);
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
	/* the NOP left in the SQ goes with the next submit */
	CHECK_EQ(io_uring_submit(&ring), 1);
	REQUIRE_EQ(test_reap(&ring, c, 1, 2000), 1);
	CHECK_EQ_U(c[0].user_data, 12);
	CHECK_EQ(c[0].res, 0);
	close(fd);
	io_uring_queue_exit(&ring);
}

static void nop_sqe(__u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, user_data);
}

/*
 * A sync that fails in the sync itself (a pipe has no fsync: -EINVAL; no
 * range sync either: -ESPIPE) is no failure of the request: the kernel's
 * handlers set the result without marking the request failed, so what is
 * linked after it runs and CQE_SKIP_SUCCESS hides its CQE.  A bad fd fails
 * the request as usual.
 */
TEST(sync_failure_keeps_links)
{
	struct test_cqe c[2];
	struct io_uring_sqe *sqe;
	int p[2];

	test_ring_init(8, &ring, 0);
	REQUIRE_EQ(pipe(p), 0);

	sqe = fsync_sqe(p[1], 0, 1);
	sqe->flags |= IOSQE_IO_LINK;
	nop_sqe(2);
	CHECK_EQ(io_uring_submit(&ring), 2);
	REQUIRE_EQ(test_reap(&ring, c, 2, 2000), 2);
	CHECK_EQ_U(c[0].user_data, 1);
	CHECK_EQ(c[0].res, -EINVAL);
	CHECK_EQ_U(c[1].user_data, 2);
	CHECK_EQ(c[1].res, 0);

	sqe = test_get_sqe(&ring);
	io_uring_prep_sync_file_range(sqe, p[0], 0, 0, 0);
	io_uring_sqe_set_data64(sqe, 3);
	sqe->flags |= IOSQE_IO_LINK;
	nop_sqe(4);
	CHECK_EQ(io_uring_submit(&ring), 2);
	REQUIRE_EQ(test_reap(&ring, c, 2, 2000), 2);
	CHECK_EQ_U(c[0].user_data, 3);
	CHECK_EQ(c[0].res, -ESPIPE);
	CHECK_EQ_U(c[1].user_data, 4);
	CHECK_EQ(c[1].res, 0);

	/* CQE_SKIP_SUCCESS: the failed sync posts nothing, its link runs */
	sqe = fsync_sqe(p[1], 0, 5);
	sqe->flags |= IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
	nop_sqe(6);
	CHECK_EQ(io_uring_submit(&ring), 2);
	REQUIRE_EQ(test_reap(&ring, c, 1, 2000), 1);
	CHECK_EQ_U(c[0].user_data, 6);
	CHECK_EQ(c[0].res, 0);
	CHECK_TRUE(test_cq_empty_for(&ring, 50));

	/* no file: a failure, the link is cancelled */
	sqe = fsync_sqe(9999, 0, 7);
	sqe->flags |= IOSQE_IO_LINK;
	nop_sqe(8);
	CHECK_EQ(io_uring_submit(&ring), 2);
	REQUIRE_EQ(test_reap(&ring, c, 2, 2000), 2);
	CHECK_EQ_U(c[0].user_data, 7);
	CHECK_EQ(c[0].res, -EBADF);
	CHECK_EQ_U(c[1].user_data, 8);
	CHECK_EQ(c[1].res, -ECANCELED);
	close(p[0]);
	close(p[1]);
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(fsync_and_fdatasync),
		TEST_ENTRY(fsync_field_checks),
		TEST_ENTRY(sync_file_range_op),
		TEST_ENTRY(fsync_negative_offset),
		TEST_ENTRY(sync_failure_keeps_links),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
