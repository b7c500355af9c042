#include "backends/simulator/dynamodb_expressions_values.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "backends/simulator/dynamodb_expressions.h"
#include "backends/simulator/dynamodb_expressions_decimal.h"
#include "backends/simulator/dynamodb_expressions_internal.h"

namespace awsfacade::backends::simulator {
namespace {

using expressions_internal::CanonicalizeValidated;
using expressions_internal::CanonicalNumberText;
using expressions_internal::CompareDecimal;
using expressions_internal::Decimal;
using expressions_internal::Invalid;
using expressions_internal::kMaxNestingLevels;
using expressions_internal::kNestingTooDeep;
using expressions_internal::NumbersEqual;
using expressions_internal::ParseDecimal;
using expressions_internal::ParseNumber;
using expressions_internal::Printable;

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
  for (const auto& v : values) out.push_back(CanonicalNumberText(v));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

int Sign(int c) { return c < 0 ? -1 : (c > 0 ? 1 : 0); }

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

}  // namespace

namespace expressions_internal {

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
    case AttributeValue::kN:
      v->set_n(CanonicalNumberText(v->n()));
      break;
    case AttributeValue::kNs:
      for (std::string& n : *v->mutable_ns()->mutable_values()) n = CanonicalNumberText(n);
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

}  // namespace expressions_internal

absl::Status ValidateAttributeValue(const AttributeValue& value) { return ValidateValue(value, 0); }

absl::string_view AttributeTypeCode(const AttributeValue& v) {
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

bool AttributeValuesEqual(const AttributeValue& a, const AttributeValue& b) {
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
        if (it == y.end() || !AttributeValuesEqual(value, it->second)) return false;
      }
      return true;
    }
    case AttributeValue::kL: {
      const auto& x = a.l().values();
      const auto& y = b.l().values();
      if (x.size() != y.size()) return false;
      for (int k = 0; k < x.size(); ++k) {
        if (!AttributeValuesEqual(x.Get(k), y.Get(k))) return false;
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

bool ItemsEqual(const Item& a, const Item& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, value] : a) {
    auto it = b.find(name);
    if (it == b.end() || !AttributeValuesEqual(value, it->second)) return false;
  }
  return true;
}

std::optional<int> CompareScalarValues(const AttributeValue& a, const AttributeValue& b) {
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

int64_t AttributeValueSizeBytes(const AttributeValue& v) {
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
        size += static_cast<int64_t>(key.size()) + AttributeValueSizeBytes(value) + 1;
      }
      return size;
    }
    case AttributeValue::kL: {
      int64_t size = 3;
      for (const AttributeValue& value : v.l().values()) size += AttributeValueSizeBytes(value) + 1;
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

int64_t ItemSizeBytes(const Item& item) {
  int64_t size = 0;
  for (const auto& [name, value] : item) {
    size += static_cast<int64_t>(name.size()) + AttributeValueSizeBytes(value);
  }
  return size;
}

absl::StatusOr<std::string> CanonicalNumber(absl::string_view number) {
  absl::StatusOr<Decimal> d = ParseNumber(number);
  if (!d.ok()) return d.status();
  return expressions_internal::FormatDecimal(*d);
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

}  // namespace awsfacade::backends::simulator
