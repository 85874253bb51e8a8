/* SPDX-License-Identifier: MIT */
/*
 * A ring inherited across fork: the child's fd is one more
 * reference to the parent's ring.  Closing it in the child (queue_exit,
 * close, or just exiting) must leave the parent's requests alone: they
 * complete in the parent with their real result, and no -ECANCELED CQE
 * appears in the shared CQ.
 */
#include "harness.h"

#include <sys/wait.h>

/* Run fn in a child; its exit status (0 good), or -1 if it died. */
static int in_child(int (*fn)(struct io_uring *), struct io_uring *ring)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		alarm(20);
		/* exit(), not _exit(): the child's exit handlers run too */
		exit(fn(ring));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int child_queue_exit(struct io_uring *ring)
{
	io_uring_queue_exit(ring);
	return 0;
}

static int child_close(struct io_uring *ring)
{
	return close(ring->ring_fd) ? 1 : 0;
}

static int child_just_exits(struct io_uring *ring)
{
	(void)ring;
	return 0;
}

/* A read armed on an empty pipe in the parent, then the child lets go of the ring. */
static void parent_read_survives(int (*fn)(struct io_uring *))
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	char buf[8] = { 0 };
	int p[2];

	test_ring_init(8, &ring, 0);
	REQUIRE_SYS(pipe(p));
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, p[0], buf, sizeof(buf), 0);
	io_uring_sqe_set_data64(sqe, 1);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));

	CHECK_EQ(in_child(fn, &ring), 0);
	/* the child's exit posted nothing into the shared CQ */
	CHECK_TRUE(test_cq_empty_for(&ring, 50));

	REQUIRE_EQ(write(p[1], "ping", 4), 4);
	REQUIRE_ERRNO(test_wait_cqe_ms(&ring, &cqe, 5000), 0);
	CHECK_EQ_U(cqe->user_data, 1);
	CHECK_EQ(cqe->res, 4);
	CHECK_MEM(buf, "ping", 4);
	io_uring_cqe_seen(&ring, cqe);

	/* the ring still works in the parent */
	sqe = test_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, 2);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	REQUIRE_ERRNO(test_wait_cqe_ms(&ring, &cqe, 5000), 0);
	CHECK_EQ_U(cqe->user_data, 2);
	CHECK_EQ(cqe->res, 0);
	io_uring_cqe_seen(&ring, cqe);
	close(p[0]);
	close(p[1]);
	io_uring_queue_exit(&ring);
}

TEST(child_queue_exit_leaves_parent_requests)
{
	parent_read_survives(child_queue_exit);
}

TEST(child_close_leaves_parent_requests)
{
	parent_read_survives(child_close);
}

TEST(child_exit_leaves_parent_requests)
{
	parent_read_survives(child_just_exits);
}

/* The child submits a NOP to the parent's ring: the result of the submit. */
static int child_nop_result;

static int child_submits_nop(struct io_uring *ring)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe)
		return 2;
	io_uring_prep_nop(sqe);
	child_nop_result = io_uring_submit(ring);
	/* the status carries the result: 0 for -EEXIST, 3 for -EBADFD */
	if (child_nop_result == -EEXIST)
		return 0;
	if (child_nop_result == -EBADFD)
		return 3;
	fprintf(stderr, "child: submit = %d\n", child_nop_result);
	return 1;
}

/*
 * A SINGLE_ISSUER ring's submitter is the parent's task: a child's
 * submission is -EEXIST (set at setup, or at ENABLE_RINGS for an
 * R_DISABLED ring); a ring still disabled is -EBADFD first.
 */
TEST(child_of_single_issuer_ring_is_not_the_submitter)
{
	struct io_uring ring;
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SINGLE_ISSUER;
	test_ring_init_params(8, &ring, &p);
	CHECK_EQ(in_child(child_submits_nop, &ring), 0);
	io_uring_queue_exit(&ring);

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	test_ring_init_params(8, &ring, &p);
	CHECK_EQ(in_child(child_submits_nop, &ring), 0);
	io_uring_queue_exit(&ring);

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_R_DISABLED;
	test_ring_init_params(8, &ring, &p);
	CHECK_EQ(in_child(child_submits_nop, &ring), 3);
	REQUIRE_EQ(io_uring_enable_rings(&ring), 0);
	CHECK_EQ(in_child(child_submits_nop, &ring), 0);
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(child_queue_exit_leaves_parent_requests),
		TEST_ENTRY(child_close_leaves_parent_requests),
		TEST_ENTRY(child_exit_leaves_parent_requests),
		TEST_ENTRY(child_of_single_issuer_ring_is_not_the_submitter),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
