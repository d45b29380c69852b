/* SPDX-License-Identifier: MIT */
/* sse2.h - byte tests sixteen at a time with SSE2 (x86-64's baseline),
 * shared by the script's scans; include it under #ifdef __SSE2__. */
#ifndef AUTOCUE_SSE2_H
#define AUTOCUE_SSE2_H

#include <emmintrin.h>

/* 0xff for the bytes of v in [lo, hi], both below 0x80 (a non-ASCII byte
 * compares as negative, so it is never in range) */
static inline __m128i ac_sse2_in_range(__m128i v, char lo, char hi)
{
	return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8((char)(lo - 1))),
			     _mm_cmplt_epi8(v, _mm_set1_epi8((char)(hi + 1))));
}

#endif /* AUTOCUE_SSE2_H */
