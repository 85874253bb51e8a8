/* SPDX-License-Identifier: MIT */
/*
 * mmap(2) of an engine ring's fd.  The ring file is a memfd, which cannot
 * show the rings' one region (IORING_FEAT_SINGLE_MMAP) at both
 * IORING_OFF_SQ_RING and IORING_OFF_CQ_RING; and the kernel maps a region
 * from its start whatever the offset's low bits, and refuses an offset
 * naming no region with ENOMEM.  This wrapper, exported by libringer and by
 * the preload shim, maps the region the offset names
 * (engine_ring_map_offset()), or the file of a buffer ring the engine
 * allocated (IOU_PBUF_RING_MMAP).  Other mappings cost a table lookup (a
 * file-backed one) or nothing (an anonymous one) and go on unchanged.
 *
 * Not covered here: raw mmap system calls (the preload shim traps those on
 * its ring numbers, src/preload/fdtrap.c; a program linked with libringer
 * that calls syscall(SYS_mmap) itself on a ring fd maps the memfd as it is).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/api.h"

#define WRAP __attribute__((visibility("default")))

/*
 * Not instrumented by sanitizers (CMakeLists.txt): a sanitizer runtime maps
 * memory through mmap() while it initializes, before instrumented code may
 * run; so it is called here, and this file must not enter the runtime.  Until
 * the process has made an engine ring, no fd can name one and a mapping goes
 * straight on without calling into the (instrumented) engine.
 */

typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);
static _Atomic(mmap_fn) next_mmap;
/*
 * The process's mmap() when it is not this wrapper: an interposer loaded
 * ahead of us, e.g. ThreadSanitizer's interceptor, which must see every
 * mapping (it resets the shadow of the range; a ring mapped at an address
 * another ring had before would otherwise show that ring's accesses as
 * races).  It calls on to this wrapper, which then must not translate again.
 */
static _Atomic(mmap_fn) first_mmap;
static __thread bool passing_through __attribute__((tls_model("initial-exec")));

/* Looked up at load: the shim's SIGSYS handler maps rings, where dlsym() must not run. */
__attribute__((constructor)) static void mmapwrap_init(void)
{
	mmap_fn first = (mmap_fn)dlsym(RTLD_DEFAULT, "mmap");
	Dl_info theirs, ours;

	if (!next_mmap)
		next_mmap = (mmap_fn)dlsym(RTLD_NEXT, "mmap");
	/* by object, not address: inside this library "mmap" may name the first too */
	if (first && dladdr((void *)first, &theirs) && dladdr((void *)mmapwrap_init, &ours) &&
	    theirs.dli_fbase != ours.dli_fbase)
		first_mmap = first;
}

void *ringer__mmap_file(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	mmap_fn f = next_mmap, first = first_mmap;
	void *p;

	if (first && !passing_through) {
		passing_through = true;
		p = first(addr, len, prot, flags, fd, off);
		passing_through = false;
		return p;
	}
	if (!f)
		return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
	return f(addr, len, prot, flags, fd, off);
}

WRAP void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	uint64_t file_off;
	int ret, map_fd = -1, saved;
	void *p;

	if (!(flags & MAP_ANONYMOUS) && fd >= 0 && !passing_through &&
	    atomic_load_explicit(&engine_rings_made, memory_order_relaxed)) {
		ret = engine_ring_map_offset(fd, (uint64_t)off, prot, &file_off, &map_fd);
		if (ret < 0) {
			errno = -ret;
			return MAP_FAILED;
		}
		if (ret > 0)
			off = (off_t)file_off;
	}
	if (map_fd < 0)
		return ringer__mmap_file(addr, len, prot, flags, fd, off);
	/* a buffer ring's own file; raw close: libc's may be a wrapper of ours */
	p = ringer__mmap_file(addr, len, prot, flags, map_fd, off);
	saved = errno;
	syscall(SYS_close, map_fd);
	errno = saved;
	return p;
}

WRAP void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}
