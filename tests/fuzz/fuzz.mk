# make fuzz: libFuzzer (clang) with ASan/UBSan on the tracker's parser and
# tracker; FUZZ_SECONDS per target, corpus seeded from the sample scripts.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS  := -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE \
	-Iusdt -Itracker

$(BUILD)/fuzz/fuzz_tracker: tests/fuzz/fuzz_tracker.c $(TRACKER_SRCS)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $^ $(TRACKER_LIBS) -o $@

.PHONY: fuzz
fuzz: $(BUILD)/fuzz/fuzz_tracker
	$(Q)mkdir -p $(BUILD)/fuzz/corpus && cp $(SHARED)/samples/*.md $(BUILD)/fuzz/corpus/
	$(BUILD)/fuzz/fuzz_tracker -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
		-timeout=10 $(BUILD)/fuzz/corpus
