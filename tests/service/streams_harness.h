#ifndef AWSFACADE_TESTS_SERVICE_STREAMS_HARNESS_H_
#define AWSFACADE_TESTS_SERVICE_STREAMS_HARNESS_H_

#include <memory>
#include <string>
#include <vector>

#include "aws/dynamodb/v1/dynamodb.grpc.pb.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.grpc.pb.h"
#include "backends/simulator/dynamodb_simulator.h"
#include "backends/simulator/fault_injector.h"
#include "backends/simulator/faulty_backends.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "service/dynamodb_service.h"
#include "service/dynamodb_streams_service.h"
#include "service/executor.h"
#include "service/scheduler.h"
#include "service/subscription_engine.h"
#include "tests/backends/simulator/dynamodb_test_util.h"

namespace awsfacade::testing {

// A simulated DynamoDB + Streams that outlives the servers in front of it,
// so a test can stop one facade and resume on another (as clients of a
// replicated facade on the AWS backend would), with fault injection and
// control of shard rollover and time.
class StreamsHarness {
 public:
  explicit StreamsHarness(backends::simulator::DynamoDbSimulatorOptions options = {}) {
    backends::simulator::SimulatorOptions sim;
    sim.clock = clock;
    simulator = std::make_shared<backends::simulator::DynamoDbSimulator>(sim, options);
    streams = std::make_shared<backends::simulator::FaultyDynamoDbStreams>(simulator, faults);
  }

  // One facade process's worth: engine, services and a gRPC server on a
  // loopback port.
  struct Facade {
    std::unique_ptr<service::InlineExecutor> executor;
    std::unique_ptr<service::Scheduler> timers;
    std::unique_ptr<service::SubscriptionEngine> engine;
    std::unique_ptr<service::DynamoDbStreamsService> streams_service;
    std::unique_ptr<service::DynamoDbService> dynamodb_service;
    std::unique_ptr<grpc::Server> server;
    int port = 0;
    std::shared_ptr<grpc::Channel> channel;

    // The server's SIGTERM path: subscriptions end with UNAVAILABLE and
    // their final token, then the server stops.
    void Shutdown() {
      if (!server) return;
      engine->Shutdown(absl::Seconds(5));
      server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
      server->Wait();
      server.reset();
    }
    ~Facade() { Shutdown(); }
  };

  // `engine_backend` (default: `streams`) is what the engine reads through.
  std::unique_ptr<Facade> StartFacade(
      service::SubscriptionEngineOptions options = {},
      std::shared_ptr<backends::DynamoDbStreamsBackend> engine_backend = nullptr) {
    auto f = std::make_unique<Facade>();
    f->executor = std::make_unique<service::InlineExecutor>();
    f->timers = std::make_unique<service::Scheduler>();
    f->engine = std::make_unique<service::SubscriptionEngine>(
        engine_backend != nullptr ? engine_backend : streams, sealer, options);
    f->streams_service = std::make_unique<service::DynamoDbStreamsService>(
        streams, f->executor.get(), f->timers.get(), f->engine.get());
    f->dynamodb_service =
        std::make_unique<service::DynamoDbService>(simulator, f->executor.get(), f->timers.get());
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &f->port);
    builder.RegisterService(f->streams_service.get());
    builder.RegisterService(f->dynamodb_service.get());
    f->server = builder.BuildAndStart();
    f->channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(f->port),
                                     grpc::InsecureChannelCredentials());
    return f;
  }

  // Creates a table with a NEW_AND_OLD_IMAGES stream; returns the stream ARN.
  std::string CreateTable(const std::string& name, const std::string& view = "NEW_AND_OLD_IMAGES") {
    auto response =
        simulator->CreateTable(backends::simulator::dynamodb_test::TableRequest(name, view));
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? response->table_description().latest_stream_arn() : "";
  }

  // Puts {pk: key, v: version}.
  void Put(const std::string& table, const std::string& key, int version) {
    aws::dynamodb::v1::PutItemRequest request;
    request.set_table_name(table);
    (*request.mutable_item())["pk"].set_s(key);
    (*request.mutable_item())["v"].set_n(std::to_string(version));
    auto response = simulator->PutItem(request);
    ASSERT_TRUE(response.ok()) << response.status();
  }

  std::vector<std::string> ShardIds(const std::string& stream_arn) {
    aws::dynamodbstreams::v1::DescribeStreamRequest request;
    request.set_stream_arn(stream_arn);
    auto response = simulator->DescribeStream(request);
    EXPECT_TRUE(response.ok()) << response.status();
    std::vector<std::string> ids;
    if (response.ok()) {
      for (const auto& s : response->stream_description().shards()) ids.push_back(s.shard_id());
    }
    return ids;
  }

  std::shared_ptr<backends::OffsetClock> clock = std::make_shared<backends::OffsetClock>();
  std::shared_ptr<backends::simulator::FaultInjector> faults =
      std::make_shared<backends::simulator::FaultInjector>();
  std::shared_ptr<backends::TokenSealer> sealer = std::make_shared<backends::TokenSealer>();
  std::shared_ptr<backends::simulator::DynamoDbSimulator> simulator;
  std::shared_ptr<backends::simulator::FaultyDynamoDbStreams> streams;
};

}  // namespace awsfacade::testing

#endif  // AWSFACADE_TESTS_SERVICE_STREAMS_HARNESS_H_
