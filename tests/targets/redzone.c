// SPDX-License-Identifier: MIT
/*
 * redzone - a leaf function that keeps live data in the x86-64 red zone
 * across a probe site, called at a high rate. Its checksum must not depend
 * on whether the probes are traced: an attached fast (5-byte nop) site turns
 * into a call that pushes a return address below %rsp, which would land in
 * the red zone without autocue_usdt.h's guard.
 *
 *   redzone [CALLS]    prints "sum=N calls=N"
 */
#include <stdio.h>
#include <stdlib.h>
#include "autocue_usdt.h"

AUTOCUE_PROBE(leaf);

/* No calls, so the compiler keeps buf below %rsp without reserving it. */
static __attribute__((noinline)) unsigned long leaf(unsigned long x)
{
	volatile unsigned long buf[14];
	unsigned long sum = 0;

	for (int i = 0; i < 14; i++)
		buf[i] = x * (i + 3) + i;
	AUTOCUE_ENTRY(leaf);
	for (int i = 0; i < 14; i++)
		sum += buf[i] ^ (i * 7);
	AUTOCUE_RETURN(leaf);
	return sum;
}

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 200000;
	unsigned long sum = 0;

	for (long i = 0; i < calls; i++)
		sum += leaf(i);
	printf("sum=%lu calls=%ld\n", sum, calls);
	return 0;
}
