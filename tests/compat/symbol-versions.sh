#!/bin/sh
# SPDX-License-Identifier: MIT
#
# libringer.so versions its liburing calls as liburing does: every symbol
# the system's liburing.so.2 exports in a LIBURING_2.x node, libringer.so
# exports in the same node, and every symbol libringer.so puts in a node
# that liburing.so.2 also has, liburing.so.2 exports there.  The system's
# liburing (Debian's 2.3) is the oracle for the nodes up to its own; the
# later nodes follow liburing 2.15's map (src/ringer.map).
#
#   symbol-versions.sh OBJDUMP LIBRINGER [LIBURING]
#
# Exit: 0 pass, 1 fail, 77 skip (no liburing.so.2 on this machine).
set -u
objdump=$1
ringer=$2
uring=${3:-}
if [ -z "$uring" ] || [ ! -e "$uring" ]; then
	echo "skip: no liburing.so.2 to compare with"
	exit 77
fi

# "symbol version" for each defined dynamic symbol with a LIBURING version
versions() {
	"$objdump" -T "$1" | awk '$2 == "g" && $(NF-1) ~ /^\(?LIBURING_/ {
		v = $(NF-1); gsub(/[()]/, "", v); print $NF, v }' | sort -u
}

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
versions "$uring" >"$tmp/uring"
versions "$ringer" >"$tmp/ringer"
if [ ! -s "$tmp/uring" ]; then
	echo "FAIL: $objdump lists no LIBURING symbol in $uring"
	exit 1
fi
fail=0
# liburing's symbols, each in libringer's same node
missing=$(comm -23 "$tmp/uring" "$tmp/ringer")
if [ -n "$missing" ]; then
	echo "FAIL: exported by $uring, not by $ringer in the same node:"
	echo "$missing" | sed 's/^/    /'
	fail=1
fi
# libringer's symbols in the nodes liburing.so.2 has, all liburing's too
awk '{ print $2 }' "$tmp/uring" | sort -u >"$tmp/nodes"
extra=$(comm -13 "$tmp/uring" "$tmp/ringer" | awk 'NR == FNR { n[$1] = 1; next } $2 in n' "$tmp/nodes" -)
if [ -n "$extra" ]; then
	echo "FAIL: in a node of $uring, but not exported there by it:"
	echo "$extra" | sed 's/^/    /'
	fail=1
fi
[ $fail = 0 ] || exit 1
echo "ok: $(wc -l <"$tmp/uring") symbols of $uring in libringer's same nodes;" \
	"$(wc -l <"$tmp/ringer") LIBURING symbols in libringer"
exit 0
