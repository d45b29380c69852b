// SPDX-License-Identifier: MIT
/*
 * Probe-cost calibration on the interpreter's own probes (--python). A
 * Python call's probe pair costs more than a C one: besides the traps and
 * the BPF programs, the interpreter itself works for each probe once its
 * semaphore is up (the file and function names' UTF-8, the line number
 * from the line table). So, after calibrate.c's C figures, the loader runs
 * the same interpreter as a child, times batches of calls to an empty
 * Python function before and after the programs are attached to it, reads
 * the function's raw durations from the maps, and hands BPF these figures
 * instead. Then the maps are emptied of the child's traces.
 *
 * No recalibration follows (recalibrate.c measures the C pair): these
 * figures hold for the session.
 *
 * CPython 3.11 fires its entries only on its tracing path (gh-98894),
 * which the session opens with python:line's semaphore (python.c) or the
 * program with a profiler hook (--python-hooked); the child runs the same
 * way. On that path the interpreter's own work (the hook's 'return' event,
 * or the line bookkeeping of the body's instructions) lands inside every
 * traced call's scope: half that path's cost a call, measured without and
 * with it, is taken as the empty body's time and kept out of the probe
 * cost.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "autocue.skel.h"
#include "autocue_python.h"
#include "trace_priv.h"

#define BATCHES	31
#define CALLS	200
#define CAL_FUNC "_autocue_calibrate"

/* Each input line "HOOK BATCHES CALLS" runs that many timed batches of
 * calls, with the profiler hook or without, and answers with their ns. */
static const char child_script[] =
	"import sys, time\n"
	"def " CAL_FUNC "():\n"
	"    pass\n"
	"def batch(n):\n"
	"    f = " CAL_FUNC "\n"
	"    t0 = time.perf_counter_ns()\n"
	"    for _ in range(n):\n"
	"        f()\n"
	"    return time.perf_counter_ns() - t0\n"
	"for line in sys.stdin:\n"
	"    hook, k, n = line.split()\n"
	"    sys.setprofile(slice if hook == '1' else None)\n"
	"    res = [batch(int(n)) for _ in range(int(k))]\n"
	"    sys.setprofile(None)\n"
	"    print(' '.join(map(str, res)), flush=True)\n";

struct child {
	pid_t pid;
	FILE *in, *out;
};

static int child_start(const char *exe, struct child *c)
{
	int to[2], from[2];

	if (pipe2(to, O_CLOEXEC))
		return -errno;
	if (pipe2(from, O_CLOEXEC)) {
		close(to[0]);
		close(to[1]);
		return -errno;
	}
	c->pid = fork();
	if (c->pid < 0) {
		int err = -errno;

		close(to[0]); close(to[1]); close(from[0]); close(from[1]);
		return err;
	}
	if (c->pid == 0) {
		dup2(to[0], 0);
		dup2(from[1], 1);
		execl(exe, exe, "-I", "-S", "-c", child_script, (char *)NULL);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	c->in = fdopen(to[1], "w");
	c->out = fdopen(from[0], "r");
	if (!c->in || !c->out)
		return -ENOMEM;
	return 0;
}

static void child_stop(struct child *c)
{
	if (c->in)
		fclose(c->in);	/* EOF: its loop ends */
	if (c->out)
		fclose(c->out);
	if (c->pid > 0 && waitpid(c->pid, NULL, WNOHANG) != c->pid) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
	}
}

/* Per-call ns of each of k batches of n calls; the count read. */
static int run_batches(struct child *c, bool hook, int k, int n, double *ns)
{
	char *line = NULL, *p, *end;
	size_t cap = 0;
	int got = 0;

	if (fprintf(c->in, "%d %d %d\n", hook, k, n) < 0 || fflush(c->in))
		return -EPIPE;
	if (getline(&line, &cap, c->out) <= 0) {
		free(line);
		return -EPIPE;
	}
	for (p = line; got < k; p = end) {
		double v = strtod(p, &end);

		if (end == p)
			break;
		if (ns)
			ns[got] = v / n;
		got++;
	}
	free(line);
	return got == k ? 0 : -EPROTO;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double min_of(const double *v, int n)
{
	double m = v[0];

	for (int i = 1; i < n; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

/* The calibration function's id in the child, 0 if not seen. */
static __u32 cal_id(struct ac_trace *t, __u32 first)
{
	int fd = bpf_map__fd(t->skel->maps.py_names);
	__u32 n = t->skel->bss->py_next_id;

	for (__u32 k = 0; k < n; k++) {
		struct ac_py_name e;

		if (!bpf_map_lookup_elem(fd, &k, &e) && e.ready == 1 &&
		    !strncmp(e.func, CAL_FUNC, sizeof(e.func)))
			return first + k;
	}
	return 0;
}

/* Leaves the maps as a fresh load would for the target: the child's code
 * pointers may well be the target's too (a non-PIE interpreter's static
 * strings). */
static void forget_child(struct ac_trace *t, __u32 first)
{
	struct autocue_bpf *skel = t->skel;
	int codes = bpf_map__fd(skel->maps.py_codes);
	int names = bpf_map__fd(skel->maps.py_names);
	int hits = bpf_map__fd(skel->maps.site_hits);
	struct ac_py_name zero_name;
	struct ac_py_key k;
	__u32 zero = 0, n = skel->bss->py_next_id;

	memset(&zero_name, 0, sizeof(zero_name));
	while (!bpf_map_get_next_key(codes, NULL, &k))
		if (bpf_map_delete_elem(codes, &k))
			break;
	for (__u32 i = 0; i < n && i < (__u32)ac_py_ids(t); i++) {
		bpf_map_update_elem(names, &i, &zero_name, BPF_ANY);
		ac_stats_clear(t, first + i);
	}
	skel->bss->py_next_id = 0;
	/* the Python sites' first hits in the target are cold again */
	for (__u32 key = 0; key < 2; key++)
		bpf_map_update_elem(hits, &key, &zero, BPF_ANY);
	memset(t->drops, 0, AC_DROP_NR * sizeof(__u64));
	ac_calibration_done(t);
}

int ac_py_calibrate(struct ac_trace *t, __u32 first)
{
	struct ac_kind_cost *pc = &t->cost[AC_KIND_PYTHON];
	struct autocue_bpf *skel = t->skel;
	struct child c = { 0 };
	struct bpf_link *ret_link = NULL, *entry_link = NULL, *gate = NULL;
	double plain[3], bare[BATCHES], traced[BATCHES], path, body;
	bool hook = !ac_py_line(t);
	struct ac_probe_stats p;
	__u32 id;
	int err;

	err = child_start(t->py_exe, &c);
	/* untraced: as a program runs, then on the tracing path */
	if (!err)
		err = run_batches(&c, false, 3, CALLS, plain);
	if (!err && !hook && !(gate = ac_py_line_up(t, c.pid)))
		err = -errno;
	if (!err)
		err = run_batches(&c, hook, BATCHES, CALLS, bare);
	if (err) {
		ac_trace_fail(t, err, "calibration on %s failed: %s (use --no-compensate)",
			      t->py_exe, strerror(-err));
		goto cleanup;
	}
	/* raw durations; the Python figures after, for every CPU */
	skel->bss->pair_ns[AC_KIND_PYTHON] = skel->bss->inner_ns[AC_KIND_PYTHON] = 0;
	skel->bss->py_calib_tgid = c.pid;
	ret_link = bpf_program__attach_usdt(skel->progs.ac_py_return, c.pid,
					    t->py_binary, "python",
					    "function__return", NULL);
	entry_link = ret_link ? bpf_program__attach_usdt(skel->progs.ac_py_entry,
							 c.pid, t->py_binary,
							 "python",
							 "function__entry",
							 NULL) : NULL;
	if (!entry_link) {
		err = -errno;
		ac_trace_fail(t, err, "calibration: cannot attach to %s: %s",
			      t->py_binary, strerror(-err));
		goto cleanup;
	}
	/* first hits (cold), then the measured batches */
	err = run_batches(&c, hook, 2, 64, NULL);
	id = err ? 0 : cal_id(t, first);
	if (id) {
		ac_stats_clear(t, id);
		err = run_batches(&c, hook, BATCHES, CALLS, traced);
	}
	if (!err && !id)
		err = -ENOENT;
	if (err) {
		ac_trace_fail(t, err, "calibration on %s: no traced calls (%s; use --no-compensate)",
			      t->py_exe, strerror(-err));
		goto cleanup;
	}
	/* as calibrate.c: the bare loop's fastest batch, the traced loop's
	 * first quartile */
	qsort(traced, BATCHES, sizeof(traced[0]), cmp_double);
	path = min_of(bare, BATCHES) - min_of(plain, 3);
	body = path > 0 ? path / 2 : 0;
	pc->pair_ns = traced[BATCHES / 4] - min_of(bare, BATCHES);
	if (pc->pair_ns < 0)
		pc->pair_ns = 0;
	memset(&p, 0, sizeof(p));
	p.count = t->stats[id].count;
	p.min_ns = t->stats[id].min_ns;
	p.max_ns = t->stats[id].max_ns;
	p.shift = t->shift;
	p.nbuckets = t->nbuckets;
	p.buckets = (const uint64_t *)t->hists + (size_t)id * t->nbuckets;
	pc->inner_ns = ac_probe_hist_percentile(&p, 0.5) - body;
	{
		double lo = ac_probe_hist_percentile(&p, 0.05) - body;
		double hi = ac_probe_hist_percentile(&p, 0.95) - body;

		pc->resolution_ns = hi - pc->inner_ns > pc->inner_ns - lo ?
				   hi - pc->inner_ns : pc->inner_ns - lo;
	}
	if (pc->inner_ns < 0)
		pc->inner_ns = 0;
	if (pc->inner_ns > pc->pair_ns)
		pc->inner_ns = pc->pair_ns;
	if (pc->resolution_ns < pc->inner_ns / 4)
		pc->resolution_ns = pc->inner_ns / 4;
	/* what a traced call costs its callers varies from batch to batch
	 * (the other CPUs' load): the middle 80% of them bound it */
	t->pair_tight_ns = traced[BATCHES / 10] - min_of(bare, BATCHES);
	t->pair_busy_ns = traced[BATCHES - 1 - BATCHES / 10] -
			  min_of(bare, BATCHES);
	if (t->pair_tight_ns < 0)
		t->pair_tight_ns = 0;
	pc->spread_ns = (traced[3 * BATCHES / 4] - traced[BATCHES / 4]) / 2;
cleanup:
	bpf_link__destroy(gate);
	bpf_link__destroy(entry_link);
	bpf_link__destroy(ret_link);
	child_stop(&c);
	skel->bss->py_calib_tgid = 0;
	forget_child(t, first);
	skel->bss->pair_ns[AC_KIND_PYTHON] = (__u64)pc->pair_ns;
	skel->bss->inner_ns[AC_KIND_PYTHON] = (__u64)pc->inner_ns;
	return err;
}
