/* SPDX-License-Identifier: MIT */
/*
 * IORING_OP_MSG_RING between rings of one process: IORING_MSG_DATA (a CQE
 * posted to the target, FLAGS_PASS), IORING_MSG_SEND_FD (a registered file
 * installed in the target's table, at a slot or IORING_FILE_INDEX_ALLOC,
 * CQE_SKIP), their errors, disabled, IOPOLL, SQPOLL and overflowing
 * targets, and messages racing with the target's teardown.
 */
#include <pthread.h>
#include <sys/eventfd.h>

#include "harness.h"

static struct io_uring_sqe *msg(struct io_uring *src, int fd, unsigned cmd, unsigned len,
				__u64 data, unsigned flags, unsigned file_index, __u64 addr3)
{
	struct io_uring_sqe *sqe = test_get_sqe(src);

	io_uring_prep_nop(sqe);
	sqe->opcode = IORING_OP_MSG_RING;
	sqe->fd = fd;
	sqe->addr = cmd;
	sqe->len = len;
	sqe->off = data;
	sqe->msg_ring_flags = flags;
	sqe->file_index = file_index;
	sqe->addr3 = addr3;
	sqe->user_data = 7;
	return sqe;
}

/* Submit the one queued message and return its (source) CQE's result. */
static int msg_result(struct io_uring *src)
{
	struct test_cqe c;

	REQUIRE_EQ(test_submit_reap(src, &c, 1), 1);
	CHECK_EQ_U(c.user_data, 7);
	CHECK_EQ_U(c.flags, 0);
	return c.res;
}

/* The one CQE the target must have now. */
static void expect_target(struct io_uring *t, __u64 user_data, int res, unsigned flags)
{
	struct test_cqe c = { 0 };

	REQUIRE_EQ(test_reap(t, &c, 1, 0), 1);
	CHECK_EQ_U(c.user_data, user_data);
	CHECK_EQ(c.res, res);
	CHECK_EQ_U(c.flags, flags);
}

TEST(data_to_another_ring)
{
	struct io_uring r, t;

	test_ring_init(8, &r, 0);
	test_ring_init(4, &t, 0);
	msg(&r, t.ring_fd, IORING_MSG_DATA, 123, 0x55, 0, 0, 0);
	CHECK_EQ(msg_result(&r), 0);
	expect_target(&t, 0x55, 123, 0);
	/* len is the target's res, negative or not */
	msg(&r, t.ring_fd, IORING_MSG_DATA, (unsigned)-5, 0x56, 0, 0, 0);
	CHECK_EQ(msg_result(&r), 0);
	expect_target(&t, 0x56, -5, 0);
	/* FLAGS_PASS: file_index is the target CQE's flags */
	msg(&r, t.ring_fd, IORING_MSG_DATA, 1, 0x57, IORING_MSG_RING_FLAGS_PASS, 0xabcd, 0);
	CHECK_EQ(msg_result(&r), 0);
	expect_target(&t, 0x57, 1, 0xabcd);
	/* from a worker, the same */
	msg(&r, t.ring_fd, IORING_MSG_DATA, 2, 0x58, 0, 0, 0)->flags = IOSQE_ASYNC;
	CHECK_EQ(msg_result(&r), 0);
	expect_target(&t, 0x58, 2, 0);
	CHECK_TRUE(test_cq_empty_for(&t, 0));
	io_uring_queue_exit(&t);
	io_uring_queue_exit(&r);
}

/* A message to the ring itself lands before the batch's inline CQEs. */
TEST(data_to_self_order)
{
	struct io_uring r;
	struct io_uring_sqe *sqe;
	struct test_cqe c[4];

	test_ring_init(8, &r, 0);
	sqe = test_get_sqe(&r);
	io_uring_prep_nop(sqe);
	sqe->user_data = 1;
	msg(&r, r.ring_fd, IORING_MSG_DATA, 5, 0x20, 0, 0, 0);
	sqe = test_get_sqe(&r);
	io_uring_prep_nop(sqe);
	sqe->user_data = 2;
	REQUIRE_EQ(test_submit_reap(&r, c, 4), 3);
	CHECK_EQ_U(c[0].user_data, 0x20);
	CHECK_EQ(c[0].res, 5);
	CHECK_EQ_U(c[1].user_data, 1);
	CHECK_EQ_U(c[2].user_data, 7);
	CHECK_EQ(c[2].res, 0);
	CHECK_EQ_U(c[3].user_data, 2);
	/* CQE_SKIP_SUCCESS hides the source's CQE, not the message */
	msg(&r, r.ring_fd, IORING_MSG_DATA, 6, 0x21, 0, 0, 0)->flags = IOSQE_CQE_SKIP_SUCCESS;
	REQUIRE_EQ(test_submit_reap(&r, c, 1), 1);
	CHECK_EQ_U(c[0].user_data, 0x21);
	CHECK_EQ(c[0].res, 6);
	CHECK_TRUE(test_cq_empty_for(&r, 10));
	io_uring_queue_exit(&r);
}

TEST(data_errors)
{
	struct io_uring r, t;
	struct test_cqe c[2];
	int pfd[2];

	REQUIRE_EQ(pipe(pfd), 0);
	test_ring_init(8, &r, 0);
	test_ring_init(4, &t, 0);
	/* file_index without FLAGS_PASS */
	msg(&r, t.ring_fd, IORING_MSG_DATA, 1, 1, 0, 3, 0);
	CHECK_EQ(msg_result(&r), -EINVAL);
	/* CQE_SKIP is SEND_FD's */
	msg(&r, t.ring_fd, IORING_MSG_DATA, 1, 2, IORING_MSG_RING_CQE_SKIP, 0, 0);
	CHECK_EQ(msg_result(&r), -EINVAL);
	/* addr3 (SEND_FD's source slot) */
	msg(&r, t.ring_fd, IORING_MSG_DATA, 1, 3, 0, 0, 1);
	CHECK_EQ(msg_result(&r), -EINVAL);
	/* an unknown flag, an unknown command */
	msg(&r, t.ring_fd, IORING_MSG_DATA, 1, 4, 1U << 2, 0, 0);
	CHECK_EQ(msg_result(&r), -EINVAL);
	msg(&r, t.ring_fd, 2, 1, 5, 0, 0, 0);
	CHECK_EQ(msg_result(&r), -EINVAL);
	/* buf_index, ioprio */
	msg(&r, t.ring_fd, IORING_MSG_DATA, 1, 6, 0, 0, 0)->buf_index = 1;
	CHECK_EQ(msg_result(&r), -EINVAL);
	msg(&r, t.ring_fd, IORING_MSG_DATA, 1, 6, 0, 0, 0)->ioprio = 1;
	CHECK_EQ(msg_result(&r), -EINVAL);
	/* not a ring: -EBADFD, even for an unknown command */
	msg(&r, pfd[0], IORING_MSG_DATA, 1, 7, 0, 0, 0);
	CHECK_EQ(msg_result(&r), -EBADFD);
	msg(&r, pfd[0], 2, 1, 7, 0, 0, 0);
	CHECK_EQ(msg_result(&r), -EBADFD);
	/* not a file: -EBADF, after the SQE's own checks */
	msg(&r, 9999, IORING_MSG_DATA, 1, 8, 0, 0, 0);
	CHECK_EQ(msg_result(&r), -EBADF);
	msg(&r, 9999, IORING_MSG_DATA, 1, 8, 1U << 2, 0, 0);
	CHECK_EQ(msg_result(&r), -EINVAL);
	/* a ring cannot be a registered file: nothing to name with FIXED_FILE */
	CHECK_EQ(io_uring_register_files(&r, &t.ring_fd, 1), -EBADF);
	CHECK_TRUE(test_cq_empty_for(&t, 0));
	/* a failed message breaks its link */
	msg(&r, t.ring_fd, IORING_MSG_DATA, 1, 9, 0, 3, 0)->flags = IOSQE_IO_LINK;
	msg(&r, t.ring_fd, IORING_MSG_DATA, 1, 10, 0, 0, 0)->user_data = 8;
	REQUIRE_EQ(test_submit_reap(&r, c, 2), 2);
	CHECK_EQ(c[0].res, -EINVAL);
	CHECK_EQ_U(c[1].user_data, 8);
	CHECK_EQ(c[1].res, -ECANCELED);
	CHECK_TRUE(test_cq_empty_for(&t, 0));
	io_uring_queue_exit(&t);
	io_uring_queue_exit(&r);
	close(pfd[0]);
	close(pfd[1]);
}

TEST(closed_target)
{
	struct io_uring r, t;
	int fd;

	test_ring_init(8, &r, 0);
	test_ring_init(4, &t, 0);
	fd = t.ring_fd;
	io_uring_queue_exit(&t);
	msg(&r, fd, IORING_MSG_DATA, 1, 1, 0, 0, 0);
	CHECK_EQ(msg_result(&r), -EBADF);
	io_uring_queue_exit(&r);
}

TEST(disabled_target)
{
	struct io_uring r, t;
	struct io_uring_params p;
	int files[1], tslots[2] = { -1, -1 }, pfd[2];

	REQUIRE_EQ(pipe(pfd), 0);
	files[0] = pfd[1];
	test_ring_init(8, &r, 0);
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_R_DISABLED;
	test_ring_init_params(4, &t, &p);
	REQUIRE_EQ(io_uring_register_files(&r, files, 1), 0);
	REQUIRE_EQ(io_uring_register_files(&t, tslots, 2), 0);
	msg(&r, t.ring_fd, IORING_MSG_DATA, 1, 1, 0, 0, 0);
	CHECK_EQ(msg_result(&r), -EBADFD);
	/* the SQE's fields are checked first */
	msg(&r, t.ring_fd, IORING_MSG_DATA, 1, 2, 0, 3, 0);
	CHECK_EQ(msg_result(&r), -EINVAL);
	msg(&r, t.ring_fd, IORING_MSG_SEND_FD, 0, 3, 0, 1, 0);
	CHECK_EQ(msg_result(&r), -EBADFD);
	/* ... and the source's file after */
	msg(&r, t.ring_fd, IORING_MSG_SEND_FD, 0, 4, 0, 1, 5);
	CHECK_EQ(msg_result(&r), -EBADFD);
	REQUIRE_EQ(io_uring_enable_rings(&t), 0);
	msg(&r, t.ring_fd, IORING_MSG_DATA, 1, 5, 0, 0, 0);
	CHECK_EQ(msg_result(&r), 0);
	expect_target(&t, 5, 1, 0);
	io_uring_queue_exit(&t);
	io_uring_queue_exit(&r);
	close(pfd[0]);
	close(pfd[1]);
}

/* Write through the target's fixed slot, read it back from the pipe. */
static void check_slot_is_pipe(struct io_uring *t, int slot, int rd, char byte)
{
	struct io_uring_sqe *sqe = test_get_sqe(t);
	struct test_cqe c;
	char out = 0;

	io_uring_prep_write(sqe, slot, &byte, 1, 0);
	sqe->flags = IOSQE_FIXED_FILE;
	sqe->user_data = 0x77;
	REQUIRE_EQ(test_submit_reap(t, &c, 1), 1);
	CHECK_EQ(c.res, 1);
	CHECK_EQ(read(rd, &out, 1), 1);
	CHECK_EQ(out, byte);
}

TEST(send_fd)
{
	struct io_uring r, t;
	int pfd[2], files[4], tslots[3] = { -1, -1, -1 }, minus1 = -1;

	REQUIRE_EQ(pipe(pfd), 0);
	files[0] = pfd[1];
	files[1] = pfd[0];
	files[2] = files[3] = -1;
	test_ring_init(8, &r, 0);
	test_ring_init(8, &t, 0);
	/* no table in the source: no file to send */
	msg(&r, t.ring_fd, IORING_MSG_SEND_FD, 0, 1, 0, 1, 0);
	CHECK_EQ(msg_result(&r), -EBADF);
	REQUIRE_EQ(io_uring_register_files(&r, files, 4), 0);
	/* no table in the target */
	msg(&r, t.ring_fd, IORING_MSG_SEND_FD, 0, 2, 0, 1, 0);
	CHECK_EQ(msg_result(&r), -ENXIO);
	msg(&r, t.ring_fd, IORING_MSG_SEND_FD, 0, 2, 0, IORING_FILE_INDEX_ALLOC, 0);
	CHECK_EQ(msg_result(&r), -ENFILE);
	/* an empty or missing source slot */
	msg(&r, t.ring_fd, IORING_MSG_SEND_FD, 0, 3, 0, 1, 2);
	CHECK_EQ(msg_result(&r), -EBADF);
	msg(&r, t.ring_fd, IORING_MSG_SEND_FD, 0, 3, 0, 1, 10);
	CHECK_EQ(msg_result(&r), -EBADF);
	REQUIRE_EQ(io_uring_register_files(&t, tslots, 3), 0);
	/* file_index counts from 1 */
	msg(&r, t.ring_fd, IORING_MSG_SEND_FD, 0, 4, 0, 1, 0);
	CHECK_EQ(msg_result(&r), 0);
	expect_target(&t, 4, 0, 0);
	check_slot_is_pipe(&t, 0, pfd[0], 'a');
	msg(&r, t.ring_fd, IORING_MSG_SEND_FD, 0, 5, 0, 0, 0);
	CHECK_EQ(msg_result(&r), -EINVAL);
	msg(&r, t.ring_fd, IORING_MSG_SEND_FD, 0, 5, 0, 4, 0);
	CHECK_EQ(msg_result(&r), -EINVAL);
	msg(&r, t.ring_fd, IORING_MSG_SEND_FD, 0, 6, 0, 3, 1);
	CHECK_EQ(msg_result(&r), 0);
	expect_target(&t, 6, 0, 0);
	/* len must be 0; not to the ring itself */
	msg(&r, t.ring_fd, IORING_MSG_SEND_FD, 1, 7, 0, 2, 0);
	CHECK_EQ(msg_result(&r), -EINVAL);
	msg(&r, r.ring_fd, IORING_MSG_SEND_FD, 0, 7, 0, 2, 0);
	CHECK_EQ(msg_result(&r), -EINVAL);
	/* FLAGS_PASS passes nothing with a file; CQE_SKIP posts nothing */
	msg(&r, t.ring_fd, IORING_MSG_SEND_FD, 0, 8, IORING_MSG_RING_FLAGS_PASS, 2, 0);
	CHECK_EQ(msg_result(&r), 0);
	expect_target(&t, 8, 0, 0);
	msg(&r, t.ring_fd, IORING_MSG_SEND_FD, 0, 9, IORING_MSG_RING_CQE_SKIP, 2, 0);
	CHECK_EQ(msg_result(&r), 0);
	CHECK_TRUE(test_cq_empty_for(&t, 0));
	check_slot_is_pipe(&t, 1, pfd[0], 'b');
	/* the table is full */
	msg(&r, t.ring_fd, IORING_MSG_SEND_FD, 0, 10, 0, IORING_FILE_INDEX_ALLOC, 0);
	CHECK_EQ(msg_result(&r), -ENFILE);
	/* allocation: from where the last slot was filled or emptied, then from 0 */
	REQUIRE_EQ(io_uring_register_files_update(&t, 1, &minus1, 1), 1);
	msg(&r, t.ring_fd, IORING_MSG_SEND_FD, 0, 11, 0, IORING_FILE_INDEX_ALLOC, 0);
	CHECK_EQ(msg_result(&r), 1);
	expect_target(&t, 11, 1, 0);
	REQUIRE_EQ(io_uring_register_files_update(&t, 0, &minus1, 1), 1);
	REQUIRE_EQ(io_uring_register_files_update(&t, 2, &minus1, 1), 1);
	msg(&r, t.ring_fd, IORING_MSG_SEND_FD, 0, 12, 0, IORING_FILE_INDEX_ALLOC, 0);
	CHECK_EQ(msg_result(&r), 2);
	expect_target(&t, 12, 2, 0);
	msg(&r, t.ring_fd, IORING_MSG_SEND_FD, 0, 13, IORING_MSG_RING_CQE_SKIP,
	    IORING_FILE_INDEX_ALLOC, 0);
	CHECK_EQ(msg_result(&r), 0);
	CHECK_TRUE(test_cq_empty_for(&t, 0));
	check_slot_is_pipe(&t, 0, pfd[0], 'c');
	/* the target keeps the file after the source lets go of it */
	REQUIRE_EQ(io_uring_unregister_files(&r), 0);
	check_slot_is_pipe(&t, 2, pfd[0], 'd');
	io_uring_queue_exit(&t);
	io_uring_queue_exit(&r);
	close(pfd[0]);
	close(pfd[1]);
}

/* liburing's helpers fill the SQEs the cases above write by hand. */
TEST(prep_helpers)
{
	struct io_uring r, t;
	struct io_uring_sqe *sqe;
	int pfd[2], tslots[2] = { -1, -1 };

	REQUIRE_EQ(pipe(pfd), 0);
	test_ring_init(8, &r, 0);
	test_ring_init(8, &t, 0);
	REQUIRE_EQ(io_uring_register_files(&r, &pfd[1], 1), 0);
	REQUIRE_EQ(io_uring_register_files(&t, tslots, 2), 0);
	sqe = test_get_sqe(&r);
	io_uring_prep_msg_ring(sqe, t.ring_fd, 17, 0x71, 0);
	sqe->user_data = 7;
	CHECK_EQ(msg_result(&r), 0);
	expect_target(&t, 0x71, 17, 0);
	sqe = test_get_sqe(&r);
	io_uring_prep_msg_ring_cqe_flags(sqe, t.ring_fd, 18, 0x72, 0, 0x55);
	sqe->user_data = 7;
	CHECK_EQ(msg_result(&r), 0);
	expect_target(&t, 0x72, 18, 0x55);
	/* target_fd counts from 0 here (the SQE's file_index from 1) */
	sqe = test_get_sqe(&r);
	io_uring_prep_msg_ring_fd(sqe, t.ring_fd, 0, 1, 0x73, 0);
	sqe->user_data = 7;
	CHECK_EQ(msg_result(&r), 0);
	expect_target(&t, 0x73, 0, 0);
	check_slot_is_pipe(&t, 1, pfd[0], 'h');
	sqe = test_get_sqe(&r);
	io_uring_prep_msg_ring_fd_alloc(sqe, t.ring_fd, 0, 0x74, 0);
	sqe->user_data = 7;
	CHECK_EQ(msg_result(&r), 0);
	expect_target(&t, 0x74, 0, 0);
	check_slot_is_pipe(&t, 0, pfd[0], 'i');
	io_uring_queue_exit(&t);
	io_uring_queue_exit(&r);
	close(pfd[0]);
	close(pfd[1]);
}

/* Messages into a full CQ overflow, none is lost. */
TEST(target_overflow)
{
	struct io_uring r, t;
	struct test_cqe c[10];

	test_ring_init(16, &r, 0);
	test_ring_init(4, &t, 0); /* 8 CQEs */
	for (int i = 0; i < 10; i++)
		msg(&r, t.ring_fd, IORING_MSG_DATA, i, 0x100 + i, 0, 0, 0);
	REQUIRE_EQ(test_submit_reap(&r, c, 10), 10);
	for (int i = 0; i < 10; i++)
		CHECK_EQ(c[i].res, 0);
	CHECK_TRUE(IO_URING_READ_ONCE(*t.sq.kflags) & IORING_SQ_CQ_OVERFLOW);
	REQUIRE_EQ(test_reap(&t, c, 10, 1000), 10);
	for (int i = 0; i < 10; i++) {
		CHECK_EQ_U(c[i].user_data, 0x100 + i);
		CHECK_EQ(c[i].res, i);
	}
	io_uring_queue_exit(&t);
	io_uring_queue_exit(&r);
}

/* Peek for up to ms: an IOPOLL ring's own completions may come from a worker. */
static bool peek_within(struct io_uring *ring, struct test_cqe *out, unsigned ms)
{
	struct io_uring_cqe *cqe;

	for (unsigned i = 0; i <= ms; i++) {
		if (io_uring_peek_cqe(ring, &cqe) == 0) {
			out->user_data = cqe->user_data;
			out->res = cqe->res;
			out->flags = cqe->flags;
			io_uring_cqe_seen(ring, cqe);
			return true;
		}
		test_sleep_ms(1);
	}
	return false;
}

TEST(iopoll_and_sqpoll_rings)
{
	struct io_uring r, ip, sp;
	struct io_uring_params p;
	struct test_cqe c[2];

	test_ring_init(8, &r, 0);
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_IOPOLL;
	test_ring_init_params(4, &ip, &p);
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQPOLL;
	p.sq_thread_idle = 100;
	test_ring_init_params(4, &sp, &p);

	msg(&r, ip.ring_fd, IORING_MSG_DATA, 1, 0x30, 0, 0, 0);
	CHECK_EQ(msg_result(&r), 0);
	expect_target(&ip, 0x30, 1, 0);
	/* from an IOPOLL ring (the kernel may complete it from a worker) */
	msg(&ip, r.ring_fd, IORING_MSG_DATA, 2, 0x31, 0, 0, 0);
	CHECK_EQ(io_uring_submit(&ip), 1);
	REQUIRE_TRUE(peek_within(&ip, &c[0], 2000));
	CHECK_EQ(c[0].res, 0);
	expect_target(&r, 0x31, 2, 0);
	msg(&ip, ip.ring_fd, IORING_MSG_DATA, 3, 0x32, 0, 0, 0);
	CHECK_EQ(io_uring_submit(&ip), 1);
	REQUIRE_TRUE(peek_within(&ip, &c[0], 2000));
	REQUIRE_TRUE(peek_within(&ip, &c[1], 2000));
	CHECK_EQ_U(c[0].user_data, 0x32);
	CHECK_EQ(c[0].res, 3);
	CHECK_EQ_U(c[1].user_data, 7);
	CHECK_EQ(c[1].res, 0);

	msg(&r, sp.ring_fd, IORING_MSG_DATA, 4, 0x40, 0, 0, 0);
	CHECK_EQ(msg_result(&r), 0);
	expect_target(&sp, 0x40, 4, 0);
	msg(&sp, r.ring_fd, IORING_MSG_DATA, 5, 0x41, 0, 0, 0);
	REQUIRE_EQ(test_submit_reap(&sp, c, 1), 1);
	CHECK_EQ(c[0].res, 0);
	REQUIRE_EQ(test_reap(&r, c, 1, 2000), 1);
	CHECK_EQ_U(c[0].user_data, 0x41);
	CHECK_EQ(c[0].res, 5);
	io_uring_queue_exit(&sp);
	io_uring_queue_exit(&ip);
	io_uring_queue_exit(&r);
}

/* A message wakes a thread waiting on the target and signals its eventfd. */
struct waiter_arg {
	struct io_uring *t;
	struct test_cqe c;
	int ret;
};

static void *wait_thread(void *p)
{
	struct waiter_arg *a = p;

	a->ret = (int)test_reap(a->t, &a->c, 1, 5000);
	return NULL;
}

TEST(wakes_target_waiter)
{
	struct io_uring r, t;
	struct waiter_arg a = { .t = &t };
	pthread_t th;
	uint64_t v = 0;
	int efd;

	test_ring_init(8, &r, 0);
	test_ring_init(4, &t, 0);
	efd = eventfd(0, EFD_CLOEXEC);
	REQUIRE_TRUE(efd >= 0);
	REQUIRE_EQ(io_uring_register_eventfd(&t, efd), 0);
	REQUIRE_EQ(pthread_create(&th, NULL, wait_thread, &a), 0);
	test_sleep_ms(50);
	msg(&r, t.ring_fd, IORING_MSG_DATA, 9, 0x99, 0, 0, 0);
	CHECK_EQ(msg_result(&r), 0);
	pthread_join(th, NULL);
	CHECK_EQ(a.ret, 1);
	CHECK_EQ_U(a.c.user_data, 0x99);
	CHECK_EQ(a.c.res, 9);
	CHECK_EQ(read(efd, &v, sizeof(v)), (int)sizeof(v));
	CHECK_EQ_U(v, 1);
	io_uring_queue_exit(&t);
	io_uring_queue_exit(&r);
	close(efd);
}

/*
 * Two rings message each other from two threads at once (no lock order to
 * deadlock on), while a third ring they both message is torn down.
 */
struct pingpong {
	struct io_uring ring;
	int peer_fd, victim_fd;
	unsigned sent, bad;
};

#define PINGPONG_ROUNDS 2000

/*
 * The victim's close() races the other threads' messages naming its number:
 * ThreadSanitizer reports that race on the fd (the engine looks the number
 * up in the submitting thread, as the kernel does), so there the victim goes
 * after them.
 */
#if defined(__SANITIZE_THREAD__)
#define CLOSE_VICTIM_DURING 0
#else
#define CLOSE_VICTIM_DURING 1
#endif

static void *pingpong_thread(void *p)
{
	struct pingpong *pp = p;
	struct io_uring_cqe *cqe;

	for (unsigned i = 0; i < PINGPONG_ROUNDS; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&pp->ring);

		if (!sqe)
			break;
		io_uring_prep_nop(sqe);
		sqe->opcode = IORING_OP_MSG_RING;
		sqe->fd = (i & 7) == 7 ? pp->victim_fd : pp->peer_fd;
		sqe->len = i;
		sqe->off = 0x1000 + i;
		sqe->user_data = 1;
		io_uring_submit(&pp->ring);
		/* reap everything: own results, the peer's messages */
		while (io_uring_peek_cqe(&pp->ring, &cqe) == 0) {
			if (cqe->user_data == 1) {
				pp->sent++;
				/* the victim is gone once closed: -EBADF (its number
				 * may even be reused: -EBADFD) */
				if (cqe->res != 0 && cqe->res != -EBADF && cqe->res != -EBADFD)
					pp->bad++;
			}
			io_uring_cqe_seen(&pp->ring, cqe);
		}
	}
	return NULL;
}

TEST(cross_messages_and_teardown)
{
	static struct pingpong a, b;
	struct io_uring victim;
	pthread_t ta, tb;

	test_ring_init(64, &a.ring, 0);
	test_ring_init(64, &b.ring, 0);
	test_ring_init(4, &victim, 0);
	a.peer_fd = b.ring.ring_fd;
	b.peer_fd = a.ring.ring_fd;
	a.victim_fd = b.victim_fd = victim.ring_fd;
	a.sent = b.sent = a.bad = b.bad = 0;
	REQUIRE_EQ(pthread_create(&ta, NULL, pingpong_thread, &a), 0);
	REQUIRE_EQ(pthread_create(&tb, NULL, pingpong_thread, &b), 0);
	test_sleep_ms(5);
	if (CLOSE_VICTIM_DURING)
		io_uring_queue_exit(&victim);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	if (!CLOSE_VICTIM_DURING)
		io_uring_queue_exit(&victim);
	CHECK_EQ_U(a.bad, 0);
	CHECK_EQ_U(b.bad, 0);
	CHECK_TRUE(a.sent > 0 && b.sent > 0);
	io_uring_queue_exit(&a.ring);
	io_uring_queue_exit(&b.ring);
}

/*
 * To a kernel ring: the kernel posts it; the engine cannot reach a kernel
 * ring's CQ and says -EOPNOTSUPP (a documented divergence, engine.h).
 */
TEST(to_a_kernel_ring)
{
	struct io_uring r, k;
	struct io_uring_params p;
	bool user = ringer_get_backend() == RINGER_BACKEND_USER;
	int ret;

	memset(&p, 0, sizeof(p));
	ret = ringer_queue_init_backend(4, &k, &p, RINGER_BACKEND_KERNEL);
	if (ret == -ENOSYS || ret == -EPERM || ret == -EACCES)
		SKIP_CASE(SKIP_KERNEL_REFUSES, "a kernel ring is the target");
	REQUIRE_EQ(ret, 0);
	test_ring_init(4, &r, 0);
	msg(&r, k.ring_fd, IORING_MSG_DATA, 1, 0x60, 0, 0, 0);
	CHECK_EQ(msg_result(&r), user ? -EOPNOTSUPP : 0);
	if (!user)
		expect_target(&k, 0x60, 1, 0);
	CHECK_TRUE(test_cq_empty_for(&k, 0));
	io_uring_queue_exit(&r);
	io_uring_queue_exit(&k);
}

/* The probe lists MSG_RING. */
TEST(in_probe)
{
	struct io_uring r;
	struct io_uring_probe *p;

	test_ring_init(4, &r, 0);
	p = io_uring_get_probe_ring(&r);
	REQUIRE_TRUE(p != NULL);
	CHECK_TRUE(io_uring_opcode_supported(p, IORING_OP_MSG_RING));
	io_uring_free_probe(p);
	io_uring_queue_exit(&r);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(data_to_another_ring),
		TEST_ENTRY(data_to_self_order),
		TEST_ENTRY(data_errors),
		TEST_ENTRY(closed_target),
		TEST_ENTRY(disabled_target),
		TEST_ENTRY(send_fd),
		TEST_ENTRY(prep_helpers),
		TEST_ENTRY(target_overflow),
		TEST_ENTRY(iopoll_and_sqpoll_rings),
		TEST_ENTRY(wakes_target_waiter),
		TEST_ENTRY(cross_messages_and_teardown),
		TEST_ENTRY(to_a_kernel_ring),
		TEST_ENTRY(in_probe),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
