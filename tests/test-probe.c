/* SPDX-License-Identifier: MIT */
/*
 * The opcode probe: io_uring_get_probe*() contents, io_uring_opcode_supported()
 * and the input rules of IORING_REGISTER_PROBE.
 */
#include "harness.h"

#include <poll.h>
#include <stdlib.h>

/* What both backends implement: the I/O core. */
static const int core_ops[] = {
	IORING_OP_NOP,	      IORING_OP_READV,	     IORING_OP_WRITEV, IORING_OP_READ,
	IORING_OP_WRITE,      IORING_OP_READ_FIXED, IORING_OP_WRITE_FIXED, IORING_OP_FSYNC,
	IORING_OP_POLL_ADD,   IORING_OP_POLL_REMOVE, IORING_OP_SYNC_FILE_RANGE,
};

static void check_probe(const struct io_uring_probe *p)
{
	REQUIRE_TRUE(p != NULL);
	CHECK_EQ(p->last_op, IORING_OP_LAST - 1);
	CHECK_EQ(p->ops_len, IORING_OP_LAST);
	for (int i = 0; i < p->ops_len; i++) {
		if (!CHECK_EQ(p->ops[i].op, i))
			break;
		CHECK_EQ_U(p->ops[i].flags & ~IO_URING_OP_SUPPORTED, 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(core_ops); i++)
		if (!CHECK_TRUE(io_uring_opcode_supported(p, core_ops[i])))
			printf("    (opcode %d)\n", core_ops[i]);
	CHECK_FALSE(io_uring_opcode_supported(p, IORING_OP_LAST));
	CHECK_FALSE(io_uring_opcode_supported(p, 255));
	CHECK_FALSE(io_uring_opcode_supported(p, -1));
}

TEST(probe_ring)
{
	struct io_uring ring;
	struct io_uring_probe *p;

	test_ring_init(4, &ring, 0);
	p = io_uring_get_probe_ring(&ring);
	check_probe(p);
	io_uring_free_probe(p);
	io_uring_queue_exit(&ring);
}

TEST(probe_without_ring)
{
	struct io_uring_probe *p;
	int fds = test_count_fds();

	/* make sure a refused kernel skips rather than fails */
	{
		struct io_uring ring;

		test_ring_init(4, &ring, 0);
		io_uring_queue_exit(&ring);
	}
	p = io_uring_get_probe();
	check_probe(p);
	io_uring_free_probe(p);
	CHECK_EQ(test_count_fds(), fds);
}

static struct io_uring_probe *alloc_probe(unsigned nr)
{
	size_t len = sizeof(struct io_uring_probe) + nr * sizeof(struct io_uring_probe_op);
	struct io_uring_probe *p = calloc(1, len);

	REQUIRE_TRUE(p != NULL);
	return p;
}

TEST(register_probe_rules)
{
	struct io_uring ring;
	struct io_uring_probe *p = alloc_probe(257), *zero = alloc_probe(257);
	size_t full = sizeof(*p) + 257 * sizeof(p->ops[0]);

	test_ring_init(4, &ring, 0);
	CHECK_ERRNO(io_uring_register(ring.ring_fd, IORING_REGISTER_PROBE, p, 257), -EINVAL);
	CHECK_ERRNO(io_uring_register(ring.ring_fd, IORING_REGISTER_PROBE, NULL, 4), -EINVAL);
	/* nr 4: four entries filled in, the rest untouched */
	CHECK_ERRNO(io_uring_register(ring.ring_fd, IORING_REGISTER_PROBE, p, 4), 0);
	CHECK_EQ(p->last_op, IORING_OP_LAST - 1);
	CHECK_EQ(p->ops_len, 4);
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(p->ops[i].op, i);
		/* NOP, READV, WRITEV, FSYNC */
		CHECK_EQ_U(p->ops[i].flags, IO_URING_OP_SUPPORTED);
		CHECK_EQ(p->ops[i].resv, 0);
		CHECK_EQ_U(p->ops[i].resv2, 0);
	}
	CHECK_MEM(&p->ops[4], &zero->ops[4], 253 * sizeof(p->ops[0]));
	CHECK_EQ(p->resv, 0);
	/* the input must be zeroed: the filled buffer is refused */
	CHECK_ERRNO(io_uring_register(ring.ring_fd, IORING_REGISTER_PROBE, p, 4), -EINVAL);
	memset(p, 0, full);
	p->ops[2].resv2 = 1;
	CHECK_ERRNO(io_uring_register(ring.ring_fd, IORING_REGISTER_PROBE, p, 4), -EINVAL);
	memset(p, 0, full);
	p->resv2[1] = 1;
	CHECK_ERRNO(io_uring_register(ring.ring_fd, IORING_REGISTER_PROBE, p, 4), -EINVAL);
	/* nr 0: the header only */
	memset(p, 0, full);
	CHECK_ERRNO(io_uring_register(ring.ring_fd, IORING_REGISTER_PROBE, p, 0), 0);
	CHECK_EQ(p->last_op, IORING_OP_LAST - 1);
	CHECK_EQ(p->ops_len, 0);
	/* nr 256: all of them */
	memset(p, 0, full);
	CHECK_ERRNO(io_uring_register(ring.ring_fd, IORING_REGISTER_PROBE, p, 256), 0);
	CHECK_EQ(p->ops_len, IORING_OP_LAST);
	CHECK_MEM(&p->ops[IORING_OP_LAST], &zero->ops[IORING_OP_LAST],
		  (257 - IORING_OP_LAST) * sizeof(p->ops[0]));
	/* the library's wrapper */
	memset(p, 0, full);
	CHECK_ERRNO(io_uring_register_probe(&ring, p, 8), 0);
	CHECK_EQ(p->ops_len, 8);
	CHECK_TRUE(io_uring_opcode_supported(p, IORING_OP_READ_FIXED));
	free(p);
	free(zero);
	io_uring_queue_exit(&ring);
}

TEST(supported_ops_are_accepted)
{
	struct io_uring ring;
	struct io_uring_probe *p;
	struct test_cqe c = { 0 };

	/*
	 * An opcode the probe calls supported is not refused as unknown:
	 * a NOP-like use of each core op with a bad fd fails with -EBADF
	 * (or, for ops without a file, not with -EINVAL).
	 */
	test_ring_init(4, &ring, 0);
	p = io_uring_get_probe_ring(&ring);
	REQUIRE_TRUE(p != NULL);
	for (size_t i = 0; i < ARRAY_SIZE(core_ops); i++) {
		struct io_uring_sqe *sqe;
		static char buf[8];
		static struct iovec iov = { buf, sizeof(buf) };

		if (core_ops[i] == IORING_OP_NOP || core_ops[i] == IORING_OP_POLL_REMOVE)
			continue;
		sqe = test_get_sqe(&ring);
		switch (core_ops[i]) {
		case IORING_OP_READV:
		case IORING_OP_WRITEV:
			io_uring_prep_rw(core_ops[i], sqe, 9999, &iov, 1, 0);
			break;
		case IORING_OP_FSYNC:
			io_uring_prep_fsync(sqe, 9999, 0);
			break;
		case IORING_OP_SYNC_FILE_RANGE:
			io_uring_prep_sync_file_range(sqe, 9999, 0, 0, 0);
			break;
		case IORING_OP_POLL_ADD:
			io_uring_prep_poll_add(sqe, 9999, POLLIN);
			break;
		default:
			io_uring_prep_rw(core_ops[i], sqe, 9999, buf, sizeof(buf), 0);
			break;
		}
		io_uring_sqe_set_data64(sqe, core_ops[i]);
		CHECK_EQ(test_submit_reap(&ring, &c, 1), 1);
		if (!CHECK_EQ(c.res, -EBADF))
			printf("    (opcode %d)\n", core_ops[i]);
	}
	io_uring_free_probe(p);
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(probe_ring),
		TEST_ENTRY(probe_without_ring),
		TEST_ENTRY(register_probe_rules),
		TEST_ENTRY(supported_ops_are_accepted),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
