/* SPDX-License-Identifier: MIT */
/*
 * Hazard: fork.  The child inherits the ring fd.  On the kernel the child can
 * use the parent's ring; on the engine (no engine threads in a child) the
 * inherited ring answers -EOPNOTSUPP, like any fd that is not a ring (or
 * -EEXIST for a SINGLE_ISSUER ring, as the kernel), and the parent's ring
 * is untouched.  Either way the child can make rings of its
 * own, and neither process crashes or hangs (exit runs atexit handlers).
 */
#include <sys/wait.h>
#define RAW_SYSCALLS
#include "../raw.h"
#include "expect.h"

static int child(struct raw_ring *parent)
{
	const char *kind = fd_kind(parent->fd);
	struct raw_ring own;
	int ret;

	/* An empty enter on the inherited ring. */
	ret = raw_enter(parent->fd, 0, 0, 0, NULL, 0);
	if (!strcmp(kind, "kernel"))
		REQUIRE_MSG(ret == 0, "child: enter on the inherited kernel ring = %d", ret);
	else
		REQUIRE_MSG(ret == -EOPNOTSUPP, "child: enter on the inherited engine ring = %d", ret);
	ret = raw_register(parent->fd, IORING_REGISTER_PROBE, NULL, 0);
	if (strcmp(kind, "kernel"))
		REQUIRE_MSG(ret == -EOPNOTSUPP, "child: register on the inherited engine ring = %d", ret);

	/* A ring of its own works. */
	REQUIRE_MSG(raw_ring_init(&own, 4, NULL) == 0, "child: setup failed");
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

	REQUIRE_MSG(pipe(p) == 0, "pipe");
	sqe = raw_sqe(r);
	sqe->opcode = IORING_OP_READ;
	sqe->fd = p[0];
	sqe->addr = (unsigned long)buf;
	sqe->len = sizeof(buf);
	sqe->user_data = 50;
	raw_publish(r);
	ret = raw_enter(r->fd, 1, 0, 0, NULL, 0);
	REQUIRE_MSG(ret == 1, "enter(read) = %d", ret);
	pid = fork();
	REQUIRE_MSG(pid >= 0, "fork");
	if (pid == 0) {
		raw_ring_exit(r);
		/* _exit: the parent has engine threads now, which a ThreadSanitizer
		 * build's exit() reports as leaked; exit() is run by the child below */
		_exit(0);
	}
	REQUIRE_MSG(waitpid(pid, &status, 0) == pid && WIFEXITED(status), "child status %#x", status);
	usleep(20000);
	REQUIRE_MSG(!raw_pop(r, &cqe), "a CQE after the child's exit: %llu res %d",
	      (unsigned long long)cqe.user_data, cqe.res);
	REQUIRE_MSG(write(p[1], "ping", 4) == 4, "write");
	ret = raw_enter(r->fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0);
	REQUIRE_MSG(ret == 0, "wait = %d", ret);
	REQUIRE_MSG(raw_pop(r, &cqe) && cqe.user_data == 50 && cqe.res == 4, "read cqe %llu res %d",
	      (unsigned long long)cqe.user_data, cqe.res);
	REQUIRE_MSG(!memcmp(buf, "ping", 4), "read data");
	close(p[0]);
	close(p[1]);
}

/*
 * A SINGLE_ISSUER ring's submitter is the parent's task: a child's
 * submission is -EEXIST, on the kernel and, without running the ring, on
 * the engine (the shim asks the engine about the ancestor's ring).
 */
static void single_issuer_child_refused(void)
{
	struct io_uring_params p = { .flags = IORING_SETUP_SINGLE_ISSUER };
	struct raw_ring si;
	int status, ret;
	pid_t pid;

	ret = raw_ring_init(&si, 4, &p);
	REQUIRE_MSG(ret == 0, "SINGLE_ISSUER setup = %d", ret);
	pid = fork();
	REQUIRE_MSG(pid >= 0, "fork");
	if (pid == 0) {
		alarm(20);
		raw_nop(&si, 5, 0);
		raw_publish(&si);
		ret = raw_enter(si.fd, 1, 0, 0, NULL, 0);
		if (ret != -EEXIST)
			fprintf(stderr, "child: submit to the parent's SINGLE_ISSUER ring = %d\n", ret);
		_exit(ret == -EEXIST ? 0 : 1);
	}
	REQUIRE_MSG(waitpid(pid, &status, 0) == pid, "waitpid");
	REQUIRE_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	raw_ring_exit(&si);
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
		REQUIRE_MSG(pid >= 0, "fork");
		if (pid == 0) {
			alarm(20);
			/* exit(), not _exit(): the child's atexit/destructors run too. */
			exit(child(&r));
		}
		REQUIRE_MSG(waitpid(pid, &status, 0) == pid, "waitpid");
		REQUIRE_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
		raw_nop_roundtrip(&r, 2 + round);
	}
	single_issuer_child_refused();
	/* last: it leaves engine threads in this process, which children inherit as
	 * leaked threads under ThreadSanitizer */
	parent_read_survives(&r);
	raw_ring_exit(&r);
	printf("fork: ok\n");
	return 0;
}
