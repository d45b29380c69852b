// SPDX-License-Identifier: MIT
/* unpaired - probes outside the entry/return pairing, for discovery tests:
 * an entry without its return, and a probe of another provider. */
#include <sys/sdt.h>
#include "autocue_usdt.h"

int main(void)
{
	AUTOCUE_ENTRY(lonely);
	AUTOCUE_ENTRY(paired);
	AUTOCUE_RETURN(paired);
	DTRACE_PROBE(other, thing);
	return 0;
}
