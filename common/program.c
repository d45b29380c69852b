// SPDX-License-Identifier: MIT
/* Finding a command on PATH as execvp will: the tracer needs the file
 * itself (its probes) before the command runs. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "program.h"

char *ac_find_program(const char *cmd)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (strchr(cmd, '/'))
		return access(cmd, X_OK) ? NULL : strdup(cmd);
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	/* every entry, the last one too, even when empty: an empty entry
	 * (PATH="", "a::b", "a:") is the current directory, as for execvp */
	for (;;) {
		size_t len = strcspn(path, ":");

		if (len)
			snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, path, cmd);
		else
			snprintf(buf, sizeof(buf), "./%s", cmd);
		if (!access(buf, X_OK))
			return strdup(buf);
		if (!path[len])
			return NULL;
		path += len + 1;
	}
}
