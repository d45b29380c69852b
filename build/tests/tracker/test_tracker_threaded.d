build/tests/tracker/test_tracker_threaded: \
 tests/tracker/test_tracker_threaded.c tracker/script.h \
 tracker/threaded.h tracker/tracker.h tracker/script.h
tracker/script.h:
tracker/threaded.h:
tracker/tracker.h:
tracker/script.h:
