# tracker/: libautocue (script parser, number expansion, fuzzy matching,
# tracker, threaded tracker) and the autocue-replay CLI.
TRACKER_SRCS := $(filter-out tracker/replay.c,$(wildcard tracker/*.c))
TRACKER_OBJS := $(TRACKER_SRCS:%.c=$(BUILD)/%.o)
# the public API: make install puts these in include/autocue/
TRACKER_HEADERS := tracker/alt.h tracker/script.h tracker/tracker.h tracker/threaded.h
TRACKER_LIBS := -lmd4c -lutf8proc -ljson-c -lpthread
# conformance data and sample scripts shared between the repositories

$(BUILD)/tracker/%.o: tracker/%.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/libautocue.a: $(TRACKER_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

ALL_TARGETS += $(BUILD)/libautocue.a

# libautocue.so: the same sources built position-independent, for hosts
# that load the tracker at run time (Python's ctypes, examples/). Its
# soname carries the major version, the file the full one; it links its
# own dependencies, so a host needs only -lautocue.
TRACKER_SOMAJOR := 0
TRACKER_SONAME  := libautocue.so.$(TRACKER_SOMAJOR)
TRACKER_SOFILE  := libautocue.so.$(VERSION)
TRACKER_PIC_OBJS := $(TRACKER_SRCS:%.c=$(BUILD)/pic/%.o)

$(BUILD)/pic/tracker/%.o: tracker/%.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -c $< -o $@

$(BUILD)/$(TRACKER_SOFILE): $(TRACKER_PIC_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) -shared -Wl,-soname,$(TRACKER_SONAME) -Wl,--no-undefined \
		$^ $(TRACKER_LIBS) -lm -o $@

# the soname's link (what the loader looks for) and the development link
# (what -lautocue finds), as ldconfig and make install make them
$(BUILD)/$(TRACKER_SONAME) $(BUILD)/libautocue.so: $(BUILD)/$(TRACKER_SOFILE)
	$(Q)ln -sf $(TRACKER_SOFILE) $@

ALL_TARGETS += $(BUILD)/$(TRACKER_SONAME) $(BUILD)/libautocue.so

# never sanitized (make asan): hosts that load it (python3) are not, and
# ASan's runtime must come first in a process; the same sources are
# sanitized in libautocue.a, which the tracker suite runs
$(BUILD)/pic/tracker/%.o: override SANITIZE :=
$(BUILD)/$(TRACKER_SOFILE): override SANITIZE :=

# autocue-replay links json-c and utf8proc statically: a replay is a short
# process, and loading and relocating two more shared libraries was half of
# its start-up (md4c has no static library in Debian). The libraries stay
# shared for libautocue.so and its hosts.
REPLAY_LIBS := -Wl,-Bstatic -ljson-c -lutf8proc -Wl,-Bdynamic -lmd4c -lpthread -lm

$(BUILD)/autocue-replay: $(BUILD)/tracker/replay.o $(BUILD)/libautocue.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(REPLAY_LIBS) -o $@

ALL_TARGETS += $(BUILD)/autocue-replay
INSTALL_BINS += $(BUILD)/autocue-replay

# libautocue + autocue-replay with every probe compiled out, with exactly the
# main build's flags otherwise (`make BUILD=... CFLAGS=...` would drop the
# flags the Makefile appends to CFLAGS): the unattached-cost benchmark and
# the test that probes change nothing use it.
NOPROBES_DIR  := $(BUILD)/noprobes
NOPROBES_OBJS := $(TRACKER_SRCS:%.c=$(NOPROBES_DIR)/%.o)

$(NOPROBES_DIR)/tracker/%.o: tracker/%.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -DAUTOCUE_NO_PROBES -c $< -o $@

$(NOPROBES_DIR)/libautocue.a: $(NOPROBES_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(NOPROBES_DIR)/autocue-replay: $(NOPROBES_DIR)/tracker/replay.o $(NOPROBES_DIR)/libautocue.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(REPLAY_LIBS) -o $@

# The tracker and autocue-replay at -O3 (over the -O2 of CFLAGS): a replay
# of the long session takes ~1.5% less CPU, medians of 150 interleaved
# runs (README, the replay's third round). `make TRACKER_OPT=` keeps
# CFLAGS' level.
TRACKER_OPT ?= -O3
$(BUILD)/tracker/%.o $(BUILD)/pic/tracker/%.o $(NOPROBES_DIR)/tracker/%.o: \
	CFLAGS += $(TRACKER_OPT)
