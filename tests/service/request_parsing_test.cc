// Requests that cannot be parsed, sent as raw bytes over a real channel to
// the whole server (simulated backends): INVALID_ARGUMENT saying what failed,
// on every method of every service, and deep items parse far enough for the
// backend's own nesting check.
#include "service/request_parsing.h"

#include <future>
#include <memory>
#include <string>

#include "app/server.h"
#include "aws/dynamodb/v1/dynamodb.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/common/grpc_status.h"

namespace awsfacade::testing {
namespace {

namespace ddb = ::aws::dynamodb::v1;
using ::testing::AllOf;
using ::testing::HasSubstr;

class RequestParsingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    app::ServerOptions options;
    options.listen = "127.0.0.1:0";
    auto server = app::FacadeServer::Start(std::move(options));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
  }

  // Sends `bytes` as the request of `method` ("/pkg.Service/Method").
  grpc::Status Call(const std::string& method, const std::string& bytes) {
    grpc::GenericStub stub(channel_);
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    std::promise<grpc::Status> done;
    stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                   [&done](grpc::Status s) { done.set_value(std::move(s)); });
    return done.get_future().get();
  }

  std::unique_ptr<app::FacadeServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

constexpr char kPutItem[] = "/aws.dynamodb.v1.DynamoDbService/PutItem";

std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}

// A length-delimited field: tag, length, payload.
std::string Field(int number, const std::string& payload) {
  return Varint((static_cast<uint64_t>(number) << 3) | 2) + Varint(payload.size()) + payload;
}

// An AttributeValue {S: "x"} inside `levels` Ms ({"k": ...}) or Ls ([...]),
// built as bytes, so that no recursion in this test grows with the depth.
std::string Nested(int levels, bool map) {
  std::string value = Field(ddb::AttributeValue::kSFieldNumber, "x");
  for (int i = 0; i < levels; ++i) {
    if (map) {
      std::string entry = Field(1, "k") + Field(2, value);
      value = Field(ddb::AttributeValue::kMFieldNumber,
                    Field(ddb::MapValue::kValuesFieldNumber, entry));
    } else {
      value = Field(ddb::AttributeValue::kLFieldNumber,
                    Field(ddb::ListValue::kValuesFieldNumber, value));
    }
  }
  return value;
}

// PutItem of table "items" with item {"pk": {S: "a"}, "doc": value}.
std::string PutItemBytes(const std::string& doc_value) {
  const std::string pk = Field(1, "pk") + Field(2, Field(ddb::AttributeValue::kSFieldNumber, "a"));
  const std::string doc = Field(1, "doc") + Field(2, doc_value);
  return Field(ddb::PutItemRequest::kTableNameFieldNumber, "items") +
         Field(ddb::PutItemRequest::kItemFieldNumber, pk) +
         Field(ddb::PutItemRequest::kItemFieldNumber, doc);
}

using ::awsfacade::testutil::ReasonOf;

TEST_F(RequestParsingTest, InvalidUtf8IsInvalidArgumentNamingTheField) {
  grpc::Status status =
      Call(kPutItem, PutItemBytes(Field(ddb::AttributeValue::kSFieldNumber, "\xff\xfe")));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(status.error_message(),
              AllOf(HasSubstr("request could not be parsed as aws.dynamodb.v1.PutItemRequest"),
                    HasSubstr("invalid UTF-8 in string field aws.dynamodb.v1.AttributeValue.s"),
                    HasSubstr("(at Item.value.S)")));
  EXPECT_EQ(ReasonOf(status), "SerializationException");
}

TEST_F(RequestParsingTest, InvalidUtf8InAMapKeyIsInvalidArgument) {
  const std::string entry =
      Field(1, "\xc0\x80") + Field(2, Field(ddb::AttributeValue::kSFieldNumber, "a"));
  grpc::Status status = Call(kPutItem, Field(ddb::PutItemRequest::kItemFieldNumber, entry));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("invalid UTF-8 in string field "
                                                "aws.dynamodb.v1.PutItemRequest.ItemEntry.key"));
}

TEST_F(RequestParsingTest, GarbageIsInvalidArgument) {
  grpc::Status status = Call(kPutItem, "\xff\xff\xff\xff");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              AllOf(HasSubstr("aws.dynamodb.v1.PutItemRequest"), HasSubstr("malformed field tag")));
}

TEST_F(RequestParsingTest, TruncatedMessageSaysALengthRunsPastTheEnd) {
  std::string bytes = PutItemBytes(Field(ddb::AttributeValue::kSFieldNumber, "abc"));
  bytes.resize(bytes.size() - 2);
  grpc::Status status = Call(kPutItem, bytes);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("runs past the end of its message"));
}

// Past DynamoDB's 32 levels but within the parser's limit: the request is
// parsed and the backend refuses the item, in DynamoDB's words.
TEST_F(RequestParsingTest, DeepMapReachesTheBackendsNestingCheck) {
  grpc::Status status = Call(kPutItem, PutItemBytes(Nested(40, /*map=*/true)));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("Nesting Levels have exceeded supported limits"));
  EXPECT_EQ(ReasonOf(status), "ValidationException");
}

TEST_F(RequestParsingTest, DeepListReachesTheBackendsNestingCheck) {
  grpc::Status status = Call(kPutItem, PutItemBytes(Nested(100, /*map=*/false)));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("Nesting Levels have exceeded supported limits"));
  EXPECT_EQ(ReasonOf(status), "ValidationException");
}

// 10,000 levels: refused at the parser's limit, without exhausting a stack
// (the parse and the diagnosis both stop there).
TEST_F(RequestParsingTest, TenThousandLevelsAreRefusedAtTheLimit) {
  grpc::Status status = Call(kPutItem, PutItemBytes(Nested(10'000, /*map=*/false)));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr(absl::StrCat("messages nested more than ", service::kMaxRequestNesting,
                                     " levels deep")));
  EXPECT_EQ(ReasonOf(status), "SerializationException");
  // The server is still there.
  EXPECT_EQ(Call(kPutItem, "\xff").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(RequestParsingTest, ValidRequestsAreServedAsBefore) {
  auto stub = ddb::DynamoDbService::NewStub(channel_);
  grpc::ClientContext context;
  ddb::DescribeTableRequest request;
  request.set_table_name("missing");
  ddb::DescribeTableResponse response;
  grpc::Status status = stub->DescribeTable(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
  EXPECT_EQ(ReasonOf(status), "ResourceNotFoundException");
}

// Every unary and server-streaming method of every service the server
// registers (the simulator's included).
TEST_F(RequestParsingTest, EveryMethodOfEveryServiceAnswersGarbageWithInvalidArgument) {
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  int methods = 0;
  for (const char* name :
       {"aws.cognitosync.v1.CognitoSyncService", "aws.personalize.v1.PersonalizeService",
        "aws.dynamodbstreams.v1.DynamoDbStreamsService", "aws.dynamodb.v1.DynamoDbService",
        "awsfacade.simulator.v1.SimulatorService"}) {
    const google::protobuf::ServiceDescriptor* service = pool->FindServiceByName(name);
    ASSERT_NE(service, nullptr) << name;
    for (int i = 0; i < service->method_count(); ++i) {
      const auto* method = service->method(i);
      if (method->client_streaming()) continue;
      const std::string path = absl::StrCat("/", name, "/", method->name());
      grpc::Status status = Call(path, "\xff\xff\xff");
      EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << path;
      EXPECT_THAT(
          status.error_message(),
          HasSubstr(absl::StrCat("could not be parsed as ", method->input_type()->full_name())))
          << path;
      ++methods;
    }
  }
  EXPECT_GT(methods, 30);
}

TEST_F(RequestParsingTest, UnknownMethodIsStillUnimplemented) {
  EXPECT_EQ(Call("/aws.dynamodb.v1.DynamoDbService/NoSuchMethod", "").error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

}  // namespace
}  // namespace awsfacade::testing
