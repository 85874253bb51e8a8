/* SPDX-License-Identifier: MIT */
/*
 * The out-of-line calls of liburing 2.15's API that ringer added: the
 * register wrappers (restrictions, io-wq affinity, file allocation range,
 * napi, zcrx, memory regions, BPF filters, ring-less sync messages and
 * queries), the __io_uring_clone_buffers variants, io_uring_set_iowait,
 * io_uring_submit_and_wait_reg, the memory sizing calls,
 * io_uring_queue_init_mem (IORING_SETUP_NO_MMAP, REGISTERED_FD_ONLY) and
 * io_uring_resize_rings.
 *
 * Each call is checked for the kernel's answer (the oracle).  Where the
 * engine lacks what a call asks for, its answer on RINGER_BACKEND=user is
 * the kernel's for an unsupported case (docs/API.md lists which): the
 * checks accept exactly that there.
 */
#include "harness.h"

#include <sys/mman.h>

/* A restricted ring (R_DISABLED, NOP only, then enabled) refuses a READ with -EACCES. */
TEST(register_restrictions)
{
	struct io_uring_restriction res = {
		.opcode = IORING_RESTRICTION_SQE_OP,
		.sqe_op = IORING_OP_NOP,
	};
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	char buf[8];

	/* on a ring that is not disabled: -EBADFD */
	test_ring_init(4, &ring, 0);
	CHECK_EQ(io_uring_register_restrictions(&ring, &res, 1), -EBADFD);
	io_uring_queue_exit(&ring);

	test_ring_init(4, &ring, IORING_SETUP_R_DISABLED);
	CHECK_EQ(io_uring_register_restrictions(&ring, &res, 1), 0);
	CHECK_EQ(io_uring_enable_rings(&ring), 0);
	CHECK_EQ(test_nop_round_trip(&ring, 1), 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, 0, buf, sizeof(buf), 0);
	io_uring_sqe_set_data64(sqe, 2);
	CHECK_EQ(test_submit_one(&ring, 2).res, -EACCES);
	io_uring_queue_exit(&ring);
}

TEST(register_iowq_aff)
{
	struct io_uring ring;
	cpu_set_t set;

	test_ring_init(4, &ring, 0);
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	CHECK_EQ(io_uring_register_iowq_aff(&ring, sizeof(set), &set), 0);
	CHECK_EQ(io_uring_unregister_iowq_aff(&ring), 0);
	io_uring_queue_exit(&ring);
}

/* A direct socket with ALLOC takes the first slot of the range. */
TEST(register_file_alloc_range)
{
	struct io_uring_sqe *sqe;
	struct io_uring ring;

	test_ring_init(4, &ring, 0);
	/* no file table yet */
	CHECK_EQ(io_uring_register_file_alloc_range(&ring, 0, 4), -EINVAL);
	REQUIRE_EQ(io_uring_register_files_sparse(&ring, 8), 0);
	CHECK_EQ(io_uring_register_file_alloc_range(&ring, 8, 1), -EINVAL);
	CHECK_EQ(io_uring_register_file_alloc_range(&ring, 5, 2), 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_socket_direct_alloc(sqe, AF_UNIX, SOCK_DGRAM, 0, 0);
	io_uring_sqe_set_data64(sqe, 1);
	CHECK_EQ(test_submit_one(&ring, 1).res, 5);
	io_uring_queue_exit(&ring);
}

TEST(register_napi)
{
	struct io_uring_napi napi = { .busy_poll_to = 10 };
	struct io_uring ring;
	int ret;

	test_ring_init(4, &ring, 0);
	ret = io_uring_register_napi(&ring, &napi);
	if (test_backend_is("user")) {
		/* as a kernel built without busy polling (docs/API.md) */
		CHECK_EQ(ret, -EOPNOTSUPP);
		CHECK_EQ(io_uring_unregister_napi(&ring, &napi), -EOPNOTSUPP);
	} else {
		CHECK_EQ(ret, 0);
		memset(&napi, 0, sizeof(napi));
		CHECK_EQ(io_uring_unregister_napi(&ring, &napi), 0);
		/* the settings that were in force come back */
		CHECK_EQ_U(napi.busy_poll_to, 10);
	}
	io_uring_queue_exit(&ring);
}

/* zcrx needs a NIC queue: a zeroed registration is refused on both */
TEST(register_zcrx)
{
	struct io_uring_zcrx_ifq_reg reg;
	struct zcrx_ctrl ctrl;
	struct io_uring ring;

	test_ring_init(4, &ring, 0);
	memset(&reg, 0, sizeof(reg));
	memset(&ctrl, 0, sizeof(ctrl));
	CHECK_EQ(io_uring_register_ifq(&ring, &reg), -EINVAL);
	CHECK_EQ(io_uring_register_zcrx_ctrl(&ring, &ctrl), -EINVAL);
	io_uring_queue_exit(&ring);
}

/* liburing's wait_reg opcode never shipped; BPF filters are past 6.18 */
TEST(register_refused_everywhere)
{
	struct io_uring_reg_wait rw;
	struct io_uring ring;

	test_ring_init(4, &ring, 0);
	memset(&rw, 0, sizeof(rw));
	CHECK_EQ(io_uring_register_wait_reg(&ring, &rw, 1), -EINVAL);
	CHECK_EQ(io_uring_register_bpf_filter(&ring, NULL), -EINVAL);
	CHECK_EQ(io_uring_register_bpf_filter_task(NULL), -EINVAL);
	io_uring_queue_exit(&ring);
}

/* A MSG_RING SQE posted with no ring of the sender's. */
TEST(register_sync_msg)
{
	struct io_uring_sqe sqe;
	struct io_uring_cqe *cqe;
	struct io_uring ring;

	test_ring_init(4, &ring, 0);
	memset(&sqe, 0, sizeof(sqe));
	io_uring_prep_msg_ring(&sqe, ring.ring_fd, 7, 0x55, 0);
	CHECK_EQ(io_uring_register_sync_msg(&sqe), 0);
	REQUIRE_EQ(io_uring_peek_cqe(&ring, &cqe), 0);
	CHECK_EQ_U(cqe->user_data, 0x55);
	CHECK_EQ(cqe->res, 7);
	io_uring_cqe_seen(&ring, cqe);
	/* a ring-less message to nothing */
	io_uring_prep_msg_ring(&sqe, -1, 7, 0x55, 0);
	CHECK_EQ(io_uring_register_sync_msg(&sqe), -EBADF);
	io_uring_queue_exit(&ring);
}

/* OPCODES: as many request opcodes as the probe knows */
TEST(register_query)
{
	struct io_uring_query_opcode qo;
	struct io_uring_query_hdr q;
	struct io_uring_probe *probe;
	int ret;

	memset(&q, 0, sizeof(q));
	memset(&qo, 0, sizeof(qo));
	q.query_op = IO_URING_QUERY_OPCODES;
	q.query_data = (uintptr_t)&qo;
	q.size = sizeof(qo);
	ret = io_uring_register_query(&q);
	test_skip_if_refused(ret, "io_uring_register_query");
	CHECK_EQ(ret, 0);
	CHECK_EQ(q.result, 0);
	probe = io_uring_get_probe();
	REQUIRE_TRUE(probe != NULL);
	CHECK_EQ_U(qo.nr_request_opcodes, probe->last_op + 1U);
	io_uring_free_probe(probe);
	CHECK_GT(qo.nr_register_opcodes, 0);
}

/* __io_uring_clone_buffers(): flags as given, DST_REPLACE replacing a table */
TEST(clone_buffers_flags)
{
	static char a[4096], b[4096];
	struct iovec iov[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	struct io_uring src, dst;

	test_ring_init(4, &src, 0);
	test_ring_init(4, &dst, 0);
	REQUIRE_EQ(io_uring_register_buffers(&src, iov, 2), 0);
	CHECK_EQ(__io_uring_clone_buffers(&dst, &src, 0), 0);
	/* dst has a table now */
	CHECK_EQ(io_uring_clone_buffers(&dst, &src), -EBUSY);
	CHECK_EQ(__io_uring_clone_buffers(&dst, &src, IORING_REGISTER_DST_REPLACE), 0);
	CHECK_EQ(__io_uring_clone_buffers_offset(&dst, &src, 0, 1, 1, IORING_REGISTER_DST_REPLACE),
		 0);
	/* a source range beyond src's table */
	CHECK_EQ(__io_uring_clone_buffers_offset(&dst, &src, 0, 2, 1, IORING_REGISTER_DST_REPLACE),
		 -EOVERFLOW);
	io_uring_queue_exit(&dst);
	io_uring_queue_exit(&src);
}

/* 0 where the ring has IORING_FEAT_NO_IOWAIT, -EOPNOTSUPP where not; waits go on */
TEST(set_iowait)
{
	struct io_uring ring;
	int want;

	test_ring_init(4, &ring, 0);
	want = (ring.features & IORING_FEAT_NO_IOWAIT) ? 0 : -EOPNOTSUPP;
	CHECK_EQ(io_uring_set_iowait(&ring, false), want);
	CHECK_EQ(test_nop_round_trip(&ring, 1), 0);
	CHECK_EQ(io_uring_submit_and_wait(&ring, 0), 0);
	CHECK_EQ(io_uring_set_iowait(&ring, true), want);
	CHECK_EQ(test_nop_round_trip(&ring, 2), 0);
	io_uring_queue_exit(&ring);
}

/*
 * Registered wait arguments: a region of struct io_uring_reg_wait
 * registered before the ring is enabled, then waits naming an entry.
 */
TEST(submit_and_wait_reg)
{
	long page = sysconf(_SC_PAGESIZE);
	struct io_uring_region_desc rd;
	struct io_uring_mem_region_reg mr;
	struct io_uring_reg_wait *rw;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	uint64_t t0;

	rw = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE_TRUE(rw != MAP_FAILED);
	test_ring_init(4, &ring, IORING_SETUP_R_DISABLED);
	memset(&rd, 0, sizeof(rd));
	rd.user_addr = (uintptr_t)rw;
	rd.size = (__u64)page;
	rd.flags = IORING_MEM_REGION_TYPE_USER;
	memset(&mr, 0, sizeof(mr));
	mr.region_uptr = (uintptr_t)&rd;
	mr.flags = IORING_MEM_REGION_REG_WAIT_ARG;
	REQUIRE_EQ(io_uring_register_region(&ring, &mr), 0);
	REQUIRE_EQ(io_uring_enable_rings(&ring), 0);

	/* entry 1: a 20 ms timeout; nothing completes */
	rw[1].ts.tv_nsec = 20 * 1000 * 1000;
	rw[1].flags = IORING_REG_WAIT_TS;
	t0 = test_now_ns();
	CHECK_EQ(io_uring_submit_and_wait_reg(&ring, &cqe, 1, 1), -ETIME);
	CHECK_GE((long long)(test_now_ns() - t0), 15LL * 1000 * 1000);

	/* a NOP submitted by the same call completes the wait: 1 submitted */
	sqe = test_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, 3);
	REQUIRE_EQ(io_uring_submit_and_wait_reg(&ring, &cqe, 1, 1), 1);
	REQUIRE_TRUE(cqe != NULL);
	CHECK_EQ_U(cqe->user_data, 3);
	io_uring_cqe_seen(&ring, cqe);

	/* an entry beyond the region */
	CHECK_EQ(io_uring_submit_and_wait_reg(&ring, &cqe, 1, (int)(page / (long)sizeof(*rw))),
		 -EFAULT);
	io_uring_queue_exit(&ring);
	munmap(rw, (size_t)page);
}

/* the sizes io_uring_queue_init_mem() will use, and what setup refuses */
TEST(memory_size)
{
	struct io_uring_params p;

	CHECK_EQ(io_uring_memory_size(0, 0), -EINVAL);
	CHECK_EQ(io_uring_memory_size(32769, 0), -EINVAL);
	CHECK_EQ(io_uring_memory_size(32769, IORING_SETUP_CLAMP), io_uring_memory_size(32768, 0));
	/* rounded up to a power of 2 */
	CHECK_EQ(io_uring_memory_size(5, 0), io_uring_memory_size(8, 0));
	/* whole pages, growing with the ring and its entry sizes */
	CHECK_EQ(io_uring_memory_size(8, 0) % sysconf(_SC_PAGESIZE), 0);
	CHECK_LT(io_uring_memory_size(64, 0), io_uring_memory_size(1024, 0));
	CHECK_LT(io_uring_memory_size(1024, 0), io_uring_memory_size(1024, IORING_SETUP_SQE128));
	CHECK_LT(io_uring_memory_size(1024, 0), io_uring_memory_size(1024, IORING_SETUP_CQE32));
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_CQSIZE;
	CHECK_EQ(io_uring_memory_size_params(8, &p), -EINVAL);
	p.cq_entries = 4;
	CHECK_EQ(io_uring_memory_size_params(8, &p), -EINVAL);
	p.cq_entries = 4096;
	CHECK_GT(io_uring_memory_size_params(8, &p), io_uring_memory_size(8, 0));
	/* ring memory is not charged as memlock where workers are native */
	CHECK_EQ(io_uring_mlock_size(8, 0), 0);
	CHECK_EQ(io_uring_mlock_size(0, 0), -EINVAL);
	CHECK_EQ(io_uring_mlock_size_params(8, &p), 0);
}

static void *map_zeroed(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Rings in the program's memory, for each ring layout the sizes cover. */
TEST(queue_init_mem)
{
	static const unsigned flags[] = { 0, IORING_SETUP_NO_SQARRAY, IORING_SETUP_CQE32,
					  IORING_SETUP_SQE128, IORING_SETUP_CQE_MIXED,
					  IORING_SETUP_SQE128 | IORING_SETUP_CQE32 };
	struct io_uring_params p;
	struct io_uring ring;
	size_t len = 4 << 20;
	char *buf = map_zeroed(len);
	ssize_t need;
	int ret;

	REQUIRE_TRUE(buf != NULL);
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		need = io_uring_memory_size(256, flags[i]);
		REQUIRE_GT(need, 0);
		memset(&p, 0, sizeof(p));
		p.flags = flags[i];
		/* too small: refused before setup */
		CHECK_EQ(io_uring_queue_init_mem(256, &ring, &p, buf, (size_t)need - 1), -ENOMEM);
		memset(&p, 0, sizeof(p));
		p.flags = flags[i];
		ret = io_uring_queue_init_mem(256, &ring, &p, buf, (size_t)need);
		test_skip_if_refused(ret, "io_uring_queue_init_mem");
		CHECK_MSG(ret == need, "flags %#x: init_mem %d, memory_size %zd", flags[i], ret,
			  need);
		if (ret < 0)
			continue;
		CHECK_TRUE(p.flags & IORING_SETUP_NO_MMAP);
		CHECK_EQ(test_nop_round_trip(&ring, i + 1), 0);
		CHECK_EQ(test_nop_round_trip(&ring, i + 100), 0);
		io_uring_queue_exit(&ring);
		memset(buf, 0, len);
	}
	/* a second ring after the first, in the same memory */
	memset(&p, 0, sizeof(p));
	ret = io_uring_queue_init_mem(8, &ring, &p, buf, len);
	{
		struct io_uring ring2;

		REQUIRE_GT(ret, 0);
		memset(&p, 0, sizeof(p));
		REQUIRE_EQ(io_uring_queue_init_mem(8, &ring2, &p, buf + ret, len - (size_t)ret),
			   ret);
		CHECK_EQ(test_nop_round_trip(&ring, 1), 0);
		CHECK_EQ(test_nop_round_trip(&ring2, 2), 0);
		io_uring_queue_exit(&ring2);
		io_uring_queue_exit(&ring);
	}
	munmap(buf, len);
}

/* REGISTERED_FD_ONLY: the ring is known by its registered index alone */
TEST(queue_init_mem_registered_fd_only)
{
	static char data[4096];
	struct iovec iov = { data, sizeof(data) };
	struct io_uring_params p;
	struct io_uring ring;
	size_t len = 1 << 20;
	void *buf = map_zeroed(len);
	int ret, fds = test_count_fds();

	REQUIRE_TRUE(buf != NULL);
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_REGISTERED_FD_ONLY;
	ret = io_uring_queue_init_mem(8, &ring, &p, buf, len);
	test_skip_if_refused(ret, "io_uring_queue_init_mem");
	REQUIRE_GT(ret, 0);
	CHECK_EQ(ring.ring_fd, -1);
	CHECK_GE(ring.enter_ring_fd, 0);
	/* no fd for the program (the engine keeps its ring memory in one of its own) */
	if (test_backend_is("kernel"))
		CHECK_EQ(test_count_fds(), fds);
	CHECK_EQ(test_nop_round_trip(&ring, 1), 0);
	/* registrations go by the index too */
	CHECK_EQ(io_uring_register_buffers(&ring, &iov, 1), 0);
	CHECK_EQ(io_uring_unregister_buffers(&ring), 0);
	io_uring_queue_exit(&ring);
	/* without NO_MMAP: refused */
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_REGISTERED_FD_ONLY;
	CHECK_EQ(io_uring_queue_init_params(8, &ring, &p), -EINVAL);
	CHECK_EQ(test_count_fds(), fds);
	munmap(buf, len);
}

/*
 * Resizing keeps the entries in flight: a CQE posted before and an SQE
 * handed out before come through the new rings.  6.18 resizes only
 * DEFER_TASKRUN rings.  As liburing 2.15's, the call clears the offsets in
 * p first (a program passing its setup's params back must not have their
 * SQ array offset taken for the new one) and p->flags after.
 */
TEST(resize_rings)
{
	struct io_uring_params p, rp;
	struct io_uring_sqe *sqe;
	struct test_cqe c[2];
	struct io_uring ring;
	int ret;

	test_ring_init(8, &ring, 0);
	memset(&rp, 0, sizeof(rp));
	rp.sq_entries = 16;
	CHECK_EQ(io_uring_resize_rings(&ring, &rp), -EINVAL);
	io_uring_queue_exit(&ring);

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	ret = io_uring_queue_init_params(8, &ring, &p);
	test_skip_if_refused(ret, "io_uring_queue_init_params");
	REQUIRE_EQ(ret, 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, 1);
	CHECK_EQ(io_uring_submit(&ring), 1);
	sqe = test_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, 2);

	rp = p;
	rp.sq_entries = 64;
	rp.cq_entries = 256;
	rp.flags = IORING_SETUP_CQSIZE;
	ret = io_uring_resize_rings(&ring, &rp);
	REQUIRE_EQ(ret, 0);
	CHECK_EQ_U(rp.flags, 0);
	CHECK_EQ_U(ring.sq.ring_entries, 64);
	CHECK_EQ_U(ring.cq.ring_entries, 256);
	CHECK_EQ(io_uring_submit(&ring), 1);
	REQUIRE_EQ(test_reap(&ring, c, 2, 5000), 2);
	CHECK_EQ_U(c[0].user_data, 1);
	CHECK_EQ_U(c[1].user_data, 2);
	/* the new SQ takes a full batch */
	for (int i = 0; i < 64; i++) {
		sqe = test_get_sqe(&ring);
		io_uring_prep_nop(sqe);
		io_uring_sqe_set_data64(sqe, 10 + (unsigned)i);
	}
	CHECK_EQ(io_uring_submit_and_wait(&ring, 64), 64);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 64);
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(register_restrictions),
		TEST_ENTRY(register_iowq_aff),
		TEST_ENTRY(register_file_alloc_range),
		TEST_ENTRY(register_napi),
		TEST_ENTRY(register_zcrx),
		TEST_ENTRY(register_refused_everywhere),
		TEST_ENTRY(register_sync_msg),
		TEST_ENTRY(register_query),
		TEST_ENTRY(clone_buffers_flags),
		TEST_ENTRY(set_iowait),
		TEST_ENTRY(submit_and_wait_reg),
		TEST_ENTRY(memory_size),
		TEST_ENTRY(queue_init_mem),
		TEST_ENTRY(queue_init_mem_registered_fd_only),
		TEST_ENTRY(resize_rings),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
