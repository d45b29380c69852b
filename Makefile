# SPDX-License-Identifier: MIT
# autocue-trace: USDT latency profiler and the Autocue script tracker.
#
#   make deps      install missing Debian packages (needs root or sudo)
#   make           build everything into build/
#   make test      every test suite (BPF suites need root; CI is root)
#   make demo      trace the embedded demo target
#   make profile   profile a realistic tracker session
#   make bench     benchmarks (speed claims live here, not in tests)
#   make install   PREFIX=/usr/local DESTDIR=
#   V=1            show the commands

VERSION := 0.1
BUILD   ?= build
# the specification, conformance sessions and sample scripts beside the repo
SHARED  ?= $(firstword $(wildcard ../shared /work/shared) ../shared)
export SHARED
PREFIX  ?= /usr/local
CC      ?= gcc
CLANG   ?= clang
BPFTOOL ?= bpftool
ARCH    := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -dumpmachine)

CFLAGS  ?= -O2 -g
CFLAGS  += -Wall -Wextra -Wno-unused-parameter -std=gnu11 -D_GNU_SOURCE -MMD -MP
# sanitizer flags (make asan sets them); a separate variable, since a
# CFLAGS given on the command line would drop the flags appended above
SANITIZE ?=
CFLAGS  += $(SANITIZE)
CPPFLAGS += -Iusdt -Ibpf -Iuser -Itracker -Icommon -I$(BUILD)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

DEBS := make gcc g++ gdb libbpf-dev bpftool clang llvm libelf-dev zlib1g-dev \
	systemtap-sdt-dev libcmocka-dev libmd4c-dev libutf8proc-dev libjson-c-dev \
	python3 python3-dev util-linux libxml2-utils chromium bpftrace linux-perf pkgconf valgrind \
	libdw-dev libbpf-tools libmicrohttpd-dev prometheus python3-prometheus-client curl \
	strace bpfcc-tools linux-headers-amd64 libprotobuf-c-dev protobuf-c-compiler libprotobuf-dev

# Each directory's fragment appends to these.
ALL_TARGETS   :=
TEST_TARGETS  :=
BENCH_TARGETS :=
INSTALL_BINS  :=

.PHONY: all deps test bench demo profile fuzz install clean vmlinux asan
all:

include vmlinux/vmlinux.mk
include bpf/bpf.mk
include user/user.mk
include proto/proto.mk
include tracker/tracker.mk
include common/common.mk
include tests/tests.mk
include tests/fuzz/fuzz.mk
-include tests/perf/perf.mk
-include bench/bench.mk
-include scripts/profile.mk

all: $(ALL_TARGETS)

# Every suite runs, one after the other (timings stay undisturbed), even
# when an earlier one fails; then every failing program or script of every
# suite is listed, and the last line is "N passed, N failed".
test:
	@rm -rf $(TEST_RESULTS); \
	for s in $(TEST_TARGETS); do $(MAKE) --no-print-directory $$s; done; \
	sh tests/summarize.sh $(TEST_RESULTS) $(TEST_TARGETS)

bench: $(BENCH_TARGETS)

# The embedded demo target: functions of known latency (1 us .. 10 ms),
# nesting, recursion, two threads; a table every second.
demo: all $(BUILD)/tests/targets/latency_target
	$(BUILD)/autocue-trace -i 1 --folded $(BUILD)/demo.folded -- \
		$(BUILD)/tests/targets/latency_target -t 2 -r 60

# make asan: what we ship (tracker, replay, the loader and its library) and
# the test programs built with AddressSanitizer and UBSan into $(ASAN_BUILD),
# then the unit, tracker and BPF suites on them. The traced fixtures stay
# plain: they are tracees, not our code, and the red-zone and timing tests
# need them as a user would build them. Options (see the README):
#  exitcode=86        an ASan report never passes for our own exit 1
#  detect_leaks=1     LeakSanitizer at every exit (it stops the process's
#                     threads with ptrace: CI runs nothing under a debugger,
#                     and the tracer uses uprobes, not ptrace)
#  halt_on_error=1    (UBSan) the first report fails the run
ASAN_BUILD ?= build-asan
ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
ASAN_ENV   := ASAN_OPTIONS=exitcode=86:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=87 \
	LSAN_OPTIONS=exitcode=86

# the programs in parallel, then the suites one at a time, as make test
# runs them (the BPF suite's timing checks share the two cores otherwise)
asan:
	$(Q)$(MAKE) --no-print-directory -j2 BUILD=$(ASAN_BUILD) \
		SANITIZE="$(ASAN_FLAGS)" all
	$(Q)$(ASAN_ENV) $(MAKE) --no-print-directory -j1 BUILD=$(ASAN_BUILD) \
		SANITIZE="$(ASAN_FLAGS)" test-unit test-tracker test-bpf
	@echo "asan: unit, tracker and BPF suites passed under ASan and UBSan"

# the tracees of the suites: never sanitized (see asan)
$(BUILD)/tests/targets/%: override SANITIZE :=
$(BUILD)/bench/overhead_target: override SANITIZE :=

deps:
	@missing=$$(for p in $(DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		SUDO=$$( [ $$(id -u) -eq 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	else echo "all dependencies present"; fi

# pkg-config NAME DESCRIPTION CFLAGS LIBS [LIBS.PRIVATE]: a .pc file for an
# installed library (Libs.private: what --static links add, for a library
# installed both ways)
pc = printf 'prefix=%s\nincludedir=$${prefix}/include\nlibdir=$${prefix}/lib\n\nName: %s\nDescription: %s\nVersion: $(VERSION)\nCflags: %s\nLibs: %s\nLibs.private: %s\n' \
	'$(PREFIX)' '$(1)' '$(2)' '$(3)' '$(4)' '$(5)' > $(DESTDIR)$(PREFIX)/lib/pkgconfig/$(1).pc

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/autocue \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 0755 $(INSTALL_BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 usdt/autocue_usdt.h user/autocue_trace.h bpf/autocue_lost.h $(DESTDIR)$(PREFIX)/include/
	install -m 0644 $(TRACKER_HEADERS) $(DESTDIR)$(PREFIX)/include/autocue/
	install -m 0644 $(BUILD)/libautocue_trace.a $(BUILD)/libautocue.a $(DESTDIR)$(PREFIX)/lib/
	install -m 0755 $(BUILD)/$(TRACKER_SOFILE) $(DESTDIR)$(PREFIX)/lib/
	ln -sf $(TRACKER_SOFILE) $(DESTDIR)$(PREFIX)/lib/$(TRACKER_SONAME)
	ln -sf $(TRACKER_SOFILE) $(DESTDIR)$(PREFIX)/lib/libautocue.so
	$(call pc,autocue-trace,C API of autocue-trace: kernel latency histograms of USDT probe pairs,-I$${includedir},-L$${libdir} -lautocue_trace $(TRACE_LIBS))
	$(call pc,autocue,The Autocue script tracker,-I$${includedir}/autocue,-L$${libdir} -lautocue,$(TRACKER_LIBS) -lm)

clean:
	$(call msg,CLEAN,$(BUILD))
	$(Q)rm -rf $(BUILD) profiling_results

$(BUILD):
	$(Q)mkdir -p $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
