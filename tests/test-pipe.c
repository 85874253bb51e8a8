/* SPDX-License-Identifier: MIT */
/*
 * Reads and writes on pipes: pending reads completed by a later write, one
 * non-blocking attempt's worth per CQE, RWF_NOWAIT, offsets ignored (a pipe
 * is a stream: it has no position).
 */
#include "harness.h"

#include <fcntl.h>

static struct io_uring ring;
static int p[2];

static void up(int pipe_flags)
{
	test_ring_init(8, &ring, 0);
	REQUIRE_SYS(pipe2(p, pipe_flags));
}

static void down(void)
{
	close(p[0]);
	close(p[1]);
	io_uring_queue_exit(&ring);
}

static void queue_read(int fd, void *buf, unsigned len, __u64 off, __u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_read(sqe, fd, buf, len, off);
	io_uring_sqe_set_data64(sqe, user_data);
}

static void queue_write(int fd, const void *buf, unsigned len, __u64 off, __u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_write(sqe, fd, buf, len, off);
	io_uring_sqe_set_data64(sqe, user_data);
}

TEST(pending_read_completes_after_write)
{
	char buf[64];
	struct test_cqe c = { 0 };

	up(0);
	memset(buf, 0, sizeof(buf));
	queue_read(p[0], buf, sizeof(buf), 0, 1);
	CHECK_EQ(io_uring_submit(&ring), 1);
	/* nothing to read: the request waits, the submit did not block */
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
	REQUIRE_EQ(write(p[1], "hello", 5), 5);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ_U(c.user_data, 1);
	/* one attempt's worth: the 5 bytes there, not the 64 asked */
	CHECK_EQ(c.res, 5);
	CHECK_MEM(buf, "hello", 5);
	down();
}

TEST(pending_read_on_nonblocking_pipe)
{
	char buf[16];
	struct test_cqe c = { 0 };

	up(O_NONBLOCK);
	queue_read(p[0], buf, sizeof(buf), 0, 2);
	CHECK_EQ(io_uring_submit(&ring), 1);
	/* O_NONBLOCK does not turn it into -EAGAIN */
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
	REQUIRE_EQ(write(p[1], "xyz", 3), 3);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ(c.res, 3);
	CHECK_MEM(buf, "xyz", 3);
	down();
}

TEST(read_what_is_there)
{
	char buf[100];
	struct test_cqe c = { 0 };

	up(0);
	REQUIRE_EQ(write(p[1], "12345", 5), 5);
	queue_read(p[0], buf, 100, 0, 3);
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ(c.res, 5);
	CHECK_MEM(buf, "12345", 5);
	/* the offset means nothing on a pipe */
	REQUIRE_EQ(write(p[1], "abcdefgh", 8), 8);
	queue_read(p[0], buf, 5, 5, 4);
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ(c.res, 5);
	CHECK_MEM(buf, "abcde", 5);
	queue_read(p[0], buf, 5, (__u64)-1, 5);
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ(c.res, 3);
	CHECK_MEM(buf, "fgh", 3);
	queue_write(p[1], "ok", 2, 7, 6);
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ(c.res, 2);
	REQUIRE_EQ(read(p[0], buf, 2), 2);
	CHECK_MEM(buf, "ok", 2);
	down();
}

TEST(big_write_fills_pipe)
{
	static char big[100000], out[65536];
	struct test_cqe c = { 0 };

	up(0);
	REQUIRE_EQ(fcntl(p[1], F_GETPIPE_SZ), 65536);
	test_fill_random(big, sizeof(big), 3);
	queue_write(p[1], big, sizeof(big), 0, 7);
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	/* what fits, at once, no retry for the rest */
	CHECK_EQ(c.res, 65536);
	{
		size_t got = 0;

		while (got < sizeof(out)) {
			ssize_t n = read(p[0], out + got, sizeof(out) - got);

			REQUIRE_GT(n, 0);
			got += (size_t)n;
		}
	}
	CHECK_MEM(out, big, sizeof(out));
	down();
}

TEST(write_to_full_pipe_waits)
{
	static char fill[65536];
	struct test_cqe c = { 0 };

	up(O_NONBLOCK);
	REQUIRE_EQ(write(p[1], fill, sizeof(fill)), (ssize_t)sizeof(fill));
	queue_write(p[1], "0123456789", 10, 0, 8);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
	REQUIRE_EQ(read(p[0], fill, 4096), 4096);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ_U(c.user_data, 8);
	CHECK_EQ(c.res, 10);
	{
		/* drain: the rest of the fill, then the 10 bytes */
		static char rest[65536];
		size_t got = 0;
		ssize_t n;

		while ((n = read(p[0], rest + got, sizeof(rest) - got)) > 0)
			got += (size_t)n;
		CHECK_EQ(got, sizeof(fill) - 4096 + 10);
		if (got >= 10)
			CHECK_MEM(rest + got - 10, "0123456789", 10);
	}
	down();
}

TEST(rwf_nowait_on_empty_pipe)
{
	char buf[8];
	struct iovec iov = { buf, sizeof(buf) };
	struct io_uring_sqe *sqe;
	struct test_cqe c = { 0 };

	up(0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_readv2(sqe, p[0], &iov, 1, 0, RWF_NOWAIT);
	io_uring_sqe_set_data64(sqe, 9);
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ(c.res, -EAGAIN);
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, p[0], buf, sizeof(buf), 0);
	sqe->rw_flags = RWF_NOWAIT;
	io_uring_sqe_set_data64(sqe, 10);
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ(c.res, -EAGAIN);
	/* with data there it reads */
	REQUIRE_EQ(write(p[1], "ab", 2), 2);
	sqe = test_get_sqe(&ring);
	io_uring_prep_readv2(sqe, p[0], &iov, 1, 0, RWF_NOWAIT);
	io_uring_sqe_set_data64(sqe, 11);
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ(c.res, 2);
	down();
}

TEST(wrong_pipe_end)
{
	char buf[8] = "x";
	struct test_cqe c = { 0 };

	up(0);
	queue_read(p[1], buf, 1, 0, 12);
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ(c.res, -EBADF);
	queue_write(p[0], buf, 1, 0, 13);
	CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ(c.res, -EBADF);
	down();
}

TEST(reader_sees_eof)
{
	char buf[8];
	struct test_cqe c = { 0 };

	up(0);
	queue_read(p[0], buf, sizeof(buf), 0, 14);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	/* the writer goes away: the pending read ends with 0 */
	close(p[1]);
	p[1] = -1;
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ(c.res, 0);
	down();
}

TEST(many_pending_reads_in_order)
{
	char bufs[6][1];
	struct test_cqe c[6];
	char all[6];

	up(0);
	/* linked, so each read waits its turn and takes one byte in order */
	for (int i = 0; i < 6; i++) {
		struct io_uring_sqe *sqe = test_get_sqe(&ring);

		io_uring_prep_read(sqe, p[0], bufs[i], 1, 0);
		io_uring_sqe_set_data64(sqe, 20 + i);
		io_uring_sqe_set_flags(sqe, i < 5 ? IOSQE_IO_LINK : 0);
	}
	CHECK_EQ(io_uring_submit(&ring), 6);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	REQUIRE_EQ(write(p[1], "uvwxyz", 6), 6);
	REQUIRE_EQ(test_reap(&ring, c, 6, 5000), 6);
	for (int i = 0; i < 6; i++) {
		CHECK_EQ_U(c[i].user_data, 20 + i);
		CHECK_EQ(c[i].res, 1);
		all[i] = bufs[i][0];
	}
	CHECK_MEM(all, "uvwxyz", 6);
	down();
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(pending_read_completes_after_write),
		TEST_ENTRY(pending_read_on_nonblocking_pipe),
		TEST_ENTRY(read_what_is_there),
		TEST_ENTRY(big_write_fills_pipe),
		TEST_ENTRY(write_to_full_pipe_waits),
		TEST_ENTRY(rwf_nowait_on_empty_pipe),
		TEST_ENTRY(wrong_pipe_end),
		TEST_ENTRY(reader_sees_eof),
		TEST_ENTRY(many_pending_reads_in_order),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
