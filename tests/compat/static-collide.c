/* SPDX-License-Identifier: MIT */
/*
 * A program linked with libringer.a that defines functions and data under
 * names the library uses inside (ring_get, cq_post, sys_read, op_defs,
 * wq_create): it must link (no "multiple definition"), the library must keep
 * calling its own functions (a read and a NOP through a ring), and the
 * program must keep calling its own.
 *
 * Exit: 0 pass, 1 fail, 77 skip (the kernel refuses io_uring on
 * RINGER_BACKEND=kernel).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ringer.h"

/* Deliberately other signatures than the library's: only the names match. */
int ring_get(int x);
int cq_post(int x);
long sys_read(const char *s);
int wq_create(void);
const char op_defs[] = "the program's op_defs";

int ring_get(int x)
{
	return x + 1;
}

int cq_post(int x)
{
	return x * 2;
}

long sys_read(const char *s)
{
	return (long)strlen(s);
}

int wq_create(void)
{
	return 42;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "FAIL: %s: %s\n", what, strerror(err));
	return 1;
}

int main(void)
{
	const char *backend = getenv("RINGER_BACKEND");
	static const char text[] = "read through libringer.a";
	char path[] = "/tmp/ringer-static-XXXXXX", buf[sizeof(text)] = { 0 };
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	int fd, ret;

	if (ring_get(1) != 2 || cq_post(4) != 8 || sys_read("abc") != 3 || wq_create() != 42 ||
	    strcmp(op_defs, "the program's op_defs")) {
		fprintf(stderr, "FAIL: the program's own functions are not called\n");
		return 1;
	}

	ret = io_uring_queue_init(8, &ring, 0);
	if (ret < 0) {
		if ((ret == -EPERM || ret == -EACCES || ret == -ENOSYS) && backend &&
		    !strcmp(backend, "kernel")) {
			printf("SKIP: the kernel refuses io_uring\n");
			return 77;
		}
		return fail("io_uring_queue_init", -ret);
	}

	fd = mkstemp(path);
	if (fd < 0)
		return fail("mkstemp", errno);
	unlink(path);
	if (write(fd, text, sizeof(text)) != sizeof(text))
		return fail("write", errno);

	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, buf, sizeof(buf), 0);
	sqe->user_data = 1;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->user_data = 2;
	ret = io_uring_submit(&ring);
	if (ret != 2)
		return fail("io_uring_submit", ret < 0 ? -ret : EIO);
	for (int i = 0; i < 2; i++) {
		ret = io_uring_wait_cqe(&ring, &cqe);
		if (ret)
			return fail("io_uring_wait_cqe", -ret);
		if (cqe->user_data == 1 && cqe->res != (int)sizeof(text))
			return fail("the read's result", cqe->res < 0 ? -cqe->res : EIO);
		if (cqe->user_data == 2 && cqe->res != 0)
			return fail("the NOP's result", cqe->res < 0 ? -cqe->res : EIO);
		io_uring_cqe_seen(&ring, cqe);
	}
	if (memcmp(buf, text, sizeof(text))) {
		fprintf(stderr, "FAIL: read \"%.*s\"\n", (int)sizeof(buf), buf);
		return 1;
	}
	printf("ok: %s backend, the program's and the library's names apart\n",
	       ringer_backend_name(ringer_ring_backend(&ring)));
	io_uring_queue_exit(&ring);
	close(fd);
	return 0;
}
