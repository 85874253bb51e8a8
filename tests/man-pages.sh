#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The man pages: every public call has a man(3) page, and every page renders
# without a warning.
#
#   man-pages.sh SOURCE_DIR MAN3_DIR LIBRARY
#
# The calls: the functions libringer.so exports (its dynamic symbol table;
# the libc calls ringer.map lists by name in RINGER_0 to wrap them for
# engine ring fds are not ringer's API, and data objects are not calls),
# the names ringer.map lists in its LIBURING_* nodes, and every function of
# the headers that tests/docs-api-coverage.sh requires a docs/API.md section
# for (liburing 2.15's API, inline helpers included, and the ringer_* calls).
# Each needs MAN3_DIR/NAME.3.  The pages: MAN3_DIR/*.3 and the hand-written
# pages of man/, through `groff -man -ww` (no warning allowed).
#
# Exit: 0 pass, 1 fail, 77 skip (the pages were not generated: no python3
# when the build was configured; or no groff to render them).

set -u
src=$1
man3=$2
lib=$3

fail() {
	echo "FAIL (man-pages): $*" >&2
	exit 1
}

if [ -z "$man3" ] || [ ! -d "$man3" ]; then
	echo "SKIP (man-pages): no generated man(3) pages (python3 was missing when CMake configured the build)"
	exit 77
fi
[ -r "$lib" ] || fail "cannot read $lib"
command -v nm >/dev/null || fail "nm (binutils) not found"

# Exported functions: T (text), W (weak), i (indirect), minus the wrapped
# libc calls, which are the only names ringer.map lists outside the
# io_uring_*, __io_uring_* and ringer_* patterns.
exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TWi]$/ { sub(/@.*/, "", $3); print $3 }' |
	grep -E '^(_*io_uring_|ringer_)' | sort -u)

# The names of the map's LIBURING_* nodes.
mapped=$(awk '
	/^LIBURING_[0-9.]+ \{/ { on = 1; next }
	/^\}/ { on = 0 }
	on && /^[ \t]+[A-Za-z_][A-Za-z0-9_]*;/ { gsub(/[ \t;]/, ""); print }
' "$src/src/ringer.map" | sort -u)

# liburing 2.15's API, as tests/test-header-coverage.c lists it.
liburing=$(awk '
	/liburing_2_15\[\] = \{/ { on = 1; next }
	on && /^\};/ { exit }
	on && match($0, /"[A-Za-z0-9_]+"/) { print substr($0, RSTART + 1, RLENGTH - 2) }
' "$src/tests/test-header-coverage.c" | sort -u)

# ringer_* functions of the headers (identifiers followed by "(" outside
# comments), as tests/docs-api-coverage.sh reads them.
ringer=$(sed -e 's|/\*.*\*/||g' "$src/include/ringer.h" "$src/include/ringer/fault.h" |
	awk '/\/\*/ { c = 1 } !c { print } /\*\// { c = 0 }' |
	grep -oE '(^|[^A-Za-z0-9_])ringer_[A-Za-z0-9_]+[ \t]*\(' |
	sed -e 's/^[^r]//' -e 's/[ \t]*($//' | sort -u)

n_exported=$(printf '%s\n' "$exported" | grep -c .)
n_mapped=$(printf '%s\n' "$mapped" | grep -c .)
n_liburing=$(printf '%s\n' "$liburing" | grep -c .)
n_ringer=$(printf '%s\n' "$ringer" | grep -c .)
# A broken extraction must not pass by checking nothing.
[ "$n_exported" -ge 90 ] || fail "only $n_exported exported functions read from $lib"
[ "$n_mapped" -ge 80 ] || fail "only $n_mapped names read from the LIBURING nodes of ringer.map"
[ "$n_liburing" -ge 200 ] || fail "only $n_liburing names read from test-header-coverage.c"
[ "$n_ringer" -ge 10 ] || fail "only $n_ringer ringer_* functions read from the headers"

missing=$(printf '%s\n%s\n%s\n%s\n' "$exported" "$mapped" "$liburing" "$ringer" | sort -u |
	while read -r name; do
		[ -n "$name" ] && [ ! -f "$man3/$name.3" ] && echo "$name"
	done)
if [ -n "$missing" ]; then
	echo "no man(3) page in $man3 for:" >&2
	printf '%s\n' "$missing" | sed 's/^/  /' >&2
	fail "public functions without a page: $(printf '%s\n' "$missing" | grep -c .)"
fi

pages=$(ls "$man3"/*.3 "$src"/man/*.[1-8] 2>/dev/null)
n_pages=$(printf '%s\n' "$pages" | grep -c .)
[ "$n_pages" -ge 200 ] || fail "only $n_pages pages"
for sect in 1 7 8; do
	ls "$src"/man/*."$sect" >/dev/null 2>&1 || fail "no section $sect page in man/"
done

# ASCII only (the generator writes other characters as groff escapes), so
# that a page reads the same in any locale.
nonascii=$(LC_ALL=C grep -l "$(printf '[\200-\377]')" $pages)
[ -z "$nonascii" ] || fail "pages with non-ASCII bytes: $nonascii"

if ! command -v groff >/dev/null; then
	echo "SKIP (man-pages): every call has a page ($n_pages pages), but groff is not installed to render them (Debian: groff-base)"
	exit 77
fi
# -ww enables every warning (groff's -W is the opposite: it silences one,
# and -Wall silences them all).  One groff run renders all the pages: each
# warning names its file and line.
out=$(groff -man -ww -Tutf8 -z $pages 2>&1)
st=$?
if [ "$st" -ne 0 ] || [ -n "$out" ]; then
	printf '%s\n' "$out" >&2
	fail "the pages do not render cleanly (groff exit $st, $(printf '%s\n' "$out" | grep -c .) lines of warnings)"
fi

echo "PASS (man-pages): $n_pages pages; $n_exported exported functions, $n_liburing liburing 2.15 functions, $n_ringer ringer_* functions have one"
exit 0
