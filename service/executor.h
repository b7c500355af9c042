#ifndef AWSFACADE_SERVICE_EXECUTOR_H_
#define AWSFACADE_SERVICE_EXECUTOR_H_

#include <cstddef>
#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace awsfacade::service {

// Where backend calls run. gRPC callback reactions must not block, so a
// backend that does I/O (real AWS) gets a thread pool; the in-memory
// simulator answers in microseconds and runs inline.
class Executor {
 public:
  virtual ~Executor() = default;
  // Runs `fn` now or later, exactly once.
  virtual void Run(absl::AnyInvocable<void() &&> fn) = 0;
};

class InlineExecutor final : public Executor {
 public:
  void Run(absl::AnyInvocable<void() &&> fn) override { std::move(fn)(); }
};

// A fixed pool of threads; the destructor drains the queue and joins.
class ThreadPoolExecutor final : public Executor {
 public:
  explicit ThreadPoolExecutor(std::size_t threads);
  ~ThreadPoolExecutor() override;
  void Run(absl::AnyInvocable<void() &&> fn) override;

 private:
  void Loop();

  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace awsfacade::service

#endif  // AWSFACADE_SERVICE_EXECUTOR_H_
