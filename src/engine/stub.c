/* SPDX-License-Identifier: MIT */
/* Placeholder until the user engine lands: every entry point says -ENOSYS. */
#include <errno.h>
#include "ringer.h"

int ringer_setup(unsigned entries, struct io_uring_params *p)
{
	return -ENOSYS;
}

int ringer_enter(int fd, unsigned to_submit, unsigned min_complete,
		 unsigned flags, const void *arg, size_t argsz)
{
	return -EBADF;
}

int ringer_register(int fd, unsigned opcode, const void *arg, unsigned nr_args)
{
	return -EBADF;
}

int ringer_close(int fd)
{
	return -EBADF;
}

int ringer_is_engine_fd(int fd)
{
	return 0;
}
