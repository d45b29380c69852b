// SPDX-License-Identifier: MIT
/*
 * autocue-trace - latency percentiles of a C program's autocue USDT probes,
 * computed in the kernel.
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>
#include "autocue.h"
#include "autocue_trace.h"
#include "assertions.h"
#include "budget.h"
#include "folded.h"
#include "json_report.h"
#include "json_series.h"
#include "listen.h"
#include "outfile.h"
#include "quote.h"
#include "record_cmd.h"
#include "select.h"
#include "report.h"
#include "svg.h"

struct env {
	pid_t pid;		/* the first of sel's */
	struct ac_select sel;	/* -p, --comm, --func, --python */
	char **cmd;
	struct ac_trace_opts topts;
	bool list, quiet, reset_each;
	/* --reset-each-interval: the intervals so far, added up */
	struct ac_snapshot *total;
	double duration, interval;
	struct ac_report_opts ropts;
	const char *json, *folded, *svg, *raw;
	struct ac_assertions *asserts;
	double max_overhead;	/* share of the program's CPU; 0: off */
	double overhead_phase;	/* s of counting before choosing */
	struct ac_listen_opts listen;	/* --listen: Prometheus metrics */
};

#define STR_(x) #x
#define STR(x) STR_(x)

static volatile sig_atomic_t exiting;

const char *argp_program_version = "autocue-trace " AUTOCUE_VERSION;
static const char doc[] =
"Latency percentiles of a program's autocue USDT probes, computed in the kernel.\n"
"\n"
"USAGE: autocue-trace -p PID [OPTIONS]\n"
"       autocue-trace [OPTIONS] -- CMD [ARGS...]\n"
"       autocue-trace -b BINARY [OPTIONS]     (every process running BINARY)\n"
"       autocue-trace --list (-p PID | -b BINARY)\n"
"       autocue-trace record (-p PID | -- CMD)  where the CPU goes (record --help)\n"
"\n"
"EXAMPLES:\n"
"    autocue-trace -p 1234                   # trace until Ctrl-C\n"
"    autocue-trace -p 1234 -i 1 -d 10        # a table every second, 10 s\n"
"    autocue-trace --json r.json --folded r.folded -- ./app args\n"
"    autocue-trace -p 1234 --assert 'tracker_update_partial:p95<20ms'\n"
"    autocue-trace --list -b ./app           # probe pairs in a binary\n"
"    autocue-trace -p python3                # every python3, each library it maps\n"
"    autocue-trace --func 'parse_*' -- ./app # functions without probes too\n"
"    autocue-trace --follow -- sh -c ./app   # the processes it forks and exec's\n"
"    autocue-trace -p 1234 --per-thread      # a row per thread: NAME[TID:name]\n"
"    autocue-trace -p 1234 --listen 9464     # Prometheus metrics on 127.0.0.1:9464\n"
"    autocue-trace -b /usr/bin/app --listen 9464  # every process of app, per PID\n"
"\n"
"Exit status: 0, 1 on errors, 3 when an assertion fails.";

enum {
	OPT_PROVIDER = 256, OPT_JSON, OPT_FOLDED, OPT_SVG, OPT_RAW, OPT_ASSERT,
	OPT_TARGETS, OPT_PRECISION, OPT_PROBES, OPT_NO_COMPENSATE, OPT_RESET,
	OPT_LIST, OPT_ALL, OPT_HIST, OPT_MAX_OVERHEAD, OPT_OVERHEAD_PHASE,
	OPT_TEST_HIT_DELAY, OPT_TEST_READOUT_DELAY, OPT_PER_SITE, OPT_PYTHON_MAX,
	OPT_PER_PID, OPT_TEST_NO_RESCAN,
	OPT_LISTEN, OPT_BUCKETS, OPT_MAX_SERIES, OPT_FOLLOW, OPT_PER_THREAD,
};

static const struct argp_option opts[] = {
	{ "per-pid", OPT_PER_PID, NULL, 0,
	  "With several processes (or --follow), a row per process and probe: NAME[PID]", 2 },
	{ "per-thread", OPT_PER_THREAD, NULL, 0,
	  "A row per thread and probe: NAME[TID:threadname] (with --per-pid NAME[PID/TID:threadname])", 2 },
	{ "follow", OPT_FOLLOW, NULL, 0,
	  "Trace the processes -p PID or CMD fork from now on, and the programs they exec (each searched for probes while it waits, stopped, before its first instruction)", 0 },
	{ "binary", 'b', "PATH", 0,
	  "Executable or shared library holding the probes (default /proc/PID/exe or CMD)", 0 },
	{ "provider", OPT_PROVIDER, "NAME", 0, "USDT provider (default autocue)", 0 },
	{ "list", OPT_LIST, NULL, 0, "List probe pairs and exit (no root needed)", 0 },
	{ "duration", 'd', "SEC", 0, "Stop after SEC seconds", 1 },
	{ "interval", 'i', "SEC", 0, "Print a table every SEC seconds", 1 },
	{ "reset-each-interval", OPT_RESET, NULL, 0,
	  "Start every interval from zero (per-interval tables; the final one is the session total)", 1 },
	{ "sort", 's', "KEY", 0, "Sort by total|avg|calls|p99|name (default total)", 2 },
	{ "top", 'n', "N", 0, "Print the N first rows", 2 },
	{ "all", OPT_ALL, NULL, 0, "List probes never called too", 2 },
	{ "hist", OPT_HIST, NULL, 0,
	  "Each row's latency distribution below the table (power-of-two ns buckets, as bpftrace's hist())", 2 },
	{ "quiet", 'q', NULL, 0, "No progress messages", 2 },
	{ "verbose", 'v', NULL, 0, "libbpf's messages too (loading, attaching)", 2 },
	{ "json", OPT_JSON, "FILE", 0,
	  "Write a JSON report (with -i: JSON Lines, one report a line per interval, then the final one)", 3 },
	{ "folded", OPT_FOLDED, "FILE", 0,
	  "Write folded stacks (self time in us) for flamegraphs", 3 },
	{ "svg", OPT_SVG, "FILE", 0, "Write an interactive flamegraph", 3 },
	{ "raw", OPT_RAW, "FILE", 0,
	  "Exact mode: stream every call to FILE (probe tid start_ns dur_ns depth); exact percentiles at the end, from a temporary file in TMPDIR (12 bytes a call)", 3 },
	{ "listen", OPT_LISTEN, "[ADDR:]PORT", 0,
	  "Serve Prometheus metrics on http://ADDR:PORT/metrics (default ADDR 127.0.0.1; 0.0.0.0 only if given); no tables unless -i", 3 },
	{ "buckets", OPT_BUCKETS, "BITS[,MIN,MAX]", 0,
	  "--listen's histogram buckets: 2^BITS per power of two from MIN to MAX (default 2,1us,17s: histogram_quantile within 25%)", 3 },
	{ "max-series", OPT_MAX_SERIES, "N", 0,
	  "-b without -p, or --listen with several processes: (process, probe) pairs kept apart for per-PID series (default 1024); calls beyond are in the totals only, counted as lost", 3 },
	{ "assert", OPT_ASSERT, "EXPR", 0,
	  "Check NAME:STAT<LIMIT at the end (STAT count|avg|min|max|p50|p90|p95|p99|p999|total; LIMIT in ns|us|ms|s); repeatable", 4 },
	{ "targets", OPT_TARGETS, "FILE", 0, "Assertions, one per line", 4 },
	{ "precision", OPT_PRECISION, "BITS", 0,
	  "Histogram sub-bucket bits " STR(AC_MIN_SHIFT) ".." STR(AC_MAX_SHIFT)
	  " (default " STR(AC_DEFAULT_SHIFT) "; a percentile is within 2^-(BITS+1) of the exact value)", 5 },
	{ "probes", OPT_PROBES, "PATTERN", 0,
	  "Attach only probes matching these comma-separated globs; !GLOB leaves probes out", 5 },
	{ "no-compensate", OPT_NO_COMPENSATE, NULL, 0,
	  "Report raw durations, probe cost included", 5 },
	{ "max-overhead", OPT_MAX_OVERHEAD, "PCT", 0,
	  "Count calls for a first phase, then keep only the probes whose cost fits PCT% of the program's CPU time (the rest are named and left out)", 5 },
	{ "overhead-phase", OPT_OVERHEAD_PHASE, "SEC", 0,
	  "Length of --max-overhead's first phase (default 1 s)", 5 },
	{ "python-max", OPT_PYTHON_MAX, "N", 0,
	  "Python functions given a row (default 1024; calls of later ones are counted as lost)", 5 },
	{ "per-site-uprobes", OPT_PER_SITE, NULL, 0,
	  "One uprobe per site, as kernels before 6.6 get (slower to attach and detach)", 5 },
	/* for the test suites: as on a host where probes cost more */
	{ "test-hit-delay", OPT_TEST_HIT_DELAY, "NS", OPTION_HIDDEN, NULL, 5 },
	{ "test-readout-delay", OPT_TEST_READOUT_DELAY, "US", OPTION_HIDDEN, NULL, 5 },
	/* for the test suites: libraries loaded later found by dlwatch alone */
	{ "test-no-periodic-rescan", OPT_TEST_NO_RESCAN, NULL, OPTION_HIDDEN, NULL, 5 },
	{},
};

static int parse_seconds(const char *arg, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(arg, &end);
	return errno || *end || !isfinite(*out) || *out <= 0 ? -EINVAL : 0;
}

static int parse_int(const char *arg, long lo, long hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	struct env *env = state->input;
	char err[256];

	switch (key) {
	case ARGP_KEY_INIT:
		/* -p, --comm, --func, --python: select.h */
		state->child_inputs[0] = &env->sel;
		env->sel.topts = &env->topts;
		break;
	case OPT_PER_PID: env->topts.per_pid = true; break;
	case OPT_PER_THREAD: env->topts.per_thread = true; break;
	case OPT_FOLLOW: env->topts.follow = true; break;
	case OPT_TEST_NO_RESCAN: env->topts.test_no_periodic_rescan = true; break;
	case 'b': env->topts.binary = arg; break;
	case OPT_PROVIDER: env->topts.provider = arg; break;
	case OPT_LIST: env->list = true; break;
	case 'd':
		if (parse_seconds(arg, &env->duration))
			argp_failure(state, 1, 0, "invalid duration: %s", AC_Q(arg));
		break;
	case 'i':
		if (parse_seconds(arg, &env->interval))
			argp_failure(state, 1, 0, "invalid interval: %s", AC_Q(arg));
		break;
	case OPT_RESET: env->reset_each = true; break;
	case 's':
		if (ac_sort_parse(arg, &env->ropts.sort))
			argp_failure(state, 1, 0, "invalid sort key: %s (total|avg|calls|p99|name)", AC_Q(arg));
		break;
	case 'n':
		if (parse_int(arg, 1, INT_MAX, &env->ropts.top))
			argp_failure(state, 1, 0, "invalid --top: %s", AC_Q(arg));
		break;
	case OPT_ALL: env->ropts.show_empty = true; break;
	case OPT_HIST: env->ropts.hist = true; break;
	case 'q': env->quiet = true; break;
	case 'v': env->topts.verbose = true; break;
	case OPT_PER_SITE: env->topts.per_site_uprobes = true; break;
	case OPT_JSON: env->json = arg; break;
	case OPT_FOLDED: env->folded = arg; break;
	case OPT_SVG: env->svg = arg; break;
	case OPT_RAW: env->raw = arg; env->topts.raw = true; break;
	case OPT_LISTEN: env->listen.addr = arg; break;
	case OPT_MAX_SERIES:
		if (parse_int(arg, 1, 1 << 20, &env->topts.max_series))
			argp_failure(state, 1, 0, "invalid --max-series: %s (1..1048576)", AC_Q(arg));
		break;
	case OPT_BUCKETS:
		if (ac_metrics_buckets_parse(arg, &env->listen.buckets, err,
					     sizeof(err)))
			argp_failure(state, 1, 0, "%s", err);
		break;
	case OPT_ASSERT:
		if (ac_assertions_add(env->asserts, arg, err, sizeof(err)))
			argp_failure(state, 1, 0, "%s", err);
		break;
	case OPT_TARGETS:
		if (ac_assertions_load(env->asserts, arg, err, sizeof(err)))
			argp_failure(state, 1, 0, "%s", err);
		break;
	case OPT_PRECISION:
		if (parse_int(arg, AC_MIN_SHIFT, AC_MAX_SHIFT, &env->topts.precision))
			argp_failure(state, 1, 0, "invalid precision: %s (%d..%d bits)",
				     AC_Q(arg), AC_MIN_SHIFT, AC_MAX_SHIFT);
		break;
	case OPT_PROBES: env->topts.probes = arg; break;
	case OPT_PYTHON_MAX:
		if (parse_int(arg, 1, AC_MAX_PROBES - 2, &env->topts.python_max))
			argp_failure(state, 1, 0, "invalid --python-max: %s (1..%d)",
				     AC_Q(arg), AC_MAX_PROBES - 2);
		break;
	case OPT_NO_COMPENSATE: env->topts.no_compensate = true; break;
	case OPT_MAX_OVERHEAD:
		if (parse_seconds(arg, &env->max_overhead) ||
		    env->max_overhead > 100)
			argp_failure(state, 1, 0, "invalid --max-overhead: %s (a percentage, 0..100)", arg);
		env->max_overhead /= 100;
		break;
	case OPT_OVERHEAD_PHASE:
		if (parse_seconds(arg, &env->overhead_phase))
			argp_failure(state, 1, 0, "invalid --overhead-phase: %s", arg);
		break;
	case OPT_TEST_HIT_DELAY:
	case OPT_TEST_READOUT_DELAY: {
		/* the test knobs: a delay of up to 1 s (ns, us) */
		bool hit = key == OPT_TEST_HIT_DELAY;
		int v;

		if (parse_int(arg, 0, 1000000, &v))
			argp_failure(state, 1, 0, "invalid --test-%s-delay: %s",
				     hit ? "hit" : "readout", arg);
		if (hit)
			env->topts.test_hit_delay_ns = v;
		else
			env->topts.test_readout_delay_us = v;
		break;
	}
	case ARGP_KEY_ARG:
		/* the first operand starts the command: hand argp the rest */
		return ARGP_ERR_UNKNOWN;
	case ARGP_KEY_ARGS:
		env->pid = ac_select_pid(&env->sel);
		/* an operand that no "--" introduced, beside -p, is a stray
		 * argument (-d 20 1), not a command */
		if (env->pid && strcmp(state->argv[state->next - 1], "--"))
			argp_failure(state, 1, 0, "unexpected argument '%s' "
				     "(a command goes after --)",
				     AC_Q(state->argv[state->next]));
		env->cmd = state->argv + state->next;
		break;
	case ARGP_KEY_END:
		env->pid = ac_select_pid(&env->sel);
		if (env->list && !env->pid && !env->topts.binary)
			argp_failure(state, 1, 0, "--list needs -p PID or -b BINARY");
		if (!env->list && !env->pid && !env->cmd && !env->topts.binary)
			argp_failure(state, 1, 0, "give -p PID, -- CMD or -b BINARY (see --help)");
		if (env->max_overhead && !env->pid && !env->cmd)
			argp_failure(state, 1, 0, "--max-overhead needs one process (-p PID or -- CMD), not every process of -b");
		if (env->pid && env->cmd)
			argp_failure(state, 1, 0, "give -p PID or -- CMD, not both");
		if (env->list && env->topts.python)
			argp_failure(state, 1, 0, "--list shows USDT probes; Python functions appear as they are first called");
		if (env->max_overhead && env->topts.python)
			argp_failure(state, 1, 0, "--max-overhead does not work with --python yet");
		if (env->list && env->sel.npids > 1)
			argp_failure(state, 1, 0, "--list takes one process (-p PID)");
		if (env->topts.per_pid && ac_assertions_count(env->asserts))
			argp_failure(state, 1, 0, "--per-pid splits each probe by process: assertions judge whole probes (drop --per-pid)");
		if (env->topts.per_thread && ac_assertions_count(env->asserts))
			argp_failure(state, 1, 0, "--per-thread splits each probe by thread: assertions judge whole probes (drop --per-thread)");
		if ((env->topts.per_thread || (env->topts.follow && env->topts.per_pid)) &&
		    (env->folded || env->svg))
			argp_failure(state, 1, 0, "--folded and --svg show whole probes; rows split by %s are in the table and JSON only",
				     env->topts.per_thread ? "thread (--per-thread)" : "process under --follow");
		if (env->topts.follow && env->list)
			argp_failure(state, 1, 0, "--list shows one process's probes; --follow finds the children's as they exec");
		/* -b alone: every process of the binary, rows across them
		 * (--listen's series are per process) */
		if ((env->topts.follow || env->topts.per_thread || env->topts.per_pid) &&
		    !env->pid && !env->cmd)
			argp_failure(state, 1, 0, "--follow, --per-thread and --per-pid go with -p PID or -- CMD (with -b alone, --listen gives a series per process)");
		if (env->topts.follow && env->max_overhead)
			argp_failure(state, 1, 0, "--max-overhead does not work with --follow yet");
		if (env->topts.funcs && env->max_overhead)
			argp_failure(state, 1, 0, "--max-overhead weighs probes by the USDT pair's cost: not with --func yet");
		if (env->listen.buckets.bits > (env->topts.precision ?
		    env->topts.precision : AC_DEFAULT_SHIFT))
			argp_failure(state, 1, 0, "--buckets %d bits is finer than the histogram's precision (%d bits): raise --precision",
				     env->listen.buckets.bits, env->topts.precision ?
				     env->topts.precision : AC_DEFAULT_SHIFT);
		/* --listen labels each series with its process: several
		 * processes get series each, as -b's do */
		if (env->listen.addr && env->sel.npids > 1 && !env->topts.per_pid)
			env->topts.per_process = true;
		if (env->max_overhead && env->topts.no_compensate)
			argp_failure(state, 1, 0, "--max-overhead needs the calibrated probe cost: drop --no-compensate");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static void sig_handler(int sig)
{
	exiting = 1;
}

/* A signal the launcher ignored (nohup, systemd's SIGPIPE) stays ignored,
 * for us and for the command we start, which inherits it across exec. */
static void catch_unless_ignored(int sig, const struct sigaction *sa)
{
	struct sigaction old;

	if (!sigaction(sig, NULL, &old) && old.sa_handler == SIG_IGN)
		return;
	sigaction(sig, sa, NULL);
}

/* A reader that went away (| head) makes writes fail with EPIPE, which
 * ends the session like any other write error, with its clean-up; a
 * handler rather than SIG_IGN, so the traced command inherits SIGPIPE's
 * default across exec. */
static void pipe_handler(int sig)
{
	(void)sig;
}

static int list_probes(struct env *env)
{
	struct ac_trace *t = NULL;
	const char *const *unpaired;
	int ret, n, entries, returns, rows = 0;

	ret = ac_trace_open_list(env->pid, &env->topts, &t);
	if (ret) {
		fprintf(stderr, "autocue-trace: %s\n", ac_trace_error(t));
		ac_trace_close(t);
		return 1;
	}
	unpaired = ac_trace_unpaired(t, &n);
	for (int i = 0; i < n; i++)
		fprintf(stderr, "autocue-trace: warning: unpaired probe %s:%s\n",
			AC_Q(ac_trace_provider(t)), AC_Q(unpaired[i]));
	n = ac_trace_nprobes(t);
	if (!n)
		fprintf(stderr, "autocue-trace: no '%s' probe pairs in %s\n",
			AC_Q(ac_trace_provider(t)), AC_Q(ac_trace_binary(t)));
	else if (env->topts.funcs)	/* what each costs: its kind */
		printf("%-40s %7s %7s  %-14s  %s\n", "PROBE", "ENTRIES",
		       "RETURNS", "KIND", "OBJECT");
	else
		printf("%-40s %7s %7s  %s\n", "PROBE", "ENTRIES", "RETURNS",
		       "OBJECT");
	/* one row a probe pair and object: the executable's, then each
	 * library's (-p), as the process maps them */
	for (int o = 0; n && o < ac_trace_nobjects(t); o++) {
		const char *obj = ac_trace_object(t, o, NULL, NULL), *name;

		for (int j = 0; (name = ac_trace_object_probe(t, o, j, &entries,
							       &returns)); j++) {
			int kind = ac_trace_object_probe_kind(t, o, j);

			if (env->topts.funcs)
				printf("%-40s %7d %7d  %-14s  %s\n", name,
				       entries, returns, kind < 0 ? "usdt" :
				       kind == AC_FUNC_ENTRY_EMULATED ?
				       "func:emulated" : "func:stepped",
				       AC_Q(obj));
			else
				printf("%-40s %7d %7d  %s\n", name, entries,
				       returns, AC_Q(obj));
			rows++;
		}
	}
	ac_trace_close(t);
	return rows ? 0 : 1;
}

/* Refuse before tracing, not after: an unwritable report path would
 * otherwise cost the user the whole session. Creating the temporary file
 * is the only test that covers every case (read-only mounts, /proc). */
static int check_writable(const char *path)
{
	struct ac_outfile o;
	int ret;

	if (!path || !strcmp(path, "-"))
		return 0;
	ret = ac_outfile_open(&o, path);
	if (ret) {
		fprintf(stderr, "autocue-trace: cannot write %s: %s\n",
			AC_Q(path), strerror(-ret));
		return ret;
	}
	ac_outfile_abort(&o);
	return 0;
}

static double elapsed(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) + (now.tv_nsec - t0->tv_nsec) / 1e9;
}

static int write_outputs(struct env *env, const struct ac_snapshot *s,
			 struct ac_json_series *js)
{
	int ret = 0, failed = 0;

	if (js)
		ret = ac_json_series_add(js, s, true);
	else if (env->json)
		ret = ac_json_write(env->json, s);
	if (env->json && ret) {
		fprintf(stderr, "autocue-trace: cannot write %s: %s\n",
			AC_Q(env->json), strerror(-ret));
		failed = 1;
	}
	if (env->folded && (ret = ac_folded_write(env->folded, s))) {
		fprintf(stderr, "autocue-trace: cannot write %s: %s\n",
			AC_Q(env->folded), strerror(-ret));
		failed = 1;
	}
	if (env->svg && (ret = ac_svg_write(env->svg, s))) {
		fprintf(stderr, "autocue-trace: cannot write %s: %s\n",
			AC_Q(env->svg), strerror(-ret));
		failed = 1;
	}
	return failed;
}

/* One interval: a table, and with --json one more line of JSON Lines. */
static int report_interval(struct env *env, struct ac_trace *t,
			   struct ac_json_series *js, int interval_no,
			   struct ac_listen *listen)
{
	/* exact mode's percentiles read back the whole session: at the end */
	struct ac_snapshot *s;
	char title[96], clock[16] = "";
	time_t now = time(NULL);
	struct tm tm;
	int ret = 0;

	/* per-interval: what is read is taken out of the maps, so every
	 * call counts in exactly one interval */
	if (env->reset_each) {
		ac_listen_lock(listen);
		s = ac_trace_snapshot_take(t);
		ac_listen_unlock(listen);
	} else {
		s = ac_trace_snapshot_hist(t);
	}
	if (!s)
		return -ENOMEM;
	/* the wall clock, as BCC's tools print it, to line up with logs */
	if (localtime_r(&now, &tm))
		strftime(clock, sizeof(clock), ", %H:%M:%S", &tm);
	snprintf(title, sizeof(title), "interval %d (%.1f s)%s", interval_no,
		 s->duration_s, clock);
	env->ropts.title = title;
	ret = ac_report_table(stdout, s, &env->ropts);
	env->ropts.title = NULL;
	if (ret) {		/* stdout failed: the caller says so */
		ac_snapshot_free(s);
		return ret;
	}
	if (js && (ret = ac_json_series_add(js, s, false)))
		fprintf(stderr, "autocue-trace: cannot write %s: %s\n",
			AC_Q(env->json), strerror(-ret));
	if (env->reset_each && !env->total) {
		/* kept all session: not holding the per-process slots (the
		 * tables and JSON cover every process together) */
		ac_snapshot_drop_procs(s);
		env->total = s;
		return ret;
	}
	if (env->reset_each && !ret)
		ret = ac_snapshot_add(env->total, s);
	ac_snapshot_free(s);
	return ret;
}

/* Until the next deadline, at most 100 ms: the tracee's exit and Ctrl-C
 * are noticed within that. */
static int wait_ms(const struct env *env, const struct timespec *t0,
		   const struct timespec *tick)
{
	double left = 0.1;

	if (env->duration && env->duration - elapsed(t0) < left)
		left = env->duration - elapsed(t0);
	if (env->interval && env->interval - elapsed(tick) < left)
		left = env->interval - elapsed(tick);
	return left > 0 ? (int)(left * 1000) + 1 : 0;
}

/* The signal that ended the traced command, 0 if it still runs, exited,
 * or is not ours to wait for (-p). */
static int tracee_signal(struct ac_trace *t)
{
	int status = 0;

	if (ac_trace_alive(t, &status) || !WIFSIGNALED(status))
		return 0;
	return WTERMSIG(status);
}

/* The objects with probes (the executable, libraries) and the processes */
static void announce_objects(struct ac_trace *t, const struct ac_snapshot *s,
			     bool env_follow)
{
	/* the probes, not the rows: rows by thread come as threads call */
	fprintf(stderr, "Tracing %d probe pairs in ", ac_trace_nprobes(t));
	/* each object that has them: the executable, libraries (-p) */
	if (ac_trace_nobjects(t) <= 1)	/* --follow: it may not be the command */
		fprintf(stderr, "%s", AC_Q(ac_trace_nobjects(t) ?
			ac_trace_object(t, 0, NULL, NULL) : ac_trace_binary(t)));
	for (int i = 0; ac_trace_nobjects(t) > 1 && i < ac_trace_nobjects(t); i++) {
		int pairs;
		const char *obj = ac_trace_object(t, i, &pairs, NULL);

		if (ac_trace_npids(t) > 1)
			fprintf(stderr, "%s%s (%d, PID %d)", i ? ", " : "",
				AC_Q(obj), pairs, ac_trace_object_pid(t, i));
		else
			fprintf(stderr, "%s%s (%d)", i ? ", " : "", AC_Q(obj),
				pairs);
	}
	fprintf(stderr, ", PID%s ", ac_trace_npids(t) > 1 ? "s" : "");
	for (int i = 0; i < ac_trace_npids(t); i++)
		fprintf(stderr, "%s%d", i ? ", " : "", ac_trace_pid_at(t, i));
	fprintf(stderr, "%s (%s); kernel maps %llu KiB; ",
		env_follow ? " and the processes they fork" : "",
		ac_trace_attach_kind(t),
		(unsigned long long)(s->map_bytes + 1023) / 1024);
}

static void announce(struct env *env, struct ac_trace *t)
{
	struct ac_snapshot *s = ac_trace_snapshot_hist(t);
	const char *const *unpaired;
	int n;

	unpaired = ac_trace_unpaired(t, &n);
	for (int i = 0; i < n; i++)
		fprintf(stderr, "autocue-trace: warning: unpaired probe %s\n",
			AC_Q(unpaired[i]));
	if (!s)
		return;
	if (env->topts.python)
		fprintf(stderr, "Tracing Python functions matching '%s' and "
			"%d probe pairs in %s, PID %d; kernel maps %llu KiB; ",
			env->topts.probes ? AC_Q(env->topts.probes) : "*",
			ac_trace_nprobes(t), AC_Q(ac_trace_binary(t)), s->pid,
			(unsigned long long)(s->map_bytes + 1023) / 1024);
	else if (s->pid)
		announce_objects(t, s, env->topts.follow);
	else
		fprintf(stderr, "Tracing %d probe pairs in %s, every process "
			"running it (%s); kernel maps %llu KiB; ", s->nprobes,
			AC_Q(ac_trace_binary(t)), ac_trace_attach_kind(t),
			(unsigned long long)(s->map_bytes + 1023) / 1024);
	if (s->compensated) {
		fprintf(stderr, "probe cost %.2f us per call (%.2f..%.2f by the "
			"code around it)", s->pair_ns / 1000,
			s->pair_tight_ns / 1000, s->pair_busy_ns / 1000);
		if (s->func[0].functions || s->func[1].functions) {
			fprintf(stderr, "; ");
			ac_report_func_costs(stderr, s, 2);
		}
		fprintf(stderr, "; compensated; resolution %.2f us.",
			s->resolution_ns / 1000);
	} else {
		fprintf(stderr, "raw figures (probe cost included).");
	}
	fprintf(stderr, "%s\n", env->duration ? "" : " Ctrl-C to end.");
	ac_snapshot_free(s);
}

/* An assertion naming a probe the program does not have can never pass:
 * say so before tracing, not after the run. A probe it has but --probes
 * leaves out is judged at the end ("no such probe"), as one never called
 * is ("never called"). 0, or 1 after saying which. */
static int check_assertion_names(struct env *env, struct ac_trace *t)
{
	char known[1024];
	const char *name;
	int bad = 0;

	/* Python functions are known once called: checked at the end */
	if (!ac_assertions_count(env->asserts) || env->topts.python)
		return 0;
	known[0] = 0;
	for (int i = 0; (name = ac_trace_known_probe(t, i)); i++) {
		size_t len = strlen(known);

		/* a long list: the first ones, then "..." */
		if (len + strlen(name) + 2 > sizeof(known) - 6) {
			strcat(known, ", ...");
			break;
		}
		if (i)
			strcat(known, ", ");
		strcat(known, name);
	}
	for (int i = 0; i < env->asserts->n; i++) {
		name = env->asserts->v[i].name;
		if (ac_trace_has_probe(t, name))
			continue;
		fprintf(stderr, "autocue-trace: unknown probe %s in an assertion; known: %s\n",
			name, known);
		bad = 1;
	}
	return bad;
}

/* Libraries the process loaded since the last call (dlopen), found by
 * ac_trace_poll: named as they come, as the banner names the first. */
static void announce_late(struct env *env, struct ac_trace *t, int *seen,
			  int *failed)
{
	const char *obj;
	int n = ac_trace_nobjects(t), f, err, pairs;
	bool late;

	for (; *seen < n; (*seen)++) {
		obj = ac_trace_object(t, *seen, &pairs, &late);
		if (late && !env->quiet)
			fprintf(stderr, "autocue-trace: PID %d loaded %s: %d probe pairs attached\n",
				ac_trace_object_pid(t, *seen), AC_Q(obj), pairs);
	}
	f = ac_trace_late_failures(t, &obj, &err);
	if (f > *failed)
		fprintf(stderr, "autocue-trace: PID %d loaded %s: cannot attach its probes: %s\n",
			ac_trace_pid(t), AC_Q(obj), strerror(-err));
	*failed = f;
}

/* --max-overhead: count calls for a first phase with every probe, then
 * keep the probes that fit the budget. 0, or 1 after saying why not. */
static int budget_phase(struct env *env, struct ac_trace *t,
			const struct timespec *t0)
{
	long long cpu0 = ac_trace_cpu_ns(t), cpu1;
	double phase = env->overhead_phase ? env->overhead_phase : 1.0, share;
	struct ac_budget_probe *bp;
	struct ac_snapshot *s;
	bool *keep;
	int n, left = 0, ret = 0;

	if (env->duration && phase > env->duration / 2)
		phase = env->duration / 2;
	while (!exiting && elapsed(t0) < phase && ac_trace_alive(t, NULL))
		ac_trace_poll(t, 20);
	cpu1 = ac_trace_cpu_ns(t);
	if (exiting || !ac_trace_alive(t, NULL) || cpu0 < 0 || cpu1 < 0)
		return 0;	/* ended in the phase: report what it has */
	s = ac_trace_snapshot(t);
	if (!s)
		return 1;
	n = s->nprobes;
	bp = calloc(n + 1, sizeof(*bp));
	keep = calloc(n + 1, sizeof(*keep));
	if (!bp || !keep) {
		ret = 1;
		goto cleanup;
	}
	for (int i = 0; i < n; i++) {
		bp[i].name = s->probes[i].name;
		bp[i].calls = s->probes[i].count;
	}
	share = ac_budget_choose(bp, n, s->pair_ns, (double)(cpu1 - cpu0),
				 env->max_overhead);
	for (int i = 0; i < n; i++) {
		keep[i] = bp[i].keep;
		if (keep[i])
			continue;
		fprintf(stderr, "autocue-trace: --max-overhead %g%%: leaving out "
			"%s: %.0f calls/s, %.1f%% of the program's CPU in probes\n",
			env->max_overhead * 100, bp[i].name,
			bp[i].calls / elapsed(t0), bp[i].share * 100);
		left++;
	}
	if (!env->quiet)
		fprintf(stderr, "autocue-trace: --max-overhead %g%%: %d of %d "
			"probes kept after %.1f s, expected cost %.2f%% of the "
			"program's CPU\n", env->max_overhead * 100, n - left, n,
			elapsed(t0), share * 100);
	if (left && ac_trace_keep_probes(t, keep)) {
		fprintf(stderr, "autocue-trace: %s\n", ac_trace_error(t));
		ret = 1;
	}
cleanup:
	free(bp);
	free(keep);
	ac_snapshot_free(s);
	return ret;
}

/* Without --follow, children that carried probes went untraced: say so,
 * rather than leave "no calls recorded" unexplained. */
static void untraced_hint(struct ac_trace *t)
{
	for (int i = 0; i < ac_trace_npids(t); i++) {
		int k = ac_trace_untraced_children(t, i);

		if (k > 0)
			fprintf(stderr, "autocue-trace: PID %d forked %d process%s with probes, not traced: add --follow\n",
				ac_trace_pid_at(t, i), k, k == 1 ? "" : "es");
	}
}

static int run(struct env *env)
{
	struct ac_trace *t = NULL;
	struct ac_snapshot *s = NULL;
	struct ac_outfile raw = {};
	struct ac_json_series *js = NULL;
	struct ac_listen *listen = NULL;
	struct timespec t0, tick;
	int ret, exit_code = 0, nint = 0, seen = 0, failed = 0;
	char total_title[96];
	bool spill_failed = false;

	/* folded paths cost a hash update per call: only when shown */
	env->topts.no_paths = !env->folded && !env->svg;
	if (check_writable(env->json) || check_writable(env->folded) ||
	    check_writable(env->svg) || check_writable(env->raw))
		return 1;
	if (env->cmd)
		ret = ac_trace_open_cmd(env->cmd, &env->topts, &t);
	else if (env->sel.npids)
		ret = ac_trace_open_pids(env->sel.pids, env->sel.npids,
					 &env->topts, &t);
	else	/* -b alone: every process running it */
		ret = ac_trace_open_binary(&env->topts, &t);
	if (!ret && check_assertion_names(env, t)) {
		exit_code = 1;
		goto cleanup;
	}
	if (!ret && env->raw) {
		ret = ac_outfile_open(&raw, env->raw);
		if (ret)
			fprintf(stderr, "autocue-trace: cannot write %s: %s\n",
				AC_Q(env->raw), strerror(-ret));
		else
			ac_trace_set_raw_sink(t, raw.f);
	}
	if (!ret && env->listen.addr &&
	    (ret = ac_listen_start(t, &env->listen, &listen))) {
		exit_code = 1;
		goto cleanup;
	}
	if (!ret)
		ret = ac_trace_attach(t);
	if (ret) {
		if (t && *ac_trace_error(t))
			fprintf(stderr, "autocue-trace: %s\n", ac_trace_error(t));
		exit_code = 1;
		goto cleanup;
	}
	/* not a progress message: it explains the empty report, so even
	 * with -q */
	if (ac_trace_exited_early(t))
		fprintf(stderr, "autocue-trace: process %d exited before its probes were attached: nothing recorded\n",
			env->pid);
	else if (!env->quiet)
		announce(env, t);
	seen = ac_trace_nobjects(t);
	if (env->json && env->interval &&
	    (ret = ac_json_series_open(env->json, &js))) {
		fprintf(stderr, "autocue-trace: cannot write %s: %s\n",
			AC_Q(env->json), strerror(-ret));
		exit_code = 1;
		goto cleanup;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (env->max_overhead && budget_phase(env, t, &t0)) {
		exit_code = 1;
		goto cleanup;
	}
	tick = t0;
	if (listen) {
		ac_listen_attached(listen);
		if (!env->quiet)
			fprintf(stderr, "Serving metrics on http://%s/metrics\n",
				ac_listen_address(listen));
	}
	while (!exiting) {
		ret = ac_trace_poll(t, wait_ms(env, &t0, &tick));
		announce_late(env, t, &seen, &failed);
		/* exact mode's temporary file full: its figures are lost */
		if (ret < 0 && ret != -EINTR) {
			fprintf(stderr, "autocue-trace: exact mode: cannot write "
				"its temporary file in %s: %s\n",
				AC_Q(getenv("TMPDIR") ?: "/tmp"), strerror(-ret));
			spill_failed = true;
			exit_code = 1;
			break;
		}
		/* --raw's records go out as they come: a full disk or a
		 * reader gone (--raw - | head) ends the session */
		if (raw.f && ferror(raw.f)) {
			fprintf(stderr, "autocue-trace: cannot write %s: a write "
				"failed (disk full, or the reader is gone)\n",
				AC_Q(env->raw));
			exit_code = 1;
			break;
		}
		if (env->duration && elapsed(&t0) >= env->duration)
			break;
		if (!ac_trace_alive(t, NULL))
			break;
		if (env->interval && elapsed(&tick) >= env->interval) {
			clock_gettime(CLOCK_MONOTONIC, &tick);
			ret = report_interval(env, t, js, ++nint, listen);
			/* stdout gone (| head) or full: nobody reads the rest */
			if (ferror(stdout)) {
				fprintf(stderr, "autocue-trace: cannot write the report to stdout: %s\n",
					strerror(ret ? -ret : EIO));
				exit_code = 1;
				break;
			}
		}
	}

	/* no scrape sees the session end */
	ac_listen_stop(listen);
	listen = NULL;
	s = spill_failed ? ac_trace_snapshot_hist(t) : ac_trace_snapshot(t);
	if (!s) {
		fprintf(stderr, "autocue-trace: cannot read the maps\n");
		exit_code = 1;
		goto cleanup;
	}
	s->tracee_signal = tracee_signal(t);
	if (ac_trace_python_problem(t))
		fprintf(stderr, "autocue-trace: %s\n", ac_trace_python_problem(t));
	/* the final report is the session's, not the last interval's */
	if (env->total) {
		if (ac_snapshot_add(env->total, s)) {
			fprintf(stderr, "autocue-trace: out of memory\n");
			exit_code = 1;
			goto cleanup;
		}
		ac_snapshot_free(s);
		s = env->total;
		env->total = NULL;
		snprintf(total_title, sizeof(total_title),
			 "session total (%d interval%s and the last part, %.1f s)",
			 nint, nint == 1 ? "" : "s", s->duration_s);
		env->ropts.title = total_title;
	} else if (nint) {
		env->ropts.title = "final";
	}
	/* a table that never reached stdout (a full disk) is a failure;
	 * a stdout already failed (and said so) gets no second attempt */
	if (ferror(stdout)) {
		exit_code = 1;
	} else if (env->listen.addr && !env->interval) {
		/* a metrics endpoint prints tables only when -i asks */
	} else if ((ret = ac_report_table(stdout, s, &env->ropts))) {
		fprintf(stderr, "autocue-trace: cannot write the report to stdout: %s\n",
			strerror(-ret));
		exit_code = 1;
	}
	if (write_outputs(env, s, js))
		exit_code = 1;
	untraced_hint(t);
	if (ac_assertions_count(env->asserts) && !ferror(stdout)) {
		ret = ac_assertions_check(env->asserts, s, stdout);
		if (ret < 0) {		/* unchecked is not passed */
			fprintf(stderr, "autocue-trace: cannot check the assertions: %s\n",
				strerror(-ret));
			exit_code = 1;
		} else if (ret > 0 && !exit_code) {
			exit_code = 3;
		}
	}
cleanup:
	ac_listen_stop(listen);
	if (raw.f) {
		ac_trace_set_raw_sink(t, NULL);
		if (exit_code == 1)
			ac_outfile_abort(&raw);
		else if ((ret = ac_outfile_commit(&raw))) {
			fprintf(stderr, "autocue-trace: cannot write %s: %s\n",
				AC_Q(env->raw), strerror(-ret));
			exit_code = 1;
		}
	}
	if ((ret = ac_json_series_close(js))) {
		fprintf(stderr, "autocue-trace: cannot write %s: %s\n",
			AC_Q(env->json), strerror(-ret));
		exit_code = 1;
	}
	ac_snapshot_free(s);
	ac_snapshot_free(env->total);
	env->total = NULL;
	ac_trace_close(t);
	return exit_code;
}

int main(int argc, char **argv)
{
	static const struct argp_child children[] = {
		{ &ac_select_argp, 0, NULL, 0 }, {} };
	static const struct argp argp = { .options = opts, .parser = parse_arg,
					  .doc = doc, .children = children };
	struct env env = { .ropts.sort = AC_SORT_TOTAL,
		.listen.buckets = { AC_METRICS_DEFAULT_BITS,
			AC_METRICS_DEFAULT_MIN_EXP, AC_METRICS_DEFAULT_MAX_EXP } };
	struct sigaction sa = { .sa_handler = sig_handler };
	struct sigaction sp = { .sa_handler = pipe_handler };
	const char *bad;
	int ret;

	/* a subcommand of its own options */
	if (argc > 1 && !strcmp(argv[1], "record"))
		return ac_record_main(argc - 1, argv + 1);
	argp_err_exit_status = 1;	/* usage errors are errors: exit 1 */
	if ((bad = ac_unsafe_option(argc, argv, true))) {
		fprintf(stderr, "autocue-trace: unrecognized option '%s' "
			"(see --help)\n", AC_Q(bad));
		return 1;
	}
	catch_unless_ignored(SIGPIPE, &sp);
	env.asserts = ac_assertions_new();
	if (!env.asserts)
		return 1;
	if (argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, &env)) {
		ac_assertions_free(env.asserts);
		return 1;
	}
	if (env.list) {
		ret = list_probes(&env);
	} else {
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		catch_unless_ignored(SIGHUP, &sa);
		ret = run(&env);
	}
	ac_assertions_free(env.asserts);
	ac_select_free(&env.sel);
	return ret;
}
