#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Installs the component "Unspecified" (what an install() rule without
# COMPONENT installs) of a build tree to a scratch prefix: it must be empty.
# Then the three components one by one: each installs something, and
# together they install every file a plain install does.
#
#   install-components.sh BUILD_DIR WORK_DIR
#
# Exit: 0 pass, 1 fail.

set -u
build=$1
work=$2

fail() {
	echo "FAIL (install-components): $*" >&2
	exit 1
}

. "$(dirname "$0")/scratch.sh"
scratch_begin "$build" "$work"

cmake --install "$build" --component Unspecified --prefix "$work/unspecified" \
	>"$work/log" 2>&1 || fail "cmake --install --component Unspecified: $(tail -5 "$work/log")"
if [ -d "$work/unspecified" ]; then
	left=$(cd "$work/unspecified" && find . ! -type d | sort)
	[ -z "$left" ] || fail "install() rules without COMPONENT install: $left"
fi

for c in runtime dev tools; do
	cmake --install "$build" --component "$c" --prefix "$work/parts" \
		>"$work/log" 2>&1 || fail "cmake --install --component $c: $(tail -5 "$work/log")"
	grep -q . "$build/install_manifest_$c.txt" || fail "component $c installs nothing"
done
cmake --install "$build" --prefix "$work/all" >"$work/log" 2>&1 ||
	fail "cmake --install: $(tail -5 "$work/log")"
(cd "$work/all" && find . ! -type d | sort) >"$work/all.list"
(cd "$work/parts" && find . ! -type d | sort) >"$work/parts.list"
cmp -s "$work/all.list" "$work/parts.list" ||
	fail "the components do not add up to the install: $(diff "$work/all.list" "$work/parts.list")"
echo "PASS: install-components ($(wc -l <"$work/all.list") files in runtime, dev, tools)"
exit 0
