#include "observability/metrics.h"

#include <string>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace awsfacade::observability {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(FacadeMetricsTest, DeclaresEveryFamilyWithHelpAndType) {
  FacadeMetrics metrics;
  metrics.RpcHandled("aws.dynamodb.v1.DynamoDbService", "PutItem", "OK", absl::Milliseconds(3));
  metrics.BackendCall("dynamodb", "PutItem", "simulator", "ok", absl::Milliseconds(1));
  metrics.AwsRetry("dynamodb", "PutItem");
  metrics.AwsThrottle("dynamodb", "PutItem");
  const std::string text = metrics.Exposition();
  for (const char* family :
       {"awsfacade_grpc_server_handled_total counter",
        "awsfacade_grpc_server_handling_seconds histogram", "awsfacade_backend_calls_total counter",
        "awsfacade_backend_call_seconds histogram", "awsfacade_aws_retries_total counter",
        "awsfacade_aws_throttles_total counter", "awsfacade_subscriptions_open gauge",
        "awsfacade_subscription_records_delivered_total counter",
        "awsfacade_subscription_lag_milliseconds histogram",
        "awsfacade_log_lines_dropped_total counter"}) {
    EXPECT_THAT(text, HasSubstr(std::string("# TYPE ") + family)) << text;
  }
  EXPECT_THAT(text, HasSubstr("# HELP awsfacade_grpc_server_handled_total "));
}

TEST(FacadeMetricsTest, CountsRpcsPerMethodAndCode) {
  FacadeMetrics metrics;
  for (int i = 0; i < 3; ++i) {
    metrics.RpcHandled("aws.dynamodb.v1.DynamoDbService", "GetItem", "OK", absl::Milliseconds(2));
  }
  metrics.RpcHandled("aws.dynamodb.v1.DynamoDbService", "GetItem", "NOT_FOUND",
                     absl::Milliseconds(2));
  const std::string text = metrics.Exposition();
  EXPECT_THAT(text, HasSubstr("awsfacade_grpc_server_handled_total{grpc_code=\"OK\",grpc_method="
                              "\"GetItem\",grpc_service=\"aws.dynamodb.v1.DynamoDbService\"} 3"))
      << text;
  EXPECT_THAT(text, HasSubstr("awsfacade_grpc_server_handled_total{grpc_code=\"NOT_FOUND\","
                              "grpc_method=\"GetItem\",grpc_service=\"aws.dynamodb.v1."
                              "DynamoDbService\"} 1"));
}

TEST(FacadeMetricsTest, HistogramBucketsAreCumulative) {
  FacadeMetrics metrics;
  metrics.RpcHandled("s", "m", "OK", absl::Microseconds(200));  // <= 0.0005
  metrics.RpcHandled("s", "m", "OK", absl::Milliseconds(20));   // <= 0.025
  metrics.RpcHandled("s", "m", "OK", absl::Seconds(60));        // only +Inf
  const std::string text = metrics.Exposition();
  const std::string prefix =
      "awsfacade_grpc_server_handling_seconds_bucket{grpc_method=\"m\",grpc_service=\"s\",le=";
  EXPECT_THAT(text, HasSubstr(prefix + "\"0.0005\"} 1")) << text;
  EXPECT_THAT(text, HasSubstr(prefix + "\"0.01\"} 1"));
  EXPECT_THAT(text, HasSubstr(prefix + "\"0.025\"} 2"));
  EXPECT_THAT(text, HasSubstr(prefix + "\"30\"} 2"));
  EXPECT_THAT(text, HasSubstr(prefix + "\"+Inf\"} 3"));
  EXPECT_THAT(text, HasSubstr("awsfacade_grpc_server_handling_seconds_count{grpc_method=\"m\","
                              "grpc_service=\"s\"} 3"));
  EXPECT_THAT(text, HasSubstr("awsfacade_grpc_server_handling_seconds_sum{grpc_method=\"m\","
                              "grpc_service=\"s\"} 60.0202"));
}

TEST(FacadeMetricsTest, BackendCallsCarryOutcomeButLatencyDoesNot) {
  FacadeMetrics metrics;
  metrics.BackendCall("dynamodbstreams", "GetRecords", "aws", "throttled", absl::Milliseconds(5));
  metrics.BackendCall("dynamodbstreams", "GetRecords", "aws", "ok", absl::Milliseconds(5));
  const std::string text = metrics.Exposition();
  EXPECT_THAT(text,
              HasSubstr("awsfacade_backend_calls_total{backend=\"aws\",operation=\"GetRecords\","
                        "outcome=\"throttled\",service=\"dynamodbstreams\"} 1"))
      << text;
  EXPECT_THAT(text, HasSubstr("awsfacade_backend_call_seconds_count{backend=\"aws\",operation="
                              "\"GetRecords\",service=\"dynamodbstreams\"} 2"));
}

TEST(FacadeMetricsTest, SubscriptionGaugeGoesUpAndDown) {
  FacadeMetrics metrics;
  metrics.SubscriptionOpened();
  metrics.SubscriptionOpened();
  EXPECT_THAT(metrics.Exposition(), HasSubstr("\nawsfacade_subscriptions_open 2\n"));
  metrics.SubscriptionClosed();
  EXPECT_THAT(metrics.Exposition(), HasSubstr("\nawsfacade_subscriptions_open 1\n"));
}

TEST(FacadeMetricsTest, RecordsDeliveredAndLag) {
  FacadeMetrics metrics;
  metrics.RecordsDelivered(7, 0);
  metrics.RecordsDelivered(3, 1500);
  const std::string text = metrics.Exposition();
  EXPECT_THAT(text, HasSubstr("\nawsfacade_subscription_records_delivered_total 10\n")) << text;
  EXPECT_THAT(text, HasSubstr("awsfacade_subscription_lag_milliseconds_bucket{le=\"0\"} 1"));
  EXPECT_THAT(text, HasSubstr("awsfacade_subscription_lag_milliseconds_bucket{le=\"1000\"} 1"));
  EXPECT_THAT(text, HasSubstr("awsfacade_subscription_lag_milliseconds_bucket{le=\"5000\"} 2"));
  EXPECT_THAT(text, HasSubstr("awsfacade_subscription_lag_milliseconds_count 2"));
}

TEST(FacadeMetricsTest, UnusedLabelledFamiliesHaveNoSeries) {
  FacadeMetrics metrics;
  EXPECT_THAT(metrics.Exposition(), Not(HasSubstr("awsfacade_aws_retries_total{")));
}

}  // namespace
}  // namespace awsfacade::observability
