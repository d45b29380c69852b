build/user/json_report.o: user/json_report.c bpf/autocue.h \
 user/json_report.h user/autocue_trace.h user/outfile.h user/report.h
bpf/autocue.h:
user/json_report.h:
user/autocue_trace.h:
user/outfile.h:
user/report.h:
