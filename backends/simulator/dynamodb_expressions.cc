#include "backends/simulator/dynamodb_expressions.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "backends/common/aws_error.h"

namespace awsfacade::backends::simulator {
namespace {

// ---------------------------------------------------------------------------
// Limits and messages. Message texts are DynamoDB's, as its clients see them.
// ---------------------------------------------------------------------------

constexpr size_t kMaxExpressionBytes = 4096;
// Document paths and stored values nest at most 32 levels (DynamoDB limit).
constexpr int kMaxNestingLevels = 32;
// Parentheses and function calls nest at most this deep in an expression.
// DynamoDB documents no such limit; ours bounds the parser's recursion, and
// no expression a person writes comes near it.
constexpr int kMaxParseNesting = 64;
constexpr int kMaxOperators = 300;
// IN takes at most 100 operands counting the one on its left.
constexpr size_t kMaxInOperands = 100;
constexpr int64_t kMaxItemBytes = 400 * 1024;
constexpr size_t kMaxSignificantDigits = 38;
constexpr int64_t kMaxAdjustedExponent = 125;
constexpr int64_t kMinAdjustedExponent = -130;

constexpr char kValidationException[] = "ValidationException";
constexpr char kConditionalCheckFailedException[] = "ConditionalCheckFailedException";

constexpr char kNotNumeric[] = "The parameter cannot be converted to a numeric value";
constexpr char kNumberOverflow[] =
    "Number overflow. Attempting to store a number with magnitude larger than supported range";
constexpr char kNumberUnderflow[] =
    "Number underflow. Attempting to store a number with magnitude smaller than supported range";
constexpr char kNumberPrecision[] =
    "Attempting to store more than 38 significant digits in a Number";
constexpr char kEmptyAttributeValue[] =
    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
constexpr char kNullNotTrue[] =
    "One or more parameter values were invalid: Null attribute value types must have the value "
    "of true";
constexpr char kEmptyStringSet[] =
    "One or more parameter values were invalid: An string set  may not be empty";
constexpr char kEmptyNumberSet[] =
    "One or more parameter values were invalid: An number set  may not be empty";
constexpr char kEmptyBinarySet[] =
    "One or more parameter values were invalid: Binary sets should not be empty";
// DynamoDB's naming rules: an attribute name (a map key included, same
// shape) has at least one character.
constexpr char kEmptyAttributeName[] =
    "One or more parameter values were invalid: An attribute name cannot be empty";
constexpr char kNestingTooDeep[] =
    "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels "
    "beyond supported limit";
constexpr char kIncorrectDataType[] =
    "An operand in the update expression has an incorrect data type";
constexpr char kMissingAttribute[] =
    "The provided expression refers to an attribute that does not exist in the item";
constexpr char kInvalidUpdatePath[] =
    "The document path provided in the update expression is invalid for update";
constexpr char kConditionFailed[] = "The conditional request failed";
constexpr char kItemTooLarge[] = "Item size to update has exceeded the maximum allowed size";
constexpr char kMisusedFunctionMessage[] =
    "The function is not allowed to be used this way in an expression; function: ";
constexpr char kAnyTypeName[] = "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}";

constexpr char kConditionExpression[] = "ConditionExpression";
constexpr char kUpdateExpression[] = "UpdateExpression";
constexpr char kProjectionExpression[] = "ProjectionExpression";

absl::Status Invalid(absl::string_view message, absl::string_view field = {}) {
  return AwsError(kValidationException, message, field);
}

// Length of the valid UTF-8 sequence starting at `i`, or 0.
size_t Utf8SequenceLength(absl::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  size_t n = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
  }
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if (cc < 0x80 || cc > 0xBF) return 0;
  }
  return n;
}

// The length of a string as DynamoDB's size() counts it: UTF-16 code units
// (its servers are Java), so a character outside the Basic Multilingual
// Plane counts 2. Bytes that are not valid UTF-8 count 1 each.
int64_t Utf16Length(absl::string_view utf8) {
  int64_t units = 0;
  size_t i = 0;
  while (i < utf8.size()) {
    const size_t len = Utf8SequenceLength(utf8, i);
    units += len == 4 ? 2 : 1;
    i += len == 0 ? 1 : len;
  }
  return units;
}

// Request text echoed in an error message. Requests may carry any bytes, but
// a status message must stay valid UTF-8 on the wire, so invalid sequences
// and control bytes become \xNN, and very long text is cut.
std::string Printable(absl::string_view text) {
  constexpr size_t kMaxEcho = 512;
  std::string out;
  const size_t limit = std::min(text.size(), kMaxEcho);
  size_t i = 0;
  while (i < limit) {
    const auto c = static_cast<unsigned char>(text[i]);
    const size_t len = Utf8SequenceLength(text, i);
    if (len == 0 || (len == 1 && (c < 0x20 || c == 0x7F))) {
      absl::StrAppend(&out, "\\x", absl::Hex(static_cast<unsigned>(c), absl::kZeroPad2));
      ++i;
    } else {
      out.append(text.data() + i, len);
      i += len;
    }
  }
  if (text.size() > limit) out.append("...");
  return out;
}

// ---------------------------------------------------------------------------
// Exact decimal numbers. DynamoDB numbers are decimals with 38 significant
// digits and an exponent of the leading digit in [-130, 125]; no binary
// floating point can hold them, so they are kept as digit strings.
// ---------------------------------------------------------------------------

struct Decimal {
  bool negative = false;
  std::string digits;    // Significant digits without leading or trailing '0'; empty is zero.
  int64_t exponent = 0;  // value = digits * 10^exponent

  bool zero() const { return digits.empty(); }
  // The power of ten of the leading digit (1.5E3 -> 3).
  int64_t adjusted() const { return exponent + static_cast<int64_t>(digits.size()) - 1; }
};

// Far beyond any valid exponent, near no int64 overflow.
constexpr int64_t kExponentClamp = int64_t{1} << 40;

void Normalize(Decimal* d) {
  const size_t lead = d->digits.find_first_not_of('0');
  if (lead == std::string::npos) {
    *d = Decimal();
    return;
  }
  d->digits.erase(0, lead);
  const size_t last = d->digits.find_last_not_of('0');
  d->exponent += static_cast<int64_t>(d->digits.size() - 1 - last);
  d->digits.resize(last + 1);
}

// Parses the number syntax DynamoDB accepts (Java BigDecimal's): an optional
// sign, digits with an optional point (".5" and "5." included), an optional
// exponent. No whitespace, NaN or Infinity. No range checks.
std::optional<Decimal> ParseDecimal(absl::string_view text) {
  Decimal d;
  size_t i = 0;
  const size_t n = text.size();
  if (i < n && (text[i] == '+' || text[i] == '-')) {
    d.negative = text[i] == '-';
    ++i;
  }
  const size_t int_start = i;
  while (i < n && absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) ++i;
  const absl::string_view int_part = text.substr(int_start, i - int_start);
  absl::string_view frac_part;
  if (i < n && text[i] == '.') {
    ++i;
    const size_t frac_start = i;
    while (i < n && absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) ++i;
    frac_part = text.substr(frac_start, i - frac_start);
  }
  if (int_part.empty() && frac_part.empty()) return std::nullopt;
  int64_t exponent = 0;
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exponent_negative = false;
    if (i < n && (text[i] == '+' || text[i] == '-')) {
      exponent_negative = text[i] == '-';
      ++i;
    }
    const size_t exponent_start = i;
    while (i < n && absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) {
      exponent = std::min(exponent * 10 + (text[i] - '0'), kExponentClamp);
      ++i;
    }
    if (i == exponent_start) return std::nullopt;
    if (exponent_negative) exponent = -exponent;
  }
  if (i != n) return std::nullopt;
  d.digits = absl::StrCat(int_part, frac_part);
  d.exponent = exponent - static_cast<int64_t>(frac_part.size());
  const bool negative = d.negative;
  Normalize(&d);
  d.negative = negative && !d.zero();
  return d;
}

// The DynamoDB message when `d` is out of range, or nullptr. `arithmetic`
// reports excess precision as overflow, which is what DynamoDB says when a
// sum needs more than 38 digits.
const char* RangeError(const Decimal& d, bool arithmetic) {
  if (d.zero()) return nullptr;
  if (d.adjusted() > kMaxAdjustedExponent) return kNumberOverflow;
  if (d.adjusted() < kMinAdjustedExponent) return kNumberUnderflow;
  if (d.digits.size() > kMaxSignificantDigits) {
    return arithmetic ? kNumberOverflow : kNumberPrecision;
  }
  return nullptr;
}

// The message for invalid number text, or empty when it is a valid number.
std::string NumberProblem(absl::string_view text, Decimal* out = nullptr) {
  if (text.empty()) return kNotNumeric;
  std::optional<Decimal> d = ParseDecimal(text);
  if (!d) return absl::StrCat(kNotNumeric, ": ", Printable(text));
  if (const char* error = RangeError(*d, /*arithmetic=*/false)) return error;
  if (out != nullptr) *out = *std::move(d);
  return "";
}

absl::StatusOr<Decimal> ParseNumber(absl::string_view text) {
  Decimal d;
  std::string problem = NumberProblem(text, &d);
  if (!problem.empty()) return Invalid(problem);
  return d;
}

// Plain notation, as DynamoDB returns numbers.
std::string FormatDecimal(const Decimal& d) {
  if (d.zero()) return "0";
  std::string out = d.negative ? "-" : "";
  if (d.exponent >= 0) {
    out.append(d.digits);
    out.append(static_cast<size_t>(d.exponent), '0');
    return out;
  }
  const int64_t point = static_cast<int64_t>(d.digits.size()) + d.exponent;
  if (point > 0) {
    out.append(d.digits, 0, static_cast<size_t>(point));
    out.push_back('.');
    out.append(d.digits, static_cast<size_t>(point), std::string::npos);
  } else {
    out.append("0.");
    out.append(static_cast<size_t>(-point), '0');
    out.append(d.digits);
  }
  return out;
}

int CompareDecimal(const Decimal& a, const Decimal& b) {
  const int sa = a.zero() ? 0 : (a.negative ? -1 : 1);
  const int sb = b.zero() ? 0 : (b.negative ? -1 : 1);
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  int magnitude;
  if (a.adjusted() != b.adjusted()) {
    magnitude = a.adjusted() < b.adjusted() ? -1 : 1;
  } else {
    // Same leading position: digit strings compare like the numbers.
    const int c = a.digits.compare(b.digits);
    magnitude = c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return sa * magnitude;
}

// x + y for equal-length digit strings.
std::string AddDigits(const std::string& x, const std::string& y) {
  std::string out(x.size() + 1, '0');
  int carry = 0;
  for (size_t k = x.size(); k-- > 0;) {
    const int sum = (x[k] - '0') + (y[k] - '0') + carry;
    out[k + 1] = static_cast<char>('0' + sum % 10);
    carry = sum / 10;
  }
  out[0] = static_cast<char>('0' + carry);
  return out;
}

// x - y for equal-length digit strings with x >= y.
std::string SubtractDigits(const std::string& x, const std::string& y) {
  std::string out(x.size(), '0');
  int borrow = 0;
  for (size_t k = x.size(); k-- > 0;) {
    int diff = (x[k] - '0') - (y[k] - '0') - borrow;
    borrow = diff < 0 ? 1 : 0;
    if (diff < 0) diff += 10;
    out[k] = static_cast<char>('0' + diff);
  }
  return out;
}

// Exact a + b, then DynamoDB's range checks on the result (no rounding:
// DynamoDB rejects a sum that needs more than 38 digits).
absl::StatusOr<Decimal> AddDecimal(const Decimal& a, const Decimal& b) {
  Decimal r;
  if (a.zero()) {
    r = b;
  } else if (b.zero()) {
    r = a;
  } else {
    const int64_t e = std::min(a.exponent, b.exponent);
    const int64_t pad_a = a.exponent - e;
    const int64_t pad_b = b.exponent - e;
    // Valid operands are at most ~300 places apart; a wider gap cannot give
    // a 38-digit result, and would only cost memory.
    constexpr int64_t kMaxAlignment = 1024;
    if (pad_a > kMaxAlignment || pad_b > kMaxAlignment) return Invalid(kNumberOverflow);
    std::string x = a.digits + std::string(static_cast<size_t>(pad_a), '0');
    std::string y = b.digits + std::string(static_cast<size_t>(pad_b), '0');
    const size_t width = std::max(x.size(), y.size());
    x.insert(0, width - x.size(), '0');
    y.insert(0, width - y.size(), '0');
    if (a.negative == b.negative) {
      r.digits = AddDigits(x, y);
      r.negative = a.negative;
    } else {
      const int c = x.compare(y);
      if (c == 0) return Decimal();
      r.digits = c > 0 ? SubtractDigits(x, y) : SubtractDigits(y, x);
      r.negative = c > 0 ? a.negative : b.negative;
    }
    r.exponent = e;
    const bool negative = r.negative;
    Normalize(&r);
    r.negative = negative && !r.zero();
  }
  if (const char* error = RangeError(r, /*arithmetic=*/true)) return Invalid(error);
  return r;
}

Decimal Negated(Decimal d) {
  d.negative = !d.negative && !d.zero();
  return d;
}

// A key under which numerically equal number texts collide ("1" and "1.0").
std::string NumberKey(absl::string_view text) {
  std::optional<Decimal> d = ParseDecimal(text);
  if (!d) return absl::StrCat("?", text);
  if (d->zero()) return "0";
  return absl::StrCat(d->negative ? "-" : "+", d->digits, "e", d->exponent);
}

// ---------------------------------------------------------------------------
// Attribute values: types, equality, ordering, validation, sizes.
// ---------------------------------------------------------------------------

using Case = AttributeValue::ValueCase;

// The type's short name, as in attribute_type() and most messages.
absl::string_view TypeCode(const AttributeValue& v) {
  switch (v.value_case()) {
    case AttributeValue::kS:
      return "S";
    case AttributeValue::kN:
      return "N";
    case AttributeValue::kB:
      return "B";
    case AttributeValue::kSs:
      return "SS";
    case AttributeValue::kNs:
      return "NS";
    case AttributeValue::kBs:
      return "BS";
    case AttributeValue::kM:
      return "M";
    case AttributeValue::kL:
      return "L";
    case AttributeValue::kNullValue:
      return "NULL";
    case AttributeValue::kBoolValue:
      return "BOOL";
    case AttributeValue::VALUE_NOT_SET:
      break;
  }
  return "";
}

// The type's long name, as in operator type errors ("operand type: LIST").
absl::string_view TypeWord(const AttributeValue& v) {
  switch (v.value_case()) {
    case AttributeValue::kS:
      return "STRING";
    case AttributeValue::kN:
      return "NUMBER";
    case AttributeValue::kB:
      return "BINARY";
    case AttributeValue::kSs:
      return "STRING_SET";
    case AttributeValue::kNs:
      return "NUMBER_SET";
    case AttributeValue::kBs:
      return "BINARY_SET";
    case AttributeValue::kM:
      return "MAP";
    case AttributeValue::kL:
      return "LIST";
    case AttributeValue::kNullValue:
      return "NULL";
    case AttributeValue::kBoolValue:
      return "BOOLEAN";
    case AttributeValue::VALUE_NOT_SET:
      break;
  }
  return "";
}

bool IsScalarKeyType(const AttributeValue& v) {
  return v.value_case() == AttributeValue::kS || v.value_case() == AttributeValue::kN ||
         v.value_case() == AttributeValue::kB;
}

bool IsSet(const AttributeValue& v) {
  return v.value_case() == AttributeValue::kSs || v.value_case() == AttributeValue::kNs ||
         v.value_case() == AttributeValue::kBs;
}

bool NumbersEqual(absl::string_view a, absl::string_view b) {
  if (a == b) return true;
  std::optional<Decimal> x = ParseDecimal(a);
  std::optional<Decimal> y = ParseDecimal(b);
  return x && y && CompareDecimal(*x, *y) == 0;
}

template <typename Range>
std::vector<std::string> SortedUnique(const Range& values) {
  std::vector<std::string> out(values.begin(), values.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

template <typename Range>
std::vector<std::string> SortedUniqueNumberKeys(const Range& values) {
  std::vector<std::string> out;
  out.reserve(values.size());
  for (const auto& v : values) out.push_back(NumberKey(v));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool ValuesEqual(const AttributeValue& a, const AttributeValue& b) {
  if (a.value_case() != b.value_case()) return false;
  switch (a.value_case()) {
    case AttributeValue::kS:
      return a.s() == b.s();
    case AttributeValue::kN:
      return NumbersEqual(a.n(), b.n());
    case AttributeValue::kB:
      return a.b() == b.b();
    case AttributeValue::kSs:
      return SortedUnique(a.ss().values()) == SortedUnique(b.ss().values());
    case AttributeValue::kNs:
      return SortedUniqueNumberKeys(a.ns().values()) == SortedUniqueNumberKeys(b.ns().values());
    case AttributeValue::kBs:
      return SortedUnique(a.bs().values()) == SortedUnique(b.bs().values());
    case AttributeValue::kM: {
      const auto& x = a.m().values();
      const auto& y = b.m().values();
      if (x.size() != y.size()) return false;
      for (const auto& [key, value] : x) {
        auto it = y.find(key);
        if (it == y.end() || !ValuesEqual(value, it->second)) return false;
      }
      return true;
    }
    case AttributeValue::kL: {
      const auto& x = a.l().values();
      const auto& y = b.l().values();
      if (x.size() != y.size()) return false;
      for (int k = 0; k < x.size(); ++k) {
        if (!ValuesEqual(x.Get(k), y.Get(k))) return false;
      }
      return true;
    }
    case AttributeValue::kNullValue:
      return true;
    case AttributeValue::kBoolValue:
      return a.bool_value() == b.bool_value();
    case AttributeValue::VALUE_NOT_SET:
      return true;
  }
  return false;
}

int Sign(int c) { return c < 0 ? -1 : (c > 0 ? 1 : 0); }

std::optional<int> CompareScalars(const AttributeValue& a, const AttributeValue& b) {
  if (a.value_case() != b.value_case()) return std::nullopt;
  switch (a.value_case()) {
    case AttributeValue::kS:
      // std::string compares as unsigned char: UTF-8 byte order.
      return Sign(a.s().compare(b.s()));
    case AttributeValue::kB:
      return Sign(a.b().compare(b.b()));
    case AttributeValue::kN: {
      std::optional<Decimal> x = ParseDecimal(a.n());
      std::optional<Decimal> y = ParseDecimal(b.n());
      if (!x || !y) return std::nullopt;
      return CompareDecimal(*x, *y);
    }
    default:
      return std::nullopt;
  }
}

absl::Status ValidateValue(const AttributeValue& v, int depth) {
  switch (v.value_case()) {
    case AttributeValue::VALUE_NOT_SET:
      return Invalid(kEmptyAttributeValue);
    case AttributeValue::kS:
    case AttributeValue::kB:
    case AttributeValue::kBoolValue:
      return absl::OkStatus();
    case AttributeValue::kN:
      return ParseNumber(v.n()).status();
    case AttributeValue::kNullValue:
      if (!v.null_value()) return Invalid(kNullNotTrue);
      return absl::OkStatus();
    case AttributeValue::kSs: {
      const auto& values = v.ss().values();
      if (values.empty()) return Invalid(kEmptyStringSet);
      if (SortedUnique(values).size() != static_cast<size_t>(values.size())) {
        return Invalid(absl::StrCat("One or more parameter values were invalid: Input collection [",
                                    Printable(absl::StrJoin(values, ", ")),
                                    "] contains duplicates."));
      }
      return absl::OkStatus();
    }
    case AttributeValue::kNs: {
      const auto& values = v.ns().values();
      if (values.empty()) return Invalid(kEmptyNumberSet);
      for (const std::string& n : values) {
        absl::Status status = ParseNumber(n).status();
        if (!status.ok()) return status;
      }
      if (SortedUniqueNumberKeys(values).size() != static_cast<size_t>(values.size())) {
        return Invalid(
            "One or more parameter values were invalid: Input collection contains duplicates.");
      }
      return absl::OkStatus();
    }
    case AttributeValue::kBs: {
      const auto& values = v.bs().values();
      if (values.empty()) return Invalid(kEmptyBinarySet);
      if (SortedUnique(values).size() != static_cast<size_t>(values.size())) {
        std::vector<std::string> encoded;
        for (const std::string& b : values) encoded.push_back(absl::Base64Escape(b));
        return Invalid(absl::StrCat("One or more parameter values were invalid: Input collection [",
                                    Printable(absl::StrJoin(encoded, ", ")),
                                    "]of type BS contains duplicates."));
      }
      return absl::OkStatus();
    }
    case AttributeValue::kM:
      if (depth >= kMaxNestingLevels) return Invalid(kNestingTooDeep);
      for (const auto& [key, value] : v.m().values()) {
        if (key.empty()) return Invalid(kEmptyAttributeName);
        absl::Status status = ValidateValue(value, depth + 1);
        if (!status.ok()) return status;
      }
      return absl::OkStatus();
    case AttributeValue::kL:
      if (depth >= kMaxNestingLevels) return Invalid(kNestingTooDeep);
      for (const AttributeValue& value : v.l().values()) {
        absl::Status status = ValidateValue(value, depth + 1);
        if (!status.ok()) return status;
      }
      return absl::OkStatus();
  }
  return Invalid(kEmptyAttributeValue);
}

// Container levels of `v` (a scalar is 0, a map of scalars 1).
int NestingLevels(const AttributeValue& v) {
  int deepest = 0;
  if (v.value_case() == AttributeValue::kM) {
    for (const auto& [key, value] : v.m().values())
      deepest = std::max(deepest, NestingLevels(value));
    return deepest + 1;
  }
  if (v.value_case() == AttributeValue::kL) {
    for (const AttributeValue& value : v.l().values()) {
      deepest = std::max(deepest, NestingLevels(value));
    }
    return deepest + 1;
  }
  return 0;
}

void CanonicalizeValidated(AttributeValue* v) {
  switch (v->value_case()) {
    case AttributeValue::kN: {
      std::optional<Decimal> d = ParseDecimal(v->n());
      if (d) v->set_n(FormatDecimal(*d));
      break;
    }
    case AttributeValue::kNs:
      for (std::string& n : *v->mutable_ns()->mutable_values()) {
        std::optional<Decimal> d = ParseDecimal(n);
        if (d) n = FormatDecimal(*d);
      }
      break;
    case AttributeValue::kM:
      for (auto& [key, value] : *v->mutable_m()->mutable_values()) CanonicalizeValidated(&value);
      break;
    case AttributeValue::kL:
      for (AttributeValue& value : *v->mutable_l()->mutable_values()) {
        CanonicalizeValidated(&value);
      }
      break;
    default:
      break;
  }
}

// Item sizes follow DynamoDB's storage encoding ("Item sizes and formats" in
// the Developer Guide, refined by published measurements of consumed
// capacity):
//   S: UTF-8 bytes.  B: raw bytes.  BOOL, NULL: 1.
//   N: 1 byte of exponent plus one byte per base-100 digit pair, pairs aligned
//      on the decimal point, leading and trailing zero pairs dropped; +1 for a
//      negative number; at most 21. Zero is 1. This is the Guide's "1 byte per
//      two significant digits + 1", made exact ("1" and "10" take 2 bytes,
//      "100.5" takes 4).
//   SS, NS, BS: the sum of the elements' sizes.
//   M: 3 + for each entry (name bytes + value size + 1).
//   L: 3 + for each element (value size + 1).
//   Item: for each attribute (name bytes + value size).
int64_t FloorHalf(int64_t x) { return x >= 0 ? x / 2 : -((-x + 1) / 2); }

int64_t NumberSizeBytes(absl::string_view text) {
  std::optional<Decimal> d = ParseDecimal(text);
  if (!d) return static_cast<int64_t>((text.size() + 1) / 2) + 1;  // not a number
  if (d->zero()) return 1;
  const int64_t pairs = FloorHalf(d->adjusted()) - FloorHalf(d->exponent) + 1;
  const int64_t size = pairs + 1 + (d->negative ? 1 : 0);
  return std::min<int64_t>(size, 21);
}

int64_t ValueSize(const AttributeValue& v) {
  switch (v.value_case()) {
    case AttributeValue::kS:
      return static_cast<int64_t>(v.s().size());
    case AttributeValue::kB:
      return static_cast<int64_t>(v.b().size());
    case AttributeValue::kN:
      return NumberSizeBytes(v.n());
    case AttributeValue::kSs: {
      int64_t size = 0;
      for (const std::string& s : v.ss().values()) size += static_cast<int64_t>(s.size());
      return size;
    }
    case AttributeValue::kBs: {
      int64_t size = 0;
      for (const std::string& b : v.bs().values()) size += static_cast<int64_t>(b.size());
      return size;
    }
    case AttributeValue::kNs: {
      int64_t size = 0;
      for (const std::string& n : v.ns().values()) size += NumberSizeBytes(n);
      return size;
    }
    case AttributeValue::kM: {
      int64_t size = 3;
      for (const auto& [key, value] : v.m().values()) {
        size += static_cast<int64_t>(key.size()) + ValueSize(value) + 1;
      }
      return size;
    }
    case AttributeValue::kL: {
      int64_t size = 3;
      for (const AttributeValue& value : v.l().values()) size += ValueSize(value) + 1;
      return size;
    }
    case AttributeValue::kNullValue:
    case AttributeValue::kBoolValue:
      return 1;
    case AttributeValue::VALUE_NOT_SET:
      break;
  }
  return 0;
}

// ---------------------------------------------------------------------------
// Reserved words (Developer Guide, "Reserved words in DynamoDB"), sorted,
// matched case-insensitively.
// ---------------------------------------------------------------------------

// clang-format off
constexpr absl::string_view kReservedWords[] = {
    "ABORT", "ABSOLUTE", "ACTION", "ADD", "AFTER", "AGENT", "AGGREGATE", "ALL", "ALLOCATE",
    "ALTER", "ANALYZE", "AND", "ANY", "ARCHIVE", "ARE", "ARRAY", "AS", "ASC", "ASCII",
    "ASENSITIVE", "ASSERTION", "ASYMMETRIC", "AT", "ATOMIC", "ATTACH", "ATTRIBUTE", "AUTH",
    "AUTHORIZATION", "AUTHORIZE", "AUTO", "AVG", "BACK", "BACKUP", "BASE", "BATCH", "BEFORE",
    "BEGIN", "BETWEEN", "BIGINT", "BINARY", "BIT", "BLOB", "BLOCK", "BOOLEAN", "BOTH",
    "BREADTH", "BUCKET", "BULK", "BY", "BYTE", "CALL", "CALLED", "CALLING", "CAPACITY",
    "CASCADE", "CASCADED", "CASE", "CAST", "CATALOG", "CHAR", "CHARACTER", "CHECK", "CLASS",
    "CLOB", "CLOSE", "CLUSTER", "CLUSTERED", "CLUSTERING", "CLUSTERS", "COALESCE", "COLLATE",
    "COLLATION", "COLLECTION", "COLUMN", "COLUMNS", "COMBINE", "COMMENT", "COMMIT", "COMPACT",
    "COMPILE", "COMPRESS", "CONDITION", "CONFLICT", "CONNECT", "CONNECTION", "CONSISTENCY",
    "CONSISTENT", "CONSTRAINT", "CONSTRAINTS", "CONSTRUCTOR", "CONSUMED", "CONTINUE", "CONVERT",
    "COPY", "CORRESPONDING", "COUNT", "COUNTER", "CREATE", "CROSS", "CUBE", "CURRENT", "CURSOR",
    "CYCLE", "DATA", "DATABASE", "DATE", "DATETIME", "DAY", "DEALLOCATE", "DEC", "DECIMAL",
    "DECLARE", "DEFAULT", "DEFERRABLE", "DEFERRED", "DEFINE", "DEFINED", "DEFINITION", "DELETE",
    "DELIMITED", "DEPTH", "DEREF", "DESC", "DESCRIBE", "DESCRIPTOR", "DETACH", "DETERMINISTIC",
    "DIAGNOSTICS", "DIRECTORIES", "DISABLE", "DISCONNECT", "DISTINCT", "DISTRIBUTE", "DO",
    "DOMAIN", "DOUBLE", "DROP", "DUMP", "DURATION", "DYNAMIC", "EACH", "ELEMENT", "ELSE",
    "ELSEIF", "EMPTY", "ENABLE", "END", "EQUAL", "EQUALS", "ERROR", "ESCAPE", "ESCAPED", "EVAL",
    "EVALUATE", "EXCEEDED", "EXCEPT", "EXCEPTION", "EXCEPTIONS", "EXCLUSIVE", "EXEC", "EXECUTE",
    "EXISTS", "EXIT", "EXPLAIN", "EXPLODE", "EXPORT", "EXPRESSION", "EXTENDED", "EXTERNAL",
    "EXTRACT", "FAIL", "FALSE", "FAMILY", "FETCH", "FIELDS", "FILE", "FILTER", "FILTERING",
    "FINAL", "FINISH", "FIRST", "FIXED", "FLATTERN", "FLOAT", "FOR", "FORCE", "FOREIGN",
    "FORMAT", "FORWARD", "FOUND", "FREE", "FROM", "FULL", "FUNCTION", "FUNCTIONS", "GENERAL",
    "GENERATE", "GET", "GLOB", "GLOBAL", "GO", "GOTO", "GRANT", "GREATER", "GROUP", "GROUPING",
    "HANDLER", "HASH", "HAVE", "HAVING", "HEAP", "HIDDEN", "HOLD", "HOUR", "IDENTIFIED",
    "IDENTITY", "IF", "IGNORE", "IMMEDIATE", "IMPORT", "IN", "INCLUDING", "INCLUSIVE",
    "INCREMENT", "INCREMENTAL", "INDEX", "INDEXED", "INDEXES", "INDICATOR", "INFINITE",
    "INITIALLY", "INLINE", "INNER", "INNTER", "INOUT", "INPUT", "INSENSITIVE", "INSERT",
    "INSTEAD", "INT", "INTEGER", "INTERSECT", "INTERVAL", "INTO", "INVALIDATE", "IS",
    "ISOLATION", "ITEM", "ITEMS", "ITERATE", "JOIN", "KEY", "KEYS", "LAG", "LANGUAGE", "LARGE",
    "LAST", "LATERAL", "LEAD", "LEADING", "LEAVE", "LEFT", "LENGTH", "LESS", "LEVEL", "LIKE",
    "LIMIT", "LIMITED", "LINES", "LIST", "LOAD", "LOCAL", "LOCALTIME", "LOCALTIMESTAMP",
    "LOCATION", "LOCATOR", "LOCK", "LOCKS", "LOG", "LOGED", "LONG", "LOOP", "LOWER", "MAP",
    "MATCH", "MATERIALIZED", "MAX", "MAXLEN", "MEMBER", "MERGE", "METHOD", "METRICS", "MIN",
    "MINUS", "MINUTE", "MISSING", "MOD", "MODE", "MODIFIES", "MODIFY", "MODULE", "MONTH",
    "MULTI", "MULTISET", "NAME", "NAMES", "NATIONAL", "NATURAL", "NCHAR", "NCLOB", "NEW",
    "NEXT", "NO", "NONE", "NOT", "NULL", "NULLIF", "NUMBER", "NUMERIC", "OBJECT", "OF",
    "OFFLINE", "OFFSET", "OLD", "ON", "ONLINE", "ONLY", "OPAQUE", "OPEN", "OPERATOR", "OPTION",
    "OR", "ORDER", "ORDINALITY", "OTHER", "OTHERS", "OUT", "OUTER", "OUTPUT", "OVER",
    "OVERLAPS", "OVERRIDE", "OWNER", "PAD", "PARALLEL", "PARAMETER", "PARAMETERS", "PARTIAL",
    "PARTITION", "PARTITIONED", "PARTITIONS", "PATH", "PERCENT", "PERCENTILE", "PERMISSION",
    "PERMISSIONS", "PIPE", "PIPELINED", "PLAN", "POOL", "POSITION", "PRECISION", "PREPARE",
    "PRESERVE", "PRIMARY", "PRIOR", "PRIVATE", "PRIVILEGES", "PROCEDURE", "PROCESSED",
    "PROJECT", "PROJECTION", "PROPERTY", "PROVISIONING", "PUBLIC", "PUT", "QUERY", "QUIT",
    "QUORUM", "RAISE", "RANDOM", "RANGE", "RANK", "RAW", "READ", "READS", "REAL", "REBUILD",
    "RECORD", "RECURSIVE", "REDUCE", "REF", "REFERENCE", "REFERENCES", "REFERENCING", "REGEXP",
    "REGION", "REINDEX", "RELATIVE", "RELEASE", "REMAINDER", "RENAME", "REPEAT", "REPLACE",
    "REQUEST", "RESET", "RESIGNAL", "RESOURCE", "RESPONSE", "RESTORE", "RESTRICT", "RESULT",
    "RETURN", "RETURNING", "RETURNS", "REVERSE", "REVOKE", "RIGHT", "ROLE", "ROLES", "ROLLBACK",
    "ROLLUP", "ROUTINE", "ROW", "ROWS", "RULE", "RULES", "SAMPLE", "SATISFIES", "SAVE",
    "SAVEPOINT", "SCAN", "SCHEMA", "SCOPE", "SCROLL", "SEARCH", "SECOND", "SECTION", "SEGMENT",
    "SEGMENTS", "SELECT", "SELF", "SEMI", "SENSITIVE", "SEPARATE", "SEQUENCE", "SERIALIZABLE",
    "SESSION", "SET", "SETS", "SHARD", "SHARE", "SHARED", "SHORT", "SHOW", "SIGNAL", "SIMILAR",
    "SIZE", "SKEWED", "SMALLINT", "SNAPSHOT", "SOME", "SOURCE", "SPACE", "SPACES", "SPARSE",
    "SPECIFIC", "SPECIFICTYPE", "SPLIT", "SQL", "SQLCODE", "SQLERROR", "SQLEXCEPTION",
    "SQLSTATE", "SQLWARNING", "START", "STATE", "STATIC", "STATUS", "STORAGE", "STORE",
    "STORED", "STREAM", "STRING", "STRUCT", "STYLE", "SUB", "SUBMULTISET", "SUBPARTITION",
    "SUBSTRING", "SUBTYPE", "SUM", "SUPER", "SYMMETRIC", "SYNONYM", "SYSTEM", "TABLE",
    "TABLESAMPLE", "TEMP", "TEMPORARY", "TERMINATED", "TEXT", "THAN", "THEN", "THROUGHPUT",
    "TIME", "TIMESTAMP", "TIMEZONE", "TINYINT", "TO", "TOKEN", "TOTAL", "TOUCH", "TRAILING",
    "TRANSACTION", "TRANSFORM", "TRANSLATE", "TRANSLATION", "TREAT", "TRIGGER", "TRIM", "TRUE",
    "TRUNCATE", "TTL", "TUPLE", "TYPE", "UNDER", "UNDO", "UNION", "UNIQUE", "UNIT", "UNKNOWN",
    "UNLOGGED", "UNNEST", "UNPROCESSED", "UNSIGNED", "UNTIL", "UPDATE", "UPPER", "URL", "USAGE",
    "USE", "USER", "USERS", "USING", "UUID", "VACUUM", "VALUE", "VALUED", "VALUES", "VARCHAR",
    "VARIABLE", "VARIANCE", "VARINT", "VARYING", "VIEW", "VIEWS", "VIRTUAL", "VOID", "WAIT",
    "WHEN", "WHENEVER", "WHERE", "WHILE", "WINDOW", "WITH", "WITHIN", "WITHOUT", "WORK",
    "WRAPPED", "WRITE", "YEAR", "ZONE"};
// clang-format on

bool IsReservedWord(absl::string_view word) {
  constexpr size_t kLongestReservedWord = 16;
  if (word.size() > kLongestReservedWord) return false;
  const std::string upper = absl::AsciiStrToUpper(word);
  return std::binary_search(std::begin(kReservedWords), std::end(kReservedWords),
                            absl::string_view(upper));
}

// ---------------------------------------------------------------------------
// Tokens. Names start with a letter and go on with letters, digits and '_';
// #name and :value references take at least one such character after the
// sign. Anything else is a one-character token the parser rejects, so that
// syntax errors can quote it with its neighbours as DynamoDB does.
// ---------------------------------------------------------------------------

enum class TokenKind { kName, kNameRef, kValueRef, kIndex, kPunct, kInvalid, kEnd };

struct Token {
  TokenKind kind;
  absl::string_view text;
  size_t begin;  // offset in the expression
};

bool IsNameChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::vector<Token> Tokenize(absl::string_view src) {
  constexpr absl::string_view kPunctuation = "()[],.=<>+-";
  std::vector<Token> out;
  size_t i = 0;
  const size_t n = src.size();
  while (i < n) {
    const char c = src[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    const size_t start = i;
    TokenKind kind;
    if (absl::ascii_isalpha(static_cast<unsigned char>(c))) {
      ++i;
      while (i < n && IsNameChar(src[i])) ++i;
      kind = TokenKind::kName;
    } else if ((c == '#' || c == ':') && i + 1 < n && IsNameChar(src[i + 1])) {
      i += 2;
      while (i < n && IsNameChar(src[i])) ++i;
      kind = c == '#' ? TokenKind::kNameRef : TokenKind::kValueRef;
    } else if (absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      while (i < n && absl::ascii_isdigit(static_cast<unsigned char>(src[i]))) ++i;
      kind = TokenKind::kIndex;
    } else if ((c == '<' && i + 1 < n && (src[i + 1] == '>' || src[i + 1] == '=')) ||
               (c == '>' && i + 1 < n && src[i + 1] == '=')) {
      i += 2;
      kind = TokenKind::kPunct;
    } else if (kPunctuation.find(c) != absl::string_view::npos) {
      ++i;
      kind = TokenKind::kPunct;
    } else {
      const size_t len = Utf8SequenceLength(src, i);
      i += len == 0 ? 1 : len;
      kind = TokenKind::kInvalid;
    }
    out.push_back(Token{kind, src.substr(start, i - start), start});
  }
  out.push_back(Token{TokenKind::kEnd, absl::string_view(), n});
  return out;
}

// ---------------------------------------------------------------------------
// Parse trees.
// ---------------------------------------------------------------------------

struct PathElement {
  std::string name;    // map key or attribute name
  int64_t index = -1;  // list index, or -1 for a name
  bool is_index() const { return index >= 0; }
  bool operator==(const PathElement& o) const { return name == o.name && index == o.index; }
};
using DocPath = std::vector<PathElement>;

// DynamoDB's rendering of a path in messages: "[a, b, [1]]".
std::string PathText(const DocPath& path) {
  std::vector<std::string> parts;
  for (const PathElement& e : path) {
    parts.push_back(e.is_index() ? absl::StrCat("[", e.index, "]") : Printable(e.name));
  }
  return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
}

// Orders paths element by element (indexes numerically), so list elements
// sort by position.
int ComparePaths(const DocPath& a, const DocPath& b) {
  const size_t n = std::min(a.size(), b.size());
  for (size_t k = 0; k < n; ++k) {
    const PathElement& x = a[k];
    const PathElement& y = b[k];
    if (x.is_index() != y.is_index()) return x.is_index() ? 1 : -1;
    if (x.is_index()) {
      if (x.index != y.index) return x.index < y.index ? -1 : 1;
    } else if (x.name != y.name) {
      return x.name < y.name ? -1 : 1;
    }
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

// One node of a condition or update expression. Operands (paths, values,
// function calls, + and -) and conditions share the type because a
// parenthesis may open either.
struct Node {
  enum class Kind { kPath, kValue, kCall, kArith, kOr, kAnd, kNot, kCompare, kBetween, kIn };
  Kind kind = Kind::kPath;
  DocPath path;                           // kPath
  bool resolved = true;                   // kPath: false when a #name is undefined
  std::string ref;                        // kValue: ":v"
  const AttributeValue* value = nullptr;  // kValue: the value, when defined and valid
  std::string op;                         // kCall name, kArith / kCompare operator
  std::vector<Node> children;             // arguments, operands or sub-conditions
  bool parenthesized = false;
  bool checked = false;  // kCall: its semantic checks have run
  size_t end = 0;        // index of the token after the node

  bool IsOperand() const {
    return kind == Kind::kPath || kind == Kind::kValue || kind == Kind::kCall ||
           kind == Kind::kArith;
  }
};

bool IsConditionFunction(absl::string_view name) {
  return name == "attribute_exists" || name == "attribute_not_exists" || name == "attribute_type" ||
         name == "begins_with" || name == "contains";
}

bool IsUpdateFunction(absl::string_view name) {
  return name == "if_not_exists" || name == "list_append";
}

bool IsComparator(absl::string_view op) {
  return op == "=" || op == "<>" || op == "<" || op == "<=" || op == ">" || op == ">=";
}

// The kinds of semantic error, each reported with its first occurrence. When
// an expression has several, DynamoDB reports them in an order that depends
// on the expression type; the parser keeps the first of each kind and the
// caller picks by that order.
enum class Problem {
  kInvalidValue,     // a :value or #name definition is itself invalid
  kLimit,            // path depth, IN operand count
  kRedundantParens,  // ((x))
  kUnknownFunction,
  kMisusedFunction,
  kReserved,
  kSection,  // a clause keyword twice
  kUndefinedName,
  kUndefinedValue,
  kOverlap,
  kConflict,
  kUpdateOperand,  // ADD / DELETE operand type
  kOperandCount,
  kDistinct,
  kOperandType,
  kCount
};

class Problems {
 public:
  void Add(Problem problem, std::string message) {
    std::optional<std::string>& slot = first_[static_cast<size_t>(problem)];
    if (!slot) slot = std::move(message);
  }
  const std::optional<std::string>& Get(Problem problem) const {
    return first_[static_cast<size_t>(problem)];
  }

 private:
  std::array<std::optional<std::string>, static_cast<size_t>(Problem::kCount)> first_;
};

constexpr Problem kConditionProblemOrder[] = {
    Problem::kInvalidValue,    Problem::kLimit,           Problem::kRedundantParens,
    Problem::kUnknownFunction, Problem::kMisusedFunction, Problem::kReserved,
    Problem::kUndefinedName,   Problem::kUndefinedValue,  Problem::kOperandCount,
    Problem::kDistinct,        Problem::kOperandType};
constexpr Problem kUpdateProblemOrder[] = {
    Problem::kInvalidValue, Problem::kLimit,           Problem::kRedundantParens,
    Problem::kReserved,     Problem::kUnknownFunction, Problem::kMisusedFunction,
    Problem::kSection,      Problem::kUndefinedName,   Problem::kUndefinedValue,
    Problem::kOverlap,      Problem::kConflict,        Problem::kUpdateOperand,
    Problem::kOperandCount, Problem::kDistinct,        Problem::kOperandType};
constexpr Problem kProjectionProblemOrder[] = {Problem::kInvalidValue, Problem::kLimit,
                                               Problem::kReserved,     Problem::kUndefinedName,
                                               Problem::kOverlap,      Problem::kConflict};

absl::Status FirstProblem(const Problems& problems, absl::Span<const Problem> order,
                          absl::string_view parameter) {
  for (Problem p : order) {
    if (const auto& message = problems.Get(p)) return Invalid(*message, parameter);
  }
  return absl::OkStatus();
}

// Rejects an empty or oversized expression before any parsing.
absl::Status CheckExpressionText(absl::string_view expression, absl::string_view parameter) {
  if (absl::StripAsciiWhitespace(expression).empty()) {
    return Invalid(absl::StrCat("Invalid ", parameter, ": The expression can not be empty;"),
                   parameter);
  }
  if (expression.size() > kMaxExpressionBytes) {
    // Condition and filter expressions also report the size; the others do not.
    const bool report_size = parameter == kConditionExpression || parameter == "FilterExpression";
    return Invalid(
        absl::StrCat("Invalid ", parameter,
                     ": Expression size has exceeded the maximum allowed size;",
                     report_size ? absl::StrCat(" expression size: ", expression.size()) : ""),
        parameter);
  }
  return absl::OkStatus();
}

struct UpdateAction {
  enum class Type { kSet, kRemove, kAdd, kDelete };
  Type type = Type::kSet;
  DocPath path;
  bool resolved = true;
  Node value;                               // SET: the new value
  const AttributeValue* operand = nullptr;  // ADD / DELETE: the :value
};

// ---------------------------------------------------------------------------
// The parser: recursive descent over the token list. Syntax errors end the
// parse at once; semantic errors are collected (see Problems) so that the
// one DynamoDB would report wins.
// ---------------------------------------------------------------------------

class Parser {
 public:
  enum class Grammar { kCondition, kUpdate, kProjection };

  Parser(absl::string_view src, absl::string_view parameter, Grammar grammar,
         const ExpressionContext& context)
      : src_(src),
        parameter_(parameter),
        grammar_(grammar),
        context_(context),
        tokens_(Tokenize(src)) {}

  const Problems& problems() const { return problems_; }

  absl::StatusOr<Node> ParseCondition() {
    absl::StatusOr<Node> node = ParseOr();
    if (!node.ok()) return node.status();
    absl::Status status = RequireCondition(*node);
    if (!status.ok()) return status;
    if (Peek().kind != TokenKind::kEnd) return SyntaxError(pos_);
    return node;
  }

  absl::StatusOr<std::vector<UpdateAction>> ParseUpdate() {
    std::vector<UpdateAction> actions;
    bool seen[4] = {false, false, false, false};
    constexpr absl::string_view kClauses[4] = {"SET", "REMOVE", "ADD", "DELETE"};
    while (Peek().kind != TokenKind::kEnd) {
      const Token& keyword = Peek();
      int clause = -1;
      for (int c = 0; c < 4; ++c) {
        if (keyword.kind == TokenKind::kName && absl::EqualsIgnoreCase(keyword.text, kClauses[c])) {
          clause = c;
        }
      }
      if (clause < 0) return SyntaxError(pos_);
      ++pos_;
      if (seen[clause]) {
        AddProblem(Problem::kSection, absl::StrCat("The \"", kClauses[clause],
                                                   "\" section can only be used once in an "
                                                   "update expression;"));
      }
      seen[clause] = true;
      while (true) {
        UpdateAction action;
        action.type = static_cast<UpdateAction::Type>(clause);
        Node path;
        absl::Status status = ParsePath(&path);
        if (!status.ok()) return status;
        action.path = std::move(path.path);
        action.resolved = path.resolved;
        switch (action.type) {
          case UpdateAction::Type::kSet: {
            if (!IsPunct(Peek(), "=")) return SyntaxError(pos_);
            ++pos_;
            absl::StatusOr<Node> value = ParseSetValue();
            if (!value.ok()) return value.status();
            action.value = *std::move(value);
            CheckUpdateValue(action.value);
            break;
          }
          case UpdateAction::Type::kRemove:
            break;
          case UpdateAction::Type::kAdd:
          case UpdateAction::Type::kDelete: {
            if (Peek().kind != TokenKind::kValueRef) return SyntaxError(pos_);
            Node value;
            ResolveValue(Peek(), &value);
            ++pos_;
            action.operand = value.value;
            if (action.operand != nullptr) CheckAddDeleteOperand(action.type, *action.operand);
            break;
          }
        }
        actions.push_back(std::move(action));
        if (!IsPunct(Peek(), ",")) break;
        ++pos_;
      }
    }
    std::vector<const DocPath*> paths;
    for (const UpdateAction& a : actions) {
      if (a.resolved) paths.push_back(&a.path);
    }
    CheckOverlaps(paths);
    return actions;
  }

  absl::StatusOr<std::vector<DocPath>> ParseProjection() {
    std::vector<DocPath> paths;
    bool all_resolved = true;
    while (true) {
      Node path;
      absl::Status status = ParsePath(&path);
      if (!status.ok()) return status;
      all_resolved = all_resolved && path.resolved;
      paths.push_back(std::move(path.path));
      if (!IsPunct(Peek(), ",")) break;
      ++pos_;
    }
    if (Peek().kind != TokenKind::kEnd) return SyntaxError(pos_);
    if (all_resolved) {
      std::vector<const DocPath*> pointers;
      for (const DocPath& p : paths) pointers.push_back(&p);
      CheckOverlaps(pointers);
    }
    return paths;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }

  static bool IsPunct(const Token& t, absl::string_view text) {
    return t.kind == TokenKind::kPunct && t.text == text;
  }

  // Words that structure the expression and so cannot name attributes.
  bool IsKeyword(const Token& t) const {
    if (t.kind != TokenKind::kName) return false;
    switch (grammar_) {
      case Grammar::kCondition:
        return absl::EqualsIgnoreCase(t.text, "AND") || absl::EqualsIgnoreCase(t.text, "OR") ||
               absl::EqualsIgnoreCase(t.text, "NOT") || absl::EqualsIgnoreCase(t.text, "BETWEEN") ||
               absl::EqualsIgnoreCase(t.text, "IN");
      case Grammar::kUpdate:
        return absl::EqualsIgnoreCase(t.text, "SET") || absl::EqualsIgnoreCase(t.text, "REMOVE") ||
               absl::EqualsIgnoreCase(t.text, "ADD") || absl::EqualsIgnoreCase(t.text, "DELETE");
      case Grammar::kProjection:
        return false;
    }
    return false;
  }

  bool IsKeyword(const Token& t, absl::string_view word) const {
    return t.kind == TokenKind::kName && absl::EqualsIgnoreCase(t.text, word);
  }

  // DynamoDB quotes the offending token and its neighbours:
  // Syntax error; token: "*", near: "numx * :v".
  absl::Status SyntaxError(size_t index) const {
    index = std::min(index, tokens_.size() - 1);
    const Token& token = tokens_[index];
    const size_t from = index > 0 ? tokens_[index - 1].begin : token.begin;
    size_t to = token.begin + token.text.size();
    if (token.kind != TokenKind::kEnd && index + 1 < tokens_.size() &&
        tokens_[index + 1].kind != TokenKind::kEnd) {
      to = tokens_[index + 1].begin + tokens_[index + 1].text.size();
    }
    const std::string quoted =
        token.kind == TokenKind::kEnd ? std::string("<EOF>") : Printable(token.text);
    return Invalid(absl::StrCat("Invalid ", parameter_, ": Syntax error; token: \"", quoted,
                                "\", near: \"", Printable(src_.substr(from, to - from)), "\""),
                   parameter_);
  }

  void AddProblem(Problem problem, absl::string_view message) {
    problems_.Add(problem, absl::StrCat("Invalid ", parameter_, ": ", message));
  }

  absl::Status CountOperator() {
    if (++operators_ > kMaxOperators) {
      return Invalid(absl::StrCat("Invalid ", parameter_,
                                  ": The expression contains too many operators or functions; "
                                  "limit: ",
                                  kMaxOperators),
                     parameter_);
    }
    return absl::OkStatus();
  }

  // Bounds the recursion of ParseTerm / ParseUpdateTerm (hostile input).
  class NestingGuard {
   public:
    explicit NestingGuard(Parser* parser) : parser_(parser) { ++parser_->nesting_; }
    ~NestingGuard() { --parser_->nesting_; }
    NestingGuard(const NestingGuard&) = delete;
    NestingGuard& operator=(const NestingGuard&) = delete;
    absl::Status status() const {
      if (parser_->nesting_ <= kMaxParseNesting) return absl::OkStatus();
      return Invalid(absl::StrCat("Invalid ", parser_->parameter_,
                                  ": The expression nests parentheses or functions more than ",
                                  kMaxParseNesting, " levels deep"),
                     parser_->parameter_);
    }

   private:
    Parser* parser_;
  };

  // ---- names, values, paths ----

  void AddNameElement(const Token& token, Node* node) {
    if (IsReservedWord(token.text)) {
      AddProblem(
          Problem::kReserved,
          absl::StrCat("Attribute name is a reserved keyword; reserved keyword: ", token.text));
    }
    node->path.push_back(PathElement{std::string(token.text), -1});
  }

  void AddNameRef(const Token& token, Node* node) {
    const std::string ref(token.text);
    const auto* names = context_.names;
    const std::string* resolved = nullptr;
    if (names != nullptr) {
      auto it = names->find(ref);
      if (it != names->end()) resolved = &it->second;
    }
    if (resolved == nullptr) {
      AddProblem(Problem::kUndefinedName,
                 absl::StrCat("An expression attribute name used in the document path is not "
                              "defined; attribute name: ",
                              ref));
      node->resolved = false;
      node->path.push_back(PathElement{ref, -1});
      return;
    }
    if (resolved->empty()) {
      problems_.Add(Problem::kInvalidValue,
                    absl::StrCat("ExpressionAttributeNames contains invalid value: Empty "
                                 "attribute name for key ",
                                 ref));
    }
    node->path.push_back(PathElement{*resolved, -1});
  }

  void ResolveValue(const Token& token, Node* node) {
    node->kind = Node::Kind::kValue;
    node->ref = std::string(token.text);
    const AttributeValue* defined = nullptr;
    if (context_.values != nullptr) {
      auto it = context_.values->find(node->ref);
      if (it != context_.values->end()) defined = &it->second;
    }
    if (defined == nullptr) {
      AddProblem(Problem::kUndefinedValue,
                 absl::StrCat("An expression attribute value used in expression is not defined; "
                              "attribute value: ",
                              node->ref));
      return;
    }
    auto [cached, inserted] = validated_.emplace(node->ref, true);
    if (inserted) {
      absl::Status status = ValidateValue(*defined, 0);
      if (!status.ok()) {
        cached->second = false;
        problems_.Add(Problem::kInvalidValue,
                      absl::StrCat("ExpressionAttributeValues contains invalid value: ",
                                   status.message(), " for key ", node->ref));
      }
    }
    if (cached->second) node->value = defined;
  }

  absl::Status ParsePath(Node* node) {
    node->kind = Node::Kind::kPath;
    const Token& first = Peek();
    if (first.kind == TokenKind::kName && !IsKeyword(first)) {
      AddNameElement(first, node);
    } else if (first.kind == TokenKind::kNameRef) {
      AddNameRef(first, node);
    } else {
      return SyntaxError(pos_);
    }
    ++pos_;
    while (true) {
      if (IsPunct(Peek(), ".")) {
        ++pos_;
        const Token& t = Peek();
        if (t.kind == TokenKind::kName && !IsKeyword(t)) {
          AddNameElement(t, node);
        } else if (t.kind == TokenKind::kNameRef) {
          AddNameRef(t, node);
        } else {
          return SyntaxError(pos_);
        }
        ++pos_;
      } else if (IsPunct(Peek(), "[")) {
        ++pos_;
        const Token& t = Peek();
        if (t.kind != TokenKind::kIndex) return SyntaxError(pos_);
        int64_t index = 0;
        for (char c : t.text) {
          index = index * 10 + (c - '0');
          if (index > INT32_MAX) return SyntaxError(pos_);
        }
        ++pos_;
        if (!IsPunct(Peek(), "]")) return SyntaxError(pos_);
        ++pos_;
        node->path.push_back(PathElement{"", index});
      } else {
        break;
      }
    }
    if (node->path.size() > static_cast<size_t>(kMaxNestingLevels)) {
      problems_.Add(Problem::kLimit,
                    absl::StrCat("Invalid ", parameter_,
                                 ": The document path has too many nesting levels; nesting "
                                 "levels: ",
                                 node->path.size()));
    }
    node->end = pos_;
    return absl::OkStatus();
  }

  // ---- conditions ----

  absl::StatusOr<Node> ParseOr() { return ParseJunction("OR", Node::Kind::kOr); }

  absl::StatusOr<Node> ParseAnd() { return ParseJunction("AND", Node::Kind::kAnd); }

  // a OR b OR c (or AND) as one node with many children: flat, so long
  // chains cost no recursion. AND binds tighter than OR.
  absl::StatusOr<Node> ParseJunction(absl::string_view keyword, Node::Kind kind) {
    absl::StatusOr<Node> first = kind == Node::Kind::kOr ? ParseAnd() : ParseNot();
    if (!first.ok() || !IsKeyword(Peek(), keyword)) return first;
    Node junction;
    junction.kind = kind;
    absl::Status status = RequireCondition(*first);
    if (!status.ok()) return status;
    junction.children.push_back(*std::move(first));
    while (IsKeyword(Peek(), keyword)) {
      ++pos_;
      status = CountOperator();
      if (!status.ok()) return status;
      absl::StatusOr<Node> next = kind == Node::Kind::kOr ? ParseAnd() : ParseNot();
      if (!next.ok()) return next.status();
      status = RequireCondition(*next);
      if (!status.ok()) return status;
      junction.children.push_back(*std::move(next));
    }
    junction.end = pos_;
    return junction;
  }

  // NOT binds tighter than AND; a run of NOTs is read without recursion.
  absl::StatusOr<Node> ParseNot() {
    int nots = 0;
    while (IsKeyword(Peek(), "NOT")) {
      ++pos_;
      ++nots;
      absl::Status status = CountOperator();
      if (!status.ok()) return status;
    }
    absl::StatusOr<Node> inner = ParseComparison();
    if (!inner.ok() || nots == 0) return inner;
    absl::Status status = RequireCondition(*inner);
    if (!status.ok()) return status;
    Node result = *std::move(inner);
    for (int k = 0; k < nots; ++k) {
      Node wrapped;
      wrapped.kind = Node::Kind::kNot;
      wrapped.end = result.end;
      wrapped.children.push_back(std::move(result));
      result = std::move(wrapped);
    }
    return result;
  }

  // operand comparator operand | operand BETWEEN operand AND operand |
  // operand IN (operand, ...) | term. A bare term may be an operand; the
  // caller decides whether that is allowed where it stands.
  absl::StatusOr<Node> ParseComparison() {
    absl::StatusOr<Node> left = ParseTerm();
    if (!left.ok()) return left;
    const Token& next = Peek();
    const bool comparator = next.kind == TokenKind::kPunct && IsComparator(next.text);
    const bool between = IsKeyword(next, "BETWEEN");
    const bool in = IsKeyword(next, "IN");
    if (!comparator && !between && !in) return left;
    if (!left->IsOperand()) return SyntaxError(pos_);
    Node node;
    node.op = comparator ? std::string(next.text) : absl::AsciiStrToUpper(next.text);
    ++pos_;
    absl::Status status = CountOperator();
    if (!status.ok()) return status;
    node.children.push_back(*std::move(left));
    if (comparator) {
      node.kind = Node::Kind::kCompare;
      status = ParseOperandInto(&node.children);
      if (!status.ok()) return status;
      CheckComparison(node);
    } else if (between) {
      node.kind = Node::Kind::kBetween;
      status = ParseOperandInto(&node.children);
      if (!status.ok()) return status;
      if (!IsKeyword(Peek(), "AND")) return SyntaxError(pos_);
      ++pos_;
      status = ParseOperandInto(&node.children);
      if (!status.ok()) return status;
      CheckBetween(node);
    } else {
      node.kind = Node::Kind::kIn;
      if (!IsPunct(Peek(), "(")) return SyntaxError(pos_);
      ++pos_;
      while (true) {
        status = ParseOperandInto(&node.children);
        if (!status.ok()) return status;
        if (!IsPunct(Peek(), ",")) break;
        ++pos_;
      }
      if (!IsPunct(Peek(), ")")) return SyntaxError(pos_);
      ++pos_;
      CheckIn(node);
    }
    node.end = pos_;
    return node;
  }

  absl::Status ParseOperandInto(std::vector<Node>* out) {
    absl::StatusOr<Node> operand = ParseTerm();
    if (!operand.ok()) return operand.status();
    if (!operand->IsOperand()) return SyntaxError(operand->end);
    out->push_back(*std::move(operand));
    return absl::OkStatus();
  }

  // ( condition-or-operand ) | function ( operand, ... ) | :value | path
  absl::StatusOr<Node> ParseTerm() {
    NestingGuard guard(this);
    if (absl::Status status = guard.status(); !status.ok()) return status;
    const Token& t = Peek();
    if (IsPunct(t, "(")) {
      ++pos_;
      absl::StatusOr<Node> inner = ParseOr();
      if (!inner.ok()) return inner;
      if (!IsPunct(Peek(), ")")) return SyntaxError(pos_);
      ++pos_;
      if (inner->parenthesized) {
        problems_.Add(
            Problem::kRedundantParens,
            absl::StrCat("Invalid ", parameter_, ": The expression has redundant parentheses;"));
      }
      inner->parenthesized = true;
      inner->end = pos_;
      return inner;
    }
    Node node;
    if (t.kind == TokenKind::kValueRef) {
      ResolveValue(t, &node);
      ++pos_;
      node.end = pos_;
      return node;
    }
    if (t.kind == TokenKind::kName && !IsKeyword(t) && IsPunct(Peek(1), "(")) {
      node.kind = Node::Kind::kCall;
      node.op = std::string(t.text);
      pos_ += 2;
      absl::Status status = CountOperator();
      if (!status.ok()) return status;
      while (true) {
        status = ParseOperandInto(&node.children);
        if (!status.ok()) return status;
        if (!IsPunct(Peek(), ",")) break;
        ++pos_;
      }
      if (!IsPunct(Peek(), ")")) return SyntaxError(pos_);
      ++pos_;
      node.end = pos_;
      return node;
    }
    absl::Status status = ParsePath(&node);
    if (!status.ok()) return status;
    return node;
  }

  // Where a condition must stand: a bare path or value is a syntax error at
  // the token after it; a function call is checked as a boolean function.
  absl::Status RequireCondition(Node& node) {
    if (node.kind == Node::Kind::kCall) {
      CheckConditionFunction(node);
      return absl::OkStatus();
    }
    if (node.IsOperand()) return SyntaxError(node.end);
    return absl::OkStatus();
  }

  // The type a node is known to have before evaluation: a value's type, N
  // for size(); empty when it depends on the item.
  static absl::string_view StaticType(const Node& node) {
    if (node.kind == Node::Kind::kValue && node.value != nullptr) return TypeCode(*node.value);
    if (node.kind == Node::Kind::kCall && node.op == "size") return "N";
    return "";
  }

  // Functions used where an operand stands: only size() is one.
  void CheckOperand(Node& node) {
    if (node.kind != Node::Kind::kCall || node.checked) return;
    node.checked = true;
    if (node.op == "size") {
      for (Node& arg : node.children) CheckOperand(arg);
      if (node.children.size() != 1) {
        AddProblem(Problem::kOperandCount, OperandCountMessage(node));
        return;
      }
      const absl::string_view type = StaticType(node.children[0]);
      if (type == "N" || type == "BOOL" || type == "NULL") {
        AddProblem(Problem::kOperandType, OperandTypeMessage("size", type));
      }
    } else if (IsConditionFunction(node.op) || IsUpdateFunction(node.op)) {
      AddProblem(Problem::kMisusedFunction, absl::StrCat(kMisusedFunctionMessage, node.op));
    } else {
      AddProblem(Problem::kUnknownFunction,
                 absl::StrCat("Invalid function name; function: ", Printable(node.op)));
    }
  }

  static std::string OperandCountMessage(const Node& call) {
    return absl::StrCat(
        "Incorrect number of operands for operator or function; operator or function: ", call.op,
        ", number of operands: ", call.children.size());
  }

  static std::string OperandTypeMessage(absl::string_view function, absl::string_view type) {
    return absl::StrCat("Incorrect operand type for operator or function; operator or function: ",
                        function, ", operand type: ", type);
  }

  void CheckDistinct(const Node& first, const Node& second, absl::string_view op) {
    if (first.kind == Node::Kind::kPath && second.kind == Node::Kind::kPath && first.resolved &&
        second.resolved && first.path == second.path) {
      AddProblem(Problem::kDistinct,
                 absl::StrCat("The first operand must be distinct from the remaining operands "
                              "for this operator or function; operator: ",
                              op, ", first operand: ", PathText(first.path)));
    }
  }

  // Functions used where a condition stands.
  void CheckConditionFunction(Node& node) {
    if (node.checked) return;
    node.checked = true;
    if (!IsConditionFunction(node.op)) {
      if (node.op == "size" || IsUpdateFunction(node.op)) {
        AddProblem(Problem::kMisusedFunction, absl::StrCat(kMisusedFunctionMessage, node.op));
      } else {
        AddProblem(Problem::kUnknownFunction,
                   absl::StrCat("Invalid function name; function: ", Printable(node.op)));
      }
      return;
    }
    for (Node& arg : node.children) CheckOperand(arg);
    const size_t expected =
        (node.op == "attribute_exists" || node.op == "attribute_not_exists") ? 1 : 2;
    if (node.children.size() != expected) {
      AddProblem(Problem::kOperandCount, OperandCountMessage(node));
      return;
    }
    if (expected == 2) CheckDistinct(node.children[0], node.children[1], node.op);
    if (node.op == "attribute_exists" || node.op == "attribute_not_exists") {
      if (node.children[0].kind != Node::Kind::kPath) {
        AddProblem(Problem::kOperandType,
                   absl::StrCat("Operator or function requires a document path; operator or "
                                "function: ",
                                node.op));
      }
    } else if (node.op == "attribute_type") {
      const Node& type_arg = node.children[1];
      absl::string_view type = StaticType(type_arg);
      if (type != "S") {
        if (type_arg.kind != Node::Kind::kValue || type_arg.value != nullptr) {
          AddProblem(Problem::kOperandType,
                     OperandTypeMessage(node.op, type.empty() ? kAnyTypeName : type));
        }
        return;
      }
      static constexpr absl::string_view kTypes[] = {"S",  "N", "B", "SS",   "NS",
                                                     "BS", "M", "L", "NULL", "BOOL"};
      const std::string& name = type_arg.value->s();
      if (std::find(std::begin(kTypes), std::end(kTypes), name) == std::end(kTypes)) {
        AddProblem(Problem::kOperandType,
                   absl::StrCat("Invalid attribute type name found; type: ", Printable(name),
                                ", valid types: { B,NULL,SS,BOOL,L,BS,N,NS,S,M }"));
      }
    } else if (node.op == "begins_with") {
      for (const Node& arg : node.children) {
        const absl::string_view type = StaticType(arg);
        if (!type.empty() && type != "S" && type != "B") {
          AddProblem(Problem::kOperandType, OperandTypeMessage(node.op, type));
          return;
        }
      }
    }
  }

  void CheckComparison(Node& node) {
    for (Node& operand : node.children) CheckOperand(operand);
    if (node.op != "=" && node.op != "<>") {
      for (const Node& operand : node.children) {
        if (operand.kind == Node::Kind::kValue && operand.value != nullptr &&
            !IsScalarKeyType(*operand.value)) {
          AddProblem(Problem::kOperandType, OperandTypeMessage(node.op, TypeWord(*operand.value)));
          break;
        }
      }
    }
    CheckDistinct(node.children[0], node.children[1], node.op);
  }

  static std::string BoundText(const AttributeValue& v) {
    std::string text;
    switch (v.value_case()) {
      case AttributeValue::kS:
        text = Printable(v.s());
        break;
      case AttributeValue::kN:
        text = Printable(v.n());
        break;
      case AttributeValue::kB:
        text = absl::Base64Escape(v.b());
        break;
      default:
        break;
    }
    return absl::StrCat("AttributeValue: {", TypeCode(v), ":", text, "}");
  }

  void CheckBetween(Node& node) {
    for (Node& operand : node.children) CheckOperand(operand);
    for (const Node& operand : node.children) {
      if (operand.kind == Node::Kind::kValue && operand.value != nullptr &&
          !IsScalarKeyType(*operand.value)) {
        AddProblem(Problem::kOperandType, OperandTypeMessage("BETWEEN", TypeWord(*operand.value)));
        return;
      }
    }
    const Node& low = node.children[1];
    const Node& high = node.children[2];
    if (low.value == nullptr || high.value == nullptr) return;
    if (low.value->value_case() != high.value->value_case()) {
      AddProblem(
          Problem::kOperandType,
          absl::StrCat("The BETWEEN operator requires same data type for lower and upper "
                       "bounds; lower bound operand: ",
                       BoundText(*low.value), ", upper bound operand: ", BoundText(*high.value)));
    } else if (CompareScalars(*low.value, *high.value).value_or(0) > 0) {
      AddProblem(
          Problem::kOperandType,
          absl::StrCat("The BETWEEN operator requires upper bound to be greater than or "
                       "equal to lower bound; lower bound operand: ",
                       BoundText(*low.value), ", upper bound operand: ", BoundText(*high.value)));
    }
  }

  void CheckIn(Node& node) {
    for (Node& operand : node.children) CheckOperand(operand);
    if (node.children.size() > kMaxInOperands) {
      problems_.Add(Problem::kLimit,
                    absl::StrCat("Invalid ", parameter_,
                                 ": The IN operator is provided with too many operands; number "
                                 "of operands: ",
                                 node.children.size() - 1));
    }
  }

  // ---- update values ----

  // operand [ (+|-) operand ], or the same in parentheses.
  absl::StatusOr<Node> ParseSetValue() {
    absl::StatusOr<Node> left = ParseUpdateTerm();
    if (!left.ok()) return left;
    const Token& op = Peek();
    if (!IsPunct(op, "+") && !IsPunct(op, "-")) return left;
    const size_t op_index = pos_;
    ++pos_;
    absl::Status status = CountOperator();
    if (!status.ok()) return status;
    absl::StatusOr<Node> right = ParseUpdateTerm();
    if (!right.ok()) return right;
    // Only two operands: "a + b + c" and "(a + b) - c" are syntax errors.
    if (left->kind == Node::Kind::kArith) return SyntaxError(op_index);
    if (right->kind == Node::Kind::kArith) return SyntaxError(right->end);
    if (IsPunct(Peek(), "+") || IsPunct(Peek(), "-")) return SyntaxError(pos_);
    Node node;
    node.kind = Node::Kind::kArith;
    node.op = std::string(op.text);
    node.children.push_back(*std::move(left));
    node.children.push_back(*std::move(right));
    node.end = pos_;
    return node;
  }

  absl::StatusOr<Node> ParseUpdateTerm() {
    NestingGuard guard(this);
    if (absl::Status status = guard.status(); !status.ok()) return status;
    const Token& t = Peek();
    if (IsPunct(t, "(")) {
      ++pos_;
      absl::StatusOr<Node> inner = ParseSetValue();
      if (!inner.ok()) return inner;
      if (!IsPunct(Peek(), ")")) return SyntaxError(pos_);
      ++pos_;
      if (inner->parenthesized) {
        problems_.Add(
            Problem::kRedundantParens,
            absl::StrCat("Invalid ", parameter_, ": The expression has redundant parentheses;"));
      }
      inner->parenthesized = true;
      inner->end = pos_;
      return inner;
    }
    Node node;
    if (t.kind == TokenKind::kValueRef) {
      ResolveValue(t, &node);
      ++pos_;
      node.end = pos_;
      return node;
    }
    if (t.kind == TokenKind::kName && !IsKeyword(t) && IsPunct(Peek(1), "(")) {
      node.kind = Node::Kind::kCall;
      node.op = std::string(t.text);
      pos_ += 2;
      absl::Status status = CountOperator();
      if (!status.ok()) return status;
      while (true) {
        absl::StatusOr<Node> arg = ParseUpdateTerm();
        if (!arg.ok()) return arg.status();
        // f(a + b) is a syntax error in DynamoDB: + only joins whole values.
        if (arg->kind == Node::Kind::kArith) return SyntaxError(arg->end);
        node.children.push_back(*std::move(arg));
        if (!IsPunct(Peek(), ",")) break;
        ++pos_;
      }
      if (!IsPunct(Peek(), ")")) return SyntaxError(pos_);
      ++pos_;
      node.end = pos_;
      return node;
    }
    absl::Status status = ParsePath(&node);
    if (!status.ok()) return status;
    return node;
  }

  static absl::string_view StaticUpdateType(const Node& node) {
    switch (node.kind) {
      case Node::Kind::kValue:
        return node.value != nullptr ? TypeCode(*node.value) : "";
      case Node::Kind::kArith:
        return "N";
      case Node::Kind::kCall:
        if (node.op == "list_append") return "L";
        if (node.op == "if_not_exists" && node.children.size() == 2) {
          return StaticUpdateType(node.children[1]);
        }
        return "";
      default:
        return "";
    }
  }

  void CheckUpdateValue(Node& node) {
    if (node.kind == Node::Kind::kArith) {
      for (Node& operand : node.children) CheckUpdateValue(operand);
      for (const Node& operand : node.children) {
        const absl::string_view type = StaticUpdateType(operand);
        if (!type.empty() && type != "N") {
          AddProblem(Problem::kOperandType, OperandTypeMessage(node.op, type));
          return;
        }
      }
      return;
    }
    if (node.kind != Node::Kind::kCall) return;
    if (!IsUpdateFunction(node.op)) {
      AddProblem(Problem::kUnknownFunction,
                 absl::StrCat("Invalid function name; function: ", Printable(node.op)));
      return;
    }
    for (Node& arg : node.children) CheckUpdateValue(arg);
    if (node.children.size() != 2) {
      AddProblem(Problem::kOperandCount, OperandCountMessage(node));
      return;
    }
    if (node.op == "if_not_exists") {
      if (node.children[0].kind != Node::Kind::kPath) {
        AddProblem(Problem::kOperandType,
                   absl::StrCat("Operator or function requires a document path; operator or "
                                "function: ",
                                node.op));
      }
      return;
    }
    // list_append
    for (const Node& arg : node.children) {
      if (arg.kind == Node::Kind::kCall && arg.op == "list_append") {
        AddProblem(Problem::kMisusedFunction, absl::StrCat(kMisusedFunctionMessage, arg.op));
        return;
      }
      const absl::string_view type = StaticUpdateType(arg);
      if (!type.empty() && type != "L") {
        AddProblem(Problem::kOperandType, OperandTypeMessage(node.op, type));
        return;
      }
    }
  }

  void CheckAddDeleteOperand(UpdateAction::Type type, const AttributeValue& operand) {
    const bool add = type == UpdateAction::Type::kAdd;
    const bool allowed = IsSet(operand) || (add && operand.value_case() == AttributeValue::kN);
    if (allowed) return;
    AddProblem(Problem::kUpdateOperand,
               absl::StrCat(
                   "Incorrect operand type for operator or function; operator: ",
                   add ? "ADD" : "DELETE", ", operand type: ", TypeWord(operand),
                   ", typeSet: ", add ? "ALLOWED_FOR_ADD_OPERAND" : "ALLOWED_FOR_DELETE_OPERAND"));
  }

  // Paths that overlap (one is, or contains, the other) or conflict (one
  // indexes a list where the other names a map key) cannot appear together.
  void CheckOverlaps(const std::vector<const DocPath*>& paths) {
    for (size_t j = 1; j < paths.size(); ++j) {
      for (size_t i = 0; i < j; ++i) {
        const DocPath& one = *paths[i];
        const DocPath& two = *paths[j];
        const size_t n = std::min(one.size(), two.size());
        bool diverged = false;
        for (size_t k = 0; k < n && !diverged; ++k) {
          if (one[k].is_index() != two[k].is_index()) {
            AddProblem(Problem::kConflict,
                       absl::StrCat("Two document paths conflict with each other; must remove or "
                                    "rewrite one of these paths; path one: ",
                                    PathText(one), ", path two: ", PathText(two)));
            diverged = true;
          } else if (!(one[k] == two[k])) {
            diverged = true;
          }
        }
        if (!diverged) {
          AddProblem(Problem::kOverlap,
                     absl::StrCat("Two document paths overlap with each other; must remove or "
                                  "rewrite one of these paths; path one: ",
                                  PathText(one), ", path two: ", PathText(two)));
          return;  // nothing outranks it among path problems
        }
      }
    }
  }

  absl::string_view src_;
  absl::string_view parameter_;
  Grammar grammar_;
  const ExpressionContext& context_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int operators_ = 0;
  int nesting_ = 0;
  Problems problems_;
  std::map<std::string, bool> validated_;
};

// ---------------------------------------------------------------------------
// Reading items.
// ---------------------------------------------------------------------------

const AttributeValue* Child(const AttributeValue& v, const PathElement& e) {
  if (e.is_index()) {
    if (v.value_case() != AttributeValue::kL || e.index >= v.l().values_size()) return nullptr;
    return &v.l().values(static_cast<int>(e.index));
  }
  if (v.value_case() != AttributeValue::kM) return nullptr;
  const auto& map = v.m().values();
  auto it = map.find(e.name);
  return it == map.end() ? nullptr : &it->second;
}

// The value at `path` (its first `length` elements), or nullptr.
const AttributeValue* Lookup(const Item* item, const DocPath& path, size_t length) {
  if (item == nullptr || path.empty() || length == 0 || path[0].is_index()) return nullptr;
  auto it = item->find(path[0].name);
  if (it == item->end()) return nullptr;
  const AttributeValue* current = &it->second;
  for (size_t k = 1; k < length && current != nullptr; ++k) current = Child(*current, path[k]);
  return current;
}

const AttributeValue* Lookup(const Item* item, const DocPath& path) {
  return Lookup(item, path, path.size());
}

// A value during evaluation: borrowed from the item or the request, or
// computed (size()).
class Operand {
 public:
  Operand() = default;
  static Operand Of(const AttributeValue* v) {
    Operand o;
    o.borrowed_ = v;
    return o;
  }
  static Operand Owning(AttributeValue v) {
    Operand o;
    o.owned_ = std::move(v);
    return o;
  }
  const AttributeValue* get() const { return owned_ ? &*owned_ : borrowed_; }

 private:
  const AttributeValue* borrowed_ = nullptr;
  std::optional<AttributeValue> owned_;
};

class ConditionEvaluator {
 public:
  explicit ConditionEvaluator(const Item* item) : item_(item) {}

  bool Holds(const Node& node) const {
    switch (node.kind) {
      case Node::Kind::kOr:
        for (const Node& c : node.children) {
          if (Holds(c)) return true;
        }
        return false;
      case Node::Kind::kAnd:
        for (const Node& c : node.children) {
          if (!Holds(c)) return false;
        }
        return true;
      case Node::Kind::kNot:
        return !Holds(node.children[0]);
      case Node::Kind::kCompare:
        return Compare(node);
      case Node::Kind::kBetween: {
        Operand x = Evaluate(node.children[0]);
        Operand low = Evaluate(node.children[1]);
        Operand high = Evaluate(node.children[2]);
        if (!x.get() || !low.get() || !high.get()) return false;
        std::optional<int> a = CompareScalars(*low.get(), *x.get());
        std::optional<int> b = CompareScalars(*x.get(), *high.get());
        return a && b && *a <= 0 && *b <= 0;
      }
      case Node::Kind::kIn: {
        Operand x = Evaluate(node.children[0]);
        if (!x.get()) return false;
        for (size_t k = 1; k < node.children.size(); ++k) {
          Operand candidate = Evaluate(node.children[k]);
          if (candidate.get() && ValuesEqual(*x.get(), *candidate.get())) return true;
        }
        return false;
      }
      case Node::Kind::kCall:
        return CallHolds(node);
      default:
        return false;
    }
  }

 private:
  Operand Evaluate(const Node& node) const {
    switch (node.kind) {
      case Node::Kind::kPath:
        return Operand::Of(Lookup(item_, node.path));
      case Node::Kind::kValue:
        return Operand::Of(node.value);
      case Node::Kind::kCall: {
        // size(), the only function that yields an operand in a condition.
        Operand arg = Evaluate(node.children[0]);
        const AttributeValue* v = arg.get();
        if (v == nullptr) return Operand();
        int64_t size;
        switch (v->value_case()) {
          case AttributeValue::kS:
            size = Utf16Length(v->s());
            break;
          case AttributeValue::kB:
            size = static_cast<int64_t>(v->b().size());
            break;
          case AttributeValue::kSs:
            size = v->ss().values_size();
            break;
          case AttributeValue::kNs:
            size = v->ns().values_size();
            break;
          case AttributeValue::kBs:
            size = v->bs().values_size();
            break;
          case AttributeValue::kM:
            size = static_cast<int64_t>(v->m().values().size());
            break;
          case AttributeValue::kL:
            size = v->l().values_size();
            break;
          default:
            return Operand();
        }
        AttributeValue n;
        n.set_n(absl::StrCat(size));
        return Operand::Owning(std::move(n));
      }
      default:
        return Operand();
    }
  }

  bool Compare(const Node& node) const {
    Operand a = Evaluate(node.children[0]);
    Operand b = Evaluate(node.children[1]);
    const AttributeValue* x = a.get();
    const AttributeValue* y = b.get();
    // A missing attribute equals nothing and differs from everything.
    if (node.op == "=") return x && y && ValuesEqual(*x, *y);
    if (node.op == "<>") return !(x && y && ValuesEqual(*x, *y));
    if (!x || !y) return false;
    std::optional<int> c = CompareScalars(*x, *y);
    if (!c) return false;
    if (node.op == "<") return *c < 0;
    if (node.op == "<=") return *c <= 0;
    if (node.op == ">") return *c > 0;
    return *c >= 0;  // ">="
  }

  bool CallHolds(const Node& node) const {
    if (node.op == "attribute_exists") return Lookup(item_, node.children[0].path) != nullptr;
    if (node.op == "attribute_not_exists") return Lookup(item_, node.children[0].path) == nullptr;
    Operand first = Evaluate(node.children[0]);
    Operand second = Evaluate(node.children[1]);
    const AttributeValue* a = first.get();
    const AttributeValue* b = second.get();
    if (!a || !b) return false;
    if (node.op == "attribute_type") {
      return b->value_case() == AttributeValue::kS && TypeCode(*a) == b->s();
    }
    if (node.op == "begins_with") {
      if (a->value_case() == AttributeValue::kS && b->value_case() == AttributeValue::kS) {
        return absl::StartsWith(a->s(), b->s());
      }
      if (a->value_case() == AttributeValue::kB && b->value_case() == AttributeValue::kB) {
        return absl::StartsWith(a->b(), b->b());
      }
      return false;
    }
    // contains: a substring of S or B, a member of a set or a list.
    switch (a->value_case()) {
      case AttributeValue::kS:
        return b->value_case() == AttributeValue::kS && absl::StrContains(a->s(), b->s());
      case AttributeValue::kB:
        return b->value_case() == AttributeValue::kB && absl::StrContains(a->b(), b->b());
      case AttributeValue::kSs:
        return b->value_case() == AttributeValue::kS &&
               std::find(a->ss().values().begin(), a->ss().values().end(), b->s()) !=
                   a->ss().values().end();
      case AttributeValue::kBs:
        return b->value_case() == AttributeValue::kB &&
               std::find(a->bs().values().begin(), a->bs().values().end(), b->b()) !=
                   a->bs().values().end();
      case AttributeValue::kNs:
        if (b->value_case() != AttributeValue::kN) return false;
        for (const std::string& n : a->ns().values()) {
          if (NumbersEqual(n, b->n())) return true;
        }
        return false;
      case AttributeValue::kL:
        for (const AttributeValue& element : a->l().values()) {
          if (ValuesEqual(element, *b)) return true;
        }
        return false;
      default:
        return false;
    }
  }

  const Item* item_;
};

absl::StatusOr<bool> EvaluateConditionExpression(absl::string_view expression,
                                                 absl::string_view parameter,
                                                 const ExpressionContext& context,
                                                 const Item* item) {
  absl::Status status = CheckExpressionText(expression, parameter);
  if (!status.ok()) return status;
  Parser parser(expression, parameter, Parser::Grammar::kCondition, context);
  absl::StatusOr<Node> tree = parser.ParseCondition();
  if (!tree.ok()) return tree.status();
  status = FirstProblem(parser.problems(), kConditionProblemOrder, parameter);
  if (!status.ok()) return status;
  return ConditionEvaluator(item).Holds(*tree);
}

// ---------------------------------------------------------------------------
// Updating items.
// ---------------------------------------------------------------------------

AttributeValue CanonicalCopy(const AttributeValue& v) {
  AttributeValue copy = v;
  CanonicalizeValidated(&copy);
  return copy;
}

// Evaluates a SET value against the item as it was before the update.
absl::StatusOr<AttributeValue> EvaluateSetValue(const Node& node, const Item& item) {
  switch (node.kind) {
    case Node::Kind::kPath: {
      const AttributeValue* v = Lookup(&item, node.path);
      if (v == nullptr) return Invalid(kMissingAttribute);
      return *v;
    }
    case Node::Kind::kValue:
      return CanonicalCopy(*node.value);
    case Node::Kind::kCall: {
      if (node.op == "if_not_exists") {
        const AttributeValue* existing = Lookup(&item, node.children[0].path);
        if (existing != nullptr) return *existing;
        return EvaluateSetValue(node.children[1], item);
      }
      // list_append
      absl::StatusOr<AttributeValue> a = EvaluateSetValue(node.children[0], item);
      if (!a.ok()) return a;
      absl::StatusOr<AttributeValue> b = EvaluateSetValue(node.children[1], item);
      if (!b.ok()) return b;
      if (a->value_case() != AttributeValue::kL || b->value_case() != AttributeValue::kL) {
        return Invalid(kIncorrectDataType);
      }
      for (AttributeValue& element : *b->mutable_l()->mutable_values()) {
        *a->mutable_l()->add_values() = std::move(element);
      }
      return a;
    }
    case Node::Kind::kArith: {
      absl::StatusOr<AttributeValue> a = EvaluateSetValue(node.children[0], item);
      if (!a.ok()) return a;
      absl::StatusOr<AttributeValue> b = EvaluateSetValue(node.children[1], item);
      if (!b.ok()) return b;
      if (a->value_case() != AttributeValue::kN || b->value_case() != AttributeValue::kN) {
        return Invalid(kIncorrectDataType);
      }
      absl::StatusOr<Decimal> x = ParseNumber(a->n());
      if (!x.ok()) return x.status();
      absl::StatusOr<Decimal> y = ParseNumber(b->n());
      if (!y.ok()) return y.status();
      absl::StatusOr<Decimal> sum = AddDecimal(*x, node.op == "-" ? Negated(*y) : *y);
      if (!sum.ok()) return sum.status();
      AttributeValue result;
      result.set_n(FormatDecimal(*sum));
      return result;
    }
    default:
      return Invalid(kIncorrectDataType);
  }
}

AttributeValue* MutableChild(AttributeValue* v, const PathElement& e) {
  if (e.is_index()) {
    if (v->value_case() != AttributeValue::kL || e.index >= v->l().values_size()) return nullptr;
    return v->mutable_l()->mutable_values(static_cast<int>(e.index));
  }
  if (v->value_case() != AttributeValue::kM) return nullptr;
  auto* map = v->mutable_m()->mutable_values();
  auto it = map->find(e.name);
  return it == map->end() ? nullptr : &it->second;
}

AttributeValue* MutableLookup(Item* item, const DocPath& path, size_t length) {
  auto it = item->find(path[0].name);
  if (it == item->end()) return nullptr;
  AttributeValue* current = &it->second;
  for (size_t k = 1; k < length && current != nullptr; ++k) {
    current = MutableChild(current, path[k]);
  }
  return current;
}

// The container that holds the last element of `path`, which must exist and
// have the right type (a map for a name, a list for an index).
absl::StatusOr<AttributeValue*> Parent(Item* item, const DocPath& path) {
  AttributeValue* parent = MutableLookup(item, path, path.size() - 1);
  const Case wanted = path.back().is_index() ? AttributeValue::kL : AttributeValue::kM;
  if (parent == nullptr || parent->value_case() != wanted) return Invalid(kInvalidUpdatePath);
  return parent;
}

absl::Status SetAt(Item* item, const DocPath& path, AttributeValue value) {
  if (path.size() == 1) {
    (*item)[path[0].name] = std::move(value);
    return absl::OkStatus();
  }
  absl::StatusOr<AttributeValue*> parent = Parent(item, path);
  if (!parent.ok()) return parent.status();
  const PathElement& last = path.back();
  if (!last.is_index()) {
    (*(*parent)->mutable_m()->mutable_values())[last.name] = std::move(value);
    return absl::OkStatus();
  }
  // Past the end appends: DynamoDB never leaves holes in a list.
  auto* list = (*parent)->mutable_l()->mutable_values();
  if (last.index < list->size()) {
    *list->Mutable(static_cast<int>(last.index)) = std::move(value);
  } else {
    *list->Add() = std::move(value);
  }
  return absl::OkStatus();
}

absl::Status RemoveAt(Item* item, const DocPath& path) {
  if (path.size() == 1) {
    item->erase(path[0].name);
    return absl::OkStatus();
  }
  absl::StatusOr<AttributeValue*> parent = Parent(item, path);
  if (!parent.ok()) return parent.status();
  const PathElement& last = path.back();
  if (!last.is_index()) {
    (*parent)->mutable_m()->mutable_values()->erase(last.name);
    return absl::OkStatus();
  }
  auto* list = (*parent)->mutable_l()->mutable_values();
  if (last.index < list->size()) list->DeleteSubrange(static_cast<int>(last.index), 1);
  return absl::OkStatus();
}

// The existing value at `path` for ADD and DELETE: nullptr when absent (the
// parent of a nested path must exist).
absl::StatusOr<AttributeValue*> Existing(Item* item, const DocPath& path) {
  if (path.size() == 1) {
    auto it = item->find(path[0].name);
    return it == item->end() ? nullptr : &it->second;
  }
  absl::StatusOr<AttributeValue*> parent = Parent(item, path);
  if (!parent.ok()) return parent.status();
  return MutableChild(*parent, path.back());
}

absl::Status AddAt(Item* item, const DocPath& path, const AttributeValue& operand) {
  absl::StatusOr<AttributeValue*> existing = Existing(item, path);
  if (!existing.ok()) return existing.status();
  AttributeValue* target = *existing;
  if (target == nullptr) return SetAt(item, path, CanonicalCopy(operand));
  if (target->value_case() != operand.value_case()) return Invalid(kIncorrectDataType);
  switch (operand.value_case()) {
    case AttributeValue::kN: {
      absl::StatusOr<Decimal> x = ParseNumber(target->n());
      if (!x.ok()) return x.status();
      absl::StatusOr<Decimal> y = ParseNumber(operand.n());
      if (!y.ok()) return y.status();
      absl::StatusOr<Decimal> sum = AddDecimal(*x, *y);
      if (!sum.ok()) return sum.status();
      target->set_n(FormatDecimal(*sum));
      return absl::OkStatus();
    }
    case AttributeValue::kSs: {
      auto* values = target->mutable_ss()->mutable_values();
      std::set<std::string> present(values->begin(), values->end());
      for (const std::string& s : operand.ss().values()) {
        if (present.insert(s).second) *values->Add() = s;
      }
      return absl::OkStatus();
    }
    case AttributeValue::kBs: {
      auto* values = target->mutable_bs()->mutable_values();
      std::set<std::string> present(values->begin(), values->end());
      for (const std::string& b : operand.bs().values()) {
        if (present.insert(b).second) *values->Add() = b;
      }
      return absl::OkStatus();
    }
    case AttributeValue::kNs: {
      auto* values = target->mutable_ns()->mutable_values();
      std::set<std::string> present;
      for (const std::string& n : *values) present.insert(NumberKey(n));
      for (const std::string& n : operand.ns().values()) {
        if (present.insert(NumberKey(n)).second) {
          std::optional<Decimal> d = ParseDecimal(n);
          *values->Add() = d ? FormatDecimal(*d) : n;
        }
      }
      return absl::OkStatus();
    }
    default:
      return Invalid(kIncorrectDataType);
  }
}

// Removes the operand's elements from the set at `path`; sets `emptied` when
// none remain (the attribute must then go: DynamoDB has no empty sets).
absl::Status DeleteAt(Item* item, const DocPath& path, const AttributeValue& operand,
                      bool* emptied) {
  *emptied = false;
  absl::StatusOr<AttributeValue*> existing = Existing(item, path);
  if (!existing.ok()) return existing.status();
  AttributeValue* target = *existing;
  if (target == nullptr) return absl::OkStatus();
  if (target->value_case() != operand.value_case()) return Invalid(kIncorrectDataType);
  google::protobuf::RepeatedPtrField<std::string>* values = nullptr;
  std::set<std::string> doomed;
  bool numbers = false;
  switch (operand.value_case()) {
    case AttributeValue::kSs:
      values = target->mutable_ss()->mutable_values();
      doomed.insert(operand.ss().values().begin(), operand.ss().values().end());
      break;
    case AttributeValue::kBs:
      values = target->mutable_bs()->mutable_values();
      doomed.insert(operand.bs().values().begin(), operand.bs().values().end());
      break;
    case AttributeValue::kNs:
      values = target->mutable_ns()->mutable_values();
      for (const std::string& n : operand.ns().values()) doomed.insert(NumberKey(n));
      numbers = true;
      break;
    default:
      return Invalid(kIncorrectDataType);
  }
  google::protobuf::RepeatedPtrField<std::string> kept;
  for (std::string& v : *values) {
    if (doomed.count(numbers ? NumberKey(v) : v) == 0) *kept.Add() = std::move(v);
  }
  values->Swap(&kept);
  *emptied = values->empty();
  return absl::OkStatus();
}

absl::Status CheckUpdatedItem(const Item& item) {
  for (const auto& [name, value] : item) {
    if (NestingLevels(value) > kMaxNestingLevels) return Invalid(kNestingTooDeep);
  }
  if (ItemSizeBytes(item) > kMaxItemBytes) return Invalid(kItemTooLarge);
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Projections.
// ---------------------------------------------------------------------------

// The requested paths as a tree. Overlapping and conflicting paths were
// rejected, so a node is a whole value, or map keys, or list indexes.
struct ProjectionNode {
  bool whole = false;
  std::vector<PathElement> keys;  // keys[k] selects nodes[k]
  std::vector<ProjectionNode> nodes;
};

void AddProjectionPath(ProjectionNode* root, const DocPath& path) {
  ProjectionNode* node = root;
  for (const PathElement& e : path) {
    auto it = std::find(node->keys.begin(), node->keys.end(), e);
    if (it == node->keys.end()) {
      node->keys.push_back(e);
      node->nodes.emplace_back();
      node = &node->nodes.back();
    } else {
      node = &node->nodes[static_cast<size_t>(it - node->keys.begin())];
    }
  }
  node->whole = true;
}

std::optional<AttributeValue> ProjectValue(const AttributeValue& value,
                                           const ProjectionNode& node) {
  if (node.whole) return value;
  if (node.keys.empty()) return std::nullopt;
  AttributeValue out;
  if (node.keys[0].is_index()) {
    if (value.value_case() != AttributeValue::kL) return std::nullopt;
    // Selected list elements keep their order and close up.
    std::vector<size_t> order(node.keys.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::sort(order.begin(), order.end(),
              [&node](size_t a, size_t b) { return node.keys[a].index < node.keys[b].index; });
    auto* list = out.mutable_l()->mutable_values();
    for (size_t k : order) {
      const int64_t index = node.keys[k].index;
      if (index >= value.l().values_size()) continue;
      std::optional<AttributeValue> projected =
          ProjectValue(value.l().values(static_cast<int>(index)), node.nodes[k]);
      if (projected) *list->Add() = *std::move(projected);
    }
    if (list->empty()) return std::nullopt;
    return out;
  }
  if (value.value_case() != AttributeValue::kM) return std::nullopt;
  auto* map = out.mutable_m()->mutable_values();
  for (size_t k = 0; k < node.keys.size(); ++k) {
    const std::string& name = node.keys[k].name;
    auto it = value.m().values().find(name);
    if (it == value.m().values().end()) continue;
    std::optional<AttributeValue> projected = ProjectValue(it->second, node.nodes[k]);
    if (projected) (*map)[name] = *std::move(projected);
  }
  if (map->empty()) return std::nullopt;
  return out;
}

void CollectReferences(absl::string_view expression, std::set<std::string>* names,
                       std::set<std::string>* values) {
  for (const Token& t : Tokenize(expression)) {
    if (t.kind == TokenKind::kNameRef) names->insert(std::string(t.text));
    if (t.kind == TokenKind::kValueRef) values->insert(std::string(t.text));
  }
}

}  // namespace

// ---------------------------------------------------------------------------
// Public API.
// ---------------------------------------------------------------------------

absl::Status ValidateAttributeValue(const AttributeValue& value) { return ValidateValue(value, 0); }

bool AttributeValuesEqual(const AttributeValue& a, const AttributeValue& b) {
  return ValuesEqual(a, b);
}

bool ItemsEqual(const Item& a, const Item& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, value] : a) {
    auto it = b.find(name);
    if (it == b.end() || !ValuesEqual(value, it->second)) return false;
  }
  return true;
}

int64_t ItemSizeBytes(const Item& item) {
  int64_t size = 0;
  for (const auto& [name, value] : item) {
    size += static_cast<int64_t>(name.size()) + ValueSize(value);
  }
  return size;
}

int64_t AttributeValueSizeBytes(const AttributeValue& value) { return ValueSize(value); }

absl::Status EvaluateCondition(absl::string_view expression, const ExpressionContext& context,
                               const Item* item) {
  absl::StatusOr<bool> holds =
      EvaluateConditionExpression(expression, kConditionExpression, context, item);
  if (!holds.ok()) return holds.status();
  if (!*holds) return AwsError(kConditionalCheckFailedException, kConditionFailed);
  return absl::OkStatus();
}

absl::StatusOr<bool> ConditionHolds(absl::string_view expression, absl::string_view parameter,
                                    const ExpressionContext& context, const Item* item) {
  return EvaluateConditionExpression(expression, parameter, context, item);
}

absl::StatusOr<Item> ApplyUpdate(absl::string_view expression, const ExpressionContext& context,
                                 const std::vector<std::string>& key_names, Item item) {
  absl::Status status = CheckExpressionText(expression, kUpdateExpression);
  if (!status.ok()) return status;
  Parser parser(expression, kUpdateExpression, Parser::Grammar::kUpdate, context);
  absl::StatusOr<std::vector<UpdateAction>> actions = parser.ParseUpdate();
  if (!actions.ok()) return actions.status();
  status = FirstProblem(parser.problems(), kUpdateProblemOrder, kUpdateExpression);
  if (!status.ok()) return status;

  for (const UpdateAction& action : *actions) {
    const std::string& name = action.path[0].name;
    if (std::find(key_names.begin(), key_names.end(), name) != key_names.end()) {
      return Invalid(absl::StrCat("Cannot update attribute ", Printable(name),
                                  ". This attribute is part of the key"));
    }
  }

  // Every action reads the item as it was before the update ("SET a = b,
  // b = a" swaps), and list indexes name positions in that item: writes go
  // first in path order (so appends past the end land in index order), then
  // removals from the highest position down.
  std::vector<AttributeValue> new_values(actions->size());
  for (size_t k = 0; k < actions->size(); ++k) {
    const UpdateAction& action = (*actions)[k];
    if (action.type != UpdateAction::Type::kSet) continue;
    absl::StatusOr<AttributeValue> value = EvaluateSetValue(action.value, item);
    if (!value.ok()) return value.status();
    new_values[k] = *std::move(value);
  }
  std::vector<size_t> writes;
  std::vector<DocPath> removals;
  for (size_t k = 0; k < actions->size(); ++k) {
    if ((*actions)[k].type == UpdateAction::Type::kRemove) {
      removals.push_back((*actions)[k].path);
    } else {
      writes.push_back(k);
    }
  }
  std::sort(writes.begin(), writes.end(), [&actions](size_t a, size_t b) {
    return ComparePaths((*actions)[a].path, (*actions)[b].path) < 0;
  });
  for (size_t k : writes) {
    const UpdateAction& action = (*actions)[k];
    switch (action.type) {
      case UpdateAction::Type::kSet:
        status = SetAt(&item, action.path, std::move(new_values[k]));
        break;
      case UpdateAction::Type::kAdd:
        status = AddAt(&item, action.path, *action.operand);
        break;
      case UpdateAction::Type::kDelete: {
        bool emptied = false;
        status = DeleteAt(&item, action.path, *action.operand, &emptied);
        if (status.ok() && emptied) removals.push_back(action.path);
        break;
      }
      case UpdateAction::Type::kRemove:
        break;
    }
    if (!status.ok()) return status;
  }
  std::sort(removals.begin(), removals.end(),
            [](const DocPath& a, const DocPath& b) { return ComparePaths(a, b) > 0; });
  for (const DocPath& path : removals) {
    status = RemoveAt(&item, path);
    if (!status.ok()) return status;
  }
  status = CheckUpdatedItem(item);
  if (!status.ok()) return status;
  return item;
}

absl::StatusOr<Item> Project(absl::string_view expression, const ExpressionContext& context,
                             const Item& item) {
  absl::Status status = CheckExpressionText(expression, kProjectionExpression);
  if (!status.ok()) return status;
  Parser parser(expression, kProjectionExpression, Parser::Grammar::kProjection, context);
  absl::StatusOr<std::vector<DocPath>> paths = parser.ParseProjection();
  if (!paths.ok()) return paths.status();
  status = FirstProblem(parser.problems(), kProjectionProblemOrder, kProjectionExpression);
  if (!status.ok()) return status;

  ProjectionNode root;
  for (const DocPath& path : *paths) AddProjectionPath(&root, path);
  Item result;
  for (size_t k = 0; k < root.keys.size(); ++k) {
    const std::string& name = root.keys[k].name;
    auto it = item.find(name);
    if (it == item.end()) continue;
    std::optional<AttributeValue> projected = ProjectValue(it->second, root.nodes[k]);
    if (projected) result[name] = *std::move(projected);
  }
  return result;
}

absl::Status ValidateExpressionUsage(std::initializer_list<absl::string_view> expressions,
                                     const ExpressionContext& context) {
  std::set<std::string> used_names;
  std::set<std::string> used_values;
  for (absl::string_view expression : expressions) {
    CollectReferences(expression, &used_names, &used_values);
  }
  std::vector<std::string> unused_names;
  if (context.names != nullptr) {
    for (const auto& [key, name] : *context.names) {
      if (used_names.count(key) == 0) unused_names.push_back(key);
    }
  }
  if (!unused_names.empty()) {
    std::sort(unused_names.begin(), unused_names.end());
    return Invalid(absl::StrCat("Value provided in ExpressionAttributeNames unused in "
                                "expressions: keys: {",
                                Printable(absl::StrJoin(unused_names, ", ")), "}"),
                   "ExpressionAttributeNames");
  }
  std::vector<std::string> unused_values;
  if (context.values != nullptr) {
    for (const auto& [key, value] : *context.values) {
      if (used_values.count(key) == 0) unused_values.push_back(key);
    }
  }
  if (!unused_values.empty()) {
    std::sort(unused_values.begin(), unused_values.end());
    return Invalid(absl::StrCat("Value provided in ExpressionAttributeValues unused in "
                                "expressions: keys: {",
                                Printable(absl::StrJoin(unused_values, ", ")), "}"),
                   "ExpressionAttributeValues");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> CanonicalNumber(absl::string_view number) {
  absl::StatusOr<Decimal> d = ParseNumber(number);
  if (!d.ok()) return d.status();
  return FormatDecimal(*d);
}

absl::Status CanonicalizeNumbers(AttributeValue* value) {
  absl::Status status = ValidateValue(*value, 0);
  if (!status.ok()) return status;
  CanonicalizeValidated(value);
  return absl::OkStatus();
}

absl::Status CanonicalizeItem(Item* item, bool names_are_attributes) {
  for (auto& [name, value] : *item) {
    if (names_are_attributes && name.empty()) return Invalid(kEmptyAttributeName);
    if (absl::Status status = CanonicalizeNumbers(&value); !status.ok()) return status;
  }
  return absl::OkStatus();
}

std::optional<int> CompareScalarValues(const AttributeValue& a, const AttributeValue& b) {
  return CompareScalars(a, b);
}

}  // namespace awsfacade::backends::simulator
