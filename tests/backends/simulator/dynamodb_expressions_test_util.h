#ifndef AWSFACADE_TESTS_BACKENDS_SIMULATOR_DYNAMODB_EXPRESSIONS_TEST_UTIL_H_
#define AWSFACADE_TESTS_BACKENDS_SIMULATOR_DYNAMODB_EXPRESSIONS_TEST_UTIL_H_

// What the dynamodb_expressions_*_test files share: AttributeValue builders,
// matchers for DynamoDB's expression errors and updated items, and a fixture
// holding an item and the request's placeholders.

#include <initializer_list>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "backends/common/aws_error.h"
#include "backends/simulator/dynamodb_expressions.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backends/simulator/dynamodb_test_util.h"
#include "tests/common/status_matchers.h"

namespace awsfacade::backends::simulator::dynamodb_test {

using ::awsfacade::testutil::StatusOf;

// ---- Values ----------------------------------------------------------------

inline AttributeValue B(absl::string_view b) {
  AttributeValue v;
  v.set_b(std::string(b));
  return v;
}
inline AttributeValue Bool(bool b) {
  AttributeValue v;
  v.set_bool_value(b);
  return v;
}
inline AttributeValue Null() {
  AttributeValue v;
  v.set_null_value(true);
  return v;
}
inline AttributeValue SS(std::initializer_list<std::string> values) {
  AttributeValue v;
  for (const std::string& s : values) v.mutable_ss()->add_values(s);
  if (values.size() == 0) v.mutable_ss();
  return v;
}
inline AttributeValue NS(std::initializer_list<std::string> values) {
  AttributeValue v;
  for (const std::string& n : values) v.mutable_ns()->add_values(n);
  if (values.size() == 0) v.mutable_ns();
  return v;
}
inline AttributeValue BS(std::initializer_list<std::string> values) {
  AttributeValue v;
  for (const std::string& b : values) v.mutable_bs()->add_values(b);
  if (values.size() == 0) v.mutable_bs();
  return v;
}
inline AttributeValue L(std::initializer_list<AttributeValue> values) {
  AttributeValue v;
  v.mutable_l();
  for (const AttributeValue& e : values) *v.mutable_l()->add_values() = e;
  return v;
}
inline AttributeValue M(
    std::initializer_list<std::pair<const std::string, AttributeValue>> entries) {
  AttributeValue v;
  v.mutable_m();
  for (const auto& [key, value] : entries) (*v.mutable_m()->mutable_values())[key] = value;
  return v;
}
inline Item MakeItem(std::initializer_list<std::pair<const std::string, AttributeValue>> entries) {
  Item item;
  for (const auto& [key, value] : entries) item[key] = value;
  return item;
}

// A value nested `levels` containers deep (0: a number).
inline AttributeValue Nested(int levels) {
  AttributeValue v = N("1");
  for (int k = 0; k < levels; ++k) v = L({v});
  return v;
}

// ---- Matchers ----------------------------------------------------------------

// A ValidationException whose message contains `text`.
MATCHER_P(IsValidation, text, "") {
  const absl::Status& status = StatusOf(arg);
  *result_listener << "status " << status;
  return AwsErrorName(status) == std::string("ValidationException") &&
         status.code() == absl::StatusCode::kInvalidArgument &&
         absl::StrContains(status.message(), text);
}

MATCHER(IsConditionFailed, "") {
  const absl::Status& status = StatusOf(arg);
  *result_listener << "status " << status;
  return AwsErrorName(status) == std::string("ConditionalCheckFailedException") &&
         status.message() == "The conditional request failed";
}

// The attribute `name` of an updated item, as text, e.g. n:"1.5".
MATCHER_P2(HasAttribute, name, expected, "") {
  if (!arg.ok()) {
    *result_listener << "status " << arg.status();
    return false;
  }
  auto it = arg->find(name);
  if (it == arg->end()) {
    *result_listener << "no attribute " << name;
    return false;
  }
  *result_listener << name << " is " << it->second.ShortDebugString();
  return AttributeValuesEqual(it->second, expected) &&
         it->second.ShortDebugString() == expected.ShortDebugString();
}

MATCHER_P(LacksAttribute, name, "") {
  if (!arg.ok()) {
    *result_listener << "status " << arg.status();
    return false;
  }
  return arg->find(name) == arg->end();
}

// ---- Expressions: shared fixture -------------------------------------------------

class ExpressionTest : public ::testing::Test {
 protected:
  ExpressionContext Context() const { return ExpressionContext{&names_, &values_}; }

  absl::Status Condition(absl::string_view expression) {
    return EvaluateCondition(expression, Context(), &item_);
  }
  absl::StatusOr<Item> Update(absl::string_view expression) {
    return ApplyUpdate(expression, Context(), {"pk"}, item_);
  }
  absl::StatusOr<Item> Projection(absl::string_view expression) {
    return Project(expression, Context(), item_);
  }

  google::protobuf::Map<std::string, std::string> names_;
  Item values_;
  Item item_ = MakeItem({{"pk", S("key")},
                         {"a", N("1")},
                         {"b", N("2")},
                         {"c", N("3")},
                         {"s", S("hello")},
                         {"bin", B("hi there")},
                         {"ss", SS({"red", "blue"})},
                         {"ns", NS({"2", "4", "7"})},
                         {"lst", L({N("2"), S("dog"), SS({"x"})})},
                         {"doc", M({{"x", N("1")}, {"y", L({N("-1"), N("2"), N("0")})}})}});
};

}  // namespace awsfacade::backends::simulator::dynamodb_test

#endif  // AWSFACADE_TESTS_BACKENDS_SIMULATOR_DYNAMODB_EXPRESSIONS_TEST_UTIL_H_
