// SPDX-License-Identifier: MIT
/* test_tracker_basic.c - word-by-word advance, skipping, fuzzy words,
 * fillers and edge cases (the reference's test_basic_matching.py and
 * test_filler_words.py). */
#include "tracker_fixture.h"

/*
 * Tests that say finals (the reference's default) to a fresh tracker and
 * check the raw word index after the last: one row each, run as its own
 * named test (after_test() in main).
 */
struct after {
	const char *script;
	const char *said[3];	/* NULL-terminated */
	int word_index;
};

static void test_after(void **state)
{
	const struct after *a = *state;

	assert_int_equal(finals_on(a->script, a->said).word_index,
			 a->word_index);
}

#define after_test(row)                                                    \
	{ .name = "test_" #row, .test_func = test_after,                  \
	  .initial_state = (void *)&row }

/* "the" then "the" + a word further on: up to two words are skipped */
static const struct after skip_one_word = {
	"The quick brown fox", { "the", "the brown" }, 3,
};
static const struct after skip_two_words = {
	"The quick brown fox jumps", { "the", "the fox" }, 4,
};
static const struct after case_insensitive = {
	"The Quick Brown Fox", { "THE QUICK BROWN" }, 3,
};
static const struct after fuzzy_similar_words = {
	"recognize the pattern", { "recognise" }, 1,
};
static const struct after punctuation_ignored = {
	"Hello, world! How are you?", { "hello world how" }, 3,
};
static const struct after filler_skipped = {
	"The quick brown fox", { "the um quick" }, 2,
};
/* a repeat of the last matched word does not advance */
static const struct after repeated_word_absorbed = {
	"the quick brown fox", { "the quick quick brown" }, 3,
};
/* "every thing" is the script's "everything" spoken apart */
static const struct after compound_words = {
	"we checked everything twice", { "we checked every thing twice" }, 4,
};

static void test_single_word_advancement(void **state)
{
	struct fx f = make("The quick brown fox");

	(void)state;
	read_along(&f, "the quick brown fox", 1, true);
	done(&f);
}

static void test_initial_position_is_zero(void **state)
{
	struct fx f = make("hello world");
	struct ac_position p = ac_tracker_position(f.t);

	(void)state;
	assert_int_equal(ac_tracker_optimistic_position(f.t), 0);
	assert_int_equal(p.speakable_index, 0);
	assert_false(p.is_jump);
	done(&f);
}

static void test_empty_transcription_no_change(void **state)
{
	struct fx f = make("hello world");
	int before;

	(void)state;
	fin(&f, "hello");
	before = ac_tracker_optimistic_position(f.t);
	fin(&f, "");
	assert_int_equal(ac_tracker_optimistic_position(f.t), before);
	fin(&f, "   ");
	assert_int_equal(ac_tracker_optimistic_position(f.t), before);
	ac_tracker_update(f.t, "\t\xc2\xa0 ", true);
	assert_int_equal(ac_tracker_position(f.t).speakable_index, before);
	done(&f);
}

static void test_no_match_after_max_skip(void **state)
{
	struct fx f = make("The quick brown fox jumps over the lazy dog");
	int initial;

	(void)state;
	fin(&f, "the");
	initial = ac_tracker_optimistic_position(f.t);
	assert_int_equal(upd(&f, "the dog").word_index, initial);
	done(&f);
}

static void test_single_word_script(void **state)
{
	struct fx f = make("hello");

	(void)state;
	assert_int_equal(upd(&f, "hello").word_index, 1);
	assert_true(ac_tracker_position(f.t).progress == 1.0);
	done(&f);
}

static void test_position_beyond_script(void **state)
{
	struct fx f = make("hello world");

	(void)state;
	fin(&f, "hello world extra words here");
	assert_true(ac_tracker_optimistic_position(f.t) <= f.s->n);
	done(&f);
}

static void test_empty_script(void **state)
{
	struct fx f = make("");
	struct ac_position p;

	(void)state;
	assert_int_equal(f.s->n, 0);
	p = ac_tracker_update(f.t, "anything at all here", false);
	assert_int_equal(p.speakable_index, 0);
	assert_true(p.progress == 0.0);
	ac_tracker_jump_to(f.t, 5);
	assert_int_equal(ac_tracker_position(f.t).speakable_index, 0);
	done(&f);
}

static void test_filler_in_script_matches(void **state)
{
	struct fx f = make("I like cats");

	(void)state;
	read_along(&f, "i like cats", 1, true);
	done(&f);
}

static void test_so_and_well_in_script(void **state)
{
	struct fx g = make("The well was deep");

	(void)state;
	assert_int_equal(AFTER("So what do you think", "so what").word_index, 2);
	read_along(&g, "the well", 1, true);
	done(&g);
}

static void test_partials_speculative(void **state)
{
	struct fx f = make("The quick brown fox jumps over the lazy dog");
	struct ac_position p;

	(void)state;
	p = ac_tracker_update(f.t, "the quick", true);
	assert_int_equal(p.speakable_index, 2);
	/* the committed state does not move on partials (Q2) */
	assert_int_equal(ac_tracker_optimistic_position(f.t), 0);
	p = ac_tracker_update(f.t, "the quick brown", true);
	assert_int_equal(p.speakable_index, 3);
	/* the speculative position never moves back within an utterance */
	p = ac_tracker_update(f.t, "the", true);
	assert_int_equal(p.speakable_index, 3);
	p = ac_tracker_update(f.t, "the quick brown fox", false);
	assert_int_equal(p.speakable_index, 4);
	assert_int_equal(ac_tracker_optimistic_position(f.t), 4);
	done(&f);
}

static void test_no_new_words_final_keeps_current(void **state)
{
	struct fx f = make("one two three four five six");
	struct ac_position p;

	(void)state;
	fin(&f, "one two");
	ac_tracker_update(f.t, "three four", true);
	/* identical to the previous final: no new words, and current stays
	 * where the partial put it (Q3) */
	p = ac_tracker_update(f.t, "one two", false);
	assert_int_equal(p.speakable_index, 4);
	done(&f);
}

static void test_invalid_utf8_ignored(void **state)
{
	struct fx f = make("hello world");
	struct ac_position p;

	(void)state;
	p = ac_tracker_update(f.t, "hello \xff", false);
	assert_int_equal(p.speakable_index, 0);
	done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_word_advancement),
		cmocka_unit_test(test_initial_position_is_zero),
		cmocka_unit_test(test_empty_transcription_no_change),
		after_test(skip_one_word),
		after_test(skip_two_words),
		cmocka_unit_test(test_no_match_after_max_skip),
		after_test(case_insensitive),
		after_test(fuzzy_similar_words),
		after_test(punctuation_ignored),
		cmocka_unit_test(test_single_word_script),
		cmocka_unit_test(test_position_beyond_script),
		cmocka_unit_test(test_empty_script),
		after_test(filler_skipped),
		cmocka_unit_test(test_filler_in_script_matches),
		cmocka_unit_test(test_so_and_well_in_script),
		after_test(repeated_word_absorbed),
		after_test(compound_words),
		cmocka_unit_test(test_partials_speculative),
		cmocka_unit_test(test_no_new_words_final_keeps_current),
		cmocka_unit_test(test_invalid_utf8_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
