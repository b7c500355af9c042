// The DynamoDB simulator's batch and transaction operations: BatchGetItem,
// BatchWriteItem, TransactGetItems, TransactWriteItems. The writes go
// through the item-mutation pipeline of dynamodb_simulator.cc (validate each
// request into an ItemMutation, then under the lock plan all, then apply
// all), so they write exactly as PutItem, DeleteItem and UpdateItem do.

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backends/common/aws_error.h"
#include "backends/common/aws_error_names.h"
#include "backends/simulator/dynamodb_item_mutation.h"
#include "backends/simulator/dynamodb_simulator.h"
#include "backends/simulator/validation.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace awsfacade::backends::simulator {
namespace {

namespace v1 = ::aws::dynamodb::v1;
using dynamodb_simulator_internal::ActionOf;
using dynamodb_simulator_internal::CapacityMode;
using dynamodb_simulator_internal::CheckTableRef;
using dynamodb_simulator_internal::Invalid;
using dynamodb_simulator_internal::ItemAction;
using dynamodb_simulator_internal::ItemMutation;
using dynamodb_simulator_internal::ValidateItemAction;

// Limits of the model and of the DynamoDB developer guide.
constexpr int kMaxBatchWriteRequests = 25;
constexpr int kMaxBatchGetKeys = 100;
constexpr int kMaxTransactItems = 100;
constexpr int64_t kMaxBatchGetBytes = int64_t{16} << 20;  // Doc: 16 MB per response
constexpr int kMaxClientRequestTokenLength = 36;
constexpr absl::Duration kTransactionTokenLifetime = absl::Minutes(10);

constexpr char kBatchDuplicates[] = "Provided list of item keys contains duplicates";
constexpr char kTransactionDuplicates[] =
    "Transaction request cannot include multiple operations on one item";
constexpr char kConditionFailedMessage[] = "The conditional request failed";

const Validator& Check() {
  static const Validator kValidator(aws_errors::kValidation);
  return kValidator;
}

absl::Status MemberTooLong(absl::string_view field, int max) {
  return Check().Fail(field, absl::StrCat("failed to satisfy constraint: Member must have length "
                                          "less than or equal to ",
                                          max));
}

absl::Status MemberEmpty(absl::string_view field) {
  return Check().Fail(field,
                      "failed to satisfy constraint: Member must have length greater than or "
                      "equal to 1");
}

// Adds `units` consumed on `table` to the per-table list of a batch or
// transaction response (ConsumedCapacityMultiple: one entry per table).
void AddCapacity(absl::btree_map<std::string, v1::ConsumedCapacity>& per_table,
                 const v1::ConsumedCapacity& one) {
  v1::ConsumedCapacity& sum = per_table[one.table_name()];
  sum.set_table_name(one.table_name());
  sum.set_capacity_units(sum.capacity_units() + one.capacity_units());
  if (one.has_table()) {
    sum.mutable_table()->set_capacity_units(sum.table().capacity_units() +
                                            one.table().capacity_units());
  }
  for (const auto& [name, c] : one.global_secondary_indexes()) {
    v1::Capacity& s = (*sum.mutable_global_secondary_indexes())[name];
    s.set_capacity_units(s.capacity_units() + c.capacity_units());
  }
  for (const auto& [name, c] : one.local_secondary_indexes()) {
    v1::Capacity& s = (*sum.mutable_local_secondary_indexes())[name];
    s.set_capacity_units(s.capacity_units() + c.capacity_units());
  }
}

template <typename Repeated>
void MoveCapacity(absl::btree_map<std::string, v1::ConsumedCapacity> per_table, Repeated* out) {
  for (auto& [name, c] : per_table) *out->Add() = std::move(c);
}

// A transaction costs twice the units of the same plain reads and writes
// (DynamoDB developer guide, "Capacity management for transactions").
v1::ConsumedCapacity Doubled(v1::ConsumedCapacity c) {
  c.set_capacity_units(2 * c.capacity_units());
  if (c.has_table()) c.mutable_table()->set_capacity_units(2 * c.table().capacity_units());
  for (auto& [name, i] : *c.mutable_global_secondary_indexes())
    i.set_capacity_units(2 * i.capacity_units());
  for (auto& [name, i] : *c.mutable_local_secondary_indexes())
    i.set_capacity_units(2 * i.capacity_units());
  return c;
}

// TransactionCanceledException's message lists the codes in action order,
// as AWS writes it.
absl::Status Canceled(const v1::TransactionCanceledException& reasons) {
  std::vector<absl::string_view> codes;
  for (const v1::CancellationReason& r : reasons.cancellation_reasons()) codes.push_back(r.code());
  absl::Status status =
      AwsError(aws_errors::kTransactionCanceled,
               absl::StrCat("Transaction cancelled, please refer cancellation reasons for specific "
                            "reasons [",
                            absl::StrJoin(codes, ", "), "]"));
  v1::TransactionCanceledException shape = reasons;
  shape.set_message(std::string(status.message()));
  SetErrorShape(status, {shape.GetDescriptor()->full_name(), shape.SerializeAsString()});
  return status;
}

// One TransactWriteItems action, validated. Exactly one member must be set.
absl::StatusOr<ItemMutation> ValidateTransactAction(const v1::TransactWriteItem& item) {
  const int set =
      item.has_condition_check() + item.has_put() + item.has_delete_() + item.has_update();
  if (set != 1) {
    return Invalid("TransactItems can only contain one of Check, Put, Update or Delete",
                   "TransactItems");
  }
  ItemAction action;
  if (item.has_condition_check()) {
    const v1::ConditionCheck& a = item.condition_check();
    action = ActionOf(ItemMutation::Kind::kConditionCheck, a, "Key", a.key());
    if (a.condition_expression().empty()) {
      return Check().Fail("ConditionExpression",
                          "failed to satisfy constraint: Member must not be null");
    }
  } else if (item.has_put()) {
    action = ActionOf(ItemMutation::Kind::kPut, item.put(), "Item", item.put().item());
  } else if (item.has_delete_()) {
    action = ActionOf(ItemMutation::Kind::kDelete, item.delete_(), "Key", item.delete_().key());
  } else {
    const v1::Update& a = item.update();
    action = ActionOf(ItemMutation::Kind::kUpdate, a, "Key", a.key());
    if (a.update_expression().empty()) {
      return Check().Fail("UpdateExpression",
                          "failed to satisfy constraint: Member must not be null");
    }
    action.update_expression = a.update_expression();
  }
  return ValidateItemAction(action);
}

// The item as a read returns it: whole, or projected.
absl::StatusOr<Item> ReadItem(const Item& item, absl::string_view projection,
                              const google::protobuf::Map<std::string, std::string>& names) {
  if (projection.empty()) return item;
  ExpressionContext context;
  context.names = &names;
  return Project(projection, context, item);
}

}  // namespace

absl::StatusOr<std::vector<absl::StatusOr<DynamoDbSimulator::ItemMutationPlan>>>
DynamoDbSimulator::PlanAllLocked(const std::vector<ItemMutation>& mutations,
                                 absl::string_view duplicate_message) {
  // Keys first, for every mutation: an unknown table, a malformed key or two
  // mutations of one item fail the whole call, before any condition.
  absl::flat_hash_set<std::pair<uint64_t, std::string>> seen;
  for (const ItemMutation& mutation : mutations) {
    absl::StatusOr<Table*> table = FindTable(mutation.table_name);
    if (!table.ok()) return table.status();
    std::string partition;
    absl::StatusOr<std::string> key =
        KeyOf(**table, mutation.key_source, mutation.kind != ItemMutation::Kind::kPut, &partition);
    if (!key.ok()) return key.status();
    if (!seen.emplace((*table)->uid, *std::move(key)).second) return Invalid(duplicate_message);
  }
  std::vector<absl::StatusOr<ItemMutationPlan>> plans;
  plans.reserve(mutations.size());
  for (const ItemMutation& mutation : mutations) plans.push_back(PlanItemMutationLocked(mutation));
  return plans;
}

// --- BatchWriteItem ----------------------------------------------------------

absl::StatusOr<v1::BatchWriteItemResponse> DynamoDbSimulator::BatchWriteItem(
    const v1::BatchWriteItemRequest& request) {
  if (request.request_items().empty()) return MemberEmpty("RequestItems");
  const std::string capacity = CapacityMode(request.return_consumed_capacity());
  // Tables in name order, so the writes (and their stream records) come in
  // one order whatever the map's.
  absl::btree_map<std::string, const v1::WriteRequests*> tables;
  int count = 0;
  for (const auto& [table_name, requests] : request.request_items()) {
    if (absl::Status s = CheckTableRef(table_name); !s.ok()) return s;
    if (requests.values().empty()) return MemberEmpty("RequestItems");
    count += requests.values_size();
    tables.emplace(table_name, &requests);
  }
  if (count > kMaxBatchWriteRequests) {
    return Invalid("Too many items requested for the BatchWriteItem call", "RequestItems");
  }
  std::vector<ItemMutation> mutations;
  mutations.reserve(count);
  for (const auto& [table_name, requests] : tables) {
    for (const v1::WriteRequest& write : requests->values()) {
      if (write.has_put_request() == write.has_delete_request()) {
        return Invalid(
            "Supplied AttributeValue has more than one datatypes set, must contain "
            "exactly one of the supported datatypes",
            "RequestItems");
      }
      ItemAction action;
      action.table_name = table_name;
      if (write.has_put_request()) {
        action.kind = ItemMutation::Kind::kPut;
        action.key_field = "Item";
        action.key_source = &write.put_request().item();
      } else {
        action.kind = ItemMutation::Kind::kDelete;
        action.key_field = "Key";
        action.key_source = &write.delete_request().key();
      }
      absl::StatusOr<ItemMutation> mutation = ValidateItemAction(action);
      if (!mutation.ok()) return mutation.status();
      mutation->capacity_mode = capacity;
      mutation->item_collection_metrics = request.return_item_collection_metrics();
      mutations.push_back(*std::move(mutation));
    }
  }

  PendingWakeups wake(watchers_);
  absl::MutexLock lock(&mu_);
  const absl::Time now = Now();
  TickLocked(now, wake);
  absl::StatusOr<std::vector<absl::StatusOr<ItemMutationPlan>>> plans =
      PlanAllLocked(mutations, kBatchDuplicates);
  if (!plans.ok()) return plans.status();
  // Without conditions a plan fails only on validation (an item too large):
  // the whole batch is refused then, before anything is written.
  for (const auto& plan : *plans) {
    if (!plan.ok()) return plan.status();
  }
  v1::BatchWriteItemResponse response;
  absl::btree_map<std::string, v1::ConsumedCapacity> consumed;
  for (size_t i = 0; i < mutations.size(); ++i) {
    ItemMutationPlan& plan = *(*plans)[i];
    // Applying an earlier write may have moved this item in memory (never
    // changed it: the keys are distinct).
    auto it = plan.table->items.find(plan.write.key);
    plan.write.old = it == plan.table->items.end() ? nullptr : &it->second;
    const std::string table_name = plan.table->name;
    ItemWriteReport report = ApplyItemMutationLocked(std::move(plan), mutations[i], now, wake);
    if (report.consumed_capacity) AddCapacity(consumed, *report.consumed_capacity);
    if (report.item_collection_metrics) {
      *(*response.mutable_item_collection_metrics())[mutations[i].table_name].add_values() =
          *std::move(report.item_collection_metrics);
    }
  }
  MoveCapacity(std::move(consumed), response.mutable_consumed_capacity());
  return response;
}

// --- BatchGetItem ------------------------------------------------------------

absl::StatusOr<v1::BatchGetItemResponse> DynamoDbSimulator::BatchGetItem(
    const v1::BatchGetItemRequest& request) {
  if (request.request_items().empty()) return MemberEmpty("RequestItems");
  const std::string capacity = CapacityMode(request.return_consumed_capacity());
  absl::btree_map<std::string, const v1::KeysAndAttributes*> tables;
  std::vector<std::vector<Item>> keys;  // canonical, per table in `tables` order
  int count = 0;
  for (const auto& [table_name, read] : request.request_items()) {
    if (absl::Status s = CheckTableRef(table_name); !s.ok()) return s;
    if (read.keys().empty()) return MemberEmpty("Keys");
    if (!read.attributes_to_get().empty()) {
      return absl::UnimplementedError(
          "BatchGetItem: the legacy parameter AttributesToGet is not supported by the "
          "simulator; use ProjectionExpression");
    }
    ExpressionContext context;
    context.names = &read.expression_attribute_names();
    if (absl::Status s = ValidateExpressionUsage({read.projection_expression()}, context);
        !s.ok()) {
      return s;
    }
    count += read.keys_size();
    tables.emplace(table_name, &read);
  }
  if (count > kMaxBatchGetKeys) {
    return Invalid("Too many items requested for the BatchGetItem call", "RequestItems");
  }
  for (const auto& [table_name, read] : tables) {
    std::vector<Item>& table_keys = keys.emplace_back();
    for (const v1::MapValue& key : read->keys()) {
      ItemAction action;
      action.kind = ItemMutation::Kind::kDelete;  // a key, as DeleteItem's
      action.table_name = table_name;
      action.key_field = "Keys";
      action.key_source = &key.values();
      absl::StatusOr<ItemMutation> checked = ValidateItemAction(action);
      if (!checked.ok()) return checked.status();
      table_keys.push_back(std::move(checked->key_source));
    }
  }

  PendingWakeups wake(watchers_);
  absl::MutexLock lock(&mu_);
  TickLocked(Now(), wake);
  // Every key is checked before anything is read.
  std::vector<std::vector<std::string>> encoded(tables.size());
  std::vector<Table*> found;
  {
    absl::flat_hash_set<std::pair<uint64_t, std::string>> seen;
    size_t t = 0;
    for (const auto& [table_name, read] : tables) {
      absl::StatusOr<Table*> table = FindTable(table_name);
      if (!table.ok()) return table.status();
      found.push_back(*table);
      for (const Item& key : keys[t]) {
        std::string partition;
        absl::StatusOr<std::string> k = KeyOf(**table, key, /*exact_key=*/true, &partition);
        if (!k.ok()) return k.status();
        if (!seen.emplace((*table)->uid, *k).second) return Invalid(kBatchDuplicates);
        encoded[t].push_back(*std::move(k));
      }
      ++t;
    }
  }
  v1::BatchGetItemResponse response;
  absl::btree_map<std::string, v1::ConsumedCapacity> consumed;
  int64_t bytes = 0;
  size_t t = 0;
  for (const auto& [table_name, read] : tables) {
    const Table& table = *found[t];
    int64_t table_bytes = 0;
    for (size_t k = 0; k < encoded[t].size(); ++k) {
      auto it = table.items.find(encoded[t][k]);
      const int64_t size = it == table.items.end() ? 0 : it->second.size;
      if (bytes + size > kMaxBatchGetBytes) {
        // Over the response limit: the rest of this table's keys come back.
        v1::KeysAndAttributes& rest = (*response.mutable_unprocessed_keys())[table_name];
        if (rest.keys().empty()) {
          rest = *read;
          rest.clear_keys();
        }
        *rest.add_keys()->mutable_values() = keys[t][k];
        continue;
      }
      bytes += size;
      table_bytes += size;
      if (it == table.items.end()) continue;
      absl::StatusOr<Item> item = ReadItem(it->second.item, read->projection_expression(),
                                           read->expression_attribute_names());
      if (!item.ok()) return item.status();
      *(*response.mutable_responses())[table_name].add_values()->mutable_values() =
          *std::move(item);
    }
    if (!capacity.empty()) {
      v1::ConsumedCapacity c;
      ReadCapacity(table, capacity, table_bytes, read->consistent_read(), &c);
      c.set_table_name(table_name);
      AddCapacity(consumed, c);
    }
    ++t;
  }
  MoveCapacity(std::move(consumed), response.mutable_consumed_capacity());
  return response;
}

// --- TransactGetItems ---------------------------------------------------------

absl::StatusOr<v1::TransactGetItemsResponse> DynamoDbSimulator::TransactGetItems(
    const v1::TransactGetItemsRequest& request) {
  if (request.transact_items().empty()) return MemberEmpty("TransactItems");
  if (request.transact_items_size() > kMaxTransactItems) {
    return MemberTooLong("TransactItems", kMaxTransactItems);
  }
  const std::string capacity = CapacityMode(request.return_consumed_capacity());
  std::vector<Item> keys;
  for (const v1::TransactGetItem& item : request.transact_items()) {
    if (!item.has_get()) {
      return Check().Fail("Get", "failed to satisfy constraint: Member must not be null");
    }
    const v1::Get& get = item.get();
    ItemAction action;
    action.kind = ItemMutation::Kind::kDelete;  // a key, as DeleteItem's
    action.table_name = get.table_name();
    action.key_field = "Key";
    action.key_source = &get.key();
    absl::StatusOr<ItemMutation> checked = ValidateItemAction(action);
    if (!checked.ok()) return checked.status();
    ExpressionContext context;
    context.names = &get.expression_attribute_names();
    if (absl::Status s = ValidateExpressionUsage({get.projection_expression()}, context); !s.ok()) {
      return s;
    }
    keys.push_back(std::move(checked->key_source));
  }

  PendingWakeups wake(watchers_);
  absl::MutexLock lock(&mu_);
  TickLocked(Now(), wake);
  std::vector<std::pair<const Table*, std::string>> targets;
  absl::flat_hash_set<std::pair<uint64_t, std::string>> seen;
  for (int i = 0; i < request.transact_items_size(); ++i) {
    absl::StatusOr<Table*> table = FindTable(request.transact_items(i).get().table_name());
    if (!table.ok()) return table.status();
    std::string partition;
    absl::StatusOr<std::string> k = KeyOf(**table, keys[i], /*exact_key=*/true, &partition);
    if (!k.ok()) return k.status();
    if (!seen.emplace((*table)->uid, *k).second) return Invalid(kTransactionDuplicates);
    targets.emplace_back(*table, *std::move(k));
  }
  v1::TransactGetItemsResponse response;
  absl::btree_map<std::string, v1::ConsumedCapacity> consumed;
  for (int i = 0; i < request.transact_items_size(); ++i) {
    const v1::Get& get = request.transact_items(i).get();
    const Table& table = *targets[i].first;
    v1::ItemResponse* out = response.add_responses();
    auto it = table.items.find(targets[i].second);
    if (it != table.items.end()) {
      absl::StatusOr<Item> item =
          ReadItem(it->second.item, get.projection_expression(), get.expression_attribute_names());
      if (!item.ok()) return item.status();
      *out->mutable_item() = *std::move(item);
    }
    if (!capacity.empty()) {
      v1::ConsumedCapacity c;
      ReadCapacity(table, capacity, it == table.items.end() ? 0 : it->second.size,
                   /*consistent=*/true, &c);
      AddCapacity(consumed, Doubled(std::move(c)));
    }
  }
  MoveCapacity(std::move(consumed), response.mutable_consumed_capacity());
  return response;
}

// --- TransactWriteItems -------------------------------------------------------

absl::StatusOr<v1::TransactWriteItemsResponse> DynamoDbSimulator::TransactWriteItems(
    const v1::TransactWriteItemsRequest& request) {
  if (request.transact_items().empty()) return MemberEmpty("TransactItems");
  if (request.transact_items_size() > kMaxTransactItems) {
    return MemberTooLong("TransactItems", kMaxTransactItems);
  }
  const std::string capacity = CapacityMode(request.return_consumed_capacity());
  if (request.client_request_token().size() > kMaxClientRequestTokenLength) {
    return MemberTooLong("ClientRequestToken", kMaxClientRequestTokenLength);
  }
  std::vector<ItemMutation> mutations;
  mutations.reserve(request.transact_items_size());
  for (const v1::TransactWriteItem& item : request.transact_items()) {
    absl::StatusOr<ItemMutation> mutation = ValidateTransactAction(item);
    if (!mutation.ok()) return mutation.status();
    mutation->capacity_mode = capacity;
    mutation->item_collection_metrics = request.return_item_collection_metrics();
    mutations.push_back(*std::move(mutation));
  }
  std::string fingerprint;
  if (!request.client_request_token().empty()) {
    google::protobuf::io::StringOutputStream stream(&fingerprint);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&coded);
  }

  PendingWakeups wake(watchers_);
  absl::MutexLock lock(&mu_);
  const absl::Time now = Now();
  TickLocked(now, wake);
  if (!request.client_request_token().empty()) {
    absl::erase_if(transaction_tokens_,
                   [now](const auto& entry) { return entry.second.expires <= now; });
    auto it = transaction_tokens_.find(request.client_request_token());
    if (it != transaction_tokens_.end()) {
      if (it->second.request != fingerprint) {
        return AwsError(aws_errors::kIdempotentParameterMismatch,
                        "Request with the same client request token but different parameters "
                        "was already processed",
                        "ClientRequestToken");
      }
      return it->second.response;  // done already: nothing is written again
    }
  }
  absl::StatusOr<std::vector<absl::StatusOr<ItemMutationPlan>>> plans =
      PlanAllLocked(mutations, kTransactionDuplicates);
  if (!plans.ok()) return plans.status();
  // Every condition has been checked; any failure cancels everything.
  v1::TransactionCanceledException reasons;
  bool canceled = false;
  for (size_t i = 0; i < mutations.size(); ++i) {
    v1::CancellationReason* reason = reasons.add_cancellation_reasons();
    const absl::Status& status = (*plans)[i].status();
    if (status.ok()) {
      reason->set_code("None");
      continue;
    }
    canceled = true;
    const std::optional<std::string> name = AwsErrorName(status);
    if (name == aws_errors::kConditionalCheckFailed) {
      reason->set_code("ConditionalCheckFailed");
      reason->set_message(kConditionFailedMessage);
      if (std::optional<Item> item = ConditionCheckFailureItem(status)) {
        *reason->mutable_item() = *std::move(item);
      }
    } else if (name == aws_errors::kValidation) {
      reason->set_code("ValidationError");
      reason->set_message(std::string(status.message()));
    } else {
      return status;
    }
  }
  if (canceled) return Canceled(reasons);

  v1::TransactWriteItemsResponse response;
  absl::btree_map<std::string, v1::ConsumedCapacity> consumed;
  for (size_t i = 0; i < mutations.size(); ++i) {
    ItemMutationPlan& plan = *(*plans)[i];
    // Applying an earlier action may have moved this item in memory (never
    // changed it: one action per item).
    auto it = plan.table->items.find(plan.write.key);
    plan.write.old = it == plan.table->items.end() ? nullptr : &it->second;
    ItemWriteReport report = ApplyItemMutationLocked(std::move(plan), mutations[i], now, wake);
    if (report.consumed_capacity) AddCapacity(consumed, Doubled(*report.consumed_capacity));
    if (report.item_collection_metrics &&
        mutations[i].kind != ItemMutation::Kind::kConditionCheck) {
      *(*response.mutable_item_collection_metrics())[mutations[i].table_name].add_values() =
          *std::move(report.item_collection_metrics);
    }
  }
  MoveCapacity(std::move(consumed), response.mutable_consumed_capacity());
  if (!request.client_request_token().empty()) {
    transaction_tokens_[request.client_request_token()] =
        TransactionToken{std::move(fingerprint), now + kTransactionTokenLifetime, response};
  }
  return response;
}

}  // namespace awsfacade::backends::simulator
