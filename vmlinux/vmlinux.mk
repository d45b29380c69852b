# vmlinux/: vmlinux.h per architecture, generated from kernel BTF and
# committed so a build needs no BTF; `make vmlinux` regenerates it.
VMLINUX_H := vmlinux/$(ARCH)/vmlinux.h

vmlinux:
	$(call msg,GEN,$(VMLINUX_H))
	$(Q)mkdir -p vmlinux/$(ARCH)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $(VMLINUX_H).tmp
	$(Q)mv $(VMLINUX_H).tmp $(VMLINUX_H)
