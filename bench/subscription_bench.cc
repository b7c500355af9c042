// Push-subscription benchmarks against the real awsfacade-server binary on
// the simulator (a benchmark, not a test: it prints figures, never fails on
// timing):
//   1. one subscription's delivery throughput (records/s) beside a bare gRPC
//      server stream (awsfacade.bench.v1.EchoService.StreamEcho) carrying
//      messages of the same size, in the same run;
//   2. write → subscriber latency p50/p99 at 1k and 10k writes/s;
//   3. memory per idle subscription: server RSS growth over 1000 of them.
// Usage: subscription_bench path/to/awsfacade-server [all|throughput|latency|memory]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "aws/dynamodb/v1/dynamodb.grpc.pb.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.grpc.pb.h"
#include "awsfacade/bench/v1/echo.grpc.pb.h"
#include "bench/streams_bench_util.h"
#include "grpcpp/grpcpp.h"
#include "tests/integration/server_process.h"

namespace {

namespace ddb = ::aws::dynamodb::v1;
namespace streams = ::aws::dynamodbstreams::v1;

using ::awsfacade::bench::CreateTable;
using ::awsfacade::bench::NowNanos;
using ::awsfacade::bench::Put;
using ::awsfacade::bench::RssKiB;

struct Row {
  std::string figure, value, baseline, ratio, goal;
};
std::vector<Row> rows;

// 1. Throughput of one subscription vs a bare stream of equal message sizes.
void Throughput(const std::shared_ptr<grpc::Channel>& channel) {
  auto db = ddb::DynamoDbService::NewStub(channel);
  std::string arn = CreateTable(*db, "throughput");
  constexpr int kRecords = 50000;
  const std::string pad(100, 'p');
  for (int i = 0; i < kRecords; ++i) Put(*db, "throughput", "k" + std::to_string(i), i, pad);

  // Rounds alternate between the two so that machine noise hits both; the
  // median round of each is reported.
  constexpr int kRounds = 5;
  std::vector<double> facade_rates, bare_rates;
  int message_size = 0;
  double records_per_message = 1;
  std::string sample;
  auto stub = streams::DynamoDbStreamsService::NewStub(channel);
  auto echo = awsfacade::bench::v1::EchoService::NewStub(channel);
  for (int round = 0; round < kRounds; ++round) {
    streams::SubscribeToStreamRequest request;
    request.set_stream_arn(arn);
    request.mutable_starting_position()->set_type("TRIM_HORIZON");
    grpc::ClientContext context;
    auto start = std::chrono::steady_clock::now();
    auto reader = stub->SubscribeToStream(&context, request);
    streams::SubscribeToStreamResponse event;
    int64_t records = 0, messages = 0, bytes = 0;
    while (records < kRecords && reader->Read(&event)) {
      if (!event.has_records()) continue;
      records += event.records().records_size();
      bytes += static_cast<int64_t>(event.ByteSizeLong());
      ++messages;
      if (sample.empty() && event.records().records_size() > 100)
        sample = event.SerializeAsString();
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    context.TryCancel();
    reader->Finish();
    facade_rates.push_back(records / seconds);
    message_size = static_cast<int>(bytes / std::max<int64_t>(1, messages));
    records_per_message = static_cast<double>(records) / std::max<int64_t>(1, messages);

    // The bare stream: messages of the same bytes, and the client parses a
    // real captured event per message, as it must for the subscription: only
    // the server's work differs.
    awsfacade::bench::v1::StreamEchoRequest bare;
    bare.set_count(static_cast<int>(std::max<int64_t>(messages, 1)));
    bare.set_payload_size(message_size);
    grpc::ClientContext bare_context;
    start = std::chrono::steady_clock::now();
    auto bare_reader = echo->StreamEcho(&bare_context, bare);
    awsfacade::bench::v1::StreamEchoResponse message;
    int64_t got = 0;
    streams::SubscribeToStreamResponse parsed;
    while (bare_reader->Read(&message)) {
      parsed.ParseFromString(sample);
      ++got;
    }
    bare_reader->Finish();
    double bare_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    bare_rates.push_back(got * records_per_message / bare_seconds);
  }
  std::sort(facade_rates.begin(), facade_rates.end());
  std::sort(bare_rates.begin(), bare_rates.end());
  const double facade_rps = facade_rates[kRounds / 2];
  const double bare_rps = bare_rates[kRounds / 2];
  rows.push_back(
      {absl::StrFormat(
           "subscription throughput (records/s, median of 5; %d-byte messages of %.0f records)",
           message_size, records_per_message),
       absl::StrFormat("%.0f", facade_rps), absl::StrFormat("%.0f (bare stream)", bare_rps),
       absl::StrFormat("%.2f", facade_rps / bare_rps), ">= 0.5"});
}

// 2. Write → subscriber latency at a fixed write rate.
void Latency(const std::shared_ptr<grpc::Channel>& channel, int writes_per_second) {
  auto db = ddb::DynamoDbService::NewStub(channel);
  const std::string table = "latency" + std::to_string(writes_per_second);
  std::string arn = CreateTable(*db, table);
  auto stub = streams::DynamoDbStreamsService::NewStub(channel);
  streams::SubscribeToStreamRequest request;
  request.set_stream_arn(arn);
  request.mutable_starting_position()->set_type("LATEST");
  grpc::ClientContext context;
  auto reader = stub->SubscribeToStream(&context, request);
  absl::SleepFor(absl::Milliseconds(300));  // subscription is open

  constexpr int kSeconds = 3;
  const int total = writes_per_second * kSeconds;
  std::vector<int64_t> latencies;
  latencies.reserve(total);
  std::thread subscriber([&] {
    streams::SubscribeToStreamResponse event;
    while (static_cast<int>(latencies.size()) < total && reader->Read(&event)) {
      if (!event.has_records()) continue;
      int64_t now = NowNanos();
      for (const auto& r : event.records().records()) {
        int64_t stamp = 0;
        if (absl::SimpleAtoi(r.record().dynamodb().new_image().at("ts").n(), &stamp)) {
          latencies.push_back(now - stamp);
        }
      }
    }
  });
  awsfacade::bench::WriteStamped(channel, table, total, writes_per_second);
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (static_cast<int>(latencies.size()) < total && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  context.TryCancel();
  subscriber.join();
  reader->Finish();
  std::vector<int64_t> sorted = latencies;
  std::sort(sorted.begin(), sorted.end());
  auto pct = [&](double p) {
    return sorted.empty() ? 0.0 : sorted[static_cast<size_t>(p * (sorted.size() - 1))] / 1e6;
  };
  rows.push_back(
      {absl::StrFormat("write->subscriber latency at %d writes/s (p50 / p99 ms, %zu of %d)",
                       writes_per_second, latencies.size(), total),
       absl::StrFormat("%.3f / %.3f", pct(0.5), pct(0.99)), "-", "-", "p99 < 5 ms"});
}

// 3. RSS growth of a fresh server over 1000 idle subscriptions, beside the
// same growth over 1000 idle bare server streams (StreamEcho hold_open) on
// another fresh server: the baseline is what gRPC itself spends per stream.
template <typename Response>
using StartCall = std::function<std::unique_ptr<grpc::ClientAsyncReader<Response>>(
    grpc::ClientContext*, grpc::CompletionQueue*, void*)>;

template <typename Response>
double IdleGrowthKiB(int server_pid, const StartCall<Response>& start) {
  constexpr int kStreams = 1000;
  absl::SleepFor(absl::Milliseconds(500));
  const long before = RssKiB(server_pid);
  grpc::CompletionQueue cq;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientAsyncReader<Response>>> readers;
  for (int i = 0; i < kStreams; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    readers.push_back(
        start(contexts.back().get(), &cq, reinterpret_cast<void*>(static_cast<intptr_t>(i + 1))));
  }
  void* tag;
  bool ok;
  for (int i = 0; i < kStreams; ++i) cq.Next(&tag, &ok);  // every call started
  absl::SleepFor(absl::Seconds(2));
  const long after = RssKiB(server_pid);
  for (auto& c : contexts) c->TryCancel();
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return static_cast<double>(after - before) / kStreams;
}

absl::StatusOr<std::unique_ptr<awsfacade::testing::ServerProcess>> FreshServer(
    std::shared_ptr<grpc::Channel>* channel) {
  auto server = awsfacade::testing::ServerProcess::Start({"--bench_echo"});
  if (server.ok()) {
    *channel = grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials());
  }
  return server;
}

void IdleMemory() {
  std::shared_ptr<grpc::Channel> channel;
  auto bare_server = FreshServer(&channel);
  if (!bare_server.ok()) return;
  auto echo = awsfacade::bench::v1::EchoService::NewStub(channel);
  awsfacade::bench::v1::StreamEchoRequest hold;
  hold.set_hold_open(true);
  const double bare = IdleGrowthKiB<awsfacade::bench::v1::StreamEchoResponse>(
      (*bare_server)->pid(), [&](grpc::ClientContext* c, grpc::CompletionQueue* cq, void* tag) {
        return echo->AsyncStreamEcho(c, hold, cq, tag);
      });
  bare_server->reset();

  auto server = FreshServer(&channel);
  if (!server.ok()) return;
  auto db = ddb::DynamoDbService::NewStub(channel);
  std::string arn = CreateTable(*db, "idle");
  auto stub = streams::DynamoDbStreamsService::NewStub(channel);
  streams::SubscribeToStreamRequest request;
  request.set_stream_arn(arn);
  request.mutable_starting_position()->set_type("LATEST");
  request.mutable_options()->mutable_heartbeat_interval()->set_seconds(300);
  const double ours = IdleGrowthKiB<streams::SubscribeToStreamResponse>(
      (*server)->pid(), [&](grpc::ClientContext* c, grpc::CompletionQueue* cq, void* tag) {
        return stub->AsyncSubscribeToStream(c, request, cq, tag);
      });
  rows.push_back({"memory per idle subscription (server RSS growth / 1000; bare: idle StreamEcho)",
                  absl::StrFormat("%.1f KiB", ours), absl::StrFormat("%.1f KiB", bare),
                  absl::StrFormat("%.2fx", ours / bare), "<= 1.05x bare (< 16 KiB)"});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s path/to/awsfacade-server\n", argv[0]);
    return 2;
  }
  setenv("AWSFACADE_SERVER_BIN", argv[1], 1);
  auto server = awsfacade::testing::ServerProcess::Start({"--bench_echo"});
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", std::string(server.status().message()).c_str());
    return 1;
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  auto channel =
      grpc::CreateCustomChannel((*server)->address(), grpc::InsecureChannelCredentials(), args);
  const std::string only = argc > 2 ? argv[2] : "all";
  if (only == "all" || only == "throughput") Throughput(channel);
  if (only == "all" || only == "latency") {
    Latency(channel, 1000);
    Latency(channel, 10000);
  }
  if (only == "all" || only == "memory") IdleMemory();

  std::printf("figure | value | baseline | ratio | goal\n");
  for (const auto& r : rows) {
    std::printf("ROW | %s | %s | %s | %s | %s\n", r.figure.c_str(), r.value.c_str(),
                r.baseline.c_str(), r.ratio.c_str(), r.goal.c_str());
  }
  return 0;
}
