/* SPDX-License-Identifier: MIT */
/*
 * The raw io_uring interface, as an unmodified program uses it: the three
 * system calls through syscall(2), the three mmaps, no library.  Shared by
 * the preload tests (they run under the shim, which must trap these calls).
 */
#ifndef PRELOAD_URING_RAW_H
#define PRELOAD_URING_RAW_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ringer/io_uring.h"
#include "ringer/barrier.h"
#include "expect.h"

static inline int sys_setup(unsigned entries, struct io_uring_params *p)
{
	long r = syscall(425, entries, p);
	return r < 0 ? -errno : (int)r;
}

static inline int sys_enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags,
			    const void *arg, size_t argsz)
{
	long r = syscall(426, fd, to_submit, min_complete, flags, arg, argsz);
	return r < 0 ? -errno : (int)r;
}

static inline int sys_register(int fd, unsigned op, const void *arg, unsigned nr)
{
	long r = syscall(427, fd, op, arg, nr);
	return r < 0 ? -errno : (int)r;
}

struct raw_ring {
	int fd;
	struct io_uring_params p;
	void *sq_ptr, *cq_ptr;
	size_t sq_sz, cq_sz, sqes_sz;
	unsigned *sq_head, *sq_tail, *sq_mask, *sq_array;
	unsigned *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	unsigned local_tail;
};

/* Set up and map a ring; -errno from setup (nothing mapped) or exits on a mapping failure. */
static inline int raw_ring_init(struct raw_ring *r, unsigned entries)
{
	memset(r, 0, sizeof(*r));
	r->fd = sys_setup(entries, &r->p);
	if (r->fd < 0)
		return r->fd;
	r->sq_sz = r->p.sq_off.array + r->p.sq_entries * sizeof(unsigned);
	r->cq_sz = r->p.cq_off.cqes + r->p.cq_entries * sizeof(struct io_uring_cqe);
	r->sqes_sz = r->p.sq_entries * sizeof(struct io_uring_sqe);
	r->sq_ptr = mmap(NULL, r->sq_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
			 IORING_OFF_SQ_RING);
	CHECK(r->sq_ptr != MAP_FAILED, "mmap sq ring: %s", strerror(errno));
	r->cq_ptr = mmap(NULL, r->cq_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
			 IORING_OFF_CQ_RING);
	CHECK(r->cq_ptr != MAP_FAILED, "mmap cq ring: %s", strerror(errno));
	r->sqes = mmap(NULL, r->sqes_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
		       IORING_OFF_SQES);
	CHECK(r->sqes != MAP_FAILED, "mmap sqes: %s", strerror(errno));
	r->sq_head = (unsigned *)((char *)r->sq_ptr + r->p.sq_off.head);
	r->sq_tail = (unsigned *)((char *)r->sq_ptr + r->p.sq_off.tail);
	r->sq_mask = (unsigned *)((char *)r->sq_ptr + r->p.sq_off.ring_mask);
	r->sq_array = (unsigned *)((char *)r->sq_ptr + r->p.sq_off.array);
	r->cq_head = (unsigned *)((char *)r->cq_ptr + r->p.cq_off.head);
	r->cq_tail = (unsigned *)((char *)r->cq_ptr + r->p.cq_off.tail);
	r->cq_mask = (unsigned *)((char *)r->cq_ptr + r->p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)((char *)r->cq_ptr + r->p.cq_off.cqes);
	r->local_tail = *r->sq_tail;
	return 0;
}

static inline void raw_ring_exit(struct raw_ring *r)
{
	munmap(r->sq_ptr, r->sq_sz);
	munmap(r->cq_ptr, r->cq_sz);
	munmap(r->sqes, r->sqes_sz);
	close(r->fd);
}

/* The next SQE, zeroed; the caller fills it, raw_publish() makes it visible. */
static inline struct io_uring_sqe *raw_sqe(struct raw_ring *r)
{
	unsigned idx = r->local_tail & *r->sq_mask;
	struct io_uring_sqe *sqe = &r->sqes[idx];

	memset(sqe, 0, sizeof(*sqe));
	r->sq_array[idx] = idx;
	r->local_tail++;
	return sqe;
}

/* Publish the SQEs filled so far: the executor must see them before the tail. */
static inline void raw_publish(struct raw_ring *r)
{
	io_uring_smp_store_release(r->sq_tail, r->local_tail);
}

/* Pop one CQE if there is one: the tail's acquire load orders the CQE read after it. */
static inline int raw_pop(struct raw_ring *r, struct io_uring_cqe *out)
{
	unsigned head = *r->cq_head;

	if (head == io_uring_smp_load_acquire(r->cq_tail))
		return 0;
	*out = r->cqes[head & *r->cq_mask];
	/* The executor may reuse the slot once it sees the new head. */
	io_uring_smp_store_release(r->cq_head, head + 1);
	return 1;
}

/* One NOP through r, entered and reaped; fails the test unless it completes with 0. */
static inline void raw_nop_roundtrip(struct raw_ring *r, unsigned long long ud)
{
	struct io_uring_sqe *sqe = raw_sqe(r);
	struct io_uring_cqe cqe;
	int ret;

	sqe->opcode = IORING_OP_NOP;
	sqe->user_data = ud;
	raw_publish(r);
	ret = sys_enter(r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, _NSIG / 8);
	CHECK(ret == 1, "enter(nop) = %d", ret);
	CHECK(raw_pop(r, &cqe) && cqe.user_data == ud && cqe.res == 0, "nop cqe");
}

static inline int setup_or_skip(struct raw_ring *r, unsigned entries)
{
	int ret = raw_ring_init(r, entries);
	const char *want = getenv("RINGER_EXPECT");

	if (ret < 0) {
		if (want && *want)
			FAIL("io_uring_setup: %s (expected a %s ring)", strerror(-ret), want);
		fprintf(stderr, "io_uring_setup: %s: skipped\n", strerror(-ret));
		exit(77);
	}
	expect_kind(r->fd);
	return 0;
}

#endif
