build/user/probes.o: user/probes.c user/probes.h
user/probes.h:
