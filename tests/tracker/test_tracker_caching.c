// SPDX-License-Identifier: MIT
/*
 * test_tracker_caching.c - the behaviour behind the reference's
 * test_caching.py. Its caches (normalize's LRU, find_best_match's LRU keyed
 * by text and position) are invisible by design (TRACKER-SPEC.md §5.10), so
 * what is ported is what they must not change: the same answers on
 * repeated calls, answers that follow the position, fresh answers after
 * reset() and jump_to(), and tracking through partials. The checks on the
 * cache's own size and key set have no counterpart.
 */
#include "normalize.h"
#include "tracker_fixture.h"

static const char FOX[] = "The quick brown fox jumps over the lazy dog";

struct match {
	int index;
	double score;
};

static struct match best(struct fx *f, const char *text)
{
	struct match m;

	m.index = ac_tracker_find_best_match(f->t, text, &m.score);
	return m;
}

/* what a tracker that has never searched answers at position pos */
static struct match fresh(const char *md, int pos, const char *text)
{
	struct fx f = make(md);
	struct match m;

	if (pos)
		ac_tracker_jump_to(f.t, pos);
	m = best(&f, text);
	done(&f);
	return m;
}

static void assert_match_equal(struct match a, struct match b)
{
	assert_int_equal(a.index, b.index);
	assert_true(a.score == b.score);
}

static const char *norm(const char *w, char *buf, size_t cap)
{
	assert_true(ac_normalize(w, strlen(w), buf, cap) >= 0);
	return buf;
}

static void test_normalize_word_caches_results(void **state)
{
	char a[64], b[64], c[64];

	(void)state;
	assert_string_equal(norm("Hello!", a, sizeof(a)), "hello");
	assert_string_equal(norm("Hello!", b, sizeof(b)), "hello");
	assert_string_equal(norm("Hello!", c, sizeof(c)), "hello");
}

static void test_normalize_word_handles_different_inputs(void **state)
{
	static const char *const cases[][2] = {
		{ "Hello", "hello" }, { "world!", "world" },
		{ "don't", "dont" }, { "123", "123" }, { "A/B", "ab" },
		{ "&", "" },
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(norm(cases[i][0], buf, sizeof(buf)),
				    cases[i][1]);
}

static void test_match_cache_stores_results(void **state)
{
	struct fx f = make(FOX);

	(void)state;
	assert_match_equal(best(&f, "quick brown"), fresh(FOX, 0, "quick brown"));
	done(&f);
}

static void test_match_cache_reuses_results(void **state)
{
	struct fx f = make(FOX);
	struct match a = best(&f, "quick brown");

	(void)state;
	assert_match_equal(best(&f, "quick brown"), a);
	done(&f);
}

static void test_match_cache_respects_position(void **state)
{
	struct fx f = make(FOX);
	struct match at0, at5;

	(void)state;
	at0 = best(&f, "quick brown");
	ac_tracker_jump_to(f.t, 5);
	at5 = best(&f, "quick brown");
	assert_match_equal(at0, fresh(FOX, 0, "quick brown"));
	assert_match_equal(at5, fresh(FOX, 5, "quick brown"));
	done(&f);
}

static void test_match_cache_clears_on_reset(void **state)
{
	struct fx f = make(FOX);

	(void)state;
	best(&f, "quick brown");
	best(&f, "lazy dog");
	ac_tracker_reset(f.t);
	assert_match_equal(best(&f, "quick brown"), fresh(FOX, 0, "quick brown"));
	assert_match_equal(best(&f, "lazy dog"), fresh(FOX, 0, "lazy dog"));
	done(&f);
}

static void test_match_cache_clears_on_jump_to(void **state)
{
	struct fx f = make(FOX);

	(void)state;
	best(&f, "quick brown");
	ac_tracker_jump_to(f.t, 5);
	assert_match_equal(best(&f, "quick brown"), fresh(FOX, 5, "quick brown"));
	done(&f);
}

static void test_match_cache_lru_eviction(void **state)
{
	static const char *const spoken[] = { "quick", "brown", "fox", "jumps" };
	struct fx f = make(FOX);

	(void)state;
	/* one search per position, as the reference fills its cache; every
	 * answer is the uncached one */
	for (int i = 0; i < 4; i++) {
		if (i)
			ac_tracker_jump_to(f.t, i);
		assert_match_equal(best(&f, spoken[i]), fresh(FOX, i, spoken[i]));
	}
	done(&f);
}

static void test_match_cache_with_partial_updates(void **state)
{
	struct fx f = make(FOX);

	(void)state;
	ac_tracker_update(f.t, "the", true);
	ac_tracker_update(f.t, "the quick", true);
	ac_tracker_update(f.t, "the quick brown", true);
	ac_tracker_update(f.t, "the quick brown", false);
	assert_true(ac_tracker_position(f.t).speakable_index >= 3);
	done(&f);
}

static void test_caching_improves_performance_on_repeated_transcripts(void **state)
{
	char script[512] = "";
	struct fx f;
	struct match a;

	(void)state;
	for (int i = 0; i < 10; i++)
		strcat(script, "The quick brown fox jumps over the lazy dog ");
	f = make(script);
	a = best(&f, "quick brown fox");
	assert_match_equal(best(&f, "quick brown fox"), a);
	done(&f);
}

static void test_caching_handles_realistic_session(void **state)
{
	static const struct {
		const char *text;
		bool partial;
	} session[] = {
		{ "hello", true }, { "hello world", true },
		{ "hello world", false }, { "hello world this", true },
		{ "hello world this is", true }, { "hello world this is", false },
		{ "hello world this is a", true },
		{ "hello world this is a test", true },
		{ "hello world this is a test", false },
	};
	struct fx f = make("Hello world this is a test of the caching system "
			   "for autocue");

	(void)state;
	for (size_t i = 0; i < sizeof(session) / sizeof(session[0]); i++)
		ac_tracker_update(f.t, session[i].text, session[i].partial);
	assert_true(ac_tracker_position(f.t).speakable_index >= 6);
	done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize_word_caches_results),
		cmocka_unit_test(test_normalize_word_handles_different_inputs),
		cmocka_unit_test(test_match_cache_stores_results),
		cmocka_unit_test(test_match_cache_reuses_results),
		cmocka_unit_test(test_match_cache_respects_position),
		cmocka_unit_test(test_match_cache_clears_on_reset),
		cmocka_unit_test(test_match_cache_clears_on_jump_to),
		cmocka_unit_test(test_match_cache_lru_eviction),
		cmocka_unit_test(test_match_cache_with_partial_updates),
		cmocka_unit_test(test_caching_improves_performance_on_repeated_transcripts),
		cmocka_unit_test(test_caching_handles_realistic_session),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
