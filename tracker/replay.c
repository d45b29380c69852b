// SPDX-License-Identifier: MIT
/*
 * autocue-replay - feed recogniser events to the tracker and print the
 * position after each one, one JSON line per event, in the format of
 * ../shared/conformance/sessions/NAME.expected.jsonl.
 *
 * It doubles as a long-lived traced process (--loop, --realtime) for
 * autocue-trace, and as a pipe target for a live recogniser (EVENTS = -).
 */
#include <argp.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "float_repr.h"
#include "fuzzy.h"
#include "lines.h"
#include "quote.h"
#include "script.h"
#include "sse2.h"
#include "threaded.h"
#include "tracker.h"
#include "utf8.h"

enum ev_kind { EV_PARTIAL, EV_FINAL, EV_RESET, EV_JUMP };

struct event {
	enum ev_kind kind;
	const char *text;	/* in the reader's line, or alloc */
	char *alloc;		/* what the event owns, or NULL */
	int jump;
};

struct env {
	struct ac_tracker_opts topts;
	const char *script_path;
	const char *events_path;
	long realtime_ms;	/* 0: as fast as possible */
	long loops;		/* 0: forever */
	bool words;
	bool threaded;
	size_t max_line;	/* bytes per events line */
	size_t max_file;	/* bytes of a file read whole (the script,
				 * --loop's events) */
};

/* The documented input limits (README "Limits"), options to raise them. */
#define DEFAULT_MAX_LINE (1UL << 20)

enum {
	OPT_WINDOW = 0x100, OPT_MATCH, OPT_JUMP, OPT_MAXJUMP, OPT_MAXSKIP,
	OPT_SKIPHDR, OPT_REALTIME, OPT_LOOP, OPT_WORDS, OPT_THREADED,
	OPT_MAX_LINE, OPT_MAX_FILE,
};

static const char doc[] =
	"Replay recogniser events against a script and print the tracker's "
	"position after each event.\n\n"
	"EVENTS is Vosk-style JSON lines ({\"partial\": \"...\"}, "
	"{\"text\": \"...\"} for a final, {\"reset\": true}, {\"jump_to\": N}) "
	"or a plain transcript (one final per non-empty line; lines starting "
	"with === are ignored); the first non-blank line decides which. '-' reads "
	"stdin, with line-buffered output.\n\n"
	"Output: one line per event, {\"i\": N, \"speakable_index\": .., "
	"\"word_index\": .., \"line_index\": .., \"is_jump\": .., "
	"\"progress\": ..}.\n\n"
	"--threaded runs the worker-thread tracker: each event is submitted "
	"and the result of each accepted event printed (reset and jump_to "
	"print nothing). Partials arriving within 50 ms of the last accepted "
	"one are dropped, as in the application, so without --realtime most "
	"partials are dropped."
	"\vExit status: 0 on success, 1 on bad input or files.";

static const char args_doc[] = "SCRIPT.md EVENTS";

static const struct argp_option options[] = {
	{ "window-size", OPT_WINDOW, "N", 0, "Words per jump-search window "
	  "(default 8)", 0 },
	{ "match-threshold", OPT_MATCH, "SCORE", 0, "Min fuzzy ratio for a "
	  "word match (default 70)", 0 },
	{ "jump-threshold", OPT_JUMP, "N", 0, "Min words/distance for a jump "
	  "(default 3)", 0 },
	{ "max-jump-distance", OPT_MAXJUMP, "N", 0, "Jump search radius "
	  "(default 50)", 0 },
	{ "max-skip-distance", OPT_MAXSKIP, "N", 0, "Skip budget; finals use "
	  "2x (default 2)", 0 },
	{ "skip-headers", OPT_SKIPHDR, NULL, 0, "Skip header words while "
	  "tracking", 0 },
	{ "realtime", OPT_REALTIME, "MS", OPTION_ARG_OPTIONAL, "Sleep MS "
	  "(default 100) between events, like live audio", 0 },
	{ "loop", OPT_LOOP, "N", 0, "Replay the session N times, resetting "
	  "between runs (0 = forever)", 0 },
	{ "words", OPT_WORDS, NULL, 0, "Print the script's parse and exit "
	  "(EVENTS not needed)", 0 },
	{ "threaded", OPT_THREADED, NULL, 0, "Use the worker-thread "
	  "tracker", 0 },
	{ "max-line", OPT_MAX_LINE, "BYTES", 0, "Refuse an events line "
	  "longer than BYTES (default 1 MiB)", 0 },
	{ "max-file", OPT_MAX_FILE, "BYTES", 0, "Refuse a script, or --loop's "
	  "events, larger than BYTES (default 64 MiB)", 0 },
	{ 0 },
};

static int parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct env *env = state->input;
	long v = 0;	/* argp_failure(state, 1, ...) exits; gcc -O3 cannot tell */
	char *end;

	switch (key) {
	case OPT_WINDOW:
	case OPT_JUMP:
	case OPT_MAXJUMP:
	case OPT_MAXSKIP:
		if (parse_long(arg, key == OPT_WINDOW ? 1 : 0, INT_MAX / 4, &v))
			argp_failure(state, 1, 0, "invalid number '%s'",
				     AC_Q(arg));
		if (key == OPT_WINDOW)
			env->topts.window_size = (int)v;
		else if (key == OPT_JUMP)
			env->topts.jump_threshold = (int)v;
		else if (key == OPT_MAXJUMP)
			env->topts.max_jump_distance = (int)v;
		else
			env->topts.max_skip_distance = (int)v;
		break;
	case OPT_MATCH:
		errno = 0;
		env->topts.match_threshold = strtod(arg, &end);
		/* ratios are 0..100: outside that, all or nothing matches */
		if (errno || end == arg || *end ||
		    !(env->topts.match_threshold >= 0.0 &&
		      env->topts.match_threshold <= 100.0))
			argp_failure(state, 1, 0, "invalid threshold '%s' "
				     "(0 to 100)", AC_Q(arg));
		break;
	case OPT_SKIPHDR:
		env->topts.skip_headers = true;
		break;
	case OPT_REALTIME:
		env->realtime_ms = 100;
		if (arg && parse_long(arg, 0, 3600000, &env->realtime_ms))
			argp_failure(state, 1, 0, "invalid --realtime '%s'",
				     AC_Q(arg));
		break;
	case OPT_LOOP:
		if (parse_long(arg, 0, LONG_MAX, &env->loops))
			argp_failure(state, 1, 0, "invalid --loop '%s'",
				     AC_Q(arg));
		break;
	case OPT_WORDS:
		env->words = true;
		break;
	case OPT_THREADED:
		env->threaded = true;
		break;
	case OPT_MAX_LINE:
	case OPT_MAX_FILE:
		if (parse_long(arg, 1, LONG_MAX, &v))
			argp_failure(state, 1, 0, "invalid --%s '%s'",
				     key == OPT_MAX_LINE ? "max-line" : "max-file",
				     AC_Q(arg));
		*(key == OPT_MAX_LINE ? &env->max_line : &env->max_file) =
			(size_t)v;
		break;
	case ARGP_KEY_ARG:
		if (state->arg_num == 0)
			env->script_path = arg;
		else if (state->arg_num == 1)
			env->events_path = arg;
		else
			argp_error(state, "too many arguments");
		break;
	case ARGP_KEY_END:
		if (!env->script_path || (!env->events_path && !env->words))
			argp_error(state, "need SCRIPT.md and EVENTS");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* ---- events ------------------------------------------------------------- */

enum mode { MODE_UNKNOWN, MODE_JSON, MODE_PLAIN };

struct reader {
	struct ac_lines in;
	const char *path;
	enum mode mode;
	json_tokener *tok;	/* one for all lines: it allocates */
};

static bool blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return false;
	return true;
}

/* s holds n bytes (its length, known already); *end gets the trimmed
 * text's end */
static char *trim(char *s, size_t n, char **end)
{
	char *e = s + n;

	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' ||
			 e[-1] == '\t'))
		*--e = '\0';
	*end = e;
	return s;
}

static bool only_equals(const char *s)
{
	/* "=== Transcript started at ... ===" markers and bare "===" rules */
	return !strncmp(s, "===", 3);
}

/* One JSON value filling the whole line, or NULL with the reason. */
static json_object *parse_line(struct reader *r, const char *s,
			       const char **why)
{
	json_object *o;
	size_t len = strlen(s), used;

	if (!r->tok && !(r->tok = json_tokener_new())) {
		*why = "out of memory";
		return NULL;
	}
	json_tokener_reset(r->tok);
	o = json_tokener_parse_ex(r->tok, s, (int)len);
	used = json_tokener_get_parse_end(r->tok);
	if (!o) {
		enum json_tokener_error jerr = json_tokener_get_error(r->tok);

		*why = json_tokener_error_desc(jerr == json_tokener_continue ?
					       json_tokener_error_parse_eof : jerr);
	} else if (used < len) {
		/* two events on a line, or trailing garbage: not one event */
		*why = "more after the JSON value";
		json_object_put(o);
		o = NULL;
	}
	return o;
}

/*
 * The line as a recogniser writes it, {"partial": "words"} or {"text":
 * "words"}, with nothing to unescape: the text is cut out in place, which
 * is what json-c would return for it. Anything else (escapes, other
 * spacing, other keys) returns false and goes to json-c.
 */
static const bool string_stop[256] = {
	[0 ... 0x1f] = true, ['"'] = true, ['\\'] = true,
};

#ifdef __SSE2__
/* string_stop[] of a block: v <= 0x1f, unsigned, is max(v, 0x1f) == 0x1f */
static inline int json_string_stop(__m128i v)
{
	const __m128i ctl = _mm_set1_epi8(0x1f);

	return _mm_movemask_epi8(_mm_or_si128(
		_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
			     _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
		_mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl)));
}
#endif

/* The first byte of [p, end) that ends or escapes a JSON string, or may
 * not stand in one, or end: sixteen bytes a step where SSE2 is (x86-64's
 * baseline), else a table lookup a byte. */
static char *string_stop_at(char *p, char *end)
{
#ifdef __SSE2__
	if (end - p >= 16)
		return p + ac_sse2_first(p, 0, (size_t)(end - p),
					 json_string_stop);
#endif
	while (p < end && !string_stop[(unsigned char)*p])
		p++;
	return p;
}

static bool plain_text_event(char *s, char *end, struct event *ev)
{
	static const char partial[] = "{\"partial\": \"";
	static const char text[] = "{\"text\": \"";
	char *p, *q;

	/* memcmp of a constant size within the line: compiled inline */
	if ((size_t)(end - s) >= sizeof(partial) - 1 &&
	    !memcmp(s, partial, sizeof(partial) - 1)) {
		ev->kind = EV_PARTIAL;
		p = s + sizeof(partial) - 1;
	} else if ((size_t)(end - s) >= sizeof(text) - 1 &&
		   !memcmp(s, text, sizeof(text) - 1)) {
		ev->kind = EV_FINAL;
		p = s + sizeof(text) - 1;
	} else {
		return false;
	}
	/* to the first byte that ends or escapes a JSON string, or may not
	 * stand in one */
	q = string_stop_at(p, end);
	if (q + 2 != end || *q != '"' || q[1] != '}')
		return false;
	*q = '\0';
	ev->text = p;
	return true;
}

__attribute__((format(printf, 2, 3)))
static int bad_event(const struct reader *r, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "autocue-replay: %s:%ld: ", r->path, r->in.lineno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -EINVAL;
}

/* The one event key the object holds (partial, text, reset, jump_to):
 * NULL, with the message given, when it holds none or several. */
static const char *event_key(const struct reader *r, json_object *o,
			     json_object **v)
{
	static const char *const keys[] = { "partial", "text", "reset",
					    "jump_to" };
	const char *key = NULL;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_object *x;

		if (!json_object_object_get_ex(o, keys[i], &x))
			continue;
		if (key) {
			bad_event(r, "event holds both %s and %s (one a line)",
				  key, keys[i]);
			return NULL;
		}
		key = keys[i];
		*v = x;
	}
	if (!key)
		bad_event(r, "unknown event (want partial, text, reset or "
			  "jump_to)");
	return key;
}

static int json_event(struct reader *r, const char *s, struct event *ev)
{
	const char *why = NULL, *key;
	json_object *o = parse_line(r, s, &why), *v = NULL;
	int err = -EINVAL;

	if (!o)
		return bad_event(r, "malformed JSON: %s", why);
	if (!json_object_is_type(o, json_type_object)) {
		bad_event(r, "event is not a JSON object");
		goto cleanup;
	}
	key = event_key(r, o, &v);
	if (!key)
		goto cleanup;
	if (!strcmp(key, "partial") || !strcmp(key, "text")) {
		if (!json_object_is_type(v, json_type_string)) {
			bad_event(r, "text is not a string");
			goto cleanup;
		}
		/* "\u0000" would silently cut the text short */
		if (strlen(json_object_get_string(v)) !=
		    (size_t)json_object_get_string_len(v)) {
			bad_event(r, "text holds a NUL character");
			goto cleanup;
		}
		ev->kind = *key == 'p' ? EV_PARTIAL : EV_FINAL;
		ev->text = ev->alloc = strdup(json_object_get_string(v));
		if (!ev->alloc) {
			err = -ENOMEM;
			goto cleanup;
		}
	} else if (!strcmp(key, "reset")) {
		if (!json_object_is_type(v, json_type_boolean) ||
		    !json_object_get_boolean(v)) {
			bad_event(r, "reset is not true");
			goto cleanup;
		}
		ev->kind = EV_RESET;
	} else {
		int64_t j;

		if (!json_object_is_type(v, json_type_int)) {
			bad_event(r, "jump_to is not an integer");
			goto cleanup;
		}
		/* json-c saturates what int64 cannot hold at its limits:
		 * those are refused (a saturated value is no position);
		 * anything else past the script is clamped to it, by the
		 * tracker, as the application does */
		j = json_object_get_int64(v);
		if (j == INT64_MAX || j == INT64_MIN) {
			bad_event(r, "jump_to is out of range (beyond int64)");
			goto cleanup;
		}
		ev->kind = EV_JUMP;
		ev->jump = j > INT_MAX ? INT_MAX : j < INT_MIN ? INT_MIN :
								(int)j;
	}
	err = 0;
cleanup:
	json_object_put(o);
	return err;
}

/* Next event: 1 got one, 0 end of input, < 0 error (reported). */
static int next_event(struct reader *r, struct event *ev)
{
	for (;;) {
		int got = ac_lines_next(&r->in);
		size_t n = r->in.len;
		char *s, *end;

		if (got == -E2BIG)
			return bad_event(r, "line longer than %zu bytes "
					 "(--max-line)", r->in.max_line);
		if (got < 0) {
			fprintf(stderr, "autocue-replay: %s: %s\n", r->path,
				strerror(-got));
			return got;
		}
		if (!got)
			return 0;
		if (ac_utf8_text_end(r->in.line, n) != n)
			return bad_event(r, "not valid UTF-8 text");
		/* a byte-order mark before the first line (Windows editors)
		 * must not hide the first '{' */
		if (r->in.lineno == 1 && !strncmp(r->in.line, "\xef\xbb\xbf", 3)) {
			memmove(r->in.line, r->in.line + 3, n - 2);
			n -= 3;
		}
		if (blank(r->in.line))
			continue;
		s = trim(r->in.line, n, &end);
		if (r->mode == MODE_UNKNOWN)
			r->mode = *s == '{' ? MODE_JSON : MODE_PLAIN;
		ev->text = ev->alloc = NULL;
		if (r->mode == MODE_JSON) {
			if (plain_text_event(s, end, ev))
				return 1;
			return json_event(r, s, ev) ? -EINVAL : 1;
		}
		if (only_equals(s))
			continue;
		ev->kind = EV_FINAL;
		ev->text = s;
		return 1;
	}
}

/* ---- output ------------------------------------------------------------- */

/* Decimal digits of v at p; returns the end. Written in place from the
 * last digit: four numbers a line, a line an event. */
static char *put_long(char *p, long v)
{
	unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
	unsigned long ten = 10;
	int n = 1;

	/* the digits are counted by comparison (indexes are small: a step or
	 * four), then written in place from the last: no division to count
	 * them, no scratch copy */
	if (v < 0)
		*p++ = '-';
	for (; n < 19 && u >= ten; n++)
		ten *= 10;
	if (n == 19 && u >= ten)
		n = 20;
	ac_decimal_digits(p + n, u);
	return p + n;
}

static char *put_str(char *p, const char *s, size_t len)
{
	memcpy(p, s, len);
	return p + len;
}

#define PUT(p, lit) put_str(p, lit, sizeof(lit) - 1)

/* The last progress printed and its digits: consecutive events mostly
 * report the same position. */
struct progress_cache {
	double v;
	size_t len;		/* 0: empty */
	char repr[AC_FLOAT_REPR_MAX];
};

/* The longest suffix of a line: the position's fields after "i", for
 * int indexes (11 characters at most) and a repr, "}" and newline. */
#define SUFFIX_MAX 160

/* The last line's counter and position, as text: consecutive lines count
 * up by one, and a third of them report the position before them again.
 * The position's text is made in the batch and copied from there while
 * it repeats; kept aside only when the batch goes out: made aside and
 * copied, each line's text was stored twice and read back at once. */
struct line_cache {
	long i;
	size_t ilen;		/* 0: empty */
	char idig[24];
	struct ac_position pos;
	size_t slen;		/* 0: empty */
	const char *at;		/* the text: in the batch, or suffix */
	char suffix[SUFFIX_MAX];
};

/* Lines are made into a batch of 64 KiB that goes out in one write: a
 * session's output is a megabyte, and a larger batch pushed a replay's
 * heap past one huge page (heap_on_huge_pages). A batch is one line when each must go
 * out as it is made (a live pipe, --realtime, a terminal). A line is at
 * most ~180 bytes; LINE_MAX_BYTES also covers the fixed-size copies of
 * its parts (print_pos), which may write past the line's end. */
#define LINE_MAX_BYTES 256
#define OUTPUT_BYTES (1 << 16)

struct output {
	bool each_line;
	size_t len;
	struct progress_cache progress;
	struct line_cache line;
	char *buf;		/* OUTPUT_BYTES, on the heap: on the stack,
				 * zeroed, it cost 16 page faults */
};

/* Errors show in ferror(stdout), which the callers check at the end. */
static void out_flush(struct output *out)
{
	struct line_cache *lc = &out->line;

	if (out->len)
		fwrite(out->buf, 1, out->len, stdout);
	/* the batch is written over next: the last position's text is kept */
	if (lc->slen && lc->at != lc->suffix) {
		memcpy(lc->suffix, lc->at, lc->slen);
		lc->at = lc->suffix;
	}
	out->len = 0;
}

/* One line per position, as printf("{\"i\": %ld, ...}") would write it,
 * built by hand: formatting took more of a replay than tracking. */
static bool same_position(const struct ac_position *a,
			  const struct ac_position *b)
{
	/* the same bits for the progress, not ==: 0.0 and -0.0 print
	 * differently */
	return a->speakable_index == b->speakable_index &&
	       a->word_index == b->word_index &&
	       a->line_index == b->line_index && a->is_jump == b->is_jump &&
	       !memcmp(&a->progress, &b->progress, sizeof(a->progress));
}

/* The digits of the line counter: the last line's plus one, counted up in
 * place, or written anew. */
static void counter_digits(struct line_cache *lc, long i)
{
	if (lc->ilen && lc->i >= 0 && i == lc->i + 1) {
		size_t k = lc->ilen;

		while (k > 0 && lc->idig[k - 1] == '9')
			lc->idig[--k] = '0';
		if (k > 0) {
			lc->idig[k - 1]++;
		} else {
			memmove(lc->idig + 1, lc->idig, lc->ilen);
			lc->idig[0] = '1';
			lc->ilen++;
		}
	} else {
		lc->ilen = (size_t)(put_long(lc->idig, i) - lc->idig);
	}
	lc->i = i;
}

/* The position's fields after "i", through the newline. */
static size_t position_suffix(struct output *out, const struct ac_position *p,
			      char *buf)
{
	struct progress_cache *pc = &out->progress;
	char *o = buf;

	o = PUT(o, ", \"speakable_index\": ");
	o = put_long(o, p->speakable_index);
	o = PUT(o, ", \"word_index\": ");
	o = put_long(o, p->word_index);
	o = PUT(o, ", \"line_index\": ");
	o = put_long(o, p->line_index);
	o = p->is_jump ? PUT(o, ", \"is_jump\": true, \"progress\": ") :
			 PUT(o, ", \"is_jump\": false, \"progress\": ");
	if (!pc->len || memcmp(&pc->v, &p->progress, sizeof(pc->v))) {
		pc->v = p->progress;
		pc->len = (size_t)ac_float_repr(p->progress, pc->repr);
	}
	/* a fixed size: moves, no call to memcpy (LINE_MAX_BYTES) */
	memcpy(o, pc->repr, sizeof(pc->repr));
	o += pc->len;
	o = PUT(o, "}\n");
	return (size_t)(o - buf);
}

/* The last line's position text at o, sixteen bytes a step: no call to
 * memcpy. The text is longer than a step (80 bytes at least), so no
 * step's source meets its destination, and the last step's excess is
 * overwritten or lies past the line (LINE_MAX_BYTES, SUFFIX_MAX). */
static char *copy_suffix(char *o, const char *from, size_t len)
{
	for (size_t k = 0; k < len; k += 16)
		memcpy(o + k, from + k, 16);
	return o + len;
}

static void print_pos(struct output *out, long i, const struct ac_position *p)
{
	struct line_cache *lc = &out->line;
	char *o;

	if (OUTPUT_BYTES - out->len < LINE_MAX_BYTES)
		out_flush(out);
	o = out->buf + out->len;
	o = PUT(o, "{\"i\": ");
	counter_digits(lc, i);
	/* fixed sizes: a few moves, no call to memcpy; what lands past the
	 * text is overwritten by the rest of the line, or lies past the
	 * batch's end (LINE_MAX_BYTES) */
	memcpy(o, lc->idig, sizeof(lc->idig));
	o += lc->ilen;
	if (!lc->slen || !same_position(&lc->pos, p)) {
		lc->pos = *p;
		lc->slen = position_suffix(out, p, o);
		lc->at = o;
		o += lc->slen;
	} else {
		o = copy_suffix(o, lc->at, lc->slen);
	}
	out->len = (size_t)(o - out->buf);
	if (out->each_line)
		out_flush(out);
}

/* ---- running ------------------------------------------------------------ */

struct runner {
	struct env *env;
	struct ac_tracker *t;
	struct ac_threaded *tt;
	struct output out;
};

static void pace(const struct env *env)
{
	struct timespec ts;

	if (!env->realtime_ms)
		return;
	ts.tv_sec = env->realtime_ms / 1000;
	ts.tv_nsec = (env->realtime_ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Queues a command or a final for the worker, waiting for room: a burst
 * of jumps fills its queue, and none may be lost. Only partials are ever
 * dropped (throttled), as in the application. 0 or -ETIMEDOUT. */
static int queue_for_worker(struct runner *rn, const struct event *ev)
{
	for (int ms = 0; ms < 10000; ms++) {
		bool queued;

		switch (ev->kind) {
		case EV_RESET:
			queued = ac_threaded_reset(rn->tt);
			break;
		case EV_JUMP:
			queued = ac_threaded_jump_to(rn->tt, ev->jump);
			break;
		default:
			queued = ac_threaded_submit(rn->tt, ev->text, false);
			break;
		}
		if (queued)
			return 0;
		nanosleep(&(struct timespec){ 0, 1000000L }, NULL);
	}
	fprintf(stderr, "autocue-replay: the worker thread's queue stayed full for 10 s\n");
	return -ETIMEDOUT;
}

static int run_event(struct runner *rn, long i, const struct event *ev)
{
	struct ac_position p;

	if (rn->tt) {
		struct ac_threaded_result res;
		int err;

		if (ev->kind == EV_PARTIAL) {
			if (!ac_threaded_submit(rn->tt, ev->text, true))
				return 0;	/* throttled */
		} else if ((err = queue_for_worker(rn, ev))) {
			return err;
		}
		if (ev->kind == EV_RESET || ev->kind == EV_JUMP)
			return 0;
		if (!ac_threaded_get_result(rn->tt, &res, 10.0)) {
			fprintf(stderr, "autocue-replay: no result from the "
				"worker thread\n");
			return -ETIMEDOUT;
		}
		print_pos(&rn->out, i, &res.position);
		return 0;
	}
	switch (ev->kind) {
	case EV_PARTIAL:
	case EV_FINAL:
		p = ac_tracker_update(rn->t, ev->text, ev->kind == EV_PARTIAL);
		break;
	case EV_RESET:
		ac_tracker_reset(rn->t);
		p = ac_tracker_position(rn->t);
		break;
	case EV_JUMP:
		ac_tracker_jump_to(rn->t, ev->jump);
		p = ac_tracker_position(rn->t);
		break;
	}
	print_pos(&rn->out, i, &p);
	return 0;
}

static int runner_reset(struct runner *rn)
{
	static const struct event reset = { .kind = EV_RESET };

	if (rn->tt)
		return queue_for_worker(rn, &reset);
	ac_tracker_reset(rn->t);
	return 0;
}

/* Streams events once (stdin or --loop 1): nothing is kept in memory. */
static int run_stream(struct runner *rn, struct reader *r)
{
	struct event ev;
	long i = 0;
	int err;

	while ((err = next_event(r, &ev)) > 0) {
		err = run_event(rn, i++, &ev);
		free(ev.alloc);
		if (err)
			return err;
		pace(rn->env);
	}
	return err;
}

static void free_events(struct event *evs, long n)
{
	for (long i = 0; i < n; i++)
		free(evs[i].alloc);
	free(evs);
}

static int run_loops(struct runner *rn, struct reader *r)
{
	struct event *evs = NULL, ev;
	long n = 0, cap = 0;
	size_t held = 0;
	int err;

	while ((err = next_event(r, &ev)) > 0) {
		/* kept past the next line, so the text must be the event's */
		if (ev.text && !ev.alloc &&
		    !(ev.text = ev.alloc = strdup(ev.text))) {
			err = -ENOMEM;
			goto cleanup;
		}
		/* held in memory for every loop: bounded like a script */
		held += sizeof(ev) + (ev.text ? strlen(ev.text) + 1 : 0);
		if (held > rn->env->max_file) {
			free(ev.alloc);
			err = bad_event(r, "events past %zu bytes, the most "
					"--loop holds (--max-file)",
					rn->env->max_file);
			goto cleanup;
		}
		if (n == cap) {
			struct event *ne;

			cap = cap ? cap * 2 : 256;
			ne = realloc(evs, (size_t)cap * sizeof(*ne));
			if (!ne) {
				free(ev.alloc);
				err = -ENOMEM;
				goto cleanup;
			}
			evs = ne;
		}
		evs[n++] = ev;
	}
	if (err)
		goto cleanup;
	if (!n && !rn->env->loops) {	/* forever over nothing */
		fprintf(stderr, "autocue-replay: %s: no events to loop over\n",
			r->path);
		err = -EINVAL;
		goto cleanup;
	}
	for (long loop = 0; !rn->env->loops || loop < rn->env->loops; loop++) {
		if (loop && (err = runner_reset(rn)))
			goto cleanup;
		for (long i = 0; i < n; i++) {
			err = run_event(rn, i, &evs[i]);
			if (err)
				goto cleanup;
			pace(rn->env);
		}
		/* a reader gone or a full disk ends the loop, not ignored */
		out_flush(&rn->out);
		if (fflush(stdout) || ferror(stdout)) {
			fprintf(stderr, "autocue-replay: stdout: %s\n",
				strerror(errno ? errno : EIO));
			err = -EIO;
			goto cleanup;
		}
	}
cleanup:
	free_events(evs, n);
	return err;
}

/* ---- memory ------------------------------------------------------------- */

/*
 * A replay fills ~2 MiB of heap with the script's index, and each 4 KiB
 * page of it came with its own page fault: a fifth of a replay's time
 * (each fault is an exception, dearer still in a virtual machine). The
 * heap is reserved in one piece instead, never trimmed, and given
 * transparent huge pages where it is 2 MiB-aligned, with the unaligned
 * start skipped: a few faults where there were hundreds. Where mallopt
 * is not glibc's (a sanitizer's allocator), nothing changes. The kernel
 * clears each huge page whole when it is first touched (~0.2 ms here), so
 * the heap is kept within one for a 10,000-word script: 64 KiB I/O
 * buffers, the Markdown freed once parsed, the script's arrays fitted.
 */
static void *heap_held[2];	/* freed at the end of main */

static void heap_on_huge_pages(void)
{
	const uintptr_t huge = 2UL << 20, reserve = 64UL << 20;
	uintptr_t lo, hi, first;

	if (!mallopt(M_MMAP_THRESHOLD, (int)reserve) ||
	    !mallopt(M_TOP_PAD, (int)reserve) ||
	    !mallopt(M_TRIM_THRESHOLD, (int)(2 * reserve)))
		return;
	lo = (uintptr_t)sbrk(0);
	heap_held[0] = malloc(1);
	hi = (uintptr_t)sbrk(0);
	first = (lo + huge - 1) & ~(huge - 1);
	if (lo == (uintptr_t)-1 || hi < first + huge ||
	    madvise((void *)first, (hi - first) & ~(huge - 1), MADV_HUGEPAGE))
		return;
	/* allocations start past the small pages; untouched, they cost
	 * nothing */
	if (first - lo > 2 * 4096)
		heap_held[1] = malloc(first - lo - 4096);
}

int main(int argc, char **argv)
{
	static const struct argp argp = { options, parse_opt, args_doc, doc,
					  NULL, NULL, NULL };
	struct env env = { .topts = AC_TRACKER_OPTS_DEFAULT, .loops = 1,
			   .max_line = DEFAULT_MAX_LINE,
			   .max_file = AC_DEFAULT_MAX_FILE };
	const char *script;
	struct reader rd = { 0 };
	struct runner rn = { .env = &env };
	struct ac_script *s = NULL;
	char errbuf[256] = "", *md = NULL;
	size_t mdlen = 0;
	int err, ret = 1;

	heap_on_huge_pages();
	/* usage errors exit 1 like every other bad input, not argp's 64 */
	argp_err_exit_status = 1;
	if ((script = ac_unsafe_option(argc, argv, false))) {
		fprintf(stderr, "autocue-replay: unrecognized option '%s' "
			"(see --help)\n", AC_Q(script));
		return 1;
	}
	err = argp_parse(&argp, argc, argv, 0, NULL, &env);
	if (err)
		return 1;

	script = AC_Q(env.script_path);
	md = ac_read_file(env.script_path, env.max_file, &mdlen);
	if (!md && errno == E2BIG) {
		fprintf(stderr, "autocue-replay: %s:1: larger than %zu bytes "
			"(--max-file)\n", script, env.max_file);
		goto cleanup;
	}
	if (!md) {
		fprintf(stderr, "autocue-replay: %s: %s\n", script,
			strerror(errno));
		goto cleanup;
	}
	if (strlen(md) != mdlen) {
		fprintf(stderr, "autocue-replay: %s: contains a NUL byte, at %zu\n",
			script, strlen(md));
		goto cleanup;
	}
	if (!ac_utf8_valid(md, mdlen)) {
		fprintf(stderr, "autocue-replay: %s: not valid UTF-8 text\n",
			script);
		goto cleanup;
	}
	s = ac_script_parse(md, mdlen, errbuf, sizeof(errbuf));
	/* the script keeps its own copy: the heap is reused for the tracker */
	free(md);
	md = NULL;
	if (!s) {
		fprintf(stderr, "autocue-replay: %s: %s\n", script,
			errbuf[0] ? errbuf : "cannot parse script");
		goto cleanup;
	}
	if (env.words) {
		ret = ac_script_dump_words(s, stdout) < 0 ? 1 : 0;
		goto cleanup;
	}
	if (s->n == 0) {
		fprintf(stderr, "autocue-replay: %s: script has no speakable "
			"words\n", script);
		goto cleanup;
	}

	rd.path = AC_Q(env.events_path);
	rd.in.max_line = env.max_line;
	if (!strcmp(env.events_path, "-")) {
		rd.in.f = stdin;
		rd.path = "<stdin>";
		setvbuf(stdout, NULL, _IOLBF, 0);
	} else {
		rd.in.f = fopen(env.events_path, "r");
		if (!rd.in.f) {
			fprintf(stderr, "autocue-replay: %s: %s\n",
				rd.path, strerror(errno));
			goto cleanup;
		}
	}
	if (env.realtime_ms)
		setvbuf(stdout, NULL, _IOLBF, 0);
	rn.out.each_line = rd.in.f == stdin || env.realtime_ms ||
			   isatty(STDOUT_FILENO);
	/* a batch is a buffer already: through stdio's own, each went out
	 * in two writes */
	if (!rn.out.each_line)
		setvbuf(stdout, NULL, _IONBF, 0);

	if (env.threaded) {
		struct ac_threaded_opts to = AC_THREADED_OPTS_DEFAULT;

		to.tracker = env.topts;
		rn.tt = ac_threaded_new(s, &to);
	} else {
		rn.t = ac_tracker_new(s, &env.topts);
	}
	rn.out.buf = malloc(OUTPUT_BYTES);
	if ((!rn.t && !rn.tt) || !rn.out.buf) {
		fprintf(stderr, "autocue-replay: cannot create the tracker "
			"(invalid options or out of memory)\n");
		goto cleanup;
	}

	err = env.loops == 1 ? run_stream(&rn, &rd) : run_loops(&rn, &rd);
	out_flush(&rn.out);
	if (fflush(stdout) && !err) {
		fprintf(stderr, "autocue-replay: stdout: %s\n",
			strerror(errno));
		err = -EIO;
	}
	if (err == -ENOMEM)
		fprintf(stderr, "autocue-replay: out of memory\n");
	ret = err ? 1 : 0;
cleanup:
	ac_threaded_free(rn.tt);
	ac_tracker_free(rn.t);
	if (rd.in.f && rd.in.f != stdin)
		fclose(rd.in.f);
	ac_lines_free(&rd.in);
	if (rd.tok)
		json_tokener_free(rd.tok);
	ac_script_free(s);
	free(md);
	free(rn.out.buf);
	free(heap_held[0]);
	free(heap_held[1]);
	return ret;
}
