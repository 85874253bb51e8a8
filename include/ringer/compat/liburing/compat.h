/* SPDX-License-Identifier: MIT */
/*
 * liburing compatibility: liburing's <liburing/compat.h> supplies the kernel
 * types an older system header may lack (struct __kernel_timespec, struct
 * open_how, ...).  ringer's io_uring.h and ringer.h have them; forward there
 * (relative path, see liburing.h).
 */
#ifndef RINGER_COMPAT_LIBURING_COMPAT_H
#define RINGER_COMPAT_LIBURING_COMPAT_H

#include "../../../ringer.h"

#endif /* RINGER_COMPAT_LIBURING_COMPAT_H */
