#ifndef AWSFACADE_SERVICE_SUBSCRIPTIONS_BUFFER_BUDGET_H_
#define AWSFACADE_SERVICE_SUBSCRIPTIONS_BUFFER_BUDGET_H_

#include <algorithm>
#include <atomic>
#include <cstdint>

namespace awsfacade::service::subscriptions {

// Flow control over all subscriptions of an engine: the record bytes
// (SizeBytes) they hold, read from the backend and not yet taken by gRPC.
// Past `max_bytes`, subscriptions stop reading ahead and fill batches of at
// most kSqueezedBatchBytes, reading kSqueezedReadRecords at a time, so
// stalled readers cannot add up to more than the budget plus a small batch
// each, whatever their number. Thread-safe; lock-free.
class BufferBudget {
 public:
  // A single larger record still goes alone.
  static constexpr int64_t kSqueezedBatchBytes = 16 << 10;
  static constexpr int kSqueezedReadRecords = 16;

  explicit BufferBudget(int64_t max_bytes) : max_bytes_(max_bytes) {}

  void Hold(int64_t records, int64_t bytes) {
    records_.fetch_add(records, std::memory_order_relaxed);
    bytes_.fetch_add(bytes, std::memory_order_relaxed);
  }
  void Release(int64_t records, int64_t bytes) {
    records_.fetch_sub(records, std::memory_order_relaxed);
    bytes_.fetch_sub(bytes, std::memory_order_relaxed);
  }

  bool Over() const { return bytes_.load(std::memory_order_relaxed) >= max_bytes_; }
  // The byte limit of a batch whose subscriber asked for `wanted`.
  int64_t BatchBytes(int64_t wanted) const {
    return Over() ? std::min(wanted, kSqueezedBatchBytes) : wanted;
  }
  // The GetRecords limit for a read that wants `wanted` records.
  int ReadRecords(int wanted) const {
    return Over() ? std::min(wanted, kSqueezedReadRecords) : wanted;
  }

  int64_t records() const { return records_.load(std::memory_order_relaxed); }
  int64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }

 private:
  const int64_t max_bytes_;
  std::atomic<int64_t> records_{0};
  std::atomic<int64_t> bytes_{0};
};

}  // namespace awsfacade::service::subscriptions

#endif  // AWSFACADE_SERVICE_SUBSCRIPTIONS_BUFFER_BUDGET_H_
