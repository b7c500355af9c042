#include "backends/simulator/dynamodb_simulator.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "backends/common/aws_error.h"
#include "backends/common/aws_error_names.h"
#include "backends/simulator/derived_ids.h"
#include "backends/simulator/dynamodb_item_mutation.h"
#include "backends/simulator/dynamodb_query.h"
#include "backends/simulator/validation.h"

namespace awsfacade::backends::simulator {
namespace {

namespace v1 = ::aws::dynamodb::v1;
namespace streams = ::aws::dynamodbstreams::v1;
using dynamodb_simulator_internal::ActionOf;
using dynamodb_simulator_internal::CapacityMode;
using dynamodb_simulator_internal::CheckTableRef;
using dynamodb_simulator_internal::Invalid;
using dynamodb_simulator_internal::ItemAction;
using dynamodb_simulator_internal::ItemMutation;
using dynamodb_simulator_internal::ValidateItemAction;

using aws_errors::kConditionalCheckFailed;
using aws_errors::kLimitExceeded;
using aws_errors::kResourceInUse;
using aws_errors::kResourceNotFound;
using aws_errors::kValidation;

constexpr char kActive[] = "ACTIVE";
constexpr char kCreating[] = "CREATING";
constexpr char kUpdating[] = "UPDATING";
constexpr char kDeleting[] = "DELETING";
constexpr char kEnabled[] = "ENABLED";
constexpr char kDisabled[] = "DISABLED";
constexpr char kHash[] = "HASH";
constexpr char kRange[] = "RANGE";
constexpr char kProvisioned[] = "PROVISIONED";
constexpr char kPayPerRequest[] = "PAY_PER_REQUEST";
constexpr char kNone[] = "NONE";
constexpr char kAllOld[] = "ALL_OLD";
constexpr char kAllNew[] = "ALL_NEW";
constexpr char kUpdatedOld[] = "UPDATED_OLD";
constexpr char kUpdatedNew[] = "UPDATED_NEW";
constexpr char kIndexes[] = "INDEXES";
constexpr char kSize[] = "SIZE";
constexpr char kInsert[] = "INSERT";
constexpr char kModify[] = "MODIFY";
constexpr char kRemove[] = "REMOVE";
constexpr char kProjectionInclude[] = "INCLUDE";

constexpr char kTableNamePattern[] = "[a-zA-Z0-9_.-]+";
constexpr char kInvalidParameters[] = "One or more parameter values were invalid: ";
constexpr char kKeyMismatch[] = "The provided key element does not match the schema";

// Model and documented quotas.
constexpr int kMinTableNameLength = 3;
constexpr int kMaxTableNameLength = 255;
constexpr int kMaxTableArnLength = 1024;
constexpr int kMaxLocalIndexes = 5;
constexpr int kMaxGlobalIndexes = 20;
constexpr int kMaxTags = 50;
constexpr int64_t kWriteUnitBytes = 1024;
constexpr int64_t kReadUnitBytes = 4096;
// AWS ignores TTL values more than five years in the past.
constexpr absl::Duration kTtlIgnoredAge = absl::Hours(24 * (365 * 5 + 1));
constexpr absl::Duration kTtlChangeInterval = absl::Hours(1);

const Validator& Check() {
  static const Validator kValidator(kValidation);
  return kValidator;
}

absl::Status Unimplemented(absl::string_view operation, absl::string_view member,
                           absl::string_view hint = {}) {
  return absl::UnimplementedError(
      absl::StrCat(operation, ": ", member, " is not supported by the simulator", hint));
}

bool IsTableNameChar(char c) { return absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '-'; }

absl::Status CheckName(absl::string_view field, absl::string_view value) {
  if (absl::Status s = Check().Required(field, value); !s.ok()) return s;
  if (absl::Status s = Check().Length(field, value, kMinTableNameLength, kMaxTableNameLength);
      !s.ok()) {
    return s;
  }
  return Check().Charset(field, value, IsTableNameChar, kTableNamePattern);
}

// A key attribute value as part of an unambiguous map key.
std::string EncodeKeyValue(const AttributeValue& v) {
  switch (v.value_case()) {
    case AttributeValue::kS:
      return absl::StrCat("S", v.s().size(), ":", v.s());
    case AttributeValue::kN:
      // Stored keys are canonical already; a lookup's may not be.
      return absl::StrCat("N", CanonicalNumber(v.n()).value_or(v.n()));
    case AttributeValue::kB:
      return absl::StrCat("B", v.b().size(), ":", v.b());
    default:
      return "?";
  }
}

int64_t KeyValueBytes(const AttributeValue& v) {
  if (v.has_s()) return static_cast<int64_t>(v.s().size());
  if (v.has_b()) return static_cast<int64_t>(v.b().size());
  return AttributeValueSizeBytes(v);
}

void SetTime(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t nanos = absl::ToUnixNanos(t);
  int64_t seconds = nanos / 1000000000;
  int64_t rest = nanos % 1000000000;
  if (rest < 0) {
    rest += 1000000000;
    --seconds;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(rest));
}

double WriteUnits(int64_t bytes) {
  return static_cast<double>(std::max<int64_t>(1, (bytes + kWriteUnitBytes - 1) / kWriteUnitBytes));
}

bool HasAll(const Item& item, const std::vector<v1::KeySchemaElement>& keys) {
  for (const auto& k : keys) {
    if (!item.contains(k.attribute_name())) return false;
  }
  return true;
}

// What the simulator keeps of a request's attributes (its item, key, or
// ExpressionAttributeValues when `names_are_attributes` is false): validated,
// numbers in DynamoDB's canonical text ("007.50" -> "7.5"), so stored items,
// keys, return values and stream images never carry a spelling as sent.
absl::StatusOr<Item> CanonicalAttributes(const Item& attributes, bool names_are_attributes = true) {
  Item out = attributes;
  if (absl::Status s = CanonicalizeItem(&out, names_are_attributes); !s.ok()) return s;
  return out;
}

// ReturnValues: any value of the enum passes the model; `allowed` are those
// this operation accepts.
absl::Status CheckReturnValues(absl::string_view value,
                               std::initializer_list<absl::string_view> allowed) {
  if (value.empty()) return absl::OkStatus();
  for (absl::string_view a : allowed) {
    if (value == a) return absl::OkStatus();
  }
  return Invalid("Return values set to invalid value", "ReturnValues");
}

// The model lets StreamViewType be absent; enabling a stream needs one.
absl::Status CheckStreamViewType(absl::string_view field, absl::string_view value) {
  if (value.empty()) {
    return Invalid(absl::StrCat(kInvalidParameters,
                                "You must specify a StreamViewType when enabling a stream"),
                   field);
  }
  return absl::OkStatus();
}

// The item travels as the error shape ConditionalCheckFailedException
// (backends/common/aws_error.h), so it reaches gRPC and AWS wire callers.
absl::Status WithFailureItem(absl::Status status, const Item* item) {
  if (item == nullptr) return status;
  v1::ConditionalCheckFailedException shape;
  shape.set_message(std::string(status.message()));
  *shape.mutable_item() = *item;
  SetErrorShape(status, {shape.GetDescriptor()->full_name(), shape.SerializeAsString()});
  return status;
}

std::vector<streams::KeySchemaElement> StreamKeySchema(
    const std::vector<v1::KeySchemaElement>& schema) {
  std::vector<streams::KeySchemaElement> out;
  for (const auto& k : schema) {
    streams::KeySchemaElement e;
    e.set_attribute_name(k.attribute_name());
    e.set_key_type(k.key_type());
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

std::optional<Item> ConditionCheckFailureItem(const absl::Status& status) {
  std::optional<ErrorShape> shape = GetErrorShape(status);
  v1::ConditionalCheckFailedException failed;
  if (!shape || shape->type_name != failed.GetDescriptor()->full_name() ||
      !failed.ParseFromString(shape->value)) {
    return std::nullopt;
  }
  return failed.item();
}

// --- Wake-ups ---------------------------------------------------------------

struct DynamoDbSimulator::Watchers {
  struct Watch {
    std::function<void()> callback;
    absl::Mutex mu;
    bool active ABSL_GUARDED_BY(mu) = true;
    // Threads inside the callback right now.
    std::vector<std::thread::id> runners ABSL_GUARDED_BY(mu);
  };

  absl::Mutex mu;
  absl::flat_hash_map<std::string, std::vector<std::shared_ptr<Watch>>> by_arn ABSL_GUARDED_BY(mu);

  void Notify(const absl::btree_set<std::string>& arns) {
    std::vector<std::shared_ptr<Watch>> targets;
    {
      absl::MutexLock lock(&mu);
      for (const std::string& arn : arns) {
        auto it = by_arn.find(arn);
        if (it != by_arn.end()) targets.insert(targets.end(), it->second.begin(), it->second.end());
      }
    }
    const std::thread::id self = std::this_thread::get_id();
    for (const std::shared_ptr<Watch>& w : targets) {
      {
        absl::MutexLock lock(&w->mu);
        if (!w->active) continue;
        w->runners.push_back(self);
      }
      w->callback();
      absl::MutexLock lock(&w->mu);
      w->runners.erase(std::find(w->runners.begin(), w->runners.end(), self));
    }
  }
};

class DynamoDbSimulator::WatchHandle final : public DynamoDbStreamsBackend::Subscription {
 public:
  WatchHandle(std::shared_ptr<Watchers> watchers, std::string arn,
              std::shared_ptr<Watchers::Watch> watch)
      : watchers_(std::move(watchers)), arn_(std::move(arn)), watch_(std::move(watch)) {}

  ~WatchHandle() override {
    {
      absl::MutexLock lock(&watchers_->mu);
      auto it = watchers_->by_arn.find(arn_);
      if (it != watchers_->by_arn.end()) {
        auto& list = it->second;
        list.erase(std::remove(list.begin(), list.end(), watch_), list.end());
        if (list.empty()) watchers_->by_arn.erase(it);
      }
    }
    // Wait for callbacks running on other threads; not for one running on
    // this thread (the handle is being destroyed from inside it).
    struct Idle {
      Watchers::Watch* watch;
      std::thread::id self;
      static bool Done(Idle* idle) ABSL_NO_THREAD_SAFETY_ANALYSIS {
        for (const std::thread::id& t : idle->watch->runners) {
          if (t != idle->self) return false;
        }
        return true;
      }
    } idle{watch_.get(), std::this_thread::get_id()};
    absl::MutexLock lock(&watch_->mu);
    watch_->active = false;
    watch_->mu.Await(absl::Condition(&Idle::Done, &idle));
  }

 private:
  std::shared_ptr<Watchers> watchers_;
  std::string arn_;
  std::shared_ptr<Watchers::Watch> watch_;
};

DynamoDbSimulator::PendingWakeups::~PendingWakeups() {
  if (!arns_.empty()) watchers_->Notify(arns_);
}

std::unique_ptr<DynamoDbStreamsBackend::Subscription> DynamoDbSimulator::WatchStream(
    absl::string_view stream_arn, std::function<void()> callback) {
  auto watch = std::make_shared<Watchers::Watch>();
  watch->callback = std::move(callback);
  {
    absl::MutexLock lock(&watchers_->mu);
    watchers_->by_arn[stream_arn].push_back(watch);
  }
  return std::make_unique<WatchHandle>(watchers_, std::string(stream_arn), std::move(watch));
}

// --- Construction and housekeeping ------------------------------------------

namespace {
StreamStoreOptions ToStoreOptions(const DynamoDbSimulatorOptions& o) {
  StreamStoreOptions s;
  s.shard_rollover_interval = o.shard_rollover_interval;
  s.shard_rollover_records = o.shard_rollover_records;
  s.open_shards_per_stream = o.open_shards_per_stream;
  s.iterator_lifetime = o.iterator_lifetime;
  s.retention = o.retention;
  s.get_records_per_second_per_shard = o.get_records_per_second_per_shard;
  return s;
}
}  // namespace

DynamoDbSimulator::DynamoDbSimulator(SimulatorOptions options, DynamoDbSimulatorOptions ddb_options)
    : options_(std::move(options)),
      ddb_options_(std::move(ddb_options)),
      store_(options_, ToStoreOptions(ddb_options_)),
      watchers_(std::make_shared<Watchers>()) {}

DynamoDbSimulator::~DynamoDbSimulator() = default;

void DynamoDbSimulator::TickLocked(absl::Time now, PendingWakeups& wake) {
  // Each deletion as of its due time, after the streams' housekeeping due
  // by then (Append does that first): the result does not depend on which
  // call noticed it.
  while (!ttl_index_.empty()) {
    auto [due, uid, key] = *ttl_index_.begin();
    if (due > now) break;
    ttl_index_.erase(ttl_index_.begin());
    auto t = tables_by_uid_.find(uid);
    if (t == tables_by_uid_.end()) continue;
    Table& table = *t->second;
    auto it = table.items.find(key);
    if (it == table.items.end() || !it->second.ttl || it->second.ttl_due != due) {
      continue;  // stale entry
    }
    if (*it->second.ttl < absl::ToUnixSeconds(due - kTtlIgnoredAge)) {
      it->second.ttl.reset();  // too old: AWS never deletes it
      continue;
    }
    std::string partition;
    absl::StatusOr<std::string> k = KeyOf(table, it->second.item, false, &partition);
    if (!k.ok()) continue;
    ItemWrite write = PlanItemWrite(table, key, std::move(partition), &it->second, std::nullopt);
    write.by_ttl = true;
    ApplyItemWriteLocked(table, std::move(write), due, wake);
  }
  wake.Add(store_.Maintain(now));
}

absl::StatusOr<DynamoDbSimulator::Table*> DynamoDbSimulator::FindTable(
    absl::string_view table_name) {
  absl::string_view name = table_name;
  // TableName may also be the table's ARN.
  if (absl::StartsWith(name, "arn:")) {
    const std::string prefix =
        absl::StrCat("arn:aws:dynamodb:", options_.region, ":", options_.account_id, ":table/");
    if (!absl::ConsumePrefix(&name, prefix)) {
      return AwsError(
          kResourceNotFound,
          absl::StrCat("Requested resource not found: Table: ", table_name, " not found"));
    }
  }
  auto it = tables_.find(name);
  if (it == tables_.end()) {
    return AwsError(kResourceNotFound,
                    absl::StrCat("Requested resource not found: Table: ", name, " not found"));
  }
  return it->second.get();
}

namespace dynamodb_simulator_internal {

absl::Status Invalid(absl::string_view message, absl::string_view field) {
  return AwsError(kValidation, message, field);
}

std::string CapacityMode(absl::string_view value) {
  return value == kNone ? std::string() : std::string(value);
}

absl::Status CheckTableRef(absl::string_view value) {
  if (absl::Status s = Check().Required("TableName", value); !s.ok()) return s;
  if (absl::StartsWith(value, "arn:")) {
    return Check().Length("TableName", value, 1, kMaxTableArnLength);
  }
  return CheckName("TableName", value);
}

absl::StatusOr<ItemMutation> ValidateItemAction(const ItemAction& action) {
  if (absl::Status s = CheckTableRef(action.table_name); !s.ok()) return s;
  if (action.key_source->empty()) {
    return Check().Fail(action.key_field, "failed to satisfy constraint: Member must not be null");
  }
  ItemMutation mutation;
  mutation.kind = action.kind;
  absl::StatusOr<Item> key = CanonicalAttributes(*action.key_source);
  if (!key.ok()) return key.status();
  mutation.key_source = *std::move(key);
  if (action.values != nullptr) {
    absl::StatusOr<Item> values = CanonicalAttributes(*action.values, false);
    if (!values.ok()) return values.status();
    mutation.values = *std::move(values);
  }
  mutation.names = action.names;
  mutation.table_name = std::string(action.table_name);
  mutation.condition_expression = std::string(action.condition_expression);
  mutation.update_expression = std::string(action.update_expression);
  mutation.failure_item = action.failure_return_values == kAllOld;
  if (absl::Status s = ValidateExpressionUsage(
          {mutation.update_expression, mutation.condition_expression}, mutation.context());
      !s.ok()) {
    return s;
  }
  return mutation;
}

}  // namespace dynamodb_simulator_internal

namespace {
// What PutItem, DeleteItem and UpdateItem check first, in this order: the
// table reference, the legacy parameters, the Return* options (ReturnValues
// among `return_values`); then what every item action checks
// (ValidateItemAction). No state is read.
template <typename Request>
absl::StatusOr<ItemMutation> ValidateItemMutation(
    ItemMutation::Kind kind, absl::string_view op, const Request& request,
    std::initializer_list<absl::string_view> return_values, absl::string_view key_field,
    const Item& key_source) {
  constexpr bool kUpdate = std::is_same_v<Request, v1::UpdateItemRequest>;
  if (absl::Status s = CheckTableRef(request.table_name()); !s.ok()) return s;
  if constexpr (kUpdate) {
    if (!request.attribute_updates().empty()) {
      return Unimplemented(op, "the legacy parameter AttributeUpdates", "; use UpdateExpression");
    }
  }
  if (!request.expected().empty()) {
    return Unimplemented(op, "the legacy parameter Expected", "; use ConditionExpression");
  }
  if (!request.conditional_operator().empty()) {
    return Unimplemented(op, "the legacy parameter ConditionalOperator",
                         "; use ConditionExpression");
  }
  if (absl::Status s = CheckReturnValues(request.return_values(), return_values); !s.ok()) {
    return s;
  }
  const std::string capacity = CapacityMode(request.return_consumed_capacity());
  ItemAction action = ActionOf(kind, request, key_field, key_source);
  if constexpr (kUpdate) action.update_expression = request.update_expression();
  absl::StatusOr<ItemMutation> mutation = ValidateItemAction(action);
  if (!mutation.ok()) return mutation.status();
  mutation->capacity_mode = capacity;
  mutation->item_collection_metrics = request.return_item_collection_metrics();
  return mutation;
}

// The consumed capacity and item-collection metrics of a single-item write.
template <typename Report, typename Response>
void SetWriteReport(Report report, Response* response) {
  if (report.consumed_capacity) {
    *response->mutable_consumed_capacity() = *std::move(report.consumed_capacity);
  }
  if (report.item_collection_metrics) {
    *response->mutable_item_collection_metrics() = *std::move(report.item_collection_metrics);
  }
}
}  // namespace

absl::StatusOr<std::string> DynamoDbSimulator::KeyOf(const Table& table, const Item& item,
                                                     bool exact_key, std::string* partition) const {
  const size_t key_count = table.range_key.empty() ? 1 : 2;
  if (exact_key && item.size() != key_count) return Invalid(kKeyMismatch, "Key");
  std::string encoded;
  for (size_t i = 0; i < key_count; ++i) {
    const std::string& name = i == 0 ? table.hash_key : table.range_key;
    const std::string& type = i == 0 ? table.hash_type : table.range_type;
    auto it = item.find(name);
    if (it == item.end()) {
      if (exact_key) return Invalid(kKeyMismatch, "Key");
      return Invalid(absl::StrCat(kInvalidParameters, "Missing the key ", name, " in the item"),
                     "Item");
    }
    const absl::string_view actual = AttributeTypeCode(it->second);
    if (type != actual) {
      if (exact_key) return Invalid(kKeyMismatch, "Key");
      return Invalid(absl::StrCat(kInvalidParameters, "Type mismatch for key ", name,
                                  " expected: ", type, " actual: ", actual),
                     "Item");
    }
    if ((it->second.has_s() && it->second.s().empty()) ||
        (it->second.has_b() && it->second.b().empty())) {
      return Invalid(absl::StrCat("One or more parameter values are not valid. The "
                                  "AttributeValue for a key attribute cannot contain an empty ",
                                  it->second.has_s() ? "string" : "binary", " value. Key: ", name),
                     exact_key ? "Key" : "Item");
    }
    const int64_t bytes = KeyValueBytes(it->second);
    if (i == 0 && bytes > kMaxPartitionKeyBytes) {
      return Invalid(absl::StrCat(kInvalidParameters,
                                  "Size of hashkey has exceeded the maximum size limit of ",
                                  kMaxPartitionKeyBytes, " bytes"),
                     exact_key ? "Key" : "Item");
    }
    if (i == 1 && bytes > kMaxSortKeyBytes) {
      return Invalid(absl::StrCat(kInvalidParameters,
                                  "Aggregated size of all range keys has exceeded the size "
                                  "limit of ",
                                  kMaxSortKeyBytes, " bytes"),
                     exact_key ? "Key" : "Item");
    }
    std::string part = EncodeKeyValue(it->second);
    if (i == 0) *partition = part;
    absl::StrAppend(&encoded, part, "|");
  }
  return encoded;
}

Item DynamoDbSimulator::KeysOf(const Table& table, const Item& item) const {
  Item keys;
  for (const auto& k : table.key_schema) {
    auto it = item.find(k.attribute_name());
    if (it != item.end()) keys[k.attribute_name()] = it->second;
  }
  return keys;
}

std::optional<int64_t> DynamoDbSimulator::TtlOf(const Table& table, const Item& item,
                                                absl::Time now) const {
  if (!table.ttl_enabled) return std::nullopt;
  auto it = item.find(table.ttl_attribute);
  if (it == item.end() || !it->second.has_n()) return std::nullopt;
  double seconds = 0;
  if (!absl::SimpleAtod(it->second.n(), &seconds) || !std::isfinite(seconds)) return std::nullopt;
  if (seconds > 9.0e15 || seconds < -9.0e15) return std::nullopt;
  const int64_t expiry = static_cast<int64_t>(std::floor(seconds));
  if (expiry < absl::ToUnixSeconds(now - kTtlIgnoredAge)) return std::nullopt;
  return expiry;
}

void DynamoDbSimulator::IndexItemTtlLocked(const Table& table, const std::string& key,
                                           StoredItem& stored, absl::Time now) {
  stored.ttl = TtlOf(table, stored.item, now);
  if (!stored.ttl) return;
  // An item written already expired is due at once, not in the past: the
  // deletion must come after the write that made it due.
  stored.ttl_due =
      std::max(absl::FromUnixSeconds(*stored.ttl) + ddb_options_.ttl_deletion_delay, now);
  ttl_index_.insert({stored.ttl_due, table.uid, key});
}

void DynamoDbSimulator::IndexTtlLocked(Table& table, absl::Time now) {
  // One pass when TTL is turned on; expiry itself never scans.
  for (auto& [key, stored] : table.items) IndexItemTtlLocked(table, key, stored, now);
}

void DynamoDbSimulator::UnindexTtlLocked(Table& table) {
  for (auto& [key, stored] : table.items) {
    if (stored.ttl) ttl_index_.erase({stored.ttl_due, table.uid, key});
    stored.ttl.reset();
  }
}

bool DynamoDbSimulator::ItemWrite::changes() const {
  if (old == nullptr) return new_item.has_value();
  return !new_item || !ItemsEqual(old->item, *new_item);
}

DynamoDbSimulator::ItemWrite DynamoDbSimulator::PlanItemWrite(const Table& table, std::string key,
                                                              std::string partition,
                                                              const StoredItem* old,
                                                              std::optional<Item> new_item) const {
  ItemWrite write;
  write.key = std::move(key);
  write.partition = std::move(partition);
  write.old = old;
  write.new_item = std::move(new_item);
  write.event_name = old == nullptr ? kInsert : write.new_item ? kModify : kRemove;
  if (table.stream_enabled && write.changes()) {
    write.stream_keys = KeysOf(table, write.new_item ? *write.new_item : old->item);
  }
  return write;
}

void DynamoDbSimulator::ApplyItemWriteLocked(Table& table, ItemWrite write, absl::Time now,
                                             PendingWakeups& wake) {
  // The stream record first, while the old item is still in place.
  if (table.stream_enabled) {
    ItemChange change;
    change.event_name = write.event_name;
    change.partition_key = write.partition;
    change.keys = &write.stream_keys;
    change.old_image = write.old != nullptr ? &write.old->item : nullptr;
    change.new_image = write.new_item ? &*write.new_item : nullptr;
    change.by_ttl = write.by_ttl;
    if (store_.Append(table.stream_arn, change, now).ok()) wake.Add(table.stream_arn);
  }
  const int64_t old_size = write.old != nullptr ? write.old->size : 0;
  if (write.old != nullptr && write.old->ttl) {
    ttl_index_.erase({write.old->ttl_due, table.uid, write.key});
  }
  int64_t new_size = 0;
  if (write.new_item) {
    StoredItem stored;
    stored.size = ItemSizeBytes(*write.new_item);
    stored.item = *std::move(write.new_item);
    IndexItemTtlLocked(table, write.key, stored, now);
    new_size = stored.size;
    // Key attributes never change, so only a new key enters the order.
    if (write.old == nullptr)
      table.order.Add(stored.item, table.hash_key, table.range_key, write.key);
    table.items[write.key] = std::move(stored);
  } else {
    if (write.old != nullptr) table.order.Remove(write.old->item, table.hash_key, table.range_key);
    table.items.erase(write.key);
  }
  table.size_bytes += new_size - old_size;
  if (std::any_of(table.indexes.begin(), table.indexes.end(),
                  [](const Index& i) { return !i.global; })) {
    int64_t& collection = table.collections[write.partition];
    collection += new_size - old_size;
    if (collection <= 0) table.collections.erase(write.partition);
  }
}

absl::StatusOr<DynamoDbSimulator::ItemMutationPlan> DynamoDbSimulator::PlanItemMutationLocked(
    const ItemMutation& mutation) {
  absl::StatusOr<Table*> found = FindTable(mutation.table_name);
  if (!found.ok()) return found.status();
  const Table& table = **found;
  const bool put = mutation.kind == ItemMutation::Kind::kPut;
  std::string partition;
  absl::StatusOr<std::string> key =
      KeyOf(table, mutation.key_source, /*exact_key=*/!put, &partition);
  if (!key.ok()) return key.status();
  if (put && ItemSizeBytes(mutation.key_source) > kMaxItemBytes) {
    return Invalid("Item size has exceeded the maximum allowed size", "Item");
  }
  auto it = table.items.find(*key);
  const StoredItem* old = it == table.items.end() ? nullptr : &it->second;
  const Item* old_item = old != nullptr ? &old->item : nullptr;
  const ExpressionContext context = mutation.context();
  if (!mutation.condition_expression.empty()) {
    absl::Status s = EvaluateCondition(mutation.condition_expression, context, old_item);
    if (!s.ok()) {
      if (AwsErrorName(s) == kConditionalCheckFailed && mutation.failure_item) {
        return WithFailureItem(std::move(s), old_item);
      }
      return s;
    }
  }
  std::optional<Item> new_item;
  switch (mutation.kind) {
    case ItemMutation::Kind::kPut:
      new_item = mutation.key_source;
      break;
    case ItemMutation::Kind::kDelete:
      break;
    case ItemMutation::Kind::kConditionCheck:
      if (old_item != nullptr) new_item = *old_item;  // unchanged: no write, no record
      break;
    case ItemMutation::Kind::kUpdate: {
      // An update of a missing item creates it from its key (an upsert).
      // ApplyUpdate checks the result's size and depth; without an
      // expression the item stays as stored or a bare key, within limits.
      Item updated = old_item != nullptr ? *old_item : mutation.key_source;
      if (!mutation.update_expression.empty()) {
        std::vector<std::string> key_names;
        for (const auto& k : table.key_schema) key_names.push_back(k.attribute_name());
        absl::StatusOr<Item> applied =
            ApplyUpdate(mutation.update_expression, context, key_names, std::move(updated));
        if (!applied.ok()) return applied.status();
        updated = *std::move(applied);
      }
      new_item = std::move(updated);
      break;
    }
  }
  ItemMutationPlan plan;
  plan.table = *found;
  plan.write =
      PlanItemWrite(table, *std::move(key), std::move(partition), old, std::move(new_item));
  return plan;
}

DynamoDbSimulator::ItemWriteReport DynamoDbSimulator::ApplyItemMutationLocked(
    ItemMutationPlan plan, const ItemMutation& mutation, absl::Time now, PendingWakeups& wake) {
  Table& table = *plan.table;
  ItemWrite& write = plan.write;
  ItemWriteReport report;
  if (!mutation.capacity_mode.empty()) {
    WriteCapacity(table, mutation.capacity_mode, write.old != nullptr ? &write.old->item : nullptr,
                  write.new_item ? &*write.new_item : nullptr, &report.consumed_capacity.emplace());
  }
  const std::string partition = write.partition;
  if (write.changes()) ApplyItemWriteLocked(table, std::move(write), now, wake);
  report.item_collection_metrics =
      CollectionMetrics(table, mutation.item_collection_metrics, partition, mutation.key_source);
  return report;
}

// --- Capacity ----------------------------------------------------------------

void DynamoDbSimulator::WriteCapacity(const Table& table, absl::string_view mode,
                                      const Item* old_item, const Item* new_item,
                                      v1::ConsumedCapacity* out) const {
  if (mode.empty()) return;
  int64_t bytes = 0;
  if (old_item != nullptr) bytes = ItemSizeBytes(*old_item);
  if (new_item != nullptr) bytes = std::max(bytes, ItemSizeBytes(*new_item));
  const double table_units = WriteUnits(bytes);
  double total = table_units;
  // Index writes, per the DynamoDB developer guide ("Secondary indexes and
  // write capacity"): a put or a delete of the index entry costs one write
  // of its projected size; a changed index key costs both.
  for (const Index& index : table.indexes) {
    const bool was = old_item != nullptr && HasAll(*old_item, index.key_schema);
    const bool is = new_item != nullptr && HasAll(*new_item, index.key_schema);
    double units = 0;
    if (was || is) {
      Item old_proj =
          was ? IndexImage(*old_item, table.key_schema, index.key_schema, index.projection)
              : Item();
      Item new_proj =
          is ? IndexImage(*new_item, table.key_schema, index.key_schema, index.projection) : Item();
      if (was && is) {
        bool key_changed = false;
        for (const auto& k : index.key_schema) {
          if (!AttributeValuesEqual(old_item->at(k.attribute_name()),
                                    new_item->at(k.attribute_name()))) {
            key_changed = true;
          }
        }
        if (key_changed) {
          units = WriteUnits(ItemSizeBytes(old_proj)) + WriteUnits(ItemSizeBytes(new_proj));
        } else if (!ItemsEqual(old_proj, new_proj)) {
          units = WriteUnits(std::max(ItemSizeBytes(old_proj), ItemSizeBytes(new_proj)));
        }
      } else {
        units = WriteUnits(ItemSizeBytes(was ? old_proj : new_proj));
      }
    }
    total += units;
    if (mode == kIndexes && units > 0) {
      v1::Capacity& c = index.global ? (*out->mutable_global_secondary_indexes())[index.name]
                                     : (*out->mutable_local_secondary_indexes())[index.name];
      c.set_capacity_units(units);
    }
  }
  out->set_table_name(table.name);
  out->set_capacity_units(total);
  if (mode == kIndexes) out->mutable_table()->set_capacity_units(table_units);
}

void DynamoDbSimulator::ReadCapacity(const Table& table, absl::string_view mode, int64_t item_bytes,
                                     bool consistent, v1::ConsumedCapacity* out) const {
  if (mode.empty()) return;
  double units =
      static_cast<double>(std::max<int64_t>(1, (item_bytes + kReadUnitBytes - 1) / kReadUnitBytes));
  if (!consistent) units /= 2;
  out->set_table_name(table.name);
  out->set_capacity_units(units);
  if (mode == kIndexes) out->mutable_table()->set_capacity_units(units);
}

std::optional<v1::ItemCollectionMetrics> DynamoDbSimulator::CollectionMetrics(
    const Table& table, absl::string_view mode, const std::string& partition,
    const Item& key_source) const {
  if (mode != kSize) return std::nullopt;
  // Only tables with local secondary indexes have item collections.
  if (std::none_of(table.indexes.begin(), table.indexes.end(),
                   [](const Index& i) { return !i.global; })) {
    return std::nullopt;
  }
  v1::ItemCollectionMetrics out;
  auto it = key_source.find(table.hash_key);
  if (it != key_source.end()) (*out.mutable_item_collection_key())[table.hash_key] = it->second;
  auto c = table.collections.find(partition);
  const double gb = c == table.collections.end() ? 0.0 : c->second / (1024.0 * 1024 * 1024);
  out.add_size_estimate_range_gb(std::floor(gb));
  out.add_size_estimate_range_gb(std::floor(gb) + 1);
  return out;
}

// --- Tables
// --------------------------------------------------------------------

v1::TableDescription DynamoDbSimulator::Describe(const Table& table, const char* status) const {
  v1::TableDescription d;
  for (const auto& a : table.attribute_definitions) *d.add_attribute_definitions() = a;
  d.set_table_name(table.name);
  for (const auto& k : table.key_schema) *d.add_key_schema() = k;
  d.set_table_status(status);
  SetTime(table.created, d.mutable_creation_date_time());
  auto throughput = [&](const v1::ProvisionedThroughput& t,
                        v1::ProvisionedThroughputDescription* out) {
    const bool provisioned = table.billing_mode == kProvisioned;
    out->set_number_of_decreases_today(provisioned ? table.decreases_today : 0);
    out->set_read_capacity_units(provisioned ? t.read_capacity_units() : 0);
    out->set_write_capacity_units(provisioned ? t.write_capacity_units() : 0);
  };
  throughput(table.throughput, d.mutable_provisioned_throughput());
  if (table.last_increase) {
    SetTime(*table.last_increase,
            d.mutable_provisioned_throughput()->mutable_last_increase_date_time());
  }
  if (table.last_decrease) {
    SetTime(*table.last_decrease,
            d.mutable_provisioned_throughput()->mutable_last_decrease_date_time());
  }
  d.set_table_size_bytes(table.size_bytes);
  d.set_item_count(static_cast<int64_t>(table.items.size()));
  d.set_table_arn(table.arn);
  d.set_table_id(table.id);
  if (table.billing_mode_explicit || table.billing_mode == kPayPerRequest) {
    d.mutable_billing_mode_summary()->set_billing_mode(table.billing_mode);
    if (table.pay_per_request_since) {
      SetTime(*table.pay_per_request_since,
              d.mutable_billing_mode_summary()->mutable_last_update_to_pay_per_request_date_time());
    }
  }
  for (const Index& index : table.indexes) {
    const std::string arn = absl::StrCat(table.arn, "/index/", index.name);
    if (index.global) {
      v1::GlobalSecondaryIndexDescription* g = d.add_global_secondary_indexes();
      g->set_index_name(index.name);
      for (const auto& k : index.key_schema) *g->add_key_schema() = k;
      *g->mutable_projection() = index.projection;
      g->set_index_status(kActive);
      throughput(index.throughput, g->mutable_provisioned_throughput());
      g->set_index_size_bytes(0);
      g->set_item_count(0);
      g->set_index_arn(arn);
      if (index.on_demand.has_max_read_request_units() ||
          index.on_demand.has_max_write_request_units()) {
        *g->mutable_on_demand_throughput() = index.on_demand;
      }
    } else {
      v1::LocalSecondaryIndexDescription* l = d.add_local_secondary_indexes();
      l->set_index_name(index.name);
      for (const auto& k : index.key_schema) *l->add_key_schema() = k;
      *l->mutable_projection() = index.projection;
      l->set_index_size_bytes(0);
      l->set_item_count(0);
      l->set_index_arn(arn);
    }
  }
  if (table.stream_enabled) {
    d.mutable_stream_specification()->set_stream_enabled(true);
    d.mutable_stream_specification()->set_stream_view_type(table.stream_view_type);
  }
  if (!table.stream_arn.empty()) {
    d.set_latest_stream_label(table.stream_label);
    d.set_latest_stream_arn(table.stream_arn);
  }
  if (!table.table_class.empty()) {
    d.mutable_table_class_summary()->set_table_class(table.table_class);
    if (table.table_class_since) {
      SetTime(*table.table_class_since,
              d.mutable_table_class_summary()->mutable_last_update_date_time());
    }
  }
  d.set_deletion_protection_enabled(table.deletion_protection);
  if (table.sse.has_enabled() && table.sse.enabled()) {
    v1::SSEDescription* sse = d.mutable_sse_description();
    sse->set_status(kEnabled);
    sse->set_sse_type(table.sse.sse_type().empty() ? "KMS" : table.sse.sse_type());
    sse->set_kms_master_key_arn(table.sse.kms_master_key_id().empty()
                                    ? absl::StrCat("arn:aws:kms:", options_.region, ":",
                                                   options_.account_id, ":alias/aws/dynamodb")
                                    : table.sse.kms_master_key_id());
  }
  if (table.on_demand.has_max_read_request_units() ||
      table.on_demand.has_max_write_request_units()) {
    *d.mutable_on_demand_throughput() = table.on_demand;
  }
  if (table.warm.has_read_units_per_second() || table.warm.has_write_units_per_second()) {
    d.mutable_warm_throughput()->set_read_units_per_second(table.warm.read_units_per_second());
    d.mutable_warm_throughput()->set_write_units_per_second(table.warm.write_units_per_second());
    d.mutable_warm_throughput()->set_status(kActive);
  }
  return d;
}

namespace {

absl::Status CheckKeySchema(absl::string_view field,
                            const google::protobuf::RepeatedPtrField<v1::KeySchemaElement>& schema,
                            const absl::flat_hash_map<std::string, std::string>& defined,
                            absl::flat_hash_set<std::string>& used) {
  if (schema.empty()) {
    return Check().Fail(field, "failed to satisfy constraint: Member must not be null");
  }
  if (schema.size() > 2) {
    return Check().Fail(field,
                        "failed to satisfy constraint: Member must have length less "
                        "than or equal to 2");
  }
  std::vector<std::string> missing;
  for (const v1::KeySchemaElement& k : schema) {
    if (!defined.contains(k.attribute_name())) missing.push_back(k.attribute_name());
    used.insert(k.attribute_name());
  }
  if (schema[0].key_type() != kHash) {
    return Invalid("Invalid KeySchema: The first KeySchemaElement is not a HASH key type", field);
  }
  if (schema.size() == 2) {
    if (schema[1].key_type() != kRange) {
      return Invalid(
          "Invalid KeySchema: The second KeySchemaElement is not a "
          "RANGE key type",
          field);
    }
    if (schema[0].attribute_name() == schema[1].attribute_name()) {
      return Invalid(absl::StrCat(kInvalidParameters,
                                  "Both the Hash Key and the Range Key element in the KeySchema "
                                  "have the same name"),
                     field);
    }
  }
  if (!missing.empty()) {
    std::vector<std::string> names;
    for (const auto& [name, type] : defined) names.push_back(name);
    std::sort(names.begin(), names.end());
    return Invalid(absl::StrCat(kInvalidParameters,
                                "Some index key attributes are not defined in "
                                "AttributeDefinitions. Keys: [",
                                absl::StrJoin(missing, ", "), "], AttributeDefinitions: [",
                                absl::StrJoin(names, ", "), "]"),
                   field);
  }
  return absl::OkStatus();
}

absl::Status CheckProjection(absl::string_view field, const v1::Projection& p) {
  // The model has ProjectionType's values, not that it is required.
  if (absl::Status s =
          Check().Required(absl::StrCat(field, ".ProjectionType"), p.projection_type());
      !s.ok()) {
    return s;
  }
  if (p.projection_type() != kProjectionInclude && !p.non_key_attributes().empty()) {
    return Invalid(absl::StrCat(kInvalidParameters, "ProjectionType is ", p.projection_type(),
                                ", but NonKeyAttributes is specified"),
                   field);
  }
  return absl::OkStatus();
}

// The model checks each tag, not their number.
absl::Status CheckTagCount(const google::protobuf::RepeatedPtrField<v1::Tag>& tags) {
  if (tags.size() > kMaxTags) {
    return Check().Fail("Tags",
                        "failed to satisfy constraint: Member must have length less than "
                        "or equal to 50");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status DynamoDbSimulator::EnableStreamLocked(Table& table, absl::string_view view_type,
                                                   absl::Time now) {
  absl::StatusOr<StreamStore::CreatedStream> stream =
      store_.CreateStream(table.name, StreamKeySchema(table.key_schema), view_type, now);
  if (!stream.ok()) return stream.status();
  table.stream_arn = stream->arn;
  table.stream_label = stream->label;
  table.stream_view_type = std::string(view_type);
  table.stream_enabled = true;
  return absl::OkStatus();
}

void DynamoDbSimulator::DisableStreamLocked(Table& table, absl::Time now, PendingWakeups& wake) {
  if (!table.stream_enabled) return;
  (void)store_.DisableStream(table.stream_arn, now);
  table.stream_enabled = false;
  wake.Add(table.stream_arn);
}

absl::StatusOr<v1::CreateTableResponse> DynamoDbSimulator::CreateTable(
    const v1::CreateTableRequest& request) {
  constexpr char kOp[] = "CreateTable";
  if (absl::Status s = CheckName("TableName", request.table_name()); !s.ok()) return s;
  if (!request.resource_policy().empty()) return Unimplemented(kOp, "ResourcePolicy");
  if (!request.global_table_source_arn().empty()) {
    return Unimplemented(kOp, "GlobalTableSourceArn");
  }
  if (!request.global_table_settings_replication_mode().empty()) {
    return Unimplemented(kOp, "GlobalTableSettingsReplicationMode");
  }

  // Attribute definitions.
  absl::flat_hash_map<std::string, std::string> defined;
  for (int i = 0; i < request.attribute_definitions_size(); ++i) {
    const v1::AttributeDefinition& a = request.attribute_definitions(i);
    if (!defined.emplace(a.attribute_name(), a.attribute_type()).second) {
      return Invalid(absl::StrCat(kInvalidParameters,
                                  "Cannot have two attributes with the same "
                                  "name"),
                     "AttributeDefinitions");
    }
  }
  // Key schemas of the table and its indexes.
  absl::flat_hash_set<std::string> used;
  if (absl::Status s = CheckKeySchema("KeySchema", request.key_schema(), defined, used); !s.ok()) {
    return s;
  }

  // Billing.
  const bool on_demand = request.billing_mode() == kPayPerRequest;
  if (on_demand && request.has_provisioned_throughput()) {
    return Invalid(absl::StrCat(kInvalidParameters,
                                "Neither ReadCapacityUnits nor WriteCapacityUnits can be "
                                "specified when BillingMode is PAY_PER_REQUEST"),
                   "ProvisionedThroughput");
  }
  if (!on_demand) {
    if (!request.has_provisioned_throughput()) {
      return Invalid(absl::StrCat(kInvalidParameters,
                                  "ReadCapacityUnits and WriteCapacityUnits must both be "
                                  "specified when BillingMode is PROVISIONED"),
                     "ProvisionedThroughput");
    }
  }

  // Indexes.
  std::vector<Index> indexes;
  absl::flat_hash_set<std::string> index_names;
  if (request.local_secondary_indexes_size() > kMaxLocalIndexes) {
    return Check().Fail("LocalSecondaryIndexes",
                        "failed to satisfy constraint: Member must have "
                        "length less than or equal to 5");
  }
  if (request.global_secondary_indexes_size() > kMaxGlobalIndexes) {
    return Invalid(absl::StrCat(kInvalidParameters,
                                "GlobalSecondaryIndex count exceeds the per-"
                                "table limit of ",
                                kMaxGlobalIndexes),
                   "GlobalSecondaryIndexes");
  }
  auto check_index_name = [&](absl::string_view field, const std::string& name) -> absl::Status {
    if (!index_names.insert(name).second) {
      return Invalid(absl::StrCat(kInvalidParameters, "Duplicate index name: ", name), field);
    }
    return absl::OkStatus();
  };
  for (int i = 0; i < request.local_secondary_indexes_size(); ++i) {
    const v1::LocalSecondaryIndex& l = request.local_secondary_indexes(i);
    const std::string f = absl::StrCat("LocalSecondaryIndexes.", i + 1);
    if (absl::Status s = check_index_name(absl::StrCat(f, ".IndexName"), l.index_name()); !s.ok()) {
      return s;
    }
    if (absl::Status s =
            CheckKeySchema(absl::StrCat(f, ".KeySchema"), l.key_schema(), defined, used);
        !s.ok()) {
      return s;
    }
    if (request.key_schema_size() < 2) {
      return Invalid(absl::StrCat(kInvalidParameters,
                                  "Table KeySchema does not have a range key, which is required "
                                  "when specifying a LocalSecondaryIndex"),
                     f);
    }
    if (l.key_schema_size() != 2 ||
        l.key_schema(0).attribute_name() != request.key_schema(0).attribute_name()) {
      return Invalid(absl::StrCat(kInvalidParameters,
                                  "Index KeySchema does not have the same leading hash key as "
                                  "table KeySchema for index: ",
                                  l.index_name()),
                     f);
    }
    if (absl::Status s = CheckProjection(absl::StrCat(f, ".Projection"), l.projection()); !s.ok()) {
      return s;
    }
    Index index;
    index.name = l.index_name();
    index.key_schema.assign(l.key_schema().begin(), l.key_schema().end());
    index.projection = l.projection();
    indexes.push_back(std::move(index));
  }
  for (int i = 0; i < request.global_secondary_indexes_size(); ++i) {
    const v1::GlobalSecondaryIndex& g = request.global_secondary_indexes(i);
    const std::string f = absl::StrCat("GlobalSecondaryIndexes.", i + 1);
    if (absl::Status s = check_index_name(absl::StrCat(f, ".IndexName"), g.index_name()); !s.ok()) {
      return s;
    }
    if (absl::Status s =
            CheckKeySchema(absl::StrCat(f, ".KeySchema"), g.key_schema(), defined, used);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckProjection(absl::StrCat(f, ".Projection"), g.projection()); !s.ok()) {
      return s;
    }
    if (on_demand && g.has_provisioned_throughput()) {
      return Invalid(absl::StrCat(kInvalidParameters,
                                  "ProvisionedThroughput should not be specified for index: ",
                                  g.index_name(), " when BillingMode is PAY_PER_REQUEST"),
                     f);
    }
    if (!on_demand) {
      if (!g.has_provisioned_throughput()) {
        return Invalid(
            absl::StrCat(kInvalidParameters,
                         "ProvisionedThroughput must be specified for index: ", g.index_name()),
            f);
      }
    }
    if (g.has_warm_throughput()) {
      return Unimplemented(kOp, absl::StrCat(f, ".WarmThroughput"));
    }
    Index index;
    index.name = g.index_name();
    index.global = true;
    index.key_schema.assign(g.key_schema().begin(), g.key_schema().end());
    index.projection = g.projection();
    index.throughput = g.provisioned_throughput();
    index.on_demand = g.on_demand_throughput();
    indexes.push_back(std::move(index));
  }
  if (used.size() != defined.size()) {
    return Invalid(absl::StrCat(kInvalidParameters,
                                "Number of attributes in KeySchema does not exactly match number "
                                "of attributes defined in AttributeDefinitions"),
                   "AttributeDefinitions");
  }

  // Stream.
  bool stream = false;
  if (request.has_stream_specification()) {
    const v1::StreamSpecification& spec = request.stream_specification();
    stream = spec.stream_enabled();
    if (stream) {
      if (absl::Status s =
              CheckStreamViewType("StreamSpecification.StreamViewType", spec.stream_view_type());
          !s.ok()) {
        return s;
      }
    } else if (!spec.stream_view_type().empty()) {
      // Unverified wording.
      return Invalid(absl::StrCat(kInvalidParameters,
                                  "StreamViewType cannot be specified when StreamEnabled is false"),
                     "StreamSpecification.StreamViewType");
    }
  }
  // The rest.
  if (absl::Status s = CheckTagCount(request.tags()); !s.ok()) return s;

  PendingWakeups wake(watchers_);
  absl::MutexLock lock(&mu_);
  const absl::Time now = Now();
  TickLocked(now, wake);
  if (tables_.contains(request.table_name())) {
    return AwsError(kResourceInUse, absl::StrCat("Table already exists: ", request.table_name()));
  }
  if (static_cast<int64_t>(tables_.size()) >= ddb_options_.max_tables) {
    return AwsError(
        kLimitExceeded,
        absl::StrCat("Subscriber limit exceeded: the account already has ", tables_.size(),
                     " tables in ", options_.region, " (quota: ", ddb_options_.max_tables, ")"));
  }
  auto table = std::make_unique<Table>();
  table->uid = next_table_uid_++;
  table->name = request.table_name();
  table->arn = absl::StrCat("arn:aws:dynamodb:", options_.region, ":", options_.account_id,
                            ":table/", table->name);
  table->id = DerivedUuid(options_.seed, table->uid);
  table->created = now;
  table->attribute_definitions.assign(request.attribute_definitions().begin(),
                                      request.attribute_definitions().end());
  table->key_schema.assign(request.key_schema().begin(), request.key_schema().end());
  table->hash_key = request.key_schema(0).attribute_name();
  table->hash_type = defined.at(table->hash_key);
  if (request.key_schema_size() == 2) {
    table->range_key = request.key_schema(1).attribute_name();
    table->range_type = defined.at(table->range_key);
  }
  table->billing_mode = on_demand ? kPayPerRequest : kProvisioned;
  table->billing_mode_explicit = !request.billing_mode().empty();
  if (on_demand) table->pay_per_request_since = now;
  table->throughput = request.provisioned_throughput();
  table->indexes = std::move(indexes);
  table->table_class = request.table_class();
  table->deletion_protection = request.deletion_protection_enabled();
  table->sse = request.sse_specification();
  table->on_demand = request.on_demand_throughput();
  table->warm = request.warm_throughput();
  table->tags.assign(request.tags().begin(), request.tags().end());
  if (stream) {
    if (absl::Status s =
            EnableStreamLocked(*table, request.stream_specification().stream_view_type(), now);
        !s.ok()) {
      return s;
    }
  }
  Table& ref = *table;
  tables_by_uid_[ref.uid] = &ref;
  tables_.emplace(ref.name, std::move(table));
  v1::CreateTableResponse response;
  *response.mutable_table_description() = Describe(ref, kCreating);
  return response;
}

absl::StatusOr<v1::DescribeTableResponse> DynamoDbSimulator::DescribeTable(
    const v1::DescribeTableRequest& request) {
  if (absl::Status s = CheckTableRef(request.table_name()); !s.ok()) return s;
  PendingWakeups wake(watchers_);
  absl::MutexLock lock(&mu_);
  TickLocked(Now(), wake);
  absl::StatusOr<Table*> table = FindTable(request.table_name());
  if (!table.ok()) return table.status();
  v1::DescribeTableResponse response;
  *response.mutable_table() = Describe(**table, kActive);
  return response;
}

absl::StatusOr<v1::UpdateTableResponse> DynamoDbSimulator::UpdateTable(
    const v1::UpdateTableRequest& request) {
  constexpr char kOp[] = "UpdateTable";
  if (absl::Status s = CheckTableRef(request.table_name()); !s.ok()) return s;
  if (!request.global_secondary_index_updates().empty()) {
    return Unimplemented(kOp, "GlobalSecondaryIndexUpdates");
  }
  if (!request.attribute_definitions().empty()) {
    return Unimplemented(kOp, "AttributeDefinitions",
                         " (it only serves GlobalSecondaryIndexUpdates)");
  }
  if (!request.replica_updates().empty()) return Unimplemented(kOp, "ReplicaUpdates");
  if (!request.multi_region_consistency().empty()) {
    return Unimplemented(kOp, "MultiRegionConsistency");
  }
  if (!request.global_table_witness_updates().empty()) {
    return Unimplemented(kOp, "GlobalTableWitnessUpdates");
  }
  if (!request.global_table_settings_replication_mode().empty()) {
    return Unimplemented(kOp, "GlobalTableSettingsReplicationMode");
  }
  if (request.has_stream_specification()) {
    const v1::StreamSpecification& spec = request.stream_specification();
    if (spec.stream_enabled()) {
      if (absl::Status s =
              CheckStreamViewType("StreamSpecification.StreamViewType", spec.stream_view_type());
          !s.ok()) {
        return s;
      }
    }
  }
  if (request.billing_mode().empty() && !request.has_provisioned_throughput() &&
      !request.has_stream_specification() && !request.has_sse_specification() &&
      request.table_class().empty() && !request.has_deletion_protection_enabled() &&
      !request.has_on_demand_throughput() && !request.has_warm_throughput()) {
    return Invalid(
        "At least one of ProvisionedThroughput, BillingMode, "
        "UpdateStreamEnabled, "
        "GlobalSecondaryIndexUpdates or SSESpecification or "
        "ReplicaUpdates is required");
  }

  PendingWakeups wake(watchers_);
  absl::MutexLock lock(&mu_);
  const absl::Time now = Now();
  TickLocked(now, wake);
  absl::StatusOr<Table*> found = FindTable(request.table_name());
  if (!found.ok()) return found.status();
  Table& table = **found;

  // Check everything against the table before changing anything.
  const std::string new_mode =
      request.billing_mode().empty() ? table.billing_mode : request.billing_mode();
  if (new_mode == kPayPerRequest && request.has_provisioned_throughput()) {
    return Invalid(absl::StrCat(kInvalidParameters,
                                "Neither ReadCapacityUnits nor WriteCapacityUnits can be "
                                "specified when BillingMode is PAY_PER_REQUEST"),
                   "ProvisionedThroughput");
  }
  if (new_mode == kProvisioned && table.billing_mode == kPayPerRequest &&
      !request.has_provisioned_throughput()) {
    return Invalid(absl::StrCat(kInvalidParameters,
                                "ReadCapacityUnits and WriteCapacityUnits must both be specified "
                                "when BillingMode is PROVISIONED"),
                   "ProvisionedThroughput");
  }
  if (new_mode == kProvisioned && table.billing_mode == kProvisioned &&
      request.has_provisioned_throughput() &&
      request.provisioned_throughput().read_capacity_units() ==
          table.throughput.read_capacity_units() &&
      request.provisioned_throughput().write_capacity_units() ==
          table.throughput.write_capacity_units()) {
    return Invalid(
        "The provisioned throughput for the table will not change. The "
        "requested value equals "
        "the current value. Current ReadCapacityUnits provisioned for the "
        "table: " +
            absl::StrCat(table.throughput.read_capacity_units(), ". Requested ReadCapacityUnits: ",
                         request.provisioned_throughput().read_capacity_units(),
                         ". Current WriteCapacityUnits provisioned for the table: ",
                         table.throughput.write_capacity_units(),
                         ". Requested WriteCapacityUnits: ",
                         request.provisioned_throughput().write_capacity_units(),
                         ". Refer to the Amazon DynamoDB Developer Guide for current "
                         "limits and "
                         "how to request higher limits."),
        "ProvisionedThroughput");
  }
  if (new_mode == kProvisioned && table.billing_mode == kPayPerRequest) {
    for (const Index& index : table.indexes) {
      if (index.global) {
        return Unimplemented(kOp,
                             "BillingMode PROVISIONED on a table with global secondary "
                             "indexes",
                             " (it needs GlobalSecondaryIndexUpdates)");
      }
    }
  }
  if (request.has_stream_specification()) {
    const v1::StreamSpecification& spec = request.stream_specification();
    if (spec.stream_enabled() && table.stream_enabled) {
      return Invalid(absl::StrCat("Table already has an enabled stream: TableName: ", table.name),
                     "StreamSpecification");
    }
    if (!spec.stream_enabled() && !table.stream_enabled) {
      return Invalid(
          absl::StrCat("Table does not have an enabled stream to disable: TableName: ", table.name),
          "StreamSpecification");
    }
  }

  // Apply.
  if (new_mode != table.billing_mode) {
    table.billing_mode = new_mode;
    table.billing_mode_explicit = true;
    if (new_mode == kPayPerRequest) table.pay_per_request_since = now;
  }
  if (request.has_provisioned_throughput()) {
    const v1::ProvisionedThroughput& t = request.provisioned_throughput();
    if (t.read_capacity_units() > table.throughput.read_capacity_units() ||
        t.write_capacity_units() > table.throughput.write_capacity_units()) {
      table.last_increase = now;
    }
    if (t.read_capacity_units() < table.throughput.read_capacity_units() ||
        t.write_capacity_units() < table.throughput.write_capacity_units()) {
      table.last_decrease = now;
      ++table.decreases_today;
    }
    table.throughput = t;
  }
  if (request.has_stream_specification()) {
    if (request.stream_specification().stream_enabled()) {
      if (absl::Status s =
              EnableStreamLocked(table, request.stream_specification().stream_view_type(), now);
          !s.ok()) {
        return s;
      }
    } else {
      DisableStreamLocked(table, now, wake);
    }
  }
  if (request.has_sse_specification()) table.sse = request.sse_specification();
  if (!request.table_class().empty() && request.table_class() != table.table_class) {
    table.table_class = request.table_class();
    table.table_class_since = now;
  }
  if (request.has_deletion_protection_enabled()) {
    table.deletion_protection = request.deletion_protection_enabled();
  }
  if (request.has_on_demand_throughput()) table.on_demand = request.on_demand_throughput();
  if (request.has_warm_throughput()) table.warm = request.warm_throughput();
  v1::UpdateTableResponse response;
  *response.mutable_table_description() = Describe(table, kUpdating);
  return response;
}

absl::StatusOr<v1::DeleteTableResponse> DynamoDbSimulator::DeleteTable(
    const v1::DeleteTableRequest& request) {
  if (absl::Status s = CheckTableRef(request.table_name()); !s.ok()) return s;
  PendingWakeups wake(watchers_);
  absl::MutexLock lock(&mu_);
  const absl::Time now = Now();
  TickLocked(now, wake);
  absl::StatusOr<Table*> found = FindTable(request.table_name());
  if (!found.ok()) return found.status();
  Table& table = **found;
  if (table.deletion_protection) {
    return Invalid(
        "Resource cannot be deleted as it is currently protected "
        "against deletion. Disable "
        "deletion protection first.");
  }
  v1::DeleteTableResponse response;
  *response.mutable_table_description() = Describe(table, kDeleting);
  // The stream outlives the table by `retention`, closed.
  DisableStreamLocked(table, now, wake);
  UnindexTtlLocked(table);
  tables_by_uid_.erase(table.uid);
  tables_.erase(table.name);
  return response;
}

// --- Items -------------------------------------------------------------------

absl::StatusOr<v1::PutItemResponse> DynamoDbSimulator::PutItem(const v1::PutItemRequest& request) {
  const absl::StatusOr<ItemMutation> mutation = ValidateItemMutation(
      ItemMutation::Kind::kPut, "PutItem", request, {kNone, kAllOld}, "Item", request.item());
  if (!mutation.ok()) return mutation.status();

  PendingWakeups wake(watchers_);
  absl::MutexLock lock(&mu_);
  const absl::Time now = Now();
  TickLocked(now, wake);
  absl::StatusOr<ItemMutationPlan> plan = PlanItemMutationLocked(*mutation);
  if (!plan.ok()) return plan.status();
  v1::PutItemResponse response;
  const StoredItem* old = plan->write.old;
  if (old != nullptr && request.return_values() == kAllOld) {
    *response.mutable_attributes() = old->item;
  }
  SetWriteReport(ApplyItemMutationLocked(*std::move(plan), *mutation, now, wake), &response);
  return response;
}

absl::StatusOr<v1::GetItemResponse> DynamoDbSimulator::GetItem(const v1::GetItemRequest& request) {
  if (absl::Status s = CheckTableRef(request.table_name()); !s.ok()) return s;
  if (!request.attributes_to_get().empty()) {
    return Unimplemented("GetItem", "the legacy parameter AttributesToGet",
                         "; use ProjectionExpression");
  }
  const std::string capacity = CapacityMode(request.return_consumed_capacity());
  if (request.key().empty()) {
    return Check().Fail("Key", "failed to satisfy constraint: Member must not be null");
  }
  const absl::StatusOr<Item> key_attributes = CanonicalAttributes(request.key());
  if (!key_attributes.ok()) return key_attributes.status();
  ExpressionContext context;
  context.names = &request.expression_attribute_names();
  if (absl::Status s = ValidateExpressionUsage({request.projection_expression()}, context);
      !s.ok()) {
    return s;
  }

  PendingWakeups wake(watchers_);
  absl::MutexLock lock(&mu_);
  TickLocked(Now(), wake);
  absl::StatusOr<Table*> found = FindTable(request.table_name());
  if (!found.ok()) return found.status();
  Table& table = **found;
  std::string partition;
  absl::StatusOr<std::string> key = KeyOf(table, *key_attributes, true, &partition);
  if (!key.ok()) return key.status();
  v1::GetItemResponse response;
  auto it = table.items.find(*key);
  int64_t bytes = 0;
  if (it != table.items.end()) {
    bytes = it->second.size;
    if (request.projection_expression().empty()) {
      *response.mutable_item() = it->second.item;
    } else {
      absl::StatusOr<Item> projected =
          Project(request.projection_expression(), context, it->second.item);
      if (!projected.ok()) return projected.status();
      *response.mutable_item() = *std::move(projected);
    }
  }
  if (!capacity.empty())
    ReadCapacity(table, capacity, bytes, request.consistent_read(),
                 response.mutable_consumed_capacity());
  return response;
}

absl::StatusOr<v1::DeleteItemResponse> DynamoDbSimulator::DeleteItem(
    const v1::DeleteItemRequest& request) {
  const absl::StatusOr<ItemMutation> mutation = ValidateItemMutation(
      ItemMutation::Kind::kDelete, "DeleteItem", request, {kNone, kAllOld}, "Key", request.key());
  if (!mutation.ok()) return mutation.status();

  PendingWakeups wake(watchers_);
  absl::MutexLock lock(&mu_);
  const absl::Time now = Now();
  TickLocked(now, wake);
  absl::StatusOr<ItemMutationPlan> plan = PlanItemMutationLocked(*mutation);
  if (!plan.ok()) return plan.status();
  v1::DeleteItemResponse response;
  const StoredItem* old = plan->write.old;
  if (old != nullptr && request.return_values() == kAllOld) {
    *response.mutable_attributes() = old->item;
  }
  SetWriteReport(ApplyItemMutationLocked(*std::move(plan), *mutation, now, wake), &response);
  return response;
}

absl::StatusOr<v1::UpdateItemResponse> DynamoDbSimulator::UpdateItem(
    const v1::UpdateItemRequest& request) {
  const absl::StatusOr<ItemMutation> mutation = ValidateItemMutation(
      ItemMutation::Kind::kUpdate, "UpdateItem", request,
      {kNone, kAllOld, kUpdatedOld, kAllNew, kUpdatedNew}, "Key", request.key());
  if (!mutation.ok()) return mutation.status();

  PendingWakeups wake(watchers_);
  absl::MutexLock lock(&mu_);
  const absl::Time now = Now();
  TickLocked(now, wake);
  absl::StatusOr<ItemMutationPlan> plan = PlanItemMutationLocked(*mutation);
  if (!plan.ok()) return plan.status();
  v1::UpdateItemResponse response;
  const Item* old = plan->write.old != nullptr ? &plan->write.old->item : nullptr;
  const Item& updated = *plan->write.new_item;
  const std::string& rv = request.return_values();
  if (rv == kAllOld && old != nullptr) {
    *response.mutable_attributes() = *old;
  } else if (rv == kAllNew) {
    *response.mutable_attributes() = updated;
  } else if (rv == kUpdatedOld && old != nullptr) {
    // The attributes the update changed or removed, as they were.
    for (const auto& [name, value] : *old) {
      auto n = updated.find(name);
      if (n == updated.end() || !AttributeValuesEqual(value, n->second)) {
        (*response.mutable_attributes())[name] = value;
      }
    }
  } else if (rv == kUpdatedNew) {
    // The attributes the update changed or added, as they are now.
    for (const auto& [name, value] : updated) {
      if (mutation->key_source.contains(name)) continue;
      auto o = old != nullptr ? old->find(name) : updated.end();
      if (old == nullptr || o == old->end() || !AttributeValuesEqual(value, o->second)) {
        (*response.mutable_attributes())[name] = value;
      }
    }
  }
  SetWriteReport(ApplyItemMutationLocked(*std::move(plan), *mutation, now, wake), &response);
  return response;
}

// --- Time to Live
// ----------------------------------------------------------------

absl::StatusOr<v1::UpdateTimeToLiveResponse> DynamoDbSimulator::UpdateTimeToLive(
    const v1::UpdateTimeToLiveRequest& request) {
  if (absl::Status s = CheckTableRef(request.table_name()); !s.ok()) return s;
  // TimeToLiveSpecification, its Enabled and AttributeName are the model's.
  const v1::TimeToLiveSpecification& spec = request.time_to_live_specification();

  PendingWakeups wake(watchers_);
  absl::MutexLock lock(&mu_);
  const absl::Time now = Now();
  TickLocked(now, wake);
  absl::StatusOr<Table*> found = FindTable(request.table_name());
  if (!found.ok()) return found.status();
  Table& table = **found;
  if (spec.enabled() && table.ttl_enabled) return Invalid("TimeToLive is already enabled");
  if (!spec.enabled() && !table.ttl_enabled) return Invalid("TimeToLive is already disabled");
  if (!spec.enabled() && spec.attribute_name() != table.ttl_attribute) {
    // Unverified wording.
    return Invalid(absl::StrCat("TimeToLive is active on a different AttributeName: current "
                                "AttributeName is ",
                                table.ttl_attribute),
                   "TimeToLiveSpecification.AttributeName");
  }
  if (table.ttl_changed && now - *table.ttl_changed < kTtlChangeInterval) {
    return Invalid(
        "Time to live has been modified multiple times within a "
        "fixed interval");
  }
  if (spec.enabled()) {
    table.ttl_enabled = true;
    table.ttl_attribute = spec.attribute_name();
    IndexTtlLocked(table, now);
  } else {
    UnindexTtlLocked(table);
    table.ttl_enabled = false;
    table.ttl_attribute.clear();
  }
  table.ttl_changed = now;
  v1::UpdateTimeToLiveResponse response;
  *response.mutable_time_to_live_specification() = spec;
  return response;
}

absl::StatusOr<v1::DescribeTimeToLiveResponse> DynamoDbSimulator::DescribeTimeToLive(
    const v1::DescribeTimeToLiveRequest& request) {
  if (absl::Status s = CheckTableRef(request.table_name()); !s.ok()) return s;
  PendingWakeups wake(watchers_);
  absl::MutexLock lock(&mu_);
  TickLocked(Now(), wake);
  absl::StatusOr<Table*> found = FindTable(request.table_name());
  if (!found.ok()) return found.status();
  v1::DescribeTimeToLiveResponse response;
  v1::TimeToLiveDescription* d = response.mutable_time_to_live_description();
  d->set_time_to_live_status((*found)->ttl_enabled ? kEnabled : kDisabled);
  if ((*found)->ttl_enabled) d->set_attribute_name((*found)->ttl_attribute);
  return response;
}

absl::StatusOr<v1::DescribeLimitsResponse> DynamoDbSimulator::DescribeLimits(
    const v1::DescribeLimitsRequest& /*request*/) {
  // The defaults of the DynamoDB Developer Guide's "Service, account, and
  // table quotas" (provisioned capacity, per Region); the simulator keeps no
  // account of its own to raise them.
  constexpr int64_t kAccountMaxCapacityUnits = 80000;
  constexpr int64_t kTableMaxCapacityUnits = 40000;
  v1::DescribeLimitsResponse response;
  response.set_account_max_read_capacity_units(kAccountMaxCapacityUnits);
  response.set_account_max_write_capacity_units(kAccountMaxCapacityUnits);
  response.set_table_max_read_capacity_units(kTableMaxCapacityUnits);
  response.set_table_max_write_capacity_units(kTableMaxCapacityUnits);
  return response;
}

absl::StatusOr<v1::ListTablesResponse> DynamoDbSimulator::ListTables(
    const v1::ListTablesRequest& request) {
  constexpr int kDefaultLimit = 100;  // also the model's maximum
  const int limit = request.has_limit() ? request.limit() : kDefaultLimit;
  PendingWakeups wake(watchers_);
  absl::MutexLock lock(&mu_);
  TickLocked(Now(), wake);
  // Names in byte order, which for the table-name alphabet is AWS's
  // ascending order. The start name is a position, not a table that must
  // exist: the page begins after it.
  auto it = request.exclusive_start_table_name().empty()
                ? tables_.begin()
                : tables_.upper_bound(request.exclusive_start_table_name());
  v1::ListTablesResponse response;
  for (; it != tables_.end() && response.table_names_size() < limit; ++it) {
    response.add_table_names(it->first);
  }
  if (it != tables_.end() && response.table_names_size() > 0) {
    response.set_last_evaluated_table_name(response.table_names(response.table_names_size() - 1));
  }
  return response;
}

// --- Query and Scan (dynamodb_query.h) -------------------------------------

template <typename Response, typename Request>
absl::StatusOr<Response> DynamoDbSimulator::ReadItems(
    const Request& request, absl::StatusOr<PreparedRead> (*prepare)(const Request&),
    absl::StatusOr<Response> (*run)(const ReadTarget&, const PreparedRead&, const Request&)) {
  if (absl::Status s = CheckTableRef(request.table_name()); !s.ok()) return s;
  const std::string capacity = CapacityMode(request.return_consumed_capacity());
  absl::StatusOr<PreparedRead> prepared = prepare(request);
  if (!prepared.ok()) return prepared.status();
  prepared->capacity_mode = capacity;

  PendingWakeups wake(watchers_);
  absl::MutexLock lock(&mu_);
  TickLocked(Now(), wake);
  absl::StatusOr<Table*> found = FindTable(request.table_name());
  if (!found.ok()) return found.status();
  const Table& table = **found;
  ReadTarget target;
  target.table_name = table.name;
  target.key_schema = table.key_schema;
  target.attribute_definitions = table.attribute_definitions;
  for (const Index& index : table.indexes) {
    target.indexes.push_back(
        ReadIndex{index.name, index.global, index.key_schema, index.projection});
  }
  target.order = &table.order;
  target.find = [&table](const std::string& key) {
    const StoredItem& stored = table.items.at(key);
    return StoredItemRef{&stored.item, stored.size};
  };
  return run(target, *prepared, request);
}

absl::StatusOr<v1::QueryResponse> DynamoDbSimulator::Query(const v1::QueryRequest& request) {
  return ReadItems<v1::QueryResponse>(request, &PrepareQuery, &RunQuery);
}

absl::StatusOr<v1::ScanResponse> DynamoDbSimulator::Scan(const v1::ScanRequest& request) {
  return ReadItems<v1::ScanResponse>(request, &PrepareScan, &RunScan);
}

// --- Streams
// -------------------------------------------------------------------

// The store answers as of the time this call's housekeeping ran to, under
// the table lock: with a second clock reading, its own housekeeping could
// run ahead of a Time to Live deletion due in between.
#define AWSFACADE_STREAMS_READ(Op)                             \
  absl::StatusOr<streams::Op##Response> DynamoDbSimulator::Op( \
      const streams::Op##Request& request) {                   \
    PendingWakeups wake(watchers_);                            \
    absl::MutexLock lock(&mu_);                                \
    const absl::Time now = Now();                              \
    TickLocked(now, wake);                                     \
    return store_.Op(request, now);                            \
  }
AWSFACADE_STREAMS_READ(ListStreams)
AWSFACADE_STREAMS_READ(DescribeStream)
AWSFACADE_STREAMS_READ(GetShardIterator)
AWSFACADE_STREAMS_READ(GetRecords)
#undef AWSFACADE_STREAMS_READ

absl::StatusOr<ShardRollover> DynamoDbSimulator::ForceShardRollover(absl::string_view stream_arn) {
  PendingWakeups wake(watchers_);
  absl::MutexLock lock(&mu_);
  const absl::Time now = Now();
  TickLocked(now, wake);
  absl::StatusOr<ShardRollover> out = store_.ForceShardRollover(stream_arn, now);
  if (out.ok()) wake.Add(stream_arn);
  return out;
}

void DynamoDbSimulator::Reset() {
  absl::MutexLock lock(&mu_);
  tables_.clear();
  tables_by_uid_.clear();
  ttl_index_.clear();
  transaction_tokens_.clear();
  store_.Reset();
}

// --- Persistence -------------------------------------------------------------

namespace {

namespace state = ::awsfacade::simulator::state;

int64_t ToNanos(absl::Time t) { return absl::ToUnixNanos(t); }
absl::Time FromNanos(int64_t n) { return absl::FromUnixNanos(n); }

std::optional<absl::Time> OptionalTime(bool has, int64_t nanos) {
  if (!has) return std::nullopt;
  return FromNanos(nanos);
}

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("DynamoDB state: ", what));
}

}  // namespace

void DynamoDbSimulator::SaveState(state::DynamoDbState* out) const {
  absl::MutexLock lock(&mu_);
  out->Clear();
  out->set_next_table_uid(next_table_uid_);
  for (const auto& [name, table] : tables_) {
    state::DynamoDbTable* t = out->add_tables();
    t->set_uid(table->uid);
    t->set_name(table->name);
    t->set_arn(table->arn);
    t->set_id(table->id);
    t->set_created_unix_nanos(ToNanos(table->created));
    for (const auto& a : table->attribute_definitions) *t->add_attribute_definitions() = a;
    for (const auto& k : table->key_schema) *t->add_key_schema() = k;
    t->set_billing_mode(table->billing_mode);
    t->set_billing_mode_explicit(table->billing_mode_explicit);
    if (table->pay_per_request_since) {
      t->set_pay_per_request_since_unix_nanos(ToNanos(*table->pay_per_request_since));
    }
    *t->mutable_throughput() = table->throughput;
    if (table->last_increase) t->set_last_increase_unix_nanos(ToNanos(*table->last_increase));
    if (table->last_decrease) t->set_last_decrease_unix_nanos(ToNanos(*table->last_decrease));
    t->set_decreases_today(table->decreases_today);
    for (const Index& index : table->indexes) {
      state::DynamoDbIndex* i = t->add_indexes();
      i->set_name(index.name);
      i->set_global(index.global);
      for (const auto& k : index.key_schema) *i->add_key_schema() = k;
      *i->mutable_projection() = index.projection;
      *i->mutable_throughput() = index.throughput;
      *i->mutable_on_demand() = index.on_demand;
    }
    t->set_table_class(table->table_class);
    if (table->table_class_since) {
      t->set_table_class_since_unix_nanos(ToNanos(*table->table_class_since));
    }
    t->set_deletion_protection(table->deletion_protection);
    *t->mutable_sse() = table->sse;
    *t->mutable_on_demand() = table->on_demand;
    *t->mutable_warm() = table->warm;
    for (const auto& tag : table->tags) *t->add_tags() = tag;
    t->set_stream_arn(table->stream_arn);
    t->set_stream_label(table->stream_label);
    t->set_stream_view_type(table->stream_view_type);
    t->set_stream_enabled(table->stream_enabled);
    t->set_ttl_attribute(table->ttl_attribute);
    t->set_ttl_enabled(table->ttl_enabled);
    if (table->ttl_changed) t->set_ttl_changed_unix_nanos(ToNanos(*table->ttl_changed));
    // The hash map's order is arbitrary; the saved one is by key.
    std::vector<const std::pair<const std::string, StoredItem>*> items;
    items.reserve(table->items.size());
    for (const auto& entry : table->items) items.push_back(&entry);
    std::sort(items.begin(), items.end(),
              [](const auto* a, const auto* b) { return a->first < b->first; });
    for (const auto* entry : items) {
      state::DynamoDbItem* i = t->add_items();
      *i->mutable_item() = entry->second.item;
      if (entry->second.ttl) {
        i->set_ttl_expiry_seconds(*entry->second.ttl);
        i->set_ttl_due_unix_nanos(ToNanos(entry->second.ttl_due));
      }
    }
  }
  store_.SaveState(out->mutable_streams());
}

absl::Status DynamoDbSimulator::LoadState(const state::DynamoDbState& in) {
  // Streams the store will hold ENABLED, by ARN, with their table names:
  // each must belong to the table whose stream it is.
  absl::flat_hash_map<std::string, std::string> enabled_streams;
  for (const state::DynamoDbStream& s : in.streams().streams()) {
    if (!s.has_disabled_unix_nanos()) enabled_streams[s.arn()] = s.table_name();
  }
  // Built aside and swapped in, so a rejected state changes nothing.
  absl::btree_map<std::string, std::unique_ptr<Table>> tables;
  absl::flat_hash_map<uint64_t, Table*> by_uid;
  absl::btree_set<std::tuple<absl::Time, uint64_t, std::string>> ttl_index;
  size_t owned_streams = 0;
  for (const state::DynamoDbTable& t : in.tables()) {
    const std::string where = absl::StrCat("table '", t.name(), "'");
    if (!CheckName("TableName", t.name()).ok()) return Corrupt(absl::StrCat(where, ": bad name"));
    auto owned = std::make_unique<Table>();
    Table& table = *owned;
    if (!tables.emplace(t.name(), std::move(owned)).second) {
      return Corrupt(absl::StrCat(where, " appears twice"));
    }
    if (t.uid() == 0 || t.uid() >= in.next_table_uid() || !by_uid.emplace(t.uid(), &table).second) {
      return Corrupt(absl::StrCat(where, ": uid ", t.uid(), " repeated or not yet issued"));
    }
    table.uid = t.uid();
    table.name = t.name();
    table.arn = t.arn();
    table.id = t.id();
    table.created = FromNanos(t.created_unix_nanos());
    table.attribute_definitions.assign(t.attribute_definitions().begin(),
                                       t.attribute_definitions().end());
    table.key_schema.assign(t.key_schema().begin(), t.key_schema().end());
    // The key attributes and their types, as CreateTable derived them.
    auto type_of = [&](const std::string& name) -> std::string {
      for (const auto& a : table.attribute_definitions) {
        if (a.attribute_name() == name) return a.attribute_type();
      }
      return "";
    };
    const auto key_ok = [&](int i, const char* key_type, std::string* name, std::string* type) {
      *name = t.key_schema(i).attribute_name();
      *type = type_of(*name);
      return t.key_schema(i).key_type() == key_type && !name->empty() &&
             (*type == "S" || *type == "N" || *type == "B");
    };
    if (t.key_schema_size() < 1 || t.key_schema_size() > 2 ||
        !key_ok(0, kHash, &table.hash_key, &table.hash_type) ||
        (t.key_schema_size() == 2 && !key_ok(1, kRange, &table.range_key, &table.range_type))) {
      return Corrupt(absl::StrCat(where, ": bad key schema"));
    }
    if (t.billing_mode() != kProvisioned && t.billing_mode() != kPayPerRequest) {
      return Corrupt(absl::StrCat(where, ": bad billing mode '", t.billing_mode(), "'"));
    }
    table.billing_mode = t.billing_mode();
    table.billing_mode_explicit = t.billing_mode_explicit();
    table.pay_per_request_since = OptionalTime(t.has_pay_per_request_since_unix_nanos(),
                                               t.pay_per_request_since_unix_nanos());
    table.throughput = t.throughput();
    table.last_increase =
        OptionalTime(t.has_last_increase_unix_nanos(), t.last_increase_unix_nanos());
    table.last_decrease =
        OptionalTime(t.has_last_decrease_unix_nanos(), t.last_decrease_unix_nanos());
    table.decreases_today = t.decreases_today();
    for (const state::DynamoDbIndex& i : t.indexes()) {
      Index index;
      index.name = i.name();
      index.global = i.global();
      index.key_schema.assign(i.key_schema().begin(), i.key_schema().end());
      index.projection = i.projection();
      index.throughput = i.throughput();
      index.on_demand = i.on_demand();
      table.indexes.push_back(std::move(index));
    }
    table.table_class = t.table_class();
    table.table_class_since =
        OptionalTime(t.has_table_class_since_unix_nanos(), t.table_class_since_unix_nanos());
    table.deletion_protection = t.deletion_protection();
    table.sse = t.sse();
    table.on_demand = t.on_demand();
    table.warm = t.warm();
    table.tags.assign(t.tags().begin(), t.tags().end());
    table.stream_arn = t.stream_arn();
    table.stream_label = t.stream_label();
    table.stream_view_type = t.stream_view_type();
    table.stream_enabled = t.stream_enabled();
    if (table.stream_enabled) {
      auto s = enabled_streams.find(table.stream_arn);
      if (s == enabled_streams.end() || s->second != table.name) {
        return Corrupt(absl::StrCat(where, ": its stream ", table.stream_arn,
                                    " is not an enabled stream of this table"));
      }
      ++owned_streams;
    }
    table.ttl_attribute = t.ttl_attribute();
    table.ttl_enabled = t.ttl_enabled();
    table.ttl_changed = OptionalTime(t.has_ttl_changed_unix_nanos(), t.ttl_changed_unix_nanos());
    const bool has_lsi = std::any_of(table.indexes.begin(), table.indexes.end(),
                                     [](const Index& i) { return !i.global; });
    for (const state::DynamoDbItem& i : t.items()) {
      // A state saved before numbers were kept canonical has them as they
      // were sent: rewritten here as a write would store them today (the
      // same numbers). Stream records keep the text they were emitted with.
      absl::StatusOr<Item> item = CanonicalAttributes(i.item());
      if (!item.ok()) {
        return Corrupt(absl::StrCat(where, ": an invalid item: ", item.status().message()));
      }
      std::string partition;
      absl::StatusOr<std::string> key = KeyOf(table, *item, false, &partition);
      if (!key.ok()) {
        return Corrupt(
            absl::StrCat(where, ": an item without a valid key: ", key.status().message()));
      }
      if (i.has_ttl_expiry_seconds() != i.has_ttl_due_unix_nanos() ||
          (i.has_ttl_expiry_seconds() && !table.ttl_enabled)) {
        return Corrupt(absl::StrCat(where, ": item ", *key, " has inconsistent TTL fields"));
      }
      StoredItem stored;
      stored.item = *std::move(item);
      stored.size = ItemSizeBytes(stored.item);
      if (i.has_ttl_expiry_seconds()) {
        stored.ttl = i.ttl_expiry_seconds();
        stored.ttl_due = FromNanos(i.ttl_due_unix_nanos());
        ttl_index.insert({stored.ttl_due, table.uid, *key});
      }
      table.size_bytes += stored.size;
      if (has_lsi) table.collections[partition] += stored.size;
      auto [slot, inserted] = table.items.emplace(*key, std::move(stored));
      if (!inserted) return Corrupt(absl::StrCat(where, ": two items with key ", *key));
      table.order.Add(slot->second.item, table.hash_key, table.range_key, *key);
    }
  }
  if (owned_streams != enabled_streams.size()) {
    return Corrupt("an ENABLED stream belongs to no table");
  }
  // Last, as it swaps the streams in when it succeeds.
  if (absl::Status s = store_.LoadState(in.streams()); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  next_table_uid_ = in.next_table_uid();
  tables_ = std::move(tables);
  tables_by_uid_ = std::move(by_uid);
  ttl_index_ = std::move(ttl_index);
  return absl::OkStatus();
}

}  // namespace awsfacade::backends::simulator
