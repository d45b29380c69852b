// SPDX-License-Identifier: MIT
/*
 * Number tokens are matched on a one-byte-per-code-point image of the token:
 * ASCII stays, every Unicode decimal digit becomes its ASCII digit (Python's
 * \d and int() accept them all), the currency signs and U+017F (which
 * re.IGNORECASE matches against 's') get private bytes, and everything else
 * becomes a byte no pattern accepts. Every shape in §3.1 is anchored at both
 * ends and made of disjoint character classes, so each has at most one way
 * to match and plain scanning replaces the reference's regular expressions.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "numbers.h"
#include "punct.h"
#include "utf8.h"

enum {
	C_POUND = 1,
	C_EURO = 2,
	C_YEN = 3,
	C_LONG_S = 4,
	C_OTHER = 0x7f,
};

/* 10^306 and up: num2words has no scale word left */
#define MAX_GROUPS 102

struct tok {
	char *m;		/* the image */
	size_t n;
	bool ascii_digits;	/* no digit needed mapping */
	char buf[128];
};

/* Unicode guarantees decimal digits come in runs of ten starting at zero,
 * but runs can follow one another (U+1D7CE..U+1D7FF: five runs, 50 code
 * points): count back through all of them, then take the remainder. */
static int digit_value(int32_t c)
{
	int steps = 0;

	while (steps < 100 && utf8proc_category(c - steps - 1) ==
			      UTF8PROC_CATEGORY_ND)
		steps++;
	return steps % 10;
}

static char map_cp(int32_t c, bool *ascii_digits)
{
	if (c > 0 && c < 0x80)
		return (char)c;
	switch (c) {
	case 0xa3:
		return C_POUND;
	case 0x20ac:
		return C_EURO;
	case 0xa5:
		return C_YEN;
	case 0x17f:
		return C_LONG_S;
	}
	if (c >= 0x80 && utf8proc_category(c) == UTF8PROC_CATEGORY_ND) {
		*ascii_digits = false;
		return (char)('0' + digit_value(c));
	}
	if (ac_uc_isspace(c))
		return ' ';
	return C_OTHER;
}

static void tok_free(struct tok *t)
{
	if (t->m != t->buf)
		free(t->m);
}

/* Builds the image of s with Python's strip() applied; false on invalid
 * UTF-8 or no memory (neither is a number). */
static bool tok_map(struct tok *t, const char *s, size_t len)
{
	size_t i = 0, b = 0;
	int32_t c;
	int k;

	t->ascii_digits = true;
	t->n = 0;
	t->m = len <= sizeof(t->buf) ? t->buf : malloc(len);
	if (!t->m)
		return false;
	while (i < len) {
		k = ac_utf8_next(s + i, len - i, &c);
		if (k < 0) {
			tok_free(t);
			return false;
		}
		t->m[t->n++] = map_cp(c, &t->ascii_digits);
		i += k;
	}
	while (b < t->n && t->m[b] == ' ')
		b++;
	while (t->n > b && t->m[t->n - 1] == ' ')
		t->n--;
	t->n -= b;
	memmove(t->m, t->m + b, t->n);
	return true;
}

static bool isd(char c)
{
	return c >= '0' && c <= '9';
}

static bool isal(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static size_t digits_end(const char *m, size_t i, size_t e)
{
	while (i < e && isd(m[i]))
		i++;
	return i;
}

static size_t letters_end(const char *m, size_t i, size_t e)
{
	while (i < e && isal(m[i]))
		i++;
	return i;
}

/* -?\d+ */
static bool is_int(const char *m, size_t b, size_t e)
{
	if (b < e && m[b] == '-')
		b++;
	return b < e && digits_end(m, b, e) == e;
}

/* \d{1,3}(,\d{3})+ */
static bool is_comma_groups(const char *m, size_t b, size_t e)
{
	size_t c = digits_end(m, b, e);

	if (c == b || c - b > 3 || c == e)
		return false;
	while (c < e) {
		if (m[c] != ',' || e - c < 4 || digits_end(m, c + 1, c + 4) != c + 4)
			return false;
		c += 4;
	}
	return true;
}

/* -?\d{1,3}(,\d{3})+ */
static bool is_comma_int(const char *m, size_t b, size_t e)
{
	if (b < e && m[b] == '-')
		b++;
	return is_comma_groups(m, b, e);
}

/* -?\d+\.\d+ */
static bool is_decimal(const char *m, size_t b, size_t e)
{
	size_t d;

	if (b < e && m[b] == '-')
		b++;
	d = digits_end(m, b, e);
	return d > b && d < e && m[d] == '.' && d + 1 < e &&
	       digits_end(m, d + 1, e) == e;
}

/* N: \d{1,3}(,\d{3})+(\.\d+)? | \d+(\.\d+)? */
static bool is_N(const char *m, size_t b, size_t e)
{
	const char *dot = b < e ? memchr(m + b, '.', e - b) : NULL;
	size_t ie = dot ? (size_t)(dot - m) : e;

	if (dot && (ie + 1 == e || digits_end(m, ie + 1, e) != e))
		return false;
	if (ie == b)
		return false;
	return digits_end(m, b, ie) == ie || is_comma_groups(m, b, ie);
}

static bool is_ordinal(const char *m, size_t n)
{
	char a, z;

	if (n < 3 || digits_end(m, 0, n - 2) != n - 2)
		return false;
	a = m[n - 2] == C_LONG_S ? 's' : m[n - 2] | 0x20;
	z = m[n - 1] | 0x20;
	return (a == 's' && z == 't') || (a == 'n' && z == 'd') ||
	       (a == 'r' && z == 'd') || (a == 't' && z == 'h');
}

static bool is_currency(const char *m, size_t n)
{
	return n >= 2 && (m[0] == '$' || m[0] == C_POUND || m[0] == C_EURO ||
			  m[0] == C_YEN) && is_N(m, 1, n);
}

static bool is_percent(const char *m, size_t n)
{
	return n >= 2 && m[n - 1] == '%' && is_N(m, 0, n - 1);
}

/* [A-Za-z]+N; *split = start of N */
static bool is_prefix_mixed(const char *m, size_t n, size_t *split)
{
	*split = letters_end(m, 0, n);
	return *split > 0 && is_N(m, *split, n);
}

/* N[A-Za-z]+; *split = start of the letters */
static bool is_suffix_mixed(const char *m, size_t n, size_t *split)
{
	size_t i = n;

	while (i > 0 && isal(m[i - 1]))
		i--;
	*split = i;
	return i < n && is_N(m, 0, i);
}

/* N[A-Za-z]+/[A-Za-z]+; *u1 = first unit, *sl = the slash */
static bool is_rate(const char *m, size_t n, size_t *u1, size_t *sl)
{
	const char *p = memchr(m, '/', n);
	size_t i;

	if (!p)
		return false;
	*sl = p - m;
	if (*sl + 1 == n || letters_end(m, *sl + 1, n) != n)
		return false;
	i = *sl;
	while (i > 0 && isal(m[i - 1]))
		i--;
	*u1 = i;
	return i < *sl && is_N(m, 0, i);
}

/* [A-Za-z]+/[A-Za-z]+ */
static bool is_unit_rate(const char *m, size_t n, size_t *sl)
{
	*sl = letters_end(m, 0, n);
	return *sl > 0 && *sl < n && m[*sl] == '/' && *sl + 1 < n &&
	       letters_end(m, *sl + 1, n) == n;
}

/* The safe units, as the lower-cased letters packed into an integer
 * (first letter highest), so that the common short words ("the", "is")
 * cost a few integer compares rather than 30 string comparisons; a switch,
 * which gcc makes a search tree of a few compares, where a loop over a
 * table of them took thirty (the parser asks for every word). */
#define U2(a, b) ((uint32_t)(a) << 8 | (uint32_t)(b))
#define U3(a, b, c) ((uint32_t)(a) << 16 | U2(b, c))

static bool lower_eq(const char *m, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!key[i] || (m[i] | 0x20) != key[i])
			return false;
	return !key[n];
}

static bool is_safe_unit(const char *m, size_t n)
{
	uint32_t k = 0;
	size_t i;

	/* every safe unit has 2 or 3 letters */
	if (n < 2 || n > 3 || letters_end(m, 0, n) != n)
		return false;
	for (i = 0; i < n; i++)
		k = k << 8 | (unsigned char)(m[i] | 0x20);
	switch (k) {
	case U2('k', 'b'): case U2('m', 'b'): case U2('g', 'b'):
	case U2('t', 'b'): case U2('p', 'b'):
	case U2('k', 'm'): case U2('c', 'm'): case U2('m', 'm'):
	case U2('m', 'i'): case U2('f', 't'):
	case U2('y', 'd'): case U2('m', 's'): case U2('n', 's'):
	case U2('h', 'r'):
	case U3('h', 'r', 's'): case U2('h', 'z'): case U3('k', 'h', 'z'):
	case U3('m', 'h', 'z'):
	case U3('g', 'h', 'z'): case U2('k', 'g'): case U2('m', 'g'):
	case U2('l', 'b'):
	case U3('l', 'b', 's'): case U2('o', 'z'): case U2('m', 'l'):
	case U2('p', 'x'):
	case U2('d', 'b'): case U2('k', 'w'): case U2('m', 'w'):
	case U2('m', 'a'):
		return true;
	default:
		return false;
	}
}

static bool has_digit(const char *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (isd(m[i]))
			return true;
	return false;
}

static bool image_is_number(const char *m, size_t n)
{
	size_t a, b;

	if (!n)
		return false;
	/* only the unit shapes go without a digit: the common case, words */
	if (!has_digit(m, n))
		return is_unit_rate(m, n, &a) || is_safe_unit(m, n);
	return is_int(m, 0, n) || is_comma_int(m, 0, n) ||
	       is_decimal(m, 0, n) || is_ordinal(m, n) || is_currency(m, n) ||
	       is_percent(m, n) || is_prefix_mixed(m, n, &a) ||
	       is_suffix_mixed(m, n, &a) || is_rate(m, n, &a, &b) ||
	       is_unit_rate(m, n, &a) || is_safe_unit(m, n);
}

/* An ASCII token (no NUL) is its own image: the parser asks about every
 * word several times, so this path must not copy. Returns false when s
 * needs the full mapping. */
static bool ascii_image(const char *s, size_t len, const char **m, size_t *n)
{
	size_t b = 0, e = len;

	for (size_t i = 0; i < len; i++)
		if ((unsigned char)(s[i] - 1) >= 0x7f)
			return false;
	while (b < e && s[b] == ' ')
		b++;
	while (e > b && s[e - 1] == ' ')
		e--;
	*m = s + b;
	*n = e - b;
	return true;
}

bool ac_number_is_token(const char *s, size_t len)
{
	struct tok t;
	const char *m;
	size_t n;
	bool r;

	/* the common case, a word: without a digit only the unit shapes
	 * remain, which need a '/' or 2-3 letters (after the image's strip
	 * of ' ', the only ASCII it strips) */
	if (len > 3 && !memchr(s, '/', len)) {
		size_t i;

		for (i = 0; i < len; i++)
			if ((unsigned char)s[i] >= 0x80 || s[i] == ' ' ||
			    (s[i] >= '0' && s[i] <= '9'))
				break;
		if (i == len)
			return false;
	}
	if (ascii_image(s, len, &m, &n))
		return image_is_number(m, n);
	if (!tok_map(&t, s, len))
		return false;
	r = image_is_number(t.m, t.n);
	tok_free(&t);
	return r;
}

/* ------------------------------------------------------------------ */
/* Lists of alternatives                                               */

enum { X_OK, X_TOO_BIG, X_NOMEM };

struct xl {
	struct ac_arena *a;
	struct ac_alt *v;
	int n, cap;
	int *err;		/* shared by every list of one expansion */
};

static void xl_init(struct xl *l, struct ac_arena *a, int *err)
{
	l->a = a;
	l->v = NULL;
	l->n = l->cap = 0;
	l->err = err;
}

static const char **words_alloc(struct xl *l, size_t n)
{
	const char **w = NULL;

	if (*l->err)
		return NULL;
	if (n > SIZE_MAX / sizeof(*w) || !(w = ac_arena_alloc(l->a, n * sizeof(*w))))
		*l->err = X_NOMEM;
	return w;
}

static bool alt_eq(const struct ac_alt *x, const struct ac_alt *y)
{
	int i;

	if (x->n != y->n)
		return false;
	for (i = 0; i < x->n; i++)
		if (x->w[i] != y->w[i] && strcmp(x->w[i], y->w[i]))
			return false;
	return true;
}

/* Appends s unless an equal alternative is already there. */
static void xl_add(struct xl *l, struct ac_alt s)
{
	struct ac_alt *v;
	int i;

	if (*l->err)
		return;
	for (i = 0; i < l->n; i++)
		if (alt_eq(&l->v[i], &s))
			return;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		v = ac_arena_alloc(l->a, l->cap * sizeof(*v));
		if (!v) {
			*l->err = X_NOMEM;
			return;
		}
		if (l->n)
			memcpy(v, l->v, l->n * sizeof(*v));
		l->v = v;
	}
	l->v[l->n++] = s;
}

/* Concatenation of k sequences. */
static struct ac_alt cat(struct xl *l, const struct ac_alt *parts, int k)
{
	struct ac_alt r = { 0, NULL };
	const char **w;
	size_t n = 0;
	int i, j;

	for (i = 0; i < k; i++)
		n += parts[i].n;
	w = words_alloc(l, n ? n : 1);
	if (!w)
		return r;
	for (i = 0; i < k; i++)
		for (j = 0; j < parts[i].n; j++)
			w[r.n++] = parts[i].w[j];
	r.w = w;
	return r;
}

/* Static initializers only: compound literals at file scope have static
 * storage, so results may point into them. */
#define W(...) ((const char *const[]){ __VA_ARGS__ })
#define SEQ(...) { sizeof(W(__VA_ARGS__)) / sizeof(char *), W(__VA_ARGS__) }

static const struct ac_alt S_MINUS = SEQ("minus");
static const struct ac_alt S_POINT = SEQ("point");
static const struct ac_alt S_OH_POINT = SEQ("oh", "point");
static const struct ac_alt S_HUNDRED = SEQ("hundred");
static const struct ac_alt S_PER = SEQ("per");
static const struct ac_alt S_PERCENT = SEQ("percent");
static const struct ac_alt S_A = SEQ("a");
static const struct ac_alt S_ZERO = SEQ("zero");
static const struct ac_alt S_NONE = { 0, NULL };
static const struct ac_alt S_DOLLAR[] = { SEQ("dollar"), SEQ("dollars") };
static const struct ac_alt S_POUND[] = { SEQ("pound"), SEQ("pounds") };
static const struct ac_alt S_EURO[] = { SEQ("euro"), SEQ("euros") };
static const struct ac_alt S_YEN[] = { SEQ("yen") };

static const char *const ones[] = {
	"zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
	"nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen",
	"sixteen", "seventeen", "eighteen", "nineteen",
};
static const char *const tens[] = {
	"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy",
	"eighty", "ninety",
};
static const char *const letters[] = {
	"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n",
	"o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z",
};

/* ------------------------------------------------------------------ */
/* English number names                                                */

static const char *const low_scales[] = {
	NULL, "thousand", "million", "billion", "trillion", "quadrillion",
	"quintillion", "sextillion", "septillion", "octillion", "nonillion",
};
static const char *const scale_units[] = {
	"", "un", "duo", "tre", "quattuor", "quin", "sex", "sept", "octo",
	"novem",
};
static const char *const scale_tens[] = {
	"dec", "vigint", "trigint", "quadragint", "quinquagint", "sexagint",
	"septuagint", "octogint", "nonagint",
};

/* Name of 10^(3k), 1 <= k < MAX_GROUPS, in num2words' Latin scheme. */
static const char *scale_word(struct xl *l, int k)
{
	char buf[64], *s;

	if (k <= 10)
		return low_scales[k];
	if (k == 101)
		return "centillion";
	snprintf(buf, sizeof(buf), "%s%sillion", scale_units[(k - 11) % 10],
		 scale_tens[(k - 11) / 10]);
	s = ac_arena_strndup(l->a, buf, strlen(buf));
	if (!s)
		*l->err = X_NOMEM;
	return s;
}

static void group_words(int g, const char **w, int *n)
{
	int r = g % 100;

	if (g >= 100) {
		w[(*n)++] = ones[g / 100];
		w[(*n)++] = "hundred";
		if (r)
			w[(*n)++] = "and";
	}
	if (!r)
		return;
	if (r < 20) {
		w[(*n)++] = ones[r];
		return;
	}
	w[(*n)++] = tens[r / 10];
	if (r % 10)
		w[(*n)++] = ones[r % 10];
}

/* d[0..len): ASCII digits, no leading zero unless the number is 0. */
static struct ac_alt cardinal(struct xl *l, const char *d, size_t len)
{
	struct ac_alt r = { 0, NULL };
	const char **w;
	size_t ng = (len + 2) / 3, k, i, lo, hi;
	int n = 0, g;

	if (len == 1 && d[0] == '0')
		return S_ZERO;
	if (ng > MAX_GROUPS) {
		if (!*l->err)
			*l->err = X_TOO_BIG;
		return r;
	}
	w = words_alloc(l, ng * 7 + 1);
	if (!w)
		return r;
	for (k = ng; k-- > 0;) {
		hi = len - 3 * k;
		lo = hi >= 3 ? hi - 3 : 0;
		for (g = 0, i = lo; i < hi; i++)
			g = 10 * g + (d[i] - '0');
		if (!g)
			continue;
		if (k == 0 && g < 100 && n > 0)
			w[n++] = "and";
		group_words(g, w, &n);
		if (k)
			w[n++] = scale_word(l, (int)k);
	}
	r.n = n;
	r.w = w;
	return r;
}

static struct ac_alt cardinal_int(struct xl *l, unsigned v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", v);
	return cardinal(l, buf, strlen(buf));
}

static const char *ordinal_word(struct xl *l, const char *w)
{
	static const char *const irregular[][2] = {
		{ "one", "first" }, { "two", "second" }, { "three", "third" },
		{ "five", "fifth" }, { "eight", "eighth" }, { "nine", "ninth" },
		{ "twelve", "twelfth" },
	};
	size_t i, n = strlen(w);
	char *s;

	for (i = 0; i < sizeof(irregular) / sizeof(irregular[0]); i++)
		if (!strcmp(w, irregular[i][0]))
			return irregular[i][1];
	s = ac_arena_alloc(l->a, n + 4);
	if (!s) {
		*l->err = X_NOMEM;
		return NULL;
	}
	memcpy(s, w, n);
	if (n && w[n - 1] == 'y')
		strcpy(s + n - 1, "ieth");
	else
		strcpy(s + n, "th");
	return s;
}

static void skip_zeros(const char **d, size_t *len)
{
	while (*len > 1 && **d == '0') {
		(*d)++;
		(*len)--;
	}
}

static struct ac_alt ordinal(struct xl *l, const char *d, size_t len)
{
	struct ac_alt c, r = { 0, NULL };
	const char **w;

	skip_zeros(&d, &len);
	c = cardinal(l, d, len);
	if (!c.n || !(w = words_alloc(l, c.n)))
		return r;
	memcpy(w, c.w, c.n * sizeof(*w));
	w[c.n - 1] = ordinal_word(l, c.w[c.n - 1]);
	r.n = c.n;
	r.w = w;
	return r;
}

static struct ac_alt digit_words(struct xl *l, const char *d, size_t len,
				 bool oh)
{
	struct ac_alt r = { 0, NULL };
	const char **w = words_alloc(l, len ? len : 1);
	size_t i;

	if (!w)
		return r;
	for (i = 0; i < len; i++)
		w[i] = oh && d[i] == '0' ? "oh" : ones[d[i] - '0'];
	r.n = (int)len;
	r.w = w;
	return r;
}

/* ------------------------------------------------------------------ */
/* §3.4 integers, §3.5 decimals                                        */

static void int_alts(struct xl *l, const char *d, size_t len, bool neg)
{
	struct ac_alt prim, x;
	unsigned v = 0;
	size_t i;

	skip_zeros(&d, &len);
	if (len == 1 && d[0] == '0')
		neg = false;	/* int("-0") == 0 */
	for (i = 0; i < len && len <= 4; i++)
		v = 10 * v + (d[i] - '0');
	if (len > 4)
		v = 10000;	/* above every range tested below */
	prim = cardinal(l, d, len);
	if (*l->err)
		return;
	xl_add(l, neg ? cat(l, (struct ac_alt[]){ S_MINUS, prim }, 2) : prim);
	if (!neg && v > 0) {
		if (((v >= 100 && v < 200) || (v >= 1000 && v < 2000)) &&
		    !strcmp(prim.w[0], "one")) {
			x.n = prim.n - 1;
			x.w = prim.w + 1;
			xl_add(l, cat(l, (struct ac_alt[]){ S_A, x }, 2));
		}
		if (v >= 1100 && v <= 9999 && v % 100 == 0)
			xl_add(l, cat(l, (struct ac_alt[]){
				cardinal_int(l, v / 100), S_HUNDRED }, 2));
		if (v >= 1100 && v <= 9999 && v % 100 && v / 100 >= 11)
			xl_add(l, cat(l, (struct ac_alt[]){
				cardinal_int(l, v / 100), S_HUNDRED,
				cardinal_int(l, v % 100) }, 3));
	}
	x = digit_words(l, d, len, false);
	xl_add(l, neg ? cat(l, (struct ac_alt[]){ S_MINUS, x }, 2) : x);
}

static const struct {
	const char *key;
	struct ac_alt alts[3];
	int n;
} fractions[] = {
	{ "0.5", { SEQ("half"), SEQ("one", "half"), SEQ("a", "half") }, 3 },
	{ "0.50", { SEQ("half"), SEQ("one", "half"), SEQ("a", "half") }, 3 },
	{ "0.25", { SEQ("quarter"), SEQ("one", "quarter"), SEQ("a", "quarter") }, 3 },
	{ "0.33", { SEQ("third"), SEQ("one", "third"), SEQ("a", "third") }, 3 },
	{ "0.333", { SEQ("third"), SEQ("one", "third"), SEQ("a", "third") }, 3 },
	{ "0.1", { SEQ("tenth"), SEQ("one", "tenth"), SEQ("a", "tenth") }, 3 },
	{ "0.10", { SEQ("tenth"), SEQ("one", "tenth"), SEQ("a", "tenth") }, 3 },
	{ "0.75", { SEQ("three", "quarters") }, 1 },
	{ "0.2", { SEQ("fifth"), SEQ("one", "fifth"), SEQ("a", "fifth") }, 3 },
	{ "0.20", { SEQ("fifth"), SEQ("one", "fifth"), SEQ("a", "fifth") }, 3 },
};

/* s[0..len): digits '.' digits, no sign. fraction_ok: the written digits
 * were ASCII, as the reference's table lookup needs. */
static void dec_alts(struct xl *l, const char *s, size_t len, bool neg,
		     bool fraction_ok)
{
	const char *dot = memchr(s, '.', len), *ip = s, *dp = dot + 1;
	size_t il = dot - s, dl = len - il - 1, i;
	struct ac_alt iw, dw, ow;
	bool zero_int;
	int j;

	skip_zeros(&ip, &il);
	zero_int = il == 1 && ip[0] == '0';
	iw = cardinal(l, ip, il);
	dw = digit_words(l, dp, dl, false);
	if (*l->err)
		return;
	if (neg)
		xl_add(l, cat(l, (struct ac_alt[]){ S_MINUS, iw, S_POINT, dw }, 4));
	else
		xl_add(l, cat(l, (struct ac_alt[]){ iw, S_POINT, dw }, 3));
	if (memchr(dp, '0', dl)) {
		ow = digit_words(l, dp, dl, true);
		if (neg)
			xl_add(l, cat(l, (struct ac_alt[]){ S_MINUS, iw, S_POINT, ow }, 4));
		else
			xl_add(l, cat(l, (struct ac_alt[]){ iw, S_POINT, ow }, 3));
	}
	if (zero_int && !neg) {
		xl_add(l, cat(l, (struct ac_alt[]){ S_POINT, dw }, 2));
		xl_add(l, cat(l, (struct ac_alt[]){ S_OH_POINT, dw }, 2));
	}
	if (neg || !fraction_ok)
		return;
	for (i = 0; i < sizeof(fractions) / sizeof(fractions[0]); i++) {
		if (strlen(fractions[i].key) == len &&
		    !memcmp(fractions[i].key, s, len)) {
			for (j = 0; j < fractions[i].n; j++)
				xl_add(l, fractions[i].alts[j]);
			break;
		}
	}
}

/* The number inside a currency, percent or mixed token: commas dropped,
 * then decimal or integer rules. */
static void part_alts(struct xl *l, const struct tok *t, size_t b, size_t e)
{
	char *s = ac_arena_alloc(l->a, e - b + 1);
	size_t i, n = 0;

	if (!s) {
		*l->err = X_NOMEM;
		return;
	}
	for (i = b; i < e; i++)
		if (t->m[i] != ',')
			s[n++] = t->m[i];
	if (memchr(s, '.', n))
		dec_alts(l, s, n, false, t->ascii_digits);
	else
		int_alts(l, s, n, false);
}

/* A whole-token integer, commas dropped, with its sign. */
static void signed_int_alts(struct xl *l, const struct tok *t)
{
	bool neg = t->m[0] == '-';
	char *s = ac_arena_alloc(l->a, t->n);
	size_t i, n = 0;

	if (!s) {
		*l->err = X_NOMEM;
		return;
	}
	for (i = neg; i < t->n; i++)
		if (t->m[i] != ',')
			s[n++] = t->m[i];
	int_alts(l, s, n, neg);
}

/* ------------------------------------------------------------------ */
/* §3.6, §3.7                                                          */

#define UROW(k, ...) { k, (const struct ac_alt[]){ __VA_ARGS__ }, \
	sizeof((const struct ac_alt[]){ __VA_ARGS__ }) / sizeof(struct ac_alt) }

static const struct {
	const char *key;
	const struct ac_alt *alts;
	int n;
} units[] = {
	UROW("k", SEQ("k"), SEQ("thousand")),
	UROW("kb", SEQ("k", "b"), SEQ("kilobytes"), SEQ("kilobyte")),
	UROW("mb", SEQ("m", "b"), SEQ("megabytes"), SEQ("megabyte"), SEQ("megs")),
	UROW("gb", SEQ("g", "b"), SEQ("gigabytes"), SEQ("gigabyte"), SEQ("gigs")),
	UROW("tb", SEQ("t", "b"), SEQ("terabytes"), SEQ("terabyte")),
	UROW("pb", SEQ("p", "b"), SEQ("petabytes"), SEQ("petabyte")),
	UROW("hz", SEQ("h", "z"), SEQ("hertz")),
	UROW("khz", SEQ("k", "h", "z"), SEQ("kilohertz")),
	UROW("mhz", SEQ("m", "h", "z"), SEQ("megahertz")),
	UROW("ghz", SEQ("g", "h", "z"), SEQ("gigahertz")),
	UROW("m", SEQ("m"), SEQ("metres"), SEQ("meters")),
	UROW("km", SEQ("k", "m"), SEQ("kilometres"), SEQ("kilometers")),
	UROW("cm", SEQ("c", "m"), SEQ("centimetres"), SEQ("centimeters")),
	UROW("mm", SEQ("m", "m"), SEQ("millimetres"), SEQ("millimeters")),
	UROW("mi", SEQ("m", "i"), SEQ("miles"), SEQ("mile")),
	UROW("ft", SEQ("f", "t"), SEQ("feet"), SEQ("foot")),
	UROW("in", SEQ("i", "n"), SEQ("inches"), SEQ("inch")),
	UROW("yd", SEQ("y", "d"), SEQ("yards"), SEQ("yard")),
	UROW("s", SEQ("s"), SEQ("seconds"), SEQ("second")),
	UROW("ms", SEQ("m", "s"), SEQ("milliseconds"), SEQ("millisecond")),
	UROW("ns", SEQ("n", "s"), SEQ("nanoseconds"), SEQ("nanosecond")),
	UROW("us", SEQ("u", "s"), SEQ("microseconds"), SEQ("microsecond")),
	UROW("min", SEQ("min"), SEQ("minutes"), SEQ("minute")),
	UROW("h", SEQ("h"), SEQ("hours"), SEQ("hour")),
	UROW("hr", SEQ("h", "r"), SEQ("hours"), SEQ("hour")),
	UROW("hrs", SEQ("h", "r", "s"), SEQ("hours")),
	UROW("mph", SEQ("m", "p", "h"), SEQ("miles", "per", "hour")),
	UROW("kph", SEQ("k", "p", "h"), SEQ("kilometres", "per", "hour"),
	     SEQ("kilometers", "per", "hour")),
	UROW("fps", SEQ("f", "p", "s"), SEQ("frames", "per", "second")),
	UROW("bps", SEQ("b", "p", "s"), SEQ("bits", "per", "second")),
	UROW("mbps", SEQ("m", "b", "p", "s"), SEQ("megabits", "per", "second")),
	UROW("gbps", SEQ("g", "b", "p", "s"), SEQ("gigabits", "per", "second")),
	UROW("kg", SEQ("k", "g"), SEQ("kilograms"), SEQ("kilos")),
	UROW("g", SEQ("g"), SEQ("grams"), SEQ("gram")),
	UROW("mg", SEQ("m", "g"), SEQ("milligrams"), SEQ("milligram")),
	UROW("lb", SEQ("l", "b"), SEQ("pounds"), SEQ("pound")),
	UROW("lbs", SEQ("l", "b", "s"), SEQ("pounds")),
	UROW("oz", SEQ("o", "z"), SEQ("ounces"), SEQ("ounce")),
	UROW("l", SEQ("l"), SEQ("litres"), SEQ("liters")),
	UROW("ml", SEQ("m", "l"), SEQ("millilitres"), SEQ("milliliters")),
	UROW("c", SEQ("c"), SEQ("celsius"), SEQ("degrees", "celsius")),
	UROW("f", SEQ("f"), SEQ("fahrenheit"), SEQ("degrees", "fahrenheit")),
	UROW("px", SEQ("p", "x"), SEQ("pixels"), SEQ("pixel")),
	UROW("db", SEQ("d", "b"), SEQ("decibels"), SEQ("decibel")),
	UROW("w", SEQ("w"), SEQ("watts"), SEQ("watt")),
	UROW("kw", SEQ("k", "w"), SEQ("kilowatts"), SEQ("kilowatt")),
	UROW("mw", SEQ("m", "w"), SEQ("megawatts"), SEQ("megawatt")),
	UROW("v", SEQ("v"), SEQ("volts"), SEQ("volt")),
	UROW("a", SEQ("a"), SEQ("amps"), SEQ("amperes")),
	UROW("ma", SEQ("m", "a"), SEQ("milliamps"), SEQ("milliamperes")),
};

/* Letters one per word, lower-cased. */
static struct ac_alt spelled(struct xl *l, const char *m, size_t n)
{
	struct ac_alt r = { 0, NULL };
	const char **w = words_alloc(l, n);
	size_t i;

	if (!w)
		return r;
	for (i = 0; i < n; i++)
		w[i] = letters[(m[i] | 0x20) - 'a'];
	r.n = (int)n;
	r.w = w;
	return r;
}

/* A unit's table row, else its letters spelled out. */
static void unit_alts(struct xl *l, const char *m, size_t n)
{
	size_t i;
	int j;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (lower_eq(m, n, units[i].key)) {
			for (j = 0; j < units[i].n; j++)
				xl_add(l, units[i].alts[j]);
			return;
		}
	}
	xl_add(l, spelled(l, m, n));
}

/* Every a + sep + b, a-major; sep may be empty. */
static void product(struct xl *out, const struct xl *a, struct ac_alt sep,
		    const struct xl *b)
{
	int i, j;

	for (i = 0; i < a->n; i++)
		for (j = 0; j < b->n; j++)
			xl_add(out, cat(out, (struct ac_alt[]){
				a->v[i], sep, b->v[j] }, 3));
}

static void currency_alts(struct xl *out, const struct tok *t)
{
	struct xl num, cur = { .a = out->a, .err = out->err };

	xl_init(&num, out->a, out->err);
	part_alts(&num, t, 1, t->n);
	switch (t->m[0]) {
	case '$':
		cur.v = (struct ac_alt *)S_DOLLAR;
		cur.n = 2;
		break;
	case C_POUND:
		cur.v = (struct ac_alt *)S_POUND;
		cur.n = 2;
		break;
	case C_EURO:
		cur.v = (struct ac_alt *)S_EURO;
		cur.n = 2;
		break;
	default:
		cur.v = (struct ac_alt *)S_YEN;
		cur.n = 1;
		break;
	}
	product(out, &num, S_NONE, &cur);
}

static void prefix_alts(struct xl *out, const struct tok *t, size_t split)
{
	struct xl num, pre;
	struct ac_alt w = { 1, NULL };
	const char **p;
	char *s;
	size_t i;

	xl_init(&num, out->a, out->err);
	xl_init(&pre, out->a, out->err);
	part_alts(&num, t, split, t->n);
	if (split <= 2) {
		xl_add(&pre, spelled(&pre, t->m, split));
	} else {
		s = ac_arena_alloc(out->a, split + 1);
		p = words_alloc(out, 1);
		if (!s || !p) {
			/* keep an error already raised (a number too large) */
			if (!*out->err)
				*out->err = X_NOMEM;
			return;
		}
		for (i = 0; i < split; i++)
			s[i] = t->m[i] | 0x20;
		s[split] = '\0';
		p[0] = s;
		w.w = p;
		xl_add(&pre, w);
	}
	product(out, &pre, S_NONE, &num);
}

static void expand_image(struct xl *out, const struct tok *t)
{
	const char *m = t->m;
	size_t n = t->n, a, b;
	struct xl x, y, z, xy;
	bool neg = m[0] == '-';

	xl_init(&x, out->a, out->err);
	xl_init(&y, out->a, out->err);
	xl_init(&z, out->a, out->err);
	xl_init(&xy, out->a, out->err);
	if (is_ordinal(m, n)) {
		xl_add(out, ordinal(out, m, n - 2));
	} else if (is_currency(m, n)) {
		currency_alts(out, t);
	} else if (is_percent(m, n)) {
		part_alts(&x, t, 0, n - 1);
		xl_add(&y, S_PERCENT);
		product(out, &x, S_NONE, &y);
	} else if (is_comma_int(m, 0, n) || is_int(m, 0, n)) {
		/* the reference tries decimal in between; it cannot match */
		signed_int_alts(out, t);
	} else if (is_decimal(m, 0, n)) {
		dec_alts(out, m + neg, n - neg, neg, t->ascii_digits);
	} else if (is_rate(m, n, &a, &b)) {
		part_alts(&x, t, 0, a);
		unit_alts(&y, m + a, b - a);
		unit_alts(&z, m + b + 1, n - b - 1);
		product(&xy, &x, S_NONE, &y);
		product(out, &xy, S_PER, &z);
	} else if (is_unit_rate(m, n, &b)) {
		unit_alts(&y, m, b);
		unit_alts(&z, m + b + 1, n - b - 1);
		product(out, &y, S_PER, &z);
	} else if (is_safe_unit(m, n)) {
		unit_alts(out, m, n);
	} else if (is_prefix_mixed(m, n, &a)) {
		prefix_alts(out, t, a);
	} else if (is_suffix_mixed(m, n, &a)) {
		part_alts(&x, t, 0, a);
		unit_alts(&y, m + a, n - a);
		product(out, &x, S_NONE, &y);
	}
}

int ac_number_expand(struct ac_arena *a, const char *s, size_t len,
		     const struct ac_alt **alts, char *err, size_t errlen)
{
	struct tok t;
	struct xl out;
	int e = X_OK;
	const char *m;
	size_t n;

	*alts = NULL;
	if (ascii_image(s, len, &m, &n) && !image_is_number(m, n))
		return 0;
	if (!tok_map(&t, s, len))
		return 0;
	if (!image_is_number(t.m, t.n)) {
		tok_free(&t);
		return 0;
	}
	xl_init(&out, a, &e);
	expand_image(&out, &t);
	tok_free(&t);
	if (e == X_TOO_BIG) {
		snprintf(err, errlen, "number too large to name (10^306 or more): %.40s%s",
			 s, len > 40 ? "..." : "");
		return -1;
	}
	if (e) {
		snprintf(err, errlen, "out of memory expanding a number");
		return -1;
	}
	*alts = out.v;
	return out.n;
}
