/* SPDX-License-Identifier: MIT */
/*
 * What a program gets from liburing 2.15's headers besides the calls, the
 * way upstream's example programs use it:
 *
 * - every header path of liburing's that a program may name resolves
 *   (<liburing/compat.h>, <liburing/io_uring_version.h>,
 *   <liburing/io_uring/query.h>, ...);
 * - the system headers <liburing.h> includes itself come along without the
 *   program naming them: <sys/wait.h> (waitpid, WEXITSTATUS) and
 *   <linux/swab.h> (__swab32);
 * - the types, macros and local helpers of liburing.h beyond its API
 *   functions: struct io_uring_zcrx_rq with liburing's layout,
 *   uring_ptr_to_u64, uring_likely/uring_unlikely, __NR_io_uring_*, and
 *   io_uring_skip_cqe with the peek helpers' rules (an F_SKIP filler only
 *   on a CQE_MIXED ring, as ringer's CQE iterator has it).
 *
 * Built with -Werror (an implicit declaration fails the build), so a missing
 * one is a build failure; the run checks their values and, for
 * io_uring_skip_cqe, their effect on a CQ ring.
 */
#include <liburing.h>
#include <liburing/barrier.h>
#include <liburing/compat.h>
#include <liburing/io_uring.h>
#include <liburing/io_uring/query.h>
#include <liburing/io_uring_version.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failed;

#define CHECK(cond)                                                                \
	do {                                                                       \
		if (!(cond)) {                                                     \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond); \
			failed = 1;                                                \
		}                                                                  \
	} while (0)

/* <sys/wait.h> and <linux/swab.h> through <liburing.h> alone */
static void transitive_headers(void)
{
	int status = 0;
	pid_t pid = fork();

	CHECK(__swab32(0x11223344U) == 0x44332211U);
	CHECK(__swab16(0x1122) == 0x2211);

	CHECK(pid >= 0);
	if (pid == 0)
		_exit(7);
	if (pid > 0) {
		CHECK(waitpid(pid, &status, 0) == pid);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
	}
}

static void macros(void)
{
	int one = 1, zero = 0;

	CHECK(uring_likely(one));
	CHECK(!uring_unlikely(zero));
	/* the three calls are numbered in a row on every architecture */
	CHECK(__NR_io_uring_enter == __NR_io_uring_setup + 1);
	CHECK(__NR_io_uring_register == __NR_io_uring_setup + 2);
#if defined(__x86_64__) || defined(__aarch64__)
	CHECK(__NR_io_uring_setup == 425);
#endif
	CHECK(IO_URING_VERSION_MAJOR == 2);
	CHECK(io_uring_major_version() == IO_URING_VERSION_MAJOR);
	CHECK(io_uring_minor_version() == IO_URING_VERSION_MINOR);
	CHECK(IORING_REGISTER_QUERY == 35);
	CHECK(sizeof(struct io_uring_query_hdr) == 40);
}

/*
 * A zcrx refill ring laid out as the kernel reports it (head and tail words,
 * then the entries, at the offsets of struct io_uring_zcrx_offsets), filled
 * the way the zcrx example returns buffers.
 */
static void zcrx_refill_ring(void)
{
	enum { ENTRIES = 8 };
	static __u64 mem[(128 + ENTRIES * sizeof(struct io_uring_zcrx_rqe)) / sizeof(__u64)];
	struct io_uring_zcrx_offsets off = { .head = 0, .tail = 64, .rqes = 128 };
	struct io_uring_zcrx_rq rq;
	char *base = (char *)mem;
	unsigned i;

	/* liburing's layout: two pointers, two 32-bit words, two pointers */
	CHECK(offsetof(struct io_uring_zcrx_rq, rq_tail) == 2 * sizeof(void *));
	CHECK(offsetof(struct io_uring_zcrx_rq, ring_entries) == 2 * sizeof(void *) + 4);
	CHECK(offsetof(struct io_uring_zcrx_rq, rqes) == 2 * sizeof(void *) + 8);
	CHECK(sizeof(struct io_uring_zcrx_rq) == 4 * sizeof(void *) + 8);

	rq.khead = (__u32 *)(base + off.head);
	rq.ktail = (__u32 *)(base + off.tail);
	rq.rqes = (struct io_uring_zcrx_rqe *)(base + off.rqes);
	rq.rq_tail = 0;
	rq.ring_entries = ENTRIES;
	rq.ring_ptr = base;
	CHECK(uring_ptr_to_u64(rq.ring_ptr) == (__u64)(uintptr_t)mem);

	for (i = 0; i < ENTRIES + 2; i++) {
		struct io_uring_zcrx_rqe *rqe;

		if (rq.rq_tail - io_uring_smp_load_acquire(rq.khead) == rq.ring_entries)
			break; /* full: the consumer has not moved */
		rqe = &rq.rqes[rq.rq_tail & (rq.ring_entries - 1)];
		rqe->off = ((__u64)i << IORING_ZCRX_AREA_SHIFT) | (i * 4096);
		rqe->len = 100 + i;
		io_uring_smp_store_release(rq.ktail, ++rq.rq_tail);
	}
	CHECK(i == ENTRIES);
	CHECK(*rq.ktail == ENTRIES);
	CHECK(rq.rqes[3].len == 103);
	CHECK((rq.rqes[3].off & ~IORING_ZCRX_AREA_MASK) == 3 * 4096);
}

/*
 * io_uring_skip_cqe on a CQ ring of its own: the CQEs the peek helpers
 * consume (a CQE_MIXED filler, the internal timeout of a ring without
 * EXT_ARG) and the ones they hand to the program.
 */
static void skip_cqe_rules(void)
{
	struct io_uring_cqe cqes[4] = { 0 };
	unsigned head = 0, tail = 4;
	struct io_uring fake = { 0 };
	int err;

	fake.cq.khead = &head;
	fake.cq.ktail = &tail;
	fake.cq.cqes = cqes;
	fake.cq.ring_mask = 3;
	fake.cq.ring_entries = 4;

	/*
	 * F_SKIP is a filler on a CQE_MIXED ring, consumed; on another ring
	 * a program's own flag (MSG_RING can pass any), and its CQE stays.
	 */
	cqes[0].flags = IORING_CQE_F_SKIP;
	err = 0;
	CHECK(!io_uring_skip_cqe(&fake, &cqes[0], &err) && !err && head == 0);
	fake.flags = IORING_SETUP_CQE_MIXED;
	CHECK(io_uring_skip_cqe(&fake, &cqes[0], &err) && !err && head == 1);
	fake.flags = 0;

	/* the internal timeout, expired: consumed, look again */
	cqes[1].flags = IORING_CQE_F_SKIP;
	cqes[1].user_data = LIBURING_UDATA_TIMEOUT;
	cqes[1].res = 0;
	err = 0;
	CHECK(io_uring_skip_cqe(&fake, &cqes[1], &err) && !err && head == 2);

	/* the internal timeout, failed: consumed, its error reported */
	cqes[2].user_data = LIBURING_UDATA_TIMEOUT;
	cqes[2].res = -EINVAL;
	err = 0;
	CHECK(!io_uring_skip_cqe(&fake, &cqes[2], &err) && err == -EINVAL && head == 3);

	/* on an EXT_ARG ring that user_data is the program's own */
	fake.features = IORING_FEAT_EXT_ARG;
	cqes[3].user_data = LIBURING_UDATA_TIMEOUT;
	err = 0;
	CHECK(!io_uring_skip_cqe(&fake, &cqes[3], &err) && !err && head == 3);
}

/* A real ring of the backend of the run: the program's CQE stays. */
static int ring_cqe(void)
{
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	const char *b = getenv("RINGER_BACKEND");
	int err = 0, ret;

	ret = io_uring_queue_init(4, &ring, 0);
	if (ret < 0) {
		fprintf(stderr, "io_uring_queue_init: %d\n", ret);
		return (ret == -EPERM || ret == -EACCES || ret == -ENOSYS) && b &&
				       !strcmp(b, "kernel")
			       ? 77
			       : 1;
	}
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data64(sqe, 0x1234);
	CHECK(io_uring_submit_and_wait(&ring, 1) == 1);
	CHECK(io_uring_cq_ready(&ring) == 1);
	cqe = &ring.cq.cqes[*ring.cq.khead & ring.cq.ring_mask];
	CHECK(cqe->user_data == 0x1234);
	CHECK(!io_uring_skip_cqe(&ring, cqe, &err) && !err);
	CHECK(io_uring_cq_ready(&ring) == 1);
	CHECK(io_uring_peek_cqe(&ring, &cqe) == 0 && cqe->user_data == 0x1234);
	io_uring_cqe_seen(&ring, cqe);
	CHECK(io_uring_cq_ready(&ring) == 0);
	io_uring_queue_exit(&ring);
	return 0;
}

int main(void)
{
	int ret;

	transitive_headers();
	macros();
	zcrx_refill_ring();
	skip_cqe_rules();
	ret = ring_cqe();
	if (ret == 77)
		return 77;
	if (failed || ret) {
		fprintf(stderr, "FAIL\n");
		return 1;
	}
	printf("PASS\n");
	return 0;
}
