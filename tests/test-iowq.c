/* SPDX-License-Identifier: MIT */
/*
 * The worker pool's registrations: IORING_REGISTER_IOWQ_AFF and
 * UNREGISTER_IOWQ_AFF (the CPUs workers started afterwards run on),
 * IORING_REGISTER_IOWQ_MAX_WORKERS's argument checks; and the argument
 * checks of the network registrations NAPI and ZCRX_IFQ.  Workers are seen as
 * the process's threads: the kernel's are named iou-wrk-*, the engine's
 * ringer-wq.
 */
#include "harness.h"

#include <dirent.h>
#include <sched.h>
#include <sys/wait.h>

static int reg(struct io_uring *ring, unsigned opcode, const void *arg, unsigned nr)
{
	return io_uring_register(ring->ring_fd, opcode, arg, nr);
}

TEST(aff_arguments)
{
	struct io_uring ring;
	cpu_set_t set;

	test_ring_init(8, &ring, 0);
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_IOWQ_AFF, NULL, sizeof(set)), -EINVAL);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_IOWQ_AFF, &set, 0), -EINVAL);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_IOWQ_AFF, (void *)8, sizeof(set)), -EFAULT);
	CHECK_EQ(reg(&ring, IORING_REGISTER_IOWQ_AFF, &set, 1), 0);
	CHECK_EQ(reg(&ring, IORING_REGISTER_IOWQ_AFF, &set, sizeof(set)), 0);
	/* an empty mask is taken */
	CPU_ZERO(&set);
	CHECK_EQ(reg(&ring, IORING_REGISTER_IOWQ_AFF, &set, sizeof(set)), 0);
	CHECK_ERRNO(reg(&ring, IORING_UNREGISTER_IOWQ_AFF, &set, 0), -EINVAL);
	CHECK_ERRNO(reg(&ring, IORING_UNREGISTER_IOWQ_AFF, NULL, 1), -EINVAL);
	CHECK_EQ(reg(&ring, IORING_UNREGISTER_IOWQ_AFF, NULL, 0), 0);
	CHECK_EQ(reg(&ring, IORING_UNREGISTER_IOWQ_AFF, NULL, 0), 0);
	io_uring_queue_exit(&ring);

	/* a disabled ring and an SQPOLL ring take it too */
	test_ring_init(8, &ring, IORING_SETUP_R_DISABLED);
	CPU_SET(0, &set);
	CHECK_EQ(reg(&ring, IORING_REGISTER_IOWQ_AFF, &set, sizeof(set)), 0);
	io_uring_queue_exit(&ring);
	test_ring_init(8, &ring, IORING_SETUP_SQPOLL);
	CHECK_EQ(reg(&ring, IORING_REGISTER_IOWQ_AFF, &set, sizeof(set)), 0);
	CHECK_EQ(reg(&ring, IORING_UNREGISTER_IOWQ_AFF, NULL, 0), 0);
	io_uring_queue_exit(&ring);
}

TEST(max_workers_arguments)
{
	unsigned vals[2] = { 0, 0 };
	struct io_uring ring;

	test_ring_init(8, &ring, 0);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_IOWQ_MAX_WORKERS, NULL, 2), -EINVAL);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_IOWQ_MAX_WORKERS, vals, 1), -EINVAL);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_IOWQ_MAX_WORKERS, (void *)8, 2), -EFAULT);
	vals[0] = 0x80000000u;
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_IOWQ_MAX_WORKERS, vals, 2), -EINVAL);
	vals[0] = 0;
	CHECK_EQ(reg(&ring, IORING_REGISTER_IOWQ_MAX_WORKERS, vals, 2), 0);
	CHECK_NE_U(vals[0], 0);
	io_uring_queue_exit(&ring);
}

/* NAPI and zero-copy receive: the argument checks (what follows: test-divergence.c) */
TEST(napi_zcrx_arguments)
{
	char arg[256] = { 0 };
	struct io_uring ring;

	test_ring_init(8, &ring, 0);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_NAPI, NULL, 1), -EINVAL);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_NAPI, arg, 0), -EINVAL);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_NAPI, arg, 2), -EINVAL);
	CHECK_ERRNO(reg(&ring, IORING_UNREGISTER_NAPI, NULL, 0), -EINVAL);
	CHECK_ERRNO(reg(&ring, IORING_UNREGISTER_NAPI, arg, 0), -EINVAL);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_ZCRX_IFQ, NULL, 1), -EINVAL);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_ZCRX_IFQ, arg, 0), -EINVAL);
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_ZCRX_IFQ, arg, 2), -EINVAL);
	/* zero-copy receive wants DEFER_TASKRUN and big CQEs first */
	CHECK_ERRNO(reg(&ring, IORING_REGISTER_ZCRX_IFQ, arg, 1), -EINVAL);
	io_uring_queue_exit(&ring);
}

/* Run n NOPs through the worker pool and reap them. */
static void async_nops(struct io_uring *ring, unsigned n)
{
	struct test_cqe c[8];

	for (unsigned i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

		io_uring_prep_nop(sqe);
		sqe->flags = IOSQE_ASYNC;
		sqe->user_data = i;
	}
	test_submit_reap(ring, c, n);
	for (unsigned i = 0; i < n; i++)
		CHECK_EQ(c[i].res, 0);
}

/*
 * The workers alive now: how many, and how many of them may run on `cpu`
 * only (the others' masks are ORed into *others).
 */
static unsigned workers(int cpu, unsigned *only_cpu)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	unsigned n = 0;

	*only_cpu = 0;
	REQUIRE_TRUE(d != NULL);
	while ((e = readdir(d))) {
		char path[64], comm[32] = "";
		int tid = atoi(e->d_name);
		cpu_set_t set;
		FILE *f;

		if (tid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tid);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = 0;
		fclose(f);
		if (strncmp(comm, "iou-wrk", 7) && strncmp(comm, "ringer-wq", 9))
			continue;
		CPU_ZERO(&set);
		if (sched_getaffinity(tid, sizeof(set), &set))
			continue; /* gone meanwhile */
		n++;
		if (CPU_COUNT(&set) == 1 && CPU_ISSET(cpu, &set))
			(*only_cpu)++;
	}
	closedir(d);
	return n;
}

/* In a fresh process: the kernel's pool is the task's, shared by its rings. */
static void affinity_child(int cpu)
{
	unsigned n, pinned;
	struct io_uring ring;
	cpu_set_t set;

	test_ring_init(8, &ring, 0);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	REQUIRE_EQ(reg(&ring, IORING_REGISTER_IOWQ_AFF, &set, sizeof(set)), 0);
	async_nops(&ring, 1);
	n = workers(cpu, &pinned);
	CHECK_GE_U(n, 1);
	CHECK_EQ_U(pinned, n);
	/* unregistered: a worker already running keeps its CPUs */
	REQUIRE_EQ(reg(&ring, IORING_UNREGISTER_IOWQ_AFF, NULL, 0), 0);
	async_nops(&ring, 1);
	n = workers(cpu, &pinned);
	CHECK_GE_U(pinned, 1);
	io_uring_queue_exit(&ring);
}

/* Registered before the first worker starts: the workers run on that CPU only. */
TEST(aff_pins_new_workers)
{
	cpu_set_t mine;
	int cpu = -1;
	pid_t pid;
	int status;

	CPU_ZERO(&mine);
	REQUIRE_EQ(sched_getaffinity(0, sizeof(mine), &mine), 0);
	if (CPU_COUNT(&mine) < 2) {
		SKIP_CASE(SKIP_ENVIRONMENT, "the process may run on one CPU only");
		return;
	}
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &mine))
			cpu = i; /* the last one: not where a fresh thread tends to start */
	fflush(stdout);
	pid = fork();
	REQUIRE_GE(pid, 0);
	if (pid == 0) {
		affinity_child(cpu);
		fflush(stdout);
		_exit(test_case_failed() ? 1 : 0);
	}
	REQUIRE_EQ(waitpid(pid, &status, 0), pid);
	CHECK_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(aff_arguments),
		TEST_ENTRY(max_workers_arguments),
		TEST_ENTRY(aff_pins_new_workers),
		TEST_ENTRY(napi_zcrx_arguments),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
