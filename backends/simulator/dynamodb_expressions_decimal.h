#ifndef AWSFACADE_BACKENDS_SIMULATOR_DYNAMODB_EXPRESSIONS_DECIMAL_H_
#define AWSFACADE_BACKENDS_SIMULATOR_DYNAMODB_EXPRESSIONS_DECIMAL_H_

// Exact decimal numbers. DynamoDB numbers are decimals with 38 significant
// digits and an exponent of the leading digit in [-130, 125]; no binary
// floating point can hold them, so they are kept as digit strings. Private
// to the expression sections (see dynamodb_expressions_internal.h).

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace awsfacade::backends::simulator::expressions_internal {

struct Decimal {
  bool negative = false;
  std::string digits;    // Significant digits without leading or trailing '0'; empty is zero.
  int64_t exponent = 0;  // value = digits * 10^exponent

  bool zero() const { return digits.empty(); }
  // The power of ten of the leading digit (1.5E3 -> 3).
  int64_t adjusted() const { return exponent + static_cast<int64_t>(digits.size()) - 1; }
};

// Parses the number syntax DynamoDB accepts (Java BigDecimal's): an optional
// sign, digits with an optional point (".5" and "5." included), an optional
// exponent. No whitespace, NaN or Infinity. No range checks.
std::optional<Decimal> ParseDecimal(absl::string_view text);

// ParseDecimal, then DynamoDB's range checks: ValidationException in
// DynamoDB's words for text that is no number or out of range.
absl::StatusOr<Decimal> ParseNumber(absl::string_view text);

// Plain notation, no leading or trailing zeros: DynamoDB's text of a number,
// the one output of CanonicalNumber and of every number the simulator keeps.
std::string FormatDecimal(const Decimal& d);

// FormatDecimal of `text` when it parses (no range checks), else `text` as
// is. Numerically equal texts give one string, so it keys number sets too.
std::string CanonicalNumberText(absl::string_view text);

// <0, 0 or >0 as a is less than, equal to or greater than b.
int CompareDecimal(const Decimal& a, const Decimal& b);

// Exact a + b, then DynamoDB's range checks on the result (no rounding:
// DynamoDB rejects a sum that needs more than 38 digits).
absl::StatusOr<Decimal> AddDecimal(const Decimal& a, const Decimal& b);

Decimal Negated(Decimal d);

}  // namespace awsfacade::backends::simulator::expressions_internal

#endif  // AWSFACADE_BACKENDS_SIMULATOR_DYNAMODB_EXPRESSIONS_DECIMAL_H_
