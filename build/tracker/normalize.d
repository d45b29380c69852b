build/tracker/normalize.o: tracker/normalize.c tracker/normalize.h \
 tracker/punct.h tracker/script.h
tracker/normalize.h:
tracker/punct.h:
tracker/script.h:
