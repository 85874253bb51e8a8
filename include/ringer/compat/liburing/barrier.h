/* SPDX-License-Identifier: MIT */
/*
 * liburing compatibility: <liburing/barrier.h> gives the ring's memory
 * ordering helpers (io_uring_smp_load_acquire, io_uring_smp_store_release,
 * IO_URING_READ_ONCE, IO_URING_WRITE_ONCE, io_uring_smp_mb).  Forward to
 * ringer's (relative path, see liburing.h).
 */
#ifndef RINGER_COMPAT_LIBURING_BARRIER_H
#define RINGER_COMPAT_LIBURING_BARRIER_H

#include "../../barrier.h"

#endif /* RINGER_COMPAT_LIBURING_BARRIER_H */
