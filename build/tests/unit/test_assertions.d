build/tests/unit/test_assertions: tests/unit/test_assertions.c \
 user/assertions.h user/autocue_trace.h bpf/autocue.h \
 user/autocue_trace.h
user/assertions.h:
user/autocue_trace.h:
bpf/autocue.h:
user/autocue_trace.h:
