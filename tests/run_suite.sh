#!/bin/sh
# SPDX-License-Identifier: MIT
# run_suite.sh SUITE RESULTS PROGRAM_OR_SCRIPT...
#
# Runs every program (and every *.sh script, with sh) of a test suite from
# the top directory, each one whatever the earlier ones did: a failing
# program must not hide the verdicts of the rest. One line per program goes
# to RESULTS ("pass NAME" or "FAIL NAME (exit N)"), which `make test` reads
# for its summary of every suite. Prints the suite's own summary, and exits
# 1 when anything failed, so `make test-SUITE` alone says the same.
# A failing program's last lines are kept beside RESULTS (RESULTS.tail/),
# for the summary: a CI log is often seen only by its end.
suite=$1 results=$2
shift 2
mkdir -p "$(dirname "$results")"
: >"$results"
tails=$results.tail
rm -rf "$tails"
log=$(mktemp)
trap 'rm -f "$log" "$log.rc"' EXIT
for t in "$@"; do
	echo "  RUN      $t"
	# streamed as it runs, and kept; the exit code through a file (a
	# pipeline's is its last command's)
	{
		case $t in
		*.sh) sh "$t" ;;
		*) "$t" ;;
		esac
		echo $? >"$log.rc"
	} 2>&1 | tee "$log"
	rc=$(cat "$log.rc")
	if [ "$rc" -eq 0 ]; then
		echo "pass $t" >>"$results"
	else
		echo "FAIL $t (exit $rc)" >>"$results"
		mkdir -p "$tails"
		tail -n 12 "$log" >"$tails/$(echo "$t" | tr / _)"
	fi
done
failed=$(grep -c '^FAIL' "$results")
passed=$(grep -c '^pass' "$results")
if [ "$failed" -gt 0 ]; then
	echo "$suite: failed:"
	sed -n 's/^FAIL /  /p' "$results"
fi
echo "$suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
