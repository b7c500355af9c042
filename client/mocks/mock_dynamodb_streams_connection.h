#ifndef AWSFACADE_CLIENT_MOCKS_MOCK_DYNAMODB_STREAMS_CONNECTION_H_
#define AWSFACADE_CLIENT_MOCKS_MOCK_DYNAMODB_STREAMS_CONNECTION_H_

#include "client/dynamodb_streams_connection.h"
#include "client/mocks/mock_macros.h"

namespace awsfacade::client::mocks {

// A GMock DynamoDbStreamsConnection for tests of code that takes a DynamoDbStreamsClient:
// `DynamoDbStreamsClient client(mock);`. Server streams return ranges: build them with
// MakeStreamRange(values, final_status).
class MockDynamoDbStreamsConnection : public DynamoDbStreamsConnection {
 public:
  AWSFACADE_DYNAMO_DB_STREAMS_UNARY_RPCS(AWSFACADE_CLIENT_MOCK_UNARY)
  AWSFACADE_DYNAMO_DB_STREAMS_STREAMING_RPCS(AWSFACADE_CLIENT_MOCK_STREAMING)
  AWSFACADE_DYNAMO_DB_STREAMS_SUBSCRIPTION_RPCS(AWSFACADE_CLIENT_MOCK_STREAMING)
};

}  // namespace awsfacade::client::mocks

#endif  // AWSFACADE_CLIENT_MOCKS_MOCK_DYNAMODB_STREAMS_CONNECTION_H_
