/* SPDX-License-Identifier: MIT */
/*
 * A program that includes only <ringer.h> and uses what liburing.h brings
 * in for its users: cpu_set_t and CPU_SET (<sched.h>), struct iovec
 * (<sys/uio.h>), sigset_t (<signal.h>), bool, PRIu64 (<inttypes.h>),
 * strlen (<string.h>), errno, O_RDONLY and AT_FDCWD (<fcntl.h>), struct
 * sockaddr (<sys/socket.h>), struct stat, waitpid, struct timespec and
 * __swab32 (<linux/swab.h>).  Built with -Werror: a missing include fails the
 * build.  It then sets the ring's io-wq affinity to the CPU it runs on.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* cpu_set_t, as for liburing's io_uring_register_iowq_aff */
#endif
#include <ringer.h>
#include <stdio.h>

int main(void)
{
	struct io_uring ring;
	struct iovec iov = { .iov_base = NULL, .iov_len = 0 };
	struct sockaddr sa = { .sa_family = AF_UNIX };
	struct timespec ts = { 0, 0 };
	struct stat st;
	sigset_t set;
	cpu_set_t cpus;
	bool ok = true;
	uint64_t v = __swab32(0x01020304);
	int cpu, ret, status;

	sigemptyset(&set);
	if (fstat(0, &st) < 0 && errno == 0)
		ok = false;
	ok = ok && strlen("x") == 1 && O_RDONLY == 0 && AT_FDCWD < 0 && iov.iov_len == 0;
	ok = ok && sa.sa_family == AF_UNIX && ts.tv_sec == 0 && v == 0x04030201;
	ok = ok && waitpid(-1, &status, WNOHANG) < 0;
	if (!ok) {
		printf("FAIL: a value from the headers is not what it should be\n");
		return 1;
	}

	ret = io_uring_queue_init(4, &ring, 0);
	if (ret < 0) {
		printf("SKIP: io_uring_queue_init: %s\n", strerror(-ret));
		return 77;
	}
	cpu = sched_getcpu();
	CPU_ZERO(&cpus);
	CPU_SET(cpu < 0 ? 0 : cpu, &cpus);
	ret = io_uring_register_iowq_aff(&ring, sizeof(cpus), &cpus);
	io_uring_queue_exit(&ring);
	if (ret < 0) {
		printf("FAIL: io_uring_register_iowq_aff = %d (%" PRIu64 " CPUs asked)\n", ret,
		       (uint64_t)CPU_COUNT(&cpus));
		return 1;
	}
	printf("PASS\n");
	return 0;
}
