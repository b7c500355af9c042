#include "backends/simulator/dynamodb_expressions_decimal.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "backends/simulator/dynamodb_expressions_internal.h"

namespace awsfacade::backends::simulator::expressions_internal {
namespace {

constexpr size_t kMaxSignificantDigits = 38;
constexpr int64_t kMaxAdjustedExponent = 125;
constexpr int64_t kMinAdjustedExponent = -130;

constexpr char kNotNumeric[] = "The parameter cannot be converted to a numeric value";
constexpr char kNumberOverflow[] =
    "Number overflow. Attempting to store a number with magnitude larger than supported range";
constexpr char kNumberUnderflow[] =
    "Number underflow. Attempting to store a number with magnitude smaller than supported range";
constexpr char kNumberPrecision[] =
    "Attempting to store more than 38 significant digits in a Number";

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

}  // namespace

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

absl::StatusOr<Decimal> ParseNumber(absl::string_view text) {
  if (text.empty()) return Invalid(kNotNumeric);
  std::optional<Decimal> d = ParseDecimal(text);
  if (!d) return Invalid(absl::StrCat(kNotNumeric, ": ", Printable(text)));
  if (const char* error = RangeError(*d, /*arithmetic=*/false)) return Invalid(error);
  return *std::move(d);
}

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

std::string CanonicalNumberText(absl::string_view text) {
  std::optional<Decimal> d = ParseDecimal(text);
  return d ? FormatDecimal(*d) : std::string(text);
}

}  // namespace awsfacade::backends::simulator::expressions_internal
