#ifndef AWSFACADE_BACKENDS_COMMON_VALIDATION_H_
#define AWSFACADE_BACKENDS_COMMON_VALIDATION_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace awsfacade::backends {

// Server-side input validation as AWS does it (model constraints: required,
// length, pattern, range). Each check names the AWS member at fault and
// fails with the service's own validation error name (`error`, e.g.
// "InvalidParameterException", "InvalidInputException", "ValidationException").
// Patterns must match the whole value (docs/aws-semantics.md §8.4).
class Validator {
 public:
  explicit Validator(absl::string_view error) : error_(error) {}

  // Length in characters (Unicode code points, as AWS counts them).
  absl::Status Length(absl::string_view field, absl::string_view value, int64_t min,
                      int64_t max) const;
  absl::Status Required(absl::string_view field, absl::string_view value) const;
  absl::Status Range(absl::string_view field, int64_t value, int64_t min, int64_t max) const;
  // Every character satisfies `allowed`.
  absl::Status Charset(absl::string_view field, absl::string_view value, bool (*allowed)(char),
                       absl::string_view pattern) const;
  // Length of a list or map: `n` entries, worded as AWS words it.
  absl::Status Count(absl::string_view field, int64_t n, int64_t min, int64_t max) const;
  // A present `value` (not empty) is one of `allowed`.
  absl::Status Enum(absl::string_view field, absl::string_view value,
                    absl::Span<const std::string> allowed) const;
  // The errors of a missing member and of a value not matching `pattern`.
  absl::Status Missing(absl::string_view field) const;
  absl::Status PatternMismatch(absl::string_view field, absl::string_view pattern) const;
  // Builds the error for a rule not covered above.
  absl::Status Fail(absl::string_view field, absl::string_view message) const;

  absl::string_view error() const { return error_; }

 private:
  absl::string_view error_;
};

// Number of Unicode code points in valid UTF-8 (bytes otherwise).
int64_t CodePointCount(absl::string_view utf8);

}  // namespace awsfacade::backends

#endif  // AWSFACADE_BACKENDS_COMMON_VALIDATION_H_
