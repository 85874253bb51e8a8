/* SPDX-License-Identifier: MIT */
/*
 * liburing compatibility: <liburing/io_uring.h> is liburing's copy of the
 * kernel ABI header.  ringer has its own; forward to it (relative path, so
 * only include/ringer/compat needs to be on the include path).
 */
#ifndef RINGER_COMPAT_LIBURING_IO_URING_H
#define RINGER_COMPAT_LIBURING_IO_URING_H

#include "../../io_uring.h"

#endif /* RINGER_COMPAT_LIBURING_IO_URING_H */
