#include <optional>
#include <random>
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
using dynamodb_test::ExpressionTest;
using dynamodb_test::IsValidation;
using dynamodb_test::L;
using dynamodb_test::N;
using dynamodb_test::S;
using dynamodb_test::SS;

// What every grammar shares (dynamodb_expressions_parser): placeholder usage,
// and hostile input.

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
