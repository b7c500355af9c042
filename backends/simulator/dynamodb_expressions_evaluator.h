#ifndef AWSFACADE_BACKENDS_SIMULATOR_DYNAMODB_EXPRESSIONS_EVALUATOR_H_
#define AWSFACADE_BACKENDS_SIMULATOR_DYNAMODB_EXPRESSIONS_EVALUATOR_H_

// Reading items by document path, and ConditionExpression evaluation
// (EvaluateCondition, dynamodb_expressions.h). Private to the expression
// sections (see dynamodb_expressions_internal.h).

#include "backends/simulator/dynamodb_expressions.h"
#include "backends/simulator/dynamodb_expressions_parser.h"

namespace awsfacade::backends::simulator::expressions_internal {

// The value at `path` in `item`, or nullptr (no item, no such attribute, or
// a path through a value of another type).
const AttributeValue* Lookup(const Item* item, const DocPath& path);

// Whether a parsed condition holds for `item` (null: no such item), for
// callers that evaluate one expression on many items (Query, Scan).
bool ConditionHolds(const Node& condition, const Item* item);

}  // namespace awsfacade::backends::simulator::expressions_internal

#endif  // AWSFACADE_BACKENDS_SIMULATOR_DYNAMODB_EXPRESSIONS_EVALUATOR_H_
