"""The AWS CLI v2 (Debian's awscli package) against the simulator's AWS wire
endpoint (issue 14 section 3): only --endpoint-url differs from a call to AWS.

  python3 aws_wire_cli_test.py SERVER_BIN AWS_CLI
Exit 77 (skipped, saying why) when AWS_CLI is not an AWS CLI v2.

What the AWS CLI documentation shows for each command is the reference: the
same members, nesting and JSON types (get-item's {"Item": {"pk": {"S": ...}}},
get-records' Records[].dynamodb.Keys/NewImage, list-records' Records, Count,
DatasetSyncCount, SyncSessionToken, list-datasets' {"datasets": [...]}), and
the CLI's own error line with exit status 254.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "polyglot"))
from facade_server import FacadeServer  # noqa: E402

SERVER_BIN, AWS_CLI = sys.argv[1:3]
del sys.argv[1:3]
POOL = "us-east-1:11111111-2222-3333-4444-555555555555"
IDENTITY = "us-east-1:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


class AwsCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = FacadeServer(SERVER_BIN, "--aws_listen=127.0.0.1:0")
        port = re.search(r"AWS wire protocols on port (\d+)", cls.server.startup_log).group(1)
        cls.endpoint = "http://127.0.0.1:" + port
        cls.home = tempfile.TemporaryDirectory()
        cls.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        cls.env.update(HOME=cls.home.name, AWS_ACCESS_KEY_ID="cli", AWS_SECRET_ACCESS_KEY="cli",
                       AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="", AWS_CONFIG_FILE="/nonexistent",
                       AWS_SHARED_CREDENTIALS_FILE="/nonexistent", AWS_EC2_METADATA_DISABLED="true")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.home.cleanup()

    def aws(self, *args, expect=0):
        out = subprocess.run([AWS_CLI, "--endpoint-url", self.endpoint, "--output", "json", *args],
                             env=self.env, capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, expect, (args, out.stdout, out.stderr))
        if expect != 0:
            return out.stderr
        return json.loads(out.stdout) if out.stdout.strip() else None

    def test_dynamodb_and_streams(self):
        created = self.aws("dynamodb", "create-table", "--table-name", "cli-table",
                           "--attribute-definitions", "AttributeName=pk,AttributeType=S",
                           "--key-schema", "AttributeName=pk,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST",
                           "--stream-specification", "StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES")
        self.assertEqual(created["TableDescription"]["TableName"], "cli-table")
        self.assertIsNone(self.aws("dynamodb", "wait", "table-exists", "--table-name", "cli-table"))
        # put-item prints nothing without --return-values (as documented).
        self.assertIsNone(self.aws("dynamodb", "put-item", "--table-name", "cli-table",
                                   "--item", '{"pk": {"S": "a"}, "n": {"N": "7"}}'))
        self.assertEqual(self.aws("dynamodb", "get-item", "--table-name", "cli-table", "--key", '{"pk": {"S": "a"}}'),
                         {"Item": {"pk": {"S": "a"}, "n": {"N": "7"}}})
        arn = self.aws("dynamodbstreams", "list-streams", "--table-name", "cli-table")["Streams"][0]["StreamArn"]
        shard = self.aws("dynamodbstreams", "describe-stream", "--stream-arn", arn)[
            "StreamDescription"]["Shards"][0]["ShardId"]
        iterator = self.aws("dynamodbstreams", "get-shard-iterator", "--stream-arn", arn, "--shard-id", shard,
                            "--shard-iterator-type", "TRIM_HORIZON")["ShardIterator"]
        records = self.aws("dynamodbstreams", "get-records", "--shard-iterator", iterator)
        self.assertEqual(set(records), {"Records", "NextShardIterator"})
        (record,) = records["Records"]
        self.assertEqual((record["eventName"], record["eventSource"], record["awsRegion"]),
                         ("INSERT", "aws:dynamodb", "us-east-1"))
        self.assertEqual(record["dynamodb"]["Keys"], {"pk": {"S": "a"}})
        self.assertEqual(record["dynamodb"]["NewImage"], {"pk": {"S": "a"}, "n": {"N": "7"}})
        self.assertEqual(record["dynamodb"]["StreamViewType"], "NEW_AND_OLD_IMAGES")
        # The CLI prints timestamps itself (ISO 8601): it read a number it understood.
        self.assertRegex(record["dynamodb"]["ApproximateCreationDateTime"], r"^\d{4}-\d\d-\d\dT")
        error = self.aws("dynamodb", "describe-table", "--table-name", "cli-missing", expect=254)
        self.assertIn("An error occurred (ResourceNotFoundException) when calling the DescribeTable operation",
                      error)

    def test_cognito_sync_list_records(self):
        listed = self.aws("cognito-sync", "list-records", "--identity-pool-id", POOL, "--identity-id", IDENTITY,
                          "--dataset-name", "cli-dataset")
        self.assertEqual((listed["Records"], listed["Count"], listed["DatasetSyncCount"]), ([], 0, 0))
        self.assertTrue(listed["SyncSessionToken"])
        self.aws("cognito-sync", "update-records", "--identity-pool-id", POOL, "--identity-id", IDENTITY,
                 "--dataset-name", "cli-dataset", "--sync-session-token", listed["SyncSessionToken"],
                 "--record-patches", "Op=replace,Key=theme,Value=dark,SyncCount=0")
        listed = self.aws("cognito-sync", "list-records", "--identity-pool-id", POOL, "--identity-id", IDENTITY,
                          "--dataset-name", "cli-dataset")
        self.assertEqual([(r["Key"], r["Value"], r["SyncCount"]) for r in listed["Records"]], [("theme", "dark", 1)])
        error = self.aws("cognito-sync", "describe-dataset", "--identity-pool-id", POOL, "--identity-id",
                         IDENTITY, "--dataset-name", "cli-absent", expect=254)
        self.assertIn("(ResourceNotFoundException)", error)

    def test_personalize_list_datasets(self):
        self.assertEqual(self.aws("personalize", "list-datasets"), {"datasets": []})
        schema = self.aws("personalize", "create-schema", "--name", "cli-schema", "--schema", json.dumps({
            "type": "record", "name": "Interactions", "namespace": "com.amazonaws.personalize.schema",
            "fields": [{"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"},
                       {"name": "TIMESTAMP", "type": "long"}], "version": "1.0"}))["schemaArn"]
        listed = self.aws("personalize", "list-schemas")["schemas"]
        self.assertEqual([s["schemaArn"] for s in listed], [schema])
        self.assertRegex(listed[0]["creationDateTime"], r"^\d{4}-\d\d-\d\dT")


if __name__ == "__main__":
    try:
        version = subprocess.run([AWS_CLI, "--version"], capture_output=True, text=True, timeout=60).stdout
    except OSError as e:
        print("SKIP: no AWS CLI at %r (Debian package awscli): %s" % (AWS_CLI, e))
        sys.exit(77)
    if not version.startswith("aws-cli/2."):
        print("SKIP: %r is not the AWS CLI v2: %s" % (AWS_CLI, version.strip()))
        sys.exit(77)
    print(version.strip())
    unittest.main(argv=[sys.argv[0], "-v"])
