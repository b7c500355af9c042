#ifndef AWSFACADE_BACKENDS_SIMULATOR_DYNAMODB_EXPRESSIONS_H_
#define AWSFACADE_BACKENDS_SIMULATOR_DYNAMODB_EXPRESSIONS_H_

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aws/dynamodb/v1/attribute_value.pb.h"
#include "google/protobuf/map.h"

namespace awsfacade::backends::simulator {

// DynamoDB's item model and expression language, as the simulator needs them
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.html).
// Errors: ValidationException (malformed value or expression, with a message
// in DynamoDB's words), ConditionalCheckFailedException (condition false),
// UNIMPLEMENTED naming the feature for anything not supported.
// The implementation is one file per section: dynamodb_expressions_decimal,
// _values, _parser, _evaluator, _update and _projection (their shared parts
// in dynamodb_expressions_internal.h).

using AttributeValue = ::aws::dynamodb::v1::AttributeValue;
using Item = ::google::protobuf::Map<std::string, AttributeValue>;

struct ExpressionContext {
  // ExpressionAttributeNames ("#n" → name) and ExpressionAttributeValues
  // (":v" → value); either may be null when the request has none.
  const ::google::protobuf::Map<std::string, std::string>* names = nullptr;
  const Item* values = nullptr;
};

// ValidationException unless `value` is a well-formed AttributeValue: exactly
// one type set; N a valid DynamoDB number (up to 38 significant digits,
// magnitude 1E-130..9.9999999999999999999999999999999999999E+125); sets
// non-empty with no duplicates; recursively for M and L.
absl::Status ValidateAttributeValue(const AttributeValue& value);

// The value's type as DynamoDB names it in AttributeValue JSON and in
// attribute_type(): "S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL",
// "BOOL"; "" when no type is set.
absl::string_view AttributeTypeCode(const AttributeValue& value);

// DynamoDB equality: numbers by value ("1" == "1.0"), sets ignoring order.
bool AttributeValuesEqual(const AttributeValue& a, const AttributeValue& b);
bool ItemsEqual(const Item& a, const Item& b);

// The item size as DynamoDB counts it (attribute name UTF-8 bytes + value
// sizes; numbers ~ (significant digits / 2) + 1 bytes; +1 per M/L element
// overhead, etc.), for the 400 KB item limit and stream SizeBytes.
int64_t ItemSizeBytes(const Item& item);
int64_t AttributeValueSizeBytes(const AttributeValue& value);

// Evaluates a ConditionExpression against `item` (null: no such item).
// OK when true; ConditionalCheckFailedException when false; ValidationException
// when malformed (syntax, undefined #name or :value, unused names/values are
// checked by ValidateExpressionUsage instead). Supports comparisons (= <> < <=
// > >=), BETWEEN, IN, AND/OR/NOT, parentheses, attribute_exists,
// attribute_not_exists, attribute_type, begins_with, contains, size(), on
// document paths (a.b[1].c).
absl::Status EvaluateCondition(absl::string_view expression, const ExpressionContext& context,
                               const Item* item);

// Applies an UpdateExpression (SET with `+`/`-`, if_not_exists, list_append;
// REMOVE; ADD for numbers and sets; DELETE for sets) to `item` (the key
// attributes are already in it). ValidationException for a malformed
// expression, an update of a key attribute listed in `key_names`, a type
// mismatch, or overlapping paths.
absl::StatusOr<Item> ApplyUpdate(absl::string_view expression, const ExpressionContext& context,
                                 const std::vector<std::string>& key_names, Item item);

// Applies a ProjectionExpression (comma-separated document paths).
absl::StatusOr<Item> Project(absl::string_view expression, const ExpressionContext& context,
                             const Item& item);

// ValidationException when ExpressionAttributeNames/Values define entries no
// expression of the request uses ("Value provided in ExpressionAttributeValues
// unused in expressions: keys: {:x}"), as DynamoDB does.
absl::Status ValidateExpressionUsage(std::initializer_list<absl::string_view> expressions,
                                     const ExpressionContext& context);

// ---- Additions for the simulator (beyond the original contract) ----------

// DynamoDB's canonical text of a valid number, as GetItem returns it: plain
// notation, no leading or trailing zeros ("001.50" -> "1.5", "1E3" -> "1000",
// "-0" -> "0"). ValidationException for text that is not a valid number.
absl::StatusOr<std::string> CanonicalNumber(absl::string_view number);

// Validates `value` (as ValidateAttributeValue) and rewrites every N and NS
// member, recursively, to canonical text, as DynamoDB stores them.
absl::Status CanonicalizeNumbers(AttributeValue* value);

// CanonicalizeNumbers for each value of `item`, which is where the simulator
// turns what a request sends into what it keeps: an item, a key, or (with
// `names_are_attributes` false, their names being placeholders)
// ExpressionAttributeValues. ValidationException for an empty attribute name
// (at any level: map keys are attribute names too) or an invalid value.
absl::Status CanonicalizeItem(Item* item, bool names_are_attributes = true);

// Orders two scalar key values the way DynamoDB sorts keys: N numerically,
// S and B by unsigned bytes. <0, 0 or >0; nullopt when the types differ or
// are not S, N or B.
std::optional<int> CompareScalarValues(const AttributeValue& a, const AttributeValue& b);

}  // namespace awsfacade::backends::simulator

#endif  // AWSFACADE_BACKENDS_SIMULATOR_DYNAMODB_EXPRESSIONS_H_
