/* SPDX-License-Identifier: MIT */
/*
 * json_series.h - per-interval JSON reports (-i with --json) as JSON Lines:
 * one report a line, appended and flushed as each interval ends, so the
 * tracer keeps nothing between intervals and a session's memory does not
 * grow with its length.
 *
 * Every line is one ac_json_report() object (json_report.h) on a single
 * line, plus
 *   "interval": N     1-based, the line's number
 *   "final": BOOL     true on the report at the end of the trace, the last
 *                     line; a file without it was cut short (the tracer was
 *                     killed, or a write failed)
 * Each line is complete when written (a reader may follow the file).
 */
#ifndef AUTOCUE_JSON_SERIES_H
#define AUTOCUE_JSON_SERIES_H

#include <stdbool.h>
#include "autocue_trace.h"

struct ac_json_series;

/* Creates (truncates) PATH, "-" for stdout: 0 or -errno. */
int ac_json_series_open(const char *path, struct ac_json_series **out);
/* Appends s's report, stamped now, as one line and flushes it: 0 or
 * -errno. final: the report at the end of the trace. */
int ac_json_series_add(struct ac_json_series *js, const struct ac_snapshot *s,
		       bool final);
/* Closes the file: 0 or -errno (a write that failed late). NULL is fine. */
int ac_json_series_close(struct ac_json_series *js);

#endif /* AUTOCUE_JSON_SERIES_H */
