// SPDX-License-Identifier: MIT
/*
 * Snapshot arithmetic: a session read out in parts (--reset-each-interval
 * empties the maps after each interval) adds up to its total. Every
 * figure adds exactly (counts, totals, histogram buckets, paths, lost
 * events); min and max take the extremes; exact percentiles do not add and
 * are left out (nexact 0: a writer then shows none, never a part's).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "autocue_trace.h"

static void add_probe(struct ac_probe_stats *a, const struct ac_probe_stats *p)
{
	uint64_t *b = (uint64_t *)a->buckets;	/* the snapshot's own copy */
	bool a_warm = a->count > a->cold_count;
	bool p_warm = p->count > p->cold_count;

	if (p_warm && (!a_warm || p->min_ns < a->min_ns))
		a->min_ns = p->min_ns;
	if (p->max_ns > a->max_ns)
		a->max_ns = p->max_ns;
	if (p->cold_max_ns > a->cold_max_ns)
		a->cold_max_ns = p->cold_max_ns;
	a->count += p->count;
	a->total_ns += p->total_ns;
	a->desc += p->desc;
	for (int k = 0; k < AC_FUNC_ENTRY_NR; k++)
		a->func_desc[k] += p->func_desc[k];
	a->cold_count += p->cold_count;
	a->cold_total_ns += p->cold_total_ns;
	for (uint32_t i = 0; i < a->nbuckets && i < p->nbuckets; i++)
		b[i] += p->buckets[i];
	a->nexact = 0;
}

static struct ac_path_stats *find_path(struct ac_snapshot *a,
				       const struct ac_path_stats *p)
{
	for (int i = 0; i < a->npaths; i++)
		if (a->paths[i].depth == p->depth &&
		    !memcmp(a->paths[i].probes, p->probes,
			    p->depth * sizeof(*p->probes)))
			return &a->paths[i];
	return NULL;
}

static int add_path(struct ac_snapshot *a, const struct ac_path_stats *p)
{
	struct ac_path_stats *q = find_path(a, p), *grown;
	int *ids;

	if (q) {
		q->calls += p->calls;
		q->self_ns += p->self_ns;
		q->total_ns += p->total_ns;
		return 0;
	}
	grown = realloc(a->paths, (a->npaths + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	a->paths = grown;
	ids = malloc(p->depth * sizeof(*ids) + 1);
	if (!ids)
		return -ENOMEM;
	memcpy(ids, p->probes, p->depth * sizeof(*ids));
	a->paths[a->npaths] = *p;
	a->paths[a->npaths++].probes = ids;
	return 0;
}

/* --python: a later part names the functions first called since, after
 * the earlier ones (rows only ever join, in id order). */
static int grow_probes(struct ac_snapshot *a, const struct ac_snapshot *s)
{
	struct ac_probe_stats *grown;

	for (int i = 0; i < a->nprobes; i++)
		if (strcmp(a->probes[i].name, s->probes[i].name))
			return -EINVAL;
	grown = realloc(a->probes, s->nprobes * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	a->probes = grown;
	while (a->nprobes < s->nprobes) {
		struct ac_probe_stats *p = &a->probes[a->nprobes];
		uint64_t *b = calloc(s->probes[a->nprobes].nbuckets, sizeof(*b));

		if (!b)
			return -ENOMEM;
		*p = s->probes[a->nprobes];
		p->count = p->total_ns = p->desc = 0;
		memset(p->func_desc, 0, sizeof(p->func_desc));
		p->cold_count = p->cold_total_ns = 0;
		p->min_ns = p->max_ns = p->cold_max_ns = 0;
		p->buckets = b;
		a->nprobes++;	/* now: the free walks them */
	}
	return 0;
}

int ac_snapshot_add(struct ac_snapshot *a, const struct ac_snapshot *s)
{
	int ret = 0;

	if (a->nprobes > s->nprobes || a->precision != s->precision)
		return -EINVAL;		/* not parts of one session */
	if (a->nprobes < s->nprobes && (ret = grow_probes(a, s)))
		return ret;
	a->duration_s += s->duration_s;
	/* the probe cost as last measured: the calibration goes on */
	a->pair_ns = s->pair_ns;
	a->inner_ns = s->inner_ns;
	a->pair_spread_ns = s->pair_spread_ns;
	a->resolution_ns = s->resolution_ns;
	memcpy(a->func, s->func, sizeof(a->func));
	a->map_bytes = s->map_bytes;
	if (s->tracee_signal)
		a->tracee_signal = s->tracee_signal;
	for (int i = 0; i < s->nprobes; i++)
		add_probe(&a->probes[i], &s->probes[i]);
	/* rows by thread: whose they are, the later part's (a superset) */
	if (s->owners) {
		struct ac_row_owner *o = realloc(a->owners, (s->nprobes + 1) *
						 sizeof(*o));

		if (!o)
			return -ENOMEM;
		memcpy(o, s->owners, s->nprobes * sizeof(*o));
		a->owners = o;
	}
	for (int i = 0; i < s->npaths && !ret; i++)
		ret = add_path(a, &s->paths[i]);
	for (int i = 0; i < AC_LOST_NR; i++)
		a->lost[i] += s->lost[i];
	return ret;
}
