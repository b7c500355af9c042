#include "observability/rpc_interceptor.h"

#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "awsfacade/bench/v1/echo.grpc.pb.h"
#include "backends/common/aws_error.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "service/status_conversion.h"

namespace awsfacade::observability {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
namespace echo = ::awsfacade::bench::v1;

TEST(RequestIdTest, AcceptsPlausibleIds) {
  EXPECT_TRUE(IsAcceptableRequestId("abc-123"));
  EXPECT_TRUE(IsAcceptableRequestId("0d3f0c1e-6b1a-4f5e-9f7e-0a1b2c3d4e5f"));
  EXPECT_TRUE(IsAcceptableRequestId("Root=1-5759e988-bd862e3fe1be46a994272793"));
}

TEST(RequestIdTest, RejectsEmptyLongOrOddIds) {
  EXPECT_FALSE(IsAcceptableRequestId(""));
  EXPECT_FALSE(IsAcceptableRequestId(std::string(129, 'a')));
  EXPECT_FALSE(IsAcceptableRequestId("has space"));
  EXPECT_FALSE(IsAcceptableRequestId("quote\""));
  EXPECT_FALSE(IsAcceptableRequestId("new\nline"));
}

TEST(RequestIdTest, NewIdsAre32HexDigitsAndDiffer) {
  const std::string a = NewRequestId(), b = NewRequestId();
  EXPECT_THAT(a, MatchesRegex("[0-9a-f]{32}"));
  EXPECT_NE(a, b);
}

TEST(FactsOfTest, ReadsAwsErrorNameAndRequestId) {
  absl::Status status =
      backends::AwsError("ResourceNotFoundException", "Requested resource not found");
  backends::SetAwsRequestId(status, "REQ-123");
  const StatusFacts facts = FactsOf(service::ToGrpcStatus(status, "dynamodb.amazonaws.com"));
  EXPECT_EQ(facts.aws_error, "ResourceNotFoundException");
  EXPECT_EQ(facts.aws_request_id, "REQ-123");
}

TEST(FactsOfTest, PlainStatusesHaveNoFacts) {
  const StatusFacts facts = FactsOf(grpc::Status(grpc::StatusCode::INTERNAL, "boom"));
  EXPECT_EQ(facts.aws_error, "");
  EXPECT_EQ(facts.aws_request_id, "");
  EXPECT_EQ(FactsOf(grpc::Status(grpc::StatusCode::INTERNAL, "x", "not a proto\xff")).aws_error,
            "");
}

// Echo answers OK, or NOT_FOUND (with an AWS error) for payload "missing".
class EchoService final : public echo::EchoService::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const echo::EchoRequest* request,
                                 echo::EchoResponse* response) override {
    auto* reactor = context->DefaultReactor();
    if (request->payload() == "missing") {
      absl::Status status = backends::AwsError("ResourceNotFoundException", "no such SECRET-VALUE");
      backends::SetAwsRequestId(status, "AWS-REQ-9");
      reactor->Finish(service::ToGrpcStatus(status, "test"));
    } else {
      response->set_payload(request->payload());
      reactor->Finish(grpc::Status::OK);
    }
    return reactor;
  }
};

class InterceptedServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    log_read_ = fds[0];
    log_write_ = fds[1];
    metrics_ = std::make_shared<FacadeMetrics>();
    logger_ = std::make_shared<JsonLogger>(JsonLoggerOptions{LogLevel::kInfo, log_write_});
    grpc::ServerBuilder builder;
    builder.RegisterService(&service_);
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
    creators.push_back(std::make_unique<RpcObservabilityFactory>(metrics_, logger_));
    builder.experimental().SetInterceptorCreators(std::move(creators));
    server_ = builder.BuildAndStart();
    stub_ = echo::EchoService::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void TearDown() override {
    server_->Shutdown();
    logger_.reset();
    close(log_read_);
    close(log_write_);
  }

  grpc::Status Call(const std::string& payload, const std::string& request_id,
                    std::string* echoed_id) {
    grpc::ClientContext context;
    if (!request_id.empty()) context.AddMetadata("x-request-id", request_id);
    echo::EchoRequest request;
    request.set_payload(payload);
    echo::EchoResponse response;
    grpc::Status status = stub_->Echo(&context, request, &response);
    auto it = context.GetServerInitialMetadata().find("x-request-id");
    *echoed_id = it == context.GetServerInitialMetadata().end()
                     ? ""
                     : std::string(it->second.data(), it->second.size());
    return status;
  }

  std::vector<nlohmann::json> LogLines() {
    logger_->Flush();
    fcntl(log_read_, F_SETFL, O_NONBLOCK);
    char buf[65536];
    ssize_t n;
    while ((n = read(log_read_, buf, sizeof buf)) > 0)
      log_text_.append(buf, static_cast<size_t>(n));
    std::vector<nlohmann::json> out;
    for (absl::string_view line : absl::StrSplit(log_text_, '\n', absl::SkipEmpty())) {
      out.push_back(nlohmann::json::parse(line));
    }
    return out;
  }

  int log_read_ = -1, log_write_ = -1;
  std::string log_text_;
  EchoService service_;
  std::shared_ptr<FacadeMetrics> metrics_;
  std::shared_ptr<JsonLogger> logger_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<echo::EchoService::Stub> stub_;
};

TEST_F(InterceptedServerTest, HonoursAndEchoesTheCallersRequestId) {
  std::string echoed;
  ASSERT_TRUE(Call("hi", "caller-id-1", &echoed).ok());
  EXPECT_EQ(echoed, "caller-id-1");
  auto lines = LogLines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["request_id"], "caller-id-1");
}

TEST_F(InterceptedServerTest, GeneratesAnIdWhenNoneOrAnOddOneIsGiven) {
  std::string none, odd;
  ASSERT_TRUE(Call("hi", "", &none).ok());
  ASSERT_TRUE(Call("hi", "bad id with spaces", &odd).ok());
  EXPECT_THAT(none, MatchesRegex("[0-9a-f]{32}"));
  EXPECT_THAT(odd, MatchesRegex("[0-9a-f]{32}"));
  EXPECT_NE(none, odd);
}

TEST_F(InterceptedServerTest, LogsOneLinePerRpcWithAwsFactsButNotTheMessage) {
  std::string id;
  ASSERT_EQ(Call("missing", "r-404", &id).error_code(), grpc::StatusCode::NOT_FOUND);
  auto lines = LogLines();
  ASSERT_EQ(lines.size(), 1u);
  const auto& line = lines[0];
  EXPECT_EQ(line["msg"], "rpc");
  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["method"], "/awsfacade.bench.v1.EchoService/Echo");
  EXPECT_EQ(line["code"], "NOT_FOUND");
  EXPECT_EQ(line["request_id"], "r-404");
  EXPECT_EQ(line["aws_error"], "ResourceNotFoundException");
  EXPECT_EQ(line["aws_request_id"], "AWS-REQ-9");
  EXPECT_GE(line["duration_ms"].get<double>(), 0.0);
  EXPECT_THAT(line.dump(), Not(HasSubstr("SECRET-VALUE")));
}

TEST_F(InterceptedServerTest, CountsCallsPerCode) {
  std::string id;
  ASSERT_TRUE(Call("a", "", &id).ok());
  ASSERT_TRUE(Call("b", "", &id).ok());
  ASSERT_FALSE(Call("missing", "", &id).ok());
  const std::string text = metrics_->Exposition();
  EXPECT_THAT(text, HasSubstr("awsfacade_grpc_server_handled_total{grpc_code=\"OK\",grpc_method="
                              "\"Echo\",grpc_service=\"awsfacade.bench.v1.EchoService\"} 2"))
      << text;
  EXPECT_THAT(text, HasSubstr("awsfacade_grpc_server_handled_total{grpc_code=\"NOT_FOUND\","
                              "grpc_method=\"Echo\",grpc_service=\"awsfacade.bench.v1."
                              "EchoService\"} 1"));
  EXPECT_THAT(text, HasSubstr("awsfacade_grpc_server_handling_seconds_count{grpc_method=\"Echo\","
                              "grpc_service=\"awsfacade.bench.v1.EchoService\"} 3"));
}

}  // namespace
}  // namespace awsfacade::observability
