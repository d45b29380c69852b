build/tests/bench/bench_tracker: tests/bench/bench_tracker.c \
 tracker/script.h tracker/tracker.h tracker/script.h
tracker/script.h:
tracker/tracker.h:
tracker/script.h:
