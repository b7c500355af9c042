#ifndef AWSFACADE_BACKENDS_SIMULATOR_DYNAMODB_EXPRESSIONS_INTERNAL_H_
#define AWSFACADE_BACKENDS_SIMULATOR_DYNAMODB_EXPRESSIONS_INTERNAL_H_

// What the sections of the DynamoDB expression code share (private to
// backends/simulator/dynamodb_expressions_*.cc; the contract is
// dynamodb_expressions.h). The sections, each with its own file:
//   decimal     exact DynamoDB numbers (dynamodb_expressions_decimal.*)
//   values      AttributeValue types, equality, order, validation, sizes
//               (dynamodb_expressions_values.*)
//   parser      lexer and parser of the three expression grammars
//               (dynamodb_expressions_parser.*)
//   evaluator   ConditionExpression on an item (dynamodb_expressions_evaluator.*)
//   update      UpdateExpression (dynamodb_expressions_update.cc)
//   projection  ProjectionExpression (dynamodb_expressions_projection.cc)

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace awsfacade::backends::simulator::expressions_internal {

// Document paths and stored values nest at most 32 levels (DynamoDB limit).
inline constexpr int kMaxNestingLevels = 32;

// Message texts are DynamoDB's, as its clients see them.
inline constexpr char kNestingTooDeep[] =
    "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels "
    "beyond supported limit";

// A ValidationException with `message`, naming `field` when given.
absl::Status Invalid(absl::string_view message, absl::string_view field = {});

// Length of the valid UTF-8 sequence starting at `i`, or 0.
size_t Utf8SequenceLength(absl::string_view s, size_t i);

// Request text echoed in an error message. Requests may carry any bytes, but
// a status message must stay valid UTF-8 on the wire, so invalid sequences
// and control bytes become \xNN, and very long text is cut.
std::string Printable(absl::string_view text);

}  // namespace awsfacade::backends::simulator::expressions_internal

#endif  // AWSFACADE_BACKENDS_SIMULATOR_DYNAMODB_EXPRESSIONS_INTERNAL_H_
