/* SPDX-License-Identifier: MIT */
/*
 * Where a region of an engine ring lives in its ring file.  Normally at the
 * ABI's own offsets (IORING_OFF_SQ_RING, _CQ_RING, _SQES), so a plain mmap(2)
 * works.  When RLIMIT_FSIZE is too small for the sparse 256 MiB file the
 * engine packs the regions at the start of the file instead ("compact"
 * ring): code that maps engine rings (the library, the preload shim) passes
 * the mmap offset through engine_map_offset(); a program doing its own mmap
 * at the ABI offsets of a compact ring would fault (SIGBUS) on access.
 */
#ifndef RINGER_ENGINE_MAP_H
#define RINGER_ENGINE_MAP_H

#include <stdint.h>

/* The file offset to mmap for ABI offset off of engine ring fd (off itself if not a ring). */
uint64_t engine_map_offset(int fd, uint64_t off);

#endif /* RINGER_ENGINE_MAP_H */
