#include "service/aws_wire/wire_protocol.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "aws/cognitosync/v1/cognitosync.pb.h"
#include "backends/common/aws_error.h"
#include "google/protobuf/descriptor.h"
#include "nlohmann/json.hpp"

namespace awsfacade::service::aws_wire {
namespace {

namespace pb = ::google::protobuf;
using backends::AwsError;
using backends::aws::FindHeaderValue;
using backends::aws::HttpBinding;
using backends::aws::HttpLocation;
using backends::aws::OperationSpec;
using backends::aws::Protocol;
using backends::aws::ServiceSpec;

// DynamoDB's and DynamoDB Streams' error type namespace ("__type").
constexpr absl::string_view kDynamoDbErrorNamespace = "com.amazonaws.dynamodb.v20120810#";

struct StatusRow {
  absl::string_view name;
  int status;
};

// Errors whose HTTP status is not 400 whatever the protocol.
constexpr StatusRow kAnyProtocolStatus[] = {
    {"InternalServerError", 500},
    {"InternalFailure", 500},
    {"InternalErrorException", 500},
    {"ServiceUnavailable", 503},
    {"RequestEntityTooLargeException", 413},
};

// Cognito Sync (restJson1): the model's httpStatusCode of each error, plus
// the answers of AWS's front door to unsigned, badly signed or unroutable
// requests, which restJson services give as 403 / 404.
constexpr StatusRow kRestJsonStatus[] = {
    {"NotAuthorizedException", 403},      {"ResourceNotFoundException", 404},
    {"ResourceConflictException", 409},   {"LambdaThrottledException", 429},
    {"TooManyRequestsException", 429},    {"InvalidSignatureException", 403},
    {"UnrecognizedClientException", 403}, {"MissingAuthenticationTokenException", 403},
    {"AccessDeniedException", 403},       {"UnknownOperationException", 404},
};

const ServiceSpec* const kJsonServices[] = {
    &backends::aws::DynamoDbService(),
    &backends::aws::DynamoDbStreamsService(),
    &backends::aws::PersonalizeService(),
};

bool IsDynamoDb(const ServiceSpec* service) {
  return service == &backends::aws::DynamoDbService() ||
         service == &backends::aws::DynamoDbStreamsService();
}

// The input message's descriptor of a Cognito Sync operation. Asking a
// message of the file for its descriptor registers the file.
const pb::Descriptor* CognitoInputType(const OperationSpec& operation) {
  const pb::ServiceDescriptor* service =
      ::aws::cognitosync::v1::ListRecordsRequest::descriptor()->file()->service(0);
  const pb::MethodDescriptor* method = service->FindMethodByName(std::string(operation.name));
  return method == nullptr ? nullptr : method->input_type();
}

// Template "/a/{B}/c" against path "/a/x%3Ay/c": the decoded label values,
// or nullopt when the path does not fit.
std::optional<std::vector<std::pair<std::string, std::string>>> MatchTemplate(
    absl::string_view uri_template, absl::string_view path) {
  if (const size_t q = uri_template.find('?'); q != absl::string_view::npos) {
    uri_template = uri_template.substr(0, q);
  }
  std::vector<absl::string_view> want = absl::StrSplit(uri_template, '/');
  std::vector<absl::string_view> got = absl::StrSplit(path, '/');
  if (!got.empty() && got.back().empty() && got.size() > 1) got.pop_back();  // trailing '/'
  if (want.size() != got.size()) return std::nullopt;
  std::vector<std::pair<std::string, std::string>> labels;
  for (size_t i = 0; i < want.size(); ++i) {
    absl::string_view w = want[i];
    if (absl::StartsWith(w, "{") && absl::EndsWith(w, "}")) {
      if (got[i].empty()) return std::nullopt;
      w.remove_prefix(1);
      w.remove_suffix(1);
      labels.emplace_back(std::string(w), backends::aws::UriDecode(got[i]));
    } else if (w != got[i]) {
      return std::nullopt;
    }
  }
  return labels;
}

// The JSON value of member text from outside the body, typed by `field`.
absl::StatusOr<nlohmann::json> TypedValue(const pb::FieldDescriptor* field,
                                          absl::string_view member, const std::string& text) {
  auto bad = [&]() {
    return AwsError("InvalidParameterException",
                    absl::StrCat("1 validation error detected: Value '", text, "' at '", member,
                                 "' is not a valid ", field->type_name()),
                    member);
  };
  using C = pb::FieldDescriptor;
  switch (field->cpp_type()) {
    case C::CPPTYPE_INT32:
    case C::CPPTYPE_INT64: {
      int64_t v;
      if (!absl::SimpleAtoi(text, &v)) return bad();
      return nlohmann::json(v);
    }
    case C::CPPTYPE_UINT32:
    case C::CPPTYPE_UINT64: {
      uint64_t v;
      if (!absl::SimpleAtoi(text, &v)) return bad();
      return nlohmann::json(v);
    }
    case C::CPPTYPE_DOUBLE:
    case C::CPPTYPE_FLOAT: {
      double v;
      if (!absl::SimpleAtod(text, &v)) return bad();
      return nlohmann::json(v);
    }
    case C::CPPTYPE_BOOL:
      if (text != "true" && text != "false") return bad();
      return nlohmann::json(text == "true");
    default:  // strings, enums, base64 blobs and RFC 3339 timestamps are JSON strings
      return nlohmann::json(text);
  }
}

// The input of a Cognito Sync operation: the JSON body with the labels,
// query parameters and headers folded in under their member names.
absl::StatusOr<std::string> RestJsonInput(
    const OperationSpec& operation, const WireRequest& request,
    const std::vector<std::pair<std::string, std::string>>& labels) {
  nlohmann::json input = nlohmann::json::object();
  if (!absl::StripAsciiWhitespace(request.body).empty()) {
    input = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (!input.is_object()) {
      return AwsError("SerializationException", "the request body is not a JSON object");
    }
  }
  std::vector<std::pair<std::string, std::string>> query;
  for (absl::string_view part : absl::StrSplit(request.query, '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(part, absl::MaxSplits('=', 1));
    query.emplace_back(backends::aws::UriDecode(kv.first), backends::aws::UriDecode(kv.second));
  }
  const pb::Descriptor* type = CognitoInputType(operation);
  for (const HttpBinding& binding : operation.request_bindings) {
    const pb::FieldDescriptor* field = nullptr;
    for (int i = 0; type != nullptr && i < type->field_count(); ++i) {
      if (type->field(i)->json_name() == binding.member) field = type->field(i);
    }
    if (field == nullptr) continue;  // the table and the proto agree (protocols_test)
    std::vector<std::string> texts;
    switch (binding.location) {
      case HttpLocation::kLabel:
        for (const auto& [label, value] : labels) {
          if (label == binding.name) texts.push_back(value);
        }
        break;
      case HttpLocation::kQuery:
        for (const auto& [key, value] : query) {
          if (key == binding.name) texts.push_back(value);
        }
        break;
      case HttpLocation::kHeader:
        for (const auto& [name, value] : request.headers) {
          if (absl::EqualsIgnoreCase(name, binding.name)) texts.push_back(value);
        }
        break;
      case HttpLocation::kQueryMap:
        break;  // no Cognito Sync operation has one
    }
    if (texts.empty()) continue;
    if (field->is_repeated()) {
      nlohmann::json list = nlohmann::json::array();
      for (const std::string& text : texts) {
        absl::StatusOr<nlohmann::json> value = TypedValue(field, binding.member, text);
        if (!value.ok()) return value.status();
        list.push_back(*std::move(value));
      }
      input[std::string(binding.member)] = std::move(list);
    } else {
      absl::StatusOr<nlohmann::json> value = TypedValue(field, binding.member, texts.front());
      if (!value.ok()) return value.status();
      input[std::string(binding.member)] = *std::move(value);
    }
  }
  return input.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

absl::StatusOr<RoutedCall> Route(const WireRequest& request, const ServiceSpec** service_hint) {
  *service_hint = nullptr;
  const absl::string_view target = FindHeaderValue(request.headers, "X-Amz-Target");
  if (!target.empty()) {
    const size_t dot = target.rfind('.');
    const absl::string_view prefix = target.substr(0, dot == absl::string_view::npos ? 0 : dot);
    for (const ServiceSpec* service : kJsonServices) {
      if (service->target_prefix != prefix) continue;
      *service_hint = service;
      const OperationSpec* operation =
          backends::aws::FindOperation(*service, target.substr(dot + 1));
      if (operation == nullptr || request.method != "POST") break;
      RoutedCall call{service, operation, request.body};
      if (absl::StripAsciiWhitespace(call.input_json).empty()) call.input_json = "{}";
      return call;
    }
    return AwsError("UnknownOperationException",
                    absl::StrCat("the X-Amz-Target ", target, " names no operation served here"));
  }
  const ServiceSpec& cognito = backends::aws::CognitoSyncService();
  for (const OperationSpec& operation : cognito.operations) {
    if (operation.method != request.method) continue;
    auto labels = MatchTemplate(operation.uri, request.path);
    if (!labels) continue;
    *service_hint = &cognito;
    absl::StatusOr<std::string> input = RestJsonInput(operation, request, *labels);
    if (!input.ok()) return input.status();
    return RoutedCall{&cognito, &operation, *std::move(input)};
  }
  return AwsError("UnknownOperationException",
                  absl::StrCat("no operation is served at ", request.method, " ", request.path,
                               request.path == "/" ? " without an X-Amz-Target header" : ""));
}

int HttpStatusFor(Protocol protocol, absl::string_view name) {
  for (const StatusRow& row : kAnyProtocolStatus) {
    if (row.name == name) return row.status;
  }
  if (protocol == Protocol::kRestJson1) {
    for (const StatusRow& row : kRestJsonStatus) {
      if (row.name == name) return row.status;
    }
  }
  return 400;
}

WireResponse ErrorResponse(const ServiceSpec* service, absl::string_view name,
                           absl::string_view message, absl::string_view request_id,
                           absl::string_view shape_json) {
  WireResponse response;
  const Protocol protocol = service == nullptr ? Protocol::kAwsJson1_0 : service->protocol;
  response.status = HttpStatusFor(protocol, name);
  nlohmann::json body = nlohmann::json::object();
  if (protocol == Protocol::kRestJson1) {
    response.headers.emplace_back("Content-Type", "application/json");
    response.headers.emplace_back("x-amzn-ErrorType", std::string(name));
  } else {
    response.headers.emplace_back("Content-Type", protocol == Protocol::kAwsJson1_0
                                                      ? "application/x-amz-json-1.0"
                                                      : "application/x-amz-json-1.1");
    if (service == nullptr) response.headers.emplace_back("x-amzn-ErrorType", std::string(name));
    body["__type"] = absl::StrCat(IsDynamoDb(service) ? kDynamoDbErrorNamespace : "", name);
  }
  if (!shape_json.empty()) {
    nlohmann::json shape = nlohmann::json::parse(shape_json, nullptr, /*allow_exceptions=*/false);
    if (shape.is_object()) {
      for (auto& [member, value] : shape.items()) {
        if (member != "message" && member != "Message") body[member] = std::move(value);
      }
    }
  }
  body["message"] = std::string(message);
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  response.headers.emplace_back("x-amzn-RequestId", std::string(request_id));
  if (IsDynamoDb(service)) response.headers.emplace_back("x-amz-crc32", Crc32Text(response.body));
  return response;
}

WireResponse SuccessResponse(const ServiceSpec& service, std::string json,
                             absl::string_view request_id) {
  WireResponse response;
  response.headers.emplace_back(
      "Content-Type", service.protocol == Protocol::kAwsJson1_0   ? "application/x-amz-json-1.0"
                      : service.protocol == Protocol::kAwsJson1_1 ? "application/x-amz-json-1.1"
                                                                  : "application/json");
  response.headers.emplace_back("x-amzn-RequestId", std::string(request_id));
  if (IsDynamoDb(&service)) response.headers.emplace_back("x-amz-crc32", Crc32Text(json));
  response.body = std::move(json);
  return response;
}

std::string NewRequestId(const ServiceSpec* service) {
  thread_local absl::BitGen bits;
  if (IsDynamoDb(service)) {
    constexpr absl::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    // Twelve base-36 digits per draw, uniform over [0, 36^12): 5 draws, not
    // one per character.
    constexpr int kDigitsPerDraw = 12;
    constexpr uint64_t kDrawRange = 4738381338321616896ULL;  // 36^12
    std::string id(52, 'A');
    for (size_t at = 0; at < id.size(); at += kDigitsPerDraw) {
      uint64_t draw = absl::Uniform<uint64_t>(bits, 0, kDrawRange);
      for (size_t i = at; i < std::min(id.size(), at + kDigitsPerDraw); ++i) {
        id[i] = kAlphabet[draw % kAlphabet.size()];
        draw /= kAlphabet.size();
      }
    }
    return id;
  }
  const uint64_t hi = absl::Uniform<uint64_t>(bits);
  const uint64_t lo = absl::Uniform<uint64_t>(bits);
  return absl::StrFormat("%08x-%04x-4%03x-%04x-%012x", hi >> 32, (hi >> 16) & 0xffff, hi & 0xfff,
                         0x8000 | ((lo >> 48) & 0x3fff), lo & 0xffffffffffff);
}

std::string Crc32Text(absl::string_view body) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes lengths as uInt: feed large bodies in pieces.
  while (!body.empty()) {
    const size_t n = std::min<size_t>(body.size(), 1u << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(n));
    body.remove_prefix(n);
  }
  return absl::StrCat(static_cast<uint32_t>(crc));
}

}  // namespace awsfacade::service::aws_wire
