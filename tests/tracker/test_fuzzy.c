// SPDX-License-Identifier: MIT
/* test_fuzzy.c - rapidfuzz-compatible scores (TRACKER-SPEC.md §4). Expected
 * values are rapidfuzz 3.x outputs; comparisons are exact because the
 * tracker compares them with thresholds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fuzzy.h"

/* a scorer's expected values: (a, b) -> score, compared exactly */
struct score {
	const char *a, *b;
	double want;
};

static void check_scores(double (*scorer)(const char *, const char *),
			 const char *name, const struct score *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double got = scorer(v[i].a, v[i].b);

		if (!(got == v[i].want))
			fail_msg("%s(\"%s\", \"%s\") = %.17g, expected %.17g",
				 name, v[i].a, v[i].b, got, v[i].want);
	}
}

static void test_ratio_values(void **state)
{
	static const struct score v[] = {
		{ "abc", "abd", 66.66666666666667 },
		{ "hello", "helo", 88.88888888888889 },
		{ "the", "a", 0.0 },
		{ "cat", "cut", 66.66666666666667 },
		{ "", "", 100.0 },
		{ "abc", "", 0.0 },
		{ "same", "same", 100.0 },
		/* code points, not bytes: é is one character */
		{ "café", "cafe", 75.0 },
		{ "recognise", "recognize", 88.88888888888889 },
	};

	(void)state;
	check_scores(ac_ratio, "ratio", v, sizeof(v) / sizeof(v[0]));
}

static void test_token_set_values(void **state)
{
	static const struct score v[] = {
		/* different float formula from ratio (§4) */
		{ "abc", "abd", 66.66666666666666 },
		{ "", "abc", 0.0 },
		{ "   ", "abc", 0.0 },
		/* one set inside the other */
		{ "fox", "the quick brown fox", 100.0 },
		{ "b a", "a b", 100.0 },
		/* rapidfuzz: token_set_ratio("fuzzy was a bear", "fuzzy fuzzy
		 * was a bear") = 100, and the classic example below */
		{ "fuzzy was a bear", "fuzzy fuzzy was a bear", 100.0 },
		/* sect = "a", ab = "x", ba = "y": r0 = 100 - 100*2/6 beats
		 * r1 = r2 = 100 - 100*2/4 */
		{ "a x", "a y", 100.0 - 100.0 * 2.0 / 6.0 },
	};

	(void)state;
	check_scores(ac_token_set_ratio, "token_set_ratio", v,
		     sizeof(v) / sizeof(v[0]));
}

static size_t lcs_dp(const uint32_t *a, size_t la, const uint32_t *b,
		     size_t lb)
{
	size_t *row = calloc(lb + 1, sizeof(*row)), res;

	for (size_t i = 1; i <= la; i++) {
		size_t diag = 0;

		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];

			if (a[i - 1] == b[j - 1])
				row[j] = diag + 1;
			else if (row[j - 1] > row[j])
				row[j] = row[j - 1];
			diag = up;
		}
	}
	res = row[lb];
	free(row);
	return res;
}

/* The bit-parallel LCS against the textbook DP, across the one-word and
 * multi-word paths and with characters beyond Latin-1. */
static void test_lcs_random(void **state)
{
	uint32_t a[300], b[300];
	unsigned seed = 12345;

	(void)state;
	for (int round = 0; round < 2000; round++) {
		size_t la = (size_t)(rand_r(&seed) % 200);
		size_t lb = (size_t)(rand_r(&seed) % 200);
		uint32_t alpha = (uint32_t)(rand_r(&seed) % 6) + 2;

		for (size_t i = 0; i < la; i++) {
			a[i] = 'a' + (uint32_t)rand_r(&seed) % alpha;
			if (rand_r(&seed) % 7 == 0)
				a[i] += 0x400;
		}
		for (size_t i = 0; i < lb; i++) {
			b[i] = 'a' + (uint32_t)rand_r(&seed) % alpha;
			if (rand_r(&seed) % 7 == 0)
				b[i] += 0x400;
		}
		assert_int_equal(ac_lcs(a, la, b, lb), lcs_dp(a, la, b, lb));
	}
}

/* UTF-8 itself is test_utf8's; here only what a scorer makes of bad input */
static void test_invalid_utf8_scores_zero(void **state)
{
	(void)state;
	assert_true(ac_ratio("\xff", "a") == 0.0);
	assert_true(ac_token_set_ratio("a", "\xc3") == 0.0);
}

static void test_ratio_bound(void **state)
{
	(void)state;
	/* the bound is the ratio of two strings sharing all of the shorter */
	assert_true(ac_ratio_bound(3, 4) == ac_ratio("abc", "abcd"));
	assert_true(ac_ratio_bound(0, 0) == 100.0);
	assert_true(ac_ratio_bound(2, 8) < 70.0);
}

/* The word comparisons' integer cut: for every length sum it keeps and
 * every distance, the same answer as the float ratio, thresholds at the
 * edges (0, 100, beyond, NaN) and between representable ratios included. */
static void test_ratio_cut(void **state)
{
	const double thr[] = { 70.0, 75.0, 65.0, 0.0, -3.0, 100.0, 100.5,
			       66.66666666666667, 50.0, 99.99, 1e-300,
			       __builtin_nan("") };
	struct ac_ratio_cut c;

	(void)state;
	for (size_t k = 0; k < sizeof(thr) / sizeof(thr[0]); k++) {
		ac_ratio_cut_init(&c, thr[k]);
		for (size_t sum = 0; sum < AC_RATIO_CUT_N; sum++)
			for (size_t d = 0; d <= sum; d++)
				assert_true((ac_indel_ratio(d, sum) >= thr[k]) ==
					    ((long)d <= c.max_dist[sum]));
	}
}

/* The character-class bound the window search prunes with is never below
 * the LCS: strings of letters, digits, spaces and other characters, some
 * sharing a few classes, some many. */
static void test_char_common_bound(void **state)
{
	const uint32_t alpha[] = { 'a', 'b', 'e', 'z', '0', '9', ' ', '<',
				   '>', '_', 0xe9, 0x3c3, 0x1f600 };
	uint32_t a[150], b[150], ca[AC_CHAR_CLASSES], cb[AC_CHAR_CLASSES];
	unsigned seed = 4242;

	(void)state;
	for (int round = 0; round < 5000; round++) {
		size_t la = (size_t)(rand_r(&seed) % 140);
		size_t lb = (size_t)(rand_r(&seed) % 140);
		size_t na = (size_t)(rand_r(&seed) % 13) + 1;

		memset(ca, 0, sizeof(ca));
		memset(cb, 0, sizeof(cb));
		for (size_t i = 0; i < la; i++) {
			a[i] = alpha[(size_t)rand_r(&seed) % na];
			ca[ac_char_class(a[i])]++;
		}
		for (size_t i = 0; i < lb; i++) {
			b[i] = alpha[(size_t)rand_r(&seed) % na];
			cb[ac_char_class(b[i])]++;
		}
		assert_true(ac_char_common(ca, cb) >= ac_lcs(a, la, b, lb));
	}
}

/* ac_lcs_at_least answers as the LCS does, for every need around it:
 * word-sized strings (where its bound applies) from a few characters,
 * with some whose low six bits collide ('a' + 64 is 0x81), and longer. */
static void test_lcs_at_least(void **state)
{
	const uint32_t alpha[] = { 'a', 'b', 'e', 'z', '0', ' ', 0x81, 0x3c3,
				   0x1f600 };
	uint32_t a[100], b[100];
	unsigned seed = 99;

	(void)state;
	for (int round = 0; round < 5000; round++) {
		size_t la = (size_t)(rand_r(&seed) % (round % 10 ? 20 : 90));
		size_t lb = (size_t)(rand_r(&seed) % (round % 10 ? 20 : 90));
		size_t na = (size_t)(rand_r(&seed) % 9) + 1, lcs;

		for (size_t i = 0; i < la; i++)
			a[i] = alpha[(size_t)rand_r(&seed) % na];
		for (size_t i = 0; i < lb; i++)
			b[i] = alpha[(size_t)rand_r(&seed) % na];
		lcs = lcs_dp(a, la, b, lb);
		for (size_t need = 0; need <= lcs + 2; need++)
			assert_true(ac_lcs_at_least(a, la, b, lb, need) ==
				    (lcs >= need));
	}
}

/* The window search skips the LCS of a window whose bound cannot win:
 * the bound must never be below the score, and is the score itself when
 * one difference holds the other whole. */
static void test_token_set_bound(void **state)
{
	uint32_t a[150], b[150];
	unsigned seed = 777;

	(void)state;
	for (int round = 0; round < 5000; round++) {
		size_t la = (size_t)(rand_r(&seed) % 140) + 1;
		size_t lb = (size_t)(rand_r(&seed) % 140) + 1;
		size_t sect = (size_t)(rand_r(&seed) % 4) * (size_t)(rand_r(&seed) % 40);
		uint32_t alpha = (uint32_t)(rand_r(&seed) % 26) + 1;

		for (size_t i = 0; i < la; i++)
			a[i] = 'a' + (uint32_t)rand_r(&seed) % alpha;
		for (size_t i = 0; i < lb; i++)
			b[i] = 'a' + (uint32_t)rand_r(&seed) % alpha;
		assert_true(ac_token_set_bound(sect, la, lb) >=
			    ac_token_set_combine(sect, a, la, b, lb));
		/* b a prefix of a: the LCS is all of b */
		assert_true(ac_token_set_bound(sect, la, la / 2) ==
			    ac_token_set_combine(sect, a, la, a, la / 2));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratio_values),
		cmocka_unit_test(test_token_set_values),
		cmocka_unit_test(test_lcs_random),
		cmocka_unit_test(test_invalid_utf8_scores_zero),
		cmocka_unit_test(test_ratio_bound),
		cmocka_unit_test(test_ratio_cut),
		cmocka_unit_test(test_char_common_bound),
		cmocka_unit_test(test_lcs_at_least),
		cmocka_unit_test(test_token_set_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
