/* SPDX-License-Identifier: MIT */
/*
 * liburing compatibility: lets a program written for liburing build against
 * ringer unchanged.  Put <prefix>/include/ringer/compat on the include path
 * (and nothing else of ringer's) and link with -lringer:
 *
 *	cc -I<prefix>/include/ringer/compat prog.c -lringer
 *
 * Then `#include <liburing.h>`, `<liburing/io_uring.h>` and
 * `<liburing/barrier.h>` resolve to ringer's headers.  The path to ringer.h
 * is relative to this file, so the compat directory alone is enough on the
 * include path; ringer.h in turn finds ringer/io_uring.h next to itself.
 *
 * ringer.h mirrors liburing 2.3's API (IO_URING_VERSION_MAJOR/MINOR say so)
 * and has the extern "C" guards for C++.
 */
#ifndef RINGER_COMPAT_LIBURING_H
#define RINGER_COMPAT_LIBURING_H

#include "../../ringer.h"

#endif /* RINGER_COMPAT_LIBURING_H */
