/* SPDX-License-Identifier: MIT */
/*
 * Per-fd path hint (fdhint.c): what the engine last learnt about an fd
 * number, to choose the path of a read or write without a system call.
 */
#ifndef RINGER_ENGINE_FDHINT_H
#define RINGER_ENGINE_FDHINT_H

#include <stdbool.h>

#define FDHINT_REG 0x40 /* a regular file or block device: native AIO takes it */
#define FDHINT_DIRECT 0x20 /* O_DIRECT: completes later, not inside io_submit */

/* the hint (FDHINT_* bits, and a failure streak), learnt now if unknown */
unsigned char fdhint_get(int fd);
/* one more AIO request on fd, whose hint h said FDHINT_REG: the hint to go
 * on with (learnt again every 256 requests of the thread) */
unsigned char fdhint_tick(int fd, unsigned char h);
/* a request found the fd's type (fstat): keep it for the next */
void fdhint_set_reg(int fd, bool reg);
/* h = fdhint_get(fd): the nonblocking attempt would block again, skip it */
bool fdhint_skip(int fd, unsigned char h);
/* a nonblocking attempt on fd would have blocked (failed) or went through */
void fdhint_nowait_result(int fd, bool failed);

#endif /* RINGER_ENGINE_FDHINT_H */
