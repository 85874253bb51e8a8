/* SPDX-License-Identifier: MIT */
/*
 * RECV and RECVMSG on files that are no sockets, with the flags that make
 * the kernel wait for readiness before it looks at the socket: POLL_FIRST
 * (RECV only) and a multishot receive issued from io-wq.  A file without a poll method
 * cannot be waited on: -EAGAIN, -EBADFD (found by the differential fuzzer,
 * tests/fuzz); without the flags, -ENOTSOCK.
 */
#include "harness.h"

#include <fcntl.h>

static struct io_uring ring;

static int recv_on(int fd, unsigned ioprio, unsigned sqe_flags, int msg_flags)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);
	struct test_cqe c = { 0 };
	static char buf[16];

	io_uring_prep_recv(sqe, fd, (sqe_flags & IOSQE_BUFFER_SELECT) ? NULL : buf,
			   (sqe_flags & IOSQE_BUFFER_SELECT) ? 0 : sizeof(buf), msg_flags);
	sqe->ioprio = (__u16)ioprio;
	sqe->flags = (__u8)sqe_flags;
	sqe->buf_group = 3;
	REQUIRE_EQ(test_submit_reap(&ring, &c, 1), 1);
	return c.res;
}

static int tmp_file(void)
{
	char path[] = "/tmp/ringer-net-nonsocket.XXXXXX";
	int fd = mkstemp(path);

	REQUIRE_SYS(fd);
	unlink(path);
	return fd;
}

TEST(poll_first_on_file_without_poll_is_eagain)
{
	int null = open("/dev/null", O_RDWR), file = tmp_file();

	REQUIRE_SYS(null);
	test_ring_init(8, &ring, 0);
	CHECK_EQ(recv_on(null, IORING_RECVSEND_POLL_FIRST, 0, 0), -EAGAIN);
	CHECK_EQ(recv_on(file, IORING_RECVSEND_POLL_FIRST, 0, 0), -EAGAIN);
	CHECK_EQ(recv_on(null, 0, 0, 0), -ENOTSOCK);
	/* RECVMSG looks at the socket first */
	{
		struct io_uring_sqe *sqe = test_get_sqe(&ring);
		struct msghdr msg = { 0 };
		struct test_cqe c = { 0 };

		io_uring_prep_recvmsg(sqe, null, &msg, 0);
		sqe->ioprio = IORING_RECVSEND_POLL_FIRST;
		REQUIRE_EQ(test_submit_reap(&ring, &c, 1), 1);
		CHECK_EQ(c.res, -ENOTSOCK);
	}
	io_uring_queue_exit(&ring);
	close(null);
	close(file);
}

TEST(mshot_recv_from_worker_on_file_without_poll_is_ebadfd)
{
	int null = open("/dev/null", O_RDWR), file = tmp_file();

	REQUIRE_SYS(null);
	test_ring_init(8, &ring, 0);
	CHECK_EQ(recv_on(null, IORING_RECV_MULTISHOT, IOSQE_BUFFER_SELECT | IOSQE_ASYNC, 0),
		 -EBADFD);
	CHECK_EQ(recv_on(file, IORING_RECV_MULTISHOT, IOSQE_BUFFER_SELECT | IOSQE_ASYNC, 0),
		 -EBADFD);
	/* inline: the receive itself finds no socket */
	CHECK_EQ(recv_on(null, IORING_RECV_MULTISHOT, IOSQE_BUFFER_SELECT, 0), -ENOTSOCK);
	io_uring_queue_exit(&ring);
	close(null);
	close(file);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(poll_first_on_file_without_poll_is_eagain),
		TEST_ENTRY(mshot_recv_from_worker_on_file_without_poll_is_ebadfd),
	};

	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
