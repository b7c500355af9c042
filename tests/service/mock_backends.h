#ifndef AWSFACADE_TESTS_SERVICE_MOCK_BACKENDS_H_
#define AWSFACADE_TESTS_SERVICE_MOCK_BACKENDS_H_

#include "backends/cognito_sync_backend.h"
#include "backends/dynamodb_backend.h"
#include "backends/dynamodb_streams_backend.h"
#include "backends/personalize_backend.h"
#include "gmock/gmock.h"

namespace awsfacade::testing {

namespace cs = ::aws::cognitosync::v1;
namespace pz = ::aws::personalize::v1;
namespace ds = ::aws::dynamodbstreams::v1;

// One mocked blocking method per operation of a service's list
// (backends/<service>_backend.h), so a mock follows its interface.
#define AWSFACADE_MOCK_BACKEND_METHOD(ns, Op) \
  MOCK_METHOD(absl::StatusOr<ns::Op##Response>, Op, (const ns::Op##Request&), (override));

class MockCognitoSyncBackend : public backends::CognitoSyncBackend {
 public:
  AWSFACADE_COGNITO_SYNC_UNARY_RPCS(AWSFACADE_MOCK_BACKEND_METHOD)
};

class MockPersonalizeBackend : public backends::PersonalizeBackend {
 public:
  AWSFACADE_PERSONALIZE_UNARY_RPCS(AWSFACADE_MOCK_BACKEND_METHOD)
};

class MockDynamoDbBackend : public backends::DynamoDbBackend {
 public:
  AWSFACADE_DYNAMO_DB_UNARY_RPCS(AWSFACADE_MOCK_BACKEND_METHOD)
};

class MockDynamoDbStreamsBackend : public backends::DynamoDbStreamsBackend {
 public:
  AWSFACADE_DYNAMO_DB_STREAMS_UNARY_RPCS(AWSFACADE_MOCK_BACKEND_METHOD)
};

}  // namespace awsfacade::testing

#endif  // AWSFACADE_TESTS_SERVICE_MOCK_BACKENDS_H_
