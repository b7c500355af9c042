// Runs a fuzz target over its seed corpus without libFuzzer: the regression
// test of every tests/fuzz/<name>_fuzzer.cc in the normal build.
//
//   fuzz_corpus_<name> <file or directory>...
//
// Feeds every regular file (directories are walked recursively, in sorted
// order) to LLVMFuzzerTestOneInput once. A target reports a finding by
// crashing or aborting, which fails the test; exit code 1 when no input was
// found at all (an empty corpus is a mistake, not a pass).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

namespace fs = std::filesystem;

void Collect(const fs::path& path, std::vector<fs::path>* files) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::recursive_directory_iterator(path)) {
      if (entry.is_regular_file()) files->push_back(entry.path());
    }
  } else if (fs::is_regular_file(path, ec)) {
    files->push_back(path);
  } else {
    std::fprintf(stderr, "corpus_driver: %s is neither a file nor a directory\n", path.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) Collect(argv[i], &files);
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "corpus_driver: no input files\n");
    return 1;
  }
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::fprintf(stderr, "running %s (%zu bytes)\n", file.c_str(), bytes.size());
    // A copy of exactly `size` bytes, so reading past the input is visible
    // to a sanitizer build as it is under libFuzzer.
    std::vector<uint8_t> input(bytes.begin(), bytes.end());
    LLVMFuzzerTestOneInput(input.empty() ? nullptr : input.data(), input.size());
  }
  std::fprintf(stderr, "corpus_driver: %zu inputs ran\n", files.size());
  return 0;
}
