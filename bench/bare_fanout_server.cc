// The baseline of bench/fanout_bench: a bare gRPC server that does nothing
// but fan out. It answers any call of
// /aws.dynamodbstreams.v1.DynamoDbStreamsService/SubscribeToShard (through
// gRPC's generic callback API, the request is not looked at) and, once
// --streams calls are open, produces --records events at --rate per second:
// each is the --template event (a serialized SubscribeToShardResponse the
// benchmark captured from the facade) with the new image's "ts" set to the
// time of production, serialized ONCE and the same bytes queued on every
// stream (one write in flight per stream; events queued meanwhile go out
// together in the next write, as one larger batch).
//
// Usage: bare_fanout_server --listen=HOST:PORT --template=FILE --streams=N
//                           --records=K --rate=R
// Prints "bare_fanout_server: listening on port P (bare fan-out)" on stderr when serving
// (the line tests/integration/server_process.cc waits for).
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.pb.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/grpcpp.h"

namespace {

constexpr char kSubscribeToShard[] =
    "/aws.dynamodbstreams.v1.DynamoDbStreamsService/SubscribeToShard";

class FanoutStream;

// The open streams, and the producer that writes to them.
class Hub {
 public:
  void Add(FanoutStream* stream) {
    std::lock_guard<std::mutex> lock(mu_);
    streams_.push_back(stream);
    cv_.notify_all();
  }
  void Remove(FanoutStream* stream) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& s : streams_) {
      if (s == stream) {
        s = streams_.back();
        streams_.pop_back();
        break;
      }
    }
  }
  // Waits for `streams` open streams, then writes `records` events at `rate`.
  void Produce(const ::aws::dynamodbstreams::v1::SubscribeToShardResponse& event_template,
               int streams, int64_t records, double rate);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<FanoutStream*> streams_;
};

class FanoutStream : public grpc::ServerGenericBidiReactor {
 public:
  explicit FanoutStream(Hub* hub) : hub_(hub) { StartRead(&request_); }

  // Queues `event` (its slices are shared, not copied); starts a write when
  // none is in flight.
  void Enqueue(const grpc::Slice& event) {
    bool start = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finishing_) return;
      queue_.push_back(event);
      start = !writing_;
      writing_ = true;
      if (start) TakeQueued();
    }
    if (start) StartWrite(&writing_buffer_);
  }

  void OnReadDone(bool ok) override {
    if (ok) hub_->Add(this);  // the one request message; the client then half-closes
  }

  void OnWriteDone(bool ok) override {
    bool next = false;
    bool finish = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (ok && !finishing_ && !queue_.empty()) {
        TakeQueued();
        next = true;
      } else {
        writing_ = false;
        if (!ok && !finishing_) {  // the client went away
          finishing_ = true;
          finish = true;
        } else if (finish_after_write_) {  // cancelled while this write was in flight
          finish_after_write_ = false;
          finish = true;
        }
      }
    }
    if (next) StartWrite(&writing_buffer_);
    if (finish) Finish(grpc::Status::CANCELLED);
  }

  void OnCancel() override {
    bool finish = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finishing_) return;
      finishing_ = true;
      // Finish once no write is in flight (OnWriteDone then finishes).
      if (writing_) {
        finish_after_write_ = true;
      } else {
        finish = true;
      }
    }
    if (finish) Finish(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    hub_->Remove(this);
    delete this;
  }

 private:
  // Moves up to kMaxEventsPerWrite queued events into writing_buffer_: their
  // bytes one after the other, which protobuf parses as one event whose
  // RecordBatch holds all their records (repeated fields concatenate), the
  // way a subscription that fell behind sends one larger batch. No copy: the
  // buffer refers to the events' slices.
  void TakeQueued() {
    constexpr size_t kMaxEventsPerWrite = 1000;  // SubscriptionOptions' default batch
    std::vector<grpc::Slice> slices;
    while (!queue_.empty() && slices.size() < kMaxEventsPerWrite) {
      slices.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    writing_buffer_ = grpc::ByteBuffer(slices.data(), slices.size());
  }

  Hub* const hub_;
  grpc::ByteBuffer request_;
  std::mutex mu_;
  std::deque<grpc::Slice> queue_;
  grpc::ByteBuffer writing_buffer_;  // what the write in flight sends
  bool writing_ = false;
  bool finishing_ = false;
  bool finish_after_write_ = false;
};

void Hub::Produce(const ::aws::dynamodbstreams::v1::SubscribeToShardResponse& event_template,
                  int streams, int64_t records, double rate) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return static_cast<int>(streams_.size()) >= streams; });
  }
  ::aws::dynamodbstreams::v1::SubscribeToShardResponse event = event_template;
  auto* ts = event.mutable_records()
                 ->mutable_records(0)
                 ->mutable_record()
                 ->mutable_dynamodb()
                 ->mutable_new_image();
  const auto start = std::chrono::steady_clock::now();
  for (int64_t k = 0; k < records; ++k) {
    std::this_thread::sleep_until(start +
                                  std::chrono::nanoseconds(static_cast<int64_t>(k * 1e9 / rate)));
    (*ts)["ts"].set_n(std::to_string(absl::GetCurrentTimeNanos()));
    const std::string bytes = event.SerializeAsString();  // once for every stream
    const grpc::Slice slice(bytes);
    std::lock_guard<std::mutex> lock(mu_);
    for (FanoutStream* s : streams_) s->Enqueue(slice);
  }
}

class FanoutService : public grpc::CallbackGenericService {
 public:
  explicit FanoutService(Hub* hub) : hub_(hub) {}
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    if (context->method() == kSubscribeToShard) return new FanoutStream(hub_);
    return grpc::CallbackGenericService::CreateReactor(context);  // UNIMPLEMENTED
  }

 private:
  Hub* const hub_;
};

bool Flag(const std::string& arg, const std::string& name, std::string* value) {
  const std::string prefix = "--" + name + "=";
  if (arg.rfind(prefix, 0) != 0) return false;
  *value = arg.substr(prefix.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:0", template_file, value;
  int streams = 1;
  int64_t records = 1000;
  double rate = 1000;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    bool ok = true;
    if (Flag(arg, "listen", &value)) {
      listen = value;
    } else if (Flag(arg, "template", &value)) {
      template_file = value;
    } else if (Flag(arg, "streams", &value)) {
      ok = absl::SimpleAtoi(value, &streams) && streams > 0;
    } else if (Flag(arg, "records", &value)) {
      ok = absl::SimpleAtoi(value, &records) && records > 0;
    } else if (Flag(arg, "rate", &value)) {
      ok = absl::SimpleAtod(value, &rate) && rate > 0;
    } else {
      ok = false;
    }
    if (!ok) {
      std::fprintf(stderr, "bare_fanout_server: bad argument %s\n", arg.c_str());
      return 2;
    }
  }
  std::ifstream in(template_file, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ::aws::dynamodbstreams::v1::SubscribeToShardResponse event_template;
  if (!event_template.ParseFromString(bytes) || event_template.records().records_size() == 0) {
    std::fprintf(
        stderr,
        "bare_fanout_server: --template=%s is not a SubscribeToShardResponse with records\n",
        template_file.c_str());
    return 2;
  }

  Hub hub;
  FanoutService service(&hub);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterCallbackGenericService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "bare_fanout_server: cannot listen on %s\n", listen.c_str());
    return 1;
  }
  std::fprintf(stderr, "bare_fanout_server: listening on port %d (bare fan-out)\n", port);
  std::fflush(stderr);
  std::thread producer([&] { hub.Produce(event_template, streams, records, rate); });
  producer.detach();  // the benchmark stops this process with SIGTERM
  server->Wait();
  return 0;
}
