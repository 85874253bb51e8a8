#!/bin/sh
# SPDX-License-Identifier: MIT
# cli.sh NAME PATH VERSION: the command-line conventions of one program.
# Exit 0 pass, 1 fail.
set -u

NAME=$1
BIN=$2
VERSION=$3
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ringer-cli-test.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT

fail() {
	echo "FAIL: $NAME: $*"
	exit 1
}

# run ARGS...: stdout in $WORK/out, stderr in $WORK/err, the status in $rc
run() {
	"$BIN" "$@" >"$WORK/out" 2>"$WORK/err" </dev/null
	rc=$?
}

for h in -h --help; do
	run $h
	[ $rc -eq 0 ] || fail "$h exited $rc"
	[ -s "$WORK/err" ] && fail "$h wrote to stderr: $(cat "$WORK/err")"
	head -n 1 "$WORK/out" | grep -q "^usage: $NAME" || fail "$h: no 'usage: $NAME' first"
	[ "$(wc -l <"$WORK/out")" -ge 3 ] || fail "$h: a usage line only, no explanation"
	grep -q -- "--version" "$WORK/out" || fail "$h does not list --version"
	# what RINGER_BACKEND does for this program: picks its ring, or is not read
	grep -q "RINGER_BACKEND" "$WORK/out" || fail "$h does not mention RINGER_BACKEND"
done

run --version
[ $rc -eq 0 ] || fail "--version exited $rc"
[ -s "$WORK/err" ] && fail "--version wrote to stderr"
[ "$(cat "$WORK/out")" = "$NAME (ringer) $VERSION" ] ||
	fail "--version printed '$(cat "$WORK/out")', not '$NAME (ringer) $VERSION'"

# a bad option: exactly one line on stderr, naming it, with the hint; exit 2
for bad in --no-such-option -Z; do
	run $bad
	[ $rc -eq 2 ] || fail "$bad exited $rc, not 2"
	[ -s "$WORK/out" ] && fail "$bad wrote to stdout"
	want="$NAME: unknown option '$bad'; try '$NAME --help'"
	[ "$(cat "$WORK/err")" = "$want" ] ||
		fail "$bad printed '$(cat "$WORK/err")', not '$want'"
done
echo "ok: $NAME -h, --help, --version, bad options"
exit 0
