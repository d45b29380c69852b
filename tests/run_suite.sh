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
suite=$1 results=$2
shift 2
mkdir -p "$(dirname "$results")"
: >"$results"
for t in "$@"; do
	echo "  RUN      $t"
	case $t in
	*.sh) sh "$t" ;;
	*) "$t" ;;
	esac
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "pass $t" >>"$results"
	else
		echo "FAIL $t (exit $rc)" >>"$results"
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
