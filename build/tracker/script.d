build/tracker/script.o: tracker/script.c usdt/autocue_usdt.h \
 tracker/arena.h tracker/markdown.h tracker/normalize.h tracker/numbers.h \
 tracker/script.h tracker/punct.h
usdt/autocue_usdt.h:
tracker/arena.h:
tracker/markdown.h:
tracker/normalize.h:
tracker/numbers.h:
tracker/script.h:
tracker/punct.h:
