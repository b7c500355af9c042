#ifndef AWSFACADE_SERVICE_SUBSCRIPTIONS_EVENT_QUEUE_H_
#define AWSFACADE_SERVICE_SUBSCRIPTIONS_EVENT_QUEUE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "grpcpp/support/byte_buffer.h"
#include "service/subscriptions/buffer_budget.h"

namespace awsfacade::service::subscriptions {

// An event ready to write, in its wire form (event_wire.h), with what the
// session needs to know of it once written.
struct OutEvent {
  grpc::ByteBuffer bytes;
  int64_t records = 0;
  int64_t record_bytes = 0;  // SizeBytes of its records
  int64_t millis_behind_latest = 0;
  std::string continuation_token;
};

// A session's events on their way to gRPC (its message queue): those ready
// to write, oldest first, and the one being written.
//
// Owns: the events, and their records' share of the buffer budget (held when
// the records were read): it goes back when gRPC has taken an event
// (FinishWrite) or, for events never written, when the queue goes.
// Guarantees: events leave in the order they came, one in flight at a time;
// an in-flight event's bytes stay alive until FinishWrite.
// Not thread-safe: the session pushes and starts writes on its strand and
// finishes them under its own lock, handing the event over with its
// write-in-flight flag.
class EventQueue {
 public:
  explicit EventQueue(BufferBudget* budget) : budget_(budget) {}
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;
  ~EventQueue();

  void Push(OutEvent event) { ready_.push_back(std::move(event)); }
  // No event is ready (the one in flight does not count).
  bool empty() const { return ready_.empty(); }
  // Puts the oldest ready event in flight and returns its bytes. Only when
  // !empty() and no write is in flight.
  const grpc::ByteBuffer& StartWrite();
  // The write in flight completed: the event leaves the queue (returned)
  // and its records leave the budget.
  OutEvent FinishWrite();

 private:
  BufferBudget* const budget_;
  // Usually 0..2 long; a vector (not a deque, which allocates ~600 bytes
  // even when empty) keeps idle sessions small.
  std::vector<OutEvent> ready_;
  OutEvent in_flight_;
};

}  // namespace awsfacade::service::subscriptions

#endif  // AWSFACADE_SERVICE_SUBSCRIPTIONS_EVENT_QUEUE_H_
