#!/bin/sh
# SPDX-License-Identifier: MIT
# Smoke test of ringer-bench: smoke.sh CHECK PATH-TO-ringer-bench
# Exit 0 pass, 1 fail, 77 skip.
set -u

CHECK=$1
BIN=$2
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ringer-bench-test.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
ALL="kernel user trace liburing preload psync pool posixaio libaio"

fail() {
	echo "FAIL: $*"
	exit 1
}

# A backend's row: a number (IOPS) after the name.
row_ok() {
	grep -Eq "^$1 +[0-9]+ " "$2"
}

row_na() {
	grep -Eq "^$1 +n/a: " "$2"
}

# n/a for a reason the machine or the build may have: the kernel refuses
# io_uring (kernel, liburing), liburing or the shim not built in.
na_excused() {
	grep -Eq "^$1 +n/a: .*(Operation not permitted|Function not implemented|Permission denied|built without)" "$2"
}

# Every backend has a row, with figures or an n/a reason; never an error (a
# failed, crashed or hung run).  The user engine always runs: figures.  The
# kernel's rings are n/a only where the kernel refuses io_uring.
all_rows() {
	for b in $ALL; do
		grep -Eq "^$b +([0-9]|n/a: )" "$1" || fail "no row for $b in $1"
	done
	if grep -Eq "^[a-z]+ +error: " "$1"; then
		grep -E "^[a-z]+ +error: " "$1"
		fail "a backend failed"
	fi
	row_ok user "$1" || fail "the user backend did not run"
	row_ok trace "$1" || fail "the trace backend did not run"
	for b in kernel liburing; do
		row_ok $b "$1" || na_excused $b "$1" || fail "$b is n/a for no excused reason"
	done
}

case $CHECK in
usage)
	# each bad command line: one line on stderr, the mistake and a hint,
	# exit status 2
	for args in "--bogus" "-d 0" "-d abc" "--depth" "-B 3x" "-T 0" "-T -1" \
		"--baseline nosuch" "-b kernel,nosuch" "--sweep depth" \
		"--sweep nosuch=1,2" "--sweep depth=1,x" "-D -B 1000" "a b" \
		"--iopoll" "--rounds 0" "-S 0" "--sqpoll-idle 0" "--sqpoll-idle -1" \
		"--sqpoll-idle x" "--sqpoll-idle"; do
		# shellcheck disable=SC2086 # the arguments are meant to split
		"$BIN" $args >"$WORK/out" 2>"$WORK/err"
		rc=$?
		[ $rc -eq 2 ] || fail "'$args' exited $rc, not 2"
		[ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "'$args': not one line on stderr"
		grep -q "^ringer-bench: .*; try 'ringer-bench --help'$" "$WORK/err" ||
			fail "'$args': no hint on stderr: $(cat "$WORK/err")"
		[ -s "$WORK/out" ] && fail "'$args' wrote to stdout"
	done
	# the runtime's range, as the help and the error state it
	"$BIN" -T 0 2>"$WORK/err"
	grep -q "more than 0, at most 3600" "$WORK/err" || fail "-T 0: $(cat "$WORK/err")"
	"$BIN" --help >"$WORK/out" 2>&1 || fail "--help exited $?"
	grep -q "^usage: ringer-bench" "$WORK/out" || fail "--help: no usage"
	grep -q "more than 0 and at most 3600" "$WORK/out" || fail "--help: no runtime range"
	;;
nop)
	"$BIN" -N -T 1 >"$WORK/out" 2>&1 || { cat "$WORK/out"; fail "NOP run exited $?"; }
	cat "$WORK/out"
	all_rows "$WORK/out"
	# a live line was printed while a backend ran
	grep -Eq "^  (kernel|user|liburing) +1s +[0-9]+ IOPS" "$WORK/out" ||
		fail "no live line"
	for b in psync pool posixaio libaio; do
		row_na $b "$WORK/out" || fail "$b should be n/a for NOP"
	done
	;;
file)
	# tiny temporary file: created in TMPDIR and removed
	mkdir "$WORK/tmp"
	TMPDIR=$WORK/tmp "$BIN" -q -S 1m -T 0.5 -d 4 >"$WORK/out" 2>&1 ||
		{ cat "$WORK/out"; fail "file run exited $?"; }
	cat "$WORK/out"
	all_rows "$WORK/out"
	[ -z "$(ls -A "$WORK/tmp")" ] || fail "temporary file left behind"
	for b in psync pool posixaio; do
		row_ok $b "$WORK/out" || fail "$b did not run"
	done
	# a named file is used as it is (its size, or less with -S); writes to
	# it only with --write-ok
	head -c 262144 /dev/urandom >"$WORK/f"
	cp "$WORK/f" "$WORK/f.orig"
	"$BIN" -q -T 0.2 -b psync,kernel "$WORK/f" >"$WORK/out" 2>&1 ||
		{ cat "$WORK/out"; fail "named-file run exited $?"; }
	grep -q "file=$WORK/f (256 KiB)" "$WORK/out" || fail "FILE's size not used"
	cmp -s "$WORK/f" "$WORK/f.orig" || fail "a read run changed FILE"
	"$BIN" -q -S 128k -T 0.2 -b psync "$WORK/f" >"$WORK/out" 2>&1 ||
		{ cat "$WORK/out"; fail "named-file -S 128k run exited $?"; }
	grep -q "(128 KiB)" "$WORK/out" || fail "-S 128k not used"
	"$BIN" -q -T 0.2 -b psync,kernel -w --write-ok "$WORK/f" >"$WORK/out" 2>&1 ||
		{ cat "$WORK/out"; fail "named-file write run exited $?"; }
	[ "$(stat -c %s "$WORK/f")" = 262144 ] || fail "a write run changed FILE's size"
	row_ok psync "$WORK/out" || fail "psync write did not run"
	;;
refuse)
	# what a user names is never created, grown or written without asking;
	# each refusal is one line, before any table, and exits 1 (2 for -w)
	check_refused() { # STATUS PATTERN ARGS...
		want=$1
		pattern=$2
		shift 2
		"$BIN" -q -T 0.2 "$@" >"$WORK/out" 2>"$WORK/err"
		rc=$?
		[ $rc -eq "$want" ] || fail "'$*' exited $rc, not $want"
		[ -s "$WORK/out" ] && fail "'$*' wrote to stdout: $(cat "$WORK/out")"
		[ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "'$*': not one line: $(cat "$WORK/err")"
		grep -q -- "$pattern" "$WORK/err" || fail "'$*': $(cat "$WORK/err")"
	}
	check_refused 1 "No such file or directory (FILE must exist" "$WORK/missing"
	[ -e "$WORK/missing" ] && fail "a missing FILE was created"
	check_refused 1 "No such file or directory" -w --write-ok "$WORK/missing"
	[ -e "$WORK/missing" ] && fail "a missing FILE was created by -w"
	check_refused 1 "a directory; FILE must be a regular file" "$WORK"
	check_refused 1 "a directory; FILE must be a regular file" --mem "$WORK"
	: >"$WORK/empty"
	check_refused 1 "empty; it is never grown" "$WORK/empty"
	check_refused 1 "empty; it is never grown" -w --write-ok "$WORK/empty"
	[ -s "$WORK/empty" ] && fail "an empty FILE was grown"
	head -c 100000 /dev/urandom >"$WORK/small"
	cp "$WORK/small" "$WORK/small.orig"
	check_refused 1 "100000 bytes, less than --size 1048576" -S 1m "$WORK/small"
	check_refused 1 "smaller than a block" -B 1m "$WORK/small"
	check_refused 2 "add --write-ok" -w "$WORK/small"
	check_refused 2 "add --write-ok" -w -b psync --sweep depth=1,2 "$WORK/small"
	cmp -s "$WORK/small" "$WORK/small.orig" || fail "a refused run changed FILE"
	mkfifo "$WORK/fifo"
	check_refused 1 "not a regular file" "$WORK/fifo"
	;;
allfail)
	# no backend with figures: the table still shows why, the exit is 1;
	# one that runs is enough for 0
	"$BIN" -q -N -T 0.2 -b posixaio,libaio >"$WORK/out" 2>"$WORK/err"
	rc=$?
	[ $rc -eq 1 ] || fail "every backend n/a: exit $rc, not 1"
	row_na posixaio "$WORK/out" || fail "no n/a row for posixaio"
	grep -q "no backend ran" "$WORK/err" || fail "no message: $(cat "$WORK/err")"
	"$BIN" -q -N -T 0.2 -b posixaio,user >"$WORK/out" 2>"$WORK/err" ||
		fail "one backend n/a, one ran: exit $?"
	;;
columns)
	# the workload header once per table; the spread and median columns
	# only with several rounds
	"$BIN" -q -N -T 0.2 -b user,trace >"$WORK/out" 2>&1 || fail "one round exited $?"
	cat "$WORK/out"
	[ "$(grep -c "nop bs=" "$WORK/out")" -eq 1 ] || fail "the workload header is not once"
	grep -q "^backend .*IOPS" "$WORK/out" || fail "no column header"
	grep -Eq "^backend .*(\+-%|med)" "$WORK/out" && fail "+-% or med with one round"
	# IOPS, then MiB/s: no spread figure between them
	grep -Eq "^user +[0-9]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9]+ " "$WORK/out" ||
		fail "the user row's columns"
	"$BIN" -q -N -T 0.4 --rounds 2 -b user,trace --baseline user >"$WORK/out" 2>&1 ||
		fail "two rounds exited $?"
	cat "$WORK/out"
	[ "$(grep -c "nop bs=" "$WORK/out")" -eq 1 ] || fail "the workload header is not once"
	grep -Eq "^backend +IOPS +\+-% .* ratio +med$" "$WORK/out" ||
		fail "no +-% and med with two rounds"
	# live lines come after the header, before the table
	"$BIN" -N -T 1 -b user >"$WORK/out" 2>&1 || fail "live run exited $?"
	awk '/^== nop/ { h = NR } /^  user +1s/ { l = NR } /^backend/ { t = NR }
		END { exit !(h && l && t && h < l && l < t) }' "$WORK/out" ||
		{ cat "$WORK/out"; fail "header, live line, table not in that order"; }
	;;
json)
	"$BIN" -q -S 1m -T 0.3 --json "$WORK/j" >"$WORK/out" 2>&1 ||
		{ cat "$WORK/out"; fail "run exited $?"; }
	python3 -m json.tool "$WORK/j" >/dev/null || fail "invalid JSON"
	python3 - "$WORK/j" <<'EOF' || fail "JSON content"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["machine"]["cpus"] >= 1
res = d["runs"][0]["results"]
names = [r["backend"] for r in res]
assert names == ["kernel", "user", "trace", "liburing", "preload", "psync", "pool", "posixaio", "libaio"], names
for r in res:
    # an error is a failed, crashed or hung run: never acceptable
    assert r["status"] in ("ok", "n/a"), r
    if r["status"] == "ok":
        assert r["iops"] > 0 and r["lat_p50_us"] > 0, r
    else:
        assert r["reason"], r
for b in ("user", "trace", "psync"):
    assert [r for r in res if r["backend"] == b][0]["status"] == "ok", b
EOF
	# the NOP table as JSON too
	"$BIN" -q -N -T 0.3 --json "$WORK/n" >/dev/null 2>&1 || fail "NOP run exited $?"
	python3 -m json.tool "$WORK/n" >/dev/null || fail "invalid NOP JSON"
	python3 - "$WORK/n" <<'EOF' || fail "NOP JSON content"
import json, sys
res = json.load(open(sys.argv[1]))["runs"][0]["results"]
assert all(r["status"] in ("ok", "n/a") for r in res), res
assert [r for r in res if r["backend"] == "user"][0]["status"] == "ok"
EOF
	;;
sweep)
	"$BIN" -q -S 1m -T 0.2 -b kernel,psync --sweep depth=1,2 --csv "$WORK/c" \
		>"$WORK/out" 2>&1 || { cat "$WORK/out"; fail "sweep exited $?"; }
	[ "$(wc -l <"$WORK/c")" -eq 5 ] || { cat "$WORK/c"; fail "CSV has not 1 + 4 lines"; }
	grep -q "^randread,0,4096,2,2,1,psync,ok," "$WORK/c" || fail "no psync depth 2 line"
	[ "$(grep -c '^== ' "$WORK/out")" -eq 2 ] || fail "not two tables"
	;;
mem)
	"$BIN" --mem >"$WORK/out" 2>&1 || { cat "$WORK/out"; fail "--mem exited $?"; }
	cat "$WORK/out"
	grep -Eq "^kernel +([0-9.]+ MiB resident added|n/a: )" "$WORK/out" ||
		fail "no memory line for kernel"
	grep -Eq "^user +[0-9.]+ MiB resident added" "$WORK/out" ||
		fail "no memory figure for user"
	;;
sqidle)
	# an idle SQPOLL ring per ring backend: the CPU its threads took and the
	# NEED_WAKEUP flag; the engine always has figures, the kernel's ring is
	# n/a only where the kernel refuses io_uring
	"$BIN" --sqpoll-idle 0.3 >"$WORK/out" 2>&1 || { cat "$WORK/out"; fail "--sqpoll-idle exited $?"; }
	cat "$WORK/out"
	line="poller CPU [0-9]+\.[0-9]{3} ms in 0\.3 s, [0-9]+ threads? added \(.*\), NEED_WAKEUP (set|clear)$"
	grep -Eq "^user +$line" "$WORK/out" || fail "no idle figure for user"
	grep -Eq "^user +poller CPU .* [1-9][0-9]* threads? added" "$WORK/out" ||
		fail "the engine's SQPOLL ring added no thread"
	grep -Eq "^kernel +$line" "$WORK/out" || na_excused kernel "$WORK/out" ||
		fail "kernel: no idle figure and no excused n/a"
	;;
preload)
	# the liburing loop under the shim: IOPS > 0, or n/a with a reason
	for args in "-N -T 1" "-S 1m -T 1 -d 4"; do
		# shellcheck disable=SC2086 # the arguments are meant to split
		"$BIN" -q $args -b preload >"$WORK/out" 2>&1
		rc=$?
		cat "$WORK/out"
		# n/a, the only backend: nothing ran, exit 1
		[ $rc -eq 0 ] || { [ $rc -eq 1 ] && row_na preload "$WORK/out"; } ||
			fail "'$args -b preload' exited $rc"
		if row_na preload "$WORK/out"; then
			# only a build without liburing or the shim excuses it
			grep -Eq "^preload +n/a: built without" "$WORK/out" ||
				fail "preload n/a: the engine under the shim did not run"
			echo "preload is n/a in this build"
			exit 77
		fi
		grep -Eq "^preload +[0-9]*[1-9][0-9]* " "$WORK/out" ||
			fail "'$args': no preload row with IOPS > 0"
	done
	# --no-fork cannot re-exec: n/a with its reason, and with no other
	# backend nothing ran: exit 1
	"$BIN" -q -N -T 0.2 -b preload --no-fork >"$WORK/out" 2>&1
	rc=$?
	[ $rc -eq 1 ] || fail "--no-fork exited $rc, not 1"
	grep -Eq "^preload +n/a: .*no-fork" "$WORK/out" || fail "--no-fork: not n/a"
	# a shim that is not there: n/a naming it
	RINGER_PRELOAD_LIB=$WORK/none.so "$BIN" -q -N -T 0.2 -b preload >"$WORK/out" 2>&1
	rc=$?
	[ $rc -eq 1 ] || fail "missing shim: exited $rc, not 1"
	grep -Eq "^preload +n/a: shim not found: $WORK/none.so" "$WORK/out" ||
		{ cat "$WORK/out"; fail "missing shim: not n/a"; }
	;;
trace)
	# the engine traced: figures, with the CPU ratio to the untraced engine;
	# its trace file is the one asked for; --no-fork cannot trace: n/a
	RINGER_BENCH_TRACE=$WORK/trace "$BIN" -q -S 1m -T 0.3 -d 4 -b user,trace \
		>"$WORK/out" 2>&1 || { cat "$WORK/out"; fail "trace run exited $?"; }
	cat "$WORK/out"
	row_ok trace "$WORK/out" || fail "no trace row"
	grep -q "^trace: cpu/IO [0-9.]*x the untraced engine's" "$WORK/out" || fail "no trace ratio"
	grep -q " READ(fd=" "$WORK/trace" || fail "no READ in the trace file"
	"$BIN" -q -N -T 0.2 -b trace --no-fork >"$WORK/out" 2>&1
	rc=$?
	[ $rc -eq 1 ] || fail "--no-fork exited $rc, not 1 (nothing ran)"
	grep -Eq "^trace +n/a: .*no-fork" "$WORK/out" || fail "--no-fork: not n/a"
	;;
isolation)
	# liburing's io_uring_* must stay inside its shared object
	so=$(dirname "$BIN")/libringer-bench-liburing.so
	[ -f "$so" ] || { echo "built without liburing"; exit 77; }
	command -v nm >/dev/null || exit 77
	nm -D --undefined-only "$so" | grep -q io_uring &&
		fail "the liburing object imports io_uring_* symbols"
	exports=$(nm -D --defined-only "$so" | awk '$2 == "T" { print $3 }')
	[ "$exports" = lu_ring_worker ] || fail "the liburing object exports: $exports"
	;;
net)
	# the network mode: every server has a row; the kernel's io_uring and
	# the epoll loop have figures (the kernel's only n/a where it refuses
	# io_uring); the engine's rows have figures, or n/a while the engine
	# lacks the network ops; bad options exit 2
	"$BIN" net -c 1,8 -T 0.3 -w 0.1 --json "$WORK/net.json" >"$WORK/out" 2>&1 ||
		{ cat "$WORK/out"; fail "net exited $?"; }
	cat "$WORK/out"
	for b in kernel user shim epoll; do
		[ "$(grep -Ec "^$b +([0-9]|n/a: )" "$WORK/out")" -eq 2 ] ||
			fail "net: not two rows for $b"
	done
	[ "$(grep -Ec "^epoll +[0-9]+ " "$WORK/out")" -eq 2 ] || fail "net: epoll did not run"
	if ! [ "$(grep -Ec "^kernel +[0-9]+ " "$WORK/out")" -eq 2 ]; then
		RINGER_BACKEND=kernel "$(dirname "$BIN")/../examples/ringer-echo" -a none 2>&1 |
			grep -Eq "Operation not permitted|Function not implemented|Permission denied" ||
			fail "net: the kernel's server did not run"
	fi
	grep -q '"mode":"net"' "$WORK/net.json" || fail "net: no JSON"
	for args in "-c 0" "-s 0" "-d 65" "-b nosuch" "-T 0" "--bogus"; do
		# shellcheck disable=SC2086
		"$BIN" net $args >/dev/null 2>&1
		rc=$?
		[ $rc -eq 2 ] || fail "net '$args' exited $rc, not 2"
	done
	;;
*)
	fail "unknown check $CHECK"
	;;
esac
exit 0
