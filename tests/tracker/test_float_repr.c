// SPDX-License-Identifier: MIT
/* test_float_repr.c - the integer repr of a double against its definition
 * (%.Ng for the smallest N that strtod reads back), over the values a
 * progress takes and the awkward ones: every raw / nraw for scripts of up
 * to 400 tokens and for long_script's 10,015, random doubles of [1e-4, 1)
 * and their neighbours, the doubles around each power of two and of ten
 * in range (where the rounding interval is lopsided or the exponent
 * changes), short decimals, and values outside the fast path; and the
 * decimal digit writer it shares with the replay's integers, against
 * printf. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>	/* INFINITY, NAN */
#include <stdio.h>
#include <string.h>

#include "float_repr.h"

static void check(double v)
{
	char got[AC_FLOAT_REPR_MAX], want[AC_FLOAT_REPR_MAX];
	int ng = ac_float_repr(v, got), nw = ac_float_repr_printf(v, want);

	if (ng != nw || strcmp(got, want))
		fail_msg("%a: \"%s\", printf says \"%s\"", v, got, want);
}

static double step(double v, int64_t ulps)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	bits += (uint64_t)ulps;
	memcpy(&v, &bits, sizeof(v));
	return v;
}

static void test_progress_values(void **state)
{
	(void)state;
	for (int n = 1; n <= 400; n++)
		for (int r = 0; r <= n; r++)
			check((double)r / (double)n);
	for (int r = 0; r <= 10015; r++)
		check((double)r / 10015.0);
}

static void test_random(void **state)
{
	uint64_t x = 88172645463325252ULL;

	(void)state;
	for (int i = 0; i < 100000; i++) {
		double v;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v = 1e-4 + (1 - 1e-4) * ((double)(x >> 11) * 0x1.0p-53);
		check(v);
		check(step(v, (int64_t)(x & 7) - 3));
	}
}

/* values with short representations (0.5, 0.25, 0.001, 0.1234), where
 * the shortest is found well before 17 digits, and their neighbours */
static void test_short_decimals(void **state)
{
	(void)state;
	for (int k = 1; k < 100000; k++) {
		double v = (double)k / 100000.0;

		check(v);
		check(step(v, 1));
		check(step(v, -1));
	}
	for (int e = 1; e <= 13; e++)
		for (int k = 1; k < (1 << e); k++)
			check((double)k / (double)(1ULL << e));
}

/* the integer writer against printf: every width, and around each power
 * of ten */
static void test_decimal_digits(void **state)
{
	uint64_t p10 = 1;

	(void)state;
	for (int e = 0; e < 20; e++) {
		for (int64_t d = -3; d <= 3; d++) {
			uint64_t v = p10 + (uint64_t)d;
			char buf[24], want[24], *start;

			if (d < 0 && p10 < (uint64_t)-d)
				continue;
			start = ac_decimal_digits(buf + sizeof(buf) - 1, v);
			buf[sizeof(buf) - 1] = '\0';
			snprintf(want, sizeof(want), "%llu", (unsigned long long)v);
			assert_string_equal(start, want);
		}
		if (e < 19)
			p10 *= 10;
	}
	for (uint64_t v = 0; v < 100000; v += 7) {
		char buf[24], want[24], *start;

		start = ac_decimal_digits(buf + sizeof(buf) - 1, v);
		buf[sizeof(buf) - 1] = '\0';
		snprintf(want, sizeof(want), "%llu", (unsigned long long)v);
		assert_string_equal(start, want);
	}
	{
		char buf[24], *start = ac_decimal_digits(buf + 23, UINT64_MAX);

		buf[23] = '\0';
		assert_string_equal(start, "18446744073709551615");
	}
}

static void test_boundaries(void **state)
{
	static const double tenths[] = { 1.0, 0.1, 0.01, 0.001, 0.0001, 1e-5 };

	(void)state;
	for (int e = 1; e <= 14; e++)
		for (int k = -64; k <= 64; k++)
			check(step(1.0 / (double)(1ULL << e), k));
	for (size_t e = 0; e < sizeof(tenths) / sizeof(tenths[0]); e++)
		for (int k = -64; k <= 64; k++)
			check(step(tenths[e], k));
	check(0.0);
	check(1.0);
	check(-0.5);
	check(1e-9);
	check(12345.678);
	check(INFINITY);
	check(NAN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_progress_values),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_short_decimals),
		cmocka_unit_test(test_decimal_digits),
		cmocka_unit_test(test_boundaries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
