#!/bin/sh
# run-fio.sh NAME [FIO OPTION...]: Debian's fio, ioengine=io_uring, random
# writes and reads of a small file with verify=crc32c, run under the shim
# (LD_PRELOAD set by run.sh).  RINGER_EXPECT=engine|kernel: the rings fio
# made must be of that kind (the shim's exit statistics say so).
# Exit 0 pass, 1 fail, 77 skip (no fio).
name=$1
shift
# In a sanitizer build the shim brings its runtime into sh, mktemp and fio:
# their own leaks at exit are not ours to report.
# fio forks its jobs from a threaded process, which TSan refuses by default.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export TSAN_OPTIONS="${TSAN_OPTIONS:+$TSAN_OPTIONS:}die_after_fork=0"
FIO=$(command -v fio) || { echo "fio not installed: skipped"; exit 77; }
dir=$(mktemp -d /tmp/ringer-fio.XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT INT TERM
out=$dir/out

RINGER_PRELOAD_STATS=1 "$FIO" --name="$name" --ioengine=io_uring \
	--filename="$dir/data" --size=8m --bs=4k --iodepth=16 \
	--rw=randrw --verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0 \
	--loops=2 --runtime=15 --output-format=normal "$@" >"$out" 2>&1
rc=$?
cat "$out"

if [ $rc -ne 0 ]; then
	echo "FAIL: fio exited $rc"
	exit 1
fi
if grep -qi "verify: bad\|crc32c: verify failed\|bad magic" "$out"; then
	echo "FAIL: verify errors"
	exit 1
fi
grep -q "err= 0" "$out" || { echo "FAIL: fio reported a job error"; exit 1; }
# fio forks its jobs: each job process prints the shim's statistics.
case "$RINGER_EXPECT" in
engine) grep -q "ringer-preload: pid [0-9]*: engine ring" "$out" && ! grep -q "ringer-preload: pid [0-9]*: kernel ring" "$out" ||
	{ echo "FAIL: no engine ring was made"; exit 1; } ;;
kernel) grep -q "ringer-preload: pid [0-9]*: kernel ring" "$out" && ! grep -q "ringer-preload: pid [0-9]*: engine ring" "$out" ||
	{ echo "FAIL: no kernel ring was made"; exit 1; } ;;
esac
# The job processes end with _exit(): each prints its own counts, with traps.
grep -q "ringer-preload: pid [0-9]*: [1-9][0-9]* traps, " "$out" ||
	{ echo "FAIL: no process printed statistics with traps"; exit 1; }
echo "PASS"
exit 0
