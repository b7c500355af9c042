"""Authorization of the AWS wire endpoint's callers (issue 14; docs/security.md).

A wire request is authorized as the caller it comes from, with the same
policy (--authz_policy_file) as a gRPC call:
  * with --aws_verify_signatures, the access key whose signature verified:
    "aws:<access key id>", so two boto3 clients with two keys get what the
    policy grants each;
  * without it, any key is accepted (as emulators do), so a key proves
    nothing: the caller is the HTTP client's address, "peer:ipv4:127.0.0.1",
    exactly as a gRPC caller from that address would be, and a key named
    in a rule grants an unverified request nothing.

  python3 aws_wire_authz_test.py SERVER_BIN
Runs under the image's python3 (boto3); exit 77 (skipped, saying why) when
boto3 cannot be imported.
"""
import json
import os
import re
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "polyglot"))
from facade_server import FacadeServer  # noqa: E402

try:
    import boto3
    import botocore.config
    import botocore.exceptions
except ImportError as e:  # pragma: no cover
    print("SKIP: boto3 cannot be imported by %s: %s" % (sys.executable, e))
    sys.exit(77)

SERVER_BIN = sys.argv.pop(1) if len(sys.argv) > 1 else None
DDB = "aws.dynamodb.v1.DynamoDbService/"
TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/"
KEYS = {"AKIDWRITER": "writer-secret", "AKIDREADER": "reader-secret"}
POLICY = {"rules": [
    {"callers": ["aws:AKIDWRITER"], "operations": [DDB + "*"], "resources": ["*"]},
    {"callers": ["aws:AKIDREADER"],
     "operations": [DDB + "GetItem", DDB + "DescribeTable", DDB + "BatchGetItem", DDB + "TransactGetItems"],
     "resources": [TABLE_ARN + "orders"]},
    {"callers": ["peer:ipv4:127.0.0.1"], "operations": [DDB + "DescribeLimits"], "resources": ["*"]},
]}


def client(endpoint, key, secret):
    return boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key=secret,
                        config=botocore.config.Config(retries={"mode": "standard", "max_attempts": 1}))


def denied(call, **kwargs):
    """The AWS error of a call that must fail: (code, HTTP status, message)."""
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as e:
        return (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"],
                e.response["Error"]["Message"])
    raise AssertionError("%s succeeded" % call)


def start(*flags):
    server = FacadeServer(SERVER_BIN, "--aws_listen=127.0.0.1:0", *flags)
    port = re.search(r"AWS wire protocols on port (\d+)", server.startup_log).group(1)
    return server, "http://127.0.0.1:%s" % port


class AuthzTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        policy = os.path.join(cls.dir.name, "policy.json")
        with open(policy, "w") as f:
            json.dump(POLICY, f)
        keys = os.path.join(cls.dir.name, "keys")
        with open(keys, "w") as f:
            f.write("".join("%s %s\n" % kv for kv in KEYS.items()))
        cls.verified, cls.verified_url = start("--aws_verify_signatures", "--aws_keys_file=" + keys,
                                               "--authz_policy_file=" + policy)
        cls.open, cls.open_url = start("--authz_policy_file=" + policy)

    @classmethod
    def tearDownClass(cls):
        cls.verified.stop()
        cls.open.stop()
        cls.dir.cleanup()

    def test_a_verified_key_is_the_caller(self):
        writer = client(self.verified_url, "AKIDWRITER", KEYS["AKIDWRITER"])
        reader = client(self.verified_url, "AKIDREADER", KEYS["AKIDREADER"])
        for table in ("orders", "secrets"):
            writer.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
            writer.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
        self.assertEqual(reader.get_item(TableName="orders", Key={"pk": {"S": "a"}})["Item"]["v"], {"N": "1"})
        code, status, message = denied(reader.put_item, TableName="orders", Item={"pk": {"S": "b"}})
        self.assertEqual((code, status), ("AccessDeniedException", 400))
        self.assertIn("aws:AKIDREADER is not authorized to perform " + DDB + "PutItem", message)
        code, _, message = denied(reader.get_item, TableName="secrets", Key={"pk": {"S": "a"}})
        self.assertEqual(code, "AccessDeniedException")
        self.assertIn(TABLE_ARN + "secrets", message)
        # A batch or transaction call needs every table it names.
        key = {"pk": {"S": "a"}}
        got = reader.batch_get_item(RequestItems={"orders": {"Keys": [key]}})["Responses"]["orders"]
        self.assertEqual([item["v"] for item in got], [{"N": "1"}])
        code, _, message = denied(reader.batch_get_item,
                                  RequestItems={"orders": {"Keys": [key]}, "secrets": {"Keys": [key]}})
        self.assertEqual(code, "AccessDeniedException")
        self.assertIn("BatchGetItem on resource " + TABLE_ARN + "secrets", message)
        code, _, _ = denied(reader.transact_get_items, TransactItems=[
            {"Get": {"TableName": "orders", "Key": key}}, {"Get": {"TableName": "secrets", "Key": key}}])
        self.assertEqual(code, "AccessDeniedException")
        self.assertEqual(len(reader.transact_get_items(
            TransactItems=[{"Get": {"TableName": "orders", "Key": key}}])["Responses"]), 1)
        # The reader's refused write changed nothing.
        self.assertNotIn("Item", writer.get_item(TableName="orders", Key={"pk": {"S": "b"}}))

    def test_without_verification_a_key_grants_nothing(self):
        claimed = client(self.open_url, "AKIDWRITER", "any-secret")
        code, status, message = denied(claimed.create_table, TableName="claimed", BillingMode="PAY_PER_REQUEST",
                                       AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                                       KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        self.assertEqual((code, status), ("AccessDeniedException", 400))
        self.assertIn("peer:ipv4:127.0.0.1 is not authorized", message)
        # What the policy grants the address, the address gets.
        self.assertIn("AccountMaxReadCapacityUnits", claimed.describe_limits())


if __name__ == "__main__":
    unittest.main(verbosity=2)
