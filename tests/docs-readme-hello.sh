#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The README's example program (the first ```c block under "## Using ringer
# in a program") is taken from README.md itself, so the two cannot drift,
# and built with only include/ on the include path: as C, and as C++ when a
# C++ compiler is given.  Each build runs and must print its NOP's result
# and the backend RINGER_BACKEND names.
#
#   docs-readme-hello.sh SOURCE_DIR LIBRINGER CC [CXX]
#
# Exit: 0 pass, 1 fail.

set -u
src=$1
lib=$2
cc=$3
cxx=${4:-}

fail() {
	echo "FAIL (docs-readme-hello): $*" >&2
	exit 1
}

dir=$(mktemp -d /tmp/ringer-hello.XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT INT TERM

awk '/^## Using ringer in a program/ { sec = 1; next }
     sec && /^## / { exit }
     sec && !code && /^```c$/ { code = 1; next }
     code && /^```$/ { exit }
     code { print }' "$src/README.md" >"$dir/hello.c"
grep -q "int main" "$dir/hello.c" || fail "no C example under \"## Using ringer in a program\" in README.md"
cp "$dir/hello.c" "$dir/hello.cpp"

libdir=$(dirname "$lib")
run() {
	for b in kernel user; do
		out=$(RINGER_BACKEND=$b "$1") || {
			# the kernel may refuse io_uring here: only the user run must work
			[ $b = kernel ] && continue
			fail "$1 on $b exited $?: $out"
		}
		echo "$out"
		[ "$out" = "res 0 on the $b backend" ] || fail "$1 on $b printed \"$out\""
	done
}

"$cc" -Wall -Wextra -Werror -I"$src/include" "$dir/hello.c" \
	-L"$libdir" -Wl,-rpath,"$libdir" -lringer -o "$dir/hello-c" ||
	fail "the README example does not build as C"
run "$dir/hello-c"
if [ -n "$cxx" ]; then
	"$cxx" -Wall -Wextra -Werror -I"$src/include" "$dir/hello.cpp" \
		-L"$libdir" -Wl,-rpath,"$libdir" -lringer -o "$dir/hello-cxx" ||
		fail "the README example does not build as C++"
	run "$dir/hello-cxx"
else
	echo "no C++ compiler: the C++ build was not tried"
fi
echo PASS
