/* SPDX-License-Identifier: MIT */
/*
 * liburing compatibility: <liburing/io_uring/query.h> is liburing's copy of
 * the kernel's <linux/io_uring/query.h> (IORING_REGISTER_QUERY).  ringer's
 * io_uring.h carries those definitions; forward to it (relative path, see
 * liburing.h).
 */
#ifndef RINGER_COMPAT_LIBURING_IO_URING_QUERY_H
#define RINGER_COMPAT_LIBURING_IO_URING_QUERY_H

#include "../../../io_uring.h"

#endif /* RINGER_COMPAT_LIBURING_IO_URING_QUERY_H */
