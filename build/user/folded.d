build/user/folded.o: user/folded.c user/folded.h user/autocue_trace.h \
 user/outfile.h
user/folded.h:
user/autocue_trace.h:
user/outfile.h:
