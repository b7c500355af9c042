#include "client/cognito_sync_client.h"

#include <string>

#include "client/internal/pagination.h"

namespace awsfacade::client {
namespace v1 = ::aws::cognitosync::v1;

StreamRange<v1::Record> CognitoSyncClient::ListAllRecords(v1::ListRecordsRequest request,
                                                          const CallOptions& call) {
  return internal::ListAll<v1::Record>(
      connection_, &CognitoSyncConnection::ListRecords, internal::MergeCallOptions(defaults_, call),
      std::move(request),
      {[](v1::ListRecordsResponse& page) { return page.mutable_records(); },
       [](const v1::ListRecordsResponse& page) { return page.next_token(); },
       [](v1::ListRecordsRequest& r, const std::string& token) { r.set_next_token(token); }});
}

StreamRange<v1::Dataset> CognitoSyncClient::ListAllDatasets(v1::ListDatasetsRequest request,
                                                            const CallOptions& call) {
  return internal::ListAll<v1::Dataset>(
      connection_, &CognitoSyncConnection::ListDatasets,
      internal::MergeCallOptions(defaults_, call), std::move(request),
      {[](v1::ListDatasetsResponse& page) { return page.mutable_datasets(); },
       [](const v1::ListDatasetsResponse& page) { return page.next_token(); },
       [](v1::ListDatasetsRequest& r, const std::string& token) { r.set_next_token(token); }});
}

}  // namespace awsfacade::client
