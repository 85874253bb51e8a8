/* SPDX-License-Identifier: MIT */
/*
 * Library internals shared by the files of src/lib.
 *
 * Everything the library asks of an executor goes through the seam below:
 * the three io_uring entry points and the close of a ring fd (syscall.c).
 * The seam sends a ring fd the user engine owns to the engine and any other
 * fd to the kernel (the backends: backend.h), so the rest of the library is
 * one code path for both.
 */
#ifndef RINGER_LIB_H
#define RINGER_LIB_H

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "arch.h"
#include "ringer.h"
#include "lib/backend.h"

/* The kernel's sigset size: what io_uring_enter expects as argsz for a sigmask. */
#define RINGER_SIGSET_SIZE (_NSIG / 8)

int ringer__setup(unsigned entries, struct io_uring_params *p, enum ringer_backend backend);
int ringer__enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags,
		  const void *arg, size_t argsz);
int ringer__register(int fd, unsigned opcode, const void *arg, unsigned nr_args);
int ringer__close(int fd);

/* The kernel backend's enter (backend.c), inline for the path below. */
static inline int ringer__kernel_enter(int fd, unsigned to_submit, unsigned min_complete,
				       unsigned flags, const void *arg, size_t argsz)
{
	return (int)arch_syscall6(__NR_io_uring_enter, fd, to_submit, min_complete, flags,
				  (long)arg, (long)argsz);
}

/*
 * Enter a ring the library set up: its backend was recorded at setup
 * (RINGER_INT_FLAG_ENGINE), so no fd lookup is needed on this path, and a
 * kernel ring's enter is the system call itself, as in liburing.
 */
static inline int ringer__ring_enter(const struct io_uring *ring, unsigned to_submit,
				     unsigned min_complete, unsigned flags, const void *arg,
				     size_t argsz)
{
	if (ring->int_flags & RINGER_INT_FLAG_ENGINE)
		return ringer__engine.enter(ring->enter_ring_fd, to_submit, min_complete, flags,
					    arg, argsz);
	return ringer__kernel_enter(ring->enter_ring_fd, to_submit, min_complete, flags, arg,
				    argsz);
}

#endif /* RINGER_LIB_H */
