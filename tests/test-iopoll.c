/* SPDX-License-Identifier: MIT */
/*
 * IOPOLL rings: opcodes that cannot be
 * polled are refused at submit (-EINVAL, the batch stops), buffered reads and
 * writes give -EOPNOTSUPP, a NOP posts without GETEVENTS, O_DIRECT reads and
 * writes complete only in io_uring_enter(GETEVENTS), which reaps until
 * min_complete are there, data verified; teardown with requests never polled.
 *
 * This machine's kernel cannot poll its disk (virtio-blk without poll
 * queues): an O_DIRECT read on an IOPOLL ring completes at once with
 * -EOPNOTSUPP (probed on ext4).  On the kernel backend the polled-I/O cases
 * then skip (SKIP_KERNEL_LACKS, with the result seen): nothing of them was
 * compared.  The engine polls such files all the same (a divergence listed
 * in engine.h), so on the user backend they run in full; the refusals, the
 * NOP and teardown are compared on both.
 */
#include "harness.h"

#include <fcntl.h>
#include <poll.h>

#define BS 4096

static int enter(struct io_uring *ring, unsigned sub, unsigned min, unsigned flags)
{
	return io_uring_enter(ring->ring_fd, sub, min, flags, NULL);
}

/* Publish the prepared SQEs without the library's submit (which adds GETEVENTS). */
static unsigned publish(struct io_uring *ring)
{
	unsigned n = ring->sq.sqe_tail - ring->sq.sqe_head;

	ring->sq.sqe_head = ring->sq.sqe_tail;
	/* release: the SQE contents are visible before the executor sees the tail */
	io_uring_smp_store_release(ring->sq.ktail, ring->sq.sqe_tail);
	return n;
}

static bool pop(struct io_uring *ring, struct test_cqe *out)
{
	unsigned head = *ring->cq.khead;
	struct io_uring_cqe *c;

	if (io_uring_smp_load_acquire(ring->cq.ktail) == head)
		return false;
	c = &ring->cq.cqes[head & ring->cq.ring_mask];
	out->user_data = c->user_data;
	out->res = c->res;
	out->flags = c->flags;
	io_uring_cq_advance(ring, 1);
	return true;
}

/*
 * An O_DIRECT temporary file of n blocks with a known pattern (*pattern, to
 * free).  Skips the case where the filesystem refuses O_DIRECT: call it
 * before allocating anything else.
 */
static int direct_file(unsigned blocks, unsigned char **pattern)
{
	unsigned char *p;
	const char *path;
	int fd = test_tmpfile(&path), dfd;

	p = malloc((size_t)blocks * BS);
	REQUIRE_TRUE(p != NULL);
	test_fill_random(p, (size_t)blocks * BS, 42);
	REQUIRE_EQ(pwrite(fd, p, (size_t)blocks * BS, 0), (ssize_t)blocks * BS);
	REQUIRE_SYS(fsync(fd));
	close(fd);
	dfd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (dfd < 0 && errno == EINVAL) {
		free(p);
		SKIP_CASE(SKIP_ENVIRONMENT, "the filesystem of $TMPDIR refuses O_DIRECT");
	}
	REQUIRE_SYS(dfd);
	*pattern = p;
	return dfd;
}

static void *abuf(size_t len)
{
	void *b = NULL;

	if (posix_memalign(&b, BS, len))
		return NULL;
	memset(b, 0, len);
	return b;
}

TEST(refused_opcodes_stop_the_batch)
{
	static const unsigned char ops[] = { IORING_OP_FSYNC, IORING_OP_TIMEOUT,
					     IORING_OP_TIMEOUT_REMOVE, IORING_OP_POLL_ADD,
					     IORING_OP_OPENAT };
	struct io_uring ring;
	struct test_cqe c;
	struct __kernel_timespec ts = { 1, 0 };
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	REQUIRE_GE(fd, 0);
	test_ring_init(8, &ring, IORING_SETUP_IOPOLL);
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
		struct io_uring_sqe *sqe;

		io_uring_prep_nop(test_get_sqe(&ring));
		io_uring_sqe_set_data64(&ring.sq.sqes[(ring.sq.sqe_tail - 1) & ring.sq.ring_mask],
					1);
		sqe = test_get_sqe(&ring);
		switch (ops[i]) {
		case IORING_OP_FSYNC:
			io_uring_prep_fsync(sqe, fd, 0);
			break;
		case IORING_OP_TIMEOUT:
			io_uring_prep_timeout(sqe, &ts, 0, 0);
			break;
		case IORING_OP_TIMEOUT_REMOVE:
			io_uring_prep_timeout_remove(sqe, 1, 0);
			break;
		case IORING_OP_POLL_ADD:
			io_uring_prep_poll_add(sqe, fd, POLLIN);
			break;
		default:
			io_uring_prep_openat(sqe, AT_FDCWD, "/dev/null", O_RDONLY, 0);
			break;
		}
		io_uring_sqe_set_data64(sqe, 2);
		io_uring_prep_nop(test_get_sqe(&ring));
		io_uring_sqe_set_data64(&ring.sq.sqes[(ring.sq.sqe_tail - 1) & ring.sq.ring_mask],
					3);
		publish(&ring);
		/* the refused SQE counts as submitted; the one after it is not taken */
		CHECK_EQ(enter(&ring, 3, 0, 0), 2);
		REQUIRE_TRUE(pop(&ring, &c));
		CHECK_EQ_U(c.user_data, 1);
		CHECK_EQ(c.res, 0);
		REQUIRE_TRUE(pop(&ring, &c));
		CHECK_EQ_U(c.user_data, 2);
		CHECK_EQ(c.res, -EINVAL);
		CHECK_FALSE(pop(&ring, &c));
		/* the left-over NOP goes with the next enter */
		CHECK_EQ(enter(&ring, 1, 0, 0), 1);
		REQUIRE_TRUE(pop(&ring, &c));
		CHECK_EQ_U(c.user_data, 3);
		CHECK_EQ(c.res, 0);
	}
	io_uring_queue_exit(&ring);
	close(fd);
}

TEST(nop_posts_without_getevents)
{
	struct io_uring ring;
	struct test_cqe c;

	test_ring_init(4, &ring, IORING_SETUP_IOPOLL);
	io_uring_prep_nop(test_get_sqe(&ring));
	publish(&ring);
	CHECK_EQ(enter(&ring, 1, 0, 0), 1);
	REQUIRE_TRUE(pop(&ring, &c));
	CHECK_EQ(c.res, 0);
	/* GETEVENTS with nothing in flight returns at once, whatever min_complete */
	CHECK_EQ(enter(&ring, 0, 1, IORING_ENTER_GETEVENTS), 0);
	CHECK_EQ(enter(&ring, 0, 4, IORING_ENTER_GETEVENTS), 0);
	io_uring_queue_exit(&ring);
}

TEST(buffered_file_is_eopnotsupp)
{
	struct io_uring ring;
	struct test_cqe c;
	const char *path;
	char buf[64] = { 0 };
	int fd = test_tmpfile_with("hello, world", 12, &path);

	REQUIRE_GE(fd, 0);
	test_ring_init(4, &ring, IORING_SETUP_IOPOLL);
	io_uring_prep_read(test_get_sqe(&ring), fd, buf, sizeof(buf), 0);
	io_uring_prep_write(test_get_sqe(&ring), fd, buf, 4, 0);
	publish(&ring);
	CHECK_EQ(enter(&ring, 2, 2, IORING_ENTER_GETEVENTS), 2);
	for (int i = 0; i < 2; i++) {
		REQUIRE_TRUE(pop(&ring, &c));
		CHECK_EQ(c.res, -EOPNOTSUPP);
	}
	CHECK_EQ(buf[0], 0);
	io_uring_queue_exit(&ring);
	close(fd);
}

/*
 * The kernel here cannot poll the disk: true when the result says so, on
 * the kernel backend only (the engine polls any O_DIRECT file).  The case
 * then cleans up and skips: nothing after this point was compared.
 */
static bool kernel_cannot_poll(int res)
{
	return test_backend_is("kernel") && res == -EOPNOTSUPP;
}

#define SKIP_CANNOT_POLL(what)                                                   \
	SKIP_CASE(SKIP_KERNEL_LACKS, "the kernel cannot poll this device: " what \
				     " on an IOPOLL ring gives -EOPNOTSUPP")

TEST(direct_reads_reaped_by_getevents)
{
	struct io_uring ring;
	struct test_cqe c;
	unsigned char *pattern = NULL, *buf[4];
	int fd = direct_file(4, &pattern);
	bool cannot_poll = false;

	test_ring_init(8, &ring, IORING_SETUP_IOPOLL);
	for (int i = 0; i < 4; i++)
		buf[i] = abuf(BS);

	/* one read: no CQE without GETEVENTS */
	io_uring_prep_read(test_get_sqe(&ring), fd, buf[0], BS, 0);
	io_uring_sqe_set_data64(&ring.sq.sqes[(ring.sq.sqe_tail - 1) & ring.sq.ring_mask], 10);
	publish(&ring);
	CHECK_EQ(enter(&ring, 1, 0, 0), 1);
	test_sleep_ms(50);
	if (pop(&ring, &c)) {
		cannot_poll = kernel_cannot_poll(c.res);
		/* on the engine, or any other result: a CQE without GETEVENTS */
		CHECK_TRUE(cannot_poll);
		goto out;
	}
	CHECK_EQ(enter(&ring, 0, 1, IORING_ENTER_GETEVENTS), 0);
	REQUIRE_TRUE(pop(&ring, &c));
	CHECK_EQ_U(c.user_data, 10);
	CHECK_EQ(c.res, BS);
	CHECK_MEM(buf[0], pattern, BS);

	/*
	 * three reads, min_complete 0: polls once, never blocks, reaps what
	 * the device has done.  The reads are issued at submit; 50 ms later
	 * (done or not) still no CQE shows before a GETEVENTS.  How many the
	 * device has finished by the first GETEVENTS depends on the machine's
	 * load, so poll with min_complete 0 until all three are reaped (each
	 * call returns 0 at once), under a generous deadline.
	 */
	for (int i = 1; i < 4; i++) {
		io_uring_prep_read(test_get_sqe(&ring), fd, buf[i], BS, (uint64_t)i * BS);
		io_uring_sqe_set_data64(&ring.sq.sqes[(ring.sq.sqe_tail - 1) & ring.sq.ring_mask],
					(uint64_t)(20 + i));
	}
	publish(&ring);
	CHECK_EQ(enter(&ring, 3, 0, 0), 3);
	test_sleep_ms(50);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 0);
	CHECK_EQ(enter(&ring, 0, 0, IORING_ENTER_GETEVENTS), 0);
	for (int i = 0; i < 10000 && io_uring_cq_ready(&ring) < 3; i++) {
		test_sleep_ms(1);
		CHECK_EQ(enter(&ring, 0, 0, IORING_ENTER_GETEVENTS), 0);
	}
	CHECK_EQ_U(io_uring_cq_ready(&ring), 3);

	/* the CQ holds events: GETEVENTS returns at once and polls nothing */
	memset(buf[0], 0, BS);
	io_uring_prep_read(test_get_sqe(&ring), fd, buf[0], BS, 0);
	io_uring_sqe_set_data64(&ring.sq.sqes[(ring.sq.sqe_tail - 1) & ring.sq.ring_mask], 30);
	publish(&ring);
	CHECK_EQ(enter(&ring, 1, 1, IORING_ENTER_GETEVENTS), 1);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 3);
	for (int i = 1; i < 4; i++) {
		REQUIRE_TRUE(pop(&ring, &c));
		CHECK_EQ_U(c.user_data, (uint64_t)(20 + i));
		CHECK_EQ(c.res, BS);
		CHECK_MEM(buf[i], pattern + (size_t)i * BS, BS);
	}
	/* now it polls: the library's wait enters with GETEVENTS */
	{
		struct io_uring_cqe *cqe;

		REQUIRE_EQ(io_uring_wait_cqe(&ring, &cqe), 0);
		CHECK_EQ_U(cqe->user_data, 30);
		CHECK_EQ(cqe->res, BS);
		io_uring_cqe_seen(&ring, cqe);
		CHECK_MEM(buf[0], pattern, BS);
	}
out:
	io_uring_queue_exit(&ring);
	for (int i = 0; i < 4; i++)
		free(buf[i]);
	free(pattern);
	close(fd);
	if (cannot_poll)
		SKIP_CANNOT_POLL("an O_DIRECT read");
}

TEST(direct_write_then_read)
{
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	unsigned char *pattern = NULL;
	int fd = direct_file(2, &pattern);
	unsigned char *w = abuf(BS), *r = abuf(BS);
	const char *cannot_poll = NULL;

	test_ring_init(8, &ring, IORING_SETUP_IOPOLL);
	test_fill_random(w, BS, 7);
	io_uring_prep_write(test_get_sqe(&ring), fd, w, BS, BS);
	CHECK_EQ(io_uring_submit(&ring), 1);
	REQUIRE_EQ(io_uring_wait_cqe(&ring, &cqe), 0);
	printf("# O_DIRECT write on an IOPOLL ring: %d\n", cqe->res);
	if (kernel_cannot_poll(cqe->res)) {
		io_uring_cqe_seen(&ring, cqe);
		cannot_poll = "the kernel cannot poll this device: an O_DIRECT write on an "
			      "IOPOLL ring gives -EOPNOTSUPP";
		goto out;
	}
	CHECK_EQ(cqe->res, BS);
	io_uring_cqe_seen(&ring, cqe);
	io_uring_prep_read(test_get_sqe(&ring), fd, r, BS, BS);
	CHECK_EQ(io_uring_submit_and_wait(&ring, 1), 1);
	REQUIRE_EQ(io_uring_wait_cqe(&ring, &cqe), 0);
	printf("# O_DIRECT read after write on an IOPOLL ring: %d\n", cqe->res);
	/* this kernel was seen to complete the polled write and refuse the read */
	if (kernel_cannot_poll(cqe->res)) {
		cannot_poll = "the kernel cannot poll this device: an O_DIRECT read (after "
			      "the polled write) on an IOPOLL ring gives -EOPNOTSUPP";
	} else {
		CHECK_EQ(cqe->res, BS);
		CHECK_MEM(r, w, BS);
	}
	io_uring_cqe_seen(&ring, cqe);
out:
	io_uring_queue_exit(&ring);
	free(w);
	free(r);
	free(pattern);
	close(fd);
	if (cannot_poll)
		SKIP_CASE(SKIP_KERNEL_LACKS, cannot_poll);
}

/* SQPOLL + IOPOLL: the poller does the polling; the application only waits. */
TEST(sqpoll_iopoll)
{
	struct io_uring ring;
	struct io_uring_params p;
	struct io_uring_cqe *cqe;
	unsigned char *pattern = NULL;
	int fd = direct_file(1, &pattern);
	unsigned char *b = abuf(BS);
	bool cannot_poll;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQPOLL | IORING_SETUP_IOPOLL;
	p.sq_thread_idle = 100;
	test_ring_init_params(4, &ring, &p);
	io_uring_prep_read(test_get_sqe(&ring), fd, b, BS, 0);
	CHECK_GE(io_uring_submit(&ring), 1);
	REQUIRE_EQ(test_wait_cqe_ms(&ring, &cqe, 5000), 0);
	cannot_poll = kernel_cannot_poll(cqe->res);
	if (!cannot_poll) {
		CHECK_EQ(cqe->res, BS);
		CHECK_MEM(b, pattern, BS);
	}
	io_uring_cqe_seen(&ring, cqe);
	io_uring_queue_exit(&ring);
	free(b);
	free(pattern);
	close(fd);
	if (cannot_poll)
		SKIP_CANNOT_POLL("an O_DIRECT read");
}

/* Closing a ring with reads nobody polled: no leak, no hang. */
TEST(teardown_unpolled)
{
	unsigned char *pattern = NULL;
	int fd = direct_file(4, &pattern), threads, fds;
	unsigned char *b = abuf(4 * BS);
	struct io_uring ring;

	threads = test_count_threads();
	fds = test_count_fds();
	for (int round = 0; round < 50; round++) {
		test_ring_init(8, &ring, IORING_SETUP_IOPOLL);
		for (int i = 0; i < 4; i++)
			io_uring_prep_read(test_get_sqe(&ring), fd, b + i * BS, BS,
					   (uint64_t)i * BS);
		publish(&ring);
		CHECK_EQ(enter(&ring, 4, 0, 0), 4);
		io_uring_queue_exit(&ring);
	}
	for (int i = 0; i < 200 && (test_count_threads() > threads || test_count_fds() > fds);
	     i++)
		test_sleep_ms(10);
	CHECK_LE(test_count_threads(), threads);
	CHECK_LE(test_count_fds(), fds);
	free(b);
	free(pattern);
	close(fd);
}

/* Native AIO contexts of this process: "/[aio] (deleted)" lines of its maps. */
static int aio_contexts(void)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, "[aio]") != NULL;
	fclose(f);
	return n;
}

/*
 * Polling with nothing in flight, by GETEVENTS or by an SQ poller, does no
 * I/O, so it makes nothing that would need undoing: the engine polls O_DIRECT
 * I/O through a native AIO context, and io_destroy(2) waits for an RCU grace
 * period, which an IOPOLL ring would pay at close, and every forked child
 * holding one at exit.  The kernel makes none.
 */
TEST(polling_nothing_makes_no_aio_context)
{
	struct io_uring ring;
	struct test_cqe c = { .res = 1 };
	int before = aio_contexts();

	REQUIRE_GE(before, 0);
	test_ring_init(4, &ring, IORING_SETUP_IOPOLL);
	CHECK_EQ(enter(&ring, 0, 1, IORING_ENTER_GETEVENTS), 0);
	CHECK_EQ(aio_contexts(), before);
	io_uring_queue_exit(&ring);

	test_ring_init(4, &ring, IORING_SETUP_IOPOLL | IORING_SETUP_SQPOLL);
	io_uring_prep_nop(test_get_sqe(&ring));
	CHECK_EQ(io_uring_submit(&ring), 1);
	/* the poller took the NOP: it ran polling passes */
	for (int i = 0; i < 2000 && !pop(&ring, &c); i++)
		test_sleep_ms(1);
	CHECK_EQ(c.res, 0);
	test_sleep_ms(20);
	CHECK_EQ(aio_contexts(), before);
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(refused_opcodes_stop_the_batch),
		TEST_ENTRY(nop_posts_without_getevents),
		TEST_ENTRY(buffered_file_is_eopnotsupp),
		TEST_ENTRY(direct_reads_reaped_by_getevents),
		TEST_ENTRY(direct_write_then_read),
		TEST_ENTRY(sqpoll_iopoll),
		TEST_ENTRY(teardown_unpolled),
		TEST_ENTRY(polling_nothing_makes_no_aio_context),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
