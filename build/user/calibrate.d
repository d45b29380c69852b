build/user/calibrate.o: user/calibrate.c usdt/autocue_usdt.h \
 build/autocue.skel.h user/trace_priv.h bpf/autocue.h \
 user/autocue_trace.h user/probes.h
usdt/autocue_usdt.h:
build/autocue.skel.h:
user/trace_priv.h:
bpf/autocue.h:
user/autocue_trace.h:
user/probes.h:
