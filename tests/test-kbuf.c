/* SPDX-License-Identifier: MIT */
/*
 * Provided buffers: PROVIDE_BUFFERS/REMOVE_BUFFERS (legacy groups), buffer
 * rings (IORING_REGISTER_PBUF_RING, incremental ones, PBUF_STATUS), and
 * IOSQE_BUFFER_SELECT on READ and READV: which buffer a read takes, what the
 * CQE says (IORING_CQE_F_BUFFER, the id, IORING_CQE_F_BUF_MORE), -ENOBUFS,
 * and when a ring's head moves.
 */
#include "harness.h"

#include <fcntl.h>
#include <sys/mman.h>

static struct io_uring ring;
static int p[2];
static char bufs[8][64];

static void up(void)
{
	test_ring_init(16, &ring, 0);
	REQUIRE_SYS(pipe(p));
	memset(bufs, 0, sizeof(bufs));
}

static void down(void)
{
	close(p[0]);
	close(p[1]);
	io_uring_queue_exit(&ring);
}

static void provide(void *addr, int len, int nr, int bgid, int bid, __u64 ud)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_provide_buffers(sqe, addr, len, nr, bgid, bid);
	io_uring_sqe_set_data64(sqe, ud);
}

static void remove_bufs(int nr, int bgid, __u64 ud)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_remove_buffers(sqe, nr, bgid);
	io_uring_sqe_set_data64(sqe, ud);
}

static void read_select(int fd, unsigned len, int bgid, __u64 ud)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_read(sqe, fd, NULL, len, 0);
	io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT);
	sqe->buf_group = (__u16)bgid;
	io_uring_sqe_set_data64(sqe, ud);
}

static int one(void)
{
	struct test_cqe c = { 0 };

	REQUIRE_EQ(test_submit_reap(&ring, &c, 1), 1);
	return c.res;
}

static unsigned bid_of(const struct test_cqe *c)
{
	return c->flags >> IORING_CQE_BUFFER_SHIFT;
}

TEST(legacy_reads_take_buffers_in_order)
{
	struct test_cqe c[3] = { 0 };

	up();
	provide(bufs, 64, 4, 7, 10, 1);
	CHECK_EQ(one(), 0);
	for (int i = 0; i < 3; i++) {
		char msg[2] = { (char)('a' + i), 0 };

		REQUIRE_EQ(write(p[1], msg, 1), 1);
		read_select(p[0], 0, 7, 10 + i);
		REQUIRE_EQ(test_submit_reap(&ring, &c[i], 1), 1);
		CHECK_EQ(c[i].res, 1);
		CHECK_TRUE(c[i].flags & IORING_CQE_F_BUFFER);
		/* the first provided first: ids 10, 11, 12, at bufs[0..2] */
		CHECK_EQ_U(bid_of(&c[i]), 10 + i);
		CHECK_EQ(bufs[i][0], 'a' + i);
	}
	/* one left: REMOVE_BUFFERS of 8 removes 1 */
	remove_bufs(8, 7, 2);
	CHECK_EQ(one(), 1);
	/* empty now: -ENOBUFS, no buffer flag */
	REQUIRE_EQ(write(p[1], "x", 1), 1);
	read_select(p[0], 0, 7, 3);
	REQUIRE_EQ(test_submit_reap(&ring, c, 1), 1);
	CHECK_EQ(c[0].res, -ENOBUFS);
	CHECK_EQ_U(c[0].flags, 0);
	down();
}

TEST(legacy_len_clips_to_buffer)
{
	struct test_cqe c;

	up();
	provide(bufs, 4, 2, 1, 0, 1);
	CHECK_EQ(one(), 0);
	REQUIRE_EQ(write(p[1], "0123456789", 10), 10);
	/* asked 8, buffer 4: 4 */
	read_select(p[0], 8, 1, 2);
	REQUIRE_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ(c.res, 4);
	CHECK_EQ_U(bid_of(&c), 0);
	/* asked 2, buffer 4: 2 */
	read_select(p[0], 2, 1, 3);
	REQUIRE_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ(c.res, 2);
	CHECK_EQ_U(bid_of(&c), 1);
	CHECK_MEM(bufs[0], "0123", 4);
	CHECK_MEM(&bufs[0][4], "45", 2);
	down();
}

TEST(legacy_errors)
{
	struct io_uring_sqe *sqe;

	up();
	/* no group at all */
	remove_bufs(1, 99, 1);
	CHECK_EQ(one(), -ENOENT);
	REQUIRE_EQ(write(p[1], "x", 1), 1);
	read_select(p[0], 0, 99, 2);
	CHECK_EQ(one(), -ENOBUFS);
	provide(bufs, 64, 0, 1, 0, 3);
	CHECK_EQ(one(), -E2BIG);
	provide(bufs, 0, 1, 1, 0, 4);
	CHECK_EQ(one(), -EINVAL);
	provide(bufs, 64, 1, 1, 65536, 5);
	CHECK_EQ(one(), -E2BIG);
	provide(bufs, 64, 2, 1, 65535, 6);
	CHECK_EQ(one(), -EINVAL);
	remove_bufs(0, 1, 7);
	CHECK_EQ(one(), -EINVAL);
	sqe = test_get_sqe(&ring);
	io_uring_prep_remove_buffers(sqe, 1, 1);
	sqe->addr = 1;
	CHECK_EQ(one(), -EINVAL);
	/* not a READ: BUFFER_SELECT on a WRITE is refused */
	sqe = test_get_sqe(&ring);
	io_uring_prep_write(sqe, p[1], bufs, 1, 0);
	io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT);
	CHECK_EQ(one(), -EOPNOTSUPP);
	down();
}

TEST(legacy_pending_read_keeps_buffer_in_group)
{
	struct test_cqe c[2] = { 0 };

	up();
	provide(bufs, 64, 2, 3, 0, 1);
	CHECK_EQ(one(), 0);
	/* the read waits: its buffer goes back meanwhile, so a REMOVE takes both */
	read_select(p[0], 0, 3, 2);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 30));
	provide(&bufs[4], 64, 1, 3, 5, 3);
	CHECK_EQ(one(), 0);
	REQUIRE_EQ(write(p[1], "hi", 2), 2);
	REQUIRE_EQ(test_reap(&ring, c, 1, 5000), 1);
	CHECK_EQ_U(c[0].user_data, 2);
	CHECK_EQ(c[0].res, 2);
	CHECK_EQ_U(bid_of(&c[0]), 0);
	remove_bufs(8, 3, 4);
	CHECK_EQ(one(), 2);
	down();
}

TEST(readv_select)
{
	struct io_uring_sqe *sqe;
	struct iovec iov = { NULL, 3 };
	struct test_cqe c;

	up();
	provide(bufs, 64, 1, 2, 4, 1);
	CHECK_EQ(one(), 0);
	REQUIRE_EQ(write(p[1], "abcdef", 6), 6);
	sqe = test_get_sqe(&ring);
	io_uring_prep_readv(sqe, p[0], &iov, 1, 0);
	io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT);
	sqe->buf_group = 2;
	REQUIRE_EQ(test_submit_reap(&ring, &c, 1), 1);
	/* the iovec's length bounds it */
	CHECK_EQ(c.res, 3);
	CHECK_EQ_U(c.flags, test_buf_flags(4));
	CHECK_MEM(bufs[0], "abc", 3);
	/* more than one iovec: -EINVAL */
	sqe = test_get_sqe(&ring);
	io_uring_prep_readv(sqe, p[0], &iov, 2, 0);
	io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT);
	sqe->buf_group = 2;
	CHECK_EQ(one(), -EINVAL);
	down();
}

TEST(regular_file_read_select)
{
	const char *path;
	char data[100];
	int fd;
	struct test_cqe c;

	up();
	test_fill_random(data, sizeof(data), 3);
	fd = test_tmpfile_with(data, sizeof(data), &path);
	REQUIRE_GE(fd, 0);
	provide(bufs, 64, 2, 5, 0, 1);
	CHECK_EQ(one(), 0);
	read_select(fd, 0, 5, 2);
	REQUIRE_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ(c.res, 64);
	CHECK_EQ_U(bid_of(&c), 0);
	CHECK_MEM(bufs[0], data, 64);
	close(fd);
	down();
}

static struct io_uring_buf_ring *br;

static void ring_add(int idx, int len, int bid)
{
	test_buf_ring_add1(br, 8, bufs[idx], (unsigned)len, (unsigned short)bid);
}

static unsigned ring_head(int bgid)
{
	return test_buf_ring_head(&ring, bgid);
}

TEST(buf_ring_select_and_head)
{
	struct test_cqe c;

	up();
	br = test_setup_buf_ring(&ring, 8, 1, 0);
	CHECK_EQ(ring_head(1), 0);
	CHECK_EQ(io_uring_buf_ring_available(&ring, br, 1), 0);
	/* empty ring: -ENOBUFS */
	REQUIRE_EQ(write(p[1], "abc", 3), 3);
	read_select(p[0], 0, 1, 1);
	REQUIRE_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ(c.res, -ENOBUFS);
	ring_add(0, 64, 100);
	ring_add(1, 64, 101);
	CHECK_EQ(io_uring_buf_ring_available(&ring, br, 1), 2);
	read_select(p[0], 0, 1, 2);
	REQUIRE_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ(c.res, 3);
	CHECK_EQ_U(c.flags, test_buf_flags(100));
	CHECK_MEM(bufs[0], "abc", 3);
	CHECK_EQ(ring_head(1), 1);
	/* a read that waits leaves the head where it is until it completes */
	read_select(p[0], 0, 1, 3);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 30));
	CHECK_EQ(ring_head(1), 1);
	REQUIRE_EQ(write(p[1], "de", 2), 2);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ(c.res, 2);
	CHECK_EQ_U(bid_of(&c), 101);
	CHECK_MEM(bufs[1], "de", 2);
	CHECK_EQ(ring_head(1), 2);
	CHECK_EQ(io_uring_free_buf_ring(&ring, br, 8, 1), 0);
	down();
}

TEST(buf_ring_incremental)
{
	struct test_cqe c;

	up();
	br = test_setup_buf_ring(&ring, 8, 2, IOU_PBUF_RING_INC);
	ring_add(0, 10, 7);
	REQUIRE_EQ(write(p[1], "abcd", 4), 4);
	read_select(p[0], 0, 2, 1);
	REQUIRE_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ(c.res, 4);
	/* 6 bytes left: the same buffer again, with BUF_MORE */
	CHECK_EQ_U(c.flags, test_buf_flags(7) | IORING_CQE_F_BUF_MORE);
	CHECK_EQ(ring_head(2), 0);
	REQUIRE_EQ(write(p[1], "efghijkl", 8), 8);
	read_select(p[0], 0, 2, 2);
	REQUIRE_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ(c.res, 6);
	CHECK_EQ_U(c.flags, test_buf_flags(7));
	CHECK_MEM(bufs[0], "abcdefghij", 10);
	CHECK_EQ(ring_head(2), 1);
	CHECK_EQ(io_uring_free_buf_ring(&ring, br, 8, 2), 0);
	down();
}

TEST(buf_ring_register_errors)
{
	struct io_uring_buf_reg reg;
	void *mem;
	uint16_t head;

	up();
	mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE_TRUE(mem != MAP_FAILED);
	memset(&reg, 0, sizeof(reg));
	reg.ring_addr = (uintptr_t)mem;
	reg.ring_entries = 6; /* not a power of 2 */
	reg.bgid = 3;
	CHECK_EQ(io_uring_register_buf_ring(&ring, &reg, 0), -EINVAL);
	reg.ring_entries = 65536;
	CHECK_EQ(io_uring_register_buf_ring(&ring, &reg, 0), -EINVAL);
	reg.ring_entries = 8;
	reg.resv[1] = 1;
	CHECK_EQ(io_uring_register_buf_ring(&ring, &reg, 0), -EINVAL);
	reg.resv[1] = 0;
	reg.flags = 0x80;
	CHECK_EQ(io_uring_register_buf_ring(&ring, &reg, 0), -EINVAL);
	reg.flags = 0;
	CHECK_EQ(io_uring_register(ring.ring_fd, IORING_REGISTER_PBUF_RING, &reg, 2), -EINVAL);
	/* no argument at all: -EINVAL, for each of the three calls */
	CHECK_EQ(io_uring_register(ring.ring_fd, IORING_REGISTER_PBUF_RING, NULL, 1), -EINVAL);
	CHECK_EQ(io_uring_register(ring.ring_fd, IORING_UNREGISTER_PBUF_RING, NULL, 1), -EINVAL);
	CHECK_EQ(io_uring_register(ring.ring_fd, IORING_REGISTER_PBUF_STATUS, NULL, 1), -EINVAL);
	CHECK_EQ(io_uring_register_buf_ring(&ring, &reg, 0), 0);
	CHECK_EQ(io_uring_register_buf_ring(&ring, &reg, 0), -EEXIST);
	/* a group in use: -EEXIST before the address is looked at */
	reg.ring_addr = 0x10;
	CHECK_EQ(io_uring_register_buf_ring(&ring, &reg, 0), -EEXIST);
	reg.ring_addr = 0;
	CHECK_EQ(io_uring_register_buf_ring(&ring, &reg, 0), -EEXIST);
	reg.ring_addr = (uintptr_t)mem;
	/* a buffer ring takes no PROVIDE_BUFFERS, gives no REMOVE_BUFFERS */
	provide(bufs, 64, 1, 3, 0, 1);
	CHECK_EQ(one(), -EINVAL);
	remove_bufs(1, 3, 2);
	CHECK_EQ(one(), -EINVAL);
	CHECK_EQ(io_uring_unregister_buf_ring(&ring, 3), 0);
	CHECK_EQ(io_uring_unregister_buf_ring(&ring, 3), -ENOENT);
	CHECK_EQ(io_uring_buf_ring_head(&ring, 3, &head), -ENOENT);
	/* a legacy group: not a ring (-EINVAL), and a ring cannot replace it */
	provide(bufs, 64, 1, 4, 0, 3);
	CHECK_EQ(one(), 0);
	CHECK_EQ(io_uring_buf_ring_head(&ring, 4, &head), -EINVAL);
	CHECK_EQ(io_uring_unregister_buf_ring(&ring, 4), -EINVAL);
	reg.bgid = 4;
	CHECK_EQ(io_uring_register_buf_ring(&ring, &reg, 0), -EEXIST);
	/* emptied, it can */
	remove_bufs(1, 4, 4);
	CHECK_EQ(one(), 1);
	CHECK_EQ(io_uring_register_buf_ring(&ring, &reg, 0), 0);
	CHECK_EQ(io_uring_unregister_buf_ring(&ring, 4), 0);
	munmap(mem, 4096);
	down();
}

#define PBUF_OFF(bgid) ((off_t)(IORING_OFF_PBUF_RING | (uint64_t)(bgid) << IORING_OFF_PBUF_SHIFT))

static void *map_pbuf(size_t len, off_t off)
{
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, ring.ring_fd, off);

	return m == MAP_FAILED ? NULL : m;
}

static int map_pbuf_err(off_t off)
{
	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ring.ring_fd, off);

	if (m != MAP_FAILED) {
		munmap(m, 4096);
		return 0;
	}
	return -errno;
}

static int reg_mmap(int bgid, unsigned entries, unsigned flags)
{
	struct io_uring_buf_reg reg = { .ring_entries = entries, .bgid = (__u16)bgid,
					.flags = (__u16)(IOU_PBUF_RING_MMAP | flags) };

	return io_uring_register_buf_ring(&ring, &reg, 0);
}

/* IOU_PBUF_RING_MMAP: the ring allocates it, the program maps it from the ring fd */
TEST(buf_ring_mmap_select)
{
	struct io_uring_buf_ring *again;
	struct test_cqe c;

	up();
	CHECK_EQ(map_pbuf_err(PBUF_OFF(1)), -ENOMEM);
	REQUIRE_EQ(reg_mmap(1, 8, 0), 0);
	br = map_pbuf(4096, PBUF_OFF(1));
	REQUIRE_TRUE(br != NULL);
	CHECK_EQ_U(br->tail, 0); /* zeroed */
	/* the offset's low bits are ignored: the same ring */
	again = map_pbuf(4096, PBUF_OFF(1) + 4096);
	REQUIRE_TRUE(again != NULL);
	ring_add(0, 64, 40);
	ring_add(1, 64, 41);
	CHECK_EQ_U(again->tail, 2);
	CHECK_EQ_U(again->bufs[1].bid, 41);
	REQUIRE_EQ(write(p[1], "mapped", 6), 6);
	read_select(p[0], 0, 1, 1);
	REQUIRE_EQ(test_submit_reap(&ring, &c, 1), 1);
	CHECK_EQ(c.res, 6);
	CHECK_EQ_U(c.flags, test_buf_flags(40));
	CHECK_MEM(bufs[0], "mapped", 6);
	CHECK_EQ(ring_head(1), 1);
	munmap(again, 4096);
	CHECK_EQ(io_uring_unregister_buf_ring(&ring, 1), 0);
	/* the mapping keeps its pages; a new one finds no ring */
	CHECK_EQ_U(br->tail, 2);
	CHECK_EQ_U(br->bufs[1].bid, 41);
	CHECK_EQ(map_pbuf_err(PBUF_OFF(1)), -ENOMEM);
	/* registered again: a new, zeroed ring, the old mapping unchanged */
	REQUIRE_EQ(reg_mmap(1, 8, 0), 0);
	again = map_pbuf(4096, PBUF_OFF(1));
	REQUIRE_TRUE(again != NULL);
	CHECK_EQ_U(again->tail, 0);
	CHECK_EQ_U(again->bufs[1].bid, 0);
	CHECK_EQ_U(br->tail, 2);
	munmap(again, 4096);
	munmap(br, 4096);
	CHECK_EQ(io_uring_unregister_buf_ring(&ring, 1), 0);
	down();
}

TEST(buf_ring_mmap_regions)
{
	static char mem[4096] __attribute__((aligned(4096)));
	struct io_uring_buf_reg reg = { .ring_addr = (uintptr_t)mem, .ring_entries = 8, .bgid = 3 };
	struct io_uring_buf_ring *big;
	int err = 0;

	up();
	/* ring_addr is not looked at with IOU_PBUF_RING_MMAP */
	reg.flags = IOU_PBUF_RING_MMAP;
	CHECK_EQ(io_uring_register_buf_ring(&ring, &reg, 0), 0);
	CHECK_EQ(map_pbuf_err(PBUF_OFF(3)), 0);
	CHECK_EQ(io_uring_unregister_buf_ring(&ring, 3), 0);
	/* a ring in the program's memory, a legacy group: no region to map */
	reg.flags = 0;
	CHECK_EQ(io_uring_register_buf_ring(&ring, &reg, 0), 0);
	CHECK_EQ(map_pbuf_err(PBUF_OFF(3)), -ENOMEM);
	CHECK_EQ(io_uring_unregister_buf_ring(&ring, 3), 0);
	provide(bufs, 64, 1, 4, 0, 1);
	CHECK_EQ(one(), 0);
	CHECK_EQ(map_pbuf_err(PBUF_OFF(4)), -ENOMEM);
	/* a bgid past 2047 spills into the offset's region bits: no region */
	CHECK_EQ(reg_mmap(0x800, 8, 0), 0);
	CHECK_EQ(map_pbuf_err(PBUF_OFF(0x800)), -ENOMEM);
	/* the largest ring, 32768 entries, every page of it */
	CHECK_EQ(reg_mmap(0x7ff, 32768, 0), 0);
	big = map_pbuf(32768 * sizeof(struct io_uring_buf), PBUF_OFF(0x7ff));
	REQUIRE_TRUE(big != NULL);
	big->bufs[32767].len = 1;
	CHECK_EQ_U(big->bufs[32767].len, 1);
	munmap(big, 32768 * sizeof(struct io_uring_buf));
	/* the library's way: io_uring_setup_buf_ring() with the flag */
	br = io_uring_setup_buf_ring(&ring, 16, 9, IOU_PBUF_RING_MMAP | IOU_PBUF_RING_INC, &err);
	REQUIRE_MSG(br != NULL, "setup_buf_ring: %d", err);
	ring_add(2, 10, 3);
	REQUIRE_EQ(write(p[1], "abc", 3), 3);
	read_select(p[0], 0, 9, 2);
	CHECK_EQ(one(), 3);
	CHECK_EQ_U(br->bufs[0].len, 7); /* incremental: the kernel wrote back what is left */
	CHECK_EQ(io_uring_free_buf_ring(&ring, br, 16, 9), 0);
	down();
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(legacy_reads_take_buffers_in_order),
		TEST_ENTRY(legacy_len_clips_to_buffer),
		TEST_ENTRY(legacy_errors),
		TEST_ENTRY(legacy_pending_read_keeps_buffer_in_group),
		TEST_ENTRY(readv_select),
		TEST_ENTRY(regular_file_read_select),
		TEST_ENTRY(buf_ring_select_and_head),
		TEST_ENTRY(buf_ring_incremental),
		TEST_ENTRY(buf_ring_register_errors),
		TEST_ENTRY(buf_ring_mmap_select),
		TEST_ENTRY(buf_ring_mmap_regions),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
