// SPDX-License-Identifier: MIT
/*
 * fuzzy.c - rapidfuzz-compatible ratio and token_set_ratio (TRACKER-SPEC §4).
 *
 * LCS by Hyyrö's bit-parallel algorithm: bit i of S is cleared once pattern
 * character i is part of the current LCS frontier, and one add per text
 * character propagates the frontier; the LCS length is the number of
 * cleared bits. Patterns longer than 64 characters use a carry chain across
 * words.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzy.h"
#include "punct.h"
#include "utf8.h"

/*
 * Pattern-match masks for a pattern of at most 64 characters. Only the
 * entries the text can look up are initialised, so no 2 KB table has to be
 * cleared per call.
 */
struct pm64 {
	uint64_t ascii[256];
	uint32_t ext_cp[64];
	uint64_t ext_mask[64];
	int next;
};

static inline uint64_t pm64_get(const struct pm64 *pm, uint32_t c)
{
	if (c < 256)
		return pm->ascii[c];
	for (int i = 0; i < pm->next; i++)
		if (pm->ext_cp[i] == c)
			return pm->ext_mask[i];
	return 0;
}

static inline __attribute__((always_inline)) size_t
lcs64(const uint32_t *a, size_t la, const uint32_t *b, size_t lb)
{
	struct pm64 pm;
	uint64_t s = ~(uint64_t)0;
	uint64_t mask = la == 64 ? ~(uint64_t)0 : (((uint64_t)1 << la) - 1);

	pm.next = 0;
	/* a long text (the window search's joined differences) looks up
	 * most of the table anyway: clearing it whole is cheaper than entry
	 * by entry */
	if (lb > 48) {
		memset(pm.ascii, 0, sizeof(pm.ascii));
	} else {
		for (size_t j = 0; j < lb; j++)
			if (b[j] < 256)
				pm.ascii[b[j]] = 0;
		for (size_t i = 0; i < la; i++)
			if (a[i] < 256)
				pm.ascii[a[i]] = 0;
	}
	for (size_t i = 0; i < la; i++) {
		uint32_t c = a[i];
		uint64_t bit = (uint64_t)1 << i;
		int k;

		if (c < 256) {
			pm.ascii[c] |= bit;
			continue;
		}
		for (k = 0; k < pm.next; k++)
			if (pm.ext_cp[k] == c)
				break;
		if (k == pm.next) {
			pm.ext_cp[k] = c;
			pm.ext_mask[k] = 0;
			pm.next++;
		}
		pm.ext_mask[k] |= bit;
	}
	for (size_t j = 0; j < lb; j++) {
		uint64_t m = pm64_get(&pm, b[j]);
		uint64_t u = s & m;

		s = (s + u) | (s - u);
	}
	return (size_t)__builtin_popcountll(~s & mask);
}

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return (a > b) - (a < b);
}

/* Any pattern length: an alphabet of the 256 low code points plus the
 * pattern's distinct higher ones, one mask row per 64-character block. */
static inline __attribute__((always_inline)) size_t
lcs_blocks(const uint32_t *a, size_t la, const uint32_t *b, size_t lb)
{
	size_t words = (la + 63) / 64, next = 0, res = 0;
	uint32_t *ext = NULL;
	uint64_t *pm = NULL, *s = NULL;

	ext = malloc(la * sizeof(*ext));
	if (!ext)
		goto cleanup;
	for (size_t i = 0; i < la; i++)
		if (a[i] >= 256)
			ext[next++] = a[i];
	qsort(ext, next, sizeof(*ext), cmp_u32);
	{
		size_t u = 0;

		for (size_t i = 0; i < next; i++)
			if (!u || ext[u - 1] != ext[i])
				ext[u++] = ext[i];
		next = u;
	}
	pm = calloc((256 + next) * words, sizeof(*pm));
	s = malloc(words * sizeof(*s));
	if (!pm || !s)
		goto cleanup;
	for (size_t i = 0; i < la; i++) {
		size_t row = a[i];

		if (row >= 256) {
			uint32_t *p = bsearch(&a[i], ext, next, sizeof(*ext),
					      cmp_u32);
			row = 256 + (size_t)(p - ext);
		}
		pm[row * words + i / 64] |= (uint64_t)1 << (i % 64);
	}
	for (size_t w = 0; w < words; w++)
		s[w] = ~(uint64_t)0;
	for (size_t j = 0; j < lb; j++) {
		size_t row = b[j];
		unsigned carry = 0;

		if (row >= 256) {
			uint32_t *p = bsearch(&b[j], ext, next, sizeof(*ext),
					      cmp_u32);
			if (!p)
				continue;	/* mask 0: S unchanged */
			row = 256 + (size_t)(p - ext);
		}
		for (size_t w = 0; w < words; w++) {
			uint64_t u = s[w] & pm[row * words + w], x;
			unsigned c1, c2;

			c1 = __builtin_add_overflow(s[w], u, &x);
			c2 = __builtin_add_overflow(x, (uint64_t)carry, &x);
			s[w] = x | (s[w] - u);
			carry = c1 | c2;
		}
	}
	for (size_t w = 0; w < words; w++) {
		uint64_t v = ~s[w];

		if (w == words - 1 && la % 64)
			v &= ((uint64_t)1 << (la % 64)) - 1;
		res += (size_t)__builtin_popcountll(v);
	}
cleanup:
	free(ext);
	free(pm);
	free(s);
	return res;
}

static inline __attribute__((always_inline)) size_t
lcs_any(const uint32_t *a, size_t la, const uint32_t *b, size_t lb)
{
	size_t pre = 0;

	/* common affixes are always part of an LCS */
	while (la && lb && *a == *b) {
		a++, b++, la--, lb--, pre++;
	}
	while (la && lb && a[la - 1] == b[lb - 1]) {
		la--, lb--, pre++;
	}
	if (!la || !lb)
		return pre;
	if (la > lb) {
		const uint32_t *t = a;
		size_t tl = la;

		a = b, la = lb, b = t, lb = tl;
	}
	if (la <= 64)
		return pre + lcs64(a, la, b, lb);
	return pre + lcs_blocks(a, la, b, lb);
}

/*
 * The LCS ends in a population count, which x86-64's baseline lacks: gcc
 * calls libgcc's bit-twiddling __popcountdi2 there. Two builds of the whole
 * LCS, one for CPUs with POPCNT (one instruction) and a portable one,
 * picked at the first call, so neither the build flags nor the CPU the
 * binary runs on need to change. The pick asks glibc's record of the CPU
 * (<sys/platform/x86.h>), which the dynamic loader filled already: gcc's
 * target_clones asked the CPU again (cpuid, a trap to the hypervisor on a
 * virtual machine), which cost a short replay more than the POPCNT saved.
 * Not an ifunc: the loader runs resolvers before a sanitizer's runtime is
 * up, and glibc's inline check is instrumented code.
 */
/* <sys/platform/x86.h>: glibc 2.33 and later */
#if defined(__x86_64__) && defined(__GLIBC__) && !defined(__POPCNT__) && \
    __has_include(<sys/platform/x86.h>)
#include <sys/platform/x86.h>

typedef size_t lcs_fn(const uint32_t *, size_t, const uint32_t *, size_t);

__attribute__((target("popcnt")))
static size_t lcs_popcnt(const uint32_t *a, size_t la, const uint32_t *b,
			 size_t lb)
{
	return lcs_any(a, la, b, lb);
}

static size_t lcs_portable(const uint32_t *a, size_t la, const uint32_t *b,
			   size_t lb)
{
	return lcs_any(a, la, b, lb);
}

size_t ac_lcs(const uint32_t *a, size_t la, const uint32_t *b, size_t lb)
{
	/* threads racing here store the same pointer */
	static lcs_fn *impl;
	lcs_fn *f = __atomic_load_n(&impl, __ATOMIC_RELAXED);

	if (!f) {
		f = CPU_FEATURE_ACTIVE(POPCNT) ? lcs_popcnt : lcs_portable;
		__atomic_store_n(&impl, f, __ATOMIC_RELAXED);
	}
	return f(a, la, b, lb);
}
#else
size_t ac_lcs(const uint32_t *a, size_t la, const uint32_t *b, size_t lb)
{
	return lcs_any(a, la, b, lb);
}
#endif

/* How many characters of a occur in b, b's characters taken as a set of
 * their low six bits (so a few more of a's may seem to occur): a bound of
 * the LCS, which pairs each of its characters of a with an equal one of
 * b, in one pass over each and no table. */
static size_t present_in(const uint32_t *a, size_t la, const uint32_t *b,
			 size_t lb)
{
	uint64_t set = 0;
	size_t n = 0;

	for (size_t j = 0; j < lb; j++)
		set |= (uint64_t)1 << (b[j] & 63);
	for (size_t i = 0; i < la; i++)
		n += (set >> (a[i] & 63)) & 1;
	return n;
}

bool ac_lcs_at_least(const uint32_t *a, size_t la, const uint32_t *b,
		     size_t lb, size_t need)
{
	/* the bound pays for itself on word-sized strings; the window
	 * search's long ones have their own */
	if (la + lb <= 64 && (present_in(a, la, b, lb) < need ||
			      present_in(b, lb, a, la) < need))
		return false;
	return ac_lcs(a, la, b, lb) >= need;
}

size_t ac_char_common(const uint32_t *a, const uint32_t *b)
{
	size_t common = 0;

	for (int k = 0; k < AC_CHAR_CLASSES; k++)
		common += a[k] < b[k] ? a[k] : b[k];
	return common;
}

double ac_ratio_cp(const uint32_t *a, size_t la, const uint32_t *b, size_t lb)
{
	size_t lensum = la + lb;

	return ac_indel_ratio(lensum ? lensum - 2 * ac_lcs(a, la, b, lb) : 0,
			      lensum);
}

/* The largest distance at which the ratio of length sum sum reaches thr:
 * from an estimate, walked to where the ratio itself changes sides (it is
 * monotone in the distance), so a rounding of the estimate cannot matter;
 * -1 if not even distance 0 reaches it (thr above 100, or NaN). */
static long max_dist(size_t sum, double thr)
{
	long d, s = (long)sum;

	if (!(thr > 0.0))
		d = s;
	else if (!(thr <= 100.0))
		d = -1;
	else
		d = (long)((double)s * (100.0 - thr) / 100.0);
	while (d < s && ac_indel_ratio((size_t)(d + 1), sum) >= thr)
		d++;
	while (d >= 0 && !(ac_indel_ratio((size_t)d, sum) >= thr))
		d--;
	return d;
}

void ac_ratio_cut_init(struct ac_ratio_cut *c, double thr)
{
	c->thr = thr;
	for (size_t sum = 0; sum < AC_RATIO_CUT_N; sum++)
		c->max_dist[sum] = (int16_t)max_dist(sum, thr);
}

/* rapidfuzz's norm_distance<100> */
static double norm100(size_t dist, size_t lensum)
{
	if (!lensum)
		return 100.0;
	return 100.0 - 100.0 * (double)dist / (double)lensum;
}

double ac_token_set_of_lcs(size_t sect, size_t lab, size_t lba, size_t lcs)
{
	size_t t = sect ? 1 : 0;
	size_t sab = sect + t + lab, sba = sect + t + lba;
	double r0 = norm100(lab + lba - 2 * lcs, sab + sba), r1, r2;

	if (!sect)
		return r0;
	r1 = norm100(t + lab, sect + sab);
	r2 = norm100(t + lba, sect + sba);
	if (r1 > r0)
		r0 = r1;
	if (r2 > r0)
		r0 = r2;
	return r0;
}

double ac_token_set_combine(size_t sect, const uint32_t *ab, size_t lab,
			    const uint32_t *ba, size_t lba)
{
	return ac_token_set_of_lcs(sect, lab, lba, ac_lcs(ab, lab, ba, lba));
}

double ac_token_set_bound(size_t sect, size_t lab, size_t lba)
{
	return ac_token_set_of_lcs(sect, lab, lba, lab < lba ? lab : lba);
}

double ac_ratio(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	uint32_t *ca = malloc((la + 1) * sizeof(*ca));
	uint32_t *cb = malloc((lb + 1) * sizeof(*cb));
	long na, nb;
	double r = 0.0;

	if (!ca || !cb)
		goto cleanup;
	na = ac_utf8_decode(a, la, ca);
	nb = ac_utf8_decode(b, lb, cb);
	if (na < 0 || nb < 0)
		goto cleanup;
	r = ac_ratio_cp(ca, (size_t)na, cb, (size_t)nb);
cleanup:
	free(ca);
	free(cb);
	return r;
}

/* A token: a run of code points inside a decoded string. */
struct tok {
	const uint32_t *p;
	size_t n;
};

static int tok_cmp(const void *x, const void *y)
{
	const struct tok *a = x, *b = y;
	size_t n = a->n < b->n ? a->n : b->n;

	for (size_t i = 0; i < n; i++)
		if (a->p[i] != b->p[i])
			return a->p[i] < b->p[i] ? -1 : 1;
	return (a->n > b->n) - (a->n < b->n);
}

/* Splits into sorted distinct tokens (rapidfuzz's sorted_split + set). */
static size_t tok_split(const uint32_t *s, size_t n, struct tok *out)
{
	size_t k = 0, i = 0, u = 0;

	while (i < n) {
		size_t j;

		while (i < n && ac_uc_isspace((int32_t)s[i]))
			i++;
		if (i == n)
			break;
		j = i;
		while (j < n && !ac_uc_isspace((int32_t)s[j]))
			j++;
		out[k].p = s + i;
		out[k].n = j - i;
		k++;
		i = j;
	}
	qsort(out, k, sizeof(*out), tok_cmp);
	for (i = 0; i < k; i++)
		if (!u || tok_cmp(&out[u - 1], &out[i]))
			out[u++] = out[i];
	return u;
}

/* Joins tokens with single spaces into out; returns the length. */
static size_t tok_join(const struct tok *t, size_t n, uint32_t *out)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		if (i)
			out[len++] = ' ';
		memcpy(out + len, t[i].p, t[i].n * sizeof(*out));
		len += t[i].n;
	}
	return len;
}

double ac_token_set_ratio(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	uint32_t *ca = malloc((la + 1) * sizeof(*ca));
	uint32_t *cb = malloc((lb + 1) * sizeof(*cb));
	uint32_t *a_only = malloc((la + 1) * sizeof(*a_only));
	uint32_t *b_only = malloc((lb + 1) * sizeof(*b_only));
	struct tok *ta = malloc((la + 1) * sizeof(*ta));
	struct tok *tb = malloc((lb + 1) * sizeof(*tb));
	struct tok *da = malloc((la + 1) * sizeof(*da));
	struct tok *db = malloc((lb + 1) * sizeof(*db));
	size_t na, nb, nda = 0, ndb = 0, ni = 0, sect = 0, i = 0, j = 0;
	long da_len, db_len;
	double r = 0.0;

	if (!ca || !cb || !a_only || !b_only || !ta || !tb || !da || !db)
		goto cleanup;
	da_len = ac_utf8_decode(a, la, ca);
	db_len = ac_utf8_decode(b, lb, cb);
	if (da_len < 0 || db_len < 0)
		goto cleanup;
	na = tok_split(ca, (size_t)da_len, ta);
	nb = tok_split(cb, (size_t)db_len, tb);
	if (!na || !nb)
		goto cleanup;
	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : tok_cmp(&ta[i], &tb[j]);

		if (c < 0) {
			da[nda++] = ta[i++];
		} else if (c > 0) {
			db[ndb++] = tb[j++];
		} else {
			sect += ta[i].n + (ni ? 1 : 0);
			ni++;
			i++;
			j++;
		}
	}
	if (ni && (!nda || !ndb)) {
		r = 100.0;
		goto cleanup;
	}
	/* the tokens only one side has, each side's joined with spaces */
	r = ac_token_set_combine(sect, a_only, tok_join(da, nda, a_only),
				 b_only, tok_join(db, ndb, b_only));
cleanup:
	free(ca);
	free(cb);
	free(a_only);
	free(b_only);
	free(ta);
	free(tb);
	free(da);
	free(db);
	return r;
}
