/* SPDX-License-Identifier: MIT */
/*
 * io_uring_setup(): argument validation, SQ/CQ sizing, returned values.
 */
#include "harness.h"

#include <fcntl.h>

static void zero_params(struct io_uring_params *p)
{
	memset(p, 0, sizeof(*p));
}

/* setup() that must succeed; returns the fd with *p filled in. */
static int setup_ok(unsigned entries, struct io_uring_params *p)
{
	int fd = test_setup_raw(entries, p);

	REQUIRE_GE(fd, 0);
	return fd;
}

/* Expect setup(entries, flags[, cq]) to give sq/cq entries. */
static void expect_sizes(unsigned entries, unsigned flags, unsigned cq_in, unsigned sq_out,
			 unsigned cq_out)
{
	struct io_uring_params p;
	int fd;

	zero_params(&p);
	p.flags = flags;
	p.cq_entries = cq_in;
	fd = test_setup_raw(entries, &p);
	if (!CHECK_GE(fd, 0)) {
		printf("    (entries %u flags 0x%x cq %u)\n", entries, flags, cq_in);
		return;
	}
	if (!CHECK_EQ_U(p.sq_entries, sq_out) || !CHECK_EQ_U(p.cq_entries, cq_out))
		printf("    (entries %u flags 0x%x cq %u)\n", entries, flags, cq_in);
	test_close_ring_fd(fd);
}

static void expect_error(unsigned entries, unsigned flags, unsigned cq_in, int err)
{
	struct io_uring_params p;
	int ret;

	zero_params(&p);
	p.flags = flags;
	p.cq_entries = cq_in;
	ret = test_setup_raw(entries, &p);
	if (!CHECK_ERRNO(ret, err))
		printf("    (entries %u flags 0x%x cq %u)\n", entries, flags, cq_in);
	if (ret >= 0)
		test_close_ring_fd(ret);
}

TEST(zero_entries)
{
	struct io_uring ring;

	expect_error(0, 0, 0, -EINVAL);
	/* The library passes the error through, as -errno. */
	errno = 0;
	CHECK_ERRNO(io_uring_queue_init(0, &ring, 0), -EINVAL);
	CHECK_EQ(errno, 0);
}

TEST(too_many_entries)
{
	expect_error(32769, 0, 0, -EINVAL);
	expect_error(65536, 0, 0, -EINVAL);
	expect_error(0xffffffffu, 0, 0, -EINVAL);
	expect_sizes(32768, 0, 0, 32768, 65536);
}

TEST(clamp_entries)
{
	expect_sizes(32769, IORING_SETUP_CLAMP, 0, 32768, 65536);
	expect_sizes(0xffffffffu, IORING_SETUP_CLAMP, 0, 32768, 65536);
	/* CLAMP alone changes nothing for a size in range */
	expect_sizes(5, IORING_SETUP_CLAMP, 0, 8, 16);
}

TEST(power_of_two_rounding)
{
	expect_sizes(1, 0, 0, 1, 2);
	expect_sizes(2, 0, 0, 2, 4);
	expect_sizes(3, 0, 0, 4, 8);
	expect_sizes(5, 0, 0, 8, 16);
	expect_sizes(100, 0, 0, 128, 256);
	expect_sizes(4096, 0, 0, 4096, 8192);
}

TEST(cq_entries_ignored_without_cqsize)
{
	expect_sizes(4, 0, 1000, 4, 8);
	expect_sizes(4, 0, 1, 4, 8);
	expect_sizes(4, 0, 0xffffffffu, 4, 8);
}

TEST(cqsize)
{
	const unsigned f = IORING_SETUP_CQSIZE;

	expect_error(4, f, 0, -EINVAL); /* cq 0 */
	expect_error(8, f, 4, -EINVAL); /* cq < sq */
	expect_error(4, f, 65537, -EINVAL); /* above the maximum */
	expect_error(4, f, 0x80000000u, -EINVAL);
	expect_sizes(4, f, 5, 4, 8); /* rounded up */
	expect_sizes(8, f, 8, 8, 8); /* equal is accepted */
	expect_sizes(3, f, 3, 4, 4); /* both round to 4 */
	expect_sizes(4, f, 1000, 4, 1024);
	expect_sizes(1, f, 65536, 1, 65536);
}

TEST(cqsize_clamp)
{
	const unsigned f = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP;

	expect_sizes(4, f, 65537, 4, 65536);
	expect_sizes(4, f, 0x80000000u, 4, 65536);
	/* CLAMP does not rescue a zero CQ size */
	expect_error(4, f, 0, -EINVAL);
}

TEST(resv_nonzero)
{
	for (int i = 0; i < 3; i++) {
		struct io_uring_params p;
		int ret;

		zero_params(&p);
		p.resv[i] = 1;
		ret = test_setup_raw(4, &p);
		if (!CHECK_ERRNO(ret, -EINVAL))
			printf("    (resv[%d] = 1)\n", i);
		if (ret >= 0)
			test_close_ring_fd(ret);
	}
}

TEST(unknown_flag_bits)
{
	/* 6.18 knows setup flag bits 0-18 */
	for (int bit = 19; bit < 32; bit++)
		expect_error(4, 1u << bit, 0, -EINVAL);
}

TEST(bad_flag_combinations)
{
	expect_error(4, IORING_SETUP_SQ_AFF, 0, -EINVAL);
	expect_error(4, IORING_SETUP_TASKRUN_FLAG, 0, -EINVAL);
	expect_error(4, IORING_SETUP_DEFER_TASKRUN, 0, -EINVAL);
	expect_error(4, IORING_SETUP_SQPOLL | IORING_SETUP_COOP_TASKRUN, 0, -EINVAL);
	expect_error(4, IORING_SETUP_HYBRID_IOPOLL, 0, -EINVAL);
	expect_error(4, IORING_SETUP_REGISTERED_FD_ONLY, 0, -EINVAL);
}

TEST(null_params)
{
	int ret;

	ret = io_uring_setup(4, NULL);
	test_skip_if_refused(ret, "io_uring_setup");
	CHECK_ERRNO(ret, -EFAULT);
	if (ret >= 0)
		test_close_ring_fd(ret);
	/* the params copy comes before the entries check */
	ret = io_uring_setup(0, NULL);
	CHECK_ERRNO(ret, -EFAULT);
	if (ret >= 0)
		test_close_ring_fd(ret);
}

TEST(returned_fd_and_params)
{
	struct io_uring_params p;
	int fd, fl;

	zero_params(&p);
	/* inputs without their flags are ignored and echoed back */
	p.wq_fd = 9999;
	p.sq_thread_cpu = 12345;
	p.sq_thread_idle = 5;
	fd = setup_ok(8, &p);
	fl = fcntl(fd, F_GETFD);
	CHECK_TRUE(fl >= 0 && (fl & FD_CLOEXEC));
	fl = fcntl(fd, F_GETFL);
	CHECK_EQ(fl & O_ACCMODE, O_RDWR);
	CHECK_EQ_U(p.flags, 0);
	CHECK_EQ_U(p.wq_fd, 9999);
	CHECK_EQ_U(p.sq_thread_cpu, 12345);
	CHECK_EQ_U(p.sq_thread_idle, 5);
	CHECK_EQ_U(p.sq_entries, 8);
	CHECK_EQ_U(p.cq_entries, 16);
	/* the features every executor of ringer advertises */
	CHECK_TRUE(p.features & IORING_FEAT_NODROP);
	CHECK_TRUE(p.features & IORING_FEAT_SUBMIT_STABLE);
	CHECK_TRUE(p.features & IORING_FEAT_RW_CUR_POS);
	CHECK_TRUE(p.features & IORING_FEAT_EXT_ARG);
	CHECK_EQ_U(p.sq_off.resv1, 0);
	CHECK_EQ_U(p.cq_off.resv1, 0);
	CHECK_EQ_U(p.sq_off.user_addr, 0);
	CHECK_EQ_U(p.cq_off.user_addr, 0);
	test_close_ring_fd(fd);
}

TEST(offsets_are_sane)
{
	struct io_uring_params p;
	unsigned sq_end, cq_end;
	int fd;

	zero_params(&p);
	fd = setup_ok(16, &p);
	/* the SQ fields are u32s, at 4-byte aligned distinct offsets */
	CHECK_EQ_U(p.sq_off.head % 4, 0);
	CHECK_EQ_U(p.sq_off.tail % 4, 0);
	CHECK_EQ_U(p.sq_off.array % 4, 0);
	CHECK_NE_U(p.sq_off.head, p.sq_off.tail);
	CHECK_NE_U(p.cq_off.head, p.cq_off.tail);
	CHECK_EQ_U(p.cq_off.cqes % 8, 0);
	sq_end = p.sq_off.array + 4 * p.sq_entries;
	cq_end = p.cq_off.cqes + 16 * p.cq_entries;
	CHECK_GT(sq_end, p.sq_off.array);
	CHECK_GT(cq_end, p.cq_off.cqes);
	test_close_ring_fd(fd);
}

TEST(queue_init_sizes)
{
	struct io_uring ring;
	struct io_uring_params p;

	test_ring_init(3, &ring, 0);
	CHECK_EQ_U(ring.sq.ring_entries, 4);
	CHECK_EQ_U(ring.cq.ring_entries, 8);
	CHECK_EQ_U(*ring.sq.kring_entries, 4);
	CHECK_EQ_U(*ring.cq.kring_entries, 8);
	CHECK_EQ_U(ring.sq.ring_mask, 3);
	CHECK_EQ_U(ring.cq.ring_mask, 7);
	CHECK_EQ_U(io_uring_sq_space_left(&ring), 4);
	CHECK_EQ_U(io_uring_sq_ready(&ring), 0);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 0);
	io_uring_queue_exit(&ring);

	zero_params(&p);
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = 100;
	test_ring_init_params(8, &ring, &p);
	CHECK_EQ_U(p.sq_entries, 8);
	CHECK_EQ_U(p.cq_entries, 128);
	CHECK_EQ_U(ring.cq.ring_entries, 128);
	CHECK_EQ_U(*ring.cq.kring_entries, 128);
	io_uring_queue_exit(&ring);
}

TEST(many_rings)
{
	struct io_uring rings[16];
	int fds_before = test_count_fds();

	for (int i = 0; i < 16; i++)
		test_ring_init(4, &rings[i], 0);
	for (int i = 0; i < 16; i++) {
		struct io_uring_sqe *sqe = test_get_sqe(&rings[i]);
		struct io_uring_cqe *cqe;

		io_uring_prep_nop(sqe);
		io_uring_sqe_set_data64(sqe, 1000 + i);
		CHECK_EQ(io_uring_submit(&rings[i]), 1);
		if (CHECK_EQ(test_wait_cqe_ms(&rings[i], &cqe, 5000), 0)) {
			CHECK_EQ_U(cqe->user_data, 1000 + i);
			io_uring_cqe_seen(&rings[i], cqe);
		}
	}
	for (int i = 0; i < 16; i++)
		io_uring_queue_exit(&rings[i]);
	CHECK_EQ(test_count_fds(), fds_before);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(zero_entries),
		TEST_ENTRY(too_many_entries),
		TEST_ENTRY(clamp_entries),
		TEST_ENTRY(power_of_two_rounding),
		TEST_ENTRY(cq_entries_ignored_without_cqsize),
		TEST_ENTRY(cqsize),
		TEST_ENTRY(cqsize_clamp),
		TEST_ENTRY(resv_nonzero),
		TEST_ENTRY(unknown_flag_bits),
		TEST_ENTRY(bad_flag_combinations),
		TEST_ENTRY(null_params),
		TEST_ENTRY(returned_fd_and_params),
		TEST_ENTRY(offsets_are_sane),
		TEST_ENTRY(queue_init_sizes),
		TEST_ENTRY(many_rings),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
