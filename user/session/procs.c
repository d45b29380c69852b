// SPDX-License-Identifier: MIT
/*
 * Per-process statistics, for a session that traces every process running
 * a binary (ac_trace_open_binary): the BPF program keeps each process's
 * figures apart in proc_stats, keyed (tgid, probe id), beside the totals.
 * Entries of processes that exited are folded into one "exited" set here
 * and deleted from the map, so that a fleet's counters never go down and
 * the map holds live processes only. One lock orders folding against
 * snapshots: a snapshot may come from another thread (--listen's server).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "autocue.skel.h"
#include "trace_priv.h"

struct ac_procs {
	pthread_mutex_t lock;
	size_t vsize;		/* struct ac_stat + nbuckets counts */
	/* exited processes folded: one value per probe id */
	unsigned char *exited;
	bool any_exited;
	struct timespec last_fold;
};

static struct ac_stat *val_at(unsigned char *base, size_t vsize, __u32 i)
{
	return (struct ac_stat *)(base + (size_t)i * vsize);
}

size_t ac_procs_value_size(uint32_t nbuckets)
{
	return sizeof(struct ac_stat) + (size_t)nbuckets * sizeof(__u64);
}

static void stat_init(struct ac_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->min_ns = UINT64_MAX;
}

int ac_procs_init(struct ac_trace *t)
{
	struct ac_procs *p = calloc(1, sizeof(*p));
	unsigned char *init;
	__u32 zero = 0;
	int ret = 0;

	if (!p)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	p->vsize = ac_procs_value_size(t->nbuckets);
	p->exited = calloc(t->nids, p->vsize);
	init = calloc(1, p->vsize);
	t->procs = p;
	if (!p->exited || !init) {
		free(init);
		return -ENOMEM;
	}
	for (__u32 id = 0; id < t->nids; id++)
		stat_init(val_at(p->exited, p->vsize, id));
	stat_init((struct ac_stat *)init);
	if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.proc_init), &zero,
				init, BPF_ANY))
		ret = -errno;
	free(init);
	clock_gettime(CLOCK_MONOTONIC, &p->last_fold);
	return ret;
}

void ac_procs_free(struct ac_trace *t)
{
	if (!t->procs)
		return;
	pthread_mutex_destroy(&t->procs->lock);
	free(t->procs->exited);
	free(t->procs);
	t->procs = NULL;
}

static void add_into(struct ac_stat *to, const struct ac_stat *from,
		     uint32_t nbuckets)
{
	const __u64 *fb = (const __u64 *)(from + 1);
	__u64 *tb = (__u64 *)(to + 1);

	to->count += from->count;
	to->total_ns += from->total_ns;
	if (from->min_ns < to->min_ns)
		to->min_ns = from->min_ns;
	if (from->max_ns > to->max_ns)
		to->max_ns = from->max_ns;
	to->desc += from->desc;
	for (int k = 0; k < 2; k++)
		to->func_desc[k] += from->func_desc[k];
	to->cold_count += from->cold_count;
	to->cold_total_ns += from->cold_total_ns;
	if (from->cold_max_ns > to->cold_max_ns)
		to->cold_max_ns = from->cold_max_ns;
	to->octaves |= from->octaves;
	for (uint32_t b = 0; b < nbuckets; b++)
		tb[b] += fb[b];
}

void *ac_map_keys(int fd, size_t ksize, int max, int *n)
{
	unsigned char *keys = calloc(max + 1, ksize), *prev = NULL;

	*n = 0;
	if (!keys)
		return NULL;
	while (*n < max && !bpf_map_get_next_key(fd, prev, keys + *n * ksize)) {
		prev = keys + *n * ksize;
		(*n)++;
	}
	return keys;
}

static struct ac_proc_key *all_keys(int fd, int max, int *n)
{
	return ac_map_keys(fd, sizeof(struct ac_proc_key), max, n);
}

static int cmp_key(const void *a, const void *b)
{
	const struct ac_proc_key *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Under the lock: the entries of processes gone, into exited. A process
 * that exits has made its last call: its entry is final. */
static int fold_locked(struct ac_trace *t)
{
	struct ac_procs *p = t->procs;
	int fd = bpf_map__fd(t->skel->maps.proc_stats), n;
	struct ac_proc_key *keys = all_keys(fd, t->max_series, &n);
	unsigned char *v = malloc(p->vsize);
	pid_t gone_checked = 0;
	bool gone = false;

	if (!keys || !v) {
		free(keys);
		free(v);
		return -ENOMEM;
	}
	/* by process: one look at /proc for each */
	qsort(keys, n, sizeof(*keys), cmp_key);
	for (int i = 0; i < n; i++) {
		if (keys[i].tgid != (__u32)gone_checked) {
			gone_checked = keys[i].tgid;
			gone = !ac_pid_alive(gone_checked);
		}
		if (!gone || keys[i].id >= t->nids)
			continue;
		if (bpf_map_lookup_elem(fd, &keys[i], v))
			continue;
		add_into(val_at(p->exited, p->vsize, keys[i].id),
			 (struct ac_stat *)v, t->nbuckets);
		p->any_exited = true;
		bpf_map_delete_elem(fd, &keys[i]);
	}
	free(keys);
	free(v);
	clock_gettime(CLOCK_MONOTONIC, &p->last_fold);
	return 0;
}

void ac_procs_poll(struct ac_trace *t)
{
	struct ac_procs *p = t->procs;
	struct timespec now;

	if (!p)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* once a second keeps the map to live processes between scrapes */
	if (now.tv_sec - p->last_fold.tv_sec < 1)
		return;
	pthread_mutex_lock(&p->lock);
	fold_locked(t);
	pthread_mutex_unlock(&p->lock);
}

void ac_procs_reset(struct ac_trace *t)
{
	struct ac_procs *p = t->procs;
	int fd, n;
	struct ac_proc_key *keys;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	fd = bpf_map__fd(t->skel->maps.proc_stats);
	keys = all_keys(fd, t->max_series, &n);
	for (int i = 0; keys && i < n; i++)
		bpf_map_delete_elem(fd, &keys[i]);
	free(keys);
	memset(p->exited, 0, t->nids * p->vsize);
	for (__u32 id = 0; id < t->nids; id++)
		stat_init(val_at(p->exited, p->vsize, id));
	p->any_exited = false;
	pthread_mutex_unlock(&p->lock);
}

/* Every entry of proc_stats, keys and values, in a few batched reads (one
 * syscall per hash bucket run, not two per entry); *n of them. vals has
 * room for extra values more, for the caller. */
static int read_all(struct ac_trace *t, int extra, struct ac_proc_key **keys,
		    unsigned char **vals, int *n)
{
	struct ac_procs *p = t->procs;
	int fd = bpf_map__fd(t->skel->maps.proc_stats), max = t->max_series;
	__u32 token = 0, count;
	int ret;

	*n = 0;
	*keys = malloc(max * sizeof(**keys));
	*vals = malloc((size_t)(max + extra) * p->vsize);
	if (!*keys || !*vals)
		return -ENOMEM;
	do {
		count = max - *n;
		ret = bpf_map_lookup_batch(fd, *n ? &token : NULL, &token,
					   *keys + *n, *vals + *n * p->vsize,
					   &count, NULL);
		if (ret && errno != ENOENT)	/* ENOENT: that was the last */
			return -errno;
		*n += count;
	} while (!ret && *n < max);
	return 0;
}

/* The statistics of a process's probes, pointing into vals (or into a
 * zero set, for probes it did not call): the snapshot owns vals. */
static int proc_new(struct ac_trace *t, struct ac_snapshot *s, pid_t pid,
		    const uint64_t *zeros)
{
	struct ac_proc_stats *pr, *n;

	n = realloc(s->procs, (s->nprocs + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	s->procs = n;
	pr = &n[s->nprocs];
	memset(pr, 0, sizeof(*pr));
	pr->pid = pid;
	if (pid)
		ac_process_comm(pid, pr->comm, sizeof(pr->comm));
	pr->probes = calloc(t->probes.n + 1, sizeof(*pr->probes));
	if (!pr->probes)
		return -ENOMEM;
	s->nprocs++;
	for (int i = 0; i < t->probes.n; i++) {
		pr->probes[i].name = t->probes.p[i].name;
		pr->probes[i].func = ac_id_func(t, i + 1);
		pr->probes[i].shift = t->shift;
		pr->probes[i].nbuckets = t->nbuckets;
		pr->probes[i].buckets = zeros;
		pr->probes[i].empty = ~0ULL;
	}
	return 0;
}

void ac_stat_fill(struct ac_probe_stats *ps, const struct ac_stat *st)
{
	ps->count = st->count;
	ps->total_ns = st->total_ns;
	ps->min_ns = st->min_ns != UINT64_MAX ? st->min_ns : 0;
	ps->max_ns = st->max_ns;
	ps->desc = st->desc;
	memcpy(ps->func_desc, st->func_desc, sizeof(ps->func_desc));
	ps->cold_count = st->cold_count;
	ps->cold_total_ns = st->cold_total_ns;
	ps->cold_max_ns = st->cold_max_ns;
}

/* st's figures, its buckets where they are (in the snapshot's procs_mem);
 * the powers of two without a call, from the kernel's marks */
static void fill(struct ac_probe_stats *ps, const struct ac_stat *st)
{
	ac_stat_fill(ps, st);
	ps->buckets = (const uint64_t *)(st + 1);
	ps->empty = ~st->octaves;
}

struct entry {
	struct ac_proc_key key;
	unsigned char *val;
};

static int cmp_entry(const void *a, const void *b)
{
	return cmp_key(&((const struct entry *)a)->key,
		       &((const struct entry *)b)->key);
}

/* One read of the map serves both: the entries of processes gone are
 * folded (their values are final), the others make the snapshot. */
int ac_procs_read(struct ac_trace *t, struct ac_snapshot *s)
{
	struct ac_procs *p = t->procs;
	int fd, n = 0, ret = 0;
	struct ac_proc_key *keys = NULL;
	unsigned char *vals = NULL, *exited, *zero;
	struct entry *e = NULL;
	pid_t checked = 0;
	bool gone = false;

	if (!p)
		return 0;
	pthread_mutex_lock(&p->lock);
	fd = bpf_map__fd(t->skel->maps.proc_stats);
	/* room after the entries: the exited set, then a zero value */
	ret = read_all(t, (int)t->nids + 1, &keys, &vals, &n);
	if (!ret && !(e = malloc((n ? n : 1) * sizeof(*e))))
		ret = -ENOMEM;
	if (ret) {
		free(vals);
		goto out;
	}
	s->procs_mem = vals;	/* the snapshot's, from here on */
	exited = vals + (size_t)n * p->vsize;
	zero = exited + (size_t)t->nids * p->vsize;
	memset(zero, 0, p->vsize);
	/* by process, then probe: one look at /proc for each process */
	for (int i = 0; i < n; i++)
		e[i] = (struct entry){ keys[i], vals + (size_t)i * p->vsize };
	qsort(e, n, sizeof(*e), cmp_entry);
	for (int i = 0; i < n && !ret; i++) {
		__u32 id = e[i].key.id;

		if (e[i].key.tgid != (__u32)checked) {
			checked = e[i].key.tgid;
			gone = !ac_pid_alive(checked);
		}
		if (gone) {
			if (id >= t->nids)
				continue;
			add_into(val_at(p->exited, p->vsize, id),
				 (struct ac_stat *)e[i].val, t->nbuckets);
			p->any_exited = true;
			bpf_map_delete_elem(fd, &e[i].key);
			continue;
		}
		if (!id || id > (__u32)t->probes.n)
			continue;
		if (!s->nprocs || s->procs[s->nprocs - 1].pid != (pid_t)checked)
			ret = proc_new(t, s, checked, (uint64_t *)(zero + sizeof(struct ac_stat)));
		if (!ret)
			fill(&s->procs[s->nprocs - 1].probes[id - 1],
			     (struct ac_stat *)e[i].val);
	}
	clock_gettime(CLOCK_MONOTONIC, &p->last_fold);
	if (!ret && p->any_exited) {
		/* a copy: folding goes on after the snapshot */
		memcpy(exited, p->exited, (size_t)t->nids * p->vsize);
		ret = proc_new(t, s, 0, (uint64_t *)(zero + sizeof(struct ac_stat)));
		for (int i = 0; !ret && i < t->probes.n; i++)
			fill(&s->procs[s->nprocs - 1].probes[i],
			     val_at(exited, p->vsize, i + 1));
	}
out:
	pthread_mutex_unlock(&p->lock);
	free(keys);
	free(e);
	return ret;
}
