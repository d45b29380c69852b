// SPDX-License-Identifier: MIT
/* JSON reports (json-c): the seed's save_report keys plus histograms. */
#include <linux/types.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "autocue.h"
#include "json_report.h"
#include "outfile.h"
#include "report.h"

/* json-c prints doubles with %.17g ("1.2340000000000001"); write the
 * value to the nanosecond with trailing zeros dropped instead. */
static struct json_object *new_fixed(double v, int decimals)
{
	char buf[64];
	size_t n;

	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	if (strchr(buf, '.')) {
		n = strlen(buf);
		while (n > 1 && buf[n - 1] == '0')
			buf[--n] = '\0';
		if (buf[n - 1] == '.')
			buf[n++] = '0', buf[n] = '\0';
	}
	return json_object_new_double_s(v, buf);
}

static struct json_object *new_ms(uint64_t ns)
{
	return new_fixed((double)ns / 1e6, 6);
}

/* add an owned value; json-c takes the reference even on failure, but a
 * NULL value (allocation failure) must fail the whole report */
static int add(struct json_object *obj, const char *key,
	       struct json_object *val)
{
	if (!val || json_object_object_add(obj, key, val)) {
		json_object_put(val);
		return -ENOMEM;
	}
	return 0;
}

int ac_json_add(struct json_object *obj, const char *key,
		struct json_object *val)
{
	return add(obj, key, val);
}

static int push(struct json_object *arr, struct json_object *val)
{
	if (!val || json_object_array_add(arr, val)) {
		json_object_put(val);
		return -ENOMEM;
	}
	return 0;
}

/* Python's datetime.now().isoformat(): local time, microseconds
 * omitted when zero. */
static struct json_object *new_timestamp(const struct timespec *ts)
{
	char buf[64];
	struct tm tm;
	size_t n;
	long us = ts->tv_nsec / 1000;

	if (!localtime_r(&ts->tv_sec, &tm))
		return NULL;
	n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	if (us)
		snprintf(buf + n, sizeof(buf) - n, ".%06ld", us);
	return json_object_new_string(buf);
}

/* A bucket on one line, "[lo, hi, count]": pretty-printing would
 * otherwise spend five lines on each of dozens of buckets. */
static int put_triple(struct json_object *jso, struct printbuf *pb, int level,
		      int flags)
{
	(void)level, (void)flags;
	return sprintbuf(pb, "[%llu, %llu, %llu]",
			 (unsigned long long)json_object_get_uint64(
				 json_object_array_get_idx(jso, 0)),
			 (unsigned long long)json_object_get_uint64(
				 json_object_array_get_idx(jso, 1)),
			 (unsigned long long)json_object_get_uint64(
				 json_object_array_get_idx(jso, 2)));
}

static struct json_object *new_buckets(const struct ac_probe_stats *p)
{
	struct json_object *arr = json_object_new_array(), *b;
	__u64 lo, hi;

	if (!arr)
		return NULL;
	for (uint32_t i = 0; p->buckets && i < p->nbuckets; i++) {
		if (!p->buckets[i])
			continue;
		ac_bucket_range(i, p->shift, &lo, &hi);
		b = json_object_new_array_ext(3);
		if (push(arr, b) ||
		    push(b, json_object_new_uint64(lo)) ||
		    push(b, json_object_new_uint64(hi)) ||
		    push(b, json_object_new_uint64(p->buckets[i]))) {
			json_object_put(arr);
			return NULL;
		}
		json_object_set_serializer(b, put_triple, NULL, NULL);
	}
	return arr;
}

static struct json_object *new_exact(const struct ac_probe_stats *p)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (add(o, "samples", json_object_new_uint64(p->nexact)) ||
	    add(o, "p50_time_ms", new_ms(ac_probe_percentile(p, 0.50))) ||
	    add(o, "p95_time_ms", new_ms(ac_probe_percentile(p, 0.95))) ||
	    add(o, "p99_time_ms", new_ms(ac_probe_percentile(p, 0.99)))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* The duration fields of a stat, in the seed's order. */
enum { F_TOTAL, F_AVG, F_MEDIAN, F_MIN, F_MAX, F_P95, F_P99, F_P999, F_NR };

static const char *const field_keys[F_NR] = {
	"total_time_ms", "avg_time_ms", "median_time_ms", "min_time_ms",
	"max_time_ms", "p95_time_ms", "p99_time_ms", "p999_time_ms",
};

static void stat_values(const struct ac_probe_stats *p, double v[F_NR])
{
	if (!ac_probe_warm_calls(p)) {
		/* cold calls only: what they read bounds them */
		for (int f = 0; f < F_NR; f++)
			v[f] = (double)p->cold_max_ns;
		v[F_TOTAL] = (double)p->cold_total_ns;
		v[F_AVG] = ac_probe_mean_ns(p);
		return;
	}
	v[F_TOTAL] = (double)p->total_ns;
	v[F_AVG] = ac_probe_mean_ns(p);
	v[F_MEDIAN] = (double)ac_probe_hist_percentile(p, 0.50);
	v[F_MIN] = (double)p->min_ns;
	v[F_MAX] = (double)p->max_ns;
	v[F_P95] = (double)ac_probe_hist_percentile(p, 0.95);
	v[F_P99] = (double)ac_probe_hist_percentile(p, 0.99);
	v[F_P999] = (double)ac_probe_hist_percentile(p, 0.999);
}

/* A row by thread or process: whose it is */
static int add_owner(struct json_object *o, const struct ac_row_owner *w)
{
	if (add(o, "pid", json_object_new_int64(w->pid)))
		return -ENOMEM;
	if (!w->tid)
		return add(o, "process_name", json_object_new_string(w->comm));
	if (add(o, "tid", json_object_new_int64(w->tid)) ||
	    add(o, "thread_name", json_object_new_string(w->comm)))
		return -ENOMEM;
	return 0;
}

/* The threads (threads: true: [{"tid", "pid", "name"}]) or processes
 * ([{"pid"}], with "name" for rows by process) of the rows, each once */
static struct json_object *new_owners(const struct ac_snapshot *s,
				      bool threads)
{
	struct json_object *arr = json_object_new_array(), *e;

	if (!arr)
		return NULL;
	for (int i = 0; i < s->nprobes; i++) {
		const struct ac_row_owner *w = &s->owners[i];
		bool seen = false;

		for (int j = 0; j < i && !seen; j++)
			seen = s->owners[j].pid == w->pid &&
			       (!threads || s->owners[j].tid == w->tid);
		if (seen)
			continue;
		e = json_object_new_object();
		if (!e)
			goto fail;
		if ((threads && add(e, "tid", json_object_new_int64(w->tid))) ||
		    add(e, "pid", json_object_new_int64(w->pid)) ||
		    ((threads || !w->tid) &&
		     add(e, "name", json_object_new_string(w->comm)))) {
			json_object_put(e);
			goto fail;
		}
		if (push(arr, e))
			goto fail;
	}
	return arr;

fail:
	json_object_put(arr);
	return NULL;
}

/* Values the probe-cost noise hides are given as the resolution, their
 * bound, and named in "below_resolution": never a 0 not measured. */
static struct json_object *new_stat(const struct ac_snapshot *s,
				    const struct ac_probe_stats *p)
{
	struct json_object *o = json_object_new_object();
	struct json_object *below = json_object_new_array();
	bool warm = ac_probe_warm_calls(p) > 0;
	double v[F_NR];

	if (!o || !below)
		goto fail;
	stat_values(p, v);
	if (add(o, "name", json_object_new_string(p->name)) ||
	    add(o, "call_count", json_object_new_uint64(p->count)))
		goto fail;
	for (int f = 0; f < F_NR; f++) {
		double x = v[f];

		if (warm && s->compensated && x < ac_probe_resolution_ns(s, p)) {
			x = 2 * ac_probe_resolution_ns(s, p);
			if (push(below, json_object_new_string(field_keys[f])))
				goto fail;
		}
		if (add(o, field_keys[f], new_fixed(x / 1e6, 6)))
			goto fail;
	}
	if (add(o, "below_resolution", below))
		goto fail_below_added;
	if (add(o, "cold_calls", json_object_new_uint64(p->cold_count)) ||
	    add(o, "cold_total_time_ms", new_ms(p->cold_total_ns)) ||
	    add(o, "cold_max_time_ms", new_ms(p->cold_max_ns)) ||
	    add(o, "upper_bounds", json_object_new_boolean(!warm && p->count)) ||
	    add(o, "probe_cost_beneath_ms",
		new_fixed(ac_probe_beneath_ns(s, p) / 1e6, 6)) ||
	    add(o, "probe_cost_beneath_error_ms",
		new_fixed(ac_probe_beneath_error_ns(s, p) / 1e6, 6)) ||
	    add(o, "buckets", new_buckets(p)))
		goto fail_below_added;
	if (p->nexact && add(o, "exact", new_exact(p)))
		goto fail_below_added;
	if (s->owners && add_owner(o, &s->owners[p - s->probes]))
		goto fail_below_added;
	return o;

fail:
	json_object_put(below);
fail_below_added:
	json_object_put(o);
	return NULL;
}

static int by_total(const void *a, const void *b)
{
	const struct ac_probe_stats *x = *(const struct ac_probe_stats **)a;
	const struct ac_probe_stats *y = *(const struct ac_probe_stats **)b;

	if (x->total_ns != y->total_ns)
		return x->total_ns > y->total_ns ? -1 : 1;
	return strcmp(x->name, y->name);
}

static struct json_object *new_stats(const struct ac_snapshot *s)
{
	const struct ac_probe_stats **order;
	struct json_object *arr = json_object_new_array();
	int n = 0;

	order = calloc(s->nprobes + 1, sizeof(*order));
	if (!order || !arr)
		goto fail;
	for (int i = 0; i < s->nprobes; i++)
		if (s->probes[i].count)
			order[n++] = &s->probes[i];
	qsort(order, n, sizeof(*order), by_total);
	for (int i = 0; i < n; i++)
		if (push(arr, new_stat(s, order[i])))
			goto fail;
	free(order);
	return arr;

fail:
	free(order);
	json_object_put(arr);
	return NULL;
}

static struct json_object *new_dropped(const struct ac_snapshot *s)
{
	struct json_object *o = json_object_new_object();
	uint64_t total = 0;

	if (!o)
		return NULL;
	for (int i = 0; i < AC_LOST_NR; i++) {
		total += s->lost[i];
		if (add(o, ac_lost_key(i), json_object_new_uint64(s->lost[i])))
			goto fail;
	}
	if (add(o, "total", json_object_new_uint64(total)))
		goto fail;
	return o;

fail:
	json_object_put(o);
	return NULL;
}

/* --func's pairs by how the kernel runs their first instruction: the
 * kinds traced only */
static struct json_object *new_func_costs(const struct ac_snapshot *s)
{
	static const char *const kind[AC_FUNC_ENTRY_NR] = {
		[AC_FUNC_ENTRY_EMULATED] = "emulated",
		[AC_FUNC_ENTRY_STEPPED] = "single_stepped",
	};
	struct json_object *o = json_object_new_object(), *k;

	for (int i = 0; o && i < AC_FUNC_ENTRY_NR; i++) {
		const struct ac_func_cost *f = &s->func[i];

		if (!f->functions)
			continue;
		k = json_object_new_object();
		if (!k || add(o, kind[i], k) ||
		    add(k, "functions", json_object_new_int(f->functions)) ||
		    add(k, "pair_ns", new_fixed(f->pair_ns, 1)) ||
		    add(k, "inner_ns", new_fixed(f->inner_ns, 1)) ||
		    add(k, "pair_spread_ns", new_fixed(f->pair_spread_ns, 1)) ||
		    add(k, "resolution_ns", new_fixed(f->resolution_ns, 1))) {
			json_object_put(o);
			return NULL;
		}
	}
	return o;
}

/* "stale": {"entry": {...}, "return": {...}}: ac_snapshot.stale */
static struct json_object *new_stale(const struct ac_snapshot *s)
{
	static const char *const side[2] = { "entry", "return" };
	struct json_object *o = json_object_new_object();

	for (int i = 0; o && i < 2; i++) {
		const struct ac_stale_cost *c = &s->stale[i];
		struct json_object *e = json_object_new_object();

		if (add(o, side[i], e) ||
		    add(e, "onset_ns", new_fixed(c->onset_ns, 1)) ||
		    add(e, "slope_ns", new_fixed(c->slope_ns, 1)) ||
		    add(e, "cap_ns", new_fixed(c->cap_ns, 1)) ||
		    add(e, "at_cap_ns", new_fixed(c->at_cap_ns, 1))) {
			json_object_put(o);
			return NULL;
		}
	}
	return o;
}

static struct json_object *new_compensation(const struct ac_snapshot *s)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (add(o, "enabled", json_object_new_boolean(s->compensated)) ||
	    add(o, "func", new_func_costs(s)) ||
	    add(o, "pair_ns", new_fixed(s->pair_ns, 1)) ||
	    add(o, "inner_ns", new_fixed(s->inner_ns, 1)) ||
	    add(o, "pair_tight_ns", new_fixed(s->pair_tight_ns, 1)) ||
	    add(o, "pair_busy_ns", new_fixed(s->pair_busy_ns, 1)) ||
	    add(o, "pair_spread_ns", new_fixed(s->pair_spread_ns, 1)) ||
	    add(o, "resolution_ns", new_fixed(s->resolution_ns, 1)) ||
	    add(o, "stale", new_stale(s))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* "killed_by": "SIGKILL", or null when the tracee was not killed (json-c's
 * null is a NULL value, which add() takes for a failure) */
static int add_signal(struct json_object *o, int sig)
{
	char name[32];

	if (!sig)
		return json_object_object_add(o, "killed_by", NULL) ? -ENOMEM : 0;
	snprintf(name, sizeof(name), "SIG%s", sigabbrev_np(sig) ?: "?");
	return add(o, "killed_by", json_object_new_string(name));
}

struct json_object *ac_json_report(const struct ac_snapshot *s,
				   const struct timespec *when)
{
	struct json_object *o;
	struct timespec now;

	if (!s)
		return NULL;
	if (!when) {
		clock_gettime(CLOCK_REALTIME, &now);
		when = &now;
	}
	o = json_object_new_object();
	if (!o)
		return NULL;
	if (add(o, "timestamp", new_timestamp(when)) ||
	    add(o, "pid", json_object_new_int64(s->pid)) ||
	    add(o, "duration_s", new_fixed(s->duration_s, 6)) ||
	    add(o, "precision", json_object_new_int(s->precision)) ||
	    add(o, "map_bytes", json_object_new_uint64(s->map_bytes)) ||
	    add_signal(o, s->tracee_signal) ||
	    add(o, "compensation", new_compensation(s)) ||
	    add(o, "dropped", new_dropped(s)) ||
	    add(o, "stats", new_stats(s))) {
		json_object_put(o);
		return NULL;
	}
	/* rows by thread (--per-thread) or by process (--follow --per-pid) */
	if (s->owners && s->nprobes &&
	    ((s->owners[0].tid && add(o, "threads", new_owners(s, true))) ||
	     add(o, "processes", new_owners(s, false)))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static int print_text(FILE *f, const void *text)
{
	if (fputs(text, f) < 0 || fputc('\n', f) < 0)
		return -(errno ? errno : EIO);
	return 0;
}

static int write_object(const char *path, struct json_object *o)
{
	const char *text;

	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_SPACED |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text)
		return -ENOMEM;
	return ac_outfile_write(path, print_text, text);
}

int ac_json_write(const char *path, const struct ac_snapshot *s)
{
	struct json_object *o = ac_json_report(s, NULL);
	int err;

	if (!o)
		return s ? -ENOMEM : -EINVAL;
	err = write_object(path, o);
	json_object_put(o);
	return err;
}
