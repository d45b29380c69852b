// SPDX-License-Identifier: MIT
/*
 * Per-process statistics, for a session that traces every process running
 * a binary (ac_trace_open_binary): the BPF program keeps each process's
 * figures apart, beside the totals, each (tgid, probe id) in a slot of
 * proc_vals (mapped here: read in place, nothing copied out of the
 * kernel), found through proc_slot and taken from proc_free at its first
 * call. Entries of processes that exited are folded into one "exited" set
 * here and their slots given back, so that a fleet's counters never go
 * down and the slots hold live processes only. One lock orders folding
 * against snapshots: a snapshot may come from another thread (--listen's
 * server). A snapshot points into the slots: one given back is cleared
 * and queued again only when no snapshot is out (the pin), and a moment
 * after it left the index.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "autocue.skel.h"
#include "trace_priv.h"

/* The mapped slots, held by the session and by each snapshot pointing in:
 * unmapped with the last hold (a snapshot may outlive the session). */
struct ac_procs_pin {
	atomic_int refs;
	void *vals;
	size_t len;
};

struct ac_procs {
	pthread_mutex_t lock;
	size_t vsize;		/* struct ac_stat + nbuckets counts */
	unsigned char *vals;	/* proc_vals: max_series slots */
	struct ac_procs_pin *pin;
	/* slots folded or reset, not yet cleared and queued; when taken
	 * from a live process (CLOCK_MONOTONIC ns), else 0 */
	__u32 *pending;
	uint64_t *pended_ns;
	int npending;
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

void ac_procs_unpin(struct ac_procs_pin *pin)
{
	if (!pin || atomic_fetch_sub(&pin->refs, 1) != 1)
		return;
	if (pin->vals)
		munmap(pin->vals, pin->len);
	free(pin);
}

/* How many buckets of st's power of two o can hold calls: all of it
 * (within nbuckets) once the kernel has marked it, else none */
static uint32_t marked_octave(const struct ac_stat *st, uint32_t o,
			      uint32_t nbuckets, int shift)
{
	uint32_t lo = o << shift, n = 1U << shift;

	if (!(st->octaves >> o & 1))
		return 0;
	return n < nbuckets - lo ? n : nbuckets - lo;
}

/* A slot as new: the buckets of the octaves marked, then the figures. */
static void slot_clear(struct ac_stat *st, uint32_t nbuckets, int shift)
{
	__u64 *b = (__u64 *)(st + 1);

	for (uint32_t o = 0; o < 64 && (o << shift) < nbuckets; o++)
		memset(b + (o << shift), 0,
		       marked_octave(st, o, nbuckets, shift) * sizeof(*b));
	stat_init(st);
}

static int slot_queue(struct ac_trace *t, __u32 slot)
{
	return bpf_map_update_elem(bpf_map__fd(t->skel->maps.proc_free), NULL,
				   &slot, BPF_ANY) ? -errno : 0;
}

/* A slot taken from a live process (a reset) may still have a writer in
 * the BPF program: it is given back this much later. An exited process's
 * has none. */
#define GRACE_NS 100000000ULL

/* Under the lock: slot out of the index, to be given back; live: its
 * process may still be calling */
static void pend(struct ac_procs *p, __u32 slot, int max, bool live)
{
	if (p->npending >= max)
		return;
	p->pended_ns[p->npending] = live ? ac_ktime_ns() : 0;
	p->pending[p->npending++] = slot;
}

/* Under the lock: the slots folded back to the kernel, when no snapshot
 * points into them and their grace is over. */
static void recycle_locked(struct ac_trace *t)
{
	struct ac_procs *p = t->procs;
	uint64_t now = ac_ktime_ns();
	int keep = 0;

	if (!p->npending || atomic_load(&p->pin->refs) != 1)
		return;
	for (int i = 0; i < p->npending; i++) {
		if (now - p->pended_ns[i] < GRACE_NS) {	/* not yet */
			p->pending[keep] = p->pending[i];
			p->pended_ns[keep++] = p->pended_ns[i];
			continue;
		}
		slot_clear(val_at(p->vals, p->vsize, p->pending[i]),
			   t->nbuckets, t->shift);
		slot_queue(t, p->pending[i]);
	}
	p->npending = keep;
}

int ac_procs_init(struct ac_trace *t)
{
	struct ac_procs *p = calloc(1, sizeof(*p));
	struct bpf_map *m = t->skel->maps.proc_vals;
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *init;
	__u32 zero = 0;
	int ret = 0;

	if (!p)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	p->vsize = ac_procs_value_size(t->nbuckets);
	p->exited = calloc(t->nids, p->vsize);
	p->pending = calloc(t->max_series, sizeof(*p->pending));
	p->pended_ns = calloc(t->max_series, sizeof(*p->pended_ns));
	p->pin = calloc(1, sizeof(*p->pin));
	init = calloc(1, p->vsize);
	t->procs = p;
	if (!p->exited || !p->pending || !p->pended_ns || !p->pin || !init) {
		free(init);
		return -ENOMEM;
	}
	atomic_init(&p->pin->refs, 1);
	p->pin->len = ((size_t)bpf_map__max_entries(m) * p->vsize + page - 1) /
		page * page;
	p->pin->vals = mmap(NULL, p->pin->len, PROT_READ | PROT_WRITE,
			    MAP_SHARED, bpf_map__fd(m), 0);
	if (p->pin->vals == MAP_FAILED) {
		int err = -errno;	/* before free() may change it */

		p->pin->vals = NULL;
		free(init);
		return err;
	}
	p->vals = p->pin->vals;
	for (__u32 id = 0; id < t->nids; id++)
		stat_init(val_at(p->exited, p->vsize, id));
	stat_init((struct ac_stat *)init);
	if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.proc_init), &zero,
				init, BPF_ANY))
		ret = -errno;
	free(init);
	/* every slot new, then free for the kernel to hand out */
	for (__u32 i = 0; !ret && i < (__u32)t->max_series; i++) {
		stat_init(val_at(p->vals, p->vsize, i));
		ret = slot_queue(t, i);
	}
	clock_gettime(CLOCK_MONOTONIC, &p->last_fold);
	return ret;
}

void ac_procs_free(struct ac_trace *t)
{
	if (!t->procs)
		return;
	pthread_mutex_destroy(&t->procs->lock);
	ac_procs_unpin(t->procs->pin);
	free(t->procs->pending);
	free(t->procs->pended_ns);
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

/* An entry of proc_slot: a (process, probe) and its slot. */
struct entry {
	struct ac_proc_key key;
	__u32 slot;
};

static int cmp_entry(const void *a, const void *b)
{
	const struct ac_proc_key *x = &((const struct entry *)a)->key;
	const struct ac_proc_key *y = &((const struct entry *)b)->key;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Every entry of proc_slot in a few batched reads (one syscall per hash
 * bucket run, not two per entry), by process then probe; *n of them. */
static struct entry *read_index(struct ac_trace *t, int *n)
{
	int fd = bpf_map__fd(t->skel->maps.proc_slot);
	int max = (int)bpf_map__max_entries(t->skel->maps.proc_slot);
	struct ac_proc_key *keys = malloc(max * sizeof(*keys));
	__u32 *slots = malloc(max * sizeof(*slots)), token = 0, count;
	struct entry *e = malloc((max + 1) * sizeof(*e));
	int ret;

	*n = 0;
	if (!keys || !slots || !e)
		goto fail;
	do {
		count = max - *n;
		ret = bpf_map_lookup_batch(fd, *n ? &token : NULL, &token,
					   keys + *n, slots + *n, &count, NULL);
		if (ret && errno != ENOENT)	/* ENOENT: that was the last */
			goto fail;
		*n += count;
	} while (!ret && *n < max);
	for (int i = 0; i < *n; i++)
		e[i] = (struct entry){ keys[i], slots[i] };
	qsort(e, *n, sizeof(*e), cmp_entry);
	free(keys);
	free(slots);
	return e;
fail:
	free(keys);
	free(slots);
	free(e);
	return NULL;
}

/* Under the lock: e's process is gone, its last call made: its slot into
 * exited, out of the index, to be given back. */
static void fold_entry(struct ac_trace *t, const struct entry *e)
{
	struct ac_procs *p = t->procs;
	int fd = bpf_map__fd(t->skel->maps.proc_slot);

	if (e->slot >= (__u32)t->max_series)
		return;
	if (e->key.id < t->nids) {
		add_into(val_at(p->exited, p->vsize, e->key.id),
			 val_at(p->vals, p->vsize, e->slot), t->nbuckets);
		p->any_exited = true;
	}
	if (!bpf_map_delete_elem(fd, &e->key))
		pend(p, e->slot, t->max_series, false);
}

/* Under the lock: the entries of processes gone, folded. */
static int fold_locked(struct ac_trace *t)
{
	struct ac_procs *p = t->procs;
	pid_t checked = 0;
	bool gone = false;
	int n;
	struct entry *e = read_index(t, &n);

	if (!e)
		return -ENOMEM;
	/* by process: one look at /proc for each */
	for (int i = 0; i < n; i++) {
		if (e[i].key.tgid != (__u32)checked) {
			checked = e[i].key.tgid;
			gone = !ac_pid_alive(checked);
		}
		if (gone)
			fold_entry(t, &e[i]);
	}
	free(e);
	recycle_locked(t);
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
	/* once a second keeps the slots to live processes between scrapes;
	 * slots a reset took come back at the first poll they can */
	if (now.tv_sec - p->last_fold.tv_sec < 1) {
		if (p->npending && !pthread_mutex_trylock(&p->lock)) {
			recycle_locked(t);
			pthread_mutex_unlock(&p->lock);
		}
		return;
	}
	pthread_mutex_lock(&p->lock);
	fold_locked(t);
	pthread_mutex_unlock(&p->lock);
}

void ac_procs_reset(struct ac_trace *t)
{
	struct ac_procs *p = t->procs;
	int fd, n;
	struct entry *e;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	fd = bpf_map__fd(t->skel->maps.proc_slot);
	e = read_index(t, &n);
	/* every slot back: a process's next call takes a new one */
	for (int i = 0; e && i < n; i++)
		if (e[i].slot < (__u32)t->max_series &&
		    !bpf_map_delete_elem(fd, &e[i].key))
			pend(p, e[i].slot, t->max_series, true);
	free(e);
	recycle_locked(t);
	memset(p->exited, 0, t->nids * p->vsize);
	for (__u32 id = 0; id < t->nids; id++)
		stat_init(val_at(p->exited, p->vsize, id));
	p->any_exited = false;
	pthread_mutex_unlock(&p->lock);
}

/* The statistics of a process's probes, pointing into the slots (or into
 * a zero set, for probes it did not call). */
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

/* st's figures (copied) and its buckets where they are (a slot, live: a
 * scrape's counts and buckets can be a few calls apart, as the kernel's
 * own figures are); the powers of two without a call, from the kernel's
 * marks, read first: a bucket counted after is in a marked one. */
static void fill(struct ac_probe_stats *ps, const struct ac_stat *st)
{
	ps->empty = ~__atomic_load_n(&st->octaves, __ATOMIC_ACQUIRE);
	ac_stat_fill(ps, st);
	ps->buckets = (const uint64_t *)(st + 1);
}

/* exited's values into to (zeroed): the figures and the octaves marked,
 * the only buckets that can hold calls */
static void copy_exited(unsigned char *to, const unsigned char *exited,
			size_t vsize, __u32 nids, uint32_t nbuckets, int shift)
{
	for (__u32 id = 0; id < nids; id++) {
		const struct ac_stat *f = (const void *)(exited + id * vsize);
		struct ac_stat *d = (void *)(to + id * vsize);

		*d = *f;
		for (uint32_t o = 0; o < 64 && (o << shift) < nbuckets; o++)
			memcpy((__u64 *)(d + 1) + (o << shift),
			       (const __u64 *)(f + 1) + (o << shift),
			       marked_octave(f, o, nbuckets, shift) * sizeof(__u64));
	}
}

/* One read of the index serves both: the entries of processes gone are
 * folded (their values are final), the others make the snapshot. */
int ac_procs_read(struct ac_trace *t, struct ac_snapshot *s)
{
	struct ac_procs *p = t->procs;
	int n = 0, ret = 0;
	unsigned char *exited = NULL;
	const uint64_t *zero;
	struct entry *e;
	pid_t checked = 0;
	bool gone = false;

	if (!p)
		return 0;
	pthread_mutex_lock(&p->lock);
	e = read_index(t, &n);
	/* the snapshot's own: the exited set (a copy: folding goes on), a
	 * zero value for probes a process did not call; zero pages until
	 * written */
	s->procs_mem = calloc(t->nids + 1, p->vsize);
	if (!e || !s->procs_mem) {
		ret = -ENOMEM;
		goto out;
	}
	zero = (const uint64_t *)((unsigned char *)s->procs_mem +
				  (size_t)t->nids * p->vsize +
				  sizeof(struct ac_stat));
	for (int i = 0; i < n && !ret; i++) {
		__u32 id = e[i].key.id;

		if (e[i].key.tgid != (__u32)checked) {
			checked = e[i].key.tgid;
			gone = !ac_pid_alive(checked);
		}
		if (gone) {
			fold_entry(t, &e[i]);
			continue;
		}
		if (!id || id > (__u32)t->probes.n ||
		    e[i].slot >= (__u32)t->max_series)
			continue;
		if (!s->nprocs || s->procs[s->nprocs - 1].pid != (pid_t)checked)
			ret = proc_new(t, s, checked, zero);
		if (!ret)
			fill(&s->procs[s->nprocs - 1].probes[id - 1],
			     val_at(p->vals, p->vsize, e[i].slot));
	}
	/* before the pin: this snapshot points into none of them */
	recycle_locked(t);
	atomic_fetch_add(&p->pin->refs, 1);
	s->procs_pin = p->pin;
	clock_gettime(CLOCK_MONOTONIC, &p->last_fold);
	if (!ret && p->any_exited) {
		exited = s->procs_mem;
		copy_exited(exited, p->exited, p->vsize, t->nids, t->nbuckets,
			    t->shift);
		ret = proc_new(t, s, 0, zero);
		for (int i = 0; !ret && i < t->probes.n; i++)
			fill(&s->procs[s->nprocs - 1].probes[i],
			     val_at(exited, p->vsize, i + 1));
	}
out:
	pthread_mutex_unlock(&p->lock);
	free(e);
	return ret;
}
