/* SPDX-License-Identifier: MIT */
/*
 * The seam: io_uring's three entry points and the close of a ring,
 * dispatched to the backend that owns the ring (backend.c): a ring fd the
 * engine owns goes to the engine, any other fd to the kernel.  Setup goes
 * where the backend policy says (policy.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/api.h"
#include "lib/backend.h"
#include "lib/lib.h"

int ringer__setup(unsigned entries, struct io_uring_params *p, enum ringer_backend backend)
{
	return ringer__policy_setup(backend, &ringer__kernel, &ringer__engine, entries, p);
}

int ringer__enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags,
		  const void *arg, size_t argsz)
{
	/* A registered-ring index names an engine ring if this thread's engine table has it. */
	const struct ringer__backend *b = (flags & IORING_ENTER_REGISTERED_RING)
						  ? ringer__backend_of_index((unsigned)fd)
						  : ringer__backend_of_fd(fd);

	return b->enter(fd, to_submit, min_complete, flags, arg, argsz);
}

int ringer__register(int fd, unsigned opcode, const void *arg, unsigned nr_args)
{
	const struct ringer__backend *b = (opcode & IORING_REGISTER_USE_REGISTERED_RING)
						  ? ringer__backend_of_index((unsigned)fd)
						  : ringer__backend_of_fd(fd);
	struct io_uring_sqe sqe;

	if (b != &ringer__kernel || fd != -1)
		return b->reg(fd, opcode, arg, nr_args);
	/* A message to an engine ring is the engine's to post, whatever the choice. */
	if ((opcode & ~IORING_REGISTER_USE_REGISTERED_RING) == IORING_REGISTER_SEND_MSG_RING &&
	    arg && nr_args == 1 && !umem_read(&sqe, arg, sizeof(sqe)) &&
	    ringer_is_engine_fd(sqe.fd))
		return ringer__engine.reg(-1, opcode, arg, nr_args);
	return ringer__policy_register_blind(ringer_get_backend(), &ringer__kernel,
					     &ringer__engine, opcode, arg, nr_args);
}

int ringer__close(int fd)
{
	return ringer__backend_of_fd(fd)->close(fd);
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

enum ringer_backend ringer_ring_backend(const struct io_uring *ring)
{
	return (enum ringer_backend)ringer_fd_backend(ring->ring_fd);
}

int io_uring_setup(unsigned entries, struct io_uring_params *p)
{
	return ringer__setup(entries, p, ringer_get_backend());
}

int io_uring_enter2(unsigned fd, unsigned to_submit, unsigned min_complete, unsigned flags,
		    void *arg, size_t sz)
{
	return ringer__enter((int)fd, to_submit, min_complete, flags, arg, sz);
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
