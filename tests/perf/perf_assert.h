/* SPDX-License-Identifier: MIT */
/* perf_assert.h - the perf suites' checks: latency assertions (the CLI's
 * language, user/assertions.h) evaluated on a snapshot of the kernel
 * histograms. Static helpers for the cmocka programs of tests/perf. */
#ifndef AUTOCUE_PERF_ASSERT_H
#define AUTOCUE_PERF_ASSERT_H

#include <stdarg.h>
#include <stdio.h>
#include "assertions.h"
#include "autocue_trace.h"

static void add(struct ac_assertions *set, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add(struct ac_assertions *set, const char *fmt, ...)
{
	char expr[160], err[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(expr, sizeof(expr), fmt, ap);
	va_end(ap);
	if (ac_assertions_add(set, expr, err, sizeof(err)))
		fail_msg("%s", err);
}

/* An exact call count, in the assertion language: two bounds. */
static inline void add_count(struct ac_assertions *set, const char *name,
			     unsigned long n)
{
	add(set, "%s:count>=%lu", name, n);
	add(set, "%s:count<=%lu", name, n);
}

/* Prints the verdict table, frees the set, and fails naming every failed
 * assertion. */
static inline void check_snapshot(const struct ac_snapshot *snap,
				  const char *scenario,
				  struct ac_assertions *set)
{
	char failed[1024] = "";
	size_t len = 0;
	int nfailed;

	print_message("%s\n", scenario);
	nfailed = ac_assertions_check(set, snap, stdout);
	for (int i = 0; i < set->n && nfailed > 0; i++) {
		const struct ac_assertion *a = &set->v[i];
		struct ac_assert_result r;

		ac_assertion_eval(a, snap, &r);
		if (!r.pass && len < sizeof(failed))
			len += snprintf(failed + len, sizeof(failed) - len,
					" %s:%s%s%s (%s)", a->name,
					ac_stat_name(a->stat),
					ac_cmp_name(a->op), a->limit_text,
					r.note);
	}
	ac_assertions_free(set);
	if (nfailed)
		fail_msg("%s: %d assertion(s) failed:%s", scenario, nfailed,
			 failed);
}

#endif /* AUTOCUE_PERF_ASSERT_H */
