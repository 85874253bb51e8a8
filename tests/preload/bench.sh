#!/bin/sh
# bench.sh BUILD_DIR [N]: the shim's per-enter cost, four ways, one after the
# other: the kernel called directly; the kernel through the shim (trap and
# re-issue); the engine through the shim (trap and serve); the engine called
# directly (linked, no trap).  The difference between the last two is the
# trap's cost on the engine.
build=${1:-build}
n=${2:-200000}
bench=$build/tests/preload/preload-enter-bench
shim=$build/src/preload/libringer-preload.so
run() {
	echo "== $1"
	shift
	"$@" || echo "(failed or skipped: $?)"
	echo
}
run "kernel, direct syscall" "$bench" raw "$n"
run "kernel, through the shim (trap + re-issue)" env RINGER_BACKEND=kernel LD_PRELOAD="$shim" "$bench" raw "$n"
run "engine, through the shim (trap + engine)" env RINGER_BACKEND=user LD_PRELOAD="$shim" "$bench" raw "$n"
run "engine, called directly (no trap)" "$bench" direct "$n"
