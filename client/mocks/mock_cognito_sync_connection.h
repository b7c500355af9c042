#ifndef AWSFACADE_CLIENT_MOCKS_MOCK_COGNITO_SYNC_CONNECTION_H_
#define AWSFACADE_CLIENT_MOCKS_MOCK_COGNITO_SYNC_CONNECTION_H_

#include "client/cognito_sync_connection.h"
#include "client/mocks/mock_macros.h"

namespace awsfacade::client::mocks {

// A GMock CognitoSyncConnection for tests of code that takes a CognitoSyncClient:
// `CognitoSyncClient client(mock);`. Server streams return ranges: build them with
// MakeStreamRange(values, final_status).
class MockCognitoSyncConnection : public CognitoSyncConnection {
 public:
  AWSFACADE_COGNITO_SYNC_UNARY_RPCS(AWSFACADE_CLIENT_MOCK_UNARY)
  AWSFACADE_COGNITO_SYNC_STREAMING_RPCS(AWSFACADE_CLIENT_MOCK_STREAMING)
  AWSFACADE_COGNITO_SYNC_SUBSCRIPTION_RPCS(AWSFACADE_CLIENT_MOCK_STREAMING)
};

}  // namespace awsfacade::client::mocks

#endif  // AWSFACADE_CLIENT_MOCKS_MOCK_COGNITO_SYNC_CONNECTION_H_
