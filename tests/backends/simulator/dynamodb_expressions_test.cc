#include "backends/simulator/dynamodb_expressions.h"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "backends/common/aws_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backends/simulator/dynamodb_test_util.h"

namespace awsfacade::backends::simulator {
namespace {

using dynamodb_test::N;
using dynamodb_test::S;
using ::testing::Optional;

// ---- Values ----------------------------------------------------------------

AttributeValue B(absl::string_view b) {
  AttributeValue v;
  v.set_b(std::string(b));
  return v;
}
AttributeValue Bool(bool b) {
  AttributeValue v;
  v.set_bool_value(b);
  return v;
}
AttributeValue Null() {
  AttributeValue v;
  v.set_null_value(true);
  return v;
}
AttributeValue SS(std::initializer_list<std::string> values) {
  AttributeValue v;
  for (const std::string& s : values) v.mutable_ss()->add_values(s);
  if (values.size() == 0) v.mutable_ss();
  return v;
}
AttributeValue NS(std::initializer_list<std::string> values) {
  AttributeValue v;
  for (const std::string& n : values) v.mutable_ns()->add_values(n);
  if (values.size() == 0) v.mutable_ns();
  return v;
}
AttributeValue BS(std::initializer_list<std::string> values) {
  AttributeValue v;
  for (const std::string& b : values) v.mutable_bs()->add_values(b);
  if (values.size() == 0) v.mutable_bs();
  return v;
}
AttributeValue L(std::initializer_list<AttributeValue> values) {
  AttributeValue v;
  v.mutable_l();
  for (const AttributeValue& e : values) *v.mutable_l()->add_values() = e;
  return v;
}
AttributeValue M(std::initializer_list<std::pair<const std::string, AttributeValue>> entries) {
  AttributeValue v;
  v.mutable_m();
  for (const auto& [key, value] : entries) (*v.mutable_m()->mutable_values())[key] = value;
  return v;
}
Item MakeItem(std::initializer_list<std::pair<const std::string, AttributeValue>> entries) {
  Item item;
  for (const auto& [key, value] : entries) item[key] = value;
  return item;
}

// A value nested `levels` containers deep (0: a number).
AttributeValue Nested(int levels) {
  AttributeValue v = N("1");
  for (int k = 0; k < levels; ++k) v = L({v});
  return v;
}

// ---- Matchers ----------------------------------------------------------------

const absl::Status& StatusOf(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER(IsOk, "") {
  const absl::Status& status = StatusOf(arg);
  *result_listener << "status " << status;
  return status.ok();
}

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

MATCHER_P(IsOkAndHolds, expected, "") {
  if (!arg.ok()) {
    *result_listener << "status " << arg.status();
    return false;
  }
  *result_listener << "value " << ::testing::PrintToString(*arg);
  return *arg == expected;
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

// ---- ValidateAttributeValue ------------------------------------------------

TEST(ValidateAttributeValueTest, RejectsValueWithNoTypeSet) {
  EXPECT_THAT(ValidateAttributeValue(AttributeValue()),
              IsValidation("Supplied AttributeValue is empty, must contain exactly one of the "
                           "supported datatypes"));
}

TEST(ValidateAttributeValueTest, AcceptsEveryNumberSyntaxDynamoDbAccepts) {
  for (const char* n : {"3", "-7.1234", "-17e5", "-17.4E37", "+3", ".123", "5.", "0001.23", "1e+5",
                        "1E-5", "0e1000", "-0", "0.000"}) {
    EXPECT_THAT(ValidateAttributeValue(N(n)), IsOk()) << n;
  }
}

TEST(ValidateAttributeValueTest, RejectsTextThatIsNotANumber) {
  for (const char* n : {"NaN", "Infinity", "-Infinity", "dog", " 1", "1 ", "1e", ".", "--1", "0x10",
                        "1.2.3", "e5", "1e5.5", "１"}) {
    EXPECT_THAT(ValidateAttributeValue(N(n)),
                IsValidation("The parameter cannot be converted to a numeric value"))
        << n;
  }
  EXPECT_THAT(ValidateAttributeValue(N("")),
              IsValidation("The parameter cannot be converted to a numeric value"));
}

TEST(ValidateAttributeValueTest, RejectsMagnitudeAbove125) {
  for (const char* n : {"1e126", "-1e126", "10e125", "1e99999999999999999999"}) {
    EXPECT_THAT(ValidateAttributeValue(N(n)),
                IsValidation("Number overflow. Attempting to store a number with magnitude "
                             "larger than supported range"))
        << n;
  }
  EXPECT_THAT(ValidateAttributeValue(N("9.9999999999999999999999999999999999999E+125")), IsOk());
  EXPECT_THAT(ValidateAttributeValue(N("-9.9999999999999999999999999999999999999E+125")), IsOk());
}

TEST(ValidateAttributeValueTest, RejectsMagnitudeBelow1EMinus130) {
  for (const char* n : {"1e-131", "-1e-131", "0.9e-130"}) {
    EXPECT_THAT(ValidateAttributeValue(N(n)),
                IsValidation("Number underflow. Attempting to store a number with magnitude "
                             "smaller than supported range"))
        << n;
  }
  EXPECT_THAT(ValidateAttributeValue(N("1e-130")), IsOk());
}

TEST(ValidateAttributeValueTest, AllowsAtMost38SignificantDigits) {
  EXPECT_THAT(ValidateAttributeValue(N("12345678901234567890123456789012345678")), IsOk());
  EXPECT_THAT(ValidateAttributeValue(N("0.00012345678901234567890123456789012345678000")), IsOk());
  EXPECT_THAT(ValidateAttributeValue(N(std::string("1") + std::string(60, '0'))), IsOk());
  EXPECT_THAT(ValidateAttributeValue(N("123456789012345678901234567890123456789")),
              IsValidation("Attempting to store more than 38 significant digits in a Number"));
  EXPECT_THAT(ValidateAttributeValue(N("-1.23456789012345678901234567890123456789")),
              IsValidation("Attempting to store more than 38 significant digits in a Number"));
}

TEST(ValidateAttributeValueTest, RejectsEmptySets) {
  EXPECT_THAT(ValidateAttributeValue(SS({})),
              IsValidation("One or more parameter values were invalid: An string set  may not be "
                           "empty"));
  EXPECT_THAT(ValidateAttributeValue(NS({})),
              IsValidation("One or more parameter values were invalid: An number set  may not be "
                           "empty"));
  EXPECT_THAT(ValidateAttributeValue(BS({})),
              IsValidation("One or more parameter values were invalid: Binary sets should not be "
                           "empty"));
}

TEST(ValidateAttributeValueTest, RejectsDuplicateSetElements) {
  EXPECT_THAT(ValidateAttributeValue(SS({"a", "b", "a"})),
              IsValidation("Input collection [a, b, a] contains duplicates."));
  EXPECT_THAT(ValidateAttributeValue(BS({"b", "b"})),
              IsValidation("Input collection [Yg==, Yg==]of type BS contains duplicates."));
  EXPECT_THAT(ValidateAttributeValue(SS({"", "a"})), IsOk());  // empty strings are allowed
}

TEST(ValidateAttributeValueTest, ComparesNumberSetElementsByValue) {
  EXPECT_THAT(ValidateAttributeValue(NS({"1", "1.0"})),
              IsValidation("Input collection contains duplicates"));
  EXPECT_THAT(ValidateAttributeValue(NS({"1", "-1", "10"})), IsOk());
  EXPECT_THAT(ValidateAttributeValue(NS({"1", "x"})),
              IsValidation("The parameter cannot be converted to a numeric value: x"));
}

TEST(ValidateAttributeValueTest, RequiresNullToBeTrue) {
  AttributeValue v;
  v.set_null_value(false);
  EXPECT_THAT(ValidateAttributeValue(v),
              IsValidation("Null attribute value types must have the value of true"));
}

TEST(ValidateAttributeValueTest, ValidatesMapsAndListsRecursively) {
  EXPECT_THAT(ValidateAttributeValue(M({{"k", L({S("x"), N("dog")})}})),
              IsValidation("cannot be converted to a numeric value: dog"));
  EXPECT_THAT(ValidateAttributeValue(M({{"k", L({AttributeValue()})}})),
              IsValidation("Supplied AttributeValue is empty"));
  EXPECT_THAT(ValidateAttributeValue(M({})), IsOk());
  EXPECT_THAT(ValidateAttributeValue(L({})), IsOk());
}

TEST(ValidateAttributeValueTest, AllowsAtMost32NestingLevels) {
  EXPECT_THAT(ValidateAttributeValue(Nested(32)), IsOk());
  EXPECT_THAT(ValidateAttributeValue(Nested(33)),
              IsValidation("Nesting Levels have exceeded supported limits"));
}

// ---- Numbers -----------------------------------------------------------------

TEST(CanonicalNumberTest, WritesNumbersAsDynamoDbReturnsThem) {
  const std::pair<const char*, const char*> cases[] = {
      {"1.50", "1.5"},       {"001.23", "1.23"},  {"1e3", "1000"},  {"-0", "0"},
      {"0.000", "0"},        {"1E-5", "0.00001"}, {".5", "0.5"},    {"+3", "3"},
      {"-12.5E3", "-12500"}, {"5.", "5"},         {"120e-1", "12"}, {"-0.0500", "-0.05"},
  };
  for (const auto& [in, out] : cases)
    EXPECT_THAT(CanonicalNumber(in), IsOkAndHolds(std::string(out)));
  EXPECT_THAT(CanonicalNumber("1e-130"),
              IsOkAndHolds(absl::StrCat("0.", std::string(129, '0'), "1")));
}

TEST(CanonicalNumberTest, RejectsInvalidNumbers) {
  EXPECT_THAT(CanonicalNumber("1e126"), IsValidation("Number overflow"));
}

TEST(CanonicalNumberTest, CanonicalizeNumbersRewritesNestedNumbersAndSets) {
  AttributeValue v = M({{"a", L({N("01.10")})}, {"b", NS({"2.0", "3e0"})}, {"c", S("1.0")}});
  ASSERT_THAT(CanonicalizeNumbers(&v), IsOk());
  EXPECT_EQ(v.m().values().at("a").l().values(0).n(), "1.1");
  EXPECT_EQ(v.m().values().at("b").ns().values(0), "2");
  EXPECT_EQ(v.m().values().at("b").ns().values(1), "3");
  EXPECT_EQ(v.m().values().at("c").s(), "1.0");
}

// ---- Equality and ordering -------------------------------------------------------

TEST(AttributeValuesEqualTest, ComparesNumbersByValue) {
  EXPECT_TRUE(AttributeValuesEqual(N("1"), N("1.0")));
  EXPECT_TRUE(AttributeValuesEqual(N("1e2"), N("100")));
  EXPECT_TRUE(AttributeValuesEqual(N("-0"), N("0")));
  EXPECT_FALSE(AttributeValuesEqual(N("1"), N("1.0000000000000000000000000000000000001")));
}

TEST(AttributeValuesEqualTest, IgnoresSetOrder) {
  EXPECT_TRUE(AttributeValuesEqual(SS({"a", "b"}), SS({"b", "a"})));
  EXPECT_TRUE(AttributeValuesEqual(NS({"1", "2"}), NS({"2.0", "1"})));
  EXPECT_TRUE(AttributeValuesEqual(BS({"x", "y"}), BS({"y", "x"})));
  EXPECT_FALSE(AttributeValuesEqual(SS({"a", "b"}), SS({"a"})));
}

TEST(AttributeValuesEqualTest, RequiresTheSameType) {
  EXPECT_FALSE(AttributeValuesEqual(S("1"), N("1")));
  EXPECT_FALSE(AttributeValuesEqual(S("x"), B("x")));
  EXPECT_FALSE(AttributeValuesEqual(SS({"1"}), NS({"1"})));
  EXPECT_FALSE(AttributeValuesEqual(Bool(true), Bool(false)));
  EXPECT_TRUE(AttributeValuesEqual(Null(), Null()));
}

TEST(AttributeValuesEqualTest, ComparesDocumentsDeeplyAndListsInOrder) {
  EXPECT_TRUE(AttributeValuesEqual(M({{"a", L({N("1"), S("x")})}, {"b", Null()}}),
                                   M({{"b", Null()}, {"a", L({N("1.0"), S("x")})}})));
  EXPECT_FALSE(AttributeValuesEqual(L({N("1"), N("2")}), L({N("2"), N("1")})));
  EXPECT_FALSE(AttributeValuesEqual(M({{"a", N("1")}}), M({{"a", N("1")}, {"b", N("1")}})));
}

TEST(ItemsEqualTest, ComparesEveryAttribute) {
  EXPECT_TRUE(ItemsEqual(MakeItem({{"pk", S("k")}, {"n", N("5")}}),
                         MakeItem({{"n", N("5.0")}, {"pk", S("k")}})));
  EXPECT_FALSE(ItemsEqual(MakeItem({{"pk", S("k")}}), MakeItem({{"pk", S("k")}, {"x", Null()}})));
  EXPECT_FALSE(ItemsEqual(MakeItem({{"pk", S("k")}}), MakeItem({{"pk", S("K")}})));
}

TEST(CompareScalarValuesTest, OrdersNumbersByValue) {
  EXPECT_THAT(CompareScalarValues(N("10"), N("9")), Optional(1));
  EXPECT_THAT(CompareScalarValues(N("-1"), N("0.5")), Optional(-1));
  EXPECT_THAT(CompareScalarValues(N("-10"), N("-9")), Optional(-1));
  EXPECT_THAT(CompareScalarValues(N("1.5"), N("15e-1")), Optional(0));
  EXPECT_THAT(CompareScalarValues(N("1e-130"), N("0")), Optional(1));
}

TEST(CompareScalarValuesTest, OrdersStringsAndBinaryByUnsignedBytes) {
  EXPECT_THAT(CompareScalarValues(S("Z"), S("a")), Optional(-1));
  EXPECT_THAT(CompareScalarValues(S("\xC3\xA9"), S("z")), Optional(1));  // é after z
  EXPECT_THAT(CompareScalarValues(B("\x7f"), B("\x80")), Optional(-1));
  EXPECT_THAT(CompareScalarValues(S("ab"), S("abc")), Optional(-1));
}

TEST(CompareScalarValuesTest, HasNoOrderAcrossTypes) {
  EXPECT_EQ(CompareScalarValues(S("1"), N("1")), std::nullopt);
  EXPECT_EQ(CompareScalarValues(L({}), L({})), std::nullopt);
}

// ---- Sizes ---------------------------------------------------------------------

TEST(ItemSizeTest, CountsNameAndStringBytesInUtf8) {
  EXPECT_EQ(ItemSizeBytes(MakeItem({{"name", S("h\xC3\xA9")}})), 4 + 3);
  EXPECT_EQ(ItemSizeBytes(MakeItem({{"\xC3\xA9", S("")}})), 2);
}

TEST(ItemSizeTest, SizesNumbersByDigitPairs) {
  EXPECT_EQ(AttributeValueSizeBytes(N("0")), 1);
  EXPECT_EQ(AttributeValueSizeBytes(N("1")), 2);
  EXPECT_EQ(AttributeValueSizeBytes(N("10")), 2);
  EXPECT_EQ(AttributeValueSizeBytes(N("100")), 2);
  EXPECT_EQ(AttributeValueSizeBytes(N("123")), 3);
  EXPECT_EQ(AttributeValueSizeBytes(N("0.5")), 2);
  EXPECT_EQ(AttributeValueSizeBytes(N("100.5")), 4);
  EXPECT_EQ(AttributeValueSizeBytes(N("-1")), 3);
  EXPECT_EQ(AttributeValueSizeBytes(N("12345678901234567890123456789012345678")), 20);
  EXPECT_EQ(AttributeValueSizeBytes(N("-1.2345678901234567890123456789012345678")), 21);
}

TEST(ItemSizeTest, SizesBinaryBooleanAndNull) {
  EXPECT_EQ(AttributeValueSizeBytes(B(std::string(10, '\0'))), 10);
  EXPECT_EQ(AttributeValueSizeBytes(Bool(false)), 1);
  EXPECT_EQ(AttributeValueSizeBytes(Null()), 1);
}

TEST(ItemSizeTest, AddsDocumentOverheadPerContainerAndElement) {
  EXPECT_EQ(AttributeValueSizeBytes(L({})), 3);
  EXPECT_EQ(AttributeValueSizeBytes(M({})), 3);
  EXPECT_EQ(AttributeValueSizeBytes(L({S("ab"), N("1")})), 3 + (2 + 1) + (2 + 1));
  EXPECT_EQ(AttributeValueSizeBytes(M({{"k", S("ab")}})), 3 + 1 + 2 + 1);
  EXPECT_EQ(ItemSizeBytes(MakeItem({{"m", M({{"k", L({Null()})}})}})), 1 + 3 + 1 + (3 + 2) + 1);
}

TEST(ItemSizeTest, SumsSetElements) {
  EXPECT_EQ(AttributeValueSizeBytes(SS({"a", "bc"})), 3);
  EXPECT_EQ(AttributeValueSizeBytes(NS({"1", "123"})), 2 + 3);
  EXPECT_EQ(AttributeValueSizeBytes(BS({"xyz"})), 3);
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

// ---- Conditions ------------------------------------------------------------------

using ConditionTest = ExpressionTest;

TEST_F(ConditionTest, EqualityComparesNumbersByValue) {
  values_[":v"] = N("1.00");
  EXPECT_THAT(Condition("a = :v"), IsOk());
}

TEST_F(ConditionTest, FalseConditionIsConditionalCheckFailed) {
  values_[":v"] = N("2");
  EXPECT_THAT(Condition("a = :v"), IsConditionFailed());
}

TEST_F(ConditionTest, MissingAttributeEqualsNothingAndDiffersFromEverything) {
  values_[":v"] = N("1");
  EXPECT_THAT(Condition("nothere = :v"), IsConditionFailed());
  EXPECT_THAT(Condition("nothere = zz"), IsConditionFailed());
  EXPECT_THAT(Condition("nothere <> :v"), IsOk());
  EXPECT_THAT(Condition("nothere <> zz"), IsOk());
}

TEST_F(ConditionTest, NullItemHasNoAttributes) {
  values_[":v"] = S("key");
  EXPECT_THAT(EvaluateCondition("attribute_not_exists(pk)", Context(), nullptr), IsOk());
  EXPECT_THAT(EvaluateCondition("pk = :v", Context(), nullptr), IsConditionFailed());
}

TEST_F(ConditionTest, OrderingComparesNumbersStringsAndBinary) {
  values_[":n"] = N("1.5");
  values_[":s"] = S("hellp");
  values_[":b"] = B("hi therf");
  EXPECT_THAT(Condition("a < :n AND a <= :n AND b > :n AND b >= :n"), IsOk());
  EXPECT_THAT(Condition("s < :s AND :s > s"), IsOk());
  EXPECT_THAT(Condition("bin < :b"), IsOk());
  EXPECT_THAT(Condition("c <= :n"), IsConditionFailed());
}

TEST_F(ConditionTest, OrderingAcrossTypesIsFalse) {
  values_[":v"] = S("17");
  EXPECT_THAT(Condition("a < :v"), IsConditionFailed());
  EXPECT_THAT(Condition("lst < :v"), IsConditionFailed());
  EXPECT_THAT(Condition("nothere < :v"), IsConditionFailed());
}

TEST_F(ConditionTest, OrderingAgainstNonScalarValueIsValidationError) {
  values_[":v"] = L({N("1")});
  EXPECT_THAT(Condition("a < :v"),
              IsValidation("Invalid ConditionExpression: Incorrect operand type for operator or "
                           "function; operator or function: <, operand type: LIST"));
}

TEST_F(ConditionTest, BetweenIsInclusive) {
  values_[":lo"] = N("1");
  values_[":hi"] = N("2");
  EXPECT_THAT(Condition("a BETWEEN :lo AND :hi AND b between :lo and :hi"), IsOk());
  EXPECT_THAT(Condition("c BETWEEN :lo AND :hi"), IsConditionFailed());
  EXPECT_THAT(Condition("b BETWEEN a AND c"), IsOk());
}

TEST_F(ConditionTest, BetweenRejectsBoundsOutOfOrder) {
  values_[":lo"] = N("2");
  values_[":hi"] = N("1");
  EXPECT_THAT(Condition("a BETWEEN :lo AND :hi"),
              IsValidation("The BETWEEN operator requires upper bound to be greater than or equal "
                           "to lower bound; lower bound operand: AttributeValue: {N:2}, upper "
                           "bound operand: AttributeValue: {N:1}"));
}

TEST_F(ConditionTest, BetweenRejectsBoundsOfDifferentTypes) {
  values_[":lo"] = N("2");
  values_[":hi"] = S("dog");
  EXPECT_THAT(Condition("a BETWEEN :lo AND :hi"),
              IsValidation("The BETWEEN operator requires same data type for lower and upper "
                           "bounds"));
}

TEST_F(ConditionTest, InMatchesAnyListedValueOfAnyType) {
  values_[":x"] = S("dog");
  values_[":y"] = N("1.0");
  EXPECT_THAT(Condition("a IN (:x, :y)"), IsOk());
  EXPECT_THAT(Condition("b in (:x, :y)"), IsConditionFailed());
  EXPECT_THAT(Condition("nothere IN (:x)"), IsConditionFailed());
}

TEST_F(ConditionTest, InAcceptsAtMost100Operands) {
  std::string lst;
  for (int k = 0; k < 100; ++k) {
    values_[absl::StrCat(":v", k)] = N(absl::StrCat(k));
    if (k < 99) absl::StrAppend(&lst, k == 0 ? "" : ",", ":v", k);
  }
  EXPECT_THAT(Condition(absl::StrCat("a IN (", lst, ")")), IsOk());
  EXPECT_THAT(Condition(absl::StrCat("a IN (", lst, ",:v99)")),
              IsValidation("The IN operator is provided with too many operands"));
}

TEST_F(ConditionTest, NotBindsTighterThanAnd) {
  // NOT (a < b) AND (c < b): false AND false. Read as NOT (a < b AND c < b) it would hold.
  EXPECT_THAT(Condition("NOT a < b AND c < b"), IsConditionFailed());
}

TEST_F(ConditionTest, AndBindsTighterThanOr) {
  // (a < b) OR (c < b AND b < c) holds; ((a < b) OR c < b) AND b < c would not.
  EXPECT_THAT(Condition("a < b OR c < b AND b < c"), IsOk());
}

TEST_F(ConditionTest, ParenthesesOverridePrecedence) {
  EXPECT_THAT(Condition("(a < b OR c < b) AND b < c"), IsOk());
  EXPECT_THAT(Condition("(a < b OR c < b) AND c < b"), IsConditionFailed());
  EXPECT_THAT(Condition("NOT (a < b AND c < b)"), IsOk());
}

TEST_F(ConditionTest, KeywordsAreCaseInsensitive) {
  values_[":x"] = N("1");
  EXPECT_THAT(Condition("a between :x aNd :x AnD nOt b iN (:x) oR c < a"), IsOk());
  EXPECT_THAT(Condition("NOT NOT NOT NOT a < b"), IsOk());
}

TEST_F(ConditionTest, AttributeExistsAndNotExistsFollowDocumentPaths) {
  EXPECT_THAT(Condition("attribute_exists(doc.y[2]) AND attribute_not_exists(doc.y[3])"), IsOk());
  EXPECT_THAT(Condition("attribute_exists(doc.z)"), IsConditionFailed());
  EXPECT_THAT(Condition("attribute_exists(s.x)"), IsConditionFailed());
  EXPECT_THAT(Condition("attribute_exists (a)"), IsOk());
}

TEST_F(ConditionTest, AttributeExistsRequiresADocumentPath) {
  values_[":v"] = N("1");
  EXPECT_THAT(Condition("attribute_exists(:v)"),
              IsValidation("Operator or function requires a document path; operator or "
                           "function: attribute_exists"));
}

TEST_F(ConditionTest, AttributeTypeChecksTheType) {
  values_[":ns"] = S("NS");
  values_[":l"] = S("L");
  EXPECT_THAT(Condition("attribute_type(ns, :ns) AND attribute_type(lst, :l)"), IsOk());
  EXPECT_THAT(Condition("attribute_type(a, :ns)"), IsConditionFailed());
}

TEST_F(ConditionTest, AttributeTypeRejectsUnknownTypeNames) {
  values_[":t"] = S("DOG");
  EXPECT_THAT(Condition("attribute_type(a, :t)"),
              IsValidation("Invalid attribute type name found; type: DOG, valid types:"));
}

TEST_F(ConditionTest, BeginsWithMatchesStringAndBinaryPrefixes) {
  values_[":s"] = S("hel");
  values_[":b"] = B("hi ");
  EXPECT_THAT(Condition("begins_with(s, :s) AND begins_with(bin, :b)"), IsOk());
  EXPECT_THAT(Condition("begins_with(bin, :s)"), IsConditionFailed());
}

TEST_F(ConditionTest, BeginsWithRejectsNumberOperand) {
  values_[":n"] = N("1");
  EXPECT_THAT(Condition("begins_with(s, :n)"),
              IsValidation("Incorrect operand type for operator or function; operator or "
                           "function: begins_with, operand type: N"));
}

TEST_F(ConditionTest, ContainsFindsSubstringsAndMembers) {
  values_[":sub"] = S("ell");
  values_[":blue"] = S("blue");
  values_[":four"] = N("4.0");
  values_[":dog"] = S("dog");
  values_[":set"] = SS({"x"});
  values_[":bsub"] = B("there");
  EXPECT_THAT(Condition("contains(s, :sub) AND contains(ss, :blue) AND contains(ns, :four)"),
              IsOk());
  EXPECT_THAT(Condition("contains(lst, :dog) AND contains(lst, :set) AND contains(bin, :bsub)"),
              IsOk());
  EXPECT_THAT(Condition("contains(ns, :blue)"), IsConditionFailed());
  EXPECT_THAT(Condition("contains(a, :four)"), IsConditionFailed());
}

TEST_F(ConditionTest, FunctionOperandsMustBeDistinct) {
  EXPECT_THAT(Condition("contains(s, s)"),
              IsValidation("The first operand must be distinct from the remaining operands for "
                           "this operator or function; operator: contains, first operand: [s]"));
}

TEST_F(ConditionTest, SizeMeasuresStringsBinarySetsListsAndMaps) {
  values_[":5"] = N("5");
  values_[":8"] = N("8");
  values_[":2"] = N("2");
  values_[":3"] = N("3");
  EXPECT_THAT(Condition("size(s) = :5 AND size(bin) = :8 AND size(ss) = :2"), IsOk());
  EXPECT_THAT(Condition("size(ns) = :3 AND size(lst) = :3 AND size(doc) = :2"), IsOk());
  EXPECT_THAT(Condition("size(doc.y) > :2 AND size(s) >= a"), IsOk());
}

TEST_F(ConditionTest, SizeCountsStringsInUtf16CodeUnits) {
  item_["u"] = S("\xC3\xA9\xF0\x9D\x84\x9E");  // é𝄞: 6 UTF-8 bytes, 1 + 2 UTF-16 units
  values_[":3"] = N("3");
  EXPECT_THAT(Condition("size(u) = :3"), IsOk());
}

TEST_F(ConditionTest, SizeOfNumberIsFalseRatherThanError) {
  values_[":1"] = N("1");
  EXPECT_THAT(Condition("size(a) = :1"), IsConditionFailed());
}

TEST_F(ConditionTest, SizeAloneIsNotACondition) {
  EXPECT_THAT(Condition("size(s)"),
              IsValidation("The function is not allowed to be used this way in an expression; "
                           "function: size"));
}

TEST_F(ConditionTest, BooleanFunctionIsNotAnOperand) {
  values_[":v"] = Bool(true);
  EXPECT_THAT(Condition("attribute_exists(a) = :v"),
              IsValidation("The function is not allowed to be used this way in an expression; "
                           "function: attribute_exists"));
}

TEST_F(ConditionTest, UpdateFunctionsAreNotAllowedInConditions) {
  values_[":v"] = N("1");
  EXPECT_THAT(Condition("if_not_exists(a, :v) = :v"),
              IsValidation("not allowed to be used this way in an expression; function: "
                           "if_not_exists"));
}

TEST_F(ConditionTest, RejectsUnknownFunctionNames) {
  values_[":v"] = N("1");
  EXPECT_THAT(Condition("dog(a) = :v"), IsValidation("Invalid function name; function: dog"));
}

TEST_F(ConditionTest, FunctionNamesAreCaseSensitive) {
  EXPECT_THAT(Condition("ATTRIBUTE_EXISTS(a)"),
              IsValidation("Invalid function name; function: ATTRIBUTE_EXISTS"));
}

TEST_F(ConditionTest, RejectsWrongNumberOfFunctionOperands) {
  values_[":v"] = S("x");
  EXPECT_THAT(Condition("begins_with(s)"),
              IsValidation("Incorrect number of operands for operator or function; operator or "
                           "function: begins_with, number of operands: 1"));
}

TEST_F(ConditionTest, RejectsReservedWordsAsNames) {
  values_[":v"] = S("x");
  EXPECT_THAT(Condition("Name = :v"),
              IsValidation("Invalid ConditionExpression: Attribute name is a reserved keyword; "
                           "reserved keyword: Name"));
  EXPECT_THAT(Condition("doc.Comment = :v"), IsValidation("reserved keyword: Comment"));
}

TEST_F(ConditionTest, PlaceholdersEscapeReservedWords) {
  item_["name"] = S("x");
  names_["#n"] = "name";
  values_[":v"] = S("x");
  EXPECT_THAT(Condition("#n = :v"), IsOk());
}

TEST_F(ConditionTest, NamePlaceholderResolvesToOneLiteralPathElement) {
  item_["a.b"] = S("dotted");
  names_["#ab"] = "a.b";
  values_[":v"] = S("dotted");
  EXPECT_THAT(Condition("#ab = :v"), IsOk());
}

TEST_F(ConditionTest, RejectsUndefinedNamePlaceholder) {
  values_[":v"] = S("x");
  EXPECT_THAT(Condition("#nope = :v"),
              IsValidation("An expression attribute name used in the document path is not "
                           "defined; attribute name: #nope"));
}

TEST_F(ConditionTest, RejectsUndefinedValuePlaceholder) {
  EXPECT_THAT(Condition("a = :nope"),
              IsValidation("An expression attribute value used in expression is not defined; "
                           "attribute value: :nope"));
}

TEST_F(ConditionTest, RejectsInvalidExpressionAttributeValue) {
  values_[":v"] = N("dog");
  EXPECT_THAT(Condition("a = :v"),
              IsValidation("ExpressionAttributeValues contains invalid value: The parameter "
                           "cannot be converted to a numeric value: dog for key :v"));
}

TEST_F(ConditionTest, ComparesNestedPathsWithListIndexes) {
  EXPECT_THAT(Condition("doc.x < doc.y[1]"), IsOk());
  EXPECT_THAT(Condition("doc.x < doc.y[0]"), IsConditionFailed());
  EXPECT_THAT(Condition("doc.x < doc.y[100]"), IsConditionFailed());
}

TEST_F(ConditionTest, SyntaxErrorQuotesTheTokenAndItsNeighbours) {
  values_[":v"] = N("1");
  EXPECT_THAT(Condition("a = = :v"),
              IsValidation("Invalid ConditionExpression: Syntax error; token: \"=\", near: \"= = "
                           ":v\""));
  EXPECT_THAT(Condition("a ="),
              IsValidation("Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: "
                           "\"=\""));
  EXPECT_THAT(Condition("doc.y[-1] = :v"),
              IsValidation("Syntax error; token: \"-\", near: \"[-1\""));
}

TEST_F(ConditionTest, BareOperandIsNotACondition) {
  EXPECT_THAT(Condition("a"), IsValidation("Syntax error; token: \"<EOF>\", near: \"a\""));
  EXPECT_THAT(Condition("a AND b = c"), IsValidation("Syntax error; token: \"AND\""));
}

TEST_F(ConditionTest, InWithoutOperandsIsSyntaxError) {
  EXPECT_THAT(Condition("a IN ()"), IsValidation("Syntax error; token: \")\""));
}

TEST_F(ConditionTest, NamesMustStartWithALetter) {
  values_[":v"] = N("1");
  EXPECT_THAT(Condition("_a = :v"), IsValidation("Syntax error; token: \"_\", near: \"_a\""));
  EXPECT_THAT(Condition("1a = :v"), IsValidation("Syntax error; token: \"1\""));
}

TEST_F(ConditionTest, RejectsRedundantParentheses) {
  values_[":v"] = N("1");
  EXPECT_THAT(Condition("((a = :v))"), IsValidation("The expression has redundant parentheses;"));
  EXPECT_THAT(Condition("(a) = :v"), IsOk());
}

TEST_F(ConditionTest, RejectsEmptyExpression) {
  EXPECT_THAT(Condition(""),
              IsValidation("Invalid ConditionExpression: The expression can not be empty;"));
  EXPECT_THAT(Condition(" \t\n"), IsValidation("The expression can not be empty;"));
}

TEST_F(ConditionTest, RejectsExpressionsOver4KB) {
  std::string expression = "a = b";
  expression.append(4096 - expression.size(), ' ');
  EXPECT_THAT(Condition(expression), IsConditionFailed());
  expression.push_back(' ');
  EXPECT_THAT(Condition(expression),
              IsValidation("Expression size has exceeded the maximum allowed size; expression "
                           "size: 4097"));
}

TEST_F(ConditionTest, RejectsDocumentPathsDeeperThan32Levels) {
  std::string path = "doc";
  for (int k = 0; k < 32; ++k) path += ".x";
  EXPECT_THAT(Condition(absl::StrCat("attribute_exists(", path, ")")),
              IsValidation("The document path has too many nesting levels; nesting levels: 33"));
}

TEST_F(ConditionTest, AllowsAtMost300Operators) {
  std::string expression;
  for (int k = 0; k < 299; ++k) expression += "NOT ";
  EXPECT_THAT(Condition(expression + "a < b"), IsConditionFailed());  // 299 NOTs: odd
  EXPECT_THAT(Condition("NOT " + expression + "a < b"), IsValidation("too many operators"));
}

TEST_F(ConditionTest, DeepParenthesesAreRejectedNotRecursedInto) {
  std::string deep = std::string(2000, '(') + "a = b" + std::string(2000, ')');
  EXPECT_THAT(Condition(deep), IsValidation("ConditionExpression"));
  EXPECT_THAT(Condition(std::string(4096, '(')), IsValidation("ConditionExpression"));
}

TEST_F(ConditionTest, FilterExpressionsReportTruthAndTheirOwnName) {
  values_[":v"] = N("2");
  EXPECT_THAT(ConditionHolds("a = :v", "FilterExpression", Context(), &item_), IsOkAndHolds(false));
  EXPECT_THAT(ConditionHolds("b = :v", "FilterExpression", Context(), &item_), IsOkAndHolds(true));
  EXPECT_THAT(ConditionHolds("b = ", "FilterExpression", Context(), &item_),
              IsValidation("Invalid FilterExpression: Syntax error"));
}

// ---- Updates -----------------------------------------------------------------

using UpdateTest = ExpressionTest;

TEST_F(UpdateTest, SetsAttributesAndKeepsTheRest) {
  values_[":v"] = S("new");
  values_[":w"] = N("4");
  absl::StatusOr<Item> updated = Update("SET s = :v, z = :w");
  EXPECT_THAT(updated, HasAttribute("s", S("new")));
  EXPECT_THAT(updated, HasAttribute("z", N("4")));
  EXPECT_THAT(updated, HasAttribute("a", N("1")));
}

TEST_F(UpdateTest, StoresNumbersInCanonicalForm) {
  values_[":v"] = N("001.50");
  EXPECT_THAT(Update("SET z = :v"), HasAttribute("z", N("1.5")));
}

TEST_F(UpdateTest, AddsAndSubtractsExactly) {
  item_["price"] = N("1.50");
  values_[":zero"] = N("0");
  values_[":small"] = N("0.1");
  values_[":big"] = N("10000000000000000000000");
  values_[":one"] = N("1");
  EXPECT_THAT(Update("SET price = price + :zero"), HasAttribute("price", N("1.5")));
  EXPECT_THAT(Update("SET price = price - :small"), HasAttribute("price", N("1.4")));
  EXPECT_THAT(Update("SET z = :one + :big"), HasAttribute("z", N("10000000000000000000001")));
  EXPECT_THAT(Update("SET z = :one - :big"), HasAttribute("z", N("-9999999999999999999999")));
  EXPECT_THAT(Update("SET z = :small - :small"), HasAttribute("z", N("0")));
}

TEST_F(UpdateTest, ArithmeticKeeps38Digits) {
  values_[":a"] = N("0.1");
  values_[":b"] = N("9999999999999999999999999999999999999");
  EXPECT_THAT(Update("SET z = :a + :b"),
              HasAttribute("z", N("9999999999999999999999999999999999999.1")));
}

TEST_F(UpdateTest, ArithmeticRejectsResultsBeyondTheRange) {
  values_[":a"] = N("9e125");
  values_[":m"] = N("-9e125");
  EXPECT_THAT(Update("SET z = :a + :a"),
              IsValidation("Number overflow. Attempting to store a number with magnitude larger "
                           "than supported range"));
  EXPECT_THAT(Update("SET z = :a - :m"), IsValidation("Number overflow"));
}

TEST_F(UpdateTest, ArithmeticRejectsResultsNeedingMoreThan38Digits) {
  values_[":big"] = N("1e50");
  values_[":one"] = N("1");
  EXPECT_THAT(Update("SET z = :big + :one"), IsValidation("Number overflow"));
}

TEST_F(UpdateTest, ArithmeticOnMissingAttributeIsValidationError) {
  values_[":one"] = N("1");
  EXPECT_THAT(Update("SET z = nothere + :one"),
              IsValidation("The provided expression refers to an attribute that does not exist "
                           "in the item"));
}

TEST_F(UpdateTest, ArithmeticOnNonNumberAttributeIsValidationError) {
  values_[":one"] = N("1");
  EXPECT_THAT(Update("SET z = s + :one"),
              IsValidation("An operand in the update expression has an incorrect data type"));
}

TEST_F(UpdateTest, ArithmeticOnNonNumberValueIsRejectedBeforeEvaluation) {
  values_[":s"] = S("dog");
  EXPECT_THAT(Update("SET z = a + :s"),
              IsValidation("Incorrect operand type for operator or function; operator or "
                           "function: +, operand type: S"));
}

TEST_F(UpdateTest, IfNotExistsKeepsExistingValue) {
  values_[":v"] = N("9");
  absl::StatusOr<Item> updated = Update("SET a = if_not_exists(a, :v), z = if_not_exists(q, :v)");
  EXPECT_THAT(updated, HasAttribute("a", N("1")));
  EXPECT_THAT(updated, HasAttribute("z", N("9")));
}

TEST_F(UpdateTest, IfNotExistsRequiresAPath) {
  values_[":v"] = N("9");
  EXPECT_THAT(Update("SET a = if_not_exists(:v, :v)"),
              IsValidation("Operator or function requires a document path; operator or "
                           "function: if_not_exists"));
}

TEST_F(UpdateTest, IfNotExistsCombinesWithPlus) {
  values_[":zero"] = N("0");
  values_[":one"] = N("1");
  EXPECT_THAT(Update("SET cnt = if_not_exists(cnt, :zero) + :one"), HasAttribute("cnt", N("1")));
}

TEST_F(UpdateTest, ListAppendConcatenatesInOrder) {
  values_[":tail"] = L({S("cat")});
  absl::StatusOr<Item> updated =
      Update("SET lst = list_append(lst, :tail), front = list_append(:tail, lst)");
  EXPECT_THAT(updated, HasAttribute("lst", L({N("2"), S("dog"), SS({"x"}), S("cat")})));
  EXPECT_THAT(updated, HasAttribute("front", L({S("cat"), N("2"), S("dog"), SS({"x"})})));
}

TEST_F(UpdateTest, ListAppendRejectsNonListValue) {
  values_[":s"] = S("x");
  EXPECT_THAT(Update("SET lst = list_append(lst, :s)"),
              IsValidation("Incorrect operand type for operator or function; operator or "
                           "function: list_append, operand type: S"));
}

TEST_F(UpdateTest, ListAppendOnMissingOrNonListAttributeFails) {
  values_[":l"] = L({});
  EXPECT_THAT(Update("SET z = list_append(nothere, :l)"),
              IsValidation("refers to an attribute that does not exist"));
  EXPECT_THAT(Update("SET z = list_append(s, :l)"),
              IsValidation("An operand in the update expression has an incorrect data type"));
}

TEST_F(UpdateTest, NestedListAppendIsNotAllowed) {
  values_[":l"] = L({});
  EXPECT_THAT(Update("SET z = list_append(list_append(:l, :l), :l)"),
              IsValidation("not allowed to be used this way in an expression; function: "
                           "list_append"));
}

TEST_F(UpdateTest, SetsListElementsAndAppendsPastTheEnd) {
  values_[":x"] = S("x");
  values_[":y"] = S("y");
  values_[":z"] = S("z");
  EXPECT_THAT(Update("SET lst[1] = :x"), HasAttribute("lst", L({N("2"), S("x"), SS({"x"})})));
  // Past the end: appended, in index order whatever the order written.
  EXPECT_THAT(Update("SET lst[84] = :x, lst[37] = :y, lst[50] = :z"),
              HasAttribute("lst", L({N("2"), S("dog"), SS({"x"}), S("y"), S("z"), S("x")})));
}

TEST_F(UpdateTest, SetsNestedMapKeys) {
  values_[":v"] = S("v");
  absl::StatusOr<Item> updated = Update("SET doc.z = :v, doc.y[0] = :v");
  EXPECT_THAT(
      updated,
      HasAttribute("doc", M({{"x", N("1")}, {"y", L({S("v"), N("2"), N("0")})}, {"z", S("v")}})));
}

TEST_F(UpdateTest, SettingUnderAMissingOrScalarParentIsInvalid) {
  values_[":v"] = S("v");
  EXPECT_THAT(Update("SET nothere.z = :v"),
              IsValidation("The document path provided in the update expression is invalid for "
                           "update"));
  EXPECT_THAT(Update("SET s.z = :v"), IsValidation("invalid for update"));
  EXPECT_THAT(Update("SET doc[0] = :v"), IsValidation("invalid for update"));
}

TEST_F(UpdateTest, EveryActionReadsTheItemAsItWas) {
  absl::StatusOr<Item> updated = Update("SET a = b, b = a");
  EXPECT_THAT(updated, HasAttribute("a", N("2")));
  EXPECT_THAT(updated, HasAttribute("b", N("1")));
  EXPECT_THAT(Update("REMOVE a SET z = a"), HasAttribute("z", N("1")));
}

TEST_F(UpdateTest, CopyingAMissingAttributeFails) {
  EXPECT_THAT(Update("SET z = nothere"),
              IsValidation("The provided expression refers to an attribute that does not exist "
                           "in the item"));
}

TEST_F(UpdateTest, RemovesAttributesNestedKeysAndListElements) {
  absl::StatusOr<Item> updated = Update("REMOVE s, doc.x, lst[0], nothere");
  EXPECT_THAT(updated, LacksAttribute("s"));
  EXPECT_THAT(updated, HasAttribute("doc", M({{"y", L({N("-1"), N("2"), N("0")})}})));
  EXPECT_THAT(updated, HasAttribute("lst", L({S("dog"), SS({"x"})})));
}

TEST_F(UpdateTest, RemovingPastTheEndOfAListDoesNothing) {
  EXPECT_THAT(Update("REMOVE lst[17]"), HasAttribute("lst", item_["lst"]));
}

TEST_F(UpdateTest, RemovingUnderAMissingParentIsInvalid) {
  EXPECT_THAT(Update("REMOVE nothere.x"), IsValidation("invalid for update"));
}

TEST_F(UpdateTest, ListIndexesReferToPositionsBeforeTheUpdate) {
  item_["l"] = L({N("2"), N("3"), N("4"), N("5"), N("6"), N("7")});
  values_[":v"] = N("17");
  const AttributeValue expected = L({N("2"), N("4"), N("17"), N("6"), N("7")});
  EXPECT_THAT(Update("REMOVE l[1] SET l[3] = :v"), HasAttribute("l", expected));
  EXPECT_THAT(Update("SET l[3] = :v REMOVE l[1]"), HasAttribute("l", expected));
  EXPECT_THAT(Update("REMOVE l[1], l[3]"), HasAttribute("l", L({N("2"), N("4"), N("6"), N("7")})));
}

TEST_F(UpdateTest, AddCreatesAndIncrementsNumbers) {
  values_[":n"] = N("-0.5");
  absl::StatusOr<Item> updated = Update("ADD a :n, fresh :n");
  EXPECT_THAT(updated, HasAttribute("a", N("0.5")));
  EXPECT_THAT(updated, HasAttribute("fresh", N("-0.5")));
}

TEST_F(UpdateTest, AddUnitesSets) {
  values_[":colors"] = SS({"blue", "green"});
  values_[":numbers"] = NS({"4.0", "8"});
  absl::StatusOr<Item> updated = Update("ADD ss :colors, ns :numbers, fresh :colors");
  EXPECT_THAT(updated, HasAttribute("ss", SS({"red", "blue", "green"})));
  EXPECT_THAT(updated, HasAttribute("ns", NS({"2", "4", "7", "8"})));
  EXPECT_THAT(updated, HasAttribute("fresh", SS({"blue", "green"})));
}

TEST_F(UpdateTest, AddToAttributeOfAnotherTypeFails) {
  values_[":n"] = N("1");
  values_[":ns"] = NS({"1"});
  EXPECT_THAT(Update("ADD s :n"),
              IsValidation("An operand in the update expression has an incorrect data type"));
  EXPECT_THAT(Update("ADD ss :ns"), IsValidation("incorrect data type"));
}

TEST_F(UpdateTest, AddAcceptsOnlyNumbersAndSets) {
  values_[":s"] = S("x");
  values_[":l"] = L({N("1")});
  EXPECT_THAT(Update("ADD a :s"),
              IsValidation("Incorrect operand type for operator or function; operator: ADD, "
                           "operand type: STRING"));
  EXPECT_THAT(Update("ADD lst :l"), IsValidation("operator: ADD, operand type: LIST"));
}

TEST_F(UpdateTest, DeleteRemovesSetElements) {
  values_[":gone"] = NS({"4.00", "99"});
  EXPECT_THAT(Update("DELETE ns :gone"), HasAttribute("ns", NS({"2", "7"})));
}

TEST_F(UpdateTest, DeletingEverySetElementRemovesTheAttribute) {
  values_[":all"] = SS({"red", "blue"});
  EXPECT_THAT(Update("DELETE ss :all"), LacksAttribute("ss"));
}

TEST_F(UpdateTest, DeleteFromMissingAttributeDoesNothing) {
  values_[":x"] = SS({"x"});
  EXPECT_THAT(Update("DELETE nothere :x"), LacksAttribute("nothere"));
}

TEST_F(UpdateTest, DeleteAcceptsOnlySets) {
  values_[":n"] = N("1");
  EXPECT_THAT(Update("DELETE ns :n"),
              IsValidation("Incorrect operand type for operator or function; operator: DELETE, "
                           "operand type: NUMBER"));
}

TEST_F(UpdateTest, EachClauseAppearsAtMostOnce) {
  values_[":v"] = N("1");
  EXPECT_THAT(Update("SET a = :v REMOVE b SET c = :v"),
              IsValidation("Invalid UpdateExpression: The \"SET\" section can only be used once "
                           "in an update expression;"));
}

TEST_F(UpdateTest, ClauseKeywordsAreCaseInsensitive) {
  values_[":v"] = N("9");
  absl::StatusOr<Item> updated = Update("set a = :v remove b");
  EXPECT_THAT(updated, HasAttribute("a", N("9")));
  EXPECT_THAT(updated, LacksAttribute("b"));
}

TEST_F(UpdateTest, RejectsOverlappingPaths) {
  values_[":v"] = N("1");
  EXPECT_THAT(Update("SET a = :v REMOVE a"),
              IsValidation("Invalid UpdateExpression: Two document paths overlap with each other; "
                           "must remove or rewrite one of these paths; path one: [a], path two: "
                           "[a]"));
  EXPECT_THAT(Update("SET doc.y[0] = :v, doc.y[0].ok = :v"),
              IsValidation("path one: [doc, y, [0]], path two: [doc, y, [0], ok]"));
  names_["#a1"] = "a";
  names_["#a2"] = "a";
  EXPECT_THAT(Update("SET #a1 = :v, #a2 = :v"), IsValidation("overlap"));
}

TEST_F(UpdateTest, RejectsConflictingPaths) {
  values_[":v"] = N("1");
  EXPECT_THAT(Update("SET doc.b = :v, doc[1] = :v"),
              IsValidation("Two document paths conflict with each other; must remove or rewrite "
                           "one of these paths; path one: [doc, b], path two: [doc, [1]]"));
}

TEST_F(UpdateTest, AllowsSiblingPaths) {
  values_[":v"] = N("1");
  EXPECT_THAT(Update("SET doc.x = :v, doc.z = :v REMOVE doc.y[1], doc.y[2]"), IsOk());
}

TEST_F(UpdateTest, RejectsUpdatesOfKeyAttributes) {
  values_[":v"] = N("1");
  EXPECT_THAT(Update("SET pk = :v"),
              IsValidation("Cannot update attribute pk. This attribute is part of the key"));
  EXPECT_THAT(Update("REMOVE pk"), IsValidation("Cannot update attribute pk"));
  EXPECT_THAT(Update("ADD pk :v"), IsValidation("Cannot update attribute pk"));
}

TEST_F(UpdateTest, ReportsReservedWordsBeforeUndefinedNames) {
  values_[":v"] = N("1");
  EXPECT_THAT(Update("SET doc.#x.Comment = :v"), IsValidation("reserved keyword: Comment"));
  EXPECT_THAT(Update("SET doc.#x.y = :v"), IsValidation("not defined; attribute name: #x"));
}

TEST_F(UpdateTest, RejectsUnknownFunctions) {
  EXPECT_THAT(Update("SET a = f(b, c)"), IsValidation("Invalid function name; function: f"));
}

TEST_F(UpdateTest, PlusJoinsOnlyTwoWholeValues) {
  values_[":v"] = N("1");
  EXPECT_THAT(Update("SET a = :v + :v + :v"), IsValidation("Syntax error; token: \"+\""));
  EXPECT_THAT(Update("SET a = if_not_exists(a, :v + :v)"),
              IsValidation("Syntax error; token: \"+\""));
  EXPECT_THAT(Update("SET a = a * :v"),
              IsValidation("Syntax error; token: \"*\", near: \"a * :v\""));
}

TEST_F(UpdateTest, AddAndDeleteNeedAValuePlaceholder) {
  EXPECT_THAT(Update("ADD a 1"), IsValidation("Syntax error; token: \"1\", near: \"a 1\""));
  EXPECT_THAT(Update("ADD a"), IsValidation("Syntax error; token: \"<EOF>\", near: \"a\""));
}

TEST_F(UpdateTest, RejectsUnknownClauses) {
  values_[":v"] = N("1");
  EXPECT_THAT(Update("HELLO a = :v"), IsValidation("Syntax error; token: \"HELLO\""));
}

TEST_F(UpdateTest, RejectsValuePlaceholderOnTheLeft) {
  values_[":v"] = N("1");
  EXPECT_THAT(Update("SET :v = :v"), IsValidation("Syntax error; token: \":v\""));
}

TEST_F(UpdateTest, RejectsReservedWordsAsNames) {
  values_[":v"] = N("1");
  EXPECT_THAT(Update("SET Comment = :v"),
              IsValidation("Invalid UpdateExpression: Attribute name is a reserved keyword; "
                           "reserved keyword: Comment"));
}

TEST_F(UpdateTest, RejectsResultBeyond400KB) {
  values_[":big"] = S(std::string(300 * 1024, 'x'));
  EXPECT_THAT(Update("SET big1 = :big"), IsOk());
  EXPECT_THAT(Update("SET big1 = :big, big2 = :big"),
              IsValidation("Item size to update has exceeded the maximum allowed size"));
}

TEST_F(UpdateTest, RejectsResultNestedBeyond32Levels) {
  values_[":deep"] = Nested(32);
  EXPECT_THAT(Update("SET z = :deep"), IsOk());
  EXPECT_THAT(Update("SET doc.z = :deep"), IsValidation("Nesting Levels have exceeded"));
}

// ---- Projections ---------------------------------------------------------------

using ProjectionTest = ExpressionTest;

TEST_F(ProjectionTest, KeepsOnlyTheNamedAttributes) {
  absl::StatusOr<Item> projected = Projection(" a ,  s, nothere");
  ASSERT_THAT(projected, IsOk());
  EXPECT_TRUE(ItemsEqual(*projected, MakeItem({{"a", N("1")}, {"s", S("hello")}})));
}

TEST_F(ProjectionTest, KeepsNestedValuesInTheirStructure) {
  absl::StatusOr<Item> projected = Projection("doc.y[2], doc.y[0], lst[1]");
  ASSERT_THAT(projected, IsOk());
  EXPECT_TRUE(ItemsEqual(
      *projected, MakeItem({{"doc", M({{"y", L({N("-1"), N("0")})}})}, {"lst", L({S("dog")})}})));
}

TEST_F(ProjectionTest, SkipsPathsTheItemDoesNotHave) {
  absl::StatusOr<Item> projected = Projection("doc.z, doc.y[5], doc.x.q, s[0], lst.q");
  ASSERT_THAT(projected, IsOk());
  EXPECT_TRUE(projected->empty());
}

TEST_F(ProjectionTest, ResolvesNamePlaceholders) {
  names_["#d"] = "doc";
  names_["#x"] = "x";
  absl::StatusOr<Item> projected = Projection("#d.#x");
  ASSERT_THAT(projected, IsOk());
  EXPECT_TRUE(ItemsEqual(*projected, MakeItem({{"doc", M({{"x", N("1")}})}})));
}

TEST_F(ProjectionTest, RejectsOverlappingPaths) {
  EXPECT_THAT(Projection("doc, doc.y[0]"),
              IsValidation("Invalid ProjectionExpression: Two document paths overlap with each "
                           "other"));
  EXPECT_THAT(Projection("a, a"), IsValidation("overlap"));
}

TEST_F(ProjectionTest, RejectsConflictingPaths) {
  EXPECT_THAT(Projection("doc.b, doc[1]"), IsValidation("Two document paths conflict"));
}

TEST_F(ProjectionTest, RejectsDanglingCommas) {
  EXPECT_THAT(Projection("a,"), IsValidation("Syntax error; token: \"<EOF>\""));
  EXPECT_THAT(Projection(",a"), IsValidation("Syntax error; token: \",\""));
  EXPECT_THAT(Projection("a,,b"), IsValidation("Syntax error"));
}

TEST_F(ProjectionTest, RejectsReservedWordsAndEmptyIndexes) {
  EXPECT_THAT(Projection("lst[0].COMMENT"),
              IsValidation("Invalid ProjectionExpression: Attribute name is a reserved keyword; "
                           "reserved keyword: COMMENT"));
  EXPECT_THAT(Projection("doc[].x"), IsValidation("Syntax error; token: \"]\", near: \"[].\""));
}

// ---- ValidateExpressionUsage ------------------------------------------------------

using UsageTest = ExpressionTest;

TEST_F(UsageTest, AcceptsWhenEveryPlaceholderIsUsed) {
  names_["#a"] = "a";
  values_[":v"] = N("1");
  values_[":w"] = N("2");
  EXPECT_THAT(ValidateExpressionUsage({"SET #a = :v", "", "b = :w OR #a = :v"}, Context()), IsOk());
}

TEST_F(UsageTest, RejectsUnusedNames) {
  names_["#a"] = "a";
  names_["#b"] = "b";
  names_["#c"] = "c";
  EXPECT_THAT(ValidateExpressionUsage({"#a = :v"}, Context()),
              IsValidation("Value provided in ExpressionAttributeNames unused in expressions: "
                           "keys: {#b, #c}"));
}

TEST_F(UsageTest, RejectsUnusedValues) {
  values_[":v"] = N("1");
  values_[":x"] = N("1");
  EXPECT_THAT(ValidateExpressionUsage({"a = :v"}, Context()),
              IsValidation("Value provided in ExpressionAttributeValues unused in expressions: "
                           "keys: {:x}"));
}

TEST_F(UsageTest, CountsPlaceholdersInBranchesEvaluationMaySkip) {
  names_["#n1"] = "a";
  names_["#n2"] = "b";
  values_[":v1"] = N("1");
  values_[":v2"] = N("2");
  EXPECT_THAT(Condition("#n1 = :v1 OR #n2 = :v2"), IsOk());
  EXPECT_THAT(ValidateExpressionUsage({"#n1 = :v1 OR #n2 = :v2"}, Context()), IsOk());
}

// ---- Hostile input ------------------------------------------------------------------

// Random bytes and mangled real expressions: every call ends in OK or a
// DynamoDB error, never a crash or another kind of status.
class HostileInputTest : public ExpressionTest {
 protected:
  void SetUp() override {
    names_["#n"] = "a";
    names_["#d"] = "doc";
    values_[":v"] = N("1");
    values_[":s"] = S("x");
    values_[":l"] = L({N("1")});
    values_[":ss"] = SS({"a"});
  }

  static bool IsDynamoDbOutcome(const absl::Status& status) {
    if (status.ok()) return true;
    const std::optional<std::string> name = AwsErrorName(status);
    return name == "ValidationException" || name == "ConditionalCheckFailedException";
  }

  void ExpectDynamoDbOutcomes(const std::string& expression) {
    SCOPED_TRACE(expression);
    EXPECT_TRUE(IsDynamoDbOutcome(Condition(expression)));
    EXPECT_TRUE(IsDynamoDbOutcome(Update(expression).status()));
    EXPECT_TRUE(IsDynamoDbOutcome(Projection(expression).status()));
    EXPECT_TRUE(IsDynamoDbOutcome(
        ConditionHolds(expression, "FilterExpression", Context(), nullptr).status()));
    EXPECT_TRUE(IsDynamoDbOutcome(ValidateExpressionUsage({expression}, Context())));
  }
};

TEST_F(HostileInputTest, RandomBytesNeverCrash) {
  std::mt19937 random(20240601);
  for (int round = 0; round < 500; ++round) {
    std::string expression(random() % 64, '\0');
    for (char& c : expression) c = static_cast<char>(random() % 256);
    ExpectDynamoDbOutcomes(expression);
  }
}

TEST_F(HostileInputTest, MangledExpressionsNeverCrash) {
  const std::string seeds[] = {
      "a = :v AND (NOT begins_with(#d.x[0], :s) OR size(lst) BETWEEN :v AND :v)",
      "SET #n = if_not_exists(#n, :v) + :v, doc.y[3] = list_append(:l, :l) REMOVE s ADD ss :ss "
      "DELETE ss :ss",
      "a, doc.y[1], #d.x, lst[0][1].z",
      "contains(ss, :s) AND attribute_type(a, :s) AND a IN (:v, :s, :l)",
  };
  constexpr absl::string_view kAlphabet = "()[],.=<>+-#:_ aA1 \t\xC3\xA9\x80\xFF";
  std::mt19937 random(7);
  for (const std::string& seed : seeds) {
    ExpectDynamoDbOutcomes(seed);
    for (int round = 0; round < 300; ++round) {
      std::string expression = seed;
      const int edits = 1 + static_cast<int>(random() % 4);
      for (int e = 0; e < edits && !expression.empty(); ++e) {
        const size_t at = random() % expression.size();
        switch (random() % 3) {
          case 0:
            expression.erase(at, 1 + random() % 3);
            break;
          case 1:
            expression.insert(at, 1, kAlphabet[random() % kAlphabet.size()]);
            break;
          default:
            expression[at] = kAlphabet[random() % kAlphabet.size()];
            break;
        }
      }
      ExpectDynamoDbOutcomes(expression);
    }
  }
}

TEST_F(HostileInputTest, PathologicalShapesAreRejectedQuickly) {
  ExpectDynamoDbOutcomes(std::string(4096, '('));
  ExpectDynamoDbOutcomes(std::string(4096, '#'));
  ExpectDynamoDbOutcomes(std::string(4096, ':'));
  ExpectDynamoDbOutcomes("a" + std::string(4000, '.'));
  std::string brackets = "a";
  for (int k = 0; k < 500; ++k) brackets += "[0]";
  ExpectDynamoDbOutcomes(brackets);
  std::string calls;
  for (int k = 0; k < 600; ++k) calls += "size(";
  ExpectDynamoDbOutcomes(calls + "a" + std::string(600, ')') + " = :v");
  ExpectDynamoDbOutcomes("a[99999999999999999999999] = :v");
  ExpectDynamoDbOutcomes(std::string("a = :v\0b", 8));
}

}  // namespace
}  // namespace awsfacade::backends::simulator
