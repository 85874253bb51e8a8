#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Runs liburing's own test suite (Debian's source package, liburing 2.3) in
# two modes: plainly on the kernel (the oracle), and unmodified under the
# preload shim with RINGER_BACKEND=user (the engine).  The engine's results
# are checked against tests/liburing/expected.tsv, the contract:
#
#   test <TAB> engine result (pass|skip|fail|flaky) <TAB> reason (for fail/skip/flaky)
#
# The run fails when an expected pass fails, hangs or skips, and also when an
# expected failure now passes (the file must always tell the truth: move the
# row).  An expected pass that fails gets one retry, reported as FLAKY when it
# then passes.  A row marked flaky (a race with the test's own timing, its
# reason in the row) accepts pass or fail, and reports which; a hang or a skip
# there is unexpected.  The kernel's results are reported, never gated: the kernel is the
# oracle, not the subject.
#
# The source is not vendored: it is fetched with `apt-get source liburing`
# into a cache (RINGER_LIBURING_CACHE, default ~/.cache/ringer/liburing) and
# built there once.  If it cannot be fetched the run says so loudly and exits
# 77 (skipped); it never passes silently.
#
# Usage: tests/liburing/run.sh [--build DIR] [--mode kernel|user|both]
#          [--timeout SECS] [--only "T1 T2 ..."] [--repeat N] [--suggest]
#   --build DIR    ringer's build directory (default: build), for the shim
#   --mode         which modes to run (default: both, one after the other)
#   --timeout      per-test cap in seconds (default: 60)
#   --only         run only these tests (names without .t)
#   --repeat N     run each test N times (a flaky test shows as mixed)
#   --suggest      print, at the end, expected.tsv rows for what was seen
# Exit: 0 the engine met every expectation, 1 it did not, 77 skipped.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=build
mode=both
timeout=60
only=
repeat=1
suggest=0
expected=$here/expected.tsv
version=2.3

while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--mode) mode=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--repeat) repeat=$2; shift 2 ;;
	--suggest) suggest=1; shift ;;
	--expected) expected=$2; shift 2 ;;
	-h|--help) sed -n '3,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done
case $mode in kernel|user|both) ;; *) echo "run.sh: bad --mode $mode" >&2; exit 2 ;; esac
case $build in /*) ;; *) build=$root/$build ;; esac

loud() {
	printf '\n%s\n' "************************************************************************"
	printf '* %s\n' "$@"
	printf '%s\n\n' "************************************************************************"
}

# --- fetch and build liburing's tests (cached) -----------------------------------
cache=${RINGER_LIBURING_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ringer/liburing}
src=$cache/liburing-$version
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ ! -f "$src/test/Makefile" ]; then
	echo "liburing: fetching Debian's liburing $version source package into $cache"
	rm -rf "$cache"/liburing-* "$cache"/liburing_*
	# expected.tsv is liburing $version's: another version's suite is not fetched
	(cd "$cache" && apt-get source -q liburing >"$cache/fetch.log" 2>&1)
	if [ ! -f "$src/test/Makefile" ]; then
		tail -n 5 "$cache/fetch.log" 2>/dev/null
		ls -d "$cache"/liburing-*/ 2>/dev/null | sed 's/^/  unpacked instead: /'
		loud "liburing: SKIPPED: cannot fetch Debian's liburing $version source package" \
		     "(apt-get source liburing; needs a deb-src line in the apt sources" \
		     "and 'apt-get update'; .ci/run adds one).  NOTHING WAS TESTED."
		exit 77
	fi
fi
if [ ! -f "$src/test/.ringer-built" ]; then
	echo "liburing: building liburing $version and its tests in $src"
	if ! (cd "$src" && ./configure >build.log 2>&1 &&
	      make -j"$(nproc)" -C src >>build.log 2>&1 &&
	      make -j"$(nproc)" -C test >>build.log 2>&1); then
		tail -n 20 "$src/build.log"
		loud "liburing: FAILED to build liburing $version's tests (log: $src/build.log)"
		exit 1
	fi
	touch "$src/test/.ringer-built"
fi
flock -u 9

preload=$build/src/preload/libringer-preload.so
if [ "$mode" != kernel ] && [ ! -f "$preload" ]; then
	echo "run.sh: $preload not found: build ringer first (make)" >&2
	exit 2
fi
if [ ! -f "$expected" ]; then
	echo "run.sh: $expected not found" >&2
	exit 2
fi

tests=()
if [ -n "$only" ]; then
	for t in $only; do tests+=("$t"); done
else
	for t in "$src"/test/*.t; do tests+=("$(basename "$t" .t)"); done
fi

# --- run --------------------------------------------------------------------------
out=${RINGER_LIBURING_OUT:-$build/liburing}
mkdir -p "$out"

# classify STATUS: what a test's exit status means
classify() {
	case $1 in
	0) echo pass ;;
	77) echo skip ;;
	124 | 137) echo hang ;;
	*) echo fail ;;
	esac
}

# run_one MODE TEST LOG: run TEST once in a scratch directory of its own;
# prints "result<TAB>milliseconds<TAB>exit status"
run_one() {
	local m=$1 t=$2 log=$3 st scratch t0 t1 cap=$timeout
	# Known slow on the engine, not hung: poll-mshot-update takes several
	# times the kernel's time there, most of it system time, so on a loaded
	# machine it nears the cap.  It gets three caps; a real hang still ends
	# as one.
	case $m:$t in user:poll-mshot-update) cap=$((timeout * 3)) ;; esac
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/ringer-liburing.XXXXXX")
	t0=$(date +%s%N)
	if [ "$m" = user ]; then
		# the shim goes into the test, not into timeout(1)
		(cd "$scratch" && env -u LD_PRELOAD timeout -s INT -k 5 "$cap" \
			env RINGER_BACKEND=user LD_PRELOAD="$preload" "$src/test/$t.t" \
			</dev/null >"$log" 2>&1)
	else
		(cd "$scratch" && env -u LD_PRELOAD \
			timeout -s INT -k 5 "$cap" "$src/test/$t.t" \
			</dev/null >"$log" 2>&1)
	fi
	st=$?
	t1=$(date +%s%N)
	rm -rf "$scratch"
	printf '%s\t%s\t%s\n' "$(classify "$st")" "$(((t1 - t0) / 1000000))" "$st"
}

# run_mode MODE: every test once (or --repeat times), one at a time; results
# to $out/MODE.tsv, logs to $out/MODE/
run_mode() {
	local m=$1 t i
	local tsv=$out/$m.tsv logs=$out/$m
	rm -rf "$logs"
	mkdir -p "$logs"
	: >"$tsv"
	for t in "${tests[@]}"; do
		if [ ! -x "$src/test/$t.t" ]; then
			printf '%s\t%s\t%s\t%s\n' "$t" missing 0 - >>"$tsv"
			continue
		fi
		for ((i = 0; i < repeat; i++)); do
			printf '%s\t%s\n' "$t" "$(run_one "$m" "$t" "$logs/$t.log")" >>"$tsv"
		done
	done
}

case $mode in
kernel | user) run_mode "$mode" ;;
both)
	# one mode after the other: several tests bind fixed TCP ports
	run_mode kernel
	run_mode user
	;;
esac

# --- report -----------------------------------------------------------------------
# result_of MODE TEST: one word; "mixed(a,b)" when --repeat saw more than one
result_of() {
	awk -F'\t' -v t="$2" '$1 == t { print $2 }' "$out/$1.tsv" | sort -u |
		paste -sd, | sed 's/^\(.*,.*\)$/mixed(\1)/'
}

summary() {
	local m=$1
	awk -F'\t' -v m="$m" '
		{ n[$2]++; ms += $3 }
		END {
			printf "liburing on the %s, %.0f s%s:\n", m == "user" ? "engine" : "kernel",
				ms / 1000, n["hang"] ? sprintf(" (%d of the failures hung)", n["hang"]) : ""
			printf "liburing: %d passed, %d failed, %d skipped\n",
				n["pass"], n["fail"] + n["hang"] + n["missing"], n["skip"]
		}' "$out/$m.tsv"
}

status=0
if [ "$mode" != user ]; then
	echo
	echo "== kernel (the oracle): tests that did not pass =="
	awk -F'\t' '$2 != "pass" { printf "  %-28s %s (exit %s)\n", $1, $2, $4 }' "$out/kernel.tsv"
fi
if [ "$mode" != kernel ]; then
	echo
	echo "== engine (RINGER_BACKEND=user under the shim) against $(basename "$expected") =="
	nunexp=0
	nflaky=0
	for t in "${tests[@]}"; do
		got=$(result_of user "$t")
		row=$(awk -F'\t' -v t="$t" '$1 == t' "$expected")
		want=$(printf '%s' "$row" | cut -f2)
		why=$(printf '%s' "$row" | cut -f3)
		kern=
		[ "$mode" = both ] && kern=" (kernel: $(result_of kernel "$t"))"
		case $want in
		'')
			echo "  UNEXPECTED $t: no row in expected.tsv; engine: $got$kern"
			nunexp=$((nunexp + 1)) ;;
		pass)
			if [ "$got" != pass ] && [ "$repeat" = 1 ]; then
				# one retry, said out loud: a loaded machine can push a
				# slow test past the cap; a test that fails twice is not
				# noise
				retry=$(run_one user "$t" "$out/user/$t.retry.log" | cut -f1)
				if [ "$retry" = pass ]; then
					echo "  FLAKY $t: engine: $got, then pass on a retry$kern (log: $out/user/$t.log)"
					nflaky=$((nflaky + 1))
					got=pass
				fi
			fi
			if [ "$got" != pass ]; then
				echo "  UNEXPECTED $t: expected pass, engine: $got$kern (log: $out/user/$t.log)"
				nunexp=$((nunexp + 1))
			fi ;;
		skip)
			if [ "$got" != skip ]; then
				echo "  UNEXPECTED $t: expected skip ($why), engine: $got$kern"
				nunexp=$((nunexp + 1))
			fi ;;
		fail)
			case $got in
			fail | hang) ;;
			*)
				echo "  UNEXPECTED $t: expected fail ($why), engine: $got$kern:" \
				     "if it now passes reliably, move its row to pass"
				nunexp=$((nunexp + 1)) ;;
			esac ;;
		flaky)
			# a known race with the test's own timing, said in the
			# row: pass or fail both tell nothing; a hang or a skip
			# is new
			case $got in
			pass | fail)
				echo "  KNOWN FLAKY $t: engine: $got ($why)" ;;
			*)
				echo "  UNEXPECTED $t: expected pass or fail ($why), engine: $got$kern"
				nunexp=$((nunexp + 1)) ;;
			esac ;;
		*)
			echo "  BAD ROW $t: '$want' (pass, skip, fail or flaky)"
			nunexp=$((nunexp + 1)) ;;
		esac
	done
	echo "  $nunexp unexpected result(s), $nflaky pass(es) on a retry"
	[ "$nunexp" = 0 ] || status=1
fi

echo
[ "$mode" != user ] && summary kernel
[ "$mode" != kernel ] && summary user
if [ "$mode" = both ]; then
	awk -F'\t' 'FNR == NR { if ($2 == "pass") k[$1] = 1; next }
		$2 == "pass" && ($1 in k) { both++ }
		END { n = length(k); printf "liburing: the engine passes %d of the %d tests that pass on the kernel (%.0f%%)\n",
			both, n, n ? 100 * both / n : 0 }' "$out/kernel.tsv" "$out/user.tsv"
fi

if [ "$suggest" = 1 ] && [ "$mode" != kernel ]; then
	echo
	echo "== suggested expected.tsv rows (reasons kept from the current file) =="
	for t in "${tests[@]}"; do
		got=$(result_of user "$t")
		why=$(awk -F'\t' -v t="$t" '$1 == t { print $3 }' "$expected")
		case $got in pass) why= ;; hang) got=fail ;; esac
		printf '%s\t%s\t%s\n' "$t" "$got" "$why"
	done
fi
exit $status
