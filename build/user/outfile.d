build/user/outfile.o: user/outfile.c user/outfile.h
user/outfile.h:
