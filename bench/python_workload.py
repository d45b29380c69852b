#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The Python workload of bench/python_overhead.sh: CALLS calls of small
functions, one in ten of them to the two the narrow glob matches, and
prints its loop's wall time in ns. MODE: plain (no profiler), hook
(sys.setprofile(slice): what CPython 3.11 needs to fire its entry probe),
decorator (the Autocue authors' kind of in-process timing decorator on the
two matched functions, no hook), line (python:line's semaphore raised, as
autocue-trace raises it on 3.11 without a hook, but no probe attached: the
interpreter's tracing path alone; the semaphore's address in a non-PIE
interpreter is given in AUTOCUE_LINE_SEMA, hex, and written through
/proc/self/mem as the kernel would).

usage: python_workload.py MODE CALLS
"""
import functools
import os
import sys
import time

MODE, CALLS = sys.argv[1], int(sys.argv[2])
times = {}


def timed(fn):
    """Like autocue.profiling.profile_function: every call timed."""
    @functools.wraps(fn)
    def wrapper(*a, **kw):
        t0 = time.perf_counter()
        try:
            return fn(*a, **kw)
        finally:
            times.setdefault(fn.__name__, []).append(time.perf_counter() - t0)
    return wrapper


def maybe_timed(fn):
    return timed(fn) if MODE == "decorator" else fn


def small(x):
    return x + 1


def other(x):
    return x * 2


@maybe_timed
def matched_a(x):
    return x - 1


@maybe_timed
def matched_b(x):
    return x ^ 1


def loop(n):
    acc = 0
    for i in range(n // 10):
        for _ in range(4):
            acc = small(acc)
            acc = other(acc) & 0xffff
        acc = matched_a(acc)
        acc = matched_b(acc)
    return acc


if MODE == "hook":
    sys.setprofile(slice)
elif MODE == "line":
    with open("/proc/self/mem", "r+b", buffering=0) as mem:
        mem.seek(int(os.environ["AUTOCUE_LINE_SEMA"], 16))
        mem.write((1).to_bytes(2, "little"))
t0 = time.perf_counter_ns()
loop(CALLS)
print(f"loop_ns {time.perf_counter_ns() - t0}")
