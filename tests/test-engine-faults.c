// SPDX-License-Identifier: MIT
/*
 * Fault injection into the user engine (include/ringer/fault.h): short
 * transfers, -EIO, -EINTR and -EAGAIN on the engine's own system calls, and
 * the engine's reaction as the kernel's would be: a short regular-file
 * transfer is continued, a short pipe transfer is reported, -EINTR is
 * retried, -EAGAIN goes to a worker or waits for readiness, -EIO reaches the
 * CQE; a failing setup leaks nothing.  Engine only: skips on the kernel.
 */
#include <fcntl.h>

#include "ringer/fault.h"
#include "raw.h"

static struct raw_ring R;

static int read_op(int op, int fd, void *buf, unsigned len, uint64_t off)
{
	struct io_uring_sqe *s = raw_sqe(&R);
	struct io_uring_cqe c;

	s->opcode = (uint8_t)op;
	s->fd = fd;
	s->addr = (uintptr_t)buf;
	s->len = len;
	s->off = off;
	s->user_data = 1;
	if (raw_submit(&R, 1, 1, IORING_ENTER_GETEVENTS) != 1 || !raw_pop(&R, &c))
		return -9999;
	return c.res;
}

/* The number of open fds once it stays the same for 20 ms (at most 1 s). */
static int settled_fd_count(void)
{
	int now = test_count_fds(), before;

	for (int i = 0; i < 50; i++) {
		before = now;
		usleep(20000);
		now = test_count_fds();
		if (now == before)
			break;
	}
	return now;
}

TEST(injected_faults)
{
	char data[4096], buf[4096];
	char path[] = "/tmp/ringer-fault-XXXXXX";
	int fd, p[2], fds_before;

	CHECK_EQ(raw_ring_init(&R, 16, NULL), 0);
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7);
	fd = mkstemp(path);
	unlink(path);
	CHECK_EQ(write(fd, data, sizeof(data)), (long long)sizeof(data));
	CHECK_EQ(pipe(p), 0);

	/* the API */
	CHECK_EQ(ringer_fault_error("no-such-call", EIO, 1), -ENOENT);
	CHECK_EQ(ringer_fault_error("preadv2", -1, 1), -EINVAL);
	CHECK_EQ(ringer_fault_short("fsync", 3, 1), -EINVAL);
	CHECK_MSG(ringer_fault_name(0) != NULL, "names");
	CHECK_MSG(ringer_fault_name(1000) == NULL, "names end");

	/* a regular file read cut to 100 bytes a call: the engine continues to the end */
	CHECK_EQ(ringer_fault_short("preadv2", 100, RINGER_FAULT_ALWAYS), 0);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(read_op(IORING_OP_READ, fd, buf, sizeof(buf), 0), (long long)sizeof(buf));
	CHECK_MSG(!memcmp(buf, data, sizeof(buf)), "continued read data");
	CHECK_MSG(ringer_fault_hits("preadv2") >= 41, "hits %ld", ringer_fault_hits("preadv2"));
	/* ... and so does a write */
	ringer_fault_reset();
	CHECK_EQ(ringer_fault_short("pwritev2", 1000, RINGER_FAULT_ALWAYS), 0);
	CHECK_EQ(read_op(IORING_OP_WRITE, fd, data, sizeof(data), 4096), (long long)sizeof(data));
	ringer_fault_reset();
	CHECK_EQ(pread(fd, buf, sizeof(buf), 4096), (long long)sizeof(buf));
	CHECK_MSG(!memcmp(buf, data, sizeof(buf)), "continued write data");

	/* a pipe: one attempt, the short count is the result */
	CHECK_EQ(write(p[1], data, 10), 10);
	CHECK_EQ(ringer_fault_short("preadv2", 3, 1), 0);
	CHECK_EQ(read_op(IORING_OP_READ, p[0], buf, 10, (uint64_t)-1), 3);
	CHECK_EQ(read_op(IORING_OP_READ, p[0], buf, 10, (uint64_t)-1), 7);
	ringer_fault_reset();

	/* -EIO reaches the CQE, -EINTR is retried */
	CHECK_EQ(ringer_fault_error("preadv2", EIO, 1), 0);
	CHECK_EQ(read_op(IORING_OP_READ, fd, buf, 64, 0), -EIO);
	CHECK_EQ(ringer_fault_hits("preadv2"), 1);
	CHECK_EQ(ringer_fault_error("preadv2", EINTR, 3), 0);
	CHECK_EQ(read_op(IORING_OP_READ, fd, buf, 64, 0), 64);
	CHECK_EQ(ringer_fault_hits("preadv2"), 4);
	CHECK_EQ(ringer_fault_error("pwritev2", EIO, 1), 0);
	CHECK_EQ(read_op(IORING_OP_WRITE, fd, data, 64, 0), -EIO);
	CHECK_EQ(ringer_fault_error("fsync", EIO, 1), 0);
	CHECK_EQ(read_op(IORING_OP_FSYNC, fd, NULL, 0, 0), -EIO);
	CHECK_EQ(ringer_fault_error("fsync", EINTR, 2), 0);
	CHECK_EQ(read_op(IORING_OP_FSYNC, fd, NULL, 0, 0), 0);
	ringer_fault_reset();

	/* -EAGAIN inline: a regular file goes to a worker, a pipe waits for readiness */
	CHECK_EQ(ringer_fault_error("preadv2", EAGAIN, 1), 0);
	CHECK_EQ(read_op(IORING_OP_READ, fd, buf, 64, 0), 64);
	CHECK_MSG(!memcmp(buf, data, 64), "data after EAGAIN");
	CHECK_EQ(write(p[1], "abc", 3), 3);
	CHECK_EQ(ringer_fault_error("preadv2", EAGAIN, 1), 0);
	CHECK_EQ(read_op(IORING_OP_READ, p[0], buf, 10, (uint64_t)-1), 3);
	/* EAGAIN in the worker too (after IOSQE_ASYNC): retried there */
	CHECK_EQ(ringer_fault_error("preadv2", EAGAIN, 3), 0);
	{
		struct io_uring_sqe *s = raw_sqe(&R);
		struct io_uring_cqe c;

		s->opcode = IORING_OP_READ;
		s->fd = fd;
		s->addr = (uintptr_t)buf;
		s->len = 64;
		s->flags = IOSQE_ASYNC;
		CHECK_EQ(raw_submit(&R, 1, 1, IORING_ENTER_GETEVENTS), 1);
		CHECK_MSG(raw_pop(&R, &c), "cqe");
		CHECK_EQ(c.res, 64);
	}
	ringer_fault_reset();

	/* a setup that fails half way leaks no fd (counted once the worker
	 * that ran the read above has closed its own reference to the file,
	 * which it may do after posting the CQE) */
	fds_before = settled_fd_count();
	CHECK_EQ(ringer_fault_error("mmap", ENOMEM, 1), 0);
	{
		struct io_uring_params prm;

		memset(&prm, 0, sizeof(prm));
		CHECK_EQ(ringer_setup(4, &prm), -ENOMEM);
	}
	CHECK_EQ(ringer_fault_error("memfd_create", EMFILE, 1), 0);
	{
		struct io_uring_params prm;

		memset(&prm, 0, sizeof(prm));
		CHECK_EQ(ringer_setup(4, &prm), -EMFILE);
	}
	ringer_fault_reset();
	CHECK_EQ(test_count_fds(), fds_before);

	/* process_vm_* refused: the engine copies iovecs through a pipe of its
	 * own, kept above the program's fds like its others (last: the pipe
	 * stays in use for the process) */
	{
		struct iovec iov = { buf, 8 };
		struct io_uring_sqe *s;
		struct io_uring_cqe c;
		int low = dup(0), again;

		CHECK_MSG(low >= 0, "dup");
		close(low);
		CHECK_EQ(write(p[1], "iovec", 5), 5);
		CHECK_EQ(ringer_fault_error("process_vm_readv", EPERM, RINGER_FAULT_ALWAYS), 0);
		s = raw_sqe(&R);
		s->opcode = IORING_OP_READV;
		s->fd = p[0];
		s->addr = (uintptr_t)&iov;
		s->len = 1;
		s->off = (uint64_t)-1;
		CHECK_EQ(raw_submit(&R, 1, 1, IORING_ENTER_GETEVENTS), 1);
		CHECK_MSG(raw_pop(&R, &c), "cqe");
		CHECK_EQ(c.res, 5);
		CHECK_MSG(ringer_fault_hits("process_vm_readv") >= 1, "the pipe was used");
		ringer_fault_reset();
		again = dup(0);
		close(again);
		CHECK_EQ(again, low);
	}

	close(p[0]);
	close(p[1]);
	close(fd);
	raw_ring_exit(&R);
}

/* A SEND and a RECV of one buffer (the engine makes them with sendto() and
 * recvfrom()) still answer to the "sendmsg" and "recvmsg" slots. */
TEST(socket_faults)
{
	char buf[8];
	int sv[2];

	CHECK_EQ(raw_ring_init(&R, 16, NULL), 0);
	REQUIRE_SYS(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	CHECK_EQ(ringer_fault_error("sendmsg", EIO, 1), 0);
	CHECK_EQ(read_op(IORING_OP_SEND, sv[0], (void *)"abc", 3, 0), -EIO);
	CHECK_EQ(read_op(IORING_OP_SEND, sv[0], (void *)"abc", 3, 0), 3);
	CHECK_EQ(ringer_fault_error("recvmsg", EIO, 1), 0);
	CHECK_EQ(read_op(IORING_OP_RECV, sv[1], buf, sizeof(buf), 0), -EIO);
	CHECK_EQ(read_op(IORING_OP_RECV, sv[1], buf, sizeof(buf), 0), 3);
	CHECK_MEM(buf, "abc", 3);
	CHECK_EQ(ringer_fault_hits("sendmsg"), 1);
	CHECK_EQ(ringer_fault_hits("recvmsg"), 1);
	ringer_fault_reset();
	close(sv[0]);
	close(sv[1]);
	raw_ring_exit(&R);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(injected_faults),
		TEST_ENTRY(socket_faults),
	};

	/* the faults are injected into the engine's system calls */
	if (test_backend_is("kernel"))
		SKIP_CASE(SKIP_KERNEL_LACKS, "engine-only test (fault injection)");
	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
