/* SPDX-License-Identifier: MIT */
/* The ABI table of ringer's own header. */
#include "ringer/io_uring.h"

#include "abi-record.h"

/* ringer's header is the newest: it has everything in the list */
#define ABI_HAVE(major, minor) 1
#define ABI_SYS_HAS_SQ_USER_ADDR 1
#define ABI_SYS_HAS_BUF_REG_FLAGS 1
#define ABI_SYS_HAS_MIN_WAIT_USEC 1
#define ABI_FIELD_AS(s, old, f) ABI_FIELD(s, f)

const struct abi_entry abi_ours[] = {
#include "abi-list.h"
};
const size_t abi_ours_len = sizeof(abi_ours) / sizeof(abi_ours[0]);
