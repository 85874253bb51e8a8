/* SPDX-License-Identifier: MIT */
/*
 * Buffer rings shared by requests that select at the same time: a READ the
 * submitting thread issues and a READ_MULTISHOT woken by data on another
 * pipe take buffers from one ring.  Each buffer must go to one read only: a
 * bid comes back in a CQE once per time the program put it in the ring.
 */
#include "harness.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>

#define BGID  3
#define NBUF  8
#define BUFSZ 16

static struct io_uring ring;
static struct io_uring_buf_ring *br;
static char bufs[NBUF][BUFSZ];
static bool in_ring[NBUF];

static void give(unsigned bid)
{
	in_ring[bid] = true;
	io_uring_buf_ring_add(br, bufs[bid], BUFSZ, (unsigned short)bid,
			      io_uring_buf_ring_mask(NBUF), 0);
	io_uring_buf_ring_advance(br, 1);
}

static atomic_bool stop_writer;

/* keeps the multishot's pipe readable: the reactor reads it while the test's
 * thread reads the other one */
static void *writer(void *arg)
{
	int fd = *(int *)arg;

	while (!atomic_load(&stop_writer))
		if (write(fd, "w", 1) < 0)
			sched_yield();
	return NULL;
}

static void read_select(int fd, __u64 ud)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_read(sqe, fd, NULL, BUFSZ, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = BGID;
	io_uring_sqe_set_data64(sqe, ud);
}

static void mshot(int fd)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_read_multishot(sqe, fd, 0, 0, BGID);
	io_uring_sqe_set_data64(sqe, 2);
}

/*
 * Every CQE that names a buffer must name one the ring holds; the buffers
 * then go back.  *mshot_live false: the multishot ended (submit it again).
 */
static void reap_all(unsigned *dups, bool *mshot_live)
{
	struct io_uring_cqe *cqe;
	unsigned head, n = 0;

	io_uring_for_each_cqe (&ring, head, cqe) {
		if (cqe->flags & IORING_CQE_F_BUFFER) {
			unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;

			if (bid >= NBUF || !in_ring[bid])
				(*dups)++;
			else
				in_ring[bid] = false;
		}
		if (cqe->user_data == 2 && !(cqe->flags & IORING_CQE_F_MORE))
			*mshot_live = false;
		n++;
	}
	io_uring_cq_advance(&ring, n);
	for (unsigned b = 0; b < NBUF; b++)
		if (!in_ring[b] && !*dups)
			give(b);
}

TEST(read_and_multishot_never_share_a_buffer)
{
	int a[2], b[2], err = 0;
	unsigned dups = 0, rounds = 0;
	bool mshot_live = false;
	uint64_t end;
	pthread_t th;

	test_ring_init(64, &ring, 0);
	br = io_uring_setup_buf_ring(&ring, NBUF, BGID, 0, &err);
	REQUIRE_MSG(br != NULL, "setup_buf_ring: %d", err);
	for (unsigned i = 0; i < NBUF; i++)
		give(i);
	REQUIRE_SYS(pipe2(a, O_NONBLOCK));
	REQUIRE_SYS(pipe2(b, O_NONBLOCK));
	atomic_store(&stop_writer, false);
	REQUIRE_EQ(pthread_create(&th, NULL, writer, &b[1]), 0);
	end = test_now_ns() + 1500 * 1000000ULL;
	while (test_now_ns() < end && !dups) {
		if (!mshot_live) {
			mshot(b[0]);
			mshot_live = true;
		}
		/* data there: the read runs at submit, in this thread */
		if (write(a[1], "0123456789abcdef", BUFSZ) < 0)
			CHECK_ERRNO(errno, EAGAIN);
		read_select(a[0], 1);
		REQUIRE_GE(io_uring_submit_and_wait(&ring, 1), 1);
		reap_all(&dups, &mshot_live);
		rounds++;
	}
	atomic_store(&stop_writer, true);
	pthread_join(th, NULL);
	CHECK_MSG(dups == 0, "a buffer named by two CQEs (round %u)", rounds);
	io_uring_free_buf_ring(&ring, br, NBUF, BGID);
	io_uring_queue_exit(&ring);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(read_and_multishot_never_share_a_buffer),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
