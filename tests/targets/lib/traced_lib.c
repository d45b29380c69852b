// SPDX-License-Identifier: MIT
/* libtraced.so - probes in a shared library: autocue-trace -b LIB.so. */
#include "autocue_usdt.h"

AUTOCUE_PROBE(lib_work);

__attribute__((noinline)) int lib_work(int x)
{
	AUTOCUE_TRACE(lib_work);
	return x * 3 + 1;
}
