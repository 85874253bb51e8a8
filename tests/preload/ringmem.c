// SPDX-License-Identifier: MIT
/*
 * tests/test-ringmem.c as an unmodified program: raw system calls, which
 * the shim traps (NO_MMAP rings, REGISTERED_FD_ONLY in the shim's table of
 * registered rings, mmap of a NO_MMAP ring's fd).
 */
#define RAW_SYSCALLS
#include "../test-ringmem.c"
