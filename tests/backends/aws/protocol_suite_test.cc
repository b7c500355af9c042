// Runs AWS's protocol test vectors (tests/testdata/aws-protocols/, from
// botocore; see SOURCE.txt there) against protocols.h and json_codec.h.
//
// The suite's shapes are not our protos, so each suite's `shapes` are
// translated into a proto3 FileDescriptorProto and built into a
// DescriptorPool; the cases then run on DynamicMessages of those types,
// through exactly the code path our own messages take (descriptor-driven
// codec, BuildRequest, ParseResponse). The translation is the one our protos
// follow (docs/aws-semantics.md §1.4): structure -> message, member -> field whose
// json_name is the wire name, scalar -> proto3 `optional` (AWS members have
// presence), list -> repeated, map -> map<string, V>, blob -> bytes,
// timestamp -> google.protobuf.Timestamp, enums -> string / int32.
//
// A case is skipped, with its reason, when it needs something our protos and
// services never use (a member type proto cannot express without a wrapper,
// a non-default timestamp format, unions, documents, payload or prefix-header
// bindings, endpoint traits, compression, ...), or when it sends an empty
// list or map, which proto3 cannot tell from an absent one (json_codec.h).
// Every other case runs. SuiteSummary prints the counts.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "backends/aws/protocols.h"
#include "backends/aws/sigv4_signer.h"
#include "backends/common/aws_error.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/field_comparator.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace awsfacade::backends::aws {
namespace {

namespace fs = std::filesystem;
namespace pb = ::google::protobuf;
using json = ::nlohmann::json;

constexpr const char* kSuiteFiles[] = {
    "input/json_1_0.json",  "input/json.json",  "input/rest-json.json",
    "output/json_1_0.json", "output/json.json", "output/rest-json.json",
};

constexpr char kEmptyMessage[] = "ZzNoShape";

// `j[key]` when present, else an empty object (never a temporary, so that
// iterating its items() is safe).
const json& ObjectAt(const json& j, const char* key) {
  static const json* const kEmpty = new json(json::object());
  auto it = j.find(key);
  return it == j.end() || !it->is_object() ? *kEmpty : *it;
}

fs::path SuiteDir() { return fs::path(AWSFACADE_TESTDATA_DIR) / "aws-protocols"; }

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Where a top-level member travels.
enum class Where { kBody, kLabel, kQuery, kHeader, kOther };

Where WhereOf(const json& member) {
  const std::string location = member.value("location", "");
  if (location.empty()) return Where::kBody;
  if (location == "uri") return Where::kLabel;
  if (location == "querystring") return Where::kQuery;
  if (location == "header") return Where::kHeader;
  return Where::kOther;
}

std::string Identifier(absl::string_view name) {
  std::string out;
  for (char c : name) out.push_back(absl::ascii_isalnum(static_cast<unsigned char>(c)) ? c : '_');
  if (out.empty() || absl::ascii_isdigit(static_cast<unsigned char>(out[0]))) out.insert(0, "F");
  return out;
}

// protobuf's ToCamelCase(name, lower_first=false), which names map entries.
std::string MapEntryName(const std::string& field_name) {
  std::string out;
  bool upper = true;
  for (char c : field_name) {
    if (c == '_') {
      upper = true;
    } else if (upper) {
      out.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
      upper = false;
    } else {
      out.push_back(c);
    }
  }
  return out + "Entry";
}

// ---------------------------------------------------------------------------
// One suite's shapes as proto types.

struct MemberModel {
  const pb::FieldDescriptor* field = nullptr;  // null: not representable
  std::string unsupported;                     // why, when field is null
  std::string shape;                           // the member's target shape
  Where where = Where::kBody;
  std::string wire_name;  // locationName or member name
};

class SuiteModel {
 public:
  SuiteModel(const json& suite, int index, bool output) : suite_(suite), output_(output) {
    shapes_ = suite.at("shapes");
    Build(index);
  }

  const json& shapes() const { return shapes_; }
  const std::string& build_error() const { return build_error_; }

  const MemberModel* Member(const std::string& shape, const std::string& member) const {
    auto it = members_.find({shape, member});
    return it == members_.end() ? nullptr : &it->second;
  }

  std::unique_ptr<pb::Message> New(const std::string& shape) const {
    const pb::Descriptor* d = pool_->FindMessageTypeByName(
        absl::StrCat("suite.", shape.empty() ? kEmptyMessage : Identifier(shape)));
    if (d == nullptr) return nullptr;
    return std::unique_ptr<pb::Message>(factory_->GetPrototype(d)->New());
  }

  Protocol protocol() const {
    const json& metadata = suite_.at("metadata");
    if (metadata.value("protocol", "") == "rest-json") return Protocol::kRestJson1;
    return metadata.value("jsonVersion", "") == "1.0" ? Protocol::kAwsJson1_0
                                                      : Protocol::kAwsJson1_1;
  }
  std::string target_prefix() const { return suite_.at("metadata").value("targetPrefix", ""); }
  const json& suite() const { return suite_; }

 private:
  static bool IsScalar(const std::string& type) {
    return type == "string" || type == "integer" || type == "long" || type == "boolean" ||
           type == "float" || type == "double" || type == "blob" || type == "timestamp";
  }

  // Why member `def` (of a top-level or nested structure) cannot be a field,
  // or "".
  std::string Unsupported(const json& def, Where where) const {
    const std::string location = def.value("location", "");
    if (location == "headers") return "prefix headers (location: headers)";
    if (location == "statusCode") return "HTTP status code bound to a member";
    if (def.value("hostLabel", false)) return "endpoint host label";
    if (def.value("jsonvalue", false) && where == Where::kHeader) {
      return "jsonvalue (base64 JSON) header";
    }
    const json& target = shapes_.at(def.at("shape").get<std::string>());
    const std::string type = target.at("type");
    if (type == "structure") {
      if (target.value("union", false)) return "union";
      if (target.value("document", false)) return "document type";
      return "";
    }
    if (type == "timestamp") return TimestampFormatIssue(def, target, where);
    if (type == "list") {
      const json& element = shapes_.at(target.at("member").at("shape").get<std::string>());
      const std::string element_type = element.at("type");
      if (element_type == "list" || element_type == "map") {
        return "list of lists or maps (proto needs a wrapper message)";
      }
      if (element.value("union", false)) return "union";
      if (element.value("document", false)) return "document type";
      if (output_ && where == Where::kHeader) return "list-valued response header";
      if (element_type == "timestamp")
        return TimestampFormatIssue(target.at("member"), element, where);
      return "";
    }
    if (type == "map") {
      const json& value = shapes_.at(target.at("value").at("shape").get<std::string>());
      const std::string value_type = value.at("type");
      if (value_type == "list" || value_type == "map") {
        return "map of lists or maps (proto needs a wrapper message)";
      }
      if (value.value("union", false)) return "union";
      if (value.value("document", false)) return "document type";
      return "";
    }
    if (IsScalar(type)) return "";
    return absl::StrCat("shape type ", type);
  }

  static std::string TimestampFormatIssue(const json& def, const json& target, Where where) {
    std::string format = def.value("timestampFormat", target.value("timestampFormat", ""));
    if (format.empty()) return "";
    const char* default_format = where == Where::kHeader ? "rfc822"
                                 : where == Where::kBody ? "unixTimestamp"
                                                         : "iso8601";
    if (format == default_format) return "";
    return absl::StrCat("timestampFormat ", format,
                        " (our services use each location's default format)");
  }

  void SetType(pb::FieldDescriptorProto* f, const json& target) const {
    using F = pb::FieldDescriptorProto;
    const std::string type = target.at("type");
    if (type == "string") f->set_type(F::TYPE_STRING);
    if (type == "blob") f->set_type(F::TYPE_BYTES);
    if (type == "integer") f->set_type(F::TYPE_INT32);
    if (type == "long") f->set_type(F::TYPE_INT64);
    if (type == "boolean") f->set_type(F::TYPE_BOOL);
    if (type == "float") f->set_type(F::TYPE_FLOAT);
    if (type == "double") f->set_type(F::TYPE_DOUBLE);
    if (type == "timestamp") {
      f->set_type(F::TYPE_MESSAGE);
      f->set_type_name(".google.protobuf.Timestamp");
    }
  }

  void SetTypeForShape(pb::FieldDescriptorProto* f, const std::string& shape_name) const {
    const json& target = shapes_.at(shape_name);
    if (target.at("type") == "structure") {
      f->set_type(pb::FieldDescriptorProto::TYPE_MESSAGE);
      f->set_type_name(absl::StrCat(".suite.", Identifier(shape_name)));
    } else {
      SetType(f, target);
    }
  }

  void Build(int index) {
    pb::FileDescriptorProto file;
    file.set_name(absl::StrCat("suite_", index, ".proto"));
    file.set_package("suite");
    file.set_syntax("proto3");
    file.add_dependency("google/protobuf/timestamp.proto");
    file.add_message_type()->set_name(kEmptyMessage);
    for (const auto& [shape_name, shape] : shapes_.items()) {
      if (shape.at("type") != "structure") continue;
      pb::DescriptorProto* message = file.add_message_type();
      message->set_name(Identifier(shape_name));
      int number = 1;
      std::vector<pb::FieldDescriptorProto*> optionals;
      for (const auto& [member_name, def] : ObjectAt(shape, "members").items()) {
        MemberModel model;
        model.shape = def.at("shape");
        model.where = WhereOf(def);
        model.wire_name = def.value("locationName", member_name);
        model.unsupported = Unsupported(def, model.where);
        pending_.emplace_back(std::make_pair(shape_name, member_name), model);
        if (!model.unsupported.empty()) continue;
        pb::FieldDescriptorProto* f = message->add_field();
        f->set_name(Identifier(member_name));
        f->set_number(number++);
        f->set_json_name(model.wire_name);
        field_names_[{shape_name, member_name}] = f->name();
        const json& target = shapes_.at(model.shape);
        const std::string type = target.at("type");
        if (type == "list") {
          f->set_label(pb::FieldDescriptorProto::LABEL_REPEATED);
          SetTypeForShape(f, target.at("member").at("shape"));
        } else if (type == "map") {
          f->set_label(pb::FieldDescriptorProto::LABEL_REPEATED);
          pb::DescriptorProto* entry = message->add_nested_type();
          entry->set_name(MapEntryName(f->name()));
          entry->mutable_options()->set_map_entry(true);
          pb::FieldDescriptorProto* key = entry->add_field();
          key->set_name("key");
          key->set_number(1);
          key->set_label(pb::FieldDescriptorProto::LABEL_OPTIONAL);
          key->set_type(pb::FieldDescriptorProto::TYPE_STRING);
          pb::FieldDescriptorProto* value = entry->add_field();
          value->set_name("value");
          value->set_number(2);
          value->set_label(pb::FieldDescriptorProto::LABEL_OPTIONAL);
          SetTypeForShape(value, target.at("value").at("shape"));
          f->set_type(pb::FieldDescriptorProto::TYPE_MESSAGE);
          f->set_type_name(absl::StrCat(".suite.", Identifier(shape_name), ".", entry->name()));
        } else if (type == "structure") {
          f->set_label(pb::FieldDescriptorProto::LABEL_OPTIONAL);
          SetTypeForShape(f, model.shape);
        } else {
          f->set_label(pb::FieldDescriptorProto::LABEL_OPTIONAL);
          SetType(f, target);
          if (type != "timestamp") optionals.push_back(f);
        }
      }
      // proto3 `optional`: each such field sits alone in a synthetic oneof.
      for (pb::FieldDescriptorProto* f : optionals) {
        f->set_proto3_optional(true);
        f->set_oneof_index(message->oneof_decl_size());
        message->add_oneof_decl()->set_name(absl::StrCat("_", f->name()));
      }
    }
    pb::Timestamp::descriptor();  // link the generated Timestamp for the underlay
    pool_ = std::make_unique<pb::DescriptorPool>(pb::DescriptorPool::generated_pool());
    Collector collector;
    const pb::FileDescriptor* built = pool_->BuildFileCollectingErrors(file, &collector);
    if (built == nullptr) {
      build_error_ = collector.errors.empty() ? "descriptor build failed" : collector.errors;
      return;
    }
    factory_ = std::make_unique<pb::DynamicMessageFactory>(pool_.get());
    for (auto& [key, model] : pending_) {
      auto name = field_names_.find(key);
      if (name != field_names_.end()) {
        const pb::Descriptor* d =
            pool_->FindMessageTypeByName(absl::StrCat("suite.", Identifier(key.first)));
        model.field = d->FindFieldByName(name->second);
      }
      members_[key] = model;
    }
  }

  struct Collector : pb::DescriptorPool::ErrorCollector {
    void AddError(const std::string& /*filename*/, const std::string& element_name,
                  const pb::Message*, ErrorLocation, const std::string& message) override {
      absl::StrAppend(&errors, element_name, ": ", message, "; ");
    }
    std::string errors;
  };

  const json& suite_;
  json shapes_;
  bool output_;
  std::string build_error_;
  std::vector<std::pair<std::pair<std::string, std::string>, MemberModel>> pending_;
  std::map<std::pair<std::string, std::string>, std::string> field_names_;
  std::map<std::pair<std::string, std::string>, MemberModel> members_;
  std::unique_ptr<pb::DescriptorPool> pool_;
  std::unique_ptr<pb::DynamicMessageFactory> factory_;
};

// ---------------------------------------------------------------------------
// Filling messages from the suite's `params` / `result` (member names, blobs as
// text, timestamps as epoch seconds, "NaN"/"Infinity" strings for floats).
// Independent of the codec under test: it goes through reflection only.

void SetTimestamp(pb::Message* ts, const json& value) {
  const pb::Descriptor* d = ts->GetDescriptor();
  int64_t seconds = 0;
  int32_t nanos = 0;
  if (value.is_number_integer()) {
    seconds = value.get<int64_t>();
  } else {
    const double v = value.get<double>();
    const double whole = std::floor(v);
    seconds = static_cast<int64_t>(whole);
    nanos = static_cast<int32_t>(std::llround((v - whole) * 1e6) * 1000);
  }
  ts->GetReflection()->SetInt64(ts, d->FindFieldByNumber(1), seconds);
  ts->GetReflection()->SetInt32(ts, d->FindFieldByNumber(2), nanos);
}

double FloatValue(const json& value) {
  if (value.is_string()) {
    const std::string s = value.get<std::string>();
    if (s == "NaN") return std::nan("");
    return s == "Infinity" ? HUGE_VAL : -HUGE_VAL;
  }
  return value.get<double>();
}

void Fill(const SuiteModel& model, const std::string& shape, const json& value, pb::Message* out,
          const std::set<std::string>& dropped);

// Sets `value` as the field (or adds it, for repeated fields / map values
// given `entry_field`).
void SetScalarOrMessage(const SuiteModel& model, pb::Message* message,
                        const pb::FieldDescriptor* field, const std::string& shape,
                        const json& value, bool add) {
  const pb::Reflection* r = message->GetReflection();
  using C = pb::FieldDescriptor;
  switch (field->cpp_type()) {
    case C::CPPTYPE_STRING:
      add ? r->AddString(message, field, value.get<std::string>())
          : r->SetString(message, field, value.get<std::string>());
      return;
    case C::CPPTYPE_INT32:
      add ? r->AddInt32(message, field, value.get<int32_t>())
          : r->SetInt32(message, field, value.get<int32_t>());
      return;
    case C::CPPTYPE_INT64:
      add ? r->AddInt64(message, field, value.get<int64_t>())
          : r->SetInt64(message, field, value.get<int64_t>());
      return;
    case C::CPPTYPE_BOOL:
      add ? r->AddBool(message, field, value.get<bool>())
          : r->SetBool(message, field, value.get<bool>());
      return;
    case C::CPPTYPE_FLOAT:
      add ? r->AddFloat(message, field, static_cast<float>(FloatValue(value)))
          : r->SetFloat(message, field, static_cast<float>(FloatValue(value)));
      return;
    case C::CPPTYPE_DOUBLE:
      add ? r->AddDouble(message, field, FloatValue(value))
          : r->SetDouble(message, field, FloatValue(value));
      return;
    case C::CPPTYPE_MESSAGE: {
      pb::Message* sub = add ? r->AddMessage(message, field) : r->MutableMessage(message, field);
      if (field->message_type()->full_name() == "google.protobuf.Timestamp") {
        SetTimestamp(sub, value);
      } else {
        Fill(model, shape, value, sub, {});
      }
      return;
    }
    default:
      ADD_FAILURE() << "unexpected field type for " << field->full_name();
  }
}

void Fill(const SuiteModel& model, const std::string& shape, const json& value, pb::Message* out,
          const std::set<std::string>& dropped) {
  for (const auto& [member, v] : value.items()) {
    if (v.is_null() || dropped.count(member) > 0) continue;
    const MemberModel* m = model.Member(shape, member);
    ASSERT_NE(m, nullptr) << shape << "." << member;
    ASSERT_NE(m->field, nullptr) << shape << "." << member << ": " << m->unsupported;
    const json& target = model.shapes().at(m->shape);
    const std::string type = target.at("type");
    if (type == "list") {
      const std::string element = target.at("member").at("shape");
      for (const json& e : v) {
        if (!e.is_null()) SetScalarOrMessage(model, out, m->field, element, e, /*add=*/true);
      }
    } else if (type == "map") {
      const std::string value_shape = target.at("value").at("shape");
      const pb::FieldDescriptor* value_field = m->field->message_type()->map_value();
      for (const auto& [key, e] : v.items()) {
        if (e.is_null()) continue;
        pb::Message* entry = out->GetReflection()->AddMessage(out, m->field);
        entry->GetReflection()->SetString(entry, m->field->message_type()->map_key(), key);
        SetScalarOrMessage(model, entry, value_field, value_shape, e, /*add=*/false);
      }
    } else {
      SetScalarOrMessage(model, out, m->field, m->shape, v, /*add=*/false);
    }
  }
}

// ---------------------------------------------------------------------------
// Which cases run.

struct SuiteCase {
  std::string file;
  int suite_index = 0;
  int case_index = 0;
  std::string id;
  bool output = false;
  std::shared_ptr<SuiteModel> model;
  std::string skip;               // non-empty: skipped, and why
  std::set<std::string> dropped;  // top-level params left out (see DroppableQueryMap)
};

void PrintTo(const SuiteCase& c, std::ostream* os) { *os << c.file << " " << c.id; }

// A query map of lists whose every key is also a named query member set in
// the same case: the named members take precedence (Smithy's rule, tested on
// its own by RestJsonQueryPrecedence), so leaving it out changes nothing that
// is expected, and the case still checks everything else.
bool DroppableQueryMap(const SuiteModel& model, const std::string& shape, const json& params,
                       const json& map_value) {
  for (const auto& [key, unused] : map_value.items()) {
    bool named = false;
    for (const auto& [member, v] : params.items()) {
      const MemberModel* m = model.Member(shape, member);
      if (m != nullptr && m->field != nullptr && m->where == Where::kQuery && m->wire_name == key &&
          !v.is_null()) {
        named = true;
      }
    }
    if (!named) return false;
  }
  return true;
}

// Why `value` of structure `shape` cannot run, or "".
std::string Check(const SuiteModel& model, const std::string& shape, const json& value,
                  bool request, int depth, const json* top_params, std::set<std::string>* dropped) {
  if (!value.is_object()) return "";
  for (const auto& [member, v] : value.items()) {
    if (v.is_null()) continue;
    const MemberModel* m = model.Member(shape, member);
    if (m == nullptr) return absl::StrCat("member ", member, " is not in shape ", shape);
    if (m->field == nullptr) {
      if (depth == 0 && top_params != nullptr && m->where == Where::kQuery &&
          DroppableQueryMap(model, shape, *top_params, v)) {
        dropped->insert(member);
        continue;
      }
      return m->unsupported;
    }
    const json& target = model.shapes().at(m->shape);
    const std::string type = target.at("type");
    if ((type == "list" || type == "map") && v.empty() && request) {
      return "sends an empty list or map, which proto3 cannot tell from an absent one";
    }
    std::string nested;
    if (type == "structure") {
      nested = Check(model, m->shape, v, request, depth + 1, nullptr, nullptr);
    } else if (type == "list") {
      const std::string element = target.at("member").at("shape");
      if (model.shapes().at(element).at("type") == "structure") {
        for (const json& e : v) {
          nested = Check(model, element, e, request, depth + 1, nullptr, nullptr);
          if (!nested.empty()) break;
        }
      }
    } else if (type == "map") {
      const std::string value_shape = target.at("value").at("shape");
      if (model.shapes().at(value_shape).at("type") == "structure") {
        for (const auto& [key, e] : v.items()) {
          nested = Check(model, value_shape, e, request, depth + 1, nullptr, nullptr);
          if (!nested.empty()) break;
        }
      }
    }
    if (!nested.empty()) return nested;
  }
  return "";
}

std::string SkipReason(const SuiteModel& model, const json& c, bool output,
                       std::set<std::string>* dropped) {
  if (!model.build_error().empty())
    return absl::StrCat("shapes not buildable: ", model.build_error());
  const json& given = c.at("given");
  if (given.contains("endpoint")) return "endpoint host prefix";
  if (given.contains("requestcompression")) return "request compression";
  if (given.value("httpChecksumRequired", false)) return "httpChecksumRequired (Content-MD5)";
  const char* io = output ? "output" : "input";
  std::string shape;
  if (given.contains(io)) shape = given.at(io).at("shape");
  if (!shape.empty() && model.shapes().at(shape).contains("payload")) {
    return "httpPayload-bound member";
  }
  if (!output) {
    if (c.at("serialized").contains("host")) return "endpoint resolution (expects a host)";
    if (!shape.empty()) {
      for (const auto& [member, def] : ObjectAt(model.shapes().at(shape), "members").items()) {
        if (def.value("idempotencyToken", false) &&
            c.at("params").value(member, json()).is_null()) {
          return "idempotency-token auto-fill (no operation of ours has such a token)";
        }
      }
    }
    const std::string endpoint = model.suite().value("clientEndpoint", "");
    if (absl::StrContains(absl::StripPrefix(endpoint, "https://"), '/')) {
      return "client endpoint with a path";
    }
    return shape.empty() ? ""
                         : Check(model, shape, c.at("params"), true, 0, &c.at("params"), dropped);
  }
  if (c.contains("errorCode")) return "";
  return shape.empty()
             ? ""
             : Check(model, shape, c.value("result", json::object()), false, 0, nullptr, nullptr);
}

std::vector<SuiteCase> LoadCases() {
  static auto* documents = new std::deque<json>();  // kept alive for the models
  std::vector<SuiteCase> cases;
  int model_index = 0;
  for (const char* file : kSuiteFiles) {
    documents->push_back(json::parse(ReadFile(SuiteDir() / file), nullptr, false));
    const json& document = documents->back();
    if (!document.is_array()) continue;
    const bool output = absl::StartsWith(file, "output/");
    for (size_t s = 0; s < document.size(); ++s) {
      auto model = std::make_shared<SuiteModel>(document[s], model_index++, output);
      const json& list = document[s].at("cases");
      for (size_t i = 0; i < list.size(); ++i) {
        SuiteCase c;
        c.file = file;
        c.suite_index = static_cast<int>(s);
        c.case_index = static_cast<int>(i);
        c.id = list[i].value("id", absl::StrCat("suite", s, "_case", i));
        c.output = output;
        c.model = model;
        c.skip = SkipReason(*model, list[i], output, &c.dropped);
        cases.push_back(std::move(c));
      }
    }
  }
  return cases;
}

const std::vector<SuiteCase>& AllCases() {
  static const auto* cases = new std::vector<SuiteCase>(LoadCases());
  return *cases;
}

const json& CaseJson(const SuiteCase& c) { return c.model->suite().at("cases").at(c.case_index); }

// ---------------------------------------------------------------------------
// Running a case.

struct OwnedOperation {
  std::deque<std::string> strings;
  std::vector<HttpBinding> request_bindings;
  std::vector<HttpBinding> response_bindings;
  OperationSpec spec;
  ServiceSpec service;

  absl::string_view Keep(std::string s) {
    strings.push_back(std::move(s));
    return strings.back();
  }
};

std::unique_ptr<OwnedOperation> MakeOperation(const SuiteModel& model, const json& given) {
  auto op = std::make_unique<OwnedOperation>();
  auto bindings = [&](const char* io, std::vector<HttpBinding>* out) {
    if (!given.contains(io)) return;
    const std::string shape = given.at(io).at("shape");
    for (const auto& [member, def] : ObjectAt(model.shapes().at(shape), "members").items()) {
      const MemberModel* m = model.Member(shape, member);
      if (m == nullptr || m->field == nullptr || m->where == Where::kBody) continue;
      HttpLocation location = HttpLocation::kHeader;
      if (m->where == Where::kLabel) location = HttpLocation::kLabel;
      if (m->where == Where::kQuery) {
        location = model.shapes().at(m->shape).at("type") == "map" ? HttpLocation::kQueryMap
                                                                   : HttpLocation::kQuery;
      }
      out->push_back(
          HttpBinding{op->Keep(m->field->json_name()), location, op->Keep(m->wire_name)});
    }
  };
  bindings("input", &op->request_bindings);
  bindings("output", &op->response_bindings);
  op->spec = OperationSpec{op->Keep(given.at("name")), op->Keep(given.at("http").at("method")),
                           op->Keep(given.at("http").at("requestUri")), op->request_bindings,
                           op->response_bindings};
  op->service =
      ServiceSpec{"suite", model.protocol(), op->Keep(model.target_prefix()),
                  "suite", "suite",          absl::Span<const OperationSpec>(&op->spec, 1)};
  return op;
}

std::vector<std::pair<std::string, std::string>> DecodeQuery(absl::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (absl::string_view part : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(part, absl::MaxSplits('=', 1));
    pairs.emplace_back(UriDecode(kv.first), UriDecode(kv.second));
  }
  return pairs;
}

// Per key, the values in order; keys in any order (README: botocore's order
// is not significant).
std::map<std::string, std::vector<std::string>> ByKey(
    const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [k, v] : pairs) out[k].push_back(v);
  return out;
}

void RunInputCase(const SuiteCase& sc) {
  const json& c = CaseJson(sc);
  const json& given = c.at("given");
  const SuiteModel& model = *sc.model;
  const std::string shape =
      given.contains("input") ? given.at("input").at("shape").get<std::string>() : "";
  std::unique_ptr<pb::Message> request = model.New(shape);
  ASSERT_NE(request, nullptr);
  if (!shape.empty()) Fill(model, shape, c.at("params"), request.get(), sc.dropped);
  std::unique_ptr<OwnedOperation> op = MakeOperation(model, given);
  absl::StatusOr<HttpRequest> http = BuildRequest(op->service, op->spec, *request);
  ASSERT_TRUE(http.ok()) << http.status();

  const json& want = c.at("serialized");
  EXPECT_EQ(http->method, want.at("method").get<std::string>());
  const std::string uri = want.at("uri");
  const size_t q = uri.find('?');
  EXPECT_EQ(http->path, uri.substr(0, q));
  EXPECT_EQ(ByKey(http->query),
            ByKey(DecodeQuery(q == std::string::npos ? "" : uri.substr(q + 1))));
  if (want.contains("body")) {
    const std::string body = want.at("body");
    if (body.empty()) {
      EXPECT_EQ(http->body, "");
    } else {
      json expected = json::parse(body, nullptr, false);
      if (expected.is_discarded()) {
        EXPECT_EQ(http->body, body);
      } else {
        json got = json::parse(http->body, nullptr, false);
        EXPECT_EQ(got, expected) << http->body;
      }
    }
  }
  // Content-Length is the HTTP client's to set from the body.
  for (const auto& [name, value] : ObjectAt(want, "headers").items()) {
    if (absl::EqualsIgnoreCase(name, "Content-Length")) continue;
    bool found = false;
    for (const auto& [h, v] : http->headers) {
      if (absl::EqualsIgnoreCase(h, name)) {
        found = true;
        EXPECT_EQ(v, value.get<std::string>()) << name;
      }
    }
    EXPECT_TRUE(found) << "missing header " << name;
  }
  for (const json& name : want.value("requireHeaders", json::array())) {
    if (absl::EqualsIgnoreCase(name.get<std::string>(), "Content-Length")) continue;
    EXPECT_TRUE(std::any_of(
        http->headers.begin(), http->headers.end(),
        [&](const auto& h) { return absl::EqualsIgnoreCase(h.first, name.get<std::string>()); }))
        << "missing header " << name;
  }
  for (const json& name : want.value("forbidHeaders", json::array())) {
    for (const auto& [h, v] : http->headers) {
      EXPECT_FALSE(absl::EqualsIgnoreCase(h, name.get<std::string>())) << "forbidden header " << h;
    }
  }
}

void RunOutputCase(const SuiteCase& sc) {
  const json& c = CaseJson(sc);
  const json& given = c.at("given");
  const SuiteModel& model = *sc.model;
  const std::string shape =
      given.contains("output") ? given.at("output").at("shape").get<std::string>() : "";
  std::unique_ptr<OwnedOperation> op = MakeOperation(model, given);
  const json& response = c.at("response");
  HttpHeaders headers;
  for (const auto& [name, value] : ObjectAt(response, "headers").items()) {
    headers.emplace_back(name, value.get<std::string>());
  }
  std::unique_ptr<pb::Message> parsed = model.New(shape);
  ASSERT_NE(parsed, nullptr);
  absl::Status status = ParseResponse(op->service, op->spec, response.at("status_code").get<int>(),
                                      headers, response.value("body", ""), parsed.get());

  if (c.contains("errorCode")) {
    // Our AwsError carries the code and message; the error shape's other
    // members (`error`) are not surfaced by the facade, so not compared.
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(AwsErrorName(status), c.at("errorCode").get<std::string>());
    EXPECT_EQ(std::string(status.message()), c.value("errorMessage", ""));
    return;
  }
  ASSERT_TRUE(status.ok()) << status;
  std::unique_ptr<pb::Message> expected = model.New(shape);
  if (!shape.empty()) Fill(model, shape, c.value("result", json::object()), expected.get(), {});
  pb::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  pb::util::MessageDifferencer differencer;
  differencer.set_field_comparator(&comparator);
  std::string diff;
  differencer.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differencer.Compare(*expected, *parsed)) << diff;
}

class ProtocolSuiteTest : public ::testing::TestWithParam<SuiteCase> {};

TEST_P(ProtocolSuiteTest, Case) {
  const SuiteCase& c = GetParam();
  if (!c.skip.empty()) GTEST_SKIP() << c.skip;
  SCOPED_TRACE(absl::StrCat(c.file, " suite ", c.suite_index, " case ", c.case_index, " ", c.id));
  if (c.output) {
    RunOutputCase(c);
  } else {
    RunInputCase(c);
  }
}

INSTANTIATE_TEST_SUITE_P(Aws, ProtocolSuiteTest, ::testing::ValuesIn(AllCases()),
                         [](const ::testing::TestParamInfo<SuiteCase>& info) {
                           return absl::StrCat(
                               info.param.output ? "out_" : "in_",
                               Identifier(info.param.file.substr(
                                   info.param.file.find('/') + 1,
                                   info.param.file.rfind('.') - info.param.file.find('/') - 1)),
                               "_", Identifier(info.param.id));
                         });

// Prints how many cases run and why the others are skipped, per file.
TEST(ProtocolSuiteSummary, CountsEveryCase) {
  std::map<std::string, std::pair<int, int>> per_file;  // run, skipped
  std::map<std::string, int> reasons;
  int total_in_files = 0;
  for (const char* file : kSuiteFiles) {
    json document = json::parse(ReadFile(SuiteDir() / file), nullptr, false);
    ASSERT_TRUE(document.is_array()) << file;
    for (const json& suite : document) total_in_files += static_cast<int>(suite.at("cases").size());
  }
  int dropped = 0;
  for (const SuiteCase& c : AllCases()) {
    if (c.skip.empty()) {
      ++per_file[c.file].first;
    } else {
      ++per_file[c.file].second;
      ++reasons[c.skip];
    }
    if (!c.dropped.empty()) ++dropped;
  }
  EXPECT_EQ(static_cast<int>(AllCases().size()), total_in_files);
  int run = 0;
  int skipped = 0;
  std::ostringstream out;
  out << "AWS protocol suite (" << total_in_files << " cases):\n";
  for (const auto& [file, counts] : per_file) {
    out << "  " << file << ": " << counts.first << " run, " << counts.second << " skipped\n";
    run += counts.first;
    skipped += counts.second;
  }
  out << "  total: " << run << " run, " << skipped << " skipped (" << dropped
      << " run with a query map that named members override)\n  skipped because:\n";
  for (const auto& [reason, count] : reasons) out << "    " << count << "  " << reason << "\n";
  std::cout << out.str();
  RecordProperty("run", run);
  RecordProperty("skipped", skipped);
}

}  // namespace
}  // namespace awsfacade::backends::aws
