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

/* The reference's inline fallback script (its gettysburg.md is absent). */
static const char inline_script[] =
	"\n# Sample Script\n\n"
	"This is a sample script for performance testing.\n"
	"We need enough text to make the tracking realistic.\n\n"
	"The quick brown fox jumps over the lazy dog.\n"
	"She sells sea shells by the sea shore.\n"
	"Peter Piper picked a peck of pickled peppers.\n\n"
	"## More Content\n\n"
	"Numbers like 123 and 456 should be expanded properly.\n"
	"Punctuation like & and / should work correctly too.\n\n"
	"The tracking algorithm needs to handle:\n"
	"- Fuzzy matching for speech recognition errors\n"
	"- Backtracking when the speaker restarts\n"
	"- Forward jumps when skipping ahead\n"
	"- Partial transcripts that update in real-time\n\n"
	"## Final Section\n\n"
	"This section ensures we have enough content to test\n"
	"the window-based matching and jump detection algorithms.\n";

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

/* words[a..b) of the tracker's word list joined (placeholders included,
 * as the reference's tests feed tracker.words) */
static char *join(const struct ac_script *s, int a, int b, int truncate_every)
{
	size_t len = 1;
	char *out, *p;

	if (b > s->n)
		b = s->n;
	for (int i = a; i < b; i++)
		len += strlen(s->words[i].text) + 1;
	out = malloc(len);
	if (!out)
		exit(1);
	p = out;
	*p = '\0';
	for (int i = a; i < b; i++) {
		size_t l = strlen(s->words[i].text);

		if (truncate_every && (i - a) % truncate_every == 0 && l > 2)
			l -= 2;
		if (p != out)
			*p++ = ' ';
		memcpy(p, s->words[i].text, l);
		p += l;
		*p = '\0';
	}
	return out;
}

static double timed_update(struct ac_tracker *t, const char *text,
			   bool partial)
{
	double t0 = now_ms();

	ac_tracker_update(t, text, partial);
	return now_ms() - t0;
}

static void bench_inline(void)
{
	struct samples s = { 0 }, s2 = { 0 };
	struct ac_script *sc = parse(inline_script, strlen(inline_script));
	struct ac_tracker *t;

	printf("\n-- reference workloads (inline %d-word script) --\n",
	       sc->n);
	printf("%-34s %7s  %9s  %9s  %9s   targets (mean / p95)\n",
	       "operation", "calls", "mean(ms)", "p95(ms)", "max(ms)");

	for (int i = 0; i < 100; i++) {
		double t0 = now_ms();
		struct ac_script *x = parse(inline_script,
					    strlen(inline_script));
		struct ac_tracker *y = tracker(x);

		add(&s, now_ms() - t0);
		ac_tracker_free(y);
		ac_script_free(x);
	}
	report("init (parse + tracker)", &s, 50, 100);

	/* 100 words, one final each, x10 */
	for (int r = 0; r < 10; r++) {
		t = tracker(sc);
		for (int i = 0; i < 100 && i < sc->n; i++)
			add(&s, timed_update(t, sc->words[i].text, false));
		ac_tracker_free(t);
	}
	report("single word (final per word)", &s, 2, 5);

	/* growing partials of words[10:30] */
	for (int r = 0; r < 50; r++) {
		t = tracker(sc);
		for (int i = 11; i <= 30; i++) {
			char *x = join(sc, 10, i, 0);

			add(&s, timed_update(t, x, true));
			free(x);
		}
		ac_tracker_free(t);
	}
	report("partial (growing words[10:30])", &s, 5, 20);

	/* 10 cumulative 5-word finals */
	for (int r = 0; r < 50; r++) {
		t = tracker(sc);
		for (int i = 1; i <= 10; i++) {
			char *x = join(sc, 0, 5 * i, 0);

			add(&s, timed_update(t, x, false));
			free(x);
		}
		ac_tracker_free(t);
	}
	report("final (cumulative 5-word chunks)", &s, 10, 30);

	/* backtrack: words[:50] then words[20:30] */
	for (int r = 0; r < 50; r++) {
		char *a = join(sc, 0, 50, 0), *b = join(sc, 20, 30, 0);

		t = tracker(sc);
		ac_tracker_update(t, a, false);
		add(&s, timed_update(t, b, false));
		ac_tracker_free(t);
		free(a);
		free(b);
	}
	report("backtrack (final words[20:30])", &s, 15, 50);

	/* fuzzy: words[10:40], every 5th word truncated */
	for (int r = 0; r < 50; r++) {
		char *a = join(sc, 10, 40, 5);

		t = tracker(sc);
		add(&s, timed_update(t, a, false));
		ac_tracker_free(t);
		free(a);
	}
	report("fuzzy final (every 5th truncated)", &s, 20, 50);

	/* realistic: 100 words in 5-word chunks, cumulative partials then a
	 * cumulative final per chunk */
	for (int r = 0; r < 20; r++) {
		t = tracker(sc);
		for (int pos = 0; pos < 100 && pos < sc->n; pos += 5) {
			for (int i = 1; i <= 5; i++) {
				char *x = join(sc, 0, pos + i, 0);

				add(&s, timed_update(t, x, true));
				free(x);
			}
			{
				char *x = join(sc, 0, pos + 5, 0);

				add(&s2, timed_update(t, x, false));
				free(x);
			}
		}
		ac_tracker_free(t);
	}
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

static void bench_long(const char *script_path, const char *events_path)
{
	struct samples init = { 0 }, tinit = { 0 }, part = { 0 }, fin = { 0 };
	struct samples ctl = { 0 };
	size_t len;
	char *md = slurp(script_path, &len);
	struct ac_script *sc;
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	int rounds = 5;

	if (!md) {
		fprintf(stderr, "bench_tracker: cannot read %s (skipped)\n",
			script_path);
		return;
	}
	for (int i = 0; i < 10; i++) {
		double t0 = now_ms();
		struct ac_script *x = parse(md, len);
		double t1 = now_ms();
		struct ac_tracker *y = tracker(x);

		add(&init, now_ms() - t0);
		add(&tinit, now_ms() - t1);
		ac_tracker_free(y);
		ac_script_free(x);
	}
	sc = parse(md, len);
	printf("\n-- long script (%d speakable words): %s --\n", sc->n,
	       script_path);
	printf("%-34s %7s  %9s  %9s  %9s   targets (mean / p95)\n",
	       "operation", "calls", "mean(ms)", "p95(ms)", "max(ms)");
	report("init (parse + tracker)", &init, 50, 100);
	report("init (tracker only)", &tinit, 50, 100);

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
			if (json_object_object_get_ex(o, "partial", &v)) {
				add(&part, timed_update(t,
					json_object_get_string(v), true));
			} else if (json_object_object_get_ex(o, "text", &v)) {
				add(&fin, timed_update(t,
					json_object_get_string(v), false));
			} else {
				double t0 = now_ms();

				ac_tracker_reset(t);
				add(&ctl, now_ms() - t0);
			}
			json_object_put(o);
		}
		ac_tracker_free(t);
	}
	fclose(f);
	printf("(clean session replayed %d times; reference Python on this "
	       "script: init ~213 ms, partial 0.17 / 0.51 ms, final 1.54 / "
	       "3.31 ms)\n", rounds);
	report("session partial", &part, 5, 20);
	report("session final", &fin, 10, 30);
cleanup:
	free(line);
	free(init.v);
	free(tinit.v);
	free(part.v);
	free(fin.v);
	free(ctl.v);
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
