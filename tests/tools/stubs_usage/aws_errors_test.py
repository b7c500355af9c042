"""examples/python/aws_errors.py on the stubs of scripts/gen-stubs.sh alone
(issue 18 §5): the AWS error name of failed calls, read from the
google.rpc messages generated beside the service stubs.

Usage: aws_errors_test.py STUBS_PYTHON_DIR ADDRESS
"""
import os
import sys
import unittest

STUBS_DIR, ADDRESS = sys.argv[1:3]
del sys.argv[1:3]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path[:0] = [STUBS_DIR, os.path.join(ROOT, "examples", "python")]

import grpc  # noqa: E402
from google.rpc import error_details_pb2, status_pb2  # noqa: E402
from aws.dynamodb.v1 import attribute_value_pb2 as av  # noqa: E402
from aws.dynamodb.v1 import dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc  # noqa: E402
from aws_errors import aws_error_name, error_info  # noqa: E402


class AwsErrorsTest(unittest.TestCase):
    def setUp(self):
        self.channel = grpc.insecure_channel(ADDRESS)
        self.dynamodb = db_grpc.DynamoDbServiceStub(self.channel)

    def tearDown(self):
        self.channel.close()

    def failed_call(self, call, *args):
        with self.assertRaises(grpc.RpcError) as raised:
            call(*args, timeout=10)
        return raised.exception

    def test_google_rpc_comes_from_the_generated_stubs(self):
        for module in (status_pb2, error_details_pb2):
            self.assertTrue(os.path.abspath(module.__file__).startswith(os.path.abspath(STUBS_DIR)),
                            module.__file__)

    def test_missing_table_is_resource_not_found(self):
        err = self.failed_call(self.dynamodb.GetItem, db.GetItemRequest(
            table_name="no-such-table", key={"pk": av.AttributeValue(s="a")}))
        self.assertEqual(err.code(), grpc.StatusCode.NOT_FOUND)
        self.assertEqual(aws_error_name(err), "ResourceNotFoundException")
        self.assertEqual(error_info(err).domain, "dynamodb")

    def test_validation_error_names_the_field(self):
        err = self.failed_call(self.dynamodb.GetItem, db.GetItemRequest())
        self.assertEqual(err.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(aws_error_name(err), "ValidationException")
        self.assertEqual(error_info(err).metadata["field"], "TableName")

    def test_error_without_details_has_no_name(self):
        err = self.failed_call(self.channel.unary_unary("/aws.dynamodb.v1.DynamoDbService/NoSuchMethod"), b"")
        self.assertEqual(err.code(), grpc.StatusCode.UNIMPLEMENTED)
        self.assertIsNone(error_info(err))
        self.assertIsNone(aws_error_name(err))


if __name__ == "__main__":
    unittest.main()
