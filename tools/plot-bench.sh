#!/bin/sh
# SPDX-License-Identifier: MIT
# `make bench-plot`: where each backend wins, as SVG: IOPS of cached random
# 4 KiB reads against the queue depth (1 to 128, one thread) and against the
# number of threads (1 to 4, a ring each, depth 32), a line per backend;
# below each, the I/Os per CPU-second (1 / CPU time per I/O, all threads),
# which the load of a shared machine moves less than the IOPS.
#
# Runs the two sweeps (kernel, user and psync; 2 s per backend and point in
# 4 interleaved rounds, about two minutes) into
# $BUILD/bench-sweep-{depth,threads}.csv, unless those files exist and
# RINGER_BENCH_RERUN is unset, then draws $BUILD/bench-sweep.svg with gnuplot.
# RINGER_BENCH_SWEEP overrides the ringer-bench options common to both
# sweeps; RINGER_BENCH_FILE the file read (default $BUILD/bench-1g.dat, made
# and warmed as `make bench` does).
set -eu

BUILD=${1:-build}
BIN=$BUILD/tools/ringer-bench
FILE=${RINGER_BENCH_FILE:-$BUILD/bench-1g.dat}
SVG=$BUILD/bench-sweep.svg
ARGS=${RINGER_BENCH_SWEEP:--q -T 2 --rounds 4 -b kernel,user,psync}
DEPTHS=1,2,4,8,16,32,64,128
THREADS=1,2,3,4

command -v gnuplot >/dev/null || { echo "plot-bench: gnuplot not installed" >&2; exit 1; }

# sweep NAME SWEEP-OPTIONS...: the CSV of one sweep, reused when present
sweep() {
	csv=$BUILD/bench-sweep-$1.csv
	shift
	if [ -f "$csv" ] && [ -z "${RINGER_BENCH_RERUN:-}" ]; then
		echo "plot-bench: drawing the existing $csv (RINGER_BENCH_RERUN=1 runs it again)"
		return
	fi
	[ -x "$BIN" ] || { echo "plot-bench: $BIN not built" >&2; exit 1; }
	if [ "$(stat -c %s "$FILE" 2>/dev/null || echo 0)" != 1073741824 ]; then
		echo "plot-bench: writing $FILE (1 GiB)"
		dd if=/dev/zero of="$FILE" bs=1M count=1024 conv=fsync status=none
	fi
	cat "$FILE" >/dev/null
	echo "plot-bench: $BIN $ARGS $* --csv $csv $FILE"
	# shellcheck disable=SC2086 # ARGS is a word list
	"$BIN" $ARGS "$@" --csv "$csv.tmp" "$FILE" >/dev/null
	mv "$csv.tmp" "$csv"
}

sweep depth --sweep depth=$DEPTHS
sweep threads -d 32 --sweep threads=$THREADS

# data NAME COLUMN: one block per backend (gnuplot's `index`), its points
# sorted by COLUMN (depth 4, threads 6) so that they join into a line, with
# the IOPS and the I/Os per CPU-second; sets
# $names (the backends, in table order) and $colors (a fixed one each).
data() {
	csv=$BUILD/bench-sweep-$1.csv
	names=$(awk -F, 'NR > 1 && $8 == "ok" && !seen[$7]++ { printf "%s ", $7 }' "$csv")
	[ -n "$names" ] || { echo "plot-bench: no results in $csv" >&2; exit 1; }
	colors=
	for b in $names; do
		case $b in
		kernel) c='#1f77b4' ;;
		user) c='#d62728' ;;
		psync) c='#2ca02c' ;;
		liburing) c='#9467bd' ;;
		libaio) c='#8c564b' ;;
		*) c='#7f7f7f' ;;
		esac
		colors="$colors $c"
		awk -F, -v b="$b" -v k="$2" 'NR > 1 && $7 == b && $8 == "ok" && $19 > 0 {
			print $k, $9, 1e6 / $19 }' \
			"$csv" | sort -n
		printf '\n\n'
	done >"$BUILD/bench-sweep-$1.dat"
}

data depth 4
dnames=$names dcolors=$colors
data threads 6
tnames=$names tcolors=$colors

gnuplot <<GP
set terminal svg size 1200,900 dynamic enhanced font "sans,12" background "white"
set output "$SVG"
set multiplot layout 2,2 title "ringer-bench: cached random 4 KiB reads (user = the engine)"
set format y "%.0s%c"
set yrange [0:*]
set key bottom right box opaque
set grid
dn = "$dnames"
dc = "$dcolors"
tn = "$tnames"
tc = "$tcolors"
D = "$BUILD/bench-sweep-depth.dat"
T = "$BUILD/bench-sweep-threads.dat"
set logscale x 2
set xrange [0.8:160]
set title "IOPS against queue depth (one thread)"
set xlabel "queue depth (I/Os in flight; psync: always 1)"
set ylabel "IOPS"
plot for [i = 1:words(dn)] D index i - 1 using 1:2 \\
	with linespoints lw 2 pt 7 lc rgb word(dc, i) title word(dn, i)
unset logscale x
set xrange [0.8:4.2]
set xtics 1
set title "IOPS against threads (a ring each, depth 32)"
set xlabel "threads"
plot for [i = 1:words(tn)] T index i - 1 using 1:2 \\
	with linespoints lw 2 pt 7 lc rgb word(tc, i) title word(tn, i)
set logscale x 2
set xrange [0.8:160]
set xtics autofreq
set title "I/Os per CPU-second against queue depth"
set xlabel "queue depth"
set ylabel "I/Os per CPU-second (1 / CPU per I/O)"
plot for [i = 1:words(dn)] D index i - 1 using 1:3 \\
	with linespoints lw 2 pt 7 lc rgb word(dc, i) title word(dn, i)
unset logscale x
set xrange [0.8:4.2]
set xtics 1
set title "I/Os per CPU-second against threads"
set xlabel "threads"
plot for [i = 1:words(tn)] T index i - 1 using 1:3 \\
	with linespoints lw 2 pt 7 lc rgb word(tc, i) title word(tn, i)
unset multiplot
GP
echo "plot-bench: wrote $SVG"
