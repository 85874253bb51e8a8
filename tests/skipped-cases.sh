#!/bin/sh
# SPDX-License-Identifier: MIT
# skipped-cases.sh [BUILD-DIR]: run after ctest (make check does), lists from
# ctest's log the cases that skipped inside test programs that otherwise ran
# ("SKIPPED CASE:" lines of tests/harness.h) and the reasons programs gave
# for skipping whole ("SKIPPED:" lines).  ctest itself counts such a program
# as plainly passed, or names it among the tests that did not run without a
# reason.  Always exits 0: the harness already fails a skip that its backend
# may not take.
log=${1:-.}/Testing/Temporary/LastTest.log
[ -r "$log" ] || { echo "skipped cases: no ctest log at $log"; exit 0; }
cases=$(grep -a '^SKIPPED CASE: ' "$log" | sed 's/^SKIPPED CASE: //' | sort)
whole=$(grep -a '^SKIPPED: ' "$log" | sed 's/^SKIPPED: //' | sort)
n=$(printf '%s' "$cases" | grep -c '')
echo "skipped cases in tests that ran: $n"
[ -n "$cases" ] && printf '%s\n' "$cases" | sed 's/^/    /'
if [ -n "$whole" ]; then
	echo "test programs skipped whole, with their reasons:"
	printf '%s\n' "$whole" | sed 's/^/    /'
fi
exit 0
