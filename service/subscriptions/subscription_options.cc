#include "service/subscriptions/subscription_options.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "backends/common/aws_error.h"

namespace awsfacade::service::subscriptions {
namespace {

absl::Duration ToDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

absl::Status InvalidOption(absl::string_view field, absl::string_view message) {
  return backends::AwsError("ValidationException", message, field);
}

}  // namespace

bool BatchingOptions::Wants(const std::string& event_name) const {
  return event_names.empty() ||
         std::find(event_names.begin(), event_names.end(), event_name) != event_names.end();
}

absl::StatusOr<BatchingOptions> ParseBatchingOptions(
    const ::aws::dynamodbstreams::v1::SubscriptionOptions& in) {
  BatchingOptions o;
  if (in.has_max_records_per_batch()) {
    if (in.max_records_per_batch() < 1 || in.max_records_per_batch() > kMaxGetRecordsLimit) {
      return InvalidOption("Options.MaxRecordsPerBatch", "MaxRecordsPerBatch must be 1..1000");
    }
    o.max_records = in.max_records_per_batch();
  }
  if (in.has_max_bytes_per_batch()) {
    if (in.max_bytes_per_batch() < 1024 || in.max_bytes_per_batch() > (4 << 20)) {
      return InvalidOption("Options.MaxBytesPerBatch", "MaxBytesPerBatch must be 1 KiB..4 MiB");
    }
    o.max_bytes = in.max_bytes_per_batch();
  }
  if (in.has_max_batching_delay()) {
    o.batching_delay = ToDuration(in.max_batching_delay());
    if (o.batching_delay < absl::ZeroDuration() || o.batching_delay > absl::Seconds(10)) {
      return InvalidOption("Options.MaxBatchingDelay", "MaxBatchingDelay must be 0..10s");
    }
  }
  if (in.has_heartbeat_interval()) {
    o.heartbeat = ToDuration(in.heartbeat_interval());
    if (o.heartbeat < absl::Milliseconds(100) || o.heartbeat > absl::Minutes(5)) {
      return InvalidOption("Options.HeartbeatInterval", "HeartbeatInterval must be 100ms..5min");
    }
  }
  if (in.has_lifetime()) {
    o.lifetime = ToDuration(in.lifetime());
    if (o.lifetime < absl::ZeroDuration()) return InvalidOption("Options.Lifetime", "Lifetime < 0");
  }
  for (const auto& name : in.event_names()) {
    if (name != "INSERT" && name != "MODIFY" && name != "REMOVE") {
      return InvalidOption(
          "Options.EventNames",
          absl::StrCat("EventNames holds '", name, "': expected INSERT, MODIFY or REMOVE"));
    }
    o.event_names.push_back(name);
  }
  return o;
}

}  // namespace awsfacade::service::subscriptions
