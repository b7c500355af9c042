#ifndef AWSFACADE_APP_COMMAND_LINE_H_
#define AWSFACADE_APP_COMMAND_LINE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace awsfacade::app {

// Checks a command line against the flags linked into the program before
// absl parses it, so that a mistake is one clear line and exit code 2
// instead of absl's exit 1: an unknown flag is InvalidArgument naming the
// closest known one ("unknown flag --lisen; did you mean --listen?"), a value
// that does not parse is InvalidArgument naming the flag and why. Accepts
// absl's forms: --name=value, --name value (non-boolean flags), --name and
// --noname (booleans), one or two dashes, and "--" ending the flags. absl's
// own flags (--help, --helpfull, --flagfile, ...) pass.
absl::Status CheckCommandLine(int argc, const char* const* argv);

// True when the command line asks for help (--help, --helpfull, --helpshort,
// one dash or two), before "--".
bool WantsHelp(int argc, const char* const* argv);

// `usage`, then every flag defined in a file whose path ends with
// `file_suffix`, sorted: "  --name=DEFAULT" and its help text, wrapped.
std::string FlagsHelp(absl::string_view usage, absl::string_view file_suffix);

// The known name closest to `name` by edit distance, or "" when none is
// close enough to be a likely typo (at most a third of the name's length,
// and at least 2 edits allowed).
std::string ClosestName(absl::string_view name, const std::vector<std::string>& known);

}  // namespace awsfacade::app

#endif  // AWSFACADE_APP_COMMAND_LINE_H_
