#include "service/consumer_groups/shard_source.h"

#include <utility>

namespace awsfacade::service::consumer_groups {
namespace {

namespace streams = ::aws::dynamodbstreams::v1;

// One SubscribeToShard call. It deletes itself in OnDone; the feed handle
// only cancels it, through a shared control block that outlives both.
class FeedReactor final : public grpc::ClientReadReactor<streams::SubscribeToShardResponse> {
 public:
  struct Control {
    absl::Mutex mu;
    FeedReactor* reactor ABSL_GUARDED_BY(mu) = nullptr;  // null once done
    bool cancelled ABSL_GUARDED_BY(mu) = false;
    bool reading ABSL_GUARDED_BY(mu) = false;  // one read in flight at most

    // Asks for the next event unless one is asked for or the call is over.
    void ReadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
      if (reactor == nullptr || reading) return;
      reading = true;
      reactor->StartRead(&reactor->event_);
    }
  };

  FeedReactor(std::shared_ptr<Control> control, ShardSource::OnEvent on_event,
              ShardSource::OnEnd on_end)
      : control_(std::move(control)), on_event_(std::move(on_event)), on_end_(std::move(on_end)) {}

  void Begin(streams::DynamoDbStreamsService::Stub* stub,
             const streams::SubscribeToShardRequest& request) {
    request_ = request;
    stub->async()->SubscribeToShard(&context_, &request_, this);
    {
      absl::MutexLock lock(&control_->mu);
      control_->ReadLocked();
    }
    StartCall();
  }

  void Cancel() { context_.TryCancel(); }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the call is over: OnDone has its status
    streams::SubscribeToShardResponse event;
    {
      absl::MutexLock lock(&control_->mu);
      // Take the event out before `reading` is cleared: from then on Next()
      // or Cancel() on another thread may start a read into event_.
      event.Swap(&event_);
      control_->reading = false;
      // Cancelled: drain until the failed read, so OnDone comes; the
      // consumer has stopped listening.
      if (control_->cancelled) {
        control_->ReadLocked();
        return;
      }
    }
    on_event_(std::move(event));
  }

  void OnDone(const grpc::Status& status) override {
    {
      absl::MutexLock lock(&control_->mu);
      control_->reactor = nullptr;
    }
    on_end_(status);
    delete this;
  }

 private:
  std::shared_ptr<Control> control_;
  ShardSource::OnEvent on_event_;
  ShardSource::OnEnd on_end_;
  grpc::ClientContext context_;
  streams::SubscribeToShardRequest request_;
  streams::SubscribeToShardResponse event_;
};

class InProcessFeed final : public ShardFeed {
 public:
  explicit InProcessFeed(std::shared_ptr<FeedReactor::Control> control)
      : control_(std::move(control)) {}
  ~InProcessFeed() override { Cancel(); }

  void Next() override {
    absl::MutexLock lock(&control_->mu);
    if (!control_->cancelled) control_->ReadLocked();
  }
  void Cancel() override {
    absl::MutexLock lock(&control_->mu);
    if (control_->reactor == nullptr || control_->cancelled) return;
    control_->cancelled = true;
    control_->reactor->Cancel();
    control_->ReadLocked();  // the failed read lets OnDone come
  }

 private:
  std::shared_ptr<FeedReactor::Control> control_;
};

}  // namespace

std::unique_ptr<ShardFeed> InProcessShardSource::Open(
    const streams::SubscribeToShardRequest& request, OnEvent on_event, OnEnd on_end) {
  auto control = std::make_shared<FeedReactor::Control>();
  absl::MutexLock lock(&mu_);
  if (!stopped_ && stub_ == nullptr) {
    stub_ = streams::DynamoDbStreamsService::NewStub(channel_factory_());
  }
  if (stopped_) {
    // Under our lock: on_end only records the end (it never opens again
    // from here), and nothing can start after Stop.
    on_end(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down"));
    return std::make_unique<InProcessFeed>(std::move(control));
  }
  auto* reactor = new FeedReactor(control, std::move(on_event), std::move(on_end));
  {
    absl::MutexLock control_lock(&control->mu);
    control->reactor = reactor;
  }
  reactor->Begin(stub_.get(), request);
  return std::make_unique<InProcessFeed>(std::move(control));
}

void InProcessShardSource::Stop() {
  absl::MutexLock lock(&mu_);
  stopped_ = true;
  stub_.reset();
}

}  // namespace awsfacade::service::consumer_groups
