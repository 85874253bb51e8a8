#!/bin/sh
# SPDX-License-Identifier: MIT
#
# libringer.a defines no global symbol that libringer.so does not export:
# every global symbol the archive defines must match a pattern of the global
# section of the version script (src/ringer.map: io_uring_*, __io_uring_*,
# ringer_* and the poll calls the library wraps).  Anything else is an
# internal name that a program linking the archive could collide with.
#
#   static-symbols.sh NM ARCHIVE VERSION_SCRIPT
#
# Exit: 0 pass, 1 fail.
set -u
nm=$1
archive=$2
map=$3

# The global patterns of the version script, one per line.
patterns=$(sed -e 's|/\*.*\*/||g' "$map" |
	awk '/global:/ { on = 1; next } /local:/ { on = 0 } on' |
	tr -d ' \t;' | grep -v '^$')
[ -n "$patterns" ] || { echo "FAIL: no global patterns in $map"; exit 1; }

# Defined global symbols (nm -g --defined-only: name is the last field).
symbols=$("$nm" -g --defined-only "$archive" | awk 'NF >= 3 { print $NF }' | sort -u)
[ -n "$symbols" ] || { echo "FAIL: $nm lists no symbol in $archive"; exit 1; }

bad=
nr=0
for sym in $symbols; do
	nr=$((nr + 1))
	# AddressSanitizer's one-definition-rule marker for an exported
	# global variable (ringer_tsan_cq_sync): emitted by the compiler in
	# ASan builds only, named after a symbol the map already exports.
	case $sym in __odr_asan.*) continue ;; esac
	ok=
	for pat in $patterns; do
		# shellcheck disable=SC2254 # the pattern is a glob on purpose
		case $sym in $pat) ok=1; break ;; esac
	done
	[ -n "$ok" ] || bad="$bad $sym"
done
if [ -n "$bad" ]; then
	echo "FAIL: $archive defines global symbols outside $map:"
	for sym in $bad; do echo "    $sym"; done
	exit 1
fi
echo "ok: $nr global symbols in $archive, all in $map"
exit 0
