#include "backends/common/validation.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backends/common/aws_error.h"

namespace awsfacade::backends {

int64_t CodePointCount(absl::string_view utf8) {
  int64_t n = 0;
  for (char c : utf8) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

absl::Status Validator::Fail(absl::string_view field, absl::string_view message) const {
  return AwsError(
      error_, absl::StrCat("1 validation error detected: Value at '", field, "' ", message), field);
}

absl::Status Validator::Missing(absl::string_view field) const {
  return Fail(field, "failed to satisfy constraint: Member must not be null");
}

absl::Status Validator::Required(absl::string_view field, absl::string_view value) const {
  if (value.empty()) return Missing(field);
  return absl::OkStatus();
}

absl::Status Validator::Length(absl::string_view field, absl::string_view value, int64_t min,
                               int64_t max) const {
  return Count(field, CodePointCount(value), min, max);
}

absl::Status Validator::Count(absl::string_view field, int64_t n, int64_t min, int64_t max) const {
  if (n < min) {
    return Fail(field, absl::StrCat("failed to satisfy constraint: Member must have length "
                                    "greater than or equal to ",
                                    min));
  }
  if (n > max) {
    return Fail(field, absl::StrCat("failed to satisfy constraint: Member must have length "
                                    "less than or equal to ",
                                    max));
  }
  return absl::OkStatus();
}

absl::Status Validator::Range(absl::string_view field, int64_t value, int64_t min,
                              int64_t max) const {
  if (value < min) {
    return Fail(field, absl::StrCat("failed to satisfy constraint: Member must have value "
                                    "greater than or equal to ",
                                    min));
  }
  if (value > max) {
    return Fail(field, absl::StrCat("failed to satisfy constraint: Member must have value "
                                    "less than or equal to ",
                                    max));
  }
  return absl::OkStatus();
}

absl::Status Validator::Enum(absl::string_view field, absl::string_view value,
                             absl::Span<const std::string> allowed) const {
  if (value.empty()) return absl::OkStatus();
  for (const std::string& a : allowed) {
    if (value == a) return absl::OkStatus();
  }
  return Fail(field, absl::StrCat("failed to satisfy constraint: Member must satisfy enum value "
                                  "set: [",
                                  absl::StrJoin(allowed, ", "), "]"));
}

absl::Status Validator::PatternMismatch(absl::string_view field, absl::string_view pattern) const {
  return Fail(field, absl::StrCat("failed to satisfy constraint: Member must satisfy "
                                  "regular expression pattern: ",
                                  pattern));
}

absl::Status Validator::Charset(absl::string_view field, absl::string_view value,
                                bool (*allowed)(char), absl::string_view pattern) const {
  for (char c : value) {
    if (!allowed(c)) return PatternMismatch(field, pattern);
  }
  return absl::OkStatus();
}

}  // namespace awsfacade::backends
