#ifndef AWSFACADE_TESTS_FUZZ_FUZZ_UTIL_H_
#define AWSFACADE_TESTS_FUZZ_FUZZ_UTIL_H_

// Small helpers shared by the fuzz targets (tests/fuzz/*_fuzzer.cc).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace awsfacade::fuzz {

// A property the target checks. Failing aborts, which libFuzzer reports as a
// crash and the corpus test as a failure.
#define AWSFACADE_FUZZ_CHECK(cond, what)                                                    \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s: %s\n", __FILE__, __LINE__, #cond, \
                   std::string(what).c_str());                                              \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)

// True when AWSFACADE_FUZZ_DEBUG is set: targets then print what each
// input did (for triage and for checking that seeds reach deep paths).
inline bool Debug() {
  static const bool debug = std::getenv("AWSFACADE_FUZZ_DEBUG") != nullptr;
  return debug;
}

inline absl::string_view AsView(const uint8_t* data, size_t size) {
  return size == 0 ? absl::string_view()
                   : absl::string_view(reinterpret_cast<const char*>(data), size);
}

// Splits off the first line ("selector\nrest"). Without '\n', all of the
// input is the selector and the rest is empty.
inline absl::string_view TakeLine(absl::string_view* input) {
  size_t nl = input->find('\n');
  absl::string_view line = input->substr(0, nl);
  input->remove_prefix(nl == absl::string_view::npos ? input->size() : nl + 1);
  return line;
}

// Picks one of `count` choices: the choice named exactly `selector` when
// there is one (so seed files say what they test), else one chosen by a
// hash of the selector (so mutated selectors still reach every choice).
inline size_t Choose(absl::string_view selector, const std::vector<std::string>& names) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == selector) return i;
  }
  uint32_t h = 2166136261u;  // FNV-1a
  for (char c : selector) h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
  return names.empty() ? 0 : h % names.size();
}

}  // namespace awsfacade::fuzz

#endif  // AWSFACADE_TESTS_FUZZ_FUZZ_UTIL_H_
