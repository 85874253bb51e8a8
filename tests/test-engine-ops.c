// SPDX-License-Identifier: MIT
/*
 * Per-opcode results and registration on the raw interface, on both
 * backends: READ/WRITE/READV/WRITEV/_FIXED with
 * offsets, EOF, bad buffers and files; pipes; FSYNC; SYNC_FILE_RANGE;
 * POLL_ADD/POLL_REMOVE; registered buffers, files and eventfd.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>

#include "raw.h"

static struct raw_ring R;

static struct io_uring_sqe *rw_sqe(int op, int fd, void *buf, unsigned len, uint64_t off,
				   uint64_t ud)
{
	struct io_uring_sqe *s = raw_sqe(&R);

	s->opcode = (uint8_t)op;
	s->fd = fd;
	s->addr = (uintptr_t)buf;
	s->len = len;
	s->off = off;
	s->user_data = ud;
	return s;
}

/* Submit what is queued, wait for n CQEs, return the res of the one with ud. */
static int run(unsigned submit, unsigned wait, struct io_uring_cqe *out)
{
	int ret = raw_submit(&R, submit, wait, IORING_ENTER_GETEVENTS);

	if (ret != (int)submit)
		fprintf(stderr, "submit %u -> %d\n", submit, ret);
	return raw_reap(&R, out, 64);
}

static int one(int op, int fd, void *buf, unsigned len, uint64_t off)
{
	struct io_uring_cqe c[64];

	rw_sqe(op, fd, buf, len, off, 77);
	if (run(1, 1, c) != 1)
		return -9999;
	return c[0].res;
}

static int tmpfile_with(const char *data, size_t len)
{
	char path[] = "/tmp/ringer-ops-XXXXXX";
	int fd = mkstemp(path);

	unlink(path);
	if (len)
		CHECK_EQ(write(fd, data, len), (long long)len);
	return fd;
}

TEST(read_write)
{
	char buf[128];
	int fd = tmpfile_with("0123456789", 10), wo, dir, ap;

	lseek(fd, 0, SEEK_SET);
	CHECK_EQ(one(IORING_OP_READ, fd, buf, 4, (uint64_t)-1), 4);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 4);
	CHECK_EQ(one(IORING_OP_READ, fd, buf, 100, (uint64_t)-1), 6);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 10);
	CHECK_MSG(!memcmp(buf, "456789", 6), "data");
	CHECK_EQ(one(IORING_OP_READ, fd, buf, 4, 2), 4);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 10);
	CHECK_MSG(!memcmp(buf, "2345", 4), "data");
	CHECK_EQ(one(IORING_OP_READ, fd, buf, 4, (uint64_t)-2), -EINVAL);
	CHECK_EQ(one(IORING_OP_READ, fd, buf, 4, 100), 0);
	CHECK_EQ(one(IORING_OP_READ, fd, buf, 0, 0), 0);
	lseek(fd, 5, SEEK_SET);
	CHECK_EQ(one(IORING_OP_WRITE, fd, "ab", 2, (uint64_t)-1), 2);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 7);
	/* an unmapped buffer fails at issue: the batch continues */
	{
		struct io_uring_cqe c[64];

		rw_sqe(IORING_OP_READ, fd, (void *)8, 4, 0, 1);
		raw_nop(&R, 2, 0);
		CHECK_EQ(run(2, 2, c), 2);
		CHECK_EQ(c[0].res, -EFAULT);
		CHECK_EQ(c[1].res, 0);
		/* a kernel address fails at prep: the batch stops */
		rw_sqe(IORING_OP_READ, fd, (void *)0xffff888000000000ULL, 4, 0, 3);
		raw_nop(&R, 4, 0);
		CHECK_EQ(raw_submit(&R, 2, 0, 0), 1);
		CHECK_EQ(raw_reap(&R, c, 64), 1);
		CHECK_EQ(c[0].res, -EFAULT);
		CHECK_EQ(raw_enter(R.fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0), 1);
		raw_reap(&R, c, 64);
	}
	/* unknown RWF bits: issue-time -EOPNOTSUPP; bad ioprio class: prep */
	{
		struct io_uring_cqe c[64];

		rw_sqe(IORING_OP_READ, fd, buf, 4, 0, 1)->rw_flags = 0x1000;
		CHECK_EQ(run(1, 1, c), 1);
		CHECK_EQ(c[0].res, -EOPNOTSUPP);
		rw_sqe(IORING_OP_READ, fd, buf, 4, 0, 1)->ioprio = 0xe000;
		CHECK_EQ(run(1, 1, c), 1);
		CHECK_EQ(c[0].res, -EINVAL);
		rw_sqe(IORING_OP_READ, fd, buf, 4, 0, 1)->attr_type_mask = 2;
		CHECK_EQ(run(1, 1, c), 1);
		CHECK_EQ(c[0].res, -EINVAL);
		/* RWF_HIPRI wants an IOPOLL ring; ioprio class NONE with a level */
		rw_sqe(IORING_OP_READ, fd, buf, 4, 0, 1)->rw_flags = RWF_HIPRI;
		CHECK_EQ(run(1, 1, c), 1);
		CHECK_EQ(c[0].res, -EINVAL);
		rw_sqe(IORING_OP_READ, fd, buf, 4, 0, 1)->ioprio = 3;
		CHECK_EQ(run(1, 1, c), 1);
		CHECK_EQ(c[0].res, -EINVAL);
		/* buf_index ignored by plain READ */
		rw_sqe(IORING_OP_READ, fd, buf, 4, 0, 1)->buf_index = 5;
		CHECK_EQ(run(1, 1, c), 1);
		CHECK_EQ(c[0].res, 4);
		/* BUFFER_SELECT without provided buffers */
		rw_sqe(IORING_OP_READ, fd, NULL, 4, 0, 1)->flags = IOSQE_BUFFER_SELECT;
		CHECK_EQ(run(1, 1, c), 1);
		CHECK_EQ(c[0].res, -ENOBUFS);
		rw_sqe(IORING_OP_WRITE, fd, buf, 4, 0, 1)->flags = IOSQE_BUFFER_SELECT;
		CHECK_EQ(run(1, 1, c), 1);
		CHECK_EQ(c[0].res, -EOPNOTSUPP);
	}
	/* file modes */
	wo = open("/dev/null", O_WRONLY);
	CHECK_EQ(one(IORING_OP_READ, wo, buf, 4, 0), -EBADF);
	close(wo);
	wo = open("/etc/hostname", O_RDONLY);
	CHECK_EQ(one(IORING_OP_WRITE, wo, buf, 4, 0), -EBADF);
	close(wo);
	dir = open("/tmp", O_RDONLY | O_DIRECTORY);
	CHECK_EQ(one(IORING_OP_READ, dir, buf, 4, 0), -EISDIR);
	close(dir);
	ap = tmpfile_with("xyz", 3);
	close(ap);
	{
		char path[] = "/tmp/ringer-app-XXXXXX";
		int t = mkstemp(path);

		CHECK_EQ(write(t, "xyz", 3), 3);
		ap = open(path, O_WRONLY | O_APPEND);
		unlink(path);
		CHECK_EQ(one(IORING_OP_WRITE, ap, "AB", 2, 0), 2);
		CHECK_EQ(pread(t, buf, 16, 0), 5);
		CHECK_MSG(!memcmp(buf, "xyzAB", 5), "append");
		close(ap);
		close(t);
	}
	/* READV: counts and bad arrays */
	{
		struct iovec iov[2] = { { buf, 3 }, { buf + 3, 3 } };
		struct io_uring_cqe c[64];

		CHECK_EQ(one(IORING_OP_READV, fd, iov, 2, 0), 6);
		CHECK_MSG(!memcmp(buf, "01234a", 6), "readv data %.6s", buf);
		CHECK_EQ(one(IORING_OP_READV, fd, iov, 0, 0), 0);
		rw_sqe(IORING_OP_READV, fd, iov, 1025, 0, 1);
		CHECK_EQ(run(1, 1, c), 1);
		CHECK_EQ(c[0].res, -EINVAL);
		rw_sqe(IORING_OP_READV, fd, (void *)8, 1, 0, 1);
		raw_nop(&R, 2, 0);
		CHECK_EQ(raw_submit(&R, 2, 0, 0), 1);
		CHECK_EQ(raw_reap(&R, c, 64), 1);
		CHECK_EQ(c[0].res, -EFAULT);
		CHECK_EQ(raw_enter(R.fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0), 1);
		raw_reap(&R, c, 64);
		iov[0].iov_base = (void *)8;
		CHECK_EQ(one(IORING_OP_READV, fd, iov, 1, 0), -EFAULT);
		iov[0].iov_base = "QRS";
		CHECK_EQ(one(IORING_OP_WRITEV, fd, iov, 1, 0), 3);
	}
	/* FSYNC and SYNC_FILE_RANGE */
	{
		struct io_uring_cqe c[64];
		int p[2];
		struct io_uring_sqe *s;

		CHECK_EQ(pipe(p), 0);
		CHECK_EQ(one(IORING_OP_FSYNC, fd, NULL, 0, 0), 0);
		s = rw_sqe(IORING_OP_FSYNC, fd, NULL, 0, 0, 1);
		s->fsync_flags = IORING_FSYNC_DATASYNC;
		CHECK_EQ(run(1, 1, c), 1);
		CHECK_EQ(c[0].res, 0);
		rw_sqe(IORING_OP_FSYNC, fd, NULL, 0, 0, 1)->fsync_flags = 2;
		rw_sqe(IORING_OP_FSYNC, fd, (void *)1, 0, 0, 1);
		rw_sqe(IORING_OP_FSYNC, fd, NULL, 0, 0, 1)->buf_index = 1;
		rw_sqe(IORING_OP_FSYNC, fd, NULL, 0, 0, 1)->splice_fd_in = 1;
		rw_sqe(IORING_OP_FSYNC, fd, NULL, 0, 0, 1)->ioprio = 1;
		raw_publish(&R);
		for (int i = 0; i < 5; i++)
			CHECK_EQ(raw_enter(R.fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0), 1);
		CHECK_EQ(raw_reap(&R, c, 64), 5);
		for (int i = 0; i < 5; i++)
			CHECK_EQ(c[i].res, -EINVAL);
		CHECK_EQ(one(IORING_OP_FSYNC, p[0], NULL, 0, 0), -EINVAL);
		CHECK_EQ(one(IORING_OP_FSYNC, 9999, NULL, 0, 0), -EBADF);
		CHECK_EQ(one(IORING_OP_SYNC_FILE_RANGE, fd, NULL, 4, 0), 0);
		CHECK_EQ(one(IORING_OP_SYNC_FILE_RANGE, p[0], NULL, 4, 0), -ESPIPE);
		CHECK_EQ(one(IORING_OP_SYNC_FILE_RANGE, fd, (void *)1, 4, 0), -EINVAL);
		rw_sqe(IORING_OP_SYNC_FILE_RANGE, fd, NULL, 4, 0, 1)->sync_range_flags = 0x100;
		CHECK_EQ(run(1, 1, c), 1);
		CHECK_EQ(c[0].res, -EINVAL);
		close(p[0]);
		close(p[1]);
	}
	close(fd);
}

TEST(pipe_ops)
{
	struct io_uring_cqe c[64];
	char buf[128];
	static char big[100000];
	int p[2], n;

	CHECK_EQ(pipe(p), 0);
	CHECK_EQ(write(p[1], "hello", 5), 5);
	CHECK_EQ(one(IORING_OP_READ, p[0], buf, 100, 5), 5);
	CHECK_EQ(one(IORING_OP_WRITE, p[1], "abc", 3, 7), 3);
	CHECK_EQ(one(IORING_OP_READ, p[0], buf, 100, (uint64_t)-2), -EINVAL); /* probed */
	CHECK_EQ(one(IORING_OP_READ, p[0], buf, 100, (uint64_t)-1), 3);
	/* an empty pipe: the READ stays pending and completes after a write */
	rw_sqe(IORING_OP_READ, p[0], buf, 100, 0, 50);
	CHECK_EQ(raw_submit(&R, 1, 0, 0), 1);
	usleep(20000);
	CHECK_EQ(raw_reap(&R, c, 64), 0);
	CHECK_EQ(write(p[1], "late", 4), 4);
	CHECK_EQ(raw_enter(R.fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0), 0);
	n = raw_reap(&R, c, 64);
	CHECK_EQ(n, 1);
	CHECK_EQ(c[0].res, 4);
	CHECK_MSG(!memcmp(buf, "late", 4), "pipe data");
	/* RWF_NOWAIT on an empty pipe: -EAGAIN */
	rw_sqe(IORING_OP_READ, p[0], buf, 100, 0, 51)->rw_flags = RWF_NOWAIT;
	CHECK_EQ(run(1, 1, c), 1);
	CHECK_EQ(c[0].res, -EAGAIN);
	/* 100000 bytes into an empty pipe: the pipe's capacity, at once */
	CHECK_EQ(one(IORING_OP_WRITE, p[1], big, sizeof(big), 0), 65536);
	/* a full O_NONBLOCK pipe: the WRITE stays pending until there is room */
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	rw_sqe(IORING_OP_WRITE, p[1], "x", 1, 0, 52);
	CHECK_EQ(raw_submit(&R, 1, 0, 0), 1);
	usleep(20000);
	CHECK_EQ(raw_reap(&R, c, 64), 0);
	CHECK_EQ(read(p[0], big, sizeof(big)), 65536);
	CHECK_EQ(raw_enter(R.fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0), 0);
	CHECK_EQ(raw_reap(&R, c, 64), 1);
	CHECK_EQ(c[0].res, 1);
	CHECK_EQ(read(p[0], buf, 10), 1);
	/* an empty O_NONBLOCK pipe READ stays pending too */
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	rw_sqe(IORING_OP_READ, p[0], buf, 100, 0, 53);
	CHECK_EQ(raw_submit(&R, 1, 0, 0), 1);
	usleep(10000);
	CHECK_EQ(raw_reap(&R, c, 64), 0);
	CHECK_EQ(write(p[1], "z", 1), 1);
	CHECK_EQ(raw_enter(R.fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0), 0);
	CHECK_EQ(raw_reap(&R, c, 64), 1);
	CHECK_EQ(c[0].res, 1);
	close(p[0]);
	close(p[1]);
}

TEST(poll_ops)
{
	struct io_uring_cqe c[64];
	struct io_uring_sqe *s;
	int p[2], fd = tmpfile_with("x", 1), n;
	char b[8];

	CHECK_EQ(pipe(p), 0);
	s = rw_sqe(IORING_OP_POLL_ADD, p[1], NULL, 0, 0, 1);
	s->poll32_events = POLLOUT;
	CHECK_EQ(run(1, 1, c), 1);
	CHECK_EQ(c[0].res, POLLOUT);
	s = rw_sqe(IORING_OP_POLL_ADD, fd, NULL, 0, 0, 1);
	s->poll32_events = POLLIN | POLLOUT | POLLRDNORM;
	CHECK_EQ(run(1, 1, c), 1);
	CHECK_EQ(c[0].res, 0x45);
	/* prep errors */
	rw_sqe(IORING_OP_POLL_ADD, fd, (void *)1, 0, 0, 1)->poll32_events = POLLIN;
	rw_sqe(IORING_OP_POLL_ADD, fd, NULL, 0, 1, 1)->poll32_events = POLLIN;
	rw_sqe(IORING_OP_POLL_ADD, fd, NULL, 0, 0, 1)->buf_index = 1;
	rw_sqe(IORING_OP_POLL_ADD, fd, NULL, IORING_POLL_ADD_LEVEL, 0, 1);
	s = rw_sqe(IORING_OP_POLL_ADD, fd, NULL, IORING_POLL_ADD_MULTI, 0, 1);
	s->flags = IOSQE_CQE_SKIP_SUCCESS;
	raw_publish(&R);
	for (int i = 0; i < 5; i++)
		CHECK_EQ(raw_enter(R.fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0), 1);
	CHECK_EQ(raw_reap(&R, c, 64), 5);
	for (int i = 0; i < 5; i++)
		CHECK_EQ(c[i].res, -EINVAL);
	/* pending POLLIN, removed: remover 0, target -ECANCELED */
	rw_sqe(IORING_OP_POLL_ADD, p[0], NULL, 0, 0, 10)->poll32_events = POLLIN;
	CHECK_EQ(raw_submit(&R, 1, 0, 0), 1);
	rw_sqe(IORING_OP_POLL_REMOVE, -1, (void *)10, 0, 0, 11);
	CHECK_EQ(raw_submit(&R, 1, 2, IORING_ENTER_GETEVENTS), 1);
	n = raw_reap(&R, c, 64);
	CHECK_EQ(n, 2);
	for (int i = 0; i < n; i++)
		CHECK_EQ(c[i].res, c[i].user_data == 10 ? -ECANCELED : 0);
	rw_sqe(IORING_OP_POLL_REMOVE, -1, (void *)10, 0, 0, 12);
	CHECK_EQ(run(1, 1, c), 1);
	CHECK_EQ(c[0].res, -ENOENT);
	/* pending POLLIN completes on a write; HUP is reported unasked */
	rw_sqe(IORING_OP_POLL_ADD, p[0], NULL, 0, 0, 20)->poll32_events = POLLIN;
	CHECK_EQ(raw_submit(&R, 1, 0, 0), 1);
	CHECK_EQ(write(p[1], "a", 1), 1);
	CHECK_EQ(raw_enter(R.fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0), 0);
	CHECK_EQ(raw_reap(&R, c, 64), 1);
	CHECK_EQ(c[0].res, POLLIN);
	CHECK_EQ(read(p[0], b, 1), 1);
	/* MULTI: a CQE with F_MORE per edge, the final one without */
	rw_sqe(IORING_OP_POLL_ADD, p[0], NULL, IORING_POLL_ADD_MULTI, 0, 30)->poll32_events =
		POLLIN;
	CHECK_EQ(raw_submit(&R, 1, 0, 0), 1);
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(write(p[1], "m", 1), 1);
		CHECK_EQ(raw_enter(R.fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0), 0);
		CHECK_EQ(raw_reap(&R, c, 64), 1);
		CHECK_EQ(c[0].res, POLLIN);
		CHECK_EQ(c[0].flags, IORING_CQE_F_MORE);
		CHECK_EQ(read(p[0], b, 1), 1);
	}
	rw_sqe(IORING_OP_POLL_REMOVE, -1, (void *)30, 0, 0, 31);
	CHECK_EQ(raw_submit(&R, 1, 2, IORING_ENTER_GETEVENTS), 1);
	n = raw_reap(&R, c, 64);
	CHECK_EQ(n, 2);
	for (int i = 0; i < n; i++) {
		CHECK_EQ(c[i].res, c[i].user_data == 30 ? -ECANCELED : 0);
		CHECK_EQ(c[i].flags, 0);
	}
	/* MULTI on a file without poll support: one final CQE */
	s = rw_sqe(IORING_OP_POLL_ADD, fd, NULL, IORING_POLL_ADD_MULTI, 0, 35);
	s->poll32_events = POLLIN;
	CHECK_EQ(run(1, 1, c), 1);
	CHECK_EQ(c[0].res, POLLIN);
	CHECK_EQ(c[0].flags, 0);
	close(p[1]);
	s = rw_sqe(IORING_OP_POLL_ADD, p[0], NULL, 0, 0, 40);
	s->poll32_events = POLLIN;
	CHECK_EQ(run(1, 1, c), 1);
	CHECK_EQ(c[0].res, POLLHUP);
	close(p[0]);
	close(fd);
}

TEST(registered)
{
	static char mem[3 * 4096] __attribute__((aligned(4096)));
	struct iovec iov[2] = { { mem, 4096 }, { mem + 4096, 4096 } };
	struct io_uring_cqe c[64];
	struct io_uring_sqe *s;
	int fd = tmpfile_with("fixedfixed", 10), fds[3], ev, evr;
	uint64_t cnt;

	/* buffers */
	CHECK_EQ(one(IORING_OP_READ_FIXED, fd, mem, 4, 0), -EFAULT);
	CHECK_EQ(raw_register(R.fd, IORING_UNREGISTER_BUFFERS, NULL, 0), -ENXIO);
	CHECK_EQ(raw_register(R.fd, IORING_REGISTER_BUFFERS, NULL, 1), -EFAULT);
	CHECK_EQ(raw_register(R.fd, IORING_REGISTER_BUFFERS, iov, 0), -EINVAL);
	CHECK_EQ(raw_register(R.fd, IORING_REGISTER_BUFFERS, iov, 16385), -EINVAL);
	{
		struct iovec bad[3] = { { NULL, 4 }, { mem, 0 }, { mem, (1UL << 30) + 1 } };

		for (int i = 0; i < 3; i++)
			CHECK_EQ(raw_register(R.fd, IORING_REGISTER_BUFFERS, &bad[i], 1), -EFAULT);
	}
	{
		void *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			       0);
		struct iovec um = { m, 8192 };

		munmap(m, 8192);
		CHECK_EQ(raw_register(R.fd, IORING_REGISTER_BUFFERS, &um, 1), -EFAULT);
	}
	CHECK_EQ(raw_register(R.fd, IORING_REGISTER_BUFFERS, iov, 2), 0);
	CHECK_EQ(raw_register(R.fd, IORING_REGISTER_BUFFERS, iov, 2), -EBUSY);
	CHECK_EQ(one(IORING_OP_READ_FIXED, fd, mem, 4, 0), 4);
	CHECK_MSG(!memcmp(mem, "fixe", 4), "fixed data");
	CHECK_EQ(one(IORING_OP_READ_FIXED, fd, mem + 4090, 10, 0), -EFAULT);
	CHECK_EQ(one(IORING_OP_READ_FIXED, fd, mem + 4096, 0, 0), 0);
	CHECK_EQ(one(IORING_OP_READ_FIXED, fd, (void *)((uintptr_t)mem - 1), 4, 0), -EFAULT);
	rw_sqe(IORING_OP_READ_FIXED, fd, mem + 4096, 4, 0, 1)->buf_index = 0;
	rw_sqe(IORING_OP_READ_FIXED, fd, mem, 4, 0, 2)->buf_index = 2;
	rw_sqe(IORING_OP_WRITE_FIXED, fd, mem + 4096, 4, 0, 3)->buf_index = 1;
	rw_sqe(IORING_OP_READ_FIXED, 9999, mem, 4, 0, 4)->buf_index = 5;
	CHECK_EQ(run(4, 4, c), 4);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(c[i].res, c[i].user_data == 3 ? 4 : c[i].user_data == 4 ? -EBADF
										  : -EFAULT);
	CHECK_EQ(raw_register(R.fd, IORING_UNREGISTER_BUFFERS, (void *)1, 0), -EINVAL);
	CHECK_EQ(raw_register(R.fd, IORING_UNREGISTER_BUFFERS, NULL, 0), 0);

	/* files */
	fds[0] = fd;
	fds[1] = -1;
	fds[2] = dup(fd);
	CHECK_EQ(raw_register(R.fd, IORING_UNREGISTER_FILES, NULL, 0), -ENXIO);
	CHECK_EQ(raw_register(R.fd, IORING_REGISTER_FILES, NULL, 1), -EFAULT);
	CHECK_EQ(raw_register(R.fd, IORING_REGISTER_FILES, fds, 0), -EINVAL);
	{
		int bad[3] = { 9999, -2, R.fd };

		for (int i = 0; i < 3; i++)
			CHECK_EQ(raw_register(R.fd, IORING_REGISTER_FILES, &bad[i], 1), -EBADF);
	}
	CHECK_EQ(raw_register(R.fd, IORING_REGISTER_FILES, fds, 3), 0);
	CHECK_EQ(raw_register(R.fd, IORING_REGISTER_FILES, fds, 3), -EBUSY);
	close(fds[2]); /* the fixed file stays usable */
	s = rw_sqe(IORING_OP_READ, 2, mem, 5, 0, 1);
	s->flags = IOSQE_FIXED_FILE;
	s = rw_sqe(IORING_OP_READ, 1, mem, 5, 0, 2);
	s->flags = IOSQE_FIXED_FILE;
	s = rw_sqe(IORING_OP_READ, 3, mem, 5, 0, 3);
	s->flags = IOSQE_FIXED_FILE;
	s = rw_sqe(IORING_OP_READ, -1, mem, 5, 0, 4);
	s->flags = IOSQE_FIXED_FILE;
	CHECK_EQ(run(4, 4, c), 4);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(c[i].res, c[i].user_data == 1 ? 5 : -EBADF);
	{
		int upd[2] = { fd, 9999 };
		struct io_uring_files_update u = { .offset = 1, .fds = (uintptr_t)upd };

		CHECK_EQ(raw_register(R.fd, IORING_REGISTER_FILES_UPDATE, &u, 2), 1);
		u.offset = 0;
		upd[0] = 9999;
		CHECK_EQ(raw_register(R.fd, IORING_REGISTER_FILES_UPDATE, &u, 1), -EBADF);
		CHECK_EQ(one(IORING_OP_NOP, 0, NULL, 0, 0), 0);
		s = rw_sqe(IORING_OP_READ, 0, mem, 5, 0, 1);
		s->flags = IOSQE_FIXED_FILE;
		CHECK_EQ(run(1, 1, c), 1);
		CHECK_EQ(c[0].res, -EBADF);
		u.offset = 2;
		CHECK_EQ(raw_register(R.fd, IORING_REGISTER_FILES_UPDATE, &u, 2), -EINVAL);
		CHECK_EQ(raw_register(R.fd, IORING_REGISTER_FILES_UPDATE, &u, 0), -EINVAL);
		u.resv = 1;
		CHECK_EQ(raw_register(R.fd, IORING_REGISTER_FILES_UPDATE, &u, 1), -EINVAL);
		u.resv = 0;
		upd[0] = IORING_REGISTER_FILES_SKIP;
		u.offset = 1;
		CHECK_EQ(raw_register(R.fd, IORING_REGISTER_FILES_UPDATE, &u, 1), 1);
		s = rw_sqe(IORING_OP_READ, 1, mem, 5, 0, 1);
		s->flags = IOSQE_FIXED_FILE;
		CHECK_EQ(run(1, 1, c), 1);
		CHECK_EQ(c[0].res, 5);
	}
	CHECK_EQ(raw_register(R.fd, IORING_UNREGISTER_FILES, NULL, 0), 0);

	/* eventfd */
	ev = eventfd(0, EFD_NONBLOCK);
	CHECK_EQ(raw_register(R.fd, IORING_UNREGISTER_EVENTFD, NULL, 0), -ENXIO);
	CHECK_EQ(raw_register(R.fd, IORING_REGISTER_EVENTFD, &ev, 2), -EINVAL);
	CHECK_EQ(raw_register(R.fd, IORING_REGISTER_EVENTFD, NULL, 1), -EFAULT);
	evr = 9999;
	CHECK_EQ(raw_register(R.fd, IORING_REGISTER_EVENTFD, &evr, 1), -EBADF);
	CHECK_EQ(raw_register(R.fd, IORING_REGISTER_EVENTFD, &fd, 1), -EINVAL);
	CHECK_EQ(raw_register(R.fd, IORING_REGISTER_EVENTFD, &ev, 1), 0);
	CHECK_EQ(raw_register(R.fd, IORING_REGISTER_EVENTFD, &ev, 1), -EBUSY);
	raw_nop(&R, 1, 0);
	raw_nop(&R, 2, 0);
	CHECK_EQ(run(2, 2, c), 2);
	CHECK_MSG(read(ev, &cnt, 8) == 8 && cnt >= 1, "eventfd count");
	*R.cq_flags |= IORING_CQ_EVENTFD_DISABLED;
	CHECK_EQ(one(IORING_OP_NOP, 0, NULL, 0, 0), 0);
	CHECK_EQ(read(ev, &cnt, 8), -1);
	*R.cq_flags &= ~IORING_CQ_EVENTFD_DISABLED;
	CHECK_EQ(raw_register(R.fd, IORING_UNREGISTER_EVENTFD, NULL, 0), 0);
	CHECK_EQ(raw_register(R.fd, IORING_REGISTER_EVENTFD_ASYNC, &ev, 1), 0);
	CHECK_EQ(one(IORING_OP_NOP, 0, NULL, 0, 0), 0);
	CHECK_EQ(read(ev, &cnt, 8), -1);
	CHECK_EQ(raw_register(R.fd, IORING_UNREGISTER_EVENTFD, NULL, 0), 0);
	close(ev);
	close(fd);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(read_write),
		TEST_ENTRY(pipe_ops),
		TEST_ENTRY(poll_ops),
		TEST_ENTRY(registered),
	};
	int ret;

	/* the cases share one ring */
	REQUIRE_EQ(raw_skip_if_refused(raw_ring_init(&R, 64, NULL)), 0);
	ret = test_main(argc, argv, cases, ARRAY_SIZE(cases));
	raw_ring_exit(&R);
	return ret;
}
