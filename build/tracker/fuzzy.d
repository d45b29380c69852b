build/tracker/fuzzy.o: tracker/fuzzy.c tracker/fuzzy.h
tracker/fuzzy.h:
