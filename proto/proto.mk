# proto/: the Prometheus exposition's protobuf messages, for --listen's
# native histograms. metrics.proto is Prometheus client_model's file as it
# is (v0.3.0, Apache-2.0: https://github.com/prometheus/client_model,
# io/prometheus/client/metrics.proto); it imports the well-known
# google/protobuf/timestamp.proto, which libprotobuf-dev installs. Both
# become C with protobuf-c's compiler, into the build directory.
PROTO_DIR  := $(BUILD)/proto
PROTO_SRCS := $(PROTO_DIR)/metrics.pb-c.c $(PROTO_DIR)/google/protobuf/timestamp.pb-c.c
PROTO_OBJS := $(PROTO_SRCS:%.c=%.o)
PROTO_INCLUDE ?= /usr/include
# metrics.pb-c.h includes timestamp.pb-c.h: whoever includes the one needs
# both generated first (a parallel or fresh build otherwise races them)
PROTO_HDRS := $(PROTO_DIR)/metrics.pb-c.h $(PROTO_DIR)/google/protobuf/timestamp.pb-c.h

$(PROTO_DIR)/metrics.pb-c.c $(PROTO_DIR)/metrics.pb-c.h &: proto/metrics.proto | $(BUILD)
	$(call msg,PROTOC,$@)
	$(Q)mkdir -p $(PROTO_DIR)
	$(Q)protoc-c -Iproto -I$(PROTO_INCLUDE) --c_out=$(PROTO_DIR) metrics.proto

$(PROTO_DIR)/google/protobuf/timestamp.pb-c.c $(PROTO_DIR)/google/protobuf/timestamp.pb-c.h &: | $(BUILD)
	$(call msg,PROTOC,$@)
	$(Q)mkdir -p $(PROTO_DIR)
	$(Q)protoc-c -I$(PROTO_INCLUDE) --c_out=$(PROTO_DIR) google/protobuf/timestamp.proto

# generated code: the compiler's own style, not ours to warn about
$(PROTO_DIR)/%.o: $(PROTO_DIR)/%.c $(PROTO_HDRS)
	$(call msg,CC,$@)
	$(Q)$(CC) -I$(PROTO_DIR) $(filter-out -W%,$(CFLAGS)) -w -c $< -o $@

$(BUILD)/user/outputs/metrics_pb.o: $(PROTO_HDRS)
$(BUILD)/user/outputs/metrics_pb.o: CPPFLAGS += -I$(PROTO_DIR)
$(BUILD)/libautocue_trace.a: $(PROTO_OBJS)
TRACE_LIBS += -lprotobuf-c
# the unit test decodes what the writer encodes
$(BUILD)/tests/unit/test_metrics: CPPFLAGS += -I$(PROTO_DIR)
$(BUILD)/tests/unit/test_metrics: $(PROTO_HDRS)
