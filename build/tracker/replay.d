build/tracker/replay.o: tracker/replay.c tracker/fuzzy.h tracker/script.h \
 tracker/threaded.h tracker/tracker.h
tracker/fuzzy.h:
tracker/script.h:
tracker/threaded.h:
tracker/tracker.h:
