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
using dynamodb_test::ExpressionTest;
using dynamodb_test::IsConditionFailed;
using dynamodb_test::IsValidation;
using dynamodb_test::L;
using dynamodb_test::N;
using dynamodb_test::S;
using dynamodb_test::SS;

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

}  // namespace
}  // namespace awsfacade::backends::simulator
