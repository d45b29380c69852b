build/tracker/threaded.o: tracker/threaded.c usdt/autocue_usdt.h \
 tracker/threaded.h tracker/tracker.h tracker/script.h
usdt/autocue_usdt.h:
tracker/threaded.h:
tracker/tracker.h:
tracker/script.h:
