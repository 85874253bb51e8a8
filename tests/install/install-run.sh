#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Installs a build tree to a scratch prefix, then, with no LD_LIBRARY_PATH:
#   - every installed program resolves libringer.so.0 to the prefix's copy
#     (its RUNPATH, $ORIGIN-relative), when the build has RINGER_INSTALL_RPATH
#   - the installed ringer-cat and ringer-cp do their work on the backend
#   - the installed ringer-bench runs a short read workload on the backend
#     and finds its shim beside it (the preload backend), not in the build tree
# then runs the build tree's uninstall target and checks that nothing of the
# install is left under the prefix.
#
#   install-run.sh BUILD_DIR WORK_DIR BACKEND BINDIR LIBDIR INSTALL_RPATH
#
# Exit: 0 pass, 1 fail, 77 skip (the kernel refuses io_uring on the kernel
# backend).

set -u
build=$1
work=$2
backend=$3
bindir=$4
libdir=$5
rpath=$6

fail() {
	echo "FAIL (install-run): $*" >&2
	exit 1
}

. "$(dirname "$0")/scratch.sh"
scratch_begin "$build" "$work"
cd "$work" || fail "cannot enter $work"
prefix=$work/prefix
unset LD_LIBRARY_PATH LD_PRELOAD

cmake --install "$build" --prefix "$prefix" >install.log 2>&1 ||
	fail "cmake --install: $(tail -5 install.log)"
bin=$prefix/$bindir
for p in ringer-cat ringer-cp ringer-echo ringer-bench; do
	[ -x "$bin/$p" ] || fail "not installed: $bindir/$p"
done

# 1. the dynamic linker finds the installed library, by RUNPATH alone
case $rpath in
ON | on | 1 | TRUE | true | YES | yes)
	want=$(readlink -f "$prefix/$libdir/libringer.so.0")
	for p in "$bin"/* $(find "$prefix" -path '*/ringer/*' -type f -perm -u+x); do
		# only the ELF programs of this project link libringer
		ldd "$p" >ldd.out 2>&1 || continue
		got=$(sed -n 's/^[[:space:]]*libringer\.so\.0 => \([^ ]*\) .*/\1/p' ldd.out)
		[ -n "$got" ] || continue
		[ "$(readlink -f "$got")" = "$want" ] ||
			fail "$p does not resolve to the installed libringer: $(grep libringer ldd.out)"
		readelf -d "$p" | grep -q 'R.*PATH.*\$ORIGIN' ||
			fail "$p has no \$ORIGIN RUNPATH: $(readelf -d "$p" | grep PATH)"
	done
	echo "ok: installed programs find $libdir/libringer.so.0 by RUNPATH"
	;;
*)
	echo "RINGER_INSTALL_RPATH is off: programs are run with LD_LIBRARY_PATH"
	LD_LIBRARY_PATH=$prefix/$libdir
	export LD_LIBRARY_PATH
	;;
esac

# 2. the examples work from the install
skip_if_refused() { # OUTPUT
	if [ "$backend" = kernel ] && grep -qiE 'operation not permitted|function not implemented|permission denied' "$1"; then
		echo "SKIP: the kernel refuses io_uring: $(cat "$1")"
		exit 77
	fi
}
head -c 300000 /dev/urandom >in.dat || fail "cannot write a file"
"$bin/ringer-cat" in.dat >cat.out 2>cat.err || {
	skip_if_refused cat.err
	fail "installed ringer-cat: exit $?: $(cat cat.err)"
}
cmp -s in.dat cat.out || fail "installed ringer-cat: output differs from its input"
"$bin/ringer-cp" in.dat copy.dat >cp.out 2>&1 || fail "installed ringer-cp: $(cat cp.out)"
cmp -s in.dat copy.dat || fail "installed ringer-cp: the copy differs"
echo "ok: installed ringer-cat and ringer-cp on the $backend backend"

# 3. ringer-bench: a short run on the backend, and where it is built the
# preload backend, whose shim must be the installed one beside it (the
# build tree's, compiled in, is only the fallback): the shim is the
# LD_PRELOAD of the re-exec'd child, seen in its environment.
head -c 1048576 /dev/zero >bench.dat
"$bin/ringer-bench" -b "$backend" -T 0.2 -q bench.dat >bench.out 2>&1 ||
	fail "installed ringer-bench -b $backend: $(tail -5 bench.out)"
grep -q "^ *$backend " bench.out || fail "installed ringer-bench: no $backend row: $(cat bench.out)"
shim=$(find "$prefix" -name libringer-preload.so)
if [ -n "$shim" ] && [ -f "$build/tools/libringer-bench-liburing.so" ] &&
   command -v strace >/dev/null; then
	strace -f -qq -e trace=execve -e signal=none -s 4096 -v -o strace.out \
		"$bin/ringer-bench" -b preload -T 0.2 -q bench.dat >bench-preload.out 2>&1 ||
		fail "installed ringer-bench -b preload: $(tail -5 bench-preload.out)"
	grep -q '^ *preload ' bench-preload.out ||
		fail "installed ringer-bench: no preload row: $(cat bench-preload.out)"
	pre=$(grep -o 'LD_PRELOAD=[^"]*' strace.out | head -n 1)
	found=
	for lib in $(echo "${pre#LD_PRELOAD=}" | tr ':' ' '); do
		[ "$(readlink -f "$lib")" = "$(readlink -f "$shim")" ] && found=1
	done
	[ -n "$found" ] || fail "installed ringer-bench does not preload $shim: ${pre:-no LD_PRELOAD}"
	echo "ok: installed ringer-bench runs the $backend and preload backends, the installed shim"
else
	echo "ok: installed ringer-bench runs the $backend backend"
fi

# 4. uninstall: nothing of the install left under the prefix
cmake --build "$build" --target uninstall >uninstall.log 2>&1 ||
	fail "uninstall target: $(tail -5 uninstall.log)"
left=$(find "$prefix" ! -type d)
[ -z "$left" ] || fail "left after uninstall: $left"
left=$(find "$prefix" -type d -name '*ringer*')
[ -z "$left" ] || fail "directories left after uninstall: $left"
echo "PASS: install-run ($backend)"
exit 0
