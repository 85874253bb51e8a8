#!/bin/sh
# SPDX-License-Identifier: MIT
# The measurements behind the targets of docs/PERFORMANCE.md, and
# a met / missed verdict for each.  About three minutes.
#
#   tools/run-targets.sh [BUILD]     (BUILD defaults to build)
#
# Each comparison runs only the backends its targets name, 9 s each in 36
# interleaved quarter-second rounds; a ratio is the median of the per-round
# ratios (the `med` column), which resists the load spikes of a shared
# machine better than the ratio of totals.  JSON in $BUILD/targets-*.json.
set -eu

BUILD=${1:-build}
BIN=$BUILD/tools/ringer-bench
FILE=${RINGER_BENCH_FILE:-$BUILD/bench-1g.dat}
T=${RINGER_TARGETS_RUNTIME:-9}

[ -x "$BIN" ] || { echo "run-targets: $BIN not built" >&2; exit 1; }
if [ "$(stat -c %s "$FILE" 2>/dev/null || echo 0)" != 1073741824 ]; then
	echo "run-targets: writing $FILE (1 GiB)"
	dd if=/dev/zero of="$FILE" bs=1M count=1024 conv=fsync status=none
fi
cat "$FILE" >/dev/null

run() {
	name=$1
	shift
	echo "run-targets: $name: $BIN $*"
	"$BIN" -q -T "$T" --rounds "$((T * 4))" "$@" --json "$BUILD/targets-$name.json" |
		awk '/^== /{p = 1} p {print} /^cpu\/IO = /{p = 0}'
}

run cached -b kernel,user,liburing,psync,posixaio -d 32 "$FILE"
run direct -b kernel,user,liburing,posixaio -D -d 32 -s 8 -c 8 "$FILE"
run nop -b kernel,user,liburing -N -d 32 -s 32 -c 32
run depth1 -b kernel,user,liburing,psync -d 1 "$FILE"
echo "run-targets: memory: $BIN --mem --costs"
"$BIN" --mem --costs | tee "$BUILD/targets-mem.txt" | sed 1d

python3 - "$BUILD" <<'EOF'
import json, re, sys

build = sys.argv[1]

def results(name):
    d = json.load(open(f"{build}/targets-{name}.json"))
    return {r["backend"]: r for r in d["runs"][0]["results"]}

def paired(r, b, key):
    # median of the per-round ratios of key (round IOPS), as the table's med
    if r.get("status") != "ok" or b.get("status") != "ok":
        return None
    q = sorted(x / y for x, y in zip(r["round_iops"], b["round_iops"]) if y > 0)
    if not q:
        return None
    n = len(q)
    return q[n // 2] if n % 2 else (q[n // 2 - 1] + q[n // 2]) / 2

rows = []
# On a shared machine a CPU-bound backend's IOPS follow the CPU share the
# scheduler happens to give it; CPU time per I/O does not.  So CPU-bound
# workloads (page cache, NOP) are judged by the ratio of CPU per I/O (what
# the IOPS ratio would be on an idle core), device-bound ones (O_DIRECT) by
# the median of per-round IOPS ratios.
def target(what, workload, a, b, want, by):
    res = results(workload)
    ra, rb = res.get(a, {}), res.get(b, {})
    v = paired(ra, rb, "round_iops")
    if v is None:
        why = ra.get("reason") or rb.get("reason") or "did not run"
        rows.append((what, f"n/a ({why})", "-", "-", "not measured"))
        return
    c = rb["cpu_us_per_io"] / ra["cpu_us_per_io"] if ra["cpu_us_per_io"] > 0 else 0
    judged = c if by == "cpu" else v
    rows.append((what, f"{v:.2f}x", f"{c:.2f}x" + (" *" if by == "cpu" else ""),
                 f">= {want}x", "met" if judged >= want else "missed"))

target("cached 4K rand read QD32: user / kernel", "cached", "user", "kernel", 1.0, "cpu")
target("cached 4K rand read QD32: user / psync", "cached", "user", "psync", 0.9, "cpu")
target("cached 4K rand read QD32: user / posixaio", "cached", "user", "posixaio", 1.3, "cpu")
target("O_DIRECT 4K rand read QD32: user / kernel", "direct", "user", "kernel", 0.9, "iops")
target("O_DIRECT 4K rand read QD32: user / posixaio", "direct", "user", "posixaio", 2.5, "iops")
target("NOP batch 32: user / kernel", "nop", "user", "kernel", 2.0, "cpu")
for w in ("cached", "nop", "depth1"):
    target(f"{w}: kernel / liburing", w, "kernel", "liburing", 0.98, "cpu")
target("direct: kernel / liburing", "direct", "kernel", "liburing", 0.98, "iops")

# latency: p50 of the whole run (not a per-round median)
d1 = results("depth1")
u, p = d1.get("user", {}), d1.get("psync", {})
if u.get("status") == "ok" and p.get("status") == "ok":
    v = u["lat_p50_us"] / p["lat_p50_us"]
    rows.append(("QD1 cached read p50 latency: user / psync", f"{v:.2f}x", "-", "<= 1.3x",
                 "met" if v <= 1.3 else "missed"))
else:
    rows.append(("QD1 cached read p50 latency: user / psync", "n/a", "-", "<= 1.3x",
                 "not measured"))

mem = open(f"{build}/targets-mem.txt").read()
m = re.search(r"^user +([0-9.]+) MiB resident added", mem, re.M)
if m:
    v = float(m.group(1))
    rows.append(("4096-entry user ring + workers: RSS added", f"{v:.2f} MiB", "-", "<= 4 MiB",
                 "met" if v <= 4 else "missed"))
else:
    rows.append(("4096-entry user ring + workers: RSS added", "n/a", "-", "<= 4 MiB",
                 "not measured"))

print()
print("| target | IOPS (median of rounds) | CPU per I/O, inverse | wanted | verdict |")
print("|---|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")
print()
print("* = the column the verdict uses (CPU-bound workload); otherwise the IOPS.")
EOF
