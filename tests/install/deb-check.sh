#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The Debian packages of `make deb`, installed on this machine as a user
# would: apt-get install ./BUILD/*.deb, then
#   - the packages' names, versions, Depends, and the files each carries
#   - the installed programs run (ringer-cat, ringer-bench, ringer-trace with
#     the packaged shim, ringer-info)
#   - man(1) finds the packaged io_uring_queue_init(3) and ringer(7)
#   - a liburing program builds against the installed compat header and
#     pkg-config, and runs on both backends
# and the packages are removed again (also on failure), leaving nothing of
# ringer under /usr.  Needs root and apt-get; .ci/run runs it.
#
#   tests/install/deb-check.sh [BUILD_DIR]     (default: build)
#
# Exit: 0 pass, 1 fail, 77 skip (not root, or no apt-get/dpkg).

set -u
build=${1:-build}
pkgs="libringer0 libringer-dev ringer-tools"

fail() {
	echo "FAIL (deb-check): $*" >&2
	exit 1
}

# apt-get takes a path to a .deb only as ./x or /x
build=$(cd "$build" && pwd) || fail "no directory $1"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (apt-get install)"; exit 77; }
command -v apt-get >/dev/null && command -v dpkg >/dev/null ||
	{ echo "SKIP: no apt-get/dpkg"; exit 77; }
for p in $pkgs; do
	set -- "$build"/"${p}"_*.deb
	[ $# = 1 ] && [ -f "$1" ] || fail "want one $build/${p}_*.deb (make deb), found: $*"
done
for p in $pkgs; do
	dpkg -s "$p" >/dev/null 2>&1 && fail "$p is installed already: remove it first"
done

work=$(mktemp -d) || fail "mktemp"
cleanup() {
	installed=
	for p in $pkgs; do
		dpkg -s "$p" >/dev/null 2>&1 && installed="$installed $p"
	done
	if [ -n "$installed" ]; then
		# shellcheck disable=SC2086 # a list
		DEBIAN_FRONTEND=noninteractive apt-get purge -y $installed >"$work/purge.log" 2>&1 ||
			echo "warning: apt-get purge failed: $(tail -3 "$work/purge.log")" >&2
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# 1. what the packages are
version=
for f in "$build"/libringer0_*.deb "$build"/libringer-dev_*.deb "$build"/ringer-tools_*.deb; do
	echo "--- $f"
	dpkg-deb -f "$f" Package Version Architecture Depends Section Maintainer
	v=$(dpkg-deb -f "$f" Version)
	[ -z "$version" ] && version=$v
	[ "$v" = "$version" ] || fail "$f: version $v, libringer0's is $version"
	dpkg-deb -c "$f" | awk '{ print "  " $6 ($7 ? " " $7 " " $8 : "") }' | grep -v '/$'
done
for p in libringer-dev ringer-tools; do
	dpkg-deb -f "$build"/${p}_*.deb Depends | grep -q "libringer0 (= $version)" ||
		fail "$p does not depend on libringer0 (= $version)"
done
dpkg-deb -f "$build"/ringer-tools_*.deb Depends | grep -q 'libc6' ||
	fail "ringer-tools: no libc6 in Depends (dpkg-shlibdeps did not run)"

# 2. install (man pages unpacked even where the image's dpkg configuration
# excludes /usr/share/man, as Debian's container images do: they are
# checked below)
DEBIAN_FRONTEND=noninteractive apt-get install -y \
	-o 'Dpkg::Options::=--path-include=/usr/share/man/*' "$build"/libringer0_*.deb \
	"$build"/libringer-dev_*.deb "$build"/ringer-tools_*.deb >"$work/install.log" 2>&1 ||
	fail "apt-get install: $(tail -10 "$work/install.log")"
echo "ok: apt-get install $build/*.deb"

# 3. the programs, as on any machine: from PATH, no RUNPATH but the linker's
for p in ringer-cat ringer-cp ringer-echo ringer-bench; do
	[ -x "/usr/bin/$p" ] || fail "/usr/bin/$p not installed"
done
if readelf -d /usr/bin/ringer-cat | grep -q 'R.*PATH'; then
	fail "/usr/bin/ringer-cat has an RPATH: $(readelf -d /usr/bin/ringer-cat | grep PATH)"
fi
printf 'hello from the package\n' >"$work/in.txt"
for backend in user kernel; do
	out=$(RINGER_BACKEND=$backend ringer-cat "$work/in.txt" 2>&1) ||
		fail "RINGER_BACKEND=$backend ringer-cat: $out"
	[ "$out" = "hello from the package" ] || fail "ringer-cat printed: $out"
done
echo "ok: ringer-cat from the package on both backends"
[ -x /usr/bin/ringer-info ] || fail "ringer-tools has no /usr/bin/ringer-info"
ringer-info >"$work/info.out" 2>&1 || fail "ringer-info: $(cat "$work/info.out")"
grep -q '^auto chooses: ' "$work/info.out" || fail "ringer-info: no backend choice: $(head -5 "$work/info.out")"
head -8 "$work/info.out"
echo "ok: ringer-info"
head -c 1048576 /dev/zero >"$work/bench.dat"
ringer-bench -b user -T 0.2 -q "$work/bench.dat" >"$work/bench.out" 2>&1 ||
	fail "ringer-bench -b user: $(tail -5 "$work/bench.out")"
echo "ok: ringer-bench -b user"
# ringer-trace runs a program under the packaged shim, which it finds in the
# libdir: the program's read shows in the trace
ringer-trace -o "$work/trace.txt" -- ringer-cat "$work/in.txt" >"$work/trace.out" 2>&1 ||
	fail "ringer-trace -- ringer-cat: $(tail -5 "$work/trace.out")"
grep -q "READV(fd=[0-9]*<$work/in.txt>" "$work/trace.txt" ||
	fail "ringer-trace: no READV of in.txt in the trace: $(head -5 "$work/trace.txt")"
echo "ok: ringer-trace -- ringer-cat"

# 4. man pages: io_uring_queue_init(3) from libringer-dev, ringer(7) from
# ringer-tools, found by man(1) where the packages put them
dpkg-deb -c "$build"/libringer-dev_*.deb >"$work/man.list"
dpkg-deb -c "$build"/ringer-tools_*.deb >>"$work/man.list"
command -v man >/dev/null || fail "no man(1) here: install man-db"
for page in io_uring_queue_init ringer; do
	grep -q "/man[0-9]/$page\.[0-9]" "$work/man.list" || fail "no $page page in the packages"
	where=$(man -w "$page" 2>&1) || fail "man -w $page: $where"
	case $where in
	/usr/share/man/*) echo "ok: man -w $page: $where" ;;
	*) fail "man -w $page: $where, not the packaged page" ;;
	esac
done

# 5. a liburing program, built against the installed compat header
cat >"$work/consumer.c" <<'EOC'
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <liburing.h>

#ifndef RINGER_H
#error "<liburing.h> is not ringer's compat header"
#endif

int main(int argc, char **argv)
{
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	char buf[64] = "";
	int fd = open(argv[argc - 1], O_RDONLY);
	int ret;

	if (fd < 0 || io_uring_queue_init(4, &ring, 0) < 0)
		return 1;
	io_uring_prep_read(io_uring_get_sqe(&ring), fd, buf, sizeof(buf) - 1, 0);
	if (io_uring_submit_and_wait(&ring, 1) != 1 || io_uring_peek_cqe(&ring, &cqe))
		return 1;
	ret = cqe->res;
	io_uring_cqe_seen(&ring, cqe);
	io_uring_queue_exit(&ring);
	close(fd);
	printf("%d %s", ret, buf);
	return ret == (int)strlen(buf) ? 0 : 1;
}
EOC
command -v pkg-config >/dev/null || fail "no pkg-config"
flags=$(pkg-config --cflags --libs ringer) || fail "pkg-config --cflags --libs ringer"
includedir=$(pkg-config --variable=includedir ringer)
# shellcheck disable=SC2086 # flags are a list
cc "$work/consumer.c" -I"$includedir/ringer/compat" $flags -o "$work/consumer" ||
	fail "cc consumer.c -I$includedir/ringer/compat $flags"
# (/lib is /usr/lib on a merged-/usr system)
ldd "$work/consumer" | grep -Eq 'libringer\.so\.0 => (/usr)?/lib/' ||
	fail "the consumer does not link the packaged libringer: $(ldd "$work/consumer")"
for backend in user kernel; do
	out=$(RINGER_BACKEND=$backend "$work/consumer" "$work/in.txt" 2>&1) ||
		fail "consumer on $backend: $out"
	echo "ok: consumer (cc consumer.c -I$includedir/ringer/compat $flags) on $backend: $out"
done
# and the CMake package
mkdir -p "$work/cm"
cat >"$work/cm/CMakeLists.txt" <<'EOC'
cmake_minimum_required(VERSION 3.16)
project(consumer C)
find_package(ringer REQUIRED)
add_executable(consumer ../consumer.c)
# <liburing.h>: the compat directory under ringer's include directory
get_target_property(inc ringer::ringer INTERFACE_INCLUDE_DIRECTORIES)
target_include_directories(consumer PRIVATE ${inc}/ringer/compat)
target_link_libraries(consumer PRIVATE ringer::ringer)
EOC
if command -v cmake >/dev/null; then
	cmake -S "$work/cm" -B "$work/cm/build" >"$work/cmake.log" 2>&1 &&
	cmake --build "$work/cm/build" >>"$work/cmake.log" 2>&1 &&
	"$work/cm/build/consumer" "$work/in.txt" >/dev/null ||
		fail "find_package(ringer): $(tail -10 "$work/cmake.log")"
	echo "ok: find_package(ringer) from libringer-dev"
fi

# 6. removed, nothing left
trap - EXIT
cleanup
for p in $pkgs; do
	if dpkg -s "$p" 2>/dev/null | grep -q '^Status: install'; then
		fail "$p still installed after apt-get purge"
	fi
done
left=$(ls /usr/lib/*/libringer* /usr/lib/libringer* /usr/include/ringer.h /usr/bin/ringer-cat 2>/dev/null)
[ -z "$left" ] || fail "left after apt-get purge: $left"
echo "PASS: deb-check ($version)"
exit 0
