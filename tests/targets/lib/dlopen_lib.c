// SPDX-License-Identifier: MIT
/*
 * dlopen_lib - loads a probed library after its start (dlopen), as a
 * plugin host or an interpreter does, and calls its lib_work N times.
 *
 *   dlopen_lib LIB.so N            load at once, call N times in a loop
 *   dlopen_lib -w LIB.so N         print "ready", wait for a line; load,
 *                                  print "loaded", wait for a line; call
 *   dlopen_lib -d LIB.so MS        print "ready", wait for a line; load,
 *                                  print "loaded NS", call for MS ms
 *
 * With -w a tracer attaches before the library is mapped (to the probe
 * of this program, host_loop, around the calls), and the calls start once
 * it says it has attached the library's probes. Without -w it prints
 * "loaded NS" (CLOCK_MONOTONIC when dlopen returned) and calls at once: a
 * tracer's first recorded call then tells how long the library ran
 * untraced; -d does that for a while (bench/dlopen_delay.sh).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "autocue_usdt.h"

AUTOCUE_PROBE(host_loop);

static long host_loop(int (*work)(int), long n)
{
	AUTOCUE_TRACE(host_loop);
	long sum = 0;

	for (long i = 0; i < n; i++)
		sum += work(i);
	return sum;
}

static void wait_line(void)
{
	char line[16];

	if (!fgets(line, sizeof(line), stdin))
		exit(1);
}

int main(int argc, char **argv)
{
	int wait = argc > 1 && !strcmp(argv[1], "-w");
	int timed = argc > 1 && !strcmp(argv[1], "-d");
	int (*work)(int);
	struct timespec ts;
	long n;
	void *h;

	struct timespec now;
	long long until;

	if (argc != 3 + (wait || timed)) {
		fprintf(stderr, "usage: dlopen_lib [-w|-d] LIB.so N\n");
		return 2;
	}
	wait |= timed;
	n = atol(argv[2 + wait]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (wait) {
		printf("ready\n");
		wait_line();
	}
	h = dlopen(argv[1 + wait], RTLD_NOW);
	if (!h || !(*(void **)&work = dlsym(h, "lib_work"))) {
		fprintf(stderr, "dlopen_lib: %s\n", dlerror());
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("loaded %lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	if (timed) {
		until = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec +
			n * 1000000LL;
		do {
			for (int i = 0; i < 1000; i++)
				work(i);
			clock_gettime(CLOCK_MONOTONIC, &now);
		} while ((long long)now.tv_sec * 1000000000LL + now.tv_nsec < until);
		return 0;
	}
	if (wait)
		wait_line();
	printf("sum=%ld\n", host_loop(work, n));
	return 0;
}
