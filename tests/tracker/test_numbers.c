// SPDX-License-Identifier: MIT
/*
 * Number expansion (TRACKER-SPEC.md §3): the reference's
 * tests/parser/test_number_expansion.py (118 tests, one function each, same
 * names) plus the exact example tables of the spec.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "numbers.h"
#include "script.h"

/* ---- helpers -------------------------------------------------------- */

static struct ac_arena arena;
static char joined[64][512];

/* Expands tok; returns the count (0 = not a number) and fills joined[]
 * with each alternative's words joined by spaces. */
static int expand(const char *tok)
{
	const struct ac_alt *alts;
	char err[200];
	int n, i, k;

	ac_arena_release(&arena);
	n = ac_number_expand(&arena, tok, strlen(tok), &alts, err, sizeof(err));
	assert_true(n >= 0);
	assert_true(n <= 64);
	for (i = 0; i < n; i++) {
		joined[i][0] = '\0';
		for (k = 0; k < alts[i].n; k++) {
			if (k)
				strcat(joined[i], " ");
			strcat(joined[i], alts[i].w[k]);
		}
	}
	return n;
}

static bool has(const char *tok, const char *phrase)
{
	int i, n = expand(tok);

	for (i = 0; i < n; i++)
		if (!strcmp(joined[i], phrase))
			return true;
	return false;
}

static bool has_word_in(const char *alt, const char *word)
{
	char buf[512], *save, *w;

	snprintf(buf, sizeof(buf), "%s", alt);
	for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (!strcmp(w, word))
			return true;
	return false;
}

/* Some alternative contains every one of the given words (NULL-ended). */
static bool any_with(const char *tok, ...)
{
	int i, n = expand(tok);
	const char *w;
	va_list ap;
	bool ok;

	for (i = 0; i < n; i++) {
		ok = true;
		va_start(ap, tok);
		while ((w = va_arg(ap, const char *)))
			ok = ok && has_word_in(joined[i], w);
		va_end(ap);
		if (ok)
			return true;
	}
	return false;
}

#define ANY(tok, ...) any_with(tok, __VA_ARGS__, (const char *)NULL)

static bool is_num(const char *tok)
{
	return ac_number_is_token(tok, strlen(tok));
}

/* Exactly these alternatives, in this order, '|'-separated. */
static void expect_exact(const char *tok, const char *list)
{
	char buf[4096], *save, *a;
	int i = 0, n = expand(tok);

	snprintf(buf, sizeof(buf), "%s", list);
	for (a = strtok_r(buf, "|", &save); a; a = strtok_r(NULL, "|", &save), i++) {
		if (i >= n)
			fail_msg("%s: missing alternative %d \"%s\"", tok, i, a);
		if (strcmp(joined[i], a))
			fail_msg("%s: alternative %d is \"%s\", want \"%s\"", tok,
				 i, joined[i], a);
	}
	if (i != n)
		fail_msg("%s: %d alternatives, want %d", tok, n, i);
}

static struct ac_script *parse(const char *md)
{
	char err[200];
	struct ac_script *s = ac_script_parse(md, strlen(md), err, sizeof(err));

	if (!s)
		fail_msg("parse failed: %s", err);
	return s;
}

static int count_expansions(const struct ac_script *s)
{
	int i, n = 0;

	for (i = 0; i < s->n; i++)
		n += s->words[i].nalts > 0;
	return n;
}

static const struct ac_word *first_expansion(const struct ac_script *s)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->words[i].nalts)
			return &s->words[i];
	return NULL;
}

static bool word_has(const struct ac_word *w, const char *phrase)
{
	char buf[512];
	int a, k;

	for (a = 0; a < w->nalts; a++) {
		buf[0] = '\0';
		for (k = 0; k < w->alts[a].n; k++) {
			if (k)
				strcat(buf, " ");
			strcat(buf, w->alts[a].w[k]);
		}
		if (!strcmp(buf, phrase) || (phrase[0] == '~' && has_word_in(buf, phrase + 1)))
			return true;
	}
	return false;
}

/* The script has exactly one expandable word and it has phrase ("~w": some
 * alternative contains word w). */
static void script_one(const char *md, const char *phrase)
{
	struct ac_script *s = parse(md);

	assert_int_equal(count_expansions(s), 1);
	assert_true(word_has(first_expansion(s), phrase));
	ac_script_free(s);
}

#define T(name) static void name(void **state)

/* ---- TestIsNumberToken --------------------------------------------- */

T(test_pure_integers)
{
	(void)state;
	assert_true(is_num("100") && is_num("1000") && is_num("1000000"));
	assert_true(is_num("0") && is_num("1"));
}

T(test_negative_integers)
{
	(void)state;
	assert_true(is_num("-100") && is_num("-1"));
}

T(test_comma_integers)
{
	(void)state;
	assert_true(is_num("1,100") && is_num("1,000,000"));
	assert_true(is_num("10,000") && is_num("11,000"));
}

T(test_decimals)
{
	(void)state;
	assert_true(is_num("3.07") && is_num("0.3") && is_num("0.33"));
	assert_true(is_num("0.5") && is_num("3.14159"));
}

T(test_ordinals)
{
	(void)state;
	assert_true(is_num("1st") && is_num("2nd") && is_num("3rd"));
	assert_true(is_num("4th") && is_num("23rd") && is_num("101st"));
	assert_true(is_num("1ST"));
}

T(test_mixed_alphanumeric_prefix)
{
	(void)state;
	assert_true(is_num("M3") && is_num("V8") && is_num("A1"));
	assert_true(is_num("iPhone12"));
}

T(test_mixed_alphanumeric_suffix)
{
	(void)state;
	assert_true(is_num("4K") && is_num("100GB") && is_num("4.05GHz"));
	assert_true(is_num("5m") && is_num("10s"));
}

T(test_comma_separated_with_units)
{
	(void)state;
	assert_true(is_num("300,000km") && is_num("1,000GB"));
	assert_true(is_num("10,000ms"));
}

T(test_currency)
{
	(void)state;
	assert_true(is_num("$100") && is_num("$1,000") && is_num("£500"));
	assert_true(is_num("€1,000") && is_num("¥5000"));
}

T(test_percent)
{
	(void)state;
	assert_true(is_num("25%") && is_num("1,000%") && is_num("0.5%"));
	assert_true(is_num("100%"));
}

T(test_regular_words_not_detected)
{
	(void)state;
	assert_false(is_num("hello") || is_num("world") || is_num("the"));
	assert_false(is_num("test"));
}

T(test_punctuation_not_detected)
{
	(void)state;
	assert_false(is_num("&") || is_num("/") || is_num(".") || is_num(","));
}

T(test_empty_and_whitespace)
{
	(void)state;
	assert_false(is_num("") || is_num("   "));
}

/* ---- TestExpandInteger --------------------------------------------- */

T(test_hundred)
{
	(void)state;
	assert_true(has("100", "one hundred"));
	assert_true(has("100", "a hundred"));
	assert_true(has("100", "one zero zero"));
}

T(test_eleven_hundred)
{
	(void)state;
	assert_true(ANY("1100", "thousand"));
	assert_true(has("1100", "eleven hundred"));
	assert_true(has("1100", "one one zero zero"));
}

T(test_twelve_hundred)
{
	(void)state;
	assert_true(has("1200", "twelve hundred"));
}

T(test_thousand)
{
	(void)state;
	assert_true(has("1000", "one thousand"));
	assert_true(has("1000", "a thousand"));
}

T(test_large_number)
{
	(void)state;
	assert_true(ANY("1000000", "million"));
}

T(test_small_numbers)
{
	(void)state;
	assert_true(has("1", "one"));
	assert_true(has("10", "ten"));
	assert_true(has("25", "twenty five"));
}

T(test_negative_integer)
{
	(void)state;
	expand("-100");
	assert_true(!strncmp(joined[0], "minus ", 6));
	assert_true(has("-100", "minus one hundred"));
}

/* ---- TestExpandDecimal --------------------------------------------- */

T(test_point_zero_seven)
{
	(void)state;
	assert_true(has("3.07", "three point zero seven"));
	assert_true(has("3.07", "three point oh seven"));
}

T(test_point_three)
{
	(void)state;
	assert_true(has("0.3", "zero point three"));
	assert_true(has("0.3", "point three"));
	assert_true(has("0.3", "oh point three"));
}

T(test_half)
{
	(void)state;
	assert_true(has("0.5", "half") || has("0.5", "one half"));
	assert_true(ANY("0.5", "point"));
}

T(test_quarter)
{
	(void)state;
	assert_true(has("0.25", "quarter") || has("0.25", "one quarter"));
}

T(test_third)
{
	(void)state;
	assert_true(has("0.33", "third") || has("0.33", "one third"));
	assert_true(has("0.33", "zero point three three"));
}

T(test_non_leading_zero_decimal)
{
	(void)state;
	assert_true(has("3.14", "three point one four"));
}

T(test_negative_decimal)
{
	(void)state;
	expand("-3.14");
	assert_true(!strncmp(joined[0], "minus ", 6));
}

/* ---- TestExpandOrdinal --------------------------------------------- */

T(test_first)
{
	(void)state;
	assert_true(has("1st", "first"));
}

T(test_second)
{
	(void)state;
	assert_true(has("2nd", "second"));
}

T(test_third_ordinal)
{
	(void)state;
	assert_true(has("3rd", "third"));
}

T(test_fourth)
{
	(void)state;
	assert_true(has("4th", "fourth"));
}

T(test_twenty_third)
{
	(void)state;
	assert_true(has("23rd", "twenty third"));
}

T(test_one_hundred_first)
{
	(void)state;
	assert_true(ANY("101st", "first"));
}

T(test_case_insensitive)
{
	(void)state;
	expect_exact("1ST", "first");
	expect_exact("2ND", "second");
	expect_exact("3RD", "third");
}

/* ---- TestExpandMixedAlphanumeric ----------------------------------- */

T(test_m3)
{
	(void)state;
	assert_true(has("M3", "m three"));
}

T(test_v8)
{
	(void)state;
	assert_true(has("V8", "v eight"));
}

T(test_4k)
{
	(void)state;
	assert_true(has("4K", "four k"));
	assert_true(has("4K", "four thousand"));
}

T(test_100gb)
{
	(void)state;
	assert_true(ANY("100GB", "g", "b"));
	assert_true(ANY("100GB", "gigabytes"));
}

T(test_5m_metres)
{
	(void)state;
	assert_true(has("5m", "five m"));
	assert_true(ANY("5m", "metres") || ANY("5m", "meters"));
}

T(test_10s_seconds)
{
	(void)state;
	assert_true(has("10s", "ten s"));
	assert_true(ANY("10s", "seconds"));
}

T(test_4_point_05_ghz)
{
	(void)state;
	assert_true(ANY("4.05GHz", "point"));
	assert_true(ANY("4.05GHz", "gigahertz"));
}

T(test_multi_letter_prefix)
{
	(void)state;
	int i, n = expand("iPhone12");
	bool first = false;

	for (i = 0; i < n; i++)
		first = first || !strncmp(joined[i], "iphone ", 7);
	assert_true(first);
	assert_true(ANY("iPhone12", "twelve"));
}

T(test_500ms_milliseconds)
{
	(void)state;
	assert_true(ANY("500ms", "five", "hundred", "m", "s"));
	assert_true(ANY("500ms", "milliseconds"));
	assert_true(has("500ms", "five hundred milliseconds") ||
		    has("500ms", "five hundred millisecond"));
}

/* ---- TestGetNumberExpansions --------------------------------------- */

T(test_returns_none_for_non_numbers)
{
	(void)state;
	assert_int_equal(expand("hello"), 0);
	assert_int_equal(expand("world"), 0);
	assert_int_equal(expand(""), 0);
}

T(test_returns_list_for_numbers)
{
	(void)state;
	assert_true(expand("100") > 0);
}

T(test_primary_expansion_first)
{
	(void)state;
	expand("100");
	assert_string_equal(joined[0], "one hundred");
}

T(test_ordinal_detection)
{
	(void)state;
	assert_true(has("1st", "first"));
}

T(test_comma_integer_detection)
{
	(void)state;
	assert_true(has("1,000", "one thousand"));
}

T(test_eleven_thousand_comma)
{
	(void)state;
	assert_true(has("11,000", "eleven thousand"));
	assert_true(has("11,000", "one one zero zero zero"));
}

T(test_decimal_detection)
{
	(void)state;
	assert_true(ANY("3.14", "point"));
}

T(test_mixed_prefix_detection)
{
	(void)state;
	assert_true(has("M3", "m three"));
}

T(test_mixed_suffix_detection)
{
	(void)state;
	assert_true(has("4K", "four k"));
}

T(test_currency_detection)
{
	(void)state;
	assert_true(has("$100", "one hundred dollars"));
	assert_true(ANY("£1,000", "thousand", "pounds"));
}

T(test_percent_detection)
{
	(void)state;
	assert_true(has("25%", "twenty five percent"));
	assert_true(has("1,000%", "one thousand percent"));
}

T(test_comma_unit_detection)
{
	(void)state;
	assert_true(ANY("300,000km", "three", "hundred", "thousand"));
}

/* ---- TestCommonFractions (the table, seen through expansions) ------ */

T(test_half_defined)
{
	(void)state;
	assert_true(has("0.5", "half"));
}

T(test_quarter_defined)
{
	(void)state;
	assert_true(has("0.25", "quarter"));
}

T(test_third_defined)
{
	(void)state;
	assert_true(has("0.33", "third"));
}

T(test_tenth_defined)
{
	(void)state;
	assert_true(has("0.1", "tenth"));
}

/* ---- TestUnitExpansions (the table, seen through expansions) ------- */

T(test_data_units_defined)
{
	(void)state;
	assert_true(has("1gb", "one gigabytes") && has("1mb", "one megabytes"));
	assert_true(has("1kb", "one kilobytes") && has("1tb", "one terabytes"));
}

T(test_frequency_units_defined)
{
	(void)state;
	assert_true(has("1hz", "one hertz") && has("1khz", "one kilohertz"));
	assert_true(has("1mhz", "one megahertz") && has("1ghz", "one gigahertz"));
}

T(test_distance_units_defined)
{
	(void)state;
	assert_true(has("1m", "one metres") && has("1km", "one kilometres"));
	assert_true(has("1cm", "one centimetres"));
}

T(test_time_units_defined)
{
	(void)state;
	assert_true(has("1s", "one seconds") && has("1ms", "one milliseconds"));
}

T(test_unit_has_letter_and_word_forms)
{
	(void)state;
	expect_exact("gb", "g b|gigabytes|gigabyte|gigs");
}

/* ---- TestIntegrationWithParser ------------------------------------- */

T(test_number_in_script_creates_speakable_words)
{
	(void)state;
	script_one("The answer is 100", "one hundred");
}

T(test_ordinal_in_script)
{
	(void)state;
	script_one("This is the 1st item", "first");
}

T(test_decimal_in_script)
{
	(void)state;
	script_one("The value is 3.14", "three point one four");
}

T(test_mixed_alphanumeric_in_script)
{
	(void)state;
	script_one("The display is 4K resolution", "four k");
}

T(test_get_all_expansions_returns_number_alternatives)
{
	(void)state;
	assert_true(expand("100") > 1);
	assert_true(has("100", "one hundred"));
}

T(test_number_creates_expansion_speakable_words)
{
	(void)state;
	struct ac_script *s = parse("Count to 100");

	assert_int_equal(count_expansions(s), 1);
	assert_true(first_expansion(s)->nalts >= 2);
	ac_script_free(s);
}

T(test_raw_to_speakable_mapping_correct)
{
	(void)state;
	struct ac_script *s = parse("100");

	assert_int_equal(s->nraw, 1);
	assert_int_equal(s->raw[0].n, 1);
	assert_true(word_has(&s->words[0], "one hundred"));
	ac_script_free(s);
}

T(test_500ms_in_script)
{
	(void)state;
	struct ac_script *s = parse("The latency is 500ms");
	const struct ac_word *w;
	int a;
	bool ok = false;

	assert_int_equal(count_expansions(s), 1);
	w = first_expansion(s);
	for (a = 0; a < w->nalts; a++)
		ok = ok || (w->alts[a].n >= 2 && !strcmp(w->alts[a].w[0], "five") &&
			    !strcmp(w->alts[a].w[1], "hundred"));
	assert_true(ok);
	ac_script_free(s);
}

T(test_currency_in_script)
{
	(void)state;
	script_one("The price is $1,000 dollars", "one thousand dollars");
}

T(test_percent_in_script)
{
	(void)state;
	script_one("The rate increased by 25% last year", "twenty five percent");
}

T(test_comma_unit_in_script)
{
	(void)state;
	script_one("The distance is 300,000km to the moon",
		   "three hundred thousand k m");
}

/* ---- TestExpandCurrency -------------------------------------------- */

T(test_dollar_100)
{
	(void)state;
	assert_true(has("$100", "one hundred dollars"));
	assert_true(has("$100", "a hundred dollars"));
}

T(test_dollar_1000_with_comma)
{
	(void)state;
	assert_true(has("$1,000", "one thousand dollars"));
	assert_true(has("$1,000", "a thousand dollars"));
}

T(test_pound_500)
{
	(void)state;
	assert_true(has("£500", "five hundred pounds"));
}

T(test_euro_1000)
{
	(void)state;
	assert_true(has("€1,000", "one thousand euros"));
}

T(test_yen_5000)
{
	(void)state;
	assert_true(has("¥5000", "five thousand yen"));
}

T(test_currency_with_decimal)
{
	(void)state;
	assert_true(ANY("$3.50", "point"));
	assert_true(ANY("$3.50", "dollars"));
}

/* ---- TestExpandPercent --------------------------------------------- */

T(test_25_percent)
{
	(void)state;
	assert_true(has("25%", "twenty five percent"));
}

T(test_100_percent)
{
	(void)state;
	assert_true(has("100%", "one hundred percent"));
	assert_true(has("100%", "a hundred percent"));
}

T(test_1000_percent_with_comma)
{
	(void)state;
	assert_true(has("1,000%", "one thousand percent"));
}

T(test_decimal_percent)
{
	(void)state;
	int i, n = expand("0.5%");

	for (i = 0; i < n; i++) {
		size_t l = strlen(joined[i]);

		assert_true(l >= 8 && !strcmp(joined[i] + l - 8, " percent"));
	}
	assert_true(ANY("0.5%", "point"));
}

/* ---- TestCommaInUnits ---------------------------------------------- */

T(test_300000km_with_comma)
{
	(void)state;
	int i, n = expand("300,000km");
	bool ok = false;

	for (i = 0; i < n; i++)
		ok = ok || !strncmp(joined[i], "three hundred thousand ", 23);
	assert_true(ok);
}

T(test_1000gb_with_comma)
{
	(void)state;
	assert_true(ANY("1,000GB", "gigabytes"));
	assert_true(ANY("1,000GB", "thousand"));
}

T(test_10000ms_with_comma)
{
	(void)state;
	assert_true(ANY("10,000ms", "milliseconds"));
}

/* ---- TestEdgeCases ------------------------------------------------- */

T(test_zero)
{
	(void)state;
	assert_true(has("0", "zero"));
}

T(test_very_large_number)
{
	(void)state;
	assert_true(ANY("1000000000", "billion"));
}

T(test_leading_zeros_decimal)
{
	(void)state;
	assert_true(has("0.007", "zero point zero zero seven"));
}

T(test_whitespace_handling)
{
	(void)state;
	assert_true(is_num("  100  "));
	assert_true(expand("  100  ") > 0);
}

T(test_single_digit_ordinals)
{
	(void)state;
	static const char *const t[] = {
		"1st", "2nd", "3rd", "4th", "5th", "6th", "7th", "8th", "9th",
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_true(expand(t[i]) > 0);
}

T(test_teen_ordinals)
{
	(void)state;
	assert_true(has("11th", "eleventh"));
	assert_true(has("12th", "twelfth"));
	assert_true(has("13th", "thirteenth"));
}

/* ---- TestRateUnits ------------------------------------------------- */

T(test_rate_unit_is_number_token)
{
	(void)state;
	assert_true(is_num("100GB/s") && is_num("1000MB/s"));
}

T(test_rate_unit_expansion)
{
	(void)state;
	assert_true(ANY("100GB/s", "per"));
}

T(test_rate_unit_with_full_words)
{
	(void)state;
	assert_true(ANY("100GB/s", "gigabytes", "second"));
}

T(test_rate_unit_in_script)
{
	(void)state;
	script_one("Memory bandwidth might be 100GB/s", "~per");
}

/* ---- TestUnitOnlyRates --------------------------------------------- */

T(test_ms_is_number_token)
{
	(void)state;
	assert_true(is_num("m/s"));
}

T(test_kmh_is_number_token)
{
	(void)state;
	assert_true(is_num("km/h"));
}

T(test_fts_is_number_token)
{
	(void)state;
	assert_true(is_num("ft/s"));
}

T(test_ms_expansion)
{
	(void)state;
	assert_true(ANY("m/s", "metres", "per", "second") ||
		    ANY("m/s", "meters", "per", "second"));
	assert_true(has("m/s", "m per s"));
}

T(test_kmh_expansion)
{
	(void)state;
	assert_true(ANY("km/h", "kilometres", "per", "hour") ||
		    ANY("km/h", "kilometers", "per", "hour"));
}

T(test_fts_expansion)
{
	(void)state;
	assert_true(ANY("ft/s", "feet", "per", "second") ||
		    ANY("ft/s", "foot", "per", "second"));
}

T(test_mph_no_slash)
{
	(void)state;
	assert_int_equal(expand("mph"), 0);
}

T(test_ms_in_script)
{
	(void)state;
	struct ac_script *s = parse("The velocity is 10 m/s");
	int i, per = 0;

	assert_int_equal(count_expansions(s), 2);
	for (i = 0; i < s->n; i++)
		per += s->words[i].nalts && word_has(&s->words[i], "~per");
	assert_true(per >= 1);
	ac_script_free(s);
}

T(test_combined_number_and_unit_rate)
{
	(void)state;
	assert_true(ANY("10m/s", "ten", "metres", "per") ||
		    ANY("10m/s", "ten", "meters", "per"));
}

/* ---- TestStandaloneUnits ------------------------------------------- */

T(test_km_is_number_token_standalone)
{
	(void)state;
	assert_true(is_num("km"));
}

T(test_ms_is_number_token_standalone)
{
	(void)state;
	assert_true(is_num("ms"));
}

T(test_gb_is_number_token)
{
	(void)state;
	assert_true(is_num("gb"));
}

/* every safe unit, in either case, and only those (is_safe_unit is a
 * switch over packed letters: a missing or extra case shows here) */
T(test_every_safe_unit_is_number_token)
{
	static const char *const units[] = {
		"kb", "mb", "gb", "tb", "pb", "km", "cm", "mm", "mi", "ft",
		"yd", "ms", "ns", "hr", "hrs", "hz", "khz", "mhz", "ghz", "kg",
		"mg", "lb", "lbs", "oz", "ml", "px", "db", "kw", "mw", "ma",
	};
	static const char *const not_units[] = {
		"kbs", "kbb", "bk", "zz", "ab", "the", "is", "hrz", "khs",
		"gh", "lbb", "mhzz", "kmh",
	};
	char up[8];

	(void)state;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t k;

		if (!is_num(units[i]))
			fail_msg("\"%s\" is not a number token", units[i]);
		for (k = 0; units[i][k]; k++)
			up[k] = (char)(units[i][k] - 'a' + 'A');
		up[k] = '\0';
		if (!is_num(up))
			fail_msg("\"%s\" is not a number token", up);
		up[0] = units[i][0];	/* mixed case: "kB" */
		if (!is_num(up))
			fail_msg("\"%s\" is not a number token", up);
	}
	for (size_t i = 0; i < sizeof(not_units) / sizeof(not_units[0]); i++)
		if (is_num(not_units[i]))
			fail_msg("\"%s\" is a number token", not_units[i]);
}

T(test_single_char_m_not_number_token)
{
	(void)state;
	assert_false(is_num("m"));
}

T(test_single_char_s_not_number_token)
{
	(void)state;
	assert_false(is_num("s"));
}

T(test_km_expansion)
{
	(void)state;
	assert_true(has("km", "k m"));
	assert_true(has("km", "kilometres") || has("km", "kilometers"));
}

T(test_ms_expansion_standalone)
{
	(void)state;
	assert_true(has("ms", "m s"));
	assert_true(has("ms", "milliseconds") || has("ms", "millisecond"));
}

T(test_gb_expansion)
{
	(void)state;
	assert_true(has("gb", "g b"));
	assert_true(has("gb", "gigabytes") || has("gb", "gigabyte"));
}

T(test_hz_expansion)
{
	(void)state;
	assert_true(has("hz", "h z"));
	assert_true(has("hz", "hertz"));
}

T(test_unknown_unit_not_expanded)
{
	(void)state;
	assert_int_equal(expand("xyz"), 0);
}

T(test_standalone_unit_in_script)
{
	(void)state;
	script_one("The distance is measured in km", "kilometres");
}

/* ---- The spec's example tables, exact and in order ----------------- */

T(spec_integers)
{
	(void)state;
	expect_exact("0", "zero");
	expect_exact("13", "thirteen|one three");
	expect_exact("100", "one hundred|a hundred|one zero zero");
	expect_exact("101", "one hundred and one|a hundred and one|one zero one");
	expect_exact("1100", "one thousand one hundred|a thousand one hundred|"
		     "eleven hundred|one one zero zero");
	expect_exact("1,100", "one thousand one hundred|a thousand one hundred|"
		     "eleven hundred|one one zero zero");
	expect_exact("1984", "one thousand nine hundred and eighty four|"
		     "a thousand nine hundred and eighty four|"
		     "nineteen hundred eighty four|one nine eight four");
	expect_exact("2000", "two thousand|twenty hundred|two zero zero zero");
	expect_exact("2024", "two thousand and twenty four|"
		     "twenty hundred twenty four|two zero two four");
	expect_exact("1,000,000", "one million|one zero zero zero zero zero zero");
	expect_exact("007", "seven");
	expect_exact("-5", "minus five");
	expect_exact("-100", "minus one hundred|minus one zero zero");
}

T(spec_cardinals)
{
	(void)state;
	expand("1001");
	assert_string_equal(joined[0], "one thousand and one");
	expand("1250");
	assert_string_equal(joined[0], "one thousand two hundred and fifty");
	expand("101000");
	assert_string_equal(joined[0], "one hundred and one thousand");
	expand("123456789");
	assert_string_equal(joined[0], "one hundred and twenty three million "
			    "four hundred and fifty six thousand seven hundred "
			    "and eighty nine");
	expect_exact("1000th", "one thousandth");
	expect_exact("101st", "one hundred and first");
	expect_exact("21st", "twenty first");
	expect_exact("12th", "twelfth");
	expect_exact("20th", "twentieth");
	expect_exact("0th", "zeroth");
}

T(spec_huge_numbers)
{
	(void)state;
	const struct ac_alt *alts;
	char tok[400], err[200];
	int n;

	/* 10^33 is the first Latin-prefixed scale word */
	memset(tok, '0', 34);
	tok[0] = '1';
	tok[34] = '\0';
	expand(tok);
	assert_string_equal(joined[0], "one decillion");
	/* 999 centillion ... is the largest nameable value */
	memset(tok, '9', 306);
	tok[306] = '\0';
	assert_true(expand(tok) > 0);
	assert_true(!strncmp(joined[0], "nine hundred and ninety nine centillion ", 40));
	/* 10^306 has no name: an error with a reason */
	memset(tok, '0', 307);
	tok[0] = '1';
	tok[307] = '\0';
	ac_arena_release(&arena);
	n = ac_number_expand(&arena, tok, strlen(tok), &alts, err, sizeof(err));
	assert_int_equal(n, -1);
	assert_non_null(strstr(err, "too large"));
	/* leading zeros do not count */
	memset(tok, '0', 350);
	tok[349] = '7';
	tok[350] = '\0';
	expect_exact(tok, "seven");
}

T(spec_decimals)
{
	(void)state;
	expect_exact("3.14", "three point one four");
	expect_exact("3.07", "three point zero seven|three point oh seven");
	expect_exact("0.5", "zero point five|point five|oh point five|half|"
		     "one half|a half");
	expect_exact("0.01", "zero point zero one|zero point oh one|"
		     "point zero one|oh point zero one");
	expect_exact("-0.5", "minus zero point five");
	expect_exact("10.5", "ten point five");
	expect_exact("0.75", "zero point seven five|point seven five|"
		     "oh point seven five|three quarters");
}

T(spec_currency_percent)
{
	(void)state;
	expect_exact("$100", "one hundred dollar|one hundred dollars|"
		     "a hundred dollar|a hundred dollars|one zero zero dollar|"
		     "one zero zero dollars");
	expect_exact("25%", "twenty five percent|two five percent");
	expect_exact("¥5", "five yen");
}

T(spec_mixed)
{
	(void)state;
	expect_exact("M3", "m three");
	expect_exact("ABC123", "abc one hundred and twenty three|"
		     "abc a hundred and twenty three|abc one two three");
	expect_exact("v2.0", "v two point zero|v two point oh");
	expect_exact("4K", "four k|four thousand");
	expect_exact("3pm", "three p m");
	expect_exact("km", "k m|kilometres|kilometers");
	expect_exact("m/s", "m per s|m per seconds|m per second|metres per s|"
		     "metres per seconds|metres per second|meters per s|"
		     "meters per seconds|meters per second");
	/* quirk Q13: any letters/letters is a unit-only rate */
	expect_exact("and/or", "a n d per o r");
	assert_true(has("16gb", "sixteen g b"));
	assert_true(has("16gb", "sixteen gigs"));
	assert_true(has("1990s", "one thousand nine hundred and ninety seconds"));
}

/* Python's int() reads any Unicode decimal digits: runs of ten that may
 * follow one another (the mathematical digits are five runs in a row). */
T(spec_unicode_digits)
{
	(void)state;
	assert_true(has("\u0664\u0662", "forty two"));		/* Arabic-Indic */
	assert_true(has("\U0001D7DD\U0001D7DD", "fifty five"));	/* double-struck */
	assert_true(has("\U0001D7D3\U0001D7D7", "fifty nine"));	/* bold */
	assert_true(has("\U0001D7FF\U0001D7F6", "ninety"));	/* monospace */
}

/* A too-large number after a long prefix says so, not "out of memory". */
T(spec_too_large_after_prefix)
{
	char tok[420], err[200];
	const struct ac_alt *alts;

	(void)state;
	memset(tok, '9', sizeof(tok) - 1);
	memcpy(tok, "abc", 3);
	tok[sizeof(tok) - 1] = '\0';
	ac_arena_release(&arena);
	assert_true(ac_number_expand(&arena, tok, strlen(tok), &alts, err,
				     sizeof(err)) < 0);
	assert_non_null(strstr(err, "too large"));
}

T(spec_not_numbers)
{
	(void)state;
	static const char *const t[] = {
		"1/2", "24/7", "64-bit", "COVID-19", "B2B", "H2O", "5°C", "#1",
		"1.2.3", "1,234.5x/", "in", "min", "us", "mph", "1,00",
		"12,34,567",
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (is_num(t[i]))
			fail_msg("%s taken for a number", t[i]);
	assert_true(is_num("COVID19") && is_num("v2.0") && is_num("300,000km"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pure_integers),
		cmocka_unit_test(test_negative_integers),
		cmocka_unit_test(test_comma_integers),
		cmocka_unit_test(test_decimals),
		cmocka_unit_test(test_ordinals),
		cmocka_unit_test(test_mixed_alphanumeric_prefix),
		cmocka_unit_test(test_mixed_alphanumeric_suffix),
		cmocka_unit_test(test_comma_separated_with_units),
		cmocka_unit_test(test_currency),
		cmocka_unit_test(test_percent),
		cmocka_unit_test(test_regular_words_not_detected),
		cmocka_unit_test(test_punctuation_not_detected),
		cmocka_unit_test(test_empty_and_whitespace),
		cmocka_unit_test(test_hundred),
		cmocka_unit_test(test_eleven_hundred),
		cmocka_unit_test(test_twelve_hundred),
		cmocka_unit_test(test_thousand),
		cmocka_unit_test(test_large_number),
		cmocka_unit_test(test_small_numbers),
		cmocka_unit_test(test_negative_integer),
		cmocka_unit_test(test_point_zero_seven),
		cmocka_unit_test(test_point_three),
		cmocka_unit_test(test_half),
		cmocka_unit_test(test_quarter),
		cmocka_unit_test(test_third),
		cmocka_unit_test(test_non_leading_zero_decimal),
		cmocka_unit_test(test_negative_decimal),
		cmocka_unit_test(test_first),
		cmocka_unit_test(test_second),
		cmocka_unit_test(test_third_ordinal),
		cmocka_unit_test(test_fourth),
		cmocka_unit_test(test_twenty_third),
		cmocka_unit_test(test_one_hundred_first),
		cmocka_unit_test(test_case_insensitive),
		cmocka_unit_test(test_m3),
		cmocka_unit_test(test_v8),
		cmocka_unit_test(test_4k),
		cmocka_unit_test(test_100gb),
		cmocka_unit_test(test_5m_metres),
		cmocka_unit_test(test_10s_seconds),
		cmocka_unit_test(test_4_point_05_ghz),
		cmocka_unit_test(test_multi_letter_prefix),
		cmocka_unit_test(test_500ms_milliseconds),
		cmocka_unit_test(test_returns_none_for_non_numbers),
		cmocka_unit_test(test_returns_list_for_numbers),
		cmocka_unit_test(test_primary_expansion_first),
		cmocka_unit_test(test_ordinal_detection),
		cmocka_unit_test(test_comma_integer_detection),
		cmocka_unit_test(test_eleven_thousand_comma),
		cmocka_unit_test(test_decimal_detection),
		cmocka_unit_test(test_mixed_prefix_detection),
		cmocka_unit_test(test_mixed_suffix_detection),
		cmocka_unit_test(test_currency_detection),
		cmocka_unit_test(test_percent_detection),
		cmocka_unit_test(test_comma_unit_detection),
		cmocka_unit_test(test_half_defined),
		cmocka_unit_test(test_quarter_defined),
		cmocka_unit_test(test_third_defined),
		cmocka_unit_test(test_tenth_defined),
		cmocka_unit_test(test_data_units_defined),
		cmocka_unit_test(test_frequency_units_defined),
		cmocka_unit_test(test_distance_units_defined),
		cmocka_unit_test(test_time_units_defined),
		cmocka_unit_test(test_unit_has_letter_and_word_forms),
		cmocka_unit_test(test_number_in_script_creates_speakable_words),
		cmocka_unit_test(test_ordinal_in_script),
		cmocka_unit_test(test_decimal_in_script),
		cmocka_unit_test(test_mixed_alphanumeric_in_script),
		cmocka_unit_test(test_get_all_expansions_returns_number_alternatives),
		cmocka_unit_test(test_number_creates_expansion_speakable_words),
		cmocka_unit_test(test_raw_to_speakable_mapping_correct),
		cmocka_unit_test(test_500ms_in_script),
		cmocka_unit_test(test_currency_in_script),
		cmocka_unit_test(test_percent_in_script),
		cmocka_unit_test(test_comma_unit_in_script),
		cmocka_unit_test(test_dollar_100),
		cmocka_unit_test(test_dollar_1000_with_comma),
		cmocka_unit_test(test_pound_500),
		cmocka_unit_test(test_euro_1000),
		cmocka_unit_test(test_yen_5000),
		cmocka_unit_test(test_currency_with_decimal),
		cmocka_unit_test(test_25_percent),
		cmocka_unit_test(test_100_percent),
		cmocka_unit_test(test_1000_percent_with_comma),
		cmocka_unit_test(test_decimal_percent),
		cmocka_unit_test(test_300000km_with_comma),
		cmocka_unit_test(test_1000gb_with_comma),
		cmocka_unit_test(test_10000ms_with_comma),
		cmocka_unit_test(test_zero),
		cmocka_unit_test(test_very_large_number),
		cmocka_unit_test(test_leading_zeros_decimal),
		cmocka_unit_test(test_whitespace_handling),
		cmocka_unit_test(test_single_digit_ordinals),
		cmocka_unit_test(test_teen_ordinals),
		cmocka_unit_test(test_rate_unit_is_number_token),
		cmocka_unit_test(test_rate_unit_expansion),
		cmocka_unit_test(test_rate_unit_with_full_words),
		cmocka_unit_test(test_rate_unit_in_script),
		cmocka_unit_test(test_ms_is_number_token),
		cmocka_unit_test(test_kmh_is_number_token),
		cmocka_unit_test(test_fts_is_number_token),
		cmocka_unit_test(test_ms_expansion),
		cmocka_unit_test(test_kmh_expansion),
		cmocka_unit_test(test_fts_expansion),
		cmocka_unit_test(test_mph_no_slash),
		cmocka_unit_test(test_ms_in_script),
		cmocka_unit_test(test_combined_number_and_unit_rate),
		cmocka_unit_test(test_km_is_number_token_standalone),
		cmocka_unit_test(test_ms_is_number_token_standalone),
		cmocka_unit_test(test_gb_is_number_token),
		cmocka_unit_test(test_every_safe_unit_is_number_token),
		cmocka_unit_test(test_single_char_m_not_number_token),
		cmocka_unit_test(test_single_char_s_not_number_token),
		cmocka_unit_test(test_km_expansion),
		cmocka_unit_test(test_ms_expansion_standalone),
		cmocka_unit_test(test_gb_expansion),
		cmocka_unit_test(test_hz_expansion),
		cmocka_unit_test(test_unknown_unit_not_expanded),
		cmocka_unit_test(test_standalone_unit_in_script),
		cmocka_unit_test(spec_integers),
		cmocka_unit_test(spec_cardinals),
		cmocka_unit_test(spec_huge_numbers),
		cmocka_unit_test(spec_decimals),
		cmocka_unit_test(spec_currency_percent),
		cmocka_unit_test(spec_mixed),
		cmocka_unit_test(spec_unicode_digits),
		cmocka_unit_test(spec_too_large_after_prefix),
		cmocka_unit_test(spec_not_numbers),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);

	ac_arena_release(&arena);
	return r;
}
