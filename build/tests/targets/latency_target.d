build/tests/targets/latency_target: tests/targets/latency_target.c \
 usdt/autocue_usdt.h
usdt/autocue_usdt.h:
