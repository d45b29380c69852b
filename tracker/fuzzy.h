/* SPDX-License-Identifier: MIT */
/*
 * fuzzy.h - the two rapidfuzz 3.x scores the reference tracker relies on
 * (TRACKER-SPEC.md §4), over Unicode code points, with rapidfuzz's exact
 * floating-point formulas so that threshold comparisons agree bit for bit.
 *
 * The LCS underneath is bit-parallel (Hyyrö): one 64-bit word per 64
 * pattern characters, so a word-vs-word ratio costs a handful of
 * instructions per character.
 */
#ifndef AUTOCUE_FUZZY_H
#define AUTOCUE_FUZZY_H

#include <stddef.h>
#include <stdint.h>

/* Length of the longest common subsequence of a and b. */
size_t ac_lcs(const uint32_t *a, size_t la, const uint32_t *b, size_t lb);

/* rapidfuzz fuzz.ratio: (1 - indel / (la + lb)) * 100, 100 for two empty
 * strings. */
double ac_ratio_cp(const uint32_t *a, size_t la, const uint32_t *b, size_t lb);

/* rapidfuzz's normalized InDel similarity, in its exact floating-point
 * operations: (1 - dist / lensum) * 100, 100 for two empty strings. */
static inline double ac_indel_ratio(size_t dist, size_t lensum)
{
	if (!lensum)
		return 100.0;
	return (1.0 - (double)dist / (double)lensum) * 100.0;
}

/* Upper bound of ac_ratio_cp given only the lengths (the same float
 * operations with the smallest possible indel), so that a caller may skip
 * the LCS when even the bound misses a threshold. Inline: the tracker asks
 * it before every word comparison. */
static inline double ac_ratio_bound(size_t la, size_t lb)
{
	return ac_indel_ratio(la > lb ? la - lb : lb - la, la + lb);
}

/* The final combination step of token_set_ratio once the token sets are
 * decomposed: sect = length of the intersection joined by spaces (0 if
 * empty), ab / ba = the sorted differences joined by spaces. The caller
 * handles the "a set is empty" (0) and "intersection non-empty and one
 * difference empty" (100) cases. */
double ac_token_set_combine(size_t sect, const uint32_t *ab, size_t lab,
			    const uint32_t *ba, size_t lba);

/* An upper bound of ac_token_set_combine from the lengths alone (the same
 * float operations with the longest LCS the lengths allow), so that a
 * search may skip the LCS of a candidate that cannot win. */
double ac_token_set_bound(size_t sect, size_t lab, size_t lba);

/* UTF-8 conveniences (tests, tools). Invalid UTF-8 scores 0. */
double ac_ratio(const char *a, const char *b);
double ac_token_set_ratio(const char *a, const char *b);

#endif /* AUTOCUE_FUZZY_H */
