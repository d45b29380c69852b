/* SPDX-License-Identifier: MIT */
/*
 * assertions.h - latency assertions on a snapshot, for CI:
 *
 *   NAME:STAT OP LIMIT      e.g.  tracker_update_partial:p95<20ms
 *
 * STAT: count avg min max p50 p90 p95 p99 p999 total (median = p50);
 * OP: < <= > >=; LIMIT: a number with unit ns|us|ms|s, or for count a
 * plain number. Whitespace anywhere between the parts is fine.
 *
 * A targets file holds one assertion a line; '#' starts a comment, blank
 * lines are ignored.
 *
 * An assertion never passes vacuously: one on a probe that is not in the
 * snapshot fails ("no such probe"), and one on a probe that was never
 * called fails ("never called") - except a count assertion on a probe
 * that exists, for which 0 calls is a real measurement (so foo:count<1
 * asserts that foo is never called).
 */
#ifndef AUTOCUE_ASSERTIONS_H
#define AUTOCUE_ASSERTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "autocue_trace.h"

enum ac_stat_kind {
	AC_STAT_COUNT,
	AC_STAT_AVG,
	AC_STAT_MIN,
	AC_STAT_MAX,
	AC_STAT_P50,
	AC_STAT_P90,
	AC_STAT_P95,
	AC_STAT_P99,
	AC_STAT_P999,
	AC_STAT_TOTAL,
};

enum ac_cmp {
	AC_CMP_LT,
	AC_CMP_LE,
	AC_CMP_GT,
	AC_CMP_GE,
};

struct ac_assertion {
	char *name;		/* probe name */
	enum ac_stat_kind stat;
	enum ac_cmp op;
	double limit;		/* ns; calls for count */
	double unit_ns;		/* of the unit the limit was written in;
				 * 1 for count */
	char unit[4];		/* "ns", "us", "ms", "s"; "" for count */
	char *limit_text;	/* the limit as written, e.g. "20ms" */
	char *where;		/* "FILE:LINE" when from a file, else NULL */
};

struct ac_assertions {
	struct ac_assertion *v;
	int n, cap;
};

struct ac_assert_result {
	bool pass;
	bool measured;		/* false: no such probe, or never called */
	double actual;		/* ns; calls for count */
	char note[64];		/* "+23.4% over", "never called", ... */
};

/* Parses expr into *a (free with ac_assertion_free). On error returns
 * -EINVAL and writes one line to err, e.g.
 * "bad assertion 'x:p95<20': missing unit (ns|us|ms|s)". */
int ac_assertion_parse(const char *expr, struct ac_assertion *a,
		       char *err, size_t errlen);
void ac_assertion_free(struct ac_assertion *a);

/* An empty set; NULL when out of memory. */
struct ac_assertions *ac_assertions_new(void);
/* Frees the set and every assertion in it; NULL is fine. */
void ac_assertions_free(struct ac_assertions *set);
int ac_assertions_count(const struct ac_assertions *set);

/* Appends one parsed expression (--assert): 0, -EINVAL or -ENOMEM. */
int ac_assertions_add(struct ac_assertions *set, const char *expr,
		      char *err, size_t errlen);
/* Limits of a targets file: longer lines and larger files are refused
 * with FILE:LINE, before they are read whole. */
#define AC_TARGETS_MAX_LINE 4096
#define AC_TARGETS_MAX_FILE (1 << 20)

/* Appends every assertion of a targets file (--targets); errors name
 * FILE:LINE. 0 or -errno; nothing is appended on error. */
int ac_assertions_load(struct ac_assertions *set, const char *path,
		       char *err, size_t errlen);

/* ns in one of the duration units assertions take (ns us µs ms s), the
 * len bytes at unit; 0 for anything else. --buckets uses them too. */
double ac_unit_ns(const char *unit, size_t len);

/* Name of a statistic / comparison, as written in assertions. */
const char *ac_stat_name(enum ac_stat_kind stat);
const char *ac_cmp_name(enum ac_cmp op);

void ac_assertion_eval(const struct ac_assertion *a,
		       const struct ac_snapshot *s,
		       struct ac_assert_result *r);

/* Evaluates all, prints the table
 *   NAME  STAT  OP  LIMIT  ACTUAL  RESULT
 * and a summary line; returns the number failed (the CLI exits 3 when it
 * is > 0), or -errno. */
int ac_assertions_check(const struct ac_assertions *set,
			const struct ac_snapshot *s, FILE *out);

#endif /* AUTOCUE_ASSERTIONS_H */
