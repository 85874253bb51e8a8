#!/bin/sh
# SPDX-License-Identifier: MIT
# The measurements behind the performance targets (docs/PERFORMANCE.md), and
# a met / missed verdict for each, as a markdown table.  About five minutes.
#
#   tools/run-targets.sh [BUILD]     (BUILD defaults to build)
#
# Each comparison is one ringer-bench run of only the backends its targets
# name, RINGER_TARGETS_RUNTIME seconds each (default 8) in interleaved
# quarter-second rounds (A B C C B A ...), so that a change in the load of a
# shared machine hits every backend alike.  A target is a ratio within one
# run, judged either by
#   IOPS: the median of the per-round IOPS ratios (the table's `med`), for
#         workloads bound by a device, by worker threads or by a poller;
#   CPU:  the inverse ratio of CPU time per I/O, for workloads that keep one
#         thread busy on a CPU (page cache, NOP): their IOPS follow the CPU
#         share the scheduler happens to give them, their CPU per I/O does
#         not, and it is what the IOPS ratio would be on an idle core.
# The tables go to $BUILD/targets-last.log, the JSON to $BUILD/targets-*.json.
# Exit status 0 when every target was measured, met or not; 1 when one could
# not be measured (a backend n/a or failed, ringer-bench missing).
set -eu

BUILD=${1:-build}
BIN=$BUILD/tools/ringer-bench
FILE=${RINGER_BENCH_FILE:-$BUILD/bench-1g.dat}
T=${RINGER_TARGETS_RUNTIME:-8}
LOG=$BUILD/targets-last.log
START=$(date +%s)

[ -x "$BIN" ] || { echo "run-targets: $BIN not built" >&2; exit 1; }
if [ "$(stat -c %s "$FILE" 2>/dev/null || echo 0)" != 1073741824 ]; then
	echo "run-targets: writing $FILE (1 GiB)"
	dd if=/dev/zero of="$FILE" bs=1M count=1024 conv=fsync status=none
fi
cat "$FILE" >/dev/null
rounds=$(awk -v t="$T" 'BEGIN { r = int(t * 4); print (r < 2 ? 2 : (r > 100 ? 100 : r)) }')
load0=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$LOG"

# run NAME ARGS...: one comparison, its table to the log, its JSON kept.
# A run that fails leaves no JSON: its targets show as not measured.
run() {
	name=$1
	shift
	echo "run-targets: $name ($(($(date +%s) - START)) s): ringer-bench $*"
	rm -f "$BUILD/targets-$name.json"
	{
		echo "### $name: $BIN $*"
		"$BIN" -q -T "$T" --rounds "$rounds" "$@" --json "$BUILD/targets-$name.json" ||
			echo "run-targets: $name: ringer-bench exited $?"
	} 2>&1 | awk '/^== /{p = 1} p || /^(###|run-targets)/ {print} /^cpu\/IO = /{p = 0}' >>"$LOG"
}

# Reads first: the write runs leave dirty pages behind them, which O_DIRECT
# reads of the same file would have to flush.
run cached -b kernel,user,preload,psync,libaio -d 32 "$FILE"
run nop -b kernel,user,preload -N -d 32 -s 32 -c 32
run sqpoll -b kernel,user -P -d 32 "$FILE"
run sqpoll-nop -b kernel,user -P -N -d 32 -s 32 -c 32
run threads2 -b kernel,user -t 2 -d 32 "$FILE"
run threads4 -b kernel,user -t 4 -d 32 "$FILE"
run shim1 -b kernel,user,preload -d 32 -s 1 -c 1 "$FILE"
run direct -b kernel,user,libaio -D -d 32 -s 8 -c 8 "$FILE"
run qd1 -b kernel,user,psync -d 1 "$FILE"
run write-seq -b kernel,user,psync -w --write-ok --seq -d 32 "$FILE"
run write-rand -b kernel,user,psync -w --write-ok -d 32 "$FILE"
echo "run-targets: probes ($(($(date +%s) - START)) s): ringer-bench --sqpoll-idle 2; --mem"
{
	"$BIN" --sqpoll-idle 2 || echo "run-targets: --sqpoll-idle exited $?"
	"$BIN" --mem || echo "run-targets: --mem exited $?"
} 2>&1 | tee "$BUILD/targets-probes.txt" | sed 1d >>"$LOG"
load1=$(cut -d' ' -f1-3 /proc/loadavg)
secs=$(($(date +%s) - START))

python3 - "$BUILD" "$T" "$rounds" "$load0" "$load1" "$secs" \
	"$(git -C "$(dirname "$0")" describe --always --dirty 2>/dev/null || echo unknown)" \
	"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) CPUs, $(uname -sr)" \
	<<'EOF'
import json, os, re, sys

build, T, rounds, load0, load1, secs, commit, machine = sys.argv[1:9]
rows = []
unmeasured = 0

def results(name):
    try:
        d = json.load(open(f"{build}/targets-{name}.json"))
        return {r["backend"]: r for r in d["runs"][0]["results"]}
    except (OSError, ValueError, KeyError, IndexError):
        return {}

def median_ratio(a, b):
    q = sorted(x / y for x, y in zip(a["round_iops"], b["round_iops"]) if y > 0)
    if not q:
        return None
    n = len(q)
    return q[n // 2] if n % 2 else (q[n // 2 - 1] + q[n // 2]) / 2

def fmt(v):
    return f"{v:.2f}x"

def add(what, measured, by, want, ok):
    global unmeasured
    if ok is None:
        unmeasured += 1
        verdict = "not measured"
    else:
        verdict = "met" if ok else "**missed**"
    rows.append((what, measured, by, want, verdict))

def why_not(ra, rb):
    return ra.get("reason") or rb.get("reason") or "did not run"

# a / b in one run: the IOPS median of rounds and the inverse CPU ratio;
# `by` names the one the verdict uses.
def target(what, run, a, b, want, by, note=""):
    res = results(run)
    ra, rb = res.get(a, {}), res.get(b, {})
    if ra.get("status") != "ok" or rb.get("status") != "ok":
        add(what, f"n/a ({why_not(ra, rb)})", by, f">= {want}x", None)
        return
    v = median_ratio(ra, rb)
    c = rb["cpu_us_per_io"] / ra["cpu_us_per_io"] if ra["cpu_us_per_io"] > 0 else 0
    judged = c if by == "CPU" else v
    other = v if by == "CPU" else c
    measured = f"**{fmt(judged)}** ({'IOPS' if by == 'CPU' else 'CPU'} {fmt(other)})"
    add(what + note, measured, by, f">= {want}x", judged >= want)

C = "cached 4 KiB random reads, depth 32"
target(f"{C}: engine / kernel", "cached", "user", "kernel", 1.0, "CPU")
target(f"{C}: engine / psync", "cached", "user", "psync", 1.0, "CPU")
target(f"{C}: engine / libaio", "cached", "user", "libaio", 1.0, "CPU")
for run, kind in (("write-seq", "sequential"), ("write-rand", "random")):
    W = f"buffered {kind} 4 KiB writes, depth 32"
    target(f"{W}: engine / kernel", run, "user", "kernel", 0.9, "IOPS")
    target(f"{W}: engine / psync", run, "user", "psync", 1.0, "IOPS")
target("SQPOLL cached reads, depth 32: engine / kernel", "sqpoll", "user", "kernel", 1.0, "IOPS")
target("SQPOLL NOP, batch 32: engine / kernel", "sqpoll-nop", "user", "kernel", 1.0, "IOPS")

probes = ""
try:
    probes = open(f"{build}/targets-probes.txt").read()
except OSError:
    pass
idle = {m.group(1): (float(m.group(2)), m.group(3))
        for m in re.finditer(r"^(kernel|user) +poller CPU ([0-9.]+) ms .*NEED_WAKEUP (set|clear)$",
                             probes, re.M)}
if "kernel" in idle and "user" in idle:
    k, u = idle["kernel"][0], idle["user"][0]
    v = k / u if u > 0 else float("inf")
    add("SQPOLL idle poller CPU (one NOP, 2 s idle): kernel's / engine's",
        f"**{v:.2f}x** ({u:.1f} against {k:.1f} ms)", "CPU", ">= 1.0x", v >= 1.0)
else:
    add("SQPOLL idle poller CPU (one NOP, 2 s idle): kernel's / engine's", "n/a", "CPU",
        ">= 1.0x", None)
if "user" in idle:
    add("SQPOLL: NEED_WAKEUP set after the idle time", f"engine {idle['user'][1]}, kernel "
        f"{idle['kernel'][1] if 'kernel' in idle else 'n/a'}", "flag", "set",
        idle["user"][1] == "set")
else:
    add("SQPOLL: NEED_WAKEUP set after the idle time", "n/a", "flag", "set", None)

target("NOP, batch 32: engine / kernel", "nop", "user", "kernel", 2.0, "CPU")
target("1 thread, cached reads depth 32: engine / kernel", "cached", "user", "kernel", 0.95,
       "CPU", " (the cached run)")
target("2 threads (a ring each), cached reads depth 32: engine / kernel", "threads2", "user",
       "kernel", 0.95, "CPU")
target("4 threads (a ring each), cached reads depth 32: engine / kernel", "threads4", "user",
       "kernel", 0.95, "CPU")
target("shim, cached reads depth 32: preload / kernel", "cached", "preload", "kernel", 0.9, "CPU")
target("shim, NOP batch 32: preload / kernel", "nop", "preload", "kernel", 0.8, "CPU")
target("shim, one SQE per enter at depth 32 (-s 1 -c 1): preload / kernel", "shim1", "preload",
       "kernel", 0.7, "CPU")
target("O_DIRECT 4 KiB random reads, depth 32: engine / kernel", "direct", "user", "kernel", 0.95,
       "IOPS")
target("QD1 cached 4 KiB random reads: engine / kernel", "qd1", "user", "kernel", 0.95, "CPU")

m = re.search(r"^user +([0-9.]+) MiB resident added", probes, re.M)
if m:
    v = float(m.group(1))
    add("memory: a 4096-entry engine ring with its workers, resident added", f"**{v:.2f} MiB**",
        "RSS", "<= 4 MiB", v <= 4)
else:
    add("memory: a 4096-entry engine ring with its workers, resident added", "n/a", "RSS",
        "<= 4 MiB", None)

# Figures with no target of their own, for the reader: the other peers.
extra = []
def info(what, run, a, b, by):
    res = results(run)
    ra, rb = res.get(a, {}), res.get(b, {})
    if ra.get("status") == "ok" and rb.get("status") == "ok":
        v = median_ratio(ra, rb)
        c = rb["cpu_us_per_io"] / ra["cpu_us_per_io"] if ra["cpu_us_per_io"] > 0 else 0
        judged, other = (c, v) if by == "CPU" else (v, c)
        extra.append((what, f"{fmt(judged)} ({'IOPS' if by == 'CPU' else 'CPU'} {fmt(other)})",
                      by))
info("O_DIRECT 4 KiB random reads, depth 32: engine / libaio", "direct", "user", "libaio", "IOPS")
info("QD1 cached reads: engine / psync", "qd1", "user", "psync", "CPU")
info("shim, one SQE per enter: engine (linked) / kernel", "shim1", "user", "kernel", "CPU")
qd1 = results("qd1")
if qd1.get("user", {}).get("status") == "ok" and qd1.get("psync", {}).get("status") == "ok":
    extra.append(("QD1 cached reads, p50 latency: engine / psync",
                  f"{qd1['user']['lat_p50_us'] / qd1['psync']['lat_p50_us']:.2f}x "
                  f"({qd1['user']['lat_p50_us']:.1f} against {qd1['psync']['lat_p50_us']:.1f} us)",
                  "latency"))

print()
print(f"Measured at {commit} on {machine}; {T} s per backend and comparison in {rounds} "
      f"interleaved rounds; load average {load0} at the start, {load1} at the end; "
      f"{secs} s in all.")
print()
print("| target | measured (the verdict's ratio in bold) | judged by | wanted | verdict |")
print("|---|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")
if extra:
    print()
    print("| other figures, no target | ratio | judged by |")
    print("|---|---|---|")
    for r in extra:
        print("| " + " | ".join(r) + " |")
print()
print("Judged by CPU: the inverse ratio of CPU time per I/O (all threads), the IOPS ratio in "
      "brackets; by IOPS: the median of the per-round IOPS ratios, the CPU ratio in brackets. "
      f"The tables: {build}/targets-last.log.")
sys.exit(1 if unmeasured else 0)
EOF
