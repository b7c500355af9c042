#include "service/subscriptions/event_queue.h"

#include <utility>

namespace awsfacade::service::subscriptions {

EventQueue::~EventQueue() {
  int64_t records = in_flight_.records;
  int64_t bytes = in_flight_.record_bytes;
  for (const auto& event : ready_) {
    records += event.records;
    bytes += event.record_bytes;
  }
  budget_->Release(records, bytes);
}

const grpc::ByteBuffer& EventQueue::StartWrite() {
  in_flight_ = std::move(ready_.front());
  ready_.erase(ready_.begin());
  return in_flight_.bytes;
}

OutEvent EventQueue::FinishWrite() {
  OutEvent written = std::exchange(in_flight_, OutEvent());
  budget_->Release(written.records, written.record_bytes);
  return written;
}

}  // namespace awsfacade::service::subscriptions
