#!/bin/sh
# SPDX-License-Identifier: MIT
# Profile a running Python app per function, by PID, with nothing edited:
# the Autocue authors' table (Function, Calls, Total, Avg, Min, Max,
# Median, P95, P99), their performance targets checked, a JSON report and
# folded stacks. See examples/python.md.
#
#   sudo examples/profile_python_app.sh PID [SECONDS] [GLOBS]
#
# SECONDS defaults to 30, GLOBS to 'autocue.*'; results go to
# profiling_results/python_*. Exit status 3 when a target is missed.
set -eu
[ $# -ge 1 ] || { sed -n '3,11p' "$0" >&2; exit 1; }
PID=$1
SECONDS_=${2:-30}
GLOBS=${3:-autocue.*}
HERE=$(dirname "$0")
TRACE=${TRACE:-$HERE/../build/autocue-trace}
OUT=${OUT:-profiling_results}
mkdir -p "$OUT"
exec "$TRACE" -p "$PID" --python "$GLOBS" -d "$SECONDS_" -s total \
	--targets "$HERE/targets-python.conf" \
	--json "$OUT/python_profile.json" --folded "$OUT/python.folded"
