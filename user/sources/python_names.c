// SPDX-License-Identifier: MIT
/*
 * Python function names and interpreters. The interpreter's probes give a
 * code object's co_filename and co_name only (not co_qualname), so two
 * methods of one name in one module share a row.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "probes.h"
#include "python_names.h"
#include "quote.h"

/* dir (as the process sees it) holds an __init__.py */
static bool is_package(pid_t pid, const char *dir)
{
	char path[PATH_MAX * 2];
	bool abs = dir[0] == '/';

	snprintf(path, sizeof(path), "/proc/%d/%s/%s/__init__.py", pid,
		 abs ? "root" : "cwd", dir);
	if (!access(path, F_OK))
		return true;
	/* the process is gone: our root, and our cwd, which a command
	 * started by us inherited */
	snprintf(path, sizeof(path), "%s/__init__.py", dir);
	return !access(path, F_OK);
}

static void sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == ';' ||
		    *s == ' ')
			*s = '?';
}

void ac_py_name(pid_t pid, const char *file, const char *func, char *out,
		size_t len)
{
	char path[PATH_MAX], mod[PATH_MAX] = "", tmp[PATH_MAX * 2], *slash;
	size_t n = strlen(file);

	if (n > 9 && !strncmp(file, "<frozen ", 8) && file[n - 1] == '>') {
		snprintf(mod, sizeof(mod), "%.*s", (int)(n - 9), file + 8);
	} else if (file[0] == '<' || n < 4 || strcmp(file + n - 3, ".py")) {
		snprintf(mod, sizeof(mod), "%s", file);
	} else {
		snprintf(path, sizeof(path), "%.*s", (int)(n - 3), file);
		slash = strrchr(path, '/');
		if (strcmp(slash ? slash + 1 : path, "__init__"))
			snprintf(mod, sizeof(mod), "%s", slash ? slash + 1 : path);
		/* the directories above, while they are packages */
		while (slash) {
			*slash = '\0';
			if (!*path || !is_package(pid, path))
				break;
			slash = strrchr(path, '/');
			if (snprintf(tmp, sizeof(tmp), "%s%s%s",
				     slash ? slash + 1 : path, *mod ? "." : "",
				     mod) >= (int)sizeof(mod))
				break;
			memcpy(mod, tmp, sizeof(mod));
		}
		if (!*mod)	/* a lone __init__.py */
			snprintf(mod, sizeof(mod), "__init__");
	}
	snprintf(out, len, "%s.%s", mod, func);
	sanitize(out);
}

int ac_py_kernel_patterns(const char *globs, char *pats, int max,
			  size_t patlen)
{
	char *copy, *save = NULL, *g;
	int n = 0;

	if (!globs || !*globs)
		return 0;
	copy = strdup(globs);
	if (!copy)
		return 0;
	for (g = strtok_r(copy, ",", &save); g; g = strtok_r(NULL, ",", &save)) {
		char *p = pats + n * patlen;
		size_t o = 0;

		if (*g == '!')
			continue;	/* exclusions: user space's */
		if (n == max)
			goto none;
		p[o++] = '*';
		for (; *g; g++) {
			char c = *g;

			if (c == '\\' && g[1]) {
				g++;
				c = '?';
			} else if (c == '[' && strchr(g + 2, ']')) {
				/* "[]x]" holds "]": the class ends later */
				g = strchr(g + 2, ']');
				c = '?';
			} else if (c == '[') {
				c = '?';
			}
			if (o + 1 >= patlen)
				goto none;
			p[o++] = c;
		}
		p[o] = '\0';
		n++;
	}
	free(copy);
	return n;
none:
	free(copy);
	return 0;
}

int ac_py_check_interpreter(const char *path, char *err, size_t errlen)
{
	struct ac_probe_set set;
	char msg[256];
	bool found = false;
	int ret = ac_probes_discover(path, "python", &set, msg, sizeof(msg));

	if (ret) {
		snprintf(err, errlen, "%s", msg);
		return ret;
	}
	for (int i = 0; i < set.n; i++)
		found |= !strcmp(set.p[i].name, "function");
	ac_probes_free(&set);
	if (found)
		return 0;
	ac_quote(msg, sizeof(msg), path);
	snprintf(err, errlen,
		 "%s has no python:function__entry/function__return probes (a CPython built without --with-dtrace): give the interpreter or libpython that has them with --python-bin",
		 msg);
	return -ENOENT;
}

int ac_py_find_interpreter(pid_t pid, char *out, size_t len, char *err,
			   size_t errlen)
{
	char path[64], exe[PATH_MAX], *line = NULL, msg[512];
	size_t cap = 0;
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	if (!realpath(path, exe))
		snprintf(exe, sizeof(exe), "%s", path);
	ret = ac_py_check_interpreter(exe, msg, sizeof(msg));
	if (!ret) {
		snprintf(out, len, "%s", exe);
		return 0;
	}
	/* a dynamically linked interpreter: the probes are libpython's */
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	while (f && getline(&line, &cap, f) > 0) {
		char *p = strchr(line, '/');

		if (!p || !strstr(p, "/libpython"))
			continue;
		p[strcspn(p, "\n")] = '\0';
		if (!ac_py_check_interpreter(p, err, errlen)) {
			snprintf(out, len, "%s", p);
			free(line);
			fclose(f);
			return 0;
		}
	}
	free(line);
	if (f)
		fclose(f);
	if (ret != -ENOENT) {	/* the executable could not be read */
		snprintf(err, errlen, "%s", msg);
		return ret;
	}
	ac_quote(msg, sizeof(msg), exe);
	snprintf(err, errlen,
		 "PID %d (%s) has no python:function__entry/function__return probes, in its executable or a mapped libpython: not a CPython built with --with-dtrace (or give --python-bin)",
		 pid, msg);
	return -ENOENT;
}
