build/tests/tracker/test_numbers: tests/tracker/test_numbers.c \
 tracker/arena.h tracker/numbers.h tracker/arena.h tracker/script.h \
 tracker/script.h
tracker/arena.h:
tracker/numbers.h:
tracker/arena.h:
tracker/script.h:
tracker/script.h:
