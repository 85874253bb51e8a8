#!/bin/sh
# SPDX-License-Identifier: MIT
# `make bench`: the default comparison of every backend, in under two minutes.
#
#   1. cached random 4 KiB reads, depth 32 (a warmed 1 GiB file)
#   2. NOP, batch 32 (ring backends only)
#   3. O_DIRECT random 4 KiB reads, depth 32 (batches of 8, so that 24 or
#      more reads stay queued at the device while the program waits)
#   4. buffered 4 KiB writes, depth 32, random and sequential: the kernel,
#      the engine and psync only (to stay within the two minutes); last,
#      since the pages they dirty would have to be written back before
#      O_DIRECT reads
#
# Each backend runs 3 s per workload, in 3 one-second slices interleaved
# with the other backends (A B C C B A A B C), so a change in the load of the
# shared machine hits every backend alike.  The JSON of each workload goes to
# $BUILD/bench-*.json.
#
# Environment: RINGER_BENCH_FILE (default $BUILD/bench-1g.dat),
# RINGER_BENCH_RUNTIME (seconds per backend, default 3),
# RINGER_BENCH_BACKENDS (default all; also the write table's when set).
set -eu

BUILD=${1:-build}
BIN=$BUILD/tools/ringer-bench
FILE=${RINGER_BENCH_FILE:-$BUILD/bench-1g.dat}
RUNTIME=${RINGER_BENCH_RUNTIME:-3}
BACKENDS=${RINGER_BENCH_BACKENDS:-all}
SIZE=1073741824
START=$(date +%s)

if [ ! -x "$BIN" ]; then
	echo "run-bench: $BIN not built (run make first)" >&2
	exit 1
fi

# The 1 GiB file: reused when present at the right size.  Written with real
# blocks (not fallocate'd or sparse: those read as zeros without touching the
# device, which would make the O_DIRECT figures meaningless).
size=$(stat -c %s "$FILE" 2>/dev/null || echo 0)
if [ "$size" != "$SIZE" ]; then
	dir=$(dirname "$FILE")
	avail=$(df -Pk "$dir" | awk 'NR == 2 { print $4 }')
	if [ "${avail:-0}" -lt 1200000 ]; then
		FILE=${TMPDIR:-/tmp}/ringer-bench-1g.dat
		echo "run-bench: not enough space in $dir, using $FILE"
		size=$(stat -c %s "$FILE" 2>/dev/null || echo 0)
	fi
fi
if [ "$size" != "$SIZE" ]; then
	echo "run-bench: writing $FILE (1 GiB)"
	rm -f "$FILE"
	dd if=/dev/zero of="$FILE" bs=1M count=1024 conv=fsync status=none
fi
echo "run-bench: warming $FILE into the page cache"
cat "$FILE" >/dev/null

LOG=$BUILD/bench-last.log
: >"$LOG"

run() {
	name=$1
	shift
	echo
	echo "run-bench: $name ($(($(date +%s) - START)) s): $BIN $*"
	"$BIN" "$@" --json "$BUILD/bench-$name.json" | tee -a "$LOG"
}

COMMON="-b $BACKENDS -T $RUNTIME --rounds $RUNTIME"
# shellcheck disable=SC2086 # word splitting of COMMON is wanted
run cached $COMMON -d 32 -B 4k "$FILE"
# shellcheck disable=SC2086
run nop $COMMON -N -d 32 -s 32 -c 32

# O_DIRECT: only where the filesystem takes it.
if dd if="$FILE" of=/dev/null bs=4096 count=1 iflag=direct status=none 2>/dev/null; then
	# shellcheck disable=SC2086
	run direct $COMMON -D -d 32 -s 8 -c 8 -B 4k "$FILE"
else
	echo
	echo "run-bench: O_DIRECT is not supported by the filesystem of $FILE:" \
		"the O_DIRECT table is skipped (set RINGER_BENCH_FILE elsewhere)"
fi

# shellcheck disable=SC2086
run write -b ${RINGER_BENCH_BACKENDS:-kernel,user,psync} -T $RUNTIME --rounds $RUNTIME \
	-w --write-ok -d 32 -B 4k "$FILE"
# shellcheck disable=SC2086
run write-seq -b ${RINGER_BENCH_BACKENDS:-kernel,user,psync} -T $RUNTIME --rounds $RUNTIME \
	-w --write-ok --seq -d 32 -B 4k "$FILE"

echo
echo "==================== summary (also in $LOG) ===================="
sed -n 1p "$LOG"
# the tables, without the live lines printed while they ran
awk '/^== /{p = 1} p && !/^  [a-z]+ +[0-9]+s / {print} /^cpu\/IO = /{p = 0; print ""}' "$LOG"
echo "run-bench: $(($(date +%s) - START)) s in all"
