// SPDX-License-Identifier: MIT
/*
 * map_memory - kernel memory of autocue-trace's maps (as the kernel
 * accounts it: memlock in fdinfo, via ac_snapshot.map_bytes) when tracing
 * CMD with the default options, through the C API.
 *
 *   map_memory CMD [ARGS...]
 *
 * Prints "probes N", "called N" (probes that fired), "map_bytes N" and
 * "close_ms X" (detaching every probe: the loader's exit latency).
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include "autocue_trace.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	struct ac_snapshot *s = NULL;
	struct ac_trace *t;
	int err, called = 0, ret = 1;
	double t0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CMD [ARGS...]\n", argv[0]);
		return 2;
	}
	err = ac_trace_open_cmd(argv + 1, NULL, &t);
	if (!err)
		err = ac_trace_attach(t);
	if (err) {
		fprintf(stderr, "map_memory: %s\n", ac_trace_error(t));
		goto cleanup;
	}
	while (ac_trace_alive(t, NULL))
		usleep(10000);
	s = ac_trace_snapshot(t);
	if (!s) {
		fprintf(stderr, "map_memory: cannot read the maps\n");
		goto cleanup;
	}
	for (int i = 0; i < s->nprobes; i++)
		called += s->probes[i].count > 0;
	printf("probes %d\ncalled %d\nmap_bytes %llu\n", s->nprobes, called,
	       (unsigned long long)s->map_bytes);
	ret = 0;
cleanup:
	ac_snapshot_free(s);
	t0 = now_ms();
	ac_trace_close(t);
	if (!ret)
		printf("close_ms %.0f\n", now_ms() - t0);
	return ret;
}
