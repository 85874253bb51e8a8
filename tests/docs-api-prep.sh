#!/bin/sh
# SPDX-License-Identifier: MIT
#
# docs/API.md's table "Prep helpers and the engine" is what
# tools/api-prep-table generates from the engine's opcode table and the prep
# helpers of include/ringer.h: a helper whose opcode the engine gains or
# loses, or a new helper, fails this test until the table is regenerated
# (tools/api-prep-table SOURCE_DIR --update).
#
#   docs-api-prep.sh SOURCE_DIR
#
# Exit: 0 pass, 1 fail.
set -u
src=$1
want=$(sh "$src/tools/api-prep-table" "$src") || { echo "FAIL: api-prep-table failed"; exit 1; }
n=$(echo "$want" | grep -c '^| `io_uring_prep_')
# ringer has liburing 2.15's prep helpers: a parse that finds few is broken
[ "$n" -ge 90 ] || { echo "FAIL: only $n prep helpers found in include/ringer.h"; exit 1; }
echo "$want" | grep -q '^| `io_uring_prep_readv` | `IORING_OP_READV` | yes |$' ||
	{ echo "FAIL: io_uring_prep_readv is not marked as the engine's READV"; exit 1; }
have=$(awk '/^<!-- prep-table begin -->$/ { on = 1; next }
	    /^<!-- prep-table end -->$/ { on = 0 }
	    on && /^\| `io_uring_prep_/' "$src/docs/API.md")
if [ "$have" != "$want" ]; then
	echo "FAIL: docs/API.md's prep helper table differs from the engine's opcode table" \
		"(run tools/api-prep-table . --update):"
	printf '%s\n' "$want" >/tmp/ringer-api-prep.$$.want
	printf '%s\n' "$have" | diff -u - /tmp/ringer-api-prep.$$.want
	rm -f /tmp/ringer-api-prep.$$.want
	exit 1
fi
echo "PASS: $n prep helpers"
