/* SPDX-License-Identifier: MIT */
/*
 * The user engine as the library (src/lib) and the preload shim
 * (src/preload) see it: the only engine header they include.  Everything
 * else under src/engine is the engine's own.
 *
 * The three io_uring entry points and the close of a ring are public
 * (ringer_setup, ringer_enter, ringer_register, ringer_close and
 * ringer_is_engine_fd in include/ringer.h); what follows are the engine's
 * answers to the questions only its users ask.
 */
#ifndef RINGER_ENGINE_API_H
#define RINGER_ENGINE_API_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ringer.h"

/*
 * Where a region of an engine ring lives in its ring file.  Normally at the
 * ABI's own offsets (IORING_OFF_SQ_RING, _CQ_RING, _SQES), so a plain mmap(2)
 * works.  When RLIMIT_FSIZE is too small for the sparse 256 MiB file the
 * engine packs the regions at the start of the file instead ("compact"
 * ring): code that maps engine rings passes the mmap offset through here; a
 * program doing its own mmap at the ABI offsets of a compact ring would
 * fault (SIGBUS) on access.  off itself if fd is not an engine ring.
 */
uint64_t engine_map_offset(int fd, uint64_t off);

/*
 * An mmap(2) of fd at off, as the kernel validates it: 0 if fd names no
 * engine ring (map as asked); 1 with *file_off the file offset of the region
 * off names (the low bits of off are ignored, as the kernel ignores them);
 * -ENOMEM for a region the ring does not have.  fd may be an alias
 * (engine_alias_fd()).  The SQ and CQ rings are one region: an mmap at
 * IORING_OFF_CQ_RING shows the memory the one at IORING_OFF_SQ_RING does.
 * A buffer ring the engine allocated (IOU_PBUF_RING_MMAP, at
 * IORING_OFF_PBUF_RING | bgid << IORING_OFF_PBUF_SHIFT) lives in a file of
 * its own: then *map_fd is a new fd to map instead of fd, which the caller
 * closes after the mmap (else *map_fd is -1).  -EPERM if prot asks for
 * PROT_EXEC on a region the ring has: the kernel's ring file is on a noexec
 * mount (*map_fd is -1 then).
 */
int engine_ring_map_offset(int fd, uint64_t off, int prot, uint64_t *file_off, int *map_fd);

/*
 * True in the engine's own threads (workers, reactor, SQ poller, AIO reaper,
 * futex helpers: engine_thread_create()).  The shim passes the calls it
 * traps there straight to the kernel: they are the engine's, never the
 * program's close, read or write of a ring (preload/fdtrap.c).
 */
bool engine_own_thread(void);

/*
 * Set once the process has made its first engine ring (ringer_setup()),
 * before that ring's fd is returned: until then no fd names a ring, and the
 * mmap wrapper need not ask.  Relaxed: a thread maps an fd it got after it
 * was made, through whatever handed it the fd.
 */
extern _Atomic bool engine_rings_made;

/*
 * libc's mmap(2) with a file offset, past the ring-offset wrapper
 * (lib/mmapwrap.c): for the engine's own mappings (sys.c) and the library's,
 * which pass file offsets (a stale ring kept under a reused number must not
 * translate them again).
 */
void *ringer__mmap_file(void *addr, size_t len, int prot, int flags, int fd, off_t off);

/*
 * fd was closed behind the engine's back (a raw close, no ringer_close())
 * and its number now names something else, e.g. a kernel ring: drop the
 * stale engine ring kept under it, so calls on the number stop reaching it.
 */
void engine_forget_fd(int fd);

/* Does this thread's registered-ring table (REGISTER_RING_FDS) hold idx? */
bool ringer__engine_regring(unsigned idx);

/*
 * The preload shim's number for the ring at ring_fd: the program knows the
 * ring by alias, and poll calls on alias find the ring (checked by the ring
 * file's identity, so a closed and reused alias is not taken for it).
 */
void engine_alias_fd(int ring_fd, int alias);

/*
 * Poll calls on ring fds (src/lib/pollwrap.c): the eventfd standing for the
 * ring that fd (its own number or an alias) names, or -1 if none; and the
 * refresh of every ring's readiness before a wait (a CQ the program emptied
 * in user space is no longer readable).
 */
int engine_poll_fd(int fd);
void engine_poll_refresh_all(void);

/* A copy from memory the program named: 0, or -EFAULT instead of a fault. */
int umem_read(void *dst, const void *src, size_t len);

#endif /* RINGER_ENGINE_API_H */
