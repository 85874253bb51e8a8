/* SPDX-License-Identifier: MIT */
/*
 * The backend contract: what the library and the preload shim ask of an
 * io_uring executor, and the one policy that chooses between the two.
 *
 * A backend is the kernel's io_uring or the user engine.  Both speak the same
 * ABI, so they differ only in the entry points below; everything above them
 * (ring mapping, SQ/CQ handling, liburing's API) is one code path.  The
 * library has one instance of each (ringer__kernel, ringer__engine, in
 * backend.c); the shim has its own two (src/preload/serve.c), because its
 * kernel calls go through its seccomp-allowed stub and its engine rings are
 * known to the program under numbers of the shim's.  The policy (policy.c)
 * takes the pair it is given, so both follow the same rules.
 */
#ifndef RINGER_LIB_BACKEND_H
#define RINGER_LIB_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ringer.h"

struct ringer__backend {
	enum ringer_backend id; /* RINGER_BACKEND_KERNEL or RINGER_BACKEND_USER */
	/* io_uring_setup(2): a ring fd, or -errno */
	int (*setup)(unsigned entries, struct io_uring_params *p);
	/* io_uring_enter(2) and io_uring_register(2) on a ring of this backend
	 * (fd -1 for register: the opcodes that need no ring) */
	int (*enter)(int fd, unsigned to_submit, unsigned min_complete, unsigned flags,
		     const void *arg, size_t argsz);
	int (*reg)(int fd, unsigned opcode, const void *arg, unsigned nr_args);
	/* let go of the ring: 0 or -errno, errno untouched */
	int (*close)(int fd);
	/* the file offset at which to mmap(2) the region at ABI offset off */
	uint64_t (*map_offset)(int fd, uint64_t off);
	/* the number fd now names a ring of the other backend: drop whatever
	 * this backend still keeps under it (a ring closed behind its back) */
	void (*forget_fd)(int fd);
};

/* The library's instances (backend.c). */
extern const struct ringer__backend ringer__kernel, ringer__engine;

/* The library's backend for a ring fd, or (REGISTERED_RING) a registered index. */
const struct ringer__backend *ringer__backend_of_fd(int fd);
const struct ringer__backend *ringer__backend_of_index(unsigned idx);

/* --- the policy (policy.c) ------------------------------------------------ */

/*
 * RINGER_BACKEND: "auto", "kernel" or "user"; unset or empty is auto; any
 * other value is auto after one warning on stderr (per process).
 */
enum ringer_backend ringer__backend_from_env(void);

/*
 * The errors with which a kernel refuses io_uring itself, rather than the
 * request: -ENOSYS (no io_uring system calls), -EPERM (the
 * kernel.io_uring_disabled sysctl, a seccomp profile), -EACCES.  auto falls
 * back to the engine on these, and only on these.
 */
bool ringer__kernel_refuses(long err);

/*
 * io_uring_setup on the backend choice names: kernel and user go where they
 * say; auto asks the kernel and, if it refuses io_uring, the engine.  A ring
 * fd the kernel hands out may be a number under which the engine still
 * keeps a ring the program closed behind its back: the engine forgets it.
 */
int ringer__policy_setup(enum ringer_backend choice, const struct ringer__backend *kernel,
			 const struct ringer__backend *engine, unsigned entries,
			 struct io_uring_params *p);

/*
 * io_uring_register(-1, ...), the opcodes that need no ring (QUERY,
 * SEND_MSG_RING), once the caller has sent a message to one of the engine's
 * rings to the engine: the rest goes to the kernel, but to the engine under
 * choice user (a message to a kernel ring always goes to the kernel), and
 * to the engine when the kernel refuses io_uring (not under choice kernel).
 * QUERY is so answered by opcode whichever backend serves the program.
 */
int ringer__policy_register_blind(enum ringer_backend choice,
				  const struct ringer__backend *kernel,
				  const struct ringer__backend *engine, unsigned opcode,
				  const void *arg, unsigned nr_args);

#endif /* RINGER_LIB_BACKEND_H */
