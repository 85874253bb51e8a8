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

gnuplot <<GP
set terminal svg size 900,560 dynamic enhanced font "sans,12"
set output "$SVG"
set datafile separator ","
set title "ringer-bench: $title, IOPS against queue depth"
set xlabel "queue depth (I/Os in flight per thread)"
set ylabel "IOPS"
set logscale x 2
set format y "%.0s%c"
set key outside right top
set grid
plot for [b in "$backends"] "$CSV" every ::1 \
	using 4:((strcol(7) eq b && strcol(8) eq "ok") ? \$9 : 1/0) \
	with linespoints lw 2 title b
GP
echo "plot-bench: wrote $SVG"
