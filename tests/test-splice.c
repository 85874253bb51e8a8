/* SPDX-License-Identifier: MIT */
/*
 * SPLICE and TEE: offsets -1 (the file's position, which moves) against
 * explicit ones (which leave it), fixed in and out files, the kernel's
 * errors, a short splice failing its link, waiting for data or room in a
 * pipe (and cancelling, and tearing down, such a wait), SPLICE_F_NONBLOCK.
 * PIPE: plain (flags, -EFAULT with no descriptor made) and direct (a slot and
 * the next, ALLOC, the table's errors, the slots emptied on failure).
 */
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "harness.h"

static struct io_uring ring;
static int p[2], q[2], file = -1;
static const char data[] = "0123456789abcdef";

static void setup(void)
{
	test_ring_init(16, &ring, 0);
	REQUIRE_SYS(pipe(p));
	REQUIRE_SYS(pipe(q));
	file = test_tmpfile_with(data, 16, NULL);
	REQUIRE_GE(file, 0);
}

static void teardown(void)
{
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	close(file);
	io_uring_queue_exit(&ring);
}

static struct io_uring_sqe *splice_sqe(int fd_in, int64_t off_in, int fd_out, int64_t off_out,
				       unsigned len, unsigned flags, __u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_splice(sqe, fd_in, off_in, fd_out, off_out, len, flags);
	io_uring_sqe_set_data64(sqe, user_data);
	return sqe;
}

static struct io_uring_sqe *tee_sqe(int fd_in, int fd_out, unsigned len, unsigned flags,
				    __u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_tee(sqe, fd_in, fd_out, len, flags);
	io_uring_sqe_set_data64(sqe, user_data);
	return sqe;
}

static int one_result(__u64 user_data)
{
	return test_submit_one(&ring, user_data).res;
}

/* what the pipe holds now (it must hold something) */
static void expect_pipe(int fd, const char *want, size_t len)
{
	char buf[64];

	REQUIRE_EQ(read(fd, buf, sizeof(buf)), (ssize_t)len);
	CHECK_MEM(buf, want, len);
}

/* submit the one queued request, which must wait: no CQE within ms */
static void submit_waiting(unsigned ms)
{
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, ms));
}

/* the CQE of a request that was waiting, once what it waited for came */
static void expect_woken(__u64 user_data, int res)
{
	struct io_uring_cqe *cqe;

	REQUIRE_EQ(test_wait_cqe_ms(&ring, &cqe, 5000), 0);
	CHECK_EQ_U(cqe->user_data, user_data);
	CHECK_EQ(cqe->res, res);
	io_uring_cqe_seen(&ring, cqe);
}

/* empty what fd holds; it is left O_NONBLOCK */
static void drain(int fd, void *buf, size_t size)
{
	REQUIRE_SYS(fcntl(fd, F_SETFL, O_NONBLOCK));
	while (read(fd, buf, size) > 0)
		;
}

/* a blocking socket with no room left: a byte at a time until the last one */
static void fill_socket(int fd, const void *buf, size_t size)
{
	int fl = fcntl(fd, F_GETFL);

	REQUIRE_SYS(fcntl(fd, F_SETFL, fl | O_NONBLOCK));
	while (write(fd, buf, size) > 0)
		;
	while (write(fd, buf, 1) > 0)
		;
	REQUIRE_SYS(fcntl(fd, F_SETFL, fl));
}

/*
 * The ring goes away with a request still waiting: the exit must not wait
 * for it (2 s at most).  A fresh ring of `entries` takes its place, for the
 * rest of the case and teardown().
 */
static void exit_ring_at_once(unsigned entries)
{
	uint64_t t0;

	test_sleep_ms(20);
	t0 = test_now_ns();
	io_uring_queue_exit(&ring);
	CHECK_LT((long long)(test_now_ns() - t0), 2000000000LL);
	test_ring_init(entries, &ring, 0);
}

TEST(splice_file_offsets)
{
	setup();
	/* -1: from the file's position, which moves */
	REQUIRE_EQ(lseek(file, 2, SEEK_SET), 2);
	splice_sqe(file, -1, p[1], -1, 4, 0, 1);
	CHECK_EQ(one_result(1), 4);
	CHECK_EQ(lseek(file, 0, SEEK_CUR), 6);
	/* explicit: from there, the position stays */
	splice_sqe(file, 10, p[1], -1, 4, 0, 2);
	CHECK_EQ(one_result(2), 4);
	CHECK_EQ(lseek(file, 0, SEEK_CUR), 6);
	expect_pipe(p[0], "2345abcd", 8);
	/* into the file at an offset, and at its position */
	REQUIRE_EQ(write(p[1], "XYZ", 3), 3);
	splice_sqe(p[0], -1, file, 20, 16, 0, 3);
	CHECK_EQ(one_result(3), 3);
	CHECK_EQ(lseek(file, 0, SEEK_CUR), 6);
	REQUIRE_EQ(write(p[1], "UV", 2), 2);
	splice_sqe(p[0], -1, file, -1, 16, 0, 4);
	CHECK_EQ(one_result(4), 2);
	CHECK_EQ(lseek(file, 0, SEEK_CUR), 8);
	{
		char buf[24];

		REQUIRE_EQ(pread(file, buf, 23, 0), 23);
		CHECK_MEM(buf, "012345UV89abcdef\0\0\0\0XYZ", 23);
	}
	/* pipe to pipe; past the end of a file: 0 */
	REQUIRE_EQ(write(p[1], "pq", 2), 2);
	splice_sqe(p[0], -1, q[1], -1, 16, SPLICE_F_MOVE, 5);
	CHECK_EQ(one_result(5), 2);
	expect_pipe(q[0], "pq", 2);
	splice_sqe(file, 100, p[1], -1, 4, 0, 6);
	CHECK_EQ(one_result(6), 0);
	teardown();
}

TEST(splice_errors)
{
	struct io_uring_sqe *sqe;

	setup();
	splice_sqe(file, 0, p[1], -1, 4, 0x100, 1);
	CHECK_EQ(one_result(1), -EINVAL); /* unknown flag */
	splice_sqe(file, 0, file, 4, 4, 0, 2);
	CHECK_EQ(one_result(2), -EINVAL); /* no pipe */
	splice_sqe(file, -1, p[1], 0, 4, 0, 3);
	CHECK_EQ(one_result(3), -ESPIPE); /* an offset on a pipe */
	REQUIRE_EQ(write(p[1], "a", 1), 1);
	splice_sqe(p[0], 0, file, 0, 4, 0, 4);
	CHECK_EQ(one_result(4), -ESPIPE);
	splice_sqe(file, -2, p[1], -1, 4, 0, 5);
	CHECK_EQ(one_result(5), -EINVAL);
	splice_sqe(999, -1, p[1], -1, 4, 0, 6);
	CHECK_EQ(one_result(6), -EBADF);
	splice_sqe(-1, -1, p[1], -1, 4, 0, 7);
	CHECK_EQ(one_result(7), -EBADF);
	splice_sqe(file, -1, 999, -1, 4, 0, 8);
	CHECK_EQ(one_result(8), -EBADF);
	/* the write end is not for reading */
	splice_sqe(p[1], -1, file, 0, 4, 0, 9);
	CHECK_EQ(one_result(9), -EBADF);
	/* nothing to move: 0, but the files are looked up first */
	splice_sqe(file, 0, p[1], -1, 0, 0, 10);
	CHECK_EQ(one_result(10), 0);
	splice_sqe(999, 0, p[1], -1, 0, 0, 11);
	CHECK_EQ(one_result(11), -EBADF);
	splice_sqe(file, 0, 999, -1, 0, 0, 20);
	CHECK_EQ(one_result(20), -EBADF);
	/* an O_PATH fd names no file to splice, even for 0 bytes */
	{
		int op = open("/dev/null", O_PATH | O_CLOEXEC);

		REQUIRE_GE(op, 0);
		splice_sqe(op, 0, p[1], -1, 0, 0, 23);
		CHECK_EQ(one_result(23), -EBADF);
		splice_sqe(file, 0, op, -1, 0, 0, 24);
		CHECK_EQ(one_result(24), -EBADF);
		tee_sqe(op, p[1], 0, 0, 25);
		CHECK_EQ(one_result(25), -EBADF);
		close(op);
	}
	/* the files' modes before the offsets (splice(2) has it the other way) */
	{
		int wo = open("/dev/null", O_WRONLY | O_CLOEXEC);

		REQUIRE_GE(wo, 0);
		splice_sqe(wo, -1, p[1], 0, 4, 0, 21);
		CHECK_EQ(one_result(21), -EBADF);
		splice_sqe(file, -1, p[0], 0, 4, 0, 22);
		CHECK_EQ(one_result(22), -EBADF);
		close(wo);
	}
	/* FD_IN_FIXED without a table */
	splice_sqe(0, 0, p[1], -1, 4, SPLICE_F_FD_IN_FIXED, 12);
	CHECK_EQ(one_result(12), -EBADF);
	/* ioprio is refused; addr3, buf_index, __pad2 are not looked at */
	sqe = splice_sqe(file, 0, p[1], -1, 1, 0, 13);
	sqe->ioprio = 1;
	CHECK_EQ(one_result(13), -EINVAL);
	sqe = splice_sqe(file, 0, p[1], -1, 1, 0, 14);
	sqe->addr3 = 1;
	sqe->buf_index = 1;
	sqe->__pad2[0] = 1;
	CHECK_EQ(one_result(14), 1);
	sqe = splice_sqe(file, 0, p[1], -1, 1, 0, 15);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	CHECK_EQ(one_result(15), -EOPNOTSUPP);
	/* a ring's fd: a file until bytes are to move, which it cannot take */
	splice_sqe(ring.ring_fd, -1, p[1], -1, 0, 0, 16);
	CHECK_EQ(one_result(16), 0);
	splice_sqe(file, 0, ring.ring_fd, -1, 0, 0, 17);
	CHECK_EQ(one_result(17), 0);
	splice_sqe(ring.ring_fd, -1, p[1], -1, 4, 0, 18);
	CHECK_EQ(one_result(18), -EINVAL);
	splice_sqe(p[0], -1, ring.ring_fd, -1, 4, 0, 19);
	CHECK_EQ(one_result(19), -EINVAL);
	teardown();
}

TEST(tee_ops_and_errors)
{
	struct io_uring_sqe *sqe;

	setup();
	REQUIRE_EQ(write(p[1], "tee!", 4), 4);
	tee_sqe(p[0], q[1], 16, 0, 1);
	CHECK_EQ(one_result(1), 4);
	expect_pipe(q[0], "tee!", 4);
	expect_pipe(p[0], "tee!", 4); /* still there */
	tee_sqe(p[0], q[1], 4, SPLICE_F_NONBLOCK, 2);
	CHECK_EQ(one_result(2), -EAGAIN);
	tee_sqe(file, q[1], 4, 0, 3);
	CHECK_EQ(one_result(3), -EINVAL);
	tee_sqe(q[0], q[1], 4, 0, 4);
	CHECK_EQ(one_result(4), -EINVAL);
	tee_sqe(q[1], p[1], 4, 0, 5);
	CHECK_EQ(one_result(5), -EBADF);
	tee_sqe(999, p[1], 4, 0, 6);
	CHECK_EQ(one_result(6), -EBADF);
	tee_sqe(p[0], q[1], 4, 0x100, 7);
	CHECK_EQ(one_result(7), -EINVAL);
	tee_sqe(file, q[1], 0, 0, 8);
	CHECK_EQ(one_result(8), 0);
	/* offsets are refused at prep */
	sqe = tee_sqe(p[0], q[1], 4, 0, 9);
	sqe->off = 1;
	CHECK_EQ(one_result(9), -EINVAL);
	sqe = tee_sqe(p[0], q[1], 4, 0, 10);
	sqe->splice_off_in = 1;
	CHECK_EQ(one_result(10), -EINVAL);
	teardown();
}

TEST(fixed_files)
{
	struct io_uring_sqe *sqe;
	int fds[3];

	setup();
	fds[0] = file;
	fds[1] = p[1];
	fds[2] = q[0];
	REQUIRE_EQ(io_uring_register_files(&ring, fds, 3), 0);
	/* fixed in (slot 0), fixed out (slot 1) */
	sqe = splice_sqe(0, 4, 1, -1, 4, SPLICE_F_FD_IN_FIXED, 1);
	sqe->flags |= IOSQE_FIXED_FILE;
	CHECK_EQ(one_result(1), 4);
	expect_pipe(p[0], "4567", 4);
	/* fixed in, plain out */
	REQUIRE_EQ(write(q[1], "fx", 2), 2);
	tee_sqe(2, p[1], 8, SPLICE_F_FD_IN_FIXED, 2);
	CHECK_EQ(one_result(2), 2);
	expect_pipe(p[0], "fx", 2);
	/* plain in, fixed out */
	sqe = splice_sqe(q[0], -1, 1, -1, 8, 0, 3);
	sqe->flags |= IOSQE_FIXED_FILE;
	CHECK_EQ(one_result(3), 2);
	expect_pipe(p[0], "fx", 2);
	/* slots that hold nothing */
	sqe = splice_sqe(5, 0, 1, -1, 4, SPLICE_F_FD_IN_FIXED, 4);
	sqe->flags |= IOSQE_FIXED_FILE;
	CHECK_EQ(one_result(4), -EBADF);
	sqe = splice_sqe(-1, 0, 1, -1, 4, SPLICE_F_FD_IN_FIXED, 5);
	sqe->flags |= IOSQE_FIXED_FILE;
	CHECK_EQ(one_result(5), -EBADF);
	sqe = splice_sqe(0, 0, 9, -1, 4, SPLICE_F_FD_IN_FIXED, 6);
	sqe->flags |= IOSQE_FIXED_FILE;
	CHECK_EQ(one_result(6), -EBADF);
	teardown();
}

TEST(short_splice_fails_link)
{
	struct test_cqe c[2];
	struct io_uring_sqe *sqe;

	setup();
	/* 3 bytes of 8: the result, and the link is cancelled */
	REQUIRE_EQ(write(p[1], "abc", 3), 3);
	sqe = splice_sqe(p[0], -1, file, 0, 8, 0, 1);
	sqe->flags |= IOSQE_IO_LINK;
	sqe = test_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, 2);
	test_submit_reap(&ring, c, 2);
	CHECK_EQ_U(c[0].user_data, 1);
	CHECK_EQ(c[0].res, 3);
	CHECK_EQ_U(c[1].user_data, 2);
	CHECK_EQ(c[1].res, -ECANCELED);
	/* all of it: the link runs; IOSQE_ASYNC changes nothing */
	REQUIRE_EQ(write(p[1], "abcd", 4), 4);
	sqe = splice_sqe(p[0], -1, file, 0, 4, 0, 3);
	sqe->flags |= IOSQE_IO_LINK | IOSQE_ASYNC;
	sqe = test_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, 4);
	test_submit_reap(&ring, c, 2);
	CHECK_EQ_U(c[0].user_data, 3);
	CHECK_EQ(c[0].res, 4);
	CHECK_EQ_U(c[1].user_data, 4);
	CHECK_EQ(c[1].res, 0);
	teardown();
}

TEST(waits_for_data_and_room)
{
	static char big[1 << 16];
	int fl;

	setup();
	/* an empty pipe: the splice waits for a writer */
	splice_sqe(p[0], -1, file, 0, 10, 0, 1);
	submit_waiting(50);
	REQUIRE_EQ(write(p[1], "hi", 2), 2);
	expect_woken(1, 2);
	/* a full pipe: it waits for room */
	fl = fcntl(p[1], F_GETFL);
	REQUIRE_SYS(fcntl(p[1], F_SETFL, fl | O_NONBLOCK));
	while (write(p[1], big, sizeof(big)) > 0)
		;
	REQUIRE_SYS(fcntl(p[1], F_SETFL, fl));
	splice_sqe(file, 0, p[1], -1, 10, 0, 2);
	submit_waiting(50);
	REQUIRE_EQ(read(p[0], big, 4096), 4096);
	expect_woken(2, 10);
	/* a tee on an empty pipe too (into one with room again) */
	drain(p[0], big, sizeof(big));
	tee_sqe(q[0], p[1], 10, 0, 3);
	submit_waiting(50);
	REQUIRE_EQ(write(q[1], "tq", 2), 2);
	expect_woken(3, 2);
	/* a blocking socket with no room: it waits for room, and the ring's
	 * teardown ends such a wait at once */
	{
		int sv[2];

		REQUIRE_SYS(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
		fill_socket(sv[0], big, sizeof(big));
		REQUIRE_EQ(write(q[1], "sk", 2), 2);
		splice_sqe(q[0], -1, sv[0], -1, 2, 0, 5);
		submit_waiting(50);
		drain(sv[1], big, sizeof(big));
		expect_woken(5, 2);
		drain(sv[1], big, sizeof(big));
		fill_socket(sv[0], big, sizeof(big));
		REQUIRE_EQ(write(q[1], "sk", 2), 2);
		splice_sqe(q[0], -1, sv[0], -1, 2, 0, 6);
		CHECK_EQ(io_uring_submit(&ring), 1);
		exit_ring_at_once(16);
		close(sv[0]);
		close(sv[1]);
		/* the splice may have taken the bytes (the kernel's is interrupted) */
		drain(q[0], big, sizeof(big));
		REQUIRE_SYS(fcntl(q[0], F_SETFL, 0));
	}
	/* no writer left: 0 */
	close(q[1]);
	q[1] = dup(p[1]);
	{
		int r[2];

		REQUIRE_SYS(pipe(r));
		close(r[1]);
		splice_sqe(r[0], -1, file, 0, 10, 0, 4);
		CHECK_EQ(one_result(4), 0);
		close(r[0]);
	}
	teardown();
}

TEST(nonblock)
{
	int sv[2];

	setup();
	/* SPLICE_F_NONBLOCK: -EAGAIN where it would wait */
	splice_sqe(p[0], -1, file, 0, 10, SPLICE_F_NONBLOCK, 1);
	CHECK_EQ(one_result(1), -EAGAIN);
	/* an O_NONBLOCK pipe: the same without the flag */
	REQUIRE_SYS(fcntl(p[0], F_SETFL, O_NONBLOCK));
	splice_sqe(p[0], -1, file, 0, 10, 0, 2);
	CHECK_EQ(one_result(2), -EAGAIN);
	/* pipe to pipe: an O_NONBLOCK out pipe (with room) makes it all so */
	REQUIRE_SYS(fcntl(p[0], F_SETFL, 0));
	REQUIRE_SYS(fcntl(q[1], F_SETFL, O_NONBLOCK));
	splice_sqe(p[0], -1, q[1], -1, 10, 0, 20);
	CHECK_EQ(one_result(20), -EAGAIN);
	tee_sqe(p[0], q[1], 10, 0, 21);
	CHECK_EQ(one_result(21), -EAGAIN);
	REQUIRE_SYS(fcntl(q[1], F_SETFL, 0));
	/* a socket with nothing to read, under SPLICE_F_NONBLOCK */
	REQUIRE_SYS(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	splice_sqe(sv[0], -1, q[1], -1, 10, SPLICE_F_NONBLOCK, 3);
	CHECK_EQ(one_result(3), -EAGAIN);
	/* ... and without: it waits for data */
	splice_sqe(sv[0], -1, q[1], -1, 10, 0, 4);
	submit_waiting(50);
	REQUIRE_EQ(write(sv[1], "sock", 4), 4);
	{
		struct test_cqe c = { 0 };

		REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
		CHECK_EQ_U(c.user_data, 4);
		CHECK_EQ(c.res, 4);
	}
	expect_pipe(q[0], "sock", 4);
	/* a pipe without a reader: -EPIPE, and no SIGPIPE kills the program
	 * (the kernel's worker takes it) */
	close(q[0]);
	q[0] = dup(p[0]);
	{
		int r[2];

		REQUIRE_SYS(pipe(r));
		close(r[0]);
		splice_sqe(file, 0, r[1], -1, 4, 0, 5);
		CHECK_EQ(one_result(5), -EPIPE);
		close(r[1]);
	}
	close(sv[0]);
	close(sv[1]);
	teardown();
}

TEST(cancel)
{
	struct test_cqe c[2];
	const struct test_cqe *s, *k;
	struct io_uring_sqe *sqe;

	setup();
	/*
	 * Cancelled in the same submit: before a worker starts it (0, and
	 * -ECANCELED), or, when a worker was quicker, while it runs: the
	 * worker is interrupted (-EALREADY, and -ERESTARTSYS), never left
	 * waiting.
	 */
	splice_sqe(p[0], -1, file, 0, 10, 0, 1);
	sqe = test_get_sqe(&ring);
	io_uring_prep_cancel64(sqe, 1, 0);
	io_uring_sqe_set_data64(sqe, 2);
	test_submit_reap(&ring, c, 2);
	s = test_find_cqe(c, 2, 1);
	k = test_find_cqe(c, 2, 2);
	REQUIRE_TRUE(s && k);
	if (k->res == -EALREADY) {
		/* the kernel's worker may also see the cancel before it waits */
		CHECK_TRUE(s->res == -512 /* ERESTARTSYS */ || s->res == -ECANCELED);
	} else {
		CHECK_EQ(k->res, 0);
		CHECK_EQ(s->res, -ECANCELED);
	}
	/*
	 * Cancelled while it waits for data: it ends, and takes none of what
	 * comes later.  The kernel interrupts its worker (-EALREADY, and the
	 * splice ends -ERESTARTSYS on 6.18); the engine's waits in the
	 * reactor (0 and -ECANCELED): see engine.h.
	 */
	splice_sqe(p[0], -1, file, 0, 10, 0, 3);
	submit_waiting(30);
	sqe = test_get_sqe(&ring);
	io_uring_prep_cancel64(sqe, 3, 0);
	io_uring_sqe_set_data64(sqe, 4);
	test_submit_reap(&ring, c, 2);
	s = test_find_cqe(c, 2, 3);
	k = test_find_cqe(c, 2, 4);
	REQUIRE_TRUE(s && k);
	CHECK_TRUE(k->res == 0 || k->res == -EALREADY);
	CHECK_TRUE(s->res == -ECANCELED || s->res == -512 /* ERESTARTSYS */ || s->res == -EINTR);
	REQUIRE_EQ(write(p[1], "late", 4), 4);
	CHECK_TRUE(test_cq_empty_for(&ring, 30));
	expect_pipe(p[0], "late", 4);
	/* the ring goes away with one waiting: at once */
	splice_sqe(p[0], -1, file, 0, 10, 0, 5);
	CHECK_EQ(io_uring_submit(&ring), 1);
	exit_ring_at_once(4);
	teardown();
}

/*
 * What a worker did before its CQE (made a pipe, used a fd by number)
 * reaches this thread through the CQ ring (a release store of its tail, an
 * acquire load): ThreadSanitizer cannot see that pairing, as the engine and
 * the program map the ring at two addresses.  A NOP's completion, posted by
 * this thread under the lock the worker posted under, is a synchronisation
 * it sees.
 */
static void tsan_sync(void)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, 99);
	CHECK_EQ(one_result(99), 0);
}

/* the lowest free number: which the program's next descriptor gets (the
 * engine's own descriptors live high, and come and go) */
static int next_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	REQUIRE_GE(fd, 0);
	close(fd);
	return fd;
}

/* No descriptor left to take (RLIMIT_NOFILE): the splice still runs. */
TEST(no_fd_room)
{
	struct rlimit old, rl;

	setup();
	/* the ring's workers first, while there is room */
	splice_sqe(file, 0, p[1], -1, 2, 0, 1);
	CHECK_EQ(one_result(1), 2);
	expect_pipe(p[0], "01", 2);
	REQUIRE_SYS(getrlimit(RLIMIT_NOFILE, &old));
	rl = old;
	rl.rlim_cur = (rlim_t)next_fd();
	REQUIRE_SYS(setrlimit(RLIMIT_NOFILE, &rl));
	splice_sqe(file, 4, p[1], -1, 4, 0, 2);
	CHECK_EQ(one_result(2), 4);
	REQUIRE_SYS(setrlimit(RLIMIT_NOFILE, &old));
	tsan_sync(); /* the worker used the fds by number */
	expect_pipe(p[0], "4567", 4);
	teardown();
}

static struct io_uring_sqe *pipe_sqe(int *fds, int flags, unsigned file_index, __u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_pipe(sqe, fds, flags);
	sqe->file_index = file_index;
	io_uring_sqe_set_data64(sqe, user_data);
	return sqe;
}

/* the two ends carry bytes from fds[1] to fds[0] */
static void check_pipe_works(int rd, int wr)
{
	char c = 0;

	REQUIRE_EQ(write(wr, "z", 1), 1);
	REQUIRE_EQ(read(rd, &c, 1), 1);
	CHECK_EQ(c, 'z');
}

TEST(pipe_plain)
{
	struct io_uring_sqe *sqe;
	int fds[2] = { -5, -5 }, want[2], before;

	test_ring_init(8, &ring, 0);
	/* the numbers pipe2(2) would give */
	REQUIRE_SYS(pipe(want));
	close(want[0]);
	close(want[1]);
	pipe_sqe(fds, 0, 0, 1);
	CHECK_EQ(one_result(1), 0);
	CHECK_EQ(fds[0], want[0]);
	CHECK_EQ(fds[1], want[1]);
	CHECK_EQ(fcntl(fds[0], F_GETFD), 0);
	check_pipe_works(fds[0], fds[1]);
	close(fds[0]);
	close(fds[1]);
	pipe_sqe(fds, O_CLOEXEC | O_NONBLOCK, 0, 2);
	CHECK_EQ(one_result(2), 0);
	CHECK_EQ(fcntl(fds[0], F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(fds[1], F_GETFD), FD_CLOEXEC);
	CHECK_TRUE(fcntl(fds[0], F_GETFL) & O_NONBLOCK);
	CHECK_TRUE(fcntl(fds[1], F_GETFL) & O_NONBLOCK);
	close(fds[0]);
	close(fds[1]);
	pipe_sqe(fds, O_DIRECT, 0, 3);
	CHECK_EQ(one_result(3), 0);
	CHECK_TRUE(fcntl(fds[1], F_GETFL) & O_DIRECT);
	close(fds[0]);
	close(fds[1]);
	/* errors: flags, a bad address (no descriptor made), fields */
	before = next_fd();
	pipe_sqe(fds, O_RDWR, 0, 4);
	CHECK_EQ(one_result(4), -EINVAL);
	pipe_sqe(NULL, 0, 0, 5);
	CHECK_EQ(one_result(5), -EFAULT);
	CHECK_EQ(next_fd(), before);
	pipe_sqe(fds, 0, 0, 6)->fd = 1;
	CHECK_EQ(one_result(6), -EINVAL);
	pipe_sqe(fds, 0, 0, 7)->off = 1;
	CHECK_EQ(one_result(7), -EINVAL);
	pipe_sqe(fds, 0, 0, 8)->addr3 = 1;
	CHECK_EQ(one_result(8), -EINVAL);
	pipe_sqe(fds, 0, 0, 9)->ioprio = 1;
	CHECK_EQ(one_result(9), -EINVAL);
	/* not looked at: len, buf_index, __pad2, IOSQE_FIXED_FILE; IOSQE_ASYNC */
	sqe = pipe_sqe(fds, 0, 0, 10);
	sqe->len = 1;
	sqe->buf_index = 1;
	sqe->__pad2[0] = 1;
	sqe->flags |= IOSQE_FIXED_FILE | IOSQE_ASYNC;
	CHECK_EQ(one_result(10), 0);
	tsan_sync(); /* the pipe was made by a worker */
	check_pipe_works(fds[0], fds[1]);
	close(fds[0]);
	close(fds[1]);
	CHECK_EQ(next_fd(), before);
	io_uring_queue_exit(&ring);
}

/* a write through fixed slot wr, read back through slot rd */
static void check_fixed_pipe(int rd, int wr)
{
	struct io_uring_sqe *sqe;
	char c = 0;

	sqe = test_get_sqe(&ring);
	io_uring_prep_write(sqe, wr, "y", 1, 0);
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, 100);
	CHECK_EQ(one_result(100), 1);
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, rd, &c, 1, 0);
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, 101);
	CHECK_EQ(one_result(101), 1);
	CHECK_EQ(c, 'y');
}

static int fixed_write(int slot)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_write(sqe, slot, "w", 1, 0);
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, 102);
	return one_result(102);
}

TEST(pipe_direct)
{
	int fds[2] = { -5, -5 }, sparse[4] = { -1, -1, -1, -1 }, before;

	test_ring_init(8, &ring, 0);
	before = next_fd();
	/* no table */
	pipe_sqe(fds, 0, 1, 1);
	CHECK_EQ(one_result(1), -ENXIO);
	REQUIRE_EQ(io_uring_register_files(&ring, sparse, 4), 0);
	/* slot 1 (file_index 2) and the next; fds gets the slots */
	{
		struct io_uring_sqe *sqe = test_get_sqe(&ring);

		io_uring_prep_pipe_direct(sqe, fds, 0, 1);
		io_uring_sqe_set_data64(sqe, 2);
	}
	CHECK_EQ(one_result(2), 0);
	CHECK_EQ(fds[0], 1);
	CHECK_EQ(fds[1], 2);
	check_fixed_pipe(1, 2);
	/* no descriptor of the program's was taken */
	CHECK_EQ(next_fd(), before);
	/* ALLOC: free slots from the hint on (after slot 2: 3, then 0) */
	fds[0] = fds[1] = -5;
	pipe_sqe(fds, O_NONBLOCK, IORING_FILE_INDEX_ALLOC, 3);
	CHECK_EQ(one_result(3), 0);
	CHECK_EQ(fds[0], 3);
	CHECK_EQ(fds[1], 0);
	check_fixed_pipe(3, 0);
	/* no free slot: -ENFILE */
	pipe_sqe(fds, 0, IORING_FILE_INDEX_ALLOC, 4);
	CHECK_EQ(one_result(4), -ENFILE);
	/* the last slot: the write end has none: -EINVAL, and the read end's
	 * slot is emptied (what it held is gone) */
	pipe_sqe(fds, 0, 4, 5);
	CHECK_EQ(one_result(5), -EINVAL);
	CHECK_EQ(fixed_write(3), -EBADF);
	pipe_sqe(fds, 0, 5, 6);
	CHECK_EQ(one_result(6), -EINVAL);
	/* O_CLOEXEC means nothing in the table: refused */
	pipe_sqe(fds, O_CLOEXEC, 1, 7);
	CHECK_EQ(one_result(7), -EINVAL);
	/* a bad address: both slots emptied */
	pipe_sqe(NULL, 0, 1, 8);
	CHECK_EQ(one_result(8), -EFAULT);
	CHECK_EQ(fixed_write(0), -EBADF);
	CHECK_EQ(fixed_write(1), -EBADF);
	CHECK_EQ(next_fd(), before);
	io_uring_queue_exit(&ring);
}

TEST(probe_reports_splice_tee_pipe)
{
	static const int ops[] = { IORING_OP_SPLICE, IORING_OP_TEE, IORING_OP_PIPE };

	test_ring_init(4, &ring, 0);
	test_check_probe_has(&ring, ops, ARRAY_SIZE(ops));
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		{ "splice_file_offsets", splice_file_offsets },
		{ "splice_errors", splice_errors },
		{ "tee_ops_and_errors", tee_ops_and_errors },
		{ "fixed_files", fixed_files },
		{ "short_splice_fails_link", short_splice_fails_link },
		{ "waits_for_data_and_room", waits_for_data_and_room },
		{ "nonblock", nonblock },
		{ "cancel", cancel },
		{ "no_fd_room", no_fd_room },
		{ "pipe_plain", pipe_plain },
		{ "pipe_direct", pipe_direct },
		{ "probe_reports_splice_tee_pipe", probe_reports_splice_tee_pipe },
	};

	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
