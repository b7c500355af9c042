#include "app/command_line.h"

#include <algorithm>
#include <cstddef>

#include "absl/container/flat_hash_set.h"
#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace awsfacade::app {
namespace {

// Flags absl handles itself (usage, flag files, environment).
const absl::flat_hash_set<absl::string_view>& BuiltinFlags() {
  static const auto* const kBuiltins = new absl::flat_hash_set<absl::string_view>{
      "help",      "helpfull",   "helpshort",       "helppackage",
      "helpmatch", "version",    "only_check_args", "flagfile",
      "fromenv",   "tryfromenv", "undefok"};
  return *kBuiltins;
}

size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::vector<std::string> KnownNames() {
  std::vector<std::string> names;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (!flag->IsRetired()) names.emplace_back(name);
  }
  for (absl::string_view builtin : BuiltinFlags()) names.emplace_back(builtin);
  std::sort(names.begin(), names.end());  // ties go to the first in order: stable output
  return names;
}

absl::Status Unknown(absl::string_view name) {
  const std::string closest = ClosestName(name, KnownNames());
  return absl::InvalidArgumentError(
      absl::StrCat("unknown flag --", name,
                   closest.empty() ? "" : absl::StrCat("; did you mean --", closest, "?"),
                   " (--help lists the flags)"));
}

}  // namespace

bool WantsHelp(int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg == "--help" || arg == "-help" || arg == "--helpfull" || arg == "-helpfull" ||
        arg == "--helpshort" || arg == "-helpshort") {
      return true;
    }
  }
  return false;
}

std::string FlagsHelp(absl::string_view usage, absl::string_view file_suffix) {
  std::vector<const absl::CommandLineFlag*> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (!flag->IsRetired() && absl::EndsWith(flag->Filename(), file_suffix)) flags.push_back(flag);
  }
  std::sort(flags.begin(), flags.end(),
            [](const auto* a, const auto* b) { return a->Name() < b->Name(); });
  std::string out =
      absl::StrCat(usage, "\n\nFlags (--name=value; booleans also --name and --noname):\n");
  constexpr size_t kWidth = 100;
  for (const absl::CommandLineFlag* flag : flags) {
    const std::string value = flag->DefaultValue();
    absl::StrAppend(&out, "  --", flag->Name(), "=", value.empty() ? "\"\"" : value, "\n");
    // The help text, wrapped at word boundaries and indented.
    std::string line = "      ";
    for (absl::string_view word : absl::StrSplit(flag->Help(), ' ', absl::SkipEmpty())) {
      if (line.size() + word.size() + 1 > kWidth && line.size() > 6) {
        absl::StrAppend(&out, line, "\n");
        line = "      ";
      }
      absl::StrAppend(&line, line.size() > 6 ? " " : "", word);
    }
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

std::string ClosestName(absl::string_view name, const std::vector<std::string>& known) {
  const size_t allowed = std::max<size_t>(2, name.size() / 3);
  std::string best;
  size_t best_distance = allowed + 1;
  for (const std::string& candidate : known) {
    const size_t d = EditDistance(name, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

absl::Status CheckCommandLine(int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;                         // the rest are not flags
    if (arg.size() < 2 || arg[0] != '-') continue;  // a positional argument
    arg.remove_prefix(absl::StartsWith(arg, "--") ? 2 : 1);
    const size_t eq = arg.find('=');
    const absl::string_view name = arg.substr(0, eq);
    const bool has_value = eq != absl::string_view::npos;
    if (BuiltinFlags().contains(name)) {
      if (!has_value && (name == "flagfile" || name == "fromenv" || name == "tryfromenv" ||
                         name == "undefok" || name == "helpmatch")) {
        ++i;  // their value is the next word
      }
      continue;
    }
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr && !has_value && absl::StartsWith(name, "no")) {
      // --nofoo sets the boolean foo to false.
      absl::CommandLineFlag* negated = absl::FindCommandLineFlag(name.substr(2));
      if (negated != nullptr && negated->IsOfType<bool>()) continue;
    }
    if (flag == nullptr || flag->IsRetired()) return Unknown(name);
    std::string value;
    if (has_value) {
      value = std::string(arg.substr(eq + 1));
    } else if (flag->IsOfType<bool>()) {
      continue;  // --foo alone sets a boolean
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat("flag --", name, " needs a value"));
    }
    // Parsing sets the flag; absl parses the same value again right after.
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, "=", value, ": ", error.empty() ? "not a valid value" : error));
    }
  }
  return absl::OkStatus();
}

}  // namespace awsfacade::app
