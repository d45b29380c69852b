build/tracker/punct.o: tracker/punct.c tracker/punct.h tracker/script.h
tracker/punct.h:
tracker/script.h:
