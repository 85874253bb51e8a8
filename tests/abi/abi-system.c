/* SPDX-License-Identifier: MIT */
/*
 * The ABI table of the system's <linux/io_uring.h>, for the items its
 * version has.  Both headers use the guard LINUX_IO_URING_H, hence a
 * translation unit of its own.
 */
#include "abi-record.h"

#ifdef RINGER_HAVE_LINUX_IO_URING_H
#include <linux/io_uring.h>
#include <linux/version.h>

#define ABI_HAVE(major, minor) (LINUX_VERSION_CODE >= KERNEL_VERSION(major, minor, 0))
#ifndef ABI_SYS_HAS_SQ_USER_ADDR
#define ABI_SYS_HAS_SQ_USER_ADDR 0
#endif
#ifndef ABI_SYS_HAS_BUF_REG_FLAGS
#define ABI_SYS_HAS_BUF_REG_FLAGS 0
#endif
#ifndef ABI_SYS_HAS_MIN_WAIT_USEC
#define ABI_SYS_HAS_MIN_WAIT_USEC 0
#endif
/* a field the system still knows under its old name */
#define ABI_FIELD_AS(s, old, f) ABI_FIELD_REC(s, old, f)

/* The list assumes a 6.1 header at least (what Debian 12 ships). */
const int abi_system_usable = ABI_HAVE(6, 1);
const unsigned abi_system_version = LINUX_VERSION_CODE;
#if ABI_HAVE(6, 1)
const struct abi_entry abi_system[] = {
#include "abi-list.h"
};
const size_t abi_system_len = sizeof(abi_system) / sizeof(abi_system[0]);
#else
const struct abi_entry abi_system[1];
const size_t abi_system_len = 0;
#endif
#else
const int abi_system_usable = 0;
const unsigned abi_system_version = 0;
const struct abi_entry abi_system[1];
const size_t abi_system_len = 0;
#endif
