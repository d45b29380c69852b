build/tests/tracker/test_tracker_backtrack: \
 tests/tracker/test_tracker_backtrack.c tracker/script.h \
 tracker/tracker.h tracker/script.h
tracker/script.h:
tracker/tracker.h:
tracker/script.h:
