// SPDX-License-Identifier: MIT
/*
 * test_tracker_window.c - jump detection asks the window search only
 * whether some window reaches the match threshold
 * (ac_tk_find_match_at_least), which lets the search skip every window
 * that cannot. It must answer exactly what the full search
 * (ac_tk_find_best_match) implies, give the same window and score when a
 * window does reach it, and leave no cached answer that a later full
 * search would misread.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tracker_fixture.h"
#include "tracker_int.h"

static const char SCRIPT[] =
	"# Evening news\n\n"
	"Good evening. I'm bringing you the top stories for this Monday "
	"night, and the weather after that.\n\n"
	"Shares rose after twelve days of losses; the index closed higher "
	"than the day before, and the markets were calm.\n\n"
	"We're tracking developing stories on artificial intelligence, the "
	"weather, and the budget, all in the next thirty minutes.\n\n"
	"Expect rain, then rain again: the same rain, the same wind, the "
	"same rain as last week, and the week before that.\n";

static const char *const vocab[] = {
	"the", "rain", "same", "evening", "stories", "weather", "budget",
	"index", "shares", "banana", "um", "week", "wind", "markets", "calm",
	"day", "night", "top", "intelligence", "thirty",
};
#define NVOCAB (sizeof(vocab) / sizeof(vocab[0]))

static unsigned rnd(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) & 0x7fff;
}

/* loads an utterance of n words into t, the position at cur */
static void load(struct ac_tracker *t, unsigned *seed, int n, int cur)
{
	char text[512];
	size_t len = 0;

	text[0] = '\0';
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s",
					i ? " " : "",
					vocab[rnd(seed) % NVOCAB]);
	assert_int_equal(ac_tk_load_words(&t->u, text, len), 0);
	t->current = cur;
}

static void test_at_least_agrees_with_best(void **state)
{
	static const double thr[] = { 0.0, 20.0, 45.0, 60.0, 70.0, 85.0,
				      100.0, 102.0, NAN };
	struct fx a = make(SCRIPT), b = make(SCRIPT);
	unsigned seed = 99;
	int reached = 0, missed = 0;

	(void)state;
	for (int round = 0; round < 400; round++) {
		int n = 1 + (int)(rnd(&seed) % 10);
		int cur = (int)(rnd(&seed) % (unsigned)a.s->n);
		unsigned s0 = seed;

		for (size_t k = 0; k < sizeof(thr) / sizeof(thr[0]); k++) {
			int ai, bi, ci;
			double as, bs, cs;
			bool r;

			seed = s0;
			load(a.t, &seed, n, cur);
			seed = s0;
			load(b.t, &seed, n, cur);
			a.t->search.cached = b.t->search.cached = false;
			r = ac_tk_find_match_at_least(a.t, thr[k], &ai, &as);
			ac_tk_find_best_match(b.t, &bi, &bs);
			assert_int_equal(r, !(bs < thr[k]));
			if (r) {
				assert_int_equal(ai, bi);
				assert_true(as == bs);
				reached++;
			} else {
				missed++;
			}
			/* asked again, from the cache: the same answer */
			assert_int_equal(ac_tk_find_match_at_least(a.t, thr[k],
								   &ci, &cs),
					 r);
			/* and a full search after it finds the true best */
			ac_tk_find_best_match(a.t, &ci, &cs);
			assert_int_equal(ci, bi);
			assert_true(cs == bs);
		}
	}
	/* both answers were seen, or this test tests little */
	assert_true(reached > 0 && missed > 0);
	done(&a);
	done(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_at_least_agrees_with_best),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
