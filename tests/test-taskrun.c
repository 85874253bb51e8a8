/* SPDX-License-Identifier: MIT */
/*
 * Work that becomes ready is done, and its CQEs come: a multishot receive
 * whose peer sent and closed ends with its final CQE.
 */
#include <sys/socket.h>

#include "harness.h"

#define BGID 7
#define NBUF 16
#define BUFSZ 256
#define NMSG 5
#define MSGSZ 16

static struct io_uring ring;
static int sv[2];
static char bufs[NBUF][BUFSZ];

static void setup(void)
{
	struct io_uring_sqe *sqe;
	struct test_cqe c;

	test_ring_init(16, &ring, 0);
	REQUIRE_SYS(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	sqe = test_get_sqe(&ring);
	io_uring_prep_provide_buffers(sqe, bufs, BUFSZ, NBUF, BGID, 0);
	io_uring_sqe_set_data64(sqe, 99);
	REQUIRE_EQ(test_submit_reap(&ring, &c, 1), 1);
	REQUIRE_EQ(c.res, 0);
}

static void teardown(void)
{
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	io_uring_queue_exit(&ring);
}

static void arm_recv(bool mshot)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	if (mshot)
		io_uring_prep_recv_multishot(sqe, sv[0], NULL, 0, 0);
	else
		io_uring_prep_recv(sqe, sv[0], NULL, BUFSZ, 0);
	io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT);
	sqe->buf_group = BGID;
	io_uring_sqe_set_data64(sqe, 1);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
}

/* Send NMSG messages and close the sender: the multishot receive ends. */
static void send_and_close(void)
{
	char msg[MSGSZ];

	memset(msg, 'm', sizeof(msg));
	for (int i = 0; i < NMSG; i++)
		REQUIRE_EQ(send(sv[1], msg, sizeof(msg), 0), (ssize_t)sizeof(msg));
	close(sv[1]);
	sv[1] = -1;
}

/*
 * The reactor thread receives the data and sees the peer's close in the
 * same event (a hang-up, which no later edge repeats): the multishot
 * receive must still end with its final CQE, waited for.
 */
TEST(mshot_recv_eof_after_drained_read)
{
	struct io_uring_cqe *cqe;
	unsigned bytes = 0;
	bool ended = false;

	setup();
	arm_recv(true);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	send_and_close();
	test_sleep_ms(50);
	while (!ended && test_wait_cqe_ms(&ring, &cqe, 1000) == 0) {
		if (cqe->res > 0)
			bytes += (unsigned)cqe->res;
		else
			ended = cqe->res == 0 && !(cqe->flags & IORING_CQE_F_MORE);
		io_uring_cqe_seen(&ring, cqe);
	}
	CHECK_EQ_U(bytes, NMSG * MSGSZ);
	CHECK_MSG(ended, "no final CQE after the peer's close");
	teardown();
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(mshot_recv_eof_after_drained_read),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
