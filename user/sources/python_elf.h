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
#include <linux/types.h>
#include "autocue_python.h"

struct ac_py_elf {
	/* Py_Version (PY_VERSION_HEX, exported since 3.11); 0 when absent,
	 * i.e. an older CPython */
	unsigned long version;
	uint64_t line_sema_off;	/* python:line's semaphore, file offset; 0: none */
	uint64_t gate_off;	/* Py_FinalizeEx's first instruction, file offset */
	uint64_t runtime;	/* _PyRuntime's ELF address */
	/* function__entry's and __return's ELF addresses; 0 unless one each */
	uint64_t entry_site, return_site;
	uint64_t first_vaddr;	/* the ELF address at file offset 0 */
};

/* The offsets of a CPython's structures the BPF program reads
 * (bpf/autocue_python.h) for elf's version: 0, or -ENOENT for a version
 * without a table (only 3.11's: 3.12 keeps the thread state elsewhere) or
 * a binary missing a symbol or site. */
int ac_py_layout(const struct ac_py_elf *elf, __u32 off[AC_PY_NOFF]);

/* 0, or -errno (-ENOEXEC: not ELF). Fields not found stay 0. */
int ac_py_elf_read(const char *path, struct ac_py_elf *out);

#endif /* AUTOCUE_PYTHON_ELF_H */
