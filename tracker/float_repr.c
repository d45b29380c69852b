// SPDX-License-Identifier: MIT
/*
 * float_repr.c - see float_repr.h.
 *
 * printf's %.Ng and strtod both round exactly (glibc works on the exact
 * binary value, round-half-even), so the definition is arithmetic on
 * integers: for v in [1e-4, 1), v = m / 2^q exactly (m < 2^53, 53 <= q
 * <= 66), and its 17 leading digits are S = m * 10^(16-X) / 2^q with X =
 * floor(log10 v) in -4..-1; m * 10^20 < 2^120 fits in 128 bits. For each
 * N the N-digit rounding of S is computed with its remainder, and whether
 * it reads back as v is whether it lies inside v's rounding interval
 * (half an ulp either side, the lower half halved at a power of two, ties
 * to the even mantissa). Two snprintf and a strtod per digit count took
 * most of a replay's time; this takes a few multiplications.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "float_repr.h"

typedef unsigned __int128 u128;

static const uint64_t pow10_u64[] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL,
	10000000000000000000ULL,
};

static u128 pow10_u128(int k)
{
	return k < 20 ? (u128)pow10_u64[k] :
			(u128)pow10_u64[19] * pow10_u64[k - 19];
}

/* Python adds ".0" to what reads as an integer */
static int add_point_zero(char *buf, int n)
{
	if (!strpbrk(buf, ".eni")) {
		memcpy(buf + n, ".0", 3);
		n += 2;
	}
	return n;
}

int ac_float_repr_printf(double v, char *buf)
{
	int n = 0;

	for (int prec = 1; prec <= 17; prec++) {
		n = snprintf(buf, AC_FLOAT_REPR_MAX, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return add_point_zero(buf, n);
}

/* Does the decimal C * 10^(X-16) read back as m / 2^q? In units of
 * 10^(X-16) / 2^(q+2), v is m * 4 * 10^(16-X) and its neighbours' halfway
 * points lie 2 * 10^(16-X) above and below (1 * below when m = 2^52). */
static int reads_back(u128 c, int q, uint64_t m, u128 scale)
{
	u128 cv = c << (q + 2), mv = (u128)m * 4 * scale;
	u128 hi = 2 * scale, lo = m == (1ULL << 52) ? scale : 2 * scale;

	if (cv >= mv)
		return cv - mv < hi || (cv - mv == hi && !(m & 1));
	return mv - cv < lo || (mv - cv == lo && !(m & 1));
}

/* Exactly eight digits of v (< 10^8), leading zeros included: the four
 * pairs from two independent halves, not a chain of four divisions. */
static void eight_digits(char *p, uint32_t v)
{
	uint32_t hi = v / 10000, lo = v % 10000;

	ac_digit_pair(p, hi / 100);
	ac_digit_pair(p + 2, hi % 100);
	ac_digit_pair(p + 4, lo / 100);
	ac_digit_pair(p + 6, lo % 100);
}

/* %g's output for the p-digit rounding D of a value of decimal exponent X
 * in -4..-1 (D may have carried to 10^p): fixed notation, trailing zeros
 * dropped; "1.0" when it rounded up to one. D is written as the 17 digits
 * of D * 10^(17-p), a leading digit and two blocks of eight, and the
 * zeros cut from the text: a value's digits took a chain of eight
 * divisions, each waiting for the last, and were most of a call's time. */
static int print_fixed(char *buf, uint64_t digits, int p, int x)
{
	uint64_t w, rest;
	char *d;
	int n;

	if (digits == pow10_u64[p]) {
		digits = 1;
		p = 1;
		x++;
	}
	if (x >= 0) {
		memcpy(buf, "1.0", 4);
		return 3;
	}
	/* "0." and the zeros after the point, then the digits */
	memcpy(buf, "0.000", 5);
	d = buf + 1 - x;
	w = digits * pow10_u64[17 - p];
	rest = w % pow10_u64[16];
	d[0] = (char)('0' + w / pow10_u64[16]);
	eight_digits(d + 1, (uint32_t)(rest / pow10_u64[8]));
	eight_digits(d + 9, (uint32_t)(rest % pow10_u64[8]));
	for (n = p; d[n - 1] == '0'; n--)
		;
	d[n] = '\0';
	return (int)(d + n - buf);
}

int ac_float_repr(double v, char *buf)
{
	uint64_t bits, m, digits = 0, s, reach, quo[17];
	int q, x, p, k;
	u128 scale, exact, rem;

	if (!(v >= 1e-4 && v < 1.0))
		return ac_float_repr_printf(v, buf);
	memcpy(&bits, &v, sizeof(bits));
	m = (bits & ((1ULL << 52) - 1)) | (1ULL << 52);
	q = 1075 - (int)(bits >> 52);	/* v = m / 2^q */
	/* X: the largest -4..-1 with v >= 10^X, i.e. m * 10^-X >= 2^q */
	for (x = -1; x > -4; x--)
		if ((u128)m * pow10_u64[-x] >= (u128)1 << q)
			break;
	if ((u128)m * pow10_u64[-x] < (u128)1 << q)
		return ac_float_repr_printf(v, buf);	/* below 1e-4 */
	scale = pow10_u128(16 - x);
	exact = (u128)m * scale;
	/* 17 digits, truncated (< 10^17: 64 bits do), and the fraction
	 * dropped, over 2^q */
	s = (uint64_t)(exact >> q);
	rem = exact - ((u128)s << q);
	/* how far from s, in units of its last digit, v's rounding interval
	 * can reach: half an ulp is scale / 2^(q+1), s is within 1 of v */
	reach = (uint64_t)(scale >> (q + 1)) + 2;
	/* A p-digit rounding is a multiple of 10^(17-p) next to s, so it can
	 * only be in reach when s's last 17-p digits are within reach of 0
	 * or of 10^(17-p); if they are not for k digits, they are not for
	 * more. The first p worth trying is 17 - k for the largest such k:
	 * usually 16 or 17, where trying every p from 1 cost 17 rounds. */
	/* quo[j] = s / 10^j, a division by the constant 10 a step: a
	 * division by a variable power of ten is a real divide, tens of
	 * cycles, and there were three or four a call */
	quo[0] = s;
	for (k = 1; k < 17; k++) {
		uint64_t d = pow10_u64[k], r;

		quo[k] = quo[k - 1] / 10;
		r = s - quo[k] * d;
		if (r > reach && d - r > reach)
			break;
	}
	for (p = 17 - (k - 1); p <= 17; p++) {
		uint64_t d = pow10_u64[17 - p], r, c;

		digits = quo[17 - p];
		r = s - digits * d;
		/* round half to even on (r + rem / 2^q) / d; exactly only
		 * when r is at the halfway point or just below it */
		if (2 * r > d) {
			digits++;
		} else if (2 * r + 2 > d) {
			u128 half = (u128)d << (q - 1);
			u128 rx = ((u128)r << q) + rem;

			if (rx > half || (rx == half && (digits & 1)))
				digits++;
		}
		c = digits * d;
		if ((c > s ? c - s : s - c) > reach)
			continue;
		if (reads_back(c, q, m, scale))
			break;
	}
	/* cannot happen: 17 digits always read back */
	if (p > 17)
		return ac_float_repr_printf(v, buf);
	return print_fixed(buf, digits, p, x);
}
