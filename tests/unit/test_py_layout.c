// SPDX-License-Identifier: MIT
/*
 * The CPython 3.11 layout --python reads in the kernel (the running code
 * object from _PyRuntime, its co_name and co_qualname as UTF-8:
 * sources/python_elf.c's table) against the offsets the installed
 * python3.11-dev headers give, compiled here with Py_BUILD_CORE; and what
 * ac_py_elf_read finds in the interpreter those headers belong to (its
 * version, python:line's semaphore, the gate's site, _PyRuntime). Skips
 * when the installed headers are another version.
 */
#define Py_BUILD_CORE 1
#include <Python.h>
#include <internal/pycore_frame.h>
#include <internal/pycore_interp.h>
#include <internal/pycore_runtime.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include "python_elf.h"

#define PYTHON "/usr/bin/python" Py_STRINGIFY(PY_MAJOR_VERSION) "." \
	Py_STRINGIFY(PY_MINOR_VERSION)

static void test_offsets(void **state)
{
	struct ac_py_elf elf;
	__u32 off[AC_PY_NOFF];

	(void)state;
	if (PY_VERSION_HEX >> 16 != 0x030b) {
		printf("test_py_layout: SKIP: headers of %s, the table is 3.11's\n",
		       PY_VERSION);
		skip();
	}
	assert_int_equal(ac_py_elf_read(PYTHON, &elf), 0);
	assert_int_equal(elf.version >> 8, PY_VERSION_HEX >> 8);
	assert_int_equal(ac_py_layout(&elf, off), 0);
	assert_int_equal(off[AC_PY_TSTATE],
			 offsetof(_PyRuntimeState, gilstate.tstate_current));
	assert_int_equal(off[AC_PY_CFRAME], offsetof(PyThreadState, cframe));
	assert_int_equal(off[AC_PY_FRAME], offsetof(_PyCFrame, current_frame));
	assert_int_equal(off[AC_PY_CODE],
			 offsetof(_PyInterpreterFrame, f_code));
	assert_int_equal(off[AC_PY_NAME], offsetof(PyCodeObject, co_name));
	assert_int_equal(off[AC_PY_QUALNAME],
			 offsetof(PyCodeObject, co_qualname));
	assert_int_equal(off[AC_PY_USTATE], offsetof(PyASCIIObject, state));
	assert_int_equal(off[AC_PY_ASCII_DATA], sizeof(PyASCIIObject));
	assert_int_equal(off[AC_PY_UTF8],
			 offsetof(PyCompactUnicodeObject, utf8));
	assert_int_equal(off[AC_PY_INTERP_HEAD],
			 offsetof(_PyRuntimeState, interpreters.head));
	assert_int_equal(off[AC_PY_THREADS_HEAD],
			 offsetof(PyInterpreterState, threads.head));
	assert_int_equal(off[AC_PY_TSTATE_NEXT], offsetof(PyThreadState, next));
	assert_int_equal(off[AC_PY_PROFILEFUNC],
			 offsetof(PyThreadState, c_profilefunc));
	assert_int_equal(off[AC_PY_TRACEFUNC],
			 offsetof(PyThreadState, c_tracefunc));
	/* the state bits py_utf8 tests: compact 0x20, ascii 0x40 */
	{
		PyASCIIObject o;
		uint32_t bits;

		memset(&o, 0, sizeof(o));
		o.state.compact = 1;
		memcpy(&bits, &o.state, sizeof(bits));
		assert_int_equal(bits, 0x20);
		memset(&o, 0, sizeof(o));
		o.state.ascii = 1;
		memcpy(&bits, &o.state, sizeof(bits));
		assert_int_equal(bits, 0x40);
	}
	/* what the session raises and where it reads from */
	assert_true(elf.line_sema_off && elf.gate_off && elf.runtime);
	assert_true(elf.entry_site && elf.return_site);
}

static void test_not_python(void **state)
{
	struct ac_py_elf elf;
	__u32 off[AC_PY_NOFF];

	(void)state;
	/* an ELF file without any of it: nothing found, no layout */
	assert_int_equal(ac_py_elf_read("/bin/sh", &elf), 0);
	assert_true(!elf.version && !elf.line_sema_off && !elf.runtime);
	assert_int_equal(ac_py_layout(&elf, off), -ENOENT);
	assert_int_equal(ac_py_elf_read("/etc/passwd", &elf), -ENOEXEC);
	assert_int_equal(ac_py_elf_read("/nonexistent", &elf), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_not_python),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
