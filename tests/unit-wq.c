/* SPDX-License-Identifier: MIT */
/*
 * Unit test of the engine's worker pool (src/engine/wq.c): every item runs
 * exactly once, caps hold, hashed items are serialized in order while other
 * keys run in parallel, cancellation, teardown and idle exit leave no thread.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "engine/wq.h"
#include "harness.h"


static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static unsigned nr_tasks(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	unsigned n = 0;

	if (!d)
		FAIL("opendir: %s", strerror(errno));
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Wait (up to ms) until *v reaches want. */
static bool wait_count(atomic_uint *v, unsigned want, unsigned ms)
{
	uint64_t end = now_ms() + ms;

	while (atomic_load(v) < want) {
		if (now_ms() > end)
			return false;
		usleep(200);
	}
	return true;
}

/* Wait (bounded) until want workers are idle. */
static bool wait_idle(struct ringer_wq *wq, unsigned want, unsigned ms)
{
	uint64_t end = now_ms() + ms;

	while (wq_nr_idle(wq) < want) {
		if (now_ms() > end)
			return false;
		usleep(200);
	}
	return true;
}

static bool wait_tasks(unsigned want, unsigned ms)
{
	uint64_t end = now_ms() + ms;

	while (nr_tasks() != want) {
		if (now_ms() > end)
			return false;
		usleep(1000);
	}
	return true;
}

struct item {
	struct wq_work work;
	atomic_uint runs;
	unsigned idx;
	unsigned key;
};

/* ---- every item runs exactly once ---------------------------------------- */

static atomic_uint done;

static void count_fn(struct wq_work *w)
{
	struct item *it = (struct item *)w;

	atomic_fetch_add(&it->runs, 1);
	atomic_fetch_add(&done, 1);
}

/* Counts taken in main() before the cases: what every case must come back to. */
static unsigned base_tasks;

static void test_exactly_once(void)
{
	enum { N = 20000 };
	struct item *items = calloc(N, sizeof(*items));
	struct ringer_wq *wq;
	unsigned i;

	REQUIRE_TRUE(items);
	REQUIRE_TRUE(wq_create(&wq, 4, 4) == 0);
	REQUIRE_TRUE(wq_nr_workers(wq) == 0);
	atomic_store(&done, 0);
	for (i = 0; i < N; i++) {
		items[i].work.fn = count_fn;
		items[i].work.flags = (i & 1) ? WQ_WORK_UNBOUND : 0;
		wq_enqueue(wq, &items[i].work);
	}
	REQUIRE_TRUE(wait_count(&done, N, 20000));
	for (i = 0; i < N; i++)
		if (atomic_load(&items[i].runs) != 1)
			FAIL("item %u ran %u times", i, atomic_load(&items[i].runs));
	REQUIRE_TRUE(wq_nr_workers(wq) <= 8);
	wq_destroy(wq, NULL);
	free(items);
}

static atomic_uint gate; /* blocker items spin until it opens */
static atomic_uint blockers_in;

static void blocker_fn(struct wq_work *w)
{
	uint64_t end = now_ms() + 5000;

	atomic_fetch_add(&blockers_in, 1);
	while (!atomic_load(&gate) && now_ms() < end)
		usleep(200);
	atomic_fetch_add(&((struct item *)w)->runs, 1);
	atomic_fetch_add(&done, 1);
}

/* ---- caps: concurrently running items never exceed the class cap ---------- */

static atomic_uint running[2], peak[2];

static void note_running(unsigned c)
{
	unsigned r = atomic_fetch_add(&running[c], 1) + 1, p;

	p = atomic_load(&peak[c]);
	while (r > p && !atomic_compare_exchange_weak(&peak[c], &p, r))
		;
}

static void cap_fn(struct wq_work *w)
{
	unsigned c = (w->flags & WQ_WORK_UNBOUND) ? 1 : 0;

	note_running(c);
	usleep(300);
	atomic_fetch_sub(&running[c], 1);
	atomic_fetch_add(&done, 1);
}

/* Like cap_fn, but the first ones hold on until the gate opens. */
static void gated_cap_fn(struct wq_work *w)
{
	unsigned c = (w->flags & WQ_WORK_UNBOUND) ? 1 : 0;
	uint64_t end = now_ms() + 5000;

	note_running(c);
	while (!atomic_load(&gate) && now_ms() < end)
		usleep(200);
	usleep(100);
	atomic_fetch_sub(&running[c], 1);
	atomic_fetch_add(&done, 1);
}

static void test_caps(void)
{
	enum { N = 300 };
	struct item *items = calloc(N, sizeof(*items));
	struct ringer_wq *wq;
	uint64_t end;
	unsigned i;

	REQUIRE_TRUE(items);
	REQUIRE_TRUE(wq_create(&wq, 2, 3) == 0);
	atomic_store(&done, 0);
	atomic_store(&gate, 0);
	for (i = 0; i < 2; i++) {
		atomic_store(&running[i], 0);
		atomic_store(&peak[i], 0);
	}
	for (i = 0; i < N; i++) {
		items[i].work.fn = gated_cap_fn;
		items[i].work.flags = (i % 3 == 0) ? 0 : WQ_WORK_UNBOUND;
		wq_enqueue(wq, &items[i].work);
		REQUIRE_TRUE(wq_nr_workers(wq) <= 5);
	}
	/* Blocked items pile up to exactly the caps, and no further. */
	end = now_ms() + 5000;
	while ((atomic_load(&running[0]) < 2 || atomic_load(&running[1]) < 3) && now_ms() < end)
		usleep(500);
	usleep(20000);
	REQUIRE_TRUE(atomic_load(&running[0]) == 2);
	REQUIRE_TRUE(atomic_load(&running[1]) == 3);
	REQUIRE_TRUE(wq_nr_workers(wq) == 5);
	atomic_store(&gate, 1);
	REQUIRE_TRUE(wait_count(&done, N, 20000));
	if (atomic_load(&peak[0]) != 2 || atomic_load(&peak[1]) != 3)
		FAIL("peaks %u %u, caps 2 3", atomic_load(&peak[0]), atomic_load(&peak[1]));
	wq_destroy(wq, NULL);
	free(items);
}

/* ---- never more workers than work ------------------------------------------ */

static void test_lazy_workers(void)
{
	struct item it = { 0 }, gated[3];
	struct ringer_wq *wq;
	unsigned i;

	memset(gated, 0, sizeof(gated));
	REQUIRE_TRUE(wq_create(&wq, 8, 8) == 0);
	atomic_store(&done, 0);
	it.work.fn = count_fn;
	/* One item at a time, each enqueued once the worker has returned from
	 * fn and gone idle: the idle worker takes each item, no new thread.  (An
	 * item that arrives while the worker is still inside fn does get a new
	 * thread, as in the kernel: the pool cannot tell finishing from
	 * blocked.)  Waiting for the idle state, not sleeping a fixed time,
	 * keeps this true on a loaded machine. */
	for (i = 0; i < 50; i++) {
		wq_enqueue(wq, &it.work);
		REQUIRE_TRUE(wait_count(&done, i + 1, 5000));
		REQUIRE_TRUE(wait_idle(wq, 1, 10000));
		REQUIRE_TRUE(wq_nr_workers(wq) == 1);
	}
	REQUIRE_TRUE(atomic_load(&it.runs) == 50);
	wq_destroy(wq, NULL);

	/* Three blocked items under a cap of 8: exactly three workers. */
	REQUIRE_TRUE(wq_create(&wq, 8, 8) == 0);
	atomic_store(&done, 0);
	atomic_store(&gate, 0);
	atomic_store(&blockers_in, 0);
	for (i = 0; i < 3; i++) {
		gated[i].work.fn = blocker_fn;
		wq_enqueue(wq, &gated[i].work);
	}
	REQUIRE_TRUE(wait_count(&blockers_in, 3, 5000));
	REQUIRE_TRUE(wq_nr_workers(wq) == 3);
	atomic_store(&gate, 1);
	REQUIRE_TRUE(wait_count(&done, 3, 5000));
	wq_destroy(wq, NULL);
}

/* ---- hashed: one at a time per key, in order; keys in parallel ------------ */

enum { NKEYS = 4, PER_KEY = 300 };
static atomic_uint key_busy[NKEYS], key_next[NKEYS];
static atomic_uint overlap_errors, order_errors;

static void hashed_fn(struct wq_work *w)
{
	struct item *it = (struct item *)w;

	if (atomic_fetch_add(&key_busy[it->key], 1) != 0)
		atomic_fetch_add(&overlap_errors, 1);
	if (atomic_load(&key_next[it->key]) != it->idx)
		atomic_fetch_add(&order_errors, 1);
	atomic_store(&key_next[it->key], it->idx + 1);
	if (it->idx % 16 == 0)
		usleep(50); /* give other workers a chance to overlap */
	atomic_fetch_sub(&key_busy[it->key], 1);
	atomic_fetch_add(&done, 1);
}

static void test_hashed_order(void)
{
	struct item *items = calloc(NKEYS * PER_KEY, sizeof(*items));
	struct ringer_wq *wq;
	unsigned i, k;

	REQUIRE_TRUE(items);
	REQUIRE_TRUE(wq_create(&wq, 4, 4) == 0);
	atomic_store(&done, 0);
	atomic_store(&overlap_errors, 0);
	atomic_store(&order_errors, 0);
	for (k = 0; k < NKEYS; k++) {
		atomic_store(&key_busy[k], 0);
		atomic_store(&key_next[k], 0);
	}
	for (i = 0; i < PER_KEY; i++) {
		for (k = 0; k < NKEYS; k++) {
			struct item *it = &items[i * NKEYS + k];

			it->key = k;
			it->idx = i;
			it->work.fn = hashed_fn;
			it->work.flags = WQ_WORK_HASHED | (k & 1 ? WQ_WORK_UNBOUND : 0);
			/* Keys that collide in any small table: multiples of 2^32. */
			it->work.hash_key = (uint64_t)k << 32;
			wq_enqueue(wq, &it->work);
		}
	}
	REQUIRE_TRUE(wait_count(&done, NKEYS * PER_KEY, 20000));
	REQUIRE_TRUE(atomic_load(&overlap_errors) == 0);
	REQUIRE_TRUE(atomic_load(&order_errors) == 0);
	for (k = 0; k < NKEYS; k++)
		REQUIRE_TRUE(atomic_load(&key_next[k]) == PER_KEY);
	wq_destroy(wq, NULL);
	free(items);
}

/* Two keys: the item of key A waits for the item of key B to start. */
static atomic_uint b_started, a_saw_b;

static void wait_b_fn(struct wq_work *w)
{
	uint64_t end = now_ms() + 3000;

	while (!atomic_load(&b_started) && now_ms() < end)
		usleep(100);
	atomic_store(&a_saw_b, atomic_load(&b_started));
	atomic_fetch_add(&done, 1);
}

static void mark_b_fn(struct wq_work *w)
{
	atomic_store(&b_started, 1);
	atomic_fetch_add(&done, 1);
}

static void test_hashed_parallel(void)
{
	struct item a = { 0 }, b = { 0 };
	struct ringer_wq *wq;

	REQUIRE_TRUE(wq_create(&wq, 2, 2) == 0);
	atomic_store(&done, 0);
	atomic_store(&b_started, 0);
	atomic_store(&a_saw_b, 0);
	a.work.fn = wait_b_fn;
	a.work.flags = WQ_WORK_HASHED;
	a.work.hash_key = 1;
	b.work.fn = mark_b_fn;
	b.work.flags = WQ_WORK_HASHED;
	b.work.hash_key = 2;
	wq_enqueue(wq, &a.work);
	wq_enqueue(wq, &b.work);
	REQUIRE_TRUE(wait_count(&done, 2, 5000));
	REQUIRE_TRUE(atomic_load(&a_saw_b) == 1);
	wq_destroy(wq, NULL);
}

/* ---- cancel --------------------------------------------------------------- */

static bool match_odd(struct wq_work *w, void *data)
{
	return ((struct item *)w)->idx % 2 == 1 && data == (void *)&gate;
}

static atomic_uint nr_cancelled;

static void cancelled_fn(struct wq_work *w)
{
	struct item *it = (struct item *)w;

	if (atomic_load(&it->runs))
		FAIL("cancelled item %u had run", it->idx);
	atomic_fetch_add(&it->runs, 100);
	atomic_fetch_add(&nr_cancelled, 1);
}

static void test_cancel(void)
{
	enum { N = 20 };
	struct item items[N], blk = { 0 };
	struct ringer_wq *wq;
	unsigned i, ran = 0;

	memset(items, 0, sizeof(items));
	REQUIRE_TRUE(wq_create(&wq, 1, 1) == 0);
	atomic_store(&done, 0);
	atomic_store(&gate, 0);
	atomic_store(&blockers_in, 0);
	atomic_store(&nr_cancelled, 0);
	blk.work.fn = blocker_fn;
	wq_enqueue(wq, &blk.work);
	REQUIRE_TRUE(wait_count(&blockers_in, 1, 5000));
	for (i = 0; i < N; i++) {
		items[i].idx = i;
		items[i].work.fn = blocker_fn;
		wq_enqueue(wq, &items[i].work);
	}
	REQUIRE_TRUE(!wq_cancel(wq, &blk.work)); /* running */
	REQUIRE_TRUE(wq_cancel(wq, &items[0].work));
	REQUIRE_TRUE(!wq_cancel(wq, &items[0].work)); /* already removed */
	REQUIRE_TRUE(wq_cancel(wq, &items[N - 1].work));
	REQUIRE_TRUE(wq_cancel_match(wq, match_odd, &gate, cancelled_fn) == N / 2 - 1);
	REQUIRE_TRUE(atomic_load(&nr_cancelled) == N / 2 - 1);
	atomic_store(&gate, 1);
	/* Left: blocker + even items but 0 = 1 + N/2 - 1 */
	REQUIRE_TRUE(wait_count(&done, N / 2, 5000));
	usleep(20000);
	REQUIRE_TRUE(atomic_load(&done) == N / 2);
	for (i = 0; i < N; i++) {
		unsigned r = atomic_load(&items[i].runs);

		if (i == 0 || i == N - 1)
			REQUIRE_TRUE(r == 0);
		else if (i % 2)
			REQUIRE_TRUE(r == 100);
		else
			ran += r == 1;
	}
	REQUIRE_TRUE(ran == N / 2 - 1);
	REQUIRE_TRUE(!wq_cancel(wq, &items[2].work)); /* has run */
	wq_destroy(wq, NULL);
}

/* Cancel a hashed item that is runnable: the next of its key must still run;
 * cancel one waiting behind its key: the others keep their order. */
static void test_cancel_hashed(void)
{
	enum { N = 6 };
	struct item blk = { 0 }, items[N];
	struct ringer_wq *wq;
	unsigned i;

	memset(items, 0, sizeof(items));
	REQUIRE_TRUE(wq_create(&wq, 1, 1) == 0);
	atomic_store(&done, 0);
	atomic_store(&gate, 0);
	atomic_store(&blockers_in, 0);
	atomic_store(&overlap_errors, 0);
	atomic_store(&order_errors, 0);
	atomic_store(&key_busy[0], 0);
	atomic_store(&key_next[0], 0);
	blk.work.fn = blocker_fn;
	wq_enqueue(wq, &blk.work);
	REQUIRE_TRUE(wait_count(&blockers_in, 1, 5000));
	for (i = 0; i < N; i++) {
		items[i].work.fn = hashed_fn;
		items[i].work.flags = WQ_WORK_HASHED;
		items[i].work.hash_key = 77;
		items[i].key = 0;
		wq_enqueue(wq, &items[i].work);
	}
	REQUIRE_TRUE(wq_cancel(wq, &items[0].work)); /* the runnable one */
	REQUIRE_TRUE(wq_cancel(wq, &items[3].work)); /* one pending behind the key */
	/* hashed_fn checks idx order: renumber the survivors 0.. */
	items[1].idx = 0;
	items[2].idx = 1;
	items[4].idx = 2;
	items[5].idx = 3;
	atomic_store(&gate, 1);
	REQUIRE_TRUE(wait_count(&done, 1 + 4, 5000));
	REQUIRE_TRUE(atomic_load(&order_errors) == 0);
	REQUIRE_TRUE(atomic_load(&overlap_errors) == 0);
	REQUIRE_TRUE(atomic_load(&key_next[0]) == 4);
	wq_destroy(wq, NULL);
}

/* ---- destroy with queued and running items ------------------------------- */

static void test_destroy_busy(void)
{
	enum { N = 30 };
	/* static: a failed case is abandoned with its items still blocked
	 * in workers, which must not then write into a dead stack frame. */
	static struct item items[N];
	struct ringer_wq *wq;
	unsigned i, ran = 0, canc = 0;

	memset(items, 0, sizeof(items));
	REQUIRE_TRUE(wq_create(&wq, 2, 1) == 0);
	atomic_store(&done, 0);
	atomic_store(&gate, 0);
	atomic_store(&blockers_in, 0);
	atomic_store(&nr_cancelled, 0);
	for (i = 0; i < N; i++) {
		items[i].idx = i;
		items[i].work.fn = blocker_fn;
		items[i].work.flags = (i % 3 == 2) ? WQ_WORK_UNBOUND : 0;
		if (i % 5 == 4) {
			items[i].work.flags |= WQ_WORK_HASHED;
			items[i].work.hash_key = 9;
		}
		wq_enqueue(wq, &items[i].work);
	}
	REQUIRE_TRUE(wait_count(&blockers_in, 3, 5000));
	REQUIRE_TRUE(wq_nr_workers(wq) == 3);
	/* Threads joined by the previous case may still be listed for a
	 * moment (a thread's exit completes after the join returns). */
	if (!wait_tasks(base_tasks + 3, 2000))
		FAIL("%u tasks, base %u", nr_tasks(), base_tasks);
	/* Let the three running items finish while destroy waits for them. */
	atomic_store(&gate, 1);
	wq_destroy(wq, cancelled_fn);
	for (i = 0; i < N; i++) {
		unsigned r = atomic_load(&items[i].runs);

		REQUIRE_TRUE(r == 1 || r == 100);
		ran += r == 1;
		canc += r == 100;
	}
	REQUIRE_TRUE(ran == atomic_load(&done));
	REQUIRE_TRUE(canc == atomic_load(&nr_cancelled));
	REQUIRE_TRUE(ran >= 3 && ran + canc == N);
	/* A joined thread leaves /proc/self/task a moment after the join. */
	REQUIRE_TRUE(wait_tasks(base_tasks, 2000));
}

/* ---- idle workers exit; set_max_workers ---------------------------------- */

static void test_idle_exit(void)
{
	enum { N = 64 };
	struct item items[N];
	struct ringer_wq *wq;
	unsigned i, v[2];

	memset(items, 0, sizeof(items));
	REQUIRE_TRUE(wq_create(&wq, 3, 2) == 0);
	atomic_store(&done, 0);
	for (i = 0; i < N; i++) {
		items[i].work.fn = cap_fn;
		items[i].work.flags = i & 1 ? WQ_WORK_UNBOUND : 0;
		wq_enqueue(wq, &items[i].work);
	}
	REQUIRE_TRUE(wait_count(&done, N, 5000));
	REQUIRE_TRUE(wq_nr_workers(wq) >= 1);
	/* ~1 s idle, then every worker is gone (and joined or exiting). */
	{
		uint64_t end = now_ms() + 4000;

		while (wq_nr_workers(wq) && now_ms() < end)
			usleep(10000);
	}
	REQUIRE_TRUE(wq_nr_workers(wq) == 0);
	REQUIRE_TRUE(wait_tasks(base_tasks, 2000));

	/* IORING_REGISTER_IOWQ_MAX_WORKERS semantics. */
	v[0] = 0;
	v[1] = 0;
	REQUIRE_TRUE(wq_set_max_workers(wq, v) == 0);
	REQUIRE_TRUE(v[0] == 3 && v[1] == 2);
	v[0] = 5;
	v[1] = 0;
	REQUIRE_TRUE(wq_set_max_workers(wq, v) == 0);
	REQUIRE_TRUE(v[0] == 3 && v[1] == 2);
	v[0] = 0;
	v[1] = 0;
	REQUIRE_TRUE(wq_set_max_workers(wq, v) == 0);
	REQUIRE_TRUE(v[0] == 5 && v[1] == 2);
	v[0] = 0x80000000u;
	v[1] = 1;
	REQUIRE_TRUE(wq_set_max_workers(wq, v) == -EINVAL);
	wq_destroy(wq, NULL);
}

/* Raising the cap with work queued starts more workers; after lowering it,
 * items that start never run more than the new cap at once. */
static atomic_uint phase2;

static void gated_fn(struct wq_work *w)
{
	uint64_t end = now_ms() + 5000;
	unsigned r = atomic_fetch_add(&running[0], 1) + 1, p;

	if (atomic_load(&phase2)) {
		p = atomic_load(&peak[0]);
		while (r > p && !atomic_compare_exchange_weak(&peak[0], &p, r))
			;
	}
	atomic_fetch_add(&blockers_in, 1);
	while (!atomic_load(&gate) && now_ms() < end)
		usleep(200);
	usleep(100);
	atomic_fetch_sub(&running[0], 1);
	atomic_fetch_add(&done, 1);
}

static void test_set_max_live(void)
{
	enum { N = 40 };
	/* static: a failed case is abandoned with its items still blocked
	 * in workers, which must not then write into a dead stack frame. */
	static struct item items[N];
	struct ringer_wq *wq;
	unsigned i, v[2];

	memset(items, 0, sizeof(items));
	REQUIRE_TRUE(wq_create(&wq, 1, 1) == 0);
	atomic_store(&done, 0);
	atomic_store(&gate, 0);
	atomic_store(&blockers_in, 0);
	atomic_store(&running[0], 0);
	atomic_store(&peak[0], 0);
	atomic_store(&phase2, 0);
	for (i = 0; i < N; i++) {
		items[i].work.fn = gated_fn;
		wq_enqueue(wq, &items[i].work);
	}
	REQUIRE_TRUE(wait_count(&blockers_in, 1, 5000));
	REQUIRE_TRUE(wq_nr_workers(wq) == 1);
	v[0] = 3;
	v[1] = 0;
	REQUIRE_TRUE(wq_set_max_workers(wq, v) == 0);
	REQUIRE_TRUE(v[0] == 1 && v[1] == 1);
	REQUIRE_TRUE(wait_count(&blockers_in, 3, 5000));
	REQUIRE_TRUE(wq_nr_workers(wq) == 3);
	usleep(2000);
	REQUIRE_TRUE(atomic_load(&blockers_in) == 3);
	/* Back to 1: the rest runs one at a time. */
	v[0] = 1;
	v[1] = 0;
	REQUIRE_TRUE(wq_set_max_workers(wq, v) == 0);
	REQUIRE_TRUE(v[0] == 3);
	atomic_store(&phase2, 1);
	atomic_store(&gate, 1);
	REQUIRE_TRUE(wait_count(&done, N, 10000));
	REQUIRE_TRUE(atomic_load(&peak[0]) == 1);
	REQUIRE_TRUE(wq_nr_workers(wq) == 1);
	wq_destroy(wq, NULL);
}

/* ---- several threads enqueue and cancel at once ---------------------------- */

enum { STRESS_THREADS = 3, STRESS_N = 3000 };

struct stress {
	pthread_t thread;
	struct ringer_wq *wq;
	struct item *items;
	unsigned seed;
	unsigned cancelled;
};

static void *stress_main(void *arg)
{
	struct stress *st = arg;
	unsigned i;

	for (i = 0; i < STRESS_N; i++) {
		struct item *it = &st->items[i];

		it->idx = i;
		it->key = i % NKEYS;
		it->work.fn = count_fn;
		it->work.flags = (rand_r(&st->seed) & 1) ? WQ_WORK_UNBOUND : 0;
		if (rand_r(&st->seed) % 3 == 0) {
			it->work.flags |= WQ_WORK_HASHED;
			it->work.hash_key = rand_r(&st->seed) % 5;
		}
		wq_enqueue(st->wq, &it->work);
		/* Cancel an earlier item now and then: queued or not. */
		if (i >= 8 && rand_r(&st->seed) % 4 == 0) {
			struct item *old = &st->items[i - 1 - rand_r(&st->seed) % 8];

			if (wq_cancel(st->wq, &old->work)) {
				atomic_fetch_add(&old->runs, 100);
				st->cancelled++;
			}
		}
	}
	return NULL;
}

static void test_concurrent(void)
{
	struct stress st[STRESS_THREADS];
	struct ringer_wq *wq;
	unsigned i, j, cancelled = 0;

	REQUIRE_TRUE(wq_create(&wq, 2, 3) == 0);
	atomic_store(&done, 0);
	for (i = 0; i < STRESS_THREADS; i++) {
		st[i].wq = wq;
		st[i].items = calloc(STRESS_N, sizeof(struct item));
		st[i].seed = 1234 + i;
		st[i].cancelled = 0;
		REQUIRE_TRUE(st[i].items);
		REQUIRE_TRUE(pthread_create(&st[i].thread, NULL, stress_main, &st[i]) == 0);
	}
	for (i = 0; i < STRESS_THREADS; i++) {
		pthread_join(st[i].thread, NULL);
		cancelled += st[i].cancelled;
	}
	REQUIRE_TRUE(wait_count(&done, STRESS_THREADS * STRESS_N - cancelled, 20000));
	usleep(10000);
	REQUIRE_TRUE(atomic_load(&done) == STRESS_THREADS * STRESS_N - cancelled);
	for (i = 0; i < STRESS_THREADS; i++) {
		for (j = 0; j < STRESS_N; j++) {
			unsigned r = atomic_load(&st[i].items[j].runs);

			/* Ran once, or cancelled and never ran. */
			if (r != 1 && r != 100)
				FAIL("thread %u item %u: runs %u", i, j, r);
		}
		free(st[i].items);
	}
	wq_destroy(wq, NULL);
}

/* ---- worker threads: signals blocked, named ------------------------------- */

static atomic_uint sig_ok, name_ok;

static void thread_props_fn(struct wq_work *w)
{
	sigset_t cur;
	char name[16] = "";

	pthread_sigmask(SIG_SETMASK, NULL, &cur);
	atomic_store(&sig_ok, sigismember(&cur, SIGINT) && sigismember(&cur, SIGTERM) &&
				      sigismember(&cur, SIGUSR1) && sigismember(&cur, SIGALRM) &&
				      !sigismember(&cur, SIGSEGV));
	prctl(PR_GET_NAME, name, 0, 0, 0);
	atomic_store(&name_ok, strcmp(name, "ringer-wq") == 0);
	atomic_fetch_add(&done, 1);
}

static void test_thread_props(void)
{
	struct item it = { 0 };
	struct ringer_wq *wq;
	sigset_t cur;

	REQUIRE_TRUE(wq_create(&wq, 1, 1) == 0);
	atomic_store(&done, 0);
	it.work.fn = thread_props_fn;
	wq_enqueue(wq, &it.work);
	REQUIRE_TRUE(wait_count(&done, 1, 5000));
	REQUIRE_TRUE(atomic_load(&sig_ok));
	REQUIRE_TRUE(atomic_load(&name_ok));
	/* The caller's own mask is restored. */
	pthread_sigmask(SIG_SETMASK, NULL, &cur);
	REQUIRE_TRUE(!sigismember(&cur, SIGINT));
	wq_destroy(wq, NULL);
	REQUIRE_TRUE(wq_create(&wq, 0, 1) == -EINVAL);
}

static void *noop_thread(void *arg)
{
	*(pid_t *)arg = (pid_t)syscall(SYS_gettid);
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		{ "exactly_once", test_exactly_once },
		{ "caps", test_caps },
		{ "lazy_workers", test_lazy_workers },
		{ "hashed_order", test_hashed_order },
		{ "hashed_parallel", test_hashed_parallel },
		{ "cancel", test_cancel },
		{ "cancel_hashed", test_cancel_hashed },
		{ "concurrent", test_concurrent },
		{ "destroy_busy", test_destroy_busy },
		{ "thread_props", test_thread_props },
		{ "set_max_live", test_set_max_live },
		{ "idle_exit", test_idle_exit },
	};
	int ret;
	pthread_t t;
	pid_t tid = 0;
	char path[64];
	uint64_t end;

	/* Sanitizer runtimes start a helper thread with the first
	 * pthread_create: let that happen before counting, and the joined
	 * thread leave /proc/self/task (a moment after the join). */
	REQUIRE_TRUE(pthread_create(&t, NULL, noop_thread, &tid) == 0);
	pthread_join(t, NULL);
	snprintf(path, sizeof(path), "/proc/self/task/%d", (int)tid);
	end = now_ms() + 5000;
	while (access(path, F_OK) == 0 && now_ms() < end)
		usleep(1000);
	base_tasks = nr_tasks();

	ret = test_main(argc, argv, cases, ARRAY_SIZE(cases));
	if (ret != TEST_PASS)
		return ret;
	REQUIRE_TRUE(wait_tasks(base_tasks, 2000));
	printf("unit-wq: ok\n");
	return 0;
}
