// SPDX-License-Identifier: MIT
/*
 * test_tracker_expansion_matching.c - the reference's
 * test_expansion_matching.py, test for test: spoken forms of punctuation
 * and numbers, long expansions that must not look like jumps, expansion
 * state cleared when the position moves, unit-only rates.
 *
 * Most of the reference's tests say "after PREFIX, saying PREFIX + FORM
 * moves the optimistic position": those are rows of one table, each run
 * as its own named test.
 */
#include "tracker_fixture.h"

struct advance {
	const char *name, *script, *prefix, *spoken;
};

static const struct advance advances[] = {
	/* TestAlternativePunctuationMatching */
	{ "test_slash_matches_slash", "Press A / B to continue", "press a",
	  "press a slash" },
	{ "test_slash_matches_or", "Press A / B to continue", "press a",
	  "press a or" },
	{ "test_slash_matches_forward_slash", "Press A / B to continue",
	  "press a", "press a forward slash" },
	{ "test_ampersand_matches_and", "Press A & B to continue", "press a",
	  "press a and" },
	{ "test_ampersand_matches_ampersand", "Press A & B to continue",
	  "press a", "press a ampersand" },
	{ "test_plus_matches_plus", "Calculate 5 + 3", "calculate five",
	  "calculate five plus" },
	{ "test_at_matches_at", "Email me @ example dot com", "email me",
	  "email me at" },
	{ "test_percent_matches_percent", "The rate is 50 % annually",
	  "the rate is fifty", "the rate is fifty percent" },
	{ "test_equals_matches_equals", "So 2 + 2 = 4", "so two plus two",
	  "so two plus two equals" },
	{ "test_equals_matches_is", "So 2 + 2 = 4", "so two plus two",
	  "so two plus two is" },
	{ "test_tilde_matches_approximately", "The value is ~ 100",
	  "the value is", "the value is approximately" },
	{ "test_tilde_matches_about", "The value is ~ 100", "the value is",
	  "the value is about" },
	{ "test_pipe_matches_or", "Use true | false", "use true",
	  "use true or" },
	{ "test_pipe_matches_pipe", "Use true | false", "use true",
	  "use true pipe" },
	/* TestAlternativeNumberMatching */
	{ "test_hundred_matches_one_hundred", "The value is 100 dollars",
	  "the value is", "the value is one hundred" },
	{ "test_hundred_matches_a_hundred", "The value is 100 dollars",
	  "the value is", "the value is a hundred" },
	{ "test_thousand_matches_one_thousand", "There are 1000 items",
	  "there are", "there are one thousand" },
	{ "test_thousand_matches_a_thousand", "There are 1000 items",
	  "there are", "there are a thousand" },
	{ "test_eleven_hundred", "The count is 1100 total", "the count is",
	  "the count is eleven hundred" },
	{ "test_decimal_point_form", "Pi is 3.14 approximately", "pi is",
	  "pi is three point one four" },
	{ "test_decimal_oh_form", "The value is 3.07 units", "the value is",
	  "the value is three point oh seven" },
	{ "test_decimal_point_only", "The ratio is 0.3 today", "the ratio is",
	  "the ratio is point three" },
	{ "test_half_fraction", "Take 0.5 of the total", "take", "take half" },
	{ "test_ordinal_first", "This is the 1st test", "this is the",
	  "this is the first" },
	{ "test_ordinal_second", "This is the 2nd item", "this is the",
	  "this is the second" },
	{ "test_ordinal_twenty_third", "It is the 23rd day", "it is the",
	  "it is the twenty third" },
	{ "test_mixed_4k", "The display is 4K resolution", "the display is",
	  "the display is four k" },
	{ "test_mixed_4k_thousand", "The display is 4K resolution",
	  "the display is", "the display is four thousand" },
	{ "test_mixed_100gb", "Storage is 100GB available", "storage is",
	  "storage is one hundred gigabytes" },
	{ "test_mixed_m3", "The M3 processor is fast", "the", "the m three" },
	{ "test_mixed_5m_metres", "The distance is 5m away", "the distance is",
	  "the distance is five metres" },
	{ "test_comma_separated_number", "We have 1,000 users", "we have",
	  "we have one thousand" },
	{ "test_eleven_thousand_comma", "There are 11,000 participants",
	  "there are", "there are eleven thousand" },
	/* TestUnitOnlyRateMatching */
	{ "test_ms_matches_metres_per_second", "The velocity is 10 m/s",
	  "the velocity is ten", "the velocity is ten metres per second" },
	{ "test_ms_matches_meters_per_second", "The velocity is 10 m/s",
	  "the velocity is ten", "the velocity is ten meters per second" },
	{ "test_ms_matches_m_per_s", "The velocity is 10 m/s",
	  "the velocity is ten", "the velocity is ten m per s" },
	{ "test_kmh_matches_kilometres_per_hour", "The speed limit is 50 km/h",
	  "the speed limit is fifty",
	  "the speed limit is fifty kilometres per hour" },
	{ "test_kmh_matches_kilometers_per_hour", "The speed limit is 50 km/h",
	  "the speed limit is fifty",
	  "the speed limit is fifty kilometers per hour" },
	{ "test_fts_matches_feet_per_second",
	  "The projectile travels at 100 ft/s",
	  "the projectile travels at one hundred",
	  "the projectile travels at one hundred feet per second" },
	{ "test_combined_10ms_matches_ten_metres_per_second",
	  "Acceleration is 10m/s", "acceleration is",
	  "acceleration is ten metres per second" },
};

static void test_advance(void **state)
{
	const struct advance *a = *state;

	assert_advances(a->script, a->prefix, a->spoken, true);
}

static void test_number_in_context(void **state)
{
	struct fx f = make("The M3 processor has 25 billion transistors");

	(void)state;
	upd(&f, "the m three processor has twenty five billion transistors");
	assert_true(ac_tracker_position(f.t).progress > 0.5);
	done(&f);
}

static void test_unit_rate_in_full_sentence(void **state)
{
	struct fx f = make("Sound travels at approximately 343 m/s in air");

	(void)state;
	upd(&f, "sound travels at approximately three hundred forty three "
		"metres per second in air");
	assert_true(ac_tracker_position(f.t).progress > 0.8);
	done(&f);
}

/* ---- TestExpansionValidationBug --------------------------------------- */

/* One word of an expansion more, then the reference's check: no jump, and
 * if jump detection would be allowed, an explicit detection finds none. */
static void expansion_step(struct fx *f, const char *text, bool validate)
{
	assert_false(upd(f, text).is_jump);
	if (validate && ac_tracker_allow_jump_detection(f->t)) {
		bool moved = true;

		ac_tracker_detect_jump(f->t, text, &moved);
		assert_false(moved);
	}
}

static void test_long_expansion_no_false_backtrack(void **state)
{
	struct fx f = make("some text and 1500 large items");
	int after_and;

	(void)state;
	upd(&f, "some text and");
	after_and = opt(&f);
	expansion_step(&f, "some text and one", true);
	expansion_step(&f, "some text and one thousand", true);
	expansion_step(&f, "some text and one thousand five", true);
	expansion_step(&f, "some text and one thousand five hundred", false);
	assert_true(opt(&f) > after_and);
	done(&f);
}

static void test_expansion_does_not_trigger_validation(void **state)
{
	struct fx f = make("prefix 1500 suffix words here today");

	(void)state;
	upd(&f, "prefix");
	upd(&f, "prefix one");
	assert_true(!ac_tracker_allow_jump_detection(f.t) ||
		    ac_tracker_active_expansions(f.t) > 0);
	done(&f);
}

static void test_six_word_expansion_no_backtrack(void **state)
{
	static const char *const words[] = {
		"one", "million", "five", "hundred", "thousand",
	};
	struct fx f = make("there are 1500000 items remaining");
	char transcript[128] = "there are";
	int initial;

	(void)state;
	upd(&f, "there are");
	initial = opt(&f);
	for (int i = 0; i < 5; i++) {
		strcat(transcript, " ");
		strcat(transcript, words[i]);
		assert_false(upd(&f, transcript).is_jump);
	}
	assert_true(opt(&f) > initial);
	done(&f);
}

/* ---- TestExpansionStateClearingOnPositionChange ----------------------- */

static void test_expansion_state_cleared_on_jump_to(void **state)
{
	struct fx f = make("number 1000000 text here other words");

	(void)state;
	upd(&f, "number");
	upd(&f, "number one");
	assert_true(ac_tracker_active_expansions(f.t) > 0);
	ac_tracker_jump_to(f.t, 3);
	assert_int_equal(ac_tracker_active_expansions(f.t), 0);
	assert_int_equal(ac_tracker_expansion_position(f.t), 0);
	done(&f);
}

static void test_expansion_state_cleared_on_backtrack(void **state)
{
	struct fx f = make("start text here 1000000 some different words after");
	bool was_active;

	(void)state;
	upd(&f, "start text here");
	upd(&f, "start text here one");
	assert_true(ac_tracker_active_expansions(f.t) > 0);
	was_active = ac_tracker_active_expansions(f.t) > 0;
	/* what the reference's backtrack does to the state (its test sets
	 * current_word_index and skip_disabled_count too, which this API
	 * leaves to the tracker) */
	ac_tracker_set_optimistic_position(f.t, 0);
	ac_tracker_clear_expansion_state(f.t);
	assert_true(was_active);
	assert_int_equal(ac_tracker_active_expansions(f.t), 0);
	assert_int_equal(ac_tracker_expansion_position(f.t), 0);
	done(&f);
}

static void test_words_match_correctly_after_expansion_cleared(void **state)
{
	struct fx f = make("apple 100 banana cherry grape melon");
	struct ac_position p;

	(void)state;
	upd(&f, "apple");
	upd(&f, "apple one");
	assert_true(ac_tracker_active_expansions(f.t) > 0);
	ac_tracker_jump_to(f.t, 3);
	p = upd(&f, "cherry");
	assert_int_equal(opt(&f), 4);
	assert_int_equal(p.word_index, 4);
	done(&f);
}

static void test_cascading_backtrack_prevented(void **state)
{
	struct fx f = make("the number is 1000000 as written also decimal "
			   "numbers are interesting");
	struct ac_position p;

	(void)state;
	upd(&f, "the number is");
	upd(&f, "the number is one");
	assert_true(ac_tracker_active_expansions(f.t) > 0);
	ac_tracker_set_optimistic_position(f.t, 4);
	ac_tracker_clear_expansion_state(f.t);
	p = upd(&f, "as written");
	assert_int_equal(opt(&f), 6);
	assert_false(p.is_jump);
	done(&f);
}

int main(void)
{
	enum { NADV = sizeof(advances) / sizeof(advances[0]) };
	struct CMUnitTest tests[NADV + 9] = {
		cmocka_unit_test(test_number_in_context),
		cmocka_unit_test(test_unit_rate_in_full_sentence),
		cmocka_unit_test(test_long_expansion_no_false_backtrack),
		cmocka_unit_test(test_expansion_does_not_trigger_validation),
		cmocka_unit_test(test_six_word_expansion_no_backtrack),
		cmocka_unit_test(test_expansion_state_cleared_on_jump_to),
		cmocka_unit_test(test_expansion_state_cleared_on_backtrack),
		cmocka_unit_test(test_words_match_correctly_after_expansion_cleared),
		cmocka_unit_test(test_cascading_backtrack_prevented),
	};

	for (int i = 0; i < NADV; i++)
		tests[9 + i] = (struct CMUnitTest){
			.name = advances[i].name,
			.test_func = test_advance,
			.initial_state = (void *)&advances[i],
		};
	return _cmocka_run_group_tests("test_tracker_expansion_matching", tests,
				       NADV + 9, NULL, NULL);
}
