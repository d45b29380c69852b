build/user/assertions.o: user/assertions.c user/assertions.h \
 user/autocue_trace.h
user/assertions.h:
user/autocue_trace.h:
