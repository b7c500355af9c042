#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "backends/simulator/dynamodb_expressions.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backends/simulator/dynamodb_expressions_test_util.h"
#include "tests/common/status_matchers.h"

namespace awsfacade::backends::simulator {
namespace {

using ::awsfacade::testutil::IsOk;
using dynamodb_test::B;
using dynamodb_test::Bool;
using dynamodb_test::BS;
using dynamodb_test::IsValidation;
using dynamodb_test::L;
using dynamodb_test::M;
using dynamodb_test::MakeItem;
using dynamodb_test::N;
using dynamodb_test::Nested;
using dynamodb_test::NS;
using dynamodb_test::Null;
using dynamodb_test::S;
using dynamodb_test::SS;
using ::testing::Optional;

// Attribute values: validation, equality, order and sizes
// (dynamodb_expressions_values).

// ---- ValidateAttributeValue ------------------------------------------------

TEST(ValidateAttributeValueTest, RejectsValueWithNoTypeSet) {
  EXPECT_THAT(ValidateAttributeValue(AttributeValue()),
              IsValidation("Supplied AttributeValue is empty, must contain exactly one of the "
                           "supported datatypes"));
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

TEST(AttributeTypeCodeTest, NamesEachTypeAsAttributeTypeDoes) {
  EXPECT_EQ(AttributeTypeCode(S("x")), "S");
  EXPECT_EQ(AttributeTypeCode(N("1")), "N");
  EXPECT_EQ(AttributeTypeCode(B("x")), "B");
  EXPECT_EQ(AttributeTypeCode(SS({"x"})), "SS");
  EXPECT_EQ(AttributeTypeCode(NS({"1"})), "NS");
  EXPECT_EQ(AttributeTypeCode(BS({"x"})), "BS");
  EXPECT_EQ(AttributeTypeCode(M({})), "M");
  EXPECT_EQ(AttributeTypeCode(L({})), "L");
  EXPECT_EQ(AttributeTypeCode(Null()), "NULL");
  EXPECT_EQ(AttributeTypeCode(Bool(true)), "BOOL");
  EXPECT_EQ(AttributeTypeCode(AttributeValue()), "");
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

}  // namespace
}  // namespace awsfacade::backends::simulator
