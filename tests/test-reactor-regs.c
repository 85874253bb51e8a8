/* SPDX-License-Identifier: MIT */
/*
 * The engine's reactor leaves no registration behind in its epoll set once
 * the requests that waited there are done: a receive that waits holds its
 * socket with a number of the engine's own, which epoll keys its
 * registration by together with the file; the program's own fd keeps that
 * file alive, so without care each number the engine closes (and reuses for
 * another socket) leaves one registration in the set for as long as the
 * socket lives.  The test reads the sets' registrations from
 * /proc/self/fdinfo (the kernel's io_uring has none: nothing to find).
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "harness.h"

#define NR_SOCKS 16

static struct io_uring ring;

/* Registrations in this process's epoll sets, beyond the reactor's own
 * (two eventfds: its thread's and its waiter's); -1 when /proc cannot tell. */
static int extra_registrations(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int extra = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char path[300], target[64], line[256];
		ssize_t n;
		FILE *f;
		int regs = 0;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		if (strcmp(target, "anon_inode:[eventpoll]"))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%s", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "tfd:", 4))
				regs++;
		fclose(f);
		if (regs > 2)
			extra += regs - 2;
	}
	closedir(d);
	return extra;
}

/* Wait for the registrations beyond the reactor's own to go (5 s at most): the
 * reactor drops them after posting the CQEs, late on a loaded machine; a
 * registration left behind stays and fails.  The count at the end. */
static int extra_registrations_settle(void)
{
	uint64_t t0 = test_now_ns();
	int n;

	while ((n = extra_registrations()) > 0 && test_now_ns() - t0 < 5000000000ULL)
		test_sleep_ms(1);
	return n;
}

/* A receive waits on each socket (no data yet), then the data comes. */
static void wait_on_each(const int *rx, const int *tx, unsigned n, unsigned order_step)
{
	static char bufs[NR_SOCKS][8];
	struct test_cqe c[NR_SOCKS];

	for (unsigned k = 0; k < n; k++) {
		unsigned i = (k * order_step) % n;
		struct io_uring_sqe *sqe = test_get_sqe(&ring);

		io_uring_prep_recv(sqe, rx[i], bufs[i], sizeof(bufs[i]), 0);
		io_uring_sqe_set_data64(sqe, i);
	}
	REQUIRE_EQ(io_uring_submit(&ring), (int)n);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	for (unsigned i = 0; i < n; i++)
		REQUIRE_EQ(write(tx[i], "ab", 2), 2);
	REQUIRE_EQ(test_reap(&ring, c, n, 5000), n);
	for (unsigned i = 0; i < n; i++) {
		CHECK_EQ(c[i].res, 2);
		CHECK_MEM(bufs[c[i].user_data], "ab", 2);
	}
}

/* Sockets the program keeps open: the sets hold nothing for them once their
 * receives are done, in a second round too, where the engine's numbers
 * name other sockets than in the first. */
TEST(no_registration_left_behind)
{
	int a[2][NR_SOCKS], b[2][NR_SOCKS];

	test_ring_init(64, &ring, 0);
	for (unsigned i = 0; i < NR_SOCKS; i++) {
		int p[2];

		REQUIRE_SYS(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p));
		a[0][i] = p[0];
		a[1][i] = p[1];
		REQUIRE_SYS(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p));
		b[0][i] = p[0];
		b[1][i] = p[1];
	}
	wait_on_each(a[0], a[1], NR_SOCKS, 1);
	CHECK_EQ(extra_registrations_settle(), 0);
	wait_on_each(b[0], b[1], NR_SOCKS, 5);
	CHECK_EQ(extra_registrations_settle(), 0);
	wait_on_each(a[0], a[1], NR_SOCKS, 3);
	CHECK_EQ(extra_registrations_settle(), 0);
	for (unsigned i = 0; i < NR_SOCKS; i++) {
		close(a[0][i]);
		close(a[1][i]);
		close(b[0][i]);
		close(b[1][i]);
	}
	io_uring_queue_exit(&ring);
}

/* The same through registered files, whose numbers the engine closes when
 * the table lets them go. */
TEST(fixed_files_leave_none)
{
	int p[2][NR_SOCKS], fds[NR_SOCKS];
	static char bufs[NR_SOCKS][8];
	struct test_cqe c[NR_SOCKS];

	test_ring_init(64, &ring, 0);
	for (unsigned i = 0; i < NR_SOCKS; i++) {
		int s[2];

		REQUIRE_SYS(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s));
		p[0][i] = fds[i] = s[0];
		p[1][i] = s[1];
	}
	REQUIRE_EQ(io_uring_register_files(&ring, fds, NR_SOCKS), 0);
	for (unsigned i = 0; i < NR_SOCKS; i++) {
		struct io_uring_sqe *sqe = test_get_sqe(&ring);

		io_uring_prep_recv(sqe, (int)i, bufs[i], sizeof(bufs[i]), 0);
		sqe->flags |= IOSQE_FIXED_FILE;
		io_uring_sqe_set_data64(sqe, i);
	}
	REQUIRE_EQ(io_uring_submit(&ring), NR_SOCKS);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	for (unsigned i = 0; i < NR_SOCKS; i++)
		REQUIRE_EQ(write(p[1][i], "ab", 2), 2);
	REQUIRE_EQ(test_reap(&ring, c, NR_SOCKS, 5000), NR_SOCKS);
	for (unsigned i = 0; i < NR_SOCKS; i++)
		CHECK_EQ(c[i].res, 2);
	REQUIRE_EQ(io_uring_unregister_files(&ring), 0);
	CHECK_EQ(extra_registrations_settle(), 0);
	for (unsigned i = 0; i < NR_SOCKS; i++) {
		close(p[0][i]);
		close(p[1][i]);
	}
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(no_registration_left_behind),
		TEST_ENTRY(fixed_files_leave_none),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
