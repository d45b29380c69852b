// SPDX-License-Identifier: MIT
/*
 * tracker_words.c - the transcript being processed: a private copy of the
 * stripped text, its words as str.split() cuts them, and each word's normal
 * form as bytes and as code points, which every comparison of the update
 * reads. Buffers only grow, so a steady stream of updates allocates nothing.
 */
#include <string.h>

#include "normalize.h"
#include "split.h"
#include "tracker_int.h"
#include "utf8.h"

const char *ac_tk_stripped_text(const char *text, size_t *len)
{
	size_t n;

	if (!text)
		return NULL;
	n = strlen(text);
	if (!ac_utf8_valid(text, n))
		return NULL;
	return ac_strip(text, n, len);
}

/* Index of the first byte that differs between the eight at x and y
 * (x != y) */
static inline size_t first_diff8(uint64_t x, uint64_t y)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (size_t)__builtin_ctzll(x ^ y) / 8;
#else
	return (size_t)__builtin_clzll(x ^ y) / 8;
#endif
}

/* How many leading bytes a and b (n bytes each at least) share: eight a
 * step, the tail as one last overlapping step (a partial mostly shares
 * all of the last one's text), no byte loop whose end mispredicts. */
static size_t common_bytes(const char *a, const char *b, size_t n)
{
	size_t i = 0;
	uint64_t x, y;

	if (n < 8) {
		while (i < n && a[i] == b[i])
			i++;
		return i;
	}
	for (;;) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return i + first_diff8(x, y);
		if (i + 8 >= n)
			return n;
		i = i + 16 <= n ? i + 8 : n - 8;
	}
}

/* The end of the word at p (not whitespace) of the loaded text, which
 * ends at end: ac_scan_word's answer, eight bytes a step to the first
 * byte that may stop it (whitespace and NUL are below 0x21, a character
 * past ASCII has its top bit set), which ac_scan_word then decides on.
 * The last word, short of eight bytes, is looked at in the eight that end
 * the text. No byte-at-a-time loop: its exit branch mispredicted once
 * a word. */
static const unsigned char *word_end(const char *text,
				     const unsigned char *p,
				     const unsigned char *end)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t tops = 0x8080808080808080ULL;
	uint64_t x, m;

	for (;;) {
		size_t left = (size_t)(end - p);

		if (left >= 8) {
			memcpy(&x, p, 8);
		} else if ((size_t)(end - (const unsigned char *)text) >= 8) {
			memcpy(&x, end - 8, 8);
			/* the bytes before p out: a borrow they caused may
			 * flag a byte, which ac_scan_word then passes */
			x >>= 8 * (8 - left);
			x |= ~(uint64_t)0 << (8 * left) & ~tops;
		} else {
			break;
		}
		m = ac_may_cut8(x);
		if (m)
			return ac_scan_word(p + __builtin_ctzll(m) / 8, NULL);
		if (left <= 8)
			return end;
		p += 8;
	}
#endif
	return ac_scan_word(p, NULL);
}

/* A word's bytes are read eight at once (short_word_norm): the text
 * buffer has room past its NUL for the last word's eight, and the pools
 * for a short word's eight normal form bytes and code points. */
#define WORD_READ 8

/*
 * ac_normalize_ascii of a word of at most eight ASCII letters and digits
 * (nearly every spoken word), the word's n bytes read eight at once from
 * in (the rest of the eight not looked at): lower-cased by setting the
 * letters' case bit, written eight at once, the code points widened
 * eight at once. -1 for another word. No byte-at-a-time loop: its exit
 * branch mispredicted once a word.
 */
static int short_word_norm(const char *in, size_t n, char *out,
			   uint32_t *cps)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ULL, tops = ones << 7;
	uint64_t x, l, letter, digit, word;

	if (n > 8)
		return -1;
	word = n == 8 ? tops : (((uint64_t)1 << (8 * n)) - 1) & tops;
	memcpy(&x, in, 8);
	if (x & word)
		return -1;	/* past ASCII */
	/* each byte's range test by an add whose carry sets its top bit;
	 * a byte past the word's may carry into the next, which is past
	 * it too */
	l = x | ones << 5;
	letter = (l + (0x80 - 'a') * ones) & ~(l + (0x7f - 'z') * ones);
	digit = (x + (0x80 - '0') * ones) & ~(x + (0x7f - '9') * ones);
	if (((letter | digit) & word) != word)
		return -1;
	x |= (letter & word) >> 2;	/* 0x80 >> 2: the case bit */
	memcpy(out, &x, 8);
	out[n] = '\0';
	for (int k = 0; k < 8; k++)
		cps[k] = (uint32_t)(x >> (8 * k)) & 0xff;
	return (int)n;
#else
	return -1;
#endif
}

/* Does the new text's word at [off, end) end there: whitespace or the
 * end of the text next? */
static bool ends_at(const struct utterance *u, size_t end)
{
	const unsigned char *q = (const unsigned char *)u->text + end;

	return end == u->len || ac_uc_isspace((int32_t)ac_utf8_next_valid(&q));
}

/* How many of the previous load's leading words are words of the new
 * text: those that lie inside the bytes the two texts share and end in
 * the new text too (whitespace or its end next: a partial's last word,
 * when the next partial goes on after it). They split the same, and are
 * a prefix of the words (a word kept ends before the next one starts,
 * and the whitespace between is shared), found from the last: a partial
 * mostly goes on after all of them. */
static int kept_words(const struct utterance *u, int prev_n, size_t same)
{
	int n = prev_n;

	for (; n > 0; n--) {
		const struct spoken_word *w = &u->w[n - 1];
		size_t end = (size_t)(w->raw - u->text) + w->rawlen;

		if (end <= same && ends_at(u, end))
			break;
	}
	return n;
}

/*
 * Copies text (already stripped, len bytes), splits it like str.split()
 * and normalizes every word, but for the leading words that are the
 * previous load's: the bytes the two texts share are not copied again,
 * so those words stay where they are, and so do their normal forms (the
 * pools are written in word order, so those lead them). Pointers into
 * the buffers stay valid until the next call.
 */
int ac_tk_load_words(struct utterance *u, const char *text, size_t len)
{
	const unsigned char *p, *start;
	size_t normpos = 0, cppos = 0, same, rest;
	int n = 0, kept = 0, prev_n = u->n;
	bool ascii;

	same = common_bytes(u->text, text, u->len < len ? u->len : len);
	if (len + WORD_READ > u->text_cap) {
		if (ac_tk_grow((void **)&u->text, &u->text_cap,
			       len + WORD_READ, 1))
			return -ENOMEM;
		/* the words' pointers are into the old buffer: all anew */
		prev_n = 0;
		same = 0;
	}
	memcpy(u->text + same, text + same, len - same);
	u->text[len] = '\0';
	u->len = len;
	u->serial++;
	n = kept = kept_words(u, prev_n, same);
	p = (const unsigned char *)u->text;
	if (kept)
		p = (const unsigned char *)u->w[kept - 1].raw +
		    u->w[kept - 1].rawlen;
	/* nearly every transcript is ASCII: then a word's code points are its
	 * bytes, counted and widened without decoding. Asked of the words
	 * not kept only, the rest of the text. */
	rest = len - (size_t)((const char *)p - u->text);
	ascii = ac_ascii_prefix((const char *)p, rest) == rest;
	while (*(start = ac_skip_space(p))) {
		struct spoken_word *sw;
		size_t wl;

		p = word_end(u->text, start, (const unsigned char *)u->text +
						     len);
		wl = (size_t)(p - start);

		if (ac_tk_grow_int((void **)&u->w, &u->cap, n + 1,
				   sizeof(*u->w))) {
			u->n = u->kept = 0;
			return -ENOMEM;
		}
		sw = &u->w[n++];
		sw->raw = (const char *)start;
		sw->rawlen = (uint32_t)wl;
		sw->rawcp = ascii ? (uint32_t)wl :
				    (uint32_t)ac_utf8_count(sw->raw, sw->rawlen);
	}
	u->n = n;
	u->kept = kept;
	if (kept) {
		const struct spoken_word *last = &u->w[kept - 1];

		normpos = last->norm + last->normlen + 1;
		cppos = last->cp.off + last->cp.len;
	}
	/* normal forms are written after splitting: the pools may move */
	if (ac_tk_grow((void **)&u->norm, &u->norm_cap,
		       AC_NORM_CAP(len) + (size_t)u->n + WORD_READ, 1) ||
	    ac_tk_grow((void **)&u->cps, &u->cps_cap, 3 * len + 1 + WORD_READ,
		       sizeof(*u->cps))) {
		u->n = u->kept = 0;
		return -ENOMEM;
	}
	for (int i = kept; i < u->n; i++) {
		struct spoken_word *sw = &u->w[i];
		int nl;
		long nc;

		if (ascii) {
			/* the normal form of ASCII is ASCII: its code points
			 * are its bytes */
			nl = short_word_norm(sw->raw, sw->rawlen,
					     u->norm + normpos,
					     u->cps + cppos);
			if (nl < 0)
				nl = ac_normalize_ascii(sw->raw, sw->rawlen,
							u->norm + normpos,
							u->cps + cppos);
			nc = nl;
		} else {
			nl = ac_normalize(sw->raw, sw->rawlen,
					  u->norm + normpos,
					  u->norm_cap - normpos);
			nc = nl < 0 ? -1 :
				      ac_utf8_decode(u->norm + normpos,
						     (size_t)nl,
						     u->cps + cppos);
		}
		if (nc < 0) {
			u->n = u->kept = 0;
			return -EINVAL;
		}
		sw->norm = (uint32_t)normpos;
		sw->normlen = (uint32_t)nl;
		sw->cp.off = (uint32_t)cppos;
		sw->cp.len = (uint32_t)nc;
		sw->filler = -1;
		cppos += (size_t)nc;
		normpos += (size_t)nl + 1;
	}
	return 0;
}

/* How many leading words of the loaded update equal the previous final's,
 * compared normalized (§5.3.3): normalized on the fly, as only the first
 * few usually differ. */
int ac_tk_common_words(const struct utterance *u, const char *prev)
{
	const unsigned char *p = (const unsigned char *)prev, *start;
	char buf[256], *nb;
	int k = 0;

	while (k < u->n && (start = ac_next_word(&p))) {
		size_t wl, cap;
		int nl;
		bool same;

		wl = (size_t)(p - start);
		cap = AC_NORM_CAP(wl);
		nb = cap <= sizeof(buf) ? buf : malloc(cap);
		if (!nb)
			break;
		nl = ac_normalize((const char *)start, wl, nb, cap);
		same = nl >= 0 && (uint32_t)nl == u->w[k].normlen &&
		       !memcmp(nb, ac_tk_norm(u, k), (size_t)nl);
		if (nb != buf)
			free(nb);
		if (!same)
			break;
		k++;
	}
	return k;
}

void ac_tk_utterance_free(struct utterance *u)
{
	free(u->text);
	free(u->w);
	free(u->norm);
	free(u->cps);
}
