#ifndef AWSFACADE_BACKENDS_SIMULATOR_DYNAMODB_ITEM_MUTATION_H_
#define AWSFACADE_BACKENDS_SIMULATOR_DYNAMODB_ITEM_MUTATION_H_

// Internal to the DynamoDB simulator (dynamodb_simulator.cc and
// dynamodb_simulator_batch.cc): the validated form of one item write, and the
// request checks the single-item, batch and transaction writes share. Not
// for other callers.

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "backends/simulator/dynamodb_expressions.h"

namespace awsfacade::backends::simulator::dynamodb_simulator_internal {

// One validated item write: what PutItem, DeleteItem and UpdateItem, a
// BatchWriteItem request and a TransactWriteItems action become before the
// simulator's lock is taken. It refers to the request's
// ExpressionAttributeNames, so it must not outlive the request.
struct ItemMutation {
  // kConditionCheck (TransactWriteItems' ConditionCheck) plans like a write
  // that leaves the item as it is: a condition verdict, no change.
  enum class Kind { kPut, kDelete, kUpdate, kConditionCheck };
  Kind kind = Kind::kPut;
  std::string table_name;
  // PutItem's Item, or the Key of the other kinds; canonical.
  Item key_source;
  // ExpressionAttributeValues (canonical) and ExpressionAttributeNames (the
  // request's, which outlives the mutation).
  Item values;
  const google::protobuf::Map<std::string, std::string>* names = nullptr;
  std::string condition_expression;
  std::string update_expression;        // kUpdate
  std::string capacity_mode;            // ReturnConsumedCapacity; empty for NONE
  std::string item_collection_metrics;  // ReturnItemCollectionMetrics
  bool failure_item = false;            // ReturnValuesOnConditionCheckFailure=ALL_OLD

  ExpressionContext context() const {
    ExpressionContext context;
    context.names = names;
    context.values = &values;
    return context;
  }
};

// The members of one item action, whatever request they come from.
struct ItemAction {
  ItemMutation::Kind kind = ItemMutation::Kind::kPut;
  absl::string_view table_name;
  absl::string_view key_field;  // the member holding key_source: "Item" or "Key"
  const Item* key_source = nullptr;
  const Item* values = nullptr;  // ExpressionAttributeValues
  const google::protobuf::Map<std::string, std::string>* names = nullptr;
  absl::string_view condition_expression;
  absl::string_view update_expression;
  absl::string_view failure_return_values;  // ReturnValuesOnConditionCheckFailure
};

// The action of a request or request part `m` that has the members
// TableName, ConditionExpression, ExpressionAttributeNames/Values and
// ReturnValuesOnConditionCheckFailure (PutItem, DeleteItem, UpdateItem, and
// TransactWriteItems' Put, Delete, Update, ConditionCheck); the caller sets
// update_expression where there is one. `key_source` is m's Item or Key.
template <typename Member>
ItemAction ActionOf(ItemMutation::Kind kind, const Member& m, absl::string_view key_field,
                    const Item& key_source) {
  ItemAction action;
  action.kind = kind;
  action.table_name = m.table_name();
  action.key_field = key_field;
  action.key_source = &key_source;
  action.values = &m.expression_attribute_values();
  action.names = &m.expression_attribute_names();
  action.condition_expression = m.condition_expression();
  action.failure_return_values = m.return_values_on_condition_check_failure();
  return action;
}

// Checks what the model does not of an action (backends/request_validator.h
// has checked the rest), reading no state, in this order: the table
// reference (a batch's table names are map keys, which the model leaves
// unchecked), the Item or Key (present, canonicalised),
// ExpressionAttributeValues, and that every placeholder is used.
// ValidationException naming the member at fault.
absl::StatusOr<ItemMutation> ValidateItemAction(const ItemAction& action);

// TableName of operations on existing tables (shape TableArn: a name or an
// ARN, 1..1024).
absl::Status CheckTableRef(absl::string_view value);
// Capacity mode of a request's (validated) ReturnConsumedCapacity: TOTAL,
// INDEXES, or empty for none.
std::string CapacityMode(absl::string_view value);
// A ValidationException naming `field`.
absl::Status Invalid(absl::string_view message, absl::string_view field = {});

}  // namespace awsfacade::backends::simulator::dynamodb_simulator_internal

#endif  // AWSFACADE_BACKENDS_SIMULATOR_DYNAMODB_ITEM_MUTATION_H_
