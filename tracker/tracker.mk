# tracker/: libautocue (script parser, number expansion, fuzzy matching,
# tracker, threaded tracker) and the autocue-replay CLI.
TRACKER_SRCS := $(filter-out tracker/replay.c,$(wildcard tracker/*.c))
TRACKER_OBJS := $(TRACKER_SRCS:%.c=$(BUILD)/%.o)
TRACKER_LIBS := -lmd4c -lutf8proc -ljson-c -lpthread

$(BUILD)/tracker/%.o: tracker/%.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/libautocue.a: $(TRACKER_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

ALL_TARGETS += $(BUILD)/libautocue.a
