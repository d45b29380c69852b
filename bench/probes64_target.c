// SPDX-License-Identifier: MIT
/*
 * probes64_target - 64 traced functions (probe pairs p00..p77), each called
 * once; the kernel-map memory benchmark traces it at default precision.
 *
 *   probes64_target [SECONDS [RATE]]  call all 64 RATE times a second
 *                                     (default 10) for SECONDS: a fleet
 *                                     member for the scrape benchmark
 */
#include <stdlib.h>
#include <time.h>
#include "autocue_usdt.h"

#define FN(n)                                                                 \
	AUTOCUE_PROBE(p##n);                                                  \
	static __attribute__((noinline)) void p##n(void)                      \
	{                                                                     \
		AUTOCUE_TRACE(p##n);                                          \
		__asm__ __volatile__("" ::: "memory");                        \
	}
#define FN8(a) FN(a##0) FN(a##1) FN(a##2) FN(a##3) FN(a##4) FN(a##5) FN(a##6) FN(a##7)
FN8(0) FN8(1) FN8(2) FN8(3) FN8(4) FN8(5) FN8(6) FN8(7)

#define CALL8(a) p##a##0(); p##a##1(); p##a##2(); p##a##3(); \
		 p##a##4(); p##a##5(); p##a##6(); p##a##7();

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 0;
	int rate = argc > 2 ? atoi(argv[2]) : 10;
	struct timespec gap = { 0, 1000000000L / (rate > 0 ? rate : 10) };
	long rounds = (long)(secs * (rate > 0 ? rate : 10));

	do {
		CALL8(0) CALL8(1) CALL8(2) CALL8(3) CALL8(4) CALL8(5) CALL8(6) CALL8(7)
		if (rounds > 0)
			nanosleep(&gap, NULL);
	} while (--rounds > 0);
	return 0;
}
