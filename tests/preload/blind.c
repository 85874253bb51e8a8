/* SPDX-License-Identifier: MIT */
/*
 * io_uring_register(-1, ...) through the raw system call: the opcodes that
 * need no ring (Linux 6.18: IORING_REGISTER_QUERY and
 * IORING_REGISTER_SEND_MSG_RING), answered by opcode on whichever side runs
 * the program's rings; inside eperm-run (the kernel refuses io_uring) the
 * shim answers them from the engine.  QUERY must describe the rings this
 * run gets (their features), and SEND_MSG_RING must reach them.
 */
#include <fcntl.h>

#define RAW_SYSCALLS
#include "../raw.h"
#include "expect.h"

#define REG_QUERY 35
#define REG_SEND_MSG_RING 31

struct query_hdr {
	unsigned long long next_entry, query_data;
	unsigned query_op, size;
	int result;
	unsigned resv[3];
};

struct query_opcode {
	unsigned nr_request_opcodes, nr_register_opcodes;
	unsigned long long feature_flags, ring_setup_flags, enter_flags, sqe_flags;
	unsigned nr_query_opcodes, pad;
};

static void msg_sqe(struct io_uring_sqe *sqe, int fd, unsigned long long ud, unsigned len)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_MSG_RING;
	sqe->fd = fd;
	sqe->off = ud;
	sqe->len = len;
	sqe->addr = IORING_MSG_DATA;
}

int main(void)
{
	unsigned char data[64];
	struct query_opcode *q = (struct query_opcode *)data;
	struct query_hdr h;
	struct io_uring_sqe sqe;
	struct io_uring_cqe cqe;
	struct raw_ring r;
	int ret, null_fd;

	setup_or_skip(&r, 8);

	memset(&h, 0, sizeof(h));
	memset(data, 0xff, sizeof(data));
	h.query_data = (unsigned long)data;
	h.size = sizeof(data);
	ret = raw_register(-1, REG_QUERY, &h, 0);
	REQUIRE_MSG(ret == 0, "register(-1, QUERY): %s", strerror(-ret));
	REQUIRE_MSG(h.result == 0, "QUERY result %d", h.result);
	REQUIRE_MSG(h.size == sizeof(*q), "QUERY size %u", h.size);
	/* the answer describes the rings this program gets */
	REQUIRE_MSG(q->feature_flags == r.p.features, "QUERY features %#llx, the ring's %#x",
	      q->feature_flags, r.p.features);
	REQUIRE_MSG(q->sqe_flags == 0x7f, "QUERY sqe flags %#llx", q->sqe_flags);
	REQUIRE_MSG(q->nr_request_opcodes >= IORING_OP_READ + 1, "QUERY opcodes %u",
	      q->nr_request_opcodes);
	REQUIRE_MSG(q->nr_query_opcodes >= 1, "QUERY query opcodes %u", q->nr_query_opcodes);
	for (size_t i = sizeof(*q); i < sizeof(data); i++)
		REQUIRE_MSG(!data[i], "QUERY left byte %zu of the answer", i);
	/* an unknown query: answered in the header */
	h.query_op = 9;
	h.size = sizeof(data);
	h.result = 0;
	REQUIRE_MSG(raw_register(-1, REG_QUERY, &h, 0) == 0, "QUERY op 9");
	REQUIRE_MSG(h.result == -EOPNOTSUPP && h.size == 0, "QUERY op 9: result %d size %u", h.result,
	      h.size);
	REQUIRE_MSG(raw_register(-1, REG_QUERY, &h, 1) == -EINVAL, "QUERY nr_args 1");
	REQUIRE_MSG(raw_register(-1, REG_QUERY, NULL, 0) == 0, "QUERY NULL");
	REQUIRE_MSG(raw_register(-1, IORING_REGISTER_PROBE, NULL, 0) == -EINVAL, "register(-1, PROBE)");

	/* a message to the ring, without a ring of our own */
	msg_sqe(&sqe, r.fd, 0xb11d, 77);
	ret = raw_register(-1, REG_SEND_MSG_RING, &sqe, 1);
	REQUIRE_MSG(ret == 0, "SEND_MSG_RING: %s", strerror(-ret));
	REQUIRE_MSG(raw_pop(&r, &cqe), "no CQE from SEND_MSG_RING");
	REQUIRE_MSG(cqe.user_data == 0xb11d && cqe.res == 77 && cqe.flags == 0,
	      "CQE %llx %d %x", (unsigned long long)cqe.user_data, cqe.res, cqe.flags);
	msg_sqe(&sqe, r.fd, 0xb11e, 5);
	sqe.msg_ring_flags = IORING_MSG_RING_FLAGS_PASS;
	sqe.file_index = 0x40;
	REQUIRE_MSG(raw_register(-1, REG_SEND_MSG_RING, &sqe, 1) == 0, "SEND_MSG_RING PASS");
	REQUIRE_MSG(raw_pop(&r, &cqe) && cqe.user_data == 0xb11e && cqe.flags == 0x40,
	      "CQE with passed flags");
	/* its refusals */
	msg_sqe(&sqe, -1, 1, 1);
	REQUIRE_MSG(raw_register(-1, REG_SEND_MSG_RING, &sqe, 1) == -EBADF, "target -1");
	null_fd = open("/dev/null", O_RDONLY);
	msg_sqe(&sqe, null_fd, 1, 1);
	REQUIRE_MSG(raw_register(-1, REG_SEND_MSG_RING, &sqe, 1) == -EBADFD, "target /dev/null");
	close(null_fd);
	msg_sqe(&sqe, r.fd, 1, 1);
	sqe.file_index = 3;
	REQUIRE_MSG(raw_register(-1, REG_SEND_MSG_RING, &sqe, 1) == -EINVAL, "file_index without PASS");
	msg_sqe(&sqe, r.fd, 1, 1);
	REQUIRE_MSG(raw_register(-1, REG_SEND_MSG_RING, &sqe, 2) == -EINVAL, "nr_args 2");
	sqe.opcode = IORING_OP_NOP;
	REQUIRE_MSG(raw_register(-1, REG_SEND_MSG_RING, &sqe, 1) == -EINVAL, "not MSG_RING");
	REQUIRE_MSG(!raw_pop(&r, &cqe), "a refused message posted a CQE");
	printf("blind: ok (%s ring)\n", fd_kind(r.fd));
	raw_ring_exit(&r);
	return 0;
}
