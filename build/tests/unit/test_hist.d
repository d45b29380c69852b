build/tests/unit/test_hist: tests/unit/test_hist.c bpf/autocue.h \
 user/autocue_trace.h
bpf/autocue.h:
user/autocue_trace.h:
