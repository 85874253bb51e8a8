/* SPDX-License-Identifier: MIT */
/*
 * Where a region of an engine ring lives in its ring file.  Normally at the
 * ABI's own offsets (IORING_OFF_SQ_RING, _CQ_RING, _SQES), so a plain mmap(2)
 * works.  When RLIMIT_FSIZE is too small for the sparse 256 MiB file the
 * engine packs the regions at the start of the file instead ("compact"
 * ring); a plain mmap at the ABI offsets would then fault (SIGBUS), so the
 * engine does that only for callers that map through engine_map_offset()
 * (engine_setup_mapped()); otherwise such a setup fails with -ENOMEM.
 */
#ifndef RINGER_ENGINE_MAP_H
#define RINGER_ENGINE_MAP_H

#include <stdint.h>

#include "ringer/io_uring.h"

/*
 * ringer_setup() for callers that map the rings only through
 * engine_map_offset() (the library's queue_init): a compact ring is fine.
 */
int engine_setup_mapped(unsigned entries, struct io_uring_params *p);

/* The file offset to mmap for ABI offset off of engine ring fd (off itself if not a ring). */
uint64_t engine_map_offset(int fd, uint64_t off);

#endif /* RINGER_ENGINE_MAP_H */
