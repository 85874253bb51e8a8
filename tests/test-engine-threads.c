// SPDX-License-Identifier: MIT
/*
 * Threads: one ring driven by a submitting thread and a reaping thread;
 * eight threads with a ring each; a million NOPs through one ring.  Runs on
 * both backends.  RINGER_TEST_SCALE (percent, default 100) sizes the loops;
 * sanitizer builds run a tenth.
 */
#include <pthread.h>
#include <fcntl.h>

#include "raw.h"

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define SAN_DIV 10
#else
#define SAN_DIV 1
#endif

static unsigned scaled(unsigned n)
{
	const char *s = getenv("RINGER_TEST_SCALE");
	unsigned pct = s ? (unsigned)atoi(s) : 100;

	n = (unsigned)((unsigned long long)n * pct / 100 / SAN_DIV);
	return n ? n : 1;
}

/* one ring, two threads */
static struct raw_ring R1;
static unsigned total1;
static _Atomic unsigned reaped1;

static void *reaper(void *arg)
{
	uint64_t expect = 0;
	struct io_uring_cqe c;

	while (expect < total1) {
		if (!raw_pop(&R1, &c)) {
			int ret = raw_enter(R1.fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0);

			if (ret < 0 && ret != -EINTR) {
				CHECK_EQ(ret, 0);
				break;
			}
			continue;
		}
		/* NOPs complete inline, in order */
		if (c.user_data != expect || c.res != 0) {
			CHECK_EQ(c.user_data, expect);
			CHECK_EQ(c.res, 0);
			break;
		}
		expect++;
		atomic_store(&reaped1, (unsigned)expect);
	}
	return NULL;
}

TEST(submit_and_reap_threads)
{
	pthread_t th;
	unsigned sent = 0;

	total1 = scaled(200000);
	CHECK_EQ(raw_ring_init(&R1, 64, NULL), 0);
	pthread_create(&th, NULL, reaper, NULL);
	while (sent < total1) {
		unsigned head = io_uring_smp_load_acquire(R1.sq_head);
		unsigned room = R1.p.sq_entries - (R1.tail - head), n = 0;

		/* do not run more than the CQ can hold ahead of the reaper */
		while (n < room && sent < total1 && sent - atomic_load(&reaped1) < R1.p.cq_entries) {
			raw_nop(&R1, sent++, 0);
			n++;
		}
		if (!n) {
			sched_yield();
			continue;
		}
		raw_publish(&R1);
		CHECK_EQ(raw_enter(R1.fd, n, 0, 0, NULL, 0), (int)n);
	}
	pthread_join(th, NULL);
	CHECK_EQ(atomic_load(&reaped1), total1);
	raw_ring_exit(&R1);
}

/* eight rings, eight threads, NOPs and file reads */
static int shared_fd;
static char shared_data[65536];

static void *ring_thread(void *arg)
{
	struct raw_ring r;
	unsigned n = scaled(20000), done = 0, sent = 0;
	char buf[512];
	long id = (long)arg;

	if (raw_ring_init(&r, 32, NULL)) {
		CHECK_MSG(0, "thread %ld setup", id);
		return NULL;
	}
	while (done < n) {
		struct io_uring_cqe c;
		unsigned k = 0;

		while (k < 16 && sent < n) {
			if (sent % 2) {
				raw_nop(&r, sent, 0);
			} else {
				struct io_uring_sqe *s = raw_sqe(&r);
				unsigned off = (sent * 97) % (sizeof(shared_data) - sizeof(buf));

				s->opcode = IORING_OP_READ;
				s->fd = shared_fd;
				s->addr = (uintptr_t)buf;
				s->len = sizeof(buf);
				s->off = off;
				s->user_data = sent;
			}
			sent++;
			k++;
		}
		CHECK_EQ(raw_submit(&r, k, k, IORING_ENTER_GETEVENTS), (int)k);
		while (raw_pop(&r, &c)) {
			if (c.user_data % 2)
				CHECK_EQ(c.res, 0);
			else
				CHECK_EQ(c.res, (int)sizeof(buf));
			done++;
		}
		/* the reads share one buffer: check the last one only */
	}
	raw_ring_exit(&r);
	return NULL;
}

TEST(eight_rings)
{
	char path[] = "/tmp/ringer-thr-XXXXXX";
	pthread_t th[8];

	shared_fd = mkstemp(path);
	unlink(path);
	for (unsigned i = 0; i < sizeof(shared_data); i++)
		shared_data[i] = (char)i;
	CHECK_EQ(write(shared_fd, shared_data, sizeof(shared_data)), (long long)sizeof(shared_data));
	for (long i = 0; i < 8; i++)
		pthread_create(&th[i], NULL, ring_thread, (void *)i);
	for (int i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
	close(shared_fd);
}

TEST(million_nops)
{
	struct raw_ring r;
	unsigned n = scaled(1000000), sent = 0, got = 0;
	struct io_uring_cqe c;

	CHECK_EQ(raw_ring_init(&r, 256, NULL), 0);
	while (got < n) {
		unsigned k = 0;

		while (k < 256 && sent < n) {
			raw_nop(&r, sent++, 0);
			k++;
		}
		raw_publish(&r);
		CHECK_EQ(raw_enter(r.fd, k, k, IORING_ENTER_GETEVENTS, NULL, 0), (int)k);
		while (raw_pop(&r, &c)) {
			if (c.user_data != got) {
				CHECK_EQ(c.user_data, got);
				got = n;
				break;
			}
			got++;
		}
	}
	CHECK_EQ(*r.sq_dropped, 0);
	CHECK_EQ(*r.cq_overflow, 0);
	raw_ring_exit(&r);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(submit_and_reap_threads),
		TEST_ENTRY(eight_rings),
		TEST_ENTRY(million_nops),
	};
	struct raw_ring probe;

	raw_skip_if_refused(raw_ring_init(&probe, 1, NULL));
	raw_ring_exit(&probe);
	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
