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
using ::awsfacade::testutil::IsOkAndHolds;
using dynamodb_test::IsValidation;
using dynamodb_test::L;
using dynamodb_test::M;
using dynamodb_test::N;
using dynamodb_test::NS;
using dynamodb_test::S;

// Numbers: syntax, range and canonical text (dynamodb_expressions_decimal).

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

}  // namespace
}  // namespace awsfacade::backends::simulator
