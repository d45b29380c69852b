// SPDX-License-Identifier: MIT
/*
 * gen-session - a realistic, deterministic recogniser session for a script,
 * as Vosk-style JSON lines ({"partial": "..."} / {"text": "..."}), for
 * autocue-replay and `make profile`.
 *
 * The speaker reads the script as libautocue parses it (numbers and spoken
 * punctuation in their primary spoken form, headers included), one utterance
 * per sentence or clause. Each utterance arrives as partials growing by one
 * to three words (sometimes repeated, as Vosk repeats an unchanged partial)
 * and ends in a final. On the way the speaker says fillers ("um", "uh"),
 * the recogniser mishears a word now and then, some sentences are started,
 * abandoned and restarted from their beginning ("sorry ..."), and some
 * passages are skipped. The same seed gives the same session.
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"
#include "script.h"

struct opts {
	const char *script;
	const char *out;
	uint64_t seed;
	int max_words;		/* stop after this many script words; 0: all */
	int fillers;		/* % of utterances with a filler */
	int typos;		/* per mille of words misheard */
	int restarts;		/* abandoned and restarted sentences */
	int skips;		/* skipped passages */
};

/* ---- deterministic randomness (splitmix64: same stream everywhere) ----- */

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in [lo, hi] */
static int rng_range(struct rng *r, int lo, int hi)
{
	return lo + (int)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

static bool rng_pct(struct rng *r, int pct)
{
	return (int)(rng_next(r) % 100) < pct;
}

/* ---- what the speaker says ------------------------------------------------ */

/* A growing list of spoken words (pointers into the script or literals,
 * except misheard copies, which are owned). */
struct words {
	char **w;
	bool *owned;
	int n, cap;
};

static void words_push(struct words *ws, const char *w, bool owned)
{
	if (ws->n == ws->cap) {
		ws->cap = ws->cap ? ws->cap * 2 : 64;
		ws->w = realloc(ws->w, (size_t)ws->cap * sizeof(*ws->w));
		ws->owned = realloc(ws->owned,
				    (size_t)ws->cap * sizeof(*ws->owned));
		if (!ws->w || !ws->owned) {
			fprintf(stderr, "gen-session: out of memory\n");
			exit(1);
		}
	}
	ws->w[ws->n] = (char *)w;
	ws->owned[ws->n++] = owned;
}

static void words_clear(struct words *ws)
{
	for (int i = 0; i < ws->n; i++)
		if (ws->owned[i])
			free(ws->w[i]);
	ws->n = 0;
}

static void words_free(struct words *ws)
{
	words_clear(ws);
	free(ws->w);
	free(ws->owned);
}

static const char *const fillers[] = { "um", "uh", "er", "uh", "um", "hmm" };

/* A misheard word: one letter changed (words of 5+ letters only, so it
 * still scores above the match threshold most of the time). */
static char *mishear(struct rng *r, const char *w)
{
	size_t len = strlen(w);
	char *m = strdup(w);
	size_t i;

	if (!m) {
		fprintf(stderr, "gen-session: out of memory\n");
		exit(1);
	}
	i = (size_t)rng_range(r, 1, (int)len - 2);
	if (m[i] >= 'a' && m[i] <= 'z')
		m[i] = (char)('a' + (m[i] - 'a' + rng_range(r, 1, 25)) % 26);
	return m;
}

/* How a recogniser writes a plain word: the displayed token lower-cased,
 * apostrophes kept ("i'm", where the tracker's normalized word is "im"),
 * hyphens as spaces ("problem solving" for "problem-solving"), other
 * punctuation dropped. Appends one or more words. */
static void say_plain(struct words *ws, const struct ac_script *s,
		      const struct ac_word *w)
{
	const struct ac_raw *raw = &s->raw[w->raw];
	const unsigned char *p = (const unsigned char *)raw->text;
	char *buf = NULL;
	size_t n = 0;
	int pushed = 0;

	if (raw->n != 1) {
		words_push(ws, w->text, false);
		return;
	}
	buf = malloc(strlen(raw->text) + 1);
	if (!buf) {
		fprintf(stderr, "gen-session: out of memory\n");
		exit(1);
	}
	for (;; p++) {
		bool apos = *p == '\'' ||
			    (p[0] == 0xe2 && p[1] == 0x80 && p[2] == 0x99);

		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p >= 0x80) {
			if (apos) {
				buf[n++] = '\'';
				p += 2;
			} else {
				buf[n++] = *p;
			}
		} else if (*p >= 'A' && *p <= 'Z') {
			buf[n++] = (char)(*p - 'A' + 'a');
		} else if (*p == '\'' && n) {
			buf[n++] = '\'';
		} else if (*p == '-' || *p == '/' || !*p) {
			if (n) {
				buf[n] = '\0';
				words_push(ws, strdup(buf), true);
				pushed++;
				n = 0;
			}
			if (!*p)
				break;
		}
	}
	free(buf);
	if (!pushed)
		words_push(ws, w->text, false);
}

static bool is_dash(const char *t)
{
	return !strcmp(t, "-") || !strcmp(t, "--") || !strcmp(t, "\u2013") ||
	       !strcmp(t, "\u2014");
}

/* Appends what is said for speakable words [a, b): each word's primary
 * spoken form (dashes unsaid), with the occasional misheard word. */
static void say(struct words *ws, const struct ac_script *s, int a, int b,
		struct rng *r, const struct opts *o)
{
	for (int i = a; i < b; i++) {
		const struct ac_word *w = &s->words[i];

		if (w->nalts && is_dash(s->raw[w->raw].text))
			continue;	/* a dash is a pause, not a word */
		if (w->nalts) {
			for (int j = 0; j < w->alts[0].n; j++)
				words_push(ws, w->alts[0].w[j], false);
			continue;
		}
		if (strlen(w->text) >= 5 &&
		    (int)(rng_next(r) % 1000) < o->typos)
			words_push(ws, mishear(r, w->text), true);
		else
			say_plain(ws, s, w);
	}
}

/* ---- output ---------------------------------------------------------------- */

static void put_word(FILE *f, const char *w)
{
	for (const unsigned char *p = (const unsigned char *)w; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
}

/* {"KEY": "the first n words"}; the last one misheard when asked (a
 * partial's last word is the recogniser's least settled guess). */
static void put_event(FILE *f, const char *key, struct words *ws, int n,
		      struct rng *r, bool unsettled)
{
	fprintf(f, "{\"%s\": \"", key);
	for (int i = 0; i < n; i++) {
		if (i)
			fputc(' ', f);
		if (unsettled && i == n - 1 && strlen(ws->w[i]) >= 5) {
			char *m = mishear(r, ws->w[i]);

			put_word(f, m);
			free(m);
		} else {
			put_word(f, ws->w[i]);
		}
	}
	fputs("\"}\n", f);
}

/* One utterance: partials growing by 1..3 words, sometimes repeated (Vosk
 * repeats a partial while the audio adds nothing), then the final and,
 * sometimes, the empty partial Vosk sends after a final. Now and then a
 * partial's last word is misheard and corrected by the next partial. */
static void utterance(FILE *f, struct words *ws, struct rng *r)
{
	int n = 0;

	while (n < ws->n) {
		n += rng_range(r, 1, 3);
		if (n > ws->n)
			n = ws->n;
		put_event(f, "partial", ws, n, r, n < ws->n && rng_pct(r, 8));
		if (rng_pct(r, 10))
			put_event(f, "partial", ws, n, r, false);
	}
	put_event(f, "text", ws, ws->n, r, false);
	if (rng_pct(r, 30))
		fputs("{\"partial\": \"\"}\n", f);
}

/* ---- the script as sentences ------------------------------------------------ */

/* 2: the word ends a sentence (or a header), 1: a clause (comma), 0: no
 * boundary. Words inside a number's spoken form never end anything. */
static int boundary(const struct ac_script *s, int i)
{
	const struct ac_word *w = &s->words[i], *next;
	const struct ac_raw *raw = &s->raw[w->raw];
	size_t len = strlen(raw->text);
	char last = len ? raw->text[len - 1] : 0;

	if (i + 1 >= s->n)
		return 2;
	next = &s->words[i + 1];
	if (w->header != next->header)
		return 2;
	if (w->header && i + 1 < s->nw2l &&
	    s->word_to_line[i] != s->word_to_line[i + 1])
		return 2;
	if (raw->first + raw->n - 1 != i)
		return 0;
	if (last == '.' || last == '?' || last == '!' || last == ':' ||
	    last == ';')
		return 2;
	return last == ',' ? 1 : 0;
}

struct span {
	int a, b;		/* speakable words [a, b) */
};

static int phrases(const struct ac_script *s, struct span **out)
{
	struct span *v = NULL;
	int n = 0, cap = 0, a = 0;

	for (int i = 0; i < s->n; i++) {
		int b = boundary(s, i), run = i + 1 - a;

		if (b < 2 && !(b == 1 && run >= 6) && run < 14)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(v, (size_t)cap * sizeof(*v));
			if (!v) {
				fprintf(stderr, "gen-session: out of memory\n");
				exit(1);
			}
		}
		v[n++] = (struct span){ a, i + 1 };
		a = i + 1;
	}
	*out = v;
	return n;
}

/* ---- the session ------------------------------------------------------------- */

enum plan { PLAN_READ, PLAN_RESTART, PLAN_SKIP };

static int generate(const struct ac_script *s, const struct opts *o, FILE *f)
{
	struct rng r = { o->seed };
	struct span *ph;
	int nph = phrases(s, &ph), last;
	enum plan *plan = calloc((size_t)nph + 1, sizeof(*plan));
	struct words ws = { 0 };

	if (!plan) {
		fprintf(stderr, "gen-session: out of memory\n");
		return 1;
	}
	/* how many phrases are read at all */
	last = nph;
	if (o->max_words) {
		int words = 0;

		for (last = 0; last < nph && words < o->max_words; last++)
			words += ph[last].b - ph[last].a;
	}
	/* restarts and skips, spread over the session (not in its first or
	 * last two phrases): a restart needs a phrase of 8+ words to abandon
	 * halfway; a skip leaves out the next 1..3 phrases, at most 40 words,
	 * within the tracker's jump range */
	for (int k = 0, nr = o->restarts, ns = o->skips;
	     k < o->restarts + o->skips; k++) {
		enum plan what = nr && (k % 2 == 0 || !ns) ? PLAN_RESTART :
							       PLAN_SKIP;
		int tries = 0;

		if (what == PLAN_RESTART)
			nr--;
		else
			ns--;

		while (tries++ < 200 && last > 6) {
			int seg = (last - 4) / (o->restarts + o->skips);
			/* in its share of the session, else anywhere */
			int i = tries <= 100 ?
				2 + k * seg + rng_range(&r, 0, seg > 1 ? seg - 1 : 0) :
				rng_range(&r, 2, last - 3);

			if (i >= last - 2 || plan[i] || plan[i - 1] ||
			    plan[i + 1])
				continue;
			if (what == PLAN_RESTART && ph[i].b - ph[i].a < 8)
				continue;
			plan[i] = what;
			break;
		}
	}

	for (int i = 0; i < last; i++) {
		if (plan[i] == PLAN_RESTART) {
			/* a false start: half the sentence, a filler, the
			 * final; then "sorry" and the whole sentence again */
			int half = (ph[i].b - ph[i].a) / 2 + 1;

			say(&ws, s, ph[i].a, ph[i].a + half, &r, o);
			words_push(&ws, "uh", false);
			utterance(f, &ws, &r);
			words_clear(&ws);
			words_push(&ws, "sorry", false);
			say(&ws, s, ph[i].a, ph[i].b, &r, o);
			utterance(f, &ws, &r);
			words_clear(&ws);
			continue;
		}
		if (plan[i] == PLAN_SKIP) {
			/* read this phrase, then leave out up to 40 words */
			int skipped = 0;

			say(&ws, s, ph[i].a, ph[i].b, &r, o);
			utterance(f, &ws, &r);
			words_clear(&ws);
			for (int j = 0; j < 3 && i + 1 < last - 1; j++) {
				int len = ph[i + 1].b - ph[i + 1].a;

				if (skipped + len > 40)
					break;
				skipped += len;
				i++;
			}
			continue;
		}
		say(&ws, s, ph[i].a, ph[i].b, &r, o);
		if (ws.n >= 3 && rng_pct(&r, o->fillers)) {
			/* a filler somewhere inside the utterance */
			int at = rng_range(&r, 1, ws.n - 1);
			const char *fw = fillers[rng_range(&r, 0,
				(int)(sizeof(fillers) / sizeof(*fillers)) - 1)];

			words_push(&ws, fw, false);
			memmove(&ws.w[at + 1], &ws.w[at],
				(size_t)(ws.n - 1 - at) * sizeof(*ws.w));
			memmove(&ws.owned[at + 1], &ws.owned[at],
				(size_t)(ws.n - 1 - at) * sizeof(*ws.owned));
			ws.w[at] = (char *)fw;
			ws.owned[at] = false;
		}
		utterance(f, &ws, &r);
		words_clear(&ws);
	}
	words_free(&ws);
	free(plan);
	free(ph);
	return 0;
}

/* ---- command line ------------------------------------------------------------ */

static const char doc[] =
	"Write a realistic recogniser session for SCRIPT.md as Vosk-style JSON "
	"lines: growing partials and a final per utterance, fillers, misheard "
	"words, restarted sentences and skipped passages. Deterministic for a "
	"given --seed.\v"
	"Example: gen-session --seed 7 script.md > session.jsonl && "
	"autocue-replay --realtime=30 script.md session.jsonl";

static const struct argp_option options[] = {
	{ "seed", 's', "N", 0, "Random seed (default 1)", 0 },
	{ "output", 'o', "FILE", 0, "Write to FILE instead of stdout", 0 },
	{ "max-words", 'w', "N", 0, "Stop after about N script words "
	  "(default: the whole script)", 0 },
	{ "fillers", 'f', "PCT", 0, "Utterances with a filler, % "
	  "(default 20)", 0 },
	{ "typos", 't', "PERMILLE", 0, "Misheard words per 1000 (default "
	  "15)", 0 },
	{ "restarts", 'r', "N", 0, "Sentences abandoned and restarted "
	  "(default 2)", 0 },
	{ "skips", 'k', "N", 0, "Passages skipped (default 2)", 0 },
	{ 0 },
};

static int num(struct argp_state *st, const char *arg, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 0 || v > hi)
		argp_error(st, "invalid number '%s'", arg);
	return (int)v;
}

static error_t parse_opt(int key, char *arg, struct argp_state *st)
{
	struct opts *o = st->input;
	char *end;

	switch (key) {
	case 's':
		errno = 0;
		o->seed = strtoull(arg, &end, 0);
		if (errno || end == arg || *end)
			argp_error(st, "invalid seed '%s'", arg);
		break;
	case 'o': o->out = arg; break;
	case 'w': o->max_words = num(st, arg, INT_MAX); break;
	case 'f': o->fillers = num(st, arg, 100); break;
	case 't': o->typos = num(st, arg, 1000); break;
	case 'r': o->restarts = num(st, arg, 100); break;
	case 'k': o->skips = num(st, arg, 100); break;
	case ARGP_KEY_ARG:
		if (o->script)
			argp_error(st, "too many arguments");
		o->script = arg;
		break;
	case ARGP_KEY_END:
		if (!o->script)
			argp_error(st, "need SCRIPT.md");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct argp argp = { options, parse_opt, "SCRIPT.md", doc,
					  NULL, NULL, NULL };
	struct opts o = { .seed = 1, .fillers = 20, .typos = 15,
			  .restarts = 2, .skips = 2 };
	struct ac_script *s = NULL;
	char err[256] = "", *md;
	size_t len = 0;
	FILE *f = stdout;
	int ret = 1;

	if (argp_parse(&argp, argc, argv, 0, NULL, &o))
		return 1;
	md = ac_read_file(o.script, AC_DEFAULT_MAX_FILE, &len);
	if (!md) {
		fprintf(stderr, "gen-session: %s: %s\n", o.script,
			errno == E2BIG ? "larger than the 64 MiB a script may be" :
			strerror(errno));
		return 1;
	}
	s = ac_script_parse(md, len, err, sizeof(err));
	if (!s || !s->n) {
		fprintf(stderr, "gen-session: %s: %s\n", o.script,
			s ? "no speakable words" : err);
		goto cleanup;
	}
	if (o.out && !(f = fopen(o.out, "w"))) {
		fprintf(stderr, "gen-session: %s: %s\n", o.out,
			strerror(errno));
		goto cleanup;
	}
	ret = generate(s, &o, f);
	if ((f != stdout ? fclose(f) : fflush(f)) && !ret) {
		fprintf(stderr, "gen-session: %s: %s\n",
			o.out ? o.out : "stdout", strerror(errno));
		ret = 1;
	}
cleanup:
	ac_script_free(s);
	free(md);
	return ret;
}
