/* SPDX-License-Identifier: MIT */
/*
 * POLL_ADD's flags and POLL_REMOVE's updates as Linux 6.18 gives them:
 * EPOLLONESHOT in poll32_events, what an update keeps and what it replaces,
 * the order of the CQEs an update produces, polls in link chains.
 */
#include "harness.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>

static struct io_uring ring;
static int p[2];

static void up(void)
{
	test_ring_init(16, &ring, 0);
	REQUIRE_SYS(pipe2(p, O_NONBLOCK));
}

static void down(void)
{
	close(p[0]);
	close(p[1]);
	io_uring_queue_exit(&ring);
}

static struct io_uring_sqe *poll_add(int fd, unsigned mask, unsigned flags, __u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_poll_add(sqe, fd, mask);
	sqe->len = flags;
	io_uring_sqe_set_data64(sqe, user_data);
	return sqe;
}

static struct io_uring_sqe *poll_update(__u64 old, __u64 new_ud, unsigned mask, unsigned flags,
					__u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_poll_update(sqe, old, new_ud, mask, flags);
	io_uring_sqe_set_data64(sqe, user_data);
	return sqe;
}

static struct io_uring_sqe *nop(__u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, user_data);
	return sqe;
}

static void check_cqe(const struct test_cqe *c, __u64 user_data, int res, unsigned flags)
{
	CHECK_EQ_U(c->user_data, user_data);
	CHECK_EQ(c->res, res);
	CHECK_EQ_U(c->flags, flags);
}

/* A byte into the pipe: the multishot poll user_data posts one CQE with
 * F_MORE; the byte is read back. */
static void expect_edge(__u64 user_data)
{
	struct test_cqe c;
	char b;

	REQUIRE_EQ(write(p[1], "e", 1), 1);
	if (CHECK_EQ(test_reap(&ring, &c, 1, 5000), 1))
		check_cqe(&c, user_data, POLLIN, IORING_CQE_F_MORE);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	REQUIRE_EQ(read(p[0], &b, 1), 1);
}

/* Remove an armed poll: the remover's 0, the poll's -ECANCELED. */
static void remove_armed(__u64 user_data)
{
	struct test_cqe c[2];

	poll_update(user_data, 0, 0, 0, 0xfee);
	REQUIRE_EQ(test_submit_reap(&ring, c, 2), 1);
	check_cqe(&c[0], 0xfee, 0, 0);
	check_cqe(&c[1], user_data, -ECANCELED, 0);
}

/*
 * The kernel keeps EPOLLONESHOT from poll32_events: with it, a poll asked
 * for IORING_POLL_ADD_MULTI ends at its first event, a CQE without F_MORE.
 * The MULTI-with-CQE_SKIP check still looks at the flag.
 */
TEST(poll_multi_with_epolloneshot_is_oneshot)
{
	struct test_cqe c[2];
	char b;

	up();
	poll_add(p[1], POLLOUT | EPOLLONESHOT, IORING_POLL_ADD_MULTI, 1);
	REQUIRE_EQ(test_submit_reap(&ring, c, 1), 1);
	check_cqe(&c[0], 1, POLLOUT, 0);
	/* pending: the first write ends it, the second finds nothing armed */
	poll_add(p[0], POLLIN | EPOLLONESHOT, IORING_POLL_ADD_MULTI, 2);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	REQUIRE_EQ(write(p[1], "x", 1), 1);
	REQUIRE_EQ(test_reap(&ring, c, 1, 5000), 1);
	check_cqe(&c[0], 2, POLLIN, 0);
	REQUIRE_EQ(read(p[0], &b, 1), 1);
	REQUIRE_EQ(write(p[1], "x", 1), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 30));
	poll_update(2, 0, 0, 0, 3);
	REQUIRE_EQ(test_submit_reap(&ring, c, 1), 1);
	check_cqe(&c[0], 3, -ENOENT, 0);
	/* edge-triggered and exclusive bits change nothing visible here */
	poll_add(p[1], POLLOUT | EPOLLET | EPOLLEXCLUSIVE, IORING_POLL_ADD_MULTI, 4);
	REQUIRE_EQ(test_submit_reap(&ring, c, 1), 1);
	check_cqe(&c[0], 4, POLLOUT, IORING_CQE_F_MORE);
	remove_armed(4);
	poll_add(p[1], POLLOUT | EPOLLONESHOT, IORING_POLL_ADD_MULTI, 5)->flags =
		IOSQE_CQE_SKIP_SUCCESS;
	REQUIRE_EQ(test_submit_reap(&ring, c, 1), 1);
	check_cqe(&c[0], 5, -EINVAL, 0);
	down();
}

/*
 * An update with IORING_POLL_UPDATE_EVENTS replaces the event bits only: a
 * multishot poll stays multishot without IORING_POLL_ADD_MULTI in the
 * update, and a one-shot poll stays one-shot with it.
 */
TEST(poll_update_keeps_multishot)
{
	struct test_cqe c[2];
	char b;

	up();
	poll_add(p[0], POLLIN, IORING_POLL_ADD_MULTI, 0x10);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	poll_update(0x10, 0, POLLIN, IORING_POLL_UPDATE_EVENTS, 0x11);
	REQUIRE_EQ(test_submit_reap(&ring, c, 1), 1);
	check_cqe(&c[0], 0x11, 0, 0);
	for (int i = 0; i < 3; i++)
		expect_edge(0x10);
	/* with the MULTI flag and a new user_data: the same */
	poll_update(0x10, 0x12, POLLIN, IORING_POLL_UPDATE_EVENTS | IORING_POLL_UPDATE_USER_DATA |
						IORING_POLL_ADD_MULTI, 0x13);
	REQUIRE_EQ(test_submit_reap(&ring, c, 1), 1);
	check_cqe(&c[0], 0x13, 0, 0);
	for (int i = 0; i < 2; i++)
		expect_edge(0x12);
	remove_armed(0x12);

	/* a one-shot poll updated "to multishot" ends at its first event */
	poll_add(p[0], POLLIN, 0, 0x20);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	poll_update(0x20, 0, POLLIN, IORING_POLL_UPDATE_EVENTS | IORING_POLL_ADD_MULTI, 0x21);
	REQUIRE_EQ(test_submit_reap(&ring, c, 1), 1);
	check_cqe(&c[0], 0x21, 0, 0);
	REQUIRE_EQ(write(p[1], "x", 1), 1);
	REQUIRE_EQ(test_reap(&ring, c, 1, 5000), 1);
	check_cqe(&c[0], 0x20, POLLIN, 0);
	REQUIRE_EQ(read(p[0], &b, 1), 1);
	REQUIRE_EQ(write(p[1], "x", 1), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 30));
	down();
}

/*
 * An update re-arms the poll with its new values: one that is ready then
 * completes after the updater's own CQE (the kernel posts it from task work).
 */
TEST(poll_update_ready_completes_after_updater)
{
	struct test_cqe c[2];

	up();
	/* one-shot: waits for POLLIN on the write end, updated to POLLOUT */
	poll_add(p[1], POLLIN, 0, 0x30);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	poll_update(0x30, 0x31, POLLOUT, IORING_POLL_UPDATE_EVENTS | IORING_POLL_UPDATE_USER_DATA,
		    0x32);
	REQUIRE_EQ(test_submit_reap(&ring, c, 2), 1);
	check_cqe(&c[0], 0x32, 0, 0);
	check_cqe(&c[1], 0x31, POLLOUT, 0);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	/* events only */
	poll_add(p[1], POLLIN, 0, 0x33);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	poll_update(0x33, 0, POLLOUT, IORING_POLL_UPDATE_EVENTS, 0x34);
	REQUIRE_EQ(test_submit_reap(&ring, c, 2), 1);
	check_cqe(&c[0], 0x34, 0, 0);
	check_cqe(&c[1], 0x33, POLLOUT, 0);
	/* multishot: the re-armed poll reports the readiness with F_MORE and
	 * stays (the engine posts it from its reactor: order not checked) */
	poll_add(p[1], POLLIN, IORING_POLL_ADD_MULTI, 0x35);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	poll_update(0x35, 0, POLLOUT, IORING_POLL_UPDATE_EVENTS, 0x36);
	REQUIRE_EQ(test_submit_reap(&ring, c, 2), 1);
	if (CHECK_TRUE(test_find_cqe(c, 2, 0x36) != NULL))
		check_cqe(test_find_cqe(c, 2, 0x36), 0x36, 0, 0);
	if (CHECK_TRUE(test_find_cqe(c, 2, 0x35) != NULL))
		check_cqe(test_find_cqe(c, 2, 0x35), 0x35, POLLOUT, IORING_CQE_F_MORE);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	remove_armed(0x35);
	down();
}

/*
 * A multishot poll whose file is still ready (its last CQE not acted on),
 * updated: re-armed, it reports the readiness again, under its new
 * user_data if it got one.
 */
TEST(poll_update_multishot_while_ready)
{
	struct test_cqe c[2];

	up();
	poll_add(p[0], POLLIN, IORING_POLL_ADD_MULTI, 0x40);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	REQUIRE_EQ(write(p[1], "x", 1), 1);
	REQUIRE_EQ(test_reap(&ring, c, 1, 5000), 1);
	check_cqe(&c[0], 0x40, POLLIN, IORING_CQE_F_MORE);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	poll_update(0x40, 0, POLLIN, IORING_POLL_UPDATE_EVENTS, 0x41);
	REQUIRE_EQ(test_submit_reap(&ring, c, 2), 1);
	if (CHECK_TRUE(test_find_cqe(c, 2, 0x41) != NULL))
		check_cqe(test_find_cqe(c, 2, 0x41), 0x41, 0, 0);
	if (CHECK_TRUE(test_find_cqe(c, 2, 0x40) != NULL))
		check_cqe(test_find_cqe(c, 2, 0x40), 0x40, POLLIN, IORING_CQE_F_MORE);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	poll_update(0x40, 0x42, 0, IORING_POLL_UPDATE_USER_DATA, 0x43);
	REQUIRE_EQ(test_submit_reap(&ring, c, 2), 1);
	if (CHECK_TRUE(test_find_cqe(c, 2, 0x43) != NULL))
		check_cqe(test_find_cqe(c, 2, 0x43), 0x43, 0, 0);
	if (CHECK_TRUE(test_find_cqe(c, 2, 0x42) != NULL))
		check_cqe(test_find_cqe(c, 2, 0x42), 0x42, POLLIN, IORING_CQE_F_MORE);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	remove_armed(0x42);
	down();
}

/* POLL_REMOVE's field checks, every flag bit (IORING_POLL_ADD_LEVEL too). */
TEST(poll_remove_field_checks)
{
	struct test_cqe c[3];
	struct io_uring_sqe *sqe;

	up();
	for (unsigned bit = 3; bit < 32; bit++) {
		poll_update(0x50, 0, 0, 1U << bit, 0x51);
		REQUIRE_EQ(test_submit_reap(&ring, c, 1), 1);
		check_cqe(&c[0], 0x51, -EINVAL, 0);
	}
	/* checked at prep, before the target is looked for */
	sqe = poll_update(0x50, 0, 0, 0, 0x52);
	sqe->ioprio = 1;
	REQUIRE_EQ(test_submit_reap(&ring, c, 1), 1);
	check_cqe(&c[0], 0x52, -EINVAL, 0);
	sqe = poll_update(0x50, 0, 0, 0, 0x53);
	sqe->splice_fd_in = 1;
	REQUIRE_EQ(test_submit_reap(&ring, c, 1), 1);
	check_cqe(&c[0], 0x53, -EINVAL, 0);
	sqe = poll_update(0x50, 0, 0, 0, 0x54);
	sqe->personality = 1;
	REQUIRE_EQ(test_submit_reap(&ring, c, 1), 1);
	check_cqe(&c[0], 0x54, -EINVAL, 0);
	/* ignored: fd, addr3; the bits of poll32_events above 15 */
	poll_add(p[0], POLLIN, 0, 0x50);
	sqe = poll_update(0x50, 0, 0, 0, 0x55);
	sqe->fd = p[0];
	sqe->addr3 = 7;
	REQUIRE_EQ(test_submit_reap(&ring, c, 2), 2);
	check_cqe(&c[0], 0x55, 0, 0);
	check_cqe(&c[1], 0x50, -ECANCELED, 0);
	poll_add(p[0], POLLIN, 0, 0x56);
	poll_update(0x56, 0, POLLIN | (1U << 20), IORING_POLL_UPDATE_EVENTS, 0x57);
	REQUIRE_EQ(test_submit_reap(&ring, c, 1), 2);
	check_cqe(&c[0], 0x57, 0, 0);
	remove_armed(0x56);
	down();
}

/*
 * Polls in link chains: a poll's mask is a success, so what is linked to it
 * runs after it; a cancelled or failed poll fails its links (a hardlink's
 * run all the same); a multishot head holds its links until it ends.
 */
TEST(poll_in_link_chains)
{
	struct test_cqe c[4];

	up();
	/* head, ready at once */
	poll_add(p[1], POLLOUT, 0, 0x60)->flags = IOSQE_IO_LINK;
	nop(0x61);
	REQUIRE_EQ(test_submit_reap(&ring, c, 2), 2);
	check_cqe(&c[0], 0x60, POLLOUT, 0);
	check_cqe(&c[1], 0x61, 0, 0);
	/* head, waiting: the link runs after the write */
	poll_add(p[0], POLLIN, 0, 0x62)->flags = IOSQE_IO_LINK;
	nop(0x63);
	REQUIRE_EQ(io_uring_submit(&ring), 2);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	REQUIRE_EQ(write(p[1], "x", 1), 1);
	REQUIRE_EQ(test_reap(&ring, c, 2, 5000), 2);
	check_cqe(&c[0], 0x62, POLLIN, 0);
	check_cqe(&c[1], 0x63, 0, 0);
	REQUIRE_EQ(read(p[0], (char[1]){ 0 }, 1), 1);
	/* removed: the link is cancelled; behind a hardlink it runs */
	poll_add(p[0], POLLIN, 0, 0x64)->flags = IOSQE_IO_LINK;
	nop(0x65);
	poll_add(p[0], POLLIN, 0, 0x66)->flags = IOSQE_IO_HARDLINK;
	nop(0x67);
	REQUIRE_EQ(io_uring_submit(&ring), 4);
	poll_update(0x64, 0, 0, 0, 0x68);
	REQUIRE_EQ(test_submit_reap(&ring, c, 3), 1);
	check_cqe(&c[0], 0x68, 0, 0);
	check_cqe(&c[1], 0x64, -ECANCELED, 0);
	check_cqe(&c[2], 0x65, -ECANCELED, 0);
	poll_update(0x66, 0, 0, 0, 0x69);
	REQUIRE_EQ(test_submit_reap(&ring, c, 3), 1);
	check_cqe(&c[0], 0x69, 0, 0);
	check_cqe(&c[1], 0x66, -ECANCELED, 0);
	check_cqe(&c[2], 0x67, 0, 0);
	/* a member, and a chain of polls ending in a multishot one */
	nop(0x70)->flags = IOSQE_IO_LINK;
	poll_add(p[0], POLLIN, 0, 0x71)->flags = IOSQE_IO_LINK;
	poll_add(p[1], POLLOUT, 0, 0x72)->flags = IOSQE_IO_LINK;
	poll_add(p[0], POLLIN, IORING_POLL_ADD_MULTI, 0x73);
	REQUIRE_EQ(test_submit_reap(&ring, c, 1), 4);
	check_cqe(&c[0], 0x70, 0, 0);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	REQUIRE_EQ(write(p[1], "x", 1), 1);
	REQUIRE_EQ(test_reap(&ring, c, 3, 5000), 3);
	check_cqe(&c[0], 0x71, POLLIN, 0);
	check_cqe(&c[1], 0x72, POLLOUT, 0);
	check_cqe(&c[2], 0x73, POLLIN, IORING_CQE_F_MORE);
	REQUIRE_EQ(read(p[0], (char[1]){ 0 }, 1), 1);
	remove_armed(0x73);
	/* a multishot head: its link waits for its end */
	poll_add(p[0], POLLIN, IORING_POLL_ADD_MULTI, 0x74)->flags = IOSQE_IO_LINK;
	nop(0x75);
	REQUIRE_EQ(io_uring_submit(&ring), 2);
	expect_edge(0x74);
	poll_update(0x74, 0, 0, 0, 0x76);
	REQUIRE_EQ(test_submit_reap(&ring, c, 3), 1);
	check_cqe(&c[0], 0x76, 0, 0);
	check_cqe(&c[1], 0x74, -ECANCELED, 0);
	check_cqe(&c[2], 0x75, -ECANCELED, 0);
	/* a poll that fails (bad fd, bad flags) fails its link */
	poll_add(-1, POLLIN, 0, 0x77)->flags = IOSQE_IO_LINK;
	nop(0x78);
	REQUIRE_EQ(test_submit_reap(&ring, c, 2), 2);
	check_cqe(&c[0], 0x77, -EBADF, 0);
	check_cqe(&c[1], 0x78, -ECANCELED, 0);
	poll_add(p[0], POLLIN, IORING_POLL_ADD_LEVEL, 0x79)->flags = IOSQE_IO_LINK;
	poll_add(p[1], POLLOUT, 0, 0x7a);
	REQUIRE_EQ(test_submit_reap(&ring, c, 2), 2);
	check_cqe(&c[0], 0x79, -EINVAL, 0);
	check_cqe(&c[1], 0x7a, -ECANCELED, 0);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	down();
}

/*
 * A multishot poll whose CQE finds the CQ full ends: that CQE, without
 * F_MORE, goes to the overflow list (it is not lost), and nothing more
 * comes.  The kernel posts a multishot's CQEs only where there is room.
 */
TEST(poll_multishot_cq_full_ends)
{
	struct test_cqe c[4];
	char b;

	/* a CQ of 2, filled by two NOPs */
	test_ring_init(1, &ring, 0);
	REQUIRE_SYS(pipe2(p, O_NONBLOCK));
	nop(1);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	nop(2);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	poll_add(p[0], POLLIN, IORING_POLL_ADD_MULTI, 3);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	REQUIRE_EQ(write(p[1], "x", 1), 1);
	usleep(20000);
	io_uring_get_events(&ring);
	REQUIRE_EQ(test_reap(&ring, c, 3, 5000), 3);
	check_cqe(&c[0], 1, 0, 0);
	check_cqe(&c[1], 2, 0, 0);
	check_cqe(&c[2], 3, POLLIN, 0);
	REQUIRE_EQ(read(p[0], &b, 1), 1);
	REQUIRE_EQ(write(p[1], "x", 1), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 30));
	poll_update(3, 0, 0, 0, 4);
	REQUIRE_EQ(test_submit_reap(&ring, c, 1), 1);
	check_cqe(&c[0], 4, -ENOENT, 0);
	down();

	/* edges while the program does not reap: two CQEs fill the CQ, the
	 * third ends the poll */
	test_ring_init(1, &ring, 0);
	REQUIRE_SYS(pipe2(p, O_NONBLOCK));
	poll_add(p[0], POLLIN, IORING_POLL_ADD_MULTI, 5);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	for (int i = 0; i < 4; i++) {
		REQUIRE_EQ(write(p[1], "x", 1), 1);
		usleep(20000);
		REQUIRE_EQ(read(p[0], &b, 1), 1);
		io_uring_get_events(&ring);
	}
	REQUIRE_EQ(test_reap(&ring, c, 3, 5000), 3);
	check_cqe(&c[0], 5, POLLIN, IORING_CQE_F_MORE);
	check_cqe(&c[1], 5, POLLIN, IORING_CQE_F_MORE);
	check_cqe(&c[2], 5, POLLIN, 0);
	CHECK_TRUE(test_cq_empty_for(&ring, 30));
	down();
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/*
 * The ring torn down with polls armed every way: one-shot and multishot
 * waiting for an event, a multishot whose file is still ready, an updated
 * one, a poll heading a link chain.  Nothing hangs; every descriptor the
 * backend made for them is gone.
 */
TEST(poll_teardown_with_polls_armed)
{
	struct test_cqe c[2];
	int before;

	REQUIRE_SYS(pipe2(p, O_NONBLOCK));
	before = count_fds();
	for (int round = 0; round < 3; round++) {
		test_ring_init(16, &ring, 0);
		poll_add(p[0], POLLIN, 0, 1);
		poll_add(p[0], POLLIN, IORING_POLL_ADD_MULTI, 2);
		poll_add(p[0], POLLPRI, IORING_POLL_ADD_MULTI, 3);
		poll_add(p[0], POLLPRI, 0, 4)->flags = IOSQE_IO_LINK;
		nop(5);
		REQUIRE_EQ(io_uring_submit(&ring), 5);
		/* 1 and 2 fire; 2 stays armed with the file ready */
		REQUIRE_EQ(write(p[1], "x", 1), 1);
		REQUIRE_EQ(test_reap(&ring, c, 2, 5000), 2);
		poll_update(3, 6, POLLPRI, IORING_POLL_UPDATE_EVENTS | IORING_POLL_UPDATE_USER_DATA,
			    7);
		REQUIRE_EQ(test_submit_reap(&ring, c, 1), 1);
		check_cqe(&c[0], 7, 0, 0);
		io_uring_queue_exit(&ring);
		REQUIRE_EQ(read(p[0], (char[1]){ 0 }, 1), 1);
	}
	CHECK_EQ(count_fds(), before);
	close(p[0]);
	close(p[1]);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(poll_multi_with_epolloneshot_is_oneshot),
		TEST_ENTRY(poll_update_keeps_multishot),
		TEST_ENTRY(poll_update_ready_completes_after_updater),
		TEST_ENTRY(poll_update_multishot_while_ready),
		TEST_ENTRY(poll_remove_field_checks),
		TEST_ENTRY(poll_in_link_chains),
		TEST_ENTRY(poll_multishot_cq_full_ends),
		TEST_ENTRY(poll_teardown_with_polls_armed),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
