/* SPDX-License-Identifier: MIT */
/*
 * A ring fd closed with close(2) instead of io_uring_queue_exit(): the number
 * may come back as another ring's fd, and calls on it must reach that ring,
 * not a stale one.  On the kernel this holds by construction; the user
 * engine's fd table has to notice the reuse.
 */
#include "harness.h"

#include <sys/mman.h>
#include <unistd.h>

/* Submit one NOP on ring and check its CQE arrives. */
static void nop_round_trip(struct io_uring *ring, __u64 ud)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;

	REQUIRE_TRUE(sqe != NULL);
	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, ud);
	CHECK_EQ(io_uring_submit_and_wait(ring, 1), 1);
	REQUIRE_EQ(io_uring_peek_cqe(ring, &cqe), 0);
	CHECK_EQ_U(cqe->user_data, ud);
	CHECK_EQ(cqe->res, 0);
	io_uring_cqe_seen(ring, cqe);
}

/* Drop the library's mappings and close the fd behind the library's back. */
static int abandon(struct io_uring *ring)
{
	int fd = ring->ring_fd;

	munmap(ring->sq.sqes, ring->sq.ring_entries * sizeof(struct io_uring_sqe));
	if (ring->cq.ring_ptr != ring->sq.ring_ptr)
		munmap(ring->cq.ring_ptr, ring->cq.ring_sz);
	munmap(ring->sq.ring_ptr, ring->sq.ring_sz);
	close(fd);
	return fd;
}

TEST(reused_by_kernel_ring)
{
	struct io_uring_params p;
	struct io_uring a, b;
	int fd, ret;

	test_ring_init(4, &a, 0);
	nop_round_trip(&a, 1);
	fd = abandon(&a);

	/* The lowest free number is the one just closed. */
	memset(&p, 0, sizeof(p));
	ret = ringer_queue_init_backend(4, &b, &p, RINGER_BACKEND_KERNEL);
	if (ret == -ENOSYS || ret == -EPERM || ret == -EACCES)
		SKIP_CASE(SKIP_KERNEL_REFUSES, "a kernel ring is needed to reuse the number");
	REQUIRE_EQ(ret, 0);
	CHECK_EQ(b.ring_fd, fd);
	CHECK_EQ(ringer_ring_backend(&b), RINGER_BACKEND_KERNEL);
	nop_round_trip(&b, 2);
	io_uring_queue_exit(&b);
}

TEST(reused_by_same_backend)
{
	struct io_uring a, b;
	int fd;

	test_ring_init(4, &a, 0);
	fd = abandon(&a);
	test_ring_init(8, &b, 0);
	CHECK_EQ(b.ring_fd, fd);
	CHECK_EQ(b.sq.ring_entries, 8);
	nop_round_trip(&b, 3);
	io_uring_queue_exit(&b);
	/* Nothing of either ring answers on the number any more. */
	CHECK_NE(ringer_fd_backend(fd), RINGER_BACKEND_USER);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(reused_by_kernel_ring),
		TEST_ENTRY(reused_by_same_backend),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
