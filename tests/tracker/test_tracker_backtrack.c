// SPDX-License-Identifier: MIT
/* test_tracker_backtrack.c - backtracks and forward jumps (§5.8), skip
 * logic disabled after a backtrack, and the quirks around them (the
 * reference's test_backtrack.py, test_validation.py, test_comprehensive.py). */
#include "tracker_fixture.h"

/* the alphabet's first 20 words, said in one final */
#define TO_TANGO "alpha bravo charlie delta echo foxtrot golf hotel india " \
	"juliet kilo lima mike november oscar papa quebec romeo sierra tango"

static const char alphabet[] =
	TO_TANGO " uniform victor whiskey xray yankee zulu";

static void test_repeated_word_continues_forward(void **state)
{
	struct fx f = make("the quick brown the lazy dog");

	(void)state;
	read_along(&f, "the quick brown", 1, false);
	assert_int_equal(ac_tracker_optimistic_position(f.t), 3);
	fin(&f, "the quick brown the");
	assert_int_equal(ac_tracker_optimistic_position(f.t), 4);
	done(&f);
}

static void test_backtrack_detected(void **state)
{
	struct fx f = make(alphabet);
	struct ac_position p;

	(void)state;
	fin(&f, TO_TANGO);
	assert_int_equal(ac_tracker_optimistic_position(f.t), 20);
	p = ac_tracker_update(f.t, "echo foxtrot golf hotel india", false);
	/* best window starts at bravo (the first holding all five words);
	 * echo is 3 into it; + 5 words */
	assert_int_equal(p.speakable_index, 9);
	assert_true(p.is_jump);
	assert_int_equal(ac_tracker_skip_disabled(f.t), 3);
	/* is_jump persists through partials (Q4) */
	p = ac_tracker_update(f.t, "juliet", true);
	assert_true(p.is_jump);
	assert_int_equal(p.speakable_index, 10);
	p = ac_tracker_update(f.t, "juliet kilo", false);
	assert_false(p.is_jump);
	assert_int_equal(p.speakable_index, 11);
	assert_int_equal(ac_tracker_skip_disabled(f.t), 1);
	done(&f);
}

static void test_forward_jump(void **state)
{
	struct fx f = make(alphabet);
	struct ac_position p;

	(void)state;
	fin(&f, "alpha bravo");
	p = ac_tracker_update(f.t, "lima mike november oscar papa", false);
	assert_true(p.is_jump);
	assert_int_equal(p.speakable_index, 16);
	/* forward jumps leave skipping enabled */
	assert_int_equal(ac_tracker_skip_disabled(f.t), 0);
	done(&f);
}

static void test_jump_counts_fillers(void **state)
{
	struct fx f = make(alphabet);
	struct ac_position p;

	(void)state;
	fin(&f, "alpha bravo");
	/* Q5: the jump target adds the length of the whole final, the filler
	 * included: 8 (india) + 9 words */
	p = ac_tracker_update(f.t, "um india juliet kilo lima mike november "
				   "oscar papa", false);
	assert_true(p.is_jump);
	assert_int_equal(p.speakable_index, 17);
	done(&f);
}

static void test_jump_too_far_rejected(void **state)
{
	struct fx f = make(alphabet);
	struct ac_tracker_opts o = AC_TRACKER_OPTS_DEFAULT;
	struct ac_tracker *t;
	struct ac_position p;

	(void)state;
	/* the search radius is the limit too: with 3 nothing can be both
	 * more than jump_threshold away and within reach */
	o.max_jump_distance = 3;
	t = ac_tracker_new(f.s, &o);
	ac_tracker_update(t, "alpha bravo", false);
	p = ac_tracker_update(t, "lima mike november oscar papa", false);
	assert_false(p.is_jump);
	assert_int_equal(p.speakable_index, 2);
	ac_tracker_free(t);
	done(&f);
}

static void test_skip_disabled_after_backtrack(void **state)
{
	struct fx f = make(alphabet);

	(void)state;
	fin(&f, TO_TANGO);
	fin(&f, "echo foxtrot golf hotel india");
	assert_int_equal(ac_tracker_skip_disabled(f.t), 3);
	/* skipping is off: "kilo" (one word past juliet) is not reached */
	assert_int_equal(fin(&f, "kilo"), 9);
	assert_int_equal(fin(&f, "juliet"), 10);
	assert_int_equal(ac_tracker_skip_disabled(f.t), 2);
	done(&f);
}

static void test_repeats_do_not_jump(void **state)
{
	struct fx f = make("the cat is on the mat and the dog is on the rug "
			   "and they are happy");
	int at_mat;

	(void)state;
	fin(&f, "the cat is on the mat and");
	at_mat = ac_tracker_optimistic_position(f.t);
	fin(&f, "the cat is on the mat and the");
	assert_true(ac_tracker_optimistic_position(f.t) > at_mat);
	assert_false(ac_tracker_position(f.t).is_jump);
	done(&f);
}

static void test_public_detect_jump(void **state)
{
	struct fx f = make(alphabet);
	bool moved = true;
	int pos;

	(void)state;
	fin(&f, TO_TANGO);
	/* too few words: never a jump */
	pos = ac_tracker_detect_jump(f.t, "echo foxtrot", &moved);
	assert_false(moved);
	assert_int_equal(pos, 20);
	/* near the current position: trusted */
	pos = ac_tracker_detect_jump(f.t, "romeo sierra tango", &moved);
	assert_false(moved);
	pos = ac_tracker_detect_jump(f.t, "echo foxtrot golf hotel india",
				     &moved);
	assert_true(moved);
	assert_int_equal(pos, 9);
	assert_int_equal(ac_tracker_position(f.t).speakable_index, 9);
	assert_int_equal(ac_tracker_optimistic_position(f.t), 9);
	assert_true(ac_tracker_position(f.t).is_jump);
	done(&f);
}

static void test_find_best_match(void **state)
{
	struct fx f = make(alphabet);
	double score;
	int i;

	(void)state;
	i = ac_tracker_find_best_match(f.t, "kilo lima mike", &score);
	/* the first window holding all three, +2 for being ahead */
	assert_int_equal(i, 5);
	assert_true(score == 102.0);
	/* a lone word that normalizes to nothing: (current, 0) */
	i = ac_tracker_find_best_match(f.t, "\xe2\x80\x94", &score);
	assert_int_equal(i, 0);
	assert_true(score == 0.0);
	/* several such words still search: every window scores 0 + 2 */
	i = ac_tracker_find_best_match(f.t, "\xe2\x80\x94 \xe2\x80\xa6",
				       &score);
	assert_int_equal(i, 0);
	assert_true(score == 2.0);
	done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repeated_word_continues_forward),
		cmocka_unit_test(test_backtrack_detected),
		cmocka_unit_test(test_forward_jump),
		cmocka_unit_test(test_jump_counts_fillers),
		cmocka_unit_test(test_jump_too_far_rejected),
		cmocka_unit_test(test_skip_disabled_after_backtrack),
		cmocka_unit_test(test_repeats_do_not_jump),
		cmocka_unit_test(test_public_detect_jump),
		cmocka_unit_test(test_find_best_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
