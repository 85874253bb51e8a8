// SPDX-License-Identifier: MIT
#include <fcntl.h>
#include <stdatomic.h>
#include <sys/stat.h>

#include "engine/engine.h"
#include "engine/fdhint.h"
#include "engine/sys.h"

/*
 * The per-fd path hint: whether the fd is a regular file or block device
 * (native AIO takes its reads and writes), whether it is O_DIRECT (its iocbs signal
 * the reaper's eventfd), and a streak of RWF_NOWAIT attempts that would have
 * blocked (skip them for a while).  Learnt with fstat and F_GETFL when the fd
 * is first seen, and again now and then (fdhint_tick()); corrected
 * when a request shows the fd is a pipe or socket.  It only chooses the
 * path: every AIO iocb carries RWF_NOWAIT and what AIO cannot do right goes
 * the other way, so a stale hint after an fd number is reused costs time,
 * never a wrong result; an O_DIRECT completion under a stale buffered hint
 * is posted by a waiter, the next submitter or the reaper's timeout (aio.c).
 */
#define HINT_SKIP_AT 8
_Atomic unsigned char fdhint_table[FDHINT_FDS];

static bool st_is_reg(const struct stat *st)
{
	return S_ISREG(st->st_mode) || S_ISBLK(st->st_mode);
}

/* what fstat and F_GETFL say about fd now */
static unsigned char learn(int fd)
{
	unsigned char h = FDHINT_KNOWN;
	struct stat st;

	if (sys_fstat(fd, &st) == 0 && st_is_reg(&st)) {
		int fl = sys_fcntl(fd, F_GETFL, 0);

		h |= FDHINT_REG;
		if (fl < 0 || (fl & O_DIRECT))
			h |= FDHINT_DIRECT;
	}
	return h;
}

unsigned char fdhint_learn(int fd)
{
	unsigned char h = learn(fd);

	atomic_store_explicit(&fdhint_table[fd], h, memory_order_relaxed);
	return h;
}

/*
 * Every 256 AIO requests a thread makes, the fd of the 256th is learnt
 * again: whether it is O_DIRECT only shows through F_GETFL, and an fd number
 * reused (or F_SETFL) between a buffered and an O_DIRECT file would
 * otherwise keep the old answer.  Two system calls per 256 requests; an fd
 * gets its share of them in proportion to its share of the requests.  The
 * count is the thread's, and the hint is written only when it changed:
 * threads reading one fd (one hint byte) through rings of their own would
 * otherwise pass its cache line back and forth with every request.
 */
_Thread_local unsigned char fdhint_ticks ENGINE_TLS;

unsigned char fdhint_relearn(int fd, unsigned char h)
{
	unsigned char n = learn(fd);

	/* a new look starts the failure streak again */
	if (n != h)
		atomic_store_explicit(&fdhint_table[fd], n, memory_order_relaxed);
	return n;
}

/* the type of the fd was found by a request (fstat): keep it for the next */
void fdhint_set_reg(int fd, bool reg)
{
	unsigned char h, n;

	if (fd < 0 || fd >= FDHINT_FDS)
		return;
	h = atomic_load_explicit(&fdhint_table[fd], memory_order_relaxed);
	n = (unsigned char)(FDHINT_KNOWN | (reg ? FDHINT_REG | (h & FDHINT_DIRECT) : 0) |
			    (h & FDHINT_FAILS));
	if (n != h)
		atomic_store_explicit(&fdhint_table[fd], n, memory_order_relaxed);
}

/* a failure streak: skip the nonblocking attempt, but retry it once decayed */
bool fdhint_skip(int fd, unsigned char h)
{
	if ((h & FDHINT_FAILS) < HINT_SKIP_AT)
		return false;
	atomic_store_explicit(&fdhint_table[fd], h - 1, memory_order_relaxed);
	return true;
}
