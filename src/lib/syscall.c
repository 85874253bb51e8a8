/* SPDX-License-Identifier: MIT */
/*
 * The seam: io_uring's three entry points, dispatched to the kernel or to the
 * user engine.  A ring fd the engine owns goes to the engine; any other fd to
 * the kernel.  Setup goes where the backend choice says: RINGER_BACKEND in the
 * environment (auto, kernel, user), or ringer_set_backend().
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/engine.h"
#include "lib/lib.h"

/* -1: no override, read RINGER_BACKEND. */
static _Atomic int backend_override = -1;

static int kernel_setup(unsigned entries, struct io_uring_params *p)
{
	int fd = (int)ringer__syscall6(__NR_io_uring_setup, entries, (long)p, 0, 0, 0, 0);

	/*
	 * An engine ring whose fd the program closed with close(2) still sits
	 * in the engine's table under this number: the number now names a
	 * kernel ring, so calls on it must not reach the stale engine ring.
	 */
	if (fd >= 0 && ringer_is_engine_fd(fd))
		engine_forget_fd(fd);
	return fd;
}

static int kernel_enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags,
			const void *arg, size_t argsz)
{
	return (int)ringer__syscall6(__NR_io_uring_enter, fd, to_submit, min_complete, flags,
				(long)arg, (long)argsz);
}

static int kernel_register(int fd, unsigned opcode, const void *arg, unsigned nr_args)
{
	return (int)ringer__syscall6(__NR_io_uring_register, fd, opcode, (long)arg, nr_args, 0, 0);
}

const char *ringer_backend_name(enum ringer_backend backend)
{
	switch (backend) {
	case RINGER_BACKEND_AUTO:
		return "auto";
	case RINGER_BACKEND_KERNEL:
		return "kernel";
	case RINGER_BACKEND_USER:
		return "user";
	}
	return NULL;
}

int ringer_set_backend(enum ringer_backend backend)
{
	if (!ringer_backend_name(backend))
		return -EINVAL;
	atomic_store_explicit(&backend_override, (int)backend, memory_order_relaxed);
	return 0;
}

enum ringer_backend ringer_get_backend(void)
{
	static _Atomic int warned;
	int override = atomic_load_explicit(&backend_override, memory_order_relaxed);
	const char *env;

	if (override >= 0)
		return (enum ringer_backend)override;
	env = getenv("RINGER_BACKEND");
	if (!env || !*env || !strcmp(env, "auto"))
		return RINGER_BACKEND_AUTO;
	if (!strcmp(env, "kernel"))
		return RINGER_BACKEND_KERNEL;
	if (!strcmp(env, "user"))
		return RINGER_BACKEND_USER;
	if (!atomic_exchange_explicit(&warned, 1, memory_order_relaxed))
		fprintf(stderr, "ringer: unknown RINGER_BACKEND=\"%s\" (auto, kernel, user); using auto\n",
			env);
	return RINGER_BACKEND_AUTO;
}

/* Errors with which a kernel refuses io_uring itself, rather than the request. */
static bool kernel_refuses(int err)
{
	return err == -ENOSYS || err == -EPERM || err == -EACCES;
}

int ringer__setup(unsigned entries, struct io_uring_params *p, enum ringer_backend backend)
{
	int ret;

	switch (backend) {
	case RINGER_BACKEND_KERNEL:
		return kernel_setup(entries, p);
	case RINGER_BACKEND_USER:
		return ringer_setup(entries, p);
	case RINGER_BACKEND_AUTO:
		ret = kernel_setup(entries, p);
		if (kernel_refuses(ret))
			ret = ringer_setup(entries, p);
		return ret;
	}
	return -EINVAL;
}

int ringer__enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags,
		  const void *arg, size_t argsz)
{
	/* A registered-ring index names an engine ring if this thread's engine table has it. */
	if ((flags & IORING_ENTER_REGISTERED_RING) ? ringer__engine_regring((unsigned)fd)
						   : ringer_is_engine_fd(fd))
		return ringer_enter(fd, to_submit, min_complete, flags, arg, argsz);
	return kernel_enter(fd, to_submit, min_complete, flags, arg, argsz);
}

/*
 * io_uring_register(-1, ...): the opcodes that need no ring (QUERY,
 * SEND_MSG_RING).  A message to an engine ring is the engine's to post; the
 * rest goes where the backend choice says, and to the engine when the kernel
 * refuses io_uring (auto), so that QUERY is answered by opcode either way.
 */
static int register_blind(unsigned opcode, const void *arg, unsigned nr_args)
{
	unsigned op = opcode & ~IORING_REGISTER_USE_REGISTERED_RING;
	enum ringer_backend b = ringer_get_backend();
	int ret;

	if (op == IORING_REGISTER_SEND_MSG_RING && arg && nr_args == 1) {
		struct io_uring_sqe sqe;

		if (!umem_read(&sqe, arg, sizeof(sqe)) && ringer_is_engine_fd(sqe.fd))
			return ringer_register(-1, opcode, arg, nr_args);
	}
	if (b == RINGER_BACKEND_USER && op != IORING_REGISTER_SEND_MSG_RING)
		return ringer_register(-1, opcode, arg, nr_args);
	ret = kernel_register(-1, opcode, arg, nr_args);
	if (b != RINGER_BACKEND_KERNEL && kernel_refuses(ret))
		ret = ringer_register(-1, opcode, arg, nr_args);
	return ret;
}

int ringer__register(int fd, unsigned opcode, const void *arg, unsigned nr_args)
{
	if ((opcode & IORING_REGISTER_USE_REGISTERED_RING) ? ringer__engine_regring((unsigned)fd)
							    : ringer_is_engine_fd(fd))
		return ringer_register(fd, opcode, arg, nr_args);
	if (fd == -1)
		return register_blind(opcode, arg, nr_args);
	return kernel_register(fd, opcode, arg, nr_args);
}

int ringer__close(int fd)
{
	int saved, ret;

	if (ringer_is_engine_fd(fd))
		return ringer_close(fd);
	saved = errno;
	ret = close(fd) ? -errno : 0;
	errno = saved;
	return ret;
}

int ringer_fd_backend(int ring_fd)
{
	char path[64], target[64];
	ssize_t len;
	int saved = errno;

	if (ringer_is_engine_fd(ring_fd))
		return RINGER_BACKEND_USER;
	if (ring_fd < 0)
		return -EBADF;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", ring_fd);
	len = readlink(path, target, sizeof(target) - 1);
	if (len < 0) {
		len = errno == ENOENT ? -EBADF : -errno;
		errno = saved;
		return (int)len;
	}
	target[len] = '\0';
	if (strcmp(target, "anon_inode:[io_uring]"))
		return -EOPNOTSUPP;
	return RINGER_BACKEND_KERNEL;
}

int ringer_ring_backend(const struct io_uring *ring)
{
	return ringer_fd_backend(ring->ring_fd);
}

int io_uring_setup(unsigned entries, struct io_uring_params *p)
{
	return ringer__setup(entries, p, ringer_get_backend());
}

int io_uring_enter2(unsigned fd, unsigned to_submit, unsigned min_complete, unsigned flags,
		    sigset_t *sig, size_t sz)
{
	return ringer__enter((int)fd, to_submit, min_complete, flags, sig, sz);
}

int io_uring_enter(unsigned fd, unsigned to_submit, unsigned min_complete, unsigned flags,
		   sigset_t *sig)
{
	return ringer__enter((int)fd, to_submit, min_complete, flags, sig, RINGER_SIGSET_SIZE);
}

int io_uring_register(unsigned fd, unsigned opcode, const void *arg, unsigned nr_args)
{
	return ringer__register((int)fd, opcode, arg, nr_args);
}
