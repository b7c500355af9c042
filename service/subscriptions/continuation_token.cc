#include "service/subscriptions/continuation_token.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "backends/common/aws_error.h"

namespace awsfacade::service::subscriptions {
namespace {

constexpr char kTokenPurpose[] = "dynamodbstreams.subscription";

}  // namespace

std::string TokenTextHeader(TokenMode mode, absl::string_view stream_arn) {
  return absl::StrCat("v1|", std::string(1, static_cast<char>(mode)), "|", stream_arn);
}

void AppendTokenShard(std::string* text, absl::string_view shard_id, absl::string_view parent,
                      const Position& pos) {
  Position::Kind kind = pos.kind == Position::kLatest ? Position::kSinceTime : pos.kind;
  std::string value;
  if (kind == Position::kAfter || kind == Position::kAt) value = pos.seq;
  if (kind == Position::kSinceTime) value = absl::StrCat(absl::ToUnixNanos(pos.time));
  absl::StrAppend(text, "\n", shard_id, "|", parent, "|", std::string(1, static_cast<char>(kind)),
                  "|", value);
}

absl::StatusOr<TokenContents> ParseTokenText(absl::string_view text) {
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  std::vector<absl::string_view> head = absl::StrSplit(lines[0], absl::MaxSplits('|', 2));
  if (head.size() != 3 || head[0] != "v1" || head[1].size() != 1 ||
      (head[1][0] != static_cast<char>(TokenMode::kShard) &&
       head[1][0] != static_cast<char>(TokenMode::kStream))) {
    return absl::InvalidArgumentError("unknown format");
  }
  TokenContents out;
  out.mode = static_cast<TokenMode>(head[1][0]);
  out.stream_arn = std::string(head[2]);
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string> f = absl::StrSplit(lines[i], '|');
    if (f.size() != 4 || f[2].size() != 1 || f[0].empty()) {
      return absl::InvalidArgumentError("malformed shard entry");
    }
    TokenShard shard;
    shard.shard_id = std::move(f[0]);
    shard.parent = std::move(f[1]);
    shard.pos.kind = static_cast<Position::Kind>(f[2][0]);
    int64_t nanos = 0;
    switch (shard.pos.kind) {
      case Position::kAfter:
      case Position::kAt:
        shard.pos.seq = std::move(f[3]);
        break;
      case Position::kSinceTime:
        if (!absl::SimpleAtoi(f[3], &nanos)) return absl::InvalidArgumentError("malformed time");
        shard.pos.time = absl::FromUnixNanos(nanos);
        break;
      case Position::kFromStart:
      case Position::kDone:
        break;
      default:
        return absl::InvalidArgumentError("unknown position kind");
    }
    out.shards.push_back(std::move(shard));
  }
  return out;
}

std::string ContinuationTokenCodec::Seal(absl::string_view text) const {
  {
    absl::MutexLock lock(&last_mu_);
    if (!last_token_.empty() && last_text_ == text) return last_token_;
  }
  std::string token = sealer_->Seal(kTokenPurpose, text);  // HMAC-SHA256, outside the lock
  absl::MutexLock lock(&last_mu_);
  last_text_.assign(text.data(), text.size());
  last_token_ = token;
  return token;
}

absl::StatusOr<TokenContents> ContinuationTokenCodec::Open(absl::string_view token, TokenMode mode,
                                                           absl::string_view stream_arn,
                                                           absl::string_view shard_id) const {
  auto bad = [](absl::string_view why) {
    return backends::AwsError("ValidationException",
                              absl::StrCat("ContinuationToken is not valid: ", why),
                              "StartingPosition.ContinuationToken");
  };
  absl::StatusOr<std::string> text = sealer_->Open(kTokenPurpose, token);
  if (!text.ok()) return bad("not issued by this service, or altered");
  absl::StatusOr<TokenContents> contents = ParseTokenText(*text);
  if (!contents.ok()) return bad(contents.status().message());
  if (contents->mode != mode) {
    return bad(mode == TokenMode::kShard ? "it belongs to a SubscribeToStream subscription"
                                         : "it belongs to a SubscribeToShard subscription");
  }
  if (contents->stream_arn != stream_arn) return bad("it belongs to another stream");
  if (mode == TokenMode::kShard &&
      (contents->shards.size() != 1 || contents->shards[0].shard_id != shard_id)) {
    return bad("it belongs to another shard");
  }
  return contents;
}

}  // namespace awsfacade::service::subscriptions
