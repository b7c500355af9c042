// The server as a process: health, reflection, graceful shutdown, flags.
#include <signal.h>
#include <sys/wait.h>

#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/integration/grpc_test_util.h"
#include "tests/integration/server_process.h"

namespace awsfacade::testing {
namespace {

using ::testing::HasSubstr;

TEST(ServerTest, HealthReportsServing) {
  auto server = ServerProcess::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials());
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  auto context = ContextWithDeadline();
  grpc::Status status = stub->Check(context.get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

// Server reflection speaks grpc.reflection.v1 (asked first by grpcurl and
// buf curl) and v1alpha (older clients): the same protocol under two
// package names, tested alike.
template <typename Reflection>
class ReflectionTest : public ::testing::Test {
 protected:
  using Request = typename Reflection::Request;
  using Response = typename Reflection::Response;

  void SetUp() override {
    auto server = ServerProcess::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    stub_ = Reflection::Service::NewStub(channel_);
    context_ = ContextWithDeadline(30);
    stream_ = stub_->ServerReflectionInfo(context_.get());
  }

  void TearDown() override {
    if (stream_ == nullptr) return;
    stream_->WritesDone();
    grpc::Status status = stream_->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
  }

  Response Ask(const Request& request) {
    Response response;
    EXPECT_TRUE(stream_->Write(request));
    EXPECT_TRUE(stream_->Read(&response));
    return response;
  }

  Response FileContainingSymbol(absl::string_view symbol) {
    Request request;
    request.set_file_containing_symbol(std::string(symbol));
    return Ask(request);
  }

  // The files of an answer, built into a pool as a reflection client does.
  static void BuildAll(const Response& response, google::protobuf::DescriptorPool* pool,
                       std::vector<google::protobuf::FileDescriptorProto>* files) {
    std::vector<google::protobuf::FileDescriptorProto> answer;
    for (const std::string& bytes : response.file_descriptor_response().file_descriptor_proto()) {
      google::protobuf::FileDescriptorProto file;
      ASSERT_TRUE(file.ParseFromString(bytes));
      answer.push_back(file);
    }
    // Dependencies come after the file that needs them: build from the end.
    for (auto it = answer.rbegin(); it != answer.rend(); ++it) {
      ASSERT_NE(pool->BuildFile(*it), nullptr) << it->name();
    }
    if (files != nullptr) *files = std::move(answer);
  }

  std::unique_ptr<ServerProcess> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<typename Reflection::Service::Stub> stub_;
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientReaderWriter<Request, Response>> stream_;
};

struct ReflectionV1 {
  using Service = grpc::reflection::v1::ServerReflection;
  using Request = grpc::reflection::v1::ServerReflectionRequest;
  using Response = grpc::reflection::v1::ServerReflectionResponse;
};
struct ReflectionV1Alpha {
  using Service = grpc::reflection::v1alpha::ServerReflection;
  using Request = grpc::reflection::v1alpha::ServerReflectionRequest;
  using Response = grpc::reflection::v1alpha::ServerReflectionResponse;
};
using ReflectionVersions = ::testing::Types<ReflectionV1, ReflectionV1Alpha>;
TYPED_TEST_SUITE(ReflectionTest, ReflectionVersions);

// Lists services, then asks for the file of each one: a service registered
// without its descriptor fails the second step.
TYPED_TEST(ReflectionTest, ListsAndDescribesEveryService) {
  typename TestFixture::Request list;
  list.set_list_services("");
  list.set_host("facade.example:443");
  typename TestFixture::Response response = this->Ask(list);
  EXPECT_EQ(response.valid_host(), "facade.example:443");
  EXPECT_EQ(response.original_request().list_services(), "");
  std::set<std::string> names;
  for (const auto& s : response.list_services_response().service()) names.insert(s.name());
  EXPECT_THAT(
      names,
      ::testing::UnorderedElementsAreArray(std::set<std::string>{
          "aws.cognitosync.v1.CognitoSyncService", "aws.personalize.v1.PersonalizeService",
          "aws.dynamodb.v1.DynamoDbService", "aws.dynamodbstreams.v1.DynamoDbStreamsService",
          "awsfacade.simulator.v1.SimulatorService",
          "awsfacade.consumergroups.v1.ConsumerGroupsService", "grpc.health.v1.Health",
          "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"}));
  for (const auto& name : names) {
    response = this->FileContainingSymbol(name);
    ASSERT_FALSE(response.has_error_response())
        << name << ": " << response.error_response().error_message();
    google::protobuf::DescriptorPool pool;
    this->BuildAll(response, &pool, nullptr);
    EXPECT_NE(pool.FindServiceByName(name), nullptr) << name;
  }
}

// What `grpcurl describe` prints: the proto comments come with the
// descriptors (gRPC's own reflection sends none).
TYPED_TEST(ReflectionTest, DescriptionsCarryTheProtoComments) {
  typename TestFixture::Response response = this->FileContainingSymbol(
      "aws.dynamodbstreams.v1.GetShardIteratorRequest.shard_iterator_type");
  ASSERT_FALSE(response.has_error_response()) << response.error_response().error_message();
  google::protobuf::DescriptorPool pool;
  this->BuildAll(response, &pool, nullptr);
  const auto* message =
      pool.FindMessageTypeByName("aws.dynamodbstreams.v1.GetShardIteratorRequest");
  ASSERT_NE(message, nullptr);
  google::protobuf::SourceLocation location;
  ASSERT_TRUE(message->GetSourceLocation(&location));
  EXPECT_THAT(location.leading_comments, HasSubstr("AWS shape GetShardIteratorInput"));
  const auto* field = message->FindFieldByName("shard_iterator_type");
  ASSERT_NE(field, nullptr);
  EXPECT_EQ(field->json_name(), "ShardIteratorType");
  ASSERT_TRUE(field->GetSourceLocation(&location));
  EXPECT_THAT(location.leading_comments,
              HasSubstr("LATEST | AT_SEQUENCE_NUMBER | AFTER_SEQUENCE_NUMBER; required"));
  const auto* method =
      pool.FindMethodByName("aws.dynamodbstreams.v1.DynamoDbStreamsService.GetShardIterator");
  ASSERT_NE(method, nullptr);
  ASSERT_TRUE(method->GetSourceLocation(&location));
  EXPECT_FALSE(location.leading_comments.empty());
}

// Reflection describes exactly what the server speaks: each file it sends,
// without its comments, is the descriptor compiled into the generated code.
TYPED_TEST(ReflectionTest, DescriptorsAreTheCompiledOnesPlusComments) {
  for (absl::string_view symbol :
       {"aws.dynamodbstreams.v1.DynamoDbStreamsService", "aws.dynamodb.v1.DynamoDbService",
        "aws.cognitosync.v1.CognitoSyncService", "aws.personalize.v1.PersonalizeService",
        "awsfacade.simulator.v1.SimulatorService", "google.rpc.ErrorInfo"}) {
    typename TestFixture::Response response = this->FileContainingSymbol(symbol);
    google::protobuf::DescriptorPool pool;
    std::vector<google::protobuf::FileDescriptorProto> files;
    this->BuildAll(response, &pool, &files);
    ASSERT_FALSE(files.empty()) << symbol;
    std::set<std::string> names;
    for (google::protobuf::FileDescriptorProto& sent : files) {
      EXPECT_TRUE(names.insert(sent.name()).second) << sent.name() << " sent twice";
      const auto* compiled =
          google::protobuf::DescriptorPool::generated_pool()->FindFileByName(sent.name());
      ASSERT_NE(compiled, nullptr) << sent.name();
      google::protobuf::FileDescriptorProto expected;
      compiled->CopyTo(&expected);
      compiled->CopyJsonNameTo(&expected);
      sent.clear_source_code_info();
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(sent, expected))
          << sent.name();
    }
    EXPECT_EQ(files.front().name(), google::protobuf::DescriptorPool::generated_pool()
                                        ->FindFileContainingSymbol(std::string(symbol))
                                        ->name());
  }
}

TYPED_TEST(ReflectionTest, FileByFilenameSendsTheFileThenItsDependencies) {
  typename TestFixture::Request request;
  request.set_file_by_filename("aws/dynamodbstreams/v1/dynamodbstreams.proto");
  typename TestFixture::Response response = this->Ask(request);
  google::protobuf::DescriptorPool pool;
  std::vector<google::protobuf::FileDescriptorProto> files;
  this->BuildAll(response, &pool, &files);
  ASSERT_FALSE(files.empty());
  EXPECT_EQ(files.front().name(), "aws/dynamodbstreams/v1/dynamodbstreams.proto");
  std::vector<std::string> names;
  for (const auto& f : files) names.push_back(f.name());
  EXPECT_THAT(names, ::testing::Contains("aws/dynamodb/v1/attribute_value.proto"));
  EXPECT_THAT(names, ::testing::Contains("google/protobuf/timestamp.proto"));
}

// Unknown names are answered with an error_response; the stream goes on.
TYPED_TEST(ReflectionTest, UnknownNamesAreNotFoundAndTheStreamGoesOn) {
  typename TestFixture::Response response = this->FileContainingSymbol("aws.nosuch.v1.Thing");
  EXPECT_EQ(response.error_response().error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(response.error_response().error_message(), HasSubstr("aws.nosuch.v1.Thing"));
  EXPECT_EQ(response.original_request().file_containing_symbol(), "aws.nosuch.v1.Thing");

  typename TestFixture::Request request;
  request.set_file_by_filename("aws/nosuch.proto");
  response = this->Ask(request);
  EXPECT_EQ(response.error_response().error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(response.error_response().error_message(), HasSubstr("aws/nosuch.proto"));

  request.mutable_file_containing_extension()->set_containing_type(
      "aws.dynamodb.v1.AttributeValue");
  request.mutable_file_containing_extension()->set_extension_number(100);
  response = this->Ask(request);
  EXPECT_EQ(response.error_response().error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(response.error_response().error_message(), HasSubstr("no extension number 100"));

  request.mutable_file_containing_extension()->set_containing_type("aws.nosuch.v1.Thing");
  response = this->Ask(request);
  EXPECT_EQ(response.error_response().error_code(), grpc::StatusCode::NOT_FOUND);

  request.set_all_extension_numbers_of_type("aws.nosuch.v1.Thing");
  response = this->Ask(request);
  EXPECT_EQ(response.error_response().error_code(), grpc::StatusCode::NOT_FOUND);

  // proto3 messages have no extensions: an empty list, not an error.
  request.set_all_extension_numbers_of_type("aws.dynamodb.v1.AttributeValue");
  response = this->Ask(request);
  ASSERT_FALSE(response.has_error_response()) << response.error_response().error_message();
  EXPECT_EQ(response.all_extension_numbers_response().base_type_name(),
            "aws.dynamodb.v1.AttributeValue");
  EXPECT_EQ(response.all_extension_numbers_response().extension_number_size(), 0);

  response = this->Ask(typename TestFixture::Request());
  EXPECT_EQ(response.error_response().error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_THAT(response.error_response().error_message(), HasSubstr("file_containing_symbol"));

  response = this->FileContainingSymbol("grpc.health.v1.Health.Check");
  ASSERT_FALSE(response.has_error_response()) << response.error_response().error_message();
}

// An answer larger than the server may send is an error_response that
// says so, not a broken stream.
TEST(ServerTest, ReflectionAnswerOverTheMessageLimitIsResourceExhausted) {
  auto server = ServerProcess::Start({"--max_message_bytes=65536"});
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials());
  auto stub = grpc::reflection::v1::ServerReflection::NewStub(channel);
  auto context = ContextWithDeadline();
  auto stream = stub->ServerReflectionInfo(context.get());
  grpc::reflection::v1::ServerReflectionRequest request;
  grpc::reflection::v1::ServerReflectionResponse response;
  request.set_file_containing_symbol("aws.dynamodb.v1.DynamoDbService");
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.error_response().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(response.error_response().error_message(), HasSubstr("65536 bytes"));
  request.set_file_containing_symbol("grpc.health.v1.Health");
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_FALSE(response.has_error_response()) << response.error_response().error_message();
  EXPECT_GT(response.file_descriptor_response().file_descriptor_proto_size(), 0);
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

TEST(ServerTest, SigtermExitsZeroAfterInFlightCalls) {
  auto server = ServerProcess::Start({"--shutdown_grace=5s"});
  ASSERT_TRUE(server.ok()) << server.status();
  int status = (*server)->SignalAndWait(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_THAT((*server)->Stderr(), HasSubstr("stopped"));
}

TEST(ServerTest, SigintAlsoShutsDownCleanly) {
  auto server = ServerProcess::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  int status = (*server)->SignalAndWait(SIGINT);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(ServerTest, UnknownBackendFailsAtStart) {
  auto server = ServerProcess::Start({"--backend=dynamo"});
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(server.status().message(), HasSubstr("unknown backend 'dynamo'"));
}

TEST(ServerTest, BusyPortFailsAtStartWithClearMessage) {
  auto first = ServerProcess::Start();
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = ServerProcess::Start({"--listen=" + (*first)->address()});
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(second.status().message(), HasSubstr("cannot listen on"));
}

}  // namespace
}  // namespace awsfacade::testing
