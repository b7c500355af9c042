#include "client/cli/json_request.h"

#include <cctype>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "backends/aws/json_codec.h"
#include "google/protobuf/util/json_util.h"

namespace awsfacade::client::cli {
namespace pb = ::google::protobuf;

std::string KebabCase(absl::string_view camel) {
  std::string out;
  for (size_t i = 0; i < camel.size(); ++i) {
    const char c = camel[i];
    if (std::isupper(static_cast<unsigned char>(c)) && i > 0) {
      const char prev = camel[i - 1];
      const bool next_lower =
          i + 1 < camel.size() && std::islower(static_cast<unsigned char>(camel[i + 1]));
      if (std::islower(static_cast<unsigned char>(prev)) ||
          std::isdigit(static_cast<unsigned char>(prev)) ||
          (std::isupper(static_cast<unsigned char>(prev)) && next_lower)) {
        out.push_back('-');
      }
    }
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

const pb::FieldDescriptor* FieldForFlag(const pb::Descriptor& request, absl::string_view flag) {
  for (int i = 0; i < request.field_count(); ++i) {
    if (KebabCase(request.field(i)->json_name()) == flag) return request.field(i);
  }
  return nullptr;
}

namespace {

absl::Status BadValue(const pb::FieldDescriptor& field, absl::string_view value,
                      absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat("--", KebabCase(field.json_name()), ": \"", value, "\" is not ", expected));
}

// One scalar element of `field` from its command-line text.
absl::StatusOr<nlohmann::ordered_json> ScalarToJson(const pb::FieldDescriptor& field,
                                                    const std::optional<std::string>& value) {
  if (field.cpp_type() == pb::FieldDescriptor::CPPTYPE_BOOL) {
    if (!value || *value == "true") return nlohmann::ordered_json(true);
    if (*value == "false") return nlohmann::ordered_json(false);
    return BadValue(field, *value, "true or false");
  }
  if (!value)
    return absl::InvalidArgumentError(
        absl::StrCat("--", KebabCase(field.json_name()), " needs a value"));
  const std::string& text = *value;
  switch (field.cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
    case pb::FieldDescriptor::CPPTYPE_INT64: {
      int64_t n;
      if (!absl::SimpleAtoi(text, &n)) return BadValue(field, text, "an integer");
      return nlohmann::ordered_json(n);  // a number in both JSON forms
    }
    case pb::FieldDescriptor::CPPTYPE_UINT32:
    case pb::FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t n;
      if (!absl::SimpleAtoi(text, &n)) return BadValue(field, text, "a non-negative integer");
      return nlohmann::ordered_json(n);
    }
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
    case pb::FieldDescriptor::CPPTYPE_FLOAT: {
      double d;
      if (!absl::SimpleAtod(text, &d)) return BadValue(field, text, "a number");
      return nlohmann::ordered_json(d);
    }
    case pb::FieldDescriptor::CPPTYPE_MESSAGE: {
      // Structures as JSON; durations and timestamps in the forms people
      // type, converted to what the JSON readers take.
      const std::string& type = field.message_type()->full_name();
      if (type == "google.protobuf.Duration") {
        // "90s" (protobuf's form), "15m", "1h30m", "250ms", or bare seconds.
        absl::Duration duration;
        if (!absl::ParseDuration(text, &duration) &&
            !absl::ParseDuration(absl::StrCat(text, "s"), &duration)) {
          return BadValue(field, text, "a duration such as 90s, 15m or 1h30m");
        }
        const char* sign = duration < absl::ZeroDuration() ? "-" : "";
        const absl::Duration magnitude = absl::AbsDuration(duration);
        const int64_t seconds = absl::ToInt64Seconds(magnitude);
        const int64_t nanos = absl::ToInt64Nanoseconds(magnitude - absl::Seconds(seconds));
        return nlohmann::ordered_json(nanos == 0
                                          ? absl::StrCat(sign, seconds, "s")
                                          : absl::StrFormat("%s%d.%09ds", sign, seconds, nanos));
      }
      if (type == "google.protobuf.Timestamp") {  // epoch seconds or RFC 3339
        double seconds;
        if (absl::SimpleAtod(text, &seconds)) return nlohmann::ordered_json(seconds);
        return nlohmann::ordered_json(text);
      }
      auto parsed = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
      if (!parsed.is_discarded()) return parsed;
      return BadValue(field, text, "valid JSON");
    }
    default:  // strings, bytes (base64), enums
      return nlohmann::ordered_json(text);
  }
}

}  // namespace

absl::StatusOr<nlohmann::ordered_json> FlagValueToJson(
    const pb::FieldDescriptor& field, const std::vector<std::optional<std::string>>& values) {
  if (field.is_map()) {
    if (values.size() != 1 || !values[0]) return BadValue(field, "", "one JSON object");
    auto parsed = nlohmann::ordered_json::parse(*values[0], nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object())
      return BadValue(field, *values[0], "a JSON object");
    return parsed;
  }
  if (!field.is_repeated()) {
    if (values.size() != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", KebabCase(field.json_name()), " given more than once"));
    }
    return ScalarToJson(field, values[0]);
  }
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& value : values) {
    if (value) {
      auto parsed = nlohmann::ordered_json::parse(*value, nullptr, false);
      if (!parsed.is_discarded() && parsed.is_array()) {
        for (auto& element : parsed) list.push_back(element);
        continue;
      }
    }
    auto element = ScalarToJson(field, value);
    if (!element.ok()) return element.status();
    list.push_back(*std::move(element));
  }
  return list;
}

absl::StatusOr<std::string> ReadFileArgument(absl::string_view flag, absl::string_view argument) {
  if (!absl::StartsWith(argument, "file://")) return std::string(argument);
  const std::string path(argument.substr(7));
  std::ifstream file(path);
  if (!file) return absl::InvalidArgumentError(absl::StrCat("--", flag, ": cannot read ", path));
  std::stringstream buffer;
  buffer << file.rdbuf();
  return buffer.str();
}

absl::StatusOr<nlohmann::ordered_json> ReadCliInputJson(absl::string_view argument) {
  auto text = ReadFileArgument("cli-input-json", argument);
  if (!text.ok()) return text.status();
  auto parsed = nlohmann::ordered_json::parse(*text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return absl::InvalidArgumentError("--cli-input-json: not a JSON object");
  }
  return parsed;
}

absl::StatusOr<std::unique_ptr<pb::Message>> JsonToRequest(const pb::Descriptor& type,
                                                           const nlohmann::ordered_json& json,
                                                           JsonForm form) {
  const pb::Message* prototype = pb::MessageFactory::generated_factory()->GetPrototype(&type);
  if (prototype == nullptr)
    return absl::InternalError(absl::StrCat("no generated type ", type.full_name()));
  std::unique_ptr<pb::Message> message(prototype->New());
  if (form == JsonForm::kAws) {
    backends::aws::AwsJsonReadOptions options;
    options.reject_unknown_members = true;  // a typo is an error, as in the AWS CLI
    options.accept_rfc3339_timestamps = true;
    absl::Status status = backends::aws::AwsJsonToMessage(json.dump(), message.get(), options);
    if (!status.ok())
      return absl::InvalidArgumentError(
          absl::StrCat("invalid ", type.name(), ": ", status.message()));
    return message;
  }
  pb::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = pb::util::JsonStringToMessage(json.dump(), message.get(), options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid ", type.name(), ": ", status.message().as_string()));
  }
  return message;
}

absl::StatusOr<nlohmann::ordered_json> MessageToJson(const pb::Message& message, JsonForm form) {
  std::string text;
  if (form == JsonForm::kAws) {
    backends::aws::AwsJsonWriteOptions options;
    options.iso8601_timestamps = true;  // as the AWS CLI v2 prints them
    auto json = backends::aws::MessageToAwsJson(message, options);
    if (!json.ok()) return json.status();
    text = *std::move(json);
  } else {
    pb::util::JsonPrintOptions options;
    options.preserve_proto_field_names = false;  // json_name = the AWS member name
    auto status = pb::util::MessageToJsonString(message, &text, options);
    if (!status.ok()) return absl::InternalError(status.message().as_string());
  }
  auto parsed = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return absl::InternalError("the response's JSON did not parse");
  return parsed;
}

}  // namespace awsfacade::client::cli
