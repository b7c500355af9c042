#ifndef AWSFACADE_BACKENDS_SIMULATOR_DYNAMODB_EXPRESSIONS_PARSER_H_
#define AWSFACADE_BACKENDS_SIMULATOR_DYNAMODB_EXPRESSIONS_PARSER_H_

// The lexer and parser of DynamoDB's three expression grammars (condition,
// update, projection), and the parse trees the evaluator, the update and the
// projection walk. Private to the expression sections (see
// dynamodb_expressions_internal.h).
//
// Each Parse* function rejects an empty or oversized expression, then parses:
// a syntax error ends the parse at once; semantic errors (undefined #name or
// :value, reserved words, misused functions, operand types, overlapping
// paths, ...) are collected, and the one DynamoDB would report for that
// grammar is returned. All are ValidationException naming the parameter
// ("Invalid UpdateExpression: ..."). The trees point into `context`'s values,
// which must outlive them.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "backends/simulator/dynamodb_expressions.h"

namespace awsfacade::backends::simulator::expressions_internal {

struct PathElement {
  std::string name;    // map key or attribute name
  int64_t index = -1;  // list index, or -1 for a name
  bool is_index() const { return index >= 0; }
  bool operator==(const PathElement& o) const { return name == o.name && index == o.index; }
};
using DocPath = std::vector<PathElement>;

// Orders paths element by element (indexes numerically), so list elements
// sort by position.
int ComparePaths(const DocPath& a, const DocPath& b);

// One node of a condition or update expression. Operands (paths, values,
// function calls, + and -) and conditions share the type because a
// parenthesis may open either.
struct Node {
  enum class Kind { kPath, kValue, kCall, kArith, kOr, kAnd, kNot, kCompare, kBetween, kIn };
  Kind kind = Kind::kPath;
  DocPath path;                           // kPath
  bool resolved = true;                   // kPath: false when a #name is undefined
  std::string ref;                        // kValue: ":v"
  const AttributeValue* value = nullptr;  // kValue: the value, when defined and valid
  std::string op;                         // kCall name, kArith / kCompare operator
  std::vector<Node> children;             // arguments, operands or sub-conditions
  bool parenthesized = false;
  bool checked = false;  // kCall: its semantic checks have run
  size_t end = 0;        // index of the token after the node

  bool IsOperand() const {
    return kind == Kind::kPath || kind == Kind::kValue || kind == Kind::kCall ||
           kind == Kind::kArith;
  }
};

struct UpdateAction {
  enum class Type { kSet, kRemove, kAdd, kDelete };
  Type type = Type::kSet;
  DocPath path;
  bool resolved = true;
  Node value;                               // SET: the new value
  const AttributeValue* operand = nullptr;  // ADD / DELETE: the :value
};

// `parameter` names the request member in messages ("Invalid
// KeyConditionExpression: ..."): ConditionExpression, FilterExpression or
// KeyConditionExpression, all of the condition grammar.
absl::StatusOr<Node> ParseConditionExpression(absl::string_view expression,
                                              const ExpressionContext& context,
                                              absl::string_view parameter = "ConditionExpression");
absl::StatusOr<std::vector<UpdateAction>> ParseUpdateExpression(absl::string_view expression,
                                                                const ExpressionContext& context);
absl::StatusOr<std::vector<DocPath>> ParseProjectionExpression(absl::string_view expression,
                                                               const ExpressionContext& context);

}  // namespace awsfacade::backends::simulator::expressions_internal

#endif  // AWSFACADE_BACKENDS_SIMULATOR_DYNAMODB_EXPRESSIONS_PARSER_H_
