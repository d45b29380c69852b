/* SPDX-License-Identifier: MIT */
/*
 * json_report.h - a snapshot as JSON, keeping the seed profiler's
 * save_report keys:
 *
 *   { "timestamp": "2025-11-25T10:25:01.123456",   local time, isoformat()
 *     "pid": 1234, "duration_s": 3.0, "precision": 6,
 *     "map_bytes": 1218560,          kernel memory of the maps
 *     "killed_by": null,             or "SIGKILL": the signal that ended
 *                                    the traced command
 *     "compensation": { "enabled": true, "pair_ns": 2950.0, "inner_ns": 1200.0 },
 *     "dropped": { "unmatched_returns": 0, "unwound_frames": 0,
 *                  "depth_overflow": 0, "folded_paths_full": 0,
 *                  "raw_records_lost": 0, "no_thread_storage": 0,
 *                  "per_process_full": 0, "total": 0 },
 *     "stats": [ { "name", "call_count", "total_time_ms", "avg_time_ms",
 *                  "median_time_ms", "min_time_ms", "max_time_ms",
 *                  "p95_time_ms", "p99_time_ms", "p999_time_ms",
 *                  "buckets": [[lo_ns, hi_ns, count], ...],
 *                  "exact": { "samples", "p50_time_ms", "p95_time_ms",
 *                             "p99_time_ms" } } ] }
 *
 * stats: called probes only, by total time descending (ties by name).
 * Percentiles are the histogram's (so they agree with "buckets"); "exact"
 * is present only in exact mode and holds percentiles of every call.
 * Times in ms are rounded to the nanosecond.
 *
 * Per-interval output (-i with --json) is json_series.h's JSON Lines.
 */
#ifndef AUTOCUE_JSON_REPORT_H
#define AUTOCUE_JSON_REPORT_H

#include <stdbool.h>
#include <time.h>
#include "autocue_trace.h"

struct json_object;

/* The report object, stamped with wall-clock time *when (NULL: now).
 * NULL on allocation failure; free with json_object_put(). */
struct json_object *ac_json_report(const struct ac_snapshot *s,
				   const struct timespec *when);

/* Adds val (owned; NULL: an allocation that failed) to obj as key: 0 or
 * -ENOMEM, val released either way. */
int ac_json_add(struct json_object *obj, const char *key,
		struct json_object *val);

/* One snapshot to PATH ("-": stdout), atomically: 0 or -errno. */
int ac_json_write(const char *path, const struct ac_snapshot *s);

#endif /* AUTOCUE_JSON_REPORT_H */
