# bpf/: the CO-RE program and its skeleton.
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -mcpu=v3 \
	-I/usr/include/$(MULTIARCH) -Ivmlinux/$(ARCH) -Ibpf -Wall -Wno-unused-function

$(BUILD)/autocue.bpf.o: bpf/autocue.bpf.c bpf/autocue.h bpf/autocue_python.bpf.h bpf/autocue_python.h bpf/autocue_lost.h bpf/scope_stack.h bpf/follow.bpf.h $(VMLINUX_H) | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/autocue.skel.h: $(BUILD)/autocue.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name autocue_bpf > $@.tmp && mv $@.tmp $@

# record.bpf.c: the sampler of autocue-trace record
$(BUILD)/record.bpf.o: bpf/record.bpf.c bpf/record.h bpf/scope_stack.h bpf/autocue.h $(VMLINUX_H) | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/record.skel.h: $(BUILD)/record.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name record_bpf > $@.tmp && mv $@.tmp $@
