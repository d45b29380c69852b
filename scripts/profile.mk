# scripts/: `make profile` - profile the tracker on a realistic recogniser
# session through the real BPF path (issue #4's workflow).
#
#   make profile [PROFILE_SCRIPT=...] [PROFILE_SEED=N] [PROFILE_REALTIME=MS]
#
# gen-session writes a deterministic session for a sample script (growing
# partials and a final per utterance, fillers, misheard words, restarted
# sentences, skipped passages); autocue-replay plays it paced like live
# audio (PROFILE_REALTIME ms an event) while autocue-trace traces it from
# its first instruction and writes profiling_results/tracking_profile.json,
# tracking.folded and flamegraph.svg. The replay's positions go to
# profiling_results/positions.jsonl, the report to the terminal. Tracing
# needs root (sudo is used when not root).

PROFILE_SCRIPT   ?= $(SHARED)/samples/evening_news_broadcast.md
PROFILE_SEED     ?= 1
PROFILE_REALTIME ?= 25
PROFILE_DIR      ?= profiling_results

$(BUILD)/gen-session: scripts/gen_session.c $(BUILD)/libautocue.a $(COMMON_OBJS)
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $< $(BUILD)/libautocue.a $(COMMON_OBJS) $(TRACKER_LIBS) -o $@

ALL_TARGETS += $(BUILD)/gen-session

# The tracee shares autocue-trace's stdout: both go to run.log (one open
# file, so neither overwrites the other), then split into the positions
# (the replay's JSON lines) and the report (everything else).
profile: all
	$(Q)mkdir -p $(PROFILE_DIR)
	$(Q)$(BUILD)/gen-session --seed $(PROFILE_SEED) \
		-o $(PROFILE_DIR)/session.events.jsonl $(PROFILE_SCRIPT)
	@echo "profile: $(PROFILE_SCRIPT), $$(wc -l < $(PROFILE_DIR)/session.events.jsonl) events (seed $(PROFILE_SEED)), one every $(PROFILE_REALTIME) ms"
	$(Q)SUDO=$$( [ $$(id -u) -eq 0 ] || echo sudo ); \
	$$SUDO $(BUILD)/autocue-trace \
		--json $(PROFILE_DIR)/tracking_profile.json \
		--folded $(PROFILE_DIR)/tracking.folded \
		--svg $(PROFILE_DIR)/flamegraph.svg \
		-- $(BUILD)/autocue-replay --realtime=$(PROFILE_REALTIME) \
		$(PROFILE_SCRIPT) $(PROFILE_DIR)/session.events.jsonl \
		> $(PROFILE_DIR)/run.log; \
	rc=$$?; \
	grep '^{"i": ' $(PROFILE_DIR)/run.log > $(PROFILE_DIR)/positions.jsonl; \
	grep -v '^{"i": ' $(PROFILE_DIR)/run.log; \
	rm -f $(PROFILE_DIR)/run.log; \
	[ $$rc -eq 0 ] || exit $$rc; \
	echo; \
	echo "wrote $(PROFILE_DIR)/: tracking_profile.json tracking.folded flamegraph.svg positions.jsonl session.events.jsonl"
