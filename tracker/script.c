// SPDX-License-Identifier: MIT
/*
 * Script parsing in three stages (TRACKER-SPEC.md §2, §5.12): Markdown to
 * raw tokens, raw tokens to speakable words, raw lines to word_to_line.
 * Every string lives in one arena freed with the script.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include "autocue_usdt.h"
#include "arena.h"
#include "markdown.h"
#include "normalize.h"
#include "numbers.h"
#include "punct.h"
#include "script.h"
#include "sse2.h"
#include "utf8.h"

AUTOCUE_PROBE(script_parse);
AUTOCUE_PROBE(script_markdown);
AUTOCUE_PROBE(script_tokenize);
AUTOCUE_PROBE(script_expand_numbers);
AUTOCUE_PROBE(script_lines);

static const char EXPANSION[] = "<expansion>";
static const char NUMERIC_EXPANSION[] = "<numeric expansion>";

struct script {
	struct ac_script pub;	/* first: the public view */
	struct ac_arena arena;
	struct ac_raw *raw;
	int raw_cap;
	struct ac_word *words;
	int words_cap;
	struct ac_line *lines;
	int *w2l;
};

struct parser {
	struct script *s;
	char *norm;		/* scratch for ac_normalize */
	size_t norm_cap;
	struct pending *pending;	/* number words, in word order */
	int npending, pending_cap;
	char *err;
	size_t errlen;
};

static struct script *of(const struct ac_script *pub)
{
	return (struct script *)pub;
}

static void set_err(struct parser *p, const char *msg)
{
	if (p->errlen)
		snprintf(p->err, p->errlen, "%s", msg);
}

/* ------------------------------------------------------------------ */
/* Input                                                               */

/* The reference reads scripts in text mode, so "\r\n" and "\r" arrive as
 * "\n"; NUL becomes U+FFFD as CommonMark asks, which also keeps every
 * string NUL-terminated. Scripts that need neither are used in place: the
 * stages copy what they keep. */
static const char *clean_input(struct ac_arena *a, const char *md, size_t len,
			       size_t *out_len)
{
	size_t i, nul = 0;
	char *d, *o;

	if (!memchr(md, '\r', len) && !memchr(md, '\0', len)) {
		*out_len = len;
		return md;
	}
	for (i = 0; i < len; i++)
		nul += md[i] == '\0';
	d = o = ac_arena_alloc(a, len + 2 * nul + 1);
	if (!d)
		return NULL;
	for (i = 0; i < len; i++) {
		if (md[i] == '\r') {
			*o++ = '\n';
			if (i + 1 < len && md[i + 1] == '\n')
				i++;
		} else if (md[i] == '\0') {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
		} else {
			*o++ = md[i];
		}
	}
	*o = '\0';
	*out_len = o - d;
	return d;
}

/* ------------------------------------------------------------------ */
/* Stage 1: raw tokens                                                 */

static int add_raw(void *ctx, const char *text, size_t len, bool header)
{
	struct parser *p = ctx;
	struct script *s = p->s;
	struct ac_raw *r;
	char *t;

	if (s->pub.nraw == s->raw_cap) {
		if (s->raw_cap > INT32_MAX / 2)
			return -1;
		s->raw_cap = s->raw_cap ? 2 * s->raw_cap : 256;
		r = realloc(s->raw, s->raw_cap * sizeof(*r));
		if (!r)
			return -1;
		s->raw = r;
	}
	if (len > INT32_MAX)
		return -1;
	t = ac_arena_strndup(&s->arena, text, len);
	if (!t)
		return -1;
	s->raw[s->pub.nraw++] = (struct ac_raw){ .text = t, .header = header,
						 .len = (int)len };
	return 0;
}

static int stage_markdown(struct parser *p, const char *md, size_t len)
{
	AUTOCUE_TRACE(script_markdown);

	if (ac_markdown_tokens(md, len, add_raw, p)) {
		set_err(p, "out of memory rendering Markdown");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Stage 2: speakable words                                            */

static int add_word(struct parser *p, int ri, const char *text, size_t len,
		    const struct ac_alt *alts, int nalts)
{
	struct script *s = p->s;
	struct ac_word *w;

	if (s->pub.n == s->words_cap) {
		if (s->words_cap > INT32_MAX / 2)
			goto nomem;
		s->words_cap = s->words_cap ? 2 * s->words_cap : 256;
		w = realloc(s->words, s->words_cap * sizeof(*w));
		if (!w)
			goto nomem;
		s->words = w;
	}
	s->words[s->pub.n++] = (struct ac_word){
		.text = text,
		.len = (int)len,
		.raw = ri,
		.header = s->raw[ri].header,
		.nalts = nalts,
		.alts = alts,
	};
	return 0;
nomem:
	set_err(p, "out of memory");
	return -1;
}

/* Normal form of t[0..n), a piece of a raw token, or "" when nothing is
 * left; its length goes to *len. Most words ("the", "and") are their own
 * normal form and end their raw token, whose NUL-terminated text then
 * serves; others get a copy in the arena. */
static const char *normalized(struct parser *p, const char *t, size_t n,
			      size_t *len)
{
	size_t cap = AC_NORM_CAP(n);
	char *b;
	int k;

	if (cap > p->norm_cap) {
		b = realloc(p->norm, cap);
		if (!b)
			return NULL;
		p->norm = b;
		p->norm_cap = cap;
	}
	k = ac_normalize(t, n, p->norm, p->norm_cap);
	*len = k > 0 ? (size_t)k : 0;
	if (k <= 0)
		return "";
	if ((size_t)k == n && !t[n] && !memcmp(p->norm, t, n))
		return t;
	return ac_arena_strndup(&p->s->arena, p->norm, k);
}

/* A number word waiting for its spoken forms: tokenizing only decides
 * that a sub-token is a number, and the expansion runs as a stage of its
 * own, so that it is traced once per parse rather than once per number. */
struct pending {
	int word;
	const char *t;		/* the sub-token */
	uint32_t n;
	uint32_t b, e;		/* its number core (surrounding punctuation
				 * stripped) */
};

static int add_pending(struct parser *p, const char *t, size_t n, size_t b,
		       size_t e)
{
	struct pending *v;

	if (p->npending == p->pending_cap) {
		if (p->pending_cap > INT32_MAX / 2)
			return -1;
		p->pending_cap = p->pending_cap ? 2 * p->pending_cap : 64;
		v = realloc(p->pending, p->pending_cap * sizeof(*v));
		if (!v)
			return -1;
		p->pending = v;
	}
	p->pending[p->npending++] = (struct pending){
		.word = p->s->pub.n, .t = t, .n = (uint32_t)n,
		.b = (uint32_t)b, .e = (uint32_t)e,
	};
	return 0;
}

/*
 * §2.3 step 2: one sub-token to at most one speakable word. not_number:
 * the caller already knows that neither the sub-token nor its stripped core
 * is a number token, which is the common case of a whole raw token.
 */
static int classify(struct parser *p, int ri, const char *t, size_t n,
		    bool not_number)
{
	const struct ac_alt *alts;
	const char *w;
	size_t b = 0, e = n, len;
	int k;

	alts = ac_punct_expansions(t, n, &k);
	if (alts)
		return add_word(p, ri, EXPANSION, sizeof(EXPANSION) - 1, alts,
				k);
	if (!not_number) {
		ac_punct_strip_surrounding(t, &b, &e);
		if (ac_number_is_token(t + b, e - b)) {
			if (add_pending(p, t, n, b, e)) {
				set_err(p, "out of memory");
				return -1;
			}
			return add_word(p, ri, NUMERIC_EXPANSION,
					sizeof(NUMERIC_EXPANSION) - 1, NULL, 0);
		}
	}
	if (ac_punct_is_silent(t, n))
		return 0;
	w = normalized(p, t, n, &len);
	if (!w) {
		set_err(p, "out of memory");
		return -1;
	}
	return *w ? add_word(p, ri, w, len, NULL, 0) : 0;
}

/* The token itself or its surrounding-punctuation-stripped core is a
 * number: such tokens are never split. */
static bool whole_number(const char *t, size_t n)
{
	size_t b = 0, e = n;

	ac_punct_strip_surrounding(t, &b, &e);
	return ac_number_is_token(t + b, e - b) ||
	       ((b || e < n) && ac_number_is_token(t, n));
}

/* Operator splitting of one period-free part (§2.3 1c); not_number as for
 * classify(), for the part as a whole. */
static int split_operators(struct parser *p, int ri, const char *t, size_t n,
			   bool not_number)
{
	size_t i = 0, start = 0, k;

	if (!not_number && whole_number(t, n))
		return classify(p, ri, t, n, false);
	while (i < n && !ac_punct_may_cut(t[i]))
		i++;
	while (i < n) {
		k = ac_punct_operator_len(t + i, n - i);
		if (!k) {
			i++;
			continue;
		}
		if (i > start && classify(p, ri, t + start, i - start, false))
			return -1;
		if (classify(p, ri, t + i, k, false))
			return -1;
		i += k;
		start = i;
	}
	if (start == 0)
		return classify(p, ri, t, n, true);
	if (start < n)
		return classify(p, ri, t + start, n - start, false);
	return 0;
}

/* Byte classes for plain_word(). */
enum { B_UPPER = 1, B_OTHER = 2, B_DOT = 4, B_SLOW = 8, B_LOWER = 16 };

static const unsigned char byte_class[256] = {
	/* digits, '/' and the operators start numbers and splits */
	[0x00 ... 0x24] = B_OTHER, ['%'] = B_SLOW, ['&'] = B_SLOW,
	['\''] = B_OTHER, ['('] = B_OTHER, [')'] = B_OTHER, ['*'] = B_SLOW,
	['+'] = B_SLOW, [','] = B_OTHER, ['-'] = B_OTHER, ['.'] = B_DOT,
	['/'] = B_SLOW, ['0' ... '9'] = B_SLOW, [':'] = B_OTHER,
	[';'] = B_OTHER, ['<'] = B_SLOW, ['='] = B_SLOW, ['>'] = B_SLOW,
	['?'] = B_OTHER, ['@'] = B_SLOW, ['A' ... 'Z'] = B_UPPER,
	['['] = B_OTHER, ['\\'] = B_SLOW, [']'] = B_OTHER, ['^'] = B_SLOW,
	['_'] = B_LOWER, ['`'] = B_OTHER, ['a' ... 'z'] = B_LOWER,
	['{'] = B_OTHER, ['|'] = B_SLOW, ['}'] = B_OTHER, ['~'] = B_SLOW,
	[0x7f] = B_OTHER, [0x80 ... 0xff] = B_SLOW,
};

/*
 * classify(p, ri, t, n, true) for plain_word()'s ASCII tokens: no spoken
 * punctuation (those are 1-2 bytes of it, and a token this short is all
 * letters), and one that is silent punctuation normalizes to nothing as
 * well. So the word is the normal form alone, written straight into the
 * arena: normalizing ASCII never lengthens it.
 */
static int ascii_word(struct parser *p, int ri, const char *t, size_t n)
{
	char *w = ac_arena_chars(&p->s->arena, n + 1);
	int k;

	if (!w) {
		set_err(p, "out of memory");
		return -1;
	}
	k = ac_normalize(t, n, w, n + 1);
	return k > 0 ? add_word(p, ri, w, (size_t)k, NULL, 0) : 0;
}

/*
 * The common raw token in one scan: ASCII without digits, '/' or
 * operators, periods only at its end, and more than 3 characters left once
 * surrounding punctuation is stripped (or else letters only and no unit).
 * Such a token can be no number (those need a digit, a '/' or 2-3
 * letters), has no split, and is one word: the period handling leaves
 * t[0..e), e = n minus the trailing periods. This is exactly where
 * tokenize_raw()'s general path ends too, with classify() of that part.
 * Returns 1 when the token is not of this kind.
 */
static int plain_word(struct parser *p, int ri, const char *t, size_t n)
{
	size_t e = n, b = 0, ce;
	unsigned flags = 0;
	const char *w;

	while (e > 0 && t[e - 1] == '.')
		e--;
	for (size_t i = 0; i < e; i++)
		flags |= byte_class[(unsigned char)t[i]];
	if (flags & (B_DOT | B_SLOW))
		return 1;
	ce = e;
	/* surrounding punctuation is all of B_OTHER (B_DOT, B_SLOW are out) */
	if (flags & B_OTHER)
		ac_punct_strip_surrounding(t, &b, &ce);
	/* short words ("the", "to") are common too: when all letters, the
	 * token is its own stripped core, and only a unit is a number */
	if (ce - b <= 3 && (e < n || (flags & ~(B_LOWER | B_UPPER)) ||
			    ac_number_is_token(t, n)))
		return 1;
	if (flags & (B_UPPER | B_OTHER))
		return ascii_word(p, ri, t, e);
	/* already in normal form: lower-case letters and '_' */
	w = e == n ? t : ac_arena_strndup(&p->s->arena, t, e);
	if (!w) {
		set_err(p, "out of memory");
		return -1;
	}
	return add_word(p, ri, w, e, NULL, 0);
}

/*
 * §2.3 step 1 for raw token ri. The period handling only ever yields the
 * runs of non-'.' text with "." sub-tokens between them, and a "." sub-token
 * is silent punctuation, so splitting at every '.' and dropping the empty
 * pieces gives the same words.
 */
static int tokenize_raw(struct parser *p, int ri)
{
	const char *t = p->s->raw[ri].text, *dot;
	size_t n = (size_t)p->s->raw[ri].len, i = 0, j;
	int r = plain_word(p, ri, t, n);

	if (r <= 0)
		return r;
	if (whole_number(t, n))
		return classify(p, ri, t, n, false);
	while (i < n) {
		dot = memchr(t + i, '.', n - i);
		j = dot ? (size_t)(dot - t) : n;
		/* a part that is the whole token was just found no number */
		if (j > i && split_operators(p, ri, t + i, j - i, j - i == n))
			return -1;
		i = j + 1;
	}
	return 0;
}

static int stage_tokenize(struct parser *p)
{
	AUTOCUE_TRACE(script_tokenize);
	struct script *s = p->s;
	int ri;

	for (ri = 0; ri < s->pub.nraw; ri++) {
		s->raw[ri].first = s->pub.n;
		if (tokenize_raw(p, ri))
			return -1;
		s->raw[ri].n = s->pub.n - s->raw[ri].first;
	}
	return 0;
}

/* A number word whose expansion came back empty falls back to what
 * classify() does with any other word (§2.3); that may leave nothing, and
 * the words behind it move up. The expander names every token it accepts,
 * so this is a safety net, not a path the sample scripts take. */
static int number_fallback(struct parser *p, const struct pending *q,
			   bool *drop)
{
	const char *w = "";
	size_t len = 0;

	if (!ac_punct_is_silent(q->t, q->n)) {
		w = normalized(p, q->t, q->n, &len);
		if (!w)
			return -1;
	}
	if (*w) {
		p->s->words[q->word].text = w;
		p->s->words[q->word].len = (int)len;
	} else {
		drop[q->word] = true;
	}
	return 0;
}

static void drop_words(struct script *s, const bool *drop)
{
	int i, o = 0;

	for (i = 0; i < s->pub.nraw; i++)
		s->raw[i].n = 0;
	for (i = 0; i < s->pub.n; i++)
		if (!drop[i])
			s->words[o++] = s->words[i];
	s->pub.n = o;
	for (i = s->pub.n - 1; i >= 0; i--) {
		s->raw[s->words[i].raw].first = i;
		s->raw[s->words[i].raw].n++;
	}
	for (i = 0, o = 0; i < s->pub.nraw; i++) {
		if (!s->raw[i].n)
			s->raw[i].first = o;
		o = s->raw[i].first + s->raw[i].n;
	}
}

/* Scripts repeat their numbers (years, amounts, "1"), and a number's
 * spoken forms depend on its core's bytes alone: an open-addressing table
 * of the cores expanded so far (by pending index + 1; 0 is empty) lets a
 * repeat share the first one's forms instead of expanding again. */
struct expanded {
	int *slot;
	size_t mask;
};

static uint32_t core_hash(const struct pending *q)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (uint32_t i = q->b; i < q->e; i++)
		h = (h ^ (unsigned char)q->t[i]) * 16777619u;
	return h;
}

/* The slot of q's core: the earlier pending with the same core, or the
 * empty slot where q goes. */
static int *expanded_slot(const struct expanded *x, const struct pending *v,
			  const struct pending *q)
{
	size_t h = core_hash(q) & x->mask, n = q->e - q->b;

	for (;; h = (h + 1) & x->mask) {
		const struct pending *r;

		if (!x->slot[h])
			return &x->slot[h];
		r = &v[x->slot[h] - 1];
		if (r->e - r->b == n && !memcmp(r->t + r->b, q->t + q->b, n))
			return &x->slot[h];
	}
}

static int stage_expand_numbers(struct parser *p)
{
	AUTOCUE_TRACE(script_expand_numbers);
	struct script *s = p->s;
	struct expanded x = { .mask = 15 };
	bool *drop = NULL;
	char msg[160];
	int i, k, rc = -1, *slot;

	while (x.mask < 2 * (size_t)p->npending)
		x.mask = 2 * x.mask + 1;
	if (p->npending && !(x.slot = calloc(x.mask + 1, sizeof(*x.slot))))
		goto nomem;
	for (i = 0; i < p->npending; i++) {
		const struct pending *q = &p->pending[i];
		const struct ac_alt *alts;

		slot = expanded_slot(&x, p->pending, q);
		if (*slot) {
			const struct ac_word *w = &s->words[p->pending[*slot - 1].word];

			s->words[q->word].alts = w->alts;
			s->words[q->word].nalts = w->nalts;
			continue;
		}
		k = ac_number_expand(&s->arena, q->t + q->b, q->e - q->b,
				     &alts, msg, sizeof(msg));
		if (k < 0) {
			set_err(p, msg);
			goto out;
		}
		if (k > 0) {
			s->words[q->word].alts = alts;
			s->words[q->word].nalts = k;
			*slot = i + 1;
			continue;
		}
		if (!drop && !(drop = calloc(s->pub.n, sizeof(*drop))))
			goto nomem;
		if (number_fallback(p, q, drop))
			goto nomem;
	}
	if (drop)
		drop_words(s, drop);
	rc = 0;
	goto out;
nomem:
	set_err(p, "out of memory");
out:
	free(x.slot);
	free(drop);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Stage 3: lines (§5.12)                                              */

/* How a line's ASCII bytes count towards its words (count_words_utf8(),
 * and the masks' portable build); '\n' separates like the rest of ASCII
 * whitespace (only the masks see it: lines reach count_words_utf8()
 * without it). */
enum { L_OTHER, L_SPACE, L_WORD };

static const unsigned char line_class[128] = {
	['\t' ... '\r'] = L_SPACE, [0x1c ... 0x1f] = L_SPACE, [' '] = L_SPACE,
	['0' ... '9'] = L_WORD, ['A' ... 'Z'] = L_WORD, ['a' ... 'z'] = L_WORD,
	['_'] = L_WORD,
};

/* normalize(t[0..n)) is non-empty, for a word without an ASCII word
 * character (one of those always survives normalization). */
static int nonascii_word_counts(struct parser *p, const char *t, size_t n)
{
	if (p->norm_cap < AC_NORM_CAP(n)) {
		char *nb = realloc(p->norm, AC_NORM_CAP(n));

		if (!nb)
			return -1;
		p->norm = nb;
		p->norm_cap = AC_NORM_CAP(n);
	}
	return ac_normalize(t, n, p->norm, p->norm_cap) > 0;
}

/* A line's word count (first_word_chars()) for any text */
static int count_words_utf8(struct parser *p, const char *t, size_t n)
{
	size_t i = 0, start = 0;
	bool in = false, word = false, nonascii = false, space;
	int32_t c;
	int k, count = 0, r;

	for (;;) {
		unsigned char b = i < n ? (unsigned char)t[i] : ' ';
		int cls = L_OTHER;

		if (b < 0x80) {
			k = 1;
			cls = line_class[b];
			space = cls == L_SPACE;
		} else {
			k = ac_utf8_next(t + i, n - i, &c);
			if (k < 0)
				return -1;
			space = ac_uc_isspace(c);
		}
		if (space) {
			if (in && (word || nonascii)) {
				r = word ? 1 : nonascii_word_counts(p, t + start,
								    i - start);
				if (r < 0)
					return -1;
				count += r;
			}
			in = false;
		} else {
			if (!in) {
				in = true;
				start = i;
				word = nonascii = false;
			}
			word |= cls == L_WORD;
			nonascii |= b >= 0x80;
		}
		if (i >= n)
			return count;
		i += k;
	}
}

/* Where each kind of byte is in a 64-byte block, a bit a byte: word
 * characters, separators (the whitespace of line_class and '\n'),
 * newlines and non-ASCII bytes. */
struct line_masks {
	uint64_t word, sep, nl, high;
};

static void line_masks(const unsigned char *b, struct line_masks *m)
{
	*m = (struct line_masks){ 0 };
#ifdef __SSE2__
	for (int i = 0; i < 64; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(b + i));
		__m128i lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
		__m128i w = _mm_or_si128(
			_mm_or_si128(ac_sse2_in_range(v, '0', '9'),
				     ac_sse2_in_range(lower, 'a', 'z')),
			_mm_cmpeq_epi8(v, _mm_set1_epi8('_')));
		__m128i sep = _mm_or_si128(ac_sse2_in_range(v, '\t', '\r'),
					   ac_sse2_in_range(v, 0x1c, ' '));

		m->word |= (uint64_t)(unsigned)_mm_movemask_epi8(w) << i;
		m->sep |= (uint64_t)(unsigned)_mm_movemask_epi8(sep) << i;
		m->nl |= (uint64_t)(unsigned)_mm_movemask_epi8(
			_mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))) << i;
		m->high |= (uint64_t)(unsigned)_mm_movemask_epi8(v) << i;
	}
#else
	for (int i = 0; i < 64; i++) {
		unsigned cls = b[i] < 0x80 ? line_class[b[i]] : L_OTHER;

		m->word |= (uint64_t)(cls == L_WORD) << i;
		m->sep |= (uint64_t)(cls == L_SPACE) << i;
		m->nl |= (uint64_t)(b[i] == '\n') << i;
		m->high |= (uint64_t)(b[i] >= 0x80) << i;
	}
#endif
}

/*
 * The words that count on an ASCII line (§5.12): the whitespace-separated
 * pieces with a word character, each counted at its first one, which is a
 * word character after a separator or after other bytes that follow one.
 * In a block: in_word has the bytes after which a piece has had its word
 * character (a word character, and the runs of other bytes after one,
 * filled by a carry through the run); *carry is the block's last such
 * bit, for the next. Returns the first word characters.
 */
static uint64_t first_word_chars(const struct line_masks *m, uint64_t *carry)
{
	uint64_t other = ~(m->word | m->sep);
	uint64_t after = (m->word << 1 | *carry) & other;
	uint64_t in_word = m->word | (other & ~(other + after));

	after = in_word << 1 | *carry;
	*carry = in_word >> 63;
	return m->word & ~after;
}

/* not __builtin_popcountll: without -mpopcnt (a portable build) that is
 * a libgcc call, slower than this loop for the few words a line has */
static int nbits(uint64_t v)
{
	int n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

/* Line li, text[from..to) (to at its '\n' or the end), with count words if
 * it is ASCII (ascii) or else counted by decoding. */
static int add_line(struct parser *p, char *text, size_t from, size_t to,
		    int li, int count, bool ascii, int *counter)
{
	struct script *s = p->s;

	if (!ascii) {
		count = count_words_utf8(p, text + from, to - from);
		if (count < 0)
			return -1;
	}
	/* the '\n', or the copy's terminating NUL */
	text[to] = '\0';
	s->lines[li].text = text + from;
	s->lines[li].start = *counter;
	s->lines[li].nwords = count;
	for (int w = 0; w < count && *counter < s->pub.n; w++)
		s->w2l[(*counter)++] = li;
	return 0;
}

/* Every line of text[0..len), counted 64 bytes a step: the newlines end
 * the lines, and the first word characters between them are their
 * counts. The tail is scanned from a copy padded with NULs (other). */
static int scan_lines(struct parser *p, char *text, size_t len, int *counter)
{
	unsigned char tail[64];
	struct line_masks m;
	uint64_t carry = 0, first, below;
	size_t from = 0, at;
	int li = 0, count = 0;
	bool high = false;

	for (size_t i = 0; i < len; i += 64) {
		if (len - i >= 64) {
			line_masks((const unsigned char *)text + i, &m);
		} else {
			memset(tail, 0, sizeof(tail));
			memcpy(tail, text + i, len - i);
			line_masks(tail, &m);
		}
		first = first_word_chars(&m, &carry);
		for (; m.nl; m.nl &= m.nl - 1) {
			at = (size_t)__builtin_ctzll(m.nl);
			below = ((uint64_t)1 << at) - 1;
			count += nbits(first & below);
			high |= (m.high & below) != 0;
			if (add_line(p, text, from, i + at, li++, count, !high,
				     counter))
				return -1;
			first &= ~below;
			m.high &= ~below;
			from = i + at + 1;
			count = 0;
			high = false;
		}
		count += nbits(first);
		high |= m.high != 0;
	}
	return add_line(p, text, from, len, li, count, !high, counter);
}

static int stage_lines(struct parser *p, const char *md, size_t len)
{
	AUTOCUE_TRACE(script_lines);
	struct script *s = p->s;
	size_t i, nl = 1;
	char *text;
	int counter = 0;

	/* a loop the compiler vectorizes: lines are short, and a memchr
	 * each cost more */
	for (i = 0; i < len; i++)
		nl += md[i] == '\n';
	if (nl > INT32_MAX)
		goto nomem;
	s->lines = calloc(nl, sizeof(*s->lines));
	s->w2l = malloc((s->pub.n ? s->pub.n : 1) * sizeof(*s->w2l));
	/* one copy of the text, cut into lines in place */
	text = ac_arena_strndup(&s->arena, md, len);
	if (!s->lines || !s->w2l || !text || scan_lines(p, text, len, &counter))
		goto nomem;
	s->pub.nlines = (int)nl;
	s->pub.nw2l = counter;
	return 0;
nomem:
	set_err(p, "out of memory");
	return -1;
}

/* ------------------------------------------------------------------ */

/* Gives back the unused tail of a doubled array (its cap follows): the
 * tracker's index is allocated next, and a replay's whole heap fits one
 * 2 MiB huge page only without these tails (replay.c,
 * heap_on_huge_pages). */
static void *fit(void *p, int n, int *cap, size_t elem)
{
	void *q = n ? realloc(p, (size_t)n * elem) : NULL;

	if (!q)
		return p;
	*cap = n;
	return q;
}

static void publish(struct script *s)
{
	s->pub.raw = s->raw;
	s->pub.words = s->words;
	s->pub.lines = s->lines;
	s->pub.word_to_line = s->w2l;
}

struct ac_script *ac_script_parse(const char *md, size_t len, char *err,
				  size_t errlen)
{
	AUTOCUE_TRACE(script_parse);
	struct parser p = { .err = err, .errlen = errlen };
	struct script *s;
	size_t bad, clen;
	const char *text;

	if (errlen)
		err[0] = '\0';
	bad = ac_utf8_invalid_at(md, len);
	if (bad < len) {
		if (errlen)
			snprintf(err, errlen, "invalid UTF-8 at byte %zu", bad);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		set_err(&p, "out of memory");
		return NULL;
	}
	p.s = s;
	ac_arena_init(&s->arena);
	text = clean_input(&s->arena, md, len, &clen);
	if (!text) {
		set_err(&p, "out of memory");
		goto fail;
	}
	if (stage_markdown(&p, text, clen) || stage_tokenize(&p) ||
	    stage_expand_numbers(&p) || stage_lines(&p, text, clen))
		goto fail;
	free(p.norm);
	free(p.pending);
	s->raw = fit(s->raw, s->pub.nraw, &s->raw_cap, sizeof(*s->raw));
	s->words = fit(s->words, s->pub.n, &s->words_cap, sizeof(*s->words));
	publish(s);
	return &s->pub;
fail:
	free(p.norm);
	free(p.pending);
	publish(s);
	ac_script_free(&s->pub);
	return NULL;
}

void ac_script_free(struct ac_script *pub)
{
	struct script *s;

	if (!pub)
		return;
	s = of(pub);
	free(s->raw);
	free(s->words);
	free(s->lines);
	free(s->w2l);
	ac_arena_release(&s->arena);
	free(s);
}

int ac_script_speakable_to_raw(const struct ac_script *s, int i)
{
	if (i < 0)
		return 0;
	if (i >= s->n)
		return s->nraw;
	return s->words[i].raw;
}

/* ------------------------------------------------------------------ */
/* Dump                                                                */

/* A JSON string as Python's json.dumps(ensure_ascii=False) writes it:
 * json-c escapes the same characters once told to leave '/' alone. */
static void put_json_string(FILE *f, const char *s)
{
	struct json_object *o = json_object_new_string(s);

	fputs(o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_NOSLASHESCAPE)
		: "null", f);
	json_object_put(o);
}

static void dump_word(FILE *f, const struct ac_script *s, int i)
{
	const struct ac_word *w = &s->words[i];
	int a, k;

	fprintf(f, "{\"kind\": \"speakable\", \"i\": %d, \"text\": ", i);
	put_json_string(f, w->text);
	fprintf(f, ", \"raw\": %d, \"is_expansion\": %s, \"is_header\": %s, "
		"\"expansions\": [", w->raw, w->nalts ? "true" : "false",
		w->header ? "true" : "false");
	for (a = 0; a < w->nalts; a++) {
		fputs(a ? ", [" : "[", f);
		for (k = 0; k < w->alts[a].n; k++) {
			if (k)
				fputs(", ", f);
			put_json_string(f, w->alts[a].w[k]);
		}
		putc(']', f);
	}
	fputs("]}\n", f);
}

int ac_script_dump_words(const struct ac_script *s, FILE *f)
{
	int i, k;

	fprintf(f, "{\"kind\": \"summary\", \"total_raw_tokens\": %d, "
		"\"total_speakable_words\": %d, \"n_lines\": %d, "
		"\"n_word_to_line\": %d}\n", s->nraw, s->n, s->nlines, s->nw2l);
	for (i = 0; i < s->nraw; i++) {
		fprintf(f, "{\"kind\": \"raw\", \"i\": %d, \"text\": ", i);
		put_json_string(f, s->raw[i].text);
		fputs(", \"speakable\": [", f);
		for (k = 0; k < s->raw[i].n; k++)
			fprintf(f, k ? ", %d" : "%d", s->raw[i].first + k);
		fputs("]}\n", f);
	}
	for (i = 0; i < s->n; i++)
		dump_word(f, s, i);
	for (i = 0; i < s->nlines; i++) {
		fprintf(f, "{\"kind\": \"line\", \"i\": %d, \"word_start_index\": %d, "
			"\"n_words\": %d, \"text\": ", i, s->lines[i].start,
			s->lines[i].nwords);
		put_json_string(f, s->lines[i].text);
		fputs("}\n", f);
	}
	fputs("{\"kind\": \"word_to_line\", \"map\": [", f);
	for (i = 0; i < s->nw2l; i++)
		fprintf(f, i ? ", %d" : "%d", s->word_to_line[i]);
	fputs("]}\n", f);
	return ferror(f) ? -1 : 0;
}
