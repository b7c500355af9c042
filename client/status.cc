#include "client/status.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace awsfacade::client {

absl::Status FromGrpcStatus(const grpc::Status& status,
                            const std::multimap<grpc::string_ref, grpc::string_ref>& trailers) {
  if (status.ok()) return absl::OkStatus();
  // gRPC and absl share the numeric codes.
  absl::Status result(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  if (!status.error_details().empty()) {
    result.SetPayload(kStatusDetailsPayloadUrl, absl::Cord(status.error_details()));
  }
  auto it = trailers.find(
      grpc::string_ref(kContinuationTokenTrailer.data(), kContinuationTokenTrailer.size()));
  if (it != trailers.end() && it->second.size() > 0) {
    result.SetPayload(kContinuationTokenPayloadUrl,
                      absl::Cord(absl::string_view(it->second.data(), it->second.size())));
  }
  return result;
}

std::optional<google::rpc::Status> StatusDetails(const absl::Status& status) {
  auto payload = status.GetPayload(kStatusDetailsPayloadUrl);
  if (!payload) return std::nullopt;
  google::rpc::Status details;
  if (!details.ParseFromString(std::string(*payload))) return std::nullopt;
  return details;
}

namespace {
template <typename Detail>
std::optional<Detail> FindDetail(const absl::Status& status) {
  auto details = StatusDetails(status);
  if (!details) return std::nullopt;
  for (const auto& any : details->details()) {
    Detail detail;
    if (any.UnpackTo(&detail)) return detail;
  }
  return std::nullopt;
}
}  // namespace

std::optional<google::rpc::ErrorInfo> ErrorInfo(const absl::Status& status) {
  return FindDetail<google::rpc::ErrorInfo>(status);
}

std::optional<std::string> AwsErrorName(const absl::Status& status) {
  auto info = ErrorInfo(status);
  if (!info || info->reason().empty()) return std::nullopt;
  return info->reason();
}

std::string AwsErrorMessage(const absl::Status& status) {
  absl::string_view message = status.message();
  if (auto name = AwsErrorName(status)) {
    std::string prefix = absl::StrCat(*name, ": ");
    if (absl::StartsWith(message, prefix)) message.remove_prefix(prefix.size());
  }
  return std::string(message);
}

std::optional<absl::Duration> RetryDelay(const absl::Status& status) {
  auto info = FindDetail<google::rpc::RetryInfo>(status);
  if (!info || !info->has_retry_delay()) return std::nullopt;
  return absl::Seconds(info->retry_delay().seconds()) +
         absl::Nanoseconds(info->retry_delay().nanos());
}

std::optional<std::string> ContinuationToken(const absl::Status& status) {
  auto payload = status.GetPayload(kContinuationTokenPayloadUrl);
  if (!payload) return std::nullopt;
  return std::string(*payload);
}

}  // namespace awsfacade::client
