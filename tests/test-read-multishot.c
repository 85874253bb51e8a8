/* SPDX-License-Identifier: MIT */
/*
 * IORING_OP_READ_MULTISHOT: reads of a pollable file into provided buffers,
 * one CQE with IORING_CQE_F_MORE per read, until EOF, an error, -ENOBUFS, a
 * cancellation or a full CQ ends it with a CQE without F_MORE.  The prep's
 * refusals, the file checks (-EBADFD on a file without poll), when a ring's
 * head moves, IOSQE_ASYNC, links, legacy groups, incremental rings.
 */
#include "harness.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <termios.h>

#define BGID 1
#define NBUF 16

static struct io_uring ring;
static struct io_uring_buf_ring *br;
static char bufs[NBUF][32];
static int p[2];
static unsigned nadded;

static void up_entries(unsigned entries)
{
	int err = 0;

	test_ring_init(entries, &ring, 0);
	br = io_uring_setup_buf_ring(&ring, NBUF, BGID, 0, &err);
	REQUIRE_MSG(br != NULL, "setup_buf_ring: %d", err);
	REQUIRE_SYS(pipe(p));
	memset(bufs, 0, sizeof(bufs));
	nadded = 0;
}

static void up(void)
{
	up_entries(16);
}

static void down(void)
{
	close(p[0]);
	close(p[1]);
	io_uring_free_buf_ring(&ring, br, NBUF, BGID);
	io_uring_queue_exit(&ring);
}

/* the next buffer (bid = its index) of len bytes */
static void add(unsigned len)
{
	io_uring_buf_ring_add(br, bufs[nadded % NBUF], len, (unsigned short)(nadded % NBUF),
			      io_uring_buf_ring_mask(NBUF), 0);
	io_uring_buf_ring_advance(br, 1);
	nadded++;
}

static unsigned head(void)
{
	uint16_t h = 0xffff;

	CHECK_EQ(io_uring_buf_ring_head(&ring, BGID, &h), 0);
	return h;
}

static struct io_uring_sqe *mshot(int fd, int bgid, __u64 ud)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_read_multishot(sqe, fd, 0, 0, bgid);
	io_uring_sqe_set_data64(sqe, ud);
	return sqe;
}

static void cancel(__u64 ud)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_cancel64(sqe, ud, 0);
	io_uring_sqe_set_data64(sqe, 1000 + ud);
}

/* one CQE of the request, waited for */
static struct test_cqe next(void)
{
	struct test_cqe c = { 0 };

	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	return c;
}

/* submit one request and reap its one CQE: the result */
static int only(void)
{
	struct test_cqe c = { 0 };

	REQUIRE_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ_U(c.flags & IORING_CQE_F_MORE, 0);
	return c.res;
}

static unsigned more_buf(unsigned bid)
{
	return IORING_CQE_F_BUFFER | IORING_CQE_F_MORE | (bid << IORING_CQE_BUFFER_SHIFT);
}

/* The pipe's write end closed: the request's last CQE, res 0 and no buffer
 * taken, the ring's head where it was (head_now) */
static void eof_ends_it(unsigned head_now)
{
	struct test_cqe c;

	close(p[1]);
	c = next();
	CHECK_EQ(c.res, 0);
	CHECK_EQ_U(c.flags, 0);
	CHECK_EQ(head(), head_now);
	p[1] = open("/dev/null", O_WRONLY);
}

TEST(reads_post_more_until_enobufs)
{
	struct test_cqe c;
	char big[40];

	up();
	add(32);
	REQUIRE_EQ(write(p[1], "0123456789", 10), 10);
	mshot(p[0], BGID, 1);
	CHECK_EQ(io_uring_submit(&ring), 1);
	c = next();
	CHECK_EQ(c.res, 10);
	CHECK_EQ_U(c.flags, more_buf(0));
	CHECK_MEM(bufs[0], "0123456789", 10);
	CHECK_EQ(head(), 1);
	/* armed again, the group empty: no -ENOBUFS while nothing is there */
	CHECK_TRUE(test_cq_empty_for(&ring, 30));
	add(32);
	add(32);
	memset(big, 'x', sizeof(big));
	REQUIRE_EQ(write(p[1], big, sizeof(big)), (int)sizeof(big));
	c = next();
	CHECK_EQ(c.res, 32);
	CHECK_EQ_U(c.flags, more_buf(1));
	c = next();
	CHECK_EQ(c.res, 8);
	CHECK_EQ_U(c.flags, more_buf(2));
	CHECK_EQ(head(), 3);
	CHECK_TRUE(test_cq_empty_for(&ring, 30));
	/* data with no buffer: the end */
	REQUIRE_EQ(write(p[1], "ab", 2), 2);
	c = next();
	CHECK_EQ(c.user_data, 1);
	CHECK_EQ(c.res, -ENOBUFS);
	CHECK_EQ_U(c.flags, 0);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	down();
}

TEST(data_ready_at_submit_fills_buffers)
{
	struct test_cqe c[5];
	char big[100];

	up();
	for (int i = 0; i < 5; i++)
		add(32);
	test_fill_random(big, sizeof(big), 3);
	REQUIRE_EQ(write(p[1], big, sizeof(big)), (int)sizeof(big));
	mshot(p[0], BGID, 2);
	CHECK_EQ(io_uring_submit(&ring), 1);
	REQUIRE_EQ(test_reap(&ring, c, 4, 5000), 4);
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(c[i].res, i < 3 ? 32 : 4);
		CHECK_EQ_U(c[i].flags, more_buf((unsigned)i));
		CHECK_MEM(bufs[i], big + 32 * i, (size_t)c[i].res);
	}
	CHECK_EQ(head(), 4);
	eof_ends_it(4);
	down();
}

/*
 * RWF_NOWAIT: issued at submit, it reads once and ends with -EAGAIN though
 * more is there (the kernel's retry by poll is a wait); nothing there is
 * -EAGAIN at once.  From a worker (IOSQE_ASYNC), which waits by poll
 * before it reads, it reads on.
 */
TEST(nowait_reads_once)
{
	struct io_uring_sqe *sqe;
	struct test_cqe c[4];
	char big[80];

	up();
	for (int i = 0; i < 4; i++)
		add(32);
	memset(big, 'n', sizeof(big));
	REQUIRE_EQ(write(p[1], big, sizeof(big)), (int)sizeof(big));
	mshot(p[0], BGID, 3)->rw_flags = RWF_NOWAIT;
	CHECK_EQ(io_uring_submit(&ring), 1);
	REQUIRE_EQ(test_reap(&ring, c, 2, 5000), 2);
	CHECK_EQ(c[0].res, 32);
	CHECK_EQ_U(c[0].flags, more_buf(0));
	CHECK_EQ(c[1].res, -EAGAIN);
	CHECK_EQ_U(c[1].flags, 0);
	CHECK_EQ(head(), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 30));
	/* 48 bytes left, all read by a worker's, which then waits */
	sqe = mshot(p[0], BGID, 4);
	sqe->rw_flags = RWF_NOWAIT;
	sqe->flags |= IOSQE_ASYNC;
	CHECK_EQ(io_uring_submit(&ring), 1);
	REQUIRE_EQ(test_reap(&ring, c, 2, 5000), 2);
	CHECK_EQ(c[0].res, 32);
	CHECK_EQ_U(c[0].flags, more_buf(1));
	CHECK_EQ(c[1].res, 16);
	CHECK_EQ_U(c[1].flags, more_buf(2));
	CHECK_TRUE(test_cq_empty_for(&ring, 30));
	eof_ends_it(3);
	down();
}

TEST(prep_and_file_errors)
{
	struct io_uring_sqe *sqe;
	int fd, sv[2];

	up();
	for (int i = 0; i < 4; i++)
		add(32);
	/* no provided buffers, an address, a length (even the buffers' size), an ioprio */
	sqe = mshot(p[0], BGID, 1);
	sqe->flags = 0;
	CHECK_EQ(only(), -EINVAL);
	sqe = mshot(p[0], BGID, 2);
	sqe->len = 32;
	CHECK_EQ(only(), -EINVAL);
	sqe = mshot(p[0], BGID, 3);
	sqe->addr = (uintptr_t)bufs[0];
	CHECK_EQ(only(), -EINVAL);
	sqe = mshot(p[0], BGID, 4);
	sqe->ioprio = 1;
	CHECK_EQ(only(), -EINVAL);
	/* a file without poll: -EBADFD, before the group is looked at */
	fd = open("/proc/self/exe", O_RDONLY);
	REQUIRE_GE(fd, 0);
	mshot(fd, 77, 5);
	CHECK_EQ(only(), -EBADFD);
	mshot(fd, BGID, 6);
	CHECK_EQ(only(), -EBADFD);
	close(fd);
	fd = open("/dev/null", O_RDONLY);
	REQUIRE_GE(fd, 0);
	mshot(fd, BGID, 7);
	CHECK_EQ(only(), -EBADFD);
	close(fd);
	mshot(1000, BGID, 8);
	CHECK_EQ(only(), -EBADF);
	/* no group: -ENOBUFS at once, even with nothing to read */
	mshot(p[0], 77, 9);
	CHECK_EQ(only(), -ENOBUFS);
	/* the file's checks come after the buffer, which goes back */
	mshot(p[1], BGID, 10);
	CHECK_EQ(only(), -EBADF);
	sqe = mshot(p[0], BGID, 11);
	sqe->rw_flags = 0x10000;
	CHECK_EQ(only(), -EOPNOTSUPP);
	sqe = mshot(p[0], BGID, 12);
	sqe->off = (__u64)-5;
	CHECK_EQ(only(), -EINVAL);
	sqe = mshot(p[0], BGID, 13);
	sqe->rw_flags = RWF_NOWAIT; /* would block: the end */
	CHECK_EQ(only(), -EAGAIN);
	CHECK_EQ(head(), 0);
	/* a socket at an offset but 0 or -1 */
	REQUIRE_SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	sqe = mshot(sv[0], BGID, 14);
	sqe->off = 3;
	CHECK_EQ(only(), -ESPIPE);
	CHECK_EQ(head(), 0);
	close(sv[0]);
	close(sv[1]);
	down();
}

TEST(cancel_parked)
{
	struct io_uring_sqe *sqe;
	struct test_cqe c[2];

	up();
	add(32);
	mshot(p[0], BGID, 1);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	cancel(1);
	REQUIRE_EQ(test_submit_reap(&ring, c, 2), 1);
	CHECK_EQ(test_find_cqe(c, 2, 1001)->res, 0);
	CHECK_EQ(test_find_cqe(c, 2, 1)->res, -ECANCELED);
	CHECK_EQ_U(test_find_cqe(c, 2, 1)->flags, 0);
	CHECK_EQ(head(), 0); /* its buffer was not taken */
	/* by fd, after a read */
	REQUIRE_EQ(write(p[1], "ab", 2), 2);
	mshot(p[0], BGID, 2);
	CHECK_EQ(io_uring_submit(&ring), 1);
	c[0] = next();
	CHECK_EQ(c[0].res, 2);
	CHECK_EQ_U(c[0].flags, more_buf(0));
	sqe = test_get_sqe(&ring);
	io_uring_prep_cancel_fd(sqe, p[0], 0);
	io_uring_sqe_set_data64(sqe, 99);
	REQUIRE_EQ(test_submit_reap(&ring, c, 2), 1);
	CHECK_EQ(test_find_cqe(c, 2, 99)->res, 0);
	CHECK_EQ(test_find_cqe(c, 2, 2)->res, -ECANCELED);
	down();
}

/* A cancellation right after a CQE, while the read may still be re-arming: found */
TEST(cancel_right_after_a_cqe)
{
	struct test_cqe c[2];

	up();
	for (int i = 0; i < 200; i++) {
		add(32);
		mshot(p[0], BGID, 1);
		CHECK_EQ(io_uring_submit(&ring), 1);
		REQUIRE_EQ(write(p[1], "x", 1), 1);
		c[0] = next();
		REQUIRE_EQ(c[0].res, 1);
		cancel(1);
		CHECK_EQ(io_uring_submit(&ring), 1);
		REQUIRE_EQ(test_reap(&ring, c, 2, 5000), 2);
		REQUIRE_TRUE(test_find_cqe(c, 2, 1001) && test_find_cqe(c, 2, 1));
		REQUIRE_EQ(test_find_cqe(c, 2, 1001)->res, 0);
		REQUIRE_EQ(test_find_cqe(c, 2, 1)->res, -ECANCELED);
		REQUIRE_EQ_U(test_find_cqe(c, 2, 1)->flags, 0);
	}
	down();
}

TEST(eventfd_reads)
{
	struct test_cqe c;
	int ev = eventfd(0, 0);

	up();
	REQUIRE_GE(ev, 0);
	add(32);
	add(32);
	mshot(ev, BGID, 1);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	REQUIRE_EQ(eventfd_write(ev, 3), 0);
	c = next();
	CHECK_EQ(c.res, 8);
	CHECK_EQ_U(c.flags, more_buf(0));
	CHECK_EQ(*(uint64_t *)bufs[0], 3);
	REQUIRE_EQ(eventfd_write(ev, 4), 0);
	c = next();
	CHECK_EQ(c.res, 8);
	CHECK_EQ_U(c.flags, more_buf(1));
	CHECK_EQ(*(uint64_t *)bufs[1], 4);
	cancel(1);
	CHECK_EQ(io_uring_submit(&ring), 1);
	{
		struct test_cqe two[2];

		REQUIRE_EQ(test_reap(&ring, two, 2, 5000), 2);
		CHECK_EQ(test_find_cqe(two, 2, 1)->res, -ECANCELED);
	}
	/* a buffer too small for the counter: -EINVAL, the buffer stays in the ring */
	add(4);
	mshot(ev, BGID, 2);
	CHECK_EQ(io_uring_submit(&ring), 1);
	REQUIRE_EQ(eventfd_write(ev, 5), 0);
	c = next();
	CHECK_EQ(c.res, -EINVAL);
	CHECK_EQ_U(c.flags, 0);
	CHECK_EQ(head(), 2);
	close(ev);
	down();
}

/* IOSQE_ASYNC: io-wq arms the poll without reading, so no buffer is taken */
TEST(async_waits_without_a_buffer)
{
	struct test_cqe c;

	up();
	add(4);
	add(32);
	mshot(p[0], BGID, 1)->flags |= IOSQE_ASYNC;
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 30));
	CHECK_EQ(head(), 0);
	REQUIRE_EQ(write(p[1], "async", 5), 5);
	c = next();
	CHECK_EQ(c.res, 4);
	CHECK_EQ_U(c.flags, more_buf(0));
	c = next();
	CHECK_EQ(c.res, 1);
	CHECK_EQ_U(c.flags, more_buf(1));
	CHECK_EQ(head(), 2);
	add(32);
	close(p[1]);
	c = next();
	CHECK_EQ(c.res, 0);
	CHECK_EQ_U(c.flags, 0);
	p[1] = open("/dev/null", O_WRONLY);
	/* a file without poll, from a worker too */
	{
		int fd = open("/proc/self/exe", O_RDONLY);

		REQUIRE_GE(fd, 0);
		mshot(fd, BGID, 2)->flags |= IOSQE_ASYNC;
		CHECK_EQ(only(), -EBADFD);
		close(fd);
	}
	down();
}

/* A full CQ ends it: that read's CQE, with its buffer, is the last (overflowed) */
TEST(full_cq_ends_it)
{
	struct test_cqe c;
	unsigned n = 0, hd;
	struct io_uring_cqe *cqe;
	char data[60], left[64];

	up_entries(4); /* 8 CQEs */
	for (int i = 0; i < 12; i++)
		add(4);
	memset(data, 'z', sizeof(data));
	REQUIRE_EQ(write(p[1], data, sizeof(data)), (int)sizeof(data));
	mshot(p[0], BGID, 1);
	CHECK_EQ(io_uring_submit(&ring), 1);
	io_uring_for_each_cqe(&ring, hd, cqe)
	{
		CHECK_EQ(cqe->res, 4);
		CHECK_EQ_U(cqe->flags, more_buf(n));
		n++;
	}
	CHECK_EQ(n, 8);
	io_uring_cq_advance(&ring, n);
	c = next();
	CHECK_EQ(c.res, 4);
	CHECK_EQ_U(c.flags, test_buf_flags(8));
	CHECK_EQ(head(), 9);
	REQUIRE_SYS(fcntl(p[0], F_SETFL, O_NONBLOCK));
	CHECK_EQ(read(p[0], left, sizeof(left)), 24);
	down();
}

TEST(legacy_group_and_link)
{
	static char lb[2][16];
	struct test_cqe c[2];
	struct io_uring_sqe *sqe;

	up();
	io_uring_prep_provide_buffers(test_get_sqe(&ring), lb, 16, 2, 5, 0);
	CHECK_EQ(only(), 0);
	REQUIRE_EQ(write(p[1], "legacy", 6), 6);
	/* a NOP linked after it runs when it ends */
	sqe = mshot(p[0], 5, 1);
	sqe->flags |= IOSQE_IO_LINK;
	sqe = test_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, 2);
	CHECK_EQ(io_uring_submit(&ring), 2);
	c[0] = next();
	CHECK_EQ(c[0].user_data, 1);
	CHECK_EQ(c[0].res, 6);
	CHECK_EQ_U(c[0].flags, more_buf(0));
	CHECK_MEM(lb[0], "legacy", 6);
	REQUIRE_EQ(write(p[1], "again", 5), 5);
	c[0] = next();
	CHECK_EQ(c[0].res, 5);
	CHECK_EQ_U(c[0].flags, more_buf(1));
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	REQUIRE_EQ(write(p[1], "third", 5), 5);
	REQUIRE_EQ(test_reap(&ring, c, 2, 5000), 2);
	CHECK_EQ(c[0].user_data, 1);
	CHECK_EQ(c[0].res, -ENOBUFS);
	CHECK_EQ_U(c[0].flags, 0);
	/* a failed head fails its link */
	CHECK_EQ(c[1].user_data, 2);
	CHECK_EQ(c[1].res, -ECANCELED);
	down();
}

TEST(incremental_ring)
{
	struct io_uring_buf_ring *inc;
	static char ib[64];
	struct test_cqe c;
	int err = 0;

	up();
	inc = io_uring_setup_buf_ring(&ring, 4, 9, IOU_PBUF_RING_INC, &err);
	if (!inc && err == -EINVAL)
		test_skip_if_refused(-EOPNOTSUPP, "incremental buffer rings");
	REQUIRE_MSG(inc != NULL, "setup_buf_ring: %d", err);
	io_uring_buf_ring_add(inc, ib, sizeof(ib), 3, io_uring_buf_ring_mask(4), 0);
	io_uring_buf_ring_advance(inc, 1);
	REQUIRE_EQ(write(p[1], "abcd", 4), 4);
	mshot(p[0], 9, 1);
	CHECK_EQ(io_uring_submit(&ring), 1);
	c = next();
	CHECK_EQ(c.res, 4);
	CHECK_EQ_U(c.flags, more_buf(3) | IORING_CQE_F_BUF_MORE);
	REQUIRE_EQ(write(p[1], "efg", 3), 3);
	c = next();
	CHECK_EQ(c.res, 3);
	CHECK_EQ_U(c.flags, more_buf(3) | IORING_CQE_F_BUF_MORE);
	CHECK_MEM(ib, "abcdefg", 7);
	cancel(1);
	CHECK_EQ(io_uring_submit(&ring), 1);
	{
		struct test_cqe two[2];

		REQUIRE_EQ(test_reap(&ring, two, 2, 5000), 2);
		CHECK_EQ(test_find_cqe(two, 2, 1)->res, -ECANCELED);
	}
	CHECK_EQ(io_uring_free_buf_ring(&ring, inc, 4, 9), 0);
	down();
}

TEST(fixed_file_and_probe)
{
	struct io_uring_probe *probe;
	struct test_cqe c;

	up();
	probe = io_uring_get_probe_ring(&ring);
	REQUIRE_TRUE(probe != NULL);
	CHECK_TRUE(io_uring_opcode_supported(probe, IORING_OP_READ_MULTISHOT));
	io_uring_free_probe(probe);
	REQUIRE_EQ(io_uring_register_files(&ring, &p[0], 1), 0);
	add(32);
	mshot(0, BGID, 1)->flags |= IOSQE_FIXED_FILE;
	CHECK_EQ(io_uring_submit(&ring), 1);
	REQUIRE_EQ(write(p[1], "fx", 2), 2);
	c = next();
	CHECK_EQ(c.res, 2);
	CHECK_EQ_U(c.flags, more_buf(0));
	/* the request holds the file: closing the fd does not end it */
	close(p[0]);
	REQUIRE_EQ(io_uring_unregister_files(&ring), 0);
	add(32);
	REQUIRE_EQ(write(p[1], "held", 4), 4);
	c = next();
	CHECK_EQ(c.res, 4);
	CHECK_EQ_U(c.flags, more_buf(1));
	/* EOF with a buffer there: res 0, the buffer not taken */
	add(32);
	close(p[1]);
	c = next();
	CHECK_EQ(c.res, 0);
	CHECK_EQ_U(c.flags, 0);
	CHECK_EQ(head(), 2);
	REQUIRE_SYS(pipe(p));
	down();
}

/* the program's own reader of the pty: every byte it reads counts */
static atomic_uint pty_taken;

static void *pty_reader(void *arg)
{
	int fd = *(int *)arg;
	char c;

	while (read(fd, &c, 1) == 1 && c != 'q')
		atomic_fetch_add(&pty_taken, 1);
	return NULL;
}

/*
 * A file without RWF_NOWAIT support (a pty): it is read once poll says it
 * is readable.  The program reads the pty too, in a thread of its own; each
 * byte goes to one of the two.  When the thread took the byte after the
 * ring's poll saw it, the read must not wait in the reactor's thread: the
 * ring's other requests (a receive) still complete, and the multishot goes
 * on.  The kernel's read waits in the submitting task's task work then (it
 * holds the task until the next byte, or is interrupted: -EINTR; probed on
 * 6.18), so this case runs on the engine only.
 */
TEST(no_nowait_file_never_blocks)
{
	static char pbufs[4][8];
	struct io_uring_buf_ring *pbr;
	struct io_uring_sqe *sqe;
	struct test_cqe cqe;
	struct termios t;
	int m, s, sv[2], err = 0;
	unsigned taken = 0;
	pthread_t th;
	char c;

	if (test_backend_is("kernel")) {
		SKIP_CASE(SKIP_KERNEL_LACKS, "its read of a pty another thread emptied waits in the "
					     "submitting task (or ends -EINTR)");
		return;
	}
	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || grantpt(m) || unlockpt(m)) {
		SKIP_CASE(SKIP_ENVIRONMENT, "no pty");
		return;
	}
	s = open(ptsname(m), O_RDWR | O_NOCTTY | O_CLOEXEC);
	REQUIRE_GE(s, 0);
	REQUIRE_SYS(tcgetattr(s, &t));
	cfmakeraw(&t);
	REQUIRE_SYS(tcsetattr(s, TCSANOW, &t));
	test_ring_init(16, &ring, 0);
	pbr = io_uring_setup_buf_ring(&ring, 4, BGID, 0, &err);
	REQUIRE_MSG(pbr != NULL, "setup_buf_ring: %d", err);
	for (int b = 0; b < 4; b++)
		io_uring_buf_ring_add(pbr, pbufs[b], 8, (unsigned short)b, 3, b);
	io_uring_buf_ring_advance(pbr, 4);
	REQUIRE_SYS(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	mshot(m, BGID, 1);
	CHECK_EQ(io_uring_submit(&ring), 1);
	atomic_store(&pty_taken, 0);
	REQUIRE_EQ(pthread_create(&th, NULL, pty_reader, &m), 0);
	/* (CHECKs only: a read stuck in the reactor must be let go below) */
	for (int round = 0; round < 300 && !test_case_failed(); round++) {
		unsigned waited = 0;

		CHECK_EQ(write(s, "x", 1), 1);
		/* the byte, in the ring or the program's thread */
		for (;;) {
			if (io_uring_peek_cqe(&ring, &(struct io_uring_cqe *){ NULL }) == 0) {
				REQUIRE_EQ(test_reap(&ring, &cqe, 1, 0), 1);
				CHECK_EQ(cqe.user_data, 1);
				CHECK_EQ(cqe.res, 1);
				if (!(cqe.flags & IORING_CQE_F_MORE)) {
					CHECK_MSG(false, "round %d: the multishot ended", round);
					break;
				}
				io_uring_buf_ring_add(pbr, pbufs[cqe.flags >> IORING_CQE_BUFFER_SHIFT],
						      8,
						      (unsigned short)(cqe.flags >>
								       IORING_CQE_BUFFER_SHIFT),
						      3, 0);
				io_uring_buf_ring_advance(pbr, 1);
				break;
			}
			if (atomic_load(&pty_taken) != taken) {
				taken++;
				break;
			}
			if (++waited == 5000) {
				CHECK_MSG(false, "round %d: nobody read the byte", round);
				break;
			}
			usleep(100);
		}
		/* the reactor is free: a receive completes */
		sqe = io_uring_get_sqe(&ring);
		if (!CHECK_TRUE(sqe != NULL))
			break;
		io_uring_prep_recv(sqe, sv[0], &c, 1, 0);
		io_uring_sqe_set_data64(sqe, 2);
		CHECK_EQ(io_uring_submit(&ring), 1);
		CHECK_EQ(write(sv[1], "y", 1), 1);
		CHECK_MSG(test_reap(&ring, &cqe, 1, 2000) == 1 && cqe.user_data == 2,
			  "round %d: the receive did not complete", round);
	}
	/* a read stuck in the reactor takes these and lets go; 'q' ends the thread */
	for (int i = 0; i < 4; i++)
		CHECK_EQ(write(s, "q", 1), 1);
	pthread_join(th, NULL);
	io_uring_free_buf_ring(&ring, pbr, 4, BGID);
	io_uring_queue_exit(&ring);
	close(sv[0]);
	close(sv[1]);
	close(s);
	close(m);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(reads_post_more_until_enobufs),
		TEST_ENTRY(data_ready_at_submit_fills_buffers),
		TEST_ENTRY(nowait_reads_once),
		TEST_ENTRY(prep_and_file_errors),
		TEST_ENTRY(cancel_parked),
		TEST_ENTRY(cancel_right_after_a_cqe),
		TEST_ENTRY(eventfd_reads),
		TEST_ENTRY(async_waits_without_a_buffer),
		TEST_ENTRY(full_cq_ends_it),
		TEST_ENTRY(legacy_group_and_link),
		TEST_ENTRY(incremental_ring),
		TEST_ENTRY(fixed_file_and_probe),
		TEST_ENTRY(no_nowait_file_never_blocks),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
