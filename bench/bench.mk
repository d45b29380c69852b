# bench/: the overhead benchmark of issue #2 (root; bpftrace, valgrind):
# autocue-trace against bpftrace, attached and unattached cost, start-up,
# compensation accuracy, kernel map memory. `make bench-overhead`;
# RUNS=N (>= 5) repetitions, CALLS=N calls per timed loop.
BENCH_DIR := $(BUILD)/bench
BENCH_NP  := $(NOPROBES_DIR)
BENCH_TARGET_DEPS := usdt/autocue_usdt.h | $(BUILD)

# the traced program, three ways
$(BENCH_DIR)/overhead_target: bench/overhead_target.c $(BENCH_TARGET_DEPS)
	$(call msg,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $< -o $@

$(BENCH_DIR)/overhead_target_classic: bench/overhead_target.c $(BENCH_TARGET_DEPS)
	$(call msg,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -DAUTOCUE_CLASSIC_PROBES $< -o $@

$(BENCH_DIR)/overhead_target_noprobes: bench/overhead_target.c $(BENCH_TARGET_DEPS)
	$(call msg,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -DAUTOCUE_NO_PROBES $< -o $@

$(BENCH_DIR)/probes64_target: bench/probes64_target.c $(BENCH_TARGET_DEPS)
	$(call msg,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $< -o $@

$(BENCH_DIR)/spawn_stamp: bench/spawn_stamp.c | $(BUILD)
	$(call msg,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $< -o $@

$(BENCH_DIR)/map_memory: bench/map_memory.c $(BUILD)/libautocue_trace.a
	$(call msg,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $< $(BUILD)/libautocue_trace.a $(TRACE_LIBS) -o $@

BENCH_OVERHEAD_BINS := $(addprefix $(BENCH_DIR)/,overhead_target \
	overhead_target_classic overhead_target_noprobes probes64_target \
	spawn_stamp map_memory) $(BENCH_NP)/autocue-replay

.PHONY: bench-overhead
bench-overhead: $(BENCH_OVERHEAD_BINS) $(BUILD)/autocue-trace $(BUILD)/autocue-replay
	$(Q)BUILD=$(BUILD) SHARED=$(SHARED) RUNS=$(RUNS) CALLS=$(CALLS) sh bench/overhead.sh

BENCH_TARGETS += bench-overhead

# accuracy: known durations at this host's probe cost and dearer ones,
# nested hot probes, first calls (issue #8). `make bench-accuracy`.
.PHONY: bench-accuracy
bench-accuracy: $(BUILD)/autocue-trace $(BUILD)/autocue-replay $(BUILD)/gen-session \
		$(BUILD)/tests/targets/latency_target
	$(Q)BUILD=$(BUILD) SHARED=$(SHARED) RUNS=$(RUNS) sh bench/accuracy.sh

BENCH_TARGETS += bench-accuracy

# make soak: constant memory over a long session (root, SOAK_SECONDS=600):
# -i 1 --json --folded at the highest call rate, RSS flat within 1 MiB
# after the first minute. Not part of make test.
.PHONY: soak
soak: $(BENCH_DIR)/overhead_target $(BUILD)/autocue-trace
	$(Q)BUILD=$(BUILD) sh bench/soak.sh

# how long a library loaded after the attach (dlopen) runs untraced
.PHONY: bench-dlopen
bench-dlopen: $(BUILD)/autocue-trace $(BUILD)/tests/targets/dlopen_lib $(BUILD)/tests/targets/libtraced.so
	$(Q)BUILD=$(BUILD) RUNS=$(or $(RUNS),7) sh bench/dlopen_delay.sh

BENCH_TARGETS += bench-dlopen

# --func's attached cost beside a USDT pair, bpftrace's and funclatency's
# uprobe + uretprobe on the same function
.PHONY: bench-func
bench-func: $(BUILD)/autocue-trace $(BENCH_DIR)/overhead_target $(BENCH_DIR)/overhead_target_noprobes
	$(Q)BUILD=$(BUILD) RUNS=$(or $(RUNS),5) CALLS=$(or $(CALLS),200000) sh bench/func_cost.sh

BENCH_TARGETS += bench-func
