/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * autocue_python.h - what the Python programs (autocue_python.bpf.h) and
 * user space (sources/python.c) share.
 *
 * A Python function is known by its code object's (co_filename, co_name)
 * UTF-8 pointers, which the interpreter's function__entry/__return probes
 * pass and which stay put while the code object lives, and on CPython 3.11
 * by the code object itself (found from _PyRuntime, as py-spy finds it:
 * two methods of one name in one module are two functions), whose
 * co_qualname then names it ("Tracker.update"). The BPF program
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
	__u64 code;	/* the code object; 0: not known (another version) */
};

/* Where CPython 3.11 keeps the running code object: offsets for the BPF
 * program's py_off (user space fills them in from python_elf.c's table;
 * py_runtime 0: not known, code objects are not read). */
enum ac_py_off {
	AC_PY_TSTATE,	/* _PyRuntime.gilstate.tstate_current */
	AC_PY_CFRAME,	/* PyThreadState.cframe */
	AC_PY_FRAME,	/* _PyCFrame.current_frame */
	AC_PY_CODE,	/* _PyInterpreterFrame.f_code */
	AC_PY_NAME,	/* PyCodeObject.co_name */
	AC_PY_QUALNAME,	/* PyCodeObject.co_qualname */
	AC_PY_USTATE,	/* PyASCIIObject.state: compact 0x20, ascii 0x40 */
	AC_PY_ASCII_DATA,	/* sizeof(PyASCIIObject): a compact ASCII
				 * string's bytes follow */
	AC_PY_UTF8,	/* PyCompactUnicodeObject.utf8 (other strings') */
	/* user space's alone: is a profiler set in every thread? */
	AC_PY_INTERP_HEAD,	/* _PyRuntime.interpreters.head */
	AC_PY_THREADS_HEAD,	/* PyInterpreterState.threads.head */
	AC_PY_TSTATE_NEXT,	/* PyThreadState.next */
	AC_PY_PROFILEFUNC,	/* PyThreadState.c_profilefunc */
	AC_PY_TRACEFUNC,	/* PyThreadState.c_tracefunc */
	AC_PY_NOFF
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
	__u64 qual;	/* co_qualname's UTF-8 (func holds it then), or 0 */
	char file[AC_PY_FILE_LEN];
	char func[AC_PY_FUNC_LEN];
};

#endif /* AUTOCUE_PYTHON_H */
