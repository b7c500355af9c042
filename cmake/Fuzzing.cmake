# AWSFACADE_FUZZ=ON: the libFuzzer build (tests/fuzz/, scripts/fuzz.sh).
# Configure with CC=clang-14 CXX=clang++-14 in a build directory of its own
# (build-fuzz). Every library of the project is compiled with ASan + UBSan
# and libFuzzer's coverage instrumentation, so the fuzzers see (and check)
# our code, not only the fuzz target; Debian's gRPC, Protobuf and Abseil stay
# uninstrumented. UBSan findings abort, so libFuzzer reports them as crashes.
option(AWSFACADE_FUZZ "Build the libFuzzer targets (clang only)" OFF)
if(AWSFACADE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "AWSFACADE_FUZZ needs clang: CC=clang-14 CXX=clang++-14 cmake ...")
  endif()
  set(AWSFACADE_SANITIZERS -fsanitize=address,undefined -fno-sanitize-recover=all)
  add_compile_options(${AWSFACADE_SANITIZERS} -fsanitize=fuzzer-no-link -fno-omit-frame-pointer)
  add_link_options(${AWSFACADE_SANITIZERS})
  # Only the fuzzers are wanted from this build directory.
  set(AWSFACADE_BUILD_BENCH OFF CACHE BOOL "" FORCE)
endif()
