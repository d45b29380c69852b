// SPDX-License-Identifier: MIT
/*
 * autocue-trace record: samples a process's on-CPU stacks, each under the
 * traced scopes its thread had open, and prints where the CPU went; folded
 * stacks, a flamegraph and JSON on request. With probes in the program
 * (or --func, --python), the latency session that keeps the scope stacks
 * is the usual one (one attach), and --latency prints its table too.
 * Processes are chosen as for tracing (select.h).
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "autocue_trace.h"
#include "outfile.h"
#include "profile.h"
#include "program.h"
#include "profile_report.h"
#include "quote.h"
#include "record_cmd.h"
#include "report.h"
#include "sampler.h"
#include "select.h"
#include "symbols.h"

#define MAX_HZ 20000	/* a sample every 50 us of CPU time */

struct renv {
	pid_t pid;		/* the first of sel's, or the command's */
	struct ac_select sel;	/* -p, --comm, --func, --python */
	char **cmd;
	struct ac_trace_opts topts;
	struct ac_sampler_opts sopts;
	double duration;
	const char *json, *folded, *svg;
	bool latency, no_scopes, quiet;
	int top;
};

/* the command we start ourselves, when it has no probes */
struct child {
	pid_t pid;
	int go_fd, exec_fd;
	bool reaped;
	int status;
};

static volatile sig_atomic_t exiting;

static const char doc[] =
"Where the CPU goes: samples the on-CPU stacks of a process at HZ (perf "
"events and BPF), each under the traced scopes its thread had open when the "
"program carries autocue probes.\n"
"\n"
"USAGE: autocue-trace record -p PID[,PID|NAME] [OPTIONS]\n"
"       autocue-trace record [OPTIONS] -- CMD [ARGS...]\n"
"\n"
"EXAMPLES:\n"
"    autocue-trace record -p 1234 -d 10 --svg cpu.svg\n"
"    autocue-trace record -F 999 --folded cpu.folded -- ./app args\n"
"    autocue-trace record --latency -p 1234   # latency table and samples, one attach\n"
"    autocue-trace record -p app -d 5         # every process named app, comm-PID;...\n"
"    autocue-trace record --func 'parse_*' -- ./app   # samples under parse_* calls\n"
"    autocue-trace record --python 'app.*' -p 1234    # under Python functions\n"
"\n"
"Exit status: 0, 1 on errors.";

enum {
	OPT_PROVIDER = 256, OPT_JSON, OPT_FOLDED, OPT_SVG, OPT_PROBES,
	OPT_USER_ONLY, OPT_KERNEL_ONLY, OPT_LATENCY, OPT_NO_SCOPES,
};

static const struct argp_option opts[] = {
	{ "freq", 'F', "HZ", 0,
	  "Samples per second of CPU time (default 99, as perf and bcc's profile)", 0 },
	{ "duration", 'd', "SEC", 0, "Stop after SEC seconds (default: Ctrl-C or the process's exit)", 0 },
	{ "user-only", OPT_USER_ONLY, NULL, 0,
	  "User stacks only (time in the kernel shows as the user frame that entered it)", 1 },
	{ "kernel-only", OPT_KERNEL_ONLY, NULL, 0,
	  "Kernel stacks only, of the samples taken in the kernel", 1 },
	{ "folded", OPT_FOLDED, "FILE", 0, "Write folded stacks (sample counts)", 2 },
	{ "svg", OPT_SVG, "FILE", 0, "Write an interactive flamegraph", 2 },
	{ "json", OPT_JSON, "FILE", 0,
	  "Write per-function self/total samples, the rate and the losses as JSON", 2 },
	{ "top", 'n', "N", 0, "Rows of the top-functions tables (default 15)", 2 },
	{ "latency", OPT_LATENCY, NULL, 0,
	  "Also print the latency table of the probes (the same attach)", 3 },
	{ "no-scopes", OPT_NO_SCOPES, NULL, 0,
	  "Attach no probes: plain samples, no scope prefix", 3 },
	{ "binary", 'b', "PATH", 0,
	  "Only the probes of this executable or library (default: the executable and every library the process maps, or the command links)", 3 },
	{ "provider", OPT_PROVIDER, "NAME", 0, "USDT provider (default autocue)", 3 },
	{ "probes", OPT_PROBES, "PATTERN", 0,
	  "Attach only probes matching these comma-separated globs", 3 },
	{ "quiet", 'q', NULL, 0, "No start-up banner", 4 },
	{ "verbose", 'v', NULL, 0, "libbpf's messages too", 4 },
	{},
};

static int parse_int(const char *arg, long lo, long hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || *end || end == arg || v < lo || v > hi)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	struct renv *env = state->input;
	char *end;

	switch (key) {
	case ARGP_KEY_INIT:
		/* -p, --comm, --func, --python: select.h */
		state->child_inputs[0] = &env->sel;
		env->sel.topts = &env->topts;
		break;
	case 'F':
		if (parse_int(arg, 1, MAX_HZ, &env->sopts.hz))
			argp_failure(state, 1, 0, "invalid frequency: %s (1..%d Hz)",
				     AC_Q(arg), MAX_HZ);
		break;
	case 'd':
		errno = 0;
		env->duration = strtod(arg, &end);
		if (errno || *end || end == arg || !isfinite(env->duration) ||
		    env->duration <= 0)
			argp_failure(state, 1, 0, "invalid duration: %s", AC_Q(arg));
		break;
	case 'n':
		if (parse_int(arg, 1, INT_MAX, &env->top))
			argp_failure(state, 1, 0, "invalid --top: %s", AC_Q(arg));
		break;
	case OPT_USER_ONLY: env->sopts.no_kernel = true; break;
	case OPT_KERNEL_ONLY: env->sopts.no_user = true; break;
	case OPT_FOLDED: env->folded = arg; break;
	case OPT_SVG: env->svg = arg; break;
	case OPT_JSON: env->json = arg; break;
	case OPT_LATENCY: env->latency = true; break;
	case OPT_NO_SCOPES: env->no_scopes = true; break;
	case 'b': env->topts.binary = arg; break;
	case OPT_PROVIDER: env->topts.provider = arg; break;
	case OPT_PROBES: env->topts.probes = arg; break;
	case 'q': env->quiet = true; break;
	case 'v':
		env->topts.verbose = true;
		env->sopts.verbose = true;
		break;
	case ARGP_KEY_ARG:
		return ARGP_ERR_UNKNOWN;
	case ARGP_KEY_ARGS:
		env->pid = ac_select_pid(&env->sel);
		if (env->pid && strcmp(state->argv[state->next - 1], "--"))
			argp_failure(state, 1, 0, "unexpected argument '%s' "
				     "(a command goes after --)",
				     AC_Q(state->argv[state->next]));
		env->cmd = state->argv + state->next;
		break;
	case ARGP_KEY_END:
		env->pid = ac_select_pid(&env->sel);
		if (!env->pid && !env->cmd)
			argp_failure(state, 1, 0, "give -p PID or -- CMD (see record --help)");
		if (env->pid && env->cmd)
			argp_failure(state, 1, 0, "give -p PID or -- CMD, not both");
		if (env->sopts.no_user && env->sopts.no_kernel)
			argp_failure(state, 1, 0, "--user-only and --kernel-only exclude each other");
		if (env->latency && env->no_scopes)
			argp_failure(state, 1, 0, "--latency needs the probes: drop --no-scopes");
		if (env->no_scopes && (env->topts.funcs || env->topts.python))
			argp_failure(state, 1, 0, "--no-scopes attaches nothing: drop it or --func/--python");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static void on_signal(int sig)
{
	exiting = 1;
}

/* a reader gone (| head) fails the write, not the whole recording; a
 * handler, not SIG_IGN, so a command we start keeps the default */
static void on_pipe(int sig)
{
	(void)sig;
}

static double elapsed(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) + (now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Refuse an unwritable output before sampling, not after. */
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

/* A command without probes: started stopped, released once sampled. */
static int child_start(struct child *c, char **argv)
{
	int go[2], ex[2];

	c->go_fd = c->exec_fd = -1;
	if (pipe2(go, O_CLOEXEC))
		return -errno;
	if (pipe2(ex, O_CLOEXEC)) {
		close(go[0]);
		close(go[1]);
		return -errno;
	}
	c->pid = fork();
	if (c->pid < 0) {
		int err = -errno;

		close(go[0]); close(go[1]); close(ex[0]); close(ex[1]);
		return err;
	}
	if (!c->pid) {
		char b;
		int err;

		close(go[1]);
		close(ex[0]);
		if (read(go[0], &b, 1) != 1)
			_exit(127);
		execvp(argv[0], argv);
		err = errno;
		if (write(ex[1], &err, sizeof(err)) != sizeof(err))
			_exit(126);
		_exit(127);
	}
	close(go[0]);
	close(ex[1]);
	c->go_fd = go[1];
	c->exec_fd = ex[0];
	return 0;
}

/* releases the command; 0 once it has exec'd, or the errno it could not */
static int child_release(struct child *c)
{
	struct pollfd pfd = { .fd = c->exec_fd, .events = POLLIN };
	int err = 0;
	ssize_t n = 0;

	if (write(c->go_fd, "g", 1) != 1)
		return -errno;
	close(c->go_fd);
	c->go_fd = -1;
	if (poll(&pfd, 1, 5000) > 0)
		n = read(c->exec_fd, &err, sizeof(err));
	close(c->exec_fd);
	c->exec_fd = -1;
	return n == sizeof(err) ? -err : 0;
}

static bool child_alive(struct child *c)
{
	if (!c->reaped && waitpid(c->pid, &c->status, WNOHANG) == c->pid)
		c->reaped = true;
	return !c->reaped;
}

static void child_end(struct child *c)
{
	if (c->pid <= 0)
		return;
	if (c->go_fd >= 0)
		close(c->go_fd);
	else if (child_alive(c))
		kill(c->pid, SIGTERM);
	for (int i = 0; i < 200 && child_alive(c); i++)
		usleep(10000);
	if (child_alive(c)) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, &c->status, 0);
	}
	if (c->exec_fd >= 0)
		close(c->exec_fd);
}

/* the process a thread id belongs to; 0 if unknown */
static pid_t tgid_of(pid_t pid)
{
	char path[64], line[128];
	long tgid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %ld", &tgid) == 1)
			break;
	fclose(f);
	return (pid_t)tgid;
}

/* a -p process still runs (a zombie has finished) */
static bool pid_runs(pid_t pid)
{
	char path[64], line[512], *p;
	bool runs = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(line, sizeof(line), f) && (p = strrchr(line, ')')) &&
	    p[1] == ' ')
		runs = p[2] != 'Z' && p[2] != 'X';
	fclose(f);
	return runs;
}

static int write_outputs(struct renv *env, const struct ac_profile *p)
{
	int ret, failed = 0;

	if (env->folded && (ret = ac_profile_write_folded(env->folded, p))) {
		fprintf(stderr, "autocue-trace: cannot write %s: %s\n",
			AC_Q(env->folded), strerror(-ret));
		failed = 1;
	}
	if (env->svg && (ret = ac_profile_write_svg(env->svg, p, NULL))) {
		fprintf(stderr, "autocue-trace: cannot write %s: %s\n",
			AC_Q(env->svg), strerror(-ret));
		failed = 1;
	}
	if (env->json && (ret = ac_profile_write_json(env->json, p))) {
		fprintf(stderr, "autocue-trace: cannot write %s: %s\n",
			AC_Q(env->json), strerror(-ret));
		failed = 1;
	}
	return failed;
}

/* The latency session that keeps the scopes: the probes of the program
 * and its libraries, found as tracing finds them, or --func's and
 * --python's. 0 with *t NULL when the program has no probes and no other
 * source was asked for (plain samples); else 0 or 1 after saying why not. */
static int open_scopes(struct renv *env, struct ac_sampler *sm,
		       struct ac_trace **t)
{
	int ret;

	*t = NULL;
	if (env->no_scopes)
		return 0;
	/* the latency programs keep their stacks in the sampler's map: one
	 * attach serves both */
	env->topts.scope_stacks_fd = ac_sampler_scopes_fd(sm);
	/* folded latency paths are not shown here: cheaper probes */
	env->topts.no_paths = true;
	ret = env->cmd ? ac_trace_open_cmd(env->cmd, &env->topts, t) :
		ac_trace_open_pids(env->sel.pids, env->sel.npids, &env->topts,
				   t);
	if (ret == -ENOENT && !env->topts.funcs && !env->topts.python &&
	    !env->topts.binary) {
		ac_trace_close(*t);	/* no probes anywhere */
		*t = NULL;
		return 0;
	}
	if (ret) {
		fprintf(stderr, "autocue-trace: %s\n", ac_trace_error(*t));
		return 1;
	}
	env->pid = ac_trace_pid(*t);
	return 0;
}

/* Each -p process runs and is one (not a thread); 0, or 1 after saying
 * which is not */
static int check_pids(const struct renv *env)
{
	for (int i = 0; i < env->sel.npids; i++) {
		pid_t pid = env->sel.pids[i], tgid = tgid_of(pid);

		if (!pid_runs(pid)) {
			fprintf(stderr, "autocue-trace: no process with PID %d\n",
				pid);
			return 1;
		}
		if (tgid > 0 && tgid != pid) {
			fprintf(stderr, "autocue-trace: %d is a thread of process %d: "
				"give -p %d (its threads are all sampled)\n",
				pid, tgid, tgid);
			return 1;
		}
	}
	return 0;
}

/* The processes sampled, each with its symbols, opened now (so names
 * resolve after it exits). 0, or 1 after saying why not. */
static int open_procs(const pid_t *pids, int n, struct ac_profile_proc **out)
{
	struct ac_profile_proc *v = calloc(n, sizeof(*v));
	char err[512];

	*out = v;
	if (!v) {
		fprintf(stderr, "autocue-trace: out of memory\n");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		v[i].pid = pids[i];
		ac_process_comm(pids[i], v[i].comm, sizeof(v[i].comm));
		if (ac_symbols_open(pids[i], &v[i].sy, err, sizeof(err)) &&
		    !v[i].sy) {
			fprintf(stderr, "autocue-trace: %s\n", err);
			return 1;
		}
	}
	return 0;
}

static void close_procs(struct ac_profile_proc *v, int n)
{
	for (int i = 0; v && i < n; i++)
		ac_symbols_close(v[i].sy);
	free(v);
}

static void banner(const struct renv *env, struct ac_sampler *sm,
		   struct ac_trace *t, const pid_t *pids, int n)
{
	fprintf(stderr, "Sampling PID%s ", n > 1 ? "s" : "");
	for (int i = 0; i < n; i++)
		fprintf(stderr, "%s%d", i ? ", " : "", pids[i]);
	fprintf(stderr, " at %d Hz on every CPU (%s); ", ac_sampler_hz(sm),
		env->sopts.no_user ? "kernel stacks" :
		env->sopts.no_kernel ? "user stacks" :
		"user and kernel stacks");
	if (t && env->topts.python)
		fprintf(stderr, "Python functions matching '%s' traced (%s): "
			"samples under them", env->topts.probes ?
			AC_Q(env->topts.probes) : "*", ac_trace_attach_kind(t));
	else if (t)
		fprintf(stderr, "%d %s attached (%s): samples under their "
			"scopes", ac_trace_nprobes(t), env->topts.funcs ?
			"probe pairs and functions" : "probe pairs",
			ac_trace_attach_kind(t));
	else
		fprintf(stderr, "no probes%s", env->no_scopes ?
			" (--no-scopes)" : " in the program");
	fprintf(stderr, ".%s\n", env->duration ? "" : " Ctrl-C to end.");
}

static bool any_runs(const struct ac_profile_proc *v, int n)
{
	for (int i = 0; i < n; i++)
		if (pid_runs(v[i].pid))
			return true;
	return false;
}

/* objects mapped since (the dynamic loader's, dlopen) in each process
 * still there */
static void refresh_symbols(struct ac_profile_proc *v, int n)
{
	for (int i = 0; i < n; i++)
		if (pid_runs(v[i].pid))
			ac_symbols_refresh(v[i].sy);
}

static int run(struct renv *env)
{
	struct ac_sampler *sm = NULL;
	struct ac_trace *t = NULL;
	struct ac_samples raw = {};
	struct ac_profile prof = {};
	struct ac_profile_proc *procs = NULL;
	struct child c = { .pid = -1, .go_fd = -1, .exec_fd = -1 };
	const char **scope_names = NULL;
	char err[512], *program = NULL;
	const pid_t *pids;
	struct timespec t0;
	double next_refresh = 0;
	int ret, exit_code = 1, npids = 0;
	unsigned nscopes = 0;

	if (check_writable(env->json) || check_writable(env->folded) ||
	    check_writable(env->svg) || check_pids(env))
		return 1;
	if (env->cmd) {
		program = ac_find_program(env->cmd[0]);
		if (!program) {
			fprintf(stderr, "autocue-trace: command not found: %s\n",
				AC_Q(env->cmd[0]));
			return 1;
		}
	}
	if (geteuid() != 0) {
		fprintf(stderr, "autocue-trace: sampling needs root (CAP_BPF and CAP_PERFMON): run it with sudo\n");
		goto cleanup;
	}
	env->sopts.max_procs = env->cmd ? 1 : env->sel.npids;
	ret = ac_sampler_open(&env->sopts, &sm, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "autocue-trace: %s\n", err);
		goto cleanup;
	}
	if (open_scopes(env, sm, &t))
		goto cleanup;
	if (!t && env->cmd) {
		ret = child_start(&c, env->cmd);
		if (ret) {
			fprintf(stderr, "autocue-trace: cannot start %s: %s\n",
				AC_Q(env->cmd[0]), strerror(-ret));
			goto cleanup;
		}
		env->pid = c.pid;
	}
	pids = env->cmd ? &env->pid : env->sel.pids;
	npids = env->cmd ? 1 : env->sel.npids;
	/* a command is sampled from its first instruction (it runs once
	 * attached or released); running processes once their probes are
	 * attached, so that no sample misses scopes that are there */
	if (env->cmd && (ret = ac_sampler_start(sm, pids, npids, err,
						sizeof(err)))) {
		fprintf(stderr, "autocue-trace: %s\n", err);
		goto cleanup;
	}
	if (t) {
		ret = ac_trace_attach(t);
		if (ret) {
			fprintf(stderr, "autocue-trace: %s\n", ac_trace_error(t));
			goto cleanup;
		}
	} else if (env->cmd) {
		ret = child_release(&c);
		if (ret) {
			fprintf(stderr, "autocue-trace: cannot run %s: %s\n",
				AC_Q(env->cmd[0]), strerror(-ret));
			goto cleanup;
		}
	}
	if (!env->cmd && (ret = ac_sampler_start(sm, pids, npids, err,
						 sizeof(err)))) {
		fprintf(stderr, "autocue-trace: %s\n", err);
		goto cleanup;
	}
	if (open_procs(pids, npids, &procs))
		goto cleanup;
	if (!env->quiet)
		banner(env, sm, t, pids, npids);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!exiting) {
		double now = elapsed(&t0);
		bool alive = t ? ac_trace_alive(t, NULL) :
			     env->cmd ? child_alive(&c) : any_runs(procs, npids);
		int ms = now < 0.5 ? 10 : 50;

		if (!alive || (env->duration && now >= env->duration))
			break;
		/* often at first, then every second */
		if (now >= next_refresh) {
			refresh_symbols(procs, npids);
			next_refresh = now + (now < 0.5 ? 0.02 : 1.0);
		}
		/* the session's own work: libraries loaded since (their
		 * probes), Python functions named as they come */
		if (t)
			ac_trace_poll(t, ms);
		else
			usleep(ms * 1000);
	}
	ac_sampler_stop(sm);
	refresh_symbols(procs, npids);

	ret = ac_sampler_read(sm, &raw);
	if (ret) {
		fprintf(stderr, "autocue-trace: cannot read the samples: %s\n",
			strerror(-ret));
		goto cleanup;
	}
	if (t) {
		nscopes = ac_trace_scope_ids(t);
		scope_names = calloc(nscopes ? nscopes : 1,
				     sizeof(*scope_names));
		if (!scope_names)
			goto cleanup;
		for (unsigned i = 0; i < nscopes; i++)
			scope_names[i] = ac_trace_scope_name(t, i + 1);
	}
	ret = ac_profile_build(&raw, procs, npids, scope_names, nscopes,
			       &prof);
	if (ret) {
		fprintf(stderr, "autocue-trace: cannot name the samples: %s\n",
			strerror(-ret));
		goto cleanup;
	}
	prof.hz = ac_sampler_hz(sm);
	exit_code = 0;
	if (env->latency) {
		struct ac_snapshot *s = ac_trace_snapshot(t);
		struct ac_report_opts ro = { .sort = AC_SORT_TOTAL,
					     .title = "latency" };

		if (!s || ac_report_table(stdout, s, &ro))
			exit_code = 1;
		ac_snapshot_free(s);
		putchar('\n');
	}
	if (ac_profile_print(stdout, &prof, env->top)) {
		fprintf(stderr, "autocue-trace: cannot write the report to stdout\n");
		exit_code = 1;
	}
	ac_profile_warnings(stderr, &prof);
	if (write_outputs(env, &prof))
		exit_code = 1;

cleanup:
	ac_profile_free(&prof);
	ac_samples_free(&raw);
	free(scope_names);
	ac_sampler_close(sm);
	ac_trace_close(t);
	child_end(&c);
	close_procs(procs, npids);
	free(program);
	return exit_code;
}

int ac_record_main(int argc, char **argv)
{
	static const struct argp_child children[] = {
		{ &ac_select_argp, 0, NULL, 0 }, {} };
	static const struct argp argp = { .options = opts, .parser = parse_arg,
					  .doc = doc, .children = children };
	struct renv env = {};
	int ret;
	struct sigaction sa = { .sa_handler = on_signal };
	const char *bad;

	argp_err_exit_status = 1;
	if ((bad = ac_unsafe_option(argc, argv, true))) {
		fprintf(stderr, "autocue-trace: unrecognized option '%s' "
			"(see record --help)\n", AC_Q(bad));
		return 1;
	}
	if (argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, &env))
		return 1;
	struct sigaction sp = { .sa_handler = on_pipe }, old;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!sigaction(SIGPIPE, NULL, &old) && old.sa_handler != SIG_IGN)
		sigaction(SIGPIPE, &sp, NULL);
	ret = run(&env);
	ac_select_free(&env.sel);
	return ret;
}
