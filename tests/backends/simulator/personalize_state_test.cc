// Persistence of the Personalize simulator: SaveState/LoadState round trips,
// seed-derived tracking IDs, reads (and failed writes) leave no trace in the
// saved state, and damaged state is refused.

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "backends/common/aws_error.h"
#include "backends/common/clock.h"
#include "backends/simulator/personalize_simulator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backends/simulator/state_test_util.h"

namespace awsfacade::backends::simulator {
namespace {

namespace v1 = ::aws::personalize::v1;
namespace state = ::awsfacade::simulator::state;
using state_test::Call;
using state_test::SavedBytes;
using state_test::StateTestOptions;
using ::testing::MatchesRegex;
using ::testing::Ne;
using Log = state_test::WriteLog<PersonalizeSimulator>;
using Sim = PersonalizeSimulator;

constexpr uint64_t kSeed = 42;
constexpr char kSchemaJson[] =
    R"({"type": "record", "name": "Interactions",
        "fields": [{"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"},
                   {"name": "TIMESTAMP", "type": "long"}]})";
constexpr char kArnPrefix[] = "arn:aws:personalize:us-east-1:123456789012:";
constexpr char kUuidRegex[] = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

// The default timings: statuses change every few seconds.
const PersonalizeLimits kLimits;
const absl::Duration kPending = kLimits.pending_time;
const absl::Duration kInProgress = kLimits.in_progress_time;
const absl::Duration kDeletePending = kLimits.delete_pending_time;
const absl::Duration kDeleteInProgress = kLimits.delete_in_progress_time;

std::string GroupArn(absl::string_view name) {
  return absl::StrCat(kArnPrefix, "dataset-group/", name);
}
std::string SchemaArn(absl::string_view name) { return absl::StrCat(kArnPrefix, "schema/", name); }
std::string DatasetArn(absl::string_view group, absl::string_view type) {
  return absl::StrCat(kArnPrefix, "dataset/", group, "/", type);
}

Log::Write CreateGroup(absl::string_view name) {
  v1::CreateDatasetGroupRequest request;
  request.set_name(std::string(name));
  v1::Tag* tag = request.add_tags();
  tag->set_tag_key("team");
  tag->set_tag_value(std::string(name));
  return Call(&PersonalizeBackend::CreateDatasetGroup, std::move(request));
}
Log::Write DeleteGroup(absl::string_view name) {
  v1::DeleteDatasetGroupRequest request;
  request.set_dataset_group_arn(GroupArn(name));
  return Call(&PersonalizeBackend::DeleteDatasetGroup, std::move(request));
}
Log::Write CreateSchema(absl::string_view name) {
  v1::CreateSchemaRequest request;
  request.set_name(std::string(name));
  request.set_schema(kSchemaJson);
  return Call(&PersonalizeBackend::CreateSchema, std::move(request));
}
Log::Write DeleteSchema(absl::string_view name) {
  v1::DeleteSchemaRequest request;
  request.set_schema_arn(SchemaArn(name));
  return Call(&PersonalizeBackend::DeleteSchema, std::move(request));
}
// `type` as the ARN spells it (upper case); the request spells it so too,
// which CreateDataset accepts in any case.
Log::Write CreateDataset(absl::string_view group, absl::string_view type,
                         absl::string_view schema = "s1") {
  v1::CreateDatasetRequest request;
  request.set_name(absl::StrCat(group, "-", type));
  request.set_dataset_group_arn(GroupArn(group));
  request.set_dataset_type(std::string(type));
  request.set_schema_arn(SchemaArn(schema));
  return Call(&PersonalizeBackend::CreateDataset, std::move(request));
}
Log::Write DeleteDataset(absl::string_view group, absl::string_view type) {
  v1::DeleteDatasetRequest request;
  request.set_dataset_arn(DatasetArn(group, type));
  return Call(&PersonalizeBackend::DeleteDataset, std::move(request));
}

class PersonalizeStateTest : public ::testing::Test {
 protected:
  static std::unique_ptr<Sim> NewSim(std::shared_ptr<FakeClock> clock, uint64_t seed = kSeed) {
    return std::make_unique<Sim>(StateTestOptions(std::move(clock), seed), kLimits);
  }
  static std::string Saved(const Sim& sim) { return SavedBytes<state::PersonalizeState>(sim); }

  void MustWrite(Sim& sim, Log& log, Log::Write write) {
    absl::Status status = log.Run(sim, *clock_, std::move(write));
    ASSERT_TRUE(status.ok()) << status;
  }

  // Groups g1 and g2 (ACTIVE), schemas s1 and s2, datasets g1/ITEMS and
  // g1/ACTION_INTERACTIONS (ACTIVE), g2/USERS being deleted (DELETE
  // IN_PROGRESS until kDeleteInProgress - 1 s from the end), schema s3
  // deleted.
  void Populate(Sim& sim, Log& log) {
    MustWrite(sim, log, CreateGroup("g1"));
    MustWrite(sim, log, CreateSchema("s1"));
    MustWrite(sim, log, CreateGroup("g2"));
    clock_->Advance(kPending + kInProgress);
    MustWrite(sim, log, CreateDataset("g1", "ACTION_INTERACTIONS"));
    MustWrite(sim, log, CreateDataset("g1", "ITEMS"));
    MustWrite(sim, log, CreateDataset("g2", "USERS"));
    MustWrite(sim, log, CreateSchema("s3"));
    clock_->Advance(kPending + kInProgress);
    MustWrite(sim, log, DeleteDataset("g2", "USERS"));
    MustWrite(sim, log, DeleteSchema("s3"));
    clock_->Advance(kDeletePending + absl::Milliseconds(500));
    MustWrite(sim, log, CreateSchema("s2"));
    clock_->Advance(absl::Milliseconds(500));
  }

  v1::Dataset Describe(Sim& sim, absl::string_view group, absl::string_view type) {
    v1::DescribeDatasetRequest request;
    request.set_dataset_arn(DatasetArn(group, type));
    auto response = state_test::ValidatedOver<PersonalizeBackend>(sim).DescribeDataset(request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? response->dataset() : v1::Dataset();
  }

  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
};

TEST_F(PersonalizeStateTest, SaveLoadSaveIsByteIdentical) {
  auto a = NewSim(clock_);
  Log log;
  Populate(*a, log);
  const std::string saved = Saved(*a);
  state::PersonalizeState state;
  ASSERT_TRUE(state.ParseFromString(saved));
  EXPECT_EQ(state.dataset_groups_size(), 2);
  EXPECT_EQ(state.schemas_size(), 2);
  ASSERT_EQ(state.datasets_size(), 3);  // g2/USERS is still being deleted
  EXPECT_TRUE(state.datasets(2).life().has_delete_requested());

  auto b = NewSim(clock_);
  ASSERT_TRUE(b->LoadState(state).ok());
  EXPECT_EQ(Saved(*b), saved);
}

TEST_F(PersonalizeStateTest, LoadedSimulatorContinuesLikeTheSavedOne) {
  auto a = NewSim(clock_);
  Log log;
  Populate(*a, log);
  v1::ListDatasetGroupsRequest list_groups;
  list_groups.set_max_results(1);
  auto first_groups =
      state_test::ValidatedOver<PersonalizeBackend>(*a).ListDatasetGroups(list_groups);
  ASSERT_TRUE(first_groups.ok()) << first_groups.status();
  ASSERT_FALSE(first_groups->next_token().empty());
  v1::ListDatasetsRequest list_datasets;
  list_datasets.set_max_results(2);
  auto first_datasets =
      state_test::ValidatedOver<PersonalizeBackend>(*a).ListDatasets(list_datasets);
  ASSERT_TRUE(first_datasets.ok()) << first_datasets.status();
  ASSERT_FALSE(first_datasets->next_token().empty());
  state::PersonalizeState state;
  a->SaveState(&state);
  auto b = NewSim(clock_);
  ASSERT_TRUE(b->LoadState(state).ok());

  // Past the end of g2/USERS's deletion, which b learnt from the state.
  clock_->Advance(kDeleteInProgress);
  Log later;
  for (Sim* sim : {a.get(), b.get()}) {
    list_groups.set_next_token(first_groups->next_token());
    auto groups =
        state_test::ValidatedOver<PersonalizeBackend>(*sim).ListDatasetGroups(list_groups);
    ASSERT_TRUE(groups.ok()) << groups.status();
    ASSERT_EQ(groups->dataset_groups_size(), 1);
    EXPECT_EQ(groups->dataset_groups(0).dataset_group_arn(), GroupArn("g2"));
    list_datasets.set_next_token(first_datasets->next_token());
    auto datasets = state_test::ValidatedOver<PersonalizeBackend>(*sim).ListDatasets(list_datasets);
    ASSERT_TRUE(datasets.ok()) << datasets.status();
    EXPECT_EQ(datasets->datasets_size(), 0);  // g2/USERS is gone
    // Its type can be created again in g2, with a new seq; g2 can get an
    // Action_Interactions dataset, whose tracking ID comes from the seq.
    ASSERT_TRUE(later.Run(*sim, *clock_, CreateDataset("g2", "USERS")).ok());
    ASSERT_TRUE(later.Run(*sim, *clock_, CreateDataset("g2", "ACTION_INTERACTIONS")).ok());
  }
  EXPECT_EQ(Describe(*b, "g2", "ACTION_INTERACTIONS").tracking_id(),
            Describe(*a, "g2", "ACTION_INTERACTIONS").tracking_id());
  EXPECT_EQ(Saved(*b), Saved(*a));
}

// What a restart does: the writes alone, at their times, rebuild the state
// a simulator reached with reads and failed writes in between, even when
// those ran after a deletion finished and before any write did.
TEST_F(PersonalizeStateTest, ReadsAndFailedWritesLeaveNoTraceInTheSavedState) {
  auto a = NewSim(clock_);
  Log log;
  auto read_everything = [&] {
    for (const char* group : {"g1", "g2", "g3"}) {
      v1::DescribeDatasetGroupRequest describe;
      describe.set_dataset_group_arn(GroupArn(group));
      (void)state_test::ValidatedOver<PersonalizeBackend>(*a).DescribeDatasetGroup(describe);
      v1::ListDatasetsRequest list;
      list.set_dataset_group_arn(GroupArn(group));
      (void)state_test::ValidatedOver<PersonalizeBackend>(*a).ListDatasets(list);
      for (const char* type : {"USERS", "ITEMS", "ACTION_INTERACTIONS"}) {
        v1::DescribeDatasetRequest request;
        request.set_dataset_arn(DatasetArn(group, type));
        (void)state_test::ValidatedOver<PersonalizeBackend>(*a).DescribeDataset(request);
      }
    }
    (void)state_test::ValidatedOver<PersonalizeBackend>(*a).ListDatasetGroups(
        v1::ListDatasetGroupsRequest());
    (void)state_test::ValidatedOver<PersonalizeBackend>(*a).ListSchemas(v1::ListSchemasRequest());
    (void)state_test::ValidatedOver<PersonalizeBackend>(*a).ListDatasets(v1::ListDatasetsRequest());
  };
  auto must_fail = [&](Log::Write write) {
    EXPECT_FALSE(log.Run(*a, *clock_, std::move(write)).ok());
  };
  read_everything();
  must_fail(CreateDataset("g1", "ITEMS"));  // no such group yet
  MustWrite(*a, log, CreateGroup("g1"));
  MustWrite(*a, log, CreateSchema("s1"));
  read_everything();                        // CREATE PENDING
  must_fail(CreateDataset("g1", "ITEMS"));  // not ACTIVE yet
  clock_->Advance(kPending);
  read_everything();  // CREATE IN_PROGRESS
  clock_->Advance(kInProgress);
  read_everything();  // ACTIVE
  MustWrite(*a, log, CreateDataset("g1", "ITEMS"));
  MustWrite(*a, log, CreateGroup("g3"));
  must_fail(CreateGroup("g1"));  // exists
  clock_->Advance(kPending + kInProgress);
  must_fail(DeleteGroup("g1"));   // has a dataset
  must_fail(DeleteSchema("s1"));  // in use
  MustWrite(*a, log, DeleteDataset("g1", "ITEMS"));
  MustWrite(*a, log, DeleteGroup("g3"));
  read_everything();  // DELETE PENDING
  clock_->Advance(kDeletePending);
  read_everything();  // DELETE IN_PROGRESS (dataset), still DELETE PENDING (group)
  must_fail(DeleteDataset("g1", "ITEMS"));  // being deleted
  clock_->Advance(kDeleteInProgress);
  read_everything();                                 // both gone
  MustWrite(*a, log, CreateDataset("g1", "ITEMS"));  // again, a new seq
  must_fail(DeleteGroup("g1"));                      // has a dataset again
  MustWrite(*a, log, CreateGroup("g2"));
  clock_->Advance(kPending + kInProgress);
  MustWrite(*a, log, CreateDataset("g2", "ACTION_INTERACTIONS"));
  MustWrite(*a, log, CreateGroup("g3"));
  clock_->Advance(kPending + kInProgress);
  MustWrite(*a, log, DeleteDataset("g2", "ACTION_INTERACTIONS"));
  MustWrite(*a, log, DeleteGroup("g3"));
  clock_->Advance(kDeletePending + kDeleteInProgress);
  // Both deletions have finished; only reads and a failed write (which
  // tidies up) see that before the save.
  read_everything();
  must_fail(DeleteSchema("nope"));

  auto clock_b = std::make_shared<FakeClock>();
  auto b = NewSim(clock_b);
  log.ReplayInto(*b, *clock_b);
  clock_b->Set(clock_->Now());
  EXPECT_EQ(log.size(), 12u);
  EXPECT_EQ(Saved(*b), Saved(*a));
}

TEST_F(PersonalizeStateTest, SameSeedSameIdsOtherSeedOtherTrackingIds) {
  auto clock_b = std::make_shared<FakeClock>();
  auto clock_c = std::make_shared<FakeClock>();
  auto a = NewSim(clock_);
  auto b = NewSim(clock_b);
  auto c = NewSim(clock_c, kSeed + 1);
  Log log;
  Populate(*a, log);
  log.ReplayInto(*b, *clock_b);
  log.ReplayInto(*c, *clock_c);

  const std::string tracking_id = Describe(*a, "g1", "ACTION_INTERACTIONS").tracking_id();
  EXPECT_THAT(tracking_id, MatchesRegex(kUuidRegex));
  EXPECT_EQ(Describe(*b, "g1", "ACTION_INTERACTIONS").tracking_id(), tracking_id);
  EXPECT_THAT(Describe(*c, "g1", "ACTION_INTERACTIONS").tracking_id(), Ne(tracking_id));
  EXPECT_EQ(Saved(*b), Saved(*a));
  // Also a dataset re-created under the same ARN gets a new ID.
  for (Log::Write write : {DeleteDataset("g1", "ACTION_INTERACTIONS"), Log::Write([&](Sim&) {
                             clock_->Advance(kDeletePending + kDeleteInProgress);
                             return absl::OkStatus();
                           }),
                           CreateDataset("g1", "ACTION_INTERACTIONS")}) {
    ASSERT_TRUE(write(*a).ok());
  }
  const std::string again = Describe(*a, "g1", "ACTION_INTERACTIONS").tracking_id();
  EXPECT_THAT(again, MatchesRegex(kUuidRegex));
  EXPECT_NE(again, tracking_id);
}

TEST_F(PersonalizeStateTest, SaveLeavesOutFinishedDeletions) {
  auto a = NewSim(clock_);
  Log log;
  Populate(*a, log);
  clock_->Advance(kDeleteInProgress - absl::Seconds(1));  // g2/USERS's deletion finishes now
  state::PersonalizeState state;
  a->SaveState(&state);
  ASSERT_EQ(state.datasets_size(), 2);
  EXPECT_EQ(state.datasets(0).dataset_arn(), DatasetArn("g1", "ACTION_INTERACTIONS"));
  EXPECT_EQ(state.datasets(1).dataset_arn(), DatasetArn("g1", "ITEMS"));
  EXPECT_EQ(state.next_seq(), 9);
}

TEST_F(PersonalizeStateTest, LoadReplacesTheWholeState) {
  auto a = NewSim(clock_);
  Log log;
  Populate(*a, log);
  ASSERT_TRUE(a->LoadState(state::PersonalizeState()).ok());
  EXPECT_EQ(Saved(*a), Saved(*NewSim(clock_)));
  v1::DescribeDatasetGroupRequest describe;
  describe.set_dataset_group_arn(GroupArn("g1"));
  EXPECT_EQ(AwsErrorName(state_test::ValidatedOver<PersonalizeBackend>(*a)
                             .DescribeDatasetGroup(describe)
                             .status()),
            "ResourceNotFoundException");
}

using Damage = state_test::Damage<state::PersonalizeState>;

class PersonalizeCorruptStateTest : public PersonalizeStateTest,
                                    public ::testing::WithParamInterface<Damage> {};

TEST_P(PersonalizeCorruptStateTest, IsDataLossAndChangesNothing) {
  auto a = NewSim(clock_);
  Log log;
  Populate(*a, log);
  state_test::ExpectLoadRefuses(*a, GetParam());
}

// Populate's state: groups g1 (seq 1), g2 (3); schemas s1 (2), s2 (8);
// datasets g1/ACTION_INTERACTIONS (4), g1/ITEMS (5), g2/USERS (6, being
// deleted); next_seq 9.
INSTANTIATE_TEST_SUITE_P(
    Damages, PersonalizeCorruptStateTest,
    ::testing::Values(
        Damage{"NextSeqNegative", "next_seq",
               [](state::PersonalizeState& s) { s.set_next_seq(-1); }},
        Damage{"NextSeqNotAboveSeqs", "seq 8 outside [1, 8)",
               [](state::PersonalizeState& s) { s.set_next_seq(8); }},
        Damage{"SeqUsedTwice", "seq 1 used twice",
               [](state::PersonalizeState& s) { s.mutable_schemas(0)->set_seq(1); }},
        Damage{"OutOfCreationOrder", "out of creation order",
               [](state::PersonalizeState& s) { s.mutable_dataset_groups()->SwapElements(0, 1); }},
        Damage{"BadName", "name",
               [](state::PersonalizeState& s) { s.mutable_dataset_groups(0)->set_name("-x"); }},
        Damage{"ArnOfAnotherRegion", "ARN is not",
               [](state::PersonalizeState& s) {
                 s.mutable_dataset_groups(0)->set_dataset_group_arn(
                     "arn:aws:personalize:eu-west-1:123456789012:dataset-group/g1");
               }},
        Damage{"DatasetOfMissingGroup", "is not stored",
               [](state::PersonalizeState& s) {
                 s.mutable_datasets(0)->set_dataset_group_arn(GroupArn("g9"));
               }},
        Damage{"DatasetOfMissingSchema", "its schema",
               [](state::PersonalizeState& s) {
                 s.mutable_datasets(0)->set_schema_arn(SchemaArn("s9"));
               }},
        Damage{
            "UnknownDatasetType", "unknown datasetType",
            [](state::PersonalizeState& s) { s.mutable_datasets(1)->set_dataset_type("ITEMS"); }},
        Damage{"MissingTrackingId", "trackingId",
               [](state::PersonalizeState& s) { s.mutable_datasets(0)->clear_tracking_id(); }},
        Damage{"TrackingIdOnItems", "trackingId",
               [](state::PersonalizeState& s) {
                 s.mutable_datasets(1)->set_tracking_id(s.datasets(0).tracking_id());
               }},
        Damage{"NoCreationTime", "no valid creation time",
               [](state::PersonalizeState& s) {
                 s.mutable_dataset_groups(1)->mutable_life()->clear_created();
               }},
        Damage{"BadNanos", "no valid creation time",
               [](state::PersonalizeState& s) {
                 s.mutable_schemas(1)->mutable_created()->set_nanos(-1);
               }},
        Damage{"DeletedBeforeCreated", "before creation",
               [](state::PersonalizeState& s) {
                 s.mutable_datasets(2)->mutable_life()->mutable_delete_requested()->set_seconds(0);
               }},
        Damage{"GroupDeletedWithDatasets", "is being deleted",
               [](state::PersonalizeState& s) {
                 *s.mutable_dataset_groups(0)->mutable_life()->mutable_delete_requested() =
                     s.dataset_groups(0).life().created();
               }},
        Damage{"BadSchema", "Invalid Avro schema",
               [](state::PersonalizeState& s) { s.mutable_schemas(0)->set_schema("{"); }},
        Damage{"GroupStoredTwice", "stored twice",
               [](state::PersonalizeState& s) {
                 *s.add_dataset_groups() = s.dataset_groups(0);
                 s.mutable_dataset_groups(2)->set_seq(9);
                 s.set_next_seq(10);
               }}),
    state_test::DamageName<state::PersonalizeState>);

}  // namespace
}  // namespace awsfacade::backends::simulator
