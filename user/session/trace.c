// SPDX-License-Identifier: MIT
/* Session set-up, in order: checks, probe discovery, BPF load, calibration,
 * attach, release of a command; tear-down. It orchestrates the rooms below
 * it (attach.c, calibrate.c, readout.c, session.c) and nothing calls back
 * up into it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "autocue.skel.h"
#include "quote.h"
#include "trace_priv.h"

#define DEFAULT_MAX_PATHS 1024

static int privileges(struct ac_trace *t);

static int check_privileges(struct ac_trace *t)
{
	int ret = privileges(t);

	/* as early as possible: see prewarm.c */
	if (!ret && !t->prewarm)
		t->prewarm = ac_prewarm_start();
	return ret;
}

static int privileges(struct ac_trace *t)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return ac_trace_fail(t, -ENOTSUP,
			"the kernel has no BTF (/sys/kernel/btf/vmlinux): it needs CONFIG_DEBUG_INFO_BTF=y");
	if (geteuid() != 0)
		return ac_trace_fail(t, -EPERM,
			"tracing needs root (CAP_BPF and CAP_PERFMON): run it with sudo");
	return 0;
}

static struct ac_trace *trace_new(const struct ac_trace_opts *o)
{
	struct ac_trace *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->go_fd = -1;
	t->exec_fd = -1;
	pthread_mutex_init(&t->cal_lock, NULL);
	t->shift = o && o->precision ? o->precision : AC_DEFAULT_SHIFT;
	t->max_paths = o && o->max_paths > 0 ? o->max_paths : DEFAULT_MAX_PATHS;
	t->no_compensate = o && o->no_compensate;
	t->raw = o && o->raw;
	t->no_paths = o && o->no_paths;
	t->test_hit_delay_ns = o ? o->test_hit_delay_ns : 0;
	t->verbose = o && o->verbose;
	t->per_site = o && o->per_site_uprobes;
	t->provider = strdup(o && o->provider ? o->provider : "autocue");
	t->pattern = o && o->probes ? strdup(o->probes) : NULL;
	if (o && o->binary)
		t->binary = strdup(o->binary);
	return t;
}

static int discover(struct ac_trace *t)
{
	char err[256], shown[PATH_MAX];
	int ret;

	/* messages name the file itself, not /proc/PID/exe */
	if (!realpath(t->binary, shown))
		snprintf(shown, sizeof(shown), "%s", t->binary);
	ret = ac_probes_discover(t->binary, t->provider, &t->probes, err,
				 sizeof(err));
	if (ret == -ENOEXEC)	/* e.g. a shell script that runs the program */
		return ac_trace_fail(t, ret, "%s: give the program's binary with -b",
				     err);
	if (ret)
		return ac_trace_fail(t, ret, "%s", err);
	/* the loader's own calibration pair is not the user's */
	ac_probes_remove_reserved(&t->probes);
	if (!t->probes.n)
		return ac_trace_fail(t, -ENOENT,
			"no '%s' probes in %s: build it with autocue_usdt.h probes (see autocue-trace --list -b %s)",
			t->provider, shown, shown);
	ac_probes_filter(&t->probes, t->pattern);
	if (!t->probes.n)
		return ac_trace_fail(t, -ENOENT,
			"no probe in %s matches '%s' (autocue-trace --list -b %s shows them)",
			shown, t->pattern, shown);
	if (t->probes.n >= AC_MAX_PROBES - 2)
		return ac_trace_fail(t, -E2BIG, "too many probes (%d) in %s",
				     t->probes.n, t->binary);
	return 0;
}

int ac_trace_open_list(pid_t pid, const struct ac_trace_opts *opts,
		       struct ac_trace **out)
{
	struct ac_trace *t = trace_new(opts);
	char link[64], exe[PATH_MAX], err[256];
	int ret;

	*out = t;
	if (!t)
		return -ENOMEM;
	t->pid = pid;
	if (!t->binary) {
		/* the file's own name reads better than /proc/PID/exe */
		snprintf(link, sizeof(link), "/proc/%d/exe", pid);
		if (!realpath(link, exe)) {
			if (errno == ENOENT)
				return ac_trace_fail(t, -ESRCH,
					"no process with PID %d", pid);
			snprintf(exe, sizeof(exe), "%s", link);
		}
		t->binary = strdup(exe);
		if (!t->binary)
			return ac_trace_fail(t, -ENOMEM, "out of memory");
	}
	ret = ac_probes_discover(t->binary, t->provider, &t->probes, err,
				 sizeof(err));
	if (ret)
		return ac_trace_fail(t, ret, "%s", err);
	ac_probes_remove_reserved(&t->probes);
	ac_probes_filter(&t->probes, t->pattern);
	return 0;
}

int ac_trace_open_pid(pid_t pid, const struct ac_trace_opts *opts,
		      struct ac_trace **out)
{
	struct ac_trace *t = trace_new(opts);
	char exe[64];
	pid_t tgid;
	int ret;

	*out = t;
	if (!t)
		return -ENOMEM;
	t->pid = pid;
	if (pid <= 0 || !ac_pid_alive(pid))
		return ac_trace_fail(t, -ESRCH, "no process with PID %d", pid);
	tgid = ac_tgid_of(pid);
	if (tgid > 0 && tgid != pid)
		return ac_trace_fail(t, -ESRCH,
			"%d is a thread of process %d: give -p %d (its threads are all traced)",
			pid, tgid, tgid);
	ret = check_privileges(t);
	if (ret)
		return ret;
	if (!t->binary) {
		snprintf(exe, sizeof(exe), "/proc/%d/exe", pid);
		t->binary = strdup(exe);
	} else if (!ac_maps_binary(pid, t->binary)) {
		return ac_trace_fail(t, -ENOENT,
			"PID %d does not map %s: give the executable or a loaded shared library",
			pid, t->binary);
	}
	return discover(t);
}

int ac_trace_open_binary(const struct ac_trace_opts *opts,
			 struct ac_trace **out)
{
	struct ac_trace *t = trace_new(opts);
	int ret;

	*out = t;
	if (!t)
		return -ENOMEM;
	if (!t->binary)
		return ac_trace_fail(t, -EINVAL, "no binary given");
	if (access(t->binary, R_OK))
		return ac_trace_fail(t, -errno, "cannot read %s: %s", t->binary,
				     strerror(errno));
	/* pid 0: every process (targ_tgid 0 in BPF, pid -1 to attach) */
	t->per_process = true;
	t->max_series = opts && opts->max_series > 0 ? opts->max_series : 1024;
	ret = check_privileges(t);
	return ret ? ret : discover(t);
}

/* Finds cmd on PATH the way execvp will. */
static char *which(const char *cmd)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (strchr(cmd, '/'))
		return access(cmd, X_OK) ? NULL : strdup(cmd);
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	/* every entry, the last one too, even when empty: an empty entry
	 * (PATH="", "a::b", "a:") is the current directory, as for execvp */
	for (;;) {
		size_t len = strcspn(path, ":");

		if (len)
			snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, path, cmd);
		else
			snprintf(buf, sizeof(buf), "./%s", cmd);
		if (!access(buf, X_OK))
			return strdup(buf);
		if (!path[len])
			return NULL;
		path += len + 1;
	}
}

int ac_trace_open_cmd(char *const argv[], const struct ac_trace_opts *opts,
		      struct ac_trace **out)
{
	struct ac_trace *t = trace_new(opts);
	char *exe;
	int ret, go[2], ex[2];
	pid_t pid;

	*out = t;
	if (!t)
		return -ENOMEM;
	if (!argv || !argv[0])
		return ac_trace_fail(t, -EINVAL, "no command given");
	exe = which(argv[0]);
	if (!exe)
		return ac_trace_fail(t, -ENOENT, "command not found: %s", argv[0]);
	if (!t->binary)
		t->binary = exe;
	else
		free(exe);
	ret = check_privileges(t);
	if (!ret)
		ret = discover(t);
	if (ret)
		return ret;
	t->cmd = strdup(argv[0]);
	if (!t->cmd)
		return ac_trace_fail(t, -ENOMEM, "out of memory");
	/* ex: a successful exec closes it (O_CLOEXEC), a failed one sends
	 * errno, so the tracer can tell "cannot run" from an exit status */
	if (pipe2(go, O_CLOEXEC))
		return ac_trace_fail(t, -errno, "pipe: %s", strerror(errno));
	if (pipe2(ex, O_CLOEXEC)) {
		ret = -errno;
		close(go[0]);
		close(go[1]);
		return ac_trace_fail(t, ret, "pipe: %s", strerror(-ret));
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(go[0]);
		close(go[1]);
		close(ex[0]);
		close(ex[1]);
		return ac_trace_fail(t, ret, "fork: %s", strerror(-ret));
	}
	if (pid == 0) {
		char c;
		int err;

		close(go[1]);
		close(ex[0]);
		/* wait until the probes are live; EOF without a byte means
		 * the tracer gave up */
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execvp(argv[0], argv);
		err = errno;
		if (write(ex[1], &err, sizeof(err)) != sizeof(err))
			_exit(126);
		_exit(127);
	}
	close(go[0]);
	close(ex[1]);
	t->exec_fd = ex[0];
	t->go_fd = go[1];
	t->pid = pid;
	t->own_child = true;
	return 0;
}

/* libbpf's print callback takes no context: what the last session opened
 * asked for (ac_trace_opts.verbose) is all it can see. */
static bool libbpf_verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	if (libbpf_verbose)
		return vfprintf(stderr, fmt, args);
	return 0;
}

static int load_as(struct ac_trace *t, bool multi)
{
	struct autocue_bpf *skel;

	skel = autocue_bpf__open();
	if (!skel)
		return -errno;
	t->skel = skel;
	ac_attach_prepare(t, multi);
	/* ids: 1..n the target's probes, n+1 calibration, 0 unused */
	t->nids = t->probes.n + 2;
	t->nbuckets = AC_NBUCKETS(t->shift);
	skel->rodata->targ_tgid = t->pid;
	skel->rodata->calib_tgid = getpid();
	skel->rodata->calib_id = t->nids - 1;
	ac_pidns(&skel->rodata->pidns_dev, &skel->rodata->pidns_ino);
	skel->rodata->hist_shift = t->shift;
	skel->rodata->nbuckets = t->nbuckets;
	skel->rodata->raw_events = t->raw;
	skel->rodata->fold_paths = !t->no_paths;
	bpf_map__set_max_entries(skel->maps.stats, t->nids);
	bpf_map__set_max_entries(skel->maps.hists, t->nids * t->nbuckets);
	bpf_map__set_max_entries(skel->maps.paths, t->max_paths);
	bpf_map__set_max_entries(skel->maps.site_hits, 2 * t->nids);
	/* per process: a stat and a histogram an entry, allocated as
	 * processes call (the map is unused, one entry, otherwise) */
	skel->rodata->per_process = t->per_process;
	bpf_map__set_value_size(skel->maps.proc_stats,
				ac_procs_value_size(t->nbuckets));
	bpf_map__set_value_size(skel->maps.proc_init,
				ac_procs_value_size(t->nbuckets));
	if (t->per_process) {
		bpf_map__set_max_entries(skel->maps.proc_stats, t->max_series);
		/* an entry and a return site for each pair kept apart */
		bpf_map__set_max_entries(skel->maps.proc_site_hits,
					 4 * t->max_series);
	}
	skel->rodata->test_knob = t->test_hit_delay_ns != 0;
	skel->bss->test_hit_delay_ns = t->test_hit_delay_ns;
	/* 4 MiB holds ~130k records: 65 ms at the fastest probe rate, and
	 * the reader wakes on every record; 16 MiB cost 4 ms of start-up */
	if (t->raw)
		bpf_map__set_max_entries(skel->maps.events, 4 << 20);
	return autocue_bpf__load(skel);
}

static int load(struct ac_trace *t, bool multi)
{
	int ret;

	libbpf_verbose = t->verbose;
	libbpf_set_print(libbpf_print);
	ret = load_as(t, multi);
	if (ret == -EINVAL && multi) {
		/* a kernel without uprobe_multi links refuses their
		 * attach type: one perf-event uprobe per site then */
		autocue_bpf__destroy(t->skel);
		t->skel = NULL;	/* a failed reopen must not leave it dangling */
		ret = load_as(t, false);
	}
	if (ret)
		return ac_trace_fail(t, ret, "cannot load the BPF program: %s",
				     strerror(-ret));
	return ac_readout_init(t);
}

/* A command that died before its release (Ctrl-C during start-up reaches
 * it too) has closed its end of the pipe: the write then fails with EPIPE
 * and must not raise SIGPIPE, which would kill the tracer before its
 * report. Its exit status tells the rest (ac_trace_alive). */
static int release_child(struct ac_trace *t)
{
	sigset_t pipe_set, old;
	int ret = 0;

	if (t->go_fd < 0)
		return 0;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	if (write(t->go_fd, "g", 1) != 1 && errno != EPIPE)
		ret = ac_trace_fail(t, -errno, "cannot release the command: %s",
				    strerror(errno));
	/* discard the SIGPIPE the write raised; if the caller blocks
	 * SIGPIPE itself, a pending one may be its own: leave it */
	if (!sigismember(&old, SIGPIPE)) {
		sigset_t now;

		sigpending(&now);
		if (sigismember(&now, SIGPIPE))
			sigtimedwait(&pipe_set, NULL, &(struct timespec){ 0 });
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(t->go_fd);
	t->go_fd = -1;
	return ret;
}

/* After the release: the command runs, or could not be run (EOF means
 * the exec happened, or the child was already gone). */
static int exec_result(struct ac_trace *t)
{
	struct pollfd pfd = { .fd = t->exec_fd, .events = POLLIN };
	ssize_t n = 0;
	int err;

	if (t->exec_fd < 0)
		return 0;
	/* bounded: a copy of the pipe's write end in some other child of
	 * the caller's (a fork without exec meanwhile) would hold off EOF;
	 * an exec that slow is taken as done */
	if (poll(&pfd, 1, 5000) > 0) {
		do
			n = read(t->exec_fd, &err, sizeof(err));
		while (n < 0 && errno == EINTR);
	}
	close(t->exec_fd);
	t->exec_fd = -1;
	if (n != sizeof(err))
		return 0;
	return ac_trace_fail(t, -err, "cannot run %s: %s", t->cmd,
			     strerror(err));
}

/* The process traced by PID exited before all its probes were attached:
 * not an error (the probes attached so far, if any, never fire again). */
static int tracee_gone(struct ac_trace *t)
{
	t->exited_early = true;
	t->err[0] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &t->t0);
	return 0;
}

static int attach(struct ac_trace *t, bool multi)
{
	int ret;

	ret = load(t, multi);
	if (ret)
		return ret;
	if (!t->no_compensate) {
		ret = ac_calibrate(t);
		if (ret)
			return ret;
	}
	/* load and calibration take a while (0.4 s on slow hosts): a
	 * process that exits meanwhile, or while its probes are attached
	 * (its /proc/PID/exe goes, or the kernel no longer finds the PID),
	 * ends the session as any exit does, with the report of what was
	 * recorded: nothing */
	if (!t->own_child && t->pid && !ac_pid_alive(t->pid))
		return tracee_gone(t);
	ret = ac_attach_probes(t, t->pid, t->binary, t->probes.p, t->probes.n,
			       1);
	if (ret && !t->own_child && t->pid && !ac_pid_alive(t->pid))
		return tracee_gone(t);
	if (ret)
		return ret;
	clock_gettime(CLOCK_MONOTONIC, &t->t0);
	ret = release_child(t);
	return ret ? ret : exec_result(t);
}

int ac_trace_attach(struct ac_trace *t)
{
	int ret;

	if (t->shift < AC_MIN_SHIFT || t->shift > AC_MAX_SHIFT)
		return ac_trace_fail(t, -EINVAL, "precision must be %d..%d bits",
				     AC_MIN_SHIFT, AC_MAX_SHIFT);
	if (!t->prewarm)
		t->prewarm = ac_prewarm_start();
	/* the older path can be asked for, so tests cover it */
	ret = attach(t, !t->per_site);
	if (t->multi && !t->nlink_fds && ac_attach_unsupported(ret)) {
		/* a kernel may load the programs yet refuse uprobe_multi
		 * links (before 6.6): start again with one uprobe a site */
		ac_readout_fini(t);
		autocue_bpf__destroy(t->skel);
		t->skel = NULL;
		ret = attach(t, false);
	}
	ac_prewarm_release(t->prewarm);
	if (!ret && !t->exited_early)
		ret = ac_recal_start(t);
	return ret;
}

int ac_trace_keep_probes(struct ac_trace *t, const bool *keep)
{
	int ret = 0;

	/* the calibration pair's link goes too, and comes back after */
	ac_recal_stop(t);
	ac_detach_all(t);
	for (int i = 0; i < t->probes.n && !ret; i++) {
		int j = i;

		if (!keep[i])
			continue;
		/* a run of kept probes: ids i+1..j, in one link a side */
		while (j + 1 < t->probes.n && keep[j + 1])
			j++;
		ret = ac_attach_probes(t, t->pid, t->binary, t->probes.p + i,
				       j - i + 1, i + 1);
		i = j;
	}
	if (!ret)
		ret = ac_calibration_reattach(t);
	if (!ret)
		ret = ac_recal_start(t);
	if (!ret)
		ret = ac_sites_cold_again(t);
	/* calls open across the swap hold it: cold */
	t->skel->bss->cold_before_ns = ac_ktime_ns();
	if (ret && !*t->err)
		ac_trace_fail(t, ret, "cannot re-attach: %s", strerror(-ret));
	return ret ? ret : ac_trace_reset(t);
}

int ac_trace_set_test_hit_delay(struct ac_trace *t, unsigned ns)
{
	if (!t->test_hit_delay_ns || !t->skel)
		return ac_trace_fail(t, -EINVAL, "the test knob was not asked for at open");
	t->skel->bss->test_hit_delay_ns = ns;
	return 0;
}

long long ac_trace_cpu_ns(const struct ac_trace *t)
{
	return ac_proc_cpu_ns(t->pid);
}

bool ac_trace_alive(struct ac_trace *t, int *status)
{
	if (!t->own_child)
		return !t->pid || ac_pid_alive(t->pid);	/* 0: system-wide */
	if (!t->reaped && waitpid(t->pid, &t->child_status, WNOHANG) == t->pid)
		t->reaped = true;
	if (status)
		*status = t->child_status;
	return !t->reaped;
}

void ac_trace_close(struct ac_trace *t)
{
	if (!t)
		return;
	ac_recal_free(t);
	ac_detach_all(t);
	if (t->own_child) {
		/* never started: closing the pipe makes it exit */
		if (t->go_fd >= 0)
			close(t->go_fd);
		else if (!t->reaped)
			kill(t->pid, SIGTERM);
		/* a command that ignores SIGTERM gets 2 s, then SIGKILL */
		for (int i = 0; i < 200 && !t->reaped; i++) {
			if (waitpid(t->pid, &t->child_status, WNOHANG) == t->pid)
				t->reaped = true;
			else
				usleep(10000);
		}
		if (!t->reaped) {
			kill(t->pid, SIGKILL);
			waitpid(t->pid, &t->child_status, 0);
		}
	}
	/* after the child: until it execs or exits it holds a copy of the
	 * prewarm thread's pipe, whose EOF the join waits for */
	ac_prewarm_free(t->prewarm);
	ac_readout_fini(t);
	autocue_bpf__destroy(t->skel);
	ac_probes_free(&t->probes);
	if (t->exec_fd >= 0)
		close(t->exec_fd);
	free(t->cmd);
	free(t->binary);
	free(t->provider);
	free(t->pattern);
	ac_calibration_free(t);
	pthread_mutex_destroy(&t->cal_lock);
	free(t);
}
