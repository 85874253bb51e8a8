/* SPDX-License-Identifier: MIT */
/* The liburing API level this library provides, and the out-of-line
 * io_uring_get_sqe() of liburing's map. */
#define RINGER_OUT_OF_LINE_GET_SQE
#include "lib/lib.h"

struct io_uring_sqe *io_uring_get_sqe(struct io_uring *ring)
{
	return _io_uring_get_sqe(ring);
}

int io_uring_major_version(void)
{
	return IO_URING_VERSION_MAJOR;
}

int io_uring_minor_version(void)
{
	return IO_URING_VERSION_MINOR;
}

bool io_uring_check_version(int major, int minor)
{
	return major > io_uring_major_version() ||
	       (major == io_uring_major_version() && minor > io_uring_minor_version());
}
