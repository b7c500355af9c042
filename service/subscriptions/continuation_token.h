#ifndef AWSFACADE_SERVICE_SUBSCRIPTIONS_CONTINUATION_TOKEN_H_
#define AWSFACADE_SERVICE_SUBSCRIPTIONS_CONTINUATION_TOKEN_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "backends/common/token_sealer.h"

namespace awsfacade::service::subscriptions {

// Where reading a shard resumes.
struct Position {
  enum Kind : char {
    kFromStart = 'S',  // oldest retained record
    kAfter = 'A',      // after `seq`
    kAt = 'Q',         // at `seq`
    kSinceTime = 'T',  // oldest retained, skipping records created before `time`
    kLatest = 'L',     // only new records (live only; tokens store it as kSinceTime)
    kDone = 'D',       // fully delivered
  };
  Kind kind = kFromStart;
  std::string seq;
  absl::Time time;
};

// Which call a token belongs to.
enum class TokenMode : char { kShard = 's', kStream = 't' };

// One shard's entry in a token: its parent (lineage: parents are read
// first) and where reading it resumes.
struct TokenShard {
  std::string shard_id;
  std::string parent;
  Position pos;
};

// What a continuation token holds: every shard's position.
struct TokenContents {
  TokenMode mode = TokenMode::kStream;
  std::string stream_arn;
  std::vector<TokenShard> shards;
};

// The token's text before sealing. Format (kept stable: tokens issued by
// any earlier version resume): "v1|<mode>|<stream arn>" then per shard
// "\n<id>|<parent>|<kind>|<value>", value the sequence number (kAt,
// kAfter), Unix nanoseconds (kSinceTime) or empty. kLatest is written as
// kSinceTime. Built in two calls so a subscription writes its shards
// without copying them.
std::string TokenTextHeader(TokenMode mode, absl::string_view stream_arn);
void AppendTokenShard(std::string* text, absl::string_view shard_id, absl::string_view parent,
                      const Position& pos);

// Parses a token's text; InvalidArgument saying what is wrong (the format,
// a malformed entry or time, an unknown position kind).
absl::StatusOr<TokenContents> ParseTokenText(absl::string_view text);

// Seals and opens continuation tokens of one service.
class ContinuationTokenCodec {
 public:
  explicit ContinuationTokenCodec(std::shared_ptr<backends::TokenSealer> sealer)
      : sealer_(std::move(sealer)) {}

  // The sealed token of `text`. Subscribers at one position seal the same
  // text one after another (a fan-out batch), so the last one is kept.
  std::string Seal(absl::string_view text) const;

  // The contents of `token`, checked against the call resuming it:
  // ValidationException on StartingPosition.ContinuationToken when it was
  // not issued here or was altered, is malformed, or belongs to another
  // mode, stream or (kShard) shard.
  absl::StatusOr<TokenContents> Open(absl::string_view token, TokenMode mode,
                                     absl::string_view stream_arn,
                                     absl::string_view shard_id = "") const;

 private:
  std::shared_ptr<backends::TokenSealer> sealer_;
  mutable absl::Mutex last_mu_;
  mutable std::string last_text_ ABSL_GUARDED_BY(last_mu_);
  mutable std::string last_token_ ABSL_GUARDED_BY(last_mu_);
};

}  // namespace awsfacade::service::subscriptions

#endif  // AWSFACADE_SERVICE_SUBSCRIPTIONS_CONTINUATION_TOKEN_H_
