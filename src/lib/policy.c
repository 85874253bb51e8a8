/* SPDX-License-Identifier: MIT */
/*
 * The backend policy, one for the library and the preload shim: which
 * backend a new ring goes to (RINGER_BACKEND, ringer_set_backend()), and
 * auto's fallback to the engine where the kernel refuses io_uring.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/backend.h"

/* -1: no override, read RINGER_BACKEND. */
static _Atomic int backend_override = -1;

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

enum ringer_backend ringer__backend_from_env(void)
{
	static _Atomic int warned;
	const char *env = getenv("RINGER_BACKEND");
	const char *faults = getenv("RINGER_FAULTS");

	/* fault injection is the engine's: auto means the engine then */
	if ((!env || !*env || !strcmp(env, "auto")) && faults && *faults)
		return RINGER_BACKEND_USER;
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

enum ringer_backend ringer_get_backend(void)
{
	int override = atomic_load_explicit(&backend_override, memory_order_relaxed);

	if (override >= 0)
		return (enum ringer_backend)override;
	return ringer__backend_from_env();
}

bool ringer__kernel_refuses(long err)
{
	return err == -ENOSYS || err == -EPERM || err == -EACCES;
}

int ringer__policy_setup(enum ringer_backend choice, const struct ringer__backend *kernel,
			 const struct ringer__backend *engine, unsigned entries,
			 struct io_uring_params *p)
{
	int ret;

	switch (choice) {
	case RINGER_BACKEND_KERNEL:
	case RINGER_BACKEND_AUTO:
		ret = kernel->setup(entries, p);
		if (ret >= 0)
			engine->forget_fd(ret);
		if (choice == RINGER_BACKEND_KERNEL || !ringer__kernel_refuses(ret))
			return ret;
		return engine->setup(entries, p);
	case RINGER_BACKEND_USER:
		return engine->setup(entries, p);
	}
	return -EINVAL;
}

int ringer__policy_register_blind(enum ringer_backend choice,
				  const struct ringer__backend *kernel,
				  const struct ringer__backend *engine, unsigned opcode,
				  const void *arg, unsigned nr_args)
{
	unsigned op = opcode & ~IORING_REGISTER_USE_REGISTERED_RING;
	int ret;

	if (choice == RINGER_BACKEND_USER && op != IORING_REGISTER_SEND_MSG_RING)
		return engine->reg(-1, opcode, arg, nr_args);
	ret = kernel->reg(-1, opcode, arg, nr_args);
	if (choice != RINGER_BACKEND_KERNEL && ringer__kernel_refuses(ret))
		ret = engine->reg(-1, opcode, arg, nr_args);
	return ret;
}
