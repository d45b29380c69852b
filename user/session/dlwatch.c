// SPDX-License-Identifier: MIT
/*
 * Noticing a dlopen at once. The dynamic linker calls _dl_debug_state()
 * (the r_brk of its debugger interface, what gdb stops on) when a library
 * has been mapped and before dlopen returns; a perf-event uprobe there,
 * one per traced process, wakes the tracer on each call, which then reads
 * the maps at once (objects.c) instead of at the next 20 ms tick. No BPF
 * program: a sampling uprobe whose ring the tracer only polls. A process
 * without such a linker (static, musl) keeps the periodic reads.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "functions.h"
#include "trace_priv.h"

#define RING_PAGES 1	/* data pages: the samples themselves are unread */

struct ac_dlwatch {
	int n;
	int fd[AC_DLWATCH_MAX];
	void *ring[AC_DLWATCH_MAX];
	size_t len;
};

static int pmu_type(void)
{
	FILE *f = fopen("/sys/bus/event_source/devices/uprobe/type", "re");
	int type = -1;

	if (f) {
		if (fscanf(f, "%d", &type) != 1)
			type = -1;
		fclose(f);
	}
	return type;
}

/* the linker's r_brk in path, as a file offset; false if not there */
static bool debug_state(const char *path, uint64_t *off)
{
	struct ac_probe_set set = { 0 };
	struct ac_funcs_info fi;
	bool found;

	found = !ac_funcs_add(path, "_dl_debug_state", &set, &fi) && set.n == 1;
	if (found)
		*off = set.p[0].entry.off[0];
	ac_probes_free(&set);
	return found;
}

static int watch(struct ac_trace *t, pid_t pid, const char *path,
		 uint64_t off, int type)
{
	struct ac_dlwatch *w = t->dlwatch;
	struct perf_event_attr a;
	long page = sysconf(_SC_PAGESIZE);
	void *ring;
	int fd;

	if (w->n == AC_DLWATCH_MAX)
		return 0;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = type;
	a.config1 = (__u64)(unsigned long)path;	/* uprobe_path */
	a.config2 = off;			/* probe_offset */
	a.sample_period = 1;
	a.sample_type = PERF_SAMPLE_TID;
	a.wakeup_events = 1;
	fd = syscall(__NR_perf_event_open, &a, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return -errno;
	w->len = (1 + RING_PAGES) * page;
	ring = mmap(NULL, w->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ring == MAP_FAILED) {
		close(fd);
		return -errno;
	}
	w->fd[w->n] = fd;
	w->ring[w->n++] = ring;
	return 0;
}

void ac_dlwatch_start(struct ac_trace *t)
{
	int type = pmu_type();

	if (!t->auto_objects || type < 0 || t->dlwatch)
		return;
	t->dlwatch = calloc(1, sizeof(*t->dlwatch));
	if (!t->dlwatch)
		return;
	for (int i = 0; i < t->nobjs; i++) {
		const struct ac_object *o = &t->objs[i];
		const char *base = strrchr(o->shown, '/');
		uint64_t off;

		/* ld-linux-x86-64.so.2, ld-linux-aarch64.so.1, ld.so */
		base = base ? base + 1 : o->shown;
		if (strncmp(base, "ld-", 3) && strncmp(base, "ld.so", 5))
			continue;
		if (debug_state(o->path, &off))
			watch(t, o->pid ? o->pid : t->pid, o->path, off, type);
	}
}

int ac_dlwatch_count(const struct ac_trace *t)
{
	return t->dlwatch ? t->dlwatch->n : 0;
}

int ac_dlwatch_fds(const struct ac_trace *t, struct pollfd *pfd, int max)
{
	int n = 0;

	/* one slot a watch, in order; a closed one is -1, which poll skips */
	for (int i = 0; t->dlwatch && i < t->dlwatch->n && n < max; i++) {
		pfd[n].fd = t->dlwatch->fd[i];
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	return n;
}

/* Drops the samples (their content is not needed, only that they came) */
void ac_dlwatch_drain(struct ac_trace *t)
{
	for (int i = 0; t->dlwatch && i < t->dlwatch->n; i++) {
		struct perf_event_mmap_page *m = t->dlwatch->ring[i];

		if (t->dlwatch->fd[i] < 0)
			continue;
		__atomic_store_n(&m->data_tail,
				 __atomic_load_n(&m->data_head, __ATOMIC_ACQUIRE),
				 __ATOMIC_RELEASE);
	}
}

/* A process that exited leaves its event hung up (POLLHUP for ever) */
void ac_dlwatch_close(struct ac_trace *t, int i)
{
	struct ac_dlwatch *w = t->dlwatch;

	if (!w || i < 0 || i >= w->n || w->fd[i] < 0)
		return;
	munmap(w->ring[i], w->len);
	close(w->fd[i]);
	w->fd[i] = -1;
}

void ac_dlwatch_free(struct ac_trace *t)
{
	struct ac_dlwatch *w = t->dlwatch;

	for (int i = 0; w && i < w->n; i++)
		ac_dlwatch_close(t, i);
	free(w);
	t->dlwatch = NULL;
}
