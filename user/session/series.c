// SPDX-License-Identifier: MIT
/*
 * Rows by thread (--per-thread) or, for a followed tree, by process
 * (--follow --per-pid): the BPF program keeps each (process, thread,
 * probe)'s statistics and histogram apart in the series map; here they
 * become the snapshot's rows, named NAME[TID:threadname], NAME[PID/TID:
 * threadname] or NAME[PID]. A row keeps its place once seen (its name
 * lives as long as the session), so that snapshots of one session add up
 * row by row (ac_snapshot_add) after resets, and a thread that exited
 * keeps its row. The rows replace the per-probe ones; folded paths are
 * not split by thread, so such a snapshot carries none.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "autocue.skel.h"
#include "trace_priv.h"

struct series_row {
	struct ac_series_key key;
	char *name;
	struct ac_row_owner owner;
};

struct ac_series_state {
	int n;
	struct series_row *rows;
};

/* A thread's name now, else at its first traced call (it may be gone) */
static void thread_name(struct ac_trace *t, pid_t pid, pid_t tid,
			char *buf, size_t len)
{
	char path[64];
	FILE *f;

	buf[0] = 0;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", pid, tid);
	f = fopen(path, "re");
	if (f) {
		if (fgets(buf, len, f))
			buf[strcspn(buf, "\n")] = 0;
		fclose(f);
	}
	if (!buf[0]) {
		char comm[16] = "";
		__u32 k = tid;

		if (!bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.thread_comm),
					 &k, comm))
			snprintf(buf, len, "%.15s", comm);
	}
}

/* The row of key: found, or added (-1: out of memory) */
static int row_of(struct ac_trace *t, const struct ac_series_key *key)
{
	struct ac_series_state *st = t->series;
	struct series_row *r, *grown;
	const char *base;
	int ret;

	for (int i = 0; i < st->n; i++)
		if (!memcmp(&st->rows[i].key, key, sizeof(*key)))
			return i;
	base = ac_id_name(t, key->id);
	if (!base)
		return -2;	/* not a reported id (calibration) */
	grown = realloc(st->rows, (st->n + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	st->rows = grown;
	r = &grown[st->n];
	memset(r, 0, sizeof(*r));
	r->key = *key;
	r->owner.pid = key->tgid;
	r->owner.tid = key->tid;
	if (key->tid) {
		thread_name(t, key->tgid, key->tid, r->owner.comm,
			    sizeof(r->owner.comm));
		if (t->series_pid)
			ret = asprintf(&r->name, "%s[%u/%u:%s]", base, key->tgid,
				       key->tid, r->owner.comm);
		else
			ret = asprintf(&r->name, "%s[%u:%s]", base, key->tid,
				       r->owner.comm);
	} else {
		ac_process_comm(key->tgid, r->owner.comm, sizeof(r->owner.comm));
		ret = asprintf(&r->name, "%s[%u]", base, key->tgid);
	}
	if (ret < 0)
		return -1;
	return st->n++;
}

static int cmp_key(const void *a, const void *b)
{
	const struct ac_series_key *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void drop_rows(struct ac_snapshot *s)
{
	for (int i = 0; i < s->nprobes; i++)
		free((void *)s->probes[i].buckets);
	for (int i = 0; i < s->npaths; i++)
		free((void *)s->paths[i].probes);
	free(s->probes);
	free(s->paths);
	s->probes = NULL;
	s->paths = NULL;
	s->nprobes = s->npaths = 0;
}

int ac_series_read(struct ac_trace *t, struct ac_snapshot *s)
{
	int fd, n, ret = 0, *at = NULL;
	struct ac_series_key *keys;
	struct ac_probe_stats *rows = NULL;
	size_t vsize = ac_procs_value_size(t->nbuckets);
	unsigned char *v;

	if (!t->per_thread && !t->series_pid)
		return 0;
	if (!t->series && !(t->series = calloc(1, sizeof(*t->series))))
		return -ENOMEM;
	fd = bpf_map__fd(t->skel->maps.series);
	keys = ac_map_keys(fd, sizeof(*keys), t->max_series, &n);
	v = malloc(vsize);
	if (!keys || !v || !(at = calloc(n + 1, sizeof(*at)))) {
		ret = -ENOMEM;
		goto out;
	}
	qsort(keys, n, sizeof(*keys), cmp_key);
	for (int i = 0; i < n; i++) {
		at[i] = row_of(t, &keys[i]);
		if (at[i] == -1) {
			ret = -ENOMEM;
			goto out;
		}
	}
	drop_rows(s);
	rows = calloc(t->series->n + 1, sizeof(*rows));
	s->owners = calloc(t->series->n + 1, sizeof(*s->owners));
	if (!rows || !s->owners) {
		free(rows);
		ret = -ENOMEM;
		goto out;
	}
	s->probes = rows;
	for (int i = 0; i < t->series->n; i++) {
		rows[i].name = t->series->rows[i].name;
		rows[i].shift = t->shift;
		rows[i].nbuckets = t->nbuckets;
		rows[i].buckets = calloc(t->nbuckets, sizeof(uint64_t));
		if (!rows[i].buckets) {
			ret = -ENOMEM;
			goto out;
		}
		s->nprobes = i + 1;	/* only now: the free walks them */
		s->owners[i] = t->series->rows[i].owner;
	}
	for (int i = 0; i < n; i++) {
		if (at[i] < 0 || bpf_map_lookup_elem(fd, &keys[i], v))
			continue;
		ac_stat_fill(&rows[at[i]], (struct ac_stat *)v);
		memcpy((uint64_t *)rows[at[i]].buckets, (struct ac_stat *)v + 1,
		       t->nbuckets * sizeof(uint64_t));
	}
out:
	free(at);
	free(keys);
	free(v);
	return ret;
}

void ac_series_reset(struct ac_trace *t)
{
	struct ac_series_key *keys;
	int fd, n;

	if (!t->per_thread && !t->series_pid)
		return;
	fd = bpf_map__fd(t->skel->maps.series);
	keys = ac_map_keys(fd, sizeof(*keys), t->max_series, &n);
	for (int i = 0; keys && i < n; i++)
		bpf_map_delete_elem(fd, &keys[i]);
	free(keys);
}

void ac_series_free(struct ac_trace *t)
{
	if (!t->series)
		return;
	for (int i = 0; i < t->series->n; i++)
		free(t->series->rows[i].name);
	free(t->series->rows);
	free(t->series);
	t->series = NULL;
}
