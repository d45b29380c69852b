// SPDX-License-Identifier: MIT
/* Session set-up, in order: checks, probe discovery, BPF load, calibration,
 * attach, release of a command; tear-down. It orchestrates the files below
 * it (objects.c, readout.c, calibrate.c, follow.c, python.c, poll.c...)
 * and nothing calls back up into it. */
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
#include "python_names.h"
#include "quote.h"
#include "program.h"
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
	t->test_readout_delay_us = o ? o->test_readout_delay_us : 0;
	t->verbose = o && o->verbose;
	t->per_site = o && o->per_site_uprobes;
	t->scope_stacks_fd = o ? o->scope_stacks_fd : 0;
	t->follow = o && o->follow;
	t->per_thread = o && o->per_thread;
	/* followed processes share their objects' ids: rows by process
	 * come from the series map, not from ids of their own; so do rows
	 * by thread */
	t->series_pid = o && o->per_pid && (t->follow || t->per_thread);
	t->per_pid = o && o->per_pid && !t->series_pid;
	t->max_series = o && o->max_series > 0 ? o->max_series : 1024;
	t->no_periodic_rescan = o && o->test_no_periodic_rescan;
	t->provider = strdup(o && o->provider ? o->provider : "autocue");
	t->pattern = o && o->probes ? strdup(o->probes) : NULL;
	t->funcs = o && o->funcs && *o->funcs ? strdup(o->funcs) : NULL;
	if (o && o->binary)
		t->binary = strdup(o->binary);
	t->python = o && o->python;
	if (o && o->python_binary)
		t->py_binary = strdup(o->python_binary);
	t->py_max = o ? o->python_max : 0;
	t->py_hooked = o && o->python_hooked;
	return t;
}

/* What the process is: its executable, as its own namespace names it */
static void exe_name(const struct ac_trace *t, char *buf, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/exe", t->pid);
	n = readlink(link, buf, len - 1);
	if (n <= 0)
		snprintf(buf, len, "%s", link);
	else
		buf[n] = 0;
}

static int no_probes(struct ac_trace *t, const char *exe)
{
	const char *shown = t->nobjs ? t->objs[0].shown : t->binary;
	char name[PATH_MAX];

	if (!t->auto_objects)
		return ac_trace_fail(t, -ENOENT,
			"no '%s' probes in %s: build it with autocue_usdt.h probes (see autocue-trace --list -b %s)",
			t->provider, shown, shown);
	if (exe)
		return ac_trace_fail(t, -ENOENT,
			"no '%s' probes in %s or the %d libraries it links: build it with autocue_usdt.h probes, name a library it loads later (dlopen) with -b, or add --follow if it starts the program (sh -c, a launcher)",
			t->provider, shown, t->nobjs - 1);
	exe_name(t, name, sizeof(name));
	return ac_trace_fail(t, -ENOENT,
		"no '%s' probes in PID %d: not in %s nor in the %d other objects it maps (autocue-trace --list -p %d; a library it has not loaded yet can be named with -b)",
		t->provider, t->pid, name, t->nobjs - 1, t->pid);
}

/* --func matching nothing is an error, naming what was searched */
static int no_funcs(struct ac_trace *t)
{
	int found = 0, dyn = 0;

	for (int i = 0; i < t->nobjs; i++)
		found += t->objs[i].nfuncs;
	if (found)
		return 0;
	if (!t->auto_objects || t->nobjs == 1)
		return ac_trace_fail(t, -ENOENT,
			"no function matching '%s' in %s%s", t->funcs,
			t->objs[0].shown, t->objs[0].symtab ? "" :
			": its symbols are stripped (no .symtab; only exported functions are known)");
	for (int i = 0; i < t->nobjs; i++)
		dyn += !t->objs[i].symtab;
	if (!t->pid)	/* a command, not started yet */
		return ac_trace_fail(t, -ENOENT,
			"no function matching '%s' in %s or the %d libraries it links (%d of them stripped: exported functions only)",
			t->funcs, t->objs[0].shown, t->nobjs - 1, dyn);
	return ac_trace_fail(t, -ENOENT,
		"no function matching '%s' in the %d objects of PID %d (%d of them stripped: exported functions only)",
		t->funcs, t->nobjs, t->pid, dyn);
}

/* exe: a command's executable, when its objects are found by themselves */
static int discover(struct ac_trace *t, const char *exe)
{
	const char *shown;
	int ret;

	ret = ac_objects_discover(t, exe);
	if (ret == -ENOEXEC)	/* e.g. a shell script that runs the program */
		return ac_trace_fail(t, ret, "%s: give the program's binary with -b",
				     t->err);
	if (ret)
		return ret;
	if (t->funcs && !t->follow && (ret = no_funcs(t)))
		return ret;
	/* --follow: the probes may come with an image exec'd later */
	if (t->follow && t->auto_objects && !t->probes.n) {
		t->id_cap = AC_FOLLOW_SPARE_IDS;
		free(t->binary);
		t->binary = strdup(t->objs[0].shown);
		return t->binary ? 0 : ac_trace_fail(t, -ENOMEM, "out of memory");
	}
	/* --python: the rows are the interpreter's frames; autocue probes
	 * and --func functions found in its objects only join them (and
	 * those of a library it loads later, with the spare ids) */
	if (t->python && t->auto_objects && !t->probes.n) {
		t->id_cap = AC_SPARE_IDS;
		return 0;
	}
	if (!ac_trace_known_probe(t, 0))
		return no_probes(t, exe);
	shown = ac_trace_nobjects(t) ? ac_trace_object(t, 0, NULL, NULL) :
				       t->objs[0].shown;
	if (!t->probes.n)
		return ac_trace_fail(t, -ENOENT,
			"no probe in %s matches '%s' (autocue-trace --list -b %s shows them)",
			shown, t->pattern, shown);
	if (t->probes.n >= AC_MAX_PROBES - 2 - AC_SPARE_IDS)
		return ac_trace_fail(t, -E2BIG, "too many probes (%d) in %s",
				     t->probes.n, shown);
	t->id_cap = t->probes.n + (!t->auto_objects ? 0 :
				   t->follow ? AC_FOLLOW_SPARE_IDS : AC_SPARE_IDS);
	/* the object the rows come from, or the first of them */
	if (t->auto_objects) {
		free(t->binary);
		t->binary = strdup(shown);
		if (!t->binary)
			return ac_trace_fail(t, -ENOMEM, "out of memory");
	}
	return 0;
}

/* --python: the interpreter holding python:function__entry/__return
 * (--python-bin, else the command, else found in the process's maps), and
 * the autocue probes of -b BINARY if given, whose frames then nest with
 * the Python ones; without -b, t->binary names the interpreter. */
static int discover_python(struct ac_trace *t, const char *cmd_exe)
{
	char err[512], path[PATH_MAX];
	int ret;

	if (t->py_max < 0 || t->py_max > AC_MAX_PROBES - 2)
		return ac_trace_fail(t, -EINVAL,
				     "--python-max must be 1..%d", AC_MAX_PROBES - 2);
	/* -b naming the interpreter itself (-b /usr/bin/python3.12), not a
	 * library of autocue probes: it is the interpreter */
	if (t->binary && !t->py_binary &&
	    !ac_py_check_interpreter(t->binary, err, sizeof(err))) {
		t->py_binary = t->binary;
		t->binary = NULL;
	}
	if (t->py_binary || cmd_exe) {
		snprintf(path, sizeof(path), "%s",
			 t->py_binary ? t->py_binary : cmd_exe);
		ret = ac_py_check_interpreter(path, err, sizeof(err));
	} else {
		ret = ac_py_find_interpreter(t->pid, path, sizeof(path), err,
					     sizeof(err));
	}
	if (ret == -ENOEXEC)	/* pyenv's shims, a venv's wrapper */
		return ac_trace_fail(t, ret, "%s: give the interpreter's binary with --python-bin (e.g. /usr/bin/python3.11)",
				     err);
	if (ret)
		return ac_trace_fail(t, ret, "%s", err);
	if (t->pid && !cmd_exe && !ac_maps_binary(t->pid, path))
		return ac_trace_fail(t, -ENOENT,
			"PID %d does not map %s: give its interpreter or libpython",
			t->pid, path);
	free(t->py_binary);
	t->py_binary = strdup(path);
	/* the calibration's child runs the interpreter the target runs */
	if (cmd_exe) {
		t->py_exe = strdup(cmd_exe);
	} else {
		char link[64], exe[PATH_MAX];

		snprintf(link, sizeof(link), "/proc/%d/exe", t->pid);
		t->py_exe = strdup(realpath(link, exe) ? exe : link);
	}
	if (!t->py_binary || !t->py_exe)
		return ac_trace_fail(t, -ENOMEM, "out of memory");
	if (t->binary) {
		if (t->pid && !cmd_exe && !ac_maps_binary(t->pid, t->binary))
			return ac_trace_fail(t, -ENOENT,
				"PID %d does not map %s: give the executable or a loaded shared library",
				t->pid, t->binary);
		/* the globs are the Python functions': every autocue probe */
		char *globs = t->pattern;

		t->pattern = NULL;
		ret = discover(t, NULL);
		t->pattern = globs;
		if (ret)
			return ret;
	} else {
		/* the autocue probes and --func functions of every object
		 * the process maps (the command links, then loads) */
		char *globs = t->pattern;

		t->pattern = NULL;
		t->auto_objects = true;
		ret = discover(t, cmd_exe);
		t->pattern = globs;
		if (ret)
			return ret;
		if (!t->probes.n) {
			free(t->binary);
			t->binary = strdup(path);
			if (!t->binary)
				return ac_trace_fail(t, -ENOMEM, "out of memory");
		}
	}
	return 0;
}

int ac_trace_open_list(pid_t pid, const struct ac_trace_opts *opts,
		       struct ac_trace **out)
{
	struct ac_trace *t = trace_new(opts);
	char name[PATH_MAX];
	int ret;

	*out = t;
	if (!t)
		return -ENOMEM;
	t->pid = pid;
	t->auto_objects = !t->binary;
	ret = ac_objects_discover(t, NULL);
	if (ret || t->binary)
		return ret;
	/* the object the rows come from first; with none, the executable */
	if (ac_trace_nobjects(t))
		snprintf(name, sizeof(name), "%s", ac_trace_object(t, 0, NULL, NULL));
	else
		exe_name(t, name, sizeof(name));
	t->binary = strdup(name);
	return t->binary ? 0 : ac_trace_fail(t, -ENOMEM, "out of memory");
}

int ac_trace_open_pids(const pid_t *pids, int n,
		       const struct ac_trace_opts *opts, struct ac_trace **out)
{
	struct ac_trace *t = trace_new(opts);
	pid_t tgid;
	int ret;

	*out = t;
	if (!t)
		return -ENOMEM;
	if (n < 1)
		return ac_trace_fail(t, -EINVAL, "no process given");
	t->pid = pids[0];
	t->pids = calloc(n, sizeof(*t->pids));
	if (!t->pids)
		return ac_trace_fail(t, -ENOMEM, "out of memory");
	for (int i = 0; i < n; i++) {
		pid_t pid = pids[i];
		bool dup = false;

		if (pid <= 0 || !ac_pid_alive(pid))
			return ac_trace_fail(t, -ESRCH, "no process with PID %d", pid);
		tgid = ac_tgid_of(pid);
		if (tgid > 0 && tgid != pid)
			return ac_trace_fail(t, -ESRCH,
				"%d is a thread of process %d: give -p %d (its threads are all traced)",
				pid, tgid, tgid);
		for (int j = 0; j < t->npids && !dup; j++)
			dup = t->pids[j] == pid;
		if (!dup)	/* named twice (a PID and a name): once */
			t->pids[t->npids++] = pid;
	}
	if (opts && opts->per_process) {
		t->per_process = true;
		t->max_series = opts->max_series > 0 ? opts->max_series : 1024;
	}
	ret = check_privileges(t);
	if (ret)
		return ret;
	if (t->python) {
		if (t->npids > 1)
			return ac_trace_fail(t, -EINVAL,
					     "--python traces one process");
		if (t->follow)
			return ac_trace_fail(t, -EINVAL,
					     "--follow does not work with --python yet");
		return discover_python(t, NULL);
	}
	t->auto_objects = !t->binary;
	for (int i = 0; t->binary && i < t->npids; i++)
		if (!ac_maps_binary(t->pids[i], t->binary))
			return ac_trace_fail(t, -ENOENT,
				"PID %d does not map %s: give the executable or a loaded shared library",
				t->pids[i], t->binary);
	return discover(t, NULL);
}

int ac_trace_open_pid(pid_t pid, const struct ac_trace_opts *opts,
		      struct ac_trace **out)
{
	return ac_trace_open_pids(&pid, 1, opts, out);
}

/* Any of the processes traced by PID still runs */
static bool any_alive(const struct ac_trace *t)
{
	if (!t->pid && !t->npids)
		return true;	/* system-wide (ac_trace_open_binary) */
	for (int i = 0; i < ac_trace_npids(t); i++)
		if (ac_pid_alive(ac_trace_pid_at(t, i)))
			return true;
	return false;
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
	/* every process of -b: its rows are across them (--listen's series
	 * are per process), not NAME[PID] */
	if (t->follow || t->per_thread || t->per_pid)
		return ac_trace_fail(t, -EINVAL,
			"--follow, --per-thread and --per-pid go with -p or a command, not every process of -b (--listen gives a series per process)");
	/* pid 0: every process (targ_tgid 0 in BPF, pid -1 to attach) */
	t->per_process = true;
	ret = check_privileges(t);
	return ret ? ret : discover(t, NULL);
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
	exe = ac_find_program(argv[0]);
	if (!exe)
		return ac_trace_fail(t, -ENOENT, "command not found: %s", argv[0]);
	t->cmd_exe = strdup(exe);
	if (!t->cmd_exe) {
		free(exe);
		return ac_trace_fail(t, -ENOMEM, "out of memory");
	}
	ret = check_privileges(t);
	if (!ret && t->python && t->follow) {
		ret = ac_trace_fail(t, -EINVAL,
				    "--follow does not work with --python yet");
	} else if (!ret && t->python) {
		/* the interpreter named by the command, or by --python-bin */
		ret = discover_python(t, exe);
	} else if (!ret) {
		t->auto_objects = !t->binary;
		if (!t->binary) {
			t->binary = exe;
			exe = NULL;
		}
		ret = discover(t, t->auto_objects ? t->binary : NULL);
	}
	free(exe);
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
	/* ids: 1..n the target's probes, then those kept for objects found
	 * later, then --python's functions, the last one calibration; 0
	 * unused */
	t->nids = t->id_cap + ac_py_ids(t) + 2;
	t->nbuckets = AC_NBUCKETS(t->shift);
	/* several processes: each link filters its own (the kernel checks
	 * the link's process before the program runs) */
	skel->rodata->targ_tgid = t->npids > 1 ? 0 : t->pid;
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
	bpf_map__set_value_size(skel->maps.proc_init,
				ac_procs_value_size(t->nbuckets));
	if (t->per_process) {
		/* a slot each, allocated at load (mapped, read in place);
		 * the index with room for entries freed but not yet gone */
		bpf_map__set_value_size(skel->maps.proc_vals,
					ac_procs_value_size(t->nbuckets));
		bpf_map__set_max_entries(skel->maps.proc_vals, t->max_series);
		bpf_map__set_max_entries(skel->maps.proc_free, t->max_series);
		bpf_map__set_max_entries(skel->maps.proc_slot, 2 * t->max_series);
		/* an entry and a return site for each pair kept apart */
		bpf_map__set_max_entries(skel->maps.proc_site_hits,
					 4 * t->max_series);
	} else if (t->follow) {
		/* first hits per (process, site) too: LRU, an eviction
		 * only marks two more calls cold */
		bpf_map__set_max_entries(skel->maps.proc_site_hits, 4096);
	}
	/* the process tree: followed (--follow), or counted for the hint;
	 * not system-wide, nor from another pid namespace (the kernel's
	 * tracepoints see global PIDs) */
	t->track_children = !t->per_process && !skel->rodata->pidns_ino;
	skel->rodata->track_children = t->track_children;
	skel->rodata->follow = t->follow;
	skel->rodata->search_execs = t->follow && t->auto_objects;
	bpf_map__set_max_entries(skel->maps.followed, AC_FOLLOW_MAX);
	bpf_map__set_max_entries(skel->maps.forked, t->npids + 1);
	if (!t->track_children) {
		bpf_program__set_autoload(skel->progs.ac_fork, false);
		bpf_program__set_autoload(skel->progs.ac_exec, false);
		bpf_program__set_autoload(skel->progs.ac_exit, false);
	}
	/* rows by thread or, for a followed tree, by process */
	skel->rodata->series_on = t->per_thread || t->series_pid;
	skel->rodata->per_thread = t->per_thread;
	bpf_map__set_value_size(skel->maps.series,
				ac_procs_value_size(t->nbuckets));
	if (t->per_thread || t->series_pid) {
		bpf_map__set_max_entries(skel->maps.series, t->max_series);
		bpf_map__set_max_entries(skel->maps.thread_comm, t->max_series);
	}
	skel->rodata->test_knob = t->test_hit_delay_ns != 0;
	skel->bss->test_hit_delay_ns = t->test_hit_delay_ns;
	/* 4 MiB holds ~130k records: 65 ms at the fastest probe rate, and
	 * the reader wakes on every record; 16 MiB cost 4 ms of start-up */
	if (t->raw)
		bpf_map__set_max_entries(skel->maps.events, 4 << 20);
	if (t->python && ac_py_prepare(t))
		return -ENOMEM;
	if (t->scope_stacks_fd > 0) {
		int ret = bpf_map__reuse_fd(skel->maps.stacks,
					    t->scope_stacks_fd);

		if (ret)
			return ret;
	}
	return autocue_bpf__load(skel);
}

/* Per-process slots are allocated whole at load (a mapped array, read in
 * place): --max-series of them may not take more than a quarter of the
 * machine's memory. */
static int slots_fit(struct ac_trace *t)
{
	uint64_t slot = ac_procs_value_size(AC_NBUCKETS(t->shift));
	uint64_t need = slot * (uint64_t)t->max_series;
	uint64_t ram = (uint64_t)sysconf(_SC_PHYS_PAGES) *
		       (uint64_t)sysconf(_SC_PAGESIZE);

	if (!t->per_process || need <= ram / 4)
		return 0;
	return ac_trace_fail(t, -E2BIG, "--max-series %d: %llu MiB of kernel "
			     "memory at this precision (%llu KiB a series), "
			     "more than a quarter of this machine's %llu MiB: "
			     "give fewer series or a lower --precision",
			     t->max_series, (unsigned long long)(need >> 20),
			     (unsigned long long)(slot >> 10),
			     (unsigned long long)(ram >> 20));
}

static int load(struct ac_trace *t, bool multi)
{
	int ret;

	if ((ret = slots_fit(t)))
		return ret;
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
	if (t->follow && !t->track_children)
		return ac_trace_fail(t, -EOPNOTSUPP,
			"--follow works from the initial PID namespace only (the kernel's fork and exec tracepoints give its PIDs)");
	if (!t->no_compensate) {
		ret = ac_calibrate(t);
		if (!ret && t->python)
			ret = ac_py_calibrate(t, ac_py_first_id(t));
		if (ret)
			return ret;
	}
	/* load and calibration take a while (0.4 s on slow hosts): a
	 * process that exits meanwhile, or while its probes are attached
	 * (its /proc/PID/exe goes, or the kernel no longer finds the PID),
	 * ends the session as any exit does, with the report of what was
	 * recorded: nothing */
	if (!t->own_child && !any_alive(t))
		return tracee_gone(t);
	/* the tree's roots in before the probes: with --follow they filter
	 * by it */
	ret = ac_follow_start(t);
	if (ret)
		return ret;
	ret = ac_objects_attach(t, NULL);
	if (!ret && t->python)
		ret = ac_py_attach(t);
	if (ret && !t->own_child && !any_alive(t))
		return tracee_gone(t);
	if (ret)
		return ret;
	t->attached = true;
	/* --follow -p: the objects of the children it has already, now */
	t->next_scan_ns = 0;
	if (t->follow)
		ac_poll_rescan(t);
	t->next_scan_ns = t->no_periodic_rescan ? UINT64_MAX :
			  ac_ktime_ns() + AC_RESCAN_MS * 1000000ULL;
	ac_dlwatch_start(t);
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
	/* the passes measure the C pair; --python's was measured on the
	 * interpreter (py_calibrate.c) */
	if (!ret && !t->exited_early && !t->python)
		ret = ac_recal_start(t);
	return ret;
}

int ac_trace_keep_probes(struct ac_trace *t, const bool *keep)
{
	int ret = 0;

	if (t->python)
		return ac_trace_fail(t, -EOPNOTSUPP,
				     "--max-overhead does not work with --python yet");
	/* the calibration pair's link goes too, and comes back after */
	ac_recal_stop(t);
	ac_detach_all(t);
	ret = ac_objects_attach(t, keep);
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
	long long sum = 0, ns;
	int alive = 0;

	for (int i = 0; i < ac_trace_npids(t); i++)
		if ((ns = ac_proc_cpu_ns(ac_trace_pid_at(t, i))) >= 0) {
			sum += ns;
			alive++;
		}
	return alive ? sum : -1;
}

/* With --follow, while any process of the tree runs: a command's
 * children may outlive it. */
bool ac_trace_alive(struct ac_trace *t, int *status)
{
	if (!t->own_child)
		return any_alive(t) || ac_follow_alive(t);
	if (!t->reaped && waitpid(t->pid, &t->child_status, WNOHANG) == t->pid)
		t->reaped = true;
	if (status)
		*status = t->child_status;
	return !t->reaped || ac_follow_alive(t);
}

void ac_trace_close(struct ac_trace *t)
{
	if (!t)
		return;
	ac_follow_stop(t);	/* first: no process stops at an exec after */
	ac_py_detach(t);
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
	ac_py_free(t);
	autocue_bpf__destroy(t->skel);
	ac_probes_free(&t->probes);
	ac_dlwatch_free(t);
	ac_objects_free(t);
	if (t->exec_fd >= 0)
		close(t->exec_fd);
	free(t->cmd);
	free(t->cmd_exe);
	ac_series_free(t);
	free(t->binary);
	free(t->py_binary);
	free(t->py_exe);
	free(t->provider);
	free(t->pattern);
	ac_calibration_free(t);
	pthread_mutex_destroy(&t->cal_lock);
	free(t->funcs);
	free(t->pids);
	free(t);
}
