// SPDX-License-Identifier: MIT
/*
 * Script parsing (TRACKER-SPEC.md §2, §5.12): the reference's
 * tests/parser/test_markdown.py, the spec's examples for sub-token splitting,
 * classification, normalize() and lines, and hostile input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "normalize.h"
#include "script.h"

static struct ac_script *parse_n(const char *md, size_t len)
{
	char err[200];
	struct ac_script *s = ac_script_parse(md, len, err, sizeof(err));

	if (!s)
		fail_msg("parse failed: %s", err);
	return s;
}

static struct ac_script *parse(const char *md)
{
	return parse_n(md, strlen(md));
}

/* Speakable words joined by '|' (expandable words as their placeholder). */
static const char *words(const char *md)
{
	static char buf[4096];
	struct ac_script *s = parse(md);
	int i;

	buf[0] = '\0';
	for (i = 0; i < s->n; i++) {
		if (i)
			strcat(buf, "|");
		strcat(buf, s->words[i].text);
	}
	ac_script_free(s);
	return buf;
}

static const char *raws(const char *md)
{
	static char buf[4096];
	struct ac_script *s = parse(md);
	int i;

	buf[0] = '\0';
	for (i = 0; i < s->nraw; i++) {
		if (i)
			strcat(buf, "|");
		strcat(buf, s->raw[i].text);
	}
	ac_script_free(s);
	return buf;
}

static const char *norm(const char *w)
{
	static char out[256];

	assert_true(ac_normalize(w, strlen(w), out, sizeof(out)) >= 0);
	return out;
}

static bool has_word(const struct ac_script *s, const char *w)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->words[i].text, w))
			return true;
	return false;
}

static bool alt_is(const struct ac_alt *a, const char *phrase)
{
	char buf[256] = "";
	int k;

	for (k = 0; k < a->n; k++) {
		if (k)
			strcat(buf, " ");
		strcat(buf, a->w[k]);
	}
	return !strcmp(buf, phrase);
}

#define T(name) static void name(void **state)

/* ---- tests/parser/test_markdown.py --------------------------------- */

T(test_markdown_bullets_not_treated_as_minus)
{
	(void)state;
	struct ac_script *s = parse("Here is a list:\n\n- First item\n"
				    "- Second item\n- Third item\n\nEnd of list.");
	int i, a;

	for (i = 0; i < s->n; i++)
		for (a = 0; a < s->words[i].nalts; a++)
			assert_false(alt_is(&s->words[i].alts[a], "minus"));
	assert_true(has_word(s, "first") && has_word(s, "item"));
	assert_true(has_word(s, "second"));
	ac_script_free(s);
}

T(test_literal_minus_in_content_expands)
{
	(void)state;
	struct ac_script *s = parse("The answer is 5 - 3 = 2");
	int i, a;
	bool minus = false;

	for (i = 0; i < s->n; i++)
		for (a = 0; a < s->words[i].nalts; a++)
			minus = minus || alt_is(&s->words[i].alts[a], "minus");
	assert_true(minus);
	ac_script_free(s);
}

T(test_markdown_headers_not_tokenized)
{
	(void)state;
	struct ac_script *s = parse("# Main Title\n\n## Section One\n\n"
				    "Some content here.\n\n### Subsection\n\n"
				    "More content.");
	int i;

	for (i = 0; i < s->nraw; i++)
		assert_true(s->raw[i].text[0] != '#');
	/* and the header flag follows the h1..h6 elements */
	assert_true(s->words[0].header && s->words[1].header);
	assert_true(s->words[3].header);
	assert_false(s->words[4].header);
	ac_script_free(s);
}

T(test_bold_and_italic_content_preserved)
{
	(void)state;
	struct ac_script *s = parse("This has **bold text** and *italic text* in it.");
	int i;

	assert_true(has_word(s, "bold") && has_word(s, "text"));
	assert_true(has_word(s, "italic"));
	for (i = 0; i < s->n; i++) {
		assert_null(strstr(s->words[i].text, "**"));
		assert_string_not_equal(s->words[i].text, "*");
	}
	ac_script_free(s);
}

/* ---- §2.1/§2.2 rendering ------------------------------------------- */

T(spec_markdown_rendering)
{
	(void)state;
	assert_string_equal(raws("**bold**text"), "bold|text");
	assert_string_equal(raws("[link text](u)."), "link|text|.");
	assert_string_equal(raws("`code span`, x"), "code|span|,|x");
	assert_string_equal(raws("![alt words](i.png) after"), "after");
	assert_string_equal(raws("a &amp; b &lt; c AT&T"), "a|&|b|<|c|AT&T");
	assert_string_equal(raws("x <!-- gone --> <span>kept</span>"), "x|kept");
	assert_string_equal(raws("a\xc2\xa0" "b"), "a|b");
	assert_string_equal(raws("***\n\n---"), "");
	assert_string_equal(raws("    indented code"), "indented|code");
	assert_string_equal(raws("a | b"), "a|||b");
	assert_string_equal(words("Title\n---\n\nbody"), "title|body");
}

/* ---- §2.3 sub-tokens and classification ---------------------------- */

T(spec_periods_and_operators)
{
	(void)state;
	assert_string_equal(words("hello.world"), "hello|world");
	assert_string_equal(words("e.g. U.S.A. ... hello."), "e|g|u|s|a|hello");
	assert_string_equal(words("1,234.5"), "<numeric expansion>|<numeric expansion>");
	assert_string_equal(words("2^3"), "<numeric expansion>|<expansion>|<numeric expansion>");
	assert_string_equal(words("2^-3"), "<numeric expansion>|<expansion>|<numeric expansion>");
	assert_string_equal(words("x>=y"), "x|<expansion>|y");
	assert_string_equal(words("A&B"), "a|<expansion>|b");
	assert_string_equal(words("C++"), "c|<expansion>|<expansion>");
	assert_string_equal(words("100+"), "<numeric expansion>|<expansion>");
	assert_string_equal(words("2+2=4"), "<numeric expansion>|<expansion>|"
			    "<numeric expansion>|<expansion>|<numeric expansion>");
	assert_string_equal(words("user@example.com"), "user|<expansion>|example|com");
	assert_string_equal(words("x-y co-op 1/2 50/50 2020-2024"),
			    "xy|coop|12|5050|20202024");
	assert_string_equal(words("3 * 10^8 m/s"), "<numeric expansion>|<expansion>|"
			    "<numeric expansion>|<expansion>|<numeric expansion>|"
			    "<numeric expansion>");
}

T(spec_classification)
{
	(void)state;
	/* surrounding punctuation is stripped for number detection only */
	assert_string_equal(words("(100) \"100\" 100. 100! <3 $100, 25%."),
			    "<numeric expansion>|<numeric expansion>|"
			    "<numeric expansion>|<numeric expansion>|"
			    "<numeric expansion>|<numeric expansion>|"
			    "<numeric expansion>");
	/* quirk Q12: curly quotes and guillemets are not stripped */
	assert_string_equal(words("\xe2\x80\x9c" "100\xe2\x80\x9d \xc2\xab" "100\xc2\xbb"),
			    "100|100");
	/* silent punctuation, and tokens that normalize to nothing (Q14) */
	assert_string_equal(words("a , . ! ? ; : \" ' ( ) [ ] { } \xe2\x80\x94 "
				  "\xe2\x80\x93 \xe2\x80\xa6 \xc2\xab \xc2\xbb -- --- $ # b"),
			    "a|b");
	assert_string_equal(words("a - b / c"), "a|<expansion>|b|<expansion>|c");
	/* Q13 */
	assert_string_equal(words("and/or"), "<numeric expansion>");
}

T(spec_punctuation_table)
{
	(void)state;
	struct ac_script *s = parse("& < > <= >= / \\ ~ @ + - = % ^ | *");
	static const int nalts[] = { 2, 1, 1, 1, 1, 7, 2, 3, 1, 1, 3, 3, 1, 8, 2, 3 };
	int i;

	assert_int_equal(s->n, 16);
	for (i = 0; i < s->n; i++) {
		assert_string_equal(s->words[i].text, "<expansion>");
		assert_int_equal(s->words[i].nalts, nalts[i]);
	}
	assert_true(alt_is(&s->words[0].alts[0], "and"));
	assert_true(alt_is(&s->words[4].alts[0], "greater than or equal"));
	assert_true(alt_is(&s->words[5].alts[4], "divided by"));
	assert_true(alt_is(&s->words[13].alts[7], "x or"));
	ac_script_free(s);
}

T(spec_normalize)
{
	(void)state;
	assert_string_equal(norm("Don't"), "dont");
	assert_string_equal(norm("it\xe2\x80\x99s"), "its");
	assert_string_equal(norm("Hello,"), "hello");
	assert_string_equal(norm("3.14"), "314");
	assert_string_equal(norm("1/2"), "12");
	assert_string_equal(norm("co-op"), "coop");
	assert_string_equal(norm("_under_"), "_under_");
	assert_string_equal(norm("caf\xc3\xa9"), "caf\xc3\xa9");
	assert_string_equal(norm("\xe2\x80\x94"), "");
	assert_string_equal(norm("<numeric expansion>"), "numeric expansion");
	assert_string_equal(norm("  Two  Words! "), "two  words");
	/* full lower-casing: U+0130 loses its dot, final sigma */
	assert_string_equal(norm("\xc4\xb0" "stanbul"), "istanbul");
	assert_string_equal(norm("\xce\x9f\xce\x94\xce\x9f\xce\xa3"),
			    "\xce\xbf\xce\xb4\xce\xbf\xcf\x82");
	assert_string_equal(norm("\xce\xa3\xce\x91"), "\xcf\x83\xce\xb1");
	/* \w covers every letter and number category, not marks */
	assert_string_equal(norm("x\xc2\xb2\xc2\xbd"), "x\xc2\xb2\xc2\xbd");
	assert_string_equal(norm("e\xcc\x81"), "e");
	assert_true(ac_normalize("\xff", 1, (char[8]){ 0 }, 8) < 0);
}

/* ASCII runs skip the room check while the output has room for the whole
 * input: every output size, from too small to ample, gives the same
 * normal form or -1, whichever path it takes. */
T(normalize_every_room)
{
	static const char *const words[] = {
		"Don't", "  Two  Words! ", "ABC", "a", "co-op", "x,y.z",
		"caf\xc3\xa9!", "\xc3\x89t\xc3\xa9", "Hi \xe2\x80\x94 there",
		"\xce\x9f\xce\xa3 x", "__", "...", "",
	};
	(void)state;
	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		size_t len = strlen(words[w]);
		char want[256], got[256];
		int n = ac_normalize(words[w], len, want, sizeof(want));

		assert_true(n >= 0);
		for (size_t cap = 0; cap <= len + 8; cap++) {
			int k = ac_normalize(words[w], len, got, cap);

			if (k < 0) {
				/* refused only when the form and its NUL do
				 * not fit */
				assert_true((size_t)n + 1 > cap || cap <= len);
				continue;
			}
			assert_int_equal(k, n);
			assert_memory_equal(got, want, (size_t)n + 1);
		}
	}
}

/* The tracker's one-loop ASCII normalizer gives ac_normalize's form, and
 * that form's bytes as code points: every ASCII byte alone, between
 * letters, and words with spaces around and inside. */
T(normalize_ascii_same)
{
	static const char *const words[] = {
		"Don't", "  Two  Words! ", "ABC", "a", "co-op", "x,y.z", "__",
		"...", "", "\tTab\x1f", "Mixed_Case09", " lead", "trail\v",
	};
	char want[64], got[64];
	uint32_t cps[64];
	(void)state;
	for (int b = 1; b < 0x80; b++) {
		const char in[] = { 'a', (char)b, 'Z' };

		/* the byte alone (in + 1, 1) and between letters (in, 3) */
		for (size_t len = 1; len <= 3; len += 2) {
			const char *w = len == 1 ? in + 1 : in;
			int n = ac_normalize(w, len, want, sizeof(want));
			int k = ac_normalize_ascii(w, len, got, cps);

			assert_int_equal(k, n);
			assert_memory_equal(got, want, (size_t)n + 1);
			for (int i = 0; i < k; i++)
				assert_int_equal(cps[i], (unsigned char)got[i]);
		}
	}
	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		size_t len = strlen(words[w]);
		int n = ac_normalize(words[w], len, want, sizeof(want));
		int k = ac_normalize_ascii(words[w], len, got, cps);

		assert_int_equal(k, n);
		assert_memory_equal(got, want, (size_t)n + 1);
		for (int i = 0; i < k; i++)
			assert_int_equal(cps[i], (unsigned char)got[i]);
	}
}

T(spec_speakable_to_raw)
{
	(void)state;
	struct ac_script *s = parse("Hello , world 2^3");

	assert_int_equal(s->nraw, 4);
	assert_int_equal(s->n, 5);
	assert_int_equal(ac_script_speakable_to_raw(s, -1), 0);
	assert_int_equal(ac_script_speakable_to_raw(s, 1), 2);
	assert_int_equal(ac_script_speakable_to_raw(s, 4), 3);
	assert_int_equal(ac_script_speakable_to_raw(s, 5), 4);
	assert_int_equal(s->raw[1].n, 0);
	assert_int_equal(s->raw[3].first, 2);
	assert_int_equal(s->raw[3].n, 3);
	ac_script_free(s);
}

/* ---- §5.12 lines ---------------------------------------------------- */

T(spec_lines)
{
	(void)state;
	/* list markers and "2^3" make raw-line word counts differ (Q11) */
	struct ac_script *s = parse("# Title here\n\n- **x** 2^3\nlast & line\n");

	assert_int_equal(s->nlines, 5);
	assert_string_equal(s->lines[2].text, "- **x** 2^3");
	assert_int_equal(s->lines[0].nwords, 2);
	assert_int_equal(s->lines[1].nwords, 0);
	assert_int_equal(s->lines[2].nwords, 2);
	assert_int_equal(s->lines[3].start, 4);
	assert_int_equal(s->lines[3].nwords, 2);
	assert_int_equal(s->lines[4].start, 6);
	assert_int_equal(s->n, 9);
	assert_int_equal(s->nw2l, 6);
	assert_int_equal(s->word_to_line[3], 2);
	assert_int_equal(s->word_to_line[5], 3);
	ac_script_free(s);

	/* word_to_line stops at N */
	s = parse("<!-- hidden words here -->\nreal");
	assert_int_equal(s->n, 1);
	assert_int_equal(s->nw2l, 1);
	assert_int_equal(s->lines[1].start, 1);
	ac_script_free(s);
	s = parse("");
	assert_int_equal(s->n, 0);
	assert_int_equal(s->nraw, 0);
	assert_int_equal(s->nlines, 1);
	ac_script_free(s);
	s = parse("a\r\nb\rc");
	assert_int_equal(s->nlines, 3);
	assert_string_equal(s->lines[0].text, "a");
	ac_script_free(s);
}

T(spec_dump_format)
{
	(void)state;
	struct ac_script *s = parse("# A & 2\n\"q\"\\");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_int_equal(ac_script_dump_words(s, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "{\"kind\": \"summary\", \"total_raw_tokens\": 4, "
			       "\"total_speakable_words\": 5, \"n_lines\": 2, "
			       "\"n_word_to_line\": 3}\n"));
	assert_non_null(strstr(buf, "{\"kind\": \"speakable\", \"i\": 1, \"text\": "
			       "\"<expansion>\", \"raw\": 1, \"is_expansion\": true, "
			       "\"is_header\": true, \"expansions\": [[\"and\"], "
			       "[\"ampersand\"]]}\n"));
	assert_non_null(strstr(buf, "{\"kind\": \"raw\", \"i\": 3, \"text\": "
			       "\"\\\"q\\\"\\\\\", \"speakable\": [3, 4]}\n"));
	assert_non_null(strstr(buf, "{\"kind\": \"word_to_line\", \"map\": [0, 0, 1]}\n"));
	free(buf);
	ac_script_free(s);
}

/* ---- hostile input -------------------------------------------------- */

T(invalid_utf8_refused)
{
	(void)state;
	static const char *const bad[] = {
		"ok \xff", "\xc3", "\xed\xa0\x80 surrogate", "\xc0\xaf overlong",
		"\xf4\x90\x80\x80 too big",
	};
	char err[100];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_null(ac_script_parse(bad[i], strlen(bad[i]), err, sizeof(err)));
		assert_non_null(strstr(err, "invalid UTF-8"));
	}
	/* a tiny or absent error buffer is fine */
	assert_null(ac_script_parse("\xff", 1, err, 1));
	assert_null(ac_script_parse("\xff", 1, NULL, 0));
}

T(number_too_large_refused)
{
	(void)state;
	char md[400], err[200];

	memset(md, '9', 307);
	md[307] = '\0';
	assert_null(ac_script_parse(md, strlen(md), err, sizeof(err)));
	assert_non_null(strstr(err, "too large"));
	md[306] = '\0';
	ac_script_free(parse(md));
}

/* In raw HTML an entity without its ';' stays as written, whatever came
 * before it on the line (the decoder once looked past the reference). */
T(raw_html_entity_without_semicolon)
{
	(void)state;
	assert_string_equal(raws("<div>\n&hellip x\n</div>\n"), "&hellip|x");
	assert_string_equal(raws("<div>\n&zzzzzz; &hellip x\n</div>\n"),
			    "&zzzzzz;|&hellip|x");
	assert_string_equal(raws("<div>\n&hellip; x\n</div>\n"), "\u2026|x");
}

T(nul_bytes)
{
	(void)state;
	static const char md[] = "a\0b \0\0 c\n\0";
	struct ac_script *s = parse_n(md, sizeof(md) - 1);

	assert_int_equal(s->nlines, 2);
	assert_string_equal(s->words[0].text, "ab");
	ac_script_free(s);
}

T(huge_inputs)
{
	(void)state;
	size_t n = 10 << 20, i;
	char *md = malloc(n + 1);
	struct ac_script *s;
	static const char *const fill[] = { "a", "1", "*", "[", ">", "`", "<", "&" };
	size_t f;

	assert_non_null(md);
	/* one 10 MB line of each kind, then deep nesting of each construct */
	for (f = 0; f < sizeof(fill) / sizeof(fill[0]); f++) {
		for (i = 0; i < n; i++)
			md[i] = i % 2 ? fill[f][0] : (f ? fill[f][0] : ' ');
		md[n] = '\0';
		s = parse_n(md, f == 1 ? 300 : n);
		ac_script_free(s);
	}
	for (f = 0; f < 5; f++) {
		static const char *const open[] = { ">", "- ", "*", "[", "<b>" };
		size_t k = strlen(open[f]);

		for (i = 0; i + k < n / 8; i += k)
			memcpy(md + i, open[f], k);
		memcpy(md + i, "x", 1);
		s = parse_n(md, i + 1);
		ac_script_free(s);
	}
	free(md);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_markdown_bullets_not_treated_as_minus),
		cmocka_unit_test(test_literal_minus_in_content_expands),
		cmocka_unit_test(test_markdown_headers_not_tokenized),
		cmocka_unit_test(test_bold_and_italic_content_preserved),
		cmocka_unit_test(spec_markdown_rendering),
		cmocka_unit_test(spec_periods_and_operators),
		cmocka_unit_test(spec_classification),
		cmocka_unit_test(spec_punctuation_table),
		cmocka_unit_test(spec_normalize),
		cmocka_unit_test(normalize_every_room),
		cmocka_unit_test(normalize_ascii_same),
		cmocka_unit_test(spec_speakable_to_raw),
		cmocka_unit_test(spec_lines),
		cmocka_unit_test(spec_dump_format),
		cmocka_unit_test(invalid_utf8_refused),
		cmocka_unit_test(number_too_large_refused),
		cmocka_unit_test(raw_html_entity_without_semicolon),
		cmocka_unit_test(nul_bytes),
		cmocka_unit_test(huge_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
