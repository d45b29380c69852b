# scripts/: `make profile` - profile the tracker on a realistic recogniser
# session through the real BPF path (issue #4's workflow).
#
#   make profile [PROFILE_SCRIPT=...] [PROFILE_SEED=N] [PROFILE_REALTIME=MS]
#
# gen-session writes a deterministic session for a sample script (growing
# partials and a final per utterance, fillers, misheard words, restarted
# sentences, skipped passages); autocue-replay plays it paced like live
# audio while autocue-trace traces it from its first instruction, prints the
# table and writes profiling_results/{tracking_profile.json, tracking.folded,
# flamegraph.svg}. Tracing needs root (sudo is used when not root).

PROFILE_SCRIPT   ?= $(SHARED)/samples/evening_news_broadcast.md
PROFILE_SEED     ?= 1
PROFILE_REALTIME ?= 25
PROFILE_DIR      ?= profiling_results
PROFILE_SESSION  := $(PROFILE_DIR)/session.events.jsonl

$(BUILD)/gen-session: scripts/gen_session.c $(BUILD)/libautocue.a
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $< $(BUILD)/libautocue.a $(TRACKER_LIBS) -o $@

ALL_TARGETS += $(BUILD)/gen-session

profile: all
	$(Q)mkdir -p $(PROFILE_DIR)
	$(Q)$(BUILD)/gen-session --seed $(PROFILE_SEED) -o $(PROFILE_SESSION) $(PROFILE_SCRIPT)
	@printf 'session: %s (%s events, seed %s), paced at %s ms an event\n' \
		$(PROFILE_SESSION) "$$(wc -l < $(PROFILE_SESSION))" $(PROFILE_SEED) $(PROFILE_REALTIME)
	$(Q)SUDO=$$( [ $$(id -u) -eq 0 ] || echo sudo ); \
	$$SUDO $(BUILD)/autocue-trace \
		--json $(PROFILE_DIR)/tracking_profile.json \
		--folded $(PROFILE_DIR)/tracking.folded \
		--svg $(PROFILE_DIR)/flamegraph.svg \
		-- $(BUILD)/autocue-replay --realtime=$(PROFILE_REALTIME) \
		$(PROFILE_SCRIPT) $(PROFILE_SESSION) > $(PROFILE_DIR)/positions.jsonl.tmp \
	&& sed -n '/^Function\|^ *Function/,$$p' $(PROFILE_DIR)/positions.jsonl.tmp
