build/user/svg.o: user/svg.c user/folded.h user/autocue_trace.h \
 user/outfile.h user/svg.h
user/folded.h:
user/autocue_trace.h:
user/outfile.h:
user/svg.h:
