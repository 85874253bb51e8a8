/* SPDX-License-Identifier: MIT */
/*
 * The library around the rings: versions, io_uring_queue_mmap() over a raw
 * setup, the backend calls of ringer's seam, and a few liburing helpers not
 * covered elsewhere (wait_cqe_nr, submit_and_wait_timeout, sq_space_left).
 */
#include "harness.h"

#include <sys/mman.h>

TEST(versions)
{
	CHECK_EQ(io_uring_major_version(), IO_URING_VERSION_MAJOR);
	CHECK_EQ(io_uring_minor_version(), IO_URING_VERSION_MINOR);
	CHECK_EQ(io_uring_major_version(), 2);
	CHECK_EQ(io_uring_minor_version(), 15);
	/* true means "the library is older than asked" */
	CHECK_FALSE(io_uring_check_version(2, 15));
	CHECK_FALSE(io_uring_check_version(2, 3));
	CHECK_FALSE(io_uring_check_version(2, 0));
	CHECK_FALSE(io_uring_check_version(1, 9));
	CHECK_TRUE(io_uring_check_version(2, 16));
	CHECK_TRUE(io_uring_check_version(3, 0));
	CHECK_FALSE(IO_URING_CHECK_VERSION(2, 15));
	CHECK_TRUE(IO_URING_CHECK_VERSION(2, 16));
}

TEST(backend_of_rings)
{
	struct io_uring ring;
	int want, p[2];

	test_ring_init(4, &ring, 0);
	if (test_backend_is("kernel"))
		want = RINGER_BACKEND_KERNEL;
	else if (test_backend_is("user"))
		want = RINGER_BACKEND_USER;
	else
		want = ringer_ring_backend(&ring);
	CHECK_EQ(ringer_ring_backend(&ring), want);
	CHECK_EQ(ringer_fd_backend(ring.ring_fd), want);
	CHECK_EQ(ringer_is_engine_fd(ring.ring_fd), want == RINGER_BACKEND_USER);
	REQUIRE_SYS(pipe(p));
	/*
	 * An open fd that is not a ring: ringer.h says -EBADF, the library
	 * gives -EOPNOTSUPP (as io_uring_enter does); either way, an error.
	 */
	CHECK_LT(ringer_fd_backend(p[0]), 0);
	CHECK_EQ(ringer_is_engine_fd(p[0]), 0);
	CHECK_ERRNO(ringer_fd_backend(-1), -EBADF);
	CHECK_ERRNO(ringer_fd_backend(9999), -EBADF);
	close(p[0]);
	close(p[1]);
	io_uring_queue_exit(&ring);
}

TEST(backend_names_and_override)
{
	enum ringer_backend before = ringer_get_backend();

	CHECK_TRUE(!strcmp(ringer_backend_name(RINGER_BACKEND_AUTO), "auto"));
	CHECK_TRUE(!strcmp(ringer_backend_name(RINGER_BACKEND_KERNEL), "kernel"));
	CHECK_TRUE(!strcmp(ringer_backend_name(RINGER_BACKEND_USER), "user"));
	CHECK_TRUE(ringer_backend_name((enum ringer_backend)7) == NULL);
	CHECK_ERRNO(ringer_set_backend((enum ringer_backend)7), -EINVAL);
	/* the environment's choice is what new rings get */
	if (test_backend_is("kernel"))
		CHECK_EQ(before, RINGER_BACKEND_KERNEL);
	if (test_backend_is("user"))
		CHECK_EQ(before, RINGER_BACKEND_USER);
	CHECK_ERRNO(ringer_set_backend(before), 0);
	CHECK_EQ(ringer_get_backend(), before);
}

TEST(queue_mmap_over_raw_setup)
{
	struct io_uring_params p;
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct test_cqe c = { 0 };
	int fd;

	memset(&p, 0, sizeof(p));
	fd = test_setup_raw(8, &p);
	REQUIRE_GE(fd, 0);
	memset(&ring, 0, sizeof(ring));
	REQUIRE_ERRNO(io_uring_queue_mmap(fd, &p, &ring), 0);
	CHECK_EQ(ring.ring_fd, fd);
	CHECK_EQ_U(ring.sq.ring_entries, 8);
	CHECK_EQ_U(ring.cq.ring_entries, 16);
	sqe = test_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, 77);
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ_U(c.user_data, 77);
	CHECK_EQ(c.res, 0);
	io_uring_queue_exit(&ring);
	/* queue_exit closed the fd */
	CHECK_TRUE(fcntl(fd, F_GETFD) < 0);
}

TEST(ring_dontfork)
{
	struct io_uring ring;

	test_ring_init(4, &ring, 0);
	CHECK_ERRNO(io_uring_ring_dontfork(&ring), 0);
	io_uring_queue_exit(&ring);
}

TEST(wait_cqe_nr_and_space)
{
	struct io_uring ring;
	struct io_uring_cqe *cqe;

	test_ring_init(4, &ring, 0);
	CHECK_EQ_U(io_uring_sq_space_left(&ring), 4);
	for (int i = 0; i < 3; i++) {
		struct io_uring_sqe *sqe = test_get_sqe(&ring);

		io_uring_prep_nop(sqe);
		io_uring_sqe_set_data64(sqe, 500 + i);
	}
	CHECK_EQ_U(io_uring_sq_space_left(&ring), 1);
	CHECK_EQ_U(io_uring_sq_ready(&ring), 3);
	CHECK_EQ(io_uring_submit(&ring), 3);
	CHECK_EQ_U(io_uring_sq_space_left(&ring), 4);
	REQUIRE_ERRNO(io_uring_wait_cqe_nr(&ring, &cqe, 3), 0);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 3);
	CHECK_EQ_U(cqe->user_data, 500);
	io_uring_cq_advance(&ring, 3);
	CHECK_FALSE(io_uring_cq_has_overflow(&ring));
	io_uring_queue_exit(&ring);
}

TEST(submit_and_wait_timeout)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe = NULL;
	struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = 50000000 };
	uint64_t t0;

	test_ring_init(4, &ring, 0);
	/* nothing to submit, nothing coming: -ETIME after the timeout */
	t0 = test_now_ns();
	CHECK_ERRNO(io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &ts, NULL), -ETIME);
	CHECK_GE(test_now_ns() - t0, 45000000ULL);
	/* a NOP: submitted, and its CQE handed back */
	sqe = test_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, 31);
	ts.tv_sec = 5;
	CHECK_GE(io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &ts, NULL), 0);
	if (CHECK_TRUE(cqe != NULL)) {
		CHECK_EQ_U(cqe->user_data, 31);
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(versions),
		TEST_ENTRY(backend_of_rings),
		TEST_ENTRY(backend_names_and_override),
		TEST_ENTRY(queue_mmap_over_raw_setup),
		TEST_ENTRY(ring_dontfork),
		TEST_ENTRY(wait_cqe_nr_and_space),
		TEST_ENTRY(submit_and_wait_timeout),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
