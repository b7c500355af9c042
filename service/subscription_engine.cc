// The engine is wiring: the parts of a subscription live in subscriptions/
// (session, strand, reactor, shard reader, budgets, tokens).
#include "service/subscription_engine.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace awsfacade::service {
namespace streams = ::aws::dynamodbstreams::v1;
using subscriptions::SubscriptionSession;
using subscriptions::TokenMode;

SubscriptionEngine::SubscriptionEngine(std::shared_ptr<backends::DynamoDbStreamsBackend> backend,
                                       std::shared_ptr<backends::TokenSealer> sealer,
                                       SubscriptionEngineOptions options)
    : backend_(std::move(backend)),
      tokens_(std::move(sealer)),
      options_(options),
      budget_(options.max_buffered_bytes),
      clock_(options.clock != nullptr ? options.clock : std::make_shared<backends::SystemClock>()),
      workers_(std::make_unique<ThreadPoolExecutor>(static_cast<size_t>(options.worker_threads))),
      scheduler_(std::make_unique<Scheduler>(clock_.get())),
      registry_(options.max_subscriptions, options.max_subscriptions_per_caller) {
  const subscriptions::StrandEnvironment strand{workers_.get(), scheduler_.get(), clock_.get()};
  session_env_.backend = backend_;
  session_env_.tokens = &tokens_;
  session_env_.budget = &budget_;
  session_env_.strand = strand;
  session_env_.pacing = {options_.poll_min, options_.poll_max, options_.retry_min,
                         options_.retry_max};
  session_env_.observer = options_.observer;
  session_env_.reader_for = [this](const std::string& stream_arn, const std::string& shard_id,
                                   const subscriptions::Position& pos) {
    return ReaderFor(stream_arn, shard_id, pos);
  };
  session_env_.call_started = [this] { CallStarted(); };
  session_env_.call_ended = [this] { CallEnded(); };
  reactor_env_.strand = strand;
  reactor_env_.admit = [this](std::shared_ptr<subscriptions::Stoppable> session,
                              const std::string& caller) {
    return Admit(std::move(session), caller);
  };
  reactor_env_.release = [this](subscriptions::Stoppable* session) { Release(session); };
}

SubscriptionEngine::~SubscriptionEngine() {
  Shutdown(absl::Seconds(1));
  {
    // Completions of backend calls still out reference sessions, and so
    // this engine: they come within the backend's call timeout.
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* calls) { return *calls == 0; }, &calls_in_flight_));
  }
  scheduler_.reset();
  workers_.reset();
  registry_.Clear();
}

absl::Status SubscriptionEngine::Admit(std::shared_ptr<subscriptions::Stoppable> session,
                                       const std::string& caller) {
  absl::Status admitted = registry_.Admit(std::move(session), caller);
  if (admitted.ok() && options_.observer) options_.observer->OnOpened();
  return admitted;
}

void SubscriptionEngine::Release(subscriptions::Stoppable* session) {
  if (registry_.Release(session) && options_.observer) options_.observer->OnClosed();
}

std::shared_ptr<subscriptions::ShardReader> SubscriptionEngine::ReaderFor(
    const std::string& stream_arn, const std::string& shard_id,
    const subscriptions::Position& pos) {
  std::string key = absl::StrCat(stream_arn, "\n", shard_id);
  std::shared_ptr<subscriptions::ShardReader> reader;
  {
    absl::MutexLock lock(&readers_mu_);
    auto it = readers_.find(key);
    if (it != readers_.end()) reader = it->second.lock();
    if (reader != nullptr) return reader;
    if (!backend_notifies_) {
      // Whether reads are memory-local and come on wake-ups (the simulator)
      // or are polled (AWS): it decides the default read budget.
      backend_notifies_ = backend_->WatchStream(stream_arn, [] {}) != nullptr;
    }
    subscriptions::ShardReaderOptions reader_options;
    reader_options.reads_per_second = options_.shard_reads_per_second.value_or(
        *backend_notifies_ ? 0 : kDefaultShardReadsPerSecond);
    reader_options.poll_min = options_.poll_min;
    reader_options.poll_max = options_.poll_max;
    reader_options.retry_min = options_.retry_min;
    reader_options.retry_max = options_.retry_max;
    subscriptions::ShardReaderEnvironment env;
    env.backend = backend_.get();
    env.clock = clock_.get();
    env.scheduler = scheduler_.get();
    env.executor = workers_.get();
    env.call_started = [this] { CallStarted(); };
    env.call_ended = [this] { CallEnded(); };
    reader = std::make_shared<subscriptions::ShardReader>(std::move(env), stream_arn, shard_id,
                                                          reader_options);
    if (readers_.size() >= 64 && (readers_.size() & (readers_.size() - 1)) == 0) {
      absl::erase_if(readers_, [](const auto& entry) { return entry.second.expired(); });
    }
    readers_[key] = reader;
  }
  reader->Begin(pos);
  return reader;
}

void SubscriptionEngine::CallStarted() {
  absl::MutexLock lock(&mu_);
  ++calls_in_flight_;
}

void SubscriptionEngine::CallEnded() {
  absl::MutexLock lock(&mu_);
  --calls_in_flight_;
}

void SubscriptionEngine::Shutdown(absl::Duration grace) { registry_.StopAll(grace); }

grpc::ServerWriteReactor<grpc::ByteBuffer>* SubscriptionEngine::Open(
    grpc::CallbackServerContext* context, TokenMode mode,
    std::function<absl::Status(SubscriptionSession&)> start) {
  auto* reactor = new subscriptions::SubscriptionReactor(context, &reactor_env_);
  auto session = std::make_shared<SubscriptionSession>(&session_env_, mode);
  reactor->Begin(session, [session, start = std::move(start)] { return start(*session); });
  return reactor;
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* SubscriptionEngine::SubscribeToShard(
    grpc::CallbackServerContext* context, streams::SubscribeToShardRequest request) {
  return Open(context, TokenMode::kShard,
              [request = std::move(request)](SubscriptionSession& session) {
                return session.Start(request.stream_arn(), request.shard_id(),
                                     request.starting_position(), request.options());
              });
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* SubscriptionEngine::SubscribeToStream(
    grpc::CallbackServerContext* context, streams::SubscribeToStreamRequest request) {
  return Open(context, TokenMode::kStream,
              [request = std::move(request)](SubscriptionSession& session) {
                return session.Start(request.stream_arn(), "", request.starting_position(),
                                     request.options());
              });
}

}  // namespace awsfacade::service
