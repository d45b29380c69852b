// SPDX-License-Identifier: MIT
/* A snapshot as Prometheus metrics: see metrics.h. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "autocue.h"
#include "assertions.h"
#include "metrics.h"
#include "outbuf.h"
#include "quote.h"
#include "report.h"

/* The summary's quantiles: the assertions' and exact mode's set. */
const double ac_metrics_quantiles[AC_METRICS_NQ] = { 0.5, 0.9, 0.95, 0.99, 0.999 };

const struct ac_metrics_family ac_metrics_families[AC_FAM_NR] = {
	[AC_FAM_DURATION] = { "autocue_call_duration_seconds", "histogram",
		"Duration of the warm calls of a probe pair (compensated; "
		"calls holding a site's first hits are in autocue_cold_calls)" },
	[AC_FAM_QUANTILES] = { "autocue_call_duration_quantiles_seconds",
		"summary", "Quantiles of the warm calls from the kernel's "
		"full-precision histogram (exact in exact mode)" },
	[AC_FAM_CALLS] = { "autocue_calls", "counter",
		"Calls of a probe pair, cold ones included" },
	[AC_FAM_COLD] = { "autocue_cold_calls", "counter",
		"Calls holding a probe site's first hits (one-time kernel "
		"set-up inside): counted, kept out of the durations" },
	[AC_FAM_LOST] = { "autocue_lost_events", "counter",
		"Events the kernel side could not record, by reason" },
	[AC_FAM_PROBE_COST] = { "autocue_probe_cost_seconds", "gauge",
		"Probe cost subtracted per traced call (0: not calibrated, "
		"raw durations)" },
	[AC_FAM_RESOLUTION] = { "autocue_resolution_seconds", "gauge",
		"How far one compensated duration can be off" },
	[AC_FAM_BUCKET_ERROR] = { "autocue_bucket_error_ratio", "gauge",
		"Most histogram_quantile() can be off over autocue_call_"
		"duration_seconds, relative to the value" },
	[AC_FAM_MAP_BYTES] = { "autocue_map_bytes", "gauge",
		"Kernel memory of the tracer's BPF maps" },
	[AC_FAM_ATTACHED] = { "autocue_attached_probes", "gauge",
		"Probe pairs attached" },
	[AC_FAM_TRACER_CPU] = { "autocue_tracer_cpu_seconds", "counter",
		"CPU time of the tracer process itself (user and system)" },
};


/* Labels longer than this are cut by ac_quote() ("..."): a series label
 * set stays bounded whatever a process calls itself. */
#define LABELS_MAX (8 * AC_QUOTE_MAX + 128)

static int parse_dur_ns(const char *s, double *ns)
{
	char *end;
	double v, unit;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v <= 0)
		return -EINVAL;
	unit = ac_unit_ns(end, strlen(end));
	if (!unit)
		return -EINVAL;
	*ns = v * unit;
	return 0;
}

int ac_metrics_buckets_parse(const char *arg, struct ac_metrics_buckets *b,
			     char *err, size_t errlen)
{
	char buf[64], *min = NULL, *max = NULL, *end;
	double lo, hi;
	long bits;

	*b = (struct ac_metrics_buckets){ AC_METRICS_DEFAULT_BITS,
		AC_METRICS_DEFAULT_MIN_EXP, AC_METRICS_DEFAULT_MAX_EXP };
	if (strlen(arg) >= sizeof(buf))
		goto bad;
	strcpy(buf, arg);
	if ((min = strchr(buf, ','))) {
		*min++ = '\0';
		max = strchr(min, ',');
		if (!max)
			goto bad;
		*max++ = '\0';
	}
	errno = 0;
	bits = strtol(buf, &end, 10);
	if (errno || end == buf || *end || bits < 0 || bits > AC_MAX_SHIFT)
		goto bad;
	b->bits = (int)bits;
	if (min) {
		if (parse_dur_ns(min, &lo) || parse_dur_ns(max, &hi) ||
		    hi <= lo || hi > (double)(1ULL << (AC_MAX_EXP + 1)))
			goto bad;
		/* out to the powers of two around them */
		b->min_exp = (int)floor(log2(lo));
		b->max_exp = (int)ceil(log2(hi));
		if (b->max_exp <= b->min_exp)
			goto bad;
	}
	if (b->min_exp < b->bits) {
		snprintf(err, errlen, "invalid --buckets: %s (with %d bits the "
			 "smallest edge is %llu ns or more)", AC_Q(arg), b->bits,
			 1ULL << b->bits);
		return -EINVAL;
	}
	return 0;
bad:
	snprintf(err, errlen, "invalid --buckets: %s (BITS[,MIN,MAX]: BITS "
		 "0..%d, 2^BITS buckets per power of two; MIN < MAX durations "
		 "up to 68s with ns|us|ms|s, e.g. 3,1us,10s)", AC_Q(arg),
		 AC_MAX_SHIFT);
	return -EINVAL;
}

int ac_metrics_nbuckets(const struct ac_metrics_buckets *b)
{
	return ((b->max_exp - b->min_exp) << b->bits) + 2;
}

/* ns as decimal seconds, exactly: 1024 -> "0.000001024"; its length.
 * Without printf: a scrape writes thousands. */
static int seconds_n(char *buf, uint64_t ns)
{
	uint64_t whole = ns / 1000000000, frac = ns % 1000000000;
	char d[20];
	int n = 0, i = sizeof(d), digits = 9;

	do
		d[--i] = (char)('0' + whole % 10);
	while (whole /= 10);
	memcpy(buf, d + i, sizeof(d) - i);
	n = sizeof(d) - i;
	if (frac) {
		while (frac % 10 == 0)
			frac /= 10, digits--;
		buf[n++] = '.';
		for (int k = digits - 1; k >= 0; k--, frac /= 10)
			buf[n + k] = (char)('0' + frac % 10);
		n += digits;
	}
	buf[n] = '\0';
	return n;
}

static const char *seconds(char *buf, uint64_t ns)
{
	seconds_n(buf, ns);
	return buf;
}

/* A label value: quoted as every message quotes input (valid UTF-8 with
 * control bytes as \xHH, which Prometheus requires), then escaped as the
 * format requires (backslash and double quote; no newline is left). */
static void label_value(char *out, size_t size, const char *v)
{
	char q[AC_QUOTE_MAX];
	size_t o = 0;

	ac_quote(q, sizeof(q), v ? v : "");
	for (const char *p = q; *p && o + 3 < size; p++) {
		if (*p == '\\' || *p == '"')
			out[o++] = '\\';
		out[o++] = *p;
	}
	out[o] = '\0';
}

typedef char label_t[AC_QUOTE_MAX * 2];

/* The label values, quoted once a scrape: each is in thousands of lines. */
struct labels {
	label_t bin;
	label_t *probe;		/* the snapshot's nprobes */
	label_t *pid, *comm;	/* info's nprocs */
};

static int labels_make(struct labels *l, const struct ac_snapshot *s,
		       const struct ac_metrics_info *info)
{
	l->probe = malloc((s->nprobes ? s->nprobes : 1) * sizeof(label_t));
	l->pid = malloc((info->nprocs ? info->nprocs : 1) * sizeof(label_t));
	l->comm = malloc((info->nprocs ? info->nprocs : 1) * sizeof(label_t));
	if (!l->probe || !l->pid || !l->comm)
		return -ENOMEM;
	label_value(l->bin, sizeof(l->bin), info->binary);
	for (int i = 0; i < s->nprobes; i++)
		label_value(l->probe[i], sizeof(label_t), s->probes[i].name);
	for (int k = 0; k < info->nprocs; k++) {
		label_value(l->pid[k], sizeof(label_t), info->procs[k].pid);
		label_value(l->comm[k], sizeof(label_t), info->procs[k].comm);
	}
	return 0;
}

static void labels_free(struct labels *l)
{
	free(l->probe);
	free(l->pid);
	free(l->comm);
}

static size_t put_str(char *out, const char *s)
{
	size_t n = strlen(s);

	memcpy(out, s, n);
	return n;
}

/* probe="..",pid="..",comm="..",binary=".." into out (LABELS_MAX); its
 * length */
static size_t series_labels(char *out, const struct labels *l, int probe,
			    int proc)
{
	size_t n = 0;

	n += put_str(out + n, "probe=\"");
	n += put_str(out + n, l->probe[probe]);
	n += put_str(out + n, "\",pid=\"");
	n += put_str(out + n, l->pid[proc]);
	n += put_str(out + n, "\",comm=\"");
	n += put_str(out + n, l->comm[proc]);
	n += put_str(out + n, "\",binary=\"");
	n += put_str(out + n, l->bin);
	out[n++] = '"';
	out[n] = '\0';
	return n;
}

/* HELP and TYPE. OpenMetrics names a counter family without its _total,
 * the text format names it as its samples. */
static void family(struct ac_outbuf *out, enum ac_metrics_family_id id,
		   bool om)
{
	const struct ac_metrics_family *f = &ac_metrics_families[id];
	bool counter = !strcmp(f->type, "counter");

	ac_outbuf_printf(out, "# HELP %s%s %s\n# TYPE %s%s %s\n", f->name,
			 counter && !om ? "_total" : "", f->help, f->name,
			 counter && !om ? "_total" : "", f->type);
}

static bool shown(const struct ac_metrics_proc *pr, int i)
{
	return !pr->skip_uncalled || pr->probes[i].count;
}

/* The exported edges, in ns, as le values, and where they fall among the
 * kernel's buckets: made once a scrape. */
struct edges {
	int n;
	uint64_t *ns;
	uint32_t *first;	/* the first kernel bucket not below the edge */
	char (*le)[32];
	uint8_t *lelen;
};

static int edges_make(struct edges *e, const struct ac_metrics_buckets *b,
		      int shift)
{
	int bits = b->bits < shift ? b->bits : shift;
	uint32_t k = 0, nb = AC_NBUCKETS(shift);
	__u64 lo, hi;

	e->n = ((b->max_exp - b->min_exp) << bits) + 1;
	e->ns = malloc(e->n * sizeof(*e->ns));
	e->first = malloc(e->n * sizeof(*e->first));
	e->le = malloc(e->n * sizeof(*e->le));
	e->lelen = malloc(e->n);
	if (!e->ns || !e->first || !e->le || !e->lelen)
		return -ENOMEM;
	for (int x = b->min_exp, i = 0; x < b->max_exp; x++)
		for (uint64_t j = 0; j < (1ULL << bits); j++, i++)
			e->ns[i] = ((1ULL << bits) + j) << (x - bits);
	e->ns[e->n - 1] = 1ULL << b->max_exp;
	for (int i = 0; i < e->n; i++) {
		for (; k < nb; k++) {
			ac_bucket_range(k, shift, &lo, &hi);
			if (lo >= e->ns[i])
				break;
		}
		e->first[i] = k;
		e->lelen[i] = (uint8_t)seconds_n(e->le[i], e->ns[i]);
	}
	return 0;
}

static void edges_free(struct edges *e)
{
	free(e->ns);
	free(e->first);
	free(e->le);
	free(e->lelen);
}

static char *put_u64(char *o, uint64_t v)
{
	char d[20];
	int i = sizeof(d);

	do
		d[--i] = (char)('0' + v % 10);
	while (v /= 10);
	memcpy(o, d + i, sizeof(d) - i);
	return o + sizeof(d) - i;
}

/* n bytes of s at o, as whole 32-byte blocks (a vector move each, not a
 * call): s has room for them, o too; the bytes past n are overwritten by
 * what follows, or left past the buffer's length. */
static inline char *put_blocks(char *o, const char *s, size_t n)
{
	for (size_t j = 0; j < n; j += 32)
		memcpy(o + j, s + j, 32);
	return o + n;
}

/* [k, end) lies in one power of two the kernel has not marked */
static inline bool one_empty_octave(const struct ac_probe_stats *p,
				    uint32_t k, uint32_t end)
{
	uint32_t o = k >> p->shift;

	return o == (end - 1) >> p->shift && o < 64 && (p->empty >> o & 1);
}

/* The le lines: each edge's cumulative count is a sum of whole kernel
 * buckets, since every edge is one of theirs (bits <= shift). A scrape
 * of a fleet writes hundreds of thousands of them: room for a series'
 * lines is made at once, each line is its prefix (made once a series),
 * its le (made once a scrape) and its count, copied in. */
static uint64_t histogram(struct ac_outbuf *out,
			  const struct ac_probe_stats *p, const char *labels,
			  size_t llen, const struct edges *e)
{
	static const char name[] = "autocue_call_duration_seconds_bucket{";
	char prefix[sizeof(name) + LABELS_MAX + 8 + 32], s[32], *o, num[32];
	size_t plen, numlen = 1;
	uint64_t cum = 0, add;
	uint32_t k = 0;

	plen = put_str(prefix, name);
	memcpy(prefix + plen, labels, llen);
	plen += llen;
	plen += put_str(prefix + plen, ",le=\"");
	/* a line: prefix, le, "} ", 20 digits, newline; a block's room
	 * past the last */
	if (out->cap - out->len < e->n * (plen + 32 + 24) + 32 &&
	    !ac_outbuf_grow(out, e->n * (plen + 32 + 24) + 32))
		return 0;
	o = out->p + out->len;
	num[0] = '0';
	for (int i = 0; i < e->n; i++) {
		uint32_t end = e->first[i] < p->nbuckets ? e->first[i] :
			p->nbuckets;

		/* most edges add nothing (an empty power of two: known
		 * without a call): the count's digits are kept */
		if (k < end && !one_empty_octave(p, k, end) &&
		    (add = ac_probe_hist_sum(p, k, end))) {
			cum += add;
			numlen = put_u64(num, cum) - num;
		}
		k = end;
		o = put_blocks(o, prefix, plen);
		o = put_blocks(o, e->le[i], e->lelen[i]);
		memcpy(o, "\"} ", 3);
		o = put_blocks(o + 3, num, numlen);
		*o++ = '\n';
	}
	out->len = o - out->p;
	cum += ac_probe_hist_sum(p, k, p->nbuckets);
	ac_outbuf_printf(out, "autocue_call_duration_seconds_bucket{%s,le=\"+Inf\"} %llu\n"
			 "autocue_call_duration_seconds_sum{%s} %s\n"
			 "autocue_call_duration_seconds_count{%s} %llu\n",
			 labels, (unsigned long long)cum, labels,
			 seconds(s, p->total_ns), labels,
			 (unsigned long long)cum);
	return cum;
}

static void sample_line(struct ac_outbuf *out, const char *name,
			const char *labels, size_t llen, const char *extra,
			const char *value)
{
	ac_outbuf_puts(out, name);
	ac_outbuf_write(out, "{", 1);
	ac_outbuf_write(out, labels, llen);
	ac_outbuf_puts(out, extra);
	ac_outbuf_write(out, "} ", 2);
	ac_outbuf_puts(out, value);
	ac_outbuf_write(out, "\n", 1);
}

/* A series' warm calls (the histogram's count) and quantiles, found
 * while the histogram's walk has its buckets in the cache; written later,
 * in the summary family. */
struct quantiles {
	uint64_t n, v[AC_METRICS_NQ];
};

static void summary(struct ac_outbuf *out, const struct ac_probe_stats *p,
		    const char *labels, size_t llen, const struct quantiles *q)
{
	static const char *const qlabel[] = {
		",quantile=\"0.5\"", ",quantile=\"0.9\"", ",quantile=\"0.95\"",
		",quantile=\"0.99\"", ",quantile=\"0.999\"",
	};
	enum { NQ = AC_METRICS_NQ };
	_Static_assert(NQ == sizeof(qlabel) / sizeof(qlabel[0]),
		       "a label per quantile");
	const uint64_t *v = q->v, n = q->n;	/* n: what they rank */
	char s[32];

	for (int i = 0; i < NQ; i++)
		sample_line(out, "autocue_call_duration_quantiles_seconds",
			    labels, llen, qlabel[i],
			    n ? seconds(s, v[i]) : "NaN");
	sample_line(out, "autocue_call_duration_quantiles_seconds_sum", labels,
		    llen, "", seconds(s, p->total_ns));
	*put_u64(s, n) = '\0';
	sample_line(out, "autocue_call_duration_quantiles_seconds_count",
		    labels, llen, "", s);
}

enum per_probe { HIST, SUMMARY, CALLS, COLD };

static void per_probe(struct ac_outbuf *out, const struct ac_snapshot *s,
		      const struct ac_metrics_info *info,
		      const struct labels *l, const struct edges *e,
		      struct quantiles *q, enum per_probe what)
{
	char labels[LABELS_MAX], v[24];
	size_t llen, n = 0;

	for (int k = 0; k < info->nprocs; k++) {
		const struct ac_metrics_proc *pr = &info->procs[k];

		for (int i = 0; i < s->nprobes; i++) {
			const struct ac_probe_stats *p = &pr->probes[i];

			if (!shown(pr, i))
				continue;
			llen = series_labels(labels, l, i, k);
			if (what == HIST) {
				q[n].n = histogram(out, p, labels, llen, e);
				ac_probe_hist_percentiles(p, ac_metrics_quantiles,
							  AC_METRICS_NQ, q[n++].v);
			} else if (what == SUMMARY) {
				summary(out, p, labels, llen, &q[n++]);
			} else {
				*put_u64(v, what == CALLS ? p->count :
					 p->cold_count) = '\0';
				sample_line(out, what == CALLS ?
					    "autocue_calls_total" :
					    "autocue_cold_calls_total", labels,
					    llen, "", v);
			}
		}
	}
}

int ac_metrics_write(struct ac_outbuf *out, const struct ac_snapshot *s,
		     const struct ac_metrics_info *info,
		     const struct ac_metrics_buckets *b, bool om)
{
	struct labels l = {};
	struct edges e = {};
	const char *bin = l.bin;
	struct quantiles *q;
	int ret = -ENOMEM;

	q = malloc(((size_t)info->nprocs * s->nprobes + 1) * sizeof(*q));
	if (!q || edges_make(&e, b, s->precision) || labels_make(&l, s, info))
		goto out;
	family(out, AC_FAM_DURATION, om);
	per_probe(out, s, info, &l, &e, q, HIST);
	family(out, AC_FAM_QUANTILES, om);
	per_probe(out, s, info, &l, &e, q, SUMMARY);
	family(out, AC_FAM_CALLS, om);
	per_probe(out, s, info, &l, &e, q, CALLS);
	family(out, AC_FAM_COLD, om);
	per_probe(out, s, info, &l, &e, q, COLD);

	family(out, AC_FAM_LOST, om);
	for (int i = 0; i < AC_LOST_NR; i++)
		ac_outbuf_printf(out, "autocue_lost_events_total{binary=\"%s\",reason=\"%s\"} %llu\n",
				 bin, ac_lost_key(i), (unsigned long long)s->lost[i]);
	family(out, AC_FAM_PROBE_COST, om);
	ac_outbuf_printf(out, "autocue_probe_cost_seconds{binary=\"%s\"} %.9g\n",
			 bin, s->compensated ? s->pair_ns / 1e9 : 0.0);
	family(out, AC_FAM_RESOLUTION, om);
	ac_outbuf_printf(out, "autocue_resolution_seconds{binary=\"%s\"} %.9g\n",
			 bin, s->resolution_ns / 1e9);
	family(out, AC_FAM_BUCKET_ERROR, om);
	ac_outbuf_printf(out, "autocue_bucket_error_ratio{binary=\"%s\"} %.9g\n",
			 bin, ldexp(1, -(b->bits < s->precision ? b->bits :
					 s->precision)));
	family(out, AC_FAM_MAP_BYTES, om);
	ac_outbuf_printf(out, "autocue_map_bytes{binary=\"%s\"} %llu\n", bin,
			 (unsigned long long)s->map_bytes);
	family(out, AC_FAM_ATTACHED, om);
	ac_outbuf_printf(out, "autocue_attached_probes{binary=\"%s\"} %d\n", bin,
			 s->nprobes);
	family(out, AC_FAM_TRACER_CPU, om);
	ac_outbuf_printf(out, "autocue_tracer_cpu_seconds_total{binary=\"%s\"} %.6f\n",
			 bin, info->tracer_cpu_s);
	if (om)
		ac_outbuf_puts(out, "# EOF\n");
	ret = out->failed ? -ENOMEM : 0;
out:
	free(q);
	labels_free(&l);
	edges_free(&e);
	return ret;
}

/* The value of parameter name in a media range's parameters ("; q=0.5;
 * proto=x"), into val (size n); false when it has none. */
static bool media_param(const char *params, size_t len, const char *name,
			char *val, size_t n)
{
	const char *p = params, *end = params + len;
	size_t nl = strlen(name);

	while (p < end) {
		const char *semi = memchr(p, ';', end - p);
		const char *next = semi ? semi : end;
		size_t vl;

		while (p < next && (*p == ' ' || *p == '\t' || *p == ';'))
			p++;
		if ((size_t)(next - p) > nl && !strncasecmp(p, name, nl) &&
		    p[nl] == '=') {
			p += nl + 1;
			vl = next - p;
			while (vl && (p[vl - 1] == ' ' || p[vl - 1] == '\t'))
				vl--;
			if (vl >= n)
				vl = n - 1;
			memcpy(val, p, vl);
			val[vl] = '\0';
			return true;
		}
		p = next < end ? next + 1 : end;
	}
	return false;
}

/* q of a media range's parameters, 1 without one. */
static double media_q(const char *params, size_t len)
{
	char v[32];

	return media_param(params, len, "q", v, sizeof(v)) ? strtod(v, NULL) : 1;
}

enum ac_metrics_format ac_metrics_negotiate(const char *accept)
{
	double q[AC_METRICS_NFORMATS] = { 0 };
	const char *p = accept;
	char v[64];

	if (!accept)
		return AC_METRICS_TEXT;
	while (*p) {
		size_t len = strcspn(p, ","), tlen;
		const char *t = p, *params;
		size_t plen;
		int f = -1;

		while (len && (*t == ' ' || *t == '\t'))
			t++, len--;
		tlen = strcspn(t, ";,");
		if (tlen > len)
			tlen = len;
		params = t + tlen;
		plen = len - tlen;
		while (tlen && (t[tlen - 1] == ' ' || t[tlen - 1] == '\t'))
			tlen--;
		if (tlen == 28 && !strncasecmp(t, "application/openmetrics-text", 28))
			f = AC_METRICS_OPENMETRICS;
		else if (tlen == 10 && !strncasecmp(t, "text/plain", 10))
			f = AC_METRICS_TEXT;
		else if (tlen == 31 && !strncasecmp(t, "application/vnd.google.protobuf", 31) &&
			 media_param(params, plen, "proto", v, sizeof(v)) &&
			 !strcmp(v, "io.prometheus.client.MetricFamily") &&
			 media_param(params, plen, "encoding", v, sizeof(v)) &&
			 !strcmp(v, "delimited"))
			f = AC_METRICS_PROTOBUF;
		if (f >= 0)
			q[f] = fmax(q[f], media_q(params, plen));
		p = t + len;
		if (*p == ',')
			p++;
	}
	if (q[AC_METRICS_PROTOBUF] > 0 &&
	    q[AC_METRICS_PROTOBUF] >= q[AC_METRICS_OPENMETRICS] &&
	    q[AC_METRICS_PROTOBUF] >= q[AC_METRICS_TEXT])
		return AC_METRICS_PROTOBUF;
	if (q[AC_METRICS_OPENMETRICS] > 0 &&
	    q[AC_METRICS_OPENMETRICS] >= q[AC_METRICS_TEXT])
		return AC_METRICS_OPENMETRICS;
	return AC_METRICS_TEXT;
}
