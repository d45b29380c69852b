// SPDX-License-Identifier: MIT
/*
 * early_exit - a tracee that exits while autocue-trace is still attaching
 * to it, at a point chosen by what the tracer holds, not by a delay (a
 * shell loop polling /proc takes ~50 ms an iteration on a slow host, about
 * the whole window).
 *
 *   early_exit STAGE
 *
 * Prints "ready", reads the tracer's PID from stdin, waits until that
 * process holds
 *   STAGE "bpf"  a BPF object of any kind: it is loading its programs, so
 *                it is past its check that the PID exists;
 *   STAGE N      N BPF links: calibration attaches two to the tracer itself
 *                first, then the tracee's two come (uprobe_multi links),
 *                so 1 is mid-calibration and 3 is between the tracee's
 *                return and entry sides;
 * then exits at once (status 0). Its probe pair is never called. Gives up
 * after 10 s (status 2) or when the tracer is gone first (status 3).
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "autocue_usdt.h"

AUTOCUE_PROBE(never_called);

/* external: kept in the binary (and its notes) though nothing calls it */
void never_called(void);
void never_called(void)
{
	AUTOCUE_TRACE(never_called);
}

/* How many of pid's fds are BPF objects (any) or links (links_only);
 * -1 once the process is gone. */
static int count_bpf_fds(int pid, int links_only)
{
	char dir[64], path[PATH_MAX], target[128];
	struct dirent *d;
	DIR *fds;
	int n = 0;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	fds = opendir(dir);
	if (!fds)
		return -1;
	while ((d = readdir(fds))) {
		ssize_t len;

		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (links_only ? !strcmp(target, "anon_inode:bpf_link") :
				 !strncmp(target, "anon_inode:bpf", 14))
			n++;
	}
	closedir(fds);
	return n;
}

int main(int argc, char **argv)
{
	struct timespec t0, now;
	int pid, links_only, want;

	if (argc != 2) {
		fprintf(stderr, "usage: early_exit bpf|LINKS\n");
		return 1;
	}
	links_only = strcmp(argv[1], "bpf") != 0;
	want = links_only ? atoi(argv[1]) : 1;
	printf("ready\n");
	fflush(stdout);
	if (scanf("%d", &pid) != 1)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int n = count_bpf_fds(pid, links_only);

		if (n < 0)
			return 3;
		if (n >= want)
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > 10)
			return 2;
	}
}
