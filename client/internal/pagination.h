#ifndef AWSFACADE_CLIENT_INTERNAL_PAGINATION_H_
#define AWSFACADE_CLIENT_INTERNAL_PAGINATION_H_

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "client/internal/call_context.h"
#include "client/stream_range.h"
#include "google/protobuf/repeated_field.h"

namespace awsfacade::client::internal {

// How one AWS listing pages: where the items are, which response member holds
// the token of the next page, and which request member takes it.
template <typename Request, typename Response, typename Item>
struct PageAccessors {
  std::function<google::protobuf::RepeatedPtrField<Item>*(Response&)> items;
  std::function<std::string(const Response&)> next_token;
  std::function<void(Request&, const std::string&)> set_token;
};

// The items of every page, fetched page by page as the range advances, each
// page through `call` (the connection, so retries apply per page) under the
// call options in force when the range was made. A page that hands back the
// token it was asked with ends the range with INTERNAL instead of looping.
template <typename Item, typename Request, typename Response>
StreamRange<Item> MakePaginationRange(Request request,
                                      std::function<absl::StatusOr<Response>(const Request&)> call,
                                      PageAccessors<Request, Response, Item> accessors) {
  struct State {
    Request request;
    std::function<absl::StatusOr<Response>(const Request&)> call;
    PageAccessors<Request, Response, Item> accessors;
    std::deque<Item> buffer;
    std::string token;
    bool last_page = false;
    CallState call_state;
  };
  auto state = std::make_shared<State>();
  state->request = std::move(request);
  state->call = std::move(call);
  state->accessors = std::move(accessors);
  state->call_state = CurrentCallState();
  return StreamRange<Item>([state]() -> absl::variant<absl::Status, Item> {
    while (state->buffer.empty()) {
      if (state->last_page) return absl::OkStatus();
      CallStateSpan span(state->call_state);
      absl::StatusOr<Response> page = state->call(state->request);
      if (!page.ok()) return page.status();
      for (auto& item : *state->accessors.items(*page)) state->buffer.push_back(std::move(item));
      std::string next = state->accessors.next_token(*page);
      if (next.empty()) {
        state->last_page = true;
      } else if (next == state->token) {
        return absl::InternalError(absl::StrCat("the server repeated the page token ", next));
      } else {
        state->token = next;
        state->accessors.set_token(state->request, next);
      }
    }
    Item item = std::move(state->buffer.front());
    state->buffer.pop_front();
    return item;
  });
}

// A client's ListAll* method: the pages of `rpc` on `connection`, under the
// client's merged call options.
template <typename Item, typename Connection, typename Request, typename Response>
StreamRange<Item> ListAll(std::shared_ptr<Connection> connection,
                          absl::StatusOr<Response> (Connection::*rpc)(const Request&),
                          const CallOptions& options, Request request,
                          PageAccessors<Request, Response, Item> accessors) {
  CallStateSpan span({options, {}});
  return MakePaginationRange<Item, Request, Response>(
      std::move(request), [connection, rpc](const Request& r) { return ((*connection).*rpc)(r); },
      std::move(accessors));
}

}  // namespace awsfacade::client::internal

#endif  // AWSFACADE_CLIENT_INTERNAL_PAGINATION_H_
