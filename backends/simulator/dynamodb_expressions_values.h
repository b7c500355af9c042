#ifndef AWSFACADE_BACKENDS_SIMULATOR_DYNAMODB_EXPRESSIONS_VALUES_H_
#define AWSFACADE_BACKENDS_SIMULATOR_DYNAMODB_EXPRESSIONS_VALUES_H_

// Attribute values: type names and classes, and the rewrites behind
// CanonicalizeNumbers and UpdateItem's depth check. Private to the
// expression sections (see dynamodb_expressions_internal.h); type codes,
// equality, order, validation and sizes are public (dynamodb_expressions.h).

#include "absl/strings/string_view.h"
#include "backends/simulator/dynamodb_expressions.h"

namespace awsfacade::backends::simulator::expressions_internal {

// The type's long name, as in operator type errors ("STRING_SET").
absl::string_view TypeWord(const AttributeValue& v);

// S, N or B: the types a key, BETWEEN or an ordering compares.
bool IsScalarKeyType(const AttributeValue& v);

// SS, NS or BS.
bool IsSet(const AttributeValue& v);

// Numerically equal ("1" == "1.0"); false when either is no number.
bool NumbersEqual(absl::string_view a, absl::string_view b);

// Container levels of `v` (a scalar is 0, a map of scalars 1).
int NestingLevels(const AttributeValue& v);

// Rewrites every number of `v` (validated already), recursively, to its
// canonical text.
void CanonicalizeValidated(AttributeValue* v);

}  // namespace awsfacade::backends::simulator::expressions_internal

#endif  // AWSFACADE_BACKENDS_SIMULATOR_DYNAMODB_EXPRESSIONS_VALUES_H_
