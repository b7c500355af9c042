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
using dynamodb_test::HasAttribute;
using dynamodb_test::IsValidation;
using dynamodb_test::L;
using dynamodb_test::LacksAttribute;
using dynamodb_test::M;
using dynamodb_test::N;
using dynamodb_test::Nested;
using dynamodb_test::NS;
using dynamodb_test::S;
using dynamodb_test::SS;

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

}  // namespace
}  // namespace awsfacade::backends::simulator
