/* SPDX-License-Identifier: MIT */
/*
 * Submit-time versus issue-time failures in a batch, link chains (LINK,
 * HARDLINK), CQE_SKIP_SUCCESS and IO_DRAIN; a pipe read that waits stands
 * in for a TIMEOUT where a chain needs a request that does not complete at
 * once.
 */
#include "harness.h"

static struct io_uring ring;

static struct io_uring_sqe *nop(__u64 user_data, unsigned flags)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, user_data);
	io_uring_sqe_set_flags(sqe, flags);
	return sqe;
}

/* A NOP that fails at submit time (a NOP takes no ioprio): -EINVAL. */
static struct io_uring_sqe *bad_nop(__u64 user_data, unsigned flags)
{
	struct io_uring_sqe *sqe = nop(user_data, flags);

	sqe->ioprio = 1;
	return sqe;
}

/* A READ that fails at issue time: -EBADF. */
static struct io_uring_sqe *bad_read(__u64 user_data, unsigned flags)
{
	static char buf[8];
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_read(sqe, 9999, buf, sizeof(buf), 0);
	io_uring_sqe_set_data64(sqe, user_data);
	io_uring_sqe_set_flags(sqe, flags);
	return sqe;
}

static int res_of(const struct test_cqe *c, unsigned n, __u64 user_data)
{
	const struct test_cqe *e = test_find_cqe(c, n, user_data);

	if (!e) {
		printf("    no CQE with user_data %llu\n", (unsigned long long)user_data);
		return 1000000;
	}
	return e->res;
}

/* what a request's CQE must say */
struct want {
	__u64 user_data;
	int res;
};

/*
 * Submit what is queued and reap one CQE for each want, in any order:
 * REAP_RESULTS({ 1, 0 }, { 2, -ECANCELED }).
 */
static void reap_results(const struct want *w, unsigned n)
{
	struct test_cqe c[8];

	REQUIRE_TRUE(n <= ARRAY_SIZE(c));
	CHECK_EQ(test_submit_reap(&ring, c, n), (int)n);
	for (unsigned i = 0; i < n; i++) {
		int res = res_of(c, n, w[i].user_data);

		CHECK_MSG(res == w[i].res, "user_data %llu: res %d, expected %d",
			  (unsigned long long)w[i].user_data, res, w[i].res);
	}
}
#define REAP_RESULTS(...)                                  \
	reap_results((const struct want[]){ __VA_ARGS__ }, \
		     sizeof((const struct want[]){ __VA_ARGS__ }) / sizeof(struct want))

TEST(prep_failure_stops_batch)
{
	struct test_cqe c[3];

	test_ring_init(8, &ring, 0);
	nop(1, 0);
	bad_nop(2, 0);
	nop(3, 0);
	/* the failing SQE is counted, the one after it stays queued */
	REAP_RESULTS({ 1, 0 }, { 2, -EINVAL });
	CHECK_EQ_U(io_uring_sq_ready(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	CHECK_EQ(test_submit_reap(&ring, c, 1), 1);
	CHECK_EQ_U(c[0].user_data, 3);
	CHECK_EQ(c[0].res, 0);
	io_uring_queue_exit(&ring);
}

TEST(submit_all_continues)
{
	test_ring_init(8, &ring, IORING_SETUP_SUBMIT_ALL);
	nop(1, 0);
	bad_nop(2, 0);
	nop(3, 0);
	REAP_RESULTS({ 1, 0 }, { 2, -EINVAL }, { 3, 0 });
	CHECK_EQ_U(io_uring_sq_ready(&ring), 0);
	io_uring_queue_exit(&ring);
}

TEST(issue_failure_batch_continues)
{
	test_ring_init(8, &ring, 0);
	nop(1, 0);
	bad_read(2, 0);
	nop(3, 0);
	REAP_RESULTS({ 1, 0 }, { 2, -EBADF }, { 3, 0 });
	io_uring_queue_exit(&ring);
}

TEST(submit_time_faults_stop_batch)
{
	static struct iovec iov[1025];
	static char buf[8];
	struct test_cqe c[2];
	struct io_uring_sqe *sqe;
	int fd;

	test_ring_init(8, &ring, 0);
	fd = test_tmpfile_with("0123456789", 10, NULL);
	for (int i = 0; i < 1025; i++) {
		iov[i].iov_base = buf;
		iov[i].iov_len = 1;
	}
	/* too many iovecs: a prep failure, the NOP after it stays queued */
	sqe = test_get_sqe(&ring);
	io_uring_prep_readv(sqe, fd, iov, 1025, 0);
	io_uring_sqe_set_data64(sqe, 1);
	nop(2, 0);
	CHECK_EQ(test_submit_reap(&ring, c, 1), 1);
	CHECK_EQ_U(c[0].user_data, 1);
	CHECK_EQ(c[0].res, -EINVAL);
	CHECK_EQ(test_submit_reap(&ring, c, 1), 1);
	CHECK_EQ_U(c[0].user_data, 2);
	/* an unreadable iovec array is read at prep: the same */
	sqe = test_get_sqe(&ring);
	io_uring_prep_readv(sqe, fd, (struct iovec *)8, 1, 0);
	io_uring_sqe_set_data64(sqe, 3);
	nop(4, 0);
	CHECK_EQ(test_submit_reap(&ring, c, 1), 1);
	CHECK_EQ_U(c[0].user_data, 3);
	CHECK_EQ(c[0].res, -EFAULT);
	CHECK_EQ(test_submit_reap(&ring, c, 1), 1);
	CHECK_EQ_U(c[0].user_data, 4);
	/* a buffer outside the user address range fails the prep check */
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, (void *)0xffff800000000000UL, 8, 0);
	io_uring_sqe_set_data64(sqe, 5);
	nop(6, 0);
	CHECK_EQ(test_submit_reap(&ring, c, 1), 1);
	CHECK_EQ_U(c[0].user_data, 5);
	CHECK_EQ(c[0].res, -EFAULT);
	CHECK_EQ(test_submit_reap(&ring, c, 1), 1);
	CHECK_EQ_U(c[0].user_data, 6);
	close(fd);
	io_uring_queue_exit(&ring);
}

TEST(link_cut_by_failure)
{
	struct test_cqe c[3];

	test_ring_init(8, &ring, 0);
	nop(1, IOSQE_IO_LINK);
	bad_read(2, IOSQE_IO_LINK);
	nop(3, 0);
	CHECK_EQ(test_submit_reap(&ring, c, 3), 3);
	/* members complete one after the other, in chain order */
	CHECK_EQ_U(c[0].user_data, 1);
	CHECK_EQ(c[0].res, 0);
	CHECK_EQ_U(c[1].user_data, 2);
	CHECK_EQ(c[1].res, -EBADF);
	CHECK_EQ_U(c[2].user_data, 3);
	CHECK_EQ(c[2].res, -ECANCELED);
	io_uring_queue_exit(&ring);
}

TEST(link_prep_failure_cancels_chain)
{
	test_ring_init(8, &ring, 0);
	/* a chain with a submit-time failure inside: nothing of it runs */
	nop(1, IOSQE_IO_LINK);
	bad_nop(2, IOSQE_IO_LINK);
	nop(3, IOSQE_IO_LINK);
	nop(4, 0);
	nop(5, 0);
	/* the batch goes on to the end of the chain, and past it */
	REAP_RESULTS({ 1, -ECANCELED }, { 2, -EINVAL }, { 3, -ECANCELED }, { 4, -ECANCELED },
		     { 5, 0 });
	CHECK_TRUE(test_cq_empty_for(&ring, 20));

	/* the failing SQE ends its chain: the batch stops after it */
	nop(6, IOSQE_IO_LINK);
	bad_nop(7, 0);
	nop(8, 0);
	REAP_RESULTS({ 6, -ECANCELED }, { 7, -EINVAL });
	CHECK_EQ_U(io_uring_sq_ready(&ring), 1);
	REAP_RESULTS({ 8, 0 });

	/* the head itself failing */
	bad_nop(9, IOSQE_IO_LINK);
	nop(10, 0);
	REAP_RESULTS({ 9, -EINVAL }, { 10, -ECANCELED });
	io_uring_queue_exit(&ring);
}

TEST(hardlink)
{
	struct test_cqe c[2];

	test_ring_init(8, &ring, 0);
	/* a completion failure does not cut a hard link */
	bad_read(1, IOSQE_IO_HARDLINK);
	nop(2, 0);
	CHECK_EQ(test_submit_reap(&ring, c, 2), 2);
	CHECK_EQ_U(c[0].user_data, 1);
	CHECK_EQ(c[0].res, -EBADF);
	CHECK_EQ_U(c[1].user_data, 2);
	CHECK_EQ(c[1].res, 0);
	/* LINK and HARDLINK together act as HARDLINK */
	bad_read(3, IOSQE_IO_HARDLINK | IOSQE_IO_LINK);
	nop(4, 0);
	REAP_RESULTS({ 3, -EBADF }, { 4, 0 });
	/* a submit-time failure does */
	bad_nop(5, IOSQE_IO_HARDLINK);
	nop(6, 0);
	REAP_RESULTS({ 5, -EINVAL }, { 6, -ECANCELED });
	io_uring_queue_exit(&ring);
}

TEST(link_on_last_sqe_of_batch)
{
	struct test_cqe c[2];

	test_ring_init(8, &ring, 0);
	/* a chain never spans two submissions */
	bad_read(1, IOSQE_IO_LINK);
	CHECK_EQ(test_submit_reap(&ring, c, 1), 1);
	CHECK_EQ(c[0].res, -EBADF);
	nop(2, 0);
	CHECK_EQ(test_submit_reap(&ring, c, 1), 1);
	CHECK_EQ_U(c[0].user_data, 2);
	CHECK_EQ(c[0].res, 0);
	io_uring_queue_exit(&ring);
}

TEST(short_read_breaks_link)
{
	char buf[64];
	struct test_cqe c[2];
	struct io_uring_sqe *sqe;
	int fd;

	test_ring_init(8, &ring, 0);
	fd = test_tmpfile_with("01234567", 8, NULL);
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, buf, 64, 0);
	io_uring_sqe_set_data64(sqe, 1);
	io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK);
	nop(2, 0);
	CHECK_EQ(test_submit_reap(&ring, c, 2), 2);
	CHECK_EQ_U(c[0].user_data, 1);
	CHECK_EQ(c[0].res, 8);
	CHECK_EQ_U(c[1].user_data, 2);
	CHECK_EQ(c[1].res, -ECANCELED);
	/* a full read keeps the chain going */
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, buf, 8, 0);
	io_uring_sqe_set_data64(sqe, 3);
	io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK);
	nop(4, 0);
	CHECK_EQ(test_submit_reap(&ring, c, 2), 2);
	CHECK_EQ(c[0].res, 8);
	CHECK_EQ_U(c[1].user_data, 4);
	CHECK_EQ(c[1].res, 0);
	close(fd);
	io_uring_queue_exit(&ring);
}

TEST(link_orders_write_then_read)
{
	char src[4096], dst[4096];
	struct test_cqe c[3];
	struct io_uring_sqe *sqe;
	int fd;

	test_ring_init(8, &ring, 0);
	fd = test_tmpfile(NULL);
	test_fill_random(src, sizeof(src), 77);
	memset(dst, 0, sizeof(dst));
	sqe = test_get_sqe(&ring);
	io_uring_prep_write(sqe, fd, src, sizeof(src), 0);
	io_uring_sqe_set_data64(sqe, 1);
	io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK);
	sqe = test_get_sqe(&ring);
	io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
	io_uring_sqe_set_data64(sqe, 2);
	io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK);
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, dst, sizeof(dst), 0);
	io_uring_sqe_set_data64(sqe, 3);
	CHECK_EQ(test_submit_reap(&ring, c, 3), 3);
	for (int i = 0; i < 3; i++)
		CHECK_EQ_U(c[i].user_data, i + 1);
	CHECK_EQ(c[0].res, 4096);
	CHECK_EQ(c[1].res, 0);
	CHECK_EQ(c[2].res, 4096);
	CHECK_MEM(dst, src, sizeof(src));
	close(fd);
	io_uring_queue_exit(&ring);
}

TEST(cqe_skip_success)
{
	struct test_cqe c[2];
	struct io_uring_sqe *sqe;

	test_ring_init(8, &ring, 0);
	/* a success posts nothing */
	nop(1, IOSQE_CQE_SKIP_SUCCESS);
	nop(2, 0);
	CHECK_EQ(test_submit_reap(&ring, c, 1), 2);
	CHECK_EQ_U(c[0].user_data, 2);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	/* a failure posts its error and hides the -ECANCELED of its successors */
	sqe = nop(3, IOSQE_CQE_SKIP_SUCCESS | IOSQE_IO_LINK);
	sqe->nop_flags = IORING_NOP_INJECT_RESULT;
	sqe->len = (__u32)-EIO;
	nop(4, IOSQE_IO_LINK);
	nop(5, 0);
	CHECK_EQ(test_submit_reap(&ring, c, 1), 3);
	CHECK_EQ_U(c[0].user_data, 3);
	CHECK_EQ(c[0].res, -EIO);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	/* the same for a submit-time failure */
	bad_nop(6, IOSQE_CQE_SKIP_SUCCESS | IOSQE_IO_LINK);
	nop(7, 0);
	CHECK_EQ(test_submit_reap(&ring, c, 1), 2);
	CHECK_EQ_U(c[0].user_data, 6);
	CHECK_EQ(c[0].res, -EINVAL);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	/* an issue-time failure of a skip-success READ is posted */
	bad_read(8, IOSQE_CQE_SKIP_SUCCESS);
	CHECK_EQ(test_submit_reap(&ring, c, 1), 1);
	CHECK_EQ_U(c[0].user_data, 8);
	CHECK_EQ(c[0].res, -EBADF);
	io_uring_queue_exit(&ring);
}

TEST(drain_after_skip_success)
{
	struct test_cqe c[2];

	test_ring_init(8, &ring, 0);
	nop(1, IOSQE_CQE_SKIP_SUCCESS);
	CHECK_EQ(io_uring_submit(&ring), 1);
	/* once a ring has seen CQE_SKIP_SUCCESS, DRAIN is refused for good */
	nop(2, IOSQE_IO_DRAIN);
	nop(3, 0);
	CHECK_EQ(test_submit_reap(&ring, c, 1), 1);
	CHECK_EQ_U(c[0].user_data, 2);
	CHECK_EQ(c[0].res, -EOPNOTSUPP);
	CHECK_EQ(test_submit_reap(&ring, c, 1), 1);
	CHECK_EQ_U(c[0].user_data, 3);
	CHECK_EQ(c[0].res, 0);
	io_uring_queue_exit(&ring);
}

TEST(drain_waits_for_earlier)
{
	char buf[8];
	struct test_cqe c[3];
	struct io_uring_sqe *sqe;
	int p[2];

	test_ring_init(8, &ring, 0);
	REQUIRE_SYS(pipe(p));
	/* [READ of an empty pipe, NOP(DRAIN), NOP]: nothing may pass the read */
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, p[0], buf, sizeof(buf), 0);
	io_uring_sqe_set_data64(sqe, 1);
	nop(2, IOSQE_IO_DRAIN);
	nop(3, 0);
	CHECK_EQ(io_uring_submit(&ring), 3);
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
	REQUIRE_EQ(write(p[1], "x", 1), 1);
	REQUIRE_EQ(test_reap(&ring, c, 3, 5000), 3);
	CHECK_EQ_U(c[0].user_data, 1);
	CHECK_EQ(c[0].res, 1);
	CHECK_EQ_U(c[1].user_data, 2);
	CHECK_EQ(c[1].res, 0);
	CHECK_EQ_U(c[2].user_data, 3);
	CHECK_EQ(c[2].res, 0);
	close(p[0]);
	close(p[1]);
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(prep_failure_stops_batch),
		TEST_ENTRY(submit_all_continues),
		TEST_ENTRY(issue_failure_batch_continues),
		TEST_ENTRY(submit_time_faults_stop_batch),
		TEST_ENTRY(link_cut_by_failure),
		TEST_ENTRY(link_prep_failure_cancels_chain),
		TEST_ENTRY(hardlink),
		TEST_ENTRY(link_on_last_sqe_of_batch),
		TEST_ENTRY(short_read_breaks_link),
		TEST_ENTRY(link_orders_write_then_read),
		TEST_ENTRY(cqe_skip_success),
		TEST_ENTRY(drain_after_skip_success),
		TEST_ENTRY(drain_waits_for_earlier),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
