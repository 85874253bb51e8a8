/* SPDX-License-Identifier: MIT */
/*
 * Hazard: fork.  The child inherits the ring fd.  On the kernel the child can
 * use the parent's ring; on the engine (no engine threads in a child) the
 * inherited ring answers -EOPNOTSUPP, like any fd that is not a ring, and
 * the parent's ring is untouched.  Either way the child can make rings of its
 * own, and neither process crashes or hangs (exit runs atexit handlers).
 */
#include <sys/wait.h>
#include "uring-raw.h"

static int child(struct raw_ring *parent)
{
	const char *kind = fd_kind(parent->fd);
	struct raw_ring own;
	int ret;

	/* An empty enter on the inherited ring. */
	ret = sys_enter(parent->fd, 0, 0, 0, NULL, 0);
	if (!strcmp(kind, "kernel"))
		CHECK(ret == 0, "child: enter on the inherited kernel ring = %d", ret);
	else
		CHECK(ret == -EOPNOTSUPP, "child: enter on the inherited engine ring = %d", ret);
	ret = sys_register(parent->fd, IORING_REGISTER_PROBE, NULL, 0);
	if (strcmp(kind, "kernel"))
		CHECK(ret == -EOPNOTSUPP, "child: register on the inherited engine ring = %d", ret);

	/* A ring of its own works. */
	CHECK(raw_ring_init(&own, 4) == 0, "child: setup failed");
	expect_kind(own.fd);
	raw_nop_roundtrip(&own, 77);
	raw_ring_exit(&own);
	/* The inherited mapping and fd go away with the child; the parent's ring lives on. */
	close(parent->fd);
	return 0;
}

/*
 * A read armed on an empty pipe before the fork: the child's close of the
 * ring and its exit leave it alone; it completes in the parent with the data
 * (no -ECANCELED in the shared CQ).
 */
static void parent_read_survives(struct raw_ring *r)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe cqe;
	char buf[8] = { 0 };
	int p[2], status, ret;
	pid_t pid;

	CHECK(pipe(p) == 0, "pipe");
	sqe = raw_sqe(r);
	sqe->opcode = IORING_OP_READ;
	sqe->fd = p[0];
	sqe->addr = (unsigned long)buf;
	sqe->len = sizeof(buf);
	sqe->user_data = 50;
	raw_publish(r);
	ret = sys_enter(r->fd, 1, 0, 0, NULL, 0);
	CHECK(ret == 1, "enter(read) = %d", ret);
	pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		raw_ring_exit(r);
		/* _exit: the parent has engine threads now, which a ThreadSanitizer
		 * build's exit() reports as leaked; exit() is run by the child below */
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status), "child status %#x", status);
	usleep(20000);
	CHECK(!raw_pop(r, &cqe), "a CQE after the child's exit: %llu res %d",
	      (unsigned long long)cqe.user_data, cqe.res);
	CHECK(write(p[1], "ping", 4) == 4, "write");
	ret = sys_enter(r->fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0);
	CHECK(ret == 0, "wait = %d", ret);
	CHECK(raw_pop(r, &cqe) && cqe.user_data == 50 && cqe.res == 4, "read cqe %llu res %d",
	      (unsigned long long)cqe.user_data, cqe.res);
	CHECK(!memcmp(buf, "ping", 4), "read data");
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	struct raw_ring r;
	int status;
	pid_t pid;

	setup_or_skip(&r, 4);
	raw_nop_roundtrip(&r, 1);
	for (int round = 0; round < 2; round++) {
		pid = fork();
		CHECK(pid >= 0, "fork");
		if (pid == 0) {
			alarm(20);
			/* exit(), not _exit(): the child's atexit/destructors run too. */
			exit(child(&r));
		}
		CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
		raw_nop_roundtrip(&r, 2 + round);
	}
	/* last: it leaves engine threads in this process, which children inherit as
	 * leaked threads under ThreadSanitizer */
	parent_read_survives(&r);
	raw_ring_exit(&r);
	printf("fork: ok\n");
	return 0;
}
