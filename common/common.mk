# common/: what both programs need and neither owns: quoting input in
# messages (quote.c), reading input with limits (lines.c) and finding
# a command as execvp will (program.c). Linked into
# libautocue_trace and autocue-replay; libautocue (the tracker) prints
# nothing and reads no files, so it does not need them.
COMMON_SRCS := $(wildcard common/*.c)
COMMON_OBJS := $(COMMON_SRCS:%.c=$(BUILD)/%.o)

$(BUILD)/common/%.o: common/%.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/libautocue_trace.a: $(COMMON_OBJS)
$(BUILD)/autocue-replay: $(COMMON_OBJS)
$(NOPROBES_DIR)/autocue-replay: $(COMMON_OBJS)
