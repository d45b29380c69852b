// SPDX-License-Identifier: MIT
/*
 * tracker.c - the reference ScriptTracker (TRACKER-SPEC.md §5), quirks and
 * all (§7): the point is to report the same positions, so odd-looking rules
 * below are deliberate and name the quirk they reproduce.
 *
 * This file is the state machine: the committed and speculative states,
 * partial and final updates, jump detection, the presenter's controls and
 * the public API. What it builds on is in the other tracker_*.c files
 * (tracker_int.h lists them).
 *
 * Speed comes from doing per-script work once: script words are decoded to
 * code points at construction, window tokens are interned and ranked so the
 * token-set decomposition of a window is a merge of small integer sets, and
 * the window search result is remembered for the rest of a final (its inputs
 * do not change within one).
 */
#include <limits.h>
#include <string.h>

#include "autocue_usdt.h"
#include "tracker_int.h"

AUTOCUE_PROBE(tracker_init);
AUTOCUE_PROBE(tracker_update);
AUTOCUE_PROBE(tracker_update_partial);
AUTOCUE_PROBE(tracker_update_final);
AUTOCUE_PROBE(tracker_process_words);
AUTOCUE_PROBE(tracker_detect_jump);

/* Loads the update's words and makes room for them in the queue. */
static int load_update(struct ac_tracker *t, const char *text, size_t len)
{
	int err = ac_tk_load_words(&t->u, text, len);

	if (err)
		return err;
	return ac_tk_grow_int((void **)&t->queue, &t->queue_cap, t->u.n + 1,
			      sizeof(*t->queue));
}

/* Queues the update's words from word k on. A partial queues them all,
 * the words it shares with the last queued update already in place. */
static void queue_words(struct ac_tracker *t, int k)
{
	if (k) {
		for (int i = k; i < t->u.n; i++)
			t->queue[i - k] = i;
		t->queue_ident = 0;
		return;
	}
	for (int i = t->queue_ident; i < t->u.n; i++)
		t->queue[i] = i;
	if (t->queue_ident < t->u.n)
		t->queue_ident = t->u.n;
}

static int set_strn(char **dst, size_t *cap, const char *src, size_t len)
{
	if (ac_tk_grow((void **)dst, cap, len + 1, 1))
		return -ENOMEM;
	memcpy(*dst, src, len);
	(*dst)[len] = '\0';
	return 0;
}

static int set_str(char **dst, size_t *cap, const char *src)
{
	return set_strn(dst, cap, src, strlen(src));
}

struct ac_tracker *ac_tracker_new(const struct ac_script *s,
				  const struct ac_tracker_opts *opts)
{
	AUTOCUE_TRACE(tracker_init);
	struct ac_tracker *t;

	if (!s)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->s = s;
	t->o = opts ? *opts : AC_TRACKER_OPTS_DEFAULT;
	if (t->o.window_size < 1 || t->o.jump_threshold < 0 ||
	    t->o.max_jump_distance < 0 || t->o.max_skip_distance < 0)
		goto fail;
	t->n = s->n;
	t->committed.last_matched = LAST_NONE;
	t->pos = ac_tracker_position(t);
	ac_ratio_cut_init(&t->word_cut, t->o.match_threshold);
	ac_ratio_cut_init(&t->alt_cut, AC_TK_EXPANSION_THRESHOLD);
	if (ac_tk_index_build(&t->ix, s) || ac_tk_search_init(t))
		goto fail;
	if (ac_tk_matcher_init(&t->committed_matcher, t->ix.maxalts) ||
	    ac_tk_matcher_init(&t->matcher, t->ix.maxalts))
		goto fail;
	t->keep = malloc(((size_t)t->ix.maxalts + 1) * sizeof(*t->keep));
	if (!t->keep)
		goto fail;
	if (set_str(&t->last_final, &t->last_final_cap, "") ||
	    set_str(&t->last_partial, &t->last_partial_cap, "") ||
	    set_str(&t->carried, &t->carried_cap, ""))
		goto fail;
	return t;
fail:
	ac_tracker_free(t);
	return NULL;
}

void ac_tracker_free(struct ac_tracker *t)
{
	if (!t)
		return;
	ac_tk_index_free(&t->ix);
	free(t->committed_matcher.active);
	free(t->matcher.active);
	free(t->last_partial);
	free(t->last_final);
	free(t->carried);
	ac_tk_utterance_free(&t->u);
	free(t->queue);
	ac_tk_search_free(&t->search);
	free(t->plog.cp);
	free(t->plog.active);
	free(t->keep);
	free(t);
}

/* near_position (§5.9.1) for the update's words */
static bool near_position(const struct ac_tracker *t, int p)
{
	int lo, hi, first, matches = 0;

	if (!t->u.n || p >= t->n)
		return false;
	lo = p - 3 > 0 ? p - 3 : 0;
	hi = p + 3 < t->n ? p + 3 : t->n;
	first = t->u.n >= 3 ? t->u.n - 3 : 0;
	for (int i = first; i < t->u.n; i++)
		for (int j = lo; j < hi; j++)
			if (ac_tk_word_matches(t, i, j)) {
				matches++;
				break;
			}
	return (double)matches >= (double)(t->u.n - first) * 0.5;
}

/* §5.8: jump detection for a final; T is always the update's whole text. */
static bool detect_jump(struct ac_tracker *t, struct track_state *st)
{
	AUTOCUE_TRACE(tracker_detect_jump);
	int best, d, ad, jt = t->o.jump_threshold, off = 0, lim, np;
	double conf;
	bool back, fwd;

	if (st->end - st->head < 3)
		return false;
	/* the words still matching near the position veto any jump, and
	 * do not depend on the search: asked first, they spare it (a fifth
	 * of the searches of a noisy session) */
	if (near_position(t, st->pos))
		return false;
	if (!ac_tk_find_match_at_least(t, t->o.match_threshold, &best, &conf))
		return false;
	d = st->pos - best;
	ad = d < 0 ? -d : d;
	if (ad <= jt)
		return false;
	if (ad > t->o.max_jump_distance)
		return false;
	back = best < st->pos - jt && st->pos > 0 && d > jt;
	fwd = d < -jt && best > st->pos;
	if (!back && !fwd)
		return false;
	lim = t->o.window_size < t->n - best ? t->o.window_size : t->n - best;
	for (int o = 0; o < lim; o++) {
		if (best + o < t->n && ac_tk_word_matches(t, 0, best + o)) {
			off = o;
			break;
		}
	}
	/* fillers count towards the length of T (Q5) */
	np = best + off + t->u.n;
	if (t->n == 0)
		np = 0;
	else if (np > t->n - 1)
		np = t->n - 1;
	st->pos = np;
	st->head = st->end;
	st->last_matched = LAST_NONE;
	if (back)
		t->skip_disabled = 3;
	ac_tk_matcher_clear(&t->matcher);
	return true;
}

/* §5.4: matches the queued words one by one from st; a word that does not
 * match is retried with skips (budget script words), then, in a final,
 * may trigger jump detection. Stops when a round consumes nothing. */
static void process(struct ac_tracker *t, struct track_state *st, int budget,
		    bool final)
{
	AUTOCUE_TRACE(tracker_process_words);
	int prev = st->end - st->head + 1;

	if (final)
		t->last_was_jump = false;
	while (st->head < st->end && prev > st->end - st->head) {
		int wi, r;

		prev = st->end - st->head;
		wi = t->queue[st->head++];
		r = ac_tk_match_single(t, wi, st);
		if (r & MATCHED) {
			st->last_matched = wi;
			if (r & ADVANCED) {
				st->pos++;
				if (final) {
					t->words_since_validation++;
					if (t->skip_disabled > 0)
						t->skip_disabled--;
				}
			}
		} else {
			struct skip_result skipped = { 0, 0 };

			st->last_matched = LAST_NONE;
			t->queue[--st->head] = wi;
			if (t->skip_disabled == 0)
				skipped = ac_tk_skip_match(t, st, budget);
			if (skipped.consumed > 0) {
				st->pos += skipped.advanced;
				if (final)
					t->words_since_validation +=
						skipped.advanced;
			} else if (final &&
				   st->end - st->head >= t->o.jump_threshold) {
				if (detect_jump(t, st))
					t->last_was_jump = true;
			}
		}
	}
}

/* process, then drop the first unmatched word and retry until the queue is
 * empty; each round discards one word for good (Q16). */
static void process_all(struct ac_tracker *t, struct track_state *st,
			int budget, bool final)
{
	process(t, st, budget, final);
	while (st->head < st->end) {
		st->head++;
		if (st->head < st->end)
			process(t, st, budget, final);
	}
}

/* ---- partials, resumed (§5.3.2) -------------------------------------------- */

/* *st, read field by field: matching has just stored its fields one by
 * one, and a read of two or more at once (which the compiler would make
 * of a copy) waits for those stores to reach the cache. */
static inline struct track_state state_read(const struct track_state *st)
{
	const volatile struct track_state *v = st;

	return (struct track_state){ .pos = v->pos, .head = v->head,
				     .end = v->end,
				     .last_matched = v->last_matched };
}

/* Makes room in the log for the checkpoints of steps more steps and the
 * one after the last, so that logging them cannot fail; false when out of
 * memory (the log is then dropped, the matching goes on as ever). */
static bool log_reserve(struct ac_tracker *t, int steps)
{
	struct partial_log *l = &t->plog;

	return !ac_tk_grow_int((void **)&l->cp, &l->cap, l->n + steps + 1,
			       sizeof(*l->cp)) &&
	       !ac_tk_grow((void **)&l->active, &l->active_cap,
			   l->nactive + ((size_t)steps + 1) *
						(size_t)t->ix.maxalts,
			   sizeof(*l->active));
}

/* Logs the state before a step (or, touched INT_MAX, after the last one),
 * into the room log_reserve made. */
static void log_state(struct ac_tracker *t, const struct track_state *st,
		      int touched)
{
	struct partial_log *l = &t->plog;
	struct checkpoint *c = &l->cp[l->n++];

	c->st = state_read(st);
	c->touched = touched;
	c->mword = t->matcher.word;
	c->mn = t->matcher.n;
	c->mmatched = t->matcher.matched;
	c->active_off = (uint32_t)l->nactive;
	if (t->matcher.n)	/* with none, both may be NULL */
		memcpy(l->active + l->nactive, t->matcher.active,
		       (size_t)t->matcher.n * sizeof(*l->active));
	l->nactive += (size_t)t->matcher.n;
}

/*
 * process_all (budget 1, not final) as one loop over the words: a word
 * that neither matches nor is consumed by a skip is dropped, as
 * process_all drops it. Each step is logged with the highest word index
 * it touched: match_single reads word head; skip_match reads and compares
 * with the end up to budget + 1 words past it.
 */
static void match_partial(struct ac_tracker *t, struct track_state *st)
{
	const int budget = 1;
	/* each step consumes a word at least */
	bool logging = log_reserve(t, st->end - st->head);

	while (st->head < st->end) {
		int wi = t->queue[st->head], r, touched = wi, at = t->plog.n;

		if (logging)
			log_state(t, st, 0);
		st->head++;
		r = ac_tk_match_single(t, wi, st);
		if (r & MATCHED) {
			st->last_matched = wi;
			if (r & ADVANCED)
				st->pos++;
		} else {
			struct skip_result skipped = { 0, 0 };

			st->last_matched = LAST_NONE;
			st->head--;
			if (t->skip_disabled == 0) {
				skipped = ac_tk_skip_match(t, st, budget);
				touched = wi + budget + 1;
			}
			if (skipped.consumed > 0)
				st->pos += skipped.advanced;
			else
				st->head++;
		}
		if (logging) {
			if (at && t->plog.cp[at - 1].touched > touched)
				touched = t->plog.cp[at - 1].touched;
			t->plog.cp[at].touched = touched;
			t->plog.cp[at].direct = r & MATCHED;
			t->plog.cp[at].advanced = (r & MATCHED) && (r & ADVANCED);
		}
	}
	if (logging)
		log_state(t, st, INT_MAX);
	t->plog.valid = logging;
	t->plog.serial = t->u.serial;
}

/* The tracking state and working matcher as the log's checkpoint c left
 * them */
static void restore_checkpoint(struct ac_tracker *t, struct track_state *st,
			       const struct checkpoint *c)
{
	const struct partial_log *l = &t->plog;

	st->pos = c->st.pos;
	st->head = c->st.head;
	st->last_matched = c->st.last_matched;
	t->matcher.word = c->mword;
	t->matcher.n = c->mn;
	t->matcher.matched = c->mmatched;
	if (c->mn)	/* with none, both may be NULL */
		memcpy(t->matcher.active, l->active + c->active_off,
		       (size_t)c->mn * sizeof(*l->active));
}

/* When the loaded update is the next after the logged partial, puts st
 * and the working matcher where the log's steps stop being this update's
 * (the first step that touched a word past the words the two share),
 * drops the log from there, and returns true. */
static bool resume_partial(struct ac_tracker *t, struct track_state *st)
{
	struct partial_log *l = &t->plog;
	const struct checkpoint *c;
	int s = 0;

	if (!l->valid || l->serial + 1 != t->u.serial)
		return false;
	/* mostly a step a word: the step of the first word not kept, found
	 * from there (touched is nondecreasing, the last entry INT_MAX) */
	s = t->u.kept < l->n ? t->u.kept : l->n - 1;
	while (s > 0 && l->cp[s - 1].touched >= t->u.kept)
		s--;
	while (l->cp[s].touched < t->u.kept)
		s++;
	c = &l->cp[s];
	restore_checkpoint(t, st, c);
	l->n = s;
	l->nactive = c->active_off;
	return true;
}

/*
 * A final usually repeats the last partial's words, and is matched from
 * the same committed state: a step whose word matched outright (no skip
 * tried, so neither the final's larger skip budget nor its jump detection
 * had a say) goes the same way in both. Puts st and the working matcher
 * after the logged partial's leading such steps over words the final
 * shares, does the final's bookkeeping of them (words since validation,
 * the skip cool-down), and returns how many (0: nothing changed). log_ok
 * and log_serial are the log's validity and serial before this final.
 */
static int resume_final(struct ac_tracker *t, struct track_state *st,
			bool log_ok, unsigned long log_serial)
{
	const struct partial_log *l = &t->plog;
	const struct checkpoint *c;
	int s = 0, adv = 0;

	if (!log_ok || log_serial + 1 != t->u.serial)
		return 0;
	while (s < l->n && l->cp[s].touched < t->u.kept && l->cp[s].direct)
		adv += l->cp[s++].advanced;
	if (!s)
		return 0;
	c = &l->cp[s];
	restore_checkpoint(t, st, c);
	t->words_since_validation += adv;
	t->skip_disabled = t->skip_disabled > adv ? t->skip_disabled - adv : 0;
	return s;
}

/* ---- positions ------------------------------------------------------------ */

static int line_of(const struct ac_tracker *t, int i)
{
	if (i >= 0 && i < t->s->nw2l)
		return t->s->word_to_line[i];
	return t->s->nlines ? t->s->nlines - 1 : 0;
}

struct ac_position ac_tracker_position(const struct ac_tracker *t)
{
	struct ac_position p;
	int raw = ac_script_speakable_to_raw(t->s, t->current);

	p.speakable_index = t->current;
	p.word_index = raw;
	p.line_index = line_of(t, t->current);
	p.is_jump = t->last_was_jump;
	p.progress = t->s->nraw ? (double)raw / (double)t->s->nraw : 0.0;
	return p;
}

/* ac_tracker_position for an update's answer: the position mostly stays
 * or moves by a word between updates, so the last one is kept and its
 * division not done again while current is the same. */
static struct ac_position update_position(struct ac_tracker *t)
{
	struct ac_position p;

	if (t->pos.speakable_index != t->current)
		t->pos = ac_tracker_position(t);
	/* is_jump goes into the copy, not the kept one: a byte stored into
	 * t->pos and the whole read back at once waited for the store */
	p = t->pos;
	p.is_jump = t->last_was_jump;
	return p;
}

/* ---- updates (§5.3) -------------------------------------------------------- */

static struct ac_position update_partial(struct ac_tracker *t,
					 const char *text, size_t len)
{
	AUTOCUE_TRACE(tracker_update_partial);
	struct track_state spec;

	if (t->have_last_partial && t->last_partial_len == len &&
	    !memcmp(t->last_partial, text, len))
		return update_position(t);
	if (load_update(t, text, len))
		return update_position(t);
	/* every partial re-matches the whole utterance from the committed
	 * state, whose queue is always empty between updates (Q2) */
	spec = t->committed;
	spec.head = 0;
	spec.end = t->u.n;
	queue_words(t, 0);
	ac_tk_matcher_copy(&t->matcher, &t->committed_matcher);
	if (!resume_partial(t, &spec)) {
		t->plog.n = 0;
		t->plog.nactive = 0;
	}
	match_partial(t, &spec);
	if (spec.pos > t->speculative_display)
		t->speculative_display = spec.pos;
	ac_tk_matcher_copy(&t->matcher, &t->committed_matcher);
	t->current = t->committed_display > t->speculative_display ?
			     t->committed_display : t->speculative_display;
	if (set_strn(&t->last_partial, &t->last_partial_cap, t->u.text,
		     t->u.len) == 0) {
		t->have_last_partial = true;
		t->last_partial_len = t->u.len;
	}
	return update_position(t);
}

static struct ac_position update_final(struct ac_tracker *t, const char *text,
				       size_t len)
{
	AUTOCUE_TRACE(tracker_update_final);
	bool log_ok = t->plog.valid;
	unsigned long log_serial = t->plog.serial;
	int k;

	t->plog.valid = false;
	if (load_update(t, text, len))
		return update_position(t);
	/* shared leading words of consecutive utterances are dropped (Q1) */
	k = ac_tk_common_words(&t->u, t->last_final);
	if (k >= t->u.n) {
		/* no new words: current is not refreshed (Q3) */
		set_strn(&t->last_final, &t->last_final_cap, t->u.text, t->u.len);
		t->speculative_display = t->committed_display;
		t->last_partial[0] = '\0';
		t->have_last_partial = false;
		return update_position(t);
	}
	t->committed.head = 0;
	t->committed.end = t->u.n - k;
	queue_words(t, k);
	ac_tk_matcher_copy(&t->matcher, &t->committed_matcher);
	/* the same queue as the partial's only when no word was dropped */
	if (!k)
		resume_final(t, &t->committed, log_ok, log_serial);
	process_all(t, &t->committed,
		    t->o.max_skip_distance > INT_MAX / 2 ?
			    INT_MAX : 2 * t->o.max_skip_distance,
		    true);
	t->committed.head = t->committed.end = 0;
	t->committed_display = t->committed.pos;
	ac_tk_matcher_copy(&t->committed_matcher, &t->matcher);
	t->speculative_display = t->committed_display;
	t->last_partial[0] = '\0';
	t->have_last_partial = false;
	t->current = t->committed_display;
	/* last_matched outlives this update's word buffers */
	if (t->committed.last_matched >= 0) {
		if (set_str(&t->carried, &t->carried_cap,
			    ac_tk_norm(&t->u, t->committed.last_matched)))
			t->committed.last_matched = LAST_NONE;
		else
			t->committed.last_matched = LAST_CARRIED;
	}
	set_strn(&t->last_final, &t->last_final_cap, t->u.text, t->u.len);
	return update_position(t);
}

struct ac_position ac_tracker_update(struct ac_tracker *t, const char *text,
				     bool is_partial)
{
	AUTOCUE_TRACE(tracker_update);
	const char *s;
	size_t len;

	s = ac_tk_stripped_text(text, &len);
	if (!s || !len)
		return update_position(t);
	if (is_partial)
		return update_partial(t, s, len);
	return update_final(t, s, len);
}

/* ---- control (§5.13) ------------------------------------------------------- */

void ac_tracker_reset(struct ac_tracker *t)
{
	t->current = 0;
	t->words_since_validation = 0;
	t->skip_disabled = 0;
	t->committed.pos = 0;
	t->committed.head = t->committed.end = 0;
	t->committed.last_matched = LAST_NONE;
	t->last_final[0] = '\0';
	/* the committed copy is taken before W is cleared (Q9) */
	ac_tk_matcher_copy(&t->committed_matcher, &t->matcher);
	t->committed_display = t->speculative_display = 0;
	t->last_partial[0] = '\0';
	t->have_last_partial = false;
	ac_tk_matcher_clear(&t->matcher);
	t->search.cached = false;
	t->plog.valid = false;
	/* last_was_jump survives (Q8) */
}

void ac_tracker_jump_to(struct ac_tracker *t, int i)
{
	if (t->n == 0)
		i = 0;
	else if (i < 0)
		i = 0;
	else if (i > t->n - 1)
		i = t->n - 1;
	ac_tracker_reset(t);
	t->current = t->committed.pos = i;
	t->committed_display = t->speculative_display = i;
}

int ac_tracker_detect_jump(struct ac_tracker *t, const char *text,
			   bool *moved)
{
	struct track_state tmp = t->committed;
	const char *s;
	size_t len;
	bool jumped = false;

	t->words_since_validation = 0;
	t->plog.valid = false;
	s = ac_tk_stripped_text(text, &len);
	if (s) {
		if (load_update(t, s, len) == 0) {
			tmp.head = 0;
			tmp.end = t->u.n;
			queue_words(t, 0);
			jumped = detect_jump(t, &tmp);
		}
	}
	t->last_was_jump = jumped;
	if (jumped) {
		t->committed.pos = tmp.pos;
		t->committed.head = t->committed.end = 0;
		t->committed.last_matched = LAST_NONE;
		t->committed_display = t->speculative_display = tmp.pos;
		t->current = tmp.pos;
	}
	if (moved)
		*moved = jumped;
	return tmp.pos;
}

int ac_tracker_common_prefix(const struct ac_tracker *t, const char *text,
			     int *nwords)
{
	/* the reference's extract_new_words is a pure query: split into a
	 * scratch utterance, not the tracker's */
	struct utterance u = { 0 };
	const char *s;
	size_t len;
	int k = 0;

	if (nwords)
		*nwords = 0;
	s = ac_tk_stripped_text(text, &len);
	if (!s)
		return 0;
	if (ac_tk_load_words(&u, s, len) == 0) {
		if (nwords)
			*nwords = u.n;
		k = ac_tk_common_words(&u, t->last_final);
	}
	ac_tk_utterance_free(&u);
	return k;
}

void ac_tracker_display_lines(const struct ac_tracker *t, int past,
			      int future, struct ac_display *d)
{
	int cl = line_of(t, t->current), nl = t->s->nlines;
	/* spec §5.12's arithmetic, in a width where INT_MAX settings (the
	 * threaded API passes them through) cannot overflow */
	long long lo = (long long)cl - past, hi = (long long)cl + future + 1;
	int start = lo > 0 ? (lo < nl ? (int)lo : nl) : 0;
	int end = hi < nl ? (hi > 0 ? (int)hi : 0) : nl;

	d->start = start;
	d->count = end > start ? end - start : 0;
	d->current = cl - start;
	d->word_offset = cl < nl ? t->current - t->s->lines[cl].start : 0;
}

int ac_tracker_optimistic_position(const struct ac_tracker *t)
{
	return t->committed.pos;
}

void ac_tracker_set_optimistic_position(struct ac_tracker *t, int pos)
{
	/* matching indexes the script at pos: keep it inside 0..N */
	t->committed.pos = pos < 0 ? 0 : pos > t->n ? t->n : pos;
	t->plog.valid = false;
}

void ac_tracker_clear_expansion_state(struct ac_tracker *t)
{
	ac_tk_matcher_clear(&t->matcher);
	t->plog.valid = false;
}

bool ac_tracker_allow_jump_detection(const struct ac_tracker *t)
{
	return t->words_since_validation >= t->o.jump_threshold;
}

int ac_tracker_active_expansions(const struct ac_tracker *t)
{
	return t->matcher.n;
}

int ac_tracker_expansion_position(const struct ac_tracker *t)
{
	return t->matcher.matched;
}

int ac_tracker_skip_disabled(const struct ac_tracker *t)
{
	return t->skip_disabled;
}

const struct ac_tracker_opts *ac_tracker_opts(const struct ac_tracker *t)
{
	return &t->o;
}

const struct ac_script *ac_tracker_script(const struct ac_tracker *t)
{
	return t->s;
}

