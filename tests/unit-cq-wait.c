// SPDX-License-Identifier: MIT
/*
 * Unit test of the engine's GETEVENTS wait (src/engine/cq.c cq_wait()) with
 * the wake-ups a race gives, made to happen on purpose: a waiter woken with
 * nothing posted sleeps again, and one that wakes between a TIMEOUT's claim
 * (cq_timeouts up, ops/timeout.c) and the post of its CQE waits for that CQE
 * instead of returning 0 with the CQ empty (which a timed wait in the
 * library answers with -ETIME, as liburing's).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "engine/api.h"
#include "engine/engine.h"

struct poster {
	struct ring *r;
	bool claim_timeout; /* act as a timeout's firer: claim, then post later */
};

static bool has_waiter(struct ring *r)
{
	bool any;

	pthread_mutex_lock(&r->cq_lock);
	any = r->waiters != NULL;
	pthread_mutex_unlock(&r->cq_lock);
	return any;
}

static void *post_late(void *arg)
{
	struct poster *p = arg;

	while (!has_waiter(p->r))
		test_sleep_ms(1);
	if (p->claim_timeout)
		atomic_fetch_add_explicit(&p->r->cq_timeouts, 1, memory_order_relaxed);
	/* wake-ups with nothing posted: the waiter looks at the ring meanwhile */
	for (int i = 0; i < 3; i++) {
		cq_wake_all(p->r);
		test_sleep_ms(10);
	}
	test_sleep_ms(30);
	cq_post(p->r, 7, -ETIME, 0, true);
	return NULL;
}

/* cq_wait(min 1, 2 s) with p's poster: returns 0 with its CQE, after it. */
static void wait_for_late_cqe(struct poster *p)
{
	struct timespec ts = { .tv_sec = 2 };
	pthread_t th;
	uint64_t t0 = test_now_ns();
	unsigned ready;
	int ret;

	REQUIRE_EQ(pthread_create(&th, NULL, post_late, p), 0);
	ret = cq_wait(p->r, 1, &ts, false, 0, NULL, 0);
	/* acquire: pairs with the poster's release of the tail (its CQE) */
	ready = io_uring_smp_load_acquire(p->r->cq_tail) - IO_URING_READ_ONCE(*p->r->cq_head);
	CHECK_EQ(ret, 0);
	CHECK_MSG(ready == 1, "returned with %u CQEs after %llu ms", ready,
		  (unsigned long long)((test_now_ns() - t0) / 1000000));
	CHECK_GE_U((test_now_ns() - t0) / 1000000, 50);
	pthread_join(th, NULL);
}

static struct ring *engine_ring(int *fd)
{
	struct io_uring_params p;
	struct ring *r;

	memset(&p, 0, sizeof(p));
	*fd = ringer_setup(4, &p);
	REQUIRE_MSG(*fd >= 0, "ringer_setup: %d", *fd);
	r = ring_get(*fd);
	REQUIRE_TRUE(r != NULL);
	return r;
}

/* Woken with nothing posted, the waiter sleeps again until its CQE. */
TEST(spurious_wake_keeps_waiting)
{
	int fd;
	struct poster p = { .r = engine_ring(&fd) };

	wait_for_late_cqe(&p);
	ring_put(p.r);
	ringer_close(fd);
}

/*
 * A timeout claimed (cq_timeouts up) whose CQE is not posted yet: the
 * waiter that wakes in between goes on waiting, and returns with the CQE.
 */
TEST(timeout_claim_before_its_cqe)
{
	int fd;
	struct poster p = { .r = engine_ring(&fd), .claim_timeout = true };

	wait_for_late_cqe(&p);
	ring_put(p.r);
	ringer_close(fd);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(spurious_wake_keeps_waiting),
		TEST_ENTRY(timeout_claim_before_its_cqe),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
