// Self-check of absl_tsan_shim.cc, run by scripts/sanitize.sh tsan before
// the tests: "locked" shares a counter under an absl::Mutex (and hands a
// value over through CondVar and Notification), which TSan must accept with
// the shim linked in and report without it; "unlocked" writes the counter
// without the lock, which TSan must report even with the shim (it must not
// hide real races).
#include <cstring>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

namespace {

absl::Mutex mu;
absl::CondVar cv;
int counter = 0;  // guarded by mu (except in "unlocked" mode)
bool ready = false;
int handed_over = 0;

void Add(bool locked) {
  for (int i = 0; i < 1000; ++i) {
    if (locked) {
      absl::MutexLock lock(&mu);
      ++counter;
    } else {
      ++counter;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const bool locked = argc > 1 && std::strcmp(argv[1], "locked") == 0;
  std::thread a(Add, locked), b(Add, true);
  a.join();
  b.join();

  int value = 0;
  std::thread consumer([&] {
    absl::MutexLock lock(&mu);
    while (!ready) cv.Wait(&mu);
    value = handed_over;
  });
  {
    absl::MutexLock lock(&mu);
    handed_over = 42;
    ready = true;
  }
  cv.Signal();
  consumer.join();

  int payload = 0;
  absl::Notification done;
  std::thread producer([&] {
    payload = 7;
    done.Notify();
  });
  done.WaitForNotification();
  const int seen = payload;
  producer.join();
  return value == 42 && seen == 7 ? 0 : 3;
}
