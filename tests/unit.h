/* SPDX-License-Identifier: MIT */
/*
 * Assertions of the unit tests of the engine's internals (tests/unit-*.c):
 * the first failure ends the program with exit status 1.
 */
#ifndef RINGER_TESTS_UNIT_H
#define RINGER_TESTS_UNIT_H

#include <stdio.h>
#include <stdlib.h>

#define FAIL(...)                                               \
	do {                                                    \
		fprintf(stderr, "%s:%d: ", __func__, __LINE__); \
		fprintf(stderr, __VA_ARGS__);                   \
		fprintf(stderr, "\n");                          \
		exit(1);                                        \
	} while (0)
#define CHECK(cond)                                      \
	do {                                             \
		if (!(cond))                             \
			FAIL("check failed: %s", #cond); \
	} while (0)

#endif /* RINGER_TESTS_UNIT_H */
