// SPDX-License-Identifier: MIT
/* test_tracker_expansion.c - numbers and spoken punctuation matched in any
 * of their accepted forms (the reference's test_expansion_matching.py). */
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

static int fin(struct fx *f, const char *text)
{
	return ac_tracker_update(f->t, text, false).speakable_index;
}

/* "prefix" then "prefix + spoken": the expansion must move the position */
static void advances(const char *md, const char *prefix, const char *spoken)
{
	struct fx f = make(md);
	int before = fin(&f, prefix), after;

	after = fin(&f, spoken);
	if (after <= before)
		fail_msg("%s: '%s' did not advance past '%s' (%d -> %d)", md,
			 spoken, prefix, before, after);
	done(&f);
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

	(void)state;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct fx f = make("We have 100 apples today");
		char buf[128];

		snprintf(buf, sizeof(buf), "we have %s apples", forms[i]);
		assert_int_equal(fin(&f, buf), 4);
		done(&f);
	}
	for (size_t i = 0; i < sizeof(forms1100) / sizeof(forms1100[0]); i++) {
		struct fx f = make("We sold 1,100 units today");
		char buf[128];

		snprintf(buf, sizeof(buf), "we sold %s units", forms1100[i]);
		assert_int_equal(fin(&f, buf), 4);
		done(&f);
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
	struct fx f = make("Add 0.5 cups of flour");
	struct fx g = make("Pi is 3.14 roughly");

	(void)state;
	assert_int_equal(fin(&f, "add half cups of"), 4);
	assert_int_equal(fin(&g, "pi is three point one four roughly"), 4);
	done(&f);
	done(&g);
}

static void test_currency_percent_ordinal(void **state)
{
	struct fx f = make("It costs $100 now");
	struct fx g = make("Growth was 25% this year");
	struct fx h = make("On the 21st day");

	(void)state;
	assert_int_equal(fin(&f, "it costs one hundred dollars now"), 4);
	assert_int_equal(fin(&g, "growth was twenty five percent this"), 4);
	assert_int_equal(fin(&h, "on the twenty first day"), 4);
	done(&f);
	done(&g);
	done(&h);
}

static void test_units_and_rates(void **state)
{
	struct fx f = make("It runs at 4.05GHz easily");
	struct fx g = make("Light moves 300,000km/s fast");
	struct fx h = make("Speed in m/s matters");

	(void)state;
	assert_int_equal(fin(&f, "it runs at four point zero five gigahertz "
				 "easily"), 5);
	assert_int_equal(fin(&g, "light moves three hundred thousand "
				 "kilometres per second fast"), 4);
	assert_int_equal(fin(&h, "speed in metres per second matters"), 4);
	done(&f);
	done(&g);
	done(&h);
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
