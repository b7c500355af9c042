#include "backends/common/redaction.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "backends/common/aws_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace awsfacade::backends {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(RedactCredentialsTest, ReplacesTheGivenSecretsWherever) {
  EXPECT_EQ(RedactCredentials("key wJalrXUtnFEMI/K7MDENG and again:wJalrXUtnFEMI/K7MDENG!",
                              {"wJalrXUtnFEMI/K7MDENG"}),
            "key <redacted> and again:<redacted>!");
  // Too short to be a secret: left alone rather than shredding the text.
  EXPECT_EQ(RedactCredentials("a b c", {"b", ""}), "a b c");
}

TEST(RedactCredentialsTest, RedactsSignaturesInHeadersAndQueries) {
  EXPECT_EQ(
      RedactCredentials(
          "Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/"
          "dynamodb/aws4_request, SignedHeaders=host;x-amz-date, "
          "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"),
      "Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, "
      "SignedHeaders=host;x-amz-date, Signature=<redacted>");
  EXPECT_EQ(RedactCredentials("GET /?X-Amz-Credential=AKID%2F2026&X-Amz-Signature=abcdef0123&x=1"),
            "GET /?X-Amz-Credential=AKID%2F2026&X-Amz-Signature=<redacted>&x=1");
}

TEST(RedactCredentialsTest, RedactsSessionTokensAsHeaderQueryJsonAndXml) {
  EXPECT_EQ(RedactCredentials("x-amz-security-token:FQoGZXIvYXdz+/=\nhost:x"),
            "x-amz-security-token:<redacted>\nhost:x");
  EXPECT_EQ(RedactCredentials("X-Amz-Security-Token: FQoGZXIvYXdz"),
            "X-Amz-Security-Token: <redacted>");
  EXPECT_EQ(RedactCredentials("?X-Amz-Security-Token=FQoG%2Bx&a=b"),
            "?X-Amz-Security-Token=<redacted>&a=b");
  EXPECT_EQ(RedactCredentials(R"({"SessionToken": "FQoG", "SecretAccessKey":"wJal"})"),
            R"({"SessionToken": "<redacted>", "SecretAccessKey":"<redacted>"})");
  EXPECT_EQ(RedactCredentials("<SessionToken>FQoG</SessionToken>"),
            "<SessionToken><redacted></SessionToken>");
}

TEST(RedactCredentialsTest, WorksOnJsonEscapedText) {
  // A log line: the message rendered as a JSON string.
  EXPECT_EQ(
      RedactCredentials(R"({"message":"x-amz-security-token:FQoG\nAuthorization: Bearer abc\"x"})"),
      R"({"message":"x-amz-security-token:<redacted>\nAuthorization: <redacted>\"x"})");
}

TEST(RedactCredentialsTest, LeavesProseAndErrorNamesAlone) {
  const std::string prose =
      "SignatureDoesNotMatch: The request signature we calculated does not match the signature "
      "you provided. Check your AWS Secret Access Key and signing method. The authorization "
      "header is malformed; the security token included in the request is invalid.";
  EXPECT_EQ(RedactCredentials(prose), prose);
}

TEST(RedactCredentialsTest, ALineWithNoSecretNameComesBackAsItWas) {
  const std::string line =
      R"({"level":"info","msg":"rpc","method":"/aws.dynamodb.v1.DynamoDbService/GetItem",)"
      R"("code":"OK","duration_ms":0.21,"request_id":"5f0c4a7e9b1d2c3e8f7a6b5c4d3e2f1a"})";
  EXPECT_EQ(RedactCredentials(line), line);
  // A given secret is replaced even in such a line; and names are found in
  // any case.
  EXPECT_EQ(RedactCredentials(line + " wJalrXUtnFEMI", {"wJalrXUtnFEMI"}), line + " <redacted>");
  EXPECT_EQ(RedactCredentials("X-AMZ-SECURITY-TOKEN: FQoG"), "X-AMZ-SECURITY-TOKEN: <redacted>");
}

TEST(RedactedStatusTest, RedactsMessageAndPayloadsAndKeepsTheRest) {
  absl::Status status =
      AwsError("InvalidSignatureException", "token TOKEN-VALUE-1 quoted; Signature=abc123");
  SetAwsRequestId(status, "REQ-1");
  SetErrorMetadata(status, "echo", "TOKEN-VALUE-1");
  absl::Status redacted = RedactedStatus(status, {"TOKEN-VALUE-1"});
  EXPECT_EQ(redacted.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(redacted.message(), "token <redacted> quoted; Signature=<redacted>");
  EXPECT_EQ(AwsErrorName(redacted), "InvalidSignatureException");
  EXPECT_EQ(AwsRequestId(redacted), "REQ-1");
  ASSERT_EQ(ErrorMetadata(redacted).size(), 1u);
  EXPECT_EQ(ErrorMetadata(redacted)[0].second, "<redacted>");
}

}  // namespace
}  // namespace awsfacade::backends
