#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Drive the Autocue tracker from Python through libautocue.so (ctypes).

    python3 examples/tracker_host.py [--lib PATH] [--rounds N] [--wait] SCRIPT.md

Parses SCRIPT.md, then follows a speaker reading it ROUNDS times: each
round resets the tracker and feeds every line's words, as growing partials
and then the final, printing the position after each final. The probes
inside libautocue.so time every call; trace them from another shell with

    sudo autocue-trace -p PID

which finds the library in the process by itself. --wait prints
"ready PID" and waits for a line on stdin before the work starts, so a
tracer can attach first. Each round makes exactly one ac_tracker_reset,
and per line of N words N - 1 partial updates and one final update
(the tests count them); the parse and the construction happen once.
"""
import argparse
import ctypes
import ctypes.util
import os
import sys


class Position(ctypes.Structure):
    # struct ac_position (tracker/tracker.h)
    _fields_ = [("speakable_index", ctypes.c_int),
                ("word_index", ctypes.c_int),
                ("line_index", ctypes.c_int),
                ("is_jump", ctypes.c_bool),
                ("progress", ctypes.c_double)]


def load(path):
    """The library and the prototypes of the functions used here."""
    lib = ctypes.CDLL(path or ctypes.util.find_library("autocue")
                      or "libautocue.so.0")
    lib.ac_script_parse.restype = ctypes.c_void_p
    lib.ac_script_parse.argtypes = [ctypes.c_char_p, ctypes.c_size_t,
                                    ctypes.c_char_p, ctypes.c_size_t]
    lib.ac_script_free.argtypes = [ctypes.c_void_p]
    lib.ac_tracker_new.restype = ctypes.c_void_p
    lib.ac_tracker_new.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.ac_tracker_free.argtypes = [ctypes.c_void_p]
    lib.ac_tracker_reset.argtypes = [ctypes.c_void_p]
    lib.ac_tracker_update.restype = Position
    lib.ac_tracker_update.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                      ctypes.c_bool]
    return lib


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("script")
    ap.add_argument("--lib", help="libautocue.so to load (default: the "
                    "one the dynamic linker finds)")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--wait", action="store_true")
    args = ap.parse_args()

    lib = load(args.lib)
    with open(args.script, "rb") as f:
        md = f.read()
    err = ctypes.create_string_buffer(256)
    script = lib.ac_script_parse(md, len(md), err, len(err))
    if not script:
        sys.exit(f"{args.script}: {err.value.decode(errors='replace')}")
    tracker = lib.ac_tracker_new(script, None)
    if not tracker:
        sys.exit("ac_tracker_new failed")
    # what a speaker says: each non-empty line's words, Markdown marks out
    lines = [line.lstrip("#*->0123456789. ").split()
             for line in md.decode().splitlines()]
    lines = [words for words in lines if words]

    if args.wait:
        print(f"ready {os.getpid()}", flush=True)
        sys.stdin.readline()
    partials = finals = 0
    for _ in range(args.rounds):
        lib.ac_tracker_reset(tracker)
        for words in lines:
            for n in range(1, len(words)):
                lib.ac_tracker_update(tracker, " ".join(words[:n]).encode(),
                                      True)
                partials += 1
            pos = lib.ac_tracker_update(tracker, " ".join(words).encode(),
                                        False)
            finals += 1
            print(f"speakable_index {pos.speakable_index} "
                  f"line_index {pos.line_index}")
    print(f"rounds {args.rounds} partials {partials} finals {finals}",
          flush=True)
    lib.ac_tracker_free(tracker)
    lib.ac_script_free(script)


if __name__ == "__main__":
    main()
