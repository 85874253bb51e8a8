#!/bin/sh
# run-info.sh CASE TOOL: one check of ringer-info.  Exit 0 pass, 1 fail,
# 77 skip.  The kernel's column is checked against what the tool says of the
# kernel: where io_uring is refused, every kernel cell must be empty (null)
# and the refusal explained.
case=$1
tool=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# check_json FILE EXPECT: FILE is valid JSON with both backends' rows;
# EXPECT "seccomp" demands the simulated refusal.
check_json() {
	python3 -m json.tool "$1" >/dev/null || fail "$1 is not valid JSON"
	python3 - "$1" "$2" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
expect = sys.argv[2]
k, b = d["kernel"], d["backend"]
ops = {o["name"]: o for o in d["opcodes"]}
def fail(msg):
	print("FAIL:", msg, file=sys.stderr)
	sys.exit(1)
if ops["NOP"]["user"] is not True or ops["READ"]["user"] is not True:
	fail("the engine's probe lacks NOP or READ")
if len(d["setup_flags"]) < 20 or len(d["features"]) < 18:
	fail("setup flag or feature rows missing")
flags = {f["name"]: f for f in d["setup_flags"]}
if flags["SINGLE_ISSUER"]["user"] != "ok" or flags["SQPOLL"]["user"] != "ok":
	fail("the engine refuses SINGLE_ISSUER or SQPOLL")
if k["available"]:
	if ops["NOP"]["kernel"] is not True or flags["IOPOLL"]["kernel"] != "ok":
		fail("the kernel ring lacks NOP or IOPOLL")
	if not any(f["kernel"] for f in d["features"]):
		fail("the kernel ring reports no feature")
	if b["auto"] != "kernel" or k["cause"] is not None:
		fail("io_uring available, yet auto chose %s" % b["auto"])
else:
	if not k["errno"] or not k["cause"] or not k["reason"]:
		fail("io_uring refused without a reason")
	if any(o["kernel"] is not None for o in d["opcodes"]):
		fail("a kernel cell filled although the kernel refused")
	if b["auto"] != "user":
		fail("the kernel refuses, yet auto chose %s" % b["auto"])
	print("kernel refuses io_uring here:", k["errno"], k["reason"])
if expect == "seccomp" and (k["available"] or k["errno"] != "EPERM" or
			    k["cause"] != "seccomp" or k["seccomp"] != 2):
	fail("the simulated filter was not reported as a seccomp EPERM: %s" % k)
PY
}

command -v python3 >/dev/null || { echo "no python3"; exit 77; }
case $case in
text)
	"$tool" >"$tmp/out" || fail "exit $?"
	cat "$tmp/out"
	grep -q '^NOP  *\(yes\|-\)  *yes$' "$tmp/out" || fail "no NOP row"
	grep -q '^DEFER_TASKRUN ' "$tmp/out" || fail "no DEFER_TASKRUN row"
	grep -q '^RW_ATTR ' "$tmp/out" || fail "no RW_ATTR row"
	grep -q '^auto chooses:   \(kernel\|user\)$' "$tmp/out" || fail "no auto choice"
	grep -q '^io_uring:       \(available\|unavailable (E[A-Z]*): .\)' "$tmp/out" ||
		fail "no io_uring verdict"
	;;
json)
	"$tool" --json >"$tmp/out" || fail "exit $?"
	check_json "$tmp/out" any
	RINGER_BACKEND=user "$tool" --json >"$tmp/out" || fail "exit $?"
	grep -q '"current": "user"' "$tmp/out" || fail "RINGER_BACKEND=user not reported"
	;;
eperm)
	"$tool" --simulate-eperm --json >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 1 ] && grep -q 'seccomp\|architecture' "$tmp/err"; then
		cat "$tmp/err"
		exit 77
	fi
	[ $rc -eq 0 ] || fail "exit $rc"
	check_json "$tmp/out" seccomp
	"$tool" --simulate-eperm >"$tmp/out" || fail "exit $?"
	grep -q '^auto chooses:   user$' "$tmp/out" || fail "auto did not choose the engine"
	grep -q '^io_uring:       unavailable (EPERM): .*seccomp' "$tmp/out" ||
		fail "the refusal is not explained"
	;;
usage)
	"$tool" --help >"$tmp/out" 2>"$tmp/err" || fail "--help: exit $?"
	grep -q '^usage: ringer-info' "$tmp/out" || fail "--help: no usage on stdout"
	grep -q RINGER_BACKEND "$tmp/out" || fail "--help does not mention RINGER_BACKEND"
	[ -s "$tmp/err" ] && fail "--help wrote to stderr"
	"$tool" -h | cmp -s - "$tmp/out" || fail "-h differs from --help"
	"$tool" --version >"$tmp/out" || fail "--version: exit $?"
	grep -q '^ringer-info (ringer) [0-9][0-9.]*$' "$tmp/out" || fail "--version: $(cat "$tmp/out")"
	for bad in --bogus -x extra; do
		"$tool" $bad >"$tmp/out" 2>"$tmp/err"
		rc=$?
		[ $rc -eq 2 ] || fail "$bad: exit $rc, not 2"
		[ -s "$tmp/out" ] && fail "$bad: wrote to stdout"
		[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$bad: not one line: $(cat "$tmp/err")"
		grep -q "^ringer-info: .* '$bad'; try 'ringer-info --help'$" "$tmp/err" ||
			fail "$bad: not the option and a hint: $(cat "$tmp/err")"
	done
	;;
*)
	fail "unknown case $case"
	;;
esac
exit 0
