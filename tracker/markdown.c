// SPDX-License-Identifier: MIT
/*
 * The reference renders Markdown to HTML and feeds that to Python's
 * html.parser, splitting every text-data chunk on whitespace. A data chunk
 * ends at every tag, comment or declaration, so here pending text is cut
 * at every md4c block and span boundary and at line breaks (nl2br makes
 * every newline inside a paragraph a <br />). Character references never
 * cut text: html.parser converts them inside the data.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <md4c.h>

#include "markdown.h"
#include "markdown_entities.h"
#include "punct.h"
#include "utf8.h"
#include "sse2.h"

/* Raw HTML met inside the Markdown is scanned by this small state machine,
 * which keeps what html.parser would report as data. */
enum html_state {
	H_TEXT,
	H_LT,		/* after '<' */
	H_TAG,		/* in a start or end tag, outside quotes */
	H_TAG_SQ,
	H_TAG_DQ,
	H_BANG,		/* after "<!" */
	H_BANG_DASH,	/* after "<!-" */
	H_COMMENT,
	H_DECL,		/* <!...> or <?...> */
	H_ENT,		/* collecting a character reference */
	H_RAWTEXT,	/* inside <script> or <style>: data up to the end tag */
};

struct md_ctx {
	ac_md_token_fn fn;
	void *ctx;
	int rc;			/* first non-zero result: stops everything */
	bool header;
	int img_depth;
	char *buf;		/* pending text */
	size_t n, cap;
	enum html_state hs;
	bool tag_end;		/* tag being read is an end tag */
	char tag[8];		/* its lower-cased name, truncated */
	size_t tag_n;
	bool tag_named;		/* name complete */
	int dashes;
	char ent[40];		/* the reference being collected */
	size_t ent_n;
	const char *raw_end;	/* "</script" or "</style" in H_RAWTEXT */
	size_t raw_match;	/* how much of it has been seen */
};

static int append(struct md_ctx *c, const char *s, size_t n)
{
	size_t cap;
	char *b;

	if (c->n + n > c->cap) {
		cap = c->cap ? c->cap : 256;
		while (cap < c->n + n)
			cap *= 2;
		b = realloc(c->buf, cap);
		if (!b)
			return -1;
		c->buf = b;
		c->cap = cap;
	}
	memcpy(c->buf + c->n, s, n);
	c->n += n;
	return 0;
}

/* Byte classes for flush(): most text is neither whitespace nor the
 * start of a multi-byte character, and a token's bytes of that kind are
 * passed over (text_run) without decoding or a property lookup. */
enum { F_TEXT, F_SPACE, F_MULTI };

static const unsigned char flush_class[256] = {
	['\t' ... '\r'] = F_SPACE, [0x1c ... 0x1f] = F_SPACE, [' '] = F_SPACE,
	[0x80 ... 0xff] = F_MULTI,
};

/* char_at() for a non-ASCII byte: out of line, the rare case */
__attribute__((noinline))
static int multi_at(const char *b, size_t i, size_t n, bool *space)
{
	int32_t cp;
	int k;

	k = ac_utf8_next(b + i, n - i, &cp);
	*space = k > 0 && ac_uc_isspace(cp);
	return k > 0 ? k : 1;
}

/* Length of the character at b[i] (1 for a byte that is no UTF-8, which
 * counts as U+FFFD), and whether it is whitespace; inline, as flush()
 * asks it at every token's two ends. */
static inline int char_at(const char *b, size_t i, size_t n, bool *space)
{
	unsigned char ch = (unsigned char)b[i];

	if (ch < 0x80) {
		*space = flush_class[ch] == F_SPACE;
		return 1;
	}
	return multi_at(b, i, n, space);
}

#ifdef __SSE2__
/* signed: the bytes <= 0x20 and the non-ASCII ones */
static inline int text_stop(__m128i v)
{
	return _mm_movemask_epi8(_mm_cmplt_epi8(v, _mm_set1_epi8(0x21)));
}
#endif

/* The first byte of b[i..n) that is not F_TEXT, or n; with SSE2 (x86-64's
 * baseline) sixteen bytes a step, and every control byte stops it too
 * (char_at() then tells). */
static size_t text_run(const char *b, size_t i, size_t n)
{
#ifdef __SSE2__
	if (n - i >= 16)
		return ac_sse2_first(b, i, n, text_stop);
#endif
	while (i < n && flush_class[(unsigned char)b[i]] == F_TEXT)
		i++;
	return i;
}

static void flush(struct md_ctx *c)
{
	const char *b = c->buf;
	size_t i = 0, start, n = c->n;
	bool space;
	int k;

	c->n = 0;
	while (i < n && !c->rc) {
		k = char_at(b, i, n, &space);
		if (space) {
			i += k;
			continue;
		}
		start = i;
		for (i += k; (i = text_run(b, i, n)) < n; i += k) {
			k = char_at(b, i, n, &space);
			if (space)
				break;
		}
		c->rc = c->fn(c->ctx, b + start, i - start, c->header);
	}
}

static int append_cp(struct md_ctx *c, int32_t cp)
{
	char b[4];

	return append(c, b, ac_utf8_encode((uint32_t)cp, b));
}

/* Python's html.unescape for a numeric reference: the windows-1252 repair
 * of C1 controls, U+FFFD for NUL, surrogates and out-of-range values, and
 * nothing for the other code points HTML forbids. */
static int append_numeric(struct md_ctx *c, uint32_t v)
{
	static const uint16_t cp1252[32] = {
		0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021,
		0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
		0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
		0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
	};

	if (v == 0 || (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
		return append_cp(c, 0xfffd);
	if (v == 0x0d)
		return append_cp(c, v);
	if (v >= 0x80 && v <= 0x9f)
		return append_cp(c, cp1252[v - 0x80]);
	if ((v >= 1 && v <= 8) || v == 0x0b || (v >= 0x0e && v <= 0x1f) ||
	    v == 0x7f || (v >= 0xfdd0 && v <= 0xfdef) || (v & 0xfffe) == 0xfffe)
		return 0;
	return append_cp(c, (int32_t)v);
}

static int entity_cmp(const void *key, const void *e)
{
	return strcmp(key, ((const struct md_entity *)e)->name);
}

/* Appends the text of the reference s[0..n) ("&...;" or, from raw HTML,
 * possibly without the ';'); an unknown one stays as written. */
static int append_entity(struct md_ctx *c, const char *s, size_t n)
{
	const struct md_entity *e;
	char name[40];
	uint32_t v = 0;
	size_t i, len = n;
	bool hex, semi = n && s[n - 1] == ';';

	/* the reference holds n bytes; s[n] is not ours to read */
	if (semi)
		len--;
	if (len >= 2 && s[1] == '#') {
		hex = len >= 3 && (s[2] | 0x20) == 'x';
		i = hex ? 3 : 2;
		if (i == len)
			return append(c, s, n);
		for (; i < len; i++) {
			int d = s[i] >= '0' && s[i] <= '9' ? s[i] - '0' :
				hex && (s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'f' ?
				(s[i] | 0x20) - 'a' + 10 : -1;
			if (d < 0)
				return append(c, s, n);
			if (v <= 0x10ffff)
				v = v * (hex ? 16 : 10) + d;
		}
		return append_numeric(c, v);
	}
	if (len < 2 || len - 1 >= sizeof(name) || !semi)
		return append(c, s, n);
	memcpy(name, s + 1, len - 1);
	name[len - 1] = '\0';
	e = bsearch(name, md_entities, sizeof(md_entities) / sizeof(md_entities[0]),
		    sizeof(md_entities[0]), entity_cmp);
	if (!e)
		return append(c, s, n);
	return append(c, e->utf8, strlen(e->utf8));
}

static bool is_alpha(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool is_alnum(char ch)
{
	return is_alpha(ch) || (ch >= '0' && ch <= '9');
}

static void tag_done(struct md_ctx *c)
{
	bool h = c->tag_n == 2 && c->tag[0] == 'h' && c->tag[1] >= '1' &&
		 c->tag[1] <= '6';

	flush(c);
	if (h)
		c->header = !c->tag_end;
	c->hs = H_TEXT;
	/* html.parser reads these elements' content as plain data */
	if (!c->tag_end && c->tag_n == 6 && !memcmp(c->tag, "script", 6))
		c->raw_end = "</script";
	else if (!c->tag_end && c->tag_n == 5 && !memcmp(c->tag, "style", 5))
		c->raw_end = "</style";
	else
		return;
	c->hs = H_RAWTEXT;
	c->raw_match = 0;
}

static int rawtext_char(struct md_ctx *c, char ch)
{
	size_t n = strlen(c->raw_end);

	if ((ch | (c->raw_match >= 2 ? 0x20 : 0)) == c->raw_end[c->raw_match]) {
		if (++c->raw_match < n)
			return 0;
		c->hs = H_TAG;
		c->tag_end = true;
		c->tag_named = true;
		c->tag_n = 0;
		return 0;
	}
	if (c->raw_match) {
		if (append(c, c->raw_end, c->raw_match))
			return -1;
		c->raw_match = 0;
		return rawtext_char(c, ch);
	}
	return append(c, &ch, 1);
}

/* One character of raw HTML; returns -1 when out of memory. */
static int html_char(struct md_ctx *c, char ch)
{
	switch (c->hs) {
	case H_RAWTEXT:
		return rawtext_char(c, ch);
	case H_ENT:
		if (c->ent_n < sizeof(c->ent) &&
		    (is_alnum(ch) || (ch == '#' && c->ent_n == 1))) {
			c->ent[c->ent_n++] = ch;
			return 0;
		}
		c->hs = H_TEXT;
		if (ch == ';' && c->ent_n < sizeof(c->ent)) {
			c->ent[c->ent_n++] = ch;
			return append_entity(c, c->ent, c->ent_n);
		}
		if (append_entity(c, c->ent, c->ent_n))
			return -1;
		return html_char(c, ch);
	case H_TEXT:
		if (ch == '<') {
			c->hs = H_LT;
			return 0;
		}
		if (ch == '&') {
			c->hs = H_ENT;
			c->ent[0] = ch;
			c->ent_n = 1;
			return 0;
		}
		return append(c, &ch, 1);
	case H_LT:
		c->tag_n = 0;
		c->tag_named = false;
		c->tag_end = ch == '/';
		if (ch == '!') {
			c->hs = H_BANG;
		} else if (ch == '?') {
			c->hs = H_DECL;
		} else if (ch == '/' || is_alpha(ch)) {
			c->hs = H_TAG;
			if (is_alpha(ch))
				c->tag[c->tag_n++] = ch | 0x20;
		} else {
			/* not markup: html.parser keeps the '<' as text */
			c->hs = H_TEXT;
			if (append(c, "<", 1))
				return -1;
			return html_char(c, ch);
		}
		return 0;
	case H_TAG:
		if (ch == '>') {
			tag_done(c);
		} else if (ch == '"') {
			c->hs = H_TAG_DQ;
		} else if (ch == '\'') {
			c->hs = H_TAG_SQ;
		} else if (!c->tag_named && is_alnum(ch)) {
			if (c->tag_n < sizeof(c->tag))
				c->tag[c->tag_n++] = ch | 0x20;
		} else {
			c->tag_named = c->tag_named || c->tag_n > 0;
		}
		return 0;
	case H_TAG_DQ:
	case H_TAG_SQ:
		if (ch == (c->hs == H_TAG_DQ ? '"' : '\''))
			c->hs = H_TAG;
		return 0;
	case H_BANG:
		c->hs = ch == '-' ? H_BANG_DASH : ch == '>' ? H_TEXT : H_DECL;
		if (ch == '>')
			flush(c);
		return 0;
	case H_BANG_DASH:
		c->hs = ch == '-' ? H_COMMENT : H_DECL;
		c->dashes = 0;
		return 0;
	case H_COMMENT:
		if (ch == '>' && c->dashes >= 2) {
			flush(c);
			c->hs = H_TEXT;
		}
		c->dashes = ch == '-' ? c->dashes + 1 : 0;
		return 0;
	case H_DECL:
		if (ch == '>') {
			flush(c);
			c->hs = H_TEXT;
		}
		return 0;
	}
	return 0;
}

static int html_text(struct md_ctx *c, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (html_char(c, s[i]))
			return -1;
	return 0;
}

/* Ends any half-read reference before markup from md4c takes over. */
static int html_settle(struct md_ctx *c)
{
	if (c->hs == H_ENT) {
		c->hs = H_TEXT;
		return append_entity(c, c->ent, c->ent_n);
	}
	if (c->hs == H_LT) {
		c->hs = H_TEXT;
		return append(c, "<", 1);
	}
	return 0;
}

static int boundary(struct md_ctx *c)
{
	if (html_settle(c))
		return -1;
	flush(c);
	return c->rc;
}

static int enter_block(MD_BLOCKTYPE type, void *detail, void *ud)
{
	struct md_ctx *c = ud;

	(void)detail;
	if (boundary(c))
		return c->rc ? c->rc : -1;
	if (type == MD_BLOCK_H)
		c->header = true;
	c->hs = H_TEXT;
	return 0;
}

static int leave_block(MD_BLOCKTYPE type, void *detail, void *ud)
{
	struct md_ctx *c = ud;

	(void)detail;
	if (boundary(c))
		return c->rc ? c->rc : -1;
	if (type == MD_BLOCK_H)
		c->header = false;
	/* markup left open by raw HTML does not outlive its block */
	c->hs = H_TEXT;
	return 0;
}

static int enter_span(MD_SPANTYPE type, void *detail, void *ud)
{
	struct md_ctx *c = ud;

	(void)detail;
	if (boundary(c))
		return c->rc ? c->rc : -1;
	if (type == MD_SPAN_IMG)
		c->img_depth++;
	return 0;
}

static int leave_span(MD_SPANTYPE type, void *detail, void *ud)
{
	struct md_ctx *c = ud;

	(void)detail;
	if (boundary(c))
		return c->rc ? c->rc : -1;
	if (type == MD_SPAN_IMG)
		c->img_depth--;
	return 0;
}

static int text(MD_TEXTTYPE type, const MD_CHAR *s, MD_SIZE n, void *ud)
{
	struct md_ctx *c = ud;
	int r = 0;

	/* an image's alt text is an attribute, not data */
	if (c->img_depth)
		return 0;
	if (type != MD_TEXT_HTML && html_settle(c))
		return -1;
	switch (type) {
	case MD_TEXT_NULLCHAR:
		r = append_cp(c, 0xfffd);
		break;
	case MD_TEXT_BR:
	case MD_TEXT_SOFTBR:
		flush(c);
		break;
	case MD_TEXT_ENTITY:
		r = append_entity(c, s, n);
		break;
	case MD_TEXT_HTML:
		r = html_text(c, s, n);
		break;
	default:
		r = append(c, s, n);
		break;
	}
	if (c->rc)
		return c->rc;
	return r;
}

int ac_markdown_tokens(const char *md, size_t len, ac_md_token_fn fn,
		       void *ctx)
{
	struct md_ctx c = { .fn = fn, .ctx = ctx };
	MD_PARSER p = {
		.abi_version = 0,
		.flags = 0,	/* plain CommonMark: no tables, no extensions */
		.enter_block = enter_block,
		.leave_block = leave_block,
		.enter_span = enter_span,
		.leave_span = leave_span,
		.text = text,
	};
	int r;

	if (len > (MD_SIZE)-1)
		return -1;
	r = md_parse(md, (MD_SIZE)len, &p, &c);
	if (!r && !c.rc && boundary(&c))
		r = -1;
	free(c.buf);
	if (c.rc)
		return c.rc;
	return r ? -1 : 0;
}
