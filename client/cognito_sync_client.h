#ifndef AWSFACADE_CLIENT_COGNITO_SYNC_CLIENT_H_
#define AWSFACADE_CLIENT_COGNITO_SYNC_CLIENT_H_

#include <memory>
#include <utility>

#include "client/cognito_sync_connection.h"
#include "client/options.h"
#include "client/stream_range.h"

namespace awsfacade::client {

// Cognito Sync through the facade. A cheap value type: copies share the connection.
// Every RPC is a method taking the request and optional CallOptions (deadline,
// retry policy) that override the client's defaults for that call.
class CognitoSyncClient {
 public:
  explicit CognitoSyncClient(std::shared_ptr<CognitoSyncConnection> connection,
                             CallOptions defaults = {})
      : connection_(std::move(connection)), defaults_(std::move(defaults)) {}

  AWSFACADE_COGNITO_SYNC_UNARY_RPCS(AWSFACADE_CLIENT_FORWARD_UNARY)
  AWSFACADE_COGNITO_SYNC_STREAMING_RPCS(AWSFACADE_CLIENT_FORWARD_STREAMING)
  AWSFACADE_COGNITO_SYNC_SUBSCRIPTION_RPCS(AWSFACADE_CLIENT_FORWARD_STREAMING)

  // Every record of the dataset changed after request.LastSyncCount, following NextToken.
  StreamRange<::aws::cognitosync::v1::Record> ListAllRecords(
      ::aws::cognitosync::v1::ListRecordsRequest request, const CallOptions& call = {});
  // Every dataset of the identity, following NextToken.
  StreamRange<::aws::cognitosync::v1::Dataset> ListAllDatasets(
      ::aws::cognitosync::v1::ListDatasetsRequest request, const CallOptions& call = {});

 private:
  std::shared_ptr<CognitoSyncConnection> connection_;
  CallOptions defaults_;
};

}  // namespace awsfacade::client

#endif  // AWSFACADE_CLIENT_COGNITO_SYNC_CLIENT_H_
