#include "service/aws_wire/signature_check.h"

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/common/status_matchers.h"
#include "tests/service/aws_wire/aws_name_matcher.h"

namespace awsfacade::service::aws_wire {
namespace {

using backends::aws::Credentials;
using ::testing::HasSubstr;
using testutil::IsAwsError;
using testutil::IsOk;
using testutil::StatusIs;

// When Signed signs: 2023-11-14T22:13:20Z.
const absl::Time kSignedAt = absl::FromUnixSeconds(1700000000);

const std::vector<Credentials> kKeys = {
    {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""}};

// A request as boto3 would send it, signed by the AWS backend's signer.
WireRequest Signed(const std::string& service, const std::string& region, const Credentials& key,
                   std::string path = "/",
                   std::vector<std::pair<std::string, std::string>> query = {}) {
  backends::aws::HttpRequest http;
  http.method = "POST";
  http.host = "127.0.0.1:4566";
  http.path = path;
  http.query = query;
  http.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                  {"X-Amz-Target", "DynamoDB_20120810.GetItem"}};
  http.body = R"({"TableName":"orders"})";
  backends::aws::SigV4Signer signer(region, service);
  EXPECT_THAT(signer.Sign(http, key, kSignedAt), IsOk());
  WireRequest request;
  request.method = http.method;
  request.path = http.path;
  for (const auto& [k, v] : http.query) {
    if (!request.query.empty()) request.query += "&";
    request.query += backends::aws::UriEncode(k, false) + "=" + backends::aws::UriEncode(v, false);
  }
  request.headers = http.headers;
  request.body = http.body;
  return request;
}

// VerifySignature against kKeys, as a status.
absl::Status Verify(const WireRequest& request, absl::string_view region,
                    absl::string_view signing_name, absl::Time now) {
  return VerifySignature(request, kKeys, region, signing_name, now).status();
}

TEST(SignatureCheckTest, ParsesTheCredentialScope) {
  absl::StatusOr<SignatureParts> parts =
      ParseAuthorization(Signed("dynamodb", "eu-west-1", kKeys[0]));
  ASSERT_THAT(parts.status(), IsOk());
  EXPECT_EQ(parts->access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(parts->date, "20231114");
  EXPECT_EQ(parts->region, "eu-west-1");
  EXPECT_EQ(parts->service, "dynamodb");
  EXPECT_THAT(parts->signed_headers, HasSubstr("x-amz-target"));
}

TEST(SignatureCheckTest, AcceptsWhatTheSignerSigned) {
  EXPECT_THAT(Verify(Signed("dynamodb", "us-east-1", kKeys[0]), "us-east-1", "dynamodb", kSignedAt),
              IsOk());
  // A restJson path with encoded labels and a query string.
  EXPECT_THAT(Verify(Signed("cognito-sync", "us-east-1", kKeys[0],
                            "/identitypools/us-east-1%3Aabc/identities/x/datasets",
                            {{"maxResults", "5"}, {"nextToken", "a b/c"}}),
                     "us-east-1", "cognito-sync", kSignedAt),
              IsOk());
}

TEST(SignatureCheckTest, AChangedBodyOrSecretIsAnInvalidSignature) {
  WireRequest request = Signed("dynamodb", "us-east-1", kKeys[0]);
  request.body = R"({"TableName":"other"})";
  EXPECT_THAT(Verify(request, "us-east-1", "dynamodb", kSignedAt),
              IsAwsError("InvalidSignatureException", HasSubstr("does not match")));
  Credentials wrong = kKeys[0];
  wrong.secret_access_key = "not-the-secret";
  EXPECT_THAT(Verify(Signed("dynamodb", "us-east-1", wrong), "us-east-1", "dynamodb", kSignedAt),
              IsAwsError("InvalidSignatureException"));
}

TEST(SignatureCheckTest, AnUnknownAccessKeyIsUnrecognized) {
  Credentials stranger{"AKIDSTRANGER", "secret", ""};
  EXPECT_THAT(Verify(Signed("dynamodb", "us-east-1", stranger), "us-east-1", "dynamodb", kSignedAt),
              IsAwsError("UnrecognizedClientException"));
}

TEST(SignatureCheckTest, TheScopeMustNameTheServiceAndRegion) {
  EXPECT_THAT(
      Verify(Signed("personalize", "us-east-1", kKeys[0]), "us-east-1", "dynamodb", kSignedAt),
      IsAwsError("InvalidSignatureException", HasSubstr("'dynamodb'")));
  EXPECT_THAT(Verify(Signed("dynamodb", "eu-west-1", kKeys[0]), "us-east-1", "dynamodb", kSignedAt),
              IsAwsError("InvalidSignatureException", HasSubstr("eu-west-1")));
}

TEST(SignatureCheckTest, MissingOrMalformedAuthorization) {
  WireRequest request = Signed("dynamodb", "us-east-1", kKeys[0]);
  WireRequest unsigned_request = request;
  unsigned_request.headers = {{"X-Amz-Target", "DynamoDB_20120810.GetItem"}};
  EXPECT_THAT(Verify(unsigned_request, "us-east-1", "dynamodb", kSignedAt),
              HasAwsName("MissingAuthenticationTokenException"));
  for (const char* bad : {"AWS4-HMAC-SHA256", "Basic dXNlcjpwYXNz",
                          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/dynamodb, "
                          "SignedHeaders=host, Signature=00",
                          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/dynamodb/"
                          "aws4_request, Signature=00"}) {
    WireRequest malformed = request;
    for (auto& [name, value] : malformed.headers) {
      if (name == "Authorization") value = bad;
    }
    EXPECT_THAT(Verify(malformed, "us-east-1", "dynamodb", kSignedAt),
                HasAwsName("IncompleteSignatureException"))
        << bad;
  }
}

TEST(SignatureCheckTest, TheVerifiedAccessKeyIsTheAnswer) {
  absl::StatusOr<std::string> access_key_id = VerifySignature(
      Signed("dynamodb", "us-east-1", kKeys[0]), kKeys, "us-east-1", "dynamodb", kSignedAt);
  ASSERT_THAT(access_key_id.status(), IsOk());
  EXPECT_EQ(*access_key_id, "AKIDEXAMPLE");
}

// AWS refuses a signature made more than 15 minutes before or after its own
// clock, and says which way it is off.
TEST(SignatureCheckTest, TheSigningTimeMustBeWithinFifteenMinutes) {
  const WireRequest request = Signed("dynamodb", "us-east-1", kKeys[0]);
  for (absl::Duration skew : {absl::ZeroDuration(), absl::Minutes(15), -absl::Minutes(15)}) {
    EXPECT_THAT(Verify(request, "us-east-1", "dynamodb", kSignedAt + skew), IsOk()) << skew;
  }
  EXPECT_THAT(
      Verify(request, "us-east-1", "dynamodb", kSignedAt + absl::Minutes(15) + absl::Seconds(1)),
      IsAwsError("InvalidSignatureException",
                 "Signature expired: 20231114T221320Z is now earlier than 20231114T221321Z "
                 "(20231114T222821Z - 15 min.)"));
  EXPECT_THAT(Verify(request, "us-east-1", "dynamodb", kSignedAt - absl::Minutes(16)),
              IsAwsError("InvalidSignatureException",
                         "Signature not yet current: 20231114T221320Z is still later than "
                         "20231114T221220Z (20231114T215720Z + 15 min.)"));
}

TEST(SignatureCheckTest, KeysFileLines) {
  absl::StatusOr<std::vector<Credentials>> keys =
      ParseKeysFile("# ci keys\n\nAKID1 secret1\n  AKID2\tsecret2  \n");
  ASSERT_THAT(keys.status(), IsOk());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[1].access_key_id, "AKID2");
  EXPECT_EQ((*keys)[1].secret_access_key, "secret2");
  EXPECT_THAT(ParseKeysFile("AKID1 secret1\nonly-one-field\n").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 2")));
}

}  // namespace
}  // namespace awsfacade::service::aws_wire
