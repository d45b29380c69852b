// SPDX-License-Identifier: MIT
/* libtraced.so - probes in a shared library: autocue-trace -b LIB.so.
 * lib_plain has no probe: --func times it, nested in lib_work's scope. */
#include "autocue_usdt.h"

AUTOCUE_PROBE(lib_work);

__attribute__((noinline)) int lib_plain(int x)
{
	__asm__ volatile("" : "+r"(x));	/* a body the compiler keeps */
	return x * 3 + 1;
}

__attribute__((noinline)) int lib_work(int x)
{
	AUTOCUE_TRACE(lib_work);
	return lib_plain(x);
}
