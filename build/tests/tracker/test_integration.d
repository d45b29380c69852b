build/tests/tracker/test_integration: tests/tracker/test_integration.c \
 tracker/script.h tracker/tracker.h tracker/script.h
tracker/script.h:
tracker/tracker.h:
tracker/script.h:
