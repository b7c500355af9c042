#ifndef AWSFACADE_SERVICE_SUBSCRIPTION_ENGINE_H_
#define AWSFACADE_SERVICE_SUBSCRIPTION_ENGINE_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.pb.h"
#include "backends/common/clock.h"
#include "backends/common/token_sealer.h"
#include "backends/dynamodb_streams_backend.h"
#include "grpcpp/grpcpp.h"
#include "service/executor.h"
#include "service/scheduler.h"
#include "service/subscriptions/buffer_budget.h"
#include "service/subscriptions/continuation_token.h"
#include "service/subscriptions/registry.h"
#include "service/subscriptions/session.h"
#include "service/subscriptions/shard_reader.h"
#include "service/subscriptions/subscription_observer.h"
#include "service/subscriptions/subscription_reactor.h"

namespace awsfacade::service {

// Told what subscriptions do, for metrics (subscriptions/subscription_observer.h).
using SubscriptionObserver = subscriptions::SubscriptionObserver;

struct SubscriptionEngineOptions {
  // Open subscriptions at once; RESOURCE_EXHAUSTED past it.
  int max_subscriptions = 10000;
  // Open subscriptions per caller (CallerIdentity: client certificate under
  // mutual TLS, else peer address); 0 = only the global cap.
  int max_subscriptions_per_caller = 0;
  // Threads that run subscription steps (backend calls happen there).
  int worker_threads = 2;
  // Pacing when the backend cannot notify (real AWS): an idle shard is
  // polled after poll_min, doubling to poll_max while it stays empty. AWS
  // suggests no more than ~4 reads/s per shard per reader (Lambda's rate).
  absl::Duration poll_min = absl::Milliseconds(250);
  absl::Duration poll_max = absl::Seconds(1);
  // Record bytes (SizeBytes) all subscriptions together may hold: the batch
  // being written plus the one read ahead, per subscription. Past it,
  // subscriptions stop reading ahead and fill batches of at most
  // kSqueezedBatchBytes, so stalled readers cannot add up to more than this
  // plus a small batch each, whatever their number. Process memory is a few
  // times the record bytes (protobuf objects, gRPC's serialized copy).
  int64_t max_buffered_bytes = 64 << 20;
  // Upstream GetRecords per second per shard, shared by every subscription
  // on the shard in this process (one reader at the tip, and those catching
  // up behind it). Unset: kDefaultShardReadsPerSecond on a backend that is
  // polled (AWS), unlimited on one that notifies (the in-process simulator,
  // where reads are memory-local and happen on wake-ups). <= 0: unlimited.
  std::optional<double> shard_reads_per_second;
  // Backoff for throttling and transient backend errors.
  absl::Duration retry_min = absl::Milliseconds(20);
  absl::Duration retry_max = absl::Seconds(5);
  // Null: nobody is told.
  std::shared_ptr<SubscriptionObserver> observer;
  // Time for batching delays, heartbeats, lifetimes, backoff and timers.
  // Null: the system clock. Tests inject a FakeClock and advance it.
  std::shared_ptr<backends::Clock> clock;
};

// AWS advises at most two readers per shard, each at most ~5 GetRecords/s
// shared between them.
inline constexpr double kDefaultShardReadsPerSecond = 5;

// Push subscriptions over DynamoDB Streams (SubscribeToShard,
// SubscribeToStream; semantics in the proto comments). One engine serves
// every subscription; it uses only the backend's DescribeStream,
// GetShardIterator and GetRecords, plus its optional WatchStream wake-up
// hook, so it works the same on the simulator and on AWS.
//
// The engine is the wiring: it owns the workers, the timers, the clock, the
// buffer budget, the token codec, the registry of open subscriptions and
// the per-shard readers, and hands them to the parts in subscriptions/:
// each call gets a SubscriptionReactor (gRPC's side) and a
// SubscriptionSession (the subscriber's state machine, stepped on its
// Strand), and every session on a shard shares that shard's ShardReader.
// docs/architecture.md draws the whole.
class SubscriptionEngine {
 public:
  SubscriptionEngine(std::shared_ptr<backends::DynamoDbStreamsBackend> backend,
                     std::shared_ptr<backends::TokenSealer> sealer,
                     SubscriptionEngineOptions options = {});
  ~SubscriptionEngine();

  // The stream of one subscription. Events are written as bytes: each is
  // a serialized SubscribeToShardResponse (SubscribeToStreamResponse has
  // the same wire format), and a batch of records that goes to many
  // subscribers is serialized once (subscriptions/event_wire.h). Serve it
  // from a raw callback method (WithRawCallbackMethod_SubscribeTo*).
  grpc::ServerWriteReactor<grpc::ByteBuffer>* SubscribeToShard(
      grpc::CallbackServerContext* context,
      aws::dynamodbstreams::v1::SubscribeToShardRequest request);
  grpc::ServerWriteReactor<grpc::ByteBuffer>* SubscribeToStream(
      grpc::CallbackServerContext* context,
      aws::dynamodbstreams::v1::SubscribeToStreamRequest request);

  // Ends every open subscription with UNAVAILABLE and its final
  // continuation token, and refuses new ones. Returns when all have ended
  // or `grace` has passed.
  void Shutdown(absl::Duration grace);

  // After an injected clock (options.clock) jumped: timers look at it again.
  void ClockChanged() { scheduler_->ClockChanged(); }

  int active() const { return registry_.open(); }
  // Records read from the backend and not yet handed to gRPC, over all
  // subscriptions: stays bounded however slow the readers are.
  int64_t buffered_records() const { return budget_.records(); }
  // Record bytes (SizeBytes) those hold, in-flight writes included.
  int64_t buffered_bytes() const { return budget_.bytes(); }

 private:
  // Reserves a slot for `caller`; ResourceExhausted past max_subscriptions
  // or the caller's cap, Unavailable after Shutdown.
  absl::Status Admit(std::shared_ptr<subscriptions::Stoppable> session, const std::string& caller);
  void Release(subscriptions::Stoppable* session);
  // A reactor and its session, begun with `start` (the session's Start).
  grpc::ServerWriteReactor<grpc::ByteBuffer>* Open(
      grpc::CallbackServerContext* context, subscriptions::TokenMode mode,
      std::function<absl::Status(subscriptions::SubscriptionSession&)> start);
  // The shard's reader, created (and begun at `pos`) on first use; the
  // registry holds it weakly, subscriptions strongly.
  std::shared_ptr<subscriptions::ShardReader> ReaderFor(const std::string& stream_arn,
                                                        const std::string& shard_id,
                                                        const subscriptions::Position& pos);
  // Backend calls whose completion has not run yet (the destructor waits).
  void CallStarted();
  void CallEnded();

  std::shared_ptr<backends::DynamoDbStreamsBackend> backend_;
  subscriptions::ContinuationTokenCodec tokens_;
  SubscriptionEngineOptions options_;
  subscriptions::BufferBudget budget_;
  std::shared_ptr<backends::Clock> clock_;
  std::unique_ptr<ThreadPoolExecutor> workers_;
  std::unique_ptr<Scheduler> scheduler_;
  // What sessions and reactors share (pointers into the members above).
  subscriptions::SessionEnvironment session_env_;
  subscriptions::ReactorEnvironment reactor_env_;

  subscriptions::SubscriptionRegistry registry_;
  mutable absl::Mutex mu_;
  int calls_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Mutex readers_mu_;
  absl::flat_hash_map<std::string, std::weak_ptr<subscriptions::ShardReader>> readers_
      ABSL_GUARDED_BY(readers_mu_);
  std::optional<bool> backend_notifies_ ABSL_GUARDED_BY(readers_mu_);
};

}  // namespace awsfacade::service

#endif  // AWSFACADE_SERVICE_SUBSCRIPTION_ENGINE_H_
