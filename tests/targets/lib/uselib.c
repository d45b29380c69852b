// SPDX-License-Identifier: MIT
/* uselib - calls libtraced.so's lib_work N times; with -w waits for a line
 * on stdin first (so a tracer can attach by PID). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lib_work(int x);

int main(int argc, char **argv)
{
	int wait = argc > 1 && !strcmp(argv[1], "-w");
	long n = argc > 1 + wait ? atol(argv[1 + wait]) : 1000, sum = 0;
	char line[16];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (wait) {
		printf("ready\n");
		if (!fgets(line, sizeof(line), stdin))
			return 1;
	}
	for (long i = 0; i < n; i++)
		sum += lib_work(i);
	printf("sum=%ld\n", sum);
	return 0;
}
