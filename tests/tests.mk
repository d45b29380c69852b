# tests/: cmocka suites. Each tests/SUITE/test_*.c is one program; every
# program and every tests/SUITE/*.sh script of a suite runs from the top
# directory and must exit 0. RUN_SUITE runs each of them even when an
# earlier one fails, and leaves their verdicts in TEST_RESULTS/SUITE for
# `make test`'s summary.
CMOCKA_LIBS := -lcmocka
TEST_RESULTS := $(BUILD)/test-results
# $(call run_suite,PROGRAMS AND SCRIPTS): in a test-SUITE recipe
run_suite = BUILD=$(BUILD) sh tests/run_suite.sh $@ $(TEST_RESULTS)/$@ $(1)

TRACKER_TESTS := $(patsubst %.c,$(BUILD)/%,$(wildcard tests/tracker/test_*.c))

$(BUILD)/tests/tracker/%: tests/tracker/%.c $(BUILD)/libautocue.a
	$(call msg,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $< $(BUILD)/libautocue.a $(TRACKER_LIBS) $(CMOCKA_LIBS) -o $@

.PHONY: test-tracker
test-tracker: $(TRACKER_TESTS) $(BUILD)/autocue-replay $(NOPROBES_DIR)/autocue-replay
	$(Q)$(call run_suite,$(TRACKER_TESTS) $(wildcard tests/tracker/*.sh))

TEST_TARGETS += test-tracker

# unit: no privileges; the C API's pure parts (buckets, percentiles,
# writers, assertions, probe discovery).
UNIT_TESTS := $(patsubst %.c,$(BUILD)/%,$(wildcard tests/unit/test_*.c))
UNIT_TARGETS := $(patsubst %.c,$(BUILD)/%,$(wildcard tests/targets/*.c))

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libautocue_trace.a
	$(call msg,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -DTEST_BUILD='"$(BUILD)"' $< $(BUILD)/libautocue_trace.a $(TRACE_LIBS) $(CMOCKA_LIBS) -o $@

# CPython's layout checked against its own headers (internal ones too)
$(BUILD)/tests/unit/test_py_layout: CPPFLAGS += $$(pkg-config --cflags python3)

# small traced programs the suites run
$(BUILD)/tests/targets/%: tests/targets/%.c usdt/autocue_usdt.h
	$(call msg,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $< -lpthread -lm -o $@

.PHONY: test-unit
test-unit: $(UNIT_TESTS) $(UNIT_TARGETS) $(BUILD)/autocue-trace
	$(Q)$(call run_suite,$(UNIT_TESTS) $(wildcard tests/usdt/*.sh))

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
		$(BUILD)/tests/targets/libtraced.so \
		$(BUILD)/autocue-trace $(BUILD)/autocue-replay $(BUILD)/gen-session
	$(Q)$(call run_suite,$(BPF_TESTS) $(wildcard tests/bpf/*.sh))

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
# test_objects asks uselib's dynamic linker what it loads
test-unit: $(BUILD)/tests/targets/uselib

# loads libtraced.so after its start (dlopen)
$(BUILD)/tests/targets/dlopen_lib: tests/targets/lib/dlopen_lib.c
	$(call msg,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $< -ldl -o $@

# a Python host drives the tracker through libautocue.so (examples/)
test-bpf: $(BUILD)/tests/targets/dlopen_lib $(BUILD)/$(TRACKER_SONAME) $(BUILD)/libautocue.so

# CPython linked dynamically (libpython3.X.so holds the probes)
$(BUILD)/tests/targets/pymain: tests/targets/python/pymain.c
	$(call msg,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $$(pkg-config --cflags python3-embed) $< \
		$$(pkg-config --libs python3-embed) -o $@

test-bpf: $(BUILD)/tests/targets/pymain

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
	$(Q)$(call run_suite,tests/install/install.sh)

TEST_TARGETS += test-install

# hardening.sh drives the tight loop of the soak benchmark
test-bpf: $(BUILD)/bench/overhead_target

# autocue-trace record's targets: frame pointers kept (as a profiled build
# would), and the same program without them and stripped
$(BUILD)/tests/targets/hot_target: CFLAGS += -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer
$(BUILD)/tests/targets/hot_target_nofp: tests/targets/hot_target.c usdt/autocue_usdt.h
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -fomit-frame-pointer $< -lpthread -o $@
$(BUILD)/tests/targets/hot_target_stripped: $(BUILD)/tests/targets/hot_target
	$(call msg,STRIP,$@)
	$(Q)strip -o $@ $<
test-bpf: $(BUILD)/tests/targets/hot_target_nofp $(BUILD)/tests/targets/hot_target_stripped
