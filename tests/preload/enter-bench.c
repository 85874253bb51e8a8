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
#include "uring-raw.h"

static bool direct;

static int do_enter(int fd, unsigned sub, unsigned min, unsigned flags)
{
	if (direct)
		return ringer_enter(fd, sub, min, flags, NULL, _NSIG / 8);
	return sys_enter(fd, sub, min, flags, NULL, _NSIG / 8);
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
		CHECK(do_enter(r->fd, batch, batch, IORING_ENTER_GETEVENTS) == (int)batch, "enter");
		for (unsigned j = 0; j < batch; j++) {
			while (!raw_pop(r, &cqe))
				CHECK(do_enter(r->fd, 0, 1, IORING_ENTER_GETEVENTS) >= 0, "wait");
			CHECK(cqe.res == 0, "nop res %d", cqe.res);
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
	r.fd = sys_setup(64, &r.p);
	if (r.fd < 0) {
		/* both backends have SQPOLL: a test run (RINGER_EXPECT) fails */
		if (getenv("RINGER_EXPECT"))
			FAIL("SQPOLL setup: %s", strerror(-r.fd));
		printf("%-22s setup: %s\n", "SQPOLL, 32 NOPs", strerror(-r.fd));
		return;
	}
	r.sq_sz = r.p.sq_off.array + r.p.sq_entries * sizeof(unsigned);
	r.cq_sz = r.p.cq_off.cqes + r.p.cq_entries * sizeof(struct io_uring_cqe);
	r.sqes_sz = r.p.sq_entries * sizeof(struct io_uring_sqe);
	r.sq_ptr = mmap(NULL, r.sq_sz, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, IORING_OFF_SQ_RING);
	r.cq_ptr = mmap(NULL, r.cq_sz, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, IORING_OFF_CQ_RING);
	r.sqes = mmap(NULL, r.sqes_sz, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, IORING_OFF_SQES);
	CHECK(r.sq_ptr != MAP_FAILED && r.cq_ptr != MAP_FAILED && r.sqes != MAP_FAILED, "mmap");
	r.sq_tail = (unsigned *)((char *)r.sq_ptr + r.p.sq_off.tail);
	r.sq_mask = (unsigned *)((char *)r.sq_ptr + r.p.sq_off.ring_mask);
	r.sq_array = (unsigned *)((char *)r.sq_ptr + r.p.sq_off.array);
	r.cq_head = (unsigned *)((char *)r.cq_ptr + r.p.cq_off.head);
	r.cq_tail = (unsigned *)((char *)r.cq_ptr + r.p.cq_off.tail);
	r.cq_mask = (unsigned *)((char *)r.cq_ptr + r.p.cq_off.ring_mask);
	r.cqes = (struct io_uring_cqe *)((char *)r.cq_ptr + r.p.cq_off.cqes);
	sq_flags = (unsigned *)((char *)r.sq_ptr + r.p.sq_off.flags);
	r.local_tail = *r.sq_tail;

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
			CHECK(sys_enter(r.fd, 0, 0, IORING_ENTER_SQ_WAKEUP, NULL, 0) >= 0, "wakeup");
			enters++;
		}
		for (unsigned j = 0; j < 32; j++) {
			while (!raw_pop(&r, &cqe))
				;
			CHECK(cqe.res == 0, "nop res %d", cqe.res);
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
		{
			/* Reuse raw_ring_init's mapping code by re-entering it on the fd. */
			struct raw_ring tmp = r;

			tmp.sq_sz = tmp.p.sq_off.array + tmp.p.sq_entries * sizeof(unsigned);
			tmp.cq_sz =
				tmp.p.cq_off.cqes + tmp.p.cq_entries * sizeof(struct io_uring_cqe);
			tmp.sqes_sz = tmp.p.sq_entries * sizeof(struct io_uring_sqe);
			tmp.sq_ptr = mmap(NULL, tmp.sq_sz, PROT_READ | PROT_WRITE, MAP_SHARED,
					  tmp.fd, IORING_OFF_SQ_RING);
			tmp.cq_ptr = mmap(NULL, tmp.cq_sz, PROT_READ | PROT_WRITE, MAP_SHARED,
					  tmp.fd, IORING_OFF_CQ_RING);
			tmp.sqes = mmap(NULL, tmp.sqes_sz, PROT_READ | PROT_WRITE, MAP_SHARED,
					tmp.fd, IORING_OFF_SQES);
			CHECK(tmp.sq_ptr != MAP_FAILED && tmp.cq_ptr != MAP_FAILED &&
				      tmp.sqes != MAP_FAILED,
			      "mmap");
			tmp.sq_tail = (unsigned *)((char *)tmp.sq_ptr + tmp.p.sq_off.tail);
			tmp.sq_mask = (unsigned *)((char *)tmp.sq_ptr + tmp.p.sq_off.ring_mask);
			tmp.sq_array = (unsigned *)((char *)tmp.sq_ptr + tmp.p.sq_off.array);
			tmp.cq_head = (unsigned *)((char *)tmp.cq_ptr + tmp.p.cq_off.head);
			tmp.cq_tail = (unsigned *)((char *)tmp.cq_ptr + tmp.p.cq_off.tail);
			tmp.cq_mask = (unsigned *)((char *)tmp.cq_ptr + tmp.p.cq_off.ring_mask);
			tmp.cqes = (struct io_uring_cqe *)((char *)tmp.cq_ptr + tmp.p.cq_off.cqes);
			tmp.local_tail = *tmp.sq_tail;
			r = tmp;
		}
	} else {
		/* a refused setup fails a test run (RINGER_EXPECT), else skips */
		setup_or_skip(&r, 64);
	}
	printf("ring: %s%s\n", direct ? "engine, called directly" : fd_kind(r.fd),
	       direct ? "" : " (through syscall)");

	t0 = now();
	for (long i = 0; i < n; i++)
		CHECK(do_enter(r.fd, 0, 0, 0) == 0, "empty enter");
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
