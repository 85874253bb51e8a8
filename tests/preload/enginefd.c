/* SPDX-License-Identifier: MIT */
/*
 * Hazard: a number that was a ring's fd becomes one of the engine's own
 * files.  The shim traps the reads and writes libc makes on every number it
 * ever handed out as a ring fd, and takes a call on such a number, once the
 * ring's file is gone from it, for the news that the program closed the
 * ring.  The engine's own calls (its reactor's eventfd, here) must never be
 * taken for the program's: they are not trapped at all.
 *
 * The program keeps its ring through a dup() and closes the ring's number
 * with a system call the shim does not see; with RLIMIT_NOFILE low the
 * engine keeps its files at the lowest free numbers, so the reactor's
 * eventfd takes the ring's old number (its epoll set the one below).  Each
 * timeout then wakes the reactor through that eventfd, and must go on
 * working through the dup.
 */
#include <fcntl.h>
#include <sys/resource.h>
#define RAW_SYSCALLS
#include "../raw.h"
#include "expect.h"

/* close(2) from this program's text: the shim traps libc's close() only */
static long close_unseen(int fd)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"((long)SYS_close), "D"((long)fd)
			 : "rcx", "r11", "memory");
	return ret;
}

int main(void)
{
	struct rlimit rl = { 64, 64 };
	struct __kernel_timespec ts = { .tv_nsec = 1000000 };
	struct raw_ring r;
	struct io_uring_cqe cqe;
	int dupfd, filler, ret;

	/* below 256 the engine keeps its files where they land (sys_fd_floor()) */
	REQUIRE_MSG(setrlimit(RLIMIT_NOFILE, &rl) == 0, "setrlimit: %s", strerror(errno));
	/* no free number below 16, so that the ones freed below are the lowest */
	while ((filler = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0 && filler < 16)
		;
	REQUIRE_MSG(filler >= 16, "open: %s", strerror(errno));
	close(filler);
	setup_or_skip(&r, 8);
	dupfd = dup(r.fd);
	REQUIRE_MSG(dupfd >= 0, "dup: %s", strerror(errno));
	/* two free numbers: the reactor's epoll set takes 5, its eventfd the ring's */
	REQUIRE_MSG(close(5) == 0, "close(5)");
	REQUIRE_MSG(close_unseen(r.fd) == 0, "close of the ring's number");
	r.fd = dupfd;
	for (int i = 0; i < 10; i++) {
		struct io_uring_sqe *sqe = raw_sqe(&r);

		sqe->opcode = IORING_OP_TIMEOUT;
		sqe->addr = (uintptr_t)&ts;
		sqe->len = 1;
		sqe->user_data = 100 + (unsigned)i;
		raw_publish(&r);
		ret = raw_enter(r.fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, _NSIG / 8);
		REQUIRE_MSG(ret == 1, "round %d: enter %d", i, ret);
		REQUIRE_MSG(raw_pop(&r, &cqe), "no CQE in round %d", i);
		REQUIRE_MSG(cqe.user_data == 100 + (unsigned)i && cqe.res == -ETIME,
			    "round %d: user_data %llu res %d", i, (unsigned long long)cqe.user_data,
			    cqe.res);
	}
	raw_ring_exit(&r);
	return 0;
}
