/* SPDX-License-Identifier: MIT */
/*
 * Fault injection into the user engine.
 *
 * Every system call the engine makes goes through one table (src/engine/sys.c),
 * one named slot per call ("preadv2", "pwritev2", "fsync", "poll", ...; see
 * ringer_fault_name()).  A test arms a slot so that the engine's next calls of
 * that name fail with a chosen errno, or transfer fewer bytes than asked, and
 * then checks that the engine reacts as the kernel would: an -EINTR is retried,
 * an -EAGAIN sends the request to the worker pool or the readiness reactor,
 * any other error (-EIO, ...) is reported in the CQE, and a short transfer on
 * a regular file is continued up to the full length or EOF.
 *
 * Faults are process-wide and affect every engine ring and thread.  Only the
 * engine's calls are affected; the application's own calls never are.
 *
 * Reads and writes on regular files go through native AIO ("io_submit",
 * "io_getevents") unless a fault is armed on another slot: then the engine
 * makes them with preadv2/pwritev2, where such a fault applies.
 */
#ifndef RINGER_FAULT_H
#define RINGER_FAULT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef RINGER_API
#define RINGER_API __attribute__((visibility("default")))
#endif

/* count value: affect every matching call until ringer_fault_reset() */
#define RINGER_FAULT_ALWAYS (-1)

struct ringer_fault {
	/*
	 * > 0: the call fails with this errno (EIO, EINTR, EAGAIN, ...) without
	 * being made.  0: the call is made, but a read/write-family call
	 * (preadv2, pwritev2, read, write) transfers at most max_bytes.
	 */
	int error;
	size_t max_bytes;
	/* let this many matching calls through untouched first */
	unsigned skip;
	/* then affect this many calls (RINGER_FAULT_ALWAYS: all of them) */
	int count;
};

/*
 * Arm the slot named call.  0, -ENOENT for an unknown name, -EINVAL for a
 * bad fault (error < 0, count 0 or < -1, max_bytes on a call that moves no
 * data).  Re-arming a slot replaces its fault.
 */
RINGER_API int ringer_fault_set(const char *call, const struct ringer_fault *fault);

/* Shorthands: fail the next count calls with -error; cut them to max_bytes. */
RINGER_API int ringer_fault_error(const char *call, int error, int count);
RINGER_API int ringer_fault_short(const char *call, size_t max_bytes, int count);

/* Disarm every slot and zero the counters. */
RINGER_API void ringer_fault_reset(void);

/* How many calls of this name a fault has hit since the last reset (-ENOENT). */
RINGER_API long ringer_fault_hits(const char *call);

/*
 * How many calls of this name the engine made while any slot was armed (the
 * counting costs nothing when no fault is armed), since the last reset.
 */
RINGER_API long ringer_fault_calls(const char *call);

/* The name of slot i, NULL past the last one (to list the table). */
RINGER_API const char *ringer_fault_name(unsigned i);

#ifdef __cplusplus
}
#endif

#endif /* RINGER_FAULT_H */
