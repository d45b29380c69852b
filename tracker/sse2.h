/* SPDX-License-Identifier: MIT */
/* sse2.h - byte tests sixteen at a time with SSE2 (x86-64's baseline),
 * shared by the scans of scripts, transcripts and events lines. Empty
 * where SSE2 is not: each user keeps its portable loop for that. */
#ifndef AUTOCUE_SSE2_H
#define AUTOCUE_SSE2_H

#ifdef __SSE2__
#include <emmintrin.h>
#include <stddef.h>

/* 0xff for the bytes of v in [lo, hi], both below 0x80 (a non-ASCII byte
 * compares as negative, so it is never in range) */
static inline __m128i ac_sse2_in_range(__m128i v, char lo, char hi)
{
	return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8((char)(lo - 1))),
			     _mm_cmplt_epi8(v, _mm_set1_epi8((char)(hi + 1))));
}

/*
 * The first byte of b[i..n) (at least 16 bytes) that stop flags, or n.
 * stop(v) is the movemask of the bytes of a 16-byte block that stop the
 * scan. Sixteen bytes a step, the tail as one overlapping block rather
 * than byte by byte (a byte tested twice stops nothing twice). Inlined
 * with its stop, which each caller passes as a constant.
 */
static inline __attribute__((always_inline)) size_t
ac_sse2_first(const char *b, size_t i, size_t n, int (*stop)(__m128i))
{
	for (;;) {
		int m = stop(_mm_loadu_si128((const __m128i *)(b + i)));

		if (m)
			return i + (size_t)__builtin_ctz((unsigned)m);
		if (n - i <= 16)
			return n;
		i = n - i >= 32 ? i + 16 : n - 16;
	}
}
#endif

#endif /* AUTOCUE_SSE2_H */
