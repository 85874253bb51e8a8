/* SPDX-License-Identifier: MIT */
/*
 * Shared by the preload tests.  They are plain programs that link nothing
 * of ringer (raw system calls through tests/raw.h, or the system's
 * liburing), so they use the harness's vocabulary without its ring helpers,
 * and without cases: each program is one scenario, a REQUIRE that fails
 * ends it with status 1.
 */
#ifndef PRELOAD_EXPECT_H
#define PRELOAD_EXPECT_H

#ifndef HARNESS_WITHOUT_RINGER
#define HARNESS_WITHOUT_RINGER
#endif
#include "../harness.h"

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
 * fails on any other); unset: whatever setup gives.
 */
static inline void expect_kind(int fd)
{
	const char *want = getenv("RINGER_EXPECT");

	if (want && *want && strcmp(want, fd_kind(fd)))
		FAIL("ring fd %d is %s, expected %s", fd, fd_kind(fd), want);
}

/*
 * The ring a setup gave (`ret`: its fd, or -errno).  A refused setup fails
 * a run that expects a ring (RINGER_EXPECT); without it, it skips the
 * program where the kernel really refuses io_uring.
 */
static inline void expect_ring(int ret, const char *what)
{
	static char why[160];
	const char *want = getenv("RINGER_EXPECT");

	if (ret < 0) {
		if (want && *want)
			FAIL("%s: %s (expected a %s ring)", what, strerror(-ret), want);
		snprintf(why, sizeof(why), "%s: %s", what, strerror(-ret));
		SKIP_CASE(SKIP_KERNEL_REFUSES, why);
	}
	expect_kind(ret);
}

#ifdef RINGER_TEST_RAW_H
/* Set up and map a ring through the raw system calls, under the rule above. */
static inline void setup_or_skip(struct raw_ring *r, unsigned entries)
{
	int ret = raw_ring_init(r, entries, NULL);

	expect_ring(ret < 0 ? ret : r->fd, "io_uring_setup");
}
#endif

#endif /* PRELOAD_EXPECT_H */
