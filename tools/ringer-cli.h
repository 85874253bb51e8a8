/* SPDX-License-Identifier: MIT */
/*
 * The command-line conventions every ringer program shares: --version
 * prints "NAME (ringer) VERSION" to stdout, -h/--help the usage to stdout
 * (exit 0), and a bad option one line and a hint to stderr (exit 2), so that
 * the mistake is not buried under the whole help text.
 */
#ifndef RINGER_CLI_H
#define RINGER_CLI_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "ringer-version.h"

#define RINGER_CLI_EXIT_USAGE 2

/* For the usage text of a program that opens a ring through the library. */
#define RINGER_CLI_BACKEND_HELP                                                    \
	"RINGER_BACKEND=kernel|user|auto picks the ring: the kernel's io_uring,\n" \
	"ringer's engine in user space, or the kernel's when it allows io_uring\n" \
	"and the engine otherwise (auto, the default).\n"

static inline int ringer_cli_version(const char *name)
{
	printf("%s (ringer) %s\n", name, RINGER_PROJECT_VERSION);
	return 0;
}

/* what: "unknown option", "option needs a value", "bad depth", ... */
static inline int ringer_cli_bad(const char *name, const char *what, const char *arg)
{
	if (arg)
		fprintf(stderr, "%s: %s '%s'; try '%s --help'\n", name, what, arg, name);
	else
		fprintf(stderr, "%s: %s; try '%s --help'\n", name, what, name);
	return RINGER_CLI_EXIT_USAGE;
}

/* A whole decimal or 0x number in [min, max]: 0, or -1. */
static inline int ringer_cli_uint(const char *s, unsigned long min, unsigned long max,
				  unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

#endif
