#include "backends/simulator/cognito_sync_simulator.h"

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "backends/common/aws_error.h"
#include "backends/common/clock.h"
#include "backends/common/token_sealer.h"
#include "backends/request_validator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/common/status_matchers.h"

namespace awsfacade::backends::simulator {
namespace {

namespace cs = ::aws::cognitosync::v1;
using ::awsfacade::testutil::IsAwsError;
using ::awsfacade::testutil::IsAwsErrorOnField;
using ::awsfacade::testutil::IsOk;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kPool[] = "us-east-1:0000-ab";
constexpr char kOtherPool[] = "eu-west-1:0000-ab";
constexpr char kIdentity[] = "us-east-1:1111-cd";
constexpr char kOtherIdentity[] = "us-east-1:2222-ef";
constexpr char kDataset[] = "settings";

MATCHER_P3(IsRecord, key, value, sync_count, "") {
  *result_listener << arg.ShortDebugString();
  return arg.key() == key && arg.has_value() && arg.value() == value &&
         arg.sync_count() == sync_count;
}

MATCHER_P2(IsTombstone, key, sync_count, "") {
  *result_listener << arg.ShortDebugString();
  return arg.key() == key && !arg.has_value() && arg.sync_count() == sync_count;
}

cs::RecordPatch Replace(absl::string_view key, absl::string_view value, int64_t sync_count) {
  cs::RecordPatch patch;
  patch.set_op("replace");
  patch.set_key(std::string(key));
  patch.set_value(std::string(value));
  patch.set_sync_count(sync_count);
  return patch;
}

cs::RecordPatch Remove(absl::string_view key, int64_t sync_count) {
  cs::RecordPatch patch;
  patch.set_op("remove");
  patch.set_key(std::string(key));
  patch.set_sync_count(sync_count);
  return patch;
}

absl::Time ToTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

class CognitoSyncSimulatorTest : public ::testing::Test {
 protected:
  CognitoSyncSimulatorTest() { Build(CognitoSyncLimits{}); }

  void Build(CognitoSyncLimits limits) {
    SimulatorOptions options;
    options.clock = clock_;
    options.sealer = std::make_shared<TokenSealer>("test-key");
    simulator_ = std::make_shared<CognitoSyncSimulator>(options, limits);
    sim_ = std::make_unique<ValidatedCognitoSync>(simulator_);
  }

  static cs::ListRecordsRequest ListRequest(absl::string_view dataset,
                                            std::optional<int64_t> last_sync_count = {},
                                            std::optional<int32_t> max_results = {},
                                            absl::string_view next_token = "",
                                            absl::string_view identity = kIdentity,
                                            absl::string_view pool = kPool) {
    cs::ListRecordsRequest request;
    request.set_identity_pool_id(std::string(pool));
    request.set_identity_id(std::string(identity));
    request.set_dataset_name(std::string(dataset));
    if (last_sync_count) request.set_last_sync_count(*last_sync_count);
    if (max_results) request.set_max_results(*max_results);
    request.set_next_token(std::string(next_token));
    return request;
  }

  // ListRecords that must succeed.
  cs::ListRecordsResponse List(absl::string_view dataset,
                               std::optional<int64_t> last_sync_count = {},
                               std::optional<int32_t> max_results = {},
                               absl::string_view next_token = "") {
    auto response =
        sim_->ListRecords(ListRequest(dataset, last_sync_count, max_results, next_token));
    EXPECT_THAT(response, IsOk());
    return response.ok() ? *response : cs::ListRecordsResponse();
  }

  std::string SessionToken(absl::string_view dataset, absl::string_view identity = kIdentity,
                           absl::string_view pool = kPool) {
    auto response = sim_->ListRecords(ListRequest(dataset, {}, {}, "", identity, pool));
    EXPECT_THAT(response, IsOk());
    return response.ok() ? response->sync_session_token() : "";
  }

  static cs::UpdateRecordsRequest UpdateRequest(absl::string_view dataset,
                                                std::vector<cs::RecordPatch> patches,
                                                absl::string_view token,
                                                absl::string_view identity = kIdentity,
                                                absl::string_view pool = kPool) {
    cs::UpdateRecordsRequest request;
    request.set_identity_pool_id(std::string(pool));
    request.set_identity_id(std::string(identity));
    request.set_dataset_name(std::string(dataset));
    request.set_device_id("device-1");
    request.set_sync_session_token(std::string(token));
    for (auto& p : patches) *request.add_record_patches() = std::move(p);
    return request;
  }

  // UpdateRecords with a fresh session token.
  absl::StatusOr<cs::UpdateRecordsResponse> Update(absl::string_view dataset,
                                                   std::vector<cs::RecordPatch> patches,
                                                   absl::string_view identity = kIdentity,
                                                   absl::string_view pool = kPool) {
    std::string token = SessionToken(dataset, identity, pool);
    return sim_->UpdateRecords(UpdateRequest(dataset, std::move(patches), token, identity, pool));
  }

  absl::StatusOr<cs::Dataset> Describe(absl::string_view dataset,
                                       absl::string_view identity = kIdentity) {
    cs::DescribeDatasetRequest request;
    request.set_identity_pool_id(kPool);
    request.set_identity_id(std::string(identity));
    request.set_dataset_name(std::string(dataset));
    auto response = sim_->DescribeDataset(request);
    if (!response.ok()) return response.status();
    return response->dataset();
  }

  absl::StatusOr<cs::DeleteDatasetResponse> Delete(absl::string_view dataset) {
    cs::DeleteDatasetRequest request;
    request.set_identity_pool_id(kPool);
    request.set_identity_id(kIdentity);
    request.set_dataset_name(std::string(dataset));
    return sim_->DeleteDataset(request);
  }

  static cs::ListDatasetsRequest ListDatasetsRequest(std::optional<int32_t> max_results = {},
                                                     absl::string_view next_token = "",
                                                     absl::string_view identity = kIdentity) {
    cs::ListDatasetsRequest request;
    request.set_identity_pool_id(kPool);
    request.set_identity_id(std::string(identity));
    if (max_results) request.set_max_results(*max_results);
    request.set_next_token(std::string(next_token));
    return request;
  }

  std::vector<std::string> DatasetNames(absl::string_view identity = kIdentity) {
    std::vector<std::string> names;
    auto response = sim_->ListDatasets(ListDatasetsRequest({}, "", identity));
    EXPECT_THAT(response, IsOk());
    if (response.ok()) {
      for (const auto& d : response->datasets()) names.push_back(d.dataset_name());
    }
    return names;
  }

  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  // The simulator (Reset), and its operations as the server calls them:
  // behind the model validation, which the simulator leaves to its caller.
  std::shared_ptr<CognitoSyncSimulator> simulator_;
  std::unique_ptr<ValidatedCognitoSync> sim_;
};

// ---------------------------------------------------------------- validation

TEST_F(CognitoSyncSimulatorTest, MissingIdentityPoolIdIsInvalidParameter) {
  auto request = ListRequest(kDataset);
  request.clear_identity_pool_id();
  EXPECT_THAT(sim_->ListRecords(request),
              IsAwsErrorOnField("InvalidParameterException", "IdentityPoolId"));
}

TEST_F(CognitoSyncSimulatorTest, IdPatternMustMatchWholeValue) {
  for (const char* bad : {"us-east-1", "us-east-1:ABCD", ":abcd", "us-east-1:", "us east-1:ab",
                          "us-east-1:ab:cd", "us-east-1:abx", "us.east:ab"}) {
    EXPECT_THAT(sim_->ListRecords(ListRequest(kDataset, {}, {}, "", bad)),
                IsAwsErrorOnField("InvalidParameterException", "IdentityId"))
        << bad;
    EXPECT_THAT(sim_->ListRecords(ListRequest(kDataset, {}, {}, "", kIdentity, bad)),
                IsAwsErrorOnField("InvalidParameterException", "IdentityPoolId"))
        << bad;
  }
  EXPECT_THAT(sim_->ListRecords(ListRequest(kDataset, {}, {}, "", "A_b-9:0-9a-f")), IsOk());
}

TEST_F(CognitoSyncSimulatorTest, IdLongerThan55IsInvalidParameter) {
  std::string at_limit = absl::StrCat("us-east-1:", std::string(45, 'a'));  // 55 characters
  std::string too_long = absl::StrCat(at_limit, "a");
  EXPECT_THAT(sim_->ListRecords(ListRequest(kDataset, {}, {}, "", at_limit)), IsOk());
  EXPECT_THAT(sim_->ListRecords(ListRequest(kDataset, {}, {}, "", too_long)),
              IsAwsErrorOnField("InvalidParameterException", "IdentityId"));
}

TEST_F(CognitoSyncSimulatorTest, DatasetNameCharsetAndLengthAreEnforced) {
  EXPECT_THAT(sim_->ListRecords(ListRequest("my.ds:1_-A")), IsOk());
  EXPECT_THAT(sim_->ListRecords(ListRequest(std::string(128, 'd'))), IsOk());
  for (const std::string& bad :
       {std::string(""), std::string("bad/name"), std::string("sp ace"), std::string(129, 'd')}) {
    EXPECT_THAT(sim_->ListRecords(ListRequest(bad)),
                IsAwsErrorOnField("InvalidParameterException", "DatasetName"))
        << bad;
  }
}

TEST_F(CognitoSyncSimulatorTest, KeyLengthIsEnforcedPerPatch) {
  EXPECT_THAT(Update(kDataset, {Replace("ok", "v", 0), Replace("", "v", 0)}),
              IsAwsErrorOnField("InvalidParameterException", "RecordPatches[1].Key"));
  EXPECT_THAT(Update(kDataset, {Replace(std::string(1025, 'k'), "v", 0)}),
              IsAwsErrorOnField("InvalidParameterException", "RecordPatches[0].Key"));
  EXPECT_THAT(Update(kDataset, {Replace(std::string(1024, 'k'), "v", 0)}), IsOk());
}

TEST_F(CognitoSyncSimulatorTest, ValueLongerThanModelMaxIsInvalidParameter) {
  EXPECT_THAT(Update(kDataset, {Replace("k", std::string(1048576, 'v'), 0)}),
              IsAwsErrorOnField("InvalidParameterException", "RecordPatches[0].Value"));
}

TEST_F(CognitoSyncSimulatorTest, DeviceIdLongerThan256IsInvalidParameter) {
  auto request = UpdateRequest(kDataset, {Replace("k", "v", 0)}, SessionToken(kDataset));
  request.set_device_id(std::string(257, 'd'));
  EXPECT_THAT(sim_->UpdateRecords(request),
              IsAwsErrorOnField("InvalidParameterException", "DeviceId"));
  request.set_device_id(std::string(256, 'd'));
  EXPECT_THAT(sim_->UpdateRecords(request), IsOk());
}

TEST_F(CognitoSyncSimulatorTest, OpMustBeLowerCaseReplaceOrRemove) {
  for (const char* bad : {"Replace", "REMOVE", "delete", ""}) {
    cs::RecordPatch patch = Replace("k", "v", 0);
    patch.set_op(bad);
    EXPECT_THAT(Update(kDataset, {patch}),
                IsAwsErrorOnField("InvalidParameterException", "RecordPatches[0].Op"))
        << bad;
  }
}

TEST_F(CognitoSyncSimulatorTest, PatchSyncCountIsRequiredAndNonNegative) {
  cs::RecordPatch missing = Replace("k", "v", 0);
  missing.clear_sync_count();
  EXPECT_THAT(Update(kDataset, {missing}),
              IsAwsErrorOnField("InvalidParameterException", "RecordPatches[0].SyncCount"));
  EXPECT_THAT(Update(kDataset, {Replace("k", "v", -1)}),
              IsAwsErrorOnField("InvalidParameterException", "RecordPatches[0].SyncCount"));
}

TEST_F(CognitoSyncSimulatorTest, ReplaceRequiresValueButEmptyValueIsValid) {
  cs::RecordPatch no_value = Replace("k", "v", 0);
  no_value.clear_value();
  EXPECT_THAT(Update(kDataset, {no_value}),
              IsAwsErrorOnField("InvalidParameterException", "RecordPatches[0].Value"));
  auto stored = Update(kDataset, {Replace("k", "", 0)});
  ASSERT_THAT(stored, IsOk());
  EXPECT_THAT(stored->records(), ElementsAre(IsRecord("k", "", 1)));
}

TEST_F(CognitoSyncSimulatorTest, DuplicateKeysInOneCallAreInvalidParameter) {
  EXPECT_THAT(Update(kDataset, {Replace("a", "1", 0), Replace("b", "2", 0), Remove("a", 0)}),
              IsAwsErrorOnField("InvalidParameterException", "RecordPatches[2].Key"));
  EXPECT_FALSE(List(kDataset).dataset_exists());
}

TEST_F(CognitoSyncSimulatorTest, MaxResultsMustBeBetween1And1024) {
  for (int32_t bad : {0, -1, 1025}) {
    EXPECT_THAT(sim_->ListRecords(ListRequest(kDataset, {}, bad)),
                IsAwsErrorOnField("InvalidParameterException", "MaxResults"))
        << bad;
    EXPECT_THAT(sim_->ListDatasets(ListDatasetsRequest(bad)),
                IsAwsErrorOnField("InvalidParameterException", "MaxResults"))
        << bad;
  }
  EXPECT_THAT(sim_->ListRecords(ListRequest(kDataset, {}, 1024)), IsOk());
  EXPECT_THAT(sim_->ListDatasets(ListDatasetsRequest(1)), IsOk());
}

TEST_F(CognitoSyncSimulatorTest, NegativeLastSyncCountIsInvalidParameter) {
  EXPECT_THAT(sim_->ListRecords(ListRequest(kDataset, -1)),
              IsAwsErrorOnField("InvalidParameterException", "LastSyncCount"));
}

// --------------------------------------------------------------- ListRecords

TEST_F(CognitoSyncSimulatorTest, MissingDatasetIsNotAnError) {
  cs::ListRecordsResponse response = List("never-written");
  EXPECT_TRUE(response.has_dataset_exists());
  EXPECT_FALSE(response.dataset_exists());
  EXPECT_FALSE(response.dataset_deleted_after_requested_sync_count());
  EXPECT_EQ(response.count(), 0);
  EXPECT_TRUE(response.has_dataset_sync_count());
  EXPECT_EQ(response.dataset_sync_count(), 0);
  EXPECT_THAT(response.records(), IsEmpty());
  EXPECT_TRUE(response.next_token().empty());
  EXPECT_FALSE(response.sync_session_token().empty());
}

TEST_F(CognitoSyncSimulatorTest, ListsRecordsOrderedByKeyWithDatasetState) {
  ASSERT_THAT(Update(kDataset, {Replace("b", "2", 0), Replace("a", "1", 0)}), IsOk());
  ASSERT_THAT(Update(kDataset, {Replace("c", "3", 0)}), IsOk());
  cs::ListRecordsResponse response = List(kDataset);
  EXPECT_TRUE(response.dataset_exists());
  EXPECT_EQ(response.dataset_sync_count(), 2);
  EXPECT_EQ(response.last_modified_by(), kIdentity);
  EXPECT_THAT(response.merged_dataset_names(), IsEmpty());
  EXPECT_EQ(response.count(), 3);
  EXPECT_THAT(response.records(),
              ElementsAre(IsRecord("a", "1", 1), IsRecord("b", "2", 1), IsRecord("c", "3", 2)));
}

TEST_F(CognitoSyncSimulatorTest, LastSyncCountReturnsOnlyLaterChanges) {
  ASSERT_THAT(Update(kDataset, {Replace("a", "1", 0), Replace("b", "2", 0)}), IsOk());
  ASSERT_THAT(Update(kDataset, {Replace("b", "22", 1)}), IsOk());
  ASSERT_THAT(Update(kDataset, {Replace("c", "3", 0)}), IsOk());
  EXPECT_THAT(List(kDataset, 1).records(),
              ElementsAre(IsRecord("b", "22", 2), IsRecord("c", "3", 3)));
  EXPECT_THAT(List(kDataset, 3).records(), IsEmpty());
  EXPECT_EQ(List(kDataset, 3).dataset_sync_count(), 3);
  EXPECT_EQ(List(kDataset, 0).count(), 3);
}

TEST_F(CognitoSyncSimulatorTest, PagesFollowKeyOrderUntilNoNextToken) {
  ASSERT_THAT(Update(kDataset, {Replace("e", "5", 0), Replace("d", "4", 0), Replace("c", "3", 0),
                                Replace("b", "2", 0), Replace("a", "1", 0)}),
              IsOk());
  std::vector<std::string> keys;
  std::vector<int> counts;
  std::string token;
  do {
    cs::ListRecordsResponse page = List(kDataset, {}, 2, token);
    counts.push_back(page.count());
    for (const auto& r : page.records()) keys.push_back(r.key());
    token = page.next_token();
  } while (!token.empty());
  EXPECT_THAT(keys, ElementsAre("a", "b", "c", "d", "e"));
  EXPECT_THAT(counts, ElementsAre(2, 2, 1));  // Count is per page
}

TEST_F(CognitoSyncSimulatorTest, FullLastPageHasNoNextToken) {
  ASSERT_THAT(Update(kDataset, {Replace("a", "1", 0), Replace("b", "2", 0)}), IsOk());
  cs::ListRecordsResponse page = List(kDataset, {}, 2);
  EXPECT_EQ(page.records_size(), 2);
  EXPECT_TRUE(page.next_token().empty());
}

TEST_F(CognitoSyncSimulatorTest, PageTokenResumesAfterLastKeyDespiteWrites) {
  ASSERT_THAT(Update(kDataset, {Replace("a", "1", 0), Replace("c", "3", 0), Replace("e", "5", 0)}),
              IsOk());
  cs::ListRecordsResponse first = List(kDataset, {}, 2);
  ASSERT_THAT(first.records(), ElementsAre(IsRecord("a", "1", 1), IsRecord("c", "3", 1)));
  // Between pages: a key before the cursor and one after it appear.
  ASSERT_THAT(Update(kDataset, {Replace("b", "2", 0), Replace("d", "4", 0)}), IsOk());
  cs::ListRecordsResponse second = List(kDataset, {}, 2, first.next_token());
  EXPECT_THAT(second.records(), ElementsAre(IsRecord("d", "4", 2), IsRecord("e", "5", 1)));
  EXPECT_TRUE(second.next_token().empty());
}

TEST_F(CognitoSyncSimulatorTest, PagingHonoursLastSyncCount) {
  ASSERT_THAT(Update(kDataset, {Replace("a", "1", 0), Replace("b", "2", 0), Replace("c", "3", 0)}),
              IsOk());
  ASSERT_THAT(Update(kDataset, {Replace("a", "11", 1), Replace("c", "33", 1)}), IsOk());
  cs::ListRecordsResponse first = List(kDataset, 1, 1);
  EXPECT_THAT(first.records(), ElementsAre(IsRecord("a", "11", 2)));
  ASSERT_FALSE(first.next_token().empty());
  cs::ListRecordsResponse second = List(kDataset, 1, 1, first.next_token());
  EXPECT_THAT(second.records(), ElementsAre(IsRecord("c", "33", 2)));
  EXPECT_TRUE(second.next_token().empty());
}

TEST_F(CognitoSyncSimulatorTest, ForgedNextTokenIsInvalidParameter) {
  ASSERT_THAT(Update(kDataset, {Replace("a", "1", 0), Replace("b", "2", 0)}), IsOk());
  std::string token = List(kDataset, {}, 1).next_token();
  ASSERT_FALSE(token.empty());
  token[token.size() / 2] = token[token.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_THAT(sim_->ListRecords(ListRequest(kDataset, {}, 1, token)),
              IsAwsErrorOnField("InvalidParameterException", "NextToken"));
  EXPECT_THAT(sim_->ListRecords(ListRequest(kDataset, {}, 1, "garbage")),
              IsAwsErrorOnField("InvalidParameterException", "NextToken"));
}

TEST_F(CognitoSyncSimulatorTest, NextTokenIsBoundToRequestScope) {
  ASSERT_THAT(Update(kDataset, {Replace("a", "1", 0), Replace("b", "2", 0)}), IsOk());
  ASSERT_THAT(Update("other", {Replace("a", "1", 0), Replace("b", "2", 0)}), IsOk());
  std::string token = List(kDataset, {}, 1).next_token();
  ASSERT_FALSE(token.empty());
  EXPECT_THAT(sim_->ListRecords(ListRequest("other", {}, 1, token)),
              IsAwsErrorOnField("InvalidParameterException", "NextToken"));
  EXPECT_THAT(sim_->ListRecords(ListRequest(kDataset, 1, 1, token)),
              IsAwsErrorOnField("InvalidParameterException", "NextToken"));
  EXPECT_THAT(sim_->ListRecords(ListRequest(kDataset, {}, 1, token, kOtherIdentity)),
              IsAwsErrorOnField("InvalidParameterException", "NextToken"));
  EXPECT_THAT(sim_->ListRecords(ListRequest(kDataset, {}, 1, token, kIdentity, kOtherPool)),
              IsAwsErrorOnField("InvalidParameterException", "NextToken"));
  // Omitted LastSyncCount and 0 are the same request.
  EXPECT_THAT(sim_->ListRecords(ListRequest(kDataset, 0, 1, token)), IsOk());
}

TEST_F(CognitoSyncSimulatorTest, OmittedMaxResultsUsesConfiguredDefault) {
  CognitoSyncLimits limits;
  limits.default_max_results = 2;
  Build(limits);
  ASSERT_THAT(Update(kDataset, {Replace("a", "1", 0), Replace("b", "2", 0), Replace("c", "3", 0)}),
              IsOk());
  cs::ListRecordsResponse page = List(kDataset);
  EXPECT_EQ(page.count(), 2);
  EXPECT_FALSE(page.next_token().empty());
}

// ----------------------------------------------------------- SyncSessionToken

TEST_F(CognitoSyncSimulatorTest, UpdateWithoutSessionTokenIsInvalidParameter) {
  EXPECT_THAT(sim_->UpdateRecords(UpdateRequest(kDataset, {Replace("k", "v", 0)}, "")),
              IsAwsErrorOnField("InvalidParameterException", "SyncSessionToken"));
}

TEST_F(CognitoSyncSimulatorTest, ForgedSessionTokenIsInvalidParameter) {
  std::string token = SessionToken(kDataset);
  token[3] = token[3] == 'A' ? 'B' : 'A';
  EXPECT_THAT(sim_->UpdateRecords(UpdateRequest(kDataset, {Replace("k", "v", 0)}, token)),
              IsAwsErrorOnField("InvalidParameterException", "SyncSessionToken"));
  EXPECT_THAT(sim_->UpdateRecords(UpdateRequest(kDataset, {Replace("k", "v", 0)}, "abc")),
              IsAwsErrorOnField("InvalidParameterException", "SyncSessionToken"));
}

TEST_F(CognitoSyncSimulatorTest, SessionTokenOfAnotherIdentityOrDatasetIsInvalidParameter) {
  const std::string token = SessionToken(kDataset);
  EXPECT_THAT(sim_->UpdateRecords(UpdateRequest("other", {Replace("k", "v", 0)}, token)),
              IsAwsErrorOnField("InvalidParameterException", "SyncSessionToken"));
  EXPECT_THAT(
      sim_->UpdateRecords(UpdateRequest(kDataset, {Replace("k", "v", 0)}, token, kOtherIdentity)),
      IsAwsErrorOnField("InvalidParameterException", "SyncSessionToken"));
  EXPECT_THAT(sim_->UpdateRecords(
                  UpdateRequest(kDataset, {Replace("k", "v", 0)}, token, kIdentity, kOtherPool)),
              IsAwsErrorOnField("InvalidParameterException", "SyncSessionToken"));
  // A page token is not a session token.
  ASSERT_THAT(Update(kDataset, {Replace("a", "1", 0), Replace("b", "2", 0)}), IsOk());
  std::string page_token = List(kDataset, {}, 1).next_token();
  EXPECT_THAT(sim_->UpdateRecords(UpdateRequest(kDataset, {Replace("c", "3", 0)}, page_token)),
              IsAwsErrorOnField("InvalidParameterException", "SyncSessionToken"));
}

TEST_F(CognitoSyncSimulatorTest, SessionTokenExpiresAfterTtl) {
  CognitoSyncLimits limits;
  limits.sync_session_token_ttl = absl::Minutes(10);
  Build(limits);
  const std::string token = SessionToken(kDataset);
  clock_->Advance(absl::Minutes(10) - absl::Seconds(1));
  ASSERT_THAT(sim_->UpdateRecords(UpdateRequest(kDataset, {Replace("a", "1", 0)}, token)), IsOk());
  // Reusable until it expires.
  ASSERT_THAT(sim_->UpdateRecords(UpdateRequest(kDataset, {Replace("b", "2", 0)}, token)), IsOk());
  clock_->Advance(absl::Seconds(1));
  EXPECT_THAT(sim_->UpdateRecords(UpdateRequest(kDataset, {Replace("c", "3", 0)}, token)),
              IsAwsErrorOnField("InvalidParameterException", "SyncSessionToken"));
}

TEST_F(CognitoSyncSimulatorTest, DefaultSessionTtlIsOneHour) {
  const std::string token = SessionToken(kDataset);
  clock_->Advance(absl::Minutes(59));
  EXPECT_THAT(sim_->UpdateRecords(UpdateRequest(kDataset, {Replace("a", "1", 0)}, token)), IsOk());
  clock_->Advance(absl::Minutes(1));
  EXPECT_THAT(sim_->UpdateRecords(UpdateRequest(kDataset, {Replace("b", "2", 0)}, token)),
              IsAwsErrorOnField("InvalidParameterException", "SyncSessionToken"));
}

// ------------------------------------------------------------- UpdateRecords

TEST_F(CognitoSyncSimulatorTest, FirstUpdateCreatesDatasetAndReturnsStoredRecords) {
  cs::RecordPatch patch = Replace("k", "v", 0);
  patch.mutable_device_last_modified_date()->set_seconds(1577836800);
  clock_->Advance(absl::Seconds(42));
  auto response = Update(kDataset, {patch});
  ASSERT_THAT(response, IsOk());
  ASSERT_EQ(response->records_size(), 1);
  const cs::Record& record = response->records(0);
  EXPECT_THAT(record, IsRecord("k", "v", 1));
  EXPECT_EQ(ToTime(record.last_modified_date()), clock_->Now());
  EXPECT_EQ(record.last_modified_by(), kIdentity);
  EXPECT_EQ(record.device_last_modified_date().seconds(), 1577836800);
  EXPECT_TRUE(List(kDataset).dataset_exists());
  auto dataset = Describe(kDataset);
  ASSERT_THAT(dataset, IsOk());
  EXPECT_EQ(dataset->identity_id(), kIdentity);
  EXPECT_EQ(dataset->dataset_name(), kDataset);
  EXPECT_EQ(ToTime(dataset->creation_date()), clock_->Now());
  EXPECT_EQ(dataset->num_records(), 1);
  EXPECT_EQ(dataset->data_storage(), 2);
}

TEST_F(CognitoSyncSimulatorTest, SyncCountAdvancesOncePerCallForEveryRecordWritten) {
  auto first = Update(kDataset, {Replace("a", "1", 0), Replace("b", "2", 0), Replace("c", "3", 0)});
  ASSERT_THAT(first, IsOk());
  EXPECT_THAT(first->records(),
              ElementsAre(IsRecord("a", "1", 1), IsRecord("b", "2", 1), IsRecord("c", "3", 1)));
  auto second = Update(kDataset, {Replace("b", "22", 1)});
  ASSERT_THAT(second, IsOk());
  EXPECT_THAT(second->records(), ElementsAre(IsRecord("b", "22", 2)));
  EXPECT_EQ(List(kDataset).dataset_sync_count(), 2);
}

TEST_F(CognitoSyncSimulatorTest, StaleSyncCountIsResourceConflict) {
  ASSERT_THAT(Update(kDataset, {Replace("k", "v1", 0)}), IsOk());
  ASSERT_THAT(Update(kDataset, {Replace("k", "v2", 1)}), IsOk());
  EXPECT_THAT(Update(kDataset, {Replace("k", "v3", 1)}),
              IsAwsErrorOnField("ResourceConflictException", "RecordPatches[0].SyncCount"));
  EXPECT_THAT(List(kDataset).records(), ElementsAre(IsRecord("k", "v2", 2)));
}

TEST_F(CognitoSyncSimulatorTest, NewKeyRequiresSyncCountZero) {
  EXPECT_THAT(Update(kDataset, {Replace("k", "v", 3)}),
              IsAwsErrorOnField("ResourceConflictException", "RecordPatches[0].SyncCount"));
  EXPECT_FALSE(List(kDataset).dataset_exists());
  ASSERT_THAT(Update(kDataset, {Replace("k", "v", 0)}), IsOk());
  // Zero is only for keys that do not exist.
  EXPECT_THAT(Update(kDataset, {Replace("k", "w", 0)}), IsAwsError("ResourceConflictException"));
}

TEST_F(CognitoSyncSimulatorTest, OneConflictRejectsTheWholeCall) {
  ASSERT_THAT(Update(kDataset, {Replace("a", "1", 0), Replace("b", "2", 0)}), IsOk());
  EXPECT_THAT(
      Update(kDataset, {Replace("a", "11", 1), Replace("new", "n", 0), Replace("b", "22", 0)}),
      IsAwsErrorOnField("ResourceConflictException", "RecordPatches[2].SyncCount"));
  cs::ListRecordsResponse after = List(kDataset);
  EXPECT_EQ(after.dataset_sync_count(), 1);
  EXPECT_THAT(after.records(), ElementsAre(IsRecord("a", "1", 1), IsRecord("b", "2", 1)));
}

TEST_F(CognitoSyncSimulatorTest, RemoveLeavesTombstoneForIncrementalSync) {
  ASSERT_THAT(Update(kDataset, {Replace("a", "1", 0), Replace("b", "2", 0)}), IsOk());
  auto removed = Update(kDataset, {Remove("a", 1)});
  ASSERT_THAT(removed, IsOk());
  EXPECT_THAT(removed->records(), ElementsAre(IsTombstone("a", 2)));
  EXPECT_THAT(List(kDataset, 1).records(), ElementsAre(IsTombstone("a", 2)));
  EXPECT_THAT(List(kDataset).records(), ElementsAre(IsTombstone("a", 2), IsRecord("b", "2", 1)));
}

TEST_F(CognitoSyncSimulatorTest, TombstonesDoNotCountAsRecordsOrStorage) {
  ASSERT_THAT(Update(kDataset, {Replace("ab", "123", 0), Replace("c", "4", 0)}), IsOk());
  ASSERT_THAT(Update(kDataset, {Remove("ab", 1)}), IsOk());
  auto dataset = Describe(kDataset);
  ASSERT_THAT(dataset, IsOk());
  EXPECT_EQ(dataset->num_records(), 1);
  EXPECT_EQ(dataset->data_storage(), 2);
}

TEST_F(CognitoSyncSimulatorTest, DeletedKeyAcceptsZeroOrItsTombstoneSyncCount) {
  ASSERT_THAT(Update(kDataset, {Replace("a", "1", 0), Replace("b", "2", 0)}), IsOk());
  ASSERT_THAT(Update(kDataset, {Remove("a", 1), Remove("b", 1)}), IsOk());
  EXPECT_THAT(Update(kDataset, {Replace("a", "x", 1)}), IsAwsError("ResourceConflictException"));
  auto revived = Update(kDataset, {Replace("a", "x", 0), Replace("b", "y", 2)});
  ASSERT_THAT(revived, IsOk());
  EXPECT_THAT(revived->records(), ElementsAre(IsRecord("a", "x", 3), IsRecord("b", "y", 3)));
}

TEST_F(CognitoSyncSimulatorTest, RemoveOfUnknownKeyLeavesTombstone) {
  auto response = Update(kDataset, {Remove("ghost", 0)});
  ASSERT_THAT(response, IsOk());
  EXPECT_THAT(response->records(), ElementsAre(IsTombstone("ghost", 1)));
  auto dataset = Describe(kDataset);
  ASSERT_THAT(dataset, IsOk());
  EXPECT_EQ(dataset->num_records(), 0);
}

TEST_F(CognitoSyncSimulatorTest, UpdateWithoutPatchesChangesNothing) {
  auto response = Update(kDataset, {});
  ASSERT_THAT(response, IsOk());
  EXPECT_THAT(response->records(), IsEmpty());
  EXPECT_FALSE(List(kDataset).dataset_exists());
  EXPECT_THAT(DatasetNames(), IsEmpty());
  ASSERT_THAT(Update(kDataset, {Replace("a", "1", 0)}), IsOk());
  ASSERT_THAT(Update(kDataset, {}), IsOk());
  EXPECT_EQ(List(kDataset).dataset_sync_count(), 1);
  // Still needs a valid session.
  EXPECT_THAT(sim_->UpdateRecords(UpdateRequest(kDataset, {}, "")),
              IsAwsErrorOnField("InvalidParameterException", "SyncSessionToken"));
}

TEST_F(CognitoSyncSimulatorTest, ModificationUpdatesDatasetDatesButNotCreation) {
  ASSERT_THAT(Update(kDataset, {Replace("a", "1", 0)}), IsOk());
  const absl::Time created = clock_->Now();
  clock_->Advance(absl::Hours(2));
  ASSERT_THAT(Update(kDataset, {Replace("b", "2", 0)}), IsOk());
  auto dataset = Describe(kDataset);
  ASSERT_THAT(dataset, IsOk());
  EXPECT_EQ(ToTime(dataset->creation_date()), created);
  EXPECT_EQ(ToTime(dataset->last_modified_date()), clock_->Now());
  EXPECT_EQ(dataset->last_modified_by(), kIdentity);
  // The untouched record keeps its own date.
  cs::ListRecordsResponse records = List(kDataset);
  ASSERT_EQ(records.records_size(), 2);
  EXPECT_EQ(ToTime(records.records(0).last_modified_date()), created);
}

TEST_F(CognitoSyncSimulatorTest, IdentitiesAndPoolsAreIsolated) {
  ASSERT_THAT(Update(kDataset, {Replace("mine", "1", 0)}), IsOk());
  ASSERT_THAT(Update(kDataset, {Replace("theirs", "2", 0)}, kOtherIdentity), IsOk());
  ASSERT_THAT(Update(kDataset, {Replace("pool", "3", 0)}, kIdentity, kOtherPool), IsOk());
  EXPECT_THAT(List(kDataset).records(), ElementsAre(IsRecord("mine", "1", 1)));
  auto theirs = sim_->ListRecords(ListRequest(kDataset, {}, {}, "", kOtherIdentity));
  ASSERT_THAT(theirs, IsOk());
  EXPECT_THAT(theirs->records(), ElementsAre(IsRecord("theirs", "2", 1)));
  auto other_pool = sim_->ListRecords(ListRequest(kDataset, {}, {}, "", kIdentity, kOtherPool));
  ASSERT_THAT(other_pool, IsOk());
  EXPECT_THAT(other_pool->records(), ElementsAre(IsRecord("pool", "3", 1)));
  ASSERT_THAT(Delete(kDataset), IsOk());
  EXPECT_THAT(Describe(kDataset, kOtherIdentity), IsOk());
}

TEST_F(CognitoSyncSimulatorTest, DatasetsPerIdentityLimitIsLimitExceeded) {
  CognitoSyncLimits limits;
  limits.max_datasets_per_identity = 2;
  Build(limits);
  ASSERT_THAT(Update("d1", {Replace("k", "v", 0)}), IsOk());
  ASSERT_THAT(Update("d2", {Replace("k", "v", 0)}), IsOk());
  EXPECT_THAT(Update("d3", {Replace("k", "v", 0)}), IsAwsError("LimitExceededException"));
  EXPECT_FALSE(List("d3").dataset_exists());
  // Existing datasets still take writes; other identities have their own quota.
  EXPECT_THAT(Update("d2", {Replace("k2", "v", 0)}), IsOk());
  EXPECT_THAT(Update("d3", {Replace("k", "v", 0)}, kOtherIdentity), IsOk());
  ASSERT_THAT(Delete("d1"), IsOk());
  EXPECT_THAT(Update("d3", {Replace("k", "v", 0)}), IsOk());
}

TEST_F(CognitoSyncSimulatorTest, DefaultLimitIsTwentyDatasets) {
  for (int i = 0; i < 20; ++i) {
    ASSERT_THAT(Update(absl::StrCat("d", i), {Replace("k", "v", 0)}), IsOk()) << i;
  }
  EXPECT_THAT(Update("d20", {Replace("k", "v", 0)}), IsAwsError("LimitExceededException"));
}

TEST_F(CognitoSyncSimulatorTest, RecordsPerDatasetLimitCountsLiveRecordsOnly) {
  CognitoSyncLimits limits;
  limits.max_records_per_dataset = 2;
  Build(limits);
  ASSERT_THAT(Update(kDataset, {Replace("a", "1", 0), Replace("b", "2", 0)}), IsOk());
  EXPECT_THAT(Update(kDataset, {Replace("c", "3", 0)}), IsAwsError("LimitExceededException"));
  // Replacing an existing key adds no record; removing one frees a slot in
  // the same call.
  EXPECT_THAT(Update(kDataset, {Replace("a", "11", 1)}), IsOk());
  auto swapped = Update(kDataset, {Remove("b", 1), Replace("c", "3", 0)});
  ASSERT_THAT(swapped, IsOk());
  EXPECT_THAT(Update(kDataset, {Replace("d", "4", 0)}), IsAwsError("LimitExceededException"));
  EXPECT_EQ(List(kDataset).dataset_sync_count(), 3);
}

TEST_F(CognitoSyncSimulatorTest, DatasetBytesLimitCountsUtf8KeysAndValues) {
  CognitoSyncLimits limits;
  limits.max_dataset_bytes = 10;
  Build(limits);
  // "é" is 2 bytes: 1 + 2 + 2 = 5 bytes, then 5 more reaches the limit exactly.
  ASSERT_THAT(Update(kDataset, {Replace("k", "\xc3\xa9\xc3\xa9", 0)}), IsOk());
  ASSERT_THAT(Update(kDataset, {Replace("k2", "abc", 0)}), IsOk());
  auto dataset = Describe(kDataset);
  ASSERT_THAT(dataset, IsOk());
  EXPECT_EQ(dataset->data_storage(), 10);
  EXPECT_THAT(Update(kDataset, {Replace("x", "", 0)}), IsAwsError("LimitExceededException"));
  EXPECT_THAT(Update(kDataset, {Replace("k2", "abcd", 2)}), IsAwsError("LimitExceededException"));
  EXPECT_THAT(List(kDataset).records(),
              ElementsAre(IsRecord("k", "\xc3\xa9\xc3\xa9", 1), IsRecord("k2", "abc", 2)));
}

TEST_F(CognitoSyncSimulatorTest, DefaultByteLimitIsOneMebibyte) {
  ASSERT_THAT(Update(kDataset, {Replace("a", std::string(1048575 - 1, 'v'), 0)}), IsOk());
  ASSERT_THAT(Update(kDataset, {Replace("b", "", 0)}), IsOk());  // exactly 1 MiB
  EXPECT_THAT(Update(kDataset, {Replace("c", "", 0)}), IsAwsError("LimitExceededException"));
}

TEST_F(CognitoSyncSimulatorTest, ConcurrentReadModifyWriteLosesNoIncrement) {
  constexpr int kThreads = 4;
  constexpr int kIncrements = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this] {
      for (int done = 0; done < kIncrements;) {
        auto list = sim_->ListRecords(ListRequest(kDataset));
        ASSERT_TRUE(list.ok());
        int64_t value = 0, sync_count = 0;
        if (list->records_size() == 1) {
          value = std::stoll(list->records(0).value());
          sync_count = list->records(0).sync_count();
        }
        auto update = sim_->UpdateRecords(
            UpdateRequest(kDataset, {Replace("n", std::to_string(value + 1), sync_count)},
                          list->sync_session_token()));
        if (update.ok()) {
          ++done;
        } else {
          ASSERT_EQ(AwsErrorName(update.status()), "ResourceConflictException");
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_THAT(
      List(kDataset).records(),
      ElementsAre(IsRecord("n", std::to_string(kThreads * kIncrements), kThreads * kIncrements)));
}

// -------------------------------------------------------------- ListDatasets

TEST_F(CognitoSyncSimulatorTest, ListDatasetsOrdersByNameWithMetadata) {
  ASSERT_THAT(Update("zeta", {Replace("a", "1", 0)}), IsOk());
  clock_->Advance(absl::Minutes(1));
  ASSERT_THAT(Update("alpha", {Replace("k", "vv", 0), Replace("x", "y", 0)}), IsOk());
  ASSERT_THAT(Update("alpha", {Remove("x", 1)}), IsOk());
  auto response = sim_->ListDatasets(ListDatasetsRequest());
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->count(), 2);
  EXPECT_TRUE(response->next_token().empty());
  ASSERT_EQ(response->datasets_size(), 2);
  const cs::Dataset& alpha = response->datasets(0);
  EXPECT_EQ(alpha.dataset_name(), "alpha");
  EXPECT_EQ(alpha.identity_id(), kIdentity);
  EXPECT_EQ(alpha.num_records(), 1);
  EXPECT_EQ(alpha.data_storage(), 3);
  EXPECT_EQ(alpha.last_modified_by(), kIdentity);
  EXPECT_EQ(ToTime(alpha.creation_date()), clock_->Now());
  EXPECT_EQ(ToTime(alpha.last_modified_date()), clock_->Now());
  EXPECT_EQ(response->datasets(1).dataset_name(), "zeta");
  EXPECT_EQ(ToTime(response->datasets(1).creation_date()), clock_->Now() - absl::Minutes(1));
}

TEST_F(CognitoSyncSimulatorTest, ListDatasetsOfUnknownIdentityIsEmpty) {
  auto response = sim_->ListDatasets(ListDatasetsRequest({}, "", kOtherIdentity));
  ASSERT_THAT(response, IsOk());
  EXPECT_THAT(response->datasets(), IsEmpty());
  EXPECT_EQ(response->count(), 0);
  EXPECT_TRUE(response->has_count());
}

TEST_F(CognitoSyncSimulatorTest, ListDatasetsPagesWithSealedToken) {
  for (const char* name : {"c", "a", "e", "b", "d"}) {
    ASSERT_THAT(Update(name, {Replace("k", "v", 0)}), IsOk());
  }
  std::vector<std::string> names;
  std::vector<int> counts;
  std::string token;
  do {
    auto page = sim_->ListDatasets(ListDatasetsRequest(2, token));
    ASSERT_THAT(page, IsOk());
    counts.push_back(page->count());
    for (const auto& d : page->datasets()) names.push_back(d.dataset_name());
    token = page->next_token();
  } while (!token.empty());
  EXPECT_THAT(names, ElementsAre("a", "b", "c", "d", "e"));
  EXPECT_THAT(counts, ElementsAre(2, 2, 1));
}

TEST_F(CognitoSyncSimulatorTest, ListDatasetsRejectsForeignOrForgedToken) {
  for (const char* name : {"a", "b"}) ASSERT_THAT(Update(name, {Replace("k", "v", 0)}), IsOk());
  auto page = sim_->ListDatasets(ListDatasetsRequest(1));
  ASSERT_THAT(page, IsOk());
  ASSERT_FALSE(page->next_token().empty());
  EXPECT_THAT(sim_->ListDatasets(ListDatasetsRequest(1, page->next_token(), kOtherIdentity)),
              IsAwsErrorOnField("InvalidParameterException", "NextToken"));
  EXPECT_THAT(sim_->ListDatasets(ListDatasetsRequest(1, "forged")),
              IsAwsErrorOnField("InvalidParameterException", "NextToken"));
  // A ListRecords page token does not open here either.
  ASSERT_THAT(Update("a", {Replace("k2", "v", 0)}), IsOk());
  std::string records_token = List("a", {}, 1).next_token();
  ASSERT_FALSE(records_token.empty());
  EXPECT_THAT(sim_->ListDatasets(ListDatasetsRequest(1, records_token)),
              IsAwsErrorOnField("InvalidParameterException", "NextToken"));
}

// ----------------------------------------------------- Describe and Delete

TEST_F(CognitoSyncSimulatorTest, DescribeMissingDatasetIsResourceNotFound) {
  EXPECT_THAT(Describe("nope"), IsAwsError("ResourceNotFoundException"));
  EXPECT_THAT(Describe("bad/name"), IsAwsErrorOnField("InvalidParameterException", "DatasetName"));
}

TEST_F(CognitoSyncSimulatorTest, DeleteReturnsMetadataAndRemovesDataset) {
  ASSERT_THAT(Update(kDataset, {Replace("a", "1", 0), Replace("b", "22", 0)}), IsOk());
  ASSERT_THAT(Update("keep", {Replace("a", "1", 0)}), IsOk());
  auto deleted = Delete(kDataset);
  ASSERT_THAT(deleted, IsOk());
  EXPECT_EQ(deleted->dataset().dataset_name(), kDataset);
  EXPECT_EQ(deleted->dataset().identity_id(), kIdentity);
  EXPECT_EQ(deleted->dataset().num_records(), 2);
  EXPECT_EQ(deleted->dataset().data_storage(), 5);
  EXPECT_THAT(Describe(kDataset), IsAwsError("ResourceNotFoundException"));
  EXPECT_THAT(Delete(kDataset), IsAwsError("ResourceNotFoundException"));
  EXPECT_THAT(DatasetNames(), ElementsAre("keep"));
  cs::ListRecordsResponse listed = List(kDataset);
  EXPECT_FALSE(listed.dataset_exists());
  EXPECT_EQ(listed.dataset_sync_count(), 0);
  EXPECT_THAT(listed.records(), IsEmpty());
}

TEST_F(CognitoSyncSimulatorTest, DeleteMissingDatasetIsResourceNotFound) {
  EXPECT_THAT(Delete("nope"), IsAwsError("ResourceNotFoundException"));
}

TEST_F(CognitoSyncSimulatorTest, ListAfterDeleteReportsDeletionToClientsThatSyncedBefore) {
  ASSERT_THAT(Update(kDataset, {Replace("a", "1", 0)}), IsOk());
  ASSERT_THAT(Update(kDataset, {Replace("a", "2", 1)}), IsOk());
  ASSERT_THAT(Delete(kDataset), IsOk());  // deleted at SyncCount 2
  EXPECT_TRUE(List(kDataset, 1).dataset_deleted_after_requested_sync_count());
  EXPECT_TRUE(List(kDataset, 2).dataset_deleted_after_requested_sync_count());
  EXPECT_FALSE(List(kDataset, 3).dataset_deleted_after_requested_sync_count());
  // A client that never synced has nothing to discard.
  EXPECT_FALSE(List(kDataset).dataset_deleted_after_requested_sync_count());
  EXPECT_FALSE(List(kDataset, 1).dataset_exists());
}

TEST_F(CognitoSyncSimulatorTest, RecreatedDatasetContinuesSyncCountAboveDeletion) {
  ASSERT_THAT(Update(kDataset, {Replace("old", "1", 0)}), IsOk());
  ASSERT_THAT(Update(kDataset, {Replace("old", "2", 1)}), IsOk());
  ASSERT_THAT(Delete(kDataset), IsOk());
  auto recreated = Update(kDataset, {Replace("new", "n", 0)});
  ASSERT_THAT(recreated, IsOk());
  EXPECT_THAT(recreated->records(), ElementsAre(IsRecord("new", "n", 3)));
  // A client that synced the old dataset learns of the deletion and gets
  // the whole new content.
  cs::ListRecordsResponse stale = List(kDataset, 2);
  EXPECT_TRUE(stale.dataset_exists());
  EXPECT_TRUE(stale.dataset_deleted_after_requested_sync_count());
  EXPECT_THAT(stale.records(), ElementsAre(IsRecord("new", "n", 3)));
  EXPECT_EQ(stale.dataset_sync_count(), 3);
  // One that synced the new dataset does not.
  EXPECT_FALSE(List(kDataset, 3).dataset_deleted_after_requested_sync_count());
  // The old records are gone, so an old key is new again.
  EXPECT_THAT(Update(kDataset, {Replace("old", "3", 0)}), IsOk());
  auto dataset = Describe(kDataset);
  ASSERT_THAT(dataset, IsOk());
  EXPECT_EQ(dataset->num_records(), 2);
}

TEST_F(CognitoSyncSimulatorTest, SessionFromBeforeDeleteCannotRecreateDataset) {
  ASSERT_THAT(Update(kDataset, {Replace("a", "1", 0)}), IsOk());
  const std::string old_session = SessionToken(kDataset);
  ASSERT_THAT(Delete(kDataset), IsOk());
  EXPECT_THAT(sim_->UpdateRecords(UpdateRequest(kDataset, {Replace("b", "2", 0)}, old_session)),
              IsAwsError("ResourceNotFoundException"));
  EXPECT_THAT(DatasetNames(), IsEmpty());
  EXPECT_THAT(Update(kDataset, {Replace("b", "2", 0)}), IsOk());
}

TEST_F(CognitoSyncSimulatorTest, ResetForgetsEverything) {
  ASSERT_THAT(Update(kDataset, {Replace("a", "1", 0)}), IsOk());
  ASSERT_THAT(Update("gone", {Replace("a", "1", 0)}), IsOk());
  ASSERT_THAT(Delete("gone"), IsOk());
  simulator_->Reset();
  EXPECT_THAT(DatasetNames(), IsEmpty());
  EXPECT_FALSE(List(kDataset).dataset_exists());
  EXPECT_FALSE(List("gone", 1).dataset_deleted_after_requested_sync_count());
  auto fresh = Update("gone", {Replace("a", "1", 0)});
  ASSERT_THAT(fresh, IsOk());
  EXPECT_THAT(fresh->records(), ElementsAre(IsRecord("a", "1", 1)));
}

}  // namespace
}  // namespace awsfacade::backends::simulator
