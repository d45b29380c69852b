build/tests/targets/redzone_unguarded: tests/targets/redzone.c \
 usdt/autocue_usdt.h
usdt/autocue_usdt.h:
