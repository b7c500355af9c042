#include "service/personalize_service.h"

#include "service/boto_paginator.h"

namespace awsfacade::service {
namespace personalize = ::aws::personalize::v1;

namespace {
constexpr char kPersonalizeDomain[] = "personalize";
constexpr char kTokenName[] = "nextToken";
}  // namespace

PersonalizeService::PersonalizeService(std::shared_ptr<backends::PersonalizeBackend> backend,
                                       Executor* executor, Scheduler* timers,
                                       const Authorizer* authz)
    : backend_(std::move(backend)),
      chain_(backends::ChainOf(backend_)),
      handler_{executor, timers, kPersonalizeDomain, authz} {}

grpc::ServerWriteReactor<personalize::PaginateListDatasetsResponse>*
PersonalizeService::PaginateListDatasets(grpc::CallbackServerContext* context,
                                         const personalize::PaginateListDatasetsRequest* request) {
  if (absl::Status allowed = Authorize(handler_, *context, *request); !allowed.ok()) {
    return new RefusedStream<personalize::PaginateListDatasetsResponse>(
        ToGrpcStatus(allowed, handler_.domain));
  }
  const personalize::PaginationConfig& config = request->pagination_config();
  std::optional<int> max_items;
  if (config.has_max_items()) max_items = config.max_items();
  absl::StatusOr<BotoPaginator> paginator =
      BotoPaginator::Create(kTokenName, max_items, config.starting_token());

  personalize::ListDatasetsRequest list;
  list.set_dataset_group_arn(request->dataset_group_arn());
  if (config.has_page_size()) list.set_max_results(config.page_size());

  using Page = personalize::PaginateListDatasetsResponse;
  return new PageStreamReactor<Page>(
      handler_,
      [paginator = std::move(paginator), list = std::move(list),
       backend = backend_]() mutable -> absl::StatusOr<std::optional<Page>> {
        if (!paginator.ok()) return paginator.status();
        if (paginator->done()) return std::nullopt;
        list.set_next_token(paginator->request_token().value_or(""));
        absl::StatusOr<personalize::ListDatasetsResponse> page = backend->ListDatasets(list);
        if (!page.ok()) return page.status();
        auto slice = paginator->OnPage(page->datasets_size(), page->next_token());
        if (!slice.ok()) return slice.status();
        Page out;
        for (int i = slice->begin; i < slice->end; ++i) *out.add_datasets() = page->datasets(i);
        out.set_next_token(page->next_token());
        out.set_resume_token(slice->resume_token);
        return out;
      });
}

}  // namespace awsfacade::service
