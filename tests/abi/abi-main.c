/* SPDX-License-Identifier: MIT */
/*
 * ABI test: every struct size and alignment, field offset and size, and
 * constant of <ringer/io_uring.h> against the system's <linux/io_uring.h>
 * (what the system's version has), plus the layout facts that hold
 * whatever the system (io_uring-semantics.md 1.1-1.3).  Exit 77 when the
 * system has no usable io_uring header, after the fixed checks.
 */
#include <stdio.h>
#include <string.h>

#include "abi-record.h"

extern const struct abi_entry abi_ours[];
extern const size_t abi_ours_len;
extern const struct abi_entry abi_system[];
extern const size_t abi_system_len;
extern const int abi_system_usable;
extern const unsigned abi_system_version;

static int failures;

static const struct abi_entry *find_ours(const char *name)
{
	for (size_t i = 0; i < abi_ours_len; i++)
		if (!strcmp(abi_ours[i].name, name))
			return &abi_ours[i];
	return NULL;
}

static void expect(const char *name, unsigned long long want)
{
	const struct abi_entry *e = find_ours(name);

	if (!e) {
		printf("FAILED: %s is not recorded for ringer's header\n", name);
		failures++;
	} else if (e->value != want) {
		printf("FAILED: %s: ringer's header %llu, the ABI %llu\n", name, e->value, want);
		failures++;
	}
}

int main(void)
{
	size_t compared = 0;

	/* fixed facts of the ABI, checked even without a system header */
	expect("sizeof(struct io_uring_sqe)", 64);
	expect("sizeof(struct io_uring_cqe)", 16);
	expect("sizeof(struct io_uring_params)", 120);
	expect("sizeof(struct io_sqring_offsets)", 40);
	expect("sizeof(struct io_cqring_offsets)", 40);
	expect("sizeof(struct io_uring_getevents_arg)", 24);
	expect("sizeof(struct io_uring_probe)", 16);
	expect("sizeof(struct io_uring_probe_op)", 8);
	expect("sizeof(struct io_uring_files_update)", 16);
	expect("sizeof(struct io_uring_rsrc_update)", 16);
	expect("offsetof(struct io_uring_sqe, fd)", 4);
	expect("offsetof(struct io_uring_sqe, off)", 8);
	expect("offsetof(struct io_uring_sqe, addr)", 16);
	expect("offsetof(struct io_uring_sqe, len)", 24);
	expect("offsetof(struct io_uring_sqe, rw_flags)", 28);
	expect("offsetof(struct io_uring_sqe, user_data)", 32);
	expect("offsetof(struct io_uring_sqe, buf_index)", 40);
	expect("offsetof(struct io_uring_sqe, personality)", 42);
	expect("offsetof(struct io_uring_sqe, splice_fd_in)", 44);
	expect("offsetof(struct io_uring_sqe, addr3)", 48);
	expect("offsetof(struct io_uring_sqe, __pad2)", 56);
	expect("offsetof(struct io_uring_cqe, res)", 8);
	expect("offsetof(struct io_uring_cqe, flags)", 12);
	expect("offsetof(struct io_uring_params, sq_off)", 40);
	expect("offsetof(struct io_uring_params, cq_off)", 80);
	expect("offsetof(struct io_sqring_offsets, user_addr)", 32);
	expect("IORING_OFF_SQ_RING", 0);
	expect("IORING_OFF_CQ_RING", 0x8000000ULL);
	expect("IORING_OFF_SQES", 0x10000000ULL);
	printf("# %zu items recorded for ringer's header\n", abi_ours_len);

	if (!abi_system_usable) {
		if (abi_system_version)
			printf("# the system's <linux/io_uring.h> is older than 6.1: not compared\n");
		else
			printf("# the system has no <linux/io_uring.h>: not compared\n");
		if (failures)
			return 1;
		printf("# SKIP\n");
		return 77;
	}
	printf("# system header: Linux %u.%u.%u\n", abi_system_version >> 16,
	       (abi_system_version >> 8) & 0xff, abi_system_version & 0xff);
	for (size_t i = 0; i < abi_system_len; i++) {
		const struct abi_entry *s = &abi_system[i];
		const struct abi_entry *o = find_ours(s->name);

		compared++;
		if (!o) {
			printf("FAILED: %s: missing from ringer's header\n", s->name);
			failures++;
		} else if (o->value != s->value) {
			printf("FAILED: %s: ringer's header 0x%llx (%llu), system 0x%llx (%llu)\n",
			       s->name, o->value, o->value, s->value, s->value);
			failures++;
		}
	}
	printf("# %zu items compared with the system header, %zu newer than it not compared\n",
	       compared, abi_ours_len - compared);
	printf("# %s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
