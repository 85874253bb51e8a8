/* SPDX-License-Identifier: MIT */
/*
 * The library's two backends (the contract is in backend.h): the kernel's
 * io_uring through its system calls, and the user engine through its
 * entry points (engine/api.h).
 */
#include <errno.h>
#include <unistd.h>

#include "engine/api.h"
#include "lib/backend.h"
#include "lib/lib.h"

static int kernel_setup(unsigned entries, struct io_uring_params *p)
{
	return (int)arch_syscall6(__NR_io_uring_setup, entries, (long)p, 0, 0, 0, 0);
}

static int kernel_enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags,
			const void *arg, size_t argsz)
{
	return ringer__kernel_enter(fd, to_submit, min_complete, flags, arg, argsz);
}

static int kernel_register(int fd, unsigned opcode, const void *arg, unsigned nr_args)
{
	return (int)arch_syscall6(__NR_io_uring_register, fd, opcode, (long)arg, nr_args, 0, 0);
}

static int kernel_close(int fd)
{
	int saved = errno, ret;

	ret = close(fd) ? -errno : 0;
	errno = saved;
	return ret;
}

/* A kernel ring's regions are at the ABI offsets. */
static uint64_t kernel_map_offset(int fd, uint64_t off)
{
	return off;
}

/* The kernel keeps nothing under a number once it is closed. */
static void kernel_forget_fd(int fd)
{
}

const struct ringer__backend ringer__kernel = {
	.id = RINGER_BACKEND_KERNEL,
	.setup = kernel_setup,
	.enter = kernel_enter,
	.reg = kernel_register,
	.close = kernel_close,
	.map_offset = kernel_map_offset,
	.forget_fd = kernel_forget_fd,
};

const struct ringer__backend ringer__engine = {
	.id = RINGER_BACKEND_USER,
	.setup = ringer_setup,
	.enter = ringer_enter,
	.reg = ringer_register,
	.close = ringer_close,
	.map_offset = engine_map_offset,
	.forget_fd = engine_forget_fd,
};

/* A ring fd the engine owns is the engine's; any other fd the kernel's. */
const struct ringer__backend *ringer__backend_of_fd(int fd)
{
	return ringer_is_engine_fd(fd) ? &ringer__engine : &ringer__kernel;
}

const struct ringer__backend *ringer__backend_of_index(unsigned idx)
{
	return ringer__engine_regring(idx) ? &ringer__engine : &ringer__kernel;
}
