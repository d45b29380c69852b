// SPDX-License-Identifier: MIT
/*
 * tracker_match.c - matching the update's words against the script at a
 * tracking state (TRACKER-SPEC.md §5.4-§5.7): word comparisons, the
 * expansion matcher for numbers and spoken punctuation, and matching with
 * skipped words. Reads the index and the update's words; changes only the
 * state it is given and the working matcher.
 */
#include <string.h>

#include "autocue_usdt.h"
#include "fuzzy.h"
#include "tracker_int.h"
#include "utf8.h"

AUTOCUE_PROBE(tracker_match_single_word);
AUTOCUE_PROBE(tracker_match_words_with_skipping);

static const char *const fillers[] = {
	"actually", "ah", "ahh", "anyway", "basically", "eh", "ehh", "er",
	"err", "hm", "hmm", "honestly", "huh", "like", "literally", "mhm",
	"mm", "mmm", "no", "ok", "okay", "right", "so", "uh", "uhh", "um",
	"umm", "well", "yeah", "yes",
};

/* Is spoken word i a filler? Asked at every failed match of the word, so
 * answered once per word of the update (u.w[i].filler). */
static bool is_filler(struct ac_tracker *t, int i)
{
	struct spoken_word *w = &t->u.w[i];

	if (w->filler < 0) {
		const char *s = ac_tk_norm(&t->u, i);

		w->filler = bsearch(&s, fillers,
				    sizeof(fillers) / sizeof(fillers[0]),
				    sizeof(fillers[0]), ac_tk_cmp_str) != NULL;
	}
	return w->filler;
}

/* normal form of a state's last_matched, or NULL */
static const char *last_matched_norm(const struct ac_tracker *t, int last)
{
	if (last == LAST_NONE)
		return NULL;
	if (last == LAST_CARRIED)
		return t->carried;
	return ac_tk_norm(&t->u, last);
}

/* word_matches (§5.9.1) with both sides already normalized: the spoken side
 * is spoken word i, the script side word j's normal form. */
bool ac_tk_word_matches(const struct ac_tracker *t, int i, int j)
{
	const struct spoken_word *u = &t->u.w[i];
	const struct span *sp = &t->ix.norm[j];
	const uint32_t *b = t->ix.cps + sp->off;

	if (!u->cp.len || !sp->len)
		return false;
	if (u->cp.len == sp->len &&
	    !memcmp(ac_tk_cps(&t->u, i), b, sp->len * sizeof(*b)))
		return true;
	return ac_ratio_reaches(&t->word_cut, ac_tk_cps(&t->u, i), u->cp.len,
				b, sp->len);
}

/* One expansion word against the spoken normal form i. */
static bool alt_word_matches(struct ac_tracker *t, int i, const char *w)
{
	const struct spoken_word *u = &t->u.w[i];
	struct span a;
	const uint32_t *b;

	if (!ac_tk_alt_cps(&t->ix, w, &a))
		return false;
	if (a.len == ALT_NOT_UTF8)
		return !strcmp(ac_tk_norm(&t->u, i), w);
	b = t->ix.alt_cps + a.off;
	/* equal code points are equal text (both sides are valid UTF-8) */
	if (u->cp.len == a.len &&
	    !memcmp(ac_tk_cps(&t->u, i), b, a.len * sizeof(*b)))
		return true;
	return ac_ratio_reaches(&t->alt_cut, ac_tk_cps(&t->u, i), u->cp.len,
				b, a.len);
}

int ac_tk_matcher_init(struct matcher *m, int cap)
{
	m->word = NULL;
	m->n = 0;
	m->matched = 0;
	m->active = malloc(((size_t)cap + 1) * sizeof(*m->active));
	return m->active ? 0 : -ENOMEM;
}

static void matcher_start(struct matcher *m, const struct ac_word *word)
{
	m->word = word;
	m->matched = 0;
	m->n = word->nalts;
	for (int k = 0; k < word->nalts; k++)
		m->active[k] = (uint16_t)k;
}

/* Keeps the alternatives whose next word is the spoken word i; false (and
 * nothing changed) if none is. */
static bool matcher_filter(struct ac_tracker *t, struct matcher *m, int i)
{
	/* the forms of a number share their words ("one hundred", "one
	 * thousand"): the same string, compared once */
	const char *last = NULL;
	bool last_ok = false;
	int kept = 0;

	if (!m->n || !t->u.w[i].normlen)
		return false;
	for (int k = 0; k < m->n; k++) {
		const struct ac_alt *a = &m->word->alts[m->active[k]];

		if (m->matched >= a->n)
			continue;
		if (a->w[m->matched] != last) {
			last = a->w[m->matched];
			last_ok = alt_word_matches(t, i, last);
		}
		if (last_ok)
			t->keep[kept++] = m->active[k];
	}
	if (!kept)
		return false;
	memcpy(m->active, t->keep, (size_t)kept * sizeof(*m->active));
	m->n = kept;
	m->matched++;
	return true;
}

static bool matcher_complete(const struct matcher *m)
{
	for (int k = 0; k < m->n; k++)
		if (m->word->alts[m->active[k]].n <= m->matched)
			return true;
	return false;
}

/* Feeds word wi to the expansion in progress: MATCHED, with ADVANCED when
 * that completes it (it is then cleared), or NO with it cleared. */
static inline int matcher_feed(struct ac_tracker *t, struct matcher *m,
			       int wi)
{
	if (matcher_filter(t, m, wi)) {
		if (matcher_complete(m)) {
			ac_tk_matcher_clear(m);
			return MATCHED | ADVANCED;
		}
		return MATCHED;
	}
	ac_tk_matcher_clear(m);
	return NO;
}

int ac_tk_match_single(struct ac_tracker *t, int wi, struct track_state *st)
{
	AUTOCUE_TRACE(tracker_match_single_word);
	const struct ac_word *sw;
	const struct spoken_word *u = &t->u.w[wi];
	const char *last;
	int p = st->pos, r;

	if (p >= t->n)
		return NO;
	if (t->o.skip_headers) {
		/* moves whichever state it is given, scratch ones too (Q7) */
		while (p < t->n && t->s->words[p].header)
			p++;
		st->pos = p;
	}
	if (p >= t->n)
		return NO;
	if (!u->normlen)
		return MATCHED;
	if (t->matcher.n && (r = matcher_feed(t, &t->matcher, wi)))
		return r;
	sw = &t->s->words[p];
	if (sw->nalts) {
		matcher_start(&t->matcher, sw);
		if ((r = matcher_feed(t, &t->matcher, wi)))
			return r;
	} else if (ac_ratio_reaches(&t->word_cut, ac_tk_cps(&t->u, wi),
				    u->cp.len, t->ix.cps + t->ix.text[p].off,
				    t->ix.text[p].len)) {
		/* the reference's "spoken == script word" compares a str with
		 * an object and never holds (Q15); exact words score 100 */
		return MATCHED | ADVANCED;
	}
	if (is_filler(t, wi))
		return MATCHED;
	last = last_matched_norm(t, st->last_matched);
	if (last && !strcmp(ac_tk_norm(&t->u, wi), last))
		return MATCHED;
	return NO;
}

static bool is_compound(const struct ac_tracker *t, const struct ac_word *sw,
			int p, int wi, int next)
{
	const struct spoken_word *a = &t->u.w[wi], *b = &t->u.w[next];

	if (sw->nalts)
		return false;
	if ((double)t->ix.text[p].len < (double)a->rawcp * 1.5)
		return false;
	/* raw spoken strings against the normalized script word, as the
	 * reference does */
	return (size_t)sw->len == (size_t)a->rawlen + b->rawlen &&
	       !memcmp(sw->text, a->raw, a->rawlen) &&
	       !memcmp(sw->text + a->rawlen, b->raw, b->rawlen);
}

static struct skip_result skip_attempt(struct ac_tracker *t,
				       struct track_state *st,
				   int budget, int mode, int start)
{
	struct track_state sc = { .pos = start, .head = st->head,
				  .end = st->end,
			     .last_matched = st->last_matched };
	int skipped = 0, consumed = 0, adv = 0;

	while (sc.head < sc.end && skipped <= budget && sc.pos < t->n) {
		int wi = t->queue[sc.head++];
		const struct ac_word *sw = &t->s->words[sc.pos];
		int r;

		if (sc.head < sc.end &&
		    is_compound(t, sw, sc.pos, wi, t->queue[sc.head])) {
			sc.head++;
			consumed += 1 + skipped;
			adv++;
			sc.pos++;
			sc.last_matched = LAST_NONE;
			break;
		}
		r = ac_tk_match_single(t, wi, &sc);
		if (r & MATCHED) {
			sc.last_matched = wi;
			consumed += 1 + skipped;
			if (r & ADVANCED) {
				adv++;
				sc.pos++;
			}
			break;
		}
		skipped++;
		adv += mode;
		sc.pos += mode;
		sc.last_matched = LAST_NONE;
		if (sw->nalts)
			ac_tk_matcher_clear(&t->matcher);
	}
	if (consumed > 0) {
		st->head = sc.head;
		st->last_matched = sc.last_matched;
	}
	return (struct skip_result){ consumed, adv };
}

struct skip_result ac_tk_skip_match(struct ac_tracker *t,
				    struct track_state *st,
				 int budget)
{
	AUTOCUE_TRACE(tracker_match_words_with_skipping);

	/* an attempt starting past the script matches nothing, so the budget
	 * (up to INT_MAX from the options) need not be walked to its end */
	for (int off = 0; off <= budget && off < t->n - st->pos; off++) {
		/* T+S: transcript and script word skipped together; then T@S:
		 * only the transcript word */
		for (int mode = 1; mode >= 0; mode--) {
			struct skip_result r = skip_attempt(t, st, budget, mode,
							st->pos + off);

			if (r.consumed > 0)
				return (struct skip_result){
					r.consumed, r.advanced + off };
		}
	}
	return (struct skip_result){ 0, 0 };
}
