build/tracker/markdown.o: tracker/markdown.c tracker/markdown.h \
 tracker/markdown_entities.h tracker/punct.h tracker/script.h
tracker/markdown.h:
tracker/markdown_entities.h:
tracker/punct.h:
tracker/script.h:
