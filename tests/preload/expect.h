/* SPDX-License-Identifier: MIT */
/* Checks shared by the preload tests; no ringer or liburing header needed. */
#ifndef PRELOAD_EXPECT_H
#define PRELOAD_EXPECT_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FAIL(...)                                               \
	do {                                                    \
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__);                   \
		fputc('\n', stderr);                            \
		exit(1);                                        \
	} while (0)
#define CHECK(c, ...)                      \
	do {                               \
		if (!(c))                  \
			FAIL(__VA_ARGS__); \
	} while (0)

/* "kernel", "engine" (a memfd) or "other", from what the fd is. */
static inline const char *fd_kind(int fd)
{
	char path[64], target[128];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return "closed";
	target[n] = '\0';
	if (!strcmp(target, "anon_inode:[io_uring]"))
		return "kernel";
	if (!strncmp(target, "/memfd:", 7))
		return "engine";
	return "other";
}

/*
 * RINGER_EXPECT=kernel|engine: the kind of ring this run must get (the test
 * fails on any other); unset: whatever setup gives, and a refused setup
 * skips.
 */
static inline void expect_kind(int fd)
{
	const char *want = getenv("RINGER_EXPECT");

	if (want && *want && strcmp(want, fd_kind(fd)))
		FAIL("ring fd %d is %s, expected %s", fd, fd_kind(fd), want);
}

#endif
