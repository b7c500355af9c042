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
using dynamodb_test::M;
using dynamodb_test::MakeItem;
using dynamodb_test::N;
using dynamodb_test::S;

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

}  // namespace
}  // namespace awsfacade::backends::simulator
