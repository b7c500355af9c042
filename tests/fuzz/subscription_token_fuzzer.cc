// Fuzzes the subscription engine's continuation tokens
// (service/subscription_engine.cc, Subscription::DecodeToken). The decoder
// is private to the engine and needs a gRPC call context, so it is fuzzed
// through its public path: SubscribeToShard / SubscribeToStream with
// StartingPosition CONTINUATION on an in-process gRPC server (no port) in
// front of the simulator world of token_world.h.
//
// Input: "<shard|stream>\n<raw|sealed>\n<bytes>"; raw: <bytes> is the
// token; sealed: <bytes> is the payload, sealed with the engine's key, so
// the fuzzer reaches the format parsing behind the MAC ("v1|<mode>|<arn>"
// then "\n<shard>|<parent>|<kind>|<value>" per shard). The subscription asks
// for a 1 ms lifetime, so an accepted token ends with OK at once.
//
// Checked: no crash, hang or sanitizer report; the call ends with OK or
// INVALID_ARGUMENT / NOT_FOUND (never INTERNAL or UNKNOWN); when it ends OK
// with a final token, that token resumes (is not refused).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.grpc.pb.h"
#include "google/protobuf/stubs/logging.h"
#include "grpcpp/grpcpp.h"
#include "service/dynamodb_streams_service.h"
#include "service/executor.h"
#include "service/scheduler.h"
#include "service/subscription_engine.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/token_world.h"

namespace {

namespace v1 = ::aws::dynamodbstreams::v1;

constexpr char kPurpose[] = "dynamodbstreams.subscription";  // as subscription_engine.cc seals

struct Server {
  std::shared_ptr<awsfacade::fuzz::TokenWorld> world =
      std::make_shared<awsfacade::fuzz::TokenWorld>();
  // The simulator inside the world, validated as behind the server, as the
  // engine's backend.
  std::shared_ptr<awsfacade::backends::DynamoDbStreamsBackend> backend{world,
                                                                       &world->sims.streams_api};
  awsfacade::service::InlineExecutor executor;
  awsfacade::service::Scheduler timers;
  awsfacade::service::SubscriptionEngine engine{backend, world->sims.sealer, [] {
                                                  awsfacade::service::SubscriptionEngineOptions o;
                                                  o.worker_threads = 1;
                                                  // Short waits: a subscription whose shards
                                                  // are all done only sees its lifetime end
                                                  // at the next poll.
                                                  o.poll_min = o.poll_max = absl::Milliseconds(1);
                                                  o.retry_min = o.retry_max = absl::Milliseconds(1);
                                                  return o;
                                                }()};
  awsfacade::service::DynamoDbStreamsService service{backend, &executor, &timers, &engine};
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<v1::DynamoDbStreamsService::Stub> stub;

  Server() {
    grpc::ServerBuilder builder;
    builder.RegisterService(&service);
    server = builder.BuildAndStart();
    stub = v1::DynamoDbStreamsService::NewStub(server->InProcessChannel(grpc::ChannelArguments()));
  }
};

Server& GetServer() {
  static Server* server = [] {
    google::protobuf::SetLogHandler(nullptr);  // the UTF-8 probe below logs each failure
    return new Server;                         // lives as long as the process
  }();
  return *server;
}

// One subscription from `token`; returns its status and final token.
template <typename Request, typename Response, typename Method>
grpc::Status Subscribe(Method method, Request request, const std::string& token,
                       std::string* final_token) {
  request.mutable_starting_position()->set_type("CONTINUATION");
  request.mutable_starting_position()->set_continuation_token(token);
  request.mutable_options()->mutable_lifetime()->set_nanos(1000000);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  auto reader = ((*GetServer().stub).*method)(&context, request);
  Response event;
  while (reader->Read(&event)) {
  }
  grpc::Status status = reader->Finish();
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find("awsfacade-continuation-token");
  if (final_token != nullptr && it != trailers.end()) {
    *final_token = std::string(it->second.data(), it->second.size());
  }
  return status;
}

grpc::Status Subscribe(bool stream, const std::string& token, std::string* final_token) {
  const awsfacade::fuzz::TokenWorld& world = *GetServer().world;
  if (stream) {
    v1::SubscribeToStreamRequest request;
    request.set_stream_arn(world.stream_arn);
    return Subscribe<v1::SubscribeToStreamRequest, v1::SubscribeToStreamResponse>(
        &v1::DynamoDbStreamsService::Stub::SubscribeToStream, request, token, final_token);
  }
  v1::SubscribeToShardRequest request;
  request.set_stream_arn(world.stream_arn);
  request.set_shard_id(world.shard_id);
  return Subscribe<v1::SubscribeToShardRequest, v1::SubscribeToShardResponse>(
      &v1::DynamoDbStreamsService::Stub::SubscribeToShard, request, token, final_token);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using awsfacade::fuzz::TakeLine;
  absl::string_view input = awsfacade::fuzz::AsView(data, size);
  const bool stream = TakeLine(&input) == "stream";
  const bool sealed = TakeLine(&input) == "sealed";
  const std::string token =
      sealed ? GetServer().world->sims.sealer->Seal(kPurpose, input) : std::string(input);
  // A token that is not UTF-8 cannot travel in the proto3 string field: the
  // server cannot parse such a request, and gRPC 1.51's callback API fails it
  // with UNIMPLEMENTED and no message before the facade sees it (found by this
  // fuzzer; a gRPC behaviour, not the engine's). Skipped.
  {
    v1::StartingPosition probe;
    probe.set_continuation_token(token);
    if (!v1::StartingPosition().ParseFromString(probe.SerializeAsString())) return 0;
  }

  std::string final_token;
  grpc::Status status = Subscribe(stream, token, &final_token);
  AWSFACADE_FUZZ_CHECK(status.ok() || status.error_code() == grpc::StatusCode::INVALID_ARGUMENT ||
                           status.error_code() == grpc::StatusCode::NOT_FOUND,
                       absl::StrCat(status.error_code(), " ", status.error_message()));
  if (awsfacade::fuzz::Debug()) {
    std::fprintf(stderr, "%s %s: %d %s, final token: %s\n", stream ? "stream" : "shard",
                 sealed ? "sealed" : "raw", static_cast<int>(status.error_code()),
                 status.error_message().c_str(), final_token.empty() ? "no" : "yes");
  }
  if (status.ok() && !final_token.empty()) {
    grpc::Status resumed = Subscribe(stream, final_token, nullptr);
    AWSFACADE_FUZZ_CHECK(resumed.ok(), absl::StrCat("issued token refused: ", resumed.error_code(),
                                                    " ", resumed.error_message()));
  }
  return 0;
}
