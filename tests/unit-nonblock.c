/* SPDX-License-Identifier: MIT */
/*
 * Unit test of sys_call_nonblock() (src/engine/sys.c): the engine's call on
 * a socket (ACCEPT, CONNECT) with O_NONBLOCK set on its file for the call.
 * Two such calls on one file description (two ACCEPTs on one listener, one
 * in the reactor thread and one in a submitter) must not see each other's
 * flag: the O_NONBLOCK one of them set is gone when it returns, and the
 * other's call must not block then (in the reactor thread, a blocking
 * accept hung the ring: liburing's accept.t under load).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/sys.h"
#include "harness.h"

static atomic_bool first_inside, second_inside, first_returned;
static struct sockaddr_in addr;
static int lfd;

static bool wait_flag(atomic_bool *flag, unsigned ms)
{
	uint64_t end = test_now_ns() + (uint64_t)ms * 1000000ULL;

	while (!atomic_load(flag)) {
		if (test_now_ns() > end)
			return false;
		test_sleep_ms(1);
	}
	return true;
}

/* The first call: stays inside until the second has started (or a while). */
static long first_fn(int fd, void *arg)
{
	atomic_store(&first_inside, true);
	wait_flag(&second_inside, 300);
	return 0;
}

static void *first_thread(void *arg)
{
	sys_call_nonblock(lfd, first_fn, NULL);
	atomic_store(&first_returned, true);
	return NULL;
}

/* The second call: accepts once the first has returned. */
static long second_fn(int fd, void *arg)
{
	atomic_store(&second_inside, true);
	wait_flag(&first_returned, 5000);
	return sys_accept4(fd, NULL, NULL, SOCK_CLOEXEC);
}

/* Ends a blocked accept: a connection, after a generous while. */
static void *connect_later(void *arg)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	test_sleep_ms(2000);
	if (fd >= 0) {
		connect(fd, (struct sockaddr *)&addr, sizeof(addr));
		close(fd);
	}
	return NULL;
}

TEST(no_flag_from_another_call)
{
	socklen_t len = sizeof(addr);
	pthread_t first, connector;
	long ret;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	REQUIRE_GE(lfd, 0);
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	REQUIRE_SYS(bind(lfd, (struct sockaddr *)&addr, sizeof(addr)));
	REQUIRE_SYS(getsockname(lfd, (struct sockaddr *)&addr, &len));
	REQUIRE_SYS(listen(lfd, 8));
	REQUIRE_EQ(pthread_create(&first, NULL, first_thread, NULL), 0);
	REQUIRE_TRUE(wait_flag(&first_inside, 5000));
	REQUIRE_EQ(pthread_create(&connector, NULL, connect_later, NULL), 0);
	/* the listener is blocking: nothing to accept is -EAGAIN, at once */
	ret = sys_call_nonblock(lfd, second_fn, NULL);
	CHECK_EQ(ret, -EAGAIN);
	if (ret >= 0)
		close((int)ret);
	pthread_join(first, NULL);
	pthread_join(connector, NULL);
	/* and the program's file is left as it was */
	CHECK_EQ(fcntl(lfd, F_GETFL) & O_NONBLOCK, 0);
	close(lfd);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(no_flag_from_another_call),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
