build/tracker/arena.o: tracker/arena.c tracker/arena.h
tracker/arena.h:
