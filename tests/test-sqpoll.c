/* SPDX-License-Identifier: MIT */
/*
 * SQPOLL rings: setup checks,
 * enter returning to_submit, SQEs consumed with no enter while the poller is
 * awake, waits for CQEs the poller posts at once or much later, IORING_SQ_NEED_WAKEUP after sq_thread_idle and SQ_WAKEUP, SQ_WAIT,
 * SQ_AFF pinning, ATTACH_WQ sharing one poller, and teardown with a sleeping,
 * spinning or shared poller (threads and fds back to where they were).
 *
 * Both backends run the same checks: the kernel's poller is a thread of this
 * process too (iou-sqp-<pid>), so it is found and inspected the same way.
 */
#include "harness.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

static unsigned sq_flags(struct io_uring *ring)
{
	return io_uring_smp_load_acquire(ring->sq.kflags);
}

/* Publish the SQEs handed out so far without any call into the library. */
static void publish(struct io_uring *ring)
{
	ring->sq.sqe_head = ring->sq.sqe_tail;
	/* release: the SQE contents are visible before the poller sees the tail */
	io_uring_smp_store_release(ring->sq.ktail, ring->sq.sqe_tail);
}

static void nop(struct io_uring *ring, __u64 ud)
{
	struct io_uring_sqe *sqe = test_get_sqe(ring);

	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, ud);
}

/* Spin on the CQ tail (no call that could enter) for at most ms. */
static bool cqe_arrives(struct io_uring *ring, unsigned ms, struct test_cqe *out)
{
	uint64_t end = test_now_ns() + (uint64_t)ms * 1000000ULL;

	while (test_now_ns() < end) {
		unsigned tail = io_uring_smp_load_acquire(ring->cq.ktail);

		if (tail != *ring->cq.khead) {
			struct io_uring_cqe *c = &ring->cq.cqes[*ring->cq.khead & ring->cq.ring_mask];

			if (out) {
				out->user_data = c->user_data;
				out->res = c->res;
				out->flags = c->flags;
			}
			io_uring_cq_advance(ring, 1);
			return true;
		}
		sched_yield();
	}
	return false;
}

/* Wait until NEED_WAKEUP is set; ns since start, or 0 after ms. */
static uint64_t wait_need_wakeup(struct io_uring *ring, uint64_t start, unsigned ms)
{
	uint64_t end = start + (uint64_t)ms * 1000000ULL;

	while (test_now_ns() < end) {
		if (sq_flags(ring) & IORING_SQ_NEED_WAKEUP)
			return test_now_ns() - start;
		test_sleep_ms(1);
	}
	return 0;
}

static void sqpoll_init(struct io_uring *ring, unsigned entries, unsigned idle, unsigned extra)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQPOLL | extra;
	p.sq_thread_idle = idle;
	test_ring_init_params(entries, ring, &p);
}

/* The SQ poller threads of this process (the kernel's are ours too). */
static int poller_tids(int *tids, int max)
{
	char want[32], path[300], comm[64];
	struct dirent *de;
	DIR *d = opendir("/proc/self/task");
	int n = 0;

	snprintf(want, sizeof(want), "iou-sqp-%d", (int)getpid());
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f)) {
			comm[strcspn(comm, "\n")] = 0;
			if (!strcmp(comm, want) && n < max)
				tids[n++] = atoi(de->d_name);
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

/* Wait until n pollers exist (the kernel's exit asynchronously, late on a
 * loaded machine: callers give it seconds); the count. */
static int pollers_settle(int n, unsigned ms)
{
	uint64_t end = test_now_ns() + (uint64_t)ms * 1000000ULL;
	int tids[8], got;

	while ((got = poller_tids(tids, 8)) != n && test_now_ns() < end)
		test_sleep_ms(5);
	return got;
}

/* Threads and fds settle back (the kernel's poller exits asynchronously). */
static bool settles(int threads, int fds, unsigned ms)
{
	uint64_t end = test_now_ns() + (uint64_t)ms * 1000000ULL;

	do {
		if (test_count_threads() <= threads && test_count_fds() <= fds)
			return true;
		test_sleep_ms(5);
	} while (test_now_ns() < end);
	printf("# threads %d (was %d), fds %d (was %d)\n", test_count_threads(), threads,
	       test_count_fds(), fds);
	return false;
}

TEST(setup_checks)
{
	struct io_uring_params p;
	int fd, nullfd, plain;
	cpu_set_t set;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQ_AFF;
	CHECK_ERRNO(test_setup_raw(4, &p), -EINVAL); /* SQ_AFF without SQPOLL */

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF;
	p.sq_thread_cpu = 999;
	CHECK_ERRNO(test_setup_raw(4, &p), -EINVAL); /* no such CPU */

	REQUIRE_SYS(sched_getaffinity(0, sizeof(set), &set));
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF;
		p.sq_thread_cpu = (unsigned)cpu;
		fd = test_setup_raw(4, &p);
		CHECK_GE(fd, 0);
		CHECK_TRUE(p.features & IORING_FEAT_SQPOLL_NONFIXED);
		if (fd >= 0)
			test_close_ring_fd(fd);
		break;
	}

	/* ATTACH_WQ: a closed fd is ENXIO, an fd that is no ring EINVAL */
	nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	REQUIRE_GE(nullfd, 0);
	fd = dup(nullfd);
	close(fd);
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQPOLL | IORING_SETUP_ATTACH_WQ;
	p.wq_fd = (unsigned)fd;
	CHECK_ERRNO(test_setup_raw(4, &p), -ENXIO);
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQPOLL | IORING_SETUP_ATTACH_WQ;
	p.wq_fd = (unsigned)nullfd;
	CHECK_ERRNO(test_setup_raw(4, &p), -EINVAL);
	close(nullfd);

	/* an SQPOLL ring cannot attach to a ring without a poller; a plain ring can */
	memset(&p, 0, sizeof(p));
	plain = test_setup_raw(4, &p);
	REQUIRE_GE(plain, 0);
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQPOLL | IORING_SETUP_ATTACH_WQ;
	p.wq_fd = (unsigned)plain;
	CHECK_ERRNO(test_setup_raw(4, &p), -EINVAL);
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_ATTACH_WQ;
	p.wq_fd = (unsigned)plain;
	fd = test_setup_raw(4, &p);
	CHECK_GE(fd, 0);
	if (fd >= 0)
		test_close_ring_fd(fd);
	test_close_ring_fd(plain);
}

TEST(enter_returns_to_submit)
{
	struct io_uring ring;

	sqpoll_init(&ring, 8, 1000, 0);
	/* nothing queued: still to_submit (probed: 7 with 1 queued gives 7) */
	CHECK_EQ(io_uring_enter(ring.ring_fd, 7, 0, 0, NULL), 7);
	CHECK_EQ(io_uring_enter(ring.ring_fd, 0, 0, 0, NULL), 0);
	nop(&ring, 1);
	publish(&ring);
	/* the new poller sleeps already: wake it with the same call */
	CHECK_EQ(io_uring_enter(ring.ring_fd, 3, 1,
				IORING_ENTER_GETEVENTS | IORING_ENTER_SQ_WAKEUP, NULL), 3);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 1);
	io_uring_queue_exit(&ring);
}

/* While the poller is awake, a published SQE completes with no enter at all. */
TEST(no_enter_while_awake)
{
	struct io_uring ring;
	struct test_cqe c;

	sqpoll_init(&ring, 8, 2000, 0);
	/* a new poller sleeps at once (6.18, probed): the first submit wakes it */
	nop(&ring, 99);
	CHECK_GE(io_uring_submit(&ring), 0);
	REQUIRE_TRUE(cqe_arrives(&ring, 1000, &c));
	for (unsigned i = 0; i < 20; i++) {
		nop(&ring, 100 + i);
		publish(&ring);
		REQUIRE_TRUE(cqe_arrives(&ring, 1000, &c));
		CHECK_EQ_U(c.user_data, 100 + i);
		CHECK_EQ(c.res, 0);
		/* the head is published after the batch's CQEs (kernel too): it follows */
		for (int w = 0; w < 1000 && io_uring_smp_load_acquire(ring.sq.khead) !=
						    *ring.sq.ktail; w++)
			test_sleep_ms(1);
		CHECK_EQ_U(io_uring_smp_load_acquire(ring.sq.khead), *ring.sq.ktail);
		test_sleep_ms(2);
	}
	/* the library's submit too: it finds NEED_WAKEUP clear and returns the count */
	CHECK_FALSE(sq_flags(&ring) & IORING_SQ_NEED_WAKEUP);
	nop(&ring, 7);
	CHECK_GE(io_uring_submit(&ring), 0);
	REQUIRE_TRUE(cqe_arrives(&ring, 1000, &c));
	CHECK_EQ_U(c.user_data, 7);
	io_uring_queue_exit(&ring);
}

/* Writes to a pipe after a while: a read the poller cannot complete at once. */
static void *late_writer(void *p)
{
	int fd = *(int *)p;

	test_sleep_ms(50);
	if (write(fd, "late", 4) != 4)
		perror("write");
	return NULL;
}

/*
 * io_uring_submit_and_wait on an SQPOLL ring returns with every CQE it
 * waited for: batches the poller completes at once (NOPs, in order), and a
 * batch whose last CQE comes much later from a pipe read.
 */
TEST(wait_for_the_poller)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	pthread_t thr;
	char buf[8];
	int pfd[2];
	unsigned head, n;

	sqpoll_init(&ring, 32, 2000, 0);
	for (unsigned round = 0; round < 300; round++) {
		for (unsigned i = 0; i < 32; i++)
			nop(&ring, round * 32 + i);
		REQUIRE_GE(io_uring_submit_and_wait(&ring, 32), 0);
		REQUIRE_EQ_U(io_uring_cq_ready(&ring), 32);
		n = 0;
		io_uring_for_each_cqe (&ring, head, cqe) {
			CHECK_EQ_U(cqe->user_data, round * 32 + n);
			CHECK_EQ(cqe->res, 0);
			n++;
		}
		io_uring_cq_advance(&ring, n);
	}

	REQUIRE_SYS(pipe(pfd));
	for (unsigned i = 0; i < 8; i++)
		nop(&ring, i);
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, pfd[0], buf, sizeof(buf), 0);
	io_uring_sqe_set_data64(sqe, 100);
	REQUIRE_EQ(pthread_create(&thr, NULL, late_writer, &pfd[1]), 0);
	REQUIRE_GE(io_uring_submit_and_wait(&ring, 9), 0);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 9);
	n = 0;
	io_uring_for_each_cqe (&ring, head, cqe) {
		if (cqe->user_data == 100) {
			CHECK_EQ(cqe->res, 4);
			CHECK_EQ(memcmp(buf, "late", 4), 0);
		} else {
			CHECK_TRUE(cqe->user_data < 8);
			CHECK_EQ(cqe->res, 0);
		}
		n++;
	}
	io_uring_cq_advance(&ring, n);
	CHECK_EQ_U(n, 9);
	pthread_join(thr, NULL);
	close(pfd[0]);
	close(pfd[1]);
	io_uring_queue_exit(&ring);
}

TEST(need_wakeup_after_idle)
{
	/*
	 * Long enough that the test thread, however late it runs on a loaded
	 * machine between the CQE and the look at the flag, sees the poller
	 * awake after the wakeup below.
	 */
	const unsigned idle = 1000;
	struct io_uring ring;
	struct test_cqe c;
	uint64_t t0, dt;
	unsigned head;

	sqpoll_init(&ring, 8, idle, 0);
	/* a poller that never had work does not wait for the idle time */
	dt = wait_need_wakeup(&ring, test_now_ns(), 1000);
	CHECK_TRUE(dt != 0);
	CHECK_LT(dt, (uint64_t)(idle / 2) * 1000000ULL);
	/*
	 * The idle starts when the poller has done its last work, after this
	 * t0: a test thread slow to see the CQE (a loaded machine) then cannot
	 * make the idle look short, as timing from the CQE did.  Half the idle is the lower bound both backends must
	 * meet (the kernel's idle clock runs in jiffies); late is no failure.
	 */
	t0 = test_now_ns();
	nop(&ring, 1);
	CHECK_GE(io_uring_submit(&ring), 0);
	REQUIRE_TRUE(cqe_arrives(&ring, 2000, &c));
	dt = wait_need_wakeup(&ring, t0, idle + 5000);
	REQUIRE_TRUE(dt != 0);
	CHECK_GE(dt, (uint64_t)(idle / 2) * 1000000ULL);

	/* asleep: a published SQE stays in the SQ until SQ_WAKEUP */
	head = *ring.sq.khead;
	nop(&ring, 2);
	publish(&ring);
	test_sleep_ms(50);
	CHECK_EQ_U(io_uring_smp_load_acquire(ring.sq.khead), head);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 0);
	CHECK_TRUE(sq_flags(&ring) & IORING_SQ_NEED_WAKEUP);
	CHECK_EQ(io_uring_enter(ring.ring_fd, 0, 0, IORING_ENTER_SQ_WAKEUP, NULL), 0);
	REQUIRE_TRUE(cqe_arrives(&ring, 2000, &c));
	CHECK_EQ_U(c.user_data, 2);
	/* awake again: the flag is cleared (it comes back only after another idle) */
	CHECK_FALSE(sq_flags(&ring) & IORING_SQ_NEED_WAKEUP);
	io_uring_queue_exit(&ring);
}

/*
 * A thousand rounds of submit, pause (sometimes past the idle time, so the
 * poller sleeps and io_uring_submit must wake it), reap: no SQE lost.
 */
TEST(thousand_sleep_wakeup_cycles)
{
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	unsigned slept = 0, rounds = 1000;

	sqpoll_init(&ring, 4, 1, 0);
	for (unsigned i = 0; i < rounds; i++) {
		if (sq_flags(&ring) & IORING_SQ_NEED_WAKEUP)
			slept++;
		nop(&ring, i);
		/*
		 * The count is not checked: the poller may consume the SQE before
		 * the library reads the head back (0), or the head may still lag the
		 * previous round's CQE (2); the kernel does both.
		 */
		CHECK_GE(io_uring_submit(&ring), 0);
		REQUIRE_EQ(test_wait_cqe_ms(&ring, &cqe, 5000), 0);
		CHECK_EQ_U(cqe->user_data, i);
		io_uring_cqe_seen(&ring, cqe);
		if (i % 10 == 0) {
			test_sleep_ms(6); /* past the idle (the kernel counts it in jiffies) */
		} else if (i % 3 == 0) {
			struct timespec ts = { 0, (long)(i % 7) * 400000L };

			nanosleep(&ts, NULL);
		}
	}
	printf("# poller was asleep before %u of %u submits\n", slept, rounds);
	CHECK_GT(slept, 0);
	io_uring_queue_exit(&ring);
}

struct sqwait_arg {
	struct io_uring *ring;
	int ret;
	uint64_t done_ns;
};

static void *sqwait_thread(void *p)
{
	struct sqwait_arg *a = p;

	a->ret = io_uring_sqring_wait(a->ring);
	a->done_ns = test_now_ns();
	return NULL;
}

TEST(sq_wait)
{
	struct io_uring ring;
	struct test_cqe c;
	struct sqwait_arg a;
	pthread_t th;
	uint64_t woke;

	sqpoll_init(&ring, 4, 10, 0);
	/* room in the SQ: at once */
	CHECK_EQ(io_uring_enter(ring.ring_fd, 0, 0, IORING_ENTER_SQ_WAIT, NULL), 0);
	CHECK_EQ(io_uring_sqring_wait(&ring), 0);

	/* let the poller sleep, then fill the SQ behind its back */
	REQUIRE_TRUE(wait_need_wakeup(&ring, test_now_ns(), 2000) != 0);
	for (unsigned i = 0; i < 4; i++)
		nop(&ring, 10 + i);
	publish(&ring);
	CHECK_EQ_U(io_uring_sq_space_left(&ring), 0);

	a.ring = &ring;
	a.ret = -1;
	a.done_ns = 0;
	REQUIRE_EQ(pthread_create(&th, NULL, sqwait_thread, &a), 0);
	test_sleep_ms(50);
	woke = test_now_ns();
	CHECK_EQ(io_uring_enter(ring.ring_fd, 0, 0, IORING_ENTER_SQ_WAKEUP, NULL), 0);
	pthread_join(th, NULL);
	CHECK_EQ(a.ret, 0);
	CHECK_GE(a.done_ns, woke); /* it waited for the poller to make room */
	for (unsigned i = 0; i < 4; i++) {
		REQUIRE_TRUE(cqe_arrives(&ring, 2000, &c));
		CHECK_EQ_U(c.user_data, 10 + i);
	}
	io_uring_queue_exit(&ring);
}

TEST(sq_aff_pins_the_poller)
{
	struct io_uring ring;
	cpu_set_t set;
	int cpu = -1, tids[4], n;
	char path[64], line[256], want[16];
	bool found = false;
	FILE *f;

	REQUIRE_SYS(sched_getaffinity(0, sizeof(set), &set));
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			cpu = i; /* the last allowed CPU */
	REQUIRE_GE(cpu, 0);
	REQUIRE_EQ(pollers_settle(0, 10000), 0);
	{
		struct io_uring_params p;

		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF;
		p.sq_thread_idle = 1000;
		p.sq_thread_cpu = (unsigned)cpu;
		test_ring_init_params(4, &ring, &p);
	}
	CHECK_EQ(pollers_settle(1, 10000), 1);
	n = poller_tids(tids, 4);
	CHECK_EQ(n, 1);
	if (n != 1) {
		io_uring_queue_exit(&ring);
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tids[0]);
	snprintf(want, sizeof(want), "%d", cpu);
	f = fopen(path, "r");
	REQUIRE_TRUE(f != NULL);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Cpus_allowed_list:", 18)) {
			char *v = line + 18;

			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = 0;
			CHECK_TRUE(!strcmp(v, want));
			if (strcmp(v, want))
				printf("# poller allowed on %s, want %s\n", v, want);
			found = true;
		}
	}
	fclose(f);
	CHECK_TRUE(found);
	io_uring_queue_exit(&ring);
	CHECK_EQ(pollers_settle(0, 10000), 0);
}

/* One poller for two rings; close either first, the other keeps working. */
static void attach_case(bool close_first_first)
{
	struct io_uring a, b, *keep, *drop;
	struct io_uring_params p;
	struct test_cqe c;
	int tids[4], threads, fds;

	REQUIRE_EQ(pollers_settle(0, 10000), 0);
	threads = test_count_threads();
	fds = test_count_fds();
	sqpoll_init(&a, 8, 50, 0);
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQPOLL | IORING_SETUP_ATTACH_WQ;
	p.sq_thread_idle = 50;
	p.wq_fd = (unsigned)a.ring_fd;
	test_ring_init_params(8, &b, &p);
	CHECK_EQ(pollers_settle(1, 10000), 1); /* one thread for both rings */

	for (unsigned i = 0; i < 10; i++) {
		nop(&a, 1000 + i);
		nop(&b, 2000 + i);
		CHECK_GE(io_uring_submit(&a), 0);
		CHECK_GE(io_uring_submit(&b), 0);
		REQUIRE_TRUE(cqe_arrives(&a, 2000, &c));
		CHECK_EQ_U(c.user_data, 1000 + i);
		REQUIRE_TRUE(cqe_arrives(&b, 2000, &c));
		CHECK_EQ_U(c.user_data, 2000 + i);
	}
	/* both rings see the shared poller go to sleep */
	CHECK_TRUE(wait_need_wakeup(&a, test_now_ns(), 2000) != 0);
	CHECK_TRUE(wait_need_wakeup(&b, test_now_ns(), 2000) != 0);

	keep = close_first_first ? &b : &a;
	drop = close_first_first ? &a : &b;
	io_uring_queue_exit(drop);
	for (unsigned i = 0; i < 10; i++) {
		nop(keep, 3000 + i);
		CHECK_GE(io_uring_submit(keep), 0);
		REQUIRE_TRUE(cqe_arrives(keep, 2000, &c));
		CHECK_EQ_U(c.user_data, 3000 + i);
		if (i == 4)
			test_sleep_ms(120); /* past the idle: submit wakes it */
	}
	CHECK_EQ(poller_tids(tids, 4), 1);
	io_uring_queue_exit(keep);
	CHECK_TRUE(settles(threads, fds, 10000));
	CHECK_EQ(pollers_settle(0, 10000), 0);
}

TEST(attach_wq_close_owner_first)
{
	attach_case(true);
}

TEST(attach_wq_close_attached_first)
{
	attach_case(false);
}

TEST(teardown_sleeping_spinning)
{
	int threads, fds;
	struct io_uring ring;
	struct test_cqe c;

	/* let the library's and the engine's first-use allocations happen */
	sqpoll_init(&ring, 8, 10, 0);
	io_uring_queue_exit(&ring);
		threads = test_count_threads();
	fds = test_count_fds();

	for (int round = 0; round < 20; round++) {
		/* sleeping poller */
		sqpoll_init(&ring, 8, 5, 0);
		nop(&ring, 1);
		CHECK_GE(io_uring_submit(&ring), 0);
		REQUIRE_TRUE(cqe_arrives(&ring, 2000, &c));
		REQUIRE_TRUE(wait_need_wakeup(&ring, test_now_ns(), 2000) != 0);
		io_uring_queue_exit(&ring);

		/* spinning poller, with SQEs published and not yet consumed maybe */
		sqpoll_init(&ring, 8, 10000, 0);
		for (int i = 0; i < 8; i++)
			nop(&ring, 10 + i);
		publish(&ring);
		io_uring_queue_exit(&ring);

		/* a poller that never saw work */
		sqpoll_init(&ring, 8, 0, 0);
		io_uring_queue_exit(&ring);
	}
	CHECK_TRUE(settles(threads, fds, 10000));
}

/*
 * A ring made disabled (R_DISABLED): the poller sleeps past it; enabling it
 * wakes the poller, which then consumes SQEs published with no enter at all,
 * whether they were published before or after the enable.
 */
static void enable_wakes(bool publish_first)
{
	struct io_uring ring;
	struct test_cqe c;

	sqpoll_init(&ring, 8, 2000, IORING_SETUP_R_DISABLED);
	/* the poller is asleep by now (the kernel's sleeps at once) */
	REQUIRE_TRUE(wait_need_wakeup(&ring, test_now_ns(), 1000) != 0);
	nop(&ring, 5);
	if (publish_first)
		publish(&ring);
	REQUIRE_ERRNO(io_uring_register(ring.ring_fd, IORING_REGISTER_ENABLE_RINGS, NULL, 0), 0);
	if (!publish_first)
		publish(&ring);
	REQUIRE_TRUE(cqe_arrives(&ring, 1000, &c));
	CHECK_EQ_U(c.user_data, 5);
	CHECK_EQ(c.res, 0);
	io_uring_queue_exit(&ring);
}

TEST(enable_rings_wakes_poller)
{
	enable_wakes(false);
}

TEST(enable_rings_consumes_published)
{
	enable_wakes(true);
}

/*
 * A child that sets up an SQPOLL ring and exits costs its parent's wait(2)
 * next to nothing, as on the kernel.  Naming the poller through
 * /proc/self/task/TID/comm would make /proc dentries whose flush at the
 * child's release the parent pays for, once per child: a program that forks
 * many such children (liburing's a4c0b3decb33 test) would spend its time
 * there.  The poller keeps its name, and its creator its own.
 */
/* The parent's system time per child that makes a ring with flags and exits. */
static long long reap_children_us(unsigned flags)
{
	enum { CHILDREN = 40 };
	struct rusage ru0, ru1;

	if (getrusage(RUSAGE_SELF, &ru0))
		return -1;
	for (int i = 0; i < CHILDREN; i++) {
		int status = -1;
		pid_t pid = fork();

		if (pid < 0)
			return -1;
		if (pid == 0) {
			struct io_uring_params p;
			struct io_uring ring;

			memset(&p, 0, sizeof(p));
			p.flags = flags;
			_exit(io_uring_queue_init_params(4, &ring, &p) ? 1 : 0);
		}
		if (waitpid(pid, &status, 0) != pid || status != 0)
			return -1;
	}
	if (getrusage(RUSAGE_SELF, &ru1))
		return -1;
	return ((long long)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) * 1000000 +
		(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec)) /
	       CHILDREN;
}

TEST(poller_cheap_to_reap)
{
	char before[16] = "", after[16] = "";
	struct io_uring ring;
	long long sys_us, plain_us;

	REQUIRE_EQ(pollers_settle(0, 10000), 0);
	REQUIRE_SYS(prctl(PR_GET_NAME, (unsigned long)before, 0, 0, 0));
	sqpoll_init(&ring, 4, 1000, 0);
	REQUIRE_SYS(prctl(PR_GET_NAME, (unsigned long)after, 0, 0, 0));
	CHECK_TRUE(strcmp(after, before) == 0);
	CHECK_EQ(pollers_settle(1, 10000), 1); /* found by its name */
	io_uring_queue_exit(&ring);
	REQUIRE_EQ(pollers_settle(0, 10000), 0);

	/*
	 * Against children that make a plain ring: forking and reaping cost
	 * the parent itself (more in a sanitizer build), the poller must add
	 * little to that: less than a plain child costs plus 0.5 ms.  The
	 * bound scales with a plain child because a sanitizer's thread
	 * bookkeeping makes every thread, the poller's too, cost more; naming
	 * the poller through /proc costs many plain children.
	 */
	plain_us = reap_children_us(0);
	sys_us = reap_children_us(IORING_SETUP_SQPOLL);
	REQUIRE_GE(plain_us, 0);
	REQUIRE_GE(sys_us, 0);
	printf("# parent system time %lld us per child (%lld with plain rings)\n", sys_us,
	       plain_us);
	CHECK_LT(sys_us - plain_us, plain_us + 500);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(setup_checks),
		TEST_ENTRY(enter_returns_to_submit),
		TEST_ENTRY(no_enter_while_awake),
		TEST_ENTRY(wait_for_the_poller),
		TEST_ENTRY(need_wakeup_after_idle),
		TEST_ENTRY(thousand_sleep_wakeup_cycles),
		TEST_ENTRY(sq_wait),
		TEST_ENTRY(sq_aff_pins_the_poller),
		TEST_ENTRY(attach_wq_close_owner_first),
		TEST_ENTRY(attach_wq_close_attached_first),
		TEST_ENTRY(teardown_sleeping_spinning),
		TEST_ENTRY(enable_rings_wakes_poller),
		TEST_ENTRY(enable_rings_consumes_published),
		TEST_ENTRY(poller_cheap_to_reap),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
