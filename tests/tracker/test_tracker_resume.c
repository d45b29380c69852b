// SPDX-License-Identifier: MIT
/*
 * test_tracker_resume.c - a partial resumes the last partial's matching
 * where the words they share stop (tracker.c, "partials, resumed"), and a
 * final takes over its leading outright matches (resume_final). Each must
 * answer exactly what matching the whole update again answers: two
 * trackers get the same noisy session, one resuming, the other made to
 * match every partial and final from scratch (its log dropped before
 * each), and every position, and the final's bookkeeping, must agree. Each partial's own result is made visible by
 * lowering the speculative display to the committed one before it (both
 * trackers alike): otherwise the maximum over the partials would hide a
 * low one.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tracker_fixture.h"
#include "tracker_int.h"

static const char SCRIPT[] =
	"# Evening news, December 22, 2025\n\n"
	"Good evening. I'm bringing you the top stories for this Monday "
	"night.\n\n"
	"## Markets\n\n"
	"Shares rose 3.5% to $1,250 after 12 days of losses; the index "
	"closed at 4,021 points.\n\n"
	"We're tracking developing stories on artificial intelligence, "
	"the weather, and the 2026 budget - all in the next 30 minutes.\n\n"
	"### Weather\n\n"
	"Expect rain, then rain again: the same rain, the same wind, the "
	"same rain as last week.\n";

static const char *const noise[] = {
	"um", "uh", "the", "rain", "banana", "twenty", "so", "stories",
	"evening", "of", "hmm", "percent",
};
#define NNOISE (sizeof(noise) / sizeof(noise[0]))

static unsigned rnd(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) & 0x7fff;
}

/* the words a speaker says for script words [at, at + n): spoken forms
 * for numbers and punctuation, with recogniser noise */
static int speak(const struct ac_script *s, int at, int n, unsigned *seed,
		 const char **out, int cap)
{
	int k = 0;

	for (int i = at; i < at + n && i < s->n && k < cap - 4; i++) {
		const struct ac_word *w = &s->words[i];
		unsigned r = rnd(seed) % 20;

		if (r == 0)
			continue;			/* dropped */
		if (r == 1)
			out[k++] = noise[rnd(seed) % NNOISE];	/* inserted */
		if (r == 2) {
			out[k++] = noise[rnd(seed) % NNOISE];	/* misheard */
			continue;
		}
		if (w->nalts) {
			const struct ac_alt *a = &w->alts[rnd(seed) % w->nalts];

			for (int j = 0; j < a->n && k < cap - 1; j++)
				out[k++] = a->w[j];
		} else {
			out[k++] = w->text;
		}
		if (r == 3)
			out[k] = out[k - 1], k++;	/* repeated */
	}
	return k;
}

static void join(char *buf, size_t cap, const char *const *w, int n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%s",
					i ? " " : "", w[i]);
}

static void assert_same_position(struct fx *a, struct fx *b,
				 struct ac_position pa, struct ac_position pb)
{
	assert_int_equal(pa.speakable_index, pb.speakable_index);
	assert_int_equal(pa.word_index, pb.word_index);
	assert_int_equal(pa.line_index, pb.line_index);
	assert_int_equal(pa.is_jump, pb.is_jump);
	assert_int_equal(ac_tracker_optimistic_position(a->t),
			 ac_tracker_optimistic_position(b->t));
	assert_int_equal(ac_tracker_active_expansions(a->t),
			 ac_tracker_active_expansions(b->t));
	assert_int_equal(a->t->words_since_validation,
			 b->t->words_since_validation);
	assert_int_equal(a->t->skip_disabled, b->t->skip_disabled);
	assert_int_equal(a->t->committed.last_matched,
			 b->t->committed.last_matched);
}

static struct ac_position partial(struct fx *f, const char *text, bool fresh)
{
	f->t->speculative_display = f->t->committed_display;
	if (fresh)
		f->t->plog.valid = false;
	return ac_tracker_update(f->t, text, true);
}

static void session(const struct ac_tracker_opts *o, unsigned seed)
{
	struct fx a = make_opts(SCRIPT, o), b = make_opts(SCRIPT, o);
	const char *words[64];
	char text[1024];
	int at = 0, resumed = 0, finals_resumed = 0;

	while (at < a.s->n) {
		int n = 2 + (int)(rnd(&seed) % 8), k;

		k = speak(a.s, at, n, &seed, words, 48);
		/* partials grow a word or a few at a time; a recogniser
		 * sometimes changes its mind about the last word, or repeats
		 * a partial */
		for (int m = 1; m <= k; m += 1 + (int)(rnd(&seed) % 3)) {
			const char *last = words[m - 1];

			if (rnd(&seed) % 6 == 0)
				words[m - 1] = noise[rnd(&seed) % NNOISE];
			join(text, sizeof(text), words, m);
			words[m - 1] = last;
			for (int rep = 1 + (rnd(&seed) % 7 == 0); rep; rep--) {
				struct ac_position pa = partial(&a, text, false);
				struct ac_position pb = partial(&b, text, true);

				assert_same_position(&a, &b, pa, pb);
			}
			resumed += a.t->plog.valid && m > 1;
		}
		/* the final: now and then a word the partials did not have */
		if (rnd(&seed) % 5 == 0 && k < 48)
			words[k++] = noise[rnd(&seed) % NNOISE];
		join(text, sizeof(text), words, k);
		finals_resumed += a.t->plog.valid;
		b.t->plog.valid = false;
		assert_same_position(&a, &b, ac_tracker_update(a.t, text, false),
				     ac_tracker_update(b.t, text, false));
		at += n;
		/* now and then the presenter jumps, or the speaker goes
		 * back a few words */
		if (rnd(&seed) % 25 == 0) {
			int to = (int)(rnd(&seed) % (unsigned)a.s->n);

			ac_tracker_jump_to(a.t, to);
			ac_tracker_jump_to(b.t, to);
			at = to;
		} else if (rnd(&seed) % 10 == 0) {
			at = at > 6 ? at - 6 : 0;
		}
	}
	/* the log was used, or this test tests nothing */
	assert_true(resumed > 0);
	assert_true(finals_resumed > 0);
	done(&a);
	done(&b);
}

static void test_resume_equals_rematch(void **state)
{
	struct ac_tracker_opts o = AC_TRACKER_OPTS_DEFAULT;

	(void)state;
	for (unsigned seed = 1; seed <= 300; seed++)
		session(&o, seed);
}

static void test_resume_other_options(void **state)
{
	struct ac_tracker_opts o = AC_TRACKER_OPTS_DEFAULT;

	(void)state;
	o.skip_headers = true;
	for (unsigned seed = 1; seed <= 100; seed++)
		session(&o, seed);
	o = (struct ac_tracker_opts)AC_TRACKER_OPTS_DEFAULT;
	o.match_threshold = 50.0;
	o.max_skip_distance = 0;
	for (unsigned seed = 1; seed <= 100; seed++)
		session(&o, seed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resume_equals_rematch),
		cmocka_unit_test(test_resume_other_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
