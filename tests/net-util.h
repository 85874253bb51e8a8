/* SPDX-License-Identifier: MIT */
/*
 * Loopback sockets for the network tests, made with plain system calls (not
 * through the ring under test), so that a failure here is a broken setup,
 * not a result: each step is REQUIREd.  Included after harness.h.
 */
#ifndef RINGER_TEST_NET_UTIL_H
#define RINGER_TEST_NET_UTIL_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

/* 127.0.0.1, any port */
static inline struct sockaddr_in net_loopback_any(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* a listening TCP socket on 127.0.0.1, its address (the port bound) in *a */
static inline int net_tcp_listener(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	REQUIRE_SYS(fd);
	*a = net_loopback_any();
	REQUIRE_SYS(bind(fd, (struct sockaddr *)a, sizeof(*a)));
	REQUIRE_SYS(listen(fd, 16));
	REQUIRE_SYS(getsockname(fd, (struct sockaddr *)a, &len));
	return fd;
}

/* a TCP socket connected to a (the connection in the listener's backlog) */
static inline int net_tcp_client(const struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	REQUIRE_SYS(fd);
	REQUIRE_SYS(connect(fd, (const struct sockaddr *)a, sizeof(*a)));
	return fd;
}

/* a connected loopback TCP pair: fds[0] the client, fds[1] the accepted end */
static inline void net_tcp_pair(int fds[2])
{
	struct sockaddr_in a;
	int lfd = net_tcp_listener(&a);

	fds[0] = net_tcp_client(&a);
	fds[1] = accept(lfd, NULL, NULL);
	REQUIRE_SYS(fds[1]);
	close(lfd);
}

/* Close both ends of a pair a test made (an end already closed is -1). */
static inline void net_close_pair(int sv[2])
{
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
}

#endif
