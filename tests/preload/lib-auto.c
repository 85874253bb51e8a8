/* SPDX-License-Identifier: MIT */
/*
 * A program linked with libringer, RINGER_BACKEND=auto, no shim.  Inside
 * eperm-run the kernel refuses io_uring with -EPERM and the library's auto
 * must fall back to the engine; outside it, the kernel's ring is used.
 * RINGER_EXPECT=kernel|engine says which.
 */
#include "ringer.h"
#include "expect.h"

int main(void)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	const char *want = getenv("RINGER_EXPECT");
	int ret, backend;

	ret = io_uring_queue_init(8, &ring, 0);
	REQUIRE_MSG(ret == 0, "queue_init (auto): %s", strerror(-ret));
	backend = ringer_ring_backend(&ring);
	if (want && !strcmp(want, "engine"))
		REQUIRE_MSG(backend == RINGER_BACKEND_USER, "ring backend %d, expected the engine",
		      backend);
	if (want && !strcmp(want, "kernel"))
		REQUIRE_MSG(backend == RINGER_BACKEND_KERNEL, "ring backend %d, expected the kernel",
		      backend);
	for (int i = 0; i < 3; i++) {
		sqe = io_uring_get_sqe(&ring);
		io_uring_prep_nop(sqe);
		sqe->user_data = 10 + i;
	}
	ret = io_uring_submit_and_wait(&ring, 3);
	REQUIRE_MSG(ret == 3, "submit_and_wait: %d", ret);
	for (int i = 0; i < 3; i++) {
		REQUIRE_MSG(io_uring_wait_cqe(&ring, &cqe) == 0, "wait_cqe");
		REQUIRE_MSG(cqe->user_data == 10u + i && cqe->res == 0, "cqe %d", i);
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	printf("lib-auto: ok on %s\n",
	       backend == RINGER_BACKEND_USER ? "the engine" : "the kernel");
	return 0;
}
