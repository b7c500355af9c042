#include "backends/simulator/personalize_simulator.h"

#include <array>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "backends/common/aws_error.h"
#include "backends/common/aws_error_names.h"
#include "backends/request_validator.h"
#include "backends/simulator/derived_ids.h"
#include "nlohmann/json.hpp"

namespace awsfacade::backends::simulator {
namespace {

namespace v1 = ::aws::personalize::v1;
namespace state = ::awsfacade::simulator::state;

using aws_errors::kInvalidInput;
using aws_errors::kInvalidNextToken;
using aws_errors::kLimitExceeded;
using aws_errors::kResourceAlreadyExists;
using aws_errors::kResourceInUse;
using aws_errors::kResourceNotFound;
using aws_errors::kTooManyTags;

constexpr char kCreatePending[] = "CREATE PENDING";
constexpr char kCreateInProgress[] = "CREATE IN_PROGRESS";
constexpr char kActive[] = "ACTIVE";
constexpr char kDeletePending[] = "DELETE PENDING";
constexpr char kDeleteInProgress[] = "DELETE IN_PROGRESS";

// The model's constraints are on the request fields (personalize.proto),
// checked before a request reaches the simulator (the header says where);
// what follows is what the model does not say.
constexpr int kMaxTags = 200;

constexpr char kListGroupsPurpose[] = "personalize.ListDatasetGroups";
constexpr char kListSchemasPurpose[] = "personalize.ListSchemas";
constexpr char kListDatasetsPurpose[] = "personalize.ListDatasets|";

// The documented dataset types, in the spelling responses use. Input is
// case-insensitive; AWS does not say which case it echoes. Answering with the
// documented spelling (not the caller's) makes one resource read the same
// however it was created, and matches clients that compare against the
// documented names. The ARN carries the upper-case form, as AWS's examples do.
constexpr std::array<absl::string_view, 5> kDatasetTypes = {"Interactions", "Items", "Users",
                                                            "Actions", "Action_Interactions"};

// More than kMaxTags tags is TooManyTagsException, not a model constraint
// (the request validator checks each tag).
absl::Status CheckTagCount(const google::protobuf::RepeatedPtrField<v1::Tag>& tags) {
  if (tags.size() > kMaxTags) {
    return AwsError(kTooManyTags,
                    absl::StrCat("You have exceeded the maximum number of tags (", kMaxTags,
                                 ") for this resource: ", tags.size(), " given"),
                    "tags");
  }
  return absl::OkStatus();
}

// What a saved resource's name and domain must be: what the request that
// created it had to be.
absl::Status CheckSavedNameAndDomain(absl::string_view name, absl::string_view domain) {
  v1::CreateDatasetGroupRequest as_created;
  as_created.set_name(std::string(name));
  as_created.set_domain(std::string(domain));
  return ValidateRequest(as_created);
}

// An Avro record schema as Personalize accepts it: a JSON object with
// "type": "record" and a "fields" array whose entries have a string "name"
// and a "type".
absl::Status CheckAvroSchema(absl::string_view schema) {
  nlohmann::json doc = nlohmann::json::parse(schema.begin(), schema.end(), /*cb=*/nullptr,
                                             /*allow_exceptions=*/false);
  auto fail = [](absl::string_view why) {
    return AwsError(kInvalidInput, absl::StrCat("Invalid Avro schema: ", why), "schema");
  };
  if (doc.is_discarded()) return fail("not valid JSON");
  if (!doc.is_object()) return fail("the schema must be a JSON object");
  auto type = doc.find("type");
  if (type == doc.end() || !type->is_string() || type->get<std::string>() != "record") {
    return fail("the schema must be of type \"record\"");
  }
  auto fields = doc.find("fields");
  if (fields == doc.end() || !fields->is_array() || fields->empty()) {
    return fail("a record needs a non-empty \"fields\" array");
  }
  for (size_t i = 0; i < fields->size(); ++i) {
    const nlohmann::json& field = (*fields)[i];
    if (!field.is_object()) return fail(absl::StrCat("field ", i, " is not an object"));
    auto name = field.find("name");
    if (name == field.end() || !name->is_string() || name->get<std::string>().empty()) {
      return fail(absl::StrCat("field ", i, " has no \"name\""));
    }
    auto field_type = field.find("type");
    if (field_type == field.end() ||
        !(field_type->is_string() || field_type->is_array() || field_type->is_object())) {
      return fail(absl::StrCat("field \"", name->get<std::string>(), "\" has no \"type\""));
    }
  }
  return absl::OkStatus();
}

// maxResults is within the model's 1-100 (the request validator).
int PageSize(bool has_max_results, int32_t max_results, int default_size) {
  return has_max_results ? max_results : default_size;
}

void SetTime(absl::Time t, google::protobuf::Timestamp* out) {
  int64_t seconds = absl::ToUnixSeconds(t);
  out->set_seconds(seconds);
  out->set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(seconds))));
}

// The event tracker ID of the dataset created as number `seq`: derived
// from the seed, so replaying the same calls gives the same ID, while a
// dataset re-created under the same ARN (a new seq) gets a new one.
std::string TrackingId(uint64_t seed, int64_t seq) {
  return DerivedUuid(seed ^ 0x7472616b63696e67ULL, static_cast<uint64_t>(seq));
}

// LoadState's error: the saved state is damaged or was not written by us.
absl::Status Corrupt(absl::string_view where, absl::string_view what) {
  return absl::DataLossError(absl::StrCat("Personalize state: ", where, ": ", what));
}

// A stored time, or nullopt outside google.protobuf.Timestamp's range
// (0001-01-01 to 9999-12-31).
std::optional<absl::Time> StoredTime(const google::protobuf::Timestamp& ts) {
  constexpr int64_t kMinSeconds = -62135596800;
  constexpr int64_t kMaxSeconds = 253402300799;
  if (ts.seconds() < kMinSeconds || ts.seconds() > kMaxSeconds || ts.nanos() < 0 ||
      ts.nanos() > 999999999) {
    return std::nullopt;
  }
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

// xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx in lower-case hex, as
// TrackingId() writes it.
bool IsTrackingId(absl::string_view id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-' : !(absl::ascii_isdigit(id[i]) || (id[i] >= 'a' && id[i] <= 'f'))) {
      return false;
    }
  }
  return id[14] == '4' && absl::StrContains("89ab", id[19]);
}

}  // namespace

PersonalizeSimulator::PersonalizeSimulator(SimulatorOptions options, PersonalizeLimits limits)
    : options_(std::move(options)), limits_(limits) {}

void PersonalizeSimulator::Reset() {
  absl::MutexLock lock(&mu_);
  groups_.clear();
  schemas_.clear();
  datasets_.clear();
  deletions_.clear();
}

std::string PersonalizeSimulator::Arn(absl::string_view resource) const {
  return absl::StrCat("arn:aws:personalize:", options_.region, ":", options_.account_id, ":",
                      resource);
}

PersonalizeSimulator::Phase PersonalizeSimulator::PhaseAt(const Lifecycle& life, absl::Time now,
                                                          bool dataset) const {
  if (life.delete_requested) {
    absl::Time pending_end = *life.delete_requested + limits_.delete_pending_time;
    if (!dataset || now < pending_end) return {kDeletePending, *life.delete_requested};
    return {kDeleteInProgress, pending_end};
  }
  absl::Time pending_end = life.created + limits_.pending_time;
  if (now < pending_end) return {kCreatePending, life.created};
  absl::Time active_at = pending_end + limits_.in_progress_time;
  if (now < active_at) return {kCreateInProgress, pending_end};
  return {kActive, active_at};
}

absl::Time PersonalizeSimulator::GoneAt(absl::Time delete_requested) const {
  return delete_requested + limits_.delete_pending_time + limits_.delete_in_progress_time;
}

bool PersonalizeSimulator::GoneBy(const Lifecycle& life, absl::Time now) const {
  return life.delete_requested && GoneAt(*life.delete_requested) <= now;
}

void PersonalizeSimulator::PurgeLocked(absl::Time now) {
  while (!deletions_.empty() && deletions_.begin()->first <= now) {
    auto [kind, arn] = std::move(deletions_.begin()->second);
    deletions_.erase(deletions_.begin());
    if (kind == Kind::kGroup) {
      groups_.Erase(arn);
    } else {
      datasets_.Erase(arn);
    }
  }
}

std::string PersonalizeSimulator::SealToken(absl::string_view purpose, const OrderKey& key) const {
  return options_.sealer->Seal(purpose, absl::StrCat(std::get<0>(key), " ", std::get<1>(key)));
}

absl::StatusOr<PersonalizeSimulator::OrderKey> PersonalizeSimulator::OpenToken(
    absl::string_view purpose, absl::string_view token) const {
  absl::StatusOr<std::string> payload = options_.sealer->Open(purpose, token);
  int64_t seq = 0;
  size_t space = payload.ok() ? payload->find(' ') : std::string::npos;
  if (space == std::string::npos || !absl::SimpleAtoi(payload->substr(0, space), &seq)) {
    return AwsError(kInvalidNextToken,
                    "The nextToken is invalid: it was not issued for this request", "nextToken");
  }
  return OrderKey{seq, payload->substr(space + 1)};
}

// ---------------------------------------------------------------------------
// Dataset groups

absl::StatusOr<v1::CreateDatasetGroupResponse> PersonalizeSimulator::CreateDatasetGroup(
    const v1::CreateDatasetGroupRequest& request) {
  // AWS: "Supplying an IAM role is only valid when also specifying a KMS
  // key"; the KMS key in turn needs the role to be usable.
  if (!request.kms_key_arn().empty() && request.role_arn().empty()) {
    return AwsError(kInvalidInput, "roleArn is required when kmsKeyArn is specified", "roleArn");
  }
  if (!request.role_arn().empty() && request.kms_key_arn().empty()) {
    return AwsError(kInvalidInput, "roleArn is only valid when kmsKeyArn is specified", "roleArn");
  }
  if (absl::Status s = CheckTagCount(request.tags()); !s.ok()) return s;

  std::string arn = Arn(absl::StrCat("dataset-group/", request.name()));
  absl::MutexLock lock(&mu_);
  absl::Time now = options_.clock->Now();
  PurgeLocked(now);
  if (groups_.contains(arn)) {
    return AwsError(kResourceAlreadyExists, absl::StrCat("Dataset group ", arn, " already exists"),
                    "name");
  }
  if (static_cast<int64_t>(groups_.size()) >= limits_.max_dataset_groups) {
    return AwsError(kLimitExceeded,
                    absl::StrCat("The account already has the maximum number of dataset groups (",
                                 limits_.max_dataset_groups, ")"));
  }
  GroupRecord group;
  group.seq = next_seq_++;
  group.name = request.name();
  group.arn = arn;
  group.role_arn = request.role_arn();
  group.kms_key_arn = request.kms_key_arn();
  group.domain = request.domain();
  group.tags.assign(request.tags().begin(), request.tags().end());
  group.life.created = now;
  groups_.Add(std::move(group));

  v1::CreateDatasetGroupResponse response;
  response.set_dataset_group_arn(arn);
  response.set_domain(request.domain());
  return response;
}

absl::StatusOr<v1::DescribeDatasetGroupResponse> PersonalizeSimulator::DescribeDatasetGroup(
    const v1::DescribeDatasetGroupRequest& request) {
  // Reads leave finished deletions for the next write to drop (they change
  // nothing, so a journal of writes alone rebuilds the state).
  absl::ReaderMutexLock lock(&mu_);
  absl::Time now = options_.clock->Now();
  const GroupRecord* found = groups_.Find(request.dataset_group_arn());
  if (found == nullptr || GoneBy(found->life, now)) {
    return AwsError(kResourceNotFound,
                    absl::StrCat("Could not find dataset group ", request.dataset_group_arn()),
                    "datasetGroupArn");
  }
  const GroupRecord& g = *found;
  Phase phase = PhaseAt(g.life, now, /*dataset=*/false);
  v1::DescribeDatasetGroupResponse response;
  v1::DatasetGroup* out = response.mutable_dataset_group();
  out->set_name(g.name);
  out->set_dataset_group_arn(g.arn);
  out->set_status(phase.status);
  out->set_role_arn(g.role_arn);
  out->set_kms_key_arn(g.kms_key_arn);
  SetTime(g.life.created, out->mutable_creation_date_time());
  SetTime(phase.since, out->mutable_last_updated_date_time());
  out->set_domain(g.domain);
  return response;
}

absl::StatusOr<v1::ListDatasetGroupsResponse> PersonalizeSimulator::ListDatasetGroups(
    const v1::ListDatasetGroupsRequest& request) {
  const int page_size =
      PageSize(request.has_max_results(), request.max_results(), limits_.default_max_results);
  std::optional<OrderKey> after;
  if (!request.next_token().empty()) {
    absl::StatusOr<OrderKey> key = OpenToken(kListGroupsPurpose, request.next_token());
    if (!key.ok()) return key.status();
    after = *std::move(key);
  }

  absl::ReaderMutexLock lock(&mu_);
  absl::Time now = options_.clock->Now();
  v1::ListDatasetGroupsResponse response;
  std::optional<OrderKey> next = groups_.Page(
      after, page_size, [&](const GroupRecord& g) { return !GoneBy(g.life, now); },
      [&](const GroupRecord& g) {
        Phase phase = PhaseAt(g.life, now, /*dataset=*/false);
        v1::DatasetGroupSummary* out = response.add_dataset_groups();
        out->set_name(g.name);
        out->set_dataset_group_arn(g.arn);
        out->set_status(phase.status);
        SetTime(g.life.created, out->mutable_creation_date_time());
        SetTime(phase.since, out->mutable_last_updated_date_time());
        out->set_domain(g.domain);
      });
  if (next) response.set_next_token(SealToken(kListGroupsPurpose, *next));
  return response;
}

absl::StatusOr<v1::DeleteDatasetGroupResponse> PersonalizeSimulator::DeleteDatasetGroup(
    const v1::DeleteDatasetGroupRequest& request) {
  const std::string& arn = request.dataset_group_arn();
  absl::MutexLock lock(&mu_);
  absl::Time now = options_.clock->Now();
  PurgeLocked(now);
  GroupRecord* found = groups_.Find(arn);
  if (found == nullptr) {
    return AwsError(kResourceNotFound, absl::StrCat("Could not find dataset group ", arn),
                    "datasetGroupArn");
  }
  GroupRecord& g = *found;
  Phase phase = PhaseAt(g.life, now, /*dataset=*/false);
  if (absl::string_view(phase.status) != kActive) {
    return AwsError(kResourceInUse, absl::StrCat("Dataset group ", arn, " is in ", phase.status,
                                                 " state and cannot be deleted"));
  }
  if (const DatasetRecord* dataset =
          datasets_.FindIf([&](const DatasetRecord& d) { return d.group_arn == arn; })) {
    return AwsError(kResourceInUse,
                    absl::StrCat("Dataset group ", arn, " still has datasets; delete them first (",
                                 dataset->arn, ")"));
  }
  g.life.delete_requested = now;
  deletions_.emplace(GoneAt(now), std::make_pair(Kind::kGroup, arn));
  return v1::DeleteDatasetGroupResponse();
}

// ---------------------------------------------------------------------------
// Schemas

absl::StatusOr<v1::CreateSchemaResponse> PersonalizeSimulator::CreateSchema(
    const v1::CreateSchemaRequest& request) {
  if (absl::Status s = CheckAvroSchema(request.schema()); !s.ok()) return s;

  std::string arn = Arn(absl::StrCat("schema/", request.name()));
  absl::MutexLock lock(&mu_);
  absl::Time now = options_.clock->Now();
  PurgeLocked(now);
  if (schemas_.contains(arn)) {
    return AwsError(kResourceAlreadyExists, absl::StrCat("Schema ", arn, " already exists"),
                    "name");
  }
  if (static_cast<int64_t>(schemas_.size()) >= limits_.max_schemas) {
    return AwsError(kLimitExceeded,
                    absl::StrCat("The account already has the maximum number of schemas (",
                                 limits_.max_schemas, ")"));
  }
  SchemaRecord schema;
  schema.seq = next_seq_++;
  schema.name = request.name();
  schema.arn = arn;
  schema.schema = request.schema();
  schema.domain = request.domain();
  schema.created = now;
  schemas_.Add(std::move(schema));

  v1::CreateSchemaResponse response;
  response.set_schema_arn(arn);
  return response;
}

absl::StatusOr<v1::DescribeSchemaResponse> PersonalizeSimulator::DescribeSchema(
    const v1::DescribeSchemaRequest& request) {
  absl::ReaderMutexLock lock(&mu_);
  const SchemaRecord* found = schemas_.Find(request.schema_arn());
  if (found == nullptr) {
    return AwsError(kResourceNotFound, absl::StrCat("Could not find schema ", request.schema_arn()),
                    "schemaArn");
  }
  const SchemaRecord& s = *found;
  v1::DescribeSchemaResponse response;
  v1::DatasetSchema* out = response.mutable_schema();
  out->set_name(s.name);
  out->set_schema_arn(s.arn);
  out->set_schema(s.schema);
  SetTime(s.created, out->mutable_creation_date_time());
  SetTime(s.created, out->mutable_last_updated_date_time());
  out->set_domain(s.domain);
  return response;
}

absl::StatusOr<v1::ListSchemasResponse> PersonalizeSimulator::ListSchemas(
    const v1::ListSchemasRequest& request) {
  const int page_size =
      PageSize(request.has_max_results(), request.max_results(), limits_.default_max_results);
  std::optional<OrderKey> after;
  if (!request.next_token().empty()) {
    absl::StatusOr<OrderKey> key = OpenToken(kListSchemasPurpose, request.next_token());
    if (!key.ok()) return key.status();
    after = *std::move(key);
  }

  absl::ReaderMutexLock lock(&mu_);
  v1::ListSchemasResponse response;
  std::optional<OrderKey> next = schemas_.Page(
      after, page_size, [](const SchemaRecord&) { return true; },
      [&](const SchemaRecord& s) {
        v1::DatasetSchemaSummary* out = response.add_schemas();
        out->set_name(s.name);
        out->set_schema_arn(s.arn);
        SetTime(s.created, out->mutable_creation_date_time());
        SetTime(s.created, out->mutable_last_updated_date_time());
        out->set_domain(s.domain);
      });
  if (next) response.set_next_token(SealToken(kListSchemasPurpose, *next));
  return response;
}

absl::StatusOr<v1::DeleteSchemaResponse> PersonalizeSimulator::DeleteSchema(
    const v1::DeleteSchemaRequest& request) {
  const std::string& arn = request.schema_arn();
  absl::MutexLock lock(&mu_);
  PurgeLocked(options_.clock->Now());
  if (!schemas_.contains(arn)) {
    return AwsError(kResourceNotFound, absl::StrCat("Could not find schema ", arn), "schemaArn");
  }
  if (const DatasetRecord* dataset =
          datasets_.FindIf([&](const DatasetRecord& d) { return d.schema_arn == arn; })) {
    return AwsError(kResourceInUse,
                    absl::StrCat("Schema ", arn, " is used by dataset ", dataset->arn));
  }
  schemas_.Erase(arn);
  return v1::DeleteSchemaResponse();
}

// ---------------------------------------------------------------------------
// Datasets

absl::StatusOr<v1::CreateDatasetResponse> PersonalizeSimulator::CreateDataset(
    const v1::CreateDatasetRequest& request) {
  const std::string& type = request.dataset_type();
  absl::string_view canonical_type;
  for (absl::string_view known : kDatasetTypes) {
    if (absl::EqualsIgnoreCase(type, known)) canonical_type = known;
  }
  if (canonical_type.empty()) {
    return AwsError(kInvalidInput,
                    absl::StrCat("Invalid datasetType '", type,
                                 "': expected Interactions, Items, Users, Actions or "
                                 "Action_Interactions"),
                    "datasetType");
  }
  if (absl::Status s = CheckTagCount(request.tags()); !s.ok()) return s;

  absl::MutexLock lock(&mu_);
  absl::Time now = options_.clock->Now();
  PurgeLocked(now);
  const GroupRecord* found_group = groups_.Find(request.dataset_group_arn());
  if (found_group == nullptr) {
    return AwsError(kResourceNotFound,
                    absl::StrCat("Could not find dataset group ", request.dataset_group_arn()),
                    "datasetGroupArn");
  }
  const SchemaRecord* found_schema = schemas_.Find(request.schema_arn());
  if (found_schema == nullptr) {
    return AwsError(kResourceNotFound, absl::StrCat("Could not find schema ", request.schema_arn()),
                    "schemaArn");
  }
  const GroupRecord& group = *found_group;
  Phase group_phase = PhaseAt(group.life, now, /*dataset=*/false);
  if (absl::string_view(group_phase.status) != kActive) {
    return AwsError(kResourceInUse, absl::StrCat("Dataset group ", group.arn, " is in ",
                                                 group_phase.status, " state, not ACTIVE"));
  }
  const SchemaRecord& schema = *found_schema;
  if (!group.domain.empty() && !schema.domain.empty() && group.domain != schema.domain) {
    return AwsError(kInvalidInput,
                    absl::StrCat("The schema's domain ", schema.domain,
                                 " does not match the dataset group's domain ", group.domain),
                    "schemaArn");
  }
  std::string arn =
      Arn(absl::StrCat("dataset/", group.name, "/", absl::AsciiStrToUpper(canonical_type)));
  if (datasets_.contains(arn)) {
    return AwsError(kResourceAlreadyExists,
                    absl::StrCat("Dataset group ", group.arn, " already has a dataset of type ",
                                 canonical_type, ": ", arn),
                    "datasetType");
  }
  DatasetRecord dataset;
  dataset.seq = next_seq_++;
  dataset.name = request.name();
  dataset.arn = arn;
  dataset.group_arn = group.arn;
  dataset.dataset_type = std::string(canonical_type);
  dataset.schema_arn = schema.arn;
  if (canonical_type == "Action_Interactions") {
    dataset.tracking_id = TrackingId(options_.seed, dataset.seq);
  }
  dataset.tags.assign(request.tags().begin(), request.tags().end());
  dataset.life.created = now;
  datasets_.Add(std::move(dataset));

  v1::CreateDatasetResponse response;
  response.set_dataset_arn(arn);
  return response;
}

absl::StatusOr<v1::DescribeDatasetResponse> PersonalizeSimulator::DescribeDataset(
    const v1::DescribeDatasetRequest& request) {
  absl::ReaderMutexLock lock(&mu_);
  absl::Time now = options_.clock->Now();
  const DatasetRecord* found = datasets_.Find(request.dataset_arn());
  if (found == nullptr || GoneBy(found->life, now)) {
    return AwsError(kResourceNotFound,
                    absl::StrCat("Could not find dataset ", request.dataset_arn()), "datasetArn");
  }
  const DatasetRecord& d = *found;
  Phase phase = PhaseAt(d.life, now, /*dataset=*/true);
  v1::DescribeDatasetResponse response;
  v1::Dataset* out = response.mutable_dataset();
  out->set_name(d.name);
  out->set_dataset_arn(d.arn);
  out->set_dataset_group_arn(d.group_arn);
  out->set_dataset_type(d.dataset_type);
  out->set_schema_arn(d.schema_arn);
  out->set_status(phase.status);
  SetTime(d.life.created, out->mutable_creation_date_time());
  SetTime(phase.since, out->mutable_last_updated_date_time());
  // latestDatasetUpdate stays unset: there is no UpdateDataset here.
  out->set_tracking_id(d.tracking_id);
  return response;
}

absl::StatusOr<v1::ListDatasetsResponse> PersonalizeSimulator::ListDatasets(
    const v1::ListDatasetsRequest& request) {
  const std::string& group_arn = request.dataset_group_arn();
  const int page_size =
      PageSize(request.has_max_results(), request.max_results(), limits_.default_max_results);
  // The filter is part of the purpose: a token of another group's listing
  // (or of the unfiltered one) does not open.
  std::string purpose = absl::StrCat(kListDatasetsPurpose, group_arn);
  std::optional<OrderKey> after;
  if (!request.next_token().empty()) {
    absl::StatusOr<OrderKey> key = OpenToken(purpose, request.next_token());
    if (!key.ok()) return key.status();
    after = *std::move(key);
  }

  absl::ReaderMutexLock lock(&mu_);
  absl::Time now = options_.clock->Now();
  v1::ListDatasetsResponse response;
  std::optional<OrderKey> next = datasets_.Page(
      after, page_size,
      [&](const DatasetRecord& d) {
        return (group_arn.empty() || d.group_arn == group_arn) && !GoneBy(d.life, now);
      },
      [&](const DatasetRecord& d) {
        Phase phase = PhaseAt(d.life, now, /*dataset=*/true);
        v1::DatasetSummary* out = response.add_datasets();
        out->set_name(d.name);
        out->set_dataset_arn(d.arn);
        out->set_dataset_type(d.dataset_type);
        out->set_status(phase.status);
        SetTime(d.life.created, out->mutable_creation_date_time());
        SetTime(phase.since, out->mutable_last_updated_date_time());
      });
  if (next) response.set_next_token(SealToken(purpose, *next));
  return response;
}

absl::StatusOr<v1::DeleteDatasetResponse> PersonalizeSimulator::DeleteDataset(
    const v1::DeleteDatasetRequest& request) {
  const std::string& arn = request.dataset_arn();
  absl::MutexLock lock(&mu_);
  absl::Time now = options_.clock->Now();
  PurgeLocked(now);
  DatasetRecord* found = datasets_.Find(arn);
  if (found == nullptr) {
    return AwsError(kResourceNotFound, absl::StrCat("Could not find dataset ", arn), "datasetArn");
  }
  DatasetRecord& d = *found;
  Phase phase = PhaseAt(d.life, now, /*dataset=*/true);
  if (absl::string_view(phase.status) != kActive) {
    return AwsError(kResourceInUse, absl::StrCat("Dataset ", arn, " is in ", phase.status,
                                                 " state and cannot be deleted"));
  }
  d.life.delete_requested = now;
  deletions_.emplace(GoneAt(now), std::make_pair(Kind::kDataset, arn));
  return v1::DeleteDatasetResponse();
}

// ---------------------------------------------------------------------------
// Persistence

void PersonalizeSimulator::SaveState(state::PersonalizeState* out) const {
  out->Clear();
  absl::ReaderMutexLock lock(&mu_);
  // Finished deletions are left out: whether a read or failed call already
  // dropped them must not show in the saved state.
  const absl::Time now = options_.clock->Now();
  auto save_life = [](const Lifecycle& life, state::PersonalizeState::Lifecycle* saved) {
    SetTime(life.created, saved->mutable_created());
    if (life.delete_requested) SetTime(*life.delete_requested, saved->mutable_delete_requested());
  };
  out->set_next_seq(next_seq_);
  groups_.ForEach([&](const GroupRecord& g) {
    if (GoneBy(g.life, now)) return;
    state::PersonalizeState::DatasetGroup* saved = out->add_dataset_groups();
    saved->set_seq(g.seq);
    saved->set_name(g.name);
    saved->set_dataset_group_arn(g.arn);
    saved->set_role_arn(g.role_arn);
    saved->set_kms_key_arn(g.kms_key_arn);
    saved->set_domain(g.domain);
    saved->mutable_tags()->Assign(g.tags.begin(), g.tags.end());
    save_life(g.life, saved->mutable_life());
  });
  schemas_.ForEach([&](const SchemaRecord& schema) {
    state::PersonalizeState::Schema* saved = out->add_schemas();
    saved->set_seq(schema.seq);
    saved->set_name(schema.name);
    saved->set_schema_arn(schema.arn);
    saved->set_schema(schema.schema);
    saved->set_domain(schema.domain);
    SetTime(schema.created, saved->mutable_created());
  });
  datasets_.ForEach([&](const DatasetRecord& d) {
    if (GoneBy(d.life, now)) return;
    state::PersonalizeState::Dataset* saved = out->add_datasets();
    saved->set_seq(d.seq);
    saved->set_name(d.name);
    saved->set_dataset_arn(d.arn);
    saved->set_dataset_group_arn(d.group_arn);
    saved->set_dataset_type(d.dataset_type);
    saved->set_schema_arn(d.schema_arn);
    saved->set_tracking_id(d.tracking_id);
    saved->mutable_tags()->Assign(d.tags.begin(), d.tags.end());
    save_life(d.life, saved->mutable_life());
  });
}

absl::Status PersonalizeSimulator::LoadState(const state::PersonalizeState& in) {
  int64_t next_seq = in.next_seq();
  // An empty message (a state never saved) is a fresh simulator.
  if (next_seq == 0 && in.dataset_groups().empty() && in.schemas().empty() &&
      in.datasets().empty()) {
    next_seq = 1;
  }
  if (next_seq < 1) return Corrupt("next_seq", absl::StrCat(next_seq, " < 1"));

  // Built aside and swapped in only once all of it checked out.
  Collection<GroupRecord> groups;
  Collection<SchemaRecord> schemas;
  Collection<DatasetRecord> datasets;
  absl::btree_multimap<absl::Time, std::pair<Kind, std::string>> deletions;
  absl::flat_hash_set<int64_t> seqs;  // the counter is shared by all kinds

  // The checks every resource gets: a seq in creation order, below
  // next_seq and not used before; a valid name; the ARN this simulator
  // gives that name; a valid domain.
  auto check_common = [&](absl::string_view where, int64_t seq, int64_t previous_seq,
                          absl::string_view name, absl::string_view arn,
                          absl::string_view expected_arn, absl::string_view domain) {
    if (seq < 1 || seq >= next_seq) {
      return Corrupt(where, absl::StrCat("seq ", seq, " outside [1, ", next_seq, ")"));
    }
    if (seq <= previous_seq) return Corrupt(where, "out of creation order");
    if (!seqs.insert(seq).second) return Corrupt(where, absl::StrCat("seq ", seq, " used twice"));
    if (absl::Status s = CheckSavedNameAndDomain(name, domain); !s.ok()) {
      return Corrupt(where, s.message());
    }
    if (arn != expected_arn) {
      return Corrupt(where, absl::StrCat("ARN is not ", expected_arn,
                                         " (another region or account, or another name)"));
    }
    return absl::OkStatus();
  };
  auto load_tags = [](absl::string_view where,
                      const google::protobuf::RepeatedPtrField<v1::Tag>& saved,
                      std::vector<v1::Tag>* tags) {
    if (absl::Status s = CheckTagCount(saved); !s.ok()) return Corrupt(where, s.message());
    for (const v1::Tag& tag : saved) {
      if (absl::Status s = ValidateRequest(tag); !s.ok()) return Corrupt(where, s.message());
    }
    tags->assign(saved.begin(), saved.end());
    return absl::OkStatus();
  };
  // Also queues the deletion, so the next write drops what it finished.
  auto load_life = [&](absl::string_view where, const state::PersonalizeState::Lifecycle& saved,
                       Kind kind, const std::string& arn, Lifecycle* life) {
    std::optional<absl::Time> created = StoredTime(saved.created());
    if (!saved.has_created() || !created) return Corrupt(where, "no valid creation time");
    life->created = *created;
    if (saved.has_delete_requested()) {
      std::optional<absl::Time> requested = StoredTime(saved.delete_requested());
      if (!requested || *requested < *created) {
        return Corrupt(where, "deletion time invalid or before creation");
      }
      life->delete_requested = *requested;
      deletions.emplace(GoneAt(*requested), std::make_pair(kind, arn));
    }
    return absl::OkStatus();
  };

  int64_t previous_seq = 0;
  for (const state::PersonalizeState::DatasetGroup& saved : in.dataset_groups()) {
    const std::string& arn = saved.dataset_group_arn();
    const std::string where = absl::StrCat("dataset group ", arn);
    if (absl::Status s =
            check_common(where, saved.seq(), previous_seq, saved.name(), arn,
                         Arn(absl::StrCat("dataset-group/", saved.name())), saved.domain());
        !s.ok()) {
      return s;
    }
    previous_seq = saved.seq();
    if (groups.contains(arn)) return Corrupt(where, "stored twice");
    GroupRecord g;
    g.seq = saved.seq();
    g.name = saved.name();
    g.arn = arn;
    g.role_arn = saved.role_arn();
    g.kms_key_arn = saved.kms_key_arn();
    g.domain = saved.domain();
    if (absl::Status s = load_tags(where, saved.tags(), &g.tags); !s.ok()) return s;
    if (absl::Status s = load_life(where, saved.life(), Kind::kGroup, arn, &g.life); !s.ok()) {
      return s;
    }
    groups.Add(std::move(g));
  }

  previous_seq = 0;
  for (const state::PersonalizeState::Schema& saved : in.schemas()) {
    const std::string& arn = saved.schema_arn();
    const std::string where = absl::StrCat("schema ", arn);
    if (absl::Status s = check_common(where, saved.seq(), previous_seq, saved.name(), arn,
                                      Arn(absl::StrCat("schema/", saved.name())), saved.domain());
        !s.ok()) {
      return s;
    }
    previous_seq = saved.seq();
    if (schemas.contains(arn)) return Corrupt(where, "stored twice");
    if (absl::Status s = CheckAvroSchema(saved.schema()); !s.ok()) {
      return Corrupt(where, s.message());
    }
    std::optional<absl::Time> created = StoredTime(saved.created());
    if (!saved.has_created() || !created) return Corrupt(where, "no valid creation time");
    SchemaRecord schema;
    schema.seq = saved.seq();
    schema.name = saved.name();
    schema.arn = arn;
    schema.schema = saved.schema();
    schema.domain = saved.domain();
    schema.created = *created;
    schemas.Add(std::move(schema));
  }

  previous_seq = 0;
  for (const state::PersonalizeState::Dataset& saved : in.datasets()) {
    const std::string& arn = saved.dataset_arn();
    const std::string where = absl::StrCat("dataset ", arn);
    const GroupRecord* found_group = groups.Find(saved.dataset_group_arn());
    if (found_group == nullptr) {
      return Corrupt(
          where, absl::StrCat("its dataset group ", saved.dataset_group_arn(), " is not stored"));
    }
    const GroupRecord& group = *found_group;
    // DeleteDatasetGroup refuses a group that has datasets.
    if (group.life.delete_requested) {
      return Corrupt(where, absl::StrCat("its dataset group ", group.arn, " is being deleted"));
    }
    if (!schemas.contains(saved.schema_arn())) {
      return Corrupt(where, absl::StrCat("its schema ", saved.schema_arn(), " is not stored"));
    }
    const std::string& type = saved.dataset_type();
    if (std::find(kDatasetTypes.begin(), kDatasetTypes.end(), type) == kDatasetTypes.end()) {
      return Corrupt(where, absl::StrCat("unknown datasetType '", type, "'"));
    }
    if (absl::Status s = check_common(
            where, saved.seq(), previous_seq, saved.name(), arn,
            Arn(absl::StrCat("dataset/", group.name, "/", absl::AsciiStrToUpper(type))), "");
        !s.ok()) {
      return s;
    }
    previous_seq = saved.seq();
    if (datasets.contains(arn)) return Corrupt(where, "stored twice");
    const bool tracked = type == "Action_Interactions";
    if (tracked ? !IsTrackingId(saved.tracking_id()) : !saved.tracking_id().empty()) {
      return Corrupt(where, absl::StrCat("trackingId '", saved.tracking_id(), "' is not what a ",
                                         type, " dataset has"));
    }
    DatasetRecord d;
    d.seq = saved.seq();
    d.name = saved.name();
    d.arn = arn;
    d.group_arn = group.arn;
    d.dataset_type = type;
    d.schema_arn = saved.schema_arn();
    d.tracking_id = saved.tracking_id();
    if (absl::Status s = load_tags(where, saved.tags(), &d.tags); !s.ok()) return s;
    if (absl::Status s = load_life(where, saved.life(), Kind::kDataset, arn, &d.life); !s.ok()) {
      return s;
    }
    datasets.Add(std::move(d));
  }

  absl::MutexLock lock(&mu_);
  next_seq_ = next_seq;
  groups_ = std::move(groups);
  schemas_ = std::move(schemas);
  datasets_ = std::move(datasets);
  deletions_ = std::move(deletions);
  return absl::OkStatus();
}

}  // namespace awsfacade::backends::simulator
