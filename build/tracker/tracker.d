build/tracker/tracker.o: tracker/tracker.c usdt/autocue_usdt.h \
 tracker/fuzzy.h tracker/normalize.h tracker/tracker.h tracker/script.h
usdt/autocue_usdt.h:
tracker/fuzzy.h:
tracker/normalize.h:
tracker/tracker.h:
tracker/script.h:
