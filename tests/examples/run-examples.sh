#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Runs the example programs as a user would and checks what they produce.
#
#   run-examples.sh CASE BINDIR WORKDIR
#
# CASE: cp | cat | link-cp | errors | short-read.  BINDIR holds ringer-cat,
# ringer-cp, link-cp and short-read; WORKDIR is created for the temporary
# files and removed at the end.
# The backend comes from RINGER_BACKEND in the environment (CTest sets it).
# Exit: 0 pass, 1 fail, 77 skip (the kernel backend where the kernel refuses
# io_uring).

set -u

case_name=$1
bindir=$2
work=$3

fail() {
	echo "FAIL ($case_name, RINGER_BACKEND=${RINGER_BACKEND:-}): $*" >&2
	exit 1
}

rm -rf "$work"
mkdir -p "$work" || fail "cannot create $work"
trap 'rm -rf "$work"' EXIT
cd "$work" || fail "cannot enter $work"

# Can we get a ring at all?  ringer-cat of an empty file needs exactly one.
if ! "$bindir/ringer-cat" /dev/null >probe.out 2>probe.err; then
	if [ "${RINGER_BACKEND:-}" = kernel ] &&
	   grep -Eq 'io_uring_queue_init: (Operation not permitted|Permission denied|Function not implemented)' probe.err; then
		echo "SKIP: the kernel refuses io_uring here: $(cat probe.err)"
		exit 77
	fi
	fail "ringer-cat /dev/null: $(cat probe.err)"
fi

# Random test data of an exact size, made with dd so it works without GNU head.
mkdata() { # NAME BYTES
	dd if=/dev/urandom of="$1" bs=1048576 count=$(($2 / 1048576)) status=none ||
		fail "dd $1"
	rem=$(($2 % 1048576))
	if [ "$rem" -gt 0 ]; then
		dd if=/dev/urandom bs="$rem" count=1 status=none >>"$1" || fail "dd $1"
	fi
	[ "$(wc -c <"$1")" -eq "$2" ] || fail "$1 has the wrong size"
}

# Copy SRC with PROG at each DEPTH and compare.
copies() { # PROG SRC DEPTH...
	prog=$1
	src=$2
	shift 2
	for depth in "$@"; do
		"$bindir/$prog" -d "$depth" "$src" copy.out ||
			fail "$prog -d $depth $src exited with $?"
		cmp "$src" copy.out || fail "$prog -d $depth $src: copy differs"
		rm -f copy.out
		echo "ok: $prog -d $depth $src ($(wc -c <"$src") bytes)"
	done
}

# Run CMD... expecting exit status WANT (or any non-zero for "nz") and a
# message on stderr matching PATTERN.
expect() { # WANT PATTERN CMD...
	want=$1
	pattern=$2
	shift 2
	"$@" >err.out 2>err.txt
	st=$?
	if [ "$want" = nz ]; then
		[ "$st" -ne 0 ] || fail "$*: exit 0, wanted non-zero"
	else
		[ "$st" -eq "$want" ] || fail "$*: exit $st, wanted $want ($(cat err.txt))"
	fi
	grep -q -- "$pattern" err.txt ||
		fail "$*: stderr lacks '$pattern': $(cat err.txt)"
	echo "ok: $* -> $st"
}

case $case_name in
cp)
	mkdata big 104857600
	copies ringer-cp big 1 8 64
	mkdata odd 1000001	# not a multiple of the block size
	copies ringer-cp odd 1 3 8
	: >empty
	copies ringer-cp empty 1 8
	# default depth, and the mode of the source kept
	chmod 640 odd
	"$bindir/ringer-cp" odd copy.out || fail "ringer-cp odd (default depth)"
	cmp odd copy.out || fail "ringer-cp odd (default depth): copy differs"
	[ "$(stat -c %a copy.out)" = 640 ] || fail "ringer-cp: mode $(stat -c %a copy.out)"
	# an existing, longer destination is truncated
	"$bindir/ringer-cp" empty copy.out || fail "ringer-cp empty over a file"
	[ ! -s copy.out ] || fail "ringer-cp did not truncate the destination"
	rm -f copy.out
	;;
link-cp)
	mkdata big 33554432
	copies link-cp big 1 8 64
	mkdata odd 1000001
	copies link-cp odd 1 3 8
	: >empty
	copies link-cp empty 1
	;;
cat)
	: >empty
	printf x >one
	mkdata odd 1000001
	mkdata five 5242880
	printf 'line 1\nline 2\n' >text
	for set in "empty" "one" "odd" "text empty one" "five odd empty text five"; do
		# shellcheck disable=SC2086 # the set is a list of names
		"$bindir/ringer-cat" $set >got || fail "ringer-cat $set exited with $?"
		# shellcheck disable=SC2086
		cat $set >want
		cmp want got || fail "ringer-cat $set differs from cat"
		echo "ok: ringer-cat $set"
	done
	# standard input, from a pipe (read at offset -1)
	cat odd | "$bindir/ringer-cat" - >got || fail "ringer-cat - exited with $?"
	cmp odd got || fail "ringer-cat - differs"
	echo "ok: ringer-cat - (pipe)"
	# a missing file among good ones: the others are still printed, exit 1
	"$bindir/ringer-cat" one missing text >got 2>err.txt
	st=$?
	[ "$st" -eq 1 ] || fail "ringer-cat with a missing file: exit $st, wanted 1"
	grep -q "missing" err.txt || fail "ringer-cat: message does not name the file"
	cat one text >want
	cmp want got || fail "ringer-cat with a missing file: output differs"
	echo "ok: ringer-cat one missing text -> 1"
	;;
errors)
	printf 'data\n' >src
	for p in ringer-cp link-cp; do
		expect 2 "; try '.* --help'$" "$bindir/$p"
		expect 2 "; try '.* --help'$" "$bindir/$p" src
		expect 2 "; try '.* --help'$" "$bindir/$p" src a b
		expect 2 "; try '.* --help'$" "$bindir/$p" -d 0 src dst
		expect 2 "; try '.* --help'$" "$bindir/$p" -d -4 src dst
		expect 2 "; try '.* --help'$" "$bindir/$p" -d abc src dst
		expect 2 "; try '.* --help'$" "$bindir/$p" -d 8x src dst
		expect 2 "; try '.* --help'$" "$bindir/$p" -d 100000 src dst
		expect 2 "; try '.* --help'$" "$bindir/$p" -q src dst
		expect 1 "missing-src: No such file or directory" \
			"$bindir/$p" missing-src dst
		[ ! -e dst ] || fail "$p created dst for a missing source"
		expect 1 "no-such-dir/dst: No such file or directory" \
			"$bindir/$p" src no-such-dir/dst
		expect 1 "not a regular file" "$bindir/$p" . dst
		expect 1 "same file" "$bindir/$p" src ./src
		[ "$(cat src)" = data ] || fail "$p: copying src onto itself damaged it"
		# a write error on the destination: named, with strerror
		if [ -w /dev/full ]; then
			expect 1 "/dev/full: write: No space left on device" \
				"$bindir/$p" src /dev/full
		fi
	done
	# A short write, then an error: with RLIMIT_FSIZE below the size of
	# the copy (and SIGXFSZ ignored), the write crossing the limit is
	# short, the re-queued rest fails with EFBIG.  One block in flight,
	# so the short write is not hidden behind another block's error:
	# everything up to the limit is in the copy and matches.
	mkdata odd 1000001
	for p in ringer-cp:131072 link-cp:65536; do
		block=${p#*:}
		p=${p%:*}
		rm -f copy.out
		(trap '' XFSZ; ulimit -f 400 && exec "$bindir/$p" -d 1 odd copy.out) \
			>/dev/null 2>err.txt
		st=$?
		[ "$st" -eq 1 ] || fail "$p over RLIMIT_FSIZE: exit $st, wanted 1"
		grep -q "copy.out: write: File too large" err.txt ||
			fail "$p over RLIMIT_FSIZE: $(cat err.txt)"
		size=$(wc -c <copy.out)
		[ "$size" -gt "$block" ] && [ $((size % block)) -ne 0 ] ||
			fail "$p over RLIMIT_FSIZE: copy is $size bytes (no short write?)"
		cmp -n "$size" odd copy.out || fail "$p over RLIMIT_FSIZE: copy differs"
		echo "ok: $p -d 1 over RLIMIT_FSIZE -> short write, then EFBIG ($size bytes)"
	done
	rm -f copy.out odd

	expect 2 "; try '.* --help'$" "$bindir/ringer-cat"
	expect 2 "; try '.* --help'$" "$bindir/ringer-cat" -x src
	expect 1 "missing-file: No such file or directory" \
		"$bindir/ringer-cat" missing-file
	expect 1 "Is a directory" "$bindir/ringer-cat" .
	if [ -w /dev/full ]; then
		expect 1 "standard output: No space left on device" \
			sh -c "'$bindir/ringer-cat' src >/dev/full"
	fi
	;;
short-read)
	# The demonstration of RINGER_FAULTS (docs/FAULTS.md): short-read's
	# copy is right until a read comes back short; one rule shows it.  A
	# copy that handles short reads (ringer-cp) stays right under it.
	mkdata data 1000001
	"$bindir/short-read" data copy.out || fail "short-read exited with $?"
	cmp data copy.out || fail "short-read: the copy differs without a fault"
	echo "ok: short-read without faults"
	RINGER_FAULTS="op=read short" RINGER_SEED=1 RINGER_BACKEND=user \
		"$bindir/short-read" data copy.out 2>err.txt ||
		fail "short-read under the rule exited with $? ($(cat err.txt))"
	grep -q "action=short=" err.txt || fail "no short read was injected: $(cat err.txt)"
	if cmp -s data copy.out; then
		fail "short-read: the copy is right under short reads (the bug did not show)"
	fi
	echo "ok: short-read under op=read short: the copy differs"
	RINGER_FAULTS="op=read,readv short" RINGER_SEED=1 RINGER_BACKEND=user \
		"$bindir/ringer-cp" data copy.out 2>err.txt ||
		fail "ringer-cp under the rule exited with $? ($(cat err.txt))"
	grep -q "action=short=" err.txt || fail "no short read was injected into ringer-cp"
	cmp data copy.out || fail "ringer-cp: the copy differs under short reads"
	echo "ok: ringer-cp under op=read,readv short: the copy is right"
	;;
*)
	fail "unknown case"
	;;
esac
echo "PASS: $case_name (RINGER_BACKEND=${RINGER_BACKEND:-})"
exit 0
