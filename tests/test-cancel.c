/* SPDX-License-Identifier: MIT */
/*
 * IORING_OP_ASYNC_CANCEL: by user_data and with every key flag (ALL, FD,
 * FD_FIXED, ANY, USERDATA, OP), on requests waiting for readiness (a read
 * on an empty pipe), armed polls, requests queued for a worker, and
 * requests already done; the prep's -EINVAL cases; and
 * IORING_REGISTER_SYNC_CANCEL.  The results are the kernel's (Linux 6.18):
 * the same program runs on both backends.
 */
#include "harness.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>

static struct io_uring ring;
static int p[2];
static char buf[64];

static void up(void)
{
	test_ring_init(16, &ring, 0);
	REQUIRE_SYS(pipe(p));
}

static void down(void)
{
	close(p[0]);
	close(p[1]);
	io_uring_queue_exit(&ring);
}

static struct io_uring_sqe *read_pipe(int fd, __u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_read(sqe, fd, buf, sizeof(buf), 0);
	io_uring_sqe_set_data64(sqe, user_data);
	return sqe;
}

static struct io_uring_sqe *cancel(__u64 target, int flags, __u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_cancel64(sqe, target, flags);
	io_uring_sqe_set_data64(sqe, user_data);
	return sqe;
}

static struct io_uring_sqe *nop(__u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, user_data);
	return sqe;
}

/* Submit what is queued, nothing completes. */
static void submit_pending(unsigned nr)
{
	CHECK_EQ(io_uring_submit(&ring), (int)nr);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
}

/* Submit what is queued (the cancel with user_data ud last) and reap the
 * cancel's CQE (result res) first, then the -ECANCELED of the n it took. */
static void reap_cancel(struct test_cqe *c, __u64 ud, int res, unsigned n)
{
	test_submit_reap(&ring, c, n + 1);
	CHECK_EQ_U(c[0].user_data, ud);
	CHECK_EQ(c[0].res, res);
	for (unsigned i = 1; i <= n; i++)
		CHECK_EQ(c[i].res, -ECANCELED);
}

TEST(cancel_pending_read)
{
	struct test_cqe c[2];

	up();
	read_pipe(p[0], 1);
	submit_pending(1);
	cancel(1, 0, 100);
	/* the canceller's CQE first, then the target's (task work) */
	reap_cancel(c, 100, 0, 1);
	CHECK_EQ_U(c[1].user_data, 1);
	CHECK_EQ_U(c[1].flags, 0);
	/* gone: a second cancel finds nothing */
	cancel(1, 0, 101);
	test_submit_reap(&ring, c, 1);
	CHECK_EQ_U(c[0].user_data, 101);
	CHECK_EQ(c[0].res, -ENOENT);
	/* the cancelled read consumed nothing */
	REQUIRE_EQ(write(p[1], "ab", 2), 2);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 2);
	down();
}

TEST(cancel_not_found)
{
	struct test_cqe c[2];

	up();
	cancel(42, 0, 100);
	test_submit_reap(&ring, c, 1);
	CHECK_EQ(c[0].res, -ENOENT);
	/* a request already complete is not found either */
	nop(7);
	test_submit_reap(&ring, c, 1);
	CHECK_EQ_U(c[0].user_data, 7);
	cancel(7, 0, 101);
	test_submit_reap(&ring, c, 1);
	CHECK_EQ(c[0].res, -ENOENT);
	/* ALL and ANY with nothing to cancel: a count of 0 */
	cancel(7, IORING_ASYNC_CANCEL_ALL, 102);
	cancel(0, IORING_ASYNC_CANCEL_ANY, 103);
	test_submit_reap(&ring, c, 2);
	CHECK_EQ(c[0].res, 0);
	CHECK_EQ(c[1].res, 0);
	down();
}

TEST(cancel_poll)
{
	struct test_cqe c[2];
	struct io_uring_sqe *sqe;

	up();
	sqe = test_get_sqe(&ring);
	io_uring_prep_poll_add(sqe, p[0], POLLIN);
	io_uring_sqe_set_data64(sqe, 1);
	sqe = test_get_sqe(&ring);
	io_uring_prep_poll_multishot(sqe, p[0], POLLIN);
	io_uring_sqe_set_data64(sqe, 2);
	submit_pending(2);
	cancel(1, 0, 100);
	reap_cancel(c, 100, 0, 1);
	CHECK_EQ_U(c[1].user_data, 1);
	/* a multishot poll ends with a last CQE, F_MORE clear */
	cancel(2, 0, 101);
	reap_cancel(c, 101, 0, 1);
	CHECK_EQ_U(c[1].user_data, 2);
	CHECK_EQ_U(c[1].flags, 0);
	down();
}

TEST(cancel_one_of_same_user_data)
{
	struct test_cqe c[3];

	up();
	read_pipe(p[0], 5);
	read_pipe(p[0], 5);
	submit_pending(2);
	/* without ALL exactly one goes */
	cancel(5, 0, 100);
	reap_cancel(c, 100, 0, 1);
	CHECK_EQ_U(c[1].user_data, 5);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	/* ALL: the count */
	read_pipe(p[0], 5);
	submit_pending(1);
	cancel(5, IORING_ASYNC_CANCEL_ALL, 101);
	reap_cancel(c, 101, 2, 2);
	down();
}

TEST(cancel_by_fd)
{
	struct test_cqe c[4];
	struct io_uring_sqe *sqe;
	int q[2], dupfd;

	up();
	REQUIRE_SYS(pipe(q));
	read_pipe(p[0], 1);
	read_pipe(p[0], 2);
	read_pipe(q[0], 3);
	submit_pending(3);
	/* FD alone: one request on that file */
	sqe = test_get_sqe(&ring);
	io_uring_prep_cancel_fd(sqe, p[0], 0);
	io_uring_sqe_set_data64(sqe, 100);
	reap_cancel(c, 100, 0, 1);
	CHECK_TRUE(c[1].user_data == 1 || c[1].user_data == 2);
	/* the file is the key, not the number: a dup() names it too */
	dupfd = dup(p[0]);
	REQUIRE_SYS(dupfd);
	read_pipe(p[0], 4);
	submit_pending(1);
	sqe = test_get_sqe(&ring);
	io_uring_prep_cancel_fd(sqe, dupfd, IORING_ASYNC_CANCEL_ALL);
	io_uring_sqe_set_data64(sqe, 101);
	reap_cancel(c, 101, 2, 2);
	close(dupfd);
	/* FD with USERDATA: both must match */
	sqe = test_get_sqe(&ring);
	io_uring_prep_cancel_fd(sqe, q[0], IORING_ASYNC_CANCEL_USERDATA);
	sqe->addr = 99;
	io_uring_sqe_set_data64(sqe, 102);
	sqe = test_get_sqe(&ring);
	io_uring_prep_cancel_fd(sqe, q[0], IORING_ASYNC_CANCEL_USERDATA);
	sqe->addr = 3;
	io_uring_sqe_set_data64(sqe, 103);
	test_submit_reap(&ring, c, 3);
	CHECK_EQ_U(c[0].user_data, 102);
	CHECK_EQ(c[0].res, -ENOENT);
	CHECK_EQ_U(c[1].user_data, 103);
	CHECK_EQ(c[1].res, 0);
	CHECK_EQ_U(c[2].user_data, 3);
	CHECK_EQ(c[2].res, -ECANCELED);
	/* a bad fd is -EBADF */
	sqe = test_get_sqe(&ring);
	io_uring_prep_cancel_fd(sqe, 1000, 0);
	io_uring_sqe_set_data64(sqe, 104);
	test_submit_reap(&ring, c, 1);
	CHECK_EQ(c[0].res, -EBADF);
	close(q[0]);
	close(q[1]);
	down();
}

TEST(cancel_by_fixed_fd)
{
	struct test_cqe c[3];
	struct io_uring_sqe *sqe;
	int fds[2];

	up();
	fds[0] = p[0];
	fds[1] = p[1];
	REQUIRE_EQ(io_uring_register_files(&ring, fds, 2), 0);
	sqe = read_pipe(0, 1);
	sqe->flags |= IOSQE_FIXED_FILE;
	read_pipe(p[0], 2);
	submit_pending(2);
	/* FD_FIXED names index 0: the file of both requests */
	sqe = test_get_sqe(&ring);
	io_uring_prep_cancel_fd(sqe, 0, IORING_ASYNC_CANCEL_FD_FIXED | IORING_ASYNC_CANCEL_ALL);
	io_uring_sqe_set_data64(sqe, 100);
	reap_cancel(c, 100, 2, 2);
	/* the SQE's FIXED_FILE flag means a fixed index too */
	read_pipe(p[0], 3);
	submit_pending(1);
	sqe = test_get_sqe(&ring);
	io_uring_prep_cancel_fd(sqe, 0, 0);
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, 101);
	reap_cancel(c, 101, 0, 1);
	CHECK_EQ_U(c[1].user_data, 3);
	/* an index with no file: -EBADF */
	sqe = test_get_sqe(&ring);
	io_uring_prep_cancel_fd(sqe, 5, IORING_ASYNC_CANCEL_FD_FIXED);
	io_uring_sqe_set_data64(sqe, 102);
	test_submit_reap(&ring, c, 1);
	CHECK_EQ(c[0].res, -EBADF);
	down();
}

TEST(cancel_any_and_op)
{
	struct test_cqe c[4];
	struct io_uring_sqe *sqe;

	up();
	read_pipe(p[0], 1);
	sqe = test_get_sqe(&ring);
	io_uring_prep_poll_add(sqe, p[0], POLLIN);
	io_uring_sqe_set_data64(sqe, 2);
	submit_pending(2);
	/* OP: only the poll */
	sqe = cancel(0, IORING_ASYNC_CANCEL_OP, 100);
	sqe->len = IORING_OP_POLL_ADD;
	reap_cancel(c, 100, 0, 1);
	CHECK_EQ_U(c[1].user_data, 2);
	/* OP with USERDATA */
	sqe = cancel(9, IORING_ASYNC_CANCEL_OP | IORING_ASYNC_CANCEL_USERDATA, 101);
	sqe->len = IORING_OP_READ;
	test_submit_reap(&ring, c, 1);
	CHECK_EQ(c[0].res, -ENOENT);
	/* ANY: every request, a count (ANY alone cancels them all) */
	read_pipe(p[0], 3);
	submit_pending(1);
	cancel(0, IORING_ASYNC_CANCEL_ANY, 102);
	reap_cancel(c, 102, 2, 2);
	down();
}

TEST(cancel_prep_errors)
{
	struct test_cqe c[1];
	struct io_uring_sqe *sqe;

	up();
	sqe = cancel(1, 0, 100);
	sqe->off = 1;
	test_submit_reap(&ring, c, 1);
	CHECK_EQ(c[0].res, -EINVAL);
	sqe = cancel(1, 0, 100);
	sqe->splice_fd_in = 1;
	test_submit_reap(&ring, c, 1);
	CHECK_EQ(c[0].res, -EINVAL);
	sqe = cancel(1, 1U << 6, 100);
	test_submit_reap(&ring, c, 1);
	CHECK_EQ(c[0].res, -EINVAL);
	sqe = cancel(1, IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_ANY, 100);
	test_submit_reap(&ring, c, 1);
	CHECK_EQ(c[0].res, -EINVAL);
	sqe = cancel(1, IORING_ASYNC_CANCEL_OP | IORING_ASYNC_CANCEL_ANY, 100);
	test_submit_reap(&ring, c, 1);
	CHECK_EQ(c[0].res, -EINVAL);
	/* len and buf_index are ignored without OP; ioprio is not */
	sqe = cancel(1, 0, 100);
	sqe->len = 77;
	sqe->buf_index = 3;
	test_submit_reap(&ring, c, 1);
	CHECK_EQ(c[0].res, -ENOENT);
	sqe = cancel(1, 0, 100);
	sqe->ioprio = 1;
	test_submit_reap(&ring, c, 1);
	CHECK_EQ(c[0].res, -EINVAL);
	sqe = cancel(1, 0, 100);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	test_submit_reap(&ring, c, 1);
	CHECK_EQ(c[0].res, -EOPNOTSUPP);
	down();
}

/* A cancel run by a worker (IOSQE_ASYNC) finds the same. */
TEST(cancel_async_canceller)
{
	struct test_cqe c[2];
	const struct test_cqe *t;

	up();
	read_pipe(p[0], 1);
	submit_pending(1);
	cancel(1, 0, 100)->flags |= IOSQE_ASYNC;
	test_submit_reap(&ring, c, 2);
	t = test_find_cqe(c, 2, 100);
	CHECK_TRUE(t && t->res == 0);
	t = test_find_cqe(c, 2, 1);
	CHECK_TRUE(t && t->res == -ECANCELED);
	down();
}

/* IOSQE_ASYNC reads wait for readiness after a worker tried them. */
TEST(cancel_async_read)
{
	struct test_cqe c[2];

	up();
	read_pipe(p[0], 1)->flags |= IOSQE_ASYNC;
	submit_pending(1);
	cancel(1, 0, 100);
	reap_cancel(c, 100, 0, 1);
	down();
}

/* A cancel never reaches another ring's requests. */
TEST(cancel_other_ring)
{
	struct io_uring other;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct test_cqe c[2];

	up();
	test_ring_init(4, &other, 0);
	read_pipe(p[0], 1);
	submit_pending(1);
	sqe = test_get_sqe(&other);
	io_uring_prep_cancel64(sqe, 1, 0);
	REQUIRE_EQ(io_uring_submit(&other), 1);
	REQUIRE_EQ(test_wait_cqe_ms(&other, &cqe, 5000), 0);
	CHECK_EQ(cqe->res, -ENOENT);
	io_uring_cqe_seen(&other, cqe);
	sqe = test_get_sqe(&other);
	io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
	REQUIRE_EQ(io_uring_submit(&other), 1);
	REQUIRE_EQ(test_wait_cqe_ms(&other, &cqe, 5000), 0);
	CHECK_EQ(cqe->res, 0);
	io_uring_cqe_seen(&other, cqe);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	io_uring_queue_exit(&other);
	/* still there */
	cancel(1, 0, 100);
	test_submit_reap(&ring, c, 2);
	CHECK_EQ(c[0].res, 0);
	down();
}

/* A cancel in a chain, after the request it cancels. */
TEST(cancel_linked)
{
	struct test_cqe c[3];

	up();
	read_pipe(p[0], 1);
	submit_pending(1);
	nop(2)->flags |= IOSQE_IO_LINK;
	cancel(1, 0, 100);
	test_submit_reap(&ring, c, 3);
	CHECK_EQ_U(c[0].user_data, 2);
	CHECK_EQ(c[0].res, 0);
	CHECK_TRUE(test_find_cqe(c, 3, 100) && test_find_cqe(c, 3, 100)->res == 0);
	CHECK_TRUE(test_find_cqe(c, 3, 1) && test_find_cqe(c, 3, 1)->res == -ECANCELED);
	down();
}

/* Race: the read completes while the cancel looks for it.  Either the cancel
 * wins (0, the read -ECANCELED) or the read (-ENOENT or -EALREADY, the read
 * its data); never both, never neither. */
TEST(cancel_vs_complete)
{
	for (int i = 0; i < 200; i++) {
		struct test_cqe c[2];
		const struct test_cqe *r, *k;

		up();
		read_pipe(p[0], 1);
		submit_pending(1);
		cancel(1, 0, 100);
		REQUIRE_EQ(write(p[1], "x", 1), 1);
		test_submit_reap(&ring, c, 2);
		r = test_find_cqe(c, 2, 1);
		k = test_find_cqe(c, 2, 100);
		REQUIRE_TRUE(r && k);
		if (k->res == 0) {
			CHECK_EQ(r->res, -ECANCELED);
			CHECK_EQ(read(p[0], buf, 1), 1);
		} else {
			CHECK_TRUE(k->res == -ENOENT || k->res == -EALREADY);
			CHECK_EQ(r->res, 1);
		}
		down();
		if (test_case_failed())
			break;
	}
}

/*
 * Requests queued for a worker (one worker, FSYNCs forced async): the ones
 * not yet started are cancelled, the one running completes by itself.
 * Which is which is timing; the results must agree with each other.
 * (Usually none has started yet: the kernel's ALL then says 1 for 7.)
 */
TEST(cancel_worker_queue)
{
	enum { NR = 8 };
	struct test_cqe c[NR + 2];
	unsigned vals[2] = { 1, 1 };
	int fd, nr_cancelled = 0, res;
	const struct test_cqe *k;

	up();
	fd = test_tmpfile(NULL);
	REQUIRE_EQ(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	REQUIRE_EQ(io_uring_register_iowq_max_workers(&ring, vals), 0);
	for (int i = 0; i < NR; i++) {
		struct io_uring_sqe *sqe = test_get_sqe(&ring);

		io_uring_prep_fsync(sqe, fd, 0);
		sqe->flags |= IOSQE_ASYNC;
		io_uring_sqe_set_data64(sqe, 1 + i);
	}
	/* the last one by user_data, then every other FSYNC */
	cancel(NR, 0, 100);
	cancel(0, IORING_ASYNC_CANCEL_OP | IORING_ASYNC_CANCEL_ALL, 101)->len = IORING_OP_FSYNC;
	test_submit_reap(&ring, c, NR + 2);
	k = test_find_cqe(c, NR + 2, 100);
	REQUIRE_TRUE(k != NULL);
	res = test_find_cqe(c, NR + 2, NR)->res;
	if (k->res == 0)
		CHECK_EQ(res, -ECANCELED);
	else
		CHECK_TRUE((k->res == -EALREADY || k->res == -ENOENT) && res == 0);
	for (int i = 1; i < NR; i++) {
		res = test_find_cqe(c, NR + 2, i)->res;
		CHECK_TRUE(res == 0 || res == -ECANCELED);
		nr_cancelled += res == -ECANCELED;
	}
	/* the kernel counts the queued ones it takes in one go as one, and
	 * as none when a match is running meanwhile */
	k = test_find_cqe(c, NR + 2, 101);
	REQUIRE_TRUE(k != NULL);
	if (nr_cancelled)
		CHECK_TRUE(k->res == 0 || k->res == 1);
	else
		CHECK_EQ(k->res, 0);
	close(fd);
	down();
}

/* Polls armed by a worker (IOSQE_ASYNC) are polls like the others. */
TEST(cancel_async_polls)
{
	struct test_cqe c[9];
	int q[2];

	up();
	REQUIRE_SYS(pipe(q));
	for (int i = 0; i < 8; i++) {
		struct io_uring_sqe *sqe = test_get_sqe(&ring);

		io_uring_prep_poll_add(sqe, (i & 1) ? q[0] : p[0], POLLIN);
		if (!(i & 1))
			sqe->flags |= IOSQE_ASYNC;
		io_uring_sqe_set_data64(sqe, i & 1);
	}
	submit_pending(8);
	cancel(0, IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_ANY, 100);
	test_submit_reap(&ring, c, 9);
	CHECK_EQ_U(c[0].user_data, 100);
	/*
	 * 8 once every poll is armed.  An IOSQE_ASYNC poll still queued for a
	 * worker at the cancel is found in the worker queue, and the kernel
	 * counts that queue's matches as one: 4 direct polls + 1 when all four
	 * were still queued (a loaded machine).  Every poll ends either way.
	 */
	CHECK_TRUE(c[0].res >= 5 && c[0].res <= 8);
	for (int i = 1; i < 9; i++)
		CHECK_EQ(c[i].res, -ECANCELED);
	close(q[0]);
	close(q[1]);
	down();
}

/* A timeout is found after the polls and reads; not by FD. */
TEST(cancel_timeout)
{
	struct __kernel_timespec ts = { .tv_sec = 10 };
	struct test_cqe c[2];
	struct io_uring_sqe *sqe;

	up();
	sqe = test_get_sqe(&ring);
	io_uring_prep_timeout(sqe, &ts, 0, 0);
	io_uring_sqe_set_data64(sqe, 1);
	submit_pending(1);
	sqe = test_get_sqe(&ring);
	io_uring_prep_cancel_fd(sqe, p[0], IORING_ASYNC_CANCEL_ALL);
	io_uring_sqe_set_data64(sqe, 99);
	test_submit_reap(&ring, c, 1);
	CHECK_EQ(c[0].res, 0);
	cancel(1, 0, 100);
	test_submit_reap(&ring, c, 2);
	CHECK_EQ_U(c[0].user_data, 100);
	CHECK_EQ(c[0].res, 0);
	CHECK_EQ_U(c[1].user_data, 1);
	CHECK_EQ(c[1].res, -ECANCELED);
	down();
}

/* A futex wait is found too (by user_data and by OP); the kernel answers
 * a single one cancelled with 1, its futex list's count. */
TEST(cancel_futex_wait)
{
	static uint32_t word;
	struct test_cqe c[2];
	struct io_uring_sqe *sqe;

	up();
	for (int i = 0; i < 2; i++) {
		sqe = test_get_sqe(&ring);
		memset(sqe, 0, sizeof(*sqe));
		sqe->opcode = IORING_OP_FUTEX_WAIT;
		sqe->fd = 2 | 128; /* FUTEX2_SIZE_U32 | FUTEX2_PRIVATE */
		sqe->addr = (uintptr_t)&word;
		sqe->off = 0; /* addr2: the value expected */
		sqe->addr3 = 0xffffffff; /* FUTEX_BITSET_MATCH_ANY */
		io_uring_sqe_set_data64(sqe, 1 + i);
	}
	submit_pending(2);
	cancel(1, 0, 100);
	test_submit_reap(&ring, c, 2);
	CHECK_EQ_U(c[0].user_data, 100);
	CHECK_EQ(c[0].res, 1);
	CHECK_EQ_U(c[1].user_data, 1);
	CHECK_EQ(c[1].res, -ECANCELED);
	sqe = cancel(0, IORING_ASYNC_CANCEL_OP, 101);
	sqe->len = IORING_OP_FUTEX_WAIT;
	test_submit_reap(&ring, c, 2);
	CHECK_EQ_U(c[0].user_data, 101);
	CHECK_EQ(c[0].res, 1);
	CHECK_EQ_U(c[1].user_data, 2);
	CHECK_EQ(c[1].res, -ECANCELED);
	down();
}

static int sync_cancel(__u64 addr, int fd, unsigned flags)
{
	struct io_uring_sync_cancel_reg reg;

	memset(&reg, 0, sizeof(reg));
	reg.addr = addr;
	reg.fd = fd;
	reg.flags = flags;
	reg.timeout.tv_sec = -1;
	reg.timeout.tv_nsec = -1;
	return io_uring_register_sync_cancel(&ring, &reg);
}

/* IORING_REGISTER_SYNC_CANCEL: the same search, answered in the call. */
TEST(sync_cancel_found)
{
	struct test_cqe c[3];
	int fds[1];

	up();
	read_pipe(p[0], 1);
	submit_pending(1);
	CHECK_EQ(sync_cancel(1, 0, 0), 0);
	test_reap(&ring, c, 1, 5000);
	CHECK_EQ_U(c[0].user_data, 1);
	CHECK_EQ(c[0].res, -ECANCELED);
	CHECK_EQ(sync_cancel(1, 0, 0), -ENOENT);
	/* ALL: the count; none: 0 */
	read_pipe(p[0], 2);
	read_pipe(p[0], 2);
	submit_pending(2);
	CHECK_EQ(sync_cancel(2, 0, IORING_ASYNC_CANCEL_ALL), 2);
	CHECK_EQ(test_reap(&ring, c, 2, 5000), 2U);
	CHECK_EQ(c[0].res, -ECANCELED);
	CHECK_EQ(c[1].res, -ECANCELED);
	CHECK_EQ(sync_cancel(2, 0, IORING_ASYNC_CANCEL_ALL), 0);
	CHECK_EQ(sync_cancel(0, 0, IORING_ASYNC_CANCEL_ANY), 0);
	/* by file, plain and fixed */
	read_pipe(p[0], 3);
	submit_pending(1);
	CHECK_EQ(sync_cancel(0, p[0], IORING_ASYNC_CANCEL_FD), 0);
	test_reap(&ring, c, 1, 5000);
	CHECK_EQ(c[0].res, -ECANCELED);
	fds[0] = p[0];
	REQUIRE_EQ(io_uring_register_files(&ring, fds, 1), 0);
	read_pipe(p[0], 4);
	submit_pending(1);
	CHECK_EQ(sync_cancel(0, 0, IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_FD_FIXED), 0);
	test_reap(&ring, c, 1, 5000);
	CHECK_EQ_U(c[0].user_data, 4);
	CHECK_EQ(c[0].res, -ECANCELED);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	down();
}

TEST(sync_cancel_errors)
{
	struct io_uring_sync_cancel_reg reg;

	up();
	CHECK_EQ(sync_cancel(0, 1000, IORING_ASYNC_CANCEL_FD), -EBADF);
	CHECK_EQ(sync_cancel(0, 0, IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_FD_FIXED), -EBADF);
	CHECK_EQ(sync_cancel(0, 0, 1U << 6), -EINVAL);
	memset(&reg, 0, sizeof(reg));
	reg.addr = 1;
	reg.pad[3] = 1;
	CHECK_EQ(io_uring_register_sync_cancel(&ring, &reg), -EINVAL);
	reg.pad[3] = 0;
	reg.pad2[2] = 1;
	CHECK_EQ(io_uring_register_sync_cancel(&ring, &reg), -EINVAL);
	reg.pad2[2] = 0;
	/* a zero timeout, nothing found: -ENOENT (the timeout is for running ones) */
	CHECK_EQ(io_uring_register_sync_cancel(&ring, &reg), -ENOENT);
	CHECK_EQ(io_uring_register(ring.ring_fd, IORING_REGISTER_SYNC_CANCEL, &reg, 2), -EINVAL);
	CHECK_EQ(io_uring_register(ring.ring_fd, IORING_REGISTER_SYNC_CANCEL, NULL, 1), -EINVAL);
	CHECK_EQ(io_uring_register(ring.ring_fd, IORING_REGISTER_SYNC_CANCEL, (void *)8, 1), -EFAULT);
	down();
}

/* SYNC_CANCEL of requests queued for or running in the one worker: a
 * running one is waited for (then 0), a queued one cancelled. */
TEST(sync_cancel_worker)
{
	enum { NR = 4 };
	struct io_uring_sync_cancel_reg reg;
	struct test_cqe c[NR];
	unsigned vals[2] = { 1, 1 };
	int fd, ret;

	up();
	fd = test_tmpfile(NULL);
	REQUIRE_EQ(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	REQUIRE_EQ(io_uring_register_iowq_max_workers(&ring, vals), 0);
	for (int i = 0; i < NR; i++) {
		struct io_uring_sqe *sqe = test_get_sqe(&ring);

		io_uring_prep_fsync(sqe, fd, 0);
		sqe->flags |= IOSQE_ASYNC;
		io_uring_sqe_set_data64(sqe, 1 + i);
	}
	REQUIRE_EQ(io_uring_submit(&ring), NR);
	for (int i = 0; i < NR; i++) {
		memset(&reg, 0, sizeof(reg));
		reg.addr = 1 + i;
		reg.timeout.tv_sec = 5;
		ret = io_uring_register_sync_cancel(&ring, &reg);
		CHECK_TRUE(ret == 0 || ret == -ENOENT);
	}
	REQUIRE_EQ(test_reap(&ring, c, NR, 5000), (unsigned)NR);
	for (int i = 0; i < NR; i++)
		CHECK_TRUE(c[i].res == 0 || c[i].res == -ECANCELED);
	close(fd);
	down();
}

/* A request on the drain list is not searched: SYNC_CANCEL (an ASYNC_CANCEL
 * would itself wait behind the drain) does not find it. */
TEST(sync_cancel_drained)
{
	struct test_cqe c[2];

	up();
	read_pipe(p[0], 1);
	nop(2)->flags |= IOSQE_IO_DRAIN;
	submit_pending(2);
	CHECK_EQ(sync_cancel(2, 0, 0), -ENOENT);
	CHECK_EQ(sync_cancel(1, 0, 0), 0);
	REQUIRE_EQ(test_reap(&ring, c, 2, 5000), 2U);
	CHECK_EQ_U(c[0].user_data, 1);
	CHECK_EQ(c[0].res, -ECANCELED);
	CHECK_EQ_U(c[1].user_data, 2);
	CHECK_EQ(c[1].res, 0);
	down();
}

/* ASYNC_CANCEL is refused on an IOPOLL ring, as every op that cannot poll. */
TEST(cancel_iopoll_ring)
{
	struct io_uring r2;
	struct io_uring_cqe *cqe;
	int ret;

	ret = io_uring_queue_init(4, &r2, IORING_SETUP_IOPOLL);
	test_skip_if_refused(ret, "io_uring_queue_init");
	REQUIRE_EQ(ret, 0);
	io_uring_prep_cancel64(io_uring_get_sqe(&r2), 1, 0);
	REQUIRE_EQ(io_uring_submit(&r2), 1);
	REQUIRE_EQ(test_wait_cqe_ms(&r2, &cqe, 5000), 0);
	CHECK_EQ(cqe->res, -EINVAL);
	io_uring_cqe_seen(&r2, cqe);
	io_uring_queue_exit(&r2);
}

/*
 * Teardown with requests in every place a cancellation looks: a read
 * waiting for readiness, a poll, FSYNCs queued behind the one worker, a
 * cancel racing them.  Nothing hangs, nothing is left (fds, threads).
 */
TEST(cancel_teardown_armed)
{
	unsigned vals[2] = { 1, 1 };
	int fd, fds0 = test_count_fds(), threads0 = test_count_threads();

	for (int round = 0; round < 20; round++) {
		struct io_uring_sqe *sqe;

		up();
		fd = test_tmpfile(NULL);
		REQUIRE_EQ(io_uring_register_iowq_max_workers(&ring, vals), 0);
		read_pipe(p[0], 1);
		sqe = test_get_sqe(&ring);
		io_uring_prep_poll_add(sqe, p[0], POLLIN);
		io_uring_sqe_set_data64(sqe, 2);
		for (int i = 0; i < 4; i++) {
			sqe = test_get_sqe(&ring);
			io_uring_prep_fsync(sqe, fd, 0);
			sqe->flags |= IOSQE_ASYNC;
			io_uring_sqe_set_data64(sqe, 10 + i);
		}
		cancel(0, IORING_ASYNC_CANCEL_ANY, 100)->flags |= round & 1 ? IOSQE_ASYNC : 0;
		CHECK_EQ(io_uring_submit(&ring), 7);
		close(fd);
		down();
		if (test_case_failed())
			break;
	}
	/* the engine's threads leave in their own time: give them a while */
	for (int i = 0; i < 200 && test_count_threads() > threads0; i++)
		test_sleep_ms(10);
	CHECK_EQ(test_count_fds(), fds0);
	CHECK_EQ(test_count_threads(), threads0);
}

/* On an SQPOLL ring the poller thread runs the cancel. */
TEST(cancel_sqpoll)
{
	struct io_uring r2;
	struct io_uring_sqe *sqe;
	struct test_cqe c[2];
	const struct test_cqe *t;
	uint64_t t0;
	int ret;

	REQUIRE_SYS(pipe(p));
	ret = io_uring_queue_init(8, &r2, IORING_SETUP_SQPOLL);
	test_skip_if_refused(ret, "io_uring_queue_init");
	REQUIRE_EQ(ret, 0);
	sqe = test_get_sqe(&r2);
	io_uring_prep_read(sqe, p[0], buf, sizeof(buf), 0);
	io_uring_sqe_set_data64(sqe, 1);
	REQUIRE_EQ(io_uring_submit(&r2), 1);
	/*
	 * Wait until the SQPOLL thread has taken the read (it moves the SQ
	 * head after issuing what it took), not for a fixed time: on a loaded
	 * machine that thread may not run for a while.
	 */
	t0 = test_now_ns();
	while (io_uring_sq_ready(&r2) && test_now_ns() - t0 < 5000000000ULL)
		test_sleep_ms(1);
	REQUIRE_EQ_U(io_uring_sq_ready(&r2), 0u);
	sqe = test_get_sqe(&r2);
	io_uring_prep_cancel64(sqe, 1, 0);
	io_uring_sqe_set_data64(sqe, 100);
	REQUIRE_EQ(io_uring_submit(&r2), 1);
	REQUIRE_EQ(test_reap(&r2, c, 2, 5000), 2U);
	t = test_find_cqe(c, 2, 100);
	CHECK_TRUE(t && t->res == 0);
	t = test_find_cqe(c, 2, 1);
	CHECK_TRUE(t && t->res == -ECANCELED);
	io_uring_queue_exit(&r2);
	close(p[0]);
	close(p[1]);
}

static const struct test_case cases[] = {
	TEST_ENTRY(cancel_pending_read),
	TEST_ENTRY(cancel_not_found),
	TEST_ENTRY(cancel_poll),
	TEST_ENTRY(cancel_one_of_same_user_data),
	TEST_ENTRY(cancel_by_fd),
	TEST_ENTRY(cancel_by_fixed_fd),
	TEST_ENTRY(cancel_any_and_op),
	TEST_ENTRY(cancel_prep_errors),
	TEST_ENTRY(cancel_async_canceller),
	TEST_ENTRY(cancel_async_read),
	TEST_ENTRY(cancel_other_ring),
	TEST_ENTRY(cancel_linked),
	TEST_ENTRY(cancel_vs_complete),
	TEST_ENTRY(cancel_worker_queue),
	TEST_ENTRY(cancel_async_polls),
	TEST_ENTRY(cancel_timeout),
	TEST_ENTRY(cancel_futex_wait),
	TEST_ENTRY(sync_cancel_found),
	TEST_ENTRY(sync_cancel_errors),
	TEST_ENTRY(sync_cancel_worker),
	TEST_ENTRY(sync_cancel_drained),
	TEST_ENTRY(cancel_iopoll_ring),
	TEST_ENTRY(cancel_teardown_armed),
	TEST_ENTRY(cancel_sqpoll),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
