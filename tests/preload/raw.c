/* SPDX-License-Identifier: MIT */
/*
 * An unmodified raw-syscall io_uring program: setup, mmap, NOPs, a write and
 * a read of a file, registered buffers and READ_FIXED, waits, errors on a
 * fd that is not a ring.  Run under the shim it must behave as on the kernel.
 */
#include <fcntl.h>
#include <stdint.h>
#define RAW_SYSCALLS
#include "../raw.h"
#include "expect.h"

static struct io_uring_cqe wait_one(struct raw_ring *r)
{
	struct io_uring_cqe cqe;
	int ret;

	while (!raw_pop(r, &cqe)) {
		ret = raw_enter(r->fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, _NSIG / 8);
		REQUIRE_MSG(ret == 0 || ret == -EINTR, "enter(GETEVENTS): %s", strerror(-ret));
	}
	return cqe;
}

int main(void)
{
	struct raw_ring r;
	struct io_uring_cqe cqe;
	struct io_uring_sqe *sqe;
	char path[] = "/tmp/ringer-preload-rawXXXXXX";
	char wbuf[4096], rbuf[4096];
	static char fixed[8192] __attribute__((aligned(4096)));
	struct iovec iov = { fixed, sizeof(fixed) };
	int fd, ret, seen = 0;

	setup_or_skip(&r, 8);
	REQUIRE_MSG(r.p.sq_entries == 8 && r.p.cq_entries == 16, "entries %u/%u", r.p.sq_entries,
	      r.p.cq_entries);

	/* Four NOPs in one enter. */
	for (int i = 0; i < 4; i++) {
		sqe = raw_sqe(&r);
		sqe->opcode = IORING_OP_NOP;
		sqe->user_data = 100 + i;
	}
	raw_publish(&r);
	ret = raw_enter(r.fd, 4, 4, IORING_ENTER_GETEVENTS, NULL, _NSIG / 8);
	REQUIRE_MSG(ret == 4, "enter(4 NOPs) = %d", ret);
	while (raw_pop(&r, &cqe)) {
		REQUIRE_MSG(cqe.user_data == 100u + seen && cqe.res == 0, "NOP cqe %llu res %d",
		      (unsigned long long)cqe.user_data, cqe.res);
		seen++;
	}
	REQUIRE_MSG(seen == 4, "%d NOP completions", seen);

	/* Write then read a file. */
	fd = mkstemp(path);
	REQUIRE_MSG(fd >= 0, "mkstemp: %s", strerror(errno));
	unlink(path);
	for (size_t i = 0; i < sizeof(wbuf); i++)
		wbuf[i] = (char)(i * 7 + 3);
	sqe = raw_sqe(&r);
	sqe->opcode = IORING_OP_WRITE;
	sqe->fd = fd;
	sqe->addr = (uintptr_t)wbuf;
	sqe->len = sizeof(wbuf);
	sqe->off = 0;
	sqe->user_data = 1;
	raw_publish(&r);
	REQUIRE_MSG(raw_enter(r.fd, 1, 0, 0, NULL, 0) == 1, "enter(write)");
	cqe = wait_one(&r);
	REQUIRE_MSG(cqe.user_data == 1 && cqe.res == (int)sizeof(wbuf), "write res %d", cqe.res);

	sqe = raw_sqe(&r);
	sqe->opcode = IORING_OP_READ;
	sqe->fd = fd;
	sqe->addr = (uintptr_t)rbuf;
	sqe->len = sizeof(rbuf);
	sqe->off = 0;
	sqe->user_data = 2;
	raw_publish(&r);
	REQUIRE_MSG(raw_enter(r.fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, _NSIG / 8) == 1, "enter(read)");
	cqe = wait_one(&r);
	REQUIRE_MSG(cqe.user_data == 2 && cqe.res == (int)sizeof(rbuf), "read res %d", cqe.res);
	REQUIRE_MSG(!memcmp(wbuf, rbuf, sizeof(rbuf)), "read data differs");

	/* Registered buffer, READ_FIXED at an offset inside it. */
	ret = raw_register(r.fd, IORING_REGISTER_BUFFERS, &iov, 1);
	REQUIRE_MSG(ret == 0, "register buffers: %s", strerror(-ret));
	sqe = raw_sqe(&r);
	sqe->opcode = IORING_OP_READ_FIXED;
	sqe->fd = fd;
	sqe->addr = (uintptr_t)(fixed + 100);
	sqe->len = 1000;
	sqe->off = 50;
	sqe->buf_index = 0;
	sqe->user_data = 3;
	raw_publish(&r);
	REQUIRE_MSG(raw_enter(r.fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, _NSIG / 8) == 1, "enter(fixed)");
	cqe = wait_one(&r);
	REQUIRE_MSG(cqe.user_data == 3 && cqe.res == 1000, "read_fixed res %d", cqe.res);
	REQUIRE_MSG(!memcmp(fixed + 100, wbuf + 50, 1000), "read_fixed data differs");
	ret = raw_register(r.fd, IORING_UNREGISTER_BUFFERS, NULL, 0);
	REQUIRE_MSG(ret == 0, "unregister buffers: %s", strerror(-ret));

	/* A plain file is not a ring: -EOPNOTSUPP, from whoever answers. */
	ret = raw_enter(fd, 0, 0, 0, NULL, 0);
	REQUIRE_MSG(ret == -EOPNOTSUPP, "enter(regular file) = %d", ret);
	ret = raw_enter(-1, 0, 0, 0, NULL, 0);
	REQUIRE_MSG(ret == -EBADF, "enter(-1) = %d", ret);
	ret = raw_register(fd, IORING_REGISTER_PROBE, NULL, 0);
	REQUIRE_MSG(ret == -EOPNOTSUPP, "register(regular file) = %d", ret);

	/* errno untouched by a successful trapped call */
	errno = 1234;
	REQUIRE_MSG(raw_enter(r.fd, 0, 0, IORING_ENTER_GETEVENTS, NULL, _NSIG / 8) == 0, "enter(0)");
	REQUIRE_MSG(errno == 1234, "errno changed to %d", errno);

	close(fd);
	raw_ring_exit(&r);
	printf("raw: ok (%s ring)\n", getenv("RINGER_EXPECT") ? getenv("RINGER_EXPECT") : "any");
	return 0;
}
