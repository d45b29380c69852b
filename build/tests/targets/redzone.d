build/tests/targets/redzone: tests/targets/redzone.c usdt/autocue_usdt.h
usdt/autocue_usdt.h:
