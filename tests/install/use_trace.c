// SPDX-License-Identifier: MIT
/* Built against an installed tree only (tests/install/install.sh): the C
 * API links, and refuses a PID that does not exist with its one-line error
 * (no privileges needed for that). */
#include <stdio.h>
#include <autocue_trace.h>
#include <autocue_usdt.h>

AUTOCUE_PROBE(installed);

int main(void)
{
	struct ac_trace *t;
	int ret;

	{
		AUTOCUE_TRACE(installed);
	}
	ret = ac_trace_open_pid(999999, NULL, &t);
	printf("%d %s\n", ret != 0, ac_trace_error(t));
	ac_trace_close(t);
	return 0;
}
