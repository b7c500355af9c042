#include "backends/simulator/batch_faults.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "aws/dynamodb/v1/dynamodb.pb.h"
#include "backends/common/aws_error.h"
#include "backends/simulator/fault_injector.h"

namespace awsfacade::backends::simulator {
namespace {

namespace v1 = ::aws::dynamodb::v1;
constexpr char kService[] = "dynamodb";

// One draw per item: true when the item is throttled; the error of a fault
// that is not throttling fails the whole call.
class ItemDraws {
 public:
  ItemDraws(FaultInjector& faults, absl::string_view operation)
      : faults_(faults), operation_(operation) {}

  absl::StatusOr<bool> Throttled() {
    absl::Status error = faults_.DrawError(kService, operation_);
    ++items_;
    if (error.ok()) return false;
    const std::optional<std::string> name = AwsErrorName(error);
    const AwsErrorSpec* spec = name ? FindAwsErrorSpec(*name) : nullptr;
    if (spec == nullptr || !spec->throttling) return error;
    if (first_throttle_.ok()) first_throttle_ = error;
    ++throttled_;
    return true;
  }

  // The split once every item is drawn: all throttled fails the call; none
  // throttled leaves it as it is (no request in the split).
  absl::StatusOr<BatchSplit> Split(std::unique_ptr<google::protobuf::Message> kept,
                                   std::unique_ptr<google::protobuf::Message> unprocessed) const {
    if (throttled_ > 0 && throttled_ == items_) return first_throttle_;
    BatchSplit split;
    if (throttled_ > 0) {
      split.request = std::move(kept);
      split.unprocessed = std::move(unprocessed);
    }
    return split;
  }

 private:
  FaultInjector& faults_;
  absl::string_view operation_;
  int items_ = 0;
  int throttled_ = 0;
  absl::Status first_throttle_;
};

template <typename Map>
absl::btree_map<std::string, const typename Map::mapped_type*> Sorted(const Map& map) {
  absl::btree_map<std::string, const typename Map::mapped_type*> out;
  for (const auto& [name, value] : map) out.emplace(name, &value);
  return out;
}

absl::StatusOr<BatchSplit> SplitWrite(const v1::BatchWriteItemRequest& request,
                                      FaultInjector& faults) {
  auto kept = std::make_unique<v1::BatchWriteItemRequest>(request);
  kept->clear_request_items();
  auto unprocessed = std::make_unique<v1::BatchWriteItemResponse>();
  ItemDraws draws(faults, "BatchWriteItem");
  for (const auto& [table, writes] : Sorted(request.request_items())) {
    for (const v1::WriteRequest& write : writes->values()) {
      absl::StatusOr<bool> throttled = draws.Throttled();
      if (!throttled.ok()) return throttled.status();
      auto& target = *throttled ? (*unprocessed->mutable_unprocessed_items())[table]
                                : (*kept->mutable_request_items())[table];
      *target.add_values() = write;
    }
  }
  return draws.Split(std::move(kept), std::move(unprocessed));
}

absl::StatusOr<BatchSplit> SplitGet(const v1::BatchGetItemRequest& request, FaultInjector& faults) {
  auto kept = std::make_unique<v1::BatchGetItemRequest>(request);
  kept->clear_request_items();
  auto unprocessed = std::make_unique<v1::BatchGetItemResponse>();
  ItemDraws draws(faults, "BatchGetItem");
  for (const auto& [table, read] : Sorted(request.request_items())) {
    for (const v1::MapValue& key : read->keys()) {
      absl::StatusOr<bool> throttled = draws.Throttled();
      if (!throttled.ok()) return throttled.status();
      auto& map =
          *throttled ? *unprocessed->mutable_unprocessed_keys() : *kept->mutable_request_items();
      auto [it, inserted] = map.try_emplace(table, *read);
      if (inserted) it->second.clear_keys();
      *it->second.add_keys() = key;
    }
  }
  return draws.Split(std::move(kept), std::move(unprocessed));
}

}  // namespace

bool IsPartialBatch(const google::protobuf::MethodDescriptor& method) {
  return method.input_type() == v1::BatchWriteItemRequest::descriptor() ||
         method.input_type() == v1::BatchGetItemRequest::descriptor();
}

absl::StatusOr<BatchSplit> SplitBatch(const google::protobuf::MethodDescriptor& method,
                                      const google::protobuf::Message& request,
                                      FaultInjector& faults) {
  if (method.input_type() == v1::BatchWriteItemRequest::descriptor()) {
    return SplitWrite(static_cast<const v1::BatchWriteItemRequest&>(request), faults);
  }
  return SplitGet(static_cast<const v1::BatchGetItemRequest&>(request), faults);
}

void MergeUnprocessed(const BatchSplit& split, google::protobuf::Message* response) {
  if (split.unprocessed == nullptr) return;
  if (auto* write = dynamic_cast<v1::BatchWriteItemResponse*>(response)) {
    const auto& throttled = static_cast<const v1::BatchWriteItemResponse&>(*split.unprocessed);
    for (const auto& [table, writes] : throttled.unprocessed_items()) {
      auto* target = (*write->mutable_unprocessed_items())[table].mutable_values();
      target->MergeFrom(writes.values());
    }
    return;
  }
  if (auto* get = dynamic_cast<v1::BatchGetItemResponse*>(response)) {
    const auto& throttled = static_cast<const v1::BatchGetItemResponse&>(*split.unprocessed);
    for (const auto& [table, read] : throttled.unprocessed_keys()) {
      auto [it, inserted] = get->mutable_unprocessed_keys()->try_emplace(table, read);
      if (!inserted) it->second.mutable_keys()->MergeFrom(read.keys());
    }
  }
}

}  // namespace awsfacade::backends::simulator
