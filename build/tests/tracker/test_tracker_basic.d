build/tests/tracker/test_tracker_basic: \
 tests/tracker/test_tracker_basic.c tracker/script.h tracker/tracker.h \
 tracker/script.h
tracker/script.h:
tracker/tracker.h:
tracker/script.h:
