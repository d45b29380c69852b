build/user/hist.o: user/hist.c user/autocue_trace.h bpf/autocue.h
user/autocue_trace.h:
bpf/autocue.h:
