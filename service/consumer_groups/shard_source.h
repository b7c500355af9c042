#ifndef AWSFACADE_SERVICE_CONSUMER_GROUPS_SHARD_SOURCE_H_
#define AWSFACADE_SERVICE_CONSUMER_GROUPS_SHARD_SOURCE_H_

#include <functional>
#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace awsfacade::service::consumer_groups {

// One open read of a shard, pulled one event at a time: the source delivers
// an event only after Next() asked for it (the first one unasked), so a
// member that is slow to write its events slows its reads (flow control end
// to end).
class ShardFeed {
 public:
  virtual ~ShardFeed() = default;
  // Asks for the next event.
  virtual void Next() = 0;
  // Stops reading; the end callback still comes (with CANCELLED or whatever
  // ended it first). Idempotent.
  virtual void Cancel() = 0;
};

// Opens shard reads. Callbacks come on the source's threads, never under a
// lock of the caller's and never concurrently for one feed; `on_end` comes
// exactly once, after the last event.
class ShardSource {
 public:
  using OnEvent = std::function<void(aws::dynamodbstreams::v1::SubscribeToShardResponse)>;
  using OnEnd = std::function<void(const grpc::Status&)>;
  virtual ~ShardSource() = default;
  virtual std::unique_ptr<ShardFeed> Open(const aws::dynamodbstreams::v1::SubscribeToShardRequest&,
                                          OnEvent on_event, OnEnd on_end) = 0;
};

// Reads through the server's own SubscribeToShard over an in-process channel
// (grpc::Server::InProcessChannel): every member of every group on this
// replica then shares the subscription engine's one upstream reader per
// shard, its read budget, its retries and its ordering guarantees, without
// depending on the engine's internals. `channel` is asked for once, on the
// first Open (the server must be started by then).
class InProcessShardSource final : public ShardSource {
 public:
  explicit InProcessShardSource(std::function<std::shared_ptr<grpc::Channel>()> channel)
      : channel_factory_(std::move(channel)) {}
  std::unique_ptr<ShardFeed> Open(const aws::dynamodbstreams::v1::SubscribeToShardRequest& request,
                                  OnEvent on_event, OnEnd on_end) override;

  // Before the server shuts down: drops the channel (after the Opens in
  // progress); every later Open ends at once with UNAVAILABLE, so a member
  // reopening a read never starts a call on a server that is going away.
  void Stop();

 private:
  std::function<std::shared_ptr<grpc::Channel>()> channel_factory_;
  absl::Mutex mu_;  // held across the start of each call, so Stop() waits for it
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::unique_ptr<aws::dynamodbstreams::v1::DynamoDbStreamsService::Stub> stub_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace awsfacade::service::consumer_groups

#endif  // AWSFACADE_SERVICE_CONSUMER_GROUPS_SHARD_SOURCE_H_
