/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the engine tests: the raw io_uring interface of the seed (setup,
 * three mmaps, SQEs by hand, SQ array indexes, enter, CQ reaping) over either
 * backend: the kernel's syscalls when RINGER_BACKEND=kernel, else the user
 * engine's ringer_* calls.  Expected values are the kernel's (reference doc).
 */
#ifndef TEST_ENGINE_H
#define TEST_ENGINE_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <dirent.h>

#include "ringer.h"

static int t_failures;

#define CHECK(cond, ...)                                                   \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                      \
			fprintf(stderr, "\n");                             \
			t_failures++;                                      \
		}                                                          \
	} while (0)

#define CHECK_EQ(a, b)                                                          \
	do {                                                                    \
		long long a_ = (long long)(a), b_ = (long long)(b);             \
		if (a_ != b_) {                                                 \
			fprintf(stderr, "%s:%d: %s == %s: got %lld, want %lld\n", \
				__FILE__, __LINE__, #a, #b, a_, b_);            \
			t_failures++;                                           \
		}                                                               \
	} while (0)

static int t_kernel = -1;

static inline int t_is_kernel(void)
{
	if (t_kernel < 0) {
		const char *b = getenv("RINGER_BACKEND");

		t_kernel = b && !strcmp(b, "kernel");
	}
	return t_kernel;
}

static inline int t_setup(unsigned entries, struct io_uring_params *p)
{
	if (t_is_kernel()) {
		int r = (int)syscall(__NR_io_uring_setup, entries, p);

		return r < 0 ? -errno : r;
	}
	return ringer_setup(entries, p);
}

static inline int t_enter(int fd, unsigned sub, unsigned min, unsigned flags, const void *arg,
			  size_t argsz)
{
	if (t_is_kernel()) {
		int r = (int)syscall(__NR_io_uring_enter, fd, sub, min, flags, arg, argsz);

		return r < 0 ? -errno : r;
	}
	return ringer_enter(fd, sub, min, flags, arg, argsz);
}

static inline int t_register(int fd, unsigned op, const void *arg, unsigned nr)
{
	if (t_is_kernel()) {
		int r = (int)syscall(__NR_io_uring_register, fd, op, arg, nr);

		return r < 0 ? -errno : r;
	}
	return ringer_register(fd, op, arg, nr);
}

static inline int t_close(int fd)
{
	if (t_is_kernel())
		return close(fd) ? -errno : 0;
	return ringer_close(fd);
}

struct raw {
	int fd;
	struct io_uring_params p;
	void *sq_ptr, *cq_ptr;
	size_t sq_sz, cq_sz, sqes_sz;
	struct io_uring_sqe *sqes;
	unsigned *sq_head, *sq_tail, *sq_array, *sq_flags, *sq_dropped;
	unsigned *cq_head, *cq_tail, *cq_overflow, *cq_flags;
	struct io_uring_cqe *cqes;
	unsigned sq_mask, cq_mask;
	unsigned tail; /* local SQ tail */
};

/* The seed's steps: setup, then mmap the SQ ring, the CQ ring, the SQEs. */
static inline int raw_init(struct raw *r, unsigned entries, struct io_uring_params *in)
{
	memset(r, 0, sizeof(*r));
	if (in)
		r->p = *in;
	r->fd = t_setup(entries, &r->p);
	if (r->fd < 0)
		return r->fd;
	r->sq_sz = r->p.sq_off.array + r->p.sq_entries * sizeof(unsigned);
	if (r->p.flags & IORING_SETUP_NO_SQARRAY)
		r->sq_sz = r->p.cq_off.cqes + r->p.cq_entries * sizeof(struct io_uring_cqe);
	r->cq_sz = r->p.cq_off.cqes + r->p.cq_entries * sizeof(struct io_uring_cqe);
	r->sq_ptr = mmap(NULL, r->sq_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
			 IORING_OFF_SQ_RING);
	if (r->sq_ptr == MAP_FAILED)
		return -errno;
	r->cq_ptr = mmap(NULL, r->cq_sz, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd,
			 IORING_OFF_CQ_RING);
	if (r->cq_ptr == MAP_FAILED)
		return -errno;
	r->sqes_sz = r->p.sq_entries * sizeof(struct io_uring_sqe);
	r->sqes = mmap(NULL, r->sqes_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
		       IORING_OFF_SQES);
	if (r->sqes == MAP_FAILED)
		return -errno;
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
	return 0;
}

static inline void raw_exit(struct raw *r)
{
	munmap(r->sq_ptr, r->sq_sz);
	munmap(r->cq_ptr, r->cq_sz);
	munmap(r->sqes, r->sqes_sz);
	t_close(r->fd);
}

/* Next SQE, zeroed; its index goes into the SQ array at the same slot. */
static inline struct io_uring_sqe *raw_sqe(struct raw *r)
{
	unsigned idx = r->tail & r->sq_mask;
	struct io_uring_sqe *sqe = &r->sqes[idx];

	memset(sqe, 0, sizeof(*sqe));
	if (!(r->p.flags & IORING_SETUP_NO_SQARRAY))
		r->sq_array[idx] = idx;
	r->tail++;
	return sqe;
}

static inline struct io_uring_sqe *raw_nop(struct raw *r, uint64_t ud, unsigned char flags)
{
	struct io_uring_sqe *sqe = raw_sqe(r);

	sqe->opcode = IORING_OP_NOP;
	sqe->user_data = ud;
	sqe->flags = flags;
	return sqe;
}

/* Publish the local tail: the SQEs and array entries before it are visible. */
static inline void raw_publish(struct raw *r)
{
	io_uring_smp_store_release(r->sq_tail, r->tail);
}

static inline int raw_submit(struct raw *r, unsigned n, unsigned min, unsigned flags)
{
	raw_publish(r);
	return t_enter(r->fd, n, min, flags, NULL, 0);
}

/* Pop one CQE; 1 if there was one. */
static inline int raw_cqe(struct raw *r, struct io_uring_cqe *out)
{
	unsigned head = *r->cq_head;
	unsigned tail = io_uring_smp_load_acquire(r->cq_tail);

	if (head == tail)
		return 0;
	*out = r->cqes[head & r->cq_mask];
	io_uring_smp_store_release(r->cq_head, head + 1);
	return 1;
}

/* Reap up to max CQEs into out (after a GETEVENTS enter); returns the count. */
static inline int raw_reap(struct raw *r, struct io_uring_cqe *out, int max)
{
	int n = 0;

	while (n < max && raw_cqe(r, &out[n]))
		n++;
	return n;
}

static inline int count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR's own fd, for /proc/self/fd */
}

static inline int nr_threads(void)
{
	return count_dir("/proc/self/task") + 1;
}

static inline int nr_fds(void)
{
	return count_dir("/proc/self/fd");
}

static inline int t_skip_if_no_kernel(int ret)
{
	if (t_is_kernel() && (ret == -ENOSYS || ret == -EPERM || ret == -EACCES)) {
		fprintf(stderr, "kernel io_uring refused: skip\n");
		exit(77);
	}
	return ret;
}

static inline int t_done(void)
{
	if (t_failures) {
		fprintf(stderr, "%d check(s) failed (%s backend)\n", t_failures,
			t_is_kernel() ? "kernel" : "user");
		return 1;
	}
	return 0;
}

#endif /* TEST_ENGINE_H */
