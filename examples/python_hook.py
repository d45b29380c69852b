#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Run a Python program with the profiler hook CPython 3.12 to 3.14 need
before they fire their python:function__entry probe (CPython issue
gh-98894), so that autocue-trace --python can time its functions, by PID
or as a command. The hook is the builtin slice: C code, no Python frames,
no output; the program's own code is not changed.

    python3 examples/python_hook.py SCRIPT.py [ARGS...]
    python3 examples/python_hook.py -m MODULE [ARGS...]

On 3.11 autocue-trace needs no hook (it raises python:line's semaphore,
which opens the same path), but the hook's path is faster: trace a program
run this way with --python-hooked. Interpreters whose entry probe fires on
every call (3.10 and older) need none of this.
"""
import runpy
import sys
import threading

if len(sys.argv) < 2 or (sys.argv[1] == "-m" and len(sys.argv) < 3):
    sys.exit(__doc__)
sys.setprofile(slice)
threading.setprofile(slice)
if sys.argv[1] == "-m":
    sys.argv = sys.argv[2:]
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
else:
    sys.argv = sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name="__main__")
