/* SPDX-License-Identifier: MIT */
/*
 * The shim's per-enter cost.  Not a test: it prints nanoseconds per call.
 *
 *   enter-bench raw [N]     io_uring through syscall(2), as an unmodified
 *                           program does; run it plain (the kernel, direct)
 *                           and under the shim (trapped: RINGER_BACKEND=kernel
 *                           re-issues to the kernel, =user serves from the
 *                           engine).
 *   enter-bench direct [N]  the engine called directly (ringer_setup and
 *                           ringer_enter, linked), no trap: the engine's own
 *                           cost, to subtract.
 *
 * Three loops: an empty enter (no SQE, no wait: the pure entry cost), one
 * NOP per enter with GETEVENTS, and 32 NOPs per enter (what batching does to
 * the per-operation cost).  tests/preload/bench.sh runs all four setups.
 */
#include <time.h>
#include "ringer.h"
#define RAW_SYSCALLS
#include "../raw.h"
#include "expect.h"

static bool direct;

static int do_enter(int fd, unsigned sub, unsigned min, unsigned flags)
{
	if (direct)
		return ringer_enter(fd, sub, min, flags, NULL, _NSIG / 8);
	return raw_enter(fd, sub, min, flags, NULL, _NSIG / 8);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void nops(struct raw_ring *r, unsigned batch, long iters, const char *label)
{
	struct io_uring_cqe cqe;
	double t0 = now();

	for (long i = 0; i < iters; i++) {
		for (unsigned j = 0; j < batch; j++) {
			struct io_uring_sqe *sqe = raw_sqe(r);

			sqe->opcode = IORING_OP_NOP;
			sqe->user_data = j;
		}
		raw_publish(r);
		REQUIRE_MSG(do_enter(r->fd, batch, batch, IORING_ENTER_GETEVENTS) == (int)batch, "enter");
		for (unsigned j = 0; j < batch; j++) {
			while (!raw_pop(r, &cqe))
				REQUIRE_MSG(do_enter(r->fd, 0, 1, IORING_ENTER_GETEVENTS) >= 0, "wait");
			REQUIRE_MSG(cqe.res == 0, "nop res %d", cqe.res);
		}
	}
	printf("%-22s %8.0f ns/enter %8.1f ns/op\n", label, (now() - t0) / iters,
	       (now() - t0) / iters / batch);
}

/*
 * An SQPOLL ring: the poller consumes the SQ, so no enter is needed while
 * it is awake; enters (each a trap under the shim) only to wake it.
 */
static void sqpoll_nops(long iters)
{
	struct io_uring_cqe cqe;
	struct raw_ring r;
	unsigned *sq_flags;
	long enters = 0;
	double t0;

	if (direct) {
		printf("%-22s (raw mode only)\n", "SQPOLL, 32 NOPs");
		return;
	}
	memset(&r, 0, sizeof(r));
	r.p.flags = IORING_SETUP_SQPOLL;
	r.p.sq_thread_idle = 1000;
	r.fd = raw_setup(64, &r.p);
	if (r.fd < 0) {
		/* both backends have SQPOLL: a test run (RINGER_EXPECT) fails */
		if (getenv("RINGER_EXPECT"))
			FAIL("SQPOLL setup: %s", strerror(-r.fd));
		printf("%-22s setup: %s\n", "SQPOLL, 32 NOPs", strerror(-r.fd));
		return;
	}
	raw_ring_map(&r, 0);
	sq_flags = r.sq_flags;

	t0 = now();
	for (long i = 0; i < iters; i++) {
		for (unsigned j = 0; j < 32; j++) {
			struct io_uring_sqe *sqe = raw_sqe(&r);

			sqe->opcode = IORING_OP_NOP;
		}
		raw_publish(&r);
		/* The tail store above must be visible before NEED_WAKEUP is read. */
		io_uring_smp_mb();
		if (IO_URING_READ_ONCE(*sq_flags) & IORING_SQ_NEED_WAKEUP) {
			REQUIRE_MSG(raw_enter(r.fd, 0, 0, IORING_ENTER_SQ_WAKEUP, NULL, 0) >= 0, "wakeup");
			enters++;
		}
		for (unsigned j = 0; j < 32; j++) {
			while (!raw_pop(&r, &cqe))
				;
			REQUIRE_MSG(cqe.res == 0, "nop res %d", cqe.res);
		}
	}
	printf("%-22s %8.0f ns/batch %8.1f ns/op, %ld enters\n", "SQPOLL, 32 NOPs",
	       (now() - t0) / iters, (now() - t0) / iters / 32, enters);
	raw_ring_exit(&r);
}

int main(int argc, char **argv)
{
	struct raw_ring r;
	long n = argc > 2 ? atol(argv[2]) : 200000;
	double t0;

	direct = argc > 1 && !strcmp(argv[1], "direct");
	if (direct) {
		/* The raw helpers, pointed at the engine's fd: setup by hand. */
		memset(&r, 0, sizeof(r));
		r.fd = ringer_setup(64, &r.p);
		if (r.fd < 0)
			FAIL("ringer_setup: %s", strerror(-r.fd)); /* the engine has no excuse */
		raw_ring_map(&r, 0);
	} else {
		/* a refused setup fails a test run (RINGER_EXPECT), else skips */
		setup_or_skip(&r, 64);
	}
	printf("ring: %s%s\n", direct ? "engine, called directly" : fd_kind(r.fd),
	       direct ? "" : " (through syscall)");

	t0 = now();
	for (long i = 0; i < n; i++)
		REQUIRE_MSG(do_enter(r.fd, 0, 0, 0) == 0, "empty enter");
	printf("%-22s %8.0f ns/enter\n", "empty enter", (now() - t0) / n);
	nops(&r, 1, n / 2, "1 NOP per enter");
	nops(&r, 32, n / 32, "32 NOPs per enter");
	sqpoll_nops(n / 32);
	if (direct)
		ringer_close(r.fd);
	else
		raw_ring_exit(&r);
	return 0;
}
