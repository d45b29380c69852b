# user/: libautocue_trace (the C API: probe discovery, attach, read-out,
# percentiles, report writers, assertions) and the autocue-trace CLI.
USER_LIB_SRCS := $(filter-out user/autocue-trace.c,$(wildcard user/*.c))
USER_LIB_OBJS := $(USER_LIB_SRCS:%.c=$(BUILD)/%.o)
TRACE_LIBS    := -lbpf -lelf -lz -ljson-c -lm -lpthread

$(BUILD)/user/%.o: user/%.c $(BUILD)/autocue.skel.h | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/user/autocue-trace.o: CPPFLAGS += -DAUTOCUE_VERSION='"$(VERSION)"'
# VERSION lives in the Makefile: a new one must rebuild --version
$(BUILD)/user/autocue-trace.o: Makefile

$(BUILD)/libautocue_trace.a: $(USER_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/autocue-trace: $(BUILD)/user/autocue-trace.o $(BUILD)/libautocue_trace.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(TRACE_LIBS) -o $@

ALL_TARGETS  += $(BUILD)/libautocue_trace.a $(BUILD)/autocue-trace
INSTALL_BINS += $(BUILD)/autocue-trace
