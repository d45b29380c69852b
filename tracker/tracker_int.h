/* SPDX-License-Identifier: MIT */
/*
 * tracker_int.h - the tracker's insides, shared by its files and nothing
 * else (make install does not ship it):
 *
 *   tracker_index.c   the script index, built once per tracker
 *   tracker_words.c   the update being processed, split and normalized
 *   tracker_match.c   word comparisons, expansion matcher, matching with
 *                     skips (TRACKER-SPEC.md §5.4-§5.7)
 *   tracker_window.c  the window search (§5.9)
 *   tracker.c         the state machine: updates, jumps, control (§5.2-§5.3,
 *                     §5.8, §5.12-§5.13), the public API
 *
 * The index and the update's words are read by everything after them;
 * matching and the window search each own their scratch; only tracker.c
 * changes the tracking state.
 */
#ifndef AUTOCUE_TRACKER_INT_H
#define AUTOCUE_TRACKER_INT_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzy.h"
#include "tracker.h"

/* A span of a shared pool. */
struct span {
	uint32_t off, len;
};

/* Grows *p (*cap elements of elem bytes) to hold need, doubling: the
 * per-update buffers only grow, so steady state allocates nothing. */
static inline int ac_tk_grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : 16;
	void *np;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	np = realloc(*p, c * elem);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = c;
	return 0;
}

static inline int ac_tk_grow_int(void **p, int *cap, int need, size_t elem)
{
	size_t c = (size_t)*cap;
	int err = ac_tk_grow(p, &c, (size_t)need, elem);

	if (!err)
		*cap = (int)c;
	return err;
}

/* strcmp for qsort and bsearch over arrays of strings */
static inline int ac_tk_cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ---- the script index (tracker_index.c) --------------------------------- */

/*
 * Per script word: code points of its text (for ratio) and of its normal
 * form (for word_matches), and its window tokens (whitespace tokens of the
 * text, interned and ranked in code-point order, so that the token sets of
 * a window are sets of small integers).
 */
struct tk_index {
	int n;			/* the script's speakable words */
	uint32_t *cps;		/* code points: texts, normal forms */
	struct span *text, *norm;	/* per word, into cps */
	int *tok_off;		/* n + 1 offsets into tok */
	int *tok;		/* every word's window tokens, as ranks */
	int ntoks;		/* distinct window tokens */
	const char **tok_str;	/* by rank, points into tok_pool */
	char *tok_pool;
	struct span *tok_cp;	/* by rank, into tok_cps */
	uint32_t *tok_cps;
	int maxalts;		/* most spoken forms of one word */
	/* the spoken forms' words as code points, decoded the first time
	 * each is compared (ac_tk_alt_cps) rather than at every comparison */
	struct alt_entry *alt_tab;
	size_t alt_nslots, alt_used;
	uint32_t *alt_cps;
	size_t alt_ncps, alt_cps_cap;
};

/* A spoken-form word (by its address) and its code points in alt_cps. */
struct alt_entry {
	const char *w;
	struct span cp;
};

/* the length of a spoken-form word that is not valid UTF-8 */
#define ALT_NOT_UTF8 (UINT32_MAX - 1)

int ac_tk_index_build(struct tk_index *ix, const struct ac_script *s);
void ac_tk_index_free(struct tk_index *ix);
/* Where a spoken-form word's code points go in the table: its address,
 * hashed (Fibonacci), since the forms are made of a few hundred static
 * strings ("hundred", "and", the number names), pointed to many times. */
static inline size_t ac_tk_alt_slot(const struct tk_index *ix, const char *w)
{
	size_t h = (size_t)(((uintptr_t)w * 0x9e3779b97f4a7c15ULL) >> 40);

	for (h &= ix->alt_nslots - 1; ix->alt_tab[h].w && ix->alt_tab[h].w != w;
	     h = (h + 1) & (ix->alt_nslots - 1))
		;
	return h;
}

/* adds w to the table (ac_tk_alt_cps) */
bool ac_tk_alt_cps_add(struct tk_index *ix, const char *w, struct span *sp);

/* The code points of spoken-form word w into *sp (len ALT_NOT_UTF8 if it
 * is not UTF-8), decoded on first use; false without memory. Inline: the
 * expansion matcher asks it for every form's word it compares. */
static inline bool ac_tk_alt_cps(struct tk_index *ix, const char *w,
				 struct span *sp)
{
	if (ix->alt_nslots) {
		size_t h = ac_tk_alt_slot(ix, w);

		if (ix->alt_tab[h].w) {
			*sp = ix->alt_tab[h].cp;
			return true;
		}
	}
	return ac_tk_alt_cps_add(ix, w, sp);
}

/* ---- the update's words (tracker_words.c) ------------------------------- */

/* One word of the transcript being processed. */
struct spoken_word {
	const char *raw;	/* into the update's text copy */
	uint32_t rawlen;
	uint32_t rawcp;		/* Python len() of the raw word */
	uint32_t norm;		/* offset of its NUL-ended normal form */
	uint32_t normlen;
	struct span cp;		/* normal form as code points */
	signed char filler;	/* -1 until asked (tracker_match.c) */
};

/* The update being processed; grow-only buffers, valid until the next
 * load. A load keeps the leading words it shares with the previous one,
 * their text and normal forms where they are (a partial mostly repeats
 * the last and adds a word). */
struct utterance {
	char *text;		/* the stripped text, NUL-terminated */
	size_t len;		/* its length */
	size_t text_cap;
	struct spoken_word *w;
	int n, cap;
	char *norm;		/* normal forms, NUL-separated */
	size_t norm_cap;
	uint32_t *cps;		/* normal forms as code points */
	size_t cps_cap;
	unsigned long serial;	/* which load the words belong to */
	int kept;		/* leading words that are the previous load's */
};

/* An update's text as the reference reads it: NULL for NULL or invalid
 * UTF-8, else the start of its str.strip() span, whose length goes to
 * *len. */
const char *ac_tk_stripped_text(const char *text, size_t *len);

/* Copies text (stripped already, len bytes), splits it like str.split()
 * and normalizes every word. 0, -ENOMEM or -EINVAL. */
int ac_tk_load_words(struct utterance *u, const char *text, size_t len);
void ac_tk_utterance_free(struct utterance *u);

/* How many leading words of u equal prev's, compared normalized. */
int ac_tk_common_words(const struct utterance *u, const char *prev);

static inline const char *ac_tk_norm(const struct utterance *u, int i)
{
	return u->norm + u->w[i].norm;
}

static inline const uint32_t *ac_tk_cps(const struct utterance *u, int i)
{
	return u->cps + u->w[i].cp.off;
}

/* ---- matching (tracker_match.c) ----------------------------------------- */

/* spoken forms of numbers and punctuation match more strictly (§5.5) */
#define AC_TK_EXPANSION_THRESHOLD 75.0

/* Expansion-matcher state (§5.5): still-possible spoken forms of one word
 * and how many of their words have been matched. */
struct matcher {
	const struct ac_word *word;	/* the script word being spoken */
	int n;			/* its forms still possible */
	int matched;		/* words of them spoken so far */
	uint16_t *active;	/* indexes of those forms */
};

#define LAST_NONE (-1)
#define LAST_CARRIED (-2)	/* last_matched from an earlier update */

/* A tracking state; its queue is the window [head, end) of t->queue. */
struct track_state {
	int pos;
	int head, end;
	int last_matched;	/* word index, LAST_NONE or LAST_CARRIED */
};

/* What a skip match did: transcript words consumed, script words
 * advanced. */
struct skip_result {
	int consumed, advanced;
};

/* ac_tk_match_single's answer: NO, or MATCHED (the spoken word is
 * accounted for), with ADVANCED when the script position moves on. */
enum { NO = 0, MATCHED = 1, ADVANCED = 2 };

/* room for cap forms */
int ac_tk_matcher_init(struct matcher *m, int cap);

/* inline: every update copies the working matcher twice */
static inline void ac_tk_matcher_copy(struct matcher *dst,
				      const struct matcher *src)
{
	dst->word = src->word;
	dst->n = src->n;
	dst->matched = src->matched;
	/* mostly no expansion is in progress: no call then */
	if (src->n)
		memcpy(dst->active, src->active,
		       (size_t)src->n * sizeof(*dst->active));
}

static inline void ac_tk_matcher_clear(struct matcher *m)
{
	m->n = 0;
	m->matched = 0;
}

/* ---- the window search (tracker_window.c) ------------------------------- */

/* A distinct word of the update, for the window search. */
struct query_token {
	const char *s;		/* normal form */
	struct span cp;		/* its code points */
	int id;			/* rank among the script tokens, or -1 */
};

/* Scratch of token_set_ratio(query, window), and the last search's result
 * (§5.10 reduced to the one entry that matters: a final asks for the same
 * text repeatedly). */
struct search {
	struct query_token *query;
	int query_cap;
	size_t query_len;	/* its tokens' lengths, summed */
	/* the query's and the window's tokens the other lacks, joined with
	 * spaces, as code points */
	uint32_t *query_diff, *window_diff;
	size_t query_diff_cap, window_diff_cap;
	/* by character class (fuzzy.h), as the window slides: the query's
	 * tokens' that the window lacks, the window's distinct tokens' that
	 * the query lacks (the latter zero between searches) */
	uint32_t query_chars[AC_CHAR_CLASSES];
	uint32_t window_chars[AC_CHAR_CLASSES];
	int *window;		/* the window's distinct token ranks */
	int window_cap;
	int *count;		/* by token rank: its count in the window
				 * (zero between searches) */
	int *query_of;		/* by token rank: its query token, or -1
				 * (set for one search, then cleared) */

	bool cached;
	unsigned long serial;	/* of the utterance searched */
	int current, index;
	double score;
	bool below;		/* a search above a floor (score) found
				 * nothing: the best is at most that */
};

/* ---- a partial's matching, step by step (tracker.c) ---------------------- */

/* The state before one step of a partial's matching (the step matches the
 * word at st.head, or skips, or drops it), and the highest word index the
 * step read or compared with the end of the words: the step goes the same
 * way for any update whose first touched + 1 words are the same. */
struct checkpoint {
	struct track_state st;
	int touched;		/* the highest word index this step or one
				 * before it touched (nondecreasing); INT_MAX:
				 * the state after the last step */
	bool direct;		/* the step's word matched, no skip tried */
	bool advanced;		/* ... and moved the position on */
	const struct ac_word *mword;	/* the working matcher */
	int mn, mmatched;
	uint32_t active_off;	/* its forms, into partial_log.active */
};

/* Every partial is matched from the committed state, all its words again
 * (§5.3.2); consecutive partials mostly repeat their leading words, so the
 * last partial's steps are kept and the next one resumes at the first step
 * that touched a word that is no longer the same. */
struct partial_log {
	struct checkpoint *cp;
	int n, cap;
	uint16_t *active;
	size_t nactive, active_cap;
	unsigned long serial;	/* the utterance load the steps are of */
	bool valid;		/* false once the committed state changed */
};

/* ---- the tracker ---------------------------------------------------------- */

struct ac_tracker {
	const struct ac_script *s;
	struct ac_tracker_opts o;
	int n;
	struct tk_index ix;
	/* word comparisons at match_threshold, and at the expansions' own */
	struct ac_ratio_cut word_cut, alt_cut;

	/* tracking state (§5.2) */
	struct track_state committed;
	struct matcher committed_matcher; /* the committed state's */
	struct matcher matcher;		/* W, the working matcher */
	uint16_t *keep;			/* matcher_filter scratch */
	int committed_display, speculative_display, current;
	bool last_was_jump;
	struct ac_position pos;		/* the last update's, of its current */
	int skip_disabled;
	int words_since_validation;
	char *last_partial;
	size_t last_partial_cap;
	size_t last_partial_len;	/* while have_last_partial */
	bool have_last_partial;
	char *last_final;
	size_t last_final_cap;
	char *carried;		/* normal form of a carried last match */
	size_t carried_cap;

	struct utterance u;
	int *queue;
	int queue_cap;
	int queue_ident;	/* leading entries of queue equal to their
				 * index (a partial's whole queue) */

	struct search search;
	struct partial_log plog;
};

/* tracker_match.c */
/* word_matches (§5.9.1): spoken word i against script word j */
bool ac_tk_word_matches(const struct ac_tracker *t, int i, int j);
/* match_single (§5.5): spoken word wi at st's position */
int ac_tk_match_single(struct ac_tracker *t, int wi, struct track_state *st);
/* skip_match (§5.7): st's queue with up to budget words skipped */
struct skip_result ac_tk_skip_match(struct ac_tracker *t,
				    struct track_state *st, int budget);

/* tracker_window.c */
/* sizes the search's scratch for the index and window size */
int ac_tk_search_init(struct ac_tracker *t);
void ac_tk_search_free(struct search *sr);
/* find_best_match (§5.9) for the loaded update around t->current */
void ac_tk_find_best_match(struct ac_tracker *t, int *best_i, double *best);
/* whether a window scores thr or more (for a NaN thr, always); if so, the
 * same as ac_tk_find_best_match. A search that needs only that spares the LCS of
 * every window that cannot reach thr. */
bool ac_tk_find_match_at_least(struct ac_tracker *t, double thr, int *best_i,
			       double *best);

#endif /* AUTOCUE_TRACKER_INT_H */
