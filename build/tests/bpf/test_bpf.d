build/tests/bpf/test_bpf: tests/bpf/test_bpf.c user/autocue_trace.h \
 usdt/autocue_usdt.h
user/autocue_trace.h:
usdt/autocue_usdt.h:
