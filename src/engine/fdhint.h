/* SPDX-License-Identifier: MIT */
/*
 * Per-fd path hint (fdhint.c): what the engine last learnt about an fd
 * number, to choose the path of a read or write without a system call.
 * Asked by every read and write at submission: the common answers are
 * inline here, learning one is fdhint.c's.
 */
#ifndef RINGER_ENGINE_FDHINT_H
#define RINGER_ENGINE_FDHINT_H

#include <stdatomic.h>
#include <stdbool.h>

#include "engine/engine.h"

#define FDHINT_REG 0x40 /* a regular file or block device: native AIO takes it */
#define FDHINT_DIRECT 0x20 /* O_DIRECT: completes later, not inside io_submit */

#define FDHINT_FDS 65536
#define FDHINT_KNOWN 0x80 /* learnt: the other bits say what */
#define FDHINT_FAILS 0x1f /* a streak of nonblocking attempts that failed */

/* per fd number: FDHINT_* bits */
extern _Atomic unsigned char fdhint_table[FDHINT_FDS];
/* the thread's AIO requests, modulo 256 (fdhint_tick()) */
extern _Thread_local unsigned char fdhint_ticks ENGINE_TLS;

/* fd's hint is not known: learn it (fstat, F_GETFL) */
unsigned char fdhint_learn(int fd);
/* the thread's 256th AIO request, on fd whose hint h said FDHINT_REG */
unsigned char fdhint_relearn(int fd, unsigned char h);

/* the hint (FDHINT_* bits, and a failure streak), learnt now if unknown */
static inline unsigned char fdhint_get(int fd)
{
	unsigned char h;

	if ((unsigned)fd >= FDHINT_FDS)
		return 0;
	h = atomic_load_explicit(&fdhint_table[fd], memory_order_relaxed);
	return (h & FDHINT_KNOWN) ? h : fdhint_learn(fd);
}

/* one more AIO request on fd, whose hint h said FDHINT_REG: the hint to go
 * on with (learnt again every 256 requests of the thread) */
static inline unsigned char fdhint_tick(int fd, unsigned char h)
{
	if (++fdhint_ticks)
		return h;
	return fdhint_relearn(fd, h);
}

/* a request found the fd's type (fstat): keep it for the next */
void fdhint_set_reg(int fd, bool reg);
/* h = fdhint_get(fd): the nonblocking attempt would block again, skip it */
bool fdhint_skip(int fd, unsigned char h);

/* a nonblocking attempt on fd would have blocked (failed) or went through */
static inline void fdhint_nowait_result(int fd, bool failed)
{
	unsigned char h, n;

	if ((unsigned)fd >= FDHINT_FDS)
		return;
	h = atomic_load_explicit(&fdhint_table[fd], memory_order_relaxed);
	if (failed)
		n = (h & FDHINT_FAILS) < FDHINT_FAILS ? h + 1 : h;
	else
		n = h & ~FDHINT_FAILS;
	if (n != h)
		atomic_store_explicit(&fdhint_table[fd], n, memory_order_relaxed);
}

#endif /* RINGER_ENGINE_FDHINT_H */
