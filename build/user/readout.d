build/user/readout.o: user/readout.c build/autocue.skel.h \
 user/trace_priv.h bpf/autocue.h user/autocue_trace.h user/probes.h
build/autocue.skel.h:
user/trace_priv.h:
bpf/autocue.h:
user/autocue_trace.h:
user/probes.h:
