// SPDX-License-Identifier: MIT
/* test_tracker_expansion.c - numbers and spoken punctuation matched in any
 * of their accepted forms (the reference's test_expansion_matching.py). */
#include "tracker_fixture.h"

/* "prefix" then "prefix + spoken": the expansion must move the position */
static void advances(const char *md, const char *prefix, const char *spoken)
{
	assert_advances(md, prefix, spoken, false);
}

/* the next speakable word after one final on a fresh tracker */
static int said(const char *md, const char *text)
{
	return AFTER(md, text).speakable_index;
}

static void test_punctuation_forms(void **state)
{
	(void)state;
	advances("Press A / B to continue", "press a", "press a slash");
	advances("Press A / B to continue", "press a", "press a or");
	advances("Press A / B to continue", "press a", "press a forward slash");
	advances("Press A & B to continue", "press a", "press a and");
	advances("Press A & B to continue", "press a", "press a ampersand");
	advances("Calculate 5 + 3", "calculate five", "calculate five plus");
	advances("Email me @ example dot com", "email me", "email me at");
	advances("The rate is 50 % annually", "the rate is fifty",
		 "the rate is fifty percent");
	advances("So 2 + 2 = 4", "so two plus two", "so two plus two equals");
}

static void test_number_forms(void **state)
{
	static const char *const forms[] = {
		"one hundred", "a hundred", "one zero zero",
	};
	static const char *const forms1100[] = {
		"eleven hundred", "one thousand one hundred",
		"a thousand one hundred", "one one zero zero",
	};
	char buf[128];

	(void)state;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		snprintf(buf, sizeof(buf), "we have %s apples", forms[i]);
		assert_int_equal(said("We have 100 apples today", buf), 4);
	}
	for (size_t i = 0; i < sizeof(forms1100) / sizeof(forms1100[0]); i++) {
		snprintf(buf, sizeof(buf), "we sold %s units", forms1100[i]);
		assert_int_equal(said("We sold 1,100 units today", buf), 4);
	}
}

static void test_partial_expansion_holds_position(void **state)
{
	struct fx f = make("We sold 1,100 units today");

	(void)state;
	/* half an expansion keeps the position on the token */
	assert_int_equal(fin(&f, "we sold eleven"), 2);
	assert_int_equal(ac_tracker_active_expansions(f.t), 1);
	assert_int_equal(ac_tracker_expansion_position(f.t), 1);
	done(&f);
}

static void test_expansion_state_cleared_on_mismatch(void **state)
{
	struct fx f = make("We sold 1,100 units today");

	(void)state;
	fin(&f, "we sold eleven");
	/* the next word does not continue it: W is cleared and the word is
	 * retried as a first word */
	fin(&f, "banana");
	assert_int_equal(ac_tracker_active_expansions(f.t), 0);
	done(&f);
}

static void test_to_the_power_completes_early(void **state)
{
	struct fx f = make("two ^ three is eight");

	(void)state;
	/* "to the power" completes before "of" is heard; "of" is then just an
	 * unmatched word */
	assert_int_equal(fin(&f, "two to the power"), 2);
	assert_int_equal(fin(&f, "of three is"), 4);
	done(&f);
}

static void test_decimal_and_fraction(void **state)
{
	(void)state;
	assert_int_equal(said("Add 0.5 cups of flour", "add half cups of"), 4);
	assert_int_equal(said("Pi is 3.14 roughly",
			      "pi is three point one four roughly"), 4);
}

static void test_currency_percent_ordinal(void **state)
{
	(void)state;
	assert_int_equal(said("It costs $100 now",
			      "it costs one hundred dollars now"), 4);
	assert_int_equal(said("Growth was 25% this year",
			      "growth was twenty five percent this"), 4);
	assert_int_equal(said("On the 21st day", "on the twenty first day"),
			 4);
}

static void test_units_and_rates(void **state)
{
	(void)state;
	assert_int_equal(said("It runs at 4.05GHz easily",
			      "it runs at four point zero five gigahertz "
			      "easily"), 5);
	assert_int_equal(said("Light moves 300,000km/s fast",
			      "light moves three hundred thousand "
			      "kilometres per second fast"), 4);
	assert_int_equal(said("Speed in m/s matters",
			      "speed in metres per second matters"), 4);
}

static void test_no_year_reading(void **state)
{
	struct fx f = make("In 1984 we met");

	(void)state;
	/* "nineteen eighty four" is not an accepted form; "nineteen hundred
	 * eighty four" is */
	assert_int_equal(fin(&f, "in nineteen hundred eighty four we"), 3);
	done(&f);
}

static void test_curly_quotes_plain_word(void **state)
{
	struct fx f = make("The \xe2\x80\x9c" "100\xe2\x80\x9d club");

	(void)state;
	/* “100” is the plain word 100 (Q12): "one hundred" does not say it */
	assert_int_equal(f.s->words[1].nalts, 0);
	assert_string_equal(f.s->words[1].text, "100");
	done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_punctuation_forms),
		cmocka_unit_test(test_number_forms),
		cmocka_unit_test(test_partial_expansion_holds_position),
		cmocka_unit_test(test_expansion_state_cleared_on_mismatch),
		cmocka_unit_test(test_to_the_power_completes_early),
		cmocka_unit_test(test_decimal_and_fraction),
		cmocka_unit_test(test_currency_percent_ordinal),
		cmocka_unit_test(test_units_and_rates),
		cmocka_unit_test(test_no_year_reading),
		cmocka_unit_test(test_curly_quotes_plain_word),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
