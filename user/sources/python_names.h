/* SPDX-License-Identifier: MIT */
/*
 * python_names.h - Python functions as a Python user names them, and the
 * user's globs as the BPF program can pre-filter with.
 */
#ifndef AUTOCUE_PYTHON_NAMES_H
#define AUTOCUE_PYTHON_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* "module.function" from co_filename and co_name: the module is the file's
 * stem prefixed by every enclosing package (a directory holding an
 * __init__.py, looked up in pid's root and cwd, ours once it is gone):
 * "autocue/tracker.py" + "update" -> "autocue.tracker.update"; a package's
 * __init__.py is the package; "<frozen M>" is M; other "<...>" names stay.
 * Bytes a table, a folded line or a terminal would misread become '?'. */
void ac_py_name(pid_t pid, const char *file, const char *func, char *out,
		size_t len);

/* The positive globs of a comma-separated list as the BPF program's
 * superset patterns ("*" + glob, a [...] class or \x escape as '?'), at
 * most max of at most patlen bytes each. Returns how many, or 0 when the
 * kernel cannot pre-filter (no positive glob, too many, too long). */
int ac_py_kernel_patterns(const char *globs, char *pats, int max,
			  size_t patlen);

/* ELF file holding CPython's python:function__entry/__return probes: 0, or
 * -ENOENT with a one-line reason in err. */
int ac_py_check_interpreter(const char *path, char *err, size_t errlen);

/* The file of pid holding those probes: its executable, else a mapped
 * libpython*.so. 0, or -ENOENT with the reason in err. */
int ac_py_find_interpreter(pid_t pid, char *out, size_t len, char *err,
			   size_t errlen);


#endif /* AUTOCUE_PYTHON_NAMES_H */
