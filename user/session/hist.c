// SPDX-License-Identifier: MIT
/* Percentiles from log-linear histograms and from exact samples. */
#include <math.h>
#include <linux/types.h>
#include <stdlib.h>
#include <string.h>
#include "autocue_trace.h"
#include "autocue.h"
#include "exact.h"

const double ac_exact_quantiles[AC_EXACT_NQ] = { 0.50, 0.90, 0.95, 0.99, 0.999 };

/* The seed profiler's definition: sorted[int(n * q)], clamped. */
uint64_t ac_rank_of(uint64_t n, double q)
{
	uint64_t r;

	if (q <= 0)
		return 0;
	r = (uint64_t)((double)n * q);
	return r >= n ? n - 1 : r;
}

/* The value of a rank found in bucket b (b == nbuckets: past them). */
static uint64_t in_bucket(const struct ac_probe_stats *p, uint32_t b)
{
	__u64 lo, hi, mid;

	if (b == p->nbuckets)
		return p->max_ns;
	ac_bucket_range(b, p->shift, &lo, &hi);
	mid = lo + (hi - lo) / 2;
	/* the extremes are known exactly; never report past them */
	if (mid < p->min_ns)
		mid = p->min_ns;
	if (mid > p->max_ns)
		mid = p->max_ns;
	return mid;
}

uint32_t ac_probe_hist_run(const struct ac_probe_stats *p, uint32_t b,
			   uint32_t *end)
{
	uint32_t o = b >> p->shift;
	uint64_t from = o < 64 ? ~0ULL << o : 0, full, gap;

	/* a scrape's series are mostly empty powers of two: skipped whole,
	 * a bit each (o: the first not known empty, from b's on) */
	full = ~p->empty & from;
	if (!full || (uint64_t)(o = __builtin_ctzll(full)) << p->shift >=
		     p->nbuckets) {
		*end = p->nbuckets;
		return p->nbuckets;
	}
	if (b < o << p->shift)
		b = o << p->shift;
	gap = p->empty & (~0ULL << o);
	*end = gap && (uint64_t)__builtin_ctzll(gap) << p->shift < p->nbuckets ?
		(uint32_t)__builtin_ctzll(gap) << p->shift : p->nbuckets;
	return b;
}

uint64_t ac_probe_hist_sum(const struct ac_probe_stats *p, uint32_t from,
			   uint32_t to)
{
	uint64_t n = 0;
	uint32_t end;

	while ((from = ac_probe_hist_run(p, from, &end)) < to) {
		if (end > to)
			end = to;
		for (; from < end; from++)
			n += p->buckets[from];
	}
	return n;
}

void ac_probe_hist_percentiles(const struct ac_probe_stats *p,
			       const double *q, int nq, uint64_t *out)
{
	uint64_t n, seen = 0;
	uint32_t b = 0, end = 0;

	memset(out, 0, nq * sizeof(*out));
	if (!p || !p->buckets)
		return;
	/* rank within the histogram itself: read while calls go on, the
	 * buckets and the count can be a few calls apart */
	n = ac_probe_hist_sum(p, 0, p->nbuckets);
	if (!n)
		return;
	/* one walk for them all: q ascending, so is the bucket */
	for (int k = 0; k < nq; k++) {
		uint64_t rank = ac_rank_of(n, q[k]);

		/* the extremes are known exactly */
		if (rank == 0) {
			out[k] = p->min_ns;
			continue;
		}
		if (rank == n - 1) {
			out[k] = p->max_ns;
			continue;
		}
		if (k && q[k] < q[k - 1]) {	/* not ascending: start over */
			b = end = 0;
			seen = 0;
		}
		/* seen: the calls in buckets before b; [b, end) a run not
		 * known to be empty */
		while (b < p->nbuckets) {
			if (b >= end) {
				b = ac_probe_hist_run(p, b, &end);
				continue;
			}
			if (seen + p->buckets[b] > rank)
				break;
			seen += p->buckets[b++];
		}
		out[k] = in_bucket(p, b);
	}
}

uint64_t ac_probe_hist_percentile(const struct ac_probe_stats *p, double q)
{
	uint64_t v;

	ac_probe_hist_percentiles(p, &q, 1, &v);
	return v;
}

uint64_t ac_probe_percentile(const struct ac_probe_stats *p, double q)
{
	for (int k = 0; p && p->nexact && k < AC_EXACT_NQ; k++)
		if (q == ac_exact_quantiles[k])
			return p->exact_q[k];
	return ac_probe_hist_percentile(p, q);
}

const struct ac_probe_stats *ac_snapshot_find(const struct ac_snapshot *s,
					      const char *name)
{
	for (int i = 0; s && i < s->nprobes; i++)
		if (!strcmp(s->probes[i].name, name))
			return &s->probes[i];
	return NULL;
}

uint64_t ac_probe_warm_calls(const struct ac_probe_stats *p)
{
	return p->count > p->cold_count ? p->count - p->cold_count : 0;
}

double ac_probe_mean_ns(const struct ac_probe_stats *p)
{
	uint64_t warm = ac_probe_warm_calls(p);

	if (warm)
		return (double)p->total_ns / (double)warm;
	/* only cold calls: their mean, an upper bound */
	return p->cold_count ? (double)p->cold_total_ns / (double)p->cold_count
			     : 0;
}

/* p's traced calls beneath that were USDT pairs (or Python functions) */
static uint64_t pairs_beneath(const struct ac_probe_stats *p)
{
	uint64_t n = p->desc;

	for (int k = 0; k < AC_FUNC_ENTRY_NR; k++)
		n -= p->func_desc[k] < n ? p->func_desc[k] : n;
	return n;
}

double ac_probe_beneath_ns(const struct ac_snapshot *s,
			   const struct ac_probe_stats *p)
{
	double ns;

	if (!s->compensated)
		return 0;
	ns = (double)pairs_beneath(p) * s->pair_ns;
	for (int k = 0; k < AC_FUNC_ENTRY_NR; k++)
		ns += (double)p->func_desc[k] * s->func[k].pair_ns;
	return ns;
}

double ac_probe_beneath_error_ns(const struct ac_snapshot *s,
				 const struct ac_probe_stats *p)
{
	/* what the code around a call changes, or what time does */
	double up = s->pair_busy_ns - s->pair_ns;
	double down = s->pair_ns - s->pair_tight_ns;
	double e = up > down ? up : down, ns;

	if (!s->compensated)
		return 0;
	if (s->pair_spread_ns > e)
		e = s->pair_spread_ns;
	ns = (double)pairs_beneath(p) * (e > 0 ? e : 0);
	/* a function pair: how far its cost moved over the calibration */
	for (int k = 0; k < AC_FUNC_ENTRY_NR; k++)
		ns += (double)p->func_desc[k] * s->func[k].pair_spread_ns;
	return ns;
}

double ac_probe_pair_ns(const struct ac_snapshot *s,
			const struct ac_probe_stats *p)
{
	if (p->func > 0 && p->func <= AC_FUNC_ENTRY_NR)
		return s->func[p->func - 1].pair_ns;
	return s->pair_ns;
}

double ac_probe_resolution_ns(const struct ac_snapshot *s,
			      const struct ac_probe_stats *p)
{
	if (p->func > 0 && p->func <= AC_FUNC_ENTRY_NR)
		return s->func[p->func - 1].resolution_ns;
	return s->resolution_ns;
}

double ac_snapshot_bound_ns(const struct ac_snapshot *s)
{
	return 2 * s->resolution_ns;
}

/* one side of ac_snapshot.stale: the extra of a hit `since` ns after the
 * thread's previous one */
static double stale_side(const struct ac_stale_cost *c, double since)
{
	if (c->slope_ns <= 0 || since <= c->onset_ns)
		return 0;
	if (since > c->cap_ns)
		since = c->cap_ns;
	return c->slope_ns * log2(since / c->onset_ns);
}

double ac_snapshot_stale_ns(const struct ac_snapshot *s, double ns)
{
	/* the entry's gap is no row's: the most it was measured at */
	return stale_side(&s->stale[1], ns) +
	       stale_side(&s->stale[0], s->stale[0].cap_ns);
}
