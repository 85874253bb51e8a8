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

rm -rf "$work"
mkdir -p "$work" || fail "cannot create $work"
# Every install writes the build tree's manifest(s), which `make uninstall`
# reads: the user's is put back on the way out, the test's removed.
manifest=$build/install_manifest.txt
[ -f "$manifest" ] && cp -p "$manifest" "$work/manifest.saved"
restore() {
	rm -f "$build"/install_manifest_Unspecified.txt "$build"/install_manifest_runtime.txt \
		"$build"/install_manifest_dev.txt "$build"/install_manifest_tools.txt
	if [ -f "$work/manifest.saved" ]; then
		cp -p "$work/manifest.saved" "$manifest"
	else
		rm -f "$manifest"
	fi
	rm -rf "$work"
}
trap restore EXIT

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
