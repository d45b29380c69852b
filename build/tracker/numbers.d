build/tracker/numbers.o: tracker/numbers.c tracker/numbers.h \
 tracker/arena.h tracker/script.h tracker/punct.h
tracker/numbers.h:
tracker/arena.h:
tracker/script.h:
tracker/punct.h:
