#ifndef AWSFACADE_BACKENDS_SIMULATOR_COGNITO_SYNC_SIMULATOR_H_
#define AWSFACADE_BACKENDS_SIMULATOR_COGNITO_SYNC_SIMULATOR_H_

#include <cstdint>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "aws/cognitosync/v1/cognitosync.pb.h"
#include "backends/cognito_sync_backend.h"
#include "backends/simulator/simulator_options.h"
#include "backends/simulator/state/cognito_sync_state.pb.h"

namespace awsfacade::backends::simulator {

// Quotas and knobs of the simulated Cognito Sync (docs/aws-semantics.md §7.2).
struct CognitoSyncLimits {
  // "Quotas in Amazon Cognito" (adjustable): 20 datasets per identity, 1,024
  // records per dataset, 1 MB per dataset.
  int max_datasets_per_identity = 20;
  int max_records_per_dataset = 1024;
  int64_t max_dataset_bytes = 1 << 20;
  // Page size when a request omits MaxResults. AWS documents neither a
  // default nor a maximum; 1024 is what AWS's own JS sync client sends, and
  // it returns a dataset at its record quota in one page.
  int default_max_results = 1024;
  // Lifetime of a SyncSessionToken. AWS says the token carries an expiry but
  // not how long it is (unverified); one hour of simulator time leaves room
  // for a slow client to page, resolve conflicts and write.
  absl::Duration sync_session_token_ttl = absl::Hours(1);
};

// In-memory Amazon Cognito Sync with AWS's semantics (docs/aws-semantics.md §4,
// §7.2). Identity pool -> identity -> datasets -> records; one identity never
// sees another identity's (or pool's) data. All time comes from
// options.clock, all tokens from options.sealer. Thread-safe.
//
// Requests come validated: the model's constraints (required members,
// lengths, patterns, enum values) are checked once, before the simulator,
// by the operation chain's ValidationLayer behind the server, and by
// backends::ValidatedCognitoSync (backends/request_validator.h) for a
// direct caller (tests, fuzz targets): InvalidParameterException naming the
// member, patch i's as "RecordPatches[i].Key" etc., i from 0. The simulator
// does not check them again; a request that breaks them and reaches it
// anyway is not refused. What it checks itself is what the model does not
// say: MaxResults 1-1024, LastSyncCount and SyncCount >= 0, Value present
// when Op is replace, unique keys within one call (InvalidParameterException
// too).
//
// Behaviour AWS does not document, as chosen here:
//  * MaxResults (both List calls) must be 1-1024 when given.
//  * ListRecords ignores the request's SyncSessionToken and always issues a
//    fresh one. Tokens are reusable until they expire.
//  * ListRecords returns tombstones (records without Value) whenever their
//    SyncCount is above LastSyncCount, so a full listing includes them too.
//    Tombstones live as long as their dataset.
//  * ListRecords.Count is the number of records in this page (the model
//    says "total number of records", which could also mean the dataset).
//  * Page tokens resume after the last key returned, so a page never repeats
//    or skips a key that did not change. A record changed during paging may
//    show up on a later page or (if its key was already passed) only on the
//    next sync, provided the client keeps the first page's DatasetSyncCount.
//  * DatasetDeletedAfterRequestedSyncCount is true when the dataset (current
//    or a former incarnation of the same name) was deleted at a sync count
//    >= LastSyncCount > 0. LastSyncCount 0 means "never synced": nothing
//    local to discard, so false (a fresh device keeps its offline writes).
//  * UpdateRecords with no patches changes nothing: it validates (including
//    the session token) and returns no records, and does not create the
//    dataset or move its SyncCount.
//  * Every patch is a write stamped with the call's new SyncCount; a
//    `remove` of a key never written leaves a tombstone too. A deleted key
//    accepts SyncCount 0 or its tombstone's SyncCount.
//  * A SyncSessionToken issued before the dataset was deleted cannot write
//    to it (ResourceNotFoundException, per the model's "any subsequent
//    operation on this dataset will result in a ResourceNotFoundException");
//    after a new ListRecords the name can be written again, and the new
//    incarnation's SyncCount continues above the deleted one's.
//  * LastModifiedBy is the IdentityId (AWS fills it from credentials).
//  * No NotAuthorized, TooManyRequests, Lambda or ResourceConflict-on-delete
//    errors: the simulator has no credentials, rate limits or triggers.
class CognitoSyncSimulator final : public CognitoSyncBackend {
 public:
  explicit CognitoSyncSimulator(SimulatorOptions options, CognitoSyncLimits limits = {});

  CognitoSyncSimulator(const CognitoSyncSimulator&) = delete;
  CognitoSyncSimulator& operator=(const CognitoSyncSimulator&) = delete;

  // In memory, under a lock held only for the call's own work: calls never
  // block, so the server starts them on gRPC's thread.
  bool MayBlock() const override { return false; }

  // A missing dataset is success with DatasetExists=false, Count 0,
  // DatasetSyncCount 0. InvalidParameterException also for a NextToken not
  // issued for this pool, identity, dataset and LastSyncCount.
  absl::StatusOr<::aws::cognitosync::v1::ListRecordsResponse> ListRecords(
      const ::aws::cognitosync::v1::ListRecordsRequest& request) override;
  // All or nothing. InvalidParameterException (bad input; SyncSessionToken
  // missing, forged, for another identity/dataset, or expired),
  // ResourceNotFoundException (dataset deleted since the session started),
  // ResourceConflictException (a patch's SyncCount is not the key's current
  // one), LimitExceededException (datasets per identity, live records or
  // bytes per dataset).
  absl::StatusOr<::aws::cognitosync::v1::UpdateRecordsResponse> UpdateRecords(
      const ::aws::cognitosync::v1::UpdateRecordsRequest& request) override;
  // The identity's datasets ordered by name. InvalidParameterException.
  absl::StatusOr<::aws::cognitosync::v1::ListDatasetsResponse> ListDatasets(
      const ::aws::cognitosync::v1::ListDatasetsRequest& request) override;
  // InvalidParameterException, ResourceNotFoundException (missing or deleted).
  absl::StatusOr<::aws::cognitosync::v1::DescribeDatasetResponse> DescribeDataset(
      const ::aws::cognitosync::v1::DescribeDatasetRequest& request) override;
  // Permanent; returns the metadata as it was. InvalidParameterException,
  // ResourceNotFoundException.
  absl::StatusOr<::aws::cognitosync::v1::DeleteDatasetResponse> DeleteDataset(
      const ::aws::cognitosync::v1::DeleteDatasetRequest& request) override;

  // Forgets every pool, identity, dataset and deletion marker.
  void Reset();

  // Persistence (--state_dir). SaveState writes everything that makes up the
  // simulated state, in a canonical order: equal states give equal bytes.
  // LoadState replaces the whole state with `in` after checking it (a
  // DataLossError naming what is inconsistent leaves the state as it was).
  // Tokens issued before the save stay valid with the same sealer key.
  void SaveState(::awsfacade::simulator::state::CognitoSyncState* out) const;
  absl::Status LoadState(const ::awsfacade::simulator::state::CognitoSyncState& in);

 private:
  struct DatasetState {
    ::aws::cognitosync::v1::Dataset meta;  // DataStorage/NumRecords kept current
    int64_t sync_count = 0;
    // Live records and tombstones (no Value), by key.
    absl::btree_map<std::string, ::aws::cognitosync::v1::Record> records;
  };
  struct IdentityState {
    absl::btree_map<std::string, DatasetState> datasets;
    // Dataset name -> its SyncCount when it was last deleted.
    absl::btree_map<std::string, int64_t> deleted_at;
  };
  // (IdentityPoolId, IdentityId).
  using IdentityKey = std::pair<std::string, std::string>;

  const IdentityState* FindIdentity(absl::string_view pool, absl::string_view identity) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The dataset's deletion marker (0 = never deleted).
  static int64_t DeletedAt(const IdentityState* identity, absl::string_view dataset);

  const SimulatorOptions options_;
  const CognitoSyncLimits limits_;

  mutable absl::Mutex mu_;
  absl::btree_map<IdentityKey, IdentityState> identities_ ABSL_GUARDED_BY(mu_);
};

}  // namespace awsfacade::backends::simulator

#endif  // AWSFACADE_BACKENDS_SIMULATOR_COGNITO_SYNC_SIMULATOR_H_
