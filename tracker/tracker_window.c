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
		sr->query[nq].len = t->u.w[i].cp.len;
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

/* The weighed token_set_ratio(q, window at i) into *score; false, with
 * the LCS not computed, when even its bound is not above best. */
static bool window_score(struct ac_tracker *t, int nq, int i, int m,
			 double best, double *score)
{
	bool ahead = i >= t->current;
	struct search *sr = &t->search;
	/* compared as a distance: i + window_size may not fit in an int */
	int end = t->n - i > t->o.window_size ? i + t->o.window_size : t->n;
	int nw = 0, u = 0, both = 0, query_only = 0, window_only = 0, wc;
	size_t sect = 0, qdlen = 0, wdlen = 0;

	for (int j = i; j < end; j++)
		for (int k = t->ix.tok_off[j]; k < t->ix.tok_off[j + 1]; k++)
			sr->window[nw++] = t->ix.tok[k];
	wc = nw;
	if (nw > 1) {
		/* windows are short: insertion sort beats qsort here */
		for (int a = 1; a < nw; a++) {
			int v = sr->window[a], b = a - 1;

			while (b >= 0 && sr->window[b] > v) {
				sr->window[b + 1] = sr->window[b];
				b--;
			}
			sr->window[b + 1] = v;
		}
	}
	for (int a = 0; a < nw; a++)
		if (!u || sr->window[u - 1] != sr->window[a])
			sr->window[u++] = sr->window[a];
	nw = u;
	if (!nq || !nw) {
		*score = weigh(0.0, wc, m, ahead);
		return true;
	}
	for (int k = 0; k < nq; k++)
		sr->query[k].in = false;
	/* both sides' tokens are distinct: each window token is in the
	 * query at most once, found by its rank */
	for (int a = 0; a < nw; a++) {
		int k = sr->query_of[sr->window[a]];

		sr->window_in[a] = k >= 0;
		if (k < 0)
			continue;
		sr->query[k].in = true;
		sect += sr->query[k].len + (both ? 1 : 0);
		both++;
	}
	query_only = nq - both;
	window_only = nw - both;
	if (both && (!query_only || !window_only)) {
		*score = weigh(100.0, wc, m, ahead);
		return true;
	}
	/* the joined differences' lengths first: most windows cannot win,
	 * and their strings need not be built */
	for (int k = 0; k < nq; k++)
		if (!sr->query[k].in)
			qdlen += sr->query[k].cp.len;
	for (int a = 0; a < nw; a++)
		if (!sr->window_in[a])
			wdlen += t->ix.tok_cp[sr->window[a]].len;
	qdlen += query_only ? (size_t)query_only - 1 : 0;
	wdlen += window_only ? (size_t)window_only - 1 : 0;
	if (weigh(ac_token_set_bound(sect, qdlen, wdlen), wc, m, ahead) <= best)
		return false;
	qdlen = wdlen = 0;
	for (int k = 0; k < nq; k++) {
		const struct query_token *q = &sr->query[k];

		if (q->in)
			continue;
		if (qdlen)
			sr->query_diff[qdlen++] = ' ';
		memcpy(sr->query_diff + qdlen, t->u.cps + q->cp.off,
		       q->cp.len * sizeof(*sr->query_diff));
		qdlen += q->cp.len;
	}
	for (int a = 0; a < nw; a++) {
		const struct span *sp = &t->ix.tok_cp[sr->window[a]];

		if (sr->window_in[a])
			continue;
		if (wdlen)
			sr->window_diff[wdlen++] = ' ';
		memcpy(sr->window_diff + wdlen, t->ix.tok_cps + sp->off,
		       sp->len * sizeof(*sr->window_diff));
		wdlen += sp->len;
	}
	*score = weigh(ac_token_set_combine(sect, sr->query_diff, qdlen,
					    sr->window_diff, wdlen),
		       wc, m, ahead);
	return true;
}

/* Window scratch sized once per script: the window only slides, so the
 * largest token count and joined length over all starts bound every call. */
int ac_tk_search_init(struct ac_tracker *t)
{
	struct search *sr = &t->search;
	int maxw = 0, w = t->o.window_size;
	size_t max_wdlen = 0, l = 0;

	/* joined length of each window, sliding: add the word entering,
	 * drop the one leaving */
	for (int e = 0; e < t->n; e++) {
		int i = e + 1 - w;

		for (int j = t->ix.tok_off[e]; j < t->ix.tok_off[e + 1]; j++)
			l += t->ix.tok_cp[t->ix.tok[j]].len + 1;
		if (i > 0)
			for (int j = t->ix.tok_off[i - 1];
			     j < t->ix.tok_off[i]; j++)
				l -= t->ix.tok_cp[t->ix.tok[j]].len + 1;
		if (i < 0 && e + 1 < t->n)
			continue;
		if (i < 0)
			i = 0;
		if (t->ix.tok_off[e + 1] - t->ix.tok_off[i] > maxw)
			maxw = t->ix.tok_off[e + 1] - t->ix.tok_off[i];
		if (l > max_wdlen)
			max_wdlen = l;
	}
	sr->query_of = malloc(((size_t)t->ix.ntoks + 1) * sizeof(*sr->query_of));
	if (!sr->query_of)
		return -ENOMEM;
	memset(sr->query_of, 0xff,
	       ((size_t)t->ix.ntoks + 1) * sizeof(*sr->query_of));
	sr->window = malloc(((size_t)maxw + 1) * sizeof(*sr->window));
	sr->window_in = malloc(((size_t)maxw + 1) * sizeof(*sr->window_in));
	sr->window_diff = malloc((max_wdlen + 1) * sizeof(*sr->window_diff));
	if (!sr->window || !sr->window_in || !sr->window_diff)
		return -ENOMEM;
	sr->window_cap = maxw + 1;
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
void ac_tk_find_best_match(struct ac_tracker *t, int *best_i, double *best)
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
		*best_i = sr->index;
		*best = sr->score;
		return;
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
	for (int k = 0; k < nq; k++)
		if (sr->query[k].id >= 0)
			sr->query_of[sr->query[k].id] = k;
	for (int i = lo; i < hi; i++) {
		double sc;

		if (!window_score(t, nq, i, m, *best, &sc))
			continue;
		if (sc > *best) {
			*best = sc;
			*best_i = i;
		}
	}
	for (int k = 0; k < nq; k++)
		if (sr->query[k].id >= 0)
			sr->query_of[sr->query[k].id] = -1;
	sr->cached = true;
	sr->serial = t->u.serial;
	sr->current = cur;
	sr->index = *best_i;
	sr->score = *best;
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
	free(sr->window_in);
	free(sr->query_of);
}
