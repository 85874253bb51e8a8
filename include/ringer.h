/* SPDX-License-Identifier: MIT */
/*
 * ringer: io_uring, with or without the kernel.
 *
 * The liburing-compatible API (io_uring_*) over either backend, the kernel's
 * io_uring or ringer's user-space engine, plus ringer's own extensions
 * (ringer_*): the engine's three "system calls" and the backend choice.
 *
 * Every call returns 0 or a positive count on success and -errno on failure;
 * errno is never the channel for a result.
 */
#ifndef RINGER_H
#define RINGER_H

#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 500 /* glibc exposes sigset_t with it under strict C */
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <linux/openat2.h>
#include <linux/swab.h>

#include "ringer/io_uring.h"
#include "ringer/barrier.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef RINGER_API
#define RINGER_API __attribute__((visibility("default")))
#endif

#ifndef uring_unlikely
#define uring_unlikely(cond) __builtin_expect(!!(cond), 0)
#endif
#ifndef uring_likely
#define uring_likely(cond) __builtin_expect(!!(cond), 1)
#endif

/*
 * The io_uring system call numbers, for programs that issue them directly:
 * alpha and mips number them apart, every other architecture shares them.
 */
#if defined(__alpha__)
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 535
#endif
#ifndef __NR_io_uring_enter
#define __NR_io_uring_enter 536
#endif
#ifndef __NR_io_uring_register
#define __NR_io_uring_register 537
#endif
#elif defined(__mips__)
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup (__NR_Linux + 425)
#endif
#ifndef __NR_io_uring_enter
#define __NR_io_uring_enter (__NR_Linux + 426)
#endif
#ifndef __NR_io_uring_register
#define __NR_io_uring_register (__NR_Linux + 427)
#endif
#else
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_io_uring_enter
#define __NR_io_uring_enter 426
#endif
#ifndef __NR_io_uring_register
#define __NR_io_uring_register 427
#endif
#endif

/* The liburing API level this header mirrors. */
#define IO_URING_VERSION_MAJOR 2
#define IO_URING_VERSION_MINOR 15

#define RINGER_VERSION_MAJOR 0
#define RINGER_VERSION_MINOR 1

/* user_data of the internal TIMEOUT used on rings without IORING_FEAT_EXT_ARG */
#define LIBURING_UDATA_TIMEOUT ((__u64)-1)
#define LIBURING_HAVE_DATA64

struct statx;
struct epoll_event;
struct futex_waitv;
struct open_how;

/* the block layer's discard command of IORING_OP_URING_CMD (_IO(0x12, 0)) */
#ifndef BLOCK_URING_CMD_DISCARD
#define BLOCK_URING_CMD_DISCARD 0x1200
#endif

/* Library-side view of the submission queue (liburing's layout). */
struct io_uring_sq {
	unsigned *khead;
	unsigned *ktail;
	unsigned *kring_mask; /* deprecated: use ring_mask */
	unsigned *kring_entries; /* deprecated: use ring_entries */
	unsigned *kflags;
	unsigned *kdropped;
	unsigned *array;
	struct io_uring_sqe *sqes;

	unsigned sqe_head; /* first SQE not yet published to the executor */
	unsigned sqe_tail; /* next SQE to hand out */

	size_t ring_sz;
	void *ring_ptr;

	unsigned ring_mask;
	unsigned ring_entries;

	unsigned pad[2];
};

/* Library-side view of the completion queue (liburing's layout). */
struct io_uring_cq {
	unsigned *khead;
	unsigned *ktail;
	unsigned *kring_mask; /* deprecated: use ring_mask */
	unsigned *kring_entries; /* deprecated: use ring_entries */
	unsigned *kflags;
	unsigned *koverflow;
	struct io_uring_cqe *cqes;

	size_t ring_sz;
	void *ring_ptr;

	unsigned ring_mask;
	unsigned ring_entries;

	unsigned pad[2];
};

struct io_uring {
	struct io_uring_sq sq;
	struct io_uring_cq cq;
	unsigned flags; /* IORING_SETUP_* the ring was created with */
	int ring_fd;

	unsigned features;
	int enter_ring_fd;
	__u8 int_flags; /* RINGER_INT_FLAG_* */
	__u8 pad[3];
	unsigned pad2;
};

/*
 * A zero-copy receive queue's refill ring (IORING_REGISTER_ZCRX_IFQ), as the
 * program maps it: khead/ktail point at the shared head and tail, rq_tail is
 * the program's next tail, rqes the entries, ring_ptr the mapping.
 */
struct io_uring_zcrx_rq {
	__u32 *khead;
	__u32 *ktail;
	__u32 rq_tail;
	unsigned ring_entries;

	struct io_uring_zcrx_rqe *rqes;
	void *ring_ptr;
};

/* A pointer as the __u64 the kernel's structures carry addresses in. */
static inline __u64 uring_ptr_to_u64(const void *ptr)
{
	return (__u64)(unsigned long)ptr;
}

/* io_uring.int_flags: library-private state kept in the ring */
#define RINGER_INT_FLAG_REG_RING 1 /* enter_ring_fd is a registered index */
#define RINGER_INT_FLAG_REG_REG_RING 2
#define RINGER_INT_FLAG_APP_MEM 4
#define RINGER_INT_FLAG_ENGINE 8 /* the ring runs on the user engine */
#define RINGER_INT_FLAG_NO_IOWAIT 16 /* enters pass IORING_ENTER_NO_IOWAIT (set_iowait) */

/*
 * Backends.  RINGER_BACKEND=auto|kernel|user in the environment picks the
 * default; ringer_set_backend() overrides it for the process.  auto tries the
 * kernel and falls back to the user engine when the kernel refuses io_uring
 * (-ENOSYS, -EPERM, -EACCES).
 */
enum ringer_backend {
	RINGER_BACKEND_AUTO = 0,
	RINGER_BACKEND_KERNEL = 1,
	RINGER_BACKEND_USER = 2,
};

/* Force the backend of rings created from now on (-EINVAL for a bad value). */
RINGER_API int ringer_set_backend(enum ringer_backend backend);
/* The backend new rings get: the override, else RINGER_BACKEND, else auto. */
RINGER_API enum ringer_backend ringer_get_backend(void);
/* "auto", "kernel" or "user"; NULL for an unknown value. */
RINGER_API const char *ringer_backend_name(enum ringer_backend backend);
/* RINGER_BACKEND_KERNEL or RINGER_BACKEND_USER for a ring fd; -EBADF if fd is
 * not open, -EOPNOTSUPP if it is not a ring (as io_uring_enter answers). */
RINGER_API int ringer_fd_backend(int ring_fd);
/* The backend a ring runs on: RINGER_BACKEND_KERNEL or RINGER_BACKEND_USER.
 * The enum type lets C++ pass it to ringer_backend_name(); it is int-sized,
 * and a ring whose fd is gone gives ringer_fd_backend()'s -errno, which an
 * int holding the result reads back. */
RINGER_API enum ringer_backend ringer_ring_backend(const struct io_uring *ring);
/* io_uring_queue_init_params() on an explicitly chosen backend. */
RINGER_API int ringer_queue_init_backend(unsigned entries, struct io_uring *ring,
					 struct io_uring_params *p,
					 enum ringer_backend backend);

/*
 * The user engine's system calls: the kernel's io_uring_setup, _enter and
 * _register, served in user space, with the kernel's arguments, results and
 * -errno values.  The fd returned by ringer_setup() is a real descriptor that
 * holds the ring memory, so the mmap(2) calls at IORING_OFF_SQ_RING,
 * IORING_OFF_CQ_RING and IORING_OFF_SQES work on it (through libc's mmap(),
 * which libringer wraps: the SQ and CQ rings are one region,
 * IORING_FEAT_SINGLE_MMAP).  ringer_close() tears
 * the ring down (cancels what is in flight, joins the engine's threads,
 * closes the descriptor).
 */
RINGER_API int ringer_setup(unsigned entries, struct io_uring_params *p);
RINGER_API int ringer_enter(int fd, unsigned to_submit, unsigned min_complete,
			    unsigned flags, const void *arg, size_t argsz);
RINGER_API int ringer_register(int fd, unsigned opcode, const void *arg,
			       unsigned nr_args);
RINGER_API int ringer_close(int fd);
/* 1 if fd is a ring of the user engine, else 0. */
RINGER_API int ringer_is_engine_fd(int fd);

/*
 * Setup, mapping, teardown.
 */
RINGER_API int io_uring_queue_init(unsigned entries, struct io_uring *ring,
				   unsigned flags);
RINGER_API int io_uring_queue_init_params(unsigned entries, struct io_uring *ring,
					  struct io_uring_params *p);
RINGER_API int io_uring_queue_mmap(int fd, struct io_uring_params *p,
				   struct io_uring *ring);
RINGER_API int io_uring_ring_dontfork(struct io_uring *ring);
RINGER_API void io_uring_queue_exit(struct io_uring *ring);
/*
 * Rings in the program's memory (IORING_SETUP_NO_MMAP): buf, page aligned
 * and zeroed, holds the SQEs and then the rings; returns the bytes of buf
 * used.  io_uring_memory_size*() say how many that will be.
 */
RINGER_API int io_uring_queue_init_mem(unsigned entries, struct io_uring *ring,
				       struct io_uring_params *p, void *buf, size_t buf_size);
RINGER_API ssize_t io_uring_memory_size(unsigned entries, unsigned flags);
RINGER_API ssize_t io_uring_memory_size_params(unsigned entries, struct io_uring_params *p);
/* RLIMIT_MEMLOCK a ring needs: 0 where the backend has IORING_FEAT_NATIVE_WORKERS
 * (liburing's answer for 5.12+ kernels) */
RINGER_API ssize_t io_uring_mlock_size(unsigned entries, unsigned flags);
RINGER_API ssize_t io_uring_mlock_size_params(unsigned entries, struct io_uring_params *p);
/* new SQ/CQ sizes (IORING_REGISTER_RESIZE_RINGS), pending entries kept */
RINGER_API int io_uring_resize_rings(struct io_uring *ring, struct io_uring_params *p);

/*
 * Probe.
 */
RINGER_API struct io_uring_probe *io_uring_get_probe_ring(struct io_uring *ring);
RINGER_API struct io_uring_probe *io_uring_get_probe(void);
RINGER_API void io_uring_free_probe(struct io_uring_probe *probe);

static inline int io_uring_opcode_supported(const struct io_uring_probe *p, int op)
{
	if (op < 0 || op > p->last_op || op >= p->ops_len)
		return 0;
	return (p->ops[op].flags & IO_URING_OP_SUPPORTED) != 0;
}

/*
 * Submission and completion.
 */
RINGER_API int io_uring_submit(struct io_uring *ring);
RINGER_API int io_uring_submit_and_wait(struct io_uring *ring, unsigned wait_nr);
RINGER_API int io_uring_submit_and_wait_timeout(struct io_uring *ring,
						struct io_uring_cqe **cqe_ptr,
						unsigned wait_nr,
						struct __kernel_timespec *ts,
						sigset_t *sigmask);
RINGER_API int io_uring_get_events(struct io_uring *ring);
RINGER_API int io_uring_submit_and_get_events(struct io_uring *ring);
RINGER_API unsigned io_uring_peek_batch_cqe(struct io_uring *ring,
					    struct io_uring_cqe **cqes,
					    unsigned count);
RINGER_API int io_uring_wait_cqes(struct io_uring *ring,
				  struct io_uring_cqe **cqe_ptr, unsigned wait_nr,
				  struct __kernel_timespec *ts, sigset_t *sigmask);
RINGER_API int io_uring_wait_cqe_timeout(struct io_uring *ring,
					 struct io_uring_cqe **cqe_ptr,
					 struct __kernel_timespec *ts);
RINGER_API int io_uring_wait_cqes_min_timeout(struct io_uring *ring,
					      struct io_uring_cqe **cqe_ptr,
					      unsigned wait_nr,
					      struct __kernel_timespec *ts,
					      unsigned min_ts_usec, sigset_t *sigmask);
RINGER_API int io_uring_submit_and_wait_min_timeout(struct io_uring *ring,
						    struct io_uring_cqe **cqe_ptr,
						    unsigned wait_nr,
						    struct __kernel_timespec *ts,
						    unsigned min_wait, sigset_t *sigmask);
RINGER_API int __io_uring_get_cqe(struct io_uring *ring,
				  struct io_uring_cqe **cqe_ptr, unsigned submit,
				  unsigned wait_nr, sigset_t *sigmask);
RINGER_API int __io_uring_sqring_wait(struct io_uring *ring);
/* submit and wait with the registered wait argument reg_index of the ring's
 * IORING_MEM_REGION_REG_WAIT_ARG region (IORING_ENTER_EXT_ARG_REG) */
RINGER_API int io_uring_submit_and_wait_reg(struct io_uring *ring, struct io_uring_cqe **cqe_ptr,
					    unsigned wait_nr, int reg_index);
/* false: the ring's waits pass IORING_ENTER_NO_IOWAIT (-EOPNOTSUPP without
 * IORING_FEAT_NO_IOWAIT) */
RINGER_API int io_uring_set_iowait(struct io_uring *ring, bool enable_iowait);

/*
 * Registration.
 */
RINGER_API int io_uring_register_buffers(struct io_uring *ring,
					 const struct iovec *iovecs,
					 unsigned nr_iovecs);
RINGER_API int io_uring_unregister_buffers(struct io_uring *ring);
RINGER_API int io_uring_register_files(struct io_uring *ring, const int *files,
				       unsigned nr_files);
RINGER_API int io_uring_unregister_files(struct io_uring *ring);
RINGER_API int io_uring_register_files_update(struct io_uring *ring, unsigned off,
					      const int *files, unsigned nr_files);
RINGER_API int io_uring_register_files_tags(struct io_uring *ring, const int *files,
					    const __u64 *tags, unsigned nr);
RINGER_API int io_uring_register_files_sparse(struct io_uring *ring, unsigned nr);
RINGER_API int io_uring_register_files_update_tag(struct io_uring *ring, unsigned off,
						  const int *files, const __u64 *tags,
						  unsigned nr_files);
RINGER_API int io_uring_register_buffers_tags(struct io_uring *ring,
					      const struct iovec *iovecs,
					      const __u64 *tags, unsigned nr);
RINGER_API int io_uring_register_buffers_sparse(struct io_uring *ring, unsigned nr);
RINGER_API int io_uring_register_buffers_update_tag(struct io_uring *ring, unsigned off,
						    const struct iovec *iovecs,
						    const __u64 *tags, unsigned nr);
RINGER_API int io_uring_clone_buffers(struct io_uring *dst, struct io_uring *src);
RINGER_API int io_uring_clone_buffers_offset(struct io_uring *dst, struct io_uring *src,
					     unsigned int dst_off, unsigned int src_off,
					     unsigned int nr, unsigned int flags);
RINGER_API int io_uring_register_eventfd(struct io_uring *ring, int fd);
RINGER_API int io_uring_register_eventfd_async(struct io_uring *ring, int fd);
RINGER_API int io_uring_unregister_eventfd(struct io_uring *ring);
RINGER_API int io_uring_register_probe(struct io_uring *ring,
				       struct io_uring_probe *p, unsigned nr);
RINGER_API int io_uring_register_personality(struct io_uring *ring);
RINGER_API int io_uring_unregister_personality(struct io_uring *ring, int id);
RINGER_API int io_uring_enable_rings(struct io_uring *ring);
RINGER_API int io_uring_register_ring_fd(struct io_uring *ring);
RINGER_API int io_uring_unregister_ring_fd(struct io_uring *ring);
RINGER_API int io_uring_close_ring_fd(struct io_uring *ring);
RINGER_API int io_uring_register_iowq_max_workers(struct io_uring *ring,
						  unsigned *values);
RINGER_API int io_uring_register_sync_cancel(struct io_uring *ring,
					     struct io_uring_sync_cancel_reg *reg);
RINGER_API int io_uring_register_clock(struct io_uring *ring,
				       struct io_uring_clock_register *arg);
RINGER_API int __io_uring_clone_buffers(struct io_uring *dst, struct io_uring *src,
					unsigned int flags);
RINGER_API int __io_uring_clone_buffers_offset(struct io_uring *dst, struct io_uring *src,
					       unsigned int dst_off, unsigned int src_off,
					       unsigned int nr, unsigned int flags);
RINGER_API int io_uring_register_restrictions(struct io_uring *ring,
					      struct io_uring_restriction *res,
					      unsigned int nr_res);
RINGER_API int io_uring_register_iowq_aff(struct io_uring *ring, size_t cpusz,
					  const cpu_set_t *mask);
RINGER_API int io_uring_unregister_iowq_aff(struct io_uring *ring);
RINGER_API int io_uring_register_file_alloc_range(struct io_uring *ring, unsigned off,
						  unsigned len);
RINGER_API int io_uring_register_napi(struct io_uring *ring, struct io_uring_napi *napi);
RINGER_API int io_uring_unregister_napi(struct io_uring *ring, struct io_uring_napi *napi);
RINGER_API int io_uring_register_ifq(struct io_uring *ring, struct io_uring_zcrx_ifq_reg *reg);
RINGER_API int io_uring_register_zcrx_ctrl(struct io_uring *ring, struct zcrx_ctrl *ctrl);
/* memory shared with the ring (IORING_REGISTER_MEM_REGION), e.g. wait arguments */
RINGER_API int io_uring_register_region(struct io_uring *ring, struct io_uring_mem_region_reg *reg);
/* the register opcode liburing 2.9 used never reached a kernel: always -EINVAL
 * (wait arguments are registered with io_uring_register_region) */
RINGER_API int io_uring_register_wait_reg(struct io_uring *ring, struct io_uring_reg_wait *reg,
					  int nr);
/* the BPF filters of liburing 2.14+ (IORING_REGISTER_BPF_FILTER, beyond 6.18) */
struct io_uring_bpf;
RINGER_API int io_uring_register_bpf_filter(struct io_uring *ring, struct io_uring_bpf *bpf);
RINGER_API int io_uring_register_bpf_filter_task(struct io_uring_bpf *bpf);
/* ring-less registrations: io_uring_register(-1, ...) */
RINGER_API int io_uring_register_sync_msg(struct io_uring_sqe *sqe);
RINGER_API int io_uring_register_query(struct io_uring_query_hdr *query);

/*
 * Provided-buffer rings (IORING_REGISTER_PBUF_RING): register one the
 * program allocated, drop it, read the kernel's head of it; or have the
 * library allocate, map and register one (and undo all of it).
 */
RINGER_API int io_uring_register_buf_ring(struct io_uring *ring,
					  struct io_uring_buf_reg *reg, unsigned int flags);
RINGER_API int io_uring_unregister_buf_ring(struct io_uring *ring, int bgid);
RINGER_API int io_uring_buf_ring_head(struct io_uring *ring, int buf_group, uint16_t *head);
RINGER_API struct io_uring_buf_ring *io_uring_setup_buf_ring(struct io_uring *ring,
							     unsigned int nentries, int bgid,
							     unsigned int flags, int *err);
RINGER_API int io_uring_free_buf_ring(struct io_uring *ring, struct io_uring_buf_ring *br,
				      unsigned int nentries, int bgid);

/*
 * The raw system calls, through ringer's seam: a ring fd of the user engine
 * goes to the engine, any other fd to the kernel.  io_uring_setup() creates
 * the ring on the backend ringer_get_backend() names.
 */
RINGER_API int io_uring_setup(unsigned entries, struct io_uring_params *p);
RINGER_API int io_uring_enter(unsigned fd, unsigned to_submit,
			      unsigned min_complete, unsigned flags, sigset_t *sig);
/* arg: a sigset_t *, or with IORING_ENTER_EXT_ARG a struct io_uring_getevents_arg * */
RINGER_API int io_uring_enter2(unsigned fd, unsigned to_submit,
			       unsigned min_complete, unsigned flags, void *arg,
			       size_t sz);
RINGER_API int io_uring_register(unsigned fd, unsigned opcode, const void *arg,
				 unsigned nr_args);

/*
 * Versions: of the liburing API mirrored, and of ringer.
 */
RINGER_API int io_uring_major_version(void);
RINGER_API int io_uring_minor_version(void);
/* true if major.minor is newer than this library (the check fails) */
RINGER_API bool io_uring_check_version(int major, int minor);

#define IO_URING_CHECK_VERSION(major, minor)         \
	((major) > IO_URING_VERSION_MAJOR ||         \
	 ((major) == IO_URING_VERSION_MAJOR &&       \
	  (minor) > IO_URING_VERSION_MINOR))

/*
 * Inline helpers: SQE and CQE access, as liburing has them.
 */

/*
 * log2 of the SQE / CQE slot size in 64 / 16 byte units, from a ring's setup
 * flags: SQE i of the ring is sqes[(i & mask) << shift], CQE i likewise.
 * (On SQE_MIXED / CQE_MIXED rings the slot is the small one; a big entry
 * takes two slots.)
 */
static inline unsigned io_uring_sqe_shift_from_flags(unsigned flags)
{
	return (flags & IORING_SETUP_SQE128) ? 1 : 0;
}

static inline unsigned io_uring_sqe_shift(const struct io_uring *ring)
{
	return io_uring_sqe_shift_from_flags(ring->flags);
}

static inline unsigned io_uring_cqe_shift_from_flags(unsigned flags)
{
	return (flags & IORING_SETUP_CQE32) ? 1 : 0;
}

static inline unsigned io_uring_cqe_shift(const struct io_uring *ring)
{
	return io_uring_cqe_shift_from_flags(ring->flags);
}

/* CQ slots this CQE takes: 2 for a 32-byte one on a CQE_MIXED ring, else 1 */
static inline unsigned io_uring_cqe_nr(const struct io_uring_cqe *cqe)
{
	return (cqe->flags & IORING_CQE_F_32) ? 2U : 1U;
}

/*
 * ... on this ring: only a CQE_MIXED ring has 32-byte CQEs and fillers.
 * Elsewhere those flag bits are not the ring's (MSG_RING's
 * IORING_MSG_RING_FLAGS_PASS puts any flags the sender chose in a CQE).
 */
static inline bool __io_uring_cq_mixed(const struct io_uring *ring)
{
	return (ring->flags & IORING_SETUP_CQE_MIXED) != 0;
}

/*
 * ThreadSanitizer cannot pair the user engine's release store of the CQ tail
 * with this acquire load: the engine and the program map the ring at two
 * addresses.  In a TSan build of the program, each load of the tail also
 * acquires ringer_tsan_cq_sync, which the engine releases as it publishes a
 * tail (in a TSan build of libringer), so what an engine thread wrote before
 * a CQE (a read's buffer) is seen as ordered before the program's use of it.
 * Other builds pay nothing.
 */
#if defined(__SANITIZE_THREAD__)
#define RINGER__TSAN_CQ 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RINGER__TSAN_CQ 1
#endif
#endif
#ifdef RINGER__TSAN_CQ
extern char ringer_tsan_cq_sync;
void __tsan_acquire(void *addr);
#endif

static inline unsigned __io_uring_cq_tail_acquire(const struct io_uring *ring)
{
	unsigned tail = io_uring_smp_load_acquire(ring->cq.ktail);

#ifdef RINGER__TSAN_CQ
	__tsan_acquire(&ringer_tsan_cq_sync);
#endif
	return tail;
}

/*
 * A walk over the CQEs ready when it starts, the tail loaded once (acquire:
 * the CQEs before it are complete).  A 32-byte CQE of a CQE_MIXED ring
 * (IORING_CQE_F_32) moves the walk two slots.  Nothing is consumed: the
 * caller advances the head (io_uring_cq_advance) by what it walked.
 */
struct io_uring_cqe_iter {
	struct io_uring_cqe *cqes;
	unsigned mask;
	unsigned shift;
	unsigned head;
	unsigned tail;
	bool mixed; /* ringer: a CQE_MIXED ring (IORING_CQE_F_32 means two slots) */
};

static inline struct io_uring_cqe_iter io_uring_cqe_iter_init(const struct io_uring *ring)
{
	struct io_uring_cqe_iter it = {
		.cqes = ring->cq.cqes,
		.mask = ring->cq.ring_mask,
		.shift = io_uring_cqe_shift(ring),
		.head = *ring->cq.khead,
		.tail = __io_uring_cq_tail_acquire(ring),
		.mixed = __io_uring_cq_mixed(ring),
	};

	return it;
}

/* the next CQE into *cqe and true, or false at the tail the walk started with */
static inline bool io_uring_cqe_iter_next(struct io_uring_cqe_iter *iter,
					  struct io_uring_cqe **cqe)
{
	if (iter->head == iter->tail)
		return false;
	*cqe = &iter->cqes[(iter->head & iter->mask) << iter->shift];
	iter->head += iter->mixed ? io_uring_cqe_nr(*cqe) : 1;
	return true;
}

/* head: set to the index of each CQE as it is visited (kept for liburing's users) */
#define io_uring_for_each_cqe(ring_, head_, cqe_)                                    \
	for (struct io_uring_cqe_iter __ringer_it = io_uring_cqe_iter_init(ring_);     \
	     (head_) = __ringer_it.head, io_uring_cqe_iter_next(&__ringer_it, &(cqe_)); \
	     (void)(head_))

/* Mark nr CQEs consumed: the executor may reuse their slots. */
static inline void io_uring_cq_advance(struct io_uring *ring, unsigned nr)
{
	if (nr) {
		struct io_uring_cq *cq = &ring->cq;

		/*
		 * Release: our reads of the CQEs must be done before the
		 * executor sees the slots free and overwrites them.
		 */
		io_uring_smp_store_release(cq->khead, *cq->khead + nr);
	}
}

static inline void io_uring_cqe_seen(struct io_uring *ring, struct io_uring_cqe *cqe)
{
	if (cqe)
		io_uring_cq_advance(ring, __io_uring_cq_mixed(ring) ? io_uring_cqe_nr(cqe) : 1);
}

static inline void io_uring_sqe_set_data(struct io_uring_sqe *sqe, void *data)
{
	sqe->user_data = (unsigned long)data;
}

static inline void *io_uring_cqe_get_data(const struct io_uring_cqe *cqe)
{
	return (void *)(uintptr_t)cqe->user_data;
}

static inline void io_uring_sqe_set_data64(struct io_uring_sqe *sqe, __u64 data)
{
	sqe->user_data = data;
}

static inline __u64 io_uring_cqe_get_data64(const struct io_uring_cqe *cqe)
{
	return cqe->user_data;
}

static inline void io_uring_sqe_set_flags(struct io_uring_sqe *sqe, unsigned flags)
{
	sqe->flags = (__u8)flags;
}

static inline void io_uring_sqe_set_buf_group(struct io_uring_sqe *sqe, int bgid)
{
	sqe->buf_group = (__u16)bgid;
}

/*
 * The executor's SQ head.  With SQPOLL the executor moves it from its own
 * thread; without, the user engine may too (a submission it finishes in its
 * worker), so the load is always an acquire: the executor's reads of the
 * SQEs before the head come before we hand their slots out again.
 */
static inline unsigned io_uring_load_sq_head(const struct io_uring *ring)
{
	return io_uring_smp_load_acquire(ring->sq.khead);
}

/* SQEs handed out by io_uring_get_sqe() and not yet consumed by the executor. */
static inline unsigned io_uring_sq_ready(const struct io_uring *ring)
{
	return ring->sq.sqe_tail - io_uring_load_sq_head(ring);
}

static inline unsigned io_uring_sq_space_left(const struct io_uring *ring)
{
	return ring->sq.ring_entries - io_uring_sq_ready(ring);
}

/* CQEs ready to be reaped. */
static inline unsigned io_uring_cq_ready(const struct io_uring *ring)
{
	/* Acquire pairs with the executor's release store of the tail. */
	return __io_uring_cq_tail_acquire(ring) - *ring->cq.khead;
}

static inline bool io_uring_cq_has_overflow(const struct io_uring *ring)
{
	return IO_URING_READ_ONCE(*ring->sq.kflags) & IORING_SQ_CQ_OVERFLOW;
}

static inline bool io_uring_cq_eventfd_enabled(const struct io_uring *ring)
{
	if (!ring->cq.kflags)
		return true;
	return !(*ring->cq.kflags & IORING_CQ_EVENTFD_DISABLED);
}

static inline int io_uring_cq_eventfd_toggle(struct io_uring *ring, bool enabled)
{
	unsigned flags;

	if (!!enabled == io_uring_cq_eventfd_enabled(ring))
		return 0;
	if (!ring->cq.kflags)
		return -EOPNOTSUPP;
	flags = *ring->cq.kflags;
	if (enabled)
		flags &= ~IORING_CQ_EVENTFD_DISABLED;
	else
		flags |= IORING_CQ_EVENTFD_DISABLED;
	IO_URING_WRITE_ONCE(*ring->cq.kflags, flags);
	return 0;
}

/*
 * Is cqe one the library consumes instead of returning it: a CQE_MIXED
 * ring's IORING_CQE_F_SKIP filler, or the CQE of the library's internal
 * timeout (rings without EXT_ARG)?  Such a CQE is consumed here.  True
 * means "skipped, look at the next"; an internal timeout that failed puts
 * its result in *err and gives false, for the caller to report it.
 * (liburing 2.15 takes F_SKIP on any ring; here only on a CQE_MIXED one,
 * where the flag is the ring's: see __io_uring_cq_mixed().)
 */
static inline bool io_uring_skip_cqe(struct io_uring *ring, struct io_uring_cqe *cqe, int *err)
{
	bool mixed = __io_uring_cq_mixed(ring);

	if (!(mixed && (cqe->flags & IORING_CQE_F_SKIP))) {
		if ((ring->features & IORING_FEAT_EXT_ARG) ||
		    cqe->user_data != LIBURING_UDATA_TIMEOUT)
			return false;
		if (cqe->res < 0)
			*err = cqe->res;
	}
	io_uring_cq_advance(ring, mixed ? io_uring_cqe_nr(cqe) : 1);
	return !*err;
}

/*
 * Look at the next CQE without waiting.  CQEs of the library's internal
 * timeouts (rings without EXT_ARG) and IORING_CQE_F_SKIP fillers are
 * consumed here and never returned.
 */
static inline int __io_uring_peek_cqe(struct io_uring *ring,
				      struct io_uring_cqe **cqe_ptr,
				      unsigned *nr_available)
{
	struct io_uring_cqe *cqe;
	int err = 0;
	unsigned available;
	unsigned mask = ring->cq.ring_mask;
	unsigned shift = io_uring_cqe_shift(ring);

	do {
		unsigned tail = __io_uring_cq_tail_acquire(ring);
		unsigned head = *ring->cq.khead;

		cqe = NULL;
		available = tail - head;
		if (!available)
			break;

		cqe = &ring->cq.cqes[(head & mask) << shift];
		if (io_uring_skip_cqe(ring, cqe, &err))
			continue;
		if (err)
			cqe = NULL;
		break;
	} while (1);

	*cqe_ptr = cqe;
	if (nr_available)
		*nr_available = available;
	return err;
}

static inline int io_uring_wait_cqe_nr(struct io_uring *ring,
				       struct io_uring_cqe **cqe_ptr,
				       unsigned wait_nr)
{
	return __io_uring_get_cqe(ring, cqe_ptr, 0, wait_nr, NULL);
}

static inline int io_uring_peek_cqe(struct io_uring *ring, struct io_uring_cqe **cqe_ptr)
{
	if (!__io_uring_peek_cqe(ring, cqe_ptr, NULL) && *cqe_ptr)
		return 0;
	return io_uring_wait_cqe_nr(ring, cqe_ptr, 0);
}

static inline int io_uring_wait_cqe(struct io_uring *ring, struct io_uring_cqe **cqe_ptr)
{
	if (!__io_uring_peek_cqe(ring, cqe_ptr, NULL) && *cqe_ptr)
		return 0;
	return io_uring_wait_cqe_nr(ring, cqe_ptr, 1);
}

/*
 * Zero the SQE fields a prep helper may leave alone (flags, ioprio, the op
 * flags, buf_index, personality, file_index, addr3): what
 * io_uring_get_sqe() hands out is clean, as liburing 2.15's is.
 */
static inline void io_uring_initialize_sqe(struct io_uring_sqe *sqe)
{
	sqe->flags = 0;
	sqe->ioprio = 0;
	sqe->rw_flags = 0;
	sqe->buf_index = 0;
	sqe->personality = 0;
	sqe->file_index = 0;
	sqe->addr3 = 0;
	sqe->__pad2[0] = 0;
}

/* The next free SQE slot, initialized, or NULL when the SQ is full. */
static inline struct io_uring_sqe *_io_uring_get_sqe(struct io_uring *ring)
{
	struct io_uring_sq *sq = &ring->sq;
	unsigned head = io_uring_load_sq_head(ring), tail = sq->sqe_tail;
	struct io_uring_sqe *sqe;

	if (tail - head >= sq->ring_entries)
		return NULL;
	sqe = &sq->sqes[(tail & sq->ring_mask) << io_uring_sqe_shift(ring)];
	sq->sqe_tail = tail + 1;
	io_uring_initialize_sqe(sqe);
	return sqe;
}

/*
 * Inline for programs, as in liburing; the library also exports it out of
 * line (src/lib/version.c defines RINGER_OUT_OF_LINE_GET_SQE), as liburing's
 * map does since 2.0, for callers that cannot use the inline (other
 * languages' bindings).
 */
#ifndef RINGER_OUT_OF_LINE_GET_SQE
static inline struct io_uring_sqe *io_uring_get_sqe(struct io_uring *ring)
{
	return _io_uring_get_sqe(ring);
}
#else
RINGER_API struct io_uring_sqe *io_uring_get_sqe(struct io_uring *ring);
#endif

static inline int io_uring_sqring_wait(struct io_uring *ring)
{
	if (!(ring->flags & IORING_SETUP_SQPOLL))
		return 0;
	if (io_uring_sq_space_left(ring))
		return 0;
	return __io_uring_sqring_wait(ring);
}

/*
 * Prep helpers.  Each fills every SQE field except user_data.
 */
static inline void io_uring_prep_rw(int op, struct io_uring_sqe *sqe, int fd,
				    const void *addr, unsigned len, __u64 offset)
{
	sqe->opcode = (__u8)op;
	sqe->flags = 0;
	sqe->ioprio = 0;
	sqe->fd = fd;
	sqe->off = offset;
	sqe->addr = (unsigned long)addr;
	sqe->len = len;
	sqe->rw_flags = 0;
	sqe->buf_index = 0;
	sqe->personality = 0;
	sqe->file_index = 0;
	sqe->addr3 = 0;
	sqe->__pad2[0] = 0;
}

/*
 * A fixed-file slot as a request that installs a file names it: index + 1,
 * as 0 means "no slot".  IORING_FILE_INDEX_ALLOC (let the executor pick a
 * free slot) is encoded as itself, so it is passed as ALLOC - 1 here.
 */
static inline void __io_uring_set_target_fixed_file(struct io_uring_sqe *sqe,
						    unsigned file_index)
{
	sqe->file_index = file_index + 1;
}

static inline void io_uring_prep_nop(struct io_uring_sqe *sqe)
{
	io_uring_prep_rw(IORING_OP_NOP, sqe, -1, NULL, 0, 0);
}

/* a NOP in a 128-byte SQE (IORING_OP_NOP128: SQE_MIXED rings; not in Linux 6.18) */
static inline void io_uring_prep_nop128(struct io_uring_sqe *sqe)
{
	io_uring_prep_rw(IORING_OP_NOP128, sqe, -1, NULL, 0, 0);
}

/*
 * A 128-byte SQE: on an SQE128 ring any SQE; on an SQE_MIXED ring two
 * adjacent slots, and when only the ring's last slot is left before the
 * wrap, that one is filled with a NOP whose success posts no CQE
 * (IOSQE_CQE_SKIP_SUCCESS) and the big SQE starts at slot 0.  NULL on other
 * rings or when the SQ has no room.  The caller must put a 128-byte opcode
 * in it (NOP128, URING_CMD128) so the executor steps over both slots.
 */
static inline struct io_uring_sqe *io_uring_get_sqe128(struct io_uring *ring)
{
	struct io_uring_sq *sq = &ring->sq;
	unsigned head = io_uring_load_sq_head(ring), tail = sq->sqe_tail;
	struct io_uring_sqe *sqe;

	if (ring->flags & IORING_SETUP_SQE128)
		return io_uring_get_sqe(ring);
	if (!(ring->flags & IORING_SETUP_SQE_MIXED))
		return NULL;
	if (((tail + 1) & sq->ring_mask) == 0) {
		/* the pad NOP, the two slots after the wrap */
		if (tail + 3 - head > sq->ring_entries)
			return NULL;
		sqe = _io_uring_get_sqe(ring);
		io_uring_prep_nop(sqe);
		sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
		tail = sq->sqe_tail;
	} else if (tail + 2 - head > sq->ring_entries) {
		return NULL;
	}
	sqe = &sq->sqes[tail & sq->ring_mask];
	sq->sqe_tail = tail + 2;
	io_uring_initialize_sqe(sqe);
	return sqe;
}

/* nr buffers of len bytes from addr, ids from bid, to group bgid */
static inline void io_uring_prep_provide_buffers(struct io_uring_sqe *sqe, void *addr, int len,
						 int nr, int bgid, int bid)
{
	io_uring_prep_rw(IORING_OP_PROVIDE_BUFFERS, sqe, nr, addr, (unsigned)len, (__u64)bid);
	sqe->buf_group = (__u16)bgid;
}

static inline void io_uring_prep_remove_buffers(struct io_uring_sqe *sqe, int nr, int bgid)
{
	io_uring_prep_rw(IORING_OP_REMOVE_BUFFERS, sqe, nr, NULL, 0, 0);
	sqe->buf_group = (__u16)bgid;
}

/* reads into buffers of group buf_group, one CQE (IORING_CQE_F_MORE) per read */
static inline void io_uring_prep_read_multishot(struct io_uring_sqe *sqe, int fd,
						unsigned nbytes, __u64 offset, int buf_group)
{
	io_uring_prep_rw(IORING_OP_READ_MULTISHOT, sqe, fd, NULL, nbytes, offset);
	sqe->buf_group = (__u16)buf_group;
	sqe->flags = IOSQE_BUFFER_SELECT;
}

/* Buffer rings: the program's side (the tail; the kernel keeps the head) */
static inline int io_uring_buf_ring_mask(__u32 ring_entries)
{
	return (int)(ring_entries - 1);
}

static inline void io_uring_buf_ring_init(struct io_uring_buf_ring *br)
{
	br->tail = 0;
}

/* fill the entry buf_offset past the tail (published by ..._advance()) */
static inline void io_uring_buf_ring_add(struct io_uring_buf_ring *br, void *addr,
					 unsigned int len, unsigned short bid, int mask,
					 int buf_offset)
{
	struct io_uring_buf *buf = &br->bufs[(br->tail + buf_offset) & mask];

	buf->addr = (unsigned long)(uintptr_t)addr;
	buf->len = len;
	buf->bid = bid;
}

/* publish count entries: release, so the engine or kernel that reads the
 * tail with an acquire sees the entries filled before */
static inline void io_uring_buf_ring_advance(struct io_uring_buf_ring *br, int count)
{
	unsigned short new_tail = (unsigned short)(br->tail + count);

	io_uring_smp_store_release(&br->tail, new_tail);
}

static inline void __io_uring_buf_ring_cq_advance(struct io_uring *ring,
						  struct io_uring_buf_ring *br, int cq_count,
						  int buf_count)
{
	io_uring_buf_ring_advance(br, buf_count);
	io_uring_cq_advance(ring, (unsigned)cq_count);
}

static inline void io_uring_buf_ring_cq_advance(struct io_uring *ring,
						struct io_uring_buf_ring *br, int count)
{
	__io_uring_buf_ring_cq_advance(ring, br, count, count);
}

/* entries published and not yet taken, or -errno */
static inline int io_uring_buf_ring_available(struct io_uring *ring,
					      struct io_uring_buf_ring *br,
					      unsigned short bgid)
{
	uint16_t head;
	int ret = io_uring_buf_ring_head(ring, bgid, &head);

	if (ret)
		return ret;
	return (uint16_t)(br->tail - head);
}

static inline void io_uring_prep_readv(struct io_uring_sqe *sqe, int fd,
				       const struct iovec *iovecs,
				       unsigned nr_vecs, __u64 offset)
{
	io_uring_prep_rw(IORING_OP_READV, sqe, fd, iovecs, nr_vecs, offset);
}

static inline void io_uring_prep_readv2(struct io_uring_sqe *sqe, int fd,
					const struct iovec *iovecs,
					unsigned nr_vecs, __u64 offset, int flags)
{
	io_uring_prep_readv(sqe, fd, iovecs, nr_vecs, offset);
	sqe->rw_flags = flags;
}

static inline void io_uring_prep_writev(struct io_uring_sqe *sqe, int fd,
					const struct iovec *iovecs,
					unsigned nr_vecs, __u64 offset)
{
	io_uring_prep_rw(IORING_OP_WRITEV, sqe, fd, iovecs, nr_vecs, offset);
}

static inline void io_uring_prep_writev2(struct io_uring_sqe *sqe, int fd,
					 const struct iovec *iovecs,
					 unsigned nr_vecs, __u64 offset, int flags)
{
	io_uring_prep_writev(sqe, fd, iovecs, nr_vecs, offset);
	sqe->rw_flags = flags;
}

static inline void io_uring_prep_read(struct io_uring_sqe *sqe, int fd, void *buf,
				      unsigned nbytes, __u64 offset)
{
	io_uring_prep_rw(IORING_OP_READ, sqe, fd, buf, nbytes, offset);
}

static inline void io_uring_prep_write(struct io_uring_sqe *sqe, int fd,
				       const void *buf, unsigned nbytes, __u64 offset)
{
	io_uring_prep_rw(IORING_OP_WRITE, sqe, fd, buf, nbytes, offset);
}

static inline void io_uring_prep_read_fixed(struct io_uring_sqe *sqe, int fd,
					    void *buf, unsigned nbytes,
					    __u64 offset, int buf_index)
{
	io_uring_prep_rw(IORING_OP_READ_FIXED, sqe, fd, buf, nbytes, offset);
	sqe->buf_index = (__u16)buf_index;
}

static inline void io_uring_prep_write_fixed(struct io_uring_sqe *sqe, int fd,
					     const void *buf, unsigned nbytes,
					     __u64 offset, int buf_index)
{
	io_uring_prep_rw(IORING_OP_WRITE_FIXED, sqe, fd, buf, nbytes, offset);
	sqe->buf_index = (__u16)buf_index;
}

/* vectored I/O whose iovecs lie inside registered buffer buf_index */
static inline void io_uring_prep_readv_fixed(struct io_uring_sqe *sqe, int fd,
					     const struct iovec *iovecs, unsigned nr_vecs,
					     __u64 offset, int flags, int buf_index)
{
	io_uring_prep_readv2(sqe, fd, iovecs, nr_vecs, offset, flags);
	sqe->opcode = IORING_OP_READV_FIXED;
	sqe->buf_index = (__u16)buf_index;
}

static inline void io_uring_prep_writev_fixed(struct io_uring_sqe *sqe, int fd,
					      const struct iovec *iovecs, unsigned nr_vecs,
					      __u64 offset, int flags, int buf_index)
{
	io_uring_prep_writev2(sqe, fd, iovecs, nr_vecs, offset, flags);
	sqe->opcode = IORING_OP_WRITEV_FIXED;
	sqe->buf_index = (__u16)buf_index;
}

static inline void io_uring_prep_fsync(struct io_uring_sqe *sqe, int fd,
				       unsigned fsync_flags)
{
	io_uring_prep_rw(IORING_OP_FSYNC, sqe, fd, NULL, 0, 0);
	sqe->fsync_flags = fsync_flags;
}

static inline void io_uring_prep_sync_file_range(struct io_uring_sqe *sqe, int fd,
						 unsigned len, __u64 offset, int flags)
{
	io_uring_prep_rw(IORING_OP_SYNC_FILE_RANGE, sqe, fd, NULL, len, offset);
	sqe->sync_range_flags = (__u32)flags;
}

static inline unsigned __io_uring_prep_poll_mask(unsigned poll_mask)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	poll_mask = __swahw32(poll_mask);
#endif
	return poll_mask;
}

static inline void io_uring_prep_poll_add(struct io_uring_sqe *sqe, int fd,
					  unsigned poll_mask)
{
	io_uring_prep_rw(IORING_OP_POLL_ADD, sqe, fd, NULL, 0, 0);
	sqe->poll32_events = __io_uring_prep_poll_mask(poll_mask);
}

static inline void io_uring_prep_poll_multishot(struct io_uring_sqe *sqe, int fd,
						unsigned poll_mask)
{
	io_uring_prep_poll_add(sqe, fd, poll_mask);
	sqe->len = IORING_POLL_ADD_MULTI;
}

static inline void io_uring_prep_poll_remove(struct io_uring_sqe *sqe, __u64 user_data)
{
	io_uring_prep_rw(IORING_OP_POLL_REMOVE, sqe, -1, NULL, 0, 0);
	sqe->addr = user_data;
}

static inline void io_uring_prep_poll_update(struct io_uring_sqe *sqe,
					     __u64 old_user_data,
					     __u64 new_user_data,
					     unsigned poll_mask, unsigned flags)
{
	io_uring_prep_rw(IORING_OP_POLL_REMOVE, sqe, -1, NULL, flags, new_user_data);
	sqe->addr = old_user_data;
	sqe->poll32_events = __io_uring_prep_poll_mask(poll_mask);
}

static inline void io_uring_prep_timeout(struct io_uring_sqe *sqe,
					 const struct __kernel_timespec *ts,
					 unsigned count, unsigned flags)
{
	io_uring_prep_rw(IORING_OP_TIMEOUT, sqe, -1, ts, 1, count);
	sqe->timeout_flags = flags;
}

static inline void io_uring_prep_timeout_remove(struct io_uring_sqe *sqe,
						__u64 user_data, unsigned flags)
{
	io_uring_prep_rw(IORING_OP_TIMEOUT_REMOVE, sqe, -1, NULL, 0, 0);
	sqe->addr = user_data;
	sqe->timeout_flags = flags;
}

static inline void io_uring_prep_timeout_update(struct io_uring_sqe *sqe,
						const struct __kernel_timespec *ts,
						__u64 user_data, unsigned flags)
{
	io_uring_prep_rw(IORING_OP_TIMEOUT_REMOVE, sqe, -1, NULL, 0,
			 (uintptr_t)ts);
	sqe->addr = user_data;
	sqe->timeout_flags = flags | IORING_TIMEOUT_UPDATE;
}

static inline void io_uring_prep_link_timeout(struct io_uring_sqe *sqe,
					      const struct __kernel_timespec *ts,
					      unsigned flags)
{
	io_uring_prep_rw(IORING_OP_LINK_TIMEOUT, sqe, -1, ts, 1, 0);
	sqe->timeout_flags = flags;
}

static inline void io_uring_prep_cancel64(struct io_uring_sqe *sqe,
					  __u64 user_data, int flags)
{
	io_uring_prep_rw(IORING_OP_ASYNC_CANCEL, sqe, -1, NULL, 0, 0);
	sqe->addr = user_data;
	sqe->cancel_flags = (__u32)flags;
}

static inline void io_uring_prep_cancel(struct io_uring_sqe *sqe,
					const void *user_data, int flags)
{
	io_uring_prep_cancel64(sqe, (__u64)(uintptr_t)user_data, flags);
}

static inline void io_uring_prep_cancel_fd(struct io_uring_sqe *sqe, int fd,
					   unsigned flags)
{
	io_uring_prep_rw(IORING_OP_ASYNC_CANCEL, sqe, fd, NULL, 0, 0);
	sqe->cancel_flags = (__u32)flags | IORING_ASYNC_CANCEL_FD;
}

static inline void io_uring_prep_openat(struct io_uring_sqe *sqe, int dfd,
					const char *path, int flags, mode_t mode)
{
	io_uring_prep_rw(IORING_OP_OPENAT, sqe, dfd, path, mode, 0);
	sqe->open_flags = (__u32)flags;
}

/* ... into the fixed file table: slot file_index, or IORING_FILE_INDEX_ALLOC */
static inline void io_uring_prep_openat_direct(struct io_uring_sqe *sqe, int dfd,
					       const char *path, int flags, mode_t mode,
					       unsigned file_index)
{
	io_uring_prep_openat(sqe, dfd, path, flags, mode);
	if (file_index == IORING_FILE_INDEX_ALLOC)
		file_index--;
	__io_uring_set_target_fixed_file(sqe, file_index);
}

static inline void io_uring_prep_open(struct io_uring_sqe *sqe, const char *path, int flags,
				      mode_t mode)
{
	io_uring_prep_openat(sqe, AT_FDCWD, path, flags, mode);
}

static inline void io_uring_prep_open_direct(struct io_uring_sqe *sqe, const char *path,
					     int flags, mode_t mode, unsigned file_index)
{
	io_uring_prep_openat_direct(sqe, AT_FDCWD, path, flags, mode, file_index);
}

/* openat2(2): how->resolve and the rest; len is sizeof(*how) */
static inline void io_uring_prep_openat2(struct io_uring_sqe *sqe, int dfd, const char *path,
					 const struct open_how *how)
{
	io_uring_prep_rw(IORING_OP_OPENAT2, sqe, dfd, path, (unsigned)sizeof(*how),
			 (__u64)(uintptr_t)how);
}

static inline void io_uring_prep_openat2_direct(struct io_uring_sqe *sqe, int dfd,
						const char *path, const struct open_how *how,
						unsigned file_index)
{
	io_uring_prep_openat2(sqe, dfd, path, how);
	if (file_index == IORING_FILE_INDEX_ALLOC)
		file_index--;
	__io_uring_set_target_fixed_file(sqe, file_index);
}

static inline void io_uring_prep_close(struct io_uring_sqe *sqe, int fd)
{
	io_uring_prep_rw(IORING_OP_CLOSE, sqe, fd, NULL, 0, 0);
}

/* close slot file_index of the fixed file table */
static inline void io_uring_prep_close_direct(struct io_uring_sqe *sqe, unsigned file_index)
{
	io_uring_prep_close(sqe, 0);
	__io_uring_set_target_fixed_file(sqe, file_index);
}

static inline void io_uring_prep_statx(struct io_uring_sqe *sqe, int dfd,
				       const char *path, int flags, unsigned mask,
				       struct statx *statxbuf)
{
	io_uring_prep_rw(IORING_OP_STATX, sqe, dfd, path, mask,
			 (__u64)(unsigned long)statxbuf);
	sqe->statx_flags = (__u32)flags;
}

static inline void io_uring_prep_fallocate(struct io_uring_sqe *sqe, int fd,
					   int mode, __u64 offset, __u64 len)
{
	io_uring_prep_rw(IORING_OP_FALLOCATE, sqe, fd, 0, (unsigned)mode, offset);
	sqe->addr = len;
}

static inline void io_uring_prep_ftruncate(struct io_uring_sqe *sqe, int fd, loff_t len)
{
	io_uring_prep_rw(IORING_OP_FTRUNCATE, sqe, fd, 0, 0, (__u64)len);
}

static inline void io_uring_prep_fadvise(struct io_uring_sqe *sqe, int fd,
					 __u64 offset, __u32 len, int advice)
{
	io_uring_prep_rw(IORING_OP_FADVISE, sqe, fd, NULL, len, offset);
	sqe->fadvise_advice = (__u32)advice;
}

static inline void io_uring_prep_madvise(struct io_uring_sqe *sqe, void *addr,
					 __u32 length, int advice)
{
	io_uring_prep_rw(IORING_OP_MADVISE, sqe, -1, addr, length, 0);
	sqe->fadvise_advice = (__u32)advice;
}

/* 64-bit lengths: len 0, the length in addr (fadvise) or off (madvise) */
static inline void io_uring_prep_fadvise64(struct io_uring_sqe *sqe, int fd, __u64 offset,
					   off_t len, int advice)
{
	io_uring_prep_rw(IORING_OP_FADVISE, sqe, fd, NULL, 0, offset);
	sqe->addr = (__u64)len;
	sqe->fadvise_advice = (__u32)advice;
}

static inline void io_uring_prep_madvise64(struct io_uring_sqe *sqe, void *addr, off_t length,
					   int advice)
{
	io_uring_prep_rw(IORING_OP_MADVISE, sqe, -1, addr, 0, (__u64)length);
	sqe->fadvise_advice = (__u32)advice;
}

static inline void io_uring_prep_getxattr(struct io_uring_sqe *sqe, const char *name,
					  char *value, const char *path, unsigned int len)
{
	io_uring_prep_rw(IORING_OP_GETXATTR, sqe, 0, name, len, (__u64)(uintptr_t)value);
	sqe->addr3 = (__u64)(uintptr_t)path;
	sqe->xattr_flags = 0;
}

static inline void io_uring_prep_setxattr(struct io_uring_sqe *sqe, const char *name,
					  const char *value, const char *path, int flags,
					  unsigned int len)
{
	io_uring_prep_rw(IORING_OP_SETXATTR, sqe, 0, name, len, (__u64)(uintptr_t)value);
	sqe->addr3 = (__u64)(uintptr_t)path;
	sqe->xattr_flags = (__u32)flags;
}

static inline void io_uring_prep_fgetxattr(struct io_uring_sqe *sqe, int fd, const char *name,
					   char *value, unsigned int len)
{
	io_uring_prep_rw(IORING_OP_FGETXATTR, sqe, fd, name, len, (__u64)(uintptr_t)value);
	sqe->xattr_flags = 0;
}

static inline void io_uring_prep_fsetxattr(struct io_uring_sqe *sqe, int fd, const char *name,
					   const char *value, int flags, unsigned int len)
{
	io_uring_prep_rw(IORING_OP_FSETXATTR, sqe, fd, name, len, (__u64)(uintptr_t)value);
	sqe->xattr_flags = (__u32)flags;
}

/* a direct descriptor (fd: its slot) installed as a plain one; flags
 * IORING_FIXED_FD_NO_CLOEXEC */
static inline void io_uring_prep_fixed_fd_install(struct io_uring_sqe *sqe, int fd,
						  unsigned int flags)
{
	io_uring_prep_rw(IORING_OP_FIXED_FD_INSTALL, sqe, fd, NULL, 0, 0);
	sqe->flags = IOSQE_FIXED_FILE;
	sqe->install_fd_flags = flags;
}

static inline void io_uring_prep_files_update(struct io_uring_sqe *sqe, int *fds,
					      unsigned nr_fds, int offset)
{
	io_uring_prep_rw(IORING_OP_FILES_UPDATE, sqe, -1, fds, nr_fds, (__u64)offset);
}

static inline void io_uring_prep_accept(struct io_uring_sqe *sqe, int fd,
					struct sockaddr *addr, socklen_t *addrlen,
					int flags)
{
	io_uring_prep_rw(IORING_OP_ACCEPT, sqe, fd, addr, 0,
			 (__u64)(unsigned long)addrlen);
	sqe->accept_flags = (__u32)flags;
}

static inline void io_uring_prep_connect(struct io_uring_sqe *sqe, int fd,
					 const struct sockaddr *addr,
					 socklen_t addrlen)
{
	io_uring_prep_rw(IORING_OP_CONNECT, sqe, fd, addr, 0, addrlen);
}

static inline void io_uring_prep_send(struct io_uring_sqe *sqe, int sockfd,
				      const void *buf, size_t len, int flags)
{
	io_uring_prep_rw(IORING_OP_SEND, sqe, sockfd, buf, (__u32)len, 0);
	sqe->msg_flags = (__u32)flags;
}

/* a send of provided buffers (IOSQE_BUFFER_SELECT and buf_group: the caller's) */
static inline void io_uring_prep_send_bundle(struct io_uring_sqe *sqe, int sockfd, size_t len,
					     int flags)
{
	io_uring_prep_send(sqe, sockfd, NULL, len, flags);
	sqe->ioprio |= IORING_RECVSEND_BUNDLE;
}

static inline void io_uring_prep_recv(struct io_uring_sqe *sqe, int sockfd,
				      void *buf, size_t len, int flags)
{
	io_uring_prep_rw(IORING_OP_RECV, sqe, sockfd, buf, (__u32)len, 0);
	sqe->msg_flags = (__u32)flags;
}

static inline void io_uring_prep_sendmsg(struct io_uring_sqe *sqe, int fd,
					 const struct msghdr *msg, unsigned flags)
{
	io_uring_prep_rw(IORING_OP_SENDMSG, sqe, fd, msg, 1, 0);
	sqe->msg_flags = flags;
}

static inline void io_uring_prep_recvmsg(struct io_uring_sqe *sqe, int fd,
					 struct msghdr *msg, unsigned flags)
{
	io_uring_prep_rw(IORING_OP_RECVMSG, sqe, fd, msg, 1, 0);
	sqe->msg_flags = flags;
}

/* A receive that stays armed: a CQE (IORING_CQE_F_MORE) per receive, each
 * into a provided buffer (the caller sets IOSQE_BUFFER_SELECT and buf_group). */
static inline void io_uring_prep_recv_multishot(struct io_uring_sqe *sqe, int sockfd, void *buf,
						size_t len, int flags)
{
	io_uring_prep_recv(sqe, sockfd, buf, len, flags);
	sqe->ioprio |= IORING_RECV_MULTISHOT;
}

static inline void io_uring_prep_recvmsg_multishot(struct io_uring_sqe *sqe, int fd,
						   struct msghdr *msg, unsigned flags)
{
	io_uring_prep_recvmsg(sqe, fd, msg, flags);
	sqe->ioprio |= IORING_RECV_MULTISHOT;
}

/*
 * A multishot RECVMSG's buffer: struct io_uring_recvmsg_out, then
 * msg_namelen bytes for the source address, msg_controllen bytes of control
 * messages, then the payload (msgh: the msghdr the SQE named).  NULL when
 * buf_len cannot hold the header part.
 */
static inline struct io_uring_recvmsg_out *io_uring_recvmsg_validate(void *buf, int buf_len,
								     struct msghdr *msgh)
{
	unsigned long need = sizeof(struct io_uring_recvmsg_out) + msgh->msg_namelen +
			     msgh->msg_controllen;

	if (buf_len < 0 || (unsigned long)buf_len < need)
		return NULL;
	return (struct io_uring_recvmsg_out *)buf;
}

static inline void *io_uring_recvmsg_name(struct io_uring_recvmsg_out *o)
{
	return (void *)(o + 1);
}

static inline struct cmsghdr *io_uring_recvmsg_cmsg_firsthdr(struct io_uring_recvmsg_out *o,
							     struct msghdr *msgh)
{
	if (o->controllen < sizeof(struct cmsghdr))
		return NULL;
	return (struct cmsghdr *)((unsigned char *)io_uring_recvmsg_name(o) + msgh->msg_namelen);
}

/* the control message after cmsg, or NULL when none fits in o->controllen */
static inline struct cmsghdr *io_uring_recvmsg_cmsg_nexthdr(struct io_uring_recvmsg_out *o,
							    struct msghdr *msgh,
							    struct cmsghdr *cmsg)
{
	unsigned char *end, *next;

	if (cmsg->cmsg_len < sizeof(struct cmsghdr))
		return NULL;
	end = (unsigned char *)io_uring_recvmsg_cmsg_firsthdr(o, msgh) + o->controllen;
	next = (unsigned char *)cmsg + CMSG_ALIGN(cmsg->cmsg_len);
	if (next + sizeof(struct cmsghdr) > end)
		return NULL;
	if (next + CMSG_ALIGN(((struct cmsghdr *)next)->cmsg_len) > end)
		return NULL;
	return (struct cmsghdr *)next;
}

static inline void *io_uring_recvmsg_payload(struct io_uring_recvmsg_out *o, struct msghdr *msgh)
{
	return (unsigned char *)io_uring_recvmsg_name(o) + msgh->msg_namelen +
	       msgh->msg_controllen;
}

/* the payload bytes in a buffer the CQE said holds buf_len bytes */
static inline unsigned int io_uring_recvmsg_payload_length(struct io_uring_recvmsg_out *o,
							   int buf_len, struct msghdr *msgh)
{
	unsigned long start = (unsigned long)io_uring_recvmsg_payload(o, msgh);

	return (unsigned int)((unsigned long)o + (unsigned long)buf_len - start);
}

static inline void io_uring_prep_send_set_addr(struct io_uring_sqe *sqe,
					       const struct sockaddr *dest_addr,
					       __u16 addr_len)
{
	sqe->addr2 = (__u64)(uintptr_t)dest_addr;
	sqe->addr_len = addr_len;
}

static inline void io_uring_prep_sendto(struct io_uring_sqe *sqe, int sockfd,
					const void *buf, size_t len, int flags,
					const struct sockaddr *addr, socklen_t addrlen)
{
	io_uring_prep_send(sqe, sockfd, buf, len, flags);
	io_uring_prep_send_set_addr(sqe, addr, (__u16)addrlen);
}

static inline void io_uring_prep_send_zc(struct io_uring_sqe *sqe, int sockfd,
					 const void *buf, size_t len, int flags,
					 unsigned zc_flags)
{
	io_uring_prep_rw(IORING_OP_SEND_ZC, sqe, sockfd, buf, (__u32)len, 0);
	sqe->msg_flags = (__u32)flags;
	sqe->ioprio = (__u16)zc_flags;
}

static inline void io_uring_prep_send_zc_fixed(struct io_uring_sqe *sqe, int sockfd,
					       const void *buf, size_t len, int flags,
					       unsigned zc_flags, unsigned buf_index)
{
	io_uring_prep_send_zc(sqe, sockfd, buf, len, flags, zc_flags);
	sqe->ioprio |= IORING_RECVSEND_FIXED_BUF;
	sqe->buf_index = (__u16)buf_index;
}

static inline void io_uring_prep_sendmsg_zc(struct io_uring_sqe *sqe, int fd,
					    const struct msghdr *msg, unsigned flags)
{
	io_uring_prep_sendmsg(sqe, fd, msg, flags);
	sqe->opcode = IORING_OP_SENDMSG_ZC;
}

/* ... its iovecs inside registered buffer buf_index */
static inline void io_uring_prep_sendmsg_zc_fixed(struct io_uring_sqe *sqe, int fd,
						  const struct msghdr *msg, unsigned flags,
						  unsigned buf_index)
{
	io_uring_prep_sendmsg_zc(sqe, fd, msg, flags);
	sqe->ioprio |= IORING_RECVSEND_FIXED_BUF;
	sqe->buf_index = (__u16)buf_index;
}

static inline void io_uring_prep_shutdown(struct io_uring_sqe *sqe, int fd, int how)
{
	io_uring_prep_rw(IORING_OP_SHUTDOWN, sqe, fd, NULL, (__u32)how, 0);
}


/* the connection ops, as liburing 2.15 has them */
static inline void io_uring_prep_socket(struct io_uring_sqe *sqe, int domain, int type,
					int protocol, unsigned int flags)
{
	io_uring_prep_rw(IORING_OP_SOCKET, sqe, domain, NULL, (__u32)protocol, (__u64)type);
	sqe->rw_flags = (int)flags;
}

static inline void io_uring_prep_socket_direct(struct io_uring_sqe *sqe, int domain, int type,
					       int protocol, unsigned file_index,
					       unsigned int flags)
{
	io_uring_prep_socket(sqe, domain, type, protocol, flags);
	/* IORING_FILE_INDEX_ALLOC is passed as is */
	if (file_index == IORING_FILE_INDEX_ALLOC)
		file_index--;
	__io_uring_set_target_fixed_file(sqe, file_index);
}

static inline void io_uring_prep_socket_direct_alloc(struct io_uring_sqe *sqe, int domain,
						     int type, int protocol, unsigned int flags)
{
	io_uring_prep_socket(sqe, domain, type, protocol, flags);
	__io_uring_set_target_fixed_file(sqe, IORING_FILE_INDEX_ALLOC - 1);
}

static inline void io_uring_prep_bind(struct io_uring_sqe *sqe, int fd, struct sockaddr *addr,
				      socklen_t addrlen)
{
	io_uring_prep_rw(IORING_OP_BIND, sqe, fd, addr, 0, addrlen);
}

static inline void io_uring_prep_listen(struct io_uring_sqe *sqe, int fd, int backlog)
{
	io_uring_prep_rw(IORING_OP_LISTEN, sqe, fd, NULL, (__u32)backlog, 0);
}

static inline void io_uring_prep_accept_direct(struct io_uring_sqe *sqe, int fd,
					       struct sockaddr *addr, socklen_t *addrlen,
					       int flags, unsigned int file_index)
{
	io_uring_prep_accept(sqe, fd, addr, addrlen, flags);
	/* IORING_FILE_INDEX_ALLOC is passed as is */
	if (file_index == IORING_FILE_INDEX_ALLOC)
		file_index--;
	__io_uring_set_target_fixed_file(sqe, file_index);
}

static inline void io_uring_prep_multishot_accept(struct io_uring_sqe *sqe, int fd,
						  struct sockaddr *addr, socklen_t *addrlen,
						  int flags)
{
	io_uring_prep_accept(sqe, fd, addr, addrlen, flags);
	sqe->ioprio |= IORING_ACCEPT_MULTISHOT;
}

/* multishot accept into the fixed file table: always an allocated slot */
static inline void io_uring_prep_multishot_accept_direct(struct io_uring_sqe *sqe, int fd,
							 struct sockaddr *addr,
							 socklen_t *addrlen, int flags)
{
	io_uring_prep_multishot_accept(sqe, fd, addr, addrlen, flags);
	__io_uring_set_target_fixed_file(sqe, IORING_FILE_INDEX_ALLOC - 1);
}

/*
 * IORING_OP_URING_CMD: cmd_op for the file's own handler; only these
 * fields are set, the command's others are the caller's to fill.
 */
static inline void __io_uring_prep_uring_cmd(struct io_uring_sqe *sqe, int op, __u32 cmd_op,
					     int fd)
{
	sqe->opcode = (__u8)op;
	sqe->fd = fd;
	sqe->cmd_op = cmd_op;
	sqe->__pad1 = 0;
	sqe->addr = 0;
	sqe->len = 0;
}

static inline void io_uring_prep_uring_cmd(struct io_uring_sqe *sqe, int cmd_op, int fd)
{
	__io_uring_prep_uring_cmd(sqe, IORING_OP_URING_CMD, (__u32)cmd_op, fd);
}

/* a command in a 128-byte SQE of an SQE_MIXED ring (not in Linux 6.18) */
static inline void io_uring_prep_uring_cmd128(struct io_uring_sqe *sqe, int cmd_op, int fd)
{
	__io_uring_prep_uring_cmd(sqe, IORING_OP_URING_CMD128, (__u32)cmd_op, fd);
}

/*
 * getsockname(2) (peer 0) or getpeername(2) (peer 1) as a socket command:
 * the address into sockaddr, its length through sockaddr_len (not in Linux
 * 6.18: -EOPNOTSUPP there).
 */
static inline void io_uring_prep_cmd_getsockname(struct io_uring_sqe *sqe, int fd,
						 struct sockaddr *sockaddr,
						 socklen_t *sockaddr_len, int peer)
{
	io_uring_prep_uring_cmd(sqe, SOCKET_URING_OP_GETSOCKNAME, fd);
	sqe->addr = (__u64)(uintptr_t)sockaddr;
	sqe->addr3 = (__u64)(uintptr_t)sockaddr_len;
	sqe->optlen = (__u32)peer;
}

/* discard nbytes at offset of a block device */
static inline void io_uring_prep_cmd_discard(struct io_uring_sqe *sqe, int fd, uint64_t offset,
					     uint64_t nbytes)
{
	io_uring_prep_uring_cmd(sqe, BLOCK_URING_CMD_DISCARD, fd);
	sqe->addr = offset;
	sqe->addr3 = nbytes;
}

/* URING_CMD on a socket: SOCKET_URING_OP_* */
static inline void io_uring_prep_cmd_sock(struct io_uring_sqe *sqe, int cmd_op, int fd,
					  int level, int optname, void *optval, int optlen)
{
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
	sqe->optval = (unsigned long)(uintptr_t)optval;
	sqe->optname = (__u32)optname;
	sqe->optlen = (__u32)optlen;
	sqe->cmd_op = (__u32)cmd_op;
	sqe->level = (__u32)level;
}

/*
 * splice(2) as a request: nbytes from fd_in (at off_in, or -1 for its
 * position or a pipe) to fd_out (at off_out, or -1).  SPLICE_F_FD_IN_FIXED
 * in splice_flags makes fd_in a fixed-file slot; IOSQE_FIXED_FILE, fd_out.
 */
static inline void io_uring_prep_splice(struct io_uring_sqe *sqe, int fd_in, int64_t off_in,
					int fd_out, int64_t off_out, unsigned int nbytes,
					unsigned int splice_flags)
{
	io_uring_prep_rw(IORING_OP_SPLICE, sqe, fd_out, NULL, nbytes, (__u64)off_out);
	sqe->splice_off_in = (__u64)off_in;
	sqe->splice_fd_in = fd_in;
	sqe->splice_flags = splice_flags;
}

/* tee(2) as a request: duplicate nbytes of pipe fd_in into pipe fd_out */
static inline void io_uring_prep_tee(struct io_uring_sqe *sqe, int fd_in, int fd_out,
				     unsigned int nbytes, unsigned int splice_flags)
{
	io_uring_prep_rw(IORING_OP_TEE, sqe, fd_out, NULL, nbytes, 0);
	sqe->splice_off_in = 0;
	sqe->splice_fd_in = fd_in;
	sqe->splice_flags = splice_flags;
}

/* pipe2(2) as a request: the two descriptors land in fds[0], fds[1] */
static inline void io_uring_prep_pipe(struct io_uring_sqe *sqe, int *fds, int pipe_flags)
{
	io_uring_prep_rw(IORING_OP_PIPE, sqe, 0, fds, 0, 0);
	sqe->pipe_flags = (__u32)pipe_flags;
}

/*
 * ... into the fixed file table: slots file_index and file_index + 1, or two
 * free ones with IORING_FILE_INDEX_ALLOC; fds gets the slots.
 */
static inline void io_uring_prep_pipe_direct(struct io_uring_sqe *sqe, int *fds,
					     int pipe_flags, unsigned int file_index)
{
	io_uring_prep_pipe(sqe, fds, pipe_flags);
	if (file_index == IORING_FILE_INDEX_ALLOC)
		file_index--;
	__io_uring_set_target_fixed_file(sqe, file_index);
}

static inline void io_uring_prep_epoll_ctl(struct io_uring_sqe *sqe, int epfd,
					   int fd, int op,
					   const struct epoll_event *ev)
{
	io_uring_prep_rw(IORING_OP_EPOLL_CTL, sqe, epfd, ev, (__u32)op, (__u32)fd);
}

/* epoll_wait(2) on epfd as a request: no timeout, flags in rw_flags */
static inline void io_uring_prep_epoll_wait(struct io_uring_sqe *sqe, int fd,
					    struct epoll_event *events,
					    int maxevents, unsigned flags)
{
	io_uring_prep_rw(IORING_OP_EPOLL_WAIT, sqe, fd, events, (unsigned)maxevents, 0);
	sqe->rw_flags = (int)flags;
}

/*
 * MSG_RING: post a CQE (res = len, user_data = data) to the ring fd names.
 * With IORING_MSG_RING_FLAGS_PASS the target CQE's flags are cqe_flags,
 * carried in file_index.
 */
static inline void io_uring_prep_msg_ring(struct io_uring_sqe *sqe, int fd,
					  unsigned len, __u64 data, unsigned flags)
{
	io_uring_prep_rw(IORING_OP_MSG_RING, sqe, fd, NULL, len, data);
	sqe->msg_ring_flags = flags;
}

static inline void io_uring_prep_msg_ring_cqe_flags(struct io_uring_sqe *sqe, int fd,
						    unsigned len, __u64 data,
						    unsigned flags, unsigned cqe_flags)
{
	io_uring_prep_msg_ring(sqe, fd, len, data, flags | IORING_MSG_RING_FLAGS_PASS);
	sqe->file_index = cqe_flags;
}

/*
 * MSG_RING with IORING_MSG_SEND_FD (in addr): install source_fd, a slot of
 * the sender's fixed file table, into slot target_fd of the target ring's
 * (IORING_FILE_INDEX_ALLOC: any free one); the target's CQE has user_data
 * data.
 */
static inline void io_uring_prep_msg_ring_fd(struct io_uring_sqe *sqe, int fd,
					     int source_fd, int target_fd,
					     __u64 data, unsigned flags)
{
	unsigned slot = (unsigned)target_fd;

	io_uring_prep_rw(IORING_OP_MSG_RING, sqe, fd,
			 (const void *)(uintptr_t)IORING_MSG_SEND_FD, 0, data);
	sqe->addr3 = (__u64)source_fd;
	if (slot == IORING_FILE_INDEX_ALLOC)
		slot--;
	__io_uring_set_target_fixed_file(sqe, slot);
	sqe->msg_ring_flags = flags;
}

static inline void io_uring_prep_msg_ring_fd_alloc(struct io_uring_sqe *sqe, int fd,
						   int source_fd, __u64 data,
						   unsigned flags)
{
	io_uring_prep_msg_ring_fd(sqe, fd, source_fd, (int)IORING_FILE_INDEX_ALLOC,
				  data, flags);
}

/*
 * waitid(2) as a request: id in fd, idtype in len, options in file_index,
 * the siginfo_t to fill in addr2.
 */
static inline void io_uring_prep_waitid(struct io_uring_sqe *sqe, idtype_t idtype,
					id_t id, siginfo_t *infop, int options,
					unsigned flags)
{
	io_uring_prep_rw(IORING_OP_WAITID, sqe, (int)id, NULL, (unsigned)idtype, 0);
	sqe->waitid_flags = flags;
	sqe->file_index = (__u32)options;
	sqe->addr2 = (__u64)(uintptr_t)infop;
}

/*
 * Futexes (futex2 semantics): futex_flags (FUTEX2_SIZE_U32, FUTEX2_PRIVATE...)
 * go in fd, the value in off, the bitset mask in addr3; flags, the request's
 * own, are reserved (0).
 */
static inline void io_uring_prep_futex_wake(struct io_uring_sqe *sqe,
					    const uint32_t *futex, uint64_t val,
					    uint64_t mask, uint32_t futex_flags,
					    unsigned flags)
{
	io_uring_prep_rw(IORING_OP_FUTEX_WAKE, sqe, (int)futex_flags, futex, 0, val);
	sqe->futex_flags = flags;
	sqe->addr3 = mask;
}

static inline void io_uring_prep_futex_wait(struct io_uring_sqe *sqe,
					    const uint32_t *futex, uint64_t val,
					    uint64_t mask, uint32_t futex_flags,
					    unsigned flags)
{
	io_uring_prep_rw(IORING_OP_FUTEX_WAIT, sqe, (int)futex_flags, futex, 0, val);
	sqe->futex_flags = flags;
	sqe->addr3 = mask;
}

static inline void io_uring_prep_futex_waitv(struct io_uring_sqe *sqe,
					     const struct futex_waitv *futex,
					     uint32_t nr_futex, unsigned flags)
{
	io_uring_prep_rw(IORING_OP_FUTEX_WAITV, sqe, 0, futex, nr_futex, 0);
	sqe->futex_flags = flags;
}

static inline void io_uring_prep_renameat(struct io_uring_sqe *sqe, int olddfd,
					  const char *oldpath, int newdfd,
					  const char *newpath, unsigned int flags)
{
	io_uring_prep_rw(IORING_OP_RENAMEAT, sqe, olddfd, oldpath, (__u32)newdfd,
			 (uint64_t)(uintptr_t)newpath);
	sqe->rename_flags = flags;
}

static inline void io_uring_prep_rename(struct io_uring_sqe *sqe, const char *oldpath,
					const char *newpath)
{
	io_uring_prep_renameat(sqe, AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

static inline void io_uring_prep_unlinkat(struct io_uring_sqe *sqe, int dfd,
					  const char *path, int flags)
{
	io_uring_prep_rw(IORING_OP_UNLINKAT, sqe, dfd, path, 0, 0);
	sqe->unlink_flags = (__u32)flags;
}

static inline void io_uring_prep_unlink(struct io_uring_sqe *sqe, const char *path, int flags)
{
	io_uring_prep_unlinkat(sqe, AT_FDCWD, path, flags);
}

static inline void io_uring_prep_mkdirat(struct io_uring_sqe *sqe, int dfd,
					 const char *path, mode_t mode)
{
	io_uring_prep_rw(IORING_OP_MKDIRAT, sqe, dfd, path, mode, 0);
}

static inline void io_uring_prep_mkdir(struct io_uring_sqe *sqe, const char *path, mode_t mode)
{
	io_uring_prep_mkdirat(sqe, AT_FDCWD, path, mode);
}

static inline void io_uring_prep_symlinkat(struct io_uring_sqe *sqe, const char *target,
					   int newdirfd, const char *linkpath)
{
	io_uring_prep_rw(IORING_OP_SYMLINKAT, sqe, newdirfd, target, 0,
			 (uint64_t)(uintptr_t)linkpath);
}

static inline void io_uring_prep_symlink(struct io_uring_sqe *sqe, const char *target,
					 const char *linkpath)
{
	io_uring_prep_symlinkat(sqe, target, AT_FDCWD, linkpath);
}

static inline void io_uring_prep_linkat(struct io_uring_sqe *sqe, int olddfd,
					const char *oldpath, int newdfd,
					const char *newpath, int flags)
{
	io_uring_prep_rw(IORING_OP_LINKAT, sqe, olddfd, oldpath, (__u32)newdfd,
			 (uint64_t)(uintptr_t)newpath);
	sqe->hardlink_flags = (__u32)flags;
}

static inline void io_uring_prep_link(struct io_uring_sqe *sqe, const char *oldpath,
				      const char *newpath, int flags)
{
	io_uring_prep_linkat(sqe, AT_FDCWD, oldpath, AT_FDCWD, newpath, flags);
}

#ifdef __cplusplus
}
#endif

#endif /* RINGER_H */
