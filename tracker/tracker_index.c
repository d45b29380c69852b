// SPDX-License-Identifier: MIT
/*
 * tracker_index.c - what a tracker knows about its script before the first
 * update: every word's text and normal form as code points, and every
 * word's window tokens interned and ranked (struct tk_index). Built once;
 * the updates only read it.
 */
#include <string.h>

#include "normalize.h"
#include "split.h"
#include "tracker_int.h"
#include "utf8.h"
#include "sse2.h"

/* Appends the code points of s[0..len) (validated UTF-8) to *pool, which
 * grows as needed; returns the span, or len == UINT32_MAX without memory. */
static struct span pool_cps(uint32_t **pool, size_t *used, size_t *cap,
			    const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	struct span sp = { (uint32_t)*used, 0 };
	uint32_t *o;

	if (ac_tk_grow((void **)pool, cap, *used + len + 1, sizeof(**pool))) {
		sp.len = UINT32_MAX;
		return sp;
	}
	o = *pool + *used;
	while (p < end)
		o[sp.len++] = *p < 0x80 ? *p++ : ac_utf8_next_valid(&p);
	*used += sp.len;
	return sp;
}

static const bool is_normal_ascii[256] = {
	['0' ... '9'] = true, ['a' ... 'z'] = true, ['_'] = true,
};

static uint64_t load8(const unsigned char *p)
{
	uint64_t x;

	memcpy(&x, p, 8);
	return x;
}

static uint32_t load4(const unsigned char *p)
{
	uint32_t x;

	memcpy(&x, p, 4);
	return x;
}

/*
 * pool_cps() for a word of 4 to 16 ASCII bytes, which most are, without a
 * loop: its bytes as two overlapping loads (never past its end), widened
 * with SSE2 and stored overlapping too. *normal: the word is lower-case
 * letters, digits and '_', its own normal form. False (nothing done) for
 * any other word.
 */
static bool pool_ascii_word(uint32_t *o, const unsigned char *p, size_t len,
			    bool *normal)
{
#ifdef __SSE2__
	const __m128i zero = _mm_setzero_si128();
	__m128i v, lo, hi, ok;
	unsigned all;

	if (len >= 8 && len <= 16) {
		v = _mm_set_epi64x((long long)load8(p + len - 8),
				   (long long)load8(p));
		all = 0xffff;
	} else if (len >= 4 && len < 8) {
		v = _mm_set_epi32(0, 0, (int)load4(p + len - 4), (int)load4(p));
		all = 0xff;
	} else {
		return false;
	}
	if (_mm_movemask_epi8(v) & all)
		return false;
	ok = _mm_or_si128(_mm_or_si128(ac_sse2_in_range(v, '0', '9'),
				       ac_sse2_in_range(v, 'a', 'z')),
			  _mm_cmpeq_epi8(v, _mm_set1_epi8('_')));
	*normal = ((unsigned)_mm_movemask_epi8(ok) & all) == all;
	lo = _mm_unpacklo_epi8(v, zero);
	hi = _mm_unpackhi_epi8(v, zero);
	if (all == 0xff) {
		_mm_storeu_si128((__m128i *)o, _mm_unpacklo_epi16(lo, zero));
		_mm_storeu_si128((__m128i *)(o + len - 4),
				 _mm_unpackhi_epi16(lo, zero));
		return true;
	}
	_mm_storeu_si128((__m128i *)o, _mm_unpacklo_epi16(lo, zero));
	_mm_storeu_si128((__m128i *)(o + 4), _mm_unpackhi_epi16(lo, zero));
	_mm_storeu_si128((__m128i *)(o + len - 8), _mm_unpacklo_epi16(hi, zero));
	_mm_storeu_si128((__m128i *)(o + len - 4), _mm_unpackhi_epi16(hi, zero));
	return true;
#else
	return false;
#endif
}

/* The code points of word text w[0..len) appended to the pool; *normal as
 * for pool_ascii_word(). */
static struct span pool_word(uint32_t **pool, size_t *used, size_t *cap,
			     const char *w, size_t len, bool *normal)
{
	struct span sp = { (uint32_t)*used, (uint32_t)len };
	size_t k;

	if (ac_tk_grow((void **)pool, cap, *used + len + 1, sizeof(**pool))) {
		sp.len = UINT32_MAX;
		return sp;
	}
	if (pool_ascii_word(*pool + *used, (const unsigned char *)w, len,
			    normal)) {
		*used += len;
		return sp;
	}
	sp = pool_cps(pool, used, cap, w, len);
	for (k = 0; k < len && is_normal_ascii[(unsigned char)w[k]]; k++)
		;
	*normal = k == len;
	return sp;
}

/*
 * Code points of every script word's text (for ratio) and of its normal
 * form (for word_matches). Plain words are normalized already, so their
 * normal form shares the text's span, and the placeholders are the same
 * string every time, so their spans are shared too: the pool ends up the
 * size of the script's text.
 */
static int build_words(struct tk_index *ix, const struct ac_script *s)
{
	size_t used = 0, cap, ncap = 0;
	const char *seen[2] = { NULL, NULL };
	struct span seen_text[2], seen_norm[2];
	char *nf = NULL;
	int err = -ENOMEM;

	/* grown as needed: about one code point per byte of word text */
	cap = 8 * (size_t)ix->n + 64;
	ix->cps = malloc(cap * sizeof(*ix->cps));
	ix->text = malloc(((size_t)ix->n + 1) * sizeof(*ix->text));
	ix->norm = malloc(((size_t)ix->n + 1) * sizeof(*ix->norm));
	if (!ix->cps || !ix->text || !ix->norm)
		goto out;
	for (int i = 0; i < ix->n; i++) {
		const char *w = s->words[i].text;
		struct span sp;
		size_t len;
		bool normal;
		int k, c;

		if (s->words[i].nalts > ix->maxalts)
			ix->maxalts = s->words[i].nalts;
		/* the two most recent distinct texts that needed their own
		 * normal form: in practice the two placeholders */
		for (c = 0; c < 2 && seen[c] != w; c++)
			;
		if (c < 2) {
			ix->text[i] = seen_text[c];
			ix->norm[i] = seen_norm[c];
			continue;
		}
		len = (size_t)s->words[i].len;
		sp = pool_word(&ix->cps, &used, &cap, w, len, &normal);
		if (sp.len == UINT32_MAX)
			goto out;
		ix->text[i] = sp;
		/* lower-case ASCII letters, digits and '_' are normal */
		if (normal) {
			ix->norm[i] = sp;
			continue;
		}
		if (ac_tk_grow((void **)&nf, &ncap, AC_NORM_CAP(len), 1))
			goto out;
		k = ac_normalize(w, len, nf, ncap);
		if (k < 0) {
			err = -EINVAL;
			goto out;
		}
		if ((size_t)k == len && !memcmp(nf, w, len)) {
			ix->norm[i] = ix->text[i];
			continue;
		}
		ix->norm[i] = pool_cps(&ix->cps, &used, &cap, nf, (size_t)k);
		if (ix->norm[i].len == UINT32_MAX)
			goto out;
		seen[1] = seen[0];
		seen_text[1] = seen_text[0];
		seen_norm[1] = seen_norm[0];
		seen[0] = w;
		seen_text[0] = ix->text[i];
		seen_norm[0] = ix->norm[i];
	}
	/* the estimate's unused tail back to the heap (one huge page) */
	if (used + 1 < cap) {
		uint32_t *c = realloc(ix->cps, (used + 1) * sizeof(*ix->cps));

		if (c)
			ix->cps = c;
	}
	err = 0;
out:
	free(nf);
	return err;
}

static int alt_rehash(struct tk_index *ix)
{
	struct alt_entry *old = ix->alt_tab;
	size_t n = ix->alt_nslots;

	ix->alt_nslots = n ? 2 * n : 256;
	ix->alt_tab = calloc(ix->alt_nslots, sizeof(*ix->alt_tab));
	if (!ix->alt_tab) {
		ix->alt_tab = old;
		ix->alt_nslots = n;
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		if (old[i].w)
			ix->alt_tab[ac_tk_alt_slot(ix, old[i].w)] = old[i];
	free(old);
	return 0;
}

bool ac_tk_alt_cps_add(struct tk_index *ix, const char *w, struct span *sp)
{
	size_t h, len;

	if (2 * (ix->alt_used + 1) > ix->alt_nslots && alt_rehash(ix))
		return false;
	h = ac_tk_alt_slot(ix, w);
	len = strlen(w);
	/* a form that is not UTF-8 matches only as the same bytes */
	if (!ac_utf8_valid(w, len)) {
		*sp = (struct span){ 0, ALT_NOT_UTF8 };
	} else {
		*sp = pool_cps(&ix->alt_cps, &ix->alt_ncps, &ix->alt_cps_cap,
			       w, len);
		if (sp->len == UINT32_MAX)
			return false;
	}
	ix->alt_tab[h] = (struct alt_entry){ w, *sp };
	ix->alt_used++;
	return true;
}

/* A distinct window token: a view into a script word's text. */
struct tview {
	const char *p;
	uint32_t len;
	uint32_t hash;
	uint64_t pre;		/* token_key()'s prefix */
};

/* n <= 8 bytes at p as a big-endian number, whatever the host's order:
 * byte 0 most significant, as strcmp weighs it */
static uint64_t load_be(const unsigned char *p, unsigned n)
{
	uint64_t x = n == 8 ? load8(p) : load4(p);

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	x = n == 8 ? __builtin_bswap64(x) : __builtin_bswap32((uint32_t)x);
#endif
	return x;
}

/*
 * A token's first 8 bytes, big-endian, zero-padded, into *pre (which
 * orders like strcmp as far as it goes: tokens hold no NUL, and equal
 * tokens of up to 8 bytes are told apart by it and their length alone),
 * and a hash of all its bytes; *cut: p[0..len) may hold whitespace, so it
 * may be more than one token. Read in words, the short ends as two
 * overlapping loads, never past the token.
 */
static uint32_t token_key(const unsigned char *p, uint32_t len, uint64_t *pre,
			  bool *cut)
{
	const uint64_t pad = 0x2121212121212121ULL;	/* cuts nothing */
	uint64_t k, c, h = len;

	if (len >= 8) {
		k = load_be(p, 8);
		c = k;
		for (uint32_t i = 8; i < len; i += 8) {
			uint64_t x = load8(p + (len - i < 8 ? len - 8 : i));

			c |= ac_may_cut8(x);
			h = (h ^ x) * 0x9e3779b97f4a7c15ULL;
			h ^= h >> 32;
		}
	} else {
		/* the overlap of two loads holds the same bytes twice */
		if (len >= 4)
			k = load_be(p, 4) << 32 |
			    load_be(p + len - 4, 4) << 8 * (8 - len);
		else if (len)
			k = (uint64_t)p[0] << 56 |
			    (uint64_t)p[len / 2] << (56 - 8 * (len / 2)) |
			    (uint64_t)p[len - 1] << (56 - 8 * (len - 1));
		else
			k = 0;
		/* the bytes past the token cut nothing */
		c = k | pad >> 8 * len;
	}
	*pre = k;
	*cut = ac_may_cut8(c) != 0;
	/* the prefix's high bytes folded down before the multiply, which
	 * carries only upwards */
	h ^= k ^ k >> 32;
	return (uint32_t)((h * 0x9e3779b97f4a7c15ULL) >> 32);
}

/* Interning table: open addressing over ids into dist[], at most half
 * full; sized for the distinct tokens, which are few next to the words. */
struct intern {
	int *slot;
	size_t nslots;
	struct tview *dist;
	size_t ndist, dist_cap;
};

static int intern_rehash(struct intern *in, size_t nslots)
{
	int *slot = malloc(nslots * sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	memset(slot, 0xff, nslots * sizeof(*slot));
	for (size_t d = 0; d < in->ndist; d++) {
		size_t h = in->dist[d].hash & (nslots - 1);

		while (slot[h] >= 0)
			h = (h + 1) & (nslots - 1);
		slot[h] = (int)d;
	}
	free(in->slot);
	in->slot = slot;
	in->nslots = nslots;
	return 0;
}

/* id of the token, added if new; -ENOMEM */
static int intern_add(struct intern *in, const char *p, uint32_t len,
		      uint32_t hash, uint64_t pre)
{
	size_t h;

	if (2 * (in->ndist + 1) > in->nslots &&
	    intern_rehash(in, 2 * in->nslots))
		return -ENOMEM;
	for (h = hash & (in->nslots - 1);; h = (h + 1) & (in->nslots - 1)) {
		const struct tview *d;

		if (in->slot[h] < 0)
			break;
		d = &in->dist[in->slot[h]];
		if (d->hash == hash && d->len == len && d->pre == pre &&
		    (len <= 8 || !memcmp(d->p + 8, p + 8, len - 8)))
			return in->slot[h];
	}
	if (ac_tk_grow((void **)&in->dist, &in->dist_cap, in->ndist + 1,
		 sizeof(*in->dist)))
		return -ENOMEM;
	in->dist[in->ndist] = (struct tview){ p, len, hash, pre };
	in->slot[h] = (int)in->ndist;
	return (int)in->ndist++;
}

/* Sort key of a token: its prefix (token_key). */
struct rkey {
	uint64_t k;
	int id;
};

static int rkey_cmp_text(const void *a, const void *b, void *dist)
{
	const struct tview *d = dist;

	return strcmp(d[((const struct rkey *)a)->id].p,
		      d[((const struct rkey *)b)->id].p);
}

/* Sorts v[0..n) by key, then by text where keys tie (tokens that share
 * their first 8 bytes), with tmp for n more: a stable LSD radix sort, a
 * byte a pass, which skips the bytes every key has the same of; then the
 * runs of one key, which are few, by strcmp. The mispredicted branches of
 * a comparison sort cost more than the passes. */
static void rkey_sort(struct rkey *v, struct rkey *tmp, size_t n,
		      const struct tview *dist)
{
	uint32_t count[8][256] = { { 0 } };
	struct rkey *a = v, *b = tmp, *t;

	for (size_t i = 0; i < n; i++)
		for (int d = 0; d < 8; d++)
			count[d][(v[i].k >> (8 * d)) & 0xff]++;
	for (int d = 0; d < 8; d++) {
		uint32_t sum = 0, c;

		if (count[d][(v[0].k >> (8 * d)) & 0xff] == n)
			continue;
		for (int x = 0; x < 256; x++) {
			c = count[d][x];
			count[d][x] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			b[count[d][(a[i].k >> (8 * d)) & 0xff]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	if (a != v)
		memcpy(v, a, n * sizeof(*v));
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && v[j].k == v[i].k; j++)
			;
		if (j - i > 1)
			qsort_r(v + i, j - i, sizeof(*v), rkey_cmp_text,
				(void *)dist);
	}
}

/* Appends token p[0..len) (h and pre from token_key) to ix->tok,
 * interned. */
static int add_token(struct tk_index *ix, struct intern *in,
		     const unsigned char *p, uint32_t len, uint32_t h,
		     uint64_t pre, int *nall, size_t *cap)
{
	int id = intern_add(in, (const char *)p, len, h, pre);

	if (id < 0 || ac_tk_grow((void **)&ix->tok, cap, (size_t)*nall + 2,
				 sizeof(*ix->tok)))
		return -ENOMEM;
	ix->tok[(*nall)++] = id;
	return 0;
}

/* The window tokens of word w, interned, appended to ix->tok. Most words
 * are one token (only the placeholders and non-ASCII text may hold
 * whitespace): those are keyed in the one pass that finds so. */
static int add_word_tokens(struct tk_index *ix, struct intern *in,
			   const struct ac_word *w, int *nall, size_t *cap)
{
	const unsigned char *p = (const unsigned char *)w->text, *e;
	uint64_t pre;
	uint32_t h;
	bool cut;

	h = token_key(p, (uint32_t)w->len, &pre, &cut);
	if (!cut && w->len)
		return add_token(ix, in, p, (uint32_t)w->len, h, pre, nall,
				 cap);
	/* the texts are terminated strings, so a token's bytes are
	 * followed by whitespace or NUL */
	for (p = ac_skip_space(p); *p; p = ac_skip_space(e)) {
		e = ac_scan_word(p, NULL);
		h = token_key(p, (uint32_t)(e - p), &pre, &cut);
		if (add_token(ix, in, p, (uint32_t)(e - p), h, pre, nall, cap))
			return -ENOMEM;
	}
	return 0;
}

/* Whitespace tokens of the script words' texts (placeholders such as
 * "<numeric expansion>" are two), interned by hashing, then ranked in
 * code-point order (strcmp order for UTF-8). Only the distinct tokens are
 * sorted: a script has a few thousand of them among ten thousand words. */
static int build_tokens(struct tk_index *ix, const struct ac_script *s)
{
	struct intern in = { 0 };
	struct rkey *keys = NULL;
	int *rank = NULL;
	size_t wtok_cap = 0, bytes = 0, pos = 0, used = 0, cps_cap = 0;
	int nall = 0, err = -ENOMEM;

	ix->tok_off = malloc(((size_t)ix->n + 1) * sizeof(*ix->tok_off));
	if (!ix->tok_off || intern_rehash(&in, 1024) ||
	    ac_tk_grow((void **)&ix->tok, &wtok_cap, (size_t)ix->n + 16,
		 sizeof(*ix->tok)))
		goto out;

	for (int i = 0; i < ix->n; i++) {
		ix->tok_off[i] = nall;
		if (add_word_tokens(ix, &in, &s->words[i], &nall, &wtok_cap))
			goto out;
	}
	ix->tok_off[ix->n] = nall;

	/* NUL-terminated copies of the distinct tokens, ranked */
	for (size_t d = 0; d < in.ndist; d++)
		bytes += in.dist[d].len + 1;
	ix->tok_pool = malloc(bytes + 1);
	ix->tok_str = malloc((in.ndist + 1) * sizeof(*ix->tok_str));
	ix->tok_cp = malloc((in.ndist + 1) * sizeof(*ix->tok_cp));
	/* and room for rkey_sort's passes */
	keys = malloc(2 * (in.ndist + 1) * sizeof(*keys));
	rank = malloc((in.ndist + 1) * sizeof(*rank));
	if (!ix->tok_pool || !ix->tok_str || !ix->tok_cp || !keys || !rank)
		goto out;
	for (size_t d = 0; d < in.ndist; d++) {
		struct tview *v = &in.dist[d];

		memcpy(ix->tok_pool + pos, v->p, v->len);
		ix->tok_pool[pos + v->len] = '\0';
		v->p = ix->tok_pool + pos;	/* terminated, for strcmp */
		pos += v->len + 1;
		keys[d] = (struct rkey){ v->pre, (int)d };
	}
	if (in.ndist)
		rkey_sort(keys, keys + in.ndist + 1, in.ndist, in.dist);
	for (size_t r = 0; r < in.ndist; r++) {
		const struct tview *v = &in.dist[keys[r].id];

		rank[keys[r].id] = (int)r;
		ix->tok_str[r] = v->p;
		ix->tok_cp[r] = pool_cps(&ix->tok_cps, &used, &cps_cap, v->p,
					v->len);
		if (ix->tok_cp[r].len == UINT32_MAX)
			goto out;
	}
	for (int i = 0; i < nall; i++)
		ix->tok[i] = rank[ix->tok[i]];
	ix->ntoks = (int)in.ndist;
	err = 0;
out:
	free(in.slot);
	free(in.dist);
	free(keys);
	free(rank);
	return err;
}

int ac_tk_index_build(struct tk_index *ix, const struct ac_script *s)
{
	int err;

	ix->n = s->n;
	err = build_words(ix, s);
	return err ? err : build_tokens(ix, s);
}

void ac_tk_index_free(struct tk_index *ix)
{
	free(ix->cps);
	free(ix->text);
	free(ix->norm);
	free(ix->tok_off);
	free(ix->tok);
	free(ix->tok_str);
	free(ix->tok_pool);
	free(ix->tok_cp);
	free(ix->tok_cps);
	free(ix->alt_tab);
	free(ix->alt_cps);
}
