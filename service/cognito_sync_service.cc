#include "service/cognito_sync_service.h"

#include "service/wire_copy.h"

namespace awsfacade::service {
namespace cognitosync = ::aws::cognitosync::v1;

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
    : backend_(std::move(backend)),
      chain_(backends::ChainOf(backend_)),
      handler_{executor, timers, kDomain, authz} {}

grpc::ServerWriteReactor<cognitosync::PaginateListRecordsResponse>*
CognitoSyncService::PaginateListRecords(grpc::CallbackServerContext* context,
                                        const cognitosync::PaginateListRecordsRequest* request) {
  if (absl::Status allowed = Authorize(handler_, *context, *request); !allowed.ok()) {
    return new RefusedStream<cognitosync::PaginateListRecordsResponse>(
        ToGrpcStatus(allowed, handler_.domain));
  }
  return new PageStreamReactor<cognitosync::PaginateListRecordsResponse>(
      handler_, FollowNextToken<cognitosync::ListRecordsRequest, cognitosync::ListRecordsResponse,
                                cognitosync::PaginateListRecordsResponse>(
                    WireCopy<cognitosync::ListRecordsRequest>(*request),
                    [backend = backend_](const cognitosync::ListRecordsRequest& r) {
                      return backend->ListRecords(r);
                    }));
}

grpc::ServerWriteReactor<cognitosync::PaginateListDatasetsResponse>*
CognitoSyncService::PaginateListDatasets(grpc::CallbackServerContext* context,
                                         const cognitosync::PaginateListDatasetsRequest* request) {
  if (absl::Status allowed = Authorize(handler_, *context, *request); !allowed.ok()) {
    return new RefusedStream<cognitosync::PaginateListDatasetsResponse>(
        ToGrpcStatus(allowed, handler_.domain));
  }
  return new PageStreamReactor<cognitosync::PaginateListDatasetsResponse>(
      handler_, FollowNextToken<cognitosync::ListDatasetsRequest, cognitosync::ListDatasetsResponse,
                                cognitosync::PaginateListDatasetsResponse>(
                    WireCopy<cognitosync::ListDatasetsRequest>(*request),
                    [backend = backend_](const cognitosync::ListDatasetsRequest& r) {
                      return backend->ListDatasets(r);
                    }));
}

}  // namespace awsfacade::service
