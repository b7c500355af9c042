#include "backends/common/call_context.h"

#include "backends/common/call_deadline.h"

namespace awsfacade::backends {

struct CallContextScope::Scopes {
  explicit Scopes(const CallContext& context)
      : deadline(context.deadline), delayed(context.delayed) {
    if (!context.may_retry) single_attempt.emplace();
  }
  CallDeadlineScope deadline;
  std::optional<SingleAttemptScope> single_attempt;
  DelayedCallScope delayed;
};

CallContextScope::CallContextScope(const CallContext& context) : scopes_(new Scopes(context)) {}

CallContextScope::~CallContextScope() { delete scopes_; }

bool CallContextScope::delay_taken() const { return scopes_->delayed.taken(); }

}  // namespace awsfacade::backends
