/* SPDX-License-Identifier: MIT */
/*
 * liburing compatibility: newer liburing releases keep the API version in
 * <liburing/io_uring_version.h>.  ringer.h defines the same macros (the
 * liburing API level ringer mirrors); take them from there.
 */
#ifndef RINGER_COMPAT_LIBURING_IO_URING_VERSION_H
#define RINGER_COMPAT_LIBURING_IO_URING_VERSION_H

#include "../../../ringer.h"

#endif /* RINGER_COMPAT_LIBURING_IO_URING_VERSION_H */
