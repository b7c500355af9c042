#include "service/cognito_sync_service.h"

#include "service/wire_copy.h"

namespace awsfacade::service {
namespace v1 = ::aws::cognitosync::v1;

namespace {
constexpr char kDomain[] = "cognito-sync";

// Follows the service's NextToken: the next page each call, nullopt after
// the last one.
template <typename Request, typename Response, typename PageOut, typename Fetch>
typename PageStreamReactor<PageOut>::NextFn FollowNextToken(Request request, Fetch fetch) {
  return [request = std::move(request), fetch = std::move(fetch),
          done = false]() mutable -> absl::StatusOr<std::optional<PageOut>> {
    if (done) return std::nullopt;
    absl::StatusOr<Response> page = fetch(request);
    if (!page.ok()) return page.status();
    done = page->next_token().empty();
    request.set_next_token(page->next_token());
    return WireCopy<PageOut>(*page);
  };
}
}  // namespace

CognitoSyncService::CognitoSyncService(std::shared_ptr<backends::CognitoSyncBackend> backend,
                                       Executor* executor, Scheduler* timers,
                                       const Authorizer* authz)
    : backend_(std::move(backend)), handler_{executor, timers, kDomain, authz} {}

grpc::ServerWriteReactor<v1::PaginateListRecordsResponse>* CognitoSyncService::PaginateListRecords(
    grpc::CallbackServerContext* context, const v1::PaginateListRecordsRequest* request) {
  if (absl::Status allowed = Authorize(handler_, *context, *request); !allowed.ok()) {
    return new RefusedStream<v1::PaginateListRecordsResponse>(
        ToGrpcStatus(allowed, handler_.domain));
  }
  return new PageStreamReactor<v1::PaginateListRecordsResponse>(
      handler_, FollowNextToken<v1::ListRecordsRequest, v1::ListRecordsResponse,
                                v1::PaginateListRecordsResponse>(
                    WireCopy<v1::ListRecordsRequest>(*request),
                    [backend = backend_](const v1::ListRecordsRequest& r) {
                      return backend->ListRecords(r);
                    }));
}

grpc::ServerWriteReactor<v1::PaginateListDatasetsResponse>*
CognitoSyncService::PaginateListDatasets(grpc::CallbackServerContext* context,
                                         const v1::PaginateListDatasetsRequest* request) {
  if (absl::Status allowed = Authorize(handler_, *context, *request); !allowed.ok()) {
    return new RefusedStream<v1::PaginateListDatasetsResponse>(
        ToGrpcStatus(allowed, handler_.domain));
  }
  return new PageStreamReactor<v1::PaginateListDatasetsResponse>(
      handler_, FollowNextToken<v1::ListDatasetsRequest, v1::ListDatasetsResponse,
                                v1::PaginateListDatasetsResponse>(
                    WireCopy<v1::ListDatasetsRequest>(*request),
                    [backend = backend_](const v1::ListDatasetsRequest& r) {
                      return backend->ListDatasets(r);
                    }));
}

}  // namespace awsfacade::service
