build/tests/tracker/test_tracker_expansion: \
 tests/tracker/test_tracker_expansion.c tracker/script.h \
 tracker/tracker.h tracker/script.h
tracker/script.h:
tracker/tracker.h:
tracker/script.h:
