#include "backends/instrumented_backends.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "app/backend_factory.h"
#include "app/observability.h"
#include "backends/common/aws_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/subscription_engine.h"
#include "tests/backends/async_streams_fake.h"
#include "tests/service/mock_backends.h"

namespace awsfacade {
namespace {

using ::testing::Return;
using ::testing::StrictMock;
namespace cs = ::aws::cognitosync::v1;

struct Seen {
  std::string service, operation, backend;
  absl::StatusCode code;
};

class RecordingObserver final : public backends::BackendCallObserver {
 public:
  void OnBackendCall(absl::string_view service, absl::string_view operation,
                     absl::string_view backend, const absl::Status& status,
                     absl::Duration duration) override {
    EXPECT_GE(duration, absl::ZeroDuration());
    seen.push_back(
        {std::string(service), std::string(operation), std::string(backend), status.code()});
  }
  std::vector<Seen> seen;
};

TEST(InstrumentedBackendsTest, ReportsEachCallAndPassesResultsThrough) {
  auto mock = std::make_shared<StrictMock<testing::MockCognitoSyncBackend>>();
  auto observer = std::make_shared<RecordingObserver>();
  backends::InstrumentedCognitoSync backend(mock, observer, "aws");
  cs::ListDatasetsResponse answer;
  answer.set_count(4);
  EXPECT_CALL(*mock, ListDatasets).WillOnce(Return(answer));
  EXPECT_CALL(*mock, DeleteDataset)
      .WillOnce(Return(backends::AwsError("ResourceNotFoundException", "gone")));

  auto listed = backend.ListDatasets(cs::ListDatasetsRequest());
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->count(), 4);
  auto deleted = backend.DeleteDataset(cs::DeleteDatasetRequest());
  EXPECT_EQ(deleted.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(backends::AwsErrorName(deleted.status()), "ResourceNotFoundException");

  ASSERT_EQ(observer->seen.size(), 2u);
  EXPECT_EQ(observer->seen[0].service, "cognitosync");
  EXPECT_EQ(observer->seen[0].operation, "ListDatasets");
  EXPECT_EQ(observer->seen[0].backend, "aws");
  EXPECT_EQ(observer->seen[0].code, absl::StatusCode::kOk);
  EXPECT_EQ(observer->seen[1].operation, "DeleteDataset");
  EXPECT_EQ(observer->seen[1].code, absl::StatusCode::kNotFound);
}

TEST(BackendOutcomeTest, SortsStatusesIntoFourOutcomes) {
  EXPECT_EQ(app::BackendOutcome(absl::OkStatus()), "ok");
  EXPECT_EQ(app::BackendOutcome(backends::AwsError("ThrottlingException", "slow down")),
            "throttled");
  EXPECT_EQ(app::BackendOutcome(
                backends::AwsError("ProvisionedThroughputExceededException", "slow down")),
            "throttled");
  EXPECT_EQ(app::BackendOutcome(backends::AwsError("ResourceNotFoundException", "x")),
            "client_error");
  EXPECT_EQ(app::BackendOutcome(absl::InvalidArgumentError("x")), "client_error");
  EXPECT_EQ(app::BackendOutcome(absl::UnavailableError("x")), "server_error");
  EXPECT_EQ(app::BackendOutcome(absl::DeadlineExceededError("x")), "server_error");
  EXPECT_EQ(app::BackendOutcome(backends::AwsError("InternalServerError", "x")), "server_error");
}

TEST(ObserveBackendsTest, HooksEveryObserverWhenMetricsAreOn) {
  app::ObservabilityOptions observability;
  app::BackendOptions backend_options;
  service::SubscriptionEngineOptions subscriptions;
  app::ObserveBackends(observability, backend_options, subscriptions);
  EXPECT_EQ(backend_options.call_observer, nullptr);
  EXPECT_EQ(subscriptions.observer, nullptr);

  observability.metrics = std::make_shared<observability::FacadeMetrics>();
  app::ObserveBackends(observability, backend_options, subscriptions);
  EXPECT_NE(backend_options.call_observer, nullptr);
  EXPECT_NE(backend_options.aws.retry_observer, nullptr);
  EXPECT_NE(subscriptions.observer, nullptr);
}

TEST(ObserveBackendsTest, SimulatorCallsAndInjectedFaultsReachTheMetrics) {
  app::ObservabilityOptions observability;
  observability.metrics = std::make_shared<observability::FacadeMetrics>();
  app::BackendOptions backend_options;
  service::SubscriptionEngineOptions subscriptions;
  app::ObserveBackends(observability, backend_options, subscriptions);
  auto backends = app::CreateBackends(backend_options);
  ASSERT_TRUE(backends.ok()) << backends.status();
  cs::ListDatasetsRequest request;
  request.set_identity_pool_id("us-east-1:00000000-0000-0000-0000-000000000000");
  request.set_identity_id("us-east-1:00000000-0000-0000-0000-000000000001");
  EXPECT_TRUE(backends->cognito_sync->ListDatasets(request).ok());
  backends::simulator::FaultInjector::Rule throttle;
  throttle.service = "cognitosync";
  throttle.operation = "ListDatasets";
  throttle.max_count = 1;
  ASSERT_TRUE(backends->simulator->faults->SetRules({throttle}).ok());
  EXPECT_FALSE(backends->cognito_sync->ListDatasets(request).ok());
  const std::string text = observability.metrics->Exposition();
  const std::string labels = "operation=\"ListDatasets\"";
  EXPECT_THAT(text, ::testing::HasSubstr("awsfacade_backend_calls_total{backend=\"simulator\"," +
                                         labels + ",outcome=\"ok\",service=\"cognitosync\"} 1"))
      << text;
  EXPECT_THAT(text,
              ::testing::HasSubstr("awsfacade_backend_calls_total{backend=\"simulator\"," + labels +
                                   ",outcome=\"throttled\",service=\"cognitosync\"} 1"));
  EXPECT_THAT(text,
              ::testing::HasSubstr("awsfacade_backend_call_seconds_count{backend=\"simulator\"," +
                                   labels + ",service=\"cognitosync\"} 2"));
}

}  // namespace
}  // namespace awsfacade

// Over an asynchronous backend: Async* calls reach the child's Async* (never
// its blocking form), the observer hears of a call when it completes (not
// when it starts), the decorator may be dropped while a call is in flight,
// and IsAsynchronous is the child's answer.
namespace awsfacade::backends {
namespace {

using ::awsfacade::testing::AsyncStreamsFake;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
namespace ddbs = ::aws::dynamodbstreams::v1;

class LabelObserver final : public BackendCallObserver {
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
  auto observer = std::make_shared<LabelObserver>();
  auto instrumented = std::make_unique<InstrumentedDynamoDbStreams>(child, observer, "aws");
  EXPECT_TRUE(instrumented->IsAsynchronous());

  CallContext context;
  context.may_retry = false;
  std::optional<absl::StatusOr<ddbs::GetRecordsResponse>> answer;
  ddbs::GetRecordsRequest request;
  request.set_shard_iterator("it-1");
  instrumented->AsyncGetRecords(
      context, request,
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
  auto observer = std::make_shared<LabelObserver>();
  InstrumentedDynamoDbStreams instrumented(child, observer, "simulator");
  std::optional<absl::StatusOr<ddbs::GetRecordsResponse>> answer;
  instrumented.AsyncGetRecords(
      CallContext{}, {},
      [&answer](absl::StatusOr<ddbs::GetRecordsResponse> r) { answer = std::move(r); });
  std::move(child->TakeHeld().done)(
      DelayedCallError(CallDelay{"dynamodbstreams", "GetRecords", absl::Now()}, absl::Now()));
  ASSERT_TRUE(answer.has_value());
  EXPECT_TRUE(DelayedCallOf(answer->status()).has_value());
  EXPECT_THAT(observer->calls(), IsEmpty());
}

}  // namespace
}  // namespace awsfacade::backends
