// SPDX-License-Identifier: MIT
/* Read-out: kernel maps -> snapshots; reset; the exact-mode ring buffer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "autocue.skel.h"
#include "exact.h"
#include "trace_priv.h"

static void *map_mmap(struct bpf_map *m, size_t elem, size_t *len)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	*len = ((bpf_map__max_entries(m) * elem) + page - 1) / page * page;
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 bpf_map__fd(m), 0);
	return p == MAP_FAILED ? NULL : p;
}

void ac_stats_clear(struct ac_trace *t, __u32 id)
{
	struct ac_stat *s = &t->stats[id];

	/* extremes first, as BPF records them first: a call landing in
	 * between then leaves them covering it, not a count without them */
	s->max_ns = 0;
	s->min_ns = UINT64_MAX;
	s->cold_max_ns = 0;
	s->count = 0;
	s->cold_count = 0;
	s->total_ns = 0;
	s->cold_total_ns = 0;
	s->desc = 0;
	memset(s->func_desc, 0, sizeof(s->func_desc));
	memset(t->hists + (size_t)id * t->nbuckets, 0,
	       t->nbuckets * sizeof(__u64));
}

static void paths_clear(struct ac_trace *t)
{
	int fd = bpf_map__fd(t->skel->maps.paths);
	struct ac_path key;

	/* always restart from the first key: the one just deleted cannot
	 * lead to the next */
	while (!bpf_map_get_next_key(fd, NULL, &key))
		if (bpf_map_delete_elem(fd, &key))
			break;
}

static int on_raw(void *ctx, void *data, size_t len)
{
	struct ac_trace *t = ctx;
	const struct ac_event *e = data;
	const char *name;

	if (len < sizeof(*e) || e->id >= t->nids)
		return 0;
	name = ac_id_name(t, e->id);
	if (!name && t->py) {	/* a Python function's first calls */
		ac_py_resolve(t);
		name = ac_id_name(t, e->id);
	}
	if (t->raw_sink && name)
		fprintf(t->raw_sink, "%s %u %llu %llu %u %u\n", name, e->tid,
			(unsigned long long)e->start_ns,
			(unsigned long long)e->dur_ns, e->depth, e->cold);
	/* exact percentiles cover the warm calls, as the histogram does */
	if (e->cold)
		return 0;
	return ac_exact_add(t->exact, e->id, e->dur_ns);
}

int ac_readout_init(struct ac_trace *t)
{
	struct autocue_bpf *skel = t->skel;

	t->stats = map_mmap(skel->maps.stats, sizeof(struct ac_stat),
			    &t->stats_len);
	t->hists = map_mmap(skel->maps.hists, sizeof(__u64), &t->hists_len);
	t->drops = map_mmap(skel->maps.drops, sizeof(__u64), &t->drops_len);
	if (!t->stats || !t->hists || !t->drops)
		return ac_trace_fail(t, -errno, "cannot map BPF maps: %s",
				     strerror(errno));
	for (__u32 id = 0; id < t->nids; id++)
		t->stats[id].min_ns = UINT64_MAX;
	if (t->raw) {
		t->exact = ac_exact_new(t->nids);
		if (!t->exact)
			return ac_trace_fail(t, -errno, "exact mode: cannot "
					     "create its temporary file: %s",
					     strerror(errno));
		t->rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_raw,
					 t, NULL);
		if (!t->rb)
			return ac_trace_fail(t, -ENOMEM,
					     "cannot set up the ring buffer");
	}
	if (t->per_process && ac_procs_init(t))
		return ac_trace_fail(t, -ENOMEM, "cannot set up per-process statistics");
	return 0;
}

void ac_readout_fini(struct ac_trace *t)
{
	if (t->stats)
		munmap(t->stats, t->stats_len);
	if (t->hists)
		munmap(t->hists, t->hists_len);
	if (t->drops)
		munmap(t->drops, t->drops_len);
	ring_buffer__free(t->rb);
	ac_exact_free(t->exact);
	/* may be set up again, on a fallback path */
	t->stats = NULL;
	t->hists = t->drops = NULL;
	t->rb = NULL;
	t->exact = NULL;
	ac_procs_free(t);
}

/* Sites attached anew are new uprobes: their first hits carry the
 * kernel's set-up again. */
int ac_sites_cold_again(struct ac_trace *t)
{
	int fd = bpf_map__fd(t->skel->maps.site_hits);
	__u32 zero = 0;

	for (__u32 k = 2; k < 2 * (t->nids - 1); k++)
		if (bpf_map_update_elem(fd, &k, &zero, BPF_ANY))
			return -errno;
	return 0;
}

void ac_calibration_done(struct ac_trace *t)
{
	paths_clear(t);
}

void ac_trace_set_raw_sink(struct ac_trace *t, FILE *f)
{
	if (t->rb)
		ring_buffer__consume(t->rb);
	t->raw_sink = f;
	if (f)
		fprintf(f, "# probe tid start_ns dur_ns depth cold\n");
}

/* What a reset and a taking snapshot both clear: whatever has no counter
 * to subtract from (exact mode's calls, the folded paths, per-process
 * and per-thread rows); and the interval starts now */
static void restart(struct ac_trace *t)
{
	if (t->exact)
		ac_exact_reset(t->exact);
	paths_clear(t);
	ac_procs_reset(t);
	ac_series_reset(t);
	clock_gettime(CLOCK_MONOTONIC, &t->t0);
}

int ac_trace_reset(struct ac_trace *t)
{
	if (t->rb)
		ring_buffer__consume(t->rb);
	for (__u32 id = 1; id + 1 < t->nids; id++)
		ac_stats_clear(t, id);	/* --python's ids too */
	memset(t->drops, 0, AC_DROP_NR * sizeof(__u64));
	restart(t);
	return 0;
}

/* memlock of a map as the kernel accounts it (fdinfo) */
static uint64_t map_bytes(int fd)
{
	char path[64];
	long long v;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	return ac_proc_field(path, "memlock", &v) && v > 0 ? (uint64_t)v : 0;
}

uint64_t ac_maps_bytes(struct ac_trace *t)
{
	struct bpf_map *m;
	uint64_t sum = 0;

	bpf_object__for_each_map(m, t->skel->obj)
		sum += map_bytes(bpf_map__fd(m));
	return sum;
}

/* What a snapshot that takes (ac_trace_snapshot_take) read of a probe,
 * subtracted from the shared maps. BPF only ever adds to these counters,
 * and atomic adds and subtractions commute: a call that lands between the
 * read and the subtraction stays for the next interval instead of being
 * zeroed away. Extremes cannot be subtracted: they start again (a call
 * landing in between may miss both intervals' min/max, never a count). */
static void take_probe(struct ac_trace *t, __u32 id,
		       const struct ac_probe_stats *p)
{
	struct ac_stat *st = &t->stats[id];
	__u64 *h = t->hists + (size_t)id * t->nbuckets;

	__atomic_store_n(&st->max_ns, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&st->min_ns, UINT64_MAX, __ATOMIC_RELAXED);
	__atomic_store_n(&st->cold_max_ns, 0, __ATOMIC_RELAXED);
	__atomic_fetch_sub(&st->count, p->count, __ATOMIC_RELAXED);
	__atomic_fetch_sub(&st->total_ns, p->total_ns, __ATOMIC_RELAXED);
	__atomic_fetch_sub(&st->desc, p->desc, __ATOMIC_RELAXED);
	for (int k = 0; k < AC_FUNC_ENTRY_NR; k++)
		__atomic_fetch_sub(&st->func_desc[k], p->func_desc[k],
				   __ATOMIC_RELAXED);
	__atomic_fetch_sub(&st->cold_count, p->cold_count, __ATOMIC_RELAXED);
	__atomic_fetch_sub(&st->cold_total_ns, p->cold_total_ns,
			   __ATOMIC_RELAXED);
	for (__u32 b = 0; b < t->nbuckets; b++)
		if (p->buckets[b])
			__atomic_fetch_sub(&h[b], p->buckets[b],
					   __ATOMIC_RELAXED);
}

/* The ids reported, in order; idx[id]: the snapshot's index, or -1.
 * take: what was read is taken out of the maps (take_probe). */
static int read_probes(struct ac_trace *t, struct ac_snapshot *s,
		       const uint64_t *exact, int *idx, bool take)
{
	int n = 0;

	for (__u32 id = 0; id < t->nids; id++)
		idx[id] = id + 1 < t->nids && ac_id_name(t, id) ? n++ : -1;
	s->probes = calloc(n ? n : 1, sizeof(*s->probes));
	if (!s->probes)
		return -ENOMEM;
	for (__u32 id = 1; id < t->nids; id++) {
		struct ac_probe_stats *p;
		const struct ac_stat *st = &t->stats[id];
		uint64_t *b;
		int i = idx[id];

		if (i < 0)
			continue;
		p = &s->probes[i];
		b = malloc(t->nbuckets * sizeof(*b));
		if (!b)
			return -ENOMEM;
		s->nprobes = i + 1;	/* only now: the free walks them */
		memcpy(b, t->hists + (size_t)id * t->nbuckets,
		       t->nbuckets * sizeof(*b));
		p->name = ac_id_name(t, id);
		p->count = st->count;
		p->total_ns = st->total_ns;
		/* a first call caught mid-record has a count but no extremes
		 * yet: say 0 rather than 2^64 ns */
		p->min_ns = st->min_ns != UINT64_MAX ? st->min_ns : 0;
		p->max_ns = st->max_ns;
		p->desc = st->desc;
		memcpy(p->func_desc, st->func_desc, sizeof(p->func_desc));
		p->func = ac_id_func(t, id);
		p->cold_count = st->cold_count;
		p->cold_total_ns = st->cold_total_ns;
		p->cold_max_ns = st->cold_max_ns;
		p->shift = t->shift;
		p->nbuckets = t->nbuckets;
		p->buckets = b;
		if (exact && (p->nexact = ac_exact_count(t->exact, id)))
			memcpy(p->exact_q, exact + (size_t)id * AC_EXACT_NQ,
			       sizeof(p->exact_q));
		if (take)
			take_probe(t, id, p);
	}
	/* ids no row shows (the calibration's, a Python function outside
	 * the globs) start again as a reset would; not a Python function
	 * first called since the resolve before this read-out, whose calls
	 * go to the interval that names it (they were lost, intervals
	 * adding up to less than the whole, where a read-out is slow) */
	for (__u32 id = 1; take && id + 1 < t->nids; id++)
		if (idx[id] < 0 && !ac_py_id_pending(t, id))
			ac_stats_clear(t, id);
	return 0;
}

static int add_path(struct ac_snapshot *s, const struct ac_path *k,
		    const struct ac_path_val *v, __u32 nids, const int *idx)
{
	struct ac_path_stats *p;
	int *ids, depth = 0, n = 0;

	while (depth < AC_PATH_DEPTH && k->ids[depth])
		depth++;
	ids = malloc((depth ? depth : 1) * sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	for (int i = 0; i < depth; i++) {
		__u16 id = k->ids[i];

		/* a Python function turned off after its first calls leaves
		 * the path; the calibration id never reaches a snapshot */
		if (id == AC_PATH_CUT || id >= nids)
			ids[n++] = -1;
		else if (idx[id] >= 0)
			ids[n++] = idx[id];
	}
	if (!n) {
		free(ids);
		return 0;
	}
	depth = n;
	p = &s->paths[s->npaths++];
	p->depth = depth;
	p->probes = ids;
	p->calls = v->calls;
	p->self_ns = v->self_ns;
	p->total_ns = v->total_ns;
	return 0;
}

static int read_paths(struct ac_trace *t, struct ac_snapshot *s,
		      const int *idx)
{
	int fd = bpf_map__fd(t->skel->maps.paths), cap = 0, ret;
	struct ac_path key, *prev = NULL;
	struct ac_path_val val;

	while (!bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &val))
			continue;
		if (s->npaths == cap) {
			struct ac_path_stats *n;

			cap = cap ? cap * 2 : 64;
			n = realloc(s->paths, cap * sizeof(*n));
			if (!n)
				return -ENOMEM;
			s->paths = n;
		}
		ret = add_path(s, &key, &val, t->nids, idx);
		if (ret)
			return ret;
	}
	return 0;
}

/* --func's kinds of pair: how many functions traced are of each, and
 * what they cost */
static void func_costs(const struct ac_trace *t, struct ac_snapshot *s)
{
	for (int i = 0; i < t->nobjs; i++) {
		const struct ac_object *o = &t->objs[i];

		for (int j = 0; j < o->probes.n; j++) {
			int k = o->probes.p[j].kind - AC_KIND_FUNC_EMULATED;

			if (o->ids && o->ids[j] && o->probes.p[j].func &&
			    k >= 0 && k < AC_FUNC_ENTRY_NR)
				s->func[k].functions++;
		}
	}
	for (int k = 0; k < AC_FUNC_ENTRY_NR; k++) {
		const struct ac_kind_cost *c = &t->cost[AC_KIND_FUNC_EMULATED + k];
		struct ac_func_cost *f = &s->func[k];

		f->pair_ns = c->pair_ns;
		f->inner_ns = c->inner_ns;
		f->pair_spread_ns = c->spread_ns;
		f->resolution_ns = c->resolution_ns;
	}
}

static struct ac_snapshot *snapshot(struct ac_trace *t, bool with_exact,
				    bool take)
{
	struct ac_snapshot *s = calloc(1, sizeof(*s));
	uint64_t *exact = NULL;
	struct timespec now;
	int main_kind;
	int *idx = calloc(t->nids, sizeof(*idx));

	if (!s || !idx) {
		free(s);
		free(idx);
		return NULL;
	}
	ac_py_resolve(t);
	if (t->test_readout_delay_us)
		usleep(t->test_readout_delay_us);
	if (t->rb)
		ring_buffer__consume(t->rb);
	clock_gettime(CLOCK_MONOTONIC, &now);
	s->pid = t->pid;
	s->duration_s = (now.tv_sec - t->t0.tv_sec) +
			(now.tv_nsec - t->t0.tv_nsec) / 1e9;
	s->precision = t->shift;
	s->compensated = !t->no_compensate;
	pthread_mutex_lock(&t->cal_lock);
	/* the session's pair: the interpreter's with --python */
	main_kind = t->python ? AC_KIND_PYTHON : AC_KIND_PAIR;
	s->pair_ns = t->cost[main_kind].pair_ns;
	s->inner_ns = t->cost[main_kind].inner_ns;
	s->pair_spread_ns = t->cost[main_kind].spread_ns;
	s->resolution_ns = t->cost[main_kind].resolution_ns;
	func_costs(t, s);
	memcpy(s->stale, t->stale, sizeof(s->stale));
	pthread_mutex_unlock(&t->cal_lock);
	s->pair_tight_ns = t->pair_tight_ns;
	s->pair_busy_ns = t->pair_busy_ns;
	/* one list (autocue_lost.h) numbers both */
	_Static_assert((int)AC_LOST_NR == (int)AC_DROP_NR, "lost-event lists differ");
	for (int i = 0; i < AC_LOST_NR; i++) {
		s->lost[i] = t->drops[i];
		if (take)
			__atomic_fetch_sub(&t->drops[i], s->lost[i],
					   __ATOMIC_RELAXED);
	}
	s->map_bytes = ac_maps_bytes(t);
	if (with_exact && t->exact &&
	    (!(exact = calloc(t->nids, AC_EXACT_NQ * sizeof(*exact))) ||
	     ac_exact_select(t->exact, exact)))
		goto fail;
	if (read_probes(t, s, exact, idx, take) || read_paths(t, s, idx) ||
	    ac_procs_read(t, s) || ac_series_read(t, s))
		goto fail;
	free(exact);
	free(idx);
	return s;

fail:
	free(exact);
	free(idx);
	ac_snapshot_free(s);
	return NULL;
}

struct ac_snapshot *ac_trace_snapshot(struct ac_trace *t)
{
	return snapshot(t, true, false);
}

struct ac_snapshot *ac_trace_snapshot_hist(struct ac_trace *t)
{
	return snapshot(t, false, false);
}

/* --reset-each-interval: the counters taken away as they are read
 * (take_probe), the rest cleared after (restart) */
struct ac_snapshot *ac_trace_snapshot_take(struct ac_trace *t)
{
	struct ac_snapshot *s = snapshot(t, false, true);

	if (s)
		restart(t);
	return s;
}

void ac_snapshot_drop_procs(struct ac_snapshot *s)
{
	/* the processes' buckets point into procs_mem and the slots */
	for (int k = 0; k < s->nprocs; k++)
		free(s->procs[k].probes);
	free(s->procs);
	free(s->procs_mem);
	ac_procs_unpin(s->procs_pin);
	s->procs = NULL;
	s->nprocs = 0;
	s->procs_mem = NULL;
	s->procs_pin = NULL;
}

void ac_snapshot_free(struct ac_snapshot *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nprobes; i++) {
		free((void *)s->probes[i].buckets);
	}
	for (int i = 0; i < s->npaths; i++)
		free((void *)s->paths[i].probes);
	ac_snapshot_drop_procs(s);
	free(s->owners);
	free(s->probes);
	free(s->paths);
	free(s);
}
