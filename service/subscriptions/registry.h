#ifndef AWSFACADE_SERVICE_SUBSCRIPTIONS_REGISTRY_H_
#define AWSFACADE_SERVICE_SUBSCRIPTIONS_REGISTRY_H_

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace awsfacade::service::subscriptions {

// What the registry asks of an open subscription at shutdown.
class Stoppable {
 public:
  virtual ~Stoppable() = default;
  // End soon (with UNAVAILABLE and a final token), then be Released.
  virtual void Stop() = 0;
};

// The engine's open subscriptions: admission against the global and
// per-caller caps, and shutdown. Holds each open subscription (strongly)
// until it is Released. Thread-safe.
class SubscriptionRegistry {
 public:
  // max_per_caller <= 0: only the global cap.
  SubscriptionRegistry(int max_subscriptions, int max_per_caller)
      : max_subscriptions_(max_subscriptions), max_per_caller_(max_per_caller) {}

  // Opens `subscription` for `caller`: ResourceExhausted past either cap
  // (the message names it), Unavailable once StopAll has begun.
  absl::Status Admit(std::shared_ptr<Stoppable> subscription, const std::string& caller);
  // Closes it; false when it was not open (never admitted, or released).
  bool Release(Stoppable* subscription);
  // Refuses new subscriptions, Stops every open one (no lock held), and
  // returns when all are Released or `grace` has passed.
  void StopAll(absl::Duration grace);
  // Drops what is still open (the engine's last step, once nothing runs).
  void Clear();
  int open() const;

 private:
  struct Admitted {
    std::shared_ptr<Stoppable> subscription;
    std::string caller;
  };
  const int max_subscriptions_;
  const int max_per_caller_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<Stoppable*, Admitted> open_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int> per_caller_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace awsfacade::service::subscriptions

#endif  // AWSFACADE_SERVICE_SUBSCRIPTIONS_REGISTRY_H_
