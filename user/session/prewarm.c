// SPDX-License-Identifier: MIT
/*
 * Start-up: the first uprobe a process registers waits for an RCU grace
 * period (uprobe_register -> rcu_sync_enter on the mmap-duplication
 * semaphore), 2-25 ms here, and every uprobe tracer pays it. We register a
 * throw-away uprobe from a thread as soon as attaching starts, so the wait
 * runs while the main thread loads the BPF programs; the real links that
 * follow within the grace period then go through without waiting again.
 * The throw-away probe sits on a function nobody calls, and is removed
 * (which waits in turn) by the same thread once the real links exist.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "trace_priv.h"

struct ac_prewarm {
	pthread_t thread;
	int fd;
	unsigned long long offset;
	int pmu_type;
	int go[2];	/* closing the write end ends the probe */
};

/* never called: only its address is used */
static __attribute__((noinline, used)) void prewarm_site(void)
{
	__asm__ __volatile__("" ::: "memory");
}

static int read_int(const char *path)
{
	FILE *f = fopen(path, "re");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* File offset of an address of ours, from the mapping that holds it. */
static int self_offset(const void *addr, unsigned long long *off)
{
	unsigned long a = (unsigned long)addr, lo, hi, foff;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %*s %lx", &lo, &hi, &foff) == 3 &&
		    a >= lo && a < hi) {
			*off = a - lo + foff;
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

static void *prewarm_main(void *arg)
{
	struct ac_prewarm *p = arg;
	struct perf_event_attr attr;
	char c;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = p->pmu_type;
	attr.config1 = (unsigned long)"/proc/self/exe";
	attr.config2 = p->offset;
	p->fd = syscall(__NR_perf_event_open, &attr, getpid(), -1, -1,
			PERF_FLAG_FD_CLOEXEC);
	/* hold it until the real links exist, then drop it here, off the
	 * caller's path */
	if (read(p->go[0], &c, 1) < 0)
		c = 0;
	if (p->fd >= 0)
		close(p->fd);
	return NULL;
}

/* The wait starts only when the thread runs, and with the target busy on
 * one CPU and our loader on the other a new thread queued behind them
 * started up to 3 ms late here. As a real-time thread it runs at once; it
 * spends its life blocked, so it takes no CPU from anyone. Without the
 * privilege (a container without CAP_SYS_NICE) it runs as a normal one. */
static int start_thread(struct ac_prewarm *p)
{
	struct sched_param sp = { .sched_priority = 1 };
	pthread_attr_t attr;
	int ret = -1;

	if (!pthread_attr_init(&attr)) {
		if (!pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED) &&
		    !pthread_attr_setschedpolicy(&attr, SCHED_FIFO) &&
		    !pthread_attr_setschedparam(&attr, &sp))
			ret = pthread_create(&p->thread, &attr, prewarm_main, p);
		pthread_attr_destroy(&attr);
	}
	if (ret)
		ret = pthread_create(&p->thread, NULL, prewarm_main, p);
	return ret;
}

struct ac_prewarm *ac_prewarm_start(void)
{
	struct ac_prewarm *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->fd = -1;
	p->pmu_type = read_int("/sys/bus/event_source/devices/uprobe/type");
	if (p->pmu_type < 0 || self_offset((void *)prewarm_site, &p->offset) ||
	    pipe2(p->go, O_CLOEXEC))
		goto fail;
	if (start_thread(p)) {
		close(p->go[0]);
		close(p->go[1]);
		goto fail;
	}
	return p;
fail:
	/* an optimisation only: without it the first link just waits */
	free(p);
	return NULL;
}

void ac_prewarm_release(struct ac_prewarm *p)
{
	if (p && p->go[1] >= 0) {
		close(p->go[1]);
		p->go[1] = -1;
	}
}

void ac_prewarm_free(struct ac_prewarm *p)
{
	if (!p)
		return;
	ac_prewarm_release(p);
	pthread_join(p->thread, NULL);
	close(p->go[0]);
	free(p);
}
