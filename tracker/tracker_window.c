// SPDX-License-Identifier: MIT
/*
 * tracker_window.c - the window search of jump detection (TRACKER-SPEC.md
 * §5.9): token_set_ratio of the update against every window of
 * window_size script words near the position, the best start winning.
 * Windows are merged from the index's ranked tokens, so a window's token
 * set costs a few integer compares; only the differences are joined and
 * scored. The scratch is sized once per script (the windows only slide);
 * the last result is kept for the rest of the update.
 */
#include <float.h>
#include <string.h>

#include "autocue_usdt.h"
#include "fuzzy.h"
#include "tracker_int.h"

AUTOCUE_PROBE(tracker_find_best_match);

static int query_token_cmp(const void *a, const void *b)
{
	const struct query_token *x = a, *y = b;

	return strcmp(x->s, y->s);
}

/* Sorted distinct normalized words of the update; returns the count, sets
 * *qc to the number of non-empty words (duplicates included). */
static int query_tokens(struct ac_tracker *t, int *qc)
{
	struct search *sr = &t->search;
	int nq = 0, u = 0;

	if (ac_tk_grow_int((void **)&sr->query, &sr->query_cap, t->u.n + 1,
			   sizeof(*sr->query)))
		return -ENOMEM;
	for (int i = 0; i < t->u.n; i++) {
		if (!t->u.w[i].normlen)
			continue;
		sr->query[nq].s = ac_tk_norm(&t->u, i);
		sr->query[nq].cp = t->u.w[i].cp;
		nq++;
	}
	*qc = nq;
	qsort(sr->query, (size_t)nq, sizeof(*sr->query), query_token_cmp);
	for (int i = 0; i < nq; i++) {
		const char **hit;

		if (u && !strcmp(sr->query[u - 1].s, sr->query[i].s))
			continue;
		sr->query[u] = sr->query[i];
		hit = bsearch(&sr->query[u].s, t->ix.tok_str,
			      (size_t)t->ix.ntoks,
			      sizeof(*t->ix.tok_str), ac_tk_cmp_str);
		sr->query[u].id = hit ? (int)(hit - t->ix.tok_str) : -1;
		u++;
	}
	return u;
}

/* How find_best_match weighs window i's token_set_ratio sc: scaled down
 * when the window has fewer than m tokens, 2 added at or after the
 * position. Monotone in sc (each float operation is), so a bound of sc
 * weighs to a bound of the result. */
static double weigh(double sc, int wc, int m, bool ahead)
{
	if (wc < m)
		sc = sc * ((double)wc / (double)m);
	if (ahead)
		sc += 2;
	return sc;
}

/* Appends a word's n code points to out at len; returns the new length. */
static size_t put_cps(uint32_t *out, size_t len, const uint32_t *cp, size_t n)
{
	memcpy(out + len, cp, n * sizeof(*out));
	return len + n;
}

/* Adds d of each of a token's n code points to its class's count. */
static void count_chars(uint32_t *chars, const uint32_t *cp, size_t n, int d)
{
	for (size_t k = 0; k < n; k++)
		chars[ac_char_class(cp[k])] += (uint32_t)d;
}

/*
 * The window's token multiset, kept as it slides: counts by token rank
 * and the sums the length bound needs, so that a window costs its entering
 * and leaving words' tokens rather than a gather and a sort. Only a window
 * that may win has its differences built (in rank order, as sorted sets).
 */
struct slide {
	int wc;			/* tokens, duplicates included */
	int nw;			/* distinct tokens */
	int both;		/* distinct tokens the query has too */
	size_t sect_len;	/* their lengths, summed */
	size_t window_only_len;	/* the other distinct tokens' lengths */
};

static void slide_word(struct ac_tracker *t, struct slide *w, int j, int d)
{
	struct search *sr = &t->search;

	for (int k = t->ix.tok_off[j]; k < t->ix.tok_off[j + 1]; k++) {
		int r = t->ix.tok[k], q = sr->query_of[r];
		size_t len;

		w->wc += d;
		sr->count[r] += d;
		/* only a token's first arrival and last departure change the
		 * set */
		if (sr->count[r] != (d > 0 ? 1 : 0))
			continue;
		w->nw += d;
		if (q >= 0) {
			len = sr->query[q].cp.len;
			w->both += d;
			w->sect_len = d > 0 ? w->sect_len + len :
					      w->sect_len - len;
			/* in the window: no longer the query's difference */
			count_chars(sr->query_chars,
				    t->u.cps + sr->query[q].cp.off, len, -d);
		} else {
			len = t->ix.tok_cp[r].len;
			w->window_only_len = d > 0 ? w->window_only_len + len :
						     w->window_only_len - len;
			count_chars(sr->window_chars,
				    t->ix.tok_cps + t->ix.tok_cp[r].off, len, d);
		}
	}
}

/* An upper bound of the LCS of the joined differences: what they can
 * share of each character class. Each is exactly its counted tokens and
 * the spaces between them. */
static size_t chars_common(struct search *sr, int query_only,
			   int window_only)
{
	uint32_t qs = query_only ? (uint32_t)query_only - 1 : 0;
	uint32_t ws = window_only ? (uint32_t)window_only - 1 : 0;
	size_t common;

	sr->query_chars[AC_CHAR_CLASS_SPACE] += qs;
	sr->window_chars[AC_CHAR_CLASS_SPACE] += ws;
	common = ac_char_common(sr->query_chars, sr->window_chars);
	sr->query_chars[AC_CHAR_CLASS_SPACE] -= qs;
	sr->window_chars[AC_CHAR_CLASS_SPACE] -= ws;
	return common;
}

/* The window's distinct tokens the query lacks, in rank order, joined
 * with spaces into window_diff; returns the length. */
static size_t window_diff(struct ac_tracker *t, int i, int end)
{
	struct search *sr = &t->search;
	int nw = 0, u = 0;
	size_t wdlen = 0;

	for (int j = i; j < end; j++)
		for (int k = t->ix.tok_off[j]; k < t->ix.tok_off[j + 1]; k++)
			if (sr->query_of[t->ix.tok[k]] < 0)
				sr->window[nw++] = t->ix.tok[k];
	/* windows are short: insertion sort beats qsort here */
	for (int a = 1; a < nw; a++) {
		int v = sr->window[a], b = a - 1;

		while (b >= 0 && sr->window[b] > v) {
			sr->window[b + 1] = sr->window[b];
			b--;
		}
		sr->window[b + 1] = v;
	}
	for (int a = 0; a < nw; a++) {
		const struct span *sp;

		if (u && sr->window[u - 1] == sr->window[a])
			continue;
		sr->window[u++] = sr->window[a];
		sp = &t->ix.tok_cp[sr->window[a]];
		if (wdlen)
			sr->window_diff[wdlen++] = ' ';
		wdlen = put_cps(sr->window_diff, wdlen, t->ix.tok_cps + sp->off,
				sp->len);
	}
	return wdlen;
}

/* The weighed token_set_ratio(q, window at i, whose tokens w holds) into
 * *score; false, with the LCS not computed, when even its bound is not
 * above best. */
static bool window_score(struct ac_tracker *t, int nq, int i, int m,
			 double best, const struct slide *w, double *score)
{
	bool ahead = i >= t->current;
	struct search *sr = &t->search;
	/* compared as a distance: i + window_size may not fit in an int */
	int end = t->n - i > t->o.window_size ? i + t->o.window_size : t->n;
	int query_only, window_only;
	size_t sect, qdlen = 0, wdlen;

	if (!nq || !w->nw) {
		*score = weigh(0.0, w->wc, m, ahead);
		return true;
	}
	query_only = nq - w->both;
	window_only = w->nw - w->both;
	if (w->both && (!query_only || !window_only)) {
		*score = weigh(100.0, w->wc, m, ahead);
		return true;
	}
	sect = w->both ? w->sect_len + (size_t)w->both - 1 : 0;
	/* the joined differences' lengths first: most windows cannot win,
	 * and their strings need not be built */
	qdlen = sr->query_len - w->sect_len +
		(query_only ? (size_t)query_only - 1 : 0);
	wdlen = w->window_only_len +
		(window_only ? (size_t)window_only - 1 : 0);
	if (weigh(ac_token_set_bound(sect, qdlen, wdlen), w->wc, m, ahead) <=
	    best)
		return false;
	/* then the characters they can share: most windows that pass the
	 * lengths miss by that, still before their strings are built */
	if (weigh(ac_token_set_of_lcs(sect, qdlen, wdlen,
				      chars_common(sr, query_only,
						   window_only)),
		  w->wc, m, ahead) <= best)
		return false;
	qdlen = 0;
	for (int k = 0; k < nq; k++) {
		const struct query_token *q = &sr->query[k];

		if (q->id >= 0 && sr->count[q->id])
			continue;
		if (qdlen)
			sr->query_diff[qdlen++] = ' ';
		qdlen = put_cps(sr->query_diff, qdlen, t->u.cps + q->cp.off,
				q->cp.len);
	}
	wdlen = window_diff(t, i, end);
	*score = weigh(ac_token_set_combine(sect, sr->query_diff, qdlen,
					    sr->window_diff, wdlen),
		       w->wc, m, ahead);
	return true;
}

/* Window scratch sized once per script, from bounds: a window holds at
 * most window_size words of at most the most tokens any word has, each no
 * longer than the longest token (an exact maximum over every window cost
 * more than the rest of the tracker's construction). */
int ac_tk_search_init(struct ac_tracker *t)
{
	struct search *sr = &t->search;
	size_t per_word = 0, longest = 0, all = (size_t)t->ix.tok_off[t->n];
	size_t maxw, max_wdlen, cps = 0;

	for (int j = 0; j < t->n; j++) {
		size_t k = (size_t)(t->ix.tok_off[j + 1] - t->ix.tok_off[j]);

		if (k > per_word)
			per_word = k;
	}
	for (int r = 0; r < t->ix.ntoks; r++) {
		cps += t->ix.tok_cp[r].len + 1;
		if (t->ix.tok_cp[r].len > longest)
			longest = t->ix.tok_cp[r].len;
	}
	/* compared by division: window_size may be up to INT_MAX */
	maxw = per_word && (size_t)t->o.window_size > all / per_word ?
		       all : (size_t)t->o.window_size * per_word;
	/* distinct tokens, joined: no more than all of them either */
	max_wdlen = maxw * (longest + 1) < cps ? maxw * (longest + 1) : cps;
	sr->query_of = malloc(((size_t)t->ix.ntoks + 1) * sizeof(*sr->query_of));
	if (!sr->query_of)
		return -ENOMEM;
	memset(sr->query_of, 0xff,
	       ((size_t)t->ix.ntoks + 1) * sizeof(*sr->query_of));
	sr->count = calloc((size_t)t->ix.ntoks + 1, sizeof(*sr->count));
	sr->window = malloc((maxw + 1) * sizeof(*sr->window));
	sr->window_diff = malloc((max_wdlen + 1) * sizeof(*sr->window_diff));
	if (!sr->count || !sr->window || !sr->window_diff)
		return -ENOMEM;
	sr->window_cap = (int)maxw + 1;
	sr->window_diff_cap = max_wdlen + 1;
	return 0;
}

/* Room for the query's joined difference string. */
static int query_scratch(struct ac_tracker *t)
{
	struct search *sr = &t->search;
	size_t qlen = 0;

	for (int i = 0; i < t->u.n; i++)
		qlen += t->u.w[i].cp.len + 1;
	return ac_tk_grow((void **)&sr->query_diff, &sr->query_diff_cap,
			  qlen + 1, sizeof(*sr->query_diff));
}

/* find_best_match over the update's words (the reference joins the
 * normalized words with single spaces, then splits again: only non-empty
 * ones count). */
static void best_match(struct ac_tracker *t, double floor, int *best_i,
		       double *best)
{
	AUTOCUE_TRACE(tracker_find_best_match);
	struct search *sr = &t->search;
	int cur = t->current, lo, hi, nq, qc, m;
	bool all_empty = true;

	*best_i = cur;
	*best = 0.0;
	if (!t->u.n)
		return;
	if (sr->cached && sr->serial == t->u.serial &&
	    sr->current == cur) {
		if (!sr->below) {
			*best_i = sr->index;
			*best = sr->score;
			return;
		}
		/* known only to be no more than sr->score */
		if (floor >= sr->score) {
			*best = floor;
			return;
		}
	}
	for (int i = 0; i < t->u.n; i++)
		if (t->u.w[i].normlen)
			all_empty = false;
	/* q is literally "" only for a single word that normalizes to ""; two
	 * such words give " ", which goes on to score every window 0 */
	if (all_empty && t->u.n == 1)
		return;
	if (query_scratch(t))
		return;
	nq = query_tokens(t, &qc);
	if (nq < 0)
		return;
	m = t->o.window_size < qc ? t->o.window_size : qc;
	lo = cur - t->o.max_jump_distance > 0 ? cur - t->o.max_jump_distance :
						 0;
	hi = t->n - cur > t->o.max_jump_distance ?
		     cur + t->o.max_jump_distance : t->n;
	if (cur >= 0 && cur < t->s->nw2l) {
		int ls = t->s->lines[t->s->word_to_line[cur]].start;

		if (ls < lo)
			lo = ls;
	}
	memset(sr->query_chars, 0, sizeof(sr->query_chars));
	sr->query_len = 0;
	for (int k = 0; k < nq; k++) {
		sr->query_len += sr->query[k].cp.len;
		if (sr->query[k].id >= 0)
			sr->query_of[sr->query[k].id] = k;
		count_chars(sr->query_chars, t->u.cps + sr->query[k].cp.off,
			    sr->query[k].cp.len, 1);
	}
	/* a window must beat the floor: the bound spares more LCS */
	*best = floor;
	{
		struct slide w = { 0 };
		int we = lo;	/* the window's words are [i, we) */

		for (int i = lo; i < hi; i++) {
			int end = t->n - i > t->o.window_size ?
					  i + t->o.window_size : t->n;
			double sc;

			if (i > lo)
				slide_word(t, &w, i - 1, -1);
			for (; we < end; we++)
				slide_word(t, &w, we, +1);
			if (!window_score(t, nq, i, m, *best, &w, &sc))
				continue;
			if (sc > *best) {
				*best = sc;
				*best_i = i;
			}
		}
		/* the counts go back to zero for the next search */
		for (int j = hi > lo ? hi - 1 : lo; j < we; j++)
			slide_word(t, &w, j, -1);
	}
	for (int k = 0; k < nq; k++)
		if (sr->query[k].id >= 0)
			sr->query_of[sr->query[k].id] = -1;
	sr->cached = true;
	sr->serial = t->u.serial;
	sr->current = cur;
	sr->index = *best_i;
	sr->score = *best;
	/* nothing above a raised floor: the best is unknown, only below it */
	sr->below = floor > 0.0 && *best == floor;
}

void ac_tk_find_best_match(struct ac_tracker *t, int *best_i, double *best)
{
	best_match(t, 0.0, best_i, best);
}

bool ac_tk_find_match_at_least(struct ac_tracker *t, double thr, int *best_i,
			       double *best)
{
	uint64_t bits;
	double below;

	/* as the reference compares: a NaN threshold stops nothing */
	if (!(thr > 0.0 && thr <= DBL_MAX)) {
		best_match(t, 0.0, best_i, best);
		return !(*best < thr);
	}
	/* the largest double below thr: beating it is reaching thr */
	memcpy(&bits, &thr, sizeof(bits));
	bits--;
	memcpy(&below, &bits, sizeof(below));
	best_match(t, below, best_i, best);
	return *best >= thr;
}

int ac_tracker_find_best_match(struct ac_tracker *t, const char *text,
			       double *score)
{
	size_t len;
	const char *s;
	int bi;
	double b;

	*score = 0.0;
	s = ac_tk_stripped_text(text, &len);
	if (!s || !len || ac_tk_load_words(&t->u, s, len))
		return t->current;
	ac_tk_find_best_match(t, &bi, &b);
	*score = b;
	return bi;
}

void ac_tk_search_free(struct search *sr)
{
	free(sr->query);
	free(sr->query_diff);
	free(sr->window_diff);
	free(sr->window);
	free(sr->count);
	free(sr->query_of);
}
