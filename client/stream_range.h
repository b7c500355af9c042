#ifndef AWSFACADE_CLIENT_STREAM_RANGE_H_
#define AWSFACADE_CLIENT_STREAM_RANGE_H_

#include <cstddef>
#include <functional>
#include <iterator>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/variant.h"

namespace awsfacade::client {

template <typename T>
class StreamRange;

namespace internal {
// Lets decorators read a range element by element without the iterator's
// read-ahead (operator++ blocks until the next element exists).
struct StreamRangeAccess {
  template <typename T>
  static absl::variant<absl::Status, T> Read(StreamRange<T>& range) {
    return range.reader_();
  }
};
}  // namespace internal

// An input range of absl::StatusOr<T>: the elements of a paginated listing or
// of a server stream, fetched lazily as the loop advances.
//
//   for (const absl::StatusOr<Stream>& s : client.ListAllStreams(request)) {
//     if (!s.ok()) { /* the last element: the listing failed */ break; }
//     ...
//   }
//
// A failure is delivered as one final non-OK element; a clean end simply ends
// the range. Single pass; iterators are invalidated when the range moves.
// Destroying the range early cancels the underlying call.
template <typename T>
class StreamRange {
 public:
  // Returns the next element, OkStatus() at the clean end, or an error.
  using Reader = std::function<absl::variant<absl::Status, T>()>;

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = absl::StatusOr<T>;
    using difference_type = std::ptrdiff_t;
    using reference = value_type&;
    using pointer = value_type*;

    iterator() = default;
    reference operator*() const { return *range_->current_; }
    pointer operator->() const { return &*range_->current_; }
    iterator& operator++() {
      range_->Advance();
      if (range_->done_) range_ = nullptr;
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& a, const iterator& b) { return a.range_ == b.range_; }
    friend bool operator!=(const iterator& a, const iterator& b) { return !(a == b); }

   private:
    friend class StreamRange;
    explicit iterator(StreamRange* range) : range_(range) {}
    StreamRange* range_ = nullptr;
  };

  StreamRange() : StreamRange([] { return absl::variant<absl::Status, T>(absl::OkStatus()); }) {}
  explicit StreamRange(Reader reader) : reader_(std::move(reader)) {}
  StreamRange(StreamRange&&) noexcept = default;
  StreamRange& operator=(StreamRange&&) noexcept = default;

  // Fetches the first element (once).
  iterator begin() {
    if (!started_) {
      started_ = true;
      Advance();
    }
    return done_ ? end() : iterator(this);
  }
  iterator end() { return iterator(); }

 private:
  friend struct internal::StreamRangeAccess;

  void Advance() {
    if (done_) return;
    if (current_ && !current_->ok()) {  // an error is always the last element
      done_ = true;
      current_.reset();
      return;
    }
    auto next = reader_();
    if (auto* status = absl::get_if<absl::Status>(&next)) {
      if (status->ok()) {
        done_ = true;
        current_.reset();
      } else {
        current_ = *std::move(status);
      }
      return;
    }
    current_ = std::move(absl::get<T>(next));
  }

  Reader reader_;
  std::optional<absl::StatusOr<T>> current_;
  bool started_ = false;
  bool done_ = false;
};

// A range over fixed values, then `final_status` (OK = clean end). For tests
// with the mocks in client/mocks/, and for adapters.
template <typename T>
StreamRange<T> MakeStreamRange(std::vector<T> values,
                               absl::Status final_status = absl::OkStatus()) {
  std::size_t next = 0;
  return StreamRange<T>([values = std::move(values), final_status = std::move(final_status),
                         next]() mutable -> absl::variant<absl::Status, T> {
    if (next < values.size()) return values[next++];
    return final_status;
  });
}

}  // namespace awsfacade::client

#endif  // AWSFACADE_CLIENT_STREAM_RANGE_H_
