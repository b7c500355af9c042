#include "service/authorizer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "aws/dynamodb/v1/dynamodb.pb.h"
#include "backends/common/aws_error.h"
#include "backends/common/aws_error_names.h"
#include "backends/common/crypto.h"
#include "nlohmann/json.hpp"
#include "service/caller_identity.h"

namespace awsfacade::service {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// A string field of `request` by name, "" when absent or not a string.
std::string Field(const Message& request, absl::string_view name) {
  const FieldDescriptor* field = request.GetDescriptor()->FindFieldByName(std::string(name));
  if (field == nullptr || field->type() != FieldDescriptor::TYPE_STRING || field->is_repeated()) {
    return "";
  }
  return request.GetReflection()->GetString(request, field);
}

absl::StatusOr<std::vector<std::string>> Strings(const nlohmann::json& rule, const char* key,
                                                 bool required) {
  std::vector<std::string> out;
  if (!rule.contains(key)) {
    if (required) return absl::InvalidArgumentError(absl::StrCat("a rule has no \"", key, "\""));
    return out;
  }
  if (!rule[key].is_array())
    return absl::InvalidArgumentError(absl::StrCat("\"", key, "\" is not a list"));
  for (const auto& v : rule[key]) {
    if (!v.is_string())
      return absl::InvalidArgumentError(absl::StrCat("\"", key, "\" holds a non-string"));
    out.push_back(v.get<std::string>());
  }
  if (required && out.empty())
    return absl::InvalidArgumentError(absl::StrCat("\"", key, "\" is empty"));
  return out;
}

bool AnyMatch(const std::vector<std::string>& patterns, absl::string_view text) {
  for (const auto& p : patterns) {
    if (GlobMatch(p, text)) return true;
  }
  return false;
}

bool HasField(const Message& request, absl::string_view name) {
  return request.GetDescriptor()->FindFieldByName(std::string(name)) != nullptr;
}

constexpr char kPartition[] = "aws";
constexpr char kIteratorPurpose[] = "awsfacade.authz.shard_iterator";
// The validation error of each service (what its backend answers for input
// its model refuses).
using backends::aws_errors::kAccessDenied;
using backends::aws_errors::kInvalidInput;      // Personalize
using backends::aws_errors::kInvalidParameter;  // Cognito Sync
using backends::aws_errors::kUnrecognizedClient;
using backends::aws_errors::kValidation;  // DynamoDB, Streams

bool AllOf(absl::string_view value, bool (*allowed)(char)) {
  return std::all_of(value.begin(), value.end(), allowed);
}
bool IsTableNameChar(char c) { return absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '-'; }
bool IsWordOrDash(char c) { return absl::ascii_isalnum(c) || c == '_' || c == '-'; }
bool IsLowerHexOrDash(char c) {
  return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f') || c == '-';
}
bool IsDatasetNameChar(char c) { return IsWordOrDash(c) || c == '.' || c == ':'; }

// TableName: [a-zA-Z0-9_.-]{3,255}.
bool IsTableName(absl::string_view name) {
  return name.size() >= 3 && name.size() <= 255 && AllOf(name, IsTableNameChar);
}
// table/<TableName>
bool IsTableResource(absl::string_view resource) {
  return absl::ConsumePrefix(&resource, "table/") && IsTableName(resource);
}
// table/<TableName>/stream/<label>; labels are ISO-8601 times.
bool IsStreamResource(absl::string_view resource) {
  if (!absl::ConsumePrefix(&resource, "table/")) return false;
  const size_t slash = resource.find('/');
  if (slash == absl::string_view::npos || !IsTableName(resource.substr(0, slash))) return false;
  absl::string_view label = resource.substr(slash);
  return absl::ConsumePrefix(&label, "/stream/") && !label.empty() &&
         AllOf(label, IsDatasetNameChar);
}
// Personalize's model: the resource part is ".+"; what is in it is the
// backend's to judge (an ARN of the wrong kind names nothing it has).
bool IsNonEmpty(absl::string_view resource) { return !resource.empty(); }
// Cognito Sync ids: [\w-]+:[0-9a-f-]+, at most 55 characters.
bool IsCognitoId(absl::string_view id) {
  const size_t colon = id.find(':');
  return id.size() <= 55 && colon != absl::string_view::npos && colon > 0 &&
         colon + 1 < id.size() && AllOf(id.substr(0, colon), IsWordOrDash) &&
         AllOf(id.substr(colon + 1), IsLowerHexOrDash);
}

absl::Status Malformed(absl::string_view error, absl::string_view field, absl::string_view value,
                       absl::string_view form) {
  return backends::AwsError(
      error,
      absl::StrCat("1 validation error detected: Value '", value, "' at '", field,
                   "' failed to satisfy constraint: Member must be ", form),
      field);
}

}  // namespace

bool GlobMatch(absl::string_view pattern, absl::string_view text) {
  // Iterative wildcard match with backtracking to the last '*'.
  size_t p = 0, t = 0, star = absl::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != absl::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

absl::StatusOr<std::unique_ptr<Authorizer>> Authorizer::FromJson(
    absl::string_view json, std::string region, std::string account_id,
    std::shared_ptr<const backends::TokenSealer> sealer) {
  nlohmann::json doc = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::InvalidArgumentError("the authorization policy is not a JSON object");
  }
  std::unique_ptr<Authorizer> a(new Authorizer());
  a->region_ = std::move(region);
  a->account_id_ = std::move(account_id);
  a->sealer_ = sealer != nullptr ? std::move(sealer) : std::make_shared<backends::TokenSealer>();
  if (doc.contains("tokens")) {
    if (!doc["tokens"].is_object())
      return absl::InvalidArgumentError("\"tokens\" is not an object");
    for (const auto& [name, hash] : doc["tokens"].items()) {
      if (!hash.is_string() || !absl::StartsWith(hash.get<std::string>(), "sha256:") ||
          hash.get<std::string>().size() != 7 + 64) {
        return absl::InvalidArgumentError(
            absl::StrCat("token \"", name, "\" must be \"sha256:\" and 64 hex digits"));
      }
      a->token_names_[absl::AsciiStrToLower(hash.get<std::string>().substr(7))] = name;
    }
  }
  if (!doc.contains("rules") || !doc["rules"].is_array()) {
    return absl::InvalidArgumentError("the authorization policy has no \"rules\" list");
  }
  for (const auto& r : doc["rules"]) {
    if (!r.is_object()) return absl::InvalidArgumentError("a rule is not an object");
    Rule rule;
    for (auto [key, out, required] : {std::tuple{"callers", &rule.callers, true},
                                      std::tuple{"operations", &rule.operations, true},
                                      std::tuple{"resources", &rule.resources, false}}) {
      absl::StatusOr<std::vector<std::string>> values = Strings(r, key, required);
      if (!values.ok()) return values.status();
      *out = *std::move(values);
    }
    a->rules_.push_back(std::move(rule));
  }
  return a;
}

absl::StatusOr<std::string> Authorizer::Caller(const grpc::ServerContextBase& context) const {
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find("authorization"); it != metadata.end()) {
    absl::string_view value(it->second.data(), it->second.size());
    if (!absl::ConsumePrefix(&value, "Bearer ")) {
      return backends::AwsError(kUnrecognizedClient,
                                "the authorization header is not \"Bearer <token>\"");
    }
    const backends::Digest digest = backends::Sha256(value);
    auto name = token_names_.find(absl::BytesToHexString(backends::AsView(digest)));
    if (name == token_names_.end()) {
      return backends::AwsError(kUnrecognizedClient, "the bearer token is not known");
    }
    return absl::StrCat("token:", name->second);
  }
  std::string identity = CallerIdentity(context);
  if (absl::StartsWith(identity, "x509:") || absl::StartsWith(identity, "aws:")) return identity;
  return absl::StrCat("peer:", identity);
}

std::string Authorizer::Operation(const Message& request) {
  const auto* descriptor = request.GetDescriptor();
  absl::string_view name = descriptor->name();
  absl::ConsumeSuffix(&name, "Request");
  const auto* file = descriptor->file();
  const std::string service =
      file->service_count() > 0 ? file->service(0)->full_name() : file->package();
  return absl::StrCat(service, "/", name);
}

absl::StatusOr<std::string> Authorizer::CheckOwnArn(absl::string_view field, absl::string_view arn,
                                                    absl::string_view service,
                                                    absl::string_view error,
                                                    bool (*resource_ok)(absl::string_view),
                                                    absl::string_view form) const {
  const std::vector<absl::string_view> parts = absl::StrSplit(arn, absl::MaxSplits(':', 5));
  if (parts.size() != 6 || parts[0] != "arn" || parts[1] != kPartition || parts[2] != service ||
      parts[3].empty() || parts[4].empty() || !resource_ok(parts[5])) {
    return Malformed(error, field, arn,
                     absl::StrCat("arn:", kPartition, ":", service, ":<region>:<account>:", form));
  }
  if (parts[3] != region_) {
    return backends::AwsError(error,
                              absl::StrCat("1 validation error detected: Invalid AWS region in '",
                                           arn, "': this server serves ", region_),
                              field);
  }
  if (parts[4] != account_id_) {
    return backends::AwsError(kAccessDenied,
                              absl::StrCat(field, " ", arn, " belongs to account ", parts[4],
                                           "; this server serves account ", account_id_, " only"));
  }
  return std::string(arn);
}

absl::StatusOr<std::string> Authorizer::TableArn(absl::string_view field,
                                                 absl::string_view name_or_arn,
                                                 bool arn_allowed) const {
  if (arn_allowed && absl::StartsWith(name_or_arn, "arn:")) {
    return CheckOwnArn(field, name_or_arn, "dynamodb", kValidation, IsTableResource,
                       "table/<TableName>");
  }
  if (!IsTableName(name_or_arn)) {
    return Malformed(kValidation, field, name_or_arn,
                     arn_allowed ? "a table name ([a-zA-Z0-9_.-], 3..255 characters) or a table ARN"
                                 : "a table name ([a-zA-Z0-9_.-], 3..255 characters)");
  }
  return absl::StrCat("arn:", kPartition, ":dynamodb:", region_, ":", account_id_, ":table/",
                      name_or_arn);
}

absl::StatusOr<std::string> Authorizer::StreamArn(absl::string_view arn) const {
  return CheckOwnArn("StreamArn", arn, "dynamodb", kValidation, IsStreamResource,
                     "table/<TableName>/stream/<StreamLabel>");
}

absl::StatusOr<std::string> Authorizer::CognitoSyncArn(const Message& request) const {
  const std::string pool = Field(request, "identity_pool_id");
  const std::string identity = Field(request, "identity_id");
  const std::string dataset = Field(request, "dataset_name");
  constexpr char kIdForm[] = "an id matching [\\w-]+:[0-9a-f-]+ (1..55 characters)";
  if (!IsCognitoId(pool)) return Malformed(kInvalidParameter, "IdentityPoolId", pool, kIdForm);
  if (!IsCognitoId(identity)) return Malformed(kInvalidParameter, "IdentityId", identity, kIdForm);
  // Identity-level calls (ListDatasets) have no DatasetName.
  if (HasField(request, "dataset_name") &&
      (dataset.empty() || dataset.size() > 128 || !AllOf(dataset, IsDatasetNameChar))) {
    return Malformed(kInvalidParameter, "DatasetName", dataset,
                     "a name matching [a-zA-Z0-9_.:-]+ (1..128 characters)");
  }
  return absl::StrCat("arn:", kPartition, ":cognito-sync:", region_, ":", account_id_,
                      ":identitypool/", pool, "/identity/", identity, "/dataset/", dataset);
}

absl::StatusOr<std::string> Authorizer::PersonalizeArn(const Message& request) const {
  // Every ARN the request names is this server's; the first one present is
  // what the call acts on (CreateDataset: its group, not its schema).
  std::string resource;
  for (auto [field, member] :
       {std::pair{"dataset_group_arn", "datasetGroupArn"}, std::pair{"dataset_arn", "datasetArn"},
        std::pair{"schema_arn", "schemaArn"}}) {
    const std::string arn = Field(request, field);
    if (arn.empty()) continue;
    absl::StatusOr<std::string> own =
        CheckOwnArn(member, arn, "personalize", kInvalidInput, IsNonEmpty, "<resource>");
    if (!own.ok()) return own.status();
    if (resource.empty()) resource = *std::move(own);
  }
  if (!resource.empty()) return resource;
  const std::string name = Field(request, "name");
  const std::string& type = request.GetDescriptor()->name();
  const char* kind = type == "CreateDatasetGroupRequest" ? "dataset-group/"
                     : type == "CreateSchemaRequest"     ? "schema/"
                                                         : nullptr;
  if (kind == nullptr) return std::string();  // an unfiltered List*
  // Name: ^[a-zA-Z0-9][a-zA-Z0-9\-_]*, 1..63 characters.
  if (name.empty() || name.size() > 63 || !absl::ascii_isalnum(name[0]) ||
      !AllOf(name, IsWordOrDash)) {
    return Malformed(kInvalidInput, "name", name,
                     "a name matching ^[a-zA-Z0-9][a-zA-Z0-9\\-_]* (1..63 characters)");
  }
  return absl::StrCat("arn:", kPartition, ":personalize:", region_, ":", account_id_, ":", kind,
                      name);
}

absl::StatusOr<std::string> Authorizer::Resource(const Message& request) const {
  const std::string& package = request.GetDescriptor()->file()->package();
  if (package == "aws.cognitosync.v1") return CognitoSyncArn(request);
  if (package == "aws.personalize.v1") return PersonalizeArn(request);
  if (package == "aws.dynamodb.v1") {
    // A multi-account global table's source is another account's table:
    // refused like any other account's ARN.
    if (const std::string source = Field(request, "global_table_source_arn"); !source.empty()) {
      if (absl::Status s = TableArn("GlobalTableSourceArn", source, true).status(); !s.ok())
        return s;
    }
    // An account-level call (DescribeLimits) names no table.
    if (!HasField(request, "table_name")) return std::string();
    return TableArn("TableName", Field(request, "table_name"), /*arn_allowed=*/true);
  }
  if (package == "aws.dynamodbstreams.v1" || package == "awsfacade.simulator.v1") {
    if (request.GetDescriptor()->name() == "GetRecordsRequest") {
      absl::StatusOr<OpenedIterator> opened = OpenIterator(Field(request, "shard_iterator"));
      if (!opened.ok()) return opened.status();
      return std::move(opened->stream_arn);
    }
    if (HasField(request, "stream_arn")) return StreamArn(Field(request, "stream_arn"));
    // ListStreams: TableName is a plain name in the Streams model.
    if (const std::string table = Field(request, "table_name"); !table.empty()) {
      return TableArn("TableName", table, /*arn_allowed=*/false);
    }
  }
  return std::string();
}

absl::StatusOr<std::vector<std::string>> Authorizer::Resources(const Message& request) const {
  namespace db = ::aws::dynamodb::v1;
  // The tables a multi-table DynamoDB call names, with the member that names
  // each (for the error of a malformed one).
  std::vector<std::pair<const char*, std::string>> tables;
  bool multi_table = true;
  if (const auto* batch = dynamic_cast<const db::BatchGetItemRequest*>(&request)) {
    for (const auto& [table, keys] : batch->request_items())
      tables.emplace_back("RequestItems", table);
  } else if (const auto* write = dynamic_cast<const db::BatchWriteItemRequest*>(&request)) {
    for (const auto& [table, writes] : write->request_items())
      tables.emplace_back("RequestItems", table);
  } else if (const auto* get = dynamic_cast<const db::TransactGetItemsRequest*>(&request)) {
    for (const db::TransactGetItem& item : get->transact_items()) {
      tables.emplace_back("TransactItems.Get.TableName", item.get().table_name());
    }
  } else if (const auto* tx = dynamic_cast<const db::TransactWriteItemsRequest*>(&request)) {
    for (const db::TransactWriteItem& item : tx->transact_items()) {
      if (item.has_condition_check()) {
        tables.emplace_back("TransactItems.ConditionCheck.TableName",
                            item.condition_check().table_name());
      }
      if (item.has_put())
        tables.emplace_back("TransactItems.Put.TableName", item.put().table_name());
      if (item.has_delete_()) {
        tables.emplace_back("TransactItems.Delete.TableName", item.delete_().table_name());
      }
      if (item.has_update()) {
        tables.emplace_back("TransactItems.Update.TableName", item.update().table_name());
      }
    }
  } else {
    multi_table = false;
  }
  std::vector<std::string> out;
  if (!multi_table) {
    absl::StatusOr<std::string> resource = Resource(request);
    if (!resource.ok()) return resource.status();
    out.push_back(*std::move(resource));
    return out;
  }
  for (const auto& [member, table] : tables) {
    absl::StatusOr<std::string> arn = TableArn(member, table, /*arn_allowed=*/true);
    if (!arn.ok()) return arn.status();
    out.push_back(*std::move(arn));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  // A call naming no table at all (refused by the backend's validation) is
  // decided like a call without a resource.
  if (out.empty()) out.emplace_back();
  return out;
}

std::string Authorizer::SealIterator(absl::string_view stream_arn,
                                     absl::string_view iterator) const {
  // Stream ARNs hold no '|' (StreamArn checked them), AWS iterators may.
  return sealer_->Seal(kIteratorPurpose, absl::StrCat(stream_arn, "|", iterator));
}

absl::StatusOr<Authorizer::OpenedIterator> Authorizer::OpenIterator(absl::string_view token) const {
  absl::StatusOr<std::string> payload = sealer_->Open(kIteratorPurpose, token);
  const size_t bar = payload.ok() ? payload->find('|') : std::string::npos;
  if (bar == std::string::npos) {
    return backends::AwsError(kValidation,
                              "Invalid ShardIterator: not an iterator this server handed out "
                              "(under an authorization policy, iterators come from its "
                              "GetShardIterator and GetRecords)",
                              "ShardIterator");
  }
  return OpenedIterator{payload->substr(0, bar), payload->substr(bar + 1)};
}

absl::Status Authorizer::Decide(const std::string& caller, const std::string& operation,
                                const std::string& resource) const {
  for (const Rule& rule : rules_) {
    if (!AnyMatch(rule.callers, caller) || !AnyMatch(rule.operations, operation)) continue;
    if (rule.resources.empty()) return absl::OkStatus();
    if (resource.empty()
            ? std::find(rule.resources.begin(), rule.resources.end(), "*") != rule.resources.end()
            : AnyMatch(rule.resources, resource)) {
      return absl::OkStatus();
    }
  }
  return backends::AwsError(
      kAccessDenied, absl::StrCat(caller, " is not authorized to perform ", operation,
                                  resource.empty() ? std::string(" (no resource)")
                                                   : absl::StrCat(" on resource ", resource)));
}

absl::Status Authorizer::Check(const grpc::ServerContextBase& context,
                               const Message& request) const {
  absl::StatusOr<std::string> caller = Caller(context);
  if (!caller.ok()) return caller.status();
  const std::string operation = Operation(request);
  absl::StatusOr<std::vector<std::string>> resources = Resources(request);
  if (resources.status().code() == absl::StatusCode::kPermissionDenied) {
    return backends::AwsError(
        kAccessDenied, absl::StrCat(*caller, " is not authorized to perform ", operation, ": ",
                                    resources.status().message()));
  }
  if (!resources.ok()) return resources.status();
  for (const std::string& resource : *resources) {
    if (absl::Status s = Decide(*caller, operation, resource); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace awsfacade::service
