#ifndef AWSFACADE_CLIENT_COGNITO_SYNC_CONNECTION_H_
#define AWSFACADE_CLIENT_COGNITO_SYNC_CONNECTION_H_

#include <memory>

#include "aws/cognitosync/v1/cognitosync.pb.h"
// The RPC lists (X-macros: unary, passed-through streams, resumed
// subscriptions), generated from the proto by cmake/protoc-gen-awsfacade_rpcs.
#include "aws/cognitosync/v1/cognitosync.rpcs.pb.h"
#include "client/internal/rpc_macros.h"
#include "client/options.h"
#include "client/stream_range.h"

namespace awsfacade::client {

// The Cognito Sync RPCs, one virtual method each. Make one with
// MakeCognitoSyncConnection(); mock it with client/mocks/mock_cognito_sync_connection.h.
// Thread-safe. Unary calls fail with the server's status (AwsErrorName() has
// the AWS error); server streams are ranges ending with the call's status.
class CognitoSyncConnection {
 public:
  virtual ~CognitoSyncConnection() = default;
  AWSFACADE_COGNITO_SYNC_UNARY_RPCS(AWSFACADE_CLIENT_DECLARE_UNARY)
  AWSFACADE_COGNITO_SYNC_STREAMING_RPCS(AWSFACADE_CLIENT_DECLARE_STREAMING)
  AWSFACADE_COGNITO_SYNC_SUBSCRIPTION_RPCS(AWSFACADE_CLIENT_DECLARE_STREAMING)
};

// A connection to the server at options.endpoint: gRPC calls wrapped in the
// retry decorator (unary calls retried per options.retry_policy, honouring
// the server's RetryInfo; subscriptions resumed from their last token).
std::shared_ptr<CognitoSyncConnection> MakeCognitoSyncConnection(ConnectionOptions options = {});

namespace internal {
// The layers MakeCognitoSyncConnection stacks, for tests.
std::shared_ptr<CognitoSyncConnection> MakeCognitoSyncGrpcConnection(ConnectionOptions options);
std::shared_ptr<CognitoSyncConnection> MakeCognitoSyncRetryConnection(
    std::shared_ptr<CognitoSyncConnection> child, ConnectionOptions options);
}  // namespace internal

}  // namespace awsfacade::client

#endif  // AWSFACADE_CLIENT_COGNITO_SYNC_CONNECTION_H_
