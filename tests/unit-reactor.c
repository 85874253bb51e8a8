/* SPDX-License-Identifier: MIT */
/*
 * Unit test of the engine's readiness reactor (src/engine/reactor.c): fd
 * readiness, several entries on one fd, closed fds, 10,000 armed fds, cancel
 * semantics, re-arming from fn, timers on three clocks in deadline order,
 * teardown that hands armed entries back and leaves no thread or fd.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "engine/reactor.h"
#include "harness.h"


#define MS 1000000ULL

static uint64_t now_on(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ms(void)
{
	return now_on(CLOCK_MONOTONIC) / MS;
}

static unsigned count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	unsigned n = 0;

	if (!d)
		FAIL("opendir %s: %s", path, strerror(errno));
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static unsigned nr_tasks(void)
{
	return count_dir("/proc/self/task");
}

/* A joined thread leaves /proc/self/task a moment after the join. */
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

static unsigned nr_fds(void)
{
	return count_dir("/proc/self/fd") - 1; /* the DIR's own fd */
}

struct ent {
	struct reactor_entry e; /* first: the callbacks cast back */
	atomic_uint fired;
	atomic_uint revents;
	atomic_uint cancelled;
	atomic_ullong fired_at; /* on the entry's clock */
	clockid_t clock;
	unsigned order; /* position among fired timers */
	/* for re-arming and cross-cancelling */
	struct ringer_reactor *r;
	unsigned rearm;
	struct ent *victim;
	atomic_int victim_cancel; /* reactor_cancel(victim) result + 1 */
	atomic_int self_cancel;
};

static atomic_uint fire_seq;

static void record_fn(struct reactor_entry *e, uint32_t revents)
{
	struct ent *t = (struct ent *)e;

	t->order = atomic_fetch_add(&fire_seq, 1);
	atomic_store(&t->fired_at, now_on(t->clock));
	atomic_store(&t->revents, revents);
	atomic_fetch_add(&t->fired, 1);
}

static void cancelled_fn(struct reactor_entry *e)
{
	atomic_fetch_add(&((struct ent *)e)->cancelled, 1);
}

static bool wait_fired(struct ent *t, unsigned n, unsigned ms)
{
	uint64_t end = now_ms() + ms;

	while (atomic_load(&t->fired) < n) {
		if (now_ms() > end)
			return false;
		usleep(200);
	}
	return true;
}

static void init_ent(struct ent *t, struct ringer_reactor *r, int fd, uint32_t events)
{
	memset(t, 0, sizeof(*t));
	t->e.fd = fd;
	t->e.events = events;
	t->e.fn = record_fn;
	t->clock = CLOCK_MONOTONIC;
	t->r = r;
}

/* ---- fd readiness ---------------------------------------------------------- */

/* Counts taken in main() before the cases: what every case must come back to. */
static unsigned base_tasks, base_fds;

static void test_pipe_in(void)
{
	struct ringer_reactor *r;
	struct ent t;
	int p[2];
	char c = 'x';

	REQUIRE_TRUE(pipe(p) == 0);
	REQUIRE_TRUE(reactor_create(&r) == 0);
	REQUIRE_TRUE(reactor_nr_threads(r) == 0); /* lazily started */
	init_ent(&t, r, p[0], POLLIN);
	REQUIRE_TRUE(reactor_arm(r, &t.e) == 0);
	REQUIRE_TRUE(reactor_nr_threads(r) == 1);
	usleep(20000);
	REQUIRE_TRUE(atomic_load(&t.fired) == 0); /* empty pipe: nothing yet */
	REQUIRE_TRUE(write(p[1], &c, 1) == 1);
	REQUIRE_TRUE(wait_fired(&t, 1, 3000));
	REQUIRE_TRUE(atomic_load(&t.revents) & POLLIN);
	usleep(10000);
	REQUIRE_TRUE(atomic_load(&t.fired) == 1); /* one-shot, though still readable */
	REQUIRE_TRUE(!reactor_cancel(r, &t.e)); /* already fired */
	reactor_destroy(r, cancelled_fn);
	REQUIRE_TRUE(atomic_load(&t.cancelled) == 0);
	close(p[0]);
	close(p[1]);
}

static void test_same_fd_in_out(void)
{
	struct ringer_reactor *r;
	struct ent in, out, in2;
	int sv[2];
	char c = 'y';

	REQUIRE_TRUE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	REQUIRE_TRUE(reactor_create(&r) == 0);
	init_ent(&in, r, sv[0], POLLIN);
	init_ent(&in2, r, sv[0], POLLIN);
	init_ent(&out, r, sv[0], POLLOUT);
	REQUIRE_TRUE(reactor_arm(r, &in.e) == 0);
	REQUIRE_TRUE(reactor_arm(r, &out.e) == 0);
	REQUIRE_TRUE(reactor_arm(r, &in2.e) == 0);
	REQUIRE_TRUE(wait_fired(&out, 1, 3000)); /* writable at once */
	REQUIRE_TRUE(atomic_load(&out.revents) & POLLOUT);
	usleep(20000);
	REQUIRE_TRUE(atomic_load(&in.fired) == 0);
	REQUIRE_TRUE(atomic_load(&in2.fired) == 0);
	REQUIRE_TRUE(write(sv[1], &c, 1) == 1);
	REQUIRE_TRUE(wait_fired(&in, 1, 3000));
	REQUIRE_TRUE(wait_fired(&in2, 1, 3000)); /* both waiters on the fd */
	REQUIRE_TRUE(atomic_load(&in.revents) & POLLIN);
	REQUIRE_TRUE(!(atomic_load(&in.revents) & POLLOUT)); /* only the asked-for bits */
	REQUIRE_TRUE(atomic_load(&in2.revents) & POLLIN);
	REQUIRE_TRUE(atomic_load(&out.fired) == 1);
	reactor_destroy(r, NULL);
	close(sv[0]);
	close(sv[1]);
}

/* More entries than RLIMIT_NOFILE allows pollfds, all on one fd. */
static void test_many_on_one_fd(void)
{
	enum { N = 2000 };
	struct ringer_reactor *r;
	struct ent *t = calloc(N, sizeof(*t));
	struct rlimit old, low;
	unsigned i;
	int p[2];

	REQUIRE_TRUE(t);
	REQUIRE_TRUE(pipe(p) == 0);
	REQUIRE_TRUE(getrlimit(RLIMIT_NOFILE, &old) == 0);
	low = old;
	low.rlim_cur = 256;
	REQUIRE_TRUE(setrlimit(RLIMIT_NOFILE, &low) == 0);
	REQUIRE_TRUE(reactor_create(&r) == 0);
	for (i = 0; i < N; i++) {
		init_ent(&t[i], r, p[0], POLLIN);
		REQUIRE_TRUE(reactor_arm(r, &t[i].e) == 0);
	}
	usleep(10000);
	REQUIRE_TRUE(write(p[1], "!", 1) == 1);
	for (i = 0; i < N; i++)
		REQUIRE_TRUE(wait_fired(&t[i], 1, 3000));
	reactor_destroy(r, NULL);
	REQUIRE_TRUE(setrlimit(RLIMIT_NOFILE, &old) == 0);
	close(p[0]);
	close(p[1]);
	free(t);
}

/*
 * A closed fd, as the kernel's io_uring sees the fd of a pending request
 * closed: a file still referenced elsewhere (the engine's requests hold a
 * duplicate) is still watched; a file that is gone leaves its entries armed
 * until cancelled, also when the number is reused; a number closed before
 * the arming reports POLLNVAL at once.
 */
static void test_closed_fd(void)
{
	struct ringer_reactor *r;
	struct ent t, u, v;
	int p[2], q[2], s[2], held;

	REQUIRE_TRUE(pipe(p) == 0);
	REQUIRE_TRUE(pipe(q) == 0);
	REQUIRE_TRUE(reactor_create(&r) == 0);
	/* Closed while armed, the file held by another fd: still watched. */
	held = dup(p[0]);
	REQUIRE_TRUE(held >= 0);
	init_ent(&t, r, p[0], POLLIN);
	REQUIRE_TRUE(reactor_arm(r, &t.e) == 0);
	usleep(10000);
	REQUIRE_TRUE(close(p[0]) == 0);
	usleep(10000);
	REQUIRE_TRUE(atomic_load(&t.fired) == 0);
	REQUIRE_TRUE(write(p[1], "a", 1) == 1);
	REQUIRE_TRUE(wait_fired(&t, 1, 3000));
	REQUIRE_TRUE(atomic_load(&t.revents) & POLLIN);
	close(held);
	close(p[1]);

	/* Closed while armed, its last reference (the write end stays open,
	 * so no POLLHUP): armed until cancelled... */
	REQUIRE_TRUE(pipe(p) == 0);
	init_ent(&t, r, p[0], POLLIN);
	REQUIRE_TRUE(reactor_arm(r, &t.e) == 0);
	usleep(10000);
	REQUIRE_TRUE(close(p[0]) == 0);
	/* ...also when the number names another file armed since, which
	 * alone fires. */
	REQUIRE_TRUE(pipe(s) == 0);
	REQUIRE_TRUE(s[0] == p[0]); /* the lowest free number */
	init_ent(&v, r, s[0], POLLIN);
	REQUIRE_TRUE(reactor_arm(r, &v.e) == 0);
	REQUIRE_TRUE(write(s[1], "b", 1) == 1);
	REQUIRE_TRUE(wait_fired(&v, 1, 3000));
	usleep(20000);
	REQUIRE_TRUE(atomic_load(&t.fired) == 0);
	REQUIRE_TRUE(reactor_cancel(r, &t.e));
	REQUIRE_TRUE(atomic_load(&t.fired) == 0);
	close(s[0]);
	close(s[1]);
	close(p[1]);

	/* Already closed when armed. */
	REQUIRE_TRUE(close(q[0]) == 0);
	init_ent(&u, r, q[0], POLLIN);
	REQUIRE_TRUE(reactor_arm(r, &u.e) == 0);
	REQUIRE_TRUE(wait_fired(&u, 1, 3000));
	REQUIRE_TRUE(atomic_load(&u.revents) & POLLNVAL);
	/* Negative fds are refused: they could never be ready. */
	init_ent(&u, r, -1, POLLIN);
	REQUIRE_TRUE(reactor_arm(r, &u.e) == -EBADF);
	reactor_destroy(r, NULL);
	close(q[1]);
}

/*
 * Scale: 10,000 fds armed (eventfds: one fd each), then one made ready: it
 * fires, and the reactor looked at the entries of that fd only (no rescan
 * of all armed ones); the others cost nothing meanwhile.
 */
static void test_scale(void)
{
	enum { N = 10000 };
	struct ringer_reactor *r;
	struct ent *t = calloc(N, sizeof(*t));
	int *fd = calloc(N, sizeof(*fd));
	static const unsigned made_ready[] = { 17, 5016, 9999 };
	struct rlimit old, want;
	uint64_t looked, one = 1;
	unsigned i, k;

	REQUIRE_TRUE(t && fd);
	REQUIRE_TRUE(getrlimit(RLIMIT_NOFILE, &old) == 0);
	want = old;
	if (want.rlim_cur < N + 256) {
		want.rlim_cur = N + 256;
		if (want.rlim_max < want.rlim_cur || setrlimit(RLIMIT_NOFILE, &want)) {
			free(t);
			free(fd);
			SKIP_CASE(SKIP_ENVIRONMENT, "RLIMIT_NOFILE cannot reach 10256");
		}
	}
	for (i = 0; i < N; i++) {
		fd[i] = eventfd(0, EFD_CLOEXEC);
		REQUIRE_TRUE(fd[i] >= 0);
	}
	REQUIRE_TRUE(reactor_create(&r) == 0);
	for (i = 0; i < N; i++) {
		init_ent(&t[i], r, fd[i], POLLIN);
		REQUIRE_TRUE(reactor_arm(r, &t[i].e) == 0);
	}
	usleep(20000);
	for (k = 0; k < ARRAY_SIZE(made_ready); k++) {
		i = made_ready[k];
		looked = reactor_nr_looked(r);
		REQUIRE_TRUE(write(fd[i], &one, sizeof(one)) == sizeof(one));
		REQUIRE_TRUE(wait_fired(&t[i], 1, 3000));
		/* the entries of one fd looked at, not N */
		REQUIRE_TRUE(reactor_nr_looked(r) - looked == 1);
	}
	for (i = 0, k = 0; i < N; i++)
		k += atomic_load(&t[i].fired);
	REQUIRE_TRUE(k == ARRAY_SIZE(made_ready));
	reactor_destroy(r, NULL);
	for (i = 0; i < N; i++)
		close(fd[i]);
	REQUIRE_TRUE(setrlimit(RLIMIT_NOFILE, &old) == 0);
	free(t);
	free(fd);
}

static void test_cancel(void)
{
	struct ringer_reactor *r;
	struct ent t, tm;
	uint64_t deadline;
	int p[2];
	char c = 'z';

	REQUIRE_TRUE(pipe(p) == 0);
	REQUIRE_TRUE(reactor_create(&r) == 0);
	init_ent(&t, r, p[0], POLLIN);
	REQUIRE_TRUE(reactor_arm(r, &t.e) == 0);
	init_ent(&tm, r, -1, 0);
	/* Far enough that a loaded machine still cancels it in time. */
	deadline = now_on(CLOCK_MONOTONIC) + 200 * MS;
	REQUIRE_TRUE(reactor_arm_timer(r, &tm.e, CLOCK_MONOTONIC, deadline) == 0);
	REQUIRE_TRUE(reactor_arm(r, &t.e) == -EBUSY); /* armed already */
	REQUIRE_TRUE(reactor_arm_timer(r, &t.e, CLOCK_MONOTONIC, 0) == -EBUSY);
	REQUIRE_TRUE(reactor_arm(r, &tm.e) == -EBADF); /* a timer entry has fd -1 */
	tm.e.fd = p[0];
	REQUIRE_TRUE(reactor_arm(r, &tm.e) == -EBUSY);
	tm.e.fd = -1;
	usleep(5000);
	REQUIRE_TRUE(reactor_cancel(r, &t.e));
	REQUIRE_TRUE(reactor_cancel(r, &tm.e));
	REQUIRE_TRUE(!reactor_cancel(r, &t.e)); /* no longer armed */
	REQUIRE_TRUE(write(p[1], &c, 1) == 1);
	while (now_on(CLOCK_MONOTONIC) < deadline + 50 * MS)
		usleep(10000);
	REQUIRE_TRUE(atomic_load(&t.fired) == 0);
	REQUIRE_TRUE(atomic_load(&tm.fired) == 0);
	/* Arm again after a cancel: works normally. */
	REQUIRE_TRUE(reactor_arm(r, &t.e) == 0);
	REQUIRE_TRUE(wait_fired(&t, 1, 3000));
	reactor_destroy(r, cancelled_fn);
	REQUIRE_TRUE(atomic_load(&t.cancelled) == 0 && atomic_load(&tm.cancelled) == 0);
	close(p[0]);
	close(p[1]);
}

/* fn of the first of two due timers cancels the second (fired, fn not
 * started: true, never runs) and tries to cancel itself (false). */
static void cancel_other_fn(struct reactor_entry *e, uint32_t revents)
{
	struct ent *t = (struct ent *)e;

	atomic_store(&t->self_cancel, reactor_cancel(t->r, e) + 1);
	if (t->victim)
		atomic_store(&t->victim_cancel, reactor_cancel(t->r, &t->victim->e) + 1);
	record_fn(e, revents);
}

/* Arms a, then b, both due, from the reactor thread: the next turn of the
 * loop finds both expired and queues them, a first. */
static struct ent *setup_a, *setup_b;

static void arm_both_fn(struct reactor_entry *e, uint32_t revents)
{
	struct ent *t = (struct ent *)e;
	uint64_t past = now_on(CLOCK_MONOTONIC) - 5 * MS;

	if (reactor_arm_timer(t->r, &setup_a->e, CLOCK_MONOTONIC, past) ||
	    reactor_arm_timer(t->r, &setup_b->e, CLOCK_MONOTONIC, past))
		FAIL("arm from fn");
	record_fn(e, revents);
}

static void test_cancel_from_fn(void)
{
	struct ringer_reactor *r;
	struct ent a, b, s;

	REQUIRE_TRUE(reactor_create(&r) == 0);
	init_ent(&a, r, -1, 0);
	init_ent(&b, r, -1, 0);
	init_ent(&s, r, -1, 0);
	a.e.fn = cancel_other_fn;
	a.victim = &b;
	s.e.fn = arm_both_fn;
	setup_a = &a;
	setup_b = &b;
	REQUIRE_TRUE(reactor_arm_timer(r, &s.e, CLOCK_MONOTONIC, 0) == 0);
	REQUIRE_TRUE(wait_fired(&a, 1, 3000));
	usleep(20000);
	REQUIRE_TRUE(atomic_load(&a.self_cancel) == 1); /* false: its fn is running */
	REQUIRE_TRUE(atomic_load(&a.victim_cancel) == 2); /* true: fired, fn not started */
	REQUIRE_TRUE(atomic_load(&b.fired) == 0);
	REQUIRE_TRUE(!reactor_cancel(r, &b.e));
	reactor_destroy(r, cancelled_fn);
	REQUIRE_TRUE(atomic_load(&b.cancelled) == 0);
}

/* ---- re-arm from fn ----------------------------------------------------------- */

static void rearm_fn(struct reactor_entry *e, uint32_t revents)
{
	struct ent *t = (struct ent *)e;
	char c;

	if (revents & POLLIN) {
		if (read(e->fd, &c, 1) != 1)
			FAIL("read");
	}
	atomic_fetch_add(&t->fired, 1);
	if (t->rearm) {
		t->rearm--;
		if (reactor_arm(t->r, e))
			FAIL("re-arm");
	}
}

static void test_rearm(void)
{
	struct ringer_reactor *r;
	struct ent t;
	int p[2];

	REQUIRE_TRUE(pipe(p) == 0);
	REQUIRE_TRUE(reactor_create(&r) == 0);
	init_ent(&t, r, p[0], POLLIN);
	t.e.fn = rearm_fn;
	t.rearm = 4;
	REQUIRE_TRUE(reactor_arm(r, &t.e) == 0);
	REQUIRE_TRUE(write(p[1], "abcde", 5) == 5);
	REQUIRE_TRUE(wait_fired(&t, 5, 3000));
	usleep(20000);
	REQUIRE_TRUE(atomic_load(&t.fired) == 5);
	{
		/* fn read every byte: the pipe is empty. */
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };

		REQUIRE_TRUE(poll(&pfd, 1, 0) == 0);
	}
	reactor_destroy(r, cancelled_fn);
	REQUIRE_TRUE(atomic_load(&t.cancelled) == 0);
	close(p[0]);
	close(p[1]);
}

/*
 * e->rearm: a re-arming after the caller drained the fd (the engine's
 * receives after -EAGAIN) relies on the registration's edges.  Data that
 * comes after the drain wakes it: before the re-arming with nobody waiting
 * on the fd, or with another entry waiting there for something else, or
 * after it.
 */
static void drain(int fd)
{
	char buf[64];

	while (read(fd, buf, sizeof(buf)) > 0) {
	}
}

/* Data came after the drain (its event taken meanwhile): a re-arming of t
 * fires at once, its nth time, and t's fd is drained again. */
static void write_rearm_fire(struct ent *t, int wfd, unsigned n)
{
	REQUIRE_TRUE(write(wfd, "b", 1) == 1);
	usleep(20000);
	t->e.rearm = true;
	REQUIRE_TRUE(reactor_arm(t->r, &t->e) == 0);
	REQUIRE_TRUE(wait_fired(t, n, 3000));
	drain(t->e.fd);
}

static void test_rearm_drained(void)
{
	struct ringer_reactor *r;
	struct ent t, pri;
	int p[2];

	REQUIRE_TRUE(pipe2(p, O_NONBLOCK) == 0);
	REQUIRE_TRUE(reactor_create(&r) == 0);
	init_ent(&t, r, p[0], POLLIN);
	REQUIRE_TRUE(reactor_arm(r, &t.e) == 0);
	REQUIRE_TRUE(write(p[1], "a", 1) == 1);
	REQUIRE_TRUE(wait_fired(&t, 1, 3000));
	drain(p[0]);

	/* its event taken with nobody waiting */
	write_rearm_fire(&t, p[1], 2);

	/* the same while another entry waits on the fd for what never comes
	 * (the fd registered for both) */
	init_ent(&pri, r, p[0], POLLPRI);
	REQUIRE_TRUE(reactor_arm(r, &pri.e) == 0);
	t.e.rearm = true;
	REQUIRE_TRUE(reactor_arm(r, &t.e) == 0);
	REQUIRE_TRUE(write(p[1], "c", 1) == 1);
	REQUIRE_TRUE(wait_fired(&t, 3, 3000));
	drain(p[0]);
	write_rearm_fire(&t, p[1], 4);

	/* nothing came: it waits, and wakes for what comes after */
	t.e.rearm = true;
	REQUIRE_TRUE(reactor_arm(r, &t.e) == 0);
	usleep(20000);
	REQUIRE_TRUE(atomic_load(&t.fired) == 4);
	REQUIRE_TRUE(write(p[1], "e", 1) == 1);
	REQUIRE_TRUE(wait_fired(&t, 5, 3000));
	REQUIRE_TRUE(atomic_load(&t.revents) & POLLIN);
	REQUIRE_TRUE(atomic_load(&pri.fired) == 0);
	/* a plain arming asks the file: still readable, ready at once */
	REQUIRE_TRUE(reactor_arm(r, &t.e) == 0);
	REQUIRE_TRUE(wait_fired(&t, 6, 3000));
	REQUIRE_TRUE(reactor_cancel(r, &pri.e));
	reactor_destroy(r, cancelled_fn);
	REQUIRE_TRUE(atomic_load(&t.cancelled) == 0);
	close(p[0]);
	close(p[1]);
}

/* ---- timers ------------------------------------------------------------------- */

/* clock - CLOCK_MONOTONIC, read between two monotonic reads close together. */
static int64_t mono_offset(clockid_t c)
{
	for (;;) {
		uint64_t m0 = now_on(CLOCK_MONOTONIC), v = now_on(c), m1 = now_on(CLOCK_MONOTONIC);

		if (m1 - m0 < 100000)
			return (int64_t)(v - (m0 + (m1 - m0) / 2));
	}
}

static void test_timer_order(void)
{
	static const unsigned offs_ms[] = { 50, 10, 40, 20, 30, 60 };
	static const clockid_t clocks[] = { CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_REALTIME,
					    CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME };
	enum { N = 6 };
	struct ringer_reactor *r;
	struct ent t[N], past;
	uint64_t deadline[N], mono[N], t0;
	unsigned i, j;

	REQUIRE_TRUE(reactor_create(&r) == 0);
	atomic_store(&fire_seq, 0);
	for (i = 0; i < N; i++) {
		init_ent(&t[i], r, -1, 0);
		t[i].clock = clocks[i];
		deadline[i] = now_on(clocks[i]) + offs_ms[i] * MS;
		/* The same instant on the monotonic clock, to compare across
		 * clocks (arming can be slow: the first one starts the thread). */
		mono[i] = deadline[i] - mono_offset(clocks[i]);
		REQUIRE_TRUE(reactor_arm_timer(r, &t[i].e, clocks[i], deadline[i]) == 0);
	}
	for (i = 0; i < N; i++)
		REQUIRE_TRUE(wait_fired(&t[i], 1, 5000));
	for (i = 0; i < N; i++) {
		uint64_t at = atomic_load(&t[i].fired_at);

		REQUIRE_TRUE(atomic_load(&t[i].revents) == 0);
		if (at < deadline[i])
			FAIL("timer %u fired %llu ns early", i,
			     (unsigned long long)(deadline[i] - at));
		/* Generous: the machine is shared, and sanitizers are slow. */
		if (at - deadline[i] > 500 * MS)
			FAIL("timer %u fired %llu ms late", i,
			     (unsigned long long)((at - deadline[i]) / MS));
		/* Deadline order, across clocks too (1 ms for the conversion). */
		for (j = 0; j < N; j++)
			if (mono[j] > mono[i] + MS && t[j].order < t[i].order)
				FAIL("timer %u (+%u ms) fired before timer %u (+%u ms)", j,
				     offs_ms[j], i, offs_ms[i]);
	}

	/* A deadline in the past fires at once. */
	init_ent(&past, r, -1, 0);
	t0 = now_ms();
	REQUIRE_TRUE(reactor_arm_timer(r, &past.e, CLOCK_REALTIME, now_on(CLOCK_REALTIME) - 1000 * MS) ==
	      0);
	REQUIRE_TRUE(wait_fired(&past, 1, 3000));
	REQUIRE_TRUE(now_ms() - t0 < 500);
	REQUIRE_TRUE(reactor_arm_timer(r, &past.e, 12345, 0) == -EINVAL);
	reactor_destroy(r, NULL);
}

/*
 * Many timers armed in shuffled order, half of them sharing a deadline with
 * another, a third cancelled: the rest fire in deadline order, ties in
 * arming order, and a cancelled one never fires.
 */
static void test_timer_many(void)
{
	enum { N = 2000 };
	static struct ent t[N];
	static unsigned armed_at[N], order[N];
	struct ringer_reactor *r;
	uint64_t base;
	unsigned i, nfired = 0;

	REQUIRE_TRUE(reactor_create(&r) == 0);
	atomic_store(&fire_seq, 0);
	for (i = 0; i < N; i++)
		order[i] = i;
	srand(7);
	for (i = N - 1; i > 0; i--) {
		unsigned j = (unsigned)rand() % (i + 1), x = order[i];

		order[i] = order[j];
		order[j] = x;
	}
	/* timer i is due at base + (i / 2) us: pairs tie */
	base = now_on(CLOCK_MONOTONIC) + 200 * MS;
	for (i = 0; i < N; i++) {
		unsigned k = order[i];

		init_ent(&t[k], r, -1, 0);
		t[k].clock = CLOCK_MONOTONIC;
		armed_at[k] = i;
		REQUIRE_TRUE(reactor_arm_timer(r, &t[k].e, CLOCK_MONOTONIC, base + (k / 2) * 1000) ==
			     0);
	}
	for (i = 0; i < N; i += 3)
		REQUIRE_TRUE(reactor_cancel(r, &t[i].e));
	if (now_on(CLOCK_MONOTONIC) >= base)
		printf("# arming took past the first deadline: the order check is weaker\n");
	for (i = 0; i < N; i++)
		if (i % 3)
			REQUIRE_TRUE(wait_fired(&t[i], 1, 5000));
	usleep(20000);
	for (i = 0; i < N; i++) {
		if (i % 3 == 0) {
			REQUIRE_TRUE(atomic_load(&t[i].fired) == 0);
			continue;
		}
		nfired++;
		REQUIRE_TRUE(atomic_load(&t[i].fired) == 1);
		for (unsigned j = i + 1; j < N && j < i + 8; j++) {
			bool before;

			if (j % 3 == 0)
				continue;
			/* i due no later than j; at the same deadline, armed first? */
			before = i / 2 < j / 2 || armed_at[i] < armed_at[j];
			if (before != (t[i].order < t[j].order))
				FAIL("timers %u and %u fired out of order", i, j);
		}
	}
	REQUIRE_TRUE(nfired == N - (N + 2) / 3);
	reactor_destroy(r, NULL);
}

/* A later-armed earlier deadline must cut the reactor's current sleep. */
static void test_timer_preempt(void)
{
	struct ringer_reactor *r;
	struct ent far, near;
	uint64_t t0;

	REQUIRE_TRUE(reactor_create(&r) == 0);
	init_ent(&far, r, -1, 0);
	init_ent(&near, r, -1, 0);
	REQUIRE_TRUE(reactor_arm_timer(r, &far.e, CLOCK_MONOTONIC, now_on(CLOCK_MONOTONIC) + 60000 * MS) ==
	      0);
	usleep(10000); /* the reactor now sleeps for a minute */
	t0 = now_ms();
	REQUIRE_TRUE(reactor_arm_timer(r, &near.e, CLOCK_MONOTONIC, now_on(CLOCK_MONOTONIC) + 20 * MS) ==
	      0);
	REQUIRE_TRUE(wait_fired(&near, 1, 3000));
	REQUIRE_TRUE(now_ms() - t0 < 500);
	REQUIRE_TRUE(atomic_load(&far.fired) == 0);
	reactor_destroy(r, cancelled_fn);
	REQUIRE_TRUE(atomic_load(&far.cancelled) == 1);
	REQUIRE_TRUE(atomic_load(&near.cancelled) == 0);
}

/* A new reactor, with t a timer entry that calls fn, armed to fire at once. */
static struct ringer_reactor *fire_now(struct ent *t, reactor_fn fn)
{
	struct ringer_reactor *r;

	REQUIRE_TRUE(reactor_create(&r) == 0);
	init_ent(t, r, -1, 0);
	t->e.fn = fn;
	REQUIRE_TRUE(reactor_arm_timer(r, &t->e, CLOCK_MONOTONIC, 0) == 0);
	return r;
}

/* ---- inline runs (reactor_run_ready) ---------------------------------------- */

static _Atomic(pthread_t) ran_in;

static void where_fn(struct reactor_entry *e, uint32_t revents)
{
	atomic_store(&ran_in, pthread_self());
	record_fn(e, revents);
}

/* What is ready when reactor_run_ready() is called has run when it returns,
 * whichever thread ran it; the busy bit stays on while fd work is armed and
 * goes off at the first run that finds none. */
static void test_run_ready(void)
{
	enum { N = 200 };
	struct ringer_reactor *r;
	_Atomic unsigned word = 0x100;
	struct ent t;
	unsigned i, inline_runs = 0;
	int p[2];
	char c = 'x';

	REQUIRE_TRUE(pipe(p) == 0);
	REQUIRE_TRUE(reactor_create(&r) == 0);
	reactor_set_busy_flag(r, &word, 4);
	CHECK_TRUE(atomic_load(&word) == 0x100);
	CHECK_TRUE(reactor_run_ready(r) == 0); /* nothing armed: no-op */
	init_ent(&t, r, p[0], POLLIN);
	t.e.fn = where_fn;
	for (i = 0; i < N; i++) {
		unsigned before = atomic_load(&t.fired);

		REQUIRE_TRUE(reactor_arm(r, &t.e) == 0);
		CHECK_TRUE(atomic_load(&word) == 0x104);
		REQUIRE_TRUE(write(p[1], &c, 1) == 1);
		inline_runs += reactor_run_ready(r);
		REQUIRE_TRUE(atomic_load(&t.fired) == before + 1);
		CHECK_TRUE(atomic_load(&t.revents) & POLLIN);
		REQUIRE_TRUE(read(p[0], &c, 1) == 1);
		/* whoever ran it, nothing is armed any more: the bit is off */
		CHECK_TRUE(atomic_load(&word) == 0x100);
	}
	/* the caller wins most races against a thread that must wake up */
	CHECK_TRUE(inline_runs > 0);
	/* an entry armed and not ready is left alone, the bit stays on */
	REQUIRE_TRUE(reactor_arm(r, &t.e) == 0);
	CHECK_TRUE(reactor_run_ready(r) == 0);
	CHECK_TRUE(atomic_load(&word) == 0x104);
	CHECK_TRUE(reactor_cancel(r, &t.e));
	reactor_run_ready(r);
	CHECK_TRUE(atomic_load(&word) == 0x100);
	reactor_destroy(r, cancelled_fn);
	close(p[0]);
	close(p[1]);
}

static atomic_uint slow_started;

static void slow_fn(struct reactor_entry *e, uint32_t revents)
{
	atomic_store(&slow_started, 1);
	usleep(100000);
	record_fn(e, revents);
}

/* An fn the reactor thread runs when reactor_run_ready() is called is done
 * when it returns; a cancel meanwhile says false (fn has started). */
static void test_run_ready_waits(void)
{
	struct ringer_reactor *r;
	struct ent t;
	uint64_t t0;

	atomic_store(&slow_started, 0);
	r = fire_now(&t, slow_fn);
	t0 = now_ms();
	while (!atomic_load(&slow_started)) {
		REQUIRE_TRUE(now_ms() - t0 < 3000);
		usleep(100);
	}
	CHECK_FALSE(reactor_cancel(r, &t.e));
	reactor_run_ready(r);
	CHECK_TRUE(atomic_load(&t.fired) == 1);
	reactor_destroy(r, cancelled_fn);
	CHECK_TRUE(atomic_load(&t.cancelled) == 0);
}

/* From the reactor thread's own fn: no wait for itself. */
static atomic_uint self_run_done;

static void self_run_fn(struct reactor_entry *e, uint32_t revents)
{
	struct ent *t = (struct ent *)e;

	reactor_run_ready(t->r);
	atomic_store(&self_run_done, 1);
	record_fn(e, revents);
}

static void test_run_ready_from_fn(void)
{
	struct ringer_reactor *r;
	struct ent t;

	r = fire_now(&t, self_run_fn);
	REQUIRE_TRUE(wait_fired(&t, 1, 3000));
	CHECK_TRUE(atomic_load(&self_run_done) == 1);
	reactor_destroy(r, cancelled_fn);
}

/* ---- teardown ------------------------------------------------------------------ */

static atomic_uint slow_in;

/* Runs while destroy starts, then arms a timer: destroy must hand it back. */
static void slow_rearm_fn(struct reactor_entry *e, uint32_t revents)
{
	struct ent *t = (struct ent *)e;

	atomic_store(&slow_in, 1);
	usleep(100000);
	atomic_fetch_add(&t->fired, 1);
	if (reactor_arm_timer(t->r, e, CLOCK_MONOTONIC, now_on(CLOCK_MONOTONIC) + 60000 * MS))
		FAIL("arm from fn during destroy");
}

static void test_destroy(void)
{
	enum { N = 8 };
	struct ringer_reactor *r;
	struct ent t[N], slow;
	int p[2];
	unsigned i;

	REQUIRE_TRUE(pipe(p) == 0);
	REQUIRE_TRUE(reactor_create(&r) == 0);
	for (i = 0; i < N; i++) {
		if (i % 2) {
			init_ent(&t[i], r, p[0], i % 4 == 1 ? POLLIN : POLLPRI);
			REQUIRE_TRUE(reactor_arm(r, &t[i].e) == 0);
		} else {
			init_ent(&t[i], r, -1, 0);
			REQUIRE_TRUE(reactor_arm_timer(r, &t[i].e, i % 4 ? CLOCK_REALTIME : CLOCK_BOOTTIME,
						now_on(i % 4 ? CLOCK_REALTIME : CLOCK_BOOTTIME) +
							60000 * MS) == 0);
		}
	}
	REQUIRE_TRUE(nr_tasks() == base_tasks + 1);
	REQUIRE_TRUE(nr_fds() == base_fds + 5); /* pipe + epoll set + two eventfds */
	usleep(10000);
	reactor_destroy(r, cancelled_fn);
	for (i = 0; i < N; i++) {
		REQUIRE_TRUE(atomic_load(&t[i].fired) == 0);
		REQUIRE_TRUE(atomic_load(&t[i].cancelled) == 1);
	}
	REQUIRE_TRUE(wait_tasks(base_tasks, 2000));
	REQUIRE_TRUE(nr_fds() == base_fds + 2);

	/* Destroy while an fn runs and re-arms. */
	REQUIRE_TRUE(reactor_create(&r) == 0);
	init_ent(&slow, r, -1, 0);
	slow.e.fn = slow_rearm_fn;
	atomic_store(&slow_in, 0);
	REQUIRE_TRUE(reactor_arm_timer(r, &slow.e, CLOCK_MONOTONIC, 0) == 0);
	while (!atomic_load(&slow_in))
		usleep(1000);
	reactor_destroy(r, cancelled_fn);
	REQUIRE_TRUE(atomic_load(&slow.fired) == 1);
	REQUIRE_TRUE(atomic_load(&slow.cancelled) == 1);
	REQUIRE_TRUE(wait_tasks(base_tasks, 2000));
	REQUIRE_TRUE(nr_fds() == base_fds + 2);

	/* Never armed: no thread, no fd, nothing to join. */
	REQUIRE_TRUE(reactor_create(&r) == 0);
	REQUIRE_TRUE(wait_tasks(base_tasks, 2000));
	REQUIRE_TRUE(nr_fds() == base_fds + 2);
	reactor_destroy(r, cancelled_fn);
	close(p[0]);
	close(p[1]);
	REQUIRE_TRUE(nr_fds() == base_fds);
}

/* ---- several threads arm and cancel at once ------------------------------- */

enum { ST_THREADS = 2, ST_ENTS = 64, ST_ROUNDS = 3000 };

struct st_ent {
	struct reactor_entry e;
	atomic_uint fired;
	unsigned arms, cancels;
	bool armed;
};

static void st_fn(struct reactor_entry *e, uint32_t revents)
{
	atomic_fetch_add(&((struct st_ent *)e)->fired, 1);
}

struct st_thread {
	pthread_t thread;
	struct ringer_reactor *r;
	struct st_ent ents[ST_ENTS];
	int ready_fd, idle_fd; /* a readable pipe, an empty one */
	unsigned seed;
};

/* Cancel; when it is too late, wait for the fn that beat us. */
static void st_disarm(struct st_thread *t, struct st_ent *se)
{
	uint64_t end = now_ms() + 5000;

	if (reactor_cancel(t->r, &se->e))
		se->cancels++;
	else
		while (atomic_load(&se->fired) + se->cancels != se->arms) {
			if (now_ms() > end)
				FAIL("fn never ran after a failed cancel");
			usleep(20);
		}
	se->armed = false;
}

static void *st_main(void *arg)
{
	struct st_thread *t = arg;
	unsigned i;

	for (i = 0; i < ST_ROUNDS; i++) {
		struct st_ent *se = &t->ents[rand_r(&t->seed) % ST_ENTS];
		unsigned kind = rand_r(&t->seed) % 3;
		int ret;

		if (i % 16 == 0)
			usleep(100); /* let the reactor fire some */
		/* An fn that ran disarmed the entry. */
		if (se->armed && atomic_load(&se->fired) + se->cancels == se->arms)
			se->armed = false;
		if (se->armed) {
			st_disarm(t, se);
			continue;
		}
		se->e.fn = st_fn;
		if (kind == 2) {
			se->e.fd = -1;
			ret = reactor_arm_timer(t->r, &se->e, CLOCK_MONOTONIC,
						now_on(CLOCK_MONOTONIC) +
							(rand_r(&t->seed) % 2000) * 1000);
		} else {
			se->e.fd = kind ? t->ready_fd : t->idle_fd;
			se->e.events = POLLIN;
			ret = reactor_arm(t->r, &se->e);
		}
		if (ret)
			FAIL("arm: %d", ret);
		se->arms++;
		se->armed = true;
	}
	for (i = 0; i < ST_ENTS; i++)
		if (t->ents[i].armed)
			st_disarm(t, &t->ents[i]);
	return NULL;
}

static void test_concurrent(void)
{
	struct st_thread *t = calloc(ST_THREADS, sizeof(*t));
	struct ringer_reactor *r;
	int rp[2], ip[2];
	unsigned i, j;

	REQUIRE_TRUE(t);
	REQUIRE_TRUE(pipe(rp) == 0 && pipe(ip) == 0);
	REQUIRE_TRUE(write(rp[1], "r", 1) == 1);
	REQUIRE_TRUE(reactor_create(&r) == 0);
	for (i = 0; i < ST_THREADS; i++) {
		t[i].r = r;
		t[i].ready_fd = rp[0];
		t[i].idle_fd = ip[0];
		t[i].seed = 77 + i;
		REQUIRE_TRUE(pthread_create(&t[i].thread, NULL, st_main, &t[i]) == 0);
	}
	for (i = 0; i < ST_THREADS; i++)
		pthread_join(t[i].thread, NULL);
	/* Every arming ended exactly once: fn ran or the cancel said so. */
	for (i = 0; i < ST_THREADS; i++)
		for (j = 0; j < ST_ENTS; j++) {
			struct st_ent *se = &t[i].ents[j];

			if (atomic_load(&se->fired) + se->cancels != se->arms)
				FAIL("entry %u/%u: %u arms, %u fired, %u cancelled", i, j, se->arms,
				     atomic_load(&se->fired), se->cancels);
		}
	reactor_destroy(r, NULL); /* nothing is armed any more */
	close(rp[0]);
	close(rp[1]);
	close(ip[0]);
	close(ip[1]);
	free(t);
}

/* ---- a quiet reactor holds no thread and no fd ------------------------------- */

static void test_idle_exit(void)
{
	struct ringer_reactor *r;
	struct ent t, u;
	uint64_t end;
	int p[2];

	REQUIRE_TRUE(reactor_create(&r) == 0);
	init_ent(&t, r, -1, 0);
	REQUIRE_TRUE(reactor_arm_timer(r, &t.e, CLOCK_MONOTONIC, 0) == 0);
	REQUIRE_TRUE(wait_fired(&t, 1, 3000));
	REQUIRE_TRUE(reactor_nr_threads(r) == 1);
	/* About a second with nothing armed: thread and eventfd go. */
	end = now_ms() + 4000;
	while (reactor_nr_threads(r) && now_ms() < end)
		usleep(10000);
	REQUIRE_TRUE(reactor_nr_threads(r) == 0);
	REQUIRE_TRUE(wait_tasks(base_tasks, 2000));
	REQUIRE_TRUE(nr_fds() == base_fds);

	/* The next arming starts them again, for timers and fds alike. */
	REQUIRE_TRUE(pipe(p) == 0);
	init_ent(&u, r, p[0], POLLIN);
	REQUIRE_TRUE(reactor_arm(r, &u.e) == 0);
	REQUIRE_TRUE(reactor_nr_threads(r) == 1);
	REQUIRE_TRUE(reactor_arm_timer(r, &t.e, CLOCK_BOOTTIME, now_on(CLOCK_BOOTTIME) + 5 * MS) == 0);
	REQUIRE_TRUE(wait_fired(&t, 2, 3000));
	REQUIRE_TRUE(atomic_load(&u.fired) == 0);
	REQUIRE_TRUE(write(p[1], "u", 1) == 1);
	REQUIRE_TRUE(wait_fired(&u, 1, 3000));
	reactor_destroy(r, cancelled_fn);
	REQUIRE_TRUE(atomic_load(&t.cancelled) == 0 && atomic_load(&u.cancelled) == 0);
	close(p[0]);
	close(p[1]);
	REQUIRE_TRUE(wait_tasks(base_tasks, 2000));
	REQUIRE_TRUE(nr_fds() == base_fds);
}

/* ---- thread properties ---------------------------------------------------------- */

static atomic_uint sig_ok, name_ok;

static void props_fn(struct reactor_entry *e, uint32_t revents)
{
	sigset_t cur;
	char name[16] = "";

	pthread_sigmask(SIG_SETMASK, NULL, &cur);
	atomic_store(&sig_ok, sigismember(&cur, SIGINT) && sigismember(&cur, SIGTERM) &&
				      sigismember(&cur, SIGUSR1) && sigismember(&cur, SIGALRM) &&
				      !sigismember(&cur, SIGSEGV));
	prctl(PR_GET_NAME, name, 0, 0, 0);
	atomic_store(&name_ok, strcmp(name, "ringer-reactor") == 0);
	record_fn(e, revents);
}

static void test_thread_props(void)
{
	struct ringer_reactor *r;
	struct ent t;
	sigset_t cur;

	r = fire_now(&t, props_fn);
	REQUIRE_TRUE(wait_fired(&t, 1, 3000));
	REQUIRE_TRUE(atomic_load(&sig_ok));
	REQUIRE_TRUE(atomic_load(&name_ok));
	pthread_sigmask(SIG_SETMASK, NULL, &cur);
	REQUIRE_TRUE(!sigismember(&cur, SIGINT)); /* the caller's mask is restored */
	reactor_destroy(r, NULL);
}

static void *noop_thread(void *arg)
{
	return arg;
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		{ "pipe_in", test_pipe_in },
		{ "same_fd_in_out", test_same_fd_in_out },
		{ "many_on_one_fd", test_many_on_one_fd },
		{ "closed_fd", test_closed_fd },
		{ "scale", test_scale },
		{ "cancel", test_cancel },
		{ "cancel_from_fn", test_cancel_from_fn },
		{ "rearm", test_rearm },
		{ "rearm_drained", test_rearm_drained },
		{ "timer_order", test_timer_order },
		{ "timer_many", test_timer_many },
		{ "timer_preempt", test_timer_preempt },
		{ "concurrent", test_concurrent },
		{ "run_ready", test_run_ready },
		{ "run_ready_waits", test_run_ready_waits },
		{ "run_ready_from_fn", test_run_ready_from_fn },
		{ "thread_props", test_thread_props },
		{ "destroy", test_destroy },
		{ "idle_exit", test_idle_exit },
	};
	int ret;
	pthread_t th;

	/* Sanitizer runtimes start a helper thread with the first
	 * pthread_create: let that happen before counting. */
	REQUIRE_TRUE(pthread_create(&th, NULL, noop_thread, NULL) == 0);
	pthread_join(th, NULL);
	base_tasks = nr_tasks();
	base_fds = nr_fds();

	ret = test_main(argc, argv, cases, ARRAY_SIZE(cases));
	if (ret != TEST_PASS)
		return ret;
	REQUIRE_TRUE(wait_tasks(base_tasks, 2000));
	REQUIRE_TRUE(nr_fds() == base_fds);
	printf("unit-reactor: ok\n");
	return 0;
}
