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
 * Each measurement traces only the probes it asserts on, and never one
 * inside a function whose latency it asserts: an attached pair costs
 * 0.4 us on some hosts, 3-4 us on others, ~10 us before kernel 6.18, and
 * compensation removes most of one pair, not thousands of nested ones
 * (tracker_match_single_word runs hundreds of times inside one partial
 * update: traced with it, a 50 us update read 1.3 ms on a slow host). So
 * a scenario asserting on an update and on the word matching inside it
 * runs its workload twice, once per probe set, each with its own attach.
 * Before the histograms are reset, one untimed round makes every site hot
 * (the first hit through a site reads 70-400 us long on some hosts).
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
#include "perf_priority.h"
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
/* the tracker's private loader of an update's words (tracker_int.h) */
struct utterance;
int __real_ac_tk_load_words(struct utterance *u, const char *text, size_t len);
struct ac_position __wrap_ac_tracker_update(struct ac_tracker *t,
					    const char *text, bool is_partial);
int __wrap_ac_tk_load_words(struct utterance *u, const char *text, size_t len);

struct ac_position __wrap_ac_tracker_update(struct ac_tracker *t,
					    const char *text, bool is_partial)
{
	struct ac_position p;

	slow_pending = is_partial;
	p = __real_ac_tracker_update(t, text, is_partial);
	slow_pending = false;
	return p;
}

/* Loading a partial update's words (inside tracker_update_partial, called
 * from tracker.c, so --wrap reaches it) costs AUTOCUE_PERF_SLOWED_US more:
 * every partial that is not the last one again loads its words, where it
 * need not normalize any (ASCII words are normalized inline). */
int __wrap_ac_tk_load_words(struct utterance *u, const char *text, size_t len)
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
	return __real_ac_tk_load_words(u, text, len);
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

/* Every target of both files. */
static struct ac_assertions *all_targets(void)
{
	struct ac_assertions *all = targets();
	char err[256];

	if (ac_assertions_load(all, TARGETS_FILE, err, sizeof(err)) ||
	    ac_assertions_load(all, PORT_TARGETS_FILE, err, sizeof(err)))
		fail_msg("%s", err);
	return all;
}

static int count_targets(void)
{
	struct ac_assertions *all = all_targets();
	int n = all->n;

	ac_assertions_free(all);
	return n;
}

/* Is name one of the comma-separated names in list? */
static bool in_list(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
		if (strcspn(p, ",") == len && !strncmp(p, name, len))
			return true;
	}
	return false;
}

/* Adds the targets of both files whose probe is in names (a comma-separated
 * list); returns how many. */
static int add_targets_matching(struct ac_assertions *set, const char *names)
{
	struct ac_assertions *all = all_targets();
	int n = 0;

	for (int i = 0; i < all->n; i++) {
		const struct ac_assertion *a = &all->v[i];

		if (!in_list(names, a->name))
			continue;
		add(set, "%s:%s%s%s", a->name, ac_stat_name(a->stat),
		    ac_cmp_name(a->op), a->limit_text);
		n++;
	}
	ac_assertions_free(all);
	return n;
}

/* The targets of both files whose probe is NAME. */
static void add_targets_of(struct ac_assertions *set, const char *name)
{
	add_targets_matching(set, name);
}

/* From here on, only the probes matching these comma-separated globs are
 * attached (the previous session is closed: its probes cost nothing more). */
static void trace_only(struct perf *p, const char *probes)
{
	const struct ac_trace_opts opts = { .probes = probes };
	int err;

	ac_trace_close(p->t);
	p->t = NULL;
	err = ac_trace_open_pid(getpid(), &opts, &p->t);
	if (!err)
		err = ac_trace_attach(p->t);
	if (err)
		fail_msg("cannot trace myself (%s): %s", probes,
			 p->t ? ac_trace_error(p->t) : strerror(-err));
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
#ifdef AUTOCUE_PERF_SLOWED_US
	slow_injected = 0;	/* the delays of the measured calls only */
#endif
}

/* One round of a workload on a new tracker; the position after it. */
static struct ac_position run_round(struct perf *p, ref_workload w)
{
	struct ac_tracker *t = tracker(p->s);
	struct ac_position pos = w(p->s, run_update, t);

	ac_tracker_free(t);
	return pos;
}

/* One untimed round with the probes attached (hot sites), then the
 * histograms reset, then rounds of the workload. */
static void run_rounds(struct perf *p, int rounds, ref_workload w)
{
	run_round(p, w);
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

	/* script_parse and tracker_init run inside perf_init, once each:
	 * two nested pairs, microseconds against limits in milliseconds */
	trace_only(p, "perf_init,tracker_init,script_parse");
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

	/* the updates, without the word matching inside them */
	trace_only(p, "tracker_init,tracker_update,tracker_update_final,"
		      "tracker_update_partial");
	run_rounds(p, R, ref_single_words);
	/* the reference: < 2 ms a word */
	add(set, "tracker_update_final:avg<2ms");
	add_targets_of(set, "tracker_update_final");
	add_count(set, "tracker_update", (unsigned long)n * R);
	add_count(set, "tracker_update_final", (unsigned long)n * R);
	add_count(set, "tracker_update_partial", 0);
	add_count(set, "tracker_init", R);
	check(p, "sequential word matching (100 finals x10)", set);
	/* the word matching alone (a leaf) */
	set = targets();
	trace_only(p, "tracker_match_single_word");
	run_rounds(p, R, ref_single_words);
	add_targets_of(set, "tracker_match_single_word");
	check(p, "sequential word matching: single words", set);
}

/* Growing partials of words[10:30]: 20 partials a round. */
static void test_growing_partials(void **state)
{
	struct perf *p = *state;
	struct ac_assertions *set = targets();
	enum { R = 5 };

	/* nothing traced inside the partial update; the regression check
	 * (test_catches_regression) runs this scenario of the slowed build */
	trace_only(p, "tracker_update_partial,tracker_update_final");
	run_rounds(p, R, ref_growing_partials);
	add_targets_of(set, "tracker_update_partial");
	add_count(set, "tracker_update_partial", 20 * R);
	add_count(set, "tracker_update_final", 0);
#ifdef AUTOCUE_PERF_SLOWED_US
	print_message("slowed build: %lu delays of %d us injected\n",
		      slow_injected, AUTOCUE_PERF_SLOWED_US);
	/* test_catches_regression's margins count on every partial */
	assert_int_equal(slow_injected, 20 * R);
#endif
	check(p, "growing partials (words[10:30], x5)", set);
}

/* Finals in 5-word chunks: 10 cumulative finals a round. */
static void test_final_chunks(void **state)
{
	struct perf *p = *state;
	struct ac_assertions *set = targets();
	enum { R = 10 };

	trace_only(p, "tracker_update_final");
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

	/* jump detection runs inside the final (at most once), and its
	 * own matching (tracker_find_best_match) stays untraced */
	trace_only(p, "tracker_update_final,tracker_detect_jump");
	run_round(p, ref_backtrack);
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

	trace_only(p, "tracker_update_final");
	run_rounds(p, R, ref_fuzzy_errors);
	/* the reference: < 20 ms a final */
	add(set, "tracker_update_final:avg<20ms");
	add(set, "tracker_update_final:p95<50ms");
	add_count(set, "tracker_update_final", R);
	check(p, "fuzzy matching with errors (x50)", set);
	set = targets();
	trace_only(p, "tracker_match_single_word");
	run_rounds(p, R, ref_fuzzy_errors);
	add_targets_of(set, "tracker_match_single_word");
	check(p, "fuzzy matching with errors: single words", set);
}

/* A realistic session (the reference's examples/profile_tracking.py): 100
 * words in 5-word chunks, partials cumulative from the start of the
 * script, a cumulative final per chunk, then a backtracking final of
 * words[20:30]. Checked against both target files as a whole. */
static void test_realistic_session(void **state)
{
	struct perf *p = *state;
	struct ac_assertions *set = targets();
	int chunks = (ref_session_words(p->s) + 4) / 5;
	enum { R = 5 };
	/* every probe the two files name, in one of two runs: the updates
	 * (jump detection at most once inside one), then the leaf */
	static const char *const runs[] = {
		"tracker_init,tracker_update,tracker_update_partial,"
		"tracker_update_final,tracker_detect_jump",
		"tracker_match_single_word",
	};
	int covered = 0;

	trace_only(p, runs[0]);
	run_rounds(p, R, session_then_backtrack);
	covered += add_targets_matching(set, runs[0]);
	/* the reference: partial < 5 ms, final < 15 ms on average */
	add(set, "tracker_update_final:avg<15ms");
	add_count(set, "tracker_init", R);
	add_count(set, "tracker_update_partial", 5UL * chunks * R);
	add_count(set, "tracker_update_final", (chunks + 1UL) * R);
	add_count(set, "tracker_update", (6UL * chunks + 1) * R);
	add(set, "tracker_detect_jump:count>=%d", R);
	check(p, "realistic session (both target files, x5)", set);
	set = targets();
	trace_only(p, runs[1]);
	run_rounds(p, R, session_then_backtrack);
	covered += add_targets_matching(set, runs[1]);
	check(p, "realistic session: single words (both target files, x5)",
	      set);
	/* a target added to a file must not go unchecked */
	if (covered != count_targets())
		fail_msg("%d of the %d targets in %s and %s checked: trace "
			 "the probes of the others in one of the runs",
			 covered, count_targets(), TARGETS_FILE,
			 PORT_TARGETS_FILE);
}

/* ---- the suite catches a regression ----------------------------------------- */

#ifndef AUTOCUE_PERF_SLOWED_US
/* The same scenario, built with every partial update slowed (see the top
 * of this file): its run must fail, naming the partial-update targets.
 *
 * The margins, on any host (probe pair 0.4, 3.5 or 10 us): the limits are
 * avg < 250 us and p95 < 1 ms (examples/targets-c.conf). Unslowed, only
 * tracker_update_partial is traced, so each update carries one pair, and
 * compensation takes off most of it: measured here (3.5 us a pair) avg
 * 3.4-7 us, p95 6-11 us; a 10 us host leaves at most a pair, ~10 us more;
 * both far under. Slowed, all 100 partials spin >= 1000 us inside the
 * pair: avg >= 1000 us, 4x its limit; p95 >= 1000 us plus the update's own
 * cost (a few us) minus any excess compensation (under a us: it subtracts
 * the calibrated part of the probe's own cost, which the update also
 * paid), so at least 999.4 us, the bottom of the histogram bucket that
 * holds 1 ms at the default 6 bits ([999.4, 1007.6) us, read as its
 * midpoint 1003.5 us): it fails too. Measured here: avg 1031 us, p95
 * 1.044 ms. (Before, with every tracker probe attached, the unslowed
 * build itself read avg 314 us, p95 4.1 ms here: the hundreds of nested
 * word-matching pairs in each update, which compensation does not fully
 * remove.) */
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
			 "still call ac_tk_load_words (tests/perf/perf.mk "
			 "wraps it)?");
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

	/* each scenario attaches the probes it asserts on (trace_only) */
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
	perf_realtime();
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
