#include "service/consumer_groups/lease_table.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "backends/common/aws_error.h"
#include "backends/common/crypto.h"

namespace awsfacade::service::consumer_groups {
namespace {

namespace ddb = ::aws::dynamodb::v1;
namespace streams = ::aws::dynamodbstreams::v1;
using Item = ::google::protobuf::Map<std::string, ddb::AttributeValue>;

// The KCL's attribute names (DynamoDBLeaseSerializer).
constexpr char kLeaseKey[] = "leaseKey";
constexpr char kLeaseOwner[] = "leaseOwner";
constexpr char kLeaseCounter[] = "leaseCounter";
constexpr char kCheckpoint[] = "checkpoint";
constexpr char kCheckpointSub[] = "checkpointSubSequenceNumber";
constexpr char kOwnerSwitches[] = "ownerSwitchesSinceCheckpoint";
constexpr char kParentShardId[] = "parentShardId";
constexpr char kChildShardId[] = "childShardId";
// The facade's own attributes (not the KCL's).
constexpr char kMillisBehind[] = "awsfacadeMillisBehindLatest";
constexpr char kMembers[] = "members";
constexpr char kGroupNames[] = "groupNames";

constexpr char kTablePrefix[] = "awsfacade-cg-";
constexpr size_t kMaxGroupChars = 128;
constexpr char kHeldCondition[] = "leaseCounter = :seen AND leaseOwner = :holder";
constexpr char kLostFormat[] = "lease on shard %s in %s: leaseCounter is no longer %d";

ddb::AttributeValue S(absl::string_view s) {
  ddb::AttributeValue v;
  v.set_s(std::string(s));
  return v;
}
ddb::AttributeValue N(int64_t n) {
  ddb::AttributeValue v;
  v.set_n(absl::StrCat(n));
  return v;
}
ddb::AttributeValue SS(absl::Span<const std::string> values) {
  ddb::AttributeValue v;
  for (const std::string& s : values) v.mutable_ss()->add_values(s);
  return v;
}

std::string StringOf(const Item& item, const char* name) {
  auto it = item.find(name);
  return it != item.end() && it->second.has_s() ? it->second.s() : std::string();
}

absl::StatusOr<int64_t> NumberOf(const Item& item, const char* name, absl::string_view table,
                                 bool required) {
  auto it = item.find(name);
  int64_t n = 0;
  if (it == item.end() && !required) return 0;
  if (it == item.end() || !it->second.has_n() || !absl::SimpleAtoi(it->second.n(), &n)) {
    return absl::DataLossError(absl::StrCat("lease table ", table, ": item ",
                                            StringOf(item, kLeaseKey), " has no whole number ",
                                            name));
  }
  return n;
}

std::vector<std::string> SetOf(const Item& item, const char* name) {
  auto it = item.find(name);
  if (it == item.end() || !it->second.has_ss()) return {};
  std::vector<std::string> out(it->second.ss().values().begin(), it->second.ss().values().end());
  std::sort(out.begin(), out.end());
  return out;
}

absl::StatusOr<Lease> LeaseOf(const Item& item, absl::string_view table) {
  Lease lease;
  lease.lease_key = StringOf(item, kLeaseKey);
  lease.owner = StringOf(item, kLeaseOwner);
  absl::StatusOr<int64_t> counter = NumberOf(item, kLeaseCounter, table, /*required=*/true);
  if (!counter.ok()) return counter.status();
  lease.counter = *counter;
  lease.checkpoint = StringOf(item, kCheckpoint);
  absl::StatusOr<int64_t> sub = NumberOf(item, kCheckpointSub, table, false);
  if (!sub.ok()) return sub.status();
  lease.checkpoint_sub_sequence_number = *sub;
  absl::StatusOr<int64_t> switches = NumberOf(item, kOwnerSwitches, table, false);
  if (!switches.ok()) return switches.status();
  lease.owner_switches_since_checkpoint = *switches;
  lease.parent_shard_ids = SetOf(item, kParentShardId);
  lease.child_shard_ids = SetOf(item, kChildShardId);
  if (item.contains(kMillisBehind)) {
    absl::StatusOr<int64_t> lag = NumberOf(item, kMillisBehind, table, false);
    if (!lag.ok()) return lag.status();
    lease.millis_behind_latest = *lag;
  }
  return lease;
}

bool ValidCheckpoint(absl::string_view checkpoint) {
  if (checkpoint == kTrimHorizon || checkpoint == kLatest || checkpoint == kShardEnd) return true;
  return !checkpoint.empty() && checkpoint.size() <= 40 &&
         std::all_of(checkpoint.begin(), checkpoint.end(), absl::ascii_isdigit);
}

}  // namespace

bool operator==(const Lease& a, const Lease& b) {
  return a.lease_key == b.lease_key && a.owner == b.owner && a.counter == b.counter &&
         a.checkpoint == b.checkpoint &&
         a.checkpoint_sub_sequence_number == b.checkpoint_sub_sequence_number &&
         a.owner_switches_since_checkpoint == b.owner_switches_since_checkpoint &&
         a.parent_shard_ids == b.parent_shard_ids && a.child_shard_ids == b.child_shard_ids &&
         a.millis_behind_latest == b.millis_behind_latest;
}

absl::StatusOr<std::vector<streams::Shard>> ListStreamShards(
    backends::DynamoDbStreamsBackend& backend, absl::string_view stream_arn) {
  std::vector<streams::Shard> shards;
  streams::DescribeStreamRequest request;
  request.set_stream_arn(std::string(stream_arn));
  while (true) {
    absl::StatusOr<streams::DescribeStreamResponse> response = backend.DescribeStream(request);
    if (!response.ok()) return response.status();
    const streams::StreamDescription& description = response->stream_description();
    shards.insert(shards.end(), description.shards().begin(), description.shards().end());
    if (description.last_evaluated_shard_id().empty()) return shards;
    request.set_exclusive_start_shard_id(description.last_evaluated_shard_id());
  }
}

absl::StatusOr<std::vector<std::string>> StreamShardLeaseKeys::LeaseKeys() {
  absl::StatusOr<std::vector<streams::Shard>> shards = ListStreamShards(*streams_, stream_arn_);
  if (!shards.ok()) return shards.status();
  std::vector<std::string> keys;
  keys.reserve(shards->size());
  for (const streams::Shard& shard : *shards) keys.push_back(shard.shard_id());
  return keys;
}

absl::StatusOr<std::string> LeaseTable::TableName(absl::string_view group,
                                                  absl::string_view stream_arn) {
  const bool valid_chars = std::all_of(group.begin(), group.end(), [](char c) {
    return absl::ascii_isalnum(c) || c == '_' || c == '-' || c == '.';
  });
  if (group.empty() || group.size() > kMaxGroupChars || !valid_chars) {
    return backends::AwsError(
        "ValidationException",
        absl::StrCat("group name must be 1 to ", kMaxGroupChars,
                     " characters of [A-Za-z0-9_.-], got \"", absl::CHexEscape(group), "\""),
        "GroupName");
  }
  const std::string digest = absl::BytesToHexString(backends::AsView(backends::Sha256(stream_arn)));
  return absl::StrCat(kTablePrefix, group, "-", digest.substr(0, 16));
}

absl::StatusOr<std::unique_ptr<LeaseTable>> LeaseTable::Create(backends::DynamoDbBackend* ddb,
                                                               absl::string_view group,
                                                               absl::string_view stream_arn) {
  absl::StatusOr<std::string> name = TableName(group, stream_arn);
  if (!name.ok()) return name.status();
  return std::unique_ptr<LeaseTable>(new LeaseTable(ddb, *std::move(name)));
}

absl::StatusOr<LeaseTable::TableState> LeaseTable::EnsureTable() {
  ddb::DescribeTableRequest describe;
  describe.set_table_name(table_name_);
  absl::StatusOr<ddb::DescribeTableResponse> described = ddb_->DescribeTable(describe);
  if (described.ok()) {
    // A table of that name keyed otherwise is not ours: writing leases into
    // it would fail item by item, so say so once, here.
    const auto& key_schema = described->table().key_schema();
    if (key_schema.size() != 1 || key_schema[0].attribute_name() != kLeaseKey) {
      return backends::AwsError(
          "ResourceInUseException",
          absl::StrCat("table ", table_name_,
                       " exists but is not a lease table: its key is not leaseKey alone"));
    }
    return described->table().table_status() == "ACTIVE" ? TableState::kActive
                                                         : TableState::kCreating;
  }
  if (backends::AwsErrorName(described.status()) != "ResourceNotFoundException") {
    return described.status();
  }
  ddb::CreateTableRequest create;
  create.set_table_name(table_name_);
  create.set_billing_mode("PAY_PER_REQUEST");
  ddb::AttributeDefinition* key = create.add_attribute_definitions();
  key->set_attribute_name(kLeaseKey);
  key->set_attribute_type("S");
  ddb::KeySchemaElement* hash = create.add_key_schema();
  hash->set_attribute_name(kLeaseKey);
  hash->set_key_type("HASH");
  absl::StatusOr<ddb::CreateTableResponse> created = ddb_->CreateTable(create);
  // ResourceInUseException: another member or replica created it first.
  if (!created.ok() && backends::AwsErrorName(created.status()) != "ResourceInUseException") {
    return created.status();
  }
  // Even when CreateTable answers ACTIVE, the next call's DescribeTable says
  // so; answering kCreating here keeps one code path for AWS and simulator.
  return TableState::kCreating;
}

absl::StatusOr<bool> LeaseTable::CreateLeaseIfAbsent(const Lease& lease) {
  ddb::PutItemRequest request;
  request.set_table_name(table_name_);
  Item& item = *request.mutable_item();
  item[kLeaseKey] = S(lease.lease_key);
  if (!lease.owner.empty()) item[kLeaseOwner] = S(lease.owner);
  item[kLeaseCounter] = N(lease.counter);
  item[kCheckpoint] = S(lease.checkpoint);
  item[kCheckpointSub] = N(lease.checkpoint_sub_sequence_number);
  item[kOwnerSwitches] = N(lease.owner_switches_since_checkpoint);
  // DynamoDB has no empty sets: the attribute is left out, as the KCL does.
  if (!lease.parent_shard_ids.empty()) item[kParentShardId] = SS(lease.parent_shard_ids);
  if (!lease.child_shard_ids.empty()) item[kChildShardId] = SS(lease.child_shard_ids);
  request.set_condition_expression("attribute_not_exists(leaseKey)");
  absl::StatusOr<ddb::PutItemResponse> response = ddb_->PutItem(request);
  if (response.ok()) return true;
  if (backends::AwsErrorName(response.status()) == "ConditionalCheckFailedException") return false;
  return response.status();
}

namespace {

// The item of `key` in `table`, read consistently.
absl::StatusOr<ddb::GetItemResponse> GetByKey(backends::DynamoDbBackend& ddb,
                                              absl::string_view table, absl::string_view key) {
  ddb::GetItemRequest request;
  request.set_table_name(std::string(table));
  (*request.mutable_key())[kLeaseKey] = S(key);
  request.set_consistent_read(true);
  return ddb.GetItem(request);
}

}  // namespace

absl::StatusOr<std::optional<Lease>> LeaseTable::GetLease(absl::string_view lease_key) {
  absl::StatusOr<ddb::GetItemResponse> response = GetByKey(*ddb_, table_name_, lease_key);
  if (!response.ok()) return response.status();
  if (response->item().empty()) return std::nullopt;
  absl::StatusOr<Lease> lease = LeaseOf(response->item(), table_name_);
  if (!lease.ok()) return lease.status();
  return *std::move(lease);
}

absl::StatusOr<std::vector<Lease>> LeaseTable::ListLeases(LeaseKeySource& keys) {
  absl::StatusOr<std::vector<std::string>> lease_keys = keys.LeaseKeys();
  if (!lease_keys.ok()) return lease_keys.status();
  std::vector<Lease> leases;
  for (const std::string& key : *lease_keys) {
    absl::StatusOr<std::optional<Lease>> lease = GetLease(key);
    if (!lease.ok()) return lease.status();
    if (lease->has_value()) leases.push_back(**std::move(lease));
  }
  return leases;
}

namespace {

// An UpdateItem of one lease, conditional on what the caller saw: leaseCounter
// moves to seen + 1 in the same write, so any other writer's condition fails.
struct LeaseUpdate {
  ddb::UpdateItemRequest request;
  std::string set = "SET leaseCounter = :next";
  std::string add;
  std::string remove;
};

LeaseUpdate StartUpdate(absl::string_view table, const Lease& seen) {
  LeaseUpdate update;
  update.request.set_table_name(std::string(table));
  (*update.request.mutable_key())[kLeaseKey] = S(seen.lease_key);
  auto& values = *update.request.mutable_expression_attribute_values();
  values[":seen"] = N(seen.counter);
  values[":next"] = N(seen.counter + 1);
  update.request.set_return_values("ALL_NEW");
  return update;
}

void Set(LeaseUpdate& update, absl::string_view attribute, absl::string_view placeholder,
         ddb::AttributeValue value) {
  absl::StrAppend(&update.set, ", ", attribute, " = ", placeholder);
  (*update.request.mutable_expression_attribute_values())[std::string(placeholder)] =
      std::move(value);
}

absl::StatusOr<Lease> RunLeaseUpdate(backends::DynamoDbBackend& ddb, absl::string_view table,
                                     const Lease& seen, LeaseUpdate update,
                                     absl::string_view condition) {
  std::string expression = update.set;
  if (!update.add.empty()) absl::StrAppend(&expression, " ADD ", update.add);
  if (!update.remove.empty()) absl::StrAppend(&expression, " REMOVE ", update.remove);
  update.request.set_update_expression(expression);
  update.request.set_condition_expression(std::string(condition));
  absl::StatusOr<ddb::UpdateItemResponse> response = ddb.UpdateItem(update.request);
  if (!response.ok()) {
    if (backends::AwsErrorName(response.status()) == "ConditionalCheckFailedException") {
      std::string message = absl::StrFormat(kLostFormat, seen.lease_key, table, seen.counter);
      if (!seen.owner.empty()) absl::StrAppend(&message, " or no longer held by ", seen.owner);
      return backends::AwsError(kLeaseLostException, message);
    }
    return response.status();
  }
  return LeaseOf(response->attributes(), table);
}

}  // namespace

absl::StatusOr<Lease> LeaseTable::TakeLease(const Lease& seen, absl::string_view new_owner) {
  LeaseUpdate update = StartUpdate(table_name_, seen);
  Set(update, kLeaseOwner, ":owner", S(new_owner));
  if (!seen.owner.empty() && seen.owner != new_owner) {
    update.add = "ownerSwitchesSinceCheckpoint :one";
    (*update.request.mutable_expression_attribute_values())[":one"] = N(1);
  }
  Lease unowned_view = seen;
  unowned_view.owner.clear();  // the message names the counter only: any owner may have lost it
  return RunLeaseUpdate(*ddb_, table_name_, unowned_view, std::move(update),
                        "leaseCounter = :seen");
}

absl::StatusOr<Lease> LeaseTable::RenewLease(const Lease& held) {
  LeaseUpdate update = StartUpdate(table_name_, held);
  (*update.request.mutable_expression_attribute_values())[":holder"] = S(held.owner);
  if (held.millis_behind_latest >= 0)
    Set(update, kMillisBehind, ":lag", N(held.millis_behind_latest));
  return RunLeaseUpdate(*ddb_, table_name_, held, std::move(update), kHeldCondition);
}

absl::StatusOr<Lease> LeaseTable::Checkpoint(const Lease& held, absl::string_view checkpoint,
                                             int64_t sub_sequence_number,
                                             absl::Span<const std::string> child_shard_ids) {
  if (!ValidCheckpoint(checkpoint) || sub_sequence_number < 0) {
    return backends::AwsError(
        "ValidationException",
        absl::StrCat("checkpoint must be a sequence number, ", kShardEnd, ", ", kTrimHorizon,
                     " or ", kLatest, ", with a non-negative sub-sequence number; got \"",
                     absl::CHexEscape(checkpoint), "\"/", sub_sequence_number),
        "checkpoint");
  }
  LeaseUpdate update = StartUpdate(table_name_, held);
  (*update.request.mutable_expression_attribute_values())[":holder"] = S(held.owner);
  Set(update, kCheckpoint, ":checkpoint", S(checkpoint));
  Set(update, kCheckpointSub, ":sub", N(sub_sequence_number));
  Set(update, kOwnerSwitches, ":zero", N(0));
  if (!child_shard_ids.empty()) Set(update, kChildShardId, ":children", SS(child_shard_ids));
  return RunLeaseUpdate(*ddb_, table_name_, held, std::move(update), kHeldCondition);
}

absl::StatusOr<Lease> LeaseTable::HandOver(const Lease& held, absl::string_view new_owner) {
  LeaseUpdate update = StartUpdate(table_name_, held);
  (*update.request.mutable_expression_attribute_values())[":holder"] = S(held.owner);
  if (new_owner.empty()) {
    update.remove = kLeaseOwner;
  } else {
    Set(update, kLeaseOwner, ":owner", S(new_owner));
    if (new_owner != held.owner) {
      update.add = "ownerSwitchesSinceCheckpoint :one";
      (*update.request.mutable_expression_attribute_values())[":one"] = N(1);
    }
  }
  return RunLeaseUpdate(*ddb_, table_name_, held, std::move(update), kHeldCondition);
}

namespace {

bool ConditionFailed(const absl::Status& status) {
  return backends::AwsErrorName(status) == "ConditionalCheckFailedException";
}

ddb::UpdateItemRequest MembersUpdate(absl::string_view table, absl::string_view owner) {
  ddb::UpdateItemRequest request;
  request.set_table_name(std::string(table));
  (*request.mutable_key())[kLeaseKey] = S(kMembersKey);
  (*request.mutable_expression_attribute_names())["#m"] = std::string(owner);
  return request;
}

}  // namespace

absl::Status LeaseTable::Heartbeat(absl::string_view owner, int64_t beat) {
  ddb::UpdateItemRequest request = MembersUpdate(table_name_, owner);
  request.set_update_expression("SET members.#m = :beat");
  request.set_condition_expression("attribute_exists(members)");
  (*request.mutable_expression_attribute_values())[":beat"] = N(beat);
  absl::StatusOr<ddb::UpdateItemResponse> response = ddb_->UpdateItem(request);
  if (response.ok() || !ConditionFailed(response.status())) return response.status();
  // The first member ever: a path into a map needs the map. Two members
  // creating it at once both keep theirs: if_not_exists never overwrites.
  ddb::UpdateItemRequest create;
  create.set_table_name(table_name_);
  (*create.mutable_key())[kLeaseKey] = S(kMembersKey);
  create.set_update_expression("SET members = if_not_exists(members, :empty)");
  (*create.mutable_expression_attribute_values())[":empty"].mutable_m();
  if (absl::StatusOr<ddb::UpdateItemResponse> made = ddb_->UpdateItem(create); !made.ok()) {
    return made.status();
  }
  return ddb_->UpdateItem(request).status();
}

absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> LeaseTable::ListMembers() {
  absl::StatusOr<ddb::GetItemResponse> response = GetByKey(*ddb_, table_name_, kMembersKey);
  if (!response.ok()) return response.status();
  std::vector<std::pair<std::string, int64_t>> members;
  auto it = response->item().find(kMembers);
  if (it == response->item().end() || !it->second.has_m()) return members;
  for (const auto& [owner, value] : it->second.m().values()) {
    int64_t beat = 0;
    if (value.has_n() && absl::SimpleAtoi(value.n(), &beat)) members.emplace_back(owner, beat);
  }
  std::sort(members.begin(), members.end());
  return members;
}

absl::Status LeaseTable::RemoveMember(absl::string_view owner, std::optional<int64_t> beat) {
  ddb::UpdateItemRequest request = MembersUpdate(table_name_, owner);
  request.set_update_expression("REMOVE members.#m");
  if (beat.has_value()) {
    request.set_condition_expression("members.#m = :beat");
    (*request.mutable_expression_attribute_values())[":beat"] = N(*beat);
  }
  absl::StatusOr<ddb::UpdateItemResponse> response = ddb_->UpdateItem(request);
  if (!response.ok() && ConditionFailed(response.status())) return absl::OkStatus();
  return response.status();
}

std::unique_ptr<LeaseTable> LeaseTable::Registry(backends::DynamoDbBackend* ddb) {
  return std::unique_ptr<LeaseTable>(new LeaseTable(ddb, kRegistryTableName));
}

absl::Status LeaseTable::RegisterGroup(absl::string_view stream_arn, absl::string_view group) {
  ddb::UpdateItemRequest request;
  request.set_table_name(table_name_);
  (*request.mutable_key())[kLeaseKey] = S(stream_arn);
  request.set_update_expression("ADD groupNames :group");
  (*request.mutable_expression_attribute_values())[":group"] = SS({std::string(group)});
  return ddb_->UpdateItem(request).status();
}

absl::StatusOr<std::vector<std::string>> LeaseTable::ListGroups(absl::string_view stream_arn) {
  absl::StatusOr<ddb::GetItemResponse> response = GetByKey(*ddb_, table_name_, stream_arn);
  if (!response.ok()) {
    // No registry yet: no group has had a member.
    if (backends::AwsErrorName(response.status()) == "ResourceNotFoundException") {
      return std::vector<std::string>();
    }
    return response.status();
  }
  return SetOf(response->item(), kGroupNames);
}

absl::StatusOr<int> CreateMissingLeases(LeaseTable& table, absl::Span<const streams::Shard> shards,
                                        absl::string_view initial_position) {
  int created = 0;
  for (const streams::Shard& shard : shards) {
    Lease lease;
    lease.lease_key = shard.shard_id();
    lease.checkpoint = std::string(initial_position);
    if (!shard.parent_shard_id().empty()) lease.parent_shard_ids = {shard.parent_shard_id()};
    absl::StatusOr<bool> done = table.CreateLeaseIfAbsent(lease);
    if (!done.ok()) return done.status();
    created += *done ? 1 : 0;
  }
  return created;
}

}  // namespace awsfacade::service::consumer_groups
