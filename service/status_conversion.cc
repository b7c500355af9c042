#include "service/status_conversion.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "backends/common/aws_error.h"
#include "google/protobuf/any.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace awsfacade::service {
namespace {
constexpr absl::Duration kDefaultThrottleRetryDelay = absl::Milliseconds(100);
}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status, absl::string_view domain) {
  if (status.ok()) return grpc::Status::OK;
  auto code = static_cast<grpc::StatusCode>(status.code());
  std::string message(status.message());
  auto name = backends::AwsErrorName(status);
  if (!name) return grpc::Status(code, message);

  google::rpc::Status rpc_status;
  rpc_status.set_code(static_cast<int>(code));
  // The AWS name leads the message so plain-text clients see it too.
  std::string text = absl::StrCat(*name, ": ", message);
  rpc_status.set_message(text);

  google::rpc::ErrorInfo info;
  info.set_reason(*name);
  info.set_domain(std::string(domain));
  auto field = backends::AwsErrorField(status);
  if (field) (*info.mutable_metadata())["field"] = *field;
  if (auto request_id = backends::AwsRequestId(status)) {
    (*info.mutable_metadata())["awsRequestId"] = *request_id;
  }
  for (auto& [key, value] : backends::ErrorMetadata(status))
    (*info.mutable_metadata())[key] = value;
  rpc_status.add_details()->PackFrom(info);

  if (field) {
    google::rpc::BadRequest bad_request;
    auto* violation = bad_request.add_field_violations();
    violation->set_field(*field);
    violation->set_description(message);
    rpc_status.add_details()->PackFrom(bad_request);
  }

  // The error shape's own members (e.g. DynamoDB's CancellationReasons), as
  // the proto message named after the shape.
  if (auto shape = backends::GetErrorShape(status)) {
    google::protobuf::Any* any = rpc_status.add_details();
    any->set_type_url(absl::StrCat("type.googleapis.com/", shape->type_name));
    any->set_value(std::move(shape->value));
  }

  const auto* spec = backends::FindAwsErrorSpec(*name);
  auto delay = backends::RetryDelay(status);
  if (delay || (spec && spec->throttling)) {
    absl::Duration d = delay.value_or(kDefaultThrottleRetryDelay);
    google::rpc::RetryInfo retry;
    retry.mutable_retry_delay()->set_seconds(absl::ToInt64Seconds(d));
    retry.mutable_retry_delay()->set_nanos(
        static_cast<int>(absl::ToInt64Nanoseconds(d % absl::Seconds(1))));
    rpc_status.add_details()->PackFrom(retry);
  }
  return grpc::Status(code, text, rpc_status.SerializeAsString());
}

}  // namespace awsfacade::service
