// SPDX-License-Identifier: MIT
//
// The compatibility headers from C++: a liburing program compiled as C++
// (the headers carry extern "C" guards and C++ versions of the barriers).
// Built only when a C++ compiler is available.  A NOP round trip and a read
// of a pipe, with the results checked.  Exit: 0 pass, 1 fail, 77 skip.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

#include <liburing.h>
#include <liburing/barrier.h>

static int fail(const char *what, long got, long want)
{
	std::fprintf(stderr, "%s: got %ld, wanted %ld\n", what, got, want);
	return 1;
}

int main()
{
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	char buf[16] = {};
	int pfd[2], ret, status = 1;

	ret = io_uring_queue_init(4, &ring, 0);
	if (ret < 0) {
		const char *b = std::getenv("RINGER_BACKEND");

		std::fprintf(stderr, "queue_init: %s\n", std::strerror(-ret));
		return (ret == -ENOSYS || ret == -EPERM || ret == -EACCES) && b &&
				       !std::strcmp(b, "kernel")
			       ? 77
			       : 1;
	}
	if (pipe(pfd) < 0) {
		std::perror("pipe");
		io_uring_queue_exit(&ring);
		return 1;
	}

	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, 42);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, pfd[0], buf, sizeof(buf), 0);
	io_uring_sqe_set_data(sqe, buf);
	if ((ret = io_uring_submit(&ring)) != 2) {
		status = fail("submit", ret, 2);
		goto out;
	}
	if (write(pfd[1], "hello", 5) != 5) {
		std::perror("write");
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		ret = io_uring_wait_cqe(&ring, &cqe);
		if (ret) {
			status = fail("wait_cqe", ret, 0);
			goto out;
		}
		if (io_uring_cqe_get_data64(cqe) == 42) {
			if (cqe->res != 0) {
				status = fail("nop res", cqe->res, 0);
				goto out;
			}
		} else if (io_uring_cqe_get_data(cqe) == buf) {
			if (cqe->res != 5 || std::memcmp(buf, "hello", 5)) {
				status = fail("read res", cqe->res, 5);
				goto out;
			}
		} else {
			status = fail("user_data", (long)cqe->user_data, 42);
			goto out;
		}
		io_uring_cqe_seen(&ring, cqe);
	}
	if (io_uring_smp_load_acquire(ring.cq.khead) != *ring.cq.ktail) {
		status = fail("cq head", *ring.cq.khead, *ring.cq.ktail);
		goto out;
	}
	std::printf("C++: nop and pipe read ok\n");
	status = 0;
out:
	io_uring_queue_exit(&ring);
	close(pfd[0]);
	close(pfd[1]);
	return status;
}
