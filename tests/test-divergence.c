/* SPDX-License-Identifier: MIT */
/*
 * The known differences between the user engine and Linux 6.18, each shown
 * by a case that observes one value: on the kernel backend the case checks
 * the kernel's value, on the user backend the engine's documented value, and
 * prints both.  When the engine learns a feature, its case fails here until
 * the divergence is taken off this list (and docs/API.md).
 */
#include "harness.h"

#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* mmap of the ring fd at offset off (with an address hint): 0 or -errno. */
static int map_ring(void *hint, off_t off)
{
	struct io_uring_params p;
	void *ptr;
	int fd, ret = 0;

	memset(&p, 0, sizeof(p));
	fd = test_setup_raw(4, &p);
	if (fd < 0)
		return fd;
	ptr = mmap(hint, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
	if (ptr == MAP_FAILED)
		ret = -errno;
	else
		munmap(ptr, 4096);
	test_close_ring_fd(fd);
	return ret;
}

static int mmap_address_hint(void)
{
	/* a hint the process could use: a page just unmapped (sanitizers map a lot) */
	void *hint = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	REQUIRE_TRUE(hint != MAP_FAILED);
	munmap(hint, 4096);
	return map_ring(hint, IORING_OFF_SQ_RING);
}

/* n NOPs, 32-byte CQEs (IORING_NOP_CQE32) when big, submitted in one call */
static void submit_nops(struct io_uring *ring, unsigned n, bool big)
{
	for (unsigned i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = test_get_sqe(ring);

		io_uring_prep_nop(sqe);
		if (big)
			sqe->nop_flags = IORING_NOP_CQE32;
	}
	CHECK_EQ(io_uring_submit(ring), (int)n);
}

/*
 * A CQE_MIXED ring of 8 slots, a 32-byte CQE in the backlog and one slot
 * free: does a 16-byte CQE posted next go into it (1) or queue behind (0)?
 */
static int mixed_small_passes_backlog(void)
{
	struct io_uring_params p = { .flags = IORING_SETUP_CQE_MIXED };
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	int ret;

	if (io_uring_queue_init_params(4, &ring, &p))
		return -1;
	submit_nops(&ring, 3, true); /* slots 0-5 */
	submit_nops(&ring, 3, false); /* 6, 7 and the backlog */
	io_uring_cq_advance(&ring, 2);
	io_uring_peek_cqe(&ring, &cqe); /* the backlog into slot 0: one free */
	submit_nops(&ring, 1, true); /* to the backlog */
	submit_nops(&ring, 1, false);
	ret = *ring.cq.ktail - *ring.cq.khead == 8;
	io_uring_queue_exit(&ring);
	return ret;
}

/*
 * IORING_SQ_TASKRUN on a SINGLE_ISSUER|DEFER_TASKRUN|TASKRUN_FLAG ring while
 * a pipe read waits for data, nothing completed: 1 if set, 0 if not, else
 * -errno.  The engine sets it while requests that complete in another
 * thread are in flight (cq.c), the kernel only once task work is queued.
 */
static int defer_taskrun_flag_while_read_waits(void)
{
	struct io_uring ring;
	char buf[8];
	int p[2], res;

	if (pipe(p))
		return -errno;
	test_ring_init(4, &ring,
		       IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
			       IORING_SETUP_TASKRUN_FLAG);
	io_uring_prep_read(io_uring_get_sqe(&ring), p[0], buf, sizeof(buf), 0);
	res = io_uring_submit(&ring) == 1 ? 0 : -EIO;
	if (!res)
		res = !!(IO_URING_READ_ONCE(*ring.sq.kflags) & IORING_SQ_TASKRUN);
	io_uring_queue_exit(&ring);
	close(p[0]);
	close(p[1]);
	return res;
}

/* Drop the library's mappings of ring without closing its fd. */
static void unmap_ring(struct io_uring *ring)
{
	munmap(ring->sq.sqes, ring->sq.ring_entries * sizeof(struct io_uring_sqe));
	if (ring->cq.ring_ptr != ring->sq.ring_ptr)
		munmap(ring->cq.ring_ptr, ring->cq.ring_sz);
	munmap(ring->sq.ring_ptr, ring->sq.ring_sz);
}

/*
 * The ring fd closed while its mappings are kept.  The kernel
 * keeps the ring alive for the mappings, and a pending pipe read still
 * completes with the data written afterwards; ringer_close() tears the engine
 * ring down at once and the read ends cancelled.  Returns the res of the CQE
 * found in the mapping after the pipe got data (-ETIME if there is none).
 */
static int close_with_mappings_kept(void)
{
	struct io_uring ring;
	char buf[8];
	int p[2], res;

	REQUIRE_SYS(pipe(p));
	test_ring_init(4, &ring, 0);
	io_uring_prep_read(io_uring_get_sqe(&ring), p[0], buf, sizeof(buf), 0);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	test_close_ring_fd(ring.ring_fd);
	REQUIRE_EQ(write(p[1], "x", 1), 1);
	/* until the CQE is there, not a fixed time: it may come late under load */
	for (int i = 0; i < 5000 && !io_uring_cq_ready(&ring); i++)
		test_sleep_ms(1);
	res = -ETIME;
	if (io_uring_cq_ready(&ring))
		res = ring.cq.cqes[*ring.cq.khead & ring.cq.ring_mask].res;
	unmap_ring(&ring);
	close(p[0]);
	close(p[1]);
	return res;
}

/* A forked child submits a NOP to the ring it inherited: 1 if it got its CQE, else -errno. */
static int fork_child_submits(void)
{
	struct io_uring ring;
	int status, res;
	pid_t pid;

	test_ring_init(4, &ring, 0);
	pid = fork();
	if (pid == 0) {
		struct io_uring_cqe *cqe;
		int ret;

		alarm(10);
		io_uring_prep_nop(io_uring_get_sqe(&ring));
		ret = io_uring_submit_and_wait(&ring, 1);
		if (ret < 0)
			_exit(-ret);
		ret = io_uring_peek_cqe(&ring, &cqe);
		_exit(ret < 0 ? -ret : cqe->res == 0 ? 0 : 100);
	}
	res = -ECHILD;
	if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		res = WEXITSTATUS(status) ? -WEXITSTATUS(status) : 1;
	io_uring_queue_exit(&ring);
	return res;
}

/*
 * inotify IN_ACCESS events raised by a batch of reads of a cached file at
 * offsets (the engine runs them on native AIO, which raises none): 1 if any
 * event came, 0 if none, else -errno.
 */
static int reads_raise_in_access(void)
{
	static char data[3 * 4096], buf[3][4096];
	struct io_uring ring;
	struct test_cqe c[3];
	char ev[1024];
	const char *path;
	int fd, in, res;

	fd = test_tmpfile_with(data, sizeof(data), &path);
	in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0 || in < 0 || inotify_add_watch(in, path, IN_ACCESS) < 0)
		return -errno;
	test_ring_init(4, &ring, 0);
	/* the second batch is measured: the engine learns the file's kind in the first */
	res = 0;
	for (int round = 0; round < 2 && !res; round++) {
		while (read(in, ev, sizeof(ev)) > 0)
			;
		for (int i = 0; i < 3; i++)
			io_uring_prep_read(test_get_sqe(&ring), fd, buf[i], 4096, 4096 * i);
		res = test_submit_reap(&ring, c, 3) == 3 ? 0 : -EIO;
		for (int i = 0; !res && i < 3; i++)
			if (c[i].res != 4096)
				res = c[i].res < 0 ? c[i].res : -EIO;
	}
	if (!res)
		res = read(in, ev, sizeof(ev)) > 0;
	io_uring_queue_exit(&ring);
	close(in);
	close(fd);
	return res;
}

/*
 * IORING_SQ_TASKRUN in the SQ flags of a plain ring (no TASKRUN_FLAG) while
 * a receive waits for data: 1 if set, 0 if not, else -errno.  The engine
 * sets it so that liburing's peek enters and runs the reactor's work.
 */
static int taskrun_flag_while_recv_waits(void)
{
	struct io_uring ring;
	char buf[8];
	int sv[2], res;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -errno;
	test_ring_init(4, &ring, 0);
	io_uring_prep_recv(io_uring_get_sqe(&ring), sv[0], buf, sizeof(buf), 0);
	res = io_uring_submit(&ring) == 1 ? 0 : -EIO;
	if (!res)
		res = !!(IO_URING_READ_ONCE(*ring.sq.kflags) & IORING_SQ_TASKRUN);
	io_uring_queue_exit(&ring);
	close(sv[0]);
	close(sv[1]);
	return res;
}

/* IORING_REGISTER_NAPI with a zeroed struct io_uring_napi (16 bytes): 0 or -errno */
static int register_napi(void)
{
	uint64_t napi[2] = { 0, 0 };
	struct io_uring ring;
	int ret;

	test_ring_init(4, &ring, 0);
	ret = io_uring_register(ring.ring_fd, IORING_REGISTER_NAPI, napi, 1);
	io_uring_queue_exit(&ring);
	return ret;
}

struct divergence {
	const char *what;
	int (*observe)(void);
	int kernel; /* Linux 6.18 */
	int engine; /* the user engine, as documented */
};

static const struct divergence list[] = {
	{ "mmap with an address hint (kernel -EINVAL)", mmap_address_hint, -EINVAL, 0 },
	{ "CQE_MIXED: a 16-byte CQE passes a 32-byte one in the backlog",
	  mixed_small_passes_backlog, 1, 0 },
	{ "pipe READ pending when the ring fd is closed, mappings kept",
	  close_with_mappings_kept, 1, -ECANCELED },
	{ "a forked child submits to the ring it inherited", fork_child_submits, 1, -EOPNOTSUPP },
	{ "inotify IN_ACCESS from a batch of cached reads (the engine's go through AIO)",
	  reads_raise_in_access, 1, 0 },
	{ "IORING_SQ_TASKRUN on a plain ring while a receive waits",
	  taskrun_flag_while_recv_waits, 0, 1 },
	{ "IORING_SQ_TASKRUN on a DEFER_TASKRUN|TASKRUN_FLAG ring while a read waits",
	  defer_taskrun_flag_while_read_waits, 0, 1 },
	{ "IORING_REGISTER_NAPI (the engine: as a kernel without busy polling)", register_napi,
	  0, -EOPNOTSUPP },
};

TEST(known_divergences)
{
	bool user = ringer_get_backend() == RINGER_BACKEND_USER;

	for (size_t i = 0; i < ARRAY_SIZE(list); i++) {
		const struct divergence *d = &list[i];
		int got = d->observe();

		printf("# %-70s kernel %d, engine %d: got %d\n", d->what, d->kernel, d->engine,
		       got);
		CHECK_EQ(got, user ? d->engine : d->kernel);
	}
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(known_divergences),
	};

	if (ringer_get_backend() == RINGER_BACKEND_AUTO) {
		printf("# RINGER_BACKEND=auto: the divergences are listed per backend: skip\n");
		return TEST_SKIP;
	}
	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
