/* SPDX-License-Identifier: MIT */
/*
 * The raw io_uring interface, no library: io_uring_setup, the three mmaps
 * (SQ ring, CQ ring, SQEs), SQEs filled by hand with their indexes in the SQ
 * array, io_uring_enter, the CQ read and its head advanced.
 *
 * Which entry points the ring uses:
 *   default            RINGER_BACKEND=kernel: the kernel's system calls;
 *                      any other value: the engine's ringer_setup/enter/
 *                      register/close (the test-engine-* programs, linked
 *                      with libringer);
 *   RAW_SYSCALLS       defined before the include: always syscall(2), as an
 *                      unmodified program does (the preload tests, which
 *                      link nothing of ringer: the shim traps the calls).
 * Failures are reported through tests/harness.h.
 */
#ifndef RINGER_TEST_RAW_H
#define RINGER_TEST_RAW_H

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ringer/io_uring.h"
#include "ringer/barrier.h"
#ifdef RAW_SYSCALLS
#ifndef HARNESS_WITHOUT_RINGER
#define HARNESS_WITHOUT_RINGER
#endif
#else
#include "ringer.h"
#endif
#include "harness.h"

/* The three system calls, -errno on failure. */
static inline int raw_sys_setup(unsigned entries, struct io_uring_params *p)
{
	long r = syscall(__NR_io_uring_setup, entries, p);

	return r < 0 ? -errno : (int)r;
}

static inline int raw_sys_enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags,
				const void *arg, size_t argsz)
{
	long r = syscall(__NR_io_uring_enter, fd, to_submit, min_complete, flags, arg, argsz);

	return r < 0 ? -errno : (int)r;
}

static inline int raw_sys_register(int fd, unsigned op, const void *arg, unsigned nr)
{
	long r = syscall(__NR_io_uring_register, fd, op, arg, nr);

	return r < 0 ? -errno : (int)r;
}

#ifndef RAW_SYSCALLS
/* The engine is called directly unless the run is RINGER_BACKEND=kernel. */
static inline bool raw_on_kernel(void)
{
	return test_backend_is("kernel");
}
#endif

/* The entry points of the backend this run is on (see the top of this file). */
static inline int raw_setup(unsigned entries, struct io_uring_params *p)
{
#ifndef RAW_SYSCALLS
	if (!raw_on_kernel())
		return ringer_setup(entries, p);
#endif
	return raw_sys_setup(entries, p);
}

static inline int raw_enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags,
			    const void *arg, size_t argsz)
{
#ifndef RAW_SYSCALLS
	if (!raw_on_kernel())
		return ringer_enter(fd, to_submit, min_complete, flags, arg, argsz);
#endif
	return raw_sys_enter(fd, to_submit, min_complete, flags, arg, argsz);
}

static inline int raw_register(int fd, unsigned op, const void *arg, unsigned nr)
{
#ifndef RAW_SYSCALLS
	if (!raw_on_kernel())
		return ringer_register(fd, op, arg, nr);
#endif
	return raw_sys_register(fd, op, arg, nr);
}

static inline int raw_close(int fd)
{
#ifndef RAW_SYSCALLS
	if (!raw_on_kernel())
		return ringer_close(fd);
#endif
	return close(fd) ? -errno : 0;
}

struct raw_ring {
	int fd;
	struct io_uring_params p;
	void *sq_ptr, *cq_ptr;
	size_t sq_sz, cq_sz, sqes_sz;
	struct io_uring_sqe *sqes;
	unsigned *sq_head, *sq_tail, *sq_array, *sq_flags, *sq_dropped;
	unsigned *cq_head, *cq_tail, *cq_overflow, *cq_flags;
	struct io_uring_cqe *cqes;
	unsigned sq_mask, cq_mask;
	unsigned tail; /* the local SQ tail, published by raw_publish() */
};

/*
 * Map the rings of r->fd, set up with r->p: the SQ ring, the CQ ring, the
 * SQEs.  A mapping that fails fails the case: nothing after it can run.
 */
/* 128-byte SQEs and 32-byte CQEs (IORING_SETUP_SQE128, CQE32): log2 of the
 * entry sizes in 64- and 16-byte units */
static inline unsigned raw_sqe_shift(const struct raw_ring *r)
{
	return (r->p.flags & IORING_SETUP_SQE128) ? 1 : 0;
}

static inline unsigned raw_cqe_shift(const struct raw_ring *r)
{
	return (r->p.flags & IORING_SETUP_CQE32) ? 1 : 0;
}

static inline void raw_ring_map(struct raw_ring *r, int map_flags)
{
	size_t cqes_sz = (r->p.cq_entries * sizeof(struct io_uring_cqe)) << raw_cqe_shift(r);

	r->sq_sz = r->p.sq_off.array + r->p.sq_entries * sizeof(unsigned);
	if (r->p.flags & IORING_SETUP_NO_SQARRAY)
		r->sq_sz = r->p.cq_off.cqes + cqes_sz;
	r->cq_sz = r->p.cq_off.cqes + cqes_sz;
	r->sqes_sz = (r->p.sq_entries * sizeof(struct io_uring_sqe)) << raw_sqe_shift(r);
	r->sq_ptr = mmap(NULL, r->sq_sz, PROT_READ | PROT_WRITE, MAP_SHARED | map_flags, r->fd,
			 IORING_OFF_SQ_RING);
	REQUIRE_MSG(r->sq_ptr != MAP_FAILED, "mmap of the SQ ring: %s", strerror(errno));
	r->cq_ptr = mmap(NULL, r->cq_sz, PROT_READ | PROT_WRITE, MAP_SHARED | map_flags, r->fd,
			 IORING_OFF_CQ_RING);
	REQUIRE_MSG(r->cq_ptr != MAP_FAILED, "mmap of the CQ ring: %s", strerror(errno));
	r->sqes = mmap(NULL, r->sqes_sz, PROT_READ | PROT_WRITE, MAP_SHARED | map_flags, r->fd,
		       IORING_OFF_SQES);
	REQUIRE_MSG(r->sqes != MAP_FAILED, "mmap of the SQEs: %s", strerror(errno));
#define SQF(f) ((unsigned *)((char *)r->sq_ptr + r->p.sq_off.f))
#define CQF(f) ((unsigned *)((char *)r->cq_ptr + r->p.cq_off.f))
	r->sq_head = SQF(head);
	r->sq_tail = SQF(tail);
	r->sq_array = SQF(array);
	r->sq_flags = SQF(flags);
	r->sq_dropped = SQF(dropped);
	r->sq_mask = *SQF(ring_mask);
	r->cq_head = CQF(head);
	r->cq_tail = CQF(tail);
	r->cq_overflow = CQF(overflow);
	r->cq_flags = CQF(flags);
	r->cq_mask = *CQF(ring_mask);
	r->cqes = (struct io_uring_cqe *)((char *)r->cq_ptr + r->p.cq_off.cqes);
#undef SQF
#undef CQF
	r->tail = *r->sq_tail;
}

/*
 * Set up a ring of `entries` (params from *in, if given) and map it.
 * Returns 0, or setup's -errno with nothing mapped.
 */
static inline int raw_ring_init(struct raw_ring *r, unsigned entries,
				const struct io_uring_params *in)
{
	memset(r, 0, sizeof(*r));
	if (in)
		r->p = *in;
	r->fd = raw_setup(entries, &r->p);
	if (r->fd < 0)
		return r->fd;
	raw_ring_map(r, MAP_POPULATE);
	return 0;
}

static inline void raw_ring_exit(struct raw_ring *r)
{
	munmap(r->sq_ptr, r->sq_sz);
	munmap(r->cq_ptr, r->cq_sz);
	munmap(r->sqes, r->sqes_sz);
	raw_close(r->fd);
}

/*
 * On RINGER_BACKEND=kernel a setup the kernel refuses (seccomp, sysctl, no
 * CONFIG_IO_URING) skips the case; on the engine it has no excuse.  Returns
 * ret.
 */
static inline int raw_skip_if_refused(int ret)
{
	if (test_backend_is("kernel") && (ret == -ENOSYS || ret == -EPERM || ret == -EACCES))
		SKIP_CASE(SKIP_KERNEL_REFUSES, "io_uring_setup refused");
	return ret;
}

/*
 * For main(), before the cases of a program whose every case needs a ring:
 * on RINGER_BACKEND=kernel, a kernel that refuses io_uring skips the program.
 */
static inline void raw_skip_program_if_refused(void)
{
	if (test_backend_is("kernel") && harness_kernel_refuses())
		SKIP_CASE(SKIP_KERNEL_REFUSES, "io_uring_setup refused");
}

/* The next SQE, zeroed; its index goes into the SQ array at the same slot. */
static inline struct io_uring_sqe *raw_sqe(struct raw_ring *r)
{
	unsigned idx = r->tail & r->sq_mask;
	struct io_uring_sqe *sqe = &r->sqes[idx << raw_sqe_shift(r)];

	memset(sqe, 0, sizeof(*sqe) << raw_sqe_shift(r));
	if (!(r->p.flags & IORING_SETUP_NO_SQARRAY))
		r->sq_array[idx] = idx;
	r->tail++;
	return sqe;
}

static inline struct io_uring_sqe *raw_nop(struct raw_ring *r, uint64_t ud, unsigned char flags)
{
	struct io_uring_sqe *sqe = raw_sqe(r);

	sqe->opcode = IORING_OP_NOP;
	sqe->user_data = ud;
	sqe->flags = flags;
	return sqe;
}

/* Publish the local tail: the executor must see the SQEs and array entries before it. */
static inline void raw_publish(struct raw_ring *r)
{
	io_uring_smp_store_release(r->sq_tail, r->tail);
}

static inline int raw_submit(struct raw_ring *r, unsigned n, unsigned min, unsigned flags)
{
	raw_publish(r);
	return raw_enter(r->fd, n, min, flags, NULL, 0);
}

/* Pop one CQE if there is one: the tail's acquire load orders the CQE read after it. */
static inline int raw_pop(struct raw_ring *r, struct io_uring_cqe *out)
{
	unsigned head = *r->cq_head;

	if (head == io_uring_smp_load_acquire(r->cq_tail))
		return 0;
	*out = r->cqes[head & r->cq_mask];
	/* The executor may reuse the slot once it sees the new head. */
	io_uring_smp_store_release(r->cq_head, head + 1);
	return 1;
}

/* Pop up to max CQEs into out (after a GETEVENTS enter); returns the count. */
static inline int raw_reap(struct raw_ring *r, struct io_uring_cqe *out, int max)
{
	int n = 0;

	while (n < max && raw_pop(r, &out[n]))
		n++;
	return n;
}

/* One NOP through r, entered and reaped; fails the case unless it completes with 0. */
static inline void raw_nop_roundtrip(struct raw_ring *r, unsigned long long ud)
{
	struct io_uring_cqe cqe;
	int ret;

	raw_nop(r, ud, 0);
	raw_publish(r);
	ret = raw_enter(r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, _NSIG / 8);
	REQUIRE_MSG(ret == 1, "enter(nop) = %d", ret);
	REQUIRE_MSG(raw_pop(r, &cqe) && cqe.user_data == ud && cqe.res == 0, "nop cqe");
}

#endif /* RINGER_TEST_RAW_H */
