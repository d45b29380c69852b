#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Workload for autocue-trace --python (tests/bpf/python.sh).

Counts its own calls with sys.setprofile, named by qualified name: a profiler is also what makes
CPython 3.11 to 3.14 fire python:function__entry at all (CPython issue
gh-98894). Its 'call' events are the entries the probe fires: a generator
counts once per start or resume. Writes {"module.function": calls} to
COUNTS at the end, and the in-process durations of busy() in ns. With
AUTOCUE_TEST_LIB set, call_c() calls that library's lib_work (an autocue
probe) 25 times through ctypes.

With AUTOCUE_TEST_NOPROF set it sets no profiler (and counts nothing):
a program as it normally runs, whose entries CPython 3.11 fires only while
autocue-trace holds python:line's semaphore up. "wait GOFILE" prints
"ready", sleeps until GOFILE exists (calling no Python function of its
own), then runs the workload: attached by PID before, the tracer sees
exactly the calls a plain run counts.

usage: pyworkload.py COUNTS [serve STOPFILE | wait GOFILE]
"""
import asyncio
import collections
import ctypes
import json
import os
import sys
import threading
import time

import pkgdemo
import pkgdemo.sub

calls = collections.Counter()
busy_ns = []
HERE = os.path.dirname(os.path.abspath(__file__))
NAMES = {os.path.abspath(__file__): "pyworkload",
         os.path.abspath(pkgdemo.__file__): "pkgdemo",
         os.path.abspath(pkgdemo.sub.__file__): "pkgdemo.sub"}


def prof(frame, event, arg):
    if event == "call":
        code = frame.f_code
        mod = NAMES.get(os.path.abspath(code.co_filename))
        if mod:
            calls[mod + "." + code.co_qualname] += 1


def leaf():
    return 1


def rec(n):
    return rec(n - 1) + 1 if n else 0


def busy(us):
    t0 = time.perf_counter_ns()
    while time.perf_counter_ns() - t0 < us * 1000:
        pass
    busy_ns.append(time.perf_counter_ns() - t0)


def gen(k):
    for i in range(k):
        yield i


async def co(k):
    for _ in range(k):
        await asyncio.sleep(0)


async def co_main():
    for _ in range(10):
        await co(3)


def raiser1():
    raise ValueError("three frames up")


def raiser2():
    raiser1()


def raiser3():
    raiser2()


class Left:
    def step(self):
        return 1


class Right:
    def step(self):	# the same co_name in the same module as Left's
        return 2


def catcher():
    try:
        raiser3()
    except ValueError:
        return 1
    return 0


def call_c(lib):
    return lib.lib_work(7)


def worker():
    for _ in range(500):
        leaf()


def work():
    for _ in range(2000):
        leaf()
    for _ in range(100):
        rec(5)
    for _ in range(40):
        busy(2000)
    for _ in range(50):
        for _ in gen(3):
            pass
    for _ in range(30):
        catcher()
    asyncio.run(co_main())
    for obj in [Left()] * 70 + [Right()] * 30:
        obj.step()
    for _ in range(20):
        pkgdemo.top()
        pkgdemo.sub.inner()
    if os.environ.get("AUTOCUE_TEST_LIB"):
        lib = ctypes.CDLL(os.environ["AUTOCUE_TEST_LIB"])
        for _ in range(25):
            call_c(lib)
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def serve(stop):
    print("ready", flush=True)
    while not os.path.exists(stop):
        leaf()
        time.sleep(0.001)


def wait(go):
    print("ready", flush=True)
    while not os.path.exists(go):
        time.sleep(0.01)
    work()


def main():
    if not os.environ.get("AUTOCUE_TEST_NOPROF"):
        sys.setprofile(prof)
        threading.setprofile(prof)
    if len(sys.argv) > 3 and sys.argv[2] == "serve":
        serve(sys.argv[3])
    elif len(sys.argv) > 3 and sys.argv[2] == "wait":
        wait(sys.argv[3])
    else:
        work()
    sys.setprofile(None)
    threading.setprofile(None)
    with open(sys.argv[1], "w") as f:
        json.dump({"calls": calls, "busy_ns": busy_ns}, f)


if __name__ == "__main__":
    main()
