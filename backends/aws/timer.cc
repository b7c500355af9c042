#include "backends/aws/timer.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <system_error>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace awsfacade::backends::aws {

// Shared by the Timer and its thread, so that a Timer destroyed from one of
// its own callbacks leaves the thread something to finish the queue on.
struct Timer::State {
  using Clock = std::chrono::steady_clock;

  void Loop() {
    absl::MutexLock lock(&mu);
    while (true) {
      if (queue.empty()) {
        if (stopping) return;
        changed.Wait(&mu);
        continue;
      }
      auto first = queue.begin();
      const Clock::time_point now = Clock::now();
      if (!stopping && first->first.first > now) {
        // Until the first due time, or earlier when something new comes.
        changed.WaitWithTimeout(&mu, absl::FromChrono(first->first.first - now));
        continue;
      }
      absl::AnyInvocable<void()&&> fn = std::move(first->second);
      queue.erase(first);
      mu.Unlock();
      std::move(fn)();  // never under the lock: it may call RunAfter
      fn = nullptr;     // whatever it holds goes before the lock is taken again
      mu.Lock();
    }
  }

  mutable absl::Mutex mu;
  // Ordered by due time, then by arrival (equal times run in FIFO order).
  std::map<std::pair<Clock::time_point, uint64_t>, absl::AnyInvocable<void() &&>> queue
      ABSL_GUARDED_BY(mu);
  absl::CondVar changed;  // the queue or `stopping` changed
  uint64_t arrivals ABSL_GUARDED_BY(mu) = 0;
  bool stopping ABSL_GUARDED_BY(mu) = false;
  std::thread thread;  // set once at Create
};

absl::StatusOr<std::shared_ptr<Timer>> Timer::Create() {
  auto state = std::make_shared<State>();
  try {
    // The thread keeps the state alive: it may outlive the Timer (see the
    // destructor).
    state->thread = std::thread([state] { state->Loop(); });
  } catch (const std::system_error& e) {
    return absl::InternalError(absl::StrCat("AWS backend timer thread: ", e.what()));
  }
  return std::shared_ptr<Timer>(new Timer(state));
}

Timer::~Timer() {
  {
    absl::MutexLock lock(&state_->mu);
    state_->stopping = true;
    state_->changed.Signal();
  }
  if (state_->thread.get_id() == std::this_thread::get_id()) {
    state_->thread.detach();  // the loop runs out the queue, then returns
  } else {
    state_->thread.join();
  }
}

void Timer::RunAfter(absl::Duration delay, absl::AnyInvocable<void() &&> fn) {
  const State::Clock::time_point when =
      State::Clock::now() + std::chrono::duration_cast<State::Clock::duration>(
                                absl::ToChronoNanoseconds(std::max(delay, absl::ZeroDuration())));
  absl::MutexLock lock(&state_->mu);
  state_->queue.emplace(std::make_pair(when, ++state_->arrivals), std::move(fn));
  state_->changed.Signal();
}

int Timer::pending() const {
  absl::MutexLock lock(&state_->mu);
  return static_cast<int>(state_->queue.size());
}

}  // namespace awsfacade::backends::aws
