/* SPDX-License-Identifier: MIT */
/*
 * report.h - the text table of a snapshot, the seed profiler's format:
 *
 *   Function  Calls  Total(ms)  Avg(ms)  Min(ms)  Max(ms)  Median(ms)  P95(ms)  P99(ms)
 *
 * followed by a footer stating the probe cost subtracted per call and any
 * lost events. Also the names of the lost-event counters, shared by every
 * writer.
 */
#ifndef AUTOCUE_REPORT_H
#define AUTOCUE_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "autocue_trace.h"

enum ac_sort {
	AC_SORT_TOTAL,	/* descending */
	AC_SORT_AVG,	/* descending */
	AC_SORT_CALLS,	/* descending */
	AC_SORT_P99,	/* descending (histogram P99) */
	AC_SORT_NAME,	/* ascending */
};

struct ac_report_opts {
	enum ac_sort sort;
	int top;		/* rows to print; <= 0: all */
	bool show_empty;	/* list never-called probes (at the bottom) */
	const char *title;	/* printed above the table, e.g. "interval 3
				 * (1.0 s)"; NULL: none */
	bool hist;		/* each row's distribution below the table */
};

/* "total", "avg", "calls", "p99" or "name"; 0 or -EINVAL. */
int ac_sort_parse(const char *name, enum ac_sort *out);

/* The probe cost of --func's pairs, one clause per kind traced ("--func
 * pairs: 8.60 us a call with the entry emulated (3 functions, 1.20 us of
 * it inside), ..."), unit us with `decimals`; nothing without --func. */
void ac_report_func_costs(FILE *out, const struct ac_snapshot *s,
			  int decimals);

/* Prints the table and its footer; 0 or -errno (a failed write). */
int ac_report_table(FILE *out, const struct ac_snapshot *s,
		    const struct ac_report_opts *o);

/* One probe's durations in power-of-two buckets with bars, the layout of
 * bpftrace's hist(); 0 or -errno. */
int ac_log2_hist_print(FILE *out, const struct ac_probe_stats *p);

/* True when a probe's mean is within 3 probe costs of zero: its figures
 * are mostly the cost of the probes themselves. */
bool ac_overhead_dominated(const struct ac_snapshot *s,
			   const struct ac_probe_stats *p);

/* The share of a row's raw time that was probe cost of the traced calls
 * beneath it (subtracted by compensation), 0..1. */
double ac_beneath_share(const struct ac_snapshot *s,
			const struct ac_probe_stats *p);

/* Lost-event counter i (AC_LOST_*): "unmatched returns" for people,
 * "unmatched_returns" for JSON. NULL when out of range. */
const char *ac_lost_label(int i);
const char *ac_lost_key(int i);

#endif /* AUTOCUE_REPORT_H */
