/* SPDX-License-Identifier: MIT */
/*
 * The shim's file name, and whether an LD_PRELOAD value names it: for the
 * shim (which keeps itself in the environment across exec) and for
 * ringer-trace (which puts it there), so both read LD_PRELOAD alike.
 */
#ifndef RINGER_PRELOAD_SHIM_NAME_H
#define RINGER_PRELOAD_SHIM_NAME_H

#include <stdbool.h>
#include <string.h>

#define SHIM_NAME "libringer-preload.so"

/* Does an LD_PRELOAD value (':' or ' ' separated; NULL: none) name the
 * shim, by the base name of one of its entries? */
static inline bool names_shim(const char *v)
{
	size_t n = strlen(SHIM_NAME);

	while (v && *v) {
		const char *end = v + strcspn(v, ": ");
		const char *base = end;

		while (base > v && base[-1] != '/')
			base--;
		if ((size_t)(end - base) == n && !memcmp(base, SHIM_NAME, n))
			return true;
		v = *end ? end + 1 : end;
	}
	return false;
}

#endif /* RINGER_PRELOAD_SHIM_NAME_H */
