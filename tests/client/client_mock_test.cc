// The client library's own logic over the shipped mocks: pagination, retry
// (RetryInfo, backoff, codes, attempts, deadline), per-call options, and
// subscription resume. No server: the mocks stand in for the gRPC layer.
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "client/cognito_sync_client.h"
#include "client/dynamodb_streams_client.h"
#include "client/mocks/mock_cognito_sync_connection.h"
#include "client/mocks/mock_dynamodb_streams_connection.h"
#include "client/mocks/mock_personalize_connection.h"
#include "client/personalize_client.h"
#include "client/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace awsfacade::client {
namespace {

namespace streams = ::aws::dynamodbstreams::v1;
namespace cognito = ::aws::cognitosync::v1;
namespace personalize = ::aws::personalize::v1;
using ::awsfacade::client::mocks::MockCognitoSyncConnection;
using ::awsfacade::client::mocks::MockDynamoDbStreamsConnection;
using ::awsfacade::client::mocks::MockPersonalizeConnection;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::Return;
using ::testing::StrictMock;

// A failed status as the gRPC layer makes it: through FromGrpcStatus, with
// ErrorInfo (and RetryInfo when `retry_delay` is set) in the details.
absl::Status ServerError(grpc::StatusCode code, const std::string& aws_name,
                         absl::Duration retry_delay = absl::ZeroDuration(),
                         const std::string& final_token = "") {
  google::rpc::Status details;
  details.set_code(code);
  details.set_message(aws_name + ": it failed");
  google::rpc::ErrorInfo info;
  info.set_reason(aws_name);
  details.add_details()->PackFrom(info);
  if (retry_delay > absl::ZeroDuration()) {
    google::rpc::RetryInfo retry;
    retry.mutable_retry_delay()->set_seconds(absl::ToInt64Seconds(retry_delay));
    retry.mutable_retry_delay()->set_nanos(
        static_cast<int>(absl::ToInt64Nanoseconds(retry_delay % absl::Seconds(1))));
    details.add_details()->PackFrom(retry);
  }
  // string_ref does not own: the strings must outlive the conversion.
  const std::string key(kContinuationTokenTrailer);
  std::multimap<grpc::string_ref, grpc::string_ref> trailers;
  if (!final_token.empty()) trailers.emplace(key, final_token);
  return FromGrpcStatus(grpc::Status(code, aws_name + ": it failed", details.SerializeAsString()),
                        trailers);
}

ConnectionOptions FastRetries(int max_attempts = 5) {
  ConnectionOptions options;
  options.retry_policy.max_attempts = max_attempts;
  options.retry_policy.initial_backoff = absl::Milliseconds(1);
  options.retry_policy.max_backoff = absl::Milliseconds(2);
  return options;
}

streams::ListStreamsResponse StreamsPage(std::vector<std::string> arns, const std::string& last) {
  streams::ListStreamsResponse page;
  for (auto& arn : arns) page.add_streams()->set_stream_arn(arn);
  page.set_last_evaluated_stream_arn(last);
  return page;
}

template <typename T>
std::vector<std::string> Drain(StreamRange<T> range, std::string (*name)(const T&),
                               absl::Status* final_status) {
  std::vector<std::string> out;
  *final_status = absl::OkStatus();
  for (auto& item : range) {
    if (!item.ok()) {
      *final_status = item.status();
      break;
    }
    out.push_back(name(*item));
  }
  return out;
}

std::string ArnOf(const streams::Stream& s) { return s.stream_arn(); }

TEST(ClientStatusTest, KeepsAwsErrorNameMessageAndRetryDelay) {
  absl::Status status = ServerError(grpc::StatusCode::RESOURCE_EXHAUSTED, "LimitExceededException",
                                    absl::Milliseconds(250));
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(AwsErrorName(status), "LimitExceededException");
  EXPECT_EQ(AwsErrorMessage(status), "it failed");
  EXPECT_EQ(RetryDelay(status), absl::Milliseconds(250));
  EXPECT_FALSE(ContinuationToken(status).has_value());
}

TEST(ClientStatusTest, PlainGrpcErrorHasNoAwsName) {
  absl::Status status =
      FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused"));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(AwsErrorName(status).has_value());
  EXPECT_EQ(AwsErrorMessage(status), "connection refused");
}

TEST(ClientPaginationTest, ListAllStreamsFollowsLastEvaluatedStreamArn) {
  auto mock = std::make_shared<StrictMock<MockDynamoDbStreamsConnection>>();
  EXPECT_CALL(*mock, ListStreams(_))
      .WillOnce([](const streams::ListStreamsRequest& r) {
        EXPECT_EQ(r.exclusive_start_stream_arn(), "");
        EXPECT_EQ(r.table_name(), "T");
        return StreamsPage({"a1", "a2"}, "a2");
      })
      .WillOnce([](const streams::ListStreamsRequest& r) {
        EXPECT_EQ(r.exclusive_start_stream_arn(), "a2");
        EXPECT_EQ(r.table_name(), "T");
        return StreamsPage({"a3"}, "");
      });
  DynamoDbStreamsClient client(mock);
  streams::ListStreamsRequest request;
  request.set_table_name("T");
  absl::Status final_status;
  EXPECT_THAT(Drain(client.ListAllStreams(request), &ArnOf, &final_status),
              ElementsAre("a1", "a2", "a3"));
  EXPECT_TRUE(final_status.ok()) << final_status;
}

TEST(ClientPaginationTest, PagesAreFetchedOnlyAsTheLoopAdvances) {
  auto mock = std::make_shared<StrictMock<MockDynamoDbStreamsConnection>>();
  EXPECT_CALL(*mock, ListStreams(_)).WillOnce(Return(StreamsPage({"a1"}, "a1")));
  DynamoDbStreamsClient client(mock);
  auto range = client.ListAllStreams({});
  auto it = range.begin();  // one page only; the second is never requested
  ASSERT_TRUE(it->ok());
  EXPECT_EQ((*it)->stream_arn(), "a1");
}

TEST(ClientPaginationTest, ErrorEndsTheRangeAfterTheItemsSoFar) {
  auto mock = std::make_shared<StrictMock<MockDynamoDbStreamsConnection>>();
  EXPECT_CALL(*mock, ListStreams(_))
      .WillOnce(Return(StreamsPage({"a1"}, "a1")))
      .WillOnce(Return(ServerError(grpc::StatusCode::INTERNAL, "InternalServerError")));
  DynamoDbStreamsClient client(mock);
  absl::Status final_status;
  EXPECT_THAT(Drain(client.ListAllStreams({}), &ArnOf, &final_status), ElementsAre("a1"));
  EXPECT_EQ(final_status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(AwsErrorName(final_status), "InternalServerError");
}

TEST(ClientPaginationTest, RepeatedTokenEndsWithAnErrorInsteadOfLooping) {
  auto mock = std::make_shared<StrictMock<MockDynamoDbStreamsConnection>>();
  EXPECT_CALL(*mock, ListStreams(_)).Times(2).WillRepeatedly(Return(StreamsPage({"a1"}, "same")));
  DynamoDbStreamsClient client(mock);
  absl::Status final_status;
  EXPECT_THAT(Drain(client.ListAllStreams({}), &ArnOf, &final_status), ElementsAre("a1"));
  EXPECT_EQ(final_status.code(), absl::StatusCode::kInternal);
}

TEST(ClientPaginationTest, ListAllShardsFollowsLastEvaluatedShardId) {
  auto mock = std::make_shared<StrictMock<MockDynamoDbStreamsConnection>>();
  auto page = [](std::vector<std::string> ids, const std::string& last) {
    streams::DescribeStreamResponse r;
    for (auto& id : ids) r.mutable_stream_description()->add_shards()->set_shard_id(id);
    r.mutable_stream_description()->set_last_evaluated_shard_id(last);
    return r;
  };
  EXPECT_CALL(*mock, DescribeStream(_))
      .WillOnce(Return(page({"s1"}, "s1")))
      .WillOnce([&](const streams::DescribeStreamRequest& r) {
        EXPECT_EQ(r.exclusive_start_shard_id(), "s1");
        return page({"s2"}, "");
      });
  DynamoDbStreamsClient client(mock);
  std::vector<std::string> ids;
  for (auto& shard : client.ListAllShards({})) {
    ASSERT_TRUE(shard.ok()) << shard.status();
    ids.push_back(shard->shard_id());
  }
  EXPECT_THAT(ids, ElementsAre("s1", "s2"));
}

TEST(ClientPaginationTest, CognitoListAllRecordsFollowsNextToken) {
  auto mock = std::make_shared<StrictMock<MockCognitoSyncConnection>>();
  cognito::ListRecordsResponse first, second;
  first.add_records()->set_key("k1");
  first.set_next_token("t1");
  second.add_records()->set_key("k2");
  EXPECT_CALL(*mock, ListRecords(_))
      .WillOnce(Return(first))
      .WillOnce([&](const cognito::ListRecordsRequest& r) {
        EXPECT_EQ(r.next_token(), "t1");
        return second;
      });
  CognitoSyncClient client(mock);
  std::vector<std::string> keys;
  for (auto& record : client.ListAllRecords({})) keys.push_back(record->key());
  EXPECT_THAT(keys, ElementsAre("k1", "k2"));
}

TEST(ClientPaginationTest, PersonalizeListAllDatasetsFollowsNextToken) {
  auto mock = std::make_shared<StrictMock<MockPersonalizeConnection>>();
  personalize::ListDatasetsResponse first, second;
  first.add_datasets()->set_name("d1");
  first.set_next_token("t1");
  second.add_datasets()->set_name("d2");
  EXPECT_CALL(*mock, ListDatasets(_))
      .WillOnce(Return(first))
      .WillOnce([&](const personalize::ListDatasetsRequest& r) {
        EXPECT_EQ(r.next_token(), "t1");
        return second;
      });
  PersonalizeClient client(mock);
  std::vector<std::string> names;
  for (auto& dataset : client.ListAllDatasets({})) names.push_back(dataset->name());
  EXPECT_THAT(names, ElementsAre("d1", "d2"));
}

TEST(ClientRetryTest, WaitsTheServersRetryInfoDelay) {
  auto mock = std::make_shared<StrictMock<MockDynamoDbStreamsConnection>>();
  EXPECT_CALL(*mock, GetRecords(_))
      .WillOnce(Return(ServerError(grpc::StatusCode::RESOURCE_EXHAUSTED, "LimitExceededException",
                                   absl::Milliseconds(300))))
      .WillOnce(Return(streams::GetRecordsResponse()));
  auto connection = internal::MakeDynamoDbStreamsRetryConnection(mock, FastRetries());
  absl::Time start = absl::Now();
  auto response = DynamoDbStreamsClient(connection).GetRecords({});
  EXPECT_TRUE(response.ok()) << response.status();
  // The policy's own backoff is 1 ms: only RetryInfo explains 300 ms.
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));
}

TEST(ClientRetryTest, BacksOffExponentiallyWithoutRetryInfo) {
  auto mock = std::make_shared<StrictMock<MockDynamoDbStreamsConnection>>();
  EXPECT_CALL(*mock, GetRecords(_))
      .WillOnce(Return(FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down"))))
      .WillOnce(Return(FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down"))))
      .WillOnce(Return(streams::GetRecordsResponse()));
  ConnectionOptions options = FastRetries();
  options.retry_policy.initial_backoff = absl::Milliseconds(100);
  options.retry_policy.max_backoff = absl::Seconds(1);
  absl::Time start = absl::Now();
  EXPECT_TRUE(DynamoDbStreamsClient(internal::MakeDynamoDbStreamsRetryConnection(mock, options))
                  .GetRecords({})
                  .ok());
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));  // 100 + 200
}

TEST(ClientRetryTest, DoesNotRetryNonRetryableCodes) {
  auto mock = std::make_shared<StrictMock<MockDynamoDbStreamsConnection>>();
  EXPECT_CALL(*mock, GetRecords(_))
      .WillOnce(
          Return(ServerError(grpc::StatusCode::FAILED_PRECONDITION, "ExpiredIteratorException")));
  auto response =
      DynamoDbStreamsClient(internal::MakeDynamoDbStreamsRetryConnection(mock, FastRetries()))
          .GetRecords({});
  EXPECT_EQ(response.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(AwsErrorName(response.status()), "ExpiredIteratorException");
}

TEST(ClientRetryTest, PerCallPolicyOverridesTheConnections) {
  auto mock = std::make_shared<StrictMock<MockDynamoDbStreamsConnection>>();
  EXPECT_CALL(*mock, ListStreams(_))
      .Times(2)
      .WillRepeatedly(Return(ServerError(grpc::StatusCode::UNAVAILABLE, "InternalServerError")));
  DynamoDbStreamsClient client(internal::MakeDynamoDbStreamsRetryConnection(mock, FastRetries(5)));
  CallOptions call;
  call.retry_policy = FastRetries(2).retry_policy;
  EXPECT_EQ(client.ListStreams({}, call).status().code(), absl::StatusCode::kUnavailable);
}

TEST(ClientRetryTest, PerClientPolicyAppliesToEveryCall) {
  auto mock = std::make_shared<StrictMock<MockDynamoDbStreamsConnection>>();
  EXPECT_CALL(*mock, ListStreams(_))
      .Times(1)
      .WillRepeatedly(Return(ServerError(grpc::StatusCode::UNAVAILABLE, "InternalServerError")));
  CallOptions defaults;
  defaults.retry_policy = FastRetries(1).retry_policy;
  DynamoDbStreamsClient client(internal::MakeDynamoDbStreamsRetryConnection(mock, FastRetries(5)),
                               defaults);
  EXPECT_EQ(client.ListStreams({}).status().code(), absl::StatusCode::kUnavailable);
}

TEST(ClientRetryTest, NoRetryWhenTheDelayWouldPassTheDeadline) {
  auto mock = std::make_shared<StrictMock<MockDynamoDbStreamsConnection>>();
  EXPECT_CALL(*mock, GetRecords(_))
      .WillOnce(Return(ServerError(grpc::StatusCode::RESOURCE_EXHAUSTED, "LimitExceededException",
                                   absl::Seconds(5))));
  DynamoDbStreamsClient client(internal::MakeDynamoDbStreamsRetryConnection(mock, FastRetries()));
  CallOptions call;
  call.timeout = absl::Milliseconds(200);
  absl::Time start = absl::Now();
  EXPECT_EQ(client.GetRecords({}, call).status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

// Events of a subscription, each carrying its continuation token.
streams::SubscribeToStreamResponse Batch(std::vector<std::string> sequence_numbers,
                                         const std::string& token) {
  streams::SubscribeToStreamResponse event;
  for (auto& sn : sequence_numbers) {
    event.mutable_records()
        ->add_records()
        ->mutable_record()
        ->mutable_dynamodb()
        ->set_sequence_number(sn);
  }
  event.mutable_records()->set_continuation_token(token);
  return event;
}
streams::SubscribeToStreamResponse Heartbeat(const std::string& token) {
  streams::SubscribeToStreamResponse event;
  event.mutable_heartbeat()->set_continuation_token(token);
  return event;
}

std::vector<std::string> SequenceNumbers(StreamRange<streams::SubscribeToStreamResponse> range,
                                         absl::Status* end) {
  std::vector<std::string> out;
  *end = absl::OkStatus();
  for (auto& event : range) {
    if (!event.ok()) {
      *end = event.status();
      break;
    }
    for (auto& r : event->records().records())
      out.push_back(r.record().dynamodb().sequence_number());
  }
  return out;
}

TEST(ClientSubscriptionTest, ResumesFromTheTrailersFinalTokenAfterUnavailable) {
  auto mock = std::make_shared<StrictMock<MockDynamoDbStreamsConnection>>();
  EXPECT_CALL(*mock, SubscribeToStream(_))
      .WillOnce([](const streams::SubscribeToStreamRequest& r) {
        EXPECT_EQ(r.starting_position().type(), "TRIM_HORIZON");
        return MakeStreamRange<streams::SubscribeToStreamResponse>(
            {Batch({"1", "2"}, "t2"), Heartbeat("t2h")},
            ServerError(grpc::StatusCode::UNAVAILABLE, "ServiceUnavailable", absl::ZeroDuration(),
                        "final"));
      })
      .WillOnce([](const streams::SubscribeToStreamRequest& r) {
        EXPECT_EQ(r.stream_arn(), "arn");
        EXPECT_EQ(r.starting_position().type(), "CONTINUATION");
        EXPECT_EQ(r.starting_position().continuation_token(), "final");
        return MakeStreamRange<streams::SubscribeToStreamResponse>({Batch({"3"}, "t3")});
      });
  DynamoDbStreamsClient client(internal::MakeDynamoDbStreamsRetryConnection(mock, FastRetries()));
  streams::SubscribeToStreamRequest request;
  request.set_stream_arn("arn");
  request.mutable_starting_position()->set_type("TRIM_HORIZON");
  absl::Status end;
  EXPECT_THAT(SequenceNumbers(client.SubscribeToStream(request), &end), ElementsAre("1", "2", "3"));
  EXPECT_TRUE(end.ok()) << end;
}

TEST(ClientSubscriptionTest, ResumesFromTheLastEventsTokenWhenTheConnectionDrops) {
  auto mock = std::make_shared<StrictMock<MockDynamoDbStreamsConnection>>();
  EXPECT_CALL(*mock, SubscribeToStream(_))
      .WillOnce([](const streams::SubscribeToStreamRequest&) {
        return MakeStreamRange<streams::SubscribeToStreamResponse>(
            {Batch({"1"}, "t1"), Heartbeat("t1h")},
            FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "reset")));
      })
      .WillOnce([](const streams::SubscribeToStreamRequest& r) {
        EXPECT_EQ(r.starting_position().continuation_token(), "t1h");
        return MakeStreamRange<streams::SubscribeToStreamResponse>(
            {}, FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "still down")));
      })
      .WillOnce([](const streams::SubscribeToStreamRequest& r) {
        // A failure before any event keeps the token it had.
        EXPECT_EQ(r.starting_position().continuation_token(), "t1h");
        return MakeStreamRange<streams::SubscribeToStreamResponse>({Batch({"2"}, "t2")});
      });
  DynamoDbStreamsClient client(internal::MakeDynamoDbStreamsRetryConnection(mock, FastRetries()));
  absl::Status end;
  EXPECT_THAT(SequenceNumbers(client.SubscribeToStream({}), &end), ElementsAre("1", "2"));
  EXPECT_TRUE(end.ok()) << end;
}

// A server that is stopping gracefully ends the subscription with UNAVAILABLE
// and its final token; the resumed call may still reach it and be cancelled
// by its shutdown (CANCELLED, no token). The subscription never cancels a
// call it still reads, so that CANCELLED came from the other side: resume.
TEST(ClientSubscriptionTest, ResumesAfterTheStoppingServerCancelsTheResumedCall) {
  auto mock = std::make_shared<StrictMock<MockDynamoDbStreamsConnection>>();
  EXPECT_CALL(*mock, SubscribeToStream(_))
      .WillOnce([](const streams::SubscribeToStreamRequest&) {
        return MakeStreamRange<streams::SubscribeToStreamResponse>(
            {Batch({"1"}, "t1")}, ServerError(grpc::StatusCode::UNAVAILABLE, "ServiceUnavailable",
                                              absl::ZeroDuration(), "final"));
      })
      .WillOnce([](const streams::SubscribeToStreamRequest& r) {
        EXPECT_EQ(r.starting_position().continuation_token(), "final");
        return MakeStreamRange<streams::SubscribeToStreamResponse>(
            {}, FromGrpcStatus(grpc::Status(grpc::StatusCode::CANCELLED, "CANCELLED")));
      })
      .WillOnce([](const streams::SubscribeToStreamRequest& r) {
        EXPECT_EQ(r.starting_position().continuation_token(), "final");
        return MakeStreamRange<streams::SubscribeToStreamResponse>({Batch({"2"}, "t2")});
      });
  DynamoDbStreamsClient client(internal::MakeDynamoDbStreamsRetryConnection(mock, FastRetries()));
  absl::Status end;
  EXPECT_THAT(SequenceNumbers(client.SubscribeToStream({}), &end), ElementsAre("1", "2"));
  EXPECT_TRUE(end.ok()) << end;
}

TEST(ClientSubscriptionTest, NonRetryableErrorEndsTheSubscription) {
  auto mock = std::make_shared<StrictMock<MockDynamoDbStreamsConnection>>();
  EXPECT_CALL(*mock, SubscribeToStream(_)).WillOnce([](const streams::SubscribeToStreamRequest&) {
    return MakeStreamRange<streams::SubscribeToStreamResponse>(
        {Batch({"1"}, "t1")},
        ServerError(grpc::StatusCode::OUT_OF_RANGE, "TrimmedDataAccessException"));
  });
  DynamoDbStreamsClient client(internal::MakeDynamoDbStreamsRetryConnection(mock, FastRetries()));
  absl::Status end;
  EXPECT_THAT(SequenceNumbers(client.SubscribeToStream({}), &end), ElementsAre("1"));
  EXPECT_EQ(AwsErrorName(end), "TrimmedDataAccessException");
}

TEST(ClientSubscriptionTest, GivesUpAfterMaxAttemptsWithoutProgress) {
  auto mock = std::make_shared<StrictMock<MockDynamoDbStreamsConnection>>();
  EXPECT_CALL(*mock, SubscribeToStream(_))
      .Times(3)
      .WillRepeatedly([](const streams::SubscribeToStreamRequest&) {
        return MakeStreamRange<streams::SubscribeToStreamResponse>(
            {}, FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down")));
      });
  DynamoDbStreamsClient client(internal::MakeDynamoDbStreamsRetryConnection(mock, FastRetries(3)));
  absl::Status end;
  EXPECT_TRUE(SequenceNumbers(client.SubscribeToStream({}), &end).empty());
  EXPECT_EQ(end.code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace awsfacade::client
