/* SPDX-License-Identifier: MIT */
/*
 * The fixed program ringer-trace's tests trace (run-trace.sh): raw io_uring
 * system calls, nothing of ringer linked in, so that it runs under the shim
 * as any program would.  One request at a time, each waited for, so that the
 * trace's order is the program's.
 *
 *   trace-prog DIR       the fixed sequence; prints the number of requests
 *   trace-prog fork      a NOP here, and in a forked child (user_data 0xc1),
 *                        and in a forked child that execs "child" (0xe1)
 *   trace-prog child     one NOP (user_data 0xe1)
 *   trace-prog exit N    one NOP, then exit with status N
 *   trace-prog kill      one NOP, then SIGTERM itself
 *   trace-prog allops    every opcode of the ABI once, its SQE zeroed but
 *                        for a bad descriptor (-1): whatever each answers
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#define RAW_SYSCALLS
#include "../raw.h"
#include "../preload/expect.h"

static struct raw_ring r;
static unsigned nr_requests;

static struct io_uring_cqe wait_one(void)
{
	struct io_uring_cqe cqe;
	int ret;

	while (!raw_pop(&r, &cqe)) {
		ret = raw_enter(r.fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, _NSIG / 8);
		REQUIRE_MSG(ret == 0 || ret == -EINTR, "enter(GETEVENTS): %s", strerror(-ret));
	}
	return cqe;
}

/* submit the n SQEs prepared, in one enter */
static void submit(unsigned n)
{
	int ret;

	raw_publish(&r);
	ret = raw_enter(r.fd, n, 0, 0, NULL, 0);
	REQUIRE_MSG(ret == (int)n, "enter(%u) = %d", n, ret);
	nr_requests += n;
}

/* one prepared SQE, submitted and waited for: its result */
static int run_one(uint64_t ud)
{
	struct io_uring_cqe cqe;

	submit(1);
	cqe = wait_one();
	REQUIRE_MSG(cqe.user_data == ud, "user_data %llu, expected %llu",
		    (unsigned long long)cqe.user_data, (unsigned long long)ud);
	return cqe.res;
}

static void nop(uint64_t ud)
{
	raw_nop(&r, ud, 0);
	REQUIRE_MSG(run_one(ud) == 0, "nop");
}

/* fd moved to a fixed number, so that the trace names it the same in every run */
static int fixed_number(int fd, int want)
{
	REQUIRE_MSG(dup2(fd, want) == want, "dup2: %s", strerror(errno));
	close(fd);
	return want;
}

static void sequence(const char *dir)
{
	static char buf[4096], buf2[4096], pbuf[2][64];
	struct iovec iov[2] = { { buf, 100 }, { buf2, 200 } };
	struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = 1000000 };
	struct io_uring_sqe *sqe;
	struct io_uring_cqe cqe;
	char path[512];
	int fd, pfd[2], res;

	snprintf(path, sizeof(path), "%s/data", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	REQUIRE_MSG(fd >= 0, "open %s: %s", path, strerror(errno));
	fd = fixed_number(fd, 20);
	memset(buf, 'x', sizeof(buf));

	nop(0x10);

	sqe = raw_sqe(&r);
	sqe->opcode = IORING_OP_WRITE;
	sqe->fd = fd;
	sqe->addr = (uintptr_t)buf;
	sqe->len = 4096;
	sqe->off = 0;
	sqe->rw_flags = 0x2; /* RWF_DSYNC */
	sqe->user_data = 0x11;
	REQUIRE_MSG(run_one(0x11) == 4096, "write");

	sqe = raw_sqe(&r);
	sqe->opcode = IORING_OP_READ;
	sqe->fd = fd;
	sqe->addr = (uintptr_t)buf;
	sqe->len = 4096;
	sqe->off = 0;
	sqe->user_data = 0x12;
	REQUIRE_MSG(run_one(0x12) == 4096, "read");

	sqe = raw_sqe(&r);
	sqe->opcode = IORING_OP_READV;
	sqe->fd = fd;
	sqe->addr = (uintptr_t)iov;
	sqe->len = 2;
	sqe->off = 10;
	sqe->user_data = 0x13;
	REQUIRE_MSG(run_one(0x13) == 300, "readv");

	/* past the end of the file: 0 */
	sqe = raw_sqe(&r);
	sqe->opcode = IORING_OP_READ;
	sqe->fd = fd;
	sqe->addr = (uintptr_t)buf;
	sqe->len = 100;
	sqe->off = 8192;
	sqe->user_data = 0x14;
	REQUIRE_MSG(run_one(0x14) == 0, "read at EOF");

	sqe = raw_sqe(&r);
	sqe->opcode = IORING_OP_OPENAT;
	sqe->fd = AT_FDCWD;
	sqe->addr = (uintptr_t) "/nonexistent/ringer-trace";
	sqe->open_flags = O_RDONLY | O_CLOEXEC;
	sqe->user_data = 0x15;
	REQUIRE_MSG(run_one(0x15) == -ENOENT, "openat");

	/* a bad descriptor */
	sqe = raw_sqe(&r);
	sqe->opcode = IORING_OP_READ;
	sqe->fd = 999;
	sqe->addr = (uintptr_t)buf;
	sqe->len = 10;
	sqe->user_data = 0x16;
	REQUIRE_MSG(run_one(0x16) == -EBADF, "read(999)");

	/* a link: the NOP after a failed read is cancelled */
	sqe = raw_sqe(&r);
	sqe->opcode = IORING_OP_READ;
	sqe->fd = 999;
	sqe->addr = (uintptr_t)buf;
	sqe->len = 10;
	sqe->flags = IOSQE_IO_LINK;
	sqe->user_data = 0x17;
	raw_nop(&r, 0x18, 0);
	submit(2);
	cqe = wait_one();
	REQUIRE_MSG(cqe.user_data == 0x17 && cqe.res == -EBADF, "linked read %d", cqe.res);
	cqe = wait_one();
	REQUIRE_MSG(cqe.user_data == 0x18 && cqe.res == -ECANCELED, "linked nop %d", cqe.res);

	/* a NOP whose success posts no CQE, then one that does */
	raw_nop(&r, 0x19, IOSQE_CQE_SKIP_SUCCESS);
	submit(1);
	nop(0x1a);

	/* provided buffers and a read that selects one */
	sqe = raw_sqe(&r);
	sqe->opcode = IORING_OP_PROVIDE_BUFFERS;
	sqe->addr = (uintptr_t)pbuf;
	sqe->len = sizeof(pbuf[0]);
	sqe->fd = 2;
	sqe->buf_group = 7;
	sqe->off = 5;
	sqe->user_data = 0x1b;
	REQUIRE_MSG(run_one(0x1b) == 0, "provide buffers");
	sqe = raw_sqe(&r);
	sqe->opcode = IORING_OP_READ;
	sqe->fd = fd;
	sqe->len = 64;
	sqe->off = 0;
	sqe->flags = IOSQE_BUFFER_SELECT;
	sqe->buf_group = 7;
	sqe->user_data = 0x1c;
	REQUIRE_MSG(run_one(0x1c) == 64, "read with a provided buffer");

	/* a multishot poll on a pipe: one CQE with F_MORE, then removed */
	REQUIRE_MSG(pipe(pfd) == 0, "pipe");
	pfd[0] = fixed_number(pfd[0], 21);
	pfd[1] = fixed_number(pfd[1], 22);
	REQUIRE_MSG(write(pfd[1], "x", 1) == 1, "pipe write");
	sqe = raw_sqe(&r);
	sqe->opcode = IORING_OP_POLL_ADD;
	sqe->fd = pfd[0];
	sqe->poll32_events = POLLIN;
	sqe->len = IORING_POLL_ADD_MULTI;
	sqe->user_data = 0x1d;
	submit(1);
	cqe = wait_one();
	REQUIRE_MSG(cqe.user_data == 0x1d && (cqe.flags & IORING_CQE_F_MORE), "poll");
	sqe = raw_sqe(&r);
	sqe->opcode = IORING_OP_POLL_REMOVE;
	sqe->addr = 0x1d;
	sqe->user_data = 0x1e;
	submit(1);
	for (int i = 0; i < 2; i++) {
		cqe = wait_one();
		if (cqe.user_data == 0x1d)
			REQUIRE_MSG(cqe.res == -ECANCELED, "poll end %d", cqe.res);
		else
			REQUIRE_MSG(cqe.user_data == 0x1e && cqe.res == 0, "poll remove %d",
				    cqe.res);
	}

	sqe = raw_sqe(&r);
	sqe->opcode = IORING_OP_TIMEOUT;
	sqe->addr = (uintptr_t)&ts;
	sqe->len = 1;
	sqe->user_data = 0x1f;
	REQUIRE_MSG(run_one(0x1f) == -ETIME, "timeout");

	/* an opcode past the ABI's: -EINVAL */
	sqe = raw_sqe(&r);
	sqe->opcode = 200;
	sqe->user_data = 0x20;
	res = run_one(0x20);
	REQUIRE_MSG(res == -EINVAL, "opcode 200: %d", res);

	close(pfd[0]);
	close(pfd[1]);
	close(fd);
	unlink(path);
	printf("requests %u\n", nr_requests);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: trace-prog DIR|fork|child|exit N|kill\n");
		return 2;
	}
	setup_or_skip(&r, 8);
	if (!strcmp(argv[1], "child")) {
		nop(0xe1);
	} else if (!strcmp(argv[1], "fork")) {
		pid_t a, b;
		int st;

		nop(0xf0);
		fflush(NULL);
		a = fork();
		REQUIRE_MSG(a >= 0, "fork");
		if (a == 0) {
			struct raw_ring parent = r;

			/* a ring of its own: the parent's stays the parent's */
			setup_or_skip(&r, 8);
			nop(0xc1);
			(void)parent;
			_exit(0);
		}
		b = fork();
		REQUIRE_MSG(b >= 0, "fork");
		if (b == 0) {
			execl("/proc/self/exe", argv[0], "child", (char *)NULL);
			_exit(127);
		}
		REQUIRE_MSG(waitpid(a, &st, 0) == a && WIFEXITED(st) && !WEXITSTATUS(st),
			    "forked child");
		REQUIRE_MSG(waitpid(b, &st, 0) == b && WIFEXITED(st) && !WEXITSTATUS(st),
			    "exec'd child");
	} else if (!strcmp(argv[1], "exit") && argc > 2) {
		nop(0xa0);
		fflush(NULL);
		exit(atoi(argv[2]));
	} else if (!strcmp(argv[1], "allops")) {
		struct io_uring_cqe cqe;

		/* no request may wait: a zeroed SQE on fd -1 fails at once */
		alarm(30);
		for (unsigned op = 0; op <= IORING_OP_URING_CMD128; op++) {
			struct io_uring_sqe *sqe = raw_sqe(&r);

			sqe->opcode = (uint8_t)op;
			sqe->fd = -1;
			sqe->user_data = 0x100 + op;
			submit(1);
			/* its last CQE; a notification of an earlier one may come first */
			do
				cqe = wait_one();
			while (cqe.user_data != 0x100 + op || (cqe.flags & IORING_CQE_F_MORE));
		}
		printf("requests %u\n", nr_requests);
	} else if (!strcmp(argv[1], "kill")) {
		nop(0xa1);
		fflush(NULL);
		raise(SIGTERM);
		return 0;
	} else {
		sequence(argv[1]);
	}
	raw_ring_exit(&r);
	return 0;
}
