#include "backends/aws/protocols.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "aws/cognitosync/v1/cognitosync.pb.h"
#include "aws/dynamodb/v1/dynamodb.pb.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.pb.h"
#include "aws/personalize/v1/personalize.pb.h"
#include "awsfacade/http/v1/http.pb.h"
#include "backends/aws/json_codec.h"
#include "backends/common/aws_error.h"
#include "google/protobuf/descriptor.h"

namespace awsfacade::backends::aws {
namespace {

namespace pb = ::google::protobuf;
using L = HttpLocation;

// ---------------------------------------------------------------------------
// The operation tables (docs/aws-semantics.md §1-§5).

// awsJson 1.0 and 1.1: every unary method of the service's proto is an
// operation, `POST /` with its name in X-Amz-Target, so the table is read
// from the descriptor (the facade-only server streams are not operations).
// Names point into the descriptor, which lives as long as the program. The
// table is an array that is never freed and that the returned span points
// at (a vector would leave its own header unreachable: LeakSanitizer reports
// that as a leak).
absl::Span<const OperationSpec> AwsJsonOperations(const pb::ServiceDescriptor& service) {
  std::vector<OperationSpec> unary;
  for (int i = 0; i < service.method_count(); ++i) {
    const pb::MethodDescriptor& method = *service.method(i);
    if (method.client_streaming() || method.server_streaming()) continue;
    unary.push_back({method.name(), "POST", "/", {}, {}});
  }
  auto* operations = new OperationSpec[unary.size()];
  std::copy(unary.begin(), unary.end(), operations);
  return absl::Span<const OperationSpec>(operations, unary.size());
}

// `spec` with the operations of `proto_service`, the service of the proto
// file that declares `request` (a message of the service, which also links
// the file in).
const ServiceSpec* AwsJsonService(ServiceSpec spec, const pb::Descriptor& request,
                                  const char* proto_service) {
  spec.operations = AwsJsonOperations(*request.file()->FindServiceByName(proto_service));
  return new ServiceSpec(spec);
}

// restJson1 (Cognito Sync, docs/aws-semantics.md §2.2): every unary method
// that carries (awsfacade.http.v1.http) is an operation, bound as the option
// says (proto/awsfacade/http/v1/http.proto); the labels are the {Member}s of
// its URI template, in order. Like the awsJson tables, the table is built
// once and never freed: the options are copied into storage a static
// pointer keeps, and the table's views point into it.
OperationSpec RestJsonOperation(const pb::MethodDescriptor& method,
                                const ::awsfacade::http::v1::HttpRule& rule) {
  std::vector<HttpBinding> request;
  absl::string_view uri = rule.uri();
  for (size_t open = uri.find('{'); open != absl::string_view::npos; open = uri.find('{', open)) {
    const size_t close = uri.find('}', open);
    if (close == absl::string_view::npos) break;
    absl::string_view label = uri.substr(open + 1, close - open - 1);
    absl::ConsumeSuffix(&label, "+");
    request.push_back({label, L::kLabel, label});
    open = close;
  }
  for (const auto& query : rule.query())
    request.push_back({query.member(), L::kQuery, query.name()});
  for (const auto& header : rule.header()) {
    request.push_back({header.member(), L::kHeader, header.name()});
  }
  if (!rule.query_map().empty()) request.push_back({rule.query_map(), L::kQueryMap, {}});
  std::vector<HttpBinding> response;
  for (const auto& header : rule.response_header()) {
    response.push_back({header.member(), L::kHeader, header.name()});
  }
  auto keep = [](const std::vector<HttpBinding>& bindings) {
    auto* kept = new HttpBinding[bindings.size()];
    std::copy(bindings.begin(), bindings.end(), kept);
    return absl::Span<const HttpBinding>(kept, bindings.size());
  };
  return {method.name(), rule.method(), rule.uri(), keep(request), keep(response)};
}

const ServiceSpec* RestJsonService(ServiceSpec spec, const pb::Descriptor& request,
                                   const char* proto_service) {
  const pb::ServiceDescriptor& service = *request.file()->FindServiceByName(proto_service);
  static auto* const rules = new std::vector<std::unique_ptr<::awsfacade::http::v1::HttpRule>>;
  std::vector<OperationSpec> operations;
  for (int i = 0; i < service.method_count(); ++i) {
    const pb::MethodDescriptor& method = *service.method(i);
    if (method.client_streaming() || method.server_streaming()) continue;
    if (!method.options().HasExtension(::awsfacade::http::v1::http)) continue;
    rules->push_back(std::make_unique<::awsfacade::http::v1::HttpRule>(
        method.options().GetExtension(::awsfacade::http::v1::http)));
    operations.push_back(RestJsonOperation(method, *rules->back()));
  }
  auto* table = new OperationSpec[operations.size()];
  std::copy(operations.begin(), operations.end(), table);
  spec.operations = absl::Span<const OperationSpec>(table, operations.size());
  return new ServiceSpec(spec);
}

// ---------------------------------------------------------------------------
// Helpers.

constexpr absl::string_view kTimestampMessage = "google.protobuf.Timestamp";
constexpr char kRfc3339Format[] = "%Y-%m-%d%ET%H:%M:%E*SZ";
constexpr char kImfFixdateFormat[] = "%a, %d %b %Y %H:%M:%S GMT";

const pb::FieldDescriptor* FieldByMember(const pb::Descriptor* descriptor,
                                         absl::string_view member) {
  for (int i = 0; i < descriptor->field_count(); ++i) {
    if (descriptor->field(i)->json_name() == member) return descriptor->field(i);
  }
  return nullptr;
}

bool IsTimestamp(const pb::FieldDescriptor* field) {
  return field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE &&
         field->message_type()->full_name() == kTimestampMessage;
}

absl::Time TimestampToTime(const pb::Message& timestamp) {
  const pb::Descriptor* d = timestamp.GetDescriptor();
  const pb::Reflection* r = timestamp.GetReflection();
  return absl::FromUnixSeconds(r->GetInt64(timestamp, d->FindFieldByNumber(1))) +
         absl::Nanoseconds(r->GetInt32(timestamp, d->FindFieldByNumber(2)));
}

// The text of one value outside the body (protocols.h). `index` < 0 reads the
// singular field, else element `index`.
absl::StatusOr<std::string> ValueText(const pb::Message& message, const pb::FieldDescriptor* field,
                                      int index, HttpLocation location) {
  const pb::Reflection* r = message.GetReflection();
  const bool rep = index >= 0;
  using C = pb::FieldDescriptor;
  switch (field->cpp_type()) {
    case C::CPPTYPE_STRING: {
      std::string s =
          rep ? r->GetRepeatedString(message, field, index) : r->GetString(message, field);
      if (field->type() == C::TYPE_BYTES) return absl::Base64Escape(s);
      return s;
    }
    case C::CPPTYPE_INT32:
      return absl::StrCat(rep ? r->GetRepeatedInt32(message, field, index)
                              : r->GetInt32(message, field));
    case C::CPPTYPE_INT64:
      return absl::StrCat(rep ? r->GetRepeatedInt64(message, field, index)
                              : r->GetInt64(message, field));
    case C::CPPTYPE_UINT32:
      return absl::StrCat(rep ? r->GetRepeatedUInt32(message, field, index)
                              : r->GetUInt32(message, field));
    case C::CPPTYPE_UINT64:
      return absl::StrCat(rep ? r->GetRepeatedUInt64(message, field, index)
                              : r->GetUInt64(message, field));
    case C::CPPTYPE_BOOL:
      return std::string(
          (rep ? r->GetRepeatedBool(message, field, index) : r->GetBool(message, field)) ? "true"
                                                                                         : "false");
    case C::CPPTYPE_DOUBLE:
      return FormatDouble(rep ? r->GetRepeatedDouble(message, field, index)
                              : r->GetDouble(message, field));
    case C::CPPTYPE_FLOAT:
      return FormatFloat(rep ? r->GetRepeatedFloat(message, field, index)
                             : r->GetFloat(message, field));
    case C::CPPTYPE_ENUM: {
      const pb::EnumValueDescriptor* v =
          rep ? r->GetRepeatedEnum(message, field, index) : r->GetEnum(message, field);
      return v->name();
    }
    case C::CPPTYPE_MESSAGE: {
      if (!IsTimestamp(field)) break;
      const absl::Time time = TimestampToTime(rep ? r->GetRepeatedMessage(message, field, index)
                                                  : r->GetMessage(message, field));
      return absl::FormatTime(
          location == HttpLocation::kHeader ? kImfFixdateFormat : kRfc3339Format, time,
          absl::UTCTimeZone());
    }
  }
  return absl::InternalError(
      absl::StrCat("member ", field->json_name(), " cannot be bound outside the body"));
}

// A header list item: quoted when it holds ',' or '"' (Smithy's rule);
// timestamps are never quoted.
std::string HeaderListItem(const pb::FieldDescriptor* field, std::string text) {
  if (field->cpp_type() != pb::FieldDescriptor::CPPTYPE_STRING ||
      field->type() == pb::FieldDescriptor::TYPE_BYTES ||
      (!absl::StrContains(text, ',') && !absl::StrContains(text, '"'))) {
    return text;
  }
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

struct BoundField {
  const HttpBinding* binding;
  const pb::FieldDescriptor* field;
};

absl::StatusOr<std::vector<BoundField>> ResolveBindings(absl::Span<const HttpBinding> bindings,
                                                        const pb::Descriptor* descriptor,
                                                        absl::string_view operation) {
  std::vector<BoundField> bound;
  for (const HttpBinding& binding : bindings) {
    const pb::FieldDescriptor* field = FieldByMember(descriptor, binding.member);
    if (field == nullptr) {
      return absl::InternalError(absl::StrCat("operation ", operation, " binds member ",
                                              binding.member, ", which ", descriptor->full_name(),
                                              " lacks"));
    }
    bound.push_back(BoundField{&binding, field});
  }
  return bound;
}

absl::Status BuildRestJson(const OperationSpec& operation, const pb::Message& request,
                           HttpRequest& http) {
  const pb::Descriptor* descriptor = request.GetDescriptor();
  const pb::Reflection* reflection = request.GetReflection();
  absl::StatusOr<std::vector<BoundField>> bound =
      ResolveBindings(operation.request_bindings, descriptor, operation.name);
  if (!bound.ok()) return bound.status();

  // Path: expand the labels of the template.
  absl::string_view uri = operation.uri;
  absl::string_view literal_query;
  if (size_t q = uri.find('?'); q != absl::string_view::npos) {
    literal_query = uri.substr(q + 1);
    uri = uri.substr(0, q);
  }
  std::string path;
  while (!uri.empty()) {
    const size_t open = uri.find('{');
    if (open == absl::string_view::npos) {
      absl::StrAppend(&path, uri);
      break;
    }
    const size_t close = uri.find('}', open);
    if (close == absl::string_view::npos) {
      return absl::InternalError(absl::StrCat("bad URI template ", operation.uri));
    }
    absl::StrAppend(&path, uri.substr(0, open));
    absl::string_view label = uri.substr(open + 1, close - open - 1);
    const bool greedy = absl::ConsumeSuffix(&label, "+");
    const BoundField* target = nullptr;
    for (const BoundField& b : *bound) {
      if (b.binding->location == L::kLabel && b.binding->name == label) target = &b;
    }
    if (target == nullptr) {
      return absl::InternalError(
          absl::StrCat("operation ", operation.name, " binds no member to label ", label));
    }
    if (target->field->is_repeated() || !reflection->HasField(request, target->field)) {
      return absl::InvalidArgumentError(
          absl::StrCat("member ", target->binding->member, " is required: it is part of the URI"));
    }
    absl::StatusOr<std::string> text = ValueText(request, target->field, -1, L::kLabel);
    if (!text.ok()) return text.status();
    if (text->empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("member ", target->binding->member, " must not be empty"));
    }
    absl::StrAppend(&path, UriEncode(*text, /*keep_slash=*/greedy));
    uri = uri.substr(close + 1);
  }
  http.path = path.empty() ? "/" : path;

  // Query: the template's literal part, then the members that are set.
  if (!literal_query.empty()) {
    for (absl::string_view part : absl::StrSplit(literal_query, '&', absl::SkipEmpty())) {
      std::pair<absl::string_view, absl::string_view> kv =
          absl::StrSplit(part, absl::MaxSplits('=', 1));
      http.query.emplace_back(UriDecode(kv.first), UriDecode(kv.second));
    }
  }
  for (const BoundField& b : *bound) {
    if (b.binding->location != L::kQuery) continue;
    if (b.field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(request, b.field); ++i) {
        absl::StatusOr<std::string> text = ValueText(request, b.field, i, L::kQuery);
        if (!text.ok()) return text.status();
        http.query.emplace_back(std::string(b.binding->name), *std::move(text));
      }
    } else if (reflection->HasField(request, b.field)) {
      absl::StatusOr<std::string> text = ValueText(request, b.field, -1, L::kQuery);
      if (!text.ok()) return text.status();
      http.query.emplace_back(std::string(b.binding->name), *std::move(text));
    }
  }
  for (const BoundField& b : *bound) {
    if (b.binding->location != L::kQueryMap) continue;
    if (!b.field->is_map() ||
        b.field->message_type()->map_key()->type() != pb::FieldDescriptor::TYPE_STRING) {
      return absl::InternalError(
          absl::StrCat("member ", b.binding->member, " is not a map<string, scalar>"));
    }
    const pb::FieldDescriptor* key_field = b.field->message_type()->map_key();
    const pb::FieldDescriptor* value_field = b.field->message_type()->map_value();
    std::vector<std::pair<std::string, std::string>> entries;
    for (int i = 0; i < reflection->FieldSize(request, b.field); ++i) {
      const pb::Message& entry = reflection->GetRepeatedMessage(request, b.field, i);
      absl::StatusOr<std::string> text = ValueText(entry, value_field, -1, L::kQuery);
      if (!text.ok()) return text.status();
      entries.emplace_back(entry.GetReflection()->GetString(entry, key_field), *std::move(text));
    }
    std::sort(entries.begin(), entries.end());
    for (auto& entry : entries) {
      // Not a structured binding: C++17 lambdas cannot capture those (clang
      // rejects it; the fuzz build uses clang).
      const std::string& key = entry.first;
      const bool named = std::any_of(http.query.begin(), http.query.end(),
                                     [&](const auto& q) { return q.first == key; });
      if (!named) http.query.emplace_back(std::move(entry.first), std::move(entry.second));
    }
  }

  // Headers.
  for (const BoundField& b : *bound) {
    if (b.binding->location != L::kHeader) continue;
    if (b.field->is_repeated()) {
      const int size = reflection->FieldSize(request, b.field);
      if (size == 0) continue;
      std::vector<std::string> items;
      for (int i = 0; i < size; ++i) {
        absl::StatusOr<std::string> text = ValueText(request, b.field, i, L::kHeader);
        if (!text.ok()) return text.status();
        items.push_back(HeaderListItem(b.field, *std::move(text)));
      }
      http.headers.emplace_back(std::string(b.binding->name), absl::StrJoin(items, ", "));
    } else if (reflection->HasField(request, b.field)) {
      absl::StatusOr<std::string> text = ValueText(request, b.field, -1, L::kHeader);
      if (!text.ok()) return text.status();
      http.headers.emplace_back(std::string(b.binding->name), *std::move(text));
    }
  }

  // Body: the members bound nowhere else, if the input has any.
  if (static_cast<int>(bound->size()) < descriptor->field_count()) {
    std::vector<const pb::FieldDescriptor*> omit;
    for (const BoundField& b : *bound) omit.push_back(b.field);
    absl::StatusOr<std::string> body = MessageToAwsJson(request, AwsJsonWriteOptions{omit});
    if (!body.ok()) return body.status();
    http.body = *std::move(body);
    http.headers.emplace_back("Content-Type", "application/json");
  }
  return absl::OkStatus();
}

// Reads restJson1 header-bound output members (scalars only: no operation of
// ours binds a list to a response header).
absl::Status ReadResponseHeaders(const OperationSpec& operation, const HttpHeaders& headers,
                                 pb::Message* response) {
  if (operation.response_bindings.empty()) return absl::OkStatus();
  const pb::Descriptor* descriptor = response->GetDescriptor();
  const pb::Reflection* r = response->GetReflection();
  absl::StatusOr<std::vector<BoundField>> bound =
      ResolveBindings(operation.response_bindings, descriptor, operation.name);
  if (!bound.ok()) return bound.status();
  for (const BoundField& b : *bound) {
    if (b.binding->location != L::kHeader) continue;
    bool present = false;
    for (const auto& [name, unused] : headers)
      present |= absl::EqualsIgnoreCase(name, b.binding->name);
    if (!present) continue;
    const std::string text(absl::StripAsciiWhitespace(FindHeaderValue(headers, b.binding->name)));
    const pb::FieldDescriptor* f = b.field;
    auto bad = [&]() {
      return absl::InternalError(absl::StrCat("response header ", b.binding->name, " value \"",
                                              absl::CEscape(text), "\" is not a valid ",
                                              f->type_name()));
    };
    if (f->is_repeated()) {
      return absl::UnimplementedError(
          absl::StrCat("response header ", b.binding->name, " is bound to a list"));
    }
    using C = pb::FieldDescriptor;
    switch (f->cpp_type()) {
      case C::CPPTYPE_STRING:
        if (f->type() == C::TYPE_BYTES) {
          std::string bytes;
          if (!absl::Base64Unescape(text, &bytes)) return bad();
          r->SetString(response, f, bytes);
        } else {
          r->SetString(response, f, text);
        }
        break;
      case C::CPPTYPE_INT32: {
        int32_t v;
        if (!absl::SimpleAtoi(text, &v)) return bad();
        r->SetInt32(response, f, v);
        break;
      }
      case C::CPPTYPE_INT64: {
        int64_t v;
        if (!absl::SimpleAtoi(text, &v)) return bad();
        r->SetInt64(response, f, v);
        break;
      }
      case C::CPPTYPE_UINT32: {
        uint32_t v;
        if (!absl::SimpleAtoi(text, &v)) return bad();
        r->SetUInt32(response, f, v);
        break;
      }
      case C::CPPTYPE_UINT64: {
        uint64_t v;
        if (!absl::SimpleAtoi(text, &v)) return bad();
        r->SetUInt64(response, f, v);
        break;
      }
      case C::CPPTYPE_BOOL:
        if (text != "true" && text != "false") return bad();
        r->SetBool(response, f, text == "true");
        break;
      case C::CPPTYPE_DOUBLE:
      case C::CPPTYPE_FLOAT: {
        double v;
        if (text == "NaN") {
          v = std::nan("");
        } else if (text == "Infinity") {
          v = HUGE_VAL;
        } else if (text == "-Infinity") {
          v = -HUGE_VAL;
        } else if (!absl::SimpleAtod(text, &v)) {
          return bad();
        }
        if (f->cpp_type() == C::CPPTYPE_DOUBLE) {
          r->SetDouble(response, f, v);
        } else {
          r->SetFloat(response, f, static_cast<float>(v));
        }
        break;
      }
      case C::CPPTYPE_ENUM: {
        const pb::EnumValueDescriptor* v = f->enum_type()->FindValueByName(text);
        if (v == nullptr) return bad();
        r->SetEnum(response, f, v);
        break;
      }
      case C::CPPTYPE_MESSAGE: {
        if (!IsTimestamp(f)) return bad();
        absl::Time time;
        std::string error;
        if (!absl::ParseTime(kImfFixdateFormat, text, absl::UTCTimeZone(), &time, &error)) {
          return bad();
        }
        pb::Message* ts = r->MutableMessage(response, f);
        const pb::Descriptor* d = ts->GetDescriptor();
        const int64_t seconds = absl::ToUnixSeconds(time);
        ts->GetReflection()->SetInt64(ts, d->FindFieldByNumber(1), seconds);
        ts->GetReflection()->SetInt32(
            ts, d->FindFieldByNumber(2),
            static_cast<int32_t>(absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds))));
        break;
      }
    }
  }
  return absl::OkStatus();
}

// The AWS error name used when a response carries no code (protocols.h).
std::string StatusFallbackCode(int status_code) {
  switch (status_code) {
    case 500:
      return "InternalFailure";
    case 502:
    case 503:
    case 504:
      return "ServiceUnavailable";
    case 429:
      return "ThrottlingException";
    default:
      return absl::StrCat(status_code);
  }
}

}  // namespace

const ServiceSpec& DynamoDbStreamsService() {
  static const ServiceSpec* const spec = AwsJsonService(
      {"DynamoDB Streams",
       Protocol::kAwsJson1_0,
       "DynamoDBStreams_20120810",
       "dynamodb",
       "streams.dynamodb",
       {}},
      *::aws::dynamodbstreams::v1::GetRecordsRequest::descriptor(), "DynamoDbStreamsService");
  return *spec;
}
const ServiceSpec& DynamoDbService() {
  static const ServiceSpec* const spec = AwsJsonService(
      {"DynamoDB", Protocol::kAwsJson1_0, "DynamoDB_20120810", "dynamodb", "dynamodb", {}},
      *::aws::dynamodb::v1::GetItemRequest::descriptor(), "DynamoDbService");
  return *spec;
}
const ServiceSpec& PersonalizeService() {
  static const ServiceSpec* const spec = AwsJsonService(
      {"Personalize", Protocol::kAwsJson1_1, "AmazonPersonalize", "personalize", "personalize", {}},
      *::aws::personalize::v1::ListDatasetsRequest::descriptor(), "PersonalizeService");
  return *spec;
}
const ServiceSpec& CognitoSyncService() {
  static const ServiceSpec* const spec = RestJsonService(
      {"Cognito Sync", Protocol::kRestJson1, "", "cognito-sync", "cognito-sync", {}},
      *::aws::cognitosync::v1::ListRecordsRequest::descriptor(), "CognitoSyncService");
  return *spec;
}

const OperationSpec* FindOperation(const ServiceSpec& service, absl::string_view name) {
  for (const OperationSpec& operation : service.operations) {
    if (operation.name == name) return &operation;
  }
  return nullptr;
}

absl::string_view FindHeaderValue(const HttpHeaders& headers, absl::string_view name) {
  for (const auto& [header, value] : headers) {
    if (absl::EqualsIgnoreCase(header, name)) return value;
  }
  return {};
}

std::string SanitizeErrorCode(absl::string_view raw_code) {
  absl::string_view code = absl::StripAsciiWhitespace(raw_code);
  if (size_t colon = code.find(':'); colon != absl::string_view::npos) {
    code = code.substr(0, colon);
  }
  if (size_t hash = code.find('#'); hash != absl::string_view::npos) {
    code = code.substr(hash + 1);
  }
  return std::string(code);
}

absl::StatusOr<HttpRequest> BuildRequest(const ServiceSpec& service, const OperationSpec& operation,
                                         const pb::Message& request) {
  HttpRequest http;
  http.method = std::string(operation.method);
  if (service.protocol == Protocol::kRestJson1) {
    absl::Status status = BuildRestJson(operation, request, http);
    if (!status.ok()) return status;
    return http;
  }
  http.path = "/";
  http.headers.emplace_back("Content-Type", service.protocol == Protocol::kAwsJson1_0
                                                ? "application/x-amz-json-1.0"
                                                : "application/x-amz-json-1.1");
  http.headers.emplace_back("X-Amz-Target",
                            absl::StrCat(service.target_prefix, ".", operation.name));
  absl::StatusOr<std::string> body = MessageToAwsJson(request);
  if (!body.ok()) return body.status();
  http.body = *std::move(body);
  return http;
}

AwsErrorDetails ParseErrorDetails(int status_code, const HttpHeaders& headers,
                                  absl::string_view body) {
  AwsErrorDetails details;
  std::string body_code;
  std::string body_type;
  std::string message;
  std::string capital_message;
  bool has_message = false;
  bool has_capital_message = false;
  // An HTML page or any other non-JSON body simply has no members.
  absl::StatusOr<std::vector<JsonStringMember>> members = TopLevelStringMembers(body);
  if (members.ok()) {
    for (JsonStringMember& m : *members) {
      if (m.name == "code") body_code = std::move(m.value);
      if (m.name == "__type") body_type = std::move(m.value);
      if (m.name == "message") {
        message = std::move(m.value);
        has_message = true;
      }
      if (m.name == "Message") {
        capital_message = std::move(m.value);
        has_capital_message = true;
      }
    }
  }
  absl::string_view raw = FindHeaderValue(headers, "x-amzn-ErrorType");
  if (raw.empty()) raw = body_code;
  if (raw.empty()) raw = body_type;
  details.code = SanitizeErrorCode(raw);
  if (has_message) {
    details.message = std::move(message);
  } else if (has_capital_message) {
    details.message = std::move(capital_message);
  }
  if (details.code.empty()) {
    details.code = StatusFallbackCode(status_code);
    if (details.message.empty()) {
      details.message = absl::StrCat("HTTP ", status_code, " without an AWS error code");
    }
  }
  return details;
}

absl::Status ParseResponse(const ServiceSpec& service, const OperationSpec& operation,
                           int status_code, const HttpHeaders& headers, absl::string_view body,
                           pb::Message* response, std::string* request_id) {
  const absl::string_view id = FindHeaderValue(headers, "x-amzn-RequestId");
  if (request_id != nullptr) *request_id = std::string(id);
  if (status_code < 200 || status_code > 299) {
    AwsErrorDetails details = ParseErrorDetails(status_code, headers, body);
    absl::Status status = AwsError(details.code, details.message);
    if (!id.empty()) SetAwsRequestId(status, id);
    // An error shape the protos mirror (aws.dynamodb.v1.TransactionCanceledException
    // and its CancellationReasons): its members travel on with the status.
    const pb::Descriptor* shape_type = pb::DescriptorPool::generated_pool()->FindMessageTypeByName(
        absl::StrCat(response->GetDescriptor()->file()->package(), ".", details.code));
    if (shape_type != nullptr && !details.code.empty()) {
      std::unique_ptr<pb::Message> shape(
          pb::MessageFactory::generated_factory()->GetPrototype(shape_type)->New());
      if (AwsJsonToMessage(body, shape.get()).ok()) {
        SetErrorShape(status, {shape_type->full_name(), shape->SerializeAsString()});
      }
    }
    return status;
  }
  absl::Status status;
  if (absl::StripAsciiWhitespace(body).empty()) {
    response->Clear();
  } else {
    status = AwsJsonToMessage(body, response);
  }
  if (status.ok()) status = ReadResponseHeaders(operation, headers, response);
  if (!status.ok()) {
    absl::Status internal = absl::InternalError(absl::StrCat(
        "unreadable ", service.name, " ", operation.name, " response: ", status.message()));
    if (!id.empty()) SetAwsRequestId(internal, id);
    return internal;
  }
  return absl::OkStatus();
}

}  // namespace awsfacade::backends::aws
