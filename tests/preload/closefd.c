/* SPDX-License-Identifier: MIT */
/*
 * Hazard: the program closes its ring fd with close(2) (no ring teardown
 * call) and the number is reused by a plain file.  Calls on the reused
 * number must see the file (-EOPNOTSUPP, as the kernel answers for a file),
 * and the closed ring must not live on: once the shim notices, every
 * descriptor the ring held is gone.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#define RAW_SYSCALLS
#include "../raw.h"
#include "expect.h"

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	REQUIRE_MSG(d, "opendir");
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR's own fd */
}

int main(void)
{
	struct raw_ring r;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe cqe;
	int before, fd, ret;

	before = count_fds();
	for (int round = 0; round < 3; round++) {
		setup_or_skip(&r, 4);
		sqe = raw_sqe(&r);
		sqe->opcode = IORING_OP_NOP;
		raw_publish(&r);
		REQUIRE_MSG(raw_enter(r.fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, _NSIG / 8) == 1, "nop");
		REQUIRE_MSG(raw_pop(&r, &cqe), "nop cqe");
		munmap(r.sq_ptr, r.sq_sz);
		munmap(r.cq_ptr, r.cq_sz);
		munmap(r.sqes, r.sqes_sz);
		/* The program's plain close(); the number is then reused. */
		REQUIRE_MSG(close(r.fd) == 0, "close");
		fd = open("/dev/null", O_RDONLY);
		/* the shim released the engine's own fd too, a lower number: take the ring's */
		if (fd >= 0 && fd != r.fd) {
			REQUIRE_MSG(dup2(fd, r.fd) == r.fd, "dup2");
			close(fd);
			fd = r.fd;
		}
		REQUIRE_MSG(fd == r.fd, "fd %d not reused (ring fd was %d)", fd, r.fd);
		ret = raw_enter(fd, 0, 0, 0, NULL, 0);
		REQUIRE_MSG(ret == -EOPNOTSUPP, "enter on the reused fd = %d", ret);
		ret = raw_register(fd, IORING_REGISTER_PROBE, NULL, 0);
		REQUIRE_MSG(ret == -EOPNOTSUPP, "register on the reused fd = %d", ret);
		/* Only the file is left: the ring's own descriptors are gone. */
		REQUIRE_MSG(count_fds() == before + 1, "%d fds open, expected %d", count_fds(),
		      before + 1);
		close(fd);
	}

	/*
	 * A registered ring fd keeps the ring alive after close(), as on the
	 * kernel; unregistering the last index lets it go.
	 */
	{
		struct io_uring_rsrc_update upd = { .offset = -1U };
		int per_ring;

		setup_or_skip(&r, 4);
		per_ring = strcmp(fd_kind(r.fd), "engine") ? 1 : 2;
		upd.data = (unsigned)r.fd;
		ret = raw_register(r.fd, IORING_REGISTER_RING_FDS, &upd, 1);
		REQUIRE_MSG(ret == 1 && upd.offset < 16, "register ring fd: %d (offset %u)", ret, upd.offset);
		REQUIRE_MSG(close(r.fd) == 0, "close");
		REQUIRE_MSG(count_fds() == before + per_ring - 1, "fds after close: %d", count_fds());
		sqe = raw_sqe(&r);
		sqe->opcode = IORING_OP_NOP;
		sqe->user_data = 42;
		raw_publish(&r);
		ret = raw_enter((int)upd.offset, 1, 1,
				IORING_ENTER_GETEVENTS | IORING_ENTER_REGISTERED_RING, NULL, _NSIG / 8);
		REQUIRE_MSG(ret == 1, "enter by registered index after close: %d", ret);
		REQUIRE_MSG(raw_pop(&r, &cqe) && cqe.user_data == 42, "nop through the registered ring");
		upd.data = 0;
		ret = raw_register((int)upd.offset,
				   IORING_UNREGISTER_RING_FDS | IORING_REGISTER_USE_REGISTERED_RING,
				   &upd, 1);
		REQUIRE_MSG(ret == 1, "unregister ring fd: %d", ret);
		ret = raw_enter((int)upd.offset, 0, 0, IORING_ENTER_REGISTERED_RING, NULL, 0);
		REQUIRE_MSG(ret == -EBADF || ret == -EINVAL, "enter by a freed index: %d", ret);
		munmap(r.sq_ptr, r.sq_sz);
		munmap(r.cq_ptr, r.cq_sz);
		munmap(r.sqes, r.sqes_sz);
		/* The kernel frees it now; the shim at the unregistration. */
		REQUIRE_MSG(count_fds() == before, "%d fds open after unregistering, expected %d",
		      count_fds(), before);
	}

	/* Closed without any later call on the number: the next setup notices. */
	setup_or_skip(&r, 4);
	raw_ring_exit(&r);
	setup_or_skip(&r, 4);
	raw_ring_exit(&r);
	{
		struct raw_ring probe;

		int per_ring;

		setup_or_skip(&probe, 4);
		/* The shim's engine ring holds two descriptors: the program's and the engine's. */
		per_ring = strcmp(fd_kind(probe.fd), "engine") ? 1 : 2;
		REQUIRE_MSG(count_fds() == before + per_ring, "%d fds open after closes, expected %d",
		      count_fds(), before + per_ring);
		raw_ring_exit(&probe);
	}
	/*
	 * The last close releases what the ring holds: a pipe's write end
	 * registered as a fixed file goes, and the reader sees EOF (the
	 * kernel's release is asynchronous: wait for it, a bounded time).
	 */
	{
		struct pollfd pfd;
		int p[2];

		setup_or_skip(&r, 4);
		REQUIRE_MSG(pipe(p) == 0, "pipe");
		ret = raw_register(r.fd, IORING_REGISTER_FILES, p, 2);
		REQUIRE_MSG(ret == 0, "register the pipe: %d", ret);
		close(p[1]);
		raw_ring_exit(&r);
		pfd.fd = p[0];
		pfd.events = POLLIN;
		ret = poll(&pfd, 1, 5000);
		REQUIRE_MSG(ret == 1 && (pfd.revents & POLLHUP), "reader after the ring's close: %d %#x",
		      ret, pfd.revents);
		close(p[0]);
	}
	printf("closefd: ok\n");
	return 0;
}
