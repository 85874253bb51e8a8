/* SPDX-License-Identifier: MIT */
/*
 * A bundle RECV (IORING_RECVSEND_BUNDLE) from a buffer ring on an AF_UNIX
 * stream socket, Linux 6.18's rules beyond the plain case:
 *  - issued from io-wq (IOSQE_ASYNC, every issue of it): one buffer per
 *    receive, committed when taken, and, when it filled it with more
 *    queued, a second receive into the next one; a receive that finds
 *    nothing keeps its buffer for when data comes; a CQE that ends it
 *    anyway (MSG_DONTWAIT, EOF) names the buffer;
 *  - the flags IORING_CQE_F_BUF_MORE and IORING_CQE_F_SOCK_NONEMPTY are
 *    those of the last receive;
 *  - a second receive that fails (a bad buffer, no buffer) leaves the CQE
 *    with what the first received, fails the links after it and leaves
 *    out F_SOCK_NONEMPTY; on an incremental ring the CQE says F_BUF_MORE;
 *  - a multishot one with a length never adds a second receive to a CQE
 *    that reached the length (and, with MSG_DONTWAIT, ends there with
 *    -EAGAIN).
 */
#include "harness.h"

#include <sys/socket.h>

#define BGID 3
#define ENTRIES 16
#define MAXBUF 128

static struct io_uring ring;
static struct io_uring_buf_ring *br;
static char bufs[ENTRIES][MAXBUF];
static char data[8192];
static int sv[2];

/* nbuf buffers of bufsz bytes (bid = index); entry bad gets addr as its address */
static void up(unsigned nbuf, unsigned bufsz, unsigned rflags, int bad, void *addr)
{
	test_ring_init(16, &ring, 0);
	br = test_setup_buf_ring(&ring, ENTRIES, BGID, rflags);
	memset(bufs, 0, sizeof(bufs));
	for (unsigned i = 0; i < nbuf; i++)
		test_buf_ring_add1(br, ENTRIES, (int)i == bad ? addr : bufs[i], bufsz,
				   (unsigned short)i);
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + i % 26);
	REQUIRE_SYS(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
}

static void down(void)
{
	close(sv[0]);
	close(sv[1]);
	io_uring_free_buf_ring(&ring, br, ENTRIES, BGID);
	io_uring_queue_exit(&ring);
}

static void put(size_t n)
{
	REQUIRE_EQ(send(sv[1], data, n, 0), (ssize_t)n);
}

/* what is still queued on the socket */
static int queued(void)
{
	char rest[sizeof(data)];
	ssize_t n = recv(sv[0], rest, sizeof(rest), MSG_DONTWAIT);

	return n < 0 ? 0 : (int)n;
}

/* a bundle RECV of len bytes (ud 1), sqe flags and ioprio added */
static struct io_uring_sqe *bundle(unsigned len, int msg_flags, unsigned sqe_flags, unsigned ioprio)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_recv(sqe, sv[0], NULL, len, msg_flags);
	sqe->ioprio |= IORING_RECVSEND_BUNDLE | ioprio;
	sqe->flags |= IOSQE_BUFFER_SELECT | sqe_flags;
	sqe->buf_group = BGID;
	io_uring_sqe_set_data64(sqe, 1);
	return sqe;
}

/* a NOP (ud 2) linked after what was queued before */
static void nop_after(void)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, 2);
}

/*
 * An IOSQE_ASYNC bundle RECV of len bytes (msg_flags) on 8 buffers of 16
 * bytes (a ring of rflags), sent bytes queued: its CQE's res and flags (on
 * bid 0), and the ring's head after it.  The ring stays up: down().
 */
static void async_bundle(unsigned rflags, size_t sent, unsigned len, int msg_flags, int res,
			 unsigned flags, unsigned head)
{
	struct test_cqe c;

	up(8, 16, rflags, -1, NULL);
	if (sent)
		put(sent);
	bundle(len, msg_flags, IOSQE_ASYNC, 0);
	c = test_submit_one(&ring, 1);
	CHECK_EQ(c.res, res);
	CHECK_EQ_U(c.flags, test_buf_flags(0) | flags);
	CHECK_EQ(test_buf_ring_head(&ring, BGID), head);
}

TEST(async_takes_one_buffer_then_one_more)
{
	async_bundle(0, 100, 0, 0, 32, IORING_CQE_F_SOCK_NONEMPTY, 2);
	CHECK_MEM(bufs[0], data, 16);
	CHECK_MEM(bufs[1], data + 16, 16);
	CHECK_EQ(queued(), 68);
	down();
}

/* the length caps the first buffer; the second receive's is what is queued */
TEST(async_length_caps_first_buffer)
{
	async_bundle(0, 100, 20, 0, 32, IORING_CQE_F_SOCK_NONEMPTY, 2);
	down();
}

/* the buffer taken before the socket had data is the one filled after */
TEST(async_waits_with_its_buffer)
{
	struct test_cqe c = { 0 };

	up(8, 16, 0, -1, NULL);
	bundle(0, 0, IOSQE_ASYNC, 0);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
	put(100);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ(c.res, 32);
	CHECK_EQ_U(c.flags, test_buf_flags(0) | IORING_CQE_F_SOCK_NONEMPTY);
	CHECK_EQ(test_buf_ring_head(&ring, BGID), 2);
	CHECK_MEM(bufs[0], data, 16);
	down();
}

/*
 * MSG_PEEK: each receive's buffers are committed, the data stays queued,
 * and the second receive peeks the same first bytes again
 */
TEST(async_peeks_take_fresh_buffers)
{
	struct test_cqe c[3];

	up(8, 16, 0, -1, NULL);
	put(100);
	for (int i = 0; i < 3; i++) {
		bundle(0, MSG_PEEK, IOSQE_ASYNC, 0);
		REQUIRE_EQ(test_submit_reap(&ring, &c[i], 1), 1);
	}
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(c[i].res, 32);
		CHECK_EQ_U(c[i].flags,
			   test_buf_flags(2 * (unsigned)i) | IORING_CQE_F_SOCK_NONEMPTY);
		CHECK_MEM(bufs[2 * i], data, 16);
		CHECK_MEM(bufs[2 * i + 1], data, 16);
	}
	CHECK_EQ(test_buf_ring_head(&ring, BGID), 6);
	CHECK_EQ(queued(), 100);
	down();
}

/* committed when taken: a CQE without data names the buffer all the same */
TEST(async_dontwait_names_its_buffer)
{
	async_bundle(0, 0, 0, MSG_DONTWAIT, -EAGAIN, 0, 1);
	down();
}

TEST(async_eof_names_its_buffer)
{
	struct test_cqe c;

	up(8, 16, 0, -1, NULL);
	REQUIRE_SYS(shutdown(sv[1], SHUT_WR));
	bundle(0, 0, IOSQE_ASYNC, 0);
	c = test_submit_one(&ring, 1);
	CHECK_EQ(c.res, 0);
	CHECK_EQ_U(c.flags, test_buf_flags(0));
	CHECK_EQ(test_buf_ring_head(&ring, BGID), 1);
	down();
}

/* incremental ring: F_BUF_MORE is the second receive's */
TEST(async_inc_buf_more_of_last_receive)
{
	async_bundle(IOU_PBUF_RING_INC, 24, 0, 0, 24, IORING_CQE_F_BUF_MORE, 1);
	CHECK_EQ_U(br->bufs[1].len, 8);
	down();

	/* 8 of the first buffer, then its other 8: none left in it */
	async_bundle(IOU_PBUF_RING_INC, 100, 8, 0, 16, IORING_CQE_F_SOCK_NONEMPTY, 1);
	CHECK_EQ_U(br->bufs[0].len, 0);
	CHECK_EQ_U(br->bufs[1].len, 16);
	CHECK_EQ(queued(), 84);
	down();
}

/*
 * 8192 bytes queued, buffers of 100: the first receive fills one, the
 * second fails on entry bad (a bad address, or a length of 0).
 */
static void second_receive_fails(unsigned rflags, void *addr, unsigned expect_flags)
{
	struct test_cqe c[2];

	up(7, 100, rflags, addr ? 6 : -1, addr);
	if (!addr)
		br->bufs[1].len = 0;
	put(sizeof(data));
	bundle(0, 0, IOSQE_IO_LINK, 0);
	nop_after();
	REQUIRE_EQ(test_submit_reap(&ring, c, 2), 2);
	CHECK_EQ_U(c[0].user_data, 1);
	CHECK_EQ(c[0].res, 100);
	CHECK_EQ_U(c[0].flags, test_buf_flags(0) | expect_flags);
	CHECK_EQ_U(c[1].user_data, 2);
	CHECK_EQ(c[1].res, -ECANCELED);
	CHECK_EQ(test_buf_ring_head(&ring, BGID), 1);
	CHECK_EQ(queued(), (int)sizeof(data) - 100);
	down();
}

/* an address no program can write: past the user address space */
#define BAD_ADDR ((void *)(uintptr_t)~0xfffULL)

TEST(second_receive_fault_fails_links)
{
	second_receive_fails(0, BAD_ADDR, 0);
}

TEST(second_receive_fault_inc_buf_more)
{
	second_receive_fails(IOU_PBUF_RING_INC, BAD_ADDR, IORING_CQE_F_BUF_MORE);
}

TEST(second_receive_no_buffer_fails_links)
{
	second_receive_fails(0, NULL, 0);
	second_receive_fails(IOU_PBUF_RING_INC, NULL, 0);
}

/* a multishot bundle of length 24 on 16-byte incremental buffers */
TEST(mshot_length_caps_each_cqe)
{
	static const int res[] = { 24, 24, 12 };
	static const unsigned bid[] = { 0, 1, 3 };
	struct test_cqe c[3];

	up(8, 16, IOU_PBUF_RING_INC, -1, NULL);
	put(60);
	bundle(24, 0, 0, IORING_RECV_MULTISHOT);
	REQUIRE_EQ(test_submit_reap(&ring, c, 3), 1);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(c[i].res, res[i]);
		CHECK_EQ_U(c[i].flags >> IORING_CQE_BUFFER_SHIFT, bid[i]);
		CHECK_TRUE(c[i].flags & IORING_CQE_F_MORE);
	}
	CHECK_MEM(bufs[0], data, 16);
	CHECK_MEM(bufs[1], data + 16, 16);
	CHECK_MEM(bufs[2], data + 32, 16);
	CHECK_MEM(bufs[3], data + 48, 12);
	CHECK_TRUE(test_cq_empty_for(&ring, 50));
	test_cancel_reap(&ring, 1, 9);
	down();
}

/* ... and with MSG_DONTWAIT, issued at submit, ends with -EAGAIN there */
TEST(mshot_length_cap_dontwait_ends_eagain)
{
	struct test_cqe c[3];

	up(8, 16, 0, -1, NULL);
	put(100);
	bundle(1, MSG_DONTWAIT, IOSQE_IO_LINK, IORING_RECV_MULTISHOT);
	nop_after();
	REQUIRE_EQ(test_submit_reap(&ring, c, 3), 2);
	CHECK_EQ(c[0].res, 1);
	CHECK_EQ_U(c[0].flags, test_buf_flags(0) | IORING_CQE_F_MORE | IORING_CQE_F_SOCK_NONEMPTY);
	CHECK_EQ(c[1].res, -EAGAIN);
	CHECK_EQ_U(c[1].flags, 0);
	CHECK_EQ_U(c[2].user_data, 2);
	CHECK_EQ(c[2].res, -ECANCELED);
	CHECK_EQ(test_buf_ring_head(&ring, BGID), 1);
	CHECK_EQ(queued(), 99);
	down();
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(async_takes_one_buffer_then_one_more),
		TEST_ENTRY(async_length_caps_first_buffer),
		TEST_ENTRY(async_waits_with_its_buffer),
		TEST_ENTRY(async_peeks_take_fresh_buffers),
		TEST_ENTRY(async_dontwait_names_its_buffer),
		TEST_ENTRY(async_eof_names_its_buffer),
		TEST_ENTRY(async_inc_buf_more_of_last_receive),
		TEST_ENTRY(second_receive_fault_fails_links),
		TEST_ENTRY(second_receive_fault_inc_buf_more),
		TEST_ENTRY(second_receive_no_buffer_fails_links),
		TEST_ENTRY(mshot_length_caps_each_cqe),
		TEST_ENTRY(mshot_length_cap_dontwait_ends_eagain),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
