#include "client/personalize_client.h"

#include <string>

#include "client/internal/pagination.h"

namespace awsfacade::client {
namespace v1 = ::aws::personalize::v1;

StreamRange<v1::DatasetGroupSummary> PersonalizeClient::ListAllDatasetGroups(
    v1::ListDatasetGroupsRequest request, const CallOptions& call) {
  return internal::ListAll<v1::DatasetGroupSummary>(
      connection_, &PersonalizeConnection::ListDatasetGroups,
      internal::MergeCallOptions(defaults_, call), std::move(request),
      {[](v1::ListDatasetGroupsResponse& page) { return page.mutable_dataset_groups(); },
       [](const v1::ListDatasetGroupsResponse& page) { return page.next_token(); },
       [](v1::ListDatasetGroupsRequest& r, const std::string& token) { r.set_next_token(token); }});
}

StreamRange<v1::DatasetSchemaSummary> PersonalizeClient::ListAllSchemas(
    v1::ListSchemasRequest request, const CallOptions& call) {
  return internal::ListAll<v1::DatasetSchemaSummary>(
      connection_, &PersonalizeConnection::ListSchemas, internal::MergeCallOptions(defaults_, call),
      std::move(request),
      {[](v1::ListSchemasResponse& page) { return page.mutable_schemas(); },
       [](const v1::ListSchemasResponse& page) { return page.next_token(); },
       [](v1::ListSchemasRequest& r, const std::string& token) { r.set_next_token(token); }});
}

StreamRange<v1::DatasetSummary> PersonalizeClient::ListAllDatasets(v1::ListDatasetsRequest request,
                                                                   const CallOptions& call) {
  return internal::ListAll<v1::DatasetSummary>(
      connection_, &PersonalizeConnection::ListDatasets,
      internal::MergeCallOptions(defaults_, call), std::move(request),
      {[](v1::ListDatasetsResponse& page) { return page.mutable_datasets(); },
       [](const v1::ListDatasetsResponse& page) { return page.next_token(); },
       [](v1::ListDatasetsRequest& r, const std::string& token) { r.set_next_token(token); }});
}

}  // namespace awsfacade::client
