build/tests/tracker/test_parser: tests/tracker/test_parser.c \
 tracker/normalize.h tracker/script.h
tracker/normalize.h:
tracker/script.h:
