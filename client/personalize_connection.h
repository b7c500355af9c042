#ifndef AWSFACADE_CLIENT_PERSONALIZE_CONNECTION_H_
#define AWSFACADE_CLIENT_PERSONALIZE_CONNECTION_H_

#include <memory>

#include "aws/personalize/v1/personalize.pb.h"
// The RPC lists (X-macros: unary, passed-through streams, resumed
// subscriptions), generated from the proto by cmake/protoc-gen-awsfacade_rpcs.
#include "aws/personalize/v1/personalize.rpcs.pb.h"
#include "client/internal/rpc_macros.h"
#include "client/options.h"
#include "client/stream_range.h"

namespace awsfacade::client {

// The Personalize RPCs, one virtual method each. Make one with
// MakePersonalizeConnection(); mock it with client/mocks/mock_personalize_connection.h.
// Thread-safe. Unary calls fail with the server's status (AwsErrorName() has
// the AWS error); server streams are ranges ending with the call's status.
class PersonalizeConnection {
 public:
  virtual ~PersonalizeConnection() = default;
  AWSFACADE_PERSONALIZE_UNARY_RPCS(AWSFACADE_CLIENT_DECLARE_UNARY)
  AWSFACADE_PERSONALIZE_STREAMING_RPCS(AWSFACADE_CLIENT_DECLARE_STREAMING)
  AWSFACADE_PERSONALIZE_SUBSCRIPTION_RPCS(AWSFACADE_CLIENT_DECLARE_STREAMING)
};

// A connection to the server at options.endpoint: gRPC calls wrapped in the
// retry decorator (unary calls retried per options.retry_policy, honouring
// the server's RetryInfo; subscriptions resumed from their last token).
std::shared_ptr<PersonalizeConnection> MakePersonalizeConnection(ConnectionOptions options = {});

namespace internal {
// The layers MakePersonalizeConnection stacks, for tests.
std::shared_ptr<PersonalizeConnection> MakePersonalizeGrpcConnection(ConnectionOptions options);
std::shared_ptr<PersonalizeConnection> MakePersonalizeRetryConnection(
    std::shared_ptr<PersonalizeConnection> child, ConnectionOptions options);
}  // namespace internal

}  // namespace awsfacade::client

#endif  // AWSFACADE_CLIENT_PERSONALIZE_CONNECTION_H_
