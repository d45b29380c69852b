# bpf/: the CO-RE program and its skeleton.
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -mcpu=v3 \
	-I/usr/include/$(MULTIARCH) -Ivmlinux/$(ARCH) -Ibpf -Wall -Wno-unused-function

$(BUILD)/autocue.bpf.o: bpf/autocue.bpf.c bpf/autocue.h bpf/autocue_python.bpf.h bpf/autocue_python.h bpf/autocue_lost.h $(VMLINUX_H) | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/autocue.skel.h: $(BUILD)/autocue.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name autocue_bpf > $@.tmp && mv $@.tmp $@
