// SPDX-License-Identifier: MIT
/*
 * perf suite: the reference's performance scenarios (TRACKER-SPEC.md §8) on
 * the C tracker, with the targets asserted on the kernel's histograms: the
 * test traces itself through the C API (ac_trace_open_pid(getpid())), runs
 * each workload, and checks assertions (user/assertions.h, the language of
 * examples/targets.conf) against the snapshot. Call counts are asserted
 * exactly where the workload determines them. Needs root; skips otherwise.
 *
 *   test_perf [FILTER]     run the scenarios whose name contains FILTER
 *
 * Two target files apply: the reference's (examples/targets.conf, set for
 * Python) and this port's (examples/targets-c.conf, about ten times above
 * what this suite measures), which is what catches a real regression.
 *
 * Built a second time as test_perf_slowed (tests/perf/perf.mk): linked with
 * -Wl,--wrap so that every partial update spends AUTOCUE_PERF_SLOWED_US
 * (1 ms, 25-100x its cost) more inside tracker_update_partial - a
 * regression in the tracker's word normalisation, with no change to the
 * tracker's code. test_catches_regression runs that build and expects it
 * to fail the port's partial-update targets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "assertions.h"
#include "perf_assert.h"
#include "autocue_trace.h"
#include "autocue_usdt.h"
#include "script.h"
#include "tracker.h"

#define REF_OUT_OF_MEMORY() fail_msg("out of memory")
#include "../common/reference_workloads.h"

#define TARGETS_FILE "examples/targets.conf"
#define PORT_TARGETS_FILE "examples/targets-c.conf"
/* next to this program: BUILD/tests/perf/test_perf_slowed */
static char slowed_bin[256];

/* The reference's init is parse + word list + tracker: one section. */
AUTOCUE_PROBE(perf_init);

struct perf {
	struct ac_trace *t;
	struct ac_script *s;
};

/* ---- the injected regression (test_perf_slowed only) --------------------- */

#ifdef AUTOCUE_PERF_SLOWED_US
static __thread bool slow_pending;
static unsigned long slow_injected;

struct ac_position __real_ac_tracker_update(struct ac_tracker *t,
					    const char *text, bool is_partial);
int __real_ac_normalize(const char *in, size_t len, char *out, size_t cap);
struct ac_position __wrap_ac_tracker_update(struct ac_tracker *t,
					    const char *text, bool is_partial);
int __wrap_ac_normalize(const char *in, size_t len, char *out, size_t cap);

struct ac_position __wrap_ac_tracker_update(struct ac_tracker *t,
					    const char *text, bool is_partial)
{
	struct ac_position p;

	slow_pending = is_partial;
	p = __real_ac_tracker_update(t, text, is_partial);
	slow_pending = false;
	return p;
}

/* The first word the tracker normalises in a partial update (inside
 * tracker_update_partial, from tracker.c) costs AUTOCUE_PERF_SLOWED_US. */
int __wrap_ac_normalize(const char *in, size_t len, char *out, size_t cap)
{
	if (slow_pending) {
		struct timespec a, b;

		slow_pending = false;
		slow_injected++;
		clock_gettime(CLOCK_MONOTONIC, &a);
		do
			clock_gettime(CLOCK_MONOTONIC, &b);
		while ((b.tv_sec - a.tv_sec) * 1000000L +
		       (b.tv_nsec - a.tv_nsec) / 1000 < AUTOCUE_PERF_SLOWED_US);
	}
	return __real_ac_normalize(in, len, out, cap);
}
#endif

/* ---- helpers --------------------------------------------------------------- */

static struct ac_script *parse(void)
{
	char err[256] = "";
	struct ac_script *s = ac_script_parse(ref_inline_script,
					      strlen(ref_inline_script), err,
					      sizeof(err));

	if (!s)
		fail_msg("parse: %s", err);
	return s;
}

static struct ac_tracker *tracker(const struct ac_script *s)
{
	struct ac_tracker *t = ac_tracker_new(s, NULL);

	assert_non_null(t);
	return t;
}

/* Runs one update of a reference workload on the tracker ctx. */
static struct ac_position run_update(void *ctx, const char *text,
				     bool partial, bool setup)
{
	(void)setup;
	return ac_tracker_update(ctx, text, partial);
}

static struct ac_assertions *targets(void)
{
	struct ac_assertions *set = ac_assertions_new();

	assert_non_null(set);
	return set;
}

/* The targets of both files whose probe is NAME. */
static void add_targets_of(struct ac_assertions *set, const char *name)
{
	struct ac_assertions *all = targets();
	char err[256], expr[160];

	if (ac_assertions_load(all, TARGETS_FILE, err, sizeof(err)) ||
	    ac_assertions_load(all, PORT_TARGETS_FILE, err, sizeof(err)))
		fail_msg("%s", err);
	for (int i = 0; i < all->n; i++) {
		const struct ac_assertion *a = &all->v[i];

		if (strcmp(a->name, name))
			continue;
		snprintf(expr, sizeof(expr), "%s:%s%s%s", a->name,
			 ac_stat_name(a->stat), ac_cmp_name(a->op),
			 a->limit_text);
		add(set, "%s", expr);
	}
	ac_assertions_free(all);
}

/* Snapshot, print the verdict table, fail naming every failed assertion. */
static void check(struct perf *p, const char *scenario,
		  struct ac_assertions *set)
{
	struct ac_snapshot *snap = ac_trace_snapshot(p->t);

	assert_non_null(snap);
	check_snapshot(snap, scenario, set);
	ac_snapshot_free(snap);
}

static void start(struct perf *p)
{
	assert_int_equal(ac_trace_reset(p->t), 0);
}

/* One round of a workload on a new tracker; the position after it. */
static struct ac_position run_round(struct perf *p, ref_workload w)
{
	struct ac_tracker *t = tracker(p->s);
	struct ac_position pos = w(p->s, run_update, t);

	ac_tracker_free(t);
	return pos;
}

/* Resets the histograms, then runs rounds of a workload. */
static void run_rounds(struct perf *p, int rounds, ref_workload w)
{
	start(p);
	for (int r = 0; r < rounds; r++)
		run_round(p, w);
}

/* The reference's realistic session, then a backtracking final of
 * words[20:30]. */
static struct ac_position session_then_backtrack(const struct ac_script *s,
						 ref_update_fn fn, void *ctx)
{
	ref_session(s, fn, ctx);
	return ref_feed(s, 20, 30, 0, false, false, fn, ctx);
}

/* ---- the scenarios ------------------------------------------------------------ */

/* Tracker initialisation x100 (script parse + word list + tracker). */
static void test_initialisation(void **state)
{
	struct perf *p = *state;
	struct ac_assertions *set = targets();
	enum { N = 100 };

	start(p);
	for (int i = 0; i < N; i++) {
		struct ac_script *s;
		struct ac_tracker *t;

		{
			AUTOCUE_TRACE(perf_init);
			s = parse();
			t = tracker(s);
		}
		ac_tracker_free(t);
		ac_script_free(s);
	}
	add(set, "perf_init:avg<50ms");
	add(set, "perf_init:p95<100ms");
	add_targets_of(set, "tracker_init");
	add_count(set, "perf_init", N);
	add_count(set, "tracker_init", N);
	add_count(set, "script_parse", N);
	check(p, "initialisation x100", set);
}

/* Sequential word matching: 100 words, one final each, x10. */
static void test_sequential_words(void **state)
{
	struct perf *p = *state;
	struct ac_assertions *set = targets();
	int n = ref_session_words(p->s);
	enum { R = 10 };

	run_rounds(p, R, ref_single_words);
	/* the reference: < 2 ms a word */
	add(set, "tracker_update_final:avg<2ms");
	add_targets_of(set, "tracker_update_final");
	add_targets_of(set, "tracker_match_single_word");
	add_count(set, "tracker_update", (unsigned long)n * R);
	add_count(set, "tracker_update_final", (unsigned long)n * R);
	add_count(set, "tracker_update_partial", 0);
	add_count(set, "tracker_init", R);
	check(p, "sequential word matching (100 finals x10)", set);
}

/* Growing partials of words[10:30]: 20 partials a round. */
static void test_growing_partials(void **state)
{
	struct perf *p = *state;
	struct ac_assertions *set = targets();
	enum { R = 5 };

	run_rounds(p, R, ref_growing_partials);
	add_targets_of(set, "tracker_update_partial");
	add_count(set, "tracker_update_partial", 20 * R);
	add_count(set, "tracker_update_final", 0);
#ifdef AUTOCUE_PERF_SLOWED_US
	print_message("slowed build: %lu delays of %d us injected\n",
		      slow_injected, AUTOCUE_PERF_SLOWED_US);
#endif
	check(p, "growing partials (words[10:30], x5)", set);
}

/* Finals in 5-word chunks: 10 cumulative finals a round. */
static void test_final_chunks(void **state)
{
	struct perf *p = *state;
	struct ac_assertions *set = targets();
	enum { R = 10 };

	run_rounds(p, R, ref_final_chunks);
	add_targets_of(set, "tracker_update_final");
	add_count(set, "tracker_update_final", 10 * R);
	check(p, "finals in 5-word chunks (x10)", set);
}

/* Backtrack detection: final words[:50], then final words[20:30]. */
static void test_backtrack(void **state)
{
	struct perf *p = *state;
	struct ac_assertions *set = targets();
	enum { R = 50 };

	start(p);
	for (int r = 0; r < R; r++) {
		struct ac_position pos = run_round(p, ref_backtrack);

		/* the reference's check: the backtrack lands in [20, 30] */
		if (pos.speakable_index < 20 || pos.speakable_index > 30 ||
		    !pos.is_jump)
			fail_msg("backtrack landed at %d (jump %d), not in "
				 "[20, 30]", pos.speakable_index, pos.is_jump);
	}
	add_targets_of(set, "tracker_detect_jump");
	/* the reference: < 15 ms a backtracking final */
	add(set, "tracker_update_final:avg<15ms");
	add_count(set, "tracker_update_final", 2 * R);
	add(set, "tracker_detect_jump:count>=%d", R);
	check(p, "backtrack detection (x50)", set);
}

/* Fuzzy matching with errors: words[10:40], every 5th word truncated. */
static void test_fuzzy_errors(void **state)
{
	struct perf *p = *state;
	struct ac_assertions *set = targets();
	enum { R = 50 };

	run_rounds(p, R, ref_fuzzy_errors);
	/* the reference: < 20 ms a final */
	add(set, "tracker_update_final:avg<20ms");
	add(set, "tracker_update_final:p95<50ms");
	add_targets_of(set, "tracker_match_single_word");
	add_count(set, "tracker_update_final", R);
	check(p, "fuzzy matching with errors (x50)", set);
}

/* A realistic session (the reference's examples/profile_tracking.py): 100
 * words in 5-word chunks, partials cumulative from the start of the
 * script, a cumulative final per chunk, then a backtracking final of
 * words[20:30]. Checked against both target files as a whole. */
static void test_realistic_session(void **state)
{
	struct perf *p = *state;
	struct ac_assertions *set = targets();
	char err[256];
	int chunks = (ref_session_words(p->s) + 4) / 5;
	enum { R = 5 };

	run_rounds(p, R, session_then_backtrack);
	if (ac_assertions_load(set, TARGETS_FILE, err, sizeof(err)) ||
	    ac_assertions_load(set, PORT_TARGETS_FILE, err, sizeof(err)))
		fail_msg("%s", err);
	/* the reference: partial < 5 ms, final < 15 ms on average */
	add(set, "tracker_update_final:avg<15ms");
	add_count(set, "tracker_init", R);
	add_count(set, "tracker_update_partial", 5UL * chunks * R);
	add_count(set, "tracker_update_final", (chunks + 1UL) * R);
	add_count(set, "tracker_update", (6UL * chunks + 1) * R);
	add(set, "tracker_detect_jump:count>=%d", R);
	check(p, "realistic session (both target files, x5)", set);
}

/* ---- the suite catches a regression ----------------------------------------- */

#ifndef AUTOCUE_PERF_SLOWED_US
/* The same scenario, built with every partial update slowed (see the top
 * of this file): its run must fail, naming the partial-update targets. */
static void test_catches_regression(void **state)
{
	char out[16384], line[512], cmd[sizeof(slowed_bin) + 32];
	size_t len = 0;
	FILE *f;
	int status;

	(void)state;
	if (access(slowed_bin, X_OK))
		fail_msg("%s missing: build it with make test-perf",
			 slowed_bin);
	snprintf(cmd, sizeof(cmd), "'%s' growing_partials 2>&1", slowed_bin);
	f = popen(cmd, "r");
	assert_non_null(f);
	out[0] = '\0';
	while (fgets(line, sizeof(line), f))
		if (len + strlen(line) < sizeof(out))
			len += (size_t)snprintf(out + len, sizeof(out) - len,
						"%s", line);
	status = pclose(f);
	if (!strstr(out, "delays of")) {
		print_message("%s", out);
		fail_msg("the slowed build did not run its scenario");
	}
	if (strstr(out, ": 0 delays of")) {
		print_message("%s", out);
		fail_msg("no delay was injected: does tracker_update_partial "
			 "still call ac_normalize (tests/perf/perf.mk wraps "
			 "it)?");
	}
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) == 0) {
		print_message("%s", out);
		fail_msg("the slowed build passed its targets: the suite "
			 "does not catch a regression");
	}
	if (!strstr(out, "tracker_update_partial:avg<250us") ||
	    !strstr(out, "tracker_update_partial:p95<1ms")) {
		print_message("%s", out);
		fail_msg("the slowed build failed, but not on the partial "
			 "update targets");
	}
	print_message("the slowed build failed as expected (exit %d):\n",
		      WEXITSTATUS(status));
	for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n"))
		if (strstr(l, "delays of") ||
		    (strstr(l, "tracker_update_partial") &&
		     (strstr(l, "FAIL") || strstr(l, "failed"))))
			print_message("  | %s\n", l);
}
#endif

/* ---- setup ------------------------------------------------------------------- */

static int setup(void **state)
{
	static struct perf p;
	/* the probes the targets name (threaded_* and the parser's stages
	 * stay unattached: each attached probe adds to the detach time) */
	static const struct ac_trace_opts opts = {
		.probes = "tracker_*,script_parse,perf_*",
	};
	int err = ac_trace_open_pid(getpid(), &opts, &p.t);

	if (!err)
		err = ac_trace_attach(p.t);
	if (err) {
		fprintf(stderr, "perf: cannot trace myself: %s\n",
			p.t ? ac_trace_error(p.t) : strerror(-err));
		ac_trace_close(p.t);
		return -1;
	}
	p.s = parse();
	*state = &p;
	return 0;
}

static int teardown(void **state)
{
	struct perf *p = *state;

	ac_script_free(p->s);
	ac_trace_close(p->t);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest all[] = {
		cmocka_unit_test(test_initialisation),
		cmocka_unit_test(test_sequential_words),
		cmocka_unit_test(test_growing_partials),
		cmocka_unit_test(test_final_chunks),
		cmocka_unit_test(test_backtrack),
		cmocka_unit_test(test_fuzzy_errors),
		cmocka_unit_test(test_realistic_session),
#ifndef AUTOCUE_PERF_SLOWED_US
		cmocka_unit_test(test_catches_regression),
#endif
	};
	struct CMUnitTest tests[sizeof(all) / sizeof(all[0])];
	const char *slash = strrchr(argv[0], '/');
	size_t n = 0;

	snprintf(slowed_bin, sizeof(slowed_bin), "%.*stest_perf_slowed",
		 slash ? (int)(slash - argv[0] + 1) : 0, argv[0]);

	if (geteuid() != 0) {
		printf("SKIP tests/perf: needs root (CAP_BPF, CAP_PERFMON) to "
		       "trace itself; CI runs it as root\n");
		return 0;
	}
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (argc < 2 || strstr(all[i].name, argv[1]))
			tests[n++] = all[i];
	if (!n) {
		fprintf(stderr, "perf: no scenario matches '%s'\n", argv[1]);
		return 1;
	}
	return _cmocka_run_group_tests(
#ifdef AUTOCUE_PERF_SLOWED_US
		"perf (slowed build)",
#else
		"perf",
#endif
		tests, n, setup, teardown);
}
