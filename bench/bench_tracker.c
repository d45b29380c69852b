// SPDX-License-Identifier: MIT
/*
 * bench_tracker.c - the reference's performance workloads (TRACKER-SPEC.md
 * §8) plus a replay of the ~10,000-word conformance session, with the
 * reference's targets alongside. Built with probes compiled in, so the
 * figures include their (unattached) cost.
 *
 *   bench_tracker [LONG_SCRIPT.md [LONG_SESSION.events.jsonl]]
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "script.h"
#include "tracker.h"

#define REF_OUT_OF_MEMORY() exit(1)
#include "../tests/common/reference_workloads.h"

struct samples {
	double *v;
	size_t n, cap;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void add(struct samples *s, double v)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v) {
			fprintf(stderr, "bench_tracker: out of memory\n");
			exit(1);
		}
	}
	s->v[s->n++] = v;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* mean / p95 (the reference's index int(n * 0.95)) / max, in ms */
static void report(const char *name, struct samples *s, double tmean,
		   double tp95)
{
	double sum = 0, mean, p95, max;
	size_t i95;

	if (!s->n) {
		printf("%-34s  (no samples)\n", name);
		return;
	}
	qsort(s->v, s->n, sizeof(*s->v), cmp_d);
	for (size_t i = 0; i < s->n; i++)
		sum += s->v[i];
	mean = sum / (double)s->n;
	i95 = (size_t)((double)s->n * 0.95);
	if (i95 >= s->n)
		i95 = s->n - 1;
	p95 = s->v[i95];
	max = s->v[s->n - 1];
	printf("%-34s %7zu  %9.4f  %9.4f  %9.4f   < %g / %g ms  %s\n", name,
	       s->n, mean, p95, max, tmean, tp95,
	       mean < tmean && p95 < tp95 ? "ok" : "MISSED");
	s->n = 0;
}

static struct ac_script *parse(const char *md, size_t len)
{
	char err[256];
	struct ac_script *s = ac_script_parse(md, len, err, sizeof(err));

	if (!s) {
		fprintf(stderr, "bench_tracker: parse failed: %s\n", err);
		exit(1);
	}
	return s;
}

static struct ac_tracker *tracker(const struct ac_script *s)
{
	struct ac_tracker *t = ac_tracker_new(s, NULL);

	if (!t) {
		fprintf(stderr, "bench_tracker: cannot create tracker\n");
		exit(1);
	}
	return t;
}

static double timed_update(struct ac_tracker *t, const char *text,
			   bool partial)
{
	double t0 = now_ms();

	ac_tracker_update(t, text, partial);
	return now_ms() - t0;
}

/* A reference workload's tracker and where its updates' times go (setup
 * updates are not timed). */
struct timed {
	struct ac_tracker *t;
	struct samples *partial, *final;
};

static struct ac_position timed_ref_update(void *ctx, const char *text,
					   bool partial, bool setup)
{
	struct timed *w = ctx;

	if (setup)
		return ac_tracker_update(w->t, text, partial);
	add(partial ? w->partial : w->final, timed_update(w->t, text, partial));
	return ac_tracker_position(w->t);
}

/* rounds of a workload, each on a new tracker */
static void timed_rounds(const struct ac_script *sc, int rounds,
			 ref_workload work, struct samples *partial,
			 struct samples *final)
{
	for (int r = 0; r < rounds; r++) {
		struct timed w = { tracker(sc), partial, final };

		work(sc, timed_ref_update, &w);
		ac_tracker_free(w.t);
	}
}

/* The reference's workloads, their rounds and targets (mean / p95, ms). */
static const struct workload {
	const char *name;
	ref_workload work;
	int rounds;
	double tmean, tp95;
} workloads[] = {
	{ "single word (final per word)", ref_single_words, 10, 2, 5 },
	{ "partial (growing words[10:30])", ref_growing_partials, 50, 5, 20 },
	{ "final (cumulative 5-word chunks)", ref_final_chunks, 50, 10, 30 },
	/* only the backtracking final words[20:30] is timed */
	{ "backtrack (final words[20:30])", ref_backtrack, 50, 15, 50 },
	{ "fuzzy final (every 5th truncated)", ref_fuzzy_errors, 50, 20, 50 },
};

static void bench_inline(void)
{
	struct samples s = { 0 }, s2 = { 0 };
	struct ac_script *sc = parse(ref_inline_script,
				     strlen(ref_inline_script));

	printf("\n-- reference workloads (inline %d-word script) --\n",
	       sc->n);
	printf("%-34s %7s  %9s  %9s  %9s   targets (mean / p95)\n",
	       "operation", "calls", "mean(ms)", "p95(ms)", "max(ms)");

	for (int i = 0; i < 100; i++) {
		double t0 = now_ms();
		struct ac_script *x = parse(ref_inline_script,
					    strlen(ref_inline_script));
		struct ac_tracker *y = tracker(x);

		add(&s, now_ms() - t0);
		ac_tracker_free(y);
		ac_script_free(x);
	}
	report("init (parse + tracker)", &s, 50, 100);

	for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
		const struct workload *w = &workloads[i];

		timed_rounds(sc, w->rounds, w->work, &s, &s);
		report(w->name, &s, w->tmean, w->tp95);
	}
	/* partials and finals reported apart */
	timed_rounds(sc, 20, ref_session, &s, &s2);
	report("session partial", &s, 5, 20);
	report("session final", &s2, 15, 30);
	ac_script_free(sc);
	free(s.v);
	free(s2.v);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = (size_t)n;
	fclose(f);
	return buf;
}

/* The reference (Python) on the long script, measured with its own
 * profiler: initialisation (parse + construction) and the clean session. */
#define REF_INIT_MS 213.0
#define REF_PARTIAL_MEAN_MS 0.17
#define REF_PARTIAL_P95_MS 0.51
#define REF_FINAL_MEAN_MS 1.54
#define REF_FINAL_P95_MS 3.31
/* issue #3: at least this much faster than the reference everywhere */
#define GOAL_SPEEDUP 100.0

struct stats {
	size_t n;
	double median, mean, p95, max;
};

static struct stats stats_of(struct samples *s)
{
	struct stats r = { .n = s->n };
	double sum = 0;
	size_t i95;

	if (!s->n)
		return r;
	qsort(s->v, s->n, sizeof(*s->v), cmp_d);
	for (size_t i = 0; i < s->n; i++)
		sum += s->v[i];
	r.mean = sum / (double)s->n;
	r.median = s->v[s->n / 2];
	i95 = (size_t)((double)s->n * 0.95);
	r.p95 = s->v[i95 < s->n ? i95 : s->n - 1];
	r.max = s->v[s->n - 1];
	return r;
}

/* One row of the long-script table. ref_* are the reference's figures for
 * the same operation (0: none); the speed-up compares like with like:
 * median with the reference's single init figure, mean with mean, p95
 * with p95. */
static bool row(const char *name, struct samples *s, const char *stat1,
		double ref1, const char *stat2, double ref2)
{
	struct stats st = stats_of(s);
	double m1 = !strcmp(stat1, "median") ? st.median : st.mean;
	char ref[48] = "", up[48] = "";
	bool ok = true;

	if (ref1 > 0) {
		snprintf(ref, sizeof(ref), "%g", ref1);
		snprintf(up, sizeof(up), "%.0fx %s", ref1 / m1, stat1);
		ok = ref1 / m1 >= GOAL_SPEEDUP;
	}
	if (ref2 > 0) {
		snprintf(ref + strlen(ref), sizeof(ref) - strlen(ref), " / %g",
			 ref2);
		snprintf(up + strlen(up), sizeof(up) - strlen(up),
			 ", %.0fx %s", ref2 / st.p95, stat2);
		ok = ok && ref2 / st.p95 >= GOAL_SPEEDUP;
	}
	printf("%-30s %6zu %9.4f %9.4f %9.4f %9.4f  %-12s %s%s\n", name, st.n,
	       st.median, st.mean, st.p95, st.max, ref, up,
	       ref1 > 0 ? (ok ? "  ok" : "  BELOW 100x") : "");
	s->n = 0;
	return ok;
}

static void bench_long(const char *script_path, const char *events_path)
{
	struct samples parse_s = { 0 }, tinit = { 0 }, init = { 0 };
	struct samples part = { 0 }, fin = { 0 };
	size_t len;
	char *md = slurp(script_path, &len);
	struct ac_script *sc;
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	int rounds = 5, reps = 100;
	bool ok = true;

	if (!md) {
		fprintf(stderr, "bench_tracker: cannot read %s (skipped)\n",
			script_path);
		return;
	}
	/* one warm-up, so that every measured run finds the allocator warm
	 * as a long-lived process would */
	ac_script_free(parse(md, len));
	for (int i = 0; i < reps; i++) {
		double t0 = now_ms();
		struct ac_script *x = parse(md, len);
		double t1 = now_ms();
		struct ac_tracker *y = tracker(x);
		double t2 = now_ms();

		add(&parse_s, t1 - t0);
		add(&tinit, t2 - t1);
		add(&init, t2 - t0);
		ac_tracker_free(y);
		ac_script_free(x);
	}
	sc = parse(md, len);
	printf("\n-- long script (%d speakable words): %s --\n", sc->n,
	       script_path);
	printf("%-30s %6s %9s %9s %9s %9s  %-12s %s\n", "operation", "calls",
	       "median", "mean", "p95", "max", "reference",
	       "speed-up vs reference");
	row("parse (Markdown -> words)", &parse_s, "median", 0, NULL, 0);
	row("tracker construction", &tinit, "median", 0, NULL, 0);
	ok &= row("init (parse + construction)", &init, "median",
		  REF_INIT_MS, NULL, 0);

	f = events_path ? fopen(events_path, "r") : NULL;
	if (!f) {
		fprintf(stderr, "bench_tracker: no session %s (skipped)\n",
			events_path ? events_path : "");
		goto cleanup;
	}
	for (int r = 0; r < rounds; r++) {
		struct ac_tracker *t = tracker(sc);

		rewind(f);
		while (getline(&line, &cap, f) > 0) {
			json_object *o = json_tokener_parse(line), *v;

			if (!o)
				continue;
			if (json_object_object_get_ex(o, "partial", &v))
				add(&part, timed_update(t,
					json_object_get_string(v), true));
			else if (json_object_object_get_ex(o, "text", &v))
				add(&fin, timed_update(t,
					json_object_get_string(v), false));
			else
				ac_tracker_reset(t);
			json_object_put(o);
		}
		ac_tracker_free(t);
	}
	fclose(f);
	ok &= row("session partial", &part, "mean", REF_PARTIAL_MEAN_MS, "p95",
		  REF_PARTIAL_P95_MS);
	ok &= row("session final", &fin, "mean", REF_FINAL_MEAN_MS, "p95",
		  REF_FINAL_P95_MS);
	printf("(times in ms; init: %d runs after a warm-up; clean session "
	       "replayed %d times; reference: Python on the same script with a "
	       "mildly noisy session, as measured for issue #3)\n%s\n", reps, rounds,
	       ok ? "every operation at least 100x faster than the reference" :
		    "SOME OPERATION IS BELOW 100x THE REFERENCE");
cleanup:
	free(line);
	free(parse_s.v);
	free(tinit.v);
	free(init.v);
	free(part.v);
	free(fin.v);
	ac_script_free(sc);
	free(md);
}

int main(int argc, char **argv)
{
	bench_inline();
	if (argc > 1)
		bench_long(argv[1], argc > 2 ? argv[2] : NULL);
	return 0;
}
