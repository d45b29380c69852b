/* SPDX-License-Identifier: MIT */
/*
 * float_repr.h - a double as Python's repr() prints it, for autocue-replay's
 * "progress": the fewest significant digits (1 to 17, printf's %g
 * rounding) that read back as the same double, with ".0" added when that
 * leaves no decimal point.
 */
#ifndef AUTOCUE_FLOAT_REPR_H
#define AUTOCUE_FLOAT_REPR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Room for any result, NUL included. */
#define AC_FLOAT_REPR_MAX 32

/* Writes the repr of v to buf (AC_FLOAT_REPR_MAX bytes); returns its
 * length. */
int ac_float_repr(double v, char *buf);

/* The same by the definition: %.Ng for N = 1, 2, ... until strtod reads
 * the value back. The fast path covers [0.0001, 1], a progress's range;
 * everything else goes this way, and the tests compare the two. */
int ac_float_repr_printf(double v, char *buf)
	__attribute__((nonnull));	/* else gcc -O3 with UBSan warns of a
					 * null buf on a path of its own making */

/* The two decimal digits of v (0..99) at p. */
static inline void ac_digit_pair(char *p, unsigned v)
{
	static const char pairs[201] =
		"0001020304050607080910111213141516171819"
		"2021222324252627282930313233343536373839"
		"4041424344454647484950515253545556575859"
		"6061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";

	memcpy(p, pairs + 2 * v, 2);
}

/* Writes the decimal digits of v so that they end just before end, two
 * digits a division; returns where they start. The integers of a replay's
 * lines are written with it too: inline, four numbers a line. */
static inline char *ac_decimal_digits(char *end, uint64_t v)
{
	char *p = end;

	for (; v >= 100; v /= 100) {
		p -= 2;
		ac_digit_pair(p, (unsigned)(v % 100));
	}
	if (v >= 10) {
		p -= 2;
		ac_digit_pair(p, (unsigned)v);
	} else {
		*--p = (char)('0' + v);
	}
	return p;
}

#endif /* AUTOCUE_FLOAT_REPR_H */
