/* SPDX-License-Identifier: MIT */
/*
 * Reads and writes on regular files, which the user engine sends through
 * native AIO with RWF_NOWAIT (src/engine/ops/rw.c): CQE order within a
 * batch, a per-fd hint gone stale when the fd number is reused (for a pipe,
 * for an O_DIRECT file, and back), io_setup, io_submit and io_getevents
 * failing, O_DIRECT reads reaped without entering, and a wait that needs a
 * pipe's CQE while O_DIRECT reads are in flight.  The same program runs on the kernel,
 * whose results it must match.
 */
#include "harness.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "ringer/fault.h"

#define BLK 4096
#define NBLK 64

static char *data; /* the file's contents */
static const char *path;
static char *buf; /* NBLK aligned blocks */

/* The file opened with flags (O_DIRECT may be refused: skip the case). */
static int open_file(int flags)
{
	int fd = open(path, flags);

	if (fd < 0 && errno == EINVAL && (flags & O_DIRECT))
		SKIP_CASE(SKIP_ENVIRONMENT, "the filesystem refuses O_DIRECT");
	REQUIRE_SYS(fd);
	return fd;
}

/* Move fd to number at (closing what was there), so that a number is reused. */
static int move_to(int fd, int at)
{
	REQUIRE_EQ(dup2(fd, at), at);
	REQUIRE_SYS(close(fd));
	return at;
}

static void prep_read_blk(struct io_uring *ring, int fd, unsigned slot, unsigned blk, __u64 ud)
{
	struct io_uring_sqe *sqe = test_get_sqe(ring);

	io_uring_prep_read(sqe, fd, buf + (size_t)slot * BLK, BLK, (__u64)blk * BLK);
	sqe->user_data = ud;
}

/* Reap n CQEs whose user_data is slot << 8 | block; check each block's bytes. */
static void reap_verify(struct io_uring *ring, unsigned n)
{
	struct io_uring_cqe *cqe;

	for (unsigned i = 0; i < n; i++) {
		REQUIRE_EQ(test_wait_cqe_ms(ring, &cqe, 5000), 0);
		CHECK_EQ(cqe->res, BLK);
		CHECK_MEM(buf + (cqe->user_data >> 8) * BLK, data + (cqe->user_data & 0xff) * BLK,
			  BLK);
		io_uring_cqe_seen(ring, cqe);
	}
}

/* n reads of blocks chosen by seed into slots 0..n-1 (user_data: slot << 8 | block) */
static void prep_blocks(struct io_uring *ring, int fd, unsigned n, unsigned seed)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned blk = (i * 7 + seed) % NBLK;

		prep_read_blk(ring, fd, i, blk, (__u64)i << 8 | blk);
	}
}

/* Read n blocks (a batch) through fd and check them. */
static void read_blocks(struct io_uring *ring, int fd, unsigned n, unsigned seed)
{
	prep_blocks(ring, fd, n, seed);
	REQUIRE_EQ(io_uring_submit(ring), (int)n);
	reap_verify(ring, n);
}

TEST(cached_reads_complete_in_submission_order)
{
	struct io_uring ring;
	struct test_cqe c[6];
	int fd = open_file(O_RDONLY);

	test_ring_init(8, &ring, 0);
	REQUIRE_EQ(pread(fd, buf, BLK, 0), BLK); /* in the page cache */
	for (unsigned i = 0; i < 6; i++) {
		struct io_uring_sqe *sqe = test_get_sqe(&ring);

		if (i % 2)
			io_uring_prep_nop(sqe);
		else
			io_uring_prep_read(sqe, fd, buf + i * 100, 100, i * 100);
		sqe->user_data = i;
	}
	CHECK_EQ(test_submit_reap(&ring, c, 6), 6);
	for (unsigned i = 0; i < 6; i++) {
		CHECK_EQ_U(c[i].user_data, i);
		CHECK_EQ(c[i].res, i % 2 ? 0 : 100);
	}
	CHECK_MEM(buf + 200, data + 200, 100);
	io_uring_queue_exit(&ring);
	close(fd);
}

TEST(fd_number_reused_for_a_pipe)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	char rd[16] = { 0 };
	int p[2], fd = open_file(O_RDONLY);

	test_ring_init(8, &ring, 0);
	read_blocks(&ring, fd, 4, 1); /* the engine now knows fd as a regular file */
	REQUIRE_SYS(pipe(p));
	fd = move_to(p[0], fd); /* the same number, now an empty pipe */

	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, rd, sizeof(rd), 0);
	sqe->user_data = 1;
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	/* an empty pipe: the read waits (not -EAGAIN, not EOF) */
	CHECK_TRUE(test_cq_empty_for(&ring, 100));
	REQUIRE_EQ(write(p[1], "abc", 3), 3);
	REQUIRE_EQ(test_wait_cqe_ms(&ring, &cqe, 5000), 0);
	CHECK_EQ(cqe->res, 3);
	CHECK_MEM(rd, "abc", 3);
	io_uring_cqe_seen(&ring, cqe);

	/* a pipe's short read is the result, not continued */
	REQUIRE_EQ(write(p[1], "de", 2), 2);
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, rd, sizeof(rd), 0);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	REQUIRE_EQ(test_wait_cqe_ms(&ring, &cqe, 5000), 0);
	CHECK_EQ(cqe->res, 2);
	CHECK_MEM(rd, "de", 2);
	io_uring_cqe_seen(&ring, cqe);
	io_uring_queue_exit(&ring);
	close(fd);
	close(p[1]);
}

/* Wait for n CQEs by peeking only: no enter, the engine's reaper must post them. */
static unsigned peek_for(struct io_uring *ring, unsigned n, unsigned ms)
{
	unsigned got = 0;

	for (unsigned t = 0; got < n && t < ms; t++) {
		struct io_uring_cqe *cqe;

		while (got < n && io_uring_peek_cqe(ring, &cqe) == 0) {
			CHECK_EQ(cqe->res, BLK);
			CHECK_MEM(buf + (cqe->user_data >> 8) * BLK,
				  data + (cqe->user_data & 0xff) * BLK, BLK);
			io_uring_cqe_seen(ring, cqe);
			got++;
		}
		if (got < n)
			test_sleep_ms(1);
	}
	return got;
}

TEST(fd_number_reused_for_o_direct_and_back)
{
	struct io_uring ring;
	int fd = open_file(O_RDONLY), dfd;

	test_ring_init(32, &ring, 0);
	read_blocks(&ring, fd, 8, 2); /* known as a buffered regular file */
	dfd = open_file(O_RDONLY | O_DIRECT);
	fd = move_to(dfd, fd);
	/*
	 * O_DIRECT under the old hint: the device completes the reads after
	 * io_submit; with no enter to wait in, they must still be posted
	 * (within the 5 s this test waits: the engine's reaper looks
	 * periodically, not only when a caller waits)
	 */
	for (unsigned round = 0; round < 3; round++) {
		prep_blocks(&ring, fd, 16, round);
		REQUIRE_EQ(io_uring_submit(&ring), 16);
		CHECK_EQ_U(peek_for(&ring, 16, 5000), 16);
	}
	/* and waiting in enter */
	read_blocks(&ring, fd, 32, 3);
	/* back to a buffered file at the same number */
	fd = move_to(open_file(O_RDONLY), fd);
	for (int round = 0; round < 3; round++)
		read_blocks(&ring, fd, 32, 4 + round);
	io_uring_queue_exit(&ring);
	close(fd);
}

TEST(o_direct_reaped_without_enter)
{
	struct io_uring ring;
	int fd = open_file(O_RDONLY | O_DIRECT);

	test_ring_init(64, &ring, 0);
	for (unsigned round = 0; round < 5; round++) {
		prep_blocks(&ring, fd, 32, round * 3);
		REQUIRE_EQ(io_uring_submit(&ring), 32);
		CHECK_EQ_U(peek_for(&ring, 32, 5000), 32);
	}
	io_uring_queue_exit(&ring);
	close(fd);
}

/* Reads through both kinds of fd with a fault armed on the engine's call. */
static void reads_under_fault(const char *call, int err)
{
	struct io_uring ring;
	long hits;
	int fd = open_file(O_RDONLY), dfd = open_file(O_RDONLY | O_DIRECT);

	test_ring_init(32, &ring, 0);
	/* armed in the engine only: the kernel's run shows the expected results */
	REQUIRE_EQ(ringer_fault_error(call, err, RINGER_FAULT_ALWAYS), 0);
	for (int round = 0; round < 4; round++) {
		read_blocks(&ring, fd, 32, (unsigned)round);
		read_blocks(&ring, dfd, 32, (unsigned)round + 9);
	}
	hits = ringer_fault_hits(call);
	ringer_fault_reset();
	if (test_backend_is("user"))
		CHECK_GT(hits, 0); /* the fallback really ran */
	io_uring_queue_exit(&ring);
	close(fd);
	close(dfd);
}

TEST(aio_refused)
{
	reads_under_fault("io_submit", EAGAIN);
	reads_under_fault("io_submit", EOPNOTSUPP);
	/* a seccomp profile that refuses AIO too: no context, preadv2 instead */
	reads_under_fault("io_setup", EPERM);
}

TEST(io_getevents_failing)
{
	struct io_uring ring;
	int fd = open(path, O_RDONLY | O_DIRECT);
	long hits;

	if (fd < 0 && errno == EINVAL)
		SKIP_CASE(SKIP_ENVIRONMENT, "the filesystem refuses O_DIRECT");
	REQUIRE_SYS(fd);
	test_ring_init(32, &ring, 0);
	REQUIRE_EQ(ringer_fault_error("io_getevents", EIO, RINGER_FAULT_ALWAYS), 0);
	for (int round = 0; round < 4; round++)
		read_blocks(&ring, fd, 16, (unsigned)round);
	/* a batch may be done (and reaped by the engine's reaper) before the
	 * wait starts: submit and wait in one enter, which waits in
	 * io_getevents on the engine (failing here) */
	for (unsigned round = 0; round < 200 && !ringer_fault_hits("io_getevents"); round++) {
		prep_blocks(&ring, fd, 16, round);
		REQUIRE_EQ(io_uring_submit_and_wait(&ring, 16), 16);
		reap_verify(&ring, 16);
	}
	hits = ringer_fault_hits("io_getevents");
	ringer_fault_reset();
	if (test_backend_is("user"))
		CHECK_GT(hits, 0);
	io_uring_queue_exit(&ring);
	close(fd);
}

struct delayed_write {
	int fd;
	unsigned ms;
};

static void *write_later(void *arg)
{
	struct delayed_write *w = arg;

	test_sleep_ms(w->ms);
	if (write(w->fd, "xyz", 3) != 3)
		abort();
	return NULL;
}

TEST(pipe_cqe_while_o_direct_in_flight)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct delayed_write w;
	pthread_t t;
	char rd[8];
	int p[2], fd = open_file(O_RDONLY | O_DIRECT);
	unsigned reads = 0, pipe_cqes = 0;

	test_ring_init(64, &ring, 0);
	REQUIRE_SYS(pipe(p));
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, p[0], rd, sizeof(rd), 0);
	sqe->user_data = 0xffff;
	for (unsigned i = 0; i < 32; i++)
		prep_read_blk(&ring, fd, i, i, (__u64)i << 8 | i);
	REQUIRE_EQ(io_uring_submit(&ring), 33);
	w.fd = p[1];
	w.ms = 50;
	REQUIRE_EQ(pthread_create(&t, NULL, write_later, &w), 0);
	/* every CQE, the pipe's among them, through waits in enter */
	while (reads + pipe_cqes < 33) {
		REQUIRE_EQ(test_wait_cqe_ms(&ring, &cqe, 5000), 0);
		if (cqe->user_data == 0xffff) {
			CHECK_EQ(cqe->res, 3);
			CHECK_MEM(rd, "xyz", 3);
			pipe_cqes++;
		} else {
			CHECK_EQ(cqe->res, BLK);
			CHECK_MEM(buf + (cqe->user_data >> 8) * BLK,
				  data + (cqe->user_data & 0xff) * BLK, BLK);
			reads++;
		}
		io_uring_cqe_seen(&ring, cqe);
	}
	pthread_join(t, NULL);
	io_uring_queue_exit(&ring);
	close(fd);
	close(p[0]);
	close(p[1]);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(cached_reads_complete_in_submission_order),
		TEST_ENTRY(fd_number_reused_for_a_pipe),
		TEST_ENTRY(fd_number_reused_for_o_direct_and_back),
		TEST_ENTRY(o_direct_reaped_without_enter),
		TEST_ENTRY(aio_refused),
		TEST_ENTRY(io_getevents_failing),
		TEST_ENTRY(pipe_cqe_while_o_direct_in_flight),
	};
	int fd;

	data = malloc((size_t)NBLK * BLK);
	if (!data || posix_memalign((void **)&buf, BLK, (size_t)NBLK * BLK))
		return TEST_FAIL;
	test_fill_random(data, (size_t)NBLK * BLK, 77);
	/* a file in the working directory: /tmp may be a tmpfs without O_DIRECT */
	setenv("TMPDIR", ".", 0);
	fd = test_tmpfile_with(data, (size_t)NBLK * BLK, &path);
	fsync(fd);
	close(fd);
	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
