/* SPDX-License-Identifier: MIT */
/*
 * Serving the three trapped io_uring calls: the shim's two backends (the
 * contract: lib/backend.h) and the library's backend policy, over the
 * shim's table of engine rings.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "engine/api.h"
#include "lib/backend.h"
#include "preload/preload.h"

/*
 * The shim's two backends (the contract: lib/backend.h).  Its kernel is
 * reached through the stub, the only call site the filter lets through; its
 * engine rings are handed to the program under numbers of the shim's
 * (ring_publish()), so only their setup differs from the library's engine.
 */
static int kernel_setup(unsigned entries, struct io_uring_params *p)
{
	long ret = sys(NR_SETUP, entries, (long)p, 0, 0, 0, 0);

	if (ret >= 0) {
		atomic_fetch_add_explicit(&n_kernel_rings, 1, memory_order_relaxed);
		if (shim_stats)
			say("ringer-preload: pid %d: kernel ring, fd %ld\n",
			    (int)sys(SYS_getpid, 0, 0, 0, 0, 0, 0), ret);
	} else if (shim_backend == RINGER_BACKEND_AUTO && ringer__kernel_refuses(ret)) {
		dbg("ringer-preload: kernel refused io_uring (%ld), using the engine\n", ret);
	}
	return (int)ret;
}

static int kernel_enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags,
			const void *arg, size_t argsz)
{
	return (int)sys(NR_ENTER, fd, to_submit, min_complete, flags, (long)arg, (long)argsz);
}

static int kernel_register(int fd, unsigned opcode, const void *arg, unsigned nr_args)
{
	return (int)sys(NR_REGISTER, fd, opcode, (long)arg, nr_args, 0, 0);
}

static int kernel_close(int fd)
{
	return (int)sys(SYS_close, fd, 0, 0, 0, 0, 0);
}

static uint64_t kernel_map_offset(int fd, uint64_t off)
{
	return off;
}

static void kernel_forget_fd(int fd)
{
}

static const struct ringer__backend shim_kernel = {
	.id = RINGER_BACKEND_KERNEL,
	.setup = kernel_setup,
	.enter = kernel_enter,
	.reg = kernel_register,
	.close = kernel_close,
	.map_offset = kernel_map_offset,
	.forget_fd = kernel_forget_fd,
};

/* Where the io_uring_setup being served on this thread was called from. */
static __thread uintptr_t setup_site __attribute__((tls_model("initial-exec")));

static int engine_setup(unsigned entries, struct io_uring_params *p)
{
	struct rlimit fsize;
	bool raised = false;
	/* (without NO_MMAP the engine refuses it, as the kernel does) */
	bool fd_only = p && (p->flags & IORING_SETUP_REGISTERED_FD_ONLY) &&
		       (p->flags & IORING_SETUP_NO_MMAP);
	long ret;

	/*
	 * Not under rings_lock: a sweep may tear rings down, and the engine's
	 * close(2) calls may be trapped (trap_ring_fd()), which must not
	 * happen with SIGSYS blocked.  Slots are claimed lock-free.
	 */
	rings_sweep();
	/*
	 * The ring file is sized sparse to the ABI's mmap offsets; a soft
	 * RLIMIT_FSIZE below that is lifted to the hard limit for the setup
	 * (the program's own writes are limited again right after).
	 */
	if (sys(SYS_prlimit64, 0, RLIMIT_FSIZE, 0, (long)&fsize, 0, 0) == 0 &&
	    fsize.rlim_cur != RLIM_INFINITY && fsize.rlim_cur < fsize.rlim_max) {
		struct rlimit up = { fsize.rlim_max, fsize.rlim_max };

		raised = sys(SYS_prlimit64, 0, RLIMIT_FSIZE, (long)&up, 0, 0, 0) == 0;
	}
	/*
	 * REGISTERED_FD_ONLY: the registered ring table is the shim's
	 * (regring_get()), not the engine's: the engine makes a ring with an
	 * fd, which goes into the shim's table (ring_publish_fd_only()).
	 */
	if (fd_only)
		p->flags &= ~IORING_SETUP_REGISTERED_FD_ONLY;
	if (p && (p->flags & IORING_SETUP_ATTACH_WQ)) {
		/* The ring to share with is named by the program's fd; the engine knows its own. */
		bool inherited;
		int wq_fd = (int)p->wq_fd;
		struct ring *r = ring_lookup(wq_fd, &inherited);

		if (r)
			p->wq_fd = (__u32)r->eng_fd;
		ret = ringer_setup(entries, p);
		p->wq_fd = (__u32)wq_fd;
		if (r)
			slot_put(r);
	} else {
		ret = ringer_setup(entries, p);
	}
	if (fd_only)
		p->flags |= IORING_SETUP_REGISTERED_FD_ONLY;
	if (raised)
		sys(SYS_prlimit64, 0, RLIMIT_FSIZE, (long)&fsize, 0, 0, 0);
	if (ret < 0)
		return (int)ret;
	ret = ring_publish((int)ret, setup_site);
	if (ret >= 0 && fd_only)
		ret = ring_publish_fd_only((int)ret);
	if (ret >= 0) {
		atomic_fetch_add_explicit(&n_engine_rings, 1, memory_order_relaxed);
		if (shim_stats)
			say("ringer-preload: pid %d: engine ring, fd %ld\n",
			    (int)sys(SYS_getpid, 0, 0, 0, 0, 0, 0), ret);
	}
	return (int)ret;
}

/* Calls other than setup take the engine's own fd (struct ring's eng_fd). */
static const struct ringer__backend shim_engine = {
	.id = RINGER_BACKEND_USER,
	.setup = engine_setup,
	.enter = ringer_enter,
	.reg = ringer_register,
	.close = ringer_close,
	.map_offset = engine_map_offset,
	.forget_fd = engine_forget_fd,
};

long do_setup(long entries, long params, uintptr_t site)
{
	setup_site = site;
	return ringer__policy_setup(shim_backend, &shim_kernel, &shim_engine, (unsigned)entries,
				    (struct io_uring_params *)params);
}

/*
 * A call on something that is not an engine ring went to the kernel, and the
 * kernel refuses io_uring altogether (a container profile, the sysctl).  On
 * the engine's side the program sees one coherent io_uring: answer as it
 * would for a descriptor that is not a ring.
 */
static long not_a_ring(long ret, long fd, bool by_index)
{
	/*
	 * An index of this thread's table with no engine ring: the kernel
	 * has no table for a task that never registered a kernel ring
	 * (-EINVAL), but this one has registered engine rings, as the
	 * task would have on the kernel: an empty entry is -EBADF there.
	 */
	if (by_index && (unsigned long)fd < 16 && regrings_in_use() &&
	    (ret == -EINVAL || ringer__kernel_refuses(ret)))
		return -EBADF;
	if (shim_backend == RINGER_BACKEND_KERNEL || !ringer__kernel_refuses(ret))
		return ret;
	if (by_index) /* no registered-ring table */
		return -EINVAL;
	if (sys(SYS_fcntl, fd, F_GETFD, 0, 0, 0, 0) < 0)
		return -EBADF;
	return -EOPNOTSUPP;
}

long do_enter(long fd, long to_submit, long min_complete, long flags, long arg, long argsz)
{
	struct io_uring_getevents_arg ea;
	struct ring *r;
	bool inherited;
	uint64_t buf;
	long ret;

	arg = enter_arg(flags, arg, argsz, &ea, &buf);
	if (shim_backend != RINGER_BACKEND_KERNEL && (flags & IORING_ENTER_REGISTERED_RING)) {
		r = regring_get((unsigned)fd);
		if (r) {
			ret = shim_engine.enter(r->eng_fd, (unsigned)to_submit, (unsigned)min_complete,
					   (unsigned)flags & ~IORING_ENTER_REGISTERED_RING,
					   (const void *)arg, (size_t)argsz);
			slot_put(r);
			return ret;
		}
	} else if (shim_backend != RINGER_BACKEND_KERNEL) {
		r = ring_lookup((int)fd, &inherited);
		/* an ancestor's ring the engine cannot run here: it says
		 * -EEXIST or -EBADFD where the kernel's answer follows from
		 * the ring, else -EOPNOTSUPP (engine/ring.c) */
		if (inherited) {
			int eng_fd = ring_inherited_eng_fd((int)fd);

			return eng_fd < 0 ? -EOPNOTSUPP :
					    shim_engine.enter(eng_fd, (unsigned)to_submit,
							      (unsigned)min_complete,
							      (unsigned)flags, NULL, 0);
		}
		if (r) {
			ret = shim_engine.enter(r->eng_fd, (unsigned)to_submit, (unsigned)min_complete,
					   (unsigned)flags, (const void *)arg, (size_t)argsz);
			slot_put(r);
			return ret;
		}
	}
	ret = shim_kernel.enter((int)fd, (unsigned)to_submit, (unsigned)min_complete,
			       (unsigned)flags, (const void *)arg, (size_t)argsz);
	return not_a_ring(ret, fd, flags & IORING_ENTER_REGISTERED_RING);
}

/*
 * io_uring_register(-1, ...): the opcodes that need no ring.  A message
 * (SEND_MSG_RING) to an engine ring is posted by the engine, to the ring
 * behind the program's fd; the rest goes where the policy says.
 */
static long register_blind(long opcode, long arg, long nr_args)
{
	unsigned op = (unsigned)opcode & ~IORING_REGISTER_USE_REGISTERED_RING;
	long ret;

	if (op == IORING_REGISTER_SEND_MSG_RING && arg && nr_args == 1) {
		struct io_uring_sqe sqe;
		bool inherited;
		struct ring *r = NULL;

		if (!umem_read(&sqe, (const void *)arg, sizeof(sqe)))
			r = ring_lookup(sqe.fd, &inherited);
		if (r) {
			sqe.fd = r->eng_fd;
			ret = shim_engine.reg(-1, (unsigned)opcode, &sqe, 1);
			slot_put(r);
			return ret;
		}
	}
	return ringer__policy_register_blind(shim_backend, &shim_kernel, &shim_engine, (unsigned)opcode,
					     (const void *)arg, (unsigned)nr_args);
}

long do_register(long fd, long opcode, long arg, long nr_args)
{
	struct ring *r;
	bool inherited;
	long ret;

	if (shim_backend == RINGER_BACKEND_KERNEL)
		return shim_kernel.reg((int)fd, (unsigned)opcode, (const void *)arg,
				       (unsigned)nr_args);
	if ((int)fd == -1)
		return register_blind(opcode, arg, nr_args);
	if (opcode & IORING_REGISTER_USE_REGISTERED_RING) {
		r = regring_get((unsigned)fd);
		opcode &= ~(long)IORING_REGISTER_USE_REGISTERED_RING;
		if (!r) {
			ret = shim_kernel.reg((int)fd,
					      (unsigned)opcode | IORING_REGISTER_USE_REGISTERED_RING,
					      (const void *)arg, (unsigned)nr_args);
			return not_a_ring(ret, fd, true);
		}
	} else {
		r = ring_lookup((int)fd, &inherited);
		if (inherited)
			return -EOPNOTSUPP;
	}
	if (r) {
		if (opcode == IORING_REGISTER_RING_FDS)
			ret = ringfds_register((const void *)arg, (unsigned)nr_args);
		else if (opcode == IORING_UNREGISTER_RING_FDS)
			ret = ringfds_unregister((const void *)arg, (unsigned)nr_args);
		else
			ret = shim_engine.reg(r->eng_fd, (unsigned)opcode, (const void *)arg,
					      (unsigned)nr_args);
		slot_put(r);
		return ret;
	}
	ret = shim_kernel.reg((int)fd, (unsigned)opcode, (const void *)arg, (unsigned)nr_args);
	return not_a_ring(ret, fd, false);
}

