/* SPDX-License-Identifier: MIT */
/*
 * How a translation unit records the items of abi-list.h: one table entry
 * per size, alignment, offset and constant, named so that the two tables
 * (ringer's header, the system's) can be matched by name.
 */
#ifndef RINGER_ABI_RECORD_H
#define RINGER_ABI_RECORD_H

#include <stddef.h>

struct abi_entry {
	const char *name;
	unsigned long long value;
};

#define ABI_STRUCT(s)                                                   \
	{ "sizeof(struct " #s ")", sizeof(struct s) },                 \
	{ "_Alignof(struct " #s ")", _Alignof(struct s) },

/* the field's offset and size, recorded under the name `as` */
#define ABI_FIELD_REC(s, f, as)                                          \
	{ "offsetof(struct " #s ", " #as ")", offsetof(struct s, f) },   \
	{ "sizeof(struct " #s "." #as ")", sizeof(((struct s *)0)->f) },

#define ABI_FIELD(s, f) ABI_FIELD_REC(s, f, f)

/* flexible array members have an offset but no size */
#define ABI_FLEX(s, f) { "offsetof(struct " #s ", " #f ")", offsetof(struct s, f) },

#define ABI_CONST(n) { #n, (unsigned long long)(n) },

#endif /* RINGER_ABI_RECORD_H */
