#include "service/aws_wire/aws_wire_handler.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "aws/cognitosync/v1/cognitosync.pb.h"
#include "aws/dynamodb/v1/dynamodb.pb.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.pb.h"
#include "aws/personalize/v1/personalize.pb.h"
#include "backends/aws/json_codec.h"
#include "backends/common/aws_error.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "service/aws_wire/signature_check.h"
#include "service/caller_identity.h"

namespace awsfacade::service::aws_wire {
namespace {

namespace pb = ::google::protobuf;
using backends::aws::Protocol;
using backends::aws::ServiceSpec;

// The gRPC service mirroring `service`. Asking a message of each file for
// its descriptor registers the file with the generated pool.
const pb::ServiceDescriptor* GrpcServiceFor(const ServiceSpec& service) {
  if (&service == &backends::aws::DynamoDbService()) {
    return ::aws::dynamodb::v1::GetItemRequest::descriptor()->file()->service(0);
  }
  if (&service == &backends::aws::DynamoDbStreamsService()) {
    return ::aws::dynamodbstreams::v1::GetRecordsRequest::descriptor()->file()->service(0);
  }
  if (&service == &backends::aws::PersonalizeService()) {
    return ::aws::personalize::v1::ListDatasetsRequest::descriptor()->file()->service(0);
  }
  return ::aws::cognitosync::v1::ListRecordsRequest::descriptor()->file()->service(0);
}

// Error names by gRPC code, for statuses without ErrorInfo, per service.
struct CodeNames {
  absl::string_view invalid;    // INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE
  absl::string_view exists;     // ALREADY_EXISTS, ABORTED
  absl::string_view denied;     // PERMISSION_DENIED
  absl::string_view throttled;  // RESOURCE_EXHAUSTED
  absl::string_view internal;   // INTERNAL, UNKNOWN, DEADLINE_EXCEEDED, CANCELLED, DATA_LOSS
};

CodeNames NamesFor(const ServiceSpec& service) {
  if (service.protocol == Protocol::kRestJson1) {
    return {"InvalidParameterException", "ResourceConflictException", "NotAuthorizedException",
            "TooManyRequestsException", "InternalErrorException"};
  }
  if (service.protocol == Protocol::kAwsJson1_1) {
    return {"InvalidInputException", "ResourceAlreadyExistsException", "AccessDeniedException",
            "LimitExceededException", "InternalFailure"};
  }
  return {"ValidationException", "ResourceInUseException", "AccessDeniedException",
          "ThrottlingException", "InternalServerError"};
}

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  out.reserve(buffer.Length());
  for (const grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

// The map members AWS writes even when empty; the SDKs index them without
// checking (boto3's batch_writer reads response['UnprocessedItems']). Other
// maps are absent when empty (GetItem's Item: absent means no item).
constexpr absl::string_view kAlwaysWrittenMaps[] = {
    "aws.dynamodb.v1.BatchWriteItemResponse.unprocessed_items",
    "aws.dynamodb.v1.BatchGetItemResponse.responses",
    "aws.dynamodb.v1.BatchGetItemResponse.unprocessed_keys",
};

// Whether `input` asks for a count only (Query and Scan with Select COUNT),
// whose answer AWS writes without Items.
bool CountOnly(const pb::Message& input) {
  const pb::FieldDescriptor* select = input.GetDescriptor()->FindFieldByName("select");
  return select != nullptr && select->type() == pb::FieldDescriptor::TYPE_STRING &&
         !select->is_repeated() && input.GetReflection()->GetString(input, select) == "COUNT";
}

// AWS writes a list member of an answer even when it is empty
// ({"Streams":[]}), and SDK users index it without checking; the codec
// cannot tell an empty proto3 list from an absent one, so the top-level
// lists (and kAlwaysWrittenMaps) are added here, but for the Items of a
// count-only answer.

void AddEmptyLists(const pb::Message& input, const pb::Message& output, std::string& json) {
  const pb::Descriptor* type = output.GetDescriptor();
  const pb::Reflection* reflection = output.GetReflection();
  const bool count_only = CountOnly(input);
  std::string members;
  for (int i = 0; i < type->field_count(); ++i) {
    const pb::FieldDescriptor* field = type->field(i);
    if (!field->is_repeated() || reflection->FieldSize(output, field) > 0) continue;
    if (count_only && field->name() == "items") continue;
    if (field->is_map()) {
      if (std::find(std::begin(kAlwaysWrittenMaps), std::end(kAlwaysWrittenMaps),
                    field->full_name()) != std::end(kAlwaysWrittenMaps)) {
        absl::StrAppend(&members, "\"", field->json_name(), "\":{},");
      }
      continue;
    }
    absl::StrAppend(&members, "\"", field->json_name(), "\":[],");
  }
  if (members.empty() || json.empty() || json.front() != '{') return;
  if (json == "{}") members.pop_back();  // no member follows: no comma
  json.insert(1, members);
}

}  // namespace

AwsErrorText AwsErrorFromGrpc(const grpc::Status& status, const ServiceSpec& service) {
  AwsErrorText error;
  error.message = status.error_message();
  google::rpc::Status details;
  if (!status.error_details().empty() && details.ParseFromString(status.error_details())) {
    for (const auto& any : details.details()) {
      google::rpc::ErrorInfo info;
      if (any.Is<google::rpc::ErrorInfo>() && any.UnpackTo(&info) && !info.reason().empty()) {
        error.name = info.reason();
        break;
      }
    }
  }
  for (const auto& any : details.details()) {
    // An error shape's members (status_conversion.cc packs them as the
    // proto message named after the shape): written into the error body.
    absl::string_view type = any.type_url();
    type.remove_prefix(std::min(type.size(), type.rfind('/') + 1));
    if (!absl::StartsWith(type, "aws.")) continue;
    const pb::Descriptor* descriptor =
        pb::DescriptorPool::generated_pool()->FindMessageTypeByName(std::string(type));
    if (descriptor == nullptr) continue;
    std::unique_ptr<pb::Message> shape(
        pb::MessageFactory::generated_factory()->GetPrototype(descriptor)->New());
    if (!shape->ParseFromString(any.value())) continue;
    absl::StatusOr<std::string> json = backends::aws::MessageToAwsJson(*shape);
    if (json.ok()) error.shape_json = *std::move(json);
  }
  if (!error.name.empty()) {
    const std::string lead = absl::StrCat(error.name, ": ");
    if (absl::StartsWith(error.message, lead)) error.message.erase(0, lead.size());
    return error;
  }
  const CodeNames names = NamesFor(service);
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      error.name = std::string(names.invalid);
      break;
    case grpc::StatusCode::NOT_FOUND:
      error.name = "ResourceNotFoundException";
      break;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      error.name = std::string(names.exists);
      break;
    case grpc::StatusCode::PERMISSION_DENIED:
      error.name = std::string(names.denied);
      break;
    case grpc::StatusCode::UNAUTHENTICATED:
      error.name = "UnrecognizedClientException";
      break;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      error.name = std::string(names.throttled);
      break;
    case grpc::StatusCode::UNAVAILABLE:
      error.name = "ServiceUnavailable";
      break;
    case grpc::StatusCode::UNIMPLEMENTED:
      error.name = "UnknownOperationException";
      break;
    default:
      error.name = std::string(names.internal);
      break;
  }
  return error;
}

AwsWireHandler::AwsWireHandler(AwsWireHandlerOptions options,
                               std::shared_ptr<grpc::Channel> channel)
    : options_(std::move(options)), stub_(std::move(channel)) {}

WireResponse AwsWireHandler::Handle(const WireRequest& request) {
  const ServiceSpec* service = nullptr;
  absl::StatusOr<RoutedCall> routed = Route(request, &service);
  const std::string request_id = NewRequestId(service);
  auto fail = [&](const absl::Status& status) {
    return ErrorResponse(service, backends::AwsErrorName(status).value_or("InternalFailure"),
                         status.message(), request_id);
  };
  if (!routed.ok()) return fail(routed.status());
  // Whom the call is for (service/caller_identity.h): the access key, when
  // its signature was verified; else the HTTP peer, as for a gRPC caller.
  std::string caller = request.peer;
  if (options_.verify_signatures) {
    absl::StatusOr<std::string> access_key_id =
        VerifySignature(request, options_.keys, options_.region, routed->service->signing_name,
                        options_.clock->Now());
    if (!access_key_id.ok()) return fail(access_key_id.status());
    caller = absl::StrCat("aws:", *access_key_id);
  }
  const pb::MethodDescriptor* method =
      GrpcServiceFor(*routed->service)->FindMethodByName(std::string(routed->operation->name));
  if (method == nullptr) {  // the protocol tables and the protos disagree
    return ErrorResponse(service, "InternalFailure",
                         absl::StrCat("no gRPC method for ", routed->operation->name), request_id);
  }
  pb::MessageFactory* factory = pb::MessageFactory::generated_factory();
  std::unique_ptr<pb::Message> input(factory->GetPrototype(method->input_type())->New());
  if (absl::Status read = backends::aws::AwsJsonToMessage(routed->input_json, input.get());
      !read.ok()) {
    return ErrorResponse(service, "SerializationException", read.message(), request_id);
  }

  grpc::Slice slice(input->SerializeAsString());
  grpc::ByteBuffer call_request(&slice, 1);
  grpc::ByteBuffer call_response;
  grpc::ClientContext context;
  SetOnBehalfOf(context, caller);
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoNanoseconds(options_.call_timeout));
  grpc::Status call_status;
  absl::Notification done;
  stub_.UnaryCall(&context, absl::StrCat("/", method->service()->full_name(), "/", method->name()),
                  grpc::StubOptions(), &call_request, &call_response, [&](grpc::Status status) {
                    call_status = std::move(status);
                    done.Notify();
                  });
  done.WaitForNotification();
  if (!call_status.ok()) {
    AwsErrorText error = AwsErrorFromGrpc(call_status, *service);
    return ErrorResponse(service, error.name, error.message, request_id, error.shape_json);
  }
  std::unique_ptr<pb::Message> output(factory->GetPrototype(method->output_type())->New());
  if (!output->ParseFromString(Flatten(call_response))) {
    return ErrorResponse(service, NamesFor(*service).internal, "unreadable gRPC response",
                         request_id);
  }
  absl::StatusOr<std::string> json = backends::aws::MessageToAwsJson(*output);
  if (!json.ok()) {
    return ErrorResponse(service, NamesFor(*service).internal, json.status().message(), request_id);
  }
  AddEmptyLists(*input, *output, *json);
  return SuccessResponse(*service, *std::move(json), request_id);
}

}  // namespace awsfacade::service::aws_wire
