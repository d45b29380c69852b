// SPDX-License-Identifier: MIT
/* test_tracker_basic.c - word-by-word advance, skipping, fuzzy words,
 * fillers and edge cases (the reference's test_basic_matching.py and
 * test_filler_words.py). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "script.h"
#include "tracker.h"

struct fx {
	struct ac_script *s;
	struct ac_tracker *t;
};

static struct fx make(const char *md)
{
	char err[256] = "";
	struct fx f;

	f.s = ac_script_parse(md, strlen(md), err, sizeof(err));
	assert_non_null(f.s);
	f.t = ac_tracker_new(f.s, NULL);
	assert_non_null(f.t);
	return f;
}

static void done(struct fx *f)
{
	ac_tracker_free(f->t);
	ac_script_free(f->s);
}

/* finals are the reference's default (update(text) has is_partial=False) */
static int fin(struct fx *f, const char *text)
{
	return ac_tracker_update(f->t, text, false).word_index;
}

static void test_single_word_advancement(void **state)
{
	struct fx f = make("The quick brown fox");

	(void)state;
	assert_int_equal(fin(&f, "the"), 1);
	assert_int_equal(fin(&f, "the quick"), 2);
	assert_int_equal(fin(&f, "the quick brown"), 3);
	assert_int_equal(fin(&f, "the quick brown fox"), 4);
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

static void test_skip_one_word(void **state)
{
	struct fx f = make("The quick brown fox");

	(void)state;
	fin(&f, "the");
	assert_int_equal(fin(&f, "the brown"), 3);
	done(&f);
}

static void test_skip_two_words(void **state)
{
	struct fx f = make("The quick brown fox jumps");

	(void)state;
	fin(&f, "the");
	assert_int_equal(fin(&f, "the fox"), 4);
	done(&f);
}

static void test_no_match_after_max_skip(void **state)
{
	struct fx f = make("The quick brown fox jumps over the lazy dog");
	int initial;

	(void)state;
	fin(&f, "the");
	initial = ac_tracker_optimistic_position(f.t);
	assert_int_equal(fin(&f, "the dog"), initial);
	done(&f);
}

static void test_case_insensitive(void **state)
{
	struct fx f = make("The Quick Brown Fox");

	(void)state;
	assert_int_equal(fin(&f, "THE QUICK BROWN"), 3);
	done(&f);
}

static void test_fuzzy_similar_words(void **state)
{
	struct fx f = make("recognize the pattern");

	(void)state;
	assert_int_equal(fin(&f, "recognise"), 1);
	done(&f);
}

static void test_punctuation_ignored(void **state)
{
	struct fx f = make("Hello, world! How are you?");

	(void)state;
	assert_int_equal(fin(&f, "hello world how"), 3);
	done(&f);
}

static void test_single_word_script(void **state)
{
	struct fx f = make("hello");

	(void)state;
	assert_int_equal(fin(&f, "hello"), 1);
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

static void test_filler_skipped(void **state)
{
	struct fx f = make("The quick brown fox");

	(void)state;
	assert_int_equal(fin(&f, "the um quick"), 2);
	done(&f);
}

static void test_filler_in_script_matches(void **state)
{
	struct fx f = make("I like cats");

	(void)state;
	assert_int_equal(fin(&f, "i"), 1);
	assert_int_equal(fin(&f, "i like"), 2);
	assert_int_equal(fin(&f, "i like cats"), 3);
	done(&f);
}

static void test_so_and_well_in_script(void **state)
{
	struct fx f = make("So what do you think");
	struct fx g = make("The well was deep");

	(void)state;
	assert_int_equal(fin(&f, "so what"), 2);
	assert_int_equal(fin(&g, "the"), 1);
	assert_int_equal(fin(&g, "the well"), 2);
	done(&f);
	done(&g);
}

static void test_repeated_word_absorbed(void **state)
{
	struct fx f = make("the quick brown fox");

	(void)state;
	/* a repeat of the last matched word does not advance */
	assert_int_equal(fin(&f, "the quick quick brown"), 3);
	done(&f);
}

static void test_compound_words(void **state)
{
	struct fx f = make("we checked everything twice");

	(void)state;
	/* "every thing" is the script's "everything" spoken apart */
	assert_int_equal(fin(&f, "we checked every thing twice"), 4);
	done(&f);
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
		cmocka_unit_test(test_skip_one_word),
		cmocka_unit_test(test_skip_two_words),
		cmocka_unit_test(test_no_match_after_max_skip),
		cmocka_unit_test(test_case_insensitive),
		cmocka_unit_test(test_fuzzy_similar_words),
		cmocka_unit_test(test_punctuation_ignored),
		cmocka_unit_test(test_single_word_script),
		cmocka_unit_test(test_position_beyond_script),
		cmocka_unit_test(test_empty_script),
		cmocka_unit_test(test_filler_skipped),
		cmocka_unit_test(test_filler_in_script_matches),
		cmocka_unit_test(test_so_and_well_in_script),
		cmocka_unit_test(test_repeated_word_absorbed),
		cmocka_unit_test(test_compound_words),
		cmocka_unit_test(test_partials_speculative),
		cmocka_unit_test(test_no_new_words_final_keeps_current),
		cmocka_unit_test(test_invalid_utf8_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
