// SPDX-License-Identifier: MIT
/*
 * Probe-cost calibration. Every traced call adds the cost of its probe pair
 * (trap or trampoline, BPF programs, return to user space) to each enclosing
 * measurement, and part of it to its own. The loader measures both on a
 * probe pair of its own, in its own process, with the very programs that
 * will trace the target, and hands them to BPF, which subtracts them as it
 * records (a histogram cannot be corrected afterwards). The first
 * calibration runs before the target's probes are attached; short passes
 * keep measuring while it runs (ac_calibration_pass, driven by
 * recalibrate.c).
 */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <sys/sdt.h>
#include "autocue_usdt.h"
#include "autocue.skel.h"
#include "functions.h"
#include "trace_priv.h"

#define WARMUP	64	/* the kernel optimises a site after its first hit */
/* Many short batches (~0.1 ms at 3 us a pair): a preemption then spoils
 * one batch, not a quarter of them. They are taken in rounds spread over
 * ~0.1 s: what a kernel entry costs moves in spells of a few ms (trapping
 * sites, PTI host: a call's in-call part at 0.6 us for 5 ms, 2.5 us for
 * the next 10), and a calibration that saw one spell (the first 20 ms)
 * read 1.4 us off the session's median on another host, three runs out
 * of three. */
#define ROUNDS	31
#define MIN_CPU_ROUNDS	8	/* batches per CPU at least */
#define MAX_CAL_CPUS	16	/* each its own; the rest use their median */
#define MAX_BATCHES	(MAX_CAL_CPUS * MIN_CPU_ROUNDS > 2 * ROUNDS ? \
			 MAX_CAL_CPUS * MIN_CPU_ROUNDS : 2 * ROUNDS)
#define ROUND_GAP_US 3000
#define CALLS	40
#define MIN_BATCH_CALLS	8	/* a dear kind's shorter batches */
/* Pages the code around each traced call touches: on a host with page-
 * table isolation and no PCID every kernel entry empties the TLB, so code
 * after a hit pays a page walk per page it touches again; a tight loop
 * sees none of that. Measured (PTI, no PCID): +0.1 us at 4 pages, +0.2 us
 * at 64, +0.4 us at 256, +0.9 us at 1000. The cost subtracted is the one
 * at WS_PAGES, a modest working set; WS_MAX_PAGES bounds what busier code
 * pays (the tracker's updates: ~0.4 us more a hit), the uncertainty stated
 * for calls with traced calls beneath. */
#define WS_PAGES 64
#define WS_MAX_PAGES 512
/* Pages the calibration call itself touches after its entry hit, as the
 * smallest real function does (its code, its stack, the data it reads):
 * their refills land inside the call. An empty body read 0.1-0.3 us less
 * than a 1 us busy-wait (clock reads, a store after) on a PTI host. */
#define INNER_PAGES 4
#define WS_STRIDE (3 * 4096)	/* a page apart, not cache-line neighbours */
/* Each touches `pages` pages of ws inside the traced scope. */
typedef void call_fn(const volatile char *ws, int pages);

/* A pass during the session: one batch of half the calls (0.2 ms of CPU
 * at 10 us a pair), after calls that warm the site and its pages again */
#define PASS_WARMUP 2
#define PASS_CALLS (CALLS / 2)

/* A traced busy-wait of ns, timed in-process: what a hit costs after a
 * while without one is measured on it (stale_point). */
typedef double spin_fn(double ns);

/* What the passes need from the first calibration. */
struct ac_cal {
	call_fn *call[AC_KINDS];	/* a traced call of each kind; NULL:
					 * that kind not calibrated */
	spin_fn *spin;		/* the USDT pair's form, around a spin */
	const char *probe;	/* the calibration probe's name */
	char *ws;
	double body;		/* the untraced call, INNER_PAGES inside */
};

AUTOCUE_PROBE(autocue_calibrate);

static volatile unsigned long ws_sink;

static __attribute__((noinline)) void touch_pages(const volatile char *ws,
						       int pages)
{
	unsigned long sum = 0;

	for (int i = 0; i < pages; i++)
		sum += ws[(size_t)i * WS_STRIDE];
	ws_sink = sum;
}


static __attribute__((noinline)) void traced_call(const volatile char *ws,
						      int pages)
{
	AUTOCUE_TRACE(autocue_calibrate);
	touch_pages(ws, pages);
}

/* The same pair in sys/sdt.h's classic form, for targets built with
 * -DAUTOCUE_CLASSIC_PROBES: a trapping site costs about twice as much. */
static __attribute__((noinline)) void traced_call_classic(
	const volatile char *ws, int pages)
{
	STAP_PROBE(autocue, autocue_calibrate_classic__entry);
	touch_pages(ws, pages);
	STAP_PROBE(autocue, autocue_calibrate_classic__return);
}

static double now_ns(void);

static double spin_ns(double ns)
{
	double t0 = now_ns(), t;

	do
		t = now_ns();
	while (t - t0 < ns);
	return t - t0;
}

/* The calibration probe again (a second site of each form) */
static __attribute__((noinline)) double traced_spin(double ns)
{
	AUTOCUE_TRACE(autocue_calibrate);
	return spin_ns(ns);
}

static __attribute__((noinline)) double traced_spin_classic(double ns)
{
	double d;

	STAP_PROBE(autocue, autocue_calibrate_classic__entry);
	d = spin_ns(ns);
	STAP_PROBE(autocue, autocue_calibrate_classic__return);
	return d;
}

static __attribute__((noinline)) void bare_call(const volatile char *ws,
						    int pages)
{
	touch_pages(ws, pages);
}

/* --func pairs: functions whose first instruction the kernel emulates
 * (push %rbp) or single-steps out of line (sub $8,%rsp), the two kinds of
 * entry ac_func_entry_kind tells apart, each traced as --func traces (an
 * entry uprobe on the symbol, a return probe), around the same body. In
 * assembly: a compiler's prologue is not ours to choose. */
#if defined(__x86_64__)
#define AC_CAL_FUNCS "ac_cal_func_emulated,ac_cal_func_stepped"
__attribute__((used, noinline, visibility("hidden")))
void ac_cal_touch(const volatile char *ws, int pages)
{
	touch_pages(ws, pages);
}

void ac_cal_func_emulated(const volatile char *ws, int pages);
void ac_cal_func_stepped(const volatile char *ws, int pages);
__asm__(
	"	.text\n"
	"	.globl ac_cal_func_emulated\n"
	"	.hidden ac_cal_func_emulated\n"
	"	.type ac_cal_func_emulated, @function\n"
	"ac_cal_func_emulated:\n"
	"	push %rbp\n"
	"	mov %rsp, %rbp\n"
	"	call ac_cal_touch\n"
	"	pop %rbp\n"
	"	ret\n"
	"	.size ac_cal_func_emulated, .-ac_cal_func_emulated\n"
	"	.globl ac_cal_func_stepped\n"
	"	.hidden ac_cal_func_stepped\n"
	"	.type ac_cal_func_stepped, @function\n"
	"ac_cal_func_stepped:\n"
	"	sub $8, %rsp\n"
	"	call ac_cal_touch\n"
	"	add $8, %rsp\n"
	"	ret\n"
	"	.size ac_cal_func_stepped, .-ac_cal_func_stepped\n");
#endif

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Mean ns of fn touching `inside` pages, the code around it `around`. */
static double calls_ns(call_fn *fn, const volatile char *ws, int inside,
		       int around, int calls)
{
	double t = now_ns();

	for (int i = 0; i < calls; i++) {
		fn(ws, inside);
		touch_pages(ws + WS_STRIDE / 2, around);
	}
	return (now_ns() - t) / calls;
}

static double batch_ns(call_fn *fn, const volatile char *ws, int inside,
		       int around, int calls)
{
	return calls_ns(fn, ws, inside, around, calls);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* What one call of fn adds over a bare call, with the code around it
 * touching ws (or nothing), from batches taken one a round. The bare loop
 * enters no kernel: its fastest batch is its cost, preemption only adds.
 * The traced loop's median batch: what a kernel entry costs depends on
 * what the other CPUs do and when (spells of a few ms), and the target
 * pays the typical cost, not the best case (a first quartile left nested
 * trapping calls 2.7 us a pair short, on two hosts); short batches (0.4 ms
 * at 10 us a pair) keep a preemption to one of them. The spread: the
 * larger side of the middle half of the batches around it, how far the
 * cost moves over the rounds. */
struct pair_run {
	double traced[MAX_BATCHES], bare;
	int n, calls;	/* batches, calls a batch */
};

static void pair_batch(struct pair_run *c, call_fn *fn,
		       const volatile char *ws, int pages)
{
	double x = batch_ns(bare_call, ws, INNER_PAGES, pages, c->calls);

	if (c->n == MAX_BATCHES)
		return;
	if (!c->n || x < c->bare)
		c->bare = x;
	c->traced[c->n++] = batch_ns(fn, ws, INNER_PAGES, pages, c->calls);
}

static double pair_cost(struct pair_run *c, double *spread)
{
	double q, q1, q3;

	qsort(c->traced, c->n, sizeof(c->traced[0]), cmp_double);
	q = c->traced[c->n / 2];
	q1 = c->traced[c->n / 4];
	q3 = c->traced[3 * c->n / 4];
	if (spread)
		*spread = q3 - q > q - q1 ? q3 - q : q - q1;
	return q > c->bare ? q - c->bare : 0;
}

/* Durations of the calibration probe, gathered from the map batch by batch
 * into one pool per kind of call (the map holds one probe's). */
struct own_pool {
	uint64_t *buckets;
	uint64_t count, min_ns, max_ns;
};

static void pool_take(struct ac_trace *t, __u32 id, struct own_pool *o)
{
	const __u64 *h = t->hists + (size_t)id * t->nbuckets;
	const struct ac_stat *st = &t->stats[id];

	for (uint32_t b = 0; b < t->nbuckets; b++)
		o->buckets[b] += h[b];
	if (st->count) {
		if (!o->count || st->min_ns < o->min_ns)
			o->min_ns = st->min_ns;
		if (st->max_ns > o->max_ns)
			o->max_ns = st->max_ns;
		o->count += st->count;
	}
	ac_stats_clear(t, id);
}

static double pool_percentile(const struct ac_trace *t,
			      const struct own_pool *o, double q)
{
	struct ac_probe_stats p = {
		.count = o->count, .min_ns = o->min_ns, .max_ns = o->max_ns,
		.shift = t->shift, .nbuckets = t->nbuckets,
		.buckets = o->buckets,
	};

	return ac_probe_hist_percentile(&p, q);
}

static int attach_self(struct ac_trace *t, __u32 id, const char *name)
{
	struct ac_probe_set self;
	char err[256];
	int ret;

	ret = ac_probes_discover("/proc/self/exe", "autocue", &self, err,
				 sizeof(err));
	if (ret)
		return ac_trace_fail(t, ret, "calibration: %s", err);
	ac_probes_filter(&self, name);
	if (self.n != 1)
		ret = ac_trace_fail(t, -ENOENT,
			"calibration probe missing from /proc/self/exe (use --no-compensate)");
	else
		ret = ac_attach_probes(t, getpid(), "/proc/self/exe", self.p,
				       1, id);
	ac_probes_free(&self);
	return ret;
}

/* The calibration's function pairs, under the calibration's probe id
 * with their kinds in the cookie, as --func attaches (objects.c). */
static int attach_funcs(struct ac_trace *t, __u32 id)
{
#if defined(__x86_64__)
	struct ac_probe_set self = { 0 };
	struct ac_funcs_info fi;
	__u32 ids[2] = { id, id };
	int ret;

	ret = ac_funcs_add("/proc/self/exe", AC_CAL_FUNCS, &self, &fi);
	if (!ret && (self.n != 2 ||
		     self.p[0].kind == self.p[1].kind))
		ret = -ENOENT;
	if (!ret)
		ret = ac_attach_probes_ids(t, getpid(), "/proc/self/exe",
					   self.p, self.n, ids);
	ac_probes_free(&self);
	if (ret)
		return ac_trace_fail(t, ret,
			"calibration: its functions ac_cal_func_* in /proc/self/exe: %s (use --no-compensate)",
			strerror(-ret));
	return 0;
#else
	(void)t;
	(void)id;
	return 0;
#endif
}

static struct ac_cal *cal_new(bool classic, bool funcs)
{
	struct ac_cal *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->ws = malloc((size_t)WS_MAX_PAGES * WS_STRIDE);
	if (!c->ws) {
		free(c);
		return NULL;
	}
	memset(c->ws, 1, (size_t)WS_MAX_PAGES * WS_STRIDE);
	c->call[AC_KIND_PAIR] = classic ? traced_call_classic : traced_call;
	c->spin = classic ? traced_spin_classic : traced_spin;
#if defined(__x86_64__)
	if (funcs) {
		c->call[AC_KIND_FUNC_EMULATED] = ac_cal_func_emulated;
		c->call[AC_KIND_FUNC_STEPPED] = ac_cal_func_stepped;
	}
#else
	(void)funcs;
#endif
	c->probe = classic ? "autocue_calibrate_classic" : "autocue_calibrate";
	return c;
}

void ac_calibration_free(struct ac_trace *t)
{
	if (!t->cal)
		return;
	free(t->cal->ws);
	free(t->cal);
	t->cal = NULL;
}

/* The calibration pair again, after ac_detach_all (a session that drops
 * probes re-attaches what it keeps). */
int ac_calibration_reattach(struct ac_trace *t)
{
	int ret;

	if (!t->cal)
		return 0;
	ret = attach_self(t, t->nids - 1, t->cal->probe);
	if (!ret && t->cal->call[AC_KIND_FUNC_EMULATED])
		ret = attach_funcs(t, t->nids - 1);
	return ret;
}

bool ac_calibration_kind(const struct ac_trace *t, int kind)
{
	return t->cal && kind >= 0 && kind < AC_KINDS && t->cal->call[kind];
}

/* Calls of fn each timed alone: the mean of all but the slowest fifth.
 * A preemption then spoils nothing (a batch's mean read 5 us a pair more
 * for 100 us), and the mean is what nested calls add up to. */
static double trimmed_call_ns(call_fn *fn, const volatile char *ws,
			      int inside, int around)
{
	double d[PASS_CALLS], sum = 0;
	int keep = PASS_CALLS - PASS_CALLS / 5;

	for (int i = 0; i < PASS_CALLS; i++) {
		double t0 = now_ns();

		fn(ws, inside);
		touch_pages(ws + WS_STRIDE / 2, around);
		d[i] = now_ns() - t0;
	}
	qsort(d, PASS_CALLS, sizeof(d[0]), cmp_double);
	for (int i = 0; i < keep; i++)
		sum += d[i];
	return sum / keep;
}

/* One short pass while the target runs: what a pair costs code around
 * it, and the median of what lands inside the calls, on the CPU it ran. */
int ac_calibration_pass(struct ac_trace *t, int kind, int *cpu,
			double *pair, double *inner)
{
	struct ac_cal *c = t->cal;
	call_fn *call = c->call[kind];
	__u32 id = t->nids - 1;
	struct ac_probe_stats p = { 0 };
	double traced, bare;

	/* as the batch does: its pages back in the caches (the target ran
	 * meanwhile), or its first call would count their misses */
	calls_ns(call, c->ws, INNER_PAGES, WS_PAGES, PASS_WARMUP);
	ac_stats_clear(t, id);
	*cpu = sched_getcpu();
	traced = trimmed_call_ns(call, c->ws, INNER_PAGES, WS_PAGES);
	p.count = t->stats[id].count;
	p.min_ns = t->stats[id].min_ns;
	p.max_ns = t->stats[id].max_ns;
	p.shift = t->shift;
	p.nbuckets = t->nbuckets;
	p.buckets = (const uint64_t *)t->hists + (size_t)id * t->nbuckets;
	*inner = p.count ? ac_probe_hist_percentile(&p, 0.5) - c->body : 0;
	if (*inner < 0)
		*inner = 0;
	ac_stats_clear(t, id);
	bare = trimmed_call_ns(bare_call, c->ws, INNER_PAGES, WS_PAGES);
	*pair = traced > bare ? traced - bare : 0;
	/* a pass that moved measured two CPUs: neither */
	if (*cpu != sched_getcpu())
		return -EAGAIN;
	return p.count ? 0 : -ENODATA;
}

/* The CPUs to calibrate on: every online one this thread may run on, up
 * to MAX_CAL_CPUS (the rest use the median of these). */
static int cal_cpus(int *cpus, cpu_set_t *saved)
{
	int n = 0;

	if (sched_getaffinity(0, sizeof(*saved), saved))
		return 0;
	for (int c = 0; c < CPU_SETSIZE && n < MAX_CAL_CPUS; c++)
		if (CPU_ISSET(c, saved))
			cpus[n++] = c;
	return n;
}

static bool pin(int cpu)
{
	cpu_set_t one;

	if (cpu < 0)
		return true;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	return !sched_setaffinity(0, sizeof(one), &one);
}

/* One CPU's figures. */
struct cpu_cal {
	int cpu;
	struct pair_run around;
	struct own_pool own;
	double pair, inner, spread, res;
};

static void cpu_result(const struct ac_trace *t, struct cpu_cal *k,
		       double body)
{
	double lo, hi;

	k->pair = pair_cost(&k->around, &k->spread);
	k->inner = pool_percentile(t, &k->own, 0.5) - body;
	lo = pool_percentile(t, &k->own, 0.05) - body;
	hi = pool_percentile(t, &k->own, 0.95) - body;
	/* the smallest duration told apart from none: the larger side of
	 * the middle 90% of the probe cost inside a call */
	k->res = hi - k->inner > k->inner - lo ? hi - k->inner : k->inner - lo;
	if (k->inner < 0)
		k->inner = 0;
	if (k->inner > k->pair)
		k->inner = k->pair;
}

static double median_of(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* One kind's figures from the first calibration. */
struct kind_fig {
	double pair, inner, spread, res;
	double tight, busy;	/* pair cost around no / WS_MAX_PAGES pages */
	double pair_cpu[AC_CAL_CPUS], inner_cpu[AC_CAL_CPUS];	/* 0: not
								 * measured */
};

/* Calibrates the pair of calls to call (attached, probe id `id`) on each
 * CPU: what it costs the code around it, what lands inside it, and how
 * both vary. *body: the untraced body's own time. batch: how long a batch
 * should last, in ns (0: CALLS calls): a dearer kind of pair (a
 * single-stepped function entry: ~7x a USDT pair) in batches as short as
 * the USDT pair's, so that a preemption on a busy host spoils as few of
 * them (in batches of CALLS calls they read 3-8x their cost at a load
 * average of 9 on 2 CPUs). */
static int calibrate_call(struct ac_trace *t, call_fn *call, __u32 id,
			  double batch, struct kind_fig *f, double *body_out)
{
	char *ws = t->cal->ws;
	struct pair_run tight = { 0 }, busy_run = { 0 };
	struct own_pool own_ws = { 0 };
	struct cpu_cal *k = NULL;
	const struct timespec gap = { 0, ROUND_GAP_US * 1000L };
	int cpus[MAX_CAL_CPUS], ncpu, rounds, nv = 0, ret = 0, calls;
	double pairs[MAX_CAL_CPUS], inners[MAX_CAL_CPUS];
	double busy, res = 0, spread = 0, bare = 1e300, body = 1e300;
	double bare_around;
	cpu_set_t saved;
	bool pinned, nomem = false;

	memset(f, 0, sizeof(*f));
	ncpu = cal_cpus(cpus, &saved);
	pinned = ncpu > 0;
	if (!ncpu) {		/* affinity unknown: wherever it runs */
		cpus[0] = -1;
		ncpu = 1;
	}
	rounds = ROUNDS / ncpu > MIN_CPU_ROUNDS ? ROUNDS / ncpu : MIN_CPU_ROUNDS;
	k = calloc(ncpu, sizeof(*k));
	own_ws.buckets = calloc(t->nbuckets, sizeof(*own_ws.buckets));
	for (int i = 0; k && i < ncpu; i++) {
		k[i].cpu = cpus[i];
		k[i].own.buckets = calloc(t->nbuckets, sizeof(uint64_t));
		if (!k[i].own.buckets)
			nomem = true;
	}
	if (nomem || !k || !own_ws.buckets) {
		ret = ac_trace_fail(t, -ENOMEM, "out of memory");
		goto cleanup;
	}
	for (int i = 0; i < WARMUP; i++)
		call(ws, 0);
	calls = CALLS;
	if (batch > 0) {
		double one = calls_ns(call, ws, INNER_PAGES, WS_PAGES,
				      MIN_BATCH_CALLS);

		calls = one > 0 ? (int)(batch / one) : CALLS;
		calls = calls < MIN_BATCH_CALLS ? MIN_BATCH_CALLS :
			calls > CALLS ? CALLS : calls;
	}
	tight.calls = busy_run.calls = calls;
	for (int i = 0; i < ncpu; i++)
		k[i].around.calls = calls;
	ac_stats_clear(t, id);
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < ncpu; i++) {
			double x;

			if (!pin(k[i].cpu))
				continue;
			/* its pages into this CPU's caches first */
			batch_ns(call, ws, INNER_PAGES, WS_PAGES, calls);
			ac_stats_clear(t, id);
			pair_batch(&tight, call, ws, 0);
			pair_batch(&k[i].around, call, ws, WS_PAGES);
			/* fewer: each is 8x longer, and start-up counts */
			if ((r * ncpu + i) % 3 == 0)
				pair_batch(&busy_run, call, ws, WS_MAX_PAGES);
			/* the calibration probe's own durations: what lands
			 * inside a call, and how much that varies */
			pool_take(t, id, &k[i].own);
			/* A call that touches pages after its entry hit pays
			 * their page walks inside its own time: what WS_PAGES
			 * cost inside a traced call beyond their untraced
			 * time. */
			x = batch_ns(bare_call, ws, WS_PAGES, 0, calls);
			bare = x < bare ? x : bare;
			batch_ns(call, ws, WS_PAGES, 0, calls);
			pool_take(t, id, &own_ws);
			/* the untraced body's own time, to take out */
			x = batch_ns(bare_call, ws, INNER_PAGES, 0, calls);
			body = x < body ? x : body;
		}
		nanosleep(&gap, NULL);
	}
	if (pinned)
		sched_setaffinity(0, sizeof(saved), &saved);
	/* the untraced loops' fastest batches, wherever they ran */
	*body_out = body;
	bare_around = 1e300;
	for (int i = 0; i < ncpu; i++)
		if (k[i].around.n && k[i].around.bare < bare_around)
			bare_around = k[i].around.bare;
	for (int i = 0; i < ncpu; i++) {
		if (!k[i].around.n)	/* pinning refused there */
			continue;
		k[i].around.bare = bare_around;
		cpu_result(t, &k[i], body);
	}
	busy = pool_percentile(t, &own_ws, 0.5) - bare;
	f->tight = pair_cost(&tight, NULL);
	f->busy = pair_cost(&busy_run, NULL);
	/* per CPU; the medians over them for the rest, and the largest
	 * spreads as the error any call may carry */
	for (int i = 0; i < ncpu; i++) {
		if (!k[i].around.n)
			continue;
		pairs[nv] = k[i].pair;
		inners[nv++] = k[i].inner;
		if (k[i].spread > spread)
			spread = k[i].spread;
		if (k[i].res > res)
			res = k[i].res;
		if (k[i].cpu >= 0 && k[i].cpu < AC_CAL_CPUS) {
			f->pair_cpu[k[i].cpu] = k[i].pair;
			f->inner_cpu[k[i].cpu] = k[i].inner;
		}
	}
	if (!nv) {
		ret = ac_trace_fail(t, -EPERM, "calibration: no CPU to run on");
		goto cleanup;
	}
	f->pair = median_of(pairs, nv);
	f->inner = median_of(inners, nv);
	f->spread = spread;
	/* and what the pages a call touches may add inside it */
	f->res = res + (busy > f->inner ? busy - f->inner : 0);
	/* the target is another process, its probe cost inside a call not
	 * quite the loader's: seen 15% apart on trapping sites */
	if (f->res < f->inner / 4)
		f->res = f->inner / 4;
cleanup:
	for (int i = 0; k && i < ncpu; i++)
		free(k[i].own.buckets);
	free(k);
	free(own_ws.buckets);
	ac_stats_clear(t, id);
	return ret;
}

/* A kind's figures into BPF, which subtracts them from now on, and into
 * what snapshots state */
static void store_kind(struct ac_trace *t, int kind, const struct kind_fig *f)
{
	struct ac_kind_cost *c = &t->cost[kind];

	for (int c = 0; c < AC_CAL_CPUS; c++) {
		t->skel->bss->pair_cpu_ns[kind][c] = (__u64)f->pair_cpu[c];
		t->skel->bss->inner_cpu_ns[kind][c] = (__u64)f->inner_cpu[c];
	}
	t->skel->bss->pair_ns[kind] = (__u64)f->pair;
	t->skel->bss->inner_ns[kind] = (__u64)f->inner;
	c->pair_ns = f->pair;
	c->inner_ns = f->inner;
	c->spread_ns = f->spread;
	c->resolution_ns = f->res;
}

/* What a hit costs inside a call after a while without one on the thread:
 * the caches the trap path uses grow cold meanwhile (interrupts, other
 * CPUs' work). Seen on one host (0.2 us inside a warm call): +0.3 us after
 * 30 us, +1.7 us after 1 ms, varying from run to run by 2x and more with
 * what else runs, too much to subtract: it is measured and stated
 * (ac_snapshot.stale, ac_snapshot_stale_ns). A traced busy-wait of `spin` ns, each call after `gap` ns
 * of untraced busy-waiting: the median over the calls of what the trace
 * read beyond the call's own time (timed in-process, so a preemption in
 * the spin counts on both sides). Against the same at no gap and a 1 us
 * spin, that is the extra of the entry hit (after `gap`) and of the
 * return hit (`spin` after the entry). Each call is read alone, so that
 * one interrupt in a probe's window moves one value, not a batch's mean. */
#define STALE_CALLS	15
#define STALE_NEAR_NS	32000.0
#define STALE_FAR_NS	1024000.0	/* 5 doublings further */

static double stale_point(struct ac_trace *t, __u32 id, double spin,
			  double gap)
{
	const struct ac_stat *st = &t->stats[id];
	double v[STALE_CALLS];
	int n = 0;

	for (int i = 0; i < STALE_CALLS; i++) {
		double own;

		if (gap > 0)
			spin_ns(gap);
		ac_stats_clear(t, id);
		own = t->cal->spin(spin);
		if (st->count == 1)	/* not a cold hit */
			v[n++] = (double)st->total_ns - own;
	}
	ac_stats_clear(t, id);
	if (!n)
		return 0;
	/* the calls' extras spread wide (at 1 ms: 1.2 us at the 10th
	 * percentile, 2 at the median, 7.4 at the 90th): what is stated is
	 * a bound, their third quartile */
	qsort(v, n, sizeof(v[0]), cmp_double);
	return v[3 * n / 4];
}

/* One side's extra at STALE_NEAR_NS and STALE_FAR_NS, beyond a warm hit's,
 * as ac_snapshot.stale models it: a slope a doubling from an onset, flat
 * past the far point */
static void stale_fit(double near, double far, struct ac_stale_cost *c)
{
	double k = log2(STALE_FAR_NS / STALE_NEAR_NS), sl, on;

	memset(c, 0, sizeof(*c));
	if (far <= 0 || far <= near)
		return;		/* no growth seen */
	if (near > 0) {
		sl = (far - near) / k;
		on = STALE_NEAR_NS / exp2(near / sl);
	} else {
		sl = far / k;
		on = STALE_NEAR_NS;
	}
	c->onset_ns = on < 1000 ? 1000 : on;
	c->slope_ns = sl;
	c->cap_ns = STALE_FAR_NS;
	c->at_cap_ns = far;
}

static void calibrate_stale(struct ac_trace *t, __u32 id)
{
	double base, ent[2], ret[2];

	/* the spin's site: its first hits are the kernel's work, not ours */
	for (int i = 0; i < 8; i++)
		t->cal->spin(1000);
	base = stale_point(t, id, 1000, 0);
	ret[0] = stale_point(t, id, STALE_NEAR_NS, 0) - base;
	ret[1] = stale_point(t, id, STALE_FAR_NS, 0) - base;
	ent[0] = stale_point(t, id, 1000, STALE_NEAR_NS) - base;
	ent[1] = stale_point(t, id, 1000, STALE_FAR_NS) - base;
	stale_fit(ent[0], ent[1], &t->stale[0]);
	stale_fit(ret[0], ret[1], &t->stale[1]);
}

int ac_calibrate(struct ac_trace *t)
{
	__u32 id = t->nids - 1;
	struct kind_fig f;
	double body;
	int ret;

	ac_calibration_free(t);	/* a fallback path calibrates again */
	t->cal = cal_new(ac_probes_mostly_classic(&t->probes),
			 t->funcs != NULL);
	if (!t->cal) {
		ret = ac_trace_fail(t, -ENOMEM, "out of memory");
		goto cleanup;
	}
	/* the links stay until ac_trace_close: detaching a uprobe waits for
	 * RCU grace periods, and the passes call the probes again */
	ret = attach_self(t, id, t->cal->probe);
	if (!ret && t->cal->call[AC_KIND_FUNC_EMULATED])
		ret = attach_funcs(t, id);
	if (!ret)
		ret = calibrate_call(t, t->cal->call[AC_KIND_PAIR], id, 0, &f,
				     &t->cal->body);
	if (ret)
		goto cleanup;
	store_kind(t, AC_KIND_PAIR, &f);
	calibrate_stale(t, id);
	t->pair_tight_ns = f.tight;
	t->pair_busy_ns = f.busy;
	/* --func's kinds, each calibrated as the USDT pair was, in batches
	 * as long as its */
	for (int k = AC_KIND_PAIR + 1; k < AC_KINDS && !ret; k++)
		if (t->cal->call[k] &&
		    !(ret = calibrate_call(t, t->cal->call[k], id,
					   CALLS * (t->cost[AC_KIND_PAIR].pair_ns +
						    t->cal->body), &f, &body)))
			store_kind(t, k, &f);
cleanup:
	ac_stats_clear(t, id);
	ac_calibration_done(t);
	return ret;
}
