#!/bin/sh
# run-trace.sh CASE RUN TOOL PROG SRCDIR: one test of ringer-trace.
#   RUN     tests/preload/run.sh and the shim, as one word list
#   TOOL    ringer-trace; PROG trace-prog (trace-prog.c)
#   SRCDIR  this directory (expected-text.txt)
# Exit 0 pass, 1 fail, 77 skip.
case_=$1
run=$2
tool=$3
prog=$4
src=$5
# The shim brings a sanitizer build's runtime into sh, fio and the rest:
# their own leaks at exit are not ours; fio forks from a threaded process.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export TSAN_OPTIONS="${TSAN_OPTIONS:+$TSAN_OPTIONS:}die_after_fork=0"
dir=$(mktemp -d /tmp/ringer-trace-test.XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT INT TERM

fail() {
	echo "FAIL: $*"
	exit 1
}

# ringer-trace ARGS..., through run.sh
rt() {
	# shellcheck disable=SC2086
	$run "$tool" "$@"
}

# What varies between runs: the time and pid/tid head, the ring's number,
# latencies, addresses, the temporary directory.
mask() {
	sed -E -e 's/^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} \[[0-9]+\/[0-9]+\] ring [0-9]+ /T ring R /' \
		-e 's/ <[0-9]+\.[0-9]{6}>$/ <L>/' \
		-e 's/0x[0-9a-f]{8,}/ADDR/g' -e 's/(pipe|socket):\[[0-9]+\]/\1:[I]/g' \
		-e "s|$dir|DIR|g" "$@"
}

# the fixed program's text trace, masked, into $dir/text
text_trace() {
	rt -o "$dir/out" -- "$prog" "$dir" >"$dir/stdout" || fail "trace-prog exited $?"
	mask "$dir/out" >"$dir/text"
}

case $case_ in
text)
	text_trace
	if ! diff -u "$src/expected-text.txt" "$dir/text"; then
		fail "the trace differs from expected-text.txt"
	fi
	;;
json)
	command -v python3 >/dev/null || { echo "no python3: skipped"; exit 77; }
	rt --json -o "$dir/json" -- "$prog" "$dir" >"$dir/stdout" || fail "trace-prog exited $?"
	python3 - "$dir/json" "$src/expected-text.txt" <<'EOF' || fail "JSON trace"
import json, re, sys
events = [json.loads(l) for l in open(sys.argv[1])]
want = []
for l in open(sys.argv[2]):
    m = re.match(r'T ring R #(\d+) (\w+)(\(| = (-?\w+))', l)
    if not m:
        sys.exit("expected line not understood: " + l)
    want.append((int(m.group(1)), m.group(2), m.group(3) == '(', m.group(4)))
if len(events) != len(want):
    sys.exit("%d events, %d expected" % (len(events), len(want)))
rings = set()
for e, (id_, op, submit, res) in zip(events, want):
    for k in ("ev", "time", "pid", "tid", "ring", "id", "op", "opcode", "user_data"):
        if k not in e:
            sys.exit("no %s in %s" % (k, e))
    rings.add(e["ring"])
    if (e["id"], e["op"], e["ev"] == "submit") != (id_, op, submit):
        sys.exit("event %s, expected #%d %s %s" % (e, id_, op, submit))
    if submit:
        if not isinstance(e["args"], dict) or not isinstance(e["flags"], list):
            sys.exit("args/flags: %s" % e)
        continue
    for k in ("res", "cflags", "last", "latency_ns"):
        if k not in e:
            sys.exit("no %s in %s" % (k, e))
    got = e["res"] if e["res"] >= 0 else "-" + e["error"]
    if str(got) != res:
        sys.exit("result %s, expected %s: %s" % (got, res, e))
if len(rings) != 1:
    sys.exit("rings %s" % rings)
# a few decoded fields
sub = {e["user_data"]: e for e in events if e["ev"] == "submit"}
if sub[0x11]["args"]["rw_flags"] != ["RWF_DSYNC"] or sub[0x11]["args"]["fd"] != 20:
    sys.exit("write args %s" % sub[0x11])
if not sub[0x11]["args"]["fd_path"].endswith("/data"):
    sys.exit("write path %s" % sub[0x11])
if [v["len"] for v in sub[0x13]["args"]["iov"]] != [100, 200]:
    sys.exit("readv iov %s" % sub[0x13])
if sub[0x17]["flags"] != ["IO_LINK"] or sub[0x1c]["flags"] != ["BUFFER_SELECT"]:
    sys.exit("sqe flags %s %s" % (sub[0x17], sub[0x1c]))
comp = [e for e in events if e["ev"] == "complete" and e["user_data"] == 0x1c]
if comp[0]["cflags"] != ["F_BUFFER"] or comp[0]["bid"] != 5:
    sys.exit("buffer select cqe %s" % comp[0])
more = [e for e in events if e["ev"] == "complete" and e["user_data"] == 0x1d]
if more[0]["cflags"] != ["F_MORE"] or more[0]["last"] or not more[-1]["last"]:
    sys.exit("multishot poll cqes %s" % more)
print("PASS: %d events" % len(events))
EOF
	;;
filter)
	text_trace
	# by opcode: the lines of those opcodes, numbered anew
	rt -e op=read,nop -o "$dir/f1" -- "$prog" "$dir" >/dev/null || fail "op filter run"
	mask "$dir/f1" | sed -E 's/#[0-9]+/#N/' >"$dir/f1m"
	grep -E '#[0-9]+ (READ|NOP)[ (]' "$dir/text" | sed -E 's/#[0-9]+/#N/' >"$dir/f1w"
	[ -s "$dir/f1w" ] || fail "no READ or NOP in the trace"
	diff -u "$dir/f1w" "$dir/f1m" || fail "-e op=read,nop"
	# by descriptor: the requests on fd 20, and their completions
	rt -e fd=20 -o "$dir/f2" -- "$prog" "$dir" >/dev/null || fail "fd filter run"
	n=$(grep -c '(fd=20<' "$dir/f2")
	[ "$n" = 5 ] || fail "-e fd=20: $n submissions, expected 5"
	[ "$(grep -c ' = ' "$dir/f2")" = 5 ] || fail "-e fd=20: completions"
	[ "$(grep -c '(' "$dir/f2")" = 5 ] || fail "-e fd=20: other submissions"
	# by ring: all of it, or nothing
	ring=$(sed -nE '1s/.*\] ring ([0-9]+) .*/\1/p' "$dir/out")
	rt -e ring="$ring" -o "$dir/f3" -- "$prog" "$dir" >/dev/null || fail "ring filter run"
	[ "$(wc -l <"$dir/f3")" = "$(wc -l <"$dir/out")" ] || fail "-e ring=$ring"
	rt -e ring=$((ring + 1000)) -o "$dir/f4" -- "$prog" "$dir" >/dev/null ||
		fail "ring filter run"
	[ ! -s "$dir/f4" ] || fail "-e ring=$((ring + 1000)) traced something"
	;;
count)
	text_trace
	rt -c -o "$dir/sum" -- "$prog" "$dir" >"$dir/stdout2" || fail "trace-prog exited $?"
	cat "$dir/sum"
	want=$(sed -n 's/^requests //p' "$dir/stdout2")
	got=$(awk '$1 == "total" { print $2 }' "$dir/sum")
	[ -n "$want" ] && [ "$got" = "$want" ] || fail "-c total $got, the program made $want"
	# each opcode's count is its number of submissions in the trace
	for op in $(awk 'NR > 2 && $1 != "total" && $1 !~ /^-/ { print $1 }' "$dir/sum"); do
		n=$(awk -v op="$op" '$1 == op { print $2 }' "$dir/sum")
		t=$(grep -cE "#[0-9]+ $op\(" "$dir/text")
		[ "$n" = "$t" ] || fail "-c $op: $n, the trace has $t"
	done
	awk '$1 == "READ" { exit !($3 == 2) }' "$dir/sum" || fail "-c READ errors"
	;;
follow)
	for mode in file fifo; do
		for f in "" -f; do
			if [ $mode = file ]; then
				rt $f -o "$dir/t" -- "$prog" fork || fail "trace-prog fork ($f)"
			else
				rt $f -- "$prog" fork 2>"$dir/t" || fail "trace-prog fork ($f)"
			fi
			top=$(sed -nE 's/.*\[([0-9]+)\/[0-9]+\].* = 0 user_data=0xf0 .*/\1/p' "$dir/t")
			[ -n "$top" ] || fail "$mode $f: no NOP of the top process"
			for ud in 0xc1 0xe1; do
				pid=$(sed -nE "s/.*\\[([0-9]+)\\/[0-9]+\\].* = 0 user_data=$ud .*/\\1/p" \
					"$dir/t")
				if [ "$f" = -f ]; then
					[ -n "$pid" ] && [ "$pid" != "$top" ] ||
						fail "$mode -f: no $ud from a child"
				else
					[ -z "$pid" ] || fail "$mode: $ud traced without -f"
				fi
			done
		done
	done
	;;
allops)
	# every opcode of the ABI (include/ringer/io_uring.h) decoded by name,
	# each with a completion
	rt -o "$dir/t" -- "$prog" allops >"$dir/stdout" || fail "trace-prog allops exited $?"
	hdr=$src/../../include/ringer/io_uring.h
	{
		sed -n '/^enum io_uring_op {/,/IORING_OP_LAST/p' "$hdr"
		sed -n '/IORING_OP_NOP128 =/,/^};/p' "$hdr"
	} | sed -nE 's/^\s*IORING_OP_([A-Z0-9_]+).*/\1/p' | grep -v '^LAST$' | sort >"$dir/want"
	[ "$(wc -l <"$dir/want")" -gt 60 ] || fail "opcodes not found in $hdr"
	sed -nE 's/.*\] ring [0-9]+ #[0-9]+ ([A-Z0-9_]+)\(.*/\1/p' "$dir/t" | sort >"$dir/got"
	diff -u "$dir/want" "$dir/got" || fail "the opcodes decoded are not the ABI's"
	! grep -q UNKNOWN "$dir/t" || fail "an opcode decoded as UNKNOWN"
	subs=$(grep -c '#[0-9]* [A-Z0-9_]*(' "$dir/t")
	ends=$(sed -nE 's/.* #([0-9]+) [A-Z0-9_]+ = .*/\1/p' "$dir/t" | sort -u | wc -l)
	[ "$subs" = "$ends" ] || fail "$subs submissions, $ends requests completed"
	;;
status)
	rt -o "$dir/t" -- "$prog" exit 7 >/dev/null
	rc=$?
	[ $rc = 7 ] || fail "exit 7: ringer-trace exited $rc"
	grep -q 'user_data=0xa0 ' "$dir/t" || fail "exit 7: no trace"
	rt -o "$dir/t" -- "$prog" kill >/dev/null
	rc=$?
	[ $rc = 143 ] || fail "SIGTERM: ringer-trace exited $rc, not 143"
	rt -o "$dir/t" -- "$dir/no-such-program" 2>/dev/null
	rc=$?
	[ $rc = 127 ] || fail "a missing program: $rc, not 127"
	;;
usage)
	for args in "--no-such-option" "-e" "-e op=no_such_op -- true" "-e fd=x -- true" "" \
		"-o"; do
		# shellcheck disable=SC2086
		rt $args >"$dir/o" 2>"$dir/e"
		rc=$?
		[ $rc = 2 ] || fail "'$args': exit $rc, not 2"
		[ ! -s "$dir/o" ] || fail "'$args': wrote to stdout"
		[ "$(wc -l <"$dir/e")" -eq 1 ] || fail "'$args': not one line on stderr"
		grep -q "^ringer-trace: .*; try 'ringer-trace --help'\$" "$dir/e" ||
			fail "'$args': no hint on stderr: $(cat "$dir/e")"
	done
	# an opcode by number, and a name in any case, are taken
	rt -e op=22,Nop -e fd=1,2 -e ring=3 -- true || fail "-e op=22,Nop: exit $?"
	# --inject: the rules reach the program in RINGER_FAULTS, after those
	# set, joined with ';' (the shim left out: only the variable is seen)
	RINGER_TRACE_SHIM=/dev/null RINGER_FAULTS=a env -u LD_PRELOAD "$tool" --inject b \
		--inject 'c d' -- sh -c 'test "$RINGER_FAULTS" = "a;b;c d"' 2>/dev/null ||
		fail "--inject: RINGER_FAULTS not a;b;c d"
	rt --help >"$dir/o" 2>"$dir/e" || fail "--help exited $?"
	grep -q '^usage: ringer-trace' "$dir/o" || fail "--help: no usage on stdout"
	[ ! -s "$dir/e" ] || fail "--help wrote to stderr"
	rt --version >"$dir/o" || fail "--version exited $?"
	grep -q '^ringer-trace (ringer) [0-9]' "$dir/o" || fail "--version: $(cat "$dir/o")"
	;;
inject)
	# an injection is a line of the trace, between its request's submission
	# and completion, and not also on stderr; text and JSON
	rt --inject 'op=nop nth=1 error=EIO' -o "$dir/t" -- "$prog" exit 0 2>"$dir/e"
	[ $? = 1 ] || fail "trace-prog exit 0 under an EIO rule: not its failure"
	mask "$dir/t" >"$dir/m"
	cat "$dir/m"
	sed -n 2p "$dir/m" | grep -q '^T ring R inject rule=0 op=nop fd=0 user_data=0xa0 action=error=-EIO$' ||
		fail "no inject line after the NOP's submission"
	sed -n 3p "$dir/m" | grep -q '^T ring R #1 NOP = -EIO (Input/output error) user_data=0xa0 <L>$' ||
		fail "the NOP did not complete -EIO after the inject line"
	! grep -q 'ringer-faults: rule=' "$dir/e" || fail "the injection also went to stderr"
	grep -q 'ringer-faults: seed=' "$dir/e" || fail "no seed line on stderr"
	command -v python3 >/dev/null || exit 0
	rt --json --inject 'op=nop nth=1 error=EIO' -o "$dir/j" -- "$prog" exit 0 2>/dev/null
	python3 - "$dir/j" <<'EOF' || fail "JSON inject event"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert [e["ev"] for e in ev] == ["submit", "inject", "complete"], ev
i = ev[1]
assert (i["rule"], i["op"], i["fd"], i["user_data"], i["seq"], i["action"]) == \
    (0, "nop", 0, 0xa0, 1, "error=-EIO"), i
assert i["ring"] == ev[0]["ring"] and ev[2]["res"] == -5, ev
EOF
	;;
fio)
	fio=$(command -v fio) || { echo "fio not installed: skipped"; exit 77; }
	rt -c -f -o "$dir/sum" -- "$fio" --name=trace --ioengine=io_uring \
		--filename="$dir/data" --size=4m --bs=4k --iodepth=8 --rw=randrw \
		--output-format=normal >"$dir/fio.out" 2>&1 || { cat "$dir/fio.out"; fail "fio"; }
	cat "$dir/sum"
	grep 'issued rwts' "$dir/fio.out"
	r=$(sed -nE 's/.*issued rwts: total=([0-9]+),([0-9]+),.*/\1/p' "$dir/fio.out")
	w=$(sed -nE 's/.*issued rwts: total=([0-9]+),([0-9]+),.*/\2/p' "$dir/fio.out")
	[ -n "$r" ] && [ "$r" -gt 0 ] || fail "fio's read count"
	gr=$(awk '$1 ~ /^READ/ { n += $2 } END { print n + 0 }' "$dir/sum")
	gw=$(awk '$1 ~ /^WRITE/ { n += $2 } END { print n + 0 }' "$dir/sum")
	[ "$gr" = "$r" ] || fail "reads: the trace counted $gr, fio issued $r"
	[ "$gw" = "$w" ] || fail "writes: the trace counted $gw, fio issued $w"
	;;
*)
	fail "unknown case $case_"
	;;
esac
echo PASS
exit 0
