// SPDX-License-Identifier: MIT
/*
 * perf suite, ThreadedTracker (TRACKER-SPEC.md §6): the reference's
 * TestPerformance of tests/tracker/test_threaded_tracker.py - speed claims,
 * so here and not in the unit tests. The program traces itself through the
 * C API (ac_trace_open_pid(getpid())) and asserts on the kernel's histogram
 * of the threaded_submit probe (user/assertions.h):
 *
 *   submit latency  100 finals, 1 ms apart:  avg < 1 ms, p95 < 2 ms
 *   throughput      100 finals back to back: > 1000 submissions/s
 *
 * Call counts are asserted exactly. Throughput is the probe's count over
 * the loop's wall time, measured here. Needs root; skips otherwise.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "assertions.h"
#include "perf_assert.h"
#include "perf_priority.h"
#include "autocue_trace.h"
#include "script.h"
#include "threaded.h"

enum { N = 100 };

struct perf {
	struct ac_trace *t;
	struct ac_script *s;
	char *script;
};

/* the reference's longer script: three pangrams, ten times */
static char *ref_script(void)
{
	static const char *const lines[] = {
		"The quick brown fox jumps over the lazy dog",
		"Pack my box with five dozen liquor jugs",
		"How vexingly quick daft zebras jump",
	};
	size_t cap = 4096, len = 0;
	char *out = malloc(cap);

	assert_non_null(out);
	for (int r = 0; r < 10; r++)
		for (int i = 0; i < 3; i++)
			len += (size_t)snprintf(out + len, cap - len, "%s%s",
						len ? " " : "", lines[i]);
	assert_true(len < cap);
	return out;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* the reference's setUp: throttle 50 ms, queue of 10 */
static struct ac_threaded *threaded(struct perf *p)
{
	struct ac_threaded_opts o = AC_THREADED_OPTS_DEFAULT;
	struct ac_threaded *tt;

	o.partial_throttle_ms = 50;
	o.max_queue_size = 10;
	tt = ac_threaded_new(p->s, &o);
	assert_non_null(tt);
	return tt;
}

/* 100 finals, 1 ms apart: each submit < 1 ms on average, p95 < 2 ms. */
static void test_submit_latency(void **state)
{
	struct perf *p = *state;
	struct ac_threaded *tt = threaded(p);
	struct ac_assertions *set = ac_assertions_new();
	struct ac_snapshot *snap;
	int accepted = 0;

	assert_non_null(set);
	assert_int_equal(ac_trace_reset(p->t), 0);
	for (int i = 0; i < N; i++) {
		accepted += ac_threaded_submit(tt, "The quick brown fox", false);
		nanosleep(&(struct timespec){ 0, 1000000L }, NULL);
	}
	snap = ac_trace_snapshot(p->t);
	assert_non_null(snap);
	ac_threaded_free(tt);
	print_message("%d of %d submissions accepted\n", accepted, N);
	/* finals are never throttled, and 1 ms apart the worker keeps the
	 * queue of 10 from filling: every one is taken */
	assert_int_equal(accepted, N);
	add(set, "threaded_submit:avg<1ms");
	add(set, "threaded_submit:p95<2ms");
	add_count(set, "threaded_submit", N);
	check_snapshot(snap, "submit latency (100 finals, 1 ms apart)", set);
	ac_snapshot_free(snap);
}

/* 100 finals back to back: more than 1000 submissions a second. */
static void test_throughput(void **state)
{
	struct perf *p = *state;
	struct ac_threaded *tt = threaded(p);
	struct ac_assertions *set = ac_assertions_new();
	const struct ac_probe_stats *ps;
	struct ac_snapshot *snap;
	double t0, elapsed, rate;
	int accepted = 0;

	assert_non_null(set);
	assert_int_equal(ac_trace_reset(p->t), 0);
	t0 = now_s();
	for (int i = 0; i < N; i++) {
		char text[48];

		snprintf(text, sizeof(text), "The quick brown %d", i);
		accepted += ac_threaded_submit(tt, text, false);
	}
	elapsed = now_s() - t0;
	snap = ac_trace_snapshot(p->t);
	assert_non_null(snap);
	ac_threaded_free(tt);
	add_count(set, "threaded_submit", N);
	check_snapshot(snap, "throughput (100 finals, back to back)", set);
	ps = ac_snapshot_find(snap, "threaded_submit");
	assert_non_null(ps);
	rate = (double)ps->count / elapsed;
	print_message("%llu submissions (%d accepted) in %.3f ms: %.0f/s "
		      "(p95 %.1f us)\n", (unsigned long long)ps->count,
		      accepted, elapsed * 1e3, rate,
		      (double)ac_probe_percentile(ps, 0.95) / 1e3);
	ac_snapshot_free(snap);
	if (!(rate > 1000))
		fail_msg("throughput %.0f/s should be > 1000/s", rate);
	/* back to back, the queue (10) fills and the rest are refused, as in
	 * the reference; a submit that refused everything would be fast too */
	if (accepted < 10 || accepted > N)
		fail_msg("%d of %d submissions accepted: at least the queue's 10",
			 accepted, N);
}

static int setup(void **state)
{
	static struct perf p;
	/* only the probe asserted on: each attached probe adds to the
	 * detach time */
	static const struct ac_trace_opts opts = {
		.probes = "threaded_submit",
	};
	char err[256] = "";
	int rc = ac_trace_open_pid(getpid(), &opts, &p.t);

	if (!rc)
		rc = ac_trace_attach(p.t);
	if (rc) {
		fprintf(stderr, "perf: cannot trace myself: %s\n",
			p.t ? ac_trace_error(p.t) : strerror(-rc));
		ac_trace_close(p.t);
		return -1;
	}
	p.script = ref_script();
	p.s = ac_script_parse(p.script, strlen(p.script), err, sizeof(err));
	if (!p.s) {
		fprintf(stderr, "perf: parse: %s\n", err);
		return -1;
	}
	*state = &p;
	return 0;
}

static int teardown(void **state)
{
	struct perf *p = *state;

	ac_script_free(p->s);
	free(p->script);
	ac_trace_close(p->t);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_submit_latency),
		cmocka_unit_test(test_throughput),
	};

	if (geteuid() != 0) {
		printf("SKIP tests/perf/test_perf_threaded: needs root "
		       "(CAP_BPF, CAP_PERFMON) to trace itself; CI runs it as "
		       "root\n");
		return 0;
	}
	perf_realtime();
	return cmocka_run_group_tests_name("perf (ThreadedTracker)", tests,
					   setup, teardown);
}
