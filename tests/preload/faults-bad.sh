#!/bin/sh
# faults-bad.sh: under the shim (LD_PRELOAD set by run.sh), a program given
# a RINGER_FAULTS rule that does not parse must not run: the shim exits
# with status 2 at load, naming the rule and the character position.
# Exit 0 pass, 1 fail.
out=$(RINGER_FAULTS="op=read error=EIO;op=write short=lots" sh -c 'echo ran' 2>&1)
st=$?
echo "$out"
[ $st -eq 2 ] || { echo "FAIL: exit $st, wanted 2"; exit 1; }
case $out in
*ran*) echo "FAIL: the program ran"; exit 1 ;;
esac
echo "$out" | grep -q 'rule 1 "op=write short=lots", position 34: short:' ||
	{ echo "FAIL: the message does not name the rule and position"; exit 1; }
echo "PASS"
