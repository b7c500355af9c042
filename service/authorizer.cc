#include "service/authorizer.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "backends/common/aws_error.h"
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
  if (!rule[key].is_array()) return absl::InvalidArgumentError(absl::StrCat("\"", key, "\" is not a list"));
  for (const auto& v : rule[key]) {
    if (!v.is_string()) return absl::InvalidArgumentError(absl::StrCat("\"", key, "\" holds a non-string"));
    out.push_back(v.get<std::string>());
  }
  if (required && out.empty()) return absl::InvalidArgumentError(absl::StrCat("\"", key, "\" is empty"));
  return out;
}

bool AnyMatch(const std::vector<std::string>& patterns, absl::string_view text) {
  for (const auto& p : patterns) {
    if (GlobMatch(p, text)) return true;
  }
  return false;
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

absl::StatusOr<std::unique_ptr<Authorizer>> Authorizer::FromJson(absl::string_view json,
                                                                 std::string region,
                                                                 std::string account_id) {
  nlohmann::json doc = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::InvalidArgumentError("the authorization policy is not a JSON object");
  }
  std::unique_ptr<Authorizer> a(new Authorizer());
  a->region_ = std::move(region);
  a->account_id_ = std::move(account_id);
  if (doc.contains("tokens")) {
    if (!doc["tokens"].is_object()) return absl::InvalidArgumentError("\"tokens\" is not an object");
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
      return backends::AwsError("UnrecognizedClientException",
                                "the authorization header is not \"Bearer <token>\"");
    }
    const backends::Digest digest = backends::Sha256(value);
    auto name = token_names_.find(absl::BytesToHexString(backends::AsView(digest)));
    if (name == token_names_.end()) {
      return backends::AwsError("UnrecognizedClientException", "the bearer token is not known");
    }
    return absl::StrCat("token:", name->second);
  }
  std::string identity = CallerIdentity(context);
  if (absl::StartsWith(identity, "x509:")) return identity;
  return absl::StrCat("peer:", identity);
}

std::string Authorizer::Operation(const Message& request) {
  const auto* descriptor = request.GetDescriptor();
  absl::string_view name = descriptor->name();
  absl::ConsumeSuffix(&name, "Request");
  const auto* file = descriptor->file();
  const std::string service = file->service_count() > 0 ? file->service(0)->full_name() : file->package();
  return absl::StrCat(service, "/", name);
}

std::string Authorizer::Resource(const Message& request) const {
  const std::string prefix = absl::StrCat(region_, ":", account_id_, ":");
  for (const char* arn_field : {"stream_arn", "dataset_group_arn", "dataset_arn", "schema_arn"}) {
    if (std::string arn = Field(request, arn_field); !arn.empty()) return arn;
  }
  if (std::string pool = Field(request, "identity_pool_id"); !pool.empty()) {
    return absl::StrCat("arn:aws:cognito-sync:", prefix, "identitypool/", pool, "/identity/",
                        Field(request, "identity_id"), "/dataset/", Field(request, "dataset_name"));
  }
  if (std::string table = Field(request, "table_name"); !table.empty()) {
    return absl::StrCat("arn:aws:dynamodb:", prefix, "table/", table);
  }
  if (std::string name = Field(request, "name"); !name.empty()) {
    const std::string& type = request.GetDescriptor()->name();
    if (type == "CreateDatasetGroupRequest") return absl::StrCat("arn:aws:personalize:", prefix, "dataset-group/", name);
    if (type == "CreateSchemaRequest") return absl::StrCat("arn:aws:personalize:", prefix, "schema/", name);
  }
  return "";
}

absl::Status Authorizer::Decide(const std::string& caller, const std::string& operation,
                                const std::string& resource) const {
  for (const Rule& rule : rules_) {
    if (!AnyMatch(rule.callers, caller) || !AnyMatch(rule.operations, operation)) continue;
    if (rule.resources.empty()) return absl::OkStatus();
    if (resource.empty() ? std::find(rule.resources.begin(), rule.resources.end(), "*") != rule.resources.end()
                         : AnyMatch(rule.resources, resource)) {
      return absl::OkStatus();
    }
  }
  return backends::AwsError(
      "AccessDeniedException",
      absl::StrCat(caller, " is not authorized to perform ", operation,
                   resource.empty() ? std::string(" (no resource)") : absl::StrCat(" on resource ", resource)));
}

absl::Status Authorizer::Check(const grpc::ServerContextBase& context, const Message& request) const {
  absl::StatusOr<std::string> caller = Caller(context);
  if (!caller.ok()) return caller.status();
  return Decide(*caller, Operation(request), Resource(request));
}

}  // namespace awsfacade::service
