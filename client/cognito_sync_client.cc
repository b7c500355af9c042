#include "client/cognito_sync_client.h"

#include <string>

#include "client/internal/pagination.h"

namespace awsfacade::client {
namespace cognitosync = ::aws::cognitosync::v1;

StreamRange<cognitosync::Record> CognitoSyncClient::ListAllRecords(
    cognitosync::ListRecordsRequest request, const CallOptions& call) {
  return internal::ListAll<cognitosync::Record>(
      connection_, &CognitoSyncConnection::ListRecords, internal::MergeCallOptions(defaults_, call),
      std::move(request),
      {[](cognitosync::ListRecordsResponse& page) { return page.mutable_records(); },
       [](const cognitosync::ListRecordsResponse& page) { return page.next_token(); },
       [](cognitosync::ListRecordsRequest& r, const std::string& token) {
         r.set_next_token(token);
       }});
}

StreamRange<cognitosync::Dataset> CognitoSyncClient::ListAllDatasets(
    cognitosync::ListDatasetsRequest request, const CallOptions& call) {
  return internal::ListAll<cognitosync::Dataset>(
      connection_, &CognitoSyncConnection::ListDatasets,
      internal::MergeCallOptions(defaults_, call), std::move(request),
      {[](cognitosync::ListDatasetsResponse& page) { return page.mutable_datasets(); },
       [](const cognitosync::ListDatasetsResponse& page) { return page.next_token(); },
       [](cognitosync::ListDatasetsRequest& r, const std::string& token) {
         r.set_next_token(token);
       }});
}

}  // namespace awsfacade::client
