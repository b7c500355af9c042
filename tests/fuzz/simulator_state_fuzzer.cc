// Fuzzes the simulators' LoadState (backends/simulator/persistence): what a
// damaged or hand-edited snapshot can hold once its frame checksum passed.
//
// Input: a serialized state::Snapshot. Checked, per simulator: LoadState
// never crashes; when it refuses, it says DataLoss and the simulator is as
// it was (its save equals a fresh simulator's); when it accepts, saving,
// loading that save into another fresh simulator and saving again gives
// the same bytes, and the loaded state serves reads (every stream's
// shards and records, every dataset group and dataset, every identity's
// datasets) and survives housekeeping two days later.

#include <cstddef>
#include <cstdint>
#include <string>

#include "backends/simulator/state/journal.pb.h"
#include "backends/simulator/state/state_bytes.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/simulator_ops.h"

namespace {

namespace state = ::awsfacade::simulator::state;
namespace ddbs = ::aws::dynamodbstreams::v1;
namespace pz = ::aws::personalize::v1;
namespace cs = ::aws::cognitosync::v1;
using awsfacade::backends::simulator::DeterministicBytes;
using awsfacade::fuzz::Simulators;

// Saves every simulator of `sims` into one snapshot.
state::Snapshot Save(const Simulators& sims) {
  state::Snapshot out;
  sims.dynamodb.SaveState(out.mutable_dynamodb());
  sims.personalize.SaveState(out.mutable_personalize());
  sims.cognito_sync.SaveState(out.mutable_cognito_sync());
  return out;
}

// Loads one service's part; checks the refusal and round-trip properties.
// Returns whether it loaded.
template <typename Message, typename Load, typename Get>
bool LoadOne(const char* service, const Message& in, Simulators& sims, Load load, Get get) {
  const std::string fresh = DeterministicBytes(get(Save(sims)));
  absl::Status status = load(sims, in);
  if (awsfacade::fuzz::Debug())
    std::fprintf(stderr, "%s: %s\n", service, status.ToString().c_str());
  if (!status.ok()) {
    AWSFACADE_FUZZ_CHECK(status.code() == absl::StatusCode::kDataLoss, status.ToString());
    AWSFACADE_FUZZ_CHECK(DeterministicBytes(get(Save(sims))) == fresh,
                         std::string(service) + ": a refused load changed the state");
    return false;
  }
  const std::string saved = DeterministicBytes(get(Save(sims)));
  Simulators again;
  absl::Status reload = load(again, get(Save(sims)));
  AWSFACADE_FUZZ_CHECK(reload.ok(),
                       std::string(service) + ": its own save does not load: " + reload.ToString());
  AWSFACADE_FUZZ_CHECK(DeterministicBytes(get(Save(again))) == saved,
                       std::string(service) + ": save, load, save differs");
  return true;
}

void ReadDynamoDbStreams(Simulators& sims) {
  auto streams = sims.streams_api.ListStreams(ddbs::ListStreamsRequest());
  if (!streams.ok()) return;
  for (const auto& s : streams->streams()) {
    ddbs::DescribeStreamRequest describe;
    describe.set_stream_arn(s.stream_arn());
    auto d = sims.streams_api.DescribeStream(describe);
    if (!d.ok()) continue;
    for (const auto& shard : d->stream_description().shards()) {
      ddbs::GetShardIteratorRequest it;
      it.set_stream_arn(s.stream_arn());
      it.set_shard_id(shard.shard_id());
      it.set_shard_iterator_type("TRIM_HORIZON");
      auto iterator = sims.streams_api.GetShardIterator(it);
      if (!iterator.ok()) continue;
      ddbs::GetRecordsRequest get;
      get.set_shard_iterator(iterator->shard_iterator());
      (void)sims.streams_api.GetRecords(get);
    }
  }
}

void ReadPersonalize(Simulators& sims) {
  auto groups = sims.personalize_api.ListDatasetGroups(pz::ListDatasetGroupsRequest());
  if (groups.ok()) {
    for (const auto& g : groups->dataset_groups()) {
      pz::ListDatasetsRequest list;
      list.set_dataset_group_arn(g.dataset_group_arn());
      auto datasets = sims.personalize_api.ListDatasets(list);
      if (!datasets.ok()) continue;
      for (const auto& d : datasets->datasets()) {
        pz::DescribeDatasetRequest describe;
        describe.set_dataset_arn(d.dataset_arn());
        (void)sims.personalize_api.DescribeDataset(describe);
      }
    }
  }
  (void)sims.personalize_api.ListSchemas(pz::ListSchemasRequest());
}

void ReadCognitoSync(Simulators& sims, const state::CognitoSyncState& in) {
  for (const auto& identity : in.identities()) {
    cs::ListDatasetsRequest list;
    list.set_identity_pool_id(identity.identity_pool_id());
    list.set_identity_id(identity.identity_id());
    auto datasets = sims.cognito_sync_api.ListDatasets(list);
    if (!datasets.ok()) continue;
    for (const auto& d : datasets->datasets()) {
      cs::ListRecordsRequest records;
      records.set_identity_pool_id(identity.identity_pool_id());
      records.set_identity_id(identity.identity_id());
      records.set_dataset_name(d.dataset_name());
      (void)sims.cognito_sync_api.ListRecords(records);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  state::Snapshot in;
  if (!in.ParseFromArray(data, static_cast<int>(size))) return 0;
  Simulators sims;
  const bool dynamodb = LoadOne(
      "dynamodb", in.dynamodb(), sims,
      [](Simulators& s, const state::DynamoDbState& m) { return s.dynamodb.LoadState(m); },
      [](const state::Snapshot& s) { return s.dynamodb(); });
  const bool personalize = LoadOne(
      "personalize", in.personalize(), sims,
      [](Simulators& s, const state::PersonalizeState& m) { return s.personalize.LoadState(m); },
      [](const state::Snapshot& s) { return s.personalize(); });
  const bool cognito_sync = LoadOne(
      "cognito_sync", in.cognito_sync(), sims,
      [](Simulators& s, const state::CognitoSyncState& m) { return s.cognito_sync.LoadState(m); },
      [](const state::Snapshot& s) { return s.cognito_sync(); });
  for (int pass = 0; pass < 2; ++pass) {
    if (dynamodb) ReadDynamoDbStreams(sims);
    if (personalize) ReadPersonalize(sims);
    if (cognito_sync) ReadCognitoSync(sims, in.cognito_sync());
    sims.clock->Advance(absl::Hours(48));  // trimming, expiry, rollovers, finished deletions
  }
  return 0;
}
