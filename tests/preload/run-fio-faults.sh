#!/bin/sh
# run-fio-faults.sh: Debian's fio, ioengine=io_uring, under the shim on the
# engine (LD_PRELOAD set by run.sh), first with a RINGER_FAULTS rule failing
# about one read or write in a hundred with -EIO: fio must report I/O errors
# (and the injection log must name them); then the same job without the
# rule: fio must write, read back and verify cleanly.
# Exit 0 pass, 1 fail, 77 skip (no fio).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export TSAN_OPTIONS="${TSAN_OPTIONS:+$TSAN_OPTIONS:}die_after_fork=0"
FIO=$(command -v fio) || { echo "fio not installed: skipped"; exit 77; }
dir=$(mktemp -d /tmp/ringer-fio-faults.XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT INT TERM
RULE="op=read,write,readv,writev,read_fixed,write_fixed p=0.01 error=EIO"

job() { # OUT [FIO OPTION...]
	out=$1
	shift
	"$FIO" --name=faults --ioengine=io_uring --filename="$dir/data" --size=8m --bs=4k \
		--iodepth=16 --rw=randrw --verify=crc32c --do_verify=1 --verify_fatal=1 \
		--verify_state_save=0 --loops=2 --runtime=15 --output-format=normal \
		"$@" >"$out" 2>&1
}

RINGER_BACKEND=user RINGER_SEED=1 RINGER_FAULTS="$RULE" RINGER_FAULTS_LOG="$dir/log" \
	job "$dir/faulted"
rc=$?
cat "$dir/faulted"
echo "--- injection log (first lines)"
head -5 "$dir/log"
if [ $rc -eq 0 ]; then
	echo "FAIL: fio exited 0 under $RULE"
	exit 1
fi
grep -q "Input/output error" "$dir/faulted" || { echo "FAIL: fio reported no I/O error"; exit 1; }
grep -q "action=error=-EIO" "$dir/log" || { echo "FAIL: no injection in the log"; exit 1; }

rm -f "$dir/data"
RINGER_BACKEND=user RINGER_PRELOAD_STATS=1 job "$dir/clean"
rc=$?
cat "$dir/clean"
if [ $rc -ne 0 ]; then
	echo "FAIL: fio exited $rc without the rule"
	exit 1
fi
grep -q "err= 0" "$dir/clean" || { echo "FAIL: fio reported a job error without the rule"; exit 1; }
grep -q "ringer-preload: pid [0-9]*: engine ring" "$dir/clean" ||
	{ echo "FAIL: no engine ring was made"; exit 1; }
echo "PASS"
exit 0
