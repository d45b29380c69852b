// SPDX-License-Identifier: MIT
/*
 * Python functions in a session: the interpreter's function__entry/
 * __return probes attached through libbpf's USDT support, which reads
 * their argument specs and raises their semaphores (the kernel's uprobe
 * reference counters: it lowers them again when the links go, and the
 * interpreter then skips the probes' argument work), and the ids the BPF
 * program hands out named as they appear (autocue_python.bpf.h).
 *
 * CPython 3.11 fires function__entry only from its tracing path, which it
 * takes while a profiler or tracer is set (CPython gh-98894: an ordinary
 * program's entries never fire) or while its python:line semaphore is up:
 * ceval.c ORs 255 into every opcode dispatched then (OR_DTRACE_LINE), the
 * tracing path (DO_TRACING) fires function__entry at each RESUME, and
 * returns fire regardless. So on 3.11 the session raises that semaphore
 * too, the kernel's way: a uprobe with the semaphore as its reference
 * counter (so the kernel lowers it when the tracer goes, killed or not),
 * on Py_FinalizeEx, which runs once at exit, not on the line probe's own
 * site, which would trap on every line. The interpreter then runs every
 * instruction through its tracing path (the line-number bookkeeping of a
 * line probe nobody listens to included): slower than under a profiler
 * hook (README, OVERHEAD), but nothing in the program changes. A running
 * 3.11 process whose every thread has a profiler or tracer set already
 * takes that path: its semaphore stays down (read from its thread states,
 * with the offsets the BPF program uses).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "autocue.skel.h"
#include "autocue_python.h"
#include "python_elf.h"
#include "python_names.h"
#include "trace_priv.h"

#define DEFAULT_PY_MAX 1024

struct ac_py {
	__u32 first, max;	/* ids first..first + max - 1 */
	__u32 done;		/* ids named so far */
	char **names;		/* by id - first; NULL: left out */
	struct bpf_link *entry, *ret;
	struct ac_py_elf elf;
	bool line;		/* raise python:line (3.11 without a hook) */
	struct bpf_link *gate;	/* that semaphore's holder */
	char msg[512];		/* ac_trace_python_problem's */
};

static __u64 read_u64(pid_t pid, __u64 addr)
{
	__u64 v = 0;
	struct iovec local = { &v, sizeof(v) }, remote = { (void *)addr, sizeof(v) };

	if (!addr || process_vm_readv(pid, &local, 1, &remote, 1, 0) != sizeof(v))
		return 0;
	return v;
}

/* Where path's start is mapped in pid (its load bias + first_vaddr), 0 if
 * it is not */
static __u64 mapped_at(pid_t pid, const char *path)
{
	char maps[64], *line = NULL;
	size_t cap = 0;
	__u64 at = 0;
	FILE *f;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
	f = fopen(maps, "re");
	while (f && !at && getline(&line, &cap, f) > 0) {
		unsigned long long start, off;
		char *p = strchr(line, '/');

		if (!p || sscanf(line, "%llx-%*x %*s %llx", &start, &off) != 2 ||
		    off)
			continue;
		p[strcspn(p, "\n")] = '\0';
		if (!strcmp(p, path))
			at = start;
	}
	free(line);
	if (f)
		fclose(f);
	return at;
}

/* Has every thread of the running 3.11 process a profiler or tracer set?
 * false when that cannot be read (another version, the process gone) */
static bool all_threads_profiled(struct ac_trace *t)
{
	const struct ac_py_elf *e = &t->py->elf;
	__u32 off[AC_PY_NOFF];
	__u64 at, rt, ts;
	int n = 0;

	if (t->own_child || ac_py_layout(e, off))
		return false;	/* a command has not run yet */
	at = mapped_at(t->pid, t->py_binary);
	if (!at)
		return false;
	rt = at - e->first_vaddr + e->runtime;
	ts = read_u64(t->pid, read_u64(t->pid, rt + off[AC_PY_INTERP_HEAD]) +
			      off[AC_PY_THREADS_HEAD]);
	for (; ts && n < 4096; ts = read_u64(t->pid, ts + off[AC_PY_TSTATE_NEXT]), n++)
		if (!read_u64(t->pid, ts + off[AC_PY_PROFILEFUNC]) &&
		    !read_u64(t->pid, ts + off[AC_PY_TRACEFUNC]))
			return false;
	return n > 0;
}

int ac_py_prepare(struct ac_trace *t)
{
	struct autocue_bpf *skel = t->skel;
	char pats[AC_PY_MAX_PATS][AC_PY_PAT_LEN];
	int n;

	ac_py_free(t);	/* loaded again, on a fallback path */
	t->py = calloc(1, sizeof(*t->py));
	if (!t->py)
		return -ENOMEM;
	t->py->max = t->py_max > 0 ? t->py_max : DEFAULT_PY_MAX;
	t->py->first = t->probes.n + 1;
	t->py->names = calloc(t->py->max, sizeof(char *));
	if (!t->py->names)
		return -ENOMEM;
	skel->rodata->py_first_id = t->py->first;
	skel->rodata->py_last_id = t->py->first + t->py->max - 1;
	n = ac_py_kernel_patterns(t->pattern, &pats[0][0], AC_PY_MAX_PATS,
				  AC_PY_PAT_LEN);
	skel->rodata->py_npats = n;
	for (int i = 0; i < n; i++) {
		skel->rodata->py_pat_len[i] = strlen(pats[i]);
		memcpy((char *)skel->rodata->py_pats[i], pats[i], AC_PY_PAT_LEN);
	}
	bpf_map__set_max_entries(skel->maps.py_names, t->py->max);
	ac_py_elf_read(t->py_binary, &t->py->elf);
	if (!ac_py_layout(&t->py->elf, (__u32 *)skel->rodata->py_off)) {
		skel->rodata->py_runtime = t->py->elf.runtime;
		skel->rodata->py_entry_site = t->py->elf.entry_site;
		skel->rodata->py_return_site = t->py->elf.return_site;
	}
	t->py->line = !t->py_hooked && t->py->elf.version >> 16 == 0x030b &&
		      t->py->elf.line_sema_off && t->py->elf.gate_off &&
		      !all_threads_profiled(t);
	return 0;
}

bool ac_py_line(const struct ac_trace *t)
{
	return t->py && t->py->line;
}

struct bpf_link *ac_py_line_up(struct ac_trace *t, pid_t pid)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts,
		    .ref_ctr_offset = t->py->elf.line_sema_off);

	return bpf_program__attach_uprobe_opts(t->skel->progs.ac_py_line_gate,
					       pid, t->py_binary,
					       t->py->elf.gate_off, &opts);
}

__u32 ac_py_first_id(const struct ac_trace *t)
{
	return t->py ? t->py->first : 0;
}

__u32 ac_py_ids(const struct ac_trace *t)
{
	return t->python ? (t->py_max > 0 ? t->py_max : DEFAULT_PY_MAX) : 0;
}

int ac_py_attach(struct ac_trace *t)
{
	struct autocue_bpf *skel = t->skel;

	/* returns first: an entry whose return is not attached yet would
	 * leave a frame open forever */
	t->py->ret = bpf_program__attach_usdt(skel->progs.ac_py_return, t->pid,
					      t->py_binary, "python",
					      "function__return", NULL);
	if (!t->py->ret)
		return ac_trace_fail(t, -errno,
			"cannot attach to python:function__return in %s: %s",
			t->py_binary, strerror(errno));
	t->py->entry = bpf_program__attach_usdt(skel->progs.ac_py_entry, t->pid,
						t->py_binary, "python",
						"function__entry", NULL);
	if (!t->py->entry)
		return ac_trace_fail(t, -errno,
			"cannot attach to python:function__entry in %s: %s",
			t->py_binary, strerror(errno));
	/* last: entries fire from now on, their returns already traced */
	if (t->py->line) {
		t->py->gate = ac_py_line_up(t, t->pid);
		if (!t->py->gate)
			return ac_trace_fail(t, -errno,
				"cannot raise python:line's semaphore in %s (a uprobe on Py_FinalizeEx, which another tracer's probe there with another reference counter prevents): %s; or run the program under a profiler hook and give --python-hooked",
				t->py_binary, strerror(errno));
	}
	return 0;
}

void ac_py_detach(struct ac_trace *t)
{
	if (!t->py)
		return;
	/* the line semaphore and entries first, as ac_detach_all */
	bpf_link__destroy(t->py->gate);
	bpf_link__destroy(t->py->entry);
	bpf_link__destroy(t->py->ret);
	t->py->entry = t->py->ret = t->py->gate = NULL;
}

/* a string the BPF program could not read, from the process */
static void read_remote(pid_t pid, __u64 addr, char *buf, size_t len)
{
	struct iovec local = { buf, len - 1 }, remote = { (void *)addr, len - 1 };
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	if (n <= 0)
		snprintf(buf, len, "?");
}

/* co_qualname's UTF-8 in the process, as the BPF program's py_utf8 finds
 * it where a page was not present; 0 if not found */
static __u64 remote_qualname(struct ac_trace *t, __u64 code)
{
	__u32 off[AC_PY_NOFF];
	__u64 str;

	if (ac_py_layout(&t->py->elf, off))
		return 0;
	str = read_u64(t->pid, code + off[AC_PY_QUALNAME]);
	if (!str)
		return 0;
	if ((read_u64(t->pid, str + off[AC_PY_USTATE]) & 0x60) == 0x60)
		return str + off[AC_PY_ASCII_DATA];
	return read_u64(t->pid, str + off[AC_PY_UTF8]);
}

int ac_py_resolve(struct ac_trace *t)
{
	struct ac_py *py = t->py;
	int names_fd, codes_fd;
	__u32 next;

	if (!py || !t->skel)
		return 0;
	names_fd = bpf_map__fd(t->skel->maps.py_names);
	codes_fd = bpf_map__fd(t->skel->maps.py_codes);
	next = t->skel->bss->py_next_id;
	if (next > py->max)
		next = py->max;
	while (py->done < next) {
		struct ac_py_name e;
		struct ac_py_val off = { 0 };
		char name[AC_PY_FILE_LEN + AC_PY_FUNC_LEN + 2];
		__u32 k = py->done;

		if (bpf_map_lookup_elem(names_fd, &k, &e) || !e.ready)
			break;	/* still being written: next time */
		e.file[sizeof(e.file) - 1] = e.func[sizeof(e.func) - 1] = '\0';
		if (e.ready == 2) {
			__u64 qual = e.qual;

			if (!qual && e.key.code)
				qual = remote_qualname(t, e.key.code);
			read_remote(t->pid, e.key.file, e.file, sizeof(e.file));
			read_remote(t->pid, qual ? qual : e.key.func,
				    e.func, sizeof(e.func));
		}
		ac_py_name(t->pid, e.file, e.func, name, sizeof(name));
		if (ac_probes_match(name, t->pattern)) {
			py->names[k] = strdup(name);
			if (!py->names[k])
				return -ENOMEM;
		} else {
			/* the kernel's superset let it through: off now,
			 * its calls so far are not shown */
			bpf_map_update_elem(codes_fd, &e.key, &off, BPF_EXIST);
		}
		py->done++;
	}
	return 0;
}

const char *ac_py_id_name(const struct ac_trace *t, __u32 id)
{
	if (!t->py || id < t->py->first || id - t->py->first >= t->py->done)
		return NULL;
	return t->py->names[id - t->py->first];
}

bool ac_py_id_pending(const struct ac_trace *t, __u32 id)
{
	return t->py && id >= t->py->first &&
	       id - t->py->first < t->py->max &&
	       id - t->py->first >= t->py->done;
}

const char *ac_trace_python_problem(struct ac_trace *t)
{
	__u64 returns, matched = 0;

	if (!t->py || !t->drops || !t->stats)
		return NULL;
	/* Unmatched returns are frames open at attach, and the returns of
	 * a Python profiler's own function (whose entries the interpreter
	 * never reports): up to ten per traced call in tests/targets/python.
	 * Fifty times the calls matched: entries that did not fire. */
	for (__u32 id = t->probes.n + 1; id + 1 < t->nids; id++)
		matched += t->stats[id].count;
	returns = t->drops[AC_DROP_UNMATCHED_RETURN];
	if (returns <= 50 * matched || returns < 100)
		return NULL;
	snprintf(t->py->msg, sizeof(t->py->msg),
		 "%llu Python function returns had no entry, %llu calls matched: CPython 3.11 to 3.14 fire python:function__entry only while a profiler or tracer is set (CPython issue gh-98894), e.g. sys.setprofile(slice) and threading.setprofile(slice) in the program; on 3.11 autocue-trace opens that path itself unless given --python-hooked: see README, Python",
		 (unsigned long long)returns, (unsigned long long)matched);
	return t->py->msg;
}

void ac_py_free(struct ac_trace *t)
{
	if (!t->py)
		return;
	ac_py_detach(t);
	for (__u32 i = 0; i < t->py->max; i++)
		free(t->py->names[i]);
	free(t->py->names);
	free(t->py);
	t->py = NULL;
}
