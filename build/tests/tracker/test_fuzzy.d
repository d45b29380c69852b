build/tests/tracker/test_fuzzy: tests/tracker/test_fuzzy.c \
 tracker/fuzzy.h
tracker/fuzzy.h:
