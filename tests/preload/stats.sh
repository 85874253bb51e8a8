#!/bin/sh
# stats.sh PROGRAM: PROGRAM (tests/preload/stats.c) under the shim (LD_PRELOAD
# set by run.sh) with RINGER_PRELOAD_STATS and RINGER_PRELOAD_DEBUG.  Its
# forked child, which ends with _exit(), must print its own counts, labelled
# with its pid and with the traps it made; the debug lines name the calls.
# Exit 0 pass, 1 fail.
out=$(RINGER_PRELOAD_STATS=1 RINGER_PRELOAD_DEBUG=1 "$1" 2>&1)
st=$?
echo "$out"
[ $st -eq 0 ] || { echo "FAIL: exit $st"; exit 1; }
child=$(echo "$out" | sed -n 's/^child \([0-9][0-9]*\)$/\1/p')
[ -n "$child" ] || { echo "FAIL: the program did not name its child"; exit 1; }
echo "$out" | grep -q "^ringer-preload: pid $child: [1-9][0-9]* traps, " ||
	{ echo "FAIL: no statistics line with traps from the child (pid $child)"; exit 1; }
[ "$(echo "$out" | grep -c "^ringer-preload: pid $child: [0-9]* traps")" -eq 1 ] ||
	{ echo "FAIL: the child's statistics are not printed exactly once"; exit 1; }
parent=$(echo "$out" | grep "^ringer-preload: pid [0-9]*: [0-9]* traps, " | grep -vc "pid $child:")
[ "$parent" -eq 1 ] || { echo "FAIL: $parent statistics lines from the parent, wanted 1"; exit 1; }
echo "$out" | grep -q "^ringer-preload: pid $child: io_uring_enter(" ||
	{ echo "FAIL: no debug line names io_uring_enter"; exit 1; }
if echo "$out" | grep -q "trapped [0-9]"; then
	echo "FAIL: a debug line names a call by its number"
	exit 1
fi
echo "PASS"
