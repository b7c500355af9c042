"""Small helpers shared by the Python tests and benchmarks that drive a facade
(Debian's /usr/bin/python3 with grpcio; the generated stubs on sys.path)."""
import json
import sys

# A Cognito identity pool and identity in the simulator's accepted format.
COGNITO_POOL = "us-east-1:0000aaaa-bbbb-cccc-dddd-eeeeffff0000"
COGNITO_IDENTITY = "us-east-1:1111aaaa-bbbb-cccc-dddd-eeeeffff1111"
# The Avro schema of a Personalize Interactions dataset (the three required
# fields), as CreateSchema takes it.
INTERACTIONS_SCHEMA = json.dumps({"type": "record", "name": "Interactions",
                                  "namespace": "com.amazonaws.personalize.schema",
                                  "fields": [{"name": "USER_ID", "type": "string"},
                                             {"name": "ITEM_ID", "type": "string"},
                                             {"name": "TIMESTAMP", "type": "long"}],
                                  "version": "1.0"})


def create_streamed_table(channel, name, view="NEW_IMAGE"):
    """CreateTable {pk: S} (on demand) with a stream of `view`; returns the
    stream ARN."""
    from aws.dynamodb.v1 import dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc
    return db_grpc.DynamoDbServiceStub(channel).CreateTable(db.CreateTableRequest(
        table_name=name, billing_mode="PAY_PER_REQUEST",
        attribute_definitions=[db.AttributeDefinition(attribute_name="pk", attribute_type="S")],
        key_schema=[db.KeySchemaElement(attribute_name="pk", key_type="HASH")],
        stream_specification=db.StreamSpecification(stream_enabled=True, stream_view_type=view))
    ).table_description.latest_stream_arn


def rss_kib(pid):
    """Resident memory of process `pid` in KiB (Linux /proc)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Checks:
    """Named checks that print ok/FAIL as they go; exit_code() at the end."""

    def __init__(self):
        self.failures = []

    def __call__(self, condition, message):
        print(("ok   " if condition else "FAIL ") + message, flush=True)
        if not condition:
            self.failures.append(message)

    def exit_code(self):
        if self.failures:
            print("%d failure(s)" % len(self.failures), file=sys.stderr)
            return 1
        return 0
