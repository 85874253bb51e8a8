/* SPDX-License-Identifier: MIT */
/*
 * An unmodified program using io_uring as a widely used event-loop library
 * does (tests/event-loop.h: raw system calls, one mmap for both rings, no
 * probe, the ring fd in its epoll set).  Under the shim it must behave as
 * on the kernel.
 */
#define RAW_SYSCALLS
#include "../raw.h"
#include "../event-loop.h"
#include "expect.h"

int main(void)
{
	struct el l;
	int ret = el_init(&l, 64);

	expect_ring(ret < 0 ? ret : l.r.fd, "io_uring_setup");
	el_files(&l);
	el_epoll_batch(&l);
	el_exit(&l);
	if (harness_failures) /* CHECK failures */
		return 1;
	printf("evloop: ok\n");
	return 0;
}
