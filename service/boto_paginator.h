#ifndef AWSFACADE_SERVICE_BOTO_PAGINATOR_H_
#define AWSFACADE_SERVICE_BOTO_PAGINATOR_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace awsfacade::service {

// One run of botocore's PageIterator for an operation with a single input
// token (docs/aws-semantics.md §6.2): MaxItems across pages, a StartingToken in
// botocore's format (base64 JSON, or the legacy "token___skip" form), and
// the resume token botocore hands back when MaxItems stops a run. The caller
// fetches pages; this class decides what to send and what to yield.
class BotoPaginator {
 public:
  // InvalidNextTokenException (field PaginationConfig.StartingToken) for a
  // starting token botocore would reject.
  static absl::StatusOr<BotoPaginator> Create(absl::string_view token_name,
                                              std::optional<int> max_items,
                                              absl::string_view starting_token);

  // The service token to put in the next request; nullopt = none.
  const std::optional<std::string>& request_token() const { return request_token_; }
  bool done() const { return done_; }

  // What to yield of a page the service returned.
  struct Slice {
    int begin = 0;             // first item of the page to yield
    int end = 0;               // one past the last
    std::string resume_token;  // non-empty only on the last page of a run cut by MaxItems
  };
  // Feeds the page just fetched (for request_token()). After it, either
  // done() or request_token() names the next page. An error when the service
  // repeats a token (botocore's PaginationError).
  absl::StatusOr<Slice> OnPage(int item_count, absl::string_view service_next_token);

  // botocore's TokenEncoder for {token_name: token, boto_truncate_amount: n}
  // (n < 0: no truncate amount). Exposed for tests.
  static std::string EncodeToken(absl::string_view token_name,
                                 const std::optional<std::string>& token, int truncate_amount);

 private:
  BotoPaginator(std::string token_name, std::optional<int> max_items,
                std::optional<std::string> token, int skip, bool has_starting_token)
      : token_name_(std::move(token_name)),
        max_items_(max_items),
        request_token_(std::move(token)),
        skip_(skip),
        has_starting_token_(has_starting_token) {}

  std::string token_name_;
  std::optional<int> max_items_;
  std::optional<std::string> request_token_;  // botocore's next_token (fetched the current page)
  std::optional<std::optional<std::string>> previous_;  // previous_next_token
  int skip_ = 0;
  bool has_starting_token_ = false;
  bool first_ = true;
  bool done_ = false;
  int total_ = 0;
};

}  // namespace awsfacade::service

#endif  // AWSFACADE_SERVICE_BOTO_PAGINATOR_H_
