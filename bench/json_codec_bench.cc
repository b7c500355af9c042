// Converting a DynamoDB Streams GetRecords page (1000 records, about 1 MB of
// JSON, the most one call returns) into aws.dynamodbstreams.v1.GetRecordsResponse
// with the AWS JSON codec (issue 5 §3; goal: under 2 ms per page and several
// times a plain nlohmann-json parse), beside nlohmann::json::parse of the same
// bytes, which builds only a JSON tree, not the proto.
//
//   BM_CodecGetRecordsPage         AwsJsonToMessage into a heap message
//   BM_CodecGetRecordsPageArena    the same into an arena message (what a
//                                  gRPC handler can use)
//   BM_NlohmannParseGetRecordsPage nlohmann::json::parse, the baseline
//   BM_CodecWriteGetRecordsPage    MessageToAwsJson of the page (for reference)
//
// The page is generated (deterministically) with the shape of a
// NEW_AND_OLD_IMAGES stream over a table of user profiles: keys, strings,
// numbers, booleans, a binary value, a string set, a nested map and a list.

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.pb.h"
#include "backends/aws/json_codec.h"
#include "benchmark/benchmark.h"
#include "google/protobuf/arena.h"
#include "nlohmann/json.hpp"

namespace awsfacade::backends::aws {
namespace {

using ::aws::dynamodbstreams::v1::GetRecordsResponse;

constexpr int kRecords = 1000;

// A small deterministic generator (no <random>, so the page is the same on
// every platform).
class Lcg {
 public:
  uint64_t Next() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return state_ >> 33;
  }
  std::string Word(int length) {
    std::string w;
    for (int i = 0; i < length; ++i) w.push_back(static_cast<char>('a' + Next() % 26));
    return w;
  }

 private:
  uint64_t state_ = 42;
};

std::string Image(Lcg& rng, int user) {
  return absl::StrCat(
      R"({"pk":{"S":"user#)", user, R"("},"sk":{"N":")", user % 97, R"("},)", R"("name":{"S":")",
      rng.Word(8), " ", rng.Word(10), R"("},)", R"("score":{"N":")", rng.Next() % 100000, ".",
      rng.Next() % 100, R"("},)", R"("active":{"BOOL":)", (rng.Next() % 2 ? "true" : "false"), "},",
      R"("avatar":{"B":"iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB"},)", R"("tags":{"SS":[")", rng.Word(5),
      R"(",")", rng.Word(6), R"(",")", rng.Word(7), R"("]},)", R"("address":{"M":{"street":{"S":")",
      rng.Word(16), R"("},"city":{"S":")", rng.Word(9), R"("},"zip":{"N":")",
      10000 + rng.Next() % 89999, R"("},"geo":{"L":[{"N":"59.91)", rng.Next() % 1000,
      R"("},{"N":"10.75)", rng.Next() % 1000, R"("}]}}},)", R"("seen":{"NULL":true}})");
}

std::string GetRecordsPage() {
  Lcg rng;
  std::string json = R"({"Records":[)";
  for (int i = 0; i < kRecords; ++i) {
    if (i > 0) json += ",";
    const int user = 100000 + i;
    absl::StrAppend(
        &json, R"({"eventID":")", rng.Word(32), R"(","eventName":"MODIFY","eventVersion":"1.1",)",
        R"("eventSource":"aws:dynamodb","awsRegion":"eu-west-1","dynamodb":{)",
        R"("ApproximateCreationDateTime":)", 1700000000 + i, ",", R"("Keys":{"pk":{"S":"user#)",
        user, R"("},"sk":{"N":")", user % 97, R"("}},)", R"("NewImage":)", Image(rng, user),
        R"(,"OldImage":)", Image(rng, user), ",", R"("SequenceNumber":")", "300000000000000",
        absl::Dec(i, absl::kZeroPad6), R"(","SizeBytes":)", 900 + rng.Next() % 200,
        R"(,"StreamViewType":"NEW_AND_OLD_IMAGES"}})");
  }
  json += R"(],"NextShardIterator":"arn:aws:dynamodb:eu-west-1:111122223333:table/Users/stream/)"
          R"(2026-11-23T14:31:16.123|1|AAAAAAAAAAGQaq0Zhk0vXbp4Cwq0Q2yIIRFnO8Rr"})";
  return json;
}

const std::string& Page() {
  static const std::string* page = new std::string(GetRecordsPage());
  return *page;
}

// An arena sized for a page, as a handler serving GetRecords would use.
google::protobuf::ArenaOptions PageArenaOptions() {
  google::protobuf::ArenaOptions options;
  options.start_block_size = size_t{1} << 20;
  options.max_block_size = size_t{4} << 20;
  return options;
}

void SetCounters(benchmark::State& state) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(Page().size()));
  state.counters["page_bytes"] = static_cast<double>(Page().size());
  state.counters["records_per_s"] = benchmark::Counter(
      static_cast<double>(kRecords), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_CodecGetRecordsPage(benchmark::State& state) {
  const std::string& page = Page();
  for (auto _ : state) {
    GetRecordsResponse response;
    if (!AwsJsonToMessage(page, &response).ok() || response.records_size() != kRecords) {
      state.SkipWithError("codec failed");
      break;
    }
    benchmark::DoNotOptimize(response);
  }
  SetCounters(state);
}
BENCHMARK(BM_CodecGetRecordsPage)->Unit(benchmark::kMillisecond);

void BM_CodecGetRecordsPageArena(benchmark::State& state) {
  const std::string& page = Page();
  for (auto _ : state) {
    google::protobuf::Arena arena(PageArenaOptions());
    auto* response = google::protobuf::Arena::CreateMessage<GetRecordsResponse>(&arena);
    if (!AwsJsonToMessage(page, response).ok() || response->records_size() != kRecords) {
      state.SkipWithError("codec failed");
      break;
    }
    benchmark::DoNotOptimize(response);
  }
  SetCounters(state);
}
BENCHMARK(BM_CodecGetRecordsPageArena)->Unit(benchmark::kMillisecond);

void BM_NlohmannParseGetRecordsPage(benchmark::State& state) {
  const std::string& page = Page();
  for (auto _ : state) {
    nlohmann::json document = nlohmann::json::parse(page, nullptr, /*allow_exceptions=*/false);
    if (document.is_discarded()) {
      state.SkipWithError("nlohmann failed");
      break;
    }
    benchmark::DoNotOptimize(document);
  }
  SetCounters(state);
}
BENCHMARK(BM_NlohmannParseGetRecordsPage)->Unit(benchmark::kMillisecond);

// Reference: the protobuf binary encoding of the same page parsed by the
// generated parser into an arena message. This is the floor for building the
// message at all; the codec's cost above it is the JSON.
void BM_ProtobufBinaryParseGetRecordsPageArena(benchmark::State& state) {
  GetRecordsResponse source;
  if (!AwsJsonToMessage(Page(), &source).ok()) {
    state.SkipWithError("codec failed");
    return;
  }
  const std::string binary = source.SerializeAsString();
  for (auto _ : state) {
    google::protobuf::Arena arena(PageArenaOptions());
    auto* response = google::protobuf::Arena::CreateMessage<GetRecordsResponse>(&arena);
    if (!response->ParseFromString(binary)) {
      state.SkipWithError("parse failed");
      break;
    }
    benchmark::DoNotOptimize(response);
  }
  SetCounters(state);
  state.counters["binary_bytes"] = static_cast<double>(binary.size());
}
BENCHMARK(BM_ProtobufBinaryParseGetRecordsPageArena)->Unit(benchmark::kMillisecond);

void BM_CodecWriteGetRecordsPage(benchmark::State& state) {
  GetRecordsResponse response;
  if (!AwsJsonToMessage(Page(), &response).ok()) {
    state.SkipWithError("codec failed");
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<std::string> json = MessageToAwsJson(response);
    benchmark::DoNotOptimize(json);
  }
  SetCounters(state);
}
BENCHMARK(BM_CodecWriteGetRecordsPage)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace awsfacade::backends::aws

BENCHMARK_MAIN();
