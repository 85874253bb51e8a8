#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Every public call has a section in docs/API.md: each function of liburing
# 2.15's API (the liburing_2_15[] list of tests/test-header-coverage.c) and
# each ringer_* function declared by include/ringer.h or include/ringer/fault.h
# must be named by a `### ` heading of docs/API.md (outside code blocks).
# Names a heading lacks are printed, one a line.
#
#   docs-api-coverage.sh SOURCE_DIR
#
# Exit: 0 pass, 1 fail.

set -u
src=$1
api=$src/docs/API.md
cov=$src/tests/test-header-coverage.c

fail() {
	echo "FAIL (docs-api-coverage): $*" >&2
	exit 1
}

for f in "$api" "$cov" "$src/include/ringer.h" "$src/include/ringer/fault.h"; do
	[ -r "$f" ] || fail "cannot read $f"
done

# The quoted names between `liburing_2_15[] = {` and the closing `};`.
liburing=$(awk '
	/liburing_2_15\[\] = \{/ { on = 1; next }
	on && /^\};/ { exit }
	on && match($0, /"[A-Za-z0-9_]+"/) { print substr($0, RSTART + 1, RLENGTH - 2) }
' "$cov")

# ringer_* identifiers followed by "(" in the headers' code, comments removed
# (the comments name calls too, some of them not functions of the header).
ringer=$(awk '
	{
		line = $0
		out = ""
		while (line != "") {
			if (incomment) {
				i = index(line, "*/")
				if (!i) { line = ""; break }
				line = substr(line, i + 2)
				incomment = 0
			} else {
				i = index(line, "/*")
				if (!i) { out = out line; line = ""; break }
				out = out substr(line, 1, i - 1) " "
				line = substr(line, i + 2)
				incomment = 1
			}
		}
		sub(/\/\/.*/, "", out)
		while (match(out, /[A-Za-z0-9_]+[ \t]*\(/)) {
			tok = substr(out, RSTART, RLENGTH)
			out = substr(out, RSTART + RLENGTH)
			sub(/[ \t]*\($/, "", tok)
			if (tok ~ /^ringer_/)
				print tok
		}
	}
' "$src/include/ringer.h" "$src/include/ringer/fault.h" | sort -u)

n_liburing=$(printf '%s\n' "$liburing" | grep -c .)
n_ringer=$(printf '%s\n' "$ringer" | grep -c .)
# A broken extraction must not pass by checking nothing.
[ "$n_liburing" -ge 200 ] || fail "only $n_liburing names read from liburing_2_15[] of $cov"
[ "$n_ringer" -ge 10 ] || fail "only $n_ringer ringer_* functions read from the headers"

# The identifiers of the `### ` lines outside fenced code blocks.
headed=$(awk '
	/^```/ { fence = !fence; next }
	!fence && /^### / {
		n = split($0, w, /[^A-Za-z0-9_]+/)
		for (i = 1; i <= n; i++)
			if (w[i] != "")
				print w[i]
	}
' "$api" | sort -u)

missing=$(printf '%s\n%s\n' "$liburing" "$ringer" | sort -u | awk -v headed="$headed" '
	BEGIN {
		n = split(headed, h, "\n")
		for (i = 1; i <= n; i++)
			have[h[i]] = 1
	}
	$0 != "" && !($0 in have)
')

if [ -n "$missing" ]; then
	echo "docs/API.md has no \`### \` heading naming:" >&2
	printf '%s\n' "$missing" | sed 's/^/  /' >&2
	fail "public functions without a heading: $(printf '%s\n' "$missing" | grep -c .)"
fi
echo "PASS (docs-api-coverage): $n_liburing liburing 2.15 functions, $n_ringer ringer_* functions"
exit 0
