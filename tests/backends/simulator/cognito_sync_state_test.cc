// Persistence of the Cognito Sync simulator: SaveState/LoadState round trips,
// reads leave no trace in the saved state, and damaged state is refused.

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "backends/common/clock.h"
#include "backends/simulator/cognito_sync_simulator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backends/simulator/state_test_util.h"

namespace awsfacade::backends::simulator {
namespace {

namespace cs = ::aws::cognitosync::v1;
namespace state = ::awsfacade::simulator::state;
using state_test::SavedBytes;
using state_test::StateTestOptions;
using Log = state_test::WriteLog<CognitoSyncSimulator>;

constexpr char kPool[] = "us-east-1:0000-ab";
constexpr char kIdentity[] = "us-east-1:1111-cd";
constexpr char kOtherIdentity[] = "us-east-1:2222-ef";
constexpr uint64_t kSeed = 42;

std::string Saved(const CognitoSyncSimulator& sim) {
  return SavedBytes<state::CognitoSyncState>(sim);
}

cs::ListRecordsRequest ListRequest(absl::string_view identity, absl::string_view dataset,
                                   int32_t max_results = 1024, absl::string_view next_token = "") {
  cs::ListRecordsRequest request;
  request.set_identity_pool_id(kPool);
  request.set_identity_id(std::string(identity));
  request.set_dataset_name(std::string(dataset));
  request.set_max_results(max_results);
  request.set_next_token(std::string(next_token));
  return request;
}

// An UpdateRecords of `dataset` that puts each key in `replace` (value
// "<key>=<sync_count>") and removes each key in `remove`, all expected at
// `sync_count`, in a session from `token`.
cs::UpdateRecordsRequest Update(absl::string_view identity, absl::string_view dataset,
                                absl::string_view token, int64_t sync_count,
                                std::vector<std::string> replace,
                                std::vector<std::string> remove = {}) {
  cs::UpdateRecordsRequest request;
  request.set_identity_pool_id(kPool);
  request.set_identity_id(std::string(identity));
  request.set_dataset_name(std::string(dataset));
  request.set_sync_session_token(std::string(token));
  for (const std::string& key : replace) {
    cs::RecordPatch* patch = request.add_record_patches();
    patch->set_op("replace");
    patch->set_key(key);
    patch->set_value(absl::StrCat(key, "=", sync_count));
    patch->set_sync_count(sync_count);
  }
  for (const std::string& key : remove) {
    cs::RecordPatch* patch = request.add_record_patches();
    patch->set_op("remove");
    patch->set_key(key);
    patch->set_sync_count(sync_count);
  }
  return request;
}

cs::DeleteDatasetRequest Delete(absl::string_view identity, absl::string_view dataset) {
  cs::DeleteDatasetRequest request;
  request.set_identity_pool_id(kPool);
  request.set_identity_id(std::string(identity));
  request.set_dataset_name(std::string(dataset));
  return request;
}

Log::Write UpdateWrite(cs::UpdateRecordsRequest request) {
  return state_test::Call(&CognitoSyncBackend::UpdateRecords, std::move(request));
}
Log::Write DeleteWrite(cs::DeleteDatasetRequest request) {
  return state_test::Call(&CognitoSyncBackend::DeleteDataset, std::move(request));
}

class CognitoSyncStateTest : public ::testing::Test {
 protected:
  std::unique_ptr<CognitoSyncSimulator> NewSim(std::shared_ptr<FakeClock> clock) const {
    return std::make_unique<CognitoSyncSimulator>(StateTestOptions(std::move(clock), kSeed));
  }

  std::string SessionToken(CognitoSyncSimulator& sim, absl::string_view identity,
                           absl::string_view dataset) {
    auto response = state_test::ValidatedOver<CognitoSyncBackend>(sim).ListRecords(
        ListRequest(identity, dataset));
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? response->sync_session_token() : "";
  }

  // Two identities; "settings" holds live records and a tombstone, and was
  // deleted once and re-created; "scores" was deleted and not re-created.
  void Populate(CognitoSyncSimulator& sim, Log& log) {
    auto write = [&](Log::Write w) { ASSERT_TRUE(log.Run(sim, *clock_, std::move(w)).ok()); };
    write(UpdateWrite(Update(kIdentity, "settings", SessionToken(sim, kIdentity, "settings"), 0,
                             {"a", "b", "c"})));
    clock_->Advance(absl::Seconds(3));
    write(UpdateWrite(
        Update(kIdentity, "scores", SessionToken(sim, kIdentity, "scores"), 0, {"high"})));
    write(DeleteWrite(Delete(kIdentity, "scores")));
    write(DeleteWrite(Delete(kIdentity, "settings")));
    clock_->Advance(absl::Milliseconds(1500));
    write(UpdateWrite(Update(kIdentity, "settings", SessionToken(sim, kIdentity, "settings"), 0,
                             {"a", "d", "e"})));
    write(UpdateWrite(
        Update(kIdentity, "settings", SessionToken(sim, kIdentity, "settings"), 2, {"d"}, {"a"})));
    clock_->Advance(absl::Minutes(2));
    write(UpdateWrite(Update(kOtherIdentity, "settings",
                             SessionToken(sim, kOtherIdentity, "settings"), 0, {"x"})));
  }

  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
};

TEST_F(CognitoSyncStateTest, SaveLoadSaveIsByteIdentical) {
  auto a = NewSim(clock_);
  Log log;
  Populate(*a, log);
  const std::string saved = Saved(*a);
  state::CognitoSyncState state;
  ASSERT_TRUE(state.ParseFromString(saved));
  ASSERT_EQ(state.identities_size(), 2);

  auto b = NewSim(clock_);
  ASSERT_TRUE(b->LoadState(state).ok());
  EXPECT_EQ(Saved(*b), saved);
}

TEST_F(CognitoSyncStateTest, LoadedSimulatorContinuesLikeTheSavedOne) {
  auto a = NewSim(clock_);
  Log log;
  Populate(*a, log);
  // Tokens issued before the save: a page token and a sync session.
  auto first_page = state_test::ValidatedOver<CognitoSyncBackend>(*a).ListRecords(
      ListRequest(kIdentity, "settings", /*max_results=*/1));
  ASSERT_TRUE(first_page.ok()) << first_page.status();
  ASSERT_FALSE(first_page->next_token().empty());
  state::CognitoSyncState state;
  a->SaveState(&state);
  auto b = NewSim(clock_);
  ASSERT_TRUE(b->LoadState(state).ok());
  clock_->Advance(absl::Minutes(10));

  for (CognitoSyncSimulator* sim : {a.get(), b.get()}) {
    auto api = state_test::ValidatedOver<CognitoSyncBackend>(*sim);
    auto page = api.ListRecords(ListRequest(kIdentity, "settings", 1, first_page->next_token()));
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_EQ(page->records_size(), 1);
    EXPECT_EQ(page->records(0).key(), "d");
    EXPECT_EQ(page->dataset_sync_count(), 3);
    auto updated = api.UpdateRecords(
        Update(kIdentity, "settings", first_page->sync_session_token(), 0, {"f"}));
    ASSERT_TRUE(updated.ok()) << updated.status();
    ASSERT_EQ(updated->records_size(), 1);
    EXPECT_EQ(updated->records(0).sync_count(), 4);
    // The deletion marker came along: "scores" re-created continues above it.
    auto scores = api.UpdateRecords(
        Update(kIdentity, "scores", SessionToken(*sim, kIdentity, "scores"), 0, {"low"}));
    ASSERT_TRUE(scores.ok()) << scores.status();
    EXPECT_EQ(scores->records(0).sync_count(), 2);
  }
  EXPECT_EQ(Saved(*b), Saved(*a));
}

// What a restart does: the writes alone, at their times, rebuild the state
// a simulator reached with reads (and failed writes) in between.
TEST_F(CognitoSyncStateTest, ReadsAndFailedWritesLeaveNoTraceInTheSavedState) {
  auto a = NewSim(clock_);
  Log log;
  auto read_everything = [&] {
    for (const char* identity : {kIdentity, kOtherIdentity}) {
      for (const char* dataset : {"settings", "scores", "never"}) {
        (void)state_test::ValidatedOver<CognitoSyncBackend>(*a).ListRecords(
            ListRequest(identity, dataset, 1));
        cs::DescribeDatasetRequest describe;
        describe.set_identity_pool_id(kPool);
        describe.set_identity_id(identity);
        describe.set_dataset_name(dataset);
        (void)state_test::ValidatedOver<CognitoSyncBackend>(*a).DescribeDataset(describe);
      }
      cs::ListDatasetsRequest list;
      list.set_identity_pool_id(kPool);
      list.set_identity_id(identity);
      (void)state_test::ValidatedOver<CognitoSyncBackend>(*a).ListDatasets(list);
    }
  };
  read_everything();
  Populate(*a, log);
  read_everything();
  // Failed writes: a stale SyncCount, an unknown dataset, an old session.
  const std::string stale_session = SessionToken(*a, kIdentity, "settings");
  EXPECT_FALSE(
      log.Run(*a, *clock_, UpdateWrite(Update(kIdentity, "settings", stale_session, 1, {"d"})))
          .ok());
  EXPECT_FALSE(log.Run(*a, *clock_, DeleteWrite(Delete(kIdentity, "never"))).ok());
  clock_->Advance(absl::Seconds(7));
  ASSERT_TRUE(log.Run(*a, *clock_, DeleteWrite(Delete(kIdentity, "settings"))).ok());
  read_everything();
  EXPECT_FALSE(
      log.Run(*a, *clock_, UpdateWrite(Update(kIdentity, "settings", stale_session, 0, {"z"})))
          .ok());
  clock_->Advance(absl::Seconds(1));
  ASSERT_TRUE(log.Run(*a, *clock_,
                      UpdateWrite(Update(kIdentity, "settings",
                                         SessionToken(*a, kIdentity, "settings"), 0, {"z"})))
                  .ok());
  read_everything();

  auto clock_b = std::make_shared<FakeClock>();
  auto b = NewSim(clock_b);
  log.ReplayInto(*b, *clock_b);
  EXPECT_EQ(log.size(), 9u);
  EXPECT_EQ(Saved(*b), Saved(*a));
}

TEST_F(CognitoSyncStateTest, LoadReplacesTheWholeState) {
  auto a = NewSim(clock_);
  Log log;
  Populate(*a, log);
  ASSERT_TRUE(a->LoadState(state::CognitoSyncState()).ok());
  EXPECT_EQ(Saved(*a), Saved(*NewSim(clock_)));
  auto described = state_test::ValidatedOver<CognitoSyncBackend>(*a).DescribeDataset([] {
    cs::DescribeDatasetRequest request;
    request.set_identity_pool_id(kPool);
    request.set_identity_id(kIdentity);
    request.set_dataset_name("settings");
    return request;
  }());
  EXPECT_EQ(described.status().code(), absl::StatusCode::kNotFound);
}

using Damage = state_test::Damage<state::CognitoSyncState>;

class CognitoSyncCorruptStateTest : public CognitoSyncStateTest,
                                    public ::testing::WithParamInterface<Damage> {};

TEST_P(CognitoSyncCorruptStateTest, IsDataLossAndChangesNothing) {
  auto a = NewSim(clock_);
  Log log;
  Populate(*a, log);
  state_test::ExpectLoadRefuses(*a, GetParam());
}

// identities(0) is kIdentity: datasets "settings" (records a: tombstone,
// d, e), deletion markers "scores" and "settings".
INSTANTIATE_TEST_SUITE_P(
    Damages, CognitoSyncCorruptStateTest,
    ::testing::Values(
        Damage{"BadIdentityId", "IdentityId",
               [](state::CognitoSyncState& s) { s.mutable_identities(0)->set_identity_id("x"); }},
        Damage{"IdentitiesOutOfOrder", "out of order",
               [](state::CognitoSyncState& s) { s.mutable_identities()->SwapElements(0, 1); }},
        Damage{"EmptyIdentity", "neither datasets nor deletion markers",
               [](state::CognitoSyncState& s) { s.mutable_identities(1)->clear_datasets(); }},
        Damage{"RepeatedDataset", "out of order or repeated",
               [](state::CognitoSyncState& s) {
                 auto* id = s.mutable_identities(0);
                 *id->add_datasets() = id->datasets(0);
               }},
        Damage{"DatasetOfAnotherIdentity", "IdentityId is",
               [](state::CognitoSyncState& s) {
                 s.mutable_identities(0)->mutable_datasets(0)->mutable_meta()->set_identity_id(
                     kOtherIdentity);
               }},
        Damage{"SyncCountNotAboveMarker", "not above its deletion marker",
               [](state::CognitoSyncState& s) {
                 s.mutable_identities(0)->mutable_datasets(0)->set_sync_count(1);
               }},
        Damage{"ZeroMarker", "<= 0",
               [](state::CognitoSyncState& s) {
                 s.mutable_identities(0)->mutable_deleted(0)->set_sync_count(0);
               }},
        Damage{"RecordAboveDataset", "SyncCount 9 outside",
               [](state::CognitoSyncState& s) {
                 s.mutable_identities(0)->mutable_datasets(0)->mutable_records(1)->set_sync_count(
                     9);
               }},
        Damage{"RecordsOutOfOrder", "records out of order",
               [](state::CognitoSyncState& s) {
                 s.mutable_identities(0)->mutable_datasets(0)->mutable_records()->SwapElements(0,
                                                                                               2);
               }},
        Damage{"NumRecordsWrong", "NumRecords",
               [](state::CognitoSyncState& s) {
                 s.mutable_identities(0)->mutable_datasets(0)->mutable_meta()->set_num_records(3);
               }},
        Damage{"DataStorageWrong", "DataStorage",
               [](state::CognitoSyncState& s) {
                 s.mutable_identities(0)->mutable_datasets(0)->mutable_records(1)->set_value(
                     "longer value");
               }},
        Damage{"NoRecords", "has no records",
               [](state::CognitoSyncState& s) {
                 s.mutable_identities(0)->mutable_datasets(0)->clear_records();
               }}),
    state_test::DamageName<state::CognitoSyncState>);

}  // namespace
}  // namespace awsfacade::backends::simulator
