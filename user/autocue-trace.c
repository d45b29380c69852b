// SPDX-License-Identifier: MIT
/*
 * autocue-trace - latency percentiles of a C program's autocue USDT probes,
 * computed in the kernel.
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
#include <unistd.h>
#include "autocue_trace.h"
#include "assertions.h"
#include "folded.h"
#include "json_report.h"
#include "outfile.h"
#include "probes.h"
#include "report.h"
#include "svg.h"

struct env {
	pid_t pid;
	char **cmd;
	struct ac_trace_opts topts;
	bool list, quiet, reset_each;
	double duration, interval;
	struct ac_report_opts ropts;
	const char *json, *folded, *svg, *raw;
	struct ac_assertions *asserts;
};

static volatile sig_atomic_t exiting;

const char *argp_program_version = "autocue-trace " AUTOCUE_VERSION;
static const char doc[] =
"Latency percentiles of a program's autocue USDT probes, computed in the kernel.\n"
"\n"
"USAGE: autocue-trace -p PID [OPTIONS]\n"
"       autocue-trace [OPTIONS] -- CMD [ARGS...]\n"
"       autocue-trace --list (-p PID | -b BINARY)\n"
"\n"
"EXAMPLES:\n"
"    autocue-trace -p 1234                   # trace until Ctrl-C\n"
"    autocue-trace -p 1234 -i 1 -d 10        # a table every second, 10 s\n"
"    autocue-trace --json r.json --folded r.folded -- ./app args\n"
"    autocue-trace -p 1234 --assert 'tracker_update_partial:p95<20ms'\n"
"    autocue-trace --list -b ./app           # probe pairs in a binary\n"
"\n"
"Exit status: 0, 1 on errors, 3 when an assertion fails.";

enum {
	OPT_PROVIDER = 256, OPT_JSON, OPT_FOLDED, OPT_SVG, OPT_RAW, OPT_ASSERT,
	OPT_TARGETS, OPT_PRECISION, OPT_PROBES, OPT_NO_COMPENSATE, OPT_RESET,
	OPT_LIST, OPT_ALL, OPT_HIST,
};

static const struct argp_option opts[] = {
	{ "pid", 'p', "PID", 0, "Trace this process", 0 },
	{ "binary", 'b', "PATH", 0,
	  "Executable or shared library holding the probes (default /proc/PID/exe or CMD)", 0 },
	{ "provider", OPT_PROVIDER, "NAME", 0, "USDT provider (default autocue)", 0 },
	{ "list", OPT_LIST, NULL, 0, "List probe pairs and exit (no root needed)", 0 },
	{ "duration", 'd', "SEC", 0, "Stop after SEC seconds", 1 },
	{ "interval", 'i', "SEC", 0, "Print a table every SEC seconds", 1 },
	{ "reset-each-interval", OPT_RESET, NULL, 0,
	  "Start every interval from zero (per-interval tables)", 1 },
	{ "sort", 's', "KEY", 0, "Sort by total|avg|calls|p99|name (default total)", 2 },
	{ "top", 'n', "N", 0, "Print the N first rows", 2 },
	{ "all", OPT_ALL, NULL, 0, "List probes never called too", 2 },
	{ "hist", OPT_HIST, NULL, 0,
	  "Each row's latency distribution below the table (power-of-two ns buckets, as bpftrace's hist())", 2 },
	{ "quiet", 'q', NULL, 0, "No progress messages", 2 },
	{ "json", OPT_JSON, "FILE", 0,
	  "Write a JSON report (with -i: an array, one report per interval, then the final one)", 3 },
	{ "folded", OPT_FOLDED, "FILE", 0,
	  "Write folded stacks (self time in us) for flamegraphs", 3 },
	{ "svg", OPT_SVG, "FILE", 0, "Write an interactive flamegraph", 3 },
	{ "raw", OPT_RAW, "FILE", 0,
	  "Exact mode: stream every call to FILE (probe tid start_ns dur_ns depth); keeps 8 bytes a call in memory", 3 },
	{ "assert", OPT_ASSERT, "EXPR", 0,
	  "Check NAME:STAT<LIMIT at the end (STAT count|avg|min|max|p50|p90|p95|p99|p999|total; LIMIT in ns|us|ms|s); repeatable", 4 },
	{ "targets", OPT_TARGETS, "FILE", 0, "Assertions, one per line", 4 },
	{ "precision", OPT_PRECISION, "BITS", 0,
	  "Histogram sub-bucket bits 1..10 (default 6: <=0.78% error)", 5 },
	{ "probes", OPT_PROBES, "PATTERN", 0,
	  "Attach only probes matching these comma-separated globs", 5 },
	{ "no-compensate", OPT_NO_COMPENSATE, NULL, 0,
	  "Report raw durations, probe cost included", 5 },
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
	case 'p':
		if (parse_int(arg, 1, INT_MAX, &env->pid))
			argp_failure(state, 1, 0, "invalid PID: %s", arg);
		break;
	case 'b': env->topts.binary = arg; break;
	case OPT_PROVIDER: env->topts.provider = arg; break;
	case OPT_LIST: env->list = true; break;
	case 'd':
		if (parse_seconds(arg, &env->duration))
			argp_failure(state, 1, 0, "invalid duration: %s", arg);
		break;
	case 'i':
		if (parse_seconds(arg, &env->interval))
			argp_failure(state, 1, 0, "invalid interval: %s", arg);
		break;
	case OPT_RESET: env->reset_each = true; break;
	case 's':
		if (ac_sort_parse(arg, &env->ropts.sort))
			argp_failure(state, 1, 0, "invalid sort key: %s (total|avg|calls|p99|name)", arg);
		break;
	case 'n':
		if (parse_int(arg, 1, INT_MAX, &env->ropts.top))
			argp_failure(state, 1, 0, "invalid --top: %s", arg);
		break;
	case OPT_ALL: env->ropts.show_empty = true; break;
	case OPT_HIST: env->ropts.hist = true; break;
	case 'q': env->quiet = true; break;
	case OPT_JSON: env->json = arg; break;
	case OPT_FOLDED: env->folded = arg; break;
	case OPT_SVG: env->svg = arg; break;
	case OPT_RAW: env->raw = arg; env->topts.raw = true; break;
	case OPT_ASSERT:
		if (ac_assertions_add(env->asserts, arg, err, sizeof(err)))
			argp_failure(state, 1, 0, "%s", err);
		break;
	case OPT_TARGETS:
		if (ac_assertions_load(env->asserts, arg, err, sizeof(err)))
			argp_failure(state, 1, 0, "%s", err);
		break;
	case OPT_PRECISION:
		if (parse_int(arg, 1, 10, &env->topts.precision))
			argp_failure(state, 1, 0, "invalid precision: %s (1..10 bits)", arg);
		break;
	case OPT_PROBES: env->topts.probes = arg; break;
	case OPT_NO_COMPENSATE: env->topts.no_compensate = true; break;
	case ARGP_KEY_ARG:
		/* the first operand starts the command: hand argp the rest */
		return ARGP_ERR_UNKNOWN;
	case ARGP_KEY_ARGS:
		env->cmd = state->argv + state->next;
		break;
	case ARGP_KEY_END:
		if (env->list && !env->pid && !env->topts.binary)
			argp_failure(state, 1, 0, "--list needs -p PID or -b BINARY");
		if (!env->list && !env->pid && !env->cmd)
			argp_failure(state, 1, 0, "give -p PID or -- CMD (see --help)");
		if (env->pid && env->cmd)
			argp_failure(state, 1, 0, "give -p PID or -- CMD, not both");
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
	char exe[PATH_MAX], err[256];
	const char *bin = env->topts.binary;
	const char *prov = env->topts.provider ? env->topts.provider : "autocue";
	struct ac_probe_set set;
	int ret;

	if (!bin) {
		char link[64];

		/* the file's own name reads better than /proc/PID/exe */
		snprintf(link, sizeof(link), "/proc/%d/exe", env->pid);
		if (!realpath(link, exe)) {
			if (errno == ENOENT) {
				fprintf(stderr, "autocue-trace: no process with PID %d\n",
					env->pid);
				return 1;
			}
			snprintf(exe, sizeof(exe), "%s", link);
		}
		bin = exe;
	}
	ret = ac_probes_discover(bin, prov, &set, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "autocue-trace: %s\n", err);
		return 1;
	}
	ac_probes_remove_reserved(&set);
	ac_probes_filter(&set, env->topts.probes);
	for (int i = 0; i < set.nunpaired; i++)
		fprintf(stderr, "autocue-trace: warning: unpaired probe %s:%s\n",
			prov, set.unpaired[i]);
	if (!set.n)
		fprintf(stderr, "autocue-trace: no '%s' probe pairs in %s\n", prov, bin);
	else
		printf("%-40s %7s %7s\n", "PROBE", "ENTRIES", "RETURNS");
	for (int i = 0; i < set.n; i++)
		printf("%-40s %7d %7d\n", set.p[i].name, set.p[i].entry.n,
		       set.p[i].ret.n);
	ret = set.n ? 0 : 1;
	ac_probes_free(&set);
	return ret;
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
		fprintf(stderr, "autocue-trace: cannot write %s: %s\n", path,
			strerror(-ret));
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
		ret = ac_json_series_add(js, s, true) ?:
		      ac_json_series_write(js, env->json);
	else if (env->json)
		ret = ac_json_write(env->json, s);
	if (env->json && ret) {
		fprintf(stderr, "autocue-trace: cannot write %s: %s\n",
			env->json, strerror(-ret));
		failed = 1;
	}
	if (env->folded && (ret = ac_folded_write(env->folded, s))) {
		fprintf(stderr, "autocue-trace: cannot write %s: %s\n",
			env->folded, strerror(-ret));
		failed = 1;
	}
	if (env->svg && (ret = ac_svg_write(env->svg, s))) {
		fprintf(stderr, "autocue-trace: cannot write %s: %s\n",
			env->svg, strerror(-ret));
		failed = 1;
	}
	return failed;
}

/* One interval: a table, and with --json the file rewritten as the
 * array of every interval so far (valid after each one). */
static int report_interval(struct env *env, struct ac_trace *t,
			   struct ac_json_series *js, int interval_no)
{
	struct ac_snapshot *s = ac_trace_snapshot(t);
	char title[96], clock[16] = "";
	time_t now = time(NULL);
	struct tm tm;
	int ret = 0;

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
	if (js && !(ret = ac_json_series_add(js, s, false)))
		ret = ac_json_series_write(js, env->json);
	if (ret)
		fprintf(stderr, "autocue-trace: cannot write %s: %s\n",
			env->json, strerror(-ret));
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

static void announce(struct env *env, struct ac_trace *t)
{
	struct ac_snapshot *s = ac_trace_snapshot(t);
	const char *const *unpaired;
	int n;

	unpaired = ac_trace_unpaired(t, &n);
	for (int i = 0; i < n; i++)
		fprintf(stderr, "autocue-trace: warning: unpaired probe %s\n",
			unpaired[i]);
	if (!s)
		return;
	fprintf(stderr, "Tracing %d probe pairs in %s, PID %d (%s); ",
		s->nprobes, ac_trace_binary(t), s->pid, ac_trace_attach_kind(t));
	if (s->compensated)
		fprintf(stderr, "probe cost %.2f us per call, compensated.",
			s->pair_ns / 1000);
	else
		fprintf(stderr, "raw figures (probe cost included).");
	fprintf(stderr, "%s\n", env->duration ? "" : " Ctrl-C to end.");
	ac_snapshot_free(s);
}

static int run(struct env *env)
{
	struct ac_trace *t = NULL;
	struct ac_snapshot *s = NULL;
	struct ac_outfile raw = {};
	struct ac_json_series *js = NULL;
	struct timespec t0, tick;
	int ret, exit_code = 0, nint = 0;

	/* folded paths cost a hash update per call: only when shown */
	env->topts.no_paths = !env->folded && !env->svg;
	if (check_writable(env->json) || check_writable(env->folded) ||
	    check_writable(env->svg) || check_writable(env->raw))
		return 1;
	if (env->cmd)
		ret = ac_trace_open_cmd(env->cmd, &env->topts, &t);
	else
		ret = ac_trace_open_pid(env->pid, &env->topts, &t);
	if (!ret && env->raw) {
		ret = ac_outfile_open(&raw, env->raw);
		if (ret)
			fprintf(stderr, "autocue-trace: cannot write %s: %s\n",
				env->raw, strerror(-ret));
		else
			ac_trace_set_raw_sink(t, raw.f);
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
	if (env->json && env->interval && !(js = ac_json_series_new())) {
		exit_code = 1;
		goto cleanup;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	tick = t0;
	while (!exiting) {
		ac_trace_poll(t, wait_ms(env, &t0, &tick));
		/* --raw's records go out as they come: a full disk or a
		 * reader gone (--raw - | head) ends the session */
		if (raw.f && ferror(raw.f)) {
			fprintf(stderr, "autocue-trace: cannot write %s: a write "
				"failed (disk full, or the reader is gone)\n",
				env->raw);
			exit_code = 1;
			break;
		}
		if (env->duration && elapsed(&t0) >= env->duration)
			break;
		if (!ac_trace_alive(t, NULL))
			break;
		if (env->interval && elapsed(&tick) >= env->interval) {
			clock_gettime(CLOCK_MONOTONIC, &tick);
			ret = report_interval(env, t, js, ++nint);
			/* stdout gone (| head) or full: nobody reads the rest */
			if (ferror(stdout)) {
				fprintf(stderr, "autocue-trace: cannot write the report to stdout: %s\n",
					strerror(ret ? -ret : EIO));
				exit_code = 1;
				break;
			}
			if (env->reset_each)
				ac_trace_reset(t);
		}
	}

	s = ac_trace_snapshot(t);
	if (!s) {
		fprintf(stderr, "autocue-trace: cannot read the maps\n");
		exit_code = 1;
		goto cleanup;
	}
	if (nint)
		env->ropts.title = "final";
	/* a table that never reached stdout (a full disk) is a failure;
	 * a stdout already failed (and said so) gets no second attempt */
	if (ferror(stdout)) {
		exit_code = 1;
	} else if ((ret = ac_report_table(stdout, s, &env->ropts))) {
		fprintf(stderr, "autocue-trace: cannot write the report to stdout: %s\n",
			strerror(-ret));
		exit_code = 1;
	}
	if (write_outputs(env, s, js))
		exit_code = 1;
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
	if (raw.f) {
		ac_trace_set_raw_sink(t, NULL);
		if (exit_code == 1)
			ac_outfile_abort(&raw);
		else if ((ret = ac_outfile_commit(&raw))) {
			fprintf(stderr, "autocue-trace: cannot write %s: %s\n",
				env->raw, strerror(-ret));
			exit_code = 1;
		}
	}
	ac_json_series_free(js);
	ac_snapshot_free(s);
	ac_trace_close(t);
	return exit_code;
}

int main(int argc, char **argv)
{
	static const struct argp argp = { .options = opts, .parser = parse_arg,
					  .doc = doc };
	struct env env = { .ropts.sort = AC_SORT_TOTAL };
	struct sigaction sa = { .sa_handler = sig_handler };
	struct sigaction sp = { .sa_handler = pipe_handler };
	int ret;

	argp_err_exit_status = 1;	/* usage errors are errors: exit 1 */
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
	return ret;
}
