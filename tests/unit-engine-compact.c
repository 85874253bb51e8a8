// SPDX-License-Identifier: MIT
/*
 * A ring created under a small RLIMIT_FSIZE: the engine packs its regions at
 * the start of the ring file (a sparse 256 MiB file would exceed the limit),
 * and engine_map_offset() tells where each region is; libringer's mmap
 * finds them from the ABI offsets.  A NOP goes round trip through the
 * mappings made that way.  RESIZE_RINGS moves the SQEs after the new rings
 * in such a file, which grows within the limit (beyond it: -ENOMEM).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "harness.h"
#include "engine/api.h"

TEST(compact_ring_under_fsize_limit)
{
	struct rlimit old, rl;
	struct io_uring_params p;
	unsigned *sq_tail, *sq_array, *cq_head, *cq_tail;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	void *sq, *cq;
	int fd, ret;

	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	rl = old;
	rl.rlim_cur = 1 << 20;
	if (setrlimit(RLIMIT_FSIZE, &rl))
		SKIP_CASE(SKIP_ENVIRONMENT, "cannot lower RLIMIT_FSIZE");
	memset(&p, 0, sizeof(p));
	fd = ringer_setup(4, &p);
	setrlimit(RLIMIT_FSIZE, &old);
	REQUIRE_MSG(fd >= 0, "setup under RLIMIT_FSIZE: %d", fd);
	/* at the ABI offsets: libringer's mmap finds the regions (lib/mmapwrap.c) */
	sq = mmap(NULL, p.sq_off.array + 16, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		  IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes + 8 * 16, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		  IORING_OFF_CQ_RING);
	sqes = mmap(NULL, 4 * 64, PROT_READ | PROT_WRITE, MAP_SHARED, fd, IORING_OFF_SQES);
	REQUIRE_MSG(sq != MAP_FAILED && cq != MAP_FAILED && sqes != MAP_FAILED, "mmap: %s",
		    strerror(errno));
	CHECK_MSG(engine_map_offset(fd, IORING_OFF_SQES) != IORING_OFF_SQES, "not compact");
	sq_tail = (unsigned *)((char *)sq + p.sq_off.tail);
	sq_array = (unsigned *)((char *)sq + p.sq_off.array);
	cq_head = (unsigned *)((char *)cq + p.cq_off.head);
	cq_tail = (unsigned *)((char *)cq + p.cq_off.tail);
	cqes = (struct io_uring_cqe *)((char *)cq + p.cq_off.cqes);
	memset(&sqes[0], 0, sizeof(sqes[0]));
	sqes[0].opcode = IORING_OP_NOP;
	sqes[0].user_data = 42;
	sq_array[0] = 0;
	io_uring_smp_store_release(sq_tail, 1);
	ret = ringer_enter(fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0);
	CHECK_MSG(ret == 1 && io_uring_smp_load_acquire(cq_tail) == 1 && cqes[0].user_data == 42 &&
			  cqes[0].res == 0,
		  "nop round trip: enter %d tail %u", ret, *cq_tail);
	io_uring_smp_store_release(cq_head, 1);
	munmap(sq, p.sq_off.array + 16);
	munmap(cq, p.cq_off.cqes + 8 * 16);
	munmap(sqes, 4 * 64);
	ringer_close(fd);
}

static void *map_at(int fd, size_t len, uint64_t off)
{
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);

	REQUIRE_MSG(m != MAP_FAILED, "mmap at %#llx: %s", (unsigned long long)off, strerror(errno));
	return m;
}

TEST(compact_ring_resized)
{
	struct rlimit old, rl;
	struct io_uring_params p, np;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	unsigned *h, *arr;
	char *ring;
	int fd, ret;

	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	rl = old;
	rl.rlim_cur = 1 << 20;
	if (setrlimit(RLIMIT_FSIZE, &rl))
		SKIP_CASE(SKIP_ENVIRONMENT, "cannot lower RLIMIT_FSIZE");
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	fd = ringer_setup(4, &p);
	REQUIRE_MSG(fd >= 0, "setup under RLIMIT_FSIZE: %d", fd);
	ring = map_at(fd, 4096, IORING_OFF_SQ_RING);
	sqes = map_at(fd, 4 * 64, IORING_OFF_SQES);
	h = (unsigned *)ring;
	arr = (unsigned *)(ring + p.sq_off.array);
	for (unsigned i = 0; i < 3; i++) {
		memset(&sqes[i], 0, sizeof(sqes[i]));
		sqes[i].opcode = IORING_OP_NOP;
		sqes[i].user_data = 10 + i;
		arr[i] = i;
	}
	io_uring_smp_store_release(&h[1], 1);
	REQUIRE_EQ(ringer_enter(fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0), 1);
	io_uring_smp_store_release(&h[1], 3); /* two queued */

	/* 32768 entries: 2 MiB of SQEs, past the limit */
	memset(&np, 0, sizeof(np));
	np.sq_entries = 32768;
	CHECK_EQ(ringer_register(fd, IORING_REGISTER_RESIZE_RINGS, &np, 1), -ENOMEM);
	memset(&np, 0, sizeof(np));
	np.sq_entries = 128;
	ret = ringer_register(fd, IORING_REGISTER_RESIZE_RINGS, &np, 1);
	setrlimit(RLIMIT_FSIZE, &old);
	REQUIRE_EQ(ret, 0);
	munmap(ring, 4096);
	munmap(sqes, 4 * 64);
	CHECK_EQ_U(engine_map_offset(fd, IORING_OFF_SQES), 2 * 4096); /* after the rings' 2 pages */
	ring = map_at(fd, 2 * 4096, IORING_OFF_SQ_RING);
	sqes = map_at(fd, 128 * 64, IORING_OFF_SQES);
	h = (unsigned *)ring;
	cqes = (struct io_uring_cqe *)(ring + 64);
	arr = (unsigned *)(ring + 64 + 256 * 16);
	CHECK_EQ_U(h[3], 1);
	CHECK_EQ_U(cqes[0].user_data, 10);
	CHECK_EQ_U(sqes[1].user_data, 11);
	CHECK_EQ_U(sqes[2].user_data, 12);
	arr[1] = 1;
	arr[2] = 2;
	REQUIRE_EQ(ringer_enter(fd, 2, 2, IORING_ENTER_GETEVENTS, NULL, 0), 2);
	CHECK_EQ_U(io_uring_smp_load_acquire(&h[3]), 3);
	CHECK_EQ_U(cqes[2].user_data, 12);
	munmap(ring, 2 * 4096);
	munmap(sqes, 128 * 64);
	ringer_close(fd);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(compact_ring_under_fsize_limit),
		TEST_ENTRY(compact_ring_resized),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
