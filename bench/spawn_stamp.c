// SPDX-License-Identifier: MIT
/*
 * spawn_stamp - write the CLOCK_MONOTONIC time in ns to FILE, then exec CMD.
 * The start-up benchmark subtracts it from the first traced call's time as
 * the tracer recorded it (BPF's clock is CLOCK_MONOTONIC too), so neither
 * the harness's own latency nor the tracer's output buffering counts.
 *
 *   spawn_stamp FILE CMD [ARGS...]
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec ts;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: %s FILE CMD [ARGS...]\n", argv[0]);
		return 2;
	}
	f = fopen(argv[1], "w");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	fprintf(f, "%llu\n", ts.tv_sec * 1000000000ULL + ts.tv_nsec);
	if (fclose(f)) {
		perror(argv[1]);
		return 2;
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "spawn_stamp: cannot run %s: %s\n", argv[2], strerror(errno));
	return 127;
}
