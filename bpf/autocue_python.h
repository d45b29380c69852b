/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * autocue_python.h - what the Python programs (autocue_python.bpf.h) and
 * user space (sources/python.c) share.
 *
 * A Python function is known by its code object's (co_filename, co_name)
 * UTF-8 pointers, which the interpreter's function__entry/__return probes
 * pass and which stay put while the code object lives. The BPF program
 * resolves each new pair once: it builds a dotted name from the two
 * strings, matches it against the user's globs turned into superset
 * patterns (a false match only costs an id: user space, which names the
 * module exactly, then turns the function off), and gives a match the next
 * free probe id. Every later call costs one hash lookup.
 */
#ifndef AUTOCUE_PYTHON_H
#define AUTOCUE_PYTHON_H

#define AC_PY_FILE_LEN	256	/* co_filename bytes kept (with the NUL) */
#define AC_PY_FUNC_LEN	128	/* co_name bytes kept */
#define AC_PY_NAME_LEN	512	/* the dotted name built for matching */
#define AC_PY_PAT_LEN	128	/* one kernel pattern, with its NUL */
#define AC_PY_MAX_PATS	8
#define AC_PY_MAX_CODES	65536	/* distinct functions cached per session */

struct ac_py_key {
	__u64 file;	/* co_filename's UTF-8, in the traced process */
	__u64 func;	/* co_name's */
};

/* id 0: seen and not traced (outside the globs, ids all taken, or turned
 * off by user space); else the probe id. */
struct ac_py_val {
	__u32 id;
	__u32 pad;
};

/* Written by the BPF program once per new id, read by user space. */
struct ac_py_name {
	struct ac_py_key key;
	__u32 ready;	/* set last: the strings are complete */
	__u32 pad;
	char file[AC_PY_FILE_LEN];
	char func[AC_PY_FUNC_LEN];
};

#endif /* AUTOCUE_PYTHON_H */
