// The generic operation chain (backends/operation_chain.h): what an
// operation is comes from its descriptor, and a typed end, a layer and a
// typed bottom pass a call through unchanged.
#include "backends/operation_chain.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "backends/cognito_sync_backend.h"
#include "backends/dynamodb_backend.h"
#include "backends/dynamodb_streams_backend.h"
#include "backends/personalize_backend.h"
#include "backends/simulator/cognito_sync_simulator.h"
#include "backends/simulator/dynamodb_simulator.h"
#include "backends/simulator/personalize_simulator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/common/status_matchers.h"
#include "tests/service/mock_backends.h"

namespace awsfacade::backends {
namespace {

namespace pb = ::google::protobuf;
namespace ddb = ::aws::dynamodb::v1;
using ::awsfacade::testutil::IsOk;
using ::awsfacade::testutil::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Return;
using ::testing::StrictMock;

std::vector<const pb::ServiceDescriptor*> Services() {
  return {&ChainTraits<DynamoDbBackend>::Service(), &ChainTraits<DynamoDbStreamsBackend>::Service(),
          &ChainTraits<PersonalizeBackend>::Service(), &ChainTraits<CognitoSyncBackend>::Service()};
}

// The journal runs what the proto marks NO_SIDE_EFFECTS beside other reads
// and journals everything else: a read without the mark would be journaled,
// a write with it would be lost on restart.
TEST(OperationChainTest, ExactlyTheReadsAreMarkedNoSideEffectsInTheProtos) {
  for (const pb::ServiceDescriptor* service : Services()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const pb::MethodDescriptor& method = *service->method(i);
      const bool read =
          absl::StartsWith(method.name(), "Describe") || absl::StartsWith(method.name(), "List") ||
          absl::StartsWith(method.name(), "Get") || absl::StartsWith(method.name(), "Paginate") ||
          absl::StartsWith(method.name(), "Subscribe") ||
          absl::StartsWith(method.name(), "BatchGet") ||
          absl::StartsWith(method.name(), "TransactGet") || method.name() == "Query" ||
          method.name() == "Scan";
      EXPECT_EQ(IsReadOnly(method), read) << method.full_name();
    }
  }
}

TEST(OperationChainTest, ServiceKeyIsThePackagesServicePart) {
  EXPECT_EQ(ServiceKey(*MethodOf<ddb::PutItemRequest>()), "dynamodb");
  EXPECT_EQ(ServiceKey(*MethodOf<::aws::dynamodbstreams::v1::GetRecordsRequest>()),
            "dynamodbstreams");
  EXPECT_EQ(ServiceKey(*MethodOf<::aws::personalize::v1::ListDatasetsRequest>()), "personalize");
  EXPECT_EQ(ServiceKey(*MethodOf<::aws::cognitosync::v1::ListRecordsRequest>()), "cognitosync");
}

TEST(OperationChainTest, MethodForFindsTheUnaryMethodOfARequestType) {
  ASSERT_NE(MethodFor(*ddb::PutItemRequest::descriptor()), nullptr);
  EXPECT_EQ(MethodFor(*ddb::PutItemRequest::descriptor())->full_name(),
            "aws.dynamodb.v1.DynamoDbService.PutItem");
  // A facade stream is no AWS operation.
  EXPECT_EQ(MethodFor(*::aws::personalize::v1::PaginateListDatasetsRequest::descriptor()), nullptr);
}

// Every unary method of each proto service is in its service's list (and
// so has a row in its bottom's table): an operation added to the proto but
// not to the list fails here.
TEST(OperationChainTest, EachListHoldsEveryUnaryMethodOfItsService) {
  auto unary_methods = [](const pb::ServiceDescriptor& service) {
    size_t n = 0;
    for (int i = 0; i < service.method_count(); ++i) {
      if (!service.method(i)->client_streaming() && !service.method(i)->server_streaming()) ++n;
    }
    return n;
  };
  EXPECT_EQ(ChainTraits<DynamoDbBackend>::Table().size(),
            unary_methods(ChainTraits<DynamoDbBackend>::Service()));
  EXPECT_EQ(ChainTraits<DynamoDbStreamsBackend>::Table().size(),
            unary_methods(ChainTraits<DynamoDbStreamsBackend>::Service()));
  EXPECT_EQ(ChainTraits<PersonalizeBackend>::Table().size(),
            unary_methods(ChainTraits<PersonalizeBackend>::Service()));
  EXPECT_EQ(ChainTraits<CognitoSyncBackend>::Table().size(),
            unary_methods(ChainTraits<CognitoSyncBackend>::Service()));
}

// A layer that records the operations it sees and passes them on.
class RecordingLayer final : public OperationInvoker {
 public:
  explicit RecordingLayer(std::shared_ptr<OperationInvoker> next) : next_(std::move(next)) {}
  void Invoke(const OperationCall& call, OperationDone done) override {
    seen.push_back(std::string(call.method->name()));
    next_->Invoke(call, std::move(done));
  }
  bool IsAsynchronous() const override { return next_->IsAsynchronous(); }
  std::vector<std::string> seen;

 private:
  std::shared_ptr<OperationInvoker> next_;
};

TEST(OperationChainTest, ATypedCallReachesTheTypedBottomThroughALayerBothForms) {
  auto mock = std::make_shared<StrictMock<testing::MockPersonalizeBackend>>();
  ::aws::personalize::v1::DescribeSchemaResponse answer;
  answer.mutable_schema()->set_name("s");
  EXPECT_CALL(*mock, DescribeSchema).Times(2).WillRepeatedly(Return(answer));
  auto layer = std::make_shared<RecordingLayer>(ChainOf<PersonalizeBackend>(mock));
  PersonalizeOverChain end(layer);
  EXPECT_FALSE(end.IsAsynchronous());
  ::aws::personalize::v1::DescribeSchemaRequest request;
  request.set_schema_arn("arn:aws:personalize:us-east-1:123456789012:schema/s");
  absl::StatusOr<::aws::personalize::v1::DescribeSchemaResponse> blocking =
      end.DescribeSchema(request);
  ASSERT_THAT(blocking, IsOk());
  EXPECT_EQ(blocking->schema().name(), "s");
  std::optional<absl::StatusOr<::aws::personalize::v1::DescribeSchemaResponse>> async;
  end.AsyncDescribeSchema(CallContext(), request, [&async](auto result) { async = result; });
  ASSERT_TRUE(async.has_value());  // a blocking bottom completes on the calling thread
  ASSERT_THAT(*async, IsOk());
  EXPECT_EQ((*async)->schema().name(), "s");
  EXPECT_THAT(layer->seen, ElementsAre("DescribeSchema", "DescribeSchema"));
  // The end's own chain is reused, not wrapped again.
  EXPECT_EQ(ChainOf<PersonalizeBackend>(std::make_shared<PersonalizeOverChain>(layer)), layer);
}

TEST(OperationChainTest, AnOperationTheBottomDoesNotServeIsUnimplemented) {
  auto mock = std::make_shared<StrictMock<testing::MockPersonalizeBackend>>();
  std::shared_ptr<OperationInvoker> chain = ChainOf<PersonalizeBackend>(mock);
  ddb::GetItemRequest request;
  ddb::GetItemResponse response;
  absl::Status status;
  chain->Invoke({MethodOf<ddb::GetItemRequest>(), CallContext(), &request, &response},
                [&status](absl::Status s) { status = std::move(s); });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("GetItem")));
}

// An interface's methods answer UNIMPLEMENTED by default (so a test double
// or a partial backend need not follow every addition): the simulators must
// implement every operation of every list. Each is called with an empty
// request; whatever it answers, it is not the default.
template <typename Backend>
void ExpectEveryOperationImplemented(std::shared_ptr<Backend> backend) {
  std::shared_ptr<OperationInvoker> chain = ChainOf(backend);
  for (const auto& row : ChainTraits<Backend>::Table()) {
    const pb::MethodDescriptor* method = row.first;
    std::unique_ptr<pb::Message> request(
        pb::MessageFactory::generated_factory()->GetPrototype(method->input_type())->New());
    std::unique_ptr<pb::Message> response(
        pb::MessageFactory::generated_factory()->GetPrototype(method->output_type())->New());
    absl::Status status = absl::InternalError("not completed");
    chain->Invoke({method, CallContext(), request.get(), response.get()},
                  [&status](absl::Status s) { status = std::move(s); });
    EXPECT_THAT(status.message(), ::testing::Not(HasSubstr(kNotImplementedByBackend)))
        << method->full_name();
  }
}

TEST(OperationChainTest, TheSimulatorsImplementEveryListedOperation) {
  auto dynamodb = std::make_shared<simulator::DynamoDbSimulator>(simulator::SimulatorOptions());
  ExpectEveryOperationImplemented<DynamoDbBackend>(dynamodb);
  ExpectEveryOperationImplemented<DynamoDbStreamsBackend>(dynamodb);
  ExpectEveryOperationImplemented<PersonalizeBackend>(
      std::make_shared<simulator::PersonalizeSimulator>(simulator::SimulatorOptions()));
  ExpectEveryOperationImplemented<CognitoSyncBackend>(
      std::make_shared<simulator::CognitoSyncSimulator>(simulator::SimulatorOptions()));
}

TEST(OperationChainTest, AnOperationABackendLacksAnswersUnimplementedNamingIt) {
  class Partial final : public DynamoDbBackend {};
  Partial partial;
  EXPECT_THAT(partial.DescribeTimeToLive({}),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("DescribeTimeToLive")));
}

}  // namespace
}  // namespace awsfacade::backends
