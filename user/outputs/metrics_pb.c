// SPDX-License-Identifier: MIT
/*
 * A snapshot as Prometheus's protobuf exposition (io.prometheus.client.
 * MetricFamily messages, each preceded by its length as a varint: the
 * "delimited" encoding), encoded by protobuf-c from Prometheus's own
 * metrics.proto (proto/). What it adds to the text formats: the durations
 * as native histograms. See metrics.h for the mapping and its error.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include <protobuf-c/protobuf-c.h>
#include "autocue.h"
#include "metrics.h"
#include "metrics.pb-c.h"
#include "quote.h"
#include "report.h"

typedef Io__Prometheus__Client__MetricFamily Family;
typedef Io__Prometheus__Client__Metric Metric;
typedef Io__Prometheus__Client__LabelPair Label;
typedef Io__Prometheus__Client__Histogram Histogram;
typedef Io__Prometheus__Client__BucketSpan Span;
typedef Io__Prometheus__Client__Summary Summary;
typedef Io__Prometheus__Client__Quantile Quantile;
typedef Io__Prometheus__Client__Counter Counter;
typedef Io__Prometheus__Client__Gauge Gauge;

/* Everything one scrape's messages need, from a few large blocks freed
 * together: thousands of small messages without a malloc each. */
struct arena {
	struct block {
		struct block *next;
		size_t used, cap;
		max_align_t data[];
	} *head;
	bool failed;
};

static void *arena_alloc(struct arena *a, size_t n)
{
	struct block *b = a->head;
	void *p;

	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) *
	    sizeof(max_align_t);
	if (!b || b->cap - b->used < n) {
		size_t cap = n > (1 << 20) ? n : (1 << 20);

		b = malloc(sizeof(*b) + cap);
		if (!b) {
			a->failed = true;
			return NULL;
		}
		b->next = a->head;
		b->used = 0;
		b->cap = cap;
		a->head = b;
	}
	p = (char *)b->data + b->used;
	b->used += n;
	return p;
}

static void arena_free(struct arena *a)
{
	while (a->head) {
		struct block *b = a->head;

		a->head = b->next;
		free(b);
	}
}

static char *arena_quote(struct arena *a, const char *s)
{
	char q[AC_QUOTE_MAX], *p;

	/* valid UTF-8 whatever a process calls itself: Prometheus drops a
	 * sample whose label value is not */
	ac_quote(q, sizeof(q), s ? s : "");
	p = arena_alloc(a, strlen(q) + 1);
	if (p)
		strcpy(p, q);
	return p;
}

static Label *label(struct arena *a, const char *name, char *value)
{
	Label *l = arena_alloc(a, sizeof(*l));

	if (!l)
		return NULL;
	io__prometheus__client__label_pair__init(l);
	l->name = (char *)name;
	l->value = value;
	return l;
}

/* v as a varint at o; the bytes written */
static size_t varint_at(uint8_t *o, size_t v)
{
	size_t n = 0;

	for (;; v >>= 7) {
		o[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		if (v <= 0x7f)
			return n;
	}
}

/* A label as a Metric's field 1 already packed (tag, length, LabelPair):
 * a series' four are packed once a scrape, not sized and packed again in
 * each of its four metrics (most of their bytes). protobuf-c writes a
 * message's unknown fields after its others: the same message to a
 * parser (fields in any order; the labels keep theirs). */
static ProtobufCMessageUnknownField packed_label(struct arena *a,
						 const char *name, char *value)
{
	ProtobufCMessageUnknownField f = {
		.tag = 1, .wire_type = PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED,
	};
	Label l = IO__PROMETHEUS__CLIENT__LABEL_PAIR__INIT;
	size_t n;

	l.name = (char *)name;
	l.value = value;
	n = protobuf_c_message_get_packed_size(&l.base);
	f.data = arena_alloc(a, n + 10);
	if (!f.data)
		return f;
	f.len = varint_at(f.data, n);
	f.len += protobuf_c_message_pack(&l.base, f.data + f.len);
	return f;
}

/* A family of n metrics, each with nlabels label slots (0: the caller
 * points them at labels of its own). */
static Family *family_new(struct arena *a, enum ac_metrics_family_id id,
			  Io__Prometheus__Client__MetricType type, size_t n,
			  size_t nlabels, char *name)
{
	Family *f = arena_alloc(a, sizeof(*f));
	Metric **m = arena_alloc(a, (n ? n : 1) * sizeof(*m));

	if (!f || !m)
		return NULL;
	io__prometheus__client__metric_family__init(f);
	f->name = name;
	f->help = (char *)ac_metrics_families[id].help;
	f->has_type = true;
	f->type = type;
	f->metric = m;
	for (size_t i = 0; i < n; i++) {
		m[i] = arena_alloc(a, sizeof(**m));
		if (!m[i])
			return NULL;
		io__prometheus__client__metric__init(m[i]);
		if (!nlabels)
			continue;
		m[i]->label = arena_alloc(a, nlabels * sizeof(Label *));
		if (!m[i]->label)
			return NULL;
	}
	return f;
}

/* A counter's samples are named with _total, in the family's name too */
static char *name_of(struct arena *a, enum ac_metrics_family_id id)
{
	const struct ac_metrics_family *f = &ac_metrics_families[id];
	char *n;

	if (strcmp(f->type, "counter"))
		return (char *)f->name;
	n = arena_alloc(a, strlen(f->name) + sizeof("_total"));
	if (n)
		strcat(strcpy(n, f->name), "_total");
	return n;
}

static size_t varint_len(size_t v)
{
	size_t n = 1;

	while (v > 0x7f)
		v >>= 7, n++;
	return n;
}

static void put_varint(struct ac_outbuf *out, size_t v)
{
	out->len += varint_at((uint8_t *)out->p + out->len, v);
}

/* f, length-delimited. Its metrics are packed one by one after the rest
 * (each as field 4, metric, with its length): protobuf-c would size each
 * metric's whole tree again for the family's length, then once more to
 * pack the family; this sizes each once (the bytes are the same). */
static void put_family(struct ac_outbuf *out, Family *f)
{
	enum { METRIC_TAG = 4 << 3 | 2 };	/* field 4, length-delimited */
	size_t nm = f->n_metric, head, n, *len;

	f->n_metric = 0;
	head = protobuf_c_message_get_packed_size(&f->base);
	n = head;
	len = malloc((nm ? nm : 1) * sizeof(*len));
	if (!len) {
		out->failed = true;
		return;
	}
	for (size_t i = 0; i < nm; i++) {
		len[i] = protobuf_c_message_get_packed_size(&f->metric[i]->base);
		n += 1 + varint_len(len[i]) + len[i];
	}
	if (out->cap - out->len < n + 10 && !ac_outbuf_grow(out, n + 10)) {
		free(len);
		return;
	}
	put_varint(out, n);
	out->len += protobuf_c_message_pack(&f->base, (uint8_t *)out->p + out->len);
	for (size_t i = 0; i < nm; i++) {
		out->p[out->len++] = METRIC_TAG;
		put_varint(out, len[i]);
		out->len += protobuf_c_message_pack(&f->metric[i]->base,
						    (uint8_t *)out->p + out->len);
	}
	f->n_metric = nm;
	free(len);
}

int ac_metrics_native_schema(int precision)
{
	return precision < AC_METRICS_NATIVE_SCHEMA_MAX ? precision :
	       AC_METRICS_NATIVE_SCHEMA_MAX;
}

double ac_metrics_native_error(int precision)
{
	/* a native bucket's width, relative to its lower edge, plus a
	 * kernel bucket's, which the midpoint may put one native bucket off */
	return exp2(exp2(-ac_metrics_native_schema(precision))) - 1 +
	       ldexp(1, -precision);
}

/* Each kernel bucket's native bucket: the one its midpoint falls in,
 * (2^((i-1)/2^S), 2^(i/2^S)] seconds; INT32_MIN for the zero bucket. */
static int32_t *native_index(int shift, int schema, uint32_t nb)
{
	int32_t *idx = malloc(nb * sizeof(*idx));

	if (!idx)
		return NULL;
	for (uint32_t b = 0; b < nb; b++) {
		__u64 lo, hi;
		double mid;

		ac_bucket_range(b, shift, &lo, &hi);
		mid = ((double)lo + (double)hi) / 2;
		idx[b] = mid <= 0 ? INT32_MIN :
			 (int32_t)ceil(ldexp(log2(mid * 1e-9), schema));
	}
	return idx;
}

/* What the walk over a series' kernel buckets finds: the quantiles' walk
 * is over [0, last] only. */
struct extent {
	uint64_t warm;		/* calls in the buckets */
	uint32_t last;
};

/* A gap of this many native buckets or fewer is filled with empty ones
 * rather than starting a span (a span's message costs more than two
 * zero deltas; client_golang does the same). */
#define GAP_FILL 2

/* Room for a series' spans and deltas while they are found, the most
 * any can have (then copied, at their size, into the arena). */
struct scratch {
	Span **spans;
	int64_t *deltas;
};

/* One native histogram from a series' kernel buckets, in one walk over
 * them (the marked powers of two): spans of the non-empty native buckets,
 * counts as deltas from the one before; what the walk finds, into x. */
static Histogram *native(struct arena *a, const struct ac_probe_stats *p,
			 struct extent *x, const int32_t *idx, int schema,
			 const struct scratch *sc)
{
	Histogram *h = arena_alloc(a, sizeof(*h));
	uint64_t zero = 0, cur = 0, prev = 0;
	int32_t at = INT32_MIN, end = 0;	/* current native bucket, span end */
	Span **spans = sc->spans;
	int64_t *deltas = sc->deltas;
	size_t ns = 0, nd = 0;

	*x = (struct extent){ 0 };
	if (!h)
		return NULL;
	io__prometheus__client__histogram__init(h);
	for (uint32_t b = 0, run = 0; ; b++) {
		bool last;
		uint64_t c;

		/* the powers of two the kernel has not marked: skipped */
		if (b >= run)
			b = ac_probe_hist_run(p, b, &run);
		last = b >= p->nbuckets;
		c = last ? 0 : p->buckets[b];

		if (!last && !c)
			continue;
		if (!last) {
			x->last = b;
			x->warm += c;
		}
		if (!last && idx[b] == INT32_MIN) {
			zero += c;
			continue;
		}
		if (!last && idx[b] == at) {	/* the same native bucket */
			cur += c;
			continue;
		}
		if (at != INT32_MIN) {		/* the one before is complete */
			deltas[nd++] = (int64_t)(cur - prev);
			prev = cur;
		}
		if (last)
			break;
		if (ns && idx[b] != end && idx[b] - end <= GAP_FILL) {
			/* a short gap: empty buckets, not a new span */
			for (int32_t g = end; g < idx[b]; g++) {
				deltas[nd++] = -(int64_t)prev;
				prev = 0;
				spans[ns - 1]->length++;
			}
			end = idx[b];
		}
		if (!ns || idx[b] != end) {	/* a gap: a new span */
			spans[ns] = arena_alloc(a, sizeof(Span));
			if (!spans[ns])
				return NULL;
			io__prometheus__client__bucket_span__init(spans[ns]);
			spans[ns]->has_offset = spans[ns]->has_length = true;
			spans[ns]->offset = ns ? idx[b] - end : idx[b];
			ns++;
		}
		spans[ns - 1]->length++;
		end = idx[b] + 1;
		at = idx[b];
		cur = c;
	}
	/* an empty histogram still has a span (of length 0): how later
	 * Prometheus versions tell an empty native histogram from a classic
	 * one (2.42 looks at the zero threshold: below) */
	if (!ns) {
		spans[0] = arena_alloc(a, sizeof(Span));
		if (!spans[0])
			return NULL;
		io__prometheus__client__bucket_span__init(spans[0]);
		spans[0]->has_offset = spans[0]->has_length = true;
		ns = 1;
	}
	spans = arena_alloc(a, ns * sizeof(*spans));
	deltas = arena_alloc(a, (nd ? nd : 1) * sizeof(*deltas));
	if (!spans || !deltas)
		return NULL;
	memcpy(spans, sc->spans, ns * sizeof(*spans));
	memcpy(deltas, sc->deltas, nd * sizeof(*deltas));
	h->has_sample_count = h->has_sample_sum = true;
	h->sample_count = x->warm;
	h->sample_sum = p->total_ns / 1e9;
	h->has_schema = h->has_zero_threshold = h->has_zero_count = true;
	h->schema = schema;
	/* the zero bucket: durations of 0 ns. Not 0 itself: Prometheus 2.42
	 * takes a histogram for a native one by its deltas, zero count or
	 * zero threshold (not its spans), and a family for native or not by
	 * its first histogram, which may have no calls yet */
	h->zero_threshold = AC_METRICS_NATIVE_ZERO;
	h->zero_count = zero;
	h->n_positive_span = ns;
	h->positive_span = spans;
	h->n_positive_delta = nd;
	h->positive_delta = deltas;
	return h;
}

/* A series, its buckets read in one go while they are in the cache:
 * the extent, the native histogram and the quantiles. */
struct series {
	const struct ac_probe_stats *p;
	struct extent x;
	Histogram *h;
	uint64_t q[AC_METRICS_NQ];
	/* its labels, the same in each family: packed once (packed_label) */
	ProtobufCMessageUnknownField label[4];
};

static void series_read(struct arena *a, struct series *sr,
			const int32_t *idx, int schema, const struct scratch *sc)
{
	/* the buckets past the last call are empty: the percentiles need
	 * not walk them */
	struct ac_probe_stats cut = *sr->p;

	sr->h = native(a, sr->p, &sr->x, idx, schema, sc);
	cut.nbuckets = sr->x.warm ? sr->x.last + 1 : 0;
	ac_probe_hist_percentiles(&cut, ac_metrics_quantiles, AC_METRICS_NQ,
				  sr->q);
}

int ac_metrics_write_protobuf(struct ac_outbuf *out,
			      const struct ac_snapshot *s,
			      const struct ac_metrics_info *info)
{
	int schema = ac_metrics_native_schema(s->precision);
	struct arena a = {};
	struct series *sr;
	char **probe, *bin;
	ProtobufCMessageUnknownField *lprobe, lbin;
	int32_t *idx = NULL;
	size_t n = 0, nb = s->nprobes ? s->probes[0].nbuckets + 1 : 1;
	struct scratch sc;
	Family *f;
	int ret = -ENOMEM;

	sr = calloc((size_t)info->nprocs * s->nprobes + 1, sizeof(*sr));
	probe = calloc(s->nprobes + 1, sizeof(*probe));
	/* a span for each bucket at most, a delta for it and its gap */
	sc.spans = malloc(nb * sizeof(*sc.spans));
	sc.deltas = malloc(nb * (GAP_FILL + 1) * sizeof(*sc.deltas));
	if (!sr || !probe || !sc.spans || !sc.deltas)
		goto out;
	if (s->nprobes && !(idx = native_index(s->precision, schema,
					       s->probes[0].nbuckets)))
		goto out;
	bin = arena_quote(&a, info->binary);
	for (int i = 0; i < s->nprobes; i++)
		probe[i] = arena_quote(&a, s->probes[i].name);
	lbin = packed_label(&a, "binary", bin);
	lprobe = arena_alloc(&a, (s->nprobes + 1) * sizeof(*lprobe));
	for (int i = 0; lprobe && i < s->nprobes; i++)
		lprobe[i] = packed_label(&a, "probe", probe[i]);
	if (!lprobe)
		goto out;
	for (int k = 0; k < info->nprocs; k++) {
		const struct ac_metrics_proc *pr = &info->procs[k];
		char *pid = arena_quote(&a, pr->pid), *comm = arena_quote(&a, pr->comm);
		ProtobufCMessageUnknownField lpid = packed_label(&a, "pid", pid);
		ProtobufCMessageUnknownField lcomm = packed_label(&a, "comm", comm);

		for (int i = 0; i < s->nprobes; i++)
			if (!pr->skip_uncalled || pr->probes[i].count) {
				sr[n] = (struct series){ .p = &pr->probes[i] };
				series_read(&a, &sr[n], idx, schema, &sc);
				sr[n].label[0] = lprobe[i];
				sr[n].label[1] = lpid;
				sr[n].label[2] = lcomm;
				sr[n].label[3] = lbin;
				n++;
			}
	}
	if (a.failed)
		goto out;

	/* per series: the histogram, the summary, the two counters */
	for (int fam = AC_FAM_DURATION; fam <= AC_FAM_COLD; fam++) {
		static const Io__Prometheus__Client__MetricType type[] = {
			[AC_FAM_DURATION] = IO__PROMETHEUS__CLIENT__METRIC_TYPE__HISTOGRAM,
			[AC_FAM_QUANTILES] = IO__PROMETHEUS__CLIENT__METRIC_TYPE__SUMMARY,
			[AC_FAM_CALLS] = IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER,
			[AC_FAM_COLD] = IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER,
		};

		f = family_new(&a, fam, type[fam], n, 0, name_of(&a, fam));
		if (!f)
			goto out;
		for (size_t i = 0; i < n; i++) {
			Metric *m = f->metric[i];
			const struct ac_probe_stats *p = sr[i].p;

			m->base.unknown_fields = sr[i].label;
			m->base.n_unknown_fields = 4;
			if (fam == AC_FAM_DURATION) {
				m->histogram = sr[i].h;
			} else if (fam == AC_FAM_QUANTILES) {
				uint64_t *v = sr[i].q, warm = sr[i].x.warm;
				Summary *sm = arena_alloc(&a, sizeof(*sm));
				Quantile *q = arena_alloc(&a, AC_METRICS_NQ * sizeof(*q));
				Quantile **qp = arena_alloc(&a, AC_METRICS_NQ * sizeof(*qp));

				if (!sm || !q || !qp)
					goto out;
				io__prometheus__client__summary__init(sm);
				for (int k = 0; k < AC_METRICS_NQ; k++) {
					io__prometheus__client__quantile__init(&q[k]);
					q[k].has_quantile = q[k].has_value = true;
					q[k].quantile = ac_metrics_quantiles[k];
					q[k].value = warm ? v[k] / 1e9 : NAN;
					qp[k] = &q[k];
				}
				sm->has_sample_count = sm->has_sample_sum = true;
				sm->sample_count = warm;
				sm->sample_sum = p->total_ns / 1e9;
				sm->n_quantile = AC_METRICS_NQ;
				sm->quantile = qp;
				m->summary = sm;
			} else {
				Counter *c = arena_alloc(&a, sizeof(*c));

				if (!c)
					goto out;
				io__prometheus__client__counter__init(c);
				c->has_value = true;
				c->value = fam == AC_FAM_CALLS ? p->count :
					   p->cold_count;
				m->counter = c;
			}
		}
		if (a.failed)
			goto out;
		f->n_metric = n;
		put_family(out, f);
	}

	/* the tracer's: lost events by reason, then one value each */
	f = family_new(&a, AC_FAM_LOST, IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER,
		       AC_LOST_NR, 2, name_of(&a, AC_FAM_LOST));
	if (!f)
		goto out;
	for (int i = 0; i < AC_LOST_NR; i++) {
		Metric *m = f->metric[i];
		Counter *c = arena_alloc(&a, sizeof(*c));

		if (!c)
			goto out;
		io__prometheus__client__counter__init(c);
		c->has_value = true;
		c->value = s->lost[i];
		m->counter = c;
		m->label[0] = label(&a, "binary", bin);
		m->label[1] = label(&a, "reason", (char *)ac_lost_key(i));
		m->n_label = 2;
	}
	f->n_metric = AC_LOST_NR;
	if (a.failed)
		goto out;
	put_family(out, f);
	for (int fam = AC_FAM_PROBE_COST; fam <= AC_FAM_TRACER_CPU; fam++) {
		double v = fam == AC_FAM_PROBE_COST ?
				(s->compensated ? s->pair_ns / 1e9 : 0) :
			   fam == AC_FAM_RESOLUTION ? s->resolution_ns / 1e9 :
			   fam == AC_FAM_BUCKET_ERROR ?
				ac_metrics_native_error(s->precision) :
			   fam == AC_FAM_MAP_BYTES ? (double)s->map_bytes :
			   fam == AC_FAM_ATTACHED ? s->nprobes :
			   info->tracer_cpu_s;
		bool counter = !strcmp(ac_metrics_families[fam].type, "counter");
		Metric *m;

		f = family_new(&a, fam, counter ?
			       IO__PROMETHEUS__CLIENT__METRIC_TYPE__COUNTER :
			       IO__PROMETHEUS__CLIENT__METRIC_TYPE__GAUGE, 1, 1,
			       name_of(&a, fam));
		if (!f)
			goto out;
		m = f->metric[0];
		m->label[0] = label(&a, "binary", bin);
		m->n_label = 1;
		if (counter) {
			m->counter = arena_alloc(&a, sizeof(Counter));
			if (!m->counter)
				goto out;
			io__prometheus__client__counter__init(m->counter);
			m->counter->has_value = true;
			m->counter->value = v;
		} else {
			m->gauge = arena_alloc(&a, sizeof(Gauge));
			if (!m->gauge)
				goto out;
			io__prometheus__client__gauge__init(m->gauge);
			m->gauge->has_value = true;
			m->gauge->value = v;
		}
		f->n_metric = 1;
		if (a.failed)
			goto out;
		put_family(out, f);
	}
	ret = out->failed ? -ENOMEM : 0;
out:
	if (a.failed)
		ret = -ENOMEM;
	arena_free(&a);
	free(sc.spans);
	free(sc.deltas);
	free(idx);
	free(sr);
	free(probe);
	return ret;
}
