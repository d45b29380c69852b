// SPDX-License-Identifier: MIT
/* Assertions: parsing, targets files, evaluation and the verdict table. */
#include <linux/types.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "assertions.h"
#include "autocue.h"
#include "autocue_trace.h"

static void parse_ok(const char *expr, const char *name,
		     enum ac_stat_kind stat, enum ac_cmp op, double limit,
		     const char *limit_text)
{
	struct ac_assertion a;
	char err[256] = "";

	if (ac_assertion_parse(expr, &a, err, sizeof(err)))
		fail_msg("'%s' rejected: %s", expr, err);
	assert_string_equal(a.name, name);
	assert_int_equal(a.stat, stat);
	assert_int_equal(a.op, op);
	assert_true(a.limit == limit);
	assert_string_equal(a.limit_text, limit_text);
	assert_null(a.where);
	ac_assertion_free(&a);
}

static void test_parse_good(void **state)
{
	parse_ok("tracker_update_partial:p95<20ms", "tracker_update_partial",
		 AC_STAT_P95, AC_CMP_LT, 20e6, "20ms");
	parse_ok("  parse : avg <= 1.5 us  ", "parse", AC_STAT_AVG, AC_CMP_LE,
		 1500, "1.5us");
	parse_ok("x:max>2s", "x", AC_STAT_MAX, AC_CMP_GT, 2e9, "2s");
	parse_ok("x:min>=250ns", "x", AC_STAT_MIN, AC_CMP_GE, 250, "250ns");
	parse_ok("x:count>=100", "x", AC_STAT_COUNT, AC_CMP_GE, 100, "100");
	parse_ok("x:count < 1", "x", AC_STAT_COUNT, AC_CMP_LT, 1, "1");
	parse_ok("x:p50<1ms", "x", AC_STAT_P50, AC_CMP_LT, 1e6, "1ms");
	parse_ok("x:median<1ms", "x", AC_STAT_P50, AC_CMP_LT, 1e6, "1ms");
	parse_ok("x:p90<1ms", "x", AC_STAT_P90, AC_CMP_LT, 1e6, "1ms");
	parse_ok("x:p99<0.5ms", "x", AC_STAT_P99, AC_CMP_LT, 5e5, "0.5ms");
	parse_ok("x:P999<3ms", "x", AC_STAT_P999, AC_CMP_LT, 3e6, "3ms");
	parse_ok("x:total<10s", "x", AC_STAT_TOTAL, AC_CMP_LT, 1e10, "10s");
	parse_ok("x:avg<3\xc2\xb5s", "x", AC_STAT_AVG, AC_CMP_LT, 3000, "3us");
	parse_ok("\tx\t:\tavg\t<\t0ns\n", "x", AC_STAT_AVG, AC_CMP_LT, 0,
		 "0ns");
}

static void parse_bad(const char *expr, const char *want)
{
	struct ac_assertion a;
	char err[256] = "";

	assert_int_equal(ac_assertion_parse(expr, &a, err, sizeof(err)),
			 -EINVAL);
	if (strcmp(err, want))
		fail_msg("'%s':\n got  %s\n want %s", expr, err, want);
	assert_null(a.name);
}

static void test_parse_bad(void **state)
{
	parse_bad("x:p95<20", "bad assertion 'x:p95<20': missing unit "
		  "(ns|us|ms|s)");
	parse_bad(" x:p95<20 ", "bad assertion 'x:p95<20': missing unit "
		  "(ns|us|ms|s)");
	parse_bad("x:p95<20xs", "bad assertion 'x:p95<20xs': unknown unit "
		  "'xs' (ns|us|ms|s)");
	parse_bad("x:p95<20MS", "bad assertion 'x:p95<20MS': unknown unit "
		  "'MS' (ns|us|ms|s)");
	parse_bad("x:count<5ms", "bad assertion 'x:count<5ms': count takes "
		  "a plain number, not 'ms'");
	parse_bad("x:p97<1ms", "bad assertion 'x:p97<1ms': unknown "
		  "statistic 'p97' (count|avg|min|max|p50|p90|p95|p99|p999|"
		  "total)");
	parse_bad("x:<1ms", "bad assertion 'x:<1ms': missing statistic "
		  "(count|avg|min|max|p50|p90|p95|p99|p999|total)");
	parse_bad("x p95<1ms", "bad assertion 'x p95<1ms': expected "
		  "NAME:STAT<LIMIT, e.g. parse:p95<20ms");
	parse_bad(":p95<1ms", "bad assertion ':p95<1ms': missing probe name");
	parse_bad("a b:p95<1ms", "bad assertion 'a b:p95<1ms': probe name "
		  "'a b' contains a blank");
	parse_bad("x:p95 1ms", "bad assertion 'x:p95 1ms': missing "
		  "comparison (<, <=, >, >=)");
	parse_bad("x:p95=1ms", "bad assertion 'x:p95=1ms': unsupported "
		  "comparison '=1' (<, <=, >, >=)");
	parse_bad("x:p95==1ms", "bad assertion 'x:p95==1ms': unsupported "
		  "comparison '==' (<, <=, >, >=)");
	parse_bad("x:p95<", "bad assertion 'x:p95<': missing limit");
	parse_bad("x:p95<ms", "bad assertion 'x:p95<ms': bad limit 'ms'");
	parse_bad("x:p95<-1ms", "bad assertion 'x:p95<-1ms': negative limit");
	parse_bad("x:p95<infms", "bad assertion 'x:p95<infms': bad limit "
		  "'infms'");
	parse_bad("x:p95<1ms 2", "bad assertion 'x:p95<1ms 2': unexpected "
		  "'2' after the limit");
	parse_bad("", "bad assertion '': expected NAME:STAT<LIMIT, e.g. "
		  "parse:p95<20ms");
}

static char *write_file(const char *text)
{
	static char path[64];
	FILE *f;
	int fd;

	strcpy(path, "/tmp/ac-targets-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_targets_file(void **state)
{
	struct ac_assertions *set = ac_assertions_new();
	char err[512] = "", want[600], *path;

	assert_non_null(set);
	assert_int_equal(ac_assertions_count(set), 0);

	path = write_file("# targets\n"
			  "\n"
			  "   # indented comment\n"
			  "a:avg < 5ms\n"
			  "a:p95<20ms   # trailing comment\n"
			  "\t\n"
			  "b:count>=1\n");
	assert_int_equal(ac_assertions_add(set, "z:max<1s", err,
					   sizeof(err)), 0);
	assert_int_equal(ac_assertions_load(set, path, err, sizeof(err)), 0);
	assert_int_equal(set->n, 4);
	assert_null(set->v[0].where);
	assert_string_equal(set->v[1].name, "a");
	assert_int_equal(set->v[1].stat, AC_STAT_AVG);
	snprintf(want, sizeof(want), "%s:4", path);
	assert_string_equal(set->v[1].where, want);
	assert_int_equal(set->v[2].stat, AC_STAT_P95);
	snprintf(want, sizeof(want), "%s:5", path);
	assert_string_equal(set->v[2].where, want);
	snprintf(want, sizeof(want), "%s:7", path);
	assert_string_equal(set->v[3].where, want);
	unlink(path);

	/* an error names FILE:LINE and appends nothing */
	path = write_file("a:avg<5ms\n\n# x\nb:p95<20\n");
	assert_int_equal(ac_assertions_load(set, path, err, sizeof(err)),
			 -EINVAL);
	snprintf(want, sizeof(want), "%s:4: bad assertion 'b:p95<20': "
		 "missing unit (ns|us|ms|s)", path);
	assert_string_equal(err, want);
	assert_int_equal(set->n, 4);
	unlink(path);

	assert_int_equal(ac_assertions_load(set, "/nonexistent/targets",
					    err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "cannot read targets file "
			    "/nonexistent/targets: No such file or directory");
	assert_int_equal(ac_assertions_count(set), 4);
	ac_assertions_free(set);
	ac_assertions_free(NULL);
}

/* the shipped targets file parses */
static void test_example_targets(void **state)
{
	struct ac_assertions *set = ac_assertions_new();
	char err[512] = "";

	assert_non_null(set);
	if (ac_assertions_load(set, "examples/targets.conf", err,
			       sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(set->n, 10);
	assert_string_equal(set->v[0].name, "tracker_update_partial");
	assert_int_equal(set->v[0].stat, AC_STAT_AVG);
	assert_true(set->v[0].limit == 5e6);
	assert_string_equal(set->v[9].name, "tracker_init");
	assert_int_equal(set->v[9].stat, AC_STAT_P95);
	assert_true(set->v[9].limit == 100e6);
	ac_assertions_free(set);
}

/* --- evaluation ------------------------------------------------------- */

#define SHIFT	AC_DEFAULT_SHIFT

static uint64_t buckets[2][AC_NBUCKETS(SHIFT)];
static struct ac_probe_stats probes[2];
static struct ac_snapshot snap = { .nprobes = 2, .probes = probes,
				   .precision = SHIFT };

/* "fast": 100 calls of 1..100 us; "idle": never called */
static void make_snapshot(void)
{
	memset(buckets, 0, sizeof(buckets));
	probes[0] = (struct ac_probe_stats){
		.name = "fast", .shift = SHIFT, .buckets = buckets[0],
		.nbuckets = AC_NBUCKETS(SHIFT), .min_ns = 1000,
		.max_ns = 100000,
	};
	for (uint64_t v = 1000; v <= 100000; v += 1000) {
		buckets[0][ac_bucket(v, SHIFT)]++;
		probes[0].count++;
		probes[0].total_ns += v;
	}
	probes[1] = (struct ac_probe_stats){
		.name = "idle", .shift = SHIFT, .buckets = buckets[1],
		.nbuckets = AC_NBUCKETS(SHIFT),
	};
}

static void eval(const char *expr, bool pass, const char *note)
{
	struct ac_assertion a;
	struct ac_assert_result r;
	char err[256];

	if (ac_assertion_parse(expr, &a, err, sizeof(err)))
		fail_msg("%s", err);
	ac_assertion_eval(&a, &snap, &r);
	if (r.pass != pass || strcmp(r.note, note))
		fail_msg("%s: %s (%s), want %s (%s)", expr,
			 r.pass ? "pass" : "fail", r.note,
			 pass ? "pass" : "fail", note);
	ac_assertion_free(&a);
}

static void test_eval(void **state)
{
	make_snapshot();
	/* avg 50.5 us */
	eval("fast:avg<100us", true, "49.5% under");
	eval("fast:avg<40us", false, "26.2% over");
	eval("fast:avg<=50.5us", true, "at the limit");
	eval("fast:avg<50.5us", false, "at the limit");
	eval("fast:avg>50us", true, "1.0% over");
	eval("fast:avg>=60us", false, "15.8% under");
	eval("fast:count>=100", true, "at the limit");
	eval("fast:count>100", false, "at the limit");
	eval("fast:count<200", true, "50.0% under");
	eval("fast:min>=1us", true, "at the limit");
	eval("fast:max<100us", false, "at the limit");
	eval("fast:total<5.05ms", false, "at the limit");
	eval("fast:total<10ms", true, "49.5% under");
	eval("fast:avg<0ns", false, "50500ns over");
	/* percentiles: the histogram's midpoints, within 1% */
	eval("fast:p50<52us", true, "2.0% under");	/* 50.943 */
	eval("fast:p99<=101us", true, "1.0% under");	/* max: 99.99 */
	eval("fast:p999>=99ms", false, "99.9% under");
	eval("fast:p90>80us", true, "13.3% over");	/* 90.623 */
	eval("fast:p95<95us", false, "0.8% over");	/* 95.743 */

	/* never vacuous */
	eval("idle:avg<1s", false, "never called");
	eval("idle:p99<1s", false, "never called");
	eval("missing:avg<1s", false, "no such probe");
	eval("missing:count<1", false, "no such probe");
	/* 0 calls is a real count */
	eval("idle:count<1", true, "100.0% under");
	eval("idle:count>=1", false, "100.0% under");
}

static void test_report(void **state)
{
	struct ac_assertions *set = ac_assertions_new();
	const char *exprs[] = {
		"fast:avg<100us", "fast:p95<20us", "idle:avg<1ms",
		"fast:count>=100", "nosuch:max<1s",
	};
	char err[256], *buf = NULL;
	size_t len;
	FILE *f;

	make_snapshot();
	for (size_t i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++)
		assert_int_equal(ac_assertions_add(set, exprs[i], err,
						   sizeof(err)), 0);
	f = open_memstream(&buf, &len);
	assert_int_equal(ac_assertions_check(set, &snap, f), 3);
	fclose(f);
	assert_string_equal(buf,
		"NAME    STAT   OP  LIMIT    ACTUAL  RESULT\n"
		"fast    avg    <   100us  50.500us  PASS (49.5% under)\n"
		"fast    p95    <    20us  95.743us  FAIL (378.7% over)\n"
		"idle    avg    <     1ms         -  FAIL (never called)\n"
		"fast    count  >=    100       100  PASS (at the limit)\n"
		"nosuch  max    <      1s         -  FAIL (no such probe)\n"
		"assertions: 3 of 5 failed\n");
	free(buf);
	ac_assertions_free(set);

	/* all passing */
	set = ac_assertions_new();
	assert_non_null(set);
	assert_int_equal(ac_assertions_add(set, "fast:max<=100us", err,
					   sizeof(err)), 0);
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_int_equal(ac_assertions_check(set, &snap, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "assertions: all 1 passed\n"));
	free(buf);
	ac_assertions_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_targets_file),
		cmocka_unit_test(test_example_targets),
		cmocka_unit_test(test_eval),
		cmocka_unit_test(test_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
