#ifndef AWSFACADE_SERVICE_SUBSCRIPTIONS_SUBSCRIPTION_OBSERVER_H_
#define AWSFACADE_SERVICE_SUBSCRIPTIONS_SUBSCRIPTION_OBSERVER_H_

#include <cstdint>

namespace awsfacade::service::subscriptions {

// Told what subscriptions do, for metrics. Called on gRPC and engine
// threads; must be cheap and must not block.
class SubscriptionObserver {
 public:
  virtual ~SubscriptionObserver() = default;
  // A subscription was admitted; every OnOpened is followed by one OnClosed.
  virtual void OnOpened() = 0;
  virtual void OnClosed() = 0;
  // gRPC took a records event: `records` records, its millis_behind_latest.
  virtual void OnRecordsDelivered(int64_t records, int64_t millis_behind_latest) = 0;
};

}  // namespace awsfacade::service::subscriptions

#endif  // AWSFACADE_SERVICE_SUBSCRIPTIONS_SUBSCRIPTION_OBSERVER_H_
