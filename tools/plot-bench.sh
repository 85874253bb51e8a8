#!/bin/sh
# SPDX-License-Identifier: MIT
# `make bench-plot`: IOPS against queue depth, a line per backend, as SVG.
#
# Runs a depth sweep of cached random 4 KiB reads (1 s per backend and depth)
# into $BUILD/bench-sweep.csv, unless that file exists and
# RINGER_BENCH_RERUN is unset, then draws $BUILD/bench-sweep.svg with gnuplot.
# RINGER_BENCH_SWEEP overrides the ringer-bench arguments of the sweep.
set -eu

BUILD=${1:-build}
BIN=$BUILD/tools/ringer-bench
CSV=$BUILD/bench-sweep.csv
SVG=$BUILD/bench-sweep.svg
ARGS=${RINGER_BENCH_SWEEP:--q -T 1 -S 256m --sweep depth=1,2,4,8,16,32,64}

command -v gnuplot >/dev/null || { echo "plot-bench: gnuplot not installed" >&2; exit 1; }
if [ ! -f "$CSV" ] || [ -n "${RINGER_BENCH_RERUN:-}" ]; then
	[ -x "$BIN" ] || { echo "plot-bench: $BIN not built" >&2; exit 1; }
	echo "plot-bench: $BIN $ARGS --csv $CSV"
	# shellcheck disable=SC2086 # ARGS is a word list
	"$BIN" $ARGS --csv "$CSV.tmp"
	mv "$CSV.tmp" "$CSV"
fi

# the backends that produced figures, in table order
backends=$(awk -F, 'NR > 1 && $8 == "ok" && !seen[$7]++ { printf "%s ", $7 }' "$CSV")
[ -n "$backends" ] || { echo "plot-bench: no results in $CSV" >&2; exit 1; }
title=$(awk -F, 'NR == 2 { printf "%s bs=%s%s", $1, $3, $2 == 1 ? " O_DIRECT" : "" }' "$CSV")

# one block per backend (gnuplot's `index`), rows sorted by depth, so that
# each backend's points join into a line
DAT=$BUILD/bench-sweep.dat
for b in $backends; do
	awk -F, -v b="$b" 'NR > 1 && $7 == b && $8 == "ok" { print $4, $9 }' "$CSV" |
		sort -n
	printf '\n\n'
done >"$DAT"
n=$(echo "$backends" | wc -w)

gnuplot <<GP
set terminal svg size 900,560 dynamic enhanced font "sans,12"
set output "$SVG"
set title "ringer-bench: $title, IOPS against queue depth"
set xlabel "queue depth (I/Os in flight per thread)"
set ylabel "IOPS"
set logscale x 2
set format y "%.0s%c"
set key outside right top
set grid
names = "$backends"
plot for [i = 0:$n - 1] "$DAT" index i using 1:2 with linespoints lw 2 \\
	title word(names, i + 1)
GP
echo "plot-bench: wrote $SVG"
