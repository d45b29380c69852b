// SPDX-License-Identifier: MIT
#include <string.h>

#include <utf8proc.h>

#include "punct.h"
#include "utf8.h"

bool ac_uc_isword(int32_t c)
{
	if (c < 0x80)
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		       (c >= '0' && c <= '9') || c == '_';
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_NO:
		return true;
	default:
		return false;
	}
}

#define W(...) ((const char *const[]){ __VA_ARGS__ })
#define ALT(...) { sizeof(W(__VA_ARGS__)) / sizeof(char *), W(__VA_ARGS__) }

static const struct ac_alt amp[] = { ALT("and"), ALT("ampersand") };
static const struct ac_alt lt[] = { ALT("less", "than") };
static const struct ac_alt gt[] = { ALT("greater", "than") };
static const struct ac_alt le[] = { ALT("less", "than", "or", "equal") };
static const struct ac_alt ge[] = { ALT("greater", "than", "or", "equal") };
static const struct ac_alt slash[] = {
	ALT("slash"), ALT("or"), ALT("forward", "slash"), ALT("divide"),
	ALT("divided", "by"), ALT("divides"), ALT("over"),
};
static const struct ac_alt bslash[] = { ALT("backslash"), ALT("back", "slash") };
static const struct ac_alt tilde[] = {
	ALT("approximately"), ALT("tilde"), ALT("about"),
};
static const struct ac_alt at[] = { ALT("at") };
static const struct ac_alt plus[] = { ALT("plus") };
static const struct ac_alt minus[] = { ALT("minus"), ALT("dash"), ALT("hyphen") };
static const struct ac_alt eq[] = { ALT("equals"), ALT("equal"), ALT("is") };
static const struct ac_alt pct[] = { ALT("percent") };
static const struct ac_alt caret[] = {
	ALT("caret"), ALT("to", "the", "power"), ALT("to", "the", "power", "of"),
	ALT("xor"), ALT("ex", "or"), ALT("exor"), ALT("exo"), ALT("x", "or"),
};
static const struct ac_alt pipe_[] = { ALT("pipe"), ALT("or") };
static const struct ac_alt star[] = {
	ALT("times"), ALT("multiply"), ALT("multiplied"),
};

#define ROW(k, v) { k, v, sizeof(v) / sizeof(v[0]) }
static const struct {
	const char *key;
	const struct ac_alt *alts;
	int n;
} table[] = {
	ROW("&", amp), ROW("<", lt), ROW(">", gt), ROW("<=", le), ROW(">=", ge),
	ROW("/", slash), ROW("\\", bslash), ROW("~", tilde), ROW("@", at),
	ROW("+", plus), ROW("-", minus), ROW("=", eq), ROW("%", pct),
	ROW("^", caret), ROW("|", pipe_), ROW("*", star),
};

/* The reference looks up the whitespace-stripped token; tokens never hold
 * whitespace here, so the bytes are compared as they are. Every sub-token
 * of a script comes through here, hence the switch rather than a scan of
 * the table. */
const struct ac_alt *ac_punct_expansions(const char *s, size_t len, int *nalts)
{
	int row;

	if (len == 2) {
		if (s[1] != '=' || (s[0] != '<' && s[0] != '>'))
			return NULL;
		row = s[0] == '<' ? 3 : 4;
	} else if (len == 1) {
		switch (s[0]) {
		case '&': row = 0; break;
		case '<': row = 1; break;
		case '>': row = 2; break;
		case '/': row = 5; break;
		case '\\': row = 6; break;
		case '~': row = 7; break;
		case '@': row = 8; break;
		case '+': row = 9; break;
		case '-': row = 10; break;
		case '=': row = 11; break;
		case '%': row = 12; break;
		case '^': row = 13; break;
		case '|': row = 14; break;
		case '*': row = 15; break;
		default: return NULL;
		}
	} else {
		return NULL;
	}
	*nalts = table[row].n;
	return table[row].alts;
}

/* ASCII classes by bit: */
enum {
	SILENT = 1,	/* silent punctuation */
	LEAD = 2,	/* stripped before a number */
	TRAIL = 4,	/* stripped after a number */
	OPER = 8,	/* cut out of a token by the operator split */
};

static const unsigned char ascii_class[128] = {
	[','] = SILENT | TRAIL, ['.'] = SILENT | TRAIL, ['!'] = SILENT | TRAIL,
	['?'] = SILENT | TRAIL, [';'] = SILENT | TRAIL, [':'] = SILENT | TRAIL,
	['"'] = SILENT | LEAD | TRAIL, ['\''] = SILENT | LEAD | TRAIL,
	['('] = SILENT | LEAD, [')'] = SILENT | TRAIL,
	['['] = SILENT | LEAD, [']'] = SILENT | TRAIL,
	['{'] = SILENT | LEAD, ['}'] = SILENT | TRAIL,
	['<'] = LEAD | OPER, ['>'] = TRAIL | OPER,
	['&'] = OPER, ['\\'] = OPER, ['~'] = OPER, ['@'] = OPER, ['+'] = OPER,
	['='] = OPER, ['%'] = OPER, ['^'] = OPER, ['|'] = OPER, ['*'] = OPER,
};

static bool ascii_is(char c, int cls)
{
	return (unsigned char)c < 128 && (ascii_class[(unsigned char)c] & cls);
}

bool ac_punct_is_silent(const char *s, size_t len)
{
	size_t i = 0;
	int32_t c;
	int n;

	while (i < len) {
		n = ac_utf8_next(s + i, len - i, &c);
		if (n < 0)
			return false;
		i += n;
		if (c < 0x80) {
			if (!ascii_is((char)c, SILENT))
				return false;
			continue;
		}
		/* — – … « » */
		if (c != 0x2014 && c != 0x2013 && c != 0x2026 && c != 0xab &&
		    c != 0xbb)
			return false;
	}
	return true;
}

void ac_punct_strip_surrounding(const char *s, size_t *b, size_t *e)
{
	while (*b < *e && ascii_is(s[*b], LEAD))
		(*b)++;
	while (*e > *b && ascii_is(s[*e - 1], TRAIL))
		(*e)--;
}

size_t ac_punct_operator_len(const char *s, size_t len)
{
	if (len >= 2 && (s[0] == '<' || s[0] == '>') && s[1] == '=')
		return 2;
	if (ascii_is(s[0], OPER))
		return 1;
	return 0;
}
