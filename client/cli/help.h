#ifndef AWSFACADE_CLIENT_CLI_HELP_H_
#define AWSFACADE_CLIENT_CLI_HELP_H_

#include <string>

#include "absl/strings/string_view.h"

namespace awsfacade::client::cli {

// The proto comment (leading comments, joined into one paragraph) of a
// service, method ("pkg.Service.Method") or field ("pkg.Message.field"), from
// the descriptor set embedded at build time; empty when there is none.
std::string CommentOf(absl::string_view full_name);

// The first sentence of `comment`, at most `max_length` characters.
std::string FirstSentence(absl::string_view comment, size_t max_length = 90);

// `text` wrapped at `width` columns, each line indented by `indent` spaces.
std::string Wrap(absl::string_view text, size_t indent, size_t width = 100);

}  // namespace awsfacade::client::cli

#endif  // AWSFACADE_CLIENT_CLI_HELP_H_
