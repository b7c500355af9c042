#include "backends/simulator/cognito_sync_simulator.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "backends/common/aws_error.h"
#include "backends/common/aws_error_names.h"
#include "backends/request_validator.h"
#include "backends/simulator/validation.h"
#include "google/protobuf/timestamp.pb.h"

namespace awsfacade::backends::simulator {
namespace {

namespace cs = ::aws::cognitosync::v1;
namespace state = ::awsfacade::simulator::state;

using aws_errors::kInvalidParameter;
using aws_errors::kLimitExceeded;
using aws_errors::kResourceConflict;
using aws_errors::kResourceNotFound;

// The model's constraints are on the request fields (cognitosync.proto),
// checked before a request reaches the simulator (the header says where);
// what follows is what the model does not say.
// AWS gives MaxResults no range; this bound is the page size AWS's own JS
// sync client asks for, so no known client is refused.
constexpr int64_t kMaxMaxResults = 1024;
// A saved record's key, as RecordPatch.Key (the model).
constexpr int64_t kMaxKeyLength = 1024;
constexpr int64_t kMaxLong = std::numeric_limits<int64_t>::max();

constexpr absl::string_view kOpReplace = "replace";
constexpr absl::string_view kOpRemove = "remove";

Validator Check() { return Validator(kInvalidParameter); }

// What a saved identity and dataset name must be: what a request naming
// them must be.
absl::Status CheckSavedIdentity(absl::string_view pool, absl::string_view identity) {
  cs::ListDatasetsRequest naming;
  naming.set_identity_pool_id(std::string(pool));
  naming.set_identity_id(std::string(identity));
  return ValidateRequest(naming);
}

absl::Status CheckSavedDatasetPath(absl::string_view pool, absl::string_view identity,
                                   absl::string_view dataset) {
  cs::DescribeDatasetRequest naming;
  naming.set_identity_pool_id(std::string(pool));
  naming.set_identity_id(std::string(identity));
  naming.set_dataset_name(std::string(dataset));
  return ValidateRequest(naming);
}

absl::StatusOr<int> PageSize(bool has_max_results, int32_t max_results, int default_size) {
  if (!has_max_results) return default_size;
  absl::Status s = Check().Range("MaxResults", max_results, 1, kMaxMaxResults);
  if (!s.ok()) return s;
  return static_cast<int>(max_results);
}

// What the model leaves out of RecordPatches (each patch's Op, Key, Value
// length and SyncCount presence are the request validator's).
absl::Status ValidatePatches(const google::protobuf::RepeatedPtrField<cs::RecordPatch>& patches) {
  Validator v = Check();
  absl::flat_hash_map<absl::string_view, int> seen;  // key -> first patch index
  for (int i = 0; i < patches.size(); ++i) {
    const cs::RecordPatch& p = patches[i];
    const std::string prefix = absl::StrCat("RecordPatches[", i, "].");
    if (!p.has_value() && p.op() == kOpReplace) {
      return v.Fail(absl::StrCat(prefix, "Value"),
                    "failed to satisfy constraint: Member must not be null when Op is "
                    "replace");
    }
    absl::Status s = v.Range(absl::StrCat(prefix, "SyncCount"), p.sync_count(), 0, kMaxLong);
    if (!s.ok()) return s;
    auto [it, inserted] = seen.try_emplace(p.key(), i);
    if (!inserted) {
      return v.Fail(absl::StrCat(prefix, "Key"),
                    absl::StrCat("failed to satisfy constraint: Member must be unique; "
                                 "RecordPatches[",
                                 it->second, "] has the same Key"));
    }
  }
  return absl::OkStatus();
}

google::protobuf::Timestamp ToProto(absl::Time t) {
  google::protobuf::Timestamp ts;
  const int64_t seconds = absl::ToUnixSeconds(t);
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(seconds))));
  return ts;
}

int64_t StoredBytes(absl::string_view key, absl::string_view value) {
  return static_cast<int64_t>(key.size() + value.size());
}

// Token purposes. The '|'-separated members cannot contain '|' (their
// patterns exclude it, and requests come validated), so purposes are unique.
std::string SessionPurpose(absl::string_view pool, absl::string_view identity,
                           absl::string_view dataset) {
  return absl::StrCat("cognito-sync.SyncSession|", pool, "|", identity, "|", dataset);
}
std::string RecordsPagePurpose(absl::string_view pool, absl::string_view identity,
                               absl::string_view dataset, int64_t last_sync_count) {
  return absl::StrCat("cognito-sync.ListRecords|", pool, "|", identity, "|", dataset, "|",
                      last_sync_count);
}
std::string DatasetsPagePurpose(absl::string_view pool, absl::string_view identity) {
  return absl::StrCat("cognito-sync.ListDatasets|", pool, "|", identity);
}

// What a SyncSessionToken carries besides its binding (the purpose): when it
// expires, and the dataset's deletion marker when it was issued, so a session
// that began before a delete cannot silently re-create the dataset.
struct Session {
  absl::Time expiry;
  int64_t deleted_at = 0;
};

std::string SessionPayload(const Session& session) {
  return absl::StrCat(absl::ToUnixNanos(session.expiry), ":", session.deleted_at);
}

std::optional<Session> ParseSessionPayload(absl::string_view payload) {
  std::vector<absl::string_view> parts = absl::StrSplit(payload, ':');
  int64_t expiry_nanos = 0;
  Session session;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &expiry_nanos) ||
      !absl::SimpleAtoi(parts[1], &session.deleted_at)) {
    return std::nullopt;
  }
  session.expiry = absl::FromUnixNanos(expiry_nanos);
  return session;
}

absl::StatusOr<std::string> OpenPageToken(const TokenSealer& sealer, absl::string_view purpose,
                                          absl::string_view token) {
  absl::StatusOr<std::string> cursor = sealer.Open(purpose, token);
  if (!cursor.ok()) {
    return AwsError(kInvalidParameter,
                    absl::StrCat("Invalid NextToken: ", cursor.status().message()), "NextToken");
  }
  return cursor;
}

// LoadState's error: the saved state is damaged or was not written by us.
absl::Status Corrupt(absl::string_view where, absl::string_view what) {
  return absl::DataLossError(absl::StrCat("Cognito Sync state: ", where, ": ", what));
}

// LoadState's check that `key` comes after every key of `loaded` (a map
// being filled in the order SaveState writes: ascending, no repeats).
template <typename Map, typename Key>
absl::Status CheckAscending(const Map& loaded, const Key& key, absl::string_view where,
                            absl::string_view what) {
  if (loaded.empty() || loaded.rbegin()->first < key) return absl::OkStatus();
  return Corrupt(where, absl::StrCat(what, " out of order or repeated"));
}

}  // namespace

CognitoSyncSimulator::CognitoSyncSimulator(SimulatorOptions options, CognitoSyncLimits limits)
    : options_(std::move(options)), limits_(limits) {}

void CognitoSyncSimulator::Reset() {
  absl::MutexLock lock(&mu_);
  identities_.clear();
}

const CognitoSyncSimulator::IdentityState* CognitoSyncSimulator::FindIdentity(
    absl::string_view pool, absl::string_view identity) const {
  auto it = identities_.find(IdentityKey(pool, identity));
  return it == identities_.end() ? nullptr : &it->second;
}

int64_t CognitoSyncSimulator::DeletedAt(const IdentityState* identity, absl::string_view dataset) {
  if (identity == nullptr) return 0;
  auto it = identity->deleted_at.find(dataset);
  return it == identity->deleted_at.end() ? 0 : it->second;
}

absl::StatusOr<cs::ListRecordsResponse> CognitoSyncSimulator::ListRecords(
    const cs::ListRecordsRequest& request) {
  const std::string& pool = request.identity_pool_id();
  const std::string& identity = request.identity_id();
  const std::string& name = request.dataset_name();
  const int64_t last_sync_count = request.last_sync_count();  // unset reads 0 = all
  absl::Status s = Check().Range("LastSyncCount", last_sync_count, 0, kMaxLong);
  if (!s.ok()) return s;
  absl::StatusOr<int> page_size =
      PageSize(request.has_max_results(), request.max_results(), limits_.default_max_results);
  if (!page_size.ok()) return page_size.status();
  const std::string purpose = RecordsPagePurpose(pool, identity, name, last_sync_count);
  std::optional<std::string> after;  // the last key of the previous page
  if (!request.next_token().empty()) {
    absl::StatusOr<std::string> cursor =
        OpenPageToken(*options_.sealer, purpose, request.next_token());
    if (!cursor.ok()) return cursor.status();
    after = *std::move(cursor);
  }

  cs::ListRecordsResponse response;
  absl::MutexLock lock(&mu_);
  const absl::Time now = options_.clock->Now();
  const IdentityState* ident = FindIdentity(pool, identity);
  const int64_t deleted_at = DeletedAt(ident, name);
  response.set_sync_session_token(
      options_.sealer->Seal(SessionPurpose(pool, identity, name),
                            SessionPayload({now + limits_.sync_session_token_ttl, deleted_at})));
  // deleted_at > 0 whenever it is >= a positive LastSyncCount.
  response.set_dataset_deleted_after_requested_sync_count(last_sync_count > 0 &&
                                                          deleted_at >= last_sync_count);
  const DatasetState* ds = nullptr;
  if (ident != nullptr) {
    auto it = ident->datasets.find(name);
    if (it != ident->datasets.end()) ds = &it->second;
  }
  if (ds == nullptr) {
    response.set_dataset_exists(false);
    response.set_dataset_sync_count(0);
    response.set_count(0);
    return response;
  }
  response.set_dataset_exists(true);
  response.set_dataset_sync_count(ds->sync_count);
  response.set_last_modified_by(ds->meta.last_modified_by());
  auto it = after ? ds->records.upper_bound(*after) : ds->records.begin();
  for (; it != ds->records.end(); ++it) {
    if (it->second.sync_count() <= last_sync_count) continue;
    if (response.records_size() == *page_size) {
      // Another record matches: resume after the last one returned.
      response.set_next_token(
          options_.sealer->Seal(purpose, response.records(response.records_size() - 1).key()));
      break;
    }
    *response.add_records() = it->second;
  }
  response.set_count(response.records_size());
  return response;
}

absl::StatusOr<cs::UpdateRecordsResponse> CognitoSyncSimulator::UpdateRecords(
    const cs::UpdateRecordsRequest& request) {
  const std::string& pool = request.identity_pool_id();
  const std::string& identity = request.identity_id();
  const std::string& name = request.dataset_name();
  if (absl::Status s = ValidatePatches(request.record_patches()); !s.ok()) return s;
  absl::StatusOr<std::string> payload =
      options_.sealer->Open(SessionPurpose(pool, identity, name), request.sync_session_token());
  std::optional<Session> session;
  if (payload.ok()) session = ParseSessionPayload(*payload);
  if (!session) {
    return AwsError(kInvalidParameter,
                    "Invalid SyncSessionToken: not issued by ListRecords for this identity and "
                    "dataset",
                    "SyncSessionToken");
  }

  absl::MutexLock lock(&mu_);
  const absl::Time now = options_.clock->Now();
  if (now >= session->expiry) {
    return AwsError(kInvalidParameter, "SyncSessionToken has expired; call ListRecords again",
                    "SyncSessionToken");
  }
  auto ident_it = identities_.find(IdentityKey(pool, identity));
  IdentityState* ident = ident_it == identities_.end() ? nullptr : &ident_it->second;
  const int64_t deleted_at = DeletedAt(ident, name);
  if (deleted_at != session->deleted_at) {
    return AwsError(kResourceNotFound,
                    absl::StrCat("Dataset ", name,
                                 " was deleted after this sync session started; call "
                                 "ListRecords again"));
  }
  cs::UpdateRecordsResponse response;
  const auto& patches = request.record_patches();
  if (patches.empty()) return response;

  DatasetState* ds = nullptr;
  if (ident != nullptr) {
    auto it = ident->datasets.find(name);
    if (it != ident->datasets.end()) ds = &it->second;
  }
  // Everything is checked against the state before the call, and nothing
  // is written until every check passed: the call is all or nothing.
  int64_t live_records = ds ? ds->meta.num_records() : 0;
  int64_t bytes = ds ? ds->meta.data_storage() : 0;
  for (int i = 0; i < patches.size(); ++i) {
    const cs::RecordPatch& p = patches[i];
    const cs::Record* current = nullptr;
    if (ds != nullptr) {
      auto it = ds->records.find(p.key());
      if (it != ds->records.end()) current = &it->second;
    }
    const int64_t current_count = current ? current->sync_count() : 0;
    // A deleted key "does not exist", so 0 is as good as its tombstone's count.
    const bool tombstone = current != nullptr && !current->has_value();
    if (p.sync_count() != current_count && !(tombstone && p.sync_count() == 0)) {
      return AwsError(kResourceConflict,
                      absl::StrCat("Current SyncCount for Key '", p.key(), "' is ", current_count,
                                   ", the patch has ", p.sync_count()),
                      absl::StrCat("RecordPatches[", i, "].SyncCount"));
    }
    if (current != nullptr && current->has_value()) {
      --live_records;
      bytes -= StoredBytes(p.key(), current->value());
    }
    if (p.op() == kOpReplace) {
      ++live_records;
      bytes += StoredBytes(p.key(), p.value());
    }
  }
  if (ds == nullptr) {
    const size_t datasets = ident ? ident->datasets.size() : 0;
    if (datasets >= static_cast<size_t>(limits_.max_datasets_per_identity)) {
      return AwsError(kLimitExceeded,
                      absl::StrCat("Identity ", identity, " already has ", datasets,
                                   " datasets; the limit is ", limits_.max_datasets_per_identity));
    }
  }
  if (live_records > limits_.max_records_per_dataset) {
    return AwsError(kLimitExceeded,
                    absl::StrCat("Dataset ", name, " would hold ", live_records,
                                 " records; the limit is ", limits_.max_records_per_dataset));
  }
  if (bytes > limits_.max_dataset_bytes) {
    return AwsError(kLimitExceeded,
                    absl::StrCat("Dataset ", name, " would hold ", bytes, " bytes; the limit is ",
                                 limits_.max_dataset_bytes));
  }

  if (ds == nullptr) {
    IdentityState& id = identities_[IdentityKey(pool, identity)];
    ds = &id.datasets[name];
    // A re-created dataset continues above the deleted one's count, so
    // clients that synced the old one see DatasetDeletedAfterRequestedSyncCount.
    ds->sync_count = deleted_at;
    ds->meta.set_identity_id(identity);
    ds->meta.set_dataset_name(name);
    *ds->meta.mutable_creation_date() = ToProto(now);
  }
  const int64_t sync_count = ++ds->sync_count;
  const google::protobuf::Timestamp stamp = ToProto(now);
  for (const cs::RecordPatch& p : patches) {
    cs::Record& record = ds->records[p.key()];
    record.Clear();
    record.set_key(p.key());
    if (p.op() == kOpReplace) record.set_value(p.value());
    record.set_sync_count(sync_count);
    *record.mutable_last_modified_date() = stamp;
    record.set_last_modified_by(identity);
    if (p.has_device_last_modified_date()) {
      *record.mutable_device_last_modified_date() = p.device_last_modified_date();
    }
    *response.add_records() = record;
  }
  *ds->meta.mutable_last_modified_date() = stamp;
  ds->meta.set_last_modified_by(identity);
  ds->meta.set_num_records(live_records);
  ds->meta.set_data_storage(bytes);
  return response;
}

absl::StatusOr<cs::ListDatasetsResponse> CognitoSyncSimulator::ListDatasets(
    const cs::ListDatasetsRequest& request) {
  const std::string& pool = request.identity_pool_id();
  const std::string& identity = request.identity_id();
  absl::StatusOr<int> page_size =
      PageSize(request.has_max_results(), request.max_results(), limits_.default_max_results);
  if (!page_size.ok()) return page_size.status();
  const std::string purpose = DatasetsPagePurpose(pool, identity);
  std::optional<std::string> after;
  if (!request.next_token().empty()) {
    absl::StatusOr<std::string> cursor =
        OpenPageToken(*options_.sealer, purpose, request.next_token());
    if (!cursor.ok()) return cursor.status();
    after = *std::move(cursor);
  }

  cs::ListDatasetsResponse response;
  absl::MutexLock lock(&mu_);
  if (const IdentityState* ident = FindIdentity(pool, identity); ident != nullptr) {
    auto it = after ? ident->datasets.upper_bound(*after) : ident->datasets.begin();
    for (; it != ident->datasets.end(); ++it) {
      if (response.datasets_size() == *page_size) {
        response.set_next_token(
            options_.sealer->Seal(purpose, response.datasets().rbegin()->dataset_name()));
        break;
      }
      *response.add_datasets() = it->second.meta;
    }
  }
  response.set_count(response.datasets_size());
  return response;
}

absl::StatusOr<cs::DescribeDatasetResponse> CognitoSyncSimulator::DescribeDataset(
    const cs::DescribeDatasetRequest& request) {
  absl::MutexLock lock(&mu_);
  const IdentityState* ident = FindIdentity(request.identity_pool_id(), request.identity_id());
  if (ident != nullptr) {
    auto it = ident->datasets.find(request.dataset_name());
    if (it != ident->datasets.end()) {
      cs::DescribeDatasetResponse response;
      *response.mutable_dataset() = it->second.meta;
      return response;
    }
  }
  return AwsError(kResourceNotFound,
                  absl::StrCat("Dataset ", request.dataset_name(), " not found for identity ",
                               request.identity_id()));
}

absl::StatusOr<cs::DeleteDatasetResponse> CognitoSyncSimulator::DeleteDataset(
    const cs::DeleteDatasetRequest& request) {
  absl::MutexLock lock(&mu_);
  auto ident_it = identities_.find(IdentityKey(request.identity_pool_id(), request.identity_id()));
  if (ident_it != identities_.end()) {
    IdentityState& ident = ident_it->second;
    auto it = ident.datasets.find(request.dataset_name());
    if (it != ident.datasets.end()) {
      cs::DeleteDatasetResponse response;
      *response.mutable_dataset() = std::move(it->second.meta);
      ident.deleted_at[request.dataset_name()] = it->second.sync_count;
      ident.datasets.erase(it);
      return response;
    }
  }
  return AwsError(kResourceNotFound,
                  absl::StrCat("Dataset ", request.dataset_name(), " not found for identity ",
                               request.identity_id()));
}

// ---------------------------------------------------------------------------
// Persistence

void CognitoSyncSimulator::SaveState(state::CognitoSyncState* out) const {
  out->Clear();
  absl::MutexLock lock(&mu_);
  // btree_maps iterate in key order, which is the order the format asks for.
  for (const auto& [key, ident] : identities_) {
    state::CognitoSyncState::Identity* id = out->add_identities();
    id->set_identity_pool_id(key.first);
    id->set_identity_id(key.second);
    for (const auto& [name, ds] : ident.datasets) {
      state::CognitoSyncState::Dataset* d = id->add_datasets();
      *d->mutable_meta() = ds.meta;
      d->set_sync_count(ds.sync_count);
      for (const auto& [record_key, record] : ds.records) *d->add_records() = record;
    }
    for (const auto& [name, sync_count] : ident.deleted_at) {
      state::CognitoSyncState::DeletionMarker* marker = id->add_deleted();
      marker->set_dataset_name(name);
      marker->set_sync_count(sync_count);
    }
  }
}

absl::Status CognitoSyncSimulator::LoadState(const state::CognitoSyncState& in) {
  // Built aside and swapped in only once all of it checked out.
  absl::btree_map<IdentityKey, IdentityState> identities;
  for (const state::CognitoSyncState::Identity& id : in.identities()) {
    const std::string& pool = id.identity_pool_id();
    const std::string& identity = id.identity_id();
    const std::string where = absl::StrCat("identity ", pool, " ", identity);
    if (absl::Status s = CheckSavedIdentity(pool, identity); !s.ok()) {
      return Corrupt(where, s.message());
    }
    IdentityKey key(pool, identity);
    if (absl::Status s = CheckAscending(identities, key, where, "identities"); !s.ok()) return s;
    // Only a dataset's first write creates an identity, and a delete leaves
    // a marker, so an empty one was never saved by SaveState.
    if (id.datasets().empty() && id.deleted().empty()) {
      return Corrupt(where, "has neither datasets nor deletion markers");
    }
    IdentityState& ident = identities[key];
    // A dataset name that is valid and next in `loaded`'s order.
    auto check_name = [&](const auto& loaded, absl::string_view name, absl::string_view name_where,
                          absl::string_view what) {
      if (absl::Status s = CheckSavedDatasetPath(pool, identity, name); !s.ok()) {
        return Corrupt(name_where, s.message());
      }
      return CheckAscending(loaded, name, name_where, what);
    };
    for (const state::CognitoSyncState::DeletionMarker& marker : id.deleted()) {
      const std::string& name = marker.dataset_name();
      const std::string marker_where = absl::StrCat(where, " deleted dataset ", name);
      if (absl::Status s = check_name(ident.deleted_at, name, marker_where, "deletion markers");
          !s.ok()) {
        return s;
      }
      // 0 means "never deleted"; a dataset exists only from SyncCount 1.
      if (marker.sync_count() <= 0) {
        return Corrupt(marker_where, absl::StrCat("SyncCount ", marker.sync_count(), " <= 0"));
      }
      ident.deleted_at.emplace_hint(ident.deleted_at.end(), name, marker.sync_count());
    }
    for (const state::CognitoSyncState::Dataset& saved : id.datasets()) {
      const cs::Dataset& meta = saved.meta();
      const std::string& name = meta.dataset_name();
      const std::string ds_where = absl::StrCat(where, " dataset ", name);
      if (absl::Status s = check_name(ident.datasets, name, ds_where, "datasets"); !s.ok()) {
        return s;
      }
      if (meta.identity_id() != identity) {
        return Corrupt(ds_where, absl::StrCat("IdentityId is ", meta.identity_id()));
      }
      // A re-created dataset continues above its deletion marker.
      const int64_t floor = DeletedAt(&ident, name);
      if (saved.sync_count() <= floor) {
        return Corrupt(ds_where, absl::StrCat("SyncCount ", saved.sync_count(),
                                              " is not above its deletion marker ", floor));
      }
      if (saved.records().empty()) return Corrupt(ds_where, "has no records");
      DatasetState& ds = ident.datasets[name];
      ds.meta = meta;
      ds.sync_count = saved.sync_count();
      int64_t live_records = 0;
      int64_t bytes = 0;
      for (const cs::Record& record : saved.records()) {
        const std::string record_where = absl::StrCat(ds_where, " record ", record.key());
        if (absl::Status s = Check().Length("Key", record.key(), 1, kMaxKeyLength); !s.ok()) {
          return Corrupt(record_where, s.message());
        }
        if (absl::Status s = CheckAscending(ds.records, record.key(), record_where, "records");
            !s.ok()) {
          return s;
        }
        if (record.sync_count() <= floor || record.sync_count() > ds.sync_count) {
          return Corrupt(record_where, absl::StrCat("SyncCount ", record.sync_count(), " outside (",
                                                    floor, ", ", ds.sync_count, "]"));
        }
        if (record.has_value()) {
          ++live_records;
          bytes += StoredBytes(record.key(), record.value());
        }
        ds.records.emplace_hint(ds.records.end(), record.key(), record);
      }
      // The counters UpdateRecords keeps must agree with the records.
      if (!meta.has_num_records() || meta.num_records() != live_records) {
        return Corrupt(ds_where, absl::StrCat("NumRecords does not match its ", live_records,
                                              " live records"));
      }
      if (!meta.has_data_storage() || meta.data_storage() != bytes) {
        return Corrupt(ds_where,
                       absl::StrCat("DataStorage does not match its records' ", bytes, " bytes"));
      }
    }
  }
  absl::MutexLock lock(&mu_);
  identities_ = std::move(identities);
  return absl::OkStatus();
}

}  // namespace awsfacade::backends::simulator
