/* SPDX-License-Identifier: MIT */
/*
 * The ring fd as a file: registered ring fds (IORING_REGISTER_RING_FDS and
 * IORING_ENTER_REGISTERED_RING), I/O requests and registrations that name
 * the ring's own fd, and the fd number after a plain close(2).
 */
#include "harness.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

/* One NOP through the ring's enter fd (an index once registered). */
static int nop_round_trip(struct io_uring *ring, __u64 ud)
{
	struct io_uring_sqe *sqe = test_get_sqe(ring);
	struct io_uring_cqe *cqe;
	int ret;

	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, ud);
	ret = io_uring_submit(ring);
	if (ret != 1)
		return ret < 0 ? ret : -EIO;
	ret = test_wait_cqe_ms(ring, &cqe, 5000);
	if (ret)
		return ret;
	ret = cqe->user_data == ud ? cqe->res : -EIO;
	io_uring_cqe_seen(ring, cqe);
	return ret;
}

static int ringfds(int ring_fd, unsigned opcode, unsigned offset, int data)
{
	struct io_uring_rsrc_update up = { .offset = offset, .data = (__u64)(unsigned)data };
	int ret = io_uring_register((unsigned)ring_fd, opcode, &up, 1);

	return ret == 1 ? (int)up.offset : ret;
}

TEST(register_ring_fd_round_trip)
{
	struct io_uring ring;
	int idx;

	test_ring_init(4, &ring, 0);
	CHECK_EQ(io_uring_register_ring_fd(&ring), 1);
	CHECK_EQ(io_uring_register_ring_fd(&ring), -EEXIST);
	idx = ring.enter_ring_fd;
	CHECK_GE(idx, 0);
	CHECK_LT(idx, 16);
	CHECK_EQ(nop_round_trip(&ring, 1), 0);
	/* the raw call through the index: no submission, no wait */
	CHECK_EQ(io_uring_enter2((unsigned)idx, 0, 0, IORING_ENTER_REGISTERED_RING, NULL, 0), 0);
	CHECK_EQ(io_uring_unregister_ring_fd(&ring), 1);
	CHECK_EQ(nop_round_trip(&ring, 2), 0);
	io_uring_queue_exit(&ring);
}

TEST(registered_ring_outlives_its_fd)
{
	struct io_uring ring;
	int fd, idx;

	test_ring_init(4, &ring, 0);
	fd = ring.ring_fd;
	idx = ringfds(fd, IORING_REGISTER_RING_FDS, 5, fd);
	REQUIRE_EQ(idx, 5);
	/* the fd goes; the registration still names the ring */
	ring.ring_fd = -1;
	if (ringer_is_engine_fd(fd))
		ringer_close(fd);
	else
		close(fd);
	ring.enter_ring_fd = idx;
	ring.int_flags |= RINGER_INT_FLAG_REG_RING;
	CHECK_EQ(nop_round_trip(&ring, 3), 0);
	/* unregister through the ring itself, named by its index */
	CHECK_EQ(ringfds(idx, IORING_UNREGISTER_RING_FDS | IORING_REGISTER_USE_REGISTERED_RING, 5,
			 0),
		 5);
	/* the kernel: -EBADF, or -EINVAL from a thread that never registered a kernel ring */
	CHECK_LT(io_uring_enter2((unsigned)idx, 0, 0, IORING_ENTER_REGISTERED_RING, NULL, 0), 0);
	ring.int_flags &= (__u8)~RINGER_INT_FLAG_REG_RING;
	ring.enter_ring_fd = -1;
	io_uring_queue_exit(&ring);
}

TEST(register_ring_fds_errors)
{
	struct io_uring ring;
	struct io_uring_rsrc_update up[2];
	int fd, p[2];

	test_ring_init(4, &ring, 0);
	fd = ring.ring_fd;
	REQUIRE_SYS(pipe(p));
	CHECK_EQ(ringfds(fd, IORING_REGISTER_RING_FDS, 16, fd), -EINVAL);
	CHECK_EQ(ringfds(fd, IORING_REGISTER_RING_FDS, -1U, p[0]), -EOPNOTSUPP);
	CHECK_EQ(ringfds(fd, IORING_REGISTER_RING_FDS, -1U, 9999), -EBADF);
	CHECK_EQ(ringfds(fd, IORING_REGISTER_RING_FDS, 3, fd), 3);
	CHECK_EQ(ringfds(fd, IORING_REGISTER_RING_FDS, 3, fd), -EBUSY);
	/* a partial batch: the count of those registered */
	memset(up, 0, sizeof(up));
	up[0].offset = 4;
	up[0].data = (unsigned)fd;
	up[1].offset = 3;
	up[1].data = (unsigned)fd;
	CHECK_EQ(io_uring_register((unsigned)fd, IORING_REGISTER_RING_FDS, up, 2), 1);
	CHECK_EQ(io_uring_register((unsigned)fd, IORING_REGISTER_RING_FDS, up, 17), -EINVAL);
	CHECK_EQ(ringfds(fd, IORING_UNREGISTER_RING_FDS, 16, 0), -EINVAL);
	CHECK_EQ(ringfds(fd, IORING_UNREGISTER_RING_FDS, 3, 1), -EINVAL);
	CHECK_EQ(ringfds(fd, IORING_UNREGISTER_RING_FDS, 3, 0), 3);
	CHECK_EQ(ringfds(fd, IORING_UNREGISTER_RING_FDS, 4, 0), 4);
	/* an empty slot unregisters fine */
	CHECK_EQ(ringfds(fd, IORING_UNREGISTER_RING_FDS, 4, 0), 4);
	close(p[0]);
	close(p[1]);
	io_uring_queue_exit(&ring);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(register_ring_fd_round_trip),
		TEST_ENTRY(registered_ring_outlives_its_fd),
		TEST_ENTRY(register_ring_fds_errors),
	};

	return test_main(cases, ARRAY_SIZE(cases));
}
