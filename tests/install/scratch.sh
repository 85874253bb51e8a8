# SPDX-License-Identifier: MIT
#
# Sourced by the tests that install the build tree into a scratch prefix:
# scratch_begin BUILD WORK makes WORK afresh and, since every install
# rewrites the build tree's install manifests (which `make uninstall`
# reads), puts the user's install_manifest.txt back on exit, removes the
# per-component ones an install made, and removes WORK.  Needs fail().

scratch_begin() {
	scratch_build=$1
	scratch_work=$2
	rm -rf "$scratch_work"
	mkdir -p "$scratch_work" || fail "cannot create $scratch_work"
	if [ -f "$scratch_build/install_manifest.txt" ]; then
		cp -p "$scratch_build/install_manifest.txt" "$scratch_work/manifest.saved"
	fi
	trap scratch_end EXIT
}

scratch_end() {
	rm -f "$scratch_build"/install_manifest_Unspecified.txt \
		"$scratch_build"/install_manifest_runtime.txt \
		"$scratch_build"/install_manifest_dev.txt \
		"$scratch_build"/install_manifest_tools.txt
	if [ -f "$scratch_work/manifest.saved" ]; then
		cp -p "$scratch_work/manifest.saved" "$scratch_build/install_manifest.txt"
	else
		rm -f "$scratch_build/install_manifest.txt"
	fi
	rm -rf "$scratch_work"
}
