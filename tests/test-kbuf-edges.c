/* SPDX-License-Identifier: MIT */
/*
 * Provided buffers at their edges, as the differential fuzzer found them
 * (tests/fuzz, divergences.h): when a buffer ring's head is committed at
 * selection (a file that cannot be polled) and what the CQE then says, what
 * a failing read does with the buffer it took, a ring entry (or a legacy
 * buffer) at address 0,
 * a ring in memory that cannot be pinned.
 */
#include "harness.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>

static struct io_uring ring;
static struct io_uring_buf_ring *br;
static char bufs[4][64];

static void up(unsigned ring_flags)
{
	int err = 0;

	test_ring_init(8, &ring, 0);
	memset(bufs, 0, sizeof(bufs));
	br = io_uring_setup_buf_ring(&ring, 4, 1, ring_flags, &err);
	if (!br && err == -EINVAL && (ring_flags & IOU_PBUF_RING_INC))
		test_skip_if_refused(-EOPNOTSUPP, "incremental buffer rings");
	REQUIRE_MSG(br != NULL, "setup_buf_ring: %d", err);
}

static void down(void)
{
	CHECK_EQ(io_uring_free_buf_ring(&ring, br, 4, 1), 0);
	io_uring_queue_exit(&ring);
}

static void ring_add(void *addr, unsigned len, int bid)
{
	io_uring_buf_ring_add(br, addr, len, (unsigned short)bid, io_uring_buf_ring_mask(4), 0);
	io_uring_buf_ring_advance(br, 1);
}

static unsigned ring_head(void)
{
	uint16_t head = 0xffff;

	CHECK_EQ(io_uring_buf_ring_head(&ring, 1, &head), 0);
	return head;
}

/* sqe with IOSQE_BUFFER_SELECT from group 1 (and flags), submitted: its CQE */
static struct test_cqe submit_select(struct io_uring_sqe *sqe, unsigned flags)
{
	struct test_cqe c = { 0 };

	io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT | flags);
	sqe->buf_group = 1;
	io_uring_sqe_set_data64(sqe, 1);
	REQUIRE_EQ(test_submit_reap(&ring, &c, 1), 1);
	return c;
}

static struct test_cqe read_select(int fd, unsigned len, __u64 off)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_read(sqe, fd, NULL, len, off);
	return submit_select(sqe, 0);
}

/* a unix stream socketpair with len bytes of data waiting in sv[0] */
static void pair_with_data(int sv[2], const void *data, size_t len)
{
	REQUIRE_SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	REQUIRE_EQ(write(sv[1], data, len), (ssize_t)len);
}

static int tmp_file(void)
{
	char path[] = "/tmp/ringer-kbuf-edges.XXXXXX";
	int fd = mkstemp(path);

	REQUIRE_SYS(fd);
	unlink(path);
	REQUIRE_EQ(write(fd, "0123456789abcdefghij", 20), 20);
	return fd;
}

/* A regular file cannot be polled: the head is committed at selection (10
 * bytes of the buffer), and the CQE says the buffer has more. */
TEST(inc_commit_at_selection_says_buf_more)
{
	struct test_cqe c;
	int fd;

	up(IOU_PBUF_RING_INC);
	fd = tmp_file();
	ring_add(bufs[0], 64, 5);
	c = read_select(fd, 10, 0);
	CHECK_EQ(c.res, 10);
	CHECK_EQ_U(c.flags,
		   IORING_CQE_F_BUFFER | IORING_CQE_F_BUF_MORE | (5U << IORING_CQE_BUFFER_SHIFT));
	CHECK_MEM(bufs[0], "0123456789", 10);
	CHECK_EQ(ring_head(), 0);
	CHECK_EQ_U(br->bufs[0].addr, (uintptr_t)(bufs[0] + 10));
	CHECK_EQ_U(br->bufs[0].len, 54);
	close(fd);
	down();
}

/* Nor can /dev/null: 10 bytes committed at selection though it reads none. */
TEST(inc_devnull_commits_at_selection)
{
	struct test_cqe c;
	int fd = open("/dev/null", O_RDONLY);

	REQUIRE_SYS(fd);
	up(IOU_PBUF_RING_INC);
	ring_add(bufs[0], 64, 6);
	c = read_select(fd, 10, 0);
	CHECK_EQ(c.res, 0);
	CHECK_EQ_U(c.flags,
		   IORING_CQE_F_BUFFER | IORING_CQE_F_BUF_MORE | (6U << IORING_CQE_BUFFER_SHIFT));
	CHECK_EQ(ring_head(), 0);
	CHECK_EQ_U(br->bufs[0].addr, (uintptr_t)(bufs[0] + 10));
	CHECK_EQ_U(br->bufs[0].len, 54);
	/* a whole buffer: the head moves, no BUF_MORE */
	c = read_select(fd, 0, 0);
	CHECK_EQ(c.res, 0);
	CHECK_EQ_U(c.flags, IORING_CQE_F_BUFFER | (6U << IORING_CQE_BUFFER_SHIFT));
	CHECK_EQ(ring_head(), 1);
	close(fd);
	down();
}

/* A read that fails on a file that can be polled gives back the ring buffer
 * it took (its head was not committed): no IORING_CQE_F_BUFFER, the next
 * read takes it. */
TEST(failed_read_gives_back_ring_buffer)
{
	struct test_cqe c;
	int p[2];

	up(0);
	REQUIRE_SYS(pipe(p));
	ring_add(bufs[0], 64, 7);
	c = read_select(p[1], 0, 0); /* the write end */
	CHECK_EQ(c.res, -EBADF);
	CHECK_EQ_U(c.flags, 0);
	CHECK_EQ(ring_head(), 0);
	REQUIRE_EQ(write(p[1], "xyz", 3), 3);
	c = read_select(p[0], 0, 0);
	CHECK_EQ(c.res, 3);
	CHECK_EQ_U(c.flags, IORING_CQE_F_BUFFER | (7U << IORING_CQE_BUFFER_SHIFT));
	CHECK_EQ(ring_head(), 1);
	close(p[0]);
	close(p[1]);
	down();
}

/* A ring entry at address 0 is no buffer for the kernel: -ENOBUFS.  A
 * regular file commits it at selection (the CQE names it, the head moves);
 * a pipe gives it back. */
TEST(ring_buffer_at_null_is_enobufs)
{
	struct test_cqe c;
	int fd, p[2];

	up(0);
	fd = tmp_file();
	REQUIRE_SYS(pipe(p));
	ring_add(NULL, 64, 8);
	c = read_select(fd, 10, 0);
	CHECK_EQ(c.res, -ENOBUFS);
	CHECK_EQ_U(c.flags, IORING_CQE_F_BUFFER | (8U << IORING_CQE_BUFFER_SHIFT));
	CHECK_EQ(ring_head(), 1);
	ring_add(NULL, 64, 9);
	REQUIRE_EQ(write(p[1], "xyz", 3), 3);
	c = read_select(p[0], 0, 0);
	CHECK_EQ(c.res, -ENOBUFS);
	CHECK_EQ_U(c.flags, 0);
	CHECK_EQ(ring_head(), 1);
	close(fd);
	close(p[0]);
	close(p[1]);
	down();
}

/* So is it for a receive: the socket can be polled, the buffer goes back. */
TEST(recv_ring_buffer_at_null_is_enobufs)
{
	struct io_uring_sqe *sqe;
	struct test_cqe c;
	int sv[2];

	up(0);
	pair_with_data(sv, "xyz", 3);
	ring_add(NULL, 64, 10);
	sqe = test_get_sqe(&ring);
	io_uring_prep_recv(sqe, sv[0], NULL, 0, 0);
	c = submit_select(sqe, 0);
	CHECK_EQ(c.res, -ENOBUFS);
	CHECK_EQ_U(c.flags, 0);
	CHECK_EQ(ring_head(), 0);
	close(sv[0]);
	close(sv[1]);
	down();
}

/* a RECV or RECVMSG (op) of fd with msg_flags and no buffer of its own */
static struct io_uring_sqe *prep_receive(int op, int fd, int msg_flags)
{
	static struct iovec iov;
	static struct msghdr msg;
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	if (op == IORING_OP_RECV) {
		io_uring_prep_recv(sqe, fd, NULL, 0, msg_flags);
	} else {
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		io_uring_prep_recvmsg(sqe, fd, &msg, (unsigned)msg_flags);
	}
	return sqe;
}

/* A receive of op (RECV or RECVMSG) with msg_flags and sqe_flags from a ring
 * whose head entry (bid) is at address 0: its CQE */
static struct test_cqe recv_at_null(int op, int msg_flags, unsigned sqe_flags, int bid)
{
	struct test_cqe c;
	int sv[2];

	pair_with_data(sv, "xyz", 3);
	ring_add(NULL, 64, bid);
	c = submit_select(prep_receive(op, sv[0], msg_flags), sqe_flags);
	close(sv[0]);
	close(sv[1]);
	return c;
}

/* The entry at address 0 again: RECVMSG's CQE names the buffer, though
 * nothing is committed; RECV's does not, MSG_WAITALL or not; in a worker
 * (IOSQE_ASYNC), where the head is committed at selection, both name it. */
TEST(recv_ring_buffer_at_null_what_cqe_names)
{
	struct test_cqe c;

	up(0);
	c = recv_at_null(IORING_OP_RECVMSG, 0, 0, 20);
	CHECK_EQ(c.res, -ENOBUFS);
	CHECK_EQ_U(c.flags, IORING_CQE_F_BUFFER | (20U << IORING_CQE_BUFFER_SHIFT));
	CHECK_EQ(ring_head(), 0);
	c = recv_at_null(IORING_OP_RECVMSG, MSG_WAITALL, 0, 21);
	CHECK_EQ(c.res, -ENOBUFS);
	CHECK_EQ_U(c.flags, IORING_CQE_F_BUFFER | (20U << IORING_CQE_BUFFER_SHIFT));
	CHECK_EQ(ring_head(), 0);
	c = recv_at_null(IORING_OP_RECV, MSG_WAITALL, 0, 22);
	CHECK_EQ(c.res, -ENOBUFS);
	CHECK_EQ_U(c.flags, 0);
	CHECK_EQ(ring_head(), 0);
	c = recv_at_null(IORING_OP_RECV, 0, IOSQE_ASYNC, 23);
	CHECK_EQ(c.res, -ENOBUFS);
	CHECK_EQ_U(c.flags, IORING_CQE_F_BUFFER | (20U << IORING_CQE_BUFFER_SHIFT));
	CHECK_EQ(ring_head(), 1);
	down();
}

/* A legacy group's one buffer at address 0 (PROVIDE_BUFFERS takes it) and
 * the request of op (RECV, RECVMSG or READ) of a socket with data that
 * selects it: its CQE, and what a REMOVE_BUFFERS then finds in the group. */
static struct test_cqe legacy_at_null(int op, int *left)
{
	struct io_uring_sqe *sqe;
	struct test_cqe c[2];
	int sv[2];

	pair_with_data(sv, "xyz", 3);
	sqe = test_get_sqe(&ring);
	io_uring_prep_provide_buffers(sqe, NULL, 64, 1, 5, 30);
	io_uring_sqe_set_data64(sqe, 1);
	REQUIRE_EQ(test_submit_reap(&ring, c, 1), 1);
	REQUIRE_EQ(c[0].res, 0);
	if (op == IORING_OP_READ) {
		sqe = test_get_sqe(&ring);
		io_uring_prep_read(sqe, sv[0], NULL, 0, 0);
	} else {
		sqe = prep_receive(op, sv[0], 0);
	}
	io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT);
	sqe->buf_group = 5;
	io_uring_sqe_set_data64(sqe, 2);
	REQUIRE_EQ(test_submit_reap(&ring, c, 1), 1);
	sqe = test_get_sqe(&ring);
	io_uring_prep_remove_buffers(sqe, 10, 5);
	io_uring_sqe_set_data64(sqe, 3);
	REQUIRE_EQ(test_submit_reap(&ring, &c[1], 1), 1);
	*left = c[1].res == -ENOENT ? 0 : c[1].res;
	close(sv[0]);
	close(sv[1]);
	return c[0];
}

/* A legacy buffer at address 0 is no buffer either: -ENOBUFS.  RECV gives it
 * back to its group (io_recv() recycles what it selected), its CQE names
 * none; RECVMSG and READ keep it, their CQEs name it. */
TEST(legacy_buffer_at_null)
{
	struct test_cqe c;
	int left;

	test_ring_init(8, &ring, 0);
	c = legacy_at_null(IORING_OP_RECV, &left);
	CHECK_EQ(c.res, -ENOBUFS);
	CHECK_EQ_U(c.flags, 0);
	CHECK_EQ(left, 1);
	c = legacy_at_null(IORING_OP_RECVMSG, &left);
	CHECK_EQ(c.res, -ENOBUFS);
	CHECK_EQ_U(c.flags, IORING_CQE_F_BUFFER | (30U << IORING_CQE_BUFFER_SHIFT));
	CHECK_EQ(left, 0);
	c = legacy_at_null(IORING_OP_READ, &left);
	CHECK_EQ(c.res, -ENOBUFS);
	CHECK_EQ_U(c.flags, IORING_CQE_F_BUFFER | (30U << IORING_CQE_BUFFER_SHIFT));
	CHECK_EQ(left, 0);
	io_uring_queue_exit(&ring);
}

/* MSG_WAITALL from a ring whose head entry has length 0: the receive gets
 * nothing and, inline, names no buffer and moves no head, with the flag or
 * without. */
TEST(recv_waitall_zero_length_buffer_names_none)
{
	static const int ops[] = { IORING_OP_RECV, IORING_OP_RECVMSG };

	for (unsigned inc = 0; inc < 2; inc++) {
		for (unsigned i = 0; i < ARRAY_SIZE(ops); i++) {
			struct test_cqe c;
			int sv[2];

			up(inc ? IOU_PBUF_RING_INC : 0);
			pair_with_data(sv, "xyz", 3);
			ring_add(bufs[0], 0, 24);
			c = submit_select(prep_receive(ops[i], sv[0], MSG_WAITALL), 0);
			CHECK_EQ(c.res, 0);
			CHECK_EQ_U(c.flags & ~IORING_CQE_F_SOCK_NONEMPTY, 0);
			CHECK_EQ(ring_head(), 0);
			close(sv[0]);
			close(sv[1]);
			down();
		}
	}
}

/* A MSG_WAITALL receive short of its buffer waits with it, and fills it
 * when the rest comes. */
TEST(recv_waitall_short_keeps_buffer)
{
	struct io_uring_sqe *sqe;
	struct test_cqe c = { 0 };
	int sv[2];

	up(0);
	pair_with_data(sv, "abc", 3);
	ring_add(bufs[0], 64, 25);
	ring_add(bufs[1], 64, 26);
	sqe = test_get_sqe(&ring);
	io_uring_prep_recv(sqe, sv[0], NULL, 6, MSG_WAITALL);
	io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT);
	sqe->buf_group = 1;
	io_uring_sqe_set_data64(sqe, 1);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
	REQUIRE_EQ(write(sv[1], "defghi", 6), 6);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ(c.res, 6);
	CHECK_EQ_U(c.flags & ~IORING_CQE_F_SOCK_NONEMPTY,
		   IORING_CQE_F_BUFFER | (25U << IORING_CQE_BUFFER_SHIFT));
	CHECK_MEM(bufs[0], "abcdef", 6);
	CHECK_EQ(ring_head(), 1);
	close(sv[0]);
	close(sv[1]);
	down();
}

/* A buffer outside the user range: -EFAULT when the read takes it, before
 * the file's mode is looked at. */
TEST(ring_buffer_in_kernel_range_is_efault)
{
	struct test_cqe c;
	char path[] = "/tmp/ringer-kbuf-edges.XXXXXX";
	int fd;

	up(0);
	fd = mkstemp(path);
	REQUIRE_SYS(fd);
	close(fd);
	fd = open(path, O_WRONLY);
	unlink(path);
	REQUIRE_SYS(fd);
	ring_add((void *)(uintptr_t)0xffff888000003000ULL, 64, 11);
	c = read_select(fd, 10, 0);
	CHECK_EQ(c.res, -EFAULT);
	CHECK_EQ_U(c.flags, IORING_CQE_F_BUFFER | (11U << IORING_CQE_BUFFER_SHIFT));
	CHECK_EQ(ring_head(), 1);
	close(fd);
	down();
}

/* A receive with IOSQE_ASYNC and IORING_RECVSEND_POLL_FIRST: io-wq arms its
 * poll and runs it there again when the socket is ready, committing the
 * head at selection; the entry in the kernel range then fails the receive
 * (-EFAULT) and the CQE names it.  Inline, nothing is committed: none. */
TEST(async_poll_first_recv_of_kernel_range_names_buffer)
{
	struct io_uring_sqe *sqe;
	struct test_cqe c;
	int sv[2];

	up(0);
	pair_with_data(sv, "xyz", 3);
	ring_add((void *)(uintptr_t)0xffff888000003000ULL, 64, 12);
	sqe = prep_receive(IORING_OP_RECV, sv[0], 0);
	sqe->ioprio = IORING_RECVSEND_POLL_FIRST;
	c = submit_select(sqe, IOSQE_ASYNC);
	CHECK_EQ(c.res, -EFAULT);
	CHECK_EQ_U(c.flags, IORING_CQE_F_BUFFER | (12U << IORING_CQE_BUFFER_SHIFT));
	CHECK_EQ(ring_head(), 1);
	ring_add((void *)(uintptr_t)0xffff888000003000ULL, 64, 13);
	sqe = prep_receive(IORING_OP_RECV, sv[0], 0);
	sqe->ioprio = IORING_RECVSEND_POLL_FIRST;
	c = submit_select(sqe, 0);
	CHECK_EQ(c.res, -EFAULT);
	CHECK_EQ_U(c.flags, 0);
	CHECK_EQ(ring_head(), 1);
	close(sv[0]);
	close(sv[1]);
	down();
}

/* An incremental ring's buffer of length 0: the read reads nothing and the
 * buffer stays (IORING_CQE_F_BUF_MORE), the head where it was. */
TEST(inc_zero_length_buffer_stays)
{
	struct test_cqe c;
	char tmp[3];
	int p[2];

	up(IOU_PBUF_RING_INC);
	REQUIRE_SYS(pipe(p));
	REQUIRE_EQ(write(p[1], "xyz", 3), 3);
	ring_add(bufs[0], 0, 12);
	c = read_select(p[0], 0, 0);
	CHECK_EQ(c.res, 0);
	CHECK_EQ_U(c.flags,
		   IORING_CQE_F_BUFFER | IORING_CQE_F_BUF_MORE | (12U << IORING_CQE_BUFFER_SHIFT));
	CHECK_EQ(ring_head(), 0);
	/* a read of 0 bytes (EOF) into a buffer with room: */
	REQUIRE_EQ(read(p[0], tmp, 3), 3);
	close(p[1]);
	br->bufs[0].len = 64;
	c = read_select(p[0], 0, 0);
	CHECK_EQ(c.res, 0);
	CHECK_EQ_U(c.flags,
		   IORING_CQE_F_BUFFER | IORING_CQE_F_BUF_MORE | (12U << IORING_CQE_BUFFER_SHIFT));
	CHECK_EQ(ring_head(), 0);
	CHECK_EQ_U(br->bufs[0].len, 64);
	close(p[0]);
	down();
}

/* A bundle receive with a length shorter than the ring's buffer uses the
 * buffer for that much: the entry itself is left as the program wrote it. */
TEST(bundle_cut_leaves_ring_entry)
{
	struct io_uring_sqe *sqe;
	struct test_cqe c;
	static char big[1024];
	int sv[2];

	up(0);
	pair_with_data(sv, big, sizeof(big));
	ring_add(big, sizeof(big), 13);
	sqe = test_get_sqe(&ring);
	io_uring_prep_recv(sqe, sv[0], NULL, 240, 0);
	sqe->ioprio = IORING_RECVSEND_BUNDLE;
	c = submit_select(sqe, 0);
	CHECK_EQ(c.res, 240);
	CHECK_EQ_U(c.flags & ~IORING_CQE_F_SOCK_NONEMPTY,
		   IORING_CQE_F_BUFFER | (13U << IORING_CQE_BUFFER_SHIFT));
	CHECK_EQ(ring_head(), 1);
	CHECK_EQ_U(br->bufs[0].len, 1024);
	close(sv[0]);
	close(sv[1]);
	down();
}

/* RECVMSG's sqe->len above INT_MAX is -EINVAL, as RECV's, with or
 * without a provided buffer. */
TEST(recvmsg_len_above_int_max_is_einval)
{
	struct io_uring_sqe *sqe;
	struct test_cqe c = { 0 };
	struct iovec iov = { bufs[1], 8 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	int sv[2];

	up(0);
	pair_with_data(sv, "abcdefgh", 8);
	ring_add(bufs[0], 64, 14);
	for (int bs = 0; bs < 2; bs++) {
		sqe = test_get_sqe(&ring);
		io_uring_prep_recvmsg(sqe, sv[0], &msg, 0);
		sqe->len = 0x80000000U;
		if (bs) {
			io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT);
			sqe->buf_group = 1;
		}
		REQUIRE_EQ(test_submit_reap(&ring, &c, 1), 1);
		CHECK_EQ(c.res, -EINVAL);
		CHECK_EQ_U(c.flags, 0);
	}
	CHECK_EQ(ring_head(), 0);
	close(sv[0]);
	close(sv[1]);
	down();
}

/* In a worker too (IOSQE_ASYNC), a number that names no file takes no
 * buffer: -EBADF, the ring untouched.  A number far above any the process
 * opens: a closed low one may be taken again meanwhile by another thread
 * (a sanitizer runtime's). */
TEST(async_read_of_closed_fd_takes_no_buffer)
{
	struct io_uring_sqe *sqe;
	struct test_cqe c;
	int fd = 1 << 20;

	up(0);
	REQUIRE_EQ(fcntl(fd, F_GETFD), -1);
	ring_add(bufs[0], 64, 15);
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, NULL, 0, 0);
	c = submit_select(sqe, IOSQE_ASYNC);
	CHECK_EQ(c.res, -EBADF);
	CHECK_EQ_U(c.flags, 0);
	CHECK_EQ(ring_head(), 0);
	down();
}

/* A multishot RECVMSG from a worker whose buffer cannot hold the header:
 * -EFAULT, the CQE names no buffer, the head has not moved (io-wq arms a
 * multishot receive's poll: nothing is committed at selection). */
TEST(async_mshot_recvmsg_short_buffer_names_none)
{
	struct io_uring_sqe *sqe;
	struct test_cqe c;
	struct msghdr msg = { .msg_namelen = 110 };
	int sv[2];

	up(0);
	pair_with_data(sv, "abcdefgh", 8);
	ring_add(bufs[0], 64, 16);
	sqe = test_get_sqe(&ring);
	io_uring_prep_recvmsg_multishot(sqe, sv[0], &msg, 0);
	c = submit_select(sqe, IOSQE_ASYNC);
	CHECK_EQ(c.res, -EFAULT);
	CHECK_EQ_U(c.flags, 0);
	CHECK_EQ(ring_head(), 0);
	close(sv[0]);
	close(sv[1]);
	down();
}

/* A ring in memory that cannot be pinned (PROT_NONE): -EFAULT. */
TEST(ring_in_prot_none_memory_is_efault)
{
	struct io_uring_buf_reg reg = { .ring_entries = 8, .bgid = 2 };
	void *mem;

	test_ring_init(8, &ring, 0);
	mem = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE_TRUE(mem != MAP_FAILED);
	reg.ring_addr = (uintptr_t)mem;
	CHECK_EQ(io_uring_register_buf_ring(&ring, &reg, 0), -EFAULT);
	REQUIRE_SYS(mprotect(mem, 4096, PROT_READ | PROT_WRITE));
	CHECK_EQ(io_uring_register_buf_ring(&ring, &reg, 0), 0);
	CHECK_EQ(io_uring_unregister_buf_ring(&ring, 2), 0);
	munmap(mem, 4096);
	io_uring_queue_exit(&ring);
}

/* A registration of group 1 (4 entries at mem) with reg's flags and resv[0]:
 * its result */
static int reg_ring_resv(void *mem, unsigned flags, uint64_t resv0)
{
	struct io_uring_buf_reg reg = { .ring_addr = (uintptr_t)mem, .ring_entries = 4, .bgid = 1 };

	reg.flags = (uint16_t)flags;
	reg.resv[0] = resv0;
	return io_uring_register_buf_ring(&ring, &reg, 0);
}

/* resv[0]'s first 32 bits are a minimum length left for an incremental ring
 * (any value, -EINVAL without IOU_PBUF_RING_INC); its last 32 bits, resv[1]
 * and resv[2] stay reserved.  An unregistration ignores the first 32 bits. */
TEST(pbuf_ring_resv0_is_inc_min_left)
{
	struct io_uring_buf_reg unreg = { .bgid = 1 };
	void *mem;

	test_ring_init(8, &ring, 0);
	mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE_TRUE(mem != MAP_FAILED);
	CHECK_EQ(reg_ring_resv(mem, 0, 1), -EINVAL);
	CHECK_EQ(reg_ring_resv(mem, IOU_PBUF_RING_MMAP, 0xffff), -EINVAL);
	CHECK_EQ(reg_ring_resv(mem, IOU_PBUF_RING_INC, 1ULL << 32), -EINVAL);
	CHECK_EQ(reg_ring_resv(mem, IOU_PBUF_RING_INC, ~0ULL), -EINVAL);
	for (int mmap_flag = 0; mmap_flag < 2; mmap_flag++) {
		unsigned flags = IOU_PBUF_RING_INC | (mmap_flag ? IOU_PBUF_RING_MMAP : 0);
		int ret = reg_ring_resv(mem, flags, 0xffffffffU);

		if (ret == -EINVAL && flags == IOU_PBUF_RING_INC)
			test_skip_if_refused(-EOPNOTSUPP, "incremental buffer rings");
		CHECK_EQ(ret, 0);
		/* a group in use: -EEXIST, as for any registration */
		CHECK_EQ(reg_ring_resv(mem, IOU_PBUF_RING_INC, 7), -EEXIST);
		unreg.resv[0] = 1ULL << 32;
		CHECK_EQ(io_uring_register(ring.ring_fd, IORING_UNREGISTER_PBUF_RING, &unreg, 1),
			 -EINVAL);
		unreg.resv[0] = 7;
		CHECK_EQ(io_uring_register(ring.ring_fd, IORING_UNREGISTER_PBUF_RING, &unreg, 1), 0);
	}
	munmap(mem, 4096);
	io_uring_queue_exit(&ring);
}

/* An incremental buffer that a read leaves with fewer bytes than the ring's
 * minimum is used up: the head moves, no IORING_CQE_F_BUF_MORE, the entry's
 * length 0 and its address where it was.  A read of nothing keeps it. */
TEST(inc_min_left_uses_up_buffer)
{
	struct test_cqe c;
	char data[100];
	void *mem;
	int p[2], ret;

	test_ring_init(8, &ring, 0);
	mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE_TRUE(mem != MAP_FAILED);
	ret = reg_ring_resv(mem, IOU_PBUF_RING_INC, 25);
	if (ret == -EINVAL)
		test_skip_if_refused(-EOPNOTSUPP, "incremental buffer rings");
	REQUIRE_EQ(ret, 0);
	br = mem;
	io_uring_buf_ring_init(br);
	memset(bufs, 0, sizeof(bufs));
	ring_add(bufs[0], 64, 17);
	ring_add(bufs[1], 64, 18);
	REQUIRE_SYS(pipe(p));
	memset(data, 'm', sizeof(data));
	REQUIRE_EQ(write(p[1], data, sizeof(data)), (ssize_t)sizeof(data));
	/* 40 of 64: 24 left, under 25 */
	c = read_select(p[0], 40, 0);
	CHECK_EQ(c.res, 40);
	CHECK_EQ_U(c.flags, IORING_CQE_F_BUFFER | (17U << IORING_CQE_BUFFER_SHIFT));
	CHECK_EQ(ring_head(), 1);
	CHECK_EQ_U(br->bufs[0].addr, (uintptr_t)bufs[0]);
	CHECK_EQ_U(br->bufs[0].len, 0);
	/* 39 of 64: 25 left, kept */
	c = read_select(p[0], 39, 0);
	CHECK_EQ(c.res, 39);
	CHECK_EQ_U(c.flags,
		   IORING_CQE_F_BUFFER | IORING_CQE_F_BUF_MORE | (18U << IORING_CQE_BUFFER_SHIFT));
	CHECK_EQ(ring_head(), 1);
	CHECK_EQ_U(br->bufs[1].addr, (uintptr_t)(bufs[1] + 39));
	CHECK_EQ_U(br->bufs[1].len, 25);
	/* the rest of the pipe, 21 bytes: 4 left, used up */
	c = read_select(p[0], 0, 0);
	CHECK_EQ(c.res, 21);
	CHECK_EQ_U(c.flags, IORING_CQE_F_BUFFER | (18U << IORING_CQE_BUFFER_SHIFT));
	CHECK_EQ(ring_head(), 2);
	CHECK_EQ_U(br->bufs[1].addr, (uintptr_t)(bufs[1] + 39));
	CHECK_EQ_U(br->bufs[1].len, 0);
	/* end of file reads nothing: the buffer stays whatever is left */
	ring_add(bufs[2], 10, 19);
	close(p[1]);
	c = read_select(p[0], 0, 0);
	CHECK_EQ(c.res, 0);
	CHECK_EQ_U(c.flags,
		   IORING_CQE_F_BUFFER | IORING_CQE_F_BUF_MORE | (19U << IORING_CQE_BUFFER_SHIFT));
	CHECK_EQ(ring_head(), 2);
	CHECK_EQ_U(br->bufs[2].len, 10);
	close(p[0]);
	CHECK_EQ(io_uring_unregister_buf_ring(&ring, 1), 0);
	munmap(mem, 4096);
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(inc_commit_at_selection_says_buf_more),
		TEST_ENTRY(inc_devnull_commits_at_selection),
		TEST_ENTRY(failed_read_gives_back_ring_buffer),
		TEST_ENTRY(ring_buffer_at_null_is_enobufs),
		TEST_ENTRY(recv_ring_buffer_at_null_is_enobufs),
		TEST_ENTRY(recv_ring_buffer_at_null_what_cqe_names),
		TEST_ENTRY(recv_waitall_zero_length_buffer_names_none),
		TEST_ENTRY(recv_waitall_short_keeps_buffer),
		TEST_ENTRY(ring_buffer_in_kernel_range_is_efault),
		TEST_ENTRY(inc_zero_length_buffer_stays),
		TEST_ENTRY(ring_in_prot_none_memory_is_efault),
		TEST_ENTRY(bundle_cut_leaves_ring_entry),
		TEST_ENTRY(recvmsg_len_above_int_max_is_einval),
		TEST_ENTRY(async_read_of_closed_fd_takes_no_buffer),
		TEST_ENTRY(async_mshot_recvmsg_short_buffer_names_none),
		TEST_ENTRY(pbuf_ring_resv0_is_inc_min_left),
		TEST_ENTRY(inc_min_left_uses_up_buffer),
		TEST_ENTRY(legacy_buffer_at_null),
		TEST_ENTRY(async_poll_first_recv_of_kernel_range_names_buffer),
	};

	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
