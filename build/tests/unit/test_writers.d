build/tests/unit/test_writers: tests/unit/test_writers.c bpf/autocue.h \
 user/autocue_trace.h user/folded.h user/autocue_trace.h \
 user/json_report.h user/report.h user/svg.h
bpf/autocue.h:
user/autocue_trace.h:
user/folded.h:
user/autocue_trace.h:
user/json_report.h:
user/report.h:
user/svg.h:
