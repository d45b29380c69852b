build/user/report.o: user/report.c user/report.h user/autocue_trace.h
user/report.h:
user/autocue_trace.h:
