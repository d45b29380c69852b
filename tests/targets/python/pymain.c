// SPDX-License-Identifier: MIT
/* pymain - CPython linked dynamically: the interpreter's probes are in
 * libpython3.X.so, which autocue-trace --python must find in the process's
 * maps (tests/bpf/python.sh). Takes python3's arguments. */
#include <Python.h>

int main(int argc, char **argv)
{
	return Py_BytesMain(argc, argv);
}
