/* SPDX-License-Identifier: MIT */
/*
 * profile_report.h - what a recording (autocue-trace record) becomes: the
 * top functions by self and total samples on the terminal, folded stacks
 * and the flamegraph through the writers of folded.h and svg.h (values are
 * sample counts), and JSON:
 *
 *   { "pid": 1234, "hz": 99, "duration_s": 5.0,
 *     "processes": [ { "pid": 1234, "comm": "app", "samples": 990 } ],
 *     "samples": 990, "samples_per_s": 198.0,   (2 threads on CPU)
 *     "lost": { "user_stacks": 0, "kernel_stacks": 0, "samples": 0 },
 *     "truncated": 0, "unresolved": 12, "in_scope": 950,
 *     "no_frame_pointers": [ { "object", "functions", "with_frame_pointer" } ],
 *     "functions": [ { "name", "kind": "function"|"kernel"|"scope",
 *                      "self", "total", "self_pct", "total_pct" } ] }
 *
 * A function's self samples are those it was the innermost frame of; its
 * total those it was anywhere in (once a sample, recursion or not).
 * With several processes, folded stacks and the flamegraph start with
 * each one's "comm-PID" frame; the function tables sum them all and a
 * line per process gives its samples.
 */
#ifndef AUTOCUE_PROFILE_REPORT_H
#define AUTOCUE_PROFILE_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "profile.h"

struct ac_profile_fn {
	const char *name;
	bool scope;		/* a traced scope, not a sampled frame */
	uint64_t self, total;
};

/* Every frame name, by self samples descending, then total, then name.
 * 0 or -ENOMEM; free *out. */
int ac_profile_functions(const struct ac_profile *p, struct ac_profile_fn **out,
			 int *n);
/* Summary lines, then the top rows by self and by total. 0 or -errno. */
int ac_profile_print(FILE *out, const struct ac_profile *p, int top);
/* The warnings a user acts on: objects without frame pointers,
 * truncated and lost stacks. One line each, to out. */
void ac_profile_warnings(FILE *out, const struct ac_profile *p);
int ac_profile_write_folded(const char *path, const struct ac_profile *p);
int ac_profile_write_svg(const char *path, const struct ac_profile *p,
			 const char *title);
int ac_profile_write_json(const char *path, const struct ac_profile *p);

#endif /* AUTOCUE_PROFILE_REPORT_H */
