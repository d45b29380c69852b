build/tests/tracker/test_tracker_api: tests/tracker/test_tracker_api.c \
 tracker/script.h tracker/tracker.h tracker/script.h
tracker/script.h:
tracker/tracker.h:
tracker/script.h:
