#ifndef AWSFACADE_BACKENDS_SIMULATOR_PERSONALIZE_SIMULATOR_H_
#define AWSFACADE_BACKENDS_SIMULATOR_PERSONALIZE_SIMULATOR_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "aws/personalize/v1/personalize.pb.h"
#include "backends/personalize_backend.h"
#include "backends/simulator/simulator_options.h"
#include "backends/simulator/state/personalize_state.pb.h"

namespace awsfacade::backends::simulator {

// Quotas and timings of the simulated Personalize (docs/aws-semantics.md §7.3).
struct PersonalizeLimits {
  // Dataset groups per account and region (AWS quota, adjustable). A group
  // counts until its deletion has finished (DELETE PENDING still counts).
  int max_dataset_groups = 5;
  // Schemas per account and region (AWS quota).
  int max_schemas = 500;
  // Page size of List* when maxResults is unset (AWS: undocumented).
  int default_max_results = 100;
  // Creation of dataset groups and datasets: CREATE PENDING for
  // `pending_time`, then CREATE IN_PROGRESS for `in_progress_time`, then
  // ACTIVE.
  absl::Duration pending_time = absl::Seconds(2);
  absl::Duration in_progress_time = absl::Seconds(8);
  // Deletion: DELETE PENDING for `delete_pending_time`, then (datasets only)
  // DELETE IN_PROGRESS for `delete_in_progress_time`, then gone. A dataset
  // group has no DELETE IN_PROGRESS status in AWS, so it stays DELETE
  // PENDING for both durations.
  absl::Duration delete_pending_time = absl::Seconds(2);
  absl::Duration delete_in_progress_time = absl::Seconds(8);
};

// Amazon Personalize dataset groups, schemas and datasets in memory, with
// AWS's semantics (docs/aws-semantics.md §5, §6, §7.3; botocore's
// Personalize model, 2018-05-22). Thread-safe.
//
// Contract, beyond the model:
// * ARNs are real ones built from options.region and options.account_id:
//   arn:aws:personalize:{region}:{account}:dataset-group/{name},
//   ...:schema/{name}, ...:dataset/{groupName}/{TYPE} (TYPE upper-case).
//   An ARN from another region or account is well-formed but unknown:
//   ResourceNotFoundException.
// * Time comes only from options.clock; statuses are computed from it on
//   each call (no background threads). Dataset groups and datasets go
//   CREATE PENDING -> CREATE IN_PROGRESS -> ACTIVE and, once deleted,
//   DELETE PENDING -> (DELETE IN_PROGRESS, datasets) -> gone, with
//   lastUpdatedDateTime set to the start of the current status (see
//   PersonalizeLimits). Schemas have no status and exist at once. Reads
//   change nothing: a resource whose deletion has finished is treated as
//   gone, and the next write (or SaveState) drops it.
// * Event tracker IDs (trackingId of Action_Interactions datasets) are
//   UUIDs derived from options.seed and the dataset's creation number, not
//   drawn at random: the same calls at the same times give the same IDs.
// * Requests come validated: the model's constraints (required members,
//   lengths, patterns, enum values, maxResults 1-100, nextToken's length)
//   are checked once, before the simulator, by the operation chain's
//   ValidationLayer behind the server, and by backends::ValidatedPersonalize
//   (backends/request_validator.h) for a direct caller (tests, fuzz
//   targets): InvalidInputException naming the AWS member; patterns must
//   match the whole value. The simulator does not check them again; a
//   request that breaks them and reaches it anyway is not refused. What it
//   checks itself is what the model does not say: more than 200 tags
//   (TooManyTagsException), roleArn and kmsKeyArn only together, the Avro
//   schema, datasetType (InvalidInputException).
// * CreateDataset needs an ACTIVE group, else ResourceInUseException
//   (unverified: AWS does not document the error). A schema and a group
//   that both have a domain must have the same one (InvalidInputException).
// * Deleting a group or dataset that is still being created or already
//   being deleted: ResourceInUseException (unverified for the creating
//   case). A group with datasets (in any status) and a schema used by a
//   dataset (in any status) cannot be deleted: ResourceInUseException.
// * datasetType is accepted in any case and reported in its canonical
//   spelling: Interactions, Items, Users, Actions, Action_Interactions.
// * List*: maxResults 1-100 (the model's), default
//   limits.default_max_results; items in creation order; nextToken is set
//   only when more items follow. Tokens are sealed with options.sealer for
//   the operation and, for ListDatasets, the datasetGroupArn filter; any
//   other token is InvalidNextTokenException, one over 1500 characters (or
//   non-ASCII) InvalidInputException. A token holds the position after the
//   last item returned, so creations and deletions between pages neither
//   skip nor repeat the items that existed throughout.
// * ListDatasets without datasetGroupArn lists every dataset of the
//   account; with the ARN of an unknown group it returns an empty page
//   (the model has no ResourceNotFoundException for it; unverified).
class PersonalizeSimulator final : public PersonalizeBackend {
 public:
  explicit PersonalizeSimulator(SimulatorOptions options, PersonalizeLimits limits = {});

  PersonalizeSimulator(const PersonalizeSimulator&) = delete;
  PersonalizeSimulator& operator=(const PersonalizeSimulator&) = delete;

  // In memory, under a lock held only for the call's own work: calls never
  // block, so the server starts them on gRPC's thread.
  bool MayBlock() const override { return false; }

#define AWSFACADE_PERSONALIZE_OP(Op)                       \
  absl::StatusOr<::aws::personalize::v1::Op##Response> Op( \
      const ::aws::personalize::v1::Op##Request& request) override;
  AWSFACADE_PERSONALIZE_OP(CreateDatasetGroup)
  AWSFACADE_PERSONALIZE_OP(DescribeDatasetGroup)
  AWSFACADE_PERSONALIZE_OP(ListDatasetGroups)
  AWSFACADE_PERSONALIZE_OP(DeleteDatasetGroup)
  AWSFACADE_PERSONALIZE_OP(CreateSchema)
  AWSFACADE_PERSONALIZE_OP(DescribeSchema)
  AWSFACADE_PERSONALIZE_OP(ListSchemas)
  AWSFACADE_PERSONALIZE_OP(DeleteSchema)
  AWSFACADE_PERSONALIZE_OP(CreateDataset)
  AWSFACADE_PERSONALIZE_OP(DescribeDataset)
  AWSFACADE_PERSONALIZE_OP(ListDatasets)
  AWSFACADE_PERSONALIZE_OP(DeleteDataset)
#undef AWSFACADE_PERSONALIZE_OP

  // Forgets every resource (the simulator's reset).
  void Reset();

  // Persistence (--state_dir). SaveState writes every resource not yet gone
  // at the clock's current time, in creation order: equal states give equal
  // bytes, whatever reads ran before. LoadState replaces the whole state
  // with `in` after checking it (a DataLossError naming what is
  // inconsistent leaves the state as it was); ARNs must be this simulator's
  // region and account. Page tokens issued before the save stay valid with
  // the same sealer key, and the next created resource gets the same
  // sequence number (and tracking ID) it would have got.
  void SaveState(::awsfacade::simulator::state::PersonalizeState* out) const;
  absl::Status LoadState(const ::awsfacade::simulator::state::PersonalizeState& in);

 private:
  // Position in a listing: creation sequence number, then ARN.
  using OrderKey = std::tuple<int64_t, std::string>;

  // When a group or dataset was created and, once deleted, when.
  struct Lifecycle {
    absl::Time created;
    std::optional<absl::Time> delete_requested;
  };
  struct GroupRecord {
    int64_t seq = 0;
    std::string name;
    std::string arn;
    std::string role_arn;
    std::string kms_key_arn;
    std::string domain;
    std::vector<::aws::personalize::v1::Tag> tags;
    Lifecycle life;
  };
  struct SchemaRecord {
    int64_t seq = 0;
    std::string name;
    std::string arn;
    std::string schema;
    std::string domain;
    absl::Time created;
  };
  struct DatasetRecord {
    int64_t seq = 0;
    std::string name;
    std::string arn;
    std::string group_arn;
    std::string dataset_type;  // canonical spelling
    std::string schema_arn;
    std::string tracking_id;  // Action_Interactions only
    std::vector<::aws::personalize::v1::Tag> tags;
    Lifecycle life;
  };
  // One kind of resource (dataset groups, schemas, datasets): records by
  // ARN, and their listing order. Record has `seq` and `arn`.
  template <typename Record>
  class Collection {
   public:
    bool contains(const std::string& arn) const { return by_arn_.contains(arn); }
    size_t size() const { return by_arn_.size(); }
    Record* Find(const std::string& arn) {
      auto it = by_arn_.find(arn);
      return it == by_arn_.end() ? nullptr : &it->second;
    }
    const Record* Find(const std::string& arn) const {
      auto it = by_arn_.find(arn);
      return it == by_arn_.end() ? nullptr : &it->second;
    }
    // Adds `record`, whose ARN the collection does not hold yet.
    Record& Add(Record record) {
      order_.emplace(OrderKey{record.seq, record.arn}, record.arn);
      std::string arn = record.arn;
      return by_arn_[arn] = std::move(record);
    }
    // Removes the record of `arn`, if any.
    void Erase(const std::string& arn) {
      auto it = by_arn_.find(arn);
      if (it == by_arn_.end()) return;
      order_.erase(OrderKey{it->second.seq, arn});
      by_arn_.erase(it);
    }
    void clear() {
      by_arn_.clear();
      order_.clear();
    }
    // The first record (in ARN order) that `pred` accepts, or nullptr.
    template <typename Pred>
    const Record* FindIf(Pred pred) const {
      for (const auto& [arn, record] : by_arn_) {
        if (pred(record)) return &record;
      }
      return nullptr;
    }
    // Calls `visit` with every record, in listing order.
    template <typename Visit>
    void ForEach(Visit visit) const {
      for (const auto& [key, arn] : order_) visit(by_arn_.at(arn));
    }
    // One page of a listing: the records `include` accepts, in listing order
    // after position `after` (from the first when nullopt), at most
    // `page_size`, each passed to `emit`. Returns the position of the last
    // one emitted when an accepted record follows it (the next token's),
    // else nullopt.
    template <typename Include, typename Emit>
    std::optional<OrderKey> Page(const std::optional<OrderKey>& after, int page_size,
                                 Include include, Emit emit) const {
      std::optional<OrderKey> last;
      int emitted = 0;
      for (auto it = after ? order_.upper_bound(*after) : order_.begin(); it != order_.end();
           ++it) {
        const Record& record = by_arn_.at(it->second);
        if (!include(record)) continue;
        if (emitted == page_size) return last;
        emit(record);
        ++emitted;
        last = it->first;
      }
      return std::nullopt;
    }

   private:
    absl::btree_map<std::string, Record> by_arn_;
    absl::btree_map<OrderKey, std::string> order_;  // OrderKey -> ARN
  };
  enum class Kind { kGroup, kDataset };
  // A status and when it began.
  struct Phase {
    const char* status;  // one of the status constants
    absl::Time since;
  };

  std::string Arn(absl::string_view resource) const;
  // The status of `life` at `now`; `dataset` picks the deletion statuses.
  Phase PhaseAt(const Lifecycle& life, absl::Time now, bool dataset) const;
  absl::Time GoneAt(absl::Time delete_requested) const;
  // Whether `life`'s deletion has finished by `now` (reads skip it).
  bool GoneBy(const Lifecycle& life, absl::Time now) const;
  // Removes resources whose deletion has finished by `now`.
  void PurgeLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // The sealed token for the position after `key`, and back.
  std::string SealToken(absl::string_view purpose, const OrderKey& key) const;
  absl::StatusOr<OrderKey> OpenToken(absl::string_view purpose, absl::string_view token) const;

  const SimulatorOptions options_;
  const PersonalizeLimits limits_;

  mutable absl::Mutex mu_;
  int64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  Collection<GroupRecord> groups_ ABSL_GUARDED_BY(mu_);
  Collection<SchemaRecord> schemas_ ABSL_GUARDED_BY(mu_);
  Collection<DatasetRecord> datasets_ ABSL_GUARDED_BY(mu_);
  // Deletions in progress, by the time they finish.
  absl::btree_multimap<absl::Time, std::pair<Kind, std::string>> deletions_ ABSL_GUARDED_BY(mu_);
};

}  // namespace awsfacade::backends::simulator

#endif  // AWSFACADE_BACKENDS_SIMULATOR_PERSONALIZE_SIMULATOR_H_
