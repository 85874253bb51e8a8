/* SPDX-License-Identifier: MIT */
/*
 * read(2)/write(2) and their vector and positional forms on a ring fd: the
 * kernel's io_uring file has no read or write, so they fail (-EINVAL, or
 * -ESPIPE for the positional forms unless the offset is negative) and the
 * ring's memory is untouched.  Once the ring is closed and its number names
 * a pipe or a file, the same calls work as on any file.
 */
#include <fcntl.h>
#include <sys/uio.h>
#define RAW_SYSCALLS
#include "../raw.h"
#include "expect.h"

/* -errno of a libc call returning -1, else its result */
static long res(long r)
{
	return r < 0 ? -errno : r;
}

static void refused(int fd)
{
	char buf[4096];
	char *volatile nowhere = NULL; /* volatile: no warning, the call is made */
	struct iovec iov = { buf, sizeof(buf) };
	const struct {
		const char *name;
		long got, want;
	} c[] = {
		{ "read", res(read(fd, buf, sizeof(buf))), -EINVAL },
		{ "read 0 bytes", res(read(fd, buf, 0)), -EINVAL },
		{ "read into NULL", res(read(fd, nowhere, 64)), -EINVAL },
		{ "write", res(write(fd, buf, 64)), -EINVAL },
		{ "readv", res(readv(fd, &iov, 1)), -EINVAL },
		{ "writev", res(writev(fd, &iov, 1)), -EINVAL },
		{ "pread64", res(pread(fd, buf, 64, 0)), -ESPIPE },
		{ "pread64 at -1", res(pread(fd, buf, 64, -1)), -EINVAL },
		{ "pwrite64", res(pwrite(fd, buf, 64, 0)), -ESPIPE },
		{ "pwrite64 at -1", res(pwrite(fd, buf, 64, -1)), -EINVAL },
		{ "preadv", res(preadv(fd, &iov, 1, 0)), -ESPIPE },
		{ "pwritev", res(pwritev(fd, &iov, 1, 4096)), -ESPIPE },
		{ "preadv2", res(preadv2(fd, &iov, 1, 0, 0)), -ESPIPE },
		{ "preadv2 at -1", res(preadv2(fd, &iov, 1, -1, 0)), -EINVAL },
		{ "pwritev2", res(pwritev2(fd, &iov, 1, 0, 0)), -ESPIPE },
		{ "pwritev2 at -1", res(pwritev2(fd, &iov, 1, -1, 0)), -EINVAL },
		{ "syscall(read)", res(syscall(SYS_read, fd, buf, 64)), -EINVAL },
		{ "syscall(write)", res(syscall(SYS_write, fd, buf, 64)), -EINVAL },
	};

	memset(buf, 0xa5, sizeof(buf));
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		REQUIRE_MSG(c[i].got == c[i].want, "%s on the ring fd = %ld, expected %ld", c[i].name,
		      c[i].got, c[i].want);
}

/* The number that was the ring's now names fd's file. */
static void take_number(int fd, int number)
{
	if (fd != number) {
		REQUIRE_MSG(dup2(fd, number) == number, "dup2: %s", strerror(errno));
		close(fd);
	}
}

/* A pipe whose end `end` has the number (the other end elsewhere). */
static void pipe_at(int p[2], int end, int number)
{
	int q[2];

	REQUIRE_MSG(pipe(q) == 0, "pipe");
	p[0] = fcntl(q[0], F_DUPFD_CLOEXEC, number + 1);
	p[1] = fcntl(q[1], F_DUPFD_CLOEXEC, number + 1);
	REQUIRE_MSG(p[0] >= 0 && p[1] >= 0, "F_DUPFD");
	close(q[0]);
	close(q[1]);
	take_number(p[end], number);
	p[end] = number;
}

int main(void)
{
	struct raw_ring r;
	unsigned head, tail;
	int number, p[2], f;
	char buf[64], out[64];
	struct iovec iov = { buf, sizeof(buf) };

	setup_or_skip(&r, 4);
	head = *r.sq_head;
	tail = *r.sq_tail;
	refused(r.fd);
	/* Nothing was written into the ring: its indexes are as they were, and it works. */
	REQUIRE_MSG(*r.sq_head == head && *r.sq_tail == tail, "SQ head/tail %u/%u, were %u/%u",
	      *r.sq_head, *r.sq_tail, head, tail);
	raw_nop_roundtrip(&r, 7);
	refused(r.fd);
	raw_nop_roundtrip(&r, 8);

	/* The ring closed, its number reused by a pipe: the calls reach the pipe. */
	number = r.fd;
	raw_ring_exit(&r);
	pipe_at(p, 1, number);
	memcpy(out, "ring number, now a pipe's write end", 36);
	REQUIRE_MSG(write(p[1], out, 36) == 36, "write to the pipe: %s", strerror(errno));
	REQUIRE_MSG(read(p[0], buf, sizeof(buf)) == 36 && !memcmp(buf, out, 36), "pipe data");
	REQUIRE_MSG(writev(p[1], &iov, 1) == (ssize_t)sizeof(buf), "writev to the pipe");
	REQUIRE_MSG(res(pwrite(p[1], buf, 1, 0)) == -ESPIPE, "pwrite on a pipe");
	REQUIRE_MSG(read(p[0], buf, sizeof(buf)) == (ssize_t)sizeof(buf), "pipe data after writev");
	close(p[0]);
	close(p[1]);
	pipe_at(p, 0, number);
	REQUIRE_MSG(write(p[1], "xyz", 3) == 3, "write");
	REQUIRE_MSG(read(p[0], buf, sizeof(buf)) == 3 && !memcmp(buf, "xyz", 3), "read from the pipe");
	close(p[1]);
	REQUIRE_MSG(read(p[0], buf, sizeof(buf)) == 0, "EOF on the pipe");
	close(p[0]);

	/* ... and by a regular file: positional calls at their offsets. */
	f = open(".", O_TMPFILE | O_RDWR, 0600);
	if (f < 0)
		f = fileno(tmpfile());
	REQUIRE_MSG(f >= 0, "a temporary file");
	take_number(f, number);
	REQUIRE_MSG(pwrite(number, "0123456789", 10, 5) == 10, "pwrite: %s", strerror(errno));
	REQUIRE_MSG(pread(number, buf, 4, 7) == 4 && !memcmp(buf, "2345", 4), "pread");
	iov.iov_len = 3;
	REQUIRE_MSG(preadv2(number, &iov, 1, 12, 0) == 3 && !memcmp(buf, "789", 3), "preadv2");
	REQUIRE_MSG(lseek(number, 5, SEEK_SET) == 5, "lseek");
	REQUIRE_MSG(read(number, buf, 2) == 2 && !memcmp(buf, "01", 2), "read at the file position");
	REQUIRE_MSG(res(pread(number, buf, 4, -1)) == -EINVAL, "pread at -1 on a file");
	close(number);

	/* A new ring, maybe at that number again: refused again. */
	setup_or_skip(&r, 4);
	refused(r.fd);
	raw_nop_roundtrip(&r, 9);
	raw_ring_exit(&r);
	printf("ringrw: ok\n");
	return 0;
}
