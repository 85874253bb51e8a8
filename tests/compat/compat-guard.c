/* SPDX-License-Identifier: MIT */
/*
 * Linked into every compat test: fails the build if <liburing.h> resolved to
 * anything but ringer's compat header (a system liburing, say), which would
 * make the compat tests test the wrong thing.
 */
#include <liburing.h>

#ifndef RINGER_H
#error "<liburing.h> is not ringer's compat header"
#endif
#ifndef RINGER_IO_URING_H
#error "<liburing.h> did not bring ringer's io_uring.h"
#endif

/* ISO C wants a translation unit to declare something. */
int ringer_compat_guard;
