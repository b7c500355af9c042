// The metrics decorator over an asynchronous backend: Async* calls reach
// the child's Async* (never its blocking form), the observer hears of a
// call when it completes (not when it starts), the decorator may be dropped
// while a call is in flight, and IsAsynchronous is the child's answer.
#include "backends/instrumented_backends.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backends/async_streams_fake.h"

namespace awsfacade::backends {
namespace {

using ::awsfacade::testing::AsyncStreamsFake;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
namespace ddbs = ::aws::dynamodbstreams::v1;

class RecordingObserver final : public BackendCallObserver {
 public:
  void OnBackendCall(absl::string_view service, absl::string_view operation,
                     absl::string_view backend, const absl::Status& status,
                     absl::Duration) override {
    absl::MutexLock lock(&mu_);
    calls_.push_back(absl::StrCat(service, "/", operation, "/", backend, "/",
                                  absl::StatusCodeToString(status.code())));
  }
  std::vector<std::string> calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> calls_ ABSL_GUARDED_BY(mu_);
};

TEST(InstrumentedStreamsAsyncTest, ReportsTheCallWhenItCompletesThroughTheChildsAsyncForm) {
  auto child = std::make_shared<AsyncStreamsFake>();
  auto observer = std::make_shared<RecordingObserver>();
  auto instrumented = std::make_unique<InstrumentedDynamoDbStreams>(child, observer, "aws");
  EXPECT_TRUE(instrumented->IsAsynchronous());

  CallContext context;
  context.may_retry = false;
  std::optional<absl::StatusOr<ddbs::GetRecordsResponse>> answer;
  ddbs::GetRecordsRequest request;
  request.set_shard_iterator("it-1");
  instrumented->AsyncGetRecords(context, request,
                                [&answer](absl::StatusOr<ddbs::GetRecordsResponse> r) { answer = std::move(r); });
  EXPECT_EQ(answer, std::nullopt);
  EXPECT_THAT(observer->calls(), IsEmpty());  // not done yet
  ASSERT_EQ(child->held(), 1);
  AsyncStreamsFake::HeldCall held = child->TakeHeld();
  EXPECT_EQ(held.request.shard_iterator(), "it-1");
  EXPECT_FALSE(held.context.may_retry);

  instrumented.reset();  // the decorator goes while the call is in flight
  ddbs::GetRecordsResponse response;
  response.set_next_shard_iterator("it-2");
  std::move(held.done)(response);
  ASSERT_TRUE(answer.has_value() && answer->ok());
  EXPECT_EQ((*answer)->next_shard_iterator(), "it-2");
  EXPECT_THAT(observer->calls(), ElementsAre("dynamodbstreams/GetRecords/aws/OK"));
  EXPECT_EQ(child->blocking_calls(), 0);
}

TEST(InstrumentedStreamsAsyncTest, ADelayedCallIsNotReportedOnlyItsRun) {
  auto child = std::make_shared<AsyncStreamsFake>();
  auto observer = std::make_shared<RecordingObserver>();
  InstrumentedDynamoDbStreams instrumented(child, observer, "simulator");
  std::optional<absl::StatusOr<ddbs::GetRecordsResponse>> answer;
  instrumented.AsyncGetRecords(CallContext{}, {},
                               [&answer](absl::StatusOr<ddbs::GetRecordsResponse> r) { answer = std::move(r); });
  std::move(child->TakeHeld().done)(
      DelayedCallError(CallDelay{"dynamodbstreams", "GetRecords", absl::Now()}, absl::Now()));
  ASSERT_TRUE(answer.has_value());
  EXPECT_TRUE(DelayedCallOf(answer->status()).has_value());
  EXPECT_THAT(observer->calls(), IsEmpty());
}

}  // namespace
}  // namespace awsfacade::backends
