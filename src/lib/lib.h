/* SPDX-License-Identifier: MIT */
/*
 * Library internals shared by the files of src/lib.
 *
 * Everything the library asks of an executor goes through the seam below:
 * the three io_uring entry points and the close of a ring fd.  The seam
 * sends a ring fd the user engine owns to the engine and any other fd to the
 * kernel, so the rest of the library is one code path for both backends.
 */
#ifndef RINGER_LIB_H
#define RINGER_LIB_H

#include "ringer.h"

/* The kernel's sigset size: what io_uring_enter expects as argsz for a sigmask. */
#define RINGER_SIGSET_SIZE (_NSIG / 8)

int ringer__setup(unsigned entries, struct io_uring_params *p, enum ringer_backend backend);
int ringer__enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags,
		  const void *arg, size_t argsz);
int ringer__register(int fd, unsigned opcode, const void *arg, unsigned nr_args);
int ringer__close(int fd);

#endif /* RINGER_LIB_H */
