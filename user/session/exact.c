// SPDX-License-Identifier: MIT
/* Exact mode's durations, spilled to a temporary file: see exact.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "autocue_trace.h"
#include "exact.h"

#define REC	12		/* u32 id, u64 duration, native order */
#define SLOTS	1024		/* counters per quantile and pass */
#define GROUP_BYTES (4u << 20)	/* counters held at once */
#define CHUNK	(REC * 5461)	/* a read: ~64 KiB of whole records */

struct ac_exact {
	FILE *f;
	uint32_t nids;
	uint64_t *n, *min, *max;	/* per id */
	int err;		/* the first write error, sticky until reset */
};

/* one quantile of one probe being narrowed down */
struct target {
	uint64_t lo, hi;	/* the value lies in [lo, hi] */
	uint64_t rank;		/* among all of the probe's durations */
	uint64_t below;		/* this pass: durations < lo */
	uint64_t *slots;	/* this pass: counts in [lo, hi], SLOTS wide */
};

struct ac_exact *ac_exact_new(uint32_t nids)
{
	struct ac_exact *x = calloc(1, sizeof(*x));
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd, e;

	if (!x)
		return NULL;
	x->nids = nids;
	x->n = calloc(nids, sizeof(*x->n));
	x->min = calloc(nids, sizeof(*x->min));
	x->max = calloc(nids, sizeof(*x->max));
	snprintf(path, sizeof(path), "%s/autocue-exact-XXXXXX",
		 dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd >= 0)
		unlink(path);	/* gone with the process, however it ends */
	if (!x->n || !x->min || !x->max || fd < 0 ||
	    !(x->f = fdopen(fd, "w+"))) {
		e = errno;
		if (fd >= 0 && !x->f)
			close(fd);
		ac_exact_free(x);
		errno = e;
		return NULL;
	}
	setvbuf(x->f, NULL, _IOFBF, 1 << 16);
	return x;
}

int ac_exact_add(struct ac_exact *x, uint32_t id, uint64_t dur)
{
	unsigned char rec[REC];

	if (id >= x->nids)
		return 0;
	if (x->err)
		return x->err;
	memcpy(rec, &id, 4);
	memcpy(rec + 4, &dur, 8);
	if (fwrite(rec, REC, 1, x->f) != 1) {
		x->err = -(errno ? errno : EIO);
		return x->err;
	}
	if (!x->n[id] || dur < x->min[id])
		x->min[id] = dur;
	if (dur > x->max[id])
		x->max[id] = dur;
	x->n[id]++;
	return 0;
}

int ac_exact_reset(struct ac_exact *x)
{
	memset(x->n, 0, x->nids * sizeof(*x->n));
	memset(x->max, 0, x->nids * sizeof(*x->max));
	x->err = 0;
	if (fflush(x->f) || ftruncate(fileno(x->f), 0))
		x->err = -errno;
	rewind(x->f);
	return x->err;
}

uint64_t ac_exact_count(const struct ac_exact *x, uint32_t id)
{
	return id < x->nids ? x->n[id] : 0;
}

/* One pass over the file: count where each open target's durations lie. */
static int scan(struct ac_exact *x, struct target *tg, const int *slot_of,
		unsigned char *buf)
{
	int fd = fileno(x->f);
	off_t off = 0;
	ssize_t got;

	while ((got = pread(fd, buf, CHUNK, off)) > 0) {
		for (ssize_t i = 0; i + REC <= got; i += REC) {
			uint32_t id;
			uint64_t v;
			int s;

			memcpy(&id, buf + i, 4);
			memcpy(&v, buf + i + 4, 8);
			if (id >= x->nids || (s = slot_of[id]) < 0)
				continue;
			for (int k = 0; k < AC_EXACT_NQ; k++) {
				struct target *t = &tg[s * AC_EXACT_NQ + k];
				uint64_t w = (t->hi - t->lo) / SLOTS + 1;

				if (t->lo == t->hi)
					continue;
				if (v < t->lo)
					t->below++;
				else if (v <= t->hi)
					t->slots[(v - t->lo) / w]++;
			}
		}
		off += got - got % REC;
	}
	return got < 0 ? -errno : 0;
}

/* After a pass: the slot holding the rank becomes the range. */
static void narrow(struct target *t)
{
	uint64_t w = (t->hi - t->lo) / SLOTS + 1, r = t->rank - t->below;
	uint64_t seen = 0, lo = t->lo;
	int b;

	for (b = 0; b < SLOTS - 1; b++) {
		if (seen + t->slots[b] > r)
			break;
		seen += t->slots[b];
	}
	t->lo = lo + (uint64_t)b * w;
	if (t->lo + (w - 1) < t->hi)
		t->hi = t->lo + (w - 1);
	t->below = 0;
	memset(t->slots, 0, SLOTS * sizeof(*t->slots));
}

/* The probes in ids[0..n): narrowed together, one scan per pass. */
static int select_group(struct ac_exact *x, const uint32_t *ids, int n,
			int *slot_of, uint64_t *out, unsigned char *buf)
{
	struct target *tg = calloc((size_t)n * AC_EXACT_NQ, sizeof(*tg));
	uint64_t *slots = calloc((size_t)n * AC_EXACT_NQ * SLOTS, sizeof(*slots));
	bool open;
	int err = 0;

	if (!tg || !slots) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (int s = 0; s < n; s++) {
		slot_of[ids[s]] = s;
		for (int k = 0; k < AC_EXACT_NQ; k++) {
			struct target *t = &tg[s * AC_EXACT_NQ + k];

			t->lo = x->min[ids[s]];
			t->hi = x->max[ids[s]];
			t->rank = ac_rank_of(x->n[ids[s]], ac_exact_quantiles[k]);
			t->slots = slots + (size_t)(s * AC_EXACT_NQ + k) * SLOTS;
		}
	}
	do {
		err = scan(x, tg, slot_of, buf);
		open = false;
		for (int i = 0; !err && i < n * AC_EXACT_NQ; i++) {
			if (tg[i].lo == tg[i].hi)
				continue;
			narrow(&tg[i]);
			open |= tg[i].lo != tg[i].hi;
		}
	} while (!err && open);
	for (int s = 0; !err && s < n; s++)
		for (int k = 0; k < AC_EXACT_NQ; k++)
			out[(size_t)ids[s] * AC_EXACT_NQ + k] =
				tg[s * AC_EXACT_NQ + k].lo;
cleanup:
	for (int s = 0; s < n; s++)
		slot_of[ids[s]] = -1;
	free(tg);
	free(slots);
	return err;
}

int ac_exact_select(struct ac_exact *x, uint64_t *out)
{
	const uint32_t per_group = GROUP_BYTES /
				   (AC_EXACT_NQ * SLOTS * sizeof(uint64_t));
	uint32_t *ids = calloc(x->nids + 1, sizeof(*ids));
	int *slot_of = malloc((x->nids + 1) * sizeof(*slot_of));
	unsigned char *buf = malloc(CHUNK);
	int n = 0, err = x->err;

	if (!ids || !slot_of || !buf) {
		err = -ENOMEM;
		goto cleanup;
	}
	if (!err && fflush(x->f))
		err = -errno;
	for (uint32_t id = 0; id < x->nids; id++)
		slot_of[id] = -1;
	for (uint32_t id = 0; !err && id < x->nids; id++) {
		if (x->n[id])
			ids[n++] = id;
		if (n && (n == (int)per_group || id + 1 == x->nids)) {
			err = select_group(x, ids, n, slot_of, out, buf);
			n = 0;
		}
	}
cleanup:
	free(ids);
	free(slot_of);
	free(buf);
	return err;
}

void ac_exact_free(struct ac_exact *x)
{
	if (!x)
		return;
	if (x->f)
		fclose(x->f);
	free(x->n);
	free(x->min);
	free(x->max);
	free(x);
}
