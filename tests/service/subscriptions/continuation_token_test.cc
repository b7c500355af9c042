#include "service/subscriptions/continuation_token.h"

#include <memory>

#include "backends/common/aws_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace awsfacade::service::subscriptions {
namespace {

using ::testing::HasSubstr;

constexpr char kArn[] =
    "arn:aws:dynamodb:us-east-1:123456789012:table/t/"
    "stream/2026-01-01T00:00:00.000";

std::string TwoShardText() {
  std::string text = TokenTextHeader(TokenMode::kStream, kArn);
  AppendTokenShard(&text, "shardId-1", "", Position{Position::kDone, "", {}});
  AppendTokenShard(&text, "shardId-2", "shardId-1",
                   Position{Position::kAfter, "000000000000000000042", {}});
  return text;
}

TEST(ContinuationTokenTest, TextFormatIsTheV1FormatOfEarlierVersions) {
  // Tokens in clients' hands were issued in exactly this format: it must
  // keep parsing, and new tokens keep it.
  EXPECT_EQ(TwoShardText(), std::string("v1|t|") + kArn +
                                "\nshardId-1||D|\nshardId-2|shardId-1|A|000000000000000000042");
}

TEST(ContinuationTokenTest, LatestIsWrittenAsSinceTheTimeItStarted) {
  std::string text = TokenTextHeader(TokenMode::kShard, kArn);
  AppendTokenShard(&text, "s", "", Position{Position::kLatest, "", absl::FromUnixSeconds(7)});
  EXPECT_EQ(text, std::string("v1|s|") + kArn + "\ns||T|7000000000");
}

TEST(ContinuationTokenTest, RoundTripsEveryPositionKind) {
  std::string text = TokenTextHeader(TokenMode::kStream, kArn);
  AppendTokenShard(&text, "a", "", Position{Position::kFromStart, "", {}});
  AppendTokenShard(&text, "b", "a", Position{Position::kAt, "123456789012345678901", {}});
  AppendTokenShard(&text, "c", "b", Position{Position::kSinceTime, "", absl::FromUnixNanos(5)});
  absl::StatusOr<TokenContents> parsed = ParseTokenText(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->mode, TokenMode::kStream);
  EXPECT_EQ(parsed->stream_arn, kArn);
  ASSERT_EQ(parsed->shards.size(), 3u);
  EXPECT_EQ(parsed->shards[0].pos.kind, Position::kFromStart);
  EXPECT_EQ(parsed->shards[1].parent, "a");
  EXPECT_EQ(parsed->shards[1].pos.kind, Position::kAt);
  EXPECT_EQ(parsed->shards[1].pos.seq, "123456789012345678901");
  EXPECT_EQ(parsed->shards[2].pos.kind, Position::kSinceTime);
  EXPECT_EQ(parsed->shards[2].pos.time, absl::FromUnixNanos(5));
}

TEST(ContinuationTokenTest, MalformedTextSaysWhatIsWrong) {
  EXPECT_THAT(ParseTokenText("v2|t|arn").status().message(), HasSubstr("unknown format"));
  EXPECT_THAT(ParseTokenText("v1|x|arn").status().message(), HasSubstr("unknown format"));
  EXPECT_THAT(ParseTokenText("v1|t|arn\ns|p|A").status().message(),
              HasSubstr("malformed shard entry"));
  EXPECT_THAT(ParseTokenText("v1|t|arn\ns|p|T|soon").status().message(),
              HasSubstr("malformed time"));
  EXPECT_THAT(ParseTokenText("v1|t|arn\ns|p|Z|").status().message(),
              HasSubstr("unknown position kind"));
}

class CodecTest : public ::testing::Test {
 protected:
  std::shared_ptr<backends::TokenSealer> sealer_ =
      std::make_shared<backends::TokenSealer>(std::string(32, 'k'));
  ContinuationTokenCodec codec_{sealer_};
};

TEST_F(CodecTest, OpensWhatItSealed) {
  absl::StatusOr<TokenContents> opened =
      codec_.Open(codec_.Seal(TwoShardText()), TokenMode::kStream, kArn);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->shards.size(), 2u);
}

// Seal keeps the last token it made (subscribers at one position seal the
// same text in turn): a repeat is the same token, and another text never
// gets the kept one.
TEST_F(CodecTest, SealsEachTextToItsOwnTokenWhateverCameBefore) {
  const std::string a = std::string("v1|s|") + kArn + "\nshardId-9||A|000000000000000000100";
  const std::string b = std::string("v1|s|") + kArn + "\nshardId-9||A|000000000000000000101";
  const std::vector<std::string> texts = {a, a, b, a, b, b};
  for (const std::string& text : texts) {
    const std::string token = codec_.Seal(text);
    EXPECT_EQ(token, sealer_->Seal("dynamodbstreams.subscription", text));
    absl::StatusOr<TokenContents> opened = codec_.Open(token, TokenMode::kShard, kArn, "shardId-9");
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_EQ(opened->shards[0].pos.seq, text.substr(text.size() - 21));
  }
}

TEST_F(CodecTest, ATokenSealedByAnEarlierVersionStillOpens) {
  // The earlier engine sealed the same text under the same purpose.
  std::string old =
      sealer_->Seal("dynamodbstreams.subscription",
                    std::string("v1|s|") + kArn + "\nshardId-9||A|000000000000000000100");
  absl::StatusOr<TokenContents> opened = codec_.Open(old, TokenMode::kShard, kArn, "shardId-9");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->shards[0].pos.seq, "000000000000000000100");
}

TEST_F(CodecTest, RefusesForeignTokensNamingTheField) {
  const std::string stream_token = codec_.Seal(TwoShardText());
  struct Case {
    std::string token;
    TokenMode mode;
    std::string arn;
    std::string shard;
    std::string why;
  } cases[] = {
      {"garbage", TokenMode::kStream, kArn, "", "not issued by this service"},
      {backends::TokenSealer(std::string(32, 'x'))
           .Seal("dynamodbstreams.subscription", TwoShardText()),
       TokenMode::kStream, kArn, "", "not issued by this service"},
      {stream_token, TokenMode::kShard, kArn, "shardId-1", "belongs to a SubscribeToStream"},
      {stream_token, TokenMode::kStream, "arn:other", "", "another stream"},
      {codec_.Seal(TokenTextHeader(TokenMode::kShard, kArn) + "\nshardId-1||S|"), TokenMode::kShard,
       kArn, "shardId-2", "another shard"},
      {codec_.Seal("v1|t|arn\ns|p|T|soon"), TokenMode::kStream, "arn", "", "malformed time"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<TokenContents> opened = codec_.Open(c.token, c.mode, c.arn, c.shard);
    ASSERT_FALSE(opened.ok()) << c.why;
    EXPECT_EQ(opened.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(opened.status().message(), HasSubstr(c.why));
    EXPECT_EQ(backends::AwsErrorName(opened.status()).value_or(""), "ValidationException");
    EXPECT_EQ(backends::AwsErrorField(opened.status()).value_or(""),
              "StartingPosition.ContinuationToken");
  }
}

}  // namespace
}  // namespace awsfacade::service::subscriptions
