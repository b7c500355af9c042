#include "client/personalize_client.h"

#include <string>

#include "client/internal/pagination.h"

namespace awsfacade::client {
namespace personalize = ::aws::personalize::v1;

StreamRange<personalize::DatasetGroupSummary> PersonalizeClient::ListAllDatasetGroups(
    personalize::ListDatasetGroupsRequest request, const CallOptions& call) {
  return internal::ListAll<personalize::DatasetGroupSummary>(
      connection_, &PersonalizeConnection::ListDatasetGroups,
      internal::MergeCallOptions(defaults_, call), std::move(request),
      {[](personalize::ListDatasetGroupsResponse& page) { return page.mutable_dataset_groups(); },
       [](const personalize::ListDatasetGroupsResponse& page) { return page.next_token(); },
       [](personalize::ListDatasetGroupsRequest& r, const std::string& token) {
         r.set_next_token(token);
       }});
}

StreamRange<personalize::DatasetSchemaSummary> PersonalizeClient::ListAllSchemas(
    personalize::ListSchemasRequest request, const CallOptions& call) {
  return internal::ListAll<personalize::DatasetSchemaSummary>(
      connection_, &PersonalizeConnection::ListSchemas, internal::MergeCallOptions(defaults_, call),
      std::move(request),
      {[](personalize::ListSchemasResponse& page) { return page.mutable_schemas(); },
       [](const personalize::ListSchemasResponse& page) { return page.next_token(); },
       [](personalize::ListSchemasRequest& r, const std::string& token) {
         r.set_next_token(token);
       }});
}

StreamRange<personalize::DatasetSummary> PersonalizeClient::ListAllDatasets(
    personalize::ListDatasetsRequest request, const CallOptions& call) {
  return internal::ListAll<personalize::DatasetSummary>(
      connection_, &PersonalizeConnection::ListDatasets,
      internal::MergeCallOptions(defaults_, call), std::move(request),
      {[](personalize::ListDatasetsResponse& page) { return page.mutable_datasets(); },
       [](const personalize::ListDatasetsResponse& page) { return page.next_token(); },
       [](personalize::ListDatasetsRequest& r, const std::string& token) {
         r.set_next_token(token);
       }});
}

}  // namespace awsfacade::client
