/* SPDX-License-Identifier: MIT */
/*
 * A program built against Debian's liburing 2.3, unmodified, that sleeps in
 * epoll_wait on its ring fd (tests/epoll-loop.h): under the shim the fd it
 * gets must be an event source as the kernel's is, idle at no CPU cost, and
 * readable exactly while completions wait; poll(2) likewise.
 */
#include <liburing.h>
#include <poll.h>
#include <stdbool.h>
#include "expect.h"
#include "../epoll-loop.h"

int main(void)
{
	struct io_uring ring;
	struct pollfd pfd;
	const char *err;
	int ret;

	ret = io_uring_queue_init(8, &ring, 0);
	if (ret == -ENOSYS || ret == -EPERM || ret == -EACCES)
		SKIP_CASE(SKIP_KERNEL_REFUSES, "io_uring_queue_init refused");
	REQUIRE_MSG(ret == 0, "queue_init: %d", ret);
	expect_kind(ring.ring_fd);

	pfd.fd = ring.ring_fd;
	pfd.events = POLLIN;
	REQUIRE_MSG(poll(&pfd, 1, 0) == 0, "empty CQ: poll says %#x", pfd.revents);
	io_uring_prep_nop(io_uring_get_sqe(&ring));
	REQUIRE_MSG(io_uring_submit(&ring) == 1, "submit nop");
	REQUIRE_MSG(poll(&pfd, 1, 0) == 1 && pfd.revents == POLLIN, "a CQE: poll says %#x",
	      pfd.revents);
	io_uring_cq_advance(&ring, 1);
	REQUIRE_MSG(poll(&pfd, 1, 0) == 0, "reaped: poll says %#x", pfd.revents);

	err = epoll_loop_check(&ring);
	REQUIRE_MSG(!err, "%s", err);
	io_uring_queue_exit(&ring);
	printf("pollring: ok\n");
	return 0;
}
