/* SPDX-License-Identifier: MIT */
/*
 * Resource tables with tags (FILES2, BUFFERS2, FILES_UPDATE2,
 * BUFFERS_UPDATE): sparse tables, the argument checks, and the CQE
 * {user_data = tag, res 0} a tagged file or buffer posts when it is released:
 * at once when the table lets go last, after the CQE of a request still using
 * it otherwise, and from the last slot down at an unregistration.
 */
#include "harness.h"

static struct io_uring ring;

static int reg(unsigned opcode, const void *arg, unsigned nr)
{
	return io_uring_register(ring.ring_fd, opcode, arg, nr);
}

/* the next n CQEs must be exactly these (user_data, res) pairs, in order */
static void expect_cqes(const __u64 *ud, const int *res, unsigned n)
{
	struct test_cqe c[8];

	CHECK_EQ_U(test_reap(&ring, c, n, 2000), n);
	for (unsigned i = 0; i < n; i++) {
		CHECK_EQ_U(c[i].user_data, ud[i]);
		CHECK_EQ(c[i].res, res[i]);
		CHECK_EQ_U(c[i].flags, 0);
	}
	CHECK_TRUE(test_cq_empty_for(&ring, 0));
}

static void expect_tag(__u64 tag)
{
	int zero = 0;

	expect_cqes(&tag, &zero, 1);
}

TEST(files2_register_errors)
{
	int fds[3] = { 0, -1, 1 };
	__u64 tags[3] = { 1, 0, 3 };
	struct io_uring_rsrc_register rr = {
		.nr = 3, .data = (unsigned long)fds, .tags = (unsigned long)tags
	};

	test_ring_init(8, &ring, 0);
	CHECK_EQ(reg(IORING_REGISTER_FILES2, &rr, 16), -EINVAL);
	CHECK_EQ(reg(IORING_REGISTER_FILES2, NULL, sizeof(rr)), -EFAULT);
	rr.resv2 = 1;
	CHECK_EQ(reg(IORING_REGISTER_FILES2, &rr, sizeof(rr)), -EINVAL);
	rr.resv2 = 0;
	rr.flags = 2;
	CHECK_EQ(reg(IORING_REGISTER_FILES2, &rr, sizeof(rr)), -EINVAL);
	rr.flags = IORING_RSRC_REGISTER_SPARSE; /* with data */
	CHECK_EQ(reg(IORING_REGISTER_FILES2, &rr, sizeof(rr)), -EINVAL);
	rr.flags = 0;
	rr.nr = 0;
	CHECK_EQ(reg(IORING_REGISTER_FILES2, &rr, sizeof(rr)), -EINVAL);
	rr.nr = 3;
	tags[1] = 2; /* a tag on an empty slot */
	CHECK_EQ(reg(IORING_REGISTER_FILES2, &rr, sizeof(rr)), -EINVAL);
	tags[1] = 0;
	rr.tags = 8;
	CHECK_EQ(reg(IORING_REGISTER_FILES2, &rr, sizeof(rr)), -EFAULT);
	rr.tags = (unsigned long)tags;
	fds[2] = 9999;
	CHECK_EQ(reg(IORING_REGISTER_FILES2, &rr, sizeof(rr)), -EBADF);
	/* a failed registration posts no tag */
	CHECK_TRUE(test_cq_empty_for(&ring, 0));
	/* sparse: with tags on its (empty) slots, -EINVAL */
	rr.flags = IORING_RSRC_REGISTER_SPARSE;
	rr.data = 0;
	CHECK_EQ(reg(IORING_REGISTER_FILES2, &rr, sizeof(rr)), -EINVAL);
	CHECK_EQ(io_uring_register_files_sparse(&ring, 4), 0);
	CHECK_EQ(io_uring_register_files_sparse(&ring, 4), -EBUSY);
	CHECK_EQ(io_uring_unregister_files(&ring), 0);
	/* no data and no SPARSE flag: sparse too */
	rr.flags = 0;
	rr.tags = 0;
	CHECK_EQ(reg(IORING_REGISTER_FILES2, &rr, sizeof(rr)), 0);
	CHECK_EQ(io_uring_unregister_files(&ring), 0);
	CHECK_TRUE(test_cq_empty_for(&ring, 0));
	io_uring_queue_exit(&ring);
}

TEST(files_tags)
{
	int fds[4], nfd, skip = IORING_REGISTER_FILES_SKIP, minus1 = -1;
	__u64 tags[4] = { 11, 0, 13, 14 }, ntag = 21;
	struct io_uring_rsrc_update2 up = { 0 };
	int p[2];

	test_ring_init(8, &ring, 0);
	REQUIRE_EQ(pipe(p), 0);
	fds[0] = p[0];
	fds[1] = -1;
	fds[2] = p[1];
	fds[3] = 0;
	REQUIRE_EQ(io_uring_register_files_tags(&ring, fds, tags, 4), 0);
	CHECK_TRUE(test_cq_empty_for(&ring, 0));
	/* replacing a tagged slot releases its file: the tag's CQE at once */
	nfd = p[0];
	CHECK_EQ(io_uring_register_files_update_tag(&ring, 0, &nfd, &ntag, 1), 1);
	expect_tag(11);
	/* SKIP and -1 take no tag */
	CHECK_EQ(io_uring_register_files_update_tag(&ring, 0, &skip, &ntag, 1), -EINVAL);
	CHECK_EQ(io_uring_register_files_update_tag(&ring, 1, &minus1, &ntag, 1), -EINVAL);
	CHECK_EQ(io_uring_register_files_update_tag(&ring, 0, &skip, NULL, 1), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 0));
	/* argument checks of FILES_UPDATE2 */
	up.data = (unsigned long)&skip;
	up.nr = 1;
	CHECK_EQ(reg(IORING_REGISTER_FILES_UPDATE2, &up, 24), -EINVAL);
	up.resv = 1;
	CHECK_EQ(reg(IORING_REGISTER_FILES_UPDATE2, &up, sizeof(up)), -EINVAL);
	up.resv = 0;
	up.offset = 4;
	CHECK_EQ(reg(IORING_REGISTER_FILES_UPDATE2, &up, sizeof(up)), -EINVAL);
	up.offset = ~0u;
	CHECK_EQ(reg(IORING_REGISTER_FILES_UPDATE2, &up, sizeof(up)), -EOVERFLOW);
	up.offset = 0;
	up.nr = 0;
	CHECK_EQ(reg(IORING_REGISTER_FILES_UPDATE2, &up, sizeof(up)), -EINVAL);
	/* the plain FILES_UPDATE empties a tagged slot: its tag too */
	CHECK_EQ(io_uring_register_files_update(&ring, 2, &minus1, 1), 1);
	expect_tag(13);
	/* unregistration: from the last slot down */
	CHECK_EQ(io_uring_unregister_files(&ring), 0);
	{
		__u64 ud[2] = { 14, 21 };
		int res[2] = { 0, 0 };

		expect_cqes(ud, res, 2);
	}
	/* a table registered plainly takes tags in updates */
	REQUIRE_EQ(io_uring_register_files(&ring, fds, 2), 0);
	ntag = 41;
	CHECK_EQ(io_uring_register_files_update_tag(&ring, 1, &nfd, &ntag, 1), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 0));
	CHECK_EQ(io_uring_unregister_files(&ring), 0);
	expect_tag(41);
	close(p[0]);
	close(p[1]);
	io_uring_queue_exit(&ring);
}

/* A request using the file holds it: the tag comes after its CQE. */
TEST(files_tag_after_request)
{
	int p[2], minus1 = -1, fds[2];
	__u64 tags[2] = { 31, 32 };
	struct io_uring_sqe *sqe;
	char buf[8];

	test_ring_init(8, &ring, 0);
	REQUIRE_EQ(pipe(p), 0);
	fds[0] = p[0];
	fds[1] = p[1];
	REQUIRE_EQ(io_uring_register_files_tags(&ring, fds, tags, 2), 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, 0, buf, sizeof(buf), 0);
	sqe->flags |= IOSQE_FIXED_FILE;
	sqe->user_data = 500;
	CHECK_EQ(io_uring_submit(&ring), 1);
	test_sleep_ms(20);
	CHECK_EQ(io_uring_register_files_update(&ring, 0, &minus1, 1), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	CHECK_EQ(write(p[1], "x", 1), 1);
	{
		__u64 ud[2] = { 500, 31 };
		int res[2] = { 1, 0 };

		expect_cqes(ud, res, 2);
	}
	/* inline: a write on slot 1, then FILES_UPDATE emptying it, in one
	 * submit: both CQEs, then the tag (the request is freed after them) */
	sqe = test_get_sqe(&ring);
	io_uring_prep_write(sqe, 1, "y", 1, 0);
	sqe->flags |= IOSQE_FIXED_FILE;
	sqe->user_data = 600;
	sqe = test_get_sqe(&ring);
	io_uring_prep_files_update(sqe, &minus1, 1, 1);
	sqe->user_data = 601;
	CHECK_EQ(io_uring_submit(&ring), 2);
	{
		__u64 ud[3] = { 600, 601, 32 };
		int res[3] = { 1, 1, 0 };

		expect_cqes(ud, res, 3);
	}
	CHECK_EQ(io_uring_unregister_files(&ring), 0);
	CHECK_TRUE(test_cq_empty_for(&ring, 0));
	close(p[0]);
	close(p[1]);
	io_uring_queue_exit(&ring);
}

/* A tag released by the table during a submit goes out at once, before the batch. */
TEST(files_tag_unused_in_submit)
{
	int p[2], minus1 = -1;
	__u64 tags[2] = { 0, 77 };
	struct io_uring_sqe *sqe;

	test_ring_init(8, &ring, 0);
	REQUIRE_EQ(pipe(p), 0);
	REQUIRE_EQ(io_uring_register_files_tags(&ring, p, tags, 2), 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->user_data = 600;
	sqe = test_get_sqe(&ring);
	io_uring_prep_files_update(sqe, &minus1, 1, 1);
	sqe->user_data = 601;
	sqe = test_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->user_data = 602;
	CHECK_EQ(io_uring_submit(&ring), 3);
	{
		__u64 ud[4] = { 77, 600, 601, 602 };
		int res[4] = { 0, 0, 1, 0 };

		expect_cqes(ud, res, 4);
	}
	close(p[0]);
	close(p[1]);
	io_uring_queue_exit(&ring);
}

/* A sparse table filled by updates serves fixed-file requests. */
TEST(files_sparse_use)
{
	struct io_uring_sqe *sqe;
	struct test_cqe c;
	int fd, slot;
	char buf[8];

	test_ring_init(8, &ring, 0);
	fd = test_tmpfile_with("sparse!", 7, NULL);
	REQUIRE_EQ(io_uring_register_files_sparse(&ring, 16), 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, 5, buf, 7, 0);
	sqe->flags |= IOSQE_FIXED_FILE;
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ(c.res, -EBADF);
	CHECK_EQ(io_uring_register_files_update(&ring, 5, &fd, 1), 1);
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, 5, buf, 7, 0);
	sqe->flags |= IOSQE_FIXED_FILE;
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ(c.res, 7);
	CHECK_MEM(buf, "sparse!", 7);
	/* FILE_INDEX_ALLOC picks a free slot of the sparse table, from the hint
	 * the update left after slot 5 */
	slot = fd;
	sqe = test_get_sqe(&ring);
	io_uring_prep_files_update(sqe, &slot, 1, IORING_FILE_INDEX_ALLOC);
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ(c.res, 1);
	CHECK_EQ(slot, 6);
	CHECK_EQ(io_uring_unregister_files(&ring), 0);
	close(fd);
	io_uring_queue_exit(&ring);
}

static char b1[4096], b2[4096], b3[4096];

TEST(buffers2_register_errors)
{
	struct iovec iov[3] = { { b1, 4096 }, { NULL, 0 }, { b3, 4096 } };
	__u64 tags[3] = { 1, 2, 3 };
	struct io_uring_rsrc_register rr = {
		.nr = 3, .data = (unsigned long)iov, .tags = (unsigned long)tags
	};

	test_ring_init(8, &ring, 0);
	/* a tag on an empty slot */
	CHECK_EQ(reg(IORING_REGISTER_BUFFERS2, &rr, sizeof(rr)), -EINVAL);
	tags[1] = 0;
	iov[1].iov_len = 5;
	CHECK_EQ(reg(IORING_REGISTER_BUFFERS2, &rr, sizeof(rr)), -EFAULT);
	iov[1].iov_len = 0;
	CHECK_EQ(reg(IORING_REGISTER_BUFFERS2, &rr, 16), -EINVAL);
	rr.flags = IORING_RSRC_REGISTER_SPARSE;
	CHECK_EQ(reg(IORING_REGISTER_BUFFERS2, &rr, sizeof(rr)), -EINVAL);
	rr.flags = 0;
	rr.tags = 8;
	CHECK_EQ(reg(IORING_REGISTER_BUFFERS2, &rr, sizeof(rr)), -EFAULT);
	rr.tags = (unsigned long)tags;
	CHECK_TRUE(test_cq_empty_for(&ring, 0));
	CHECK_EQ(reg(IORING_REGISTER_BUFFERS2, &rr, sizeof(rr)), 0);
	CHECK_EQ(reg(IORING_REGISTER_BUFFERS2, &rr, sizeof(rr)), -EBUSY);
	CHECK_EQ(io_uring_unregister_buffers(&ring), 0);
	{
		__u64 ud[2] = { 3, 1 };
		int res[2] = { 0, 0 };

		expect_cqes(ud, res, 2);
	}
	/* no data: sparse, with or without the flag */
	CHECK_EQ(io_uring_register_buffers_sparse(&ring, 4), 0);
	CHECK_EQ(io_uring_unregister_buffers(&ring), 0);
	rr.data = 0;
	rr.tags = 0;
	CHECK_EQ(reg(IORING_REGISTER_BUFFERS2, &rr, sizeof(rr)), 0);
	CHECK_EQ(io_uring_unregister_buffers(&ring), 0);
	io_uring_queue_exit(&ring);
}

TEST(buffers_tags)
{
	struct iovec iov[3] = { { b1, 4096 }, { NULL, 0 }, { b3, 4096 } };
	struct iovec niov = { b2, 4096 }, ziov = { NULL, 0 }, bad = { (void *)8, 4096 };
	__u64 tags[3] = { 1, 0, 3 }, ntag = 10;
	struct io_uring_rsrc_update2 up = { .data = (unsigned long)&ziov, .nr = 1 };

	test_ring_init(8, &ring, 0);
	REQUIRE_EQ(io_uring_register_buffers_tags(&ring, iov, tags, 3), 0);
	CHECK_EQ(io_uring_register_buffers_update_tag(&ring, 0, &niov, &ntag, 1), 1);
	expect_tag(1);
	CHECK_EQ(io_uring_register_buffers_update_tag(&ring, 0, &ziov, &ntag, 1), -EINVAL);
	CHECK_EQ(io_uring_register_buffers_update_tag(&ring, 2, &ziov, NULL, 1), 1);
	expect_tag(3);
	CHECK_EQ(io_uring_register_buffers_update_tag(&ring, 3, &ziov, NULL, 1), -EINVAL);
	CHECK_EQ(io_uring_register_buffers_update_tag(&ring, 0, (struct iovec *)8, NULL, 1),
		 -EFAULT);
	CHECK_EQ(io_uring_register_buffers_update_tag(&ring, 0, &ziov, (__u64 *)8, 1), -EFAULT);
	CHECK_EQ(io_uring_register_buffers_update_tag(&ring, 0, &bad, NULL, 1), -EFAULT);
	CHECK_EQ(reg(IORING_REGISTER_BUFFERS_UPDATE, &up, 24), -EINVAL);
	up.nr = 0;
	CHECK_EQ(reg(IORING_REGISTER_BUFFERS_UPDATE, &up, sizeof(up)), -EINVAL);
	up.nr = 1;
	up.offset = ~0u;
	CHECK_EQ(reg(IORING_REGISTER_BUFFERS_UPDATE, &up, sizeof(up)), -EOVERFLOW);
	CHECK_TRUE(test_cq_empty_for(&ring, 0));
	CHECK_EQ(io_uring_unregister_buffers(&ring), 0);
	expect_tag(10);
	CHECK_EQ(io_uring_register_buffers_update_tag(&ring, 0, &ziov, NULL, 1), -ENXIO);
	io_uring_queue_exit(&ring);
}

/* A READ_FIXED waiting on a pipe holds its buffer: the tag follows its CQE. */
TEST(buffers_tag_after_request)
{
	struct iovec iov[2] = { { b1, 4096 }, { b3, 4096 } }, niov = { b2, 4096 };
	__u64 tags[2] = { 1, 2 };
	struct io_uring_sqe *sqe;
	int p[2];

	test_ring_init(8, &ring, 0);
	REQUIRE_EQ(pipe(p), 0);
	REQUIRE_EQ(io_uring_register_buffers_tags(&ring, iov, tags, 2), 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_read_fixed(sqe, p[0], b1, 8, 0, 0);
	sqe->user_data = 500;
	CHECK_EQ(io_uring_submit(&ring), 1);
	test_sleep_ms(20);
	CHECK_EQ(io_uring_register_buffers_update_tag(&ring, 0, &niov, NULL, 1), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	CHECK_EQ(write(p[1], "abc", 3), 3);
	{
		__u64 ud[2] = { 500, 1 };
		int res[2] = { 3, 0 };

		expect_cqes(ud, res, 2);
	}
	/* slot 1 untouched: a read into it goes on as usual */
	sqe = test_get_sqe(&ring);
	io_uring_prep_read_fixed(sqe, p[0], b3, 8, 0, 1);
	sqe->user_data = 501;
	CHECK_EQ(io_uring_submit(&ring), 1);
	test_sleep_ms(20);
	CHECK_EQ(io_uring_register_buffers_update_tag(&ring, 0, &niov, NULL, 1), 1);
	CHECK_EQ(write(p[1], "def", 3), 3);
	{
		__u64 ud[1] = { 501 };
		int res[1] = { 3 };

		expect_cqes(ud, res, 1);
	}
	CHECK_MEM(b3, "def", 3);
	CHECK_EQ(io_uring_unregister_buffers(&ring), 0);
	expect_tag(2);
	close(p[0]);
	close(p[1]);
	io_uring_queue_exit(&ring);
}

TEST(buffers_sparse_use)
{
	struct iovec niov = { b2, 4096 };
	struct io_uring_sqe *sqe;
	struct test_cqe c;
	int fd;

	test_ring_init(8, &ring, 0);
	fd = test_tmpfile_with("fixedbuf", 8, NULL);
	REQUIRE_EQ(io_uring_register_buffers_sparse(&ring, 4), 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_read_fixed(sqe, fd, b2, 8, 0, 2);
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ(c.res, -EFAULT);
	CHECK_EQ(io_uring_register_buffers_update_tag(&ring, 2, &niov, NULL, 1), 1);
	sqe = test_get_sqe(&ring);
	io_uring_prep_read_fixed(sqe, fd, b2, 8, 0, 2);
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ(c.res, 8);
	CHECK_MEM(b2, "fixedbuf", 8);
	CHECK_EQ(io_uring_unregister_buffers(&ring), 0);
	close(fd);
	io_uring_queue_exit(&ring);
}

/* The engine says what it does: IORING_FEAT_RSRC_TAGS, as the kernel. */
TEST(feature_bit)
{
	struct io_uring_params p = { 0 };

	test_ring_init_params(4, &ring, &p);
	CHECK_TRUE(p.features & IORING_FEAT_RSRC_TAGS);
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(files2_register_errors),
		TEST_ENTRY(files_tags),
		TEST_ENTRY(files_tag_after_request),
		TEST_ENTRY(files_tag_unused_in_submit),
		TEST_ENTRY(files_sparse_use),
		TEST_ENTRY(buffers2_register_errors),
		TEST_ENTRY(buffers_tags),
		TEST_ENTRY(buffers_tag_after_request),
		TEST_ENTRY(buffers_sparse_use),
		TEST_ENTRY(feature_bit),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
