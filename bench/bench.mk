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

# the tracker (issue #9: every benchmark lives in bench/): its operations
# on a long script, and a whole session against the reference's run
$(BENCH_DIR)/bench_tracker: bench/bench_tracker.c $(BUILD)/libautocue.a
	$(call msg,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $< $(BUILD)/libautocue.a $(TRACKER_LIBS) -lm -o $@

.PHONY: bench-tracker
bench-tracker: $(BENCH_DIR)/bench_tracker
	$(Q)$< $(SHARED)/conformance/scripts/long_script.md \
		$(SHARED)/conformance/sessions/long_script__clean__1.events.jsonl

BENCH_TARGETS += bench-tracker

# A whole noisy session, whole process, against the reference's whole run
# (AUTOCUE_REF=an Autocue checkout; skipped with a message without one).
.PHONY: bench-replay
bench-replay: $(BUILD)/autocue-replay $(BUILD)/gen-session
	$(Q)BUILD=$(BUILD) SHARED=$(SHARED) sh bench/replay_vs_reference.sh

BENCH_TARGETS += bench-replay

# Python: what --python costs a Python loop, untraced, on CPython 3.11's
# tracing path (python:line raised, or a profiler hook), traced narrow and
# all both ways, and under an in-process timing decorator (issue 11).
# `make bench-python`; RUNS=N, PY_CALLS=N.
.PHONY: bench-python
bench-python: $(BUILD)/autocue-trace
	$(Q)BUILD=$(BUILD) RUNS=$(RUNS) CALLS=$(PY_CALLS) sh bench/python_overhead.sh

BENCH_TARGETS += bench-python

# autocue-trace record's cost against perf record and bcc's profile (issue 13): target
# slowdown at 99 and 999 Hz, tracer CPU. `make bench-record`.
.PHONY: bench-record
bench-record: $(BUILD)/autocue-trace $(BUILD)/tests/targets/hot_target
	$(Q)BUILD=$(BUILD) RUNS=$(RUNS) sh bench/record.sh

BENCH_TARGETS += bench-record
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

# what a Prometheus scrape of --listen costs: 16 processes x 64 probes
# system-wide, scrape latency and tracer CPU per scrape beside
# Prometheus's own /metrics (issue #12). `make bench-metrics`.
.PHONY: bench-metrics
bench-metrics: $(BUILD)/autocue-trace $(BENCH_DIR)/probes64_target
	$(Q)BUILD=$(BUILD) sh bench/metrics.sh
	$(Q)BUILD=$(BUILD) BUCKETS=1,4us,1s sh bench/metrics.sh

BENCH_TARGETS += bench-metrics

# --follow: what the traced program's forks and execs cost, bare, traced
# without it, with it, and under strace -f. `make bench-follow`.
$(BENCH_DIR)/follow_bench: bench/follow_bench.c $(BENCH_TARGET_DEPS)
	$(call msg,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $< -o $@

.PHONY: bench-follow
bench-follow: $(BENCH_DIR)/follow_bench $(BUILD)/tests/targets/fork_target $(BUILD)/autocue-trace
	$(Q)BUILD=$(BUILD) RUNS=$(RUNS) sh bench/follow_cost.sh

BENCH_TARGETS += bench-follow
