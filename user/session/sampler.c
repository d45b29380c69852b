// SPDX-License-Identifier: MIT
/* The sampler of autocue-trace record: load, perf events, read-out. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "sampler.h"	/* record.h: the skeleton's types */
#include "record.skel.h"
#include "trace_priv.h"

#define DEFAULT_HZ	99
/* distinct (scopes, stacks) keys, 2 KiB each, allocated as they come: a
 * busy program has a few thousand */
#define DEFAULT_KEYS	16384

struct ac_sampler {
	struct record_bpf *skel;
	int hz, ncpus;
	int *pfds;
	struct bpf_link **links;
	struct timespec t0;
};

static bool sampler_verbose;

static int print_fn(enum libbpf_print_level level, const char *fmt,
		    va_list args)
{
	return sampler_verbose ? vfprintf(stderr, fmt, args) : 0;
}

int ac_sampler_open(const struct ac_sampler_opts *o, struct ac_sampler **out,
		    char *err, size_t errlen)
{
	struct ac_sampler *s = calloc(1, sizeof(*s));
	int ret;

	*out = s;
	if (!s)
		return -ENOMEM;
	s->hz = o && o->hz > 0 ? o->hz : DEFAULT_HZ;
	sampler_verbose = o && o->verbose;
	libbpf_set_print(print_fn);
	s->skel = record_bpf__open();
	if (!s->skel) {
		ret = -errno;
		snprintf(err, errlen, "cannot open the sampler's BPF object: %s",
			 strerror(-ret));
		return ret;
	}
	ac_pidns(&s->skel->rodata->pidns_dev, &s->skel->rodata->pidns_ino);
	s->skel->rodata->user_stacks = !(o && o->no_user);
	s->skel->rodata->kernel_stacks = !(o && o->no_kernel);
	bpf_map__set_max_entries(s->skel->maps.counts,
				 o && o->max_keys > 0 ? o->max_keys :
				 DEFAULT_KEYS);
	bpf_map__set_max_entries(s->skel->maps.targets,
				 o && o->max_procs > 0 ? o->max_procs : 1);
	ret = record_bpf__load(s->skel);
	if (ret) {
		snprintf(err, errlen, "cannot load the sampler's BPF program: %s",
			 strerror(-ret));
		return ret;
	}
	return 0;
}

int ac_sampler_scopes_fd(const struct ac_sampler *s)
{
	return bpf_map__fd(s->skel->maps.stacks);
}

int ac_sampler_hz(const struct ac_sampler *s)
{
	return s->hz;
}

int ac_sampler_start(struct ac_sampler *s, const pid_t *tgids, int n,
		     char *err, size_t errlen)
{
	/* a fixed period, not perf's frequency mode: every CPU-second of
	 * the target then holds HZ samples, which the counts can be held
	 * to */
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.size = sizeof(attr),
		.sample_period = 1000000000ULL / s->hz,
		.exclude_user = !s->skel->rodata->user_stacks,
	};
	int ret, opened = 0;

	for (int i = 0; i < n; i++) {
		__u32 tgid = tgids[i];
		__u8 one = 1;

		if (bpf_map__update_elem(s->skel->maps.targets, &tgid,
					 sizeof(tgid), &one, sizeof(one), 0)) {
			ret = -errno;
			snprintf(err, errlen, "cannot name process %d to the "
				 "sampler: %s", tgids[i], strerror(-ret));
			return ret;
		}
	}
	s->ncpus = libbpf_num_possible_cpus();
	if (s->ncpus <= 0) {
		snprintf(err, errlen, "cannot count the CPUs: %s",
			 strerror(-s->ncpus));
		return s->ncpus ? s->ncpus : -EINVAL;
	}
	s->pfds = malloc(s->ncpus * sizeof(*s->pfds));
	s->links = calloc(s->ncpus, sizeof(*s->links));
	if (!s->pfds || !s->links)
		return -ENOMEM;
	for (int cpu = 0; cpu < s->ncpus; cpu++) {
		int fd = syscall(__NR_perf_event_open, &attr, -1, cpu, -1,
				 PERF_FLAG_FD_CLOEXEC);

		s->pfds[cpu] = fd;
		if (fd < 0) {
			if (errno == ENODEV)	/* an offline CPU */
				continue;
			ret = -errno;
			snprintf(err, errlen, "perf_event_open on CPU %d: %s",
				 cpu, strerror(-ret));
			return ret;
		}
		s->links[cpu] = bpf_program__attach_perf_event(
			s->skel->progs.ac_sample, fd);
		if (!s->links[cpu]) {
			ret = -errno;
			snprintf(err, errlen,
				 "cannot attach the sampler on CPU %d: %s", cpu,
				 strerror(-ret));
			return ret;
		}
		opened++;
	}
	if (!opened) {
		snprintf(err, errlen, "no online CPU to sample");
		return -ENODEV;
	}
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
	return 0;
}

void ac_sampler_stop(struct ac_sampler *s)
{
	if (!s || !s->pfds)
		return;
	for (int cpu = 0; cpu < s->ncpus; cpu++) {
		bpf_link__destroy(s->links[cpu]);
		s->links[cpu] = NULL;
		if (s->pfds[cpu] >= 0)
			close(s->pfds[cpu]);
		s->pfds[cpu] = -1;
	}
}

/* a copy of n addresses, leaf first; 0 or -errno */
static int copy_stack(const __u64 *ips, __s32 n, uint64_t **out, int *nout)
{
	*out = NULL;
	*nout = 0;
	if (n <= 0)
		return 0;
	if (n > AC_REC_MAX_FRAMES)
		n = AC_REC_MAX_FRAMES;
	*out = malloc(n * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	memcpy(*out, ips, n * sizeof(**out));
	*nout = n;
	return 0;
}

static uint64_t drop_sum(struct ac_sampler *s, __u32 key)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t sum = 0, *v;

	if (ncpu <= 0)
		return 0;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return 0;
	if (!bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.rec_drops), &key,
				 v))
		for (int i = 0; i < ncpu; i++)
			sum += v[i];
	free(v);
	return sum;
}

int ac_sampler_read(struct ac_sampler *s, struct ac_samples *out)
{
	int cfd = bpf_map__fd(s->skel->maps.counts);
	/* 2 KiB each */
	struct ac_sample_key *key = malloc(sizeof(*key)),
			     *next = malloc(sizeof(*next)), *tmp;
	bool first = true;
	struct timespec now;
	int cap = 0, ret = 0;

	memset(out, 0, sizeof(*out));
	if (!key || !next) {
		free(key);
		free(next);
		return -ENOMEM;
	}
	while (!bpf_map_get_next_key(cfd, first ? NULL : key, next)) {
		struct ac_sample *a;
		uint64_t count;

		tmp = key;
		key = next;
		next = tmp;
		first = false;
		if (bpf_map_lookup_elem(cfd, key, &count))
			continue;
		if (out->n == cap) {
			int ncap = cap ? 2 * cap : 256;
			struct ac_sample *v = realloc(out->v, ncap * sizeof(*v));

			if (!v) {
				ret = -ENOMEM;
				break;
			}
			out->v = v;
			cap = ncap;
		}
		a = &out->v[out->n++];
		memset(a, 0, sizeof(*a));
		a->count = count;
		a->tgid = key->tgid;
		out->counted += count;
		while (a->nscope < AC_PATH_DEPTH && key->scope[a->nscope])
			a->nscope++;
		memcpy(a->scope, key->scope, sizeof(a->scope));
		if ((ret = copy_stack(key->user, key->nuser, &a->user,
				      &a->nuser)) ||
		    (ret = copy_stack(key->kern, key->nkern, &a->kern,
				      &a->nkern)))
			break;
		a->user_lost = key->nuser == AC_REC_LOST_STACK;
		a->kern_lost = key->nkern == AC_REC_LOST_STACK;
	}
	free(key);
	free(next);
	out->total = drop_sum(s, AC_REC_SAMPLES);
	out->user_lost = drop_sum(s, AC_REC_USER_LOST);
	out->kern_lost = drop_sum(s, AC_REC_KERN_LOST);
	out->count_lost = drop_sum(s, AC_REC_COUNT_LOST);
	clock_gettime(CLOCK_MONOTONIC, &now);
	out->duration_s = (now.tv_sec - s->t0.tv_sec) +
			  (now.tv_nsec - s->t0.tv_nsec) / 1e9;
	if (ret)
		ac_samples_free(out);
	return ret;
}

void ac_samples_free(struct ac_samples *v)
{
	for (int i = 0; i < v->n; i++) {
		free(v->v[i].user);
		free(v->v[i].kern);
	}
	free(v->v);
	memset(v, 0, sizeof(*v));
}

void ac_sampler_close(struct ac_sampler *s)
{
	if (!s)
		return;
	ac_sampler_stop(s);
	free(s->pfds);
	free(s->links);
	record_bpf__destroy(s->skel);
	free(s);
}
