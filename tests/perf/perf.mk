# tests/perf: the reference's performance scenarios (TRACKER-SPEC.md §8) on
# the C tracker, asserting the targets of examples/targets.conf (the
# reference's) and examples/targets-c.conf (this port's, tighter) on the
# kernel's histograms while the suite traces itself. Root only (skips with a
# message otherwise).
#
# test_perf_slowed is the same suite with a regression injected at link
# time (-Wl,--wrap: every partial update spends PERF_SLOWED_US more inside
# tracker_update_partial, no tracker code changed); test_perf runs it and
# expects it to fail the partial-update targets.
PERF_SLOWED_US := 1000
PERF_TESTS := $(BUILD)/tests/perf/test_perf $(BUILD)/tests/perf/test_perf_slowed \
	$(BUILD)/tests/perf/test_perf_threaded
PERF_LIBS := $(BUILD)/libautocue.a $(TRACKER_LIBS) $(BUILD)/libautocue_trace.a \
	$(TRACE_LIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/perf/test_perf: tests/perf/test_perf.c $(BUILD)/libautocue.a $(BUILD)/libautocue_trace.a
	$(call msg,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $< $(PERF_LIBS) -o $@

$(BUILD)/tests/perf/test_perf_slowed: tests/perf/test_perf.c $(BUILD)/libautocue.a $(BUILD)/libautocue_trace.a
	$(call msg,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -DAUTOCUE_PERF_SLOWED_US=$(PERF_SLOWED_US) $< \
		-Wl,--wrap=ac_tracker_update -Wl,--wrap=ac_tk_load_words $(PERF_LIBS) -o $@

# the reference's ThreadedTracker performance tests (submit latency,
# throughput) on the threaded_submit probe
$(BUILD)/tests/perf/test_perf_threaded: tests/perf/test_perf_threaded.c $(BUILD)/libautocue.a $(BUILD)/libautocue_trace.a
	$(call msg,CCLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $< $(PERF_LIBS) -o $@

.PHONY: test-perf
test-perf: $(PERF_TESTS)
	$(Q)$(call run_suite,$(BUILD)/tests/perf/test_perf $(BUILD)/tests/perf/test_perf_threaded)

TEST_TARGETS += test-perf
