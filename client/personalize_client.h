#ifndef AWSFACADE_CLIENT_PERSONALIZE_CLIENT_H_
#define AWSFACADE_CLIENT_PERSONALIZE_CLIENT_H_

#include <memory>
#include <utility>

#include "client/options.h"
#include "client/personalize_connection.h"
#include "client/stream_range.h"

namespace awsfacade::client {

// Personalize through the facade. A cheap value type: copies share the connection.
// Every RPC is a method taking the request and optional CallOptions (deadline,
// retry policy) that override the client's defaults for that call.
class PersonalizeClient {
 public:
  explicit PersonalizeClient(std::shared_ptr<PersonalizeConnection> connection,
                             CallOptions defaults = {})
      : connection_(std::move(connection)), defaults_(std::move(defaults)) {}

  AWSFACADE_PERSONALIZE_UNARY_RPCS(AWSFACADE_CLIENT_FORWARD_UNARY)
  AWSFACADE_PERSONALIZE_STREAMING_RPCS(AWSFACADE_CLIENT_FORWARD_STREAMING)
  AWSFACADE_PERSONALIZE_SUBSCRIPTION_RPCS(AWSFACADE_CLIENT_FORWARD_STREAMING)

  // Every dataset group, following nextToken.
  StreamRange<::aws::personalize::v1::DatasetGroupSummary> ListAllDatasetGroups(
      ::aws::personalize::v1::ListDatasetGroupsRequest request, const CallOptions& call = {});
  // Every schema, following nextToken.
  StreamRange<::aws::personalize::v1::DatasetSchemaSummary> ListAllSchemas(
      ::aws::personalize::v1::ListSchemasRequest request, const CallOptions& call = {});
  // Every dataset (of request.datasetGroupArn, if set), following nextToken.
  StreamRange<::aws::personalize::v1::DatasetSummary> ListAllDatasets(
      ::aws::personalize::v1::ListDatasetsRequest request, const CallOptions& call = {});

 private:
  std::shared_ptr<PersonalizeConnection> connection_;
  CallOptions defaults_;
};

}  // namespace awsfacade::client

#endif  // AWSFACADE_CLIENT_PERSONALIZE_CLIENT_H_
