/* SPDX-License-Identifier: MIT */
/*
 * Eventfd notification: the counter after CQEs, IORING_CQ_EVENTFD_DISABLED,
 * the _ASYNC variant, registration errors.
 */
#include "harness.h"

#include <poll.h>
#include <sys/eventfd.h>

static struct io_uring ring;

/* The eventfd counter, read (and reset); 0 when not signalled. */
static uint64_t take_count(int efd)
{
	uint64_t v = 0;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static void nop_and_reap(__u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);
	struct test_cqe c = { 0 };

	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, user_data);
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ_U(c.user_data, user_data);
}

TEST(eventfd_counts_completions)
{
	int efd;

	test_ring_init(8, &ring, 0);
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	REQUIRE_SYS(efd);
	REQUIRE_ERRNO(io_uring_register_eventfd(&ring, efd), 0);
	CHECK_EQ_U(take_count(efd), 0);
	nop_and_reap(1);
	CHECK_GE_U(take_count(efd), 1);
	CHECK_EQ_U(take_count(efd), 0);
	/* a batch signals at least once */
	for (int i = 0; i < 4; i++) {
		struct io_uring_sqe *sqe = test_get_sqe(&ring);

		io_uring_prep_nop(sqe);
		io_uring_sqe_set_data64(sqe, 10 + i);
	}
	CHECK_EQ(io_uring_submit_and_wait(&ring, 4), 4);
	io_uring_cq_advance(&ring, 4);
	CHECK_GE_U(take_count(efd), 1);
	CHECK_ERRNO(io_uring_unregister_eventfd(&ring), 0);
	nop_and_reap(2);
	CHECK_EQ_U(take_count(efd), 0);
	close(efd);
	io_uring_queue_exit(&ring);
}

TEST(eventfd_wakes_poller_on_async_completion)
{
	struct pollfd pfd;
	struct io_uring_sqe *sqe;
	struct test_cqe c = { 0 };
	char buf[4];
	int efd, p[2];

	test_ring_init(8, &ring, 0);
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	REQUIRE_SYS(efd);
	REQUIRE_SYS(pipe(p));
	REQUIRE_ERRNO(io_uring_register_eventfd(&ring, efd), 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, p[0], buf, sizeof(buf), 0);
	io_uring_sqe_set_data64(sqe, 5);
	CHECK_EQ(io_uring_submit(&ring), 1);
	pfd.fd = efd;
	pfd.events = POLLIN;
	CHECK_EQ(poll(&pfd, 1, 20), 0);
	REQUIRE_EQ(write(p[1], "abcd", 4), 4);
	CHECK_EQ(poll(&pfd, 1, 5000), 1);
	CHECK_GE_U(take_count(efd), 1);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ(c.res, 4);
	close(p[0]);
	close(p[1]);
	close(efd);
	io_uring_queue_exit(&ring);
}

TEST(eventfd_disabled_flag)
{
	int efd;

	test_ring_init(8, &ring, 0);
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	REQUIRE_SYS(efd);
	REQUIRE_ERRNO(io_uring_register_eventfd(&ring, efd), 0);
	CHECK_ERRNO(io_uring_cq_eventfd_toggle(&ring, false), 0);
	CHECK_FALSE(io_uring_cq_eventfd_enabled(&ring));
	CHECK_EQ_U(*ring.cq.kflags & IORING_CQ_EVENTFD_DISABLED, IORING_CQ_EVENTFD_DISABLED);
	nop_and_reap(1);
	CHECK_EQ_U(take_count(efd), 0);
	CHECK_ERRNO(io_uring_cq_eventfd_toggle(&ring, true), 0);
	CHECK_TRUE(io_uring_cq_eventfd_enabled(&ring));
	nop_and_reap(2);
	CHECK_GE_U(take_count(efd), 1);
	close(efd);
	io_uring_queue_exit(&ring);
}

TEST(eventfd_async_ignores_inline)
{
	struct io_uring_sqe *sqe;
	struct test_cqe c = { 0 };
	int efd, fd;

	test_ring_init(8, &ring, 0);
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	REQUIRE_SYS(efd);
	REQUIRE_ERRNO(io_uring_register_eventfd_async(&ring, efd), 0);
	/* a NOP completes inline: no signal */
	nop_and_reap(1);
	CHECK_EQ_U(take_count(efd), 0);
	/* an fsync always runs in a worker: signalled */
	fd = test_tmpfile_with("data", 4, NULL);
	sqe = test_get_sqe(&ring);
	io_uring_prep_fsync(sqe, fd, 0);
	io_uring_sqe_set_data64(sqe, 2);
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ(c.res, 0);
	CHECK_GE_U(take_count(efd), 1);
	close(fd);
	close(efd);
	io_uring_queue_exit(&ring);
}

TEST(eventfd_register_errors)
{
	int efd, p[2], fd;

	test_ring_init(8, &ring, 0);
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	REQUIRE_SYS(efd);
	REQUIRE_SYS(pipe(p));
	CHECK_ERRNO(io_uring_register(ring.ring_fd, IORING_REGISTER_EVENTFD, &efd, 2), -EINVAL);
	CHECK_ERRNO(io_uring_register(ring.ring_fd, IORING_REGISTER_EVENTFD, &efd, 0), -EINVAL);
	CHECK_ERRNO(io_uring_register(ring.ring_fd, IORING_REGISTER_EVENTFD, NULL, 1), -EFAULT);
	CHECK_ERRNO(io_uring_register_eventfd(&ring, p[0]), -EINVAL);
	fd = test_tmpfile(NULL);
	CHECK_ERRNO(io_uring_register_eventfd(&ring, fd), -EINVAL);
	CHECK_ERRNO(io_uring_register_eventfd(&ring, 9999), -EBADF);
	CHECK_ERRNO(io_uring_unregister_eventfd(&ring), -ENXIO);
	CHECK_ERRNO(io_uring_register_eventfd(&ring, efd), 0);
	CHECK_ERRNO(io_uring_register_eventfd(&ring, efd), -EBUSY);
	CHECK_ERRNO(io_uring_register_eventfd_async(&ring, efd), -EBUSY);
	CHECK_ERRNO(io_uring_register(ring.ring_fd, IORING_UNREGISTER_EVENTFD, &efd, 0), -EINVAL);
	CHECK_ERRNO(io_uring_register(ring.ring_fd, IORING_UNREGISTER_EVENTFD, NULL, 1), -EINVAL);
	CHECK_ERRNO(io_uring_unregister_eventfd(&ring), 0);
	CHECK_ERRNO(io_uring_unregister_eventfd(&ring), -ENXIO);
	close(fd);
	close(p[0]);
	close(p[1]);
	close(efd);
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(eventfd_counts_completions),
		TEST_ENTRY(eventfd_wakes_poller_on_async_completion),
		TEST_ENTRY(eventfd_disabled_flag),
		TEST_ENTRY(eventfd_async_ignores_inline),
		TEST_ENTRY(eventfd_register_errors),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
