# tests/: cmocka suites. Each tests/SUITE/test_*.c is one program; every
# program and every tests/SUITE/*.sh script of a suite runs from the top
# directory and must exit 0.
CMOCKA_LIBS := -lcmocka

TRACKER_TESTS := $(patsubst %.c,$(BUILD)/%,$(wildcard tests/tracker/test_*.c))

$(BUILD)/tests/tracker/%: tests/tracker/%.c $(BUILD)/libautocue.a
	$(call msg,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $< $(BUILD)/libautocue.a $(TRACKER_LIBS) $(CMOCKA_LIBS) -o $@

.PHONY: test-tracker
test-tracker: $(TRACKER_TESTS) $(BUILD)/autocue-replay $(NOPROBES_DIR)/autocue-replay
	$(Q)set -e; for t in $(TRACKER_TESTS); do echo "  RUN      $$t"; $$t; done; \
	for s in $(wildcard tests/tracker/*.sh); do echo "  RUN      $$s"; BUILD=$(BUILD) sh $$s; done

TEST_TARGETS += test-tracker

# unit: no privileges; the C API's pure parts (buckets, percentiles,
# writers, assertions, probe discovery).
UNIT_TESTS := $(patsubst %.c,$(BUILD)/%,$(wildcard tests/unit/test_*.c))
UNIT_TARGETS := $(patsubst %.c,$(BUILD)/%,$(wildcard tests/targets/*.c))

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libautocue_trace.a
	$(call msg,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -DTEST_BUILD='"$(BUILD)"' $< $(BUILD)/libautocue_trace.a $(TRACE_LIBS) $(CMOCKA_LIBS) -o $@

# small traced programs the suites run
$(BUILD)/tests/targets/%: tests/targets/%.c usdt/autocue_usdt.h
	$(call msg,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $< -lpthread -lm -o $@

.PHONY: test-unit
test-unit: $(UNIT_TESTS) $(UNIT_TARGETS) $(BUILD)/autocue-trace
	$(Q)set -e; for t in $(UNIT_TESTS); do echo "  RUN      $$t"; $$t; done; \
	for s in $(wildcard tests/usdt/*.sh); do echo "  RUN      $$s"; sh $$s; done

TEST_TARGETS := test-unit $(TEST_TARGETS)

# the red-zone hazard, reproduced on purpose (tests/bpf shows the guard works)
$(BUILD)/tests/targets/redzone_unguarded: tests/targets/redzone.c usdt/autocue_usdt.h
	$(call msg,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -DAUTOCUE_UNSAFE_NO_REDZONE_GUARD $< -o $@

# bpf: real probes and kernel maps; root only (skips with a message
# otherwise, fails loudly as root when BPF does not work)
BPF_TESTS := $(patsubst %.c,$(BUILD)/%,$(wildcard tests/bpf/test_*.c))

$(BUILD)/tests/bpf/%: tests/bpf/%.c $(BUILD)/libautocue_trace.a
	$(call msg,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -DTEST_BUILD='"$(BUILD)"' $< $(BUILD)/libautocue_trace.a $(TRACE_LIBS) $(CMOCKA_LIBS) -o $@

.PHONY: test-bpf
# the scripts replay tracker sessions written by gen-session
test-bpf: $(BPF_TESTS) $(UNIT_TARGETS) $(BUILD)/tests/targets/redzone_unguarded \
		$(BUILD)/autocue-trace $(BUILD)/autocue-replay $(BUILD)/gen-session
	$(Q)set -e; for t in $(BPF_TESTS); do echo "  RUN      $$t"; $$t; done; \
	for s in $(wildcard tests/bpf/*.sh); do echo "  RUN      $$s"; BUILD=$(BUILD) sh $$s; done

TEST_TARGETS += test-bpf

# probes in a shared library, and a program that uses it
$(BUILD)/tests/targets/libtraced.so: tests/targets/lib/traced_lib.c usdt/autocue_usdt.h
	$(call msg,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -shared $< -o $@

$(BUILD)/tests/targets/uselib: tests/targets/lib/uselib.c $(BUILD)/tests/targets/libtraced.so
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $< -L$(BUILD)/tests/targets -ltraced \
		-Wl,-rpath,'$$ORIGIN' -o $@

test-bpf: $(BUILD)/tests/targets/uselib

# the demo target with sys/sdt.h's classic 1-byte sites
$(BUILD)/tests/targets/latency_target_classic: tests/targets/latency_target.c usdt/autocue_usdt.h
	$(call msg,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -DAUTOCUE_CLASSIC_PROBES $< -lpthread -lm -o $@

test-unit test-bpf: $(BUILD)/tests/targets/latency_target_classic

# install: make install into a temporary prefix, then programs built only
# from it (headers, pkg-config files) link and run; no privileges
.PHONY: test-install
test-install: all
	$(Q)echo "  RUN      tests/install/install.sh"; BUILD=$(BUILD) sh tests/install/install.sh

TEST_TARGETS += test-install

# hardening.sh drives the tight loop of the soak benchmark
test-bpf: $(BUILD)/bench/overhead_target
