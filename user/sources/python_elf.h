/* SPDX-License-Identifier: MIT */
/*
 * python_elf.h - what --python needs of a CPython binary (the interpreter
 * or libpython) besides its function probes: its version, and where the
 * kernel can raise its python:line semaphore (which makes CPython 3.11
 * fire function__entry with no profiler set: see session/python.c).
 */
#ifndef AUTOCUE_PYTHON_ELF_H
#define AUTOCUE_PYTHON_ELF_H

#include <stdint.h>

struct ac_py_elf {
	/* Py_Version (PY_VERSION_HEX, exported since 3.11); 0 when absent,
	 * i.e. an older CPython */
	unsigned long version;
	uint64_t line_sema_off;	/* python:line's semaphore, file offset; 0: none */
	uint64_t gate_off;	/* Py_FinalizeEx's first instruction, file offset */
};

/* 0, or -errno (-ENOEXEC: not ELF). Fields not found stay 0. */
int ac_py_elf_read(const char *path, struct ac_py_elf *out);

#endif /* AUTOCUE_PYTHON_ELF_H */
