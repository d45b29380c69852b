// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: any bytes as a script and a recogniser stream. The
 * input is split at the first NUL: script before, events after (one event
 * a line; a line starting with 'p' is a partial, 'r' a reset, 'j' a jump,
 * anything else a final). Must never crash, hang or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "script.h"
#include "tracker.h"

static void feed(struct ac_tracker *t, const char *ev, size_t len, int n)
{
	char *line = strndup(ev, len);

	if (!line)
		return;
	switch (line[0]) {
	case 'p': ac_tracker_update(t, line + 1, true); break;
	case 'r': ac_tracker_reset(t); break;
	case 'j': ac_tracker_jump_to(t, atoi(line + 1) % (n + 2) - 1); break;
	default: ac_tracker_update(t, line, false); break;
	}
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = (const char *)data, *nul = memchr(d, 0, size);
	size_t slen = nul ? (size_t)(nul - d) : size;
	struct ac_tracker_opts o = AC_TRACKER_OPTS_DEFAULT;
	struct ac_script *s;
	struct ac_tracker *t;
	char err[256];

	s = ac_script_parse(d, slen, err, sizeof(err));
	if (!s)
		return 0;
	t = ac_tracker_new(s, &o);
	if (t && nul) {
		const char *p = nul + 1, *end = d + size;

		while (p < end) {
			const char *nl = memchr(p, '\n', end - p);
			size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

			/* events are text: stop at the next NUL */
			if (memchr(p, 0, len))
				break;
			feed(t, p, len, s->n);
			p += len + 1;
		}
	}
	ac_tracker_free(t);
	ac_script_free(s);
	return 0;
}
