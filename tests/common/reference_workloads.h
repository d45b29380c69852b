// SPDX-License-Identifier: MIT
/*
 * reference_workloads.h - the reference's performance workloads
 * (TRACKER-SPEC.md §8), shared by tests/bench/bench_tracker.c and
 * tests/perf/test_perf.c: its inline script and the updates each workload
 * feeds a tracker. The workloads feed the script's word list, placeholders
 * included, as the reference's tests feed tracker.words.
 *
 * A workload does not call the tracker itself: it hands each update's text
 * to a callback, which times it (the benchmark) or just runs it (the perf
 * suite, which measures through the probes).
 */
#ifndef AUTOCUE_TESTS_REFERENCE_WORKLOADS_H
#define AUTOCUE_TESTS_REFERENCE_WORKLOADS_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "script.h"
#include "tracker.h"

/* The reference's inline fallback script (its gettysburg.md is absent). */
static const char ref_inline_script[] =
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

/* words[a..b) of the word list joined by spaces (b clamped to the list);
 * every truncate_every-th word (counting from a) loses its last two
 * letters, as the reference's fuzzy test does. Malloc'd; NULL when out of
 * memory. */
static inline char *ref_join(const struct ac_script *s, int a, int b,
			     int truncate_every)
{
	size_t len = 1;
	char *out, *p;

	if (b > s->n)
		b = s->n;
	for (int i = a; i < b; i++)
		len += strlen(s->words[i].text) + 1;
	out = p = malloc(len);
	if (!out)
		return NULL;
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

/* What a workload does when ref_join() runs out of memory; an includer
 * may define its own before including this header. */
#ifndef REF_OUT_OF_MEMORY
#define REF_OUT_OF_MEMORY() abort()
#endif

/* Runs one update of a workload (the callback's ctx is the workload's):
 * text as a partial or a final; a setup update only brings the tracker to
 * where the measured ones start from. Returns the tracker's position after
 * it. */
typedef struct ac_position (*ref_update_fn)(void *ctx, const char *text,
					    bool partial, bool setup);

/* A workload: its updates, in order, on one tracker; returns the position
 * after the last. */
typedef struct ac_position (*ref_workload)(const struct ac_script *s,
					   ref_update_fn fn, void *ctx);

/* One update of words[a..b) joined (ref_join). */
static inline struct ac_position ref_feed(const struct ac_script *s, int a,
					  int b, int truncate_every,
					  bool partial, bool setup,
					  ref_update_fn fn, void *ctx)
{
	char *x = ref_join(s, a, b, truncate_every);
	struct ac_position p;

	if (!x)
		REF_OUT_OF_MEMORY();
	p = fn(ctx, x, partial, setup);
	free(x);
	return p;
}

/* The reference's session length: its first 100 words. */
static inline int ref_session_words(const struct ac_script *s)
{
	return s->n < 100 ? s->n : 100;
}

/* Sequential word matching: the first 100 words, one final each (the
 * word list's own strings, as the reference's update(word)). */
static inline struct ac_position ref_single_words(const struct ac_script *s,
						  ref_update_fn fn, void *ctx)
{
	struct ac_position p = { 0 };

	for (int i = 0; i < ref_session_words(s); i++)
		p = fn(ctx, s->words[i].text, false, false);
	return p;
}

/* Growing partials of words[10:30]: 20 partials. */
static inline struct ac_position
ref_growing_partials(const struct ac_script *s, ref_update_fn fn, void *ctx)
{
	struct ac_position p = { 0 };

	for (int i = 11; i <= 30; i++)
		p = ref_feed(s, 10, i, 0, true, false, fn, ctx);
	return p;
}

/* Finals in 5-word chunks: 10 cumulative finals, words[:5] to words[:50]. */
static inline struct ac_position ref_final_chunks(const struct ac_script *s,
						  ref_update_fn fn, void *ctx)
{
	struct ac_position p = { 0 };

	for (int i = 1; i <= 10; i++)
		p = ref_feed(s, 0, 5 * i, 0, false, false, fn, ctx);
	return p;
}

/* Backtrack detection: final words[:50] (setup), then final words[20:30]. */
static inline struct ac_position ref_backtrack(const struct ac_script *s,
					       ref_update_fn fn, void *ctx)
{
	ref_feed(s, 0, 50, 0, false, true, fn, ctx);
	return ref_feed(s, 20, 30, 0, false, false, fn, ctx);
}

/* Fuzzy matching with errors: one final of words[10:40], every 5th word
 * truncated. */
static inline struct ac_position ref_fuzzy_errors(const struct ac_script *s,
						  ref_update_fn fn, void *ctx)
{
	return ref_feed(s, 10, 40, 5, false, false, fn, ctx);
}

/* A realistic session (the reference's examples/profile_tracking.py): the
 * first 100 words in 5-word chunks, partials cumulative from the start of
 * the script, then a cumulative final per chunk. */
static inline struct ac_position ref_session(const struct ac_script *s,
					     ref_update_fn fn, void *ctx)
{
	struct ac_position p = { 0 };
	int n = ref_session_words(s);

	for (int pos = 0; pos < n; pos += 5) {
		for (int i = 1; i <= 5; i++)
			ref_feed(s, 0, pos + i, 0, true, false, fn, ctx);
		p = ref_feed(s, 0, pos + 5, 0, false, false, fn, ctx);
	}
	return p;
}

#endif
