#include "backends/request_validator.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "awsfacade/validation/v1/constraints.pb.h"
#include "backends/common/validation.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "re2/re2.h"

namespace awsfacade::backends {

namespace internal_validation {

// Java's `.` stops at line terminators; RE2's only at '\n'.
constexpr char kJavaDot[] = "[^\\n\\r\\x{85}\\x{2028}\\x{2029}]";

// The RE2 class body of the Java POSIX class `rest` starts with, or "".
absl::string_view PosixClass(absl::string_view rest) {
  if (absl::StartsWith(rest, "\\p{ASCII}")) return "\\x00-\\x7F";
  if (absl::StartsWith(rest, "\\p{Print}")) return "\\x20-\\x7E";
  return "";
}

std::string Re2PatternOf(absl::string_view java) {
  std::string out;
  bool in_class = false;
  // A \uXXXX escape, and the code point of a surrogate pair it starts.
  auto read_u = [&](size_t at, uint32_t& unit) {
    if (at + 6 > java.size() || java[at] != '\\' || java[at + 1] != 'u') return false;
    unit = 0;
    for (size_t k = at + 2; k < at + 6; ++k) {
      if (!absl::ascii_isxdigit(java[k])) return false;
      unit = unit * 16 + (absl::ascii_isdigit(java[k]) ? java[k] - '0'
                                                       : absl::ascii_tolower(java[k]) - 'a' + 10);
    }
    return true;
  };
  for (size_t i = 0; i < java.size(); ++i) {
    const char c = java[i];
    if (c == '\\' && i + 1 < java.size()) {
      const char e = java[i + 1];
      uint32_t unit = 0;
      if (e == 'u' && read_u(i, unit)) {
        uint32_t low = 0;
        if (unit >= 0xD800 && unit <= 0xDBFF && read_u(i + 6, low) && low >= 0xDC00 &&
            low <= 0xDFFF) {
          unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
          i += 6;
        }
        absl::StrAppendFormat(&out, "\\x{%X}", unit);
        i += 5;
        continue;
      }
      // POSIX classes RE2 spells differently (Java's are ASCII).
      if (absl::string_view ascii = PosixClass(java.substr(i)); !ascii.empty()) {
        absl::StrAppend(&out, in_class ? "" : "[", ascii, in_class ? "" : "]");
        i = java.find('}', i);
        continue;
      }
      // RE2 refuses escaped word characters it does not know, like \_.
      if (e == '_') {
        out.push_back('_');
      } else {
        out.push_back('\\');
        out.push_back(e);
      }
      ++i;
      continue;
    }
    if (in_class && c == ']') in_class = false;
    if (!in_class && c == '[') {
      in_class = true;
      out.push_back(c);
      if (i + 1 < java.size() && java[i + 1] == '^') out.push_back(java[++i]);
      if (i + 1 < java.size() && java[i + 1] == ']') out.push_back(java[++i]);
      continue;
    }
    // RE2 counts to 1000 at most. The AWS patterns' larger bounds repeat
    // the member's length limit, which max_length checks.
    if (c == '{') {
      const size_t close = java.find('}', i);
      const size_t comma = java.find(',', i);
      int64_t max = 0;
      if (close != absl::string_view::npos && comma != absl::string_view::npos && comma < close &&
          absl::SimpleAtoi(java.substr(comma + 1, close - comma - 1), &max) && max > 1000) {
        absl::StrAppend(&out, java.substr(i, comma - i + 1), "}");
        i = close;
        continue;
      }
    }
    if (!in_class && c == '.') {
      out += kJavaDot;
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace internal_validation

namespace {

namespace pb = ::google::protobuf;
namespace v1 = ::awsfacade::validation::v1;

struct MessagePlan;

// What one field is checked for.
struct FieldRule {
  const pb::FieldDescriptor* field;
  v1::FieldConstraints constraints;
  std::unique_ptr<RE2> pattern;
  std::vector<std::string> enum_values;
  const MessagePlan* nested = nullptr;  // the field's message type has rules
};

struct MessagePlan {
  explicit MessagePlan(const v1::ServiceValidation& service)
      : validator(service.error()), style(service.list_index_style()) {}
  Validator validator;
  v1::ListIndexStyle style;
  std::vector<FieldRule> rules;
  // INTERNAL when a pattern here or in a message held does not compile
  // (every request of the type then fails with it; a test builds them all).
  absl::Status broken;
};

// A step of the path from the request to a member: a field, and for an
// element of a list its index or of a map its key.
struct Step {
  const pb::FieldDescriptor* field;
  int index = -1;
  std::string key;
};
using Path = absl::InlinedVector<Step, 4>;

std::string MemberPath(const Path& path, v1::ListIndexStyle style) {
  std::string out;
  for (const Step& step : path) {
    if (!out.empty()) out.push_back('.');
    out += step.field->json_name();
    if (!step.key.empty()) {
      absl::StrAppend(&out, ".", step.key);
    } else if (step.index >= 0) {
      switch (style) {
        case v1::LIST_INDEX_STYLE_DOTTED_MEMBER:
          absl::StrAppend(&out, ".", step.index + 1, ".member");
          break;
        case v1::LIST_INDEX_STYLE_BRACKETED:
          absl::StrAppend(&out, "[", step.index, "]");
          break;
        default:
          absl::StrAppend(&out, ".", step.index + 1);
          break;
      }
    }
  }
  return out;
}

const v1::ServiceValidation& ServiceValidationOf(const pb::FileDescriptor& file) {
  for (int i = 0; i < file.service_count(); ++i) {
    const pb::ServiceOptions& options = file.service(i)->options();
    if (options.HasExtension(v1::service)) return options.GetExtension(v1::service);
  }
  static const v1::ServiceValidation* const kDefault = [] {
    auto* d = new v1::ServiceValidation();
    d->set_error("ValidationException");
    return d;
  }();
  return *kDefault;
}

class PlanCache {
 public:
  const MessagePlan* Get(const pb::Descriptor* type) ABSL_LOCKS_EXCLUDED(mu_) {
    {
      absl::ReaderMutexLock lock(&mu_);
      if (auto it = plans_.find(type); it != plans_.end()) return it->second.get();
    }
    absl::MutexLock lock(&mu_);
    return Build(type);
  }

 private:
  // The plan of `type`, nullptr when neither it nor a message it holds has
  // rules. A type in the making (a recursive message) counts as without.
  const MessagePlan* Build(const pb::Descriptor* type) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (auto it = plans_.find(type); it != plans_.end()) return it->second.get();
    plans_[type] = nullptr;
    auto plan = std::make_unique<MessagePlan>(ServiceValidationOf(*type->file()));
    for (int i = 0; i < type->field_count(); ++i) {
      const pb::FieldDescriptor* field = type->field(i);
      FieldRule rule{field, field->options().GetExtension(v1::field)};
      const bool has_constraints = field->options().HasExtension(v1::field);
      if (field->message_type() != nullptr) {
        const pb::Descriptor* held = field->is_map()
                                         ? field->message_type()->map_value()->message_type()
                                         : field->message_type();
        if (held != nullptr) rule.nested = Build(held);
        if (rule.nested != nullptr && plan->broken.ok()) plan->broken = rule.nested->broken;
      }
      if (!has_constraints && rule.nested == nullptr) continue;
      rule.enum_values.assign(rule.constraints.enum_values().begin(),
                              rule.constraints.enum_values().end());
      if (!rule.constraints.pattern().empty()) {
        RE2::Options options;
        options.set_log_errors(false);
        rule.pattern = std::make_unique<RE2>(
            internal_validation::Re2PatternOf(rule.constraints.pattern()), options);
        if (!rule.pattern->ok()) {
          plan->broken =
              absl::InternalError(absl::StrCat("the model pattern of ", field->full_name(),
                                               " does not compile: ", rule.pattern->error()));
        }
      }
      plan->rules.push_back(std::move(rule));
    }
    if (plan->rules.empty()) return nullptr;
    const MessagePlan* built = plan.get();
    plans_[type] = std::move(plan);
    return built;
  }

  absl::Mutex mu_;
  absl::flat_hash_map<const pb::Descriptor*, std::unique_ptr<MessagePlan>> plans_
      ABSL_GUARDED_BY(mu_);
};

PlanCache& Plans() {
  static PlanCache* const cache = new PlanCache();
  return *cache;
}

// Whether the field holds a value: set, for a field with presence; else not
// empty, not zero.
bool IsPresent(const pb::Message& message, const pb::Reflection& reflection,
               const pb::FieldDescriptor& field) {
  if (field.is_repeated()) return reflection.FieldSize(message, &field) > 0;
  if (field.has_presence()) return reflection.HasField(message, &field);
  switch (field.cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING:
      return !reflection.GetStringReference(message, &field, nullptr).empty();
    default:
      return reflection.HasField(message, &field);  // proto3: not the default
  }
}

absl::Status Check(const pb::Message& message, const MessagePlan& plan, Path& path);

absl::Status CheckField(const pb::Message& message, const pb::Reflection& reflection,
                        const MessagePlan& plan, const FieldRule& rule, Path& path) {
  const pb::FieldDescriptor& field = *rule.field;
  const v1::FieldConstraints& c = rule.constraints;
  auto fail = [&](auto&& check) -> absl::Status {
    path.push_back({&field});
    absl::Status status = check(MemberPath(path, plan.style));
    path.pop_back();
    return status;
  };
  if (!IsPresent(message, reflection, field) &&
      !(c.empty_is_value() && field.cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING)) {
    if (c.required()) {
      return fail([&](const std::string& at) { return plan.validator.Missing(at); });
    }
    return absl::OkStatus();
  }
  if (field.is_repeated()) {
    const int n = reflection.FieldSize(message, &field);
    if (c.has_min_length() || c.has_max_length()) {
      if (n < c.min_length() || (c.has_max_length() && n > c.max_length())) {
        return fail([&](const std::string& at) {
          return plan.validator.Count(at, n, c.min_length(),
                                      c.has_max_length() ? c.max_length() : INT64_MAX);
        });
      }
    }
    if (rule.nested == nullptr) return absl::OkStatus();
    for (int i = 0; i < n; ++i) {
      const pb::Message& element = reflection.GetRepeatedMessage(message, &field, i);
      Step step{&field, i};
      if (field.is_map()) {
        const pb::Reflection& entry = *element.GetReflection();
        const pb::Descriptor& type = *element.GetDescriptor();
        step = {&field, -1, entry.GetString(element, type.map_key())};
        path.push_back(std::move(step));
        absl::Status status =
            Check(entry.GetMessage(element, type.map_value()), *rule.nested, path);
        path.pop_back();
        if (!status.ok()) return status;
        continue;
      }
      path.push_back(std::move(step));
      absl::Status status = Check(element, *rule.nested, path);
      path.pop_back();
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }
  switch (field.cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& value = reflection.GetStringReference(message, &field, &scratch);
      if (c.has_min_length() || c.has_max_length()) {
        const int64_t n = CodePointCount(value);
        if (n < c.min_length() || (c.has_max_length() && n > c.max_length())) {
          return fail([&](const std::string& at) {
            return plan.validator.Count(at, n, c.min_length(),
                                        c.has_max_length() ? c.max_length() : INT64_MAX);
          });
        }
      }
      if (!rule.enum_values.empty()) {
        bool found = false;
        for (const std::string& allowed : rule.enum_values) found = found || allowed == value;
        if (!found) {
          return fail([&](const std::string& at) {
            return plan.validator.Enum(at, value, rule.enum_values);
          });
        }
      }
      if (rule.pattern != nullptr && rule.pattern->ok() && !RE2::FullMatch(value, *rule.pattern)) {
        return fail(
            [&](const std::string& at) { return plan.validator.PatternMismatch(at, c.pattern()); });
      }
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_INT32:
    case pb::FieldDescriptor::CPPTYPE_INT64:
    case pb::FieldDescriptor::CPPTYPE_UINT32: {
      const int64_t value = field.cpp_type() == pb::FieldDescriptor::CPPTYPE_INT32
                                ? reflection.GetInt32(message, &field)
                            : field.cpp_type() == pb::FieldDescriptor::CPPTYPE_UINT32
                                ? reflection.GetUInt32(message, &field)
                                : reflection.GetInt64(message, &field);
      if ((c.has_min_value() && value < c.min_value()) ||
          (c.has_max_value() && value > c.max_value())) {
        return fail([&](const std::string& at) {
          return plan.validator.Range(at, value, c.has_min_value() ? c.min_value() : INT64_MIN,
                                      c.has_max_value() ? c.max_value() : INT64_MAX);
        });
      }
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_MESSAGE: {
      if (rule.nested == nullptr) return absl::OkStatus();
      path.push_back({&field});
      absl::Status status = Check(reflection.GetMessage(message, &field), *rule.nested, path);
      path.pop_back();
      return status;
    }
    default:
      return absl::OkStatus();
  }
}

absl::Status Check(const pb::Message& message, const MessagePlan& plan, Path& path) {
  const pb::Reflection& reflection = *message.GetReflection();
  for (const FieldRule& rule : plan.rules) {
    if (absl::Status status = CheckField(message, reflection, plan, rule, path); !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateRequest(const google::protobuf::Message& request) {
  const MessagePlan* plan = Plans().Get(request.GetDescriptor());
  if (plan == nullptr) return absl::OkStatus();
  if (!plan->broken.ok()) return plan->broken;
  Path path;
  return Check(request, *plan, path);
}

}  // namespace awsfacade::backends
