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
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <unistd.h>

#include "epoll-loop.h"

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
	CHECK_EQ(test_nop_round_trip(&ring, 1), 0);
	/* the raw call through the index: no submission, no wait */
	CHECK_EQ(io_uring_enter2((unsigned)idx, 0, 0, IORING_ENTER_REGISTERED_RING, NULL, 0), 0);
	CHECK_EQ(io_uring_unregister_ring_fd(&ring), 1);
	CHECK_EQ(test_nop_round_trip(&ring, 2), 0);
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
	CHECK_EQ(test_nop_round_trip(&ring, 3), 0);
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

/*
 * IORING_FEAT_REG_REG_RING: io_uring_register() takes a registered ring's
 * index with IORING_REGISTER_USE_REGISTERED_RING, for any opcode: here an
 * eventfd registered by index is signalled by the ring's completions.  An
 * index registering nothing: -EBADF below 16, -EINVAL from 16 on.
 */
TEST(register_through_the_registered_ring)
{
	unsigned op = IORING_REGISTER_USE_REGISTERED_RING;
	struct io_uring ring;
	uint64_t n = 0;
	int efd, idx;

	test_ring_init(4, &ring, 0);
	REQUIRE_MSG(ring.features & IORING_FEAT_REG_REG_RING, "features %#x", ring.features);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	REQUIRE_GE(efd, 0);
	idx = ringfds(ring.ring_fd, IORING_REGISTER_RING_FDS, -1U, ring.ring_fd);
	REQUIRE_GE(idx, 0);
	CHECK_EQ(io_uring_register((unsigned)idx, IORING_REGISTER_EVENTFD | op, &efd, 1), 0);
	CHECK_EQ(test_nop_round_trip(&ring, 7), 0);
	CHECK_EQ(read(efd, &n, sizeof(n)), (ssize_t)sizeof(n));
	CHECK_EQ_U(n, 1);
	CHECK_EQ(io_uring_register((unsigned)idx, IORING_UNREGISTER_EVENTFD | op, NULL, 0), 0);
	CHECK_EQ(io_uring_register((unsigned)idx, IORING_UNREGISTER_EVENTFD | op, NULL, 0),
		 -ENXIO);
	CHECK_EQ(ringfds(idx, IORING_UNREGISTER_RING_FDS | op, (unsigned)idx, 0), idx);
	/* straight to the engine's entry point as well: no table to fall back on */
	if (ringer_is_engine_fd(ring.ring_fd)) {
		CHECK_EQ(ringer_register(idx, IORING_UNREGISTER_EVENTFD | op, NULL, 0), -EBADF);
		CHECK_EQ(ringer_register(16, IORING_UNREGISTER_EVENTFD | op, NULL, 0), -EINVAL);
	}
	close(efd);
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

/* Submit what is queued, reap n CQEs into out[] by user_data 1..n. */
static void submit_collect(struct io_uring *ring, int *out, unsigned n)
{
	struct test_cqe c[8];

	REQUIRE_TRUE(n <= 8);
	test_submit_reap(ring, c, n);
	for (unsigned i = 0; i < n; i++) {
		const struct test_cqe *e = test_find_cqe(c, n, i + 1);

		REQUIRE_TRUE(e != NULL);
		out[i] = e->res;
	}
}

TEST(io_on_the_ring_fd_refused)
{
	struct io_uring ring;
	char buf[64] = "garbage garbage";
	unsigned head, tail;
	int res[2];

	test_ring_init(4, &ring, 0);
	head = *ring.cq.khead;
	tail = *ring.cq.ktail;

	/* a WRITE at offset 0 would overwrite the ring's indexes */
	io_uring_prep_write(test_get_sqe(&ring), ring.ring_fd, buf, 16, 0);
	io_uring_sqe_set_data64(ring.sq.sqes + ((ring.sq.sqe_tail - 1) & ring.sq.ring_mask), 1);
	submit_collect(&ring, res, 1);
	CHECK_EQ(res[0], -EINVAL);
	CHECK_EQ_U(*ring.cq.khead, head + 1);
	CHECK_EQ_U(*ring.cq.ktail, tail + 1);

	io_uring_prep_fsync(test_get_sqe(&ring), ring.ring_fd, 0);
	io_uring_sqe_set_data64(ring.sq.sqes + ((ring.sq.sqe_tail - 1) & ring.sq.ring_mask), 1);
	submit_collect(&ring, res, 1);
	CHECK_EQ(res[0], -EINVAL);

	io_uring_prep_sync_file_range(test_get_sqe(&ring), ring.ring_fd, 8, 0, 0);
	io_uring_sqe_set_data64(ring.sq.sqes + ((ring.sq.sqe_tail - 1) & ring.sq.ring_mask), 1);
	submit_collect(&ring, res, 1);
	CHECK_EQ(res[0], -ESPIPE);

	/* the kernel's READ waits for the ring to be readable (the NOP), then fails */
	io_uring_prep_read(test_get_sqe(&ring), ring.ring_fd, buf, 8, 0);
	io_uring_sqe_set_data64(ring.sq.sqes + ((ring.sq.sqe_tail - 1) & ring.sq.ring_mask), 1);
	io_uring_prep_nop(test_get_sqe(&ring));
	io_uring_sqe_set_data64(ring.sq.sqes + ((ring.sq.sqe_tail - 1) & ring.sq.ring_mask), 2);
	submit_collect(&ring, res, 2);
	CHECK_EQ(res[0], -EINVAL);
	CHECK_EQ(res[1], 0);
	CHECK_MEM(buf, "garbage ", 8);
	io_uring_queue_exit(&ring);
}

TEST(ring_fd_as_fixed_file_refused)
{
	struct io_uring a, b;
	int fd;

	test_ring_init(4, &a, 0);
	test_ring_init(4, &b, 0);
	fd = a.ring_fd;
	CHECK_EQ(io_uring_register_files(&a, &fd, 1), -EBADF);
	fd = b.ring_fd;
	CHECK_EQ(io_uring_register_files(&a, &fd, 1), -EBADF);
	io_uring_queue_exit(&a);
	io_uring_queue_exit(&b);
}

/* Drop the library's mappings and close the ring fd with close(2). */
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

TEST(closed_ring_fd_number_reused_by_a_file)
{
	static const char data[] = "the file, not a ring";
	struct io_uring a, b;
	struct io_uring_probe *probe;
	char buf[sizeof(data)] = "";
	const char *path;
	int fd, file, res[1];

	test_ring_init(4, &b, 0);
	test_ring_init(4, &a, 0);
	fd = abandon(&a);
	file = test_tmpfile_with(data, sizeof(data), &path);
	REQUIRE_EQ(file, fd);

	/* the number is a plain file now: not a ring to enter or register with */
	CHECK_EQ(io_uring_enter((unsigned)fd, 0, 0, 0, NULL), -EOPNOTSUPP);
	probe = calloc(1, sizeof(*probe) + 8 * sizeof(struct io_uring_probe_op));
	REQUIRE_TRUE(probe != NULL);
	CHECK_EQ(io_uring_register((unsigned)fd, IORING_REGISTER_PROBE, probe, 8), -EOPNOTSUPP);
	free(probe);
	/* ... and a file like any other, for I/O and as a fixed file */
	io_uring_prep_read(test_get_sqe(&b), fd, buf, sizeof(buf), 0);
	io_uring_sqe_set_data64(b.sq.sqes + ((b.sq.sqe_tail - 1) & b.sq.ring_mask), 1);
	submit_collect(&b, res, 1);
	CHECK_EQ(res[0], (int)sizeof(data));
	CHECK_MEM(buf, data, sizeof(data));
	CHECK_EQ(io_uring_register_files(&b, &fd, 1), 0);
	close(file);
	io_uring_queue_exit(&b);
}

TEST(epoll_loop_sleeps_on_the_ring_fd)
{
	struct io_uring ring;
	const char *err;

	test_ring_init(8, &ring, 0);
	err = epoll_loop_check(&ring);
	if (err)
		printf("# %s\n", err);
	CHECK_TRUE(err == NULL);
	io_uring_queue_exit(&ring);
}

static void submit_nops(struct io_uring *ring, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		io_uring_prep_nop(test_get_sqe(ring));
	CHECK_EQ(io_uring_submit(ring), (int)n);
}

static int poll_now(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n = poll(&p, 1, 0);

	return n < 0 ? -errno : p.revents;
}

static int ppoll_now(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct timespec ts = { 0, 0 };
	int n = ppoll(&p, 1, &ts, NULL);

	return n < 0 ? -errno : p.revents;
}

/* select: bit 1 readable, bit 2 writable; -errno */
static int select_now(int fd)
{
	fd_set r, w;
	struct timeval tv = { 0, 0 };
	int n;

	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(fd, &r);
	FD_SET(fd, &w);
	n = select(fd + 1, &r, &w, NULL, &tv);
	if (n < 0)
		return -errno;
	return (FD_ISSET(fd, &r) ? 1 : 0) | (FD_ISSET(fd, &w) ? 2 : 0);
}

static int epoll_now(int ep)
{
	struct epoll_event ev;
	int n = epoll_wait(ep, &ev, 1, 0);

	return n <= 0 ? (n < 0 ? -errno : 0) : (int)ev.events;
}

TEST(poll_readiness_follows_the_cq)
{
	struct io_uring ring;
	int fd;

	test_ring_init(8, &ring, 0);
	fd = ring.ring_fd;
	CHECK_EQ(poll_now(fd, POLLIN | POLLOUT), POLLOUT);
	CHECK_EQ(ppoll_now(fd), 0);
	CHECK_EQ(select_now(fd), 2);
	submit_nops(&ring, 2);
	CHECK_EQ(poll_now(fd, POLLIN | POLLOUT), POLLIN | POLLOUT);
	CHECK_EQ(ppoll_now(fd), POLLIN);
	CHECK_EQ(select_now(fd), 3);
	/* one of two reaped: still readable */
	io_uring_cq_advance(&ring, 1);
	CHECK_EQ(poll_now(fd, POLLIN), POLLIN);
	/* reaped in user space, no system call: readable no more */
	io_uring_cq_advance(&ring, 1);
	CHECK_EQ(poll_now(fd, POLLIN | POLLOUT), POLLOUT);
	CHECK_EQ(ppoll_now(fd), 0);
	CHECK_EQ(select_now(fd), 2);
	io_uring_queue_exit(&ring);
}

TEST(epoll_level_and_edge_triggered)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct io_uring ring;
	int lt, et;

	test_ring_init(8, &ring, 0);
	lt = epoll_create1(EPOLL_CLOEXEC);
	et = epoll_create1(EPOLL_CLOEXEC);
	REQUIRE_TRUE(lt >= 0 && et >= 0);
	REQUIRE_SYS(epoll_ctl(lt, EPOLL_CTL_ADD, ring.ring_fd, &ev));
	ev.events = EPOLLIN | EPOLLET;
	REQUIRE_SYS(epoll_ctl(et, EPOLL_CTL_ADD, ring.ring_fd, &ev));
	CHECK_EQ(epoll_now(lt), 0);
	CHECK_EQ(epoll_now(et), 0);

	submit_nops(&ring, 1);
	CHECK_EQ(epoll_now(lt), EPOLLIN);
	CHECK_EQ(epoll_now(lt), EPOLLIN);
	CHECK_EQ(epoll_now(et), EPOLLIN);
	CHECK_EQ(epoll_now(et), 0);
	/* each posting is an edge, also onto an unreaped CQ */
	submit_nops(&ring, 1);
	CHECK_EQ(epoll_now(et), EPOLLIN);
	CHECK_EQ(epoll_now(et), 0);
	/* one batch of three: one edge */
	submit_nops(&ring, 3);
	CHECK_EQ(epoll_now(et), EPOLLIN);
	CHECK_EQ(epoll_now(et), 0);
	io_uring_cq_advance(&ring, 5);
	CHECK_EQ(epoll_now(lt), 0);
	CHECK_EQ(epoll_now(et), 0);
	/* removed: no more events */
	REQUIRE_SYS(epoll_ctl(lt, EPOLL_CTL_DEL, ring.ring_fd, NULL));
	submit_nops(&ring, 1);
	CHECK_EQ(epoll_now(lt), 0);
	CHECK_EQ(epoll_now(et), EPOLLIN);
	close(lt);
	close(et);
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(register_ring_fd_round_trip),
		TEST_ENTRY(registered_ring_outlives_its_fd),
		TEST_ENTRY(register_ring_fds_errors),
		TEST_ENTRY(register_through_the_registered_ring),
		TEST_ENTRY(io_on_the_ring_fd_refused),
		TEST_ENTRY(ring_fd_as_fixed_file_refused),
		TEST_ENTRY(closed_ring_fd_number_reused_by_a_file),
		TEST_ENTRY(poll_readiness_follows_the_cq),
		TEST_ENTRY(epoll_level_and_edge_triggered),
		TEST_ENTRY(epoll_loop_sleeps_on_the_ring_fd),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
