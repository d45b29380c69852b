build/user/autocue-trace.o: user/autocue-trace.c user/autocue_trace.h \
 user/assertions.h user/folded.h user/json_report.h user/outfile.h \
 user/probes.h user/report.h user/svg.h
user/autocue_trace.h:
user/assertions.h:
user/folded.h:
user/json_report.h:
user/outfile.h:
user/probes.h:
user/report.h:
user/svg.h:
