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

$(BUILD)/autocue-replay: $(BUILD)/tracker/replay.o $(BUILD)/libautocue.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(TRACKER_LIBS) -lm -o $@

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
	$(Q)$(CC) $(CFLAGS) $^ $(TRACKER_LIBS) -lm -o $@
