# make fuzz: libFuzzer (clang) with ASan/UBSan on the tracker's parser and
# tracker, and on the loader's parsers: targets files, assertion
# expressions, stapsdt notes of a crafted ELF. FUZZ_SECONDS per target,
# corpora seeded from the sample scripts, the example targets files and
# the test targets' binaries.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS  := -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE \
	-Iusdt -Itracker -Iuser -Ibpf -Icommon -Itests/fuzz
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_COMMON  := common/quote.c common/lines.c

$(FUZZ_DIR)/fuzz_tracker: tests/fuzz/fuzz_tracker.c $(TRACKER_SRCS)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $^ $(TRACKER_LIBS) -o $@

$(FUZZ_DIR)/fuzz_targets: tests/fuzz/fuzz_targets.c user/assertions.c user/hist.c $(FUZZ_COMMON)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $^ -lm -o $@

$(FUZZ_DIR)/fuzz_assertion: tests/fuzz/fuzz_assertion.c user/assertions.c user/hist.c $(FUZZ_COMMON)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $^ -lm -o $@

$(FUZZ_DIR)/fuzz_stapsdt: tests/fuzz/fuzz_stapsdt.c user/probes.c $(FUZZ_COMMON)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $^ -lelf -lz -o $@

FUZZERS := tracker targets assertion stapsdt

# fuzz-NAME: one target, its corpus in $(FUZZ_DIR)/corpus-NAME
.PHONY: fuzz $(FUZZERS:%=fuzz-%)
fuzz: $(FUZZERS:%=fuzz-%)

$(FUZZERS:%=fuzz-%): fuzz-%: $(FUZZ_DIR)/fuzz_%
	$(Q)mkdir -p $(FUZZ_DIR)/corpus-$*
	$(Q)case $* in \
	tracker) cp $(SHARED)/samples/*.md $(FUZZ_DIR)/corpus-$*/ ;; \
	targets) cp examples/*.conf $(FUZZ_DIR)/corpus-$*/ ;; \
	assertion) printf 'tracker_update_partial:p95<20ms' >$(FUZZ_DIR)/corpus-$*/a; \
		printf 'x : median >= 1.5us' >$(FUZZ_DIR)/corpus-$*/b; \
		printf 'f:count<1' >$(FUZZ_DIR)/corpus-$*/c ;; \
	stapsdt) \
		for b in $(BUILD)/tests/targets/unpaired $(BUILD)/tests/targets/evilnames; do \
			[ -f $$b ] && strip -o $(FUZZ_DIR)/corpus-$*/$${b##*/} $$b; done; true ;; \
	esac
	$(FUZZ_DIR)/fuzz_$* -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
		-timeout=10 -rss_limit_mb=2048 $(FUZZ_DIR)/corpus-$*
