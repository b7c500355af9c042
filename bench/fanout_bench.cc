// Fan-out of one shard to many subscribers (issue 13 §5), against the real
// awsfacade-server on the simulator, beside a bare gRPC fan-out server
// (bench/bare_fanout_server) in the same run. A benchmark: it prints
// figures, never fails on timing.
//
// For each subscriber count N (1, 10, 100, 1000):
//   facade: a fresh table; N SubscribeToShard calls on its one shard from
//     TRIM_HORIZON; a first write that every subscriber must receive (all
//     are live); then --rate PutItem/s for --seconds from 4 writer threads,
//     each item stamped with its write time ("ts");
//   bare: a fresh bare_fanout_server that, once N streams are open, produces
//     the same number of events at the same rate, each the event captured
//     from the facade (one record) re-stamped and serialized once for all.
// Both are read by the same client: gRPC's generic callback API, the records
// of every event counted by walking the wire format; full parsing (for the
// latency stamps) only on a sample of subscribers (all up to 100, then every
// N/100th), so the client's cost stays small beside the servers'.
// Figures per count and server:
//   write->subscriber latency p50/p99 (receipt time - "ts"; same host clock);
//   delivered records/s: records received / (last receipt - first write);
//   server CPU per delivered record: the server's utime+stime (/proc/PID/stat)
//     from before the streams open to the last receipt, / records delivered.
//     The facade's includes the PutItem calls (the bare server takes none),
//     so a run of the writes alone (0 subscribers) is taken off: "net".
//
// Usage: fanout_bench path/to/awsfacade-server path/to/bare_fanout_server
//                     [--counts=1,10,100,1000] [--seconds=5] [--rate=1000]
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "aws/dynamodb/v1/dynamodb.grpc.pb.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.grpc.pb.h"
#include "bench/streams_bench_util.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "tests/integration/server_process.h"

namespace {

namespace ddb = ::aws::dynamodb::v1;
namespace streams = ::aws::dynamodbstreams::v1;
using ::awsfacade::bench::CpuSeconds;
using ::awsfacade::bench::NowNanos;
using ::awsfacade::testing::ServerProcess;
using ::google::protobuf::internal::WireFormatLite;

constexpr char kSubscribeToShard[] =
    "/aws.dynamodbstreams.v1.DynamoDbStreamsService/SubscribeToShard";
constexpr int kStreamsPerChannel = 500;  // the facade allows 1000 concurrent streams per connection
constexpr int kLatencySamples = 100;     // subscribers whose records are parsed for their stamps

// Records in a serialized SubscribeToShardResponse (its RecordBatch's
// repeated field 1), without parsing them; -1 when malformed.
int CountRecords(const std::string& bytes) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  int count = 0;
  while (uint32_t tag = in.ReadTag()) {
    if (tag == WireFormatLite::MakeTag(1, WireFormatLite::WIRETYPE_LENGTH_DELIMITED)) {
      uint32_t length = 0;
      if (!in.ReadVarint32(&length)) return -1;
      const auto limit = in.PushLimit(static_cast<int>(length));
      while (uint32_t inner = in.ReadTag()) {
        if (inner == WireFormatLite::MakeTag(1, WireFormatLite::WIRETYPE_LENGTH_DELIMITED)) ++count;
        if (!WireFormatLite::SkipField(&in, inner)) return -1;
      }
      in.PopLimit(limit);
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return -1;
    }
  }
  return count;
}

// One subscriber: a SubscribeToShard call through the generic stub.
class Subscriber : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  Subscriber(grpc::GenericStub* stub, const grpc::ByteBuffer& request, bool sampled,
             std::string* capture)
      : request_(request), sampled_(sampled), capture_(capture) {
    stub->PrepareBidiStreamingCall(&context_, kSubscribeToShard, grpc::StubOptions(), this);
    StartWriteLast(&request_, grpc::WriteOptions());
    StartRead(&event_);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows
    const int64_t now = NowNanos();
    std::string bytes;
    std::vector<grpc::Slice> slices;
    if (event_.Dump(&slices).ok()) {
      for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    const int records = CountRecords(bytes);
    if (records > 0) {
      if (sampled_) {
        streams::SubscribeToShardResponse parsed;
        if (parsed.ParseFromString(bytes)) {
          for (const auto& r : parsed.records().records()) {
            int64_t stamp = 0;
            const auto& image = r.record().dynamodb().new_image();
            auto it = image.find("ts");
            if (it != image.end() && absl::SimpleAtoi(it->second.n(), &stamp) && stamp > 0) {
              latencies_.push_back(now - stamp);
              if (first_stamp_.load(std::memory_order_relaxed) == 0) first_stamp_.store(stamp);
            }
          }
          if (capture_ != nullptr && capture_->empty() && parsed.records().records_size() == 1 &&
              latencies_.size() > 0) {
            *capture_ = bytes;  // a timed one-record event: the bare server's template
          }
        }
      }
      last_receipt_.store(now, std::memory_order_relaxed);
      records_.fetch_add(records, std::memory_order_relaxed);
    }
    StartRead(&event_);
  }

  void OnDone(const grpc::Status& status) override {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
    done_ = true;
    cv_.notify_all();
  }

  void Cancel() { context_.TryCancel(); }
  void AwaitDone() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return done_; });
  }
  int64_t records() const { return records_.load(std::memory_order_relaxed); }
  int64_t last_receipt() const { return last_receipt_.load(std::memory_order_relaxed); }
  // The stamp of the first stamped record (sampled subscribers only), 0 before.
  int64_t first_stamp() const { return first_stamp_.load(std::memory_order_relaxed); }
  // Only after AwaitDone.
  const std::vector<int64_t>& latencies() const { return latencies_; }
  const grpc::Status& status() const { return status_; }

 private:
  grpc::ClientContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer event_;
  const bool sampled_;
  std::string* const capture_;
  std::vector<int64_t> latencies_;
  std::atomic<int64_t> records_{0};
  std::atomic<int64_t> last_receipt_{0};
  std::atomic<int64_t> first_stamp_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  grpc::Status status_;
};

struct Figures {
  double p50_ms = 0, p99_ms = 0;
  double delivered_per_second = 0;
  double cpu_us_per_record = 0;
  double server_cpu_seconds = 0;
  double window_seconds = 0, client_cpu_seconds = 0;  // is the client the bottleneck?
  int64_t delivered = 0, expected = 0;
  std::string note;
};

std::vector<std::shared_ptr<grpc::Channel>> Channels(const std::string& address, int streams) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < (streams + kStreamsPerChannel - 1) / kStreamsPerChannel; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection of its own
    args.SetMaxReceiveMessageSize(64 << 20);
    channels.push_back(
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
  }
  return channels;
}

// Opens n subscribers and runs `drive` (the writes, if any). Waits for
// `expected` records at each (or the deadline), cancels them, and computes
// the figures; the window runs from the first stamped record (the first
// measured write) to the last receipt.
Figures RunSubscribers(
    const std::string& address, int server_pid, const grpc::ByteBuffer& request, int n,
    int64_t expected, absl::Duration deadline, std::string* capture,
    const std::function<void(const std::vector<std::unique_ptr<Subscriber>>&)>& drive) {
  auto channels = Channels(address, n);
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs;
  for (auto& c : channels) stubs.push_back(std::make_unique<grpc::GenericStub>(c));
  const double cpu0 = CpuSeconds(server_pid);
  const double client_cpu0 = CpuSeconds(getpid());
  const int sample_every = std::max(1, n / kLatencySamples);
  std::vector<std::unique_ptr<Subscriber>> subscribers;
  for (int i = 0; i < n; ++i) {
    subscribers.push_back(std::make_unique<Subscriber>(stubs[i / kStreamsPerChannel].get(), request,
                                                       i % sample_every == 0,
                                                       i == 0 ? capture : nullptr));
  }
  drive(subscribers);
  const absl::Time end = absl::Now() + deadline;
  auto all_done = [&] {
    return std::all_of(subscribers.begin(), subscribers.end(),
                       [&](const auto& s) { return s->records() >= expected; });
  };
  while (!all_done() && absl::Now() < end) absl::SleepFor(absl::Milliseconds(5));
  Figures f;
  int64_t first_write = 0, last = 0;
  for (const auto& s : subscribers) {
    f.delivered += s->records();
    last = std::max(last, s->last_receipt());
    if (s->first_stamp() > 0)
      first_write = first_write == 0 ? s->first_stamp() : std::min(first_write, s->first_stamp());
  }
  const double cpu1 = CpuSeconds(server_pid);
  f.client_cpu_seconds = CpuSeconds(getpid()) - client_cpu0;
  f.expected = expected * n;
  for (auto& s : subscribers) s->Cancel();
  std::vector<int64_t> latencies;
  int failed = 0;
  for (auto& s : subscribers) {
    s->AwaitDone();
    latencies.insert(latencies.end(), s->latencies().begin(), s->latencies().end());
    if (s->status().error_code() != grpc::StatusCode::CANCELLED && !s->status().ok()) {
      if (failed++ == 0) f.note = "first error: " + s->status().error_message();
    }
  }
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    return latencies.empty() ? 0.0
                             : latencies[static_cast<size_t>(p * (latencies.size() - 1))] / 1e6;
  };
  f.p50_ms = pct(0.5);
  f.p99_ms = pct(0.99);
  const double seconds = std::max(1e-9, (last - first_write) / 1e9);
  f.delivered_per_second = f.delivered / seconds;
  f.window_seconds = seconds;
  f.server_cpu_seconds = cpu1 - cpu0;
  f.cpu_us_per_record = f.delivered > 0 ? f.server_cpu_seconds * 1e6 / f.delivered : 0;
  if (failed > 0) f.note += absl::StrFormat(" (%d streams failed)", failed);
  return f;
}

grpc::ByteBuffer Serialized(const google::protobuf::Message& message) {
  const std::string bytes = message.SerializeAsString();
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

Figures Facade(const std::shared_ptr<grpc::Channel>& control, const std::string& address,
               int server_pid, int n, int seconds, int rate, std::string* capture) {
  auto db = ddb::DynamoDbService::NewStub(control);
  const std::string table = "fanout" + std::to_string(n);
  const std::string arn = awsfacade::bench::CreateTable(*db, table);
  streams::DescribeStreamRequest describe;
  describe.set_stream_arn(arn);
  streams::DescribeStreamResponse description;
  grpc::ClientContext context;
  grpc::Status status = streams::DynamoDbStreamsService::NewStub(control)->DescribeStream(
      &context, describe, &description);
  if (!status.ok() || description.stream_description().shards_size() != 1) {
    std::fprintf(stderr, "DescribeStream: %s (%d shards; one expected)\n",
                 status.error_message().c_str(), description.stream_description().shards_size());
    std::exit(1);
  }
  streams::SubscribeToShardRequest request;
  request.set_stream_arn(arn);
  request.set_shard_id(description.stream_description().shards(0).shard_id());
  request.mutable_starting_position()->set_type("TRIM_HORIZON");
  const int total = rate * seconds;
  return RunSubscribers(address, server_pid, Serialized(request), n, total + 1,
                        absl::Seconds(seconds + 30), capture,
                        [&](const std::vector<std::unique_ptr<Subscriber>>& subscribers) {
                          // One unstamped write every subscriber must see: then all are live.
                          awsfacade::bench::Put(*db, table, "live", 0, "");
                          while (std::any_of(subscribers.begin(), subscribers.end(),
                                             [](const auto& s) { return s->records() < 1; })) {
                            absl::SleepFor(absl::Milliseconds(5));
                          }
                          awsfacade::bench::WriteStamped(control, table, total, rate);
                        });
}

Figures Bare(const std::string& bare_bin, const std::string& template_file, int n, int seconds,
             int rate) {
  setenv("AWSFACADE_SERVER_BIN", bare_bin.c_str(), 1);
  const int total = rate * seconds;
  auto server = ServerProcess::Start(
      {"--template=" + template_file, "--streams=" + std::to_string(n),
       "--records=" + std::to_string(total), "--rate=" + std::to_string(rate)});
  if (!server.ok()) {
    Figures failed;
    failed.note = " bare_fanout_server: " + std::string(server.status().message());
    return failed;
  }
  streams::SubscribeToShardRequest request;  // not looked at by the bare server
  return RunSubscribers((*server)->address(), (*server)->pid(), Serialized(request), n, total,
                        absl::Seconds(seconds + 30), nullptr,
                        [](const std::vector<std::unique_ptr<Subscriber>>&) {});
}

struct Row {
  std::string figure, value, baseline, ratio, goal;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(
        stderr,
        "usage: %s awsfacade-server bare_fanout_server [--counts=1,10,100,1000] [--seconds=5] "
        "[--rate=1000]\n",
        argv[0]);
    return 2;
  }
  const std::string server_bin = argv[1], bare_bin = argv[2];
  std::vector<int> counts = {1, 10, 100, 1000};
  int seconds = 5, rate = 1000;
  for (int i = 3; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--counts=", 0) == 0) {
      counts.clear();
      for (absl::string_view c : absl::StrSplit(arg.substr(9), ',')) {
        int v = 0;
        if (absl::SimpleAtoi(c, &v) && v > 0) counts.push_back(v);
      }
    } else if (arg.rfind("--seconds=", 0) == 0 && absl::SimpleAtoi(arg.substr(10), &seconds) &&
               seconds > 0) {
    } else if (arg.rfind("--rate=", 0) == 0 && absl::SimpleAtoi(arg.substr(7), &rate) && rate > 0) {
    } else {
      std::fprintf(stderr, "bad argument %s\n", arg.c_str());
      return 2;
    }
  }
  std::sort(counts.begin(), counts.end());

  setenv("AWSFACADE_SERVER_BIN", server_bin.c_str(), 1);
  auto facade = ServerProcess::Start({"--log_level=warning"});
  if (!facade.ok()) {
    std::fprintf(stderr, "%s\n", std::string(facade.status().message()).c_str());
    return 1;
  }
  auto control = grpc::CreateChannel((*facade)->address(), grpc::InsecureChannelCredentials());
  char template_path[] = "/tmp/fanout_bench_templateXXXXXX";
  const int fd = mkstemp(template_path);
  if (fd < 0) return 1;
  close(fd);

  std::string captured;
  std::vector<Row> rows;
  // The writes alone (no subscriber): their server CPU is taken off the
  // facade's to give the fan-out's own CPU per delivered record ("net").
  const Figures writes_only =
      Facade(control, (*facade)->address(), (*facade)->pid(), 0, seconds, rate, nullptr);
  std::printf("    0 subscribers, facade: the writes alone cost the server %.2f s of CPU\n",
              writes_only.server_cpu_seconds);
  auto net_us_per_record = [&](const Figures& f) {
    return f.delivered > 0
               ? (f.server_cpu_seconds - writes_only.server_cpu_seconds) * 1e6 / f.delivered
               : 0.0;
  };
  Figures facade_at_1, facade_at_100, bare_at_100;
  for (int n : counts) {
    Figures ours =
        Facade(control, (*facade)->address(), (*facade)->pid(), n, seconds, rate, &captured);
    if (captured.empty()) {
      std::fprintf(stderr, "no one-record event captured from the facade: no bare baseline\n");
      return 1;
    }
    {
      std::ofstream out(template_path, std::ios::binary | std::ios::trunc);
      out << captured;
    }
    Figures bare = Bare(bare_bin, template_path, n, seconds, rate);
    for (const auto& [name, f] :
         {std::pair<const char*, const Figures&>{"facade", ours}, {"bare", bare}}) {
      const std::string net =
          &f == &ours ? absl::StrFormat(" (%.2f net of the writes)", net_us_per_record(f))
                      : std::string();
      std::printf(
          "%5d subscribers, %-6s: p50/p99 %.3f/%.3f ms, %.0f records/s (%lld of %lld), "
          "%.2f us server CPU/record%s, client CPU %.1f s in %.1f s%s\n",
          n, name, f.p50_ms, f.p99_ms, f.delivered_per_second, static_cast<long long>(f.delivered),
          static_cast<long long>(f.expected), f.cpu_us_per_record, net.c_str(),
          f.client_cpu_seconds, f.window_seconds, f.note.c_str());
    }
    std::fflush(stdout);
    if (n == 1) facade_at_1 = ours;
    if (n == 100) {
      facade_at_100 = ours;
      bare_at_100 = bare;
    }
    rows.push_back(
        {absl::StrFormat("fan-out %d subscribers at %d writes/s: write->subscriber p50 / p99 ms "
                         "(%lld of %lld records)",
                         n, rate, static_cast<long long>(ours.delivered),
                         static_cast<long long>(ours.expected)),
         absl::StrFormat("%.3f / %.3f", ours.p50_ms, ours.p99_ms),
         absl::StrFormat("bare fan-out %.3f / %.3f", bare.p50_ms, bare.p99_ms),
         bare.p99_ms > 0 ? absl::StrFormat("%.2f (p99)", ours.p99_ms / bare.p99_ms) : "-",
         n == 1000 ? "p99 < 10 ms" : "-"});
  }
  if (facade_at_100.delivered > 0 && facade_at_1.delivered > 0) {
    const double at_1 = net_us_per_record(facade_at_1), at_100 = net_us_per_record(facade_at_100);
    rows.push_back(
        {"fan-out: server CPU per delivered record at 100 subscribers (us, net of the writes' own "
         "CPU)",
         absl::StrFormat("%.2f", at_100), absl::StrFormat("at 1 subscriber %.2f", at_1),
         absl::StrFormat("%.2f", at_100 / at_1), "<= 1.0"});
    rows.push_back(
        {"fan-out: server CPU per delivered record at 100 subscribers, facade (net) vs the bare "
         "fan-out (us)",
         absl::StrFormat("%.2f", at_100),
         absl::StrFormat("bare fan-out %.2f", bare_at_100.cpu_us_per_record),
         bare_at_100.cpu_us_per_record > 0
             ? absl::StrFormat("%.2f", at_100 / bare_at_100.cpu_us_per_record)
             : "-",
         "-"});
  }
  if (facade_at_100.delivered > 0 && bare_at_100.delivered_per_second > 0) {
    rows.push_back(
        {absl::StrFormat("fan-out: delivered records/s to 100 subscribers at %d writes/s", rate),
         absl::StrFormat("%.0f", facade_at_100.delivered_per_second),
         absl::StrFormat("bare fan-out %.0f", bare_at_100.delivered_per_second),
         absl::StrFormat("%.2f",
                         facade_at_100.delivered_per_second / bare_at_100.delivered_per_second),
         ">= 0.5"});
  }
  unlink(template_path);
  std::printf("figure | value | baseline | ratio | goal\n");
  for (const auto& r : rows) {
    std::printf("ROW | %s | %s | %s | %s | %s\n", r.figure.c_str(), r.value.c_str(),
                r.baseline.c_str(), r.ratio.c_str(), r.goal.c_str());
  }
  return 0;
}
