// SPDX-License-Identifier: MIT
/* Built against an installed tree only (tests/install/install.sh). */
#include <stdio.h>
#include <string.h>
#include <tracker.h>

int main(void)
{
	static const char md[] = "# Title\n\nHello there, world of forty two.\n";
	/* speakable words: title hello there world of forty two */
	char err[256];
	struct ac_script *s = ac_script_parse(md, strlen(md), err, sizeof(err));
	struct ac_tracker *t;
	struct ac_position p;

	if (!s) {
		fprintf(stderr, "parse: %s\n", err);
		return 1;
	}
	t = ac_tracker_new(s, NULL);
	if (!t)
		return 1;
	p = ac_tracker_update(t, "hello there world", false);
	printf("speakable_index %d\n", p.speakable_index);
	ac_tracker_free(t);
	ac_script_free(s);
	return 0;
}
