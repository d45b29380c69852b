#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Known shares of CPU in known Python functions, for autocue-trace record
--python (tests/bpf/record.sh): in each round scope_x calls hot_a, which
does 7 units of work, then hot_b, 3 units (70% and 30% of the time inside
scope_x, counted in loop iterations, not time). The work itself is a loop
of arithmetic in spin(), which calls no Python function.

A profiler is set (a function doing nothing), so the test runs record
with --python-hooked: CPython 3.11 to 3.14 fire python:function__entry
only while one is, or python:line's semaphore is up (CPython issue
gh-98894), which costs more and enters the module's code too.

usage: pyhot.py SECONDS
"""
import sys
import time

# a unit is ~0.2 ms: the probes' and the profiler's tens of us a call
# stay small beside it
UNIT = 5000


def spin(n):
    x = 0
    for i in range(n):
        x += i * i
    return x


def hot_a():
    return spin(7 * UNIT)


def hot_b():
    return spin(3 * UNIT)


def scope_x():
    return hot_a() + hot_b()


def main():
    end = time.monotonic() + float(sys.argv[1])
    while time.monotonic() < end:
        scope_x()


if __name__ == "__main__":
    sys.setprofile(lambda *args: None)
    main()
