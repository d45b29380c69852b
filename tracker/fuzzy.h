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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Length of the longest common subsequence of a and b. */
size_t ac_lcs(const uint32_t *a, size_t la, const uint32_t *b, size_t lb);

/* ac_lcs(a, la, b, lb) >= need, the LCS spared when a bound from the
 * characters the two share already misses need (most word comparisons
 * that pass the lengths: a spoken word against another word). */
bool ac_lcs_at_least(const uint32_t *a, size_t la, const uint32_t *b,
		     size_t lb, size_t need);

/*
 * An upper bound of ac_lcs from the characters alone: an LCS pairs equal
 * characters, so it is no longer than what a and b share of each class of
 * characters, counted with multiplicity. The classes are those of
 * normalized text joined with spaces: each letter and digit, the space,
 * and all else as one (the script's placeholders' '<' and '>', '_', the
 * rest of Unicode); the fewer classes, the cheaper the sum, and the
 * looser the bound, still a bound. Counts are kept by the caller, who can
 * update them as its strings change.
 */
#define AC_CHAR_CLASSES 38
/* the class of the spaces that join tokens */
#define AC_CHAR_CLASS_SPACE 36

static inline unsigned ac_char_class(uint32_t c)
{
	if (c - 'a' < 26)
		return c - 'a';
	if (c - '0' < 10)
		return 26 + (c - '0');
	return c == ' ' ? AC_CHAR_CLASS_SPACE : AC_CHAR_CLASS_SPACE + 1;
}

/* sum over the classes of the smaller count: the bound */
size_t ac_char_common(const uint32_t *a, const uint32_t *b);

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

/*
 * ac_ratio_cp(a, b) >= thr as an integer compare. For one length sum the
 * ratio only falls as the indel distance grows (each float operation of
 * ac_indel_ratio is monotone), so it reaches thr up to one largest
 * distance; that is found once per length sum, with the ratio's own float
 * operations, and a word comparison needs neither of its two divisions.
 * Word pairs are short: longer sums take the float path.
 */
#define AC_RATIO_CUT_N 128

struct ac_ratio_cut {
	double thr;
	/* by length sum: the largest distance reaching thr, -1 if none */
	int16_t max_dist[AC_RATIO_CUT_N];
};

void ac_ratio_cut_init(struct ac_ratio_cut *c, double thr);

/* ac_ratio_cp(a, la, b, lb) >= c->thr, the LCS spared when the lengths
 * alone miss it */
static inline bool ac_ratio_reaches(const struct ac_ratio_cut *c,
				    const uint32_t *a, size_t la,
				    const uint32_t *b, size_t lb)
{
	size_t sum = la + lb, diff = la > lb ? la - lb : lb - la;
	long max;

	if (sum >= AC_RATIO_CUT_N)
		return ac_ratio_bound(la, lb) >= c->thr &&
		       ac_ratio_cp(a, la, b, lb) >= c->thr;
	max = c->max_dist[sum];
	if ((long)diff > max)
		return false;
	/* mostly a word against itself (clean speech): distance 0, which
	 * reaches thr, as the lengths' did */
	if (!diff && !memcmp(a, b, la * sizeof(*a)))
		return true;
	/* sum - 2 * lcs <= max */
	return ac_lcs_at_least(a, la, b, lb, (sum - (size_t)max + 1) / 2);
}

/* The final combination step of token_set_ratio once the token sets are
 * decomposed: sect = length of the intersection joined by spaces (0 if
 * empty), ab / ba = the sorted differences joined by spaces. The caller
 * handles the "a set is empty" (0) and "intersection non-empty and one
 * difference empty" (100) cases. */
double ac_token_set_combine(size_t sect, const uint32_t *ab, size_t lab,
			    const uint32_t *ba, size_t lba);

/* ac_token_set_combine for differences of lengths lab and lba whose LCS
 * is lcs long; nondecreasing in lcs, so a bound of the LCS gives a bound
 * of the score */
double ac_token_set_of_lcs(size_t sect, size_t lab, size_t lba, size_t lcs);

/* An upper bound of ac_token_set_combine from the lengths alone (the same
 * float operations with the longest LCS the lengths allow), so that a
 * search may skip the LCS of a candidate that cannot win. */
double ac_token_set_bound(size_t sect, size_t lab, size_t lba);

/* UTF-8 conveniences (tests, tools). Invalid UTF-8 scores 0. */
double ac_ratio(const char *a, const char *b);
double ac_token_set_ratio(const char *a, const char *b);

#endif /* AUTOCUE_FUZZY_H */
