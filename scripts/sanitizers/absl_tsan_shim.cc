// Makes Debian's Abseil synchronisation visible to ThreadSanitizer.
//
// Debian builds libabsl_synchronization without -fsanitize=thread, so the
// annotations Abseil carries for TSan (ABSL_TSAN_MUTEX_*) are compiled out of
// absl::Mutex, absl::CondVar and absl::Notification, and TSan sees no
// happens-before edge through them: every ABSL_GUARDED_BY member reads as a
// race. scripts/sanitize.sh links this file into the TSan test binaries
// (with -rdynamic). Its definitions of the exported methods take precedence
// over the shared library's, for our code and for the libraries' own calls
// through the PLT (gRPC's Mutex is absl::Mutex); each forwards to the real
// method (dlsym RTLD_NEXT) between the same __tsan_mutex_* annotations that
// Abseil itself makes when it is built for TSan. Only for the TSan build:
// it is compiled nowhere else.
#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace {

#define SHIM_STRINGIFY2(x) #x
#define SHIM_STRINGIFY(x) SHIM_STRINGIFY2(x)

// The real definition of a method: `head` is "_ZN4absl" (or "_ZNK4absl" for
// a const method), `tail` the mangled rest after the installed Abseil's
// inline namespace (Debian's is "debian3").
template <typename Fn>
Fn Real(const char* head, const char* tail) {
  const std::string ns = SHIM_STRINGIFY(ABSL_OPTION_INLINE_NAMESPACE_NAME);
  const std::string symbol = head + std::to_string(ns.size()) + ns + tail;
  void* address = dlsym(RTLD_NEXT, symbol.c_str());
  if (address == nullptr) {
    std::fprintf(stderr, "absl_tsan_shim: %s not found: %s\n", symbol.c_str(), dlerror());
    std::abort();
  }
  return reinterpret_cast<Fn>(address);
}

using LockFn = void (*)(absl::Mutex*);
using TryLockFn = bool (*)(absl::Mutex*);
using CondFn = void (*)(absl::Mutex*, const absl::Condition&);
using CondTimeoutFn = bool (*)(absl::Mutex*, const absl::Condition&, absl::Duration);
using CondDeadlineFn = bool (*)(absl::Mutex*, const absl::Condition&, absl::Time);
using WaitFn = void (*)(absl::CondVar*, absl::Mutex*);
using WaitTimeoutFn = bool (*)(absl::CondVar*, absl::Mutex*, absl::Duration);
using WaitDeadlineFn = bool (*)(absl::CondVar*, absl::Mutex*, absl::Time);
using NotifyFn = void (*)(absl::Notification*);
using WaitNotificationFn = void (*)(const absl::Notification*);
using WaitNotificationTimeoutFn = bool (*)(const absl::Notification*, absl::Duration);
using WaitNotificationDeadlineFn = bool (*)(const absl::Notification*, absl::Time);

// A wait that releases `mu` and takes it again before it returns (CondVar,
// Await): TSan is told of the release before and of the acquisition after.
// In between, this thread's accesses are ignored (the pre-unlock annotation
// begins that): Abseil evaluates the waiter's Condition inside the call,
// with the mutex held though no annotation says so.
void BeforeWait(absl::Mutex* mu) { __tsan_mutex_pre_unlock(mu, 0); }
void AfterWait(absl::Mutex* mu) {
  __tsan_mutex_post_unlock(mu, 0);
  __tsan_mutex_pre_lock(mu, 0);
  __tsan_mutex_post_lock(mu, 0, 0);
}

// HasBeenNotified() is inline: an acquire load of the notification's flag,
// the member after its mutex. Notify releases on that address so the load
// (instrumented in our code) synchronises with it.
void* NotifiedFlag(const absl::Notification* n) {
  static_assert(sizeof(absl::Notification) >= sizeof(absl::Mutex) + 1,
                "absl::Notification is a Mutex followed by an atomic flag");
  return const_cast<char*>(reinterpret_cast<const char*>(n)) + sizeof(absl::Mutex);
}

// The library's methods call each other through the PLT, so they reach these
// wrappers again (CondVar::WaitWithTimeout calls WaitWithDeadline,
// Notification calls Mutex::LockWhen): only the outermost call of a thread
// annotates.
thread_local int nesting = 0;
struct Nesting {
  Nesting() : outer(nesting++ == 0) {}
  ~Nesting() { --nesting; }
  const bool outer;
};

}  // namespace

// The real method, looked up on first use (a function-local static).
#define SHIM_REAL(type, head, tail)                  \
  ([] {                                              \
    static const type real = Real<type>(head, tail); \
    return real;                                     \
  }())

namespace absl {
ABSL_NAMESPACE_BEGIN

void Mutex::Lock() {
  Nesting n;
  if (n.outer) __tsan_mutex_pre_lock(this, 0);
  SHIM_REAL(LockFn, "_ZN4absl", "5Mutex4LockEv")(this);
  if (n.outer) __tsan_mutex_post_lock(this, 0, 0);
}

void Mutex::ReaderLock() {
  Nesting n;
  if (n.outer) __tsan_mutex_pre_lock(this, __tsan_mutex_read_lock);
  SHIM_REAL(LockFn, "_ZN4absl", "5Mutex10ReaderLockEv")(this);
  if (n.outer) __tsan_mutex_post_lock(this, __tsan_mutex_read_lock, 0);
}

bool Mutex::TryLock() {
  Nesting n;
  if (n.outer) __tsan_mutex_pre_lock(this, __tsan_mutex_try_lock);
  bool locked = SHIM_REAL(TryLockFn, "_ZN4absl", "5Mutex7TryLockEv")(this);
  if (n.outer)
    __tsan_mutex_post_lock(this, locked ? __tsan_mutex_try_lock : __tsan_mutex_try_lock_failed, 0);
  return locked;
}

bool Mutex::ReaderTryLock() {
  Nesting n;
  if (n.outer) __tsan_mutex_pre_lock(this, __tsan_mutex_try_read_lock);
  bool locked = SHIM_REAL(TryLockFn, "_ZN4absl", "5Mutex13ReaderTryLockEv")(this);
  if (n.outer)
    __tsan_mutex_post_lock(
        this, locked ? __tsan_mutex_try_read_lock : __tsan_mutex_try_read_lock_failed, 0);
  return locked;
}

void Mutex::Unlock() {
  Nesting n;
  if (n.outer) __tsan_mutex_pre_unlock(this, 0);
  SHIM_REAL(LockFn, "_ZN4absl", "5Mutex6UnlockEv")(this);
  if (n.outer) __tsan_mutex_post_unlock(this, 0);
}

void Mutex::ReaderUnlock() {
  Nesting n;
  if (n.outer) __tsan_mutex_pre_unlock(this, __tsan_mutex_read_lock);
  SHIM_REAL(LockFn, "_ZN4absl", "5Mutex12ReaderUnlockEv")(this);
  if (n.outer) __tsan_mutex_post_unlock(this, __tsan_mutex_read_lock);
}

void Mutex::LockWhen(const Condition& cond) {
  Nesting n;
  if (n.outer) __tsan_mutex_pre_lock(this, 0);
  SHIM_REAL(CondFn, "_ZN4absl", "5Mutex8LockWhenERKNS0_9ConditionE")(this, cond);
  if (n.outer) __tsan_mutex_post_lock(this, 0, 0);
}

void Mutex::ReaderLockWhen(const Condition& cond) {
  Nesting n;
  if (n.outer) __tsan_mutex_pre_lock(this, __tsan_mutex_read_lock);
  SHIM_REAL(CondFn, "_ZN4absl", "5Mutex14ReaderLockWhenERKNS0_9ConditionE")(this, cond);
  if (n.outer) __tsan_mutex_post_lock(this, __tsan_mutex_read_lock, 0);
}

bool Mutex::LockWhenWithTimeout(const Condition& cond, Duration timeout) {
  Nesting n;
  if (n.outer) __tsan_mutex_pre_lock(this, 0);
  bool met =
      SHIM_REAL(CondTimeoutFn, "_ZN4absl",
                "5Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE")(this, cond, timeout);
  if (n.outer) __tsan_mutex_post_lock(this, 0, 0);
  return met;
}

bool Mutex::LockWhenWithDeadline(const Condition& cond, Time deadline) {
  Nesting n;
  if (n.outer) __tsan_mutex_pre_lock(this, 0);
  bool met =
      SHIM_REAL(CondDeadlineFn, "_ZN4absl",
                "5Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE")(this, cond, deadline);
  if (n.outer) __tsan_mutex_post_lock(this, 0, 0);
  return met;
}

void Mutex::Await(const Condition& cond) {
  Nesting n;
  if (n.outer) BeforeWait(this);
  SHIM_REAL(CondFn, "_ZN4absl", "5Mutex5AwaitERKNS0_9ConditionE")(this, cond);
  if (n.outer) AfterWait(this);
}

bool Mutex::AwaitWithTimeout(const Condition& cond, Duration timeout) {
  Nesting n;
  if (n.outer) BeforeWait(this);
  bool met =
      SHIM_REAL(CondTimeoutFn, "_ZN4absl",
                "5Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE")(this, cond, timeout);
  if (n.outer) AfterWait(this);
  return met;
}

bool Mutex::AwaitWithDeadline(const Condition& cond, Time deadline) {
  Nesting n;
  if (n.outer) BeforeWait(this);
  bool met =
      SHIM_REAL(CondDeadlineFn, "_ZN4absl",
                "5Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE")(this, cond, deadline);
  if (n.outer) AfterWait(this);
  return met;
}

void CondVar::Wait(Mutex* mu) {
  Nesting n;
  if (n.outer) BeforeWait(mu);
  SHIM_REAL(WaitFn, "_ZN4absl", "7CondVar4WaitEPNS0_5MutexE")(this, mu);
  if (n.outer) AfterWait(mu);
}

bool CondVar::WaitWithTimeout(Mutex* mu, Duration timeout) {
  Nesting n;
  if (n.outer) BeforeWait(mu);
  bool timed_out =
      SHIM_REAL(WaitTimeoutFn, "_ZN4absl", "7CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE")(
          this, mu, timeout);
  if (n.outer) AfterWait(mu);
  return timed_out;
}

bool CondVar::WaitWithDeadline(Mutex* mu, Time deadline) {
  Nesting n;
  if (n.outer) BeforeWait(mu);
  bool timed_out =
      SHIM_REAL(WaitDeadlineFn, "_ZN4absl", "7CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE")(
          this, mu, deadline);
  if (n.outer) AfterWait(mu);
  return timed_out;
}

void Notification::Notify() {
  Nesting n;
  if (n.outer) __tsan_release(NotifiedFlag(this));
  SHIM_REAL(NotifyFn, "_ZN4absl", "12Notification6NotifyEv")(this);
}

void Notification::WaitForNotification() const {
  Nesting n;
  SHIM_REAL(WaitNotificationFn, "_ZNK4absl", "12Notification19WaitForNotificationEv")(this);
  if (n.outer) __tsan_acquire(NotifiedFlag(this));
}

bool Notification::WaitForNotificationWithTimeout(Duration timeout) const {
  Nesting n;
  bool notified =
      SHIM_REAL(WaitNotificationTimeoutFn, "_ZNK4absl",
                "12Notification30WaitForNotificationWithTimeoutENS0_8DurationE")(this, timeout);
  if (n.outer) __tsan_acquire(NotifiedFlag(this));
  return notified;
}

bool Notification::WaitForNotificationWithDeadline(Time deadline) const {
  Nesting n;
  bool notified =
      SHIM_REAL(WaitNotificationDeadlineFn, "_ZNK4absl",
                "12Notification31WaitForNotificationWithDeadlineENS0_4TimeE")(this, deadline);
  if (n.outer) __tsan_acquire(NotifiedFlag(this));
  return notified;
}

ABSL_NAMESPACE_END
}  // namespace absl
