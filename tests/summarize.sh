#!/bin/sh
# SPDX-License-Identifier: MIT
# summarize.sh RESULTS_DIR SUITE...
#
# The closing lines of `make test`: every failing program or script of
# every suite (the RESULTS files run_suite.sh writes), a suite that could
# not run at all (it left no results: its build failed), and last, on a
# line of its own, "N passed, N failed". Exits 1 when anything failed.
# Each failing program's last lines (run_suite.sh kept them) come first.
dir=$1
shift
failed=0 passed=0 list=
for s in "$@"; do
	r=$dir/$s
	if [ ! -s "$r" ]; then
		list="$list
  $s: did not run (see its build errors above)"
		failed=$((failed + 1))
		continue
	fi
	p=$(grep -c '^pass' "$r")
	f=$(grep -c '^FAIL' "$r")
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" -eq 0 ] && continue
	list="$list
$(sed -n "s/^FAIL /  $s: /p" "$r")"
done
for s in "$@"; do
	for t in "$dir/$s.tail"/*; do
		[ -f "$t" ] || continue
		echo
		echo "--- the end of ${t##*/}'s output:"
		cat "$t"
	done
done
echo
if [ $failed -gt 0 ]; then
	echo "FAILED:$list"
else
	echo "all test suites passed"
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
