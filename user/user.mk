# user/: libautocue_trace (the C API) and the autocue-trace CLI, in rooms
# that show which way data flows:
#
#   autocue_trace.h  the C API, the contract between the rooms and users
#   sources/   where events come from: probe sites found in ELF objects
#              (USDT notes today; function symbols and interpreter frames
#              join here)
#   session/   one tracing session: load, calibrate, attach, read the maps
#              into snapshots (session.c at the bottom holds its state and
#              error; trace.c on top orchestrates); uses sources/
#   outputs/   what a snapshot becomes: table, hist, JSON, folded, SVG,
#              assertions; uses only the API's snapshot
#   cli/       autocue-trace itself, on top of all of them
USER_ROOMS    := sources session outputs
USER_LIB_SRCS := $(foreach r,$(USER_ROOMS),$(wildcard user/$(r)/*.c))
USER_LIB_OBJS := $(USER_LIB_SRCS:%.c=$(BUILD)/%.o)
TRACE_LIBS    := -lbpf -lelf -lz -ljson-c -lm -lpthread
CPPFLAGS      += $(addprefix -Iuser/,$(USER_ROOMS))

$(BUILD)/user/%.o: user/%.c $(BUILD)/autocue.skel.h | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/user/cli/autocue-trace.o: CPPFLAGS += -DAUTOCUE_VERSION='"$(VERSION)"'
# VERSION lives in the Makefile: a new one must rebuild --version
$(BUILD)/user/cli/autocue-trace.o: Makefile

$(BUILD)/libautocue_trace.a: $(USER_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# the CLI's own files: the program and what only it needs (--listen's HTTP
# server, on libmicrohttpd, stays out of the C API's library)
CLI_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard user/cli/*.c))
CLI_LIBS := -lmicrohttpd
$(BUILD)/user/cli/%.o: CPPFLAGS += -Iuser/cli

$(BUILD)/autocue-trace: $(CLI_OBJS) $(BUILD)/libautocue_trace.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(TRACE_LIBS) $(CLI_LIBS) -o $@

ALL_TARGETS  += $(BUILD)/libautocue_trace.a $(BUILD)/autocue-trace
INSTALL_BINS += $(BUILD)/autocue-trace

# autocue-trace record: the sampler's skeleton, elfutils for symbols
$(BUILD)/user/session/sampler.o: $(BUILD)/record.skel.h
TRACE_LIBS += -ldw
