// SPDX-License-Identifier: MIT
/*
 * tracker.c - the reference ScriptTracker (TRACKER-SPEC.md §5), quirks and
 * all (§7): the point is to report the same positions, so odd-looking rules
 * below are deliberate and name the quirk they reproduce.
 *
 * Speed comes from doing per-script work once: script words are decoded to
 * code points at construction, window tokens are interned and ranked so the
 * token-set decomposition of a window is a merge of small integer sets, and
 * the window search result is remembered for the rest of a final (its inputs
 * do not change within one).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "autocue_usdt.h"
#include "fuzzy.h"
#include "normalize.h"
#include "punct.h"
#include "tracker.h"
#include "utf8.h"

AUTOCUE_PROBE(tracker_init);
AUTOCUE_PROBE(tracker_update);
AUTOCUE_PROBE(tracker_update_partial);
AUTOCUE_PROBE(tracker_update_final);
AUTOCUE_PROBE(tracker_process_words);
AUTOCUE_PROBE(tracker_match_single_word);
AUTOCUE_PROBE(tracker_match_words_with_skipping);
AUTOCUE_PROBE(tracker_detect_jump);
AUTOCUE_PROBE(tracker_find_best_match);

#define EXPANSION_THRESHOLD 75.0
#define LM_NONE (-1)
#define LM_CARRIED (-2)		/* last_matched from an earlier update */

/* A span of a shared pool. */
struct span {
	uint32_t off, len;
};

/* One word of the transcript being processed. */
struct uword {
	const char *raw;	/* into the update's text copy */
	uint32_t rawlen;
	uint32_t rawcp;		/* Python len() of the raw word */
	uint32_t norm;		/* offset of the NUL-terminated normal form */
	uint32_t normlen;
	struct span cp;		/* normal form as code points */
};

/* Expansion-matcher state (§5.5): still-possible alternatives of one token
 * and how many of their words have been matched. */
struct matcher {
	const struct ac_word *tok;
	int n;
	int epos;
	uint16_t *act;
};

/* A tracking state; its queue is a window [qh, qn) of t->queue. */
struct tstate {
	int pos;
	int qh, qn;
	int lm;
};

struct result2 {
	int a, b;
};

struct ac_tracker {
	const struct ac_script *s;
	struct ac_tracker_opts o;
	int n;

	/* per script word: code points of its text (for ratio) and of its
	 * normal form (for word_matches), window tokens (interned ids) */
	uint32_t *wcp;
	struct span *wtext, *wnorm;
	int *wtok_off;		/* n + 1 offsets into wtok */
	int *wtok;
	int ntoks;		/* distinct window tokens, ranked by code point */
	const char **tok_str;	/* sorted, points into tok_pool */
	char *tok_pool;
	struct span *tok_cp;
	uint32_t *tok_cps;
	int maxalts;

	/* tracking state (§5.2) */
	struct tstate committed;
	struct matcher cm;	/* the committed state's matcher copy */
	struct matcher w;	/* W, the working matcher */
	uint16_t *keep;		/* matcher_filter scratch */
	int committed_display, speculative_display, current;
	bool last_was_jump;
	int skip_disabled;
	int words_since_validation;
	char *last_partial;
	size_t last_partial_cap;
	bool have_last_partial;
	char *last_final;
	size_t last_final_cap;
	char *carried;		/* normal form of a carried last_matched */
	size_t carried_cap;

	/* the update being processed (grow-only buffers) */
	char *text;
	size_t text_cap;
	struct uword *uw;
	int nuw, uw_cap;
	char *norm;
	size_t norm_cap;
	uint32_t *ucp;
	size_t ucp_cap;
	int *queue;
	int queue_cap;
	unsigned long serial;	/* which update the words belong to */

	/* find_best_match of the running update (§5.10 reduced to the one
	 * entry that matters: a final asks for the same text repeatedly) */
	bool fbm_valid;
	unsigned long fbm_serial;
	int fbm_current, fbm_index;
	double fbm_score;

	/* find_best_match scratch */
	struct qtok {
		const char *s;
		uint32_t len;
		struct span cp;
		int id;
		bool in;
	} *qt;
	int qt_cap;
	uint32_t *jab, *jba;
	size_t jab_cap, jba_cap;
	int *win;
	bool *win_in;
	int win_cap;
};

static const char *const fillers[] = {
	"actually", "ah", "ahh", "anyway", "basically", "eh", "ehh", "er",
	"err", "hm", "hmm", "honestly", "huh", "like", "literally", "mhm",
	"mm", "mmm", "no", "ok", "okay", "right", "so", "uh", "uhh", "um",
	"umm", "well", "yeah", "yes",
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int window_init(struct ac_tracker *t);

static bool is_filler(const char *s)
{
	return bsearch(&s, fillers, sizeof(fillers) / sizeof(fillers[0]),
		       sizeof(fillers[0]), cmp_str) != NULL;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
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

static int grow_int(void **p, int *cap, int need, size_t elem)
{
	size_t c = (size_t)*cap;
	int err = grow(p, &c, (size_t)need, elem);

	if (!err)
		*cap = (int)c;
	return err;
}

static int set_str(char **dst, size_t *cap, const char *src)
{
	size_t len = strlen(src);

	if (grow((void **)dst, cap, len + 1, 1))
		return -ENOMEM;
	memcpy(*dst, src, len + 1);
	return 0;
}

/* ---- script precomputation ------------------------------------------- */

/* Appends the code points of s[0..len) (validated UTF-8) to *pool, which
 * grows as needed; returns the span, or len == UINT32_MAX without memory. */
static struct span pool_cps(uint32_t **pool, size_t *used, size_t *cap,
			    const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	struct span sp = { (uint32_t)*used, 0 };
	uint32_t *o;

	if (grow((void **)pool, cap, *used + len + 1, sizeof(**pool))) {
		sp.len = UINT32_MAX;
		return sp;
	}
	o = *pool + *used;
	while (p < end)
		o[sp.len++] = *p < 0x80 ? *p++ : ac_utf8_next_valid(&p);
	*used += sp.len;
	return sp;
}

static const bool is_normal_ascii[256] = {
	['0' ... '9'] = true, ['a' ... 'z'] = true, ['_'] = true,
};

/*
 * Code points of every script word's text (for ratio) and of its normal
 * form (for word_matches). Plain words are normalized already, so their
 * normal form shares the text's span, and the placeholders are the same
 * string every time, so their spans are shared too: the pool ends up the
 * size of the script's text.
 */
static int build_words(struct ac_tracker *t)
{
	const struct ac_script *s = t->s;
	size_t used = 0, cap, ncap = 0;
	const char *seen[2] = { NULL, NULL };
	struct span seen_text[2], seen_norm[2];
	char *nf = NULL;
	int err = -ENOMEM;

	/* grown as needed: about one code point per byte of word text */
	cap = 8 * (size_t)t->n + 64;
	t->wcp = malloc(cap * sizeof(*t->wcp));
	t->wtext = malloc(((size_t)t->n + 1) * sizeof(*t->wtext));
	t->wnorm = malloc(((size_t)t->n + 1) * sizeof(*t->wnorm));
	if (!t->wcp || !t->wtext || !t->wnorm)
		goto out;
	for (int i = 0; i < t->n; i++) {
		const char *w = s->words[i].text;
		size_t len;
		int k, c;

		if (s->words[i].nalts > t->maxalts)
			t->maxalts = s->words[i].nalts;
		/* the two most recent distinct texts that needed their own
		 * normal form: in practice the two placeholders */
		for (c = 0; c < 2 && seen[c] != w; c++)
			;
		if (c < 2) {
			t->wtext[i] = seen_text[c];
			t->wnorm[i] = seen_norm[c];
			continue;
		}
		len = strlen(w);
		t->wtext[i] = pool_cps(&t->wcp, &used, &cap, w, len);
		if (t->wtext[i].len == UINT32_MAX)
			goto out;
		/* lower-case ASCII letters, digits and '_' are normal */
		for (k = 0; (size_t)k < len; k++)
			if (!is_normal_ascii[(unsigned char)w[k]])
				break;
		if ((size_t)k == len) {
			t->wnorm[i] = t->wtext[i];
			continue;
		}
		if (grow((void **)&nf, &ncap, AC_NORM_CAP(len), 1))
			goto out;
		k = ac_normalize(w, len, nf, ncap);
		if (k < 0) {
			err = -EINVAL;
			goto out;
		}
		if ((size_t)k == len && !memcmp(nf, w, len)) {
			t->wnorm[i] = t->wtext[i];
			continue;
		}
		t->wnorm[i] = pool_cps(&t->wcp, &used, &cap, nf, (size_t)k);
		if (t->wnorm[i].len == UINT32_MAX)
			goto out;
		seen[1] = seen[0];
		seen_text[1] = seen_text[0];
		seen_norm[1] = seen_norm[0];
		seen[0] = w;
		seen_text[0] = t->wtext[i];
		seen_norm[0] = t->wnorm[i];
	}
	err = 0;
out:
	free(nf);
	return err;
}

/* A distinct window token: a view into a script word's text. */
struct tview {
	const char *p;
	uint32_t len;
	uint32_t hash;
};

/* Scans the word starting at p (not whitespace) up to its first whitespace
 * character (str.isspace()) or the end of the string, and returns its end;
 * with hash, hashes it too (FNV-1a). Inlined, so that each caller gets the
 * loop with or without the hashing. */
static inline __attribute__((always_inline)) const unsigned char *
scan_word(const unsigned char *p, uint32_t *hash)
{
	uint32_t h = 2166136261u;

	while (*p) {
		const unsigned char *q = p;

		if (*p < 0x80) {
			if (*p <= 0x20 && ac_uc_isspace(*p))
				break;
			q++;
		} else if (ac_uc_isspace(ac_utf8_next_valid(&q))) {
			break;
		}
		if (!hash)
			p = q;
		for (; p < q; p++)
			h = (h ^ *p) * 16777619u;
	}
	if (hash)
		*hash = h;
	return p;
}

static const unsigned char *skip_space(const unsigned char *p)
{
	while (*p) {
		const unsigned char *q = p;

		if (*p < 0x80) {
			if (*p > 0x20 || !ac_uc_isspace(*p))
				break;
			q++;
		} else if (!ac_uc_isspace(ac_utf8_next_valid(&q))) {
			break;
		}
		p = q;
	}
	return p;
}

/* The next word of a str.split() at or after *pp: returns its start and
 * moves *pp to its end; NULL when only whitespace is left. */
static inline const unsigned char *next_word(const unsigned char **pp)
{
	const unsigned char *start = skip_space(*pp);

	if (!*start)
		return NULL;
	*pp = scan_word(start, NULL);
	return start;
}

/* Interning table: open addressing over ids into dist[], at most half
 * full; sized for the distinct tokens, which are few next to the words. */
struct intern {
	int *slot;
	size_t nslots;
	struct tview *dist;
	size_t ndist, dist_cap;
};

static int intern_rehash(struct intern *in, size_t nslots)
{
	int *slot = malloc(nslots * sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	memset(slot, 0xff, nslots * sizeof(*slot));
	for (size_t d = 0; d < in->ndist; d++) {
		size_t h = in->dist[d].hash & (nslots - 1);

		while (slot[h] >= 0)
			h = (h + 1) & (nslots - 1);
		slot[h] = (int)d;
	}
	free(in->slot);
	in->slot = slot;
	in->nslots = nslots;
	return 0;
}

/* id of the token, added if new; -ENOMEM */
static int intern_add(struct intern *in, const char *p, uint32_t len,
		      uint32_t hash)
{
	size_t h;

	if (2 * (in->ndist + 1) > in->nslots &&
	    intern_rehash(in, 2 * in->nslots))
		return -ENOMEM;
	for (h = hash & (in->nslots - 1);; h = (h + 1) & (in->nslots - 1)) {
		const struct tview *d;

		if (in->slot[h] < 0)
			break;
		d = &in->dist[in->slot[h]];
		if (d->hash == hash && d->len == len) {
			uint32_t k = 0;

			/* tokens are short: no call to memcmp */
			while (k < len && d->p[k] == p[k])
				k++;
			if (k == len)
				return in->slot[h];
		}
	}
	if (grow((void **)&in->dist, &in->dist_cap, in->ndist + 1,
		 sizeof(*in->dist)))
		return -ENOMEM;
	in->dist[in->ndist] = (struct tview){ p, len, hash };
	in->slot[h] = (int)in->ndist;
	return (int)in->ndist++;
}

/* Sort key of a token: its first 8 bytes, big-endian, zero-padded, which
 * orders like strcmp as far as it goes (tokens hold no NUL). */
struct rkey {
	uint64_t k;
	int id;
};

static uint64_t prefix_key(const char *p, uint32_t len)
{
	uint64_t k = 0;

	for (uint32_t i = 0; i < 8; i++)
		k = k << 8 | (i < len ? (unsigned char)p[i] : 0);
	return k;
}

static bool rkey_less(const struct rkey *a, const struct rkey *b,
		      const struct tview *dist)
{
	if (a->k != b->k)
		return a->k < b->k;
	return strcmp(dist[a->id].p, dist[b->id].p) < 0;
}

/* Quicksort on integer keys (strcmp only on 8-byte ties): the comparator
 * call of qsort dominated the tracker's construction. */
static void rkey_sort(struct rkey *v, size_t n, const struct tview *dist)
{
	while (n > 16) {
		struct rkey pivot = v[n / 2], tmp;
		size_t i = 0, j = n - 1;

		for (;;) {
			while (rkey_less(&v[i], &pivot, dist))
				i++;
			while (rkey_less(&pivot, &v[j], dist))
				j--;
			if (i >= j)
				break;
			tmp = v[i];
			v[i++] = v[j];
			v[j--] = tmp;
		}
		/* recurse into the smaller part, loop on the larger */
		if (j + 1 < n - j - 1) {
			rkey_sort(v, j + 1, dist);
			v += j + 1;
			n -= j + 1;
		} else {
			rkey_sort(v + j + 1, n - j - 1, dist);
			n = j + 1;
		}
	}
	for (size_t i = 1; i < n; i++) {
		struct rkey x = v[i];
		size_t j = i;

		for (; j > 0 && rkey_less(&x, &v[j - 1], dist); j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Whitespace tokens of the script words' texts (placeholders such as
 * "<numeric expansion>" are two), interned by hashing, then ranked in
 * code-point order (strcmp order for UTF-8). Only the distinct tokens are
 * sorted: a script has a few thousand of them among ten thousand words. */
static int build_tokens(struct ac_tracker *t)
{
	const struct ac_script *s = t->s;
	struct intern in = { 0 };
	struct rkey *keys = NULL;
	int *rank = NULL;
	size_t wtok_cap = 0, bytes = 0, pos = 0, used = 0, cps_cap = 0;
	int nall = 0, err = -ENOMEM;

	t->wtok_off = malloc(((size_t)t->n + 1) * sizeof(*t->wtok_off));
	if (!t->wtok_off || intern_rehash(&in, 1024) ||
	    grow((void **)&t->wtok, &wtok_cap, (size_t)t->n + 16,
		 sizeof(*t->wtok)))
		goto out;

	/* cut every word into tokens; the texts are terminated strings, so
	 * a token's bytes are followed by whitespace or NUL */
	for (int i = 0; i < t->n; i++) {
		const unsigned char *p =
			skip_space((const unsigned char *)s->words[i].text);

		t->wtok_off[i] = nall;
		while (*p) {
			const unsigned char *e;
			uint32_t h;
			int id;

			e = scan_word(p, &h);
			id = intern_add(&in, (const char *)p,
					(uint32_t)(e - p), h);
			if (id < 0 ||
			    grow((void **)&t->wtok, &wtok_cap,
				 (size_t)nall + 2, sizeof(*t->wtok)))
				goto out;
			t->wtok[nall++] = id;
			p = skip_space(e);
		}
	}
	t->wtok_off[t->n] = nall;

	/* NUL-terminated copies of the distinct tokens, ranked */
	for (size_t d = 0; d < in.ndist; d++)
		bytes += in.dist[d].len + 1;
	t->tok_pool = malloc(bytes + 1);
	t->tok_str = malloc((in.ndist + 1) * sizeof(*t->tok_str));
	t->tok_cp = malloc((in.ndist + 1) * sizeof(*t->tok_cp));
	keys = malloc((in.ndist + 1) * sizeof(*keys));
	rank = malloc((in.ndist + 1) * sizeof(*rank));
	if (!t->tok_pool || !t->tok_str || !t->tok_cp || !keys || !rank)
		goto out;
	for (size_t d = 0; d < in.ndist; d++) {
		struct tview *v = &in.dist[d];

		memcpy(t->tok_pool + pos, v->p, v->len);
		t->tok_pool[pos + v->len] = '\0';
		v->p = t->tok_pool + pos;	/* terminated, for strcmp */
		pos += v->len + 1;
		keys[d] = (struct rkey){ prefix_key(v->p, v->len), (int)d };
	}
	rkey_sort(keys, in.ndist, in.dist);
	for (size_t r = 0; r < in.ndist; r++) {
		const struct tview *v = &in.dist[keys[r].id];

		rank[keys[r].id] = (int)r;
		t->tok_str[r] = v->p;
		t->tok_cp[r] = pool_cps(&t->tok_cps, &used, &cps_cap, v->p,
					v->len);
		if (t->tok_cp[r].len == UINT32_MAX)
			goto out;
	}
	for (int i = 0; i < nall; i++)
		t->wtok[i] = rank[t->wtok[i]];
	t->ntoks = (int)in.ndist;
	err = 0;
out:
	free(in.slot);
	free(in.dist);
	free(keys);
	free(rank);
	return err;
}

static int matcher_init(struct matcher *m, int cap)
{
	m->tok = NULL;
	m->n = 0;
	m->epos = 0;
	m->act = malloc(((size_t)cap + 1) * sizeof(*m->act));
	return m->act ? 0 : -ENOMEM;
}

static void matcher_copy(struct matcher *dst, const struct matcher *src)
{
	dst->tok = src->tok;
	dst->n = src->n;
	dst->epos = src->epos;
	memcpy(dst->act, src->act, (size_t)src->n * sizeof(*dst->act));
}

static void matcher_clear(struct matcher *m)
{
	m->n = 0;
	m->epos = 0;
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
	t->committed.lm = LM_NONE;
	if (build_words(t) || build_tokens(t) || window_init(t))
		goto fail;
	if (matcher_init(&t->cm, t->maxalts) ||
	    matcher_init(&t->w, t->maxalts))
		goto fail;
	t->keep = malloc(((size_t)t->maxalts + 1) * sizeof(*t->keep));
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
	free(t->wcp);
	free(t->wtext);
	free(t->wnorm);
	free(t->wtok_off);
	free(t->wtok);
	free(t->tok_str);
	free(t->tok_pool);
	free(t->tok_cp);
	free(t->tok_cps);
	free(t->cm.act);
	free(t->w.act);
	free(t->last_partial);
	free(t->last_final);
	free(t->carried);
	free(t->text);
	free(t->uw);
	free(t->norm);
	free(t->ucp);
	free(t->queue);
	free(t->qt);
	free(t->jab);
	free(t->jba);
	free(t->win);
	free(t->win_in);
	free(t->keep);
	free(t);
}

/* ---- the update's words ----------------------------------------------- */

/* Python str.strip(): returns the trimmed span of s. */
static const char *strip(const char *s, size_t *len)
{
	const unsigned char *p = (const unsigned char *)s, *end, *q, *last;

	while (*p) {
		q = p;
		if (!ac_uc_isspace(ac_utf8_next_valid(&q)))
			break;
		p = q;
	}
	end = last = p;
	while (*end) {
		q = end;
		if (!ac_uc_isspace(ac_utf8_next_valid(&q)))
			last = q;
		end = q;
	}
	*len = (size_t)(last - p);
	return (const char *)p;
}

/*
 * Copies text (already stripped, len bytes), splits it like str.split()
 * and normalizes every word. Pointers into the buffers stay valid until the
 * next call.
 */
static int load_words(struct ac_tracker *t, const char *text, size_t len)
{
	const unsigned char *p, *start;
	size_t normpos = 0, cppos = 0;
	int err;

	if (grow((void **)&t->text, &t->text_cap, len + 1, 1))
		return -ENOMEM;
	memcpy(t->text, text, len);
	t->text[len] = '\0';
	t->nuw = 0;
	t->serial++;
	p = (const unsigned char *)t->text;
	while ((start = next_word(&p))) {
		struct uword *u;

		if (grow_int((void **)&t->uw, &t->uw_cap, t->nuw + 1,
			     sizeof(*t->uw)))
			return -ENOMEM;
		u = &t->uw[t->nuw++];
		u->raw = (const char *)start;
		u->rawlen = (uint32_t)(p - start);
		u->rawcp = (uint32_t)ac_utf8_count(u->raw, u->rawlen);
	}
	/* normal forms are written after splitting: the pools may move */
	if (grow((void **)&t->norm, &t->norm_cap, AC_NORM_CAP(len) + t->nuw,
		 1))
		return -ENOMEM;
	if (grow((void **)&t->ucp, &t->ucp_cap, 3 * len + 1, sizeof(*t->ucp)))
		return -ENOMEM;
	for (int i = 0; i < t->nuw; i++) {
		struct uword *u = &t->uw[i];
		int nl = ac_normalize(u->raw, u->rawlen, t->norm + normpos,
				      t->norm_cap - normpos);
		long nc;

		if (nl < 0)
			return -EINVAL;
		u->norm = (uint32_t)normpos;
		u->normlen = (uint32_t)nl;
		nc = ac_utf8_decode(t->norm + normpos, (size_t)nl,
				    t->ucp + cppos);
		if (nc < 0)
			return -EINVAL;
		u->cp.off = (uint32_t)cppos;
		u->cp.len = (uint32_t)nc;
		cppos += (size_t)nc;
		normpos += (size_t)nl + 1;
	}
	err = grow_int((void **)&t->queue, &t->queue_cap, t->nuw + 1,
		       sizeof(*t->queue));
	return err;
}

static inline const char *unorm(const struct ac_tracker *t, int i)
{
	return t->norm + t->uw[i].norm;
}

static inline const uint32_t *ucps(const struct ac_tracker *t, int i)
{
	return t->ucp + t->uw[i].cp.off;
}

/* normal form of a state's last_matched, or NULL */
static const char *lm_norm(const struct ac_tracker *t, int lm)
{
	if (lm == LM_NONE)
		return NULL;
	if (lm == LM_CARRIED)
		return t->carried;
	return unorm(t, lm);
}

/* ---- word comparisons --------------------------------------------------- */

static bool ratio_at_least(const uint32_t *a, size_t la, const uint32_t *b,
			   size_t lb, double thr)
{
	if (ac_ratio_bound(la, lb) < thr)
		return false;
	return ac_ratio_cp(a, la, b, lb) >= thr;
}

/* word_matches (§5.9.1) with both sides already normalized: the spoken side
 * is uword i, the script side word j's normal form. */
static bool word_matches(const struct ac_tracker *t, int i, int j)
{
	const struct uword *u = &t->uw[i];
	const struct span *sp = &t->wnorm[j];
	const uint32_t *b = t->wcp + sp->off;

	if (!u->cp.len || !sp->len)
		return false;
	if (u->cp.len == sp->len &&
	    !memcmp(ucps(t, i), b, sp->len * sizeof(*b)))
		return true;
	return ratio_at_least(ucps(t, i), u->cp.len, b, sp->len,
			      t->o.match_threshold);
}

/* One expansion word against the spoken normal form. */
static bool alt_word_matches(const struct ac_tracker *t, int i, const char *w)
{
	uint32_t buf[64], *cp = buf;
	size_t bl = strlen(w);
	long n;
	bool r = false;

	if (!strcmp(unorm(t, i), w))
		return true;
	if (bl > 64) {
		cp = malloc(bl * sizeof(*cp));
		if (!cp)
			return false;
	}
	n = ac_utf8_decode(w, bl, cp);
	if (n >= 0)
		r = ratio_at_least(ucps(t, i), t->uw[i].cp.len, cp, (size_t)n,
				   EXPANSION_THRESHOLD);
	if (cp != buf)
		free(cp);
	return r;
}

/* ---- expansion matcher -------------------------------------------------- */

static void matcher_start(struct matcher *m, const struct ac_word *tok)
{
	m->tok = tok;
	m->epos = 0;
	m->n = tok->nalts;
	for (int k = 0; k < tok->nalts; k++)
		m->act[k] = (uint16_t)k;
}

/* Keeps the alternatives whose next word is the spoken word i; false (and
 * nothing changed) if none is. */
static bool matcher_filter(const struct ac_tracker *t, struct matcher *m,
			   int i)
{
	int kept = 0;

	if (!m->n || !t->uw[i].normlen)
		return false;
	for (int k = 0; k < m->n; k++) {
		const struct ac_alt *a = &m->tok->alts[m->act[k]];

		if (m->epos < a->n && alt_word_matches(t, i, a->w[m->epos]))
			t->keep[kept++] = m->act[k];
	}
	if (!kept)
		return false;
	memcpy(m->act, t->keep, (size_t)kept * sizeof(*m->act));
	m->n = kept;
	m->epos++;
	return true;
}

static bool matcher_complete(const struct matcher *m)
{
	for (int k = 0; k < m->n; k++)
		if (m->tok->alts[m->act[k]].n <= m->epos)
			return true;
	return false;
}

/* ---- matching (§5.4-§5.7) ----------------------------------------------- */

enum { NO = 0, MATCHED = 1, ADVANCED = 2 };

/* Feeds word wi to the expansion in progress: MATCHED, with ADVANCED when
 * that completes it (it is then cleared), or NO with it cleared. */
static inline int matcher_feed(const struct ac_tracker *t, struct matcher *m,
			       int wi)
{
	if (matcher_filter(t, m, wi)) {
		if (matcher_complete(m)) {
			matcher_clear(m);
			return MATCHED | ADVANCED;
		}
		return MATCHED;
	}
	matcher_clear(m);
	return NO;
}

static int match_single(struct ac_tracker *t, int wi, struct tstate *st)
{
	AUTOCUE_TRACE(tracker_match_single_word);
	const struct ac_word *sw;
	const struct uword *u = &t->uw[wi];
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
	if (t->w.n && (r = matcher_feed(t, &t->w, wi)))
		return r;
	sw = &t->s->words[p];
	if (sw->nalts) {
		matcher_start(&t->w, sw);
		if ((r = matcher_feed(t, &t->w, wi)))
			return r;
	} else if (ratio_at_least(ucps(t, wi), u->cp.len,
				  t->wcp + t->wtext[p].off, t->wtext[p].len,
				  t->o.match_threshold)) {
		/* the reference's "spoken == script word" compares a str with
		 * an object and never holds (Q15); exact words score 100 */
		return MATCHED | ADVANCED;
	}
	if (is_filler(unorm(t, wi)))
		return MATCHED;
	last = lm_norm(t, st->lm);
	if (last && !strcmp(unorm(t, wi), last))
		return MATCHED;
	return NO;
}

static bool is_compound(const struct ac_tracker *t, const struct ac_word *sw,
			int p, int wi, int next)
{
	const struct uword *a = &t->uw[wi], *b = &t->uw[next];
	size_t tl;

	if (sw->nalts)
		return false;
	if ((double)t->wtext[p].len < (double)a->rawcp * 1.5)
		return false;
	/* raw spoken strings against the normalized script word, as the
	 * reference does */
	tl = strlen(sw->text);
	return tl == (size_t)a->rawlen + b->rawlen &&
	       !memcmp(sw->text, a->raw, a->rawlen) &&
	       !memcmp(sw->text + a->rawlen, b->raw, b->rawlen);
}

static struct result2 skip_attempt(struct ac_tracker *t, struct tstate *st,
				   int budget, int mode, int start)
{
	struct tstate sc = { .pos = start, .qh = st->qh, .qn = st->qn,
			     .lm = st->lm };
	int skipped = 0, consumed = 0, adv = 0;

	while (sc.qh < sc.qn && skipped <= budget && sc.pos < t->n) {
		int wi = t->queue[sc.qh++];
		const struct ac_word *sw = &t->s->words[sc.pos];
		int r;

		if (sc.qh < sc.qn &&
		    is_compound(t, sw, sc.pos, wi, t->queue[sc.qh])) {
			sc.qh++;
			consumed += 1 + skipped;
			adv++;
			sc.pos++;
			sc.lm = LM_NONE;
			break;
		}
		r = match_single(t, wi, &sc);
		if (r & MATCHED) {
			sc.lm = wi;
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
		sc.lm = LM_NONE;
		if (sw->nalts)
			matcher_clear(&t->w);
	}
	if (consumed > 0) {
		st->qh = sc.qh;
		st->lm = sc.lm;
	}
	return (struct result2){ consumed, adv };
}

static struct result2 skip_match(struct ac_tracker *t, struct tstate *st,
				 int budget)
{
	AUTOCUE_TRACE(tracker_match_words_with_skipping);

	/* an attempt starting past the script matches nothing, so the budget
	 * (up to INT_MAX from the options) need not be walked to its end */
	for (int off = 0; off <= budget && off < t->n - st->pos; off++) {
		/* T+S: transcript and script word skipped together; then T@S:
		 * only the transcript word */
		for (int mode = 1; mode >= 0; mode--) {
			struct result2 r = skip_attempt(t, st, budget, mode,
							st->pos + off);

			if (r.a > 0)
				return (struct result2){ r.a, r.b + off };
		}
	}
	return (struct result2){ 0, 0 };
}

/* ---- window search (§5.9) ------------------------------------------------ */

static int qtok_cmp(const void *a, const void *b)
{
	return strcmp(((const struct qtok *)a)->s, ((const struct qtok *)b)->s);
}

/* Sorted distinct normalized words of the update; returns the count, sets
 * *qc to the number of non-empty words (duplicates included). */
static int query_tokens(struct ac_tracker *t, int *qc)
{
	int nq = 0, u = 0;

	if (grow_int((void **)&t->qt, &t->qt_cap, t->nuw + 1, sizeof(*t->qt)))
		return -ENOMEM;
	for (int i = 0; i < t->nuw; i++) {
		if (!t->uw[i].normlen)
			continue;
		t->qt[nq].s = unorm(t, i);
		t->qt[nq].len = t->uw[i].cp.len;
		t->qt[nq].cp = t->uw[i].cp;
		nq++;
	}
	*qc = nq;
	qsort(t->qt, (size_t)nq, sizeof(*t->qt), qtok_cmp);
	for (int i = 0; i < nq; i++) {
		const char **hit;

		if (u && !strcmp(t->qt[u - 1].s, t->qt[i].s))
			continue;
		t->qt[u] = t->qt[i];
		hit = bsearch(&t->qt[u].s, t->tok_str, (size_t)t->ntoks,
			      sizeof(*t->tok_str), cmp_str);
		t->qt[u].id = hit ? (int)(hit - t->tok_str) : -1;
		u++;
	}
	return u;
}

/* token_set_ratio(q, window at i); *wc gets the window's token count. */
static double window_score(struct ac_tracker *t, int nq, int i, int *wc)
{
	/* compared as a distance: i + window_size may not fit in an int */
	int end = t->n - i > t->o.window_size ? i + t->o.window_size : t->n;
	int nw = 0, u = 0, ni = 0, nda = 0, ndb = 0;
	size_t sect = 0, lab = 0, lba = 0;

	for (int j = i; j < end; j++)
		for (int k = t->wtok_off[j]; k < t->wtok_off[j + 1]; k++)
			t->win[nw++] = t->wtok[k];
	*wc = nw;
	if (nw > 1) {
		/* windows are short: insertion sort beats qsort here */
		for (int a = 1; a < nw; a++) {
			int v = t->win[a], b = a - 1;

			while (b >= 0 && t->win[b] > v) {
				t->win[b + 1] = t->win[b];
				b--;
			}
			t->win[b + 1] = v;
		}
	}
	for (int a = 0; a < nw; a++)
		if (!u || t->win[u - 1] != t->win[a])
			t->win[u++] = t->win[a];
	nw = u;
	if (!nq || !nw)
		return 0.0;
	memset(t->win_in, 0, (size_t)nw * sizeof(*t->win_in));
	for (int k = 0; k < nq; k++) {
		struct qtok *q = &t->qt[k];

		q->in = false;
		if (q->id < 0)
			continue;
		for (int a = 0; a < nw; a++) {
			if (t->win[a] == q->id) {
				q->in = true;
				t->win_in[a] = true;
				sect += q->len + (ni ? 1 : 0);
				ni++;
				break;
			}
		}
	}
	nda = nq - ni;
	ndb = nw - ni;
	if (ni && (!nda || !ndb))
		return 100.0;
	for (int k = 0; k < nq; k++) {
		const struct qtok *q = &t->qt[k];

		if (q->in)
			continue;
		if (lab)
			t->jab[lab++] = ' ';
		memcpy(t->jab + lab, t->ucp + q->cp.off,
		       q->cp.len * sizeof(*t->jab));
		lab += q->cp.len;
	}
	for (int a = 0; a < nw; a++) {
		const struct span *sp = &t->tok_cp[t->win[a]];

		if (t->win_in[a])
			continue;
		if (lba)
			t->jba[lba++] = ' ';
		memcpy(t->jba + lba, t->tok_cps + sp->off,
		       sp->len * sizeof(*t->jba));
		lba += sp->len;
	}
	return ac_token_set_combine(sect, t->jab, lab, t->jba, lba);
}

/* Window scratch sized once per script: the window only slides, so the
 * largest token count and joined length over all starts bound every call. */
static int window_init(struct ac_tracker *t)
{
	int maxw = 0, w = t->o.window_size;
	size_t maxba = 0, l = 0;

	/* joined length of each window, sliding: add the word entering,
	 * drop the one leaving */
	for (int e = 0; e < t->n; e++) {
		int i = e + 1 - w;

		for (int j = t->wtok_off[e]; j < t->wtok_off[e + 1]; j++)
			l += t->tok_cp[t->wtok[j]].len + 1;
		if (i > 0)
			for (int j = t->wtok_off[i - 1]; j < t->wtok_off[i]; j++)
				l -= t->tok_cp[t->wtok[j]].len + 1;
		if (i < 0 && e + 1 < t->n)
			continue;
		if (i < 0)
			i = 0;
		if (t->wtok_off[e + 1] - t->wtok_off[i] > maxw)
			maxw = t->wtok_off[e + 1] - t->wtok_off[i];
		if (l > maxba)
			maxba = l;
	}
	t->win = malloc(((size_t)maxw + 1) * sizeof(*t->win));
	t->win_in = malloc(((size_t)maxw + 1) * sizeof(*t->win_in));
	t->jba = malloc((maxba + 1) * sizeof(*t->jba));
	if (!t->win || !t->win_in || !t->jba)
		return -ENOMEM;
	t->win_cap = maxw + 1;
	t->jba_cap = maxba + 1;
	return 0;
}

/* Room for the query's joined difference string. */
static int query_scratch(struct ac_tracker *t)
{
	size_t qlen = 0;

	for (int i = 0; i < t->nuw; i++)
		qlen += t->uw[i].cp.len + 1;
	return grow((void **)&t->jab, &t->jab_cap, qlen + 1, sizeof(*t->jab));
}

/* find_best_match over the update's words (the reference joins the
 * normalized words with single spaces, then splits again: only non-empty
 * ones count). */
static void find_best_match(struct ac_tracker *t, int *best_i, double *best)
{
	AUTOCUE_TRACE(tracker_find_best_match);
	int cur = t->current, lo, hi, nq, qc, m;
	bool all_empty = true;

	*best_i = cur;
	*best = 0.0;
	if (!t->nuw)
		return;
	if (t->fbm_valid && t->fbm_serial == t->serial &&
	    t->fbm_current == cur) {
		*best_i = t->fbm_index;
		*best = t->fbm_score;
		return;
	}
	for (int i = 0; i < t->nuw; i++)
		if (t->uw[i].normlen)
			all_empty = false;
	/* q is literally "" only for a single word that normalizes to ""; two
	 * such words give " ", which goes on to score every window 0 */
	if (all_empty && t->nuw == 1)
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
	for (int i = lo; i < hi; i++) {
		int wc;
		double sc = window_score(t, nq, i, &wc);

		if (wc < m)
			sc = sc * ((double)wc / (double)m);
		if (i >= cur)
			sc += 2;
		if (sc > *best) {
			*best = sc;
			*best_i = i;
		}
	}
	t->fbm_valid = true;
	t->fbm_serial = t->serial;
	t->fbm_current = cur;
	t->fbm_index = *best_i;
	t->fbm_score = *best;
}

int ac_tracker_find_best_match(struct ac_tracker *t, const char *text,
			       double *score)
{
	size_t len;
	const char *s;
	int bi;
	double b;

	*score = 0.0;
	if (!ac_utf8_valid(text, strlen(text)))
		return t->current;
	s = strip(text, &len);
	if (!len || load_words(t, s, len))
		return t->current;
	find_best_match(t, &bi, &b);
	*score = b;
	return bi;
}

/* near_position (§5.9.1) for the update's words */
static bool near_position(const struct ac_tracker *t, int p)
{
	int lo, hi, first, matches = 0;

	if (!t->nuw || p >= t->n)
		return false;
	lo = p - 3 > 0 ? p - 3 : 0;
	hi = p + 3 < t->n ? p + 3 : t->n;
	first = t->nuw >= 3 ? t->nuw - 3 : 0;
	for (int i = first; i < t->nuw; i++)
		for (int j = lo; j < hi; j++)
			if (word_matches(t, i, j)) {
				matches++;
				break;
			}
	return (double)matches >= (double)(t->nuw - first) * 0.5;
}

/* §5.8: jump detection for a final; T is always the update's whole text. */
static bool detect_jump(struct ac_tracker *t, struct tstate *st)
{
	AUTOCUE_TRACE(tracker_detect_jump);
	int best, d, ad, jt = t->o.jump_threshold, off = 0, lim, np;
	double conf;
	bool back, fwd;

	if (st->qn - st->qh < 3)
		return false;
	find_best_match(t, &best, &conf);
	if (conf < t->o.match_threshold)
		return false;
	d = st->pos - best;
	ad = d < 0 ? -d : d;
	if (ad <= jt)
		return false;
	if (near_position(t, st->pos))
		return false;
	if (ad > t->o.max_jump_distance)
		return false;
	back = best < st->pos - jt && st->pos > 0 && d > jt;
	fwd = d < -jt && best > st->pos;
	if (!back && !fwd)
		return false;
	lim = t->o.window_size < t->n - best ? t->o.window_size : t->n - best;
	for (int o = 0; o < lim; o++) {
		if (best + o < t->n && word_matches(t, 0, best + o)) {
			off = o;
			break;
		}
	}
	/* fillers count towards the length of T (Q5) */
	np = best + off + t->nuw;
	if (t->n == 0)
		np = 0;
	else if (np > t->n - 1)
		np = t->n - 1;
	st->pos = np;
	st->qh = st->qn;
	st->lm = LM_NONE;
	if (back)
		t->skip_disabled = 3;
	matcher_clear(&t->w);
	return true;
}

static void process(struct ac_tracker *t, struct tstate *st, int budget,
		    bool final)
{
	AUTOCUE_TRACE(tracker_process_words);
	int prev = st->qn - st->qh + 1;

	if (final)
		t->last_was_jump = false;
	while (st->qh < st->qn && prev > st->qn - st->qh) {
		int wi, r;

		prev = st->qn - st->qh;
		wi = t->queue[st->qh++];
		r = match_single(t, wi, st);
		if (r & MATCHED) {
			st->lm = wi;
			if (r & ADVANCED) {
				st->pos++;
				if (final) {
					t->words_since_validation++;
					if (t->skip_disabled > 0)
						t->skip_disabled--;
				}
			}
		} else {
			struct result2 m = { 0, 0 };

			st->lm = LM_NONE;
			t->queue[--st->qh] = wi;
			if (t->skip_disabled == 0)
				m = skip_match(t, st, budget);
			if (m.a > 0) {
				st->pos += m.b;
				if (final)
					t->words_since_validation += m.b;
			} else if (final &&
				   st->qn - st->qh >= t->o.jump_threshold) {
				if (detect_jump(t, st))
					t->last_was_jump = true;
			}
		}
	}
}

/* process, then drop the first unmatched word and retry until the queue is
 * empty; each round discards one word for good (Q16). */
static void process_all(struct ac_tracker *t, struct tstate *st, int budget,
			bool final)
{
	process(t, st, budget, final);
	while (st->qh < st->qn) {
		st->qh++;
		if (st->qh < st->qn)
			process(t, st, budget, final);
	}
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

/* ---- updates (§5.3) -------------------------------------------------------- */

static struct ac_position update_partial(struct ac_tracker *t,
					 const char *text, size_t len)
{
	AUTOCUE_TRACE(tracker_update_partial);
	struct tstate spec;

	if (t->have_last_partial && strlen(t->last_partial) == len &&
	    !memcmp(t->last_partial, text, len))
		return ac_tracker_position(t);
	if (load_words(t, text, len))
		return ac_tracker_position(t);
	/* every partial re-matches the whole utterance from the committed
	 * state, whose queue is always empty between updates (Q2) */
	spec = t->committed;
	spec.qh = 0;
	spec.qn = t->nuw;
	for (int i = 0; i < t->nuw; i++)
		t->queue[i] = i;
	matcher_copy(&t->w, &t->cm);
	process_all(t, &spec, 1, false);
	if (spec.pos > t->speculative_display)
		t->speculative_display = spec.pos;
	matcher_copy(&t->w, &t->cm);
	t->current = t->committed_display > t->speculative_display ?
			     t->committed_display : t->speculative_display;
	if (set_str(&t->last_partial, &t->last_partial_cap, t->text) == 0)
		t->have_last_partial = true;
	return ac_tracker_position(t);
}

/* How many leading words of the loaded update equal the previous final's,
 * compared normalized (§5.3.3). */
static int prefix_with(const struct ac_tracker *t, const char *prev)
{
	const unsigned char *p = (const unsigned char *)prev, *start;
	char buf[256], *nb;
	int k = 0;

	while (k < t->nuw && (start = next_word(&p))) {
		size_t wl, cap;
		int nl;
		bool same;

		wl = (size_t)(p - start);
		cap = AC_NORM_CAP(wl);
		nb = cap <= sizeof(buf) ? buf : malloc(cap);
		if (!nb)
			break;
		nl = ac_normalize((const char *)start, wl, nb, cap);
		same = nl >= 0 && (uint32_t)nl == t->uw[k].normlen &&
		       !memcmp(nb, unorm(t, k), (size_t)nl);
		if (nb != buf)
			free(nb);
		if (!same)
			break;
		k++;
	}
	return k;
}

static struct ac_position update_final(struct ac_tracker *t, const char *text,
				       size_t len)
{
	AUTOCUE_TRACE(tracker_update_final);
	int k;

	if (load_words(t, text, len))
		return ac_tracker_position(t);
	/* shared leading words of consecutive utterances are dropped (Q1) */
	k = prefix_with(t, t->last_final);
	if (k >= t->nuw) {
		/* no new words: current is not refreshed (Q3) */
		set_str(&t->last_final, &t->last_final_cap, t->text);
		t->speculative_display = t->committed_display;
		t->last_partial[0] = '\0';
		t->have_last_partial = false;
		return ac_tracker_position(t);
	}
	t->committed.qh = 0;
	t->committed.qn = t->nuw - k;
	for (int i = k; i < t->nuw; i++)
		t->queue[i - k] = i;
	matcher_copy(&t->w, &t->cm);
	process_all(t, &t->committed,
		    t->o.max_skip_distance > INT_MAX / 2 ?
			    INT_MAX : 2 * t->o.max_skip_distance,
		    true);
	t->committed.qh = t->committed.qn = 0;
	t->committed_display = t->committed.pos;
	matcher_copy(&t->cm, &t->w);
	t->speculative_display = t->committed_display;
	t->last_partial[0] = '\0';
	t->have_last_partial = false;
	t->current = t->committed_display;
	/* last_matched outlives this update's word buffers */
	if (t->committed.lm >= 0) {
		if (set_str(&t->carried, &t->carried_cap,
			    unorm(t, t->committed.lm)))
			t->committed.lm = LM_NONE;
		else
			t->committed.lm = LM_CARRIED;
	}
	set_str(&t->last_final, &t->last_final_cap, t->text);
	return ac_tracker_position(t);
}

struct ac_position ac_tracker_update(struct ac_tracker *t, const char *text,
				     bool is_partial)
{
	AUTOCUE_TRACE(tracker_update);
	const char *s;
	size_t len;

	if (!text || !ac_utf8_valid(text, strlen(text)))
		return ac_tracker_position(t);
	s = strip(text, &len);
	if (!len)
		return ac_tracker_position(t);
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
	t->committed.qh = t->committed.qn = 0;
	t->committed.lm = LM_NONE;
	t->last_final[0] = '\0';
	/* the committed copy is taken before W is cleared (Q9) */
	matcher_copy(&t->cm, &t->w);
	t->committed_display = t->speculative_display = 0;
	t->last_partial[0] = '\0';
	t->have_last_partial = false;
	matcher_clear(&t->w);
	t->fbm_valid = false;
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
	struct tstate tmp = t->committed;
	const char *s;
	size_t len;
	bool jumped = false;

	t->words_since_validation = 0;
	if (text && ac_utf8_valid(text, strlen(text))) {
		s = strip(text, &len);
		if (load_words(t, s, len) == 0) {
			tmp.qh = 0;
			tmp.qn = t->nuw;
			for (int i = 0; i < t->nuw; i++)
				t->queue[i] = i;
			jumped = detect_jump(t, &tmp);
		}
	}
	t->last_was_jump = jumped;
	if (jumped) {
		t->committed.pos = tmp.pos;
		t->committed.qh = t->committed.qn = 0;
		t->committed.lm = LM_NONE;
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
	/* load_words needs a mutable tracker; the reference's
	 * extract_new_words is a pure query, so work on a scratch one */
	struct ac_tracker *tmp = calloc(1, sizeof(*tmp));
	const char *s;
	size_t len;
	int k = 0;

	if (nwords)
		*nwords = 0;
	if (!tmp)
		return 0;
	if (!text || !ac_utf8_valid(text, strlen(text)))
		goto cleanup;
	s = strip(text, &len);
	if (load_words(tmp, s, len))
		goto cleanup;
	if (nwords)
		*nwords = tmp->nuw;
	k = prefix_with(tmp, t->last_final);
cleanup:
	free(tmp->text);
	free(tmp->uw);
	free(tmp->norm);
	free(tmp->ucp);
	free(tmp->queue);
	free(tmp);
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
}

void ac_tracker_clear_expansion_state(struct ac_tracker *t)
{
	matcher_clear(&t->w);
}

bool ac_tracker_allow_jump_detection(const struct ac_tracker *t)
{
	return t->words_since_validation >= t->o.jump_threshold;
}

int ac_tracker_active_expansions(const struct ac_tracker *t)
{
	return t->w.n;
}

int ac_tracker_expansion_position(const struct ac_tracker *t)
{
	return t->w.epos;
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
